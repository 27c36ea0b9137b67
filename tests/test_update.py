"""The update command: SPARQL Update on the asserted data, inferred graph kept exact."""

from __future__ import annotations

import gzip

import pyoxigraph as ox
import pytest

from graph.reasoning.sparql_engine import Reasoner
from graph.store import KnowledgeStore, StoreLocation
from graph.updates import bind_protocol_dataset
from ontology import INFERRED_GRAPH, ONTOLOGY_GRAPH, UPDATES_GRAPH
from tests.conftest import copy_store
from tests.helpers import run_cli


@pytest.fixture
def location(tmp_path, built) -> StoreLocation:
    return copy_store(built, tmp_path / "store")


def inferred(store: KnowledgeStore) -> set:
    return set(store.raw.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED_GRAPH)))


def recomputed(store: KnowledgeStore) -> set:
    copy = ox.Store()
    copy.extend(q for q in store.raw if q.graph_name != ox.NamedNode(INFERRED_GRAPH))
    graphs = [g.value for g in copy.named_graphs()] + [UPDATES_GRAPH, ONTOLOGY_GRAPH]
    Reasoner(copy, graphs, INFERRED_GRAPH).materialise()
    return set(copy.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED_GRAPH)))


def update(location, text):
    return run_cli("update", "--store", location.root, "--sparql", text)


def test_insert_data_goes_to_the_updates_graph_and_is_reasoned_over(location):
    result = update(location, "INSERT DATA { id:Philippines akg:memberOf id:US_Japan_Alliance }")
    assert result.exit_code == 0, result.stderr
    assert "added 1 asserted triple(s)" in result.stderr
    store = KnowledgeStore.open(location, read_only=True)
    assert store.query(
        f"ASK {{ GRAPH <{UPDATES_GRAPH}> {{ id:Philippines akg:memberOf id:US_Japan_Alliance }} }}"
    )
    assert store.query("ASK { id:Japan akg:alliedWith id:Philippines }")
    assert inferred(store) == recomputed(store)


def test_a_write_into_a_new_graph_infers_what_a_recomputation_infers(location):
    """The new graph is a premise from the first round: the symmetric rule's inference from
    its own inference (the asserted triple itself) is not copied into the inferred graph."""
    text = "INSERT DATA { GRAPH <urn:test:new> { id:Australia akg:alliedWith id:Japan } }"
    assert update(location, text).exit_code == 0
    store = KnowledgeStore.open(location, read_only=True)
    assert not store.query(
        f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ id:Australia akg:alliedWith id:Japan }} }}"
    )
    assert inferred(store) == recomputed(store)


def test_delete_where_removes_from_the_claim_graphs_and_retracts_inferences(location):
    result = update(
        location,
        "DELETE WHERE { id:US_Japan_Philippines_trilateral_summit_2024 akg:participant ?state }",
    )
    assert result.exit_code == 0, result.stderr
    assert "removed 3 " in result.stderr
    store = KnowledgeStore.open(location, read_only=True)
    assert not store.query("ASK { ?a akg:trilateralPartnerOf ?b }")
    assert inferred(store) == recomputed(store)


def test_modify_with_graph_templates(location):
    text = """
    DELETE { GRAPH ?g { ?deal akg:status akg:Announced } }
    INSERT { GRAPH <urn:test:corrections> { ?deal akg:status akg:Agreed . ?deal akg:commentedOnBy id:White_House } }
    WHERE { GRAPH ?g { ?deal akg:status akg:Announced } }"""
    result = update(location, text)
    assert result.exit_code == 1
    assert "must name an IRI" in result.stderr
    text = """
    DELETE { ?deal akg:status akg:Announced }
    INSERT { GRAPH <urn:test:corrections> { ?deal akg:commentedOnBy id:White_House } }
    WHERE { ?deal akg:status akg:Announced }"""
    result = update(location, text)
    assert result.exit_code == 0, result.stderr
    store = KnowledgeStore.open(location, read_only=True)
    assert not store.query("ASK { ?deal akg:status akg:Announced }")
    assert store.query(
        "ASK { GRAPH <urn:test:corrections> { id:Nippon_Steel_acquisition_of_US_Steel akg:commentedOnBy id:White_House } }"
    )
    assert inferred(store) == recomputed(store)


def test_several_operations_in_one_request(location):
    text = """PREFIX ex: <http://example.org/>
    INSERT DATA { ex:alliance a akg:Alliance ; akg:hasMember id:Japan , id:Philippines } ;
    DELETE DATA { id:Japan akg:partnerOf id:United_States }"""
    result = update(location, text)
    assert result.exit_code == 0, result.stderr
    store = KnowledgeStore.open(location, read_only=True)
    assert store.query("ASK { id:Philippines akg:alliedWith id:Japan }")
    assert inferred(store) == recomputed(store)


def test_a_prefix_the_update_declares_again_wins_in_graph_names(location):
    text = """PREFIX id: <urn:test:>
    INSERT { GRAPH id:corrections { id:note <urn:test:says> "checked" } } WHERE {}"""
    result = update(location, text)
    assert result.exit_code == 0, result.stderr
    store = KnowledgeStore.open(location, read_only=True)
    assert store.query(
        'ASK { GRAPH <urn:test:corrections> { <urn:test:note> <urn:test:says> "checked" } }'
    )


def test_changing_the_ontology_recomputes(location):
    result = update(
        location,
        f"INSERT DATA {{ GRAPH <{ONTOLOGY_GRAPH}> {{ akg:partyTo a owl:SymmetricProperty }} }}",
    )
    assert result.exit_code == 0, result.stderr
    assert "recomputed" in result.stderr
    store = KnowledgeStore.open(location, read_only=True)
    assert inferred(store) == recomputed(store)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"INSERT DATA {{ GRAPH <{INFERRED_GRAPH}> {{ id:a id:b id:c }} }}", "cannot be written"),
        ("LOAD <http://example.org/data.ttl>", "LOAD is refused"),
        ("INSERT DATA { id:a id:b }", "syntax error at line 1, column"),
    ],
)
def test_refused_updates_change_nothing(location, text, message):
    before = set(KnowledgeStore.open(location, read_only=True).raw)
    result = update(location, text)
    assert result.exit_code == 1
    assert message in result.stderr
    assert set(KnowledgeStore.open(location, read_only=True).raw) == before


def test_update_from_a_file(location, tmp_path):
    path = tmp_path / "change.ru"
    path.write_text("INSERT DATA { id:Philippines akg:partnerOf id:Japan }")
    assert run_cli("update", "--store", location.root, path).exit_code == 0
    assert KnowledgeStore.open(location, read_only=True).query(
        "ASK { id:Japan akg:partnerOf id:Philippines }"
    )


@pytest.mark.slow  # three engines, owlrl among them, through the CLI
def test_reason_command_engines_write_the_same_bytes(tmp_path):
    """batch (the default), sparql and owlrl, from a gzipped file, write the same sorted lines."""
    from bench.synthetic import generate

    data = tmp_path / "data.nt.gz"
    with gzip.open(data, "wb") as stream:
        ox.serialize(generate(800, seed=5), stream, ox.RdfFormat.N_TRIPLES)
    outputs = {}
    for engine in ("batch", "sparql", "owlrl"):
        out = tmp_path / f"{engine}.nt"
        result = run_cli(
            "reason", "--engine", engine, "--ontology", "ontology/alliance.ttl", data, "-o", out
        )
        assert result.exit_code == 0, result.stderr
        assert f"({engine})" in result.stderr
        outputs[engine] = out.read_bytes()
    assert outputs["batch"] == outputs["sparql"] == outputs["owlrl"]
    assert len(outputs["batch"].splitlines()) > 500


def test_reason_command_reports_an_unknown_format(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b")
    result = run_cli("reason", "--ontology", "ontology/alliance.ttl", path)
    assert result.exit_code == 1
    assert "unknown RDF format" in result.stderr


def test_protocol_dataset_becomes_using_clauses_of_each_modify_operation():
    text = (
        "PREFIX ex: <urn:ex:> INSERT DATA { ex:a ex:b ex:c } ; "
        "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o } ; DELETE WHERE { ?s ex:q ?o }"
    )
    bound = bind_protocol_dataset(text, ["urn:g1"], ["urn:g2"])
    assert bound.count("USING <urn:g1> USING NAMED <urn:g2> WHERE") == 1
    assert bound.startswith("PREFIX ex: <urn:ex:> INSERT DATA { ex:a ex:b ex:c } ;")
    assert bound.endswith("DELETE WHERE { ?s ex:q ?o }")
    assert bind_protocol_dataset(text, [], []) == text
