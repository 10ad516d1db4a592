"""Notebook 7's computed prose (then and now): the timeline and the map from the sourced
constants of :mod:`casestudy.regimes`, and every sentence the kit writes from the model,
reading :func:`casestudy.projection.change_by_preset` (each organisation against fixed
income, by preset and year) and :func:`casestudy.projection.payments_by_preset`. Markdown;
names escaped. The checks' answers are plain text.

>>> from casestudy import load_system
>>> "fixed income" in the_model(load_system())
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from ..formats import money, percent
from ..names import markdown_text as md
from ..projection import SYSTEM_ID, change_by_preset, payments_by_preset, project, system_totals
from ..regimes import (
    AIREDALE_OVERSPEND_2024_25_GBP_M,
    API_2022_PROPOSED_DEDUCTION_SHARE,
    BRADFORD_BUDGET_CUT_ASKED_SHARE,
    BRADFORD_DEFICIT_FORECAST_FEB_2024_GBP_M,
    BRADFORD_DEFICIT_FORECAST_MAR_2024_GBP_M,
    BRADFORD_EXTRA_SAVINGS_2023_24_GBP_M,
    BRADFORD_UNDERLYING_DEFICIT_MAY_2024_GBP_M,
    SAME_GBP_M,
    THEN_AND_NOW,
    TIMELINE,
    cell_text,
    lead_and_rest,
)
from ..scenario import PRESET_INFO, PRESETS, Scenario, preset_phrase
from ..system import System
from . import paragraphs

REFERENCE = "fixed_income"  # Bradford's rule: every other preset is read against it
NOW = "api_2023"  # the rule in force from 2023/24 to 2025/26
NEXT = "nhsps_2026"
# The panel starts with demand 3% above plan every year: on plan, most rules pay the plan and
# nothing shows. 3% is within the 1.5-4.8% a year that emergency admissions grew (R110).
DEMAND_START = 0.03
DEFAULT = Scenario.preset(NOW, demand_shock=DEMAND_START)
DEMAND_CHECK = 0.03  # the demand against plan the checks ask about


def roles(system: System) -> tuple[str, str]:
    """The largest acute trust and the commissioner that pays it most; failing those, the two
    largest NHS organisations by planned income (:meth:`System.trust_and_payer`)."""
    provider, payer = system.trust_and_payer()
    return provider, payer


def amount(value: float) -> str:
    """``nothing`` for a change under £50k, else the signed figure."""
    return "nothing" if abs(value) < SAME_GBP_M else money(value, signed=True)


def demand_words(shock: float) -> str:
    """``demand on plan``, ``demand 3% above plan``."""
    if abs(shock) < 1e-9:
        return "demand on plan"
    return f"demand {percent(abs(shock))} {'above' if shock > 0 else 'below'} plan"


def _by_org(frame: pd.DataFrame, preset: str, year: int) -> pd.Series:
    """One preset's change against fixed income in one year, by organisation."""
    rows = frame[(frame.payment == preset) & (frame.year == year)]
    return rows.set_index("org_id").change_gbp_m


# --------------------------------------------------------------------------- the notebook


def _cite(keys: tuple[str, ...]) -> str:
    return ", ".join(f"[{k}]" for k in keys)


def timeline() -> str:
    """The dated changes since the Bradford years, each with its sources (``data/README.md``)."""
    rows = "\n".join(f"| {m.when} | {m.what} | {_cite(m.sources)} |" for m in TIMELINE)
    return "| When | What changed | Sources |\n|---|---|---|\n" + rows


def then_and_now_map() -> str:
    """What each idea of the Bradford years became, through the bridge of 2020-22."""
    rows = "\n".join(f"| **{m.idea}** | {m.then} | {m.bridge} | {m.now} | {m.lesson} | "
                     f"{_cite(m.sources)} |" for m in THEN_AND_NOW)
    return ("| | Then (2016-2020) | The bridge (2020-22) | Now (2022-2026) | "
            "What it means for the lessons | Sources |\n|---|---|---|---|---|---|\n" + rows)


def the_model(system: System) -> str:
    """The model in one paragraph, with one worked difference from this system."""
    trust, _ = roles(system)
    lines = payments_by_preset(system, DEFAULT, [NOW])
    mine = lines[lines.payee_id == trust].groupby("service", sort=False).change_gbp_m.sum()
    parts = [f"{money(v)} for {s.replace('_', ' ')}" for s, v in mine.items()
             if abs(v) >= SAME_GBP_M]
    worked = ""
    if parts:
        worked = (f" For example, with {demand_words(DEFAULT.demand_shock)}, "
                  f"{preset_phrase(NOW)} pays {md(system.org_name(trust))} "
                  f"{money(mine.sum())} more than fixed income in the first year: "
                  + " and ".join(parts) + ", the lines whose rule differs.")
    return (
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


def what_happened_next(system: System) -> str:
    """Bradford after the case study (sourced, R30), beside lesson 4's underlying position of
    this system (computed)."""
    totals = system_totals(project(system, Scenario.preset(REFERENCE))).set_index("year")
    last = int(totals.index.max())
    under = float(totals.loc[last, "underlying_position_gbp_m"])
    reported = float(totals.loc[last, "position_gbp_m"])
    low, high = BRADFORD_DEFICIT_FORECAST_FEB_2024_GBP_M
    ask_low, ask_high = BRADFORD_EXTRA_SAVINGS_2023_24_GBP_M
    return (
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


def what_this_means(system: System) -> str:
    """Three findings for a system today, each computed from this system."""
    trust, payer = roles(system)
    up = change_by_preset(system, dataclasses.replace(DEFAULT, demand_shock=DEMAND_CHECK),
                          [REFERENCE, NOW, NEXT, "api_2022"], years=1)
    down = change_by_preset(system, dataclasses.replace(DEFAULT, demand_shock=-DEMAND_CHECK),
                            [REFERENCE, NOW, "api_2022"], years=1)
    now_up, now_down = _by_org(up, NOW, 1), _by_org(down, NOW, 1)
    next_up, old_down = _by_org(up, NEXT, 1), _by_org(down, "api_2022", 1)
    name, payer_name = md(system.org_name(trust)), md(system.org_name(payer))
    return "\n".join([
        (f"- **Volume risk is back with the commissioner, for planned care.** Under "
         f"{preset_phrase(NOW)}, {name} gets {money(now_up[trust], signed=True)} against fixed "
         f"income in a year when demand runs {percent(DEMAND_CHECK)} above plan, and "
         f"{money(now_down[trust], signed=True)} when it runs {percent(DEMAND_CHECK)} below; "
         f"{payer_name} carries the other side. In 2022/23 nothing was taken back below plan: "
         f"the trust's change with demand below plan was {amount(old_down[trust])}."),
        (f"- **The next rule caps it.** Under {preset_phrase(NEXT)}, elective work above the "
         f"contracted plan earns nothing and emergency care a share of its price: "
         f"{money(next_up[trust], signed=True)} for {name} with demand "
         f"{percent(DEMAND_CHECK)} above plan. Agree locally who carries activity above plan: "
         "the payment scheme no longer does."),
        ("- **The cushion goes.** Deficit support to ICBs and trusts is to be removed under the "
         "plans for 2026/27 to 2028/29 [R160]: what is left is the underlying position. Report "
         "it next to the reported one (lesson 4), and write down, before the year starts, how "
         "the partners will share a miss: there is no national template [R75], [R77]."),
    ])


# --------------------------------------------------------------------------- the panel


def trend_words(rows: Sequence[Mapping], last: int) -> str:
    """How the largest change of the last year moved from year 1 (``rows``: the chosen
    preset's rows of :func:`change_by_preset`, every year)."""
    if last < 2:
        return ""
    final = [r for r in rows if r["year"] == last and not r["is_total"]]
    top = max(final, key=lambda r: abs(r["change_gbp_m"]), default=None)
    if top is None or abs(top["change_gbp_m"]) < SAME_GBP_M:
        return ""
    first = next(r for r in rows if r["year"] == 1 and r["org_id"] == top["org_id"])
    return (f"Year by year (second chart), {md(top['name'])} goes from "
            f"{cell_text(first['change_gbp_m'])} in year 1 to "
            f"{cell_text(top['change_gbp_m'])} in year {last}: the same share of a growing "
            "plan, at growing prices.")


def regimes_words(scenario: Scenario, preset: str, rows: Sequence[Mapping], last: int,
                  era: str = "") -> str:
    """Beside the panel's charts: the chosen preset's rules, who gains and who loses against
    fixed income in the last year, the NHS system, the trend over the years and the incentive
    funds (``rows``: its rows of :func:`change_by_preset`, every year; ``era``: the
    thought-experiment note of :func:`casestudy.regimes.era_note`, or "")."""
    info = PRESET_INFO[preset]
    now = [r for r in rows if r["year"] == last]
    orgs = [r for r in now if not r["is_total"]]
    out = []
    if era:
        lead, rest = lead_and_rest(era)
        out.append(f"**{md(lead)}**" + (f" {md(rest.strip())}" if rest.strip() else ""))
    rules = "; ".join(f"{md(k)}: {md(v)}" for k, v in info.rules.items())
    out.append(f"**{md(info.label)}** ({rules}).")
    if preset == REFERENCE:
        out.append("This is the rule every other one is read against: choose another rule "
                   "to see who gains and who loses against it.")
    else:
        def named(sign: int) -> list[str]:
            return [f"{md(r['name'])} {money(r['change_gbp_m'], signed=True)}"
                    for r in orgs if sign * r["change_gbp_m"] >= SAME_GBP_M]

        gains, losses = named(1), named(-1)
        lead = (f"In year {last}, with {demand_words(scenario.demand_shock)}, against "
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
            out.append(f"The NHS system's position moves {money(system_change, signed=True)}: "
                       "some of these contracts are with organisations outside the NHS control "
                       "total.")
        out.append(trend_words(rows, last))
    funds = [f"{md(r['name'])} {'wins' if r['fund_change_gbp_m'] > 0 else 'loses'} "
             f"{money(abs(r['fund_change_gbp_m']))}"
             for r in orgs if abs(r["fund_change_gbp_m"]) >= SAME_GBP_M]
    if funds:
        out.append("Counting the incentive funds as well (they turn on meeting a control "
                   "total): " + "; ".join(funds) + " of fund against fixed income"
                   + (", funds a later rule never met." if info.era == "later" else "."))
    return paragraphs(*out)


# --------------------------------------------------------------------------- the checks


def now_explanation(system: System, trust: str, payer: str,
                    values: Sequence[float]) -> str:
    """Check 1's answer: the trust, its commissioner and the NHS system under today's rule
    against fixed income, with demand above plan."""
    return (f"In the first year with demand {percent(DEMAND_CHECK)} above plan, against fixed "
            f"income: {system.org_name(trust)} {money(values[0], signed=True)}, "
            f"{system.org_name(payer)} {money(values[1], signed=True)}, the NHS system "
            f"{money(values[2], signed=True)}. Elective activity off plan is paid at the "
            "elective variable rate, and outpatient first attendances and procedures at unit "
            "prices; the fixed element holds the rest. What the commissioner pays, the "
            "trust receives: the rule makes no money.")


def clawback_explanation(system: System, trust: str, full_gbp_m: float, lost_gbp_m: float,
                         share: float) -> str:
    """Check 2's answer: what aligned payment and incentive took back in 2022/23."""
    return (f"{system.org_name(trust)} does {percent(DEMAND_CHECK)} fewer electives than "
            f"planned: their full price is {money(full_gbp_m)}, and aligned payment and "
            f"incentive in 2022/23 takes back {money(lost_gbp_m)} ({percent(share)}). A "
            f"deduction of {percent(API_2022_PROPOSED_DEDUCTION_SHARE)} of price was proposed "
            "but not made [R69], [R154]: a trust doing less planned care kept its income, as "
            "under fixed income (lesson 4).")


def next_explanation(system: System, trust: str, now_gbp_m: float, later_gbp_m: float) -> str:
    """Check 3's answer: the trust's electives above plan under the next rule and today's."""
    return (f"With demand {percent(DEMAND_CHECK)} above plan, {system.org_name(trust)}'s "
            f"electives above plan earn {money(later_gbp_m, signed=True)} against fixed income "
            f"under {preset_phrase(NEXT)}, against {money(now_gbp_m, signed=True)} under "
            f"{preset_phrase(NOW)}: the draft 2026/27 contract controls elective activity "
            "through indicative activity plans [R143], which the kit reads as nothing paid "
            "above the plan. The trust does that work at its marginal cost.")
