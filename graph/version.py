"""The project's version, as its installed package says (`dev` when it runs from a checkout that
was never installed)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version


@cache
def package_version() -> str:
    try:
        return version("alliance-kg")
    except PackageNotFoundError:
        return "dev"
