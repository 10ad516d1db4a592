"""The lessons' prediction moments, each built for a system by the model at run time.

Each factory returns a :class:`casestudy.ui.predict.Moment`: its question and options in
this system's names, the right option and its explanation from the model, and what to
reveal. A lesson shows a moment with one line (``predict.predict("lesson4.demand")``);
the facilitator's console opens the same moment for the room (every moment registered here
is in its list).

No moment computes its answer twice: lesson 2's read :func:`casestudy.behaviours.deal`
(the facts its panels, prose and checks read) and :mod:`casestudy.words.lesson2`; the other
lessons' key moments are the lesson's own check of that question (``lessonN.checks``),
whose answer the model computes, asked before the panel that shows it instead of after.

Every wrong option is a misconception a room really holds; each is named in a comment.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..behaviours import (
    TOLERANCE_GBP_M,
    Deal,
    Shift,
    deal,
    shift_by_rule,
    shift_by_rule_shown,
    shift_for,
)
from ..charts import LiveSpec
from ..charts.behaviours import shift_by_rule_figure
from ..formats import money, percent
from ..scenario import BRADFORD_ACTIVITY_PRESET, PRESET_LABELS, Scenario, preset_phrase
from ..system import System
from ..words import lesson2 as words2
from ..words import to_html
from .common import Quiz, chart_outputs
from .default import default_system
from .predict import Moment, Steps, Unavailable, moment, sequence

# The activity-based rule the lesson sets against fixed income: the rule of the Bradford
# years (payment by results with the marginal rate for emergency admissions above a baseline).
ACTIVITY_PRESET = BRADFORD_ACTIVITY_PRESET
# Lesson 2's rules in the order the page reveals them: the known one, then one at a time.
LESSON2_RULES = ("fixed_income", ACTIVITY_PRESET, "blended")


def _from_check(moment_id: str, title: str, check: Quiz) -> Moment:
    """A lesson's check asked as a moment: the same question, options and computed answer
    (the check's own explanation of the right option)."""
    return Moment(id=moment_id, question=check.question, options=tuple(check.options),
                  answer=check.correct, explanation=html.escape(check.explanations[check.correct]),
                  title=title)


# --------------------------------------------------------------------------- lesson 1


@moment("lesson1.every_scheme")
def lesson1_every_scheme(system: System) -> Moment:
    """Lesson 1's key moment: back every scheme on the list, or the best few?"""
    from . import lesson1

    check = lesson1.checks(system)[0]
    # Options (lesson1.checks): "Higher: more schemes, more benefit" is the misconception
    # that schemes' benefits add up whatever the leadership they need; "About the same" is
    # the belief that extra schemes are harmless extras (they cost money whether or not they
    # deliver). The answer is "Lower" when the model says so for this system.
    return _from_check("lesson1.every_scheme", "Lesson 1: every scheme, or the best few?",
                       check)


# --------------------------------------------------------------------------- lesson 2


def _lesson2_shift(system: System) -> Shift:
    return shift_for(system)  # a ScenarioError (a ValueError) if the system has no shift


def _deals(system: System, shift: Shift) -> dict[str, Deal]:
    """The lesson's deal under each of its rules: the facts its panels and words read."""
    deals = words2.rule_deals(system, shift)  # the activity rule and fixed income
    return {p: deals[p] if p in deals else deal(system, Scenario.preset(p), shift)
            for p in LESSON2_RULES}


def rules_chart(system: System, shift: Shift, rules: tuple[str, ...], title: str) -> widgets.Widget:
    """The shift under ``rules`` only (the rules revealed so far), drawn as the panel draws
    every rule."""
    frame = shift_by_rule(system, Scenario.preset("fixed_income"), shift, presets=rules)
    drawn = shift_by_rule_shown(frame.assign(chosen=False),
                                (shift.acute_id, shift.funder_id, shift.deliverer_id))
    figure = shift_by_rule_figure(drawn, title)
    out = widgets.Output()
    out.outputs = chart_outputs([LiveSpec().spec(figure)], [figure])
    return out


def _moved(value: float) -> str:
    return (f"gains {money(value)} from it" if value > TOLERANCE_GBP_M else
            f"loses {money(-value)} from it" if value < -TOLERANCE_GBP_M else
            "neither gains nor loses from it")


@moment("lesson2.shift_rule")
def lesson2_shift_rule(system: System) -> Moment:
    """Lesson 2's key moment: the same shift of care out of hospital, under fixed income and
    then paid by results. Does the acute trust gain or lose from it?"""
    shift = _lesson2_shift(system)
    deals = _deals(system, shift)
    acute = system.org_name(shift.acute_id)
    under_fixed = deals["fixed_income"].change(shift.acute_id)
    under_activity = deals[ACTIVITY_PRESET].change(shift.acute_id)
    answer = 0 if under_activity > TOLERANCE_GBP_M else 1 if under_activity < -TOLERANCE_GBP_M else 2
    rule = PRESET_LABELS[ACTIVITY_PRESET]
    question = (f"A community service takes {shift.share:.0%} of {acute}'s emergency admissions "
                f"out of hospital. Under fixed income, the trust {_moved(under_fixed)}. Now the "
                f"payment rule is \"{rule}\". What happens to the trust's position from the "
                "same shift?")
    options = (
        # The misconception that doing less costs less, so the trust must come out ahead
        # whatever it is paid (it forgets the income that leaves with the admissions).
        "It gains from the shift",
        "It loses from the shift",
        # The misconception that the whole system's unchanged total means nobody's moves:
        # a rule moves money between the partners.
        "Its position does not change",
    )
    facts = deals[ACTIVITY_PRESET]
    explanation = (
        f"{html.escape(words2.acute_explanation(system, facts))} The other "
        f"{money(facts.stranded.stranded_cost_gbp_m)} of what the lost admissions cost is "
        "stranded (wards, rotas and overheads still there). The rule moves money between the "
        f"partners: the whole system changes by {money(facts.system_change_gbp_m)} under both "
        "rules.")
    return Moment(id="lesson2.shift_rule", question=question, options=options, answer=answer,
                  explanation=explanation, title="Lesson 2: the same shift, paid by results",
                  reveal=lambda: rules_chart(system, shift, LESSON2_RULES[:2],
                                             "The same shift under the two rules so far"))


@moment("lesson2.blended")
def lesson2_blended(system: System) -> Moment:
    """Lesson 2's next rule: the 2019/20 blended payment. Against payment by results with
    the marginal rate, does the trust lose less, more, or gain?"""
    shift = _lesson2_shift(system)
    deals = _deals(system, shift)
    acute = system.org_name(shift.acute_id)
    before = deals[ACTIVITY_PRESET].change(shift.acute_id)
    facts = deals["blended"]
    value = facts.change(shift.acute_id)
    if value > TOLERANCE_GBP_M:
        answer = 0
    elif value >= -TOLERANCE_GBP_M:
        answer = 3
    else:
        answer = 1 if value > before + TOLERANCE_GBP_M else 2
    short = PRESET_LABELS[ACTIVITY_PRESET].split(" (")[0]
    rate = Scenario.preset("blended").blended_rate_below_plan
    question = (f"The same shift under the 2019/20 \"{PRESET_LABELS['blended']}\" payment: a "
                "fixed sum for the planned emergency admissions, plus or minus "
                f"{percent(rate)} of the price of each admission above or below plan. What happens to {acute}'s "
                "position?")
    options = (
        # The misconception that any payment linked to activity hurts the hospital that
        # does less; here the income it loses is set against the cost it releases.
        "It gains from the shift",
        f"It loses, but less than under {short}",
        # The misconception that every activity-linked rule costs the trust the same.
        f"It loses as much as under {short}, or more",
        # The misconception that a blended payment fixes emergency income entirely.
        "Its position does not change",
    )
    stranded = facts.stranded
    rate = facts.scenario.blended_rate_below_plan
    name = html.escape(acute)
    explanation = (
        f"Under {html.escape(preset_phrase('blended'))}, {name} changes by <b>{money(value)}</b> "
        f"(under {html.escape(short)}: {money(before)}): its income changes by "
        f"{money(stranded.income_change_gbp_m)}, only the variable {percent(rate)} of the price "
        f"of each admission avoided, and it releases {money(stranded.cost_released_gbp_m)} of "
        f"cost. The whole system changes by {money(facts.system_change_gbp_m)} again: the rule "
        "decides who gains, not how much.")
    return Moment(id="lesson2.blended", question=question, options=options, answer=answer,
                  explanation=explanation, title="Lesson 2: the same shift, blended payment",
                  reveal=lambda: rules_chart(system, shift, LESSON2_RULES,
                                             "The same shift under the three rules"))


def lesson2_fixed_income(system: System) -> widgets.Widget:
    """What lesson 2's page shows before the first prediction: the shift under fixed income
    alone, its chart and the panel's words for that rule."""
    shift = _lesson2_shift(system)
    facts = _deals(system, shift)["fixed_income"]
    return widgets.VBox([
        rules_chart(system, shift, LESSON2_RULES[:1], "The shift under fixed income"),
        widgets.HTML(to_html(words2.shift_words(system, facts))),
    ])


def lesson2_rule_by_rule(system: System | None = None) -> Steps | Unavailable:
    """Lesson 2's rules one at a time: the shift under fixed income, then a prediction
    before each next rule's chart (:data:`LESSON2_RULES`)."""
    system = system if system is not None else default_system()
    return sequence("lesson2.shift_rule", "lesson2.blended", system=system,
                    lead=lambda: lesson2_fixed_income(system))


# --------------------------------------------------------------------------- lesson 3


@moment("lesson3.linkage")
def lesson3_linkage(system: System) -> Moment:
    """Lesson 3's key moment: the incentive fund wholly tied to the system's result."""
    from . import lesson3

    check = lesson3.checks(system)[2]
    # Options (lesson3.checks): "Yes: it met its own control total" is the misconception
    # that a linked fund still rewards each partner's own result (or, with no such partner,
    # "All of it": that tying funds to the system cannot cost anyone); "Part of it" that
    # linkage shares out the fund pro rata rather than deciding it for all.
    return _from_check("lesson3.linkage", "Lesson 3: the fund tied to the system", check)


# --------------------------------------------------------------------------- lesson 4


@moment("lesson4.demand")
def lesson4_demand(system: System) -> Moment:
    """Lesson 4's key moment: demand above plan under fixed income; whose position moves?"""
    from . import lesson4

    check = lesson4.checks(system)[0]
    # Options (lesson4.checks): the commissioner's is the payment-by-results habit (the
    # payer pays for extra activity); "Neither: fixed income removes the risk" is the
    # misconception that a fixed price removes volume risk instead of moving it.
    return _from_check("lesson4.demand", "Lesson 4: demand above plan, fixed income", check)


# --------------------------------------------------------------------------- lesson 5


@moment("lesson5.social_care_cut")
def lesson5_social_care_cut(system: System) -> Moment:
    """Lesson 5's key moment: a cut to the council's social care budget, seen by the place."""
    from . import lesson5

    if not lesson5._names(system, "council"):  # the check lesson5.checks asks only then
        raise ValueError("this system has no council, so there is no social care budget to cut")
    check = lesson5.checks(system)[0]
    # Options (lesson5.checks): "Worse off" is the intuition that a cut always costs the
    # place more than it saves (in money the council's saving can exceed the NHS's and the
    # care providers' losses; the explanation says the model counts no cost of the care not
    # given); "No change" that the cost only moves from one partner to another, with nothing
    # lost or saved on the way.
    return _from_check("lesson5.social_care_cut", "Lesson 5: a social care cut", check)
