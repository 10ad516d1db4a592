"""Lesson 4's computed prose (fixed-income contracts: their benefits and their limits): every
sentence the kit writes from the model, reading :class:`casestudy.incentives.PresetDraws`'
spread (who carries the volume risk), :func:`casestudy.projection.system_totals` and
:class:`casestudy.projection.Holding` (the five years) and
:class:`casestudy.incentives.LessPlannedCare` (the incentive to do less planned care).
Markdown; names escaped. The checks' answers are plain text.

>>> from casestudy import load_system
>>> "underlying" in situation(load_system())
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from ..engine import run_year
from ..formats import money, percent
from ..incentives import SHORTFALL, FundCliff, LessPlannedCare, PresetDraws, less_planned_care
from ..names import markdown_text as md
from ..projection import Holding, project_by_preset, system_totals
from ..regimes import era_note
from ..scenario import BRADFORD_ACTIVITY_PRESET as ACTIVITY_RULE
from ..scenario import BRADFORD_PRESETS, PRESET_LABELS, Scenario, preset_phrase
from ..system import System
from . import paragraphs

DEFAULT = Scenario.preset("fixed_income")  # the lesson's baseline, as in every lesson
# The rules this lesson compares: those of the Bradford years (who carries the volume
# risk), and for the five years and the electives also aligned payment and incentive as it
# was in 2022/23 (nothing taken back for electives not done) and from 2023/24 (100% both
# ways). An API preset with CCGs and sustainability funds is a thought experiment: the two
# never coexisted (the words say so).
RISK_SHOWN = BRADFORD_PRESETS
SHOWN = (*BRADFORD_PRESETS, "api_2022", "api_2023")
# The years panel starts with demand 2% above plan every year: with demand on plan every
# rule pays the same, and the point (rules differ for each organisation, not for the
# system) would not show. 2% is within the 1.5-4.8% yearly growth of emergency admissions
# (R110) that plans routinely missed.
YEARS_BASELINE = dataclasses.replace(DEFAULT, demand_shock=0.02)
SHORTFALL_SHARE = SHORTFALL["default"]  # electives not done, as a share of plan, at the start
DEMAND_CHECK = 0.05  # the demand shock of the first check
SUPPORT_CHECK_GBP_M = 20.0  # extra one-off support in the second check
SAME_GBP_M = 0.05  # differences below this (£50k) read as "the same" (shown to 0.1)
NO_TRUST_ELECTIVES = ("This system has no acute trust, so there are no planned electives to "
                      "follow.")


def roles(system: System) -> tuple[str | None, str | None]:
    """The largest acute trust and the commissioner that pays it most (``None`` if absent)."""
    provider = system.largest("acute")
    return provider, system.main_payer(provider)


def name_of(system: System, org_id: str | None) -> str:
    """An organisation's name (plain text), or a note that the system has none."""
    return system.org_name(org_id) if org_id is not None else "(none in this system)"


def gains_words(value: float) -> str:
    """``gains £1.5m`` or ``loses £2.2m``."""
    if abs(value) < SAME_GBP_M:
        return "neither gains nor loses"
    return f"{'gains' if value > 0 else 'loses'} {money(abs(value))}"


def between(values: Sequence[float]) -> str:
    """``£1.0m under every rule`` when every value is the same (to £0.1m), else ``£1.0m to
    £2.0m``."""
    low, high = money(min(values)), money(max(values))
    return f"{low} under every rule" if low == high else f"{low} to {high}"


# --------------------------------------------------------------------------- the panels


def cliff_words(scenario: Scenario, cliffs: Sequence[FundCliff],
                names: Mapping[str, str]) -> str:
    """The incentive fund's cliff (issue 15: it was told only in a check's feedback): for
    each organisation with a fund to lose, the demand above plan at which it misses its
    control total and loses the whole fund, and whether this setting is past it."""
    out = []
    for cliff in cliffs:
        if cliff.shock is None or cliff.fund_lost_gbp_m < SAME_GBP_M:
            continue
        past = scenario.demand_shock >= cliff.shock - 1e-12
        out.append(f"{md(names[cliff.org_id])}'s incentive fund is all or nothing: from demand "
                   f"{percent(cliff.shock)} above plan it misses its control total under "
                   f"{preset_phrase(cliff.payment)} and loses the whole "
                   f"{money(cliff.fund_lost_gbp_m)} at once, on top of what the extra work costs it "
                   f"(at this setting it has {'lost' if past else 'kept'} it).")
    return " ".join(out)


def certainty_words(scenario: Scenario, draws: int, shown: Sequence[str],
                    names: Mapping[str, str], spread: Mapping, baseline: Mapping,
                    cliffs: Sequence[FundCliff] = ()) -> str:
    """Beside the volume-risk charts: each shown organisation's spread, chance of meeting its
    control total and move from the baseline, under fixed income and the activity rule
    (``spread`` and ``baseline``: rows of :meth:`PresetDraws.summary` keyed by
    ``(payment, org_id)``), then the incentive fund's cliff (``cliffs``)."""
    out = [(f"Demand {percent(abs(scenario.demand_shock))} "
            f"{'above' if scenario.demand_shock >= 0 else 'below'} plan on average, "
            f"{draws:,} simulated years.")]
    for preset in ("fixed_income", ACTIVITY_RULE):
        parts = []
        for org in shown:
            row, base = spread[(preset, org)], baseline[(preset, org)]
            moved = row["mean_position_gbp_m"] - base["mean_position_gbp_m"]
            parts.append(f"{md(names[org])} has a spread of {money(row['sd_position_gbp_m'])}, "
                         f"meets its control total in {row['chance_met']:.0%} of years and its "
                         f"average position moves {money(moved, signed=True)} from the baseline")
        out.append(f"**{md(PRESET_LABELS[preset])}**: " + "; ".join(parts) + ".")
    out.append("Under fixed income the commissioner's spending is certain and the provider "
               "carries activity off plan at its marginal cost; under payment by results "
               "with the marginal rate (to 2018/19) the commissioner pays the full price of "
               "each planned unit off plan and "
               f"{scenario.mret_rate_above_baseline:.0%} of the price of each emergency "
               "admission above the baseline.")
    cliff = cliff_words(scenario, cliffs, names)
    return paragraphs(*out, *([cliff] if cliff else []))


def holders_words(held: Sequence[Holding]) -> str:
    """Who holds the underlying position in the last year, and why (issue 15: the year-5
    positions were drawn and never explained)."""
    def without_rule(pair: tuple[float, float]) -> str:
        return between(pair).replace(" under every rule", "")

    parts = [f"{md(h.name)} {without_rule(h.last_gbp_m)} (year {h.first_year}: "
             f"{without_rule(h.first_gbp_m)}): its income grows by "
             f"{money(h.income_growth_gbp_m)} and its cost by {money(h.cost_growth_gbp_m)}"
             + (f", its one-off money by {money(h.one_off_growth_gbp_m, signed=True)}"
                if abs(h.one_off_growth_gbp_m) >= SAME_GBP_M else "")
             for h in held]
    if not parts:
        return ""
    return (f"Who holds it in year {held[0].last_year}: " + "; ".join(parts) + ". Whoever's "
            "cost grows faster than its income drifts into deficit, whatever the rule.")


def years_words(now: Sequence[Mapping], baseline: Sequence[Mapping],
                held: Sequence[Holding] = ()) -> str:
    """Beside the five-year charts: the NHS system's underlying and reported position in
    the last year under each rule (``now`` and ``baseline``: the last year's rows of
    :func:`casestudy.projection.system_totals`, one per rule), what moved from the baseline,
    and who holds the underlying position."""
    last = now[0]["year"]
    under = [r["underlying_position_gbp_m"] for r in now]
    reported = [r["position_gbp_m"] for r in now]
    change = np.mean(under) - np.mean([r["underlying_position_gbp_m"] for r in baseline])
    reported_change = np.mean(reported) - np.mean([r["position_gbp_m"] for r in baseline])
    same = max(under) - min(under) < SAME_GBP_M
    out = [
        f"In year {last} the NHS system's **underlying** position is {money(np.mean(under))} "
        + ("under every payment rule" if same else
           f"on average (from {money(min(under))} to {money(max(under))} by rule)")
        + f", against a control total of {money(now[0]['control_total_gbp_m'])}; its "
        f"**reported** position is {between(reported)}, lifted by "
        f"{money(np.mean([r['non_recurrent_gbp_m'] for r in now]))} of non-recurrent money "
        "on average.",
        (f"From the baseline: underlying {money(change, signed=True)}, reported "
        f"{money(reported_change, signed=True)}."),
    ]
    if abs(change) < SAME_GBP_M and abs(reported_change) >= SAME_GBP_M:
        out.append("Only the reported figure moved: one-off money flatters the position "
                   "but leaves the deficit for next year.")
    out.append("The payment rule decides who holds the deficit (second chart), not how big "
               "it is: only recurrent savings, or allocation growing faster than cost, "
               "shrink it.")
    out.append(holders_words(held))
    return paragraphs(*out)


def elective_words(system: System, scenario: Scenario, facts: LessPlannedCare) -> str:
    """Beside the electives chart: what the trust, its commissioners and the NHS system gain
    from electives not done under each rule, and the rate that removes the trust's gain."""
    trust = md(system.org_name(facts.provider_id))
    units = facts.electives_not_done
    if units <= 0:
        return f"{trust} does no planned electives less: move the slider above zero."
    gain, payers = facts.gain_gbp_m, facts.payers_gain_gbp_m
    out = [
        (f"{trust} does {units:,.0f} fewer planned elective spells "
        f"({percent(facts.shortfall_share)} of plan)."),
        (f"**Fixed income**: its income does not change and it saves "
         f"{money(-facts.cost_change_gbp_m['fixed_income'])} of marginal cost, a gain of "
         f"{money(gain['fixed_income'])}; its commissioners have paid "
         f"{money(payers[ACTIVITY_RULE])} for care that was not done."),
        (f"**Aligned payment and incentive, 2022/23** (75% of price above plan, nothing "
         f"taken back below it): the trust {gains_words(gain['api_2022'])}, as under fixed "
         "income."),
        (f"**Aligned payment and incentive, from 2023/24** (elective variable rate "
         f"{percent(scenario.elective_variable_rate)} both ways): the trust "
         f"{gains_words(gain['api_2023'])}; its commissioners pay "
         f"{money(payers['api_2023'])} less."),
    ]
    if facts.break_even_rate is not None:
        out.append(f"Any elective variable rate above **{percent(facts.break_even_rate)}** (the "
                   "trust's marginal cost as a share of price) makes doing less planned care a "
                   "loss to it.")
    out.append(f"The NHS system saves {money(facts.nhs_gain_gbp_m['fixed_income'])} under "
               "every rule, but patients wait longer: the rule only decides who keeps the money.")
    out.append(md(era_note(system, "api_2023") or ""))
    return paragraphs(*out)


# --------------------------------------------------------------------------- the notebook


def situation(system: System) -> str:
    """The situation: the largest acute trust, what its main commissioner pays it, and the
    gap between the system's reported and underlying positions."""
    provider, commissioner = roles(system)
    year = run_year(system, DEFAULT)
    nhs = year.system.loc["nhs"]
    one_off = nhs.position_gbp_m - nhs.underlying_position_gbp_m
    text = []
    if provider is not None:
        contract = year.organisations.loc[provider, "contract_income_gbp_m"]
        flows = year.flows
        paid = flows[(flows.payee_id == provider)
                     & (flows.payer_id == commissioner)].amount_gbp_m.sum()
        text.append(
            f"**{md(name_of(system, provider))}** is the largest acute trust here, with a cost "
            f"base of {money(system.organisations.loc[provider, 'cost_base_gbp_m'])}. Its "
            f"contracts bring in {money(contract)} a year at plan, {money(paid)} of it from "
            f"**{md(name_of(system, commissioner))}**"
            + (f" ({percent(paid / contract)})." if contract > 0 else "."))
    else:
        text.append("This system has no acute trust, so the lesson follows its two largest NHS "
                    "organisations instead.")
    text.append(
        f"In the baseline plan (fixed-income contracts, demand on plan) the NHS organisations "
        f"together report {money(nhs.position_gbp_m)} against a control total of "
        f"{money(nhs.control_total_gbp_m)}. Their underlying position, without one-off money, is "
        f"{money(nhs.underlying_position_gbp_m)}. The difference, {money(one_off)}, is "
        f"non-recurrent money: one-off support, savings that will not recur and incentive funds.")
    return paragraphs(*text)


def the_model(system: System) -> str:
    """The model in one paragraph, with the trust's marginal cost as a share of price."""
    provider, _ = roles(system)
    extra = ""
    if provider is not None:
        facts = less_planned_care(system, DEFAULT, SHORTFALL_SHARE, provider,
                                  presets=("fixed_income", ACTIVITY_RULE))
        share = facts.marginal_cost_share(ACTIVITY_RULE)
        if share is not None:
            extra = (f" For {md(name_of(system, provider))} an elective spell that is not done "
                     f"saves about {percent(share)} of its price: that is its **marginal "
                     f"cost**; the rest of the cost stays (wards, theatres, rotas).")
    return (
        "Each organisation's position is its income minus its spending. A payment rule decides "
        "how a provider's income follows its activity. In the Bradford years the national "
        "tariff (payment by results) paid the price of every planned unit, but only "
        f"{DEFAULT.mret_rate_above_baseline:.0%} of the price of each emergency admission "
        "above a baseline (the marginal rate emergency tariff, MRET, to 2018/19); fixed income "
        "pays the plan whatever happens; the 2019/20 blended payment paid the plan plus "
        f"{DEFAULT.blended_rate_above_plan:.0%} of the price for emergency activity off plan. "
        "Aligned payment and incentive, which came after, pays a fixed element plus a share of "
        "the price for elective activity off plan: above plan only in 2022/23, both ways from "
        "2023/24. A provider's spending moves with activity only at its marginal cost." + extra
        + " Because payments between NHS organisations cancel out, the rule moves money and "
        "risk between commissioner and provider but leaves the NHS system's total before "
        "incentive funds unchanged. The funds go to organisations that meet their control "
        "totals, so what the system *reports* can still differ by rule, when the rule decides "
        "who meets its control total. Aligned payment and incentive came after the "
        "sustainability funds and after the CCGs (replaced by integrated care boards in July "
        "2022): running it with sustainability-style funds (and, for a Bradford-like system, "
        "with CCGs) is a thought experiment. "
        "And with every variance pooled (a risk share of 1, lesson 3) each organisation meets "
        "its control total only when the system does, so every fund is in effect tied to the "
        "system.")


def what_this_means(system: System) -> str:
    """Three findings, each computed from the model."""
    provider, commissioner = roles(system)
    who = system.trust_and_payer()[1] if commissioner is None else commissioner
    draws = PresetDraws.build(system, DEFAULT, draws=2_000,
                              presets=("fixed_income", ACTIVITY_RULE))
    spread = draws.summary(draws.positions(DEFAULT)).set_index(["payment", "org_id"])
    totals = system_totals(project_by_preset(system, YEARS_BASELINE, SHOWN)).set_index(
        ["payment", "year"])
    last = int(totals.index.get_level_values("year").max())
    under = totals.xs(last, level="year").underlying_position_gbp_m
    reported = totals.xs(last, level="year").position_gbp_m
    lines = [
        (f"- **Certainty.** Under fixed income the spread (standard deviation) of "
        f"{md(name_of(system, who))}'s position is "
        f"{money(spread.loc[('fixed_income', who), 'sd_position_gbp_m'])}, against "
        f"{money(spread.loc[(ACTIVITY_RULE, who), 'sd_position_gbp_m'])} under "
        f"{preset_phrase(ACTIVITY_RULE)}; the volume risk stays with the provider, at its "
        "marginal cost."),
        f"- **The underlying deficit remains.** With demand "
        f"{percent(YEARS_BASELINE.demand_shock)} above plan, the NHS system's underlying "
        f"position in year {last} is {money(under.mean())} under every payment rule"
        + ("" if under.max() - under.min() < SAME_GBP_M else
           f" (the rules differ by up to {money(under.max() - under.min())})")
        + f", while its reported position is {between(reported)}. Only recurrent measures "
        "(savings that recur, allocations that grow faster than cost) move the underlying "
        "figure."]
    if provider is not None:
        facts = less_planned_care(system, DEFAULT, SHORTFALL_SHARE, provider,
                                  presets=("fixed_income", "api_2022", "api_2023"),
                                  break_even=True)
        gain, rate = facts.gain_gbp_m, facts.break_even_rate
        lines.append(
            f"- **Less planned care pays under fixed income.** Doing "
            f"{percent(SHORTFALL_SHARE)} fewer electives than planned, "
            f"{md(name_of(system, provider))} {gains_words(gain['fixed_income'])}. Aligned "
            f"payment and incentive in 2022/23 took nothing back below plan, so the trust still "
            f"{gains_words(gain['api_2022'])}; from 2023/24 (elective variable rate "
            f"{percent(DEFAULT.elective_variable_rate)} both ways) it "
            f"{gains_words(gain['api_2023'])}"
            + (f". Any variable rate above {percent(rate)} removes the gain." if rate is not None
               else "."))
    lines.append(
        "\nFor your own system: agree the fixed income from a plan you both believe, say who "
        "carries activity off plan, report the underlying position next to the reported one "
        "every month, and pay for planned care as it is done.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the checks


def demand_explanation(system: System, provider: str, commissioner: str,
                       moved: Mapping[str, float], funds: Mapping[str, float]) -> str:
    """Check 1's answer: whose position (before incentive funds) moves with demand above
    plan under fixed income, and any incentive fund lost or won."""
    lost = [f"{name_of(system, o)} also {'loses' if funds[o] < 0 else 'gains'} "
            f"{money(abs(funds[o]))} of incentive fund" for o in (provider, commissioner)
            if abs(funds[o]) >= SAME_GBP_M]
    return (f"With demand {percent(DEMAND_CHECK)} above plan under fixed income, "
            f"{name_of(system, provider)}'s position moves {money(moved[provider], signed=True)} "
            f"and {name_of(system, commissioner)}'s {money(moved[commissioner], signed=True)} "
            "(before incentive funds" + ("; " + "; ".join(lost) if lost else "") + "). The "
            "commissioner pays the plan whatever happens; the trust does the extra work at its "
            "marginal cost.")


def support_explanation(last: int, reported_gbp_m: float, underlying_gbp_m: float) -> str:
    """Check 2's answer: what more one-off support does to the last year's positions."""
    return (f"In year {last} the reported position moves {money(reported_gbp_m, signed=True)} "
            f"but the underlying position {money(underlying_gbp_m, signed=True)}: one-off "
            "support is left out of the underlying figure, and nothing of it carries into the "
            "next year's costs.")


def elective_explanation(system: System, facts: LessPlannedCare) -> str:
    """Check 3's answer: the trust's gain from electives not done under fixed income."""
    return (f"Under fixed income {name_of(system, facts.provider_id)} keeps its income and "
            f"saves the marginal cost of the work not done: "
            f"{money(facts.gain_gbp_m['fixed_income'], signed=True)} this year.")


def rate_explanation(system: System, facts: LessPlannedCare) -> str:
    """The quiz's right answer, with the trust's gain under the 2023/24 elective rate."""
    return (f" With the elective variable rate at {percent(DEFAULT.elective_variable_rate)}, "
            f"doing {percent(facts.shortfall_share)} fewer electives changes "
            f"{name_of(system, facts.provider_id)}'s position by "
            f"{money(facts.gain_gbp_m['api_2023'], signed=True)}.")
