"""The command line: query formats, export, help, and one-line errors with no traceback."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

from cli.main import main
from tests.helpers import run_cli

COMMANDS = [
    "build",
    "validate",
    "query",
    "queries",
    "export",
    "reason",
    "explain",
    "check",
    "update",
    "serve",
    "load",
]


def query(built, *args):
    return run_cli("query", "--store", built.root, *args)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"alliance-kg {command}" in result.stdout


def test_main_help_lists_every_command():
    result = run_cli("--help")
    assert all(command in result.stdout for command in COMMANDS)
    assert set(main.commands) == set(COMMANDS)


def test_query_prints_a_table_by_default(built):
    result = query(built, "alliance-members")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["state", "label"]
    assert "id:Japan" in result.stdout and "United States" in result.stdout
    assert "2 row(s)" in result.stderr


def test_query_csv(built):
    result = query(built, "alliance-members", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["state"] for r in rows} == {
        "https://w3id.org/alliance-kg/id/Japan",
        "https://w3id.org/alliance-kg/id/United_States",
    }


def test_query_json_tsv_xml(built):
    data = json.loads(query(built, "alliance-members", "--format", "json").stdout)
    assert data["head"]["vars"] == ["state", "label"]
    assert len(data["results"]["bindings"]) == 2
    tsv = query(built, "alliance-members", "--format", "tsv").stdout
    assert tsv.splitlines()[0] == "?state\t?label"
    xml = query(built, "alliance-members", "--format", "xml").stdout
    assert "<sparql" in xml and "United States" in xml


def test_ask_query(built):
    assert (
        query(built, "--sparql", "ASK { id:Japan a akg:SovereignState }").stdout.strip() == "true"
    )
    out = query(built, "--sparql", "ASK { id:Japan a akg:Company }", "--format", "json").stdout
    assert json.loads(out)["boolean"] is False


@pytest.mark.parametrize(("fmt", "rdflib_format"), [
    ("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml"),
])  # fmt: skip
def test_construct_in_every_graph_format(built, fmt, rdflib_format):
    text = "CONSTRUCT { ?s akg:hasMember ?o } WHERE { ?s akg:hasMember ?o }"
    result = query(built, "--sparql", text, "--format", fmt)
    assert result.exit_code == 0
    graph = rdflib.Graph().parse(data=result.stdout, format=rdflib_format)
    assert len(graph) == 2


def test_construct_with_a_results_format_is_a_clear_error(built):
    result = query(built, "--sparql", "CONSTRUCT WHERE { ?s akg:hasMember ?o }", "--format", "csv")
    assert result.exit_code == 1
    assert "returns a graph" in result.stderr


def test_query_from_a_file(built, tmp_path):
    path = tmp_path / "states.rq"
    path.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a akg:SovereignState }")
    result = query(built, path, "--format", "csv")
    assert result.stdout.splitlines() == ["n", "3"]


def test_a_syntax_error_names_line_and_column(built):
    result = query(built, "--sparql", "SELECT * WHERE {\n  ?s ?p \n}")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: SPARQL query syntax error at line 3, column ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_saved_query_lists_the_known_ones(built):
    result = query(built, "no-such-query")
    assert result.exit_code == 1
    assert "no saved query named 'no-such-query'" in result.stderr
    assert "alliance-members" in result.stderr


def test_parameters_are_checked_and_named(built):
    result = query(built, "fact-source", "--param", "s=not an iri")
    assert result.exit_code == 1
    assert "parameter 's'" in result.stderr
    result = query(built, "fact-source", "--param", "nope=1")
    assert "has no parameter 'nope'" in result.stderr
    result = query(built, "fact-source", "--param", "novalue")
    assert "NAME=VALUE" in result.stderr


def test_query_without_a_store_says_to_build(tmp_path):
    result = run_cli("query", "--store", tmp_path / "none", "alliance-members")
    assert result.exit_code == 1
    assert "run `alliance-kg build" in result.stderr


def test_query_needs_exactly_one_query(built):
    result = query(built)
    assert result.exit_code == 1
    assert "give exactly one of" in result.stderr


def test_queries_lists_saved_queries_with_summaries():
    result = run_cli("queries")
    assert "alliance-members" in result.stdout
    assert "Which states are members of the US-Japan alliance?" in result.stdout
    # One description of each parameter: with its default, which a --param leaves in place.
    assert (
        "s (iri, default id:US_Japan_Security_Treaty), p (iri, default akg:dateSigned), "
        "o (literal, optional)" in result.stdout
    )


@pytest.mark.parametrize(("selection", "fmt", "rdflib_format"), [
    ("all", "nq", "nquads"), ("asserted", "trig", "trig"), ("ontology", "ttl", "turtle"),
    ("all", "nt", "nt"), ("asserted", "jsonld", "json-ld"), ("ontology", "rdfxml", "xml"),
])  # fmt: skip
def test_export_formats_parse_back(built, tmp_path, selection, fmt, rdflib_format):
    out = tmp_path / f"export.{fmt}"
    result = run_cli(
        "export", "--store", built.root, "--graphs", selection, "--format", fmt, "-o", out
    )
    assert result.exit_code == 0, result.stderr
    data = rdflib.Dataset()
    data.parse(out, format=rdflib_format)
    assert len(data) > 100 or sum(len(g) for g in data.graphs()) > 100


def test_export_asserted_has_no_ontology_and_keeps_claim_graphs(built):
    result = run_cli("export", "--store", built.root, "--graphs", "asserted", "--format", "nq")
    assert "owl#Class" not in result.stdout
    assert "/claim/strategic-alliance-2024-04-13/state-visit>" in result.stdout


def test_export_to_stdout_counts_what_it_wrote(built):
    result = run_cli("export", "--store", built.root, "--graphs", "inferred", "--format", "nt")
    assert result.exit_code == 0
    assert result.stderr.startswith("exported ")


def test_the_installed_console_script_runs_without_traceback(built):
    script = Path(sys.executable).with_name("alliance-kg")
    done = subprocess.run(
        [script, "query", "--store", built.root, "--sparql", "SELECT * WHERE { ?s"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith("error: SPARQL query syntax error at line 1")
    assert "Traceback" not in done.stderr


# Errors a new user meets: each is one line and a non-zero exit.


def installed(*args, **kwargs) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("alliance-kg")
    return subprocess.run([script, *map(str, args)], capture_output=True, timeout=120, **kwargs)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    text = result.stderr.decode().strip()
    assert "Traceback" not in text and text.count("\n") == 0, text
    return text


def test_unwritable_outputs_are_one_line_errors(built, tmp_path):
    store = ["--store", built.root]
    text = one_line_error(installed("export", *store, "-o", "/no/such/dir/x.nq"))
    assert "/no/such/dir/x.nq" in text
    (tmp_path / "d.nt").write_text("<urn:a> <urn:b> <urn:c> .\n")
    ontology = ["--ontology", "ontology/alliance.ttl"]
    one_line_error(installed("reason", *ontology, tmp_path / "d.nt", "-o", "/no/such/dir/x.nt"))
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [Path(sys.executable).with_name("alliance-kg"), "query", *store, "alliance-members"],
            stdout=full, stderr=subprocess.PIPE, timeout=120,
        )  # fmt: skip
    assert "No space left on device" in one_line_error(result)
    assert "99999" in one_line_error(installed("serve", *store, "--port", "99999"))


def test_explain_of_a_triple_that_does_not_hold_fails(built):
    result = installed("explain", "--store", built.root, "id:Japan", "akg:alliedWith", "id:Japan")
    assert result.returncode != 0
    assert "does not hold" in result.stderr.decode()


def test_an_unknown_prefix_is_named_not_taken_for_an_iri(built):
    result = installed("explain", "--store", built.root, "id:Japan", "akgg:alliedWith", "id:US")
    assert "unknown prefix 'akgg:'" in one_line_error(result)
    bracketed = installed(
        "explain", "--store", built.root, "id:Japan", "<akgg:alliedWith>", "id:United_States"
    )
    assert "does not hold" in bracketed.stderr.decode()  # a full IRI, taken as written


def test_an_undeclared_prefix_in_a_query_is_named(built):
    result = installed("query", "--store", built.root, "--sparql", "SELECT * { ?s nope:p ?o }")
    text = one_line_error(result)
    assert "the prefix nope: (in nope:p) is not declared" in text and "column" in text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_json_and_xml_output_end_with_a_newline(built, fmt):
    result = run_cli("query", "--store", built.root, "--sparql", "ASK {}", "--format", fmt)
    assert result.stdout.endswith("\n") and not result.stdout.endswith("\n\n")


def test_load_needs_a_store_and_refuses_a_reasoning_store(built, tmp_path):
    (tmp_path / "x.nt").write_text("<urn:a> <urn:b> <urn:c> .\n")
    assert installed("load", tmp_path / "x.nt").returncode == 2  # --store is required
    copy = tmp_path / "copy"
    shutil.copytree(built.root, copy, symlinks=True)
    text = one_line_error(installed("load", "--store", copy, tmp_path / "x.nt"))
    assert "reasoning store" in text and "alliance-kg update" in text


def test_select_star_columns_come_in_the_query_order(built):
    query = "SELECT * WHERE { ?state a akg:SovereignState ; rdfs:label ?label . BIND (1 AS ?a) }"
    result = run_cli("query", "--store", built.root, "--sparql", query, "--format", "csv")
    assert result.stdout.splitlines()[0] == "state,label,a"
