"""The exhaustive portfolio search: every subset of the 12 bundled schemes in one engine call."""

from __future__ import annotations

import casestudy as cs


def test_bench_best_portfolios(benchmark, system, scenario):
    benchmark.extra_info["schemes"] = len(system.schemes)
    assert len(system.schemes) == 12
    benchmark(cs.best_portfolios, system, scenario)


def test_bench_portfolio(benchmark, system, scenario):
    benchmark(cs.portfolio, system, scenario)
