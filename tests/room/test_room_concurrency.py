"""Many writers at once, a writer killed mid-session, and the bots command end to end, on
SQLite and on PostgreSQL. Events are counted: none lost, none doubled."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

from casestudy import Scenario, load_system
from casestudy.room import close_all, integer, new_room, open_room, register_kind
from casestudy.room.bots import play

register_kind("test_tick", {"n": integer(0, 10**6)}, help="a numbered write, for these tests")
WRITERS, WRITES = 12, 20
FORK = multiprocessing.get_context("fork")


def _writer(code: str, db: str, token: str, barrier, writes: int, start: int = 0) -> None:
    """A table's kernel: write ticks start..writes-1, each sent twice with one key, as a
    page does when its first answer is lost; the second must not double it."""
    table = open_room(code, db).table(token)
    if barrier is not None:
        barrier.wait(timeout=60)
    for n in range(start, writes):
        first = table.record("test_tick", {"n": n}, key=f"tick-{table.team_id}-{n}")
        again = table.record("test_tick", {"n": n}, key=f"tick-{table.team_id}-{n}")
        assert again.id == first.id


def _ticks(room) -> list:
    return room.events(kinds=["test_tick"])


def test_twelve_processes_write_at_once_and_a_poller_sees_each_event_once(db):
    room, _ = new_room(db)
    tokens = [room.join(f"Table {i}").token for i in range(1, WRITERS + 1)]
    barrier = FORK.Barrier(WRITERS)
    writers = [FORK.Process(target=_writer, args=(room.code, db, token, barrier, WRITES))
               for token in tokens]
    for writer in writers:
        writer.start()
    seen, last = [], 0
    while any(w.is_alive() for w in writers):  # a page polling while the tables write
        fresh = room.events(after=last)
        seen += [e.id for e in fresh]
        last = fresh[-1].id if fresh else last
        time.sleep(0.01)
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    seen += [e.id for e in room.events(after=last)]
    ticks = _ticks(room)
    assert len(ticks) == WRITERS * WRITES == 240  # none lost, none doubled
    assert len({(e.team_id, e.payload["n"]) for e in ticks}) == 240
    assert Counter(e.team_id for e in ticks) == {t: WRITES for t in room.state().teams}
    for team in room.state().teams:  # each writer's events in the order it wrote them
        assert [e.payload["n"] for e in ticks if e.team_id == team] == list(range(WRITES))
    every = [e.id for e in room.events()]
    assert every == sorted(set(every))
    assert seen == every  # the poll missed none, even one committed late under a smaller id


def test_a_writer_killed_mid_session_loses_nothing_and_the_room_carries_on(db):
    room, key = new_room(db)
    table = room.join("Table 1")
    writer = FORK.Process(target=_writer, args=(room.code, db, table.token, None, 10**6))
    writer.start()
    deadline = time.monotonic() + 60
    while len(_ticks(room)) < 30 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(writer.pid, signal.SIGKILL)  # the kernel dies mid-write
    writer.join()
    assert writer.exitcode == -signal.SIGKILL
    written = [e.payload["n"] for e in _ticks(room)]
    assert len(written) >= 30
    assert written == list(range(len(written)))  # every committed write whole, in order, no gap
    before = room.state()
    close_all()  # and the whole server with it
    again = open_room(room.code, db)
    assert again.state() == before
    # The page comes back and sends everything again from the start with the same keys:
    # what was stored is found, the rest is added, nothing is doubled.
    _writer(room.code, db, table.token, None, len(written) + 20)
    assert [e.payload["n"] for e in _ticks(again)] == list(range(len(written) + 20))
    again.console(key).set_phase("debrief")
    assert again.state().phase.name == "debrief"


def _bots(db: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "casestudy.room", "bots", "--db", db, *args],
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_bots_command_fills_a_room_with_twelve_tables_writing_at_once(db, tmp_path):
    if not db.startswith("postgresql"):
        db = str(tmp_path / "rehearsal.sqlite")  # one file, as a facilitator might name it
    done = _bots(db, "--tables", "12", "--rounds", "2", "--seed", "7")
    assert done.returncode == 0, done.stderr
    code = re.search(r"Room (\w{6}) \(Rehearsal with bots\) made in", done.stdout).group(1)
    assert re.search(r"Facilitator key \(shown this once; the console asks for it\): "
                     r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", done.stdout)
    assert "12 bot tables (seed 7, as processes)" in done.stdout
    assert "Joined: 12 bot tables; predictions: 12 at rehearsal; scenarios: 24" in done.stdout
    assert "Events written: 48 in" in done.stdout  # 12 joins + 12 predictions + 24 scenarios
    room = open_room(code, db)
    state = room.state()
    assert state.event_count == 49  # and the rehearsal question the command opened
    assert len(state.teams) == 12 and all(t.bot for t in state.teams.values())
    assert sorted(t.name for t in state.teams.values()) == sorted(
        f"Bot table {i}" for i in range(1, 13))
    moment = state.moments["rehearsal"]
    assert sum(moment.distribution(bots=True)) == 12 and sum(moment.distribution()) == 0
    assert len(state.scenarios) == 24
    assert all(isinstance(s.scenario, Scenario) and s.reason for s in state.scenarios.values())

    # The same seed again (bots forked from here this time): every write is found by its
    # key, nothing is added.
    play(code, db, tables=12, seed=7, rounds=2, scheme_ids=_schemes(state))
    assert room.state() == state

    # The same seed in another room, as threads: the same choices, table by table.
    other, key = new_room(db)
    other.console(key).open_moment("rehearsal", "Q?", ["A", "B", "C", "D"])
    play(other.code, db, tables=12, seed=7, rounds=2, processes=False,
         scheme_ids=_schemes(state))
    theirs = other.state()

    def by_name(s):
        return ({s.teams[t].name: c for t, c in s.moments["rehearsal"].bot_predictions.items()},
                {s.teams[t].name + str(r): c.payload for (t, r), c in s.scenarios.items()})

    assert by_name(theirs) == by_name(state)
    assert any(c.scenario.schemes for c in state.scenarios.values())  # bots back schemes too


def _schemes(state) -> tuple[str, ...]:
    """The scheme ids the command's bots drew from: the loaded system's, all of them."""
    used = {s for c in state.scenarios.values() for s in c.scenario.schemes}
    every = tuple(load_system().schemes.index)
    assert used <= set(every)
    return every
