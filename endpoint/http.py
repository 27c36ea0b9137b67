"""What every response gets on its way out, whichever path made it (Flask's routes or the query
path in front of Flask): CORS for reads, `nosniff`, validators on documents, 304s, and gzip.

- **Validators.** A GET or HEAD answered 200 without an ETag or `no-store` of its own
  (documents, pages, dumps, VoID, the ontology, the OpenAPI document) gets a strong ETag of its
  bytes, so the same bytes have the same ETag whatever Accept asked for them, `Last-Modified`
  (when the dataset last changed) and `Cache-Control: no-cache` (a cache keeps it and
  revalidates). `If-None-Match` and
  `If-Modified-Since` then give a 304. Query answers carry the answer cache's weak ETags instead
  (endpoint/cache.py), which answer `If-None-Match` before the query runs.
- **Compression.** A textual body of 1 kB or more is gzip-encoded when the client accepts gzip
  (`Vary: Accept-Encoding`); a strong ETag is then made weak, as nginx does, since the encoded
  bytes differ from the ones it names.
"""

from __future__ import annotations

import gzip
import hashlib
from datetime import datetime

from flask import Flask, Response
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from graph.formats import DATASET_TYPES, GRAPH_TYPES, JSON, RESULT_TYPES

#: Response headers a page on another origin may read: paging, revalidation, downloads.
EXPOSED_HEADERS = "ETag, Link, X-Cache, Content-Disposition, Location, Last-Modified, Retry-After"
ALLOWED_REQUEST_HEADERS = "Accept, Content-Type, If-None-Match, If-Modified-Since"
#: Bodies smaller than this go out as they are: gzip would save little and cost a header.
MIN_COMPRESSED_BYTES = 1024
#: Every RDF and results format is text; beside them, what the pages load.
TEXTUAL_TYPES = (
    *sorted({m.mime for m in (*RESULT_TYPES, *GRAPH_TYPES, *DATASET_TYPES, JSON)}),
    "application/javascript",
    "application/xml",
    "image/svg+xml",
)


def finish(req: Request, app: Flask, response: Response, changed_at: datetime) -> Response:
    """The response as it leaves the server (see the module's docstring)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    with_cors(req, app, response)
    conditional = (
        req.method in ("GET", "HEAD") and response.status_code == 200 and not response.is_streamed
    )
    if conditional and "ETag" not in response.headers and "no-store" not in response.cache_control:
        _add_validators(response, changed_at)
    compress(req, response)  # first: a 304 names the representation a 200 would have sent
    if conditional:
        response.make_conditional(req)
    return response


def with_cors(req: Request, app: Flask, response: Response) -> Response:
    """Reads are open to the configured origin; writes are never opened by CORS."""
    if req.method in ("GET", "HEAD", "OPTIONS") or _is_query_post(req):
        response.headers["Access-Control-Allow-Origin"] = app.config["SETTINGS"].cors_origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        response.vary.add("Origin")
        if req.method == "OPTIONS":  # a preflight, on any route
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
            response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _is_query_post(req: Request) -> bool:
    if req.method != "POST" or req.path != "/sparql":
        return False
    if req.mimetype == "application/sparql-query":
        return True
    try:
        return "query" in req.form
    except HTTPException:  # a body over the limit: no CORS header on the error
        return False


def _add_validators(response: Response, changed_at: datetime) -> None:
    digest = hashlib.blake2b(response.get_data(), digest_size=16).hexdigest()
    response.set_etag(digest)
    response.last_modified = changed_at
    response.headers.setdefault("Cache-Control", "no-cache")


def compress(req: Request, response: Response) -> None:
    """gzip the body if it is textual, large enough, and the client accepts gzip."""
    if response.is_streamed or "Content-Encoding" in response.headers:
        return
    if not _textual(response.mimetype) or response.status_code not in (200, 203):
        return
    body = response.get_data()
    if len(body) < MIN_COMPRESSED_BYTES:
        return
    response.vary.add("Accept-Encoding")
    if not _accepts_gzip(req.headers.get("Accept-Encoding", "")):
        return
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag = response.headers.get("ETag")
    if etag and not etag.startswith("W/"):
        response.headers["ETag"] = f"W/{etag}"


def _textual(mimetype: str | None) -> bool:
    return bool(mimetype) and (mimetype.startswith("text/") or mimetype in TEXTUAL_TYPES)


def _accepts_gzip(header: str) -> bool:
    """Whether Accept-Encoding admits gzip (`gzip`, `x-gzip` or `*`, with a q-value above 0)."""
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = params.strip()
        if q.lower().startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False
