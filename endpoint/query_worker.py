"""A query process: runs read-only SPARQL queries on a snapshot of the store.

pyoxigraph cannot stop a query once it runs, so the endpoint runs each query in a process of
this kind and kills the process (SIGKILL) when the query passes its time limit: the CPU is freed
at once. The process reads snapshots (RocksDB checkpoints, made after every write) opened
read-only, so it never shares an open database with the writer.

Messages on stdin and stdout are pickled dataclasses, each preceded by its length (4 bytes,
big-endian), and followed by its body, if any, as raw bytes. A `QueryRequest` names the
snapshot, the query, its dataset and the media types to write solutions and graphs in; a
`QueryAnswer` is the result's kind and its serialisation, or an error. The process is
started by the endpoint with `python -m endpoint.query_worker`; it ends when stdin closes.
"""

from __future__ import annotations

import io
import os
import pickle
import signal
import struct
import sys
from dataclasses import dataclass, replace
from typing import BinaryIO

import pyoxigraph as ox

from graph.dataset import QueryDataset, evaluate
from graph.results import is_graph_result

HEADER = struct.Struct(">I")

#: Why a query gave no result: not valid SPARQL, a result over the byte limit, anything else.
SYNTAX, TOO_LARGE, FAILED = "syntax", "too-large", "failed"


@dataclass(frozen=True)
class QueryRequest:
    """What the endpoint asks of a query process (or of RemoteRunner)."""

    query: str
    dataset: QueryDataset
    prefixes: dict[str, str]
    solutions_type: str
    graph_type: str
    max_bytes: int
    base_iri: str | None = None
    #: The snapshot to run on; the runner sets it.
    snapshot: str | None = None
    body: None = None  # a request has none


@dataclass(frozen=True)
class QueryAnswer:
    """A query's result (`kind`: solutions, boolean or graph; `body`: its serialisation) or
    why there is none (`error`: SYNTAX, TOO_LARGE or FAILED, with a message)."""

    kind: str = ""
    body: bytes | memoryview | None = None
    error: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def read_message(stream: BinaryIO) -> QueryRequest | QueryAnswer | None:
    """The next message, or None at the end of the stream (or where a message is cut short)."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    (size,) = HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        return None
    message, body_size = pickle.loads(payload)
    if body_size is not None:
        body = stream.read(body_size)
        if len(body) < body_size:
            return None
        message = replace(message, body=body)
    return message


def write_message(stream: BinaryIO, message: QueryRequest | QueryAnswer) -> None:
    """A message is its fields pickled, then its body (bytes or a buffer), if any, as is: a
    result of many megabytes is neither copied into the pickle nor out of it."""
    body = message.body
    head = message if body is None else replace(message, body=None)
    size = None if body is None else memoryview(body).nbytes
    payload = pickle.dumps((head, size), protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(payload)) + payload)
    if body is not None:
        stream.write(body)
    stream.flush()


def answer(store, request: QueryRequest) -> QueryAnswer:
    """Evaluate one query on `store` (pyoxigraph's, or a RemoteStore) and serialise its result
    in the media types the request names; raises what the evaluation raises."""
    options = request.dataset.options(request.prefixes, request.query, request.base_iri)
    results = evaluate(store, request.query, options)
    buffer = io.BytesIO()
    if is_graph_result(results):
        kind = "graph"
        fmt = ox.RdfFormat.from_media_type(request.graph_type)
        prefixes = request.prefixes if fmt == ox.RdfFormat.TURTLE else None
        ox.serialize(results, buffer, fmt, prefixes=prefixes)
    else:
        kind = "boolean" if isinstance(results, ox.QueryBoolean) else "solutions"
        results.serialize(buffer, ox.QueryResultsFormat.from_media_type(request.solutions_type))
    body = buffer.getbuffer()  # written out as is, not copied
    if len(body) > request.max_bytes:
        return QueryAnswer(error=TOO_LARGE)
    return QueryAnswer(kind, body)


def run(store: ox.Store, request: QueryRequest) -> QueryAnswer:
    """Evaluate one query and serialise its result; never raises (errors are answers)."""
    try:
        return answer(store, request)
    except SyntaxError as error:
        return QueryAnswer(error=SYNTAX, message=str(error))
    except Exception as error:  # reported to the endpoint, which logs it and answers 500
        return QueryAnswer(error=FAILED, message=f"{type(error).__name__}: {error}")


def main() -> None:
    # Ctrl-C reaches the whole process group; the endpoint decides when this process ends (it
    # closes stdin, or kills it), so an interrupt here would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, answers = sys.stdin.buffer, os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # nothing else may write on the answer channel
    store, opened = None, None
    while (request := read_message(requests)) is not None:
        if request.snapshot != opened:
            store = None  # close the previous snapshot before opening the next
            store, opened = ox.Store.read_only(request.snapshot), request.snapshot
        write_message(answers, run(store, request))


if __name__ == "__main__":
    # Run as this module, not as __main__: the answers' class must pickle by its module's name.
    from endpoint.query_worker import main as run_worker

    run_worker()
