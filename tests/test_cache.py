"""Answers cached per dataset version: ETags, 304s, and invalidation by every kind of write."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from endpoint.cache import Answer, AnswerCache, cacheable
from tests.conftest import start_server, stop_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a akg:SovereignState }"


@pytest.fixture(scope="module")
def server(tmp_path_factory, built):
    running = start_server(tmp_path_factory.mktemp("cache"), built)
    yield running
    stop_server(running)


def count(server, **headers):
    return server.get("/sparql", params={"query": COUNT}, headers=headers)


def test_a_repeated_query_is_served_from_the_cache_with_the_same_etag(server):
    first, second = count(server), count(server)
    assert first.status_code == second.status_code == 200
    assert second.headers["X-Cache"] == "hit"
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["ETag"].startswith('W/"')
    assert first.content == second.content
    assert second.headers["Content-Type"] == first.headers["Content-Type"]


def test_if_none_match_gives_a_304_without_a_body(server):
    etag = count(server).headers["ETag"]
    response = count(server, **{"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == etag
    assert count(server, **{"If-None-Match": 'W/"other"'}).status_code == 200


def test_the_format_is_part_of_the_key(server):
    json_tag = count(server).headers["ETag"]
    csv = count(server, Accept="text/csv")
    assert csv.headers["ETag"] != json_tag
    assert csv.text.splitlines()[0] == "n"
    assert count(server, **{"If-None-Match": json_tag, "Accept": "text/csv"}).status_code == 200


def test_post_queries_are_cached_alike(server):
    body = {"query": COUNT}
    first = server.post("/sparql", data=body)
    second = server.post("/sparql", data=body, headers={"If-None-Match": first.headers["ETag"]})
    assert first.status_code == 200
    assert second.status_code == 304


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.post(
            "/sparql",
            data={"update": "INSERT DATA { <urn:cache:x> a akg:SovereignState }"},
            headers=s.auth,
        ),
        lambda s: s.post(
            "/store?graph=urn:cache:g",
            data="<urn:cache:y> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/alliance-kg/ontology#SovereignState> .\n",
            headers={**s.auth, "Content-Type": "application/n-triples"},
        ),
        lambda s: s.post(
            "/sparql",
            data={"update": "DELETE WHERE { <urn:cache:x> ?p ?o }"},
            headers=s.auth,
        ),
    ],
    ids=["update", "graph-store", "delete"],
)
def test_every_write_invalidates(server, write):
    before = count(server)
    written = write(server)
    assert written.status_code in (201, 204), written.text
    after = count(server, **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["X-Cache"] == "miss"
    assert after.headers["ETag"] != before.headers["ETag"]


def test_a_failed_write_still_leaves_answers_right(server):
    before = count(server).json()
    bad = server.post(
        "/sparql", data={"update": "INSERT DATA { <urn:broken> }"}, headers=server.auth
    )
    assert bad.status_code == 400
    assert count(server).json() == before


def test_saved_queries_are_cached_and_answer_304(server):
    path = "/api/queries/alliance-members"
    first = server.get(path, params={"format": "rows"})
    second = server.get(
        path, params={"format": "rows"}, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert second.status_code == 304
    other = server.get(path, params={"format": "csv"})
    assert other.headers["ETag"] != first.headers["ETag"]


def test_queries_with_volatile_functions_are_never_cached(server):
    query = "SELECT (RAND() AS ?r) WHERE {}"
    response = server.get("/sparql", params={"query": query})
    assert response.status_code == 200
    assert "ETag" not in response.headers
    assert not cacheable("SELECT * WHERE { BIND(now() AS ?t) }")
    assert not cacheable("SELECT * WHERE { { BIND(STRUUID() AS ?t) } }")
    assert cacheable("SELECT * WHERE { ?s <urn:rand> 'NOW' }")


def test_the_cache_is_bounded_and_drops_answers_of_an_old_version():
    cache = AnswerCache(max_entries=3, max_bytes=800)
    for i in range(5):
        cache.put(f"k{i}", Answer(b"x" * 50, "text/plain", ()), cache.version)
    assert cache.get("k0") is None and cache.get("k4") is not None
    assert len(cache._answers) == 3
    cache.put("big", Answer(b"x" * 101, "text/plain", ()), cache.version)  # over max_bytes // 8
    assert cache.get("big") is None
    old = cache.version
    cache.changed()
    assert cache.get("k4") is None
    cache.put("late", Answer(b"x", "text/plain", ()), old)  # computed before the write
    assert cache.get("late") is None


def test_a_killed_query_process_is_replaced_before_the_next_query(server):
    workers = [
        int(pid)
        for pid in os.listdir("/proc")
        if pid.isdigit()
        and _in_session(int(pid), server.process.pid)
        and "endpoint.query_worker" in _cmdline(int(pid))
    ]
    assert len(workers) == 2
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    for i in range(3):  # every process of the pool gets used
        response = server.get("/sparql", params={"query": f"ASK {{ ?s ?p ?o }} # {i}"})
        assert response.status_code == 200, response.text


def test_snapshots_do_not_pile_up(server):
    for i in range(5):
        update = f"INSERT DATA {{ <urn:snap:{i}> <urn:snap:p> {i} }}"
        assert (
            server.post("/sparql", data={"update": update}, headers=server.auth).status_code == 204
        )
        assert count(server).status_code == 200
    snapshots = list((server.store / "snapshots").iterdir())
    assert 1 <= len(snapshots) <= 3  # the current one, and at most one per query process


def _in_session(pid: int, session: int) -> bool:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3]) == session
    except (OSError, IndexError, ValueError):
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""
