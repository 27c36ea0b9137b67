"""Linked data and saved queries on the real server: entity IRIs and pages, the timeline,
explanations, the saved-queries API and pages, the query time limit, the JSON-LD context, VoID,
dumps and the ontology's own IRI."""

from __future__ import annotations

import gzip
import json
import os
import re
import threading
import time
from pathlib import Path

import pytest
import rdflib
import requests

from tests.conftest import start_server, stop_server

JAPAN = "https://w3id.org/alliance-kg/id/Japan"


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


@pytest.mark.own_server
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
