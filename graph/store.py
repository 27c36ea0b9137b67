"""The store: a pyoxigraph database on disk (or in memory), behind one small interface.

On disk a store location is a directory holding numbered generations and a `current` symlink to
the live one. A build writes a new generation beside the live one and swaps the symlink in one
atomic rename only when it has succeeded, so a failed or interrupted build leaves the previous
store as it was.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

from graph.dataset import QueryDataset, evaluate
from graph.errors import (
    InvalidInput,
    QuerySyntaxError,
    StoreInUse,
    StoreNotFound,
    StoreUnavailable,
)
from graph.sparql_text import check_nesting, has_dataset_clause
from ontology import INFERRED_GRAPH, ONTOLOGY_GRAPH, PREFIXES, WORK_GRAPHS

if TYPE_CHECKING:
    from graph.remote import RemoteSettings, RemoteStore

#: Where `build` puts the store unless told otherwise (relative to the working directory).
DEFAULT_STORE = Path("data/store")
STORE_ENV = "ALLIANCE_KG_STORE"
#: The environment variables that stand for --store-url, --store-update-url, --store-gsp-url and
#: --store-credentials: a remote SPARQL 1.1 store instead of the on-disk one.
REMOTE_ENV = {
    "store_url": "ALLIANCE_KG_STORE_URL",
    "store_update_url": "ALLIANCE_KG_STORE_UPDATE_URL",
    "store_gsp_url": "ALLIANCE_KG_STORE_GSP_URL",
    "store_credentials": "ALLIANCE_KG_STORE_CREDENTIALS",
}

#: Which graphs a query sees as its default graph.
DatasetView = Literal["all", "asserted", "inferred", "ontology"]
DATASET_VIEWS: tuple[str, ...] = ("all", "asserted", "inferred", "ontology")

QueryResults = ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean


def default_store_path() -> Path:
    return Path(os.environ.get(STORE_ENV) or DEFAULT_STORE)


class WriterLock:
    """The right to write a store location, held by one process at a time: a running server
    (for as long as it runs), `build`, `load` or `update`. An exclusive `flock` on a file in the
    location, released by the kernel when the process ends, so a killed writer never leaves it
    behind; the file names the holder's pid and what it is, for the message of whoever waits."""

    def __init__(self, fd: int):
        self._fd = fd

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> WriterLock:
        return self

    def __exit__(self, *_exc) -> None:
        self.release()


@dataclass(frozen=True)
class StoreLocation:
    """A directory of store generations with a `current` symlink to the live one.

    The root is made absolute once, here: query processes and servers run in other working
    directories, and a relative path would name another place there."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(os.path.abspath(self.root)))

    @property
    def lock_file(self) -> Path:
        return self.root / "writer.lock"

    def lock(self, holder: str) -> WriterLock:
        """Take the writer lock, or raise StoreInUse naming the process that holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreInUse(
                f"the store at {self.root} is in use by {self.holder()}: stop it first"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {holder}\n".encode())
        return WriterLock(fd)

    def holder(self) -> str:
        """Who holds the writer lock, as the holder wrote it: 'a running server (pid 123)'."""
        try:
            pid, _, what = self.lock_file.read_text().strip().partition(" ")
        except OSError:
            return "another process"
        return f"{what or 'another process'} (pid {pid})"

    def check_free(self) -> None:
        """Raise StoreInUse if some process holds the writer lock now."""
        self.lock("a check").release()

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

    @contextmanager
    def next_generation(self) -> Iterator[Path]:
        """A new generation's directory (empty), made the live store if the block ends normally
        and removed if it raises, so that the live store is untouched. The block closes every
        store it opened on the directory before it ends."""
        generation = self.new_generation()
        try:
            yield generation
            self.commit(generation)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise

    def create_empty(self) -> None:
        """Make an empty store the live one (a plain server starts on an empty directory)."""
        with self.next_generation() as generation:
            store = ox.Store(str(generation))
            store.flush()
            del store

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

    def in_memory_copy(self) -> KnowledgeStore:
        """A copy of this store's quads and graphs (empty ones too) in memory: the writers' mirror
        of an on-disk or a remote store."""
        copy = ox.Store()
        copy.extend(self._store.quads_for_pattern(None, None, None, None))
        for graph in self._store.named_graphs():
            copy.add_graph(graph)
        return KnowledgeStore(copy)

    @classmethod
    def remote(cls, settings: RemoteSettings) -> KnowledgeStore:
        """A store on a remote SPARQL 1.1 server (see graph/remote.py)."""
        from graph.remote import RemoteStore

        return cls(RemoteStore(settings))

    @property
    def remote_store(self) -> RemoteStore | None:
        """The remote store this is, or None for an embedded pyoxigraph store."""
        from graph.remote import RemoteStore

        return self._store if isinstance(self._store, RemoteStore) else None

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
        """The pyoxigraph store (or a RemoteStore, which has the same methods), for the
        reasoner, serialisers and bulk operations."""
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
        graphs = list(graphs)
        if len(graphs) > 1 and self.remote_store is not None:
            # One request for all of them, not one per claim graph.
            wanted = set(graphs)
            for quad in self._store.quads_for_pattern(None, None, None, None):
                if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value in wanted:
                    yield quad
            return
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
        """Run a SPARQL query on the dataset `dataset()` gives. The project's prefixes are
        predeclared, so queries may use `akg:`, `id:` and the rest without PREFIX."""
        check_nesting(sparql)
        dataset = self.dataset(view, default_graphs, named_graphs, sparql)
        options = dataset.options(PREFIXES, sparql)
        try:
            return evaluate(self._store, sparql, options)
        except SyntaxError as error:
            raise QuerySyntaxError.from_parser(error, "SPARQL query", sparql) from None

    def dataset(
        self,
        view: DatasetView | None = "all",
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        sparql: str | None = None,
    ) -> QueryDataset:
        """A query's dataset. `default_graphs` and `named_graphs` (the protocol's parameters)
        set it exactly; else a query's own FROM and FROM NAMED do; else the view: `all`, the
        union of every graph; `asserted`, `inferred` or `ontology`, those graphs alone, as the
        default graph and as the named graphs; None (a plain SPARQL store), the store's own
        default graph and every named graph. Raises InvalidInput for a name that is no IRI."""
        default = _graph_names(default_graphs, "default-graph-uri")
        named = _graph_names(named_graphs, "named-graph-uri")
        if default is not None or named is not None:
            return QueryDataset(default, named)
        if view is None or (sparql is not None and has_dataset_clause(sparql)):
            return QueryDataset()
        if view == "all":
            return QueryDataset(union=True)
        graphs = tuple(self.view_graphs(view))
        return QueryDataset(graphs, graphs)

    def update(self, sparql: str) -> None:
        """Run a SPARQL update in one transaction."""
        check_nesting(sparql, "update")
        try:
            self._store.update(sparql, prefixes=PREFIXES)
        except SyntaxError as error:
            raise QuerySyntaxError.from_parser(error, "SPARQL update", sparql) from None

    def flush(self) -> None:
        self._store.flush()


def _graph_names(names: list[str] | None, what: str) -> tuple[str, ...] | None:
    if names is None:
        return None
    try:
        return tuple(ox.NamedNode(name).value for name in names)
    except ValueError as error:
        raise InvalidInput(f"{what} is not a valid IRI: {error}") from None
