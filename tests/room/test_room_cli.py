"""The facilitator's command line: what it prints, what it writes, how it refuses."""

from __future__ import annotations

import csv
import json
import re

import pytest

from casestudy.room import AccessRefused, new_room, open_room
from casestudy.room.__main__ import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        status = main(list(args))
    except SystemExit as exit_:  # argparse's own refusals
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def test_new_prints_the_code_and_a_key_that_opens_the_console(capsys, tmp_path):
    rooms = str(tmp_path / "rooms")
    status, out, _ = run(capsys, "new", "--db", rooms, "--title", "Friday workshop")
    assert status == 0
    code = re.search(r"Tables join with the room code: (\w{6})", out).group(1)
    key = re.search(r"Facilitator key \(shown this once; the console asks for it\): (\S+)", out).group(1)
    assert f"Room {code} (Friday workshop) made in {rooms}/{code}.sqlite" in out
    assert open_room(code, rooms).console(key).room.code == code


def test_status_shows_tables_predictions_scenarios_phase_and_timer(capsys, tmp_path):
    rooms = str(tmp_path / "rooms")
    room, key = new_room(rooms, title="Friday")
    console = room.console(key)
    one, two = room.join("Table 1"), room.join("Blue <team>")
    bot = room.join("Bot table 1", bot=True)
    console.open_moment("lesson2.who_pays", "Who pays?", ["Commissioner", "Provider"])
    one.predict("lesson2.who_pays", 1)
    two.predict("lesson2.who_pays", 0)
    bot.predict("lesson2.who_pays", 1)
    console.reveal_moment("lesson2.who_pays", 1)
    one.save_scenario({"payment": "blended"}, round=1)
    console.set_phase("plan", round=2)
    console.start_timer(900, "Team round")
    status, out, _ = run(capsys, "status", "--db", rooms)
    assert status == 0
    assert f"Room {room.code} (Friday) in {rooms}/{room.code}.sqlite" in out
    assert "; 11 events" in out  # 3 joins, open, 3 predictions, reveal, scenario, phase, timer
    assert "Phase: plan, round 2, since" in out
    assert re.search(r"Timer 'Team round': 1[45]:\d\d left of 15:00", out)
    assert "Tables: 3 (1 bots)" in out
    assert re.search(r"  Blue <team> +last active \d+ s ago; 0 scenario\(s\)", out)
    assert re.search(r"  Bot table 1 \(bot\) +last active", out)
    # 2 real tables predicted, Table 1 right: 50%; the bot is shown apart
    assert ("  lesson2.who_pays: revealed; tables: Commissioner 1, Provider 1; bots: "
            "Commissioner 0, Provider 1; answer 'Provider', 50% of tables right") in out
    assert "Round 1: 1 table(s) saved a scenario" in out


def test_export_writes_csv_and_json_and_never_overwrites(capsys, tmp_path):
    rooms, out_dir = str(tmp_path / "rooms"), tmp_path / "out"
    room, key = new_room(rooms)
    room.join("Table 1")
    room.console(key).set_phase("plan")
    status, out, _ = run(capsys, "export", "--db", rooms, "--out", str(out_dir))
    assert status == 0 and f"Exported 2 events of room {room.code}" in out
    rows = list(csv.DictReader((out_dir / f"room-{room.code}-events.csv").open()))
    assert [r["kind"] for r in rows] == ["join", "phase"]
    record = json.loads((out_dir / f"room-{room.code}-events.json").read_text())
    assert [e["kind"] for e in record["events"]] == ["join", "phase"]
    run(capsys, "export", "--db", rooms, "--out", str(out_dir))
    assert (out_dir / f"room-{room.code}-events-2.csv").is_file()
    assert len(list(csv.DictReader((out_dir / f"room-{room.code}-events.csv").open()))) == 2


def test_new_key_replaces_the_facilitators_key(capsys, tmp_path):
    rooms = str(tmp_path / "rooms")
    room, old = new_room(rooms)
    status, out, _ = run(capsys, "new-key", "--db", rooms, "--room", room.code.lower())
    assert status == 0
    new = re.search(r"new facilitator key \(the old one no longer works\): (\S+)", out).group(1)
    room.console(new).set_phase("plan")
    with pytest.raises(AccessRefused):
        room.console(old)


def test_which_room_when_there_are_none_or_several(capsys, tmp_path):
    rooms = str(tmp_path / "rooms")
    status, _, err = run(capsys, "status", "--db", rooms)
    assert status == 1
    assert f"error: no room in {rooms}; make one with: python -m casestudy.room new --db {rooms}" in err
    first, _ = new_room(rooms, title="Monday")
    second, _ = new_room(rooms)
    status, _, err = run(capsys, "status", "--db", rooms)
    assert status == 1
    assert re.search(rf"2 rooms in {rooms}, newest first: {second.code} \(.*\), {first.code} "
                     r"\(.*, Monday\); choose one with --room CODE", err)
    status, _, err = run(capsys, "status", "--db", rooms, "--room", "ZZZZZZ")
    assert (status, err.strip()) == (1, ("error: room code: there is no room ZZZZZZ here; "
                                         "check the code on the facilitator's screen"))
    assert run(capsys, "status", "--db", rooms, "--room", first.code)[0] == 0


@pytest.mark.parametrize("args, says", [
    (["bots", "--tables", "0"], "argument --tables: 0 is not allowed; 1 to 100"),
    (["bots", "--tables", "twelve"], "argument --tables: 'twelve' is not a whole number"),
    (["bots", "--rounds", "21"], "argument --rounds: 21 is not allowed; 0 to 20"),
    (["bots", "--seed", "-1"], "argument --seed: -1 is not allowed"),
    (["launch"], "invalid choice: 'launch'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_a_bad_argument_is_refused_saying_what_is_allowed(capsys, args, says):
    status, _, err = run(capsys, *args)
    assert status == 2 and says in err


def test_a_database_that_is_not_one_is_refused(capsys):
    status, _, err = run(capsys, "new", "--db", "mysql://kit@localhost/rooms")
    assert status == 1
    assert "error: database: mysql:// is not supported; give a postgresql:// URL, a .sqlite file or a folder" in err


def test_bots_in_threads_in_an_existing_room_with_nothing_open(capsys, tmp_path):
    rooms = str(tmp_path / "rooms")
    room, _ = new_room(rooms)
    status, out, _ = run(capsys, "bots", "--db", rooms, "--tables", "3", "--rounds", "0",
                         "--threads", "--seed", "4")
    assert status == 0
    assert f"3 bot tables (seed 4, as threads) in room {room.code}" in out
    assert ("Joined: 3 bot tables; predictions: 0 (no moment was open: open one in the console, "
            "or use --linger); scenarios: 0") in out
    assert "Events written: 3 in" in out
