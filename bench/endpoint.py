"""Endpoint benchmark: `alliance-kg serve --plain` against `oxigraph serve`, and the answer cache.

Both servers serve the same synthetic domain graph (200k triples by default) from their own
on-disk store on 127.0.0.1. For four kinds of query (a lookup of one resource, a join of four
patterns from one alliance and from every alliance, a GROUP BY over the whole graph) and 1, 4
and 16 concurrent connections, `wrk` drives each server for a few seconds, the two servers
alternating cell by cell; the table gives requests per second, median and 99th-percentile
latency, and the ratio alliance-kg / oxigraph.
Every request's query text is new (a numbered comment), so alliance-kg's answer cache never
serves them; one more row repeats a single lookup, which the cache does serve. Then: the time
from start to the first answer, and the memory of each server's processes, as the sum of their
RSS and of their PSS (a page shared by several processes counted once, in shares).

Last, on the article graph (`alliance-kg serve`, with reasoning), what a saved query costs fresh
(the first run after a write), repeated (from the cache) and revalidated (a 304).

Needs wrk (Debian: `apt-get install wrk`) and the bench extra:

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/endpoint.py                 # about three minutes
    .venv/bin/python bench/endpoint.py --triples 1000000 --seconds 10
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench import synthetic  # noqa: E402

BIN = Path(sys.executable).parent
PROLOGUE = f"PREFIX akg: <{synthetic.AKG}>\n"
JSON = "application/sparql-results+json"
CONCURRENCY = (1, 4, 16)

#: wrk's request generator: each request's query text from a template, with __I__ a number
#: unique to the request (thread number times a large step, plus a counter) and __K__ that
#: number modulo the template's modulus (which resource to look up).
LUA = """
local template, modulus, accept = %(template)s, %(modulus)d, %(accept)s
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  counter = tid * 100000000
end
function request()
  counter = counter + 1
  local path = template:gsub("__I__", tostring(counter))
  path = path:gsub("__K__", tostring(counter %% modulus))
  return wrk.format("GET", path, { Accept = accept })
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, name: str, args: list, port: int, query_path: str, log: Path):
        self.name, self.port, self.query_path = name, port, query_path
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
                response = self.session.get(
                    self.url + query_path,
                    params={"query": "ASK { ?s ?p ?o }"},
                    headers={"Accept": JSON},
                    timeout=30,
                )
                if response.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} did not start: see {log}")
            time.sleep(0.02)
        self.startup = time.perf_counter() - started

    def memory(self) -> tuple[int, int]:
        """Sum of RSS and sum of PSS, in bytes, of the server's processes (master, workers,
        query processes): every process of the session the server was started in."""
        rss = pss = 0
        for entry in os.listdir("/proc"):
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[3]) != self.process.pid:
                    continue
                for line in Path(f"/proc/{entry}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
            except (OSError, IndexError, ValueError):
                continue
        return rss, pss

    def stop(self) -> None:
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


#: The current holders of each ?state's offices: joined to one alliance's members, a small join
#: like a lookup's; to every alliance's, a join of the whole graph (2k rows at 200k triples).
LEADERS = (
    "?office akg:officeOf ?state . "
    "?term akg:office ?office ; akg:holder ?person ; akg:termStatus akg:CurrentTerm"
)


def templates(states: int) -> dict[str, tuple[str, int]]:
    """Each kind of query as a text template (see LUA) and its modulus."""
    base = synthetic.BASE
    return {
        "lookup": (
            f"{PROLOGUE}# __I__\nSELECT ?p ?o WHERE {{ <{base}state/__K__> ?p ?o }}",
            states,
        ),
        "join, 1 alliance": (
            f"{PROLOGUE}# __I__\nSELECT ?state ?person WHERE {{ "
            f"<{base}alliance/__K__> akg:hasMember ?state . {LEADERS} }}",
            max(1, states // 5),
        ),
        "join, all": (
            f"{PROLOGUE}# __I__\nSELECT ?alliance ?state ?person WHERE {{ "
            f"?alliance akg:hasMember ?state . {LEADERS} }}",
            1,
        ),
        "aggregate": (
            f"{PROLOGUE}# __I__\nSELECT ?class (COUNT(*) AS ?n) WHERE {{ ?s a ?class }} "
            "GROUP BY ?class",
            1,
        ),
    }


def wrk(
    server: Server,
    template: str,
    modulus: int,
    connections: int,
    seconds: float,
    work: Path,
    params: str = "",
):
    """Requests per second, median and p99 latency (ms), and non-2xx answers, from wrk;
    `params` are more URL parameters (`a=1&b`)."""
    path = f"{server.query_path}?{params + '&' if params else ''}query={quote(template, safe='_')}"
    script = work / "wrk.lua"
    script.write_text(
        LUA % {"template": _lua_string(path), "modulus": modulus, "accept": _lua_string(JSON)}
    )
    threads = min(connections, 2)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
               "--latency", "-s", str(script), server.url]  # fmt: skip
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = _ms(re.search(r"\s50%\s+([\d.]+\w+)", out)[1])
    p99 = _ms(re.search(r"\s99%\s+([\d.]+\w+)", out)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p50, p99, int(errors[1]) if errors else 0


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def compare(work: Path, triples: int, seconds: float) -> None:
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
    ours = Server("alliance-kg", [BIN / "alliance-kg", "serve", "--plain", "--store", work / "akg",
                  "--port", port_a], port_a, "/sparql", work / "akg.log")  # fmt: skip
    theirs = Server("oxigraph", [BIN / "oxigraph", "serve", "--location", work / "oxigraph",
                    "--bind", f"127.0.0.1:{port_o}"], port_o, "/query", work / "oxigraph.log")  # fmt: skip
    try:
        states = max(1, triples // synthetic.TRIPLES_PER_STATE)
        print(f"\n{triples} triples, {seconds:g} s per cell, wrk on the same machine\n")
        print(f"{'query':<18}{'conns':>6}  {'alliance-kg req/s':>18}{'p50 ms':>8}{'p99 ms':>8}"
              f"  {'oxigraph req/s':>15}{'p50 ms':>8}{'p99 ms':>8}  {'req/s ratio':>11}")  # fmt: skip
        cells = [(kind, template, modulus, c) for kind, (template, modulus)
                 in templates(states).items() for c in CONCURRENCY]  # fmt: skip
        lookup, modulus = templates(states)["lookup"]
        cells.append(("lookup, repeated", lookup.replace("__I__", "0").replace("__K__", "7"), 1, 4))
        for kind, template, modulus, connections in cells:
            a = wrk(ours, template, modulus, connections, seconds, work)
            o = wrk(theirs, template, modulus, connections, seconds, work)
            errors = f"  ({a[3]} / {o[3]} errors)" if a[3] or o[3] else ""
            print(f"{kind:<18}{connections:>6}  {a[0]:>18.0f}{a[1]:>8.1f}{a[2]:>8.1f}"
                  f"  {o[0]:>15.0f}{o[1]:>8.1f}{o[2]:>8.1f}  {a[0] / o[0]:>10.2f}x{errors}")  # fmt: skip
            sys.stdout.flush()
        print(f"\n{'start to first answer':<26}{ours.startup:>8.2f} s {theirs.startup:>8.2f} s"
              f"  {ours.startup / theirs.startup:>6.1f}x")  # fmt: skip
        (rss_a, pss_a), (rss_o, pss_o) = ours.memory(), theirs.memory()
        print(f"{'memory, sum of RSS':<26}{rss_a / 2**20:>7.0f} MB {rss_o / 2**20:>7.0f} MB"
              f"  {rss_a / rss_o:>6.1f}x")  # fmt: skip
        print(f"{'memory, sum of PSS':<26}{pss_a / 2**20:>7.0f} MB {pss_o / 2**20:>7.0f} MB"
              f"  {pss_a / pss_o:>6.1f}x")  # fmt: skip
    finally:
        ours.stop()
        theirs.stop()


def cache(work: Path, count: int) -> None:
    store = work / "article"
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run([BIN / "alliance-kg", "build", "--store", store], check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    token = work / "token"
    token.write_text("bench-token")
    port = free_port()
    server = Server("alliance-kg", [BIN / "alliance-kg", "serve", "--store", store, "--port", port,
                    "--write-token-file", token], port, "/sparql", work / "article.log")  # fmt: skip
    auth = {"Authorization": "Bearer bench-token"}
    url = server.url + "/api/queries/summit-leaders"
    accept = {"Accept": JSON}
    try:
        fresh, repeated, revalidated = [], [], []
        for i in range(count):
            update = f"INSERT DATA {{ <urn:bench:{i}> <urn:bench:p> {i} }}"
            server.session.post(server.url + "/sparql", data={"update": update}, headers=auth)
            started = time.perf_counter()
            etag = server.session.get(url, headers=accept).headers["ETag"]
            fresh.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert server.session.get(url, headers=accept).headers["X-Cache"] == "hit"
            repeated.append(time.perf_counter() - started)
            started = time.perf_counter()
            response = server.session.get(url, headers={**accept, "If-None-Match": etag})
            assert response.status_code == 304
            revalidated.append(time.perf_counter() - started)
        print(f"\nsaved query summit-leaders on the article graph, {count} runs each (median):")
        base = statistics.median(fresh)
        for label, values in (("fresh (after a write)", fresh), ("repeated (cache hit)", repeated),
                              ("revalidated (304)", revalidated)):  # fmt: skip
            median = statistics.median(values)
            print(
                f"  {label:<24}{1000 * median:>8.2f} ms  {base / median:>6.1f}x faster than fresh"
            )
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--triples", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=4.0, help="per cell of the table")
    parser.add_argument("--runs", type=int, default=50, help="runs of the saved query")
    parser.add_argument("--work", type=Path, help="where to keep data (default: a temp dir)")
    args = parser.parse_args()
    if not (BIN / "oxigraph").exists():
        sys.exit("oxigraph is not installed: .venv/bin/pip install -e '.[bench]'")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    work = args.work or Path(tempfile.mkdtemp(prefix="alliance-kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    compare(work, args.triples, args.seconds)
    cache(work, args.runs)


if __name__ == "__main__":
    main()
