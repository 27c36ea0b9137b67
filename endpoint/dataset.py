"""The dataset as a whole: its VoID description, dumps, and the ontology's own IRIs."""

from __future__ import annotations

import gzip
import io
import json

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request

from endpoint.errors import HTTPError
from endpoint.negotiation import negotiate
from endpoint.pages import entity_space, labels_of, render, short_name, shown_term
from endpoint.services import settings, store
from graph.export import export
from graph.formats import GRAPH_TYPES, HTML, JSON_LD, TURTLE, by_name, named
from graph.jsonld_context import jsonld_context
from ontology import AKG, ONTOLOGY_FILE, ONTOLOGY_GRAPH, PREFIXES

bp = Blueprint("dataset", __name__)

VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
#: The dumps' formats by their extensions (which are also their names for `export`).
DUMP_FORMATS = {m.name: m for m in named(("nq", "trig", "ttl", "jsonld"))}
DUMP_SELECTIONS = ("all", "asserted", "inferred", "ontology")
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
#: What each part of the dataset holds, for VoID's subsets and the dumps page.
SUBSETS = {
    "asserted": "The asserted facts (one graph per claim), the claims' provenance and the links "
    "to Wikidata, without the ontology. The SHACL shapes need the ontology's class hierarchy: "
    "validate this part together with the ontology part (or use the whole dataset).",
    "inferred": "The triples the OWL 2 RL reasoner and the project's rules infer.",
    "ontology": "The OWL ontology and the SKOS scheme of fields of cooperation.",
}
DISTINCT_TRIPLES = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
#: VoID's statistics, each an aggregate over the distinct triples the endpoint serves.
SIZES = {
    "triples": "COUNT(*)",
    "classes": "COUNT(DISTINCT IF(?p = rdf:type, ?o, ?unbound))",
    "properties": "COUNT(DISTINCT ?p)",
    "distinctSubjects": "COUNT(DISTINCT ?s)",
    "distinctObjects": "COUNT(DISTINCT ?o)",
}


def _count(query: str, view: str = "all") -> int:
    return int(next(iter(store().query(query, view=view)))["n"].value)


@bp.route("/.well-known/void")
def void() -> Response:
    """A VoID description: the endpoint, sizes, class and property partitions, the asserted,
    inferred and ontology parts as subsets with their own dumps, sources, licence."""
    base = request.host_url.rstrip("/")
    dataset = ox.NamedNode(base + "/.well-known/void#dataset")

    def node(value: str) -> ox.NamedNode:
        return ox.NamedNode(value)

    def typed(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=node(PREFIXES["xsd"] + "integer"))

    def statement(subject, name: str, value) -> ox.Triple:
        return ox.Triple(subject, node(VOID + name), value)

    def sizes(subject, view: str) -> list[ox.Triple]:
        select = " ".join(f"({count} AS ?{name})" for name, count in SIZES.items())
        (row,) = store().query(f"SELECT {select} WHERE {DISTINCT_TRIPLES}", view=view)
        return [statement(subject, name, typed(int(row[name].value))) for name in SIZES]

    def dumps(subject, selection: str) -> list[ox.Triple]:
        return [
            statement(subject, "dataDump", node(f"{base}/dumps/{selection}.{extension}"))
            for extension in DUMP_FORMATS
        ]

    entities = _count(
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o "
        f'FILTER STRSTARTS(STR(?s), "{entity_space()}") }}'
    )
    triples = [
        ox.Triple(dataset, node(PREFIXES["rdf"] + "type"), node(VOID + "Dataset")),
        ox.Triple(dataset, node(DCTERMS + "title"), ox.Literal("alliance-kg", language="en")),
        ox.Triple(dataset, node(DCTERMS + "license"), node(LICENCE)),
        statement(dataset, "sparqlEndpoint", node(base + "/sparql")),
        statement(dataset, "uriSpace", ox.Literal(entity_space())),
        statement(dataset, "vocabulary", node(AKG)),
        statement(dataset, "entities", typed(entities)),
        *sizes(dataset, "all"),
        *dumps(dataset, "all"),
    ]
    for row in store().query("SELECT DISTINCT ?doc WHERE { ?doc a akg:SourceDocument }"):
        triples.append(ox.Triple(dataset, node(DCTERMS + "source"), row["doc"]))
    # Blank nodes named in order, so the same data gives the same bytes (and the same ETag).
    for index, row in enumerate(
        store().query(
            "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class "
            "ORDER BY ?class"
        )
    ):
        partition = ox.BlankNode(f"class{index}")
        triples += [
            statement(dataset, "classPartition", partition),
            statement(partition, "class", row["class"]),
            statement(partition, "entities", typed(int(row["n"].value))),
        ]
    for index, row in enumerate(
        store().query(
            f"SELECT ?p (COUNT(*) AS ?n) WHERE {DISTINCT_TRIPLES} GROUP BY ?p ORDER BY ?p"
        )
    ):
        partition = ox.BlankNode(f"property{index}")
        triples += [
            statement(dataset, "propertyPartition", partition),
            statement(partition, "property", row["p"]),
            statement(partition, "triples", typed(int(row["n"].value))),
        ]
    for view, description in () if settings().plain else SUBSETS.items():
        subset = node(f"{base}/.well-known/void#{view}")
        triples += [
            statement(dataset, "subset", subset),
            ox.Triple(subset, node(PREFIXES["rdf"] + "type"), node(VOID + "Dataset")),
            ox.Triple(
                subset, node(DCTERMS + "title"), ox.Literal(f"alliance-kg: {view}", language="en")
            ),
            ox.Triple(
                subset, node(DCTERMS + "description"), ox.Literal(description, language="en")
            ),
            *sizes(subset, view),
            *dumps(subset, view),
        ]
    offered = (*GRAPH_TYPES, HTML)
    media = by_name(request.args.get("format", ""), offered) or negotiate(
        request.headers.get("Accept"), offered, GRAPH_TYPES[0]
    )
    if media is None:
        offered = ", ".join(m.mime for m in (*GRAPH_TYPES, HTML))
        raise HTTPError(406, f"the VoID description is offered as {offered}")
    if media is HTML:
        return void_page(triples)
    buffer = io.BytesIO()
    prefixes = {"void": VOID, "dcterms": DCTERMS} if media.name == "ttl" else None
    ox.serialize(triples, buffer, media.rdf, prefixes=prefixes)
    return Response(buffer.getvalue(), mimetype=media.mime)


def void_page(triples: list[ox.Triple]) -> Response:
    """The VoID description for a person: each statement as a row, links where they lead."""
    labels = labels_of({t.object for t in triples} | {t.predicate for t in triples})
    rows = [
        {
            "subject": short_name(t.subject),
            "predicate": shown_term(t.predicate, labels.get(t.predicate)),
            "value": shown_term(t.object, labels.get(t.object)),
        }
        for t in triples
    ]
    alternates = [
        {"href": "/.well-known/void?format=ttl", "type": "text/turtle", "title": "Turtle"}
    ]
    return render(
        "void.html", "VoID description", rows=rows, alternates=alternates, section="/data"
    )


@bp.route("/dumps/")
def dumps_index() -> Response:
    view = {
        "subsets": list(SUBSETS.items()),
        "files": [
            {"selection": selection, "files": [f"{selection}.{ext}.gz" for ext in DUMP_FORMATS]}
            for selection in DUMP_SELECTIONS
        ],
    }
    return render("dumps.html", "Dumps", section="/data", **view)


def _dump_bytes(selection: str, extension: str) -> bytes:
    if selection not in DUMP_SELECTIONS or extension not in DUMP_FORMATS:
        known = f"{'|'.join(DUMP_SELECTIONS)}.{'|'.join(DUMP_FORMATS)}[.gz]"
        raise HTTPError(404, f"no such dump: /dumps/ offers {known}")
    buffer = io.BytesIO()
    export(store(), selection, extension, buffer)
    return buffer.getvalue()


@bp.route("/dumps/<selection>.<extension>.gz")
def dump_file(selection: str, extension: str) -> Response:
    """A gzip file, labelled as one: saved as it is by curl and browsers."""
    data = gzip.compress(_dump_bytes(selection, extension), mtime=0)
    name = f"{selection}.{extension}.gz"
    return Response(
        data,
        mimetype="application/gzip",
        headers={"Content-Disposition": f"attachment; filename={name}"},
    )


@bp.route("/dumps/<selection>.<extension>")
def dump(selection: str, extension: str) -> Response:
    """The dump as RDF in its own media type, for clients that parse what a URL gives them
    (gzip-encoded in transit when the client accepts it, as every textual response is)."""
    return Response(_dump_bytes(selection, extension), mimetype=DUMP_FORMATS[extension].mime)


@bp.route("/ontology")
def ontology() -> Response:
    """The ontology IRI: its documentation for browsers, the OWL ontology in RDF otherwise."""
    media = negotiate(request.headers.get("Accept"), (HTML, *GRAPH_TYPES), HTML) or HTML
    if media is HTML:
        from endpoint.ontology_page import ontology_page

        return ontology_page()
    quads = store().raw.quads_for_pattern(None, None, None, ox.NamedNode(ONTOLOGY_GRAPH))
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    buffer = io.BytesIO()
    prefixes = PREFIXES if media.name == "ttl" else None
    ox.serialize(triples, buffer, media.rdf, prefixes=prefixes)
    return Response(buffer.getvalue(), mimetype=media.mime)


@bp.route("/ontology.ttl")
def ontology_turtle() -> Response:
    return Response(ONTOLOGY_FILE.read_bytes(), mimetype=TURTLE.mime)


@bp.route("/ontology/context.jsonld")
def ontology_context() -> Response:
    """The ontology's JSON-LD @context (see graph/jsonld_context.py)."""
    body = json.dumps(jsonld_context(), ensure_ascii=False, indent=2)
    return Response(body, mimetype=JSON_LD.mime)


@bp.route("/ontology/<path:_>")
def ontology_version(_: str) -> Response:
    return redirect("/ontology", code=303)
