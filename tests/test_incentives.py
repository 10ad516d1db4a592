"""casestudy.incentives: who carries the volume risk, and the gain from doing less planned care.

Hand calculations use the tiny system of conftest.py with the neutral ``PLAIN`` scenario:
the acute trust's elective line plans 11,000 spells at £1,000 (£11m); its contracts at plan
are 11 + 40 + 20 = £71m; its cost base £80m with variable share 0.2 and semi-fixed 0.3, so
with ``flex = 0`` its marginal cost is 0.2 of its average cost. Doing 10% of its electives
less (1,100 spells, £1.1m at price) saves 80 x 0.2 x 1.1 / 71 = £0.24789m of cost.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from tiny import PLAIN, write_tables

from casestudy import (
    PRESETS,
    Scenario,
    ScenarioError,
    load_system,
    risk_by_preset,
    run_year,
    simulate,
)
from casestudy.incentives import (
    NHS_ID,
    PAYERS_ID,
    PresetDraws,
    break_even_elective_rate,
    elective_shortfall,
    fund_cliffs,
    largest_acute_trust,
    main_commissioner,
)

# Marginal cost of 1,100 spells, by hand: the variable 0.2 of the cost base that moves with
# commissioned activity (80 less the 10 other income pays for), over the £71m plan.
SAVED_GBP_M = (80 - 10) * 0.2 * 1.1 / 71
PRICE_GBP_M = 1.1  # what 1,100 spells at £1,000 are paid under payment by results


def gains_of(table, preset):
    return table[table.payment == preset].set_index("org_id")


# --------------------------------------------------------------------------- roles


def test_roles_on_the_tiny_system(tiny_system):
    assert largest_acute_trust(tiny_system) == "acute"
    # ccg_a pays the acute trust 11 + 40 = £51m at plan, ccg_b £20m.
    assert main_commissioner(tiny_system, "acute") == "ccg_a"
    assert main_commissioner(tiny_system, "comm") == "ccg_b"
    assert main_commissioner(tiny_system, None) is None
    assert main_commissioner(tiny_system, "council") is None  # a payer, paid by nobody


def test_no_acute_trust_gives_none(tiny_tables, tmp_path):
    for row in tiny_tables["organisations"]:
        if row["kind"] == "acute":
            row["kind"] = "community_mental_health"
    system = load_system(write_tables(tmp_path / "no_acute", tiny_tables))
    assert largest_acute_trust(system) is None


def test_largest_acute_trust_is_the_largest_cost_base(bundled_system):
    orgs = bundled_system.organisations
    acute = orgs[orgs.kind == "acute"]
    assert largest_acute_trust(bundled_system) == acute.cost_base_gbp_m.idxmax()


# --------------------------------------------------------------------------- less planned care


def test_elective_shortfall_by_hand(tiny_system):
    table = elective_shortfall(tiny_system, PLAIN, 0.1, "acute")
    fixed, pbr = gains_of(table, "fixed_income"), gains_of(table, "payment_by_results")
    assert fixed.loc["acute", "electives_not_done"] == pytest.approx(1_100)
    # Fixed income: income unchanged, the marginal cost saved is a gain; the payer gains nothing.
    assert fixed.loc["acute", "income_change_gbp_m"] == pytest.approx(0, abs=1e-12)
    assert fixed.loc["acute", "cost_change_gbp_m"] == pytest.approx(-SAVED_GBP_M)
    assert fixed.loc["acute", "gain_gbp_m"] == pytest.approx(SAVED_GBP_M)
    assert fixed.loc["ccg_a", "gain_gbp_m"] == pytest.approx(0, abs=1e-12)
    # Payment by results: the price is lost, the same marginal cost saved; the payer keeps the price.
    assert pbr.loc["acute", "income_change_gbp_m"] == pytest.approx(-PRICE_GBP_M)
    assert pbr.loc["acute", "gain_gbp_m"] == pytest.approx(SAVED_GBP_M - PRICE_GBP_M)
    assert pbr.loc["ccg_a", "gain_gbp_m"] == pytest.approx(PRICE_GBP_M)
    assert pbr.loc[PAYERS_ID, "gain_gbp_m"] == pytest.approx(PRICE_GBP_M)  # ccg_a alone buys electives
    assert pbr.loc["ccg_b", "gain_gbp_m"] == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("rate", [0.0, 0.25, 0.75, 1.0])
def test_aligned_payment_pays_the_variable_rate_of_the_price(tiny_system, rate):
    scenario = dataclasses.replace(PLAIN, elective_variable_rate=rate)
    api = gains_of(elective_shortfall(tiny_system, scenario, 0.1, "acute",
                                      presets=("api_2023", "api_2022")), "api_2023")
    assert api.loc["acute", "gain_gbp_m"] == pytest.approx(SAVED_GBP_M - rate * PRICE_GBP_M)
    assert api.loc["ccg_a", "gain_gbp_m"] == pytest.approx(rate * PRICE_GBP_M)


def test_aligned_payment_in_2022_23_took_nothing_back_for_electives_not_done(tiny_system):
    # 75% above plan only: 10% fewer electives keep their income, as under fixed income.
    api = gains_of(elective_shortfall(tiny_system, PLAIN, 0.1, "acute", presets=("api_2022",)),
                   "api_2022")
    assert api.loc["acute", "income_change_gbp_m"] == pytest.approx(0, abs=1e-12)
    assert api.loc["acute", "gain_gbp_m"] == pytest.approx(SAVED_GBP_M)
    assert api.loc["ccg_a", "gain_gbp_m"] == pytest.approx(0, abs=1e-12)


def test_the_nhs_gains_the_marginal_cost_under_every_rule(bundled_system):
    table = elective_shortfall(bundled_system, Scenario(), 0.07)
    provider = largest_acute_trust(bundled_system)
    nhs = table[table.org_id == NHS_ID].set_index("payment").gain_gbp_m
    saved = -gains_of(table, "fixed_income").loc[provider, "cost_change_gbp_m"]
    np.testing.assert_allclose(nhs.to_numpy(), saved, rtol=1e-9)
    # Each rule's rows sum to the NHS row over the NHS organisations (money is conserved).
    for preset in PRESETS:
        rows = gains_of(table, preset)
        orgs = rows.drop(index=[NHS_ID, PAYERS_ID])
        assert orgs[orgs.in_nhs_control_total].gain_gbp_m.sum() == pytest.approx(rows.loc[NHS_ID, "gain_gbp_m"])


def test_no_shortfall_changes_nothing(bundled_system):
    table = elective_shortfall(bundled_system, Scenario(), 0.0)
    # Zero to rounding (income less incentive funds, taken twice, can differ in the last bit).
    assert np.abs(table[["income_change_gbp_m", "cost_change_gbp_m", "gain_gbp_m"]].to_numpy()).max() < 1e-12


def test_break_even_rate_by_hand(tiny_system):
    rate = break_even_elective_rate(tiny_system, PLAIN, 0.1, "acute")
    assert rate == pytest.approx(SAVED_GBP_M / PRICE_GBP_M)  # 70 x 0.2 / 71, the marginal share
    # At that rate the engine itself says the trust neither gains nor loses.
    at = dataclasses.replace(PLAIN, elective_variable_rate=rate)
    api = gains_of(elective_shortfall(tiny_system, at, 0.1, "acute"), "api_2023")
    assert api.loc["acute", "gain_gbp_m"] == pytest.approx(0, abs=1e-9)


def test_break_even_rate_is_none_without_electives_or_shortfall(tiny_system):
    assert break_even_elective_rate(tiny_system, PLAIN, 0.1, "comm") is None
    assert break_even_elective_rate(tiny_system, PLAIN, 0.0, "acute") is None


@pytest.mark.parametrize("share", [-0.1, 1.5, float("nan"), True, "0.1"])
def test_bad_shortfall_is_refused_naming_it(tiny_system, share):
    with pytest.raises(ScenarioError, match="shortfall_share"):
        elective_shortfall(tiny_system, PLAIN, share, "acute")


def test_unknown_provider_and_preset_are_refused(tiny_system):
    with pytest.raises(ScenarioError, match="provider_id = 'nope'"):
        elective_shortfall(tiny_system, PLAIN, 0.1, "nope")
    with pytest.raises(ScenarioError, match="presets"):
        elective_shortfall(tiny_system, PLAIN, 0.1, "acute", presets=("block",))


# --------------------------------------------------------------------------- volume risk

DRAWS, SEED = 400, 11


@pytest.fixture(scope="module")
def preset_draws():
    return PresetDraws.build(load_system(), Scenario(), draws=DRAWS, seed=SEED)


def _simulated(system, scenario):
    frame = simulate(system, scenario, draws=DRAWS, seed=SEED)
    return frame.position_before_incentive_gbp_m.to_numpy().reshape(DRAWS, -1)


def test_draws_are_simulates_draws(preset_draws):
    positions = preset_draws.positions(Scenario())
    for preset in PRESETS:
        np.testing.assert_array_equal(
            positions[preset], _simulated(preset_draws.system, Scenario(payment=preset)))


@pytest.mark.parametrize("shock", [-0.08, 0.03, 0.2])
def test_a_demand_shock_moves_the_draws_as_a_new_simulation_would(preset_draws, shock):
    moved = preset_draws.positions(Scenario(demand_shock=shock))
    for preset in PRESETS:
        fresh = _simulated(preset_draws.system, Scenario(payment=preset, demand_shock=shock))
        np.testing.assert_allclose(moved[preset], fresh, rtol=0, atol=1e-9)


def test_a_kinked_rule_is_simulated_again(preset_draws):
    # Blended with different rates above and below plan is not linear in activity.
    kinked = Scenario(demand_shock=0.02, blended_rate_above_plan=0.7, blended_rate_below_plan=0.1)
    moved = preset_draws.positions(kinked)
    fresh = _simulated(preset_draws.system, dataclasses.replace(kinked, payment="blended"))
    np.testing.assert_array_equal(moved["blended"], fresh)


def test_summary_matches_risk_by_preset(preset_draws):
    scenario = Scenario(demand_shock=0.04)
    mine = preset_draws.summary(preset_draws.positions(scenario)).set_index(["payment", "org_id"])
    theirs = risk_by_preset(preset_draws.system, scenario, draws=DRAWS, seed=SEED).set_index(
        ["payment", "org_id"]).loc[mine.index]
    for column in ("chance_met", "mean_position_gbp_m", "sd_position_gbp_m", "control_total_gbp_m"):
        np.testing.assert_allclose(mine[column], theirs[column], rtol=1e-9, atol=1e-9)


def test_histogram_counts_every_draw_in_common_bins(preset_draws):
    positions = preset_draws.positions(Scenario())
    shown = ["bthft", "bd_ccg"]
    binned = preset_draws.histogram(positions, shown, bins=25)
    assert set(binned.payment) == set(PRESETS) and set(binned.org_id) == set(shown)
    sums = binned.groupby(["payment", "org_id"]).share.sum()
    np.testing.assert_allclose(sums, 1.0)
    edges = np.union1d(binned.bin_start_gbp_m, binned.bin_end_gbp_m)
    assert len(edges) <= 26  # one set of 26 edges shared by every histogram
    # One histogram against numpy's on the same edges, from the draws themselves.
    frame = preset_draws.frame(positions, shown)
    mine = frame[(frame.payment == "fixed_income") & (frame.org_id == "bthft")]
    gap = mine.position_gbp_m - mine.control_total_gbp_m
    all_edges = np.linspace(*_range(preset_draws.frame(positions, shown)), 26)
    counts = np.histogram(gap, all_edges)[0]
    got = binned[(binned.payment == "fixed_income") & (binned.org_id == "bthft")]
    np.testing.assert_allclose(got.share, counts[counts > 0] / DRAWS)


def _range(frame):
    gap = frame.position_gbp_m - frame.control_total_gbp_m
    return gap.min(), gap.max()


@pytest.mark.parametrize("draws", [1, 0, 2.5, "many"])
def test_bad_draws_are_refused(draws):
    with pytest.raises(ScenarioError, match="draws"):
        PresetDraws.build(load_system(), Scenario(), draws=draws)


# --------------------------------------------------------------------------- the fund's cliff


def test_a_fund_is_lost_whole_at_the_first_shock_that_misses(system):
    """Lesson 4's cliff: below the shock found the organisation meets its control total and
    keeps its fund; at it, it misses and the fund lost is the whole fund it had at plan."""
    scenario = Scenario.preset("fixed_income")
    trust = system.largest("acute")
    shocks = [round(0.01 * k, 2) for k in range(31)]
    cliff, = fund_cliffs(system, scenario, [trust], shocks)
    at_plan = run_year(system, scenario).organisations.loc[trust]
    assert cliff.shock is not None and cliff.payment == "fixed_income"
    missed = run_year(system, dataclasses.replace(scenario, demand_shock=cliff.shock))
    assert not missed.organisations.met_control_total[trust]
    for shock in shocks[:shocks.index(cliff.shock)]:
        met = run_year(system, dataclasses.replace(scenario, demand_shock=shock))
        assert met.organisations.met_control_total[trust], shock
    assert cliff.fund_lost_gbp_m == pytest.approx(
        at_plan.incentive_fund_gbp_m - missed.organisations.incentive_fund_gbp_m[trust])
    assert missed.organisations.incentive_fund_gbp_m[trust] == pytest.approx(0.0)


def test_no_cliff_on_the_grid_and_bad_input(tiny_system):
    nothing, = fund_cliffs(tiny_system, Scenario.preset("fixed_income"),
                           [tiny_system.organisations.index[0]], shocks=[])
    assert nothing.shock is None and nothing.fund_lost_gbp_m == 0.0
    with pytest.raises(ScenarioError, match="org_ids: 'nobody'"):
        fund_cliffs(tiny_system, Scenario(), ["nobody"])
    with pytest.raises(ScenarioError, match="shocks: 'x'"):
        fund_cliffs(tiny_system, Scenario(), [tiny_system.organisations.index[0]], ["x"])
