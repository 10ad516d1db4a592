"""Handouts: each lesson as one static HTML page for a laptop with no Python and no network.

``write_handouts("handouts")`` (``make handouts``) writes, for every lesson notebook, a page
with the lesson's narrative, its panels' baseline charts (inline SVG, plus a PNG file and a
CSV of the data beside the page) and their data tables, and its checks of understanding
with the answers folded. Where a lesson's key knobs can be computed in advance, the page
stays interactive: the lesson's own panel draws its key chart for every combination of a
small grid (``panel_grid``: lesson 2's shift of care through ``behaviours``, as the
dashboard draws it), and that chart, its sliders and radio buttons *filtering* the grid and
its axes fixed over it, shows the result with its summary in words; the sandbox's team round
is every organisation's position, one engine run a combination (``grid_frame``). The
browser computes nothing the model did not. Vega, Vega-Lite and vega-embed are inlined
from ``vl_convert.javascript_bundle()``, so a page works from a USB stick with no network.
Also written: the facilitator's run sheet (``guide.html``), the glossary, the data notes
and an ``index.html``.

The pages come from the notebooks themselves: each code cell is run (they are one-liners
that return Markdown, a panel or the checks) and its value rendered, so the handout says
what the notebook says, with the same computed figures.

Every name from the loaded system is shown as text (``casestudy.names``): Markdown's raw
HTML is shown as typed, a chart's spec is embedded as JSON that cannot close its script,
and a text cell of a CSV file that a spreadsheet would read as a formula (``=``, ``+``,
``-``, ``@``...) starts with a single quote, every text field quoted.

>>> frame = grid_frame(load_system(), Grid(key="demo", title="", question="",
...     knobs=(Knob(field="risk_share", values=(0.0, 1.0)),)))
>>> sorted(float(v) for v in frame.risk_share.unique())  # a share in %, as on screen
[0.0, 100.0]
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import hashlib
import html
import io
import itertools
import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import mistune
import nbformat
import pandas as pd

from .behaviours import SHIFT_SHARE
from .charts.style import KIND_COLOURS, KIND_LABELS, LABELS, Figure, kind_colour, spec_nodes
from .charts.style import money as _money
from .engine import run_year
from .errors import ScenarioError
from .lessons import NOTEBOOK_ORDER, Lesson, by_notebook
from .names import html_text, script_json, write_csv
from .priorities import scheme_table
from .scenario import (
    BRADFORD_PRESETS,
    PRESET_LABELS,
    PRESETS,
    Scenario,
    field_info,
)
from .system import System, load_system
from .ui.common import shown_value
from .words import SafeRenderer
from .workshop import scenario_code

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
GUIDE = NOTEBOOKS / "facilitator" / "guide.md"
GLOSSARY = NOTEBOOKS / "glossary.md"
DATA_NOTES = ROOT / "data" / "README.md"
VEGA_LITE_VERSION = "v5.20"  # what altair 5.5 emits; the inlined bundle must match it
SYSTEM_ROW = "nhs_system"
TABLE_ROWS_SHOWN = 40
_TOLERANCE = 1e-6  # slider values and grid values are equal within this


# --------------------------------------------------------------------------- grids


@dataclass(frozen=True, kw_only=True)
class Knob:
    """One axis of a grid: a scenario field and the values it takes.

    ``shown`` is what the page's control shows and the grid's column holds for each value
    (the value itself by default; the preset's label for the payment rule; the number of
    schemes for a list of schemes). Numbers evenly spaced get a slider, the rest radio buttons.
    """

    field: str
    values: tuple[Any, ...]
    shown: tuple[Any, ...] = ()
    label: str = ""
    # A knob of a lesson's panel that is not a scenario field (lesson 2's shift of care): its
    # metadata, described as a field's is, and how to set it on the panel.
    info: dict[str, Any] | None = None
    apply: Callable[[Any, Any], None] | None = None

    def __post_init__(self) -> None:
        if (self.info is None) != (self.apply is None):
            raise ScenarioError(f"knob {self.field}: a knob that is not a scenario field needs "
                                "both its info and how to apply it")
        _ = self.meta  # a KeyError names an unknown field now, not in the loop
        if not self.values:
            raise ScenarioError(f"knob {self.field}: needs at least one value")
        if self.shown and len(self.shown) != len(self.values):
            raise ScenarioError(f"knob {self.field}: one shown value per value")

    @property
    def meta(self) -> dict[str, Any]:
        """The knob's label, unit and range: the scenario field's, or its own ``info``."""
        return self.info if self.info is not None else field_info(self.field)

    @property
    def column(self) -> str:
        return self.field if self.field != "schemes" else "schemes_count"

    @property
    def percent(self) -> bool:
        """Whether the page shows this knob's values as percentages (a share or a fraction
        with no ``shown`` values of its own), as the dashboards' sliders read them."""
        unit = self.meta["unit"]
        return (not self.shown and unit.startswith(("fraction", "share"))
                and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                        for v in self.values))

    @property
    def shown_values(self) -> tuple[Any, ...]:
        if self.percent:  # 0.25 shown as 25 (%), rounded clear of floating-point noise
            return tuple(round(100 * v, 6) for v in self.values)
        return self.shown or self.values

    @property
    def title(self) -> str:
        title = self.label or self.meta["label"]
        return f"{title} (%)" if self.percent else title

    @property
    def slider_step(self) -> float | None:
        """The step if the shown values are evenly spaced numbers (a slider), else None."""
        shown = self.shown_values
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in shown):
            return None
        if len(shown) < 2:
            return None
        steps = {round(b - a, 9) for a, b in itertools.pairwise(shown)}
        return steps.pop() if len(steps) == 1 and min(shown) < max(shown) else None


@dataclass(frozen=True, kw_only=True)
class Grid:
    """Every combination of a few knobs, each run through the engine for the handout.

    With ``panel`` (a function of the system that builds a lesson's panel), each combination
    is drawn by that panel's own ``render``, as the dashboard draws it, and the page shows
    the panel's figure number ``figure``: the lesson's own chart, through the model
    functions the lesson calls (:func:`panel_grid`). Without it, each combination is one
    :func:`casestudy.engine.run_year` and the page shows every organisation's position
    (:func:`grid_frame`, :func:`grid_chart`).
    """

    key: str
    title: str
    question: str
    knobs: tuple[Knob, ...]
    base: Scenario = field(default_factory=Scenario)
    start: tuple[Any, ...] = ()  # the shown value each control starts at (default: first)
    panel: Callable[[System], Any] | None = None
    figure: int = 0

    def scenarios(self, base: Scenario | None = None) -> list[tuple[tuple[Any, ...], Scenario]]:
        """(shown values, scenario) for every combination, in grid order (the knobs that are
        not scenario fields left to :func:`panel_grid`)."""
        out = []
        for combo in itertools.product(*(range(len(k.values)) for k in self.knobs)):
            changes = {k.field: k.values[i] for k, i in zip(self.knobs, combo)
                       if k.apply is None}
            shown = tuple(k.shown_values[i] for k, i in zip(self.knobs, combo))
            out.append((shown, dataclasses.replace(self.base if base is None else base,
                                                   **changes)))
        return out

    def combinations(self) -> list[tuple[tuple[Any, ...], tuple[Any, ...]]]:
        """(shown values, values) for every combination, in grid order."""
        return [(tuple(k.shown_values[i] for k, i in zip(self.knobs, combo)),
                 tuple(k.values[i] for k, i in zip(self.knobs, combo)))
                for combo in itertools.product(*(range(len(k.values)) for k in self.knobs))]


@dataclass(frozen=True)
class PanelGrid:
    """A lesson's chart over a grid: ``frame`` (the figure's data for every combination, with
    a column per knob and each combination's scenario code), ``spec`` (the figure's
    Vega-Lite spec over that frame: the controls filter it, its axes fixed over the whole
    grid) and ``summaries`` (each combination's text alternative, by its shown values)."""

    frame: pd.DataFrame
    spec: dict
    summaries: list[tuple[tuple[Any, ...], str]]


def combination_key(shown: Sequence[Any]) -> str:
    """The key of one combination, as the page's script builds it from the controls.

    >>> combination_key((3, 25.0, "Fixed income"))
    '3|25|Fixed income'
    """
    return "|".join(f"{v:g}" if isinstance(v, float) else str(v) for v in shown)


def panel_grid(system: System, grid: Grid) -> PanelGrid:
    """Every combination of ``grid`` drawn by the lesson's own panel (``grid.panel``).

    The panel's controls are set as a learner sets them (a scenario field through the
    scenario, any other knob through its ``apply``), and its ``render`` called: the figure is
    what the dashboard draws for those settings, every number the lesson's model's. Raises
    ``ScenarioError`` when the panel draws no such figure or the combinations' charts cannot
    share one shape.
    """
    if grid.panel is None:
        raise ScenarioError(f"grid {grid.key}: no panel to draw it")
    panel = grid.panel(system)
    panel._paused = True  # the grid sets the controls; the panel draws only when asked
    base = panel.scenario()

    drawn: list[tuple[tuple[Any, ...], Scenario, Figure]] = []
    for (shown, values), (_, scenario) in zip(grid.combinations(), grid.scenarios(base)):
        for knob, value in zip(grid.knobs, values):
            if knob.apply is not None:
                knob.apply(panel, value)
        figures, _text = panel.render(scenario)
        figures = figures if isinstance(figures, list) else [figures]
        if len(figures) <= grid.figure:
            raise ScenarioError(f"grid {grid.key}: the panel draws no chart for "
                                f"{combination_key(shown)}")
        drawn.append((shown, scenario, figures[grid.figure]))
    shapes = {f.shape for *_, f in drawn}
    if len(shapes) > 1:
        raise ScenarioError(f"grid {grid.key}: its {len(drawn)} combinations draw "
                            f"{len(shapes)} different charts (rows or kinds), so one chart "
                            "cannot show them all")
    frames, summaries = [], []
    for shown, scenario, figure in drawn:
        part = figure.data.copy()
        for knob, value in zip(grid.knobs, shown):
            part[knob.column] = value
        part["code"] = scenario_code(scenario, system=system)
        frames.append(part)
        summaries.append((shown, figure.summary))
    frame = pd.concat(frames, ignore_index=True)
    start = _start_shown(grid)
    first = next((f for shown, _, f in drawn if combination_key(shown) == combination_key(start)),
                 drawn[0][2])
    spec = first.chart().to_dict()  # validated once, at the starting settings
    names = list(spec.get("datasets", {}))
    if len(names) != 1:
        raise ScenarioError(f"grid {grid.key}: its chart must keep its data in one dataset")
    spec["datasets"] = {names[0]: json.loads(frame.to_json(orient="records",
                                                            double_precision=10))}
    fix_domains(spec, frame)
    params, chosen = _controls(grid)
    spec["params"] = [*spec.get("params", []), *params]
    spec["transform"] = [{"filter": chosen}, *spec.get("transform", [])]
    knobs = ", ".join(k.title.lower() for k in grid.knobs)
    spec["description"] = (f"The lesson's chart for the settings chosen ({knobs}), from "
                           f"{len(drawn)} runs of the model made in advance. At the settings "
                           f"shown first: {first.summary}")
    return PanelGrid(frame, spec, summaries)


def _start_shown(grid: Grid) -> tuple[Any, ...]:
    return tuple(grid.start[n] if len(grid.start) > n else k.shown_values[0]
                 for n, k in enumerate(grid.knobs))


_AXES = {"x": "x", "x2": "x", "y": "y", "y2": "y"}


def fix_domains(spec: dict, frame: pd.DataFrame) -> None:
    """Fix each quantitative x and y axis of ``spec`` to the range of its fields over the
    whole ``frame`` (and zero), so that moving a control moves the marks, not the axis.

    An axis whose chart sets its own domain keeps it.

    >>> spec = {"layer": [{"encoding": {"x": {"field": "a", "type": "quantitative"}}},
    ...                   {"encoding": {"x": {"field": "b", "type": "quantitative"}}}]}
    >>> fix_domains(spec, pd.DataFrame({"a": [1.0, 4.0], "b": [-2.0, 3.0]}))
    >>> spec["layer"][0]["encoding"]["x"]["scale"], spec["layer"][1]["encoding"]["x"]["scale"]
    ({'domain': [-2.0, 4.0]}, {'domain': [-2.0, 4.0]})
    """
    encodings: dict[str, list[dict]] = {"x": [], "y": []}
    fields: dict[str, set[str]] = {"x": set(), "y": set()}

    for node in spec_nodes(spec):
        for channel, axis in _AXES.items():
            encoding = node.get("encoding", {}).get(channel) if isinstance(
                node.get("encoding"), dict) else None
            if isinstance(encoding, dict) and encoding.get("field") in frame.columns and (
                    encoding.get("type") == "quantitative" or channel in ("x2", "y2")):
                fields[axis].add(encoding["field"])
                if channel in ("x", "y"):
                    encodings[axis].append(encoding)
    for axis, found in encodings.items():
        if not found or any("domain" in e.get("scale", {}) for e in found):
            continue
        values = frame[sorted(fields[axis])].apply(pd.to_numeric, errors="coerce")
        low = min(0.0, float(values.min().min()))
        high = max(0.0, float(values.max().max()))
        if not (math.isfinite(low) and math.isfinite(high)) or low == high:
            continue
        for encoding in found:
            encoding["scale"] = {**encoding.get("scale", {}), "domain": [low, high]}


def _controls(grid: Grid) -> tuple[list[dict], str]:
    """The grid's controls as Vega-Lite parameters bound to sliders and radio buttons (in
    % as the dashboards' sliders read them) and the filter that picks their combination."""
    params, tests = [], []
    for number, (knob, start) in enumerate(zip(grid.knobs, _start_shown(grid))):
        shown = list(knob.shown_values)
        name = f"knob_{number}"
        step = knob.slider_step
        if step is not None:
            bind = {"input": "range", "min": min(shown), "max": max(shown), "step": step,
                    "name": f"{knob.title} "}
            tests.append(f"abs(datum['{knob.column}'] - {name}) < {_TOLERANCE}")
        else:
            bind = {"input": "radio", "options": shown, "name": f"{knob.title} "}
            tests.append(f"datum['{knob.column}'] == {name}")
        params.append({"name": name, "value": start, "bind": bind})
    return params, " && ".join(tests)


def grid_frame(system: System, grid: Grid) -> pd.DataFrame:
    """The grid computed by the engine: one row per combination x organisation, plus one
    ``nhs_system`` row per combination carrying the NHS totals and the scenario's code.

    Every number is ``run_year``'s; the page only filters these rows.
    """
    frames = []
    for shown, scenario in grid.scenarios():
        year = run_year(system, scenario)
        orgs = year.organisations.reset_index()[[
            "org_id", "name", "kind", "in_nhs_control_total", "position_gbp_m",
            "underlying_position_gbp_m", "control_total_gbp_m", "met_control_total"]].copy()
        nhs = year.system.loc["nhs"]
        orgs.loc[len(orgs)] = {
            "org_id": SYSTEM_ROW, "name": "NHS system", "kind": "total",
            "in_nhs_control_total": True, "position_gbp_m": nhs.position_gbp_m,
            "underlying_position_gbp_m": nhs.underlying_position_gbp_m,
            "control_total_gbp_m": nhs.control_total_gbp_m,
            "met_control_total": bool(nhs.met_control_total)}
        orgs["code"] = ""
        orgs.loc[orgs.org_id == SYSTEM_ROW, "code"] = scenario_code(scenario, system=system)
        for knob, value in zip(grid.knobs, shown):
            orgs[knob.column] = value
        frames.append(orgs)
    frame = pd.concat(frames, ignore_index=True)
    frame["met_control_total"] = frame.met_control_total.astype(bool)
    frame["kind_label"] = frame.kind.map(KIND_LABELS).fillna("NHS system")
    return frame


def _panel(module: str, name: str) -> Callable[[System], Any]:
    """A lesson's panel class, built for a system when its grid is drawn (the lesson's
    module imported then: a page with no grid does not import every lesson)."""
    def build(system: System) -> Any:
        import importlib
        return getattr(importlib.import_module(f"casestudy.ui.{module}"), name)(system)
    build.__qualname__ = f"{module}.{name}"
    return build


def _set_shift(panel: Any, share: float) -> None:
    """Lesson 2's size of the shift, set on its panel's own slider."""
    panel.share.value = share


def lesson_grids(system: System) -> dict[str, list[Grid]]:
    """The grids each lesson's handout carries, keyed by its slug (``casestudy.lessons``)."""
    # The rules of the Bradford years, which the lessons compare (the page stays small).
    rules = BRADFORD_PRESETS
    rule_labels = tuple(PRESET_LABELS[p] for p in rules)
    payment = Knob(field="payment", values=rules, shown=rule_labels)
    shocks = tuple(round(-0.1 + 0.02 * k, 2) for k in range(11))  # -10% to +10% of plan
    ranked = scheme_table(system, Scenario()).sort_values("nhs_benefit_gbp_m", ascending=False,
                                                          kind="stable").scheme_id.tolist()
    portfolios = tuple(tuple(ranked[:n]) for n in range(len(ranked) + 1))
    percents = (0.0, 0.25, 0.5, 0.75, 1.0)
    shocks_up = (0.0, 0.01, 0.02, 0.03, 0.04, 0.05)
    grids = {
        # Lesson 1: the best portfolio of each size against the leadership capacity, with the
        # learner's (the best few schemes, as many as the slider says).
        "system_fundamentals": [Grid(
            key="priorities", title="More priorities, or fewer done well?",
            question="Add shared schemes, best first, and change the leadership capacity: "
                     "when does one more scheme stop paying?",
            knobs=(Knob(field="schemes", values=portfolios,
                        shown=tuple(range(len(portfolios))), label="Number of schemes"),
                   Knob(field="leadership_capacity", values=(2.0, 4.0, 6.0, 8.0, 10.0, 12.0))),
            start=(3, 6.0), panel=_panel("lesson1", "PortfolioPanel"), figure=1)],
        # Lesson 2: the shift of care (not a scenario field: the panel's own knob) under each
        # payment rule, through behaviours.deal and shift_by_rule as the dashboard draws it.
        "no_winners_and_losers": [Grid(
            key="shift", title="Move care out of hospital: who gains, who loses?",
            question="Move more or less care out of hospital and change the capacity flex: "
                     "under each payment rule, who gains and who loses, and does the whole "
                     "system's change depend on the rule?",
            knobs=(Knob(field="shift_share", values=tuple(round(0.01 * k, 2) for k in range(1, 7)),
                        info=SHIFT_SHARE, apply=_set_shift),
                   Knob(field="flex", values=percents)),
            start=(round(100 * SHIFT_SHARE["default"], 6), 25),
            panel=_panel("lesson2", "ShiftPanel"))],
        # Lesson 3: the incentive fund each partner receives, linkage x risk share x demand.
        "shared_governance": [Grid(
            key="linkage", title="Incentive funds tied to the system, and pooled risk",
            question="Push demand above plan until someone misses, then raise the system "
                     "linkage and the risk share: who loses the incentive fund?",
            knobs=(Knob(field="system_linkage", values=percents),
                   Knob(field="risk_share", values=percents),
                   Knob(field="demand_shock", values=shocks_up)),
            start=(0, 0, 1), panel=_panel("lesson3", "LinkagePanel"))],
        # Lesson 4: the simulated years of the trust and its commissioner under each rule.
        "fixed_income": [Grid(
            key="certainty", title="Who carries the volume risk",
            question="Move demand above and below plan: under each rule, whose simulated "
                     "positions move, and whose spread stays narrow?",
            knobs=(Knob(field="demand_shock", values=shocks),),
            start=(0,), panel=_panel("lesson4", "CertaintyPanel"))],
        # Lesson 5: a social care budget change, inside and outside the NHS.
        "beyond_the_nhs": [Grid(
            key="social_care", title="A social care budget change, followed into hospital",
            question="Cut the council's social care budget: what happens to the council, "
                     "the hospitals and the NHS system as a whole?",
            knobs=(Knob(field="social_care_budget_change",
                        values=tuple(round(-0.3 + 0.05 * k, 2) for k in range(13))),
                   Knob(field="social_care_knock_on", values=(0.0, 0.1, 0.2, 0.5))),
            start=(-10, 0.1), panel=_panel("lesson5", "SocialCarePanel"))],
        # The team round (the facilitator's guide): each table's deal, payment rule x risk
        # share x system linkage, in the demand the facilitator announces; each combination's
        # scenario code is on the chart, to paste in the chat as the sandbox's Save shows it.
        "sandbox": [Grid(
            key="team_round", title="The team round: your deal",
            question="Set demand as the facilitator announces (3% above plan to start), then "
                     "choose the payment rule, the risk share and the system linkage your table "
                     "would sign up to. Paste the scenario code shown on the chart in the chat.",
            knobs=(payment, Knob(field="risk_share", values=(0.0, 0.25, 0.5, 0.75, 1.0)),
                   Knob(field="system_linkage", values=(0.0, 0.25, 0.5, 0.75, 1.0)),
                   Knob(field="demand_shock", values=(-0.03, 0.0, 0.03))),
            start=(PRESET_LABELS["fixed_income"], 0, 0, 3))],
        "then_and_now": [Grid(
            key="regimes", title="Who wins and who loses under each rule",
            question="Move demand above and below plan and switch the rule: who gains and who "
                     "loses against fixed income? The aligned payment and incentive and NHS "
                     "Payment Scheme rules came after the Bradford years: run on this system's "
                     "CCGs and incentive funds, they are a thought experiment.",
            # Demand first: the panel projects each demand once for every rule (its cache).
            knobs=(Knob(field="demand_shock", values=shocks),
                   Knob(field="payment", values=PRESETS,
                        shown=tuple(PRESET_LABELS[p] for p in PRESETS))),
            start=(4, PRESET_LABELS["api_2023"]), panel=_panel("then_and_now", "RegimesPanel"))],
    }
    return grids


def grid_chart(frame: pd.DataFrame, grid: Grid) -> alt.TopLevelMixin:
    """Bars of each organisation's position for the combination the controls pick.

    The controls are Vega-Lite parameters bound to sliders and radio buttons; the chart
    filters the grid's rows to the chosen combination (filtering, not computing). The
    axis is fixed over the whole grid so the bars move and the axis does not.
    """
    params, tests = [], []
    for number, knob in enumerate(grid.knobs):
        shown = list(knob.shown_values)
        start = grid.start[number] if len(grid.start) > number else shown[0]
        name = f"knob_{number}"
        step = knob.slider_step
        if step is not None:
            bind = alt.binding_range(min=min(shown), max=max(shown), step=step,
                                     name=f"{knob.title} ")
            tests.append(f"abs(datum['{knob.column}'] - {name}) < {_TOLERANCE}")
        else:
            bind = alt.binding_radio(options=shown, name=f"{knob.title} ")
            tests.append(f"datum['{knob.column}'] == {name}")
        params.append(alt.param(name=name, value=start, bind=bind))
    chosen = " && ".join(tests)
    orgs = frame[frame.org_id != SYSTEM_ROW]
    names = list(dict.fromkeys(orgs.name))
    kinds = [k for k in KIND_COLOURS if k in set(orgs.kind)]
    low = min(0.0, float(orgs[["position_gbp_m", "control_total_gbp_m",
                               "underlying_position_gbp_m"]].min().min()))
    high = max(0.0, float(orgs[["position_gbp_m", "control_total_gbp_m",
                                "underlying_position_gbp_m"]].max().max()))
    pad = 0.05 * (high - low or 1.0)
    x = alt.X("position_gbp_m:Q", title=LABELS["position_gbp_m"],
              scale=alt.Scale(domain=[low - pad, high + pad], nice=False))
    y = alt.Y("name:N", sort=names, title=None)
    is_org = f"datum.org_id != '{SYSTEM_ROW}'"
    bars = alt.Chart().transform_filter(is_org).mark_bar(height=16).encode(
        x=x, y=y, color=kind_colour(kinds=kinds),
        tooltip=[alt.Tooltip("name:N", title="Organisation"),
                 alt.Tooltip("position_gbp_m:Q", title=LABELS["position_gbp_m"], format=",.1f"),
                 alt.Tooltip("underlying_position_gbp_m:Q",
                             title=LABELS["underlying_position_gbp_m"], format=",.1f"),
                 alt.Tooltip("control_total_gbp_m:Q", title=LABELS["control_total_gbp_m"],
                             format=",.1f")])
    ticks = alt.Chart().transform_filter(is_org).mark_tick(
        color="black", thickness=3, size=22).encode(x="control_total_gbp_m:Q", y=y)
    underlying = alt.Chart().transform_filter(is_org).mark_tick(
        color="#D55E00", thickness=2, size=22, strokeDash=[3, 2]).encode(
        x="underlying_position_gbp_m:Q", y=y)
    zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
    # The NHS system's row, as words above the bars: formatting, not arithmetic.
    headline = alt.Chart().transform_filter(f"datum.org_id == '{SYSTEM_ROW}'").transform_calculate(
        words="'NHS system position ' + (datum.position_gbp_m < 0 ? '-' : '') + '£' + "
              "format(abs(datum.position_gbp_m), ',.1f') + 'm against a control total of ' + "
              "(datum.control_total_gbp_m < 0 ? '-' : '') + '£' + "
              "format(abs(datum.control_total_gbp_m), ',.1f') + 'm; before incentive funds "
              "it ' + (datum.met_control_total ? 'meets it' : 'misses it') + '.'"
    ).mark_text(align="left", fontSize=14, fontWeight="bold", dy=-34).encode(
        x=alt.value(0), y=alt.value(0), text="words:N")
    # The combination's scenario code: a table with no Python can paste it in the chat.
    code = alt.Chart().transform_filter(f"datum.org_id == '{SYSTEM_ROW}'").transform_calculate(
        words="'Scenario code: ' + datum.code").mark_text(
        align="left", fontSize=12, font="monospace", dy=-14).encode(
        x=alt.value(0), y=alt.value(0), text="words:N")
    nhs = frame[frame.org_id == SYSTEM_ROW]
    met = int(nhs.met_control_total.sum())
    knobs = ", ".join(k.title.lower() for k in grid.knobs)
    description = (  # what a screen reader says of the chart: the grid's figures, computed
        f"Each organisation's position for the settings chosen ({knobs}), from "
        f"{len(nhs)} runs of the model made in advance; across them the NHS system's position "
        f"goes from {_money(nhs.position_gbp_m.min())} to {_money(nhs.position_gbp_m.max())} "
        f"and meets its control total before incentive funds in {met} of {len(nhs)}.")
    chart = alt.layer(bars, ticks, underlying, zero, headline, code, data=frame).transform_filter(
        chosen).add_params(*params).properties(
        description=description, width=520, height=max(180, 26 * len(names)),
        title=alt.Title("Black tick: control total. Dashed orange tick: underlying position "
                        "(without one-off money).", fontSize=13, fontWeight="normal"))
    return chart


# --------------------------------------------------------------------------- notebooks to blocks


@dataclass(frozen=True)
class Block:
    """A piece of a page: ``kind`` is prose, chart, panel, quiz, table or note."""

    kind: str
    html: str = ""
    figures: tuple[Figure, ...] = ()
    title: str = ""


# A cell tagged so is for JupyterLab alone (how to run a notebook's cells): the dashboards
# (the Voila template hides .celltag_lab-only) and the handouts leave it out.
LAB_ONLY = "lab-only"


def notebook_blocks(path: Path) -> list[Block]:
    """Run a lesson notebook's cells in order and turn what each shows into page blocks.

    A cell that fails becomes a note on the page (and a warning on stderr), so one broken
    cell does not lose the rest of the handout.
    """
    notebook = nbformat.read(path, as_version=4)
    namespace: dict[str, Any] = {"__name__": "__handout__"}
    blocks: list[Block] = []
    for number, cell in enumerate(notebook.cells):
        if LAB_ONLY in cell.metadata.get("tags", ()):
            continue  # how to run cells in JupyterLab: a handout has none
        if cell.cell_type == "markdown":
            blocks.append(Block("prose", markdown_html(cell.source)))
        elif cell.cell_type == "code" and cell.source.strip():
            try:
                value = _run_cell(cell.source, namespace, f"{path.name}[{number}]")
                blocks += blocks_of(value)
            except Exception as exc:  # noqa: BLE001 - any failure is reported on the page
                print(f"handouts: {path.name}, cell {number}: {type(exc).__name__}: {exc}",
                      file=sys.stderr)
                blocks.append(Block("note", html.escape(
                    f"(This part of the lesson could not be prepared: {exc})")))
    return blocks


def _run_cell(source: str, namespace: dict[str, Any], where: str) -> Any:
    tree = ast.parse(source, filename=where)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    with contextlib.redirect_stdout(io.StringIO()):  # widgets print outside a kernel
        exec(compile(tree, where, "exec"), namespace)  # noqa: S102 - the kit's own notebooks
        if last is None:
            return None
        return eval(compile(ast.Expression(last.value), where, "eval"), namespace)


def blocks_of(value: Any) -> list[Block]:
    """The blocks for one cell's value: Markdown, a panel, checks, a table or a chart."""
    from IPython.display import HTML, Markdown

    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [b for item in value for b in blocks_of(item)]
    if hasattr(value, "handout_parts"):  # a prediction's steps or what they keep hidden
        return blocks_of(list(value.handout_parts()))
    if isinstance(value, Markdown):
        return [Block("prose", markdown_html(value.data or ""))]
    if isinstance(value, HTML):
        return [Block("prose", value.data or "")]
    if hasattr(value, "render") and hasattr(value, "scenario") and hasattr(value, "fields"):
        return [_panel_block(value)]
    if hasattr(value, "question") and hasattr(value, "options") and hasattr(value, "correct"):
        return [_quiz_block(value)]
    if isinstance(value, Figure):
        return [Block("chart", figures=(value,))]
    if isinstance(value, alt.TopLevelMixin):
        return [Block("chart", figures=(_figure_of_chart(value),))]
    if isinstance(value, pd.DataFrame):
        return [Block("table", table_html(value))]
    if hasattr(value, "to_html") and hasattr(value, "data"):  # a pandas Styler
        return [Block("table", value.set_table_attributes('class="data"').to_html())]
    if isinstance(value, str):
        return [Block("prose", f"<pre>{html.escape(value)}</pre>")]
    return [Block("note", "(An interactive control: open the lesson in the kit to use it.)")]


def _figure_of_chart(chart: alt.TopLevelMixin) -> Figure:
    spec = chart.to_dict()
    datasets = list(spec.get("datasets", {}).values())
    data = pd.DataFrame(datasets[0]) if len(datasets) == 1 else pd.DataFrame()
    return Figure(data, spec.get("description", ""), lambda _: chart)


def _panel_block(panel: Any) -> Block:
    scenario = panel.scenario()
    figures, text = panel.render(scenario)
    figures = figures if isinstance(figures, list) else [figures]
    settings = []
    for name in panel.fields:
        info = field_info(name)
        value = getattr(scenario, name)
        # As the dashboard's control reads it: a share in % (25%, not 0.25).
        shown = (PRESET_LABELS.get(value, "custom") if name == "payment"
                 else shown_value(info, value) if isinstance(value, (int, float)) else _plain(value))
        if name == "payment":
            reach = "choose any of: " + ", ".join(PRESET_LABELS.values())
        elif "min" in info:
            reach = (f"move it from {shown_value(info, info['min'])} "
                     f"to {shown_value(info, info['max'])}")
        else:
            reach = "change it on the laptop"
        settings.append(f"<li><b>{html.escape(info['label'])}</b>: {html.escape(shown)} "
                        f"<span class=\"muted\">(in the kit you can {html.escape(reach)})"
                        f"</span></li>")
    words = (f"<p class=\"muted\">Shown at these settings:</p><ul>{''.join(settings)}</ul>"
             f'<div class="panel-text">{text}</div>')
    return Block("panel", words, tuple(figures), getattr(panel, "title", "") or "")


def _quiz_block(quiz: Any) -> Block:
    """A check as the dashboards ask it: choose an answer, then see it. Each option is a radio
    button; the folded answer opens only once one is chosen (then the choice is kept: the
    page's :data:`QUIZ_JS`), and says whether it was right. With no script, the fold opens
    as any fold does."""
    name = "q-" + hashlib.sha1(quiz.question.encode()).hexdigest()[:10]
    options = "".join(f'<li><label><input type="radio" name="{name}" value="{i}"> '
                      f"{html.escape(str(o))}</label></li>" for i, o in enumerate(quiz.options))
    answer = html.escape(str(quiz.options[quiz.correct]))
    explanation = quiz.explanations[quiz.correct]
    body = (f"<p><b>{html.escape(quiz.question)}</b></p><ol type=\"A\">{options}</ol>"
            f'<details class="answer" data-correct="{quiz.correct}"><summary>Show the answer'
            f'</summary><p class="verdict"></p><p><b>{answer}</b>. {html_text(explanation)}</p>'
            f'</details><p class="muted ask" role="status"></p>')
    return Block("quiz", body)


# A lesson's chart over a grid says in words what it shows at the settings chosen: the
# summary the model's figure carries for that combination, found by the controls' values.
SAY_JS = r"""<script>
function saySettings(view, id, knobs, summaries) {
  var line = document.getElementById(id);
  function same(a, b) {
    return typeof a === 'number' ? Math.abs(a - Number(b)) < 1e-6 : String(a) === String(b);
  }
  function say() {
    var values = knobs.map(function (k) { return view.signal(k); });
    var found = summaries.find(function (s) {
      return s[0].every(function (v, i) { return same(v, values[i]); });
    });
    line.textContent = found ? found[1] : '';
  }
  knobs.forEach(function (k) { view.addSignalListener(k, say); });
  say();
}
</script>
"""


# The handouts' checks: the answer's fold opens once an answer is chosen, and the choice
# is then kept (the radio buttons locked), as a prediction committed before the reveal.
QUIZ_JS = r"""<script>
document.querySelectorAll('.quiz').forEach(function (quiz) {
  var fold = quiz.querySelector('details.answer');
  if (!fold) return;
  var ask = quiz.querySelector('.ask');
  fold.querySelector('summary').addEventListener('click', function (event) {
    if (fold.open) return;
    var chosen = quiz.querySelector('input[type=radio]:checked');
    if (!chosen) {
      event.preventDefault();
      ask.textContent = 'Choose your answer first: the answer shows once you have committed to one.';
      return;
    }
    ask.textContent = '';
    quiz.querySelectorAll('input[type=radio]').forEach(function (r) { r.disabled = true; });
    var letter = String.fromCharCode(65 + Number(chosen.value));
    fold.querySelector('.verdict').textContent = chosen.value === fold.dataset.correct
      ? 'You chose ' + letter + ': right.' : 'You chose ' + letter + ': not quite.';
  });
});
</script>
"""


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "none"
    return str(value)


# --------------------------------------------------------------------------- HTML pieces


class _Renderer(SafeRenderer):
    """Headings get ids (``Control total`` -> ``control-total``) so glossary links work;
    raw HTML shows as text (:class:`casestudy.words.SafeRenderer`)."""

    def heading(self, text: str, level: int, **attrs: Any) -> str:
        return f'<h{level} id="{anchor(text)}">{text}</h{level}>\n'


_MARKDOWN = mistune.create_markdown(renderer=_Renderer(),
                                    plugins=["table", "strikethrough"])


def anchor(text: str) -> str:
    """The glossary's anchor for a heading: lowercase, spaces to hyphens.

    >>> anchor("Control total")
    'control-total'
    """
    plain = re.sub(r"<[^>]+>", "", text).lower()
    return re.sub(r"\s+", "-", re.sub(r"[^\w\s-]", "", plain).strip())


def markdown_html(text: str) -> str:
    """Markdown to HTML, with the kit's links pointed at the handout pages."""
    return _relink(_MARKDOWN(text))


def _relink(text: str) -> str:
    def fix(match: re.Match) -> str:
        target = match.group(2)
        page, _, fragment = target.partition("#")
        name = Path(page).name
        new = None
        if name == "glossary.md":
            new = "glossary.html"
        elif name == "guide.md":
            new = "guide.html"
        elif name == "README.md" and "data" in page:
            new = "data.html"
        elif re.fullmatch(r"\d\d_\w+\.ipynb", name):
            new = f"lesson{name[:2]}.html"
        if new is None:
            return match.group(0)
        return f'{match.group(1)}"{new}{"#" + fragment if fragment else ""}"'
    return re.sub(r'(href=)"([^"]+)"', fix, text)


def table_html(frame: pd.DataFrame, limit: int = TABLE_ROWS_SHOWN) -> str:
    """A data table, money to one decimal; the first ``limit`` rows (the CSV holds all)."""
    shown = frame.head(limit).copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            digits = 1 if column.endswith("_gbp_m") else 3
            shown[column] = shown[column].map(
                lambda v, d=digits: "" if pd.isna(v) else f"{v:,.{d}f}")
    shown.columns = [LABELS.get(c, c) for c in shown.columns]
    more = (f'<p class="muted">The first {limit} of {len(frame)} rows; the CSV file holds '
            "them all.</p>" if len(frame) > limit else "")
    return shown.to_html(index=False, border=0, classes="data", escape=True) + more


def _unique_svg_ids(svg: str, prefix: str) -> str:
    """Inline SVGs share one id space: prefix each chart's ids so clip paths stay its own."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    for old in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"').replace(f"url(#{old})", f"url(#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    return svg


PAGE_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 960px; margin: 1.5em auto; padding: 0 1em; line-height: 1.45; color: #222; }
h1 { font-size: 1.8em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.muted { color: #555; font-size: 0.92em; }
.note { border-left: 4px solid #E69F00; background: #fdf5e6; padding: 4px 10px; }
.panel, .quiz, .grid-box { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 1em;
                           margin: 1em 0; break-inside: avoid; }
.panel h3, .grid-box h3 { margin-top: 0.2em; }
.panel-text { background: #f4f7fb; border-left: 4px solid #0072B2; padding: 4px 10px; }
figure { margin: 0.8em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.9em; color: #444; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
table.data td { font-variant-numeric: tabular-nums; }
details { margin: 0.4em 0; } summary { cursor: pointer; color: #0072B2; }
.grid-chart form, .vega-bindings { margin-top: 0.6em; }
.quiz ol { list-style-position: inside; padding-left: 0.4em; }
.vega-bind { margin: 0.2em 0; } .vega-bind-name { display: inline-block; min-width: 14em; }
nav { font-size: 0.92em; margin-bottom: 1em; }
code { background: #f3f3f3; padding: 0 3px; }
@media print { nav, .grid-box, details summary { display: none; } details { display: block; }
               body { max-width: none; margin: 0; } a { color: inherit; } }
"""


def page(title: str, body: str, *, script: str = "") -> str:
    """A complete, self-contained HTML page (with the checks' script when it has checks)."""
    quiz = QUIZ_JS if 'class="answer"' in body else ""
    return (f'<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n"
            f'<nav><a href="index.html">All handouts</a> · <a href="guide.html">Facilitator\'s '
            f'guide</a> · <a href="glossary.html">Glossary</a></nav>\n{body}\n{script}{quiz}</body>\n'
            f"</html>\n")


# --------------------------------------------------------------------------- writing


@dataclass
class _Writer:
    out: Path
    system: System
    bundle: str = ""
    written: list[Path] = field(default_factory=list)

    def _bundle(self) -> str:
        if not self.bundle:
            import vl_convert as vlc
            self.bundle = vlc.javascript_bundle(vl_version=VEGA_LITE_VERSION)
        return self.bundle

    def figure_html(self, figure: Figure, folder: Path, number: int, page_key: str) -> str:
        import vl_convert as vlc
        spec = figure.chart().to_dict()
        svg = vlc.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION)
        png = vlc.vegalite_to_png(spec, vl_version=VEGA_LITE_VERSION, scale=1.5)
        folder.mkdir(parents=True, exist_ok=True)
        png_path = folder / f"chart-{number}.png"
        png_path.write_bytes(png)
        csv_path = folder / f"chart-{number}.csv"
        write_csv(figure.data, csv_path, index=False)
        rel = f"{folder.name}/"
        caption = html.escape(figure.summary)
        # One image for a screen reader, named by the chart's summary (its figures, computed
        # from the data it draws), which the caption also shows.
        svg = re.sub(r"^<svg\b", f'<svg role="img" aria-label="{html.escape(figure.summary, quote=True)}"',
                     _strip_xml_header(svg), count=1)
        return (f"<figure>{_unique_svg_ids(svg, f'{page_key}-c{number}')}"
                f"<figcaption>{caption} <a href=\"{rel}{png_path.name}\">PNG</a> · "
                f"<a href=\"{rel}{csv_path.name}\">CSV</a></figcaption></figure>"
                f"<details><summary>The data behind this chart</summary>"
                f"{table_html(figure.data)}</details>")

    def grid_html(self, grid: Grid, folder: Path, number: int) -> tuple[str, str]:
        div = f"grid-{number}"
        said = ""
        if grid.panel is not None:
            try:
                drawn = panel_grid(self.system, grid)
            except ScenarioError as exc:  # this system cannot draw it: say so, keep the page
                print(f"handouts: grid {grid.key}: {exc}", file=sys.stderr)
                words = f"(The interactive chart could not be prepared for this system: {exc})"
                return f'<p class="note">{html.escape(words)}</p>', ""
            frame, spec = drawn.frame, drawn.spec
            # What the chart shows at the settings chosen, in words (its summary, computed
            # from the data it draws), read out as the controls move.
            said = (f'<p class="muted grid-said" id="{div}-said" role="status" '
                    f'aria-live="polite"></p>')
            summaries = script_json([[list(shown), text] for shown, text in drawn.summaries])
        else:
            frame = grid_frame(self.system, grid)
            spec = grid_chart(frame, grid).to_dict()
        folder.mkdir(parents=True, exist_ok=True)
        csv_path = folder / f"grid-{grid.key}.csv"
        write_csv(frame.drop(columns=["kind_label"], errors="ignore"), csv_path, index=False)
        combos = math.prod(len(k.values) for k in grid.knobs)
        body = (f'<div class="grid-box"><h3>Try it: {html.escape(grid.title)}</h3>'
                f"<p>{html.escape(grid.question)}</p>"
                f'<div id="{div}" class="grid-chart"></div>{said}'
                f'<noscript><p class="note">This chart needs JavaScript; the CSV file below holds '
                f"every value.</p></noscript>"
                f'<p class="muted">The model was run for all {combos} combinations of these '
                f"settings when this page was made; the controls pick one of them. Every value: "
                f'<a href="{folder.name}/{csv_path.name}">{csv_path.name}</a>. The '
                f"<code>code</code> column holds each combination's scenario code, to load in "
                f"the kit.</p></div>")
        then = ""
        if said:
            knobs = [f"knob_{n}" for n in range(len(grid.knobs))]
            then = (".then(function (r) { saySettings(r.view, " + json.dumps(f"{div}-said")
                    + ", " + json.dumps(knobs) + ", " + summaries + "); })")
        script = (f"<script>vegaEmbed('#{div}', {script_json(spec)}, "
                  "{actions: false, renderer: 'svg'})" + then + ".catch(function (e) { "
                  f"document.getElementById('{div}').textContent = "
                  "'The chart could not be drawn: ' + e; });</script>\n")
        return body, script

    def lesson(self, path: Path, grids: Sequence[Grid]) -> Path:
        number = path.name[:2]
        key = f"lesson{number}"
        folder = self.out / key
        blocks = notebook_blocks(path)
        parts: list[str] = []
        scripts: list[str] = []
        chart_number = 0
        grid_parts = []
        for k, grid in enumerate(grids, start=1):
            body, script = self.grid_html(grid, folder, k)
            grid_parts.append(body)
            scripts.append(script)
        placed = not grid_parts
        for block in blocks:
            # The grids close the exploring: before the checks (which come before "What
            # this means", so that it never answers them first).
            if not placed and block.kind == "prose" and re.search(
                    r"<h2[^>]*>\s*(Check your understanding|What this means)", block.html):
                parts += grid_parts
                placed = True
            if block.kind == "prose":
                parts.append(block.html)
            elif block.kind == "note":
                parts.append(f'<p class="note">{block.html}</p>')
            elif block.kind in ("table",):
                parts.append(block.html)
            elif block.kind == "quiz":
                parts.append(f'<div class="quiz">{block.html}</div>')
            elif block.kind in ("chart", "panel"):
                figures = []
                for figure in block.figures:
                    chart_number += 1
                    figures.append(self.figure_html(figure, folder, chart_number, key))
                title = f"<h3>{html.escape(block.title)}</h3>" if block.title else ""
                inner = "".join(figures) + (block.html if block.kind == "panel" else "")
                parts.append(f'<div class="panel">{title}{inner}</div>'
                             if block.kind == "panel" else inner)
        if not placed:
            parts += grid_parts
        title = _first_heading(blocks) or path.stem.replace("_", " ")
        intro = ('<p class="muted">A handout of the kit\'s lesson, made by <code>make handouts</code>'
                 ": the charts show the lesson's starting settings; where a chart has sliders, "
                 "the model was run for every combination in advance. Figures are illustrative "
                 '(see <a href="data.html">the data notes</a>).</p>')
        script = ""
        if scripts:
            script = f"<script>{self._bundle()}</script>\n{SAY_JS}" + "".join(scripts)
        target = self.out / f"{key}.html"
        target.write_text(page(title, intro + "\n".join(parts), script=script), encoding="utf-8")
        self.written.append(target)
        return target

    def markdown_page(self, source: Path, name: str, title: str) -> Path:
        target = self.out / name
        body = (markdown_html(source.read_text(encoding="utf-8")) if source.is_file() else
                f"<h1>{html.escape(title)}</h1><p>Not in this copy of the kit "
                f"(<code>{html.escape(source.name)}</code> was not found).</p>")
        target.write_text(page(title, body), encoding="utf-8")
        self.written.append(target)
        return target

    def index(self, lessons: list[tuple[str, Lesson]], missing: list[str]) -> Path:
        items = "".join(
            f'<li><a href="{href}">{html.escape(lesson.label)}</a>'
            + (f' <span class="muted">({lesson.minutes} minutes)</span>'
               if lesson.minutes else "") + "</li>"
            for href, lesson in lessons)
        gone = (f'<p class="muted">Not in this copy of the kit yet: {html.escape(", ".join(missing))}.'
                "</p>" if missing else "")
        body = (f"<h1>The Bradford kit: handouts</h1>"
                "<p>One page per lesson, for a laptop with no Python and no network: open the "
                "page in any browser (double-click it). Sliders on a page work offline: the model "
                "was run in advance for every combination they offer.</p>"
                f"<ul>{items}</ul>{gone}"
                '<ul><li><a href="guide.html">Facilitator\'s guide (run sheets for 60, 90 and '
                '120 minutes)</a></li><li><a href="glossary.html">Glossary</a></li>'
                '<li><a href="data.html">The data and its sources</a></li></ul>'
                f'<p class="muted">System: {html.escape(self.system.name)}. Made with the '
                f"casestudy kit.</p>")
        target = self.out / "index.html"
        target.write_text(page("The Bradford kit: handouts", body), encoding="utf-8")
        self.written.append(target)
        return target


def _strip_xml_header(svg: str) -> str:
    return re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)


def _first_heading(blocks: list[Block]) -> str:
    for block in blocks:
        match = re.search(r"<h1[^>]*>(.*?)</h1>", block.html, flags=re.DOTALL)
        if match:
            return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()
    return ""


def lesson_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The notebooks of the registry (``casestudy.lessons``) in ``folder``, in its order:
    ``00_start_here`` to ``07_then_and_now``."""
    return [folder / lesson.notebook for lesson in NOTEBOOK_ORDER
            if (folder / lesson.notebook).is_file()]


def write_handouts(out: str | Path = "handouts", *, system: System | None = None,
                   notebooks: Path | None = None, guide: Path = GUIDE,
                   grids: dict[str, list[Grid]] | None = None) -> list[Path]:
    """Write every handout page under ``out`` and return their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    system = system if system is not None else load_system()
    writer = _Writer(out=out, system=system)
    grids = lesson_grids(system) if grids is None else grids
    found = lesson_notebooks(notebooks if notebooks is not None else NOTEBOOKS)
    listed = []
    for path in found:
        lesson = by_notebook(path.name)
        target = writer.lesson(path, grids.get(lesson.slug, []))
        listed.append((target.name, lesson))
    present = {p.name for p in found}
    missing = [lesson.notebook for lesson in NOTEBOOK_ORDER if lesson.notebook not in present]
    writer.markdown_page(guide, "guide.html", "Facilitator's guide")
    writer.markdown_page(GLOSSARY, "glossary.html", "Glossary")
    writer.markdown_page(DATA_NOTES, "data.html", "The data and its sources")
    writer.index(listed, missing)
    return writer.written


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else Path("handouts")
    written = write_handouts(out)
    print(f"Wrote {len(written)} pages to {out}/ (open {out / 'index.html'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
