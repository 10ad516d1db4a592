"""Lesson 1's panel: kernel time of one click or slider move (the target is 30 ms median).

Each round changes one control, so every round redraws a new scenario; ``last_render_ms``
(the panel's own clock) is recorded beside pytest-benchmark's timing. The best portfolio of
each size is searched for every value of the capacity slider at once, on the first drawing
(``benchmarks/test_bench_priorities.py`` times that search), and kept, so ticking schemes,
switching the rule or moving to any capacity reuses it; a capacity not looked up before
builds its table from the search, timed on its own below.
"""

from __future__ import annotations

from panels import move_slider

from casestudy.ui import lesson1


def _panel(system, tmp_path):
    panel = lesson1.PortfolioPanel(system, folder=tmp_path)
    panel.choose(list(system.schemes.index[:3]))
    return panel


def test_bench_portfolio_panel_tick_a_scheme(benchmark, system, tmp_path):
    panel = _panel(system, tmp_path)
    box = panel.boxes[system.schemes.index[4]]
    move_slider(benchmark, panel, box, [True, False])


def test_bench_portfolio_panel_payment_rule(benchmark, system, tmp_path):
    panel = _panel(system, tmp_path)
    move_slider(benchmark, panel, panel.controls["payment"],
          ["pbr_mret", "fixed_income", "blended", "api_2023"])


def test_bench_portfolio_panel_capacity_seen_before(benchmark, system, tmp_path):
    panel = _panel(system, tmp_path)
    move_slider(benchmark, panel, panel.controls["leadership_capacity"], [4.0, 6.0, 8.0])


def test_bench_portfolio_panel_capacity_first_time(benchmark, system, tmp_path):
    panel = _panel(system, tmp_path)
    # 60 distinct capacities (0.5 to 30): every timed move is one the learner has not made
    # before (its table is built from the search made on the first drawing).
    move_slider(benchmark, panel, panel.controls["leadership_capacity"],
          [k / 2 for k in range(1, 61)], rounds=30)
