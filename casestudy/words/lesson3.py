"""Lesson 3's computed prose (shared governance): the bridge, reserves alone or pooled and the
incentive fund tied to the system, reading :class:`casestudy.governance.Reserves` and
:class:`casestudy.governance.Linkage`. Markdown; names escaped.

>>> from casestudy import load_system
>>> "system control total" in situation(load_system())
True
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ..formats import money, percent
from ..governance import (
    CONFIDENCE,
    NHS_SYSTEM_ID,
    TOLERANCE_GBP_M,
    Linkage,
    Reserves,
    bridge_of,
    bridge_table,
    first_miss_shock,
    linkage,
    reserve_draws,
)
from ..names import markdown_list
from ..names import markdown_text as md
from ..regimes import era_note
from ..scenario import Scenario
from ..system import System
from . import paragraphs

DEFAULT = Scenario.preset("fixed_income")  # the lesson's baseline
RESERVE_RULES = ("fixed_income", "payment_by_results")  # the two the pooling reason compares


def step(frame: pd.DataFrame, name: str) -> float:
    """A step's change (or a total's value) in one entity's bridge; 0 if it is not there."""
    row = frame[frame.step == name]
    return float(row.change_gbp_m.iloc[0]) if len(row) else 0.0


def _demand(shock: float) -> str:
    return (f"With demand {percent(abs(shock))} {'above' if shock > 0 else 'below'} plan"
            if shock else "With demand on plan")


def risk_share_note(scenario: Scenario) -> str:
    """A sentence when a full risk share links every incentive fund to the system, else "".

    >>> risk_share_note(Scenario(risk_share=1.0)).startswith("With every variance pooled")
    True
    """
    if scenario.risk_share < 1.0:
        return ""
    return ("With every variance pooled (a risk share of 100%), each organisation meets its "
            "control total only when the system does, so every incentive fund is in effect "
            "tied to the system, whatever the system linkage says.")


# --------------------------------------------------------------------------- the bridge


def bridge_words(frame: pd.DataFrame, before: pd.DataFrame) -> str:
    """Beside one entity's bridge: where it starts, the largest pressure and help, and the
    one-off money in its reported plan."""
    # Dictionaries, not pandas look-ups: this runs on every slider move.
    name = md(str(frame.name.iloc[0]))
    steps = dict(zip(frame.step.tolist(), frame.change_gbp_m.tolist()))
    was = dict(zip(before.step.tolist(), before.change_gbp_m.tolist()))
    kinds = dict(zip(frame.step.tolist(), frame.kind.tolist()))
    last_year, underlying = steps["Last year underlying"], steps["Underlying plan"]
    reported, control = steps["Reported plan"], float(frame.control_total_gbp_m.iloc[0])
    moves = sorted((c, s) for s, c in steps.items() if kinds[s] != "total")
    (down_gbp_m, down), (up_gbp_m, up) = moves[0], moves[-1]
    one_off = reported - underlying
    meets = "meets" if reported - steps["Incentive fund"] >= control - 1e-9 else "misses"
    return paragraphs(
        f"**{name}** starts from last year's underlying position of **{money(last_year)}**. "
        f"The largest pressure is {md(down.lower())} ({money(down_gbp_m, signed=True)}); the "
        f"largest help is {md(up.lower())} ({money(up_gbp_m, signed=True)}).",
        f"This year's plan: an **underlying** position of **{money(underlying)}** (baseline "
        f"{money(was['Underlying plan'])}) and a **reported** position of **{money(reported)}** "
        f"(baseline {money(was['Reported plan'])}), against a control total of "
        f"{money(control)}, which it {meets} before its incentive fund. "
        f"**{money(abs(one_off))}** of the reported position is one-off money (non-recurrent "
        "savings, one-off support, incentive fund) that does not recur next year.")


# --------------------------------------------------------------------------- reserves


def pooling_reason(facts: Reserves, rule: str) -> str:
    """Why pooling releases as much (or as little) as it does under this rule."""
    held = percent(facts.commissioners_share)
    if facts.offset_correlation <= -0.5:
        return (f"Under {rule} a busy year costs the commissioners what it earns the providers: "
                f"their positions move in opposite directions (correlation "
                f"{facts.offset_correlation:.2f} across the simulated years), so each holds a "
                f"reserve against the other's good year. The commissioners hold {held} of the "
                "reserves held alone; pooled, those opposite risks cancel, and only the risk "
                "the system as a whole carries is left.")
    return (f"Under {rule} the commissioners hold only {held} of the reserves held alone: the "
            "providers carry most of the risk, and their bad years tend to come together (one "
            f"winter for all; correlation of the commissioners' and providers' positions "
            f"{facts.offset_correlation:.2f}), so pooling offsets only the part that is not "
            "shared.")


def reserve_words(system: System, facts: Reserves, baseline: Reserves, scenario: Scenario,
                  baseline_scenario: Scenario) -> str:
    """Beside the reserves chart: alone, pooled, what pooling releases and why."""
    share = facts.released_share
    of_it = f" ({percent(share)} of it)" if share is not None else ""
    rule = md(scenario.payment_phrase)
    note = era_note(system, scenario.payment)
    return paragraphs(
        f"To meet their control totals in {percent(facts.confidence)} of years under {rule} "
        f"contracts, the {facts.organisations} NHS organisations would each hold a reserve: "
        f"**{money(facts.sum_alone_gbp_m)}** between them, the largest "
        f"{md(facts.largest_name)}'s {money(facts.largest_gbp_m)}. Pooled, the system needs "
        f"**{money(facts.pooled_gbp_m)}**: pooling releases **{money(facts.released_gbp_m)}**"
        f"{of_it} for patient care (baseline {md(baseline_scenario.payment_phrase)}: "
        f"{money(baseline.released_gbp_m)}).",
        pooling_reason(facts, rule) + " The pooled reserve depends on the system's risk, not on "
        "who carries it: the payment rule moves the risk between commissioners and providers; "
        "pooling shares whatever risk there is.",
        md(note) if note else "")


# --------------------------------------------------------------------------- linkage


def transfers_words(system_names: dict[str, str], facts: Linkage) -> str:
    """What the risk share moves and why everyone then meets or misses together."""
    scenario, table = facts.scenario, facts.table
    if scenario.risk_share <= 0:
        return ""
    moved = [(o, t) for o, t in zip(table.org_id, table.risk_share_gbp_m) if abs(t) > TOLERANCE_GBP_M]
    if not moved:
        return ""
    pays = "; ".join(f"{md(system_names[o])} pays {money(-t)}" for o, t in moved if t < 0)
    gets = "; ".join(f"{md(system_names[o])} receives {money(t)}" for o, t in moved if t > 0)
    flows = "; ".join(p for p in (pays, gets) if p)
    if scenario.risk_share >= 1.0:
        together = ("short of it by " + money(-facts.gap_gbp_m) if facts.gap_gbp_m < -TOLERANCE_GBP_M
                    else "at or above it")
        outcome = ("so every NHS organisation misses by its share of the gap, however well it "
                   "did itself" if facts.everyone_misses else
                   "so every NHS organisation meets its own control total with it")
        return (f"With a risk share of {percent(scenario.risk_share)}, each organisation's "
                "surplus or deficit against its control total is pooled and shared out: each "
                "ends at its control total plus its share of the system's gap. The NHS system "
                f"is {together}, {outcome}. The transfers: {flows}.")
    return (f"With a risk share of {percent(scenario.risk_share)}, that share of each "
            f"organisation's surplus or deficit against its control total is pooled and shared "
            f"out: {flows}.")


def linkage_words(system: System, facts: Linkage, baseline_funds_gbp_m: float) -> str:
    """Beside the linkage charts: who missed, whether the system met, what the linkage
    cost the partners that met theirs, and what the risk share moved."""
    table, scenario = facts.table, facts.scenario
    # Plain lists, not pandas selections: this runs on every slider move.
    label = dict(zip(table.org_id.tolist(), table["name"].tolist()))
    tested = table.position_before_fund_gbp_m.tolist()  # what the control total tests
    control = table.control_total_gbp_m.tolist()
    short = dict(zip(table.org_id.tolist(), [c - t for c, t in zip(control, tested)]))
    if not facts.missed:
        who = "every NHS organisation meets its own control total"
    else:
        gaps = "; ".join(f"{md(label[o])} by {money(short[o], fine=True)}" for o in facts.missed)
        who = f"**{len(facts.missed)}** miss their own control total ({gaps})"
    together = f" ({money(sum(tested))} before incentive funds, against {money(sum(control))})"
    whole = ("the NHS system still **meets** its control total" if facts.system_met
             else "the NHS system **misses** its control total") + together
    parts = [f"{_demand(scenario.demand_shock)}, {who}, and {whole}."]
    lost = table.fund_lost_to_linkage_gbp_m.tolist()
    losers = [o for o, value in zip(table.org_id, lost) if value > TOLERANCE_GBP_M]
    if losers:
        cost = "; ".join(f"{md(label[o])} {money(v, fine=True)}"
                         for o, v in zip(table.org_id, lost) if v > TOLERANCE_GBP_M)
        parts.append(
            f"With {percent(scenario.system_linkage)} of each fund tied to the system, the "
            f"partners that met their own control total lose **{money(facts.lost_gbp_m)}** of "
            f"incentive fund between them because others missed: {cost}.")
    elif facts.missed and scenario.system_linkage == 0:
        parts.append("The fund is paid on each organisation's own control total, so the miss "
                     "costs only those who missed. Raise the system linkage to see it cost the "
                     "partners too.")
    elif facts.missed and not facts.system_met and not any(
            ok and fund > 0 for ok, fund in zip(table.met_control_total, table.fund_available_gbp_m)):
        parts.append("Every organisation with a fund missed its own control total, so tying "
                     "the fund to the system takes nothing more from anyone: the linkage bites "
                     "when some partners miss and others do not.")
    if facts.gained_gbp_m > 0:
        parts.append(f"Those that missed but share in the system's success receive "
                     f"{money(facts.gained_gbp_m)} they would not have had alone.")
    parts.append(transfers_words(label, facts))
    parts.append(f"Incentive funds received: **{money(facts.received_gbp_m)}** of "
                 f"{money(facts.available_gbp_m)} (baseline {money(baseline_funds_gbp_m)}). The "
                 "kit pays each fund all or nothing, once a year, a simplification: the real "
                 "funds were paid quarterly, 70% for finance and 30% for performance.")
    parts.append(md(risk_share_note(scenario)))
    return paragraphs(*parts)


# --------------------------------------------------------------------------- the notebook


def default_reserves(system: System, scenario: Scenario = DEFAULT) -> Reserves:
    """The reserves the reserve panel shows when it opens (so the prose and checks quote
    what the learner sees)."""
    return reserve_draws(system, scenario).facts(CONFIDENCE["default"])


def situation(system: System) -> str:
    """Where the system starts: its underlying position against the reported plan."""
    table = bridge_table(system, DEFAULT)
    nhs = bridge_of(table, NHS_SYSTEM_ID)
    orgs = system.organisations
    count = int(orgs.in_nhs_control_total.sum())
    underlying, reported = step(nhs, "Underlying plan"), step(nhs, "Reported plan")
    control = float(nhs.control_total_gbp_m.iloc[0])
    in_deficit = [bridge_of(table, org).name.iloc[0] for org in orgs.index[orgs.in_nhs_control_total]
                  if step(bridge_of(table, org), "Underlying plan") < -TOLERANCE_GBP_M]
    return (
        f"This system's {count} NHS organisations share a **system control total** of "
        f"{money(control)}: the sum of their own control totals. Their plans for this year report "
        f"**{money(reported)}** between them, "
        + ("inside it" if reported >= control else "short of it")
        + ". Take away the one-off money "
        f"(non-recurrent savings, one-off support and incentive funds) and their **underlying** "
        f"position is **{money(underlying)}**"
        + (f", with {len(in_deficit)} of them in underlying deficit ({markdown_list(in_deficit)})."
           if in_deficit else ".")
        + " Each organisation sees its own accounts; the partners in Bradford built one shared "
        "picture and pooled risk. How much they held in reserve together, and whether they tied "
        "any incentive fund to the system, was not published: the reserve and linkage settings "
        "here are illustrative. (Nationally, some well-developed health economies voluntarily "
        "linked a small amount of their 2019/20 funds to their system.)")


def what_this_means(system: System) -> str:
    """The lesson for this system, in its own figures."""
    nhs = bridge_of(bridge_table(system, DEFAULT), NHS_SYSTEM_ID)
    one_off = step(nhs, "Reported plan") - step(nhs, "Underlying plan")
    reserves = default_reserves(system)
    text = (
        f"- **The shared picture**: {money(one_off)} of the NHS system's reported plan is one-off "
        f"money. A bridge that starts from the underlying position shows every partner the gap "
        f"the plan does not close.\n"
        f"- **Pooling**: held alone, the NHS organisations need {money(reserves.sum_alone_gbp_m)} "
        f"of reserves to meet their control totals in {percent(reserves.confidence)} of years; "
        f"pooled, {money(reserves.pooled_gbp_m)}. The difference is money that can go to "
        f"patient care, if partners trust each other's numbers (open books).\n")
    shock = first_miss_shock(system, DEFAULT)
    if shock is not None:
        linked = linkage(system, dataclasses.replace(DEFAULT, demand_shock=shock,
                                                     system_linkage=1.0))
        if linked.lost_gbp_m > TOLERANCE_GBP_M:
            text += (
                f"- **The incentive**: with demand {percent(shock)} above plan some partners "
                f"miss; with the whole fund tied to the system the partners that met their own "
                f"control total lose {money(linked.lost_gbp_m)} with them. That is the point "
                f"(every partner has a stake in every other's plan) and the risk (one "
                f"organisation's miss brings the others down).")
        else:
            text += (
                f"- **The incentive**: in this system demand {percent(shock)} above plan makes "
                f"every NHS organisation with a fund miss at once, so tying the fund to the "
                f"system changes nothing there. Linkage bites when one partner misses and the "
                f"others do not: then every partner has a stake in every other's plan, and one "
                f"organisation's miss brings the others down.")
    return text


def pooling_explanation(facts: Reserves) -> str:
    """The pooling check's answer."""
    return (f"The model says: {money(facts.sum_alone_gbp_m)} held alone, "
            f"{money(facts.pooled_gbp_m)} pooled, to meet the control totals in "
            f"{percent(facts.confidence)} of years. Bad years at different organisations "
            "partly offset, so the pool needs less than the sum of its parts.")

