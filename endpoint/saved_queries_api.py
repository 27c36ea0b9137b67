"""Saved queries over HTTP: /api/queries lists them, /api/queries/NAME runs one with parameters."""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from endpoint.errors import HTTPError
from endpoint.negotiation import HTML, JSON, negotiate
from endpoint.openapi import openapi_document
from endpoint.pages import page
from endpoint.protocol import answer_query, count_solutions, settings, store
from graph.saved_queries import find_saved_query, load_saved_queries
from graph.store import DATASET_VIEWS
from queries import QUERIES_DIR

bp = Blueprint("saved_queries", __name__)

RESERVED = {"format", "output", "dataset", "page"}


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
    page_number = _page_number(saved)
    text = saved.prepare(values, page_number)
    view = request.args.get("dataset") or "all"
    if view not in DATASET_VIEWS:
        raise HTTPError(400, f"unknown dataset {view!r}: use one of {', '.join(DATASET_VIEWS)}")
    dataset = store().dataset(None if settings().plain else view)
    rows = request.args.get("format") == "rows"

    def add_links(response: Response) -> None:
        """RFC 8288 links to the first, previous and next pages (next only if it has rows)."""
        links = [("first", 1)]
        if page_number > 1:
            links.append(("prev", page_number - 1))
        if count_solutions(saved.prepare(values, page_number + 1), dataset):
            links.append(("next", page_number + 1))
        response.headers["Link"] = ", ".join(
            f'<{_page_url(number)}>; rel="{rel}"' for rel, number in links
        )

    finish = add_links if saved.pagination else None
    return answer_query(text, dataset, ("saved", name, view), rows=rows, finish=finish)


def _page_number(saved) -> int:
    raw = request.args.get("page")
    if raw is None:
        return 1
    if not saved.pagination:
        raise HTTPError(400, f"query {saved.name!r} is not paginated: drop the page parameter")
    if not raw.isdigit() or int(raw) < 1:
        raise HTTPError(400, f"parameter 'page': expected a page number from 1, got {raw!r}")
    return int(raw)


def _page_url(number: int) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    return f"{request.base_url}?{urlencode([*args, ('page', str(number))])}"


@bp.route("/api/openapi.json")
def openapi() -> Response:
    document = openapi_document(load_saved_queries(QUERIES_DIR), request.host_url.rstrip("/"))
    return Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json")
