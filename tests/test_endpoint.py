"""The SPARQL endpoint's queries, served for real (granian on 127.0.0.1) and driven by real
clients (SPARQLWrapper, rdflib): the protocol, its refusals, content negotiation, CORS."""

from __future__ import annotations

import pytest
import rdflib
import requests
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

STATES = (
    "SELECT ?s WHERE { ?s a <https://w3id.org/alliance-kg/ontology#SovereignState> } ORDER BY ?s"
)
JAPAN = "https://w3id.org/alliance-kg/id/Japan"


def wrapper(server, query, fmt=JSON, method="GET"):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client.query()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(server, method):
    data = wrapper(server, STATES, JSON, method).convert()
    assert next(b["s"]["value"] for b in data["results"]["bindings"]) == JAPAN
    assert len(data["results"]["bindings"]) == 3


def test_sparqlwrapper_select_xml_csv_tsv(server):
    xml = wrapper(server, STATES, XML).convert()
    assert len(xml.getElementsByTagName("result")) == 3
    csv = wrapper(server, STATES, CSV).convert().decode()
    assert csv.splitlines()[1] == JAPAN
    tsv = wrapper(server, STATES, TSV).convert().decode()
    assert tsv.splitlines()[1] == f"<{JAPAN}>"


def test_sparqlwrapper_ask(server):
    assert wrapper(server, f"ASK {{ <{JAPAN}> a ?c }}", JSON).convert()["boolean"] is True
    (boolean,) = (
        wrapper(server, "ASK { ?x <urn:nothing> ?y }", XML)
        .convert()
        .getElementsByTagName("boolean")
    )
    assert boolean.firstChild.data == "false"


@pytest.mark.parametrize("fmt", ["turtle", "n3", "xml", "json-ld"])
def test_sparqlwrapper_construct_and_describe(server, fmt):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER (?s = <{JAPAN}>) }}")
    client.setReturnFormat(
        {"turtle": "turtle", "n3": "n3", "xml": "xml", "json-ld": "json-ld"}[fmt]
    )
    result = client.query()
    graph = rdflib.Graph().parse(data=result.response.read(), format={"n3": "turtle"}.get(fmt, fmt))
    assert (rdflib.URIRef(JAPAN), rdflib.RDF.type, None) in graph
    client.setQuery(f"DESCRIBE <{JAPAN}>")
    assert len(client.queryAndConvert()) > 5


def test_rdflib_sparqlstore_reads(server):
    graph = rdflib.Graph(SPARQLStore(server.url + "/sparql"))
    rows = list(
        graph.query(
            f"SELECT ?label WHERE {{ <{JAPAN}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
        )
    )
    assert [str(r[0]) for r in rows] == ["Japan"]


def test_rdflib_sparqlupdatestore_writes_with_the_token(server):
    store = SPARQLUpdateStore(server.url + "/sparql", server.url + "/sparql", headers=server.auth)
    graph = rdflib.Graph(store, identifier=DATASET_DEFAULT_GRAPH_ID)
    graph.update(
        "INSERT DATA { <urn:test:Atlantis> a <https://w3id.org/alliance-kg/ontology#SovereignState> }"
    )
    assert server.get(
        "/sparql",
        params={"query": "ASK { <urn:test:Atlantis> a <http://www.w3.org/ns/prov#Agent> }"},
    ).json()["boolean"]
    graph.update(
        "DELETE DATA { <urn:test:Atlantis> a <https://w3id.org/alliance-kg/ontology#SovereignState> }"
    )
    assert not server.get("/sparql", params={"query": "ASK { <urn:test:Atlantis> ?p ?o }"}).json()[
        "boolean"
    ]


# Protocol cases (W3C SPARQL 1.1 Protocol test descriptions).


def test_query_by_post_sparql_query_body(server):
    response = server.post(
        "/sparql",
        data=STATES,
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")


def test_query_and_update_together_is_a_400(server):
    response = server.post("/sparql", data={"query": STATES, "update": "CLEAR DEFAULT"})
    assert response.status_code == 400


def test_repeated_query_parameter_is_a_400(server):
    response = server.get("/sparql", params=[("query", STATES), ("query", STATES)])
    assert response.status_code == 400
    assert "given 2 times" in response.text


def test_update_by_get_is_refused(server):
    response = server.get("/sparql", params={"update": "CLEAR DEFAULT"})
    assert response.status_code == 405


def test_unsupported_content_type_is_a_415(server):
    response = server.post("/sparql", data="x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_post_without_query_is_a_400(server):
    assert server.post("/sparql", data={"other": "1"}).status_code == 400


def test_syntax_error_names_line_and_column(server):
    response = server.get("/sparql", params={"query": "SELECT * WHERE {\n ?s ?p \n}"})
    assert response.status_code == 400
    assert "line 3, column" in response.text
    assert "Traceback" not in response.text


def test_query_sent_as_update_is_a_400(server):
    response = server.post("/sparql", data={"update": STATES}, headers=server.auth)
    assert response.status_code == 400


def test_unacceptable_accept_is_a_406(server):
    response = server.get("/sparql", params={"query": STATES}, headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_q_values_choose_the_format(server):
    accept = "application/sparql-results+json;q=0.5, application/sparql-results+xml;q=0.9"
    response = server.get("/sparql", params={"query": STATES}, headers={"Accept": accept})
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")


def test_default_formats_without_accept(server):
    response = requests_get_without_accept(server, STATES)
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    response = requests_get_without_accept(server, "CONSTRUCT WHERE { ?s a <urn:x> }")
    assert response.headers["Content-Type"].startswith("text/turtle")


def requests_get_without_accept(server, query):

    session = requests.Session()
    session.headers.pop("Accept", None)
    return session.get(server.url + "/sparql", params={"query": query}, timeout=30)


def test_format_parameter_for_browsers(server):
    response = server.get(
        "/sparql", params={"query": STATES, "format": "tsv"}, headers={"Accept": "text/html"}
    )
    assert response.headers["Content-Type"].startswith("text/tab-separated-values")
    response = server.get("/sparql", params={"query": STATES, "format": "png"})
    assert response.status_code == 400


def test_html_results_escape_and_link(server):
    response = server.get("/sparql", params={"query": STATES}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert 'href="/id/Japan"' in response.text


def test_dataset_parameter_and_default_graph_uri(server):
    query = "ASK { <https://w3id.org/alliance-kg/id/United_States> <https://w3id.org/alliance-kg/ontology#alliedWith> ?x }"
    assert server.get("/sparql", params={"query": query}).json()["boolean"]
    assert server.get("/sparql", params={"query": query, "dataset": "inferred"}).json()["boolean"]
    assert not server.get("/sparql", params={"query": query, "dataset": "asserted"}).json()[
        "boolean"
    ]
    params = {"query": query, "default-graph-uri": "https://w3id.org/alliance-kg/graph/ontology"}
    assert not server.get("/sparql", params=params).json()["boolean"]
    assert server.get("/sparql", params={"query": query, "dataset": "nope"}).status_code == 400


def test_service_description_on_bare_get(server):
    response = server.get("/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, sd.endpoint, rdflib.URIRef(server.url + "/sparql")) in graph
    assert (None, sd.supportedLanguage, sd.SPARQL11Update) in graph


def test_query_page_works_offline(server):
    response = server.get("/")
    assert response.status_code == 200
    assert "<textarea" in response.text
    assert "http://" not in response.text.split("<body>")[0]
    assert "alliance-members" in response.text


def test_cors_for_reads_not_writes(server):
    response = server.get(
        "/sparql", params={"query": STATES}, headers={"Origin": "http://example.org"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests_options(server)
    assert preflight.status_code == 204
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    write = server.post(
        "/sparql",
        data={"update": "CLEAR SILENT GRAPH <urn:x>"},
        headers={"Origin": "http://example.org"},
    )
    assert "Access-Control-Allow-Origin" not in write.headers


def requests_options(server):

    return requests.options(
        server.url + "/sparql",
        headers={"Origin": "http://example.org", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
