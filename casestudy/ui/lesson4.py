"""Lesson 4, fixed-income contracts: their benefits, and their limits. They give certainty
and align incentives for managing demand, but they do not remove an underlying deficit,
and they reward a provider for doing less planned care, which a variable elective element
answers.

Three panels: :class:`CertaintyPanel` (who carries the volume risk under each rule),
:class:`YearsPanel` (reported against underlying over five years) and
:class:`ElectivePanel` (the incentive to do fewer electives). Every sentence computed from
the model is in :mod:`casestudy.words.lesson4`.

>>> from casestudy import load_system
>>> "underlying" in situation(load_system()).data
True
"""

from __future__ import annotations

import dataclasses
from typing import Any

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
    SHORTFALL,
    PresetDraws,
    elective_shortfall,
    fund_cliffs,
    less_planned_care,
)
from ..projection import holdings, project, project_by_preset, system_totals
from ..scenario import Scenario
from ..system import System
from ..words import lesson4 as words
from ..words import to_html
from ..words.lesson4 import (
    DEFAULT,
    DEMAND_CHECK,
    RISK_SHOWN,
    SAME_GBP_M,
    SHORTFALL_SHARE,
    SHOWN,
    SUPPORT_CHECK_GBP_M,
    YEARS_BASELINE,
    name_of,
    roles,
)
from .common import Panel, Prediction, Quiz, help_line, knob
from .default import given_or_default


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
    return Markdown(words.situation(given_or_default(system)))


def the_model(system: System | None = None) -> Markdown:
    """The model in one paragraph, with the trust's marginal cost as a share of price."""
    return Markdown(words.the_model(given_or_default(system)))


def what_this_means(system: System | None = None) -> Markdown:
    """Three findings, each computed from the model."""
    return Markdown(words.what_this_means(given_or_default(system)))


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
        self.names = {o: self.system.org_name(o) for o in self.shown}
        # Where each shown organisation's incentive fund falls away under fixed income.
        self.cliffs = fund_cliffs(self.system, DEFAULT, self.shown)

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
        return figures, to_html(words.certainty_words(
            scenario, self.draws.draws, self.shown, self.names, _by_key(spread), self.base_spread,
            self.cliffs))


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
        return figures, to_html(words.years_words(_last_year(totals), self.base_last,
                                                  holdings(frames, self.shown)))


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
        self.shortfall = knob(SHORTFALL, shortfall_share)
        self.shortfall.observe(self.update, names="value")
        self.extra_controls = [self.shortfall, help_line(SHORTFALL)]

    def reset_extras(self) -> None:
        self.shortfall.value = SHORTFALL_SHARE

    def render(self, scenario: Scenario) -> tuple[list, str]:
        if self.provider is None:
            gains = elective_shortfall(self.system, scenario, 0.0, _shown(self.system)[0])
            return [shortfall_figure(gains, [NHS_ID])], to_html(words.NO_TRUST_ELECTIVES)
        share = self.shortfall.value
        facts = less_planned_care(self.system, scenario, share, self.provider, presets=SHOWN,
                                  break_even=True)
        figure = shortfall_figure(facts.table, self.shown,
                                  chart_title=f"Gain from doing {percent(share)} fewer electives than planned")
        return [figure], to_html(words.elective_words(self.system, scenario, facts))


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
    return right, words.demand_explanation(system, provider, commissioner, moved, funds)


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
    return right, words.support_explanation(last, reported, under)


def _elective_reveal(system: System) -> tuple[int, str]:
    provider, _ = roles(system)
    if provider is None:
        return 2, "This system has no acute trust, so no planned electives: neither."
    facts = less_planned_care(system, DEFAULT, SHORTFALL_SHARE, provider, presets=("fixed_income",))
    gain = facts.gain_gbp_m["fixed_income"]
    right = 0 if gain > SAME_GBP_M else 1 if gain < -SAME_GBP_M else 2
    return right, words.elective_explanation(system, facts)


def checks(system: System | None = None) -> list[Quiz]:
    """The checks of understanding: three predictions revealed by the model, and a quiz."""
    system = given_or_default(system)
    provider, commissioner = roles(system)
    shown = _shown(system)
    trust = name_of(system, provider or shown[0])
    payer = name_of(system, commissioner or shown[1])
    rate_answer = ""
    if provider is not None:
        rate_answer = words.rate_explanation(system, less_planned_care(
            system, DEFAULT, SHORTFALL_SHARE, provider, presets=("api_2023",)))
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
