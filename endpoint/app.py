"""The endpoint's app. `create_app(config)` builds it from its settings: defaults, then environment
variables (ALLIANCE_KG_*), then the given overrides. The store is opened once per process and
attached to the app: the on-disk store (owned by this one process), or a remote SPARQL store
(shared by any number of replicas).
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass, fields
from pathlib import Path

from flask import Flask

from endpoint.cache import AnswerCache
from endpoint.runner import QueryRunner, Snapshots
from endpoint.services import KEY, Services
from graph.errors import InvalidInput
from graph.store import KnowledgeStore, StoreLocation, default_store_path
from ontology import BASE


@dataclass
class Settings:
    """Every setting of the server, with its default; `alliance-kg serve --help` documents them."""

    store: str = ""
    plain: bool = False
    #: The IRIs `<base_iri>id/NAME` are served at /id/NAME (Cool URIs: 303 to a page or document).
    base_iri: str = BASE
    write_token: str = ""
    query_timeout: float = 30.0
    cors_origin: str = "*"
    #: The largest body of a query or update (POST /sparql).
    max_body_bytes: int = 1_000_000
    #: The largest body of a Graph Store request (PUT and POST on /store).
    max_upload_bytes: int = 100_000_000
    max_result_bytes: int = 200_000_000
    query_workers: int = 2
    #: Query processes at most, started on demand while the others are busy (0: workers + 2).
    max_query_workers: int = 0
    #: Writes that add contradictions are applied and recorded instead of refused with a 409.
    allow_inconsistent: bool = False
    #: A remote SPARQL 1.1 store to serve instead of the on-disk one (graph/remote.py): its
    #: query URL, update and Graph Store URLs where its server splits them, a credentials file.
    store_url: str = ""
    store_update_url: str = ""
    store_gsp_url: str = ""
    store_credentials: str = ""

    def remote(self):
        """The remote store's settings, or None for the on-disk store."""
        if not self.store_url:
            return None
        from graph.remote import RemoteSettings

        return RemoteSettings(
            query_url=self.store_url,
            update_url=self.store_update_url or None,
            gsp_url=self.store_gsp_url or None,
            credentials_file=Path(self.store_credentials) if self.store_credentials else None,
        )

    @classmethod
    def from_environment(cls, overrides: dict | None = None) -> Settings:
        settings = cls(store=str(default_store_path()))
        for field in fields(cls):
            name = f"ALLIANCE_KG_{field.name.upper()}"
            value = os.environ.get(name)
            if value is not None:
                setattr(settings, field.name, _convert(name, type(field.default), value))
        for key, value in (overrides or {}).items():
            setattr(settings, key, value)
        return settings


TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def _convert(name: str, kind: type, value: str):
    """An environment variable's text as the setting's type (the type of its default, so that
    nothing depends on how the annotations are stored)."""
    if kind is bool:
        if value.strip().lower() not in TRUE + FALSE:
            raise InvalidInput(f"{name}={value!r}: use one of {', '.join(TRUE[:3])} or {FALSE[1]}")
        return value.strip().lower() in TRUE
    if kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            raise InvalidInput(f"{name}={value!r}: not a number ({kind.__name__})") from None
    return value


def _attach_store(app: Flask, settings: Settings) -> None:
    """The on-disk store, owned by this process: queries in processes on its snapshots."""
    location = StoreLocation(Path(settings.store))
    settings.store = str(location.root)  # absolute: query processes run elsewhere
    # Held while the process runs: a build or an update beside the server is refused.
    writer_lock = location.lock("a running server")
    store = KnowledgeStore.open(location)
    # Queries run in processes that can be killed at the time limit, on snapshots of the store.
    snapshots = Snapshots(store, Path(settings.store) / "snapshots")
    runner = QueryRunner(snapshots, settings.query_workers, settings.max_query_workers or None)
    atexit.register(runner.close)
    app.extensions[KEY] = Services(store, AnswerCache(), runner, snapshots, writer_lock)


def _attach_remote_store(app: Flask, settings: Settings, remote) -> None:
    """A remote SPARQL store, shared with other replicas: its server runs the queries (under
    the client's time limit), and the answer cache follows the dataset version kept in the
    store, so that every replica gives an answer the same ETag and none serves a stale one."""
    from dataclasses import replace

    from endpoint.runner import RemoteRunner
    from graph.remote_sync import version_of

    store = KnowledgeStore.remote(remote)
    # Queries get a client of their own, which gives up at the query time limit.
    queries = KnowledgeStore.remote(replace(remote, timeout=settings.query_timeout))

    def forget_graphs() -> None:  # another replica may have made or dropped graphs
        store.remote_store.forget_graphs()
        queries.remote_store.forget_graphs()

    cache = AnswerCache(
        version_source=lambda: version_of(store.remote_store) or "new", on_change=forget_graphs
    )
    app.extensions[KEY] = Services(store, cache, RemoteRunner(queries.remote_store))


def create_app(config: dict | None = None) -> Flask:
    from endpoint import (
        browse,
        dataset,
        errors,
        explain_page,
        hooks,
        linked_data,
        protocol,
        saved_queries_api,
        search,
        status,
        store_protocol,
    )
    from endpoint.query_path import QueryPath

    settings = Settings.from_environment(config)
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    # The larger of the two caps; each request is held to its own (see hooks.body_limit).
    app.config["MAX_CONTENT_LENGTH"] = max(settings.max_body_bytes, settings.max_upload_bytes)
    remote = settings.remote()
    if remote is not None:
        _attach_remote_store(app, settings, remote)
    else:
        _attach_store(app, settings)
    errors.register(app)
    app.register_blueprint(hooks.bp)
    app.register_blueprint(protocol.bp)
    app.register_blueprint(store_protocol.bp)
    app.register_blueprint(linked_data.bp)
    app.register_blueprint(saved_queries_api.bp)
    app.register_blueprint(dataset.bp)
    app.register_blueprint(status.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(explain_page.bp)
    # Queries (by GET or POST), the commonest requests, skip Flask's request machinery.
    app.wsgi_app = QueryPath(app)
    return app
