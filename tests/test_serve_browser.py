"""The page of `qa serve` in a real browser (issue 11, item 4): Debian's Chromium driven by
Playwright for Python (never `playwright install`: no browser is downloaded). Asks in
English and Chinese, checks the figure against the API's answer, opens a citation and
checks the highlighted span is the cited text and in view, shows an unanswerable
question's reason, and renders a hostile document as text. Screenshots are kept under
the pytest temporary folder; the path is printed at the end of the module.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DOCUMENT_QA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTION = "What was Guangzhou's GDP in 2016?"
CHINESE = "香港的人均GDP是多少?"
UNANSWERABLE = "What was Guangzhou's GDP in 2022?"
WAIT_MS = 60_000

if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's package 'chromium' "
                "(apt-get install -y --no-install-recommends chromium; make setup does it as root)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)")


@pytest.fixture(scope="module")
def service(bundled_assistant):
    from qa.serve.service import Service

    service = Service(bundled_assistant)
    service.warm_up()
    yield service
    service.close()


@pytest.fixture(scope="module")
def server(service):
    from serve_live import running_server

    from qa.serve.app import create_app

    with running_server(create_app(service)) as url:
        yield url


@pytest.fixture(scope="module")
def shots(tmp_path_factory, request):
    folder = tmp_path_factory.mktemp("serve-screenshots")
    yield folder
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"\nbrowser screenshots: {folder}")


@pytest.fixture(scope="module")
def playwright():
    with sync_api.sync_playwright() as playwright:  # one per thread: the sync API allows no second
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright, tmp_path_factory):
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
        args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(browser, server):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + "/")
    yield page
    page.close()
    assert not errors, errors


def api_answer(service, question):
    from qa.serve.schemas import AskRequest

    return service.ask(AskRequest(question=question))


def ask_on_page(page, question):
    page.fill("#question", question)
    page.click("#ask-button")
    page.wait_for_selector("#passages li", timeout=WAIT_MS)


def test_english_question_shows_the_figure_and_its_citation_opens_the_span(page, service, shots):
    expected = api_answer(service, QUESTION)
    best = expected["figures"][0]
    ask_on_page(page, QUESTION)
    assert page.is_visible("#figure") and not page.is_visible("#not-found")
    assert page.inner_text("#figure-value") == best["display"]
    assert page.inner_text("#figure-label") == best["label"]
    assert page.inner_text("#figure-text") == best["text"]
    assert f"[{best['start']}:{best['end']}]" in page.inner_text("#figure-cite")
    # the passages: as many as the API gives, the figure's characters marked where they are
    assert page.locator("#passages li").count() == len(expected["passages"])
    assert best["text"] in page.locator("mark.figure-mark").all_inner_texts()
    page.screenshot(path=str(shots / "1-english-answer.png"), full_page=True)

    page.click("#figure-cite")
    mark = page.wait_for_selector("#viewer-text mark", timeout=WAIT_MS)
    assert mark.inner_text() == best["text"]
    document = page.evaluate("document.getElementById('viewer-text').textContent")
    assert document[best["start"]:best["end"]] == best["text"]  # the mark sits at the cited offsets
    box, view = mark.bounding_box(), page.locator("#viewer-text").bounding_box()
    assert view["y"] <= box["y"] and box["y"] + box["height"] <= view["y"] + view["height"]  # scrolled into view
    assert f"[{best['start']}:{best['end']}]" in page.inner_text("#viewer-where")
    page.screenshot(path=str(shots / "2-citation-opened.png"))


def test_a_passage_citation_opens_its_document_at_the_passage(page, service):
    expected = api_answer(service, QUESTION)
    ask_on_page(page, QUESTION)
    last = expected["passages"][-1]
    page.locator("#passages li .cite-link").last.click()
    mark = page.wait_for_selector("#viewer-text mark", timeout=WAIT_MS)
    assert mark.inner_text() == last["text"]


def test_chinese_question(page, service, shots):
    expected = api_answer(service, CHINESE)
    ask_on_page(page, CHINESE)
    assert expected["answerable"] and page.inner_text("#figure-value") == expected["figures"][0]["display"]
    page.screenshot(path=str(shots / "3-chinese-answer.png"), full_page=True)


def test_unanswerable_question_says_not_in_the_documents_and_why(page, service, shots):
    expected = api_answer(service, UNANSWERABLE)
    ask_on_page(page, UNANSWERABLE)
    assert not expected["answerable"]
    assert page.is_visible("#not-found") and not page.is_visible("#figure")
    assert "Not in the documents" in page.inner_text("#not-found")
    assert page.inner_text("#reason") == f": {expected['reason']}."
    assert page.locator("#passages li").count() == len(expected["passages"])  # the evidence
    page.screenshot(path=str(shots / "4-not-in-the-documents.png"), full_page=True)


def test_an_empty_question_is_refused_on_the_page(page):
    page.fill("#question", "   ")
    page.click("#ask-button")
    assert "question" in page.inner_text("#status").lower()
    assert not page.is_visible("#answer")


HOSTILE = ('<script>window.pwned = 1</script> 42 <img src=x onerror="window.pwned = 2"> '
           '\u202eevil\u202c <b>bold</b>\x1b[2J')


def test_hostile_document_text_is_shown_as_text(page):
    """The page's own rendering code given an answer and a document shaped as the API
    gives them, whose text is markup, a terminal escape and a bidi override: shown as
    text, nothing runs, no element is made from it."""
    start = HOSTILE.index("42")
    answer = {
        "question": "q", "answerable": True, "asks_for_figure": True, "reason": "",
        "figures": [{"value": 42, "unit": None, "text": "42", "label": HOSTILE, "doc": "<i>x</i>.md",
                     "start": start, "end": start + 2, "page": None, "display": "42"}],
        "passages": [{"doc": "<i>x</i>.md", "start": 0, "end": len(HOSTILE), "text": HOSTILE, "score": 1.0,
                      "rank": 1, "page": None, "line": 1, "section": HOSTILE, "highlights": [[0, 10]]}],
    }
    document = {"doc": "<i>x</i>.md", "title": HOSTILE, "text": HOSTILE, "page_starts": []}
    page.evaluate("([answer, document]) => { showAnswer(answer); documentCache.set(document.doc, document); }",
                  [answer, document])
    page.click("#figure-cite")
    page.wait_for_selector("#viewer-text mark")
    assert page.evaluate("window.pwned") is None
    for where in ("#answer", "#viewer"):
        assert page.locator(f"{where} script, {where} img, {where} b, {where} i").count() == 0
    shown = page.inner_text("#passages li pre")
    assert "<script>window.pwned = 1</script>" in shown and "\\u202eevil\\u202c" in shown and "\\x1b[2J" in shown
    assert page.inner_text("#viewer-text mark") == "42" and "<img src=x" in page.inner_text("#viewer-text")
    assert page.inner_text("#figure-label").startswith("<script>")


def test_a_server_with_a_token_asks_the_browser_for_it(service, playwright):
    """With a token, the page loads once the browser has the token (HTTP Basic, as a
    person types it into the browser's prompt), and every request carries it."""
    from serve_live import running_server

    from qa.serve.app import create_app

    token = "browser-token-0123456789"
    with running_server(create_app(service, token=token)) as url:
        # launch() makes a fresh temporary profile of its own
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            without = browser.new_context()
            assert without.request.get(url + "/").status == 401
            assert without.request.get(url + "/healthz").status == 401
            context = browser.new_context(http_credentials={"username": "me", "password": token})
            page = context.new_page()
            assert page.goto(url + "/").status == 200
            ask_on_page(page, QUESTION)
            assert page.is_visible("#figure")
        finally:
            browser.close()
