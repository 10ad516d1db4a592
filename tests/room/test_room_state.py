"""State derived from events alone (no database): hand-built records, hand-worked answers."""

from __future__ import annotations

import itertools

import pytest

from casestudy import Scenario
from casestudy.room import Event, RoomInfo, derive

INFO = RoomInfo("K7M4QX", "Friday", 1000.0)


def record(*rows: tuple) -> list[Event]:
    """Events from (team, kind, payload, at_s, by) rows; ids 1, 2, 3..."""
    ids = itertools.count(1)
    return [Event(next(ids), INFO.code, team, kind, payload, at, by)
            for team, kind, payload, at, by in rows]


def joins(*names: str, bots: tuple[str, ...] = ()) -> list[tuple]:
    return [(i, "join", {"name": n, "bot": n in bots}, 1000.0 + i, "room")
            for i, n in enumerate(names, start=1)]


OPEN = (None, "moment_open", {"moment": "m", "question": "Who pays?",
                              "options": ["Commissioner", "Provider", "Nobody"]}, 1100.0, "console")


def predict(team: int, choice: int, at: float = 1110.0) -> tuple:
    return (team, "prediction", {"moment": "m", "choice": choice}, at, "table")


def test_right_share_is_the_share_of_predicting_tables_that_chose_the_answer():
    # Five real tables choose 1, 1, 0, 2, 1; a bot chooses 1. The answer is 1.
    # Real tables: 3 right of 5 = 0.6. With the bot: 4 of 6 = 0.667.
    rows = [*joins("A", "B", "C", "D", "E", "Bot", bots=("Bot",)), OPEN,
            predict(1, 1), predict(2, 1), predict(3, 0), predict(4, 2), predict(5, 1),
            predict(6, 1),
            (None, "moment_reveal", {"moment": "m", "answer": 1}, 1200.0, "console")]
    moment = derive(INFO, record(*rows)).moments["m"]
    assert moment.status == "revealed" and moment.answer == 1
    assert moment.distribution() == (1, 3, 1)
    assert moment.distribution(bots=True) == (1, 4, 1)
    assert moment.right_share() == pytest.approx(3 / 5)
    assert moment.right_share(bots=True) == pytest.approx(4 / 6)
    assert moment.bot_predictions == {6: 1}


def test_a_tables_last_prediction_while_open_counts_and_none_after_the_lock():
    rows = [*joins("A", "B"), OPEN, predict(1, 0), predict(1, 2), predict(2, 1),
            (None, "moment_lock", {"moment": "m"}, 1150.0, "console"),
            predict(2, 0, at=1160.0),  # after the lock: ignored
            (None, "moment_reveal", {"moment": "m", "answer": 2}, 1200.0, "console")]
    moment = derive(INFO, record(*rows)).moments["m"]
    assert dict(moment.predictions) == {1: 2, 2: 1}
    assert moment.right_share() == pytest.approx(1 / 2)


def test_a_reopened_moment_takes_predictions_again_and_a_revealed_one_never():
    rows = [*joins("A"), OPEN, (None, "moment_lock", {"moment": "m"}, 1150.0, "console"),
            predict(1, 0), OPEN, predict(1, 1),
            (None, "moment_reveal", {"moment": "m", "answer": 1}, 1200.0, "console"),
            predict(1, 2), OPEN]  # after the reveal: both ignored
    moment = derive(INFO, record(*rows)).moments["m"]
    assert (moment.status, dict(moment.predictions), moment.right_share()) == ("revealed", {1: 1}, 1.0)


def test_nothing_counts_before_the_reveal_or_without_predictions():
    state = derive(INFO, record(*joins("A"), OPEN))
    assert state.moments["m"].right_share() is None
    assert state.moments["m"].distribution() == (0, 0, 0)
    rows = [*joins("A"), OPEN, (None, "moment_reveal", {"moment": "m", "answer": 0}, 1.0, "console")]
    assert derive(INFO, record(*rows)).moments["m"].right_share() is None


def test_predictions_to_unknown_moments_or_options_or_from_unknown_teams_are_ignored():
    rows = [*joins("A"), OPEN, (1, "prediction", {"moment": "other", "choice": 0}, 1.0, "table"),
            predict(1, 7), predict(9, 0)]
    moment = derive(INFO, record(*rows)).moments["m"]
    assert moment.distribution(bots=True) == (0, 0, 0)


def test_teams_in_joining_order_with_their_own_last_activity():
    rows = [*joins("Table 3", "Bot table 1", bots=("Bot table 1",)), OPEN, predict(1, 0, at=1300.0),
            (2, "prediction", {"moment": "m", "choice": 0}, 1400.0, "console")]  # on its behalf
    teams = derive(INFO, record(*rows)).teams
    assert [(t.name, t.bot) for t in teams.values()] == [("Table 3", False), ("Bot table 1", True)]
    assert teams[1].last_active_s == 1300.0
    assert teams[2].last_active_s == teams[2].joined_at_s == 1002.0  # the console's write is not its activity


def test_the_last_scenario_of_each_team_and_round_counts():
    first, second = Scenario.preset("blended"), Scenario.preset("fixed_income", risk_share=0.5)
    rows = [*joins("A", "B"),
            (1, "scenario", {"round": 1, "scenario": first.to_dict()}, 1.0, "table"),
            (1, "scenario", {"round": 1, "scenario": second.to_dict(), "reason": "Pool it"}, 2.0, "table"),
            (2, "scenario", {"round": 2, "scenario": first.to_dict()}, 3.0, "table")]
    state = derive(INFO, record(*rows))
    assert set(state.scenarios) == {(1, 1), (2, 2)}
    assert state.scenarios[1, 1].scenario == second and state.scenarios[1, 1].reason == "Pool it"
    assert state.scenarios[1, 1].event_id == 4
    assert list(state.round_scenarios(1)) == [1] and list(state.round_scenarios(2)) == [2]


def test_phases_in_order_and_the_timer_counts_down_then_stops():
    rows = [(None, "phase", {"name": "plan", "round": 1}, 100.0, "console"),
            (None, "timer_start", {"seconds": 600, "label": "Team round"}, 100.0, "console"),
            (None, "phase", {"name": "debrief"}, 700.0, "console")]
    state = derive(INFO, record(*rows))
    assert [(p.name, p.round) for p in state.phases] == [("plan", 1), ("debrief", None)]
    assert state.phase.name == "debrief"
    timer = state.timer
    assert timer.ends_at_s == 700.0
    assert timer.remaining_s(250.0) == 450.0 and timer.remaining_s(800.0) == 0.0
    stopped = derive(INFO, record(*rows, (None, "timer_stop", {}, 300.0, "console"))).timer
    assert stopped.stopped_at_s == 300.0 and stopped.remaining_s(250.0) == 0.0


def test_events_of_kinds_the_room_does_not_know_are_counted_and_left_to_their_owner():
    rows = [*joins("A"), (1, "contract_offer", {"to": "bthft"}, 1500.0, "table")]
    state = derive(INFO, record(*rows))
    assert state.kinds == {"join": 1, "contract_offer": 1}
    assert (state.event_count, state.last_event_id) == (2, 2)
    assert state.teams[1].last_active_s == 1500.0


def test_the_same_events_give_the_same_state():
    rows = record(*joins("A", "B"), OPEN, predict(1, 0), predict(2, 2))
    assert derive(INFO, rows) == derive(INFO, list(rows))
