"""Sources: a facts file (TriG, one named graph per claim) and the text it was taken from.

A facts file's default graph describes the source document (the subject with `akg:textFile`) and
the provenance of each claim. When loaded, that default graph becomes the source's provenance graph,
so that every source keeps its own, and each claim stays in its own named graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox

from graph.errors import DataSyntaxError, InvalidInput
from ontology import AKG, provenance_graph
from sources import SOURCES_DIR

#: Where the project's own sources live (the data folder `sources/`): a facts file and its text
#: dropped there are built too.
DEFAULT_SOURCES_DIR = SOURCES_DIR

FACTS_SUFFIXES = (".trig", ".ttl")
TEXT_FILE = ox.NamedNode(AKG + "textFile")


@dataclass(frozen=True)
class Source:
    """One source document: its facts file, its text file and the IRI of the document."""

    name: str
    facts_path: Path
    text_path: Path
    document: str

    @property
    def provenance_graph(self) -> str:
        return provenance_graph(self.name)

    @cached_property
    def text(self) -> str:
        return self.text_path.read_text(encoding="utf-8")

    def quads(self) -> list[ox.Quad]:
        """The file's quads, its default graph moved into the source's provenance graph."""
        home = ox.NamedNode(self.provenance_graph)
        return [
            ox.Quad(q.subject, q.predicate, q.object, home)
            if isinstance(q.graph_name, ox.DefaultGraph)
            else q
            for q in parse_file(self.facts_path, ox.RdfFormat.TRIG)
        ]


def parse_file(path: Path, rdf_format: ox.RdfFormat) -> list[ox.Quad]:
    """Parse an RDF file, turning a syntax error into one that names the file, line and column."""
    try:
        return list(ox.parse(path=str(path), format=rdf_format))
    except SyntaxError as error:
        where = f"{path}:{error.lineno}:{error.offset}" if error.lineno else str(path)
        message = str(error.msg if hasattr(error, "msg") else error)
        raise DataSyntaxError(f"{where}: {message}") from None
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror or error}") from None


def discover_sources(directories: Iterable[Path]) -> list[Source]:
    """Every facts file in the given directories, sorted by name, each paired with its text."""
    found: dict[str, Source] = {}
    for directory in directories:
        if not directory.is_dir():
            raise InvalidInput(f"sources directory not found: {directory}")
        for path in sorted(directory.iterdir()):
            if path.suffix not in FACTS_SUFFIXES or not path.is_file():
                continue
            source = _open_source(path)
            if source.name in found:
                other = found[source.name].facts_path
                raise InvalidInput(f"two sources are named {source.name!r}: {other} and {path}")
            found[source.name] = source
    return [found[name] for name in sorted(found)]


def _open_source(path: Path) -> Source:
    documents = {
        (q.subject.value, q.object.value)
        for q in parse_file(path, ox.RdfFormat.TRIG)
        if q.predicate == TEXT_FILE and isinstance(q.graph_name, ox.DefaultGraph)
    }
    if len(documents) != 1:
        raise InvalidInput(
            f"{path}: a facts file describes exactly one source document, the subject of "
            f"akg:textFile outside any claim graph; found {len(documents)}"
        )
    ((document, text_name),) = documents
    text_path = path.parent / text_name
    if not text_path.is_file():
        raise InvalidInput(f"{path}: the source text {text_name!r} is not beside the facts file")
    return Source(name=path.stem, facts_path=path, text_path=text_path, document=document)
