"""Writes to a remote store: builds and updates reasoned beside the store, then published in one
update request that is conditional on the store's dataset version.

The rules run where they are fastest (measured: the closure of the article as SQL in DuckDB or
as SPARQL Update in pyoxigraph in memory, against thousands of update requests over HTTP on
the server), so a write to a remote store works on a local copy (the mirror) of the project's
graphs, with the same code as the embedded store: the update planner, the incremental reasoner,
the consistency check. What the write changed (asserted and inferred quads) is then sent as one
SPARQL Update request:

    DELETE { version ?old } INSERT { version NEW } WHERE { version ?old = EXPECTED } ;
    DELETE { removed } INSERT { added } WHERE { version = NEW }

Its second operation applies only if the first found the version this client read, so two
clients (two endpoint replicas, a replica and the CLI) that write at once do not both apply: the
one that loses sees a version that is not its own and starts again from the store as it now is.
The version is also what replicas key their answer caches and ETags on.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterable

import pyoxigraph as ox

from graph.errors import StoreUnavailable
from graph.remote import RemoteStore
from graph.store import KnowledgeStore
from graph.terms import quad_data
from ontology import AKG, STORE_GRAPHS

VERSION_GRAPH = ox.NamedNode(STORE_GRAPHS + "version")
DATASET = ox.NamedNode(STORE_GRAPHS + "dataset")
VERSION = ox.NamedNode(AKG + "datasetVersion")
STAGING = STORE_GRAPHS + "staging/"

#: How many times a write starts again after losing a race with another writer.
ATTEMPTS = 8

#: Quads per request when a build's graphs are staged on the server.
STAGE_CHUNK = 20_000


class WriteConflict(StoreUnavailable):
    """Other clients kept writing the remote store while this write was being prepared."""

    status = 409


def version_of(remote: RemoteStore) -> str | None:
    """The store's dataset version: a new value after every write made through the project."""
    rows = remote.query(f"SELECT ?v WHERE {{ GRAPH {VERSION_GRAPH} {{ {DATASET} {VERSION} ?v }} }}")
    values = [row["v"].value for row in rows]
    return values[0] if values else None


class RemoteWriter:
    """Writes to a remote store through a mirror of it, which is kept between writes for as
    long as the store's version is the one this writer last published (an endpoint replica
    that takes most writes fetches the store once), and fetched again when another client
    wrote. `apply_update` and `apply_changes` are the Maintainer's, run on the mirror."""

    def __init__(self, remote: RemoteStore, allow_inconsistent: bool = False):
        self.remote = remote
        self.allow_inconsistent = allow_inconsistent
        self._version: str | None = None
        self._mirror: KnowledgeStore | None = None
        self._maintainer = None

    def apply_update(self, sparql: str):
        return self.write(lambda maintainer: maintainer.apply_update(sparql))

    def apply_changes(self, changes, report, drop_graph: str | None = None) -> None:
        """The Maintainer's, on the mirror, published; then the graph `drop_graph` (emptied by
        the changes) is dropped on the server too."""
        self.write(lambda maintainer: maintainer.apply_changes(changes, report, drop_graph))
        if drop_graph is not None:
            self.remote.remove_graph(ox.NamedNode(drop_graph))

    #: Each write is published in one update request.
    in_one_transaction = True

    @property
    def recorded(self) -> list:
        """The contradictions writes added, when they are allowed (the Maintainer's list)."""
        return self._maintainer.recorded if self._maintainer is not None else []

    def write(self, change: Callable):
        """Apply `change` (given a Maintainer of the mirror) and publish what it changed; start
        again from the store as it is if another writer published first."""
        from graph.reasoning.maintain import Maintainer

        for attempt in range(ATTEMPTS):
            expected = version_of(self.remote)
            if self._mirror is None or self._version != expected:
                self.remote.forget_graphs()
                self._mirror = KnowledgeStore(self.remote).in_memory_copy()
                self._maintainer = Maintainer(self._mirror, self.allow_inconsistent)
            before = set(self._mirror.raw)
            try:
                outcome = change(self._maintainer)
            except BaseException:
                self._mirror = None  # a refused write was undone, but trust nothing half-done
                raise
            after = set(self._mirror.raw)
            created = {g.value for g in self._mirror.raw.named_graphs()} - {
                g.value for g in self.remote.graph_nodes()
            }
            published = publish(self.remote, expected, before - after, after - before, created)
            if published is not None:
                self._version = published
                return outcome
            self._mirror = None
            # Back off for a random while, growing, so that racing writers fall out of step.
            time.sleep(random.uniform(0, 0.1 * 2**attempt))
        raise WriteConflict(
            f"the store at {self.remote.query_url} kept changing while this write was "
            f"prepared ({ATTEMPTS} attempts): try again"
        )


def publish(
    remote: RemoteStore,
    expected: str | None,
    removed: Iterable[ox.Quad],
    added: Iterable[ox.Quad],
    created: Iterable[str] = (),
) -> str | None:
    """Remove and add quads in one request, only if the dataset version is still `expected`;
    the new version, or None if it was not (another writer came first)."""
    removed, added = list(removed), list(added)
    operations = []
    if removed:
        operations.append(lambda guard: f"DELETE {{ {quad_data(removed)} }} WHERE {{ {guard} }}")
    if added:
        operations.append(lambda guard: f"INSERT {{ {quad_data(added)} }} WHERE {{ {guard} }}")
    return _conditional(remote, expected, operations, created)


def _conditional(
    remote: RemoteStore,
    expected: str | None,
    operations: list[Callable[[str], str]],
    created: Iterable[str] = (),
) -> str | None:
    """Run `operations` (each given the guard pattern its WHERE clause must hold) in one update
    request whose first operation moves the version from `expected` to a new value: the later
    ones match only if it did. The new version if it is the store's afterwards, else None."""
    new = uuid.uuid4().hex
    guard = f"GRAPH {VERSION_GRAPH} {{ {DATASET} {VERSION} {ox.Literal(new)} }}"
    if expected is None:
        bump = (
            f"INSERT {{ {guard} }} WHERE {{ FILTER NOT EXISTS "
            f"{{ GRAPH {VERSION_GRAPH} {{ {DATASET} {VERSION} ?any }} }} }}"
        )
    else:
        old = f"GRAPH {VERSION_GRAPH} {{ {DATASET} {VERSION} {ox.Literal(expected)} }}"
        bump = f"DELETE {{ {old} }} INSERT {{ {guard} }} WHERE {{ {old} }}"
    texts = [bump, *(f"CREATE SILENT GRAPH <{g}>" for g in sorted(set(created)))]
    texts += [operation(guard) for operation in operations]
    remote.update(" ;\n".join(texts))
    return new if version_of(remote) == new else None


def stage(remote: RemoteStore, quads: list[ox.Quad], token: str) -> dict[str, str]:
    """Load quads into staging graphs (graph g into STAGING/token/g), where no query sees them;
    returns the graph names, staged name by final name."""
    names: dict[str, str] = {}
    staged = []
    for q in quads:
        final = q.graph_name.value
        name = names.setdefault(final, f"{STAGING}{token}/{final}")
        staged.append(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(name)))
    for start in range(0, len(staged), STAGE_CHUNK):
        remote.extend(staged[start : start + STAGE_CHUNK])
    return names


def drop_staged(remote: RemoteStore, token: str) -> None:
    """Remove what a build staged (after a failure, or what the swap left)."""
    rows = remote.query(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?g), "{STAGING}{token}/")) }}'
    )
    for row in list(rows):
        remote.remove_graph(row["g"])


def swap_in(
    remote: RemoteStore,
    expected: str | None,
    staged: dict[str, str],
    replaced: Iterable[str],
    empty: Iterable[str] = (),
) -> str | None:
    """Make the staged graphs the live ones in one request, conditional on the version: empty
    every graph in `replaced`, move each staged graph to its name, create the `empty` ones.
    (DROP and MOVE take no WHERE clause to make them conditional: DELETE and INSERT do.)"""

    def emptying(graph: str):
        pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}"
        return lambda guard: f"DELETE {{ {pattern} }} WHERE {{ {guard} {pattern} }}"

    def moving(staged_name: str, graph: str):
        source = f"GRAPH <{staged_name}> {{ ?s ?p ?o }}"
        target = f"GRAPH <{graph}> {{ ?s ?p ?o }}"
        return lambda guard: (
            f"DELETE {{ {source} }} INSERT {{ {target} }} WHERE {{ {guard} {source} }}"
        )

    operations = [emptying(g) for g in sorted(set(replaced) | set(staged))]
    operations += [moving(s, g) for g, s in staged.items()]
    return _conditional(remote, expected, operations, created=[*staged, *empty])
