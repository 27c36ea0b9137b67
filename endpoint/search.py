"""/search: entities by label and the sources' sentences by text, ranked, from an index of
every label and quote kept for one dataset version (bench/search.py measures it at 1M)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, request

from endpoint.browse import LABEL, select_rows
from endpoint.pages import render, shown_term
from endpoint.services import answer_cache, services

bp = Blueprint("search", __name__)

#: Results a search shows of each kind.
SEARCH_LIMIT = 25


class Texts:
    """Texts folded to lower case, joined into one string, so that finding which ones hold a
    word is a few calls of str.find (in C) instead of a Python loop over every text."""

    def __init__(self, entries: list[tuple[str, ox.NamedNode, str]]):
        self.entries = entries  # (folded, resource, text)
        self.starts: list[int] = []
        parts, at = [], 0
        for folded, _, _ in entries:
            self.starts.append(at)
            parts.append(folded)
            at += len(folded) + 1
        self.joined = "\n".join(parts)

    def holding(self, word: str) -> set[int]:
        """The indexes of the texts that contain `word`."""
        found, at = set(), self.joined.find(word)
        while at >= 0:
            index = bisect.bisect_right(self.starts, at) - 1
            found.add(index)
            at = self.joined.find(
                word, self.starts[index + 1] if index + 1 < len(self.starts) else len(self.joined)
            )
        return found

    def matching(self, words: list[str]) -> list[tuple[str, ox.NamedNode, str]]:
        """The entries that contain every word, rarest word first."""
        candidates: set[int] | None = None
        for word in sorted(words, key=len, reverse=True):
            held = (
                self.holding(word)
                if candidates is None
                else {i for i in candidates if word in self.entries[i][0]}
            )
            candidates = held
            if not candidates:
                return []
        return [self.entries[i] for i in sorted(candidates or ())]


@dataclass(frozen=True)
class SearchIndex:
    """Labels of every resource and the quotes of every claim, folded to lower case, for one
    dataset version; built at the first search after a write."""

    version: str
    labels: Texts
    quotes: Texts


def search_index() -> SearchIndex:
    version = answer_cache().version
    held = services().search_index
    if held is not None and held.version == version:
        return held
    labels = [
        (row["l"].value.casefold(), row["s"], row["l"].value)
        for row in select_rows(
            f"SELECT DISTINCT ?s ?l WHERE {{ ?s <{LABEL}> ?l FILTER(isIRI(?s)) }}"
        )
    ]
    quotes = [
        (row["q"].value.casefold(), row["c"], row["q"].value)
        for row in select_rows("SELECT DISTINCT ?c ?q WHERE { ?c akg:quote ?q }")
    ]
    index = SearchIndex(version, Texts(labels), Texts(quotes))
    services().search_index = index
    return index


def rank(folded: str, words: list[str], phrase: str) -> int | None:
    """How well a text matches: the whole phrase exactly, at the start, at a word's start, or
    inside; else every word somewhere. None if it does not match."""
    if folded == phrase:
        return 0
    if folded.startswith(phrase):
        return 1
    if re.search(r"\b" + re.escape(phrase), folded):
        return 2
    if phrase in folded:
        return 3
    if all(word in folded for word in words):
        return 4
    return None


def search_results(text: str) -> tuple[list[dict], list[dict]]:
    """(entities, sentences) matching `text`, best first."""
    phrase = " ".join(text.casefold().split())
    words = phrase.split()
    if not words:
        return [], []
    index = search_index()
    found: dict[ox.NamedNode, tuple[int, int, str]] = {}
    for folded, resource, label in index.labels.matching(words):
        score = rank(folded, words, phrase)
        if score is not None:
            key = (score, len(label), label)
            if resource not in found or key < found[resource]:
                found[resource] = key
    entities = [
        {**shown_term(resource, ox.Literal(key[2])), "iri": resource.value}
        for resource, key in sorted(found.items(), key=lambda item: item[1])[:SEARCH_LIMIT]
    ]
    sentences = []
    for folded, claim, quote in index.quotes.matching(words):
        score = rank(folded, words, phrase)
        if score is not None:
            sentences.append((min(score, 3), quote, claim))
    sentences.sort(key=lambda item: (item[0], item[1]))
    shown = [
        {"claim": shown_term(claim), "parts": _highlighted(quote, words)}
        for _, quote, claim in sentences[:SEARCH_LIMIT]
    ]
    return entities, shown


def _highlighted(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """The text in pieces, each marked whether it is one of the words searched for."""
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.I)
    pieces, at = [], 0
    for match in pattern.finditer(text):
        pieces += [(text[at : match.start()], False), (match.group(), True)]
        at = match.end()
    return [*pieces, (text[at:], False)]


@bp.route("/search")
def search() -> Response:
    """Entities by label and the sources' sentences by text."""
    text = request.args.get("q", "").strip()
    entities, sentences = search_results(text) if text else ([], [])
    title = f"Search: {text}" if text else "Search"
    view = {"text": text, "entities": entities, "sentences": sentences}
    return render("search.html", title, query=text, **view)
