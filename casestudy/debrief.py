"""The session's record, to send after a workshop: every event (CSV and JSON, from the
room's store) and a one-page HTML debrief.

The debrief holds, for each prediction moment, the question, how the tables predicted and
the share of tables that predicted the answer before it was revealed (a measure of what the
room learned: a share well under one at the first moment and near one at the last says the
session taught); and for each team round, every table's deal with its stated reason, the
NHS system's position against its control total (underlying, before and after incentive
funds) and whether every organisation would sign it, rounds side by side. Every figure is
computed by the model from the tables' own settings; every name is escaped; the page needs
no script and no network, and prints on A4.

>>> import tempfile, casestudy as cs
>>> from casestudy import room
>>> folder = tempfile.TemporaryDirectory()
>>> workshop, key = room.new_room(folder.name, title="Friday <b>")
>>> table = workshop.join("Table <1>")
>>> page = debrief_html(workshop.state(), cs.load_system())
>>> "Friday &lt;b&gt;" in page and "Table &lt;1&gt;" in page and "<script" not in page
True
>>> room.close_all(); folder.cleanup()
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .charts import money
from .compare import (
    TeamComparison,
    TeamEntry,
    compare_entries,
    round_baseline,
    rounds_side_by_side,
    team_order,
)
from .folders import write_new
from .room import RoomState
from .room.store import Room
from .system import System

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "exports"  # where the console writes the record (git-ignored)

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       max-width: 980px; margin: 24px auto; padding: 0 16px; color: #111; line-height: 1.4; }
h1 { font-size: 26px; margin-bottom: 4px; } h2 { font-size: 20px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0 16px 0; font-size: 14px; }
th, td { border-bottom: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.muted { color: #444; font-size: 14px; }
.bar { display: inline-block; height: 14px; background: #0072B2; vertical-align: middle; }
tr.answer td { font-weight: bold; } tr.answer .bar { background: #009E73; }
.measure { font-size: 18px; font-weight: bold; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
"""


def round_entries(state: RoomState, number: int,
                  teams: Sequence[int] | None = None) -> list[TeamEntry]:
    """The round's deals as entries for ``casestudy.compare`` (``teams``: only these, in
    this order): bots marked as examples; a baseline given at the lock says so."""
    deals = state.round_scenarios(number)
    entries = []
    for team in (deals if teams is None else teams):
        deal = deals.get(team)
        if deal is None:
            continue
        given = deal.by == "console"
        entries.append(TeamEntry(
            team=state.teams[team].name, scenario=deal.scenario, source="room",
            reason="" if given else deal.reason, example=state.teams[team].bot,
            note="no deal sent before the lock: the round's baseline" if given else ""))
    return entries


def round_comparison(system: System, state: RoomState, number: int, *,
                     revealed_only: bool = False) -> TeamComparison:
    """Round ``number``'s deals (only those shown to the room, with ``revealed_only``),
    judged against the round's baseline."""
    held = state.rounds[number]
    entries = round_entries(state, number, held.revealed if revealed_only else None)
    return compare_entries(system, entries, baseline=round_baseline(held.demand_shock))


def round_comparisons(state: RoomState, system: System) -> dict[int, TeamComparison]:
    """Every locked round's deals (all of them, shown or not), judged against its baseline."""
    return {number: round_comparison(system, state, number)
            for number, held in state.rounds.items() if held.status == "locked"}


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).strftime("%A %d %B %Y, %H:%M")


def _moments_html(state: RoomState, moments: Mapping[str, Any] | None) -> str:
    if not state.moments:
        return "<p>No prediction moment was opened.</p>"
    parts = []
    for held in state.moments.values():
        real, everyone = held.distribution(), held.distribution(bots=True)
        widest = max(everyone) or 1
        rows = []
        for index, option in enumerate(held.options):
            mark = " (the answer)" if held.answer == index else ""
            bots = everyone[index] - real[index]
            rows.append(f'<tr class="{"answer" if held.answer == index else ""}">'
                        f"<td>{html.escape(option)}{mark}</td>"
                        f'<td><span class="bar" style="width: {int(200 * everyone[index] / widest)}px">'
                        f'</span></td><td class="num">{real[index]}'
                        f"{f' + {bots} bot' + ('s' if bots != 1 else '') if bots else ''}</td></tr>")
        share = held.right_share()
        if held.answer is None:
            measure = "Not revealed in the session."
        elif share is None:
            measure = "No table predicted before the reveal."
        else:
            measure = (f"{share:.0%} of the tables ({sum(real)}) predicted the answer before "
                       "it was revealed.")
        explanation = ""
        moment = (moments or {}).get(held.moment)
        if moment is not None and held.answer is not None:
            explanation = f'<p class="muted">{moment.explanation}</p>'  # built escaped
        parts.append(f"<h3>{html.escape(held.question)}</h3>"
                     f'<p class="measure">{html.escape(measure)}</p>'
                     f"<table>{''.join(rows)}</table>{explanation}")
    return "".join(parts)


def _round_html(number: int, demand: float, comparison: TeamComparison) -> str:
    teams = comparison.teams.set_index("team", drop=False)
    control = money(float(comparison.teams.nhs_control_total_gbp_m.iloc[0]))
    rows = []
    for team in team_order(comparison.teams):
        row = teams.loc[team]
        label = html.escape(str(row.team)) + (" (bot)" if row.example else "")
        note = f'<div class="muted">{html.escape(row.note)}</div>' if row.note else ""
        signs = "yes" if row.all_sign else f"no: {row.refusers} would not"
        rows.append(f"<tr><td><b>{label}</b>{note}</td><td>{html.escape(row.changes)}</td>"
                    f"<td>{html.escape(row.reason)}</td>"
                    f'<td class="num">{money(row.nhs_underlying_position_gbp_m)}</td>'
                    f'<td class="num">{money(row.nhs_position_before_incentive_gbp_m)}</td>'
                    f'<td class="num">{money(row.nhs_position_gbp_m)}</td>'
                    f"<td>{'met' if row.nhs_met_control_total else 'missed'}</td>"
                    f"<td>{html.escape(signs)}</td></tr>")
    return (f"<h3>Round {number}: demand {demand * 100:+.0f}% against plan</h3>"
            f'<p class="muted">{html.escape(comparison.summary())} The NHS control total is '
            f"{control}; the regime's test is the position before incentive funds. The baseline "
            "row is the contracts as they stand.</p>"
            "<table><tr><th>Table</th><th>What it changed</th><th>Its reason</th>"
            "<th>NHS underlying</th><th>NHS before incentive funds</th><th>NHS after funds</th>"
            "<th>Control total</th><th>Would every organisation sign?</th></tr>"
            f"{''.join(rows)}</table>")


def _side_by_side_html(comparisons: Mapping[int, TeamComparison]) -> str:
    if len(comparisons) < 2:
        return ""
    frame = rounds_side_by_side(comparisons)
    numbers = sorted(comparisons)
    head = "<tr><th>Table</th>" + "".join(
        f"<th>Round {n}: NHS before funds</th><th>Round {n}: signed by all?</th>"
        for n in numbers) + "</tr>"
    body = []
    for row in frame.itertuples(index=False):
        cells = [f"<td>{html.escape(str(row.team))}</td>"]
        for n in numbers:
            value = getattr(row, f"before_funds_r{n}")
            if pd.isna(value):  # no deal that round
                cells.append("<td>-</td><td>-</td>")
            else:
                met = "met" if getattr(row, f"met_r{n}") else "missed"
                signed = "yes" if getattr(row, f"all_sign_r{n}") else "no"
                cells.append(f'<td class="num">{money(value)} ({met})</td><td>{signed}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<h3>The rounds side by side</h3><table>{head}{''.join(body)}</table>"


def debrief_html(state: RoomState, system: System, *,
                 moments: Mapping[str, Any] | None = None, made_at: float | None = None) -> str:
    """The one-page debrief of a room, as a self-contained HTML document."""
    real = [t for t in state.teams.values() if not t.bot]
    bots = len(state.teams) - len(real)
    names = ", ".join(html.escape(t.name) for t in real) or "none"
    comparisons = round_comparisons(state, system)
    rounds = "".join(_round_html(n, state.rounds[n].demand_shock, c)
                     for n, c in comparisons.items()) or "<p>No team round was locked.</p>"
    title = html.escape(state.title or "Workshop")
    made = _when(made_at if made_at is not None else state.created_at_s)
    return (
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
        f"<title>Debrief: {title}, room {html.escape(state.code)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Debrief: {title}</h1>"
        f'<p class="muted">Room {html.escape(state.code)}, {html.escape(made)}. The Bradford kit, '
        f"on the system {html.escape(system.name)}: the figures are illustrative (see the kit's "
        "data/README.md), computed by the model from each table's own settings.</p>"
        f"<h2>The tables</h2><p>{len(real)} table{'s' if len(real) != 1 else ''}: {names}"
        f"{f'; and {bots} bot tables (a rehearsal), counted apart' if bots else ''}.</p>"
        "<h2>What the room predicted</h2>"
        '<p class="muted">For each moment: how the tables predicted before the answer was '
        "shown, and the share that predicted it. Compare the first moment with the last.</p>"
        f"{_moments_html(state, moments)}"
        f"<h2>The team rounds</h2>{rounds}{_side_by_side_html(comparisons)}"
        "</body></html>\n")


def export_session(room: Room, system: System, folder: Path | str = EXPORTS, *,
                   moments: Mapping[str, Any] | None = None) -> list[Path]:
    """Write the room's record (CSV, JSON) and its debrief (HTML) into ``folder``, never
    over an earlier file; return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = room.state()
    stem = f"room-{room.code}"
    return [write_new(folder, f"{stem}-events", "csv", room.export_csv()),
            write_new(folder, f"{stem}-events", "json", room.export_json()),
            write_new(folder, f"{stem}-debrief", "html",
                       debrief_html(state, system, moments=moments))]
