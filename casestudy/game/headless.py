"""Whole games played by bots: in a room (every decision an event, as a live game keeps
them), or in memory for comparing many seeds (the same model and the same bots, no store).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np

from ..system import System
from . import bots
from .model import (
    CARDS,
    FIRST_YEAR,
    ROUNDS,
    Decisions,
    GameSetup,
    RoundResult,
    RoundState,
    first_round,
    play_round,
    year_noise,
)
from .play import Game, Seat, act, new_game

MAX_TABLES = 20


def bot_name(index: int) -> str:
    return f"Bot table {index}"


def policies_for(setup: GameSetup, policy: str,
                 overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every role's policy: ``policy``, except the roles named in ``overrides``."""
    bots.check_policy(policy)
    out = dict.fromkeys((r.role_id for r in setup.roles), policy)
    for role, other in (overrides or {}).items():
        if role not in out:
            raise ValueError(f"policy of {role!r}: not a role of this game; roles are "
                             f"{', '.join(out)}")
        out[role] = bots.check_policy(other, f"policy of {role}")
    return out


def check_cards(cards: Mapping[int, Sequence[str]] | None, rounds: int) -> dict[int, tuple]:
    out: dict[int, tuple] = {}
    for number, played in (cards or {}).items():
        if not isinstance(number, int) or not 1 <= number <= rounds:
            raise ValueError(f"card round {number!r}: not a round of this game (1 to {rounds})")
        unknown = [c for c in played if c not in CARDS]
        if unknown:
            raise ValueError(f"card {unknown[0]!r} is not allowed; one of {', '.join(CARDS)}")
        out[number] = tuple(dict.fromkeys(played))
    return out


def play_bots_game(db: str | os.PathLike | None = None, *, tables: int = 6, policy: str =
                   "cooperative", policies: Mapping[str, str] | None = None, seed: int = 0,
                   rounds: int = ROUNDS, first_year: str = FIRST_YEAR,
                   system: System | str | os.PathLike | None = None, title: str = "",
                   cards: Mapping[int, Sequence[str]] | None = None,
                   plan_seconds: int | None = None) -> Game:
    """A whole game played by bots in a new room: ``tables`` bot tables join and take the
    first roles, the console plays the rest as house bots; each round the console opens
    the plan, the bots decide (``policy``, or ``policies[role]``), the console plays any
    ``cards`` of the round, locks (defaults recorded), reveals and debriefs."""
    if isinstance(tables, bool) or not isinstance(tables, int) or not 0 <= tables <= MAX_TABLES:
        raise ValueError(f"tables: {tables!r} is not allowed; 0 to {MAX_TABLES}")
    game, key = new_game(db, system=system, title=title or "Bots game", first_year=first_year,
                         rounds=rounds, seed=seed)
    setup = game.setup
    chosen = policies_for(setup, policy, policies)
    played_cards = check_cards(cards, setup.rounds)
    console = game.console(key)
    seats: dict[str, Seat] = {}
    for index, role in enumerate(setup.roles[:tables], start=1):
        seats[role.role_id] = game.join(bot_name(index), role=role.role_id, bot=True,
                                        key=f"bots-join-{index}")
    for _ in range(setup.rounds):
        number, _ = console.advance(plan_seconds=plan_seconds)  # plan
        act(console, chosen, seats)
        for card in played_cards.get(number, ()):
            console.card(card)
        console.advance()  # lock
        console.advance()  # reveal
        console.advance()  # debrief
    return game


def game_record(game: Game) -> dict[str, Any]:
    """A game's record as plain data: its setup and, round by round, the decisions (who
    made each, and how) and the results. The same seed and bots give the same record."""
    state = game.state()
    setup = state.setup
    rounds = []
    for number, result in sorted(state.results.items()):
        decided = state.decided(number)
        current = state.decisions(number)
        decisions = []
        for key, d in sorted(decided.items()):
            value = d.value.to_dict() if hasattr(d.value, "to_dict") else d.value
            decisions.append({"kind": key[0], "target": key[1], "role": setup.owner(key),
                              "value": value, "how": d.how,
                              "in_force": key in current or key[0] not in ("offer", "accept")})
        rr = state.record.rounds.get(number)
        defaults = [{"kind": k, "target": t} for k, t in (rr.defaults if rr else [])]
        rounds.append({**result.to_dict(), "decisions": decisions, "defaults": defaults})
    return {
        "system": game.setup_payload["system"], "seed": state.seed,
        "years": list(setup.years), "national_rules": list(setup.national),
        "roles": [{"role_id": r.role_id, "name": r.name, "org_ids": list(r.org_ids),
                   "table": state.seats[r.role_id].name if r.role_id in state.seats else None,
                   "bot": state.seats[r.role_id].bot if r.role_id in state.seats else True}
                  for r in setup.roles],
        "rounds": rounds,
    }


# --------------------------------------------------------------------------- in memory


class Planner:
    """The bots' plans, kept: a pure-bot room's plan for a round depends on the state the
    round starts from and the policies, not on the seed, so many seeds share it."""

    def __init__(self, setup: GameSetup, policies: Mapping[str, str],
                 fixed: Collection[str] = ()) -> None:
        self.setup, self.policies, self.fixed = setup, dict(policies), frozenset(fixed)
        self._plans: dict[tuple, Decisions] = {}

    def plan(self, state: RoundState) -> Decisions:
        key = (state.round, _fingerprint(state))
        if key not in self._plans:
            self._plans[key] = bots.plan(self.setup, state, self.policies, fixed=self.fixed)
        return self._plans[key]


def _fingerprint(state: RoundState) -> tuple:
    inputs = state.inputs
    return (np.asarray(inputs.cost_base).tobytes(), np.asarray(inputs.allocation).tobytes(),
            tuple(sorted(state.runs.items())), state.cards_so_far)


def play_in_memory(planner: Planner, seed: int,
                   cards: Mapping[int, Sequence[str]] | None = None) -> list[RoundResult]:
    """A whole game by bots without a room: the same model, bots and draws as
    :func:`play_bots_game` (which keeps every decision in the store)."""
    setup = planner.setup
    played_cards = check_cards(cards, setup.rounds)
    state = first_round(setup)
    results = []
    for number in range(1, setup.rounds + 1):
        decisions = planner.plan(state)
        round_cards = played_cards.get(number, ())
        played = play_round(setup, state, decisions, cards=round_cards,
                            noise=year_noise(setup, seed, number, round_cards))
        results.append(played.result)
        state = played.next_state
    return results

