"""Runs the endpoint under granian: a supervising process and one worker process that opens the
embedded store (once, so memory does not grow per worker) and serves requests on several threads.

granian parses HTTP in Rust and hands each request to the WSGI app; the Python side of a request
is then only the app's own work. Under gunicorn's threaded worker, the server's own Python code
(parsing, writing, its access log) cost more than the app on small requests.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from functools import partial
from typing import NoReturn

#: What a pipe holds before a write blocks (Linux's default is 64 KiB).
PIPE_BUFFER = 60_000


class AccessLog:
    """WSGI middleware writing one line per request on stdout:
    `127.0.0.1 "GET /sparql HTTP/1.1" 200 0.6ms`, the time being the app's.

    granian's own access log builds a dict, a datetime and a logging record for every request:
    a fifth of the server's capacity for small queries. This line costs a few microseconds. It
    never shows headers or the query string, so no token or query text is logged; characters
    that could forge a line (a decoded %0A in the path) are escaped. As with the logging module,
    a log that cannot be written (stdout piped into a reader that ended) never fails a request."""

    def __init__(self, app, stream=None):
        self.app = app
        self.stream = stream or sys.stdout

    def __call__(self, environ: dict, start_response):
        started = time.perf_counter()
        status = "-"

        def start(line: str, headers, exc_info=None):
            nonlocal status
            status = line[:3]
            return start_response(line, headers, exc_info)

        try:
            return self.app(environ, start)
        finally:
            path = environ.get("PATH_INFO", "")
            if not path.isprintable():
                path = path.encode("unicode_escape").decode("ascii")
            line = (
                f'{environ.get("REMOTE_ADDR", "-")} "{environ.get("REQUEST_METHOD")} {path} '
                f'{environ.get("SERVER_PROTOCOL")}" {status} '
                f"{1000 * (time.perf_counter() - started):.1f}ms\n"
            )
            try:
                self.stream.write(line)
                self.stream.flush()
            except (OSError, ValueError):  # a closed or broken stdout: serving goes on
                pass


def load_app(config: dict):
    """Called in the worker process, after the fork: RocksDB threads do not survive one, and
    the supervising process only supervises, so it never imports the app and stays small.

    The worker blocks SIGINT (its threads and query processes, started later, inherit the mask):
    Ctrl-C in a terminal reaches the whole process group, and the supervisor then stops the
    worker with SIGTERM; a worker that received both could hang in granian's shutdown (6 of 14
    times on a loaded machine, none with SIGTERM alone)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    from endpoint import create_app

    return AccessLog(create_app(config))


def exec_server(config: dict, host: str, port: int, threads: int, workers: int = 1) -> NoReturn:
    """Replace this process by a new Python that runs only `run_server`: the supervisor then
    holds granian and little else (28 MB of RSS against 49 MB in the command-line process, which
    has imported click, rich, pyoxigraph and the graph library), and the worker it forks starts
    from that. The process keeps its PID, so whoever started `alliance-kg serve` still holds it.

    The settings reach the new process through an inherited pipe, never its command line, which
    anyone on the machine can read (the write token is among them)."""
    payload = json.dumps(
        {"config": config, "host": host, "port": port, "threads": threads, "workers": workers}
    )
    read_end, write_end = os.pipe()
    if len(payload) > PIPE_BUFFER:  # it would block before the reader exists: stay in-process
        os.close(read_end)
        os.close(write_end)
        run_server(config, host, port, threads, workers)
        sys.exit(0)
    os.write(write_end, payload.encode())
    os.close(write_end)
    os.set_inheritable(read_end, True)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "cli.server", str(read_end)])


def main(argv: list[str]) -> None:
    """`python -m cli.server FD`: the settings, as JSON, from file descriptor FD."""
    with os.fdopen(int(argv[1]), "rb") as stream:
        settings = json.loads(stream.read())
    run_server(
        settings["config"],
        settings["host"],
        settings["port"],
        settings["threads"],
        settings.get("workers", 1),
    )


def run_server(config: dict, host: str, port: int, threads: int, workers: int = 1) -> None:
    from granian.constants import Interfaces
    from granian.server import Server

    server = Server(
        "endpoint:create_app",  # named in granian's logs; the app comes from load_app
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        websockets=False,
        log_access=False,  # AccessLog writes it, for less
    )
    server.serve(target_loader=partial(load_app, config), wrap_loader=False)


if __name__ == "__main__":
    main(sys.argv)
