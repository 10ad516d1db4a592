"""Every notebook as a Voila dashboard (what ``make workshop`` serves), in a real Chromium at
1366x768 with no internet: the start page lists every notebook by its title; each page
shows no code and no error, cuts no words off, draws every chart, and redraws a panel's
charts (each once) when a slider moves under the keyboard, and every link on it works (no
HTTP error, no missing #anchor). Screenshots go to
``screenshots/`` for a person to look at.

The notebooks are found by glob, so a new lesson is covered without editing this file.
"""

from __future__ import annotations

import json
import re

import kit_browser as kb
import pytest

from casestudy.lessons import by_notebook

pytestmark = pytest.mark.browser

NOTEBOOKS = kb.notebooks()
LESSON = re.compile(r"^\d\d_")


def title(path) -> str:
    """What a facilitator should see a notebook listed as: a lesson's number and name from
    the registry (casestudy.lessons), any other notebook's first Markdown heading."""
    lesson = by_notebook(path.name) if path.parent == kb.NOTEBOOKS else None
    if lesson is not None:
        return lesson.label
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            match = re.search(r"^#+\s*(.+?)\s*$", text, flags=re.MULTILINE)
            if match:
                return match.group(1)
    return path.name


def shot_name(prefix: str, relative: str) -> str:
    return prefix + "_" + relative.removesuffix(".ipynb").replace("/", "_")


def test_start_page_lists_every_notebook_by_title(voila, browser, screenshots):
    page, log = kb.open_page(browser, voila.url)
    try:
        page.wait_for_selector("a[href*='/voila/render/']")
        links = page.eval_on_selector_all(
            "a[href*='/voila/render/']",
            "els => els.map(a => [a.getAttribute('href'), a.innerText])")
        page.screenshot(path=screenshots / "voila_start_page.png")
        listed = {href.split("/voila/render/", 1)[1]: text for href, text in links}
        for path in NOTEBOOKS:
            relative = path.relative_to(kb.NOTEBOOKS).as_posix()
            assert relative in listed, f"{relative} is not on the start page: {sorted(listed)}"
            assert title(path) in listed[relative], (relative, listed[relative])
        # In the order of a session: the start page, the lessons, the sandbox, then the
        # facilitator's pages.
        assert list(listed) == [p.relative_to(kb.NOTEBOOKS).as_posix() for p in NOTEBOOKS]
    finally:
        page.context.close()
    assert kb.problems(log) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS,
                         ids=[p.relative_to(kb.NOTEBOOKS).as_posix() for p in NOTEBOOKS])
def test_dashboard(notebook, voila, browser, screenshots):
    relative = notebook.relative_to(kb.NOTEBOOKS).as_posix()
    name = shot_name("voila", relative)
    page, log = kb.open_page(browser, voila.url + "voila/render/" + relative)
    try:
        kb.wait_for_voila(page)
        kb.commit_predictions(page)  # a lesson's panels open once its predictions are in
        charts = kb.wait_for_charts(page, expected_min=1 if LESSON.match(notebook.name) else 0)
        page.screenshot(path=screenshots / f"{name}.png")
        page.screenshot(path=screenshots / f"{name}_full.png", full_page=True)

        # A dashboard: no code on screen, no error in any output.
        code = page.eval_on_selector_all(
            ".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor",
            "els => els.filter(e => e.getClientRects().length && e.innerText.trim()).map(e => e.innerText)")
        assert code == [], "code is visible"
        assert kb.stderr_outputs(page) == [], "an error is shown on the page"
        assert kb.cut_off(page, "body") == {}, "something cut off at 1366x768"

        # Every chart drawn, and a lesson (or the start page) has at least one.
        undrawn = [c for c in charts if not c["drawn"]]
        assert not undrawn, f"charts not drawn: {undrawn}"
        assert charts or not LESSON.match(notebook.name), "a lesson with no chart"

        # Every link opens: the glossary at its entry, the data notes, the next lesson.
        assert kb.LinkChecker(page.context.request, voila.url).on_page(page) == {}, "broken links"

        # Moving a slider with the keyboard redraws the charts beside it (in every panel).
        groups = kb.slider_groups(page)
        if LESSON.match(notebook.name) and page.query_selector(".cs-panel .noUi-handle"):
            assert groups, "a lesson's sliders are not beside any chart"
        for group in groups:
            moves = kb.move_until_redrawn(page, group)
            assert all(m["value_after"] != m["value_before"] for m in moves), moves
            assert moves[-1]["redrawn"] >= 1 and moves[-1]["latency_ms"] is not None, (
                f"no chart redrawn after {len(moves)} sliders moved: {moves}")
            # Once each: the Vega renderer draws a chart twice (and a PNG of it) when its
            # output carries no PNG (ui.common.chart_outputs).
            assert moves[-1]["drawings"] <= moves[-1]["charts"], (
                f"charts drawn more than once for one move: {moves[-1]}")
        if groups:
            page.screenshot(path=screenshots / f"{name}_moved.png")
    finally:
        page.context.close()
    assert kb.problems(log) == []
