"""The ontology's documentation page, as pyLODE and WIDOCO lay one out: the ontology's metadata,
a table of contents, the classes in their hierarchy (each with its superclasses, subclasses and
the properties whose domain or range it is), the properties (domain, range, inverse,
characteristics, super- and sub-properties, chains), the named individuals and the namespaces.

Built from the ontology graph as asserted (one read of it), not from the inferred closure: a
modeller reads what was written."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Response

from endpoint.pages import render
from endpoint.services import store
from graph.terms import compact
from ontology import AKG, ONTOLOGY_GRAPH, ONTOLOGY_IRI, PREFIXES

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
DCTERMS = "http://purl.org/dc/terms/"

#: The property characteristics OWL names, as a modeller says them.
CHARACTERISTICS = {
    OWL + "SymmetricProperty": "symmetric",
    OWL + "AsymmetricProperty": "asymmetric",
    OWL + "TransitiveProperty": "transitive",
    OWL + "FunctionalProperty": "functional",
    OWL + "InverseFunctionalProperty": "inverse functional",
    OWL + "ReflexiveProperty": "reflexive",
    OWL + "IrreflexiveProperty": "irreflexive",
}
PROPERTY_KINDS = {
    OWL + "ObjectProperty": "object property",
    OWL + "DatatypeProperty": "datatype property",
    OWL + "AnnotationProperty": "annotation property",
}


@dataclass
class Graph:
    """The ontology graph's triples, indexed by subject and predicate, and by object."""

    out: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    into: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def add(self, s, p, o) -> None:
        self.out[s][p.value].append(o)
        self.into[o][p.value].append(s)

    def values(self, s, p: str) -> list:
        return self.out.get(s, {}).get(p, [])

    def subjects(self, p: str, o) -> list:
        return self.into.get(o, {}).get(p, [])

    def text(self, s, p: str) -> str | None:
        found = self.values(s, p)
        english = [v for v in found if isinstance(v, ox.Literal) and v.language == "en"]
        chosen = (english or found or [None])[0]
        return chosen.value if chosen is not None else None

    def rdf_list(self, head) -> list:
        members, seen = [], set()
        while head in self.out and head not in seen and head != ox.NamedNode(RDF + "nil"):
            seen.add(head)
            members += self.values(head, RDF + "first")
            rest = self.values(head, RDF + "rest")
            head = rest[0] if rest else None
        return members


def _read() -> Graph:
    graph = Graph()
    for q in store().raw.quads_for_pattern(None, None, None, ox.NamedNode(ONTOLOGY_GRAPH)):
        graph.add(q.subject, q.predicate, q.object)
    return graph


def _own(term) -> bool:
    return isinstance(term, ox.NamedNode) and term.value.startswith(AKG)


def _ref(graph: Graph, term) -> dict:
    """A term as a link: the ontology's own to their entry on this page, others to their IRI;
    restrictions and other anonymous classes described in words."""
    if _own(term):
        name = term.value[len(AKG) :]
        return {
            "href": f"#{name}",
            "text": f"akg:{name}",
            "label": graph.text(term, RDFS + "label"),
        }
    if isinstance(term, ox.NamedNode):
        return {"href": term.value, "text": compact(term), "label": None}
    return {"href": None, "text": _describe(graph, term), "label": None}


def _describe(graph: Graph, node) -> str:
    """An anonymous class in Manchester-like words: `hasValue`, `some`, `and`, `one of`."""
    on = graph.values(node, OWL + "onProperty")
    if on:
        prop = compact(on[0])
        for key, word in (("someValuesFrom", "some"), ("allValuesFrom", "only")):
            if graph.values(node, OWL + key):
                return f"{prop} {word} {compact(graph.values(node, OWL + key)[0])}"
        if graph.values(node, OWL + "hasValue"):
            return f"{prop} value {compact(graph.values(node, OWL + 'hasValue')[0])}"
        for key in ("maxCardinality", "maxQualifiedCardinality", "cardinality", "minCardinality"):
            if graph.values(node, OWL + key):
                count = graph.values(node, OWL + key)[0].value
                return f"{prop} {key.replace('Qualified', '')} {count}"
        return f"a restriction on {prop}"
    for key, word in (("intersectionOf", " and "), ("unionOf", " or ")):
        if graph.values(node, OWL + key):
            members = graph.rdf_list(graph.values(node, OWL + key)[0])
            return (
                "("
                + word.join(
                    _describe(graph, m) if not isinstance(m, ox.NamedNode) else compact(m)
                    for m in members
                )
                + ")"
            )
    if graph.values(node, OWL + "oneOf"):
        members = graph.rdf_list(graph.values(node, OWL + "oneOf")[0])
        return "one of {" + ", ".join(compact(m) for m in members) + "}"
    return "an anonymous class"


def _entry(graph: Graph, term) -> dict:
    return {
        "name": term.value[len(AKG) :],
        "iri": term.value,
        "label": graph.text(term, RDFS + "label"),
        "comment": graph.text(term, RDFS + "comment")
        or graph.text(term, "http://www.w3.org/2004/02/skos/core#definition"),
    }


def _classes(graph: Graph) -> list[dict]:
    classes = sorted(
        (s for s in graph.subjects(RDF + "type", ox.NamedNode(OWL + "Class")) if _own(s)),
        key=lambda c: c.value,
    )
    with_domain = defaultdict(list)
    with_range = defaultdict(list)
    for prop, values in ((p, graph.values(p, RDFS + "domain")) for p in list(graph.out)):
        for cls in values:
            with_domain[cls].append(prop)
    for prop, values in ((p, graph.values(p, RDFS + "range")) for p in list(graph.out)):
        for cls in values:
            with_range[cls].append(prop)
    entries = []
    for cls in classes:
        supers = graph.values(cls, RDFS + "subClassOf")
        entries.append(
            {
                **_entry(graph, cls),
                "superclasses": [_ref(graph, c) for c in supers],
                "subclasses": [
                    _ref(graph, c)
                    for c in sorted(graph.subjects(RDFS + "subClassOf", cls), key=str)
                    if isinstance(c, ox.NamedNode)
                ],
                "equivalent": [_ref(graph, c) for c in graph.values(cls, OWL + "equivalentClass")],
                "disjoint": [_ref(graph, c) for c in graph.values(cls, OWL + "disjointWith")],
                "domain_of": [_ref(graph, p) for p in sorted(with_domain[cls], key=str)],
                "range_of": [_ref(graph, p) for p in sorted(with_range[cls], key=str)],
                "members": [
                    _ref(graph, i)
                    for i in sorted(graph.subjects(RDF + "type", cls), key=str)
                    if _own(i)
                ],
            }
        )
    return entries


def _hierarchy(entries: list[dict]) -> list[dict]:
    """The classes as a tree: each under its named superclasses of this ontology (a class with
    several appears under each), the others at the top."""
    by_name = {e["name"]: e for e in entries}
    children = defaultdict(list)
    roots = []
    for entry in entries:
        parents = [
            s["text"][4:]
            for s in entry["superclasses"]
            if s["text"].startswith("akg:") and s["text"][4:] in by_name
        ]
        for parent in parents:
            children[parent].append(entry["name"])
        if not parents:
            roots.append(entry["name"])

    def node(name: str, seen: frozenset) -> dict:
        below = [node(c, seen | {name}) for c in sorted(children[name]) if c not in seen]
        return {"name": name, "label": by_name[name]["label"], "children": below}

    return [node(name, frozenset()) for name in sorted(roots)]


def _properties(graph: Graph) -> list[dict]:
    found = {}
    for kind, word in PROPERTY_KINDS.items():
        for prop in graph.subjects(RDF + "type", ox.NamedNode(kind)):
            if _own(prop):
                found.setdefault(prop, word)
    entries = []
    for prop in sorted(found, key=lambda p: p.value):
        types = [t.value for t in graph.values(prop, RDF + "type")]
        inverses = graph.values(prop, OWL + "inverseOf") + graph.subjects(OWL + "inverseOf", prop)
        chains = [graph.rdf_list(c) for c in graph.values(prop, OWL + "propertyChainAxiom")]
        entries.append(
            {
                **_entry(graph, prop),
                "kind": found[prop],
                "characteristics": [word for t, word in CHARACTERISTICS.items() if t in types],
                "domain": [_ref(graph, c) for c in graph.values(prop, RDFS + "domain")],
                "range": [_ref(graph, c) for c in graph.values(prop, RDFS + "range")],
                "inverse": [_ref(graph, p) for p in dict.fromkeys(inverses)],
                "superproperties": [
                    _ref(graph, p) for p in graph.values(prop, RDFS + "subPropertyOf")
                ],
                "subproperties": [
                    _ref(graph, p)
                    for p in sorted(graph.subjects(RDFS + "subPropertyOf", prop), key=str)
                ],
                "chains": [[_ref(graph, p) for p in chain] for chain in chains],
                "rule": graph.text(prop, AKG + "inferredBy"),
            }
        )
    return entries


def _individuals(graph: Graph) -> list[dict]:
    named = graph.subjects(RDF + "type", ox.NamedNode(OWL + "NamedIndividual"))
    return [
        {
            **_entry(graph, i),
            "types": [
                _ref(graph, t)
                for t in graph.values(i, RDF + "type")
                if t != ox.NamedNode(OWL + "NamedIndividual")
            ],
        }
        for i in sorted(named, key=lambda n: n.value)
        if _own(i)
    ]


def ontology_page() -> Response:
    graph = _read()
    ontology = ox.NamedNode(ONTOLOGY_IRI)
    classes = _classes(graph)
    view = {
        "iri": ONTOLOGY_IRI,
        "ontology_version": graph.text(ontology, OWL + "versionInfo"),
        "description": graph.text(ontology, DCTERMS + "description"),
        "comment": graph.text(ontology, RDFS + "comment"),
        "licence": (graph.values(ontology, DCTERMS + "license") or [None])[0],
        "classes": classes,
        "hierarchy": _hierarchy(classes),
        "properties": _properties(graph),
        "individuals": _individuals(graph),
        "namespaces": sorted(PREFIXES.items()),
    }
    alternates = [
        {"href": "/ontology.ttl", "type": "text/turtle", "title": "Turtle"},
        {
            "href": "/ontology/context.jsonld",
            "type": "application/ld+json",
            "title": "JSON-LD context",
        },
    ]
    title = graph.text(ontology, DCTERMS + "title") or "The ontology"
    return render("ontology.html", title, alternates=alternates, **view)
