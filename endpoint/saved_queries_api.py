"""Saved queries over HTTP: /api/queries lists them, /api/queries/NAME runs one with parameters."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from markupsafe import Markup

from endpoint.errors import HTTPError
from endpoint.negotiation import negotiate
from endpoint.openapi import openapi_document
from endpoint.pages import render, results_table
from endpoint.protocol import answer_query, count_solutions, fetch_results
from endpoint.request_params import checked_view
from endpoint.services import settings, store
from graph.errors import AllianceKGError
from graph.formats import (
    CSV,
    GRAPH_TYPES,
    HTML,
    JSON,
    RESULT_TYPES,
    ROWS,
    SPARQL_JSON,
    SPARQL_XML,
    TSV,
)
from graph.saved_queries import find_saved_query, load_saved_queries
from graph.sparql_text import query_form
from graph.terms import compact
from queries import QUERIES_DIR

bp = Blueprint("saved_queries", __name__)

#: The last page number a request may ask for (the SPARQL engine's OFFSET is bounded).
MAX_PAGE = 1_000_000
RESERVED = {"format", "output", "dataset", "page"}


def _describe(saved) -> dict:
    return {
        "name": saved.name,
        "summary": saved.summary,
        "description": saved.description,
        "tags": list(saved.tags),
        "url": f"/api/queries/{saved.name}",
        "parameters": [info.to_json() for info in saved.parameter_info()],
    }


@bp.route("/api/queries")
def listing() -> Response:
    saved = load_saved_queries(QUERIES_DIR)
    media = negotiate(request.headers.get("Accept"), (JSON, HTML), JSON) or JSON
    if media is HTML:  # the same page as /queries
        from endpoint.browse import saved_queries

        return saved_queries()
    body = json.dumps([_describe(s) for s in saved.values()], ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json")


def _rows_by_accept(saved) -> bool:
    """Whether Accept prefers plain JSON rows (for a SELECT query asked without `format`)."""
    if "format" in request.args or "output" in request.args:
        return False
    if query_form(saved.text) != "SELECT":
        return False
    offered = (*RESULT_TYPES, HTML, ROWS)  # the server's order: */* gets SPARQL JSON
    return negotiate(request.headers.get("Accept"), offered, RESULT_TYPES[0]) is ROWS


@bp.route("/api/queries/<name>/<any(rows, csv):representation>")
def run_as(name: str, representation: str) -> Response:
    """A SELECT query's answer in one representation, whatever Accept says (see openapi.py)."""
    saved = find_saved_query(QUERIES_DIR, name)
    if query_form(saved.text) != "SELECT":
        raise HTTPError(404, f"/{representation} is for SELECT queries; {name} is not one")
    if "format" in request.args:
        raise HTTPError(400, f"/api/queries/{name}/{representation} takes no format parameter")
    return run(name, representation)


@bp.route("/api/queries/<name>")
def run(name: str, representation: str | None = None) -> Response:
    saved = find_saved_query(QUERIES_DIR, name)
    # An empty value is no value, as an HTML form sends a field left blank (the API page's).
    values = {k: v for k, v in request.args.items() if k not in RESERVED and v.strip()}
    page_number = _page_number(saved)
    text = saved.prepare(values, page_number)
    view = checked_view(request.args.get("dataset"))
    dataset = store().dataset(None if settings().plain else view)
    if representation is None:
        rows = request.args.get("format") == "rows" or _rows_by_accept(saved)
    else:
        rows = representation == "rows"

    def add_links(response: Response) -> None:
        """RFC 8288 links to the first, previous and next pages (next only if it has rows)."""
        links = [("first", 1)]
        if page_number > 1:
            links.append(("prev", page_number - 1))
        if count_solutions(current_app, saved.prepare(values, page_number + 1), dataset):
            links.append(("next", page_number + 1))
        response.headers["Link"] = ", ".join(
            f'<{_page_url(number)}>; rel="{rel}"' for rel, number in links
        )

    finish = add_links if saved.pagination and page_number is not None else None
    # The paging links name the request's own path and parameters: they are part of the key.
    key = ("saved", name, view, request.full_path)
    forced = CSV if representation == "csv" else None
    return answer_query(
        request, current_app, text, dataset, key, rows=rows, finish=finish, forced=forced
    )


def _page_number(saved) -> int | None:
    """The page asked for: 1 by default, None for `page=all` (every row, as a download)."""
    raw = request.args.get("page")
    if raw is None:
        return 1
    if not saved.pagination:
        raise HTTPError(400, f"query {saved.name!r} is not paginated: drop the page parameter")
    if raw == "all":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise HTTPError(
            400,
            f"parameter 'page': expected a page number from 1 to {MAX_PAGE} or 'all', got {raw!r}",
        )
    return int(raw)


def _page_url(number: int) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
    return f"{request.base_url}?{urlencode([*args, ('page', str(number))])}"


@bp.route("/queries/<name>")
def query_page(name: str) -> Response:
    """A saved query for people: its description, a form for its parameters, its results as a
    table, download links, its SPARQL text and a way to open it in the query editor."""
    saved = find_saved_query(QUERIES_DIR, name)
    values = {k: v for k, v in request.args.items() if k not in RESERVED and v.strip()}
    page_number = _page_number(saved)
    status, error, table, text, paging = 200, None, "", saved.text, None
    dataset = store().dataset(None if settings().plain else "all")
    try:
        text = saved.prepare(values, page_number if saved.pagination else None)
        results, is_graph = fetch_results(current_app, text, dataset)
        table = results_table(results, is_graph)
        if saved.pagination:
            total = count_solutions(current_app, saved.prepare(values), dataset)
            paging = _paging(name, values, page_number, saved.pagination, total)
    except AllianceKGError as failure:
        if failure.status >= 500:
            raise
        status, error = failure.status, str(failure)
    choices = enumerations(saved)
    api = f"/api/queries/{quote(name)}"
    whole = {"page": "all"} if saved.pagination else {}  # downloads hold every row
    view = {
        "name": name,
        "summary": saved.summary,
        "description": saved.description,
        "fields": [
            _field(saved, p, values.get(p.name, ""), choices.get(p.name)) for p in saved.parameters
        ],
        "error": error,
        "editor": "/?" + urlencode({"query": text}),
        "downloads": [
            {"href": api + "?" + urlencode({**values, **whole, "format": m.name}), "label": m.label}
            for m in (CSV, TSV, SPARQL_JSON, SPARQL_XML, ROWS)
        ],
        "api": api + "?" + urlencode(values),
        "paging": paging,
        "table": Markup(table),
        "text": text,
    }
    alternates = [{"href": view["downloads"][0]["href"], "type": "text/csv", "title": "CSV"}]
    return render("saved_query.html", f"Saved query: {name}", status, alternates=alternates, **view)


def _paging(name: str, values: dict, page_number: int | None, size: int, total: int) -> dict:
    """Rows X-Y of N, with links to the previous and next pages."""
    if page_number is None:
        return {"text": f"All {total} rows.", "previous": None, "next": None}
    first = (page_number - 1) * size + 1
    last = min(total, page_number * size)

    def link(number: int) -> str:
        return f"/queries/{quote(name)}?{urlencode({**values, 'page': number})}"

    return {
        "text": f"Rows {first} to {last} of {total}." if total else "No rows.",
        "previous": link(page_number - 1) if page_number > 1 else None,
        "next": link(page_number + 1) if last < total else None,
    }


def _field(saved, parameter, value: str, choices: list[str] | None = None) -> dict:
    """A parameter's form field: an input, or a choice of the values the graph holds."""
    default = saved.defaults.get(parameter.name)
    return {
        "name": parameter.name,
        "value": value,
        "example": saved.examples.get(parameter.name, default or ""),
        "required": parameter.required and default is None,
        "hint": parameter.describe_type() + (f", default {default}" if default else ""),
        "choices": choices,
        "chosen": value or default or "",
    }


def enumerations(saved) -> dict[str, list[str]]:
    """grlc's `enumerate`: for each parameter it names, the values found in the graph (IRIs
    as prefixed names where the project has a prefix for them)."""
    dataset = store().dataset(None if settings().plain else "all")
    found = {}
    for name in saved.enumerate:
        results, _ = fetch_results(current_app, saved.enumeration_query(name), dataset)
        variable = results.variables[0]
        found[name] = [
            compact(row[variable])
            if isinstance(row[variable], ox.NamedNode)
            else row[variable].value
            for row in results
            if row[variable] is not None
        ]
    return found


def _document() -> dict:
    saved = load_saved_queries(QUERIES_DIR)
    values = {name: enumerations(query) for name, query in saved.items() if query.enumerate}
    return openapi_document(saved, request.host_url.rstrip("/"), values, MAX_PAGE)


@bp.route("/api/openapi.json")
def openapi() -> Response:
    return Response(
        json.dumps(_document(), ensure_ascii=False, indent=2), mimetype="application/json"
    )


@bp.route("/api")
def api_page() -> Response:
    """The OpenAPI document to read and to try, offline and without JavaScript: each operation
    with its parameters (type, default, example, the values a parameter takes) and a form that
    calls it, in the format chosen."""
    document = _document()
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            parameters = [
                {
                    "name": p["name"],
                    "required": p.get("required", False),
                    "type": p.get("schema", {}).get("type", ""),
                    "default": p.get("schema", {}).get("default"),
                    "example": p.get("example"),
                    "choices": p.get("schema", {}).get("enum"),
                    "description": p.get("description", ""),
                }
                for p in operation.get("parameters", [])
            ]
            offered = {
                m for r in operation.get("responses", {}).values() for m in r.get("content", {})
            }
            # The `format` value that asks for each media type (rows for plain JSON rows).
            by_mime = {t.mime: t.name for t in (*RESULT_TYPES, *GRAPH_TYPES)}
            by_mime["application/json"] = "rows"
            media = [(m, by_mime[m]) for m in sorted(offered) if m in by_mime]
            operations.append(
                {
                    "id": operation.get("operationId", path),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": parameters,
                    "media": media,
                    "has_format": any(p["name"] == "format" for p in parameters),
                }
            )
    info = document["info"]
    alternates = [{"href": "/api/openapi.json", "type": "application/json", "title": "OpenAPI"}]
    return render(
        "api.html",
        info["title"],
        info=info,
        operations=operations,
        alternates=alternates,
        section="/data",
    )
