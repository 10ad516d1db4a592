"""Team rounds in the store, on SQLite and on PostgreSQL: opened with their demand, locked
with the slowest tables given the round's baseline (written by the console, in the same
transaction), revealed one table at a time; what breaks a rule is refused and changes
nothing; the state after a restart is the same. And the bots that play rounds along, and
the room ``make workshop`` prepares."""

from __future__ import annotations

import threading
import time

import pytest

from casestudy import Scenario
from casestudy.room import RoomError, close_all, new_room, open_room
from casestudy.room import bots as bot_tables
from casestudy.room.session import REUSE_HOURS, announce, prepare, room_addresses

BASE = Scenario(demand_shock=0.03)


@pytest.fixture
def round_room(db):
    room, key = new_room(db, title="Rounds")
    tables = [room.join(f"Table {i}") for i in range(1, 4)]
    return room, room.console(key), tables


def test_a_round_from_open_to_the_last_reveal(round_room, db):
    room, console, (one, two, three) = round_room
    console.open_round(1, 0.03)
    one.save_scenario(BASE, round=1, reason="first")
    one.save_scenario(Scenario(demand_shock=0.03, risk_share=0.5), round=1, reason="second")
    two.save_scenario(Scenario(demand_shock=0.03, flex=0.0), round=1)
    held = room.state().rounds[1]
    assert (held.demand_shock, held.status, held.revealed) == (0.03, "open", ())
    written = console.lock_round(1, BASE)
    # The slowest table got the baseline, written by the console, before the lock.
    assert [(e.kind, e.team_id, e.by) for e in written] == [
        ("scenario", three.team_id, "console"), ("round_lock", None, "console")]
    state = room.state()
    deals = state.round_scenarios(1)
    assert deals[one.team_id].reason == "second" and deals[one.team_id].by == "table"
    assert deals[three.team_id].scenario == BASE and deals[three.team_id].by == "console"
    assert state.rounds[1].status == "locked"
    for table in (two, one, three):
        console.reveal_team(1, table.team_id)
    assert room.state().rounds[1].revealed == (two.team_id, one.team_id, three.team_id)
    close_all()  # a restart: the same state from the record alone
    again = open_room(room.code, db).state()
    assert again.rounds == room.state().rounds
    assert again.round_scenarios(1) == state.round_scenarios(1)


def test_what_breaks_a_rounds_rules_is_refused_and_changes_nothing(round_room):
    room, console, (one, two, _) = round_room
    with pytest.raises(RoomError, match="round 1 is not open"):
        console.lock_round(1, BASE)
    with pytest.raises(RoomError, match="round 1 is not open"):
        console.reveal_team(1, one.team_id)
    console.open_round(1, 0.03)
    with pytest.raises(RoomError, match="round 1 is already open"):
        console.open_round(1, 0.05)
    with pytest.raises(RoomError, match="still open: lock it first"):
        console.reveal_team(1, one.team_id)
    with pytest.raises(RoomError, match="round_open.demand_shock"):
        console.open_round(2, 0.9)  # beyond the scenario field's range
    before = room.state().event_count
    console.lock_round(1, BASE)
    after_lock = room.state().event_count
    with pytest.raises(RoomError, match="round 1 is locked"):
        two.save_scenario(BASE, round=1, reason="too late")
    with pytest.raises(RoomError, match="already locked"):
        console.lock_round(1, BASE)
    with pytest.raises(RoomError, match="no table 99999"):
        console.reveal_team(1, 99999)
    console.reveal_team(1, one.team_id)
    with pytest.raises(RoomError, match="already shown"):
        console.reveal_team(1, one.team_id)
    with pytest.raises(RoomError, match="round_lock"):
        one.record("round_lock", {"round": 1})  # a table cannot lock a round
    assert room.state().event_count == after_lock + 1  # the one reveal
    assert after_lock == before + 3 + 1  # three baselines and the lock
    assert room.state().round_scenarios(1)[two.team_id].by == "console"


def test_a_lock_retried_with_its_key_locks_once(round_room):
    room, console, _ = round_room
    console.open_round(1, 0.0)
    first = console.lock_round(1, Scenario(), key="lock-round-1")
    again = console.lock_round(1, Scenario(), key="lock-round-1")
    assert again == [first[-1]]  # the lock the retry finds; no baseline written twice
    assert room.state().kinds["scenario"] == 3


def test_tables_writing_at_the_lock_are_either_in_or_refused(round_room):
    # Twelve tables racing the lock: each deal is in the round, or refused with a message;
    # every table ends the round with exactly one deal.
    room, console, _ = round_room
    tables = [room.join(f"Racer {i}") for i in range(12)]
    console.open_round(1, 0.03)
    start = threading.Barrier(13)
    results: dict[int, str] = {}

    def send(table):
        start.wait()
        try:
            table.save_scenario(Scenario(demand_shock=0.03, risk_share=0.25), round=1)
            results[table.team_id] = "sent"
        except RoomError as exc:
            results[table.team_id] = str(exc)

    threads = [threading.Thread(target=send, args=(t,)) for t in tables]
    for thread in threads:
        thread.start()
    start.wait()
    console.lock_round(1, BASE)
    for thread in threads:
        thread.join()
    deals = room.state().round_scenarios(1)
    assert len(deals) == len(room.state().teams) == 15
    for table in tables:
        mine = deals[table.team_id]
        if results[table.team_id] == "sent":
            assert mine.by == "table"
        else:
            assert "round 1 is locked" in results[table.team_id] and mine.by == "console"


def test_bots_play_the_rounds_the_console_opens(tmp_path, monkeypatch):
    monkeypatch.setattr(bot_tables, "ROUND_PAUSE_S", (0.0, 0.5))  # not half a minute
    rooms = str(tmp_path / "rooms")
    room, key = new_room(rooms)
    console = room.console(key)
    console.open_round(1, 0.02)
    began = time.monotonic()
    results = bot_tables.play(room.code, rooms, tables=3, seed=5, rounds=0, linger_s=3,
                              processes=False, scheme_ids=("frailty", "falls"))
    assert time.monotonic() - began < 30
    deals = room.state().round_scenarios(1)
    names = {t.team_id: t.name for t in room.state().teams.values()}
    # The last bot is slow: it never sends, so the facilitator has a table to advance.
    assert sorted(names[t] for t in deals) == ["Bot table 1", "Bot table 2"]
    assert all(d.scenario.demand_shock == 0.02 and d.reason for d in deals.values())
    assert [r.scenarios for r in results] == [1, 1, 0]


def test_the_workshops_room_is_made_then_found_again_with_a_new_key(tmp_path):
    rooms = str(tmp_path / "rooms")
    first = prepare(rooms)
    again = prepare(rooms)
    assert first.made and not again.made and again.room.code == first.room.code
    with pytest.raises(RoomError, match="not this room's key"):
        again.room.console(first.key)  # the old key stopped working
    again.room.console(again.key)
    later = prepare(rooms, now=time.time() + (REUSE_HOURS + 1) * 3600)
    assert later.made and later.room.code != first.room.code
    chosen = prepare(rooms, code=first.room.code.lower())
    assert chosen.room.code == first.room.code and not chosen.made
    assert prepare(rooms, new=True).room.code not in (first.room.code, later.room.code)
    text = announce(chosen, host="127.0.0.1", port=8866)
    assert chosen.key in text and "make workshop HOST=0.0.0.0" in text
    addresses = room_addresses("K7M4QX", "0.0.0.0", 8866)
    assert addresses["console"].startswith("http://127.0.0.1:8866/voila/render/facilitator/")
    assert addresses["join"].endswith(":8866/voila/render/room/join.ipynb?room=K7M4QX")
    close_all()
