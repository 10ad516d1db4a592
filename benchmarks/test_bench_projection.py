"""Five years, one engine call a year."""

from __future__ import annotations

import casestudy as cs


def test_bench_project_five_years(benchmark, system, scenario):
    benchmark(cs.project, system, scenario, years=5)
