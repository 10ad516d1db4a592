"""Bot tables: join a room, predict at every open moment, save a scenario for each round.

A facilitator rehearses the console alone with them; the tests drive twelve writers at once
with them. Lingering (``linger_s``), a bot also plays the session as a table would: it
predicts a few seconds after the console opens a moment, and sends a deal for each team
round the console opens (on the round's demand, a few seconds to half a minute later),
except the last bot of the run, which is slow and never sends one: the facilitator then
has a table to advance. Each bot is marked as one (it never counts with the real tables) and is seeded:
the same seed gives the same predictions and scenarios, and its writes carry idempotency keys
made from the seed, so a bot run again after a crash finishes the job without doubling
anything. Bots run as separate processes (the default: a real room's tables are separate
kernels) or as threads.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import threading
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..scenario import PRESETS, Scenario
from .errors import RoomError
from .store import Console, Room, Table, open_room

MAX_TABLES = 100
# Lingering bots wait as tables would: seconds from a moment opening to their prediction,
# and from a team round opening to their deal (seeded, within these ranges).
MOMENT_PAUSE_S = (1.0, 8.0)
ROUND_PAUSE_S = (3.0, 30.0)
REHEARSAL = ("rehearsal", "A rehearsal question: which option will most tables choose?",
             ("Option A", "Option B", "Option C", "Option D"))
REASONS = (
    "Pool the risk, so that no partner ends the year worse off.",
    "Fixed income gives every partner certainty to plan with.",
    "Pay for activity, so the hospitals are paid for the extra work they do.",
    "Tie the incentive funds to the system's control total.",
    "Back the schemes that keep people out of hospital.",
)


@dataclass(frozen=True)
class BotResult:
    """What one bot did."""

    index: int
    team_id: int
    name: str
    predictions: dict[str, int]  # moment -> option chosen
    scenarios: int
    seconds: float


def bot_name(index: int) -> str:
    return f"Bot table {index}"


def bot_scenario(rng: random.Random, scheme_ids: Sequence[str], seed: int) -> Scenario:
    """A plausible team's scenario: a preset, a risk share, a linkage, a few schemes."""
    count = rng.randint(0, min(3, len(scheme_ids)))
    return Scenario.preset(
        rng.choice(PRESETS), risk_share=rng.choice((0.0, 0.25, 0.5, 0.75, 1.0)),
        system_linkage=rng.choice((0.0, 0.5, 1.0)), flex=rng.choice((0.1, 0.25, 0.4)),
        demand_shock=rng.choice((-0.02, 0.0, 0.02, 0.05)),
        schemes=tuple(sorted(rng.sample(list(scheme_ids), count))), seed=seed)


def round_scenario(rng: random.Random, scheme_ids: Sequence[str], demand_shock: float,
                   seed: int) -> Scenario:
    """A table's deal for a team round: its levers only, on the round's demand."""
    count = rng.randint(0, min(2, len(scheme_ids)))
    return Scenario.preset(
        rng.choice(PRESETS), demand_shock=demand_shock,
        risk_share=rng.choice((0.0, 0.25, 0.5, 0.75, 1.0)),
        system_linkage=rng.choice((0.0, 0.5, 1.0)), flex=rng.choice((0.0, 0.1, 0.25, 0.4)),
        social_care_budget_change=rng.choice((-0.1, 0.0, 0.0, 0.1)),
        schemes=tuple(sorted(rng.sample(list(scheme_ids), count))), seed=seed)


def open_rehearsal(console: Console) -> None:
    """Open the rehearsal question, so the bots have something to predict."""
    moment, question, options = REHEARSAL
    console.open_moment(moment, question, options, key="bots-rehearsal-open")


def play_table(code: str, db: str | None, index: int, *, seed: int = 0, rounds: int = 1,
               scheme_ids: Sequence[str] = (), linger_s: float = 0.0,
               start: Any = None, slow: bool = False) -> BotResult:
    """One bot: join as ``Bot table <index>``, predict at each open moment, save one scenario
    per round; with ``linger_s``, keep predicting at moments opened in that time, and send a
    deal for each team round opened (unless ``slow``: it never does).
    ``start``, a barrier, makes every bot begin its writes at the same moment."""
    began = time.perf_counter()
    room = open_room(code, db)
    if start is not None:
        start.wait(timeout=120)
    # join keys carry no seed: a bot run again (another seed too) plays the same table
    table = room.join(bot_name(index), bot=True, key=f"bots-join-{index}")
    rng = random.Random(f"bots:{seed}:{index}")
    predicted: dict[str, int] = {}
    _predict_open(room, table, seed, predicted)
    for number in range(1, rounds + 1):
        table.save_scenario(bot_scenario(rng, scheme_ids, seed), round=number,
                            reason=rng.choice(REASONS),
                            key=f"bots-{seed}-{index}-scenario-{number}")
    deadline = time.monotonic() + linger_s
    seen: dict[str, float] = {}  # moment or round -> when this bot first saw it open
    sent = rounds
    while time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        _predict_open(room, table, seed, predicted, seen=seen)
        if not slow:
            sent += _send_open_rounds(room, table, seed, scheme_ids, seen)
    return BotResult(index, table.team_id, table.name, predicted, sent,
                     time.perf_counter() - began)


def _send_open_rounds(room: Room, table: Table, seed: int, scheme_ids: Sequence[str],
                      seen: dict[str, float]) -> int:
    """A deal for each open team round this bot has none for, once its pause has passed."""
    state = room.state()
    sent = 0
    for number, held in state.rounds.items():
        if held.status != "open" or (table.team_id, number) in state.scenarios:
            continue
        rng = random.Random(f"bots:{seed}:{table.name}:round:{number}")
        pause = rng.uniform(*ROUND_PAUSE_S)
        first = seen.setdefault(f"round:{number}", time.monotonic())
        if time.monotonic() - first < pause:
            continue
        try:
            table.save_scenario(round_scenario(rng, scheme_ids, held.demand_shock, seed),
                                round=number, reason=rng.choice(REASONS),
                                key=f"bots-{seed}-{table.team_id}-round-{number}")
        except RoomError:
            continue  # locked since the state was read: too late, as for a person
        sent += 1
    return sent


def _predict_open(room: Room, table: Table, seed: int, predicted: dict[str, int],
                  seen: dict[str, float] | None = None) -> None:
    """Predict at each open moment; with ``seen`` (lingering), only once a pause of 1 to 8
    seconds has passed since this bot first saw it open, as a table takes to agree."""
    for moment in room.state().moments.values():
        if moment.status != "open" or moment.moment in predicted:
            continue
        rng = random.Random(f"bots:{seed}:{table.name}:{moment.moment}")
        choice = rng.randrange(len(moment.options))
        if seen is not None:
            first = seen.setdefault(moment.moment, time.monotonic())
            if time.monotonic() - first < rng.uniform(*MOMENT_PAUSE_S):
                continue
        try:
            table.predict(moment.moment, choice, key=f"bots-{seed}-{table.team_id}-{moment.moment}")
        except RoomError:
            continue  # locked or revealed since the state was read: too late, as for a person
        predicted[moment.moment] = choice


def play(code: str, db: str | None, *, tables: int, seed: int = 0, rounds: int = 1,
         scheme_ids: Sequence[str] = (), linger_s: float = 0.0,
         processes: bool = True) -> list[BotResult]:
    """``tables`` bots at once, as processes (``fork`` where the system has it) or threads;
    they wait for each other at a barrier, then write together. Raises ``RoomError`` if a
    bot failed, saying which and why."""
    if isinstance(tables, bool) or not isinstance(tables, int) or not 1 <= tables <= MAX_TABLES:
        raise RoomError(f"tables: {tables!r} is not allowed; 1 to {MAX_TABLES}")
    options = {"seed": seed, "rounds": rounds, "scheme_ids": tuple(scheme_ids),
               "linger_s": linger_s}
    if not processes:
        barrier = threading.Barrier(tables)
        with ThreadPoolExecutor(tables) as pool:
            futures = [pool.submit(play_table, code, db, i, start=barrier,
                                   slow=_slow(i, tables), **options)
                       for i in range(1, tables + 1)]
            return [f.result() for f in futures]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    barrier, answers = context.Barrier(tables), context.Queue()
    workers = [context.Process(target=_child, args=(answers, code, db, i, barrier,
                                                    {**options, "slow": _slow(i, tables)}),
                               name=bot_name(i)) for i in range(1, tables + 1)]
    for worker in workers:
        worker.start()
    results: list[BotResult] = []
    failures: list[str] = []
    deadline = time.monotonic() + 300 + linger_s
    while len(results) + len(failures) < tables:
        try:
            status, value = answers.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            failures.append("a bot did not answer within the time allowed")
            break
        (results if status == "ok" else failures).append(value)
    for worker in workers:
        worker.join(timeout=10)
        if worker.is_alive():  # pragma: no cover - only when a bot hangs
            worker.terminate()
    if failures:
        raise RoomError(f"{len(failures)} of {tables} bots failed: " + "; ".join(failures[:3]))
    return sorted(results, key=lambda r: r.index)


def _slow(index: int, tables: int) -> bool:
    """The last bot of a run of two or more is slow: it never sends a team round's deal."""
    return tables > 1 and index == tables


def _child(answers: Any, code: str, db: str | None, index: int, barrier: Any,
           options: dict[str, Any]) -> None:
    try:
        answers.put(("ok", play_table(code, db, index, start=barrier, **options)))
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
        detail = str(exc) if isinstance(exc, RoomError) else traceback.format_exc(limit=3)
        answers.put(("error", f"{bot_name(index)}: {detail}"))
