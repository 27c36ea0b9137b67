"""A SPARQL 1.1 Protocol request on /sparql, read once into one object (as the Oxigraph server's
`RequestParams`): which operation it carries, its text, the dataset it names and the formats it
asks for. Everything the protocol refuses about a request's shape is refused here."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.wrappers import Request

from endpoint.errors import HTTPError
from graph.sparql_text import all_words
from graph.store import DATASET_VIEWS

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class ProtocolRequest:
    """What a request on /sparql asks: `operation` is "query", "update" or None (a bare GET:
    the service description); the graph IRIs as the protocol names them; `view` is the
    project's `dataset` parameter; `formats` the `format` and `output` values, in order."""

    operation: str | None
    text: str = ""
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    using_graphs: tuple[str, ...] = ()
    using_named_graphs: tuple[str, ...] = ()
    view: str = "all"
    formats: tuple[str, ...] = ()

    @staticmethod
    def read(req: Request) -> ProtocolRequest:
        """Read the URL and, for a form POST, the body, once; HTTPError for a request the
        protocol refuses (both a query and an update, a repeated parameter, an unknown
        Content-Type, an update by GET, an unknown dataset)."""
        operation, text = _operation(req)
        view = checked_view(single(req, "dataset"))
        return ProtocolRequest(
            operation,
            text,
            default_graphs=tuple(values(req, "default-graph-uri")),
            named_graphs=tuple(values(req, "named-graph-uri")),
            using_graphs=tuple(values(req, "using-graph-uri")),
            using_named_graphs=tuple(values(req, "using-named-graph-uri")),
            view=view,
            formats=requested_formats(req),
        )


def checked_view(view: str | None) -> str:
    """The project's `dataset` parameter (all, asserted, inferred, ontology), "all" if none."""
    view = view or "all"
    if view not in DATASET_VIEWS:
        raise HTTPError(400, f"unknown dataset {view!r}: use one of {', '.join(DATASET_VIEWS)}")
    return view


def values(req: Request, name: str) -> list[str]:
    found = req.args.getlist(name)
    if req.method == "POST" and req.mimetype == FORM:
        found += req.form.getlist(name)
    return found


def single(req: Request, name: str) -> str | None:
    found = values(req, name)
    if len(found) > 1:
        raise HTTPError(400, f"the parameter {name!r} is given {len(found)} times; give it once")
    return found[0] if found else None


def requested_formats(req: Request) -> tuple[str, ...]:
    """The `format` and `output` values of a request, in order, each once. `output` is what
    some clients (SPARQLWrapper, Fuseki users) send, sometimes beside `format`."""
    return tuple(dict.fromkeys(values(req, "format") + values(req, "output")))


def _operation(req: Request) -> tuple[str | None, str]:
    """('query' | 'update', text) as the protocol carries it, or (None, '') for a bare GET."""
    if req.method == "POST" and req.mimetype == "application/sparql-query":
        _refuse_in_url(req, "update")
        return "query", req.get_data(as_text=True)
    if req.method == "POST" and req.mimetype == "application/sparql-update":
        _refuse_in_url(req, "query")
        return "update", req.get_data(as_text=True)
    if req.method == "POST" and req.mimetype != FORM:
        raise HTTPError(
            415,
            f"unsupported Content-Type {req.mimetype or '(none)'!r}: send {FORM}, "
            "application/sparql-query or application/sparql-update",
        )
    query, update = single(req, "query"), single(req, "update")
    if query is not None and update is not None:
        raise HTTPError(400, "a request carries either a query or an update, not both")
    if update is not None:
        if req.method == "GET":
            raise HTTPError(405, "updates must be sent with POST", {"Allow": "POST"})
        return "update", update
    if query is not None:
        return "query", query
    if req.method == "POST":
        raise HTTPError(400, "the request has no 'query' or 'update' parameter")
    return None, ""


def _refuse_in_url(req: Request, other: str) -> None:
    if req.args.get(other) is not None:
        raise HTTPError(400, "a request carries either a query or an update, not both")


def refuse_remote(text: str) -> None:
    """No SERVICE or LOAD to arbitrary URLs: the server never fetches what a client names."""
    words = all_words(text)
    for word in ("SERVICE", "LOAD"):
        if word in words:
            raise HTTPError(400, f"{word} is refused: this server does not fetch remote data")
