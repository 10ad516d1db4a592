"""Lesson 2's computed prose (no winners and losers): every sentence the kit writes from the
model, reading :class:`casestudy.behaviours.Deal`. Markdown; names escaped.

>>> from casestudy import load_system
>>> "emergency admissions" in situation(load_system())
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from ..behaviours import TOLERANCE_GBP_M, Deal, Shift, deal, lesson_shift, stranded_cost
from ..formats import money, names, percent
from ..names import markdown_text as md
from ..scenario import BRADFORD_ACTIVITY_PRESET as ACTIVITY_RULE
from ..scenario import Scenario, preset_phrase
from ..system import System
from . import paragraphs

DEFAULT = Scenario.preset("fixed_income")  # the lesson's baseline
ENVELOPE = ("one envelope (a single budget for the whole contract, shared by all the "
            "partners)")


def _who(system: System, ids: list[str] | tuple[str, ...]) -> str:
    return md(names(map(system.org_name, ids)))


def decisions(system: System, facts: Deal) -> list[str]:
    """What happens to the shift one to one and as a group, in words (plain text: the
    contracting chart's labels)."""
    words = []
    for key, row in facts.contracting.iterrows():
        if row.goes_ahead:
            words.append("Goes ahead")
        elif key == "as_a_group":
            words.append("Does not happen: the system as a whole loses")
        else:
            words.append("Blocked by " + names(map(system.org_name, row.blocked_by)))
    return words


def _lower_first(text: str) -> str:
    """Lower the first letter only, keeping names' capitals: 'Blocked by X' -> 'blocked by X'."""
    return text[:1].lower() + text[1:]


def no_shift(problem: str) -> str:
    return f"**This lesson's shift cannot be built for this system:** {md(problem)}."


# --------------------------------------------------------------------------- the panels


def shift_words(system: System, facts: Deal) -> str:
    """Beside the shift chart: who moves by how much under the chosen rule, and why."""
    shift, acute = facts.shift, facts.stranded
    name, funder = md(system.org_name(shift.acute_id)), md(system.org_name(shift.funder_id))
    deliverer = md(system.org_name(shift.deliverer_id))
    rule = md(facts.scenario.payment_phrase)
    income = (f"its income changes by {money(acute.income_change_gbp_m)}"
              if abs(acute.income_change_gbp_m) > TOLERANCE_GBP_M else "its income does not move")
    also = "".join(f"; {md(system.org_name(o))}, by **{money(facts.change(o))}**"
                   f"{_why_other(facts, o, name)}" for o in facts.others_moved)
    flex = ("capacity flex is already at its most, so this is what the trust cannot release "
            "in a year" if facts.scenario.flex >= 1.0 else "raise capacity flex to release more")
    return paragraphs(
        f"The shift moves {percent(shift.share, 1)} of {name}'s emergency admissions "
        f"({acute.admissions_avoided:,.0f} a year) into a community service run by "
        f"{deliverer} and paid for by {funder} ({money(acute.scheme_cost_gbp_m, places=2)} a "
        "year).",
        f"**Under {rule}**, {name} changes by **{money(facts.change(shift.acute_id))}**: "
        f"{income}, and it releases {money(acute.cost_released_gbp_m)} of the "
        f"{money(acute.average_cost_gbp_m)} the lost activity cost; the other "
        f"**{money(acute.stranded_cost_gbp_m)} is stranded** (wards, rotas and overheads still "
        f"there; {flex}). {funder} changes by **{money(facts.change(shift.funder_id))}**; "
        f"{deliverer}, which runs the service, by {money(facts.change(shift.deliverer_id))}"
        f"{also}.",
        f"The whole system changes by **{money(facts.system_change_gbp_m)}** under every rule "
        f"(baseline: no shift, {money(0)}): the rule decides who gains, not how much.")


def _why_other(facts: Deal, org_id: str, acute: str) -> str:
    """Why a partner outside the shift's three moves: a commissioner that also buys the
    trust's emergency admissions pays less (or more) for them and nothing for the service."""
    row = facts.changes.loc[org_id]
    paid = float(row.contract_payments_gbp_m)
    if abs(paid) <= TOLERANCE_GBP_M:
        return ""
    less = "less" if paid < 0 else "more"
    return (f" (it buys some of {acute}'s emergency admissions too: under this rule it pays "
            f"{money(abs(paid))} {less} for them, and it pays nothing towards the service)")


def gain_share_words(system: System, facts: Deal) -> str:
    """Beside the gain-share charts: who loses, the share that makes them whole, and what
    one to one and as a group each give the system."""
    shared, table = facts.share, facts.share.table
    rule = md(facts.scenario.payment_phrase)
    if not shared.losers:
        sharing = "Nobody loses, so no gain share is needed."
    elif shared.possible:
        paid = "; ".join(f"{md(system.org_name(o))} receives "
                         f"{money(table.loc[o, 'transfer_gbp_m'])}" for o in shared.losers)
        sharing = (f"If the winners ({_who(system, shared.winners)}) pass "
                   f"**{percent(shared.share_of_gains)} of their gains** to the losers, nobody "
                   f"is worse off: {paid}.")
    else:
        better = ("Raise capacity flex (more cost released) or look for a cheaper service"
                  if facts.scenario.flex < 1.0 else
                  "Capacity flex is already at its most: only a cheaper service would do")
        sharing = (f"**The system as a whole loses {money(-shared.system_gain_gbp_m)}**: the "
                   "cost it releases is less than the community service costs, so no gain "
                   f"share can leave everyone whole. {better}.")
    losers = "; ".join(f"{md(system.org_name(o))} {money(table.loc[o, 'change_gbp_m'])}"
                       for o in shared.losers) or "nobody"
    words = dict(zip(facts.contracting.index, decisions(system, facts)))
    one, group = facts.contracting.loc["one_to_one"], facts.contracting.loc["as_a_group"]
    return paragraphs(
        f"**Under {rule}**, on their own the partners who lose are: {losers}; the system as a "
        f"whole changes by {money(shared.system_gain_gbp_m)} (baseline: no shift, "
        f"{money(0)}). {sharing}",
        f"**One to one** (each signs only if it does not lose): "
        f"{md(_lower_first(words['one_to_one']))}, so the system gets "
        f"{money(one.system_gain_gbp_m)}. **As a group** for {md(ENVELOPE)}: "
        f"{md(_lower_first(words['as_a_group']))}, and the system gets "
        f"{money(group.system_gain_gbp_m)}.")


# --------------------------------------------------------------------------- the notebook


def _with_shift(missing: Callable[[str], str]) -> Callable:
    """A paragraph about the lesson's shift, ``words(system, shift)``, read as
    ``paragraph(system)``: the shift found once, here, and ``missing(problem)`` said when it
    cannot be built for this system."""
    def wrap(words: Callable[[System, Shift], str]) -> Callable[[System], str]:
        @functools.wraps(words)
        def paragraph(system: System) -> str:
            shift, problem = lesson_shift(system)
            return missing(problem) if shift is None else words(system, shift)
        return paragraph
    return wrap


@_with_shift(lambda problem: "This lesson follows one shift of emergency admissions out of "
             f"hospital, but it cannot be built for this system: {md(problem)}.")
def situation(system: System, shift: Shift) -> str:
    """The shift the lesson follows, with this system's organisations and figures."""
    acute = stranded_cost(system, DEFAULT, shift)
    # The service costs the same for each admission it avoids: cost = that price x admissions.
    each = (f", about £{shift.cost_per_admission_gbp:,.0f} for each of the "
            f"{acute.admissions_avoided:,.0f} admissions avoided")
    template = (f" (the cost per admission avoided of the data's "
                f"**{md(system.schemes.loc[shift.template_id, 'name'])}**: its cost divided by the "
                f"emergency admissions it avoids)" if shift.template_id else "")
    return (
        f"The lesson follows one shift of care out of hospital. A community service run by "
        f"**{md(system.org_name(shift.deliverer_id))}** avoids {percent(shift.share, 1)} of the "
        f"emergency admissions at **{md(system.org_name(shift.acute_id))}**, the largest acute "
        f"trust: about {acute.admissions_avoided:,.0f} admissions a year. "
        f"**{md(system.org_name(shift.funder_id))}**, which buys most of the trust's emergency "
        f"care, pays for the service: {money(acute.scheme_cost_gbp_m, places=2)} a year{each}"
        f"{template}.")


@_with_shift(lambda problem: f"The model cannot build this lesson's shift here: {md(problem)}.")
def model_in_one_paragraph(system: System, shift: Shift) -> str:
    """What moves when admissions leave the hospital, with this system's numbers."""
    row = system.organisations.loc[shift.acute_id]
    acute = stranded_cost(system, DEFAULT, shift)
    # The share of its price each admission takes with it under the Bradford years' tariff:
    # the marginal rate (MRET) above the baseline, against the whole price under pure PbR.
    mret = stranded_cost(system, Scenario.preset(ACTIVITY_RULE), shift).income_change_gbp_m
    pure = stranded_cost(system, Scenario.preset("payment_by_results"), shift).income_change_gbp_m
    share = mret / pure if pure else 0.0
    return (
        f"Each emergency admission that leaves {md(system.org_name(shift.acute_id))} takes "
        f"{percent(share, 0)} of its price with it under {preset_phrase(ACTIVITY_RULE)}, where "
        f"admissions above a baseline were paid at the marginal rate (the whole price under "
        f"pure payment by results, a teaching extreme; none under fixed income). It takes only "
        f"part of its cost: in this system the trust's cost base is "
        f"{percent(row.fixed_share, 0)} fixed, {percent(row.semi_fixed_share, 0)} semi-fixed and "
        f"{percent(row.variable_share, 0)} variable, and with the default capacity flex of "
        f"{DEFAULT.flex:g} it releases {money(acute.cost_released_gbp_m)} of the "
        f"{money(acute.average_cost_gbp_m)} the lost activity cost. The rest, "
        f"{money(acute.stranded_cost_gbp_m)}, is stranded. The model runs the year with and "
        f"without the shift under each payment rule and reports every organisation's change in "
        f"position, before any incentive fund.")


def rule_deals(system: System, shift: Shift) -> dict[str, Deal]:
    """The deal under the Bradford years' activity rule and under fixed income: the two the
    lesson's conclusion and checks compare."""
    return {p: deal(system, Scenario.preset(p), shift) for p in (ACTIVITY_RULE, "fixed_income")}


@_with_shift(no_shift)
def what_this_means(system: System, shift: Shift) -> str:
    """The lesson for this system: who blocks the shift one to one, and what sharing needs."""
    lines = []
    for preset, facts in rule_deals(system, shift).items():
        rule = preset_phrase(preset)
        if facts.one_to_one_goes_ahead:
            lines.append(f"under {rule} nobody loses, so even one to one the shift goes ahead")
        elif facts.share.possible:
            lines.append(f"under {rule}, {_who(system, facts.blockers)} would block it one to "
                         f"one; passing {percent(facts.share.share_of_gains)} of the winners' "
                         "gains makes it work")
        else:
            lines.append(f"under {rule} the system as a whole loses "
                         f"{money(-facts.share.system_gain_gbp_m)}, so no share can make it work")
    return (
        "In this system, " + "; ".join(lines) + ". The payment rule decides who has to be "
        f"persuaded; only an agreement made as a group, for {ENVELOPE}, lets a shift that is "
        "good for the system happen whoever it hurts on its own. That is what a strategic "
        "partnering agreement that avoids winners and losers is for.")


# --------------------------------------------------------------------------- the checks


def acute_explanation(system: System, facts: Deal) -> str:
    """Check 1's answer: the acute trust's change under the activity rule, and why."""
    return (f"The model says {system.org_name(facts.shift.acute_id)} changes by "
            f"{money(facts.change(facts.shift.acute_id))}: it loses "
            f"{money(-facts.stranded.income_change_gbp_m)} of income but releases only "
            f"{money(facts.stranded.cost_released_gbp_m)} of cost.")


def loser_explanation(system: System, facts: Deal) -> str:
    """Check 2's answer: the shift's three under fixed income."""
    shift = facts.shift
    ids = (shift.acute_id, shift.funder_id, shift.deliverer_id)
    return ("The model says: " + "; ".join(f"{system.org_name(i)} {money(facts.change(i))}"
                                           for i in ids)
            + ". Under fixed income the trust keeps its income and saves cost; the commissioner "
              "pays for the service and saves nothing.")


def one_to_one_explanation(deals: dict[str, Deal]) -> str:
    """Check 3's answer: whether one to one goes ahead under each rule."""
    ahead = {p: d.one_to_one_goes_ahead for p, d in deals.items()}
    return ("The model says: one to one, the shift "
            + ("goes ahead" if ahead[ACTIVITY_RULE] else "is blocked")
            + f" under {preset_phrase(ACTIVITY_RULE)} and "
            + ("goes ahead" if ahead["fixed_income"] else "is blocked")
            + " under fixed income. Someone loses on its own under each rule, whoever it is.")
