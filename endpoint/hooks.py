"""What every request of the app goes through, whatever its route: the body limit (chunked
bodies included), following the store's dataset version, the response's finishing touches
(CORS, validators, compression: endpoint/http.py) and the CORS preflight."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from endpoint import http
from endpoint.errors import no_content
from endpoint.services import answer_cache, settings

bp = Blueprint("hooks", __name__)


@bp.after_app_request
def finish_response(response: Response) -> Response:
    return http.finish(request, current_app, response, answer_cache().changed_at)


@bp.route("/sparql", methods=["OPTIONS"])
@bp.route("/store", methods=["OPTIONS"])
def preflight() -> Response:
    """The preflight's headers are added by `endpoint.http.with_cors`, as on every OPTIONS."""
    return no_content()


def body_limit(path: str, app: Flask) -> int:
    """The largest body a request to `path` may have: uploads to the Graph Store take more
    than queries and updates."""
    if path == "/store" or path.startswith("/store/"):
        return settings(app).max_upload_bytes
    return settings(app).max_body_bytes


@bp.before_app_request
def follow_the_store() -> None:
    """On a store other replicas write too, learn its dataset version before answering: a new
    one empties the answer cache and the lists of graphs (see AnswerCache.sync)."""
    answer_cache().sync()


@bp.before_app_request
def whole_chunked_body() -> None:
    """Each request is held to its path's body limit. A body sent in chunks has no
    Content-Length to refuse it by, and werkzeug's read of it (get_data, the form and multipart
    parsers) stops silently at the size limit. It is read here, before anything parses it (they
    then read it from memory); if more follows the limit, it is a 413, never a body cut short
    (a cut after a `;` is a valid update)."""
    limit = body_limit(request.path, current_app)
    request.max_content_length = limit
    if request.content_length is None and request.method in ("POST", "PUT"):
        at_limit = len(request.get_data()) >= limit
        if at_limit and request.environ["wsgi.input"].read(1):
            raise RequestEntityTooLarge()
