"""Scenario files and codes: round trips give the same numbers; bad ones are refused, saying why."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import unicodedata
import zlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casestudy import Scenario, ScenarioError, run_year
from casestudy.scenario import KIT_VERSION
from casestudy.workshop import (
    CODE_PREFIX,
    UnreadableScenario,
    decode_code,
    from_code,
    load_saved,
    load_scenario,
    parse_saved,
    read_any,
    save_scenario,
    scenario_code,
)

VARIED = [
    Scenario(),
    Scenario.preset("payment_by_results", demand_shock=0.07, seed=12),
    Scenario.preset("blended", risk_share=0.5, system_linkage=1.0, blended_rate_above_plan=0.7),
    Scenario.preset("aligned_payment_and_incentive", elective_variable_rate=0.75, flex=0.6,
                    schemes=("frailty", "falls"), leadership_capacity=3.5),
    Scenario(payment={"elective": {"rule": "activity_based"},
                      "non_elective": {"rule": "cap_and_collar", "floor": 0.98, "cap": 1.02}},
             social_care_budget_change=-0.1, rebase_fixed_income=True, years=3, seed=2**32 - 1),
]


def _same_year(a: Scenario, b: Scenario, system) -> None:
    one, two = run_year(system, a), run_year(system, b)
    pd.testing.assert_frame_equal(one.organisations, two.organisations)
    pd.testing.assert_frame_equal(one.system, two.system)


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("scenario", VARIED)
def test_file_round_trip_gives_the_same_scenario_and_numbers(scenario, tmp_path, bundled_system):
    path = save_scenario(scenario, tmp_path, "Table 3", system=bundled_system)
    loaded = load_scenario(path)
    assert loaded == scenario
    _same_year(loaded, scenario, bundled_system)


def test_file_carries_version_seed_team_system_and_a_checksum_of_its_content(tmp_path, bundled_system):
    scenario = Scenario.preset("blended", risk_share=0.5, seed=42)
    path = save_scenario(scenario, tmp_path, "Table 3 / Finance!", system=bundled_system)
    assert path.name == "Table-3-Finance.json"
    document = json.loads(path.read_text())
    assert document["kit_version"] == KIT_VERSION
    assert document["seed"] == 42 and document["scenario"]["seed"] == 42
    assert document["team"] == "Table 3 / Finance!"
    assert document["system"] == bundled_system.name
    assert "Risk share 50% instead of 0%" in document["changes"]
    # The checksum, computed here independently: SHA-256 of the canonical JSON of the rest.
    rest = {k: v for k, v in document.items() if k != "checksum"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert document["checksum"] == "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    saved = load_saved(path)
    assert (saved.team, saved.seed, saved.system_name) == ("Table 3 / Finance!", 42, "bradford")
    assert saved.changes() == scenario.changes_from(Scenario())
    assert saved.changes(Scenario.preset("blended")) == ["Risk share 50% instead of 0%",
                                                         "Seed 42 instead of 0"]


def test_saving_never_overwrites(tmp_path):
    first = save_scenario(Scenario(risk_share=0.1), tmp_path, "red")
    before = first.read_bytes()
    paths = [save_scenario(Scenario(risk_share=share), tmp_path, "red") for share in (0.2, 0.3, 0.4)]
    assert [p.name for p in paths] == ["red-2.json", "red-3.json", "red-4.json"]
    assert first.read_bytes() == before
    assert [load_scenario(p).risk_share for p in [first, *paths]] == [0.1, 0.2, 0.3, 0.4]
    assert save_scenario(Scenario(), tmp_path, "red.json").name == "red-5.json"
    assert save_scenario(Scenario(), tmp_path, "Blue", team="Blue table").name == "Blue.json"


def test_saving_checks_its_arguments(tmp_path):
    with pytest.raises(ScenarioError, match="no letters or digits"):
        save_scenario(Scenario(), tmp_path, " / ")
    with pytest.raises(ScenarioError, match="must be a Scenario"):
        save_scenario({"risk_share": 0.5}, tmp_path, "x")
    with pytest.raises(ScenarioError, match="at most 60"):
        save_scenario(Scenario(), tmp_path, "x", team="y" * 61)
    assert list(tmp_path.iterdir()) == []


def _rewrite(path, change, *, fix_checksum: bool):
    document = json.loads(path.read_text())
    change(document)
    if fix_checksum:
        rest = {k: v for k, v in document.items() if k != "checksum"}
        canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        document["checksum"] = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    path.write_text(json.dumps(document))


def _set(key, value):
    def change(document):
        document[key] = value
    return change


def _set_field(key, value):
    def change(document):
        document["scenario"][key] = value
    return change


@pytest.mark.parametrize("change, fix, message", [
    (_set_field("risk_share", 0.9), False, "checksum does not match"),
    (_set("team", "Someone else"), False, "checksum does not match"),
    (_set("kit_version", "0.2"), True, "made with kit version 0.2; this is kit version"),
    (_set("kit_version", "0.2"), False, "made with kit version 0.2"),
    (_set_field("risk_share", 1.5), True, "risk_share = 1.5 is outside the allowed range 0 to 1"),
    (_set_field("colour", "red"), True, "unknown scenario field"),
    (_set_field("years", "five"), True, "years = 'five' is not a whole number"),
    (_set("extra", 1), True, "unknown entries extra"),
    (_set("seed", 3), True, "seed 3 does not match the scenario's seed 0"),
    (_set("format", "something"), True, "not a scenario file saved by the kit"),
])
def test_bad_files_are_refused_saying_why(tmp_path, change, fix, message):
    path = save_scenario(Scenario(), tmp_path, "team")
    _rewrite(path, change, fix_checksum=fix)
    with pytest.raises(UnreadableScenario, match=message) as info:
        load_scenario(path)
    assert info.value.source == "team.json"
    assert str(info.value).startswith("team.json: ")


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"  \n", "the file is empty"),
    (b'{"format": "bradford-kit-scenario", ', "not valid JSON"),
    (b"[1, 2]", "not a scenario file"),
    (b"name,value\nrisk_share,0.5\n", "not valid JSON"),
    (b"\xff\xfe\x00\x01", "not a text file"),
])
def test_malformed_files_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ScenarioError, match=message):
        load_saved(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_saved(tmp_path / "nothing.json")


# --------------------------------------------------------------------------- codes


@pytest.mark.parametrize("scenario", VARIED)
def test_code_round_trip_gives_the_same_scenario_and_numbers(scenario, bundled_system):
    code = scenario_code(scenario, team="Table 7", system=bundled_system)
    assert code.startswith(CODE_PREFIX)
    assert all(c.isalnum() or c in "-_" for c in code), "pasteable: no spaces or symbols"
    saved = decode_code(code)
    assert saved.scenario == scenario
    assert (saved.team, saved.system_name, saved.seed) == ("Table 7", "bradford", scenario.seed)
    _same_year(saved.scenario, scenario, bundled_system)


def test_code_is_short_and_holds_only_the_changes_the_version_and_the_seed():
    scenario = Scenario.preset("blended", risk_share=0.5, system_linkage=1.0, seed=7)
    code = scenario_code(scenario, team="Table 3")
    assert len(code) < 70
    body = code[len(CODE_PREFIX):].rsplit("-", 1)[0]
    # Unpack by hand (raw deflate against the module's dictionary) to see what it carries.
    from casestudy.workshop import _ZDICT
    packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    payload = json.loads(zlib.decompressobj(wbits=-15, zdict=_ZDICT).decompress(packed))
    assert payload == {"k": KIT_VERSION, "t": "Table 3",
                       "f": {"payment": "blended", "risk_share": 0.5, "system_linkage": 1.0,
                             "seed": 7}}


def test_code_survives_a_chat(bundled_system):
    scenario = Scenario(risk_share=0.25)
    code = scenario_code(scenario)
    wrapped = f"  `{code[:20]}\n{code[20:]}`  "
    assert from_code(wrapped) == scenario
    assert read_any(code).scenario == scenario


def _tamper(code: str, where: int) -> str:
    swap = "A" if code[where] != "A" else "B"
    return code[:where] + swap + code[where + 1:]


@pytest.mark.parametrize("where", [4, 10, -12])
def test_tampered_code_fails_its_checksum(where):
    code = scenario_code(Scenario(risk_share=0.5, system_linkage=0.5))
    with pytest.raises(UnreadableScenario, match="checksum does not match"):
        from_code(_tamper(code, where))
    with pytest.raises(UnreadableScenario, match="checksum does not match"):
        from_code(code[:-3])


def _forge(payload: dict) -> str:
    """A code with a valid checksum for any payload: tests what lies behind the checksum."""
    from casestudy.workshop import _ZDICT
    packer = zlib.compressobj(level=9, wbits=-15, zdict=_ZDICT)
    body = base64.urlsafe_b64encode(packer.compress(json.dumps(payload).encode())
                                    + packer.flush()).decode().rstrip("=")
    return f"BK1-{body}-{hashlib.sha256(body.encode()).hexdigest()[:8]}"


@pytest.mark.parametrize("code, message", [
    ("", "empty"),
    ("hello", "not a scenario code"),
    ("BK1-", "not a scenario code"),
    ("BK2-abc-12345678", "BK2 code, made by another version"),
    ("BK1-@@@@-" + hashlib.sha256(b"@@@@").hexdigest()[:8], "malformed"),
    ("BK1-AAAA-" + hashlib.sha256(b"AAAA").hexdigest()[:8], "malformed"),
    (_forge({"k": "9.9", "f": {}}), "made with kit version 9.9; this is kit version"),
    (_forge({"k": KIT_VERSION, "f": {"risk_share": -0.5}}), "risk_share = -0.5 is outside"),
    (_forge({"k": KIT_VERSION, "f": {"mood": 1}}), "unknown scenario field"),
    (_forge({"k": KIT_VERSION, "f": {}, "x": 1}), "unknown entries x"),
    (_forge({"k": KIT_VERSION, "f": [1]}), "does not hold scenario fields"),
    (_forge([1, 2]), "does not hold scenario fields"),
])
def test_bad_codes_are_refused_saying_why(code, message):
    with pytest.raises(UnreadableScenario, match=message):
        from_code(code)


def test_read_any_takes_a_path_a_code_or_a_files_content(tmp_path):
    scenario = Scenario(flex=0.75)
    path = save_scenario(scenario, tmp_path, "green")
    assert read_any(str(path)).scenario == scenario
    assert read_any(path.read_text()).scenario == scenario
    assert read_any(scenario_code(scenario)).scenario == scenario
    with pytest.raises(UnreadableScenario, match="neither a code"):
        read_any(str(tmp_path / "nothing.json"))
    with pytest.raises(UnreadableScenario, match="paste a code"):
        read_any("   ")
    assert parse_saved(path.read_text()).source == "pasted text"


@settings(max_examples=60, deadline=None)
@given(risk=st.floats(0, 1), linkage=st.floats(0, 1), shock=st.floats(-0.2, 0.3),
       preset=st.sampled_from(["payment_by_results", "fixed_income", "blended",
                               "aligned_payment_and_incentive"]),
       seed=st.integers(0, 2**32 - 1),
       team=st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co")), max_size=20))
def test_any_scenario_survives_a_code(risk, linkage, shock, preset, seed, team):
    scenario = Scenario.preset(preset, risk_share=risk, system_linkage=linkage,
                               demand_shock=shock, seed=seed)
    saved = decode_code(scenario_code(scenario, team=team))
    assert saved.scenario == scenario  # floats exactly: JSON keeps every bit of a double
    # Any visible text in any script travels as it is (NFC, spaces collapsed); control and
    # invisible format characters are dropped (test_team_names_keep_every_script).
    assert saved.team == " ".join(unicodedata.normalize("NFC", team).split())


def test_loaded_scenario_gives_the_same_simulation(tmp_path, bundled_system):
    from casestudy import simulate
    scenario = Scenario.preset("payment_by_results", seed=99, draws=200)
    loaded = from_code(scenario_code(scenario))
    one = simulate(bundled_system, scenario, draws=200, seed=loaded.seed)
    two = simulate(bundled_system, loaded, draws=200, seed=loaded.seed)
    np.testing.assert_array_equal(one.position_gbp_m.to_numpy(), two.position_gbp_m.to_numpy())


def test_saved_scenario_code_matches(bundled_system):
    scenario = dataclasses.replace(Scenario(), risk_share=0.3)
    saved = decode_code(scenario_code(scenario, team="A"))
    assert from_code(saved.code()) == scenario


# --------------------------------------------------------------------------- the widget on every panel


def _panel(bundled_system):
    """A small panel: shows payment and risk share only; every other field is hidden."""
    from casestudy.charts import positions_figure
    from casestudy.ui.common import Panel

    class TwoKnobs(Panel):
        fields = ("payment", "risk_share")

        def render(self, scenario):
            return positions_figure(run_year(self.system, scenario).organisations), "words"

    return TwoKnobs(bundled_system)


def _said(io) -> str:
    """The widget's message as a person reads it (HTML entities decoded)."""
    import html
    return html.unescape(io.message.value)


@pytest.fixture
def scenario_folder(tmp_path, monkeypatch):
    folder = tmp_path / "my_scenarios"
    monkeypatch.setenv("CASESTUDY_SCENARIOS", str(folder))
    return folder


def test_every_panel_has_the_save_and_load_accordion(bundled_system, scenario_folder):
    panel = _panel(bundled_system)
    column = panel.control_column()
    assert column[-1] is panel.scenario_io.widget
    assert column[-2] is panel.reset_button
    assert panel.scenario_io.widget.get_title(0) == "Save or load this scenario"
    assert panel.scenario_io.folder == scenario_folder


def test_save_from_a_panel_writes_a_file_and_shows_path_and_code(bundled_system, scenario_folder):
    panel = _panel(bundled_system)
    assert panel.widget is not None  # drawn once, as in a notebook
    io = panel.scenario_io
    assert io.save() is None and "team's name" in _said(io)
    panel.controls["risk_share"].value = 0.5
    io.team.value = "Table 3"
    path = io.save()
    assert path == scenario_folder / "Table-3.json"
    assert load_scenario(path) == panel.scenario() == Scenario(risk_share=0.5)
    # The file's name (what Load takes), not the server's path: a table reads it on its laptop.
    assert path.name in _said(io) and str(path.parent) not in _said(io)
    assert io.last_code in _said(io)
    assert from_code(io.last_code) == panel.scenario()
    assert io.save().name == "Table-3-2.json"  # a second save never overwrites


def test_load_sets_the_shown_controls_and_keeps_the_hidden_fields(bundled_system, scenario_folder):
    panel = _panel(bundled_system)
    assert panel.widget is not None
    loaded = Scenario.preset("payment_by_results", risk_share=0.25, demand_shock=0.1,
                             system_linkage=1.0, seed=5)
    saved = panel.scenario_io.load(scenario_code(loaded, team="Blue"))
    assert saved is not None
    assert panel.controls["payment"].value == "payment_by_results"
    assert panel.controls["risk_share"].value == 0.25
    assert panel.scenario() == loaded  # hidden fields kept: demand shock, linkage, seed
    # What was drawn is the loaded scenario's year, hidden fields included.
    expected = run_year(bundled_system, loaded).organisations
    drawn = panel.figures[0].data.set_index("org_id")["value_gbp_m"]
    np.testing.assert_allclose(drawn.to_numpy(), expected.position_gbp_m.reindex(drawn.index))
    message = _said(panel.scenario_io)
    assert "Blue" in message and "Demand against plan 10% instead of 0%" in message
    assert "Demand against plan 10% instead of 0%" in panel.changes.value
    # Moving a shown control keeps the hidden fields; reset drops them.
    panel.controls["risk_share"].value = 0.75
    assert panel.scenario() == dataclasses.replace(loaded, risk_share=0.75)
    panel.reset()
    assert panel.scenario() == panel.baseline


def test_load_refuses_bad_input_in_words_and_changes_nothing(bundled_system, scenario_folder):
    panel = _panel(bundled_system)
    assert panel.widget is not None
    panel.controls["risk_share"].value = 0.4
    before = panel.scenario()
    code = scenario_code(Scenario(risk_share=0.9))
    for bad, words in [(code[:-2] + "zz", "checksum does not match"),
                       ("hello", "neither a code"),
                       (scenario_code(Scenario(schemes=("no_such_scheme",))), "not in this system")]:
        assert panel.scenario_io.load(bad) is None
        assert words in _said(panel.scenario_io)
        assert "Traceback" not in _said(panel.scenario_io)
        assert panel.scenario() == before


def test_load_says_what_the_panel_cannot_show(bundled_system, scenario_folder):
    panel = _panel(bundled_system)
    custom = Scenario(payment={"elective": {"rule": "activity_based"}}, risk_share=0.5)
    assert panel.load(custom) == ["payment"]
    assert panel.scenario_io.load(scenario_code(custom)) is not None
    assert "cannot show: Payment rule" in _said(panel.scenario_io)


def test_load_from_a_file_path_and_a_different_system_is_flagged(bundled_system, scenario_folder):
    path = save_scenario(Scenario(risk_share=0.5), scenario_folder, "green", system="northvale")
    panel = _panel(bundled_system)
    assert panel.scenario_io.load(str(path)).team == "green"
    assert "saved for the system 'northvale'" in _said(panel.scenario_io)
    assert panel.scenario().risk_share == 0.5
    # By its name, as Save showed it, with or without .json.
    for name in ("green.json", "green", " 'green.json' "):
        panel.controls["risk_share"].value = 0.0
        assert panel.scenario_io.load(name).team == "green", _said(panel.scenario_io)
        assert panel.scenario().risk_share == 0.5
