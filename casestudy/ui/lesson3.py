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
import html
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import Markdown

from ..charts import Figure, positions_figure
from ..charts.bridge import bridge_figure
from ..charts.incentive import incentive_figure
from ..charts.reserves import reserves_figure
from ..formats import money
from ..governance import (
    NHS_SYSTEM_ID,
    ReserveDraws,
    bridge_entities,
    bridge_of,
    bridge_table,
    first_miss_shock,
    incentive_linkage,
    reserve_draws,
)
from ..names import markdown_list
from ..scenario import Scenario
from ..system import System
from .common import (
    CONTROL_WIDTH,
    SLIDER_LABEL_WIDTH,
    FloatSlider,
    Panel,
    Prediction,
    Quiz,
    era_note,
    risk_share_note,
)
from .default import default_system

DEFAULT = Scenario.preset("fixed_income")  # the panels' baseline, as in every lesson
CONFIDENCE = 0.9  # the reserve covers nine years in ten unless the learner says otherwise
TOLERANCE_GBP_M = 0.005  # half of the last digit shown (£0.01m)


def _system(system: System | None) -> System:
    return system if system is not None else default_system()


def panel_draws(system: System, scenario: Scenario, draws: int | None = None) -> ReserveDraws:
    """The simulated positions the reserve panel draws from (``draws=None``: the model's
    default count and the scenario's seed)."""
    kwargs = {} if draws is None else {"draws": draws}
    return reserve_draws(system, scenario, **kwargs)


def panel_reserves(system: System, scenario: Scenario = DEFAULT, confidence: float = CONFIDENCE,
                   draws: int | None = None) -> pd.DataFrame:
    """The reserves the reserve panel shows for this scenario and confidence; with the
    defaults, what it shows at its starting state (so the prose and checks quote it)."""
    return panel_draws(system, scenario, draws).reserves(confidence)


def _step(frame: pd.DataFrame, step: str) -> float:
    """A step's change (or a total's value) in one entity's bridge; 0 if it is not there."""
    row = frame[frame.step == step]
    return float(row.change_gbp_m.iloc[0]) if len(row) else 0.0


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
        # Dictionaries, not pandas look-ups: this runs on every slider move.
        name = html.escape(str(frame.name.iloc[0]))
        step = dict(zip(frame.step.tolist(), frame.change_gbp_m.tolist()))
        was = dict(zip(before.step.tolist(), before.change_gbp_m.tolist()))
        kinds = dict(zip(frame.step.tolist(), frame.kind.tolist()))
        last_year, underlying = step["Last year underlying"], step["Underlying plan"]
        reported, control = step["Reported plan"], float(frame.control_total_gbp_m.iloc[0])
        moves = sorted((c, s) for s, c in step.items() if kinds[s] != "total")
        (down_gbp_m, down), (up_gbp_m, up) = moves[0], moves[-1]
        one_off = reported - underlying
        was_underlying, was_reported = was["Underlying plan"], was["Reported plan"]
        meets = "meets" if reported - step["Incentive fund"] >= control - 1e-9 else "misses"
        return (
            f"<p><b>{name}</b> starts from last year's underlying position of "
            f"<b>{money(last_year)}</b>. The largest pressure is {html.escape(down.lower())} "
            f"({money(down_gbp_m, signed=True)}); the largest help is {html.escape(up.lower())} "
            f"({money(up_gbp_m, signed=True)}).</p>"
            f"<p>This year's plan: an <b>underlying</b> position of <b>{money(underlying)}</b> "
            f"(baseline {money(was_underlying)}) and a <b>reported</b> position of "
            f"<b>{money(reported)}</b> (baseline {money(was_reported)}), against a control total of "
            f"{money(control)}, which it {meets} before its incentive fund. "
            f"<b>{money(abs(one_off))}</b> of the reported position is one-off money "
            f"(non-recurrent savings, one-off support, incentive fund) that does not recur "
            f"next year.</p>"
        )


# --------------------------------------------------------------------------- reserves


class ReservePanel(Panel):
    """The contingency reserve each NHS organisation needs alone, their sum, and the
    reserve the system needs when it pools the same risks."""

    fields = ("payment",)
    title = "Contingency reserves: alone or pooled"

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 confidence: float = CONFIDENCE, draws: int | None = None, **start: Any) -> None:
        super().__init__(system, baseline if baseline is not None else DEFAULT, **start)
        self.draws_count = draws
        self.confidence = FloatSlider(
            value=confidence, min=0.5, max=0.99, step=0.01, readout_format=".0%",
            description="Confidence", continuous_update=False,
            tooltip="Share of years in which the reserve is enough to meet the control total",
            style={"description_width": SLIDER_LABEL_WIDTH}, layout=widgets.Layout(width=CONTROL_WIDTH))
        self.confidence.observe(self.update, names="value")
        self.default_confidence = confidence
        self.extra_controls = [
            self.confidence,
            widgets.HTML('<div class="cs-help">Share of years in which the reserve is enough '
                         'to meet the control total (0.9 = nine years in ten).</div>')]
        self._draws: dict[Scenario, ReserveDraws] = {}
        self._baseline: dict[float, pd.DataFrame] = {}

    def reset_extras(self) -> None:
        self.confidence.value = self.default_confidence

    def draws(self, scenario: Scenario) -> ReserveDraws:
        """The simulated positions for this scenario, drawn once per payment rule."""
        if scenario not in self._draws:
            self._draws[scenario] = panel_draws(self.system, scenario, self.draws_count)
        return self._draws[scenario]

    def render(self, scenario: Scenario):
        confidence = float(self.confidence.value)
        frame = self.draws(scenario).reserves(confidence)
        if confidence not in self._baseline:
            self._baseline[confidence] = self.draws(self.baseline).reserves(confidence)
        figure = reserves_figure(frame, confidence)
        baseline = self._baseline[confidence]
        return figure, self._words(frame, baseline, scenario, confidence)

    def _words(self, frame: pd.DataFrame, baseline: pd.DataFrame, scenario: Scenario,
               confidence: float) -> str:
        # Rows: the organisations alone, then their sum, then the pooled reserve.
        reserve = frame.reserve_gbp_m.to_numpy()
        names = frame.name.tolist()[:-2]
        total, pooled = float(reserve[-2]), float(reserve[-1])
        largest = int(reserve[:-2].argmax())
        released = total - pooled
        share = f" ({released / total:.0%} of it)" if total > 0 else ""
        before = baseline.reserve_gbp_m.to_numpy()
        was = float(before[-2] - before[-1])
        rule = html.escape(scenario.payment_phrase)
        return (
            f"<p>To meet their control totals in {confidence:.0%} of years under {rule} contracts, "
            f"the {len(names)} NHS organisations would each hold a reserve: "
            f"<b>{money(total)}</b> between them, the largest {html.escape(names[largest])}'s "
            f"{money(reserve[largest])}. Pooled, the system needs <b>{money(pooled)}</b>: "
            f"pooling releases <b>{money(released)}</b>{share} for patient care "
            f"(baseline {html.escape(self.baseline.payment_phrase)}: {money(was)}), "
            f"because bad years at different organisations partly offset.</p>"
            "<p>The payment rule moves the risk between commissioners and providers; pooling "
            "shares whatever risk there is.</p>"
            + (f"<p>{html.escape(era_note(scenario))}</p>" if era_note(scenario) else "")
        )


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

    def render(self, scenario: Scenario):
        table = incentive_linkage(self.system, scenario)
        figures = [incentive_figure(table), linkage_positions_figure(table, self._before)]
        baseline_funds = float(self._before.incentive_fund_gbp_m.sum())
        return figures, linkage_words(table, scenario, baseline_funds)


def linkage_positions_figure(table: pd.DataFrame, before: pd.DataFrame) -> Figure:
    """Each NHS organisation's position as the control total tests it: the bar stops
    before its incentive fund, the fund a thin bar beyond it (``positions_figure``).

    ``before`` is the baseline's :func:`_positions` frame.
    """
    figure = positions_figure(_positions(table), before,
                              chart_title="Position of each NHS organisation before incentive funds")
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


def linkage_words(table: pd.DataFrame, scenario: Scenario, baseline_funds_gbp_m: float) -> str:
    """The panel's text: who missed, whether the system met, and what the linkage cost."""
    # Plain lists, not pandas selections: this runs on every slider move.
    names = table["name"].tolist()
    met = table.met_control_total.tolist()
    lost = table.fund_lost_to_linkage_gbp_m.tolist()
    available = table.fund_available_gbp_m.tolist()
    tested = table.position_before_fund_gbp_m.tolist()  # what the control total tests
    control = table.control_total_gbp_m.tolist()
    short = [c - t for c, t in zip(control, tested)]
    system_met = bool(table.system_met.iloc[0])
    missed = [i for i, ok in enumerate(met) if not ok]
    shock = scenario.demand_shock
    demand = (f"With demand {abs(shock):.0%} {'above' if shock > 0 else 'below'} plan"
              if shock else "With demand on plan")
    if not missed:
        who = "every NHS organisation meets its own control total"
    else:
        gaps = "; ".join(f"{html.escape(names[i])} by {money(short[i], fine=True)}" for i in missed)
        who = f"<b>{len(missed)}</b> miss their own control total ({gaps})"
    together = (f" ({money(sum(tested))} before incentive funds, against "
                f"{money(sum(control))})")
    system = ("the NHS system still <b>meets</b> its control total" if system_met
              else "the NHS system <b>misses</b> its control total") + together
    losers = [i for i, value in enumerate(lost) if value > TOLERANCE_GBP_M]
    gainers = [i for i, value in enumerate(lost) if value < -TOLERANCE_GBP_M]
    parts = [f"<p>{demand}, {who}, and {system}.</p>"]
    linkage = scenario.system_linkage
    if losers:
        cost = "; ".join(f"{html.escape(names[i])} {money(lost[i], fine=True)}" for i in losers)
        parts.append(
            f"<p>With {linkage:.0%} of each fund tied to the system, the partners that met their "
            f"own control total lose <b>{money(sum(lost[i] for i in losers))}</b> of "
            f"incentive fund between them because others missed: {cost}.</p>")
    elif missed and linkage == 0:
        parts.append("<p>The fund is paid on each organisation's own control total, so the "
                     "miss costs only those who missed. Raise the system linkage to see it "
                     "cost the partners too.</p>")
    elif missed and not system_met and not any(ok and fund > 0 for ok, fund in zip(met, available)):
        parts.append("<p>Every organisation with a fund missed its own control total, so "
                     "tying the fund to the system takes nothing more from anyone: the "
                     "linkage bites when some partners miss and others do not.</p>")
    if gainers:
        parts.append(
            f"<p>Those that missed but share in the system's success receive "
            f"{money(-sum(lost[i] for i in gainers))} they would not have had alone.</p>")
    parts.append(f"<p>Incentive funds received: <b>{money(table.fund_received_gbp_m.sum())}</b> of "
                 f"{money(sum(available))} (baseline {money(baseline_funds_gbp_m)}). The kit pays "
                 "each fund all or nothing, once a year, a simplification: the real funds were "
                 "paid quarterly, 70% for finance and 30% for performance.</p>")
    if risk_share_note(scenario):
        parts.append(f"<p>{html.escape(risk_share_note(scenario))}</p>")
    return "".join(parts)


# --------------------------------------------------------------------------- prose


def situation(system: System | None = None) -> Markdown:
    """Where the system starts: its underlying position against the reported plan."""
    system = _system(system)
    table = bridge_table(system, DEFAULT)
    nhs = bridge_of(table, NHS_SYSTEM_ID)
    orgs = system.organisations
    count = int(orgs.in_nhs_control_total.sum())
    underlying, reported = _step(nhs, "Underlying plan"), _step(nhs, "Reported plan")
    control = float(nhs.control_total_gbp_m.iloc[0])
    in_deficit = [bridge_of(table, org).name.iloc[0] for org in orgs.index[orgs.in_nhs_control_total]
                  if _step(bridge_of(table, org), "Underlying plan") < -TOLERANCE_GBP_M]
    return Markdown(
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
        "linked a small amount of their 2019/20 funds to their system.)"
    )


def what_this_means(system: System | None = None) -> Markdown:
    """The lesson for this system, in its own figures."""
    system = _system(system)
    nhs = bridge_of(bridge_table(system, DEFAULT), NHS_SYSTEM_ID)
    one_off = _step(nhs, "Reported plan") - _step(nhs, "Underlying plan")
    reserves = panel_reserves(system)  # what the reserve panel shows when it opens
    total = float(reserves.loc[reserves.arrangement == "sum", "reserve_gbp_m"].iloc[0])
    pooled = float(reserves.loc[reserves.arrangement == "pooled", "reserve_gbp_m"].iloc[0])
    text = (
        f"- **The shared picture**: {money(one_off)} of the NHS system's reported plan is one-off "
        f"money. A bridge that starts from the underlying position shows every partner the gap "
        f"the plan does not close.\n"
        f"- **Pooling**: held alone, the NHS organisations need {money(total)} of reserves to meet "
        f"their control totals in {CONFIDENCE:.0%} of years; pooled, {money(pooled)}. The difference is money "
        f"that can go to patient care, if partners trust each other's numbers (open books).\n"
    )
    shock = first_miss_shock(system, DEFAULT)
    if shock is not None:
        linked = incentive_linkage(system, dataclasses.replace(DEFAULT, demand_shock=shock,
                                                               system_linkage=1.0))
        lost = linked.fund_lost_to_linkage_gbp_m.clip(lower=0).sum()
        if lost > TOLERANCE_GBP_M:
            text += (
                f"- **The incentive**: with demand {shock:.0%} above plan some partners miss; with "
                f"the whole fund tied to the system the partners that met their own control total "
                f"lose {money(lost)} with them. That is the point (every partner has a stake in "
                f"every other's plan) and the risk (one organisation's miss brings the others down)."
            )
        else:
            text += (
                f"- **The incentive**: in this system demand {shock:.0%} above plan makes every "
                f"NHS organisation with a fund miss at once, so tying the fund to the system "
                f"changes nothing there. Linkage bites when one partner misses and the others do "
                f"not: then every partner has a stake in every other's plan, and one "
                f"organisation's miss brings the others down."
            )
    return Markdown(text)


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
        change_u = _step(with_more, "Underlying plan") - _step(now, "Underlying plan")
        change_r = _step(with_more, "Reported plan") - _step(now, "Reported plan")
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
        table = panel_reserves(system)  # the reserve panel's starting figures
        total = float(table.loc[table.arrangement == "sum", "reserve_gbp_m"].iloc[0])
        pooled = float(table.loc[table.arrangement == "pooled", "reserve_gbp_m"].iloc[0])
        answer = (2 if pooled < total - TOLERANCE_GBP_M
                  else 0 if pooled > total + TOLERANCE_GBP_M else 1)
        return answer, (
            f"The model says: {money(total)} held alone, {money(pooled)} pooled, to meet the "
            f"control totals in {CONFIDENCE:.0%} of years. Bad years at different organisations "
            "partly offset, so the pool needs less than the sum of its parts.")

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
            f"Demand runs {shock:.0%} above plan. {name} meets its own control total, but "
            f"others do not. With the incentive fund wholly tied to the system, does {name} "
            "receive its fund?",
            ["Yes: it met its own control total", "No: it shares the system's result"], linked))
    else:
        # No partner meets its own control total while others miss: ask about the whole pot.
        demand = f"Demand runs {shock:.0%} above plan" if shock else "Demand is on plan"
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
    changes = [_step(nhs, s) for s in candidates]
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
