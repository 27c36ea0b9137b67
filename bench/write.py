"""Write benchmark: what one write through the endpoint costs, reasoning and the consistency
check included, on the article graph.

`alliance-kg serve` (granian, an on-disk store) takes, alternately, a write that adds an alliance
with two member states (the rules then derive that the two are allied, and more) and a write that
implies nothing (a comment on a new resource); each is undone by the next round's DELETE. The
table gives the median and the 90th percentile of the end-to-end latency a client sees, over
--rounds rounds.

    .venv/bin/python bench/write.py              # 40 rounds
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

BIN = Path(sys.executable).parent
PROLOGUE = (
    "PREFIX id: <https://w3id.org/alliance-kg/id/> "
    "PREFIX akg: <https://w3id.org/alliance-kg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)
WRITES = {
    "alliance of two states": "id:Bench_Alliance_{i} a akg:Alliance ; "
    "akg:hasMember id:Japan, id:Philippines .",
    "implies nothing": 'id:Bench_Note_{i} rdfs:comment "a note" .',
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="alliance-kg-bench-write-"))
    store = work / "store"
    subprocess.run([BIN / "alliance-kg", "build", "--store", store], check=True,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    token = work / "token"
    token.write_text("bench-token")
    port = free_port()
    command = [BIN / "alliance-kg", "serve", "--store", store, "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--write-token-file", token],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        for _ in range(300):
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        session = requests.Session()
        headers = {"Authorization": "Bearer bench-token"}
        times: dict[str, list[float]] = {name: [] for name in WRITES}
        for i in range(args.rounds):
            for name, template in WRITES.items():
                triples = template.format(i=i)
                started = time.perf_counter()
                response = session.post(
                    url, data={"update": f"{PROLOGUE}INSERT DATA {{ {triples} }}"}, headers=headers
                )
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                if i >= 2:  # the first writes compile the rules
                    times[name].append(elapsed)
                session.post(
                    url, data={"update": f"{PROLOGUE}DELETE DATA {{ {triples} }}"}, headers=headers
                ).raise_for_status()
        print(f"{'write':<24} {'median ms':>10} {'p90 ms':>8}")
        for name, values in times.items():
            values.sort()
            p90 = values[int(len(values) * 0.9) - 1]
            print(f"{name:<24} {statistics.median(values) * 1000:>10.1f} {p90 * 1000:>8.1f}")
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
