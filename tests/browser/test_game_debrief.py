"""The game's debrief page in a real Chromium, as a projector shows it: the Voila dashboard
(a rehearsal of bots, with no room given) and the one-page debrief that is e-mailed after,
each at 1024x768: every chart drawn and named by its figures, its text at least 13 px,
nothing past the edge, and no serious or critical axe-core violation (WCAG 2 A and AA).
Screenshots at 1024x768 and 1366x768 go to ``screenshots/`` for a person to look at.
"""

from __future__ import annotations

import re

import kit_browser as kb
import pytest

from casestudy.game.debrief import page_html
from casestudy.ui.game_debrief import rehearsal

pytestmark = pytest.mark.browser
PROJECTOR = {"width": 1024, "height": 768}
MIN_TEXT_PX = 13


def _named(texts: list[dict]) -> list[dict]:
    return [t for t in texts if len(t["label"]) < 30 or not re.search(r"\d", t["label"])]


def test_the_debrief_dashboard_at_1024(voila, browser, screenshots):
    page, log = kb.open_page(browser, voila.url + "voila/render/facilitator/game_debrief.ipynb",
                             viewport=PROJECTOR)
    try:
        kb.wait_for_voila(page)
        charts = kb.wait_for_charts(page, expected_min=5)
        assert len(charts) >= 5 and all(c["drawn"] for c in charts), charts
        page.screenshot(path=screenshots / "game_debrief_1024.png")
        for number in (1, 2, 4, 5):  # the page scrolls inside Voila: a shot at each chart
            page.locator(".vega-embed").nth(number - 1).scroll_into_view_if_needed()
            page.screenshot(path=screenshots / f"game_debrief_1024_lesson{number}.png")
        texts = kb.chart_text(page)
        assert _named(texts) == [], "a chart without its figures in words"
        smallest = min(t["smallest_px"] for t in texts if t["smallest_px"])
        assert smallest >= MIN_TEXT_PX - 0.05, smallest
        assert kb.charts_past(page, "body") == [], "a chart past the edge at 1024"
        assert kb.axe_violations(page) == []
        kb.resize(page, 1366, 768)
        page.screenshot(path=screenshots / "game_debrief_1366.png")
    finally:
        page.context.close()
    assert kb.problems(log) == []


def test_the_emailed_debrief_at_1024(browser, screenshots, tmp_path):
    path = tmp_path / "debrief.html"
    path.write_text(page_html(rehearsal()), encoding="utf-8")
    page, log = kb.open_page(browser, path.as_uri(), viewport=PROJECTOR)
    try:
        page.wait_for_selector("figure svg")
        assert page.locator("figure svg[role=img]").count() == 5
        page.screenshot(path=screenshots / "game_debrief_email_1024.png", full_page=True)
        assert kb.axe_violations(page) == []
        wide = page.evaluate("() => [...document.querySelectorAll('figure svg')].filter("
                             "s => s.getBoundingClientRect().right > window.innerWidth).length")
        assert wide == 0
        kb.resize(page, 1366, 768)
        page.screenshot(path=screenshots / "game_debrief_email_1366.png")
    finally:
        page.context.close()
    assert kb.problems(log) == []
