"""Every error becomes one response: the right status and a plain-text message a person can act
on. The library's exceptions carry their status; nothing else reaches the client as a traceback."""

from __future__ import annotations

import logging

from flask import Flask, Response, has_request_context, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from graph.errors import AllianceKGError

log = logging.getLogger(__name__)


class HTTPError(AllianceKGError):
    """A protocol error with its own status (and headers, such as WWW-Authenticate)."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def no_content() -> Response:
    """A 204: no body, so no Content-Type either (Flask would add text/html)."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def error_response(status: int, message: str, headers: dict | None = None) -> Response:
    """The message as plain text, or for a browser (which asks for HTML first) as a page in the
    site's layout, with a way back and, for a query, a link to edit it."""
    if _wants_a_page():
        response = _error_page(status, message)
    else:
        response = Response(message.rstrip() + "\n", status=status, mimetype="text/plain")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _wants_a_page() -> bool:
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return False
    accept = request.accept_mimetypes
    return accept.quality("text/html") > max(accept.quality("text/plain"), 0.0) and (
        accept.best_match(["text/plain", "text/html"], "text/plain") == "text/html"
    )


def _error_page(status: int, message: str) -> Response:
    from urllib.parse import urlencode

    from endpoint.pages import render

    query = request.args.get("query") if request.path == "/sparql" else None
    edit = "/?" + urlencode({"query": query}) if query else None
    title = f"{status} {HTTP_STATUS_CODES.get(status, 'Error')}"
    return render("error.html", title, status, message=message, edit=edit, section="")


def library_error(error: AllianceKGError) -> Response:
    if error.status >= 500:
        log.error("%s", error)
    return error_response(error.status, str(error), getattr(error, "headers", None))


def unexpected(_error: Exception) -> Response:
    log.exception("unexpected error")
    return error_response(500, "internal error: the server logged the details")


def http_error(error: HTTPException, max_body_bytes: int | None) -> Response:
    messages = {
        413: f"the request body is over the limit of {max_body_bytes} bytes",
        404: "no such resource: see / for the query page and /sparql for the endpoint",
    }
    message = messages.get(error.code or 500, error.description or error.name)
    return error_response(error.code or 500, message)


def register(app: Flask) -> None:
    app.register_error_handler(AllianceKGError, library_error)
    app.register_error_handler(Exception, unexpected)
    app.register_error_handler(
        HTTPException, lambda error: http_error(error, request.max_content_length)
    )
