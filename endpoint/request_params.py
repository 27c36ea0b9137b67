"""The parameters of a SPARQL 1.1 Protocol request: read from the URL and, for a form POST, the
body; which operation it carries."""

from __future__ import annotations

from werkzeug.wrappers import Request

from endpoint.errors import HTTPError
from graph.sparql_text import all_words

FORM = "application/x-www-form-urlencoded"


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


def operation(req: Request) -> tuple[str, str] | None:
    """('query' | 'update', text) as the protocol carries it, or None for a bare GET."""
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
    return None


def _refuse_in_url(req: Request, other: str) -> None:
    if req.args.get(other) is not None:
        raise HTTPError(400, "a request carries either a query or an update, not both")


def refuse_remote(text: str) -> None:
    """No SERVICE or LOAD to arbitrary URLs: the server never fetches what a client names."""
    words = all_words(text)
    for word in ("SERVICE", "LOAD"):
        if word in words:
            raise HTTPError(400, f"{word} is refused: this server does not fetch remote data")
