"""Queries on /sparql answered without Flask's request machinery.

A small query's answer costs the server far less than Flask's work around it: a request context,
URL routing, the before- and after-request hooks. Measured on this project's 2-core machine, a
Flask "hello world" serves about 3,500 requests a second under granian, a bare WSGI function
34,000. So the commonest request of a SPARQL endpoint, a query (by GET, or by POST as the
query page and many clients send it), is answered by this WSGI middleware in front of Flask,
with the very functions the Flask route calls (the protocol's checks, negotiation, the answer
cache, the query processes, CORS and the error responses): only the dispatch differs.
Everything else goes to Flask: other routes, a request that turns out to want an HTML page
(rendered in Flask's context) or to be no query (an update, the service description), and a
POST whose body has no Content-Length or one over the limit (Flask's checks answer those).
"""

from __future__ import annotations

import io

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from endpoint import errors, http, protocol
from endpoint.request_params import ProtocolRequest
from endpoint.services import answer_cache
from graph.errors import AllianceKGError


class QueryPath:
    """WSGI middleware: answers queries on /sparql itself, hands the rest to `app.wsgi_app`."""

    def __init__(self, app: Flask):
        self.app = app
        self.next = app.wsgi_app
        self.max_body = app.config["SETTINGS"].max_body_bytes

    def __call__(self, environ: dict, start_response):
        if environ.get("PATH_INFO") == "/sparql" and self._may_take(environ):
            req = Request(environ)
            response = self.answer(req)
            if response is not None:
                return response(environ, start_response)
            if req.method == "POST":  # for Flask to read again
                environ["wsgi.input"] = io.BytesIO(req.get_data())
        return self.next(environ, start_response)

    def _may_take(self, environ: dict) -> bool:
        method = environ.get("REQUEST_METHOD")
        if method == "GET":
            return True
        length = environ.get("CONTENT_LENGTH", "")
        return method == "POST" and length.isdigit() and int(length) <= self.max_body

    def answer(self, req: Request) -> Response | None:
        """The response to a query, or None for Flask to answer the request."""
        try:
            if req.method == "POST":
                req.get_data()  # read whole first: parsed from memory, kept for Flask
            params = ProtocolRequest.read(req)
            if params.operation != "query":
                return None
            answer_cache(self.app).sync()  # as hooks.follow_the_store does
            response = protocol.run_query(req, self.app, params)
        except protocol.PageWanted:
            return None
        except HTTPException as error:  # a body cut short, a form werkzeug refuses
            response = errors.http_error(error, self.max_body)
        except AllianceKGError as error:
            response = errors.library_error(error)
        except Exception as error:  # as Flask's handler would: logged, and a plain 500
            response = errors.unexpected(error)
        return http.finish(req, self.app, response, answer_cache(self.app).changed_at)
