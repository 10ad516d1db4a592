"""The teams side by side, judged on what is drawn: who would sign each deal (by hand on the
tiny system), which levers move the system and which only move money, thirty teams' files
and the broken ones a room produces, codes from a chat, one team per table, examples apart,
and the charts and the facilitator's panel."""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from specs import encoded_fields
from tiny import PLAIN, vary

from casestudy import Scenario, run_year
from casestudy.charts.compare import deal_signatures_figure, signatures_figure, team_outcomes_figure
from casestudy.compare import (
    BASELINE_TEAM,
    MEASURES,
    SIGN_TOLERANCE_GBP_M,
    TeamEntry,
    compare_entries,
    compare_saved,
    compare_teams,
    example_codes,
    example_entries,
    lever_effects,
    read_codes,
    read_folder,
    round_baseline,
    rounds_side_by_side,
    signatures,
    signatures_from,
    team_order,
)
from casestudy.scenario import PRESETS
from casestudy.workshop import decode_code, save_scenario, scenario_code

TEAMS = 30
ROUND = round_baseline(0.03)  # the team round's baseline: the contracts as they stand, +3%


# --------------------------------------------------------------------------- signatures


def test_who_would_sign_a_fixed_income_deal_by_hand(tiny_system):
    # The tiny system, every money knob neutral (PLAIN: no inflation, no funds, flex 0),
    # demand 10% above plan on every line. Baseline: payment by results; deal: fixed income.
    base = vary(PLAIN, demand_shock=0.1)
    deal = vary(base, payment="fixed_income")
    # The acute trust's lines at 110% of plan: elective 12,100 x £1,000 = £12.1m, emergency
    # 22,000 x £2,000 = £44m (ccg_a) and 11,000 x £2,000 = £22m (ccg_b): £78.1m by results,
    # £11m + £40m + £20m = £71m fixed. Its cost is the same under both rules: the £10m its
    # other income pays for does not move (engine.matched_cost), the other £70m does:
    # 70 x (0.5 + 0.3 + 0.2 x 1.1) + 10 = £81.4m; other income £10m.
    acute_pbr, acute_fixed = 78.1 + 10 - 81.4, 71 + 10 - 81.4  # 6.7 and -0.4
    # ccg_a pays the trust 12.1 + 44 (or 11 + 40) and the voluntary sector 400 x 1.1 x £5,000
    # = £2.2m for social care (by the unit under every rule): 100 - 45 - 58.3 = -3.3, 1.8.
    ccg_a_pbr, ccg_a_fixed = 100 - 45 - (12.1 + 44 + 2.2), 100 - 45 - (11 + 40 + 2.2)
    # ccg_b pays 22 (or 20) for emergencies and 20 for community care (a block either way).
    ccg_b_pbr, ccg_b_fixed = 50 - 10 - (22 + 20), 50 - 10 - (20 + 20)
    signed = signatures(tiny_system, deal, base)
    assert signed["acute"].baseline_gbp_m == pytest.approx(acute_pbr)
    assert signed["acute"].deal_gbp_m == pytest.approx(acute_fixed)
    assert signed["acute"].change_gbp_m == pytest.approx(-7.1)
    assert signed["ccg_a"].deal_gbp_m - signed["ccg_a"].baseline_gbp_m == pytest.approx(
        ccg_a_fixed - ccg_a_pbr)  # +5.1
    assert signed["ccg_b"].change_gbp_m == pytest.approx(ccg_b_fixed - ccg_b_pbr)  # +2.0
    for org in ("comm", "council", "vcs"):  # block and spot-purchase lines: nothing moves
        assert signed[org].change_gbp_m == pytest.approx(0.0, abs=1e-9)
    assert [s.org_id for s in signed.refusers] == ["acute"]
    assert not signed.all_sign
    # The rule moves money; it does not make any: the changes add up to nothing.
    assert sum(s.change_gbp_m for s in signed.organisations) == pytest.approx(0.0, abs=1e-9)
    # The other way round, the commissioners refuse, the largest loss first.
    back = signatures(tiny_system, base, deal)
    assert [s.org_id for s in back.refusers] == ["ccg_a", "ccg_b"]
    # An organisation signs on what it reports, incentive fund included: with the funds on,
    # the trust meets its control total of £1m by results (6.7) and earns its £2m fund, and
    # misses it under fixed income (-0.4): it loses 7.1 + 2 = £9.1m, not £7.1m.
    funded = signatures(tiny_system, vary(deal, incentive_fund_scale=1.0),
                        vary(base, incentive_fund_scale=1.0))
    assert funded["acute"].baseline_gbp_m == pytest.approx(acute_pbr + 2)
    assert funded["acute"].change_gbp_m == pytest.approx(-9.1)


def test_a_loss_that_rounds_to_nothing_does_not_refuse():
    frame = pd.DataFrame({"name": ["A", "B", "C"], "position_gbp_m": [1.0, 1.0, 1.0]},
                         index=["a", "b", "c"])
    deal = frame.assign(position_gbp_m=[1.0 - 0.04, 1.0 - 0.06, 1.3])
    signed = signatures_from(frame, deal)
    assert SIGN_TOLERANCE_GBP_M == 0.05
    assert [s.signs for s in signed.organisations] == [True, False, True]
    assert [s.org_id for s in signed.refusers] == ["b"]
    assert signatures_from(frame, deal, tolerance=0.0).organisations[0].signs is False
    with pytest.raises(ValueError, match="tolerance"):
        signatures_from(frame, deal, tolerance=-1)
    with pytest.raises(ValueError, match="same organisations"):
        signatures_from(frame, deal.iloc[:2])


# --------------------------------------------------------------------------- levers


def test_which_levers_move_the_system_and_which_move_money(tiny_system, bundled_system):
    # Tiny, PLAIN with demand 10% up: no incentive fund, so nothing can move funds.
    effects = {lever.field: lever for lever in
               lever_effects(tiny_system, vary(PLAIN, demand_shock=0.1))}
    assert effects["payment"].effect == "money"
    assert effects["payment"].money_moved_gbp_m == pytest.approx(7.1)  # the acute trust's
    assert effects["payment"].system_change_gbp_m == pytest.approx(0.0, abs=1e-9)
    assert effects["risk_share"].effect == "money"
    assert effects["system_linkage"].effect == "none"  # no fund to tie
    for lever in ("flex", "schemes", "social_care_budget_change"):
        assert effects[lever].effect == "system", effects[lever]
    # The bundled system in a team round (demand 3% above plan): the rule, the risk share
    # and the linkage never change the system's position before funds; they move the funds
    # (paid when organisations meet their own control totals) and money between partners.
    bundled = {lever.field: lever for lever in lever_effects(bundled_system, ROUND)}
    for lever in ("payment", "risk_share", "system_linkage"):
        assert bundled[lever].system_change_gbp_m < 1e-6
        assert bundled[lever].effect in ("funds", "money")
    assert bundled["payment"].effect == "funds"  # the acute trust's fund, paid by results
    for lever in ("flex", "schemes", "social_care_budget_change"):
        assert bundled[lever].effect == "system"


# --------------------------------------------------------------------------- judged as drawn


def test_payment_by_results_does_not_win_on_incentive_funds(bundled_system):
    # The old comparison judged before funds and drew after: payment by results "won" by the
    # acute trust's fund. Now the rank is the regime's test, and the same value is drawn.
    pbr = TeamEntry(team="PbR", scenario=dataclasses.replace(ROUND, payment="payment_by_results"))
    result = compare_entries(bundled_system, [pbr], baseline=ROUND)
    teams = result.teams.set_index("team")
    assert teams.loc["PbR", "nhs_position_before_incentive_gbp_m"] == pytest.approx(
        teams.loc[BASELINE_TEAM, "nhs_position_before_incentive_gbp_m"])
    assert teams.loc["PbR", "nhs_position_gbp_m"] > teams.loc[BASELINE_TEAM, "nhs_position_gbp_m"]
    assert not teams.loc["PbR", "nhs_met_control_total"]  # the funds do not make it meet
    assert teams.loc["PbR", "nhs_incentive_fund_gbp_m"] > 1
    assert not teams.loc["PbR", "all_sign"]  # the commissioners pay for the extra activity


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


def _team_scenario(k: int) -> Scenario:
    """Thirty different deals on the round's demand: every preset, shares, linkages, flex,
    social care budgets and schemes."""
    return Scenario.preset(
        PRESETS[k % len(PRESETS)], demand_shock=ROUND.demand_shock, risk_share=(k % 5) / 4,
        system_linkage=(k % 3) / 2, flex=(0.0, 0.25, 0.6)[k % 3],
        social_care_budget_change=(0.3, -0.1, 0.0, 0.1)[k % 4],
        # Tables 1, 13 and 25 pull every system lever far enough to meet the control total.
        schemes=("falls", "home_first") if k % 6 == 0 else (), seed=k)


def _with_checksum(document: dict) -> str:
    rest = {k: v for k, v in document.items() if k != "checksum"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    document["checksum"] = "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    return json.dumps(document)


def test_thirty_teams_load_and_the_broken_files_are_listed_with_their_reasons(room, bundled_system):
    folder, good, broken = room
    result = compare_teams(bundled_system, folder=folder, baseline=ROUND)
    teams = result.teams.set_index("team")
    assert list(result.teams.team) == [BASELINE_TEAM, *sorted(good)]
    # Named by file; the one the engine refuses (a scheme this system lacks) by its team too.
    named = {name if name != "unknown-scheme.json" else "Table 99 (file unknown-scheme.json)": why
             for name, why in broken.items()}
    assert sorted(result.refused.name) == sorted(named)
    for name, reason in named.items():
        assert reason in result.refused.set_index("name").loc[name, "reason"], name
    assert ".DS_Store" not in set(result.refused.name)
    assert "30 team deals:" in result.summary()
    assert f"{len(broken)} could not be used" in result.summary()
    # Each team's figures are what the engine gives for its scenario.
    for team, scenario in good.items():
        year = run_year(bundled_system, scenario)
        nhs = year.system.loc["nhs"]
        row = teams.loc[team]
        assert row.nhs_position_gbp_m == pytest.approx(nhs.position_gbp_m, abs=1e-12)
        assert row.nhs_position_before_incentive_gbp_m == pytest.approx(
            nhs.position_gbp_m - nhs.incentive_fund_gbp_m)
        assert row.nhs_underlying_position_gbp_m == pytest.approx(nhs.underlying_position_gbp_m)
        assert row.nhs_met_control_total == bool(nhs.met_control_total)
        assert row.place_position_gbp_m == pytest.approx(year.system.loc["place"].position_gbp_m)
        # Schemes by their names, as people read them (not the ids a file stores).
        names = dict(zip(bundled_system.schemes.index, bundled_system.schemes["name"]))
        assert row.changes == "; ".join(scenario.changes_from(ROUND, names))
        in_nhs = year.organisations[year.organisations.in_nhs_control_total]
        assert row.nhs_orgs_met == int(in_nhs.met_control_total.sum())
        mine = result.positions[result.positions.team == team].set_index("org_id")
        np.testing.assert_allclose(mine.position_gbp_m, year.organisations.position_gbp_m)
        np.testing.assert_allclose(mine.change_gbp_m, year.organisations.position_gbp_m
                                   - run_year(bundled_system, ROUND).organisations.position_gbp_m)
        assert row.all_sign == bool(mine.signs.all())


def test_every_value_drawn_is_judged_against_the_same_control_total(room, bundled_system):
    # One test for the table and the chart: "met" is the value before funds against the
    # control total, and every bar is coloured by its own value against it.
    _, good, _ = room
    calm = TeamEntry(team="A calm year", scenario=dataclasses.replace(ROUND, demand_shock=-0.05))
    entries = [TeamEntry(team=team, scenario=scenario) for team, scenario in good.items()]
    result = compare_entries(bundled_system, [*entries, calm], baseline=ROUND)
    drawn = result.system
    assert set(drawn.measure) == set(MEASURES.values())
    assert (drawn.at_or_above == (drawn.value_gbp_m >= drawn.control_total_gbp_m - 1e-9)).all()
    before = drawn[drawn.measure == "Before incentive funds"].set_index("team").at_or_above
    met = result.teams.set_index("team").nhs_met_control_total
    assert before.to_dict() == met.to_dict()
    assert set(met) == {True, False}  # both outcomes occur (the calm year meets it, surely)
    figure = team_outcomes_figure(drawn, result.teams)
    data = figure.data
    assert (data.test == np.where(data.value_gbp_m >= data.control_total_gbp_m - 1e-9,
                                  "At or above the control total", "Below it")).all()


def test_teams_are_ranked_by_the_regimes_test_examples_last(room, bundled_system):
    folder, _, _ = room
    result = compare_teams(bundled_system, folder=folder, baseline=ROUND, examples=True)
    order = team_order(result.teams)
    assert order[0] == BASELINE_TEAM
    teams = result.teams.set_index("team")
    real = [t for t in order[1:] if not teams.loc[t, "example"]]
    assert order[1:len(real) + 1] == real  # the examples come after every real table
    values = teams.loc[real, "nhs_position_before_incentive_gbp_m"].to_numpy()
    assert np.all(np.diff(values) <= 0)


def test_codes_pasted_from_a_chat_and_a_refused_code_names_its_table(bundled_system):
    red = dataclasses.replace(ROUND, risk_share=0.5)
    blue = dataclasses.replace(ROUND, payment="blended", system_linkage=1.0)
    green = scenario_code(red, team="Green")
    chat = (f"[10:02] Red table: {scenario_code(red, team='Red')}\n"
            f"[10:03] Blue: here you go {scenario_code(blue, team='Blue')} thanks\n"
            f"[10:04] Green: {green[:-1] + ('0' if green[-1] != '0' else '1')}\n"
            f"10:05 Yellow table: {green[:20]}\n"
            "BK1-garbage-00000000\n"
            "[10:06] facilitator: any more?")
    saved, refused = read_codes(chat)
    assert [s.team for s in saved] == ["Red", "Blue"]
    assert [s.scenario for s in saved] == [red, blue]
    assert [r.name for r in refused] == [
        "Green's code (code 3 in the pasted text)",  # the team the code itself carries
        "Yellow table's code (code 4 in the pasted text)",  # cut short: the chat's speaker
        "code 5 (line 5 of the pasted text)"]  # nothing says whose: where it is
    assert "checksum does not match" in refused[0].reason
    result = compare_teams(bundled_system, codes=chat, baseline=ROUND)
    assert list(result.teams.team) == [BASELINE_TEAM, "Red", "Blue"]


def test_a_tables_file_and_its_code_are_one_team(tmp_path, bundled_system):
    deal = dataclasses.replace(ROUND, risk_share=0.25)
    save_scenario(deal, tmp_path, "Table 1")
    code = f"Table 1: {scenario_code(deal, team='table 1 ')}"
    result = compare_teams(bundled_system, folder=tmp_path, codes=code, baseline=ROUND)
    assert list(result.teams.team) == [BASELINE_TEAM, "Table 1"]
    assert result.teams.set_index("team").loc["Table 1", "source"] == "file Table-1.json and code 1"
    # Two different saves by one table: one row, the later one, and the note says so.
    save_scenario(dataclasses.replace(ROUND, risk_share=0.75), tmp_path, "Table 1")
    again = compare_teams(bundled_system, folder=tmp_path, codes=code, baseline=ROUND)
    row = again.teams.set_index("team").loc["Table 1"]
    assert len(again.teams) == 2
    assert "Risk share 75%" in row.changes  # the file saved last (codes carry no time)
    assert "differs from" in row.note


def test_example_teams_never_merge_with_real_ones(tmp_path, bundled_system):
    save_scenario(dataclasses.replace(ROUND, flex=0.1), tmp_path, "Example A")  # a real table
    result = compare_teams(bundled_system, folder=tmp_path, baseline=ROUND, examples=True)
    teams = result.teams
    assert len(teams) == 1 + 1 + len(example_entries(ROUND))
    assert teams.team.is_unique
    real = teams[~teams.is_baseline & ~teams.example]
    assert list(real.team) == ["Example A"]
    assert "Example A (example)" in set(teams.team)
    assert "5 example or bot deals, not counted" in result.summary()
    assert "1 team deal:" in result.summary()


def test_missing_folder_is_reported_and_the_baseline_still_shows(tmp_path, bundled_system):
    result = compare_teams(bundled_system, folder=tmp_path / "nowhere")
    assert list(result.teams.team) == [BASELINE_TEAM]
    assert list(result.refused.reason) == ["no such folder"]
    assert "No team's deal" in result.summary()


def test_a_file_saved_for_another_system_or_another_demand_is_noted(tmp_path, bundled_system):
    save_scenario(dataclasses.replace(ROUND, risk_share=0.5), tmp_path, "Far", system="northvale")
    save_scenario(Scenario(risk_share=0.5), tmp_path, "Calm")  # demand at plan
    notes = compare_teams(bundled_system, folder=tmp_path, baseline=ROUND).teams.set_index("team").note
    assert "saved for the system 'northvale'" in notes["Far"]
    assert "demand against plan 0%, not the round's 3%" in notes["Calm"]


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


def test_two_rounds_side_by_side(bundled_system):
    one = compare_entries(bundled_system, [TeamEntry(team="Red", scenario=ROUND),
                                           TeamEntry(team="Blue", scenario=ROUND)], baseline=ROUND)
    better = dataclasses.replace(ROUND, social_care_budget_change=0.3)
    two = compare_entries(bundled_system, [TeamEntry(team="Red", scenario=better, reason="care")],
                          baseline=ROUND)
    frame = rounds_side_by_side({1: one, 2: two}).set_index("team")
    assert list(frame.index) == [BASELINE_TEAM, "Red", "Blue"]
    assert frame.loc["Red", "before_funds_r2"] > frame.loc["Red", "before_funds_r1"]
    assert frame.loc["Red", "reason_r2"] == "care"
    assert pd.isna(frame.loc["Blue", "before_funds_r2"])  # Blue sent nothing in round 2


# --------------------------------------------------------------------------- charts


def test_charts_validate_and_encode_only_columns_in_their_data(room, bundled_system):
    folder, _, _ = room
    result = compare_teams(bundled_system, folder=folder, baseline=ROUND, examples=True)
    for figure in (team_outcomes_figure(result.system, result.teams),
                   signatures_figure(result.positions, result.teams),
                   deal_signatures_figure(result.positions, "Table 01")):
        spec = figure.chart().to_dict()  # validates against the Vega-Lite schema
        (data,) = spec["datasets"].values()
        columns = set().union(*(row.keys() for row in data))
        assert encoded_fields(spec) <= columns
        assert spec["description"] == figure.summary


def test_signature_grid_counts_refusals_by_organisation_not_by_comma(bundled_system):
    # "NHS Airedale, Wharfedale and Craven CCG" has a comma in its name.
    deal = dataclasses.replace(ROUND, payment="payment_by_results")
    result = compare_entries(bundled_system, [TeamEntry(team="PbR", scenario=deal)],
                             baseline=ROUND)
    figure = signatures_figure(result.positions, result.teams)
    refusing = int((~result.positions[result.positions.team == "PbR"].signs).sum())
    assert set(figure.data.row) == {f"PbR: {refusing} would not sign"}
    assert result.teams.set_index("team").loc["PbR", "refuser_count"] == refusing


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


def test_signature_grid_figures_read_on_every_cell(bundled_system):
    import vl_convert as vlc

    entries = example_entries(ROUND)
    result = compare_entries(bundled_system, entries, baseline=ROUND)
    spec = signatures_figure(result.positions, result.teams).chart().to_dict()
    svg = html.unescape(vlc.vegalite_to_svg(spec))
    cells: dict[tuple[str, str], dict] = {}
    for name, row, fill in re.findall(
            r'<path aria-label="name: (.*?); row: (.*?);[^"]*"[^>]*? fill="([^"]+)"', svg):
        cells.setdefault((name, row), {})["fill"] = fill
    for name, row, attrs in re.findall(
            r'<text aria-label="name: (.*?); row: (.*?);[^"]*"([^>]*)>', svg):
        cells[(name, row)]["colour"] = re.search(r'fill="([^"]+)"', attrs)[1]
    assert len(cells) == len(entries) * len(bundled_system.organisations)
    for key, cell in cells.items():
        assert _contrast(cell["colour"], cell["fill"]) >= 3, (key, cell)


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
    assert len(panel.specs) == 2
    drawn = panel.figures[0].data
    before = drawn[drawn.measure == "Before incentive funds"].set_index("team").value_gbp_m
    expected = panel.comparison.teams.set_index("team").nhs_position_before_incentive_gbp_m
    assert before.sort_index().equals(expected.sort_index())


def test_compare_panel_examples_and_refresh(bundled_system, tmp_path):
    from casestudy.ui.compare import ComparePanel
    panel = ComparePanel(bundled_system, folder=tmp_path)
    assert list(panel.comparison.teams.team) == [BASELINE_TEAM]
    panel.use_examples()
    assert len(panel.comparison.teams) == 6 and panel.comparison.teams.example.sum() == 5
    save_scenario(Scenario(risk_share=1.0), tmp_path, "Late <table>")
    panel.refresh()
    assert "Late <table>" in set(panel.comparison.teams.team)
    assert "Late &lt;table&gt;" in panel.table.value and "Late <table>" not in panel.table.value


def test_the_panel_sets_its_charts_as_outputs_after_comparing():
    # Set, not captured with display(): the capture hangs Voila at random (see ui/common.py).
    from casestudy.charts.compiled import VEGA
    from casestudy.ui.compare import ComparePanel

    panel = ComparePanel()
    panel.example_button.value = True
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
    panel.codes.value = "Red: BK1-oops"
    panel.refresh()
    refused = html.unescape(panel.refused.value)
    assert "not a scenario code" in refused and "Red's code" in refused
    saves.mkdir()
    (saves / "broken.json").write_text("{")
    panel.folder.value, panel.codes.value = str(saves), ""
    panel.refresh()
    refused = html.unescape(panel.refused.value)
    assert "broken.json" in refused and "not valid JSON" in refused
    assert "holds 1" in where_files_go().data
