"""Saved SPARQL queries, one `.rq` file each with a header of grlc `#+` decorators."""

from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent
