"""The SPARQL 1.1 Protocol on /sparql: queries, updates and the service description."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, has_request_context, request
from werkzeug.wrappers import Request

from endpoint.cache import cacheable, cached
from endpoint.errors import HTTPError
from endpoint.negotiation import negotiate
from endpoint.pages import query_page, results_page
from endpoint.query_worker import QueryAnswer, QueryRequest
from endpoint.request_params import ProtocolRequest, refuse_remote, requested_formats
from endpoint.runner import raise_for
from endpoint.services import answer_cache, services, settings, store
from endpoint.writes import run_update
from graph.dataset import QueryDataset
from graph.formats import (
    GRAPH_TYPES,
    HTML,
    N_TRIPLES,
    NAME_ALIASES,
    RESULT_TYPES,
    SPARQL_JSON,
    MediaType,
    by_name,
)
from graph.sparql_text import check_nesting, query_form
from graph.terms import json_value
from ontology import PREFIXES

bp = Blueprint("sparql", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"


# ---------------------------------------------------------------------------- the endpoint


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    params = ProtocolRequest.read(request)
    if params.operation is None:
        return service_description(params)
    if params.operation == "update":
        return run_update(params)
    return run_query(request, current_app, params)


def run_query(req: Request, app: Flask, params: ProtocolRequest) -> Response:
    text = params.text
    refuse_remote(text)
    check_nesting(text)
    default, named = params.default_graphs, params.named_graphs
    dataset = store(app).dataset(
        None if settings(app).plain else params.view,
        list(default) or None,
        list(named) or None,
        text,
    )
    key = ("sparql", params.view, *default, "\n", *named, "\n", req.base_url)
    return answer_query(req, app, text, dataset, key, formats=params.formats)


def answer_query(
    req: Request,
    app: Flask,
    text: str,
    dataset: QueryDataset,
    key: tuple[str, ...],
    rows: bool | None = None,
    finish: Callable[[Response], None] | None = None,
    forced: MediaType | None = None,
    formats: tuple[str, ...] | None = None,
) -> Response:
    """The response to a read query, from the answer cache or from a query process;
    `rows`: whether JSON rows were asked for (None where they are not offered); `finish` adds
    to a fresh response what is cached with it (such as paging links); `forced`: the media type
    to answer in, whatever the request asks; `formats`: the format names the request gives
    (read from it if None)."""

    form = query_form(text)
    media = forced or _negotiated(req, formats, form, rows)

    def compute() -> Response:
        response = _evaluate(req, app, text, dataset, form, media, rows)
        if finish is not None:
            finish(response)
        return response

    if not cacheable(text):
        response = compute()
        response.headers["Cache-Control"] = "no-store"  # a new answer each time it is asked
        return response
    # Keyed by the format chosen, not by the Accept header that chose it: the same bytes have
    # the same ETag whether they were asked for by `*/*`, by their media type or by nothing.
    return cached(answer_cache(app), req, (*key, text, str(rows), media.name), compute)


def _negotiated(
    req: Request, formats: tuple[str, ...] | None, form: str | None, rows: bool | None
) -> MediaType:
    """The media type a query's answer is written in (HTML for a page; the first offered for
    JSON rows, which are made from it)."""
    offered = (GRAPH_TYPES if form in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES) + (HTML,)
    if rows:
        return offered[0]
    also = ("rows",) if rows is not None and form == "SELECT" else ()
    return chosen_media(req, offered, offered[0], also, form, formats)


def run_in_worker(
    app: Flask,
    text: str,
    dataset: QueryDataset,
    solutions_type: str,
    graph_type: str,
    base_iri: str | None = None,
) -> QueryAnswer:
    """Run a query in a query process, under the time limit, with its result written in the
    given media types; the answer (`kind`, `body`) or the error it reports, raised. Relative
    IRIs in the query resolve against `base_iri` (the request's URL, as the Oxigraph server
    does)."""
    request_ = QueryRequest(
        query=text,
        dataset=dataset,
        prefixes=PREFIXES,
        solutions_type=solutions_type,
        graph_type=graph_type,
        max_bytes=settings(app).max_result_bytes,
        base_iri=base_iri,
    )
    answer = services(app).runner.run(request_, settings(app).query_timeout)
    return raise_for(answer, settings(app).max_result_bytes, text)


def fetch_results(app: Flask, text: str, dataset: QueryDataset):
    """A query's results as pyoxigraph objects, with whether they are a graph: for pages."""
    answer = run_in_worker(app, text, dataset, SPARQL_JSON.mime, N_TRIPLES.mime)
    is_graph = answer.kind == "graph"
    return _read_back(answer, is_graph), is_graph


def _read_back(answer: QueryAnswer, is_graph: bool):
    """Results the query process wrote as SPARQL JSON, or as N-Triples for a graph."""
    if is_graph:
        return list(ox.parse(answer.body, N_TRIPLES.rdf))
    return ox.parse_query_results(answer.body, SPARQL_JSON.results)


def count_solutions(app: Flask, text: str, dataset: QueryDataset) -> int:
    """How many solutions a SELECT query has."""
    results, is_graph = fetch_results(app, text, dataset)
    return 0 if is_graph or isinstance(results, ox.QueryBoolean) else sum(1 for _ in results)


class PageWanted(Exception):
    """The client asked for an HTML page, which only a request in Flask's context can make."""


def _evaluate(
    req: Request,
    app: Flask,
    text: str,
    dataset: QueryDataset,
    form: str | None,
    media: MediaType,
    rows: bool | None,
) -> Response:
    """Run the query in a query process, under the time limit; pyoxigraph writes the result in
    the negotiated format there. HTML pages and JSON rows are made from its JSON or N-Triples."""
    is_graph = form in ("CONSTRUCT", "DESCRIBE")
    if media is HTML and not has_request_context():
        raise PageWanted()
    wire = (GRAPH_TYPES if is_graph else RESULT_TYPES)[0] if media is HTML else media
    if is_graph and media is HTML:
        wire = N_TRIPLES  # to read back for the page
    answer = run_in_worker(
        app,
        text,
        dataset,
        solutions_type=SPARQL_JSON.mime if is_graph else wire.mime,
        graph_type=wire.mime if is_graph else GRAPH_TYPES[0].mime,
        base_iri=req.base_url,
    )
    if (answer.kind == "graph") != is_graph:
        raise HTTPError(400, "the query's form could not be told from its text")
    if rows:
        if answer.kind != "solutions":
            raise HTTPError(400, "format=rows is for SELECT queries")
        return rows_response(ox.parse_query_results(answer.body, SPARQL_JSON.results))
    if media is HTML:
        return results_page(_read_back(answer, is_graph), text, is_graph)
    return Response(answer.body, mimetype=media.mime, headers={"Vary": "Accept"})


def rows_response(results) -> Response:
    """SELECT results as a JSON array of objects, one per row: numeric and boolean literals as
    JSON numbers and booleans, other values as strings (their lexical forms stay in the SPARQL
    JSON and CSV answers)."""
    names = [v.value for v in results.variables]
    rows = [{n: json_value(row[n]) for n in names} for row in results]
    return Response(json.dumps(rows, ensure_ascii=False, indent=2), mimetype="application/json")


#: The result forms each format is for, to say why a known format is not offered.
FORMS_OF = {
    **{m.name: "SELECT and ASK" for m in RESULT_TYPES},
    **{m.name: "CONSTRUCT and DESCRIBE" for m in GRAPH_TYPES},
    "rows": "SELECT queries saved on this server",
}


def chosen_media(
    req: Request,
    offered: tuple[MediaType, ...],
    default: MediaType,
    also: tuple[str, ...] = (),
    form: str | None = None,
    formats: tuple[str, ...] | None = None,
) -> MediaType:
    """The media type asked for by `format`/`output` (`formats`, read from the request if None)
    or by Accept, among `offered`; `also`: other format names this request takes (handled by
    the caller), named in the errors."""
    # A short name or a media type: the first one that fits this result wins.
    requested = requested_formats(req) if formats is None else formats
    for name in requested:
        short = NAME_ALIASES.get(name.lower(), name.lower())
        if short == "xml" and offered[0] in GRAPH_TYPES:
            short = "rdfxml"
        media = by_name(short, offered)
        media = media or (negotiate(name, offered) if "/" in name else None)
        if media is not None:
            return media
    if requested:
        known = ", ".join([*(m.name for m in offered), *also])
        name = NAME_ALIASES.get(requested[0].lower(), requested[0].lower())
        result = f"this {form} query's result" if form else "this result"
        if name in FORMS_OF:
            raise HTTPError(
                400,
                f"format {requested[0]!r} is for {FORMS_OF[name]} results; "
                f"{result} is offered as {known}",
            )
        raise HTTPError(400, f"unknown format {requested[0]!r}: {result} is offered as {known}")
    media = negotiate(req.headers.get("Accept"), offered, default)
    if media is None:
        known = ", ".join(m.mime for m in offered)
        raise HTTPError(
            406,
            f"none of the accepted media types can be produced; this result is offered as {known}",
        )
    return media


# ---------------------------------------------------------------------------- service description


def service_description(params: ProtocolRequest) -> Response:
    media = chosen_media(
        request, (*GRAPH_TYPES, HTML), default=GRAPH_TYPES[0], formats=params.formats
    )
    if media is HTML:
        return query_page()
    endpoint = ox.NamedNode(request.base_url)
    service = ox.BlankNode()
    triples = [
        ox.Triple(service, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(SD + "Service")),
        ox.Triple(service, ox.NamedNode(SD + "endpoint"), endpoint),
        ox.Triple(
            service, ox.NamedNode(SD + "supportedLanguage"), ox.NamedNode(SD + "SPARQL11Query")
        ),
        ox.Triple(
            service, ox.NamedNode(SD + "supportedLanguage"), ox.NamedNode(SD + "SPARQL11Update")
        ),
    ]
    formats = [
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "RDF_XML",
        "JSON-LD",
    ]
    triples += [
        ox.Triple(
            service,
            ox.NamedNode(SD + "resultFormat"),
            ox.NamedNode(f"http://www.w3.org/ns/formats/{f}"),
        )
        for f in formats
    ]
    if not settings().plain:
        triples.append(
            ox.Triple(service, ox.NamedNode(SD + "feature"), ox.NamedNode(SD + "UnionDefaultGraph"))
        )
    buffer = io.BytesIO()
    ox.serialize(
        triples,
        buffer,
        media.rdf,
        prefixes={"sd": SD} if media.name == "ttl" else None,
    )
    return Response(buffer.getvalue(), mimetype=media.mime, headers={"Vary": "Accept"})


@bp.route("/")
def index() -> Response:
    return query_page()
