"""The JSON-LD @context of the ontology: the project's prefixes, and every class and property of
the ontology by its local name, object properties typed `@id`, datatype properties typed by
their range. With it, compact JSON such as `{"@id": "id:Japan", "alliedWith": "id:United_States"}`
reads as the graph's own RDF. A term never takes a prefix's name, so that every IRI of the
graph round-trips through the context."""

from __future__ import annotations

import pyoxigraph as ox

from ontology import AKG, ONTOLOGY_FILE, PREFIXES

RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
RANGE = ox.NamedNode(PREFIXES["rdfs"] + "range")
OWL = PREFIXES["owl"]
XSD = PREFIXES["xsd"]


def jsonld_context() -> dict:
    triples = list(ox.parse(path=str(ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE))
    kinds: dict[str, set[str]] = {}
    ranges: dict[str, str] = {}
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode) or not t.subject.value.startswith(AKG):
            continue
        if t.predicate == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            kinds.setdefault(t.subject.value, set()).add(t.object.value)
        elif t.predicate == RANGE and isinstance(t.object, ox.NamedNode):
            ranges[t.subject.value] = t.object.value
    context: dict[str, object] = {"@version": 1.1, **dict(sorted(PREFIXES.items()))}
    for iri in sorted(kinds):
        name = iri[len(AKG) :]
        if name in PREFIXES:
            # A term named like a prefix would shadow it (`field` the property against
            # `field:Security`): the property stays reachable as akg:field.
            continue
        if OWL + "ObjectProperty" in kinds[iri]:
            context[name] = {"@id": iri, "@type": "@id"}
        elif OWL + "DatatypeProperty" in kinds[iri]:
            datatype = ranges.get(iri, "")
            typed = datatype.startswith(XSD) and datatype != XSD + "string"
            context[name] = {"@id": iri, "@type": datatype} if typed else {"@id": iri}
        else:  # classes and individuals
            context[name] = iri
    return {"@context": context}
