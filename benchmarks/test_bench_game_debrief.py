"""The game's debrief on the bundled system, three rounds with a deal in each: its facts
(every round played again, and each round again with the vote flipped and with the
council's spending held), the five charts' specs as the page draws them, and the one-page
e-mailed debrief (five charts drawn to SVG by vl_convert)."""

from __future__ import annotations

import pytest
from test_bench_game import DEAL

from casestudy.charts import LiveSpec
from casestudy.charts.game_debrief import lesson_figures
from casestudy.game import new_game
from casestudy.game.debrief import page_html
from casestudy.game.facts import debrief_of


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    game, key = new_game(tmp_path_factory.mktemp("bench") / "rooms.sqlite", seed=3)
    console = game.console(key)
    for number in (1, 2, 3):
        console.advance()
        for (kind, target), value in sorted(DEAL.items(), key=lambda kv: kv[0][0] != "offer"):
            if kind == "accept":
                console.answer_for(game.setup.owner((kind, target)), target, value)
            else:
                console.decide_for(game.setup.owner((kind, target)), (kind, target), value)
        console.advance()
        console.advance()
        console.advance()
    return game


def test_bench_game_debrief_facts(benchmark, game):
    debrief = benchmark(debrief_of, game)
    assert debrief.played == 3 and len(debrief.care) == 3


def test_bench_game_debrief_charts(benchmark, game):
    debrief = debrief_of(game)
    live = LiveSpec()
    [live.spec(f) for f in lesson_figures(debrief)]  # drawn once per shape, as a page does
    specs = benchmark(lambda: [live.spec(f) for f in lesson_figures(debrief)])
    assert len(specs) == 5


def test_bench_game_debrief_emailed_page(benchmark, game):
    debrief = debrief_of(game)
    page = benchmark.pedantic(page_html, args=(debrief,), rounds=3, iterations=1,
                              warmup_rounds=1)
    assert page.count("<svg") == 5
