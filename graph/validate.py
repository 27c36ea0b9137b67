"""Validation of sources: the SHACL shapes, and the provenance rules that SHACL cannot check.

Every violation names the file, the node, the shape (or rule) and what is wrong, so that it prints
as one line a person can act on.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyparsing
import pyshacl
import rdflib
from rdflib.namespace import SH

from graph.sources import Source, parse_file
from graph.terms import compact
from ontology import AKG, SHAPES, SHAPES_FILE, VOCABULARY_FILES
from sources import LINKS_FILE

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CLAIM = ox.NamedNode(AKG + "Claim")
QUOTE = ox.NamedNode(AKG + "quote")
SOURCE = ox.NamedNode(AKG + "source")
PUBLISHER = ox.NamedNode("http://purl.org/dc/terms/publisher")
PASSAGE_TEXT = ox.NamedNode(AKG + "passageText")


@dataclass(frozen=True, order=True)
class Violation:
    """One problem in the data: where it is, which node, which shape or rule, and what is wrong."""

    file: str
    node: str
    shape: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.node}: [{self.shape}] {self.message}"


def validate_sources(sources: list[Source]) -> list[Violation]:
    """Check every source against the shapes and the provenance rules; an empty list means valid."""
    quads_by_source = {source.name: source.quads() for source in sources}
    violations = []
    for source in sources:
        violations += check_provenance(source, quads_by_source[source.name])
    violations += check_shapes(sources, quads_by_source)
    return sorted(set(violations))


def check_provenance(source: Source, quads: list[ox.Quad]) -> list[Violation]:
    """Each claim graph is described with a quote found verbatim in the source text; nothing stated
    outside a claim but the description of the document, its publisher and the claims."""
    file = str(source.facts_path)
    home = ox.NamedNode(source.provenance_graph)
    described = {q.subject for q in quads if q.graph_name == home and q.predicate == QUOTE}
    claim_graphs = {q.graph_name for q in quads if q.graph_name != home}
    violations = []
    for graph in sorted(claim_graphs - described, key=str):
        violations.append(
            Violation(file, compact(graph), "akgsh:ClaimProvenance",
                      "claim graph has no provenance: describe it outside the graph with "
                      "akg:quote, akg:source, akg:attributedTo and akg:modality")
        )  # fmt: skip
    for claim in sorted(described - claim_graphs, key=str):
        violations.append(
            Violation(file, compact(claim), "akgsh:ClaimProvenance",
                      "claim has provenance but no graph of triples")
        )  # fmt: skip
    for q in quads:
        if q.graph_name == home and q.predicate == QUOTE and q.object.value not in source.text:
            violations.append(
                Violation(file, compact(q.subject), "akgsh:VerbatimQuote",
                          f"quote not found verbatim in {source.text_path.name}: "
                          f"{_shorten(q.object.value)!r}")
            )  # fmt: skip
        if q.graph_name == home and q.predicate == SOURCE and q.object.value != source.document:
            violations.append(
                Violation(file, compact(q.subject), "akgsh:ClaimProvenance",
                          f"claim cites {compact(q.object)}, but this file's document is "
                          f"{compact(ox.NamedNode(source.document))}")
            )  # fmt: skip
    violations += _unclaimed_facts(source, quads, described)
    violations += _unaccounted_sentences(source, quads)
    return violations


def sentences(text: str) -> list[str]:
    """A source text's sentences: its paragraphs (split at blank lines), each split after a
    full stop, question or exclamation mark followed by a capital."""
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if paragraph:
            found += re.split(r"(?<=[.!?])\s+(?=[A-Z])", paragraph)
    return found


def _unaccounted_sentences(source: Source, quads: list[ox.Quad]) -> list[Violation]:
    """Every sentence of the text holds a claim's quote, or is a passage without facts."""
    home = ox.NamedNode(source.provenance_graph)
    quotes = [q.object.value for q in quads if q.graph_name == home and q.predicate == QUOTE]
    passages = {q.object.value for q in quads if q.predicate == PASSAGE_TEXT}
    violations = []
    for number, sentence in enumerate(sentences(source.text), 1):
        if sentence in passages or any(q in sentence or sentence in q for q in quotes):
            continue
        violations.append(
            Violation(str(source.facts_path), f"sentence {number}", "akgsh:EverySentence",
                      "carries no claim and is not a passage without facts (akg:Passage with "
                      f"an akg:reason): {_shorten(sentence)!r}")
        )  # fmt: skip
    return violations


def _unclaimed_facts(source: Source, quads: list[ox.Quad], claims: set) -> list[Violation]:
    home = ox.NamedNode(source.provenance_graph)
    document = ox.NamedNode(source.document)
    allowed = claims | {document} | {q.subject for q in quads if q.predicate == PASSAGE_TEXT}
    allowed |= {q.object for q in quads if q.subject == document and q.predicate == PUBLISHER}
    unclaimed = sorted(
        {q.subject for q in quads if q.graph_name == home and q.subject not in allowed}, key=str
    )
    return [
        Violation(str(source.facts_path), compact(subject), "akgsh:ClaimedFact",
                  "fact stated outside any claim graph: put it in a claim with the quote that "
                  "states it")
        for subject in unclaimed
    ]  # fmt: skip


def check_shapes(
    sources: list[Source], quads_by_source: dict[str, list[ox.Quad]]
) -> list[Violation]:
    """Run the SHACL shapes over the union of every source, the links and the vocabulary (so that
    a target class also targets its subclasses, and the fields of cooperation are known)."""
    # Files in the order they describe a node: the sources' facts files first, then the links
    # and the vocabulary, so that a violation is reported where the node is described.
    files_of: dict[str, dict[str, None]] = defaultdict(dict)
    triples: list[ox.Triple] = []
    for source in sources:
        for q in quads_by_source[source.name]:
            files_of[str(q.subject)][str(source.facts_path)] = None
            files_of[str(q.graph_name)][str(source.facts_path)] = None
            triples.append(ox.Triple(q.subject, q.predicate, q.object))
    for path in (LINKS_FILE, *VOCABULARY_FILES):
        for q in parse_file(path, ox.RdfFormat.TURTLE):
            files_of[str(q.subject)][str(path)] = None
            triples.append(ox.Triple(q.subject, q.predicate, q.object))
    shapes = _load_rdflib([SHAPES_FILE])
    try:
        conforms, report, _ = pyshacl.validate(
            _to_rdflib(triples),
            shacl_graph=shapes,
            inference="none",
            abort_on_first=False,
            allow_warnings=True,
        )
    finally:
        # pyparsing's packrat cache (rdflib's SPARQL parser, used by pyshacl) keeps the frames
        # of its callers alive, and with them any store they hold open.
        pyparsing.ParserElement.reset_cache()
    if conforms:
        return []
    return list(_read_report(report, shapes, files_of))


def _read_report(
    report: rdflib.Graph, shapes: rdflib.Graph, files_of: dict[str, dict[str, None]]
) -> Iterable[Violation]:
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        shape = _shape_name(shapes, report.value(result, SH.sourceShape))
        path = report.value(result, SH.resultPath)
        message = str(report.value(result, SH.resultMessage) or "violates the shape")
        if path is not None and isinstance(path, rdflib.URIRef):
            message = f"{compact(ox.NamedNode(str(path)))}: {message}"
        node = _node_text(focus)
        file = next(iter(files_of.get(node, ())), "(sources)")
        yield Violation(file, compact(_to_ox(focus)), shape, message)


def _shape_name(shapes: rdflib.Graph, shape: rdflib.term.Node | None) -> str:
    """Property shapes are blank nodes: name them by the node shape they belong to."""
    if isinstance(shape, rdflib.BNode):
        parent = shapes.value(predicate=SH.property, object=shape)
        if parent is not None:
            shape = parent
    if isinstance(shape, rdflib.URIRef) and str(shape).startswith(SHAPES):
        return "akgsh:" + str(shape)[len(SHAPES) :]
    return str(shape)


def _node_text(node: rdflib.term.Node | None) -> str:
    return str(_to_ox(node)) if node is not None else ""


def _to_ox(node: rdflib.term.Node | None) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode(str(node))
    return ox.Literal(str(node))


def _to_rdflib(triples: list[ox.Triple]) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def _load_rdflib(paths: Iterable[Path]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(str(path), format="turtle")
    return graph


def _shorten(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
