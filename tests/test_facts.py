"""The article's facts: every fact cites a verbatim sentence, nothing is stated outside a claim."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest

from graph.sources import parse_file
from ontology import AKG, ID
from sources import LINKS_FILE

QUOTE = ox.NamedNode(AKG + "quote")
CLAIM = ox.NamedNode(AKG + "Claim")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.fixture(scope="module")
def quads(article) -> list[ox.Quad]:
    return article.quads()


@pytest.fixture(scope="module")
def claims(article, quads) -> dict[ox.NamedNode, str]:
    home = ox.NamedNode(article.provenance_graph)
    return {
        q.subject: q.object.value for q in quads if q.graph_name == home and q.predicate == QUOTE
    }


def test_every_quote_stands_verbatim_in_the_source_text(article, claims):
    assert len(claims) >= 30
    missing = {str(c): quote for c, quote in claims.items() if quote not in article.text}
    assert missing == {}


def test_every_claim_graph_is_a_claim_with_a_quote(article, quads, claims):
    home = ox.NamedNode(article.provenance_graph)
    graphs = {q.graph_name for q in quads if q.graph_name != home}
    assert graphs == set(claims)
    typed = {q.subject for q in quads if q.predicate == RDF_TYPE and q.object == CLAIM}
    assert graphs <= typed


def test_every_triple_about_an_entity_belongs_to_a_claim(article, quads, claims):
    """Outside the claim graphs stand only the document, its publisher, its passages without
    facts and the claims' provenance."""
    home = ox.NamedNode(article.provenance_graph)
    document = ox.NamedNode(article.document)
    publisher = ox.NamedNode(ID + "Nhan_Dan")
    passage = ox.NamedNode("https://w3id.org/alliance-kg/ontology#Passage")
    passages = {q.subject for q in quads if q.predicate == RDF_TYPE and q.object == passage}
    assert len(passages) == 7
    outside = {q.subject for q in quads if q.graph_name == home}
    assert outside - set(claims) - passages == {document, publisher}
    entity_triples = [q for q in quads if q.subject.value.startswith(ID)]
    assert all(q.graph_name in claims for q in entity_triples if q.subject != publisher)


def test_no_blank_nodes_in_the_facts(quads):
    for q in quads:
        assert not isinstance(q.subject, ox.BlankNode), q
        assert not isinstance(q.object, ox.BlankNode), q


def test_entities_have_readable_stable_iris(quads):
    names = {q.subject.value[len(ID) :] for q in quads if q.subject.value.startswith(ID)}
    assert {"Japan", "Kishida_Fumio", "United_States", "Philippines", "US_Japan_Alliance"} <= names
    assert all(name.replace("_", "").replace("-", "").isalnum() for name in names)


def test_the_value_of_the_deal_is_a_decimal_with_a_currency(store):
    row = next(iter(store.query("""
        SELECT ?amount ?currency WHERE {
          id:Nippon_Steel_acquisition_of_US_Steel akg:value [ schema:value ?amount ; schema:currency ?currency ]
        }""")))  # fmt: skip
    assert row["amount"].datatype.value == "http://www.w3.org/2001/XMLSchema#decimal"
    assert Decimal(row["amount"].value) == Decimal("14100000000")
    assert row["currency"].value == "USD"


def test_reported_claims_keep_who_said_them(store):
    rows = {(r["who"].value, r["modality"].value) for r in store.query("""
        SELECT ?who ?modality WHERE { ?c akg:attributedTo ?who ; akg:modality ?modality }""")}  # fmt: skip
    for who in ["Wendy_Cutler", "Some_experts", "Many_sources", "Sources_familiar_with_the_matter",
                "White_House", "Kishida_Fumio"]:  # fmt: skip
        assert (ID + who, AKG + "Reported") in rows


def test_the_source_text_is_kept_beside_its_facts(article):
    assert article.text_path.parent == article.facts_path.parent
    assert "The strategic alliance relationship" in article.text


def test_wikidata_links_point_at_entities_of_the_graph(store):
    links = parse_file(LINKS_FILE, ox.RdfFormat.TURTLE)
    assert len(links) == 9
    for link in links:
        assert link.predicate.value == AKG + "wikidataItem"
        assert link.object.value.startswith("http://www.wikidata.org/entity/Q")
        assert store.query(f"ASK {{ {link.subject} a ?type }}"), link.subject


def test_wikidata_links_are_not_owl_same_as(store):
    assert not store.query("ASK { ?a owl:sameAs ?b }")


def test_source_document_description(store):
    row = next(iter(store.query("""
        SELECT ?title ?issued ?lang ?publisher WHERE {
          ?doc a akg:NewsArticle ; dcterms:title ?title ; dcterms:issued ?issued ;
               dcterms:language ?lang ; dcterms:publisher/rdfs:label ?publisher .
          FILTER (LANG(?publisher) = "vi") }""")))  # fmt: skip
    assert row["title"].value == "The strategic alliance relationship"
    assert row["issued"].value == "2024-04-13T16:39:47"
    assert row["lang"].value == "en"
    assert row["publisher"].value == "Nhân Dân"


def test_links_file_matches_the_checked_items():
    """The links were copied from the checked list; keep a record of the expected items here."""
    expected = {"Japan": "Q17", "United_States": "Q30", "Philippines": "Q928", "Joe_Biden": "Q6279",
                "Shinzo_Abe": "Q132345", "Toyota_Motor_Corporation": "Q53268",
                "UN_Security_Council": "Q37470", "White_House": "Q35525", "North_Carolina": "Q1454"}  # fmt: skip
    links = parse_file(LINKS_FILE, ox.RdfFormat.TURTLE)
    found = {q.subject.value[len(ID) :]: q.object.value.rsplit("/", 1)[1] for q in links}
    assert found == expected


def test_every_sentence_of_the_article_is_a_claim_or_a_passage_without_facts(article, quads):
    from graph.validate import check_provenance, sentences

    assert len(sentences(article.text)) == 41
    assert [v for v in check_provenance(article, quads) if v.shape == "akgsh:EverySentence"] == []
    text = article.text.replace("NDO", "NDO\n\nA new sentence that no claim quotes.")
    edited = type(article)(article.name, article.facts_path, article.text_path, article.document)
    object.__setattr__(edited, "text", text)  # the cached text, edited
    found = [v for v in check_provenance(edited, quads) if v.shape == "akgsh:EverySentence"]
    assert len(found) == 1 and "A new sentence that no claim quotes." in found[0].message
