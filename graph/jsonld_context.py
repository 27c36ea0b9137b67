"""The JSON-LD @context of the ontology: the project's prefixes, and every class, individual and
property of the ontology by its local name, object properties typed `@id`, datatype properties
typed by their range. With it, compact JSON such as
`{"@id": "id:Japan", "alliedWith": "id:United_States"}` reads as the graph's own RDF. A term
never takes a prefix's name, so that every IRI of the graph round-trips through the context.

Object properties whose values are the ontology's own individuals (`status`, `modality`,
`termStatus`: their range has individuals) are typed `@vocab`, so `"status": "Planned"` means
akg:Planned, as a person writing JSON expects, and not an IRI relative to the document.

`write_compacted` writes RDF as JSON-LD compacted with this context (with `@type` for rdf:type),
the form of the dumps and the `/data/*.jsonld` documents."""

from __future__ import annotations

import io
from typing import IO

import pyoxigraph as ox

from ontology import AKG, ONTOLOGY_FILE, PREFIXES

RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
RANGE = ox.NamedNode(PREFIXES["rdfs"] + "range")
SUBCLASS = ox.NamedNode(PREFIXES["rdfs"] + "subClassOf")
OWL = PREFIXES["owl"]
XSD = PREFIXES["xsd"]


def jsonld_context() -> dict:
    triples = list(ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE))
    kinds: dict[str, set[str]] = {}
    ranges: dict[str, str] = {}
    supers: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate == SUBCLASS and isinstance(t.object, ox.NamedNode):
            supers.setdefault(t.subject.value, set()).add(t.object.value)
        if not isinstance(t.subject, ox.NamedNode) or not t.subject.value.startswith(AKG):
            continue
        if t.predicate == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            kinds.setdefault(t.subject.value, set()).add(t.object.value)
        elif t.predicate == RANGE and isinstance(t.object, ox.NamedNode):
            ranges[t.subject.value] = t.object.value
    # Classes with individuals of the ontology's own: the values of properties ranging over them.
    # and their superclasses (akg:status ranges over akg:Status, above akg:InitiativeStatus).
    enumerated = {kind for iri, types in kinds.items() if OWL + "NamedIndividual" in types
                  for kind in types}  # fmt: skip
    frontier = set(enumerated)
    while frontier:
        frontier = {s for c in frontier for s in supers.get(c, ())} - enumerated
        enumerated |= frontier
    context: dict[str, object] = {"@version": 1.1, **dict(sorted(PREFIXES.items()))}
    for iri in sorted(kinds):
        name = iri[len(AKG) :]
        if name in PREFIXES:
            # A term named like a prefix would shadow it (`field` the property against
            # `field:Security`): the property stays reachable as akg:field.
            continue
        if OWL + "ObjectProperty" in kinds[iri]:
            coercion = "@vocab" if ranges.get(iri) in enumerated else "@id"
            context[name] = {"@id": iri, "@type": coercion}
        elif OWL + "DatatypeProperty" in kinds[iri]:
            datatype = ranges.get(iri, "")
            typed = datatype.startswith(XSD) and datatype != XSD + "string"
            context[name] = {"@id": iri, "@type": datatype} if typed else {"@id": iri}
        else:  # classes and individuals
            context[name] = iri
    return {"@context": context}


def write_compacted(items: list, output: IO[bytes]) -> None:
    """Triples or quads as JSON-LD compacted with the ontology's context (embedded, so the
    document reads offline): terms for properties and classes, `@type`, prefixed IRIs, and a
    `@graph` per named graph. rdflib's JSON-LD serialiser does the compaction; pyoxigraph's
    writes expanded JSON-LD only."""
    import rdflib

    buffer = io.BytesIO()
    ox.serialize(items, buffer, ox.RdfFormat.N_QUADS)
    dataset = rdflib.Dataset()
    dataset.parse(data=buffer.getvalue().decode("utf-8"), format="nquads")
    context = jsonld_context()["@context"]
    text = dataset.serialize(format="json-ld", context=context, auto_compact=True)
    output.write(text.encode("utf-8"))
