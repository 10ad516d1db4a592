"""Scenario text, files and codes made to break the kit: each is refused, saying why.

Every case here crashed before (TypeError, RecursionError, ValueError from Python's integer
limit or from the checksum of a NaN) and is now a ``ScenarioError`` with a reason; a panel
shows the reason, and the team comparison lists the file and carries on with the others.
``tests/test_fuzz.py`` then tries thousands of variations of the same classes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import zlib
from pathlib import Path

import pytest

import casestudy as cs
from casestudy import Scenario, ScenarioError
from casestudy.compare import compare_teams
from casestudy.jsontext import MAX_DEPTH, shown
from casestudy.scenario import MAX_SCENARIO_JSON_CHARS
from casestudy.workshop import (
    _ZDICT,
    CODE_PREFIX,
    checksum,
    decode_code,
    from_code,
    load_saved,
    parse_saved,
    save_scenario,
)

DEEP = "[" * 5_000 + "]" * 5_000  # 10,000 characters: short, but deeper than Python's parser goes


def forged_code(payload_text: str) -> str:
    """A code whose checksum matches its content: anyone can make one (the kit says so)."""
    packer = zlib.compressobj(level=9, wbits=-15, zdict=_ZDICT)
    body = base64.urlsafe_b64encode(packer.compress(payload_text.encode()) + packer.flush())
    body = body.decode("ascii").rstrip("=")
    return f"{CODE_PREFIX}{body}-{hashlib.sha256(body.encode()).hexdigest()[:8]}"


def saved_text(**changes: object) -> str:
    """A file's text as the kit writes it, then entries changed (the checksum made to match)."""
    document = {"format": "bradford-kit-scenario", "kit_version": cs.scenario.KIT_VERSION,
                "team": "Red", "system": "bradford", "seed": 0, "saved_at": "", "changes": [],
                "scenario": Scenario().to_dict()}
    document.update(changes)
    try:
        document["checksum"] = checksum(document)
    except ValueError:  # NaN: no checksum can be written, as no kit would write the file
        document["checksum"] = "sha256:0"
    return json.dumps(document)


# --------------------------------------------------------------------------- the issue's cases

@pytest.mark.parametrize(("text", "reason"), [
    ('{"payment":{"elective":{"rule":[]}}}', (r"payment\['elective'\] = \{'rule': \[\]\} is not a "
                                             "payment rule; expected one of activity_based")),
    ('{"payment":{"elective":{"rule":{"a":1}}}}', "is not a payment rule"),
    ('{"payment":{"elective":{"rule":"blended","rate_above_plan":[0.2]}}}',
     r"rate_above_plan = \[0.2\] is outside the allowed range 0 to 1"),
    ('{"payment":{"elective":{"rule":"blended","rate_above_plan":1,"x":2,"y":3}}}',
     "blended has no setting 'x', 'y'"),
    (DEEP, f"nests 5,000 levels deep; a scenario needs at most {MAX_DEPTH}"),
    ('{"payment":' + "{" * 40 + "}" * 40 + "}", "nests 41 levels deep"),
    ('{"seed":' + "9" * 4_301 + "}", (r"a whole number of 4,301 digits is far too long \(at most "
                                     "30 digits")),
    ('{"risk_share":NaN}', "NaN is not a number JSON allows"),
    ('{"risk_share":-Infinity}', "-Infinity is not a number JSON allows"),
    ('{"risk_share":1e999}', r"1e999 is too large for a number \(it would be infinite\)"),
    ('{"risk_share":0.1,"risk_share":0.2}', "the key 'risk_share' appears twice"),
    ('{"schemes":' + json.dumps(["s"] * 201) + "}", ("schemes names 201 schemes; a system has at "
                                                   "most 200")),
    ("[" + "0," * 60_000 + "0]", (r"the scenario is 120,003 characters long, far too long for a "
                                 r"scenario \(at most 100,000\)")),
    ('{"' + "x" * 5_000 + '":1}', (r"unknown scenario field\(s\) 'xxx.*' \(5,000 characters\); "
                                  "fields are")),
    ('{"years":true}', "years = True is not a whole number"),
    ('{"payment":{"elective":"blended","dentistry":"fixed_income"}}', "'dentistry' is not a service"),
    (b"\xff\xfe{}", "the scenario is not UTF-8 text"),
    (12, "the scenario must be text"),
])
def test_scenario_text_that_crashed_is_refused_with_its_reason(text: object, reason: str) -> None:
    with pytest.raises(ScenarioError, match=reason):
        Scenario.from_json(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(("data", "reason"), [
    ({1: 2}, "scenario field names are text, not 1"),
    ({("a",): 2}, r"scenario field names are text, not \('a',\)"),
    ({"payment": {("elective",): "fixed_income"}}, r"payment: \('elective',\) is not a service"),
    ({"payment": {"elective": {"rule": "blended", 3: 0.5}}}, "blended has no setting 3"),
    ({"seed": 10**5000}, "seed = <a whole number of about 5,000 digits> is outside the allowed"),
    ({"risk_share": 10**400}, "risk_share = <a whole number of about 400 digits> is outside"),
    ({"schemes": ["a", "b", "a"]}, r"names a scheme twice \('a'\)"),
    ({"rebase_fixed_income": "x" * 10_000}, (r"rebase_fixed_income = 'x.*' \(10,000 characters\) "
                                            "must be true or false")),
])
def test_python_data_that_crashed_is_refused_with_its_reason(data: dict, reason: str) -> None:
    with pytest.raises(ScenarioError, match=reason):
        Scenario.from_dict(data)


def test_every_message_is_short_whatever_it_quotes() -> None:
    for data in ({"payment": "p" * 90_000}, {"schemes": ["s" * 90_000]},
                 {"payment": {"elective": {"rule": "r" * 90_000}}}, {"x" * 90_000: 1}):
        with pytest.raises(ScenarioError) as error:
            Scenario.from_dict(data)
        # The longest: the quoted key (cut) and the list of every field name, once.
        assert len(str(error.value)) < 1_000, str(error.value)[:100]


def test_forged_codes_whose_checksum_matches_are_refused_with_their_reason() -> None:
    # Each forged payload passes the checksum; what it holds is then refused, not a crash.
    cases = {
        '{"k":"0.1","f":' + "[" * 3_000 + "]" * 3_000 + "}": "nests 3,001 levels deep",
        '{"k":"0.1","f":{"seed":' + "7" * 4_301 + "}}": "a whole number of 4,301 digits",
        '{"k":"0.1","f":{"risk_share":NaN}}': "NaN is not a number JSON allows",
        '{"k":"0.1","f":{"payment":{"elective":{"rule":[]}}}}': "is not a payment rule",
        '{"k":"0.1","f":{},"t":' + json.dumps("x" * 61) + "}": "t = 'x.*' .*is longer than "
                                                               "the kit writes",
        '{"k":"0.1","f":{},"t":NaN}': "NaN is not a number",
        '{"k":[1],"f":{}}': r"made with kit version \[1\]",
        '{"k":"0.1","f":{},"t":"\\ud800"}': "a lone surrogate",
    }
    for payload, reason in cases.items():
        with pytest.raises(ScenarioError, match=reason):
            from_code(forged_code(payload))
    # The forgery itself is sound: a well-formed forged payload decodes.
    assert from_code(forged_code('{"k":"0.1","f":{"risk_share":0.5}}')).risk_share == 0.5
    # A team's name with a right-to-left override is shown without it, as a save keeps it.
    assert decode_code(forged_code('{"k":"0.1","f":{},"t":"Red\\u202e \\n Blue"}')).team == \
        "Red Blue"


def test_a_code_longer_than_any_code_is_refused_before_it_is_read() -> None:
    with pytest.raises(ScenarioError, match="far too long for a code"):
        decode_code("BK1-" + "A" * 300_000 + "-00000000")


@pytest.mark.parametrize(("text", "reason"), [
    (saved_text(team=float("nan")), "NaN is not a number JSON allows"),
    (saved_text(team=["Red"]), r"team = \['Red'\] must be text"),
    (saved_text(team="R" * 61), "is longer than the kit writes"),
    (saved_text(seed=10**40), "a whole number of 41 digits is far too long"),
    (saved_text(scenario={"payment": {"elective": {"rule": []}}}), "is not a payment rule"),
    (saved_text(scenario=json.loads("[" * 17 + "]" * 17)), "nests 18 levels deep"),
    (saved_text(kit_version={"a": "b" * 500}), "made with kit version {'a': 'bbbb"),
    (saved_text(extra={"a": 1}, more=1), "unknown entries extra, more"),
    ('{"format": "bradford-kit-scenario", "format": "x"}', "the key 'format' appears twice"),
])
def test_forged_files_are_refused_with_their_reason(text: str, reason: str) -> None:
    with pytest.raises(ScenarioError, match=reason):
        parse_saved(text, source="team.json")


def test_files_that_cannot_be_read_are_refused_not_raised(tmp_path: Path) -> None:
    folder = tmp_path / "a_folder.json"
    folder.mkdir()
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\x00\xff\xfe" * 100)
    cases = {folder: "not a file", binary: "not a text file",
             tmp_path / "no\x00such.json": "no such file|could not be read",
             tmp_path / ("n" * 5_000 + ".json"): "could not be read|no such file"}
    for path, reason in cases.items():
        with pytest.raises(ScenarioError, match=reason):
            load_saved(path)


# --------------------------------------------------------------------------- the room carries on

HOSTILE_FILES = {
    "nested.json": DEEP,
    "bigint.json": '{"seed": ' + "9" * 4_301 + "}",
    "nan-team.json": saved_text(team=float("nan")),
    "rule-list.json": saved_text(scenario={"payment": {"elective": {"rule": []}}}),
    "empty.json": "",
    "binary.json": b"\x89PNG\r\n\x1a\n\x00\x00",
}


def test_one_bad_file_does_not_take_down_the_comparison(tmp_path: Path,
                                                         bundled_system: cs.System) -> None:
    folder = tmp_path / "scenarios"
    good = save_scenario(Scenario(risk_share=0.5), folder, "Blue")
    for name, content in HOSTILE_FILES.items():
        target = folder / name
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = compare_teams(bundled_system, folder=folder)
    assert list(result.teams.team) == ["Baseline", "Blue"]  # the good file is compared
    refused = dict(zip(result.refused.name, result.refused.reason))
    assert sorted(refused) == sorted(HOSTILE_FILES)
    assert "nests 5,000 levels deep" in refused["nested.json"]
    assert "4,301 digits" in refused["bigint.json"]
    assert "NaN" in refused["nan-team.json"]
    assert "not a payment rule" in refused["rule-list.json"]
    assert good.exists()


def test_the_compare_panel_shows_the_reasons_and_the_other_teams(tmp_path: Path,
                                                                 bundled_system: cs.System) -> None:
    from casestudy.ui.compare import ComparePanel

    folder = tmp_path / "scenarios"
    save_scenario(Scenario(risk_share=0.5), folder, "Blue")
    for name, content in HOSTILE_FILES.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    codes = "Red: " + forged_code('{"k":"0.1","f":' + "[" * 2_000 + "]" * 2_000 + "}")
    panel = ComparePanel(bundled_system, folder=folder, codes=codes)
    shown_text = html.unescape(panel.refused.value)
    assert f"{len(HOSTILE_FILES) + 1} could not be used" in shown_text
    assert "nests 2,001 levels deep" in shown_text and "nests 5,000 levels deep" in shown_text
    assert "Blue" in html.unescape(panel.table.value)


@pytest.mark.parametrize("text", [
    '{"payment":{"elective":{"rule":[]}}}', DEEP, "BK1-" + "A" * 40 + "-00000000",
    forged_code('{"k":"0.1","f":{"seed":' + "1" * 5_000 + "}}"), saved_text(team=float("nan")),
    "/no/such\x00file.json", "x" * 100_000,
])
def test_a_panel_shows_why_a_pasted_text_is_refused_and_keeps_its_scenario(
        text: str, bundled_system: cs.System, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from casestudy.ui.lesson4 import CertaintyPanel

    monkeypatch.setenv("CASESTUDY_SCENARIOS", str(tmp_path))
    panel = CertaintyPanel(bundled_system)
    before = panel.scenario()
    assert panel.scenario_io.load(text) is None
    said = html.unescape(panel.scenario_io.message.value)
    assert "Could not load:" in said and len(said) < 600
    assert panel.scenario() == before


def test_shown_never_fails_and_stays_short() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert shown(Broken()).startswith("<Broken")
    assert len(shown({"k" * 1000: ["v" * 1000] * 1000})) < 200
    assert len(shown(list(range(10**5)))) < 100
    assert MAX_SCENARIO_JSON_CHARS == 100_000


@pytest.mark.parametrize("folder", ["/tmp/no\x00such", "~no_such_user_here/x", "x" * 5_000])
def test_a_folder_that_cannot_be_read_is_a_reason_not_a_crash(folder: str,
                                                               bundled_system: cs.System) -> None:
    from casestudy.ui.compare import ComparePanel

    panel = ComparePanel(bundled_system, folder="/nonexistent-start")
    panel.folder.value = folder
    result = panel.refresh()
    assert list(result.teams.team) == ["Baseline"]
    assert len(result.refused) <= 1  # the folder itself, with its reason (or "not made yet")
