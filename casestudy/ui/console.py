"""The facilitator's console: the room at a glance, its prediction moments, the team round
and the record, behind the key printed in the facilitator's terminal.

Nothing of the room shows until the key is typed: a table that opens this page (it shares
the network) sees a form, and a wrong key is refused with a message, locks nothing and
reveals nothing; the store checks the key again on every write. The key is cleared from the
form once used.

What each tab does is a plain function (tested without a browser):

- **Tables**: ``table_rows(state, now)``: each table, when it joined, when it last did
  something, its predictions and deals.
- **Predictions**: open a registered moment (``casestudy.ui.predict``) for the room, watch
  ``distribution_html`` fill in as tables commit, lock, reveal (the answer the model
  computed); the tables' pages show the outcome within about two seconds.
- **Team round**: ``open_round`` (its demand and a timer), ``round_progress`` (who has
  sent a deal), ``advance_slowest`` (lock the round: a table with no deal gets the round's
  baseline, written by the console), ``next_to_reveal`` (one table at a time), and
  ``casestudy.debrief.round_comparison`` (the revealed deals, judged by
  ``casestudy.compare``).
- **Record**: ``casestudy.debrief.export_session``: every event as CSV and JSON, and the
  one-page HTML debrief, written to a folder and offered as downloads.
"""

from __future__ import annotations

import base64
import html
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from ..compare import round_baseline
from ..debrief import EXPORTS, export_session, round_comparison
from ..room import Console, RoomError, RoomState
from ..room.store import Room
from ..system import System
from .common import PANEL_CSS, FloatSlider
from .compare import TABLE_CSS, ComparisonView, rounds_html
from .default import default_system
from .keyed import KeyedPage
from .live import PageRoom, alert_html, page_href, page_room, poller_for
from .predict import Moment, moments_for
from .team_round import DEFAULT_DEMAND

CONSOLE_CSS = """
<style>
.cs-console { font-size: 15px; max-width: 1300px; }
.cs-console h3 { margin: 4px 0; }
.cs-console .cs-head { display: flex; flex-wrap: wrap; gap: 4px 24px; align-items: baseline;
                       background: #f4f7fb; border-left: 5px solid #0072B2; padding: 6px 12px; }
.cs-console .cs-head .cs-timer { font-size: 30px; font-weight: bold; }
/* The code and the timer are what the back of the room reads off the projector. */
.cs-console .cs-head .cs-bigcode { font-size: 34px; letter-spacing: 4px;
                                   font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.cs-dist { border-collapse: collapse; font-size: 17px; margin: 6px 0; }
.cs-dist td, .cs-dist th { padding: 4px 8px; text-align: left; vertical-align: middle; }
.cs-dist .bar { display: inline-block; height: 22px; background: #0072B2; vertical-align: middle; }
.cs-dist tr.answer td { font-weight: bold; }
.cs-dist tr.answer .bar { background: #009E73; }
.cs-tables td.idle { color: #8a4b00; }
</style>
"""
IDLE_S = 120  # a table quiet for longer is marked idle


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class TableRow:
    team_id: int
    name: str
    bot: bool
    joined_at_s: float
    idle_s: float  # seconds since the table's own last event
    predictions: int
    deals: dict[int, str]  # round -> "sent" or "baseline" (given at the lock)


def table_rows(state: RoomState, now: float) -> list[TableRow]:
    """Every table in joining order, with what it has done."""
    predictions: dict[int, int] = {}
    for moment in state.moments.values():
        for team in (*moment.predictions, *moment.bot_predictions):
            predictions[team] = predictions.get(team, 0) + 1
    rows = []
    for team in state.teams.values():
        deals = {number: ("baseline" if held.by == "console" else "sent")
                 for (team_id, number), held in state.scenarios.items() if team_id == team.team_id}
        rows.append(TableRow(team.team_id, team.name, team.bot, team.joined_at_s,
                             max(0.0, now - team.last_active_s), predictions.get(team.team_id, 0),
                             dict(sorted(deals.items()))))
    return rows


def _ago(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds} s ago" if seconds < 120 else f"{seconds // 60} min ago"


def tables_html(rows: Sequence[TableRow]) -> str:
    if not rows:
        return "<p>No table has joined yet. Tables join on the join page with the room code.</p>"
    real = sum(not r.bot for r in rows)
    body = []
    for row in rows:
        deals = ", ".join(f"round {n}: {what}" for n, what in row.deals.items()) or "-"
        idle = ' class="idle"' if row.idle_s > IDLE_S else ""
        body.append(f"<tr><td>{row.team_id}</td><td><b>{html.escape(row.name)}</b>"
                    f"{' (bot)' if row.bot else ''}</td><td{idle}>{_ago(row.idle_s)}</td>"
                    f"<td>{row.predictions}</td><td>{html.escape(deals)}</td></tr>")
    return (f"<p>{real} table{'s' if real != 1 else ''} joined"
            f"{f', and {len(rows) - real} bot tables' if len(rows) > real else ''}.</p>"
            '<table class="cs-teams cs-tables"><tr><th scope="col">No.</th><th scope="col">Table</th>'
            '<th scope="col">Last active</th><th scope="col">Predictions</th>'
            f'<th scope="col">Deals</th></tr>{"".join(body)}</table>')


# --------------------------------------------------------------------------- predictions


def distribution_html(state: RoomState, moment: Moment) -> str:
    """The moment's question, where it stands, and how many tables chose each option (bars;
    bots counted apart); after the reveal the answer is marked and the share of tables that
    predicted it before the reveal is given."""
    held = state.moments.get(moment.id)
    question = f"<p><b>{html.escape(moment.question)}</b></p>"
    if held is None:
        return question + "<p>Not opened yet: press <b>Open for the room</b>.</p>"
    real, everyone = held.distribution(), held.distribution(bots=True)
    total, bots = sum(real), sum(everyone) - sum(real)
    widest = max(everyone) or 1
    rows = []
    for index, option in enumerate(held.options):
        answer = held.answer == index
        mark = " (the answer)" if answer else ""
        extra = everyone[index] - real[index]
        bot_note = f" + {extra} bot{'s' if extra != 1 else ''}" if extra else ""
        rows.append(f'<tr class="{"answer" if answer else ""}"><td>{html.escape(option)}{mark}</td>'
                    f'<td><span class="bar" style="width: {int(260 * everyone[index] / widest)}px">'
                    f"</span></td><td>{real[index]}{bot_note}</td></tr>")
    status = {"open": "Open: tables are predicting.", "locked": "Locked: no more predictions.",
              "revealed": "Revealed: every table's page shows the answer."}[held.status]
    teams = sum(not t.bot for t in state.teams.values())
    line = f"<p>{status} {total} of {teams} table{'s' if teams != 1 else ''} predicted" + (
        f" (and {bots} bots)" if bots else "") + ".</p>"
    if held.answer is not None:
        share = held.right_share()
        line += ("<p><b>" + ("No table predicted before the reveal." if share is None else
                             f"{share:.0%} of the tables predicted the answer before the reveal.")
                 + "</b></p>")
    return (question + line + '<table class="cs-dist" aria-label="Predictions by option">'
            f"{''.join(rows)}</table>")


# --------------------------------------------------------------------------- the team round


@dataclass(frozen=True)
class RoundProgress:
    round: int
    status: str  # "open" or "locked"
    demand_shock: float
    sent: tuple[int, ...]  # team ids with a deal of their own
    given: tuple[int, ...]  # team ids given the baseline at the lock
    missing: tuple[int, ...]  # team ids with no deal yet
    revealed: tuple[int, ...]


def round_progress(state: RoomState, number: int) -> RoundProgress | None:
    held = state.rounds.get(number)
    if held is None:
        return None
    deals = state.round_scenarios(number)
    sent = tuple(t for t, d in deals.items() if d.by != "console")
    given = tuple(t for t, d in deals.items() if d.by == "console")
    missing = tuple(t for t in state.teams if t not in deals)
    return RoundProgress(number, held.status, held.demand_shock, sent, given, missing,
                         held.revealed)


def open_round(console: Console, number: int, demand_shock: float, minutes: float) -> None:
    """Open round ``number`` under this demand and start its timer."""
    console.open_round(number, demand_shock)
    if minutes > 0:
        console.start_timer(round(minutes * 60), f"Team round {number}")


def advance_slowest(console: Console, number: int, state: RoomState) -> int:
    """Lock round ``number``: every table with no deal gets the round's baseline, written
    by the console. Returns how many tables were given it."""
    held = state.rounds[number]
    written = console.lock_round(number, round_baseline(held.demand_shock))
    if state.timer is not None and state.timer.stopped_at_s is None:
        console.stop_timer()
    return len(written) - 1


def next_to_reveal(state: RoomState, number: int) -> int | None:
    """The next table whose deal is not yet shown: the real tables in joining order, then
    the bots."""
    held = state.rounds.get(number)
    if held is None or held.status != "locked":
        return None
    deals = state.round_scenarios(number)
    order = sorted(deals, key=lambda t: (state.teams[t].bot, t))
    return next((t for t in order if t not in held.revealed), None)


def download_link(path: Path, label: str, mime: str) -> str:
    """A link that downloads a written file from the page itself (no file server needed)."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<a download="{html.escape(path.name)}" href="data:{mime};base64,{data}">'
            f"{html.escape(label)}</a>")


# --------------------------------------------------------------------------- the page


class ConsolePanel(KeyedPage):
    """The console page: a key form, then the room's tabs, kept current by the poller."""

    def __init__(self, system: System | None = None, *, page: PageRoom | None = None,
                 db: Any = None, exports: Path | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.system = system if system is not None else default_system()
        self.db = db
        self.page = page if page is not None else page_room(db)
        self.exports = exports if exports is not None else EXPORTS
        self.clock = clock
        self.console: Console | None = None
        self.room: Room | None = None
        self.state: RoomState | None = None
        self.moments = {m.id: m for m in moments_for(self.system)}
        self._key_form("<p>This page is for the facilitator. Type the key that "
                       "<code>make workshop</code> printed in your terminal.</p>",
                       "Open the console")
        # -- the room
        self.head = widgets.HTML()
        self.tables = widgets.HTML()
        self.relink_pick = widgets.Dropdown(options=[], description="Table",
                                            style={"description_width": "50px"},
                                            layout=widgets.Layout(width="360px"))
        self.relink_button = widgets.Button(description="New link for this table", icon="link",
                                            tooltip="For a table that lost its link: its old "
                                            "link stops working")
        self.relink_button.on_click(lambda _: self.relink())
        self.relink_message = widgets.HTML()
        self.moment_pick = widgets.Dropdown(
            options=[(m.title or m.id, m.id) for m in self.moments.values()],
            description="Moment", style={"description_width": "70px"},
            layout=widgets.Layout(width="520px"))
        self.open_button = widgets.Button(description="Open for the room", icon="play")
        self.lock_moment_button = widgets.Button(description="Lock predictions", icon="lock")
        self.reveal_button = widgets.Button(description="Reveal the answer", icon="eye",
                                            button_style="warning")
        self.open_button.on_click(lambda _: self.open_moment())
        self.lock_moment_button.on_click(lambda _: self.lock_moment())
        self.reveal_button.on_click(lambda _: self.reveal_moment())
        self.moment_pick.observe(lambda _: self._draw(), names="value")
        self.distribution = widgets.HTML()
        self.moment_message = widgets.HTML()
        # -- the team round
        self.round_number = widgets.BoundedIntText(value=1, min=1, max=20, description="Round",
                                                   style={"description_width": "70px"},
                                                   layout=widgets.Layout(width="160px"))
        self.demand = FloatSlider(value=DEFAULT_DEMAND, min=-0.2, max=0.3, step=0.01,
                                  readout_format=".0%", description="Demand against plan",
                                  style={"description_width": "150px"},
                                  layout=widgets.Layout(width="420px"), continuous_update=False)
        self.minutes = widgets.BoundedIntText(value=6, min=0, max=60,
                                              description="Timer (minutes)",
                                              style={"description_width": "initial"},
                                              layout=widgets.Layout(width="230px"))
        self.start_round_button = widgets.Button(description="Open the round and start the timer",
                                                 icon="play", button_style="info")
        self.advance_button = widgets.Button(description="Advance the slowest and lock",
                                             icon="forward", button_style="warning")
        self.reveal_team_button = widgets.Button(description="Reveal the next table", icon="eye")
        self.reveal_all_button = widgets.Button(description="Reveal every table", icon="eye")
        self.start_round_button.on_click(lambda _: self.start_round())
        self.advance_button.on_click(lambda _: self.advance())
        self.reveal_team_button.on_click(lambda _: self.reveal_next())
        self.reveal_all_button.on_click(lambda _: self.reveal_all())
        self.round_number.observe(lambda _: self._draw(), names="value")
        self.progress = widgets.HTML()
        self.round_message = widgets.HTML()
        self.view = ComparisonView()
        self.rounds = widgets.HTML()
        self._shown_key: tuple | None = None
        # -- the record
        self.export_button = widgets.Button(description="Write the record and the debrief",
                                            icon="download", button_style="info")
        self.export_button.on_click(lambda _: self.export())
        self.export_message = widgets.HTML()
        self.tabs = widgets.Tab(children=[
            widgets.VBox([self.tables, widgets.HBox([self.relink_pick, self.relink_button]),
                          self.relink_message]),
            widgets.VBox([self.moment_pick,
                          widgets.HBox([self.open_button, self.lock_moment_button,
                                        self.reveal_button]),
                          self.moment_message, self.distribution]),
            widgets.VBox([widgets.HBox([self.round_number, self.minutes]), self.demand,
                          widgets.HBox([self.start_round_button, self.advance_button]),
                          widgets.HBox([self.reveal_team_button, self.reveal_all_button]),
                          self.round_message, self.progress, self.view.widget, self.rounds]),
            widgets.VBox([widgets.HTML(
                "<p>Writes every event of the room as CSV and JSON, and a one-page debrief "
                f"to send after the session, into <code>{html.escape(str(self.exports))}</code> "
                "(never over an earlier file); the links below download them.</p>"),
                self.export_button, self.export_message]),
        ], titles=("Tables", "Predictions", "Team round", "Record"))
        self.trouble = widgets.HTML()  # the store not answering: said, and cleared after
        self.main = widgets.VBox([self.head, self.trouble, self.tabs],
                                 layout=widgets.Layout(display="none"))
        self.page.on_ready(self._page_ready)

    # ------------------------------------------------------------------ unlocking
    def unlock(self, code: str | None = None, key: str | None = None) -> bool:
        """Open the console with the room code and key (typed, by default)."""
        return self._unlock(code, key, self._take)

    def _take(self, console: Console) -> None:
        self.console, self.room = console, console.room

    # ------------------------------------------------------------------ the room's state
    def apply(self, state: RoomState, changed: bool = True) -> None:
        self.state = state
        self.head.value = self._head_html(state)
        self.tables.value = tables_html(table_rows(state, self.clock()))
        if changed:
            options = [(t.name + (" (bot)" if t.bot else ""), t.team_id)
                       for t in state.teams.values()]
            if list(self.relink_pick.options) != options:
                chosen = self.relink_pick.value
                self.relink_pick.options = options
                self.relink_pick.value = chosen if chosen in dict(options).values() else None
            self._draw()

    def refresh(self) -> None:
        """Read the room at once (a button press does not wait for the next poll)."""
        if self.room is not None:
            poller_for(self.room).tick()

    def _head_html(self, state: RoomState) -> str:
        joined = sum(not t.bot for t in state.teams.values())
        bots = len(state.teams) - joined
        timer = ""
        if state.timer is not None and state.timer.stopped_at_s is None:
            left = state.timer.remaining_s(self.clock())
            label = html.escape(state.timer.label or "Timer")
            timer = (f'<span class="cs-timer" role="timer">{label}: {int(left) // 60}:'
                     f"{int(left) % 60:02d}</span>" if left else
                     f'<span class="cs-timer">{label}: time is up</span>')
        join = page_href("room/join.ipynb", state.code)
        return (f'<div class="cs-head"><h3>Room {html.escape(state.code)}'
                f"{': ' + html.escape(state.title) if state.title else ''}</h3>"
                f"<span>{joined} table{'s' if joined != 1 else ''}"
                f"{f' and {bots} bots' if bots else ''}</span>"
                f'<span>Tables join with the code <b class="cs-bigcode">{html.escape(state.code)}</b> on the '
                f'<a href="{html.escape(join)}" target="_blank">join page</a> (its address '
                f"for the tables is in your terminal)</span>{timer}</div>")

    def _draw(self) -> None:
        state = self.state
        if state is None:
            return
        moment = self.moments.get(self.moment_pick.value)
        if moment is not None:
            self.distribution.value = distribution_html(state, moment)
            held = state.moments.get(moment.id)
            status = None if held is None else held.status
            self.open_button.disabled = status in ("open", "revealed")
            self.lock_moment_button.disabled = status != "open"
            self.reveal_button.disabled = status not in ("open", "locked")
        self._draw_round(state)

    def _draw_round(self, state: RoomState) -> None:
        number = self.round_number.value
        progress = round_progress(state, number)
        self.start_round_button.disabled = progress is not None
        self.demand.disabled = progress is not None
        self.advance_button.disabled = progress is None or progress.status != "open"
        ready = progress is not None and progress.status == "locked"
        pending = ready and next_to_reveal(state, number) is not None
        self.reveal_team_button.disabled = self.reveal_all_button.disabled = not pending
        if progress is None:
            self.progress.value = (f"<p>Round {number} is not open. Set its demand and timer, "
                                   "then open it: each table sends its deal from its Team round "
                                   "page.</p>")
        else:
            names = state.teams

            def listed(ids: Sequence[int]) -> str:
                return ", ".join(html.escape(names[t].name) for t in ids) or "none"

            self.progress.value = (
                f"<p>Round {number} is <b>{progress.status}</b> (demand "
                f"{progress.demand_shock:+.0%} against plan). Sent a deal: "
                f"<b>{len(progress.sent)}</b> ({listed(progress.sent)}). "
                + (f"Still to send: {listed(progress.missing)}. " if progress.missing else "")
                + (f"Given the baseline at the lock: {listed(progress.given)}. "
                   if progress.given else "")
                + f"Shown to the room: {len(progress.revealed)}.</p>")
        key = (number, progress.revealed if progress else None, state.kinds.get("scenario", 0))
        if progress is not None and progress.status == "locked" and key != self._shown_key:
            self._shown_key = key
            self.view.show(round_comparison(self.system, state, number, revealed_only=True),
                           caption=f"Round {number}: the deals shown so far")
            comparisons = {n: round_comparison(self.system, state, n, revealed_only=True)
                           for n, held in state.rounds.items() if held.status == "locked"}
            self.rounds.value = rounds_html(comparisons)

    # ------------------------------------------------------------------ actions
    def _act(self, action: Callable[[], Any], message: widgets.HTML, done: str) -> bool:
        if self.console is None:
            return False
        try:
            action()
        except RoomError as exc:
            message.value = alert_html(str(exc))
            return False
        message.value = f'<div class="cs-feedback-right" role="status">{html.escape(done)}</div>'
        self.refresh()
        return True

    def relink(self) -> str | None:
        """A new link for the chosen table (its old one stops working): the join page's
        address with the table's new token, to type into the table's browser."""
        team = self.relink_pick.value
        if self.console is None or team is None:
            return None
        try:
            token = self.console.reissue_token(team)
        except RoomError as exc:
            self.relink_message.value = alert_html(str(exc))
            return None
        link = page_href("room/join.ipynb", self.room.code, token)
        name = self.state.teams[team].name if self.state and team in self.state.teams else ""
        self.relink_message.value = (
            f'<div class="cs-feedback-right" role="status">A new link for '
            f"<b>{html.escape(name)}</b> (not for the projector: it is the table's): "
            f"<code>{html.escape(link)}</code>. Its old link no longer works.</div>")
        return link

    def open_moment(self) -> bool:
        moment = self.moments[self.moment_pick.value]
        return self._act(lambda: self.console.open_moment(moment.id, moment.question,
                                                          moment.options),
                         self.moment_message, "Open: the tables can commit their predictions.")

    def lock_moment(self) -> bool:
        return self._act(lambda: self.console.lock_moment(self.moment_pick.value),
                         self.moment_message, "Locked: no more predictions.")

    def reveal_moment(self) -> bool:
        moment = self.moments[self.moment_pick.value]
        return self._act(lambda: self.console.reveal_moment(moment.id, moment.answer),
                         self.moment_message, "Revealed: the answer shows on every table's page.")

    def start_round(self) -> bool:
        number = self.round_number.value
        return self._act(lambda: open_round(self.console, number, self.demand.value,
                                            self.minutes.value),
                         self.round_message, f"Round {number} is open.")

    def advance(self) -> bool:
        number = self.round_number.value
        given: list[int] = []

        def act() -> None:
            given.append(advance_slowest(self.console, number, self.room.state()))

        ok = self._act(act, self.round_message, f"Round {number} is locked.")
        if ok:
            self.round_message.value = (
                '<div class="cs-feedback-right" role="status">'
                f"Round {number} is locked; {given[0]} table(s) had no deal and were given the "
                "round's baseline. Reveal the tables one at a time.</div>")
        return ok

    def reveal_next(self) -> bool:
        number = self.round_number.value
        team = next_to_reveal(self.room.state(), number) if self.room else None
        if team is None:
            return False
        return self._act(lambda: self.console.reveal_team(number, team), self.round_message,
                         "Shown.")

    def reveal_all(self) -> bool:
        shown = False
        while self.reveal_next():
            shown = True
        return shown

    def export(self) -> list[Path]:
        if self.room is None:
            return []
        try:
            written = export_session(self.room, self.system, self.exports,
                                     moments=self.moments)
        except (RoomError, OSError) as exc:
            self.export_message.value = alert_html(f"Not written: {exc}")
            return []
        mimes = {".csv": "text/csv", ".json": "application/json", ".html": "text/html"}
        links = "".join(f"<li>{download_link(p, p.name, mimes[p.suffix])} (written to "
                        f"<code>{html.escape(str(p))}</code>)</li>" for p in written)
        self.export_message.value = f'<div role="status"><ul>{links}</ul></div>'
        return written

    # ------------------------------------------------------------------ layout
    @property
    def widget(self) -> widgets.Widget:
        box = widgets.VBox([widgets.HTML(PANEL_CSS + TABLE_CSS + CONSOLE_CSS), self.form,
                            self.main])
        box.add_class("cs-console")
        box.add_class("cs-panel")
        return box

    def _ipython_display_(self) -> None:
        display(self.widget)
