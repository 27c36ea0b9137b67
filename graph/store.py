"""The store: a pyoxigraph database on disk (or in memory), behind one small interface.

On disk a store location is a directory holding numbered generations and a `current` symlink to
the live one. A build writes a new generation beside the live one and swaps the symlink in one
atomic rename only when it has succeeded, so a failed or interrupted build leaves the previous
store as it was.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from graph.errors import InvalidInput, QuerySyntaxError, StoreNotFound, StoreUnavailable
from graph.query_worker import query_options
from ontology import INFERRED_GRAPH, ONTOLOGY_GRAPH, PREFIXES, WORK_GRAPHS

#: Where `build` puts the store unless told otherwise (relative to the working directory).
DEFAULT_STORE = Path("data/store")
STORE_ENV = "ALLIANCE_KG_STORE"

#: Which graphs a query sees as its default graph.
DatasetView = Literal["all", "asserted", "inferred", "ontology"]
DATASET_VIEWS: tuple[str, ...] = ("all", "asserted", "inferred", "ontology")

QueryResults = ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean


def default_store_path() -> Path:
    return Path(os.environ.get(STORE_ENV) or DEFAULT_STORE)


@dataclass(frozen=True)
class StoreLocation:
    """A directory of store generations with a `current` symlink to the live one."""

    root: Path

    @property
    def current(self) -> Path:
        return self.root / "current"

    def exists(self) -> bool:
        return self.current.is_dir()

    def new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"generation-{time.time_ns()}"
        path.mkdir()
        return path

    def commit(self, generation: Path) -> None:
        """Make `generation` the live store in one atomic step, then drop the older ones."""
        link = self.root / f".current-{generation.name}"
        link.symlink_to(generation.name)
        os.replace(link, self.current)
        self.discard_stale(keep=generation)

    def discard_stale(self, keep: Path | None = None) -> None:
        """Remove generations that are neither live nor `keep` (left by interrupted builds)."""
        live = self.current.resolve() if self.current.exists() else None
        for path in self.root.glob("generation-*"):
            if path.resolve() not in (live, keep and keep.resolve()):
                shutil.rmtree(path, ignore_errors=True)


class KnowledgeStore:
    """The operations the library needs from an RDF store: load, query, update, graphs."""

    def __init__(self, store: ox.Store):
        self._store = store

    @classmethod
    def in_memory(cls) -> KnowledgeStore:
        return cls(ox.Store())

    @classmethod
    def open(cls, location: StoreLocation, read_only: bool = False) -> KnowledgeStore:
        if not location.exists():
            root = location.root
            raise StoreNotFound(f"no store at {root}: run `alliance-kg build --store {root}` first")
        path = str(location.current)
        try:
            return cls(ox.Store.read_only(path) if read_only else ox.Store(path))
        except (OSError, RuntimeError) as error:  # RocksDB reports corruption as RuntimeError
            raise StoreUnavailable(f"cannot open the store at {location.root}: {error}") from None

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for serialisers and bulk operations."""
        return self._store

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction: all of them or none."""
        self._store.extend(quads)

    def add_graph(self, name: str) -> None:
        self._store.add_graph(ox.NamedNode(name))

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def asserted_graphs(self) -> list[str]:
        """Every named graph that holds asserted data: all but the ontology and the inferred."""
        return [
            g
            for g in self.graph_names()
            if g not in (ONTOLOGY_GRAPH, INFERRED_GRAPH) and not g.startswith(WORK_GRAPHS)
        ]

    def view_graphs(self, view: DatasetView) -> list[str]:
        if view == "asserted":
            return self.asserted_graphs()
        if view == "inferred":
            return [INFERRED_GRAPH]
        if view == "ontology":
            return [ONTOLOGY_GRAPH]
        return self.graph_names()

    def quads(self, graphs: Iterable[str]) -> Iterator[ox.Quad]:
        for graph in graphs:
            yield from self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))

    def __len__(self) -> int:
        return len(self._store)

    def query(
        self,
        sparql: str,
        view: DatasetView | None = "all",
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResults:
        """Run a SPARQL query.

        Its default graph is the union of the view's graphs, or exactly `default_graphs` if given,
        or (view None, as a plain SPARQL store) the store's own default graph. The project's
        prefixes are predeclared, so queries may use `akg:`, `id:` and the rest without PREFIX.
        """
        options = query_options(self.dataset(view, default_graphs, named_graphs), PREFIXES, sparql)
        try:
            return self._store.query(sparql, **options)
        except SyntaxError as error:
            raise QuerySyntaxError.from_parser(error, "SPARQL query") from None

    def dataset(
        self,
        view: DatasetView | None = "all",
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> dict:
        """A query's dataset as plain data: `default_graph` (graph IRIs) or `union` (every
        graph), and `named_graphs`; no key for the store's own default graph and all its graphs.
        Raises InvalidInput for a graph name that is not an IRI."""
        dataset: dict = {}
        if default_graphs is not None:
            dataset["default_graph"] = [
                g.value for g in _graph_names(default_graphs, "default-graph-uri")
            ]
        elif view == "all":
            dataset["union"] = True
        elif view is not None:
            dataset["default_graph"] = self.view_graphs(view)
        if named_graphs is not None:
            dataset["named_graphs"] = [
                g.value for g in _graph_names(named_graphs, "named-graph-uri")
            ]
        return dataset

    def update(self, sparql: str) -> None:
        """Run a SPARQL update in one transaction."""
        try:
            self._store.update(sparql, prefixes=PREFIXES)
        except SyntaxError as error:
            raise QuerySyntaxError.from_parser(error, "SPARQL update") from None

    def flush(self) -> None:
        self._store.flush()


def _graph_names(names: list[str], what: str) -> list[ox.NamedNode]:
    try:
        return [ox.NamedNode(name) for name in names]
    except ValueError as error:
        raise InvalidInput(f"{what} is not a valid IRI: {error}") from None
