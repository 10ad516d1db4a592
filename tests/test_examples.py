"""The shipped systems, Bradford-like and the invented Northvale: they load, the engine runs
on them under every preset, money is conserved, and Northvale's books close as its README says.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from systems import (
    BUNDLED,
    EXAMPLE_IDS,
    EXAMPLE_SYSTEMS,
    NORTHVALE,
    ROOT,
    example_system_env,  # noqa: F401 (a fixture, used by name below)
)

from casestudy import PRESETS, Scenario, load_system, project, run_year, simulate
from casestudy.schema import PAYER_KINDS
from casestudy.system import SYSTEM_ENV

SHOCKS = (-0.06, 0.0, 0.08)


@pytest.fixture(scope="module", params=EXAMPLE_SYSTEMS, ids=EXAMPLE_IDS)
def system(request: pytest.FixtureRequest):
    return load_system(request.param)


def test_northvale_is_a_different_place() -> None:
    northvale, bradford = load_system(NORTHVALE), load_system(BUNDLED)
    assert not set(northvale.organisations.index) & set(bradford.organisations.index)
    assert not set(northvale.schemes.index) & set(bradford.schemes.index)
    kinds = northvale.organisations.kind.value_counts().to_dict()
    assert kinds == {"commissioner": 1, "acute": 1, "community_mental_health": 2,
                     "local_authority": 2, "voluntary": 1, "care_provider": 1}
    assert len(northvale.schemes) >= 6
    # The sole NHS commissioner pays for NHS care; the councils buy social care.
    payers = set(northvale.service_lines.payer_id)
    assert payers <= set(northvale.ids_of_kind(*PAYER_KINDS))
    assert set(northvale.ids_of_kind("commissioner")) <= payers
    assert northvale.warnings == ()


def test_examples_readme_says_northvale_is_invented() -> None:
    text = (ROOT / "data" / "examples" / "README.md").read_text()
    assert "**Northvale is invented.**" in text
    assert "assumption" in text


def test_casestudy_system_chooses_the_example(example_system_env) -> None:  # noqa: F811
    assert load_system().source == str(example_system_env)


def money_out_equals_money_in(year) -> None:
    """Contracts, scheme transfers and risk shares move money between organisations only."""
    m = year.money
    assert m.contract_income.sum() == pytest.approx(m.contract_payments.sum(), abs=1e-9)
    contracts = year.flows.query("kind == 'contract'").amount_gbp_m.sum()
    assert contracts == pytest.approx(m.contract_income.sum(), abs=1e-9)
    assert m.risk_share.sum() == pytest.approx(0.0, abs=1e-9)
    # Summed over organisations, what is left is what enters and leaves the system.
    outside = (m.fixed_receipts.sum() + m.incentive.sum() - m.other_spend.sum()
               - m.provision_cost.sum() - m.scheme_paid.sum())
    assert m.position.sum() == pytest.approx(outside, abs=1e-6)
    assert year.organisations.position_gbp_m.sum() == pytest.approx(outside, abs=1e-6)


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("shock", SHOCKS)
def test_every_preset_runs_and_conserves_money(system, preset: str, shock: float) -> None:
    scenario = Scenario.preset(preset, demand_shock=shock, schemes=tuple(system.schemes.index),
                               risk_share=0.5)
    year = run_year(system, scenario)
    assert list(year.organisations.index) == list(system.organisations.index)
    assert np.isfinite(year.organisations.select_dtypes("number").to_numpy()).all()
    money_out_equals_money_in(year)


@pytest.mark.parametrize("shock", SHOCKS)
def test_payment_rules_move_money_but_do_not_make_it(system, shock: float) -> None:
    """For the same activity and costs, the place's underlying position is the same under
    every preset, and so is the NHS's (rules move money between organisations)."""
    totals = []
    for preset in PRESETS:
        year = run_year(system, Scenario.preset(preset, demand_shock=shock))
        totals.append(year.system.underlying_position_gbp_m)
    for other in totals[1:]:
        assert other["place"] == pytest.approx(totals[0]["place"], abs=1e-6)
        assert other["nhs"] == pytest.approx(totals[0]["nhs"], abs=1e-6)


def test_northvale_books_close_near_the_control_totals() -> None:
    """As data/examples/README.md says: each planned position (fixed income, on plan, before
    incentive funds) lies above its control total by at most £0.5m."""
    system = load_system(NORTHVALE)
    orgs = run_year(system, Scenario.preset("fixed_income")).organisations
    margin = orgs.position_gbp_m - orgs.incentive_fund_gbp_m - orgs.control_total_gbp_m
    assert (margin >= 0).all(), margin
    assert (margin <= 0.5 + 1e-9).all(), margin
    assert orgs.met_control_total.all()


def test_a_demand_shock_costs_the_sole_commissioner_what_its_contracts_say() -> None:
    """5% more activity: under payment by results the ICB pays the price of every extra acute
    and social care unit; under fixed income only the social care (spot-purchased under every
    preset). Checked against the price list by hand."""
    system = load_system(NORTHVALE)
    lines = system.service_lines[system.service_lines.payer_id == "nv_icb"]
    acute = lines.service.isin(["elective", "non_elective", "outpatient", "a_and_e"])
    social = lines.service == "social_care"
    for preset, paid_for in (("payment_by_results", acute | social), ("fixed_income", social)):
        base = Scenario.preset(preset)
        price = lines.unit_price_gbp * (1 + base.price_uplift - base.efficiency_factor)
        extra_units = lines.planned_activity * (1 + lines.demand_growth) * 0.05
        expected = -(extra_units * price)[paid_for].sum() / 1e6
        on_plan = run_year(system, base).organisations.position_gbp_m["nv_icb"]
        shocked = run_year(system, dataclasses.replace(base, demand_shock=0.05))
        change = shocked.organisations.position_gbp_m["nv_icb"] - on_plan
        assert change == pytest.approx(expected, rel=1e-9)


def test_simulate_and_project_run_on_each_system(system) -> None:
    scenario = Scenario.preset("blended")
    draws = simulate(system, scenario, draws=40, seed=3)
    assert len(draws) == 40 * len(system.organisations)
    assert np.isfinite(draws.position_gbp_m).all()
    years = project(system, scenario, years=3)
    assert set(years.org_id) == set(system.organisations.index)
    assert np.isfinite(years.position_gbp_m).all()


def test_fixture_list_for_other_tests() -> None:
    assert [p.name for p in EXAMPLE_SYSTEMS] == ["bradford", "northvale"]
    for path in EXAMPLE_SYSTEMS:
        assert (path / "organisations.csv").is_file()
    assert SYSTEM_ENV == "CASESTUDY_SYSTEM"
