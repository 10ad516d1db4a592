"""Systems of any size: the engine's sums, its memory budget, and figures that stay finite.

The big systems come from ``tests/big.py`` (valid, invented, loaded through the checker).
The memory test runs ``simulate`` on 300 organisations and 20,000 service lines for 1,000
draws (about 2 s here) under a 64 MiB chunk budget: 1,000 draws are twenty chunks of 50,
so what is tested is that memory follows the budget and not the draws (one chunk of all
1,000 draws would need about 1.3 GB). The full size at the default 10,000 draws and the
default 256 MiB budget is measured by ``benchmarks/test_bench_simulate.py``.
"""

from __future__ import annotations

import dataclasses
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from big import big_system, big_tables

import casestudy as cs
from casestudy import engine, risk, schema
from casestudy.engine import LineOwner, inputs_for, rows_per_chunk
from casestudy.template import write_csv

MIB = 2**20


@pytest.fixture(scope="module")
def big_300(tmp_path_factory: pytest.TempPathFactory) -> cs.System:
    return big_system(tmp_path_factory.mktemp("big"), orgs=300, lines=20_000)


@pytest.fixture(scope="module")
def system_130(tmp_path_factory: pytest.TempPathFactory) -> cs.System:
    return big_system(tmp_path_factory.mktemp("big130"), orgs=130, lines=600)


# --------------------------------------------------------------------------- 128 and more


def test_simulate_takes_128_organisations_and_more(system_130: cs.System) -> None:
    # An 8-bit code holds 127 at most: every system of 128+ organisations failed here.
    frame = cs.simulate(system_130, cs.Scenario(), draws=3, seed=1)
    assert len(frame) == 3 * 130
    assert frame.org_id.tolist()[:130] == list(system_130.organisations.index)
    assert frame.org_id.tolist()[-1] == system_130.organisations.index[-1]
    # Each draw's rows are the organisations in the system's order, as run_year gives them.
    year = cs.run_year(system_130, cs.Scenario())
    first = frame[frame.draw == 0].set_index("org_id")
    assert (first.index == year.organisations.index).all()


def test_sparse_sums_equal_the_dense_matrix_product() -> None:
    rng = np.random.default_rng(0)
    index = rng.integers(0, 199, size=5_000)  # organisation 199 has no line
    values = rng.normal(size=(7, 5_000))
    sparse = LineOwner.of(index, 200)
    assert sparse.dense is None  # 200 organisations: the index arithmetic
    np.testing.assert_allclose(sparse.sum(values), values @ sparse.matrix, rtol=1e-12)
    np.testing.assert_allclose(sparse.sum(values[0]), values[0] @ sparse.matrix, rtol=1e-12)
    # By hand for one organisation: the sum of its own lines' values, draw by draw.
    np.testing.assert_allclose(sparse.sum(values)[:, 5], values[:, index == 5].sum(axis=1))
    # An organisation with no line sums to zero, not to a missing value.
    assert (sparse.sum(values)[:, 199] == 0).all()


@pytest.mark.parametrize("small_is_dense", [True, False])
def test_the_engine_gives_the_same_year_whichever_way_it_sums(
        monkeypatch: pytest.MonkeyPatch, bundled_system: cs.System, small_is_dense: bool) -> None:
    scenario = cs.Scenario.preset("blended", schemes=("frailty", "falls"), demand_shock=0.04,
                                  risk_share=0.5)
    dense_year = cs.run_year(bundled_system, scenario).organisations
    # The same system with the sums forced through np.bincount (as for 65+ organisations).
    monkeypatch.setattr(engine, "DENSE_MAX_ORGS", 0 if small_is_dense else 10**6)
    fresh = dataclasses.replace(bundled_system)  # a new object: its own engine inputs
    assert (inputs_for(fresh, scenario).provider.dense is None) == small_is_dense
    pd.testing.assert_frame_equal(cs.run_year(fresh, scenario).organisations, dense_year,
                                  check_exact=False, rtol=1e-12, atol=1e-9)
    pd.testing.assert_frame_equal(cs.project(fresh, scenario, years=3),
                                  cs.project(bundled_system, scenario, years=3),
                                  check_exact=False, rtol=1e-12, atol=1e-9)


def test_chunk_rows_follow_lines_and_organisations(bundled_system: cs.System,
                                                  big_300: cs.System) -> None:
    small = inputs_for(bundled_system, cs.Scenario())
    big = inputs_for(big_300, cs.Scenario())
    assert rows_per_chunk(small) == engine.MAX_CHUNK_ROWS
    # 20,000 lines x 8 values + 300 organisations x 8 values + 10 schemes x 4, 8 bytes each:
    # 1,299,520 bytes a row, so 256 MiB (268,435,456 bytes) holds 206 rows.
    assert 8 * (8 * 20_000 + 8 * 300 + 4 * 10) == 1_299_520
    assert rows_per_chunk(big) == 268_435_456 // 1_299_520 == 206
    assert rows_per_chunk(big, budget_bytes=1) == 1  # never zero


def test_simulate_of_300_organisations_and_20000_lines_stays_within_its_budget(
        monkeypatch: pytest.MonkeyPatch, big_300: cs.System) -> None:
    budget = 64 * MIB
    monkeypatch.setattr(engine, "CHUNK_BUDGET_BYTES", budget)
    draws = 1_000
    inputs = inputs_for(big_300, cs.Scenario())
    assert draws // rows_per_chunk(inputs) >= 10  # many chunks: the chunking is what runs
    cs.simulate(big_300, cs.Scenario(), draws=2, seed=0)  # warm caches outside the count
    tracemalloc.start()
    try:
        frame = cs.simulate(big_300, cs.Scenario(), draws=draws, seed=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    result = frame.memory_usage(deep=True).sum()
    assert len(frame) == draws * 300
    assert np.isfinite(frame.select_dtypes(float).to_numpy()).all()
    # Peak = the result being filled + one chunk of working memory + small change; without
    # the chunking it would be about 1,000 x 20,000 x 8 values x 8 bytes = 1.3 GB.
    assert peak < result + budget + 16 * MIB, f"peak {peak / MIB:.0f} MiB"


def test_results_beyond_the_row_limit_are_refused_saying_what_fits(
        monkeypatch: pytest.MonkeyPatch, system_130: cs.System) -> None:
    monkeypatch.setattr(risk, "MAX_ROWS", 130 * 50)
    assert len(cs.simulate(system_130, cs.Scenario(), draws=50)) == 130 * 50
    with pytest.raises(cs.ScenarioError, match=r"draws = 51 x 130 organisations is 6,630 rows, "
                                               r"more than a result may hold \(6,500\); use at "
                                               r"most 50 draws for this system"):
        cs.simulate(system_130, cs.Scenario(), draws=51)
    with pytest.raises(cs.ScenarioError, match="use at most 50 draws"):
        risk.contingency_reserves(system_130, cs.Scenario(), draws=51)


# --------------------------------------------------------------------------- finite figures


@pytest.mark.parametrize(("table", "column", "value", "limit"), [
    ("organisations", "cost_base_gbp_m", 1e308, "100,000"),
    ("organisations", "control_total_gbp_m", -1e308, "-100,000 to 100,000"),
    ("service_lines", "unit_price_gbp", 1e308, "10,000,000"),
    ("service_lines", "planned_activity", 2e9, "1,000,000,000"),
    ("schemes", "cost_gbp_m", 1e200, "100,000"),
])
def test_values_no_real_system_has_are_refused_naming_the_limit(
        tmp_path: Path, table: str, column: str, value: float, limit: str) -> None:
    tables = big_tables(orgs=20, lines=60)
    tables[table].loc[0, column] = value
    with pytest.raises(cs.DataError) as error:
        cs.load_system(write_csv(tables, tmp_path))
    (problem,) = error.value.problems
    assert (problem.row, problem.column) == (2, column)
    assert limit in problem.message and f"{value:g}" in problem.message


def test_a_non_finite_figure_never_leaves_the_engine(bundled_system: cs.System) -> None:
    # A system built by hand, past the loader's limits: the engine refuses to pass on inf.
    # (The one-off support shared by cost base then makes every NHS position NaN: the
    # message names the first organisation, the first CCG.)
    orgs = bundled_system.organisations.copy()
    orgs.loc["bthft", "cost_base_gbp_m"] = 1e308
    huge = dataclasses.replace(bundled_system, organisations=orgs)
    scenario = cs.Scenario(cost_inflation=0.1)  # 1e308 x 1.1 is infinite
    message = r"the model's position of bd_ccg is not a finite number.*data/README.md"
    for run in (lambda: cs.run_year(huge, scenario), lambda: cs.simulate(huge, scenario, draws=5),
                lambda: cs.project(huge, scenario, years=2)):
        with pytest.raises(cs.DataError, match=message):
            run()
    # The same check on a system within the limits passes: it is not a check that always fails.
    assert np.isfinite(cs.run_year(bundled_system, scenario).organisations.position_gbp_m).all()


def test_figures_at_every_limit_stay_finite_through_every_model(tmp_path: Path) -> None:
    # The claim behind the limits: a system with every figure at its largest allowed value
    # (all at once) still gives finite numbers everywhere. 1e16 pounds a line, 60 lines.
    tables = big_tables(orgs=12, lines=60, schemes=3)
    orgs, lines, schemes = (tables[n] for n in ("organisations", "service_lines", "schemes"))
    for column in ("allocation_gbp_m", "other_spend_gbp_m", "other_income_gbp_m",
                   "incentive_fund_gbp_m"):
        orgs[column] = schema.MAX_MONEY_GBP_M
    providers = ~orgs.kind.isin(["commissioner", "local_authority"])
    orgs.loc[providers, "cost_base_gbp_m"] = schema.MAX_MONEY_GBP_M  # payers have none
    orgs["control_total_gbp_m"] = [(-1) ** k * schema.MAX_MONEY_GBP_M for k in range(len(orgs))]
    lines["planned_activity"] = schema.MAX_ACTIVITY
    lines["unit_price_gbp"] = schema.MAX_UNIT_PRICE_GBP
    lines["demand_growth"] = 0.5
    lines["demand_cv"] = 1.0
    schemes["cost_gbp_m"] = schema.MAX_MONEY_GBP_M
    schemes["leadership_load"] = 5e-324  # the smallest load there is
    system = cs.load_system(write_csv(tables, tmp_path))
    scenario = cs.Scenario.preset("blended", demand_shock=0.3, cost_inflation=0.15,
                                  price_uplift=0.15, risk_share=1.0, incentive_fund_scale=2.0,
                                  social_care_budget_change=-0.3, schemes=("scheme_0",))
    frames = {
        "run_year": cs.run_year(system, scenario).organisations,
        "simulate": cs.simulate(system, scenario, draws=200, seed=3),
        "project": cs.project(system, scenario, years=15),
        "best_portfolios": cs.best_portfolios(system, scenario),
        "bridge_table": cs.bridge_table(system, scenario),
        "contingency_reserves": cs.contingency_reserves(system, scenario, draws=200),
    }
    for name, frame in frames.items():
        values = frame.select_dtypes("number").to_numpy(dtype=float)
        assert np.isfinite(values).all(), name
    # Sizes as intended: a line is 1e9 units x £1e7 (x the year's growth) = about £1e10m.
    assert frames["run_year"].contract_income_gbp_m.max() > 1e10
