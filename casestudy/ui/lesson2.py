"""Lesson 2, no winners and losers: the panels and checks. The lesson's facts come from
:func:`casestudy.behaviours.deal`; its computed words from :mod:`casestudy.words.lesson2`.

>>> from casestudy import load_system
>>> "emergency admissions" in situation(load_system()).data
True
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

from IPython.display import Markdown

from ..behaviours import (
    SHIFT_SHARE,
    Shift,
    deal,
    lesson_shift,
    shift_by_rule,
    shift_by_rule_shown,
)
from ..charts.behaviours import contracting_figure, gain_share_figure, shift_by_rule_figure
from ..errors import ScenarioError
from ..formats import percent
from ..scenario import BRADFORD_ACTIVITY_PRESET as ACTIVITY_RULE
from ..scenario import BRADFORD_PRESETS, PRESETS, Scenario, preset_phrase
from ..system import System
from ..words import lesson2 as words
from ..words import to_html
from .common import Panel, Prediction, help_line, knob
from .default import default_system

DEFAULT = words.DEFAULT  # the panels' baseline, as in every lesson


def shown_rules(scenario: Scenario) -> tuple[str, ...]:
    """The rules the shift chart compares: those of the Bradford years, and the learner's
    rule when it is another preset."""
    chosen = scenario.payment if isinstance(scenario.payment, str) else None
    extra = (chosen,) if chosen in PRESETS and chosen not in BRADFORD_PRESETS else ()
    return (*BRADFORD_PRESETS, *extra)


def _system(system: System | None) -> System:
    return system if system is not None else default_system()


# --------------------------------------------------------------------------- panels


class _ShiftPanel(Panel):
    """The controls the lesson's panels share: the payment rule, capacity flex and the size
    of the shift (a knob of the lesson, not a scenario field, built from its metadata
    :data:`casestudy.behaviours.SHIFT_SHARE` as a field's control is)."""

    fields = ("payment", "flex")

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 shift_share: float = SHIFT_SHARE["default"], **start: Any) -> None:
        super().__init__(system, baseline, **start)
        self.base_shift, self.problem = lesson_shift(self.system)
        self.share = knob(SHIFT_SHARE, shift_share)
        self.share.observe(self.update, names="value")
        self.extra_controls = [self.share, help_line(SHIFT_SHARE)]

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
            note = (f"; {SHIFT_SHARE['label']} {percent(self.share.value, 1)} instead of "
                    f"{percent(SHIFT_SHARE['default'], 1)}")
            self.changes.value = self.changes.value.replace("</div>", html.escape(note) + "</div>")

    def _no_shift(self) -> tuple[list, str]:
        return [], to_html(words.no_shift(self.problem))


class ShiftPanel(_ShiftPanel):
    """One shift of care out of hospital: each organisation's change under every rule."""

    title = "Move care out of hospital: who gains, who loses?"

    def render(self, scenario: Scenario):
        shift = self.shift()
        if shift is None:
            return self._no_shift()
        frame = shift_by_rule(self.system, scenario, shift, presets=shown_rules(scenario))
        # The shift's three, everyone who moves by more than rounding under any rule, and the
        # rest added up in one bar: the bars drawn add up to the system's under every rule.
        drawn = shift_by_rule_shown(frame, (shift.acute_id, shift.funder_id, shift.deliverer_id))
        figure = shift_by_rule_figure(drawn,
                                      "Change in each organisation's position, by payment rule")
        return figure, to_html(words.shift_words(self.system, deal(self.system, scenario, shift)))


class GainSharePanel(_ShiftPanel):
    """The gain share that leaves nobody worse off; one to one against one envelope."""

    title = "No winners and losers: share the gain"

    def render(self, scenario: Scenario):
        shift = self.shift()
        if shift is None:
            return self._no_shift()
        facts = deal(self.system, scenario, shift)
        decided = facts.contracting.assign(decision=words.decisions(self.system, facts))
        rule = scenario.payment_phrase
        figures = [
            gain_share_figure(facts.table, facts.share.share_of_gains, facts.share.possible,
                              f"The gain share that leaves nobody worse off ({rule})"),
            contracting_figure(decided, "What the system gets: one to one or as a group"),
        ]
        return figures, to_html(words.gain_share_words(self.system, facts))


# --------------------------------------------------------------------------- prose


def situation(system: System | None = None) -> Markdown:
    """The shift the lesson follows, with this system's organisations and figures."""
    return Markdown(words.situation(_system(system)))


def model_in_one_paragraph(system: System | None = None) -> Markdown:
    """What moves when admissions leave the hospital, with this system's numbers."""
    return Markdown(words.model_in_one_paragraph(_system(system)))


def what_this_means(system: System | None = None) -> Markdown:
    """The lesson for this system: who blocks the shift one to one, and what sharing needs."""
    return Markdown(words.what_this_means(_system(system)))


# --------------------------------------------------------------------------- checks


def checks(system: System | None = None) -> list[Prediction]:
    """Three predictions about the shift, each answered by the model at run time."""
    system = _system(system)
    shift, problem = lesson_shift(system)
    if shift is None:
        raise ScenarioError(f"no checks for lesson 2 in this system: {problem}")
    acute, funder = system.org_name(shift.acute_id), system.org_name(shift.funder_id)
    deals = words.rule_deals(system, shift)
    tolerance = 1e-6  # £1: closer to zero counts as no change

    def acute_under_pbr() -> tuple[int, str]:
        value = deals[ACTIVITY_RULE].change(shift.acute_id)
        answer = 0 if value > tolerance else 1 if value < -tolerance else 2
        return answer, words.acute_explanation(system, deals[ACTIVITY_RULE])

    options = [acute, funder, system.org_name(shift.deliverer_id), "Nobody"]

    def loser_under_fixed() -> tuple[int, str]:
        fixed = deals["fixed_income"]
        values = [fixed.change(i) for i in (shift.acute_id, shift.funder_id, shift.deliverer_id)]
        worst = min(range(3), key=values.__getitem__)
        answer = worst if values[worst] < -tolerance else 3
        return answer, words.loser_explanation(system, fixed)

    def one_to_one() -> tuple[int, str]:
        ahead = (deals[ACTIVITY_RULE].one_to_one_goes_ahead, deals["fixed_income"].one_to_one_goes_ahead)
        answer = {(True, False): 0, (False, True): 1, (True, True): 2, (False, False): 3}[ahead]
        return answer, words.one_to_one_explanation(deals)

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
