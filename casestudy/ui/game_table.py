"""A table's page in the system game: it takes a role (an organisation of the loaded
system), sees its own books, makes and answers contract offers, takes its decisions for
the round, and at the reveal sees its own result first, then the system's.

The page's address carries its room and table (``game.ipynb?room=CODE&table=TOKEN``, from
the join page). Everything it writes goes through the table's ``casestudy.game.Seat``: the
room's store checks every write (the phase, the role, the value) and the page shows the
store's message when one is refused. What it shows is ``GameState.view(role)``: closed
books show only the role's own organisations until the facilitator opens them.

Every menu's values come from the model's one list (``casestudy.game.model.ALLOWED`` and
``offer_rules``), which the room's validation reads too. The page's text is plain
functions of the game's view, tested without a browser: ``head_html``, ``books_html``,
``offers_in_html``, ``result_html``, ``decision_label``.

A table that reloads its page loses nothing it recorded: the widgets are set from the
room's record of this round's decisions (a value changed on the page and not yet recorded
is the only thing a reload forgets; the page says "not recorded yet" while one is).
"""

from __future__ import annotations

import html
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from ..charts import money
from ..game.model import (
    ALLOWED,
    CARDS,
    FIXED_VALUE,
    GameSetup,
    Key,
    Terms,
    default_value,
    offer_rules,
)
from ..game.play import Game, GameState, Seat
from ..room import RoomError, RoomState
from ..scenario import PRESET_INFO
from .common import PANEL_CSS, name_checkbox
from .live import PageRoom, follow, page_room, said_html

GAME_CSS = """
<style>
.cs-game { max-width: 1200px; font-size: 16px; }
.cs-game h3 { margin: 10px 0 4px 0; font-size: 19px; }
.cs-game .cs-game-head { display: flex; flex-wrap: wrap; gap: 4px 22px; align-items: baseline;
                         background: #eef5fb; border-left: 6px solid #0072B2;
                         padding: 8px 14px; font-size: 17px; }
.cs-game .cs-game-head .cs-role { font-size: 22px; font-weight: bold; }
.cs-game .cs-game-head .cs-timer { font-size: 24px; font-weight: bold; }
.cs-game table.cs-books { border-collapse: collapse; margin: 4px 0 8px 0; font-size: 15px; }
.cs-game table.cs-books th, .cs-game table.cs-books td { padding: 3px 10px; text-align: left;
                                                         border-bottom: 1px solid #d9d9d9; }
.cs-game table.cs-books td.num { text-align: right; white-space: nowrap; }
.cs-game .cs-mine { font-weight: bold; }
.cs-game .cs-met { color: #005a8c; font-weight: bold; }
.cs-game .cs-missed { color: #8a4b00; font-weight: bold; }
.cs-game .cs-result-first { background: #f4f7fb; border-left: 6px solid #0072B2;
                            padding: 6px 14px; margin: 6px 0; }
.cs-game .cs-note { font-size: 14px; color: #333; }
.cs-game .widget-dropdown > select { font-size: 15px; }
/* A long label wraps beside its menu, and the row grows with it (nothing overlaps). */
.cs-game .widget-dropdown { height: auto; min-height: var(--jp-widgets-inline-height, 28px);
                            align-items: center; margin-bottom: 6px; }
.cs-game .widget-dropdown > .widget-label { white-space: normal; height: auto; line-height: 1.25;
                                            overflow: visible; }
.cs-game .widget-checkbox { margin-bottom: 4px; }
.cs-game .cs-offer-row { flex-wrap: wrap; align-items: center; gap: 4px 10px; }
</style>
"""
KIND_WORDS = {"fund": "Fund", "commit": "Deliver", "offer": "Offer", "accept": "Answer",
              "join": "Risk share", "vote": "Tie the incentive funds to the system",
              "efficiency": "Savings plan", "care": "Social care spending"}
PHASE_WORDS = {
    "setup": "The game has not begun: the facilitator opens round 1's plan.",
    "plan": "Plan: decide now. Your decisions count when recorded; the facilitator locks "
            "the round when the timer ends.",
    "lock": "Locked: no more decisions. Anything not decided is at its default (the "
            "status quo). The reveal comes next.",
    "reveal": "Revealed: your result is below.",
    "debrief": "Debrief: talk it through; the facilitator opens the next round.",
}


# --------------------------------------------------------------------------- words


def percent(value: float) -> str:
    """A share as the page shows it: 0.25 -> '25%', 0.995 -> '99.5%', -0.05 -> '−5%'."""
    shown = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return shown.replace("-", "\u2212") + "%"


def terms_words(terms: Mapping[str, Any] | Terms | None, national: str) -> str:
    """An offer's terms in words; None: no offer (the year's national rule)."""
    if terms is None:
        return f"no offer: the national rule ({PRESET_INFO[national].label})"
    if isinstance(terms, Terms):
        return terms.label
    rule = terms.get("rule")
    if rule == FIXED_VALUE:
        return f"fixed income at {percent(float(terms['share']))} of plan"
    return PRESET_INFO[rule].label if rule in PRESET_INFO else str(rule)


HELP = {  # one line under each of a table's own decisions: what it does in the model
    "join": "Members pool this share of their variance: each ends nearer its control total "
            "plus its share of the members' gap; two members or more (lesson 3).",
    "vote": "A majority of the fund holders ties every NHS incentive fund to the system's "
            "control total (lesson 3).",
    "efficiency": "Recurrent schemes deliver {delivered} and carry into next year; one-off "
                  "measures deliver in full this year only (lesson 4).",
    "care": "A cut saves the council money now; some of it comes back to the NHS as emergency "
            "admissions and delayed discharges (lesson 5).",
}


def _mid(name: str) -> str:
    """A role's name inside a sentence ("the commissioners", not "The commissioners")."""
    return "the" + name[3:] if name.startswith("The ") else name


def decision_label(setup: GameSetup, key: Key) -> str:
    """What a decision is, in a table's words (names from the system, not yet escaped)."""
    kind, target = key
    names = {r.role_id: _mid(r.name) for r in setup.roles}
    if kind in ("fund", "commit"):
        scheme = setup.scheme_by_id[target]
        other = scheme.deliverer_role if kind == "fund" else scheme.funder_role
        by = (f", delivered by {names[other]}" if kind == "fund" and other not in (None,) and
              other != scheme.funder_role else
              f", funded by {names[other]}" if kind == "commit" and other else "")
        return f"{KIND_WORDS[kind]}: {scheme.name}{by}"
    if kind in ("offer", "accept"):
        contract = setup.contract_by_id[target]
        return (f"{KIND_WORDS[kind]}: the contract with "
                f"{setup.system.organisations.name[contract.provider]}")
    if kind in ("efficiency", "care"):
        return f"{KIND_WORDS[kind]}: {setup.system.organisations.name[target]}"
    return KIND_WORDS[kind]


def value_words(key: Key, value: Any, national: str = "pbr_mret") -> str:
    kind = key[0]
    if kind == "offer":
        return terms_words(value, national)
    if kind in ("accept", "fund", "commit", "vote"):
        return "yes" if value else "no"
    if kind == "care":
        return percent(float(value)) if value else "no change"
    return percent(float(value))


def timer_words(state: RoomState | None, phase: str, now: float | None = None) -> str:
    if state is None or state.timer is None or phase != "plan":
        return ""
    left = state.timer.remaining_s(time.time() if now is None else now)
    if state.timer.stopped_at_s is not None:
        return ""
    return (f"Time left: {int(left) // 60}:{int(left) % 60:02d}" if left else "Time is up")


def head_html(view: Mapping[str, Any], setup: GameSetup, timer: str = "") -> str:
    """Who the table plays, the round and year, the phase, and the timer."""
    role = view.get("role")
    name = setup.role_by_id[role].name if role in setup.role_by_id else "no role yet"
    number, phase = view["round"], view["phase"]
    year = (f"Round {number} of {view['rounds']}: {view['years'][number - 1]} "
            f"({PRESET_INFO[view['national'][number - 1]].label} is the national rule)"
            if number >= 1 else f"{view['rounds']} rounds from {view['years'][0]}")
    books = "Books open: every organisation's figures" if view["books_open"] else (
        "Books closed: you see your own figures")
    clock = f'<span class="cs-timer" role="timer">{html.escape(timer)}</span>' if timer else ""
    return (f'<div class="cs-game-head" role="region" aria-label="Your role and the round">'
            f'<span class="cs-role">{html.escape(name)}</span>'
            f"<span>{html.escape(year)}</span>{clock}</div>"
            f'<p class="cs-phase" role="status"><b>{html.escape(PHASE_WORDS.get(phase, phase))}'
            f"</b> {html.escape(books)}.</p>")


def books_html(state: GameState, role: str) -> str:
    """The role's books for this round (every organisation's when the books are open):
    control total, the status-quo plan (nothing agreed, demand on plan), the incentive fund
    at stake, and each revealed round's reported and underlying positions."""
    setup = state.setup
    number = max(1, state.round)
    mine = set(setup.role_by_id[role].org_ids)
    shown = [o for o in setup.org_ids if o in mine or (state.record.books_open
                                                       and o in setup.role_of_org)]
    orgs = setup.system.organisations
    revealed = sorted(state.results)
    head = ("<tr><th scope='col'>Organisation</th>"
            f"<th scope='col'>Control total {html.escape(setup.years[number - 1])}</th>"
            "<th scope='col'>Plan if nothing is agreed</th>"
            "<th scope='col'>Incentive fund at stake</th>"
            + "".join(f"<th scope='col'>Round {r}: reported / underlying</th>" for r in revealed)
            + "</tr>")
    rows = []
    for org in shown:
        at = setup.org_index[org]
        mark = ' class="cs-mine"' if org in mine else ""
        cells = [f"<td{mark}>{html.escape(str(orgs.name[org]))}</td>",
                 f'<td class="num">{money(setup.control_totals[number - 1][at])}</td>',
                 f'<td class="num">{money(setup.plan_positions[number - 1][at])}</td>',
                 f'<td class="num">{money(float(orgs.incentive_fund_gbp_m[org]))}</td>']
        for r in revealed:
            result = state.results[r].organisation(org)
            cells.append(f'<td class="num">{money(result.position_gbp_m)} / '
                         f"{money(result.underlying_position_gbp_m)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    which = ("Every organisation's books (the facilitator opened them)" if state.record.books_open
             else "Your books (closed books: the others' figures are theirs)")
    return (f'<table class="cs-books"><caption>{html.escape(which)}; £m, illustrative'
            f"</caption>{head}{''.join(rows)}</table>")


def offers_in_html(view: Mapping[str, Any], setup: GameSetup, role: str) -> str:
    """The offers made to this role (a provider) and their answers, or the offers this role
    made (the commissioners) and whether each is accepted."""
    national = view["national"][max(1, view["round"]) - 1]
    answers = {d["target"]: d["value"] for d in view["decisions"] if d["kind"] == "accept"}
    lines = []
    for c in setup.contracts:
        if role not in (c.payer_role, c.provider_role):
            continue
        standing = view["offers"].get(c.contract_id)
        provider = html.escape(str(setup.system.organisations.name[c.provider]))
        payer = html.escape(setup.role_by_id[c.payer_role].name)
        if standing is None:
            state = "no offer yet: paid by the national rule unless one is agreed"
        else:
            answer = answers.get(c.contract_id)
            state = (f"offered <b>{html.escape(terms_words(standing['terms'], national))}</b>: "
                     + ("accepted" if answer else "refused (the national rule)" if answer is False
                        else "not answered yet"))
        who = (f"Your contract with {provider}" if role == c.payer_role
               else f"{payer} to you")
        lines.append(f"<li>{who}: {state}</li>")
    if not lines:
        return ""
    return f'<ul class="cs-offers-list" aria-label="Contract offers">{"".join(lines)}</ul>'


def result_html(view: Mapping[str, Any], setup: GameSetup, role: str) -> str:
    """The latest revealed round: this role's result first (reported and underlying against
    its control total, funds won and lost, the risk share, would it sign again), then the
    system's (with the books open; on the facilitator's screen otherwise)."""
    if not view["results"]:
        return ""
    result = view["results"][-1]
    mine = set(setup.role_by_id[role].org_ids)
    parts = [f"<h3>Round {result['round']}, {html.escape(result['year'])}: your result</h3>"]
    for org in result["organisations"]:
        if org["org_id"] not in mine:
            continue
        met = org["met_control_total"]
        verdict = ('<span class="cs-met">met its control total</span>' if met else
                   '<span class="cs-missed">missed its control total</span>')
        funds = (f"Incentive fund: won {money(org['fund_won_gbp_m'])}, lost "
                 f"{money(org['fund_lost_gbp_m'])}. " if org["fund_available_gbp_m"] else "")
        pooled = org["risk_share_gbp_m"]
        risk = (f"Risk share: {'received' if pooled >= 0 else 'paid'} {money(abs(pooled))}. "
                if abs(pooled) >= 0.05 else "")
        sign = ("Would sign the same deal again (no worse off than with nothing signed)."
                if org["would_sign_again"] else
                f"Would not sign the same deal again: with nothing signed it would have "
                f"reported {money(org['fallback_position_gbp_m'])}.")
        against = (f", against a control total of {money(org['control_total_gbp_m'])}: "
                   f"{verdict}" if org["in_nhs_control_total"] else
                   " (outside the NHS control total: no total to meet)")
        parts.append(
            f'<div class="cs-result-first"><p><b>{html.escape(org["name"])}</b>: reported '
            f"<b>{money(org['position_gbp_m'])}</b>, underlying "
            f"<b>{money(org['underlying_position_gbp_m'])}</b>{against}.</p>"
            f"<p>{funds}{risk}Demand off plan moved its position by "
            f"{money(org['volume_risk_gbp_m'], signed=True)}. {sign}</p></div>")
    system = result.get("system")
    if system is not None:
        met = system["met_control_total"]
        parts.append(
            "<h3>The NHS system</h3>"
            f"<p>Reported <b>{money(system['position_gbp_m'])}</b>, underlying "
            f"<b>{money(system['underlying_position_gbp_m'])}</b>, against a control total "
            f"of {money(system['control_total_gbp_m'])}: "
            + ('<span class="cs-met">met</span>' if met else '<span class="cs-missed">missed'
               "</span>")
            + f" (judged before incentive funds: {money(system['position_before_funds_gbp_m'])})"
            + f". Funds won {money(system['funds_won_gbp_m'])}, lost "
            f"{money(system['funds_lost_gbp_m'])}. The whole place (the council and the "
            f"voluntary sector too): {money(system['place_position_gbp_m'])}.</p>")
        carrier = result.get("volume_risk_carried_by")
        if carrier in setup.org_index:
            parts.append(f"<p>Demand off plan moved "
                         f"{html.escape(str(setup.system.organisations.name[carrier]))}'s "
                         "position most: it carried the volume risk.</p>")
    else:
        parts.append('<p class="cs-note">The system\'s result is on the facilitator\'s screen; '
                     "it shows here too once the books are open.</p>")
    cards = [CARDS[c].title for c in result.get("cards", []) if c in CARDS]
    if cards:
        parts.append(f'<p class="cs-note">Played this round: {html.escape(", ".join(cards))}.</p>')
    parts.append('<p class="cs-note">Figures are illustrative: the kit\'s model of the system.</p>')
    return f'<div class="cs-game-result" role="region" aria-label="Your result">{"".join(parts)}</div>'



def _menu(kind: str) -> list[tuple[str, float]]:
    return [(percent(v) if kind != "care" or v else "no change", v)
            for v in ALLOWED[kind].menu()]


# --------------------------------------------------------------------------- the page


class GamePage:
    """What the game's two pages (a table's, the console's) hold alike: the page's room,
    the store, the clock their timers read, the game once known, its last state and the
    room's last state from the poller."""

    def __init__(self, *, page: PageRoom | None = None, db: Any = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock
        self.page = page if page is not None else page_room(db)
        self.game: Game | None = None
        self.state: GameState | None = None
        self.room_state: RoomState | None = None


class GameTablePanel(GamePage):
    """The table's game page. ``game`` and ``seat`` may be given (tests); otherwise they
    come from the page's address when the room is known."""

    def __init__(self, *, page: PageRoom | None = None, db: Any = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(page=page, db=db, clock=clock)
        self.seat: Seat | None = None
        self.role: str | None = None
        self._round = 0
        self._key = f"game-{uuid.uuid4().hex[:12]}"
        self._writes = 0
        self._dirty: set[Key] = set()
        self._setting = False
        self.head = widgets.HTML()
        self.message = widgets.HTML()
        self.role_pick = widgets.Dropdown(options=[], description="Our role",
                                          style={"description_width": "80px"},
                                          layout=widgets.Layout(width="520px"))
        self.take_button = widgets.Button(description="Take this role", button_style="info",
                                          icon="check")
        self.take_button.on_click(lambda _: self.take())
        self.taken = widgets.HTML()
        self.role_box = widgets.VBox([
            widgets.HTML("<p>Choose the organisation your table plays. Roles no table takes "
                         "are played by bots.</p>"),
            widgets.HBox([self.role_pick, self.take_button]), self.taken],
            layout=widgets.Layout(display="none"))
        self.books = widgets.HTML()
        self.offers_text = widgets.HTML()
        self.offer_rows: dict[str, tuple[widgets.Dropdown, widgets.Dropdown]] = {}
        self.answer_rows: dict[str, tuple[widgets.Button, widgets.Button]] = {}
        self.offers_box = widgets.VBox()
        self.send_offers_button = widgets.Button(description="Send our offers",
                                                 button_style="info", icon="paper-plane")
        self.send_offers_button.on_click(lambda _: self.send_offers())
        self.controls: dict[Key, widgets.Widget] = {}
        self.decisions_box = widgets.VBox()
        self.capacity = widgets.HTML()
        self.record_button = widgets.Button(description="Record our decisions",
                                            button_style="info", icon="save")
        self.record_button.on_click(lambda _: self.record())
        self.record_message = widgets.HTML()
        self.result = widgets.HTML()
        self.play_box = widgets.VBox(layout=widgets.Layout(display="none"))
        self.trouble = widgets.HTML()
        self.page.on_ready(self._page_ready)

    # ------------------------------------------------------------------ the room
    def _page_ready(self, page: PageRoom) -> None:
        if page.status == "error":
            self.message.value = said_html(page.message, ok=False)
            return
        if not page.in_room:
            self.message.value = said_html(
                "This page is a table's page in a live game: open it from your join page "
                "(the link carries your room and table).", ok=False)
            return
        try:
            game = Game(page.room)
        except RoomError as exc:
            self.message.value = said_html(f"This room has no game: {exc}. Ask the facilitator.",
                                       ok=False)
            return
        self.connect(game, game.seat(page.token))
        follow(page.room, self.apply, self.trouble)

    def connect(self, game: Game, seat: Seat) -> None:
        self.game, self.seat = game, seat
        self.refresh()

    def apply(self, room_state: RoomState, changed: bool = True) -> None:
        """The poller's tick: redraw on new events; move the timer every tick."""
        self.room_state = room_state
        if changed or self.state is None:
            self.refresh()
        elif self.state is not None and self.role is not None:
            self.head.value = head_html(self.state.view(self.role), self.state.setup,
                                        timer_words(room_state, self.state.phase, self.clock()))

    def refresh(self) -> None:
        """Read the game and redraw (the poller calls it when the room changed)."""
        if self.game is None or self.seat is None:
            return
        state = self.game.state()
        self.state = state
        role = state.record.role_of(self.seat.table.team_id)
        setup = state.setup
        if role is None:
            # The menu lists every role, always: a menu whose options change as other tables
            # take roles moves the choice under a table's hand (the browser sends the index
            # it chose, which then names another role). Taken roles are said below it, and
            # taking one is refused with a message.
            every = [(r.name, r.role_id) for r in setup.roles]
            if [tuple(o) for o in self.role_pick.options] != every:
                self.role_pick.options = every
                free = [v for _, v in every if v not in state.seats]
                if free:
                    self.role_pick.value = free[0]
            taken = [f"{html.escape(r.name)} (<b>{html.escape(state.seats[r.role_id].name)}</b>)"
                     for r in setup.roles if r.role_id in state.seats]
            self.taken.value = (f'<p class="cs-taken">Taken by a table: {"; ".join(taken)}.</p>'
                                if taken else "")
            self.role_box.layout.display = None
            self.play_box.layout.display = "none"
            self.head.value = head_html({**state.view(None), "role": None}, setup)
            self.role = None
            return
        self.role_box.layout.display = "none"
        self.play_box.layout.display = None
        if role != self.role or state.round != self._round:
            self.role, self._round = role, state.round
            self._dirty.clear()
            self._build(state)
        view = state.view(role)
        self.books.value = books_html(state, role)
        self.offers_text.value = offers_in_html(view, setup, role)
        self.result.value = result_html(view, setup, role)
        parts = [self.books, self.offers_box, self.decisions_box]
        # At the reveal the table's own result comes first; in the plan, its decisions.
        order = [self.result, *parts] if state.phase in ("reveal", "debrief") else [
            *parts, self.result]
        if list(self.play_box.children) != order:
            self.play_box.children = order
        self._set_from_record(state)
        planning = state.phase == "plan"
        for widget in self._inputs():
            widget.disabled = not planning
        for contract, (accept, refuse) in self.answer_rows.items():
            standing = view["offers"].get(contract)
            accept.disabled = refuse.disabled = not planning or standing is None
        self._capacity()
        # The phase last: a page that says "locked" has its controls disabled already.
        self.head.value = head_html(view, setup, timer_words(self.room_state, state.phase,
                                                             self.clock()))

    # ------------------------------------------------------------------ building
    def _build(self, state: GameState) -> None:
        """The role's controls for this round (built when the role or the round changes)."""
        setup, role = state.setup, self.role
        number = max(1, state.round)
        self.offer_rows, self.answer_rows, self.controls = {}, {}, {}
        offer_widgets: list[widgets.Widget] = [widgets.HTML("<h3>Contract offers</h3>"),
                                               self.offers_text]
        for c in setup.contracts:
            provider = str(setup.system.organisations.name[c.provider])
            if c.payer_role == role:
                # The national rule's name is in the page's head: the menu stays readable.
                rules = [("No offer: the year's national rule", "none")]
                rules += [(PRESET_INFO[r].label if r != FIXED_VALUE else
                           "Fixed income at a value (a share of planned income)", r)
                          for r in offer_rules(setup, number)]
                rule = widgets.Dropdown(options=rules, value="none",
                                        description=f"To {provider}",
                                        style={"description_width": "230px"},
                                        layout=widgets.Layout(width="640px"))
                share = widgets.Dropdown(options=[(percent(v), v) for v in
                                                  ALLOWED["fixed_share"].menu()],
                                         value=1.0, description="at",
                                         style={"description_width": "30px"},
                                         layout=widgets.Layout(width="130px"))
                rule.observe(lambda _c, _share=share, _rule=rule: self._share_shown(
                    _rule, _share), names="value")
                self._share_shown(rule, share)
                self.offer_rows[c.contract_id] = (rule, share)
                row = widgets.HBox([rule, share])
                row.add_class("cs-offer-row")
                offer_widgets.append(row)
            if c.provider_role == role:
                accept = widgets.Button(description=f"Accept the offer for {provider}",
                                        button_style="success", icon="check")
                refuse = widgets.Button(description=f"Refuse the offer for {provider}",
                                        icon="times")
                accept.on_click(lambda _b, _c=c.contract_id: self.answer(_c, True))
                refuse.on_click(lambda _b, _c=c.contract_id: self.answer(_c, False))
                self.answer_rows[c.contract_id] = (accept, refuse)
                offer_widgets.append(widgets.HBox([accept, refuse]))
        if self.offer_rows:
            offer_widgets.append(self.send_offers_button)
        self.offers_box.children = offer_widgets if (self.offer_rows or self.answer_rows) else []
        items: list[widgets.Widget] = [widgets.HTML("<h3>Your decisions this round</h3>")]
        schemes = [k for k in setup.decision_keys(role) if k[0] in ("fund", "commit")]
        if schemes:
            items.append(widgets.HTML(
                "<p><b>Schemes</b>: a scheme runs when its funder funds it and its deliverer "
                "commits to it. The schemes running share one leadership capacity: the more "
                "run, the less of each one's effect is delivered (lesson 1).</p>"))
            items.append(self.capacity)
            loads = dict(zip(setup.system.arrays.scheme_ids, setup.system.arrays.scheme_load))
            for key in schemes:
                box = name_checkbox(f"{decision_label(setup, key)}; leadership load "
                                    f"{loads[key[1]]:g}",
                                    value=False, indent=False,
                                    layout=widgets.Layout(width="auto"))
                self._watch(key, box)
                items.append(box)
        for key in setup.decision_keys(role):
            kind = key[0]
            if kind == "join":
                control = widgets.Dropdown(options=[("out (0%)", 0.0), *_menu("join")[1:]],
                                           value=0.0,
                                           description="Risk share: the share of our variance "
                                                       "we pool",
                                           style={"description_width": "330px"},
                                           layout=widgets.Layout(width="470px"))
            elif kind == "vote":
                control = widgets.Checkbox(value=False, indent=False,
                                           description="Vote to tie the incentive funds to the "
                                                       "NHS system's control total",
                                           layout=widgets.Layout(width="auto"))
            elif kind == "efficiency":
                menu = _menu("efficiency")
                status_quo = default_value(setup, key)
                if status_quo not in [v for _, v in menu]:
                    menu = sorted([*menu, (percent(status_quo), status_quo)], key=lambda o: o[1])
                control = widgets.Dropdown(options=menu, value=status_quo,
                                           description=f"Savings plan of "
                                                       f"{setup.system.organisations.name[key[1]]}"
                                                       ": share recurrent (the rest one-off)",
                                           style={"description_width": "330px"},
                                           layout=widgets.Layout(width="470px"))
            elif kind == "care":
                control = widgets.Dropdown(options=_menu("care"), value=0.0,
                                           description="Change to what the council spends on "
                                                       "social care packages",
                                           style={"description_width": "330px"},
                                           layout=widgets.Layout(width="470px"))
            else:
                continue
            self._watch(key, control)
            words = HELP[kind].format(
                delivered=percent(setup.scenario.efficiency_delivered_share))
            items += [control, widgets.HTML(f'<div class="cs-help">{html.escape(words)}</div>')]
        items += [self.record_button, self.record_message]
        self.decisions_box.children = items

    def _share_shown(self, rule: widgets.Dropdown, share: widgets.Dropdown) -> None:
        share.layout.visibility = "visible" if rule.value == FIXED_VALUE else "hidden"

    def _watch(self, key: Key, control: widgets.Widget) -> None:
        self.controls[key] = control

        def changed(_: Any) -> None:
            if not self._setting:
                self._dirty.add(key)
                self.record_message.value = said_html("Changed on this page, not recorded yet: "
                                                  "press Record our decisions.", ok=False)
                self._capacity()
        control.observe(changed, names="value")

    def _inputs(self) -> list[widgets.Widget]:
        out: list[widgets.Widget] = list(self.controls.values())
        for rule, share in self.offer_rows.values():
            out += [rule, share]
        if self.offer_rows:
            out.append(self.send_offers_button)
        if self.controls:
            out.append(self.record_button)
        return out

    def _set_from_record(self, state: GameState) -> None:
        """Put every recorded decision of this round into its widget (a reload keeps them),
        leaving a value the table changed and has not recorded yet as it is."""
        made = state.decided()
        self._setting = True
        try:
            for key, control in self.controls.items():
                if key in self._dirty or key not in made:
                    continue
                value = made[key].value
                if isinstance(control, widgets.Dropdown):
                    values = [v for _, v in control.options]
                    if value not in values:  # a bot's value off the page's menu
                        control.options = sorted([*control.options, (percent(value), value)],
                                                 key=lambda o: o[1])
                control.value = value
            current = state.decisions()
            for contract, (rule, share) in self.offer_rows.items():
                if ("offer", contract) not in made:
                    continue
                terms = current.get(("offer", contract))
                wanted = "none" if terms is None else terms.rule
                if wanted not in [v for _, v in rule.options]:
                    rule.options = [*rule.options, (terms.label, wanted)]
                rule.value = wanted
                if terms is not None and terms.rule == FIXED_VALUE:
                    if terms.share not in [v for _, v in share.options]:
                        share.options = sorted([*share.options, (percent(terms.share),
                                                                 terms.share)],
                                               key=lambda o: o[1])
                    share.value = terms.share
        finally:
            self._setting = False

    def _capacity(self) -> None:
        """The leadership load of the schemes this table backs, against the capacity."""
        if self.state is None or self.role is None:
            return
        setup = self.state.setup
        loads = dict(zip(setup.system.arrays.scheme_ids, setup.system.arrays.scheme_load))
        backed = [k[1] for k, c in self.controls.items() if k[0] in ("fund", "commit")
                  and c.value]
        total = sum(loads[s] for s in backed)
        self.capacity.value = (
            f'<p class="cs-note">The schemes you back carry a load of {total:g}; the whole '
            f"system's leadership capacity is {setup.scenario.leadership_capacity:g}, shared "
            "by every scheme that runs.</p>")

    # ------------------------------------------------------------------ actions
    def _next_key(self) -> str:
        self._writes += 1
        return f"{self._key}-{self._writes}"

    def _write(self, action: Callable[[], Any]) -> bool:
        try:
            action()
        except (RoomError, ValueError) as exc:
            self.message.value = said_html(f"Not recorded: {exc}.", ok=False)
            return False
        return True

    def _written(self, action: Callable[[], Any], said: str = "") -> bool:
        """One write of the seat's; once recorded, ``said`` (or no message) and the page
        drawn again."""
        if self.seat is None or not self._write(action):
            return False
        self.message.value = said_html(said, ok=True) if said else ""
        self.refresh()
        return True

    def take(self, role: str | None = None) -> bool:
        """Take a role (the chosen one, by default)."""
        role = self.role_pick.value if role is None else role
        if role is None:
            return False
        return self._written(lambda: self.seat.take(role, key=self._next_key()))

    def send_offers(self) -> int:
        """Send each offer that differs from the one standing (or is not recorded yet)."""
        if self.seat is None or self.state is None:
            return 0
        made = self.state.decided()
        current = self.state.decisions()
        sent = 0
        for contract, (rule, share) in self.offer_rows.items():
            wanted = None if rule.value == "none" else (
                Terms(FIXED_VALUE, share.value) if rule.value == FIXED_VALUE else Terms(rule.value))
            if ("offer", contract) in made and current.get(("offer", contract)) == wanted:
                continue
            ok = self._write(lambda _c=contract, _w=wanted: self.seat.offer(
                _c, "none" if _w is None else _w.rule,
                _w.share if _w is not None and _w.rule == FIXED_VALUE else None,
                key=self._next_key()))
            if not ok:
                return sent
            sent += 1
        self.message.value = said_html(f"Recorded: the offer on {sent} contract{'s' if sent != 1 else ''}"
                                   if sent else "Nothing new to send: your offers stand.", ok=True)
        self.refresh()
        return sent

    def answer(self, contract: str, accept: bool) -> bool:
        return self._written(lambda: self.seat.answer(contract, accept, key=self._next_key()),
                             "Accepted: the contract is paid on the offer's terms." if accept
                             else "Refused: the contract stays on the national rule.")

    def record(self) -> int:
        """Record every decision on the page that is new or changed; returns how many."""
        if self.seat is None or self.state is None:
            return 0
        made = self.state.decided()
        written = 0
        for key, control in self.controls.items():
            value = control.value
            if key in made and made[key].value == value and key not in self._dirty:
                continue
            if not self._write(lambda _k=key, _v=value: self.seat.decide(
                    _k, _v, key_=self._next_key())):
                return written
            written += 1
        self._dirty.clear()
        self.message.value = ""
        self.record_message.value = said_html(
            f"Recorded at {time.strftime('%H:%M:%S', time.localtime(self.clock()))}: your "
            "decisions count until the facilitator locks the round.", ok=True)
        self.refresh()
        return written

    # ------------------------------------------------------------------ layout
    @property
    def widget(self) -> widgets.Widget:
        box = widgets.VBox([widgets.HTML(PANEL_CSS + GAME_CSS), self.head, self.trouble,
                            self.message, self.role_box, self.play_box])
        box.add_class("cs-game")
        box.add_class("cs-panel")
        return box

    def _ipython_display_(self) -> None:
        display(self.widget)
