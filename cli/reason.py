"""`alliance-kg reason`: the OWL 2 RL closure of any ontology and data, file to file, by any
engine."""

import shutil
import sys
import tempfile
import time
from pathlib import Path

import click
import pyoxigraph as ox

from cli.common import (
    output_file,
    output_option,
    output_path,
    progress_steps,
)
from cli.main import main
from graph.files import load_file, open_rdf
from graph.formats import RDFLIB_NAMES, file_format
from graph.results import (
    write_triples,
)
from ontology import RULES_DIR


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
        with output_file(output) as stream:
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

    def run(written: Path):
        with progress_steps(None) as step:
            layer = [] if no_rules else None
            return closure_of_files(
                paths, written, layer, memory_limit, threads, step, spark_master
            )

    if output is not None:  # DuckDB writes beside the output, renamed at the end
        with output_path(output) as partial:
            return run(partial).inferred
    with tempfile.TemporaryDirectory(prefix="alliance-kg-reason-") as work:
        written = Path(work) / "inferred.nt"
        report = run(written)
        with written.open("rb") as result:
            shutil.copyfileobj(result, sys.stdout.buffer, 1 << 20)
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
