"""Notebook 7, then and now: Bradford's lessons carried into the rules that came after.

The timeline and the map from then to now (:mod:`casestudy.regimes`, every fact sourced),
one panel (:class:`RegimesPanel`: the same system under every payment preset, year by year,
each organisation's position against fixed income) and the checks. Every sentence computed
from the model or from the sourced constants is in :mod:`casestudy.words.then_and_now`.
A later rule run on this system is a thought experiment, and the panel says so whenever one
is shown.

>>> from casestudy import load_system
>>> "fixed income" in the_model(load_system()).data
True
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import Markdown

from ..charts.distribution import records
from ..charts.regimes import WIDTH_PX as CHARTS_WIDTH_PX
from ..charts.regimes import preset_years_figure, winners_figure
from ..formats import percent
from ..incentives import elective_shortfall
from ..projection import SYSTEM_ID, change_by_preset, payments_by_preset
from ..regimes import (
    API_2022_PROPOSED_DEDUCTION_SHARE,
    SAME_GBP_M,
    era_note,
    lead_and_rest,
)
from ..scenario import API_2022_ELECTIVE_RATE_ABOVE_PLAN, PRESET_INFO, Scenario
from ..system import System
from ..words import then_and_now as words
from ..words import to_html
from ..words.then_and_now import DEFAULT, DEMAND_CHECK, NEXT, NOW, REFERENCE, roles
from .common import Panel, Prediction, Quiz
from .default import given_or_default


def _by_org(frame: pd.DataFrame, preset: str, year: int) -> pd.DataFrame:
    rows = frame[(frame.payment == preset) & (frame.year == year)]
    return rows.set_index("org_id")


# --------------------------------------------------------------------------- prose


def timeline() -> Markdown:
    """The dated changes since the Bradford years, each with its sources (``data/README.md``)."""
    return Markdown(words.timeline())


def then_and_now_map() -> Markdown:
    """What each idea of the Bradford years became, through the bridge of 2020-22."""
    return Markdown(words.then_and_now_map())


def the_model(system: System | None = None) -> Markdown:
    """The model in one paragraph, with one worked difference from this system."""
    return Markdown(words.the_model(given_or_default(system)))


def what_happened_next(system: System | None = None) -> Markdown:
    """Bradford after the case study (sourced, R30), beside lesson 4's underlying position of
    this system (computed)."""
    return Markdown(words.what_happened_next(given_or_default(system)))


def what_this_means(system: System | None = None) -> Markdown:
    """Three findings for a system today, each computed from this system."""
    return Markdown(words.what_this_means(given_or_default(system)))


# --------------------------------------------------------------------------- the panel


MENU_COLUMN_PX = 400  # the controls' column, wider than the kit's 350 px for the rules' labels
MENU_CSS = """
<style>
.cs-menu-label { font-size: 15px; margin: 2px 0 0 2px; }
.cs-panel .widget-dropdown select { font-size: 14px; }
</style>
"""

ERA_CSS = """
<style>
.cs-era { font-size: 15px; background: #fff4e0; border-left: 4px solid #E69F00;
          padding: 4px 10px; margin: 0 0 6px 0; }
</style>
"""


class RegimesPanel(Panel):
    """The same system under every payment preset, year by year: each organisation's
    position before incentive funds against fixed income. The chosen preset is outlined in
    the first chart and followed year by year in the second; its words say who gains and who
    loses, what the incentive funds add, and, for a later rule, that it is a thought
    experiment."""

    title = "Who wins and who loses under each rule"
    fields = ("payment", "demand_shock", "years")

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 **start: Any) -> None:
        super().__init__(system, baseline if baseline is not None else DEFAULT, **start)
        self._cache: dict[Scenario, pd.DataFrame] = {}
        self.era = ""  # the thought-experiment note of the rule shown, or ""

    @property
    def widget(self) -> Any:
        """The panel, its charts' column never narrower than its charts: beside the controls
        on a 1366-pixel screen, below them on a 1024-pixel projector (a chart in a scrolling
        output area asks for no width of its own, so the column is told)."""
        built = getattr(self, "_widget", None) is not None
        box = super().widget
        if not built:
            left, right = box.children[-1].children
            right.layout.min_width = f"{CHARTS_WIDTH_PX}px"
            # The menu as wide as the column, its label above it, so that a rule's full
            # label ("Aligned payment and incentive (2023/24-2025/26)") is not cut short.
            menu = self.controls["payment"]
            label = widgets.HTML(f'<div class="cs-menu-label">{html.escape(menu.description)}</div>')
            menu.description = ""
            left.layout.width = left.layout.flex_basis = f"{MENU_COLUMN_PX}px"
            left.layout.flex = f"0 0 {MENU_COLUMN_PX}px"
            menu.layout.width = f"{MENU_COLUMN_PX - 10}px"
            left.children = (widgets.HTML(MENU_CSS + ERA_CSS), label, *left.children)
        return box

    def changes_for(self, scenario: Scenario) -> pd.DataFrame:
        """:func:`change_by_preset` of every preset (the chosen one does not change it, so
        moving the dropdown costs no projection); the last few kept."""
        key = dataclasses.replace(scenario, payment=REFERENCE)
        if key not in self._cache:
            if len(self._cache) >= 8:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = change_by_preset(self.system, key)
        return self._cache[key]

    def render(self, scenario: Scenario) -> tuple[list, str]:
        frame = self.changes_for(scenario)
        shown = frame[frame.rule_differs]
        preset = scenario.payment if isinstance(scenario.payment, str) else REFERENCE
        last = int(frame.year.iloc[-1])
        figures = [
            winners_figure(shown, last, preset,
                           chart_title=f"Who wins and who loses in year {last}"),
            preset_years_figure(shown, preset,
                                chart_title=f"{PRESET_INFO[preset].label}, year by year"),
        ]
        self.era = era_note(self.system, preset) or ""
        mine = records(frame[frame.payment == preset],
                       ["year", "org_id", "name", "kind", "is_total", "change_gbp_m", "fund_change_gbp_m"])
        return figures, to_html(words.regimes_words(scenario, preset, mine, last, self.era))

    def update(self, change: Any = None) -> None:
        super().update(change)
        if not self._paused and self.era:  # above the charts, where the eye goes first
            lead, rest = lead_and_rest(self.era)
            self.changes.value += (f'<div class="cs-era"><b>{html.escape(lead)}</b>'
                                   f"{html.escape(rest)}</div>")


# --------------------------------------------------------------------------- checks


def _now_reveal(system: System) -> tuple[int, str]:
    trust, payer = roles(system)
    frame = change_by_preset(system, dataclasses.replace(DEFAULT, demand_shock=DEMAND_CHECK),
                             [REFERENCE, NOW], years=1)
    rows = _by_org(frame, NOW, 1).change_gbp_m
    values = [rows[trust], rows[payer], rows[SYSTEM_ID]]
    if max(values[:2]) >= SAME_GBP_M:
        right = 0 if values[0] >= values[1] else 1
    elif values[2] >= SAME_GBP_M:
        right = 2
    else:
        right = 3
    return right, words.now_explanation(system, trust, payer, values)


DEDUCTION_OPTIONS = (API_2022_ELECTIVE_RATE_ABOVE_PLAN, API_2022_PROPOSED_DEDUCTION_SHARE, 0.0,
                     1.0)


def _clawback_reveal(system: System) -> tuple[int, str]:
    trust = system.largest("acute")
    if trust is None:
        return 2, "This system has no acute trust, so no electives: nothing is taken back."
    gains = elective_shortfall(system, Scenario.preset(REFERENCE), DEMAND_CHECK, trust,
                               presets=("api_2022", "payment_by_results")).set_index(
        ["payment", "org_id"])
    lost = -gains.loc[("api_2022", trust), "income_change_gbp_m"]
    full = -gains.loc[("payment_by_results", trust), "income_change_gbp_m"]
    share = lost / full if full > 0 else 0.0
    share = 0.0 if abs(share) < 1e-9 else share  # no -0% on screen
    right = min(range(len(DEDUCTION_OPTIONS)), key=lambda i: abs(DEDUCTION_OPTIONS[i] - share))
    return right, words.clawback_explanation(system, trust, full, lost, share)


def _next_reveal(system: System) -> tuple[int, str]:
    trust = system.largest("acute")
    if trust is None:
        return 2, "This system has no acute trust, so no electives."
    lines = payments_by_preset(system, dataclasses.replace(DEFAULT, demand_shock=DEMAND_CHECK),
                               [NOW, NEXT])
    mine = lines[(lines.payee_id == trust) & (lines.service == "elective")]
    now = float(mine[mine.payment == NOW].change_gbp_m.sum())
    later = float(mine[mine.payment == NEXT].change_gbp_m.sum())
    right = 2 if abs(later) < SAME_GBP_M else 0 if later >= 0.9 * now else 1
    return right, words.next_explanation(system, trust, now, later)


def checks(system: System | None = None) -> list[Quiz]:
    """Three predictions revealed by the model, and a question on the duties that replaced
    the system control total."""
    system = given_or_default(system)
    trust, payer = roles(system)
    name, payer_name = system.org_name(trust), system.org_name(payer)
    return [
        Prediction(
            f"Demand runs {percent(DEMAND_CHECK)} above plan. Under aligned payment and incentive "
            "from 2023/24, against Bradford's fixed income, whose position improves most?",
            [f"{name}'s", f"{payer_name}'s", "The NHS system's as a whole",
             "Nobody's: aligned payment and incentive is a block contract by another name"],
            lambda: _now_reveal(system)),
        Prediction(
            f"In 2022/23 {name} does {percent(DEMAND_CHECK)} fewer planned electives than its "
            "contract's plan. What does aligned payment and incentive take back, as a share of "
            "their price?",
            [f"{percent(DEDUCTION_OPTIONS[0])}, the rate paid above plan",
             f"{percent(DEDUCTION_OPTIONS[1])}, the deduction for activity below plan",
             "Nothing", "Their full price"],
            lambda: _clawback_reveal(system)),
        Prediction(
            f"Under the 2026/27 NHS Payment Scheme as consulted, demand runs "
            f"{percent(DEMAND_CHECK)} above plan. What does {name} earn for its electives above "
            "plan, against fixed income?",
            ["Their full price, as from 2023/24",
             f"{percent(API_2022_ELECTIVE_RATE_ABOVE_PLAN)} of their price, as in 2022/23",
             "Nothing above the contracted plan"],
            lambda: _next_reveal(system)),
        Quiz(
            "After July 2022, what took the place of Bradford's system control total?",
            ["Nothing: control totals ended with the COVID block contracts",
             ("A duty in law on each ICB and its partner trusts to keep the system within "
              "NHS England's limits and in balance"),
             "A national risk-share agreement that every system must sign",
             "A sustainability fund paid to each system that meets its control total"],
            correct=1,
            explanations=[
                ("No: the system envelopes of October 2020 already asked each system to break "
                "even [R48], and the Health and Care Act 2022 made that a duty [R156], [R157]."),
                ("Yes: each ICB must spend within what it receives (s223GC), and each ICB and "
                "its partner trusts together must keep within NHS England's limits (s223M) and "
                "seek its objective of a balanced system (s223L) [R156], [R157]; systems plan "
                "as one under business rules set from April 2023 [R158]."),
                ("No: the duty is national, the risk share is not. Each system agrees its own; "
                "no national template was found in the kit's sources [R75], [R77]."),
                ("No: that was the sustainability funds of 2016/17 to 2019/20. Today's systems "
                "get deficit support instead, to be removed under the plans for 2026/27 to "
                "2028/29 [R160]."),
            ]),
    ]

