"""The game resumes after a crash, for real: a process plays part of round 1 into the store
(a SQLite file, and PostgreSQL) and is SIGKILLed mid-round, after some decisions and before
the lock; a new process opens the game and plays on (tests/game_script.py, every write with
an idempotency key, as a table's page retries). The final record equals that of the same
seeded game played without a crash: every decision kept, none doubled.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import game_script
from tiny import TINY_TABLES, write_tables

from casestudy.game import open_game
from casestudy.game.record import DECISION_EVENTS
from casestudy.room import rooms_in

SCRIPT = Path(game_script.__file__)
PAUSE_AFTER = 3  # of round 1's eight table decisions


def _run(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(SCRIPT), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _kinds(game) -> Counter:
    return Counter(e.kind for e in game.room.events())


def test_a_game_killed_mid_round_resumes_in_a_new_process_with_nothing_lost(db, tmp_path):
    system = write_tables(tmp_path / "tiny", TINY_TABLES)
    # The same seeded game, uninterrupted (in this process).
    whole = game_script.play(db, system)
    # A process plays part of round 1 and is killed while it writes.
    first = _run(db, str(system), "--pause-after", str(PAUSE_AFTER))
    _, code, key = first.stdout.readline().split()
    assert first.stdout.readline().strip() == "ready"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL
    killed = open_game(code, db)
    state = killed.state()
    assert (state.round, state.phase) == (1, "plan")  # before the lock
    made = dict(state.decided(1))
    assert PAUSE_AFTER <= len(made) < 8, made  # some decisions, not all
    # A new process opens the game and plays on.
    second = _run(db, str(system), "--resume", code, key)
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    resumed = json.loads(out.split("record ", 1)[1])
    assert resumed == json.loads(json.dumps(whole))
    # Every decision made before the kill kept, as it was; none written twice.
    after = open_game(code, db)
    for key_, decided in made.items():
        assert after.state().decided(1)[key_].event_id == decided.event_id
    uninterrupted = next(g for g in _games(db) if g.code not in (code,))
    assert _kinds(after) == _kinds(uninterrupted)
    assert sum(_kinds(after)[k] for k in DECISION_EVENTS) > 2 * 8  # tables' and bots'


def _games(db):
    return [open_game(info.code, db) for info in rooms_in(db)]


