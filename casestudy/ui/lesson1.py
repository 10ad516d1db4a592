"""Lesson 1, get the system fundamentals right: choose a few shared priorities within the
partners' leadership capacity, see who pays and who gains, and agree a memorandum.

The lesson's facts come from :mod:`casestudy.fundamentals`; every sentence computed from
them, from :mod:`casestudy.words.lesson1`.

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
from ..fundamentals import Memorandum, memorandum
from ..priorities import best_portfolios_by_capacity, capacities_to_search
from ..scenario import BRADFORD_ACTIVITY_PRESET as ACTIVITY_RULE
from ..scenario import Scenario, preset_phrase
from ..system import System
from ..words import lesson1 as words
from ..words import to_html
from ..workshop import save_scenario
from .common import Panel, Prediction, SchemePicker, SchemesPanel, people_table
from .default import given_or_default
from .scenario_io import default_scenario_folder

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pandas.io.formats.style import Styler

TOLERANCE_GBP_M = 1e-6  # benefits closer than this (£1) count as equal
DEFAULT = words.DEFAULT  # the panels' baseline, as in every lesson


def scheme_menu(system: System | None = None) -> Styler:
    """The schemes on offer, as a table for people: who pays, who leads, cost, load, evidence
    (the frame is its ``.data``)."""
    system = given_or_default(system)
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
    """The memorandum as a short document: the schemes, who leads each, the expected benefit
    (its sentences from :mod:`casestudy.words.lesson1`)."""
    if memo.schemes.empty:
        return "<p><i>No schemes are chosen yet: tick a few shared schemes first.</i></p>"
    rows = "".join(
        f"<tr><td>{html.escape(r['name'])}</td><td>{html.escape(r.lead)}</td>"
        f"<td>{html.escape(r.funder)}</td><td style='text-align:right'>{r.cost_gbp_m:,.1f}</td>"
        f"<td style='text-align:right'>{r.leadership_load:g}</td>"
        f"<td style='text-align:right'>{r.expected_delivery_share:.0%}</td></tr>"
        for _, r in memo.schemes.iterrows())
    saved = (f"<p>Saved as <code>{html.escape(str(path))}</code>.</p>" if path is not None else "")
    return (
        "<div style='border:1px solid #999;padding:8px 14px;max-width:900px'>"
        "<h4 style='margin-top:4px'>Memorandum of understanding: our shared priorities</h4>"
        + to_html(words.memorandum_agreement(memo))
        + "<table><tr><th>Scheme</th><th>Led by</th><th>Paid for by</th><th>Cost (£m a year)</th>"
        "<th>Leadership load</th><th>Expected delivery</th></tr>" + rows + "</table>"
        + to_html(words.memorandum_expected(memo)) + f"{saved}</div>"
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
        # One short line under each box; who pays and who leads are in its tooltip and in
        # lesson1.scheme_menu().
        self.picker = SchemePicker(self.system, list(schemes.index), first.schemes, self.update,
                                   lambda scheme_id: words.scheme_detail(self.system, scheme_id))
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
        return figures, to_html(words.portfolio_words(scenario, memo, best))

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
    return Markdown(words.situation(given_or_default(system)))


def model_in_one_paragraph(system: System | None = None) -> Markdown:
    """How the model turns a portfolio into an expected benefit, with its one assumption."""
    return Markdown(words.model_in_one_paragraph())


def what_this_means(system: System | None = None) -> Markdown:
    """The lesson for this system: the best few against everything at once."""
    system = given_or_default(system)
    return Markdown(words.what_this_means(system, words.lesson_facts(system)))


# --------------------------------------------------------------------------- checks


def checks(system: System | None = None) -> list[Prediction]:
    """Three checks of understanding, each answered by the model at run time."""
    system = given_or_default(system)
    facts = words.lesson_facts(system)

    def spread() -> tuple[int, str]:
        gap = facts.spread_gbp_m
        answer = 1 if gap < -TOLERANCE_GBP_M else 2 if abs(gap) <= TOLERANCE_GBP_M else 0
        return answer, words.spread_explanation(facts)

    questions: list[Prediction] = [Prediction(
        f"The partners take on all {facts.every_size} schemes at once instead of the best few. "
        "Will the NHS system's expected benefit be higher or lower?",
        ["Higher: more schemes, more benefit", "Lower: spread too thin, each delivers less",
         "About the same"], spread)]

    name = system.org_name(facts.provider_id)

    def provider_under_pbr() -> tuple[int, str]:
        value = facts.provider_gbp_m[ACTIVITY_RULE]
        answer = 0 if value > TOLERANCE_GBP_M else 1 if value < -TOLERANCE_GBP_M else 2
        return answer, words.provider_explanation(system, facts)

    questions.append(Prediction(
        f"Under {preset_phrase(ACTIVITY_RULE)}, the best portfolio cuts activity at {name}. "
        f"Will {name} gain or lose?", ["Gain", "Lose", "Neither"], provider_under_pbr))

    def rule_and_system() -> tuple[int, str]:
        gap = facts.nhs_gbp_m["fixed_income"] - facts.nhs_gbp_m[ACTIVITY_RULE]
        answer = 2 if abs(gap) <= TOLERANCE_GBP_M else 0 if gap > 0 else 1
        return answer, words.rule_explanation(facts)

    questions.append(Prediction(
        "Switch from payment by results (with MRET) to fixed income, with the same schemes. "
        "What happens to the NHS system's expected benefit?",
        ["It rises", "It falls", "It stays the same"], rule_and_system))
    return questions
