"""Lesson 1: who pays and who gains from a portfolio, the memorandum, the panel and its checks.

The panel is driven as a learner would (ticking boxes, moving the slider, switching the
rule); what it draws is compared with a direct call of the model."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from specs import assert_spec_sound

from casestudy import PRESETS, Scenario, ScenarioError
from casestudy.charts.priorities import leadership_load_chart, portfolio_size_chart, who_gains_chart
from casestudy.formats import money
from casestudy.fundamentals import largest_provider, memorandum, portfolio_by_organisation
from casestudy.priorities import best_portfolios, delivery_share, portfolio
from casestudy.ui import lesson1
from casestudy.workshop import load_saved

TOLERANCE = 1e-9




def two_schemes(system) -> list[str]:
    return list(system.schemes.index[:2])


# --------------------------------------------------------------------------- the model


@pytest.mark.parametrize("preset", PRESETS)
def test_portfolio_by_organisation_agrees_with_priorities_portfolio(system, preset):
    scenario = Scenario.preset(preset, schemes=two_schemes(system))
    mine = portfolio_by_organisation(system, scenario)
    theirs = portfolio(system, scenario).query("payment == @preset").set_index("org_id")
    np.testing.assert_allclose(mine.benefit_gbp_m, theirs.benefit_gbp_m.loc[mine.index],
                               atol=TOLERANCE)
    nhs = mine.loc[mine.in_nhs_control_total, "benefit_gbp_m"].sum()
    assert nhs == pytest.approx(theirs.loc["nhs_system", "benefit_gbp_m"], abs=TOLERANCE)


def test_who_pays_is_each_funders_bill_from_the_data(system):
    chosen = list(system.schemes.index)
    table = portfolio_by_organisation(system, Scenario(schemes=chosen))
    bill = system.schemes.groupby("funder_id").cost_gbp_m.sum()
    expected = bill.reindex(table.index, fill_value=0.0)
    np.testing.assert_allclose(table.pays_gbp_m, expected, atol=TOLERANCE)
    # benefit = activity effect - what it pays, organisation by organisation
    np.testing.assert_allclose(table.benefit_gbp_m,
                               table.activity_effect_gbp_m - table.pays_gbp_m, atol=TOLERANCE)


def test_no_schemes_means_nobody_pays_or_gains(system):
    table = portfolio_by_organisation(system, Scenario())
    assert np.allclose(table[["pays_gbp_m", "benefit_gbp_m"]], 0.0)


def test_memorandum_by_hand_on_the_tiny_system(tiny_system, plain):
    # Both schemes: load 2 + 1 = 3 against a capacity of 1.5, so each keeps
    # (1.5 / 3) ** 1.5 = 0.35355 of its chance: frailty 0.5 x that, falls 1.0 x that.
    scenario = dataclasses.replace(plain, schemes=("frailty", "falls"), leadership_capacity=1.5)
    memo = memorandum(tiny_system, scenario)
    strain = (1.5 / 3) ** 1.5
    assert list(memo.schemes.scheme_id) == ["frailty", "falls"]
    np.testing.assert_allclose(memo.schemes.expected_delivery_share, [0.5 * strain, strain])
    assert list(memo.schemes.lead) == ["Comm", "Comm"]
    assert list(memo.schemes.funder) == ["Ccg A", "Council"]
    assert memo.cost_gbp_m == pytest.approx(1.5)
    assert memo.load == 3 and memo.capacity == 1.5 and memo.over_capacity
    # Payment by results, flex 0: the acute trust's non-elective activity (20,000 + 10,000
    # spells at £2,000 = £60m of its £71m plan) falls by 10% x 0.5 x s + 2% x s, with
    # s = 0.35355: 0.02475 of the non-elective spells. It loses that share of £60m in income
    # and saves the variable 0.2 of the £70m of its cost base that moves with commissioned
    # activity (£80m less the £10m its other income pays for), moved by the price-weighted
    # index (60 / 71 of its activity falls by 0.02475).
    drop = 0.10 * 0.5 * strain + 0.02 * strain
    income_lost = 60 * drop
    cost_saved = (80 - 10) * 0.2 * (60 / 71) * drop
    assert memo.organisations.loc["acute", "benefit_gbp_m"] == pytest.approx(
        cost_saved - income_lost)
    # The commissioners save what they no longer pay; ccg_a and the council pay the schemes;
    # the community trust is paid what it spends.
    assert memo.organisations.loc["ccg_a", "benefit_gbp_m"] == pytest.approx(40 * drop - 1.0)
    assert memo.organisations.loc["ccg_b", "benefit_gbp_m"] == pytest.approx(20 * drop)
    assert memo.organisations.loc["council", "benefit_gbp_m"] == pytest.approx(-0.5)
    assert memo.organisations.loc["comm", "benefit_gbp_m"] == pytest.approx(0.0, abs=TOLERANCE)
    nhs = memo.organisations.loc[memo.organisations.in_nhs_control_total, "benefit_gbp_m"].sum()
    assert memo.nhs_benefit_gbp_m == pytest.approx(nhs)
    assert memo.place_benefit_gbp_m == pytest.approx(memo.organisations.benefit_gbp_m.sum())


def test_model_functions_refuse_bad_input(system):
    with pytest.raises(ScenarioError, match="no_such_scheme"):
        memorandum(system, Scenario(schemes=["no_such_scheme"]))
    with pytest.raises(ScenarioError, match="scenario must be a Scenario"):
        portfolio_by_organisation(system, {"schemes": []})


# --------------------------------------------------------------------------- the panel


@pytest.fixture
def panel(system, tmp_path):
    made = lesson1.PortfolioPanel(system, folder=tmp_path)
    made.update()
    return made


def test_panel_starts_at_the_baseline_with_nothing_chosen(panel):
    assert panel.scenario().schemes == ()
    data = panel.figures[0].data
    assert np.allclose(data.value_gbp_m, 0.0) and np.allclose(data.benefit_gbp_m, 0.0)
    mine = panel.figures[1].data.query("series == 'Your choice'")
    assert mine["size"].tolist() == [0] and mine.nhs_benefit_gbp_m.tolist() == [0.0]
    assert "No schemes chosen" in panel.text
    # The chart of zeros says why it is empty, until a scheme is ticked.
    assert panel.figures[0].subtitle.startswith("No schemes chosen yet")
    panel.choose(two_schemes(system=panel.system))
    assert panel.figures[0].subtitle.startswith("Black tick")


def test_ticking_schemes_redraws_who_pays_and_who_gains(panel, system):
    first, second = two_schemes(system)
    panel.boxes[first].value = True
    panel.boxes[second].value = True
    scenario = panel.scenario()
    assert set(scenario.schemes) == {first, second}
    expected = portfolio_by_organisation(system, scenario)
    data = panel.figures[0].data
    pays = data[data.part == "Pays for the schemes"].set_index("org_id")
    activity = data[data.part != "Pays for the schemes"].set_index("org_id")
    np.testing.assert_allclose(-pays.value_gbp_m, expected.pays_gbp_m.loc[pays.index])
    np.testing.assert_allclose(activity.value_gbp_m, expected.activity_effect_gbp_m.loc[activity.index])
    np.testing.assert_allclose(activity.benefit_gbp_m, expected.benefit_gbp_m.loc[activity.index])
    memo = memorandum(system, scenario)
    mine = panel.figures[1].data.query("series == 'Your choice'").iloc[0]
    assert mine["size"] == 2 and mine.nhs_benefit_gbp_m == pytest.approx(memo.nhs_benefit_gbp_m)
    loads = panel.figures[2].data
    assert loads.load.sum() == pytest.approx(system.schemes.leadership_load.loc[[first, second]].sum())
    assert "baseline: no schemes" in panel.text


def test_switching_the_rule_moves_money_but_not_the_system_total(panel, system):
    panel.choose(two_schemes(system))
    before = panel.figures[0].data.copy()
    panel.controls["payment"].value = "payment_by_results"
    expected = portfolio_by_organisation(system, panel.scenario())
    after = panel.figures[0].data
    activity = after[after.part != "Pays for the schemes"].set_index("org_id")
    np.testing.assert_allclose(activity.benefit_gbp_m, expected.benefit_gbp_m.loc[activity.index])
    nhs_ids = expected.index[expected.in_nhs_control_total]
    totals = [frame[frame.part != "Pays for the schemes"].set_index("org_id")
              .benefit_gbp_m.loc[nhs_ids].sum() for frame in (before, after)]
    assert totals[0] == pytest.approx(totals[1], abs=1e-6)
    assert "payment by results" in panel.text


def test_capacity_slider_redraws_the_best_portfolio_curve(panel, system):
    panel.choose(two_schemes(system))
    panel.controls["leadership_capacity"].value = 3.0
    scenario = panel.scenario()
    expected = best_portfolios(system, scenario)
    curve = panel.figures[1].data.query("series == 'Best portfolio of each size'")
    np.testing.assert_allclose(curve.nhs_benefit_gbp_m, expected.nhs_benefit_gbp_m)
    assert curve["size"].tolist() == expected["size"].tolist()
    assert panel.figures[2].data.capacity.unique().tolist() == [3.0]
    memo = memorandum(system, scenario)
    mine = panel.figures[1].data.query("series == 'Your choice'").iloc[0]
    assert mine.nhs_benefit_gbp_m == pytest.approx(memo.nhs_benefit_gbp_m)


def curve_of(panel) -> pd.DataFrame:
    return panel.figures[1].data.query("series == 'Best portfolio of each size'")


def counting_searches(monkeypatch) -> list[list[float]]:
    """Record the capacities of every search the panel runs."""
    calls: list[list[float]] = []
    search = lesson1.best_portfolios_by_capacity

    def counted(system, scenario, capacities, *args, **kwargs):
        calls.append(list(capacities))
        return search(system, scenario, capacities, *args, **kwargs)

    monkeypatch.setattr(lesson1, "best_portfolios_by_capacity", counted)
    return calls


def test_one_search_answers_every_value_of_the_capacity_slider(system, tmp_path, monkeypatch):
    calls = counting_searches(monkeypatch)
    panel = lesson1.PortfolioPanel(system, folder=tmp_path)
    panel.choose(two_schemes(system))
    slider = panel.controls["leadership_capacity"]
    values = [slider.min + k * slider.step for k in range(int((slider.max - slider.min) / slider.step) + 1)]
    for value in values + values[::-7]:
        slider.value = value
        expected = best_portfolios(system, panel.scenario())
        np.testing.assert_allclose(curve_of(panel).nhs_benefit_gbp_m, expected.nhs_benefit_gbp_m,
                                   atol=TOLERANCE)
    assert len(calls) == 1 and sorted(calls[0]) == values
    # The rule and the ticked schemes do not change the NHS system's benefit: no new search.
    panel.controls["payment"].value = "payment_by_results"
    panel.choose(list(system.schemes.index[3:6]))
    assert len(calls) == 1


def test_the_browsers_floating_point_noise_neither_misses_the_search_nor_is_saved(
        system, tmp_path, monkeypatch):
    # What Chromium sent for 7.0 on lesson 1's capacity slider (6.0 + two steps of 0.5),
    # applied as a message from the page is (set_state); 7.000000000000001 is not on the
    # slider's grid, so it searched again (0.1 s) and went into the saved file as written.
    calls = counting_searches(monkeypatch)
    panel = lesson1.PortfolioPanel(system, folder=tmp_path)
    panel.choose(two_schemes(system))
    slider = panel.controls["leadership_capacity"]
    for noisy, clean in [(7.000000000000001, 7.0), (8.500000000000002, 8.5), (2.5000000000000004, 2.5)]:
        slider.set_state({"value": noisy})
        assert panel.scenario().leadership_capacity == clean
    assert len(calls) == 1
    path = panel.agree()
    assert load_saved(path).scenario.leadership_capacity == 2.5
    assert "2.5000000000000004" not in path.read_text()


def test_when_one_search_cannot_take_the_slider_each_value_is_searched_once(system, tmp_path,
                                                                           monkeypatch):
    # A system with many schemes: one search takes only the value asked for.
    from casestudy import priorities

    monkeypatch.setattr(priorities, "ROWS_PER_SEARCH", 1)
    calls = counting_searches(monkeypatch)
    panel = lesson1.PortfolioPanel(system, folder=tmp_path)
    panel.update()
    slider = panel.controls["leadership_capacity"]
    start = slider.value
    slider.value = start + slider.step
    slider.value = start  # seen: looked up
    slider.value = 20.0
    assert calls == [[start], [start + slider.step], [20.0]]
    expected = best_portfolios(system, panel.scenario())
    np.testing.assert_allclose(curve_of(panel).nhs_benefit_gbp_m, expected.nhs_benefit_gbp_m,
                               atol=TOLERANCE)


def test_reset_restores_the_baseline(panel, system):
    baseline = [f.data.copy() for f in panel.figures]
    panel.choose(two_schemes(system))
    panel.controls["payment"].value = "payment_by_results"
    panel.controls["leadership_capacity"].value = 2.5
    panel.reset()
    assert panel.scenario() == panel.baseline
    for before, figure in zip(baseline, panel.figures):
        pd.testing.assert_frame_equal(before.reset_index(drop=True),
                                      figure.data.reset_index(drop=True))


def test_loading_a_scenario_ticks_its_schemes(panel, system):
    chosen = tuple(two_schemes(system))
    panel.load(Scenario.preset("blended", schemes=chosen, leadership_capacity=4.0))
    assert panel.scenario().schemes == chosen
    assert panel.controls["leadership_capacity"].value == 4.0


def test_agreeing_the_memorandum_saves_the_scenario_and_never_overwrites(panel, system, tmp_path):
    assert panel.agree() is None and "No schemes are chosen" in panel.memo.value
    panel.choose(two_schemes(system))
    first = panel.agree()
    second = panel.agree()
    assert first != second and first.exists() and second.exists()
    assert first.parent == tmp_path
    saved = load_saved(first)
    assert saved.scenario == panel.scenario()
    memo = memorandum(system, panel.scenario())
    for name in memo.schemes["name"]:
        assert name in panel.memo.value
    for lead in memo.schemes["lead"]:
        assert lead in panel.memo.value
    assert money(memo.nhs_benefit_gbp_m) in panel.memo.value
    assert str(second) in panel.memo.value
    json.loads(first.read_text())  # a plain JSON file a facilitator can open


def test_figures_are_sound_vega_lite(panel, system):
    panel.choose(two_schemes(system))
    for spec in panel.specs:
        assert_spec_sound(spec)


def test_chart_builders_validate(system):
    scenario = Scenario(schemes=two_schemes(system))
    memo = memorandum(system, scenario)
    kinds = list(dict.fromkeys(system.organisations.kind.reindex(system.schemes.deliverer_id)))
    charts = [
        who_gains_chart(memo.organisations, scenario.payment_label),
        portfolio_size_chart(best_portfolios(system, scenario, max_size=3), 2,
                             memo.nhs_benefit_gbp_m),
        leadership_load_chart(memo.schemes.assign(kind=system.organisations.kind.reindex(
            memo.schemes.lead_id).to_numpy()), 6.0, kinds),
        leadership_load_chart(memo.schemes.iloc[:0].assign(kind=[]), 6.0, kinds),
    ]
    for chart in charts:
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert spec["description"]
        assert_spec_sound(spec)


# --------------------------------------------------------------------------- prose and checks


def test_prose_is_computed_for_this_system(system):
    situation = lesson1.situation(system).data
    schemes = system.schemes
    apart = int((schemes.funder_id != schemes.deliverer_id).sum())  # not "each scheme"
    assert f"{apart} of the {len(schemes)} schemes are paid for by one organisation" in situation
    assert f"{len(system.schemes)} shared schemes" in situation
    assert f"{system.schemes.leadership_load.sum():g} units" in situation
    paragraph = lesson1.model_in_one_paragraph(system).data
    twice = delivery_share(np.ones(1), np.array([2.0]), np.ones(1), 1.0)[0]
    assert f"{twice:.0%}" in paragraph
    meaning = lesson1.what_this_means(system).data
    best = best_portfolios(system, lesson1.DEFAULT)
    top = best.loc[best.nhs_benefit_gbp_m.idxmax()]
    assert money(top.nhs_benefit_gbp_m) in meaning and top["names"] in meaning
    for text in (situation, paragraph, meaning):
        assert "nan" not in text
    menu = lesson1.scheme_menu(system).data
    assert len(menu) == len(system.schemes)


def test_checks_right_answers_come_from_the_model(system):
    questions = lesson1.checks(system)
    assert len(questions) == 3
    best = best_portfolios(system, lesson1.DEFAULT)
    top = best.loc[best.nhs_benefit_gbp_m.idxmax()]
    everything = best.iloc[-1]
    spread = questions[0]
    if everything.nhs_benefit_gbp_m < top.nhs_benefit_gbp_m - 1e-6:
        assert spread.correct == 1
    else:
        assert spread.correct in (0, 2)
    assert spread.choose(spread.correct) is True

    provider = largest_provider(system)
    by_org = portfolio(system, Scenario.preset("payment_by_results", schemes=top.schemes))
    value = by_org.query("payment == 'payment_by_results' and org_id == @provider").benefit_gbp_m.iloc[0]
    expected = 0 if value > 1e-6 else 1 if value < -1e-6 else 2
    assert questions[1].correct == expected
    assert system.org_name(provider) in questions[1].question

    nhs = portfolio(system, Scenario(schemes=top.schemes)).query("org_id == 'nhs_system'")
    assert nhs.benefit_gbp_m.max() - nhs.benefit_gbp_m.min() < 1e-6
    assert questions[2].correct == 2
    wrong = (questions[2].correct + 1) % 3
    assert questions[2].choose(wrong) is False


def test_the_memorandum_is_saved_under_a_team_name_and_compared_with_scheme_names(
        panel, system, tmp_path):
    # Issue 15: the memorandum saved as team "memorandum" and showed in the comparison with
    # internal ids ("falls, home_first").
    from casestudy.compare import compare_saved

    chosen = two_schemes(system)
    panel.choose(chosen)
    untyped = load_saved(panel.agree())
    assert untyped.team == lesson1.MEMORANDUM_TEAM
    panel.scenario_io.team.value = "Table 4"
    typed = load_saved(panel.agree())
    assert typed.team == "Table 4 memorandum"
    table = compare_saved(system, [typed]).teams
    row = table[table.team == "Table 4 memorandum"].iloc[0]
    for scheme_id in chosen:
        assert system.schemes.loc[scheme_id, "name"] in row.changes
    assert ", ".join(chosen) not in row.changes  # the ids as the file stores them
