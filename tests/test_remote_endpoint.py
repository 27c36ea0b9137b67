"""The endpoint over a remote SPARQL store, as two stateless replicas (two `alliance-kg serve`
processes, as behind a load balancer) over one real server of each kind: queries answered as
the embedded store answers them, writes through either replica reasoned over and seen by both,
ETags that agree across replicas and change with every write, the time limit, health."""

from __future__ import annotations

import csv
import io

import pytest
import requests

from graph.build import build_remote
from tests.conftest import start_server, stop_server
from tests.helpers import run_cli
from tests.test_remote_store import connect, reset

SLOW = (
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } "
    "FILTER(STR(?c) < STR(?f)) }"
)


@pytest.fixture(scope="module")
def replicas(remote_server, sources, tmp_path_factory):
    reset(remote_server)
    store = connect(remote_server)
    build_remote(store, sources)
    store.close()
    started = [
        start_server(
            tmp_path_factory.mktemp(f"replica-{name}"),
            None,
            *remote_server.options(),
            "--query-timeout",
            "1",
        )
        for name in ("a", "b")
    ]
    yield started
    for server in started:
        stop_server(server)
    reset(remote_server)  # the version is gone too: the next user of the server builds again


#: The name both replicas are reached by, as behind a load balancer: a query's answer depends on
#: the request's URL (relative IRIs resolve against it), so its ETag does too.
BALANCED = {"Host": "kg.example.org"}


def csv_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.text
    return sorted(tuple(row) for row in csv.reader(io.StringIO(response.text)))


def ask(server, query: str) -> bool:
    answer = server.post("/sparql", data={"query": query}, headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    return answer.json()["boolean"]


@pytest.mark.parametrize("name", ["alliance-members", "summit-leaders", "fact-source"])
def test_saved_queries_answer_as_on_the_embedded_store(replicas, built, name):
    here = run_cli("query", name, "--format", "csv", "--store", built.root)
    expected = sorted(tuple(r) for r in csv.reader(io.StringIO(here.stdout)))
    for server in replicas:
        answer = server.get(f"/api/queries/{name}", headers={"Accept": "text/csv"})
        assert csv_rows(answer) == expected


def test_a_write_through_one_replica_is_reasoned_over_and_seen_by_the_other(replicas):
    a, b = replicas
    query = "ASK { id:Testland a akg:Actor }"
    assert not ask(b, query)
    json_balanced = {"Accept": "application/json", **BALANCED}
    before = b.post("/sparql", data={"query": query}, headers=json_balanced)
    write = "INSERT DATA { id:Testland akg:memberOf id:US_Japan_Alliance }"
    done = a.post("/sparql", data={"update": write}, headers=a.auth)
    assert done.status_code == 204, done.text
    try:
        assert ask(b, query)  # inferred by prp-dom, through the other replica
        after = b.post("/sparql", data={"query": query}, headers=json_balanced)
        assert after.headers["ETag"] != before.headers["ETag"]
        same = a.post("/sparql", data={"query": query}, headers=json_balanced)
        assert same.headers["ETag"] == after.headers["ETag"]
    finally:
        undo = "DELETE DATA { id:Testland akg:memberOf id:US_Japan_Alliance }"
        assert b.post("/sparql", data={"update": undo}, headers=b.auth).status_code == 204
    assert not ask(a, query)


def test_an_etag_from_one_replica_is_revalidated_by_the_other(replicas):
    a, b = replicas
    params = {"query": "SELECT ?s WHERE { ?s a akg:SovereignState }"}
    first = a.get("/sparql", params=params, headers={"Accept": "text/csv", **BALANCED})
    again = b.get(
        "/sparql",
        params=params,
        headers={"Accept": "text/csv", "If-None-Match": first.headers["ETag"], **BALANCED},
    )
    assert again.status_code == 304


def test_graph_store_writes_through_a_replica_keep_the_inferences(replicas):
    a, b = replicas
    graph = "https://w3id.org/alliance-kg/graph/test-remote"
    body = (
        "<https://w3id.org/alliance-kg/id/Australia> <https://w3id.org/alliance-kg/ontology#alliedWith> <https://w3id.org/alliance-kg/id/Japan> .\n"
        '<https://w3id.org/alliance-kg/id/Australia> <urn:test:note> "new graph" .\n'
    )
    marker = "ASK { id:Australia <urn:test:note> 'new graph' }"  # implies nothing
    assert not ask(b, marker)  # b has listed the graphs of its union
    put = a.post(
        "/store",
        params={"graph": graph},
        data=body.encode(),
        headers={**a.auth, "Content-Type": "application/n-triples"},
    )
    assert put.status_code in (201, 204), put.text
    try:
        # The other replica sees the new graph in its union, and what it implies (symmetry).
        assert ask(b, marker)
        assert ask(b, "ASK { id:Japan akg:alliedWith id:Australia }")
        read = b.get("/store", params={"graph": graph}, headers={"Accept": "application/n-triples"})
        assert sorted(read.text.splitlines()) == sorted(body.splitlines())
    finally:
        gone = requests.delete(
            b.url + "/store", params={"graph": graph}, headers=b.auth, timeout=30
        )
        assert gone.status_code == 204, gone.text
    assert not ask(a, "ASK { id:Japan akg:alliedWith id:Australia }")


def test_a_contradicting_write_is_refused_with_409(replicas):
    a, _ = replicas
    refused = a.post(
        "/sparql",
        data={"update": "INSERT DATA { id:Japan akg:alliedWith id:Japan }"},
        headers=a.auth,
    )
    assert refused.status_code == 409
    assert "prp-irp" in refused.text
    assert not ask(a, "ASK { id:Japan akg:alliedWith id:Japan }")


def test_a_query_past_the_time_limit_is_a_503(replicas):
    a, _ = replicas
    slow = a.post("/sparql", data={"query": SLOW}, headers={"Accept": "text/csv"})
    assert slow.status_code == 503
    assert "did not answer within 1 s" in slow.text
    assert a.get("/healthz").status_code == 200  # and the replica goes on serving


def test_health_and_status(replicas, remote_server):
    a, _ = replicas
    health = a.get("/healthz")
    assert (health.status_code, health.text) == (200, "ok\n")
    status = a.get("/status").json()
    assert status["store"]["backend"] == "remote"
    assert status["store"]["url"] == remote_server.url
    assert status["store"]["quads"] > 2000
    assert status["dataset_version"].startswith("store-")


def test_pages_and_linked_data_are_served_from_the_remote_store(replicas):
    a, _ = replicas
    page = a.get("/page/id/Japan")
    assert page.status_code == 200 and "Kishida" in page.text
    turtle = a.get("/id/Japan", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and "alliedWith" in turtle.text


@pytest.mark.parametrize("view", ["all", "asserted", "inferred"])
def test_dumps_hold_what_the_embedded_store_holds(replicas, built, view):
    from tests.test_remote_store import canonical_quads

    a, _ = replicas
    there = a.get(f"/dumps/{view}.nq")
    here = run_cli("export", "--graphs", view, "--format", "nq", "--store", built.root)
    assert there.status_code == 200, there.text
    assert canonical_quads(there.text) == canonical_quads(here.stdout)


def test_void_counts_what_the_embedded_store_counts(replicas, built, tmp_path):
    """The VoID description through a replica, and from the app on a copy of the embedded
    store built from the same sources."""
    from endpoint import create_app
    from tests.conftest import copy_store
    from tests.test_remote_store import canonical_quads

    a, _ = replicas
    there = a.get("/.well-known/void", headers=BALANCED)  # its IRIs name the host asked
    app = create_app({"store": str(copy_store(built, tmp_path / "store").root)})
    here = app.test_client().get("/.well-known/void", headers=BALANCED)
    assert there.status_code == 200
    assert canonical_quads(there.text) == canonical_quads(here.get_data(as_text=True))
    app.extensions["alliance_kg"].close()


@pytest.mark.own_server
def test_an_acknowledged_write_survives_the_replica_being_killed(replicas, remote_server, tmp_path):
    import os
    import signal

    third = start_server(tmp_path, None, *remote_server.options())
    write = "INSERT DATA { id:Killedland akg:memberOf id:US_Japan_Alliance }"
    assert third.post("/sparql", data={"update": write}, headers=third.auth).status_code == 204
    os.killpg(third.process.pid, signal.SIGKILL)
    third.process.wait()
    a, _ = replicas
    try:
        assert ask(a, "ASK { id:Killedland a akg:Actor }")
    finally:
        undo = "DELETE DATA { id:Killedland akg:memberOf id:US_Japan_Alliance }"
        assert a.post("/sparql", data={"update": undo}, headers=a.auth).status_code == 204


def test_browse_and_search_work_over_the_remote_store(replicas):
    a, _ = replicas
    assert "sovereign state" in a.get("/browse").text
    found = a.get("/search", params={"q": "kishida"})
    assert found.status_code == 200 and "Kishida Fumio" in found.text
    assert "<mark>Toyota</mark>" in a.get("/search", params={"q": "toyota"}).text
    assert "state-visit" in a.get("/sources").text
