"""Build: validate every source, load the ontology and the facts into a new store generation, and
swap it in only when everything has succeeded."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph.errors import ValidationFailed
from graph.reasoner import Reasoner
from graph.sources import LINKS_FILE, Source, parse_file
from graph.store import KnowledgeStore, StoreLocation
from graph.validate import validate_sources
from ontology import INFERRED_GRAPH, LINKS_GRAPH, ONTOLOGY_GRAPH, VOCABULARY_FILES

#: Called with a step's description as the build moves on; the CLI shows it as progress.
StepCallback = Callable[[str], None]


@dataclass
class BuildReport:
    """What a build loaded: the number of quads per named graph."""

    store: Path | None
    graphs: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.graphs.values())


def build_steps(sources: list[Source]) -> int:
    """How many steps `build` reports, for a progress bar."""
    return 4 + len(sources)


def load_into(
    store: KnowledgeStore, sources: list[Source], step: StepCallback = lambda _: None
) -> BuildReport:
    """Validate the sources and load them with the ontology into `store` (which should be empty)."""
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
    step("reasoning")
    reasoner = Reasoner(store.raw, [*store.asserted_graphs(), ONTOLOGY_GRAPH], INFERRED_GRAPH)
    report.graphs[INFERRED_GRAPH] = reasoner.materialise().inferred
    store.add_graph(INFERRED_GRAPH)
    return report


def build(
    location: StoreLocation, sources: list[Source], step: StepCallback = lambda _: None
) -> BuildReport:
    """Build a new store generation from `sources` and make it live only if all went well."""
    generation = location.new_generation()
    try:
        store = KnowledgeStore(ox.Store(str(generation)))
        report = load_into(store, sources, step)
        store.flush()
        del store
        location.commit(generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    report.store = location.root
    return report


def _vocabulary_quads() -> list[ox.Quad]:
    quads = []
    for path in VOCABULARY_FILES:
        quads += parse_file(path, ox.RdfFormat.TURTLE)
    return quads


def _load(store: KnowledgeStore, report: BuildReport, graph: str, quads: list[ox.Quad]) -> None:
    home = ox.NamedNode(graph)
    store.add(ox.Quad(q.subject, q.predicate, q.object, home) for q in quads)
    report.graphs[graph] = report.graphs.get(graph, 0) + len(quads)
