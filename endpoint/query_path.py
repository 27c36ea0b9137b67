"""GET /sparql queries answered without Flask's request machinery.

A small query's answer costs the server far less than Flask's work around it: a request context,
URL routing, the before- and after-request hooks. Measured on this project's 2-core machine, a
Flask "hello world" serves about 3,500 requests a second under granian, a bare WSGI function
34,000. So the commonest request of a SPARQL endpoint, a query by GET, is answered by this WSGI
middleware in front of Flask, with the very functions the Flask route calls (the protocol's
checks, negotiation, the answer cache, the query processes, CORS and the error responses):
only the dispatch differs. Everything else goes to Flask, as does a GET that turns out to want
an HTML page (which is rendered in Flask's context) or to be no query at all.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.wrappers import Request, Response

from endpoint import errors, protocol
from graph.errors import AllianceKGError


class QueryPath:
    """WSGI middleware: answers GET /sparql?query=... itself, hands the rest to `app.wsgi_app`."""

    def __init__(self, app: Flask):
        self.app = app
        self.next = app.wsgi_app

    def __call__(self, environ: dict, start_response):
        if environ.get("PATH_INFO") == "/sparql" and environ.get("REQUEST_METHOD") == "GET":
            req = Request(environ)
            response = self.answer(req)
            if response is not None:
                return response(environ, start_response)
        return self.next(environ, start_response)

    def answer(self, req: Request) -> Response | None:
        """The response to a query, or None for Flask to answer the request."""
        try:
            found = protocol.operation(req)
            if found is None or found[0] != "query":
                return None
            response = protocol.run_query(req, self.app, found[1])
        except protocol.PageWanted:
            return None
        except AllianceKGError as error:
            response = errors.library_error(error)
        except Exception as error:  # as Flask's handler would: logged, and a plain 500
            response = errors.unexpected(error)
        return protocol.with_cors(req, self.app, response)
