"""Predict, then reveal, in a real Chromium (Voila, a page opened alone): no outcome is on
the page before its prediction is committed.

Lesson 2 draws the shift under fixed income alone, then one more payment rule after each
committed prediction; its panels (which draw every rule) are not on the page until the
last prediction is in. Lesson 4's volume-risk panel, which shows its key moment's answer,
appears only after that moment's prediction. What a chart draws is read from the chart
itself: its text alternative (the aria-label Vega gives it), which names every rule drawn."""

from __future__ import annotations

import kit_browser as kb
import pytest

from casestudy.scenario import PRESET_LABELS

pytestmark = pytest.mark.browser

FIXED, MRET, BLENDED = (PRESET_LABELS[p].lower() for p in ("fixed_income", "pbr_mret", "blended"))
CHART_TEXT_JS = """() => Array.from(document.querySelectorAll('.vega-embed'))
    .filter(e => e.getBoundingClientRect().width > 0)
    .map(e => (e.querySelector('[aria-label]') || e).getAttribute('aria-label') || '')
    .join(' | ').toLowerCase()"""
PANEL_TITLES_JS = """() => Array.from(document.querySelectorAll('.cs-panel h3'))
    .map(h => h.textContent)"""


def _commit_next(page, option: int = 0) -> None:
    """Commit the first open prediction on the page and wait until its outcome shows."""
    box = page.query_selector(kb.OPEN_PREDICTION)
    assert box is not None, "no open prediction on the page"
    box.scroll_into_view_if_needed()
    box.query_selector_all(".widget-radio-box input")[option].check()
    box.query_selector("button:has-text('Commit my prediction')").click()
    page.wait_for_function(kb.OUTCOME_SHOWN_JS, arg=box, timeout=60_000)


def _open(page, voila, notebook: str) -> None:
    page.goto(voila.url + "voila/render/" + notebook, wait_until="commit")
    kb.wait_for_voila(page)


def test_lesson2_shows_no_rule_before_its_prediction(voila, browser, screenshots):
    page, log = kb.open_page(browser)
    try:
        _open(page, voila, "02_no_winners_and_losers.ipynb")
        kb.wait_for_charts(page, expected_min=1)
        # Fixed income only; one question; the panels (every rule) not on the page.
        drawn = page.evaluate(CHART_TEXT_JS)
        assert FIXED in drawn and MRET not in drawn and BLENDED not in drawn, drawn
        assert page.locator(".cs-predict").count() == 1
        assert page.evaluate(PANEL_TITLES_JS) == []
        assert not page.locator(".cs-predict .cs-outcome").is_visible()
        page.screenshot(path=screenshots / "predict_lesson2_before.png")

        _commit_next(page, option=0)
        kb.wait_for_charts(page, expected_min=2)
        drawn = page.evaluate(CHART_TEXT_JS)
        assert MRET in drawn and BLENDED not in drawn, drawn  # the next rule, not the one after
        assert page.locator(".cs-predict").count() == 2  # the next question
        assert page.evaluate(PANEL_TITLES_JS) == []

        _commit_next(page, option=1)
        page.wait_for_selector(".cs-panel h3", timeout=60_000)
        kb.wait_for_charts(page, expected_min=3)
        assert BLENDED in page.evaluate(CHART_TEXT_JS)
        assert len(page.evaluate(PANEL_TITLES_JS)) == 2  # the shift, the gain share
        # Each outcome's feedback says its verdict once.
        for box in page.query_selector_all(".cs-predict .cs-outcome"):
            text = box.inner_text()
            assert text.count("Right") + text.count("Not this time") == 1, text
        page.screenshot(path=screenshots / "predict_lesson2_after.png", full_page=True)
    finally:
        page.context.close()
    assert kb.problems(log) == []


def test_lesson4_opens_its_panel_after_the_prediction(voila, browser):
    page, log = kb.open_page(browser)
    try:
        _open(page, voila, "04_fixed_income.ipynb")
        kb.wait_for_charts(page, expected_min=1)
        titles = page.evaluate(PANEL_TITLES_JS)
        assert "Who carries the volume risk" not in titles and titles  # the others are there
        assert not page.locator(".cs-predict .cs-outcome").is_visible()
        _commit_next(page)
        page.wait_for_function(
            "(t) => Array.from(document.querySelectorAll('.cs-panel h3'))"
            ".some(h => h.textContent === t)", arg="Who carries the volume risk", timeout=60_000)
    finally:
        page.context.close()
    assert kb.problems(log) == []
