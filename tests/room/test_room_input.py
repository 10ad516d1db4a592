"""Codes, keys, names and payloads: good ones kept, bad ones refused with a message that
names the field and what is allowed (no database needed)."""

from __future__ import annotations

import ast
import hashlib
import sys
from pathlib import Path

import pytest

from casestudy import Scenario
from casestudy.room import PayloadError, RoomError, names, register_kind, registered_kinds
from casestudy.room.kinds import (
    MAX_PAYLOAD_BYTES,
    fields,
    integer,
    items,
    number,
    one_of,
    optional,
    slug,
    text,
    validate,
)

ROOM = Path(__file__).resolve().parents[2] / "casestudy" / "room"


# --------------------------------------------------------------------------- codes and keys


def test_codes_use_crockfords_alphabet_and_forgive_how_people_type_them():
    codes = {names.new_code() for _ in range(200)}
    assert len(codes) == 200  # 32**6 codes: 200 draws collide with probability 2e-5
    assert all(len(c) == 6 and set(c) <= set(names.ALPHABET) for c in codes)
    assert not set("ILOU") & set(names.ALPHABET)
    assert names.normalise_code(" k7m-4qx ") == "K7M4QX"
    assert names.normalise_code("oIl-2ab") == "0112AB"  # O read as 0, I and L as 1


@pytest.mark.parametrize("typed, says", [
    ("", "room code: empty"),
    ("   ", "room code: empty"),
    ("K7M4Q", "has 5 characters; a room code has 6"),
    ("K7M4QXZ", "has 7 characters"),
    ("K7M#QX", "has '#', which no room code has"),
    ("K7MUQX", "has 'U'"),
    (None, "expected text, not NoneType"),
    (123456, "expected text, not int"),
])
def test_a_bad_room_code_is_refused_saying_what_is_wrong(typed, says):
    with pytest.raises(RoomError, match="room code") as refused:
        names.normalise_code(typed)
    assert says in str(refused.value)


def test_keys_are_80_random_bits_in_groups_and_typed_keys_normalise():
    key = names.new_key()
    assert len(key) == 19 and key.count("-") == 3
    assert names.normalise_key(key.lower().replace("-", " ")) == key
    with pytest.raises(RoomError, match="facilitator key: .* has 15 characters; a facilitator key has 16"):
        names.normalise_key(key[:-1])
    assert names.digest(key) == hashlib.sha256(key.encode()).hexdigest()
    assert len(names.new_token()) >= 22  # 128 bits in URL-safe base64
    assert names.new_token() != names.new_token()


# --------------------------------------------------------------------------- team names


@pytest.mark.parametrize("typed, stored", [
    ("Table 3", "Table 3"),
    ("  Table 3\t", "Table 3"),
    ("Équipe Ōsaka 東京", "Équipe Ōsaka 東京"),
    ("<b>Blue</b> & \"red\"", "<b>Blue</b> & \"red\""),  # data, not markup: the pages escape it
    ("=SUM(A1)", "=SUM(A1)"),  # as typed; the CSV export defuses it
    ("👨\u200d👩\u200d👧 family", "👨\u200d👩\u200d👧 family"),  # zero-width joiners in emoji
])
def test_a_team_name_is_stored_as_typed(typed, stored):
    assert names.team_name(typed)[0] == stored


def test_names_a_person_would_call_the_same_share_one_key():
    keys = {names.team_name(n)[1] for n in ("Table 3", "table 3", "TABLE   3", "Ｔａｂｌｅ 3",
                                             " Table\u00a03 ")}
    assert keys == {"table 3"}
    assert names.team_name("Table 3")[1] != names.team_name("Table 30")[1]


@pytest.mark.parametrize("typed, says", [
    ("", "empty; type a name for your table"),
    ("   ", "empty"),
    ("x" * 41, "41 characters; at most 40"),
    ("Table\n3", "control or invisible character (U+000A)"),
    ("Table\x1b[31m3", "(U+001B)"),  # a terminal escape: the status command prints names
    ("\u202eelbaT", "(U+202E)"),  # a right-to-left override
    ("Tab\u200ble", "(U+200B)"),  # a zero-width space
    ("---", "has no letter or digit"),
    (None, "expected text, not NoneType"),
])
def test_a_bad_team_name_is_refused_saying_why(typed, says):
    with pytest.raises(RoomError, match="team name") as refused:
        names.team_name(typed)
    assert says in str(refused.value)


# --------------------------------------------------------------------------- payloads


@pytest.mark.parametrize("kind, payload, says", [
    ("prediction", {"moment": "m", "choice": 12}, "prediction.choice: 12 is not allowed; a whole number from 0 to 9"),
    ("prediction", {"moment": "m", "choice": True}, "prediction.choice: True is not allowed"),
    ("prediction", {"moment": "m", "choice": "1"}, "prediction.choice: '1' is not allowed"),
    ("prediction", {"moment": "Lesson 2!", "choice": 1}, "prediction.moment: 'Lesson 2!' is not allowed; an identifier"),
    ("prediction", {"choice": 1}, "prediction.moment: missing"),
    ("prediction", {"moment": "m", "choice": 1, "extra": 2}, "prediction: unknown field(s) extra; the fields are moment, choice"),
    ("prediction", [1, 2], "prediction: [1, 2] is not allowed; an object with the fields moment, choice"),
    ("prediction", None, "prediction: None is not allowed"),
    ("scenario", {"round": 1, "scenario": {"risk_share": 1.5}}, "scenario.scenario: not a valid scenario: risk_share = 1.5 is outside the allowed range 0 to 1"),
    ("scenario", {"round": 1, "scenario": {"colour": "red"}}, "scenario.scenario: not a valid scenario: unknown scenario field(s) 'colour'"),
    ("scenario", {"round": 1, "scenario": "fixed_income"}, "scenario.scenario: 'fixed_income' is not allowed; a scenario as JSON"),
    ("scenario", {"round": 0, "scenario": {}}, "scenario.round: 0 is not allowed; a whole number from 1 to 20"),
    ("scenario", {"round": 1, "scenario": {}, "reason": "x" * 501}, "scenario.reason: 'xxx"),
    ("scenario", {"round": 1, "scenario": {}, "reason": "   "}, "scenario.reason: '   ' is not allowed; text of 1 to 500"),
    ("moment_open", {"moment": "m", "question": "Q?", "options": ["only one"]}, "moment_open.options: ['only one'] is not allowed; a list of 2 to 10 items"),
    ("moment_open", {"moment": "m", "question": "Q?", "options": ["a", "b\u202e"]}, "moment_open.options[1]: 'b\\u202e' has a control or invisible character (U+202E)"),
    ("moment_open", {"moment": "m", "question": "Q\nmore", "options": ["a", "b"]}, "moment_open.question: 'Q\\nmore' has a control or invisible character (U+000A); text of 1 to 300 characters on one line"),
    ("timer_start", {"seconds": 5}, "timer_start.seconds: 5 is not allowed; a whole number from 10 to 14400"),
    ("timer_start", {"seconds": float("nan")}, "timer_start.seconds: nan is not allowed"),
    ("phase", {"name": "plan", "round": -1}, "phase.round: -1 is not allowed; a whole number from 0 to 20"),
    ("no_such_kind", {}, "kind: 'no_such_kind' is not a kind of event; the kinds are"),
])
def test_a_bad_payload_is_refused_naming_the_field_and_what_is_allowed(kind, payload, says):
    with pytest.raises(RoomError) as refused:
        validate(kind, payload)
    assert says in str(refused.value)


def test_a_good_payload_comes_back_in_its_stored_form():
    assert validate("prediction", {"choice": 2.0, "moment": "lesson2.x"}) == {"choice": 2, "moment": "lesson2.x"}
    scenario = Scenario.preset("blended", risk_share=0.5)
    stored = validate("scenario", {"round": 2, "scenario": {"payment": "blended", "risk_share": 0.5}})
    assert stored["scenario"] == scenario.to_dict()  # the full canonical scenario
    assert "reason" not in stored
    assert validate("timer_start", {"seconds": 600}) == {"seconds": 600}


def test_a_payload_is_bounded_in_size():
    register_kind("test_big_list", {"lines": items(text(200), 0, 500)})
    fits = {"lines": ["x" * 150] * 100}  # 100 x 153 bytes = 15.3 kB
    assert len(validate("test_big_list", fits)["lines"]) == 100
    with pytest.raises(PayloadError, match=f"bytes of JSON; at most {MAX_PAYLOAD_BYTES:,}") as refused:
        validate("test_big_list", {"lines": ["x" * 200] * 100})  # 100 x 203 = 20.3 kB
    assert refused.value.kind == "test_big_list"


def test_the_game_adds_its_kinds_without_touching_the_store():
    def fixed_income_needs_a_value(payload):
        if payload["rule"] == "fixed_income" and "value_gbp_m" not in payload:
            raise ValueError("a fixed-income offer needs value_gbp_m")

    spec = {"to": slug(), "rule": one_of("fixed_income", "national"),
            "value_gbp_m": optional(number(0, 5000)),
            "terms": optional(fields({"years": integer(1, 3)}))}
    offer = register_kind("test_contract_offer", spec, check=fixed_income_needs_a_value)
    assert "test_contract_offer" in registered_kinds()
    assert register_kind("test_contract_offer", spec, check=fixed_income_needs_a_value) == offer
    assert validate("test_contract_offer", {"to": "bthft", "rule": "national"}) == {
        "rule": "national", "to": "bthft"}
    with pytest.raises(PayloadError, match="test_contract_offer: a fixed-income offer needs value_gbp_m"):
        validate("test_contract_offer", {"to": "bthft", "rule": "fixed_income"})
    with pytest.raises(PayloadError, match=r"test_contract_offer.terms.years: 5 is not allowed"):
        validate("test_contract_offer", {"to": "bthft", "rule": "national", "terms": {"years": 5}})
    with pytest.raises(ValueError, match="already registered with another definition"):
        register_kind("test_contract_offer", {"to": slug()})
    with pytest.raises(ValueError, match="by = 'everyone'"):
        register_kind("test_other", {}, by="everyone")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="a lowercase name"):
        register_kind("Contract Offer", {})


# --------------------------------------------------------------------------- the one-way flow


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            found.add("." * node.level + module if node.level else module.split(".")[0])
    return found


def test_the_room_knows_nothing_of_widgets_charts_or_the_engine():
    # names: the CSV cell, as the kit writes it; folders: a new file that never overwrites
    # (both import nothing of the kit but its errors)
    allowed_kit = {"..scenario", "..errors", "..names", "..folders"}
    for path in ROOM.glob("*.py"):
        for name in _imports(path):
            if name.startswith(".."):
                ok = name in allowed_kit or (path.name == "__main__.py" and name == "..system")
                assert ok, f"{path.name} imports {name}"
            elif not name.startswith("."):
                assert name in sys.stdlib_module_names or name == "sqlalchemy", (
                    f"{path.name} imports {name}")


# The room's own pages and record may call the store (DESIGN 7: "panels in casestudy/ui/
# call it"); the engine, the lessons' panels and the charts may not.
ROOM_PAGES = {"ui/live.py", "ui/join.py", "ui/predict.py", "ui/console.py", "ui/team_round.py",
              "ui/game_table.py", "ui/game_console.py", "ui/game_debrief.py", "ui/keyed.py",
              "debrief.py", "serve.py"}  # serve.py: make workshop prepares the room


def test_the_engine_and_the_lessons_know_nothing_of_the_room():
    package = ROOM.parent
    checked = 0
    for path in [*package.glob("*.py"), *package.glob("ui/*.py"), *package.glob("charts/*.py")]:
        if path.relative_to(package).as_posix() in ROOM_PAGES:
            continue
        checked += 1
        assert not any("room" in name for name in _imports(path)), path.name
    assert checked > 40  # every engine module, every lesson's panel, every chart
