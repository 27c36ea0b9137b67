"""Endpoint benchmark: `alliance-kg serve --plain` against `oxigraph serve`, and the answer cache.

Both servers serve the same synthetic domain graph (100k triples by default) from their own
on-disk store, on 127.0.0.1. The table gives, for each server: the time from start to the first
answer; the median and 95th-percentile latency of three kinds of query (a lookup of one
resource, a four-pattern join, a GROUP BY over the whole graph), sent one at a time and
alternating between the servers so that both see the same machine; the throughput of lookups
from several clients at once; and the resident memory of the server's processes afterwards.
Every query text is unique (a numbered comment), so alliance-kg's answer cache never serves them.

Then, on the article graph (`alliance-kg serve`, with reasoning), what a saved query costs
fresh (the first run after a write), repeated (from the cache) and revalidated (a 304).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/endpoint.py                 # about two minutes
    .venv/bin/python bench/endpoint.py --triples 1000000
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench import synthetic  # noqa: E402

BIN = Path(sys.executable).parent
PROLOGUE = f"PREFIX akg: <{synthetic.AKG}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
JSON = {"Accept": "application/sparql-results+json"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, name: str, args: list, port: int, log: Path):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [str(a) for a in args],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.session = requests.Session()
        while True:
            try:
                response = self.query("ASK { ?s ?p ?o }")
                if response.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} did not start: see {log}")
            time.sleep(0.02)
        self.startup = time.perf_counter() - started

    def query(self, text: str, session: requests.Session | None = None) -> requests.Response:
        return (session or self.session).post(
            self.url + "/sparql" if self.name != "oxigraph serve" else self.url + "/query",
            data=text.encode(),
            headers={**JSON, "Content-Type": "application/sparql-query"},
            timeout=120,
        )

    def rss(self) -> int:
        """Resident memory of the server's processes (the master, workers, query processes)."""
        total = 0
        for entry in os.listdir("/proc"):
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[3]) != self.process.pid:
                    continue
                for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except (OSError, IndexError, ValueError):
                continue
        return total

    def stop(self) -> None:
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


def queries(states: int) -> dict[str, Callable[[int], str]]:
    base = synthetic.BASE
    return {
        "lookup": lambda i: (
            f"{PROLOGUE}# {i}\nSELECT ?p ?o WHERE {{ <{base}state/{i % states}> ?p ?o }}"
        ),
        "join": lambda i: (
            f"{PROLOGUE}# {i}\nSELECT ?state ?person WHERE {{ ?state akg:memberOf|^akg:hasMember "
            f"<{base}alliance/{i % max(1, states // 5)}> . ?office akg:officeOf ?state . "
            "?term akg:office ?office ; akg:holder ?person ; akg:termStatus akg:CurrentTerm }"
        ),
        "group by": lambda i: (
            f"{PROLOGUE}# {i}\nSELECT ?class (COUNT(*) AS ?n) WHERE {{ ?s a ?class }} GROUP BY ?class"
        ),
    }


def latencies(servers: list[Server], make: Callable[[int], str], count: int) -> dict[str, list]:
    times: dict[str, list] = {s.name: [] for s in servers}
    for i in range(count):
        for server in servers:  # alternate, so that both see the same machine
            started = time.perf_counter()
            response = server.query(make(i))
            times[server.name].append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{server.name}: {response.status_code} {response.text[:200]}")
    return times


def throughput(server: Server, make: Callable[[int], str], clients: int, seconds: float) -> float:
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def client(k: int) -> None:
        session = requests.Session()
        i = k * 1_000_000
        while time.perf_counter() < stop:
            server.query(make(i), session).raise_for_status()
            done[k] += 1
            i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def compare(work: Path, triples: int, count: int, clients: int) -> None:
    data = work / f"domain-{triples}.nt"
    if not data.exists():
        ox.serialize(synthetic.generate(triples), str(data), ox.RdfFormat.N_TRIPLES)
    for path in (work / "akg", work / "oxigraph"):
        shutil.rmtree(path, ignore_errors=True)
    subprocess.run([BIN / "alliance-kg", "load", "--store", work / "akg", data], check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    subprocess.run([BIN / "oxigraph", "load", "--location", work / "oxigraph", "--file", data],
                   check=True, stderr=subprocess.DEVNULL)  # fmt: skip
    port_a, port_o = free_port(), free_port()
    servers = [
        Server(
            "alliance-kg --plain",
            [BIN / "alliance-kg", "serve", "--plain", "--store", work / "akg", "--port", port_a],
            port_a,
            work / "akg.log",
        ),
        Server(
            "oxigraph serve",
            [
                BIN / "oxigraph",
                "serve",
                "--location",
                work / "oxigraph",
                "--bind",
                f"127.0.0.1:{port_o}",
            ],
            port_o,
            work / "oxigraph.log",
        ),
    ]
    try:
        states = max(1, triples // synthetic.TRIPLES_PER_STATE)
        kinds = queries(states)
        print(f"\n{triples} triples; {count} requests of each kind, one at a time; "
              f"{clients} clients for throughput\n")  # fmt: skip
        header = f"{'measure':<28}" + "".join(f"{s.name:>22}" for s in servers) + f"{'ratio':>8}"
        print(header)
        row("start to first answer (s)", [s.startup for s in servers], "{:.2f}")
        for kind, make in kinds.items():
            times = latencies(servers, make, count)
            row(f"{kind}: median (ms)", [1000 * statistics.median(times[s.name]) for s in servers])
            row(f"{kind}: p95 (ms)", [1000 * p95(times[s.name]) for s in servers])
        rates = [throughput(s, kinds["lookup"], clients, 5.0) for s in servers]
        row(f"lookups/s, {clients} clients", rates, "{:.0f}")
        row("RSS after the runs (MB)", [s.rss() / 2**20 for s in servers], "{:.0f}")
    finally:
        for server in servers:
            server.stop()


def row(label: str, values: list[float], fmt: str = "{:.1f}") -> None:
    ratio = values[0] / values[1] if values[1] else float("nan")
    print(f"{label:<28}" + "".join(f"{fmt.format(v):>22}" for v in values) + f"{ratio:>7.2f}x")
    sys.stdout.flush()


def cache(work: Path, count: int) -> None:
    store = work / "article"
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run([BIN / "alliance-kg", "build", "--store", store], check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    token = work / "token"
    token.write_text("bench-token")
    port = free_port()
    server = Server("alliance-kg", [BIN / "alliance-kg", "serve", "--store", store, "--port", port,
                    "--write-token-file", token], port, work / "article.log")  # fmt: skip
    auth = {"Authorization": "Bearer bench-token"}
    url = server.url + "/api/queries/summit-leaders"
    try:
        fresh, repeated, revalidated = [], [], []
        for i in range(count):
            update = f"INSERT DATA {{ <urn:bench:{i}> <urn:bench:p> {i} }}"
            server.session.post(server.url + "/sparql", data={"update": update}, headers=auth)
            started = time.perf_counter()
            etag = server.session.get(url, headers=JSON).headers["ETag"]
            fresh.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert server.session.get(url, headers=JSON).headers["X-Cache"] == "hit"
            repeated.append(time.perf_counter() - started)
            started = time.perf_counter()
            response = server.session.get(url, headers={**JSON, "If-None-Match": etag})
            assert response.status_code == 304
            revalidated.append(time.perf_counter() - started)
        print(f"\nsaved query summit-leaders on the article graph, {count} runs each (median ms):")
        base = statistics.median(fresh)
        for label, values in (("fresh (after a write)", fresh), ("repeated (cache hit)", repeated),
                              ("revalidated (304)", revalidated)):  # fmt: skip
            median = statistics.median(values)
            print(f"  {label:<24}{1000 * median:>8.2f}   {base / median:>6.1f}x faster than fresh")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100, help="per kind of query and server")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--work", type=Path, help="where to keep data (default: a temp dir)")
    args = parser.parse_args()
    if not (BIN / "oxigraph").exists():
        sys.exit("oxigraph is not installed: .venv/bin/pip install -e '.[bench]'")
    random.seed(0)
    work = args.work or Path(tempfile.mkdtemp(prefix="alliance-kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    compare(work, args.triples, args.requests, args.clients)
    cache(work, args.requests)


if __name__ == "__main__":
    main()
