"""A whole lesson by keyboard alone: lesson 2 in Voila at 1366x768, from the top of the page,
with nothing but Tab, arrows, Space and Enter. Tab reaches each prediction (Space picks an
option, Enter commits it, and the panels it kept back open), every control of every panel and
every check; an arrow on a slider or a menu redraws its panel's charts; Space picks an
answer and Enter on the check's button shows its feedback; the "Save or load" fold opens
with Enter. About 20 s on this machine (one page, the session's server and browser)."""

from __future__ import annotations

import kit_browser as kb
import pytest

pytestmark = pytest.mark.browser

LESSON = "02_no_winners_and_losers.ipynb"
MAX_TABS = 400

FOCUSED_JS = r"""
() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  if (!e.dataset.kitKey) e.dataset.kitKey = String(Object.keys(window.__kitKeys = window.__kitKeys || {}).length);
  window.__kitKeys[e.dataset.kitKey] = true;
  const check = e.closest('.cs-check');
  const kind = e.classList.contains('noUi-handle') ? 'slider'
             : e.tagName === 'SELECT' ? 'menu'
             : e.type === 'radio' ? 'radio'
             : e.classList.contains('jupyter-widget-Collapse-header') ? 'fold'
             : e.tagName === 'BUTTON' ? 'button' : e.tagName.toLowerCase();
  const style = getComputedStyle(e);
  return {key: e.dataset.kitKey, kind, text: (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 60),
          panel: !!e.closest('.cs-panel'), predict: e.closest('.cs-predict') ? Array.from(document.querySelectorAll('.cs-predict')).indexOf(e.closest('.cs-predict')) : -1,
          check: check ? Array.from(document.querySelectorAll('.cs-check')).indexOf(check) : -1,
          ring: style.outlineStyle !== 'none' || style.boxShadow !== 'none'};
}
"""

TARGETS_JS = r"""
() => ({
  sliders: Array.from(document.querySelectorAll('.cs-panel .noUi-handle')).filter(e => e.getClientRects().length).length,
  menus: Array.from(document.querySelectorAll('.cs-panel select')).filter(e => e.getClientRects().length).length,
  checks: Array.from(document.querySelectorAll('.cs-check'))
    .map((c, i) => c.classList.contains('cs-predict') ? -1 : i).filter(i => i >= 0),
  folds: Array.from(document.querySelectorAll('.cs-panel .jupyter-widget-Collapse-header')).filter(e => e.getClientRects().length).length,
})
"""


def _feedback(page, check: int) -> str:
    return page.evaluate(
        "(i) => { const c = document.querySelectorAll('.cs-check')[i];"
        " const f = c && c.querySelector('.cs-feedback-right, .cs-feedback-wrong');"
        " return f ? f.innerText : ''; }", check)


def test_lesson_2_by_keyboard_alone(voila, browser):
    page, log = kb.open_page(browser, voila.url + "voila/render/" + LESSON)
    try:
        kb.wait_for_voila(page)
        kb.wait_for_charts(page)
        kb.instrument(page)
        page.evaluate("() => { document.activeElement && document.activeElement.blur(); "
                      "window.scrollTo(0, 0); }")
        seen, order, without_ring = set(), [], []
        moved, menus, folds, picked, answered = [], [], 0, {}, set()
        predicted, committed = {}, set()
        for _ in range(MAX_TABS):
            page.keyboard.press("Tab")
            here = page.evaluate(FOCUSED_JS)
            if here is None:
                continue
            if here["key"] in seen:
                if here["key"] == order[0]:
                    break  # round the page and back to the first control
                continue
            seen.add(here["key"])
            order.append(here["key"])
            if not here["ring"]:
                without_ring.append(here["text"] or here["kind"])
            focused = page.evaluate_handle("() => document.activeElement").as_element()
            if here["kind"] == "slider" and here["panel"]:
                moved.append(kb.move_slider(page, focused, key="ArrowRight"))
            elif here["kind"] == "menu" and here["panel"]:
                before = focused.evaluate("e => e.value")
                page.evaluate("() => window.__kit.arm(window.__kit.chartRoot(document.activeElement))")
                page.keyboard.press("ArrowDown")
                page.wait_for_function("() => window.__kit.result().redrawn >= 1", timeout=30_000)
                menus.append((before, focused.evaluate("e => e.value")))
            elif here["kind"] == "fold" and "Save or load" in here["text"]:
                page.keyboard.press("Enter")
                page.wait_for_timeout(200)
                folds += page.evaluate("() => document.activeElement.parentElement.classList"
                                       ".contains('jupyter-widget-Collapse-open')")
            elif here["kind"] == "radio" and here["predict"] >= 0:
                if here["predict"] not in predicted:
                    page.keyboard.press("Space")  # pick this option
                    predicted[here["predict"]] = focused.evaluate("e => e.checked")
                    # The commit button is enabled by the kernel once an option is picked:
                    # wait for it, or the next Tab passes it by while it is still disabled.
                    page.wait_for_function(
                        "(i) => { const b = document.querySelectorAll('.cs-predict')[i]"
                        ".querySelector('button'); return b && !b.disabled; }",
                        arg=here["predict"], timeout=30_000)
            elif (here["kind"] == "button" and here["predict"] in predicted
                    and here["predict"] not in committed):
                page.keyboard.press("Enter")  # commit the prediction: its outcome shows
                box = page.query_selector_all(".cs-predict")[here["predict"]]
                page.wait_for_function(kb.OUTCOME_SHOWN_JS, arg=box, timeout=60_000)
                committed.add(here["predict"])
                page.wait_for_timeout(1_000)  # what the prediction kept back opens
                kb.wait_for_charts(page)
            elif here["kind"] == "radio" and here["check"] >= 0 and here["check"] not in picked:
                page.keyboard.press("Space")
                picked[here["check"]] = focused.evaluate("e => e.checked")
            elif here["kind"] == "button" and here["check"] in picked:
                page.keyboard.press("Enter")
                page.wait_for_function(
                    "(i) => document.querySelectorAll('.cs-check')[i]"
                    ".querySelector('.cs-feedback-right, .cs-feedback-wrong')",
                    arg=here["check"], timeout=30_000)
                answered.add(here["check"])
        # What there is to reach once every prediction is committed (a gate keeps the
        # panels off the page until then).
        targets = page.evaluate(TARGETS_JS)
        feedback = [_feedback(page, i) for i in sorted(answered)]
    finally:
        page.context.close()

    # Every prediction picked with Space and committed with Enter (lesson 2 asks two, one
    # rule at a time), which opened the panels below.
    assert len(committed) == len(predicted) >= 2 and all(predicted.values()), (predicted,
                                                                               committed)
    # Every slider moved by its arrow key, and its panel's charts redrawn.
    assert len(moved) == targets["sliders"] > 0, (targets, moved)
    assert all(m["value_after"] != m["value_before"] for m in moved), moved
    assert all(m["redrawn"] >= 1 for m in moved), moved
    # Every payment menu changed by the down arrow, its charts redrawn.
    assert len(menus) == targets["menus"] > 0 and all(a != b for a, b in menus), menus
    # Every "Save or load" fold opened with Enter.
    assert folds == targets["folds"] > 0, (folds, targets)
    # Every check answered: Space picks an answer, Enter on its button shows the feedback.
    assert sorted(answered) == targets["checks"] and targets["checks"], (answered, targets)
    assert all(picked.values()) and all(f.strip() for f in feedback), feedback
    # Where the focus is, the learner sees it.
    assert without_ring == [], f"focused with no visible focus ring: {without_ring}"
    assert kb.problems(log) == []
