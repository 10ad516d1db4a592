"""The lessons' prediction moments, each built for a system by the model at run time.

Each factory returns a :class:`casestudy.ui.predict.Moment`: its question and options in
this system's names, the right option and its explanation from the model, and what to
reveal. A lesson shows a moment with one line (``predict.predict("lesson2.shift_rule")``);
the facilitator's console opens the same moment for the room.

(Kept apart from the lessons' prose modules: the lessons adopt their moments one by one.)
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..behaviours import (
    TOLERANCE_GBP_M,
    shift_by_rule,
    shift_by_rule_shown,
    shift_changes,
    shift_for,
    stranded_cost,
)
from ..charts import LiveSpec, money
from ..charts.behaviours import shift_by_rule_figure
from ..scenario import BRADFORD_ACTIVITY_PRESET, PRESET_LABELS, Scenario, mid_sentence
from ..system import System
from .common import chart_outputs
from .predict import Moment, moment

# The activity-based rule the lesson sets against fixed income: the rule of the Bradford
# years (payment by results with the marginal rate for emergency admissions above a baseline).
ACTIVITY_PRESET = BRADFORD_ACTIVITY_PRESET


@moment("lesson2.shift_rule")
def lesson2_shift_rule(system: System) -> Moment:
    """Lesson 2's key moment: the same shift of care out of hospital, under fixed income and
    then paid by results. Does the acute trust gain or lose from it?"""
    shift = shift_for(system)  # a ScenarioError (a ValueError) if the system has no shift
    fixed = Scenario.preset("fixed_income")
    activity = Scenario.preset(ACTIVITY_PRESET)
    acute = system.org_name(shift.acute_id)
    under_fixed = float(shift_changes(system, fixed, shift).loc[shift.acute_id, "change_gbp_m"])
    under_activity = float(shift_changes(system, activity, shift)
                           .loc[shift.acute_id, "change_gbp_m"])
    answer = 0 if under_activity > TOLERANCE_GBP_M else 1 if under_activity < -TOLERANCE_GBP_M else 2
    detail = stranded_cost(system, activity, shift)
    rule = PRESET_LABELS[ACTIVITY_PRESET]
    moved = (f"gains {money(under_fixed)} from it" if under_fixed > TOLERANCE_GBP_M else
             f"loses {money(-under_fixed)} from it" if under_fixed < -TOLERANCE_GBP_M else
             "neither gains nor loses from it")
    question = (f"A community service takes {shift.share:.0%} of {acute}'s emergency admissions "
                f"out of hospital. Under fixed income, the trust {moved}. Now the payment rule "
                f"is \"{rule}\". What happens to the trust's position from the same shift?")
    options = ("It gains from the shift", "It loses from the shift",
               "Its position does not change")
    name = html.escape(acute)
    explanation = (
        f"Under {html.escape(mid_sentence(rule))}, {name} changes by <b>{money(under_activity)}</b>: "
        f"its income falls by {money(-detail.income_change_gbp_m)} with the admissions, but "
        f"it releases only {money(detail.cost_released_gbp_m)} of cost; the other "
        f"{money(detail.stranded_cost_gbp_m)} is stranded (wards, rotas and overheads still "
        "there). The rule moves money between the partners; the whole system's change is the "
        "same under both rules.")

    def reveal() -> widgets.Widget:
        frame = shift_by_rule(system, fixed, shift)
        rules = ["fixed_income", ACTIVITY_PRESET]  # the known rule first, then the new one
        frame = (frame[frame.payment.isin(rules)].assign(chosen=False)
                 .sort_values("payment", key=lambda p: p.map(rules.index), kind="stable"))
        drawn = shift_by_rule_shown(frame, (shift.acute_id, shift.funder_id, shift.deliverer_id))
        figure = shift_by_rule_figure(drawn, "The same shift under both rules")
        out = widgets.Output()
        out.outputs = chart_outputs([LiveSpec().spec(figure)], [figure])
        return out

    return Moment(id="lesson2.shift_rule", question=question, options=options, answer=answer,
                  explanation=explanation, reveal=reveal,
                  title="Lesson 2: the same shift, paid by results")
