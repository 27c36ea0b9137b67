"""Pages for finding one's way around the graph: browse by class and property, the entities
A to Z, the sources with their claims in article order, the saved queries and the data (search
is endpoint/search.py).

Each view builds plain data (a view model: lists of dicts of strings and numbers) from a few
SPARQL queries, the labels of every term it shows fetched with it, and a template renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, request

from endpoint.errors import HTTPError
from endpoint.pages import entity_space, labels_of, render, shown_term
from endpoint.services import store
from graph.saved_queries import load_saved_queries
from graph.sources import DEFAULT_SOURCES_DIR
from graph.terms import compact
from queries import QUERIES_DIR

bp = Blueprint("browse", __name__)

#: Rows on a page of instances, uses or entities.
PAGE_SIZE = 50
#: Entities on the A-Z page before it shows one letter at a time.
ALL_AT_ONCE = 400

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def labelled(term: str, label: str = "?l") -> str:
    """The pattern binding `label` to an English (or untagged) label of `term`, if it has one:
    with SAMPLE() and GROUP BY, one row per term."""
    return (
        f"OPTIONAL {{ {term} <{LABEL}> {label} "
        f"FILTER(LANGMATCHES(LANG({label}), 'en') || LANG({label}) = '') }}"
    )


def select_rows(sparql: str) -> list[ox.QuerySolution]:
    return list(store().query(sparql, view="all"))


def as_csv(sparql: str) -> list[dict]:
    """A page's machine-readable twin: the query that made it, answered as CSV."""
    href = "/sparql?" + urlencode({"query": sparql, "format": "csv"})
    return [{"href": href, "type": "text/csv", "title": "CSV"}]


def _iri_argument() -> ox.NamedNode:
    iri = request.args.get("iri", "")
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise HTTPError(400, f"iri must be an absolute IRI, got {iri!r}") from None


def _page_number() -> int:
    value = request.args.get("page", "1")
    if not value.isdigit() or int(value) < 1:
        raise HTTPError(400, f"page must be a whole number from 1, got {value!r}")
    return int(value)


def _pager(page: int, total: int, **params) -> dict:
    last = max(1, -(-total // PAGE_SIZE))

    def link(number: int) -> str:
        return "?" + urlencode({**params, "page": number})

    return {
        "page": page,
        "last": last,
        "total": total,
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < last else None,
    }


@bp.route("/browse")
def browse() -> Response:
    """The classes with their instance counts and the properties with their uses."""
    classes_query = (
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) (SAMPLE(?l) AS ?label) WHERE { ?s a ?c "
        + labelled("?c")
        + " } GROUP BY ?c ORDER BY DESC(?n) ?c"
    )
    classes = select_rows(classes_query)
    properties = select_rows(
        "SELECT ?p (COUNT(*) AS ?n) (SAMPLE(?l) AS ?label) WHERE { ?s ?p ?o "
        + labelled("?p")
        + " } GROUP BY ?p ORDER BY DESC(?n) ?p"
    )
    view = {
        "classes": [
            {
                **shown_term(row["c"], row["label"]),
                "count": int(row["n"].value),
                "instances": "/browse/class?" + urlencode({"iri": row["c"].value}),
            }
            for row in classes
            if isinstance(row["c"], ox.NamedNode)
        ],
        "properties": [
            {
                **shown_term(row["p"], row["label"]),
                "count": int(row["n"].value),
                "uses": "/browse/property?" + urlencode({"iri": row["p"].value}),
            }
            for row in properties
        ],
    }
    return render("browse.html", "Browse the graph", alternates=as_csv(classes_query), **view)


@bp.route("/browse/class")
def class_instances() -> Response:
    """A class's instances with their labels, a page at a time."""
    cls, page = _iri_argument(), _page_number()
    total = int(
        select_rows(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a {cls} }}")[0]["n"].value
    )
    instances = (
        f"SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{ ?s a {cls} "
        + labelled("?s")
        + " } GROUP BY ?s ORDER BY LCASE(COALESCE(STR(?label), STR(?s)))"
    )
    rows = select_rows(f"{instances} LIMIT {PAGE_SIZE} OFFSET {(page - 1) * PAGE_SIZE}")
    label = labels_of({cls}).get(cls)
    view = {
        "cls": shown_term(cls, label),
        "instances": [shown_term(row["s"], row["label"]) for row in rows],
        "pager": _pager(page, total, iri=cls.value),
    }
    title = f"Instances of {label or compact(cls)}"
    return render("class.html", title, alternates=as_csv(instances), **view)


@bp.route("/browse/property")
def property_uses() -> Response:
    """A property's uses (subject, value) with labels, a page at a time."""
    prop, page = _iri_argument(), _page_number()
    total = int(select_rows(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {prop} ?o }}")[0]["n"].value)
    uses = (
        f"SELECT ?s ?o (SAMPLE(?ls) AS ?slabel) (SAMPLE(?lo) AS ?olabel) WHERE {{ ?s {prop} ?o "
        + labelled("?s", "?ls")
        + labelled("?o", "?lo")
        + " } GROUP BY ?s ?o ORDER BY LCASE(COALESCE(STR(?slabel), STR(?s))) ?o"
    )
    rows = select_rows(f"{uses} LIMIT {PAGE_SIZE} OFFSET {(page - 1) * PAGE_SIZE}")
    label = labels_of({prop}).get(prop)
    view = {
        "prop": shown_term(prop, label),
        "uses": [
            {"subject": shown_term(r["s"], r["slabel"]), "value": shown_term(r["o"], r["olabel"])}
            for r in rows
        ],
        "pager": _pager(page, total, iri=prop.value),
    }
    title = f"Uses of {label or compact(prop)}"
    return render("property.html", title, alternates=as_csv(uses), **view)


@bp.route("/entities")
def entities() -> Response:
    """The graph's own entities A to Z, by label; one letter at a time when there are many."""
    query = (
        f"SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{ ?s <{LABEL}> ?l "
        f'FILTER(STRSTARTS(STR(?s), "{entity_space()}")) '
        "FILTER(LANGMATCHES(LANG(?l), 'en') || LANG(?l) = '') } GROUP BY ?s"
    )
    rows = select_rows(query)
    by_letter: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda r: r["label"].value.casefold()):
        letter = _letter(row["label"].value)
        by_letter.setdefault(letter, []).append(shown_term(row["s"], row["label"]))
    letters = sorted(by_letter, key=lambda x: (x == "#", x))
    chosen = request.args.get("letter")
    if chosen is None and len(rows) > ALL_AT_ONCE and letters:
        chosen = letters[0]
    if chosen is not None and chosen not in by_letter:
        raise HTTPError(404, f"no entity's label starts with {chosen!r}")
    shown = [(chosen, by_letter[chosen])] if chosen else [(x, by_letter[x]) for x in letters]
    view = {"letters": letters, "chosen": chosen, "groups": shown, "total": len(rows)}
    twin = as_csv(query + " ORDER BY LCASE(STR(?label))")
    return render("entities.html", "Entities A to Z", section="/browse", alternates=twin, **view)


def _letter(label: str) -> str:
    first = label[:1].upper()
    return first if first.isalpha() else "#"


@bp.route("/sources")
def sources() -> Response:
    """The sources, each with its claims in the order of its text: the claim's quote in its
    paragraph, its modality, who it is attributed to and the entities it names."""
    documents = select_rows(
        "SELECT ?src (SAMPLE(?t) AS ?title) (SAMPLE(?f) AS ?file) (SAMPLE(?pl) AS ?publisher) "
        "WHERE { ?src a akg:SourceDocument OPTIONAL { ?src dcterms:title ?t } "
        "OPTIONAL { ?src akg:textFile ?f } "
        f"OPTIONAL {{ ?src dcterms:publisher ?pub . ?pub <{LABEL}> ?pl }} }} GROUP BY ?src"
    )
    claims_query = (
        "SELECT ?src ?claim ?quote (SAMPLE(?m) AS ?modality) (SAMPLE(?wl) AS ?who) WHERE { "
        "?claim akg:source ?src ; akg:quote ?quote . OPTIONAL { ?claim akg:modality ?m } "
        f"OPTIONAL {{ ?claim akg:attributedTo ?w . ?w <{LABEL}> ?wl }} }} "
        "GROUP BY ?src ?claim ?quote"
    )
    claims = select_rows(claims_query)
    named = select_rows(
        f"SELECT DISTINCT ?claim ?e (SAMPLE(?l) AS ?label) WHERE {{ ?claim akg:source ?src . "
        "GRAPH ?claim { { ?e ?p ?o } UNION { ?s ?p ?e } } "
        f'FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{entity_space()}")) '
        + labelled("?e")
        + " } GROUP BY ?claim ?e ORDER BY ?label"
    )
    entities: dict[ox.NamedNode, list[dict]] = {}
    for row in named:
        entities.setdefault(row["claim"], []).append(shown_term(row["e"], row["label"]))
    view = []
    for doc in sorted(documents, key=lambda d: str(d["title"] or d["src"])):
        text = _text_of(doc["file"])
        own = [c for c in claims if c["src"] == doc["src"]]
        own.sort(key=lambda c: _position(text, c["quote"].value))
        view.append(
            {
                "source": shown_term(doc["src"], doc["title"]),
                "publisher": doc["publisher"].value if doc["publisher"] else None,
                "claims": [
                    {
                        "claim": shown_term(c["claim"]),
                        "context": _in_context(text, c["quote"].value),
                        "modality": compact(c["modality"]) if c["modality"] else None,
                        "who": c["who"].value if c["who"] else None,
                        "entities": entities.get(c["claim"], []),
                    }
                    for c in own
                ],
            }
        )
    return render("sources.html", "Sources", documents=view, alternates=as_csv(claims_query))


def _text_of(file: ox.Literal | None) -> str:
    """A source's text, from the project's sources folder (empty if it is not there)."""
    if file is None:
        return ""
    path = DEFAULT_SOURCES_DIR / file.value
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _position(text: str, quote: str) -> int:
    found = text.find(quote)
    return found if found >= 0 else len(text)


@dataclass
class Context:
    before: str
    quote: str
    after: str


def _in_context(text: str, quote: str) -> Context:
    """The quote within its paragraph of the source's text (the quote alone if not found)."""
    at = text.find(quote)
    if at < 0:
        return Context("", quote, "")
    start = text.rfind("\n\n", 0, at)
    end = text.find("\n\n", at + len(quote))
    start = 0 if start < 0 else start + 2
    end = len(text) if end < 0 else end
    return Context(text[start:at], quote, text[at + len(quote) : end])


# ------------------------------------------------------------------------------------ indexes


@bp.route("/queries")
def saved_queries() -> Response:
    """The saved queries: each one's question, parameters and tags."""
    listed = [
        {
            "name": saved.name,
            "summary": saved.summary,
            "description": saved.description,
            "tags": list(saved.tags),
            "parameters": [info.summary() for info in saved.parameter_info()],
        }
        for saved in load_saved_queries(QUERIES_DIR).values()
    ]
    alternates = [{"href": "/api/queries", "type": "application/json", "title": "JSON"}]
    return render("queries.html", "Saved queries", queries=listed, alternates=alternates)


@bp.route("/data")
def data() -> Response:
    """Everything there is to download or to point a client at."""
    dumps = [
        {"selection": selection, "files": [f"/dumps/{selection}.{ext}" for ext in DUMP_FORMATS]}
        for selection in ("all", "asserted", "inferred", "ontology")
    ]
    return render("data.html", "Data", dumps=dumps)


DUMP_FORMATS = ("nq", "trig", "ttl", "jsonld", "nq.gz")
