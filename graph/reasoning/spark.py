"""The batch engine's fixpoint on Apache Spark SQL, for closures larger than one machine holds.

The terms are encoded and decoded by DuckDB (one linear pass each, out of core); the integer
triples go to Spark as Parquet, and the semi-naive rounds run there with the same generated SQL
as in DuckDB (`graph.reasoning.sql`): each round is one query, the union of the rule variants
whose delta premise can match a new triple, less what is known. The inferred triples come back as
Parquet. Spark starts in 5-15 s and takes about 1 GB even in local mode: for anything one machine
holds, DuckDB is faster (see the README).

Needs `pip install alliance-kg[spark]` and a Java runtime (17 or later).
"""

from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from graph.errors import InvalidInput
from graph.reasoning import sql

if TYPE_CHECKING:
    from graph.reasoning.batch import BatchReasoner


def session(master: str):
    """A Spark session on `master` (local[N], spark://host:port, yarn, ...)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InvalidInput(
            "the Spark engine needs pyspark: pip install 'alliance-kg[spark]' (and Java 17+)"
        ) from None
    builder = SparkSession.builder.master(master).appName("alliance-kg reason")
    builder = builder.config("spark.ui.enabled", "false")
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    if master.startswith("local"):
        # In local mode everything stays on this machine's loopback interface: the block
        # manager would otherwise advertise (and fail to reach) the host's own address.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1")
        # On one machine a round is dozens of joins over small tables, and their fixed costs
        # dominate: compiling whole-stage code for each, adaptive re-planning after each
        # stage, a task per shuffle partition, sorting for merge joins. Without them the
        # differential test's railway closure took 85 s instead of 140 s (4 rounds, local[2]).
        builder = builder.config("spark.sql.shuffle.partitions", str(_local_threads(master)))
        builder = builder.config("spark.sql.codegen.wholeStage", "false")
        builder = builder.config("spark.sql.adaptive.enabled", "false")
        builder = builder.config("spark.sql.join.preferSortMergeJoin", "false")
        # In local mode the executors' memory is the driver's own heap, shared with every
        # broadcast table it builds; on a busy machine building one failed ("Not enough memory
        # to build and broadcast the table", in CI) even for small closures. Sort-merge joins
        # need no such table; a cluster keeps Spark's broadcasts.
        builder = builder.config("spark.sql.autoBroadcastJoinThreshold", "-1")
        builder = builder.config("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1")
    try:
        spark = builder.getOrCreate()
    except Exception as error:  # py4j and the JVM raise errors of their own kinds
        raise InvalidInput(f"cannot start Spark on {master}: {error}") from None
    spark.sparkContext.setLogLevel("ERROR")
    atexit.register(spark.stop)  # one session per process, reused by later closures
    return spark


def _local_threads(master: str) -> int:
    """The worker threads of a local master: local, local[N], local[*], local[N,F]."""
    inside = master.partition("[")[2].partition("]")[0].split(",")[0]
    if inside == "*":
        return os.cpu_count() or 1
    return int(inside) if inside.isdigit() else 1


def spark_fixpoint(reasoner: BatchReasoner, owl: list, project: list, master: str) -> None:
    """Run the rounds of `owl` and `project` (rule variants) on Spark over the reasoner's
    encoded triples; the result becomes its DuckDB table `inferred`."""
    db = reasoner.db
    spark = session(master)
    with tempfile.TemporaryDirectory(prefix="alliance-kg-spark-") as work:
        for table in ("triples", sql.NUMBERS, sql.LIST_MEMBERS, "vocabulary"):
            path = Path(work) / f"{table}.parquet"
            db.execute(f"COPY {table} TO '{path}' (FORMAT PARQUET)")
            spark.read.parquet(str(path)).createOrReplaceTempView(table)
        spark.table("triples").createOrReplaceTempView("asserted")  # before any round
        rounds = _Rounds(reasoner, spark)
        try:
            rounds.triples = rounds.checkpoint(spark.table("triples"))
            rounds.triples.createOrReplaceTempView("triples")
            rounds.run(owl, project)
            out = Path(work) / "inferred"
            spark.sql(reasoner.vacuous_filtered("triples")).write.parquet(str(out))
        finally:
            rounds.release_all()  # the session outlives the closure: free what it held
        db.execute(f"CREATE TABLE inferred AS SELECT s, p, o FROM read_parquet('{out}/*.parquet')")


class _Rounds:
    """The rounds of a closure. Each round's triples and delta are local checkpoints (kept in
    the executors' block managers, which in local mode are this JVM's memory); a checkpoint is
    released as soon as a newer one replaces it, so that memory holds one copy of the triples
    and not one per round (a broadcast join then failed for want of driver memory)."""

    def __init__(self, reasoner: BatchReasoner, spark):
        self.reasoner = reasoner
        self.spark = spark
        self.triples = None
        self.delta = None
        self._held: list = []

    def checkpoint(self, frame):
        held = frame.localCheckpoint()
        self._held.append(held)
        return held

    def release(self, frame) -> None:
        """Unpersist a checkpoint this closure made (by identity: a DataFrame's == is not)."""
        kept = [held for held in self._held if held is not frame]
        if len(kept) < len(self._held):
            self._held = kept
            frame.unpersist()

    def release_all(self) -> None:
        for frame in self._held:
            frame.unpersist()
        self._held.clear()

    def shape(self, view: str) -> tuple[set[int], set[int]]:
        typing = self.reasoner.encode("rdf:type")
        rows = self.spark.sql(
            f"SELECT DISTINCT p, CASE WHEN p = {typing} THEN o END AS c FROM {view}"
        ).collect()
        return {r.p for r in rows}, {r.c for r in rows if r.c is not None}

    def run(self, owl: list, project: list) -> None:
        from graph.reasoning.batch import merge

        present = self.shape("triples")
        delta = None
        layer_full = True
        empty = self.spark.createDataFrame([], "s BIGINT, p BIGINT, o BIGINT")
        since = empty
        while True:
            new = self.round(owl, delta, present, sql.DELTA)
            if new is None:
                since.createOrReplaceTempView("since_layer")
                layer_delta = None if layer_full else self.shape("since_layer")
                new = self.round(project, layer_delta, present, "since_layer")
                layer_full = False
                self.release(since)
                since = empty
                if new is None:
                    return
            previous, since = since, self.checkpoint(since.union(new))
            self.release(previous)
            delta = self.shape(sql.DELTA)
            present = merge(present, delta)

    def round(self, rules: list, delta, present, delta_view: str):
        """One round; returns the new triples (also the view `delta`), or None if none."""
        from graph.reasoning.batch import round_selects

        parts = round_selects(rules, delta, present, delta_view)
        if not parts:
            return None
        union = " UNION ALL ".join(parts)
        new = self.checkpoint(
            self.spark.sql(
                f"""SELECT DISTINCT c.s, c.p, c.o FROM ({union}) c WHERE NOT EXISTS
                (SELECT 1 FROM triples t WHERE t.s = c.s AND t.p = c.p AND t.o = c.o)"""
            )
        )
        count = new.count()
        if count == 0:
            self.release(new)
            return None
        new.createOrReplaceTempView(sql.DELTA)
        previous, self.delta = self.delta, new
        self.release(previous)
        old, self.triples = self.triples, self.checkpoint(self.triples.union(new))
        self.triples.createOrReplaceTempView("triples")
        self.release(old)
        self.reasoner.report.rounds += 1
        self.reasoner.progress(
            f"reasoning on Spark: round {self.reasoner.report.rounds}, {count} new triples"
        )
        return new
