"""Notebook 7, then and now: Bradford's lessons carried into the rules that came after.

The timeline and the map from then to now (:mod:`casestudy.regimes`, every fact sourced),
one panel (:class:`RegimesPanel`: the same system under every payment preset, year by year,
each organisation's position against fixed income), the computed prose and the checks.
Every figure in the words comes from the model or from the sourced constants at run time.
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
from ..charts.regimes import SAME_GBP_M, cell_text, preset_years_figure, winners_figure
from ..charts.regimes import WIDTH_PX as CHARTS_WIDTH_PX
from ..formats import money, percent
from ..incentives import elective_shortfall
from ..names import markdown_text as md
from ..projection import (
    SYSTEM_ID,
    change_by_preset,
    payments_by_preset,
    project,
    system_totals,
)
from ..regimes import (
    AIREDALE_OVERSPEND_2024_25_GBP_M,
    API_2022_PROPOSED_DEDUCTION_SHARE,
    BRADFORD_BUDGET_CUT_ASKED_SHARE,
    BRADFORD_DEFICIT_FORECAST_FEB_2024_GBP_M,
    BRADFORD_DEFICIT_FORECAST_MAR_2024_GBP_M,
    BRADFORD_EXTRA_SAVINGS_2023_24_GBP_M,
    BRADFORD_UNDERLYING_DEFICIT_MAY_2024_GBP_M,
    THEN_AND_NOW,
    TIMELINE,
    era_note,
    lead_and_rest,
)
from ..scenario import (
    API_2022_ELECTIVE_RATE_ABOVE_PLAN,
    PRESET_INFO,
    PRESETS,
    Scenario,
    preset_phrase,
)
from ..system import System, load_system
from .common import Panel, Prediction, Quiz

REFERENCE = "fixed_income"  # Bradford's rule: every other preset is read against it
NOW = "api_2023"  # the rule in force from 2023/24 to 2025/26
NEXT = "nhsps_2026"
# The panel starts with demand 3% above plan every year: on plan, most rules pay the plan and
# nothing shows. 3% is within the 1.5-4.8% a year that emergency admissions grew (R110).
DEMAND_START = 0.03
DEFAULT = Scenario.preset(NOW, demand_shock=DEMAND_START)
DEMAND_CHECK = 0.03  # the demand against plan the checks ask about


def _system(system: System | None) -> System:
    return system if system is not None else load_system()


def _amount(value: float) -> str:
    """``nothing`` for a change under £50k, else the signed figure."""
    return "nothing" if abs(value) < SAME_GBP_M else money(value, signed=True)


def _demand_words(shock: float) -> str:
    if abs(shock) < 1e-9:
        return "demand on plan"
    return f"demand {percent(abs(shock))} {'above' if shock > 0 else 'below'} plan"


def roles(system: System) -> tuple[str, str]:
    """The largest acute trust and the commissioner that pays it most; failing those, the two
    largest NHS organisations by planned income (:meth:`System.trust_and_payer`)."""
    provider, payer = system.trust_and_payer()
    return provider, payer


def _by_org(frame: pd.DataFrame, preset: str, year: int) -> pd.DataFrame:
    rows = frame[(frame.payment == preset) & (frame.year == year)]
    return rows.set_index("org_id")


# --------------------------------------------------------------------------- prose


def _cite(keys: tuple[str, ...]) -> str:
    return ", ".join(f"[{k}]" for k in keys)


def timeline() -> Markdown:
    """The dated changes since the Bradford years, each with its sources (``data/README.md``)."""
    rows = "\n".join(f"| {m.when} | {m.what} | {_cite(m.sources)} |" for m in TIMELINE)
    return Markdown("| When | What changed | Sources |\n|---|---|---|\n" + rows)


def then_and_now_map() -> Markdown:
    """What each idea of the Bradford years became, through the bridge of 2020-22."""
    rows = "\n".join(f"| **{m.idea}** | {m.then} | {m.bridge} | {m.now} | {m.lesson} | "
                     f"{_cite(m.sources)} |" for m in THEN_AND_NOW)
    return Markdown("| | Then (2016-2020) | The bridge (2020-22) | Now (2022-2026) | "
                    "What it means for the lessons | Sources |\n|---|---|---|---|---|---|\n" + rows)


def the_model(system: System | None = None) -> Markdown:
    """The model in one paragraph, with one worked difference from this system."""
    system = _system(system)
    trust, _ = roles(system)
    lines = payments_by_preset(system, DEFAULT, [NOW])
    mine = lines[lines.payee_id == trust].groupby("service", sort=False).change_gbp_m.sum()
    parts = [f"{money(v)} for {s.replace('_', ' ')}" for s, v in mine.items()
             if abs(v) >= SAME_GBP_M]
    worked = ""
    if parts:
        worked = (f" For example, with {_demand_words(DEFAULT.demand_shock)}, "
                  f"{preset_phrase(NOW)} pays {md(system.org_name(trust))} "
                  f"{money(mine.sum())} more than fixed income in the first year: "
                  + " and ".join(parts) + ", the lines whose rule differs.")
    return Markdown(
        f"The panel runs this system over several years under each of the {len(PRESETS)} "
        "payment presets, from the national tariff of the Bradford years to the 2026/27 NHS "
        "Payment Scheme as consulted, with the same demand against plan, and sets each "
        "organisation's position before incentive funds against the same year under Bradford's "
        "**[fixed income](glossary.md#fixed-income-contract)**. A provider's costs follow its "
        "activity, not the rule, so the difference between two rules is the difference in what "
        "commissioners pay on the lines whose rule differs." + worked
        + " What one organisation gains, another pays: between NHS organisations the rule "
        "moves money and risk, it does not make any. The incentive funds are counted apart: "
        "they are shaped like the sustainability funds of 2016/17 to 2019/20, so under a later "
        "rule they are a **thought experiment**, as is everything a later rule does to a "
        "system of CCGs.")


def what_happened_next(system: System | None = None) -> Markdown:
    """Bradford after the case study (sourced, R30), beside lesson 4's underlying position of
    this system (computed)."""
    system = _system(system)
    totals = system_totals(project(system, Scenario.preset(REFERENCE))).set_index("year")
    last = int(totals.index.max())
    under = float(totals.loc[last, "underlying_position_gbp_m"])
    reported = float(totals.loc[last, "position_gbp_m"])
    low, high = BRADFORD_DEFICIT_FORECAST_FEB_2024_GBP_M
    ask_low, ask_high = BRADFORD_EXTRA_SAVINGS_2023_24_GBP_M
    return Markdown(
        "In 2023/24 the West Yorkshire system asked Bradford District and Craven's NHS "
        f"partners for £{ask_low:g}-{ask_high:g}m of extra savings. In February 2024 they "
        f"forecast an underlying deficit of £{low:g}-{high:g}m, then "
        f"£{BRADFORD_DEFICIT_FORECAST_MAR_2024_GBP_M:g}m in March; by May 2024 they expected "
        f"**about £{BRADFORD_UNDERLYING_DEFICIT_MAY_2024_GBP_M:g}m**, and asked each trust how "
        f"it would work while saving {percent(BRADFORD_BUDGET_CUT_ASKED_SHARE)} of its budget "
        "[R30]. Airedale NHS FT ended 2024/25 with a provisional overspend of "
        f"£{AIREDALE_OVERSPEND_2024_25_GBP_M:g}m against its plan [R152]. The COVID blocks and "
        "the system envelopes came and went, and the payment rules changed in 2022 and again in "
        "2023; the underlying deficit stayed. "
        f"That is lesson 4's point. In this kit's illustrative system "
        f"({md(system.name.replace('_', ' ').title())}), under "
        f"fixed income with demand on plan, the NHS organisations report {money(reported)} in "
        f"year {last} but their underlying position is {money(under)}: the figures are the "
        "model's, not Bradford's accounts.")


def what_this_means(system: System | None = None) -> Markdown:
    """Three findings for a system today, each computed from this system."""
    system = _system(system)
    trust, payer = roles(system)
    up = change_by_preset(system, dataclasses.replace(DEFAULT, demand_shock=DEMAND_CHECK),
                          [REFERENCE, NOW, NEXT, "api_2022"], years=1)
    down = change_by_preset(system, dataclasses.replace(DEFAULT, demand_shock=-DEMAND_CHECK),
                            [REFERENCE, NOW, "api_2022"], years=1)
    now_up = _by_org(up, NOW, 1).change_gbp_m
    now_down = _by_org(down, NOW, 1).change_gbp_m
    next_up = _by_org(up, NEXT, 1).change_gbp_m
    old_down = _by_org(down, "api_2022", 1).change_gbp_m
    name, payer_name = md(system.org_name(trust)), md(system.org_name(payer))
    return Markdown("\n".join([
        (f"- **Volume risk is back with the commissioner, for planned care.** Under "
        f"{preset_phrase(NOW)}, {name} gets {money(now_up[trust], signed=True)} against fixed income in a "
        f"year when demand runs {percent(DEMAND_CHECK)} above plan, and {money(now_down[trust], signed=True)} "
        f"when it runs {percent(DEMAND_CHECK)} below; {payer_name} carries the other side. In "
        f"2022/23 nothing was taken back below plan: the trust's change with demand below plan "
        f"was {_amount(old_down[trust])}."),
        (f"- **The next rule caps it.** Under {preset_phrase(NEXT)}, elective work above the "
        f"contracted plan earns nothing and emergency care a share of its price: "
        f"{money(next_up[trust], signed=True)} for {name} with demand {percent(DEMAND_CHECK)} above plan. "
        "Agree locally who carries activity above plan: the payment scheme no longer does."),
        ("- **The cushion goes.** Deficit support to ICBs and trusts is to be removed under the "
        "plans for 2026/27 to 2028/29 [R160]: what is left is the underlying position. Report it next to the reported one "
        "(lesson 4), and write down, before the year starts, how the partners will share a "
        "miss: there is no national template [R75], [R77]."),
    ]))


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
        return figures, self._words(scenario, preset, mine, last)

    def update(self, change: Any = None) -> None:
        super().update(change)
        if not self._paused and self.era:  # above the charts, where the eye goes first
            lead, rest = lead_and_rest(self.era)
            self.changes.value += (f'<div class="cs-era"><b>{html.escape(lead)}</b>'
                                   f"{html.escape(rest)}</div>")

    def _words(self, scenario: Scenario, preset: str, rows: list[dict], last: int) -> str:
        """Who gains and who loses in the last year, the NHS system, the trend over the years
        and the incentive funds, for the chosen preset (``rows``: its rows of every year)."""
        info = PRESET_INFO[preset]
        now = [r for r in rows if r["year"] == last]
        orgs = [r for r in now if not r["is_total"]]
        out = []
        if self.era:
            lead, rest = lead_and_rest(self.era)
            out.append(f"<b>{html.escape(lead)}</b>{html.escape(rest)}")
        rules = "; ".join(f"{html.escape(k)}: {html.escape(v)}" for k, v in info.rules.items())
        out.append(f"<b>{html.escape(info.label)}</b> ({rules}).")
        if preset == REFERENCE:
            out.append("This is the rule every other one is read against: choose another rule "
                       "to see who gains and who loses against it.")
        else:
            def named(sign: int) -> list[str]:
                return [f"{html.escape(str(r['name']))} {money(r['change_gbp_m'], signed=True)}"
                        for r in orgs if sign * r["change_gbp_m"] >= SAME_GBP_M]

            gains, losses = named(1), named(-1)
            lead = (f"In year {last}, with {_demand_words(scenario.demand_shock)}, against "
                    "fixed income: ")
            if gains or losses:
                out.append(lead + (f"gain: {', '.join(gains)}" if gains else "nobody gains")
                           + "; " + (f"lose: {', '.join(losses)}" if losses else "nobody loses")
                           + ".")
            else:
                out.append(lead + "nobody's position changes: this rule pays what fixed "
                           "income pays at this demand.")
            system_change = sum(r["change_gbp_m"] for r in now if r["org_id"] == SYSTEM_ID)
            if abs(system_change) < SAME_GBP_M:
                out.append("The NHS system's position does not move: the rule moves money "
                           "between commissioners and providers, it does not make any.")
            else:
                out.append(f"The NHS system's position moves {money(system_change, signed=True)}: some of "
                           "these contracts are with organisations outside the NHS control total.")
            out.append(self._trend(rows, last))
        funds = [f"{html.escape(str(r['name']))} {'wins' if r['fund_change_gbp_m'] > 0 else 'loses'} "
                 f"{money(abs(r['fund_change_gbp_m']))}"
                 for r in orgs if abs(r["fund_change_gbp_m"]) >= SAME_GBP_M]
        if funds:
            out.append("Counting the incentive funds as well (they turn on meeting a control "
                       "total): " + "; ".join(funds) + " of fund against fixed income"
                       + (", funds a later rule never met." if info.era == "later" else "."))
        return "<br>".join(part for part in out if part)

    @staticmethod
    def _trend(rows: list[dict], last: int) -> str:
        """How the largest change of the last year moved from year 1."""
        if last < 2:
            return ""
        final = [r for r in rows if r["year"] == last and not r["is_total"]]
        top = max(final, key=lambda r: abs(r["change_gbp_m"]), default=None)
        if top is None or abs(top["change_gbp_m"]) < SAME_GBP_M:
            return ""
        first = next(r for r in rows if r["year"] == 1 and r["org_id"] == top["org_id"])
        return (f"Year by year (second chart), {html.escape(str(top['name']))} goes from "
                f"{cell_text(first['change_gbp_m'])} in year 1 to "
                f"{cell_text(top['change_gbp_m'])} in year {last}: the same share of a growing "
                "plan, at growing prices.")


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
    return right, (f"In the first year with demand {percent(DEMAND_CHECK)} above plan, against fixed "
                   f"income: {system.org_name(trust)} {money(values[0], signed=True)}, "
                   f"{system.org_name(payer)} {money(values[1], signed=True)}, the NHS system "
                   f"{money(values[2], signed=True)}. Elective activity off plan is paid at the elective "
                   "variable rate, and outpatient first attendances and procedures at unit "
                   "prices; the fixed element holds the rest. What the commissioner pays, the "
                   "trust receives: the rule makes no money.")


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
    return right, (f"{system.org_name(trust)} does {percent(DEMAND_CHECK)} fewer electives than "
                   f"planned: their full price is {money(full)}, and aligned payment and "
                   f"incentive in 2022/23 takes back {money(lost)} ({percent(share)}). A deduction "
                   f"of {percent(API_2022_PROPOSED_DEDUCTION_SHARE)} of price was proposed but not "
                   "made [R69], [R154]: a trust doing less planned care kept its income, as "
                   "under fixed income (lesson 4).")


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
    return right, (f"With demand {percent(DEMAND_CHECK)} above plan, {system.org_name(trust)}'s "
                   f"electives above plan earn {money(later, signed=True)} against fixed income under "
                   f"{preset_phrase(NEXT)}, against {money(now, signed=True)} under {preset_phrase(NOW)}: "
                   "the draft 2026/27 contract controls elective activity through indicative "
                   "activity plans [R143], which the kit reads as nothing paid above the plan. "
                   "The trust does that work at its marginal cost.")


def checks(system: System | None = None) -> list[Quiz]:
    """Three predictions revealed by the model, and a question on the duties that replaced
    the system control total."""
    system = _system(system)
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

