"""What the app's views share, made once in `create_app` and attached to the app as one object:
the store, the answer cache, the query runner, the write lock, and what the first write or
search makes (the maintainer, the search index)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app

from endpoint.cache import AnswerCache
from graph.store import KnowledgeStore, WriterLock

KEY = "alliance_kg"


@dataclass
class Services:
    store: KnowledgeStore
    cache: AnswerCache
    #: Runs queries under the time limit: query processes (endpoint.runner.QueryRunner) on the
    #: on-disk store, the remote server itself (RemoteRunner) on a remote one.
    runner: object
    #: Checkpoints of the on-disk store for the query processes; None on a remote store.
    snapshots: object | None = None
    #: The right to write the on-disk store, held while the server runs; None on a remote one.
    writer_lock: WriterLock | None = None
    #: Serialises this process's writes.
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = field(default_factory=time.time)
    #: Made at the first write: the Maintainer, or the RemoteWriter on a remote store.
    maintainer: object | None = None
    #: Made at the first search of a dataset version (endpoint.search.SearchIndex).
    search_index: object | None = None

    def close(self) -> None:
        """Stop the query processes and give up the writer lock (tests, benchmarks)."""
        self.runner.close()
        if self.writer_lock is not None:
            self.writer_lock.release()


def services(app: Flask | None = None) -> Services:
    return (app or current_app).extensions[KEY]


def store(app: Flask | None = None) -> KnowledgeStore:
    return services(app).store


def settings(app: Flask | None = None):
    return (app or current_app).config["SETTINGS"]


def answer_cache(app: Flask | None = None) -> AnswerCache:
    return services(app).cache
