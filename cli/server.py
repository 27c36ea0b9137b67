"""Runs the endpoint under gunicorn: one process (the embedded store is opened once and shared,
so memory does not grow per worker) serving requests on several threads."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    def __init__(self, config: dict, options: dict):
        self.app_config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Imported in the worker, not the master: the master only supervises, and stays small.
        from endpoint import create_app

        return create_app(self.app_config)


def run_server(config: dict, host: str, port: int, threads: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 0,
        "accesslog": "-",
        # The access log never shows headers, so the bearer token is never logged.
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(L)ss',
        # The store is opened in the worker, after the fork: RocksDB threads do not survive one.
        "preload_app": False,
    }
    Server(config, options).run()
