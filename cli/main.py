"""The `alliance-kg` command line: a thin shell over the `graph` library.

Every error the library raises on purpose becomes one line on stderr and a non-zero exit, here and
nowhere else.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import click
import pyoxigraph as ox
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from graph.errors import AllianceKGError, InvalidInput, ValidationFailed
from graph.files import load_file, open_rdf
from graph.formats import RDFLIB_NAMES, file_format
from graph.results import (
    DATASET_FORMATS,
    GRAPH_FORMATS,
    RESULT_FORMATS,
    is_graph_result,
    write_results,
    write_triples,
)
from graph.sources import DEFAULT_SOURCES_DIR, discover_sources
from graph.store import (
    DATASET_VIEWS,
    REMOTE_ENV,
    KnowledgeStore,
    StoreLocation,
    default_store_path,
)
from graph.terms import display, parse_term
from ontology import BASE, RULES_DIR
from queries import QUERIES_DIR

EXIT_ERROR = 1
err = Console(stderr=True)


class AllianceKG(click.Group):
    """Turns the library's errors into one-line messages; no traceback reaches the user."""

    def main(self, args=None, prog_name=None, standalone_mode=True, **extra):
        """Click prints a usage error as a usage block; it is one line here too."""
        if not standalone_mode:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.UsageError as error:
            command = error.ctx.command_path if error.ctx else "alliance-kg"
            click.echo(f"error: {error.format_message()} (see {command} --help)", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            click.echo(f"error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.exceptions.Abort:
            click.echo("interrupted; nothing was changed", err=True)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
            _flush_stdout()
            return result
        except ValidationFailed as error:
            for violation in error.violations:
                click.echo(str(violation), err=True)
            click.echo(f"error: {error}; nothing was changed", err=True)
            ctx.exit(EXIT_ERROR)
        except AllianceKGError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was changed", err=True)
            ctx.exit(130)
        except OSError as error:  # a file that cannot be written, a full disk, a closed pipe
            _silence_stdout()
            click.echo(f"error: {_os_error_text(error)}", err=True)
            ctx.exit(EXIT_ERROR)


def _os_error_text(error: OSError) -> str:
    reason = error.strerror or str(error)
    if error.filename:
        return f"cannot write {error.filename}: {reason}"
    return f"cannot write the output: {reason}"


def _flush_stdout() -> None:
    sys.stdout.flush()
    sys.stdout.buffer.flush()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush of what could not be
    written raises nothing more (the Python documentation's advice for a broken pipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file (a test's capture)
        pass


_store_path_option = click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=default_store_path,
    show_default="data/store, or $ALLIANCE_KG_STORE",
    help="Directory of the on-disk store.",
)


def _remember(ctx: click.Context, param: click.Parameter, value):
    """Keep a remote-store option in the context, for `open_store`, instead of a parameter of
    every command."""
    if value is not None:
        ctx.meta[f"alliance_kg.{param.name}"] = value
    return value


def _remote_option(name: str, help: str, **kwargs):
    key = name.removeprefix("--").replace("-", "_")
    return click.option(
        name,
        envvar=REMOTE_ENV[key],
        show_envvar=True,
        expose_value=False,
        callback=_remember,
        help=help,
        **kwargs,
    )


_remote_options = [
    _remote_option(
        "--store-url",
        "Use the remote SPARQL 1.1 store at this query URL instead of the on-disk store "
        "(Oxigraph server: http://HOST:7878/query; Virtuoso: http://HOST:8890/sparql).",
        metavar="URL",
    ),
    _remote_option(
        "--store-update-url",
        "The remote store's update URL, where its server splits them (derived for Oxigraph "
        "and Virtuoso, else the query URL).",
        metavar="URL",
    ),
    _remote_option(
        "--store-gsp-url",
        "The remote store's Graph Store Protocol URL, for bulk loads (derived for Oxigraph "
        "and Virtuoso; else loads are INSERT DATA requests).",
        metavar="URL",
    ),
    _remote_option(
        "--store-credentials",
        "File holding `user:password` (Basic or Digest, as the server asks) or `Bearer TOKEN` "
        "for the remote store; never given on the command line.",
        type=click.Path(path_type=Path, dir_okay=False),
    ),
]


def store_option(command):
    """--store DIR, and the options that choose a remote SPARQL store instead."""
    for option in reversed([_store_path_option, *_remote_options]):
        command = option(command)
    return command


def remote_settings():
    """The remote store the command was pointed at, or None for the on-disk store."""
    from graph.remote import RemoteSettings

    meta = click.get_current_context().meta
    url = meta.get("alliance_kg.store_url")
    if not url:
        return None
    return RemoteSettings(
        query_url=url,
        update_url=meta.get("alliance_kg.store_update_url"),
        gsp_url=meta.get("alliance_kg.store_gsp_url"),
        credentials_file=meta.get("alliance_kg.store_credentials"),
    )


def open_store(store_path: Path, read_only: bool = True) -> KnowledgeStore:
    """The store a command works on: the remote one if it was given, else the on-disk one."""
    settings = remote_settings()
    if settings is not None:
        return KnowledgeStore.remote(settings)
    return KnowledgeStore.open(StoreLocation(store_path), read_only=read_only)


sources_option = click.option(
    "--sources",
    "source_dirs",
    type=click.Path(path_type=Path, file_okay=False),
    multiple=True,
    help="Directory of facts files (.trig) and their texts; repeatable. "
    "Default: the project's own, sources/.",
)
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write, replaced only when complete (default: stdout).",
)
allow_inconsistent_option = click.option(
    "--allow-inconsistent",
    is_flag=True,
    help="Apply writes that add contradictions (listed by `check` and /contradictions) instead "
    "of refusing them.",
)
graphs_option = click.option(
    "--graphs",
    type=click.Choice(DATASET_VIEWS),
    default="all",
    show_default=True,
    help="Which graphs to use: everything, asserted facts only, inferred only, or the ontology.",
)


@click.group(cls=AllianceKG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="alliance-kg")
def main() -> None:
    """alliance-kg: a knowledge graph of international relations built from news.

    \b
    Start with:
      alliance-kg build                      validate the sources and build the store
      alliance-kg query alliance-members     run a saved query
      alliance-kg queries                    list the saved queries
    """


@main.command("build")
@store_option
@sources_option
@click.option(
    "--discard-writes",
    is_flag=True,
    help="Drop what `update` and HTTP writes added since the last build (kept by default).",
)
def build_command(store_path: Path, source_dirs: tuple[Path, ...], discard_writes: bool) -> None:
    """Validate the sources and build the store, replacing the old one only on success.

    The ontology goes in one named graph, each claim of each source in its own, each source's
    provenance in its own, and inferred triples in their own. Writes made since the last build
    (with `update` or over HTTP: the updates graph and graphs a client created) are kept and
    reasoned over, unless --discard-writes; the sources' own graphs are made anew from the
    files. Refused while a server has the store open: stop it first.

    \b
    Example:
      alliance-kg build --store data/store --sources sources --sources ~/more-sources
    """
    from graph.build import build, build_steps

    sources = discover_sources(source_dirs or [DEFAULT_SOURCES_DIR])
    settings = remote_settings()
    with progress_steps(build_steps(sources, remote=settings is not None)) as step:
        if settings is not None:
            from graph.build import build_remote

            remote = KnowledgeStore.remote(settings).remote_store
            report = build_remote(remote, sources, step, keep_writes=not discard_writes)
        else:
            report = build(StoreLocation(store_path), sources, step, keep_writes=not discard_writes)
    kept = f"; kept {report.kept} quads written since the last build" if report.kept else ""
    where, option = (settings.query_url, "--store-url") if settings else (store_path, "--store")
    click.echo(
        f"built {where}: {report.total} quads in {len(report.graphs)} graphs "
        f"from {len(sources)} source(s){kept}",
        err=True,
    )
    if report.contradictions:
        click.echo(
            f"warning: {report.contradictions} contradiction(s) between the facts: "
            f"`alliance-kg check {option} {where}` lists them with their sources",
            err=True,
        )


@main.command("check")
@store_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def check_command(store_path: Path, fmt: str) -> None:
    """Find the contradictions in the graph: the OWL 2 RL inconsistencies (an irreflexive
    property relating a thing to itself, two different values of a functional property, an
    instance of two disjoint classes, owl:sameAs with owl:differentFrom, ...) and literals that
    are not values of their datatype. Each is listed with its rule, its triples and, for each
    asserted triple, the claim, quote, attribution and source it comes from. Exits with status 1
    when there is one, 0 when the graph is consistent.

    \b
    Examples:
      alliance-kg check
      alliance-kg check --format json > contradictions.json
    """
    from graph.reasoning.consistency import violations
    from graph.reasoning.maintain import premise_graphs

    store = open_store(store_path)
    found = violations(store.raw, premise_graphs(store))
    if fmt == "json":
        click.echo(json.dumps([v.to_json() for v in found], ensure_ascii=False, indent=2))
    else:
        for violation in found:
            click.echo(violation.to_text() + "\n")
    if found:
        click.echo(f"{len(found)} contradiction(s)", err=True)
        raise SystemExit(1)
    click.echo("consistent: no contradictions", err=True)


@main.command("validate")
@sources_option
def validate_command(source_dirs: tuple[Path, ...]) -> None:
    """Check the sources against the SHACL shapes and the provenance rules.

    Each violation prints as one line: file, node, shape, message. Exits non-zero if any.

    \b
    Example:
      alliance-kg validate --sources sources
    """
    from graph.validate import validate_sources

    sources = discover_sources(source_dirs or [DEFAULT_SOURCES_DIR])
    violations = validate_sources(sources)
    if violations:
        raise ValidationFailed(violations)
    click.echo(f"{len(sources)} source(s) valid", err=True)


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
    _stdout_console().print(table)


@main.command("export")
@graphs_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(GRAPH_FORMATS)),
    default="nq",
    show_default=True,
    help="nq and trig keep the named graphs (and jsonld); ttl, nt and rdfxml merge them.",
)
@output_option
@store_option
def export_command(graphs: str, fmt: str, output: Path | None, store_path: Path) -> None:
    """Export the store's graphs in an RDF format.

    \b
    Examples:
      alliance-kg export --graphs asserted --format trig -o asserted.trig
      alliance-kg export --format ttl > all.ttl
    """
    from graph.export import export

    store = open_store(store_path)
    with _output(output) as stream:
        count = export(store, graphs, fmt, stream)
    click.echo(
        f"exported {count} {'quads' if fmt in ('nq', 'trig', 'jsonld') else 'triples'}", err=True
    )


@main.command("reason")
@click.option(
    "--engine",
    type=click.Choice(["batch", "spark", "sparql", "owlrl", "fast"]),
    default="batch",
    show_default=True,
    help="batch: the rules as SQL in DuckDB (fastest for whole closures); spark: the same SQL "
    "on Apache Spark, for closures past one machine (pip install 'alliance-kg[spark]'); sparql: "
    "the rules as SPARQL Update inside pyoxigraph (the incremental engine; `fast` is its former "
    "name); owlrl: the reference, in Python.",
)
@click.option(
    "--ontology",
    "ontologies",
    type=click.Path(path_type=Path, dir_okay=False),
    multiple=True,
    required=True,
    help="An ontology file (any RDF format, .gz too); repeatable.",
)
@click.argument("data", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@output_option
@click.option(
    "--no-rules", is_flag=True, help="Skip the project's rules (ontology/rules/); OWL 2 RL only."
)
@click.option(
    "--memory-limit",
    metavar="SIZE",
    help="batch: the memory DuckDB may use before it spills to a temporary directory "
    "(for example 4GB; default: 80%% of the machine's memory).",
)
@click.option(
    "--threads", type=click.IntRange(min=1), help="batch: threads (default: one per core)."
)
@click.option(
    "--spark-master",
    default="local[*]",
    show_default=True,
    help="spark: the cluster to run on (local[N], spark://HOST:PORT, yarn, k8s://...).",
)
def reason_command(
    engine: str,
    ontologies: tuple[Path, ...],
    data: tuple[Path, ...],
    output: Path | None,
    no_rules: bool,
    memory_limit: str | None,
    threads: int | None,
    spark_master: str,
) -> None:
    """Materialise the OWL 2 RL closure of any ontology and data; write the inferred triples,
    sorted, as N-Triples.

    Vacuous triples (x owl:sameAs x, x rdf:type owl:Thing, reflexive schema triples, triples about
    the RDF/RDFS/OWL/XSD vocabularies) are left out, as in the store's inferred graph. All engines
    give the same triples (the tests hold them to it); blank nodes keep their labels with
    `batch` (a label shared by two files gets the file's number in the later one).

    \b
    Example:
      alliance-kg reason --ontology ontology/alliance.ttl data.nt -o inferred.nt
      alliance-kg reason --ontology univ-bench.owl lubm-10.nt.gz --memory-limit 4GB -o out.nt
      alliance-kg reason --engine owlrl --ontology univ-bench.owl lubm-1.nt.gz > inferred.nt
      alliance-kg reason --engine spark --spark-master spark://head:7077 --ontology o.ttl big.nt
    """
    started = time.perf_counter()
    engine = "sparql" if engine == "fast" else engine
    if engine in ("batch", "spark"):
        master = spark_master if engine == "spark" else None
        count = reason_batch([*ontologies, *data], output, no_rules, memory_limit, threads, master)
    else:
        triples = (reason_owlrl if engine == "owlrl" else reason_sparql)(ontologies, data, no_rules)
        with _output(output) as stream:
            write_triples(sorted(triples, key=str), ox.RdfFormat.N_TRIPLES, stream)
        count = len(triples)
    seconds = time.perf_counter() - started
    click.echo(f"inferred {count} triples in {seconds:.2f} s ({engine})", err=True)


def reason_batch(
    paths: list[Path],
    output: Path | None,
    no_rules: bool,
    memory_limit: str | None,
    threads: int | None,
    spark_master: str | None = None,
) -> int:
    from graph.reasoning.batch import closure_of_files

    with tempfile.TemporaryDirectory(prefix="alliance-kg-reason-") as work:
        written = Path(work) / "inferred.nt"
        with progress_steps(None) as step:
            layer = [] if no_rules else None
            report = closure_of_files(
                paths, written, layer, memory_limit, threads, step, spark_master
            )
        with _output(output) as stream, written.open("rb") as result:
            shutil.copyfileobj(result, stream, 1 << 20)
    return report.inferred


def reason_sparql(ontologies, data, no_rules: bool) -> list[ox.Triple]:
    from graph.reasoning.sparql_engine import Reasoner

    store = ox.Store()
    schema, facts = "urn:alliance-kg:ontology", "urn:alliance-kg:data"
    for path in ontologies:
        load_file(store, path, schema)
    for path in data:
        load_file(store, path, facts)
    graphs = sorted({g.value for g in store.named_graphs()} | {schema, facts})
    inferred = "urn:alliance-kg:inferred"
    with progress_steps(None) as step:
        Reasoner(
            store, graphs, inferred, layer_rules=[] if no_rules else None, progress=step
        ).materialise()
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(inferred))
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def reason_owlrl(ontologies, data, no_rules: bool) -> list[ox.Triple]:
    import rdflib

    from graph.reasoning.reference import reference_closure

    graph = rdflib.Graph()
    for path in [*ontologies, *data]:
        with open_rdf(path) as stream:
            graph.parse(stream, format=RDFLIB_NAMES[file_format(path)])
    rules = [] if no_rules else sorted(RULES_DIR.glob("*.rq"))
    return list(reference_closure(graph, rules))


@main.command("explain")
@click.argument("subject")
@click.argument("predicate")
@click.argument("object_")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@store_option
def explain_command(subject: str, predicate: str, object_: str, fmt: str, store_path: Path) -> None:
    """Explain why a triple holds: the rules applied, down to asserted facts and their sentences.

    Terms are IRIs (<...> or bare), prefixed names (id:Japan, akg:alliedWith) or, for the object,
    a literal in N-Triples syntax ('"1960"^^xsd:gYear').

    \b
    Examples:
      alliance-kg explain id:United_States akg:alliedWith id:Japan
      alliance-kg explain id:Japan rdf:type akg:Actor --format json
    """
    from graph.reasoning.explain import explain_triple

    store = open_store(store_path)
    proof = explain_triple(store, parse_term(subject), parse_term(predicate), parse_term(object_))
    if fmt == "json":
        click.echo(json.dumps(proof.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(proof.to_text())
    if proof.status == "not-holding":
        raise InvalidInput(f"{proof.triple_text()} does not hold: neither asserted nor inferred")


@main.command("update")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--sparql", help="The update text, instead of a FILE.ru.")
@store_option
@allow_inconsistent_option
def update_command(
    file: Path | None, sparql: str | None, store_path: Path, allow_inconsistent: bool
) -> None:
    """Apply a SPARQL Update to the asserted data and bring the inferred graph up to date.

    Triples inserted without a GRAPH go to the updates graph; triples deleted without a GRAPH are
    deleted from every asserted graph that holds them. The inferred graph is maintained
    incrementally (insertions semi-naively, deletions with DRed), never written directly. An
    update that would add a contradiction is undone and refused, with the contradictions and
    their sources, unless --allow-inconsistent.

    \b
    Examples:
      alliance-kg update --sparql 'INSERT DATA { id:Philippines akg:memberOf id:US_Japan_Alliance }'
      alliance-kg update changes.ru
    """
    from graph.reasoning.maintain import apply_update

    if (file is None) == (sparql is None):
        raise InvalidInput("give exactly one of: a FILE.ru or --sparql TEXT")
    if file is not None:
        if not file.is_file():
            raise InvalidInput(f"update file not found: {file}")
        sparql = file.read_text(encoding="utf-8")
    if remote_settings() is not None:
        report = apply_update(open_store(store_path), sparql, allow_inconsistent)
        click.echo(report.summary(), err=True)
        return
    location = StoreLocation(store_path)
    with _writing(location):
        store = KnowledgeStore.open(location)
        report = apply_update(store, sparql, allow_inconsistent)
        store.flush()
        del store
    click.echo(report.summary(), err=True)


def _writing(location: StoreLocation):
    """The writer lock for this command: refused, in words, while a server holds the store."""
    return location.lock(f"`alliance-kg {click.get_current_context().info_name}`")


def _check_port(host: str, port: int) -> None:
    """Refuse at once, in words, an address the server could not listen on."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise InvalidInput(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def _base_iri(value: str) -> str:
    try:
        ox.NamedNode(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not an absolute IRI ({error})") from None
    return value if value.endswith(("/", "#")) else value + "/"


@main.command("serve")
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--plain",
    is_flag=True,
    help="Serve a plain SPARQL 1.1 store: the default graph is the store's own, no reasoning.",
)
@click.option(
    "--write-token-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File holding the bearer token that writes must present; without it, writes are refused.",
)
@click.option(
    "--query-timeout", default=30.0, show_default=True, type=float, help="Seconds a query may run."
)
@click.option(
    "--cors-origin", default="*", show_default=True, help="Origin allowed to read by CORS."
)
@click.option(
    "--threads",
    type=click.IntRange(1),
    show_default="most query workers + 1",
    help="Requests served at once (threads of the worker process): one per query process (at "
    "most) and one for requests that need none (cached answers, pages, writes); more only "
    "contend for Python's lock.",
)
@click.option(
    "--base-iri",
    default=BASE,
    show_default=True,
    callback=lambda _ctx, _param, value: _base_iri(value),
    help="The IRIs BASE_IRI/id/NAME are served at /id/NAME of this server.",
)
@click.option(
    "--query-workers",
    default=2,
    show_default=True,
    type=click.IntRange(1),
    help="Query processes: queries evaluated at once (each can be stopped at the time limit).",
)
@click.option(
    "--max-query-workers",
    type=click.IntRange(1),
    show_default="query workers + 2",
    help="Query processes at most: more start while every one is busy (long queries), so that "
    "small queries are still answered at once; the extra ones end when idle.",
)
@click.option(
    "--max-upload-bytes",
    default=100_000_000,
    show_default=True,
    type=click.IntRange(1),
    help="Largest request body the Graph Store (/store) takes; queries and updates on /sparql "
    "take 1,000,000 bytes.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help="Server processes, each a replica answering requests: with --store-url only (the "
    "on-disk store is owned by one process). Replicas on other machines need nothing more.",
)
@allow_inconsistent_option
def serve_command(
    store_path: Path,
    host: str,
    port: int,
    plain: bool,
    write_token_file: Path | None,
    query_timeout: float,
    cors_origin: str,
    threads: int | None,
    query_workers: int,
    base_iri: str,
    max_query_workers: int | None,
    max_upload_bytes: int,
    allow_inconsistent: bool,
    workers: int,
) -> None:
    """Serve the store over HTTP: SPARQL 1.1 Protocol on /sparql, Graph Store Protocol on /store,
    a query page on /. Runs under granian; with no store built yet, builds the article graph.

    \b
    Examples:
      alliance-kg serve
      alliance-kg serve --port 8080 --write-token-file secrets/token
      alliance-kg serve --plain --store other-store
      alliance-kg serve --store-url http://db:7878/query --workers 4
    """
    from cli.server import exec_server
    from endpoint import Settings

    Settings.from_environment()  # a bad ALLIANCE_KG_* variable is one line here, not in a worker
    _check_port(host, port)
    remote = remote_settings()
    if remote is not None:
        where = _prepare_remote(remote, plain)
    else:
        if workers > 1:
            raise InvalidInput(
                "--workers needs --store-url: the on-disk store is owned by one process (its "
                "queries already run in --query-workers processes)"
            )
        _prepare_local(StoreLocation(store_path), store_path, plain)
        where = str(store_path)
    token = ""
    if write_token_file is not None:
        if not write_token_file.is_file():
            raise InvalidInput(f"write token file not found: {write_token_file}")
        token = write_token_file.read_text(encoding="utf-8").strip()
        if not token:
            raise InvalidInput(f"the write token file {write_token_file} is empty")
    config = {"store": str(StoreLocation(store_path).root), "plain": plain, "write_token": token,
              "query_timeout": query_timeout, "cors_origin": cors_origin,
              "query_workers": query_workers, "base_iri": base_iri,
              "max_query_workers": max_query_workers or 0,
              "max_upload_bytes": max_upload_bytes,
              "allow_inconsistent": allow_inconsistent}  # fmt: skip
    if remote is not None:
        credentials = str(remote.credentials_file.resolve()) if remote.credentials_file else ""
        config |= {"store_url": remote.query_url, "store_update_url": remote.update_url or "",
                   "store_gsp_url": remote.gsp_url or "",
                   "store_credentials": credentials}  # fmt: skip
    replicas = f" in {workers} processes" if workers > 1 else ""
    click.echo(
        f"serving {where} on http://{host}:{port}/{replicas} (SPARQL endpoint: /sparql)", err=True
    )
    most = max_query_workers or query_workers + 2
    exec_server(config, host, port, threads or max(most, query_workers) + 1, workers)


def _prepare_local(location: StoreLocation, store_path: Path, plain: bool) -> None:
    """Refuse a store another process holds; make one if there is none yet."""
    location.check_free()  # a second server, a build or an update holds it: say so now
    if location.exists():
        return
    if plain:  # a general SPARQL server starts empty and takes data over the protocols
        click.echo(f"no store at {store_path} yet: starting an empty one", err=True)
        location.create_empty()
        return
    from graph.build import build

    click.echo(f"no store at {store_path} yet: building the article graph first", err=True)
    with progress_steps(None) as step:
        build(location, discover_sources([DEFAULT_SOURCES_DIR]), step)


def _prepare_remote(settings, plain: bool) -> str:
    """Check that the remote store answers (here, in words, rather than in each worker); build
    the article graph into it if it holds none of the project's graphs yet."""
    from graph.build import build_remote

    remote = KnowledgeStore.remote(settings).remote_store
    if not plain and not remote.graph_nodes():
        click.echo(f"{settings.query_url} holds no graph yet: building the article graph", err=True)
        with progress_steps(None) as step:
            build_remote(remote, discover_sources([DEFAULT_SOURCES_DIR]), step)
    remote.close()
    return settings.query_url


@main.command("load")
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Directory of a plain store (made if missing); not a store made by `build`.",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
def load_command(store_path: Path, files: tuple[Path, ...]) -> None:
    """Bulk-load RDF files (N-Triples, N-Quads, Turtle, TriG, RDF/XML, JSON-LD; .gz too) into a
    plain store, for serving with --plain. Triples go to the default graph, quads to their
    graphs. The load is atomic: it works on a copy and swaps it in at the end.

    A store made by `build` is refused: the reasoner would never see what `load` adds. To add
    facts with their inferences, write them with `alliance-kg update` (or as a source).

    \b
    Example:
      alliance-kg load --store other-store data.nt.gz more.trig
      alliance-kg serve --plain --store other-store
    """
    location = StoreLocation(store_path)
    with _writing(location):
        count = _bulk_load(location, files)
    click.echo(f"loaded {len(files)} file(s) into {store_path}: {count} quads", err=True)


def _bulk_load(location: StoreLocation, files: tuple[Path, ...]) -> int:
    from ontology import INFERRED_GRAPH

    with location.next_generation() as generation:
        generation.rmdir()  # a backup makes its own directory
        if location.exists():
            live = ox.Store.read_only(str(location.current))
            if live.contains_named_graph(ox.NamedNode(INFERRED_GRAPH)):
                raise InvalidInput(
                    f"{location.root} is a reasoning store made by `alliance-kg build`: data "
                    "loaded into it would be neither asserted nor reasoned over. Add facts with "
                    "`alliance-kg update`, or load into another --store and serve it with --plain"
                )
            live.backup(str(generation))
            del live
        target = ox.Store(str(generation))
        with progress_steps(len(files)) as step:
            for path in files:
                step(f"loading {path.name}")
                load_file(target, path)
        target.flush()
        count = len(target)
        del target
    return count


@contextmanager
def _output(path: Path | None):
    """Write to a temporary file renamed over `path` at the end: a failure leaves no half file."""
    if path is None:
        yield sys.stdout.buffer
        return
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as stream:
            yield stream
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def print_table(results) -> None:
    console = _stdout_console()
    if not hasattr(results, "variables"):
        console.print("true" if bool(results) else "false")
        return
    names = [v.value for v in results.variables]
    table = Table(*names, **({} if console.is_terminal else {"box": None, "pad_edge": False}))
    rows = 0
    for solution in results:
        table.add_row(*(display(solution[name]) for name in names))
        rows += 1
    console.print(table)
    err.print(f"{rows} row(s)", style="dim")


def _stdout_console() -> Console:
    console = Console()
    if not console.is_terminal:
        console = Console(width=100_000, no_color=True, soft_wrap=False)
    return console


@contextmanager
def progress_steps(total: int | None):
    """A progress bar on a terminal (stderr); silent when stderr is piped."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("building", total=total)

        def step(description: str) -> None:
            progress.update(task, description=description, advance=1)

        yield step


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (for tests and `python -m`)."""
    try:
        main.main(args=argv, prog_name="alliance-kg", standalone_mode=False)
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(run())
