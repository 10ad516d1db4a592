"""The teams' deals side by side, for the facilitator: from files and pasted codes
(``ComparePanel``: a laptop per table, or no room), and the pieces the console's team round
shows for a room's deals (``ComparisonView``, ``teams_html``, ``rounds_html``).

Every figure comes from ``casestudy.compare`` (the engine, run on each team's settings);
every team name is escaped before it reaches the page.

The page is a dashboard anyone in the room can open, so its folder box reads only the
scenarios folder and folders inside it (``casestudy.folders.inside``): a folder elsewhere is
refused without being looked at.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
from IPython.display import Markdown, display

from ..charts import Figure, LiveSpec
from ..charts.compare import signatures_figure, team_outcomes_figure
from ..compare import TeamComparison, compare_teams, round_baseline, rounds_side_by_side, team_order
from ..folders import OutsideScenarios, inside
from ..formats import money
from ..names import markdown_code
from ..scenario import Scenario
from ..system import System
from .common import PANEL_CSS, chart_outputs
from .default import default_system
from .scenario_io import SCENARIOS_ENV, default_scenario_folder
from .team_round import DEFAULT_DEMAND

TABLE_CSS = """
<style>
.cs-teams { border-collapse: collapse; font-size: 14px; }
.cs-teams caption { text-align: left; font-weight: bold; padding: 4px 0; }
.cs-teams th, .cs-teams td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left;
                             vertical-align: top; line-height: 1.3; }
.cs-teams td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.cs-teams tr.baseline td { color: #444; font-style: italic; }
.cs-teams tr.example td { color: #555; }
.cs-refused { border-left: 4px solid #E69F00; background: #fdf5e6; padding: 4px 10px; }
</style>
"""


def _label(row: pd.Series) -> str:
    name = html.escape(str(row.team))
    if row.is_baseline:
        return f"<b>{name}</b> <span class=\"cs-help\">(no new deal)</span>"
    if row.example and not any(w in str(row.team).casefold() for w in ("example", "bot")):
        return f"<b>{name}</b> (example)"
    return f"<b>{name}</b>"


def teams_html(comparison: TeamComparison, *, caption: str = "") -> str:
    """The teams as a table: the deal, the stated reason, the NHS system's three measures
    against its control total, and who would not sign."""
    teams = comparison.teams
    head = ("<tr><th scope=\"col\">Team</th><th scope=\"col\">What it changed</th>"
            "<th scope=\"col\">Its reason</th>"
            "<th scope=\"col\">NHS underlying</th><th scope=\"col\">NHS before incentive funds "
            "(the regime's test)</th><th scope=\"col\">NHS after funds</th>"
            "<th scope=\"col\">Met its control total?</th><th scope=\"col\">Would every "
            "organisation sign?</th></tr>")
    rows = []
    by_team = teams.set_index("team", drop=False)
    control = money(float(teams.nhs_control_total_gbp_m.iloc[0])) if len(teams) else ""
    for team in team_order(teams):
        row = by_team.loc[team]
        css = "baseline" if row.is_baseline else "example" if row.example else ""
        signs = ("yes" if row.all_sign else f"no: {row.refusers} would not")
        note = f'<div class="cs-help">{html.escape(row.note)}</div>' if row.note else ""
        rows.append(
            f'<tr class="{css}"><td>{_label(row)}{note}</td><td>{html.escape(row.changes)}</td>'
            f"<td>{html.escape(row.reason)}</td>"
            f'<td class="num">{money(row.nhs_underlying_position_gbp_m)}</td>'
            f'<td class="num">{money(row.nhs_position_before_incentive_gbp_m)}</td>'
            f'<td class="num">{money(row.nhs_position_gbp_m)}</td>'
            f"<td>{'met' if row.nhs_met_control_total else 'missed'} ({control})</td>"
            f"<td>{html.escape(signs)}</td></tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="cs-teams">{cap}{head}{"".join(rows)}</table>'


def rounds_html(comparisons: Mapping[int, TeamComparison]) -> str:
    """Each team's rounds side by side: the NHS position before funds, met or not, who
    would not sign, and the reason, round by round. Empty with fewer than two rounds."""
    if len(comparisons) < 2:
        return ""
    frame = rounds_side_by_side(comparisons)
    numbers = sorted(comparisons)
    head = "<tr><th scope=\"col\">Team</th>" + "".join(
        f"<th scope=\"col\">Round {n}: NHS before funds</th><th scope=\"col\">Round {n}: "
        "signed by all?</th>" for n in numbers) + "</tr>"
    rows = []
    for row in frame.itertuples(index=False):
        cells = [f"<td><b>{html.escape(str(row.team))}</b></td>"]
        for n in numbers:
            value = getattr(row, f"before_funds_r{n}")
            if pd.isna(value):
                cells.append('<td class="num">-</td><td>-</td>')
                continue
            met = "met" if getattr(row, f"met_r{n}") else "missed"
            signed = getattr(row, f"all_sign_r{n}")
            refusers = getattr(row, f"refusers_r{n}")
            cells.append(f'<td class="num">{money(value)} ({met})</td>'
                         f"<td>{'yes' if signed else html.escape('no: ' + str(refusers))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<table class="cs-teams"><caption>The rounds side by side</caption>{head}'
            f"{''.join(rows)}</table>")


def refused_html(refused: pd.DataFrame) -> str:
    """The files and codes that could not be used, each named with its reason; empty if none."""
    if refused.empty:
        return ""
    items = "".join(f"<li><b>{html.escape(str(r.name))}</b>: {html.escape(str(r.reason))}</li>"
                    for r in refused.itertuples())
    return (f'<div class="cs-refused" role="status"><b>{len(refused)} could not be used</b> '
            f"(the rest are compared below):<ul>{items}</ul></div>")


class ComparisonView:
    """Charts and table of one comparison; ``show(comparison)`` redraws them."""

    def __init__(self) -> None:
        self.summary = widgets.HTML()
        self.output = widgets.Output()
        self.table = widgets.HTML()
        self.live = LiveSpec()
        self.figures: list[Figure] = []
        self.specs: list[dict] = []
        self.comparison: TeamComparison | None = None

    def show(self, comparison: TeamComparison, *, caption: str = "") -> None:
        self.comparison = comparison
        self.summary.value = f"<p>{html.escape(comparison.summary())} Figures are illustrative.</p>"
        self.figures = [team_outcomes_figure(comparison.system, comparison.teams),
                        signatures_figure(comparison.positions, comparison.teams)]
        self.specs = [self.live.spec(f) for f in self.figures]
        # Set, not captured: capturing display() in an Output widget hangs Voila at random.
        self.output.outputs = chart_outputs(self.specs, self.figures)
        self.table.value = teams_html(comparison, caption=caption)

    @property
    def widget(self) -> widgets.Widget:
        return widgets.VBox([self.summary, self.output, self.table])


class ComparePanel:
    """Read the teams' scenario files and pasted codes and put them side by side;
    ``refresh()`` reads again. The round's demand sets the baseline every deal is set
    against (the baseline is the contracts as they stand, under that demand)."""

    def __init__(self, system: System | None = None, baseline: Scenario | None = None, *,
                 folder: str | os.PathLike | None = None, codes: str = "") -> None:
        self.system = system if system is not None else default_system()
        self.baseline = baseline if baseline is not None else round_baseline(DEFAULT_DEMAND)
        # The folder given here (or the scenarios folder) is the one the box may read, with
        # the folders inside it.
        self.root = Path(default_scenario_folder() if folder is None else folder).expanduser()
        self.folder = widgets.Text(value=str(self.root), description="Folder of scenario files",
                                   style={"description_width": "initial"},
                                   layout=widgets.Layout(width="640px"))
        self.codes = widgets.Textarea(value=codes, placeholder="Paste the codes from the chat "
                                      "(any text around them is ignored)",
                                      layout=widgets.Layout(width="640px", height="90px"))
        self.compare_button = widgets.Button(description="Compare the teams", icon="refresh",
                                             button_style="info")
        self.example_button = widgets.ToggleButton(
            value=False, description="Show example teams", icon="flask",
            tooltip="Add five example teams (marked as examples), to rehearse")
        self.compare_button.on_click(lambda _: self.refresh())
        self.example_button.observe(lambda _: self.refresh(), names="value")
        self.summary = widgets.HTML()
        self.refused = widgets.HTML()
        self.view = ComparisonView()
        self.comparison: TeamComparison
        self.refresh()

    @property
    def table(self) -> widgets.HTML:
        return self.view.table

    @property
    def figures(self) -> list[Figure]:
        return self.view.figures

    @property
    def specs(self) -> list[dict]:
        return self.view.specs

    @property
    def output(self) -> widgets.Output:
        return self.view.output

    def use_examples(self) -> None:
        self.example_button.value = True

    def refresh(self) -> TeamComparison:
        typed = self.folder.value.strip()
        folder, refused = None, ""
        if typed:
            try:
                folder = inside(self.root, typed, folder=True)
            except OutsideScenarios as exc:
                refused = (f'<span class="cs-refused">Not read: {html.escape(str(exc))} '
                           f"(<code>{html.escape(str(self.root))}</code>)</span>")
        # A folder that does not exist yet is not an error: no table has saved there yet.
        try:
            missing = folder is not None and not folder.exists()
        except (OSError, ValueError):  # a name no file system holds: read_folder says why
            missing = False
        read = folder if folder is not None and not missing else None
        self.comparison = result = compare_teams(
            self.system, folder=read, codes=self.codes.value, baseline=self.baseline,
            examples=self.example_button.value)
        where = (refused or (not_saved_yet_html(folder) if missing else
                 f"Read from <code>{html.escape(str(folder))}</code>" if folder else
                 "No folder given"))
        self.summary.value = (f'<p class="cs-help">{where}; pasted codes: '
                              f"{self.codes.value.count('BK')}. Every deal is set against the "
                              "baseline: the contracts as they stand, with demand "
                              f"{html.escape(_pct(self.baseline.demand_shock))} against plan.</p>")
        self.refused.value = refused_html(result.refused)
        self.view.show(result)
        return result

    @property
    def widget(self) -> widgets.Widget:
        if getattr(self, "_widget", None) is None:
            controls = widgets.VBox([
                self.folder,
                widgets.HTML('<div class="cs-help">Or paste codes from the chat:</div>'),
                self.codes, widgets.HBox([self.compare_button, self.example_button])])
            self._widget = widgets.VBox([widgets.HTML(PANEL_CSS + TABLE_CSS), controls,
                                         self.summary, self.refused, self.view.widget])
            self._widget.add_class("cs-panel")
        return self._widget

    def _ipython_display_(self) -> None:
        display(self.widget)


def _pct(value: float) -> str:
    return f"{value * 100:+.4g}%".replace("+0%", "0%")


def not_saved_yet_html(folder: Path) -> str:
    """What to say when the folder to read does not exist yet: calmly, and where files go."""
    saves = default_scenario_folder().expanduser()
    try:
        same = folder.resolve() == saves.resolve()
    except (OSError, ValueError, RuntimeError):  # a path no file system holds (a NUL in it)
        same = False
    if same:
        return (f"No scenario file has been saved yet: the files will appear in "
                f"<code>{html.escape(str(folder))}</code> when a table presses <b>Save</b>")
    return (f"No scenario file in <code>{html.escape(str(folder))}</code> yet: that folder "
            f"does not exist yet (the tables' <b>Save</b> buttons write to "
            f"<code>{html.escape(str(saves))}</code>)")


def where_files_go() -> Markdown:
    """Where the tables' Save buttons write, on this machine."""
    folder = default_scenario_folder()
    how = (f"set by `{SCENARIOS_ENV}`" if os.environ.get(SCENARIOS_ENV) else
           f"the kit's own folder; set `{SCENARIOS_ENV}` to choose another")
    held = (f"It holds {_count_json(folder)} scenario file(s) now." if folder.exists() else
            "No scenario file has been saved yet: the folder is made when a table first saves.")
    return Markdown(f"On this machine the tables' **Save** buttons write to {markdown_code(folder)} "
                    f"({how}). "
                    + held)


def _count_json(folder: Path) -> int:
    return len(list(folder.glob("*.json"))) if folder.is_dir() else 0
