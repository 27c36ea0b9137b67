"""Explanations: proofs down to the article's sentences, in text and JSON."""

from __future__ import annotations

import json

from graph.reasoning.explain import explain_triple
from graph.terms import parse_term
from tests.helpers import run_cli


def explain(store, s, p, o):
    return explain_triple(store, parse_term(s), parse_term(p), parse_term(o))


def leaves(proof):
    if proof.status == "asserted":
        return [proof]
    return [leaf for premise in proof.premises for leaf in leaves(premise)]


def test_an_asserted_triple_explains_as_its_claim_and_quote(store):
    proof = explain(store, "id:US_Japan_Security_Treaty", "akg:dateSigned", '"1960"^^xsd:gYear')
    assert proof.status == "asserted"
    (source,) = proof.sources
    assert source.claim
    assert source.quote.startswith("Many sources say that the US and Japan are planning")
    assert source.attributed_to.endswith("/id/Many_sources")
    assert source.modality == "reported"


def test_an_inferred_triple_explains_down_to_asserted_facts(store):
    proof = explain(store, "id:Japan", "akg:trilateralPartnerOf", "id:Philippines")
    assert proof.status == "inferred"
    assert proof.rule in ("prp-symp", "trilateral-partner-of")
    found = leaves(proof)
    assert found
    quotes = {s.quote for leaf in found for s in leaf.sources if s.claim}
    assert any("first trilateral summit" in q for q in quotes)


def test_a_rule_layer_triple_names_its_rule_file(store):
    proof = explain(store, "id:Philippines", "akg:trilateralPartnerOf", "id:Japan")
    rules = set()

    def walk(p):
        if p.rule:
            rules.add(p.origin)
        for q in p.premises:
            walk(q)

    walk(proof)
    assert "ontology/rules/trilateral-partner-of.rq" in rules


def test_a_triple_that_does_not_hold_says_so(store):
    proof = explain(store, "id:Japan", "akg:alliedWith", "id:Philippines")
    assert proof.status == "not-holding"
    assert "does not hold" in proof.to_text()


def test_explain_command_text_and_json(built):
    result = run_cli(
        "explain", "--store", built.root, "id:United_States", "akg:alliedWith", "id:Japan"
    )
    assert result.exit_code == 0
    assert "by rule" in result.stdout
    assert '"' in result.stdout and "claim" in result.stdout
    result = run_cli(
        "explain",
        "--store",
        built.root,
        "--format",
        "json",
        "id:United_States",
        "akg:alliedWith",
        "id:Japan",
    )
    data = json.loads(result.stdout)
    assert data["status"] == "inferred"
    assert data["premises"]
    assert data["triple"]["p"] == "<https://w3id.org/alliance-kg/ontology#alliedWith>"


def test_explain_with_a_bad_term_is_a_clear_error(built):
    result = run_cli("explain", "--store", built.root, "not an iri", "akg:alliedWith", "id:Japan")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: not a valid IRI")
