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
