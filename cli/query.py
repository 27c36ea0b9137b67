"""`alliance-kg query` and `alliance-kg queries`: SPARQL queries and the saved queries, from the
command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from cli.common import (
    graphs_option,
    open_store,
    print_table,
    stdout_console,
    store_option,
)
from cli.main import main
from graph.errors import InvalidInput
from graph.results import (
    DATASET_FORMATS,
    GRAPH_FORMATS,
    RESULT_FORMATS,
    is_graph_result,
    write_results,
)
from queries import QUERIES_DIR


@main.command("query")
@click.argument("query", required=False)
@click.option("--sparql", help="The query text, instead of a file or a saved query's name.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(
        ["table", *RESULT_FORMATS, *(f for f in GRAPH_FORMATS if f not in DATASET_FORMATS)]
    ),
    default="table",
    show_default=True,
    help="table, csv, tsv, json, xml (SELECT/ASK); ttl, nt, jsonld, rdfxml (CONSTRUCT/DESCRIBE).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A saved query's parameter; repeatable. IRIs may be prefixed names (id:Japan).",
)
@graphs_option
@store_option
def query_command(
    query: str | None,
    sparql: str | None,
    fmt: str,
    params: tuple[str, ...],
    graphs: str,
    store_path: Path,
) -> None:
    """Run a SPARQL query: a saved query's NAME, a FILE.rq, or --sparql TEXT.

    Prefixes akg:, id:, field:, rdfs:, owl:, skos:, schema:, prov:, dcterms: (and more) are
    predeclared.

    \b
    Examples:
      alliance-kg query alliance-members
      alliance-kg query fact-source --param s=id:US_Japan_Alliance --param p=akg:hasMember
      alliance-kg query my-query.rq --format csv
      alliance-kg query --sparql 'SELECT ?s WHERE { ?s a akg:SovereignState }' --format json
    """
    text = _resolve_query(query, sparql, params)
    store = open_store(store_path)
    results = store.query(text, view=graphs)
    output = _EndsWithNewline(sys.stdout.buffer)
    if fmt == "table":
        if is_graph_result(results):
            write_results(results, "ttl", output)
        else:
            print_table(results)
        return
    write_results(results, fmt, output)
    output.finish()


class _EndsWithNewline:
    """A binary stream that remembers its last byte, so that the output can end with a newline
    (SPARQL JSON and XML end without one, and a shell prompt would follow on the same line)."""

    def __init__(self, stream):
        self.stream = stream
        self.last = b"\n"

    def write(self, data) -> int:
        if len(data):
            self.last = bytes(memoryview(data)[-1:])
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()

    def finish(self) -> None:
        if self.last != b"\n":
            self.write(b"\n")


def _resolve_query(query: str | None, sparql: str | None, params: tuple[str, ...]) -> str:
    from graph.saved_queries import find_saved_query, parse_saved_query

    if (query is None) == (sparql is None):
        raise InvalidInput("give exactly one of: a saved query's NAME, a FILE.rq, or --sparql TEXT")
    values = _parse_params(params)
    if sparql is not None:
        if values:
            raise InvalidInput("--param only applies to saved queries and .rq files")
        return sparql
    path = Path(query)
    if path.suffix == ".rq" or path.is_file():
        if not path.is_file():
            raise InvalidInput(f"query file not found: {path}")
        saved = parse_saved_query(path)
    else:
        saved = find_saved_query(QUERIES_DIR, query)
    return saved.prepare(values)


def _parse_params(params: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for param in params:
        name, equals, value = param.partition("=")
        if not equals or not name:
            raise InvalidInput(f"--param takes NAME=VALUE, got {param!r}")
        values[name.strip()] = value
    return values


@main.command("queries")
def queries_command() -> None:
    """List the saved queries with their summaries and parameters.

    \b
    Example:
      alliance-kg queries
    """
    from graph.saved_queries import load_saved_queries

    table = Table("name", "summary", "parameters", box=None, pad_edge=False)
    for name, saved in load_saved_queries(QUERIES_DIR).items():
        parameters = ", ".join(info.summary() for info in saved.parameter_info())
        table.add_row(name, saved.summary, parameters)
    stdout_console().print(table)
