"""The SPARQL 1.1 Graph Store HTTP Protocol on /store (?default or ?graph=IRI)."""

from __future__ import annotations

import io
import uuid

import pyoxigraph as ox
from flask import Blueprint, Response, request

from endpoint.errors import HTTPError
from endpoint.negotiation import GRAPH_TYPES, RDF_FORMATS
from endpoint.protocol import _chosen, authorise, maintainer, settings, store, writing
from graph.updates import Changes, check_writable
from ontology import PREFIXES, UPDATES_GRAPH

bp = Blueprint("store", __name__)

CONTENT_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/n3": ox.RdfFormat.N3,
}


def _target() -> tuple[str | None, bool]:
    """(graph IRI or None for the default graph, whether it was named)."""
    graph, default = request.args.getlist("graph"), "default" in request.args
    if (len(graph) == 1) == default or len(graph) > 1:
        raise HTTPError(400, "give exactly one of ?default or ?graph=IRI")
    if default:
        return None, False
    try:
        ox.NamedNode(graph[0])
    except ValueError as error:
        raise HTTPError(400, f"?graph is not a valid IRI: {error}") from None
    return graph[0], True


def _quads(graph: str | None) -> list[ox.Quad]:
    raw = store().raw
    if graph is not None:
        return list(raw.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    if settings().plain:
        return list(raw.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return list(raw.quads_for_pattern(None, None, None, None))


def _exists(graph: str | None) -> bool:
    return graph is None or any(
        g.value == graph for g in store().raw.named_graphs() if isinstance(g, ox.NamedNode)
    )


@bp.route("/store", methods=["GET", "HEAD"])
def read(direct_graph: str | None = None) -> Response:
    graph = direct_graph if direct_graph is not None else _target()[0]
    if not _exists(graph):
        raise HTTPError(404, f"no graph <{graph}> in this store")
    media = _chosen(request, GRAPH_TYPES, default=GRAPH_TYPES[0])
    triples = list(
        dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in _quads(graph))
    )
    buffer = io.BytesIO()
    ox.serialize(
        triples, buffer, RDF_FORMATS[media.name], prefixes=PREFIXES if media.name == "ttl" else None
    )
    body = b"" if request.method == "HEAD" else buffer.getvalue()
    response = Response(body, mimetype=media.mime, headers={"Vary": "Accept"})
    response.headers["Content-Length"] = str(len(buffer.getvalue()))
    return response


def _payload(home: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
    if request.mimetype == "multipart/form-data":
        quads = []
        for upload in request.files.values():
            quads += _parse(upload.read(), upload.mimetype, home)
        return quads
    return _parse(request.get_data(), request.mimetype, home)


def _parse(data: bytes, mimetype: str, home) -> list[ox.Quad]:
    fmt = CONTENT_TYPES.get(mimetype)
    if fmt is None:
        known = ", ".join(CONTENT_TYPES)
        raise HTTPError(
            415, f"unsupported Content-Type {mimetype or '(none)'!r}: send one of {known}"
        )
    try:
        triples = list(ox.parse(data, format=fmt, base_iri=request.base_url))
    except SyntaxError as error:
        raise HTTPError(400, f"the RDF payload does not parse: {error}") from None
    return [ox.Quad(t.subject, t.predicate, t.object, home) for t in triples]


def _write_home(graph: str | None):
    if graph is not None:
        return ox.NamedNode(graph)
    return ox.DefaultGraph() if settings().plain else ox.NamedNode(UPDATES_GRAPH)


def _apply(changes: Changes, drop_graph: str | None = None) -> None:
    check_writable(changes)
    with writing():
        if settings().plain:
            for quad in changes.removed:
                store().raw.remove(quad)
            store().raw.extend(changes.added)
        else:
            from graph.maintain import UpdateReport

            maintainer().apply_changes(changes, UpdateReport())
        if drop_graph is not None:
            store().raw.remove_graph(ox.NamedNode(drop_graph))


@bp.route("/store", methods=["PUT", "POST"])
def write() -> Response:
    authorise()
    if request.method == "POST" and not request.args:
        return _create()
    graph, _ = _target()
    existed = _exists(graph) and (graph is None or bool(_quads(graph)))
    home = _write_home(graph)
    added = _payload(home)
    removed = []
    if request.method == "PUT":
        removed = list(store().raw.quads_for_pattern(None, None, None, home))
    _apply(Changes(removed=removed, added=added))
    return Response(status=204 if existed else 201)


def _create() -> Response:
    """POST to the Graph Store itself: a new graph, named by the server, at a URL that
    identifies it directly (Graph Store Protocol, 5.5)."""
    graph = f"{request.host_url}graphs/{uuid.uuid4().hex}"
    _apply(Changes(added=_payload(ox.NamedNode(graph))))
    return Response(status=201, headers={"Location": graph})


@bp.route("/graphs/<name>", methods=["GET", "HEAD"])
def direct(name: str) -> Response:
    """A graph created by POST to the store, identified directly by its URL."""
    return read(f"{request.host_url}graphs/{name}")


@bp.route("/store", methods=["DELETE"])
def delete() -> Response:
    authorise()
    graph, _ = _target()
    if not _exists(graph):
        raise HTTPError(404, f"no graph <{graph}> in this store")
    home = _write_home(graph)
    _apply(Changes(removed=list(store().raw.quads_for_pattern(None, None, None, home))), graph)
    return Response(status=204)
