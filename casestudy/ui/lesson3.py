"""Lesson 3, system governance: shared accountability, shared data, a shared picture of
the finances.

Three panels: the bridge from last year's underlying position to this year's plan (for
any organisation or the NHS system), the contingency reserve held alone against pooled,
and the incentive fund tied to the system. Every figure in the prose comes from the model.

>>> from casestudy import load_system
>>> "underlying" in situation(load_system()).data
True
"""

from __future__ import annotations

import dataclasses
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import Markdown

from ..charts import Figure, positions_figure
from ..charts.bridge import bridge_figure
from ..charts.incentive import incentive_figure
from ..charts.reserves import reserves_figure
from ..formats import money, percent
from ..governance import (
    CONFIDENCE,
    NHS_SYSTEM_ID,
    TOLERANCE_GBP_M,
    ReserveDraws,
    Reserves,
    bridge_entities,
    bridge_of,
    bridge_table,
    first_miss_shock,
    incentive_linkage,
    linkage,
    reserve_draws,
)
from ..scenario import Scenario
from ..system import System
from ..words import lesson3 as words
from ..words import to_html
from .common import CONTROL_WIDTH, Panel, Prediction, Quiz, help_line, knob
from .default import default_system

DEFAULT = words.DEFAULT  # the panels' baseline, as in every lesson
AXIS_DEMAND = 0.1  # the linkage chart's axis holds demand this far either side of plan


def _system(system: System | None) -> System:
    return system if system is not None else default_system()


def panel_draws(system: System, scenario: Scenario, draws: int | None = None) -> ReserveDraws:
    """The simulated positions the reserve panel draws from (``draws=None``: the model's
    default count and the scenario's seed)."""
    kwargs = {} if draws is None else {"draws": draws}
    return reserve_draws(system, scenario, **kwargs)


def panel_reserves(system: System, scenario: Scenario = DEFAULT,
                   confidence: float = CONFIDENCE["default"], draws: int | None = None) -> pd.DataFrame:
    """The reserves the reserve panel shows for this scenario and confidence; with the
    defaults, what it shows at its starting state (so the prose and checks quote it)."""
    return panel_draws(system, scenario, draws).reserves(confidence)


# --------------------------------------------------------------------------- the bridge


class BridgePanel(Panel):
    """The shared financial picture: one organisation's (or the NHS system's) bridge from
    last year's underlying position to this year's reported plan."""

    fields = ("allocation_growth", "price_uplift", "cost_inflation", "cost_pressure",
              "efficiency_required",
              "recurrent_share", "non_recurrent_support_gbp_m")
    title = "The shared financial picture"

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 entity: str = NHS_SYSTEM_ID, **start: Any) -> None:
        super().__init__(system, baseline if baseline is not None else DEFAULT, **start)
        options = bridge_entities(self.system)
        if entity not in [value for _, value in options]:
            entity = NHS_SYSTEM_ID
        self.picker = widgets.Dropdown(options=options, value=entity, description="Whose bridge",
                                       style={"description_width": "initial"},
                                       layout=widgets.Layout(width=CONTROL_WIDTH))
        self.picker.observe(self.update, names="value")
        self.default_entity = entity
        # The bridge table's entity order: the organisations, then the NHS system.
        self.entity_ids = [*self.system.organisations.index, NHS_SYSTEM_ID]
        self.extra_controls = [self.picker]
        self._tables: dict[Scenario, pd.DataFrame] = {}

    def reset_extras(self) -> None:
        self.picker.value = self.default_entity

    def bridge(self, scenario: Scenario, entity: str) -> pd.DataFrame:
        """One entity's bridge; every entity's is computed at once and kept, so the picker
        only slices (the table holds each entity's steps together, in the same order)."""
        if scenario not in self._tables:
            if len(self._tables) > 64:  # a long session of slider moves stays small
                self._tables.clear()
            self._tables[scenario] = bridge_table(self.system, scenario)
        table = self._tables[scenario]
        steps = len(table) // table.entity.nunique()
        first = self.entity_ids.index(entity) * steps
        return table.iloc[first:first + steps].reset_index(drop=True)

    def render(self, scenario: Scenario):
        entity = self.picker.value
        frame = self.bridge(scenario, entity)
        before = self.bridge(self.baseline, entity)
        # A title that does not change with the picker: the chart is drawn once, then only
        # its data is swapped (the picker shows whose bridge it is, the text names it).
        return bridge_figure(frame), self._words(frame, before)

    @staticmethod
    def _words(frame: pd.DataFrame, before: pd.DataFrame) -> str:
        return to_html(words.bridge_words(frame, before))


# --------------------------------------------------------------------------- reserves


class ReservePanel(Panel):
    """The contingency reserve each NHS organisation needs alone, their sum, and the
    reserve the system needs when it pools the same risks."""

    fields = ("payment",)
    title = "Contingency reserves: alone or pooled"

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 confidence: float = CONFIDENCE["default"], draws: int | None = None,
                 **start: Any) -> None:
        super().__init__(system, baseline if baseline is not None else DEFAULT, **start)
        self.draws_count = draws
        self.confidence = knob(CONFIDENCE, confidence)
        self.confidence.observe(self.update, names="value")
        self.default_confidence = confidence
        self.extra_controls = [self.confidence, help_line(CONFIDENCE)]
        self._draws: dict[Scenario, ReserveDraws] = {}
        self._baseline: dict[float, Reserves] = {}

    def reset_extras(self) -> None:
        self.confidence.value = self.default_confidence

    def draws(self, scenario: Scenario) -> ReserveDraws:
        """The simulated positions for this scenario, drawn once per payment rule."""
        if scenario not in self._draws:
            self._draws[scenario] = panel_draws(self.system, scenario, self.draws_count)
        return self._draws[scenario]

    def render(self, scenario: Scenario):
        confidence = float(self.confidence.value)
        facts = self.draws(scenario).facts(confidence)
        if confidence not in self._baseline:
            self._baseline[confidence] = self.draws(self.baseline).facts(confidence)
        text = words.reserve_words(self.system, facts, self._baseline[confidence], scenario,
                                   self.baseline)
        return reserves_figure(facts), to_html(text)


# --------------------------------------------------------------------------- linkage


class LinkagePanel(Panel):
    """The incentive fund tied to the system: one organisation's miss costs every partner."""

    fields = ("system_linkage", "risk_share", "demand_shock")
    title = "Tie the incentive fund to the system"

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 **start: Any) -> None:
        system = _system(system)
        baseline = baseline if baseline is not None else DEFAULT
        if "demand_shock" not in start:
            # Start where somebody misses: the smallest demand above plan that does it.
            shock = first_miss_shock(system, baseline)
            if shock is not None:
                start["demand_shock"] = shock
        super().__init__(system, baseline, **start)
        self._before = _positions(incentive_linkage(self.system, self.baseline))
        # The position axis holds demand from 10% below plan to 10% above, pooled or not
        # (a share between pools in proportion), and widens, never narrows, past that: a
        # move of a slider reads as a move of the bars, not of the axis.
        self.axis_gbp_m = (0.0, 0.0)
        for shock in (-AXIS_DEMAND, AXIS_DEMAND):
            for share in (0.0, 1.0):
                corner = dataclasses.replace(self.scenario(), demand_shock=shock, risk_share=share)
                self._widen(linkage(self.system, corner).table)

    def _widen(self, table: pd.DataFrame) -> tuple[float, float]:
        values = [*table.position_before_fund_gbp_m, *table.control_total_gbp_m]
        low, high = min(self.axis_gbp_m[0], *values), max(self.axis_gbp_m[1], *values)
        if (low, high) != self.axis_gbp_m:
            pad = 0.05 * (high - low or 1.0)
            self.axis_gbp_m = (low - pad, high + pad)
        return self.axis_gbp_m

    def render(self, scenario: Scenario):
        facts = linkage(self.system, scenario)
        figures = [incentive_figure(facts),
                   linkage_positions_figure(facts.table, self._before, self._widen(facts.table))]
        baseline_funds = float(self._before.incentive_fund_gbp_m.sum())
        return figures, to_html(words.linkage_words(self.system, facts, baseline_funds))


def linkage_positions_figure(table: pd.DataFrame, before: pd.DataFrame | None = None,
                             domain: tuple[float, float] | None = None) -> Figure:
    """Each NHS organisation's position as the control total tests it (before incentive
    funds), a bar against a black tick at its control total: two marks, not four (the fund
    each receives is the chart above; the change from the baseline is the line above both).

    ``before`` (the baseline's :func:`_positions` frame) is not drawn; kept for callers.
    ``domain`` fixes the position axis (:class:`LinkagePanel` holds it steady).
    """
    tested = _positions(table).drop(columns="position_before_incentive_gbp_m").assign(
        position_gbp_m=table.position_before_fund_gbp_m.to_numpy())
    figure = positions_figure(tested, chart_title="Position of each NHS organisation before "
                                                  "incentive funds", domain=domain)
    # The summary too, on the position the control total tests.
    tested = table.position_before_fund_gbp_m.to_numpy()
    control = table.control_total_gbp_m.to_numpy()
    missed = table.loc[~table.met_control_total.to_numpy(dtype=bool), "name"].tolist()
    summary = (f"The position before incentive funds of {len(table)} NHS organisations; together "
               f"{money(tested.sum())} against a system control total of {money(control.sum())}, "
               f"which the system {'meets' if bool(table.system_met.iloc[0]) else 'misses'}; "
               + (f"{len(missed)} miss their own control total ({', '.join(missed)})."
                  if missed else "every NHS organisation meets its own control total."))
    return dataclasses.replace(figure, summary=summary)


def _positions(table: pd.DataFrame) -> pd.DataFrame:
    """The incentive table as the organisations frame ``positions_figure`` draws: with the
    position before incentive funds, so that the bars show what the control total tests."""
    return pd.DataFrame({
        "name": table["name"].to_numpy(), "kind": table["kind"].to_numpy(),
        "position_gbp_m": table.position_gbp_m.to_numpy(),
        "position_before_incentive_gbp_m": table.position_before_fund_gbp_m.to_numpy(),
        "control_total_gbp_m": table.control_total_gbp_m.to_numpy(),
        "met_control_total": table.met_control_total.to_numpy(),
        "incentive_fund_gbp_m": table.fund_received_gbp_m.to_numpy(),
        "in_nhs_control_total": True,
    }, index=pd.Index(table.org_id.to_numpy(), name="org_id"))


# --------------------------------------------------------------------------- prose


def situation(system: System | None = None) -> Markdown:
    """Where the system starts: its underlying position against the reported plan."""
    return Markdown(words.situation(_system(system)))


def what_this_means(system: System | None = None) -> Markdown:
    """The lesson for this system, in its own figures."""
    return Markdown(words.what_this_means(_system(system)))


# --------------------------------------------------------------------------- checks


def checks(system: System | None = None) -> list[Quiz]:
    """Four checks of understanding, each answered by the model at run time."""
    system = _system(system)
    questions: list[Quiz] = []

    def support_and_underlying() -> tuple[int, str]:
        more = dataclasses.replace(
            DEFAULT, non_recurrent_support_gbp_m=DEFAULT.non_recurrent_support_gbp_m + 10)
        with_more = bridge_of(bridge_table(system, more), NHS_SYSTEM_ID)
        now = bridge_of(bridge_table(system, DEFAULT), NHS_SYSTEM_ID)
        change_u = words.step(with_more, "Underlying plan") - words.step(now, "Underlying plan")
        change_r = words.step(with_more, "Reported plan") - words.step(now, "Reported plan")
        answer = 1 if abs(change_u) <= TOLERANCE_GBP_M else 0
        return answer, (
            f"The model says: {money(10)} more one-off support changes the NHS system's reported "
            f"plan by {money(change_r, signed=True)} and its underlying position by {money(change_u, signed=True)}. One-off "
            "money flatters the reported position; it does not recur, so it leaves the underlying "
            "gap where it was.")

    questions.append(Prediction(
        "The regulator offers the system more one-off support this year. Will the NHS system's "
        "underlying position improve?",
        ["Yes, by the support", "No: only the reported position improves"], support_and_underlying))

    def pooling() -> tuple[int, str]:
        facts = words.default_reserves(system)  # the reserve panel's starting figures
        total, pooled = facts.sum_alone_gbp_m, facts.pooled_gbp_m
        answer = (2 if pooled < total - TOLERANCE_GBP_M
                  else 0 if pooled > total + TOLERANCE_GBP_M else 1)
        return answer, words.pooling_explanation(facts)

    questions.append(Prediction(
        "Will the system need a larger or smaller reserve when the NHS organisations pool their "
        "risks, compared with the sum of the reserves each would hold alone?",
        ["Larger", "The same", "Smaller"], pooling))

    shock = first_miss_shock(system, DEFAULT)
    scenario = dataclasses.replace(DEFAULT, demand_shock=shock or 0.0, system_linkage=1.0)
    table = incentive_linkage(system, scenario)
    partners = table[table.met_control_total & (table.fund_available_gbp_m > 0)]
    if shock is not None and not partners.empty:
        partner = partners.sort_values("fund_available_gbp_m").iloc[-1]
        name = partner["name"]

        def linked() -> tuple[int, str]:
            row = incentive_linkage(system, scenario).set_index("org_id").loc[partner.org_id]
            answer = 0 if row.fund_received_gbp_m >= row.fund_available_gbp_m - TOLERANCE_GBP_M else 1
            return answer, (
                f"The model says {name} receives {money(row.fund_received_gbp_m)} of its "
                f"{money(row.fund_available_gbp_m)}: the NHS system "
                f"{'meets' if row.system_met else 'misses'} its control total, and with the "
                "whole fund tied to the system that decides it, whatever "
                f"{name} did itself.")

        questions.append(Prediction(
            f"Demand runs {percent(shock)} above plan. {name} meets its own control total, but "
            f"others do not. With the incentive fund wholly tied to the system, does {name} "
            "receive its fund?",
            ["Yes: it met its own control total", "No: it shares the system's result"], linked))
    else:
        # No partner meets its own control total while others miss: ask about the whole pot.
        demand = f"Demand runs {percent(shock)} above plan" if shock else "Demand is on plan"
        pot = float(table.fund_available_gbp_m.sum())

        def pot_paid() -> tuple[int, str]:
            paid = float(incentive_linkage(system, scenario).fund_received_gbp_m.sum())
            answer = 0 if paid >= pot - TOLERANCE_GBP_M else 2 if paid <= TOLERANCE_GBP_M else 1
            return answer, (
                f"The model says {money(paid)} of {money(pot)} is paid: with the whole fund tied "
                "to the system, the system's result decides every organisation's fund.")

        questions.append(Prediction(
            f"{demand}. With the incentive funds wholly tied to the system, how much of the "
            f"{money(pot)} will the NHS organisations receive?",
            ["All of it", "Part of it", "None of it"], pot_paid))

    nhs = bridge_of(bridge_table(system, DEFAULT), NHS_SYSTEM_ID)
    candidates = ["Price uplift less efficiency factor", "Cost inflation", "Demand growth"]
    changes = [words.step(nhs, s) for s in candidates]
    worst = min(range(len(candidates)), key=lambda i: changes[i])
    figures = "; ".join(f"{s.lower()} {money(c, signed=True)}" for s, c in zip(candidates, changes))
    questions.append(Quiz(
        "In the NHS system's bridge, which step lowers its position most between last year and "
        "this year's plan?",
        candidates, worst,
        [(f"Yes: {s.lower()} changes it by {money(c, signed=True)}, the most of the three ({figures})."
          if i == worst else f"{s} changes it by {money(c, signed=True)}.")
         for i, (s, c) in enumerate(zip(candidates, changes))]))
    return questions
