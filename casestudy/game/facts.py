"""The debrief's facts: what a played game shows for each of the five lessons, as small typed
results (no chart, no HTML), from the game's record and the model.

A debrief reads a game from its room (:func:`debrief_of`: the room's events, every revealed
round played again by the model exactly as ``Game.state()`` plays it) or from the JSON a game
exported (:func:`debrief_from_json`: the same events, so the same figures; the results the
file states are checked against the model's). Every figure is the model's: a result of the
round as played, or of the same round played again with one decision changed (the only
arithmetic here is a difference between two such results, or a sum of the model's figures).

- **Lesson 1** (:class:`SchemeRound`, :class:`CapacityRound`): each scheme backed (its
  funder said yes), whether its deliverer committed, whether it ran and the share of its
  full effect delivered; the leadership load of the schemes that ran against the capacity.
- **Lesson 2** (:class:`OrgRound`): each organisation's reported position against its
  control total, round by round, and whether it would sign the same deal again (no worse
  off than with the deal undone).
- **Lesson 3** (:class:`TransferRound`, :class:`FundsRound`): what each received or paid
  under the risk share; the vote on tying the incentive funds to the system, and the funds
  won as voted and had the vote gone the other way.
- **Lesson 4** (:class:`IncomeRound`): each organisation's reported and underlying
  position, the one-off savings and support between them (gone next year), and what demand
  off plan did to its position (the volume risk it carried).
- **Lesson 5** (:class:`CareRound`): the council's change to its social care spending,
  and against the same year with that spending held: the council's saving, what came back
  to the NHS, and the whole place.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DataError
from ..room.errors import RoomError
from ..room.state import Event
from ..system import System
from .model import (
    Decisions,
    GameSetup,
    Played,
    RoundResult,
    first_round,
    play_round,
    resolve,
    year_noise,
)
from .record import GameRecord, derive_record, setup_of

if TYPE_CHECKING:
    from .play import Game

# A stated result further than this from the model's (£m) means the file was edited.
CHECK_TOLERANCE_GBP_M = 1e-6


# --------------------------------------------------------------------------- the facts


@dataclass(frozen=True)
class SchemeRound:
    """Lesson 1: one scheme in one round."""

    round: int
    scheme_id: str
    name: str
    funded: bool  # its funder backed it
    committed: bool  # its deliverer committed (True where no other role delivers it)
    running: bool
    delivered_share: float  # of its full effect (0 when it did not run)
    load: float  # its leadership load (units)


@dataclass(frozen=True)
class CapacityRound:
    """Lesson 1: the load of the schemes that ran against the shared leadership capacity."""

    round: int
    year: str
    backed: int  # schemes funded
    running: int  # schemes that ran
    load: float  # their leadership load (units)
    capacity: float  # the partners' leadership capacity (units)


@dataclass(frozen=True)
class OrgRound:
    """Lessons 2 and 4: one organisation in one round (money in £m)."""

    round: int
    year: str
    org_id: str
    name: str
    kind: str
    in_nhs: bool
    position_gbp_m: float  # reported
    underlying_position_gbp_m: float
    control_total_gbp_m: float
    against_control_total_gbp_m: float  # reported position less control total
    fallback_position_gbp_m: float  # the same year with the deal undone
    would_sign_again: bool
    one_off_savings_gbp_m: float
    one_off_support_gbp_m: float
    risk_share_gbp_m: float
    fund_won_gbp_m: float
    volume_risk_gbp_m: float  # reported position less the same year with demand on plan


@dataclass(frozen=True)
class FundsRound:
    """Lesson 3: the risk share and the vote on the incentive funds in one round (£m)."""

    round: int
    year: str
    members: tuple[str, ...]  # role names in the risk share
    pool_share: float
    votes_for: tuple[str, ...]  # role names that voted to tie the funds
    voters: tuple[str, ...]  # the roles with a fund
    linked: bool
    funds_available_gbp_m: float
    funds_won_gbp_m: float  # as voted
    funds_won_other_way_gbp_m: float  # the same year had the vote gone the other way
    nhs_position_gbp_m: float
    nhs_position_other_way_gbp_m: float


@dataclass(frozen=True)
class CareRound:
    """Lesson 5: one council's social care decision in one round, against the same year
    with its spending held (every other decision as played); money in £m."""

    round: int
    year: str
    council: str  # its name
    change: float  # its change to social care spending (a share: -0.1 is a 10% cut)
    council_gbp_m: float  # its position as played less with spending held
    nhs_gbp_m: float  # the NHS system's
    others_gbp_m: float  # everyone else's: the care market, the voluntary sector...
    place_gbp_m: float  # the whole place's (the three above)


@dataclass(frozen=True)
class RoundLine:
    """A round in a line: its year, national rule, cards and demand."""

    round: int
    year: str
    national_rule: str
    cards: tuple[str, ...]
    demand_index: float


@dataclass(frozen=True)
class GameDebrief:
    """Everything the debrief page and the e-mailed debrief show, lesson by lesson."""

    title: str
    code: str
    seed: int
    system: str
    years: tuple[str, ...]
    record: Mapping[str, Any]  # ``headless.game_record``'s plain data: the rounds side by side
    rounds: tuple[RoundLine, ...]
    schemes: tuple[SchemeRound, ...]
    capacity: tuple[CapacityRound, ...]
    organisations: tuple[OrgRound, ...]
    funds: tuple[FundsRound, ...]
    care: tuple[CareRound, ...]
    transfers_sum_gbp_m: tuple[float, ...]  # each round's risk-share transfers, summed (0)

    @property
    def played(self) -> int:
        return len(self.rounds)


# --------------------------------------------------------------------------- from a game


def debrief_of(game: Game) -> GameDebrief:
    """The debrief of a game in its room (every revealed round)."""
    from .headless import game_record

    state = game.state()
    return _debrief(state.setup, state.seed, state.record, game_record(game),
                    title=game.room.title or f"Game {game.code}", code=game.code)


def debrief_from_json(text: str | bytes, system: System | None = None) -> GameDebrief:
    """The debrief of a game from the JSON it exported (``Game.export_json``): its room's
    events are read back and every round played again; a file whose stated results differ
    from the model's is refused. ``system``: the game's system, when it is not where the
    file says (a system of one's own on another laptop)."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise DataError([f"the file is not a game's JSON export ({exc})"]) from None
    if not isinstance(data, dict):
        raise DataError(["the file is not a game's JSON export (it holds no object)"])
    missing = [k for k in ("room", "rounds", "roles", "seed") if k not in data]
    if missing:
        raise DataError([f"{k}: missing; a game's JSON export (python -m casestudy.game "
                         "export) has it" for k in missing])
    room = data["room"]
    try:
        events = [Event(int(e["id"]), str(room["room"]), e["team_id"], str(e["kind"]),
                        dict(e["payload"]), float(e["at_s"]), str(e["by"]))
                  for e in room["events"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError([f"room.events: an event is not as the kit writes it ({exc!r})"]
                        ) from None
    payload = next((e.payload for e in events if e.kind == "game_setup"), None)
    if payload is None:
        raise DataError(["room.events: no game_setup event; this is not a game's export"])
    try:
        setup = setup_of(payload, system)
    except (RoomError, KeyError, TypeError) as exc:
        raise DataError([f"game_setup: {exc}"]) from None
    record = derive_record(events, setup)
    debrief = _debrief(setup, int(payload["seed"]), record, data,
                       title=str(room.get("title") or f"Game {room['room']}"),
                       code=str(room["room"]))
    _check_stated(data, debrief)
    return debrief


def _check_stated(data: Mapping[str, Any], debrief: GameDebrief) -> None:
    stated = {(r["round"], o["org_id"]): o["position_gbp_m"]
              for r in data["rounds"] for o in r["organisations"]}
    ours = {(o.round, o.org_id): o.position_gbp_m for o in debrief.organisations}
    if set(stated) != set(ours):
        raise DataError([(f"rounds: the file states {len({k[0] for k in stated})} round(s); its "
                         f"events give {debrief.played}")])
    for key, value in ours.items():
        if not math.isclose(float(stated[key]), value, abs_tol=CHECK_TOLERANCE_GBP_M):
            raise DataError([(f"rounds: round {key[0]}, {key[1]}: the file says "
                             f"{float(stated[key]):.6f} £m, its decisions give {value:.6f} £m "
                             "(the file was edited, or made by another version of the kit)")])


def replay(setup: GameSetup, seed: int, record: GameRecord) -> list[tuple[Played, Any]]:
    """Every revealed round played as recorded, with the state it started from (as
    ``Game.state()`` plays them)."""
    revealed = [r for r, phase, _ in record.phases if phase == "reveal"]
    out = []
    state = first_round(setup)
    for number in range(1, (max(revealed) if revealed else 0) + 1):
        rr = record.rounds.get(number)
        decisions = rr.decisions() if rr else Decisions()
        cards = tuple(rr.cards) if rr else ()
        played = play_round(setup, state, decisions, cards=cards,
                            noise=year_noise(setup, seed, number, cards))
        out.append((played, state))
        state = played.next_state
    return out


def _again(setup: GameSetup, seed: int, record: GameRecord, number: int, state: Any,
           changes: Mapping) -> RoundResult:
    """Round ``number`` played again from the same state, demand and cards, with
    ``changes`` to its decisions."""
    rr = record.rounds.get(number)
    decisions = (rr.decisions() if rr else Decisions()).with_(changes)
    cards = tuple(rr.cards) if rr else ()
    return play_round(setup, state, decisions, cards=cards,
                      noise=year_noise(setup, seed, number, cards)).result


def _debrief(setup: GameSetup, seed: int, record: GameRecord, plain: Mapping[str, Any], *,
             title: str, code: str) -> GameDebrief:
    played = replay(setup, seed, record)
    role_name = {r.role_id: r.name for r in setup.roles}
    load = dict(zip((s.scheme_id for s in setup.schemes), setup.system.arrays.scheme_load))
    capacity = float(setup.scenario.leadership_capacity)
    lines, schemes, caps, orgs, funds, care, sums = [], [], [], [], [], [], []
    for number, (p, state) in enumerate(played, start=1):
        result = p.result
        rr = record.rounds.get(number)
        decisions = rr.decisions() if rr else Decisions()
        lines.append(RoundLine(number, result.year, result.national_rule, result.cards,
                               result.demand_index))
        # Lesson 1
        running_load = 0.0
        funded_count = 0
        for s in setup.schemes:
            funded = bool(decisions.get(("fund", s.scheme_id), False))
            committed = (s.deliverer_role in (None, s.funder_role)
                         or bool(decisions.get(("commit", s.scheme_id), False)))
            running = s.scheme_id in result.schemes
            funded_count += funded
            running_load += float(load[s.scheme_id]) if running else 0.0
            if funded or running or bool(decisions.get(("commit", s.scheme_id), False)):
                schemes.append(SchemeRound(number, s.scheme_id, s.name, funded, committed,
                                           running, float(result.schemes.get(s.scheme_id, 0.0)),
                                           float(load[s.scheme_id])))
        caps.append(CapacityRound(number, result.year, funded_count, len(result.schemes),
                                  running_load, capacity))
        # Lessons 2 and 4
        for o in result.organisations:
            orgs.append(OrgRound(
                number, result.year, o.org_id, o.name, o.kind, o.in_nhs_control_total,
                o.position_gbp_m, o.underlying_position_gbp_m, o.control_total_gbp_m,
                o.position_gbp_m - o.control_total_gbp_m, o.fallback_position_gbp_m,
                o.would_sign_again, o.one_off_savings_gbp_m, o.one_off_support_gbp_m,
                o.risk_share_gbp_m, o.fund_won_gbp_m, o.volume_risk_gbp_m))
        sums.append(sum(o.risk_share_gbp_m for o in result.organisations))
        # Lesson 3: the vote the other way (every fund holder's vote flipped to the other side)
        voters = setup.fund_holders
        linked = resolve(setup, decisions).linked
        other = _again(setup, seed, record, number, state,
                       {("vote", r): (not linked) for r in voters}) if voters else result
        funds.append(FundsRound(
            number, result.year, tuple(role_name[r] for r in result.risk_share_members),
            result.risk_share,
            tuple(role_name[r] for r in voters if decisions.get(("vote", r), False)),
            tuple(role_name[r] for r in voters), result.linked,
            sum(o.fund_available_gbp_m for o in result.organisations),
            result.system.funds_won_gbp_m, other.system.funds_won_gbp_m,
            result.system.position_gbp_m, other.system.position_gbp_m))
        # Lesson 5: each council's spending held
        for council in setup.councils:
            held = _again(setup, seed, record, number, state, {("care", council): None})
            at = setup.org_index[council]
            council_change = (result.organisations[at].position_gbp_m
                              - held.organisations[at].position_gbp_m)
            nhs = result.system.position_gbp_m - held.system.position_gbp_m
            place = result.system.place_position_gbp_m - held.system.place_position_gbp_m
            care.append(CareRound(number, result.year, result.organisations[at].name,
                                  float(result.care_change.get(council, 0.0)), council_change,
                                  nhs, place - nhs - council_change, place))
    return GameDebrief(
        title=title, code=code, seed=int(seed), system=str(plain.get("system", "")),
        years=tuple(setup.years), record=plain, rounds=tuple(lines), schemes=tuple(schemes),
        capacity=tuple(caps), organisations=tuple(orgs), funds=tuple(funds), care=tuple(care),
        transfers_sum_gbp_m=tuple(sums))
