"""Several years: the roll-forward by hand on the tiny system, and the underlying deficit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny import TINY_TABLES, vary, write_tables

import casestudy as cs
from casestudy.projection import PROJECT_COLUMNS, project, scheme_ramp, system_totals

SETTLED = {"allocation_growth": 0.0}  # no growth of allocations, for round numbers


def one(frame: pd.DataFrame, year: int, org: str, column: str) -> float:
    return frame.loc[(frame.year == year) & (frame.org_id == org), column].item()


def test_frame_has_one_row_per_year_and_organisation(bundled_system):
    frame = project(bundled_system, cs.Scenario(), years=4)
    orgs = list(bundled_system.organisations.index)
    assert list(frame.columns) == list(PROJECT_COLUMNS)
    assert frame.year.tolist() == [y for y in range(1, 5) for _ in orgs]
    assert frame.org_id.tolist() == orgs * 4


def test_years_default_to_the_scenario(bundled_system):
    assert project(bundled_system, cs.Scenario(years=2)).year.max() == 2


@pytest.mark.parametrize("preset", cs.PRESETS)
def test_first_year_without_schemes_is_run_year(bundled_system, preset):
    scenario = cs.Scenario.preset(preset, demand_shock=0.03, risk_share=0.4)
    first = project(bundled_system, scenario, years=1).set_index("org_id")
    year = cs.run_year(bundled_system, scenario).organisations
    for column in PROJECT_COLUMNS[2:]:
        if first[column].dtype.kind == "f":
            np.testing.assert_allclose(first[column], year.loc[first.index, column], atol=1e-12)
        else:
            assert first[column].tolist() == year.loc[first.index, column].tolist()


# --------------------------------------------------------------------------- by hand


def test_cost_base_carries_recurrent_savings_and_planned_growth(tiny_system, plain):
    scenario = vary(plain, cost_inflation=0.02, efficiency_required=0.05, recurrent_share=0.6,
                    **SETTLED)
    frame = project(tiny_system, scenario, years=2)
    # Year 1: acute cost 80 x 1.02 - saving 80 x 0.05 = 77.6.
    assert one(frame, 1, "acute", "cost_gbp_m") == pytest.approx(80 * 1.02 - 4.0)
    # Year 2 cost base: (80 x 1.02 - recurrent 0.6 x 4) with the part that moves with
    # commissioned activity (70 of 80: other income pays for 10) grown by planned demand
    # growth, price-weighted: elective 11m -> 12.1m, emergency 60m flat, so 1.1 / 71.
    base = (80 * 1.02 - 2.4) * (1 + 1.1 / 71 * 70 / 80)
    assert one(frame, 2, "acute", "cost_gbp_m") == pytest.approx(base * 1.02 - base * 0.05)
    # Underlying leaves out this year's non-recurrent saving, 40% of 5% of the cost base.
    gap = one(frame, 2, "acute", "position_gbp_m") - one(frame, 2, "acute", "underlying_position_gbp_m")
    assert gap == pytest.approx(0.4 * 0.05 * base)
    # The community trust has no demand growth: its cost base only inflates and saves.
    comm_base = 20 * 1.02 - 0.6 * 0.05 * 20
    assert one(frame, 2, "comm", "cost_gbp_m") == pytest.approx(comm_base * (1.02 - 0.05))


def test_prices_allocations_and_other_spend_roll_forward(tiny_system, plain):
    scenario = vary(plain, price_uplift=0.03, efficiency_factor=0.01, allocation_growth=0.04,
                    cost_inflation=0.02)
    frame = project(tiny_system, scenario, years=2)
    price = 1.02**2  # two years of uplift minus efficiency factor
    # Acute year 2 under payment by results: 12,100 elective at £1,000 and 30,000 emergency
    # at £2,000, at year-2 prices, plus other income 10 grown with allocations.
    income = (12_100 * 1_000 + 30_000 * 2_000) * price / 1e6 + 10 * 1.04
    assert one(frame, 2, "acute", "income_gbp_m") == pytest.approx(income)
    # ccg_a: allocation 100 x 1.04; other spend 45 x 1.02 x its lines' price-weighted
    # demand growth (elective 11m -> 12.1m of 11 + 40 + 2 = 53m).
    paid = (12_100 * 1_000 + 20_000 * 2_000 + 400 * 5_000) * price / 1e6
    other_spend = 45 * 1.02 * (1 + 1.1 / 53)
    assert one(frame, 2, "ccg_a", "position_gbp_m") == pytest.approx(104 - paid - other_spend)
    assert one(frame, 2, "council", "income_gbp_m") == pytest.approx(10 * 1.04)


def test_schemes_ramp_up_to_full_effect(tmp_path, plain):
    tables = {name: [dict(row) for row in rows] for name, rows in TINY_TABLES.items()}
    tables["schemes"][0]["years_to_full_effect"] = 3  # frailty: -10% emergency, chance 0.5
    system = cs.load_system(write_tables(tmp_path, tables))
    frame = project(system, vary(plain, schemes=("frailty",), **SETTLED), years=4)
    for year, ramp in ((1, 1 / 3), (2, 2 / 3), (3, 1.0), (4, 1.0)):
        elective = 11_000 * 1.1 ** (year - 1) * 1_000 / 1e6
        emergency = 60 * (1 - 0.5 * 0.10 * ramp)
        expected = elective + emergency + 10  # plus other income, flat here
        assert one(frame, year, "acute", "income_gbp_m") == pytest.approx(expected), year
        # The scheme costs its funder the full amount from the first year.
        assert one(frame, year, "comm", "income_gbp_m") == pytest.approx(20 + 1.0)


def test_scheme_ramp_by_hand():
    np.testing.assert_allclose(scheme_ramp(np.array([1.0, 2.0, 4.0]), 2), [1.0, 1.0, 0.5])


@pytest.mark.parametrize("rebase", [False, True])
def test_rebasing_fixed_income_moves_the_shortfall_to_the_provider(tiny_system, plain, rebase):
    # Demand 5% below plan each year under fixed income. Rebased, year 2's fixed payment is
    # set from year 1's actual activity, so the commissioner pays 5% less.
    scenario = vary(plain, payment="fixed_income", demand_shock=-0.05,
                    rebase_fixed_income=rebase, **SETTLED)
    frame = project(tiny_system, scenario, years=2)
    contract = (12_100 * 1_000 + 20_000 * 2_000) / 1e6  # ccg_a's acute lines, year 2 plan
    shortfall = 0.05 * contract if rebase else 0.0
    kept = project(tiny_system, vary(scenario, rebase_fixed_income=False), years=2)
    assert (one(frame, 2, "ccg_a", "position_gbp_m") - one(kept, 2, "ccg_a", "position_gbp_m")
            == pytest.approx(shortfall))
    # The acute trust loses 5% of its year-2 fixed income from both commissioners (12.1 + 60).
    assert (one(frame, 2, "acute", "position_gbp_m") - one(kept, 2, "acute", "position_gbp_m")
            == pytest.approx(-0.05 * (12.1 + 60) if rebase else 0.0))
    # Year 1 is the same either way: the rebasing only reaches next year.
    assert one(frame, 1, "acute", "position_gbp_m") == pytest.approx(
        one(kept, 1, "acute", "position_gbp_m"))


# --------------------------------------------------------------------------- the lesson


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shock=st.floats(-0.1, 0.1), flex=st.floats(0, 1), rebase=st.booleans(),
       recurrent=st.floats(0, 1), risk_share=st.floats(0, 1), linkage=st.floats(0, 1),
       schemes=st.lists(st.sampled_from(["frailty", "falls", "home_first", "end_of_life",
                                         "outpatient_transformation"]), unique=True, max_size=3),
       years=st.integers(1, 4))
def test_underlying_system_position_is_the_same_under_every_payment_rule(
        bundled_system, shock, flex, rebase, recurrent, risk_share, linkage, schemes, years):
    totals = []
    for preset in cs.PRESETS:
        scenario = cs.Scenario.preset(preset, demand_shock=shock, flex=flex,
                                      rebase_fixed_income=rebase, recurrent_share=recurrent,
                                      risk_share=risk_share, system_linkage=linkage,
                                      schemes=tuple(schemes))
        totals.append(system_totals(project(bundled_system, scenario, years=years)))
    for other in totals[1:]:
        np.testing.assert_allclose(other.underlying_position_gbp_m,
                                   totals[0].underlying_position_gbp_m, atol=1e-9)
        np.testing.assert_allclose(other.place_underlying_position_gbp_m,
                                   totals[0].place_underlying_position_gbp_m, atol=1e-9)


def test_the_underlying_deficit_stays_under_every_payment_rule(bundled_system):
    for preset in cs.PRESETS:
        totals = system_totals(project(bundled_system, cs.Scenario.preset(preset), years=5))
        assert (totals.underlying_position_gbp_m < 0).all(), preset
        # ... and grows: allocations grow more slowly than cost, net of recurrent savings.
        assert (np.diff(totals.underlying_position_gbp_m) < 0).all(), preset


def test_only_a_fall_in_recurrent_cost_closes_it(bundled_system):
    base = cs.Scenario.preset("fixed_income")
    default = system_totals(project(bundled_system, base, years=5)).underlying_position_gbp_m
    recurrent = vary(base, efficiency_required=0.08, recurrent_share=1.0)
    better = system_totals(project(bundled_system, recurrent, years=5)).underlying_position_gbp_m
    assert (better.to_numpy() > default.to_numpy()).all()
    assert better.iloc[-1] > better.iloc[0]


def test_one_off_savings_flatter_the_reported_position_only(bundled_system):
    # The same savings, recurrent or not: the same reported year 1, a worse underlying one,
    # and from year 2 a worse reported position too.
    one_off = system_totals(project(bundled_system, cs.Scenario(recurrent_share=0.0), years=3))
    lasting = system_totals(project(bundled_system, cs.Scenario(recurrent_share=1.0), years=3))
    assert one_off.position_gbp_m.iloc[0] == pytest.approx(lasting.position_gbp_m.iloc[0])
    assert one_off.underlying_position_gbp_m.iloc[0] < lasting.underlying_position_gbp_m.iloc[0]
    assert one_off.position_gbp_m.iloc[2] < lasting.position_gbp_m.iloc[2]


# --------------------------------------------------------------------------- system_totals


def test_system_totals_match_run_year_in_the_first_year(bundled_system):
    scenario = cs.Scenario.preset("blended", demand_shock=0.02)
    totals = system_totals(project(bundled_system, scenario, years=2))
    year = cs.run_year(bundled_system, scenario).system
    first = totals.iloc[0]
    for column in ("position_gbp_m", "underlying_position_gbp_m", "control_total_gbp_m"):
        assert first[column] == pytest.approx(year.loc["nhs", column])
    assert first.place_position_gbp_m == pytest.approx(year.loc["place", "position_gbp_m"])
    assert bool(first.met_control_total) == bool(year.loc["nhs", "met_control_total"])
    assert totals.year.tolist() == [1, 2]


def test_system_totals_keep_a_payment_column(bundled_system):
    frames = [project(bundled_system, cs.Scenario.preset(p), years=2).assign(payment=p)
              for p in cs.PRESETS]
    totals = system_totals(pd.concat(frames, ignore_index=True))
    assert len(totals) == 2 * len(cs.PRESETS)
    assert set(totals.payment) == set(cs.PRESETS)


def test_system_totals_reject_other_frames():
    with pytest.raises(cs.ScenarioError, match="project"):
        system_totals(pd.DataFrame({"year": [1]}))


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("years", [0, -1, 16, 2.5, "5", True])
def test_bad_years_raise_naming_years(bundled_system, years):
    with pytest.raises(cs.ScenarioError, match="years"):
        project(bundled_system, cs.Scenario(), years=years)


def test_a_scenario_is_required(bundled_system):
    with pytest.raises(cs.ScenarioError, match="Scenario"):
        project(bundled_system, "fixed_income", years=2)


def test_projection_does_not_change_the_system(bundled_system):
    before = bundled_system.organisations.copy()
    project(bundled_system, dataclasses.replace(cs.Scenario(), years=3))
    pd.testing.assert_frame_equal(before, bundled_system.organisations)


# --------------------------------------------------------------------------- one efficiency ask

ONE_ASK = {"payment": "fixed_income", "cost_inflation": 0.03, "price_uplift": 0.03,
           "efficiency_factor": 0.01, "cost_pressure": 0.02, "efficiency_required": 0.03,
           "efficiency_delivered_share": 1.0, "recurrent_share": 1.0, "allocation_growth": 0.02}


@pytest.fixture(scope="module")
def steady(tmp_path_factory):
    """The tiny system with no demand growth (its elective line grows 10% otherwise)."""
    tables = {name: [dict(row) for row in rows] for name, rows in TINY_TABLES.items()}
    for row in tables["service_lines"]:
        row["demand_growth"] = 0.0
    return cs.load_system(write_tables(tmp_path_factory.mktemp("steady"), tables))


def test_the_efficiency_factor_and_the_savings_programme_are_one_ask(steady, plain):
    # Prices rise 3% - 1% = 2%; NHS providers' costs rise 3% + 2% pressures above the uplift;
    # the savings programme of 3% is the one ask that covers the 1% factor and the 2% pressures.
    frame = project(steady, vary(plain, **ONE_ASK), years=2)
    # Without growth the acute trust's plan is 10,000 electives at £1,000 and 30,000 emergency
    # spells at £2,000: £70m. Year 1: income 70 x 1.02 + 10 = 81.4; cost 80 x 1.05 - 80 x 0.03
    # = 81.6; position -0.2.
    assert one(frame, 1, "acute", "position_gbp_m") == pytest.approx(70 * 1.02 + 10 - 81.6)
    # Year 2: cost base 80 x 1.05 - 2.4 = 81.6, cost 81.6 x 1.05 - 81.6 x 0.03 = 81.6 x 1.02;
    # income 70 x 1.02^2 + 10 x 1.02. The position moves with prices (-0.2 x 1.02), no more.
    year_2 = 70 * 1.02**2 + 10 * 1.02 - 81.6 * 1.02
    assert one(frame, 2, "acute", "position_gbp_m") == pytest.approx(year_2)
    assert year_2 == pytest.approx(-0.2 * 1.02)
    # The community trust (no other income): 20 x 1.02 against 20 x 1.05 - 0.6, and so on.
    assert one(frame, 1, "comm", "position_gbp_m") == pytest.approx(0.0, abs=1e-12)
    assert one(frame, 2, "comm", "position_gbp_m") == pytest.approx(0.0, abs=1e-12)
    # Stacked (the kit before: no pressures, so the 3% programme came on top of the 1% factor),
    # the trust's surplus grew year on year: 81.4 - (80 x 1.03 - 2.4) = 1.4, then
    # 83.028 - (82.4 - 2.4) x 1.03 + 2.4 = 83.028 - 80 = 3.03.
    stacked = project(steady, vary(plain, **{**ONE_ASK, "cost_pressure": 0.0}), years=2)
    assert one(stacked, 1, "acute", "position_gbp_m") == pytest.approx(81.4 - 80.0)
    assert one(stacked, 2, "acute", "position_gbp_m") == pytest.approx(83.028 - 80.0)


def test_fixed_income_on_plan_gives_the_acute_trusts_no_growing_surplus(bundled_system):
    # The kit's defaults, fixed income, demand on plan, no schemes. Before the one-ask model the
    # acute trusts reported +£35.5m and +£14.0m in year 5 (+£29.6m before incentive funds
    # over year 1) while the three CCGs sank to -£61.5m.
    def acute_before_funds(scenario):
        frame = project(bundled_system, scenario, years=5)
        acute = frame[frame.kind == "acute"]
        return (acute.position_gbp_m - acute.incentive_fund_gbp_m).groupby(acute.year).sum()

    now = acute_before_funds(cs.Scenario.preset("fixed_income"))
    assert now.loc[5] < now.loc[1]
    # Leave the pressures out (efficiency counted twice) and the surplus grows again: the test
    # can fail.
    stacked = acute_before_funds(cs.Scenario.preset("fixed_income", cost_pressure=0.0))
    assert stacked.loc[5] > stacked.loc[1] + 10


def test_costs_other_income_pays_for_do_not_move_with_commissioned_activity(tiny_tables, tmp_path,
                                                                            plain):
    # 10% more activity under payment by results, flex 0: the acute trust's cost rises by the
    # variable 0.2 of the £70m that moves (its £80m less the £10m its other income pays for).
    more = vary(plain, demand_shock=0.1)
    base = cs.run_year(cs.load_system(write_tables(tmp_path / "a", tiny_tables)), plain)
    extra = cs.run_year(cs.load_system(write_tables(tmp_path / "b", tiny_tables)), more)
    acute = lambda r: r.organisations.loc["acute", "cost_gbp_m"]
    assert acute(extra) - acute(base) == pytest.approx(0.2 * 70 * 0.1)  # 1.4
    # With no other income the whole £80m moves: 0.2 x 80 x 10% = 1.6.
    for row in tiny_tables["organisations"]:
        row["other_income_gbp_m"] = 0.0
    system = cs.load_system(write_tables(tmp_path / "c", tiny_tables))
    assert (acute(cs.run_year(system, more)) - acute(cs.run_year(system, plain))
            == pytest.approx(0.2 * 80 * 0.1))


# --------------------------------------------------------------------------- by preset


def test_project_by_preset_stacks_project_under_each_preset(bundled_system):
    base = cs.Scenario(demand_shock=0.02)
    frame = cs.project_by_preset(bundled_system, base, ("pbr_mret", "fixed_income"), years=3)
    assert list(frame.columns) == ["payment", *PROJECT_COLUMNS]
    assert frame.payment.drop_duplicates().tolist() == ["pbr_mret", "fixed_income"]
    for preset in ("pbr_mret", "fixed_income"):
        mine = frame[frame.payment == preset].drop(columns="payment").reset_index(drop=True)
        alone = project(bundled_system, dataclasses.replace(base, payment=preset), years=3)
        pd.testing.assert_frame_equal(mine, alone, check_dtype=False)
    # The old name is the new preset; nonsense is refused, naming the presets.
    old = cs.project_by_preset(bundled_system, base, ["aligned_payment_and_incentive"], years=1)
    assert set(old.payment) == {"api_2023"}
    for bad in (["tariff"], "pbr_mret", [], ["blended", "blended"]):
        with pytest.raises(cs.ScenarioError, match="preset"):
            cs.project_by_preset(bundled_system, base, bad, years=1)


def test_holdings_explain_the_last_year_by_income_and_cost_growth(bundled_system):
    # Issue 15: lesson 4's year-5 positions, explained. Under one rule the change in the
    # underlying position is income growth - cost growth - one-off growth, exactly, because
    # position = income - cost and underlying = position - one-off money.
    from casestudy import Scenario
    from casestudy.projection import holdings, project_by_preset

    scenario = Scenario.preset("fixed_income", demand_shock=0.02)
    frame = project_by_preset(bundled_system, scenario, ("fixed_income",))
    for held in holdings(frame, ["bthft", "bd_ccg"]):
        mine = frame[frame.org_id == held.org_id].set_index("year")
        assert held.first_gbp_m[0] == held.first_gbp_m[1] == mine.underlying_position_gbp_m[1]
        assert held.last_gbp_m[0] == mine.underlying_position_gbp_m[held.last_year]
        moved = held.last_gbp_m[0] - held.first_gbp_m[0]
        assert moved == pytest.approx(held.income_growth_gbp_m - held.cost_growth_gbp_m
                                      - held.one_off_growth_gbp_m)
    # Over several rules: the lowest and highest of the last year, in that order.
    both = project_by_preset(bundled_system, scenario, ("fixed_income", "payment_by_results"))
    (trust,) = holdings(both, ["bthft"])
    last = both[(both.org_id == "bthft") & (both.year == trust.last_year)].underlying_position_gbp_m
    assert trust.last_gbp_m == (pytest.approx(last.min()), pytest.approx(last.max()))
