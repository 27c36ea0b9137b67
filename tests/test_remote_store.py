"""Every command on a remote SPARQL 1.1 store, against real servers: the Oxigraph server (with
the spec's default graph and with --union-default-graph) and Virtuoso (union default graph,
its own system graphs, Digest authentication, a row cap). Each answer is held against the
embedded store built from the same sources. Over 400 lines: one module per set of real servers,
started once (each test runs on each server)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.build import build_remote
from graph.remote import RemoteSettings, RemoteStore
from graph.remote_sync import VERSION_GRAPH, publish, version_of
from graph.saved_queries import load_saved_queries
from ontology import INFERRED_GRAPH, STORE_GRAPHS
from queries import QUERIES_DIR
from tests.helpers import edit, run_cli
from tests.remote_servers import VIRTUOSO_MAX_ROWS

SAVED = sorted(load_saved_queries(QUERIES_DIR))


def connect(server) -> RemoteStore:
    return RemoteStore(RemoteSettings(server.url, credentials_file=server.credentials))


def reset(server) -> None:
    """Empty the server of everything the project put there."""
    remote = connect(server)
    rows = remote.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        'FILTER(STRSTARTS(STR(?g), "https://w3id.org/alliance-kg/") || STRSTARTS(STR(?g), "urn:")) }'
    )
    for graph in {row["g"] for row in rows} | set(remote.graph_nodes()):  # empty graphs too
        remote.remove_graph(graph)
    remote.remove_graph(VERSION_GRAPH)
    remote.close()


#: The dataset version each server had when the article graph was last built into it.
_BUILT: dict[str, str | None] = {}


@pytest.fixture
def remote(remote_server, sources):
    """The server holding the article's graph as `build` made it: built again only when a
    test has written since (its dataset version moved on), not for every test."""
    store = connect(remote_server)
    if remote_server.name not in _BUILT or version_of(store) != _BUILT[remote_server.name]:
        reset(remote_server)
        build_remote(store, sources)
        _BUILT[remote_server.name] = version_of(store)
    store.close()
    return remote_server


def cli(server, *args):
    return run_cli(*args, *server.options())


def rows_of(result) -> list[tuple]:
    """CSV rows, with the order inside GROUP_CONCAT values (undefined in SPARQL) set aside."""
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO(result.stdout)))
    return sorted(tuple(", ".join(sorted(cell.split(", "))) for cell in row) for row in table)


def canonical_quads(text: str) -> list[str]:
    """N-Quads lines with blank node labels (each server's own) set aside."""
    return sorted(re.sub(r"_:\S+", "_:b", line) for line in text.splitlines() if line.strip())


@pytest.mark.parametrize("name", SAVED)
def test_every_saved_query_answers_as_on_the_embedded_store(remote, built, name):
    here = run_cli("query", name, "--format", "csv", "--store", built.root)
    there = cli(remote, "query", name, "--format", "csv")
    assert rows_of(there) == rows_of(here)


@pytest.mark.parametrize("view", ["all", "asserted", "inferred", "ontology"])
def test_exports_hold_the_same_quads_as_the_embedded_store(remote, built, view):
    here = run_cli("export", "--graphs", view, "--format", "nq", "--store", built.root)
    there = cli(remote, "export", "--graphs", view, "--format", "nq")
    assert there.exit_code == 0, there.output
    assert canonical_quads(there.stdout) == canonical_quads(here.stdout)


@pytest.mark.parametrize(
    "query",
    [
        "CONSTRUCT { ?s akg:alliedWith ?o } WHERE { ?s akg:alliedWith ?o }",
        # (DESCRIBE is left out: what it answers is each server's own choice, by the spec.)
        "CONSTRUCT { ?s a ?c } WHERE { GRAPH <https://w3id.org/alliance-kg/graph/inferred> { ?s a ?c } }",
        "ASK { id:Japan akg:alliedWith id:United_States }",
        "ASK { id:Japan akg:alliedWith id:Japan }",
    ],
)
def test_graph_and_boolean_answers_are_those_of_the_embedded_store(remote, built, query):
    here = run_cli("query", "--sparql", query, "--format", "nt", "--store", built.root)
    there = cli(remote, "query", "--sparql", query, "--format", "nt")
    if query.startswith("ASK"):
        here = run_cli("query", "--sparql", query, "--format", "json", "--store", built.root)
        there = cli(remote, "query", "--sparql", query, "--format", "json")
        assert there.stdout == here.stdout
        return
    assert there.exit_code == 0, there.output
    assert canonical_quads(there.stdout) == canonical_quads(here.stdout)


def test_the_default_graph_semantics_is_detected_on_an_empty_store(remote_server):
    reset(remote_server)
    store = connect(remote_server)
    assert store.traits.union_default == (remote_server.name != "oxigraph")
    assert store.graph_nodes() == []  # the question left nothing behind


def test_the_default_graph_semantics_is_detected(remote):
    store = connect(remote)
    assert store.traits.union_default == (remote.name != "oxigraph")
    assert not any(g.value.startswith(STORE_GRAPHS) for g in store.graph_nodes())


def test_a_query_sees_the_union_without_the_servers_own_graphs(remote, built):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    here = run_cli("query", "--sparql", query, "--format", "csv", "--store", built.root)
    there = cli(remote, "query", "--sparql", query, "--format", "csv")
    assert rows_of(there) == rows_of(here)


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--format", "json"),
        ("explain", "id:Japan", "akg:trilateralPartnerOf", "id:Philippines"),
        ("explain", "id:Philippines", "rdf:type", "akg:Actor", "--format", "json"),
    ],
)
def test_check_and_explain_say_what_they_say_on_the_embedded_store(remote, built, args):
    here = run_cli(*args, "--store", built.root)
    there = cli(remote, *args)
    assert (there.exit_code, there.stdout) == (here.exit_code, here.stdout)


def test_updates_keep_the_inferred_graph_equal_to_the_embedded_stores(remote, built, tmp_path):
    local = tmp_path / "store"
    import shutil

    shutil.copytree(built.root, local, symlinks=True)
    writes = [
        "INSERT DATA { id:Philippines akg:memberOf id:US_Japan_Alliance }",
        "DELETE DATA { id:Philippines akg:memberOf id:US_Japan_Alliance }",
        "INSERT DATA { id:Australia a akg:SovereignState ; akg:alliedWith id:Japan }",
    ]
    for write in writes:
        assert run_cli("update", "--sparql", write, "--store", local).exit_code == 0
        done = cli(remote, "update", "--sparql", write)
        assert done.exit_code == 0, done.output
        args = ("export", "--graphs", "inferred", "--format", "nq")
        assert canonical_quads(cli(remote, *args).stdout) == canonical_quads(
            run_cli(*args, "--store", local).stdout
        )


def test_a_contradicting_update_is_refused_and_changes_nothing(remote):
    before = cli(remote, "export", "--format", "nq").stdout
    refused = cli(remote, "update", "--sparql", "INSERT DATA { id:Japan akg:alliedWith id:Japan }")
    assert refused.exit_code == 1
    assert "prp-irp" in refused.stderr
    assert canonical_quads(cli(remote, "export", "--format", "nq").stdout) == canonical_quads(
        before
    )


def test_a_failed_build_leaves_the_live_graphs(remote, sources_copy):
    before = cli(remote, "export", "--format", "nq").stdout
    facts = next(sources_copy.glob("*.trig"))
    edit(facts, "akg:hasMember", "akg:hasMember 42 , ")
    failed = cli(remote, "build", "--sources", sources_copy)
    assert failed.exit_code != 0
    assert canonical_quads(cli(remote, "export", "--format", "nq").stdout) == canonical_quads(
        before
    )
    store = connect(remote)
    staged = store.query(
        f'ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STORE_GRAPHS}staging/")) }}'
    )
    assert not bool(staged)


def test_a_rebuild_keeps_what_updates_wrote(remote):
    cli(remote, "update", "--sparql", "INSERT DATA { id:Australia akg:alliedWith id:Japan }")
    rebuilt = cli(remote, "build")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "kept 1 quads" in rebuilt.stderr
    ask = cli(remote, "query", "--sparql", "ASK { id:Japan akg:alliedWith id:Australia }")
    assert "true" in ask.stdout


def test_a_write_from_a_stale_version_applies_nothing(remote):
    store = connect(remote)
    stale = version_of(store)
    quad = ox.Quad(
        ox.NamedNode("urn:test:a"),
        ox.NamedNode("urn:test:p"),
        ox.Literal("1"),
        ox.NamedNode("urn:test:g"),
    )
    assert publish(store, stale, [], [quad]) is not None
    other = ox.Quad(quad.subject, quad.predicate, ox.Literal("2"), quad.graph_name)
    assert publish(store, stale, [], [other]) is None  # the version moved on: nothing applied
    values = {q.object.value for q in store.quads_for_pattern(None, None, None, quad.graph_name)}
    assert values == {"1"}


def test_concurrent_updates_are_all_applied(remote):
    """Writers racing from separate processes: each either wins or starts again; none is lost."""
    script = Path(sys.executable).with_name("alliance-kg")
    writers = [
        subprocess.Popen(
            [
                script,
                "update",
                "--sparql",
                f"INSERT DATA {{ id:Japan akg:officialName 'name {i}' }}",
                *remote.options(),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    query = "SELECT ?n WHERE { id:Japan akg:officialName ?n }"
    names = cli(remote, "query", "--sparql", query, "--format", "csv")
    assert {r[0] for r in rows_of(names)} >= {f"name {i}" for i in range(4)}


def test_a_syntax_error_names_line_and_column(remote):
    bad = cli(remote, "query", "--sparql", "SELECT ?s WHERE {\n  ?s ?p ")
    assert bad.exit_code != 0
    assert "line 2" in bad.stderr


def test_an_unreachable_store_is_a_one_line_error():
    done = run_cli("query", "alliance-members", "--store-url", "http://127.0.0.1:9/query")
    assert done.exit_code != 0
    assert "cannot reach the SPARQL store at http://127.0.0.1:9/query" in done.stderr
    assert "Traceback" not in done.output


def test_a_bad_credentials_file_is_named(remote_server, tmp_path):
    bad = tmp_path / "credentials"
    bad.write_text("no colon here\n")
    done = run_cli(
        "query", "alliance-members", "--store-url", remote_server.url, "--store-credentials", bad
    )
    assert done.exit_code != 0
    assert str(bad) in done.stderr and "user:password" in done.stderr
    assert "no colon here" not in done.output  # a secret is never echoed


def test_virtuoso_refuses_writes_without_credentials(remote_server):
    if remote_server.name != "virtuoso":
        pytest.skip("only Virtuoso asks for credentials")
    done = run_cli(
        "update",
        "--sparql",
        "INSERT DATA { id:A akg:alliedWith id:B }",
        "--store-url",
        remote_server.url,
    )
    assert done.exit_code != 0
    assert "--store-credentials" in done.stderr


def test_a_capped_answer_is_an_error_never_a_short_result(remote):
    if remote.name != "virtuoso":
        pytest.skip("only Virtuoso caps answers")
    query = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
    done = cli(remote, "query", "--sparql", query, "--format", "csv")
    assert done.exit_code != 0
    assert f"limit of {VIRTUOSO_MAX_ROWS} rows" in done.stderr
    # The project's own reads page under the cap: the export is whole.
    exported = cli(remote, "export", "--format", "nq")
    assert len(exported.stdout.splitlines()) > VIRTUOSO_MAX_ROWS


def test_random_writes_keep_both_stores_equal(remote, built):
    """A seeded random sequence of inserts and deletes (symmetric, inverse and sameAs
    properties among the article's entities and new ones) on the remote store, through the
    writer a replica keeps, and on a copy of the embedded store: the inferred graphs stay equal
    after every write, and a write one store refuses as a contradiction the other refuses too."""
    import random

    from graph.errors import Inconsistent
    from graph.reasoning.maintain import Maintainer
    from graph.remote_sync import RemoteWriter
    from graph.store import KnowledgeStore

    copy = KnowledgeStore.in_memory()  # the embedded engine, in memory: as fast as the mirror
    copy.raw.extend(KnowledgeStore.open(built, read_only=True).raw)
    local = Maintainer(copy)
    store = connect(remote)
    writer = RemoteWriter(store)
    rng = random.Random(20261204)
    entities = ["id:Japan", "id:United_States", "id:Philippines", "id:Testland", "id:Otherland"]
    predicates = ["akg:alliedWith", "akg:partnerOf", "akg:memberOf", "akg:hasMember", "owl:sameAs"]
    inferred = ox.NamedNode(INFERRED_GRAPH)
    written: list[str] = []
    for _ in range(12):
        if written and rng.random() < 0.35:
            triple = written.pop(rng.randrange(len(written)))
            write = f"DELETE DATA {{ {triple} }}"
        else:
            s, o = rng.sample(entities, 2)
            target = "id:US_Japan_Alliance" if rng.random() < 0.3 else o
            triple = f"{s} {rng.choice(predicates)} {target}"
            write = f"INSERT DATA {{ {triple} }}"
        outcomes = []
        for target_store in (local, writer):
            try:
                target_store.apply_update(write)
                outcomes.append("applied")
            except Inconsistent:
                outcomes.append("refused")
        assert outcomes[0] == outcomes[1], write
        if outcomes[0] == "applied" and write.startswith("INSERT"):
            written.append(triple)
        here = set(local.store.raw.quads_for_pattern(None, None, None, inferred))
        there = set(store.quads_for_pattern(None, None, None, inferred))
        assert there == here, write


@pytest.mark.parametrize("generator", ["domain", "rail"])
def test_the_closure_of_a_generated_graph_on_the_server_is_the_embedded_closure(
    remote_server, generator
):
    """The batch engine reading premises from the server and writing the inferred graph back
    (what `build` and `bench/remote.py` do), against the same engine on an embedded store."""
    from bench import rich, synthetic
    from graph.reasoning.batch import materialise_store
    from graph.sources import parse_file
    from ontology import ONTOLOGY_GRAPH, VOCABULARY_FILES

    if generator == "domain":
        data = synthetic.generate(3000, seed=7)
        ontology = [t for path in VOCABULARY_FILES for t in parse_file(path, ox.RdfFormat.TURTLE)]
    else:
        data, ontology = rich.rich_graph(3000, seed=7), rich.ontology_triples()
    graphs = {"urn:test:data": data, ONTOLOGY_GRAPH: ontology}
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
        for g, triples in graphs.items()
        for t in triples
    ]
    reset(remote_server)
    store = connect(remote_server)
    store.extend(quads)
    local = ox.Store()
    local.extend(quads)
    for target in (store, local):
        materialise_store(target, list(graphs), INFERRED_GRAPH, bulk=True)
    inferred = ox.NamedNode(INFERRED_GRAPH)

    def closure(target) -> list[str]:
        quads = target.quads_for_pattern(None, None, None, inferred)
        return canonical_quads(ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode())

    here = closure(local)
    assert len(here) > 1000
    assert closure(store) == here
    reset(remote_server)


@pytest.mark.own_server
def test_any_sparql_store_with_a_bearer_token_this_projects_own_plain_server(tmp_path):
    """The remote store over a server that is neither Oxigraph nor Virtuoso (alliance-kg's own
    endpoint in --plain mode): the spec's default graph, writes by INSERT DATA on the query URL,
    the token sent as `Authorization: Bearer`, and a refusal without it named in words."""
    from graph.errors import StoreUnavailable
    from tests.conftest import start_server, stop_server

    server = start_server(tmp_path, None, "--plain")
    try:
        url = server.url + "/sparql"
        credentials = tmp_path / "bearer"
        credentials.write_text(f"Bearer {server.token}\n")
        store = RemoteStore(RemoteSettings(url, credentials_file=credentials))
        assert (store.traits.kind, store.traits.union_default, store.gsp_url) == (
            "sparql",
            False,
            None,
        )
        quad = ox.Quad(
            ox.NamedNode("urn:test:s"),
            ox.NamedNode("urn:test:p"),
            ox.Literal("o"),
            ox.NamedNode("urn:test:g"),
        )
        store.extend([quad])
        assert list(store.quads_for_pattern(None, None, None, quad.graph_name)) == [quad]
        anonymous = RemoteStore(RemoteSettings(url))
        with pytest.raises(StoreUnavailable, match="--store-credentials"):
            anonymous.update("INSERT DATA { <urn:test:a> <urn:test:b> <urn:test:c> }")
    finally:
        stop_server(server)
