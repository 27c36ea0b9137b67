"""Linked data: every IRI the graph mints (`<base>/id/NAME`) dereferences on this server.

Following Cool URIs for the Semantic Web (303 See Other): `/id/NAME` redirects to an HTML page
or to an RDF document, by content negotiation; each is also reachable by its own URL:
`/page/id/NAME` and `/data/id/NAME.ttl|.nt|.jsonld|.rdf`.
"""

from __future__ import annotations

import io
import json
from html import escape
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request

from endpoint.errors import HTTPError
from endpoint.negotiation import GRAPH_TYPES, HTML, JSON, RDF_FORMATS, negotiate
from endpoint.pages import entity_space, label_of, labelled_link, local_href, local_page, page
from endpoint.pictures import Edge, Event, neighbourhood_svg, timeline_svg
from endpoint.protocol import store
from graph.terms import compact, display, parse_term
from ontology import AKG, CLAIM, INFERRED_GRAPH, PREFIXES

bp = Blueprint("linked_data", __name__)

EXTENSIONS = {"ttl": "ttl", "nt": "nt", "jsonld": "jsonld", "rdf": "rdfxml"}
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


def _entity(name: str) -> ox.NamedNode:
    try:
        entity = ox.NamedNode(entity_space() + name)
    except ValueError:
        raise HTTPError(404, f"no resource named {name!r}") from None
    if next(store().raw.quads_for_pattern(entity, None, None, None), None) is None:
        raise HTTPError(404, f"nothing is known about <{entity.value}>")
    return entity


@bp.route("/id/<path:name>")
def resource(name: str) -> Response:
    _entity(name)
    media = negotiate(request.headers.get("Accept"), (HTML, *GRAPH_TYPES), HTML) or HTML
    if media is HTML:
        return redirect(f"/page/id/{name}", code=303)
    extension = next(ext for ext, short in EXTENSIONS.items() if short == media.name)
    return redirect(f"/data/id/{name}.{extension}", code=303)


def _description(entity: ox.NamedNode) -> list[ox.Triple]:
    """The entity's outgoing triples and its incoming links, from every graph, each once."""
    raw = store().raw
    quads = list(raw.quads_for_pattern(entity, None, None, None))
    quads += list(raw.quads_for_pattern(None, None, entity, None))
    return list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))


@bp.route("/data/id/<path:name>")
def document(name: str) -> Response:
    stem, _, extension = name.rpartition(".")
    if extension not in EXTENSIONS or not stem:
        raise HTTPError(404, f"no document {name!r}: use NAME.ttl, .nt, .jsonld or .rdf")
    media = next(m for m in GRAPH_TYPES if m.name == EXTENSIONS[extension])
    buffer = io.BytesIO()
    prefixes = PREFIXES if media.name in ("ttl", "rdfxml") else None
    ox.serialize(_description(_entity(stem)), buffer, RDF_FORMATS[media.name], prefixes=prefixes)
    return Response(buffer.getvalue(), mimetype=media.mime)


@bp.route("/page/id/<path:name>")
def html_page(name: str) -> Response:
    """The resource for people: label, types, properties (asserted and inferred told apart, an
    inferred value linked to its explanation), incoming links, the quotes its facts come from,
    its Wikidata item, and a picture of its neighbourhood."""
    entity = _entity(name)
    raw = store().raw
    inferred = ox.NamedNode(INFERRED_GRAPH)
    outgoing = _merged(raw.quads_for_pattern(entity, None, None, None))
    incoming = _merged(raw.quads_for_pattern(None, None, entity, None), incoming=True)
    title = label_of(entity) or compact(entity)
    types = [o for (p, o), _ in outgoing.items() if p == TYPE]
    rows = []
    for (predicate, value), graphs in outgoing.items():
        how = "asserted" if any(g != inferred for g in graphs) else "inferred"
        cell = labelled_link(value)
        if how == "inferred":
            query = urlencode({"s": entity.value, "p": predicate.value, "o": str(value)})
            cell += f' <a class=why href="/explain?{escape(query)}">why?</a>'
        cells = f"<td>{labelled_link(predicate)}</td><td>{cell}</td><td>{how}</td>"
        rows.append(f"<tr class={how}>{cells}</tr>")
    links = [
        f"<tr><td>{labelled_link(subject)}</td><td>{labelled_link(predicate)}</td></tr>"
        for (predicate, subject), _ in incoming.items()
    ]
    quotes = _quotes(outgoing, incoming)
    wikidata = [o for (p, o), _ in outgoing.items() if p == WIKIDATA]
    dated = any(p == DATE or (p == TYPE and o == EVENT) for (p, o), _ in outgoing.items())
    downloads = " ".join(
        f'<a href="/data/id/{escape(name)}.{ext}">{label}</a>'
        for ext, label in [
            ("ttl", "Turtle"),
            ("jsonld", "JSON-LD"),
            ("nt", "N-Triples"),
            ("rdf", "RDF/XML"),
        ]
    )
    parts = [f"<p><code>{escape(entity.value)}</code> · {downloads}</p>"]
    if types:
        parts.append("<p class=types>a " + ", ".join(labelled_link(t) for t in types) + "</p>")
    if wikidata:
        parts.append(
            "<p class=wikidata>Wikidata: "
            + ", ".join(f'<a href="{escape(w.value)}">{escape(w.value)}</a>' for w in wikidata)
            + "</p>"
        )
    if dated:
        parts.append(f'<p><a href="/timeline#{escape(name)}">On the timeline of events</a></p>')
    edges = [
        Edge(label_of(p) or compact(p), label_of(o) or display(o), local_page(o), True,
             all(g == inferred for g in graphs))
        for (p, o), graphs in outgoing.items()
        if p not in (TYPE, LABEL) and isinstance(o, ox.NamedNode)
    ] + [
        Edge(label_of(p) or compact(p), label_of(s) or compact(s), local_page(s), False,
             all(g == inferred for g in graphs))
        for (p, s), graphs in incoming.items()
        if isinstance(s, ox.NamedNode)
    ]  # fmt: skip
    parts += [
        "<h2>Neighbourhood</h2>",
        neighbourhood_svg(title, edges),
        "<h2>Properties</h2><table><tr><th>property</th><th>value</th><th></th></tr>",
        "".join(rows),
        "</table><h2>Incoming links</h2><table><tr><th>from</th><th>property</th></tr>",
        "".join(links),
        "</table>",
    ]
    if quotes:
        parts.append("<h2>Sources</h2><ul class=quotes>")
        for quote, who, document in quotes:
            by = f" — {labelled_link(who)}" if who is not None else ""
            source = f" ({labelled_link(document)})" if document is not None else ""
            parts.append(f"<li><q>{escape(quote)}</q>{by}{source}</li>")
        parts.append("</ul>")
    return page(title, "".join(parts))


def _merged(quads, incoming: bool = False) -> dict[tuple, list]:
    """(predicate, the other term: the object, or for incoming links the subject) → the graphs
    that hold the triple, in a stable order."""
    merged: dict[tuple, list] = {}
    for quad in sorted(quads, key=str):
        key = (quad.predicate, quad.subject if incoming else quad.object)
        merged.setdefault(key, []).append(quad.graph_name)
    return merged


def _quotes(
    *links: dict[tuple, list],
) -> list[tuple[str, ox.NamedNode | None, ox.NamedNode | None]]:
    """The quotes of the claims (graphs) that state the given links, with who they are
    attributed to and the document they come from."""
    claims = {
        graph
        for merged in links
        for graphs in merged.values()
        for graph in graphs
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(CLAIM)
    }
    found = []
    for claim in sorted(claims, key=str):
        quote = _value(claim, QUOTE)
        if quote is not None:
            found.append((quote.value, _value(claim, ATTRIBUTED_TO), _value(claim, SOURCE)))
    return found


def _value(subject: ox.NamedNode, predicate: ox.NamedNode):
    quad = next(store().raw.quads_for_pattern(subject, predicate, None, None), None)
    return quad.object if quad is not None else None


@bp.route("/timeline")
def timeline() -> Response:
    """The article's dated events and facts on a timeline, then those it gives no date."""
    results = store().query(TIMELINE_QUERY)
    events, seen = [], set()
    for row in results:
        entity, when = row["entity"], row["when"].value
        if (entity, when) in seen:
            continue
        seen.add((entity, when))
        label = label_of(entity) or compact(entity)
        kind = label_of(row["type"]) if row["type"] is not None else ""
        events.append(Event(when, label, local_href(entity), kind or ""))
    events.sort(key=lambda e: e.when)
    items = "".join(
        f'<li id="{escape(e.href.rsplit("/", 1)[-1])}"><time>{escape(e.when)}</time> '
        f'<a href="{escape(e.href)}">{escape(e.label)}</a>'
        + (f" <small>{escape(e.kind)}</small>" if e.kind else "")
        + "</li>"
        for e in events
    )
    undated = [row["event"] for row in store().query(UNDATED_QUERY)]
    others = "".join(
        f'<li><a href="{escape(local_href(e))}">{escape(label_of(e) or compact(e))}</a></li>'
        for e in undated
    )
    body = (
        "<p>Everything the article dates (events, treaties, agreements, terms of office),"
        " asserted or inferred, by date.</p>"
        + timeline_svg(events)
        + f"<ol class=timeline-list>{items}</ol>"
        + (
            f"<h2 id=undated>Events the article gives no date</h2><ul>{others}</ul>"
            if others
            else ""
        )
    )
    return page("Timeline", body)


@bp.route("/explain")
def explanation() -> Response:
    """Why a triple holds, as JSON or HTML by content negotiation (?s=IRI&p=IRI&o=TERM)."""
    from graph.explain import explain_triple  # the reasoner's rules: loaded at the first use

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
    if media is HTML:
        return page("Why " + proof.triple_text(), f"<pre>{escape(proof.to_text())}</pre>")
    return Response(
        json.dumps(proof.to_json(), ensure_ascii=False, indent=2), mimetype="application/json"
    )
