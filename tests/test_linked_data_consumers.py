"""Linked data as its consumers receive it, against the real server: validators and compression
as HTTP caches use them, every minted IRI dereferenced with its twins named, typed values where
clients expect types."""

from __future__ import annotations

import gzip
import json

import pytest
import requests

DOCUMENTS = [
    "/data/id/Japan.ttl",
    "/data/id/Japan.jsonld",
    "/page/id/Japan",
    "/dumps/all.ttl",
    "/dumps/asserted.nq.gz",
    "/.well-known/void",
    "/ontology",
    "/ontology.ttl",
    "/ontology/context.jsonld",
    "/api/openapi.json",
    "/timeline",
]
EVERY_STATE = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


def raw_get(server, path: str, **headers) -> requests.Response:
    """A GET that leaves the body as it came (requests would decode gzip)."""
    response = requests.get(server.url + path, headers=headers, timeout=30, stream=True)
    response.raw_body = response.raw.read(decode_content=False)
    return response


@pytest.mark.parametrize("path", DOCUMENTS)
def test_documents_carry_validators_and_answer_conditional_requests(server, path):
    first = server.get(path)
    assert first.status_code == 200, first.text
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "no-cache"
    again = server.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    assert server.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert server.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_the_same_bytes_have_the_same_etag_whatever_accept_chose_them(server):
    params = {"query": "SELECT ?s WHERE { ?s a akg:SovereignState } ORDER BY ?s"}
    answers = [
        server.get("/sparql", params=params, headers=headers)
        for headers in (
            {"Accept": "*/*"},
            {"Accept": "application/sparql-results+json"},
            {"Accept": ""},
            {"Accept": "application/sparql-results+json;q=0.9, text/plain;q=0.1"},
        )
    ]
    assert len({a.content for a in answers}) == 1
    assert len({a.headers["ETag"] for a in answers}) == 1
    as_csv = server.get("/sparql", params=params, headers={"Accept": "text/csv"})
    assert as_csv.headers["ETag"] != answers[0].headers["ETag"]
    turtle = [
        server.get("/data/id/Japan.ttl", headers={"Accept": accept}).headers["ETag"]
        for accept in ("*/*", "text/turtle", "")
    ]
    assert len(set(turtle)) == 1


def test_a_large_answer_is_gzipped_when_the_client_accepts_it(server):
    path = "/sparql?query=" + requests.utils.quote(EVERY_STATE)
    plain = raw_get(server, path, **{"Accept-Encoding": "identity"})
    zipped = raw_get(server, path, **{"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.raw_body) < len(plain.raw_body) / 4
    assert json.loads(gzip.decompress(zipped.raw_body)) == json.loads(plain.raw_body)
    refused = raw_get(server, path, **{"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


@pytest.mark.parametrize("path", ["/dumps/all.ttl", "/page/id/Japan", "/api/openapi.json"])
def test_documents_are_gzipped_and_revalidate_with_the_weak_etag(server, path):
    zipped = raw_get(server, path, **{"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["ETag"].startswith('W/"')
    plain = raw_get(server, path, **{"Accept-Encoding": "identity"})
    assert gzip.decompress(zipped.raw_body) == plain.raw_body
    revalidated = server.get(
        path, headers={"If-None-Match": zipped.headers["ETag"], "Accept-Encoding": "gzip"}
    )
    assert revalidated.status_code == 304


def test_a_gzip_file_is_not_encoded_again(server):
    response = raw_get(server, "/dumps/all.nq.gz", **{"Accept-Encoding": "gzip"})
    assert response.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in response.headers
    assert gzip.decompress(response.raw_body).startswith(b"<")


def test_a_write_gives_documents_a_new_last_modified_and_etag(server):
    before = server.get("/data/id/Philippines.ttl")
    stamp = "urn:alliance-kg:test-caching"
    update = f'INSERT DATA {{ id:Philippines rdfs:comment "{stamp}" }}'
    try:
        assert server.post("/sparql", data={"update": update}, headers=server.auth).ok
        after = server.get(
            "/data/id/Philippines.ttl", headers={"If-None-Match": before.headers["ETag"]}
        )
        assert after.status_code == 200 and stamp in after.text
        assert after.headers["ETag"] != before.headers["ETag"]
    finally:
        undo = f'DELETE DATA {{ id:Philippines rdfs:comment "{stamp}" }}'
        assert server.post("/sparql", data={"update": undo}, headers=server.auth).ok


SOURCE = "source/strategic-alliance-2024-04-13"
CLAIM = "claim/strategic-alliance-2024-04-13/toyota-factory-visit"
FIELD = "field/Security"


@pytest.mark.parametrize("path", [SOURCE, CLAIM, FIELD, "id/Japan"])
def test_every_minted_iri_dereferences_to_a_page_and_rdf(server, path):
    import rdflib

    for accept, target in (("text/html", f"/page/{path}"), ("text/turtle", f"/data/{path}.ttl")):
        redirect = server.get(f"/{path}", headers={"Accept": accept}, allow_redirects=False)
        assert redirect.status_code == 303 and redirect.headers["Location"].endswith(target)
        assert "Accept" in redirect.headers["Vary"]
    page = server.get(f"/page/{path}")
    assert page.status_code == 200
    links = requests.utils.parse_header_links(page.headers["Link"])
    assert {link["type"] for link in links} == {
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
    }
    assert f'<link rel="alternate" type="text/turtle" href="/data/{path}.ttl"' in page.text
    document = server.get(f"/data/{path}.ttl")
    assert f'</page/{path}>; rel="alternate"; type="text/html"' == document.headers["Link"]
    graph = rdflib.Graph().parse(data=document.text, format="turtle")
    assert (rdflib.URIRef(f"https://w3id.org/alliance-kg/{path}"), None, None) in graph


def test_a_claim_document_holds_its_triples_quote_attribution_and_modality(server):
    import rdflib

    graph = rdflib.Graph().parse(data=server.get(f"/data/{CLAIM}.ttl").text, format="turtle")
    akg = rdflib.Namespace("https://w3id.org/alliance-kg/ontology#")
    ids = rdflib.Namespace("https://w3id.org/alliance-kg/id/")
    claim = rdflib.URIRef(f"https://w3id.org/alliance-kg/{CLAIM}")
    assert "Toyota Motor Corp factory" in str(graph.value(claim, akg.quote))
    assert graph.value(claim, akg.attributedTo) == ids.Sources_familiar_with_the_matter
    assert graph.value(claim, akg.modality) is not None
    assert (ids.Kishida_visit_to_the_Toyota_factory, akg.site, None) in graph
    page = server.get(f"/page/{CLAIM}").text
    assert "Triples of this claim" in page


def test_pages_link_the_sources_and_claims_they_cite_on_this_server(server):
    page = server.get("/page/id/Japan").text
    assert f'href="/{SOURCE}"' in page
    assert "https://w3id.org/alliance-kg/source/" not in page.split("<code>")[0]
    assert server.get("/source/nothing-here").status_code == 404


def test_the_ordinal_keeps_the_datatype_its_range_declares(server):
    query = """SELECT ?value ?range WHERE {
        id:US_Japan_Philippines_trilateral_summit_2024 akg:ordinal ?value .
        akg:ordinal rdfs:range ?range }"""
    (row,) = server.get("/sparql", params={"query": query}).json()["results"]["bindings"]
    assert row["value"]["datatype"] == row["range"]["value"] == XSD_INTEGER
    dump = server.get("/dumps/asserted.nq").text
    assert f'"1"^^<{XSD_INTEGER}>' in dump


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def test_rows_give_json_numbers_for_numeric_literals_and_strings_otherwise(server):
    (deal,) = server.get("/api/queries/acquisitions", params={"format": "rows"}).json()
    assert deal["amount"] == 14_100_000_000 and isinstance(deal["amount"], float)
    assert deal["currency"] == "USD"
    assert deal["deal"].startswith("https://w3id.org/alliance-kg/id/")
    path = "/api/queries/fact-source"
    params = {"s": "id:US_Japan_Philippines_trilateral_summit_2024", "p": "akg:ordinal"}
    rows = server.get(path, params={**params, "format": "rows"}).json()
    assert rows and all(r["object"] == 1 for r in rows)
    bindings = server.get(path, params={**params, "format": "json"}).json()["results"]["bindings"]
    assert {b["object"]["value"] for b in bindings} == {"1"}  # the lexical form stays there


def _void(server):
    import rdflib

    text = server.get("/.well-known/void", headers={"Accept": "text/turtle"}).text
    return rdflib.Graph().parse(data=text, format="turtle"), rdflib.Namespace(
        "http://rdfs.org/ns/void#"
    )


def _triples_of(server, selection: str) -> set:
    import rdflib

    dataset = rdflib.Dataset()
    dataset.parse(data=server.get(f"/dumps/{selection}.nq").text, format="nquads")
    return {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}


def test_void_counts_distinct_triples_and_describes_each_part_with_its_dump(server):
    graph, void = _void(server)
    dataset = rdflib_uri(server.url + "/.well-known/void#dataset")
    assert int(graph.value(dataset, void.triples)) == len(_triples_of(server, "all"))
    subsets = set(graph.objects(dataset, void.subset))
    assert {str(s).rsplit("#", 1)[1] for s in subsets} == {"asserted", "inferred", "ontology"}
    for subset in subsets:
        selection = str(subset).rsplit("#", 1)[1]
        assert int(graph.value(subset, void.triples)) == len(_triples_of(server, selection))
        dumps = {str(d) for d in graph.objects(subset, void.dataDump)}
        assert f"{server.url}/dumps/{selection}.nq" in dumps
    assert "ontology" in str(
        graph.value(
            rdflib_uri(f"{server.url}/.well-known/void#asserted"),
            rdflib_uri("http://purl.org/dc/terms/description"),
        )
    )


def test_void_partitions_count_each_class_and_property(server):
    graph, void = _void(server)
    dataset = rdflib_uri(server.url + "/.well-known/void#dataset")
    states = server.get(
        "/sparql",
        params={"query": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a akg:SovereignState }"},
    ).json()["results"]["bindings"][0]["n"]["value"]
    by_class = {
        graph.value(p, void["class"]): int(graph.value(p, void.entities))
        for p in graph.objects(dataset, void.classPartition)
    }
    assert by_class[rdflib_uri(AKG + "SovereignState")] == int(states)
    by_property = {
        graph.value(p, void.property): int(graph.value(p, void.triples))
        for p in graph.objects(dataset, void.propertyPartition)
    }
    assert sum(by_property.values()) == int(graph.value(dataset, void.triples))
    assert int(graph.value(dataset, void.entities)) > 50
    assert int(graph.value(dataset, void.distinctObjects)) > 0


def test_the_asserted_dump_validates_with_the_ontology_dump(server):
    """As the dumps page and VoID say: the shapes need the ontology's class hierarchy."""
    import pyshacl
    import rdflib

    from ontology import SHAPES_FILE

    shapes = rdflib.Graph().parse(SHAPES_FILE)
    facts = rdflib.Graph()
    for selection in ("asserted", "ontology"):
        facts.parse(data=server.get(f"/dumps/{selection}.ttl").text, format="turtle")
    conforms, _, report = pyshacl.validate(facts, shacl_graph=shapes)
    assert conforms, report
    assert "validate this part together with the ontology part" in server.get("/dumps/").text


AKG = "https://w3id.org/alliance-kg/ontology#"


def rdflib_uri(value: str):
    import rdflib

    return rdflib.URIRef(value)


def test_hand_written_json_ld_reads_individuals_as_the_ontology_s_own(server):
    from pyld import jsonld

    context = server.get("/ontology/context.jsonld").json()["@context"]
    document = {"@context": context, "@id": "id:Some_initiative", "status": "Planned",
                "modality": "akg:Reported", "alliedWith": "id:Japan"}  # fmt: skip
    (node,) = jsonld.expand(document)
    assert node[AKG + "status"] == [{"@id": AKG + "Planned"}]
    assert node[AKG + "modality"] == [{"@id": AKG + "Reported"}]
    assert node[AKG + "alliedWith"] == [{"@id": "https://w3id.org/alliance-kg/id/Japan"}]


def test_json_ld_documents_are_compacted_framable_and_exact_under_urdna2015(server):
    from pyld import jsonld

    document = server.get("/data/id/Japan.jsonld").json()
    assert "@context" in document
    japan = next(n for n in document["@graph"] if n["@id"] == "id:Japan")
    assert "SovereignState" in japan["@type"]
    framed = jsonld.frame(document, {"@context": document["@context"], "@type": "SovereignState"})
    found = framed.get("@graph", [framed])  # one match is framed as the top object
    assert [n["@id"] for n in found] == ["id:Japan"]
    options = {"algorithm": "URDNA2015", "format": "application/n-quads"}
    from_json_ld = jsonld.normalize(document, options)
    as_n_triples = jsonld.from_rdf(
        server.get("/data/id/Japan.nt").text, {"format": "application/n-quads"}
    )
    assert from_json_ld == jsonld.normalize(as_n_triples, options)


def test_the_json_ld_dump_keeps_named_graphs_and_compacts_with_the_context(server):
    from pyld import jsonld

    dump = server.get("/dumps/asserted.jsonld").json()
    assert dump["@context"] == server.get("/ontology/context.jsonld").json()["@context"]
    options = {"algorithm": "URDNA2015", "format": "application/n-quads"}
    from_nquads = jsonld.from_rdf(
        server.get("/dumps/asserted.nq").text, {"format": "application/n-quads"}
    )
    assert jsonld.normalize(dump, options) == jsonld.normalize(from_nquads, options)


def test_paging_links_name_the_path_asked_even_from_the_cache(server):
    by_path = "/api/queries/claims-by-attribution/rows"
    by_format = "/api/queries/claims-by-attribution?format=rows"
    for _ in range(2):  # the second round is served from the answer cache
        assert f"{by_path}?page=2" in server.get(by_path).headers["Link"]
        link = server.get(by_format).headers["Link"]
        assert "/rows?" not in link and "format=rows" in link
    assert server.get(by_path, headers={"Accept": "text/csv"}).json()
    assert server.get("/api/queries/claims-by-attribution/csv").text.startswith("claim,")
