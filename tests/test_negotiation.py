"""Content negotiation, as a pure function."""

from __future__ import annotations

import pytest

from endpoint.negotiation import negotiate, parse_accept
from graph.formats import GRAPH_TYPES, RESULT_TYPES


def names(accept, offered=RESULT_TYPES):
    found = negotiate(accept, offered)
    return found.name if found else None


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "json"),
        ("", "json"),
        ("*/*", "json"),
        ("text/csv", "csv"),
        ("application/sparql-results+xml", "xml"),
        ("application/json", "json"),
        ("text/*", "csv"),
        ("text/csv;q=0.2, text/tab-separated-values;q=0.8", "tsv"),
        ("application/sparql-results+json;q=0, */*;q=0.1", "xml"),
        ("image/png", None),
        ("text/html", None),
    ],
)
def test_result_types(accept, expected):
    assert names(accept) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "ttl"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.5", "rdfxml"),
        ("application/sparql-results+json", None),
    ],
)
def test_graph_types(accept, expected):
    assert names(accept, GRAPH_TYPES) == expected


def test_q_values_are_parsed_and_clamped():
    assert parse_accept("a/b;q=0.5, c/d;Q=2, e/f;q=x") == [("a/b", 0.5), ("c/d", 1.0), ("e/f", 0.0)]
