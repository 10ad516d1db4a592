"""Lesson 5's computed prose beside its panels (beyond the NHS): a social care funding change
followed across the NHS boundary, reading :class:`casestudy.place.KnockOn`, and voluntary-sector
schemes tested against the place. Markdown; names escaped; every sign read from the facts.
"""

from __future__ import annotations

import math

import pandas as pd

from ..formats import money, names, percent
from ..names import markdown_text as md
from ..place import KnockOn, boundary_of, vcs_schemes
from ..scenario import Scenario
from ..system import System
from . import paragraphs

TOLERANCE_GBP_M = 0.005  # half of the last digit shown (£0.01m)


def count(value: float) -> str:
    """A whole count of activity, with a thousands separator: ``count(1234.4) == '1,234'``."""
    return f"{abs(value):,.0f}"


def _councils(system: System) -> list[str]:
    groups = boundary_of(system)
    return [system.org_name(o) for o in groups.index[groups == "council"]]


def _change(value_gbp_m: float) -> str:
    return money(value_gbp_m, signed=True, fine=True)


def social_care_words(system: System, scenario: Scenario, knock: KnockOn) -> str:
    """Beside the social care charts: the activity knock-on, the money across the boundary
    (what part is delayed discharge, what part the extra admissions), the council's own
    change and the place's."""
    change = scenario.social_care_budget_change
    councils = _councils(system)
    if not councils:
        return ("This system has no council (no organisation of kind local_authority), so "
                "there is no social care budget to change.")
    if change == 0:
        return ("No change to social care funding (the baseline): nothing moves. Move the "
                "first slider to cut or raise the council's social care budget.")
    who = md(names(councils))
    fewer = change < 0
    packages = (f"{count(knock.packages_change)} {'fewer' if fewer else 'more'} packages of care "
                f"({money(abs(knock.council_spending_change_gbp_m))} "
                f"{'less' if fewer else 'more'} spent on them)")
    admissions = (f"**{count(knock.emergency_admissions_change)} "
                  f"{'more' if knock.emergency_admissions_change >= 0 else 'fewer'} emergency "
                  "admissions**")
    delays = (f"**{count(knock.delayed_bed_days)} "
              f"{'more' if knock.delayed_bed_days >= 0 else 'fewer'} bed days** of delayed "
              "discharge")
    parts = [(f"A {percent(abs(change))} {'cut' if fewer else 'rise'} in social care funding "
              f"({_change(knock.council_budget_change_gbp_m)} to the budget of {who}) means "
              f"{packages}. In hospital: {admissions} and {delays}.")]
    # The NHS cost in two parts that add up to it: the delayed days, and the admissions.
    delayed, admitted = knock.delayed_discharge_cost_gbp_m, knock.admissions_cost_gbp_m
    split = (f"{money(delayed)} of it for the delayed days and {money(admitted)} for the "
             "extra admissions" if knock.nhs_cost_gbp_m > 0 else
             f"{_change(-delayed)} from the delayed days and {_change(-admitted)} from the "
             "admissions")
    share = knock.share_reappearing
    council = "councils" if len(councils) > 1 else "council"
    if fewer and not math.isnan(share):
        parts.append(
            f"**Of the {money(knock.council_saving_gbp_m)} the {council} no longer "
            f"spend{'' if len(councils) > 1 else 's'} on packages, {money(knock.nhs_cost_gbp_m)} "
            f"({percent(share)}) reappears as NHS cost**: {split}. That is all the NHS control "
            "total sees.")
    else:
        parts.append(f"The NHS organisations' position changes by "
                     f"**{_change(knock.change('nhs'))}** ({split}): that is all the NHS "
                     "control total sees.")
    budget, spending = knock.council_budget_change_gbp_m, knock.council_spending_change_gbp_m
    parts.append(
        f"The {council}'s own position is {'their' if len(councils) > 1 else 'its'} budget less "
        f"what {'they spend' if len(councils) > 1 else 'it spends'}: the budget changes by "
        f"{_change(budget)} and the spending on packages by {_change(spending)}, so the "
        f"{council} change{'' if len(councils) > 1 else 's'} by "
        f"**{_change(knock.change('council'))}**.")
    rest = [f"{md(r.label.lower())} {_change(r.change_gbp_m)}"
            for r in knock.changes.itertuples() if r.boundary not in ("nhs", "council", "place")]
    parts.append((f"Elsewhere outside the NHS: {'; '.join(rest)}. " if rest else "")
                 + f"The whole place changes by **{_change(knock.change('place'))}**.")
    most = knock.nhs_most_changed()
    if most is not None:
        name, value = most
        verb = "bears most" if value < 0 else "gains most"
        parts.append(f"Inside the NHS, under {md(scenario.payment_phrase)}, {md(name)} {verb} "
                     f"({_change(value)}). Change the payment rule: the NHS total stays, who "
                     "carries it moves.")
    return paragraphs(*parts)


def vcs_words(system: System, scenario: Scenario, changes: pd.DataFrame,
              chosen: tuple[str, ...]) -> str:
    """Beside the voluntary-sector charts: the schemes chosen, their cost, the NHS and the
    place."""
    if not vcs_schemes(system):
        return ("This system has no scheme delivered by the voluntary sector, so there is "
                "nothing to test here. Add one to `schemes.csv` (its deliverer an organisation "
                "of kind voluntary) to try it.")
    if not chosen:
        return "No voluntary-sector scheme chosen: the baseline. Tick a scheme on the left."
    schemes = system.schemes.loc[list(chosen)]
    cost = float(schemes.cost_gbp_m.sum())
    funders = sorted({system.org_name(f) for f in schemes.funder_id})
    row = changes.set_index("boundary")
    nhs, place = float(row.change_gbp_m["nhs"]), float(row.change_gbp_m["place"])
    one = len(chosen) == 1
    verdict = (("pays for itself" if one else "pay for themselves") + " across the place in the year"
               if place > TOLERANCE_GBP_M else
               ("does not pay for itself" if one else "do not pay for themselves") + " in the year")
    flex = ("raise it to see more of the cost released" if scenario.flex < 1
            else "all the semi-fixed cost that can go, goes")
    return paragraphs(
        f"Your {len(chosen)} voluntary-sector scheme{'' if one else 's'} cost"
        f"{'s' if one else ''} {money(cost)} a year, paid by {md(', '.join(funders))}. "
        f"{'It changes' if one else 'They change'} the NHS organisations' position by "
        f"**{_change(nhs)}** (to {money(row.position_gbp_m['nhs'])}, baseline "
        f"{money(row.baseline_position_gbp_m['nhs'])}) and the whole place's by "
        f"**{_change(place)}** (to {money(row.position_gbp_m['place'])}): "
        f"{'it' if one else 'they'} {verdict}.",
        "Activity avoided in hospital releases only its marginal cost unless capacity is taken "
        f"out: with capacity flex at {percent(scenario.flex)}, {flex}. Benefits beyond money "
        "(people kept well at home) are not in these figures.")
