"""Lesson 1, get the system fundamentals right: choose a few shared priorities within the
partners' leadership capacity, see who pays and who gains, and agree a memorandum.

Every figure in the prose comes from the model at run time.

>>> from casestudy import load_system
>>> "leadership" in situation(load_system()).data
True
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from IPython.display import Markdown

from ..charts.priorities import leadership_load_figure, portfolio_size_figure, who_gains_figure
from ..formats import money
from ..fundamentals import Memorandum, memorandum, portfolio_by_organisation
from ..names import markdown_text as md
from ..priorities import (
    OVERLOAD_ELASTICITY,
    best_portfolios,
    best_portfolios_by_capacity,
    capacities_to_search,
    delivery_share,
)
from ..scenario import BRADFORD_ACTIVITY_PRESET as ACTIVITY_RULE
from ..scenario import Scenario, mid_sentence, preset_phrase
from ..system import System
from ..workshop import save_scenario
from .common import Panel, Prediction, SchemePicker, SchemesPanel, people_table
from .default import default_system
from .scenario_io import default_scenario_folder

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pandas.io.formats.style import Styler

TOLERANCE_GBP_M = 1e-6  # benefits closer than this (£1) count as equal
DEFAULT = Scenario.preset("fixed_income")  # the panels' baseline, as in every lesson


def _system(system: System | None) -> System:
    return system if system is not None else default_system()


def largest_provider(system: System) -> str:
    """The acute trust with the largest cost base; in a system without one, the largest
    provider of any kind (the organisation whose activity the schemes mostly cut)."""
    return str(system.largest("acute") or system.largest())


def scheme_menu(system: System | None = None) -> Styler:
    """The schemes on offer, as a table for people: who pays, who leads, cost, load, evidence
    (the frame is its ``.data``)."""
    system = _system(system)
    names = system.organisations["name"]
    schemes = system.schemes
    return people_table(pd.DataFrame({
        "Scheme": schemes["name"].to_numpy(),
        "Paid for by": schemes.funder_id.map(names).to_numpy(),
        "Led by": schemes.deliverer_id.map(names).to_numpy(),
        "Cost (£m a year)": schemes.cost_gbp_m.to_numpy(),
        "Leadership load (units)": schemes.leadership_load.to_numpy(),
        "Evidence": schemes.evidence.to_numpy(),
        "Chance of delivering": schemes.delivery_probability.to_numpy(),
    }), percent=["Chance of delivering"])


# --------------------------------------------------------------------------- saving


MEMORANDUM_TEAM = "Memorandum (lesson 1)"  # the team a memorandum is saved as when none is typed


def save_memorandum(scenario: Scenario, folder: str | Path | None = None,
                    name: str = MEMORANDUM_TEAM, system: System | None = None) -> Path:
    """Save the scenario as a workshop file under ``folder``, never overwriting; the path.

    The file is ``casestudy.workshop``'s (checksummed, with the kit version and the system's
    name), so the facilitator's notebook loads it with the other tables' scenarios, under
    the team ``name`` (the table's name when it typed one). The folder defaults to the one
    every panel saves to (``my_scenarios/`` at the kit's root).
    """
    folder = default_scenario_folder() if folder is None else folder
    return Path(save_scenario(scenario, folder, name, system=system))


def memorandum_html(memo: Memorandum, path: Path | None = None) -> str:
    """The memorandum as a short document: the schemes, who leads each, the expected benefit."""
    if memo.schemes.empty:
        return "<p><i>No schemes are chosen yet: tick a few shared schemes first.</i></p>"
    rows = "".join(
        f"<tr><td>{html.escape(r['name'])}</td><td>{html.escape(r.lead)}</td>"
        f"<td>{html.escape(r.funder)}</td><td style='text-align:right'>{r.cost_gbp_m:,.1f}</td>"
        f"<td style='text-align:right'>{r.leadership_load:g}</td>"
        f"<td style='text-align:right'>{r.expected_delivery_share:.0%}</td></tr>"
        for _, r in memo.schemes.iterrows())
    count = len(memo.schemes)
    load = (f"Together they need {memo.load:g} of our {memo.capacity:g} units of senior "
            f"leadership time" + (": more than we have, so each is less likely to deliver."
                                  if memo.over_capacity else ", within what we have."))
    saved = (f"<p>Saved as <code>{html.escape(str(path))}</code>.</p>" if path is not None else "")
    return (
        "<div style='border:1px solid #999;padding:8px 14px;max-width:900px'>"
        "<h4 style='margin-top:4px'>Memorandum of understanding: our shared priorities</h4>"
        f"<p>The partners agree to focus on {count} shared scheme{'s' if count != 1 else ''}, "
        f"paid for under {html.escape(mid_sentence(memo.payment_label))} contracts.</p>"
        "<table><tr><th>Scheme</th><th>Led by</th><th>Paid for by</th><th>Cost (£m a year)</th>"
        "<th>Leadership load</th><th>Expected delivery</th></tr>" + rows + "</table>"
        f"<p>{load} Expected net benefit at full effect, after the schemes' cost: "
        f"<b>{money(memo.nhs_benefit_gbp_m)}</b> a year to the NHS system, "
        f"<b>{money(memo.place_benefit_gbp_m)}</b> to the whole place (council and voluntary "
        f"sector included).</p>{saved}</div>"
    )


# --------------------------------------------------------------------------- the panel


class PortfolioPanel(SchemesPanel):
    """Tick shared schemes under a leadership capacity; see who pays, who gains, and how
    the best portfolio's benefit changes with the number of priorities."""

    fields = ("leadership_capacity", "payment")
    title = "Choose a few shared priorities"

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 folder: str | Path | None = None, **start: Any) -> None:
        super().__init__(system, baseline, **start)
        first = dataclasses.replace(self.baseline, **start) if start else self.baseline
        self.folder = default_scenario_folder() if folder is None else Path(folder)
        schemes = self.system.schemes
        orgs = self.system.organisations
        self.lead_kinds = list(dict.fromkeys(orgs.kind.reindex(schemes.deliverer_id)))

        def detail(scheme_id: str) -> tuple[str, str]:
            # One short line under each box; who pays and who leads are in its tooltip and in
            # lesson1.scheme_menu(), so the column stays short enough for a projector.
            row = schemes.loc[scheme_id]
            tooltip = (f"{row['name']}: paid by {orgs.loc[row.funder_id, 'name']}, led by "
                       f"{orgs.loc[row.deliverer_id, 'name']}")
            line = (f"{money(row.cost_gbp_m)} a year · load {row.leadership_load:g} · "
                    f"{row.evidence} evidence")
            return tooltip, line

        self.picker = SchemePicker(self.system, list(schemes.index), first.schemes, self.update,
                                   detail)
        self.boxes = self.picker.boxes
        self.agree_button = widgets.Button(description="Agree the memorandum", icon="check",
                                           button_style="success",
                                           tooltip="Save the chosen schemes as a scenario file")
        self.agree_button.on_click(lambda _: self.agree())
        self.memo = widgets.HTML()
        self.saved_path: Path | None = None
        self.extra_controls = [widgets.HTML("<b>Shared schemes</b>"), self.picker.widget,
                               self.agree_button]
        self._best: dict[Scenario, list[Mapping[float, pd.DataFrame]]] = {}

    # -- the scenario
    def scenario_extras(self) -> dict[str, Any]:
        return {"schemes": self.picker.chosen}

    def reset_extras(self) -> None:
        self.load_extras(self.baseline)

    def best(self, scenario: Scenario) -> pd.DataFrame:
        """The best portfolio of each size for this capacity.

        The NHS system's benefit is the same under every payment rule (rules move money
        between organisations), so the search ignores the rule and the ticked schemes. A
        capacity not searched yet is searched together with the slider's other values, as
        many as one search's rows allow (every value, for the bundled system): a move of the
        slider then looks its table up instead of running the engine (a new value cost a
        12-16 ms search before, a 1-1.5 ms look-up now; the first search takes about 0.1 s,
        on the first drawing).
        """
        key = dataclasses.replace(scenario, payment="fixed_income", schemes=(),
                                  leadership_capacity=self.baseline.leadership_capacity)
        capacity = scenario.leadership_capacity
        searches = self._best.setdefault(key, [])
        for search in searches:
            if capacity in search:
                return search[capacity]
        slider = self.controls["leadership_capacity"]
        values = np.round(np.arange(slider.min, slider.max + slider.step / 2, slider.step), 9)
        wanted = capacities_to_search(self.system, capacity, values.tolist())
        searches.append(best_portfolios_by_capacity(self.system, key, wanted))
        return searches[-1][capacity]

    # -- drawing
    def render(self, scenario: Scenario):
        memo = memorandum(self.system, scenario)
        table = memo.organisations
        best = self.best(scenario)
        chosen = len(memo.schemes)
        orgs = self.system.organisations
        lead_table = memo.schemes.assign(kind=orgs.kind.reindex(memo.schemes.lead_id).to_numpy())
        figures = [
            who_gains_figure(table, scenario.payment_label,
                             f"Who pays and who gains under {scenario.payment_phrase}"),
            portfolio_size_figure(best, chosen, memo.nhs_benefit_gbp_m,
                                  ", ".join(memo.schemes["name"]),
                                  "Spreading effort: the best portfolio of each size"),
            leadership_load_figure(lead_table, scenario.leadership_capacity, self.lead_kinds,
                                   "Leadership load of your schemes against capacity"),
        ]
        return figures, self._words(scenario, table, memo, best)

    def _words(self, scenario: Scenario, table: pd.DataFrame, memo: Memorandum,
               best: pd.DataFrame) -> str:
        top = best.loc[best["nhs_benefit_gbp_m"].idxmax()]
        best_line = (f"The best portfolio at this capacity has {int(top['size'])} "
                     f"scheme{'s' if top['size'] != 1 else ''} ({html.escape(top['names'])}): "
                     f"{money(top.nhs_benefit_gbp_m)} to the NHS system.")
        if memo.schemes.empty:
            return ("<p>No schemes chosen: the baseline, with no benefit and no cost. "
                    "Tick a few shared schemes on the left.</p><p>" + best_line + "</p>")
        count = len(memo.schemes)
        mean_share = memo.schemes.expected_delivery_share.mean()
        mean_chance = memo.schemes.delivery_probability.mean()
        capacity = (f"They need {memo.load:g} units of leadership against a capacity of "
                    f"{memo.capacity:g}: "
                    + (f"<b>over capacity</b>, so they are expected to deliver {mean_share:.0%} of "
                       f"their effect on average instead of {mean_chance:.0%}."
                       if memo.over_capacity else
                       f"within capacity, so each keeps its own chance of delivering "
                       f"({mean_share:.0%} on average)."))
        names = table["name"].to_numpy()
        paid, benefit = table["pays_gbp_m"].to_numpy(), table["benefit_gbp_m"].to_numpy()

        def listing(values: np.ndarray, mask: np.ndarray, largest_first: bool) -> str:
            order = [i for i in np.argsort(-values if largest_first else values) if mask[i]]
            return "; ".join(f"{html.escape(names[i])} {money(values[i])}" for i in order)

        pays = listing(paid, paid > 1e-9, True)
        gains = listing(benefit, benefit > 1e-9, True) or "nobody"
        loses = listing(benefit, benefit < -1e-9, False)
        rule = scenario.payment_phrase
        return (
            f"<p><b>Your {count} scheme{'s' if count != 1 else ''}</b> are expected to change the "
            f"NHS system's position by <b>{money(memo.nhs_benefit_gbp_m)}</b> a year and the whole "
            f"place's by <b>{money(memo.place_benefit_gbp_m)}</b> (baseline: no schemes, "
            f"{money(0)}). {capacity}</p>"
            f"<p><b>Who pays</b> ({money(memo.cost_gbp_m)} a year): {pays}. "
            f"<b>Who gains</b> under {html.escape(rule)}: {gains}."
            + (f" <b>Who loses</b>: {loses}." if loses else " Nobody loses.") + "</p>"
            f"<p>{best_line}</p>"
        )

    # -- the memorandum
    def agree(self, name: str | None = None) -> Path | None:
        """Save the chosen schemes as a scenario file and show the memorandum; returns the path.

        The file's team is ``name``, else the team name typed in the panel's save box, else
        :data:`MEMORANDUM_TEAM` (never the bare word "memorandum" of a file name).
        """
        typed = self.scenario_io.team.value.strip()
        name = name or (f"{typed} memorandum" if typed else MEMORANDUM_TEAM)
        scenario = self.scenario()
        memo = memorandum(self.system, scenario)
        self.saved_path = None if memo.schemes.empty else save_memorandum(scenario, self.folder, name,
                                                                          self.system)
        self.memo.value = memorandum_html(memo, self.saved_path)
        return self.saved_path

    @property
    def widget(self) -> widgets.Widget:
        if getattr(self, "_memo_widget", None) is None:
            body = Panel.widget.fget(self)
            self._memo_widget = widgets.VBox([body, self.memo])
            self._memo_widget.add_class("cs-panel")
        return self._memo_widget


# --------------------------------------------------------------------------- prose


def situation(system: System | None = None) -> Markdown:
    """The choice in front of the partners, with this system's figures."""
    system = _system(system)
    schemes = system.schemes
    capacity = DEFAULT.leadership_capacity
    most = schemes.leadership_load.max()
    heaviest = schemes[schemes.leadership_load == most]
    apart = int((schemes.funder_id != schemes.deliverer_id).sum())
    which = (f"the heaviest, {md(heaviest['name'].iloc[0].lower())}, needs" if len(heaviest) == 1
             else f"the heaviest ({len(heaviest)} of them) need")
    return Markdown(
        f"The partners in this system could invest in **{len(schemes)} shared schemes**, from "
        f"{md(schemes['name'].iloc[0].lower())} to {md(schemes['name'].iloc[-1].lower())}. "
        f"Together they would cost {money(schemes.cost_gbp_m.sum())} a year and need "
        f"**{schemes.leadership_load.sum():g} units of senior leadership time**, against the "
        f"**{capacity:g} units** the partners can give (an assumption you can change); "
        f"{which} {most:g} units each. {apart} of the {len(schemes)} schemes are paid for by one "
        f"organisation and led by another, so the money a scheme saves often lands away from "
        f"where its cost falls."
    )


def model_in_one_paragraph(system: System | None = None) -> Markdown:
    """How the model turns a portfolio into an expected benefit, with its one assumption."""
    twice = float(delivery_share(np.ones(1), np.array([2.0]), np.ones(1), 1.0)[0])
    return Markdown(
        "Each chosen scheme changes activity (fewer emergency admissions, fewer outpatient "
        "visits...) and costs its funder money every year. It delivers its effect with its own "
        "chance, **if it gets the leadership it needs**. When the chosen schemes together need "
        "more leadership than the partners have, every scheme's chance is cut by "
        f"(capacity / load) to the power {OVERLOAD_ELASTICITY:g}: a portfolio at twice the "
        f"capacity delivers {twice:.0%} of each scheme's chance, so it delivers less in total than "
        "half the schemes would. The model then runs the year with and without the schemes and "
        "reports each organisation's change in position, before any incentive fund."
    )


def _all_and_best(system: System, scenario: Scenario) -> tuple[pd.Series, pd.Series]:
    best = best_portfolios(system, scenario)
    return best.iloc[-1], best.loc[best["nhs_benefit_gbp_m"].idxmax()]


def what_this_means(system: System | None = None) -> Markdown:
    """The lesson for this system: the best few against everything at once."""
    system = _system(system)
    scenario = DEFAULT
    everything, top = _all_and_best(system, scenario)
    provider = largest_provider(system)
    by_rule = {preset: portfolio_by_organisation(
        system, Scenario.preset(preset, schemes=top.schemes)).loc[provider, "benefit_gbp_m"]
        for preset in (ACTIVITY_RULE, "fixed_income")}
    return Markdown(
        f"In this system the best portfolio at the default capacity has **{int(top['size'])} "
        f"schemes** ({md(top['names'])}), expected to benefit the NHS system by "
        f"{money(top.nhs_benefit_gbp_m)} a year. Taking on all {int(everything['size'])} schemes "
        f"gives {money(everything.nhs_benefit_gbp_m)}: more cost, and less delivered, because "
        f"leadership is spread too thin. Even the best few do not pay off for everyone: "
        f"{md(system.org_name(provider))} changes by {money(by_rule[ACTIVITY_RULE])} under "
        f"{preset_phrase(ACTIVITY_RULE)} and by {money(by_rule['fixed_income'])} under "
        f"{preset_phrase('fixed_income')}. Agreeing "
        f"who leads, who pays and how gains are shared is what the memorandum is for; the next "
        f"lesson takes that on."
    )


# --------------------------------------------------------------------------- checks


def checks(system: System | None = None) -> list[Prediction]:
    """Three checks of understanding, each answered by the model at run time."""
    system = _system(system)
    scenario = DEFAULT
    everything, top = _all_and_best(system, scenario)
    count = int(everything["size"])

    def spread() -> tuple[int, str]:
        gap = everything.nhs_benefit_gbp_m - top.nhs_benefit_gbp_m
        answer = 1 if gap < -TOLERANCE_GBP_M else 2 if abs(gap) <= TOLERANCE_GBP_M else 0
        return answer, (
            f"The model says: all {count} schemes give the NHS system "
            f"{money(everything.nhs_benefit_gbp_m)}, the best {int(top['size'])} give "
            f"{money(top.nhs_benefit_gbp_m)}. Past the leadership capacity every scheme's chance "
            f"of delivering falls, while its cost does not.")

    questions: list[Prediction] = [Prediction(
        f"The partners take on all {count} schemes at once instead of the best few. Will the NHS "
        "system's expected benefit be higher or lower?",
        ["Higher: more schemes, more benefit", "Lower: spread too thin, each delivers less",
         "About the same"], spread)]

    provider = largest_provider(system)
    name = system.org_name(provider)

    def provider_under_pbr() -> tuple[int, str]:
        table = portfolio_by_organisation(
            system, Scenario.preset(ACTIVITY_RULE, schemes=top.schemes))
        value = table.loc[provider, "benefit_gbp_m"]
        answer = 0 if value > TOLERANCE_GBP_M else 1 if value < -TOLERANCE_GBP_M else 2
        return answer, (
            f"The model says {name} changes by {money(value)}. Under payment by results it "
            "loses the price of each planned unit avoided, and under the marginal rate "
            f"{DEFAULT.mret_rate_above_baseline:.0%} of the price of each emergency admission "
            "avoided above its baseline, but saves only its marginal cost; the rest of its "
            "cost is stranded.")

    questions.append(Prediction(
        f"Under {preset_phrase(ACTIVITY_RULE)}, the best portfolio cuts activity at {name}. "
        f"Will {name} gain or lose?", ["Gain", "Lose", "Neither"], provider_under_pbr))

    def rule_and_system() -> tuple[int, str]:
        values = {p: portfolio_by_organisation(system, Scenario.preset(p, schemes=top.schemes))
                  for p in (ACTIVITY_RULE, "fixed_income")}
        nhs = {p: t.loc[t.in_nhs_control_total, "benefit_gbp_m"].sum() for p, t in values.items()}
        gap = nhs["fixed_income"] - nhs[ACTIVITY_RULE]
        answer = 2 if abs(gap) <= TOLERANCE_GBP_M else 0 if gap > 0 else 1
        return answer, (
            f"The model says {money(nhs[ACTIVITY_RULE])} under "
            f"{preset_phrase(ACTIVITY_RULE)} and {money(nhs['fixed_income'])} under "
            f"{preset_phrase('fixed_income')}: a payment rule moves money between the "
            "organisations; it does not create or destroy it.")

    questions.append(Prediction(
        "Switch from payment by results (with MRET) to fixed income, with the same schemes. What happens to "
        "the NHS system's expected benefit?",
        ["It rises", "It falls", "It stays the same"], rule_and_system))
    return questions
