"""Lesson 2's panels: kernel time of one slider move (the target is 30 ms median).

Each round moves one control between values, so every round redraws a new scenario;
``last_render_ms`` (the panel's own clock) is recorded beside pytest-benchmark's timing. The
shift (its organisations and cost per admission) is built once when the panel is; a move
runs the engine for the four payment rules (the shift panel) or the chosen one.
"""

from __future__ import annotations

import pytest
from panels import move_slider

from casestudy.ui import lesson2


@pytest.mark.parametrize("cls", [lesson2.ShiftPanel, lesson2.GainSharePanel],
                         ids=["shift", "gain_share"])
def test_bench_lesson2_shift_slider(benchmark, system, cls):
    panel = cls(system)
    # Forty distinct sizes: every timed move is a new shift.
    move_slider(benchmark, panel, panel.share, [k / 200 for k in range(1, 41)])


@pytest.mark.parametrize("cls", [lesson2.ShiftPanel, lesson2.GainSharePanel],
                         ids=["shift", "gain_share"])
def test_bench_lesson2_flex_slider(benchmark, system, cls):
    panel = cls(system)
    move_slider(benchmark, panel, panel.controls["flex"], [k / 20 for k in range(21)])


@pytest.mark.parametrize("cls", [lesson2.ShiftPanel, lesson2.GainSharePanel],
                         ids=["shift", "gain_share"])
def test_bench_lesson2_payment_rule(benchmark, system, cls):
    panel = cls(system)
    move_slider(benchmark, panel, panel.controls["payment"],
          ["pbr_mret", "fixed_income", "blended", "api_2023"])
