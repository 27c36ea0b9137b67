"""Health and status, for a load balancer and an operator: /healthz answers whether this
replica can reach its store; /status says what it serves (version, store backend, size, dataset
version, uptime, cache use)."""

from __future__ import annotations

import os
import time

from flask import Blueprint, Response, jsonify

from endpoint.services import answer_cache, services, settings, store
from graph.errors import AllianceKGError
from graph.version import package_version

bp = Blueprint("status", __name__)


@bp.route("/healthz", methods=["GET", "HEAD"])
def healthz() -> Response:
    """200 `ok` while the store answers a query; 503 with the reason when it does not."""
    try:
        bool(store().query("ASK {}", view=None))
    except AllianceKGError as error:
        response = Response(f"unavailable: {error}\n", status=503, mimetype="text/plain")
    else:
        response = Response("ok\n", mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/status")
def status() -> Response:
    """What this replica serves, as JSON."""
    knowledge = store()
    remote = knowledge.remote_store
    if remote is not None:
        backend = {
            "backend": "remote",
            "url": remote.query_url,
            "server": remote.traits.server or remote.traits.kind,
            "union_default_graph": remote.traits.union_default,
        }
    else:
        backend = {"backend": "embedded", "location": settings().store}
    cache = answer_cache()
    cache.sync()
    started = services().started
    body = {
        "name": "alliance-kg",
        "version": package_version(),
        "store": {**backend, "quads": len(knowledge), "graphs": len(knowledge.graph_names())},
        "dataset_version": cache.version,
        "last_modified": cache.changed_at.isoformat(),
        "uptime_seconds": round(time.time() - started, 1),
        "pid": os.getpid(),
        "plain": settings().plain,
        "answer_cache": {"hits": cache.hits, "misses": cache.misses},
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response
