"""One certain year: target at most 2 ms for ``run_year`` (the engine plus its tables)."""

from __future__ import annotations

import casestudy as cs


def test_bench_run_year(benchmark, system, scenario):
    # The organisations table is what a widget shows, so building it is part of the cost.
    benchmark(lambda: cs.run_year(system, scenario).organisations)


def test_bench_run_year_engine_only(benchmark, system, scenario):
    benchmark(cs.run_year, system, scenario)
