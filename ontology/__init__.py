"""The alliance-kg vocabulary: namespaces, graph names and the paths of the ontology's files.

This package knows about nothing else in the project: `graph/` and `endpoint/` import it, never the
reverse.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

ONTOLOGY_FILE = HERE / "alliance.ttl"
FIELDS_FILE = HERE / "fields.ttl"
SHAPES_FILE = HERE / "shapes.ttl"
RULES_DIR = HERE / "rules"
#: Every file whose triples go into the ontology graph.
VOCABULARY_FILES = (ONTOLOGY_FILE, FIELDS_FILE)

BASE = "https://w3id.org/alliance-kg/"
AKG = BASE + "ontology#"
ONTOLOGY_IRI = BASE + "ontology"
ID = BASE + "id/"
FIELD = BASE + "field/"
SOURCE = BASE + "source/"
CLAIM = BASE + "claim/"
GRAPH = BASE + "graph/"
SHAPES = BASE + "shapes#"

#: The named graph that holds the ontology and the fields-of-cooperation scheme.
ONTOLOGY_GRAPH = GRAPH + "ontology"
#: The named graph that holds what the reasoner infers.
INFERRED_GRAPH = GRAPH + "inferred"
#: The named graph that holds the hand-checked links to Wikidata.
LINKS_GRAPH = GRAPH + "links"
#: The named graph where SPARQL updates put what they insert without naming a graph.
UPDATES_GRAPH = GRAPH + "updates"
#: The reasoner's working graphs (deltas) live under this prefix while it runs.
WORK_GRAPHS = GRAPH + "work/"
#: A remote store's own bookkeeping (its dataset version, a build's staged graphs) lives in graphs
#: under this prefix, which no graph list, union or export shows.
STORE_GRAPHS = GRAPH + "store/"


def provenance_graph(source_name: str) -> str:
    """The named graph holding a source's document description and its claims' provenance."""
    return f"{GRAPH}source/{source_name}"


PREFIXES: dict[str, str] = {
    "akg": AKG,
    "id": ID,
    "field": FIELD,
    "src": SOURCE,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "time": "http://www.w3.org/2006/time#",
    "wd": "http://www.wikidata.org/entity/",
}


def sparql_prologue() -> str:
    """PREFIX declarations for every prefix in PREFIXES, for queries written with prefixed names."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
