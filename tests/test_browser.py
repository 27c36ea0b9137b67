"""The pages in real headless Chromium (Debian's, driven by Playwright), against the real server
(the session's; the one test that writes undoes its write).

Every request the browser makes is recorded: none may leave the server (users run offline).
Over 400 lines: one browser session for every page type, which starting Chromium makes worth it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

if shutil.which(CHROMIUM) is None:
    # .ci/run installs it and sets ALLIANCE_KG_REQUIRE_BROWSER, so CI never skips these.
    if os.environ.get("ALLIANCE_KG_REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium")
    pytest.skip(
        "browser tests need Debian's chromium (apt-get install chromium)", allow_module_level=True
    )


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.requests = []
    page.errors = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and page.errors.append(f"{r.status} {r.url}"))
    yield page
    outside = [url for url in page.requests if not url.startswith((server.url, "data:", "blob:"))]
    assert outside == [], "the page asked for something outside the server"
    context.close()


def run_in_yasgui(page) -> tuple[str, str]:
    """Wait for YASGUI, run the query it shows; its text and the results' text."""
    page.wait_for_selector(".yasqe .CodeMirror")
    query = page.evaluate("allianceKgYasgui.getTab().getQuery()")
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table td")
    return query, page.inner_text(".yasr")


def test_the_query_page_runs_a_query_in_yasgui(page, server):
    page.goto(server.url + "/")
    query, text = run_in_yasgui(page)
    assert "SovereignState" in query
    assert "Japan" in text and "Philippines" in text
    # The graph's own IRIs lead to their pages on this server.
    page.click(".yasr table td a:text('id:Japan')")
    page.wait_for_load_state()
    assert page.url == server.url + "/page/id/Japan"
    assert page.errors == []


def test_the_query_page_opens_a_given_query(page, server):
    page.goto(server.url + "/?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D")
    page.wait_for_selector(".yasqe .CodeMirror")
    assert page.evaluate("allianceKgYasgui.getTab().getQuery()") == "ASK { ?s ?p ?o }"
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr .booleanResult, .yasr_results:has-text('true')")
    assert "true" in page.inner_text(".yasr").lower()


def test_results_page_and_entity_page_link_to_each_other(page, server):
    query = "SELECT ?state WHERE { ?state a akg:SovereignState } ORDER BY ?state"
    page.goto(server.url + "/sparql?format=html&query=" + query.replace(" ", "%20"))
    assert page.inner_text("main p.count") == "3 rows"
    assert "id:Japan" in page.inner_text("table")  # the short form beside the label
    page.click("table a:text-is('Japan')")
    page.wait_for_load_state()
    assert "/page/id/Japan" in page.url
    assert "Japan" in page.inner_text("h1")
    assert page.errors == []


def test_labels_are_escaped(page, server):
    label = '<script>window.injected = true</script><img src=x onerror="window.injected = true">'
    update = (
        "INSERT DATA { <https://w3id.org/alliance-kg/id/Japan> "
        f"<http://www.w3.org/2000/01/rdf-schema#label> '''{label}''' }}"
    )
    response = server.post("/sparql", data={"update": update}, headers=server.auth)
    assert response.status_code == 204, response.text
    try:
        page.goto(server.url + "/page/id/Japan")
        assert label in page.inner_text("body")
        assert page.evaluate("window.injected === undefined")
        page.goto(server.url + "/page/id/United_States")  # Japan appears among its links
        assert page.evaluate("window.injected === undefined")
        page.goto(
            server.url
            + "/sparql?format=html&query=SELECT%20*%20WHERE%20%7B%20id%3AJapan%20rdfs%3Alabel%20%3Fl%20%7D"
        )
        assert label in page.inner_text("table")
        assert page.evaluate("window.injected === undefined")
    finally:
        server.post(
            "/sparql", data={"update": update.replace("INSERT", "DELETE")}, headers=server.auth
        )


def test_a_saved_query_page_runs_with_a_form_and_opens_in_the_editor(page, server):
    page.goto(server.url + "/api/queries")
    page.click("a[href='/queries/fact-source']")
    page.wait_for_load_state()
    assert page.url.endswith("/queries/fact-source")
    assert "1960" in page.inner_text("table")  # the defaults: when the treaty was signed
    page.fill("input[name=s]", "id:Nippon_Steel_acquisition_of_US_Steel")
    page.fill("input[name=p]", "akg:acquirer")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert "id:Nippon_Steel" in page.inner_text("table")
    page.click("a.open-in-editor")
    query, text = run_in_yasgui(page)
    assert "VALUES" in query and "ontology#acquirer>" in query
    assert "Nippon_Steel" in text
    assert page.errors == []


def test_the_timeline_leads_to_event_pages_with_their_neighbourhood(page, server):
    page.goto(server.url + "/timeline")
    assert page.locator("svg.timeline").count() == 1
    page.click(".timeline-list a:text('US-Japan Security Treaty')")
    page.wait_for_load_state()
    assert page.url == server.url + "/page/id/US_Japan_Security_Treaty"
    assert page.locator("svg.neighbourhood circle").count() > 3
    page.click("svg.neighbourhood a:has(text:text('United States'))")
    page.wait_for_load_state()
    assert page.url == server.url + "/page/id/United_States"
    assert page.errors == []


def test_the_editor_knows_the_predeclared_prefixes(page, server):
    """A query with akg: and no PREFIX line is not marked wrong, and the editor opens on a
    readable query, not on PREFIX lines."""
    page.goto(
        server.url + "/?query=" + "SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20akg%3AAlliance%20%7D"
    )
    page.wait_for_selector(".yasqe .CodeMirror")
    page.wait_for_timeout(300)  # the editor checks the syntax after a change
    html = page.inner_html(".yasqe")
    assert "is not defined" not in html
    assert page.evaluate("allianceKgYasgui.getTab().getYasqe().queryValid") is True
    page.evaluate("allianceKgYasgui.getTab().getYasqe().setValue('SELECT * { ?s nope:x ?o }')")
    page.wait_for_timeout(300)
    assert page.evaluate("allianceKgYasgui.getTab().getYasqe().queryValid") is False
    page.evaluate("localStorage.clear()")
    fresh = page.context.new_page()
    fresh.goto(server.url + "/")
    fresh.wait_for_selector(".yasqe .CodeMirror")
    assert not fresh.evaluate("allianceKgYasgui.getTab().getQuery()").startswith("PREFIX")
    fresh.close()
    assert page.errors == []


@pytest.fixture
def other_origin():
    """A second origin on 127.0.0.1 (another port), serving an empty page to run scripts in."""
    import http.server
    import threading

    class Blank(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<!doctype html><title>another site</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Blank)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


FROM_ANOTHER_ORIGIN = """async (base) => {
  const read = async (path, headers = {}) => {
    const r = await fetch(base + path, {headers, cache: "no-store"});
    const names = ["ETag", "Link", "X-Cache", "Content-Disposition", "Last-Modified"];
    return {status: r.status, headers: Object.fromEntries(names.map(n => [n, r.headers.get(n)])),
            text: r.status === 200 ? await r.text() : ""};
  };
  const rows = await read("/api/queries/claims-by-attribution?format=rows");
  const next = await read("/api/queries/claims-by-attribution?format=rows&page=2");
  const again = await read("/api/queries/claims-by-attribution?format=rows",
                           {"If-None-Match": rows.headers.ETag});
  const turtle = await read("/data/id/Japan.ttl", {Accept: "text/turtle"});
  const revalidated = await read("/data/id/Japan.ttl", {"If-None-Match": turtle.headers.ETag});
  const dump = await read("/dumps/asserted.nq.gz");
  const query = await fetch(base + "/sparql", {method: "POST",
      headers: {"Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json"},
      body: "ASK { id:Japan akg:alliedWith id:United_States }"}).then(r => r.json());
  let write = "allowed";
  try {
    await fetch(base + "/sparql", {method: "POST",
        headers: {"Content-Type": "application/sparql-update", "Authorization": "Bearer x"},
        body: "CLEAR ALL"});
  } catch (e) { write = "refused"; }
  return {rows, next, again, turtle, revalidated, dump, query, write};
}"""


def test_a_page_on_another_origin_pages_revalidates_and_downloads(browser, server, other_origin):
    context = browser.new_context()
    page = context.new_page()
    requested, errors = [], []
    page.on("request", lambda r: requested.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(other_origin + "/")
    seen = page.evaluate(FROM_ANOTHER_ORIGIN, server.url)
    context.close()
    rows = seen["rows"]
    assert rows["status"] == 200 and rows["headers"]["ETag"] and rows["headers"]["X-Cache"]
    assert 'rel="next"' in rows["headers"]["Link"]
    assert seen["next"]["status"] == 200 and 'rel="prev"' in seen["next"]["headers"]["Link"]
    assert seen["again"]["status"] == 304
    assert seen["turtle"]["status"] == 200 and "akg:" in seen["turtle"]["text"]
    assert seen["turtle"]["headers"]["Last-Modified"]
    assert seen["revalidated"]["status"] == 304
    assert "asserted.nq.gz" in seen["dump"]["headers"]["Content-Disposition"]
    assert seen["query"]["boolean"] is True
    # Writes are not opened by CORS: the preflight does not allow Authorization, so the
    # browser refuses to send the update with its token.
    assert seen["write"] == "refused"
    assert all(url.startswith((server.url, other_origin)) for url in requested)
    assert errors == []


#: Where the run saves a screenshot of each page type, for a person to look at.
SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"

#: Every section the header links to, with a text its page shows.
SECTIONS = {
    "Query": "SPARQL endpoint",
    "Browse": "Classes",
    "Saved queries": "alliance-members",
    "Timeline": "Timeline",
    "Sources": "The strategic alliance relationship",
    "Contradictions": "Contradictions",
    "Ontology": "ontology",
    "Data": "Dumps",
}


def test_navigation_from_the_home_page_reaches_every_section(page, server):
    page.goto(server.url + "/")
    for section, shown in SECTIONS.items():
        page.goto(server.url + "/")
        page.click(f"header.site nav a:text-is('{section}')")
        page.wait_for_load_state()
        assert shown in page.inner_text("main"), section
        assert page.inner_text("header.site nav [aria-current=page]") == section
    assert page.errors == []


def test_browse_leads_from_a_class_to_its_instances_and_their_pages(page, server):
    page.goto(server.url + "/browse")
    page.click("a[href^='/browse/class'][href$='SovereignState']")
    page.wait_for_load_state()
    assert "Japan" in page.inner_text("main")
    page.click("main ul a:text-is('Japan')")
    page.wait_for_load_state()
    assert page.url == server.url + "/id/Japan" or page.url.endswith("/page/id/Japan")
    assert page.errors == []


def test_search_finds_kishida_and_the_toyota_sentence(page, server):
    page.goto(server.url + "/timeline")
    page.fill("header.site input[name=q]", "kishida")
    page.press("header.site input[name=q]", "Enter")
    page.wait_for_load_state()
    first = page.locator("main ul.results li a").first
    assert first.inner_text() == "Kishida Fumio"
    page.fill("header.site input[name=q]", "Toyota")
    page.press("header.site input[name=q]", "Enter")
    page.wait_for_load_state()
    sentences = page.inner_text("main blockquote")
    assert "visit a Toyota Motor Corp factory" in sentences
    assert page.inner_text("main blockquote mark") == "Toyota"
    assert page.errors == []


@pytest.mark.parametrize(
    "path", ["/page/id/Japan", "/", "/browse", "/sources", "/search?q=alliance", "/queries"]
)
def test_a_phone_sized_viewport_has_no_horizontal_scroll(browser, server, path):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(server.url + path)
    phone.wait_for_load_state("networkidle")
    width = phone.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 390, f"{path} is {width} px wide on a 390 px screen"


def test_the_ontology_page_documents_alliedwith_and_the_class_hierarchy(page, server):
    page.goto(server.url + "/ontology")
    entry = page.locator("section#alliedWith")
    assert entry.locator("dd.characteristics").inner_text() == "symmetric, irreflexive"
    assert entry.locator("dd.domain").inner_text() == "akg:Actor"
    entry.locator("dd.domain a").click()  # a link between terms, on the page itself
    assert page.url.endswith("/ontology#Actor")
    assert "akg:SovereignState" in page.locator("section#Actor").inner_text()
    page.click("nav.toc a[href='#namespaces']")
    assert "https://w3id.org/alliance-kg/ontology#" in page.inner_text("#namespaces + table")
    assert page.errors == []


def test_the_explain_page_shows_the_proof_as_a_tree_with_its_quote(page, server):
    page.goto(server.url + PAGE_TYPES["explain"])
    root = page.locator("ul.proof > li.step")
    assert root.locator("> .triple").inner_text() == (
        "id:Japan akg:trilateralPartnerOf id:Philippines"
    )
    assert root.locator("> .how a.rule").inner_text() == "prp-symp"
    quotes = page.locator("ul.proof blockquote")
    assert quotes.count() == 1  # the summit's sentence, once, however many facts rest on it
    assert "first trilateral summit" in quotes.inner_text()
    page.click("a.rule:text-is('trilateral-partner-of')")
    assert page.url.endswith("/rules#trilateral-partner-of")
    assert "TrilateralSummit" in page.inner_text("section#trilateral-partner-of pre")
    assert page.errors == []


def test_the_api_page_reads_the_openapi_document_and_tries_an_operation(page, server):
    page.goto(server.url + "/data")
    page.click("text=The saved-queries API")
    operation = page.locator("section#factSource")
    assert "For a given fact, which sentence" in operation.inner_text()
    operation.locator("input[name=s]").fill("id:Kishida_visit_to_the_Toyota_factory")
    operation.locator("input[name=p]").fill("akg:site")
    operation.locator("select[name=format]").select_option("csv")
    with page.expect_download() as download:
        operation.locator("button[type=submit]").click()
    answer = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Toyota Motor Corp factory" in answer
    assert page.errors == []


def test_the_entity_page_lists_each_claim_once_with_what_it_states(page, server):
    page.goto(server.url + "/page/id/Kishida_visit_to_the_Toyota_factory")
    quotes = page.locator("ul.quotes li q").all_inner_texts()
    assert len(quotes) == len(set(quotes)) >= 2
    toyota = page.locator("ul.quotes li", has_text="Toyota Motor Corp factory")
    assert "guest Kishida Fumio" in toyota.inner_text()  # the facts this claim states
    toyota.locator("a", has_text="claim toyota-factory-visit").click()
    page.wait_for_load_state()
    assert page.url.endswith("/page/claim/strategic-alliance-2024-04-13/toyota-factory-visit")
    assert "Triples of this claim" in page.inner_text("main")
    assert page.errors == []


def test_error_pages_are_in_the_layout_with_a_way_back(page, server):
    page.on("response", lambda r: None)
    missing = page.goto(server.url + "/page/id/No_such_entity")
    assert missing.status == 404
    assert page.inner_text("header.site a.brand") == "alliance-kg"
    bad = page.goto(server.url + "/sparql?query=SELECT%20%3Fs%20WHERE%20%7B")
    assert bad.status == 400
    assert "syntax error" in page.inner_text("main p.error")
    page.click("text=Edit the query")
    page.wait_for_selector(".yasqe .CodeMirror")
    assert page.evaluate("allianceKgYasgui.getTab().getQuery()") == "SELECT ?s WHERE {"
    page.errors.clear()  # the two error statuses were the point


PAGE_TYPES = {
    "query": "/",
    "results": "/sparql?format=html&query=SELECT%20*%20WHERE%20%7B%20%3Fs%20a%20akg%3ASovereignState%20%7D",
    "entity": "/page/id/Japan",
    "browse": "/browse",
    "class": "/browse/class?iri=https%3A%2F%2Fw3id.org%2Falliance-kg%2Fontology%23SovereignState",
    "property": "/browse/property?iri=https%3A%2F%2Fw3id.org%2Falliance-kg%2Fontology%23alliedWith",
    "entities": "/entities",
    "sources": "/sources",
    "search": "/search?q=kishida",
    "saved-queries": "/queries",
    "saved-query": "/queries/fact-source",
    "timeline": "/timeline",
    "ontology": "/ontology",
    "contradictions": "/contradictions",
    "explain": "/explain?s=https%3A%2F%2Fw3id.org%2Falliance-kg%2Fid%2FJapan&p=https%3A%2F%2Fw3id.org%2Falliance-kg%2Fontology%23trilateralPartnerOf&o=https%3A%2F%2Fw3id.org%2Falliance-kg%2Fid%2FPhilippines",
    "data": "/data",
    "rules": "/rules",
    "api": "/api",
}


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_every_page_type(browser, server, width):
    """Saved under test-output/screenshots/, desktop and phone; each page loads cleanly."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    shot = context.new_page()
    errors = []
    shot.on("pageerror", lambda e: errors.append(str(e)))
    shot.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    for name, path in PAGE_TYPES.items():
        shot.goto(server.url + path)
        shot.wait_for_load_state("networkidle")
        shot.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    context.close()
    assert errors == []
