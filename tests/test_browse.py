"""The browsing pages through the real server: what they list, their paging and their errors.
(How they look and that a person can click through them: tests/test_browser.py.)"""

from __future__ import annotations

import re

import pytest

HTML = {"Accept": "text/html"}


def links(response) -> list[tuple[str, str]]:
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', response.text)


def test_browse_lists_classes_with_counts_and_properties_with_uses(server):
    page = server.get("/browse", headers=HTML)
    assert page.status_code == 200
    assert ("/ontology#SovereignState", "sovereign state") in links(page)
    count = re.search(r'ontology%23SovereignState">(\d+)</a>', page.text)
    assert count[1] == "3"  # the US, Japan, the Philippines
    assert re.search(
        r'iri=https%3A%2F%2Fw3id.org%2Falliance-kg%2Fontology%23alliedWith">\d+</a>', page.text
    )


def test_a_class_page_lists_its_instances_by_label_and_pages(server):
    page = server.get(
        "/browse/class", params={"iri": "https://w3id.org/alliance-kg/ontology#SovereignState"}
    )
    names = [text for href, text in links(page) if href.startswith("/id/")]
    assert names == ["Japan", "Philippines", "United States"]
    assert "page 1 of 1 (3 in all)" in page.text


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/browse/class", {}, 400, "iri must be an absolute IRI"),
        ("/browse/property", {"iri": "not an iri"}, 400, "iri must be an absolute IRI"),
        ("/browse/class", {"iri": "urn:x", "page": "0"}, 400, "page must be a whole number"),
        ("/entities", {"letter": "Q"}, 404, "no entity's label starts with 'Q'"),
    ],
)
def test_bad_browse_requests_say_what_is_wrong(server, path, params, status, message):
    answer = server.get(path, params=params)
    assert answer.status_code == status
    assert message in answer.text


def test_the_entities_a_to_z_group_by_first_letter(server):
    page = server.get("/entities?letter=K")
    names = [text for href, text in links(page) if href.startswith("/id/")]
    assert "Kishida Fumio" in names
    assert all(name.upper().startswith("K") for name in names)


def test_sources_list_claims_in_the_order_of_the_text(server):
    page = server.get("/sources")
    claims = re.findall(r'href="/claim/strategic-alliance-2024-04-13/([^"]+)"', page.text)
    assert claims[0] == "state-visit"  # the article's first sentence
    assert len(set(claims)) == 39
    assert "<mark>Sources familiar with the matter said PM Kishida will visit a Toyota" in page.text


def test_search_ranks_the_exact_label_first_and_finds_sentences(server):
    page = server.get("/search", params={"q": "kishida fumio"})
    entities = [text for href, text in links(page) if href.startswith("/id/")]
    assert entities[0] == "Kishida Fumio"
    toyota = server.get("/search", params={"q": "Toyota"})
    assert "<mark>Toyota</mark> Motor Corp factory" in toyota.text
    nothing = server.get("/search", params={"q": "zzzz-nothing"})
    assert (
        "No entity&#39;s label matches" in nothing.text
        or "No entity's label matches" in nothing.text
    )


def test_an_error_is_a_page_for_a_browser_and_text_for_a_client(server):
    browser = server.get("/page/id/No_such_entity", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.status_code == 404
    assert "text/html" in browser.headers["Content-Type"] and 'class="brand"' in browser.text
    client = server.get("/page/id/No_such_entity")
    assert client.status_code == 404 and client.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "path",
    [
        "/browse",
        "/browse/class?iri=https%3A%2F%2Fw3id.org%2Falliance-kg%2Fontology%23SovereignState",
        "/queries",
        "/ontology",
        "/entities",
        "/sources",
        "/timeline",
        "/contradictions",
    ],
)
def test_pages_name_their_machine_readable_twin_in_a_link_header(server, path):
    import requests

    page = server.get(path, headers=HTML)
    links = requests.utils.parse_header_links(page.headers["Link"])
    twin = server.get(links[0]["url"].replace(server.url, ""))
    assert twin.status_code == 200
    assert twin.headers["Content-Type"].split(";")[0] == links[0]["type"]
