"""A small lexer for SPARQL text: enough structure to find a query's WHERE group and to split an
update into its operations, templates and patterns, without ever rewriting what is inside a term.

Strings, IRIs and comments are skipped as wholes, so that braces, semicolons and keywords inside
them are never mistaken for structure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from graph.errors import InvalidInput

IRI_REF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
WORD = re.compile(r"[A-Za-z0-9_?$:\-.\u00C0-\uFFFF]+")


@dataclass(frozen=True)
class Token:
    kind: str  # word, iri, string, block, semicolon, punct
    start: int
    end: int
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper()


def skip_string(text: str, i: int) -> int:
    """The offset just after the string literal starting at `i` (short or long form)."""
    quote = text[i] * 3 if text.startswith(text[i] * 3, i) else text[i]
    j = i + len(quote)
    while j < len(text):
        if text[j] == "\\":
            j += 2
        elif text.startswith(quote, j):
            return j + len(quote)
        else:
            j += 1
    return j


def iri_end(text: str, i: int) -> int | None:
    found = IRI_REF.match(text, i)
    return found.end() if found else None


def block_end(text: str, i: int) -> int:
    """The offset just after the `}` that closes the `{` at `i` (the end of the text if none)."""
    end = matching_end(text, i)
    return len(text) if end is None else end


def matching_end(text: str, i: int, opener: str = "{", closer: str = "}") -> int | None:
    """The offset just after the `closer` that closes the `opener` at `i`, skipping strings,
    IRIs and comments; None if it is never closed. The one bracket matcher of the project."""
    depth = 0
    j = i
    while j < len(text):
        ch = text[j]
        if ch == "#":
            newline = text.find("\n", j)
            j = len(text) if newline < 0 else newline
            continue
        if ch in "'\"":
            j = skip_string(text, j)
            continue
        if ch == "<" and (end := iri_end(text, j)):
            j = end
            continue
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return None


def tokens(text: str) -> Iterator[Token]:
    """Top-level tokens: a `{ ... }` group is one token of kind `block`."""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "#":
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
        elif ch in "'\"":
            end = skip_string(text, i)
            yield Token("string", i, end, text[i:end])
            i = end
        elif ch == "<" and (end := iri_end(text, i)):
            yield Token("iri", i, end, text[i:end])
            i = end
        elif ch == "{":
            end = block_end(text, i)
            yield Token("block", i, end, text[i:end])
            i = end
        elif ch == ";":
            yield Token("semicolon", i, i + 1, ";")
            i += 1
        elif found := WORD.match(text, i):
            yield Token("word", i, found.end(), found[0])
            i = found.end()
        else:
            yield Token("punct", i, i + 1, ch)
            i += 1


def where_group_start(text: str) -> int | None:
    """The offset just after the `{` that opens a query's WHERE group: the block after the WHERE
    keyword, or else (the short `SELECT * { ... }` form) the query's first block."""
    first = None
    after_where = False
    for token in tokens(text):
        if token.kind == "block":
            if after_where:
                return token.start + 1
            first = token.start + 1 if first is None else first
        after_where = token.kind == "word" and token.upper == "WHERE"
    return first


QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


#: The words of a text at every depth, in one scan: comments, strings (to their end or the
#: text's) and IRIs are matched as wholes and give no word; braces and other punctuation are
#: stepped over. The lexical rules of `tokens`, at a fraction of the cost of a walk of blocks.
WORDS_ANYWHERE = re.compile(
    r"#[^\n]*"
    r"|'''(?:\\.?|[^\\])*?(?:'''|\Z)"
    r'|"""(?:\\.?|[^\\])*?(?:"""|\Z)'
    r"|'(?:\\.?|[^\\'])*(?:'|\Z)"
    r'|"(?:\\.?|[^\\"])*(?:"|\Z)'
    rf"|{IRI_REF.pattern}"
    rf"|({WORD.pattern})",
    re.DOTALL,
)


#: Brackets, found by the lexical rules of WORDS_ANYWHERE: comments, strings and IRIs are
#: stepped over as wholes.
BRACKETS = re.compile(
    WORDS_ANYWHERE.pattern.replace(rf"|({WORD.pattern})", r"|([{}()\[\]])"), re.DOTALL
)
#: How deeply groups, expressions and lists may nest. pyoxigraph's parser and evaluator
#: recurse once per level, and a few hundred levels overflow a thread's stack: the process
#: dies. Hand-written queries stay far below this.
MAX_NESTING = 64


def nesting_depth(text: str) -> int:
    """The deepest nesting of braces, parentheses and brackets outside strings and IRIs."""
    depth = deepest = 0
    for bracket in BRACKETS.findall(text):
        if bracket in ("{", "(", "["):
            depth += 1
            deepest = max(deepest, depth)
        elif bracket:
            depth -= 1
    return deepest


def check_nesting(text: str, what: str = "query") -> None:
    """Refuse, as bad input, a text nested deeper than the engine can parse safely."""
    if len(text) > MAX_NESTING * 2 and (depth := nesting_depth(text)) > MAX_NESTING:
        raise InvalidInput(
            f"the {what} nests groups, expressions or lists {depth} levels deep; "
            f"this server takes at most {MAX_NESTING}"
        )


@lru_cache(maxsize=1024)
def all_words(text: str) -> frozenset[str]:
    """Every keyword or name of the text, at any depth of braces, upper-cased. Kept for the
    last texts seen: a server checks each request's query for words several times."""
    return frozenset(word.upper() for word in WORDS_ANYWHERE.findall(text) if word)


@lru_cache(maxsize=1024)
def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first of these words after the prologue."""
    for token in tokens(text):
        if token.kind == "word" and token.upper in QUERY_FORMS:
            return token.upper
    return None


def has_dataset_clause(text: str) -> bool:
    """Whether a query names its own dataset (FROM or FROM NAMED)."""
    return "FROM" in top_level_words(text)


def top_level_words(text: str) -> list[str]:
    """The query's keywords outside any group, upper-cased (solution modifiers among them)."""
    return [t.upper for t in tokens(text) if t.kind == "word"]


VARIABLE_NAME = re.compile(r"[?$]([A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)")


def star_in_query_order(text: str, names: list[str]) -> str | None:
    """For `SELECT *`, whose columns pyoxigraph gives in sorted order: the query with the star
    replaced by the same variables in the order they first appear in its text (as Jena and
    Virtuoso give them); None when the query is no SELECT * or the order is already that."""
    star = _outer_select_star(text)
    if star is None:
        return None
    position = {}
    for found in VARIABLE_NAME.finditer(text, star):
        position.setdefault(found[1], found.start())
    ordered = sorted(names, key=lambda name: position.get(name, len(text)))
    if ordered == names:
        return None
    return f"{text[:star]}{' '.join('?' + name for name in ordered)}{text[star + 1 :]}"


def _outer_select_star(text: str) -> int | None:
    """The offset of the `*` of the query's own SELECT *, if it is one."""
    seen_select = False
    for token in tokens(text):
        if token.kind == "word" and token.upper == "SELECT":
            seen_select = True
        elif seen_select and token.kind == "word" and token.upper in ("DISTINCT", "REDUCED"):
            continue
        elif seen_select:
            return token.start if token.kind == "punct" and token.text == "*" else None
    return None
