"""Lesson 2, no winners and losers: one shift of care out of hospital under each payment
rule, the gain share that leaves nobody worse off, and contracting one to one against
contracting as a group.

Every figure in the prose comes from the model at run time.

>>> from casestudy import load_system
>>> "emergency admissions" in situation(load_system()).data
True
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import Markdown

from ..behaviours import (
    ROUNDING_GBP_M,
    SHIFT_SHARE,
    SYSTEM_ID,
    TOLERANCE_GBP_M,
    GainShare,
    Shift,
    contracting,
    gain_share,
    shift_by_rule,
    shift_by_rule_shown,
    shift_changes,
    shift_for,
    stranded_cost,
)
from ..charts import money
from ..charts.behaviours import contracting_figure, gain_share_figure, shift_by_rule_figure
from ..errors import ScenarioError
from ..names import markdown_text as md
from ..scenario import BRADFORD_ACTIVITY_PRESET as ACTIVITY_RULE
from ..scenario import BRADFORD_PRESETS, PRESETS, Scenario, preset_phrase
from ..system import System
from .common import CONTROL_WIDTH, SLIDER_LABEL_WIDTH, FloatSlider, Panel, Prediction
from .default import default_system

DEFAULT = Scenario.preset("fixed_income")  # the panels' baseline, as in every lesson


def shown_rules(scenario: Scenario) -> tuple[str, ...]:
    """The rules the shift chart compares: those of the Bradford years, and the learner's
    rule when it is another preset."""
    chosen = scenario.payment if isinstance(scenario.payment, str) else None
    extra = (chosen,) if chosen in PRESETS and chosen not in BRADFORD_PRESETS else ()
    return (*BRADFORD_PRESETS, *extra)


def _system(system: System | None) -> System:
    return system if system is not None else default_system()


def _shift(system: System, share: float = SHIFT_SHARE["default"]) -> tuple[Shift | None, str]:
    """The lesson's shift in this system, or None and the reason it cannot be built."""
    try:
        return shift_for(system, share=share), ""
    except ScenarioError as exc:
        return None, str(exc)


def _parties(changes: pd.DataFrame, shift: Shift) -> list[str]:
    """The organisations in the deal: the shift's three, and anyone else it moves."""
    moved = changes.index[changes.change_gbp_m.abs() > TOLERANCE_GBP_M]
    keep = {shift.acute_id, shift.funder_id, shift.deliverer_id, *moved}
    return [org for org in changes.index if org in keep]


def _cost(value_gbp_m: float) -> str:
    """The service's cost to two decimals (£0.95m, not £1.0m), so that it divided by the
    admissions avoided gives the cost per admission the prose quotes."""
    return f"{'-' if value_gbp_m < -0.005 else ''}£{abs(value_gbp_m):,.2f}m"


ENVELOPE = ("one envelope (a single budget for the whole contract, shared by all the "
            "partners)")


def _pct(share: float) -> str:
    return f"{share:.1%}".replace(".0%", "%")


def _names(system: System, ids: list[str]) -> str:
    """Organisations' names as a phrase (plain text: escape it for HTML)."""
    names = [system.org_name(i) for i in ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _decision(system: System, frame: pd.DataFrame) -> list[str]:
    words = []
    for key, row in frame.iterrows():
        if row.goes_ahead:
            words.append("Goes ahead")
        elif key == "as_a_group":
            words.append("Does not happen: the system as a whole loses")
        else:
            words.append("Blocked by " + _names(system, row.blocked_by))
    return words


def _lower_first(text: str) -> str:
    """Lower the first letter only, keeping names' capitals: 'Blocked by X' -> 'blocked by X'."""
    return text[:1].lower() + text[1:]


# --------------------------------------------------------------------------- panels


class _ShiftPanel(Panel):
    """The controls the lesson's panels share: the payment rule, capacity flex and the size
    of the shift (a knob of the lesson, not a scenario field, described once in
    :data:`casestudy.behaviours.SHIFT_SHARE`)."""

    fields = ("payment", "flex")

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 shift_share: float = SHIFT_SHARE["default"], **start: Any) -> None:
        super().__init__(system, baseline, **start)
        self.base_shift, self.problem = _shift(self.system)
        self.share = FloatSlider(
            value=shift_share, min=SHIFT_SHARE["min"], max=SHIFT_SHARE["max"],
            step=SHIFT_SHARE["step"], readout_format=".1%", continuous_update=False,
            description=SHIFT_SHARE["label"], tooltip=SHIFT_SHARE["help"],
            style={"description_width": SLIDER_LABEL_WIDTH}, layout=widgets.Layout(width=CONTROL_WIDTH))
        self.share.observe(self.update, names="value")
        help_text = f"{SHIFT_SHARE['help']}. Unit: {SHIFT_SHARE['unit']}."
        self.extra_controls = [self.share,
                               widgets.HTML(f'<div class="cs-help">{html.escape(help_text)}</div>')]

    def shift(self) -> Shift | None:
        if self.base_shift is None:
            return None
        return dataclasses.replace(self.base_shift, share=self.share.value)

    def reset_extras(self) -> None:
        self.share.value = SHIFT_SHARE["default"]

    def update(self, change: Any = None) -> None:
        super().update(change)
        if not self._paused and self.share.value != SHIFT_SHARE["default"]:
            # The shift's size is not a scenario field, so the panel adds it to the changes.
            note = (f"; {SHIFT_SHARE['label']} {_pct(self.share.value)} instead of "
                    f"{_pct(SHIFT_SHARE['default'])}")
            self.changes.value = self.changes.value.replace("</div>", html.escape(note) + "</div>")

    def _no_shift(self) -> tuple[list, str]:
        return [], (f"<p><b>This lesson's shift cannot be built for this system:</b> "
                    f"{html.escape(self.problem)}.</p>")


class ShiftPanel(_ShiftPanel):
    """One shift of care out of hospital: each organisation's change under every rule."""

    title = "Move care out of hospital: who gains, who loses?"

    def render(self, scenario: Scenario):
        shift = self.shift()
        if shift is None:
            return self._no_shift()
        frame = shift_by_rule(self.system, scenario, shift, presets=shown_rules(scenario))
        changes = frame[frame.chosen.to_numpy()].set_index("org_id")
        # The shift's three, everyone who moves by more than rounding under any rule, and the
        # rest added up in one bar: the bars drawn add up to the system's under every rule.
        drawn = shift_by_rule_shown(frame, (shift.acute_id, shift.funder_id, shift.deliverer_id))
        figure = shift_by_rule_figure(drawn,
                                      "Change in each organisation's position, by payment rule")
        return figure, self._words(scenario, shift, changes)

    def _words(self, scenario: Scenario, shift: Shift, changes: pd.DataFrame) -> str:
        acute = stranded_cost(self.system, scenario, shift)
        name = html.escape(self.system.org_name(shift.acute_id))
        funder = html.escape(self.system.org_name(shift.funder_id))
        deliverer = html.escape(self.system.org_name(shift.deliverer_id))
        rule = html.escape(scenario.payment_phrase)
        total = changes.loc[SYSTEM_ID, "change_gbp_m"]
        income = (f"its income changes by {money(acute.income_change_gbp_m)}"
                  if abs(acute.income_change_gbp_m) > TOLERANCE_GBP_M else "its income does not move")
        trio = (shift.acute_id, shift.funder_id, shift.deliverer_id)
        others = [o for o in changes.index.drop(SYSTEM_ID) if o not in trio
                  and abs(changes.loc[o, "change_gbp_m"]) > ROUNDING_GBP_M]
        also = "".join(f"; {html.escape(self.system.org_name(o))}, by "
                       f"<b>{money(changes.loc[o, 'change_gbp_m'])}</b>" for o in others)
        return (
            f"<p>The shift moves {_pct(shift.share)} of {name}'s emergency admissions "
            f"({acute.admissions_avoided:,.0f} a year) into a community service run by "
            f"{deliverer} and paid for by {funder} ({_cost(acute.scheme_cost_gbp_m)} a year).</p>"
            f"<p><b>Under {rule}</b>, {name} changes by "
            f"<b>{money(changes.loc[shift.acute_id, 'change_gbp_m'])}</b>: {income}, and it "
            f"releases {money(acute.cost_released_gbp_m)} of the "
            f"{money(acute.average_cost_gbp_m)} the lost activity cost; the other "
            f"<b>{money(acute.stranded_cost_gbp_m)} is stranded</b> (wards, rotas and overheads "
            f"still there; raise capacity flex to release more). {funder} changes by "
            f"<b>{money(changes.loc[shift.funder_id, 'change_gbp_m'])}</b>; {deliverer}, which "
            f"runs the service, by {money(changes.loc[shift.deliverer_id, 'change_gbp_m'])}"
            f"{also}.</p>"
            f"<p>The whole system changes by <b>{money(total)}</b> under every rule (baseline: no "
            f"shift, {money(0)}): the rule decides who gains, not how much.</p>"
        )


class GainSharePanel(_ShiftPanel):
    """The gain share that leaves nobody worse off; one to one against one envelope."""

    title = "No winners and losers: share the gain"

    def render(self, scenario: Scenario):
        shift = self.shift()
        if shift is None:
            return self._no_shift()
        changes = shift_changes(self.system, scenario, shift)
        parties = _parties(changes, shift)
        shared = gain_share(changes.change_gbp_m.loc[parties])
        orgs = self.system.organisations
        table = shared.table.assign(name=orgs["name"].reindex(parties).to_numpy(),
                                    kind=orgs["kind"].reindex(parties).to_numpy())
        system_row = pd.DataFrame({"change_gbp_m": [shared.system_gain_gbp_m],
                                   "transfer_gbp_m": [0.0],
                                   "after_gbp_m": [shared.system_gain_gbp_m],
                                   "name": ["Whole system (all partners)"], "kind": [SYSTEM_ID]},
                                  index=[SYSTEM_ID])
        table = pd.concat([table, system_row])
        deal = contracting(changes.change_gbp_m.loc[parties])
        deal = deal.assign(decision=_decision(self.system, deal))
        rule = scenario.payment_phrase
        figures = [
            gain_share_figure(table, shared.share_of_gains, shared.possible,
                              f"The gain share that leaves nobody worse off ({rule})"),
            contracting_figure(deal, "What the system gets: one to one or as a group"),
        ]
        return figures, self._words(scenario, shift, shared, deal)

    def _words(self, scenario: Scenario, shift: Shift, shared: GainShare,
               deal: pd.DataFrame) -> str:
        system = self.system
        rule = html.escape(scenario.payment_phrase)
        table = shared.table
        if not shared.losers:
            sharing = "Nobody loses, so no gain share is needed."
        elif shared.possible:
            paid = "; ".join(f"{html.escape(system.org_name(o))} receives "
                             f"{money(table.loc[o, 'transfer_gbp_m'])}" for o in shared.losers)
            sharing = (f"If the winners ({html.escape(_names(system, shared.winners))}) pass "
                       f"<b>{shared.share_of_gains:.0%} of their gains</b> to the losers, nobody "
                       f"is worse off: {paid}.")
        else:
            sharing = (f"<b>The system as a whole loses {money(-shared.system_gain_gbp_m)}</b>: the "
                       "cost it releases is less than the community service costs, so no gain "
                       "share can leave everyone whole. Raise capacity flex (more cost released) "
                       "or look for a cheaper service.")
        losers = "; ".join(f"{html.escape(system.org_name(o))} {money(table.loc[o, 'change_gbp_m'])}"
                           for o in shared.losers) or "nobody"
        one, group = deal.loc["one_to_one"], deal.loc["as_a_group"]
        return (
            f"<p><b>Under {rule}</b>, on their own the partners who lose are: {losers}; the "
            f"system as a whole changes by {money(shared.system_gain_gbp_m)} (baseline: no "
            f"shift, {money(0)}). {sharing}</p>"
            f"<p><b>One to one</b> (each signs only if it does not lose): "
            f"{html.escape(_lower_first(one.decision))}, so the system gets "
            f"{money(one.system_gain_gbp_m)}. <b>As a group</b> for {html.escape(ENVELOPE)}: "
            f"{html.escape(_lower_first(group.decision))}, and the system gets "
            f"{money(group.system_gain_gbp_m)}.</p>"
        )


# --------------------------------------------------------------------------- prose


def situation(system: System | None = None) -> Markdown:
    """The shift the lesson follows, with this system's organisations and figures."""
    system = _system(system)
    shift, problem = _shift(system)
    if shift is None:
        return Markdown(f"This lesson follows one shift of emergency admissions out of hospital, "
                        f"but it cannot be built for this system: {md(problem)}.")
    acute = stranded_cost(system, DEFAULT, shift)
    # The service costs the same for each admission it avoids: cost = that price x admissions.
    each = (f", about £{shift.cost_per_admission_gbp:,.0f} for each of the "
            f"{acute.admissions_avoided:,.0f} admissions avoided")
    template = (f" (the cost per admission avoided of the data's "
                f"**{md(system.schemes.loc[shift.template_id, 'name'])}**: its cost divided by the "
                f"emergency admissions it avoids)" if shift.template_id else "")
    return Markdown(
        f"The lesson follows one shift of care out of hospital. A community service run by "
        f"**{md(system.org_name(shift.deliverer_id))}** avoids {_pct(shift.share)} of the emergency "
        f"admissions at **{md(system.org_name(shift.acute_id))}**, the largest acute trust: about "
        f"{acute.admissions_avoided:,.0f} admissions a year. "
        f"**{md(system.org_name(shift.funder_id))}**, which buys most of the trust's emergency care, "
        f"pays for the service: {_cost(acute.scheme_cost_gbp_m)} a year{each}{template}."
    )


def model_in_one_paragraph(system: System | None = None) -> Markdown:
    """What moves when admissions leave the hospital, with this system's numbers."""
    system = _system(system)
    shift, problem = _shift(system)
    if shift is None:
        return Markdown(f"The model cannot build this lesson's shift here: {md(problem)}.")
    orgs = system.organisations
    row = orgs.loc[shift.acute_id]
    acute = stranded_cost(system, DEFAULT, shift)
    # The share of its price each admission takes with it under the Bradford years' tariff:
    # the marginal rate (MRET) above the baseline, against the whole price under pure PbR.
    mret = stranded_cost(system, Scenario.preset(ACTIVITY_RULE), shift).income_change_gbp_m
    pure = stranded_cost(system, Scenario.preset("payment_by_results"), shift).income_change_gbp_m
    share = mret / pure if pure else 0.0
    return Markdown(
        f"Each emergency admission that leaves {md(system.org_name(shift.acute_id))} takes "
        f"{share:.0%} of its price with it under {preset_phrase(ACTIVITY_RULE)}, where "
        f"admissions above a baseline were paid at the marginal rate (the whole price under "
        f"pure payment by results, a teaching extreme; none under fixed income). It takes only "
        f"part of its cost: in this system the trust's cost "
        f"base is {row.fixed_share:.0%} fixed, {row.semi_fixed_share:.0%} semi-fixed and "
        f"{row.variable_share:.0%} variable, and with the default capacity flex of "
        f"{DEFAULT.flex:g} it releases {money(acute.cost_released_gbp_m)} of the "
        f"{money(acute.average_cost_gbp_m)} the lost activity cost. The rest, "
        f"{money(acute.stranded_cost_gbp_m)}, is stranded. The model runs the year with and "
        f"without the shift under each payment rule and reports every organisation's change in "
        f"position, before any incentive fund."
    )


def what_this_means(system: System | None = None) -> Markdown:
    """The lesson for this system: who blocks the shift one to one, and what sharing needs."""
    system = _system(system)
    shift, problem = _shift(system)
    if shift is None:
        return Markdown(f"This lesson's shift cannot be built for this system: {md(problem)}.")
    lines = []
    for preset in (ACTIVITY_RULE, "fixed_income"):
        changes = shift_changes(system, Scenario.preset(preset), shift)
        parties = _parties(changes, shift)
        shared = gain_share(changes.change_gbp_m.loc[parties])
        deal = contracting(changes.change_gbp_m.loc[parties])
        rule = preset_phrase(preset)
        if deal.loc["one_to_one", "goes_ahead"]:
            lines.append(f"under {rule} nobody loses, so even one to one the shift goes ahead")
        elif shared.possible:
            blockers = md(_names(system, deal.loc["one_to_one", "blocked_by"]))
            lines.append(f"under {rule}, {blockers} would block it one to one; passing "
                         f"{shared.share_of_gains:.0%} of the winners' gains makes it work")
        else:
            lines.append(f"under {rule} the system as a whole loses "
                         f"{money(-shared.system_gain_gbp_m)}, so no share can make it work")
    return Markdown(
        "In this system, " + "; ".join(lines) + ". The payment rule decides who has to be "
        f"persuaded; only an agreement made as a group, for {ENVELOPE}, lets a shift that is "
        "good for the system happen whoever it hurts on its own. That is what a strategic "
        "partnering agreement that avoids winners and losers is for."
    )


# --------------------------------------------------------------------------- checks


def checks(system: System | None = None) -> list[Prediction]:
    """Three predictions about the shift, each answered by the model at run time."""
    system = _system(system)
    shift, problem = _shift(system)
    if shift is None:
        raise ScenarioError(f"no checks for lesson 2 in this system: {problem}")
    acute, funder = system.org_name(shift.acute_id), system.org_name(shift.funder_id)
    changes = {p: shift_changes(system, Scenario.preset(p), shift)
               for p in (ACTIVITY_RULE, "fixed_income")}

    def acute_under_pbr() -> tuple[int, str]:
        value = changes[ACTIVITY_RULE].loc[shift.acute_id, "change_gbp_m"]
        answer = 0 if value > TOLERANCE_GBP_M else 1 if value < -TOLERANCE_GBP_M else 2
        detail = stranded_cost(system, Scenario.preset(ACTIVITY_RULE), shift)
        return answer, (f"The model says {acute} changes by {money(value)}: it loses "
                        f"{money(-detail.income_change_gbp_m)} of income but releases only "
                        f"{money(detail.cost_released_gbp_m)} of cost.")

    options = [acute, funder, system.org_name(shift.deliverer_id), "Nobody"]

    def loser_under_fixed() -> tuple[int, str]:
        table = changes["fixed_income"]
        ids = [shift.acute_id, shift.funder_id, shift.deliverer_id]
        values = table.change_gbp_m.loc[ids]
        worst = int(values.to_numpy().argmin())
        answer = worst if values.iloc[worst] < -TOLERANCE_GBP_M else 3
        return answer, ("The model says: " + "; ".join(
            f"{system.org_name(i)} {money(v)}" for i, v in values.items())
            + ". Under fixed income the trust keeps its income and saves cost; the commissioner "
              "pays for the service and saves nothing.")

    def one_to_one() -> tuple[int, str]:
        ahead = {}
        for preset, table in changes.items():
            parties = _parties(table, shift)
            ahead[preset] = bool(contracting(table.change_gbp_m.loc[parties])
                                 .loc["one_to_one", "goes_ahead"])
        answer = {(True, False): 0, (False, True): 1, (True, True): 2, (False, False): 3}[
            (ahead[ACTIVITY_RULE], ahead["fixed_income"])]
        return answer, ("The model says: one to one, the shift "
                        + ("goes ahead" if ahead[ACTIVITY_RULE] else "is blocked")
                        + f" under {preset_phrase(ACTIVITY_RULE)} and "
                        + ("goes ahead" if ahead["fixed_income"] else "is blocked")
                        + " under fixed income. Someone loses on its own under each rule, "
                          "whoever it is.")

    return [
        Prediction(f"Under {preset_phrase(ACTIVITY_RULE)}, the shift cuts emergency admissions "
                   f"at {acute}. Will {acute} gain or lose?", ["Gain", "Lose", "Neither"],
                   acute_under_pbr),
        Prediction("Now under fixed income. Who is worse off because of the shift?", options,
                   loser_under_fixed),
        Prediction("One to one, each partner signs only if it does not lose. Under which rule "
                   "does the shift go ahead?",
                   ["Payment by results + MRET only", "Fixed income only", "Both", "Neither"],
                   one_to_one),
    ]
