"""Writes and the server's life, on the real server: the write token, updates and the inferences
they keep current, durability after SIGKILL, body limits, refused SERVICE and LOAD, the Graph
Store Protocol, one-line errors, start and stop, settings from the environment."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from urllib.parse import quote_plus

import pytest
import requests

from tests.conftest import start_server, stop_server
from tests.helpers import run_cli


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


@pytest.mark.own_server
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


@pytest.mark.own_server
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
