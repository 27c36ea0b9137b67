"""The batch engine's SQL on Apache Spark (local mode) gives the same closure as on DuckDB: one
Spark session for the differential cases (Spark takes 5-15 s to start)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from bench.rich import rich_graph
from graph.reasoning.batch import BatchReasoner
from tests.test_batch_engine import ONTOLOGY_TRIPLES, RULE_CASES, turtle

pytest.importorskip("pyspark", reason="the Spark engine is an extra: pip install '.[spark]'")

pytestmark = pytest.mark.slow


def closure(triples: list[ox.Triple], layer, spark_master: str | None) -> list[str]:
    with BatchReasoner() as reasoner:
        reasoner.add_ntriples_text(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        reasoner.closure(layer, spark_master)
        return sorted(reasoner.inferred_lines(True) + reasoner.inferred_lines(False))


def test_spark_computes_the_same_closures_as_duckdb(sources):
    article = [
        ox.Triple(q.subject, q.predicate, q.object) for source in sources for q in source.quads()
    ]
    # Few cases, each with many rules: a round on Spark costs seconds whatever its size.
    cases = {
        "the article, with the project's rules": (ONTOLOGY_TRIPLES + article, None),
        "the railway ontology": (rich_graph(600, seed=4), []),
        "a key and literal equality": (
            turtle(RULE_CASES["prp-key"] + RULE_CASES["prp-fp literal"]),
            [],
        ),
    }
    for name, (triples, layer) in cases.items():
        expected = closure(triples, layer, None)
        assert expected, name
        assert closure(triples, layer, "local[2]") == expected, name
