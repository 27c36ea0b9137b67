"""The RDF dataset a query runs against, as one small value passed from the library to the query
processes and back: which graphs make its default graph, which named graphs it has."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from graph.sparql_text import star_in_query_order


@dataclass(frozen=True)
class QueryDataset:
    """`default_graphs` (graph IRIs), or `union` (every graph), or neither: the store's own
    default graph, or the query's own FROM clauses. `named_graphs`: those `GRAPH ?g` ranges
    over; None for every graph of the store (or the query's own FROM NAMED)."""

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union: bool = False

    def options(self, prefixes: dict[str, str], query: str, base_iri: str | None = None) -> dict:
        """pyoxigraph's query options, with those of the predeclared `prefixes` that the query
        may use: pyoxigraph spends a few microseconds on each one given, as much as a small
        query's evaluation for a dozen."""
        options: dict = {"prefixes": {p: iri for p, iri in prefixes.items() if f"{p}:" in query}}
        if base_iri:
            options["base_iri"] = base_iri
        if self.default_graphs is not None:
            options["default_graph"] = [ox.NamedNode(g) for g in self.default_graphs]
        elif self.union:
            options["use_default_graph_as_union"] = True
        if self.named_graphs is not None:
            options["named_graphs"] = [ox.NamedNode(g) for g in self.named_graphs]
        return options


def evaluate(store: ox.Store, sparql: str, options: dict):
    """Run a query; a `SELECT *` gives its columns in the query's order (pyoxigraph sorts them).
    Solutions are lazy, so the reordered query runs before any solution is computed."""
    results = store.query(sparql, **options)
    if isinstance(results, ox.QuerySolutions):
        reordered = star_in_query_order(sparql, [v.value for v in results.variables])
        if reordered is not None:
            results = store.query(reordered, **options)
    return results
