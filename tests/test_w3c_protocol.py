"""The W3C SPARQL 1.1 Protocol test suite's cases (protocol/manifest.ttl), one test each under
the suite's names, against the real server in --plain mode (the standard dataset semantics the
suite assumes). Where the suite allows either of two statuses, so does the test."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import start_server, stop_server
from tests.helpers import run_cli

DATA = """
<urn:data0> { <urn:s0> <urn:p> "zero" . }
<urn:data1> { <urn:s1> <urn:p> "one" . }
<urn:data2> { <urn:s2> <urn:p> "two" . }
<urn:data3> { <urn:s3> <urn:p> "three" . }
"""
SELECT = "SELECT ?o WHERE { ?s <urn:p> ?o } ORDER BY ?o"
FORM = "application/x-www-form-urlencoded"
RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module", params=["embedded", "oxigraph"])
def server(request, tmp_path_factory):
    """The server in --plain mode on the embedded store, and on a remote Oxigraph server (whose
    default graph is the spec's; a union-default-graph server has no default graph of its own
    for the suite's cases to write and read)."""
    tmp = tmp_path_factory.mktemp("w3c")
    (tmp / "data.trig").write_text(DATA)
    remote = []
    if request.param == "embedded":
        assert run_cli("load", "--store", tmp / "store", tmp / "data.trig").exit_code == 0
    else:
        from graph.remote import RemoteSettings, RemoteStore
        from tests.remote_servers import start_oxigraph

        oxigraph = start_oxigraph(tmp_path_factory.mktemp("w3c-oxigraph"))
        remote = oxigraph.options()
        RemoteStore(RemoteSettings(oxigraph.url)).load(path=tmp / "data.trig")
    running = start_server(tmp, None, "--plain", *remote)
    yield running
    stop_server(running)
    if remote:
        oxigraph.stop()


def values(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [b["o"]["value"] for b in response.json()["results"]["bindings"]]


def select(server, **params):
    return server.get("/sparql", params={"query": SELECT, **params}, headers={"Accept": RESULTS})


def ask(server, query: str) -> bool:
    return server.get("/sparql", params={"query": query}, headers={"Accept": RESULTS}).json()[
        "boolean"
    ]


# Queries


def test_query_get(server):
    assert values(select(server)) == []  # the default graph is empty; the data is in named graphs


def test_query_post_form(server):
    response = server.post("/sparql", data={"query": "ASK { GRAPH ?g { ?s ?p ?o } }"},
                           headers={"Accept": RESULTS})  # fmt: skip
    assert response.json()["boolean"] is True


def test_query_post_direct(server):
    response = server.post("/sparql", data="ASK { GRAPH ?g { ?s ?p ?o } }",
                           headers={"Content-Type": "application/sparql-query", "Accept": RESULTS})  # fmt: skip
    assert response.json()["boolean"] is True


def test_query_dataset_default_graph(server):
    assert values(select(server, **{"default-graph-uri": "urn:data1"})) == ["one"]


def test_query_dataset_default_graphs_get(server):
    response = select(server, **{"default-graph-uri": ["urn:data1", "urn:data2"]})
    assert values(response) == ["one", "two"]


def test_query_dataset_default_graphs_post(server):
    response = server.post(
        "/sparql",
        data={"query": SELECT, "default-graph-uri": ["urn:data1", "urn:data2"]},
        headers={"Accept": RESULTS},
    )
    assert values(response) == ["one", "two"]


def test_query_dataset_named_graphs(server):
    query = "SELECT ?o WHERE { GRAPH ?g { ?s <urn:p> ?o } } ORDER BY ?o"
    response = server.get("/sparql", headers={"Accept": RESULTS},
                          params={"query": query, "named-graph-uri": ["urn:data2", "urn:data3"]})  # fmt: skip
    assert values(response) == ["three", "two"]


def test_query_dataset_full(server):
    query = "SELECT ?o WHERE { { ?s <urn:p> ?o } UNION { GRAPH ?g { ?s <urn:p> ?o } } } ORDER BY ?o"
    response = server.get("/sparql", headers={"Accept": RESULTS}, params={
        "query": query, "default-graph-uri": "urn:data0", "named-graph-uri": "urn:data3"})  # fmt: skip
    assert values(response) == ["three", "zero"]


def test_query_multiple_dataset(server):
    """The protocol's dataset overrides the query's FROM."""
    query = "SELECT ?o FROM <urn:data0> WHERE { ?s <urn:p> ?o }"
    response = server.get("/sparql", headers={"Accept": RESULTS},
                          params={"query": query, "default-graph-uri": "urn:data1"})  # fmt: skip
    assert values(response) == ["one"]


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "application/sparql-results+xml", ("application/sparql-results+xml",)),
        ("ASK { GRAPH ?g { ?s ?p ?o } }", "application/sparql-results+json", ("application/sparql-results+json",)),
        ("DESCRIBE <urn:s1>", "application/rdf+xml, text/turtle", ("application/rdf+xml", "text/turtle")),
        ("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", "text/turtle", ("text/turtle",)),
    ],
    ids=["query_content_type_select", "query_content_type_ask", "query_content_type_describe",
         "query_content_type_construct"],
)  # fmt: skip
def test_query_content_types(server, query, accept, expected):
    response = server.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] in expected


# Updates


def update(server, text: str, **params):
    return server.post("/sparql", data={"update": text, **params}, headers=server.auth)


def test_update_post_form(server):
    assert (
        update(server, "INSERT DATA { GRAPH <urn:form> { <urn:a> <urn:b> <urn:c> } }").status_code
        == 204
    )
    assert ask(server, "ASK { GRAPH <urn:form> { <urn:a> <urn:b> <urn:c> } }")


def test_update_post_direct(server):
    response = server.post("/sparql", data="INSERT DATA { GRAPH <urn:direct> { <urn:a> <urn:b> <urn:c> } }",
                           headers={**server.auth, "Content-Type": "application/sparql-update"})  # fmt: skip
    assert response.status_code == 204
    assert ask(server, "ASK { GRAPH <urn:direct> { <urn:a> <urn:b> <urn:c> } }")


def test_update_base_uri(server):
    text = "BASE <http://example.org/base/> INSERT DATA { GRAPH <urn:base> { <a> <b> <c> } }"
    assert update(server, text).status_code == 204
    assert ask(server, "ASK { GRAPH <urn:base> { <http://example.org/base/a> ?p ?o } }")


def test_update_dataset_default_graph(server):
    text = "INSERT { GRAPH <urn:out1> { ?s <urn:copied> ?o } } WHERE { ?s <urn:p> ?o }"
    assert update(server, text, **{"using-graph-uri": "urn:data1"}).status_code == 204
    assert ask(server, 'ASK { GRAPH <urn:out1> { <urn:s1> <urn:copied> "one" } }')
    assert not ask(server, 'ASK { GRAPH <urn:out1> { <urn:s2> <urn:copied> "two" } }')


def test_update_dataset_default_graphs(server):
    text = "INSERT { GRAPH <urn:out2> { ?s <urn:copied> ?o } } WHERE { ?s <urn:p> ?o }"
    response = update(server, text, **{"using-graph-uri": ["urn:data1", "urn:data2"]})
    assert response.status_code == 204
    assert ask(server, 'ASK { GRAPH <urn:out2> { <urn:s1> ?p "one" . <urn:s2> ?q "two" } }')


def test_update_dataset_named_graphs(server):
    text = "INSERT { GRAPH <urn:out3> { ?s <urn:copied> ?o } } WHERE { GRAPH ?g { ?s <urn:p> ?o } }"
    assert update(server, text, **{"using-named-graph-uri": "urn:data3"}).status_code == 204
    assert ask(server, 'ASK { GRAPH <urn:out3> { <urn:s3> <urn:copied> "three" } }')
    assert not ask(server, 'ASK { GRAPH <urn:out3> { <urn:s1> <urn:copied> "one" } }')


def test_update_dataset_full(server):
    text = ("INSERT { GRAPH <urn:out4> { ?s <urn:copied> ?o } } WHERE "
            "{ { ?s <urn:p> ?o } UNION { GRAPH ?g { ?s <urn:p> ?o } } }")  # fmt: skip
    response = update(
        server, text, **{"using-graph-uri": "urn:data0", "using-named-graph-uri": "urn:data2"}
    )
    assert response.status_code == 204
    assert ask(server, 'ASK { GRAPH <urn:out4> { <urn:s0> ?p "zero" . <urn:s2> ?q "two" } }')
    assert not ask(server, 'ASK { GRAPH <urn:out4> { <urn:s1> ?p "one" } }')


# Bad requests: each is refused with the status the suite expects.


@pytest.mark.parametrize(
    ("name", "request_", "statuses"),
    [
        ("bad_query_method", lambda s: requests.put(s.url + "/sparql", params={"query": "ASK {}"}, timeout=30), (400, 405)),
        ("bad_multiple_queries", lambda s: s.get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D"), (400,)),
        ("bad_query_wrong_media_type", lambda s: s.post("/sparql", data="ASK {}", headers={"Content-Type": "text/plain"}), (400, 415)),
        ("bad_query_missing_form_type", lambda s: s.post("/sparql", data="query=ASK%20%7B%7D", headers={"Content-Type": ""}), (400, 415)),
        ("bad_query_missing_direct_type", lambda s: s.post("/sparql", data="ASK {}", headers={"Content-Type": ""}), (400, 415)),
        ("bad_query_non_utf8", lambda s: s.post("/sparql", data="ASK { <urn:é> ?p ?o }".encode("latin-1"),
                                                 headers={"Content-Type": "application/sparql-query; charset=UTF-8"}), (400,)),
        ("bad_query_syntax", lambda s: s.get("/sparql", params={"query": "ASK { ?s ?p ?o"}), (400,)),
        ("bad_update_get", lambda s: s.get("/sparql", params={"update": "CLEAR ALL"}), (400, 405)),
        ("bad_multiple_updates", lambda s: s.post("/sparql", data=[("update", "CLEAR NAMED"), ("update", "CLEAR DEFAULT")], headers=s.auth), (400,)),
        ("bad_update_wrong_media_type", lambda s: s.post("/sparql", data="CLEAR ALL", headers={**s.auth, "Content-Type": "text/plain"}), (400, 415)),
        ("bad_update_missing_form_type", lambda s: s.post("/sparql", data="update=CLEAR%20ALL", headers={**s.auth, "Content-Type": ""}), (400, 415)),
        ("bad_update_non_utf8", lambda s: s.post("/sparql", data="INSERT DATA { <urn:é> <urn:p> <urn:o> }".encode("latin-1"),
                                                  headers={**s.auth, "Content-Type": "application/sparql-update; charset=UTF-8"}), (400,)),
        ("bad_update_syntax", lambda s: s.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> }"}, headers=s.auth), (400,)),
        ("bad_update_dataset_conflict", lambda s: s.post("/sparql", headers=s.auth, data={
            "update": "WITH <urn:data0> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "using-graph-uri": "urn:data1"}), (400,)),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)  # fmt: skip
def test_bad_requests(server, name, request_, statuses):
    response = request_(server)
    assert response.status_code in statuses, f"{name}: {response.status_code} {response.text}"
    assert "Traceback" not in response.text
    assert values(select(server, **{"default-graph-uri": "urn:data0"})) == [
        "zero"
    ]  # nothing changed


# Graph Store HTTP Protocol: the cases of the W3C suite (http-rdf-update/manifest), in order.

PERSON = '<http://example.org/alice> <http://xmlns.com/foaf/0.1/name> "Alice" .\n'
TURTLE = {"Content-Type": "text/turtle"}


def gsp(server, method: str, graph: str | None, body: str | bytes | None = None, headers=None):
    params = {"graph": graph} if graph is not None else {"default": ""}
    return requests.request(method, server.url + "/store", params=params, data=body,
                            headers={**server.auth, **(headers or {})}, timeout=30)  # fmt: skip


def test_gsp_put_initial_state_then_get(server):
    assert gsp(server, "PUT", "urn:person/1", PERSON, TURTLE).status_code == 201
    response = gsp(server, "GET", "urn:person/1", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and "Alice" in response.text


def test_gsp_put_graph_already_in_store_replaces_it(server):
    gsp(server, "PUT", "urn:person/2", PERSON, TURTLE)
    bob = PERSON.replace("alice", "bob").replace("Alice", "Bob")
    assert gsp(server, "PUT", "urn:person/2", bob, TURTLE).status_code == 204
    text = gsp(server, "GET", "urn:person/2", headers={"Accept": "application/n-triples"}).text
    assert "Bob" in text and "Alice" not in text


def test_gsp_put_default_graph(server):
    assert gsp(server, "PUT", None, PERSON, TURTLE).status_code in (201, 204)
    assert "Alice" in gsp(server, "GET", None, headers={"Accept": "text/turtle"}).text


def test_gsp_put_mismatched_payload_is_a_400(server):
    response = gsp(server, "PUT", "urn:person/3", "this is not turtle <", TURTLE)
    assert response.status_code == 400
    assert gsp(server, "GET", "urn:person/3").status_code == 404


def test_gsp_delete_existing_then_missing_graph(server):
    gsp(server, "PUT", "urn:person/4", PERSON, TURTLE)
    assert gsp(server, "DELETE", "urn:person/4").status_code in (200, 204)
    assert gsp(server, "GET", "urn:person/4").status_code == 404
    assert gsp(server, "DELETE", "urn:person/4").status_code == 404


def test_gsp_post_to_existing_graph_merges(server):
    gsp(server, "PUT", "urn:person/5", PERSON, TURTLE)
    carol = PERSON.replace("alice", "carol").replace("Alice", "Carol")
    assert gsp(server, "POST", "urn:person/5", carol, TURTLE).status_code in (200, 204)
    text = gsp(server, "GET", "urn:person/5", headers={"Accept": "text/turtle"}).text
    assert "Alice" in text and "Carol" in text


def test_gsp_post_multipart_form_data(server):
    files = {"a": ("a.ttl", PERSON, "text/turtle"),
             "b": ("b.nt", PERSON.replace("Alice", "Dora"), "application/n-triples")}  # fmt: skip
    response = requests.post(server.url + "/store", params={"graph": "urn:person/6"}, files=files,
                             headers=server.auth, timeout=30)  # fmt: skip
    assert response.status_code in (201, 204)
    text = gsp(server, "GET", "urn:person/6", headers={"Accept": "text/turtle"}).text
    assert "Alice" in text and "Dora" in text


def test_gsp_post_creates_a_new_graph(server):
    """The new graph is named under the configured base IRI, whatever Host the client sends
    (it chooses it), and is served here at /graphs/ID, as /id/NAME is for the base's id/."""
    for host in ({}, {"Host": "evil.example"}):
        response = requests.post(server.url + "/store", data=PERSON, timeout=30,
                                 headers={**server.auth, **TURTLE, **host})  # fmt: skip
        assert response.status_code == 201
        location = response.headers["Location"]
        assert location.startswith("https://w3id.org/alliance-kg/graphs/"), location
        assert ask(server, f'ASK {{ GRAPH <{location}> {{ ?s ?p "Alice" }} }}')
        local = server.url + "/graphs/" + location.rsplit("/", 1)[1]
        fetched = requests.get(local, headers={"Accept": "text/turtle"}, timeout=30)
        assert fetched.status_code == 200 and "Alice" in fetched.text


def test_gsp_head_on_existing_and_missing_graphs(server):
    gsp(server, "PUT", "urn:person/7", PERSON, TURTLE)
    head = gsp(server, "HEAD", "urn:person/7", headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"].startswith("text/turtle")
    assert gsp(server, "HEAD", "urn:no-such-graph").status_code == 404
