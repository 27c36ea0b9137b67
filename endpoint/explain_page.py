"""The explanation of a triple as a page: the proof as a tree, each step naming its rule (linked to
what the rule says, on /rules), each term linked to its page, each asserted fact with its claim,
quote and source (a quote shown once, however often the proof rests on it). And /rules: every
rule the reasoner applies, as premises and head."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox
from flask import Blueprint, Response

from endpoint.pages import render, rule_anchor, shown_term
from graph.reasoning.rules import OWL_RL_ORIGIN, OWL_RL_RULES
from graph.terms import display
from ontology import RULES_DIR

bp = Blueprint("explain_page", __name__)

#: The OWL 2 RL rules written out per axiom of the ontology (graph/reasoning/rules.py), with what
#: each copy says.
COMPILED = {
    "prp-spo2": "a property chain: if x p1 y1, y1 p2 y2, ... then x p y, one rule per chain",
    "prp-key": "a key: two members of a class with the same values of its key properties are "
    "the same (owl:sameAs), one rule per key",
    "cls-int1": "an intersection: a member of every class of it is a member of the class, one "
    "rule per intersection",
}

SPEC = "https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules"


def _term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return shown_term(term)
    return {"text": display(term), "href": None}


def proof_view(proof) -> dict:
    """The proof as nested plain data; a claim's quote kept only where it first appears."""
    quoted: set[str] = set()

    def step(node) -> dict:
        view = {
            "s": _term(node.subject),
            "p": _term(node.predicate),
            "o": _term(node.object),
            "status": node.status,
            "rule": None,
            "premises": [],
            "sources": [],
        }
        if node.rule:
            origin = node.origin or OWL_RL_ORIGIN
            anchor = node.rule if origin == OWL_RL_ORIGIN else origin.rsplit("/", 1)[-1]
            view["rule"] = {"name": node.rule, "origin": origin, "href": rule_anchor(anchor)}
            view["premises"] = [step(p) for p in node.premises]
        for source in node.sources:
            first = source.quote is not None and source.graph not in quoted
            quoted.add(source.graph)
            view["sources"].append(
                {
                    "graph": _term(ox.NamedNode(source.graph)),
                    "claim": source.claim,
                    "quote": source.quote if first else None,
                    "quoted_above": source.quote is not None and not first,
                    "document": _term(ox.NamedNode(source.document)) if source.document else None,
                    "who": _term(ox.NamedNode(source.attributed_to))
                    if source.attributed_to
                    else None,
                    "modality": source.modality,
                }
            )
        return view

    return step(proof)


def explanation_page(proof) -> Response:
    alternates = [{"href": "?" + _query_string(), "type": "application/json", "title": "JSON"}]
    return render(
        "explain.html",
        "Why " + proof.triple_text(),
        proof=proof_view(proof),
        alternates=alternates,
        section="/browse",
    )


def _query_string() -> str:
    from urllib.parse import urlencode

    from flask import request

    return urlencode({**request.args, "format": "json"})


@bp.route("/rules")
def rules() -> Response:
    """What each rule says: OWL 2 RL's (premises and head, with the specification's name) and
    the project's own (their comment and SPARQL)."""
    owl = defaultdict(list)
    for rule in OWL_RL_RULES:
        owl[rule.name].append({"premises": [p.text for p in rule.premises], "head": rule.head.text})
    own = []
    for path in sorted(RULES_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        comment = " ".join(
            line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")
        )
        own.append({"name": path.name, "anchor": path.stem, "comment": comment, "text": text})
    from graph.reasoning.consistency import CONSTRAINTS

    constraints = defaultdict(list)
    for constraint in CONSTRAINTS:
        constraints[constraint.name].append(
            {"meaning": constraint.meaning, "premises": [p.text for p in constraint.premises]}
        )
    view = {
        "constraints": [{"name": name, "forms": forms} for name, forms in constraints.items()],
        "owl": [{"name": name, "forms": forms} for name, forms in owl.items()],
        "own": own,
        "compiled": COMPILED,
        "spec": SPEC,
    }
    return render("rules.html", "The rules", section="/ontology", **view)
