"""The ontology: well-formed OWL, documented terms, aligned with standard vocabularies."""

from __future__ import annotations

import owlrl
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ontology import FIELDS_FILE, ONTOLOGY_FILE, ONTOLOGY_IRI, RULES_DIR

AKG = rdflib.Namespace("https://w3id.org/alliance-kg/ontology#")
SCHEMA = rdflib.Namespace("https://schema.org/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_FILE)


def terms(onto: rdflib.Graph) -> set[rdflib.URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return {s for k in kinds for s in onto.subjects(RDF.type, k) if isinstance(s, rdflib.URIRef)}


def test_ontology_has_version_iri_and_info(onto):
    iri = rdflib.URIRef(ONTOLOGY_IRI)
    assert (iri, RDF.type, OWL.Ontology) in onto
    assert onto.value(iri, OWL.versionIRI) is not None
    assert onto.value(iri, OWL.versionInfo) is not None


def test_every_term_has_label_and_definition(onto):
    found = terms(onto)
    assert len(found) > 60
    undocumented = [
        t for t in found if not onto.value(t, RDFS.label) or not onto.value(t, RDFS.comment)
    ]
    assert undocumented == []


def test_every_own_term_is_in_the_own_namespace(onto):
    assert all(str(t).startswith(str(AKG)) for t in terms(onto))


@pytest.mark.parametrize(
    "prop",
    [
        "hasMember",
        "party",
        "guest",
        "hostState",
        "holder",
        "office",
        "officeOf",
        "acquirer",
        "target",
    ],
)
def test_core_properties_have_domain_and_range(onto, prop):
    assert onto.value(AKG[prop], RDFS.domain) is not None
    assert onto.value(AKG[prop], RDFS.range) is not None


@pytest.mark.parametrize(
    ("term", "relation", "standard"),
    [
        ("Person", RDFS.subClassOf, SCHEMA.Person),
        ("SovereignState", RDFS.subClassOf, SCHEMA.Country),
        ("Claim", RDFS.subClassOf, PROV.Entity),
        ("Initiative", RDFS.subClassOf, PROV.Plan),
        ("source", RDFS.subPropertyOf, PROV.wasDerivedFrom),
        ("Event", RDFS.subClassOf, SCHEMA.Event),
        ("wikidataItem", RDFS.subPropertyOf, SCHEMA.sameAs),
    ],
)
def test_aligned_with_standard_vocabularies(onto, term, relation, standard):
    assert (AKG[term], relation, standard) in onto


def test_implied_links_are_symmetric_irreflexive_and_have_rules(onto):
    for prop, rule in [
        ("alliedWith", "allied-with.rq"),
        ("trilateralPartnerOf", "trilateral-partner-of.rq"),
    ]:
        assert (AKG[prop], RDF.type, OWL.SymmetricProperty) in onto
        assert (AKG[prop], RDF.type, OWL.IrreflexiveProperty) in onto
        assert str(onto.value(AKG[prop], AKG.inferredBy)).endswith(rule)
        assert (RULES_DIR / rule).is_file()
    assert onto.value(AKG.memberOf, OWL.inverseOf) == AKG.hasMember
    assert onto.value(AKG.participatesIn, OWL.inverseOf) == AKG.participant


def test_the_rules_never_relate_an_entity_to_itself():
    graph = rdflib.Graph().parse(ONTOLOGY_FILE)
    graph.parse(
        data="""
        @prefix akg: <https://w3id.org/alliance-kg/ontology#> .
        @prefix ex: <http://example.org/> .
        ex:alliance akg:hasMember ex:a , ex:b .
        ex:summit a akg:TrilateralSummit ; akg:participant ex:a , ex:b , ex:c .
    """,
        format="turtle",
    )
    derived = set()
    for rule in sorted(RULES_DIR.glob("*.rq")):
        derived |= set(graph.query(rule.read_text()))
    assert derived
    assert all(s != o for s, _, o in derived)
    ex = rdflib.Namespace("http://example.org/")
    assert (ex.a, AKG.alliedWith, ex.b) in derived and (ex.b, AKG.alliedWith, ex.a) in derived
    assert (ex.c, AKG.trilateralPartnerOf, ex.a) in derived


def test_fields_are_a_skos_concept_scheme():
    fields = rdflib.Graph().parse(FIELDS_FILE)
    concepts = set(fields.subjects(RDF.type, SKOS.Concept))
    labels = {str(fields.value(c, SKOS.prefLabel)) for c in concepts}
    for expected in ["security", "space", "semiconductors", "artificial intelligence",
                     "quantum science and technology", "5G mobile networks", "offshore wind",
                     "clean-energy supply chains", "climate", "inclusive economic growth",
                     "emerging technologies"]:  # fmt: skip
        assert expected in labels
    assert all((c, SKOS.inScheme, None) in fields for c in concepts)


def test_ontology_and_article_are_consistent_under_owl2rl(store):
    """The OWL 2 RL closure of ontology + facts has no inconsistency (owlrl marks them)."""
    graph = rdflib.Graph()
    nt = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in store.raw)
    graph.parse(data=nt, format="nt")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    errors = list(graph.subjects(RDF.type, rdflib.URIRef("http://www.w3.org/2002/07/owl#Nothing")))
    assert errors == []
    assert not list(
        graph.objects(None, rdflib.URIRef("http://www.daml.org/2002/03/agents/agent-ont#error"))
    )
