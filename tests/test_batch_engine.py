"""The batch engine (DuckDB) computes the same closure as the SPARQL engine and as owlrl: on the
article, on synthetic domain graphs, on random graphs, on the OWL 2 RL rules one by one, and on an
ontology neither engine was written against."""

from __future__ import annotations

import gzip

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings

from bench.rich import rich_graph
from bench.synthetic import generate
from graph.build import load_into
from graph.errors import DataSyntaxError, InvalidInput
from graph.reasoning.batch import BatchReasoner, closure_of_files
from graph.reasoning.maintain import BATCH_WRITE, Maintainer, UpdateReport, premise_graphs
from graph.reasoning.rules import Rule
from graph.reasoning.sparql_engine import Reasoner
from graph.store import KnowledgeStore
from graph.updates import Changes
from ontology import INFERRED_GRAPH, UPDATES_GRAPH, VOCABULARY_FILES
from tests.test_reasoner import graph_triples, hierarchy_triples, reference

ONTOLOGY_TRIPLES = [
    ox.Triple(q.subject, q.predicate, q.object)
    for path in VOCABULARY_FILES
    for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
]


def batch(triples: list[ox.Triple], layer: list[Rule] | None = None) -> set[ox.Triple]:
    with BatchReasoner() as reasoner:
        reasoner.add_ntriples_text(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        reasoner.closure(layer)
        lines = reasoner.inferred_lines(True) + reasoner.inferred_lines(False)
    return {_triple(t) for t in ox.parse("\n".join(lines), format=ox.RdfFormat.N_TRIPLES)}


def sparql(triples: list[ox.Triple], layer: list[Rule] | None = None) -> set[ox.Triple]:
    """The SPARQL engine's closure, over the same blank nodes (parsed, not bulk-loaded)."""
    store = ox.Store()
    home = ox.NamedNode("urn:test:data")
    store.extend(ox.Quad(t.subject, t.predicate, t.object, home) for t in triples)
    Reasoner(store, [home.value], "urn:test:inferred", layer_rules=layer).materialise()
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode("urn:test:inferred"))
    return {ox.Triple(q.subject, q.predicate, q.object) for q in quads}


def _triple(quad) -> ox.Triple:
    return ox.Triple(quad.subject, quad.predicate, quad.object)


def turtle(text: str) -> list[ox.Triple]:
    prefixes = """@prefix ex: <urn:test:> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."""
    return [_triple(q) for q in ox.parse(prefixes + text, format=ox.RdfFormat.TURTLE)]


def test_the_article_closure_equals_the_sparql_engine_and_owlrl(sources):
    asserted = [_triple(q) for source in sources for q in source.quads()]
    found = batch(ONTOLOGY_TRIPLES + asserted)
    assert found == sparql(ONTOLOGY_TRIPLES + asserted)
    assert found == reference(asserted)


def test_a_synthetic_domain_graph_equals_the_sparql_engine():
    data = ONTOLOGY_TRIPLES + generate(3000, seed=11)
    assert batch(data) == sparql(data)


def test_an_ontology_neither_engine_was_written_against_equals_owlrl():
    """bench/rich.py: property chains, someValuesFrom, intersections, hasValue, functional,
    inverse-functional, transitive and symmetric properties, keys, cardinalities, sameAs."""
    data = rich_graph(2500, seed=3)
    found = batch(data, layer=[])
    assert found == sparql(data, layer=[])
    assert len(found) > len(data) // 2


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph_triples)
def test_random_graphs_over_the_ontology_equal_owlrl(triples):
    assert batch(ONTOLOGY_TRIPLES + triples) == reference(triples)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hierarchy_triples)
def test_random_class_and_property_hierarchies_equal_owlrl(triples):
    assert batch(ONTOLOGY_TRIPLES + triples) == reference(triples)


RULE_CASES = {
    "cls-maxc2": """ex:R owl:maxCardinality "1"^^xsd:nonNegativeInteger ; owl:onProperty ex:p .
        ex:u a ex:R ; ex:p ex:a, ex:b .""",
    "cls-maxqc3": """ex:R owl:maxQualifiedCardinality "1"^^xsd:nonNegativeInteger ;
        owl:onProperty ex:p ; owl:onClass ex:C . ex:u a ex:R ; ex:p ex:a, ex:b, ex:c .
        ex:a a ex:C . ex:b a ex:C .""",
    "cls-maxqc4": """ex:R owl:maxQualifiedCardinality "1"^^xsd:nonNegativeInteger ;
        owl:onProperty ex:p ; owl:onClass owl:Thing . ex:u a ex:R ; ex:p ex:a, ex:b .""",
    "prp-key": """ex:Treaty owl:hasKey (ex:code ex:year) . ex:t1 a ex:Treaty ; ex:code "X" ;
        ex:year 1951 . ex:t2 a ex:Treaty ; ex:code "X" ; ex:year 1951 . ex:t3 a ex:Treaty ;
        ex:code "X" ; ex:year 1960 .""",
    "prp-spo2": """ex:grandparent owl:propertyChainAxiom (ex:parent ex:parent) .
        ex:a ex:parent ex:b . ex:b ex:parent ex:c . ex:c ex:parent ex:d .""",
    "cls-int1": """ex:Both owl:intersectionOf (ex:A [ owl:onProperty ex:p ; owl:hasValue ex:v ]) .
        ex:x a ex:A ; ex:p ex:v . ex:y a ex:A .""",
    "prp-fp literal": """ex:date a owl:FunctionalProperty . ex:s ex:date "1951-09-08" ,
        "8 September 1951" . ex:other ex:mentions "8 September 1951" .""",
    "eq-rep-p": """ex:p owl:sameAs ex:q . ex:a ex:p ex:b . ex:q owl:sameAs "lit" .""",
    "scm-svf1": """ex:R1 owl:someValuesFrom ex:A ; owl:onProperty ex:p .
        ex:R2 owl:someValuesFrom ex:B ; owl:onProperty ex:p . ex:A rdfs:subClassOf ex:B .
        ex:u ex:p ex:v . ex:v a ex:A .""",
    "cls-oo and cls-uni": """ex:Colour owl:oneOf (ex:red ex:green) .
        ex:Warm owl:unionOf (ex:Red ex:Orange) . ex:x a ex:Red .""",
}


@pytest.mark.parametrize("name", RULE_CASES)
def test_each_kind_of_rule_equals_owlrl(name):
    triples = turtle(RULE_CASES[name])
    found = batch(triples, layer=[])
    assert found == sparql(triples, layer=[])
    assert found, "the case derives something"


def test_the_derived_heads_are_the_expected_ones():
    found = batch(turtle(RULE_CASES["prp-key"]), layer=[])
    same = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
    t1, t2, t3 = (ox.NamedNode(f"urn:test:t{i}") for i in (1, 2, 3))
    assert ox.Triple(t1, same, t2) in found and ox.Triple(t2, same, t1) in found
    assert not any(t3 in (t.subject, t.object) for t in found if t.predicate == same)


def test_files_of_any_format_and_odd_n_triples_read_the_same(tmp_path):
    """Turtle, gzip, comments, blank lines, escapes and language tags in capitals are read
    through pyoxigraph; the canonical lines by DuckDB itself: the closure is the same."""
    ontology = tmp_path / "o.ttl"
    ontology.write_text(
        "@prefix ex: <urn:test:> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "ex:p rdfs:domain ex:Named . ex:Named rdfs:subClassOf ex:Thing2 .\n",
        encoding="utf-8",
    )
    data = tmp_path / "d.nt.gz"
    with gzip.open(data, "wt", encoding="utf-8") as stream:
        stream.write(
            '# a comment\n\n<urn:test:a> <urn:test:p> "caf\\u00E9"@EN .\n'
            "<urn:test:b>\t<urn:test:p>   <urn:test:c> .\n"
            '<urn:test:d> <urn:test:p> "x"^^<http://www.w3.org/2001/XMLSchema#string> .\n'
        )
    output = tmp_path / "out.nt"
    report = closure_of_files([ontology, data], output, layer=[])
    assert report.asserted == 5
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    typed = {line.split(" ")[0] for line in lines if "#type> <urn:test:Thing2>" in line}
    assert typed == {"<urn:test:a>", "<urn:test:b>", "<urn:test:d>"}


def test_a_line_longer_than_the_parallel_reader_takes_is_read(tmp_path):
    """Lines up to 2 MB are read on all threads; a file with a longer one is read again."""
    data = tmp_path / "long.nt"
    literal = "x" * 3_000_000
    data.write_text(
        f'<urn:test:a> <urn:test:p> "{literal}" .\n'
        "<urn:test:p> <http://www.w3.org/2000/01/rdf-schema#domain> <urn:test:C> .\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.nt"
    report = closure_of_files([data], output, layer=[])
    assert report.asserted == 2
    assert "<urn:test:a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <urn:test:C> ." in (
        output.read_text(encoding="utf-8").splitlines()
    )


def test_a_line_longer_than_the_batch_engine_reads_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("graph.reasoning.batch.LONG_LINE_SIZE", 3_000_000)
    data = tmp_path / "huge.nt"
    data.write_text(f'<urn:test:a> <urn:test:p> "{"x" * 4_000_000}" .\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"huge\.nt: a line longer than 3,000,000 bytes$"):
        closure_of_files([data], tmp_path / "out.nt", layer=[])


def test_blank_node_labels_name_one_node_per_file(tmp_path):
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    first.write_text("_:x <urn:test:p> <urn:test:o> .\n", encoding="utf-8")
    second.write_text(
        "_:x <http://www.w3.org/2002/07/owl#sameAs> <urn:test:y> .\n", encoding="utf-8"
    )
    output = tmp_path / "out.nt"
    closure_of_files([first, second], output, layer=[])
    # Had the two _:x been one node, <urn:test:y> would get the triple of the first file.
    assert "<urn:test:y> <urn:test:p>" not in output.read_text(encoding="utf-8")


def test_a_syntax_error_names_the_file_and_line(tmp_path):
    data = tmp_path / "bad.nt"
    data.write_text("<urn:a> <urn:p> <urn:b> .\n<urn:a> <urn:p> .\n", encoding="utf-8")
    with pytest.raises(DataSyntaxError, match=r"bad\.nt.*line 2|bad\.nt.*2:"):
        closure_of_files([data], tmp_path / "out.nt", layer=[])


def test_a_rule_the_engine_cannot_compile_is_refused_with_its_name():
    rule = Rule("odd", ("?a <urn:p> ?b",), "?a <urn:q> ?b", "FILTER (REGEX(STR(?a), 'x'))")
    with pytest.raises(InvalidInput, match=r"rule odd .*cannot compile"):
        batch([_triple(q) for q in turtle("ex:a <urn:p> ex:b .")], layer=[rule])


def test_a_bad_memory_limit_is_refused():
    with pytest.raises(InvalidInput, match="not a memory size"):
        BatchReasoner(memory_limit="lots")


def _inferred(store: ox.Store) -> set[ox.Triple]:
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED_GRAPH))
    return {ox.Triple(q.subject, q.predicate, q.object) for q in quads}


def _recomputed_by_sparql(store: KnowledgeStore) -> set[ox.Triple]:
    copy = ox.Store()
    copy.extend(store.raw)
    Reasoner(copy, premise_graphs(store), INFERRED_GRAPH).materialise()
    return _inferred(copy)


def test_build_reasons_with_the_batch_engine_and_equals_the_sparql_engine(store):
    assert _inferred(store.raw) == _recomputed_by_sparql(store)


@pytest.mark.slow  # a generated graph through both engines
def test_a_large_write_is_recomputed_by_the_batch_engine_and_equals_the_sparql_engine(sources):
    store = KnowledgeStore.in_memory()
    load_into(store, sources)
    home = ox.NamedNode(UPDATES_GRAPH)
    added = [ox.Quad(t.subject, t.predicate, t.object, home) for t in generate(12_000, seed=5)]
    assert len(added) > BATCH_WRITE
    report = UpdateReport()
    Maintainer(store).apply_changes(Changes(added=added), report)
    assert report.recomputed
    assert _inferred(store.raw) == _recomputed_by_sparql(store)
