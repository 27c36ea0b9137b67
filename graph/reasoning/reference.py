"""The reference semantics: owlrl's OWL 2 RL closure, alternating with the project's rules run by
rdflib, filtered like the engine's output. Slow, simple and independent of the engine: it is what
the differential tests compare against, and `alliance-kg reason --engine owlrl`."""

from __future__ import annotations

from pathlib import Path

import owlrl
import pyoxigraph as ox
import rdflib

from graph.reasoning.closure import vacuous_filter_sparql

ERRORS = "http://www.daml.org/2002/03/agents/agent-ont#"
SCRATCH = "urn:alliance-kg:reference"


def reference_closure(graph: rdflib.Graph, rule_files: list[Path]) -> set[ox.Triple]:
    """The filtered triples that owlrl and the rules add to `graph` (which is extended in place)."""
    asserted = set(graph)
    rules = [path.read_text(encoding="utf-8") for path in rule_files]
    while True:
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
        new = set()
        for rule in rules:
            new |= set(graph.query(rule)) - set(graph)
        if not new:
            break
        for triple in new:
            graph.add(triple)
    errors = {s for s in graph.subjects(rdflib.RDF.type, rdflib.URIRef(ERRORS + "ErrorMessage"))}
    lines = [
        f"{s.n3()} {p.n3()} {o.n3()} ."
        for s, p, o in set(graph) - asserted
        if not isinstance(s, rdflib.Literal)
        and isinstance(p, rdflib.URIRef)
        and s not in errors
        and not str(p).startswith(ERRORS)
    ]
    store = ox.Store()
    store.load("\n".join(lines).encode(), ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(SCRATCH))
    store.update(vacuous_filter_sparql(SCRATCH))
    return {ox.Triple(q.subject, q.predicate, q.object) for q in store}
