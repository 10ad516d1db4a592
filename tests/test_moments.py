"""The lessons' prediction moments (casestudy.ui.moments) and the reveal mechanics that use
them (casestudy.ui.predict: PredictWidget, Steps, Gate).

Each moment's answer is checked against the model, worked here from the engine-level
function the lesson reads (not from the moment's own code), on both shipped systems; and
a mutation of the model that flips the quantity's sign must flip the answer, so that no
answer is typed.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from casestudy import Scenario, behaviours, fundamentals
from casestudy.behaviours import TOLERANCE_GBP_M, shift_changes, shift_for
from casestudy.engine import run_year
from casestudy.governance import first_miss_shock, incentive_linkage
from casestudy.place import social_care_knock_on
from casestudy.priorities import best_portfolios
from casestudy.scenario import PRESET_LABELS as LABELS
from casestudy.ui import lesson1, lesson2, lesson4, lesson5, moments
from casestudy.ui.common import Prediction
from casestudy.ui.predict import (
    ALONE,
    Gate,
    PredictWidget,
    Steps,
    Unavailable,
    build,
    moments_for,
    registered,
)

KEY_MOMENTS = ("lesson1.every_scheme", "lesson2.shift_rule", "lesson2.blended",
               "lesson3.linkage", "lesson4.demand", "lesson5.social_care_cut")


def test_every_lesson_has_a_key_moment_the_console_can_open(system):
    # Lessons 1 to 5, each at least one; the console's list is every registered moment
    # that builds for the system (ConsolePanel reads moments_for).
    assert set(KEY_MOMENTS) <= set(registered())
    assert {m.split(".")[0] for m in registered()} >= {f"lesson{n}" for n in range(1, 6)}
    built = moments_for(system)
    assert [m.id for m in built] == list(registered())
    for moment in built:
        assert 0 <= moment.answer < len(moment.options)
        assert len(moment.question) <= 300 and moment.title  # the room's limit; a name
        assert len(set(moment.options)) == len(moment.options)


# --------------------------------------------------------------------------- lesson 2


def _acute_change(system, preset: str) -> float:
    shift = shift_for(system)
    return float(shift_changes(system, Scenario.preset(preset), shift)
                 .loc[shift.acute_id, "change_gbp_m"])


def test_lesson2_answers_follow_the_engine(system):
    activity, blended = _acute_change(system, "pbr_mret"), _acute_change(system, "blended")
    # shift_rule: gains / loses / no change.
    expected = 0 if activity > TOLERANCE_GBP_M else 1 if activity < -TOLERANCE_GBP_M else 2
    assert build("lesson2.shift_rule", system).answer == expected
    # blended: gains / loses less than PbR + MRET / loses as much or more / no change.
    if blended > TOLERANCE_GBP_M:
        expected = 0
    elif blended >= -TOLERANCE_GBP_M:
        expected = 3
    else:
        expected = 1 if blended > activity + TOLERANCE_GBP_M else 2
    moment = build("lesson2.blended", system)
    assert moment.answer == expected
    # The explanation carries the model's figure for the trust, as the chart shows it.
    assert f"{abs(blended):.1f}m" in moment.explanation


def test_lesson2_answers_flip_with_the_models_sign(bundled_system, monkeypatch):
    before = (build("lesson2.shift_rule", bundled_system).answer,
              build("lesson2.blended", bundled_system).answer)
    real = behaviours.shift_changes

    def flipped(*args, **kwargs) -> pd.DataFrame:
        frame = real(*args, **kwargs)
        return frame.assign(change_gbp_m=-frame.change_gbp_m)

    monkeypatch.setattr(behaviours, "shift_changes", flipped)  # deal() reads it
    after = (build("lesson2.shift_rule", bundled_system).answer,
             build("lesson2.blended", bundled_system).answer)
    # Bradford: the trust loses under PbR + MRET (1) and gains under blended (0); flipped,
    # it gains under PbR + MRET (0) and loses under blended by more than it "lost" before (2).
    assert before == (1, 0)
    assert after == (0, 2)


# --------------------------------------------------------------------------- lessons 1, 3, 4, 5


def test_lesson1_answer_follows_the_best_portfolios(system, monkeypatch):
    best = best_portfolios(system, lesson1.DEFAULT)
    every, top = best.nhs_benefit_gbp_m.iloc[-1], best.nhs_benefit_gbp_m.max()
    gap = every - top  # every scheme at once against the best few
    expected = 1 if gap < -TOLERANCE_GBP_M else 2 if abs(gap) <= TOLERANCE_GBP_M else 0
    answer = build("lesson1.every_scheme", system).answer
    assert answer == expected == 1  # both systems: spread too thin, each delivers less

    def flipped(*args, **kwargs):
        frame = best_portfolios(*args, **kwargs)
        return frame.assign(nhs_benefit_gbp_m=-frame.nhs_benefit_gbp_m)

    monkeypatch.setattr(fundamentals, "best_portfolios", flipped)  # the best few's one home
    assert build("lesson1.every_scheme", system).answer != answer


def test_lesson3_answer_follows_the_linkage(system, monkeypatch):
    from casestudy.ui import lesson3

    shock = first_miss_shock(system, lesson3.DEFAULT)
    linked = dataclasses.replace(lesson3.DEFAULT, demand_shock=shock or 0.0, system_linkage=1.0)
    table = incentive_linkage(system, linked)
    met = table[table.met_control_total & (table.fund_available_gbp_m > 0)]
    moment = build("lesson3.linkage", system)
    assert not met.empty  # both systems: a partner meets its own total while others miss
    row = met.sort_values("fund_available_gbp_m").iloc[-1]
    assert row["name"] in moment.question
    # Wholly tied to a system that misses: the partner gets nothing of its own fund.
    expected = 0 if row.fund_received_gbp_m >= row.fund_available_gbp_m - TOLERANCE_GBP_M else 1
    assert moment.answer == expected == 1

    def ignores_the_system(*args, **kwargs):  # a mutant: linkage pays on own results
        frame = incentive_linkage(*args, **kwargs)
        return frame.assign(fund_received_gbp_m=frame.fund_available_gbp_m)

    monkeypatch.setattr(lesson3, "incentive_linkage", ignores_the_system)
    assert build("lesson3.linkage", system).answer == 0


def test_lesson4_answer_follows_the_year(system, monkeypatch):
    trust, payer = system.trust_and_payer()
    base = run_year(system, lesson4.DEFAULT).organisations
    more = run_year(system, dataclasses.replace(lesson4.DEFAULT,
                                                demand_shock=lesson4.DEMAND_CHECK)).organisations

    def before_funds(frame):
        return frame.position_gbp_m - frame.incentive_fund_gbp_m

    moved = before_funds(more) - before_funds(base)
    moment = build("lesson4.demand", system)
    assert moment.answer == (0 if abs(moved[trust]) >= abs(moved[payer]) else 1) == 0
    assert moment.options[moment.answer].startswith(system.org_name(trust))

    # A mutant in which "fixed income" pays by activity: the payer carries the extra demand.
    def paid_by_activity(sys, scenario, *args, **kwargs):
        return run_year(sys, dataclasses.replace(scenario, payment="payment_by_results"),
                        *args, **kwargs)

    monkeypatch.setattr(lesson4, "run_year", paid_by_activity)
    assert build("lesson4.demand", system).answer == 1


def test_lesson5_answer_follows_the_place(system, monkeypatch):
    cut = dataclasses.replace(lesson5.DEFAULT, social_care_budget_change=lesson5.CUT)
    place = social_care_knock_on(system, cut).change("place")
    moment = build("lesson5.social_care_cut", system)
    expected = 0 if place > TOLERANCE_GBP_M else 1 if place < -TOLERANCE_GBP_M else 2
    # Both systems: the place is better off in money (the council saves more on packages than
    # the NHS and the care providers lose; the model counts no cost of care not given).
    assert moment.answer == expected == 0

    class Flipped:  # a mutant in which the place gains what it lost
        def __init__(self, knock):
            self.knock = knock

        def change(self, boundary):
            return -self.knock.change(boundary)

        def __getattr__(self, name):
            return getattr(self.knock, name)

    monkeypatch.setattr(lesson5, "social_care_knock_on",
                        lambda *a, **k: Flipped(social_care_knock_on(*a, **k)))
    assert build("lesson5.social_care_cut", system).answer == 1


def test_a_moment_a_system_cannot_ask_gets_a_line_not_an_error(bundled_system, monkeypatch):
    # Lesson 5's moment raises where there is no council (as the lesson's check is then
    # not asked); the page shows why, and what the moment keeps closed opens at once.
    from casestudy.ui import predict

    monkeypatch.setattr(lesson5, "_names", lambda system, boundary: [])
    with pytest.raises(ValueError, match="no council"):
        build("lesson5.social_care_cut", bundled_system)
    assert "lesson5.social_care_cut" not in [m.id for m in moments_for(bundled_system)]
    shown = predict.predict("lesson5.social_care_cut", bundled_system)
    assert isinstance(shown, Unavailable) and "cannot be asked" in shown.widget.value
    gate = shown.then("the panel")
    assert gate.open  # nothing to wait for


# --------------------------------------------------------------------------- the mechanics


def _texts(widget) -> str:
    """Every HTML value and output under a widget, as one string (what the page holds)."""
    out = []
    stack = [widget]
    while stack:
        w = stack.pop()
        if hasattr(w, "value") and isinstance(w.value, str):
            out.append(w.value)
        if hasattr(w, "outputs"):
            out.append(repr(w.outputs))
        stack.extend(getattr(w, "children", ()))
    return "\n".join(out)


def _drawn_rules(widget) -> set[str]:
    """The payment rules drawn in every chart under a widget (its Vega-Lite data)."""
    rules: set[str] = set()
    stack = [widget]
    while stack:
        w = stack.pop()
        for output in getattr(w, "outputs", ()):
            for mime, spec in output.get("data", {}).items():
                if "vega" in mime:  # Vega-Lite, or Vega compiled in the kernel
                    rules |= _payments(spec)
        stack.extend(getattr(w, "children", ()))
    return rules


def _payments(value) -> set[str]:
    """Every row's ``payment_label`` anywhere in a chart's JSON."""
    if isinstance(value, dict):
        found = {value["payment_label"]} if isinstance(value.get("payment_label"), str) else set()
        return found.union(*(_payments(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_payments(v) for v in value))
    return set()


def test_lesson2_reveals_one_rule_at_a_time(bundled_system):
    steps = moments.lesson2_rule_by_rule(bundled_system)
    gate = steps.then(lesson2.ShiftPanel(bundled_system))
    assert isinstance(steps, Steps) and isinstance(gate, Gate)
    first, second = steps.steps
    # Before any prediction: fixed income drawn alone, the first question, nothing else.
    assert _drawn_rules(steps.widget) == {LABELS["fixed_income"]}
    assert second.widget not in steps.widget.children and gate.box.children == (gate.note,)
    assert first.outcome.layout.display == "none"
    # Commit the first: its chart (two rules) and the second question; no blended chart.
    assert first.commit(0)
    assert second.widget in steps.widget.children
    assert _drawn_rules(steps.widget) == {LABELS["fixed_income"], LABELS["pbr_mret"]}
    assert not gate.open and _drawn_rules(gate.widget) == set()
    # The room's reveal path (show_outcome without a commit) opens the rest too.
    second.show_outcome(second.moment.answer)
    assert _drawn_rules(steps.widget) == {LABELS[p] for p in ("fixed_income", "pbr_mret",
                                                              "blended")}
    assert gate.open and gate.note not in gate.box.children and len(gate.box.children) == 1


def test_a_wrong_answer_is_explained_once(bundled_system):
    moment = build("lesson2.shift_rule", bundled_system)
    widget = PredictWidget(moment, page=ALONE)
    wrong = (moment.answer + 1) % len(moment.options)
    widget.commit(wrong)
    widget.commit(moment.answer)  # a second click changes nothing
    widget.show_outcome(moment.answer)  # nor does a late reveal
    text = widget.feedback.value
    assert text.count("Not this time") == 1 and text.count(moment.explanation) == 1
    # The lesson's checks: a wrong answer's feedback gives the explanation once.
    for check in lesson2.checks(bundled_system) + lesson4.checks(bundled_system):
        if isinstance(check, Prediction):
            why = check.explanations[check.correct]
            check.choose((check.correct + 1) % len(check.options))
            plain = re.sub(r"<[^>]+>", "", check.feedback.value)
            assert plain.count(re.sub(r"<[^>]+>", "", _escaped(why))) == 1, plain


def _escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_the_handouts_show_what_a_gate_keeps_and_each_step(bundled_system):
    from casestudy.handouts import blocks_of

    steps = moments.lesson2_rule_by_rule(bundled_system)
    blocks = blocks_of(steps)
    assert [b.kind for b in blocks] == ["quiz", "quiz"]
    assert "&lt;b&gt;" not in blocks[0].html and "&amp;" not in blocks[0].html  # escaped once
    panel = blocks_of(steps.then(lesson2.ShiftPanel(bundled_system)))
    assert [b.kind for b in panel] == ["panel"]
    # A panel given as its class (the lesson page's lighter first drawing) is built for
    # the handout all the same.
    assert [b.kind for b in blocks_of(steps.then(lesson2.GainSharePanel))] == ["panel"]


def test_a_gate_builds_a_panel_given_as_its_class_only_when_it_opens(bundled_system):
    """Lesson 2's page gives its gated panels as classes: before the predictions are in,
    the page has none of their widgets (sent to the browser, drawn there), only the note."""
    built: list[object] = []

    class Counted(lesson2.ShiftPanel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    steps = moments.lesson2_rule_by_rule(bundled_system)
    gate = steps.then(Counted)
    assert built == [] and gate.box.children == (gate.note,)
    for step in steps.steps:
        step.show_outcome(step.moment.answer)
    assert len(built) == 1 and gate.open
    assert gate.box.children == (built[0].widget,)
