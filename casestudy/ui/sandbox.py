"""The sandbox: every knob, two scenarios side by side, and saving and loading them.

Each scenario (A and B) has its own controls for every ``Scenario`` field, grouped as the
fields' metadata groups them, and its own "Save or load this scenario" box (files in
``my_scenarios/`` through :mod:`casestudy.workshop`, never overwritten, and codes for the
chat). The results: every organisation's position under A and B, what B changes from A, the
system totals, and the NHS system's reported and underlying position over the years.

>>> from casestudy import load_system
>>> box = Sandbox(load_system(), b=Scenario(risk_share=0.5))
>>> box.b.scenario().changes_from(box.a.scenario())
['Risk share 50% instead of 0%']
"""

from __future__ import annotations

import dataclasses
import html
import os
import time
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from ..charts import Figure, LiveSpec
from ..charts.distribution import records
from ..charts.sandbox import ab_positions_figure, ab_years_figure
from ..engine import YearResult, run_year
from ..errors import ScenarioError
from ..formats import money
from ..projection import project, system_totals
from ..scenario import ALL_RATES, BRADFORD_ACTIVITY_PRESET, Scenario, field_info, preset_phrase
from ..system import System
from .common import (
    CONTROL_WIDTH,
    PANEL_CSS,
    Prediction,
    Quiz,
    SchemePicker,
    chart_outputs,
    control,
    controls_and_charts,
    help_line,
)
from .default import default_system
from .scenario_io import ScenarioIO

DEFAULT_A = Scenario.preset("fixed_income")
# B starts as A with demand 3% above plan, so the first view already shows a difference
# (who carries extra demand under fixed income); "Copy A to B" starts B from A instead.
DEFAULT_B = dataclasses.replace(DEFAULT_A, demand_shock=0.03)
CUSTOM = "custom"  # the payment dropdown's value for a loaded mapping from service to rule
GROUP_TITLES = {  # headings of the fields' metadata groups
    "contracts": "Contracts and payment rules",
    "demand": "Demand",
    "money": "Money: prices, costs and savings",
    "priorities": "Shared priorities",
    "governance": "Governance: incentive funds and risk share",
    "place": "Beyond the NHS: council and social care",
    "years": "Over the years",
    "uncertainty": "Uncertainty (the lessons' simulations)",
}
CACHE_SIZE = 8  # results kept per scenario: moving one side's control reuses the other's
SAME_GBP_M = 0.05  # differences below this (£50k) read as none (shown to 0.1)


def groups() -> dict[str, list[str]]:
    """Every ``Scenario`` field, by its metadata group, in the dataclass's order.

    >>> groups()["governance"]
    ['incentive_fund_scale', 'system_linkage', 'risk_share']
    """
    out: dict[str, list[str]] = {}
    for f in fields(Scenario):
        out.setdefault(f.metadata["group"], []).append(f.name)
    return out


def _number_box(name: str, value: int) -> widgets.BoundedIntText:
    """A typed whole number for a field whose range is too wide for a slider (draws, seed)."""
    info = field_info(name)
    return widgets.BoundedIntText(
        value=value, min=int(info["min"]), max=int(info["max"]), step=int(info["step"]),
        description=info["label"], tooltip=info["help"], style={"description_width": "initial"},
        layout=widgets.Layout(width=CONTROL_WIDTH))


def _payment_control(value: Any) -> widgets.Dropdown:
    """The preset dropdown, with a "custom" entry when the scenario pays by a mapping."""
    widget = control("payment", value)
    if not isinstance(value, str):
        widget.options = [*widget.options, ("Custom rules (loaded)", CUSTOM)]
        widget.value = CUSTOM
    return widget


# --------------------------------------------------------------------------- model side


def side_by_side(a: YearResult, b: YearResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two years' results side by side: (organisations, system totals).

    Organisations: one row per organisation x scenario ("A", "B") with ``org_id, name, kind,
    position_gbp_m, position_before_incentive_gbp_m, underlying_position_gbp_m,
    control_total_gbp_m, met_control_total, change_gbp_m`` (B minus A, of the position).
    System totals: one row per boundary ("nhs", "place") with ``a_...``, ``b_...`` and
    ``change_...`` of the position and the underlying position, and the control total and
    whether each met it.
    """
    columns = ["name", "kind", "position_gbp_m", "position_before_incentive_gbp_m",
               "underlying_position_gbp_m", "control_total_gbp_m", "met_control_total"]
    oa, ob = a.organisations, b.organisations
    count = len(oa)
    change = ob.position_gbp_m.to_numpy() - oa.position_gbp_m.to_numpy()
    orgs = pd.DataFrame({
        "scenario": ["A"] * count + ["B"] * count,
        "org_id": [*oa.index, *ob.index],
        **{c: np.concatenate([oa[c].to_numpy(), ob[c].to_numpy()]) for c in columns},
        "change_gbp_m": np.tile(change, 2),
    })
    sa, sb = a.system, b.system
    totals = pd.DataFrame({
        "a_position_gbp_m": sa.position_gbp_m, "b_position_gbp_m": sb.position_gbp_m,
        "change_position_gbp_m": sb.position_gbp_m - sa.position_gbp_m,
        "a_underlying_position_gbp_m": sa.underlying_position_gbp_m,
        "b_underlying_position_gbp_m": sb.underlying_position_gbp_m,
        "change_underlying_position_gbp_m": sb.underlying_position_gbp_m - sa.underlying_position_gbp_m,
        "control_total_gbp_m": sa.control_total_gbp_m,
        "a_met_control_total": sa.met_control_total, "b_met_control_total": sb.met_control_total,
    })
    return orgs, totals


# --------------------------------------------------------------------------- one scenario's controls


class ScenarioSide:
    """The controls of one scenario: every field, grouped, with save and load.

    ``scenario()`` is the scenario the controls describe; ``load(scenario)`` sets them (and
    keeps a custom payment mapping). ``on_change`` is called after every change. The group
    ``open_group`` (else the first) is open at the start.
    """

    def __init__(self, label: str, system: System, start: Scenario,
                 on_change: Callable[[], None], folder: str | os.PathLike | None = None,
                 open_group: str | None = None) -> None:
        self.label = label
        self.system = system
        self.baseline = start  # what "Reset" returns to (and what ScenarioIO reports against)
        self.context = start  # holds a loaded custom payment mapping
        self.on_change = on_change
        self._paused = False
        self.controls: dict[str, widgets.Widget] = {}
        for name in (f.name for f in fields(Scenario)):
            value = getattr(start, name)
            if name == "schemes":
                continue
            if name == "payment":
                widget = _payment_control(value)
            elif name in ("draws", "seed"):
                widget = _number_box(name, value)
            else:
                widget = control(name, value)
            widget.observe(self._changed, names="value")
            self.controls[name] = widget
        self.picker = SchemePicker(system, list(system.schemes.index), start.schemes,
                                   self._changed, width=CONTROL_WIDTH)
        self.scheme_boxes = self.picker.boxes
        self.reset_button = widgets.Button(description="Reset", icon="undo",
                                           tooltip=f"Put every control of {label} back")
        self.reset_button.on_click(lambda _: self.reset())
        self.scenario_io = ScenarioIO(self, folder)
        self.open_group = open_group
        self._widget: widgets.Widget | None = None
        self._grey_unused_rates()

    # -- the scenario
    def scenario(self) -> Scenario:
        values = {name: w.value for name, w in self.controls.items()}
        if values["payment"] == CUSTOM:
            values["payment"] = self.context.payment
        values["schemes"] = self.picker.chosen
        return dataclasses.replace(self.context, **values)

    def _changed(self, change: Any = None) -> None:
        if not self._paused:
            self._grey_unused_rates()
            self.on_change()

    def _grey_unused_rates(self) -> None:
        """Disable the rate sliders the chosen payment rule ignores (moving them would
        change nothing); their help line says which rule reads them."""
        unused = self.scenario().unused_rates()
        for name in ALL_RATES:
            self.controls[name].disabled = name in unused

    def load(self, scenario: Scenario) -> list[str]:
        """Set every control from ``scenario``; returns the fields it could not show
        (schemes this system does not have)."""
        unknown = self.picker.unknown(scenario.schemes)
        if unknown:
            raise ScenarioError(f"schemes: {unknown} not in this system; its schemes are "
                                f"{', '.join(self.scheme_boxes)}")
        self._paused = True
        try:
            self.context = scenario
            payment = self.controls["payment"]
            custom = not isinstance(scenario.payment, str)
            options = [o for o in payment.options if o[1] != CUSTOM]
            payment.options = options + ([("Custom rules (loaded)", CUSTOM)] if custom else [])
            for name, widget in self.controls.items():
                widget.value = CUSTOM if name == "payment" and custom else getattr(scenario, name)
            self.picker.show(scenario.schemes)
        finally:
            self._paused = False
        self._grey_unused_rates()
        self.on_change()
        shown = self.scenario()
        return [f.name for f in fields(Scenario) if getattr(shown, f.name) != getattr(scenario, f.name)]

    def reset(self) -> None:
        self.load(self.baseline)

    # -- layout
    @property
    def widget(self) -> widgets.Widget:
        if self._widget is None:
            sections, titles = [], []
            for group, names in groups().items():
                items: list[widgets.Widget] = []
                for name in names:
                    if name == "schemes":
                        items += [widgets.HTML(f'<div class="cs-help">{html.escape(field_info(name)["help"])}.</div>'),
                                  *self.picker.rows]
                    else:
                        items += [self.controls[name], help_line(name)]
                sections.append(widgets.VBox(items))
                titles.append(GROUP_TITLES.get(group, group.capitalize()))
            names = list(groups())
            first = names.index(self.open_group) if self.open_group in names else 0
            accordion = widgets.Accordion(children=sections, titles=tuple(titles), selected_index=first,
                                          layout=widgets.Layout(width="auto"))
            self._widget = widgets.VBox([accordion, self.reset_button, self.scenario_io.widget])
        return self._widget


# --------------------------------------------------------------------------- the sandbox


TAB_TITLES = ("A: starting point", "B: your deal")
SAVE_CUE = ("Change B and compare it with A. For the team round, save or send B: its own "
            "\"Save or load this scenario\" box is under B's controls.")


class Sandbox:
    """Two scenarios, A and B, each with every control, and what B changes from A.

    After each change ``figures`` holds what was drawn (their ``data`` is what tests check),
    ``specs`` the Vega-Lite specs, ``text`` the words and ``last_render_ms`` the kernel time.
    """

    title = "Sandbox: two scenarios side by side"

    def __init__(self, system: System | None = None, a: Scenario | None = None,
                 b: Scenario | None = None, folder: str | os.PathLike | None = None) -> None:
        self.system = system if system is not None else default_system()
        self._paused = True
        self.a = ScenarioSide("A", self.system, a if a is not None else DEFAULT_A, self.update, folder)
        b = b if b is not None else DEFAULT_B
        # B opens on the group of the first setting it changes from A: the knob to try first.
        changed = [f.name for f in fields(Scenario)
                   if getattr(b, f.name) != getattr(self.a.baseline, f.name)]
        self.b = ScenarioSide("B", self.system, b, self.update, folder,
                              open_group=field_info(changed[0])["group"] if changed else None)
        self.copy_a_to_b = widgets.Button(description="Copy A to B", icon="arrow-right",
                                          tooltip="Set every control of B to A's")
        self.copy_b_to_a = widgets.Button(description="Copy B to A", icon="arrow-left",
                                          tooltip="Set every control of A to B's")
        self.copy_a_to_b.on_click(lambda _: self.b.load(self.a.scenario()))
        self.copy_b_to_a.on_click(lambda _: self.a.load(self.b.scenario()))
        self.changes = widgets.HTML()
        self.output = widgets.Output(layout=widgets.Layout(min_height="300px"))
        self.words = widgets.HTML()
        self.live = LiveSpec()
        self.figures: list[Figure] = []
        self.specs: list[dict] = []
        self.text = ""
        self.last_render_ms = 0.0
        self._results: dict[Scenario, tuple[YearResult, pd.DataFrame]] = {}
        orgs = self.system.organisations
        self.nhs_ids = set(orgs.index[orgs.in_nhs_control_total.astype(bool)])
        self._widget: widgets.Widget | None = None
        self._paused = False

    # -- the model
    def results(self, scenario: Scenario) -> tuple[YearResult, pd.DataFrame]:
        """(one year, the NHS system totals year by year) for a scenario, kept for reuse."""
        if scenario not in self._results:
            if len(self._results) >= CACHE_SIZE:
                self._results.pop(next(iter(self._results)))
            self._results[scenario] = (run_year(self.system, scenario),
                                       system_totals(project(self.system, scenario)))
        return self._results[scenario]

    def render(self, a: Scenario, b: Scenario) -> tuple[list[Figure], str]:
        year_a, years_a = self.results(a)
        year_b, years_b = self.results(b)
        orgs, totals = side_by_side(year_a, year_b)
        stacked = pd.concat([years_a.assign(scenario="A"), years_b.assign(scenario="B")],
                            ignore_index=True)
        figures = [
            ab_positions_figure(orgs, chart_title="Each organisation's position under A and B"),
            ab_years_figure(stacked, chart_title="The NHS system over the years"),
        ]
        return figures, self._words(a, b, orgs, totals)

    def _words(self, a: Scenario, b: Scenario, orgs: pd.DataFrame, totals: pd.DataFrame) -> str:
        rows = []
        labels = {"nhs": "NHS system (control total)",
                  "place": "Whole place (with council and voluntary sector)"}
        for r in records(totals.reset_index()):
            control_total = money(r["control_total_gbp_m"]) if r["boundary"] == "nhs" else ""
            cells = [money(r["a_position_gbp_m"]), money(r["b_position_gbp_m"]),
                     money(r["change_position_gbp_m"], signed=True), money(r["a_underlying_position_gbp_m"]),
                     money(r["b_underlying_position_gbp_m"]),
                     money(r["change_underlying_position_gbp_m"], signed=True), control_total]
            rows.append(f"<tr><td>{labels.get(r['boundary'], r['boundary'])}</td>"
                        + "".join(f"<td class='num'>{c}</td>" for c in cells) + "</tr>")
        table = (
            "<table class='cs-ab'><tr><th></th><th>A</th><th>B</th><th>B - A</th>"
            "<th>A underlying</th><th>B underlying</th><th>B - A</th><th>Control total</th></tr>"
            + "".join(rows) + "</table>")
        org_rows = records(orgs, ["scenario", "org_id", "name", "change_gbp_m", "met_control_total"])
        b_rows = [r for r in org_rows if r["scenario"] == "B"]
        moved = sorted((r for r in b_rows if abs(r["change_gbp_m"]) >= SAME_GBP_M),
                       key=lambda r: -abs(r["change_gbp_m"]))
        if not moved:
            who = "B leaves every organisation's position where A has it."
        else:
            who = "B moves most: " + "; ".join(
                f"{html.escape(r['name'])} {money(r['change_gbp_m'], signed=True)}" for r in moved[:3]) + "."
        missed = {s: [r["name"] for r in org_rows if r["scenario"] == s
                      and not r["met_control_total"] and r["org_id"] in self.nhs_ids]
                  for s in ("A", "B")}
        met = " ".join(
            f"Under {s}, {len(missed[s])} NHS organisation{'s' if len(missed[s]) != 1 else ''} "
            f"miss{'es' if len(missed[s]) == 1 else ''} {'its' if len(missed[s]) == 1 else 'their'} "
            "control total" + (f" ({html.escape(', '.join(missed[s]))})." if missed[s] else ".")
            for s in ("A", "B"))
        return f"{table}<p>{who} {met}</p>"

    # -- reacting to the learner
    def update(self) -> None:
        if self._paused:
            return
        started = time.perf_counter()
        a, b = self.a.scenario(), self.b.scenario()
        self.figures, self.text = self.render(a, b)
        self.specs = [self.live.spec(f) for f in self.figures]
        differences = b.changes_from(a, dict(zip(self.system.schemes.index, self.system.schemes["name"])))
        self.changes.value = '<div class="cs-changes">' + (
            "<b>What B changes from A:</b> " + html.escape("; ".join(differences))
            if differences else "<b>B is the same as A.</b> Change a control under B, or load a scenario."
        ) + "</div>"
        self.words.value = f'<div class="cs-summary">{self.text}</div>'
        self.output.outputs = chart_outputs(self.specs, self.figures)
        self.last_render_ms = (time.perf_counter() - started) * 1000

    # -- layout
    @property
    def widget(self) -> widgets.Widget:
        if self._widget is None:
            tabs = widgets.Tab(children=[self.a.widget, self.b.widget],
                               titles=TAB_TITLES, selected_index=1)
            # Which tab to save: the review found a table that saved A, the starting point.
            cue = widgets.HTML(f'<div class="cs-help cs-save-cue">{html.escape(SAVE_CUE)}</div>')
            left = widgets.VBox([widgets.HBox([self.copy_a_to_b, self.copy_b_to_a]), cue, tabs],
                                # The controls' 330px plus the tab's and the accordion's padding.
                                layout=widgets.Layout(width="415px", flex="0 0 415px"))
            right = widgets.VBox([self.changes, self.output, self.words],
                                 layout=widgets.Layout(flex="1 1 auto"))
            css = PANEL_CSS + ("<style>.cs-ab { border-collapse: collapse; font-size: 13px; }"
                               ".cs-ab th, .cs-ab td { padding: 2px 6px; border-bottom: 1px solid #ddd; }"
                               ".cs-ab td.num { text-align: right; font-variant-numeric: tabular-nums; }"
                               "</style>")
            self._widget = widgets.VBox([widgets.HTML(css), widgets.HTML(f"<h3>{self.title}</h3>"),
                                         controls_and_charts(left, right)])
            self._widget.add_class("cs-panel")
            self.update()
        return self._widget

    def _ipython_display_(self) -> None:
        display(self.widget)


# --------------------------------------------------------------------------- prose and checks


def how_to(system: System | None = None) -> Markdown:
    """What the sandbox starts with, in words computed from the model."""
    system = system if system is not None else default_system()
    a = run_year(system, DEFAULT_A).system.loc["nhs"]
    b = run_year(system, DEFAULT_B).system.loc["nhs"]
    return Markdown(
        f"The sandbox opens with **A** as the kit's baseline ({preset_phrase(DEFAULT_A.payment)}, "
        f"demand on plan: the NHS system reports {money(a.position_gbp_m)}) and **B** the same "
        f"with {DEFAULT_B.demand_shock:.0%} more demand than planned (it reports "
        f"{money(b.position_gbp_m)}). Every setting has its range and a line of help under it; "
        f"the groups fold away. It has {len(fields(Scenario))} settings in "
        f"{len(groups())} groups.")


def checks(system: System | None = None) -> list[Quiz]:
    """Two predictions that the sandbox answers: set them up under A and B to see."""
    system = system if system is not None else default_system()

    def rule_reveal() -> tuple[int, str]:
        a = dataclasses.replace(DEFAULT_B, payment="fixed_income")
        b = dataclasses.replace(DEFAULT_B, payment=BRADFORD_ACTIVITY_PRESET)
        ua = run_year(system, a).system.loc["nhs", "underlying_position_gbp_m"]
        ub = run_year(system, b).system.loc["nhs", "underlying_position_gbp_m"]
        same = abs(ub - ua) < SAME_GBP_M
        return (2 if same else 0 if ub > ua else 1), (
            f"With demand {DEFAULT_B.demand_shock:.0%} above plan the NHS system's underlying "
            f"position is {money(ua)} under fixed income and {money(ub)} under "
            f"{preset_phrase(BRADFORD_ACTIVITY_PRESET)}: payments between NHS organisations "
            "cancel out in the system's total.")

    def years_reveal() -> tuple[int, str]:
        base = system_totals(project(system, DEFAULT_A))
        more = system_totals(project(system, dataclasses.replace(DEFAULT_A, recurrent_share=1.0)))
        gain = (more.underlying_position_gbp_m - base.underlying_position_gbp_m).to_numpy()
        growing = bool(np.all(np.diff(gain) > -1e-9)) and gain[-1] > gain[0] + SAME_GBP_M
        return (0 if growing else 1), (
            f"With every delivered saving recurrent, the underlying position improves by "
            f"{money(gain[0])} in year 1 and {money(gain[-1])} in year {len(gain)}: a recurrent "
            "saving stays out of every later year's costs, so the gains add up.")

    return [
        Prediction("Set A to fixed income and B to payment by results + MRET, both with demand "
                   "above plan. Which has the better underlying position for the NHS system?",
                   ["Payment by results + MRET", "Fixed income", "Neither: they are the same"],
                   rule_reveal),
        Prediction("Under B, make every delivered saving recurrent (recurrent share 1). Over the "
                   "years, does the gain in the underlying position grow or stay the same?",
                   ["It grows year after year", "It stays the same each year"],
                   years_reveal),
    ]
