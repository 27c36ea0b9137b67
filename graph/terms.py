"""RDF terms for people: compact prefixed names for display, and the reverse for input."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from graph.errors import InvalidInput
from ontology import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def compact(term: object) -> str:
    """A term as a person reads it: a prefixed name where a known prefix fits, else N-Triples."""
    if isinstance(term, ox.NamedNode):
        return compact_iri(term.value)
    return str(term)


def compact_iri(iri: str) -> str:
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if local and all(ch.isalnum() or ch in "_-." for ch in local):
                return f"{name}:{local}"
    return f"<{iri}>"


def display(term: object) -> str:
    """A term as a table cell: IRIs compacted, strings as text, other literals with their type."""
    if isinstance(term, ox.Literal):
        if term.language or term.datatype.value == XSD_STRING:
            return term.value
        return f"{term.value} ({compact_iri(term.datatype.value)})"
    if term is None:
        return ""
    return compact(term)


#: IRI schemes written without `//` that a bare term may use (anything else before a colon
#: that is not a known prefix is taken for a mistyped prefix).
BARE_SCHEMES = frozenset({"urn", "mailto", "tag", "data", "did", "doi", "info", "geo", "tel"})


def expand_iri(text: str) -> ox.NamedNode:
    """An IRI from `<http://...>`, `http://...` or a prefixed name such as `id:Japan`."""
    text = text.strip()
    bracketed = text.startswith("<") and text.endswith(">")
    if bracketed:
        text = text[1:-1]
    prefix, colon, local = text.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        text = PREFIXES[prefix] + local
    elif colon and not bracketed and not local.startswith("//") and prefix not in BARE_SCHEMES:
        known = ", ".join(f"{name}:" for name in PREFIXES)
        raise InvalidInput(
            f"unknown prefix {prefix + ':'!r} in {text!r} (known prefixes: {known}); "
            "write a full IRI in <...>"
        )
    try:
        node = ox.NamedNode(text)
    except ValueError as error:
        raise InvalidInput(f"not a valid IRI: {text!r} ({error})") from None
    if ":" not in text:
        raise InvalidInput(f"not an absolute IRI or known prefixed name: {text!r}")
    return node


def parse_term(text: str) -> ox.NamedNode | ox.Literal:
    """A term typed by a person: an IRI or prefixed name, or a literal in N-Triples syntax whose
    datatype may be a prefixed name ('"1960"^^xsd:gYear', '"Japan"@en')."""
    text = text.strip()
    if not text.startswith('"'):
        return expand_iri(text)
    body, marker, datatype = text.rpartition("^^")
    if marker and not datatype.startswith("<"):
        text = f"{body}^^<{expand_iri(datatype).value}>"
    try:
        triple = next(
            iter(ox.parse(f"<x:s> <x:p> {text} .".encode(), format=ox.RdfFormat.N_TRIPLES))
        )
    except (SyntaxError, StopIteration):
        raise InvalidInput(f"not a valid literal: {text}") from None
    return triple.object


XSD = "http://www.w3.org/2001/XMLSchema#"
#: Datatypes whose values are whole numbers: given to JSON as integers.
INTEGER_TYPES = frozenset(
    XSD + name
    for name in [
        "integer",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
        "positiveInteger",
    ]
)
NUMBER_TYPES = frozenset({XSD + "decimal", XSD + "double", XSD + "float"})


def json_value(term: object) -> str | int | float | bool | None:
    """A term as a plain JSON value: numbers and booleans typed (so pandas and JavaScript need
    not guess), everything else, and any lexical form that is not a valid number or boolean
    (`"NaN"`, `"INF"`), as its string."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in INTEGER_TYPES:
                return int(term.value)
            if datatype in NUMBER_TYPES:
                number = float(term.value)
                return number if number == number and abs(number) != float("inf") else term.value
        except ValueError:
            return term.value
        if datatype == XSD + "boolean" and term.value in ("true", "false", "1", "0"):
            return term.value in ("true", "1")
    return term.value


def quad_data(quads: Iterable[ox.Quad]) -> str:
    """Quads as the body of INSERT DATA / DELETE DATA, grouped by graph."""
    by_graph: dict = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, []).append(q.triple)
    parts = []
    for graph, triples in by_graph.items():
        block = triples_text(triples)
        parts.append(
            block if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph} {{ {block} }}"
        )
    return "\n".join(parts)


def triples_text(triples: Iterable[ox.Triple]) -> str:
    return "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
