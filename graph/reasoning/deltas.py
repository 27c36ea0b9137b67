"""The delta cache of the SPARQL engine: the rows of small delta graphs, read from the store once.

A rule copy specialised to each triple of a small delta costs less than matching the premise in
the delta graph; so the engine reads a delta's rows (up to INLINE_LIMIT, none with a blank node,
which a query cannot name) once, and each premise gets the rows with its predicate. A delta graph
is complete before it is read; `forget` drops everything when a graph it read fills again.
"""

from __future__ import annotations

import itertools

import pyoxigraph as ox

from graph.reasoning.rules import Pattern

#: Deltas up to this many triples are read into rows (and inlined into the rules' queries).
INLINE_LIMIT = 2000


class DeltaRows:
    def __init__(self, store: ox.Store):
        self.store = store
        self._rows: dict[str, list[ox.Triple] | None] = {}
        self._by_predicate: dict[str, dict[ox.NamedNode, list[ox.Triple]]] = {}

    def small(self, delta: str) -> list[ox.Triple] | None:
        """The triples of `delta`, or None if it is too large to read into rows."""
        if delta not in self._rows:
            quads = list(
                itertools.islice(
                    self.store.quads_for_pattern(None, None, None, ox.NamedNode(delta)),
                    INLINE_LIMIT + 1,
                )
            )
            small = len(quads) <= INLINE_LIMIT and not any(
                isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)
            )
            self._rows[delta] = (
                [ox.Triple(q.subject, q.predicate, q.object) for q in quads] if small else None
            )
        return self._rows[delta]

    def read(self, delta: str) -> bool:
        """Whether `delta` was read already."""
        return delta in self._rows

    def matching(self, delta: str, pattern: Pattern) -> list[ox.Triple]:
        """The rows of a small delta that may match `pattern`: those with its predicate, if it
        has a constant one (the rows are grouped by predicate once per delta)."""
        rows = self.small(delta) or []
        constants = pattern.constants
        if constants is None or constants[1] is None:
            return rows
        if delta not in self._by_predicate:
            grouped: dict[ox.NamedNode, list[ox.Triple]] = {}
            for row in rows:
                grouped.setdefault(row.predicate, []).append(row)
            self._by_predicate[delta] = grouped
        return self._by_predicate[delta].get(constants[1], [])

    def forget(self) -> None:
        self._rows.clear()
        self._by_predicate.clear()
