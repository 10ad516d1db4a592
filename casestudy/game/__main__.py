"""The system game's command line.

    python -m casestudy.game bots --tables 6 --rounds 3 --policy cooperative --seed 1 --json
    python -m casestudy.game compare --seeds 200            cooperative against selfish rooms
    python -m casestudy.game export --room CODE --out DIR   the record: CSV, JSON, HTML debrief
    python -m casestudy.game status --room CODE             the game now

``--db``: a folder of rooms (one SQLite file each), a ``.sqlite`` file or a
``postgresql://`` URL; by default ``$CASESTUDY_ROOM_DB``, else ``rooms/`` at the kit's root.
Exit status: 0 done, 1 refused (the message says why), 2 a bad argument.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ..errors import DataError, ScenarioError
from ..room.__main__ import _bounded  # whole numbers read as the room's command line reads them
from ..room.db import ENV
from ..room.errors import RoomError
from .bots import POLICIES
from .model import CARDS, FIRST_YEAR, MAX_ROUNDS, NATIONAL_RULES, ROUNDS


def _pair(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=VALUE")
    name, value = text.split("=", 1)
    return name.strip(), value.strip()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m casestudy.game", description="The system game: tables play the "
        "partners of a system over financial years.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def db_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--db", help=f"a folder of rooms, a .sqlite file or a postgresql:// URL "
                                      f"(default: ${ENV}, else rooms/ at the kit's root)")

    bots = commands.add_parser("bots", help="play a whole game with bots, headless",
                               description="Bot tables take the first roles, house bots the "
                               "rest; the console plays every phase. Prints the record.")
    db_option(bots)
    bots.add_argument("--tables", type=_bounded(0, 20), default=6,
                      help="bot tables that join and take roles (default 6)")
    bots.add_argument("--rounds", type=_bounded(1, MAX_ROUNDS), default=ROUNDS,
                      help=f"financial years to play (default {ROUNDS})")
    bots.add_argument("--first-year", choices=list(NATIONAL_RULES), default=FIRST_YEAR,
                      help=f"the first financial year (default {FIRST_YEAR})")
    bots.add_argument("--policy", choices=POLICIES, default="cooperative",
                      help="every bot's policy (default cooperative)")
    bots.add_argument("--policy-of", type=_pair, action="append", default=[],
                      metavar="ROLE=POLICY", help="one role's own policy (a mixed room)")
    bots.add_argument("--card", type=_pair, action="append", default=[], metavar="ROUND=CARD",
                      help=f"play an event card in a round ({', '.join(CARDS)})")
    bots.add_argument("--seed", type=_bounded(0, 2**32 - 1), default=0,
                      help="the room's seed: each year's demand (default 0)")
    bots.add_argument("--system", help="a system's folder or workbook (default: the bundled one)")
    bots.add_argument("--json", action="store_true", help="print the whole record as JSON")

    compare = commands.add_parser("compare", help="cooperative against selfish rooms over "
                                  "many seeds, and each mechanism switched off in turn")
    compare.add_argument("--seeds", type=_bounded(1, 100_000), default=200,
                         help="seeds (games) for each room (default 200)")
    compare.add_argument("--rounds", type=_bounded(1, MAX_ROUNDS), default=ROUNDS,
                         help=f"financial years in each game (default {ROUNDS})")
    compare.add_argument("--system", help="a system's folder or workbook (default: bundled)")
    compare.add_argument("--json", action="store_true", help="print the figures as JSON")

    export = commands.add_parser("export", help="write a game's record: decisions and "
                                 "results as CSV and JSON, and the HTML debrief")
    db_option(export)
    export.add_argument("--room", required=True, metavar="CODE", help="the room's code")
    export.add_argument("--out", default=".", help="the folder to write to (default: here)")

    status = commands.add_parser("status", help="the game now: round, phase, seats, who "
                                 "has not decided")
    db_option(status)
    status.add_argument("--room", required=True, metavar="CODE", help="the room's code")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"bots": _bots, "compare": _compare, "export": _export,
                "status": _status}[args.command](args)
    except (RoomError, ScenarioError, DataError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _bots(args: argparse.Namespace) -> int:
    from .headless import game_record, play_bots_game

    cards: dict[int, list[str]] = {}
    for number, card in args.card:
        if not number.isdigit():
            raise ValueError(f"--card {number}={card}: the round is a whole number")
        cards.setdefault(int(number), []).append(card)
    began = time.perf_counter()
    game = play_bots_game(args.db, tables=args.tables, policy=args.policy,
                          policies=dict(args.policy_of), seed=args.seed, rounds=args.rounds,
                          first_year=args.first_year, system=args.system, cards=cards)
    seconds = time.perf_counter() - began
    record = game_record(game)
    print(f"room {game.code}: {args.rounds} rounds played by bots in {seconds:.1f} s "
          f"({game.room.where.shown(game.code)})", file=sys.stderr)
    if args.json:
        print(json.dumps(record, indent=1, ensure_ascii=False))
        return 0
    for data in record["rounds"]:
        system = data["system"]
        met = "met" if system["met_control_total"] else "missed"
        print(f"Round {data['round']} ({data['year']}): NHS system "
              f"{system['position_gbp_m']:+.1f} ({system['position_before_funds_gbp_m']:+.1f} "
              f"before incentive funds) against its control total "
              f"{system['control_total_gbp_m']:+.1f} ({met}); underlying "
              f"{system['underlying_position_gbp_m']:+.1f}; the place "
              f"{system['place_position_gbp_m']:+.1f} (£m)")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from .compare import compare, compare_text

    comparison = compare(args.system, seeds=args.seeds, rounds=args.rounds)
    if args.json:
        print(json.dumps(comparison.to_dict(), indent=1))
    else:
        print(compare_text(comparison))
    return 0


def _export(args: argparse.Namespace) -> int:
    from .export import write_record
    from .play import open_game

    game = open_game(args.room, args.db)
    for path in write_record(game, Path(args.out)):
        print(path)
    return 0


def _status(args: argparse.Namespace) -> int:
    from .play import open_game

    state = open_game(args.room, args.db).state()
    print(f"room {state.code}: round {state.round} of {state.setup.rounds}, {state.phase}"
          f"{' (finished)' if state.finished else ''}; books "
          f"{'open' if state.record.books_open else 'closed'}")
    for role in state.setup.roles:
        seat = state.seats.get(role.role_id)
        who = f"{seat.name}{' (bot)' if seat.bot else ''}" if seat else "a house bot"
        waiting = state.waiting_for().get(role.role_id, [])
        print(f"  {role.role_id}: {who}" + (f"; not yet decided: {len(waiting)}" if waiting
                                             else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
