"""Each step of ``run_year`` by hand on the tiny system (tests/conftest.py has its figures).

Every expected number is written from the model's formula with the tiny system's round inputs;
none is read back from the engine. Money is in £ million; prices in £.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tiny import vary

import casestudy as cs
from casestudy import Scenario, ScenarioError, run_year
from casestudy.contracts import ActivityBased, Blended, CapAndCollar, FixedIncome, rule_to_dict
from casestudy.engine import OVERLOAD_ELASTICITY, compute_year, inputs_for

ORGS = ["ccg_a", "ccg_b", "acute", "comm", "council", "vcs"]
BASE_UNITS = np.array([10_000, 20_000, 10_000, 100_000, 1_000, 400.0])
GROWTH = np.array([0.10, 0, 0, 0, 0, 0])
PLANNED = BASE_UNITS * (1 + GROWTH)  # [11,000, 20,000, 10,000, 100,000, 1,000, 400]
PRICE = np.array([1_000, 2_000, 2_000, 200, 5_000, 5_000.0])
NON_ELECTIVE = np.array([False, True, True, False, False, False])
COUNCIL_SOCIAL_CARE = np.array([False, False, False, False, True, False])
WEIGHTS = {"ccg_a": 100 / 250, "ccg_b": 50 / 250, "acute": 80 / 250, "comm": 20 / 250}


def approx(value):
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def org(result, column: str) -> pd.Series:
    return result.organisations[column]


# --------------------------------------------------------------------------- 1. plan and prices


def test_planned_activity_is_baseline_times_growth(tiny_system, plain):
    lines = run_year(tiny_system, plain).lines
    np.testing.assert_allclose(lines.planned_activity, [11_000, 20_000, 10_000, 100_000, 1_000, 400])
    # With no shock, no scheme and no social care change, actual activity is the plan.
    np.testing.assert_allclose(lines.actual_activity, PLANNED)


def test_prices_move_by_uplift_minus_efficiency_factor(tiny_system, plain):
    lines = run_year(tiny_system, vary(plain, price_uplift=0.05, efficiency_factor=0.01)).lines
    np.testing.assert_allclose(lines.unit_price_gbp, PRICE * (1 + 0.05 - 0.01))
    assert lines.unit_price_gbp[0] == approx(1_040.0)


# --------------------------------------------------------------------------- 2. actual activity


def test_demand_shock_moves_every_line(tiny_system, plain):
    lines = run_year(tiny_system, vary(plain, demand_shock=0.1)).lines
    np.testing.assert_allclose(lines.actual_activity, [12_100, 22_000, 11_000, 110_000, 1_100, 440])


def test_a_scheme_changes_activity_by_effect_times_delivery_probability(tiny_system, plain):
    # Frailty: -10% on the acute trust's non-elective lines (both payers), delivered with
    # probability 0.5 and within leadership capacity (load 2 <= 6): 1 - 0.1 x 0.5 = 0.95.
    lines = run_year(tiny_system, vary(plain, schemes=("frailty",))).lines
    np.testing.assert_allclose(lines.actual_activity,
                               [11_000, 20_000 * 0.95, 10_000 * 0.95, 100_000, 1_000, 400])


def test_overloaded_leadership_cuts_the_delivered_effect(tiny_system, plain):
    assert OVERLOAD_ELASTICITY == 1.5  # the hand numbers below use it
    # Frailty alone, load 2 against capacity 0.5: factor (0.5 / 2) ** 1.5 = 0.125,
    # so the change is -0.1 x 0.5 x 0.125 = -0.00625.
    lines = run_year(tiny_system, vary(plain, schemes=("frailty",), leadership_capacity=0.5)).lines
    assert lines.actual_activity[1] == approx(20_000 * (1 - 0.1 * 0.5 * 0.125))
    # Both schemes, load 3 against 0.75: factor 0.125 again; change
    # 0.125 x (-0.1 x 0.5 - 0.02 x 1.0) = -0.00875.
    both = vary(plain, schemes=("frailty", "falls"), leadership_capacity=0.75)
    assert run_year(tiny_system, both).lines.actual_activity[2] == approx(10_000 * (1 - 0.00875))


def test_schemes_and_demand_shock_multiply(tiny_system, plain):
    # Both schemes at full capacity: -0.1 x 0.5 - 0.02 x 1.0 = -0.07; with a 10% shock.
    scenario = vary(plain, schemes=("frailty", "falls"), demand_shock=0.1)
    lines = run_year(tiny_system, scenario).lines
    assert lines.actual_activity[1] == approx(20_000 * 1.1 * 0.93)
    assert lines.actual_activity[0] == approx(11_000 * 1.1)  # elective untouched by the schemes


def test_a_social_care_cut_moves_council_packages_and_emergency_admissions(tiny_system, plain):
    scenario = vary(plain, social_care_budget_change=-0.1, social_care_knock_on=0.5,
                    delayed_days_per_lost_package=5, delayed_day_cost_gbp=100)
    result = run_year(tiny_system, scenario)
    expected = PLANNED.copy()
    expected[COUNCIL_SOCIAL_CARE] *= 1 - 0.1  # the council buys 10% fewer packages: 900
    expected[NON_ELECTIVE] *= 1 + 0.5 * 0.1  # each 1% fewer packages: +0.5% admissions
    np.testing.assert_allclose(result.lines.actual_activity, expected)
    assert result.lines.actual_activity[5] == approx(400)  # the CCG's packages do not move
    # Delayed discharges: 100 packages lost x 5 days x £100 = £50,000, all at the acute trust.
    np.testing.assert_allclose(result.money.delayed_discharge_cost, [0, 0, 0.05, 0, 0, 0])
    # Acute cost (flex 0): the £70m of its cost base that moves with commissioned activity
    # (£80m less the £10m its other income pays for) x (0.5 + 0.3 + 0.2 x index), plus that
    # £10m, plus 0.05, with price-weighted index (11 + 2 x 21 + 2 x 10.5) / 71 = 74 / 71.
    assert result.money.provision_cost[0, 2] == approx(70 * (0.8 + 0.2 * 74 / 71) + 10 + 0.05)


def test_a_social_care_cut_is_a_saving_to_the_council(tiny_system, plain):
    # The council's decision: its budget stays at 10; it buys 100 of its 1,000 packages at
    # £5,000 fewer, so it pays £0.5m less and its position rises by exactly that (no knock-on
    # to the council itself). The cost comes back in the NHS (the test above).
    council = ORGS.index("council")
    before = run_year(tiny_system, plain).money
    after = run_year(tiny_system, vary(plain, social_care_budget_change=-0.1)).money
    np.testing.assert_allclose(after.fixed_receipts, before.fixed_receipts)  # no budget moves
    assert before.contract_payments[0, council] - after.contract_payments[0, council] == approx(0.5)
    assert after.position[0, council] - before.position[0, council] == approx(0.5)


def test_delayed_discharge_cost_is_shared_by_acute_non_elective_activity(bundled_system):
    scenario = Scenario.preset("fixed_income", social_care_budget_change=-0.1)
    delayed = pd.Series(run_year(bundled_system, scenario).money.delayed_discharge_cost,
                        index=bundled_system.organisations.index)
    # Council packages: 11,000 x 1.02 planned; 10% lost; 5 days each at £75 (the defaults).
    total = 0.1 * 11_000 * 1.02 * 5 * 75 / 1e6
    # bthft has 42,000 + 14,000 non-elective spells, airedale 22,000 (same growth).
    assert delayed["bthft"] == approx(total * 56 / 78)
    assert delayed["airedale"] == approx(total * 22 / 78)
    assert delayed.drop(["bthft", "airedale"]).abs().sum() == 0


# --------------------------------------------------------------------------- 3. payments


MAPPING = {
    "elective": Blended(rate_above_plan=0.5, rate_below_plan=0.25),
    "non_elective": CapAndCollar(floor=0.98, cap=1.02),
    "community": ActivityBased(),
    "social_care": FixedIncome(),
}


@pytest.mark.parametrize(("shock", "expected"), [
    # elective 11 + 0.5 x 1.1; non-elective 44 and 22 capped at 1.02 x 40 and 1.02 x 20;
    # community 110,000 x £200; social care fixed at 5 and 2.
    (0.1, [11 + 0.5 * 1.1, 40.8, 20.4, 22, 5, 2]),
    # elective 11 - 0.25 x 1.1; non-elective 36 and 18 lifted to 0.98 x 40 and 0.98 x 20.
    (-0.1, [11 - 0.25 * 1.1, 39.2, 19.6, 18, 5, 2]),
    (0.0, [11, 40, 20, 20, 5, 2]),
])
def test_each_line_is_paid_by_its_own_rule(tiny_system, plain, shock, expected):
    payment = {s: rule_to_dict(r) for s, r in MAPPING.items()}
    result = run_year(tiny_system, vary(plain, payment=payment, demand_shock=shock))
    np.testing.assert_allclose(result.lines.payment_gbp_m, expected)
    e = expected
    income = pd.Series([0, 0, e[0] + e[1] + e[2], e[3], 0, e[4] + e[5]], index=ORGS)
    paid = pd.Series([e[0] + e[1] + e[5], e[2] + e[3], 0, 0, e[4], 0], index=ORGS)
    np.testing.assert_allclose(org(result, "contract_income_gbp_m"), income)
    np.testing.assert_allclose(org(result, "contract_payments_gbp_m"), paid)


def test_flows_name_payer_payee_and_service(tiny_system, plain):
    result = run_year(tiny_system, vary(plain, schemes=("frailty", "falls")))
    flows = result.flows.set_index(["payer_id", "payee_id", "service"]).amount_gbp_m
    # Payment by results; both schemes cut non-elective by 7% (see above).
    assert flows["ccg_a", "acute", "non_elective"] == approx(40 * 0.93)
    assert flows["ccg_b", "comm", "community"] == approx(20)
    assert flows["council", "vcs", "social_care"] == approx(5)
    assert flows["ccg_a", "comm", "scheme: Frailty service"] == approx(1.0)
    assert flows["council", "comm", "scheme: Falls prevention"] == approx(0.5)
    assert set(result.flows.kind) == {"contract", "scheme"}


# --------------------------------------------------------------------------- 4. cost


def test_cost_has_fixed_semi_fixed_and_variable_parts_with_flex(tiny_system, plain):
    scenario = vary(plain, demand_shock=0.1, flex=0.5, cost_inflation=0.05, cost_pressure=0.02,
                    efficiency_required=0.04, efficiency_delivered_share=0.5)
    cost = pd.Series(run_year(tiny_system, scenario).money.provision_cost[0], index=ORGS)
    # cost = [(base - other income) x (fixed + semi x (1 - flex) + (variable + semi x flex)
    #         x index) + other income] x (1 + inflation + pressures above the uplift)
    #        - base x efficiency required x delivered share; index = 1.1. The pressures and the
    #        savings programme are NHS providers' only. The acute trust's £10m of other income
    #        pays for costs that do not move with commissioned activity.
    assert cost["acute"] == approx((70 * (0.5 + 0.3 * 0.5 + (0.2 + 0.3 * 0.5) * 1.1) + 10)
                                   * 1.07 - 80 * 0.04 * 0.5)  # 86.62
    assert cost["comm"] == approx(20 * (0.2 + 0.6 * 0.5 + (0.2 + 0.6 * 0.5) * 1.1) * 1.07
                                  - 20 * 0.04 * 0.5)  # 22.07
    # The voluntary sector is outside the NHS: no pressures above the uplift, no programme.
    assert cost["vcs"] == approx(7 * (0.5 + 0.5 * 1.1) * 1.05)  # 7.7175
    assert cost[["ccg_a", "ccg_b", "council"]].abs().sum() == 0


def test_activity_index_is_price_weighted(tiny_system, plain):
    # Frailty cuts only non-elective (by 5%): acute index (11 + 40 x 0.95 + 20 x 0.95) / 71.
    # A price uplift scales plan and actual alike, so it leaves the index alone.
    scenario = vary(plain, schemes=("frailty",), price_uplift=0.1)
    result = run_year(tiny_system, scenario)
    assert org(result, "activity_index")["acute"] == approx((11 + 57) / 71)
    assert org(result, "activity_index")["comm"] == approx(1.0)
    assert org(result, "activity_index")["ccg_a"] == approx(1.0)  # no lines: index 1


# --------------------------------------------------------------------------- 5. positions

FULL = {"payment": "fixed_income", "demand_shock": 0.1, "cost_inflation": 0.05,
        "price_uplift": 0.05, "efficiency_factor": 0.01, "efficiency_required": 0.04,
        "efficiency_delivered_share": 0.5, "recurrent_share": 0.5,
        "non_recurrent_support_gbp_m": 10.0, "flex": 0.5}


def test_positions_and_underlying_positions_by_hand(tiny_system, plain):
    result = run_year(tiny_system, vary(plain, **FULL))
    position, underlying = org(result, "position_gbp_m"), org(result, "underlying_position_gbp_m")
    uplift = 1.04  # prices x (1 + 0.05 - 0.01)
    saving = {"acute": 80 * 0.04 * 0.5, "comm": 20 * 0.04 * 0.5}  # 1.6 and 0.4
    support = {"acute": 10 * 80 / 100, "comm": 10 * 20 / 100}  # one-off support by cost base
    acute_cost = (70 * (0.5 + 0.15 + 0.35 * 1.1) + 10) * 1.05 - saving["acute"]
    comm_cost = 20 * (0.2 + 0.3 + 0.5 * 1.1) * 1.05 - saving["comm"]
    # Provider = contract income (fixed: plan x price) + other income + support - cost.
    assert position["acute"] == approx(71 * uplift + 10 + support["acute"] - acute_cost)  # 6.87
    assert position["comm"] == approx(20 * uplift + support["comm"] - comm_cost)  # 1.15
    # Underlying leaves out one-off support and the non-recurrent half of the savings.
    assert underlying["acute"] == approx(position["acute"] - support["acute"] - 0.5 * saving["acute"])
    assert underlying["comm"] == approx(position["comm"] - support["comm"] - 0.5 * saving["comm"])
    # Commissioner = allocation - payments - other spend. ccg_a pays fixed 11 and 40 at the new
    # price, and its 440 social care packages by activity at £5,200.
    ccg_a_paid = (11 + 40) * uplift + 440 * 5_200 / 1e6
    assert position["ccg_a"] == approx(100 - ccg_a_paid - 45)  # -0.328
    assert position["ccg_b"] == approx(50 - 40 * uplift - 10)
    assert underlying["ccg_a"] == approx(position["ccg_a"])
    # The council buys 1,100 packages at £5,200; the voluntary sector receives them.
    assert position["council"] == approx(10 - 1_100 * 5_200 / 1e6 - 5)
    assert position["vcs"] == approx((1_100 + 440) * 5_200 / 1e6 - 7 * 1.05 * 1.05)


def test_scheme_money_lands_on_funder_and_deliverer(tiny_system, plain):
    result = run_year(tiny_system, vary(plain, schemes=("frailty", "falls")))
    position = org(result, "position_gbp_m")
    # Payment by results, non-elective down 7%: ccg_a pays 11 + 37.2 + 2 and funds frailty (1).
    assert position["ccg_a"] == approx(100 - (11 + 40 * 0.93 + 2) - 45 - 1.0)
    # The community trust receives 1.5 for the schemes and spends 1.5 running them.
    assert position["comm"] == approx(0.0)
    assert org(result, "cost_gbp_m")["comm"] == approx(20 + 1.5)
    assert position["council"] == approx(10 - 5 - 5 - 0.5)
    # Acute: income 11 + 37.2 + 18.6 + 10; cost 70 x (0.8 + 0.2 x 66.8 / 71) + 10 (flex 0;
    # the £10m its other income pays for does not move with commissioned activity).
    assert position["acute"] == approx(76.8 - (70 * (0.8 + 0.2 * 66.8 / 71) + 10))


def test_a_scheme_funded_and_delivered_by_one_organisation_is_paid_once(tiny_tables, tmp_path):
    from tiny import write_tables
    tiny_tables["schemes"][1]["deliverer_id"] = "council"  # falls: council funds and runs it
    system = cs.load_system(write_tables(tmp_path, tiny_tables))
    result = run_year(system, Scenario(schemes=("falls",)))
    assert result.money.scheme_spend[0, ORGS.index("council")] == approx(0.5)
    assert result.money.scheme_income[0].sum() == 0
    assert not (result.flows.kind == "scheme").any()


def test_position_is_income_minus_cost_plus_risk_share(tiny_system, plain):
    scenario = vary(plain, **FULL, risk_share=0.5, incentive_fund_scale=1.0, schemes=("frailty",))
    frame = run_year(tiny_system, scenario).organisations
    np.testing.assert_allclose(
        frame.position_gbp_m,
        frame.income_gbp_m - frame.cost_gbp_m + frame.risk_share_gbp_m, atol=1e-12)
    np.testing.assert_allclose(
        frame.position_gbp_m - frame.underlying_position_gbp_m,
        frame.non_recurrent_gbp_m + frame.risk_share_gbp_m, atol=1e-12)


def test_underlying_leaves_out_incentive_funds(tiny_system, plain):
    without = run_year(tiny_system, plain).organisations
    funded = run_year(tiny_system, vary(plain, incentive_fund_scale=1.0)).organisations
    # Plain year: every organisation meets its control total, so the acute trust earns its 2.
    assert funded.position_gbp_m["acute"] == approx(without.position_gbp_m["acute"] + 2)
    np.testing.assert_allclose(funded.underlying_position_gbp_m, without.underlying_position_gbp_m)


# --------------------------------------------------------------------------- 6. incentive fund

# Payment by results, flex 0; the acute trust's costs: 70 x (0.8 + 0.2 x index) + 10 (its
# £10m of other income pays for costs that do not move with commissioned activity).
# A 20% rise: positions before funds are
# ccg_a 100 - (13.2 + 48 + 2.4) - 45 = -8.6; ccg_b 50 - (24 + 20) - 10 = -4;
# acute 85.2 + 10 - (70 x (0.8 + 0.2 x 1.2) + 10) = 12.4 (control 1: met);
# comm 20 - 20 x (0.8 + 0.2 x 1.2) = -0.8 (missed); NHS -1.0 against a control total of 1:
# the system misses by 2.
RISE_SHOCK = 0.2
RISE = {"ccg_a": -8.6, "ccg_b": -4.0, "acute": 12.4, "comm": -0.8}
# A 10% fall: ccg_a 7.3; ccg_b 2; acute 73.9 - (70 x 0.98 + 10) = -4.7 (missed); comm 0.4
# (met); NHS 5.0 against 1: the system meets.
FALL = {"ccg_a": 7.3, "ccg_b": 2.0, "acute": -4.7, "comm": 0.4}


@pytest.mark.parametrize("linkage", [0.0, 0.5, 1.0])
@pytest.mark.parametrize(("shock", "before", "system_met"),
                         [(RISE_SHOCK, RISE, False), (-0.1, FALL, True)])
def test_incentive_fund_mixes_own_and_system_control_totals(tiny_system, plain, linkage, shock,
                                                            before, system_met):
    result = run_year(tiny_system, vary(plain, demand_shock=shock, incentive_fund_scale=1.0,
                                        system_linkage=linkage))
    control = {"ccg_a": 0, "ccg_b": 0, "acute": 1, "comm": 0}
    fund = {"ccg_a": 0, "ccg_b": 0, "acute": 2, "comm": 1}
    for o, value in before.items():
        met = value >= control[o]
        expected_fund = fund[o] * ((1 - linkage) * met + linkage * system_met)
        assert org(result, "incentive_fund_gbp_m")[o] == approx(expected_fund), o
        assert org(result, "position_gbp_m")[o] == approx(value + expected_fund), o
        assert org(result, "met_control_total")[o] == met
    assert bool(result.system.loc["nhs", "met_control_total"]) is system_met
    assert result.system.loc["nhs", "position_gbp_m"] == approx(
        sum(before.values()) + sum(org(result, "incentive_fund_gbp_m")))


def test_incentive_fund_scale_scales_the_funds(tiny_system, plain):
    result = run_year(tiny_system, vary(plain, incentive_fund_scale=1.5))
    assert org(result, "incentive_fund_gbp_m")["acute"] == approx(3.0)
    assert org(result, "incentive_fund_gbp_m")["comm"] == approx(1.5)


# --------------------------------------------------------------------------- 7. risk share


def test_risk_share_transfers_follow_the_design_formula(tiny_system, plain):
    result = run_year(tiny_system, vary(plain, demand_shock=RISE_SHOCK, risk_share=0.5))
    control = {"ccg_a": 0, "ccg_b": 0, "acute": 1, "comm": 0}
    gap = sum(RISE.values()) - sum(control.values())  # -1.0 - 1 = -2.0
    transfer = org(result, "risk_share_gbp_m")
    for o, before in RISE.items():
        # lambda x [(control - position) + weight x (system position - system control total)]
        expected = 0.5 * ((control[o] - before) + WEIGHTS[o] * gap)
        assert transfer[o] == approx(expected), o
        assert org(result, "position_gbp_m")[o] == approx(before + expected), o
    assert transfer["acute"] == approx(0.5 * ((1 - 12.4) + 0.32 * -2.0))  # -6.02
    assert transfer[["council", "vcs"]].abs().sum() == 0  # outside the NHS control total
    assert transfer.sum() == approx(0.0)


def test_risk_share_weights_are_sizes(tiny_system, plain):
    inputs = inputs_for(tiny_system, plain)
    np.testing.assert_allclose(inputs.risk_weight, [0.4, 0.2, 0.32, 0.08, 0, 0])


def test_full_risk_share_leaves_each_at_control_total_plus_its_weight_of_the_gap(tiny_system, plain):
    result = run_year(tiny_system, vary(plain, demand_shock=RISE_SHOCK, risk_share=1.0))
    control = {"ccg_a": 0, "ccg_b": 0, "acute": 1, "comm": 0}
    for o in RISE:
        assert org(result, "position_gbp_m")[o] == approx(control[o] + WEIGHTS[o] * -2.0), o


# --------------------------------------------------------------------------- system and draws


def test_system_totals_for_the_nhs_and_the_place(tiny_system, plain):
    result = run_year(tiny_system, vary(plain, demand_shock=0.1))
    # A 10% rise: ccg_a 100 - (12.1 + 44 + 2.2) - 45 = -3.3; ccg_b 50 - (22 + 20) - 10 = -2;
    # acute 78.1 + 10 - (70 x (0.8 + 0.2 x 1.1) + 10) = 6.7; comm 20 - 20.4 = -0.4: NHS 1.0.
    # Council 10 - 5.5 - 5; voluntary sector 5.5 + 2.2 - 7 x (0.5 + 0.5 x 1.1).
    outside = (10 - 5.5 - 5) + (7.7 - 7 * 1.05)
    assert result.system.loc["nhs", "position_gbp_m"] == approx(-3.3 - 2 + 6.7 - 0.4)
    assert result.system.loc["place", "position_gbp_m"] == approx(1.0 + outside)
    assert result.system.loc["nhs", "control_total_gbp_m"] == approx(1.0)
    assert result.system.loc["place", "control_total_gbp_m"] == approx(1.0)


def test_compute_year_runs_many_draws_at_once(tiny_system, plain):
    scenario = vary(plain, schemes=("frailty",))
    inputs = inputs_for(tiny_system, scenario)
    noise = np.array([[0.0] * 6, [0.1] * 6, [-0.05] * 6])
    money = compute_year(inputs, scenario, demand_noise=noise)
    assert money.position.shape == (3, 6)
    # Each draw equals a certain year with that shock.
    for d, shock in enumerate([0.0, 0.1, -0.05]):
        one = run_year(tiny_system, vary(scenario, demand_shock=shock)).money
        np.testing.assert_allclose(money.position[d], one.position[0], atol=1e-12)
        np.testing.assert_allclose(money.actual[d], one.actual[0])


def test_delivered_and_funded_override_the_schemes(tiny_system, plain):
    inputs = inputs_for(tiny_system, plain)
    # Frailty funded in both draws; delivered in full in the first, not at all in the second.
    money = compute_year(inputs, plain, funded=np.array([1.0, 0.0]),
                         delivered=np.array([[1.0, 0.0], [0.0, 0.0]]))
    np.testing.assert_allclose(money.actual[:, 1], [20_000 * 0.9, 20_000])
    # Funded [s] is the same in every draw; scheme money has a draws axis of 1 that broadcasts.
    np.testing.assert_allclose(np.broadcast_to(money.scheme_paid, (2, 2)), [[1.0, 0.0], [1.0, 0.0]])
    assert money.position.shape == (2, 6)


def test_actual_activity_never_goes_negative(tiny_system, plain):
    inputs = inputs_for(tiny_system, plain)
    money = compute_year(inputs, plain, demand_noise=np.full((1, 6), -2.0))
    assert money.actual.min() == 0.0


def test_run_year_refuses_what_is_not_a_scenario(tiny_system):
    with pytest.raises(ScenarioError, match="must be a Scenario"):
        run_year(tiny_system, {"payment": "fixed_income"})  # type: ignore[arg-type]


def test_unknown_scheme_ids_are_refused_naming_them(tiny_system, plain):
    with pytest.raises(ScenarioError, match="home_first"):
        run_year(tiny_system, vary(plain, schemes=("frailty", "home_first")))


@pytest.mark.parametrize("schemes", [(), ("frailty",)])
def test_flows_amounts_are_numbers_with_or_without_schemes(tiny_system, plain, schemes):
    flows = run_year(tiny_system, vary(plain, schemes=schemes)).flows
    assert flows.amount_gbp_m.dtype == float
    assert list(flows.columns) == ["payer_id", "payee_id", "service", "kind", "amount_gbp_m"]


def test_the_incentive_fund_counts_the_position_after_the_risk_share(tiny_system, plain):
    # A 10% fall: the acute trust alone is at -4.7 against 1, the NHS at 5.0 against 1.
    # A full risk share puts it at 1 + 0.32 x (5.0 - 1) = 2.28: it now meets its control total.
    scenario = vary(plain, demand_shock=-0.1, risk_share=1.0, incentive_fund_scale=1.0)
    result = run_year(tiny_system, scenario)
    assert org(result, "position_gbp_m")["acute"] == approx(1 + 0.32 * 4.0 + 2)
    assert bool(org(result, "met_control_total")["acute"]) is True
    assert org(result, "incentive_fund_gbp_m")["acute"] == approx(2.0)
