"""Writes to the on-disk store through an in-memory copy (MirrorWriter): the store ends as a write
in place leaves it, a refused write never touches it, and a query after an acknowledged write
sees it although the write's snapshot is taken after the acknowledgement."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import requests

from graph.errors import Inconsistent
from graph.reasoning import maintain
from graph.reasoning.maintain import MirrorWriter
from graph.store import KnowledgeStore
from ontology import INFERRED_GRAPH
from tests.conftest import copy_store, start_server, stop_server

PREFIXES = (
    "PREFIX id: <https://w3id.org/alliance-kg/id/> "
    "PREFIX akg: <https://w3id.org/alliance-kg/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)
WRITES = [
    "INSERT DATA { id:Quad_Alliance a akg:Alliance ; akg:hasMember id:Japan, id:Australia . }",
    "INSERT DATA { GRAPH <urn:test:new> { id:India akg:alliedWith id:Japan } }",
    'INSERT DATA { id:Japan rdfs:comment [ rdfs:label "a blank node" ] }',
    "DELETE WHERE { id:US_Japan_Philippines_trilateral_summit_2024 akg:participant ?state }",
    "DROP GRAPH <urn:test:new>",
    "DELETE DATA { id:Quad_Alliance akg:hasMember id:Australia }",
]


def contents(store: KnowledgeStore) -> list:
    """The store's quads, blank nodes written as one placeholder (each store names its own),
    and its graphs (empty ones too)."""

    def shown(term):
        return "_:b" if isinstance(term, ox.BlankNode) else str(term)

    quads = sorted(" ".join(map(shown, (q.subject, q.predicate, q.object, q.graph_name)))
                   for q in store.raw)  # fmt: skip
    return [quads, sorted(str(g) for g in store.raw.named_graphs())]


def test_the_copy_and_a_write_in_place_leave_the_same_store(tmp_path, built, monkeypatch):
    copied = KnowledgeStore.open(copy_store(built, tmp_path / "copied"))
    in_place = KnowledgeStore.open(copy_store(built, tmp_path / "in-place"))
    through_copy = MirrorWriter(copied)
    for text in WRITES:
        through_copy.apply_update(PREFIXES + text)
    monkeypatch.setattr(maintain, "MIRROR_LIMIT", 0)
    direct = MirrorWriter(in_place)
    for text in WRITES:
        direct.apply_update(PREFIXES + text)
    assert not direct.in_one_transaction  # it wrote in place
    assert contents(copied) == contents(in_place)
    inferred = ox.NamedNode(INFERRED_GRAPH)
    assert list(copied.raw.quads_for_pattern(None, None, None, inferred))


def test_a_refused_write_leaves_the_store_untouched_and_the_next_one_lands(tmp_path, built):
    store = KnowledgeStore.open(copy_store(built, tmp_path / "store"))
    writer = MirrorWriter(store)
    writer.apply_update(PREFIXES + WRITES[0])
    assert writer.in_one_transaction
    before = contents(store)
    with pytest.raises(Inconsistent):  # alliedWith is irreflexive
        writer.apply_update(PREFIXES + "INSERT DATA { id:Japan akg:alliedWith id:Japan }")
    assert contents(store) == before
    writer.apply_update(PREFIXES + WRITES[1])
    assert store.query("ASK { GRAPH <urn:test:new> { id:India akg:alliedWith id:Japan } }")
    assert store.query("ASK { id:Japan akg:alliedWith id:India }")


@pytest.mark.own_server
def test_a_query_after_an_acknowledged_write_sees_it(tmp_path, built):
    """The snapshot of a write is taken in the background after the 204: each query waits for
    the one that holds every write acknowledged before it."""
    server = start_server(tmp_path, built)
    try:
        for i in range(12):
            triple = f"id:Fresh_{i} a akg:Alliance ; akg:hasMember id:Japan, id:India"
            write = server.post(
                "/sparql", data={"update": f"{PREFIXES}INSERT DATA {{ {triple} }}"},
                headers=server.auth,
            )  # fmt: skip
            assert write.status_code == 204, write.text
            asked = server.get(
                "/sparql", params={"query": f"{PREFIXES}ASK {{ id:Fresh_{i} akg:hasMember ?m }}"}
            )
            assert asked.json()["boolean"], i
            if i % 3 == 2:
                removed = server.post(
                    "/sparql", data={"update": f"{PREFIXES}DELETE DATA {{ {triple} }}"},
                    headers=server.auth,
                )  # fmt: skip
                assert removed.status_code == 204
                asked = server.get(
                    "/sparql",
                    params={"query": f"{PREFIXES}ASK {{ id:Fresh_{i} akg:hasMember ?m }}"},
                )
                assert not asked.json()["boolean"], i
        # Old ones are collected: 16 writes leave at most the current snapshot, one being
        # taken, and one held by each query process (2, and up to 2 more started while every
        # one was busy, as happens on a loaded machine).
        snapshots = list((server.store / "snapshots").iterdir())
        assert len(snapshots) <= 1 + 1 + 4, snapshots
    finally:
        stop_server(server)


def test_a_snapshot_being_taken_is_not_collected(tmp_path):
    """RocksDB writes a checkpoint into `<path>.tmp` and renames it at the end: a collection
    that runs meanwhile (the background thread's, after its own snapshot) must leave it."""
    from endpoint.runner import Snapshots

    class Store:  # the real store, with a collection in the middle of each checkpoint
        def __init__(self):
            self.store = ox.Store(str(tmp_path / "db"))
            self.snapshots = None

        def flush(self):
            self.store.flush()

        def backup(self, path: str):
            if self.snapshots is not None:
                (tmp_path / "snapshots" / (path.rsplit("/", 1)[1] + ".tmp")).mkdir()
                self.snapshots.collect()
                (tmp_path / "snapshots" / (path.rsplit("/", 1)[1] + ".tmp")).rmdir()
            self.store.backup(path)

    raw = Store()
    snapshots = Snapshots(KnowledgeStore(raw), tmp_path / "snapshots")
    raw.snapshots = snapshots
    before = snapshots.current
    snapshots.committed(whole=False)
    assert snapshots.current != before
    assert ox.Store.read_only(snapshots.current) is not None


@pytest.mark.own_server
def test_a_deleted_graph_stays_deleted_after_the_next_write(tmp_path, built):
    server = start_server(tmp_path, built)
    try:
        graph = "urn:test:short-lived"
        put = server.post(
            f"/store?graph={graph}",
            data="<urn:test:a> <urn:test:p> <urn:test:b> .",
            headers={**server.auth, "Content-Type": "application/n-triples"},
        )
        assert put.status_code == 201, put.text
        assert server.get(f"/store?graph={graph}").status_code == 200
        deleted = requests.delete(f"{server.url}/store?graph={graph}", headers=server.auth)
        assert deleted.status_code == 204
        write = server.post(
            "/sparql", data={"update": f"{PREFIXES}INSERT DATA {{ id:X rdfs:label \"x\" }}"},
            headers=server.auth,
        )  # fmt: skip
        assert write.status_code == 204
        assert server.get(f"/store?graph={graph}").status_code == 404
    finally:
        stop_server(server)
