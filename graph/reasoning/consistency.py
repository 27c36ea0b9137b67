"""Contradictions: the OWL 2 RL rules whose conclusion is false, checked over the closure.

OWL 2 RL says a graph is inconsistent when one of these patterns matches (its tables 4-9: eq-diff1-3,
prp-irp, prp-asyp, prp-pdw, prp-adp, prp-npa1-2, cls-nothing2, cls-com, cls-maxc1, cls-maxqc1-2,
cax-dw, cax-adc), when a literal is not a value of its datatype (dt-not-type), and when a
functional property (or a maximum cardinality of one) gives one subject two different data
values, which no owl:sameAs can make equal. Each match is a `Violation`: the rule, what it means,
the triples that match, and for each of them its proof down to the claims, quotes and sources
that assert it (see `explain`): for a graph built from many sources, this is where they disagree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib

from graph.reasoning.rules import LIST_MEMBER, PROLOGUE, XSD, Pattern, constant_term
from graph.terms import compact
from ontology import INFERRED_GRAPH

#: How many violations of one rule are reported at most (a broken axiom can match everything).
PER_RULE = 200


@dataclass(frozen=True)
class Constraint:
    """A pattern that must never match: premises (triple patterns, RDF list paths) and filters."""

    name: str
    meaning: str
    premises: tuple[Pattern, ...]
    filters: str = ""


def _c(name: str, meaning: str, premises: list[str], filters: str = "") -> Constraint:
    return Constraint(name, meaning, tuple(Pattern.read(p) for p in premises), filters)


LM = LIST_MEMBER
DIFFERENT = "FILTER (!sameTerm(?y1, ?y2))"
#: Two data values that are not the same value (values of unrelated datatypes never are).
DIFFERENT_VALUES = (
    "FILTER (isLiteral(?y1) && isLiteral(?y2) && !sameTerm(?y1, ?y2) && COALESCE(?y1 != ?y2, true))"
)

CONSTRAINTS: tuple[Constraint, ...] = (
    _c("eq-diff1", "a resource is said to be both the same as and different from another",
       ["?x owl:sameAs ?y", "?x owl:differentFrom ?y"]),
    # Every resource is the same as itself (eq-ref; the vacuous x owl:sameAs x is not stored).
    _c("eq-diff1", "a resource is said to be different from itself", ["?x owl:differentFrom ?x"]),
    _c("eq-diff2", "two members of an owl:AllDifferent are the same",
       ["?d a owl:AllDifferent", "?d owl:members ?list", f"?list {LM} ?y1", f"?list {LM} ?y2", "?y1 owl:sameAs ?y2"],
       DIFFERENT),
    _c("eq-diff3", "two distinct members of an owl:AllDifferent are the same",
       ["?d a owl:AllDifferent", "?d owl:distinctMembers ?list", f"?list {LM} ?y1", f"?list {LM} ?y2",
        "?y1 owl:sameAs ?y2"], DIFFERENT),
    _c("prp-irp", "an irreflexive property relates a resource to itself",
       ["?p a owl:IrreflexiveProperty", "?x ?p ?x"]),
    _c("prp-asyp", "an asymmetric property holds in both directions",
       ["?p a owl:AsymmetricProperty", "?x ?p ?y", "?y ?p ?x"]),
    _c("prp-pdw", "two disjoint properties relate the same pair",
       ["?p1 owl:propertyDisjointWith ?p2", "?x ?p1 ?y", "?x ?p2 ?y"]),
    _c("prp-adp", "two properties of an owl:AllDisjointProperties relate the same pair",
       ["?d a owl:AllDisjointProperties", "?d owl:members ?list", f"?list {LM} ?p1", f"?list {LM} ?p2",
        "?x ?p1 ?y", "?x ?p2 ?y"], "FILTER (!sameTerm(?p1, ?p2))"),
    _c("prp-npa1", "a negative property assertion holds",
       ["?n owl:sourceIndividual ?x", "?n owl:assertionProperty ?p", "?n owl:targetIndividual ?y", "?x ?p ?y"]),
    _c("prp-npa2", "a negative property assertion holds",
       ["?n owl:sourceIndividual ?x", "?n owl:assertionProperty ?p", "?n owl:targetValue ?y", "?x ?p ?y"]),
    _c("cls-nothing2", "a resource is an instance of owl:Nothing", ["?x a owl:Nothing"]),
    _c("cls-com", "a resource is an instance of a class and of its complement",
       ["?c1 owl:complementOf ?c2", "?x a ?c1", "?x a ?c2"]),
    _c("cls-maxc1", "a resource has a value for a property it may have none of",
       ["?r owl:maxCardinality ?n", "?r owl:onProperty ?p", "?x a ?r", "?x ?p ?y"], "FILTER (?n = 0)"),
    _c("cls-maxqc1", "a resource has a value of a class it may have none of",
       ["?r owl:maxQualifiedCardinality ?n", "?r owl:onProperty ?p", "?r owl:onClass ?c", "?x a ?r",
        "?x ?p ?y", "?y a ?c"], "FILTER (?n = 0)"),
    _c("cls-maxqc2", "a resource has a value for a property it may have none of",
       ["?r owl:maxQualifiedCardinality ?n", "?r owl:onProperty ?p", "?r owl:onClass owl:Thing",
        "?x a ?r", "?x ?p ?y"], "FILTER (?n = 0)"),
    _c("cax-dw", "a resource is an instance of two disjoint classes",
       ["?c1 owl:disjointWith ?c2", "?x a ?c1", "?x a ?c2"]),
    _c("cax-adc", "a resource is an instance of two classes of an owl:AllDisjointClasses",
       ["?d a owl:AllDisjointClasses", "?d owl:members ?list", f"?list {LM} ?c1", f"?list {LM} ?c2",
        "?x a ?c1", "?x a ?c2"], "FILTER (!sameTerm(?c1, ?c2))"),
    _c("prp-fp", "a functional property gives one resource two different values",
       ["?p a owl:FunctionalProperty", "?x ?p ?y1", "?x ?p ?y2"],
       DIFFERENT_VALUES + " FILTER (STR(?y1) < STR(?y2) || (STR(?y1) = STR(?y2) && STR(DATATYPE(?y1)) < STR(DATATYPE(?y2))))"),
    _c("cls-maxc2", "a resource has two different values for a property it has at most one of",
       ["?r owl:maxCardinality ?n", "?r owl:onProperty ?p", "?x a ?r", "?x ?p ?y1", "?x ?p ?y2"],
       "FILTER (?n = 1) " + DIFFERENT_VALUES + " FILTER (STR(?y1) < STR(?y2))"),
)  # fmt: skip


@dataclass
class Violation:
    """One contradiction: the rule, what it means, and the triples that match, each with its
    proof (asserted: its claims, quotes and sources; inferred: the rules down to them)."""

    rule: str
    meaning: str
    triples: list[tuple]
    proofs: list = field(default_factory=list)

    def key(self) -> tuple:
        return (self.rule, tuple(tuple(str(t) for t in triple) for triple in self.triples))

    def to_json(self) -> dict:
        return {
            "rule": self.rule,
            "meaning": self.meaning,
            "triples": [
                {"s": str(s), "p": str(p), "o": str(o), "text": _text((s, p, o))}
                for s, p, o in self.triples
            ],
            "proofs": [proof.to_json() for proof in self.proofs],
        }

    def to_text(self) -> str:
        lines = [f"{self.rule}: {self.meaning}"]
        for proof in self.proofs:
            lines.append(proof.to_text("  "))
        return "\n".join(lines)


def _text(triple: tuple) -> str:
    return " ".join(compact(term) for term in triple)


def violations(store: ox.Store, premise_graphs: list[str], explain: bool = True) -> list[Violation]:
    """Every contradiction in the premise graphs and the inferred graph of `store`, each with
    the proofs of its triples (unless `explain` is false)."""
    graphs = [ox.NamedNode(g) for g in dict.fromkeys([*premise_graphs, INFERRED_GRAPH])]
    found: list[Violation] = []
    for constraint in CONSTRAINTS:
        found += _matches(store, graphs, constraint)
    found += _ill_typed(store, graphs)
    if explain and found:
        from graph.reasoning.explain import Explainer, rules_of

        explainer = Explainer(store, premise_graphs, rules_of(store, premise_graphs))
        for violation in found:
            violation.proofs = [explainer.explain(*triple) for triple in violation.triples]
    return found


def _matches(store: ox.Store, graphs: list, constraint: Constraint) -> list[Violation]:
    body = " .\n  ".join(p.text for p in constraint.premises)
    query = f"{PROLOGUE}SELECT * WHERE {{\n  {body}\n  {constraint.filters}\n}} LIMIT {PER_RULE}"
    found = []
    results = store.query(query, default_graph=graphs)
    names = [v.value for v in results.variables]
    for row in results:
        binding = {f"?{name}": row[name] for name in names if row[name] is not None}
        triples = [
            tuple(binding[t] if t.startswith("?") else constant_term(t) for t in p.triple())
            for p in constraint.premises
            if not p.list_path
        ]
        found.append(Violation(constraint.name, constraint.meaning, triples))
    return found


def _ill_typed(store: ox.Store, graphs: list) -> list[Violation]:
    """Literals whose lexical form is not a value of their XSD datatype (dt-not-type)."""
    query = f"""SELECT ?s ?p ?o WHERE {{ ?s ?p ?o
      FILTER (isLiteral(?o) && STRSTARTS(STR(DATATYPE(?o)), "{XSD}")) }}"""
    found = []
    quiet = logging.getLogger("rdflib.term")
    level, quiet.level = quiet.level, logging.CRITICAL  # rdflib logs every ill-typed literal
    try:
        rows = [row for row in store.query(query, default_graph=graphs) if _ill(row["o"])]
    finally:
        quiet.level = level
    for row in rows[:PER_RULE]:
        literal = row["o"]
        meaning = f"{literal.value!r} is not a value of {compact(literal.datatype)}"
        found.append(Violation("dt-not-type", meaning, [(row["s"], row["p"], literal)]))
    return found


def _ill(literal: ox.Literal) -> bool:
    return bool(rdflib.Literal(literal.value, datatype=literal.datatype.value).ill_typed)


def new_violations(before: list[Violation], after: list[Violation]) -> list[Violation]:
    """The violations of `after` that `before` did not have."""
    known = {v.key() for v in before}
    return [v for v in after if v.key() not in known]
