"""Lesson 5, beyond the NHS: the NHS alone lacks the levers; the council and the voluntary
sector hold some of them.

Two panels: a change to social care funding followed across the NHS boundary (hospital
demand, delayed discharges, who gains and who loses), and voluntary-sector schemes tested
against the system's position. Every figure in the prose comes from the model.

>>> from casestudy import load_system
>>> "council" in situation(load_system()).data
True
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import Markdown

from ..charts.place import boundary_figure, organisation_change_figure, vcs_test_figure
from ..engine import run_year
from ..formats import money, percent
from ..names import markdown_list
from ..place import (
    BOUNDARY_LABELS,
    KnockOn,
    boundary_change,
    boundary_of,
    social_care_knock_on,
    vcs_schemes,
    vcs_test,
)
from ..scenario import (
    BED_WEEK_GBP,
    DELAYED_DAY_FLOOR_GBP,
    DELAYED_DAY_HIGH_GBP,
    Scenario,
    field_info,
)
from ..system import System
from ..words import lesson5 as words
from ..words import to_html
from ..words.lesson5 import count
from .common import Panel, Prediction, Quiz, SchemePicker, SchemesPanel
from .default import default_system

DEFAULT = Scenario.preset("fixed_income")  # the panels' baseline, as in every lesson
CUT = -0.1  # the social care change the lesson starts from and its prose uses: a 10% cut
TOLERANCE_GBP_M = 0.005  # half of the last digit shown (£0.01m)


def _system(system: System | None) -> System:
    return system if system is not None else default_system()


def _names(system: System, boundary: str) -> list[str]:
    groups = boundary_of(system)
    return [system.org_name(o) for o in groups.index[groups == boundary]]


# --------------------------------------------------------------------------- social care


class SocialCarePanel(Panel):
    """A change to the council's social care funding, followed into hospital demand and
    delayed discharges, and across the NHS boundary."""

    fields = ("social_care_budget_change", "social_care_knock_on",
              "delayed_days_per_lost_package", "delayed_day_cost_gbp", "payment")
    title = "Social care funding and the NHS"

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 **start: Any) -> None:
        start.setdefault("social_care_budget_change", CUT)  # start from a cut, so it shows
        super().__init__(system, baseline if baseline is not None else DEFAULT, **start)

    def render(self, scenario: Scenario):
        knock = social_care_knock_on(self.system, scenario)
        figures = [
            boundary_figure(knock.changes, "Who gains and who loses, inside and outside the NHS",
                            "Against no change to social care funding, before incentive funds. "
                            "Grey: the whole place, the sum of the bars above it."),
            organisation_change_figure(knock.organisations, "Each organisation's change"),
        ]
        return figures, social_care_words(self.system, scenario, knock)


def social_care_words(system: System, scenario: Scenario, knock: KnockOn) -> str:
    """The panel's text (HTML) from :func:`casestudy.words.lesson5.social_care_words`."""
    return to_html(words.social_care_words(system, scenario, knock))


# --------------------------------------------------------------------------- voluntary sector


class VoluntaryPanel(SchemesPanel):
    """Choose voluntary-sector schemes and see the NHS organisations' and the place's
    positions move."""

    fields = ("payment", "flex")
    title = "Invest in the voluntary sector"
    what = "voluntary-sector scheme"

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 chosen: tuple[str, ...] | None = None, **start: Any) -> None:
        super().__init__(system, baseline if baseline is not None else DEFAULT, **start)
        self.vcs = vcs_schemes(self.system)
        schemes = self.system.schemes
        orgs = self.system.organisations
        chosen = tuple(self.vcs) if chosen is None else tuple(chosen)
        self.default_chosen = chosen

        def detail(scheme_id: str) -> tuple[str, str]:
            row = schemes.loc[scheme_id]
            line = (f"Paid by {orgs.loc[row.funder_id, 'name']}: {money(row.cost_gbp_m)} a year, "
                    f"{row.evidence} evidence, {percent(row.delivery_probability)} chance of "
                    "delivering")
            return line, line

        self.picker = SchemePicker(self.system, self.vcs, chosen, self.update, detail)
        self.boxes = self.picker.boxes
        rows: list[widgets.Widget] = [widgets.HTML("<b>Voluntary-sector schemes</b>"),
                                      *self.picker.rows]
        if not self.vcs:
            rows.append(widgets.HTML('<div class="cs-help">This system has no scheme delivered '
                                     'by the voluntary sector.</div>'))
        self.extra_controls = rows
        self._tests: dict[Scenario, pd.DataFrame] = {}

    # -- the scenario
    def without_vcs(self, scenario: Scenario) -> Scenario:
        return dataclasses.replace(scenario, schemes=tuple(s for s in scenario.schemes
                                                           if s not in self.vcs))

    def scenario_extras(self) -> dict[str, Any]:
        others = tuple(s for s in self.context.schemes if s not in self.vcs)
        return {"schemes": others + self.picker.chosen}

    def reset_extras(self) -> None:
        self.picker.show(self.default_chosen)

    def tests(self, scenario: Scenario) -> pd.DataFrame:
        """Each VCS scheme on its own, for this payment rule and flex (kept)."""
        key = self.without_vcs(scenario)
        if key not in self._tests:
            self._tests[key] = vcs_test(self.system, key, self.vcs)
        return self._tests[key]

    def render(self, scenario: Scenario):
        without = self.without_vcs(scenario)
        changes = boundary_change(self.system, scenario, without)
        chosen = tuple(s for s in scenario.schemes if s in self.vcs)
        figures = [boundary_figure(changes, "Your voluntary-sector schemes: who gains and who loses",
                                   "Against the same year without them, before incentive funds. "
                                   "Grey: the whole place.")]
        if self.vcs:
            figures.append(vcs_test_figure(self.tests(scenario), chosen))
        return figures, vcs_words(self.system, scenario, changes, chosen)


def vcs_words(system: System, scenario: Scenario, changes: pd.DataFrame,
              chosen: tuple[str, ...]) -> str:
    """The panel's text (HTML) from :func:`casestudy.words.lesson5.vcs_words`."""
    return to_html(words.vcs_words(system, scenario, changes, chosen))


# --------------------------------------------------------------------------- prose


def situation(system: System | None = None) -> Markdown:
    """The partners outside the NHS control total, with this system's figures."""
    system = _system(system)
    year = run_year(system, DEFAULT)
    orgs = system.organisations
    councils = orgs[orgs.kind == "local_authority"]
    lines = year.lines
    council_lines = lines[lines.payer_id.isin(councils.index) & (lines.service == "social_care")]
    packages = float(council_lines.planned_activity.sum())
    spend = float(council_lines.payment_gbp_m.sum())
    outside = orgs[~orgs.in_nhs_control_total]
    vcs = vcs_schemes(system)
    text = (
        f"Outside the NHS control total sit {len(outside)} of this system's {len(orgs)} "
        f"organisations: {markdown_list(outside['name'])}. "
    )
    if len(councils):
        text += (
            f"The council{'s' if len(councils) > 1 else ''} hold{'' if len(councils) > 1 else 's'} "
            f"a social care budget of {money(councils.allocation_gbp_m.sum())} and "
            f"buy{'' if len(councils) > 1 else 's'} "
            f"{count(packages)} packages of care a year from care providers "
            f"({money(spend)}). "
        )
    if vcs:
        cost = float(system.schemes.loc[vcs].cost_gbp_m.sum())
        text += (f"The voluntary sector could deliver {len(vcs)} of the shared schemes "
                 f"({money(cost)} a year between them). ")
    text += ("Bradford's partners concluded that the NHS, on its own, \"does not have the scope "
             "or the levers\" to reach their ambition.")
    return Markdown(text)


def model_in_one_paragraph(system: System | None = None) -> Markdown:
    """How the model links social care funding to hospital demand, with its assumptions."""
    knock = field_info("social_care_knock_on")
    days = field_info("delayed_days_per_lost_package")
    cost = field_info("delayed_day_cost_gbp")
    return Markdown(
        "A change to the council's social care budget changes the packages of care it buys in "
        "the same proportion. Each package not bought has two knock-ons in hospital: more "
        f"emergency admissions (by default a {knock['default']:g}% rise for each 1% fewer "
        f"packages, an assumption on contested evidence) and **delayed discharges** "
        f"({days['default']:g} bed days waiting for each package not bought, at "
        f"£{cost['default']:,.0f} a day to the hospital). That cost is a floor: it is what "
        f"providers' audited accounts show (£{DELAYED_DAY_FLOOR_GBP:,.0f} a day in England in "
        f"2016/17), and the full cost is much higher; Age UK put a hospital bed at about "
        f"£{BED_WEEK_GBP:,.0f} a week, about £{round(DELAYED_DAY_HIGH_GBP, -1):,.0f} a day. Move "
        "the cost of a delayed day to see the range. The engine then runs the year as "
        "usual: the council pays less, the care providers lose the income and release only "
        "the cost that moves with activity, the hospitals carry the extra admissions at their "
        "**marginal cost** and the delayed days in full, and the payment rule decides which "
        "NHS organisation pays."
    )


def what_this_means(system: System | None = None) -> Markdown:
    """The lesson for this system: across the boundary, and the voluntary sector."""
    system = _system(system)
    if not _names(system, "council"):
        return Markdown("This system has no council in its data, so the social care side of the "
                        "lesson cannot be shown here; add one to see it.")
    cut = dataclasses.replace(DEFAULT, social_care_budget_change=CUT)
    low = social_care_knock_on(system, cut)
    high = social_care_knock_on(system, dataclasses.replace(cut, social_care_knock_on=1.0))
    council = "councils" if len(_names(system, "council")) > 1 else "council"
    text = (
        f"- **Across the boundary**: a {abs(CUT):.0%} cut to social care saves the {council} "
        f"{money(low.council_saving_gbp_m)} on packages. With the default knock-on "
        f"{money(low.nhs_cost_gbp_m)} of it ({low.share_reappearing:.0%}) reappears as NHS cost; "
        f"if every 1% fewer packages meant 1% more emergency admissions, "
        f"{money(high.nhs_cost_gbp_m)} ({high.share_reappearing:.0%}). The NHS control total "
        f"sees only that part. The whole place changes by {money(low.change('place'), signed=True, fine=True)}: "
        f"the care providers' {money(low.change('care_provider'), signed=True, fine=True)} is cost they cannot "
        f"release as fast as they lose the income.\n"
    )
    vcs = vcs_schemes(system)
    if vcs:
        every = dataclasses.replace(DEFAULT, schemes=tuple(vcs))
        now = boundary_change(system, every, DEFAULT).set_index("boundary").change_gbp_m
        flexed = boundary_change(system, dataclasses.replace(every, flex=1.0),
                                 dataclasses.replace(DEFAULT, flex=1.0)
                                 ).set_index("boundary").change_gbp_m
        which = "its one scheme" if len(vcs) == 1 else f"all {len(vcs)} of its schemes together"
        text += (
            f"- **The voluntary sector**: {which} change{'s' if len(vcs) == 1 else ''} the "
            f"place's position by {money(now['place'], signed=True, fine=True)} in the year as things stand, and by "
            f"{money(flexed['place'], signed=True, fine=True)} if every provider can add or take out wards and "
            f"rotas as its activity moves (capacity flex at 100%). The case for them rests on "
            f"taking capacity out, on more than one year, and on outcomes these figures leave "
            f"out.\n"
        )
    text += ("- **For your system**: a shared view of the place, not only the NHS control total, "
             "is what stops one partner's saving becoming another's cost.")
    return Markdown(text)


# --------------------------------------------------------------------------- checks


def checks(system: System | None = None) -> list[Quiz]:
    """Four checks of understanding, each answered by the model at run time."""
    system = _system(system)
    cut = dataclasses.replace(DEFAULT, social_care_budget_change=CUT)
    questions: list[Quiz] = []
    has_council = bool(_names(system, "council"))

    if has_council:
        def place() -> tuple[int, str]:
            knock = social_care_knock_on(system, cut)
            total = knock.change("place")
            answer = 0 if total > TOLERANCE_GBP_M else 1 if total < -TOLERANCE_GBP_M else 2
            return answer, (
                f"The model says the whole place changes by {money(total, signed=True, fine=True)}: the council's "
                f"budget falls by {money(-knock.council_budget_change_gbp_m)}, the care providers "
                f"lose more income than the cost they can release, and the hospitals pay "
                f"{money(knock.nhs_cost_gbp_m)} for extra admissions and delayed discharges.")

        questions.append(Prediction(
            f"The council's social care budget is cut by {abs(CUT):.0%}. Will the whole place "
            "(NHS, council, care providers, voluntary sector) be better or worse off in money?",
            ["Better off", "Worse off", "No change"], place))

        def who_pays() -> tuple[int, str]:
            orgs = social_care_knock_on(system, cut).organisations
            by_kind = orgs.groupby("kind").change_gbp_m.sum()
            commissioners = float(by_kind.get("commissioner", 0.0))
            acute = float(by_kind.get("acute", 0.0))
            if min(commissioners, acute) > -TOLERANCE_GBP_M:
                answer = 2
            else:
                answer = 1 if acute < commissioners else 0
            return answer, (
                f"The model says: commissioners {money(commissioners, signed=True, fine=True)}, acute trusts "
                f"{money(acute, signed=True, fine=True)}. Under fixed income the commissioners' payments do not move "
                "with activity, so the trusts carry the extra admissions at their marginal cost "
                "and the delayed days in full.")

        questions.append(Prediction(
            "Under fixed-income contracts, who inside the NHS pays for the extra emergency "
            "admissions and delayed discharges that follow the cut?",
            ["The commissioners", "The acute trusts", "Nobody"], who_pays))

        knock = social_care_knock_on(system, cut)
        share = knock.share_reappearing
        options = ["Almost none (under 5%)", "Some (5% to 50%)", "Most (over 50%)"]
        if not math.isnan(share):
            correct = 0 if share < 0.05 else 1 if share <= 0.5 else 2
            explanation = (f"The model says {share:.0%}: {money(knock.nhs_cost_gbp_m)} of "
                           f"{money(knock.council_saving_gbp_m)}, with a knock-on of "
                           f"{DEFAULT.social_care_knock_on:g}% more admissions per 1% fewer "
                           "packages. The evidence on that link is contested; move the slider "
                           "to see how much the answer depends on it.")
            questions.append(Quiz(
                f"With the default assumptions, how much of what the council saves on packages "
                f"after a {abs(CUT):.0%} cut reappears as NHS cost?", options, correct,
                [explanation if i == correct else f"Not with these assumptions. {explanation}"
                 for i in range(len(options))]))

    vcs = vcs_schemes(system)
    if vcs:
        every = dataclasses.replace(DEFAULT, schemes=tuple(vcs))

        def vcs_pays() -> tuple[int, str]:
            change = boundary_change(system, every, DEFAULT).set_index("boundary").change_gbp_m
            answer = 0 if change["nhs"] > TOLERANCE_GBP_M else 1
            funders = system.schemes.loc[vcs].funder_id
            outside = [system.org_name(f) for f in dict.fromkeys(funders)
                       if boundary_of(system)[f] != "nhs"]
            why = (f"they are paid for by {', '.join(outside)}, outside the NHS, so the NHS keeps "
                   "what the activity avoided saves it without paying for the schemes"
                   if len(outside) == funders.nunique() else
                   "the NHS pays their full cost, while the activity avoided in hospital releases "
                   "only its marginal cost unless capacity is taken out")
            return answer, (
                f"The model says the NHS organisations change by {money(change['nhs'], signed=True, fine=True)} and "
                f"the place by {money(change['place'], signed=True, fine=True)} in the year, with capacity flex at "
                f"{DEFAULT.flex:.0%}: {why}.")

        questions.append(Prediction(
            ("The partners fund the voluntary sector's one scheme. " if len(vcs) == 1 else
             f"The partners fund all {len(vcs)} voluntary-sector schemes. ")
            + "Will the NHS organisations' position improve in the first year?",
            ["Yes", "No"], vcs_pays))
    # Systems without a council or voluntary-sector schemes still get four questions.
    for extra in (_marginal_cost_quiz(system), _boundary_quiz(system)):
        if len(questions) < 4 and extra is not None:
            questions.append(extra)
    return questions


def _boundary_quiz(system: System) -> Quiz:
    """Which positions the NHS control total counts, answered from the data."""
    groups = boundary_of(system)
    outside = [BOUNDARY_LABELS[b].lower() for b in ("council", "care_provider", "voluntary")
               if (groups == b).any()]
    counted = int((groups == "nhs").sum())
    explanation = (f"It counts the {counted} organisations inside it"
                   + (f"; the {', '.join(outside)} are outside it." if outside else ".")
                   + " Cost moved to them, or from them, is invisible to it.")
    return Quiz("Does the NHS control total include the positions of the partners outside the "
                "NHS (council, care providers, voluntary sector)?", ["Yes", "No"], 1,
                [f"No. {explanation}", f"Right. {explanation}"])


def _marginal_cost_quiz(system: System) -> Quiz | None:
    """How much of a hospital's cost goes when its activity goes, from its cost shares."""
    orgs = system.organisations
    acute = orgs[orgs.kind == "acute"]
    if acute.empty:
        return None
    org = acute.cost_base_gbp_m.idxmax()
    row = acute.loc[org]
    released = float(row.variable_share + row.semi_fixed_share * DEFAULT.flex)
    options = ["Almost all of it", "About half", "Well under half"]
    correct = 0 if released > 0.8 else 1 if released >= 0.4 else 2
    explanation = (f"The model says {released:.0%} for {system.org_name(org)}: its variable "
                   f"costs ({row.variable_share:.0%}) and the part of its semi-fixed costs "
                   f"({row.semi_fixed_share:.0%}) it can flex within the year "
                   f"({DEFAULT.flex:.0%} of them). The rest is stranded cost.")
    return Quiz(f"When fewer patients are admitted to {system.org_name(org)}, how much of the cost "
                "of those admissions can it release within the year?", options, correct,
                [explanation if i == correct else f"Not in this model. {explanation}"
                 for i in range(len(options))])
