"""A scripted game a test plays in a process of its own (``python tests/game_script.py``):
two tables (the acute and the community trust) decide, house bots play the other roles at
the lock, two rounds on the tiny system. Every write carries an idempotency key, so the
script run again on the same game (``--resume CODE KEY``) keeps what was written and writes
the rest, as a table's page does after its kernel died.

``--pause-after N``: after the N-th decision of round 1, print ``ready`` and go on writing
slowly (the test kills the process then, mid-round, before the lock). At the end the script
prints the game's record as JSON (``headless.game_record``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from casestudy.game import new_game, open_game
from casestudy.game.headless import game_record

ROUNDS = 2
SEED = 11


def decisions(acute, comm, number: int) -> list:
    """Round ``number``'s table decisions: (write, idempotency key)."""
    share = 0.25 * number
    return [
        (lambda k: comm.commit("frailty", True, key=k), f"r{number}-commit-frailty"),
        (lambda k: comm.commit("falls", number == 2, key=k), f"r{number}-commit-falls"),
        (lambda k: acute.efficiency("acute", share, key=k), f"r{number}-eff-acute"),
        (lambda k: comm.efficiency("comm", 1 - share, key=k), f"r{number}-eff-comm"),
        (lambda k: acute.risk_share(0.5, key=k), f"r{number}-join-acute"),
        (lambda k: comm.risk_share(0.5, key=k), f"r{number}-join-comm"),
        (lambda k: acute.vote(True, key=k), f"r{number}-vote-acute"),
        (lambda k: comm.vote(number == 1, key=k), f"r{number}-vote-comm"),
    ]


def play(db: str, system: Path, *, resume: tuple[str, str] | None = None,
         pause_after: int | None = None, slowly: float = 0.0) -> dict:
    if resume is None:
        game, key = new_game(db, system=system, seed=SEED, rounds=ROUNDS, title="Crash test")
        print("game", game.code, key, flush=True)
    else:
        game, key = open_game(resume[0], db), resume[1]
    console = game.console(key)
    acute = game.join("Acute table", role="acute", key="join-acute")
    comm = game.join("Community table", role="comm", key="join-comm")
    written = 0
    for number in range(1, ROUNDS + 1):
        state = game.state()
        if state.round < number:
            console.advance()  # this round's plan
        elif state.phase != "plan":
            continue  # played already
        for write, key_ in decisions(acute, comm, number):
            write(key_)
            written += 1
            if number == 1 and written == pause_after:
                print("ready", flush=True)
            if pause_after is not None and written >= pause_after:
                time.sleep(slowly)
        console.advance(house_bots="cooperative")  # lock: the house bots, then defaults
        console.advance()  # reveal
        console.advance()  # debrief
    return game_record(game)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("system")
    parser.add_argument("--resume", nargs=2, metavar=("CODE", "KEY"))
    parser.add_argument("--pause-after", type=int)
    args = parser.parse_args()
    record = play(args.db, Path(args.system), resume=args.resume, pause_after=args.pause_after,
                  slowly=0.2)
    print("record", json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
