"""`alliance-kg serve` and `alliance-kg load`: the endpoint over the on-disk or a remote store, and
bulk loads into a plain store."""

import socket
from pathlib import Path

import click
import pyoxigraph as ox

from cli.common import (
    allow_inconsistent_option,
    progress_steps,
    remote_settings,
    store_option,
    writing_lock,
)
from cli.main import main
from graph.errors import InvalidInput
from graph.files import load_file
from graph.sources import DEFAULT_SOURCES_DIR, discover_sources
from graph.store import (
    KnowledgeStore,
    StoreLocation,
)
from ontology import BASE


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
    with writing_lock(location):
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
