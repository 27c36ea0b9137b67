"""Content negotiation: one pure function, and the tables of media types it chooses from."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class MediaType:
    name: str  # the short name, as in ?format=
    mime: str
    aliases: tuple[str, ...] = ()


#: Pages for browsers, offered beside the RDF and results formats.
HTML = MediaType("html", "text/html", ("application/xhtml+xml",))
#: Plain JSON (explanations, the saved-query listing).
JSON = MediaType("json", "application/json")

#: SELECT and ASK results; the first is the default.
RESULT_TYPES = (
    MediaType("json", "application/sparql-results+json", ("application/json",)),
    MediaType("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    MediaType("csv", "text/csv"),
    MediaType("tsv", "text/tab-separated-values"),
)
#: CONSTRUCT and DESCRIBE results and graphs; the first is the default.
GRAPH_TYPES = (
    MediaType("ttl", "text/turtle", ("application/x-turtle",)),
    MediaType("nt", "application/n-triples", ("text/plain",)),
    MediaType("rdfxml", "application/rdf+xml", ("application/xml", "text/xml")),
    MediaType("jsonld", "application/ld+json", ("application/json",)),
)
#: Datasets (several graphs).
DATASET_TYPES = (
    MediaType("trig", "application/trig"),
    MediaType("nq", "application/n-quads"),
    MediaType("jsonld", "application/ld+json", ("application/json",)),
)

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
RDF_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "trig": ox.RdfFormat.TRIG,
    "nq": ox.RdfFormat.N_QUADS,
}


def parse_accept(accept: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q-values, in the header's order."""
    ranges = []
    for part in (accept or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for field in fields[1:]:
            key, _, value = field.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q))
    return ranges


def negotiate(
    accept: str | None, offered: tuple[MediaType, ...], default: MediaType | None = None
) -> MediaType | None:
    """The offered type the client prefers most, or None if it accepts none of them.

    No Accept header (or an empty one) means the default. Among types the client weighs equally,
    the server's order decides; `type/*` and `*/*` match with their own q-values, and a more
    specific range overrides a wildcard.
    """
    ranges = parse_accept(accept)
    if not ranges:
        return default or offered[0]
    best, best_q = None, 0.0
    for media in offered:
        q = _quality(media, ranges)
        if q > best_q:
            best, best_q = media, q
    return best


def _quality(media: MediaType, ranges: list[tuple[str, float]]) -> float:
    """The q-value the most specific matching range gives this type (0 if none matches)."""
    found, specificity = 0.0, -1
    for mime in (media.mime, *media.aliases):
        major = mime.split("/")[0]
        for pattern, q in ranges:
            level = (
                2
                if pattern == mime
                else 1
                if pattern == f"{major}/*"
                else 0
                if pattern == "*/*"
                else -1
            )
            if level < 0:
                continue
            penalty = 0.0 if mime == media.mime else 0.001  # prefer the canonical name on ties
            if level > specificity or (level == specificity and q - penalty > found):
                found, specificity = max(0.0, q - penalty), level
    return found


def by_name(name: str, offered: tuple[MediaType, ...]) -> MediaType | None:
    return next((m for m in offered if m.name == name), None)
