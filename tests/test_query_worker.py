"""The messages between the endpoint and its query processes."""

from __future__ import annotations

import io
import os
import threading

import pyoxigraph as ox

from endpoint.query_worker import (
    SYNTAX,
    QueryAnswer,
    QueryRequest,
    read_message,
    run,
    write_message,
)
from graph.dataset import QueryDataset

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _through_a_pipe(*messages) -> list:
    read_end, write_end = os.pipe()

    def send() -> None:
        with os.fdopen(write_end, "wb") as writer:
            for message in messages:
                write_message(writer, message)

    sender = threading.Thread(target=send)  # a pipe holds 64 KB: read while it is written
    sender.start()
    with os.fdopen(read_end, "rb") as reader:
        received = [read_message(reader) for _ in range(len(messages) + 1)]
    sender.join()
    return received


def test_messages_with_and_without_a_body_arrive_whole_and_in_order():
    big = io.BytesIO(bytes(range(256)) * 40_000)  # 10 MB, sent from the buffer, not a copy
    request = QueryRequest(
        "ASK {}", QueryDataset(), {"ex": "urn:"}, "text/csv", "text/turtle", 10, snapshot="/s"
    )
    sent = [
        request,
        QueryAnswer("solutions", big.getbuffer()),
        QueryAnswer("boolean", b'{"boolean":true}'),
        QueryAnswer(error=SYNTAX, message="line 1"),
    ]
    received = _through_a_pipe(*sent)
    assert received[0] == request
    assert received[1] == QueryAnswer("solutions", big.getvalue())
    assert received[2] == sent[2]
    assert received[3] == sent[3] and not received[3].ok
    assert received[4] is None  # the stream ended


def test_a_message_cut_short_reads_as_the_end():
    whole = io.BytesIO()
    write_message(whole, QueryAnswer("solutions", b"x" * 1000))
    for cut in (2, 10, len(whole.getvalue()) - 1):
        assert read_message(io.BytesIO(whole.getvalue()[:cut])) is None


def test_queries_use_the_predeclared_prefixes_they_name_and_their_own_over_them():
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode(RDF + "type"), ox.NamedNode("urn:C")))

    def request(query: str) -> QueryRequest:
        return QueryRequest(
            query, QueryDataset(), {"rdf": RDF, "ex": "urn:"}, "text/csv", "text/turtle", 10_000
        )

    def csv(query: str) -> str:
        answer = run(store, request(query))
        assert answer.ok, answer
        return bytes(answer.body).decode()

    assert csv("SELECT ?s WHERE { ?s rdf:type ex:C }") == "s\r\nurn:a\r\n"
    assert csv("PREFIX ex: <urn:x> SELECT ?s WHERE { ?s rdf:type ex:C }") == "s\r\n"
    undeclared = run(store, request("SELECT ?s WHERE { ?s a other:C }"))
    assert undeclared.error == SYNTAX
