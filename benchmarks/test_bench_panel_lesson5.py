"""Lesson 5's panels: kernel time of one slider move (the target is 30 ms median).

Each round moves one control to a new value, so every round computes a new scenario;
``last_render_ms`` (the panel's own clock) is recorded beside pytest-benchmark's timing.
"""

from __future__ import annotations

import pytest
from panels import move_slider

from casestudy.ui import lesson5


@pytest.mark.parametrize("control, values", [
    ("social_care_budget_change", [k / 100 for k in range(-30, 0)] + [k / 100 for k in range(1, 31)]),
    ("social_care_knock_on", [k / 100 for k in range(101)]),
])
def test_bench_social_care_panel(benchmark, system, control, values):
    panel = lesson5.SocialCarePanel(system)
    move_slider(benchmark, panel, panel.controls[control], values)


def test_bench_voluntary_panel_flex(benchmark, system):
    panel = lesson5.VoluntaryPanel(system)
    # New flex values every round: the per-scheme tests are computed afresh each time.
    move_slider(benchmark, panel, panel.controls["flex"], [k / 100 for k in range(101)])


def test_bench_voluntary_panel_scheme_box(benchmark, system):
    panel = lesson5.VoluntaryPanel(system)
    box = next(iter(panel.boxes.values()))
    move_slider(benchmark, panel, box, [False, True])
