"""Materialisation benchmark: the project's engine against owlrl and `reasonable`.

For synthetic domain graphs (10k, 100k, 1M triples, with the project's ontology) and LUBM (1 and
10 universities, with univ-bench.owl), each engine loads the ontology and the data and computes
the closure in a fresh process; the table gives the wall time and that process's peak RSS, and
the ratios against the project's engine. Engines run alternately, dataset by dataset, in one run.
owlrl is skipped where it would pass 10 minutes (it scales about linearly: 100 s per 100k
triples here). Then the time to bring the 1M-triple closure up to date after inserting one
triple and after deleting one.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/reason.py            # everything (about 10 minutes)
    .venv/bin/python bench/reason.py --quick    # 10k, 100k and LUBM-1 only
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench import lubm, synthetic  # noqa: E402
from ontology import VOCABULARY_FILES  # noqa: E402

OWLRL_SECONDS_PER_TRIPLE = 100 / 100_000
OWLRL_LIMIT = 600

ENGINE_CODE = {
    "fast": """
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

INCREMENTAL_CODE = """
import time
import pyoxigraph as ox
from graph.files import load_file
from graph.reasoning.sparql_engine import Reasoner
store = ox.Store()
for path in ONTOLOGIES:
    load_file(store, Path(path), "urn:o")
load_file(store, Path(DATA), "urn:d")
reasoner = Reasoner(store, ["urn:o", "urn:d"], "urn:i")
reasoner.materialise()
AKG = "https://w3id.org/alliance-kg/ontology#"
S = "https://w3id.org/alliance-kg/synthetic/"
quad = ox.Quad(ox.NamedNode(S + "state/1"), ox.NamedNode(AKG + "memberOf"), ox.NamedNode(S + "alliance/0"), ox.NamedNode("urn:d"))
started = time.perf_counter(); reasoner.insert([quad]); inserted = time.perf_counter() - started
started = time.perf_counter(); reasoner.delete([quad]); deleted = time.perf_counter() - started
RESULT = [inserted, deleted]
"""


def run_child(code: str, variables: dict) -> tuple[object, float, int]:
    """Run `code` in a fresh Python; returns its RESULT, wall seconds and peak RSS in bytes.

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
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    output = child.stdout.read().decode()
    if status != 0:
        raise RuntimeError(f"benchmark child failed with status {status}")
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


def datasets(work: Path, quick: bool) -> list[tuple[str, Path, list[Path], int]]:
    found = []
    domain_sizes = [10_000, 100_000] + ([] if quick else [1_000_000])
    for size in domain_sizes:
        path = work / f"domain-{size}.nt"
        if not path.exists():
            ox.serialize(synthetic.generate(size), str(path), ox.RdfFormat.N_TRIPLES)
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
    parser.add_argument(
        "--work", type=Path, help="where to keep generated data (default: a temp dir)"
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="alliance-kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    print(
        f"{'dataset':<12} {'triples':>9} {'engine':<11} {'inferred':>9} {'seconds':>9} {'peak RSS':>9} {'vs fast':>8}"
    )
    for name, data, ontologies, triples in datasets(work, args.quick):
        ttl = [str(to_turtle(o, work / (o.stem + ".ttl"))) for o in ontologies]
        variables = {
            "ONTOLOGIES": [str(o) for o in ontologies],
            "ONTOLOGIES_TTL": ttl,
            "DATA": str(data),
            "DATA_TTL": str(nt_as_turtle(data)),
        }
        results = {}
        for engine in ("fast", "reasonable", "owlrl"):
            if engine == "owlrl" and triples * OWLRL_SECONDS_PER_TRIPLE > OWLRL_LIMIT:
                print(
                    f"{name:<12} {triples:>9} {engine:<11} {'skipped: would pass 10 minutes':>40}"
                )
                continue
            try:
                inferred, seconds, rss = run_child(ENGINE_CODE[engine], variables)
            except RuntimeError as error:
                print(f"{name:<12} {triples:>9} {engine:<11} {error!s:>40}")
                continue
            results[engine] = seconds
            ratio = seconds / results["fast"] if "fast" in results else 1.0
            print(
                f"{name:<12} {triples:>9} {engine:<11} {inferred:>9} {seconds:>9.2f} {rss / 2**20:>7.0f}MB {ratio:>7.1f}x"
            )
            rows.append(
                {
                    "dataset": name,
                    "engine": engine,
                    "seconds": seconds,
                    "rss": rss,
                    "inferred": inferred,
                }
            )
        sys.stdout.flush()
    domain = [d for d in datasets(work, args.quick) if d[0].startswith("domain")][-1]
    variables = {"ONTOLOGIES": [str(o) for o in domain[2]], "DATA": str(domain[1])}
    (inserted, deleted), _, rss = run_child(INCREMENTAL_CODE, variables)
    print(
        f"\nincremental, {domain[0]}: one inserted triple {inserted:.3f} s, one deleted triple {deleted:.3f} s "
        f"(peak RSS {rss / 2**20:.0f} MB)"
    )


if __name__ == "__main__":
    main()
