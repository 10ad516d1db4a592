"""The room's store: a table's write, a room's state, a page's once-a-second poll.

On SQLite (a file per room, WAL, synchronous=FULL: each commit waits for the disk) and on
PostgreSQL when one is reachable (``$CASESTUDY_TEST_PG_URL``, else a throwaway cluster from
Debian's binaries, with fsync off; see ``tests/pgcluster.py``).
"""

from __future__ import annotations

import pgcluster
import pytest

from casestudy import Scenario
from casestudy.room import close_all, derive, new_room, open_room

TABLES, EVENTS_EACH, MOMENTS = 12, 50, 10


@pytest.fixture(scope="module")
def pg_server():
    server = pgcluster.Server().start()
    yield server
    close_all()
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "rooms")
    server = request.getfixturevalue("pg_server")
    if server.url is None:
        pytest.skip(server.why_not)
    return server.fresh_url()


def full_room(db: str):
    """12 tables x 50 events each: a join, 30 predictions at 10 moments, 19 scenarios."""
    room, key = new_room(db)
    console = room.console(key)
    for m in range(MOMENTS):
        console.open_moment(f"lesson.m{m}", "Which?", ["A", "B", "C", "D"])
    scenarios = [Scenario.preset("blended", risk_share=r / 20) for r in range(20)]
    for t in range(TABLES):
        table = room.join(f"Table {t + 1}")
        for n in range(30):
            table.predict(f"lesson.m{n % MOMENTS}", (t + n) % 4)
        for r in range(1, EVENTS_EACH - 30):
            table.save_scenario(scenarios[r], round=r)
    assert room.state().event_count == TABLES * EVENTS_EACH + MOMENTS
    return room, table


def test_append_one_prediction(benchmark, db):
    room, key = new_room(db)
    room.console(key).open_moment("lesson.m0", "Which?", ["A", "B", "C", "D"])
    table = room.join("Table 1")
    benchmark(table.predict, "lesson.m0", 1)


def test_state_of_12_tables_x_50_events_read_cold(benchmark, db):
    """A page that opens (or a server that restarts): every event read, decoded, derived."""
    room, _ = full_room(db)
    state = benchmark(lambda: open_room(room.code, db).state())
    assert len(state.teams) == TABLES


def test_state_after_one_new_event(benchmark, db):
    """A page that has the state already, after a table predicts: one event read, the
    state derived again from all 611."""
    room, table = full_room(db)
    room.state()
    choices = iter(range(10**6))

    def one_prediction() -> None:
        table.predict("lesson.m0", next(choices) % 4)

    state = benchmark.pedantic(room.state, setup=one_prediction, rounds=100)
    assert len(state.teams) == TABLES


def test_derive_12_tables_x_50_events(benchmark, db):
    """The derivation alone, from events already in memory."""
    room, _ = full_room(db)
    events = room.events()
    state = benchmark(derive, room.info, events)
    assert state.event_count == TABLES * EVENTS_EACH + MOMENTS


def test_poll_events_after_the_last_seen(benchmark, db):
    """A page's once-a-second call when nothing has happened (the usual case)."""
    room, _ = full_room(db)
    last = room.state().last_event_id
    assert benchmark(room.events, after=last) == []


def test_poll_events_after_one_new(benchmark, db):
    """The same call when one table has just predicted."""
    room, _ = full_room(db)
    last = room.state().last_event_id
    assert len(benchmark(room.events, after=last - 1)) == 1
