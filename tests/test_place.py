"""Lesson 5's arithmetic: boundaries add up to the place, the social care knock-on by hand on
the tiny system, voluntary-sector schemes against direct runs of the engine."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from pytest import approx
from systems import EXAMPLE_IDS, EXAMPLE_SYSTEMS
from tiny import PLAIN, vary

from casestudy import Scenario, ScenarioError, load_system, run_year
from casestudy.place import (
    boundary_change,
    boundary_of,
    organisation_change,
    social_care_knock_on,
    vcs_schemes,
    vcs_test,
)

EXACT = 1e-9
SCENARIOS = [
    Scenario.preset("fixed_income", social_care_budget_change=-0.1),
    Scenario.preset("payment_by_results", social_care_budget_change=-0.3, social_care_knock_on=1.0,
                    demand_shock=0.03, risk_share=0.5),
    Scenario.preset("blended", social_care_budget_change=0.2, flex=1.0),
]
IDS = ["cut", "deep-cut-pbr", "rise"]


def _systems():
    return [pytest.param(path, id=name) for path, name in zip(EXAMPLE_SYSTEMS, EXAMPLE_IDS)]


def _before_funds(system, scenario):
    orgs = run_year(system, scenario).organisations
    return orgs.position_gbp_m - orgs.incentive_fund_gbp_m


@pytest.mark.parametrize("path", _systems())
@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_boundaries_are_sums_of_the_engines_positions(path, scenario):
    if not path.exists():
        pytest.skip(f"{path} is not there yet")
    system = load_system(path)
    baseline = dataclasses.replace(scenario, social_care_budget_change=0.0)
    frame = boundary_change(system, scenario, baseline).set_index("boundary")
    now, before = _before_funds(system, scenario), _before_funds(system, baseline)
    groups = boundary_of(system)
    for boundary, row in frame.iterrows():
        members = groups.index if boundary == "place" else groups.index[groups == boundary]
        assert row.position_gbp_m == approx(now[members].sum(), abs=EXACT)
        assert row.change_gbp_m == approx(now[members].sum() - before[members].sum(), abs=EXACT)
        assert row.organisations == len(members)
    parts = frame.drop(index="place")
    assert parts.change_gbp_m.sum() == approx(frame.change_gbp_m["place"], abs=EXACT)
    # Only boundaries the system has are shown, the place last.
    assert list(frame.index)[-1] == "place"
    assert set(frame.index) - {"place"} == set(groups)


def test_the_nhs_boundary_is_the_nhs_control_total(bundled_system):
    groups = boundary_of(bundled_system)
    inside = bundled_system.organisations.in_nhs_control_total
    assert list(groups.index[groups == "nhs"]) == list(inside.index[inside])
    assert groups["council"] == "council" and groups["care_market"] == "care_provider"
    assert groups["vcs"] == "voluntary" and groups["bca"] == "other"


def test_social_care_knock_on_by_hand_on_the_tiny_system(tiny_system):
    """The council (budget 10) cuts its social care spending 10%: it buys 100 fewer of 1,000
    packages at £5,000 from the VCS and keeps the £0.5m;
    non-elective demand (30,000 spells at £2,000, all at the acute trust) rises 5%; 5 delayed
    days a lost package at £100 a day. Payment by results, no flex (see tests/conftest.py)."""
    scenario = vary(PLAIN, social_care_budget_change=-0.1, social_care_knock_on=0.5,
                    delayed_days_per_lost_package=5.0, delayed_day_cost_gbp=100.0)
    knock = social_care_knock_on(tiny_system, scenario)
    assert knock.packages_change == approx(-100)
    assert knock.emergency_admissions_change == approx(1500)
    assert knock.delayed_bed_days == approx(500)
    assert knock.delayed_discharge_cost_gbp_m == approx(0.05)
    assert knock.council_budget_change_gbp_m == 0.0  # the council's decision: its budget stays
    assert knock.council_spending_change_gbp_m == approx(-0.5)
    # The acute trust is paid £3m more by the CCGs (a wash inside the NHS) and spends the
    # variable 20% of the £70m of its cost base that moves with commissioned activity (£80m
    # less the £10m its other income pays for) on 3/71 more price-weighted activity, plus the
    # delays.
    nhs_cost = (80 - 10) * 0.2 * 3 / 71 + 0.05
    assert knock.nhs_cost_gbp_m == approx(nhs_cost)
    assert knock.council_saving_gbp_m == approx(0.5)
    assert knock.share_reappearing == approx(nhs_cost / 0.5)
    # The VCS (the council's provider here) loses £0.5m of income and releases its variable
    # half of the cost of that activity; the council keeps what it no longer spends.
    assert knock.change("voluntary") == approx(-0.5 + 7 * 0.5 * 0.5 / 7)
    assert knock.change("council") == approx(0.5)
    assert knock.change("care_provider") == 0.0  # the tiny system has none
    assert knock.change("place") == approx(-nhs_cost - 0.25 + 0.5)
    orgs = knock.organisations.set_index("org_id").change_gbp_m
    assert orgs["acute"] == approx(3.0 - nhs_cost)
    assert orgs["ccg_a"] + orgs["ccg_b"] == approx(-3.0)


def test_no_change_has_no_knock_on_and_no_share(bundled_system):
    knock = social_care_knock_on(bundled_system, Scenario())
    assert knock.packages_change == 0 and knock.emergency_admissions_change == 0
    assert knock.delayed_bed_days == 0 and knock.change("place") == 0
    assert math.isnan(knock.share_reappearing)


def test_a_rise_in_funding_runs_the_other_way(bundled_system):
    knock = social_care_knock_on(bundled_system, Scenario(social_care_budget_change=0.1))
    assert knock.packages_change > 0 and knock.emergency_admissions_change < 0
    assert knock.delayed_bed_days < 0 and knock.council_saving_gbp_m < 0
    assert knock.nhs_cost_gbp_m < 0  # the NHS gains
    assert math.isnan(knock.share_reappearing)


@pytest.mark.parametrize("payment", ["fixed_income", "payment_by_results", "blended"])
def test_the_payment_rule_moves_the_nhs_cost_between_organisations_not_its_total(bundled_system,
                                                                               payment):
    scenario = Scenario.preset(payment, social_care_budget_change=-0.2)
    reference = social_care_knock_on(bundled_system, Scenario.preset("fixed_income",
                                                                     social_care_budget_change=-0.2))
    assert social_care_knock_on(bundled_system, scenario).nhs_cost_gbp_m == approx(
        reference.nhs_cost_gbp_m, abs=EXACT)


def test_the_knock_on_grows_with_its_elasticity(bundled_system):
    low = social_care_knock_on(bundled_system, Scenario(social_care_budget_change=-0.1,
                                                        social_care_knock_on=0.1))
    high = social_care_knock_on(bundled_system, Scenario(social_care_budget_change=-0.1,
                                                         social_care_knock_on=0.9))
    assert high.emergency_admissions_change == approx(9 * low.emergency_admissions_change)
    assert high.nhs_cost_gbp_m > low.nhs_cost_gbp_m
    assert high.council_saving_gbp_m == approx(low.council_saving_gbp_m)


def test_organisation_change_adds_up_to_the_boundaries(bundled_system):
    scenario, baseline = SCENARIOS[1], Scenario.preset("payment_by_results")
    orgs = organisation_change(bundled_system, scenario, baseline)
    frame = boundary_change(bundled_system, scenario, baseline).set_index("boundary")
    for boundary, total in orgs.groupby("boundary").change_gbp_m.sum().items():
        assert total == approx(frame.change_gbp_m[boundary], abs=EXACT)
    with pytest.raises(ScenarioError, match="baseline must be a Scenario"):
        organisation_change(bundled_system, scenario, None)


# --------------------------------------------------------------------------- voluntary sector


def test_vcs_schemes_are_those_the_voluntary_sector_delivers(bundled_system, tiny_system):
    schemes = bundled_system.schemes
    kinds = bundled_system.organisations.kind
    expected = [s for s in schemes.index if kinds[schemes.deliverer_id[s]] == "voluntary"]
    assert vcs_schemes(bundled_system) == expected and expected
    assert vcs_schemes(tiny_system) == []


@pytest.mark.parametrize("flex", [0.25, 1.0])
def test_vcs_test_is_each_scheme_against_the_year_without_it(bundled_system, flex):
    scenario = Scenario(flex=flex, schemes=("frailty",))  # another scheme stays in both runs
    table = vcs_test(bundled_system, scenario).set_index("scheme_id")
    groups = boundary_of(bundled_system)
    without = _before_funds(bundled_system, scenario)
    for scheme, row in table.iterrows():
        with_it = _before_funds(bundled_system, dataclasses.replace(scenario, schemes=("frailty", scheme)))
        change = with_it - without
        assert row.place_change_gbp_m == approx(change.sum(), abs=EXACT)
        assert row.nhs_change_gbp_m == approx(change[groups == "nhs"].sum(), abs=EXACT)
        assert row.cost_gbp_m == bundled_system.schemes.cost_gbp_m[scheme]


def test_more_flex_releases_more_of_the_cost_of_avoided_activity(bundled_system):
    tight = vcs_test(bundled_system, Scenario(flex=0.0)).set_index("scheme_id")
    loose = vcs_test(bundled_system, Scenario(flex=1.0)).set_index("scheme_id")
    assert (loose.place_change_gbp_m >= tight.place_change_gbp_m - EXACT).all()
    assert (loose.place_change_gbp_m > tight.place_change_gbp_m).any()


def test_vcs_test_names_an_unknown_scheme(bundled_system):
    with pytest.raises(ScenarioError, match="'nowhere'"):
        vcs_test(bundled_system, Scenario(), ["nowhere"])
    empty = vcs_test(bundled_system, Scenario(), [])
    assert empty.empty and "place_change_gbp_m" in empty.columns
    np.testing.assert_array_equal(empty.columns, vcs_test(bundled_system, Scenario()).columns)
