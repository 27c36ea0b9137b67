"""Every format the project reads and writes, in one place, derived from pyoxigraph's own
`RdfFormat` and `QueryResultsFormat` (their media types and file extensions), as the Oxigraph
server negotiates from its format types.

A `MediaType` is one representation a client can ask for: its short name (`?format=ttl`,
`--format ttl`), its media type and the other media types that mean it in an Accept header, and
the pyoxigraph format that writes it. The tables below are in the server's order of preference:
the first of each is the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph.errors import InvalidInput


@dataclass(frozen=True)
class MediaType:
    name: str  # the short name, as in ?format= and --format
    mime: str
    aliases: tuple[str, ...] = ()
    label: str = ""  # for people: "Turtle", "SPARQL JSON"
    rdf: ox.RdfFormat | None = field(default=None, compare=False)
    results: ox.QueryResultsFormat | None = field(default=None, compare=False)

    @property
    def extension(self) -> str | None:
        """The file extension of a download in this format (`.ttl`, `.rdf`, `.srj`)."""
        written = self.rdf or self.results
        return written.file_extension if written else None


def _rdf(name: str, fmt: ox.RdfFormat, *aliases: str) -> MediaType:
    return MediaType(name, fmt.media_type, aliases, fmt.name, rdf=fmt)


def _results(name: str, label: str, fmt: ox.QueryResultsFormat, *aliases: str) -> MediaType:
    # pyoxigraph names the charset of the textual formats; the type without it is what
    # clients put in Accept and what Flask gets as the mimetype (it adds the charset itself).
    return MediaType(name, fmt.media_type.split(";")[0].strip(), aliases, label, results=fmt)


#: Pages for browsers, offered beside the RDF and results formats.
HTML = MediaType("html", "text/html", ("application/xhtml+xml",), "table")
#: Plain JSON (explanations, the saved-query listing).
JSON = MediaType("json", "application/json", label="JSON")
#: A saved SELECT query's rows as a JSON array of objects, by the plain JSON media type, as an
#: API client (or one generated from the OpenAPI document) asks for JSON; SPARQL JSON has a
#: type of its own.
ROWS = MediaType("rows", "application/json", label="JSON rows")

TURTLE = _rdf("ttl", ox.RdfFormat.TURTLE, "application/x-turtle")
N_TRIPLES = _rdf("nt", ox.RdfFormat.N_TRIPLES, "text/plain")
RDF_XML = _rdf("rdfxml", ox.RdfFormat.RDF_XML, "application/xml", "text/xml")
JSON_LD = _rdf("jsonld", ox.RdfFormat.JSON_LD, "application/json")
TRIG = _rdf("trig", ox.RdfFormat.TRIG)
N_QUADS = _rdf("nq", ox.RdfFormat.N_QUADS)
N3 = _rdf("n3", ox.RdfFormat.N3)

SPARQL_JSON = _results("json", "SPARQL JSON", ox.QueryResultsFormat.JSON, "application/json")
SPARQL_XML = _results("xml", "SPARQL XML", ox.QueryResultsFormat.XML, "application/xml", "text/xml")
CSV = _results("csv", "CSV", ox.QueryResultsFormat.CSV)
TSV = _results("tsv", "TSV", ox.QueryResultsFormat.TSV)

#: SELECT and ASK results.
RESULT_TYPES = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
#: CONSTRUCT and DESCRIBE results, graphs and entity descriptions.
GRAPH_TYPES = (TURTLE, N_TRIPLES, RDF_XML, JSON_LD)
#: Datasets (several graphs): exports and dumps.
DATASET_TYPES = (TRIG, N_QUADS, JSON_LD)
#: What a body sent to the Graph Store or a file loaded may be written in.
READABLE_TYPES = (TURTLE, N_TRIPLES, RDF_XML, JSON_LD, N3, N_QUADS, TRIG)
#: Every format written, by short name (`xml` is SPARQL XML; `rdfxml` is RDF/XML).
WRITTEN = {m.name: m for m in (*RESULT_TYPES, *GRAPH_TYPES, *DATASET_TYPES)}

#: Other names clients use for a format (SPARQLWrapper's `output`, Fuseki's `format`).
NAME_ALIASES = {
    "turtle": "ttl",
    "n3": "ttl",
    "ntriples": "nt",
    "n-triples": "nt",
    "json-ld": "jsonld",
    "rdf": "rdfxml",
    "rdf/xml": "rdfxml",
}

#: File extensions read beside those pyoxigraph knows: ontologies are often saved as .owl.
_MORE_EXTENSIONS = {"owl": ox.RdfFormat.RDF_XML}
#: Every extension a file may have, for the error that names them.
READ_EXTENSIONS = tuple(
    sorted({m.rdf.file_extension for m in READABLE_TYPES} | {*_MORE_EXTENSIONS, "xml", "json"})
)
#: rdflib's names of the formats, for the checks that parse with rdflib (SHACL).
RDFLIB_NAMES = {
    ox.RdfFormat.N_TRIPLES: "nt",
    ox.RdfFormat.N_QUADS: "nquads",
    ox.RdfFormat.TURTLE: "turtle",
    ox.RdfFormat.TRIG: "trig",
    ox.RdfFormat.RDF_XML: "xml",
    ox.RdfFormat.JSON_LD: "json-ld",
    ox.RdfFormat.N3: "n3",
}


def by_name(name: str, offered: tuple[MediaType, ...]) -> MediaType | None:
    return next((m for m in offered if m.name == name), None)


def named(names: list[str] | tuple[str, ...] | str) -> tuple[MediaType, ...]:
    """The written formats of these short names, in their order."""
    return tuple(WRITTEN[n] for n in ([names] if isinstance(names, str) else names))


def readable(content_type: str) -> ox.RdfFormat | None:
    """The RDF format a body of this Content-Type is in, if the project reads it."""
    mime = content_type.split(";")[0].strip().lower()
    return next((m.rdf for m in READABLE_TYPES if m.mime == mime), None)


def file_format(path: Path) -> ox.RdfFormat:
    """The format of a file from its extension, looking through a final `.gz`."""
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    found = _MORE_EXTENSIONS.get(extension) or (
        ox.RdfFormat.from_extension(extension) if extension else None
    )
    if found is None:
        known = ", ".join(READ_EXTENSIONS)
        raise InvalidInput(f"{path}: unknown RDF format (extensions: {known}, each optionally .gz)")
    return found
