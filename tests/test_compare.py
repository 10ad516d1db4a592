"""The facilitator's comparison: 30 teams' files, some broken; codes from a chat; the charts."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from specs import encoded_fields

from casestudy import Scenario, run_year
from casestudy.charts.compare import team_order, team_outcomes_figure, team_positions_figure
from casestudy.compare import (
    BASELINE_TEAM,
    compare_saved,
    compare_teams,
    example_codes,
    read_codes,
    read_folder,
)
from casestudy.scenario import PRESETS
from casestudy.workshop import decode_code, save_scenario, scenario_code

TEAMS = 30


def _team_scenario(k: int) -> Scenario:
    """Thirty different scenarios: every preset, a spread of shocks, shares and linkages."""
    return Scenario.preset(
        PRESETS[k % len(PRESETS)],
        demand_shock=round(-0.1 + 0.3 * k / (TEAMS - 1), 4),
        risk_share=(k % 5) / 4,
        system_linkage=(k % 3) / 2,
        flex=0.25 if k % 7 else 0.6,
        schemes=("frailty", "falls") if k % 6 == 0 else (),
        seed=k,
    )


def _with_checksum(document: dict) -> str:
    rest = {k: v for k, v in document.items() if k != "checksum"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    document["checksum"] = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    return json.dumps(document)


@pytest.fixture
def room(tmp_path: Path) -> tuple[Path, dict[str, Scenario], dict[str, str]]:
    """A USB stick's folder: 30 good team files and the broken ones a room produces."""
    folder = tmp_path / "collected"
    good = {}
    for k in range(TEAMS):
        team = f"Table {k + 1:02d}"
        scenario = _team_scenario(k)
        save_scenario(scenario, folder, team)
        good[team] = scenario
    template = json.loads((folder / "Table-01.json").read_text())
    broken = {}

    def bad(name: str, text: str | bytes, reason: str) -> None:
        path = folder / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        broken[name] = reason

    bad("bad-json.json", '{"format": "bradford-kit-scenario", "kit_version": ', "not valid JSON")
    tampered = json.loads(json.dumps(template))
    tampered["scenario"]["risk_share"] = 0.9  # edited by hand, checksum left as it was
    bad("tampered.json", json.dumps(tampered), "checksum does not match")
    other = json.loads(json.dumps(template))
    other["kit_version"] = "0.9"
    bad("other-version.json", _with_checksum(other), "made with kit version 0.9")
    wild = json.loads(json.dumps(template))
    wild["scenario"]["demand_shock"] = 2.5
    bad("out-of-range.json", _with_checksum(wild), "demand_shock = 2.5 is outside the allowed range")
    bad("empty.json", "", "the file is empty")
    bad("not-a-scenario.json", json.dumps({"organisations": [1, 2, 3]}), "not a scenario file")
    bad("notes.txt", "Table 3 chose fixed income", "not a .json scenario file")
    unknown_scheme = json.loads(json.dumps(template))
    unknown_scheme["scenario"]["schemes"] = ["teleportation"]
    unknown_scheme["team"] = "Table 99"
    bad("unknown-scheme.json", _with_checksum(unknown_scheme), "not in this system")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")  # left by a Mac: skipped, not listed
    (folder / "subfolder").mkdir()
    return folder, good, broken


def test_thirty_teams_load_and_the_broken_files_are_listed_with_their_reasons(room, bundled_system):
    folder, good, broken = room
    result = compare_teams(bundled_system, folder=folder)
    teams = result.teams.set_index("team")
    assert list(result.teams.team) == [BASELINE_TEAM, *sorted(good)]
    assert sorted(result.refused.name) == sorted(broken)
    for name, reason in broken.items():
        assert reason in result.refused.set_index("name").loc[name, "reason"], name
    assert ".DS_Store" not in set(result.refused.name)
    assert "30 team scenarios read" in result.summary()
    assert f"{len(broken)} could not be used" in result.summary()
    # Each team's figures are what the engine gives for that team's scenario.
    for team, scenario in good.items():
        year = run_year(bundled_system, scenario)
        nhs = year.system.loc["nhs"]
        row = teams.loc[team]
        assert row.nhs_position_gbp_m == pytest.approx(nhs.position_gbp_m, abs=1e-12)
        assert row.nhs_met_control_total == bool(nhs.met_control_total)
        assert row.place_position_gbp_m == pytest.approx(year.system.loc["place"].position_gbp_m)
        assert row.changes == "; ".join(scenario.changes_from(Scenario()))
        in_nhs = year.organisations[year.organisations.in_nhs_control_total]
        assert row.nhs_orgs_met == int(in_nhs.met_control_total.sum())
        mine = result.positions[result.positions.team == team].set_index("org_id")
        np.testing.assert_allclose(mine.position_gbp_m, year.organisations.position_gbp_m)
        np.testing.assert_allclose(mine.against_control_total_gbp_m,
                                   year.organisations.position_gbp_m
                                   - year.organisations.control_total_gbp_m)


def test_the_teams_really_differ_and_both_outcomes_occur(room, bundled_system):
    folder, _, _ = room
    teams = compare_teams(bundled_system, folder=folder).teams
    assert teams.nhs_position_gbp_m.nunique() > 10
    assert set(teams.nhs_met_control_total) == {True, False}


def test_choices_hold_every_changed_field_for_every_team(room, bundled_system):
    folder, good, _ = room
    result = compare_teams(bundled_system, folder=folder)
    fields = set(result.choices.field)
    assert fields == {"payment", "demand_shock", "risk_share", "system_linkage", "flex", "schemes"}
    assert len(result.choices) == len(fields) * (TEAMS + 1)
    for team, scenario in good.items():
        mine = result.choices[result.choices.team == team]
        changed = set(mine.loc[mine.changed, "field"])
        expected = {f.name for f in dataclasses.fields(Scenario)
                    if getattr(scenario, f.name) != getattr(Scenario(), f.name)} - {"seed"}
        assert changed == expected


def test_codes_pasted_from_a_chat(bundled_system):
    red, blue = Scenario(risk_share=0.5), Scenario.preset("blended", system_linkage=1.0)
    chat = (f"[10:02] Red table: {scenario_code(red, team='Red')}\n"
            f"[10:03] Blue: here you go {scenario_code(blue, team='Blue')} thanks\n"
            f"[10:04] Green: {scenario_code(red, team='Green')[:-4]}\n"
            "[10:05] facilitator: any more?")
    saved, refused = read_codes(chat)
    assert [s.team for s in saved] == ["Red", "Blue"]
    assert [s.scenario for s in saved] == [red, blue]
    assert len(refused) == 1 and "checksum does not match" in refused[0].reason
    assert refused[0].name.startswith("code 3")
    result = compare_teams(bundled_system, codes=chat)
    assert list(result.teams.team) == [BASELINE_TEAM, "Red", "Blue"]


def test_folder_and_codes_together_and_duplicate_names_kept_apart(room, bundled_system):
    folder, _, _ = room
    code = scenario_code(Scenario(risk_share=0.1), team="Table 01")
    result = compare_teams(bundled_system, folder=folder, codes=code)
    assert len(result.teams) == TEAMS + 2
    assert "Table 01 (2)" in set(result.teams.team)
    assert result.teams.team.is_unique


def test_missing_folder_is_reported_and_the_baseline_still_shows(tmp_path, bundled_system):
    result = compare_teams(bundled_system, folder=tmp_path / "nowhere")
    assert list(result.teams.team) == [BASELINE_TEAM]
    assert list(result.refused.reason) == ["no such folder"]
    assert "No team's scenario" in result.summary()


def test_a_file_saved_for_another_system_is_noted(tmp_path, bundled_system):
    save_scenario(Scenario(risk_share=0.5), tmp_path, "Far", system="northvale")
    result = compare_teams(bundled_system, folder=tmp_path)
    assert "saved for the system 'northvale'" in result.teams.set_index("team").loc["Far", "note"]


def test_read_folder_order_and_example_codes(room):
    folder, good, broken = room
    saved, refused = read_folder(folder)
    assert [s.team for s in saved] == [*sorted(good), "Table 99"]
    assert len(refused) == len(broken) - 1  # the unknown scheme is only found by the engine
    examples = [decode_code(line.split(": ", 1)[1]) for line in example_codes().splitlines()]
    assert len({e.scenario for e in examples}) == len(examples) == 5


def test_compare_saved_with_another_baseline(bundled_system):
    saved, _ = read_codes(scenario_code(Scenario.preset("blended", risk_share=0.5), team="A"))
    result = compare_saved(bundled_system, saved, baseline=Scenario.preset("blended"))
    assert result.teams.set_index("team").loc["A", "changes"] == "Risk share 50% instead of 0%"


# --------------------------------------------------------------------------- charts


def test_charts_validate_and_encode_only_columns_in_their_data(room, bundled_system):
    folder, _, _ = room
    result = compare_teams(bundled_system, folder=folder)
    for figure in (team_outcomes_figure(result.teams, result.choices),
                   team_positions_figure(result.positions, result.teams)):
        spec = figure.chart().to_dict()  # validates against the Vega-Lite schema
        (data,) = spec["datasets"].values()
        columns = set().union(*(row.keys() for row in data))
        assert encoded_fields(spec) <= columns
        assert spec["description"] == figure.summary


def test_outcome_chart_orders_teams_from_best_to_worst(room, bundled_system):
    folder, _, _ = room
    result = compare_teams(bundled_system, folder=folder)
    order = team_order(result.teams)
    assert order[0] == BASELINE_TEAM
    positions = result.teams.set_index("team").loc[order[1:], "nhs_position_gbp_m"].to_numpy()
    assert np.all(np.diff(positions) <= 0)
    figure = team_outcomes_figure(result.teams, result.choices)
    best = result.teams[~result.teams.is_baseline].nhs_position_gbp_m.idxmax()
    assert f"Best: {result.teams.loc[best, 'team']}" in figure.summary
    outcome = figure.data[figure.data.part == "outcome"].set_index("team")
    met = outcome.met_label.eq("Met")
    assert met.to_dict() == result.teams.set_index("team").nhs_met_control_total.to_dict()


def _luminance(colour: str) -> float:
    named = {"white": (255, 255, 255), "black": (0, 0, 0)}
    if colour in named:
        rgb = named[colour]
    elif colour.startswith("#"):
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    else:
        rgb = tuple(int(x) for x in re.findall(r"\d+", colour)[:3])
    lin = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
           for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _drawn_cells(spec: dict) -> dict[tuple[str, str], dict]:
    """Each heatmap cell as drawn (an SVG from vl-convert): its fill, its figure's colour."""
    import vl_convert as vlc

    svg = html.unescape(vlc.vegalite_to_svg(spec))
    cells: dict[tuple[str, str], dict] = {}
    for name, team, fill in re.findall(
            r'<path aria-label="name: (.*?); team: (.*?);[^"]*"[^>]*? fill="([^"]+)"', svg):
        cells.setdefault((name, team), {})["fill"] = fill
    for name, team, attrs, label in re.findall(
            r'<text aria-label="name: (.*?); team: (.*?);[^"]*"([^>]*)>([^<]*)</text>', svg):
        cells[(name, team)].update(text=label, colour=re.search(r'fill="([^"]+)"', attrs)[1],
                                   size=float(re.search(r'font-size="([\d.]+)px"', attrs)[1]))
    return cells


@pytest.mark.parametrize("folder_of", ["room", "baseline only"])
def test_heatmap_figures_read_on_every_cell(folder_of, room, tmp_path, bundled_system):
    # Dark figures on the dark ends of the scale (the baseline's 11.5 on navy) could not be read.
    folder = room[0] if folder_of == "room" else tmp_path / "empty"
    folder.mkdir(exist_ok=True)
    result = compare_teams(bundled_system, folder=folder)
    spec = team_positions_figure(result.positions, result.teams).chart().to_dict()
    cells = _drawn_cells(spec)
    assert len(cells) == len(result.positions)
    for (name, team), cell in cells.items():
        assert _contrast(cell["colour"], cell["fill"]) >= 3, (name, team, cell)
    assert {cell["colour"] for cell in cells.values()} == {"white", "black"}
    # No smaller than the axis labels beside them.
    assert min(cell["size"] for cell in cells.values()) >= spec["config"]["axis"]["labelFontSize"]


def test_heatmap_says_what_the_figure_is_for_organisations_outside_the_nhs_control_total(
        room, bundled_system):
    folder, _, _ = room
    result = compare_teams(bundled_system, folder=folder)
    positions = result.positions
    outside = positions.loc[~positions.in_nhs_control_total.astype(bool)]
    assert len(outside) and (outside.control_total_gbp_m == 0).all()  # no NHS control total
    outside_names = set(outside.name)
    figure = team_positions_figure(positions, result.teams)
    spec = figure.chart().to_dict()
    # The key names how many are outside it and what their figure is measured against.
    assert f"{len(outside_names)} on the right are outside the NHS control total" in figure.subtitle
    assert "break-even" in figure.subtitle
    # ... and they are on the right.
    (order,) = {json.dumps(node["encoding"]["x"]["sort"]) for node in spec["layer"]}
    order = json.loads(order)
    assert set(order[-len(outside_names):]) == outside_names
    assert "break-even" in spec["layer"][0]["encoding"]["color"]["title"]
    measure = figure.data.set_index("name").measure
    assert set(measure[list(outside_names)]) == {"break-even"}
    assert "break-even" not in set(measure.drop(list(outside_names)))
    # No organisation outside the NHS control total is said to miss one.
    assert not any(f"{name} is below its control total" in figure.summary
                   for name in outside_names)
    below = result.positions[result.positions.team != BASELINE_TEAM]
    most = below[below.against_control_total_gbp_m < 0].groupby("name").size().idxmax()
    assert most in figure.summary


def test_outcome_chart_titles_come_before_their_keys(room, bundled_system):
    # A key set as the figure's subtitle was drawn above the parts' own titles.
    folder, _, _ = room
    result = compare_teams(bundled_system, folder=folder)
    for chart_title in (None, "Round 2"):
        spec = team_outcomes_figure(result.teams, result.choices, chart_title).chart().to_dict()
        if chart_title is None:
            assert "title" not in spec  # nothing drawn above the parts' titles
        else:
            assert spec["title"]["text"] == chart_title
        titles = [part["title"] for part in spec["hconcat"]]
        assert [t["text"] for t in titles] == ["What each team chose",
                                               "What it did to the NHS system"]
        assert all(t.get("subtitle") for t in titles)
        assert "Black tick" in " ".join(titles[1]["subtitle"])
        assert "Shaded" in titles[0]["subtitle"]


# --------------------------------------------------------------------------- the facilitator's panel


def test_compare_panel_shows_table_refused_and_charts(room, bundled_system):
    from casestudy.ui.compare import ComparePanel
    folder, _, broken = room
    panel = ComparePanel(bundled_system, folder=folder)
    assert len(panel.comparison.teams) == TEAMS + 1
    refused = html.unescape(panel.refused.value)
    for name in broken:
        assert name in refused
    assert html.unescape(panel.table.value).count("<tr") == TEAMS + 2  # header + baseline
    drawn = panel.figures[0].data
    outcome = drawn[drawn.part == "outcome"].set_index("team").nhs_position_gbp_m
    expected = panel.comparison.teams.set_index("team").nhs_position_gbp_m
    assert outcome.sort_index().equals(expected.sort_index())
    assert len(panel.specs) == 2


def test_compare_panel_example_button_and_refresh(bundled_system, tmp_path):
    from casestudy.ui.compare import ComparePanel
    panel = ComparePanel(bundled_system, folder=tmp_path)
    assert list(panel.comparison.teams.team) == [BASELINE_TEAM]
    panel.use_examples()
    assert len(panel.comparison.teams) == 6
    save_scenario(Scenario(risk_share=1.0), tmp_path, "Late table")
    panel.refresh()
    assert "Late table" in set(panel.comparison.teams.team)


def test_the_panel_sets_its_charts_as_outputs_after_comparing():
    # Set, not captured with display(): the capture hangs Voila at random (see ui/common.py).
    from casestudy.charts.compiled import VEGA
    from casestudy.ui.compare import ComparePanel

    panel = ComparePanel()
    panel.example_button.click()
    data = [output["data"] for output in panel.output.outputs]
    assert len(data) == len(panel.figures) == 2
    assert all(VEGA in d for d in data)
    assert [d[VEGA]["description"] for d in data] == [f.summary for f in panel.figures]


def test_a_folder_not_made_yet_is_not_an_error(tmp_path, bundled_system, monkeypatch):
    # Before any table has saved, the Save folder does not exist: that is news, not an error.
    from casestudy.ui.compare import ComparePanel, where_files_go
    from casestudy.ui.scenario_io import SCENARIOS_ENV

    saves = tmp_path / "my_scenarios"
    monkeypatch.setenv(SCENARIOS_ENV, str(saves))
    told = where_files_go().data
    assert "holds 0" not in told and "saved yet" in told
    panel = ComparePanel(bundled_system)
    assert panel.refused.value == ""
    said = html.unescape(panel.summary.value)
    assert "could not be used" not in said
    assert "saved yet" in said and str(saves) in said  # and where the files will appear
    # A folder inside it that is not there yet: also calm, and says where the tables save.
    panel.folder.value = str(saves / "round-2")
    panel.refresh()
    assert panel.refused.value == ""
    assert str(saves) in html.unescape(panel.summary.value)
    # Real problems are still listed by name with their reason.
    panel.codes.value = "Red: BK1-oops"
    panel.refresh()
    assert "not a scenario code" in html.unescape(panel.refused.value)
    saves.mkdir()
    (saves / "broken.json").write_text("{")
    panel.folder.value, panel.codes.value = str(saves), ""
    panel.refresh()
    refused = html.unescape(panel.refused.value)
    assert "broken.json" in refused and "not valid JSON" in refused
    assert "holds 1" in where_files_go().data
