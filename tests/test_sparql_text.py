"""The SPARQL lexer: the words of a text, at every depth, never from strings, IRIs or comments."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.sparql_text import all_words, tokens


def words_by_blocks(text: str) -> frozenset[str]:
    """The definition: the word tokens of the text and, recursively, of each block's inside."""
    words, stack = set(), [text]
    while stack:
        for token in tokens(stack.pop()):
            if token.kind == "word":
                words.add(token.upper)
            elif token.kind == "block":
                stack.append(token.text[1:-1])
    return frozenset(words)


def test_words_come_from_every_depth_and_never_from_terms_or_comments():
    text = (
        'SELECT * WHERE { ?s ?p "SERVICE \\" load" . # SERVICE in a comment\n'
        " <urn:service:LOAD> ?q '''a ''SERVICE'' ''' "
        " OPTIONAL { ?s ?q ?o FILTER(rand() < 1) } } LIMIT 1"
    )
    assert all_words(text) == {"SELECT", "WHERE", "?S", "?P", "?Q", "?O", "OPTIONAL", "FILTER",
                               "RAND", "1", "LIMIT", "."}  # fmt: skip


fragments = st.sampled_from(
    ["SELECT", "service", "?x", "ex:p", "a.b", "1.5", ";", ".", ",", "(", ")", "<", "<urn:x>",
     "<urn:bad SERVICE>", '"LOAD"', "'load'", '"a\\"SERVICE"', "'it\\'s LOAD'", "'''x ' '' SERVICE'''",
     '"""x "" LOAD"""', "# LOAD comment\n", "#", "\n", " ", "'", '"', "\\", "é", "ÉTAT"]
)  # fmt: skip


@st.composite
def texts(draw, depth: int = 2) -> str:
    parts = draw(st.lists(fragments, max_size=8))
    if depth:
        inner = draw(st.lists(texts(depth - 1), max_size=2))
        parts += ["{" + t + "}" for t in inner]
    return " ".join(draw(st.permutations(parts)))


@settings(max_examples=300, deadline=None)
@given(texts())
def test_the_one_scan_finds_the_words_the_token_walk_finds(text):
    if tokens_balanced(text):
        assert all_words(text) == words_by_blocks(text)


def tokens_balanced(text: str) -> bool:
    """Whether every block closes: the walk drops a block's last character when it does not."""
    stack = [text]
    while stack:
        for token in tokens(stack.pop()):
            if token.kind == "block":
                if not token.text.endswith("}"):
                    return False
                stack.append(token.text[1:-1])
    return True


def test_brackets_inside_strings_and_iris_do_not_close_a_group():
    """One bracket matcher for the project (sparql_text.matching_end): a FILTER's parentheses
    and a NOT EXISTS group are matched past brackets in strings and comments."""
    from graph.reasoning.rule_files import _filter_clauses
    from graph.reasoning.sparql_engine import _not_exists_patterns
    from graph.sparql_text import matching_end

    where = 'FILTER (?x != ")") FILTER NOT EXISTS { ?a <urn:b> "}" # }\n }'
    assert _filter_clauses(where) == ['FILTER (?x != ")")', where[where.index("FILTER NOT") :]]
    assert _not_exists_patterns(where) == [where[where.index("{") :]]
    assert matching_end("{ open", 0) is None
