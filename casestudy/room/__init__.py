"""The room: a live workshop's record, kept as append-only events in a database.

Tables join a room once, with its short code and a team name, and get a token that their
pages carry in their links; the facilitator's console needs the key printed when the room
was made. Every action (a join, a prediction, a saved scenario, a phase, a timer, a game's
decision) is an event: room, team, kind, payload (validated JSON), time, and an id that only
grows. What the pages show is derived from the events (``Room.state()``), so a kernel, a page
or the whole server can die and the room carries on from the record. Pages share no memory:
each polls ``Room.events(after=last_id)`` about once a second.

Where the events live: ``$CASESTUDY_ROOM_DB`` if set (a ``postgresql://`` URL for a hosted
event, a ``.sqlite`` file, or a folder), else the folder ``rooms/`` at the kit's root, with
one SQLite file per room, ``rooms/<CODE>.sqlite``. Every function that takes ``db`` reads it
the same way. ``python -m casestudy.room`` is the facilitator's command line (``new``,
``status``, ``export``, ``bots``, ``new-key``).

>>> import tempfile
>>> from casestudy import room
>>> folder = tempfile.TemporaryDirectory()
>>> workshop, key = room.new_room(folder.name, title="Friday")   # the key is shown once
>>> table = workshop.join("Table 3")                 # from the join page: keep table.token
>>> console = workshop.console(key)
>>> _ = console.open_moment("lesson2.who_pays", "Under fixed income, who pays for extra "
...                         "activity?", ["The commissioner", "The provider"])
>>> _ = table.predict("lesson2.who_pays", 1)
>>> _ = console.reveal_moment("lesson2.who_pays", answer=1)
>>> again = room.open_room(workshop.code, folder.name)       # another kernel, or a restart
>>> state = again.state()
>>> [team.name for team in state.teams.values()], state.moments["lesson2.who_pays"].right_share()
(['Table 3'], 1.0)
>>> again.table(table.token).name                   # a lesson page opened from the join page
'Table 3'
>>> [event.kind for event in again.events(after=2)]  # a page's poll: what came after id 2
['prediction', 'moment_reveal']
>>> again.console("0000-0000-0000-0000")
Traceback (most recent call last):
...
casestudy.room.errors.AccessRefused: facilitator key: not this room's key, so nothing was changed; use the key printed when the room was made (python -m casestudy.room new-key gives a new one)
>>> table.predict("lesson2.who_pays", 0)
Traceback (most recent call last):
...
casestudy.room.errors.RoomError: prediction.moment: 'lesson2.who_pays' is revealed: predictions closed when the facilitator revealed it
>>> room.close_all(); folder.cleanup()

The API, for the pages and the game built on it:

- ``new_room(db, title=) -> (Room, key)``; ``open_room(code, db) -> Room``; ``rooms_in(db)``;
  ``reissue_key(code, db)``; ``close_all()``.
- ``Room``: ``join(name, bot=, key=) -> Table``; ``table(token) -> Table``;
  ``console(key) -> Console``; ``events(after=, kinds=, limit=) -> [Event]``;
  ``state() -> RoomState``; ``export_json()``, ``export_csv()``.
- ``Table``: ``predict(moment, choice)``, ``save_scenario(scenario, round=, reason=)``,
  ``record(kind, payload)``. ``Console``: ``open_moment``, ``lock_moment``,
  ``reveal_moment``, ``set_phase``, ``start_timer``, ``stop_timer``, ``reissue_token``,
  ``record(kind, payload, team_id=)``. Every write takes ``key=``, an idempotency key: a
  write retried with the same key returns the first one's event instead of a second.
- ``register_kind(name, {field: checker}, by=)`` adds a kind of event (the game's contract
  offers, votes and budgets), with the checkers ``text``, ``slug``, ``integer``, ``number``,
  ``boolean``, ``one_of``, ``items``, ``fields``, ``optional``, ``scenario``.
- Bad input raises ``RoomError`` (a ``ValueError``; ``PayloadError`` names the field,
  ``AccessRefused`` is a wrong key or token) with a message a page can show; a refused
  payload is logged on the ``casestudy.room`` logger and never stored. A database that does
  not answer raises ``Unavailable`` (a ``RoomError`` too): retry with the same key.

Reading needs only the room; the pages decide what each reader sees (a table's page shows
other tables' predictions only after the reveal). Team names are stored as typed: escape them.
"""

from .db import ENV
from .errors import AccessRefused, PayloadError, RoomError, Unavailable
from .kinds import (
                    EventKind,
                    boolean,
                    fields,
                    integer,
                    items,
                    number,
                    one_of,
                    optional,
                    register_kind,
                    registered_kinds,
                    scenario,
                    slug,
                    text,
)
from .state import (
                    Event,
                    MomentState,
                    PhaseState,
                    RoomInfo,
                    RoomState,
                    TeamScenario,
                    TeamState,
                    TimerState,
                    derive,
)
from .store import Console, Room, Table, close_all, new_room, open_room, reissue_key, rooms_in

__all__ = [
    "ENV", "AccessRefused", "PayloadError", "RoomError", "Unavailable",
    "EventKind", "boolean", "fields", "integer", "items", "number", "one_of", "optional",
    "register_kind", "registered_kinds", "scenario", "slug", "text",
    "Event", "MomentState", "PhaseState", "RoomInfo", "RoomState", "TeamScenario",
    "TeamState", "TimerState", "derive",
    "Console", "Room", "Table", "close_all", "new_room", "open_room", "reissue_key",
    "rooms_in",
]
