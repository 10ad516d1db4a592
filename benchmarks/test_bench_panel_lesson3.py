"""Lesson 3's panels: kernel time of one slider move (the target is 30 ms median).

Each round moves one control between two values, so every round redraws a new scenario;
``last_render_ms`` (the panel's own clock) is recorded beside pytest-benchmark's timing.
The reserve panel's simulation is drawn when the panel is built; a confidence move only
takes quantiles of the kept draws.
"""

from __future__ import annotations

import itertools

import pytest

from casestudy.ui import lesson3


def _move(benchmark, panel, widget, values):
    panel.update()  # draw once per shape before timing, as the notebook does on display
    cycle = itertools.cycle(values)
    widget.value = next(cycle)
    timings = []

    def move():
        widget.value = next(cycle)
        timings.append(panel.last_render_ms)

    benchmark.pedantic(move, rounds=40, iterations=1, warmup_rounds=2)
    timings.sort()
    benchmark.extra_info["last_render_ms_median"] = timings[len(timings) // 2]


def test_bench_bridge_panel_slider(benchmark, system):
    panel = lesson3.BridgePanel(system)
    # Fifty distinct values: every timed move computes a new bridge (none is reused).
    _move(benchmark, panel, panel.controls["cost_inflation"], [k / 1000 for k in range(10, 60)])


def test_bench_bridge_panel_picker(benchmark, system):
    panel = lesson3.BridgePanel(system)
    values = [value for _, value in panel.picker.options][:4]
    _move(benchmark, panel, panel.picker, values)


def test_bench_reserve_panel_confidence(benchmark, system):
    panel = lesson3.ReservePanel(system)
    _move(benchmark, panel, panel.confidence, [0.8, 0.95, 0.9, 0.85])


def test_bench_linkage_panel_slider(benchmark, system):
    panel = lesson3.LinkagePanel(system)
    _move(benchmark, panel, panel.controls["system_linkage"], [1.0, 0.5, 0.0, 0.25])


@pytest.mark.parametrize("control", ["risk_share", "demand_shock"])
def test_bench_linkage_panel_other_sliders(benchmark, system, control):
    panel = lesson3.LinkagePanel(system)
    _move(benchmark, panel, panel.controls[control], [0.5, 0.02, 0.3, 0.04])
