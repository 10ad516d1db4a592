"""The workshop's room for ``make workshop``: made, or found again, with its addresses.

``prepare(db)`` reuses the newest room in the database if it was made in the last
``REUSE_HOURS`` (a server restarted mid-session carries on in the same room, with every
table's link still working), else makes a new one. The facilitator's key is stored only as
a digest, so a reused room gets a new key, printed in the terminal; the old one stops
working (the console asks for the key again after a restart anyway: its page is new).

>>> import tempfile
>>> folder = tempfile.TemporaryDirectory()
>>> first = prepare(folder.name)
>>> again = prepare(folder.name)
>>> first.made, again.made, again.room.code == first.room.code, again.key != first.key
(True, False, True, True)
>>> lines = announce(again, host="127.0.0.1", port=8866)
>>> "facilitator/console.ipynb?room=" + again.room.code in lines
True
>>> close_all(); folder.cleanup()
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from .store import Room, Where, close_all, new_room, open_room, reissue_key, rooms_in

REUSE_HOURS = 12
CONSOLE_PAGE = "facilitator/console.ipynb"
JOIN_PAGE = "room/join.ipynb"

__all__ = ["REUSE_HOURS", "Workshop", "announce", "close_all", "prepare", "room_addresses"]


@dataclass(frozen=True)
class Workshop:
    room: Room
    key: str
    made: bool  # True: a new room; False: the newest room, found again, with a new key


def prepare(db: Where = None, *, code: str | None = None, new: bool = False,
            title: str = "Workshop", now: float | None = None) -> Workshop:
    """The workshop's room: ``code`` if given, a new one if ``new``, else the newest made in
    the last ``REUSE_HOURS``, else a new one."""
    if code:
        room = open_room(code, db)
        return Workshop(room, reissue_key(room.code, db), False)
    if not new:
        now = time.time() if now is None else now
        recent = [r for r in rooms_in(db) if now - r.created_at_s < REUSE_HOURS * 3600]
        if recent:
            room = open_room(recent[0].code, db)
            return Workshop(room, reissue_key(room.code, db), False)
    room, key = new_room(db, title=title)
    return Workshop(room, key, True)


def lan_address() -> str:
    """This machine's address on its network (for the tables' links), or its name."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # a documentation address: nothing is sent
            return probe.getsockname()[0]
    except OSError:
        return socket.gethostname()


def room_addresses(code: str, host: str, port: int, *,
                   console_page: str = CONSOLE_PAGE) -> dict[str, str]:
    """The console's address (on this laptop) and the join page's (for the tables)."""
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "127.0.0.1", "localhost") else host
    tables = lan_address() if host in ("0.0.0.0", "::") else local
    return {
        "console": f"http://{local}:{port}/voila/render/{console_page}?room={code}",
        "join": f"http://{tables}:{port}/voila/render/{JOIN_PAGE}?room={code}",
    }


def room_lines(workshop: Workshop, what: str, how: str) -> list[str]:
    """The first lines ``make workshop`` prints: the room (``what``, ``how`` it came), its
    code for the tables and the facilitator's key."""
    room = workshop.room
    return [
        f"{what}: {room.code} ({how}, in {room.where.shown(room.code)})",
        f"  Room code for the tables: {room.code}",
        f"  Facilitator key (keep it off the projector): {workshop.key}"
        + ("" if workshop.made else "  [a new key: the room's old key no longer works]"),
    ]


def local_only(host: str, command: str) -> list[str]:
    """The line that says pages served on ``host`` reach this laptop only (none if not).

    >>> local_only("0.0.0.0", "make workshop"), local_only("localhost", "make workshop")[0][-31:]
    ([], 'run: make workshop HOST=0.0.0.0')
    """
    if host not in ("127.0.0.1", "localhost"):
        return []
    return [("  Only this laptop can open these pages; for tables on other laptops, "
             f"run: {command} HOST=0.0.0.0")]


def announce(workshop: Workshop, *, host: str, port: int) -> str:
    """What ``make workshop`` prints about the room, for the facilitator's terminal."""
    room = workshop.room
    addresses = room_addresses(room.code, host, port)
    how = "made" if workshop.made else f"found again: made in the last {REUSE_HOURS} hours"
    lines = [
        *room_lines(workshop, "The workshop's room", how),
        f"  Console (this laptop):  {addresses['console']}",
        f"  Join page (the tables): {addresses['join']}",
        *local_only(host, "make workshop"),
    ]
    lines.append("  A new room instead: make workshop ROOM=new; rehearse with bots: "
                 f".venv/bin/python -m casestudy.room bots --room {room.code} --tables 6 "
                 "--linger 1800")
    return "\n".join(lines)
