"""The facilitator's comparison of every table's scenario: a folder and/or pasted codes in,
a table, the refused files with their reasons, and two charts out.

The page is a dashboard anyone in the room can open, so its folder box reads only the
scenarios folder and folders inside it (``casestudy.folders.inside``): a folder elsewhere is
refused without being looked at.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
from IPython.display import Markdown, display

from ..charts import Figure, LiveSpec, money
from ..charts.compare import team_order, team_outcomes_figure, team_positions_figure
from ..compare import TeamComparison, compare_teams, example_codes
from ..folders import OutsideScenarios, inside
from ..names import markdown_code
from ..scenario import Scenario
from ..system import System
from .common import PANEL_CSS, chart_outputs
from .default import default_system
from .scenario_io import SCENARIOS_ENV, default_scenario_folder

TABLE_CSS = """
<style>
.cs-teams { border-collapse: collapse; font-size: 14px; }
.cs-teams th, .cs-teams td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left;
                             vertical-align: top; }
.cs-teams td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cs-teams tr.baseline td { color: #555; font-style: italic; }
.cs-refused { border-left: 4px solid #E69F00; background: #fdf5e6; padding: 4px 10px; }
</style>
"""


class ComparePanel:
    """Read the teams' scenarios and show them side by side; ``refresh()`` reads again."""

    def __init__(self, system: System | None = None, baseline: Scenario | None = None, *,
                 folder: str | os.PathLike | None = None, codes: str = "") -> None:
        self.system = system if system is not None else default_system()
        self.baseline = baseline if baseline is not None else Scenario()
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
        self.example_button = widgets.Button(description="Try with example teams", icon="flask",
                                             tooltip="Fill the codes box with five example "
                                             "teams, to rehearse")
        self.compare_button.on_click(lambda _: self.refresh())
        self.example_button.on_click(lambda _: self.use_examples())
        self.summary = widgets.HTML()
        self.refused = widgets.HTML()
        self.table = widgets.HTML()
        self.output = widgets.Output()
        self.live = LiveSpec()
        self.figures: list[Figure] = []
        self.specs: list[dict] = []
        self.comparison: TeamComparison
        self.refresh()

    def use_examples(self) -> None:
        self.codes.value = example_codes(self.system)
        self.refresh()

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
        self.comparison = result = compare_teams(self.system, folder=read,
                                                 codes=self.codes.value, baseline=self.baseline)
        where = (refused or (not_saved_yet_html(folder) if missing else
                 f"Read from <code>{html.escape(str(folder))}</code>" if folder else
                 "No folder given"))
        self.summary.value = (f"<p>{html.escape(result.summary())}</p>"
                              f'<p class="cs-help">{where}; pasted codes: '
                              f"{self.codes.value.count('BK')}. Figures are illustrative.</p>")
        self.refused.value = refused_html(result.refused)
        self.table.value = teams_html(result.teams)
        self.figures = [team_outcomes_figure(result.teams, result.choices),
                        team_positions_figure(result.positions, result.teams)]
        self.specs = [self.live.spec(f) for f in self.figures]
        # Set, not captured: capturing display() in an Output widget hangs Voila at random.
        self.output.outputs = chart_outputs(self.specs, self.figures)
        return result

    @property
    def widget(self) -> widgets.Widget:
        if getattr(self, "_widget", None) is None:
            controls = widgets.VBox([
                self.folder,
                widgets.HTML('<div class="cs-help">Or paste codes from the chat:</div>'),
                self.codes, widgets.HBox([self.compare_button, self.example_button])])
            self._widget = widgets.VBox([widgets.HTML(PANEL_CSS + TABLE_CSS), controls,
                                         self.summary, self.refused, self.output, self.table])
            self._widget.add_class("cs-panel")
        return self._widget

    def _ipython_display_(self) -> None:
        display(self.widget)


def teams_html(teams: pd.DataFrame) -> str:
    """The teams as a table: what each changed, the NHS system and its organisations."""
    head = ("<tr><th>Team</th><th>What it changed</th><th>NHS system position</th>"
            "<th>System control total</th><th>Met?</th><th>NHS organisations meeting theirs</th>"
            "<th>Whole place</th><th>Note</th></tr>")
    rows = []
    by_team = teams.set_index("team")
    for team in team_order(teams):
        row = by_team.loc[team]
        met = "yes" if row.nhs_met_control_total else "no"
        missed = f" (missed: {row.orgs_missed})" if row.orgs_missed else ""
        note = " ".join(x for x in [row.note, f"from {row.source}" if row.source else ""] if x)
        rows.append(
            f'<tr class="{"baseline" if row.is_baseline else ""}"><td><b>{html.escape(team)}</b></td>'
            f"<td>{html.escape(row.changes)}</td>"
            f'<td class="num">{money(row.nhs_position_gbp_m)}</td>'
            f'<td class="num">{money(row.nhs_control_total_gbp_m)}</td><td>{met}</td>'
            f"<td>{row.nhs_orgs_met} of {row.nhs_orgs}{html.escape(missed)}</td>"
            f'<td class="num">{money(row.place_position_gbp_m)}</td>'
            f"<td>{html.escape(note)}</td></tr>")
    return f'<table class="cs-teams">{head}{"".join(rows)}</table>'


def refused_html(refused: pd.DataFrame) -> str:
    """The files and codes that could not be used, each with its reason; empty if none."""
    if refused.empty:
        return ""
    items = "".join(f"<li><b>{html.escape(str(r.name))}</b>: {html.escape(str(r.reason))}</li>"
                    for r in refused.itertuples())
    return (f'<div class="cs-refused"><b>{len(refused)} could not be used</b> (the rest are '
            f"compared below):<ul>{items}</ul></div>")


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
