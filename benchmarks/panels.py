"""Timing a panel's slider: the one helper every panel benchmark uses."""

from __future__ import annotations

import itertools


def move_slider(benchmark, panel, widget, values, rounds: int = 40) -> None:
    """Time one move of ``widget`` per round, cycling through ``values`` (each round redraws a
    new scenario), and record the panel's own clock (``last_render_ms``) beside pytest-benchmark's."""
    panel.update()  # draw once per shape before timing, as the notebook does on display
    cycle = itertools.cycle(values)
    widget.value = next(cycle)
    timings = []

    def move():
        widget.value = next(cycle)
        timings.append(panel.last_render_ms)

    benchmark.pedantic(move, rounds=rounds, iterations=1, warmup_rounds=2)
    timings.sort()
    benchmark.extra_info["last_render_ms_median"] = timings[len(timings) // 2]
