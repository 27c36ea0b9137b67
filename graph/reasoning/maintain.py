"""Writes to the asserted data that keep the inferred graph exactly up to date."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyoxigraph as ox

from graph.reasoning.sparql_engine import Reasoner
from graph.store import KnowledgeStore
from graph.updates import Changes, UpdatePlanner, check_writable
from ontology import INFERRED_GRAPH, ONTOLOGY_GRAPH, UPDATES_GRAPH


@dataclass
class UpdateReport:
    """What a write changed: asserted quads removed and added, and the inferred graph's size."""

    removed: int = 0
    added: int = 0
    inferred: int = 0
    seconds: float = 0.0
    recomputed: bool = False

    def summary(self) -> str:
        how = "recomputed" if self.recomputed else "updated incrementally"
        return (
            f"removed {self.removed} and added {self.added} asserted triple(s); inferred graph "
            f"{how}: {self.inferred} triple(s) ({self.seconds:.3f} s)"
        )


def premise_graphs(store: KnowledgeStore) -> list[str]:
    return list(dict.fromkeys([*store.asserted_graphs(), UPDATES_GRAPH, ONTOLOGY_GRAPH]))


class Maintainer:
    """Applies writes to a store's asserted data and keeps its inferred graph exact. One reasoner
    serves every write, so what it learnt of the store (the rules compiled from the ontology,
    whether literal equalities exist) is kept between writes."""

    def __init__(self, store: KnowledgeStore):
        self.store = store
        self._reasoner: Reasoner | None = None

    def reasoner(self) -> Reasoner:
        graphs = premise_graphs(self.store)
        if self._reasoner is None:
            self._reasoner = Reasoner(self.store.raw, graphs, INFERRED_GRAPH)
        self._reasoner.premise_graphs = graphs  # writes may have created graphs
        return self._reasoner

    def apply_update(self, sparql: str) -> UpdateReport:
        """Apply a SPARQL Update to the asserted data and bring the inferred graph up to date."""
        started = time.perf_counter()
        planner = UpdatePlanner(
            self.store.raw, premise_graphs(self.store), self.store.graph_names()
        )
        report = UpdateReport()
        for operation in planner.operations(sparql):
            changes = planner.plan(operation)
            check_writable(changes)
            self.apply_changes(changes, report)
        report.inferred = _size(self.store, INFERRED_GRAPH)
        report.seconds = time.perf_counter() - started
        return report

    def apply_changes(self, changes: Changes, report: UpdateReport) -> None:
        """Remove, then add, asserted quads, maintaining the inferred graph.

        A change to the ontology graph changes the rules themselves (chains, intersections,
        keys are compiled from it), so it triggers a full recomputation instead.
        """
        raw = self.store.raw
        added_set = set(changes.added)
        removed = [q for q in dict.fromkeys(changes.removed) if q not in added_set]
        added = list(dict.fromkeys(changes.added))
        report.removed += sum(1 for q in removed if q in raw)
        report.added += sum(1 for q in added if q not in raw)
        touches_schema = any(
            isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == ONTOLOGY_GRAPH
            for q in [*removed, *added]
        )
        if touches_schema:
            for q in removed:
                raw.remove(q)
            raw.extend(added)
            self._reasoner = None
            self.reasoner().materialise()
            report.recomputed = True
            return
        reasoner = self.reasoner()
        if removed:
            reasoner.delete(removed)
        if added:
            reasoner.insert(added)


def apply_update(store: KnowledgeStore, sparql: str) -> UpdateReport:
    """Apply a SPARQL Update to the asserted data and bring the inferred graph up to date."""
    return Maintainer(store).apply_update(sparql)


def _size(store: KnowledgeStore, graph: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return int(next(iter(store.raw.query(query)))["n"].value)
