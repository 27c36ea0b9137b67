"""Shared fixtures: the article's sources, a store built from them once per session, and the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph.build import build
from graph.sources import DEFAULT_SOURCES_DIR, Source, discover_sources
from graph.store import KnowledgeStore, StoreLocation
from tests.helpers import ARTICLE


@pytest.fixture(scope="session")
def sources() -> list[Source]:
    return discover_sources([DEFAULT_SOURCES_DIR])


@pytest.fixture(scope="session")
def article(sources: list[Source]) -> Source:
    return next(s for s in sources if s.name == ARTICLE)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, sources: list[Source]) -> StoreLocation:
    location = StoreLocation(tmp_path_factory.mktemp("store") / "store")
    build(location, sources)
    return location


@pytest.fixture(scope="session")
def store(built: StoreLocation) -> KnowledgeStore:
    return KnowledgeStore.open(built, read_only=True)


@pytest.fixture
def sources_copy(tmp_path: Path) -> Path:
    """A writable copy of the project's sources directory, for tests that break or add sources."""
    target = tmp_path / "sources"
    shutil.copytree(DEFAULT_SOURCES_DIR, target)
    return target
