"""The game's events in the room's store, and the record derived from them (no engine).

Every game action is an event of a kind registered here with the room
(``casestudy.room.register_kind``): validated field by field (a refused payload names the
field and what is allowed) and checked against the game so far inside the write's
transaction (a decision outside the plan phase, or for another table's role, is refused
with a message). :func:`derive_record` reads the events back into a :class:`GameRecord`,
ignoring any event that breaks those rules, so the record is right whatever wrote it.

Kinds (the facilitator's console writes those marked console; a table writes the others for
its own role, and the console may write them for any role: a house bot's, or a default):

====================  ========  =====================================================
``game_setup``        console   the system, first year, rounds, seed (once, first)
``game_seat``         table     a table takes a role (the console may seat any table)
``game_phase``        console   ``plan`` -> ``lock`` -> ``reveal`` -> ``debrief``, by round
``game_offer``        table     the commissioners' offer on a contract (or ``none``)
``game_answer``       table     the provider's answer to that offer (its event id)
``game_fund``         table     a funder backs a scheme, or not
``game_commit``       table     a deliverer commits to a scheme, or not
``game_risk_share``   table     the share a role will pool (0: out)
``game_vote``         table     tie the incentive funds to the NHS system, or not
``game_efficiency``   table     a provider's savings plan: its recurrent share
``game_care``         table     the council's change to its social care spending
``game_defaults``     console   at the lock: the decisions left at their defaults
``game_card``         console   an event card for the round
``game_books``        console   open (or close) the books
====================  ========  =====================================================
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import DataError
from ..room.errors import RoomError
from ..room.kinds import (
    boolean,
    fields,
    integer,
    items,
    number,
    one_of,
    optional,
    register_kind,
    slug,
    text,
)
from ..room.state import Event
from ..scenario import PRESETS
from ..system import System, load_system
from .model import (
    ALLOWED,
    CARDS,
    FIXED_VALUE,
    MAX_ROUNDS,
    NATIONAL_RULES,
    Decisions,
    GameSetup,
    Key,
    Terms,
    offer_rules,
    setup_game,
)

PHASES = ("plan", "lock", "reveal", "debrief")
DECISION_EVENTS = {  # event kind -> decision kind
    "game_offer": "offer", "game_answer": "accept", "game_fund": "fund",
    "game_commit": "commit", "game_risk_share": "join", "game_vote": "vote",
    "game_efficiency": "efficiency", "game_care": "care",
}
EVENT_OF_DECISION = {v: k for k, v in DECISION_EVENTS.items()}
NO_OFFER = "none"
BUNDLED = "bundled"  # the setup's system: the kit's own
MAX_DEFAULTS_PER_EVENT = 100
ROLE = slug(80)
TARGET = slug(140)
ROUND = integer(1, MAX_ROUNDS)
HOW = optional(one_of("bot", "default"))


# --------------------------------------------------------------------------- kinds

# The game's setup (roles, contracts, schemes) of each room a process has opened, by the
# setup event's payload: built once, from the system the setup names.
_SETUPS: dict[tuple, GameSetup] = {}


def setup_of(payload: Mapping[str, Any], system: System | None = None) -> GameSetup:
    """The game's setup from its setup event's payload (the system loaded from the path it
    names, and checked against its digest), built once per process."""
    key = tuple(sorted(payload.items()))
    if key not in _SETUPS:
        if system is None:
            where = payload["system"]
            try:
                system = load_system(None if where == BUNDLED else where)
            except (DataError, OSError) as exc:
                raise RoomError(f"game_setup.system: the game's system {where!r} cannot be "
                                f"loaded here ({exc}); open the game with its system") from None
        if digest_of(system) != payload["digest"]:
            raise RoomError(f"game_setup.digest: the system at {payload['system']!r} is not the "
                            "one this game began with (its files changed); open the game with "
                            "the system it began with")
        _SETUPS[key] = setup_game(system, first_year=payload["first_year"],
                                  rounds=payload["rounds"],
                                  group_commissioners=payload["group_commissioners"])
    return _SETUPS[key]


def _setup_in(events: Sequence[Event]) -> GameSetup | None:
    for event in events:
        if event.kind == "game_setup":
            return setup_of(event.payload)
    return None


def _rule(room: Any, events: list[Event], payload: dict[str, Any], team_id: int | None,
          by: str, kind: str) -> None:
    """Refuse a write that :func:`derive_record` would ignore, saying why."""
    setup = None if kind == "game_setup" else _setup_in(events)
    record = derive_record(events, setup)
    problem = record.refusal(kind, payload, team_id, by, setup)
    if problem:
        raise RoomError(problem)


def _number(kind: str) -> Any:
    """The room's check of a number decision: its range from the model's one list."""
    allowed = ALLOWED[kind]
    return number(allowed.low, allowed.high)


def _register(name: str, spec: Mapping[str, Any], *, by: str, help: str) -> None:
    register_kind(name, spec, by=by, help=help,
                  rule=lambda room, events, payload, team, writer, _k=name: _rule(
                      room, events, payload, team, writer, _k))


_register("game_setup", {
    "system": text(500), "digest": text(64), "first_year": one_of(*NATIONAL_RULES),
    "rounds": integer(1, MAX_ROUNDS), "seed": integer(0, 2**32 - 1),
    "group_commissioners": boolean()}, by="console",
    help="The game's system (its path, or 'bundled', and a digest of its tables), first year, "
         "rounds and seed")
_register("game_seat", {"role": ROLE}, by="either", help="A table takes a role")
_register("game_phase", {"round": ROUND, "phase": one_of(*PHASES)}, by="console",
          help="The game moves to a phase of a round")
_register("game_offer", {
    "round": ROUND, "role": ROLE, "contract": TARGET, "rule": one_of(*PRESETS, FIXED_VALUE,
                                                                      NO_OFFER),
    "share": optional(_number("fixed_share")), "how": HOW}, by="either",
    help="The commissioners' offer on a contract: a preset, fixed income at a share of "
         "planned income, or none")
_register("game_answer", {
    "round": ROUND, "role": ROLE, "contract": TARGET, "offer": integer(1, 2**62),
    "accept": boolean(), "how": HOW}, by="either",
    help="A provider's answer to an offer (the offer's event id)")
_register("game_fund", {"round": ROUND, "role": ROLE, "scheme": TARGET, "fund": boolean(),
                        "how": HOW}, by="either", help="A funder backs a scheme, or not")
_register("game_commit", {"round": ROUND, "role": ROLE, "scheme": TARGET, "commit": boolean(),
                          "how": HOW}, by="either",
          help="A deliverer commits to a scheme, or not")
_register("game_risk_share", {"round": ROUND, "role": ROLE, "share": _number("join"),
                              "how": HOW}, by="either",
          help="The share of its variance a role will pool in the risk share (0: out)")
_register("game_vote", {"round": ROUND, "role": ROLE, "tie": boolean(), "how": HOW},
          by="either", help="Tie the incentive funds to the NHS system's control total, or not")
_register("game_efficiency", {"round": ROUND, "role": ROLE, "organisation": TARGET,
                              "recurrent_share": _number("efficiency"), "how": HOW}, by="either",
          help="A provider's savings plan: the share of it planned as recurrent schemes")
_register("game_care", {"round": ROUND, "role": ROLE, "council": TARGET,
                        "change": _number("care"), "how": HOW}, by="either",
          help="The council's change to what it spends on social care packages")
_register("game_defaults", {
    "round": ROUND, "decisions": items(fields({"role": ROLE, "decision": one_of(
        *EVENT_OF_DECISION), "target": TARGET}), 1, MAX_DEFAULTS_PER_EVENT)}, by="console",
    help="At the lock: the decisions left at their defaults, recorded as the console's")
_register("game_card", {"round": ROUND, "card": one_of(*CARDS)}, by="console",
          help="An event card the facilitator plays in a round")
_register("game_books", {"open": boolean()}, by="console",
          help="Open the books (every table sees every figure), or close them")

GAME_KINDS = ("game_setup", "game_seat", "game_phase", *DECISION_EVENTS, "game_defaults",
              "game_card", "game_books")


# --------------------------------------------------------------------------- the record


@dataclass(frozen=True)
class Decided:
    """One decision as recorded: its value, the event, and who made it."""

    value: Any
    event_id: int
    team_id: int | None
    how: str  # "table", "bot" (a house bot, by the console), "console", "default"


@dataclass
class RoundRecord:
    round: int
    decided: dict[Key, Decided] = field(default_factory=dict)
    offers: dict[str, Decided] = field(default_factory=dict)  # contract -> current offer
    answers: dict[str, Decided] = field(default_factory=dict)  # contract -> answer (to offer id)
    answered_offer: dict[str, int] = field(default_factory=dict)
    cards: list[str] = field(default_factory=list)
    defaults: list[Key] = field(default_factory=list)

    def decisions(self) -> Decisions:
        """The round's decisions as the model reads them: an answer counts only for the
        offer it answered."""
        values: dict[Key, Any] = {key: d.value for key, d in self.decided.items()
                                  if key[0] not in ("offer", "accept")}
        for contract, offer in self.offers.items():
            if offer.value is None:
                continue
            values[("offer", contract)] = offer.value
            answer = self.answers.get(contract)
            if answer is not None and self.answered_offer.get(contract) == offer.event_id:
                values[("accept", contract)] = answer.value
        return Decisions(values)


@dataclass
class GameRecord:
    """What the events say, before any arithmetic: setup, seats, phase, decisions, cards."""

    setup: dict[str, Any] | None = None
    seats: dict[str, int] = field(default_factory=dict)  # role -> team id
    phases: list[tuple[int, str, float]] = field(default_factory=list)  # (round, phase, at)
    rounds: dict[int, RoundRecord] = field(default_factory=dict)
    books_open: bool = False
    last_event_id: int = 0

    @property
    def round(self) -> int:
        return self.phases[-1][0] if self.phases else 0

    @property
    def phase(self) -> str:
        return self.phases[-1][1] if self.phases else "setup"

    def role_of(self, team_id: int | None) -> str | None:
        for role, team in self.seats.items():
            if team == team_id:
                return role
        return None

    def round_record(self, number: int) -> RoundRecord:
        if number not in self.rounds:
            self.rounds[number] = RoundRecord(number)
        return self.rounds[number]

    def next_phase(self) -> tuple[int, str] | None:
        """The phase that may come next, or None at the end."""
        total = int(self.setup["rounds"]) if self.setup else 0
        if not self.phases:
            return (1, "plan") if self.setup else None
        number, phase, _ = self.phases[-1]
        at = PHASES.index(phase)
        if at + 1 < len(PHASES):
            return number, PHASES[at + 1]
        return (number + 1, "plan") if number < total else None

    # ---------------------------------------------------------------- rules
    def refusal(self, kind: str, payload: Mapping[str, Any], team_id: int | None, by: str,
                setup: GameSetup | None) -> str | None:
        """Why this write breaks the game's rules (None if it does not)."""
        if kind == "game_setup":
            return f"{kind}: the game is already set up" if self.setup is not None else None
        if self.setup is None or setup is None:
            return f"{kind}: this room has no game yet (the facilitator sets one up first)"
        if kind == "game_seat":
            role = payload["role"]
            if role not in setup.role_by_id:
                return (f"game_seat.role: {role!r} is not a role of this game; roles are "
                        f"{', '.join(setup.role_by_id)}")
            holder = self.seats.get(role)
            if by == "table" and holder is not None and holder != team_id:
                return (f"game_seat.role: {role!r} is taken by another table; ask the "
                        "facilitator, or choose another role")
            if by == "table" and self.role_of(team_id) not in (None, role):
                return (f"game_seat.role: this table already plays {self.role_of(team_id)!r}; "
                        "the facilitator can move it")
            return None
        if kind == "game_phase":
            wanted = (payload["round"], payload["phase"])
            allowed = self.next_phase()
            if wanted != allowed:
                now = f"round {self.round}, {self.phase}" if self.phases else "before round 1"
                then = (f"round {allowed[0]}, {allowed[1]}" if allowed else "nothing: the game "
                        "is over")
                return (f"game_phase: round {wanted[0]}, {wanted[1]} cannot follow {now}; next "
                        f"is {then}")
            return None
        if kind == "game_books":
            return None
        if kind == "game_card":
            if payload["round"] != self.round or self.phase not in ("plan", "lock"):
                return (f"game_card.round: a card is played in the plan or lock phase of the "
                        f"round it is for; the game is at round {self.round}, {self.phase}")
            if payload["card"] in self.round_record(self.round).cards:
                return f"game_card.card: {payload['card']!r} is already played this round"
            return None
        if kind == "game_defaults":
            if payload["round"] != self.round or self.phase != "plan":
                return (f"game_defaults.round: defaults are recorded at the end of round "
                        f"{self.round}'s plan phase")
            return None
        return self._decision_refusal(kind, payload, team_id, by, setup)

    def _decision_refusal(self, kind: str, payload: Mapping[str, Any], team_id: int | None,
                          by: str, setup: GameSetup) -> str | None:
        if payload["round"] != self.round or self.phase != "plan":
            where = f"round {self.round}, {self.phase}" if self.phases else "before round 1"
            return (f"{kind}.round: decisions are made in the plan phase of the current round; "
                    f"the game is at {where}")
        role = payload["role"]
        if role not in setup.role_by_id:
            return (f"{kind}.role: {role!r} is not a role of this game; roles are "
                    f"{', '.join(setup.role_by_id)}")
        if by == "table" and self.role_of(team_id) != role:
            mine = self.role_of(team_id)
            return (f"{kind}.role: this table plays {mine!r}, not {role!r}" if mine else
                    f"{kind}.role: this table has no role yet; take one first")
        if "how" in payload and by == "table":
            return f"{kind}.how: only the console marks a decision as a bot's or a default"
        key, _, problem = decision_of(kind, payload, setup)
        if problem:
            return problem
        if kind == "game_offer" and payload["rule"] != NO_OFFER:
            allowed = offer_rules(setup, payload["round"])
            if payload["rule"] not in allowed:
                return (f"game_offer.rule: {payload['rule']!r} is not offered in "
                        f"{setup.years[payload['round'] - 1]}; one of {', '.join(allowed)}, "
                        f"or {NO_OFFER!r} (the year's national rule)")
        owner = setup.owner(key)
        if owner != role:
            who = f"the role {owner!r}" if owner else "no role"
            return (f"{kind}: the decision on {key[1]!r} belongs to {who}, not to the role "
                    f"{role!r}")
        if kind == "game_answer":
            offer = self.round_record(self.round).offers.get(payload["contract"])
            if offer is None or offer.value is None:
                return (f"game_answer.offer: there is no offer on {payload['contract']!r} to "
                        "answer this round")
            if offer.event_id != payload["offer"]:
                return (f"game_answer.offer: event {payload['offer']} is not the current offer "
                        f"on {payload['contract']!r} (that is event {offer.event_id}): the "
                        "commissioners changed it; answer the new one")
        return None


# The decisions about one thing the game holds: the payload's field that names it, the
# decision, the setup's ids it may name (with what a wrong one is not, and how they are
# listed), and the payload's field of its value, with its type.
_ONE_OF: dict[str, tuple[str, str, str, str, str, str, type]] = {
    "game_answer": ("contract", "accept", "contract_by_id", "is not a contract of this game",
                    "contracts are", "accept", bool),
    "game_fund": ("scheme", "fund", "scheme_by_id", "is not a scheme of this system",
                  "schemes are", "fund", bool),
    "game_commit": ("scheme", "commit", "scheme_by_id", "is not a scheme of this system",
                    "schemes are", "commit", bool),
    "game_vote": ("role", "vote", "fund_holders", "holds no incentive fund",
                  "the roles that vote are", "tie", bool),
    "game_efficiency": ("organisation", "efficiency", "providers",
                        "is not an NHS provider of this game", "they are", "recurrent_share",
                        float),
    "game_care": ("council", "care", "councils", "is not a council that buys social care here",
                  "councils:", "change", float),
}


def _not_one_of(kind: str, name: str, value: Any, what: str, listed: str,
                allowed: Iterable[str]) -> str:
    """A decision's problem when it names something the game does not have: the field, the
    value, what it is not, and what it may be (``listed``, then the ids, or "none")."""
    return f"{kind}.{name}: {value!r} {what}; {listed} {', '.join(allowed) or 'none'}"


def decision_of(kind: str, payload: Mapping[str, Any],
                setup: GameSetup) -> tuple[Key, Any, str | None]:
    """The model's (key, value) of a decision event, or a problem naming the field."""
    if kind == "game_offer":
        contract = payload["contract"]
        if contract not in setup.contract_by_id:
            return ("offer", contract), None, _not_one_of(
                kind, "contract", contract, "is not a contract of this game", "contracts are",
                setup.contract_by_id)
        rule = payload["rule"]
        if rule == NO_OFFER:
            return ("offer", contract), None, None
        if (rule == FIXED_VALUE) != ("share" in payload):
            return ("offer", contract), None, (
                "game_offer.share: fixed income at a value (rule 'fixed_value') takes a share "
                f"of planned income, from {ALLOWED['fixed_share'].low:g} to "
                f"{ALLOWED['fixed_share'].high:g}; a preset takes none")
        terms = Terms(rule, payload["share"]) if rule == FIXED_VALUE else Terms(rule)
        return ("offer", contract), terms, None
    if kind in _ONE_OF:
        name, decision, among, what, listed, value_field, value_type = _ONE_OF[kind]
        chosen, allowed = payload[name], getattr(setup, among)
        if chosen not in allowed:
            return (decision, chosen), None, _not_one_of(kind, name, chosen, what, listed,
                                                         allowed)
        return (decision, chosen), value_type(payload[value_field]), None
    if kind == "game_risk_share":
        return ("join", payload["role"]), float(payload["share"]), None
    raise RoomError(f"kind: {kind!r} is not a game decision")  # pragma: no cover


def payload_of(setup: GameSetup, round: int, role: str, key: Key, value: Any) -> tuple[str, dict]:
    """The event (kind, payload) that records the decision ``key = value`` for a role."""
    kind, target = key
    event = EVENT_OF_DECISION[kind]
    base: dict[str, Any] = {"round": round, "role": role}
    if kind == "offer":
        if value is None:
            return event, {**base, "contract": target, "rule": NO_OFFER}
        return event, {**base, "contract": target, **value.to_dict()}
    if kind == "accept":
        raise ValueError("an answer names its offer: use Seat.answer")
    if kind in ("fund", "commit"):
        return event, {**base, "scheme": target, kind: bool(value)}
    if kind == "join":
        return event, {**base, "share": float(value)}
    if kind == "vote":
        return event, {**base, "tie": bool(value)}
    if kind == "efficiency":
        return event, {**base, "organisation": target, "recurrent_share": float(value)}
    return event, {**base, "council": target, "change": float(value)}


def derive_record(events: Iterable[Event], setup: GameSetup | None) -> GameRecord:
    """The game's record from the room's events, in id order; an event that breaks the
    rules :meth:`GameRecord.refusal` states is ignored. ``setup`` may be None before the
    game is set up (then only the setup event is read)."""
    record = GameRecord()
    for event in events:
        record.last_event_id = event.id
        kind = event.kind
        if not kind.startswith("game_"):
            continue
        payload = event.payload
        if record.refusal(kind, payload, event.team_id, event.by, setup):
            continue
        if kind == "game_setup":
            record.setup = dict(payload)
        elif kind == "game_seat":
            team = event.team_id
            if team is None:
                continue
            for role, holder in list(record.seats.items()):
                if holder == team:
                    del record.seats[role]
            record.seats[payload["role"]] = team
        elif kind == "game_phase":
            record.phases.append((payload["round"], payload["phase"], event.at_s))
        elif kind == "game_books":
            record.books_open = bool(payload["open"])
        elif kind == "game_card":
            record.round_record(payload["round"]).cards.append(payload["card"])
        elif kind == "game_defaults":
            rr = record.round_record(payload["round"])
            for item in payload["decisions"]:
                rr.defaults.append((item["decision"], item["target"]))
        elif kind in DECISION_EVENTS:
            assert setup is not None
            key, value, _ = decision_of(kind, payload, setup)
            how = payload.get("how", "table" if event.by == "table" else "console")
            decided = Decided(value, event.id, event.team_id, how)
            rr = record.round_record(payload["round"])
            if kind == "game_offer":
                rr.offers[key[1]] = decided
            elif kind == "game_answer":
                rr.answers[key[1]] = decided
                rr.answered_offer[key[1]] = int(payload["offer"])
            else:
                rr.decided[key] = decided
    return record


def digest_of(system: System) -> str:
    """A digest of a system's four tables (as CSV text), to know it again on reopening."""
    hasher = hashlib.sha256()
    for table in (system.organisations, system.service_lines, system.schemes,
                  system.scheme_effects):
        hasher.update(table.to_csv().encode("utf-8"))
        hasher.update(b"\0")
    return hasher.hexdigest()
