"""The team round: a table agrees a deal for next year, sees what it does to the system and
who would sign it, and sends it to the room with its reason.

The levers are grouped by what they do under the round's conditions, measured by the model
(``casestudy.compare.lever_effects``): those that change what the system spends and earns,
those that change only the incentive funds paid to it, and those that only move money
between the partners. The page says so in those words, so a table knows which of its moves
can meet the system's control total and which only decide who carries the result.

In a room (the page's address carries its room and table), the round's demand against plan
is the facilitator's (set when the round is opened in the console), and **Send our deal**
writes the table's scenario and reason for the round to the room's record: the table's last
deal counts until the facilitator locks the round. Alone, the page runs the round at
:data:`DEFAULT_DEMAND` and saves a file or a code, as every panel does.
"""

from __future__ import annotations

import dataclasses
import html
import time
import uuid
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from ..charts import money
from ..charts.compare import deal_signatures_figure, team_outcomes_figure
from ..compare import (
    EFFECTS,
    Lever,
    TeamComparison,
    TeamEntry,
    compare_entries,
    lever_effects,
    round_baseline,
)
from ..room import RoomError, RoomState
from ..scenario import Scenario, _show, field_info, mid_sentence
from ..system import System
from .common import CONTROL_WIDTH, Panel, help_line
from .live import PageRoom, page_room, poller_for, said_html

# The round's demand when no facilitator sets it: a winter 3% above plan (the guide's team
# round; an assumption, not a forecast).
DEFAULT_DEMAND = 0.03
YOUR_DEAL = "Your deal"
FACET_PX = 140  # three panels beside the controls at 1366 px, below them at 1024 px
MAX_REASON_CHARS = 500
GROUP_ORDER = ("system", "funds", "money", "none")
GROUP_HEADINGS = {
    "system": "Levers that change what the system spends and earns",
    "funds": "Levers that change only the incentive funds paid to the system",
    "money": "Levers that only move money between the partners",
    "none": "Levers that change nothing under this round's conditions",
}
_EFFECTS_CACHE: dict[tuple[int, Scenario], tuple[Lever, ...]] = {}


def effects_for(system: System, baseline: Scenario) -> tuple[Lever, ...]:
    """``lever_effects`` for the round's baseline, computed once per baseline (about 0.2 s)."""
    key = (id(system), baseline)
    if key not in _EFFECTS_CACHE:
        _EFFECTS_CACHE[key] = lever_effects(system, baseline)
    return _EFFECTS_CACHE[key]


def deal_words(comparison: TeamComparison) -> str:
    """What a table's deal does, in words (HTML), every figure from the comparison."""
    teams = comparison.teams.set_index("team")
    base, deal = teams.loc["Baseline"], teams.loc[YOUR_DEAL]
    control = money(deal.nhs_control_total_gbp_m)
    verdict = ("meets" if deal.nhs_met_control_total else "misses")
    funds = deal.nhs_incentive_fund_gbp_m
    paid = (f"; {money(funds)} of incentive funds are paid to its organisations, which brings "
            f"it to {money(deal.nhs_position_gbp_m)} after funds" if funds > 0.05 else
            "; no incentive fund is paid")
    change = deal.nhs_position_before_incentive_gbp_m - base.nhs_position_before_incentive_gbp_m
    before = money(base.nhs_position_before_incentive_gbp_m)
    system = (f"{money(change)} against the baseline's {before}" if abs(change) > 0.05 else
              "the baseline's: no lever is moved yet" if deal.changed_count == 0 else
              f"the same as the baseline's {before}: your levers moved money, not the "
              "system's position")
    refusers = comparison.positions[(comparison.positions.team == YOUR_DEAL)
                                    & ~comparison.positions.signs]
    if refusers.empty:
        sign = "<b>Every organisation would sign it</b>: none is worse off than under the baseline."
    else:
        who = "; ".join(f"{html.escape(r.name)} ({money(r.change_gbp_m)})"
                        for r in refusers.sort_values("change_gbp_m").itertuples())
        sign = (f"<b>{len(refusers)} organisation{'s' if len(refusers) != 1 else ''} would not "
                f"sign it</b>, being worse off than under the baseline: {who}.")
    return (f"<p>Under your deal the NHS system's position before incentive funds is "
            f"<b>{money(deal.nhs_position_before_incentive_gbp_m)}</b> ({system}), so it "
            f"<b>{verdict}</b> its control total of {control}{paid}. Its underlying position "
            f"(without one-off money) is {money(deal.nhs_underlying_position_gbp_m)}.</p>"
            f"<p>{sign}</p>")


class TeamRoundPanel(Panel):
    """The team round's levers, the deal's result, and (in a room) sending it."""

    title = "Your table's deal"
    fields = ("payment", "flex", "elective_variable_rate", "social_care_budget_change",
              "risk_share", "system_linkage")

    def __init__(self, system: System | None = None, *, page: PageRoom | None = None,
                 demand_shock: float = DEFAULT_DEMAND) -> None:
        super().__init__(system, round_baseline(demand_shock))
        self.page = page if page is not None else page_room()
        self.scheme_boxes: dict[str, widgets.Checkbox] = {}
        for scheme_id, row in self.system.schemes.iterrows():
            box = widgets.Checkbox(value=False, description=row["name"], indent=False,
                                   layout=widgets.Layout(width=CONTROL_WIDTH))
            box.observe(self.update, names="value")
            self.scheme_boxes[str(scheme_id)] = box
        self.round_number: int | None = None
        self.round_status = ""  # "", "open" or "locked"
        self.sent_at: float | None = None
        self.reason = widgets.Textarea(placeholder="Why this deal? One or two sentences the "
                                       "room will read at the debrief", rows=3,
                                       layout=widgets.Layout(width=CONTROL_WIDTH))
        self.send_button = widgets.Button(description="Send our deal to the room",
                                          button_style="info", icon="paper-plane",
                                          disabled=True)
        self.send_button.on_click(lambda _: self.send())
        self.round_note = widgets.HTML()
        self.send_message = widgets.HTML()
        self.comparison: TeamComparison | None = None
        self._state: RoomState | None = None
        self._key_stem = f"deal-{uuid.uuid4().hex[:12]}"
        self._sends = 0
        self.round_note.value = self._round_html()
        self.page.on_ready(self._page_ready)

    # ------------------------------------------------------------------ the scenario
    def scenario_extras(self) -> dict[str, Any]:
        return {"schemes": tuple(s for s, box in self.scheme_boxes.items() if box.value)}

    def reset_extras(self) -> None:
        for box in self.scheme_boxes.values():
            box.value = False

    def load_extras(self, scenario: Scenario) -> None:
        for scheme_id, box in self.scheme_boxes.items():
            box.value = scheme_id in scenario.schemes

    def render(self, scenario: Scenario):
        self.comparison = compare_entries(
            self.system, [TeamEntry(team=YOUR_DEAL, scenario=scenario)], baseline=self.baseline)
        figures = [team_outcomes_figure(self.comparison.system, self.comparison.teams,
                                        facet_px=FACET_PX),
                   deal_signatures_figure(self.comparison.positions, YOUR_DEAL)]
        return figures, deal_words(self.comparison)

    def update(self, change: Any = None) -> None:
        super().update(change)
        if not self._paused and self.scenario() == self.baseline:
            label = html.escape(mid_sentence(self.baseline.payment_label))
            self.changes.value = ('<div class="cs-changes"><b>No change yet:</b> the baseline, '
                                  f"the contracts as they stand ({label}).</div>")

    # ------------------------------------------------------------------ the room
    def _page_ready(self, page: PageRoom) -> None:
        if page.in_room:
            poller_for(page.room).subscribe(self.apply)
        self.round_note.value = self._round_html()

    def apply(self, state: RoomState, changed: bool = True) -> None:
        """The room's state from the poller: the current round, its demand, whether it takes
        deals; the timer's time left."""
        self._state = state
        if changed:
            current = max(state.rounds) if state.rounds else None
            if current is not None:
                held = state.rounds[current]
                if current != self.round_number:
                    self.round_number, self.sent_at = current, None
                    self.set_demand(held.demand_shock)
                self.round_status = held.status
                mine = state.scenarios.get((self.page.table.team_id, current))
                if mine is not None and self.sent_at is None:
                    self.sent_at = mine.at_s
            self.send_button.disabled = self.round_status != "open"
        self.round_note.value = self._round_html()

    def set_demand(self, demand_shock: float) -> None:
        """Run the round under this demand (the facilitator's), keeping the table's levers."""
        baseline = round_baseline(demand_shock)
        if baseline == self.baseline:
            return
        self.baseline = baseline
        self.context = dataclasses.replace(self.context, demand_shock=demand_shock)
        self.update()

    def send(self) -> bool:
        """Send the deal and its reason for the open round; the message says what happened."""
        if not self.page.in_room:
            self.send_message.value = said_html("This page is not in a room: save your deal as a "
                                            "file or a code below instead.", ok=False)
            return False
        if self.round_number is None or self.round_status != "open":
            self.send_message.value = said_html("The facilitator has not opened a round that takes "
                                            "deals; wait for it.", ok=False)
            return False
        reason = self.reason.value.strip()
        if len(reason) > MAX_REASON_CHARS:
            self.send_message.value = said_html(f"Your reason is {len(reason)} characters; keep it "
                                            f"to {MAX_REASON_CHARS}.", ok=False)
            return False
        self._sends += 1
        try:
            event = self.page.table.save_scenario(
                self.scenario(), round=self.round_number, reason=reason,
                key=f"{self._key_stem}-{self._sends}")
        except RoomError as exc:
            self.send_message.value = said_html(f"Not sent: {exc}.", ok=False)
            return False
        self.sent_at = event.at_s
        self.send_message.value = said_html(
            f"Sent for round {self.round_number} at {time.strftime('%H:%M:%S', time.localtime(event.at_s))}. "
            "Your last deal counts until the facilitator locks the round.", ok=True)
        self.round_note.value = self._round_html()
        return True

    def _round_html(self) -> str:
        demand = _show("demand_shock", self.baseline.demand_shock)
        above = "above" if self.baseline.demand_shock >= 0 else "below"
        shown = demand.lstrip("-")
        if not self.page.in_room:
            if self.page.status == "pending":
                return '<div class="cs-changes">Finding your room...</div>'
            return (f'<div class="cs-changes">Demand this year: <b>{shown} {above} plan</b> '
                    "(an assumption: a hard winter, as in the guide's team round). Save your "
                    "deal below as a file or a code for the facilitator.</div>")
        if self.round_number is None:
            return ('<div class="cs-changes">The facilitator has not opened the team round yet: '
                    "set your deal now, and send it when the round opens.</div>")
        timer = ""
        state = self._state
        if state is not None and state.timer is not None and self.round_status == "open":
            left = state.timer.remaining_s(time.time())
            timer = (f" Time left: <b>{int(left) // 60}:{int(left) % 60:02d}</b>." if left
                     else " Time is up.")
        sent = (f" Sent at {time.strftime('%H:%M:%S', time.localtime(self.sent_at))}."
                if self.sent_at else " Not sent yet.")
        if self.round_status == "locked":
            return (f'<div class="cs-changes">Round {self.round_number} is locked: no more deals. '
                    f"The facilitator shows the tables' deals now.{sent}</div>")
        return (f'<div class="cs-changes">Round {self.round_number} is open. Demand this year: '
                f"<b>{shown} {above} plan</b> (set by the facilitator).{timer}{sent}</div>")

    # ------------------------------------------------------------------ layout
    def control_column(self) -> list[widgets.Widget]:
        effects = {lever.field: lever for lever in effects_for(self.system, self.baseline)}
        items: list[widgets.Widget] = [self.round_note]
        for group in GROUP_ORDER:
            names = [n for n in ("schemes", *self.fields) if effects.get(n) and
                     effects[n].effect == group]
            if not names:
                continue
            items.append(widgets.HTML(f'<h4 class="cs-lever-group">{html.escape(GROUP_HEADINGS[group])}'
                                      "</h4>"))
            for name in names:
                if name == "schemes":
                    items += [widgets.HTML(f'<div class="cs-help">{html.escape(field_info("schemes")["label"])}: '
                                           "each costs money this year and takes leadership "
                                           "time; its effect on activity builds up.</div>"),
                              *self.scheme_boxes.values()]
                else:
                    items += [self.controls[name], help_line(name)]
        if self.page.in_room or self.page.status == "pending":
            items += [widgets.HTML("<h4>Send your deal</h4>"), self.reason, self.send_button,
                      self.send_message]
        return items + [self.reset_button, self.scenario_io.widget]


def lever_table(levers: Sequence[Lever]) -> str:
    """The levers and what each does, as an HTML list (for the facilitator's guide page)."""
    return "<ul>" + "".join(f"<li><b>{html.escape(lever.label)}</b>: {html.escape(EFFECTS[lever.effect])}"
                            "</li>" for lever in levers) + "</ul>"

