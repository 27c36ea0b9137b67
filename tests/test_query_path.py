"""GET queries are answered in front of Flask, by the functions Flask's route uses; the access log."""

from __future__ import annotations

import io

import pytest
from flask import request_started
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Response

from cli.server import AccessLog
from endpoint import create_app
from tests.conftest import copy_store

JSON = "application/sparql-results+json"
STATES = "SELECT ?s WHERE { ?s a akg:SovereignState } ORDER BY ?s"


@pytest.fixture(scope="module")
def app(tmp_path_factory, built):
    location = copy_store(built, tmp_path_factory.mktemp("query-path") / "store")
    app = create_app(
        {
            "store": str(location.root),
            "cors_origin": "https://example.org",
            "write_token": "test-token",
        }
    )
    yield app
    app.extensions["alliance_kg"].close()


@pytest.fixture
def flask_requests(app):
    """The paths of the requests Flask dispatched during the test."""
    seen = []

    def started(_sender, **_extra):
        from flask import request

        seen.append(request.path)

    request_started.connect(started, app)
    yield seen
    request_started.disconnect(started, app)


def test_queries_are_answered_without_flask_as_flask_answers_them(app, flask_requests):
    fast = app.test_client()
    flask_only = Client(app.wsgi_app.next, Response)  # the app as it is without the middleware
    accept = {"Accept": JSON}
    body = {**accept, "Content-Type": "application/sparql-query"}
    for client in (fast, flask_only):
        by_get = client.get("/sparql", query_string={"query": STATES}, headers=accept)
        by_body = client.post("/sparql", data=STATES, headers=body)
        by_form = client.post("/sparql", data={"query": STATES}, headers=accept)
        for response in (by_get, by_body, by_form):
            assert response.status_code == 200
            assert response.json == by_get.json
            assert "https://w3id.org/alliance-kg/id/Japan" in response.text
            for name in ("Content-Type", "ETag", "Cache-Control", "Vary"):
                assert response.headers[name] == by_get.headers[name], name
            assert response.headers["Access-Control-Allow-Origin"] == "https://example.org"
        assert by_form.headers["X-Cache"] == "hit"  # the same answer, from the cache
    assert flask_requests == ["/sparql"] * 3  # the three of flask_only


def test_errors_of_get_queries_are_the_same_plain_text_statuses(app, flask_requests):
    client = app.test_client()
    syntax = client.get("/sparql", query_string={"query": "SELECT ?s WHERE {\n ?s ?p"})
    assert syntax.status_code == 400
    assert syntax.mimetype == "text/plain"
    assert "line 2" in syntax.text
    assert syntax.headers["Access-Control-Allow-Origin"] == "https://example.org"
    repeated = client.get("/sparql?query=ASK{}&query=ASK{}")
    assert repeated.status_code == 400 and "2 times" in repeated.text
    remote = client.get("/sparql", query_string={"query": "SELECT * { SERVICE <http://x/> {} }"})
    assert remote.status_code == 400 and "SERVICE is refused" in remote.text
    unacceptable = client.get(
        "/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "x/y"}
    )
    assert unacceptable.status_code == 406
    update = client.get("/sparql", query_string={"update": "CLEAR ALL"})
    assert update.status_code == 405 and update.headers["Allow"] == "POST"
    assert flask_requests == []


def test_pages_updates_and_forms_over_the_limits_go_to_flask(app, flask_requests):
    client = app.test_client()
    page = client.get("/sparql", query_string={"query": STATES}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert 'href="/id/Japan"' in page.text
    description = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert "sparql-service-description" in description.text
    # An update by POST: Flask reads the body the middleware read first.
    token = {"Authorization": "Bearer test-token"}
    insert = "INSERT DATA { <urn:test:a> <urn:test:p> 'posted' }"
    assert client.post("/sparql", data={"update": insert}, headers=token).status_code == 204
    ask = "ASK { <urn:test:a> <urn:test:p> 'posted' }"
    assert client.post("/sparql", data={"query": ask}).json["boolean"]
    assert flask_requests == ["/sparql"] * 3


def test_a_body_cut_short_is_the_400_flask_gives(app, flask_requests):
    def cut_short(wsgi_app) -> tuple[str, bytes]:
        environ = EnvironBuilder(
            "/sparql", method="POST", data=b"query=ASK", content_type="application/sparql-query"
        ).get_environ()
        environ["CONTENT_LENGTH"] = "100"
        status = []
        body = b"".join(wsgi_app(environ, lambda line, headers, *_: status.append(line)))
        return status[0], body

    assert cut_short(app.wsgi_app) == cut_short(app.wsgi_app.next)
    assert cut_short(app.wsgi_app)[0] == "400 BAD REQUEST"
    assert flask_requests == ["/sparql"]


def test_the_access_log_has_one_line_per_request_without_query_or_headers():
    def app(environ, start_response):
        start_response("404 NOT FOUND", [("Content-Type", "text/plain")])
        return [b"no"]

    stream = io.StringIO()
    logged = AccessLog(app, stream)
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/id/x\n127.0.0.1 forged",
        "QUERY_STRING": "token=secret",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_AUTHORIZATION": "Bearer secret",
    }
    assert logged(environ, lambda *args: None) == [b"no"]
    line = stream.getvalue()
    assert line.count("\n") == 1
    assert line.startswith('127.0.0.1 "GET /id/x\\n127.0.0.1 forged HTTP/1.1" 404 ')
    assert line.endswith("ms\n")
    assert "secret" not in line


def test_a_log_that_cannot_be_written_does_not_fail_the_request():
    class Closed(io.StringIO):
        def write(self, _text):
            raise BrokenPipeError(32, "Broken pipe")  # stdout piped into a reader that ended

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"answer"]

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_PROTOCOL": "HTTP/1.1"}
    assert AccessLog(app, Closed())(environ, lambda *args: None) == [b"answer"]
