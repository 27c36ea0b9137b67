"""Reading RDF files of any common format, gzip-compressed or not."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from graph.errors import DataSyntaxError, InvalidInput
from graph.formats import file_format


def open_rdf(path: Path) -> IO[bytes]:
    if not path.is_file():
        raise InvalidInput(f"file not found: {path}")
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def load_file(store: ox.Store, path: Path, graph: str | None = None) -> None:
    """Bulk-load one file into `store`, into `graph` if given (for triple formats)."""
    fmt = file_format(path)
    target = ox.NamedNode(graph) if graph and not fmt.supports_datasets else None
    try:
        with open_rdf(path) as stream:
            store.bulk_load(stream, fmt, base_iri=path.resolve().as_uri(), to_graph=target)
    except SyntaxError as error:
        raise DataSyntaxError(f"{path}: {error}") from None
