"""The team round: kernel time of one slider move on a table's page (the target is 30 ms
median, as every panel), and the comparison the console draws for a room of tables.

A move runs the engine for the table's deal (the baseline's year is run once per round and
kept), judges it against the control total three ways and asks every organisation whether it
would sign; ``lever_effects`` (which levers move the system) runs once per round's demand.
"""

from __future__ import annotations

import dataclasses

from panels import move_slider

from casestudy.compare import TeamEntry, compare_entries, lever_effects, round_baseline
from casestudy.ui.predict import ALONE
from casestudy.ui.team_round import TeamRoundPanel

ROUND = round_baseline(0.03)


def test_bench_team_round_flex_slider(benchmark, system):
    panel = TeamRoundPanel(system, page=ALONE)
    move_slider(benchmark, panel, panel.controls["flex"], [k / 20 for k in range(21)])


def test_bench_team_round_social_care_slider(benchmark, system):
    panel = TeamRoundPanel(system, page=ALONE)
    move_slider(benchmark, panel, panel.controls["social_care_budget_change"],
                [k / 100 for k in range(-30, 31, 3)])


def test_bench_console_compares_twelve_tables(benchmark, system):
    entries = [TeamEntry(team=f"Table {k}", scenario=dataclasses.replace(
        ROUND, risk_share=k / 12, flex=0.1 + k / 40)) for k in range(12)]
    benchmark(compare_entries, system, entries, baseline=ROUND)


def test_bench_lever_effects(benchmark, system):
    benchmark.pedantic(lever_effects, args=(system, ROUND), rounds=3, iterations=1)
