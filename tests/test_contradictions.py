"""Contradictions: `alliance-kg check`, writes that would add one refused (CLI and HTTP 409) or,
with --allow-inconsistent, applied and listed on /contradictions and by the saved query; the
kinds of contradiction found equal owlrl's error messages on random graphs."""

from __future__ import annotations

import json
import shutil

import owlrl
import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.reasoning.consistency import violations
from graph.reasoning.sparql_engine import Reasoner
from ontology import INFERRED_GRAPH
from tests.conftest import start_server, stop_server
from tests.helpers import run_cli

SELF_ALLIANCE = "INSERT DATA { id:Japan akg:alliedWith id:Japan }"
ASK_SELF_ALLIANCE = "ASK { GRAPH ?g { id:Japan akg:alliedWith id:Japan } }"
TWO_DATES = 'INSERT DATA { id:Japan akg:startDate "2024-04-10"^^xsd:date, "2024-04-11"^^xsd:date }'


@pytest.fixture
def store_copy(built, tmp_path):
    target = tmp_path / "store"
    shutil.copytree(built.root, target)
    return target


def test_the_article_graph_is_consistent(store_copy):
    result = run_cli("check", "--store", store_copy)
    assert result.exit_code == 0, result.stderr
    assert "consistent: no contradictions" in result.stderr


def test_an_update_that_adds_a_contradiction_is_refused_and_changes_nothing(store_copy):
    result = run_cli("update", "--store", store_copy, "--sparql", SELF_ALLIANCE)
    assert result.exit_code == 1
    assert "would add 1 contradiction" in result.stderr
    assert "prp-irp: an irreflexive property relates a resource to itself" in result.stderr
    asked = run_cli("query", "--store", store_copy, "--sparql", ASK_SELF_ALLIANCE)
    assert asked.stdout.strip().lower().endswith("false"), asked.stdout


def test_two_dates_under_a_functional_property_are_refused(store_copy):
    result = run_cli("update", "--store", store_copy, "--sparql", TWO_DATES)
    assert result.exit_code == 1
    assert "prp-fp: a functional property gives one resource two different values" in result.stderr


def test_allowed_contradictions_are_listed_with_their_sources(store_copy):
    result = run_cli(
        "update", "--store", store_copy, "--allow-inconsistent", "--sparql", SELF_ALLIANCE
    )
    assert result.exit_code == 0, result.stderr
    checked = run_cli("check", "--store", store_copy, "--format", "json")
    assert checked.exit_code == 1
    (found,) = json.loads(checked.stdout)
    assert found["rule"] == "prp-irp"
    texts = [t["text"] for t in found["triples"]]
    assert "id:Japan akg:alliedWith id:Japan" in texts
    graphs = {s["graph"] for proof in found["proofs"] for s in proof.get("sources", [])}
    assert "https://w3id.org/alliance-kg/graph/updates" in graphs
    rows = run_cli("query", "contradictions", "--store", store_copy, "--format", "json")
    assert "an irreflexive relation to itself" in rows.stdout


def test_a_contradiction_between_claims_cites_both_quotes(store_copy, article):
    """Two claims of a source that disagree: each side's quote and source are listed."""
    claims = sorted({q.graph_name.value for q in article.quads() if "/claim/" in str(q.graph_name)})
    first, second = claims[0], claims[1]
    update = (
        f"INSERT DATA {{ GRAPH <{first}> {{ id:Japan akg:ordinal 1 }} "
        f"GRAPH <{second}> {{ id:Japan akg:ordinal 2 }} }}"
    )
    result = run_cli("update", "--store", store_copy, "--allow-inconsistent", "--sparql", update)
    assert result.exit_code == 0, result.stderr
    answer = json.loads(
        run_cli("query", "contradictions", "--store", store_copy, "--format", "json").stdout
    )
    rows = [{k: v["value"] for k, v in b.items()} for b in answer["results"]["bindings"]]
    # (The literal equality prp-fp derives also copies the summit's ordinal 1 as 2: that is
    # a second contradiction, between a claim and an inference.)
    (row,) = [
        r
        for r in rows
        if r["subject"].endswith("/id/Japan") and (r["value1"], r.get("value2")) == ("1", "2")
    ]
    assert all(row.get(k) for k in ("quote1", "quote2", "source1", "source2")), row
    checked = run_cli("check", "--store", store_copy)
    assert checked.exit_code == 1
    assert row["quote1"] in checked.stdout and row["quote2"] in checked.stdout


def _ask(server, text: str) -> bool:
    response = server.get(
        "/sparql", params={"query": text}, headers={"Accept": "application/sparql-results+json"}
    )
    return response.json()["boolean"]


SELF_ALLIANCE_IRIS = (
    "ASK { GRAPH ?g { <https://w3id.org/alliance-kg/id/Japan> "
    "<https://w3id.org/alliance-kg/ontology#alliedWith> <https://w3id.org/alliance-kg/id/Japan> } }"
)


def test_the_endpoint_refuses_a_contradicting_write_with_409(server):
    assert _ask(server, SELF_ALLIANCE_IRIS) is False
    response = server.post("/sparql", data={"update": SELF_ALLIANCE}, headers=server.auth)
    assert response.status_code == 409, response.text
    assert "prp-irp" in response.text and "id:Japan akg:alliedWith id:Japan" in response.text
    assert _ask(server, SELF_ALLIANCE_IRIS) is False
    assert server.get("/contradictions").json() == []


@pytest.mark.own_server
def test_a_server_allowing_contradictions_records_and_lists_them(tmp_path, built):
    server = start_server(tmp_path, built, "--allow-inconsistent")
    try:
        response = server.post("/sparql", data={"update": SELF_ALLIANCE}, headers=server.auth)
        assert response.status_code == 204, response.text
        (found,) = server.get("/contradictions").json()
        assert found["rule"] == "prp-irp"
        page = server.get("/contradictions", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert "an irreflexive property relates a resource to itself" in page.text
        assert "id:Japan akg:alliedWith id:Japan" in page.text
    finally:
        stop_server(server)


# ------------------------------------------------------------------------- against owlrl

EX = "urn:test:"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
PEOPLE = [ox.NamedNode(f"{EX}i{i}") for i in range(4)]
PROPERTIES = [ox.NamedNode(f"{EX}p{i}") for i in range(3)]
CLASSES = [ox.NamedNode(f"{EX}C{i}") for i in range(3)]
person, prop, cls = st.sampled_from(PEOPLE), st.sampled_from(PROPERTIES), st.sampled_from(CLASSES)


def _owl(name: str) -> ox.NamedNode:
    return ox.NamedNode(OWL + name)


def _kind(name: str):
    return st.builds(lambda p: ox.Triple(p, RDF_TYPE, _owl(name)), prop)


def _between(first, predicate: str, second):
    return st.builds(lambda a, b: ox.Triple(a, _owl(predicate), b), first, second)


violating_triples = st.lists(
    st.one_of(
        _kind("IrreflexiveProperty"),
        _kind("AsymmetricProperty"),
        _between(prop, "propertyDisjointWith", prop),
        _between(cls, "disjointWith", cls),
        _between(cls, "complementOf", cls),
        _between(person, "differentFrom", person),
        _between(person, "sameAs", person),
        st.builds(lambda a, b: ox.Triple(a, SUBCLASS, b), cls, cls),
        st.builds(ox.Triple, person, prop, person),
        st.builds(ox.Triple, person, prop, person),
        st.builds(lambda s, c: ox.Triple(s, RDF_TYPE, c), person, cls),
        st.builds(lambda s, c: ox.Triple(s, RDF_TYPE, c), person, cls),
    ),
    min_size=1,
    max_size=10,
    unique=True,
)

#: owlrl's error messages, by the start of their text, and the rules that report the same.
OWLRL_KINDS = {
    "'sameAs' and 'differentFrom'": "eq-diff",
    "Irreflexive property": "prp-irp",
    "Erroneous usage of asymmetric": "prp-asyp",
    "Erroneous usage of disjoint properties": "prp-pdw",
    "is defined of type 'Nothing'": "cls-nothing2",
    "Violation of complementarity": "cls-com",
    "Disjoint classes": "cax-dw",
}
RULE_KINDS = {"eq-diff1": "eq-diff", "cax-adc": "cax-dw"}


def owlrl_kinds(triples: list[ox.Triple]) -> set[str]:
    graph = rdflib.Graph().parse(
        data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt"
    )
    engine = owlrl.OWLRL_Semantics(graph, False, False, False)
    engine.closure()
    kinds = set()
    for message in engine.error_messages:
        kinds |= {kind for start, kind in OWLRL_KINDS.items() if start in message}
    return kinds


def engine_kinds(triples: list[ox.Triple]) -> set[str]:
    store = ox.Store()
    home = ox.NamedNode(EX + "data")
    store.extend(ox.Quad(t.subject, t.predicate, t.object, home) for t in triples)
    Reasoner(store, [home.value], INFERRED_GRAPH, layer_rules=[]).materialise()
    found = violations(store, [home.value], explain=False)
    return {RULE_KINDS.get(v.rule, v.rule) for v in found}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(violating_triples)
def test_the_contradictions_found_are_the_ones_owlrl_reports(triples):
    assert engine_kinds(triples) == owlrl_kinds(triples)
