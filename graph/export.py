"""Export a selection of the store's graphs in any RDF format."""

from __future__ import annotations

from typing import IO

import pyoxigraph as ox

from graph.errors import InvalidInput
from graph.results import GRAPH_FORMATS, write_triples
from graph.store import DATASET_VIEWS, DatasetView, KnowledgeStore


def export(store: KnowledgeStore, selection: DatasetView, fmt: str, output: IO[bytes]) -> int:
    """Write the selected graphs to `output`; returns how many triples or quads were written.

    Formats that carry named graphs (N-Quads, TriG, JSON-LD) keep each quad in its graph; the
    others get the union of the selected graphs, each triple once.
    """
    if selection not in DATASET_VIEWS:
        raise InvalidInput(f"unknown graph selection {selection!r}: use {', '.join(DATASET_VIEWS)}")
    if fmt not in GRAPH_FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}: use {', '.join(GRAPH_FORMATS)}")
    rdf_format = GRAPH_FORMATS[fmt]
    quads = store.quads(store.view_graphs(selection))
    if rdf_format.supports_datasets:
        items: list = list(quads)
    else:
        items = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    write_triples(items, rdf_format, output)
    return len(items)
