"""Nothing acknowledged is lost, whatever else runs on the machine: a build, an update or a second
server beside a running one; writes across rebuilds; paths and stores a new user gives."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from graph.store import StoreLocation
from tests.conftest import free_port, start_server, stop_server

WRITTEN = "INSERT DATA { id:Philippines akg:memberOf id:US_Japan_Alliance }"
ASK_WRITTEN = "ASK { id:Philippines akg:memberOf id:US_Japan_Alliance }"
ASK_INFERRED = "ASK { id:Philippines akg:alliedWith id:Japan }"

# Builds and servers as subprocesses, seconds each: make test-fast leaves them out.
pytestmark = pytest.mark.slow


def cli(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The installed `alliance-kg` in a process of its own (as a user runs it)."""
    script = Path(sys.executable).with_name("alliance-kg")
    return subprocess.run(
        [script, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def ask(server, query: str) -> bool:
    response = server.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


@pytest.mark.own_server
def test_build_beside_a_running_server_is_refused_and_loses_no_write(tmp_path, built):
    server = start_server(tmp_path, built)
    try:
        write = server.post("/sparql", data={"update": WRITTEN}, headers=server.auth)
        assert write.status_code == 204
        result = cli("build", "--store", server.store)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert re.search(r"in use by a running server \(pid \d+\)", lines[0]), lines[0]
        assert "stop it first" in lines[0]
        update = cli("update", "--store", server.store, "--sparql", WRITTEN)
        assert update.returncode != 0 and "in use by a running server" in update.stderr
        assert "Traceback" not in update.stderr
        again = server.post(
            "/sparql",
            data={"update": "INSERT DATA { id:a akg:partnerOf id:b }"},
            headers=server.auth,
        )
        assert again.status_code == 204  # the server still writes after the refused build
        assert ask(server, ASK_WRITTEN) and ask(server, ASK_INFERRED)
    finally:
        stop_server(server)
    restarted = start_server(tmp_path, None)
    try:
        assert ask(restarted, ASK_WRITTEN) and ask(restarted, ASK_INFERRED)
        assert ask(restarted, "ASK { id:a akg:partnerOf id:b }")
    finally:
        stop_server(restarted)


def test_a_rebuild_keeps_what_updates_wrote_unless_told_to_discard_it(tmp_path):
    store = tmp_path / "store"
    assert cli("build", "--store", store).returncode == 0
    assert cli("update", "--store", store, "--sparql", WRITTEN).returncode == 0
    rebuilt = cli("build", "--store", store)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "kept 1 quads written since the last build" in rebuilt.stderr
    for query in (ASK_WRITTEN, ASK_INFERRED):
        answer = cli("query", "--store", store, "--sparql", query, "--format", "csv").stdout
        assert answer.split() == ["true"], (query, answer)
    discarded = cli("build", "--store", store, "--discard-writes")
    assert discarded.returncode == 0 and "kept" not in discarded.stderr
    answer = cli("query", "--store", store, "--sparql", ASK_WRITTEN, "--format", "csv").stdout
    assert answer.split() == ["false"]


@pytest.mark.own_server
def test_a_second_server_on_a_store_in_use_says_so_in_one_line(tmp_path, built):
    server = start_server(tmp_path, built)
    try:
        result = cli("serve", "--store", server.store, "--port", str(free_port()))
        assert result.returncode != 0
        assert result.stderr.strip().count("\n") == 0, result.stderr
        assert f"the store at {server.store} is in use by a running server" in result.stderr
    finally:
        stop_server(server)


def test_a_relative_store_path_is_resolved_once(tmp_path, sources):
    """`cd elsewhere && alliance-kg serve --plain --store mydata`: queries run in processes
    with another working directory, and must find the same store."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "data.nt").write_text("<urn:s> <urn:p> <urn:o> .\n")
    assert cli("load", "--store", "mydata", "data.nt", cwd=elsewhere).returncode == 0
    port = free_port()
    script = Path(sys.executable).with_name("alliance-kg")
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [script, "serve", "--plain", "--store", "mydata", "--port", str(port)],
        cwd=elsewhere, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        for _ in range(300):
            try:
                response = requests.get(url, params={"query": "ASK { <urn:s> ?p ?o }"}, timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert response.status_code == 200, response.text
        assert response.json()["boolean"] is True
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=15)


@pytest.mark.own_server
def test_a_plain_server_starts_empty_on_a_new_directory_and_takes_data(tmp_path):
    server = start_server(tmp_path, None, "--plain")
    try:
        assert not ask(server, "ASK { ?s ?p ?o }")
        response = requests.put(
            f"{server.url}/store?default",
            data="<urn:s> <urn:p> <urn:o> .",
            headers={**server.auth, "Content-Type": "text/turtle"},
            timeout=30,
        )
        assert response.status_code in (201, 204)
        assert ask(server, "ASK { <urn:s> <urn:p> <urn:o> }")
    finally:
        stop_server(server)


@pytest.mark.own_server
def test_small_queries_are_answered_while_runaway_queries_hold_every_process(tmp_path, built):
    server = start_server(tmp_path, built, "--query-timeout", "8", "--query-workers", "1")
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    threads = [
        threading.Thread(
            target=server.get, args=("/sparql",), kwargs={"params": {"query": runaway}}
        )
        for _ in range(2)
    ]
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # both are running: the pool's one process and one started on demand
        started = time.monotonic()
        assert ask(server, "ASK { id:Japan ?p ?o }")
        answered = time.monotonic() - started
        assert all(thread.is_alive() for thread in threads), "the runaway queries ended early"
        assert answered < 4, answered  # long before the runaway queries' 8 s limit
    finally:
        stop_server(server)
        for thread in threads:
            thread.join(30)


@pytest.mark.parametrize("command", ["update", "build"])
def test_writers_take_the_lock_and_release_it(tmp_path, command):
    location = StoreLocation(tmp_path / "store")
    assert cli("build", "--store", location.root).returncode == 0
    args = ["--sparql", WRITTEN] if command == "update" else []
    assert cli(command, "--store", location.root, *args).returncode == 0
    location.check_free()  # released when the command ended
