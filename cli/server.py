"""Runs the endpoint under granian: a supervising process and one worker process that opens the
embedded store (once, so memory does not grow per worker) and serves requests on several threads.

granian parses HTTP in Rust and hands each request to the WSGI app; the Python side of a request
is then only the app's own work. Under gunicorn's threaded worker, the server's own Python code
(parsing, writing, its access log) cost more than the app on small requests.
"""

from __future__ import annotations

from functools import partial

#: The access log never shows headers, so the bearer token is never logged.
ACCESS_LOG_FORMAT = '%(addr)s "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms'


def load_app(config: dict):
    """Called in the worker process, after the fork: RocksDB threads do not survive one, and
    the supervising process only supervises, so it never imports the app and stays small."""
    from endpoint import create_app

    return create_app(config)


def run_server(config: dict, host: str, port: int, threads: int) -> None:
    from granian.constants import Interfaces
    from granian.server import Server

    server = Server(
        "endpoint:create_app",  # named in granian's logs; the app comes from load_app
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=threads,
        websockets=False,
        log_access=True,
        log_access_format=ACCESS_LOG_FORMAT,
    )
    server.serve(target_loader=partial(load_app, config), wrap_loader=False)
