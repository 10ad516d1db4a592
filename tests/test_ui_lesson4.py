"""Lesson 4's panels, prose and checks: set the controls as a learner would and compare what
is drawn with a direct call of the model."""

from __future__ import annotations

import dataclasses
import html

import numpy as np
import pandas as pd
import pytest
from specs import assert_spec_sound

from casestudy import (
    project,
    risk_by_preset,
    run_year,
    system_totals,
)
from casestudy.charts.distribution import distribution_chart, spread_chart
from casestudy.charts.electives import shortfall_chart
from casestudy.charts.years import holders_chart, years_chart
from casestudy.incentives import (
    DEFAULT_SEED,
    NHS_ID,
    PAYERS_ID,
    SHORTFALL,
    PresetDraws,
    break_even_elective_rate,
    elective_shortfall,
    largest_acute_trust,
    main_commissioner,
)
from casestudy.scenario import PRESET_LABELS
from casestudy.ui import lesson4
from casestudy.ui.common import Prediction

DRAWS = 300  # the certainty panel's draws in tests: the comparisons are exact at any count
# ``system``: conftest's, each shipped system in turn.


def opened(panel):
    """The panel as a page opens it: drawn once."""
    panel.update()
    return panel


def by_rule(system, scenario, presets=lesson4.SHOWN):
    """project() under each preset the lesson shows, stacked, straight from the model."""
    frames = []
    for preset in presets:
        frame = project(system, dataclasses.replace(scenario, payment=preset))
        frame["payment"] = preset
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- certainty


@pytest.fixture(scope="module")
def certainty(system):
    return opened(lesson4.CertaintyPanel(system, draws=DRAWS))


def test_certainty_panel_shows_the_trust_and_its_commissioner(system, certainty):
    provider = largest_acute_trust(system)
    assert certainty.shown == [provider, main_commissioner(system, provider)]
    names = set(certainty.figures[0].data.name)
    assert names == {system.org_name(o) for o in certainty.shown}


def test_certainty_panel_draws_what_risk_by_preset_says(system, certainty):
    certainty.controls["demand_shock"].value = 0.04
    try:
        scenario = dataclasses.replace(lesson4.DEFAULT, demand_shock=0.04)
        assert certainty.scenario() == scenario
        expected = risk_by_preset(system, scenario, draws=DRAWS, seed=DEFAULT_SEED,
                                  presets=lesson4.RISK_SHOWN)
        expected = expected[expected.org_id.isin(certainty.shown)].set_index(["payment", "org_id"])
        drawn = certainty.figures[1].data.set_index(["payment", "org_id"]).loc[expected.index]
        np.testing.assert_allclose(drawn.sd_position_gbp_m, expected.sd_position_gbp_m, rtol=1e-9)
        np.testing.assert_allclose(drawn.chance_met, expected.chance_met)
        shares = certainty.figures[0].data.groupby(["payment", "org_id"]).share.sum()
        np.testing.assert_allclose(shares, 1.0)
        assert len(certainty.figures[0].data) <= 5_000
    finally:
        certainty.reset()


def test_certainty_demand_shock_moves_the_distribution_by_the_certain_years_change(system, certainty):
    before = certainty.figures[1].data.copy()
    base = PresetDraws.build(system, lesson4.DEFAULT, draws=DRAWS, seed=DEFAULT_SEED)
    certainty.controls["demand_shock"].value = 0.1
    try:
        after = certainty.figures[1].data
        # The text reports the change in each mean from the baseline: check it with run_year.
        provider, commissioner = certainty.shown
        # Rules linear in activity: every draw moves by the certain year's change.
        linear = ("fixed_income", "blended")
        for preset in linear:
            old = dataclasses.replace(lesson4.DEFAULT, payment=preset)
            new = dataclasses.replace(old, demand_shock=0.1)
            columns = ["position_gbp_m", "incentive_fund_gbp_m"]
            moved = (run_year(system, new).organisations[columns]
                     - run_year(system, old).organisations[columns])
            change = moved.position_gbp_m - moved.incentive_fund_gbp_m
            for org in (provider, commissioner):
                mean_now = base.summary(base.positions(new)).set_index(["payment", "org_id"]).loc[
                    (preset, org), "mean_position_gbp_m"]
                mean_then = base.summary(base.positions(old)).set_index(["payment", "org_id"]).loc[
                    (preset, org), "mean_position_gbp_m"]
                assert mean_now - mean_then == pytest.approx(change[org], abs=1e-9)
        # The shift moves every draw alike: the spread is unchanged, to rounding.
        same = lambda frame: frame[frame.payment.isin(linear)].sd_position_gbp_m.to_numpy()
        np.testing.assert_allclose(same(after), same(before), rtol=1e-9)
        assert not np.allclose(after.chance_met, before.chance_met)
        # The marginal rate has a kink at its baseline: its draws are run again, as simulate says.
        mret = risk_by_preset(system, dataclasses.replace(lesson4.DEFAULT, demand_shock=0.1),
                              draws=DRAWS, seed=DEFAULT_SEED, presets=("pbr_mret",))
        mret = mret[mret.org_id.isin(certainty.shown)].set_index("org_id")
        drawn = after[after.payment == "pbr_mret"].set_index("org_id").loc[mret.index]
        np.testing.assert_allclose(drawn.sd_position_gbp_m, mret.sd_position_gbp_m, rtol=1e-9)
    finally:
        certainty.reset()
    pd.testing.assert_frame_equal(certainty.figures[1].data, before)


def test_under_fixed_income_the_commissioner_carries_least(certainty):
    spread = certainty.figures[1].data.set_index(["payment", "org_id"]).sd_position_gbp_m
    commissioner = certainty.shown[1]
    assert spread[("fixed_income", commissioner)] < spread[("pbr_mret", commissioner)]


# --------------------------------------------------------------------------- years


@pytest.fixture(scope="module")
def years(system):
    return opened(lesson4.YearsPanel(system))


def test_years_panel_draws_the_projection_of_every_rule(system, years):
    years.controls["non_recurrent_support_gbp_m"].value = 30.0
    years.controls["rebase_fixed_income"].value = True
    try:
        scenario = dataclasses.replace(lesson4.YEARS_BASELINE, non_recurrent_support_gbp_m=30.0,
                                       rebase_fixed_income=True)
        assert years.scenario() == scenario
        totals = system_totals(by_rule(system, scenario))
        drawn = years.figures[0].data.pivot_table(
            index=["payment_label", "year"], columns="series", values="value_gbp_m")
        for preset in lesson4.SHOWN:
            label = PRESET_LABELS[preset]
            mine = totals[totals.payment == preset].set_index("year")
            np.testing.assert_allclose(drawn.loc[label, "Underlying position"], mine.underlying_position_gbp_m)
            np.testing.assert_allclose(drawn.loc[label, "Reported position"], mine.position_gbp_m)
    finally:
        years.reset()


def test_the_years_panel_stacks_exactly_what_project_gives_under_each_rule(system):
    scenario = dataclasses.replace(lesson4.YEARS_BASELINE, demand_shock=0.04, recurrent_share=0.3)
    pd.testing.assert_frame_equal(lesson4._project_all(system, scenario), by_rule(system, scenario),
                                  check_like=True)


def test_the_underlying_position_is_the_same_under_every_rule(years):
    underlying = years.figures[0].data.query("series == 'Underlying position'")
    spread = underlying.groupby("year").value_gbp_m.agg(np.ptp)
    assert spread.max() < 1e-6
    assert "under every payment rule" in years.text


def test_one_off_support_moves_the_reported_position_only(system, years):
    before = years.figures[0].data.set_index(["payment_label", "year", "series"]).value_gbp_m
    years.controls["non_recurrent_support_gbp_m"].value = 40.0
    try:
        after = years.figures[0].data.set_index(["payment_label", "year", "series"]).value_gbp_m
        change = (after - before).unstack("series")
        np.testing.assert_allclose(change["Underlying position"], 0.0, atol=1e-9)
        assert (change["Reported position"] > 0).any()
        assert "Only the reported figure moved" in years.text
    finally:
        years.reset()
    after_reset = years.figures[0].data.set_index(["payment_label", "year", "series"]).value_gbp_m
    pd.testing.assert_series_equal(after_reset, before)


def test_recurrent_savings_move_the_underlying_position(system, years):
    before = years.figures[0].data.query("series == 'Underlying position'").value_gbp_m.to_numpy()
    years.controls["recurrent_share"].value = 1.0
    try:
        after = years.figures[0].data.query("series == 'Underlying position'").value_gbp_m.to_numpy()
        assert (after >= before - 1e-9).all() and (after > before + 1e-6).any()
    finally:
        years.reset()


def test_holders_chart_splits_the_same_total_differently(system, years):
    data = years.figures[1].data
    totals = data.groupby("payment").underlying_position_gbp_m.sum()
    np.testing.assert_allclose(totals, totals.iloc[0], atol=1e-6)
    frames = by_rule(system, lesson4.YEARS_BASELINE)
    last = frames[(frames.year == frames.year.max()) & frames.in_nhs_control_total]
    for org in years.shown:
        expected = last[last.org_id == org].set_index("payment").underlying_position_gbp_m
        got = data[data.org_id == org].set_index("payment").underlying_position_gbp_m
        np.testing.assert_allclose(got.loc[expected.index], expected)


# --------------------------------------------------------------------------- electives


@pytest.fixture(scope="module")
def electives(system):
    return opened(lesson4.ElectivePanel(system))


def test_elective_panel_draws_elective_shortfall(system, electives):
    electives.controls["elective_variable_rate"].value = 0.5
    electives.shortfall.value = 0.12
    try:
        scenario = dataclasses.replace(lesson4.DEFAULT, elective_variable_rate=0.5)
        provider = largest_acute_trust(system)
        expected = elective_shortfall(system, scenario, 0.12, provider,
                                      presets=lesson4.SHOWN).set_index(["payment", "org_id"])
        drawn = electives.figures[0].data.set_index(["payment", "org_id"])
        assert set(drawn.index.get_level_values("org_id")) == {provider, PAYERS_ID, NHS_ID}
        np.testing.assert_allclose(drawn.gain_gbp_m, expected.loc[drawn.index, "gain_gbp_m"])
        rate = break_even_elective_rate(system, scenario, 0.12, provider)
        assert f"{rate:.0%}" in electives.text
    finally:
        electives.reset()
    assert electives.shortfall.value == lesson4.SHORTFALL_SHARE
    assert electives.scenario() == lesson4.DEFAULT
    # The slider is the knob's metadata (incentives.SHORTFALL), as the scenario's fields are.
    slider = electives.shortfall
    assert (slider.description, slider.min, slider.max, slider.step, slider.readout_format) == (
        SHORTFALL["label"], SHORTFALL["min"], SHORTFALL["max"], SHORTFALL["step"], ".0%")
    assert html.escape(SHORTFALL["help"]) in electives.extra_controls[1].value


def test_fixed_income_rewards_doing_less_and_a_full_variable_rate_does_not(system, electives):
    data = electives.figures[0].data.set_index(["payment", "org_id"]).gain_gbp_m
    provider = largest_acute_trust(system)
    assert data[("fixed_income", provider)] > 0
    assert data[("api_2023", provider)] < 0  # rate 1.0 both ways in the baseline
    # 2022/23 took nothing back below plan: the trust gains as under fixed income.
    assert data[("api_2022", provider)] == pytest.approx(data[("fixed_income", provider)])
    assert data[("fixed_income", PAYERS_ID)] == pytest.approx(0, abs=1e-12)


# --------------------------------------------------------------------------- charts


def test_every_chart_validates_and_encodes_only_its_data(certainty, years, electives):
    for panel in (certainty, years, electives):
        for spec in panel.specs:
            assert_spec_sound(spec)
    draws = certainty.draws
    positions = draws.positions(certainty.scenario())
    spread = draws.summary(positions)
    orgs = certainty.system.organisations
    frames = by_rule(years.system, years.scenario())
    charts = [
        distribution_chart(draws.histogram(positions, certainty.shown), orgs, spread),
        spread_chart(spread, orgs, certainty.shown),
        years_chart(system_totals(frames)),
        holders_chart(frames, years.shown),
        shortfall_chart(elective_shortfall(electives.system, electives.scenario(), 0.05),
                        electives.shown),
    ]
    for chart in charts:
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert_spec_sound(spec)
        assert spec["description"]


def test_money_axes_say_pounds_million(certainty, years, electives):
    for panel in (certainty, years, electives):
        for spec in panel.specs:
            text = str(spec)
            assert "(£m)" in text


# --------------------------------------------------------------------------- prose and checks


def test_prose_names_the_organisations_it_is_about(system):
    provider = largest_acute_trust(system)
    situation = lesson4.situation(system).data
    assert system.org_name(provider) in situation
    assert system.org_name(main_commissioner(system, provider)) in situation
    assert "marginal cost" in lesson4.the_model(system).data
    assert "underlying" in lesson4.what_this_means(system).data


def test_checks_are_answered_by_the_model(system):
    checks = lesson4.checks(system)
    assert 2 <= len(checks) <= 4
    assert isinstance(checks[0], Prediction)
    provider = largest_acute_trust(system)
    commissioner = main_commissioner(system, provider)
    # 1. Demand above plan under fixed income: whose position (before funds) moves most?
    base = run_year(system, lesson4.DEFAULT).organisations
    more = run_year(system, dataclasses.replace(lesson4.DEFAULT, demand_shock=lesson4.DEMAND_CHECK)).organisations
    moved = (more.position_gbp_m - more.incentive_fund_gbp_m) - (base.position_gbp_m - base.incentive_fund_gbp_m)
    assert checks[0].correct == (0 if abs(moved[provider]) >= abs(moved[commissioner]) else 1)
    # 2. More one-off support: the underlying position in the last year does not move.
    extra = dataclasses.replace(lesson4.DEFAULT, non_recurrent_support_gbp_m=30.0)
    last = system_totals(project(system, extra)).iloc[-1]
    first = system_totals(project(system, lesson4.DEFAULT)).iloc[-1]
    assert last.underlying_position_gbp_m == pytest.approx(first.underlying_position_gbp_m)
    assert checks[1].correct == 2
    # 3. Fewer electives under fixed income: the trust gains.
    gain = elective_shortfall(system, lesson4.DEFAULT, lesson4.SHORTFALL_SHARE, provider,
                              presets=("fixed_income",)).set_index("org_id").gain_gbp_m[provider]
    assert checks[2].correct == (0 if gain > 0 else 1)
    assert checks[3].correct == 1
    for check in checks:
        assert check.choose(check.correct) is True
        assert check.choose((check.correct + 1) % len(check.options)) is False


def test_a_system_without_an_acute_trust_is_handled(tiny_system):
    # The tiny system has one acute trust; relabel it to have none.
    orgs = tiny_system.organisations.copy()
    orgs.loc[orgs.kind == "acute", "kind"] = "community_mental_health"
    system = dataclasses.replace(tiny_system, organisations=orgs)
    assert "no acute trust" in lesson4.situation(system).data
    panel = lesson4.ElectivePanel(system)
    panel.update()
    assert "no acute trust" in panel.text
    assert lesson4.checks(system)[2].correct == 2
    certainty = lesson4.CertaintyPanel(system, draws=50)
    certainty.update()
    assert len(certainty.shown) == 2


def test_only_incentive_funds_make_the_reported_total_differ_by_rule(system):
    """What the lesson's model paragraph says: by rule, the NHS system's total before
    incentive funds is the same every year; the reported total differs by the funds alone."""
    frame = lesson4._project_all(system, lesson4.YEARS_BASELINE)
    nhs = frame[frame.in_nhs_control_total.astype(bool)]
    before = (nhs.position_gbp_m - nhs.incentive_fund_gbp_m).groupby([nhs.year, nhs.payment]).sum()
    spread = before.groupby(level="year").agg(lambda s: s.max() - s.min())
    assert (spread < 1e-6).all(), spread
    assert "before incentive funds unchanged" in lesson4.the_model(system).data


def test_the_words_name_the_rules_of_their_years(system):
    model = lesson4.the_model(system).data
    # The Bradford years' tariff: full price to a baseline, the marginal rate above it.
    assert f"{lesson4.DEFAULT.mret_rate_above_baseline:.0%} of the price of each emergency" in model
    assert "above plan only in 2022/23" in model and "thought experiment" in model
    assert "in effect tied to the" in model  # a risk share of 1 links every fund
    panel = lesson4.CertaintyPanel(system, draws=DRAWS)
    panel.update()
    assert "marginal rate" in panel.text
    assert "full price of every unit off plan" not in panel.text  # pure PbR, not the period's rule


def test_the_years_panel_says_who_holds_the_last_year_and_why(system):
    from casestudy.formats import money
    from casestudy.projection import holdings, project_by_preset

    panel = lesson4.YearsPanel(system)
    panel.update()
    frames = project_by_preset(system, panel.scenario(), lesson4.SHOWN)
    for held in holdings(frames, panel.shown):
        assert f"its income grows by {money(held.income_growth_gbp_m)}" in panel.text
        assert f"its cost by {money(held.cost_growth_gbp_m)}" in panel.text
