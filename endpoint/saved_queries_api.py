"""Saved queries over HTTP: /api/queries lists them, /api/queries/NAME runs one with parameters."""

from __future__ import annotations

import json
from html import escape

from flask import Blueprint, Response, request

from endpoint.errors import HTTPError
from endpoint.negotiation import HTML, JSON, negotiate
from endpoint.pages import page
from endpoint.protocol import answer_query, settings, store
from graph.saved_queries import find_saved_query, load_saved_queries
from graph.store import DATASET_VIEWS
from queries import QUERIES_DIR

bp = Blueprint("saved_queries", __name__)

RESERVED = {"format", "output", "dataset"}


def _describe(saved) -> dict:
    return {
        "name": saved.name,
        "summary": saved.summary,
        "description": saved.description,
        "tags": list(saved.tags),
        "url": f"/api/queries/{saved.name}",
        "parameters": [
            {
                "name": p.name,
                "type": p.describe_type(),
                "required": p.required,
                "default": saved.defaults.get(p.name),
            }
            for p in saved.parameters
        ],
    }


@bp.route("/api/queries")
def listing() -> Response:
    saved = load_saved_queries(QUERIES_DIR)
    media = negotiate(request.headers.get("Accept"), (JSON, HTML), JSON) or JSON
    if media is HTML:
        items = "".join(
            f'<li><a href="/api/queries/{escape(s.name)}?format=html">{escape(s.name)}</a>: '
            f"{escape(s.summary)}</li>"
            for s in saved.values()
        )
        return page("Saved queries", f"<ul>{items}</ul>")
    body = json.dumps([_describe(s) for s in saved.values()], ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json")


@bp.route("/api/queries/<name>")
def run(name: str) -> Response:
    saved = find_saved_query(QUERIES_DIR, name)
    values = {k: v for k, v in request.args.items() if k not in RESERVED}
    text = saved.prepare(values)
    view = request.args.get("dataset") or "all"
    if view not in DATASET_VIEWS:
        raise HTTPError(400, f"unknown dataset {view!r}: use one of {', '.join(DATASET_VIEWS)}")
    dataset = store().dataset(None if settings().plain else view)
    rows = request.args.get("format") == "rows"
    return answer_query(text, dataset, ("saved", name, view), rows=rows)
