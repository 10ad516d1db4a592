"""Save or load a panel's scenario: a file in ``my_scenarios/`` and a code for the chat.

Every :class:`~casestudy.ui.common.Panel` carries one, folded under its reset button
("Save or load this scenario"). Saving writes the panel's whole scenario with
:func:`casestudy.workshop.save_scenario` (never over an existing file) and shows the file's
name and the code; loading takes a pasted code, a pasted file or the name of a file in the
scenarios folder, and hands the scenario to ``panel.load``, which sets the controls the
panel shows and keeps every other field (see ``Panel.load``). Problems are shown in words,
never as a traceback.

The folder is ``$CASESTUDY_SCENARIOS`` if set, else ``my_scenarios/`` at the kit's root
(one folder for every notebook and dashboard, so the facilitator's comparison finds them).
A page in a room is open to anyone on the network, so the Load box reaches only that folder
and Save stops when it is full (``casestudy.folders``); the code is shown even then.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Protocol

import ipywidgets as widgets

from ..errors import ScenarioError
from ..folders import MAX_PASTED_CHARS, inside, room_to_save
from ..scenario import Scenario, field_info
from ..system import System
from ..workshop import SavedScenario, load_saved, read_any, save_scenario, scenario_code

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
        self.pasted = widgets.Textarea(placeholder="Paste a code (BK1-...) or type a saved "
                                       "file's name",
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
            code = scenario_code(scenario, team=team, system=self.panel.system)
        except ScenarioError as exc:  # e.g. a team name too long
            self._say(f"Could not save: {exc}", ok=False)
            return None
        try:
            room_to_save(self.folder, _file_bytes(scenario, team))
            path = save_scenario(scenario, self.folder, team, system=self.panel.system)
        except (ScenarioError, OSError) as exc:
            self._say(f"Could not save a file: {html.escape(str(exc))}.<br>Your scenario's "
                      f"code, to paste in the chat instead:{_code_box(code)}", ok=False,
                      escape=False)
            return None
        self.last_path = path
        self.last_code = code
        self._say(f"Saved as <code>{html.escape(path.name)}</code> in the scenarios folder."
                  f"<br>Code to paste in the chat:{_code_box(code)}", ok=True, escape=False)
        return path

    # -- loading
    def load(self, text: str | None = None) -> SavedScenario | None:
        text = self.pasted.value if text is None else text
        try:
            saved = self._read(text)
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

    def _read(self, text: str) -> SavedScenario:
        """A pasted code or file, or the file in the scenarios folder that the text names."""
        if not isinstance(text, str) or not text.strip():
            return read_any(text)  # refuses it, saying what to paste
        if len(text) > MAX_PASTED_CHARS:
            raise ScenarioError(f"that is {len(text):,} characters, far more than a code or "
                                "a scenario file holds")
        stripped = text.strip().strip("\"'`")
        if re.match(r"BK\d+-", stripped) or stripped.startswith("{"):
            return read_any(text)
        path = inside(self.folder, stripped)
        try:
            is_file = path.is_file()
        except OSError as exc:  # a name the file system refuses outright
            raise ScenarioError(f"there is no file {path.name[:60]!r} in the scenarios folder "
                                f"({exc.strerror or exc})") from None
        if not is_file:
            raise ScenarioError(f"neither a code (a code starts with BK1-) nor a file in the "
                                f"scenarios folder: there is no file {path.name!r} there")
        return load_saved(path)

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



def _code_box(code: str) -> str:
    return (f'<div style="user-select: all; word-break: break-all; font-family: monospace;'
            f' background: #fff; padding: 2px 4px">{html.escape(code)}</div>')


def _file_bytes(scenario: Scenario, team: str) -> int:
    """About the size of the file Save writes: the scenario and its changes in words
    (indented JSON), the team's name, and the file's other entries (under 1 kB)."""
    body = json.dumps({"scenario": scenario.to_dict(), "changes": scenario.changes_from(Scenario())},
                      indent=2, ensure_ascii=False)
    return len(body.encode("utf-8")) + 4 * len(team.encode("utf-8")) + 1024
