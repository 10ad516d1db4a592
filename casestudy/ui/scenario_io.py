"""Save or load a panel's scenario: a file in ``my_scenarios/`` and a code for the chat.

Every :class:`~casestudy.ui.common.Panel` carries one, folded under its reset button
("Save or load this scenario"). Saving writes the panel's whole scenario with
:func:`casestudy.workshop.save_scenario` (never over an existing file) and shows the path
and the code; loading takes a pasted code, a pasted file or a file's path, and hands the
scenario to ``panel.load``, which sets the controls the panel shows and keeps every other
field (see ``Panel.load``). Problems are shown in words, never as a traceback.

The folder is ``$CASESTUDY_SCENARIOS`` if set, else ``my_scenarios/`` at the kit's root
(one folder for every notebook and dashboard, so the facilitator's comparison finds them).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Protocol

import ipywidgets as widgets

from ..errors import ScenarioError
from ..scenario import Scenario, field_info
from ..system import System
from ..workshop import SavedScenario, read_any, save_scenario, scenario_code

SCENARIOS_ENV = "CASESTUDY_SCENARIOS"
TITLE = "Save or load this scenario"


class ScenarioHolder(Protocol):
    """What the widget needs from a panel."""

    system: System
    baseline: Scenario

    def scenario(self) -> Scenario: ...

    def load(self, scenario: Scenario) -> list[str]: ...


def default_scenario_folder() -> Path:
    """Where teams' scenarios are saved: ``$CASESTUDY_SCENARIOS``, else the kit's ``my_scenarios``.

    >>> default_scenario_folder().name
    'my_scenarios'
    """
    chosen = os.environ.get(SCENARIOS_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    root = Path(__file__).resolve().parents[2]
    # In a checkout (``pip install -e .``) the kit's root holds pyproject.toml; an installed
    # copy lives in site-packages, where the current folder is the better place.
    return (root if (root / "pyproject.toml").is_file() else Path.cwd()) / "my_scenarios"


class ScenarioIO:
    """The save and load controls for one panel (``widget`` is an accordion, folded)."""

    def __init__(self, panel: ScenarioHolder, folder: str | os.PathLike | None = None) -> None:
        self.panel = panel
        self.folder = Path(folder) if folder is not None else default_scenario_folder()
        wide = widgets.Layout(width="320px")
        self.team = widgets.Text(description="Team name", placeholder="e.g. Table 3",
                                 style={"description_width": "initial"}, layout=wide)
        self.save_button = widgets.Button(description="Save", icon="save", button_style="info",
                                          tooltip="Save this scenario to a file and show its code")
        self.pasted = widgets.Textarea(placeholder="Paste a code (BK1-...) or a file's path",
                                       rows=2, layout=wide)
        self.load_button = widgets.Button(description="Load", icon="upload",
                                          tooltip="Set the controls from the code or file")
        self.message = widgets.HTML(layout=wide)
        self.last_path: Path | None = None
        self.last_code = ""
        self.save_button.on_click(lambda _: self.save())
        self.load_button.on_click(lambda _: self.load())
        self._widget: widgets.Widget | None = None

    # -- saving
    def save(self) -> Path | None:
        team = self.team.value.strip()
        if not team:
            self._say("Type your team's name first: it names the file.", ok=False)
            return None
        scenario = self.panel.scenario()
        try:
            path = save_scenario(scenario, self.folder, team, system=self.panel.system)
        except (ScenarioError, OSError) as exc:
            self._say(f"Could not save: {exc}", ok=False)
            return None
        self.last_path = path
        self.last_code = scenario_code(scenario, team=team, system=self.panel.system)
        self._say(f"Saved to <code>{html.escape(str(path))}</code>.<br>Code to paste in the chat:"
                  f'<div style="user-select: all; word-break: break-all; font-family: monospace;'
                  f' background: #fff; padding: 2px 4px">{html.escape(self.last_code)}</div>',
                  ok=True, escape=False)
        return path

    # -- loading
    def load(self, text: str | None = None) -> SavedScenario | None:
        text = self.pasted.value if text is None else text
        try:
            saved = read_any(text)
        except ScenarioError as exc:
            self._say(f"Could not load: {exc}", ok=False)
            return None
        before = self.panel.scenario()
        try:
            not_shown = self.panel.load(saved.scenario)
        except ScenarioError as exc:  # e.g. schemes this system does not have
            self.panel.load(before)
            self._say(f"Could not load: {exc}", ok=False)
            return None
        who = f"{saved.team}'s scenario" if saved.team else "The scenario"
        parts = [f"{who} is loaded."]
        system_name = getattr(self.panel.system, "name", "")
        if saved.system_name and saved.system_name != system_name:
            parts.append(f"It was saved for the system {saved.system_name!r}; this page shows "
                         f"{system_name!r}, so its numbers differ.")
        changes = saved.changes(self.panel.baseline)
        parts.append("Changed from the baseline: " + "; ".join(changes) + "."
                     if changes else "It is the baseline.")
        if not_shown:
            labels = ", ".join(field_info(name)["label"] for name in not_shown)
            parts.append(f"This panel cannot show: {labels}; it uses its own setting for them.")
        self._say(" ".join(parts), ok=True)
        return saved

    def _say(self, text: str, *, ok: bool, escape: bool = True) -> None:
        css = "cs-feedback-right" if ok else "cs-feedback-wrong"
        body = html.escape(text) if escape else text
        self.message.value = f'<div class="{css}" style="font-size: 13px">{body}</div>'

    @property
    def widget(self) -> widgets.Widget:
        if self._widget is None:
            body = widgets.VBox([
                self.team, self.save_button,
                widgets.HTML('<div class="cs-help">Or paste a code or a file\'s path:</div>'),
                self.pasted, self.load_button, self.message,
            ])
            self._widget = widgets.Accordion(children=[body], titles=(TITLE,), selected_index=None,
                                             layout=widgets.Layout(width="340px"))
        return self._widget

    def _ipython_display_(self) -> None:  # pragma: no cover - display only
        from IPython.display import display
        display(self.widget)

