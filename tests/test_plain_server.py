"""`alliance-kg load` and `serve --plain`: a general SPARQL 1.1 server for any data."""

from __future__ import annotations

import gzip

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.conftest import start_server, stop_server
from tests.helpers import run_cli


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plain")
    (tmp / "a.nt.gz").write_bytes(gzip.compress(b"<urn:s> <urn:p> <urn:o> .\n"))
    (tmp / "b.trig").write_text("<urn:g> { <urn:s> <urn:p> <urn:o2> . }\n")
    result = run_cli("load", "--store", tmp / "store", tmp / "a.nt.gz", tmp / "b.trig")
    assert result.exit_code == 0, result.stderr
    assert "2 quads" in result.stderr
    server = start_server(tmp, None, "--plain")
    yield server
    stop_server(server)


def ask(server, query):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    return client.queryAndConvert()["boolean"]


def test_plain_default_graph_is_the_store_default_graph(plain):
    assert ask(plain, "ASK { <urn:s> <urn:p> <urn:o> }")
    assert not ask(plain, "ASK { <urn:s> <urn:p> <urn:o2> }")
    assert ask(plain, "ASK { GRAPH <urn:g> { <urn:s> <urn:p> <urn:o2> } }")


def test_plain_writes_are_plain_sparql_update(plain):
    update = "INSERT DATA { <urn:x> <urn:y> <urn:z> }"
    assert plain.post("/sparql", data={"update": update}, headers=plain.auth).status_code == 204
    assert ask(plain, "ASK { <urn:x> <urn:y> <urn:z> }")
    response = plain.get(
        "/store", params={"default": ""}, headers={"Accept": "application/n-triples"}
    )
    assert "<urn:x> <urn:y> <urn:z> ." in response.text


def test_load_refuses_an_unknown_format_and_keeps_the_store(tmp_path):
    (tmp_path / "data.csv").write_text("a,b")
    result = run_cli("load", "--store", tmp_path / "store", tmp_path / "data.csv")
    assert result.exit_code == 1
    assert "unknown RDF format" in result.stderr
    assert not (tmp_path / "store" / "current").exists()


def test_using_graph_uri_sets_the_update_dataset(plain):
    """SPARQL 1.1 Protocol 2.2.3: the WHERE clause sees the graphs the parameters name."""
    update = "INSERT { <urn:copy> <urn:p> ?o } WHERE { <urn:s> <urn:p> ?o }"
    response = plain.post(
        "/sparql",
        data={"update": update, "using-graph-uri": "urn:g"},
        headers=plain.auth,
    )
    assert response.status_code == 204, response.text
    assert ask(plain, "ASK { <urn:copy> <urn:p> <urn:o2> }")
    assert not ask(plain, "ASK { <urn:copy> <urn:p> <urn:o> }")


def test_using_named_graph_uri_sets_the_named_graphs(plain):
    update = "INSERT { <urn:named> <urn:p> ?o } WHERE { GRAPH ?g { <urn:s> <urn:p> ?o } }"
    response = plain.post(
        "/sparql?using-named-graph-uri=urn:g",
        data=update,
        headers={**plain.auth, "Content-Type": "application/sparql-update"},
    )
    assert response.status_code == 204, response.text
    assert ask(plain, "ASK { <urn:named> <urn:p> <urn:o2> }")


@pytest.mark.parametrize(
    ("update", "words"),
    [
        ("WITH <urn:g> INSERT { <urn:a> <urn:b> ?o } WHERE { ?s ?p ?o }", "own USING"),
        ("INSERT { <urn:a> <urn:b> ?o } USING <urn:g> WHERE { ?s ?p ?o }", "own USING"),
    ],
)
def test_using_graph_uri_with_using_or_with_in_the_update_is_a_400(plain, update, words):
    response = plain.post(
        "/sparql", data={"update": update, "using-graph-uri": "urn:g"}, headers=plain.auth
    )
    assert response.status_code == 400
    assert words in response.text
    assert "2.2.3" in response.text


def test_using_graph_uri_must_be_an_absolute_iri(plain):
    response = plain.post(
        "/sparql",
        data={
            "update": "INSERT { <urn:a> <urn:b> ?o } WHERE { ?s ?p ?o }",
            "using-graph-uri": "g x",
        },
        headers=plain.auth,
    )
    assert response.status_code == 400
    assert "using-graph-uri" in response.text


@pytest.mark.own_server
def test_the_base_iri_is_configurable(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("base")
    (tmp / "data.nt").write_text(
        '<http://example.org/data/id/thing> <http://www.w3.org/2000/01/rdf-schema#label> "A thing" .\n'
        "<http://example.org/data/id/thing> <urn:p> <http://example.org/data/id/other> .\n"
    )
    assert run_cli("load", "--store", tmp / "store", tmp / "data.nt").exit_code == 0
    server = start_server(tmp, None, "--plain", "--base-iri", "http://example.org/data")
    try:
        response = server.get("/id/thing", allow_redirects=False, headers={"Accept": "text/turtle"})
        assert response.status_code == 303
        assert response.headers["Location"].endswith("/data/id/thing.ttl")
        turtle = server.get("/data/id/thing.ttl").text
        assert "A thing" in turtle
        page = server.get("/page/id/thing").text
        assert 'href="/id/other"' in page  # the graph's own IRIs link to this server
        assert server.get("/id/nothing-here", allow_redirects=False).status_code == 404
    finally:
        stop_server(server)


def test_a_bad_base_iri_is_refused():
    result = run_cli("serve", "--base-iri", "not an iri", "--store", "/nonexistent")
    assert result.exit_code != 0
    assert "not an absolute IRI" in result.stderr
