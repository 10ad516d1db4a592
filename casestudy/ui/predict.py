"""Predict, then reveal: the one home of a lesson's prediction moment.

A **moment** asks a question with a few options; the right answer and its explanation are
computed by the model when the moment is built (never typed), and ``reveal`` builds what
to show once the answer is out (a chart, a panel, words). The outcome stays hidden until
the learner commits a prediction:

- **Alone** (no room in the page's address): commit, then the outcome and one feedback
  line appear at once.
- **In a room** (a table's page, ``?room=CODE&table=TOKEN``): commit sends the table's
  prediction to the room (``Table.predict``; kept and sent when the facilitator opens the
  moment, if it is not open yet). The outcome appears when the facilitator reveals it from
  the console: the page's poller reads the reveal from the store within half a second,
  on every table's page.

The widget is keyboard-operable (radio buttons and buttons with words on them), the
options are a group named by the question (the kit's Voila template gives the group its
role and name), and the status line is announced to screen readers when it changes.

Moments are registered by id (``lesson2.shift_rule``) with a factory that builds them for
a system, so the console can open the same question, with the same options, that the
tables see:

>>> import casestudy as cs
>>> from casestudy.ui import predict
>>> moment = predict.build("lesson2.shift_rule", cs.load_system())
>>> moment.id, len(moment.options), 0 <= moment.answer < len(moment.options)
('lesson2.shift_rule', 3, True)
>>> widget = predict.PredictWidget(moment, page=predict.ALONE)
>>> widget.outcome.layout.display
'none'
>>> widget.commit(moment.answer)
True
>>> widget.outcome.layout.display is None, widget.feedback.value.count("cs-feedback")
(True, 1)
"""

from __future__ import annotations

import html
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
from IPython.display import HTML, Markdown, display

from ..room import RoomError, RoomState
from ..room.kinds import MAX_OPTIONS, validate
from ..system import System
from .common import PANEL_CSS
from .default import default_system
from .live import PageRoom, page_room, poller_for

log = logging.getLogger("casestudy.ui.predict")
ALONE = PageRoom("none")  # a page with no room: pass it to force the learner-alone mode

PREDICT_CSS = """
<style>
.cs-predict { border: 2px solid #0072B2; border-radius: 6px; padding: 8px 14px; margin: 8px 0;
              max-width: 900px; }
.cs-predict .cs-question { font-size: 17px; font-weight: bold; margin: 4px 0 8px 0; }
.cs-predict .cs-help { font-size: 15px; margin: 0; }
.cs-predict .widget-radio-box label { font-size: 16px; line-height: 1.5; }
.cs-predict .cs-status { font-size: 15px; }
.cs-predict .cs-outcome { border-top: 1px solid #ccc; margin-top: 8px; padding-top: 6px; }
</style>
"""


@dataclass(frozen=True)
class Moment:
    """A prediction moment: a stable id, a question, its options, the right option's index
    and why (both computed by the model when the moment is built), and what to reveal."""

    id: str  # a slug, the same on every page and the console: "lesson2.shift_rule"
    question: str
    options: tuple[str, ...]
    answer: int
    explanation: str  # why the answer is right, with the model's figures (HTML-safe text)
    # What to show at the reveal: a widget, HTML or Markdown, or a callable that builds one
    # (called once, when the learner commits or the answer is revealed).
    reveal: Any = field(default=None, compare=False)
    title: str = ""  # a short name for the console's list: "Lesson 2: the next payment rule"

    def __post_init__(self) -> None:
        if not 2 <= len(self.options) <= MAX_OPTIONS:
            raise ValueError(f"moment {self.id!r}: 2 to {MAX_OPTIONS} options, not "
                             f"{len(self.options)}")
        if not 0 <= self.answer < len(self.options):
            raise ValueError(f"moment {self.id!r}: answer {self.answer} is not an option")
        # What the console will open the moment with must pass the room's own checks.
        validate("moment_open", {"moment": self.id, "question": self.question,
                                 "options": list(self.options)})


# --------------------------------------------------------------------------- the registry

Factory = Callable[[System], Moment]
_FACTORIES: dict[str, Factory] = {}


def moment(moment_id: str) -> Callable[[Factory], Factory]:
    """Register a factory that builds the moment ``moment_id`` for a system."""
    def register(factory: Factory) -> Factory:
        _FACTORIES[moment_id] = factory
        return factory
    return register


def _load_lessons() -> None:
    from . import moments  # noqa: F401 - registers the lessons' moments


def registered() -> tuple[str, ...]:
    """The ids of every registered moment, in the lessons' order."""
    _load_lessons()
    return tuple(_FACTORIES)


def build(moment_id: str, system: System | None = None) -> Moment:
    """The moment ``moment_id`` for ``system`` (the loaded one by default)."""
    _load_lessons()
    try:
        factory = _FACTORIES[moment_id]
    except KeyError:
        raise KeyError(f"no prediction moment {moment_id!r}; there are "
                       f"{', '.join(_FACTORIES)}") from None
    built = factory(system if system is not None else default_system())
    if built.id != moment_id:  # pragma: no cover - a factory's own mistake
        raise ValueError(f"the factory of {moment_id!r} built {built.id!r}")
    return built


# --------------------------------------------------------------------------- the widget


class PredictWidget:
    """Predict, commit, then see the outcome: alone at once, in a room at the reveal.

    ``commit(choice)`` is what the button does; ``apply(state)`` is what the page's poller
    calls with the room's state (tests call both by hand). After the outcome shows,
    ``revealed_answer`` holds the answer shown and ``feedback`` one line about the
    learner's prediction.
    """

    def __init__(self, moment: Moment, *, page: PageRoom | None = None) -> None:
        self.moment = moment
        self.page = page if page is not None else page_room()
        self.choice = widgets.RadioButtons(
            options=[(text, i) for i, text in enumerate(moment.options)], value=None,
            layout=widgets.Layout(width="auto"))
        self.button = widgets.Button(description="Commit my prediction", button_style="info",
                                     disabled=True, icon="check",
                                     tooltip="Commit before you see the answer",
                                     layout=widgets.Layout(align_self="flex-start"))
        self.status = widgets.HTML()  # the page's template makes it a live region
        self.status.add_class("cs-status")
        self.outcome = widgets.VBox(layout=widgets.Layout(display="none"))
        self.outcome.add_class("cs-outcome")
        self.feedback = widgets.HTML()
        self.committed: int | None = None
        self.sent = False  # the prediction reached the room
        self.revealed_answer: int | None = None
        self.distribution: tuple[int, ...] | None = None
        self._shown: widgets.Widget | None = None  # what the moment reveals, built once
        self._key = f"predict-{moment.id}-{uuid.uuid4().hex[:12]}"  # one key per page: retries
        self._widget: widgets.Widget | None = None
        self._on_reveal: list[Callable[[], None]] = []  # called once, when the outcome shows
        self.choice.observe(self._chosen, names="value")
        self.button.on_click(lambda _: self.commit())
        self.status.value = self._status_html(self._opening_words())
        self.page.on_ready(self._page_ready)

    # ------------------------------------------------------------------ for the handouts
    # A handout shows a moment as a quiz: the question, the options, the answer folded.
    @property
    def question(self) -> str:
        return self.moment.question

    @property
    def options(self) -> list[str]:
        return list(self.moment.options)

    @property
    def correct(self) -> int:
        return self.moment.answer

    @property
    def explanations(self) -> list[str]:
        # Plain text, as a Quiz's: the handouts escape it (the moment's is HTML).
        plain = html.unescape(re.sub(r"<[^>]+>", "", self.moment.explanation))
        return [plain] * len(self.moment.options)

    # ------------------------------------------------------------------ the learner
    @property
    def in_room(self) -> bool:
        return self.page.in_room

    def _opening_words(self) -> str:
        if self.page.status == "pending":
            return "Choose an answer, then commit it."
        if self.in_room:
            return ("Agree an answer at your table, then commit it: it goes to the room, and "
                    "the answer shows when the facilitator reveals it.")
        return "Choose an answer, then commit it: the model's answer shows after you commit."

    def _chosen(self, change: Any) -> None:
        self.button.disabled = change["new"] is None or self.committed is not None

    def commit(self, choice: int | None = None) -> bool:
        """Commit ``choice`` (the chosen radio button by default). True when committed."""
        if self.committed is not None:
            return False
        choice = self.choice.value if choice is None else choice
        if choice is None or not isinstance(choice, int) or not 0 <= choice < len(self.moment.options):
            self.status.value = self._status_html("Choose an answer first.")
            return False
        self.committed = choice
        self.choice.value = choice
        self.choice.disabled = self.button.disabled = True
        self.button.description = "Committed"
        mine = html.escape(self.moment.options[choice])
        if not self.in_room:
            self.status.value = self._status_html(f"You predicted: <b>{mine}</b>.", escape=False)
            self.show_outcome(self.moment.answer)
            return True
        self._send()
        self._prepare_outcome()  # now, so that the reveal only has to show it
        poller = poller_for(self.page.room)
        if poller.state is None:
            poller.tick()  # no poll has run (no loop: a test): read the room at once
        return True

    # ------------------------------------------------------------------ the room
    def _page_ready(self, page: PageRoom) -> None:
        self.status.value = self._status_html(self._opening_words())
        if page.in_room:
            poller_for(page.room).subscribe(self.apply)

    def _send(self) -> None:
        """Send the committed prediction to the room, if the moment is open there."""
        table = self.page.table
        try:
            table.predict(self.moment.id, self.committed, key=self._key)
        except RoomError as exc:
            text = str(exc)
            mine = html.escape(self.moment.options[self.committed])
            if "is not open" in text:
                self.status.value = self._status_html(
                    f"You predicted: <b>{mine}</b>. It goes to the room when the facilitator "
                    "opens this question.", escape=False)
            elif "is locked" in text or "is revealed" in text:
                self.status.value = self._status_html(
                    f"You predicted: <b>{mine}</b>, but the facilitator had already closed "
                    "predictions, so it was not counted.", escape=False)
                self.sent = True  # nothing more to send
            else:
                self.status.value = self._status_html(f"Your prediction could not be sent "
                                                      f"yet ({text}); it will be tried again.")
            return
        self.sent = True
        self.status.value = self._status_html(
            f"Sent to the room: <b>{html.escape(self.moment.options[self.committed])}</b>. "
            "The answer shows when the facilitator reveals it.", escape=False)

    def apply(self, state: RoomState, changed: bool = True) -> None:
        """The room's state from the poller: send a kept prediction once the moment opens;
        show the outcome once it is revealed."""
        if not changed or self.revealed_answer is not None:
            return
        held = state.moments.get(self.moment.id)
        if held is None:
            return
        if held.status == "open" and self.committed is not None and not self.sent:
            self._send()
        if held.status == "revealed" and held.answer is not None:
            self.distribution = held.distribution()  # the real tables (bots only rehearse)
            self.show_outcome(held.answer)

    # ------------------------------------------------------------------ the outcome
    def show_outcome(self, answer: int) -> None:
        """Show what the moment reveals and one line of feedback (once)."""
        if self.revealed_answer is not None:
            return
        self.revealed_answer = answer
        self.choice.disabled = self.button.disabled = True
        right = html.escape(self.moment.options[answer])
        if self.committed is None:
            verdict, css = (f"The answer: \u201c{right}\u201d. You did not commit a prediction.",
                            "wrong")
        elif self.committed == answer:
            verdict, css = f"<b>Right</b>: \u201c{right}\u201d.", "right"
        else:
            mine = html.escape(self.moment.options[self.committed])
            verdict = (f"<b>Not this time</b>: you predicted \u201c{mine}\u201d; the answer is "
                       f"\u201c{right}\u201d.")
            css = "wrong"
        room = ""
        if self.distribution is not None and sum(self.distribution):
            share = self.distribution[answer] / sum(self.distribution)
            room = (f" In the room, {self.distribution[answer]} of {sum(self.distribution)} "
                    f"tables ({share:.0%}) predicted it.")
        self.feedback.value = (f'<div class="cs-feedback-{css}" style="font-size: 15px">{verdict} '
                               f"{self.moment.explanation}{html.escape(room)}</div>")
        shown = self._prepare_outcome()
        self.outcome.children = [self.feedback, *([shown] if shown is not None else [])]
        self.outcome.layout.display = None
        self.status.value = self._status_html("The answer is out: read it below.")
        for callback in self._on_reveal:
            callback()

    @property
    def shown(self) -> bool:
        """The outcome is on the page (committed alone, or revealed in the room)."""
        return self.revealed_answer is not None

    def on_reveal(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once when the outcome shows (at once if it already has)."""
        if self.shown:
            callback()
        else:
            self._on_reveal.append(callback)

    def then(self, *items: Any) -> Gate:
        """What the page shows only after this moment's outcome: a panel or chart that
        would give the answer away. Not on the page at all until then."""
        return Gate(items, [self])

    def _prepare_outcome(self) -> widgets.Widget | None:
        """What the moment reveals, built (once) but not shown."""
        reveal = self.moment.reveal
        if self._shown is None and reveal is not None:
            self._shown = _as_widget(reveal() if callable(reveal) else reveal)
        return self._shown

    @staticmethod
    def _status_html(text: str, *, escape: bool = True) -> str:
        return f'<div role="status" aria-live="polite">{html.escape(text) if escape else text}</div>'

    # ------------------------------------------------------------------ layout
    @property
    def widget(self) -> widgets.Widget:
        if self._widget is None:
            where = ("Predict with your table" if self.in_room or self.page.status == "pending"
                     else "Predict first")
            head = widgets.HTML(
                PANEL_CSS + PREDICT_CSS + f'<div class="cs-help">{where}</div>'
                f'<div class="cs-question">{html.escape(self.moment.question)}</div>')
            self._widget = widgets.VBox([head, self.choice, self.button, self.status,
                                         self.outcome])
            self._widget.add_class("cs-predict")
            self._widget.add_class("cs-check")
        return self._widget

    def _ipython_display_(self) -> None:
        display(self.widget)


class Gate:
    """Items (panels, charts, words) kept off the page until every moment in ``after`` has
    shown its outcome: a line says why, and the items are built into the page only then
    (so neither the eye nor a screen reader meets the answer first). An item given as a
    panel's class or a function (``steps.then(lesson2.ShiftPanel)``) is built only then
    too: a page's first drawing then has none of its widgets to make, send and draw."""

    def __init__(self, items: Sequence[Any], after: Sequence[PredictWidget | Unavailable]) -> None:
        self.items, self.after = tuple(items), tuple(after)
        self.note = widgets.HTML(
            '<p class="cs-gate"><i>This part opens once the answer above is out: commit your '
            "prediction first.</i></p>")
        self.box = widgets.VBox([self.note])
        self.open = False
        for step in self.after:
            step.on_reveal(self._check)
        self._check()  # nothing to wait for: open now

    def handout_parts(self) -> tuple[Any, ...]:
        """What a printed handout shows in its place: the items themselves, a panel given
        as its class built (a handout's answers are folded behind their own step)."""
        return tuple(item() if isinstance(item, type) else item for item in self.items)

    def _check(self) -> None:
        if self.open or not all(step.shown for step in self.after):
            return
        self.open = True
        self.box.children = [w for w in map(_as_widget, self.items) if w is not None]

    @property
    def widget(self) -> widgets.Widget:
        return self.box

    def _ipython_display_(self) -> None:
        display(self.box)


class Steps:
    """Moments one at a time: ``lead`` (what the page shows first), then the first moment;
    each next moment appears once the one before it has shown its outcome. ``then(...)``
    keeps items off the page until the last outcome is out."""

    def __init__(self, moments: Sequence[Moment], *, lead: Any = None,
                 page: PageRoom | None = None) -> None:
        if not moments:
            raise ValueError("a sequence of moments needs at least one moment")
        self.steps = [PredictWidget(m, page=page) for m in moments]
        self.box = widgets.VBox([w for w in (_as_widget(lead), self.steps[0].widget)
                                 if w is not None])
        for before, after in zip(self.steps, self.steps[1:]):
            before.on_reveal(lambda after=after: self._add(after))

    def _add(self, step: PredictWidget) -> None:
        if step.widget not in self.box.children:
            self.box.children = (*self.box.children, step.widget)

    @property
    def shown(self) -> bool:
        return all(step.shown for step in self.steps)

    def then(self, *items: Any) -> Gate:
        return Gate(items, self.steps)

    def handout_parts(self) -> tuple[Any, ...]:
        """What a printed handout shows: each moment as a question with its answer folded."""
        return tuple(self.steps)

    @property
    def widget(self) -> widgets.Widget:
        return self.box

    def _ipython_display_(self) -> None:
        display(self.box)


def _as_widget(value: Any) -> widgets.Widget | None:
    """What a moment reveals, as a widget: a widget, or HTML / Markdown in an output."""
    if value is None or isinstance(value, widgets.Widget):
        return value
    if callable(value) and (isinstance(value, type) or not hasattr(value, "widget")):
        # built when shown (a function, or a panel's class): nothing computed, and no
        # widget sent to the page, for a closed gate
        return _as_widget(value())
    if hasattr(value, "widget") and isinstance(value.widget, widgets.Widget):
        return value.widget
    if isinstance(value, (HTML, Markdown)):
        data = {"text/html": value.data} if isinstance(value, HTML) else {
            "text/markdown": value.data}
        out = widgets.Output()
        out.outputs = ({"output_type": "display_data", "metadata": {},
                        "data": {**data, "text/plain": value.data}},)
        return out
    return widgets.HTML(html.escape(str(value)))


class Unavailable:
    """In place of a moment that cannot be built for this system (lesson 5's cut in a
    system with no council): one line says why, and what it gates opens at once."""

    shown = True

    def __init__(self, reason: str) -> None:
        self.widget = widgets.HTML(f"<p><i>{html.escape(reason)}</i></p>")

    def then(self, *items: Any) -> Gate:
        return Gate(items, [])

    def handout_parts(self) -> tuple[Any, ...]:
        return (HTML(self.widget.value),)

    def _ipython_display_(self) -> None:
        display(self.widget)


def predict(moment_id: str, system: System | None = None) -> PredictWidget | Unavailable:
    """The prediction widget of a registered moment, for a lesson's cell:
    ``predict.predict("lesson2.shift_rule")``; a line saying why when this system cannot
    ask it."""
    try:
        built = build(moment_id, system)
    except ValueError as exc:
        log.warning("moment %s cannot be built: %s", moment_id, exc)
        return Unavailable(f"This question cannot be asked of this system: {exc}")
    return PredictWidget(built)


def sequence(*moment_ids: str, lead: Any = None,
             system: System | None = None) -> Steps | Unavailable:
    """Registered moments one at a time, for a lesson's cell:
    ``steps = predict.sequence("lesson2.shift_rule", "lesson2.blended", lead=...)``."""
    try:
        built = [build(i, system) for i in moment_ids]
    except ValueError as exc:
        log.warning("moments %s cannot be built: %s", ", ".join(moment_ids), exc)
        return Unavailable(f"These questions cannot be asked of this system: {exc}")
    return Steps(built, lead=lead)


def moments_for(system: System, ids: Sequence[str] | None = None) -> list[Moment]:
    """Every registered moment built for ``system`` (the console's list), skipping any
    that cannot be built for it (a lesson whose shift this system lacks), with a log line."""
    out = []
    for moment_id in (ids if ids is not None else registered()):
        try:
            out.append(build(moment_id, system))
        except (ValueError, KeyError) as exc:
            log.warning("moment %s cannot be built for %s: %s", moment_id, system.name, exc)
    return out
