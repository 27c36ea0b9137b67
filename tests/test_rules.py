"""Rules as text: matching a premise against the rows of a small delta."""

from __future__ import annotations

import pyoxigraph as ox

from graph.reasoning.rules import matches

EX = "urn:test:"


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
    assert matches(f"?x <{EX}knows> ?y", rows) == [
        {"?x": f"<{EX}b>", "?y": f"<{EX}c>"},
        {"?x": f"<{EX}a>", "?y": f"<{EX}a>"},
        {"?x": f"<{EX}a>", "?y": '"x"@en'},
    ]
    assert matches(f"?x <{EX}knows> ?x", rows) == [{"?x": f"<{EX}a>"}]
    assert matches("?s ?p ?o", rows[2:3]) == [
        {"?s": f"<{EX}a>", "?p": f"<{EX}likes>", "?o": f"<{EX}b>"}
    ]
    assert matches(f"<{EX}a> ?p <{EX}b>", rows) == [{"?p": f"<{EX}likes>"}]
    assert matches(f"?x <{EX}hates> ?y", rows) == []
