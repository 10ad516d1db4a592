"""The game's room for ``make workshop GAME=1`` (``python -m casestudy.serve --game``):
made, or found again, with the addresses of the game's console and of the join page.

``prepare_game(db, code=...)`` opens the game in room ``code`` (a restarted server carries
on in the same game; the key is reissued, as the room's is) or makes a new one.

>>> import tempfile
>>> folder = tempfile.TemporaryDirectory()
>>> first = prepare_game(folder.name, seed=3)
>>> again = prepare_game(folder.name, code=first.room.code)
>>> first.made, again.made, again.room.code == first.room.code, again.key != first.key
(True, False, True, True)
>>> "facilitator/game_console.ipynb?room=" + first.room.code in announce_game(first, host="127.0.0.1", port=8866)
True
>>> from casestudy.room import close_all; close_all(); folder.cleanup()
"""

from __future__ import annotations

from ..room import open_room
from ..room.errors import RoomError
from ..room.session import Workshop, local_only, room_addresses, room_lines
from ..room.store import Where, reissue_key
from .model import FIRST_YEAR, ROUNDS
from .play import new_game

GAME_CONSOLE_PAGE = "facilitator/game_console.ipynb"


def prepare_game(db: Where = None, *, code: str | None = None, title: str = "System game",
                 seed: int = 0, rounds: int = ROUNDS, first_year: str = FIRST_YEAR) -> Workshop:
    """The game in room ``code`` (with a new key), or a new game on the bundled system."""
    if code:
        room = open_room(code, db)
        if not room.events(kinds=["game_setup"], limit=1):
            raise RoomError(f"room {room.code} has no game in it; run without --room for a "
                            "new game")
        return Workshop(room, reissue_key(room.code, db), False)
    game, key = new_game(db, title=title, seed=seed, rounds=rounds, first_year=first_year)
    return Workshop(game.room, key, True)


def game_addresses(code: str, host: str, port: int) -> dict[str, str]:
    """The game console's address (on this laptop) and the join page's (for the tables)."""
    return room_addresses(code, host, port, console_page=GAME_CONSOLE_PAGE)


def announce_game(workshop: Workshop, *, host: str, port: int) -> str:
    """What ``make workshop GAME=1`` prints about the game, for the facilitator's terminal."""
    addresses = game_addresses(workshop.room.code, host, port)
    lines = [
        *room_lines(workshop, "The game's room", "made" if workshop.made else "found again"),
        f"  Game console (this laptop): {addresses['console']}",
        f"  Join page (the tables):     {addresses['join']}  (then each table's game page)",
        *local_only(host, "make workshop GAME=1"),
    ]
    return "\n".join(lines)
