"""The one-page HTML debrief of a game: the rounds side by side, then one chart per lesson.

Static: inline CSS and SVG, no script, nothing fetched (it opens from an e-mail). The charts
are the debrief page's own (``casestudy.charts.game_debrief``, from
``casestudy.game.facts``), drawn to SVG in the kernel by ``vl_convert`` (as the handouts draw
theirs), each an image named by its text alternative (its figures), which its caption also
shows; beside each, the guide's debrief questions for that lesson. Every name that came from
the system or a table is escaped with ``casestudy.names.html_text``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..lessons import LESSONS
from ..names import html_text

if TYPE_CHECKING:
    from ..charts.style import Figure
    from .facts import GameDebrief
    from .play import Game

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "game-guide.md"
VEGA_LITE_VERSION = "v5.20"  # what altair 5.5 emits (as casestudy.handouts)
_QUESTION_ROUND = re.compile(r"^\*\*Round (\d+)\*\*\s*(.*)$")
_LESSON_TAG = re.compile(r"\(lessons? (\d)(?: and (\d))?[^)]*\)")


def debrief_html(game: Game) -> str:
    from .facts import debrief_of

    return page_html(debrief_of(game))


def _money(value: float) -> str:
    return f"{'+' if value >= 0.05 else '-' if value <= -0.05 else ''}£{abs(value):.1f}m"


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "\u2026"


def _lesson(number: int) -> str:
    lesson = next(lesson for lesson in LESSONS if lesson.number == number)
    return f"Lesson {number}: {lesson.title}"


def tables_html(record: dict[str, Any]) -> str:
    """Who played, the rounds side by side and each organisation round by round, as HTML
    tables, from a game's record (``headless.game_record``)."""
    rounds = record["rounds"]
    labels = [f"Round {r['round']} ({r['year']})" for r in rounds]
    names = {o["org_id"]: o["name"] for r in rounds for o in r["organisations"]}
    role_names = {r["role_id"]: r["name"] for r in record["roles"]}

    def row(label: str, cells: Sequence[str]) -> str:
        return (f'<tr><th scope="row">{html_text(label)}</th>'
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

    players = "".join(
        f"<li>{html_text(r['name'])}: "
        f"{html_text(r['table']) if r['table'] else 'a house bot'}"
        f"{' (a bot)' if r['table'] and r['bot'] else ''}</li>" for r in record["roles"])
    head = "".join(f'<th scope="col">{html_text(label)}</th>' for label in labels)
    return (f"<h2>Who played</h2><ul>{players}</ul>"
            '<h2>The rounds side by side</h2><div class="wide">'
            f'<table><tr><td></td>{head}</tr>{"".join(table)}</table></div>'
            '<h2>Each organisation</h2><div class="wide">'
            f'<table><tr><td></td>{head}</tr>{"".join(org_rows)}</table></div>')


def debrief_questions(guide: Path = GUIDE) -> dict[int, tuple[str, tuple[str, ...]]]:
    """The facilitator's guide's debrief questions, round by round: ``{round: (what the
    round is, (question, ...))}``, read from its "Debrief questions" section."""
    try:
        text = guide.read_text(encoding="utf-8")
    except OSError:
        return {}
    section = text.split("## Debrief questions", 1)[-1].split("\n## ", 1)[0]
    out: dict[int, tuple[str, list[str]]] = {}
    current: int | None = None
    for line in section.splitlines():
        match = _QUESTION_ROUND.match(line.strip())
        if match:
            current = int(match.group(1))
            out[current] = (match.group(2).strip().rstrip(":").strip("()"), [])
        elif current is not None and line.startswith("- "):
            out[current][1].append(line[2:].strip())
        elif current is not None and line.startswith("  ") and out[current][1]:
            out[current][1][-1] += " " + line.strip()
    return {n: (what, tuple(qs)) for n, (what, qs) in out.items()}


def questions_for_lesson(questions: dict[int, tuple[str, tuple[str, ...]]],
                         lesson: int) -> list[tuple[int, str]]:
    """The questions that name a lesson ("(lesson 2)", "(lessons 2 and 4)"), with their
    round."""
    found = []
    for number, (_, qs) in sorted(questions.items()):
        for q in qs:
            for match in _LESSON_TAG.finditer(q):
                if str(lesson) in {g for g in match.groups() if g}:
                    found.append((number, q))
                    break
    return found


def lesson_title(number: int) -> str:
    return _lesson(number)


def svg_of(figure: Figure, prefix: str) -> str:
    """A chart as inline SVG (drawn by ``vl_convert``, no script), an image named by its
    summary; its ids prefixed so that several charts share a page."""
    import vl_convert as vlc

    # Not validated again: the page draws the same specs, validated once per shape.
    svg = vlc.vegalite_to_svg(figure.chart().to_dict(validate=False),
                              vl_version=VEGA_LITE_VERSION)
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    for old in sorted(set(re.findall(r'\bid="([^"]+)"', svg)), key=len, reverse=True):
        svg = (svg.replace(f'id="{old}"', f'id="{prefix}-{old}"')
               .replace(f"url(#{old})", f"url(#{prefix}-{old})")
               .replace(f'href="#{old}"', f'href="#{prefix}-{old}"'))
    label = html_text(figure.summary)
    return re.sub(r"^<svg\b", f'<svg role="img" aria-label="{label}"', svg, count=1)


def page_html(debrief: GameDebrief) -> str:
    """The one-page debrief of a game: its rounds side by side, then a chart per lesson with
    its text alternative and the guide's questions, then the questions round by round."""
    from ..charts.game_debrief import lesson_figures

    questions = debrief_questions()
    sections = []
    for number, figure in enumerate(lesson_figures(debrief), start=1):
        asked = questions_for_lesson(questions, number)
        aside = ("<aside><h4>Debrief questions</h4><ul>" + "".join(
            f"<li><b>Round {n}.</b> {html_text(q)}</li>" for n, q in asked) + "</ul></aside>"
            if asked else "")
        sections.append(
            f'<section><h3>{html_text(lesson_title(number))}</h3><div class="lesson">'
            f"<figure>{svg_of(figure, f'c{number}')}"
            f"<figcaption>{html_text(figure.summary)}</figcaption></figure>{aside}</div>"
            "</section>")
    by_round = "".join(
        f"<h3>Round {n}: {html_text(what)}</h3><ul>"
        + "".join(f"<li>{html_text(q)}</li>" for q in qs) + "</ul>"
        for n, (what, qs) in sorted(questions.items()) if n <= max(debrief.played, 1))
    record = debrief.record
    years = f"{debrief.years[0]} to {debrief.years[-1]}" if debrief.years else ""
    title = debrief.title
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html_text(title)}: debrief</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 1000px; margin: 1em auto; padding: 0 12px; color: #222; font-size: 15px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }}
.wide {{ overflow-x: auto; }}
.note {{ font-size: 14px; color: #444; }}
section {{ break-inside: avoid; margin-bottom: 1.5em; }}
.lesson {{ display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: flex-start; }}
figure {{ margin: 0; max-width: 100%; }} figure svg {{ max-width: 100%; height: auto; }}
figcaption {{ font-size: 14px; color: #333; max-width: 900px; }}
aside {{ flex: 1 1 260px; background: #f4f7fb; border-left: 4px solid #0072B2;
         padding: 4px 12px; font-size: 14px; }}
aside h4 {{ margin: 6px 0; }}
</style></head><body>
<h1>{html_text(title)}: debrief</h1>
<p>Room {html_text(debrief.code)}; {html_text(years)}; seed {int(debrief.seed)}; the system:
{html_text(record.get("system", ""))}.</p>
<p class="note">Figures are illustrative: the kit's model of the system, not any
organisation's accounts. Money in £m. A control total is met or missed before incentive
funds, as NHS Improvement judged it; the reported position includes the funds.</p>
{tables_html(dict(record))}
<h2>One chart per lesson</h2>
{"".join(sections)}
<h2>The debrief questions, round by round</h2>
{by_round}
</body></html>
"""
