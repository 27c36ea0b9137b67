"""Reading RDF files of any common format, gzip-compressed or not."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from graph.errors import DataSyntaxError, InvalidInput

EXTENSIONS = {
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "rdf": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json": ox.RdfFormat.JSON_LD,
    "n3": ox.RdfFormat.N3,
}


def rdf_format(path: Path) -> ox.RdfFormat:
    """The format of a file from its extension, looking through a final `.gz`."""
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        known = ", ".join(sorted(EXTENSIONS))
        raise InvalidInput(f"{path}: unknown RDF format (extensions: {known}, each optionally .gz)")
    return EXTENSIONS[extension]


def open_rdf(path: Path) -> IO[bytes]:
    if not path.is_file():
        raise InvalidInput(f"file not found: {path}")
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def load_file(store: ox.Store, path: Path, graph: str | None = None) -> None:
    """Bulk-load one file into `store`, into `graph` if given (for triple formats)."""
    fmt = rdf_format(path)
    target = ox.NamedNode(graph) if graph and not fmt.supports_datasets else None
    try:
        with open_rdf(path) as stream:
            store.bulk_load(stream, fmt, base_iri=path.resolve().as_uri(), to_graph=target)
    except SyntaxError as error:
        raise DataSyntaxError(f"{path}: {error}") from None
