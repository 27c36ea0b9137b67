"""Saved queries: grlc decorators, typed parameters, and no way for a value to change the query."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.errors import InvalidInput
from graph.saved_queries import parse_saved_query


@pytest.fixture(scope="module")
def echo(tmp_path_factory):
    path = tmp_path_factory.mktemp("queries") / "echo.rq"
    path.write_text(
        "#+ summary: Echo its parameters\n"
        "#+ tags:\n#+   - test\n"
        "#+ defaults:\n#+   - n: 7\n"
        "SELECT ?text ?thing ?n WHERE {\n"
        "  # a comment with a brace { and a WHERE\n"
        '  BIND("}" AS ?brace)\n'
        "  BIND(?_text AS ?text) BIND(?__thing_iri AS ?thing) BIND(?_n_integer AS ?n)\n"
        "}\n"
    )
    return parse_saved_query(path)


def run(query, **values):
    rows = list(ox.Store().query(query.prepare(values)))
    assert len(rows) == 1
    return rows[0]


def test_decorators_and_parameters(echo):
    assert echo.summary == "Echo its parameters"
    assert echo.tags == ("test",)
    assert echo.defaults == {"n": "7"}
    kinds = {p.name: (p.kind, p.required) for p in echo.parameters}
    assert kinds == {"text": ("literal", True), "thing": ("iri", False), "n": ("integer", True)}


def test_defaults_and_optional_parameters(echo):
    row = run(echo, text="hello")
    assert row["text"] == ox.Literal("hello")
    assert row["thing"] is None
    assert row["n"].value == "7"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "needs parameter 'text'"),
        ({"text": "a", "n": "seven"}, "parameter 'n': expected an integer"),
        ({"text": "a", "thing": "not an iri"}, "parameter 'thing'"),
        ({"text": "a", "other": "x"}, "has no parameter 'other'"),
    ],
)
def test_bad_values_name_the_parameter(echo, values, message):
    with pytest.raises(InvalidInput, match=message):
        echo.prepare(values)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_no_literal_value_can_change_the_query(echo, text):
    """Whatever the text (quotes, braces, newlines, SPARQL keywords), the query still has its
    one row, and the value comes back exactly as given."""
    assert run(echo, text=text)["text"] == ox.Literal(text)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_no_iri_value_can_change_the_query(echo, suffix):
    value = "http://example.org/" + suffix
    try:
        row = run(echo, text="x", thing=value)
    except InvalidInput:
        return  # not a valid IRI: refused, nothing ran
    assert row["thing"] == ox.NamedNode(value.strip())  # surrounding blanks are trimmed


def test_a_changed_file_is_read_again(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("#+ summary: first\nSELECT * WHERE { ?s ?p ?o }\n")
    assert parse_saved_query(path).summary == "first"
    path.write_text("#+ summary: the second\nSELECT * WHERE { ?s ?p ?_o_iri }\n")
    changed = parse_saved_query(path)
    assert changed.summary == "the second"
    assert [p.name for p in changed.parameters] == ["o"]


def test_enumerate_lists_a_parameters_values_from_the_query_itself(tmp_path, store):
    path = tmp_path / "members.rq"
    path.write_text(
        "#+ enumerate:\n#+   - alliance\n"
        "SELECT ?state WHERE { ?_alliance_iri akg:hasMember ?state } ORDER BY ?state LIMIT 5\n"
    )
    saved = parse_saved_query(path)
    assert saved.enumerate == ("alliance",)
    text = saved.enumeration_query("alliance")
    assert "SELECT DISTINCT ?_alliance_iri WHERE" in text and "LIMIT" not in text
    values = [row[0].value for row in store.query(text)]
    assert values == ["https://w3id.org/alliance-kg/id/US_Japan_Alliance"]
    path.write_text("#+ enumerate:\n#+   - nothing\nSELECT * WHERE { ?s ?p ?o }\n")
    with pytest.raises(InvalidInput, match="not a parameter"):
        parse_saved_query(path)


def test_a_paginated_query_page_shows_the_count_the_paging_and_whole_downloads(server):
    first = server.get("/queries/claims-by-attribution")
    assert first.status_code == 200
    total = len(server.get("/api/queries/claims-by-attribution?format=rows&page=all").json())
    assert total > 10
    assert f"Rows 1 to 10 of {total}." in first.text
    assert 'rel="next" href="/queries/claims-by-attribution?page=2"' in first.text
    second = server.get("/queries/claims-by-attribution?page=2")
    assert f"Rows 11 to {min(20, total)} of {total}." in second.text and 'rel="prev"' in second.text
    csv_link = re.search(r'href="([^"]*format=csv)"', first.text)[1].replace("&amp;", "&")
    assert "page=all" in csv_link
    rows = server.get(csv_link).text.strip().splitlines()
    assert len(rows) == total + 1  # the header and every row, not page 1
