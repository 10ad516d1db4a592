"""Lesson 3's panels, prose and checks: set the controls as a learner would and compare what
is drawn with a direct call of the model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from specs import assert_spec_sound

from casestudy import Scenario, contingency_reserves, run_year
from casestudy.charts import bridge_chart, incentive_chart, reserves_chart
from casestudy.governance import (
    NHS_SYSTEM_ID,
    Linkage,
    bridge,
    first_miss_shock,
    incentive_linkage,
    linkage,
    reserve_draws,
)
from casestudy.ui import lesson3
from casestudy.ui.common import Prediction
from casestudy.words import lesson3 as words3

DRAWS = 1_000  # the reserve panel's draws in tests: the comparison is exact at any count




def largest_acute(system) -> str | None:
    orgs = system.organisations
    acute = orgs[orgs.kind == "acute"]
    return None if acute.empty else str(acute.cost_base_gbp_m.idxmax())


# --------------------------------------------------------------------------- bridge


def test_bridge_panel_draws_the_models_bridge_and_follows_the_controls(system):
    panel = lesson3.BridgePanel(system)
    panel.update()
    data = panel.figures[0].data
    expected = bridge(system, panel.scenario(), NHS_SYSTEM_ID)
    np.testing.assert_allclose(data.end_gbp_m, expected.end_gbp_m)
    first = data.copy()

    panel.controls["cost_inflation"].value = 0.06
    scenario = panel.scenario()
    assert scenario.cost_inflation == 0.06
    expected = bridge(system, scenario, NHS_SYSTEM_ID)
    np.testing.assert_allclose(panel.figures[0].data.end_gbp_m, expected.end_gbp_m)
    inflation = panel.figures[0].data.set_index("step").change_gbp_m["Cost inflation"]
    assert inflation < first.set_index("step").change_gbp_m["Cost inflation"]  # more inflation, more cost
    assert "Cost inflation 6% instead of 3.8%" in panel.changes.value

    acute = largest_acute(system)
    panel.picker.value = acute
    np.testing.assert_allclose(panel.figures[0].data.end_gbp_m, bridge(system, scenario, acute).end_gbp_m)
    assert system.org_name(acute) in panel.text

    panel.reset()
    assert panel.picker.value == NHS_SYSTEM_ID and panel.scenario() == panel.baseline
    pd.testing.assert_frame_equal(panel.figures[0].data, first)
    assert_spec_sound(panel.specs[0])


def test_bridge_panel_text_states_the_models_totals(system):
    panel = lesson3.BridgePanel(system)
    panel.controls["non_recurrent_support_gbp_m"].value = 30.0
    frame = bridge(system, panel.scenario()).set_index("step").end_gbp_m
    before = bridge(system, panel.baseline).set_index("step").end_gbp_m
    money = lesson3.money
    for value in (frame["Underlying plan"], frame["Reported plan"], before["Reported plan"]):
        assert money(value) in panel.text
    assert money(frame["Reported plan"] - frame["Underlying plan"]) in panel.text


# --------------------------------------------------------------------------- reserves


def _reserve(frame: pd.DataFrame, arrangement: str) -> float:
    return float(frame.loc[frame.arrangement == arrangement, "reserve_gbp_m"].iloc[0])


def test_reserve_panel_matches_contingency_reserves(system):
    panel = lesson3.ReservePanel(system, draws=DRAWS)
    panel.update()
    panel.confidence.value = 0.95
    data = panel.figures[0].data
    expected = contingency_reserves(system, panel.scenario(), 0.95, draws=DRAWS)
    alone = expected[expected.arrangement == "alone"]
    np.testing.assert_allclose(data.loc[data.arrangement == "alone", "reserve_gbp_m"], alone.reserve_gbp_m)
    assert _reserve(data, "pooled") == pytest.approx(_reserve(expected, "pooled"))
    assert _reserve(data, "sum") == pytest.approx(alone.reserve_gbp_m.sum())
    assert lesson3.money(_reserve(data, "sum") - _reserve(data, "pooled")) in panel.text

    panel.controls["payment"].value = "payment_by_results"
    expected = contingency_reserves(system, panel.scenario(), 0.95, draws=DRAWS)
    assert _reserve(panel.figures[0].data, "pooled") == pytest.approx(_reserve(expected, "pooled"))

    panel.reset()
    assert panel.confidence.value == lesson3.CONFIDENCE["default"]
    expected = contingency_reserves(system, panel.baseline, lesson3.CONFIDENCE["default"], draws=DRAWS)
    assert _reserve(panel.figures[0].data, "pooled") == pytest.approx(_reserve(expected, "pooled"))
    assert_spec_sound(panel.specs[0])


def test_reserve_panel_draws_once_per_payment_rule(system):
    panel = lesson3.ReservePanel(system, draws=DRAWS)
    panel.update()
    for confidence in (0.6, 0.7, 0.8):
        panel.confidence.value = confidence
    assert len(panel._draws) == 1  # the baseline's draws, reused for every confidence


# --------------------------------------------------------------------------- linkage


def test_linkage_panel_starts_where_somebody_misses(system):
    panel = lesson3.LinkagePanel(system)
    shock = first_miss_shock(system, panel.baseline)
    assert panel.controls["demand_shock"].value == (shock if shock is not None else 0.0)


def test_linkage_panel_draws_the_models_funds_and_positions(system):
    panel = lesson3.LinkagePanel(system)
    panel.update()
    panel.controls["system_linkage"].value = 1.0
    scenario = panel.scenario()
    expected = incentive_linkage(system, scenario)
    funds = panel.figures[0].data
    np.testing.assert_allclose(funds.fund_received_gbp_m, expected.fund_received_gbp_m)
    orgs = run_year(system, scenario).organisations
    nhs = orgs[orgs.in_nhs_control_total]
    np.testing.assert_allclose(panel.figures[1].data.value_gbp_m, nhs.position_gbp_m)
    lost = expected[expected.fund_lost_to_linkage_gbp_m > lesson3.TOLERANCE_GBP_M]
    for name in lost["name"]:
        assert name in panel.text
    if not expected.system_met.iloc[0]:
        # With the whole fund tied to a system that missed, nobody receives anything.
        assert funds.fund_received_gbp_m.sum() == pytest.approx(0.0)
    panel.controls["risk_share"].value = 0.5
    expected = incentive_linkage(system, panel.scenario())
    np.testing.assert_allclose(panel.figures[0].data.fund_received_gbp_m, expected.fund_received_gbp_m)
    for spec in panel.specs:
        assert_spec_sound(spec)
    panel.reset()
    assert panel.scenario() == panel.baseline


def test_linkage_positions_bars_are_the_position_before_incentive_funds(system):
    # The control total is tested before incentive funds: the bars show that position
    # against a black tick, two marks (the review counted four: the fund and the baseline
    # were drawn too; the chart above draws the funds), and the words' system total is the
    # bars' sum.
    panel = lesson3.LinkagePanel(system)
    panel.update()
    for share in (0.0, 1.0):
        panel.controls["system_linkage"].value = share
        scenario = panel.scenario()
        orgs = run_year(system, scenario).organisations
        nhs = orgs[orgs.in_nhs_control_total]
        spec = panel.specs[1]
        marks = [layer["mark"]["type"] for layer in spec["layer"]]
        assert marks == ["bar", "tick", "rule"]  # the position, the control total, zero
        bars, ticks = spec["layer"][0], spec["layer"][1]
        assert bars["encoding"]["x"]["field"] == "before_gbp_m"
        assert ticks["encoding"]["x"]["field"] == "control_total_gbp_m"
        (records,) = spec["datasets"].values()
        drawn = np.array([row["before_gbp_m"] for row in records])
        np.testing.assert_allclose(drawn, nhs.position_before_incentive_gbp_m, atol=1e-9)
        control = nhs.control_total_gbp_m.sum()
        met = bool(incentive_linkage(system, scenario).system_met.iloc[0])
        assert met == (drawn.sum() >= control - 1e-6)
        words = (f"{'meets' if met else 'misses'}</strong> its control total "
                 f"({lesson3.money(drawn.sum())} before incentive funds, against "
                 f"{lesson3.money(control)})")
        assert words in panel.text
        assert lesson3.money(drawn.sum()) in panel.figures[1].summary
    assert_spec_sound(panel.specs[1])


def test_linkage_words_name_who_missed_and_the_cost():
    table = pd.DataFrame({
        "org_id": ["a", "b"], "name": ["Trust A", "Trust B"], "kind": ["acute", "acute"],
        "fund_available_gbp_m": [4.0, 2.0], "fund_received_gbp_m": [0.0, 0.0],
        "fund_if_own_gbp_m": [0.0, 2.0], "fund_lost_to_linkage_gbp_m": [0.0, 2.0],
        "position_gbp_m": [-1.0, 1.0], "position_before_fund_gbp_m": [-1.0, 1.0],
        "control_total_gbp_m": [0.0, 0.0], "met_control_total": [False, True], "system_met": False,
    })
    facts = Linkage.of(table, Scenario(system_linkage=1.0, demand_shock=0.02))
    text = words3.linkage_words(None, facts, 6.0)
    assert "Trust A by £1.0m" in text and "Trust B £2.0m" in text and "misses" in text
    assert "2% above plan" in text and "baseline £6.0m" in text


# --------------------------------------------------------------------------- prose and checks


def test_prose_is_computed(system):
    text = lesson3.situation(system).data
    nhs = run_year(system, lesson3.DEFAULT).system.loc["nhs"]
    assert lesson3.money(nhs.underlying_position_gbp_m) in text
    assert lesson3.money(nhs.position_gbp_m) in text
    means = lesson3.what_this_means(system).data
    assert "£" in means and "{" not in means


def test_prose_and_check_quote_the_reserve_panels_starting_figures(system):
    # The notebook shows lesson3.ReservePanel() above lesson3.what_this_means(): the prose must
    # quote the very figures the panel draws when it opens (same draws, seed and confidence).
    panel = lesson3.ReservePanel(system)
    panel.update()
    data = panel.figures[0].data
    alone, pooled = lesson3.money(_reserve(data, "sum")), lesson3.money(_reserve(data, "pooled"))
    confidence = f"{panel.confidence.value:.0%}"
    means = lesson3.what_this_means(system).data
    assert f"need {alone} of reserves" in means and f"pooled, {pooled}." in means
    assert f"in {confidence} of years" in means
    (check,) = [q for q in lesson3.checks(system) if "pool" in q.question]
    check.choose(check.correct)
    assert f"{alone} held alone, {pooled} pooled" in check.feedback.value
    assert f"in {confidence} of years" in check.feedback.value


def test_checks_answers_are_the_models(system):
    questions = lesson3.checks(system)
    assert 2 <= len(questions) <= 4
    assert isinstance(questions[0], Prediction)

    # One-off support: the underlying position does not move.
    more = dataclasses.replace(lesson3.DEFAULT, non_recurrent_support_gbp_m=lesson3.DEFAULT.non_recurrent_support_gbp_m + 10)
    moved = (run_year(system, more).system.loc["nhs", "underlying_position_gbp_m"]
             - run_year(system, lesson3.DEFAULT).system.loc["nhs", "underlying_position_gbp_m"])
    assert questions[0].correct == (1 if abs(moved) < 1e-9 else 0)

    # Pooling: larger, the same or smaller, from contingency_reserves directly.
    table = contingency_reserves(system, lesson3.DEFAULT, lesson3.CONFIDENCE["default"],
                                 draws=reserve_draws(system, lesson3.DEFAULT).position.shape[0])
    alone = table.loc[table.arrangement == "alone", "reserve_gbp_m"].sum()
    pooled = _reserve(table, "pooled")
    assert questions[1].correct == (2 if pooled < alone - 0.005 else 0 if pooled > alone + 0.005 else 1)

    # The last is the bridge quiz: the option with the most negative step.
    quiz = questions[-1]
    nhs = bridge(system, lesson3.DEFAULT).set_index("step").change_gbp_m
    assert quiz.options[quiz.correct] == min(quiz.options, key=lambda step: nhs[step])
    assert quiz.choose(quiz.correct) is True
    wrong = (quiz.correct + 1) % len(quiz.options)
    assert quiz.choose(wrong) is False and quiz.options[quiz.correct] in quiz.feedback.value


def test_linkage_check_answer_is_the_models(system):
    shock = first_miss_shock(system, lesson3.DEFAULT)
    (question,) = [q for q in lesson3.checks(system) if "tied to the system" in q.question]
    scenario = dataclasses.replace(lesson3.DEFAULT, demand_shock=shock or 0.0, system_linkage=1.0)
    orgs = run_year(system, scenario).organisations
    funds = system.organisations.incentive_fund_gbp_m
    if "meets its own control total" in question.question:
        org = next(o for o in orgs.index if orgs.name[o] in question.question)
        assert orgs.met_control_total[org]
        received = orgs.incentive_fund_gbp_m[org]
        assert question.correct == (0 if received >= funds[org] - 1e-9 else 1)
    else:  # nobody with a fund meets its own total while others miss: the whole pot
        paid, pot = orgs.incentive_fund_gbp_m.sum(), funds[orgs.index].sum()
        assert question.correct == (0 if paid >= pot - 1e-9 else 2 if paid <= 1e-9 else 1)


# --------------------------------------------------------------------------- charts


def test_chart_builders_validate_and_encode_only_their_data(system):
    scenario = Scenario()
    for chart in (
        bridge_chart(bridge(system, scenario)),
        reserves_chart(reserve_draws(system, scenario, draws=500).facts(0.9)),
        incentive_chart(linkage(system, dataclasses.replace(scenario, demand_shock=0.02))),
    ):
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert_spec_sound(spec)
        assert spec["description"]


def test_reserve_chart_reads_in_pounds_million_with_the_kind_legend(system):
    from casestudy.charts.reserves import reserve_label
    assert [reserve_label(v) for v in (0.0, 0.0001, 0.009, 0.049, 0.05, 4.26)] == [
        "£0.0m", "£0.0m", "<£0.1m", "<£0.1m", "£0.1m", "£4.3m"]
    panel = lesson3.ReservePanel(system, draws=DRAWS)
    panel.update()
    data = panel.figures[0].data
    assert not data.label.str.endswith("k").any()
    assert list(data.label) == [reserve_label(v) for v in data.reserve_gbp_m]
    colour = panel.specs[0]["layer"][0]["encoding"]["color"]
    alone = data[data.arrangement == "alone"]
    assert colour["field"] == "kind_label" and colour["legend"]
    assert colour["scale"]["domain"] == list(dict.fromkeys(alone.kind_label))


# --------------------------------------------------------------------------- words and their sources


def test_the_situation_claims_only_what_the_case_study_says(system):
    # The case study says the partners pooled risk (R1); their reserve and any linkage of
    # their funds were not published, so the words mark those settings as illustrative.
    text = lesson3.situation(system).data
    assert "pooled risk" in text and "illustrative" in text
    assert "tied part of their incentive funds" not in text


def test_a_later_rule_is_called_a_thought_experiment_and_a_full_risk_share_a_linkage(system):
    panel = lesson3.ReservePanel(system, draws=DRAWS)
    panel.update()
    assert "thought experiment" not in panel.text.lower()  # fixed income: a Bradford years' rule
    panel.controls["payment"].value = "api_2023"
    assert "thought experiment" in panel.text.lower()
    tied = lesson3.LinkagePanel(system)
    tied.update()
    assert "in effect tied to the system" not in tied.text
    tied.controls["risk_share"].value = 1.0
    assert "in effect tied to the system" in tied.text
    assert "a simplification" in tied.text  # funds all or nothing, once a year


def test_linkage_position_axis_stays_put_as_the_sliders_move(bundled_system):
    """The review: the axes rescaled on every move. The axis now holds demand 10% either
    side of plan, pooled or not, so moving any slider in that range leaves it where it is,
    and every bar it draws lies inside it; past that range it widens, never narrows."""
    panel = lesson3.LinkagePanel(bundled_system)
    panel.update()

    def axis() -> list[float]:
        return panel.specs[1]["layer"][0]["encoding"]["x"]["scale"]["domain"]

    first = axis()
    for name, value in (("system_linkage", 1.0), ("risk_share", 1.0), ("demand_shock", 0.1),
                        ("risk_share", 0.0), ("demand_shock", -0.1), ("risk_share", 0.5)):
        panel.controls[name].value = value
        assert axis() == first, (name, value)
        (records,) = panel.specs[1]["datasets"].values()
        drawn = [r["before_gbp_m"] for r in records] + [r["control_total_gbp_m"] for r in records]
        assert first[0] <= min(drawn) and max(drawn) <= first[1]
    panel.controls["demand_shock"].value = 0.3  # past the range: the axis grows to hold it
    (records,) = panel.specs[1]["datasets"].values()
    lowest = min(r["before_gbp_m"] for r in records)
    assert lowest < first[0] and axis()[0] <= lowest
    widened = axis()
    panel.controls["demand_shock"].value = 0.0
    assert axis() == widened  # never narrows
