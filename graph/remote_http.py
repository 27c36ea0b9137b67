"""The HTTP side of a remote store: where it answers and with which credentials, the errors a
server's refusal becomes, and its answers streamed to pyoxigraph's parsers with Virtuoso's own
spellings mended on the way."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from graph.errors import InvalidInput, StoreUnavailable

#: What Virtuoso writes in its SPARQL JSON results where RDF has other spellings: blank nodes
#: named `nodeID://b123`, which no syntax allows as a label, and booleans as "1" and "0" (the
#: same values as "true" and "false", which every other store gives back as they were written).
_BOOLEAN = b'"datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": '
VIRTUOSO_RENAMES = (
    (b"nodeID://", b""),
    (_BOOLEAN + b'"1"', _BOOLEAN + b'"true"'),
    (_BOOLEAN + b'"0"', _BOOLEAN + b'"false"'),
)

RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.8"


class ResultCapped(StoreUnavailable):
    """The server cut an answer short at its row limit (Virtuoso's ResultSetMaxRows)."""

    def __init__(self, url: str, limit: int):
        self.limit = limit
        super().__init__(
            f"the SPARQL store at {url} cut the answer off at its limit of {limit} rows "
            "(Virtuoso's [SPARQL] ResultSetMaxRows): add a LIMIT below it, page with "
            "LIMIT/OFFSET, or raise the server's limit"
        )


@dataclass(frozen=True)
class RemoteSettings:
    """Where a remote store answers: its query URL and, where a server splits them, the update
    and Graph Store URLs (derived from the query URL for the servers the project knows), and a
    credentials file holding `user:password` (Basic or Digest, as the server asks) or
    `Bearer TOKEN`."""

    query_url: str
    update_url: str | None = None
    gsp_url: str | None = None
    credentials_file: Path | None = None
    #: Seconds to wait for a server's answer before giving up on it.
    timeout: float = 300.0

    def auth(self) -> httpx.Auth | None:
        """The client's authentication, read from the credentials file (never logged)."""
        if self.credentials_file is None:
            return None
        try:
            text = self.credentials_file.read_text().strip()
        except OSError as error:
            raise InvalidInput(
                f"cannot read the store credentials file {self.credentials_file}: "
                f"{error.strerror or error}"
            ) from None
        if text.startswith("Bearer "):
            return Bearer(text.removeprefix("Bearer ").strip())
        user, colon, password = text.partition(":")
        if not colon or not user:
            raise InvalidInput(
                f"the store credentials file {self.credentials_file} must hold "
                "`user:password` or `Bearer TOKEN` on one line"
            )
        return UserPassword(user, password)


class Bearer(httpx.Auth):
    def __init__(self, token: str):
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = self._header
        yield request


class UserPassword(httpx.Auth):
    """A user and password answered the way the server challenges: Digest (Virtuoso's
    default) or Basic. The scheme is learnt from the first challenge and kept."""

    requires_request_body = True

    def __init__(self, user: str, password: str):
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)
        self._scheme: httpx.Auth | None = None

    def auth_flow(self, request: httpx.Request):
        if self._scheme is not None:
            yield from self._scheme.auth_flow(request)
            return
        response = yield request
        challenge = response.headers.get("www-authenticate", "").lower()
        if response.status_code != 401 or not challenge:
            return
        self._scheme = self._digest if challenge.startswith("digest") else self._basic
        yield from self._scheme.auth_flow(request)


class ResponseReader(io.RawIOBase):
    """A streamed HTTP response as a binary file, for pyoxigraph's parsers; the connection goes
    back to the pool when the body has been read."""

    def __init__(self, response: httpx.Response, renames: tuple[tuple[bytes, bytes], ...] = ()):
        self._response = response
        self._chunks = response.iter_bytes()
        for old, new in renames:
            self._chunks = renamed(self._chunks, old, new)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                self._response.close()
                return 0
            except httpx.HTTPError as error:
                self._response.close()
                raise StoreUnavailable(f"the SPARQL store's answer broke off: {error}") from None
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        self._response.close()
        super().close()


def renamed(chunks: Iterator[bytes], old: bytes, new: bytes) -> Iterator[bytes]:
    """The chunks with `old` replaced by `new`, also where `old` spans two chunks."""
    held = b""
    keep = len(old) - 1
    for chunk in chunks:
        text = (held + chunk).replace(old, new)
        held, out = (text[-keep:], text[:-keep]) if keep and len(text) > keep else (text, b"")
        if out:
            yield out
    if held:
        yield held.replace(old, new)


def raise_for(response: httpx.Response, url: str) -> None:
    detail = " ".join(response.text.split())[:300] or response.reason_phrase
    status = response.status_code
    # Virtuoso refuses an update on its public /sparql with a 500 naming the security check.
    if status in (401, 403) or "SECURITY: No permission" in detail:
        raise StoreUnavailable(
            f"the SPARQL store at {url} refused the request ({status}): give credentials that "
            "may write with --store-credentials FILE (and, for Virtuoso, its /sparql-auth URL)"
        )
    if status in (400, 422):
        raise InvalidInput(f"the SPARQL store at {url} refused the request: {detail}")
    if status == 404:
        raise StoreUnavailable(f"no SPARQL service at {url} (404): check the store URL")
    raise StoreUnavailable(f"the SPARQL store at {url} failed ({status}): {detail}")
