"""Search benchmark: /search on the article graph and on synthetic domain graphs (100k and 1M
triples by default), through the real Flask app in this process (no HTTP: the search's own
cost). For each graph: the first search after a write (which reads every label and quote into
the index), then repeated searches of a few kinds (a common word, a rare phrase, no match),
medians of several runs.

    .venv/bin/python -m bench.search
    .venv/bin/python -m bench.search --triples 100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import synthetic  # noqa: E402
from endpoint import create_app  # noqa: E402
from graph.build import build  # noqa: E402
from graph.sources import DEFAULT_SOURCES_DIR, discover_sources  # noqa: E402
from graph.store import StoreLocation  # noqa: E402

SEARCHES = {
    "article": ("kishida", "toyota factory", "zzzz"),
    "synthetic": ("state 1", "alias of person 40", "zzzz"),
}


def synthetic_store(work: Path, triples: int) -> StoreLocation:
    location = StoreLocation(work / f"synthetic-{triples}")
    with location.next_generation() as generation:
        store = ox.Store(str(generation))
        store.bulk_load(
            ox.serialize(synthetic.generate(triples), format=ox.RdfFormat.N_TRIPLES),
            ox.RdfFormat.N_TRIPLES,
            to_graph=ox.NamedNode("https://w3id.org/alliance-kg/graph/bench"),
        )
        store.flush()
        del store
    return location


def measure(name: str, location: StoreLocation, searches: tuple[str, ...], runs: int) -> None:
    app = create_app({"store": str(location.root), "plain": name != "article"})
    client = app.test_client()
    started = time.perf_counter()
    first = client.get("/search", query_string={"q": searches[0]})
    cold = time.perf_counter() - started
    assert first.status_code == 200, first.text
    index = app.extensions["alliance_kg"].search_index
    cells = []
    for text in searches:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get("/search", query_string={"q": text})
            times.append(time.perf_counter() - started)
        cells.append(f"{statistics.median(times) * 1000:8.1f}")
    size = f"{len(index.labels.entries):,} labels, {len(index.quotes.entries):,} quotes"
    print(f"{name:<16}{size:<32}{cold * 1000:10.0f}  " + "  ".join(cells))
    app.extensions["alliance_kg"].close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--triples", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="akg-search-") as work:
        work = Path(work)
        article = StoreLocation(work / "article")
        build(article, discover_sources([DEFAULT_SOURCES_DIR]))
        print(f"{'graph':<16}{'index':<32}{'first ms':>10}  " + "  ".join(
            f"{'q' + str(i + 1) + ' ms':>8}" for i in range(3)))  # fmt: skip
        measure("article", article, SEARCHES["article"], args.runs)
        for triples in args.triples:
            location = synthetic_store(work, triples)
            measure(f"synthetic {triples // 1000}k", location, SEARCHES["synthetic"], args.runs)
        print("\nq1..q3: " + "; ".join(" / ".join(s) for s in SEARCHES.values()))


if __name__ == "__main__":
    main()
