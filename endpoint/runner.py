"""Queries run in worker processes that can be killed: a time limit that really stops a query.

pyoxigraph has no query timeout and no way to cancel a query from Python, and a thread cannot be
stopped. So each query runs in a process of `endpoint.query_worker`, on a snapshot of the store;
when a query passes the limit, its process is killed with SIGKILL (its CPU is freed at once),
the client gets a 503 saying so, and a new process takes its place.

Snapshots are RocksDB checkpoints (`Store.backup`: hard links to the immutable table files, made
in tens of milliseconds), one after every write (see Snapshots for when): a query sees the
dataset as of the last acknowledged write, and never an open database shared with the writer.
A snapshot is deleted when no worker has it open and a newer one exists.
"""

from __future__ import annotations

import logging
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from endpoint.errors import HTTPError
from endpoint.query_worker import (
    SYNTAX,
    TOO_LARGE,
    QueryAnswer,
    QueryRequest,
    read_message,
    write_message,
)
from graph.errors import QuerySyntaxError
from graph.store import KnowledgeStore

log = logging.getLogger(__name__)


class Snapshots:
    """Read-only checkpoints of the live store, in a directory of their own.

    Every committed write is counted; a query runs on a snapshot that holds every write counted
    when it asked (`acquire` waits for one). A write made in one transaction (the MirrorWriter's,
    a plain server's) is snapshotted by a background thread after it is acknowledged: the
    checkpoint (15-20 ms, most of it RocksDB flushing its memory table) is off the write's
    path, and a checkpoint taken at any moment holds whole writes. A write made in many
    transactions (a store too large to copy) is snapshotted before it is acknowledged, with
    writes excluded, so that no snapshot holds half of it.
    """

    def __init__(self, store: KnowledgeStore, directory: Path):
        self.store = store
        self.directory = directory
        shutil.rmtree(directory, ignore_errors=True)  # leftovers of an earlier run
        directory.mkdir(parents=True)
        self._lock = threading.Condition()
        self._renewing = threading.Lock()
        self._in_use: dict[str, int] = {}
        self._pending: set[str] = set()
        #: Writes committed, and how many of them the current snapshot holds.
        self.written = 0
        self.taken = 0
        self._wanted = threading.Event()
        self._renewer: threading.Thread | None = None
        self.current = ""
        self.renew()

    def renew(self) -> None:
        """Checkpoint the store as it is now: the snapshot holds every write counted so far."""
        with self._renewing:
            path = str(self.directory / uuid.uuid4().hex)
            with self._lock:
                holds = self.written
                self._pending.add(path)
            try:
                self.store.flush()
                self.store.raw.backup(path)
            finally:
                with self._lock:
                    self._pending.discard(path)
            with self._lock:
                if holds >= self.taken:
                    self.current, self.taken = path, holds
                self._lock.notify_all()
        self.collect()

    def committed(self, *, whole: bool) -> None:
        """A write was committed (call it with writes excluded); `whole`: in one transaction."""
        with self._lock:
            self.written += 1
        if not whole:
            self.renew()
            return
        self._wanted.set()
        if self._renewer is None or not self._renewer.is_alive():
            self._renewer = threading.Thread(target=self._renew_when_wanted, daemon=True)
            self._renewer.start()

    def _renew_when_wanted(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                self.renew()
            except Exception:  # acquire() renews itself when this thread falls behind
                log.exception("taking a snapshot of the store failed")

    def acquire(self, old: str | None) -> str:
        """A snapshot holding every write committed so far, for a worker that leaves `old`."""
        with self._lock:
            wanted = self.written
            if self.taken < wanted:
                self._lock.wait_for(lambda: self.taken >= wanted, timeout=5)
            stale = self.taken < wanted
        if stale:  # the background thread failed or is stuck: take one here
            self.renew()
        with self._lock:
            path = self.current
            if old != path:
                if old is not None:
                    self._in_use[old] -= 1
                self._in_use[path] = self._in_use.get(path, 0) + 1
            return path

    def released(self, path: str) -> None:
        with self._lock:
            self._in_use[path] -= 1

    def collect(self) -> None:
        with self._lock:
            keep = {self.current, *self._pending}
            keep |= {path for path, count in self._in_use.items() if count > 0}
            self._in_use = {p: c for p, c in self._in_use.items() if c > 0}
        for path in self.directory.iterdir():
            # A checkpoint being taken is written into `<path>.tmp` first, then renamed.
            if str(path).removesuffix(".tmp") not in keep:
                shutil.rmtree(path, ignore_errors=True)


@dataclass
class Worker:
    process: subprocess.Popen
    snapshot: str | None = None

    @classmethod
    def start(cls) -> Worker:
        process = subprocess.Popen(
            [sys.executable, "-m", "endpoint.query_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parent.parent,
        )
        return cls(process)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()


class QueryRunner:
    """A pool of query processes; `run` gives a query's serialised result within a time limit.

    `workers` processes wait for queries; when every one is busy (long queries), more are
    started on demand, up to `most` in all, so that a small query is answered at once whatever
    runs beside it; the extra ones end when they are idle again."""

    def __init__(self, snapshots: Snapshots, workers: int, most: int | None = None):
        self.snapshots = snapshots
        self.workers = workers
        self.most = max(workers, most if most is not None else workers + 2)
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()  # in C: no Condition
        self._started = workers
        self._count_lock = threading.Lock()
        for _ in range(workers):
            self._idle.put(Worker.start())

    def _take(self, limit: float) -> Worker:
        """An idle worker, a new one if all are busy and the bound allows, or a wait."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._count_lock:
            extra = self._started < self.most
            if extra:
                self._started += 1
        if extra:
            return Worker.start()
        try:
            return self._idle.get(timeout=limit)
        except queue.Empty:
            raise _stopped(limit, "every query process was busy") from None

    def _give_back(self, worker: Worker) -> None:
        """Back to the pool, unless the pool already holds its usual number idle."""
        if self._idle.qsize() >= self.workers:
            with self._count_lock:
                self._started -= 1
            self._retire(worker)
            return
        self._idle.put(worker)

    def _retire(self, worker: Worker) -> None:
        worker.kill()
        if worker.snapshot is not None:
            self.snapshots.released(worker.snapshot)
        self.snapshots.collect()

    def run(self, request: QueryRequest, limit: float) -> QueryAnswer:
        """Run `request` (see endpoint.query_worker) and return the worker's answer; a 503 if it
        does not finish within `limit` seconds, counting the wait for a free worker."""
        deadline = time.monotonic() + limit
        worker = self._take(limit)
        if worker.process.poll() is not None:  # it died while idle (killed from outside)
            log.warning("query process %d had ended; starting another", worker.process.pid)
            worker = self._restart(worker)
        try:
            snapshot = self.snapshots.acquire(worker.snapshot)
            worker.snapshot = snapshot
            write_message(worker.process.stdin, replace(request, snapshot=snapshot))
            ready, _, _ = select.select(
                [worker.process.stdout], [], [], max(0.0, deadline - time.monotonic())
            )
            if not ready:
                self._replace(worker)
                worker = None
                raise _stopped(limit, "it was stopped")
            answer = read_message(worker.process.stdout)
            if answer is None:
                raise OSError(f"it ended with exit status {worker.process.poll()}")
            return answer
        except OSError as error:  # the process died: a broken pipe or a truncated answer
            log.error("query process failed: %s", error)
            self._replace(worker)
            worker = None
            raise HTTPError(
                500, "the query process failed: the server logged the details"
            ) from None
        finally:
            if worker is not None:
                self._give_back(worker)

    def _replace(self, worker: Worker) -> None:
        """Kill a worker (stopped at the limit, or dead); a new one takes its place if the pool
        is short of its usual number."""
        self._retire(worker)
        if self._idle.qsize() < self.workers:
            self._idle.put(Worker.start())
        else:
            with self._count_lock:
                self._started -= 1

    def _restart(self, worker: Worker) -> Worker:
        self._retire(worker)
        return Worker.start()

    def close(self) -> None:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            worker.kill()


class RemoteRunner:
    """Queries on a remote store: its server evaluates them, this process serialises the
    answer in the negotiated format (so that every server's answers read the same). The time
    limit is the client's (the store's HTTP client gives up and the client gets a 503); no
    process or snapshot is needed."""

    def __init__(self, store):
        self.store = store

    def run(self, request: QueryRequest, limit: float) -> QueryAnswer:
        from endpoint.query_worker import answer

        result = answer(self.store, request)
        if result.body is not None:
            result = replace(result, body=bytes(result.body))  # a buffer, for a process's pipe
        return result

    def close(self) -> None:
        self.store.close()


def _stopped(limit: float, what: str) -> HTTPError:
    return HTTPError(
        503,
        f"the query did not finish within the limit of {limit:g} s and {what}; narrow it "
        "(a LIMIT, more specific patterns) or ask for a longer --query-timeout",
        {"Retry-After": "60"},
    )


def raise_for(answer: QueryAnswer, max_bytes: int, query: str | None = None) -> QueryAnswer:
    """The worker's answer, or the error it reports as the project's exception."""
    if answer.ok:
        return answer
    if answer.error == SYNTAX:
        error = SyntaxError(answer.message)
        raise QuerySyntaxError.from_parser(error, "SPARQL query", query)
    if answer.error == TOO_LARGE:
        raise HTTPError(413, f"the result is over the limit of {max_bytes} bytes: add a LIMIT")
    log.error("query failed: %s", answer.message)
    raise HTTPError(500, "the query failed: the server logged the details")
