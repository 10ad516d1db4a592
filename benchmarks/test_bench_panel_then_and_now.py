"""Notebook 7's panel: kernel time of one control move (the target is 30 ms median).

A move of demand against plan (or of the years) projects the system under all seven presets
(``change_by_preset``, seven projections); a move of the payment rule only redraws, since
the projection does not depend on the rule chosen (the panel keeps it). Each round moves a
control to a value it did not hold the round before.
"""

from __future__ import annotations

from panels import move_slider

import casestudy as cs
from casestudy.projection import change_by_preset
from casestudy.ui import then_and_now


def test_bench_change_by_preset(benchmark, system):
    scenario = cs.Scenario(demand_shock=0.03)
    benchmark(change_by_preset, system, scenario)


def test_bench_panel_demand(benchmark, system):
    panel = then_and_now.RegimesPanel(system)
    # 30 values and a cache of 8 scenarios: every round projects afresh.
    move_slider(benchmark, panel, panel.controls["demand_shock"], [k / 100 for k in range(-10, 20)])


def test_bench_panel_payment(benchmark, system):
    panel = then_and_now.RegimesPanel(system)
    move_slider(benchmark, panel, panel.controls["payment"], list(cs.PRESETS))


def test_bench_panel_years(benchmark, system):
    panel = then_and_now.RegimesPanel(system)
    move_slider(benchmark, panel, panel.controls["years"], [3, 4, 5, 6, 7, 8, 9, 10, 11])
