"""Lesson 3's arithmetic: the bridge adds up to the engine, by hand on the tiny system;
reserves from kept draws equal contingency_reserves; the incentive fund's linkage."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from pytest import approx
from systems import EXAMPLE_IDS, EXAMPLE_SYSTEMS
from tiny import PLAIN, vary

from casestudy import Scenario, ScenarioError, contingency_reserves, load_system, run_year
from casestudy.formats import money
from casestudy.governance import (
    NHS_SYSTEM_ID,
    bridge,
    bridge_entities,
    bridge_of,
    bridge_table,
    first_miss_shock,
    incentive_linkage,
    reserve_draws,
)

EXACT = 1e-9
TOTALS = ("Last year underlying", "Underlying plan", "Reported plan")
SCENARIOS = [
    Scenario.preset("fixed_income"),
    Scenario.preset("payment_by_results", demand_shock=0.04, risk_share=0.5,
                    schemes=("frailty", "falls"), social_care_budget_change=-0.1),
    Scenario.preset("blended", system_linkage=1.0, non_recurrent_support_gbp_m=0.0,
                    recurrent_share=0.3, allocation_growth=-0.02),
]


def _systems():
    return [pytest.param(path, id=name) for path, name in zip(EXAMPLE_SYSTEMS, EXAMPLE_IDS)]


def _known_schemes(system, scenario):
    return dataclasses.replace(scenario, schemes=tuple(s for s in scenario.schemes
                                                       if s in system.schemes.index))


# --------------------------------------------------------------------------- the bridge


@pytest.mark.parametrize("path", _systems())
@pytest.mark.parametrize("scenario", SCENARIOS, ids=["fixed", "pbr-shock-share", "blended-linked"])
def test_bridge_totals_are_the_engines_positions(path, scenario):
    if not path.exists():
        pytest.skip(f"{path} is not there yet")
    system = load_system(path)
    scenario = _known_schemes(system, scenario)
    table = bridge_table(system, scenario)
    year = run_year(system, dataclasses.replace(scenario, demand_shock=0.0))  # the plan
    orgs = year.organisations
    for org in orgs.index:
        frame = bridge_of(table, org)
        totals = frame.set_index("step").end_gbp_m
        assert totals["Underlying plan"] == approx(orgs.underlying_position_gbp_m[org], abs=EXACT)
        assert totals["Reported plan"] == approx(orgs.position_gbp_m[org], abs=EXACT)
    nhs = bridge_of(table, NHS_SYSTEM_ID).set_index("step").end_gbp_m
    assert nhs["Underlying plan"] == approx(year.system.loc["nhs", "underlying_position_gbp_m"], abs=EXACT)
    assert nhs["Reported plan"] == approx(year.system.loc["nhs", "position_gbp_m"], abs=EXACT)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=["fixed", "pbr-shock-share", "blended-linked"])
def test_steps_chain_and_add_up_to_the_totals(bundled_system, scenario):
    table = bridge_table(bundled_system, scenario)
    for entity, frame in table.groupby("entity", sort=False):
        frame = frame.sort_values("order")
        steps = frame[~frame.step.isin(TOTALS)]
        # Each step starts where the previous step (or last year's total) ended.
        levels = frame[frame.step != "Underlying plan"]
        levels = levels[levels.step != "Reported plan"]
        np.testing.assert_array_equal(levels.start_gbp_m.to_numpy()[1:], levels.end_gbp_m.to_numpy()[:-1])
        total = frame.set_index("step").end_gbp_m
        underlying_steps = steps[steps.order < frame.order[frame.step == "Underlying plan"].iloc[0]]
        reported_steps = steps[steps.order > frame.order[frame.step == "Underlying plan"].iloc[0]]
        assert total["Last year underlying"] + underlying_steps.change_gbp_m.sum() == approx(
            total["Underlying plan"], abs=EXACT), entity
        assert total["Underlying plan"] + reported_steps.change_gbp_m.sum() == approx(
            total["Reported plan"], abs=EXACT), entity
        # Totals are bars from zero; the kind says which way each step goes.
        totals = frame[frame.step.isin(TOTALS)]
        assert (totals.start_gbp_m == 0).all() and (totals.kind == "total").all()
        assert ((steps.kind == "increase") == (steps.change_gbp_m >= 0)).all()
        assert ((steps.kind == "decrease") == (steps.change_gbp_m < 0)).all()


def test_nhs_system_is_the_sum_of_its_organisations(bundled_system):
    table = bridge_table(bundled_system, SCENARIOS[1])
    nhs_ids = bundled_system.organisations.index[bundled_system.organisations.in_nhs_control_total]
    parts = table[table.entity.isin(nhs_ids)].groupby("order").change_gbp_m.sum()
    whole = bridge_of(table, NHS_SYSTEM_ID).set_index("order").change_gbp_m
    np.testing.assert_allclose(whole.to_numpy(), parts.reindex(whole.index).to_numpy(), atol=EXACT)


def test_the_gap_between_reported_and_underlying_is_the_engines_non_recurrent_money(bundled_system):
    scenario = Scenario.preset("fixed_income")  # no risk share: every non-recurrent item
    year = run_year(bundled_system, scenario)
    table = bridge_table(bundled_system, scenario)
    for org, row in year.organisations.iterrows():
        total = bridge_of(table, org).set_index("step").end_gbp_m
        assert total["Reported plan"] - total["Underlying plan"] == approx(row.non_recurrent_gbp_m, abs=EXACT)


def test_optional_steps_appear_only_when_switched_on(bundled_system):
    plain = bridge(bundled_system, Scenario())
    assert "Risk share" not in set(plain.step) and "Social care funding change" not in set(plain.step)
    both = bridge(bundled_system, Scenario(risk_share=0.4, social_care_budget_change=0.1))
    assert {"Risk share", "Social care funding change"} <= set(both.step)
    assert list(plain.step[:2]) == ["Last year underlying", "Allocation and other income growth"]
    assert list(plain.step[-2:]) == ["Incentive fund", "Reported plan"]


def test_bridge_by_hand_on_the_tiny_system(tiny_system):
    """Last year rolled back and each step, by hand (see tests/conftest.py for the figures)."""
    scenario = vary(PLAIN, price_uplift=0.02, cost_inflation=0.03, cost_pressure=0.01,
                    allocation_growth=0.05)
    table = bridge_table(tiny_system, scenario)
    ccg = bridge_of(table, "ccg_a").set_index("step").change_gbp_m
    acute = bridge_of(table, "acute").set_index("step").change_gbp_m

    # ccg_a buys 52 (elective 10, non-elective 40, social care 2) last year, 53 this year.
    other_last_year = 45 / 1.03 * 52 / 53
    assert ccg["Last year underlying"] == approx(100 / 1.05 - 52 - other_last_year)
    assert ccg["Allocation and other income growth"] == approx(100 - 100 / 1.05)
    assert ccg["Price uplift less efficiency factor"] == approx(-52 * 0.02)
    assert ccg["Cost inflation"] == approx(-(45 * 52 / 53) * (1 - 1 / 1.03))
    assert ccg["Cost pressures above the uplift"] == approx(0.0)  # NHS providers' only
    assert ccg["Demand growth"] == approx(-1 * 1.02 - 45 * (1 - 52 / 53))
    assert ccg["Underlying plan"] == approx(100 - 53 * 1.02 - 45)

    # The acute trust's lines are 70 last year, 71 this year. Of its cost base of 80, the 10
    # its other income pays for does not move with commissioned activity; the other 70 is for
    # 71, so last year it was 70 x 70 / 71.
    cost_last_year = 10 + 70 * 70 / 71
    assert acute["Last year underlying"] == approx(70 + 10 / 1.05 - cost_last_year)
    assert acute["Allocation and other income growth"] == approx(10 - 10 / 1.05)
    assert acute["Price uplift less efficiency factor"] == approx(70 * 0.02)
    assert acute["Cost inflation"] == approx(-cost_last_year * 0.03)
    assert acute["Cost pressures above the uplift"] == approx(-cost_last_year * 0.01)
    assert acute["Demand growth"] == approx(1 * 1.02 - (80 - cost_last_year) * 1.04)
    assert acute["Underlying plan"] == approx(71 * 1.02 + 10 - 80 * 1.04)


def test_one_off_steps_by_hand_on_the_tiny_system(tiny_system):
    """Efficiency 10% of the acute trust's 80, all delivered, 40% recurrent; support 5 shared
    80:20 by cost base; funds 2 and 1 paid on each one's own control total."""
    scenario = vary(PLAIN, efficiency_required=0.1, recurrent_share=0.4,
                    non_recurrent_support_gbp_m=5.0, incentive_fund_scale=1.0)
    acute = bridge(tiny_system, scenario, "acute").set_index("step").change_gbp_m
    comm = bridge(tiny_system, scenario, "comm").set_index("step").change_gbp_m
    assert acute["Recurrent efficiency savings"] == approx(8 * 0.4)
    assert acute["Non-recurrent savings"] == approx(8 * 0.6)
    assert acute["One-off support"] == approx(4.0) and comm["One-off support"] == approx(1.0)
    year = run_year(tiny_system, scenario).organisations
    assert acute["Incentive fund"] == approx(2.0 * year.met_control_total["acute"])
    assert comm["Incentive fund"] == approx(1.0 * year.met_control_total["comm"])


def test_the_bridge_explains_the_plan_not_the_outturn(bundled_system):
    shocked = bridge_table(bundled_system, Scenario(demand_shock=0.1))
    on_plan = bridge_table(bundled_system, Scenario())
    np.testing.assert_allclose(shocked.end_gbp_m, on_plan.end_gbp_m, atol=EXACT)


def test_unknown_entity_is_named(bundled_system):
    with pytest.raises(ScenarioError, match="'nobody'.*nhs_system"):
        bridge(bundled_system, Scenario(), "nobody")
    with pytest.raises(ScenarioError, match="must be a Scenario"):
        bridge_table(bundled_system, {"payment": "fixed_income"})


def test_entities_offer_the_nhs_system_then_every_organisation(bundled_system):
    entities = bridge_entities(bundled_system)
    assert entities[0] == ("NHS system", NHS_SYSTEM_ID)
    assert sorted(value for _, value in entities[1:]) == sorted(bundled_system.organisations.index)


# --------------------------------------------------------------------------- reserves


@pytest.mark.parametrize("payment", ["fixed_income", "payment_by_results"])
def test_reserves_from_kept_draws_equal_contingency_reserves(bundled_system, payment):
    scenario = Scenario.preset(payment, risk_share=0.3)
    kept = reserve_draws(bundled_system, scenario, draws=1_500, seed=7)
    for confidence in (0.6, 0.9, 0.99):
        mine = kept.reserves(confidence)
        theirs = contingency_reserves(bundled_system, scenario, confidence, draws=1_500, seed=7)
        alone = mine[mine.arrangement == "alone"]
        expected = theirs[theirs.arrangement == "alone"]
        assert list(alone.org_id) == list(expected.org_id)
        np.testing.assert_allclose(alone.reserve_gbp_m, expected.reserve_gbp_m, rtol=0, atol=1e-12)
        pooled = mine.loc[mine.arrangement == "pooled", "reserve_gbp_m"].iloc[0]
        assert pooled == approx(theirs.loc[theirs.arrangement == "pooled", "reserve_gbp_m"].iloc[0])
        assert mine.loc[mine.arrangement == "sum", "reserve_gbp_m"].iloc[0] == approx(alone.reserve_gbp_m.sum())


def test_a_higher_confidence_never_needs_less(bundled_system):
    kept = reserve_draws(bundled_system, Scenario(), draws=1_000)
    low, high = kept.reserves(0.7), kept.reserves(0.95)
    assert (high.reserve_gbp_m.to_numpy() >= low.reserve_gbp_m.to_numpy() - 1e-12).all()
    with pytest.raises(ScenarioError, match="confidence"):
        kept.reserves(1.0)


# --------------------------------------------------------------------------- incentive fund


@pytest.mark.parametrize("linkage", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("shock", [0.0, 0.01, 0.05])
def test_fund_received_follows_the_rule(bundled_system, linkage, shock):
    scenario = Scenario(system_linkage=linkage, demand_shock=shock)
    table = incentive_linkage(bundled_system, scenario)
    system_met = table.system_met.iloc[0]
    expected = table.fund_available_gbp_m * ((1 - linkage) * table.met_control_total + linkage * system_met)
    np.testing.assert_allclose(table.fund_received_gbp_m, expected, atol=EXACT)
    # What the linkage cost: only those that met their own total lose, only when the system missed.
    lost = table.fund_lost_to_linkage_gbp_m
    expected_lost = table.fund_available_gbp_m * linkage * (table.met_control_total.astype(float) - system_met)
    np.testing.assert_allclose(lost, expected_lost, atol=EXACT)
    year = run_year(bundled_system, scenario).organisations
    np.testing.assert_allclose(table.position_gbp_m, year.position_gbp_m[table.org_id], atol=EXACT)


def test_the_fund_available_scales_with_the_scenario(bundled_system):
    table = incentive_linkage(bundled_system, Scenario(incentive_fund_scale=0.5))
    funds = bundled_system.organisations.incentive_fund_gbp_m[table.org_id].to_numpy()
    np.testing.assert_allclose(table.fund_available_gbp_m, funds * 0.5)


def test_first_miss_shock_is_the_first_on_the_grid(bundled_system):
    scenario = Scenario()
    shock = first_miss_shock(bundled_system, scenario)
    assert shock is not None
    missed = ~run_year(bundled_system, dataclasses.replace(scenario, demand_shock=shock)).organisations.query(
        "in_nhs_control_total").met_control_total
    assert missed.any()
    if shock > 0:
        before = run_year(bundled_system, dataclasses.replace(scenario, demand_shock=round(shock - 0.01, 10)))
        assert before.organisations.query("in_nhs_control_total").met_control_total.all()
    # Under fixed income demand below plan costs no organisation its control total.
    assert first_miss_shock(bundled_system, scenario, shocks=[-0.03, -0.02]) is None
    with pytest.raises(ScenarioError, match="not a number"):
        first_miss_shock(bundled_system, scenario, shocks=["high"])


# --------------------------------------------------------------------------- lesson 3's facts


def test_reserve_facts_by_hand_when_the_commissioner_and_provider_offset():
    from casestudy.governance import ReserveDraws
    from casestudy.words.lesson3 import pooling_reason

    # Four years: the commissioner's position is the mirror of the provider's (payment by
    # results: what one pays, the other earns). At 75% confidence each needs the 25% quantile
    # of its position (numpy's linear quantile of -2, -1, 1, 2 is -1.25) back up to 0: 1.25
    # each, 2.5 alone; pooled, the sum is 0 every year, so nothing.
    swing = np.array([-2.0, -1.0, 1.0, 2.0])
    draws = ReserveDraws(org_ids=("ccg", "trust"), position=np.column_stack([swing, -swing]),
                         control_total=np.zeros(2), names=("CCG", "Trust"),
                         kinds=("commissioner", "acute"))
    facts = draws.facts(0.75)
    assert facts.sum_alone_gbp_m == approx(2.5) and facts.pooled_gbp_m == approx(0.0)
    assert facts.released_gbp_m == approx(2.5) and facts.released_share == approx(1.0)
    assert facts.commissioners_share == approx(0.5) and facts.offset_correlation == approx(-1.0)
    assert facts.table.is_total.tolist() == [False, False, True, True]
    assert "opposite directions" in pooling_reason(facts, "payment by results")
    # The same risk held by the two providers: they move together, nothing offsets.
    together = ReserveDraws(org_ids=("a", "b"), position=np.column_stack([swing, swing]),
                            control_total=np.zeros(2), names=("A", "B"), kinds=("acute", "acute"))
    facts = together.facts(0.75)
    assert facts.pooled_gbp_m == approx(2.5) and facts.released_share == approx(0.0)
    assert facts.commissioners_share == 0.0
    assert "come together" in pooling_reason(facts, "fixed income")


def test_a_full_risk_share_makes_everyone_miss_by_their_share_of_the_gap(bundled_system):
    from casestudy.governance import linkage
    from casestudy.words.lesson3 import transfers_words

    scenario = Scenario.preset("fixed_income", risk_share=1.0, demand_shock=0.05)
    facts = linkage(bundled_system, scenario)
    table = facts.table
    assert not facts.system_met and facts.gap_gbp_m < 0 and facts.everyone_misses
    # The transfers sum to zero; each ends at its control total plus its share of the gap.
    assert table.risk_share_gbp_m.sum() == approx(0.0, abs=1e-9)
    short = table.control_total_gbp_m - table.position_before_fund_gbp_m
    assert short.sum() == approx(-facts.gap_gbp_m)
    assert (short > 0).all()
    names = dict(zip(table.org_id, table["name"]))
    text = transfers_words(names, facts)
    assert "every NHS organisation misses by its share of the gap" in text
    payer = table.loc[table.risk_share_gbp_m.idxmin()]
    assert f"pays {money(-payer.risk_share_gbp_m)}" in text
