"""The game: one round's computation for the whole system (issue 17: well under 100 ms), as
the reveal computes it: the year under a full deal, the same year with demand on plan (who
carried the volume risk) and with the deal undone (would each sign again), in one engine
call, and the state the next round starts from."""

from __future__ import annotations

import pytest

from casestudy.game.model import Decisions, Terms, first_round, play_round, setup_game, year_noise

DEAL = Decisions({
    ("offer", "commissioners.bthft"): Terms("blended"), ("accept", "commissioners.bthft"): True,
    ("offer", "commissioners.airedale"): Terms("fixed_value", 0.99),
    ("accept", "commissioners.airedale"): True,
    ("fund", "frailty"): True, ("commit", "frailty"): True,
    ("fund", "outpatient_transformation"): True,
    ("join", "bthft"): 1.0, ("join", "airedale"): 1.0, ("join", "bdcft"): 0.5,
    ("vote", "bthft"): True, ("vote", "airedale"): True,
    ("efficiency", "bthft"): 0.5, ("care", "council"): -0.05,
})


@pytest.fixture(scope="module")
def setup(system):
    return setup_game(system)


def test_bench_game_one_round(benchmark, setup):
    state = first_round(setup)
    noise = year_noise(setup, 7, 1)
    played = benchmark(play_round, setup, state, DEAL, noise=noise)
    assert played.result.system.control_total_gbp_m < 0
