"""Lesson 3's panels: kernel time of one slider move (the target is 30 ms median).

Each round moves one control between two values, so every round redraws a new scenario;
``last_render_ms`` (the panel's own clock) is recorded beside pytest-benchmark's timing.
The reserve panel's simulation is drawn when the panel is built; a confidence move only
takes quantiles of the kept draws.
"""

from __future__ import annotations

import pytest
from panels import move_slider

from casestudy.ui import lesson3


def test_bench_bridge_panel_slider(benchmark, system):
    panel = lesson3.BridgePanel(system)
    # Fifty distinct values: every timed move computes a new bridge (none is reused).
    move_slider(benchmark, panel, panel.controls["cost_inflation"], [k / 1000 for k in range(10, 60)])


def test_bench_bridge_panel_picker(benchmark, system):
    panel = lesson3.BridgePanel(system)
    values = [value for _, value in panel.picker.options][:4]
    move_slider(benchmark, panel, panel.picker, values)


def test_bench_reserve_panel_confidence(benchmark, system):
    panel = lesson3.ReservePanel(system)
    move_slider(benchmark, panel, panel.confidence, [0.8, 0.95, 0.9, 0.85])


def test_bench_linkage_panel_slider(benchmark, system):
    panel = lesson3.LinkagePanel(system)
    move_slider(benchmark, panel, panel.controls["system_linkage"], [1.0, 0.5, 0.0, 0.25])


@pytest.mark.parametrize("control", ["risk_share", "demand_shock"])
def test_bench_linkage_panel_other_sliders(benchmark, system, control):
    panel = lesson3.LinkagePanel(system)
    move_slider(benchmark, panel, panel.controls[control], [0.5, 0.02, 0.3, 0.04])
