"""Real SPARQL servers for the remote-store tests: the Oxigraph server (the PyPI `oxigraph`
binary) and Virtuoso Open Source (Debian's `virtuoso-opensource`), each on a free port of
127.0.0.1 with its database in a temporary directory, stopped by its own process id.

Where a server is not installed its tests skip with the reason; `.ci/run` installs both and sets
ALLIANCE_KG_REQUIRE_REMOTE, which turns a missing server into an error."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
VIRTUOSO = "virtuoso-t"
#: Low enough that the article graph's reads meet it: paging under the cap is exercised.
VIRTUOSO_MAX_ROWS = 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RemoteServer:
    """A running SPARQL server: the URL to give `--store-url` and the credentials file."""

    name: str
    url: str
    credentials: Path | None
    process: subprocess.Popen
    log: Path

    def options(self) -> list[str]:
        """The CLI options that point a command at this server."""
        extra = ["--store-credentials", str(self.credentials)] if self.credentials else []
        return ["--store-url", self.url, *extra]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def require(program: str | Path, install: str) -> None:
    """Skip (or, under CI, fail) when a server's program is missing."""
    if shutil.which(str(program)) is not None:
        return
    reason = f"{program} is not installed: {install}"
    if os.environ.get("ALLIANCE_KG_REQUIRE_REMOTE"):
        raise RuntimeError(reason)
    import pytest  # only the tests skip; the benchmark has stopped at the error above

    pytest.skip(reason)


def _wait(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            requests.post(url, data={"query": "ASK {}"}, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server at {url} did not answer within {seconds:g} s")


def start_oxigraph(tmp: Path, union: bool = False) -> RemoteServer:
    require(OXIGRAPH, "pip install oxigraph")
    port = free_port()
    log = tmp / "oxigraph.log"
    args = [str(OXIGRAPH), "serve", "--location", str(tmp / "db"), "--bind", f"127.0.0.1:{port}"]
    if union:
        args.append("--union-default-graph")
    process = subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/query"
    _wait(url, process, log, 30)
    name = "oxigraph-union" if union else "oxigraph"
    return RemoteServer(name, url, None, process, log)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0
DirsAllowed = ., {dir}
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerThreads = 10
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
"""


def start_virtuoso(tmp: Path, max_rows: int = VIRTUOSO_MAX_ROWS) -> RemoteServer:
    """Virtuoso, capping answers at `max_rows` (its own default is 10,000)."""
    require(VIRTUOSO, "apt-get install virtuoso-opensource")
    http_port = free_port()
    ini = tmp / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(dir=tmp, sql_port=free_port(), http_port=http_port, max_rows=max_rows)
    )
    log = tmp / "virtuoso.out"
    process = subprocess.Popen(
        [VIRTUOSO, "+foreground", "+configfile", str(ini)],
        cwd=tmp,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{http_port}/sparql"
    _wait(url, process, log, 60)
    credentials = tmp / "credentials"
    credentials.write_text("dba:dba\n")  # a fresh database's administrator
    credentials.chmod(0o600)
    return RemoteServer("virtuoso", url, credentials, process, log)


START = {
    "oxigraph": start_oxigraph,
    "oxigraph-union": lambda tmp: start_oxigraph(tmp, union=True),
    "virtuoso": start_virtuoso,
}
