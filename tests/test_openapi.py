"""The saved-queries API: its OpenAPI 3.1 document (checked against the spec, then used to fuzz
the real server with schemathesis) and paging with Link headers."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from graph.saved_queries import load_saved_queries
from queries import QUERIES_DIR

#: Fuzzing: a fixed set of examples in the suite (so that a run is repeatable); set
#: ALLIANCE_KG_FUZZ_EXAMPLES to explore more, with fresh randomness.
EXAMPLES = int(os.environ.get("ALLIANCE_KG_FUZZ_EXAMPLES", "12"))
DERANDOMIZE = "ALLIANCE_KG_FUZZ_EXAMPLES" not in os.environ


@pytest.fixture(scope="module")
def document(server):
    response = server.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def test_the_document_is_valid_openapi_3_1(document, server):
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": server.url}]


def test_every_saved_query_is_described_with_typed_examples(document):
    saved = load_saved_queries(QUERIES_DIR)
    assert {f"/api/queries/{name}" for name in saved} <= set(document["paths"])
    for name, query in saved.items():
        operation = document["paths"][f"/api/queries/{name}"]["get"]
        assert operation["summary"] == query.summary
        described = {p["name"]: p for p in operation["parameters"]}
        for parameter in query.parameters:
            entry = described[parameter.name]
            assert entry["schema"]["type"] in ("string", "integer", "number", "boolean")
            assert "example" in entry
        assert {"format", "dataset"} <= set(described)
        assert "application/sparql-results+json" in operation["responses"]["200"]["content"]


def test_enumerated_parameters_list_their_values(document, server):
    parameters = document["paths"]["/api/queries/alliance-members"]["get"]["parameters"]
    alliance = next(p for p in parameters if p["name"] == "alliance")
    assert alliance["schema"]["enum"] == [
        "id:US_Japan_Alliance",
        "https://w3id.org/alliance-kg/id/US_Japan_Alliance",
    ]
    page = server.get("/queries/alliance-members").text
    assert '<select name="alliance">' in page and "<option selected>id:US_Japan_Alliance" in page


def test_the_examples_run(document, server):
    for path, item in document["paths"].items():
        parameters = {
            p["name"]: p["example"] for p in item["get"].get("parameters", []) if "example" in p
        }
        response = server.get(path, params=parameters)
        assert response.status_code == 200, f"{path}: {response.text}"


@pytest.mark.slow  # a fuzz test
def test_the_api_never_fails_on_what_its_document_allows(document, server):
    """Requests generated from the document (schemathesis): any value it allows gets an answer
    the document describes (status, media type, schema), never a 500."""
    api = schemathesis.openapi.from_dict(document)
    api.config.update(base_url=server.url)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == len(document["paths"])
    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate()

        check()


def test_paging_follows_link_headers(server):
    url = "/api/queries/claims-by-attribution"
    seen, pages = [], 0
    response = server.get(url, params={"format": "rows"})
    while True:
        assert response.status_code == 200
        rows = response.json()
        assert len(rows) <= 10
        seen.extend(r["claim"] for r in rows)
        pages += 1
        links = dict(
            (rel, target)
            for target, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])
        )
        assert links["first"].endswith("page=1")
        assert ("prev" in links) == (pages > 1)
        if "next" not in links:
            break
        assert "format=rows" in links["next"]
        response = server.get(links["next"].removeprefix(server.url))
    assert pages == 4
    assert len(seen) == 39 and len(set(seen)) == 39


@pytest.mark.parametrize(
    ("path", "page", "words"),
    [
        ("/api/queries/claims-by-attribution", "0", "expected a page number"),
        ("/api/queries/claims-by-attribution", "10000001", "expected a page number"),
        ("/api/queries/claims-by-attribution", "two", "expected a page number"),
        ("/api/queries/alliance-members", "2", "is not paginated"),
    ],
)
def test_bad_pages_are_400s(server, path, page, words):
    response = server.get(path, params={"page": page})
    assert response.status_code == 400
    assert words in response.text


REPRESENTATIONS = [
    # (Accept, format parameter, what the body must be)
    ("application/json", None, list),
    ("application/sparql-results+json", None, dict),
    ("*/*", None, dict),
    (None, "rows", list),
    ("text/csv", None, str),
]


@pytest.mark.parametrize(("accept", "fmt", "kind"), REPRESENTATIONS)
def test_live_requests_and_responses_validate_against_the_document(
    document, server, accept, fmt, kind
):
    """openapi-core, a validator nobody here wrote, checks each live request and response
    (status, headers, media type, body schema) against the document, for each representation a
    client can ask for by Accept alone, as a generated client does."""
    import requests
    from openapi_core import Config, OpenAPI
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

    def as_json(body: bytes, **_):
        return json.loads(body)

    def as_text(body: bytes, charset: str = "utf-8", **_) -> str:
        return body if isinstance(body, str) else body.decode(charset)

    # The SPARQL result types are JSON and text to the validator, as to any client.
    readers = {"application/sparql-results+json": as_json, "text/csv": as_text}
    spec = OpenAPI.from_dict(document, config=Config(extra_media_type_deserializers=readers))
    for path, params in [
        ("/api/queries/initiatives", {"status": "https://w3id.org/alliance-kg/ontology#Planned"}),
        ("/api/queries/acquisitions", {}),
        ("/api/queries/claims-by-attribution", {"page": 2}),
    ]:
        if fmt:
            params = {**params, "format": fmt}
        headers = {"Accept": accept} if accept else {}
        prepared = requests.Request("GET", server.url + path, params=params, headers=headers)
        request = RequestsOpenAPIRequest(prepared)
        spec.validate_request(request)
        response = requests.Session().send(prepared.prepare(), timeout=30)
        assert response.status_code == 200, response.text
        spec.validate_response(request, RequestsOpenAPIResponse(response))
        body = response.text if kind is str else response.json()
        assert isinstance(body, kind), (path, accept, fmt)


def test_a_client_generated_from_the_document_gets_each_representation(
    document, server, tmp_path, monkeypatch
):
    """openapi-python-client writes a typed client from the live document; its operations
    answer with SPARQL JSON, JSON rows and CSV, each parsed by the generated code."""
    import importlib
    import shutil
    import subprocess
    import sys

    generator = shutil.which("openapi-python-client") or str(
        Path(sys.executable).with_name("openapi-python-client")
    )
    (tmp_path / "openapi.json").write_text(json.dumps(document))
    subprocess.run(
        [generator, "generate", "--path", "openapi.json", "--meta", "none", "--output-path", "gen"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    (tmp_path / "pkg").mkdir()
    (tmp_path / "gen").rename(tmp_path / "pkg" / "generated_client")
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    client_module = importlib.import_module("generated_client")
    tag = importlib.import_module("generated_client.api.companies")
    client = client_module.Client(base_url=server.url)

    def operation(name):
        return importlib.import_module(f"{tag.__name__}.{name}")

    results = operation("acquisitions").sync(client=client)
    amount = results.results.bindings[0]["amount"]
    assert float(amount.value) == 14_100_000_000 and amount.datatype.endswith("#decimal")
    rows = operation("acquisitions_rows").sync(client=client)
    (deal,) = rows
    assert deal["amount"] == 14_100_000_000 and deal["currency"] == "USD"
    csv = operation("acquisitions_csv").sync(client=client)
    assert csv.startswith("deal,acquirerLabel,targetLabel,amount,currency")
