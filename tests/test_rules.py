"""Rules as data: patterns read into terms once, matching a premise against the rows of a small
delta, and the project's rule files."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph.errors import InvalidInput
from graph.reasoning.rule_files import load_rule_file
from graph.reasoning.rules import LIST_MEMBER, Pattern, Rule, matches

EX = "urn:test:"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def triple(s: str, p: str, o: ox.NamedNode | ox.Literal | str) -> ox.Triple:
    obj = ox.NamedNode(EX + o) if isinstance(o, str) else o
    return ox.Triple(ox.NamedNode(EX + s), ox.NamedNode(EX + p), obj)


def test_a_premise_binds_its_variables_once_per_distinct_match_in_order():
    rows = [
        triple("b", "knows", "c"),
        triple("a", "knows", "a"),
        triple("a", "likes", "b"),
        triple("b", "knows", "c"),  # the same binding again
        triple("a", "knows", ox.Literal("x", language="en")),
    ]

    def matches_text(text: str, rows: list) -> list[dict[str, str]]:
        return matches(Pattern.read(text), rows)

    assert matches_text(f"?x <{EX}knows> ?y", rows) == [
        {"?x": f"<{EX}b>", "?y": f"<{EX}c>"},
        {"?x": f"<{EX}a>", "?y": f"<{EX}a>"},
        {"?x": f"<{EX}a>", "?y": '"x"@en'},
    ]
    assert matches_text(f"?x <{EX}knows> ?x", rows) == [{"?x": f"<{EX}a>"}]
    assert matches_text("?s ?p ?o", rows[2:3]) == [
        {"?s": f"<{EX}a>", "?p": f"<{EX}likes>", "?o": f"<{EX}b>"}
    ]
    assert matches_text(f"<{EX}a> ?p <{EX}b>", rows) == [{"?p": f"<{EX}likes>"}]
    assert matches_text(f"?x <{EX}hates> ?y", rows) == []


def test_a_pattern_is_read_into_its_terms_once_when_the_rule_is_made():
    rule = Rule(
        "r",
        ('?x <urn:test:label> "a b \\"c\\""@en', "?x a ?c"),
        "?x <urn:test:named> ?c",
        "FILTER (?c != owl:Thing)",
        static=(f"?list {LIST_MEMBER} ?c",),
    )
    label, typing = rule.premises
    assert label.terms == ("?x", "<urn:test:label>", '"a b \\"c\\""@en')
    assert typing.terms == ("?x", "a", "?c")
    assert typing.constants == (None, ox.NamedNode(RDF_TYPE), None)
    assert rule.static[0].list_path and rule.static[0].terms == ("?list", "?c")
    assert rule.variables == {"?x", "?c", "?list"}
    # Specialising replaces terms, not text: a bound literal with spaces stays one term.
    special = rule.specialise({"?x": '"x y"', "?c": "<urn:test:C>"}, drop=0)
    assert [p.terms for p in special.premises] == [('"x y"', "a", "<urn:test:C>")]
    assert special.head.text == '"x y" <urn:test:named> <urn:test:C>'
    assert special.filters == "FILTER (<urn:test:C> != owl:Thing)"
    assert special.static[0].text == f"?list {LIST_MEMBER} <urn:test:C>"
    assert special.variables == {"?list"}


def test_what_is_not_a_triple_pattern_keeps_its_text_and_has_no_terms():
    path = Pattern.read("?x <urn:test:p>/<urn:test:q> ?y")
    assert path.terms == () and not path.is_triple and path.constants is None
    assert path.fill({"?x": "<urn:test:a>"}).text == "<urn:test:a> <urn:test:p>/<urn:test:q> ?y"
    with pytest.raises(ValueError, match="not a triple pattern"):
        path.triple()


def rule_file(tmp_path, text: str):
    path = tmp_path / "a-rule.rq"
    path.write_text("PREFIX ex: <urn:test:>\n" + text)
    return load_rule_file(path)


def test_a_rule_file_is_read_into_resolved_premises_a_head_and_its_filters(tmp_path):
    rule = rule_file(
        tmp_path,
        'CONSTRUCT { ?a ex:near $b } WHERE {\n  ?a a ex:Port ; ex:label "?x {not a group}" ,\n'
        '    "y"@en .\n  ?a ex:road ?b . # a comment { }\n  FILTER (?a != ?b)\n'
        "  FILTER NOT EXISTS { ?b ex:closed true }\n}",
    )
    assert rule.head.text == "?a <urn:test:near> ?b"
    assert tuple(p.text for p in rule.premises) == (
        "?a <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <urn:test:Port>",
        '?a <urn:test:label> "?x {not a group}"',
        '?a <urn:test:label> "y"@en',
        "?a <urn:test:road> ?b",
    )
    assert rule.filters == "FILTER (?a != ?b) FILTER NOT EXISTS { ?b ex:closed true }"
    assert rule.origin == "ontology/rules/a-rule.rq"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CONSTRUCT { ?a ex:p ?b } WHERE { ?a ex:q ?b", "not a valid SPARQL CONSTRUCT rule"),
        ("SELECT ?a WHERE { ?a ex:q ?b }", "CONSTRUCT { template } WHERE { pattern }"),
        ("CONSTRUCT WHERE { ?a ex:q ?b }", "CONSTRUCT { template } WHERE { pattern }"),
        ("CONSTRUCT { ?a ex:p ?b . ?b ex:p ?a } WHERE { ?a ex:q ?b }", "exactly one triple"),
        ("CONSTRUCT { ?a ex:p ?b } WHERE { ?a ex:q ?b OPTIONAL { ?b ex:r ?c } }",
         "triple patterns and FILTERs"),
    ],
)  # fmt: skip
def test_a_rule_file_that_is_not_a_rule_is_refused_with_its_name(tmp_path, text, message):
    with pytest.raises(InvalidInput) as refused:
        rule_file(tmp_path, text)
    assert message in str(refused.value)
    assert "a-rule.rq" in str(refused.value)
