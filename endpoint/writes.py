"""Writes on /sparql (SPARQL Update) and the machinery every write shares with /store: the
write token, the writer that keeps the inferences current, and `writing()`, which serialises
writes and starts a new dataset version after each."""

from __future__ import annotations

import hmac
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Response, request

from endpoint.errors import HTTPError, no_content
from endpoint.request_params import ProtocolRequest, refuse_remote
from endpoint.services import answer_cache, services, settings, store
from graph.sparql_text import check_nesting
from graph.updates import bind_protocol_dataset


def maintainer():
    """The reasoner that keeps the inferences current, made at the first write: importing it and
    compiling its rules takes a few hundred milliseconds that startup need not wait for. The
    on-disk store is written through an in-memory copy while it is small (MirrorWriter)."""
    from graph.reasoning.maintain import MirrorWriter

    shared = services()
    if shared.maintainer is None:
        allow = settings().allow_inconsistent
        remote = store().remote_store
        if remote is not None:
            from graph.remote_sync import RemoteWriter

            shared.maintainer = RemoteWriter(remote, allow)
        else:
            shared.maintainer = MirrorWriter(store(), allow_inconsistent=allow)
    return shared.maintainer


@dataclass
class Write:
    #: The writer sets it when the write was committed in one transaction: its snapshot for
    #: the query processes can then be taken after the write is acknowledged (Snapshots).
    whole: bool = False


@contextmanager
def writing():
    """Serialise writes; after each, snapshot it for the query processes and start a new
    dataset version. A write is durable when it is committed: pyoxigraph writes RocksDB's
    log before a transaction returns."""
    write = Write()
    with services().write_lock:
        try:
            yield write
        finally:
            snapshots = services().snapshots
            if snapshots is not None:  # a remote store has none
                snapshots.committed(whole=write.whole)
            answer_cache().changed()


def run_update(params: ProtocolRequest) -> Response:
    authorise()
    refuse_remote(params.text)
    check_nesting(params.text, "update")
    text = bind_protocol_dataset(
        params.text, list(params.using_graphs), list(params.using_named_graphs)
    )
    # Relative IRIs resolve against the request's URL (a BASE in the text still wins).
    text = f"BASE <{request.base_url}>\n{text}"
    with writing() as write:
        if settings().plain:
            store().update(text)  # one transaction
            write.whole = True
        else:
            writer = maintainer()
            writer.apply_update(text)
            write.whole = writer.in_one_transaction
    return no_content()


def authorise() -> None:
    """Writes need `Authorization: Bearer <token>` matching the configured token."""
    token = settings().write_token
    challenge = {"WWW-Authenticate": 'Bearer realm="alliance-kg"'}
    if not token:
        raise HTTPError(
            401, "writes are disabled: start the server with --write-token-file", challenge
        )
    given = request.headers.get("Authorization", "")
    scheme, _, credentials = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        credentials.strip().encode(), token.encode()
    ):
        raise HTTPError(
            401,
            "this write needs 'Authorization: Bearer <token>' with the server's write token",
            challenge,
        )
