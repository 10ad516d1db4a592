"""Every notebook as a Voila dashboard (what ``make workshop`` serves), in a real Chromium at
1366x768 with no internet: the start page lists every notebook by its title; each page
shows no code and no error, cuts no words off, draws every chart, and redraws a panel's
charts (each once) when a slider moves under the keyboard, and every link on it works (no
HTTP error, no missing #anchor). The same page, resized, is then judged as a room sees it:
at 1366x768 and 1024x768 no chart past the edge and no control clipped (with every "Save or
load" fold open), chart text at least 13 px at 1366 and larger at 1920x1080; axe-core finds
no serious or critical WCAG 2 A/AA violation; every chart has a text alternative with its
figures. Screenshots of each size go to ``screenshots/`` for a person to look at.

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
MIN_CHART_TEXT_PX = 13


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
        # A dashboard runs itself: its help says nothing of running cells.
        assert not re.search(r"Run All|Shift\+Enter", kb.shown_text(page)), "help for JupyterLab"
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

        # For a screen reader: every chart named by its summary, with its figures; no
        # serious or critical axe-core violation (WCAG 2 A and AA).
        texts = kb.chart_text(page)
        unnamed = [t for t in texts if len(t["label"]) < 30 or not re.search(r"\d", t["label"])
                   and not t["label"].lower().startswith("no ")]
        assert not unnamed, f"charts without a text alternative that gives their figures: {unnamed}"
        violations = kb.axe_violations(page)
        assert violations == [], f"axe-core, serious or critical: {violations}"

        # From the back of a room: chart text at least 13 px at 1366 wide, larger at 1920.
        at_1366 = min((t["smallest_px"] for t in texts if t["smallest_px"]), default=None)
        assert at_1366 is None or at_1366 >= MIN_CHART_TEXT_PX - 0.05, f"chart text {at_1366:.1f} px"
        kb.resize(page, 1920, 1080)
        page.screenshot(path=screenshots / f"{name}_1920.png")
        at_1920 = min((t["smallest_px"] for t in kb.chart_text(page) if t["smallest_px"]),
                      default=None)
        assert at_1366 is None or at_1920 >= 1.2 * at_1366, (at_1366, at_1920)
        assert kb.cut_off(page, "body") == {}, "something cut off at 1920x1080"
        assert kb.controls_clipped(page) == [], "controls clipped at 1920x1080"

        # A panel with a scheme list, before its save panel opens: with its heading at the
        # top of the screen, its first chart starts on the screen with the list (at 1024 the
        # charts go under the controls, so the list goes into columns; 12 boxes one under
        # another put the chart 1,058 px down before).
        for width in (1366, 1024):
            kb.resize(page, width, 768)
            for panel in page.query_selector_all(".cs-panel:has(.cs-schemes)"):
                panel.evaluate("p => p.scrollIntoView({block: 'start'})")
                page.wait_for_timeout(200)
                top = panel.evaluate("p => p.getBoundingClientRect().top")
                chart = panel.evaluate("p => p.querySelector('svg.marks').getBoundingClientRect().top")
                assert chart - top < 768 - 100, f"the chart starts {chart - top:.0f} px down at {width}"

        # On the projector, 1366x768 and 1024x768: nothing past the edge, nothing clipped,
        # the save panels open.
        for width in (1366, 1024):
            kb.resize(page, width, 768)
            kb.open_save_panels(page)
            page.screenshot(path=screenshots / f"{name}_{width}.png")
            assert kb.cut_off(page, "body") == {}, f"something cut off at {width}x768"
            assert kb.controls_clipped(page) == [], f"controls clipped at {width}x768"
    finally:
        page.context.close()
    assert kb.problems(log) == []
