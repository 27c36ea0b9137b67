"""Shared fixtures: the article's sources, a store built from them once per session, and the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from graph.build import build
from graph.sources import DEFAULT_SOURCES_DIR, Source, discover_sources
from graph.store import KnowledgeStore, StoreLocation
from tests.helpers import ARTICLE
from tests.remote_servers import free_port

#: Fixtures whose tests are slow by nature: a browser, the Oxigraph server and Virtuoso.
SLOW_FIXTURES = {"browser", "page", "remote_server"}
#: Fixture parameters that are real remote servers (the W3C suite also runs through one).
REMOTE_PARAMETERS = {"oxigraph", "oxigraph-union", "virtuoso"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark as slow, in one place, what `make test-fast` leaves out for the edit-test loop:
    property and fuzz tests (Hypothesis, schemathesis), tests that drive Chromium or run
    against the Oxigraph server and Virtuoso, and tests that start servers of their own
    (they say so with `own_server`). `make test` runs them all."""
    for item in items:
        function = getattr(item, "obj", None)
        if (
            getattr(function, "is_hypothesis_test", False)
            or SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
            or item.get_closest_marker("own_server")
            or REMOTE_PARAMETERS & set(map(str, _parameters(item)))
        ):
            item.add_marker(pytest.mark.slow)


def _parameters(item: pytest.Item) -> list:
    callspec = getattr(item, "callspec", None)
    return list(callspec.params.values()) if callspec else []


@pytest.fixture(scope="session")
def sources() -> list[Source]:
    return discover_sources([DEFAULT_SOURCES_DIR])


@pytest.fixture(scope="session")
def article(sources: list[Source]) -> Source:
    return next(s for s in sources if s.name == ARTICLE)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, sources: list[Source]) -> StoreLocation:
    location = StoreLocation(tmp_path_factory.mktemp("store") / "store")
    build(location, sources)
    return location


@pytest.fixture(scope="session")
def store(built: StoreLocation) -> KnowledgeStore:
    return KnowledgeStore.open(built, read_only=True)


@pytest.fixture
def sources_copy(tmp_path: Path) -> Path:
    """A writable copy of the project's sources directory, for tests that break or add sources."""
    target = tmp_path / "sources"
    shutil.copytree(DEFAULT_SOURCES_DIR, target)
    return target


@dataclass
class Server:
    url: str
    token: str
    store: Path
    process: subprocess.Popen

    def get(self, path: str, **kwargs):
        return requests.get(self.url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs):
        return requests.post(self.url + path, timeout=30, **kwargs)

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def copy_store(built: StoreLocation, target: Path) -> StoreLocation:
    """A copy of a built store at `target`, as `build` would have left it: cheaper than building
    and reasoning the article again for every server."""
    shutil.copytree(built.root, target, symlinks=True)
    return StoreLocation(target)


def start_server(tmp: Path, built: StoreLocation | None, *extra: str) -> Server:
    """The real `alliance-kg serve` (granian) on a free port of 127.0.0.1, once it answers.
    With a built store, it serves a copy of it; without, the store already at tmp/store."""
    location = copy_store(built, tmp / "store") if built else StoreLocation(tmp / "store")
    token = "test-token-" + tmp.name
    token_file = tmp / "token"
    token_file.write_text(token)
    port = free_port()
    script = Path(sys.executable).with_name("alliance-kg")
    args = [
        script,
        "serve",
        "--store",
        location.root,
        "--port",
        str(port),
        "--write-token-file",
        token_file,
        *extra,
    ]
    log = (tmp / "server.log").open("wb")
    # A session of its own, so that a test can kill the master and its workers together.
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/sparql", timeout=1)
            return Server(url, token, location.root, process)
        except requests.ConnectionError:
            if process.poll() is not None:
                raise RuntimeError((tmp / "server.log").read_text()) from None
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not answer within 30 s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, built: StoreLocation):
    running = start_server(
        tmp_path_factory.mktemp("server"), built, "--max-upload-bytes", "1500000"
    )
    yield running
    stop_server(running)


@pytest.fixture(scope="session", params=["oxigraph", "oxigraph-union", "virtuoso"])
def remote_server(request, tmp_path_factory: pytest.TempPathFactory):
    """A real SPARQL server of each kind the remote store is tested on, one per session."""
    from tests.remote_servers import START

    running = START[request.param](tmp_path_factory.mktemp(request.param))
    yield running
    running.stop()
