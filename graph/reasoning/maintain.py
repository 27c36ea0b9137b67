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
from graph.terms import quad_data
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
        #: The graphs the last write changed: those of its asserted quads, and the inferred one.
        self.touched: set[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = set()

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
        self.touched = {ox.NamedNode(INFERRED_GRAPH)}
        self._known_contradictions()
        for operation in planner.operations(sparql):
            changes = planner.plan(operation)
            check_writable(changes)
            net.record(self._apply(changes, report))
        self._check_consistent(net)
        report.inferred = _size(self.store, INFERRED_GRAPH)
        report.seconds = time.perf_counter() - started
        return report

    def apply_changes(
        self, changes: Changes, report: UpdateReport, drop_graph: str | None = None
    ) -> None:
        """Remove, then add, asserted quads, maintaining the inferred graph; refused (and
        undone) if it would add a contradiction, unless contradictions are allowed. Then the
        graph `drop_graph` (emptied by the changes) is dropped, if given."""
        self._known_contradictions()
        self.touched = {ox.NamedNode(INFERRED_GRAPH)}
        net = _NetChange()
        net.record(self._apply(changes, report))
        self._check_consistent(net)
        if drop_graph is not None:
            self.store.raw.remove_graph(ox.NamedNode(drop_graph))

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
        self.touched.update(q.graph_name for q in [*effective.removed, *effective.added])
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


#: On-disk stores of up to this many quads are written through an in-memory copy (MirrorWriter).
MIRROR_LIMIT = 200_000


class MirrorWriter:
    """Writes to an on-disk store through an in-memory copy of it, for stores of up to
    MIRROR_LIMIT quads. The rules run in the copy, and the store receives the write's net
    difference in one transaction, so that a refused or failed write never touches it.

    Measured on the article (45 graphs, 2k quads): every pattern of a rule is looked up in each
    of the union's graphs, which costs pyoxigraph's on-disk store a RocksDB seek per graph, and
    an incremental write (about 280 updates) 4x more time than in memory. The copy holds for as
    long as this writer is the store's only writer: the server holds the store's writer lock.
    Larger stores are written in place (a copy would cost their size in memory)."""

    def __init__(self, store: KnowledgeStore, allow_inconsistent: bool = False):
        self.store = store
        self.allow_inconsistent = allow_inconsistent
        self._mirror: KnowledgeStore | None = None
        self._maintainer: Maintainer | None = None
        #: The maintainer of the store itself, when it is too large to copy.
        self._in_place: Maintainer | None = None
        self._whole = False

    def apply_update(self, sparql: str) -> UpdateReport:
        return self._write(lambda maintainer: maintainer.apply_update(sparql))

    def apply_changes(
        self, changes: Changes, report: UpdateReport, drop_graph: str | None = None
    ) -> None:
        """The Maintainer's, on the copy: a dropped graph is dropped in the same transaction."""
        self._write(lambda maintainer: maintainer.apply_changes(changes, report, drop_graph))

    @property
    def in_one_transaction(self) -> bool:
        """Whether the last write reached the store in one transaction (through the copy)."""
        return self._whole

    @property
    def recorded(self) -> list[Violation]:
        """The contradictions writes added, when they are allowed."""
        maintainer = self._in_place or self._maintainer
        return maintainer.recorded if maintainer is not None else []

    def _write(self, change):
        if self._in_place is None and self._mirror is None:
            if len(self.store) > MIRROR_LIMIT:
                self._in_place = Maintainer(self.store, self.allow_inconsistent)
            else:
                self._mirror = self.store.in_memory_copy()
                self._maintainer = Maintainer(self._mirror, self.allow_inconsistent)
        self._whole = False
        if self._in_place is not None:
            return change(self._in_place)
        try:
            outcome = change(self._maintainer)
            self._publish(self._maintainer.touched)
        except BaseException:
            self._mirror = self._maintainer = None  # copied again from the store at the next write
            raise
        return outcome

    def _publish(self, touched: set) -> None:
        """Make the store's graphs what the copy's are, in one update where it can (then
        `_whole` says so)."""
        disk, mirror = self.store.raw, self._mirror.raw
        removed: list[ox.Quad] = []
        added: list[ox.Quad] = []
        for graph in touched:
            before = set(disk.quads_for_pattern(None, None, None, graph))
            after = set(mirror.quads_for_pattern(None, None, None, graph))
            removed += before - after
            added += after - before
        mine = set(mirror.named_graphs())
        theirs = set(disk.named_graphs())
        created, dropped = mine - theirs, theirs - mine
        if any(_has_blank_node(q) for q in [*removed, *added]) or any(
            isinstance(g, ox.BlankNode) for g in created | dropped
        ):
            # A blank node cannot be named in an update: one call per change instead.
            for quad in removed:
                disk.remove(quad)
            disk.extend(added)
            for graph in created:
                disk.add_graph(graph)
            for graph in dropped:
                disk.remove_graph(graph)
            return
        operations = [f"CREATE SILENT GRAPH {g}" for g in created]
        operations += [f"DROP SILENT GRAPH {g}" for g in dropped]
        if removed:
            operations.append(f"DELETE DATA {{ {quad_data(removed)} }}")
        if added:
            operations.append(f"INSERT DATA {{ {quad_data(added)} }}")
        if operations:
            disk.update(" ;\n".join(operations))
        self._whole = True


def _has_blank_node(quad: ox.Quad) -> bool:
    return any(
        isinstance(term, ox.BlankNode) for term in (quad.subject, quad.object, quad.graph_name)
    )


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
