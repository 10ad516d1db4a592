"""The portfolio of shared schemes, checked by hand on a three-scheme system.

The tiny system (tests/conftest.py) plus a third scheme. Under the plain scenario (no
inflation, no efficiency, flex 0), the acute trust's marginal cost is its variable share,
0.2 of the 70 of its cost base of 80 that moves with commissioned activity (its other income
of 10 pays for costs that do not), spread over £71m of planned activity (elective 11,
emergency 60), so each £1m of activity it no longer does saves it 14 / 71 £m.

    scheme    funder   deliverer  cost  chance  load  effect
    frailty   ccg_a    comm       1.0   0.5     2     acute emergency -10%
    falls     council  comm       0.5   1.0     1     acute emergency -2%
    diabetes  ccg_b    acute      0.4   1.0     3     acute elective -5%
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny import TINY_TABLES, vary, write_tables

import casestudy as cs
from casestudy.priorities import (
    OVERLOAD_ELASTICITY,
    best_portfolios,
    best_portfolios_by_capacity,
    capacities_to_search,
    delivery_share,
    portfolio,
    scheme_table,
)

SAVED_PER_GBP_M = 0.2 * (80 - 10) / 71  # acute marginal cost per £m of activity avoided: 14/71
EMERGENCY_GBP_M = {"ccg_a": 40.0, "ccg_b": 20.0}
ELECTIVE_GBP_M = 11.0  # all paid by ccg_a
SCHEMES = {  # funder, cost, chance, load, emergency cut, elective cut
    "frailty": ("ccg_a", 1.0, 0.5, 2.0, 0.10, 0.0),
    "falls": ("council", 0.5, 1.0, 1.0, 0.02, 0.0),
    "diabetes": ("ccg_b", 0.4, 1.0, 3.0, 0.0, 0.05),
}
# Share of price taken back for elective activity below plan, per preset.
ELECTIVE_RATE_BELOW_PLAN = {
    "payment_by_results": 1.0, "pbr_mret": 1.0, "fixed_income": 0.0, "blended": 1.0,
    "api_2022": 0.0,  # 75% above plan, nothing back below it
    "api_2023": 1.0, "nhsps_2026": 1.0,
}


def emergency_paid(preset: str, activity: float) -> float:
    """What an emergency line pays, as a share of its planned value, at ``activity`` x plan."""
    if preset == "payment_by_results":
        return activity
    if preset == "pbr_mret":  # full price to the 0.94 baseline, 70% above it
        return min(activity, 0.94) + 0.7 * max(0.0, activity - 0.94)
    if preset in ("blended", "nhsps_2026"):  # plan plus 20% of the difference
        return 1.0 + 0.2 * (activity - 1.0)
    return 1.0  # fixed income and the API presets: emergency care in the fixed element


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    tables = {name: [dict(row) for row in rows] for name, rows in TINY_TABLES.items()}
    tables["schemes"].append({
        "scheme_id": "diabetes", "name": "Diabetes", "funder_id": "ccg_b",
        "deliverer_id": "acute", "cost_gbp_m": 0.4, "years_to_full_effect": 1,
        "evidence": "weak", "delivery_probability": 1.0, "leadership_load": 3})
    tables["scheme_effects"].append({"scheme_id": "diabetes", "provider_id": "acute",
                                     "service": "elective", "activity_change": -0.05})
    return cs.load_system(write_tables(tmp_path_factory.mktemp("three"), tables))


def by_hand(chosen: tuple[str, ...], capacity: float, preset: str = "payment_by_results") -> dict:
    """Each organisation's benefit from the chosen schemes, from the figures above."""
    load = sum(SCHEMES[s][3] for s in chosen)
    strain = min(1.0, capacity / load) ** OVERLOAD_ELASTICITY if load else 1.0
    emergency_cut = sum(SCHEMES[s][2] * strain * SCHEMES[s][4] for s in chosen)
    elective_cut = sum(SCHEMES[s][2] * strain * SCHEMES[s][5] for s in chosen)
    elective_rate = ELECTIVE_RATE_BELOW_PLAN[preset]
    # The payment given up per £ of emergency activity avoided (MRET: kinked at its baseline).
    emergency_rate = ((emergency_paid(preset, 1.0) - emergency_paid(preset, 1.0 - emergency_cut))
                      / emergency_cut if emergency_cut else 0.0)
    cost = {org: sum(SCHEMES[s][1] for s in chosen if SCHEMES[s][0] == org)
            for org in ("ccg_a", "ccg_b", "council")}
    avoided = ELECTIVE_GBP_M * elective_cut + sum(EMERGENCY_GBP_M.values()) * emergency_cut
    refund_a = (elective_rate * ELECTIVE_GBP_M * elective_cut
                + emergency_rate * EMERGENCY_GBP_M["ccg_a"] * emergency_cut)
    refund_b = emergency_rate * EMERGENCY_GBP_M["ccg_b"] * emergency_cut
    out = {
        "ccg_a": refund_a - cost["ccg_a"],
        "ccg_b": refund_b - cost["ccg_b"],
        # The acute trust loses what it is no longer paid, saves its marginal cost, and
        # spends the diabetes money it receives.
        "acute": -(refund_a + refund_b) + SAVED_PER_GBP_M * avoided,
        "comm": 0.0,  # paid for the schemes it runs, and spends it
        "council": -cost["council"],
        "vcs": 0.0,
    }
    out["nhs_system"] = out["ccg_a"] + out["ccg_b"] + out["acute"] + out["comm"]
    out["place"] = out["nhs_system"] + out["council"] + out["vcs"]
    return out


def test_the_capacity_rule_by_hand():
    chosen = np.array([1.0, 1.0, 0.0])
    load = np.array([2.0, 4.0, 5.0])
    # Load 6 against capacity 3: each chance cut by (3 / 6) ** 1.5.
    got = delivery_share(chosen, load, np.array([0.8, 0.5, 0.9]), 3.0)
    np.testing.assert_allclose(got, np.array([0.8, 0.5, 0.9]) * 0.5**OVERLOAD_ELASTICITY)
    # Within capacity nothing is cut; nothing chosen, nothing cut.
    np.testing.assert_allclose(delivery_share(chosen, load, np.ones(3), 6.0), 1.0)
    np.testing.assert_allclose(delivery_share(0 * chosen, load, np.ones(3), 0.5), 1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.booleans(), min_size=4, max_size=4), st.integers(0, 3),
       st.floats(0.5, 10))
def test_taking_on_another_scheme_never_helps_the_others(chosen, extra, capacity):
    load = np.array([1.0, 2.0, 1.5, 3.0])
    probability = np.array([0.6, 0.8, 0.4, 1.0])
    before = np.array(chosen, dtype=float)
    after = before.copy()
    after[extra] = 1.0
    assert (delivery_share(after, load, probability, capacity)
            <= delivery_share(before, load, probability, capacity) + 1e-12).all()


def test_scheme_table_by_hand(three, plain):
    table = scheme_table(three, plain).set_index("scheme_id")
    assert list(table.index) == ["frailty", "falls", "diabetes"]
    assert table.loc["falls", "funder_id"] == "council"
    assert table.loc["diabetes", "deliverer_id"] == "acute"
    for scheme in SCHEMES:
        alone = by_hand((scheme,), capacity=plain.leadership_capacity)
        assert table.loc[scheme, "nhs_benefit_gbp_m"] == pytest.approx(alone["nhs_system"])
        assert table.loc[scheme, "place_benefit_gbp_m"] == pytest.approx(alone["place"])
        assert table.loc[scheme, "delivery_share"] == pytest.approx(SCHEMES[scheme][2])
    # Falls is paid for by the council: it saves the NHS 14/71 x 60 x 2% and costs it nothing.
    assert table.loc["falls", "nhs_benefit_gbp_m"] == pytest.approx(14 / 71 * 1.2)
    assert table.loc["falls", "place_benefit_gbp_m"] == pytest.approx(14 / 71 * 1.2 - 0.5)


def test_a_scheme_heavier_than_capacity_is_cut_even_alone(three, plain):
    table = scheme_table(three, vary(plain, leadership_capacity=1.5)).set_index("scheme_id")
    assert table.loc["diabetes", "delivery_share"] == pytest.approx(0.5**OVERLOAD_ELASTICITY)
    assert table.loc["falls", "delivery_share"] == pytest.approx(1.0)


@pytest.mark.parametrize("capacity", [6.0, 3.0])
@pytest.mark.parametrize("preset", cs.PRESETS)
def test_portfolio_by_hand_for_each_organisation(three, plain, capacity, preset):
    scenario = vary(plain, leadership_capacity=capacity)
    table = portfolio(three, scenario, schemes=("frailty", "falls", "diabetes"))
    mine = table[table.payment == preset].set_index("org_id").benefit_gbp_m
    expected = by_hand(("frailty", "falls", "diabetes"), capacity, preset)
    for org, value in expected.items():
        assert mine[org] == pytest.approx(value, abs=1e-9), org


def test_portfolio_defaults_to_the_scenarios_schemes(three, plain):
    scenario = vary(plain, schemes=("falls",))
    assert portfolio(three, scenario).equals(portfolio(three, plain, schemes=("falls",)))


def test_no_schemes_no_benefit(three, plain):
    assert (portfolio(three, plain, schemes=()).benefit_gbp_m.abs() < 1e-12).all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=st.lists(st.sampled_from(["frailty", "falls", "home_first", "end_of_life",
                                        "outpatient_transformation", "mh_crisis"]),
                       unique=True, max_size=4),
       capacity=st.floats(0.5, 12), flex=st.floats(0, 1), risk_share=st.floats(0, 1))
def test_the_payment_rule_moves_benefit_but_not_the_nhs_total(bundled_system, chosen, capacity,
                                                              flex, risk_share):
    scenario = cs.Scenario(leadership_capacity=capacity, flex=flex, risk_share=risk_share)
    table = portfolio(bundled_system, scenario, schemes=tuple(chosen))
    for boundary in ("nhs_system", "place"):
        values = table.loc[table.org_id == boundary, "benefit_gbp_m"]
        assert values.max() - values.min() < 1e-9


@pytest.mark.parametrize("capacity", [6.0, 3.0, 1.0])
def test_best_portfolios_by_hand(three, plain, capacity):
    scenario = vary(plain, leadership_capacity=capacity)
    table = best_portfolios(three, scenario).set_index("size")
    assert list(table.index) == [1, 2, 3]
    for size in (1, 2, 3):
        options = {c: by_hand(c, capacity) for c in itertools.combinations(SCHEMES, size)}
        best = max(options, key=lambda c: options[c]["nhs_system"])
        assert set(table.loc[size, "schemes"]) == set(best)
        assert table.loc[size, "nhs_benefit_gbp_m"] == pytest.approx(options[best]["nhs_system"])
        assert table.loc[size, "place_benefit_gbp_m"] == pytest.approx(options[best]["place"])
        assert table.loc[size, "load"] == pytest.approx(sum(SCHEMES[s][3] for s in best))
        assert table.loc[size, "cost_gbp_m"] == pytest.approx(sum(SCHEMES[s][1] for s in best))
        strain = min(1.0, capacity / table.loc[size, "load"]) ** OVERLOAD_ELASTICITY
        chances = [SCHEMES[s][2] * strain for s in best]
        assert table.loc[size, "delivery_share"] == pytest.approx(np.mean(chances))
    assert table.best_overall.sum() == 1


def test_at_tight_capacity_more_priorities_deliver_less(three, plain):
    # Capacity 3: falls alone is worth 14/71 x 1.2 = 0.24; adding frailty (load 3, still
    # within capacity) costs more than it saves; all three (load 6) cut every chance to 35%.
    table = best_portfolios(three, vary(plain, leadership_capacity=3.0)).set_index("size")
    assert table.loc[1, "schemes"] == ("falls",)
    benefit = table.nhs_benefit_gbp_m.to_numpy()
    assert benefit[0] > benefit[1] > benefit[2]
    assert table.loc[1, "best_overall"]


def test_best_portfolios_agree_with_portfolio(bundled_system):
    scenario = cs.Scenario()
    table = best_portfolios(bundled_system, scenario, max_size=4)
    for _, row in table.iterrows():
        nhs = portfolio(bundled_system, scenario, schemes=row.schemes).query(
            "org_id == 'nhs_system'").benefit_gbp_m.iloc[0]
        assert row.nhs_benefit_gbp_m == pytest.approx(nhs)


def test_best_portfolios_for_the_place(three, plain):
    # Counted for the whole place, the council's cost of falls counts too.
    table = best_portfolios(three, vary(plain, leadership_capacity=6.0),
                            boundary="place").set_index("size")
    options = {c: by_hand(c, 6.0)["place"] for c in itertools.combinations(SCHEMES, 1)}
    assert table.loc[1, "schemes"] == max(options, key=options.get)


def test_the_search_is_chunked_without_changing_the_answer(three, plain, monkeypatch):
    from casestudy import priorities

    whole = best_portfolios(three, plain)
    monkeypatch.setattr(priorities, "SUBSETS_PER_CALL", 3)
    assert best_portfolios(three, plain).equals(whole)


# --------------------------------------------------------------------------- many capacities at once

# Loads 2, 1 and 3: capacities below, on and between the subsets' loads (0 to 6).
CAPACITIES = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.5, 5.0, 6.0, 7.0]


@pytest.mark.parametrize("boundary", ["nhs", "place"])
def test_one_search_over_many_capacities_is_right_by_hand_at_each(three, plain, boundary):
    tables = best_portfolios_by_capacity(three, plain, CAPACITIES[::-1], boundary=boundary)
    assert list(tables) == CAPACITIES  # sorted, each once
    key = "nhs_system" if boundary == "nhs" else "place"
    for capacity in CAPACITIES:
        table = tables[capacity].set_index("size")
        for size in (1, 2, 3):
            options = {c: by_hand(c, capacity) for c in itertools.combinations(SCHEMES, size)}
            best = max(options, key=lambda c: options[c][key])
            assert set(table.loc[size, "schemes"]) == set(best), (capacity, size)
            assert table.loc[size, "nhs_benefit_gbp_m"] == pytest.approx(
                options[best]["nhs_system"])
            assert table.loc[size, "place_benefit_gbp_m"] == pytest.approx(options[best]["place"])
            strain = min(1.0, capacity / table.loc[size, "load"]) ** OVERLOAD_ELASTICITY
            assert table.loc[size, "delivery_share"] == pytest.approx(
                np.mean([SCHEMES[s][2] * strain for s in best]))


def test_one_search_over_every_slider_value_equals_one_search_per_value(bundled_system):
    # The bookkeeping differs (one capacity: the subsets within it and over it; many: the
    # subsets within the largest once, then each capacity's subsets over it), the answer not.
    scenario = cs.Scenario()
    capacities = [k / 2 for k in range(61)]
    tables = best_portfolios_by_capacity(bundled_system, scenario, capacities)
    for capacity in capacities:
        alone = best_portfolios(bundled_system, vary(scenario, leadership_capacity=capacity))
        pd.testing.assert_frame_equal(tables[capacity], alone, check_exact=False, rtol=0, atol=1e-9)


def test_many_capacities_agree_with_portfolio(bundled_system):
    scenario = cs.Scenario()
    tables = best_portfolios_by_capacity(bundled_system, scenario, [2.0, 6.0, 11.5], max_size=5)
    for capacity, table in tables.items():
        under = vary(scenario, leadership_capacity=capacity)
        for _, row in table.iterrows():
            nhs = portfolio(bundled_system, under, schemes=row.schemes).query(
                "org_id == 'nhs_system'").benefit_gbp_m.iloc[0]
            assert row.nhs_benefit_gbp_m == pytest.approx(nhs)


@pytest.mark.parametrize("rows", [1, 4_096, 12_000, 40_000, 2**17])
@pytest.mark.parametrize("capacity", [0.0, 6.0, 30.0])
def test_capacities_to_search_fit_their_rows_and_are_the_nearest(bundled_system, rows, capacity):
    candidates = [k / 2 for k in range(61)]
    chosen = capacities_to_search(bundled_system, capacity, candidates, rows=rows)
    assert capacity in chosen
    search = best_portfolios_by_capacity(bundled_system, cs.Scenario(), chosen)
    assert search.engine_rows <= max(rows, 2**len(bundled_system.schemes))
    # the nearest: no candidate left out is nearer than one taken
    left_out = set(candidates) - set(chosen)
    if left_out:
        assert min(abs(c - capacity) for c in left_out) >= max(abs(c - capacity) for c in chosen)
        # and one more would not have fitted
        nearest = min(left_out, key=lambda c: (abs(c - capacity), c))
        bigger = best_portfolios_by_capacity(bundled_system, cs.Scenario(), chosen + [nearest])
        assert bigger.engine_rows > rows


def test_a_capacity_not_searched_is_refused_naming_those_searched(three, plain):
    tables = best_portfolios_by_capacity(three, plain, [1.0, 2.5])
    assert 2.0 not in tables
    with pytest.raises(KeyError, match="2.5"):
        tables[2.0]


@pytest.mark.parametrize("capacity", [-1.0, 31.0, "6"])
def test_a_bad_capacity_in_the_list_is_refused_naming_the_field(three, plain, capacity):
    with pytest.raises(cs.ScenarioError, match="leadership_capacity"):
        best_portfolios_by_capacity(three, plain, [2.0, capacity])


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("max_size", [0, 4, -1, 1.5, "2", True])
def test_bad_max_size_raises_naming_it(three, plain, max_size):
    with pytest.raises(cs.ScenarioError, match="max_size"):
        best_portfolios(three, plain, max_size=max_size)


@pytest.mark.parametrize("search", [lambda s, sc: best_portfolios(s, sc),
                                    lambda s, sc: best_portfolios_by_capacity(s, sc, [2.0])])
def test_a_scenario_that_is_not_one_is_refused_in_words(three, search):
    with pytest.raises(cs.ScenarioError, match="must be a Scenario, not dict"):
        search(three, {"leadership_capacity": 2.0})


def test_bad_boundary_raises_naming_it(three, plain):
    with pytest.raises(cs.ScenarioError, match="boundary"):
        best_portfolios(three, plain, boundary="nhs_system")


@pytest.mark.parametrize("schemes", [("nonsense",), "frailty", ("falls", "falls")])
def test_bad_schemes_raise_naming_schemes(three, plain, schemes):
    with pytest.raises(cs.ScenarioError, match="schemes"):
        portfolio(three, plain, schemes=schemes)


def test_a_scenario_is_required(three):
    with pytest.raises(cs.ScenarioError, match="Scenario"):
        scheme_table(three, "fixed_income")
