"""A store on a remote SPARQL 1.1 server, behind the same methods as an embedded pyoxigraph store.

The library talks to its store through a small set of pyoxigraph `Store` methods (`query`,
`update`, `quads_for_pattern`, `extend`, `remove`, `named_graphs`, `dump`, ...). `RemoteStore`
implements that set over the standard protocols, so that every command runs unchanged on a
remote server: SPARQL 1.1 Query (always as a form POST: Virtuoso hangs on a direct
`application/sparql-query` POST), SPARQL 1.1 Update, and the Graph Store Protocol for bulk
loads. Results are parsed by pyoxigraph into the same `QuerySolutions` and `QueryBoolean`
objects an embedded store returns, streamed from the response as they are read.

What differs between servers is handled here, once:
- the default graph: the spec's (the store's own default graph; the Oxigraph server) or the
  union of every graph (Virtuoso, `oxigraph serve --union-default-graph`), detected at start;
  queries name their dataset explicitly (default-graph-uri, named-graph-uri) so that they mean
  the same on both;
- Virtuoso's own graphs (its schemas, its LDP vocabulary), which it keeps beside the data and
  which are left out of every graph list and union;
- result caps: Virtuoso stops at `ResultSetMaxRows` and says so only in the header
  `X-SPARQL-MaxRows`; a capped answer raises `ResultCapped`, and the store's own reads of whole
  graphs page under the cap instead;
- Virtuoso answers ASK as a one-column SELECT (`__ASK_RETVAL`), turned back into a boolean.

Over 400 lines because it is one contract: the Store methods the library calls, read and write
side together (the HTTP client, credentials and answers are in graph/remote_http.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from graph.errors import InvalidInput, QuerySyntaxError, StoreUnavailable
from graph.remote_http import (
    GRAPH_ACCEPT,
    RESULTS_ACCEPT,
    VIRTUOSO_RENAMES,
    RemoteSettings,
    ResponseReader,
    ResultCapped,
    raise_for,
)
from graph.sparql_text import query_form
from graph.terms import quad_data, triples_text
from graph.version import package_version
from ontology import STORE_GRAPHS

#: Graphs Virtuoso keeps for itself in every database: never the project's data.
VIRTUOSO_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://www.w3.org/2002/07/owl#",
    "http://localuriqaserver/sparql",
)

#: A graph that cannot exist: an empty list of graphs, written as a protocol parameter.
NO_GRAPH = ox.NamedNode("urn:alliance-kg:no-graph")

#: Quads per INSERT DATA request when no Graph Store endpoint is known.
INSERT_CHUNK = 5_000


@dataclass
class ServerTraits:
    """What the store's server does where servers differ, learnt at start."""

    #: "oxigraph", "virtuoso" or "sparql" (any other SPARQL 1.1 server).
    kind: str = "sparql"
    #: Whether the default graph is the union of every graph (else the spec's own graph).
    union_default: bool = False
    #: Graphs the server keeps for itself, left out of every list and union.
    system_graphs: tuple[str, ...] = ()
    #: The row limit seen in a capped answer, once one has been.
    cap: int | None = None
    server: str = field(default="", compare=False)


class RemoteStore:
    """The pyoxigraph `Store` methods the library uses, over SPARQL 1.1 Query, Update and the
    Graph Store Protocol. Blank nodes are the server's: a blank node read in one request names
    nothing in the next."""

    def __init__(self, settings: RemoteSettings):
        self.settings = settings
        self.query_url = settings.query_url
        self._client = httpx.Client(
            auth=settings.auth(),
            timeout=httpx.Timeout(settings.timeout, connect=10.0),
            headers={"User-Agent": f"alliance-kg/{package_version()}"},
            follow_redirects=True,
        )
        self._graphs: list[ox.NamedNode] | None = None
        self._encodings: dict[tuple, str] = {}
        self.traits = self._detect()
        self.update_url = settings.update_url or _default_update_url(self)
        self.gsp_url = settings.gsp_url or _default_gsp_url(self)
        self.traits.union_default = self._default_is_union()

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r}, {self.traits.kind})"

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ start

    def _detect(self) -> ServerTraits:
        response = self._post(self.query_url, {"query": "ASK {}"}, RESULTS_ACCEPT)
        server = response.headers.get("server", "")
        traits = ServerTraits(server=server)
        if server.lower().startswith("oxigraph"):
            traits.kind = "oxigraph"
        elif server.lower().startswith("virtuoso"):
            traits.kind = "virtuoso"
            traits.system_graphs = VIRTUOSO_GRAPHS
        return traits

    def _default_is_union(self) -> bool:
        """Whether a triple of a named graph is in the default graph too: asked of a triple the
        store holds or, in an empty store, of one written into a graph of its own for the
        question and removed after it (a store that takes no writes from this client answers
        for its kind: it is empty, so nothing it answers can differ yet)."""
        if self.traits.kind == "virtuoso":
            return True
        found = self._rows(
            "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
            f"{_graph_filter(self.traits)} FILTER(!isBlank(?s) && !isBlank(?o)) }} LIMIT 1"
        )
        if found:
            s, p, o = (found[0][v] for v in ("s", "p", "o"))
            return bool(self._ask(f"ASK {{ {s} {p} {o} }}"))
        probe = f"GRAPH <{STORE_GRAPHS}probe> {{ <{STORE_GRAPHS}probe> <{STORE_GRAPHS}probe> 1 }}"
        try:
            self.update(f"INSERT DATA {{ {probe} }}")
        except (InvalidInput, StoreUnavailable):
            return False
        try:
            return bool(self._ask(f"ASK {{ <{STORE_GRAPHS}probe> <{STORE_GRAPHS}probe> 1 }}"))
        finally:
            self.update(f"DROP SILENT GRAPH <{STORE_GRAPHS}probe>")

    # ------------------------------------------------------------------ HTTP

    def _post(
        self, url: str, form: dict | str, accept: str, stream: bool = False
    ) -> httpx.Response:
        """POST a form; raise the project's errors for a refusal or an unreachable server."""
        request = self._client.build_request(
            "POST",
            url,
            content=form if isinstance(form, str) else urlencode(form),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
        )
        return self._send(request, url, stream)

    def _send(self, request: httpx.Request, url: str, stream: bool = False) -> httpx.Response:
        try:
            response = self._client.send(request, stream=stream)
        except httpx.TimeoutException:
            raise StoreUnavailable(
                f"the SPARQL store at {url} did not answer within {self.settings.timeout:g} s"
            ) from None
        except httpx.HTTPError as error:
            raise StoreUnavailable(f"cannot reach the SPARQL store at {url}: {error}") from None
        if response.status_code >= 400:
            if stream:
                response.read()
            raise_for(response, url)
        return response

    # ------------------------------------------------------------------ queries

    def query(
        self,
        sparql: str,
        *,
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
        default_graph: list | None = None,
        named_graphs: list | None = None,
        use_default_graph_as_union: bool = False,
    ):
        """Run a query as pyoxigraph's `Store.query` does, with the same dataset options."""
        text = _prologue(prefixes, base_iri) + sparql
        dataset = self._dataset(sparql, default_graph, named_graphs, use_default_graph_as_union)
        form = urlencode({"query": text}) + ("&" + dataset if dataset else "")
        try:
            graph = query_form(sparql) in ("CONSTRUCT", "DESCRIBE")
            accept = GRAPH_ACCEPT if graph else RESULTS_ACCEPT
            response = self._post(self.query_url, form, accept, stream=True)
        except QuerySyntaxError:
            raise
        except InvalidInput as error:
            _check_locally(sparql, prefixes, base_iri, "query")
            raise error from None
        self._check_cap(response)
        return self._results(response, sparql)

    def _dataset(self, sparql: str, default_graph, named_graphs, union: bool) -> str:
        """The protocol's dataset parameters (form-encoded) that give the query pyoxigraph's
        dataset: the union of every graph, or the graphs given; named graphs None meaning every
        graph."""
        mentions_graph = "GRAPH" in sparql.upper()
        if union:
            # Named explicitly on every server: a union default graph would hold the server's
            # own graphs and the store's bookkeeping too.
            default_graph = self.graph_nodes()
        if default_graph is not None and named_graphs is None and mentions_graph:
            named_graphs = self.graph_nodes()
        parts = []
        if default_graph is not None:
            # An empty list is no parameter at all, which means every graph: name one that
            # cannot exist instead.
            parts.append(self._encoded("default-graph-uri", default_graph or [NO_GRAPH]))
            if not named_graphs and mentions_graph:
                parts.append(self._encoded("named-graph-uri", [NO_GRAPH]))
        if named_graphs:
            parts.append(self._encoded("named-graph-uri", named_graphs))
        return "&".join(parts)

    def _encoded(self, name: str, graphs: list[ox.NamedNode]) -> str:
        """`name=g1&name=g2...`, kept: the same union goes with every query."""
        key = (name, tuple(g.value for g in graphs))
        found = self._encodings.get(key)
        if found is None:
            if len(self._encodings) > 64:
                self._encodings.clear()
            found = self._encodings[key] = urlencode([(name, g) for g in key[1]])
        return found

    def _check_cap(self, response: httpx.Response) -> None:
        limit = response.headers.get("x-sparql-maxrows")
        if limit is not None:
            response.close()
            self.traits.cap = int(limit) if limit.isdigit() else 0
            raise ResultCapped(self.query_url, self.traits.cap)

    def _results(self, response: httpx.Response, sparql: str):
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        reader = ResponseReader(
            response, VIRTUOSO_RENAMES if self.traits.kind == "virtuoso" else ()
        )
        if media in ("application/sparql-results+json", "application/json"):
            results = ox.parse_query_results(reader, ox.QueryResultsFormat.JSON)
        elif media in ("application/sparql-results+xml", "application/xml"):
            results = ox.parse_query_results(reader, ox.QueryResultsFormat.XML)
        else:
            fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
            return GraphResults(ox.parse(reader, fmt))
        if isinstance(results, ox.QuerySolutions) and _is_ask(sparql):
            # Virtuoso answers ASK with one row of __ASK_RETVAL (true) or none (false).
            answer = any(True for _ in results)
            return ox.parse_query_results(
                f'{{"head":{{}},"boolean":{str(answer).lower()}}}', ox.QueryResultsFormat.JSON
            )
        return results

    def _rows(self, sparql: str, **options) -> list[ox.QuerySolution]:
        return list(self.query(sparql, **options))

    def _ask(self, sparql: str) -> bool:
        return bool(self.query(sparql))

    def _select_all(self, select: str, order: str) -> Iterator[ox.QuerySolution]:
        """Every solution of a SELECT, paged under the server's row cap once one is known (or
        met): `order` is the ORDER BY that keeps the pages stable."""
        if self.traits.cap is None:
            try:
                yield from self._rows(select)
                return
            except ResultCapped:
                pass
        # One row under the cap: Virtuoso flags an answer of exactly its cap as capped.
        page, offset = max(1, (self.traits.cap or 10_000) - 1), 0
        while True:
            # The order inside a subquery, the slice outside: Virtuoso counts OFFSET + LIMIT
            # of an outer ORDER BY against its cap and answers past it with no rows at all.
            variables = select[: select.index(" WHERE ")].removeprefix("SELECT ")
            variables = variables.removeprefix("DISTINCT ")
            rows = self._rows(
                f"SELECT {variables} WHERE {{ {{ {select} ORDER BY {order} }} }} "
                f"LIMIT {page} OFFSET {offset}"
            )
            yield from rows
            if len(rows) < page:
                return
            offset += page

    # ------------------------------------------------------------------ updates

    def update(self, sparql: str, *, prefixes: dict[str, str] | None = None, base_iri=None):
        """Run a SPARQL update (one request: one transaction on the servers that have them)."""
        text = _prologue(prefixes, base_iri) + sparql
        self._graphs = None
        try:
            self._post(self.update_url, {"update": text}, "*/*")
        except QuerySyntaxError:
            raise
        except InvalidInput as error:
            _check_locally(sparql, prefixes, base_iri, "update")
            raise error from None

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads: by the Graph Store Protocol, one request per graph, where there is one;
        else INSERT DATA in chunks."""
        by_graph: dict[ox.NamedNode | ox.DefaultGraph, list[ox.Triple]] = {}
        for q in quads:
            by_graph.setdefault(q.graph_name, []).append(q.triple)
        self._graphs = None
        for graph, triples in by_graph.items():
            if self.gsp_url is not None and isinstance(graph, ox.NamedNode):
                self.post_graph(graph.value, triples)
                continue
            for start in range(0, len(triples), INSERT_CHUNK):
                block = triples_text(triples[start : start + INSERT_CHUNK])
                inside = (
                    block if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph} {{ {block} }}"
                )
                self.update(f"INSERT DATA {{ {inside} }}")

    def add(self, quad: ox.Quad) -> None:
        self.update(f"INSERT DATA {{ {quad_data([quad])} }}")

    def remove(self, quad: ox.Quad) -> None:
        self.update(f"DELETE DATA {{ {quad_data([quad])} }}")

    def post_graph(self, graph: str, triples: list[ox.Triple]) -> None:
        """Add triples to a graph with one Graph Store Protocol POST (N-Triples)."""
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        request = self._client.build_request(
            "POST",
            self.gsp_url,
            params={"graph": graph},
            content=body,
            headers={"Content-Type": "application/n-triples"},
        )
        self._send(request, self.gsp_url).close()

    def add_graph(self, graph: ox.NamedNode) -> None:
        self.update(f"CREATE SILENT GRAPH {graph}")

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {graph}")

    def clear(self) -> None:
        for graph in self.graph_nodes():
            self.remove_graph(graph)
        if not self.traits.union_default:
            self.update("CLEAR DEFAULT")

    def flush(self) -> None:
        """Nothing to do: the server has made every answered write durable."""

    # ------------------------------------------------------------------ reads

    def graph_nodes(self) -> list[ox.NamedNode]:
        """The server's named graphs, less its own (Virtuoso's schemas), kept until this client
        writes or `forget_graphs` is called (another client wrote)."""
        if self._graphs is None:
            self._graphs = self._list_graphs()
        return list(self._graphs)

    def forget_graphs(self) -> None:
        self._graphs = None

    def _list_graphs(self) -> list[ox.NamedNode]:
        # The Oxigraph server lists empty graphs too (`GRAPH ?g {}`), as pyoxigraph does.
        inside = "" if self.traits.kind == "oxigraph" else "?s ?p ?o"
        excluded = _graph_filter(self.traits)
        rows = self._select_all(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {inside} }} {excluded} }}", "?g"
        )
        return [row["g"] for row in rows if isinstance(row["g"], ox.NamedNode)]

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        return iter(self.graph_nodes())

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None):
        """The quads matching a pattern (None matches anything), as pyoxigraph's method: with no
        graph, the named graphs' and (on a server whose default graph is its own) the default
        graph's."""
        terms = {"s": subject, "p": predicate, "o": object}
        pattern = " ".join(str(t) if t is not None else f"?{v}" for v, t in terms.items())
        wanted = [f"?{v}" for v, t in terms.items() if t is None]
        if isinstance(graph_name, ox.NamedNode):
            where, graph_var = f"GRAPH {graph_name} {{ {pattern} }}", False
        elif isinstance(graph_name, ox.DefaultGraph):
            if self.traits.union_default:
                return iter(())
            where, graph_var = pattern, False
        else:
            excluded = _graph_filter(self.traits)
            where = f"{{ GRAPH ?g {{ {pattern} }} {excluded} }}"
            if not self.traits.union_default:
                where += f" UNION {{ {pattern} }}"
            graph_var = True
        selected = [*wanted, "?g"] if graph_var else wanted
        if not selected:
            found = self._ask(f"ASK {{ {where} }}")
            return iter([ox.Quad(subject, predicate, object, graph_name)] if found else [])
        rows = self._select_all(
            f"SELECT {' '.join(selected)} WHERE {{ {where} }}", " ".join(selected)
        )
        return (self._quad(row, terms, graph_name, graph_var) for row in rows)

    @staticmethod
    def _quad(row, terms, graph_name, graph_var: bool) -> ox.Quad:
        s, p, o = (t if t is not None else row[v] for v, t in terms.items())
        if graph_var:
            graph = row["g"] if row["g"] is not None else ox.DefaultGraph()
        else:
            graph = graph_name
        return ox.Quad(s, p, o, graph)

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_for_pattern()

    def __contains__(self, quad: ox.Quad) -> bool:
        return any(
            True
            for _ in self.quads_for_pattern(
                quad.subject, quad.predicate, quad.object, quad.graph_name
            )
        )

    def __len__(self) -> int:
        excluded = _graph_filter(self.traits)
        where = f"{{ GRAPH ?g {{ ?s ?p ?o }} {excluded} }}"
        if not self.traits.union_default:
            where += " UNION { ?s ?p ?o }"
        row = self._rows(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")[0]
        return int(row["n"].value)

    def dump(self, output: IO[bytes], format: ox.RdfFormat, *, from_graph=None, **_) -> None:
        """Write a graph (or, for a quad format, every graph) as pyoxigraph's `dump` does."""
        if from_graph is not None:
            triples = (q.triple for q in self.quads_for_pattern(None, None, None, from_graph))
            ox.serialize(triples, output, format)
        else:
            ox.serialize(self.quads_for_pattern(), output, format)

    def load(self, input=None, format=None, *, path=None, base_iri=None, to_graph=None, **_):
        """Parse RDF here and add it to the store (see `extend`)."""
        parsed = ox.parse(input, format, path=path, base_iri=base_iri)
        if to_graph is not None:
            parsed = (ox.Quad(q.subject, q.predicate, q.object, to_graph) for q in parsed)
        self.extend(parsed)  # pyoxigraph's parser gives quads, in the default graph for triples

    bulk_load = load


class GraphResults:
    """A CONSTRUCT or DESCRIBE answer from a remote store: its triples, read as iterated."""

    def __init__(self, triples: Iterator[ox.Triple]):
        self._triples = triples

    def __iter__(self) -> Iterator[ox.Triple]:
        return (q.triple if isinstance(q, ox.Quad) else q for q in self._triples)

    def serialize(self, output=None, format=ox.RdfFormat.N_TRIPLES):
        return ox.serialize(iter(self), output, format)


def _prologue(prefixes: dict[str, str] | None, base_iri: str | None) -> str:
    base = f"BASE <{base_iri}>\n" if base_iri else ""
    return base + "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())


def _graph_filter(traits: ServerTraits) -> str:
    """The FILTER that keeps `?g` to the project's graphs: not the server's own, not the
    store's bookkeeping."""
    kept = f'!STRSTARTS(STR(?g), "{STORE_GRAPHS}")'
    if traits.system_graphs:
        kept += f" && ?g NOT IN ({', '.join(f'<{g}>' for g in traits.system_graphs)})"
    return f"FILTER({kept})"


def _is_ask(sparql: str) -> bool:
    return query_form(sparql) == "ASK"


def _check_locally(sparql: str, prefixes, base_iri, what: str) -> None:
    """Parse a refused query or update with pyoxigraph, for an error that names the line and
    column in the text as the user wrote it (the server saw it after the predeclared prefixes)."""
    scratch = ox.Store()
    try:
        if what == "query":
            scratch.query(sparql, prefixes=prefixes or {}, base_iri=base_iri)
        else:
            scratch.update(sparql, prefixes=prefixes or {}, base_iri=base_iri)
    except SyntaxError as error:
        raise QuerySyntaxError.from_parser(error, f"SPARQL {what}", sparql) from None


def _default_update_url(store: RemoteStore) -> str:
    url = store.query_url
    if store.traits.kind == "oxigraph" and url.rstrip("/").endswith("/query"):
        return url.rstrip("/").removesuffix("/query") + "/update"
    if store.traits.kind == "virtuoso" and url.rstrip("/").endswith("/sparql"):
        return url.rstrip("/") + ("-auth" if store.settings.credentials_file else "")
    return url


def _default_gsp_url(store: RemoteStore) -> str | None:
    url = store.query_url.rstrip("/")
    if store.traits.kind == "oxigraph" and url.endswith("/query"):
        return url.removesuffix("/query") + "/store"
    if store.traits.kind == "virtuoso" and url.endswith("/sparql"):
        auth = "-auth" if store.settings.credentials_file else ""
        return url.removesuffix("/sparql") + f"/sparql-graph-crud{auth}"
    return None
