"""Lesson 4's panels: kernel time of one slider move (the target is 30 ms median).

Each round moves a control to a value it did not hold the round before, so every round
redraws a new scenario; ``last_render_ms`` (the panel's own clock) is recorded beside
pytest-benchmark's timing. The certainty panel's draws are simulated when it is built; a
demand move shifts them by the engine's certain-year change. The years panel projects five
years under each of the four payment rules on every move.
"""

from __future__ import annotations

import pytest
from panels import move_slider

from casestudy.ui import lesson4


def test_bench_certainty_panel_demand(benchmark, system):
    panel = lesson4.CertaintyPanel(system)
    move_slider(benchmark, panel, panel.controls["demand_shock"], [k / 100 for k in range(-10, 20)])


@pytest.mark.parametrize("control, values", [
    ("non_recurrent_support_gbp_m", [float(v) for v in range(0, 60, 2)]),
    ("recurrent_share", [k / 20 for k in range(20)]),
    ("rebase_fixed_income", [True, False]),
])
def test_bench_years_panel(benchmark, system, control, values):
    panel = lesson4.YearsPanel(system)
    move_slider(benchmark, panel, panel.controls[control], values)


def test_bench_elective_panel_rate(benchmark, system):
    panel = lesson4.ElectivePanel(system)
    move_slider(benchmark, panel, panel.controls["elective_variable_rate"], [k / 20 for k in range(21)])


def test_bench_elective_panel_shortfall(benchmark, system):
    panel = lesson4.ElectivePanel(system)
    move_slider(benchmark, panel, panel.shortfall, [k / 100 for k in range(1, 21)])
