"""The exhaustive portfolio search: every subset of the 12 bundled schemes, at one leadership
capacity and at every value of lesson 1's capacity slider (0 to 30 by 0.5) in one search."""

from __future__ import annotations

import casestudy as cs
from casestudy.priorities import best_portfolios_by_capacity

SLIDER = [k / 2 for k in range(61)]


def test_bench_best_portfolios(benchmark, system, scenario):
    benchmark.extra_info["schemes"] = len(system.schemes)
    assert len(system.schemes) == 12
    benchmark(cs.best_portfolios, system, scenario)


def test_bench_best_portfolios_every_slider_capacity(benchmark, system, scenario):
    """The engine pass for all 61 capacities (tables are built when looked up, timed below)."""
    search = benchmark(best_portfolios_by_capacity, system, scenario, SLIDER)
    benchmark.extra_info["engine_rows"] = search.engine_rows


def test_bench_best_portfolios_one_table_from_the_search(benchmark, system, scenario):
    """What a slider move at a capacity not yet looked up pays: one table from the search."""
    searches = iter([best_portfolios_by_capacity(system, scenario, SLIDER) for _ in range(30)])

    def look_up():
        return next(searches)[6.0]

    benchmark.pedantic(look_up, rounds=30, iterations=1)


def test_bench_portfolio(benchmark, system, scenario):
    benchmark(cs.portfolio, system, scenario)
