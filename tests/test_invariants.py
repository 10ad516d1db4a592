"""The invariants of DESIGN section 4, over random scenarios, every rule and random demand.

Each property runs on the bundled Bradford-like system and on the tiny one, with random knobs,
every preset or a random per-service mapping of every rule, random schemes and random
per-line demand shocks over several draws at once.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import rule_specs

from casestudy import PRESETS, Scenario, run_year
from casestudy.engine import GBP_PER_M, compute_year, inputs_for
from casestudy.schema import SERVICES

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# Knobs that move money in one year, with the ranges the scenario allows.
KNOBS = ["demand_shock", "cost_inflation", "price_uplift", "efficiency_factor",
         "efficiency_required", "efficiency_delivered_share", "recurrent_share",
         "non_recurrent_support_gbp_m", "flex", "leadership_capacity", "incentive_fund_scale",
         "system_linkage", "risk_share", "social_care_budget_change", "social_care_knock_on",
         "delayed_days_per_lost_package", "delayed_day_cost_gbp", "blended_rate_above_plan",
         "blended_rate_below_plan", "elective_variable_rate"]
META = {f.name: f.metadata for f in dataclasses.fields(Scenario)}


class Systems(dict):
    """The two systems by name; a short repr keeps Hypothesis' failure reports readable."""

    def __repr__(self) -> str:
        return "Systems(bundled, tiny)"


@pytest.fixture(scope="module")
def systems(bundled_system, tiny_system):
    return Systems(bundled=bundled_system, tiny=tiny_system)


KINDS = ("activity_based", "fixed_income", "blended", "cap_and_collar")  # the rules drawn here


def mappings(services=SERVICES):
    return st.fixed_dictionaries({s: rule_specs(KINDS) for s in services})


payments = st.one_of(st.sampled_from(PRESETS), mappings())


@st.composite
def knobs(draw):
    return {name: draw(st.floats(META[name]["min"], META[name]["max"], allow_nan=False))
            for name in KNOBS}


@st.composite
def cases(draw, payment=payments):
    """(system name, scenario, demand noise [d, l] or None)."""
    name = draw(st.sampled_from(["bundled", "tiny"]))
    schemes = draw(st.lists(st.sampled_from(
        ["frailty", "falls"] if name == "tiny" else
        ["frailty", "falls", "discharge_to_assess", "mh_crisis", "home_first", "end_of_life"]),
        unique=True, max_size=4))
    scenario = Scenario(payment=draw(payment), schemes=tuple(schemes), **draw(knobs()))
    draws = draw(st.integers(1, 3))
    noisy = draw(st.booleans())
    return name, scenario, draws if noisy else None


def noise_for(system, draws, seed=0):
    if draws is None:
        return None
    lines = len(system.service_lines)
    return np.random.default_rng(seed).uniform(-0.2, 0.2, (draws, lines))


def year(system, scenario, noise):
    return compute_year(inputs_for(system, scenario), scenario, demand_noise=noise)


def case_year(systems, case, seed, **changes):
    """A drawn case's system and the year's money, its scenario changed by ``changes``, under
    the case's demand noise."""
    name, scenario, draws = case
    system = systems[name]
    scenario = dataclasses.replace(scenario, **changes)
    return system, year(system, scenario, noise_for(system, draws, seed))


def in_nhs(system) -> np.ndarray:
    return system.organisations.in_nhs_control_total.to_numpy(bool)


def crossing_services(system) -> set[str]:
    """Services with a line whose payer and provider sit on opposite sides of the NHS boundary."""
    nhs = system.organisations.in_nhs_control_total
    lines = system.service_lines
    crossing = nhs[lines.payer_id].to_numpy() != nhs[lines.provider_id].to_numpy()
    return set(lines.service[crossing])


# --------------------------------------------------------------------------- money is conserved


@SETTINGS
@given(cases(), st.integers(0, 2**16))
def test_what_payers_pay_providers_receive(systems, case, seed):
    _, money = case_year(systems, case, seed)
    np.testing.assert_allclose(money.contract_payments.sum(axis=1),
                               money.contract_income.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(money.payment.sum(axis=1), money.contract_income.sum(axis=1),
                               rtol=1e-12)
    # Scheme money: what deliverers receive is what funders pay them; each scheme's cost is
    # spent once in the system.
    # (Scheme arrays keep a draws axis of 1 when the same schemes run in every draw.)
    scheme_paid = money.scheme_paid.sum(axis=1)
    np.testing.assert_allclose(money.scheme_spend.sum(axis=1) - money.scheme_income.sum(axis=1),
                               scheme_paid, rtol=1e-12, atol=1e-12)
    # So the whole place's position is money from outside less money spent outside.
    outside = (money.fixed_receipts.sum() + money.incentive.sum(axis=1) - money.other_spend.sum()
               - money.provision_cost.sum(axis=1) - scheme_paid)
    np.testing.assert_allclose(money.position.sum(axis=1), outside, rtol=1e-12, atol=1e-9)


@SETTINGS
@given(cases())
def test_flows_match_each_organisations_income_and_payments(systems, case):
    name, scenario, _ = case
    result = run_year(systems[name], scenario)
    contract = result.flows[result.flows.kind == "contract"]
    orgs = result.organisations
    received = contract.groupby("payee_id").amount_gbp_m.sum().reindex(orgs.index, fill_value=0)
    paid = contract.groupby("payer_id").amount_gbp_m.sum().reindex(orgs.index, fill_value=0)
    np.testing.assert_allclose(received, orgs.contract_income_gbp_m, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(paid, orgs.contract_payments_gbp_m, rtol=1e-12, atol=1e-12)
    schemes = result.flows[result.flows.kind == "scheme"]
    assert (schemes.payer_id != schemes.payee_id).all()


# --------------------------------------------------------------------------- rules move money only


def _underlying(system, money):
    nhs = in_nhs(system)
    return money.underlying[:, nhs].sum(axis=1), money.underlying.sum(axis=1)


@SETTINGS
@given(cases(), mappings(), st.integers(0, 2**16))
def test_the_place_underlying_position_does_not_depend_on_the_payment_rule(systems, case, other,
                                                                         seed):
    name, scenario, draws = case
    system = systems[name]
    noise = noise_for(system, draws, seed)
    one = year(system, scenario, noise)
    two = year(system, dataclasses.replace(scenario, payment=other), noise)
    np.testing.assert_allclose(_underlying(system, one)[1], _underlying(system, two)[1],
                               rtol=1e-12, atol=1e-8)
    np.testing.assert_allclose(one.provision_cost, two.provision_cost, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(cases(), st.data(), st.integers(0, 2**16))
def test_the_nhs_underlying_position_does_not_depend_on_rules_inside_it(systems, case, data, seed):
    """Rules on lines inside the NHS move money between NHS bodies only.

    A line across the boundary (a CCG buying from the voluntary sector, say) moves money
    in or out of the NHS, so those services keep their rule here; the next test covers them.
    """
    name, scenario, draws = case
    system = systems[name]
    keep = crossing_services(system)
    rules = scenario.rules_by_service()
    other = {s: data.draw(rule_specs(KINDS)) for s in SERVICES if s not in keep}
    other.update({s: rules[s] for s in keep})
    noise = noise_for(system, draws, seed)
    one = year(system, scenario, noise)
    two = year(system, dataclasses.replace(scenario, payment=other), noise)
    np.testing.assert_allclose(_underlying(system, one)[0], _underlying(system, two)[0],
                               rtol=1e-12, atol=1e-8)


@pytest.mark.parametrize("first", PRESETS)
@pytest.mark.parametrize("second", PRESETS)
def test_every_pair_of_presets_gives_the_same_nhs_and_place_underlying_position(
        bundled_system, first, second):
    # The presets differ only inside the NHS (every preset buys social care by activity and
    # voluntary and GP federation services as a block), so the NHS total is the same too.
    for shock in (-0.1, 0.0, 0.07):
        one = run_year(bundled_system, Scenario.preset(first, demand_shock=shock)).system
        two = run_year(bundled_system, Scenario.preset(second, demand_shock=shock)).system
        np.testing.assert_allclose(one.underlying_position_gbp_m, two.underlying_position_gbp_m,
                                   rtol=1e-12, atol=1e-9)


@SETTINGS
@given(cases(), mappings(), st.integers(0, 2**16))
def test_across_the_nhs_boundary_a_rule_moves_exactly_the_net_payments(systems, case, other, seed):
    name, scenario, draws = case
    system = systems[name]
    noise = noise_for(system, draws, seed)
    one = year(system, scenario, noise)
    two = year(system, dataclasses.replace(scenario, payment=other), noise)
    inputs = inputs_for(system, scenario)
    nhs = in_nhs(system)
    into_nhs = (inputs.provider_of @ nhs) - (inputs.payer_of @ nhs)  # +1, -1 or 0 per line
    net_in = lambda money: money.payment @ into_nhs
    np.testing.assert_allclose(
        _underlying(system, one)[0] - _underlying(system, two)[0], net_in(one) - net_in(two),
        rtol=1e-9, atol=1e-8)


# --------------------------------------------------------------------------- who bears activity


def _before_funds(money):
    return money.position - money.risk_share - money.incentive


@SETTINGS
@given(cases(payment=st.just({s: "fixed_income" for s in SERVICES})), st.floats(-0.2, 0.3),
       st.integers(0, 2**16))
def test_under_fixed_income_a_commissioners_position_does_not_move_with_demand(systems, case,
                                                                               shock, seed):
    name, scenario, draws = case
    system = systems[name]
    commissioner = (system.organisations.kind == "commissioner").to_numpy()
    base = year(system, scenario, None)
    shocked = year(system, dataclasses.replace(scenario, demand_shock=shock),
                   noise_for(system, draws or 2, seed))
    np.testing.assert_allclose(
        _before_funds(shocked)[:, commissioner],
        np.broadcast_to(_before_funds(base)[:, commissioner], shocked.position[:, commissioner].shape),
        rtol=1e-12, atol=1e-9)


@SETTINGS
@given(cases(payment=st.sampled_from([{s: "activity_based" for s in SERVICES},
                                      {s: "fixed_income" for s in SERVICES}])),
       st.data())
def test_each_extra_unit_gains_the_rate_of_price_less_marginal_cost(systems, case, data):
    """d(position)/d(unit) = price x (rate - marginal x growth x moving base / planned income).

    cost = [moving base x (fixed + semi (1 - flex) + (variable + semi flex) x index) + the
    costs other income pays for] x growth, where the moving base is the cost base less those
    costs (other income, up to the cost base) and growth is 1 + inflation, plus the pressures
    above the uplift for NHS providers; index = sum(actual x price) / sum(planned x price)
    over the provider's lines. So one more unit of line l adds moving base x (variable + semi
    flex) x growth x price_l / planned income, while income rises by rate x price_l (rate 1
    by activity, 0 for fixed income).
    """
    name, scenario, _ = case
    system = systems[name]
    inputs = inputs_for(system, scenario)
    rate = 1.0 if scenario.payment["elective"]["rule"] == "activity_based" else 0.0
    lines = len(inputs.planned)
    line = data.draw(st.integers(0, lines - 1))
    provider = int(np.argmax(inputs.provider_of[line]))
    payer = int(np.argmax(inputs.payer_of[line]))
    bump = np.zeros((2, lines))
    bump[1, line] = 0.01
    money = compute_year(inputs, scenario, demand_noise=bump)
    extra_units = money.actual[1, line] - money.actual[0, line]
    if extra_units <= 0:
        return  # a line cut to nothing by the schemes has no margin to test
    gain = (_before_funds(money)[1] - _before_funds(money)[0]) / extra_units
    orgs = system.organisations.iloc[provider]
    marginal = orgs.variable_share + orgs.semi_fixed_share * scenario.flex
    mine = inputs.provider_of[:, provider] > 0
    planned_income_gbp_m = (inputs.planned[mine] * inputs.price_gbp[mine]).sum() / GBP_PER_M
    price_gbp_m = inputs.price_gbp[line] / GBP_PER_M
    moving = orgs.cost_base_gbp_m - min(orgs.other_income_gbp_m, orgs.cost_base_gbp_m)
    growth = 1 + scenario.cost_inflation + scenario.cost_pressure * bool(orgs.in_nhs_control_total)
    expected = price_gbp_m * (rate - marginal * growth * moving / planned_income_gbp_m)
    assert gain[provider] == pytest.approx(expected, rel=1e-6, abs=1e-12)
    assert gain[payer] == pytest.approx(-rate * price_gbp_m, rel=1e-6, abs=1e-12)
    others = np.ones(len(gain), bool)
    others[[provider, payer]] = False
    np.testing.assert_allclose(gain[others], 0, atol=1e-12)


# --------------------------------------------------------------------------- risk share


@SETTINGS
@given(cases(), st.integers(0, 2**16))
def test_risk_share_transfers_sum_to_zero_within_the_nhs(systems, case, seed):
    system, money = case_year(systems, case, seed)
    nhs = in_nhs(system)
    np.testing.assert_allclose(money.risk_share.sum(axis=1), 0, atol=1e-9)
    np.testing.assert_allclose(money.risk_share[:, ~nhs], 0, atol=0)


@SETTINGS
@given(cases(), st.integers(0, 2**16))
def test_full_risk_share_leaves_each_at_control_total_plus_its_weight_of_the_gap(systems, case,
                                                                                 seed):
    system, money = case_year(systems, case, seed, risk_share=1.0)
    orgs = system.organisations
    nhs = in_nhs(system)
    size = (orgs.allocation_gbp_m + orgs.cost_base_gbp_m).to_numpy() * nhs
    weight = size / size.sum()
    control = orgs.control_total_gbp_m.to_numpy()
    after = _before_funds(money) + money.risk_share  # after risk share, before incentive funds
    gap = after[:, nhs].sum(axis=1, keepdims=True) - control[nhs].sum()
    np.testing.assert_allclose(after[:, nhs], (control + weight * gap)[:, nhs], rtol=1e-12,
                               atol=1e-9)


@SETTINGS
@given(cases(), st.integers(0, 2**16))
def test_no_risk_share_moves_no_money(systems, case, seed):
    _, money = case_year(systems, case, seed, risk_share=0.0)
    assert np.all(money.risk_share == 0)
