"""Remote-store benchmark: the synthetic domain graph (200k triples by default) on each real
SPARQL server the project is tested against (the Oxigraph server, Virtuoso), started here as the
tests start them (127.0.0.1, free ports, temporary directories).

For each server:
- load: the ontology and the data into their graphs, by the Graph Store Protocol;
- closure beside the store: the batch engine (DuckDB) reading the premise graphs from the server
  and writing the inferred graph back (what `build` does, in memory, before it publishes);
- closure in the store: the rules as SPARQL Update run by the server itself (the incremental
  engine pointed at the remote store), and whether it derives the same triples;
- queries: a lookup, a join and a GROUP BY, driven by wrk for a few seconds each, sent to the
  server directly, through one endpoint replica and through two (`serve --workers 2`), the three
  alternating cell by cell. Every request's text is new, so no answer cache serves it.

Needs wrk (Debian: `apt-get install wrk`), Virtuoso (`apt-get install virtuoso-opensource`) and
the test extra (the Oxigraph server):

    .venv/bin/python -m bench.remote                   # about four minutes
    .venv/bin/python -m bench.remote --triples 50000 --seconds 2 --servers oxigraph
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench import synthetic  # noqa: E402
from bench.endpoint import BIN, Server, free_port, templates, wrk  # noqa: E402
from graph.reasoning.batch import materialise_store  # noqa: E402
from graph.reasoning.sparql_engine import Reasoner  # noqa: E402
from graph.remote import RemoteSettings, RemoteStore  # noqa: E402
from graph.sources import parse_file  # noqa: E402
from ontology import INFERRED_GRAPH, ONTOLOGY_GRAPH, VOCABULARY_FILES  # noqa: E402
from tests.remote_servers import START, start_virtuoso  # noqa: E402

DATA_GRAPH = "https://w3id.org/alliance-kg/graph/bench"
#: A second inferred graph, for the server's own closure, compared with the batch engine's.
SERVER_INFERRED = "https://w3id.org/alliance-kg/graph/bench-inferred-by-server"
QUERY_KINDS = ("lookup", "join, 1 alliance", "aggregate")


def load(remote: RemoteStore, triples: list[ox.Triple]) -> float:
    started = time.perf_counter()
    ontology = ox.NamedNode(ONTOLOGY_GRAPH)
    vocabulary = [t for path in VOCABULARY_FILES for t in parse_file(path, ox.RdfFormat.TURTLE)]
    remote.extend(ox.Quad(t.subject, t.predicate, t.object, ontology) for t in vocabulary)
    data = ox.NamedNode(DATA_GRAPH)
    remote.extend(ox.Quad(t.subject, t.predicate, t.object, data) for t in triples)
    return time.perf_counter() - started


def inferred(remote: RemoteStore, graph: str) -> set[ox.Triple]:
    return {q.triple for q in remote.quads_for_pattern(None, None, None, ox.NamedNode(graph))}


def closures(remote: RemoteStore) -> tuple[float, int, str]:
    """Seconds and size of the closure beside the store, and how the server's own went."""
    premises = [DATA_GRAPH, ONTOLOGY_GRAPH]
    started = time.perf_counter()
    materialise_store(remote, premises, INFERRED_GRAPH, bulk=True)
    beside = time.perf_counter() - started
    expected = inferred(remote, INFERRED_GRAPH)
    started = time.perf_counter()
    try:
        Reasoner(remote, premises, SERVER_INFERRED).materialise()
    except Exception as error:  # a server that cannot run the rules: say how it failed
        return beside, len(expected), f"failed: {type(error).__name__}: {str(error)[:80]}"
    in_store = time.perf_counter() - started
    found = inferred(remote, SERVER_INFERRED)
    remote.remove_graph(ox.NamedNode(SERVER_INFERRED))
    same = "same triples" if found == expected else f"{len(found)} triples, not the same"
    return beside, len(expected), f"{in_store:.1f} s, {same}"


class Direct:
    """The server itself, queried over the same graphs as the endpoint (the Oxigraph server's
    default graph is its own: it is asked for the union)."""

    def __init__(self, name: str, remote: RemoteStore):
        host, _, path = remote.query_url.removeprefix("http://").partition("/")
        self.url, self.query_path = f"http://{host}", "/" + path
        self.params = "union-default-graph" if name == "oxigraph" else ""


def run(name: str, triples: list[ox.Triple], seconds: float, work: Path) -> None:
    # Virtuoso with its own default cap (the tests set a lower one, to exercise paging).
    server = start_virtuoso(work, max_rows=10_000) if name == "virtuoso" else START[name](work)
    remote = RemoteStore(RemoteSettings(server.url, credentials_file=server.credentials))
    try:
        loaded = load(remote, triples)
        beside, size, in_store = closures(remote)
        print(f"\n{name} ({remote.traits.server}): {len(triples)} triples")
        print(f"  load (Graph Store Protocol)     {loaded:7.1f} s")
        print(f"  closure beside the store        {beside:7.1f} s  ({size} inferred triples)")
        print(f"  closure in the store (SPARQL)   {in_store}")
        endpoints = {}
        for workers in (1, 2):
            port = free_port()
            args = [BIN / "alliance-kg", "serve", "--port", port, "--store-url", server.url,
                    "--workers", workers, "--query-timeout", 120]  # fmt: skip
            if server.credentials:
                args += ["--store-credentials", server.credentials]
            log = work / f"replicas-{workers}.log"
            endpoints[workers] = Server(f"{workers} replica(s)", args, port, "/sparql", log)
        direct = Direct(name, remote)
        states = max(1, len(triples) // synthetic.TRIPLES_PER_STATE)
        print(f"\n  {'query':<18}{'direct req/s':>13}{'p50 ms':>8}  {'1 replica':>10}{'p50 ms':>8}"
              f"  {'2 replicas':>11}{'p50 ms':>8}")  # fmt: skip
        for kind in QUERY_KINDS:
            template, modulus = templates(states)[kind]
            cells = []
            for target in (direct, endpoints[1], endpoints[2]):
                params = getattr(target, "params", "")
                cells.append(wrk(target, template, modulus, 4, seconds, work, params))
            print(f"  {kind:<18}{cells[0][0]:>13.0f}{cells[0][1]:>8.1f}  {cells[1][0]:>10.0f}"
                  f"{cells[1][1]:>8.1f}  {cells[2][0]:>11.0f}{cells[2][1]:>8.1f}")  # fmt: skip
            sys.stdout.flush()
        for endpoint in endpoints.values():
            endpoint.stop()
    finally:
        remote.close()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--triples", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=3.0, help="per query cell")
    parser.add_argument("--servers", nargs="+", default=["oxigraph", "virtuoso"],
                        choices=["oxigraph", "virtuoso"])  # fmt: skip
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    triples = synthetic.generate(args.triples)
    for name in args.servers:
        with tempfile.TemporaryDirectory(prefix=f"akg-remote-{name}-") as work:
            run(name, triples, args.seconds, Path(work))


if __name__ == "__main__":
    main()
