"""A game in a room: tables seated in roles, the facilitator's console, and the state pages
poll (``Game.state()``, a pure function of the room's events, computed again only when
there are new ones).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import room as rooms
from ..errors import ScenarioError
from ..room.errors import RoomError
from ..room.state import TimerState
from ..room.store import Console, Room, Table
from ..system import System, load_system
from . import bots as bot_policies
from .model import (
    CARDS,
    FIRST_YEAR,
    ROUNDS,
    Decisions,
    GameSetup,
    Key,
    Played,
    RoundResult,
    RoundState,
    default_value,
    first_round,
    play_round,
    year_noise,
)
from .record import (
    BUNDLED,
    GAME_KINDS,
    MAX_DEFAULTS_PER_EVENT,
    PHASES,
    Decided,
    GameRecord,
    derive_record,
    digest_of,
    payload_of,
    setup_of,
)

Where = str | os.PathLike | None


def _system_reference(system: System | str | os.PathLike | None) -> tuple[System, str]:
    """The system and how the setup names it: 'bundled', or its folder's or file's path."""
    if system is None:
        return load_system(), BUNDLED
    if isinstance(system, System):
        bundled = load_system()
        if digest_of(system) == digest_of(bundled):
            return system, BUNDLED
        source = Path(system.source) if system.source else None
        if source is None or not source.exists():
            raise ScenarioError("system: a system built in memory cannot be named in the room's "
                                "record; load it from a folder or a workbook and pass its path")
        return system, str(source.resolve())
    path = Path(system)
    return load_system(path), str(path.resolve())


def new_game(db: Where = None, *, system: System | str | os.PathLike | None = None,
             title: str = "", first_year: str = FIRST_YEAR, rounds: int = ROUNDS,
             seed: int = 0, group_commissioners: bool = True) -> tuple[Game, str]:
    """A new room with a game in it; returns the game and the facilitator's key (shown once).

    ``system``: the bundled system (default), a folder or workbook of one's own, or a loaded
    ``System`` from one. The setup is the room's first game event.
    """
    loaded, reference = _system_reference(system)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ScenarioError(f"seed = {seed!r} is not allowed; a whole number from 0 to "
                            f"{2**32 - 1}")
    payload = {"system": reference, "digest": digest_of(loaded), "first_year": first_year,
               "rounds": rounds, "seed": seed, "group_commissioners": bool(group_commissioners)}
    setup_of(payload, loaded)  # refuses a bad year or number of rounds before a room is made
    room, key = rooms.new_room(db, title=title)
    room.console(key).record("game_setup", payload, key="game-setup")
    return Game(room), key


def open_game(code: str, db: Where = None) -> Game:
    """The game in the room with this code (in any process, after any restart)."""
    return Game(rooms.open_room(code, db))


@dataclass(frozen=True)
class SeatInfo:
    team_id: int
    name: str  # as typed: escape it
    bot: bool


@dataclass(frozen=True, eq=False)
class GameState:
    """The game as the events say, with every revealed round computed. Pages poll
    ``Game.state()`` and show ``view(role)`` (a table's) or ``view()`` (the console's)."""

    code: str
    title: str
    setup: GameSetup
    seed: int
    record: GameRecord
    seats: Mapping[str, SeatInfo]  # role -> the table playing it
    results: Mapping[int, RoundResult]  # revealed rounds
    timer: TimerState | None
    last_event_id: int

    @property
    def round(self) -> int:
        return self.record.round

    @property
    def phase(self) -> str:
        return self.record.phase

    @property
    def finished(self) -> bool:
        return self.record.next_phase() is None and bool(self.record.phases)

    def decisions(self, round: int | None = None) -> Decisions:
        """A round's decisions as the model reads them (default: the current round)."""
        number = self.round if round is None else round
        rr = self.record.rounds.get(number)
        return rr.decisions() if rr is not None else Decisions()

    def decided(self, round: int | None = None) -> dict[Key, Decided]:
        """Each decision recorded this round, with who made it (offers and answers too)."""
        number = self.round if round is None else round
        rr = self.record.rounds.get(number)
        if rr is None:
            return {}
        out = dict(rr.decided)
        out.update({("offer", c): d for c, d in rr.offers.items()})
        out.update({("accept", c): d for c, d in rr.answers.items()})
        return out

    def waiting_for(self) -> dict[str, list[Key]]:
        """Each role's decisions not yet taken this round (the console's "who has not
        decided"). An answer is waited for only where an offer stands unanswered."""
        if self.phase != "plan":
            return {}
        made, current = self.decided(), self.decisions()
        out: dict[str, list[Key]] = {}
        for role in self.setup.roles:
            keys = []
            for key in self.setup.decision_keys(role.role_id):
                if key[0] == "accept":
                    if ("offer", key[1]) in current and key not in current:
                        keys.append(key)
                elif key not in made:
                    keys.append(key)
            out[role.role_id] = keys
        return out

    def view(self, role: str | None = None) -> dict[str, Any]:
        """What a page shows, as plain data (JSON-ready). ``role`` None: the console's view,
        everything. A table's view: its own decisions, the offers to and from it, and its
        own figures; every organisation's figures once the books are open."""
        if role is not None and role not in self.setup.role_by_id:
            raise RoomError(f"role: {role!r} is not a role of this game")
        setup = self.setup
        books = self.record.books_open or role is None
        mine = set(setup.role_by_id[role].org_ids) if role is not None else set(setup.org_ids)
        rounds = []
        for number, result in sorted(self.results.items()):
            data = result.to_dict()
            if not books:
                data["organisations"] = [o for o in data["organisations"] if o["org_id"] in mine]
                data.pop("system")
                data.pop("volume_risk_carried_by")
            rounds.append(data)
        current = self.decisions()
        decisions = [
            {"kind": k[0], "target": k[1], "value": _shown(v), "role": setup.owner(k)}
            for k, v in current.items()
            if role is None or setup.owner(k) == role or _concerns(setup, k, role)]
        offers = self.record.rounds.get(self.round)
        standing = {c: {"offer_event": d.event_id, "terms": _shown(d.value)}
                    for c, d in (offers.offers.items() if offers else ())
                    if d.value is not None and (role is None or _concerns(
                        setup, ("offer", c), role) or setup.owner(("offer", c)) == role)}
        return {
            "code": self.code, "title": self.title, "round": self.round, "phase": self.phase,
            "rounds": setup.rounds, "years": list(setup.years), "national": list(setup.national),
            "finished": self.finished, "books_open": self.record.books_open,
            "role": role, "last_event_id": self.last_event_id,
            "timer": None if self.timer is None else {
                "seconds": self.timer.seconds, "started_at_s": self.timer.started_at_s,
                "stopped_at_s": self.timer.stopped_at_s, "label": self.timer.label},
            "seats": {r: {"team_id": s.team_id, "name": s.name, "bot": s.bot}
                      for r, s in self.seats.items()},
            "decisions": decisions, "offers": standing,
            "waiting_for": {r: [list(k) for k in keys]
                            for r, keys in self.waiting_for().items()
                            if role is None or r == role},
            "results": rounds,
        }


def _planning_round(state: GameState) -> int:
    """The round decisions are for now, or a refusal that says why there is none."""
    if state.round < 1:
        raise RoomError("round: decisions are made in the plan phase of a round; the game has "
                        "not begun (the facilitator opens round 1's plan phase)")
    return state.round


def _shown(value: Any) -> Any:
    return value.to_dict() if hasattr(value, "to_dict") else value


def _concerns(setup: GameSetup, key: Key, role: str) -> bool:
    """An offer concerns its provider; an answer its payer; a scheme its funder and deliverer."""
    kind, target = key
    if kind in ("offer", "accept") and target in setup.contract_by_id:
        c = setup.contract_by_id[target]
        return role in (c.payer_role, c.provider_role)
    if kind in ("fund", "commit") and target in setup.scheme_by_id:
        s = setup.scheme_by_id[target]
        return role in (s.funder_role, s.deliverer_role)
    return False


@dataclass(eq=False)
class _Computed:
    """Rounds played so far, kept while their decisions and cards stay the same."""

    played: dict[tuple, Played] = field(default_factory=dict)


class Game:
    """A game in a room. Anyone holding it may read; tables write through their ``Seat``,
    the facilitator through ``GameConsole``."""

    def __init__(self, room: Room) -> None:
        self.room = room
        self._lock = threading.RLock()
        self._state: GameState | None = None
        self._computed = _Computed()
        setup_event = room.events(kinds=["game_setup"], limit=1)
        if not setup_event:
            raise RoomError(f"room {room.code} has no game in it")
        self.setup_payload = dict(setup_event[0].payload)
        self.setup = setup_of(self.setup_payload)

    def __repr__(self) -> str:
        return f"<Game in room {self.room.code}>"

    @property
    def code(self) -> str:
        return self.room.code

    @property
    def seed(self) -> int:
        return int(self.setup_payload["seed"])

    # ------------------------------------------------------------------ people
    def join(self, name: str, *, role: str | None = None, bot: bool = False,
             key: str | None = None) -> Seat:
        """A table joins the room (once) and, with ``role``, takes that role."""
        seat = Seat(self, self.room.join(name, bot=bot, key=key))
        if role is not None:
            seat.take(role, key=None if key is None else f"{key}-seat")
        return seat

    def seat(self, token: str) -> Seat:
        """The table whose pages carry ``token`` (from the join page)."""
        return Seat(self, self.room.table(token))

    def console(self, key: str) -> GameConsole:
        return GameConsole(self, self.room.console(key))

    # ------------------------------------------------------------------ reading
    def record(self) -> GameRecord:
        return self.state().record

    def state(self) -> GameState:
        """The game now; derived again only when the room has new events."""
        with self._lock:
            room_state = self.room.state()
            if self._state is not None and self._state.last_event_id == room_state.last_event_id:
                return self._state
            record = derive_record(self.room.history(), self.setup)
            seats = {role: SeatInfo(team, room_state.teams[team].name, room_state.teams[team].bot)
                     for role, team in record.seats.items() if team in room_state.teams}
            self._state = GameState(
                code=self.code, title=self.room.title, setup=self.setup, seed=self.seed,
                record=record, seats=seats, results=self._results(record),
                timer=room_state.timer, last_event_id=room_state.last_event_id)
            return self._state

    def _played(self, record: GameRecord, upto: int) -> list[Played]:
        """Rounds 1 to ``upto`` played as recorded (kept while their decisions and cards stay
        the same: a page's poll costs nothing when no round changed)."""
        out: list[Played] = []
        state: RoundState | None = first_round(self.setup)
        history: tuple = ()
        for number in range(1, upto + 1):
            rr = record.rounds.get(number)
            decisions = rr.decisions() if rr else Decisions()
            cards = tuple(rr.cards) if rr else ()
            history = (*history, (decisions, cards))
            played = self._computed.played.get(history)
            if played is None:
                noise = year_noise(self.setup, self.seed, number, cards)
                played = play_round(self.setup, state, decisions, noise=noise, cards=cards)
                if len(self._computed.played) > 64:
                    self._computed.played.clear()
                self._computed.played[history] = played
            out.append(played)
            state = played.next_state
        return out

    def _results(self, record: GameRecord) -> dict[int, RoundResult]:
        """Every revealed round's result."""
        revealed = [r for r, phase, _ in record.phases if phase == "reveal"]
        played = self._played(record, max(revealed) if revealed else 0)
        return {number: p.result for number, p in enumerate(played, start=1)}

    def round_state(self, number: int) -> RoundState:
        """The state a round starts from (every earlier round played as recorded)."""
        if number <= 1:
            return first_round(self.setup)
        record = self.state().record
        with self._lock:
            return self._played(record, number - 1)[-1].next_state

    # ------------------------------------------------------------------ the record
    def export_json(self) -> str:
        """The room's events and every revealed round's results, as one JSON document."""
        from .export import game_json
        return game_json(self)

    def export_csv(self) -> dict[str, str]:
        """CSV files: ``decisions.csv`` (every game event) and ``results.csv``."""
        from .export import game_csv
        return game_csv(self)

    def debrief_html(self) -> str:
        """The one-page HTML debrief (rounds side by side, one chart per lesson)."""
        from .debrief import debrief_html
        return debrief_html(self)


class Seat:
    """A table in the game: it takes a role and makes that role's decisions."""

    def __init__(self, game: Game, table: Table) -> None:
        self.game, self.table = game, table

    def __repr__(self) -> str:
        return f"<Seat of table {self.table.name!r} in game {self.game.code}>"

    @property
    def role(self) -> str | None:
        return self.game.record().role_of(self.table.team_id)

    def view(self) -> dict[str, Any]:
        """What this table's page shows (``GameState.view`` for its role)."""
        role = self.role
        if role is None:
            return {"role": None, "roles": [r.role_id for r in self.game.setup.roles],
                    "taken": sorted(self.game.record().seats)}
        return self.game.state().view(role)

    def take(self, role: str, *, key: str | None = None) -> Any:
        return self.table.record("game_seat", {"role": role}, key=key)

    def _role(self) -> str:
        role = self.role
        if role is None:
            raise RoomError("role: this table has no role yet; take one first")
        return role

    def decide(self, key: Key, value: Any, *, key_: str | None = None) -> Any:
        """Record one of this table's decisions (``("fund", "frailty"), True``...)."""
        state = self.game.state()
        kind, payload = payload_of(self.game.setup, _planning_round(state), self._role(), key,
                                   value)
        return self.table.record(kind, payload, key=key_)

    def offer(self, contract: str, rule: str, share: float | None = None, **kw: Any) -> Any:
        """Offer a contract's terms: a preset name, ``"fixed_value"`` with a ``share`` of
        planned income, or ``"none"`` to withdraw."""
        payload = {"round": _planning_round(self.game.state()), "role": self._role(),
                   "contract": contract,
                   "rule": rule, **({} if share is None else {"share": share})}
        return self.table.record("game_offer", payload, key=kw.get("key"))

    def answer(self, contract: str, accept: bool, **kw: Any) -> Any:
        """Accept or reject the offer standing on a contract now."""
        state = self.game.state()
        rr = state.record.rounds.get(_planning_round(state))
        offer = rr.offers.get(contract) if rr else None
        payload = {"round": state.round, "role": self._role(), "contract": contract,
                   "offer": offer.event_id if offer is not None else 0, "accept": accept}
        if offer is None:
            payload["offer"] = 1  # refused below, with the message that there is no offer
        return self.table.record("game_answer", payload, key=kw.get("key"))

    def fund(self, scheme: str, fund: bool = True, **kw: Any) -> Any:
        return self.decide(("fund", scheme), fund, key_=kw.get("key"))

    def commit(self, scheme: str, commit: bool = True, **kw: Any) -> Any:
        return self.decide(("commit", scheme), commit, key_=kw.get("key"))

    def risk_share(self, share: float, **kw: Any) -> Any:
        """Join the risk share at ``share`` (lambda: 0 is out, 1 pools every variance)."""
        return self.decide(("join", self._role()), share, key_=kw.get("key"))

    def vote(self, tie: bool, **kw: Any) -> Any:
        return self.decide(("vote", self._role()), tie, key_=kw.get("key"))

    def efficiency(self, organisation: str, recurrent_share: float, **kw: Any) -> Any:
        return self.decide(("efficiency", organisation), recurrent_share, key_=kw.get("key"))

    def care(self, council: str, change: float, **kw: Any) -> Any:
        return self.decide(("care", council), change, key_=kw.get("key"))


class GameConsole:
    """The facilitator's controls over the game (every write checks the room's key)."""

    def __init__(self, game: Game, console: Console) -> None:
        self.game, self.console = game, console

    def seat(self, team_id: int, role: str) -> Any:
        """Put a table in a role (it leaves any role it had; the role's last table leaves it)."""
        return self.console.record("game_seat", {"role": role}, team_id=team_id)

    def advance(self, *, plan_seconds: int | None = None,
                house_bots: str | None = None) -> tuple[int, str]:
        """Move to the next phase: plan (with a timer of ``plan_seconds``), lock (the
        decisions not taken get their defaults, recorded as the console's), reveal,
        debrief, then the next round's plan. Returns (round, phase).

        ``house_bots`` ("cooperative" or "selfish"): at the lock, the roles no table plays
        first decide as bots of that policy, given what the tables decided (their decisions
        recorded as the console's, marked "bot"); then the defaults."""
        record = self.game.record()
        nxt = record.next_phase()
        if nxt is None:
            raise RoomError("game_phase: the game is over; every round is played")
        number, phase = nxt
        key = f"game-phase-{number}-{phase}"
        if phase == "lock":
            if house_bots is not None:
                bot_policies.check_policy(house_bots, "house_bots")
                roles = house_roles(self.game.state())
                if roles:
                    act(self, dict.fromkeys(roles, house_bots), {})
                record = self.game.record()
            self._defaults(record, number)
        self.console.record("game_phase", {"round": number, "phase": phase}, key=key)
        if phase == "plan" and plan_seconds:
            self.console.start_timer(plan_seconds, f"Round {number}: plan",
                                     key=f"game-timer-{number}")
        elif phase == "lock":
            state = self.game.room.state()
            if state.timer is not None and state.timer.stopped_at_s is None:
                self.console.stop_timer(key=f"game-timer-stop-{number}")
        return number, phase

    def _defaults(self, record: GameRecord, number: int) -> None:
        rr = record.rounds.get(number)
        decided = rr.decided if rr else {}
        offers = rr.offers if rr else {}
        answers = rr.answers if rr else {}
        left = []
        for role in self.game.setup.roles:
            for key in self.game.setup.decision_keys(role.role_id):
                kind, target = key
                if kind == "offer" and target in offers:
                    continue
                if kind == "accept" and (target not in offers or offers[target].value is None
                                         or (target in answers and rr.answered_offer.get(target)
                                             == offers[target].event_id)):
                    continue  # no offer standing, or the one standing is answered
                if kind not in ("offer", "accept") and key in decided:
                    continue
                left.append({"role": role.role_id, "decision": kind, "target": target})
        for start in range(0, len(left), MAX_DEFAULTS_PER_EVENT):
            self.console.record("game_defaults", {"round": number, "decisions": left[
                start:start + MAX_DEFAULTS_PER_EVENT]}, key=f"game-defaults-{number}-{start}")

    def card(self, card: str) -> Any:
        """Play an event card this round (``CARDS``: hard_winter, social_care_cut, pay_award)."""
        if card not in CARDS:
            raise RoomError(f"game_card.card: {card!r} is not allowed; one of {', '.join(CARDS)}")
        return self.console.record("game_card", {"round": self.game.record().round, "card": card})

    def books(self, open: bool = True) -> Any:
        return self.console.record("game_books", {"open": bool(open)})

    def decide_for(self, role: str, key: Key, value: Any, *, how: str = "bot",
                   key_: str | None = None) -> Any:
        """Record a decision for a role (a house bot's, or the facilitator's)."""
        state = self.game.state()
        kind, payload = payload_of(self.game.setup, _planning_round(state), role, key, value)
        return self.console.record(kind, {**payload, "how": how}, key=key_)

    def answer_for(self, role: str, contract: str, accept: bool, *, how: str = "bot",
                   key_: str | None = None) -> Any:
        state = self.game.state()
        rr = state.record.rounds.get(_planning_round(state))
        offer = rr.offers.get(contract) if rr else None
        payload = {"round": state.round, "role": role, "contract": contract,
                   "offer": offer.event_id if offer is not None else 1, "accept": accept,
                   "how": how}
        return self.console.record("game_answer", payload, key=key_)

    def play_bots(self, policies: Mapping[str, str], seats: Mapping[str, Seat] | None = None
                  ) -> Decisions:
        """The bots decide now, for the roles in ``policies`` (role -> policy), given every
        decision made so far this round; each writes through its table's seat where one is
        given in ``seats``, else through the console as a house bot. Returns the round's
        decisions as the bots left them."""
        return act(self, policies, seats or {})


def house_roles(state: GameState) -> list[str]:
    """The roles no table plays (the bots')."""
    return [r.role_id for r in state.setup.roles if r.role_id not in state.seats]


def act(console: GameConsole, policies: Mapping[str, str], seats: Mapping[str, Seat]) -> Decisions:
    """The bots' turn (see :func:`casestudy.game.bots.plan`), written as events: offers
    first, then answers (naming the offers just made), then the rest."""
    game = console.game
    state = game.state()
    if state.phase != "plan":
        raise RoomError(f"bots: decisions are made in the plan phase; the game is at round "
                        f"{state.round}, {state.phase}")
    setup = game.setup
    before = state.decisions()
    after = bot_policies.plan(setup, game.round_state(state.round), policies, before)
    made = state.decided()

    def write(role: str, key: Key, value: Any) -> None:
        seq = f"bots-{state.round}-{game.record().last_event_id}-{key[0]}-{key[1]}"
        seat = seats.get(role)
        if key[0] == "accept":
            if seat is not None:
                seat.answer(key[1], bool(value), key=seq)
            else:
                console.answer_for(role, key[1], bool(value), key_=seq)
        elif seat is not None:
            seat.decide(key, value, key_=seq)
        else:
            console.decide_for(role, key, value, key_=seq)

    for phase_kinds in (("offer",), ("accept",), ("fund", "commit", "join", "vote",
                                                  "efficiency", "care")):
        for role in policies:
            for key in setup.decision_keys(role):
                if key[0] not in phase_kinds:
                    continue
                value = after.get(key)
                shown = default_value(setup, key) if value is None else value
                old = before.get(key)
                recorded = key in made
                if key[0] == "accept":
                    if ("offer", key[1]) not in after:
                        continue
                    offer_changed = after.get(("offer", key[1])) != before.get(("offer", key[1]))
                    if recorded and not offer_changed and old == value:
                        continue
                    write(role, key, bool(value))
                    continue
                if recorded and old == value:
                    continue
                if not recorded and (value is None or value == default_value(setup, key)):
                    continue  # left at its default: the lock records it as one
                write(role, key, value if key[0] == "offer" else shown)
    return game.state().decisions()


__all__ = ["Game", "GameConsole", "GameState", "Seat", "SeatInfo", "act", "house_roles",
           "new_game", "open_game", "GAME_KINDS", "PHASES", "default_value"]

