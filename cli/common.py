"""What the commands share: the options that choose the store (on disk or remote), the other
common options, and output to files, terminals and progress bars."""

import sys
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from graph.store import (
    DATASET_VIEWS,
    REMOTE_ENV,
    KnowledgeStore,
    StoreLocation,
    default_store_path,
)
from graph.terms import display

#: Where messages, progress and errors go: stderr, so that stdout carries only the output.
err = Console(stderr=True)

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


def writing_lock(location: StoreLocation):
    """The writer lock for this command: refused, in words, while a server holds the store."""
    return location.lock(f"`alliance-kg {click.get_current_context().info_name}`")


@contextmanager
def output_path(path: Path):
    """A temporary path beside `path`, renamed over it at the end: a failure leaves no half file,
    and an unwritable output fails at once, before the work."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.open("wb").close()
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def output_file(path: Path | None):
    """A stream to write to: stdout, or a temporary file renamed over `path` (output_path)."""
    if path is None:
        yield sys.stdout.buffer
        return
    with output_path(path) as partial, partial.open("wb") as stream:
        yield stream


def print_table(results) -> None:
    console = stdout_console()
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


def stdout_console() -> Console:
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
