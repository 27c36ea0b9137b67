"""What a query, an update or an upload means over HTTP: its own FROM, relative IRIs, how deep
it may nest, the Graph Store's default graph, the graphs the server names, uploads."""

from __future__ import annotations

import requests

from graph.sparql_text import MAX_NESTING

LINKS = "https://w3id.org/alliance-kg/graph/links"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_from_in_the_query_sets_its_dataset(server):
    by_parameter = count(server.get("/sparql", params={"query": COUNT, "default-graph-uri": LINKS}))
    from_query = COUNT.replace(" WHERE", f" FROM <{LINKS}> WHERE")
    assert count(server.get("/sparql", params={"query": from_query})) == by_parameter
    assert by_parameter < count(server.get("/sparql", params={"query": COUNT}))
    # The protocol's parameters, when given, override the query's own clause.
    other = "https://w3id.org/alliance-kg/graph/ontology"
    overridden = server.get("/sparql", params={"query": from_query, "default-graph-uri": other})
    assert count(overridden) > by_parameter
    named = f"SELECT (COUNT(DISTINCT ?g) AS ?n) FROM NAMED <{LINKS}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert count(server.get("/sparql", params={"query": named})) == 1


def test_relative_iris_resolve_against_the_request_url(server):
    construct = "CONSTRUCT { <s> <p> 1 } WHERE {}"
    response = server.get(
        "/sparql", params={"query": construct}, headers={"Accept": "application/n-triples"}
    )
    assert response.status_code == 200, response.text
    assert f"<{server.url}/s> <{server.url}/p>" in response.text
    update = "INSERT DATA { GRAPH <urn:test:base> { <relative-s> <urn:test:p> <urn:test:o> } }"
    assert server.post("/sparql", data={"update": update}, headers=server.auth).status_code == 204
    ask = f"ASK {{ GRAPH <urn:test:base> {{ <{server.url}/relative-s> ?p ?o }} }}"
    assert server.get("/sparql", params={"query": ask}).json()["boolean"]
    # A BASE of the update's own still wins.
    own = (
        "BASE <http://example.org/b/> INSERT DATA { GRAPH <urn:test:base> { <x> <urn:test:p> 1 } }"
    )
    assert server.post("/sparql", data={"update": own}, headers=server.auth).status_code == 204
    ask = "ASK { GRAPH <urn:test:base> { <http://example.org/b/x> ?p ?o } }"
    assert server.get("/sparql", params={"query": ask}).json()["boolean"]


def test_deeply_nested_queries_and_updates_are_a_400_and_the_server_lives_on(server):
    depth = 400
    query = "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth
    response = server.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert f"{depth} levels deep" in response.text and str(MAX_NESTING) in response.text
    update = "INSERT { <urn:a> <urn:b> <urn:c> } WHERE " + "{" * depth + "}" * depth
    response = server.post("/sparql", data={"update": update}, headers=server.auth)
    assert response.status_code == 400
    fine = "SELECT * WHERE " + "{" * (MAX_NESTING - 1) + " ?s ?p ?o " + "}" * (MAX_NESTING - 1)
    assert server.get("/sparql", params={"query": fine + " LIMIT 1"}).status_code == 200
    assert server.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_the_graph_store_default_graph_reads_what_it_writes(server):
    turtle = "<urn:test:default-s> <urn:test:p> <urn:test:o> ."
    headers = {**server.auth, "Content-Type": "text/turtle"}
    put = requests.put(f"{server.url}/store?default", data=turtle, headers=headers, timeout=30)
    assert put.status_code in (201, 204)
    got = server.get("/store?default", headers={"Accept": "application/n-triples"})
    assert got.text.strip() == "<urn:test:default-s> <urn:test:p> <urn:test:o> ."
    delete = requests.delete(f"{server.url}/store?default", headers=server.auth, timeout=30)
    assert delete.status_code == 204
    assert server.get("/store?default", headers={"Accept": "application/n-triples"}).text == ""


def test_a_multipart_file_without_a_type_is_read_by_its_name(server):
    graph = "urn:test:untyped"
    files = {"f": ("facts.nt", b"<urn:test:u> <urn:test:p> <urn:test:o> .\n")}  # no type
    response = requests.post(
        f"{server.url}/store", params={"graph": graph}, files=files, headers=server.auth, timeout=30
    )
    assert response.status_code == 201, response.text
    unknown = {"f": ("facts.xyz", b"whatever")}
    response = requests.post(
        f"{server.url}/store",
        params={"graph": graph},
        files=unknown,
        headers=server.auth,
        timeout=30,
    )
    assert response.status_code == 415 and "facts.xyz" in response.text


def test_datasets_are_taken_where_the_protocol_allows(server):
    trig = "<urn:test:ds1> { <urn:test:d> <urn:test:p> 1 } <urn:test:ds2> { <urn:test:d> <urn:test:p> 2 }"
    headers = {**server.auth, "Content-Type": "application/trig"}
    response = requests.post(f"{server.url}/store", data=trig, headers=headers, timeout=30)
    assert response.status_code == 204, response.text
    ask = "ASK { GRAPH <urn:test:ds1> { ?s ?p 1 } GRAPH <urn:test:ds2> { ?s ?p 2 } }"
    assert server.get("/sparql", params={"query": ask}).json()["boolean"]
    into_one = requests.put(
        f"{server.url}/store?graph=urn:test:one", data=trig, headers=headers, timeout=30
    )
    assert into_one.status_code == 400 and "named graphs" in into_one.text
    quads = "<urn:test:q> <urn:test:p> <urn:test:o> .\n"  # N-Quads with only default triples
    nq = {**server.auth, "Content-Type": "application/n-quads"}
    put = requests.put(f"{server.url}/store?graph=urn:test:nq", data=quads, headers=nq, timeout=30)
    assert put.status_code == 201


def test_no_content_has_no_content_type(server):
    update = "INSERT DATA { GRAPH <urn:test:204> { <urn:a> <urn:b> <urn:c> } }"
    response = server.post("/sparql", data={"update": update}, headers=server.auth)
    assert response.status_code == 204
    assert "Content-Type" not in response.headers


def test_a_multipart_post_to_the_store_itself_makes_a_new_graph(server):
    files = {"f": ("facts.ttl", b"<urn:test:mp> <urn:test:p> <urn:test:o> .", "text/turtle")}
    response = requests.post(f"{server.url}/store", files=files, headers=server.auth, timeout=30)
    assert response.status_code == 201, response.text
    assert response.headers["Location"].startswith("https://w3id.org/alliance-kg/graphs/")
