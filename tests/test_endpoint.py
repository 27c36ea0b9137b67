"""The SPARQL endpoint, served for real (granian on 127.0.0.1), driven by real clients."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import threading
import time
from pathlib import Path
from urllib.parse import quote_plus

import pytest
import rdflib
import requests
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

from tests.conftest import start_server, stop_server
from tests.helpers import run_cli

STATES = (
    "SELECT ?s WHERE { ?s a <https://w3id.org/alliance-kg/ontology#SovereignState> } ORDER BY ?s"
)
JAPAN = "https://w3id.org/alliance-kg/id/Japan"


def wrapper(server, query, fmt=JSON, method="GET"):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client.query()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(server, method):
    data = wrapper(server, STATES, JSON, method).convert()
    assert next(b["s"]["value"] for b in data["results"]["bindings"]) == JAPAN
    assert len(data["results"]["bindings"]) == 3


def test_sparqlwrapper_select_xml_csv_tsv(server):
    xml = wrapper(server, STATES, XML).convert()
    assert len(xml.getElementsByTagName("result")) == 3
    csv = wrapper(server, STATES, CSV).convert().decode()
    assert csv.splitlines()[1] == JAPAN
    tsv = wrapper(server, STATES, TSV).convert().decode()
    assert tsv.splitlines()[1] == f"<{JAPAN}>"


def test_sparqlwrapper_ask(server):
    assert wrapper(server, f"ASK {{ <{JAPAN}> a ?c }}", JSON).convert()["boolean"] is True
    (boolean,) = (
        wrapper(server, "ASK { ?x <urn:nothing> ?y }", XML)
        .convert()
        .getElementsByTagName("boolean")
    )
    assert boolean.firstChild.data == "false"


@pytest.mark.parametrize("fmt", ["turtle", "n3", "xml", "json-ld"])
def test_sparqlwrapper_construct_and_describe(server, fmt):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER (?s = <{JAPAN}>) }}")
    client.setReturnFormat(
        {"turtle": "turtle", "n3": "n3", "xml": "xml", "json-ld": "json-ld"}[fmt]
    )
    result = client.query()
    graph = rdflib.Graph().parse(data=result.response.read(), format={"n3": "turtle"}.get(fmt, fmt))
    assert (rdflib.URIRef(JAPAN), rdflib.RDF.type, None) in graph
    client.setQuery(f"DESCRIBE <{JAPAN}>")
    assert len(client.queryAndConvert()) > 5


def test_rdflib_sparqlstore_reads(server):
    graph = rdflib.Graph(SPARQLStore(server.url + "/sparql"))
    rows = list(
        graph.query(
            f"SELECT ?label WHERE {{ <{JAPAN}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
        )
    )
    assert [str(r[0]) for r in rows] == ["Japan"]


def test_rdflib_sparqlupdatestore_writes_with_the_token(server):
    store = SPARQLUpdateStore(server.url + "/sparql", server.url + "/sparql", headers=server.auth)
    graph = rdflib.Graph(store, identifier=DATASET_DEFAULT_GRAPH_ID)
    graph.update(
        "INSERT DATA { <urn:test:Atlantis> a <https://w3id.org/alliance-kg/ontology#SovereignState> }"
    )
    assert server.get(
        "/sparql",
        params={"query": "ASK { <urn:test:Atlantis> a <http://www.w3.org/ns/prov#Agent> }"},
    ).json()["boolean"]
    graph.update(
        "DELETE DATA { <urn:test:Atlantis> a <https://w3id.org/alliance-kg/ontology#SovereignState> }"
    )
    assert not server.get("/sparql", params={"query": "ASK { <urn:test:Atlantis> ?p ?o }"}).json()[
        "boolean"
    ]


# Protocol cases (W3C SPARQL 1.1 Protocol test descriptions).


def test_query_by_post_sparql_query_body(server):
    response = server.post(
        "/sparql",
        data=STATES,
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")


def test_query_and_update_together_is_a_400(server):
    response = server.post("/sparql", data={"query": STATES, "update": "CLEAR DEFAULT"})
    assert response.status_code == 400


def test_repeated_query_parameter_is_a_400(server):
    response = server.get("/sparql", params=[("query", STATES), ("query", STATES)])
    assert response.status_code == 400
    assert "given 2 times" in response.text


def test_update_by_get_is_refused(server):
    response = server.get("/sparql", params={"update": "CLEAR DEFAULT"})
    assert response.status_code == 405


def test_unsupported_content_type_is_a_415(server):
    response = server.post("/sparql", data="x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_post_without_query_is_a_400(server):
    assert server.post("/sparql", data={"other": "1"}).status_code == 400


def test_syntax_error_names_line_and_column(server):
    response = server.get("/sparql", params={"query": "SELECT * WHERE {\n ?s ?p \n}"})
    assert response.status_code == 400
    assert "line 3, column" in response.text
    assert "Traceback" not in response.text


def test_query_sent_as_update_is_a_400(server):
    response = server.post("/sparql", data={"update": STATES}, headers=server.auth)
    assert response.status_code == 400


def test_unacceptable_accept_is_a_406(server):
    response = server.get("/sparql", params={"query": STATES}, headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_q_values_choose_the_format(server):
    accept = "application/sparql-results+json;q=0.5, application/sparql-results+xml;q=0.9"
    response = server.get("/sparql", params={"query": STATES}, headers={"Accept": accept})
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")


def test_default_formats_without_accept(server):
    response = requests_get_without_accept(server, STATES)
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    response = requests_get_without_accept(server, "CONSTRUCT WHERE { ?s a <urn:x> }")
    assert response.headers["Content-Type"].startswith("text/turtle")


def requests_get_without_accept(server, query):

    session = requests.Session()
    session.headers.pop("Accept", None)
    return session.get(server.url + "/sparql", params={"query": query}, timeout=30)


def test_format_parameter_for_browsers(server):
    response = server.get(
        "/sparql", params={"query": STATES, "format": "tsv"}, headers={"Accept": "text/html"}
    )
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")
    response = server.get("/sparql", params={"query": STATES, "format": "png"})
    assert response.status_code == 400


def test_html_results_escape_and_link(server):
    response = server.get("/sparql", params={"query": STATES}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert 'href="/id/Japan"' in response.text


def test_dataset_parameter_and_default_graph_uri(server):
    query = "ASK { <https://w3id.org/alliance-kg/id/United_States> <https://w3id.org/alliance-kg/ontology#alliedWith> ?x }"
    assert server.get("/sparql", params={"query": query}).json()["boolean"]
    assert server.get("/sparql", params={"query": query, "dataset": "inferred"}).json()["boolean"]
    assert not server.get("/sparql", params={"query": query, "dataset": "asserted"}).json()[
        "boolean"
    ]
    params = {"query": query, "default-graph-uri": "https://w3id.org/alliance-kg/graph/ontology"}
    assert not server.get("/sparql", params=params).json()["boolean"]
    assert server.get("/sparql", params={"query": query, "dataset": "nope"}).status_code == 400


def test_service_description_on_bare_get(server):
    response = server.get("/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, sd.endpoint, rdflib.URIRef(server.url + "/sparql")) in graph
    assert (None, sd.supportedLanguage, sd.SPARQL11Update) in graph


def test_query_page_works_offline(server):
    response = server.get("/")
    assert response.status_code == 200
    assert "<textarea" in response.text
    assert "http://" not in response.text.split("<body>")[0]
    assert "alliance-members" in response.text


def test_cors_for_reads_not_writes(server):
    response = server.get(
        "/sparql", params={"query": STATES}, headers={"Origin": "http://example.org"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests_options(server)
    assert preflight.status_code == 204
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    write = server.post(
        "/sparql",
        data={"update": "CLEAR SILENT GRAPH <urn:x>"},
        headers={"Origin": "http://example.org"},
    )
    assert "Access-Control-Allow-Origin" not in write.headers


def requests_options(server):

    return requests.options(
        server.url + "/sparql",
        headers={"Origin": "http://example.org", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic abc"])
def test_writes_without_the_token_are_refused(server, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = server.post(
        "/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, headers=headers
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not server.get("/sparql", params={"query": "ASK { <urn:a> <urn:b> <urn:c> }"}).json()[
        "boolean"
    ]


def test_the_token_never_appears_in_the_log(server, tmp_path_factory):
    server.post(
        "/sparql", data={"update": "INSERT DATA { <urn:log> <urn:b> <urn:c> }"}, headers=server.auth
    )
    log = (server.store.parent / "server.log").read_text()
    assert "POST /sparql" in log
    assert server.token not in log


def test_a_write_updates_the_inferences_before_it_returns(server):
    update = "INSERT DATA { <https://w3id.org/alliance-kg/id/Philippines> <https://w3id.org/alliance-kg/ontology#memberOf> <https://w3id.org/alliance-kg/id/US_Japan_Alliance> }"
    assert server.post("/sparql", data={"update": update}, headers=server.auth).status_code == 204
    query = "ASK { <https://w3id.org/alliance-kg/id/Japan> <https://w3id.org/alliance-kg/ontology#alliedWith> <https://w3id.org/alliance-kg/id/Philippines> }"
    assert server.get("/sparql", params={"query": query}).json()["boolean"]
    assert (
        server.post(
            "/sparql", data={"update": update.replace("INSERT", "DELETE")}, headers=server.auth
        ).status_code
        == 204
    )
    assert not server.get("/sparql", params={"query": query}).json()["boolean"]


def test_using_graph_uri_limits_what_the_where_clause_sees(server):
    ontology_graph = "https://w3id.org/alliance-kg/graph/ontology"
    update = (
        "INSERT { <urn:test:using> <urn:test:saw> ?s } "
        "WHERE { ?s a <https://w3id.org/alliance-kg/ontology#SovereignState> }"
    )
    response = server.post(
        "/sparql", data={"update": update, "using-graph-uri": ontology_graph}, headers=server.auth
    )
    assert response.status_code == 204, response.text
    # The ontology graph describes no state: nothing was seen, nothing inserted.
    query = "ASK { <urn:test:using> ?p ?o }"
    assert not server.get("/sparql", params={"query": query}).json()["boolean"]


def test_an_acknowledged_write_survives_sigkill(tmp_path_factory, built):
    tmp = tmp_path_factory.mktemp("sigkill")
    running = start_server(tmp, built)
    try:
        update = "INSERT DATA { <urn:test:durable> <urn:test:p> <urn:test:o> }"
        gsp = "<urn:test:s> <urn:test:p> <urn:test:gsp> .\n"
        assert (
            running.post("/sparql", data={"update": update}, headers=running.auth).status_code
            == 204
        )
        put = requests.put(
            running.url + "/store?graph=urn:test:g",
            data=gsp,
            headers={**running.auth, "Content-Type": "application/n-triples"},
        )
        assert put.status_code == 201
    finally:
        os.killpg(
            running.process.pid, signal.SIGKILL
        )  # master and workers, right after the answers
        running.process.wait()
    restarted = start_server(tmp, None)
    try:
        ask = "ASK { <urn:test:durable> <urn:test:p> <urn:test:o> . GRAPH <urn:test:g> { ?s ?p <urn:test:gsp> } }"
        assert restarted.get("/sparql", params={"query": ask}).json()["boolean"]
    finally:
        stop_server(restarted)


def test_the_server_starts_quietly_and_ctrl_c_stops_every_process(tmp_path_factory, built):
    """With the defaults, the server starts without warnings. Ctrl-C in a terminal sends SIGINT
    to the whole process group: the supervisor, the worker and the query processes. The server
    stops, leaves no process behind and prints no traceback."""
    tmp = tmp_path_factory.mktemp("ctrl-c")
    running = start_server(tmp, built)
    assert running.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    group = running.process.pid
    os.killpg(group, signal.SIGINT)
    try:
        running.process.wait(timeout=15)
        deadline = time.monotonic() + 10
        while _members(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _members(group)
    finally:
        if _members(group):
            os.killpg(group, signal.SIGKILL)
    log = (tmp / "server.log").read_text()
    assert "Traceback" not in log and "KeyboardInterrupt" not in log, log
    assert "WARNING" not in log, log


def test_the_supervisor_is_a_small_process_and_no_command_line_shows_the_token(server):
    """`alliance-kg serve` replaces itself by a Python running only granian's supervisor; the
    settings, the write token among them, reach it through a pipe, not its arguments."""
    members = _members(server.process.pid)
    assert len(members) >= 4  # supervisor, worker, query processes
    for pid in members:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert server.token not in command
    supervisor = Path(f"/proc/{server.process.pid}/cmdline").read_bytes().split(b"\0")
    assert supervisor[1:3] == [b"-m", b"cli.server"]
    # The store's library is loaded by the worker that opens the store, not by the supervisor.
    assert "pyoxigraph" not in Path(f"/proc/{server.process.pid}/maps").read_text()
    assert any("pyoxigraph" in Path(f"/proc/{pid}/maps").read_text() for pid in members)


def _members(group: int) -> list[int]:
    """The live processes of a process group (zombies count as gone)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == group:
            found.append(int(entry.name))
    return found


def test_a_malformed_update_changes_nothing(server):
    before = server.get(
        "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    ).json()
    response = server.post(
        "/sparql",
        data={"update": "INSERT DATA { <urn:x> <urn:y> <urn:z> } ; INSERT DATA { <urn:broken> }"},
        headers=server.auth,
    )
    assert response.status_code == 400
    after = server.get(
        "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    ).json()
    assert before == after


@pytest.mark.parametrize(
    "text", ["SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"]
)
def test_service_is_refused(server, text):
    response = server.get("/sparql", params={"query": text})
    assert response.status_code == 400
    assert "SERVICE is refused" in response.text


def test_load_is_refused(server):
    response = server.post(
        "/sparql", data={"update": "LOAD <http://example.org/data.ttl>"}, headers=server.auth
    )
    assert response.status_code == 400
    assert "refused" in response.text


def test_oversized_body_is_a_413(server):
    response = server.post("/sparql", data={"query": "#" * 2_000_000})
    assert response.status_code == 413


def test_an_oversized_chunked_body_is_a_413_and_changes_nothing(server):
    """A body sent in chunks has no Content-Length to refuse it by: it is refused once it
    passes the limit, never cut at the limit and run (a cut after a `;` is a valid update)."""
    statement = "INSERT DATA { <urn:test:chunked> <urn:test:p> <urn:test:o> } ;\n"
    count = 2_000_000 // len(statement)

    def chunks():
        for _ in range(count):
            yield statement.encode()

    for kind, headers in [
        ("update", {**server.auth, "Content-Type": "application/sparql-update"}),
        ("query", {"Content-Type": "application/sparql-query"}),
    ]:
        response = server.post("/sparql", data=chunks(), headers=headers)
        assert response.status_code == 413, (kind, response.status_code, response.text[:200])
        assert "limit" in response.text

    def form():
        yield b"update="
        for _ in range(count):
            yield quote_plus(statement).encode()

    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    response = server.post("/sparql", data=form(), headers={**server.auth, **form_type})
    assert response.status_code == 413, response.text[:200]

    def multipart(lines: int):
        yield b'--XX\r\nContent-Disposition: form-data; name="f"; filename="a.nt"\r\n'
        yield b"Content-Type: application/n-triples\r\n\r\n"
        for _ in range(lines):
            yield b"<urn:test:chunked> <urn:test:p> <urn:test:o> .\n"
        yield b"\r\n--XX--\r\n"

    # The Graph Store has a cap of its own (--max-upload-bytes, 1.5 MB for this server).
    response = server.post(
        "/store?default",
        data=multipart(40_000),  # 2 MB
        headers={**server.auth, "Content-Type": "multipart/form-data; boundary=XX"},
    )
    assert response.status_code == 413, response.text[:200]
    assert "1500000 bytes" in response.text
    big = "urn:test:big-upload"  # over the 1 MB cap of /sparql, within the Graph Store's
    response = server.post(
        f"/store?graph={big}",
        data=multipart(25_000),
        headers={**server.auth, "Content-Type": "multipart/form-data; boundary=XX"},
    )
    assert response.status_code == 201, response.text[:200]
    assert (
        requests.delete(f"{server.url}/store?graph={big}", headers=server.auth).status_code == 204
    )
    # Within the limit, chunked bodies of every kind are read whole.
    small_form = (part for part in [b"query=", quote_plus("ASK { ?s ?p ?o }").encode()])
    response = server.post("/sparql", data=small_form, headers=form_type)
    assert response.status_code == 200 and response.json()["boolean"] is True
    small_query = (part for part in [b"ASK { ", b"?s ?p ?o }"])
    response = server.post(
        "/sparql", data=small_query, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 200 and response.json()["boolean"] is True
    graph = "urn:test:chunked-upload"
    response = requests.put(
        f"{server.url}/store?graph={graph}",
        data=(b"<urn:test:chunked> <urn:test:p> <urn:test:o> .\n" for _ in range(40_000)),
        headers={**server.auth, "Content-Type": "application/n-triples"},
        timeout=30,
    )
    assert response.status_code == 413
    ask = "ASK { { <urn:test:chunked> ?p ?o } UNION { GRAPH ?g { <urn:test:chunked> ?p ?o } } }"
    assert not server.get("/sparql", params={"query": ask}).json()["boolean"]


def test_odd_input_never_gives_a_5xx(server):
    for params, status in [
        ({"query": "\x00"}, 400),
        ({"query": "SELECT ?x WHERE { BIND(1/0 AS ?x) }"}, 200),  # an error is an unbound ?x
        ({"query": "ASK {}", "default-graph-uri": "not an iri"}, 400),
    ]:
        response = server.get("/sparql", params=params)
        assert response.status_code == status, (params, response.text)


# Graph Store Protocol.


def test_graph_store_put_get_post_delete(server):
    graph = "urn:test:gsp"
    turtle = "<urn:test:s> <urn:test:p> <urn:test:o> ."
    headers = {**server.auth, "Content-Type": "text/turtle"}
    assert server.get("/store", params={"graph": graph}).status_code == 404
    assert requests_put(server, graph, turtle, headers).status_code == 201
    assert requests_put(server, graph, turtle, headers).status_code == 204
    response = server.get(
        "/store", params={"graph": graph}, headers={"Accept": "application/n-triples"}
    )
    assert response.text.strip() == "<urn:test:s> <urn:test:p> <urn:test:o> ."
    head = requests_head(server, graph)
    assert head.headers["Content-Type"].startswith("text/turtle")
    assert (
        server.post(
            "/store",
            params={"graph": graph},
            data="<urn:test:s> <urn:test:p> <urn:test:o2> .",
            headers=headers,
        ).status_code
        == 204
    )
    assert (
        len(
            server.get(
                "/store", params={"graph": graph}, headers={"Accept": "application/n-triples"}
            )
            .text.strip()
            .splitlines()
        )
        == 2
    )
    files = {"file": ("data.ttl", "<urn:test:s> <urn:test:p> <urn:test:o3> .", "text/turtle")}
    assert (
        server.post("/store", params={"graph": graph}, files=files, headers=server.auth).status_code
        == 204
    )
    assert requests_delete(server, graph).status_code == 204
    assert requests_delete(server, graph).status_code == 404


def test_graph_store_needs_the_token_and_a_target(server):
    assert (
        server.post(
            "/store",
            params={"graph": "urn:x"},
            data="<a:b> <a:c> <a:d> .",
            headers={"Content-Type": "text/turtle"},
        ).status_code
        == 401
    )
    assert server.get("/store").status_code == 400
    assert (
        server.post(
            "/store",
            params={"graph": "urn:x"},
            data="not turtle",
            headers={**server.auth, "Content-Type": "text/turtle"},
        ).status_code
        == 400
    )


def requests_put(server, graph, body, headers):

    return requests.put(
        server.url + "/store", params={"graph": graph}, data=body, headers=headers, timeout=30
    )


def requests_head(server, graph):

    return requests.head(server.url + "/store", params={"graph": graph}, timeout=30)


def requests_delete(server, graph):

    return requests.delete(
        server.url + "/store", params={"graph": graph}, headers=server.auth, timeout=30
    )


def test_errors_are_one_line_of_plain_text(server):
    response = server.get("/sparql", params={"query": "SELECT"})
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text.endswith("\n") and response.text.count("\n") == 1
    assert "syntax error at line 1" in response.text


# Linked data and saved queries.


def test_entity_iris_dereference_with_303(server):

    html = requests.get(
        server.url + "/id/Japan", headers={"Accept": "text/html"}, allow_redirects=False, timeout=30
    )
    assert html.status_code == 303
    assert html.headers["Location"].endswith("/page/id/Japan")
    turtle = requests.get(
        server.url + "/id/Japan",
        headers={"Accept": "text/turtle"},
        allow_redirects=False,
        timeout=30,
    )
    assert turtle.status_code == 303
    assert turtle.headers["Location"].endswith("/data/id/Japan.ttl")
    graph = rdflib.Graph().parse(data=server.get("/data/id/Japan.ttl").text, format="turtle")
    assert (rdflib.URIRef(JAPAN), rdflib.RDFS.label, rdflib.Literal("Japan", lang="en")) in graph
    assert server.get("/id/No_such_entity").status_code == 404


def test_entity_page_tells_asserted_from_inferred_and_links_explanations(server):
    page = server.get("/page/id/United_States").text
    assert '<tr class="asserted">' in page and '<tr class="inferred">' in page
    assert "/explain?" in page
    assert 'href="/id/Japan"' in page


def test_entity_page_shows_types_quotes_wikidata_and_neighbourhood(server):
    html = server.get("/page/id/Japan").text
    assert "sovereign state" in html  # its type, by label
    assert 'href="http://www.wikidata.org/entity/Q17"' in html
    assert "<svg" in html and "The neighbourhood of Japan" in html
    assert 'href="/id/United_States"' in html  # a neighbour, linked on this server
    assert "<h2>Sources</h2>" in html and "<q>" in html


def test_timeline_orders_the_dated_events(server):
    response = server.get("/timeline")
    assert response.status_code == 200
    html = response.text
    assert "<svg" in html
    positions = [
        html.index(f"<time>{when}</time>")
        for when in ("1960", "2015", "2021", "2023-01", "2024-04-13")
    ]
    assert positions == sorted(positions)
    assert "Events the article gives no date" in html
    event = server.get("/page/id/Abe_state_visit_to_the_US_2015").text
    assert 'href="/timeline#' in event


def test_explain_route_json_and_html(server):
    params = {
        "s": "https://w3id.org/alliance-kg/id/United_States",
        "p": "https://w3id.org/alliance-kg/ontology#alliedWith",
        "o": "<https://w3id.org/alliance-kg/id/Japan>",
    }
    data = server.get("/explain", params=params).json()
    assert data["status"] == "inferred"
    html = server.get("/explain", params=params, headers={"Accept": "text/html"}).text
    assert 'inferred by <a class="rule" href="/rules#' in html
    assert server.get("/explain", params={**params, "format": "json"}).json() == data
    assert server.get("/explain", params={"s": "x"}).status_code == 400


def test_saved_queries_api(server):
    listing = server.get("/api/queries").json()
    names = {q["name"] for q in listing}
    assert "alliance-members" in names
    fact = next(q for q in listing if q["name"] == "fact-source")
    assert {p["name"] for p in fact["parameters"]} == {"s", "p", "o"}
    rows = server.get("/api/queries/alliance-members", params={"format": "rows"}).json()
    assert {r["label"] for r in rows} == {"Japan", "United States"}
    csv = server.get(
        "/api/queries/fact-source",
        params={"s": "id:Kishida_visit_to_the_Toyota_factory", "p": "akg:site"},
        headers={"Accept": "text/csv"},
    )
    assert "Sources familiar with the matter said" in csv.text
    bad = server.get("/api/queries/fact-source", params={"s": "not an iri"})
    assert bad.status_code == 400 and "parameter 's'" in bad.text
    assert server.get("/api/queries/nope").status_code == 404


def cpu_seconds(session: int) -> float:
    """CPU time used so far by the live processes of a session (the server and its children)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session:  # field 6 of stat, the session id
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def test_saved_query_pages(server):
    response = server.get("/queries/fact-source", params={"s": "id:US_Japan_Security_Treaty"})
    assert response.status_code == 200
    assert "text/html" in response.headers["Content-Type"]
    assert "1960" in response.text and "<table>" in response.text
    assert 'href="/?query=' in response.text  # open in the query page
    assert (
        "/api/queries/fact-source?s=id%3AUS_Japan_Security_Treaty&amp;format=csv" in response.text
    )
    bad = server.get("/queries/fact-source", params={"s": "not an iri"})
    assert bad.status_code == 400
    assert "parameter &#39;s&#39;" in bad.text and "<form" in bad.text
    assert server.get("/queries/no-such-query").status_code == 404


def test_a_runaway_query_gets_a_clear_503_and_others_are_served(tmp_path_factory, built):
    slow = start_server(tmp_path_factory.mktemp("slow"), built, "--query-timeout", "1")
    try:
        runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        answers = {}
        thread = threading.Thread(
            target=lambda: answers.update(runaway=slow.get("/sparql", params={"query": runaway}))
        )
        started = time.monotonic()
        thread.start()
        time.sleep(0.2)
        quick = slow.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert quick.status_code == 200
        thread.join(30)
        response = answers["runaway"]
        assert response.status_code == 503
        assert "did not finish within the limit of 1 s" in response.text
        assert time.monotonic() - started < 10
        # The query was stopped, not abandoned: the server's processes are idle again.
        time.sleep(0.5)
        before = cpu_seconds(slow.process.pid)
        time.sleep(2)
        assert cpu_seconds(slow.process.pid) - before < 0.5
        assert slow.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    finally:
        stop_server(slow)


# The dataset: VoID, dumps, the ontology.


def test_the_ontology_publishes_a_json_ld_context(server):
    response = server.get("/ontology/context.jsonld")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ld+json"
    document = {
        **response.json(),
        "@id": "id:Japan",
        "@type": "SovereignState",
        "alliedWith": "id:United_States",
    }
    graph = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    akg = rdflib.Namespace("https://w3id.org/alliance-kg/ontology#")
    japan = rdflib.URIRef(JAPAN)
    assert (
        japan,
        akg.alliedWith,
        rdflib.URIRef("https://w3id.org/alliance-kg/id/United_States"),
    ) in graph
    assert (japan, rdflib.RDF.type, akg.SovereignState) in graph
    assert (
        'href="/ontology/context.jsonld"'
        in server.get("/ontology", headers={"Accept": "text/html"}).text
    )


def test_void_description(server):
    graph = rdflib.Graph().parse(
        data=server.get("/.well-known/void", headers={"Accept": "text/turtle"}).text,
        format="turtle",
    )
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    (dataset,) = set(graph.subjects(rdflib.RDF.type, void.Dataset)) - set(
        graph.objects(None, void.subset)
    )
    assert graph.value(dataset, void.sparqlEndpoint) == rdflib.URIRef(server.url + "/sparql")
    assert int(graph.value(dataset, void.triples)) > 1500
    dumps = set(graph.objects(dataset, void.dataDump))
    assert rdflib.URIRef(server.url + "/dumps/all.nq") in dumps
    parts = {
        d for s in graph.objects(dataset, void.subset) for d in graph.objects(s, void.dataDump)
    }
    assert rdflib.URIRef(server.url + "/dumps/asserted.nq") in parts
    assert (
        dataset,
        rdflib.URIRef("http://purl.org/dc/terms/source"),
        rdflib.URIRef("https://w3id.org/alliance-kg/source/strategic-alliance-2024-04-13"),
    ) in graph


@pytest.mark.parametrize(
    ("selection", "extension", "fmt"),
    [
        ("all", "nq", "nquads"),
        ("asserted", "trig", "trig"),
        ("inferred", "ttl", "turtle"),
        ("inferred", "jsonld", "json-ld"),
    ],
)
def test_dumps_parse_back(server, selection, extension, fmt):
    """The .gz files are gzip files (saved as they are); the same URL without .gz is the RDF
    itself, which rdflib reads straight from the URL."""
    response = server.get(f"/dumps/{selection}.{extension}.gz")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in response.headers
    data = rdflib.Dataset()
    data.parse(data=gzip.decompress(response.content), format=fmt)
    size = sum(len(g) for g in data.graphs())
    assert size > 100
    fetched = rdflib.Dataset()
    fetched.parse(f"{server.url}/dumps/{selection}.{extension}")  # format from Content-Type
    assert sum(len(g) for g in fetched.graphs()) == size
    compressed = requests.get(
        f"{server.url}/dumps/{selection}.{extension}",
        headers={"Accept-Encoding": "gzip"},
        stream=True,
        timeout=30,
    )
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "/dumps/all.nq.gz" in server.get("/dumps/").text
    assert server.get("/dumps/everything.zip").status_code == 404


def test_the_ontology_dereferences(server):
    page = server.get("/ontology", headers={"Accept": "text/html"}).text
    assert "akg:SovereignState" in page and "An independent state" in page
    graph = rdflib.Graph().parse(
        data=server.get("/ontology", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    assert (
        rdflib.URIRef("https://w3id.org/alliance-kg/ontology"),
        rdflib.RDF.type,
        rdflib.OWL.Ontology,
    ) in graph


# What clients receive around the data.


def test_the_results_page_offers_only_the_formats_the_result_has(server):
    for query, offered, absent in [
        ("SELECT * WHERE { ?s a akg:Alliance }", ["csv", "tsv", "json"], ["ttl", "rdfxml"]),
        ("CONSTRUCT WHERE { ?s a akg:Alliance }", ["ttl", "nt", "jsonld"], ["csv", "tsv"]),
        ("ASK { ?s a akg:Alliance }", ["json", "xml"], ["csv", "ttl"]),
    ]:
        page = server.get("/sparql", params={"query": query}, headers={"Accept": "text/html"})
        links = re.findall(r"format=(\w+)", page.text)
        assert set(offered) <= set(links) and not set(absent) & set(links), (query, links)
        for name in set(links):
            response = server.get("/sparql", params={"query": query, "format": name})
            assert response.status_code == 200, (query, name)


def test_format_errors_name_what_this_result_is_offered_as(server):
    select = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}
    wrong_form = server.get("/sparql", params={**select, "format": "ttl"})
    assert wrong_form.status_code == 400
    assert "'ttl' is for CONSTRUCT and DESCRIBE results" in wrong_form.text
    assert "json, xml, csv, tsv, html" in wrong_form.text
    bogus = server.get("/api/queries/alliance-members", params={"format": "bogus"})
    assert bogus.status_code == 400 and "unknown format 'bogus'" in bogus.text
    assert "rows" in bogus.text
    graph = server.get("/api/queries/alliance-members", params={"format": "ttl"})
    assert graph.status_code == 400 and "rows" in graph.text


def test_a_parameter_with_a_default_is_not_required_anywhere(server):
    listing = {q["name"]: q for q in server.get("/api/queries").json()}
    parameters = {p["name"]: p for p in listing["fact-source"]["parameters"]}
    assert parameters["p"]["required"] is False and parameters["p"]["default"] == "akg:dateSigned"
    document = server.get("/api/openapi.json").json()
    operation = document["paths"]["/api/queries/fact-source"]["get"]
    described = {p["name"]: p for p in operation["parameters"]}
    for name, parameter in parameters.items():
        assert described[name]["required"] is parameter["required"], name
        assert described[name]["description"] == parameter["description"], name


def test_pages_are_not_sniffed_or_framed_and_reads_expose_their_headers(server):
    page = server.get("/", headers={"Accept": "text/html"})
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    answer = server.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://a.example"}
    )
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "ETag" in answer.headers["Access-Control-Expose-Headers"]
    for path in ("/sparql", "/api/queries/alliance-members", "/data/id/Japan.ttl"):
        preflight = requests.options(
            server.url + path,
            headers={
                "Origin": "https://a.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "if-none-match",
            },
            timeout=30,
        )
        assert preflight.status_code in (200, 204), path
        assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"], path
        assert preflight.headers["Access-Control-Allow-Origin"] == "*", path


def test_the_json_ld_context_round_trips_every_iri_of_the_graph(server):
    context = server.get("/ontology/context.jsonld").json()
    document = {
        **context,
        "@id": "id:Confirmation_of_US_Japan_cooperation",
        "akg:field": {"@id": "field:Security"},
    }
    graph = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    (triple,) = graph
    assert str(triple[2]) == "https://w3id.org/alliance-kg/field/Security"
    assert str(triple[1]) == "https://w3id.org/alliance-kg/ontology#field"


def test_void_for_a_browser_is_a_page(server):
    response = server.get("/.well-known/void", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert "sparqlEndpoint" in response.text
    turtle = server.get("/.well-known/void?format=ttl")
    assert turtle.headers["Content-Type"].startswith("text/turtle")


def test_select_star_columns_come_in_the_query_order(server):
    query = "SELECT * WHERE { ?state a akg:SovereignState ; rdfs:label ?label . BIND (1 AS ?a) }"
    response = server.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert response.text.splitlines()[0] == "state,label,a"


def test_settings_from_the_environment_are_converted_by_their_type(monkeypatch):
    from endpoint import Settings
    from graph.errors import InvalidInput

    monkeypatch.setenv("ALLIANCE_KG_QUERY_TIMEOUT", "2.5")
    monkeypatch.setenv("ALLIANCE_KG_QUERY_WORKERS", "3")
    monkeypatch.setenv("ALLIANCE_KG_PLAIN", "Yes")
    settings = Settings.from_environment()
    assert (settings.query_timeout, settings.query_workers, settings.plain) == (2.5, 3, True)
    monkeypatch.setenv("ALLIANCE_KG_QUERY_WORKERS", "three")
    with pytest.raises(InvalidInput, match="ALLIANCE_KG_QUERY_WORKERS='three': not a number"):
        Settings.from_environment()
    monkeypatch.setenv("ALLIANCE_KG_QUERY_WORKERS", "3")
    monkeypatch.setenv("ALLIANCE_KG_PLAIN", "ture")
    with pytest.raises(InvalidInput, match="ALLIANCE_KG_PLAIN='ture'"):
        Settings.from_environment()


def test_serve_names_a_bad_environment_variable_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLIANCE_KG_QUERY_TIMEOUT", "soon")
    result = run_cli("serve", "--plain", "--store", tmp_path / "store", "--port", "1")
    assert result.exit_code != 0
    assert (
        result.stderr.strip().lower()
        == "error: alliance_kg_query_timeout='soon': not a number (float)"
    )
    assert not (tmp_path / "store").exists()  # nothing was made
