"""Writes to the asserted data that keep the inferred graph exactly up to date."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyoxigraph as ox

from graph.errors import Inconsistent
from graph.reasoning.batch import materialise_store
from graph.reasoning.consistency import Violation, new_violations, violations
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


#: Writes of more quads than this recompute the closure with the batch engine: at that size a
#: full recomputation in DuckDB costs less than semi-naive rounds of SPARQL Update.
BATCH_WRITE = 10_000


def premise_graphs(store: KnowledgeStore) -> list[str]:
    """The graphs the reasoner reads: the asserted data (with what writes added) and the
    ontology."""
    return list(dict.fromkeys([*store.asserted_graphs(), UPDATES_GRAPH, ONTOLOGY_GRAPH]))


class Maintainer:
    """Applies writes to a store's asserted data and keeps its inferred graph exact. One reasoner
    serves every write, so what it learnt of the store (the rules compiled from the ontology,
    whether literal equalities exist) is kept between writes."""

    def __init__(self, store: KnowledgeStore, allow_inconsistent: bool = False):
        self.store = store
        self.allow_inconsistent = allow_inconsistent
        self._reasoner: Reasoner | None = None
        #: The contradictions of the store as it is (learnt at the first write).
        self._contradictions: list[Violation] | None = None
        #: The writes that added contradictions, when they are allowed: (new violations).
        self.recorded: list[Violation] = []

    def reasoner(self, adding: list[ox.Quad] = ()) -> Reasoner:
        """The reasoner, reading the premise graphs as they are and the graphs `adding` will
        create: a new graph is a premise from the first round of its own insertion."""
        new = [q.graph_name.value for q in adding if isinstance(q.graph_name, ox.NamedNode)]
        graphs = list(dict.fromkeys([*premise_graphs(self.store), *new]))
        if self._reasoner is None:
            self._reasoner = Reasoner(self.store.raw, graphs, INFERRED_GRAPH)
        self._reasoner.premise_graphs = graphs  # writes may have created graphs
        return self._reasoner

    def apply_update(self, sparql: str) -> UpdateReport:
        """Apply a SPARQL Update to the asserted data and bring the inferred graph up to date.
        An update that would add a contradiction is undone and refused (`Inconsistent`),
        unless contradictions are allowed."""
        started = time.perf_counter()
        planner = UpdatePlanner(
            self.store.raw, premise_graphs(self.store), self.store.graph_names()
        )
        report = UpdateReport()
        net = _NetChange()
        self._known_contradictions()
        for operation in planner.operations(sparql):
            changes = planner.plan(operation)
            check_writable(changes)
            net.record(self._apply(changes, report))
        self._check_consistent(net)
        report.inferred = _size(self.store, INFERRED_GRAPH)
        report.seconds = time.perf_counter() - started
        return report

    def apply_changes(self, changes: Changes, report: UpdateReport) -> None:
        """Remove, then add, asserted quads, maintaining the inferred graph; refused (and
        undone) if it would add a contradiction, unless contradictions are allowed."""
        self._known_contradictions()
        net = _NetChange()
        net.record(self._apply(changes, report))
        self._check_consistent(net)

    def _known_contradictions(self) -> list[Violation]:
        if self._contradictions is None:
            self._contradictions = violations(
                self.store.raw, premise_graphs(self.store), explain=False
            )
        return self._contradictions

    def _check_consistent(self, net: _NetChange) -> None:
        if not net:
            return
        graphs = premise_graphs(self.store)
        after = violations(self.store.raw, graphs, explain=False)
        added = new_violations(self._known_contradictions(), after)
        if added and not self.allow_inconsistent:
            explained = new_violations(
                self._contradictions, violations(self.store.raw, graphs, explain=True)
            )
            self._apply(net.undo(), UpdateReport())
            raise Inconsistent(explained)
        self.recorded += added
        self._contradictions = after

    def _apply(self, changes: Changes, report: UpdateReport) -> Changes:
        """Remove, then add, asserted quads, maintaining the inferred graph; returns the quads
        actually removed and added.

        A change to the ontology graph changes the rules themselves (chains, intersections,
        keys are compiled from it), so it triggers a full recomputation instead, as does a
        write of more than BATCH_WRITE quads.
        """
        raw = self.store.raw
        added_set = set(changes.added)
        removed = [q for q in dict.fromkeys(changes.removed) if q not in added_set]
        added = list(dict.fromkeys(changes.added))
        effective = Changes(
            removed=[q for q in removed if q in raw], added=[q for q in added if q not in raw]
        )
        report.removed += len(effective.removed)
        report.added += len(effective.added)
        touches_schema = any(
            isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == ONTOLOGY_GRAPH
            for q in [*removed, *added]
        )
        if touches_schema or len(removed) + len(added) > BATCH_WRITE:
            for q in removed:
                raw.remove(q)
            raw.extend(added)
            self._reasoner = None
            materialise_store(raw, premise_graphs(self.store), INFERRED_GRAPH)
            report.recomputed = True
            return effective
        reasoner = self.reasoner(added)
        if removed:
            reasoner.delete(removed)
        if added:
            reasoner.insert(added)
        return effective


class _NetChange:
    """What a sequence of writes changed in all: the quads it added and removed, to undo it."""

    def __init__(self):
        self.added: dict[ox.Quad, None] = {}
        self.removed: dict[ox.Quad, None] = {}

    def record(self, changes: Changes) -> None:
        for quad in changes.removed:
            if quad in self.added:
                del self.added[quad]
            else:
                self.removed[quad] = None
        for quad in changes.added:
            if quad in self.removed:
                del self.removed[quad]
            else:
                self.added[quad] = None

    def undo(self) -> Changes:
        return Changes(removed=list(self.added), added=list(self.removed))

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


def apply_update(
    store: KnowledgeStore, sparql: str, allow_inconsistent: bool = False
) -> UpdateReport:
    """Apply a SPARQL Update to the asserted data and bring the inferred graph up to date. On a
    remote store the update is applied to a local copy and published from it in one request
    (graph/remote_sync.py)."""
    remote = store.remote_store
    if remote is not None:
        from graph.remote_sync import RemoteWriter

        return RemoteWriter(remote, allow_inconsistent).apply_update(sparql)
    return Maintainer(store, allow_inconsistent).apply_update(sparql)


def _size(store: KnowledgeStore, graph: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return int(next(iter(store.raw.query(query)))["n"].value)
