"""The project's rules, read from `ontology/rules/*.rq`: each a SPARQL CONSTRUCT query with one
triple in its template and a basic graph pattern with FILTERs as its WHERE clause."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pyoxigraph as ox

from graph.errors import InvalidInput
from graph.reasoning.rules import Rule
from graph.sparql_text import matching_end, query_form, tokens


def load_rule_file(path: Path) -> Rule:
    """Read a rule from `ontology/rules/`: a SPARQL CONSTRUCT with one triple in its template and
    a basic graph pattern with FILTERs as its WHERE clause. The premises come from the query's
    algebra, the filters from its text."""
    return _parse_rule_file(path, path.read_text(encoding="utf-8"))


@functools.cache
def _parse_rule_file(path: Path, text: str) -> Rule:
    """The rule of a CONSTRUCT query: pyoxigraph checks the query; its template and its basic
    graph pattern (the WHERE clause without its FILTERs), variables written as IRIs, are then
    read as Turtle, which has SPARQL's triple syntax (prefixed names, `a`, `;` and `,`,
    literals), so each premise comes out as three resolved terms."""
    try:
        ox.Store().query(text)
    except SyntaxError as error:
        raise InvalidInput(f"{path}: not a valid SPARQL CONSTRUCT rule: {error}") from None
    form = query_form(text)
    starts = [t for t in tokens(text) if t.kind == "block"]
    if form != "CONSTRUCT" or len(starts) != 2:
        raise InvalidInput(
            f"{path}: a rule is a CONSTRUCT {{ template }} WHERE {{ pattern }} query"
        )
    template, where = (block.text[1:-1] for block in starts)
    prologue = text[: next(t.start for t in tokens(text) if t.upper == "CONSTRUCT")]
    filters = _filter_clauses(where)
    pattern = where
    for clause in filters:
        pattern = pattern.replace(clause, " ", 1)
    if any(t.kind == "block" for t in tokens(pattern)) or re.search(
        r"\b(OPTIONAL|UNION|MINUS|GRAPH|BIND|VALUES|SERVICE)\b", pattern, re.I
    ):
        raise InvalidInput(
            f"{path}: a rule's WHERE clause is triple patterns and FILTERs, nothing else"
        )
    heads = _triple_patterns(prologue, template, path)
    if len(heads) != 1:
        raise InvalidInput(
            f"{path}: a rule is a CONSTRUCT query with exactly one triple in its template"
        )
    premises = _triple_patterns(prologue, pattern, path)
    return Rule(
        path.stem,
        tuple(dict.fromkeys(premises)),
        heads[0],
        " ".join(filters),
        origin=f"ontology/rules/{path.name}",
    )


#: Variables are read as IRIs in this namespace (see _parse_rule_file).
VARIABLE_IRI = "urn:alliance-kg:variable:"


def _triple_patterns(prologue: str, patterns: str, path: Path) -> list[str]:
    """Triple patterns (SPARQL text) as `?s <p> <o>` strings of resolved terms."""
    parts, last = [], 0
    for token in tokens(patterns):  # variables only: a `?` inside a string stays
        if token.kind == "word" and token.text[0] in "?$":
            parts += [patterns[last : token.start], f"<{VARIABLE_IRI}{token.text[1:]}>"]
            last = token.end
    turtle = "".join([*parts, patterns[last:]]).strip()
    if turtle and not turtle.endswith("."):
        turtle += " ."
    try:
        triples = list(ox.parse(f"{prologue}\n{turtle}".encode(), format=ox.RdfFormat.TURTLE))
    except SyntaxError as error:
        raise InvalidInput(f"{path}: cannot read the rule's triple patterns: {error}") from None

    def shown(term) -> str:
        if isinstance(term, ox.NamedNode) and term.value.startswith(VARIABLE_IRI):
            return "?" + term.value[len(VARIABLE_IRI) :]
        if isinstance(term, ox.BlankNode):
            return f"?_{term.value}"  # a blank node in a pattern is a variable
        return str(term)

    return [" ".join(shown(t) for t in (x.subject, x.predicate, x.object)) for x in triples]


def _filter_clauses(text: str) -> list[str]:
    """The FILTER clauses of a WHERE clause, with their balanced parentheses or braces."""
    clauses = []
    for found in re.finditer(r"FILTER\b", text, re.IGNORECASE):
        start = found.start()
        i = found.end()
        while i < len(text) and text[i].isspace():
            i += 1
        rest = text[i:].upper()
        if rest.startswith("NOT EXISTS") or rest.startswith("EXISTS"):
            i = text.index("{", i)
            opener, closer = "{", "}"
        else:
            opener, closer = "(", ")"
        end = matching_end(text, text.index(opener, i), opener, closer)
        if end is not None:
            clauses.append(text[start:end])
    return clauses


def load_rule_files(directory: Path) -> list[Rule]:
    """The rules of a directory's `.rq` files, in name order (each file parsed once a process)."""
    return [load_rule_file(path) for path in sorted(directory.glob("*.rq"))]
