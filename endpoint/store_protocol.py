"""The SPARQL 1.1 Graph Store HTTP Protocol on /store (?default or ?graph=IRI)."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, request

from endpoint.errors import HTTPError, no_content
from endpoint.protocol import chosen_media
from endpoint.services import settings, store
from endpoint.writes import authorise, maintainer, writing
from graph.errors import InvalidInput
from graph.formats import GRAPH_TYPES, READABLE_TYPES, file_format, readable
from graph.updates import Changes, check_writable
from ontology import PREFIXES, UPDATES_GRAPH

bp = Blueprint("store", __name__)

#: What clients send for a file whose type they do not know (curl -F, browsers).
UNTYPED = ("", "application/octet-stream")


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
    """The graph's quads; for ?default, the graph that ?default writes: the store's default
    graph with --plain, the updates graph otherwise (where writes without a graph go), so that
    a GET ?default returns what a PUT ?default put."""
    return list(store().raw.quads_for_pattern(None, None, None, _write_home(graph)))


def _exists(graph: str | None) -> bool:
    return graph is None or any(
        g.value == graph for g in store().raw.named_graphs() if isinstance(g, ox.NamedNode)
    )


@bp.route("/store", methods=["GET", "HEAD"])
def read(direct_graph: str | None = None) -> Response:
    graph = direct_graph if direct_graph is not None else _target()[0]
    if not _exists(graph):
        raise HTTPError(404, f"no graph <{graph}> in this store")
    media = chosen_media(request, GRAPH_TYPES, default=GRAPH_TYPES[0])
    triples = list(
        dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in _quads(graph))
    )
    buffer = io.BytesIO()
    ox.serialize(triples, buffer, media.rdf, prefixes=PREFIXES if media.name == "ttl" else None)
    body = b"" if request.method == "HEAD" else buffer.getvalue()
    response = Response(body, mimetype=media.mime, headers={"Vary": "Accept"})
    response.headers["Content-Length"] = str(len(buffer.getvalue()))
    return response


def _payload(home: ox.NamedNode | ox.DefaultGraph, dataset: bool = False) -> list[ox.Quad]:
    """The request's RDF (a body, or the files of a multipart form) as quads in `home`. With
    `dataset` (a POST to the store itself), N-Quads and TriG keep their named graphs; into
    one graph, only their default graph may hold triples."""
    if request.mimetype == "multipart/form-data":
        quads = []
        for upload in request.files.values():
            fmt = _format(upload.mimetype, upload.filename)
            quads += _parse(upload.read(), fmt, home, dataset, upload.filename)
        return quads
    return _parse(request.get_data(), _format(request.mimetype), home, dataset)


def _format(mimetype: str, filename: str | None = None) -> ox.RdfFormat:
    """The format a body or a file is in: its Content-Type, or the file name's extension when
    the type is missing (curl -F f=@x.nt sends none)."""
    fmt = readable(mimetype)
    if fmt is not None:
        return fmt
    if mimetype in UNTYPED and filename:
        try:
            return file_format(Path(filename))
        except InvalidInput as error:
            raise HTTPError(415, f"{error}; or give the part a Content-Type") from None
    known = ", ".join(m.mime for m in READABLE_TYPES)
    raise HTTPError(415, f"unsupported Content-Type {mimetype or '(none)'!r}: send one of {known}")


def _parse(
    data: bytes, fmt: ox.RdfFormat, home, dataset: bool, filename: str | None = None
) -> list[ox.Quad]:
    where = f" ({filename})" if filename else ""
    try:
        quads = list(ox.parse(data, format=fmt, base_iri=request.base_url))
    except SyntaxError as error:
        raise HTTPError(400, f"the RDF payload{where} does not parse: {error}") from None
    named = [q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)]
    if named and not dataset:
        raise HTTPError(
            400,
            f"the payload{where} holds named graphs ({named[0].graph_name}, ...): a graph is "
            "written with triples; POST a dataset to /store itself to keep its graphs",
        )
    return [q if dataset and q in named else ox.Quad(q.subject, q.predicate, q.object, home)
            for q in quads]  # fmt: skip


def _write_home(graph: str | None):
    if graph is not None:
        return ox.NamedNode(graph)
    return ox.DefaultGraph() if settings().plain else ox.NamedNode(UPDATES_GRAPH)


def _apply(changes: Changes, drop_graph: str | None = None) -> None:
    check_writable(changes)
    with writing() as write:
        if settings().plain:
            for quad in changes.removed:
                store().raw.remove(quad)
            store().raw.extend(changes.added)
            if drop_graph is not None:
                store().raw.remove_graph(ox.NamedNode(drop_graph))
            return
        from graph.reasoning.maintain import UpdateReport

        writer = maintainer()  # it drops the graph too, in its copy as in the store
        writer.apply_changes(changes, UpdateReport(), drop_graph)
        write.whole = writer.in_one_transaction


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
    return no_content() if existed else Response(status=201)


def _create() -> Response:
    """POST to the Graph Store itself. A dataset (N-Quads, TriG) is added graph by graph;
    anything else becomes a new graph named by the server (Graph Store Protocol, 5.5):
    `<base IRI>graphs/ID`, from the configured base IRI (never from the request's Host, which
    the client chooses); the Location is that IRI, and this server serves it at /graphs/ID
    (as it serves `<base IRI>id/NAME` at /id/NAME)."""
    if request.mimetype != "multipart/form-data" and _format(request.mimetype).supports_datasets:
        _apply(Changes(added=_payload(_write_home(None), dataset=True)))
        return no_content()
    name = uuid.uuid4().hex
    _apply(Changes(added=_payload(ox.NamedNode(created_graph(name)))))
    return Response(status=201, headers={"Location": created_graph(name)})


def created_graph(name: str) -> str:
    """The IRI of a graph the server named: under the configured base IRI."""
    return f"{settings().base_iri}graphs/{name}"


@bp.route("/graphs/<name>", methods=["GET", "HEAD"])
def direct(name: str) -> Response:
    """A graph created by POST to the store, identified directly by its URL."""
    return read(created_graph(name))


@bp.route("/store", methods=["DELETE"])
def delete() -> Response:
    authorise()
    graph, _ = _target()
    if not _exists(graph):
        raise HTTPError(404, f"no graph <{graph}> in this store")
    home = _write_home(graph)
    _apply(Changes(removed=list(store().raw.quads_for_pattern(None, None, None, home))), graph)
    return no_content()
