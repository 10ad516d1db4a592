"""The workshop server (``python -m casestudy.serve``) as a room meets it: the glossary and
the data notes open from a dashboard in a tab of their own, at the entry linked, and every
link on them works; a page closed ends its kernel at once, a kernel left without a browser is
culled, a page still open keeps its kernel however long it sits idle, and past the limit on
pages a table gets a short page that says why and tries again.

The kernel test runs a server of its own with a limit of 2 pages and a 6 s idle time, and
uses the start page (its kernel is the lightest): about 30 s on this machine.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import kit_browser as kb
import pytest

pytestmark = pytest.mark.browser

REFERENCE = ["voila/render/glossary.md", "voila/data/README.md", "voila/render/facilitator/guide.md"]


def test_reference_pages_and_every_link_on_them(voila, browser):
    context = browser.new_context()
    try:
        checker = kb.LinkChecker(context.request, voila.url)
        broken, read = checker.crawl([voila.url + page for page in REFERENCE])
        # Nothing else of the kit is served as a file.
        refused = {elsewhere: checker.fetch(voila.url + elsewhere)[0] for elsewhere in [
            "voila/render/%2E%2E/%2E%2E/pyproject.toml", "voila/data/bradford/organisations.csv",
            "voila/render/.ipynb_checkpoints/x.md", "voila/files/glossary.md"]}
    finally:
        context.close()
    assert broken == {}
    assert {voila.url + page for page in REFERENCE} <= set(read)
    # The glossary has its entries under the ids the lessons link.
    status, glossary = checker.pages[voila.url + REFERENCE[0]]
    assert status == 200 and 'id="control-total"' in glossary and 'id="sources"' in glossary
    assert all(status >= 400 for status in refused.values()), refused


def test_a_glossary_link_opens_in_a_tab_of_its_own_at_its_entry(voila, browser):
    page, log = kb.open_page(browser, voila.url + "voila/render/02_no_winners_and_losers.ipynb")
    try:
        kb.wait_for_voila(page)
        lesson = page.url
        link = page.locator("a[href^='glossary.md#']").first
        fragment = link.get_attribute("href").split("#", 1)[1]
        with page.context.expect_page() as opened:
            link.click()
        glossary = opened.value
        glossary.wait_for_load_state()
        assert glossary.url.endswith(f"/voila/render/glossary.md#{fragment}")
        entry = glossary.locator(f"[id='{fragment}']")
        assert entry.count() == 1 and entry.is_visible()
        assert glossary.evaluate("(id) => { const r = document.getElementById(id)"
                                 ".getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }",
                                 fragment), "the glossary did not scroll to the entry"
        assert page.url == lesson  # the lesson, its kernel and its settings stay where they were
        with page.context.expect_page() as opened:
            page.locator("a[href$='data/README.md']").first.click()
        notes = opened.value
        notes.wait_for_load_state()
        assert notes.url.endswith("/voila/data/README.md") and "sources" in notes.content().lower()
    finally:
        page.context.close()
    assert kb.problems(log) == []


def _kernel_alive(server: kb.Server, kernel_id: str) -> bool:
    # Asked apart from the browser (urllib), so that no cookie the answer sets reaches the
    # pages: the page's own cookie is what is under test.
    try:
        with urllib.request.urlopen(f"{server.url}api/kernels/{kernel_id}", timeout=10) as answer:
            return answer.status == 200
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise


def _culled(server: kb.Server, kernel_id: str) -> bool:
    """Whether the server's log says it culled the kernel before anything else ended it (the
    culler may also try while a kernel its page ended is shutting down)."""
    for line in server.log_path.read_text(errors="replace").splitlines():
        if kernel_id in line and ("Culling" in line or "Kernel shutdown" in line):
            return "Culling" in line
    return False


def _kernel_of(page) -> str:
    return page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data')"
                         ".textContent).kernelId")


def _wait_until(check, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


def test_kernels_end_with_their_pages_and_the_limit_is_a_clear_page(browser, chromium_available):
    server = kb.start_voila(options=("--max-pages=2", "--idle-minutes=0.1", "--cull-interval=2"))
    start = server.url + "voila/render/00_start_here.ipynb"
    pages = []
    try:
        for _ in range(2):
            page, _ = kb.open_page(browser, start)
            kb.wait_for_voila(page)
            pages.append(page)
        first, second = pages
        kernels = [_kernel_of(p) for p in pages]
        assert all(_kernel_alive(server, k) for k in kernels)

        # A third page is told why, at once, and asks again by itself.
        third, _ = kb.open_page(browser)
        response = third.goto(start)
        assert response.status == 503 and response.headers.get("retry-after")
        text = third.inner_text("body")
        assert "2 pages open already" in text and "tries again by itself" in text

        # Closed as a browser closes a tab: its kernel ends at once (within a few seconds).
        first.close(run_before_unload=True)
        assert _wait_until(lambda: not _kernel_alive(server, kernels[0]), 15)
        assert not _culled(server, kernels[0]), "the closed page's kernel waited to be culled"
        third.goto(start)
        kb.wait_for_voila(third)
        fresh = _kernel_of(third)

        # A page whose browser vanished (no goodbye: a laptop asleep) is culled after its idle
        # time; the pages still open keep theirs, idle as long as they were.
        second.context.close()
        assert _wait_until(lambda: not _kernel_alive(server, kernels[1]), 30)
        assert _culled(server, kernels[1])
        assert _kernel_alive(server, fresh)
        time.sleep(8)  # longer than the idle time, with the page open and idle
        assert _kernel_alive(server, fresh)
        assert third.evaluate("() => !document.body.innerText.includes('Kernel died')")
    finally:
        for page in pages[1:]:
            if not page.is_closed():
                page.context.close()
        server.stop()
