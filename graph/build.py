"""Build: validate every source, load the ontology and the facts into a new store generation, and
swap it in only when everything has succeeded."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from graph.errors import ValidationFailed
from graph.reasoning import consistency
from graph.reasoning.batch import materialise_store
from graph.reasoning.maintain import premise_graphs
from graph.sources import Source, parse_file
from graph.store import KnowledgeStore, StoreLocation
from graph.validate import validate_sources
from ontology import (
    CLAIM,
    GRAPH,
    INFERRED_GRAPH,
    LINKS_GRAPH,
    ONTOLOGY_GRAPH,
    VOCABULARY_FILES,
    WORK_GRAPHS,
)
from sources import LINKS_FILE

if TYPE_CHECKING:
    from graph.remote import RemoteStore

#: Called with a step's description as the build moves on; the CLI shows it as progress.
StepCallback = Callable[[str], None]


@dataclass
class BuildReport:
    """What a build loaded: the number of quads per named graph, and how many of them were
    written since the last build (by `update` or over HTTP) and kept."""

    store: Path | None
    graphs: dict[str, int] = field(default_factory=dict)
    kept: int = 0
    #: The contradictions the built graph holds (`alliance-kg check` lists them).
    contradictions: int = 0

    @property
    def total(self) -> int:
        return sum(self.graphs.values())


def build_steps(sources: list[Source], remote: bool = False) -> int:
    """How many steps `build` reports, for a progress bar."""
    return 5 + len(sources) + remote


def load_into(
    store: KnowledgeStore,
    sources: list[Source],
    step: StepCallback = lambda _: None,
    kept: list[ox.Quad] = (),
) -> BuildReport:
    """Validate the sources and load them with the ontology into `store` (which should be
    empty), with `kept`: quads written since the last build, reasoned over like the rest."""
    step("validating sources")
    violations = validate_sources(sources)
    if violations:
        raise ValidationFailed(violations)
    report = BuildReport(store=None)
    step("loading the ontology")
    _load(store, report, ONTOLOGY_GRAPH, _vocabulary_quads())
    for source in sources:
        step(f"loading {source.facts_path.name}")
        quads = source.quads()
        for quad in quads:
            report.graphs[quad.graph_name.value] = report.graphs.get(quad.graph_name.value, 0) + 1
        store.add(quads)
    step("loading the Wikidata links")
    _load(store, report, LINKS_GRAPH, parse_file(LINKS_FILE, ox.RdfFormat.TURTLE))
    if kept:
        step(f"keeping {len(kept)} quads written since the last build")
        store.add(kept)
        report.kept = len(kept)
    step("reasoning")
    closure = materialise_store(store.raw, premise_graphs(store), INFERRED_GRAPH, bulk=True)
    report.graphs[INFERRED_GRAPH] = closure.inferred
    store.add_graph(INFERRED_GRAPH)
    step("checking for contradictions")
    report.contradictions = len(
        consistency.violations(store.raw, premise_graphs(store), explain=False)
    )
    return report


def build(
    location: StoreLocation,
    sources: list[Source],
    step: StepCallback = lambda _: None,
    keep_writes: bool = True,
) -> BuildReport:
    """Build a new store generation from `sources` and make it live only if all went well.

    Writes made since the last build (by `update` or over HTTP: the updates graph, graphs a
    client created, the default graph) are carried into the new generation unless
    `keep_writes` is false; the graphs the build makes from the files (the ontology, the
    links, each source's claims and provenance, the inferred graph) are made anew. Refused
    while another process (a running server) holds the store: it could acknowledge a write
    that the new generation would not have."""
    with location.lock("a build"):
        kept = written_since_build(location) if keep_writes else []
        with location.next_generation() as generation:
            store = KnowledgeStore(ox.Store(str(generation)))
            report = load_into(store, sources, step, kept)
            store.flush()
            del store
    report.store = location.root
    return report


def build_remote(
    remote: RemoteStore,
    sources: list[Source],
    step: StepCallback = lambda _: None,
    keep_writes: bool = True,
) -> BuildReport:
    """Build into a remote SPARQL store: validate, load and reason here (in memory, with the
    batch engine), stage the graphs on the server under names no query sees, then swap them in
    with one update request, conditional on the dataset version. A failed build, or one that
    another client's write overtook, leaves the live graphs as they were."""
    from graph.remote_sync import WriteConflict, drop_staged, stage, swap_in, version_of

    expected = version_of(remote)
    live = [g.value for g in remote.graph_nodes()]
    kept = [q for q in remote.quads_for_pattern() if not _built_quad(q)] if keep_writes else []
    local = KnowledgeStore.in_memory()
    report = load_into(local, sources, step, kept)
    step(f"publishing {len(local)} quads to {remote.query_url}")
    token = uuid.uuid4().hex
    try:
        staged = stage(remote, list(local.raw), token)
        empty = [g for g in local.graph_names() if g not in staged]
        if not swap_in(remote, expected, staged, live, empty):
            raise WriteConflict(
                f"another client wrote the store at {remote.query_url} during the build, "
                "which was not applied: run it again"
            )
    finally:
        drop_staged(remote, token)
    return report


def is_built_graph(name: str) -> bool:
    """Whether `build` makes this graph from the files (so it is not a write to keep)."""
    built = (ONTOLOGY_GRAPH, INFERRED_GRAPH, LINKS_GRAPH)
    return name in built or name.startswith((CLAIM, GRAPH + "source/", WORK_GRAPHS))


def written_since_build(location: StoreLocation) -> list[ox.Quad]:
    """The quads of the live store that no build made: what `update` and HTTP writes added."""
    if not location.exists():
        return []
    store = KnowledgeStore.open(location, read_only=True)
    return [quad for quad in store.raw if not _built_quad(quad)]


def _built_quad(quad: ox.Quad) -> bool:
    return isinstance(quad.graph_name, ox.NamedNode) and is_built_graph(quad.graph_name.value)


def _vocabulary_quads() -> list[ox.Quad]:
    quads = []
    for path in VOCABULARY_FILES:
        quads += parse_file(path, ox.RdfFormat.TURTLE)
    return quads


def _load(store: KnowledgeStore, report: BuildReport, graph: str, quads: list[ox.Quad]) -> None:
    home = ox.NamedNode(graph)
    store.add(ox.Quad(q.subject, q.predicate, q.object, home) for q in quads)
    report.graphs[graph] = report.graphs.get(graph, 0) + len(quads)
