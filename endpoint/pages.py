"""HTML pages: the query page (YASGUI, served from this server) and results as a table. Nothing
is loaded from anywhere else, so they work offline; a Content-Security-Policy holds them to it."""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Response, current_app, has_app_context, render_template, request
from markupsafe import Markup

from graph.formats import GRAPH_TYPES, HTML, RESULT_TYPES, SPARQL_JSON, SPARQL_XML
from graph.saved_queries import load_saved_queries
from graph.terms import compact, display
from graph.version import package_version
from ontology import AKG, CLAIM, ID, PREFIXES
from queries import QUERIES_DIR

#: The sections every page's header links to, in order: (path, label).
NAV = (
    ("/", "Query"),
    ("/browse", "Browse"),
    ("/queries", "Saved queries"),
    ("/timeline", "Timeline"),
    ("/sources", "Sources"),
    ("/contradictions", "Contradictions"),
    ("/ontology", "Ontology"),
    ("/data", "Data"),
)


#: The query page's choice of result formats, HTML (a table) first.
QUERY_PAGE_FORMATS = (HTML, *RESULT_TYPES, *GRAPH_TYPES)
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DEFAULT_QUERY = (
    "SELECT ?state ?label WHERE {\n  ?state a akg:SovereignState ;\n         rdfs:label ?label .\n}"
)


#: Pages may load only what this server serves: no request leaves for the internet.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'self'"
)


def render(template: str, title: str, status: int = 200, **view) -> Response:
    """A page from its template (endpoint/templates/, autoescaped) in the site's layout:
    `view` is the plain data the template shows."""
    section = view.pop("section", None) or _section(request.path)
    alternates = view.pop("alternates", ())
    html = render_template(
        template,
        title=title,
        nav=NAV,
        section=section,
        version=package_version(),
        query=view.pop("query", None),
        alternates=alternates,
        **view,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    if alternates:  # the page's machine-readable twins, for clients that read headers
        response.headers["Link"] = ", ".join(
            f'<{quote(a["href"], safe="/?=&%#:+")}>; rel="alternate"; type="{a["type"]}"'
            for a in alternates
        )
    return response


def page(title: str, body: str, head: str = "", status: int = 200) -> Response:
    """A page whose body is HTML made by the caller (escaped there), in the site's layout."""
    return render("base.html", title, status, body=Markup(body), head=Markup(head))


def _section(path: str) -> str | None:
    """The header's section a path belongs to."""
    for href, _ in reversed(NAV):
        if href != "/" and (path == href or path.startswith(href + "/")):
            return href
    if path.startswith(("/page/", "/id/", "/explain")):
        return "/browse"
    if path.startswith(("/dumps", "/api/openapi")):
        return "/data"
    if path.startswith("/source/"):
        return "/sources"
    return "/" if path in ("/", "/sparql") else None


def query_page() -> Response:
    """YASGUI on /sparql, with the plain form for browsers without JavaScript."""
    asked = request.args.get("query")
    initial = json.dumps(
        {"query": asked, "example": DEFAULT_QUERY, "entities": entity_space(), "prefixes": PREFIXES}
    )
    view = {
        "text": asked or DEFAULT_QUERY,  # the predeclared prefixes need no PREFIX lines
        "formats": [(m.name, m.label) for m in QUERY_PAGE_FORMATS],
        "examples": [
            {
                "href": "/?" + urlencode({"query": saved.text}),
                "name": name,
                "summary": saved.summary,
            }
            for name, saved in load_saved_queries(QUERIES_DIR).items()
        ],
        # Inside <script type=application/json>: no "<" may end the element early.
        "initial": Markup(initial.replace("<", "\\u003c")),
        "head": Markup('<link rel="stylesheet" href="/static/yasgui/yasgui.min.css">'),
    }
    return render("query.html", "alliance-kg SPARQL endpoint", **view)


def results_page(results, text: str, is_graph: bool = False) -> Response:
    """A page of query results: a boolean, solutions, or (`is_graph`) an iterable of triples."""
    if is_graph:
        offered = GRAPH_TYPES
    elif isinstance(results, ox.QueryBoolean):
        offered = (SPARQL_JSON, SPARQL_XML)
    else:
        offered = RESULT_TYPES
    downloads = [
        {"href": "/sparql?" + urlencode({"query": text, "format": m.name}), "name": m.name}
        for m in offered
    ]
    view = {
        "table": Markup(results_table(results, is_graph)),
        "edit": "/?" + urlencode({"query": text}),
        "downloads": downloads,
    }
    alternates = [
        {"href": downloads[0]["href"], "type": offered[0].mime, "title": offered[0].label}
    ]
    return render("results.html", "Results", alternates=alternates, **view)


def results_table(results, is_graph: bool = False) -> str:
    """Results as HTML: a boolean, a table of solutions, or a table of triples, with how many
    rows; IRIs shown by their labels (all fetched in one query), their short forms beside."""
    if isinstance(results, ox.QueryBoolean):
        return f"<p>{'true' if bool(results) else 'false'}</p>"
    if is_graph:
        names = ["subject", "predicate", "object"]
        table = [(t.subject, t.predicate, t.object) for t in results]
    else:
        names = [v.value for v in results.variables]
        table = [tuple(row[n] for n in names) for row in results]
    labels = labels_of({term for row in table for term in row if term is not None})
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_cell(term, labels)}</td>" for term in row) + "</tr>"
        for row in table
    )
    noun = ("triple" if is_graph else "row") + ("" if len(table) == 1 else "s")
    count = f"<p class=count>{len(table)} {noun}</p>"
    return f"{count}<table><tr>{head}</tr>{rows}</table>"


def _cell(term, labels: dict) -> str:
    if term is None:
        return ""
    label = labels.get(term)
    if label is None:
        return term_link(term)
    href = local_href(term)
    return (
        f'<a href="{escape(href)}" title="{escape(term.value)}">{escape(label)}</a> '
        f"<small>{escape(short_name(term))}</small>"
    )


def labels_of(terms) -> dict:
    """The label of each IRI among `terms` (English first, else any), from one query."""
    iris = [t for t in terms if isinstance(t, ox.NamedNode)]
    if not iris or not has_app_context():
        return {}
    values = " ".join(str(t) for t in iris)
    from endpoint.services import services

    store = services().store
    rows = store.query(
        f"SELECT ?t ?l WHERE {{ VALUES ?t {{ {values} }} ?t <{LABEL.value}> ?l }}", view="all"
    )
    found: dict = {}
    for row in rows:
        label, english = row["l"], (row["l"].language or "").startswith("en")
        held = found.get(row["t"])
        if held is None or (english and not held[1]):
            found[row["t"]] = (label.value, english)
    return {term: text for term, (text, _) in found.items()}


def shown_term(term, label=None) -> dict:
    """A term for a template: `text` (its label if given, else its short name; a literal's
    value), `compact` (the short name), `href` (where this server shows it) and `label`."""
    if isinstance(label, ox.Literal):
        label = label.value
    if isinstance(term, ox.NamedNode):
        short = short_name(term)
        return {"text": label or short, "compact": short, "href": local_href(term), "label": label}
    text = term.value if isinstance(term, ox.Literal) else str(term)
    return {"text": label or text, "href": None, "label": label}


def rule_anchor(name: str) -> str:
    """Where /rules explains a rule: OWL 2 RL's by name, the project's by file name."""
    return "/rules#" + name.removesuffix(".rq").replace("/", "-")


def short_name(term) -> str:
    """A term in few characters: a prefixed name, `claim NAME` for a claim (no prefix names
    the claims), else as N-Triples."""
    short = compact(term) if isinstance(term, ox.NamedNode) else display(term)
    if short.startswith("<") and isinstance(term, ox.NamedNode) and term.value.startswith(CLAIM):
        return "claim " + term.value.rsplit("/", 1)[-1]
    return short


def entity_space() -> str:
    """The IRIs this server dereferences at /id/NAME: `<base IRI>id/` (`--base-iri`)."""
    if has_app_context():
        return current_app.config["SETTINGS"].base_iri + "id/"
    return ID


#: The IRI spaces the graph mints under its base IRI, each dereferenced at /KIND/NAME: entities,
#: source documents, claims (one named graph each) and fields of cooperation.
MINTED_KINDS = ("id", "source", "claim", "field")


def minted_base() -> str:
    """The base IRI the minted IRI spaces sit under (`--base-iri`)."""
    return entity_space()[: -len("id/")]


def minted(term) -> tuple[str, str] | None:
    """(kind, name) of an IRI the graph mints (`<base IRI>KIND/NAME`), or None."""
    if not isinstance(term, ox.NamedNode):
        return None
    base = minted_base()
    if not term.value.startswith(base):
        return None
    kind, _, name = term.value[len(base) :].partition("/")
    return (kind, name) if kind in MINTED_KINDS and name else None


def local_page(term) -> str | None:
    """Where this server serves an IRI the graph mints (/id/NAME, /claim/..., ...), or None."""
    found = minted(term)
    return f"/{found[0]}/{found[1]}" if found else None


def local_href(term: ox.NamedNode) -> str:
    """The link for an IRI: its page on this server if it is the graph's own, the ontology's
    terms their entry on the ontology page, else the IRI itself."""
    if term.value.startswith(AKG):
        return "/ontology#" + term.value[len(AKG) :]
    return local_page(term) or term.value


def term_link(term) -> str:
    """A term as HTML: the graph's own IRIs link to their pages on this server."""
    if isinstance(term, ox.NamedNode):
        href = local_href(term)
        return (
            f'<a href="{escape(href)}" title="{escape(term.value)}">{escape(short_name(term))}</a>'
        )
    return escape(display(term))
