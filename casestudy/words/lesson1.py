"""Lesson 1's computed prose (get the system fundamentals right): every sentence the kit
writes from the model, reading :class:`casestudy.fundamentals.Memorandum` (the chosen
schemes) and :class:`casestudy.fundamentals.BestFew` (the best few against every scheme).
Markdown; names escaped. The checks' answers are plain text.

>>> from casestudy import load_system
>>> "leadership" in situation(load_system())
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..formats import money, percent
from ..fundamentals import BestFew, Memorandum, best_few
from ..names import markdown_text as md
from ..priorities import OVERLOAD_ELASTICITY, delivery_share
from ..scenario import BRADFORD_ACTIVITY_PRESET as ACTIVITY_RULE
from ..scenario import Scenario, mid_sentence, preset_phrase
from ..system import System
from . import paragraphs

DEFAULT = Scenario.preset("fixed_income")  # the lesson's baseline
RULES = (ACTIVITY_RULE, "fixed_income")  # the two rules the conclusion and checks compare
NOTHING_GBP_M = 1e-9  # who pays or gains: more than this


def _plural(count: int) -> str:
    return "s" if count != 1 else ""


def lesson_facts(system: System) -> BestFew:
    """The best few against every scheme at the default capacity, under :data:`RULES`."""
    return best_few(system, DEFAULT, RULES)


# --------------------------------------------------------------------------- the panel


def scheme_detail(system: System, scheme_id: str) -> tuple[str, str]:
    """A scheme's tooltip and the short line under its box (plain text): who pays and who
    leads are in the tooltip, so the column stays short enough for a projector."""
    row = system.schemes.loc[scheme_id]
    tooltip = (f"{row['name']}: paid by {system.org_name(row.funder_id)}, led by "
               f"{system.org_name(row.deliverer_id)}")
    line = (f"{money(row.cost_gbp_m)} a year · load {row.leadership_load:g} · "
            f"{row.evidence} evidence")
    return tooltip, line


def _listing(table: pd.DataFrame, column: str, mask: np.ndarray, largest_first: bool) -> str:
    """``Name £x; Name £y``: the organisations of ``mask``, largest (or smallest) first."""
    values, names = table[column].to_numpy(), table["name"].to_numpy()
    order = [i for i in np.argsort(-values if largest_first else values) if mask[i]]
    return "; ".join(f"{md(names[i])} {money(values[i])}" for i in order)


def portfolio_words(scenario: Scenario, memo: Memorandum, best: pd.DataFrame) -> str:
    """Beside the portfolio charts: what the chosen schemes change, against the leadership
    capacity; who pays, who gains and who loses; the best portfolio at this capacity
    (``best``: :func:`casestudy.priorities.best_portfolios` at the scenario's capacity)."""
    top = best.loc[best["nhs_benefit_gbp_m"].idxmax()]
    best_line = (f"The best portfolio at this capacity has {int(top['size'])} "
                 f"scheme{_plural(int(top['size']))} ({md(top['names'])}): "
                 f"{money(top.nhs_benefit_gbp_m)} to the NHS system.")
    if memo.schemes.empty:
        return paragraphs("No schemes chosen: the baseline, with no benefit and no cost. "
                          "Tick a few shared schemes on the left.", best_line)
    count = len(memo.schemes)
    mean_share = memo.schemes.expected_delivery_share.mean()
    mean_chance = memo.schemes.delivery_probability.mean()
    capacity = (f"They need {memo.load:g} units of leadership against a capacity of "
                f"{memo.capacity:g}: "
                + (f"**over capacity**, so they are expected to deliver {mean_share:.0%} of "
                   f"their effect on average instead of {mean_chance:.0%}."
                   if memo.over_capacity else
                   f"within capacity, so each keeps its own chance of delivering "
                   f"({mean_share:.0%} on average)."))
    table = memo.organisations
    paid, benefit = table["pays_gbp_m"].to_numpy(), table["benefit_gbp_m"].to_numpy()
    pays = _listing(table, "pays_gbp_m", paid > NOTHING_GBP_M, True)
    gains = _listing(table, "benefit_gbp_m", benefit > NOTHING_GBP_M, True) or "nobody"
    loses = _listing(table, "benefit_gbp_m", benefit < -NOTHING_GBP_M, False)
    return paragraphs(
        f"**Your {count} scheme{_plural(count)}** are expected to change the NHS system's "
        f"position by **{money(memo.nhs_benefit_gbp_m)}** a year and the whole place's by "
        f"**{money(memo.place_benefit_gbp_m)}** (baseline: no schemes, {money(0)}). {capacity}",
        f"**Who pays** ({money(memo.cost_gbp_m)} a year): {pays}. **Who gains** under "
        f"{md(scenario.payment_phrase)}: {gains}."
        + (f" **Who loses**: {loses}." if loses else " Nobody loses."),
        best_line)


def memorandum_agreement(memo: Memorandum) -> str:
    """The memorandum's opening: how many schemes, under which contracts."""
    count = len(memo.schemes)
    return (f"The partners agree to focus on {count} shared scheme{_plural(count)}, paid for "
            f"under {md(mid_sentence(memo.payment_label))} contracts.")


def memorandum_expected(memo: Memorandum) -> str:
    """The memorandum's close: the leadership the schemes need and their expected benefit."""
    load = (f"Together they need {memo.load:g} of our {memo.capacity:g} units of senior "
            f"leadership time" + (": more than we have, so each is less likely to deliver."
                                  if memo.over_capacity else ", within what we have."))
    return (f"{load} Expected net benefit at full effect, after the schemes' cost: "
            f"**{money(memo.nhs_benefit_gbp_m)}** a year to the NHS system, "
            f"**{money(memo.place_benefit_gbp_m)}** to the whole place (council and voluntary "
            f"sector included).")


# --------------------------------------------------------------------------- the notebook


def situation(system: System) -> str:
    """The choice in front of the partners, with this system's figures."""
    schemes = system.schemes
    most = schemes.leadership_load.max()
    heaviest = schemes[schemes.leadership_load == most]
    apart = int((schemes.funder_id != schemes.deliverer_id).sum())
    which = (f"the heaviest, {md(heaviest['name'].iloc[0].lower())}, needs" if len(heaviest) == 1
             else f"the heaviest ({len(heaviest)} of them) need")
    return (
        f"The partners in this system could invest in **{len(schemes)} shared schemes**, from "
        f"{md(schemes['name'].iloc[0].lower())} to {md(schemes['name'].iloc[-1].lower())}. "
        f"Together they would cost {money(schemes.cost_gbp_m.sum())} a year and need "
        f"**{schemes.leadership_load.sum():g} units of senior leadership time**, against the "
        f"**{DEFAULT.leadership_capacity:g} units** the partners can give (an assumption you "
        f"can change); {which} {most:g} units each. {apart} of the {len(schemes)} schemes are "
        f"paid for by one organisation and led by another, so the money a scheme saves often "
        f"lands away from where its cost falls.")


def twice_capacity_share() -> float:
    """The share of its chance each scheme keeps in a portfolio at twice the capacity."""
    return float(delivery_share(np.ones(1), np.array([2.0]), np.ones(1), 1.0)[0])


def model_in_one_paragraph() -> str:
    """How the model turns a portfolio into an expected benefit, with its one assumption."""
    return (
        "Each chosen scheme changes activity (fewer emergency admissions, fewer outpatient "
        "visits...) and costs its funder money every year. It delivers its effect with its own "
        "chance, **if it gets the leadership it needs**. When the chosen schemes together need "
        "more leadership than the partners have, every scheme's chance is cut by "
        f"(capacity / load) to the power {OVERLOAD_ELASTICITY:g}: a portfolio at twice the "
        f"capacity delivers {twice_capacity_share():.0%} of each scheme's chance, so it "
        "delivers less in total than half the schemes would. The model then runs the year with "
        "and without the schemes and reports each organisation's change in position, before "
        "any incentive fund.")


def what_this_means(system: System, facts: BestFew) -> str:
    """The lesson for this system: the best few against everything at once."""
    provider = facts.provider_gbp_m
    return (
        f"In this system the best portfolio at the default capacity has **{facts.best_size} "
        f"schemes** ({md(facts.best_names)}), expected to benefit the NHS system by "
        f"{money(facts.best_gbp_m)} a year. Taking on all {facts.every_size} schemes "
        f"gives {money(facts.every_gbp_m)}: more cost, and less delivered, because "
        f"leadership is spread too thin. Even the best few do not pay off for everyone: "
        f"{md(system.org_name(facts.provider_id))} changes by {money(provider[ACTIVITY_RULE])} "
        f"under {preset_phrase(ACTIVITY_RULE)} and by {money(provider['fixed_income'])} under "
        f"{preset_phrase('fixed_income')}. Agreeing who leads, who pays and how gains are "
        f"shared is what the memorandum is for; the next lesson takes that on.")


# --------------------------------------------------------------------------- the checks


def spread_explanation(facts: BestFew) -> str:
    """Check 1's answer: every scheme against the best few."""
    return (f"The model says: all {facts.every_size} schemes give the NHS system "
            f"{money(facts.every_gbp_m)}, the best {facts.best_size} give "
            f"{money(facts.best_gbp_m)}. Past the leadership capacity every scheme's chance "
            f"of delivering falls, while its cost does not.")


def provider_explanation(system: System, facts: BestFew) -> str:
    """Check 2's answer: the largest provider under the activity rule of the Bradford years."""
    return (f"The model says {system.org_name(facts.provider_id)} changes by "
            f"{money(facts.provider_gbp_m[ACTIVITY_RULE])}. Under payment by results it "
            "loses the price of each planned unit avoided, and under the marginal rate "
            f"{percent(DEFAULT.mret_rate_above_baseline)} of the price of each emergency "
            "admission avoided above its baseline, but saves only its marginal cost; the rest "
            "of its cost is stranded.")


def rule_explanation(facts: BestFew) -> str:
    """Check 3's answer: the NHS system's benefit under each rule."""
    return (f"The model says {money(facts.nhs_gbp_m[ACTIVITY_RULE])} under "
            f"{preset_phrase(ACTIVITY_RULE)} and {money(facts.nhs_gbp_m['fixed_income'])} under "
            f"{preset_phrase('fixed_income')}: a payment rule moves money between the "
            "organisations; it does not create or destroy it.")
