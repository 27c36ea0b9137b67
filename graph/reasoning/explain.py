"""Explanations: why a triple holds, as a proof down to asserted facts and their sentences.

An asserted triple explains as the claims (or graphs) that assert it, with each claim's quote and
source. An inferred triple explains as a rule application: the rule, and a proof of each of its
premises, found by evaluating the rule's body with the head bound to the triple. A proof never uses
the triple it proves (nor any triple above it), so every proof is finite and well-founded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.reasoning.maintain import premise_graphs
from graph.reasoning.rules import Rule, constant_term
from graph.reasoning.sparql_engine import Reasoner
from graph.store import KnowledgeStore
from graph.terms import compact
from ontology import AKG, INFERRED_GRAPH, PREFIXES

Term = ox.NamedNode | ox.BlankNode | ox.Literal
TripleKey = tuple[Term, Term, Term]
SOLUTIONS_PER_RULE = 16


@dataclass
class Source:
    """Where an asserted triple comes from: a claim with its quote, or just a graph."""

    graph: str
    claim: bool = False
    quote: str | None = None
    document: str | None = None
    attributed_to: str | None = None
    modality: str | None = None


@dataclass
class Proof:
    subject: Term
    predicate: Term
    object: Term
    status: str  # asserted, inferred, not-holding, unexplained
    rule: str | None = None
    origin: str | None = None
    premises: list[Proof] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    def triple_text(self) -> str:
        return f"{compact(self.subject)} {compact(self.predicate)} {compact(self.object)}"

    def to_json(self) -> dict:
        data: dict = {
            "triple": {"s": str(self.subject), "p": str(self.predicate), "o": str(self.object)},
            "text": self.triple_text(),
            "status": self.status,
        }
        if self.rule:
            data["rule"] = {"name": self.rule, "origin": self.origin}
            data["premises"] = [p.to_json() for p in self.premises]
        if self.sources:
            data["sources"] = [
                {k: v for k, v in vars(s).items() if v is not None} for s in self.sources
            ]
        return data

    def to_text(self, indent: str = "") -> str:
        lines = [f"{indent}{self.triple_text()}"]
        inner = indent + "    "
        if self.status == "asserted":
            for source in self.sources:
                if source.claim:
                    who = ""
                    if source.attributed_to:
                        who = f" ({compact(ox.NamedNode(source.attributed_to))}, {source.modality})"
                    lines.append(f"{inner}asserted in claim <{source.graph}>{who}")
                    lines.append(f'{inner}  "{source.quote}"')
                    if source.document:
                        lines.append(f"{inner}  source: <{source.document}>")
                else:
                    lines.append(f"{inner}asserted in graph <{source.graph}>")
        elif self.status == "inferred":
            lines.append(f"{inner}by rule {self.rule} ({self.origin}) from:")
            lines += [p.to_text(inner + "  ") for p in self.premises]
        elif self.status == "not-holding":
            lines.append(f"{inner}does not hold: neither asserted nor inferred")
        else:
            lines.append(f"{inner}inferred, but no derivation without a cycle was found")
        return "\n".join(lines)


class Explainer:
    """Builds proofs over a store, with the rules of the reasoner that filled it."""

    def __init__(self, store: ox.Store, premise_graphs: list[str], rules: list[Rule]):
        self.store = store
        self.premise_graphs = premise_graphs
        self.graphs = [ox.NamedNode(g) for g in [*premise_graphs, INFERRED_GRAPH]]
        self.rules = rules

    def explain(self, s: Term, p: Term, o: Term) -> Proof:
        return self._prove((s, p, o), frozenset())

    def _prove(self, triple: TripleKey, above: frozenset) -> Proof:
        s, p, o = triple
        sources = self._sources(triple)
        if sources:
            return Proof(s, p, o, "asserted", sources=sources)
        if ox.Quad(s, p, o, ox.NamedNode(INFERRED_GRAPH)) not in self.store:
            return Proof(s, p, o, "not-holding")
        for rule in self.rules:
            for premises in self._derivations(rule, triple):
                if any(q == triple or q in above for q in premises):
                    continue
                proofs = [self._prove(q, above | {triple}) for q in premises]
                if all(pr.status in ("asserted", "inferred") for pr in proofs):
                    return Proof(s, p, o, "inferred", rule.name, rule.origin, proofs)
        return Proof(s, p, o, "unexplained")

    def _sources(self, triple: TripleKey) -> list[Source]:
        s, p, o = triple
        sources = []
        for quad in self.store.quads_for_pattern(s, p, o, None):
            graph = quad.graph_name
            if not isinstance(graph, ox.NamedNode) or graph.value == INFERRED_GRAPH:
                continue
            if graph.value not in self.premise_graphs:
                continue
            sources.append(self._claim(graph.value))
        return sources

    def _claim(self, graph: str) -> Source:
        rows = list(
            self.store.query(
                f"""SELECT ?quote ?doc ?who ?modality WHERE {{
                  <{graph}> <{AKG}quote> ?quote .
                  OPTIONAL {{ <{graph}> <{AKG}source> ?doc }}
                  OPTIONAL {{ <{graph}> <{AKG}attributedTo> ?who }}
                  OPTIONAL {{ <{graph}> <{AKG}modality> ?modality }}
                }} LIMIT 1""",
                default_graph=self.graphs,
            )
        )
        if not rows:
            return Source(graph)
        row = rows[0]
        modality = row["modality"]
        return Source(
            graph,
            claim=True,
            quote=row["quote"].value,
            document=row["doc"].value if row["doc"] else None,
            attributed_to=row["who"].value if row["who"] else None,
            modality=compact(modality).removeprefix("akg:").lower() if modality else None,
        )

    def _derivations(self, rule: Rule, triple: TripleKey) -> list[list[TripleKey]]:
        """Instances of the rule's premises that derive `triple`."""
        bindings = _unify(rule.head.triple(), triple)
        if bindings is None:
            return []
        special = rule.specialise({var: str(term) for var, term in bindings.items()})
        body = " .\n".join(p.text for p in (*special.premises, *special.static))
        query = f"SELECT * WHERE {{ {body} {special.filters} }} LIMIT {SOLUTIONS_PER_RULE}"
        try:
            solutions = list(self.store.query(query, prefixes=PREFIXES, default_graph=self.graphs))
        except SyntaxError:
            return []
        derivations = []
        for solution in solutions:
            instance = []
            for premise in rule.premises:
                resolved = [
                    (bindings.get(t) or solution[t[1:]])
                    if t.startswith("?")
                    else constant_term(t, PREFIXES)
                    for t in premise.triple()
                ]
                if any(r is None for r in resolved):
                    break
                instance.append(tuple(resolved))
            else:
                derivations.append(instance)
        return derivations


def _unify(head: tuple[str, ...], triple: TripleKey) -> dict[str, Term] | None:
    bindings: dict[str, Term] = {}
    for token, term in zip(head, triple, strict=True):
        if token.startswith("?"):
            if token in bindings and bindings[token] != term:
                return None
            bindings[token] = term
        elif constant_term(token, PREFIXES) != term:
            return None
    if any(isinstance(t, ox.BlankNode) for t in bindings.values()):
        return None
    return bindings


def rules_of(store: ox.Store, graphs: list[str]) -> list[Rule]:
    """The rules the reasoner applies to these graphs (OWL 2 RL with the rules written out per
    axiom of their ontology, and the project's rules)."""
    return Reasoner(store, graphs, INFERRED_GRAPH).rules


def explain_triple(store: KnowledgeStore, s: Term, p: Term, o: Term) -> Proof:
    """The proof of one triple in a built store, with the rules its reasoner used."""
    graphs = premise_graphs(store)
    return Explainer(store.raw, graphs, rules_of(store.raw, graphs)).explain(s, p, o)
