"""A query process: runs read-only SPARQL queries on a snapshot of the store.

pyoxigraph cannot stop a query once it runs, so the endpoint runs each query in a process of
this kind and kills the process (SIGKILL) when the query passes its time limit: the CPU is freed
at once. The process reads snapshots (RocksDB checkpoints, made after every write) opened
read-only, so it never shares an open database with the writer.

Messages on stdin and stdout are pickled dicts, each preceded by its length (4 bytes, big-endian).
A request names the snapshot, the query, its dataset and the media types to write solutions and
graphs in; the answer is the result's kind and its serialisation, or an error. The process is
started by the endpoint with `python -m endpoint.query_worker`; it ends when stdin closes.
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import struct
import sys
from typing import BinaryIO

import pyoxigraph as ox

from graph.dataset import evaluate
from graph.results import is_graph_result

HEADER = struct.Struct(">I")


def read_message(stream: BinaryIO) -> dict | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        return None
    message = pickle.loads(payload)
    if "body_size" in message:
        size = message.pop("body_size")
        message["body"] = stream.read(size)
        if len(message["body"]) < size:
            return None
    return message


def write_message(stream: BinaryIO, message: dict) -> None:
    """A message is its fields pickled, then its `body` (bytes or a buffer), if any, as is: a
    result of many megabytes is neither copied into the pickle nor out of it."""
    fields = {k: v for k, v in message.items() if k != "body"}
    body = message.get("body")
    if body is not None:
        fields["body_size"] = memoryview(body).nbytes
    payload = pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(payload)) + payload)
    if body is not None:
        stream.write(body)
    stream.flush()


def answer(store, request: dict) -> dict:
    """Evaluate one query on `store` (pyoxigraph's, or a RemoteStore) and serialise its result
    in the media types the request names; raises what the evaluation raises."""
    dataset = request["dataset"]  # a graph.dataset.QueryDataset
    options = dataset.options(request["prefixes"], request["query"], request.get("base_iri"))
    results = evaluate(store, request["query"], options)
    buffer = io.BytesIO()
    if is_graph_result(results):
        kind = "graph"
        fmt = ox.RdfFormat.from_media_type(request["graph_type"])
        prefixes = request["prefixes"] if fmt == ox.RdfFormat.TURTLE else None
        ox.serialize(results, buffer, fmt, prefixes=prefixes)
    else:
        kind = "boolean" if isinstance(results, ox.QueryBoolean) else "solutions"
        results.serialize(buffer, ox.QueryResultsFormat.from_media_type(request["solutions_type"]))
    body = buffer.getbuffer()  # written out as is, not copied
    if len(body) > request["max_bytes"]:
        return {"ok": False, "error": "too-large"}
    return {"ok": True, "kind": kind, "body": body}


def run(store: ox.Store, request: dict) -> dict:
    """Evaluate one query and serialise its result; never raises (errors are answers)."""
    try:
        return answer(store, request)
    except SyntaxError as error:
        return {"ok": False, "error": "syntax", "message": str(error)}
    except Exception as error:  # reported to the endpoint, which logs it and answers 500
        return {"ok": False, "error": "failed", "message": f"{type(error).__name__}: {error}"}


def main() -> None:
    # Ctrl-C reaches the whole process group; the endpoint decides when this process ends (it
    # closes stdin, or kills it), so an interrupt here would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, answers = sys.stdin.buffer, os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # nothing else may write on the answer channel
    store, opened = None, None
    while (request := read_message(requests)) is not None:
        if request["snapshot"] != opened:
            store = None  # close the previous snapshot before opening the next
            store, opened = ox.Store.read_only(request["snapshot"]), request["snapshot"]
        write_message(answers, run(store, request))


if __name__ == "__main__":
    main()
