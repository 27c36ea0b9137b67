"""Linked data: every IRI the graph mints (`<base>KIND/NAME` for the entities `id/`, the
source documents `source/`, the claims `claim/` and the fields of cooperation `field/`)
dereferences on this server.

Following Cool URIs for the Semantic Web (303 See Other): `/KIND/NAME` redirects to an HTML page
or to an RDF document, by content negotiation; each is also reachable by its own URL:
`/page/KIND/NAME` and `/data/KIND/NAME.ttl|.nt|.jsonld|.rdf`, and each names the others with
`Link: rel=alternate` (and `<link rel=alternate>` in the page), so crawlers find the twins.
"""

from __future__ import annotations

import io
import json
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request
from markupsafe import Markup

from endpoint.errors import HTTPError
from endpoint.negotiation import negotiate
from endpoint.pages import (
    MINTED_KINDS,
    labels_of,
    local_href,
    local_page,
    minted_base,
    render,
    rule_anchor,
    shown_term,
)
from endpoint.pictures import Edge, Event, neighbourhood_svg, timeline_svg
from endpoint.services import store
from graph.formats import GRAPH_TYPES, HTML, JSON, named
from graph.results import write_triples
from graph.terms import compact, parse_term
from ontology import AKG, CLAIM, INFERRED_GRAPH, PREFIXES

bp = Blueprint("linked_data", __name__)

#: The RDF documents of a resource by their file extensions: /data/KIND/NAME.ttl, .rdf, ...
EXTENSIONS = {m.extension: m for m in GRAPH_TYPES}
LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
DATE = ox.NamedNode(AKG + "date")
EVENT = ox.NamedNode(AKG + "Event")
QUOTE = ox.NamedNode(AKG + "quote")
ATTRIBUTED_TO = ox.NamedNode(AKG + "attributedTo")
SOURCE = ox.NamedNode(AKG + "source")
WIKIDATA = ox.NamedNode(AKG + "wikidataItem")
TIMELINE_QUERY = """
SELECT ?entity ?when ?type WHERE {
  { ?entity akg:date ?when }
  UNION
  { ?entity a akg:NewsArticle ; dcterms:issued ?issued .
    BIND (SUBSTR(STR(?issued), 1, 10) AS ?when) }
  OPTIONAL { ?entity a ?type . FILTER (STRSTARTS(STR(?type), STR(akg:))) }
}"""
UNDATED_QUERY = """
SELECT DISTINCT ?event WHERE {
  ?event a akg:Event .
  FILTER NOT EXISTS { ?event akg:date ?when }
} ORDER BY ?event"""


KINDS = "<any(" + ", ".join(MINTED_KINDS) + "):kind>"


def _entity(kind: str, name: str) -> ox.NamedNode:
    """The minted IRI `<base IRI>KIND/NAME`, if the store knows anything about it (as a
    subject, an object or the name of a claim's graph)."""
    try:
        entity = ox.NamedNode(minted_base() + f"{kind}/{name}")
    except ValueError:
        raise HTTPError(404, f"no resource named {name!r}") from None
    raw = store().raw
    known = (
        next(raw.quads_for_pattern(entity, None, None, None), None)
        or next(raw.quads_for_pattern(None, None, entity, None), None)
        or next(raw.quads_for_pattern(None, None, None, entity), None)
    )
    if known is None:
        raise HTTPError(404, f"nothing is known about <{entity.value}>")
    return entity


@bp.route(f"/{KINDS}/<path:name>")
def resource(kind: str, name: str) -> Response:
    _entity(kind, name)
    media = negotiate(request.headers.get("Accept"), (HTML, *GRAPH_TYPES), HTML) or HTML
    if media is HTML:
        response = redirect(f"/page/{kind}/{name}", code=303)
    else:
        response = redirect(f"/data/{kind}/{name}.{media.extension}", code=303)
    response.vary.add("Accept")  # the target depends on it: caches must keep one per Accept
    return response


def _description(entity: ox.NamedNode) -> list[ox.Triple]:
    """The resource's outgoing triples and its incoming links, from every graph, and for a
    claim the triples its graph holds; each once."""
    raw = store().raw
    quads = list(raw.quads_for_pattern(entity, None, None, None))
    quads += list(raw.quads_for_pattern(None, None, entity, None))
    quads += list(raw.quads_for_pattern(None, None, None, entity))
    return list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))


#: The RDF twins of a page, as `Link: rel=alternate` and `<link rel=alternate>` name them.
TWINS = named(("ttl", "jsonld", "nt", "rdfxml"))


def _twins(kind: str, name: str) -> list[tuple[str, str, str]]:
    """(href, media type, label) of each RDF document describing /KIND/NAME."""
    return [(f"/data/{kind}/{name}.{m.extension}", m.mime, m.label) for m in TWINS]


@bp.route(f"/data/{KINDS}/<path:name>")
def document(kind: str, name: str) -> Response:
    stem, _, extension = name.rpartition(".")
    if extension not in EXTENSIONS or not stem:
        raise HTTPError(404, f"no document {name!r}: use NAME.ttl, .nt, .jsonld or .rdf")
    media = EXTENSIONS[extension]
    buffer = io.BytesIO()
    write_triples(_description(_entity(kind, stem)), media.rdf, buffer)
    response = Response(buffer.getvalue(), mimetype=media.mime)
    page_link = f'<{quote(f"/page/{kind}/{stem}")}>; rel="alternate"; type="text/html"'
    response.headers["Link"] = page_link
    return response


@bp.route(f"/page/{KINDS}/<path:name>")
def html_page(kind: str, name: str) -> Response:
    """The resource for people: label, types, properties (asserted and inferred told apart, an
    inferred value linked to its explanation), incoming links, the claims its facts come from
    (each with its sentence once and the facts it states), its Wikidata item, and a picture of
    its neighbourhood. Every term's label comes from one query."""
    entity = _entity(kind, name)
    raw = store().raw
    inferred = ox.NamedNode(INFERRED_GRAPH)
    outgoing = _merged(raw.quads_for_pattern(entity, None, None, None))
    incoming = _merged(raw.quads_for_pattern(None, None, entity, None), incoming=True)
    held = list(raw.quads_for_pattern(None, None, None, entity))  # a claim's own triples
    claims = _claims(outgoing, incoming)
    terms = {entity, *(t for key in [*outgoing, *incoming] for t in key)}
    terms |= {t for q in held for t in (q.subject, q.predicate, q.object)}
    terms |= {c[k] for c in claims for k in ("who", "document") if c[k] is not None}
    labels = labels_of(terms)

    def shown(term) -> dict:
        return shown_term(term, labels.get(term))

    title = labels.get(entity) or compact(entity)
    properties = []
    for (predicate, value), graphs in outgoing.items():
        asserted = any(g != inferred for g in graphs)
        why = None
        if not asserted:
            why = "/explain?" + urlencode(
                {"s": entity.value, "p": predicate.value, "o": str(value)}
            )
        properties.append({"p": shown(predicate), "o": shown(value), "asserted": asserted,
                           "why": why})  # fmt: skip
    edges = [
        Edge(labels.get(p) or compact(p), labels.get(o) or shown_term(o)["text"], local_page(o),
             True, all(g == inferred for g in graphs))
        for (p, o), graphs in outgoing.items()
        if p not in (TYPE, LABEL) and isinstance(o, ox.NamedNode)
    ] + [
        Edge(labels.get(p) or compact(p), labels.get(s) or shown_term(s)["text"], local_page(s),
             False, all(g == inferred for g in graphs))
        for (p, s), graphs in incoming.items()
        if isinstance(s, ox.NamedNode)
    ]  # fmt: skip
    twins = _twins(kind, name)
    view = {
        "iri": entity.value,
        "twins": [{"href": href, "type": mime, "title": label} for href, mime, label in twins],
        "types": [shown(o) for (p, o) in outgoing if p == TYPE],
        "wikidata": [o.value for (p, o) in outgoing if p == WIKIDATA],
        "dated": any(p == DATE or (p == TYPE and o == EVENT) for (p, o) in outgoing),
        "name": name,
        "held": [
            {"s": shown(q.subject), "p": shown(q.predicate), "o": shown(q.object)} for q in held
        ],
        "picture": Markup(neighbourhood_svg(title, edges)),
        "properties": properties,
        "incoming": [{"s": shown(s), "p": shown(p)} for (p, s) in incoming],
        "claims": [
            {
                "claim": shown_term(c["claim"]),
                "quote": c["quote"],
                "who": shown(c["who"]) if c["who"] is not None else None,
                "document": shown(c["document"]) if c["document"] is not None else None,
                "facts": [
                    {"p": shown(p), "other": shown(other), "direction": direction}
                    for p, other, direction in c["facts"]
                ],
            }
            for c in claims
        ],
    }
    return render("entity.html", title, alternates=view["twins"], section="/browse", **view)


def _claims(outgoing: dict, incoming: dict) -> list[dict]:
    """The claims whose graphs state the resource's links: each with its sentence, who it is
    attributed to, its source, and the links it states (predicate, other term, direction), in
    the order of the claims' IRIs."""
    stated: dict[ox.NamedNode, list[tuple]] = {}
    for merged, direction in ((outgoing, "out"), (incoming, "in")):
        for (predicate, other), graphs in merged.items():
            for graph in graphs:
                if isinstance(graph, ox.NamedNode) and graph.value.startswith(CLAIM):
                    stated.setdefault(graph, []).append((predicate, other, direction))
    claims = []
    for claim in sorted(stated, key=str):
        quote_ = _value(claim, QUOTE)
        claims.append(
            {
                "claim": claim,
                "quote": quote_.value if quote_ is not None else None,
                "who": _value(claim, ATTRIBUTED_TO),
                "document": _value(claim, SOURCE),
                "facts": stated[claim],
            }
        )
    return claims


def _merged(quads, incoming: bool = False) -> dict[tuple, list]:
    """(predicate, the other term: the object, or for incoming links the subject) → the graphs
    that hold the triple, in a stable order."""
    merged: dict[tuple, list] = {}
    for quad in sorted(quads, key=str):
        key = (quad.predicate, quad.subject if incoming else quad.object)
        merged.setdefault(key, []).append(quad.graph_name)
    return merged


def _value(subject: ox.NamedNode, predicate: ox.NamedNode):
    quad = next(store().raw.quads_for_pattern(subject, predicate, None, None), None)
    return quad.object if quad is not None else None


@bp.route("/timeline")
def timeline() -> Response:
    """The article's dated events and facts on a timeline, then those it gives no date."""
    rows = list(store().query(TIMELINE_QUERY))
    undated = [row["event"] for row in store().query(UNDATED_QUERY)]
    labels = labels_of({r["entity"] for r in rows} | {r["type"] for r in rows} | set(undated))
    events, seen = [], set()
    for row in rows:
        entity, when = row["entity"], row["when"].value
        if (entity, when) in seen:
            continue
        seen.add((entity, when))
        kind = labels.get(row["type"], "") if row["type"] is not None else ""
        events.append(Event(when, labels.get(entity) or compact(entity), local_href(entity), kind))
    events.sort(key=lambda e: e.when)
    view = {
        "picture": Markup(timeline_svg(events)),
        "events": [{**vars(e), "anchor": e.href.rsplit("/", 1)[-1]} for e in events],
        "undated": [{"href": local_href(e), "label": labels.get(e) or compact(e)} for e in undated],
    }
    twin = [{"href": "/sparql?" + urlencode({"query": TIMELINE_QUERY, "format": "csv"}),
             "type": "text/csv", "title": "CSV"}]  # fmt: skip
    return render("timeline.html", "Timeline", alternates=twin, **view)


@bp.route("/explain")
def explanation() -> Response:
    """Why a triple holds, as JSON or HTML by content negotiation (?s=IRI&p=IRI&o=TERM)."""
    from graph.reasoning.explain import (
        explain_triple,  # the reasoner's rules: loaded at the first use
    )

    terms = []
    for key in ("s", "p", "o"):
        value = request.args.get(key)
        if not value:
            raise HTTPError(
                400, "give the triple as ?s=IRI&p=IRI&o=TERM (o: an IRI or an N-Triples literal)"
            )
        terms.append(
            parse_term(value.strip("<>") if key != "o" or value.startswith("<") else value)
        )
    proof = explain_triple(store(), *terms)
    media = negotiate(request.headers.get("Accept"), (JSON, HTML), JSON) or JSON
    if request.args.get("format") in ("json", "html"):
        media = JSON if request.args["format"] == "json" else HTML
    if media is HTML:
        from endpoint.explain_page import explanation_page

        return explanation_page(proof)
    return Response(
        json.dumps(proof.to_json(), ensure_ascii=False, indent=2), mimetype="application/json"
    )


@bp.route("/contradictions")
def contradictions() -> Response:
    """The contradictions in the graph (see `alliance-kg check`), each with the claims, quotes
    and sources of its triples: where the sources disagree. JSON or HTML by content
    negotiation."""
    from graph.reasoning.consistency import violations
    from graph.reasoning.maintain import premise_graphs

    found = violations(store().raw, premise_graphs(store()))
    media = negotiate(request.headers.get("Accept"), (JSON, HTML), JSON) or JSON
    if request.args.get("format") in ("json", "html"):
        media = JSON if request.args["format"] == "json" else HTML
    if media is not HTML:
        return Response(
            json.dumps([v.to_json() for v in found], ensure_ascii=False, indent=2),
            mimetype="application/json",
        )
    view = [
        {
            "meaning": v.meaning,
            "rule": v.rule,
            "href": rule_anchor(v.rule),
            "proofs": [_proof_view(proof) for proof in v.proofs],
        }
        for v in found
    ]
    twin = [{"href": "/contradictions?format=json", "type": "application/json", "title": "JSON"}]
    return render("contradictions.html", "Contradictions", contradictions=view, alternates=twin)


def _proof_view(proof) -> dict:
    """One triple of a contradiction: inferred (with the link to why), or asserted with the
    claims that state it, their sentences and sources."""
    view = {"triple": proof.triple_text(), "inferred": proof.status == "inferred", "sources": []}
    if view["inferred"]:
        triple = {"s": str(proof.subject).strip("<>"), "p": proof.predicate.value,
                  "o": str(proof.object)}  # fmt: skip
        view["why"] = "/explain?" + urlencode(triple)
    for source in proof.sources:
        document = ox.NamedNode(source.document) if source.document else None
        view["sources"].append(
            {
                "claim": shown_term(ox.NamedNode(source.graph)) if source.claim else None,
                "graph": source.graph,
                "quote": source.quote,
                "document": shown_term(document) if document is not None else None,
            }
        )
    return view
