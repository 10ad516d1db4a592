"""The facilitator's command line for rooms.

    python -m casestudy.room new [--title TEXT]        make a room: its code and key
    python -m casestudy.room status [--room CODE]      tables, predictions, scenarios, phase
    python -m casestudy.room export [--out FOLDER]     every event as CSV and JSON
    python -m casestudy.room bots --tables 12          bot tables join, predict, save scenarios
    python -m casestudy.room new-key [--room CODE]     a new facilitator key (the old one stops)

Every command takes ``--db``: a folder of rooms (one SQLite file each), a ``.sqlite`` file or
a ``postgresql://`` URL; by default ``$CASESTUDY_ROOM_DB``, else ``rooms/`` at the kit's root.
``--room`` may be left out when the database holds one room. Exit status: 0 done, 1 refused
(the message says why), 2 a bad argument.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from ..folders import write_new
from . import bots as bot_tables
from .db import ENV, locate
from .errors import RoomError
from .store import Room, new_room, open_room, reissue_key, rooms_in


def _bounded(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not allowed; {low} to {high}")
        return value
    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m casestudy.room", description="The room's store: make a room, watch it, "
        "export it, or fill it with bot tables to rehearse.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, room: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument("--db", help=f"a folder of rooms, a .sqlite file or a postgresql:// URL "
                                      f"(default: ${ENV}, else rooms/ at the kit's root)")
        if room:
            sub.add_argument("--room", metavar="CODE",
                             help="the room's code (needed when the database holds several)")
        return sub

    new = command("new", "make a room and print its code and its facilitator key", room=False)
    new.add_argument("--title", default="", help="a title for the room, such as 'Friday workshop'")
    command("status", "the room now: tables, predictions, scenarios, phase and timer")
    export = command("export", "write every event of the room as CSV and as JSON")
    export.add_argument("--out", default=".", help="the folder to write to (default: here)")
    bots = command("bots", "fill a room with bot tables that join, predict and save scenarios "
                           "(a new room, with a rehearsal question, if the database has none)")
    bots.add_argument("--tables", type=_bounded(1, bot_tables.MAX_TABLES), default=12,
                      help="how many bot tables (default 12)")
    bots.add_argument("--seed", type=_bounded(0, 2**32 - 1), default=0,
                      help="the same seed gives the same predictions and scenarios (default 0)")
    bots.add_argument("--rounds", type=_bounded(0, 20), default=None,
                      help="scenarios each bot saves at once, one per round (default 1, or 0 "
                           "with --linger)")
    bots.add_argument("--linger", type=_bounded(0, 4 * 3600), default=0, metavar="SECONDS",
                      help="play along for this long, to rehearse the console: predict a few "
                           "seconds after each moment opens, send a deal for each team round "
                           "opened (the last bot is slow and never does) (default 0: predict "
                           "at the open moments, then stop)")
    bots.add_argument("--threads", action="store_true",
                      help="run the bots as threads of one process, not as processes")
    command("new-key", "give the room a new facilitator key (the old one stops working)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"new": _new, "status": _status, "export": _export, "bots": _bots,
                "new-key": _new_key}[args.command](args)
    except RoomError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _pick(args: argparse.Namespace) -> Room:
    if args.room:
        return open_room(args.room, args.db)
    found = rooms_in(args.db)
    where = locate(args.db).shown()
    if not found:
        raise RoomError(f"no room in {where}; make one with: python -m casestudy.room new"
                        + (f" --db {args.db}" if args.db else ""))
    if len(found) > 1:
        listed = ", ".join(f"{r.code} ({_when(r.created_at_s)}{', ' + r.title if r.title else ''})"
                           for r in found[:8])
        raise RoomError(f"{len(found)} rooms in {where}, newest first: {listed}; choose one "
                        "with --room CODE")
    return open_room(found[0].code, args.db)


def _new(args: argparse.Namespace) -> int:
    room, key = new_room(args.db, title=args.title)
    _print_new(room, key)
    return 0


def _print_new(room: Room, key: str) -> None:
    print(f"Room {room.code}{' (' + room.title + ')' if room.title else ''} made in "
          f"{room.where.shown(room.code)}")
    print(f"  Tables join with the room code: {room.code}")
    print(f"  Facilitator key (shown this once; the console asks for it): {key}")


def _status(args: argparse.Namespace) -> int:
    room = _pick(args)
    state = room.state()
    now = time.time()
    print(f"Room {room.code}{' (' + state.title + ')' if state.title else ''} in "
          f"{room.where.shown(room.code)}: made {_when(state.created_at_s)}; "
          f"{state.event_count} events")
    phase = state.phase
    if phase is not None:
        print(f"Phase: {phase.name}" + (f", round {phase.round}" if phase.round is not None else "")
              + f", since {_when(phase.at_s)}")
    if state.timer is not None:
        timer = state.timer
        left = timer.remaining_s(now)
        status = ("stopped" if timer.stopped_at_s is not None else
                  f"{_clock(left)} left" if left else "run out")
        print(f"Timer{' ' + repr(timer.label) if timer.label else ''}: {status} of "
              f"{_clock(timer.seconds)}")
    bots = sum(t.bot for t in state.teams.values())
    print(f"Tables: {len(state.teams)}" + (f" ({bots} bots)" if bots else ""))
    for team in state.teams.values():
        saved = sum(1 for (team_id, _) in state.scenarios if team_id == team.team_id)
        name = f"{team.name} (bot)" if team.bot else team.name
        print(f"  {name:<46} last active {_ago(now - team.last_active_s)}; "
              f"{saved} scenario(s)")
    if state.moments:
        print("Predictions:")
    for moment in state.moments.values():
        real, everyone = moment.distribution(), moment.distribution(bots=True)
        line = f"  {moment.moment}: {moment.status}; tables: " + (
            ", ".join(f"{o} {n}" for o, n in zip(moment.options, real)) if sum(real) else "none")
        if sum(everyone) > sum(real):
            line += "; bots: " + ", ".join(f"{o} {a - n}" for o, n, a in
                                           zip(moment.options, real, everyone))
        if moment.answer is not None:
            share = moment.right_share()
            line += (f"; answer {moment.options[moment.answer]!r}, "
                     + ("no table predicted" if share is None else f"{share:.0%} of tables right"))
        print(line)
    rounds = sorted({r for (_, r) in state.scenarios})
    for number in rounds:
        print(f"Round {number}: {len(state.round_scenarios(number))} table(s) saved a scenario")
    return 0


def _export(args: argparse.Namespace) -> int:
    room = _pick(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, text in (("csv", room.export_csv()), ("json", room.export_json())):
        written.append(write_new(out, f"room-{room.code}-events", suffix, text))
    count = room.state().event_count
    print(f"Exported {count} events of room {room.code}: " + ", ".join(map(str, written)))
    return 0


def _bots(args: argparse.Namespace) -> int:
    if args.room or rooms_in(args.db):
        room = _pick(args)
    else:
        room, key = new_room(args.db, title="Rehearsal with bots")
        _print_new(room, key)
        bot_tables.open_rehearsal(room.console(key))
        print(f"  Opened the rehearsal question {bot_tables.REHEARSAL[0]!r} for the bots")
    scheme_ids = _scheme_ids()
    before = room.state().event_count
    began = time.perf_counter()
    how = "threads" if args.threads else "processes"
    print(f"{args.tables} bot tables (seed {args.seed}, as {how}) in room {room.code} ...",
          flush=True)
    rounds = args.rounds if args.rounds is not None else (0 if args.linger else 1)
    if args.linger:
        print(f"The bots play along for {_clock(args.linger)} (Ctrl+C to stop them): open "
              "moments and team rounds in the console", flush=True)
    results = bot_tables.play(room.code, args.db, tables=args.tables, seed=args.seed,
                              rounds=rounds, scheme_ids=scheme_ids, linger_s=args.linger,
                              processes=not args.threads)
    seconds = time.perf_counter() - began
    state = room.state()
    for result in results:
        print(f"  {result.name}: {len(result.predictions)} prediction(s), "
              f"{result.scenarios} scenario(s)")
    moments = sorted({m for r in results for m in r.predictions})
    predictions = sum(len(r.predictions) for r in results)
    print(f"Joined: {len(results)} bot tables; predictions: {predictions}"
          + (f" at {', '.join(moments)}" if moments else
             " (no moment was open: open one in the console, or use --linger)")
          + f"; scenarios: {sum(r.scenarios for r in results)}")
    print(f"Events written: {state.event_count - before} in {seconds:.1f} s; the room now "
          f"holds {state.event_count}")
    return 0


def _scheme_ids() -> tuple[str, ...]:
    """The loaded system's scheme ids ($CASESTUDY_SYSTEM, else the bundled system), so the
    bots' scenarios back schemes that exist in the system the workshop runs on."""
    from ..system import load_system  # data only; the room never runs the engine

    return tuple(load_system().schemes.index)


def _new_key(args: argparse.Namespace) -> int:
    room = _pick(args)
    key = reissue_key(room.code, args.db)
    print(f"Room {room.code}: new facilitator key (the old one no longer works): {key}")
    return 0


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S")


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds} s ago" if seconds < 120 else f"{seconds // 60} min ago"


if __name__ == "__main__":
    sys.exit(main())
