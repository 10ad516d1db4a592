"""The console's game view: the facilitator runs the system game from here, behind the
room's key (as the console is).

Phase control (one button that names the next step: start round N's plan with a timer,
lock it so the slowest get their defaults, reveal, debrief, the next round), an event card,
the books opened or closed, who has decided and who is waited for, and the reveal: every
organisation's reported and underlying position against its control total, funds won and
lost, the system against its control total, who carried the volume risk, and who would
sign the same deal again. The words are plain functions of the game's state, tested
without a browser: ``next_step``, ``seats_html``, ``reveal_html``; the chart is
``casestudy.charts.game_reveal``.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import display

from ..charts import money
from ..charts.game_reveal import reveal_figure
from ..charts.style import LiveSpec
from ..game.bots import POLICIES
from ..game.model import CARDS
from ..game.play import Game, GameConsole, GameState
from ..room import Console, RoomError, RoomState
from ..room.store import Room
from ..scenario import PRESET_INFO
from .common import PANEL_CSS, chart_outputs
from .game_table import GamePage, decision_label, percent, timer_words
from .keyed import KeyedPage
from .live import JOIN_PAGE, PageRoom, page_href, poller_for, said_html

DEBRIEF_PAGE = "facilitator/game_debrief.ipynb"  # the rounds side by side, one chart a lesson

GAME_CONSOLE_CSS = """
<style>
.cs-game-console { font-size: 16px; max-width: 1300px; }
.cs-game-console h3 { margin: 8px 0 4px 0; font-size: 19px; }
.cs-game-console .cs-head { display: flex; flex-wrap: wrap; gap: 4px 24px; align-items: baseline;
                            background: #f4f7fb; border-left: 6px solid #0072B2;
                            padding: 6px 12px; }
.cs-game-console .cs-head .cs-timer { font-size: 30px; font-weight: bold; }
.cs-game-console .cs-head .cs-bigcode { font-size: 34px; letter-spacing: 4px;
    font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.cs-game-console .cs-head .cs-phase-now { font-size: 22px; font-weight: bold; }
.cs-game-console table.cs-reveal, .cs-game-console table.cs-seats {
    border-collapse: collapse; font-size: 15px; margin: 4px 0 10px 0; }
.cs-game-console table.cs-reveal th, .cs-game-console table.cs-reveal td,
.cs-game-console table.cs-seats th, .cs-game-console table.cs-seats td {
    padding: 3px 8px; border-bottom: 1px solid #d9d9d9; text-align: left; vertical-align: top; }
.cs-game-console td.num { text-align: right; white-space: nowrap; }
.cs-game-console .cs-met { color: #005a8c; font-weight: bold; }
.cs-game-console .cs-missed { color: #8a4b00; font-weight: bold; }
.cs-game-console tr.cs-system td { font-weight: bold; border-top: 2px solid #333; }
.cs-game-console .cs-waiting { color: #8a4b00; }
.cs-game-console .cs-step .jupyter-button { height: 44px; font-size: 17px; }
.cs-game-console .cs-verdict { font-size: 21px; line-height: 1.35; margin: 4px 0 8px 0; }
</style>
"""
DEFAULT_MINUTES = 15
GAME_CONSOLE_PAGE = "facilitator/game_console.ipynb"
GAME_PAGE = "room/game.ipynb"
HOUSE_BOTS = (("The bots play for the system (cooperative)", "cooperative"),
              ("The bots play each for itself (selfish)", "selfish"),
              ("No bots: every undecided role keeps the status quo", "none"))


# --------------------------------------------------------------------------- words


def next_step(state: GameState) -> tuple[str, str] | None:
    """The next phase as ``(phase, the button's words)``; None at the end of the game."""
    nxt = state.record.next_phase()
    if nxt is None:
        return None
    number, phase = nxt
    year = state.setup.years[number - 1]
    words = {"plan": f"Start round {number} ({year}): plan, with the timer",
             "lock": f"Lock round {number}: the slowest get their defaults",
             "reveal": f"Reveal round {number}",
             "debrief": f"Debrief round {number}"}
    return phase, words[phase]


def head_html(state: GameState, timer: str = "") -> str:
    number, phase = state.round, state.phase
    now = ("Not started" if number < 1 else
           f"Round {number} of {state.setup.rounds}, {state.setup.years[number - 1]}: {phase}")
    if state.finished:
        now = f"Game over: {state.setup.rounds} rounds played"
    join = page_href(JOIN_PAGE, state.code)
    debrief = page_href(DEBRIEF_PAGE, state.code)
    clock = f'<span class="cs-timer" role="timer">{html.escape(timer)}</span>' if timer else ""
    rule = (f"<span>National rule: {html.escape(PRESET_INFO[state.setup.national[number - 1]].label)}"
            "</span>" if number >= 1 else "")
    books = "Books open" if state.record.books_open else "Books closed"
    return (f'<div class="cs-head"><h3>Game in room {html.escape(state.code)}'
            f"{': ' + html.escape(state.title) if state.title else ''}</h3>"
            f'<span class="cs-phase-now" role="status">{html.escape(now)}</span>{rule}'
            f"<span>{books}</span>{clock}"
            f'<span>Tables join with the code <b class="cs-bigcode">{html.escape(state.code)}'
            f'</b> on the <a href="{html.escape(join)}" target="_blank">join page</a></span>'
            f'<span><a href="{html.escape(debrief)}" target="_blank">The debrief page</a> '
            "(every round side by side; it asks for the key)</span></div>")


def seats_html(state: GameState) -> str:
    """Every role: the table that plays it (or a bot), what it has decided this round, and
    what it is waited for on."""
    setup = state.setup
    waiting = state.waiting_for()
    made = state.decided()
    rows = []
    for role in setup.roles:
        seat = state.seats.get(role.role_id)
        who = (f"<b>{html.escape(seat.name)}</b>" if seat is not None else "a bot")
        keys = setup.decision_keys(role.role_id)
        done = sum(1 for k in keys if k in made)
        missing = waiting.get(role.role_id, [])
        if state.phase != "plan":
            status = "-"
        elif not missing:
            status = "decided"
        else:
            shown = "; ".join(decision_label(setup, k) for k in missing[:3])
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            status = (f'<span class="cs-waiting">waiting for {len(missing)}: '
                      f"{html.escape(shown)}{more}</span>")
        rows.append(f"<tr><td>{html.escape(role.name)}</td><td>{who}</td>"
                    f'<td class="num">{done} of {len(keys)}</td><td>{status}</td></tr>')
    tables = sum(1 for s in state.seats.values() if not s.bot)
    return (f"<p>{tables} table{'s' if tables != 1 else ''} playing; the roles no table takes "
            "are the bots'. A table takes its role on its game page.</p>"
            '<table class="cs-seats"><caption>Who has decided this round</caption>'
            "<tr><th scope='col'>Role</th><th scope='col'>Played by</th>"
            "<th scope='col'>Decided</th><th scope='col'>This round</th></tr>"
            f"{''.join(rows)}</table>")


def reveal_frame(result: Mapping[str, Any]) -> pd.DataFrame:
    """A revealed round's organisations as a tidy frame (the chart's data)."""
    return pd.DataFrame(result["organisations"])


def reveal_html(result: Mapping[str, Any], setup: Any) -> str:
    """The reveal as a table (the chart's figures too): every organisation, then the system."""
    rows = []
    for org in result["organisations"]:
        nhs = org["in_nhs_control_total"]
        met = ('<span class="cs-met">met</span>' if org["met_control_total"] else
               '<span class="cs-missed">missed</span>') if nhs else "outside"
        pooled = org["risk_share_gbp_m"]
        rows.append(
            f"<tr><td>{html.escape(org['name'])}</td>"
            f'<td class="num">{money(org["position_gbp_m"])}</td>'
            f'<td class="num">{money(org["underlying_position_gbp_m"])}</td>'
            f'<td class="num">{money(org["control_total_gbp_m"]) if nhs else "-"}</td>'
            f"<td>{met}</td>"
            f'<td class="num">{money(org["fund_won_gbp_m"])} / {money(org["fund_lost_gbp_m"])}</td>'
            f'<td class="num">{money(pooled, signed=True) if abs(pooled) >= 0.05 else "-"}</td>'
            f'<td class="num">{money(org["volume_risk_gbp_m"], signed=True)}</td>'
            f"<td>{'yes' if org['would_sign_again'] else '<b>no</b>'}</td></tr>")
    system = result["system"]
    rows.append(
        '<tr class="cs-system"><td>The NHS system</td>'
        f'<td class="num">{money(system["position_gbp_m"])}</td>'
        f'<td class="num">{money(system["underlying_position_gbp_m"])}</td>'
        f'<td class="num">{money(system["control_total_gbp_m"])}</td>'
        f"<td>{'met' if system['met_control_total'] else 'missed'} (before funds "
        f"{money(system['position_before_funds_gbp_m'])})</td>"
        f'<td class="num">{money(system["funds_won_gbp_m"])} / {money(system["funds_lost_gbp_m"])}'
        "</td><td></td><td></td><td></td></tr>")
    names = {o["org_id"]: o["name"] for o in result["organisations"]}
    carrier = names.get(result["volume_risk_carried_by"], result["volume_risk_carried_by"])
    refusers = [o["name"] for o in result["organisations"] if not o["would_sign_again"]]
    contracts = "; ".join(f"{html.escape(str(setup.system.organisations.name[c.split('.', 1)[1]]))}: "
                          f"{html.escape(t)}" for c, t in result["terms"].items()
                          if c in setup.contract_by_id)
    schemes = ", ".join(f"{html.escape(setup.scheme_by_id[s].name)} ({percent(share)})"
                        for s, share in result["schemes"].items() if s in setup.scheme_by_id)
    members = [setup.role_by_id[r].name for r in result["risk_share_members"]
               if r in setup.role_by_id]
    cards = ", ".join(CARDS[c].title for c in result["cards"] if c in CARDS)
    demand = result["demand_index"] - 1
    return (
        f'<table class="cs-reveal"><caption>Round {result["round"]}, {html.escape(result["year"])}: '
        "every organisation (£m, illustrative)</caption>"
        "<tr><th scope='col'>Organisation</th><th scope='col'>Reported</th>"
        "<th scope='col'>Underlying</th><th scope='col'>Control total</th>"
        "<th scope='col'>Control total met?</th><th scope='col'>Funds won / lost</th>"
        "<th scope='col'>Risk share</th><th scope='col'>Demand off plan did</th>"
        "<th scope='col'>Sign again?</th></tr>"
        f"{''.join(rows)}</table>"
        f"<p><b>Demand</b> ran {percent(abs(demand))} {'above' if demand >= 0 else 'below'} plan"
        f"{' (cards: ' + html.escape(cards) + ')' if cards else ''}; "
        f"<b>{html.escape(carrier)}</b> carried the volume risk (its position moved most). "
        + (f"<b>Would not sign the same deal again</b>: {html.escape(', '.join(refusers))} "
           "(worse off than with nothing signed)." if refusers else
           "<b>Every partner would sign the same deal again.</b>")
        + "</p>"
        f"<p><b>Contracts</b>: {contracts or 'none'}. <b>Schemes running</b> (share of "
        f"effect delivered): {schemes or 'none'}. <b>Risk share</b>: "
        + (f"{html.escape(', '.join(members))} at {percent(result['risk_share'])}"
           if members else "none") + f". <b>Funds tied to the system</b>: "
        f"{'yes' if result['linked'] else 'no'}.</p>")


def verdict_html(result: Mapping[str, Any]) -> str:
    """The reveal in one line the back of the room can read: the system against its
    control total, who carried the volume risk, how many would not sign again."""
    system = result["system"]
    names = {o["org_id"]: o["name"] for o in result["organisations"]}
    refusers = sum(not o["would_sign_again"] for o in result["organisations"])
    met = system["met_control_total"]
    return (
        '<p class="cs-verdict">The NHS system: '
        f"<b>{money(system['position_before_funds_gbp_m'])}</b> before incentive funds against "
        f"a control total of <b>{money(system['control_total_gbp_m'])}</b>: "
        + ('<span class="cs-met">met</span>' if met else '<span class="cs-missed">missed</span>')
        + f". Volume risk carried by <b>{html.escape(names.get(result['volume_risk_carried_by'], ''))}"
        f"</b>. {'Every partner would sign again' if not refusers else f'{refusers} would not sign again'}."
        "</p>")



# --------------------------------------------------------------------------- the page


class GameConsolePanel(GamePage, KeyedPage):
    """The console's game view: a key form, then the game's controls, kept current by the
    room's poller."""

    def __init__(self, *, page: PageRoom | None = None, db: Any = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(page=page, db=db, clock=clock)
        self.console: GameConsole | None = None
        self.room: Room | None = None
        self._shown_round = 0
        self.live = LiveSpec()
        self._key_form("<p>This page is for the facilitator. Type the key that "
                       "<code>make workshop GAME=1</code> printed in your terminal.</p>",
                       "Open the game's console")
        # -- the game
        self.head = widgets.HTML()
        self.trouble = widgets.HTML()
        self.minutes = widgets.BoundedIntText(value=DEFAULT_MINUTES, min=0, max=90,
                                              description="Plan timer (minutes)",
                                              style={"description_width": "initial"},
                                              layout=widgets.Layout(width="240px"))
        self.house_bots = widgets.Dropdown(options=HOUSE_BOTS, value="cooperative",
                                           description="At the lock",
                                           style={"description_width": "90px"},
                                           layout=widgets.Layout(width="520px"))
        self.step_button = widgets.Button(description="Start round 1", button_style="warning",
                                          icon="forward", layout=widgets.Layout(width="auto"))
        self.step_button.on_click(lambda _: self.step())
        self.step_message = widgets.HTML()
        self.card_pick = widgets.Dropdown(options=[(c.title, c.card) for c in CARDS.values()],
                                          description="Event card",
                                          style={"description_width": "90px"},
                                          layout=widgets.Layout(width="420px"))
        self.card_button = widgets.Button(description="Play this card", icon="bolt")
        self.card_button.on_click(lambda _: self.play_card())
        self.card_text = widgets.HTML()
        self.card_pick.observe(lambda _: self._card_words(), names="value")
        self.books_button = widgets.Button(description="Open the books", icon="book")
        self.books_button.on_click(lambda _: self.toggle_books())
        self.seats = widgets.HTML()
        self.reveal_heading = widgets.HTML()
        self.reveal_pick = widgets.Dropdown(options=[], description="Show round",
                                            style={"description_width": "90px"},
                                            layout=widgets.Layout(width="220px"))
        self.reveal_pick.observe(lambda _: self._draw_reveal(), names="value")
        self.chart = widgets.Output()
        self.reveal_table = widgets.HTML()
        step = widgets.VBox([widgets.HBox([self.minutes, self.house_bots]), self.step_button,
                             self.step_message])
        step.add_class("cs-step")
        self.controls = widgets.VBox([
            widgets.HBox([self.card_pick, self.card_button, self.books_button],
                         layout=widgets.Layout(flex_flow="row wrap")),
            self.card_text, self.seats])
        self.reveal_box = widgets.VBox([self.reveal_heading, self.reveal_pick, self.chart,
                                        self.reveal_table])
        self.body = widgets.VBox([self.controls, self.reveal_box])
        self.main = widgets.VBox([self.head, self.trouble, step, self.body],
                                 layout=widgets.Layout(display="none"))
        self._card_words()
        self.page.on_ready(self._page_ready)

    # ------------------------------------------------------------------ unlocking
    def unlock(self, code: str | None = None, key: str | None = None) -> bool:
        """Open the game's console with the room code and key (typed, by default)."""
        return self._unlock(code, key, self._take)

    def _take(self, console: Console) -> None:
        game = Game(console.room)  # a RoomError for a room with no game: refused
        self.game, self.room = game, console.room
        self.console = GameConsole(game, console)

    # ------------------------------------------------------------------ drawing
    def apply(self, room_state: RoomState, changed: bool = True) -> None:
        self.room_state = room_state
        if changed or self.state is None:
            self.redraw()
        elif self.state is not None:
            self.head.value = head_html(self.state, timer_words(room_state, self.state.phase,
                                                                self.clock()))

    def redraw(self) -> None:
        if self.game is None:
            return
        state = self.game.state()
        self.state = state
        self.head.value = head_html(state, timer_words(self.room_state, state.phase,
                                                       self.clock()))
        step = next_step(state)
        self.step_button.description = step[1] if step else "The game is over"
        self.step_button.disabled = step is None
        self.minutes.disabled = step is None or step[0] != "plan"
        self.house_bots.disabled = step is None or step[0] != "lock"
        self.card_button.disabled = state.phase not in ("plan", "lock")
        self.books_button.description = ("Close the books" if state.record.books_open
                                         else "Open the books")
        self.seats.value = seats_html(state)
        # At the reveal and the debrief the room looks at the result: it comes first.
        order = ([self.reveal_box, self.controls] if state.phase in ("reveal", "debrief")
                 else [self.controls, self.reveal_box])
        if list(self.body.children) != order:
            self.body.children = order
        revealed = sorted(state.results)
        options = [(f"Round {n}", n) for n in revealed]
        if list(self.reveal_pick.options) != options:
            self.reveal_pick.options = options
        if revealed and revealed[-1] != self._shown_round:
            self._shown_round = revealed[-1]
            self.reveal_pick.value = revealed[-1]
        self._draw_reveal()

    def _draw_reveal(self) -> None:
        state = self.state
        number = self.reveal_pick.value
        if state is None or number is None or number not in state.results:
            self.reveal_heading.value = ("<h3>The reveal</h3><p>Nothing revealed yet: each "
                                         "round's result shows here at its reveal.</p>")
            self.chart.outputs = ()
            self.reveal_table.value = ""
            return
        result = state.results[number].to_dict()
        self.reveal_heading.value = (f"<h3>The reveal: round {number}, "
                                     f"{html.escape(result['year'])}</h3>"
                                     + verdict_html(result))
        figure = reveal_figure(reveal_frame(result), result["system"], result["year"])
        # Set, not captured: capturing display() in an Output widget hangs Voila at random.
        self.chart.outputs = chart_outputs([self.live.spec(figure)], [figure])
        self.reveal_table.value = reveal_html(result, state.setup)

    def _card_words(self) -> None:
        card = CARDS.get(self.card_pick.value)
        self.card_text.value = ("" if card is None else
                                f'<p class="cs-note"><b>{html.escape(card.title)}</b>: '
                                f"{html.escape(card.text)} ({html.escape(card.source)})</p>")

    # ------------------------------------------------------------------ actions
    def _act(self, action: Callable[[], Any], done: str) -> bool:
        if self.console is None:
            return False
        try:
            action()
        except (RoomError, ValueError) as exc:
            self.step_message.value = said_html(str(exc), ok=False)
            return False
        self.step_message.value = said_html(done, ok=True)
        if self.room is not None:
            poller_for(self.room).tick()
        self.redraw()
        return True

    def step(self) -> bool:
        """The next phase: plan (with the timer), lock, reveal, debrief."""
        if self.state is None or self.console is None:
            return False
        step = next_step(self.game.state())
        if step is None:
            return False
        phase = step[0]
        bots = self.house_bots.value
        seconds = round(self.minutes.value * 60)
        done = {"plan": "The plan is open: the tables decide now.",
                "lock": "Locked: every decision not taken is at its default"
                        + ("" if bots == "none" else f"; the bots ({bots}) decided first") + ".",
                "reveal": "Revealed: every table's page shows its result.",
                "debrief": "Debrief: the next step opens the next round."}[phase]
        return self._act(lambda: self.console.advance(
            plan_seconds=seconds if phase == "plan" and seconds else None,
            house_bots=bots if phase == "lock" and bots in POLICIES else None), done)

    def play_card(self) -> bool:
        card = self.card_pick.value
        return self._act(lambda: self.console.card(card),
                         f"Played: {CARDS[card].title}. It counts in this round's reveal.")

    def toggle_books(self) -> bool:
        if self.state is None:
            return False
        opening = not self.state.record.books_open
        return self._act(lambda: self.console.books(opening),
                         "The books are open: every table sees every organisation's figures."
                         if opening else "The books are closed: each table sees its own.")

    # ------------------------------------------------------------------ layout
    @property
    def widget(self) -> widgets.Widget:
        box = widgets.VBox([widgets.HTML(PANEL_CSS + GAME_CONSOLE_CSS), self.form, self.main])
        box.add_class("cs-game-console")
        box.add_class("cs-panel")
        return box

    def _ipython_display_(self) -> None:
        display(self.widget)
