"""Serialising query results and graphs. Serialisation happens in pyoxigraph, not Python loops."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

import pyoxigraph as ox

from graph.errors import InvalidInput
from graph.formats import DATASET_TYPES, GRAPH_TYPES, RESULT_TYPES
from graph.store import QueryResults
from ontology import PREFIXES

#: Formats for SELECT and ASK results, by their short names.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {m.name: m.results for m in RESULT_TYPES}
#: Formats for graphs (CONSTRUCT, DESCRIBE, exports), by their short names; the last ones
#: (N-Quads, TriG) carry named graphs too.
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {m.name: m.rdf for m in (*GRAPH_TYPES, *DATASET_TYPES)}
#: Graph formats that can carry named graphs, and so are not for a query's triples.
DATASET_FORMATS = tuple(m.name for m in DATASET_TYPES if m not in GRAPH_TYPES)


def is_graph_result(results: QueryResults) -> bool:
    """Whether a query answered with triples (CONSTRUCT, DESCRIBE): pyoxigraph's QueryTriples,
    or a remote store's GraphResults."""
    return not isinstance(results, (ox.QuerySolutions, ox.QueryBoolean))


def write_results(results: QueryResults, fmt: str, output: IO[bytes]) -> None:
    """Write SELECT/ASK results in a result format, CONSTRUCT/DESCRIBE triples in a graph format."""
    if is_graph_result(results):
        if fmt not in GRAPH_FORMATS or fmt in DATASET_FORMATS:
            allowed = ", ".join(f for f in GRAPH_FORMATS if f not in DATASET_FORMATS)
            raise InvalidInput(f"a CONSTRUCT or DESCRIBE query returns a graph: use {allowed}")
        write_triples(results, GRAPH_FORMATS[fmt], output)
        return
    if fmt not in RESULT_FORMATS:
        raise InvalidInput(
            f"a SELECT or ASK query returns results: use {', '.join(RESULT_FORMATS)} or table"
        )
    results.serialize(output, RESULT_FORMATS[fmt])


def write_triples(
    triples: Iterable[ox.Triple] | Iterable[ox.Quad], rdf_format: ox.RdfFormat, output: IO[bytes]
) -> None:
    """Serialise triples or quads with the project's prefixes where the format has them;
    JSON-LD compacted with the ontology's context."""
    if rdf_format == ox.RdfFormat.JSON_LD:
        from graph.jsonld_context import write_compacted

        write_compacted(list(triples), output)
        return
    ox.serialize(triples, output, rdf_format, prefixes=_used_prefixes(rdf_format))


def _used_prefixes(rdf_format: ox.RdfFormat) -> dict[str, str] | None:
    if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return PREFIXES
    return None
