"""Materialisation benchmark: the project's two engines against owlrl and `reasonable`.

For synthetic domain graphs (10k, 100k, 1M triples, with the project's ontology), LUBM (1 and 10
universities, with univ-bench.owl) and a railway network the engines were not written against
(bench/rich.py: property chains, someValuesFrom, intersections, hasValue, keys, sameAs; 100k),
each engine reads the ontology and the data and computes the closure in a fresh process: `batch`
file to file as `alliance-kg reason` does (DuckDB), `sparql` into an in-memory pyoxigraph store.
The table gives the wall time, that process's peak RSS and the ratio to `batch`. Engines run
alternately, dataset by dataset, in one run; owlrl is skipped where it would pass 10 minutes
(about 100 s per 100k triples here), the SPARQL engine past 1M. Then: `build`'s closure step on
the 1M graph in an on-disk store, split into reading, reasoning and ingestion into the store;
the time to bring the 1M closure up to date after inserting one triple and after deleting one;
with --big, the 10M domain graph file to file within a memory limit of 7 GB.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/reason.py            # everything (about 10 minutes)
    .venv/bin/python bench/reason.py --quick    # 10k, 100k, LUBM-1 and the railway only
    .venv/bin/python bench/reason.py --big      # and the 10M domain graph (a few minutes more)
    .venv/bin/python bench/reason.py --only 'LUBM 10' --engines batch reasonable --repeat 3
                                                # one dataset, medians of runs alternating
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench import lubm, rich, synthetic  # noqa: E402
from ontology import VOCABULARY_FILES  # noqa: E402

OWLRL_SECONDS_PER_TRIPLE = 100 / 100_000
OWLRL_LIMIT = 600

ENGINE_CODE = {
    "batch": """
from graph.reasoning.batch import closure_of_files
import tempfile
with tempfile.TemporaryDirectory() as work:
    report = closure_of_files([Path(p) for p in [*ONTOLOGIES, DATA]], Path(work) / "out.nt",
                              memory_limit=MEMORY_LIMIT)
RESULT = report.inferred
""",
    "sparql": """
import pyoxigraph as ox
from graph.files import load_file
from graph.reasoning.sparql_engine import Reasoner
store = ox.Store()
for path in ONTOLOGIES:
    load_file(store, Path(path), "urn:o")
load_file(store, Path(DATA), "urn:d")
report = Reasoner(store, ["urn:o", "urn:d"], "urn:i").materialise()
RESULT = report.inferred
""",
    "owlrl": """
import owlrl, rdflib
graph = rdflib.Graph()
for path in ONTOLOGIES:
    graph.parse(path)
graph.parse(DATA, format="nt")
before = len(graph)
owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
RESULT = len(graph) - before
""",
    "reasonable": """
import reasonable
reasoner = reasonable.PyReasoner()
for path in ONTOLOGIES_TTL:
    reasoner.load_file(path)
reasoner.load_file(DATA_TTL)
RESULT = len(reasoner.reason())
""",
}

BUILD_CODE = """
import tempfile, time
import pyoxigraph as ox
from graph.files import load_file
from graph.reasoning.batch import materialise_store
work = tempfile.mkdtemp()
store = ox.Store(work)
started = time.perf_counter()
for path in ONTOLOGIES:
    load_file(store, Path(path), "urn:o")
load_file(store, Path(DATA), "urn:d")
loaded = time.perf_counter() - started
report = materialise_store(store, ["urn:o", "urn:d"], "urn:i", bulk=True)
store.flush()
RESULT = [loaded, report.seconds, report.inferred]
"""

INCREMENTAL_CODE = """
import time
import pyoxigraph as ox
from graph.files import load_file
from graph.reasoning.batch import materialise_store
from graph.reasoning.sparql_engine import Reasoner
store = ox.Store()
for path in ONTOLOGIES:
    load_file(store, Path(path), "urn:o")
load_file(store, Path(DATA), "urn:d")
materialise_store(store, ["urn:o", "urn:d"], "urn:i")
reasoner = Reasoner(store, ["urn:o", "urn:d"], "urn:i")
AKG = "https://w3id.org/alliance-kg/ontology#"
S = "https://w3id.org/alliance-kg/synthetic/"
quad = ox.Quad(ox.NamedNode(S + "state/1"), ox.NamedNode(AKG + "memberOf"), ox.NamedNode(S + "alliance/0"), ox.NamedNode("urn:d"))
RESULT = []
for _ in range(2):  # the first time includes reading the schema; a server's reasoner is warm
    started = time.perf_counter(); reasoner.insert([quad]); inserted = time.perf_counter() - started
    started = time.perf_counter(); reasoner.delete([quad]); deleted = time.perf_counter() - started
    RESULT += [inserted, deleted]
"""


def run_child(code: str, variables: dict, limit: int | None = None) -> tuple[object, float, int]:
    """Run `code` in a fresh Python; returns its RESULT, wall seconds and peak RSS in bytes
    (killed after `limit` seconds if given).

    The peak is the child's own high-water mark (VmHWM), which starts afresh when it executes
    Python: the rusage of a child also counts the pages it shared with the benchmark between
    fork and exec, which can be a large generated dataset."""
    prologue = (
        "import sys, json\nfrom pathlib import Path\n" + f"sys.path.insert(0, {str(ROOT)!r})\n"
    )
    prologue += "".join(f"{k} = {v!r}\n" for k, v in variables.items())
    epilogue = (
        "\nstatus = Path('/proc/self/status')\n"
        "HWM = [int(line.split()[1]) * 1024 for line in status.read_text().splitlines()\n"
        "       if line.startswith('VmHWM:')][0] if status.exists() else None\n"
        "print(json.dumps([RESULT, HWM]))\n"
    )
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", prologue + code + epilogue], stdout=subprocess.PIPE
    )
    timer = threading.Timer(limit, child.kill) if limit else None
    if timer:
        timer.start()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if timer:
        timer.cancel()
    output = child.stdout.read().decode()
    if status != 0:
        code = os.waitstatus_to_exitcode(status)
        if limit and seconds >= limit:
            raise RuntimeError(f"stopped after {limit // 60} minutes")
        if code == -signal.SIGKILL:
            raise RuntimeError("killed (out of memory)")
        raise RuntimeError(f"failed with exit status {code}")
    result, peak = json.loads(output.strip().splitlines()[-1])
    return result, seconds, peak if peak is not None else usage.ru_maxrss * 1024


def to_turtle(source: Path, target: Path) -> Path:
    if not target.exists():
        fmt = ox.RdfFormat.RDF_XML if source.suffix in (".owl", ".rdf") else ox.RdfFormat.TURTLE
        ox.serialize(ox.parse(path=str(source), format=fmt), str(target), ox.RdfFormat.TURTLE)
    return target


def nt_as_turtle(path: Path) -> Path:
    """`reasonable` reads only .ttl and .n3 files; N-Triples is Turtle, so link it under a new name."""
    link = path.with_suffix(".ttl")
    if not link.exists():
        link.symlink_to(path.name)
    return link


def domain_graph(work: Path, size: int) -> Path:
    path = work / f"domain-{size}.nt"
    if not path.exists():
        with path.open("wb") as stream:  # in pieces: the 10M graph does not fit in a list
            step = 1_000_000
            for start in range(0, size, step):
                part = synthetic.generate(min(step, size - start), seed=42 + start)
                if start:  # each piece names its own entities
                    part = [_renamed(t, start) for t in part]
                ox.serialize(part, stream, ox.RdfFormat.N_TRIPLES)
    return path


def _renamed(triple: ox.Triple, offset: int) -> ox.Triple:
    def rename(term):
        if isinstance(term, ox.NamedNode) and term.value.startswith(synthetic.BASE):
            return ox.NamedNode(f"{term.value}-{offset}")
        return term

    return ox.Triple(rename(triple.subject), triple.predicate, rename(triple.object))


def datasets(work: Path, quick: bool) -> list[tuple[str, Path, list[Path], int]]:
    found = []
    rail, rail_ontology = work / "rail-100000.nt", work / "rail-ontology.nt"
    if not rail.exists():
        everything = rich.rich_graph(100_000)
        ontology = rich.ontology_triples()
        ox.serialize(ontology, str(rail_ontology), ox.RdfFormat.N_TRIPLES)
        ox.serialize(everything[len(ontology) :], str(rail), ox.RdfFormat.N_TRIPLES)
    triples = sum(1 for _ in rail.open("rb"))
    found.append(("rail 100k", rail, [rail_ontology], triples))
    domain_sizes = [10_000, 100_000] + ([] if quick else [1_000_000])
    for size in domain_sizes:
        path = domain_graph(work, size)
        found.append((f"domain {size // 1000}k", path, list(VOCABULARY_FILES), size))
    for universities in [1] + ([] if quick else [10]):
        path = work / f"lubm-{universities}.nt"
        if not path.exists():
            ox.serialize(lubm.generate(universities), str(path), ox.RdfFormat.N_TRIPLES)
        triples = sum(1 for _ in path.open("rb"))
        found.append((f"LUBM {universities}", path, [lubm.ONTOLOGY], triples))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="only the small datasets")
    parser.add_argument("--big", action="store_true", help="also the 10M-triple domain graph")
    parser.add_argument(
        "--work", type=Path, help="where to keep generated data (default: a temp dir)"
    )
    parser.add_argument(
        "--only", metavar="DATASET", help="one dataset's rows only, such as 'LUBM 10'"
    )
    parser.add_argument(
        "--engines", nargs="+", default=list(ENGINE_CODE), choices=list(ENGINE_CODE),
        help="the engines to run (all by default)",
    )  # fmt: skip
    parser.add_argument(
        "--repeat", type=int, default=1,
        help="runs of each engine, alternating; the table gives the medians",
    )  # fmt: skip
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="alliance-kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"{'dataset':<12} {'triples':>9} {'engine':<11} {'inferred':>9} {'seconds':>9} {'peak RSS':>9} {'vs batch':>9}"
    )
    found = datasets(work, args.quick and not args.only)
    if args.only:
        found = [d for d in found if d[0] == args.only] or sys.exit(
            f"no dataset {args.only!r}: {', '.join(d[0] for d in datasets(work, False))}"
        )
    for name, data, ontologies, triples in found:
        ttl = [str(to_turtle(o, work / (o.stem + ".ttl"))) for o in ontologies]
        variables = {
            "ONTOLOGIES": [str(o) for o in ontologies],
            "ONTOLOGIES_TTL": ttl,
            "DATA": str(data),
            "DATA_TTL": str(nt_as_turtle(data)),
            "MEMORY_LIMIT": None,
        }
        engines = [
            e
            for e in args.engines
            if e != "owlrl" or triples * OWLRL_SECONDS_PER_TRIPLE <= OWLRL_LIMIT
        ]
        if "owlrl" in args.engines and "owlrl" not in engines:
            print(f"{name:<12} {triples:>9} {'owlrl':<11} {'skipped: would pass 10 minutes':>40}")
        runs: dict[str, list] = {engine: [] for engine in engines}
        for _ in range(args.repeat):  # alternating: the machine's noise falls on every engine
            for engine in engines:
                try:
                    limit = OWLRL_LIMIT if engine == "owlrl" else None
                    runs[engine].append(run_child(ENGINE_CODE[engine], variables, limit))
                except RuntimeError as error:
                    runs[engine].append(error)
        results = {}
        for engine, done in runs.items():
            failed = [r for r in done if isinstance(r, RuntimeError)]
            if failed:
                print(f"{name:<12} {triples:>9} {engine:<11} {failed[0]!s:>40}")
                continue
            inferred = done[0][0]
            seconds = statistics.median(r[1] for r in done)
            rss = max(r[2] for r in done)
            results[engine] = seconds
            ratio = seconds / results["batch"] if "batch" in results else 1.0
            spread = f" ({', '.join(f'{r[1]:.2f}' for r in done)})" if args.repeat > 1 else ""
            print(
                f"{name:<12} {triples:>9} {engine:<11} {inferred:>9} {seconds:>9.2f} {rss / 2**20:>7.0f}MB {ratio:>8.1f}x{spread}"
            )
            sys.stdout.flush()
    if args.only:
        return
    domain = [d for d in found if d[0].startswith("domain")][-1]
    variables = {"ONTOLOGIES": [str(o) for o in domain[2]], "DATA": str(domain[1])}
    (loaded, parts, inferred), seconds, rss = run_child(BUILD_CODE, variables)
    reading = parts.get("read", 0) + parts.get("encode", 0)
    print(
        f"\nbuild's closure step, {domain[0]}, on-disk store: {seconds:.1f} s in all "
        f"(peak RSS {rss / 2**20:.0f} MB): loading the input {loaded:.1f} s, "
        f"reading it into DuckDB {reading:.1f} s, reasoning {parts['reason']:.1f} s, "
        f"ingesting {inferred} inferred triples into the store {parts['store']:.1f} s"
    )
    (inserted, deleted, warm_inserted, warm_deleted), _, rss = run_child(
        INCREMENTAL_CODE, variables
    )
    print(
        f"incremental, {domain[0]}: one inserted triple {inserted:.3f} s, one deleted triple "
        f"{deleted:.3f} s; again, with the schema read: {warm_inserted:.3f} s and "
        f"{warm_deleted:.3f} s (peak RSS {rss / 2**20:.0f} MB)"
    )
    if args.big:
        path = domain_graph(work, 10_000_000)
        variables = {
            "ONTOLOGIES": [str(o) for o in VOCABULARY_FILES],
            "DATA": str(path),
            "MEMORY_LIMIT": "7GB",
        }
        inferred, seconds, rss = run_child(ENGINE_CODE["batch"], variables)
        print(
            f"domain 10M, batch, file to file, memory limit 7 GB: {inferred} inferred in "
            f"{seconds:.1f} s (peak RSS {rss / 2**20:.0f} MB)"
        )


if __name__ == "__main__":
    main()
