"""The rules compiled to SQL, for the batch engine (pure: text in, text out).

The triples live in one table of integer-encoded terms, `(s, p, o)`. The encoding tells a term's
kind from its number, so that the rules' filters need no look-up: literals are negative, blank
nodes odd, IRIs even (and positive). A rule becomes one SELECT per premise for semi-naive
evaluation: premise `i` matched among the last round's new triples (the delta table), the others
among all triples. The rule's FILTERs become SQL conditions: `sameTerm` and comparisons with an
IRI compare numbers, `isLiteral`/`isIRI`/`isBlank` test the encoding, a comparison with a number
reads the table of numeric literals, and `[NOT] EXISTS { ... }` a correlated subquery. The SQL is
plain (joins, `NOT EXISTS`, `IN`), so that it runs unchanged on DuckDB and on Spark SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from graph.errors import InvalidInput
from graph.reasoning.rules import Pattern, Rule

#: The table names the generated SQL reads.
TRIPLES, DELTA, LIST_MEMBERS, NUMBERS = "triples", "delta", "list_members", "numbers"

#: A constant (as written in a rule: an IRI, a prefixed name, `a`, a literal) to its number.
Encode = Callable[[str], int]


def is_literal(column: str) -> str:
    return f"{column} < 0"


def is_iri(column: str) -> str:
    return f"({column} > 0 AND {column} % 2 = 0)"


def is_blank(column: str) -> str:
    return f"({column} > 0 AND {column} % 2 = 1)"


def premises_of(rule: Rule) -> tuple[tuple[Pattern, ...], tuple[Pattern, ...]]:
    """The rule's premises (which get delta variants) and its static premises (which do not),
    each a triple pattern or an RDF list path."""
    for pattern in (*rule.premises, *rule.static):
        if not pattern.terms:
            raise InvalidInput(
                f"rule {rule.name} ({rule.origin}): the batch engine reads triple patterns "
                f"only, not {pattern.text!r}"
            )
    return rule.premises, rule.static


class _Join:
    """The FROM list and the conditions of one query over premises, and each variable's first
    column."""

    def __init__(self, encode: Encode, columns: dict[str, str] | None = None, prefix: str = "t"):
        self.encode = encode
        self.columns: dict[str, str] = dict(columns or {})
        self.outer = set(self.columns)
        self.tables: list[str] = []
        self.conditions: list[str] = []
        self.prefix = prefix

    def add(self, premise: Pattern, table: str) -> None:
        alias = f"{self.prefix}{len(self.tables)}"
        if premise.list_path:
            self.tables.append(f"{LIST_MEMBERS} {alias}")
            names = ("l", "m")
        else:
            self.tables.append(f"{table} {alias}")
            names = ("s", "p", "o")
        for name, term in zip(names, premise.terms, strict=True):
            column = f"{alias}.{name}"
            if term.startswith("?"):
                if term in self.columns:
                    self.conditions.append(f"{column} = {self.columns[term]}")
                else:
                    self.columns[term] = column
            else:
                self.conditions.append(f"{column} = {self.encode(term)}")

    def where(self) -> str:
        return " AND ".join(self.conditions) if self.conditions else "TRUE"


def select(rule: Rule, encode: Encode, delta: int | None = None) -> str:
    """The SELECT of the rule's heads, with premise `delta` matched in the delta table (all
    premises among all triples if None). Heads that cannot be triples (a literal subject, a
    predicate that is not an IRI) are left out; heads already known are not (the engine removes
    them once per round, for all rules together)."""
    premises, static = premises_of(rule)
    join = _Join(encode)
    for i, premise in enumerate(premises):
        join.add(premise, DELTA if i == delta else TRIPLES)
    for premise in static:
        join.add(premise, TRIPLES)
    head = rule.head.triple()
    outputs = []
    for term in head:
        if term.startswith("?"):
            if term not in join.columns:
                raise InvalidInput(
                    f"rule {rule.name} ({rule.origin}): head variable {term} is in no premise"
                )
            outputs.append(join.columns[term])
        else:
            outputs.append(str(encode(term)))
    conditions = [join.where()]
    filters = _Filters(rule, encode, join.columns).conditions()
    conditions += filters
    s, p, _ = outputs
    if head[0].startswith("?"):
        conditions.append(f"NOT {is_literal(s)}")
    if head[1].startswith("?"):
        conditions.append(is_iri(p))
    return (
        f"SELECT DISTINCT {outputs[0]} AS s, {outputs[1]} AS p, {outputs[2]} AS o "
        f"FROM {', '.join(join.tables)} WHERE {' AND '.join(conditions)}"
    )


# ------------------------------------------------------------------------------------- filters

TOKEN = re.compile(
    r"""\s*(?:
      (?P<iri><[^>\s]*>)
    | (?P<var>\?\w+)
    | (?P<number>[+-]?\d+(?:\.\d+)?)
    | (?P<op>&&|\|\||!=|<=|>=|=|<|>|!|\(|\)|\{|\}|,|\.)
    | (?P<name>[A-Za-z][\w-]*:[\w.-]*|[A-Za-z]+)
    | (?P<string>"(?:[^"\\]|\\.)*"(?:\^\^<[^>]*>|@[\w-]+)?)
    )""",
    re.VERBOSE,
)
FUNCTIONS = {"sameterm", "isliteral", "isiri", "isuri", "isblank"}


class _Filters:
    """A rule's FILTER clauses as SQL conditions over the columns of its premises."""

    def __init__(self, rule: Rule, encode: Encode, columns: dict[str, str]):
        self.rule = rule
        self.encode = encode
        self.columns = columns
        self.tokens = self._tokenise(rule.filters)
        self.at = 0
        self.subqueries = 0

    def _fail(self, what: str) -> InvalidInput:
        return InvalidInput(
            f"rule {self.rule.name} ({self.rule.origin}): the batch engine cannot compile "
            f"{what} in FILTER {self.rule.filters!r}"
        )

    def _tokenise(self, text: str) -> list[tuple[str, str]]:
        tokens, at = [], 0
        while at < len(text):
            if text[at:].strip() == "":
                break
            found = TOKEN.match(text, at)
            if not found or found.end() == at:
                raise self._fail(f"the text at {text[at : at + 20]!r}")
            kind = found.lastgroup
            tokens.append((kind, found[kind]))
            at = found.end()
        return tokens

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _next(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise self._fail("an unfinished expression")
        self.at += 1
        return token

    def _expect(self, value: str) -> None:
        _kind, found = self._next()
        if found.upper() != value.upper():
            raise self._fail(f"{found!r} where {value!r} was expected")

    def conditions(self) -> list[str]:
        found = []
        while self._peek() is not None:
            self._expect("FILTER")
            token = self._peek()
            if token and token[1].upper() == "NOT":
                self._next()
                self._expect("EXISTS")
                found.append(f"NOT {self._exists()}")
            elif token and token[1].upper() == "EXISTS":
                self._next()
                found.append(self._exists())
            else:
                self._expect("(")
                found.append(self._or())
                self._expect(")")
        return found

    def _exists(self) -> str:
        self._expect("{")
        patterns, current = [], []
        while True:
            kind, value = self._next()
            if value == "}":
                break
            if value == ".":
                patterns.append(current)
                current = []
            elif kind in ("var", "iri", "name", "string", "number"):
                current.append(value)
            else:
                raise self._fail(f"{value!r} inside EXISTS (triple patterns only)")
        patterns.append(current)
        self.subqueries += 1
        join = _Join(self.encode, self.columns, prefix=f"x{self.subqueries}_")
        for terms in (p for p in patterns if p):
            if len(terms) != 3:
                raise self._fail(f"the pattern {' '.join(terms)!r} inside EXISTS")
            join.add(Pattern.of(tuple(terms)), TRIPLES)
        return f"EXISTS (SELECT 1 FROM {', '.join(join.tables)} WHERE {join.where()})"

    def _or(self) -> str:
        return self._chain("||", "OR", self._and)

    def _and(self) -> str:
        return self._chain("&&", "AND", self._unary)

    def _chain(self, operator: str, word: str, operand: Callable[[], str]) -> str:
        """Operands joined by a SPARQL operator (`||`, `&&`), as SQL (OR, AND)."""
        parts = [operand()]
        while (token := self._peek()) and token[1] == operator:
            self._next()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else "(" + f" {word} ".join(parts) + ")"

    def _unary(self) -> str:
        token = self._peek()
        if token and token[1] == "!":
            self._next()
            return f"NOT {self._unary()}"
        if token and token[1] == "(":
            self._next()
            inner = self._or()
            self._expect(")")
            return f"({inner})"
        left = self._operand()
        token = self._peek()
        if token and token[0] == "op" and token[1] in ("=", "!="):
            self._next()
            right = self._operand()
            return self._comparison(left, token[1], right)
        if left[0] != "condition":
            raise self._fail(f"the term {left[1]!r} used as a condition")
        return left[1]

    def _operand(self) -> tuple[str, str]:
        """('condition', sql), ('column', sql), ('term', id) or ('number', text)."""
        kind, value = self._next()
        if kind == "var":
            if value not in self.columns:
                raise self._fail(f"the unbound variable {value}")
            return "column", self.columns[value]
        if kind == "number":
            return "number", value
        if kind == "name" and value.lower() in FUNCTIONS:
            self._expect("(")
            args = [self._operand()]
            while (token := self._peek()) and token[1] == ",":
                self._next()
                args.append(self._operand())
            self._expect(")")
            return "condition", self._call(value.lower(), args)
        if kind in ("iri", "name", "string"):
            return "term", str(self.encode(value))
        raise self._fail(f"{value!r}")

    def _call(self, name: str, args: list[tuple[str, str]]) -> str:
        if any(kind not in ("column", "term") for kind, _ in args):
            raise self._fail(f"the arguments of {name}")
        if name == "sameterm":
            if len(args) != 2:
                raise self._fail("sameTerm without two arguments")
            return f"{args[0][1]} = {args[1][1]}"
        if len(args) != 1:
            raise self._fail(f"{name} without one argument")
        test = {"isliteral": is_literal, "isiri": is_iri, "isuri": is_iri, "isblank": is_blank}
        return test[name](args[0][1])

    def _comparison(self, left: tuple[str, str], op: str, right: tuple[str, str]) -> str:
        if left[0] == "number":
            left, right = right, left
        if right[0] == "number":
            if left[0] != "column":
                raise self._fail(f"a comparison of {left[1]!r} with a number")
            inside = f"{left[1]} IN (SELECT id FROM {NUMBERS} WHERE value = {right[1]})"
            # A term that is no number makes the comparison an error, and the filter false.
            return (
                inside
                if op == "="
                else (f"({left[1]} IN (SELECT id FROM {NUMBERS}) AND NOT {inside})")
            )
        if "condition" in (left[0], right[0]):
            raise self._fail("a comparison of a condition")
        # Between IRIs (the only use in the rules) `=` is sameness of terms.
        return f"{left[1]} {'=' if op == '=' else '<>'} {right[1]}"
