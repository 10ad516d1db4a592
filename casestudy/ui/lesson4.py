"""Lesson 4, fixed-income contracts: their benefits, and their limits. They give certainty
and align incentives for managing demand, but they do not remove an underlying deficit,
and they reward a provider for doing less planned care, which a variable elective element
answers.

Three panels: :class:`CertaintyPanel` (who carries the volume risk under each rule),
:class:`YearsPanel` (reported against underlying over five years) and
:class:`ElectivePanel` (the incentive to do fewer electives). Every figure in the prose
comes from the model at run time.

>>> from casestudy import load_system
>>> "underlying" in situation(load_system()).data
True
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from IPython.display import Markdown

from ..charts.distribution import distribution_figure, records, spread_figure
from ..charts.electives import shortfall_figure
from ..charts.years import holders_figure, years_figure
from ..engine import run_year
from ..formats import money, percent
from ..incentives import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    NHS_ID,
    PAYERS_ID,
    PresetDraws,
    break_even_elective_rate,
    elective_shortfall,
)
from ..names import markdown_text as md
from ..projection import Holding, holdings, project, project_by_preset, system_totals
from ..regimes import era_note
from ..scenario import BRADFORD_ACTIVITY_PRESET as ACTIVITY_RULE
from ..scenario import BRADFORD_PRESETS, PRESET_LABELS, Scenario, preset_phrase
from ..system import System
from .common import (
    CONTROL_WIDTH,
    SLIDER_LABEL_WIDTH,
    FloatSlider,
    Panel,
    Prediction,
    Quiz,
)
from .default import default_system

DEFAULT = Scenario.preset("fixed_income")  # the panels' baseline, as in every lesson
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
SHORTFALL_SHARE = 0.05  # electives not done, as a share of plan, where the panel starts
SHORTFALL_MAX = 0.2
DEMAND_CHECK = 0.05  # the demand shock of the first check
SUPPORT_CHECK_GBP_M = 20.0  # extra one-off support in the second check
SAME_GBP_M = 0.05  # differences below this (£50k) read as "the same" (shown to 0.1)


def _system(system: System | None) -> System:
    return system if system is not None else default_system()


def _name(system: System, org_id: str | None) -> str:
    return system.org_name(org_id) if org_id is not None else "(none in this system)"


def roles(system: System) -> tuple[str | None, str | None]:
    """The largest acute trust and the commissioner that pays it most (``None`` if absent)."""
    provider = system.largest("acute")
    return provider, system.main_payer(provider)


def _shown(system: System) -> list[str]:
    """The organisations the risk charts show (:meth:`System.trust_and_payer`)."""
    return list(system.trust_and_payer())


def _project_all(system: System, scenario: Scenario) -> pd.DataFrame:
    """``project`` under each preset the lesson shows, stacked with a ``payment`` column."""
    return project_by_preset(system, scenario, SHOWN)


# --------------------------------------------------------------------------- prose


def situation(system: System | None = None) -> Markdown:
    """The situation: the largest acute trust, what its main commissioner pays it, and the
    gap between the system's reported and underlying positions."""
    system = _system(system)
    provider, commissioner = roles(system)
    year = run_year(system, DEFAULT)
    nhs = year.system.loc["nhs"]
    orgs = year.organisations
    one_off = nhs.position_gbp_m - nhs.underlying_position_gbp_m
    text = []
    if provider is not None:
        contract = orgs.loc[provider, "contract_income_gbp_m"]
        flows = year.flows
        paid = flows[(flows.payee_id == provider) & (flows.payer_id == commissioner)].amount_gbp_m.sum()
        text.append(
            f"**{md(_name(system, provider))}** is the largest acute trust here, with a cost base of "
            f"{money(system.organisations.loc[provider, 'cost_base_gbp_m'])}. Its contracts bring in "
            f"{money(contract)} a year at plan, {money(paid)} of it from "
            f"**{md(_name(system, commissioner))}**"
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
    return Markdown("\n\n".join(text))


def the_model(system: System | None = None) -> Markdown:
    """The model in one paragraph, with the trust's marginal cost as a share of price."""
    system = _system(system)
    provider, _ = roles(system)
    extra = ""
    if provider is not None:
        table = elective_shortfall(system, DEFAULT, SHORTFALL_SHARE, provider,
                                   presets=("fixed_income", ACTIVITY_RULE))
        mine = table[table.org_id == provider].set_index("payment")
        price = -mine.loc[ACTIVITY_RULE, "income_change_gbp_m"]
        saved = -mine.loc["fixed_income", "cost_change_gbp_m"]
        if price > 0:
            extra = (f" For {md(_name(system, provider))} an elective spell that is not done saves "
                     f"about {percent(saved / price)} of its price: that is its **marginal cost**; "
                     f"the rest of the cost stays (wards, theatres, rotas).")
    return Markdown(
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


def what_this_means(system: System | None = None) -> Markdown:
    """Three findings, each computed from the model."""
    system = _system(system)
    provider, commissioner = roles(system)
    shown = _shown(system)
    draws = PresetDraws.build(system, DEFAULT, draws=2_000, presets=("fixed_income", ACTIVITY_RULE))
    spread = draws.summary(draws.positions(DEFAULT)).set_index(["payment", "org_id"])
    frames = _project_all(system, YEARS_BASELINE)
    totals = system_totals(frames).set_index(["payment", "year"])
    last = int(totals.index.get_level_values("year").max())
    under = totals.xs(last, level="year").underlying_position_gbp_m
    reported = totals.xs(last, level="year").position_gbp_m
    lines = []
    who = shown[1] if commissioner is None else commissioner
    lines.append(
        f"- **Certainty.** Under fixed income the spread (standard deviation) of "
        f"{md(_name(system, who))}'s position is "
        f"{money(spread.loc[('fixed_income', who), 'sd_position_gbp_m'])}, against "
        f"{money(spread.loc[(ACTIVITY_RULE, who), 'sd_position_gbp_m'])} under "
        f"{preset_phrase(ACTIVITY_RULE)}; the volume risk stays with the provider, at its "
        "marginal cost.")
    lines.append(
        f"- **The underlying deficit remains.** With demand {percent(YEARS_BASELINE.demand_shock)} "
        f"above plan, the NHS system's underlying position in year {last} is "
        f"{money(under.mean())} under every payment rule"
        + ("" if under.max() - under.min() < SAME_GBP_M else
           f" (the rules differ by up to {money(under.max() - under.min())})")
        + f", while its reported position is "
        f"{_range(reported)}. Only recurrent measures (savings that recur, allocations that "
        "grow faster than cost) move the underlying figure.")
    if provider is not None:
        gains = elective_shortfall(system, DEFAULT, SHORTFALL_SHARE, provider,
                                   presets=("fixed_income", "api_2022", "api_2023")).set_index(
            ["payment", "org_id"])
        rate = break_even_elective_rate(system, DEFAULT, SHORTFALL_SHARE, provider)
        lines.append(
            f"- **Less planned care pays under fixed income.** Doing {percent(SHORTFALL_SHARE)} fewer "
            f"electives than planned, {md(_name(system, provider))} "
            f"{_gains_words(gains.loc[('fixed_income', provider), 'gain_gbp_m'])}. Aligned payment "
            f"and incentive in 2022/23 took nothing back below plan, so the trust still "
            f"{_gains_words(gains.loc[('api_2022', provider), 'gain_gbp_m'])}; from 2023/24 "
            f"(elective variable rate {percent(DEFAULT.elective_variable_rate)} both ways) it "
            f"{_gains_words(gains.loc[('api_2023', provider), 'gain_gbp_m'])}"
            + (f". Any variable rate above {percent(rate)} removes the gain." if rate is not None else "."))
    lines.append(
        "\nFor your own system: agree the fixed income from a plan you both believe, say who "
        "carries activity off plan, report the underlying position next to the reported one "
        "every month, and pay for planned care as it is done.")
    return Markdown("\n".join(lines))


# --------------------------------------------------------------------------- panels


class CertaintyPanel(Panel):
    """Who carries the volume risk: the spread of positions of the largest acute trust and
    its main commissioner under each payment rule.

    The draws are simulated once, when the panel is built (``draws`` with a fixed
    ``seed``); moving the demand shock shifts them by the engine's certain-year change
    (see :class:`casestudy.incentives.PresetDraws`), so the slider stays fast.
    """

    title = "Who carries the volume risk"
    fields = ("demand_shock",)

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED, **start: Any) -> None:
        super().__init__(system, baseline if baseline is not None else DEFAULT, **start)
        self.shown = _shown(self.system)
        self.draws = PresetDraws.build(self.system, self.scenario(), draws=draws, seed=seed,
                                       presets=RISK_SHOWN)
        self.base_spread = _by_key(self.draws.summary(self.draws.positions(self.baseline)))
        self.names = {o: html.escape(self.system.org_name(o)) for o in self.shown}

    def render(self, scenario: Scenario) -> tuple[list, str]:
        positions = self.draws.positions(scenario)
        spread = self.draws.summary(positions)
        orgs = self.system.organisations
        figures = [
            distribution_figure(self.draws.histogram(positions, self.shown), orgs, spread,
                                chart_title="Each organisation's position in "
                                            f"{self.draws.draws:,} simulated years"),
            spread_figure(spread, orgs, self.shown,
                          chart_title="Spread of position and chance of meeting the control total"),
        ]
        return figures, self._words(scenario, _by_key(spread))

    def _words(self, scenario: Scenario, spread: dict) -> str:
        out = [(f"Demand {percent(abs(scenario.demand_shock))} "
               f"{'above' if scenario.demand_shock >= 0 else 'below'} plan on average, "
               f"{self.draws.draws:,} simulated years.")]
        for preset in ("fixed_income", ACTIVITY_RULE):
            parts = []
            for org in self.shown:
                row, base = spread[(preset, org)], self.base_spread[(preset, org)]
                moved = row["mean_position_gbp_m"] - base["mean_position_gbp_m"]
                parts.append(f"{self.names[org]} has a spread of {money(row['sd_position_gbp_m'])}, "
                             f"meets its control total in {row['chance_met']:.0%} of years and its "
                             f"average position moves {money(moved, signed=True)} from the baseline")
            out.append(f"<b>{PRESET_LABELS[preset]}</b>: " + "; ".join(parts) + ".")
        out.append("Under fixed income the commissioner's spending is certain and the provider "
                   "carries activity off plan at its marginal cost; under payment by results "
                   "with the marginal rate (to 2018/19) the commissioner pays the full price of "
                   "each planned unit off plan and "
                   f"{scenario.mret_rate_above_baseline:.0%} of the price of each emergency "
                   "admission above the baseline.")
        return "<br>".join(out)


def _gains_words(value: float) -> str:
    """``gains £1.5m`` or ``loses £2.2m``."""
    if abs(value) < SAME_GBP_M:
        return "neither gains nor loses"
    return f"{'gains' if value > 0 else 'loses'} {money(abs(value))}"


def _range(values) -> str:
    """``£1.0m`` when every value is the same (to £0.1m), else ``£1.0m to £2.0m``."""
    low, high = money(min(values)), money(max(values))
    return f"{low} under every rule" if low == high else f"{low} to {high}"


def _last_year(totals: pd.DataFrame) -> list[dict]:
    """The last year's rows of ``system_totals``, one per payment rule."""
    rows = records(totals)
    last = max(r["year"] for r in rows)
    return [r for r in rows if r["year"] == last]


def _by_key(frame: pd.DataFrame, keys: tuple[str, ...] = ("payment", "org_id")) -> dict:
    """Rows of a small frame as dicts keyed by ``keys`` (cheaper than ``.loc`` per lookup)."""
    return {tuple(row[k] for k in keys): row for row in records(frame)}


class YearsPanel(Panel):
    """Five years under each payment rule: the NHS system's reported position against its
    underlying position, and who holds the underlying deficit."""

    title = "The limits over five years"
    fields = ("non_recurrent_support_gbp_m", "recurrent_share", "efficiency_delivered_share",
              "allocation_growth", "rebase_fixed_income", "demand_shock")

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 **start: Any) -> None:
        super().__init__(system, baseline if baseline is not None else YEARS_BASELINE, **start)
        self.shown = _shown(self.system)
        self.base_last = _last_year(system_totals(_project_all(self.system, self.baseline)))

    def render(self, scenario: Scenario) -> tuple[list, str]:
        frames = _project_all(self.system, scenario)
        totals = system_totals(frames)
        figures = [
            years_figure(totals, chart_title="NHS system: reported against underlying position"),
            holders_figure(frames, self.shown,
                           chart_title="Who holds the underlying position in the last year"),
        ]
        return figures, self._words(scenario, totals, holdings(frames, self.shown))

    @staticmethod
    def _holders(held: tuple[Holding, ...]) -> str:
        """Who holds the underlying position in the last year, and why (issue 15: the
        year-5 positions were drawn and never explained)."""
        def between(pair: tuple[float, float]) -> str:
            return _range(pair).replace(" under every rule", "")

        parts = [f"{html.escape(h.name)} {between(h.last_gbp_m)} (year {h.first_year}: "
                 f"{between(h.first_gbp_m)}): its income grows by "
                 f"{money(h.income_growth_gbp_m)} and its cost by {money(h.cost_growth_gbp_m)}"
                 + (f", its one-off money by {money(h.one_off_growth_gbp_m, signed=True)}"
                    if abs(h.one_off_growth_gbp_m) >= 0.05 else "")
                 for h in held]
        if not parts:
            return ""
        return (f"Who holds it in year {held[0].last_year}: " + "; ".join(parts) + ". Whoever's "
                "cost grows faster than its income drifts into deficit, whatever the rule.")

    def _words(self, scenario: Scenario, totals: pd.DataFrame,
               held: tuple[Holding, ...] = ()) -> str:
        now = _last_year(totals)
        last = now[0]["year"]
        under = [r["underlying_position_gbp_m"] for r in now]
        reported = [r["position_gbp_m"] for r in now]
        change = np.mean(under) - np.mean([r["underlying_position_gbp_m"] for r in self.base_last])
        reported_change = np.mean(reported) - np.mean([r["position_gbp_m"] for r in self.base_last])
        same = max(under) - min(under) < SAME_GBP_M
        out = [
            f"In year {last} the NHS system's <b>underlying</b> position is {money(np.mean(under))} "
            + ("under every payment rule" if same else
               f"on average (from {money(min(under))} to {money(max(under))} by rule)")
            + f", against a control total of {money(now[0]['control_total_gbp_m'])}; its "
            f"<b>reported</b> position is {_range(reported)}, lifted by "
            f"{money(np.mean([r['non_recurrent_gbp_m'] for r in now]))} of non-recurrent money "
            "on average.",
            f"From the baseline: underlying {money(change, signed=True)}, reported {money(reported_change, signed=True)}.",
        ]
        if abs(change) < SAME_GBP_M and abs(reported_change) >= SAME_GBP_M:
            out.append("Only the reported figure moved: one-off money flatters the position "
                       "but leaves the deficit for next year.")
        out.append("The payment rule decides who holds the deficit (second chart), not how big "
                   "it is: only recurrent savings, or allocation growing faster than cost, "
                   "shrink it.")
        if held:
            out.append(self._holders(held))
        return "<br>".join(out)


class ElectivePanel(Panel):
    """The incentive to do less planned care: each side's gain when the trust does a share
    of its planned electives less, under each payment rule."""

    title = "The incentive to do less planned care"
    fields = ("elective_variable_rate", "flex")

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 shortfall_share: float = SHORTFALL_SHARE, **start: Any) -> None:
        super().__init__(system, baseline if baseline is not None else DEFAULT, **start)
        self.provider, _ = roles(self.system)
        self.shown = ([self.provider, PAYERS_ID] if self.provider is not None else []) + [NHS_ID]
        self.shortfall = FloatSlider(
            value=shortfall_share, min=0.0, max=SHORTFALL_MAX, step=0.01, readout_format=".0%",
            continuous_update=False, description="Electives not done (share of plan)",
            style={"description_width": SLIDER_LABEL_WIDTH}, layout=widgets.Layout(width=CONTROL_WIDTH),
            tooltip="Share of its planned elective activity the trust does not do this year")
        self.shortfall.observe(self.update, names="value")
        self.extra_controls = [self.shortfall, widgets.HTML(
            '<div class="cs-help">Share of the trust\'s planned elective activity not done '
            "this year (0.05 = 5%). Unit: share of plan.</div>")]

    def reset_extras(self) -> None:
        self.shortfall.value = SHORTFALL_SHARE

    def render(self, scenario: Scenario) -> tuple[list, str]:
        if self.provider is None:
            gains = elective_shortfall(self.system, scenario, 0.0, _shown(self.system)[0])
            return [shortfall_figure(gains, [NHS_ID])], (
                "This system has no acute trust, so there are no planned electives to follow.")
        share = self.shortfall.value
        gains = elective_shortfall(self.system, scenario, share, self.provider, presets=SHOWN)
        rate = break_even_elective_rate(self.system, scenario, share, self.provider)
        figure = shortfall_figure(gains, self.shown,
                                  chart_title=f"Gain from doing {percent(share)} fewer electives than planned")
        return [figure], self._words(scenario, share, _by_key(gains), rate)

    def _words(self, scenario: Scenario, share: float, gains: dict, rate: float | None) -> str:
        trust = html.escape(self.system.org_name(self.provider))
        provider = self.provider

        def payers(preset: str) -> float:
            return gains[(preset, PAYERS_ID)]["gain_gbp_m"]

        fixed = gains[("fixed_income", provider)]
        units = fixed["electives_not_done"]
        if units <= 0:
            return f"{trust} does no planned electives less: move the slider above zero."
        out = [
            f"{trust} does {units:,.0f} fewer planned elective spells ({percent(share)} of plan).",
            (f"<b>Fixed income</b>: its income does not change and it saves "
            f"{money(-fixed['cost_change_gbp_m'])} of marginal cost, a gain of "
            f"{money(fixed['gain_gbp_m'])}; its commissioners have paid "
            f"{money(payers(ACTIVITY_RULE))} for care that was not done."),
            (f"<b>Aligned payment and incentive, 2022/23</b> (75% of price above plan, nothing "
            f"taken back below it): the trust "
            f"{_gains_words(gains[('api_2022', provider)]['gain_gbp_m'])}, as under fixed income."),
            (f"<b>Aligned payment and incentive, from 2023/24</b> (elective variable rate "
            f"{percent(scenario.elective_variable_rate)} both ways): the trust "
            f"{_gains_words(gains[('api_2023', provider)]['gain_gbp_m'])}; "
            f"its commissioners pay {money(payers('api_2023'))} less."),
        ]
        if rate is not None:
            out.append(f"Any elective variable rate above <b>{percent(rate)}</b> (the trust's marginal "
                       "cost as a share of price) makes doing less planned care a loss to it.")
        out.append(f"The NHS system saves {money(gains[('fixed_income', NHS_ID)]['gain_gbp_m'])} under every "
                   "rule, but patients wait longer: the rule only decides who keeps the money.")
        out.append(html.escape(era_note(self.system, "api_2023") or ""))
        return "<br>".join(out)


# --------------------------------------------------------------------------- checks


def _demand_reveal(system: System) -> tuple[int, str]:
    provider, commissioner = roles(system)
    shown = _shown(system)
    provider = provider or shown[0]
    commissioner = commissioner or shown[1]
    base = run_year(system, DEFAULT).organisations
    more = run_year(system, dataclasses.replace(DEFAULT, demand_shock=DEMAND_CHECK)).organisations
    # Before incentive funds, as risk is measured everywhere in the kit; a lost fund is named.
    moved = ((more.position_gbp_m - more.incentive_fund_gbp_m)
             - (base.position_gbp_m - base.incentive_fund_gbp_m))
    funds = more.incentive_fund_gbp_m - base.incentive_fund_gbp_m
    p, c = moved[provider], moved[commissioner]
    if max(abs(p), abs(c)) < SAME_GBP_M:
        right = 2
    else:
        right = 0 if abs(p) >= abs(c) else 1
    lost = [f"{_name(system, o)} also {'loses' if funds[o] < 0 else 'gains'} "
            f"{money(abs(funds[o]))} of incentive fund" for o in (provider, commissioner)
            if abs(funds[o]) >= SAME_GBP_M]
    return right, (f"With demand {percent(DEMAND_CHECK)} above plan under fixed income, "
                   f"{_name(system, provider)}'s position moves {money(p, signed=True)} and "
                   f"{_name(system, commissioner)}'s {money(c, signed=True)} (before incentive funds"
                   + ("; " + "; ".join(lost) if lost else "") + "). The commissioner pays the "
                   "plan whatever happens; the trust does the extra work at its marginal cost.")


def _support_reveal(system: System) -> tuple[int, str]:
    more = dataclasses.replace(DEFAULT, non_recurrent_support_gbp_m=min(
        100.0, DEFAULT.non_recurrent_support_gbp_m + SUPPORT_CHECK_GBP_M))
    added = more.non_recurrent_support_gbp_m - DEFAULT.non_recurrent_support_gbp_m
    base = system_totals(project(system, DEFAULT)).set_index("year")
    now = system_totals(project(system, more)).set_index("year")
    last = int(base.index.max())
    under = now.loc[last, "underlying_position_gbp_m"] - base.loc[last, "underlying_position_gbp_m"]
    reported = now.loc[last, "position_gbp_m"] - base.loc[last, "position_gbp_m"]
    candidates = [added, added * last, 0.0]
    right = int(np.argmin([abs(under - c) for c in candidates]))
    return right, (f"In year {last} the reported position moves {money(reported, signed=True)} but the "
                   f"underlying position {money(under, signed=True)}: one-off support is left out of the "
                   "underlying figure, and nothing of it carries into the next year's costs.")


def _elective_reveal(system: System) -> tuple[int, str]:
    provider, _ = roles(system)
    if provider is None:
        return 2, "This system has no acute trust, so no planned electives: neither."
    gains = elective_shortfall(system, DEFAULT, SHORTFALL_SHARE, provider,
                               presets=("fixed_income",)).set_index("org_id")
    gain = gains.loc[provider, "gain_gbp_m"]
    right = 0 if gain > SAME_GBP_M else 1 if gain < -SAME_GBP_M else 2
    return right, (f"Under fixed income {_name(system, provider)} keeps its income and saves the "
                   f"marginal cost of the work not done: {money(gain, signed=True)} this year.")


def checks(system: System | None = None) -> list[Quiz]:
    """The checks of understanding: three predictions revealed by the model, and a quiz."""
    system = _system(system)
    provider, commissioner = roles(system)
    shown = _shown(system)
    trust = _name(system, provider or shown[0])
    payer = _name(system, commissioner or shown[1])
    rate_answer = ""
    if provider is not None:
        api = elective_shortfall(system, DEFAULT, SHORTFALL_SHARE, provider,
                                 presets=("api_2023",)).set_index("org_id")
        rate_answer = (f" With the elective variable rate at {percent(DEFAULT.elective_variable_rate)}, "
                       f"doing {percent(SHORTFALL_SHARE)} fewer electives changes {trust}'s position by "
                       f"{money(api.loc[provider, 'gain_gbp_m'], signed=True)}.")
    return [
        Prediction(
            f"Demand runs {percent(DEMAND_CHECK)} above plan for a year, under fixed-income contracts. "
            "Whose position moves most?",
            [f"{trust}'s", f"{payer}'s", "Neither: fixed income removes the risk"],
            lambda: _demand_reveal(system)),
        Prediction(
            f"The partners add {money(SUPPORT_CHECK_GBP_M)} of one-off support every year. "
            "By how much does the NHS system's underlying position improve by the last year?",
            [f"About {money(SUPPORT_CHECK_GBP_M)}", f"About {money(SUPPORT_CHECK_GBP_M * DEFAULT.years)}",
             "It does not improve"],
            lambda: _support_reveal(system)),
        Prediction(
            f"Under fixed income, {trust} does {percent(SHORTFALL_SHARE)} fewer planned electives "
            "than it was paid for. Does it gain or lose?",
            ["It gains", "It loses", "Neither"],
            lambda: _elective_reveal(system)),
        Quiz(
            "Which change answers the incentive to do less planned care?",
            ["More one-off support for the trust",
             ("A variable element for elective activity that takes money back below plan "
              "(aligned payment and incentive from 2023/24)"),
             "Pooling every organisation's variance in a risk share"],
            correct=1,
            explanations=[
                ("No: one-off support changes the reported position, not what the trust gains "
                "by doing less."),
                "Yes: paying a share of the price for each elective done (or not done) takes "
                "back more than the marginal cost saved." + rate_answer,
                "No: pooling spreads the gain across the partners but does not remove it.",
            ]),
    ]
