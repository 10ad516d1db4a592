"""``engine.Overrides``: decisions per organisation and per contract, by hand on the tiny system.

Tiny system (tests/tiny.py), ``PLAIN`` scenario (payment by results for the acute services,
every other knob neutral), demand 10% above plan unless said. At plan the acute trust earns
11 + 40 + 20 = £71m, spends £80m and has £10m other income: position 1.0 (its control
total); the community trust earns and spends £20m. With demand 10% above plan the acute
trust is paid £78.1m and spends (80 - 10) x (0.5 + 0.3 + 0.2 x 1.1) + 10 = £81.4m: position
6.7; the community trust (a block) is paid £20m and spends 20 x (0.8 + 0.2 x 1.1) = £20.4m:
position -0.4.
"""

from __future__ import annotations

import numpy as np
import pytest
from tiny import PLAIN, vary

from casestudy import ScenarioError, load_system, run_year
from casestudy.contracts import ActivityBased, FixedIncome
from casestudy.engine import Overrides, compute_year, inputs_for

ORGS = ["ccg_a", "ccg_b", "acute", "comm", "council", "vcs"]
A, B, ACUTE, COMM, COUNCIL, VCS = range(6)
SHOCK = vary(PLAIN, demand_shock=0.1)


def approx(value):
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def position(tiny_system, scenario, overrides=None):
    return run_year(tiny_system, scenario, overrides).money.position[0]


def test_the_hand_figures_of_the_docstring(tiny_system):
    at_plan = position(tiny_system, PLAIN)
    shocked = position(tiny_system, SHOCK)
    assert (at_plan[ACUTE], at_plan[COMM]) == (approx(1.0), approx(0.0))
    assert (shocked[ACUTE], shocked[COMM]) == (approx(6.7), approx(-0.4))


def test_a_contract_under_its_own_rule(tiny_system):
    # Only ccg_b's emergency line (line 2) on fixed income: £20m, not 22; the others by activity.
    rule = np.array([-1, -1, 0, -1, -1, -1])
    year = run_year(tiny_system, SHOCK, Overrides(rules=(FixedIncome(),), line_rule=rule))
    np.testing.assert_allclose(year.lines.payment_gbp_m, [12.1, 44.0, 20.0, 20.0, 5.5, 2.2])
    assert year.money.position[0, ACUTE] == approx(6.7 - 2.0)
    assert year.money.position[0, B] == approx(position(tiny_system, SHOCK)[B] + 2.0)


def test_fixed_income_at_a_value_is_a_share_of_planned_income(tiny_system):
    # Fixed income at 95% of plan on line 2: 0.95 x 10,000 x £2,000 = £19m, whatever happens.
    rule = np.array([-1, -1, 0, -1, -1, -1])
    scale = np.array([1, 1, 0.95, 1, 1, 1.0])
    for scenario in (PLAIN, SHOCK):
        year = run_year(tiny_system, scenario, Overrides(rules=(FixedIncome(),), line_rule=rule,
                                                         payment_scale=scale))
        assert year.lines.payment_gbp_m[2] == approx(19.0)


def test_rules_per_row_give_what_separate_calls_give(tiny_system):
    inputs = inputs_for(tiny_system, SHOCK)
    rules = (FixedIncome(), ActivityBased())
    line_rule = np.array([[-1, -1, 0, -1, -1, -1], [0, 0, 0, 1, -1, -1]])
    both = compute_year(inputs, SHOCK, overrides=Overrides(rules=rules, line_rule=line_rule))
    for row in range(2):
        one = compute_year(inputs, SHOCK, overrides=Overrides(rules=rules, line_rule=line_rule[row]))
        np.testing.assert_allclose(both.position[row], one.position[0])
    # Row 1: the whole acute trust on fixed income (£71m) and the community trust paid by
    # activity (£22m): acute 71 + 10 - 81.4, community 22 - 20.4.
    assert both.position[1, ACUTE] == approx(-0.4)
    assert both.position[1, COMM] == approx(1.6)


def test_an_efficiency_plan_of_one_organisation(tiny_system):
    # The acute trust plans 5% of its £80m cost base, delivers 80%, half of it recurrent:
    # 80 x 0.05 x 0.8 = £3.2m saved, £1.6m of it one-off. The community trust plans nothing.
    plan = Overrides(efficiency_required=np.array([0, 0, 0.05, 0, 0, 0]),
                     efficiency_delivered_share=np.array([1, 1, 0.8, 1, 1, 1.0]),
                     recurrent_share=np.array([1, 1, 0.5, 1, 1, 1.0]))
    base = run_year(tiny_system, PLAIN).money
    money = run_year(tiny_system, PLAIN, plan).money
    np.testing.assert_allclose(money.efficiency_saving, [0, 0, 3.2, 0, 0, 0])
    np.testing.assert_allclose(money.non_recurrent_saving, [0, 0, 1.6, 0, 0, 0])
    np.testing.assert_allclose(money.position[0] - base.position[0], [0, 0, 3.2, 0, 0, 0])
    np.testing.assert_allclose(money.underlying[0] - base.underlying[0], [0, 0, 1.6, 0, 0, 0])


def test_only_members_pool_and_their_transfers_sum_to_zero(tiny_system):
    # The acute and community trusts pool everything (lambda 1); sizes 80 and 20, weights
    # 0.8 and 0.2. Their gap: (6.7 - 0.4) - (1 + 0) = 5.3. Acute: (1 - 6.7) + 0.8 x 5.3 =
    # -1.46; community: (0 + 0.4) + 0.2 x 5.3 = +1.46. The commissioners are outside.
    members = np.array([False, False, True, True, False, False])
    money = run_year(tiny_system, SHOCK, Overrides(risk_members=members, risk_share=1.0)).money
    np.testing.assert_allclose(money.risk_share[0], [0, 0, -1.46, 1.46, 0, 0], atol=1e-12)
    assert money.position[0, ACUTE] == approx(1 + 0.8 * 5.3)
    assert money.position[0, COMM] == approx(0 + 0.2 * 5.3)
    # Half a share: half the transfers.
    half = run_year(tiny_system, SHOCK, Overrides(risk_members=members, risk_share=0.5)).money
    np.testing.assert_allclose(half.risk_share[0], [0, 0, -0.73, 0.73, 0, 0], atol=1e-12)


def test_the_default_members_are_the_nhs_at_the_scenarios_share(tiny_system):
    scenario = vary(SHOCK, risk_share=0.6)
    nhs = tiny_system.organisations.in_nhs_control_total.to_numpy()
    same = run_year(tiny_system, scenario, Overrides(risk_members=nhs, risk_share=0.6)).money
    np.testing.assert_allclose(same.risk_share, run_year(tiny_system, scenario).money.risk_share,
                               atol=1e-12)


def test_linkage_per_organisation(tiny_system):
    # Funds: acute 2, community 1 (fund scale 1). At 5% above plan: ccg_a 100 - 45 - (11.55 +
    # 42 + 2.1) = -0.65, ccg_b 50 - 10 - 21 - 20 = -1, acute 74.55 + 10 - (70 x 1.01 + 10) =
    # 3.85, community 20 - 20 x 1.01 = -0.2: the NHS system is 2.0 against its control total
    # of 1 and meets it; the community trust misses its own. Linked, the community trust's
    # fund follows the system; unlinked, each fund follows its own control total.
    scenario = vary(PLAIN, demand_shock=0.05, incentive_fund_scale=1.0)
    money = run_year(tiny_system, scenario).money
    assert bool(money.system_met[0]) and not bool(money.met[0, COMM])
    own = run_year(tiny_system, scenario, Overrides(system_linkage=np.zeros(6))).money
    linked = run_year(tiny_system, scenario,
                      Overrides(system_linkage=np.array([0, 0, 0, 1.0, 0, 0]))).money
    np.testing.assert_allclose(own.incentive[0], [0, 0, 2, 0, 0, 0])
    np.testing.assert_allclose(linked.incentive[0], [0, 0, 2, 1, 0, 0])


def test_social_care_spending_and_an_allocation_change(tiny_system):
    # The council's own cut through the overrides is the scenario's knob, exactly.
    knob = run_year(tiny_system, vary(PLAIN, social_care_budget_change=-0.1)).money
    over = run_year(tiny_system, PLAIN, Overrides(social_care_change=-0.1)).money
    np.testing.assert_array_equal(knob.position, over.position)
    # A cut of £1m to the council's budget by government: the council's position falls £1m.
    cut = run_year(tiny_system, PLAIN, Overrides(allocation_change_gbp_m=np.array(
        [0, 0, 0, 0, -1.0, 0]))).money
    base = run_year(tiny_system, PLAIN).money
    np.testing.assert_allclose(cut.position[0] - base.position[0], [0, 0, 0, 0, -1, 0])


def test_run_year_refuses_what_is_not_overrides(tiny_system):
    with pytest.raises(ScenarioError, match="overrides must be an Overrides"):
        run_year(tiny_system, PLAIN, {"risk_share": 1})


def test_each_council_its_own_social_care_change(tiny_system):
    # One council: its own change as [n] is the scenario's knob (to rounding).
    knob = run_year(tiny_system, vary(PLAIN, social_care_budget_change=-0.1,
                                      social_care_knock_on=0.5)).money
    mine = run_year(tiny_system, vary(PLAIN, social_care_knock_on=0.5), Overrides(
        social_care_change=np.array([0, 0, 0, 0, -0.1, 0]))).money
    np.testing.assert_allclose(mine.position, knob.position, atol=1e-12)
    np.testing.assert_allclose(mine.actual, knob.actual, atol=1e-9)
    # Northvale has two councils; only the one that cuts buys fewer packages, and emergency
    # admissions rise by the knock-on times the share of all councils' packages lost.
    northvale = load_system("data/examples/northvale")
    inputs = inputs_for(northvale, PLAIN)
    ids = list(inputs.org_ids)
    change = np.zeros(len(ids))
    change[ids.index("nv_county")] = -0.2
    scenario = vary(PLAIN, social_care_knock_on=0.5)
    money = compute_year(inputs, scenario, overrides=Overrides(social_care_change=change))
    payer = np.asarray(inputs.payer.index)
    county = inputs.is_council_social_care & (payer == ids.index("nv_county"))
    other = inputs.is_council_social_care & ~county
    np.testing.assert_allclose(money.actual[0, county], inputs.planned[county] * 0.8)
    np.testing.assert_allclose(money.actual[0, other], inputs.planned[other])
    share = 0.2 * inputs.planned[county].sum() / inputs.planned[county | other].sum()
    nel = inputs.is_non_elective
    np.testing.assert_allclose(money.actual[0, nel], inputs.planned[nel] * (1 + 0.5 * share))
