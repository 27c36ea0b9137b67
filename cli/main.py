"""The `alliance-kg` command line: a thin shell over the `graph` library.

Every error the library raises on purpose becomes one line on stderr and a non-zero exit, here and
nowhere else.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from cli.common import (
    allow_inconsistent_option,
    graphs_option,
    open_store,
    output_file,
    output_option,
    progress_steps,
    remote_settings,
    sources_option,
    store_option,
    writing_lock,
)
from graph.errors import AllianceKGError, InvalidInput, ValidationFailed
from graph.results import (
    GRAPH_FORMATS,
)
from graph.sources import DEFAULT_SOURCES_DIR, discover_sources
from graph.store import (
    KnowledgeStore,
    StoreLocation,
)
from graph.terms import parse_term

EXIT_ERROR = 1


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
    with output_file(output) as stream:
        count = export(store, graphs, fmt, stream)
    click.echo(
        f"exported {count} {'quads' if fmt in ('nq', 'trig', 'jsonld') else 'triples'}", err=True
    )


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
    with writing_lock(location):
        store = KnowledgeStore.open(location)
        report = apply_update(store, sparql, allow_inconsistent)
        store.flush()
        del store
    click.echo(report.summary(), err=True)


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


# The commands defined in modules of their own register themselves on `main` when imported.
import cli.query as _query_commands  # noqa: E402, F401
import cli.reason as _reason_command  # noqa: E402, F401
import cli.serve as _serve_commands  # noqa: E402, F401
