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
from endpoint.pages import entity_space, page, term_link
from endpoint.protocol import store
from graph.terms import compact, parse_term
from ontology import INFERRED_GRAPH, PREFIXES

bp = Blueprint("linked_data", __name__)

EXTENSIONS = {"ttl": "ttl", "nt": "nt", "jsonld": "jsonld", "rdf": "rdfxml"}
LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")


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
    entity = _entity(name)
    raw = store().raw
    inferred = ox.NamedNode(INFERRED_GRAPH)
    rows = []
    for quad in sorted(raw.quads_for_pattern(entity, None, None, None), key=str):
        how = "inferred" if quad.graph_name == inferred else "asserted"
        value = term_link(quad.object)
        if how == "inferred":
            query = urlencode({"s": entity.value, "p": quad.predicate.value, "o": str(quad.object)})
            value += f' <a class=why href="/explain?{escape(query)}">why?</a>'
        cells = f"<td>{term_link(quad.predicate)}</td><td>{value}</td><td>{how}</td>"
        rows.append(f"<tr class={how}>{cells}</tr>")
    incoming = [
        f"<tr><td>{term_link(q.subject)}</td><td>{term_link(q.predicate)}</td></tr>"
        for q in sorted(raw.quads_for_pattern(None, None, entity, None), key=str)
    ]
    label = next(raw.quads_for_pattern(entity, LABEL, None, None), None)
    title = label.object.value if label else compact(entity)
    downloads = " ".join(
        f'<a href="/data/id/{escape(name)}.{ext}">{label}</a>'
        for ext, label in [
            ("ttl", "Turtle"),
            ("jsonld", "JSON-LD"),
            ("nt", "N-Triples"),
            ("rdf", "RDF/XML"),
        ]
    )
    body = (
        f"<p><code>{escape(entity.value)}</code> · {downloads}</p>"
        "<h2>Properties</h2><table><tr><th>property</th><th>value</th><th></th></tr>"
        f"{''.join(rows)}</table>"
        "<h2>Incoming links</h2><table><tr><th>from</th><th>property</th></tr>"
        f"{''.join(incoming)}</table>"
    )
    return page(title, body)


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
