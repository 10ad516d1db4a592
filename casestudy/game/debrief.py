"""The one-page HTML debrief of a game: the rounds side by side, then one chart per lesson.

Static: inline CSS and SVG, no script, nothing fetched (it opens from an e-mail). Every name
that came from the system or a table is escaped with ``casestudy.names.html_text``. Built
from ``headless.game_record``'s plain data, so a game played headless or live gives the
same page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..lessons import LESSONS
from ..names import html_text

if TYPE_CHECKING:
    from .play import Game

ROUND_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2")
SERIES_COLOURS = ("#4e79a7", "#e15759", "#59a14f", "#f28e2b")


def debrief_html(game: Game) -> str:
    from .headless import game_record

    return record_html(game_record(game), title=game.room.title or f"Game {game.code}",
                       code=game.code)


def _money(value: float) -> str:
    return f"{'+' if value >= 0.05 else '-' if value <= -0.05 else ''}£{abs(value):.1f}m"


def _bars(groups: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
          colours: Sequence[str], unit: str = "£m", percent: bool = False) -> str:
    """A grouped bar chart as inline SVG: a group of bars (one per series) for each group
    label, a zero line, each bar's value written on it. Labels escaped."""
    width, height, top, bottom = 720, 260, 24, 70
    left = 90 if len(groups) > 4 else 40  # room for the first tilted label
    values = [v for _, vs in series for v in vs] or [0.0]
    high, low = max(0.0, *values), min(0.0, *values)
    span = (high - low) or 1.0
    plot_h = height - top - bottom
    zero = top + plot_h * high / span
    n_groups, n_series = max(1, len(groups)), max(1, len(series))
    group_w = (width - left - 8) / n_groups
    bar_w = max(4.0, min(40.0, (group_w - 12) / n_series))
    shown = (lambda v: f"{v:.0%}") if percent else (lambda v: f"{v:+.1f}")
    parts = [(f'<svg role="img" viewBox="0 0 {width} {height}" width="100%" '
              'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">'),
             (f'<line x1="{left}" x2="{width - 4}" y1="{zero:.1f}" y2="{zero:.1f}" '
              'stroke="#444"/>'),
             f'<text x="2" y="{top - 8}" fill="#444">{html_text(unit)}</text>']
    for g, label in enumerate(groups):
        x0 = left + g * group_w + (group_w - bar_w * n_series) / 2
        for s, (name, vs) in enumerate(series):
            v = vs[g]
            y, h = (zero - plot_h * v / span, plot_h * v / span) if v >= 0 else (
                zero, -plot_h * v / span)
            x = x0 + s * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" '
                         f'height="{max(h, 0.5):.1f}" fill="{colours[s % len(colours)]}">'
                         f'<title>{html_text(name)}, {html_text(label)}: {shown(v)}</title></rect>')
            ty = y - 3 if v >= 0 else y + h + 11
            if abs(v) >= (0.005 if percent else 0.05):
                parts.append(f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{ty:.1f}" '
                             f'text-anchor="middle" fill="#222" font-size="9">{shown(v)}</text>')
        cx, cy = left + g * group_w + group_w / 2, height - bottom + 14
        tilt = f' transform="rotate(-20 {cx:.1f} {cy})"' if n_groups > 4 else ""
        parts.append(f'<text x="{cx:.1f}" y="{cy}" text-anchor="{"end" if tilt else "middle"}"'
                     f' fill="#222"{tilt}>{html_text(_short(label))}</text>')
    parts.append("</svg>")
    legend = " ".join(f'<span class="key" style="background:{colours[s % len(colours)]}">'
                      f'</span>{html_text(name)}' for s, (name, _) in enumerate(series))
    return f'<div class="chart">{"".join(parts)}<p class="legend">{legend}</p></div>'


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "\u2026"


def _lesson(number: int) -> str:
    lesson = next(lesson for lesson in LESSONS if lesson.number == number)
    return f"Lesson {number}: {lesson.title}"


def record_html(record: dict[str, Any], *, title: str = "The system game",
                code: str = "") -> str:
    """The debrief page of a game record (``headless.game_record``)."""
    rounds = record["rounds"]
    labels = [f"Round {r['round']} ({r['year']})" for r in rounds]
    colours = ROUND_COLOURS
    names = {o["org_id"]: o["name"] for r in rounds for o in r["organisations"]}
    role_names = {r["role_id"]: r["name"] for r in record["roles"]}

    def row(label: str, cells: Sequence[str]) -> str:
        return (f"<tr><th>{html_text(label)}</th>"
                + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")

    def who(ids: Sequence[str], table: dict[str, str]) -> str:
        return ", ".join(html_text(table.get(i, i)) for i in ids) or "none"

    contracts = sorted({c for r in rounds for c in r["terms"]})
    table = [row("National payment rule", [html_text(r["national_rule"]) for r in rounds]),
             row("Event cards", [html_text(", ".join(r["cards"]) or "none") for r in rounds]),
             row("Demand against plan", [f"{r['demand_index']:.1%}" for r in rounds])]
    for c in contracts:
        provider = c.split(".", 1)[-1]
        table.append(row(f"Contract with {names.get(provider, provider)}",
                         [html_text(r["terms"].get(c, "")) for r in rounds]))
    table += [
        row("Schemes running (share of full effect)", [
            html_text(", ".join(f"{s} {v:.0%}" for s, v in r["schemes"].items()) or "none")
            for r in rounds]),
        row("Risk share", [
            (f"{who(r['risk_share_members'], role_names)} at {r['risk_share']:.0%}"
             if r["risk_share_members"] else "none") for r in rounds]),
        row("Incentive funds tied to the system", ["yes" if r["linked"] else "no"
                                                  for r in rounds]),
        row("Social care spending", [html_text(", ".join(
            f"{names.get(o, o)} {v:+.0%}" for o, v in r["care_change"].items()) or "-")
            for r in rounds]),
        row("Savings plans (recurrent share)", [html_text(", ".join(
            f"{names.get(o, o)} {v:.0%}" for o, v in r["recurrent_plans"].items()) or "-")
            for r in rounds]),
        row("NHS system: reported position", [_money(r["system"]["position_gbp_m"])
                                              for r in rounds]),
        row("NHS system: underlying position", [
            _money(r["system"]["underlying_position_gbp_m"]) for r in rounds]),
        row("NHS system: control total", [_money(r["system"]["control_total_gbp_m"])
                                          for r in rounds]),
        row("Control total met (before funds)", [
            "met" if r["system"]["met_control_total"] else "missed" for r in rounds]),
        row("Incentive funds won / lost", [
            f"{_money(r['system']['funds_won_gbp_m'])} / {_money(r['system']['funds_lost_gbp_m'])}"
            for r in rounds]),
        row("The whole place", [_money(r["system"]["place_position_gbp_m"]) for r in rounds]),
        row("Who carried the volume risk", [html_text(names.get(
            r["volume_risk_carried_by"], r["volume_risk_carried_by"])) for r in rounds]),
        row("Would not sign the same deal again", [who(
            [o["org_id"] for o in r["organisations"] if not o["would_sign_again"]], names)
            for r in rounds]),
    ]
    orgs = [o["org_id"] for o in rounds[0]["organisations"]] if rounds else []
    org_rows = []
    for org in orgs:
        cells = []
        for r in rounds:
            o = next(x for x in r["organisations"] if x["org_id"] == org)
            cells.append(f"{_money(o['position_gbp_m'])} ({_money(o['underlying_position_gbp_m'])}"
                         f" underlying) against {_money(o['control_total_gbp_m'])}")
        org_rows.append(row(names[org], cells))

    def by_org(field: str, against: str | None = None) -> list[tuple[str, list[float]]]:
        out = []
        for label, r in zip(labels, rounds):
            values = []
            for org in orgs:
                o = next(x for x in r["organisations"] if x["org_id"] == org)
                values.append(o[field] - (o[against] if against else 0.0))
            out.append((label, values))
        return out

    schemes = sorted({s for r in rounds for s in r["schemes"]})
    charts = [
        (_lesson(1), ("Each scheme backed: the share of its full effect delivered (the shared "
                      "leadership capacity and the ramp-up set it). Fewer schemes, each "
                      "better delivered."),
         _bars(schemes or ["no scheme ran"], [(lab, [r["schemes"].get(s, 0.0) for s in schemes]
                                               or [0.0]) for lab, r in zip(labels, rounds)],
               colours, unit="share of full effect", percent=True)),
        (_lesson(2), ("Each organisation's reported position against its control total: who "
                      "won and who lost."),
         _bars([names[o] for o in orgs], by_org("position_gbp_m", "control_total_gbp_m"),
               colours)),
        (_lesson(3), "What each organisation received (+) or paid (-) under the risk share.",
         _bars([names[o] for o in orgs], by_org("risk_share_gbp_m"), colours)),
        (_lesson(4), ("The NHS system: reported position, underlying position (without "
                      "one-off support, one-off savings and funds) and control total."),
         _bars(labels, [("reported", [r["system"]["position_gbp_m"] for r in rounds]),
                        ("underlying", [r["system"]["underlying_position_gbp_m"]
                                        for r in rounds]),
                        ("control total", [r["system"]["control_total_gbp_m"] for r in rounds])],
               SERIES_COLOURS)),
        (_lesson(5), ("The NHS system and the whole place (with the council, the care market "
                      "and the voluntary sector), each against the same year with the deal "
                      "undone."),
         _bars(labels, [("NHS system", [r["system"]["position_gbp_m"]
                                        - r["system"]["fallback_position_gbp_m"] for r in rounds]),
                        ("whole place", [r["system"]["place_position_gbp_m"]
                                         - r["system"]["place_fallback_position_gbp_m"]
                                         for r in rounds])], SERIES_COLOURS)),
    ]
    players = "".join(
        f"<li>{html_text(r['name'])}: "
        f"{html_text(r['table']) if r['table'] else 'a house bot'}"
        f"{' (a bot)' if r['table'] and r['bot'] else ''}</li>" for r in record["roles"])
    head = "".join(f"<th>{html_text(label)}</th>" for label in labels)
    chart_html = "".join(f"<section><h3>{html_text(t)}</h3><p>{html_text(text)}</p>{svg}"
                         "</section>" for t, text, svg in charts)
    years = f"{record['years'][0]} to {record['years'][-1]}" if record["years"] else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html_text(title)}: debrief</title>
<style>
body {{ font-family: sans-serif; max-width: 1000px; margin: 1em auto; color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }}
.key {{ display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; }}
.legend {{ font-size: 12px; margin: 0; }}
.note {{ font-size: 12px; color: #555; }}
section {{ break-inside: avoid; }}
</style></head><body>
<h1>{html_text(title)}: debrief</h1>
<p>Room {html_text(code)}; {html_text(years)}; seed {int(record['seed'])}; the system:
{html_text(record['system'])}.</p>
<p class="note">Figures are illustrative: the kit's model of the system, not any
organisation's accounts. Money in £m. A control total is met or missed before incentive
funds, as NHS Improvement judged it; the reported position includes the funds.</p>
<h2>Who played</h2><ul>{players}</ul>
<h2>The rounds side by side</h2>
<table><tr><th></th>{head}</tr>{''.join(table)}</table>
<h2>Each organisation</h2>
<table><tr><th></th>{head}</tr>{''.join(org_rows)}</table>
<h2>One chart per lesson</h2>
{chart_html}
</body></html>
"""
