"""Bots that play roles: two policies, one way of deciding.

A bot evaluates its options through the engine (``model.Evaluator``: the same forecast
draws, the same horizon, from this round to the end of the game with decisions held, for
every bot) and takes the best by its objective. The policies differ **only** in that
objective:

- ``selfish``: its own organisations' expected positions (after any risk share and
  incentive funds), summed over the horizon;
- ``cooperative``: the whole place's, subject to no organisation being worse off than its
  fallback (the status quo: every decision at its default). The constraint is a penalty of
  £100 for each £1 of shortfall, so a deal that leaves a partner behind ranks below every
  deal that does not, and among those the place decides.

No bot is told what to choose: whether joining the risk share, backing a scheme, offering
fixed income or cutting social care pays is whatever the engine says for that objective.

**How the room decides** (:func:`plan`): iterated best responses. Roles take turns in the
system's order; in its turn a role considers every single change to one of its decisions
and, when backing a scheme on its own does not pay, backing it together with a change to
one of its contract offers (a gain share). A change that needs an answer (an offer, a
scheme's funding) is evaluated with the answer its counterpart would give: a bot's by its
own policy, a person's as a selfish player would (the proposer's cautious guess). The best
change is made if it gains more than £0.01m; turns go round until a pass changes nothing
(at most ``MAX_PASSES``). Decisions of roles no bot plays are left as they are.

>>> import casestudy as cs
>>> from casestudy.game.model import setup_game, first_round
>>> setup = setup_game(cs.load_system(), rounds=1)
>>> decisions = plan(setup, first_round(setup), policies=dict.fromkeys(
...     (r.role_id for r in setup.roles), "selfish"))
>>> decisions.get(("care", "council"))   # a selfish council cuts what it spends on care
-0.1
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..scenario import BRADFORD_PRESETS, PRESET_INFO
from .model import (
    FIXED_VALUE,
    Decisions,
    Evaluator,
    GameSetup,
    Key,
    RoundState,
    Terms,
    default_value,
)

POLICIES = ("cooperative", "selfish")
MAX_PASSES = 4
MIN_GAIN_GBP_M = 0.01  # a change must gain more than this to be made
SHORTFALL_PENALTY = 100.0  # cooperative: £ of the place given up to spare £1 of shortfall
SHORTFALL_TOLERANCE_GBP_M = 0.01  # per organisation, over the horizon
# The bots' menus (a person may choose any allowed value).
FIXED_VALUES = (0.98, 0.99, 1.0, 1.01, 1.02)
JOIN_SHARES = (0.0, 0.5, 1.0)
RECURRENT_PLANS = (0.0, 0.7, 1.0)
CARE_CHANGES = (-0.1, -0.05, 0.0, 0.05)
RESPONSE_POLICY = "selfish"  # how a bot expects a person to answer its offer


def check_policy(policy: str, where: str = "policy") -> str:
    if policy not in POLICIES:
        raise ValueError(f"{where}: {policy!r} is not allowed; one of {', '.join(POLICIES)}")
    return policy


def options(setup: GameSetup, key: Key, round: int) -> list[Any]:
    """A bot's options for one decision."""
    kind = key[0]
    if kind == "offer":
        national = setup.national[round - 1]
        era = BRADFORD_PRESETS if PRESET_INFO[national].era == "bradford" else (national,)
        presets = [Terms(p) for p in era if p not in (national, "fixed_income")]
        return [None, *presets, *(Terms(FIXED_VALUE, v) for v in FIXED_VALUES)]
    if kind in ("accept", "fund", "commit", "vote"):
        return [False, True]
    if kind == "join":
        return list(JOIN_SHARES)
    if kind == "efficiency":
        return sorted({*RECURRENT_PLANS, setup.status_quo_recurrent_share})
    return list(CARE_CHANGES)


@dataclass(frozen=True)
class _Move:
    changes: Mapping[Key, Any]
    responses: tuple[tuple[str, Key], ...]  # (role, decision) that must answer, in order
    joiners: tuple[str, ...] = ()  # roles asked to join the risk share the move proposes


class _Room:
    """One planning session: the evaluator, the fallback and the objectives."""

    def __init__(self, setup: GameSetup, evaluator: Evaluator,
                 policies: Mapping[str, str]) -> None:
        self.setup, self.evaluator, self.policies = setup, evaluator, policies
        self.fallback = evaluator.values([Decisions()])[0]
        self.org_rows = {r.role_id: [setup.org_index[o] for o in r.org_ids] for r in setup.roles}

    def score(self, role: str, values: np.ndarray) -> np.ndarray:
        """[B] the role's objective of [B, n] values (its policy, or a person's model)."""
        policy = self.policies.get(role, RESPONSE_POLICY)
        if policy == "selfish":
            return values[:, self.org_rows[role]].sum(axis=1)
        shortfall = np.maximum(0.0, self.fallback - values - SHORTFALL_TOLERANCE_GBP_M).sum(axis=1)
        return values.sum(axis=1) - SHORTFALL_PENALTY * shortfall


def _value_of(decisions: Decisions, setup: GameSetup, key: Key) -> Any:
    value = decisions.get(key)
    return default_value(setup, key) if value is None else value


def _variants(base: Decisions, move: _Move) -> list[Decisions]:
    """The move with every combination of yes/no answers (the first responder varies slowest)."""
    out = []
    count = len(move.responses)
    for bits in range(2 ** count):
        answers = {key: bool((bits >> (count - 1 - i)) & 1)
                   for i, (_, key) in enumerate(move.responses)}
        out.append(base.with_({**move.changes, **answers}))
    return out


def _answered(room: _Room, move: _Move, values: np.ndarray) -> int:
    """Which variant the responders choose (backward induction; a tie answers yes)."""
    responders = [role for role, _ in move.responses]
    if not responders:
        return 0
    scores = {role: room.score(role, values) for role in set(responders)}
    if len(responders) == 1:
        s = scores[responders[0]]
        return 1 if s[1] >= s[0] - 1e-9 else 0
    first, second = responders
    if first == second:  # one role answers both: its best of the four
        s = scores[first]
        return int(max(range(4), key=lambda i: (s[i], i)))
    # The second answers knowing the first's answer; the first foresees it.
    after = {}
    for a in (0, 1):
        s = scores[second]
        after[a] = 2 * a + (1 if s[2 * a + 1] >= s[2 * a] - 1e-9 else 0)
    s = scores[first]
    return after[1] if s[after[1]] >= s[after[0]] - 1e-9 else after[0]


def _moves(setup: GameSetup, state: RoundState, decisions: Decisions, role: str,
           fixed: Collection[str] = ()) -> list[_Move]:
    """Every single change a role can make, with the answers each needs (none to the
    decisions of the kinds in ``fixed``)."""
    moves = []
    for key in setup.decision_keys(role):
        if key[0] in fixed:
            continue
        current = _value_of(decisions, setup, key)
        for option in options(setup, key, state.round):
            if option == current or (option is None and current is None):
                continue
            move = _with_answers(setup, decisions, role, {key: option})
            if key[0] == "join" and option > 0 and "join" not in fixed:
                # A risk share needs partners: the others are asked to join at this share.
                others = tuple(r.role_id for r in setup.roles if r.role_id != role
                               and not _value_of(decisions, setup, ("join", r.role_id)))
                move = _Move(move.changes, move.responses, others)
            moves.append(move)
    return moves


def _joined(room: _Room, decisions: Decisions, move: _Move) -> Decisions:
    """A risk share proposed: each role asked says yes if it gains by joining the proposer
    (and those already in); then any member that gains by leaving leaves (twice over)."""
    share = next(v for k, v in move.changes.items() if k[0] == "join")
    base = decisions.with_(move.changes)
    asked = list(move.joiners)
    values = room.evaluator.values([base] + [base.with_({("join", r): share}) for r in asked])
    yes = [r for i, r in enumerate(asked)
           if room.score(r, values[i + 1:i + 2])[0] > room.score(r, values[:1])[0] + 1e-9]
    after = base.with_({("join", r): share for r in yes})
    for _ in range(2):
        if not yes:
            break
        values = room.evaluator.values([after] + [after.with_({("join", r): None}) for r in yes])
        leave = [r for i, r in enumerate(yes)
                 if room.score(r, values[i + 1:i + 2])[0] > room.score(r, values[:1])[0] + 1e-9]
        if not leave:
            break
        yes = [r for r in yes if r not in leave]
        after = after.with_({("join", r): None for r in leave})
    # A person's answer is theirs to give.
    return after.with_({("join", r): None for r in yes if r not in room.policies})


def _with_answers(setup: GameSetup, decisions: Decisions, role: str,
                  changes: dict[Key, Any]) -> _Move:
    changes = dict(changes)
    responses: list[tuple[str, Key]] = []
    for (kind, target), value in list(changes.items()):
        if kind == "offer":
            contract = setup.contract_by_id[target]
            changes[("accept", target)] = None  # a new offer needs a new answer
            if value is not None and contract.provider_role != role:
                responses.append((contract.provider_role, ("accept", target)))
            elif value is not None:
                changes[("accept", target)] = True
        elif kind == "fund" and value:
            scheme = setup.scheme_by_id[target]
            deliverer = scheme.deliverer_role
            if deliverer not in (None, role, scheme.funder_role) and not decisions.get(
                    ("commit", target), False):
                responses.append((deliverer, ("commit", target)))
    return _Move(changes, tuple(responses))


def _best(room: _Room, decisions: Decisions, role: str, moves: Sequence[_Move]
          ) -> tuple[float, Decisions | None, list[float], list[np.ndarray]]:
    """The best move for ``role``: its score, the decisions after it, and each move's score
    and values [n] (as answered)."""
    variants = [_variants(decisions, move) for move in moves]
    flat = [v for group in variants for v in group]
    if not flat:
        return -np.inf, None, [], []
    values = room.evaluator.values(flat)
    best_score, best, scores, answered = -np.inf, None, [], []
    start = 0
    for move, group in zip(moves, variants):
        chunk = values[start:start + len(group)]
        start += len(group)
        if move.joiners:
            after = _joined(room, decisions, move)
            chunk = room.evaluator.values([after])
            score = float(room.score(role, chunk)[0])
            scores.append(score)
            answered.append(chunk[0])
            if score > best_score + 1e-12:
                best_score, best = score, after
            continue
        chosen = _answered(room, move, chunk)
        score = float(room.score(role, chunk[chosen:chosen + 1])[0])
        scores.append(score)
        answered.append(chunk[chosen])
        if score > best_score + 1e-12:
            after = group[chosen]
            # A person's answer is theirs to give: only bots' answers are taken as made.
            people = {key: None for r, key in move.responses if r not in room.policies}
            best_score, best = score, after.with_(people) if people else after
    return best_score, best, scores, answered


def _pairs(setup: GameSetup, decisions: Decisions, role: str, single_moves: Sequence[_Move],
           scores: Sequence[float], answered: Sequence[np.ndarray], now: np.ndarray,
           current: float, fixed: Collection[str] = ()) -> list[_Move]:
    """For each scheme whose backing alone does not pay the role: backing it together with
    a new fixed value on the role's contract with the provider whose position the backing
    moves most (a gain share)."""
    offers = {setup.contract_by_id[k[1]].provider: k
              for k in setup.decision_keys(role) if k[0] == "offer" and k[0] not in fixed}
    if not offers:
        return []
    pairs = []
    for move, score, values in zip(single_moves, scores, answered):
        funding = [(k, v) for k, v in move.changes.items() if k[0] == "fund" and v]
        if not funding or score > current + MIN_GAIN_GBP_M:
            continue
        (key, _), = funding
        moved = {org: abs(values[setup.org_index[org]] - now[setup.org_index[org]])
                 for org in offers}
        offer = offers[max(moved, key=lambda org: (moved[org], org))]
        for share in FIXED_VALUES:
            pairs.append(_with_answers(setup, decisions, role,
                                       {key: True, offer: Terms(FIXED_VALUE, share)}))
    return pairs


def plan(setup: GameSetup, state: RoundState, policies: Mapping[str, str],
         decisions: Decisions | None = None, *, last_round: int | None = None,
         evaluator: Evaluator | None = None, fixed: Collection[str] = ()) -> Decisions:
    """The round's decisions after the bots (``policies``: role -> policy, for the roles
    bots play) have taken turns from ``decisions`` (the round's decisions so far, people's
    included: theirs are never changed). ``fixed``: kinds of decision no bot may change
    (a mechanism switched off, to see what it carries)."""
    for role, policy in policies.items():
        check_policy(policy, f"policy of {role}")
        if role not in setup.role_by_id:
            raise ValueError(f"role: {role!r} is not a role of this game; roles are "
                             f"{', '.join(setup.role_by_id)}")
    decisions = Decisions() if decisions is None else decisions
    if evaluator is None:
        evaluator = Evaluator(setup, state, last_round or setup.rounds)
    room = _Room(setup, evaluator, policies)
    turns = [r.role_id for r in setup.roles if r.role_id in policies]
    for _ in range(MAX_PASSES):
        changed = False
        for role in turns:
            now = evaluator.values([decisions])
            current = float(room.score(role, now)[0])
            singles = _moves(setup, state, decisions, role, fixed)
            score, after, scores, answered = _best(room, decisions, role, singles)
            pairs = _pairs(setup, decisions, role, singles, scores, answered, now[0], current,
                           fixed)
            if pairs:
                pair_score, pair_after, _, _ = _best(room, decisions, role, pairs)
                if pair_score > score + 1e-12:
                    score, after = pair_score, pair_after
            if after is not None and score > current + MIN_GAIN_GBP_M:
                decisions, changed = after, True
        if not changed:
            break
    return decisions
