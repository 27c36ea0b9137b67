"""The OpenAPI 3.1 description of the saved-queries API, generated from the saved queries.

Each saved query is one operation, `GET /api/queries/NAME`, with its parameters (type, whether
required, default, an example), the shared parameters (`format`, `dataset`, `page` where the
query is paginated) and its responses in every format the endpoint negotiates.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from graph.formats import CSV, GRAPH_TYPES, HTML, JSON, RESULT_TYPES, ROWS, SPARQL_JSON
from graph.saved_queries import Parameter, SavedQuery
from graph.sparql_text import query_form
from graph.store import DATASET_VIEWS
from graph.terms import BARE_SCHEMES, expand_iri
from ontology import PREFIXES

TEXT = {"text/plain": {"schema": {"type": "string"}}}
RESULT_FORMATS = (*(m.name for m in RESULT_TYPES), HTML.name, ROWS.name)
GRAPH_FORMATS = (*(m.name for m in GRAPH_TYPES), HTML.name)
#: What an IRI parameter takes, as far as a pattern can say it: a prefixed name with one of
#: the project's prefixes (`id:Japan`), or an absolute IRI with `//` (a fragment allowed:
#: `https://w3id.org/alliance-kg/ontology#Planned`), or one of the schemes written without
#: `//` (`urn:...`). The server also takes `<...>` around any IRI.
IRI_PATTERN = (
    rf"^(?:(?:{'|'.join(PREFIXES)}):[A-Za-z0-9._~-]*"
    r"|[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~/-]*)?(?:#[A-Za-z0-9._~-]*)?"
    rf"|(?:{'|'.join(sorted(BARE_SCHEMES))}):[A-Za-z0-9._~:/-]+)$"
)
#: An example for parameters whose query gives none (no `examples` or `defaults` entry).
GENERIC_EXAMPLES = {
    "iri": "id:Japan",
    "literal": "Japan",
    "integer": 1,
    "number": 1.5,
    "lang": "Japan",
}
XSD_SCHEMAS = {
    "date": ({"type": "string", "format": "date"}, "2024-04-10"),
    "dateTime": ({"type": "string", "format": "date-time"}, "2024-04-10T12:00:00Z"),
    "gYear": ({"type": "string", "pattern": "^-?[0-9]{4,}$"}, "1960"),
    "boolean": ({"type": "boolean"}, True),
    "integer": ({"type": "integer"}, 1),
    "decimal": ({"type": "number"}, 1.5),
}


def openapi_document(
    saved: dict[str, SavedQuery],
    server: str,
    enumerations: dict[str, dict[str, list]] | None = None,
    max_page: int = 1_000_000,
) -> dict:
    """`enumerations`: per query, the values found for the parameters its `enumerate` names;
    `max_page`: the last page number the server accepts."""
    paths: dict = {"/api/queries": {"get": _listing_operation()}}
    for name, query in saved.items():
        choices = (enumerations or {}).get(name, {})
        operation = _operation(query, choices, max_page)
        paths[f"/api/queries/{name}"] = {"get": operation}
        if query_form(query.text) == "SELECT":
            for representation in REPRESENTATIONS:
                paths[f"/api/queries/{name}/{representation}"] = {
                    "get": _representation(operation, representation)
                }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "alliance-kg saved queries",
            "version": _version(),
            "summary": "The competency questions of the alliance-kg knowledge graph, by name.",
            "description": (
                "Each saved query is a SPARQL query over the knowledge graph of the article "
                "'The strategic alliance relationship' (Nhân Dân, 13 April 2024). Parameter "
                "values are bound as typed RDF terms, never spliced into the query text; a value "
                "of the wrong type is a 400 that names the parameter. Answers carry an ETag and "
                "honour If-None-Match."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {"schemas": SCHEMAS, "responses": RESPONSES},
    }


def _operation(query: SavedQuery, choices: dict[str, list], max_page: int) -> dict:
    is_graph = query_form(query.text) in ("CONSTRUCT", "DESCRIBE")
    parameters = [_parameter(query, p, choices.get(p.name)) for p in query.parameters]
    formats = GRAPH_FORMATS if is_graph else RESULT_FORMATS
    parameters.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "The result format, instead of the Accept header "
            + ("" if is_graph else "(`rows`: a JSON array of objects, one per row)"),
            "schema": {"type": "string", "enum": list(formats)},
        }
    )
    parameters.append(
        {
            "name": "dataset",
            "in": "query",
            "required": False,
            "description": "The graphs the query sees: all (the default), asserted facts only, "
            "inferred triples only, or the ontology.",
            "schema": {"type": "string", "enum": list(DATASET_VIEWS), "default": "all"},
        }
    )
    if query.pagination:
        parameters.append(
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": f"The page of results, {query.pagination} rows each; the "
                "response's Link header names the first, previous and next pages. `all`: "
                "every row, in one answer.",
                "schema": {
                    "oneOf": [
                        {"type": "integer", "minimum": 1, "maximum": max_page},
                        {"type": "string", "enum": ["all"]},
                    ],
                    "default": 1,
                },
            }
        )
    return {
        "operationId": _operation_id(query.name),
        "summary": query.summary or query.name,
        "description": query.description or query.summary,
        "tags": list(query.tags) or ["queries"],
        "parameters": parameters,
        "responses": {
            "200": _graph_response() if is_graph else _results_response(),
            "304": {"$ref": "#/components/responses/NotModified"},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "406": {"$ref": "#/components/responses/NotAcceptable"},
            "503": {"$ref": "#/components/responses/Stopped"},
        },
    }


#: The SELECT queries' answers as operations of their own, one media type each, so that a client
#: generated from this document (which parses one type per operation) can ask for each.
REPRESENTATIONS = {
    "rows": (ROWS.mime, {"$ref": "#/components/schemas/Rows"}, "as JSON rows"),
    "csv": (CSV.mime, {"type": "string"}, "as CSV (lexical forms)"),
}


def _representation(operation: dict, representation: str) -> dict:
    """The query's operation answering in one representation, without the `format` choice."""
    media, schema, words = REPRESENTATIONS[representation]
    ok = operation["responses"]["200"]
    return {
        **operation,
        "operationId": f"{operation['operationId']}{representation.capitalize()}",
        "summary": f"{operation['summary']} ({words})",
        "parameters": [p for p in operation["parameters"] if p["name"] != "format"],
        "responses": {
            **operation["responses"],
            "200": {**ok, "content": {media: {"schema": schema}}},
        },
    }


def _parameter(query: SavedQuery, parameter: Parameter, choices: list | None) -> dict:
    schema, generic = _schema(parameter)
    if choices:
        values = [_typed(c, schema) for c in choices]
        if parameter.kind == "iri":  # the prefixed names and the full IRIs alike
            values += [expand_iri(v).value for v in values]
        schema = {**schema, "enum": list(dict.fromkeys(values))}
        generic = schema["enum"][0]
    description = parameter.description()
    default = query.defaults.get(parameter.name)
    if default is not None:
        schema = {**schema, "default": _typed(default, schema)}
    example = query.examples.get(parameter.name, default)
    return {
        "name": parameter.name,
        "in": "query",
        "required": parameter.required and default is None,
        "description": description,
        "schema": schema,
        "example": _typed(example, schema) if example is not None else generic,
    }


def _schema(parameter: Parameter) -> tuple[dict, object]:
    if parameter.kind == "xsd":
        local = (parameter.datatype or "").rsplit("#", 1)[-1]
        schema, example = XSD_SCHEMAS.get(local, ({"type": "string"}, "text"))
        return dict(schema), example
    schema = {
        "integer": {"type": "integer"},
        "number": {"type": "number"},
        "iri": {"type": "string", "pattern": IRI_PATTERN},
    }.get(parameter.kind, {"type": "string"})
    return dict(schema), GENERIC_EXAMPLES[parameter.kind]


def _typed(value: str, schema: dict) -> object:
    if schema.get("type") == "integer":
        return int(value)
    if schema.get("type") == "number":
        return float(value)
    return value


def _results_response() -> dict:
    return {
        "description": "The query's results, in the negotiated format.",
        "headers": {"ETag": _etag_header(), "Link": _link_header()},
        "content": {
            SPARQL_JSON.mime: {"schema": {"$ref": "#/components/schemas/SparqlResults"}},
            # Plain JSON is the rows (`Accept: application/json` or `format=rows`); SPARQL
            # JSON has its own type, so a generated client can ask for either by Accept.
            ROWS.mime: {"schema": {"$ref": "#/components/schemas/Rows"}},
            **{m.mime: {"schema": {"type": "string"}} for m in (*RESULT_TYPES[1:], HTML)},
        },
    }


def _graph_response() -> dict:
    return {
        "description": "The constructed graph, in the negotiated RDF format.",
        "headers": {"ETag": _etag_header()},
        "content": {
            media: {"schema": {"type": "string"}}
            for media in (*(m.mime for m in GRAPH_TYPES), HTML.mime)
        },
    }


def _etag_header() -> dict:
    return {
        "description": "Names this answer at the current version of the dataset.",
        "schema": {"type": "string"},
    }


def _link_header() -> dict:
    return {
        "description": "For a paginated query: the first, previous and next pages (RFC 8288).",
        "schema": {"type": "string"},
    }


def _listing_operation() -> dict:
    return {
        "operationId": "listSavedQueries",
        "summary": "The saved queries, with their parameters",
        "tags": ["queries"],
        "responses": {
            "200": {
                "description": "Every saved query (JSON, or an HTML page for browsers).",
                "content": {
                    JSON.mime: {
                        "schema": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/SavedQuery"},
                        }
                    },
                    HTML.mime: {"schema": {"type": "string"}},
                },
            }
        },
    }


def _operation_id(name: str) -> str:
    words = name.replace("_", "-").split("-")
    return words[0] + "".join(w.capitalize() for w in words[1:])


def _version() -> str:
    try:
        return version("alliance-kg")
    except PackageNotFoundError:
        return "0"


TERM = {
    "type": "object",
    "required": ["type", "value"],
    "properties": {
        "type": {"enum": ["uri", "literal", "bnode", "triple"]},
        "value": {},
        "datatype": {"type": "string"},
        "xml:lang": {"type": "string"},
    },
}

SCHEMAS = {
    "SparqlResults": {
        "description": "SPARQL 1.1 Query Results JSON Format.",
        "type": "object",
        "required": ["head"],
        "properties": {
            "head": {
                "type": "object",
                "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
            },
            "results": {
                "type": "object",
                "required": ["bindings"],
                "properties": {
                    "bindings": {
                        "type": "array",
                        "items": {"type": "object", "additionalProperties": TERM},
                    }
                },
            },
            "boolean": {"type": "boolean"},
        },
    },
    "Rows": {
        "description": "One object per solution: each variable's value as a JSON number for "
        "a numeric literal (integer for xsd:integer and its subtypes), a boolean for an "
        "xsd:boolean, otherwise its string (an IRI, a lexical form), null when unbound. The "
        "lexical forms and datatypes are in the SPARQL JSON and CSV formats.",
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": {"type": ["string", "number", "integer", "boolean", "null"]},
        },
    },
    "SavedQuery": {
        "type": "object",
        "required": ["name", "summary", "url", "parameters"],
        "properties": {
            "name": {"type": "string"},
            "summary": {"type": "string"},
            "description": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "url": {"type": "string"},
            "parameters": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "type", "required"],
                    "properties": {
                        "name": {"type": "string"},
                        "type": {"type": "string"},
                        "required": {"type": "boolean"},
                        "default": {"type": ["string", "null"]},
                    },
                },
            },
        },
    },
}

RESPONSES = {
    "NotModified": {"description": "The client's copy (If-None-Match) is current."},
    "BadRequest": {
        "description": "A parameter value of the wrong type, an unknown parameter or format; "
        "the message names it.",
        "content": TEXT,
    },
    "NotAcceptable": {
        "description": "None of the accepted media types can be produced.",
        "content": TEXT,
    },
    "Stopped": {
        "description": "The query passed the server's time limit and was stopped.",
        "content": TEXT,
    },
}
