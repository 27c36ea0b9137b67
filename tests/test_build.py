"""Build: named graphs, union by default, atomic swap, more sources picked up."""

from __future__ import annotations

import re
import shutil

import pyoxigraph as ox
import pytest

import graph.build
from graph.build import build
from graph.sources import discover_sources
from graph.store import KnowledgeStore, StoreLocation
from ontology import INFERRED_GRAPH, LINKS_GRAPH, ONTOLOGY_GRAPH, provenance_graph
from tests.helpers import ARTICLE, edit, run_cli


def count(store: KnowledgeStore, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


def test_named_graphs_ontology_claims_provenance_inferred(store):
    names = store.graph_names()
    assert ONTOLOGY_GRAPH in names
    assert INFERRED_GRAPH in names
    assert LINKS_GRAPH in names
    assert provenance_graph(ARTICLE) in names
    claims = [n for n in names if n.startswith("https://w3id.org/alliance-kg/claim/")]
    assert len(claims) >= 30


def test_queries_see_the_union_by_default(store):
    """A join across the ontology graph, a claim graph and the provenance graph."""
    assert store.query("""ASK {
        akg:SovereignState rdfs:label ?classLabel .
        id:Japan a akg:SovereignState .
        ?claim akg:quote ?quote .
        GRAPH ?claim { id:Japan a akg:SovereignState } }""")


def test_views_select_asserted_inferred_or_ontology(store):
    assert store.query("ASK { id:Japan a akg:SovereignState }", view="asserted")
    assert not store.query("ASK { akg:SovereignState a owl:Class }", view="asserted")
    assert store.query("ASK { akg:SovereignState a owl:Class }", view="ontology")
    assert not store.query("ASK { id:Japan ?p ?o }", view="ontology")


def test_the_store_is_on_disk_behind_a_current_link(built):
    assert built.current.is_symlink()
    generation = built.current.resolve()
    assert generation.parent == built.root and generation.name.startswith("generation-")
    reopened = ox.Store.read_only(str(generation))
    assert len(reopened) > 2000  # the article graph: ontology, claims, provenance, inferred


def test_rebuild_replaces_the_store_and_removes_old_generations(tmp_path, sources):
    location = StoreLocation(tmp_path / "store")
    build(location, sources)
    first = location.current.resolve()
    build(location, sources)
    assert location.current.resolve() != first
    assert not first.exists()
    assert len(list(location.root.glob("generation-*"))) == 1


def test_invalid_data_is_refused_and_the_previous_store_stays(tmp_path, sources, sources_copy):
    store_dir = tmp_path / "store"
    assert run_cli("build", "--store", store_dir).exit_code == 0
    before = StoreLocation(store_dir).current.resolve()
    edit(sources_copy / f"{ARTICLE}.trig", '"1960"^^xsd:gYear', '"1960"')
    result = run_cli("build", "--store", store_dir, "--sources", sources_copy)
    assert result.exit_code == 1
    assert "akgsh:DateSignedProperty" in result.stderr
    assert "nothing was changed" in result.stderr
    assert StoreLocation(store_dir).current.resolve() == before
    assert len(list(store_dir.glob("generation-*"))) == 1
    store = KnowledgeStore.open(StoreLocation(store_dir), read_only=True)
    assert store.query('ASK { id:US_Japan_Security_Treaty akg:dateSigned "1960"^^xsd:gYear }')


def test_an_interrupted_build_leaves_the_previous_store(tmp_path, sources, monkeypatch):
    location = StoreLocation(tmp_path / "store")
    build(location, sources)
    before = location.current.resolve()
    size = len(KnowledgeStore.open(location, read_only=True))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(graph.build, "parse_file", interrupted)  # the links load, mid-build
    with pytest.raises(KeyboardInterrupt):
        build(location, sources)
    assert location.current.resolve() == before
    assert list(location.root.glob("generation-*")) == [before]
    assert len(KnowledgeStore.open(location, read_only=True)) == size


def test_a_second_source_dropped_beside_the_first_is_built(tmp_path, sources_copy):
    (sources_copy / "second.txt").write_text("Japan and the Philippines signed a pact.\n")
    (sources_copy / "second.trig").write_text("""
@prefix akg: <https://w3id.org/alliance-kg/ontology#> .
@prefix id: <https://w3id.org/alliance-kg/id/> .
@prefix src: <https://w3id.org/alliance-kg/source/> .
@prefix c: <https://w3id.org/alliance-kg/claim/second/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
src:second a akg:NewsArticle ; rdfs:label "Second"@en ; dcterms:title "Second"@en ;
    dcterms:publisher id:Nhan_Dan ; dcterms:issued "2024-05-01"^^xsd:date ;
    dcterms:language "en" ; akg:textFile "second.txt" .
c:pact { id:Japan akg:partnerOf id:Philippines . }
c:pact a akg:Claim ; akg:source src:second ; akg:attributedTo id:Nhan_Dan ;
    akg:modality akg:Asserted ; akg:quote "Japan and the Philippines signed a pact." .
""")
    store_dir = tmp_path / "store"
    result = run_cli("build", "--store", store_dir, "--sources", sources_copy)
    assert result.exit_code == 0, result.stderr
    assert "from 2 source(s)" in result.stderr
    store = KnowledgeStore.open(StoreLocation(store_dir), read_only=True)
    assert provenance_graph("second") in store.graph_names()
    assert store.query(
        "ASK { GRAPH ?c { id:Japan akg:partnerOf id:Philippines } ?c akg:source src:second }"
    )
    assert store.query("ASK { id:Japan akg:partnerOf id:United_States }")


def test_sources_from_several_directories(tmp_path, sources_copy):
    other = tmp_path / "other"
    other.mkdir()
    for path in list(sources_copy.iterdir()):
        shutil.move(path, other / path.name.replace(ARTICLE, "moved"))
    edit(
        other / "moved.trig",
        'akg:textFile "strategic-alliance-2024-04-13.txt"',
        'akg:textFile "moved.txt"',
    )
    sources = discover_sources([sources_copy, other])
    assert [s.name for s in sources] == ["moved"]


def test_build_is_quiet_when_piped_but_for_its_summary(tmp_path):
    result = run_cli("build", "--store", tmp_path / "store")
    assert result.exit_code == 0
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(
        rf"built {tmp_path / 'store'}: \d+ quads in 43 graphs from 1 source\(s\)", line
    )


def test_a_damaged_store_is_a_clear_error(tmp_path, sources):
    location = StoreLocation(tmp_path / "store")
    build(location, sources)
    for path in location.current.iterdir():
        path.write_bytes(b"garbage")
    result = run_cli("query", "--store", location.root, "alliance-members")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot open the store at {location.root}")


def test_a_missing_sources_directory_is_a_clear_error(tmp_path):
    result = run_cli("build", "--store", tmp_path / "s", "--sources", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: sources directory not found: {tmp_path / 'nowhere'}"
    assert not (tmp_path / "s" / "current").exists()
