"""The store on SQLite and on PostgreSQL: rooms, joins, tokens, keys, every kind of event,
idempotent retries, refusals that change nothing, restarts, exports."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from casestudy import Scenario
from casestudy.room import (
    AccessRefused,
    PayloadError,
    RoomError,
    close_all,
    integer,
    new_room,
    open_room,
    register_kind,
    reissue_key,
    rooms_in,
    slug,
)
from casestudy.room import db as room_db
from casestudy.room.names import ALPHABET

register_kind("test_offer", {"to": slug(), "value": integer(0, 1000)},
              help="a game-like decision, for these tests")
MOMENT = ("lesson2.who_pays", "Under fixed income, who pays for extra activity?",
          ["The commissioner", "The provider", "Nobody"])


@pytest.fixture
def made(db):
    """A room with two tables and the console."""
    room, key = new_room(db, title="Friday")
    return room, key, room.console(key), room.join("Table 1"), room.join("Table 2")


def _rows(room, table) -> list[dict]:
    """The rows of ``table`` for this room (PostgreSQL holds other tests' rooms too)."""
    query = sa.select(table)
    query = query.where((table.c.id if table is room_db.rooms else table.c.room_id) == room._room_id)
    with room._engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def _count(room) -> int:
    return room.state().event_count


# --------------------------------------------------------------------------- rooms


def test_a_new_room_has_a_typeable_code_and_a_key_stored_only_as_its_digest(db):
    room, key = new_room(db, title="Friday workshop")
    assert len(room.code) == 6 and set(room.code) <= set(ALPHABET)
    stored = [r for r in _rows(room, room_db.rooms) if r["code"] == room.code]
    assert stored[0]["key_sha256"] == hashlib.sha256(key.encode()).hexdigest()
    every_value = [str(v) for r in _rows(room, room_db.rooms) for v in r.values()]
    assert not any(key in v or key.replace("-", "") in v for v in every_value)
    if not db.startswith("postgresql"):
        assert Path(db, f"{room.code}.sqlite").is_file()  # one file per room in the folder
        assert key.encode() not in Path(db, f"{room.code}.sqlite").read_bytes()
    assert room.code in [r.code for r in rooms_in(db)]
    again = open_room(room.code.lower()[:3] + "-" + room.code.lower()[3:], db)
    assert (again.code, again.title) == (room.code, "Friday workshop")


def test_an_unknown_or_malformed_code_is_refused_and_nothing_is_created(db, tmp_path):
    with pytest.raises(RoomError, match="room code: there is no room 22222Z here"):
        open_room("22222z", db)
    with pytest.raises(RoomError, match="room code: empty"):
        open_room("", db)
    if not db.startswith("postgresql"):
        assert not Path(db, "22222Z.sqlite").exists()
    with pytest.raises(RoomError, match="title: .* at most 80 characters"):
        new_room(db, title="x" * 81)
    with pytest.raises(RoomError, match="title"):
        new_room(db, title="two\nlines")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    room, _ = new_room(tmp_path / "rooms")
    with room._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == room_db.BUSY_TIMEOUT_MS
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_where_the_rooms_live(tmp_path, monkeypatch):
    monkeypatch.delenv(room_db.ENV, raising=False)
    assert room_db.locate(None) == room_db.Location("folder", str(room_db.default_folder()))
    monkeypatch.setenv(room_db.ENV, str(tmp_path / "event.sqlite"))
    assert room_db.locate(None).kind == "file"
    monkeypatch.setenv(room_db.ENV, "postgres://kit:pw@host:5432/rooms")
    assert room_db.locate(None).target == "postgresql+psycopg://kit:pw@host:5432/rooms"
    assert room_db.locate(f"sqlite:///{tmp_path}/a.sqlite") == room_db.Location(
        "file", f"{tmp_path}/a.sqlite")
    for bad, says in [("mysql://kit@host/rooms", "mysql:// is not supported"),
                      ("  ", "database: empty"), ("sqlite://", "sqlite:// needs a file")]:
        with pytest.raises(RoomError, match=says):
            room_db.locate(bad)
    one_file = tmp_path / "event.sqlite"
    first, _ = new_room(one_file)
    second, _ = new_room(one_file)
    assert {r.code for r in rooms_in(one_file)} == {first.code, second.code}
    assert rooms_in(tmp_path / "nothing.sqlite") == [] and rooms_in(tmp_path / "no-folder") == []


# --------------------------------------------------------------------------- tables


def test_a_table_joins_once_and_its_token_is_its_identity(made):
    room, _, _, one, two = made
    assert one.team_id != two.team_id and one.token != two.token
    teams = {r["id"]: r for r in _rows(room, room_db.teams)}
    assert teams[one.team_id]["token_sha256"] == hashlib.sha256(one.token.encode()).hexdigest()
    assert not any(one.token in str(v) for r in teams.values() for v in r.values())
    found = open_room(room.code, room.where.target).table(one.token)
    assert (found.team_id, found.name, found.bot) == (one.team_id, "Table 1", False)
    for wrong in ("", "x" * 101, one.token[:-1], None):
        with pytest.raises(AccessRefused, match="table link: its token is not one of this room's"):
            room.table(wrong)


def test_a_token_from_another_room_writes_nothing_there(db, made):
    *_, one, _ = made
    other, other_key = new_room(db)
    with pytest.raises(AccessRefused):
        other.table(one.token)
    other.console(other_key).open_moment(*MOMENT)
    forged = type(one)(other, one.team_id, one.name, False, one.token)  # a hand-made Table
    with pytest.raises(AccessRefused, match="table link: no longer valid"):
        forged.predict(MOMENT[0], 0)
    assert other.state().moments[MOMENT[0]].distribution(bots=True) == (0, 0, 0)


@pytest.mark.parametrize("typed", ["table 1", " TABLE   1 ", "Ｔａｂｌｅ 1"])
def test_a_duplicate_name_is_refused_naming_the_table_that_has_it(made, typed):
    room, *_ = made
    before = _count(room)
    with pytest.raises(RoomError, match="team name: .* is taken: another table in this room is "
                                        "called 'Table 1'; choose another name"):
        room.join(typed)
    assert _count(room) == before


def test_example_tables_never_merge_with_real_ones(made):
    room, *_ = made
    bot = room.join("Bot table 1", bot=True)
    with pytest.raises(RoomError, match="taken: an example table in this room is called 'Bot table 1'"):
        room.join("bot table 1")
    with pytest.raises(RoomError, match="taken: another table"):
        room.join("Table 2", bot=True)
    teams = room.state().teams
    assert teams[bot.team_id].bot and not any(t.bot for i, t in teams.items() if i != bot.team_id)


def test_names_are_stored_as_typed(made):
    room, *_ = made
    names = ["Équipe Ōsaka 東京", "<script>alert(1)</script>", "=HYPERLINK(\"x\")"]
    ids = [room.join(n).team_id for n in names]
    assert [room.state().teams[i].name for i in ids] == names


@pytest.mark.parametrize("typed, says", [("", "empty"), ("x" * 41, "at most 40"),
                                         ("a\u202eb", r"U\+202E"), ("...", "no letter or digit")])
def test_a_bad_name_is_refused_and_nothing_is_stored(made, typed, says):
    room, *_ = made
    before = (_count(room), len(_rows(room, room_db.teams)))
    with pytest.raises(RoomError, match=says):
        room.join(typed)
    assert (_count(room), len(_rows(room, room_db.teams))) == before


def test_a_join_retried_with_its_key_is_the_same_table_with_a_fresh_token(made):
    room, *_ = made
    first = room.join("Table 7", key="join-page-5f3a")
    again = room.join("Table 7", key="join-page-5f3a")
    assert again.team_id == first.team_id and again.token != first.token
    assert room.table(again.token).team_id == first.team_id
    with pytest.raises(AccessRefused):
        room.table(first.token)  # the lost answer's token never reached anyone; it is dead
    assert room.state().kinds["join"] == 3
    with pytest.raises(RoomError, match="key: 'join-page-5f3a' was already used for another write"):
        room.join("Table 8", key="join-page-5f3a")


# --------------------------------------------------------------------------- the console


def test_a_wrong_key_changes_nothing_and_says_so(made, caplog):
    room, key, console, _one, _ = made
    console.open_moment(*MOMENT)
    before = _count(room)
    wrong = "0000-0000-0000-0000" if key != "0000-0000-0000-0000" else "1111-1111-1111-1111"
    with caplog.at_level(logging.WARNING, logger="casestudy.room"):
        with pytest.raises(AccessRefused, match="facilitator key: not this room's key, so nothing "
                                                "was changed"):
            room.console(wrong)
        with pytest.raises(RoomError, match="facilitator key: empty"):
            room.console("")
    assert "a wrong facilitator key was refused" in caplog.text
    assert key not in caplog.text
    assert _count(room) == before and room.state().moments[MOMENT[0]].status == "open"
    assert room.console(key.lower().replace("-", " ")).room.code == room.code


def test_a_table_cannot_write_the_facilitators_kinds_or_the_rooms(made):
    room, _, _, one, _ = made
    before = _count(room)
    with pytest.raises(AccessRefused, match="'moment_open' is the facilitator's to write"):
        one.record("moment_open", {"moment": "m", "question": "Q?", "options": ["a", "b"]})
    with pytest.raises(AccessRefused, match="'timer_start' is the facilitator's"):
        one.record("timer_start", {"seconds": 600})
    with pytest.raises(RoomError, match="'join' is written by the room itself"):
        one.record("join", {"name": "Table 9", "bot": False})
    with pytest.raises(RoomError, match="kind: 'unknown' is not a kind of event"):
        one.record("unknown", {})
    assert _count(room) == before


def test_the_console_writes_for_a_slow_table_and_the_record_says_so(db, made):
    room, _, console, one, _ = made
    event = console.record("test_offer", {"to": "bthft", "value": 400}, team_id=one.team_id)
    assert (event.by, event.team_id) == ("console", one.team_id)
    own = one.record("test_offer", {"to": "bthft", "value": 410})
    assert own.by == "table"
    with pytest.raises(RoomError, match="team: a 'test_offer' event belongs to a table"):
        console.record("test_offer", {"to": "bthft", "value": 400})
    other, _ = new_room(db)
    stranger = other.join("Table 1")  # on PostgreSQL, a team id of another room's table
    foreign = stranger.team_id if stranger.team_id not in room.state().teams else 99999
    with pytest.raises(RoomError, match=f"team: no table {foreign} in room {room.code}"):
        console.record("test_offer", {"to": "bthft", "value": 1}, team_id=foreign)


def test_a_new_link_for_a_table_stops_the_old_one(made):
    room, _, console, one, _ = made
    token = console.reissue_token(one.team_id)
    assert room.table(token).team_id == one.team_id
    with pytest.raises(AccessRefused):
        room.table(one.token)
    with pytest.raises(AccessRefused, match="no longer valid"):
        one.record("test_offer", {"to": "x", "value": 1})  # a page still open with the old link
    with pytest.raises(RoomError, match="no table 99999"):
        console.reissue_token(99999)
    assert room.state().kinds["token_reissued"] == 1


def test_a_new_key_stops_the_old_one_at_once(db, made):
    room, key, console, *_ = made
    new_key = reissue_key(room.code, db)
    with pytest.raises(AccessRefused):
        console.set_phase("plan")  # a console page opened with the old key
    with pytest.raises(AccessRefused):
        room.console(key)
    room.console(new_key).set_phase("plan")
    assert room.state().phase.name == "plan"


# --------------------------------------------------------------------------- events and state


def test_a_prediction_moment_from_open_to_reveal(made):
    room, _, console, one, two = made
    console.open_moment(*MOMENT)
    one.predict(MOMENT[0], 0)
    one.predict(MOMENT[0], 1)  # changed its mind: the last one counts
    two.predict(MOMENT[0], 2)
    console.lock_moment(MOMENT[0])
    with pytest.raises(RoomError, match="is locked: predictions closed when the facilitator locked it"):
        two.predict(MOMENT[0], 1)
    console.reveal_moment(MOMENT[0], answer=1)
    moment = room.state().moments[MOMENT[0]]
    assert (moment.status, moment.answer, moment.distribution()) == ("revealed", 1, (0, 1, 1))
    assert moment.right_share() == 0.5  # Table 1 right, Table 2 wrong: 1 of 2


@pytest.mark.parametrize("step, says", [
    (lambda c, t: t.predict("never.opened", 0), "'never.opened' is not open"),
    (lambda c, t: t.predict(MOMENT[0], 3), "prediction.choice: 3 is not allowed; moment 'lesson2.who_pays' has 3 options, 0 to 2"),
    (lambda c, t: c.open_moment(*MOMENT), "'lesson2.who_pays' is already open"),
    (lambda c, t: c.lock_moment("never.opened"), "'never.opened' is not open"),
    (lambda c, t: c.reveal_moment(MOMENT[0], 5), "moment_reveal.answer: 5 is not allowed; 3 options"),
    (lambda c, t: c.reveal_moment("never.opened", 0), "'never.opened' is not open"),
])
def test_a_step_out_of_turn_is_refused_and_nothing_is_stored(made, step, says, caplog):
    room, _, console, one, _ = made
    console.open_moment(*MOMENT)
    before = _count(room)
    with caplog.at_level(logging.WARNING, logger="casestudy.room"), \
            pytest.raises(RoomError, match=says.replace("(", r"\(").replace(")", r"\)")):
        step(console, one)
    assert _count(room) == before
    assert says.split(":")[0] in caplog.text or "refused" in caplog.text


def test_a_locked_moment_reopens_only_with_its_options_and_a_revealed_one_never(made):
    room, _, console, one, _ = made
    console.open_moment(*MOMENT)
    console.lock_moment(MOMENT[0])
    with pytest.raises(RoomError, match="was opened with other options"):
        console.open_moment(MOMENT[0], MOMENT[1], ["Yes", "No"])
    console.open_moment(*MOMENT)
    one.predict(MOMENT[0], 2)
    console.reveal_moment(MOMENT[0], 2)
    with pytest.raises(RoomError, match="already revealed"):
        console.reveal_moment(MOMENT[0], 2)
    with pytest.raises(RoomError, match="is already revealed"):
        console.open_moment(*MOMENT)
    assert room.state().moments[MOMENT[0]].right_share() == 1.0


def test_scenarios_phases_and_the_timer(made):
    room, _, console, one, two = made
    blended = Scenario.preset("blended", risk_share=0.5, schemes=("frailty",))
    one.save_scenario(Scenario.preset("fixed_income"), round=1)
    one.save_scenario(blended, round=1, reason="Pool the risk\nso no one loses")
    two.save_scenario(blended.to_dict(), round=2)
    console.set_phase("plan", round=1)
    console.start_timer(900, "Team round")
    console.stop_timer()
    console.set_phase("debrief")
    state = room.state()
    assert state.scenarios[one.team_id, 1].scenario == blended
    assert state.scenarios[one.team_id, 1].reason == "Pool the risk\nso no one loses"
    assert list(state.round_scenarios(2)) == [two.team_id]
    assert [(p.name, p.round) for p in state.phases] == [("plan", 1), ("debrief", None)]
    assert (state.timer.seconds, state.timer.label) == (900, "Team round")
    assert state.timer.stopped_at_s is not None and state.timer.remaining_s(0) == 0


def test_a_bad_payload_is_refused_logged_and_never_stored(made, caplog):
    room, _, console, one, _ = made
    before = _count(room)
    with caplog.at_level(logging.WARNING, logger="casestudy.room"):
        with pytest.raises(PayloadError, match="scenario.scenario: not a valid scenario: "
                                               "risk_share = 1.5 is outside the allowed range"):
            one.save_scenario({"risk_share": 1.5}, round=1)
        with pytest.raises(PayloadError, match="timer_start.seconds: 99999 is not allowed"):
            console.start_timer(99999)
    assert f"room {room.code}: refused a scenario event from table {one.team_id}" in caplog.text
    assert "refused a timer_start event from the console" in caplog.text
    assert _count(room) == before
    assert not any(r["kind"] == "scenario" for r in _rows(room, room_db.events))


def test_a_write_retried_with_its_key_is_stored_once(made):
    room, _, _console, one, two = made
    first = one.record("test_offer", {"to": "bthft", "value": 400}, key="offer-1")
    again = one.record("test_offer", {"to": "bthft", "value": 400}, key="offer-1")
    assert again == first
    assert room.state().kinds["test_offer"] == 1
    with pytest.raises(RoomError, match="key: 'offer-1' was already used for another write"):
        one.record("test_offer", {"to": "bthft", "value": 401}, key="offer-1")
    with pytest.raises(RoomError, match="key: 'offer-1' was already used"):
        two.record("test_offer", {"to": "bthft", "value": 400}, key="offer-1")  # not its write
    with pytest.raises(RoomError, match="key: 'no spaces' is not allowed"):
        one.record("test_offer", {"to": "bthft", "value": 400}, key="no spaces")
    assert room.state().kinds["test_offer"] == 1


def test_a_poll_returns_the_events_after_an_id_in_order(made):
    room, _, console, one, two = made
    first = room.events()
    assert [e.kind for e in first] == ["join", "join"]
    console.open_moment(*MOMENT)
    one.predict(MOMENT[0], 1)
    two.predict(MOMENT[0], 0)
    after = room.events(after=first[-1].id)
    assert [e.kind for e in after] == ["moment_open", "prediction", "prediction"]
    ids = [e.id for e in room.events()]
    assert ids == sorted(set(ids))
    assert room.events(after=ids[-1]) == []
    assert [e.team_id for e in room.events(kinds=["prediction"])] == [one.team_id, two.team_id]
    assert len(room.events(limit=2)) == 2
    assert all(e.room == room.code for e in after)
    for bad in (-1, "3", None, True):
        with pytest.raises(RoomError, match="after: .* an event id, 0 or more"):
            room.events(after=bad)


def test_a_restart_mid_session_keeps_everything_and_carries_on(db, made):
    room, key, console, one, _two = made
    console.open_moment(*MOMENT)
    one.predict(MOMENT[0], 1)
    one.save_scenario(Scenario.preset("blended"), round=1)
    before = room.state()
    close_all()  # every connection of this process gone, as when the server dies
    again = open_room(room.code, db)
    assert again.state() == before
    table = again.table(one.token)  # the page's link still works
    again.console(key).lock_moment(MOMENT[0])
    table.save_scenario(Scenario.preset("fixed_income"), round=2)
    later = again.state()
    assert later.last_event_id > before.last_event_id
    assert later.moments[MOMENT[0]].status == "locked"
    assert set(later.scenarios) == {(one.team_id, 1), (one.team_id, 2)}


# --------------------------------------------------------------------------- export


def test_export_has_every_event_with_names_and_defuses_formulas(made):
    room, _, console, _one, _ = made
    formula = room.join("=HYPERLINK(\"http://x\")")
    console.open_moment(*MOMENT)
    formula.predict(MOMENT[0], 0)
    record = json.loads(room.export_json())
    assert record["room"] == room.code and record["title"] == "Friday"
    assert len(record["events"]) == room.state().event_count == 5
    assert record["events"][-1]["team"] == "=HYPERLINK(\"http://x\")"  # JSON keeps it as typed
    assert record["events"][-1]["payload"] == {"moment": MOMENT[0], "choice": 0}
    assert [t["name"] for t in record["teams"]] == ["Table 1", "Table 2", "=HYPERLINK(\"http://x\")"]
    rows = list(csv.DictReader(io.StringIO(room.export_csv())))
    assert [int(r["id"]) for r in rows] == [e["id"] for e in record["events"]]
    assert rows[-1]["team"] == "'=HYPERLINK(\"http://x\")"  # a spreadsheet shows it, runs nothing
    assert json.loads(rows[-1]["payload"]) == {"moment": MOMENT[0], "choice": 0}
    assert rows[0]["at_utc"].endswith("+00:00")
    assert "token" not in room.export_json() and "key" not in rows[0]


def test_a_database_that_does_not_answer_is_a_clear_error_not_a_hang(tmp_path):
    from casestudy.room import Unavailable

    began = time.monotonic()
    with pytest.raises(Unavailable, match=r"the room's database cannot be reached or read \(.*"
                                          r"refused") as refused:
        open_room("K7M4QX", "postgresql://kit:secret@127.0.0.1:9/rooms")  # nothing listens on 9
    assert "secret" not in str(refused.value) and time.monotonic() - began < 10
    not_a_room = tmp_path / "notes.sqlite"
    not_a_room.write_text("minutes of the meeting\n" * 200)
    with pytest.raises(Unavailable, match=r"cannot be reached or read \(file is not a database\)"):
        new_room(not_a_room)
