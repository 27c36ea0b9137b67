"""Helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from cli.main import main

ARTICLE = "strategic-alliance-2024-04-13"


def run_cli(*args: str | Path) -> Result:
    """Run the real CLI in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of a file's text; fails loudly if it is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
