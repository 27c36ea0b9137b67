"""Answers cached per dataset version, with ETags.

Every write gives the dataset a new version and empties the cache, so an answer is served from
the cache only while the data it was computed from is unchanged. The key of an answer is
everything the response depends on: the version, the query text, the dataset parameters and the
format chosen (by Accept, `format` or `output`). The ETag is derived from the key, so a client's
`If-None-Match` is answered with 304 before the query runs at all.

ETags are weak (`W/"..."`): an answer recomputed after eviction may list unordered solutions in
another order. Versions are random per server start, so no ETag outlives a restart (a client
revalidates once, then the cache fills again). On a remote store the version is the one the store
keeps (graph/remote_sync.py): every replica derives the same ETags, and each reads the version
before it answers from its cache, so a write through any replica is seen by all. Queries using
functions whose value changes between runs (RAND, NOW, UUID, STRUUID, BNODE) are never cached.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Response
from werkzeug.wrappers import Request

from graph.sparql_text import all_words

VOLATILE_FUNCTIONS = frozenset({"RAND", "NOW", "UUID", "STRUUID", "BNODE"})
#: Response headers stored with a cached answer.
KEPT_HEADERS = ("Vary", "Link")


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]


class AnswerCache:
    """A bounded LRU map from request keys to answers, for the current dataset version."""

    def __init__(
        self,
        max_entries: int = 512,
        max_bytes: int = 64_000_000,
        version_source: Callable[[], str] | None = None,
        on_change: Callable[[], None] = lambda: None,
    ):
        #: Where the dataset version comes from when other processes write the data too (a
        #: remote store's version, read by `sync` before each answer); else writes through this
        #: process call `changed`. `on_change` is called when `sync` finds a new version.
        self.version_source = version_source
        self.on_change = on_change
        self._source_version = ""
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_answer_bytes = max_bytes // 8
        self._run = uuid.uuid4().hex[:12]
        self._writes = 0
        self.changed_at = _now()
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def version(self) -> str:
        if self.version_source is not None:
            return f"store-{self._source_version}"
        return f"{self._run}-{self._writes}"

    def sync(self) -> None:
        """Follow the dataset version of the store, which other replicas may have moved on."""
        if self.version_source is None:
            return
        current = self.version_source()
        if current != self._source_version:
            self.on_change()
            with self._lock:
                self._source_version = current
                self.changed_at = _now()
                self._answers.clear()
                self._bytes = 0

    def changed(self) -> None:
        """The dataset changed: a new version, and no answer of the old one is served again."""
        with self._lock:
            self._writes += 1
            self.changed_at = _now()
            self._answers.clear()
            self._bytes = 0

    def etag(self, *parts: str) -> str:
        """The weak ETag of the answer to a request made of `parts`, at the current version."""
        digest = hashlib.sha256()
        for part in (self.version, *parts):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        return f'W/"{digest.hexdigest()[:32]}"'

    def get(self, etag: str) -> Answer | None:
        with self._lock:
            answer = self._answers.get(etag)
            if answer is None:
                self.misses += 1
                return None
            self._answers.move_to_end(etag)
            self.hits += 1
            return answer

    def put(self, etag: str, answer: Answer, version: str) -> None:
        """Keep an answer computed at `version`, unless a write happened since."""
        size = len(answer.body)
        if size > self.max_answer_bytes:
            return
        with self._lock:
            if version != self.version or etag in self._answers:
                return
            self._answers[etag] = answer
            self._bytes += size
            while len(self._answers) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._answers.popitem(last=False)
                self._bytes -= len(evicted.body)


def _now() -> datetime:
    """Now, to the second (HTTP dates have no fractions)."""
    return datetime.now(UTC).replace(microsecond=0)


def cacheable(query: str) -> bool:
    """Whether the query's answer depends only on the data (no RAND, NOW, UUID, ...)."""
    return not all_words(query) & VOLATILE_FUNCTIONS


def cached(cache: AnswerCache, req: Request, parts: tuple[str, ...], compute) -> Response:
    """The answer to a read request: 304 if the client holds it, from the cache if it is there,
    else computed by `compute()` (which returns a Response) and kept; call `cache.sync()`
    first. `parts` name everything
    the answer depends on but the dataset version, the format chosen included."""
    etag = cache.etag(*parts)
    version = cache.version
    held = _if_none_match(req)
    if etag in held or "*" in held:
        return _with_validators(Response(status=304), etag)
    answer = cache.get(etag)
    if answer is not None:
        response = Response(
            answer.body, content_type=answer.content_type, headers=list(answer.headers)
        )
        response.headers["X-Cache"] = "hit"
        return _with_validators(response, etag)
    response = compute()
    if response.status_code == 200 and not response.is_streamed:
        headers = tuple((k, v) for k, v in response.headers.items() if k in KEPT_HEADERS)
        cache.put(etag, Answer(response.get_data(), response.content_type, headers), version)
    response.headers["X-Cache"] = "miss"
    return _with_validators(response, etag)


def _if_none_match(req: Request) -> set[str]:
    header = req.headers.get("If-None-Match", "")
    tags = {t.strip() for t in header.split(",") if t.strip()}
    # Weak comparison (RFC 9110, 13.1.2): W/"x" and "x" match.
    return tags | {f"W/{t}" for t in tags if not t.startswith("W/")}


def _with_validators(response: Response, etag: str) -> Response:
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return response
