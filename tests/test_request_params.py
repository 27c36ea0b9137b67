"""A request on /sparql read once into a ProtocolRequest: what each form of the protocol gives,
and what it refuses (the server's answers to these are tested in test_w3c_protocol.py)."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from endpoint.errors import HTTPError
from endpoint.request_params import FORM, ProtocolRequest


def request(method: str = "GET", query: str = "", **kwargs) -> Request:
    return Request(
        EnvironBuilder(path="/sparql", method=method, query_string=query, **kwargs).get_environ()
    )


def test_a_get_query_gives_its_text_graphs_view_and_formats_in_one_object():
    params = ProtocolRequest.read(
        request(
            query="query=ASK{}&default-graph-uri=urn:a&default-graph-uri=urn:b"
            "&named-graph-uri=urn:n&dataset=asserted&format=json&output=csv&format=json"
        )
    )
    assert params == ProtocolRequest(
        "query",
        "ASK{}",
        default_graphs=("urn:a", "urn:b"),
        named_graphs=("urn:n",),
        view="asserted",
        formats=("json", "csv"),
    )


def test_a_form_post_is_read_from_the_url_and_the_body_together():
    params = ProtocolRequest.read(
        request(
            "POST",
            query="using-graph-uri=urn:u",
            data="update=INSERT+DATA+%7B%7D&using-named-graph-uri=urn:v&using-graph-uri=urn:w",
            content_type=FORM,
        )
    )
    assert (params.operation, params.text) == ("update", "INSERT DATA {}")
    assert params.using_graphs == ("urn:u", "urn:w")
    assert params.using_named_graphs == ("urn:v",)
    assert params.view == "all"


def test_a_direct_post_carries_its_text_in_the_body():
    params = ProtocolRequest.read(
        request("POST", data="SELECT * {}", content_type="application/sparql-query")
    )
    assert (params.operation, params.text) == ("query", "SELECT * {}")


def test_a_bare_get_asks_for_the_service_description():
    assert ProtocolRequest.read(request(query="format=ttl")).operation is None


@pytest.mark.parametrize(
    ("method", "query", "body", "status", "message"),
    [
        ("GET", "query=ASK{}&update=CLEAR+ALL", None, 400, "either a query or an update"),
        ("GET", "query=ASK{}&query=ASK{}", None, 400, "given 2 times"),
        ("GET", "update=CLEAR+ALL", None, 405, "must be sent with POST"),
        ("GET", "query=ASK{}&dataset=everything", None, 400, "unknown dataset 'everything'"),
        ("POST", "", ("ASK{}", "text/plain"), 415, "unsupported Content-Type 'text/plain'"),
        ("POST", "", ("", FORM), 400, "no 'query' or 'update' parameter"),
    ],
)
def test_what_the_protocol_refuses_is_refused_when_the_request_is_read(
    method, query, body, status, message
):
    data, content_type = body or (None, None)
    with pytest.raises(HTTPError) as refused:
        ProtocolRequest.read(request(method, query, data=data, content_type=content_type))
    assert refused.value.status == status
    assert message in str(refused.value)
