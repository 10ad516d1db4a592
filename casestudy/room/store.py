"""Rooms, tables and the facilitator's console over the append-only record of events.

Every write is one transaction that locks the room's row first (``SELECT ... FOR UPDATE`` on
PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite), then checks, then appends. So within a room the
events' ids grow in the order their transactions commit, and a page that asks for "the
events after the last id I saw" never misses one committed late under a smaller id.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import logging
import os
import re
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..names import csv_cell
from ..scenario import Scenario
from . import db
from .errors import AccessRefused, PayloadError, RoomError
from .kinds import encode, kind, validate
from .names import (
    REFUSED_CATEGORIES,
    digest,
    new_code,
    new_key,
    new_token,
    normalise_code,
    normalise_key,
    team_name,
)
from .state import Event, RoomInfo, RoomState, derive

log = logging.getLogger("casestudy.room")
MAX_TITLE_CHARS = 80
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:\-]{1,100}$")
Where = str | os.PathLike | None  # a folder, a .sqlite file or a postgresql:// URL; None: default
_MOMENT_KINDS = ("moment_open", "moment_lock", "moment_reveal")
_ROUND_KINDS = ("round_open", "round_lock", "round_reveal")
_EVENT_COLUMNS = (db.events.c.id, db.events.c.team_id, db.events.c.kind, db.events.c.payload,
                  db.events.c.at_s, db.events.c.written_by)


# --------------------------------------------------------------------------- rooms


def new_room(db_location: Where = None, *, title: str = "") -> tuple[Room, str]:
    """Make a room; return it and its facilitator key (shown once, stored only as a digest).

    ``db_location``: a folder (a new ``<CODE>.sqlite`` in it), a ``.sqlite`` file, or a
    ``postgresql://`` URL; by default ``$CASESTUDY_ROOM_DB``, else ``rooms/``.
    """
    where = db.locate(db_location)
    title = _title(title)
    key = new_key()
    for _ in range(20):
        code = new_code()
        if where.kind != "url":
            path = where.path(code)
            if where.kind == "folder" and path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
        made = db.engine(where.url(code))
        now = time.time()

        def attempt(made=made, code=code, now=now) -> int:  # this try's values, bound
            with db.writing(made) as conn:
                return conn.execute(sa.insert(db.rooms).values(
                    code=code, title=title, key_sha256=digest(key), created_at_s=now)
                    .returning(db.rooms.c.id)).scalar_one()

        try:
            room_id = db.retrying(attempt)
        except sa.exc.IntegrityError:
            continue  # the code is taken in this database: draw another
        log.info("room %s made in %s", code, where.shown(code))
        return Room(where, code, room_id, RoomInfo(code, title, now)), key
    raise RoomError("could not find a free room code after 20 tries")  # pragma: no cover


def open_room(code: str, db_location: Where = None) -> Room:
    """The room with this (typed) code, or a ``RoomError`` saying there is none."""
    code = normalise_code(code)
    where = db.locate(db_location)
    if where.kind != "url" and not where.path(code).is_file():
        raise RoomError(f"room code: there is no room {code} here; check the code on the "
                        "facilitator's screen")
    with db.reading(db.engine(where.url(code))) as conn:
        row = conn.execute(sa.select(db.rooms).where(db.rooms.c.code == code)).first()
    if row is None:
        raise RoomError(f"room code: there is no room {code} here; check the code on the "
                        "facilitator's screen")
    return Room(where, code, row.id, RoomInfo(code, row.title, row.created_at_s))


def rooms_in(db_location: Where = None) -> list[RoomInfo]:
    """Every room at a location, newest first (for the facilitator's command line)."""
    where = db.locate(db_location)
    if where.kind == "folder":
        folder = Path(where.target)
        urls = [where.url(p.stem) for p in sorted(folder.glob("*.sqlite")) if _is_code(p.stem)]
    else:
        if where.kind == "file" and not where.path("").is_file():
            return []
        urls = [where.url()]
    found = []
    for url in urls:
        with db.reading(db.engine(url)) as conn:
            found += [RoomInfo(r.code, r.title, r.created_at_s)
                      for r in conn.execute(sa.select(db.rooms))]
    return sorted(found, key=lambda r: r.created_at_s, reverse=True)


def reissue_key(code: str, db_location: Where = None) -> str:
    """A new facilitator key for a room (the old one stops working): for a facilitator who
    lost theirs. Whoever can run this can read the database file, so it asks for no key."""
    room = open_room(code, db_location)

    def attempt() -> str:
        key = new_key()
        with db.writing(room._engine) as conn:
            room._lock(conn)
            conn.execute(sa.update(db.rooms).where(db.rooms.c.id == room._room_id)
                         .values(key_sha256=digest(key)))
            room._insert(conn, "key_reissued", {}, by="room", team_id=None, key=_fresh_key())
        return key

    key = db.retrying(attempt)
    log.warning("room %s: a new facilitator key was issued; the old one no longer works", room.code)
    return key


def close_all() -> None:
    """Close every database connection of this process (a restart; the next call reopens)."""
    db.close_all()


class Room:
    """One room. Anyone holding it may read; writing needs a table's token or the key.

    Pages find it again by its code (``open_room(code)``), in any kernel, at any time: a
    Room holds nothing the database does not, only the events it has read so far.
    """

    def __init__(self, where: db.Location, code: str, room_id: int, info: RoomInfo) -> None:
        self.where, self.code, self._room_id, self.info = where, code, room_id, info
        self._engine = db.engine(where.url(code))
        # The events read so far, and the state they give. The record only grows, and ids
        # commit in order within a room, so the next read needs only the events after them.
        self._seen: list[Event] = []
        self._state: RoomState | None = None
        self._seen_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Room {self.code} in {self.where.shown(self.code)}>"

    @property
    def title(self) -> str:
        return self.info.title

    # ------------------------------------------------------------------ tables
    def join(self, name: str, *, bot: bool = False, key: str | None = None) -> Table:
        """A table joins once, with its team name; it gets a token for its pages' links.

        A name that is empty, too long, unsafe or another table's (ignoring case, width
        and spacing) is refused with a message. ``bot`` marks an example or rehearsal table.
        Retried with the same ``key`` (an unguessable string the join page made), a join
        returns the same table with a fresh token (the lost answer's token never reached
        anyone), so a join that timed out is not refused as a duplicate.
        """
        name, name_key = team_name(name)
        if not isinstance(bot, bool):
            raise RoomError(f"bot: {bot!r}; true or false")
        key = _idempotency_key(key)
        payload = validate("join", {"name": name, "bot": bot})

        def attempt() -> Table:
            token = new_token()
            with db.writing(self._engine) as conn:
                self._lock(conn)
                before = self._by_key(conn, key)
                if before is not None:
                    if before.kind != "join" or dict(before.payload) != payload:
                        raise RoomError(f"key: {key!r} was already used for another write")
                    conn.execute(sa.update(db.teams).where(db.teams.c.id == before.team_id)
                                 .values(token_sha256=digest(token)))
                    return Table(self, before.team_id, name, bot, token)
                taken = conn.execute(sa.select(db.teams.c.name, db.teams.c.bot).where(
                    db.teams.c.room_id == self._room_id,
                    db.teams.c.name_key == name_key)).first()
                if taken is not None:
                    whose = "an example table" if taken.bot else "another table"
                    raise RoomError(f"team name: {name!r} is taken: {whose} in this room is "
                                    f"called {taken.name!r}; choose another name")
                team_id = conn.execute(sa.insert(db.teams).values(
                    room_id=self._room_id, name=name, name_key=name_key, bot=bot,
                    token_sha256=digest(token), joined_at_s=time.time())
                    .returning(db.teams.c.id)).scalar_one()
                self._insert(conn, "join", payload, by="room", team_id=team_id, key=key)
            return Table(self, team_id, name, bot, token)

        table = db.retrying(attempt)
        log.info("room %s: table %d joined%s", self.code, table.team_id, " (bot)" if bot else "")
        return table

    def table(self, token: str) -> Table:
        """The table whose pages carry ``token`` in their link, or ``AccessRefused``."""
        with db.reading(self._engine) as conn:
            row = self._team_by_token(conn, token)
        if row is None:
            log.warning("room %s: a table link with an unknown token was refused", self.code)
            raise AccessRefused("table link: its token is not one of this room's tables (it was "
                                "mistyped, or the facilitator gave the table a new link); "
                                "join again from the join page, or ask the facilitator")
        return Table(self, row.id, row.name, row.bot, token)

    def console(self, key: str) -> Console:
        """The facilitator's console, for the right key; ``AccessRefused`` for any other."""
        self._check_key(self._stored_key(), key)
        return Console(self, normalise_key(key))

    # ------------------------------------------------------------------ reading
    def events(self, after: int = 0, *, kinds: Iterable[str] | None = None,
               limit: int | None = None) -> list[Event]:
        """The events after id ``after``, oldest first (a page's poll: about once a second)."""
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise RoomError(f"after: {after!r}; an event id, 0 or more")
        query = (sa.select(*_EVENT_COLUMNS)
                 .where(db.events.c.room_id == self._room_id, db.events.c.id > after)
                 .order_by(db.events.c.id))
        if kinds is not None:
            query = query.where(db.events.c.kind.in_(list(kinds)))
        if limit is not None:
            query = query.limit(limit)
        with db.reading(self._engine) as conn:
            rows = conn.execute(query).all()
        code, loads = self.code, json.loads
        return [Event(event_id, code, team_id, kind_name, loads(payload), at_s, by)
                for event_id, team_id, kind_name, payload, at_s, by in rows]

    def state(self) -> RoomState:
        """The room as every page should show it, derived from all its events. Only the
        events this Room has not read yet come from the database; the state is derived
        again only when there are some."""
        with self._seen_lock:
            fresh = self.events(after=self._seen[-1].id if self._seen else 0)
            if fresh or self._state is None:
                self._seen.extend(fresh)
                self._state = derive(self.info, self._seen)
            return self._state

    def history(self) -> list[Event]:
        """Every event so far, oldest first: read as ``state`` reads them (only the new ones
        come from the database), for a game that derives its own state from them."""
        with self._seen_lock:
            fresh = self.events(after=self._seen[-1].id if self._seen else 0)
            if fresh:
                self._seen.extend(fresh)
                self._state = None
            return list(self._seen)

    # ------------------------------------------------------------------ export
    def export_json(self) -> str:
        """Every event (with each table's name) as one JSON document."""
        teams = self._teams()
        record = {
            "room": self.code, "title": self.title,
            "created_at_utc": _utc(self.info.created_at_s),
            "teams": [{"team_id": t.id, "name": t.name, "bot": t.bot,
                       "joined_at_utc": _utc(t.joined_at_s)} for t in teams.values()],
            "events": [_exported(e, teams) for e in self.events()],
        }
        return json.dumps(record, indent=1, ensure_ascii=False) + "\n"

    def export_csv(self) -> str:
        """Every event, one row each; the payload as JSON in its own column. A cell that a
        spreadsheet would read as a formula is prefixed with a quote (``casestudy.names``)."""
        teams = self._teams()
        out = io.StringIO()
        columns = ["id", "at_utc", "at_s", "team_id", "team", "bot", "by", "kind", "payload"]
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        for event in self.events():
            row = _exported(event, teams)
            row["payload"] = encode(row["payload"])
            writer.writerow({k: csv_cell(row[k]) for k in columns})
        return out.getvalue()

    # ------------------------------------------------------------------ internals
    def _lock(self, conn: Connection) -> Any:
        """Lock the room's row for this transaction; return it."""
        return conn.execute(sa.select(db.rooms).where(db.rooms.c.id == self._room_id)
                            .with_for_update()).one()

    def _stored_key(self) -> str:
        with db.reading(self._engine) as conn:
            return conn.execute(sa.select(db.rooms.c.key_sha256)
                                .where(db.rooms.c.id == self._room_id)).scalar_one()

    def _check_key(self, stored: str, key: str) -> None:
        try:
            given = normalise_key(key)
        except RoomError:
            log.warning("room %s: a malformed facilitator key was refused", self.code)
            raise
        if not hmac.compare_digest(digest(given), stored):
            log.warning("room %s: a wrong facilitator key was refused", self.code)
            raise AccessRefused("facilitator key: not this room's key, so nothing was changed; "
                                "use the key printed when the room was made (python -m "
                                "casestudy.room new-key gives a new one)")

    def _team_by_token(self, conn: Connection, token: str) -> Any:
        if not isinstance(token, str) or not 0 < len(token) <= 100:
            return None
        return conn.execute(sa.select(db.teams).where(
            db.teams.c.room_id == self._room_id,
            db.teams.c.token_sha256 == digest(token))).first()

    def _teams(self) -> dict[int, Any]:
        with db.reading(self._engine) as conn:
            rows = conn.execute(sa.select(db.teams).where(db.teams.c.room_id == self._room_id)
                                .order_by(db.teams.c.id)).all()
        return {row.id: row for row in rows}

    def _event(self, row: Any) -> Event:
        return Event(row.id, self.code, row.team_id, row.kind, json.loads(row.payload),
                     row.at_s, row.written_by)

    def _by_key(self, conn: Connection, key: str) -> Event | None:
        row = conn.execute(sa.select(*_EVENT_COLUMNS).where(
            db.events.c.room_id == self._room_id, db.events.c.idempotency_key == key)).first()
        return None if row is None else self._event(row)

    def _insert(self, conn: Connection, kind_name: str, payload: Mapping[str, Any], *, by: str,
                team_id: int | None, key: str) -> Event:
        at = time.time()
        event_id = conn.execute(sa.insert(db.events).values(
            room_id=self._room_id, team_id=team_id, written_by=by, kind=kind_name,
            payload=encode(payload), at_s=at, idempotency_key=key)
            .returning(db.events.c.id)).scalar_one()
        return Event(event_id, self.code, team_id, kind_name, payload, at, by)

    def _append(self, kind_name: str, payload: Any, *, by: str, team_id: int | None,
                key: str | None, authorise: Callable[[Connection, Any], None]) -> Event:
        """Validate, then in one transaction: lock, authorise, find a retry, check, append."""
        who = "the console" if by == "console" else f"table {team_id}"
        try:
            event_kind = kind(kind_name)
            if event_kind.by == "room":
                raise RoomError(f"kind: {kind_name!r} is written by the room itself")
            if event_kind.by == "console" and by != "console":
                raise AccessRefused(f"kind: {kind_name!r} is the facilitator's to write")
            if event_kind.by == "table" and team_id is None:
                raise RoomError(f"team: a {kind_name!r} event belongs to a table; name one")
            clean = validate(kind_name, payload)
        except PayloadError as exc:
            log.warning("room %s: refused a %s event from %s: %s", self.code, kind_name, who, exc)
            raise
        key = _idempotency_key(key)

        def attempt() -> Event:
            with db.writing(self._engine) as conn:
                room_row = self._lock(conn)
                authorise(conn, room_row)
                if by == "console" and team_id is not None and conn.execute(
                        sa.select(db.teams.c.id).where(db.teams.c.id == team_id,
                                                       db.teams.c.room_id == self._room_id)
                ).first() is None:
                    raise RoomError(f"team: no table {team_id!r} in room {self.code}")
                before = self._by_key(conn, key)
                if before is not None:
                    if (before.kind, before.team_id, dict(before.payload)) != (
                            kind_name, team_id, clean):
                        raise RoomError(f"key: {key!r} was already used for another write")
                    return before
                _RULES.get(kind_name, _no_rule)(self, conn, clean, team_id)
                if event_kind.rule is not None:
                    event_kind.rule(self, self._events_in(conn), clean, team_id, by)
                return self._insert(conn, kind_name, clean, by=by, team_id=team_id, key=key)

        try:
            return db.retrying(attempt)
        except RoomError as exc:
            log.warning("room %s: refused a %s event from %s: %s", self.code, kind_name, who, exc)
            raise

    def _events_in(self, conn: Connection) -> list[Event]:
        """Every event of the room, in id order, read inside a write's transaction."""
        rows = conn.execute(sa.select(*_EVENT_COLUMNS).where(db.events.c.room_id == self._room_id)
                            .order_by(db.events.c.id)).all()
        return [self._event(r) for r in rows]

    def _moment(self, conn: Connection, moment: str) -> Any:
        rows = conn.execute(sa.select(*_EVENT_COLUMNS).where(
            db.events.c.room_id == self._room_id, db.events.c.kind.in_(_MOMENT_KINDS))
            .order_by(db.events.c.id)).all()
        return derive(self.info, (self._event(r) for r in rows)).moments.get(moment)

    def _round(self, conn: Connection, number: int) -> Any:
        """The team round as the record stands in this transaction (the join events come
        along, so a reveal's table is known)."""
        rows = conn.execute(sa.select(*_EVENT_COLUMNS).where(
            db.events.c.room_id == self._room_id,
            db.events.c.kind.in_((*_ROUND_KINDS, "join")))
            .order_by(db.events.c.id)).all()
        return derive(self.info, (self._event(r) for r in rows)).rounds.get(number)


class Table:
    """A table, authenticated by its token: everything it writes is its own."""

    def __init__(self, room: Room, team_id: int, name: str, bot: bool, token: str) -> None:
        self.room, self.team_id, self.name, self.bot, self.token = room, team_id, name, bot, token

    def __repr__(self) -> str:
        return f"<Table {self.team_id} {self.name!r} in room {self.room.code}>"

    def record(self, kind_name: str, payload: Mapping[str, Any], *,
               key: str | None = None) -> Event:
        """Append an event of a table's kind (the room's or one the game registered)."""
        return self.room._append(kind_name, payload, by="table", team_id=self.team_id, key=key,
                                 authorise=self._authorise)

    def predict(self, moment: str, choice: int, *, key: str | None = None) -> Event:
        """This table's prediction at an open moment: the index of the option it chose.
        It may change its mind while the moment is open; its last prediction counts."""
        return self.record("prediction", {"moment": moment, "choice": choice}, key=key)

    def save_scenario(self, scenario: Scenario | Mapping[str, Any], *, round: int = 1,
                      reason: str = "", key: str | None = None) -> Event:
        """This table's scenario for a round (its last one counts), with its reason."""
        data = scenario.to_dict() if isinstance(scenario, Scenario) else scenario
        payload = {"round": round, "scenario": data, **({"reason": reason} if reason else {})}
        return self.record("scenario", payload, key=key)

    def _authorise(self, conn: Connection, _room_row: Any) -> None:
        row = self.room._team_by_token(conn, self.token)
        if row is None or row.id != self.team_id:
            raise AccessRefused("table link: no longer valid (the facilitator gave this table a "
                                "new link); use the new link")


class Console:
    """The facilitator's controls; made only by ``Room.console(key)`` with the right key,
    which every write checks again (a key replaced by ``new-key`` stops working at once)."""

    def __init__(self, room: Room, key: str) -> None:
        self.room, self._key = room, key

    def __repr__(self) -> str:
        return f"<Console of room {self.room.code}>"

    def record(self, kind_name: str, payload: Mapping[str, Any], *, team_id: int | None = None,
               key: str | None = None) -> Event:
        """Append a console event, or a table's event on its behalf (``team_id``: a default
        for a slow table, say); the record keeps that the console wrote it."""
        return self.room._append(kind_name, payload, by="console", team_id=team_id, key=key,
                                 authorise=self._authorise)

    def open_moment(self, moment: str, question: str, options: Sequence[str], *,
                    key: str | None = None) -> Event:
        """Open a prediction moment (or reopen a locked one, with the same options)."""
        return self.record("moment_open", {"moment": moment, "question": question,
                                           "options": list(options)}, key=key)

    def lock_moment(self, moment: str, *, key: str | None = None) -> Event:
        """No more predictions at ``moment``; the ones made so far stand."""
        return self.record("moment_lock", {"moment": moment}, key=key)

    def reveal_moment(self, moment: str, answer: int, *, key: str | None = None) -> Event:
        """Show the answer (the index of the right option) to every table."""
        return self.record("moment_reveal", {"moment": moment, "answer": answer}, key=key)

    def set_phase(self, name: str, round: int | None = None, *, key: str | None = None) -> Event:
        payload: dict[str, Any] = {"name": name, **({} if round is None else {"round": round})}
        return self.record("phase", payload, key=key)

    def start_timer(self, seconds: int, label: str = "", *, key: str | None = None) -> Event:
        payload: dict[str, Any] = {"seconds": seconds, **({"label": label} if label else {})}
        return self.record("timer_start", payload, key=key)

    def stop_timer(self, *, key: str | None = None) -> Event:
        return self.record("timer_stop", {}, key=key)

    def open_round(self, round: int, demand_shock: float, *, key: str | None = None) -> Event:
        """Open a team round: tables may send their deals for it, judged under this demand
        against plan (a fraction: 0.03 is 3% above plan)."""
        return self.record("round_open", {"round": round, "demand_shock": demand_shock}, key=key)

    def lock_round(self, round: int, default: Scenario | Mapping[str, Any], *,
                   reason: str = "No deal sent before the round was locked: the round's "
                                 "baseline", key: str | None = None) -> list[Event]:
        """Advance the slowest: in one transaction, every table (bots too) with no deal for
        the round gets ``default`` (the round's baseline), written by the console on its
        behalf, then the round is locked. Returns the events written, the lock last."""
        room = self.room
        number = validate("round_lock", {"round": round})["round"]
        data = default.to_dict() if isinstance(default, Scenario) else default
        defaults = {"round": number, "scenario": data, "reason": reason}
        validate("scenario", defaults)
        key = _idempotency_key(key)

        def attempt() -> list[Event]:
            with db.writing(room._engine) as conn:
                room_row = room._lock(conn)
                self._authorise(conn, room_row)
                before = room._by_key(conn, key)
                if before is not None:
                    if before.kind != "round_lock" or dict(before.payload) != {"round": number}:
                        raise RoomError(f"key: {key!r} was already used for another write")
                    return [before]
                _round_lock_rule(room, conn, {"round": number}, None)
                rows = conn.execute(sa.select(*_EVENT_COLUMNS).where(
                    db.events.c.room_id == room._room_id,
                    db.events.c.kind.in_(("join", "scenario", *_ROUND_KINDS)))
                    .order_by(db.events.c.id)).all()
                state = derive(room.info, (room._event(r) for r in rows))
                clean = validate("scenario", defaults)
                written = [room._insert(conn, "scenario", clean, by="console", team_id=team,
                                        key=f"{key}:default:{team}")
                           for team in state.teams if (team, number) not in state.scenarios]
                written.append(room._insert(conn, "round_lock", {"round": number}, by="console",
                                            team_id=None, key=key))
            return written

        try:
            written = db.retrying(attempt)
        except RoomError as exc:
            log.warning("room %s: refused to lock round %s: %s", room.code, round, exc)
            raise
        log.info("room %s: round %d locked; %d table(s) given the baseline", room.code, number,
                 len(written) - 1)
        return written

    def reveal_team(self, round: int, team_id: int, *, key: str | None = None) -> Event:
        """Show one table's deal of a locked round to the room."""
        return self.record("round_reveal", {"round": round, "team": team_id}, key=key)

    def reissue_token(self, team_id: int) -> str:
        """A new link token for a table that lost its link; the old one stops working."""
        room = self.room

        def attempt() -> str:
            token = new_token()
            with db.writing(room._engine) as conn:
                self._authorise(conn, room._lock(conn))
                changed = conn.execute(sa.update(db.teams).where(
                    db.teams.c.id == team_id, db.teams.c.room_id == room._room_id)
                    .values(token_sha256=digest(token))).rowcount
                if changed != 1:
                    raise RoomError(f"team: no table {team_id!r} in room {room.code}")
                room._insert(conn, "token_reissued", {}, by="room", team_id=team_id,
                             key=_fresh_key())
            return token

        return db.retrying(attempt)

    def _authorise(self, _conn: Connection, room_row: Any) -> None:
        self.room._check_key(room_row.key_sha256, self._key)


# --------------------------------------------------------------------------- rules on writing
# The same rules as state.derive, checked in the write's transaction so a page gets a
# message instead of a write that the state would ignore.


def _no_rule(room: Room, conn: Connection, payload: dict[str, Any], team_id: int | None) -> None:
    pass


def _prediction_rule(room: Room, conn: Connection, payload: dict[str, Any], _team: Any) -> None:
    moment = room._moment(conn, payload["moment"])
    name = payload["moment"]
    if moment is None:
        raise RoomError(f"prediction.moment: {name!r} is not open (the facilitator has not "
                        "opened it)")
    if moment.status != "open":
        done = "locked" if moment.status == "locked" else "revealed"
        raise RoomError(f"prediction.moment: {name!r} is {moment.status}: predictions closed "
                        f"when the facilitator {done} it")
    if payload["choice"] >= len(moment.options):
        raise RoomError(f"prediction.choice: {payload['choice']} is not allowed; moment {name!r} "
                        f"has {len(moment.options)} options, 0 to {len(moment.options) - 1}")


def _open_rule(room: Room, conn: Connection, payload: dict[str, Any], _team: Any) -> None:
    moment = room._moment(conn, payload["moment"])
    name = payload["moment"]
    if moment is None:
        return
    if moment.status != "locked":
        raise RoomError(f"moment_open.moment: {name!r} is already {moment.status}")
    if tuple(payload["options"]) != moment.options:
        raise RoomError(f"moment_open.options: {name!r} was opened with other options; "
                        "reopen it with the same ones")


def _lock_rule(room: Room, conn: Connection, payload: dict[str, Any], _team: Any) -> None:
    moment = room._moment(conn, payload["moment"])
    if moment is None or moment.status != "open":
        state = "not open" if moment is None else moment.status
        raise RoomError(f"moment_lock.moment: {payload['moment']!r} is {state}")


def _reveal_rule(room: Room, conn: Connection, payload: dict[str, Any], _team: Any) -> None:
    moment = room._moment(conn, payload["moment"])
    if moment is None or moment.status == "revealed":
        state = "not open" if moment is None else "already revealed"
        raise RoomError(f"moment_reveal.moment: {payload['moment']!r} is {state}")
    if payload["answer"] >= len(moment.options):
        raise RoomError(f"moment_reveal.answer: {payload['answer']} is not allowed; "
                        f"{len(moment.options)} options, 0 to {len(moment.options) - 1}")


def _scenario_rule(room: Room, conn: Connection, payload: dict[str, Any], _team: Any) -> None:
    held = room._round(conn, payload["round"])
    if held is not None and held.status == "locked":
        raise RoomError(f"scenario.round: round {payload['round']} is locked: the facilitator "
                        "closed it, so no more deals are taken")


def _round_open_rule(room: Room, conn: Connection, payload: dict[str, Any], _team: Any) -> None:
    held = room._round(conn, payload["round"])
    if held is not None:
        raise RoomError(f"round_open.round: round {payload['round']} is already {held.status}")


def _round_lock_rule(room: Room, conn: Connection, payload: dict[str, Any], _team: Any) -> None:
    held = room._round(conn, payload["round"])
    if held is None or held.status != "open":
        state = "not open" if held is None else "already locked"
        raise RoomError(f"round_lock.round: round {payload['round']} is {state}")


def _round_reveal_rule(room: Room, conn: Connection, payload: dict[str, Any], _team: Any) -> None:
    held = room._round(conn, payload["round"])
    number = payload["round"]
    if held is None or held.status != "locked":
        state = "not open" if held is None else "still open: lock it first"
        raise RoomError(f"round_reveal.round: round {number} is {state}")
    if conn.execute(sa.select(db.teams.c.id).where(db.teams.c.id == payload["team"],
                                                   db.teams.c.room_id == room._room_id)
                    ).first() is None:
        raise RoomError(f"round_reveal.team: no table {payload['team']!r} in room {room.code}")
    if payload["team"] in held.revealed:
        raise RoomError(f"round_reveal.team: table {payload['team']}'s deal is already shown")


_RULES: dict[str, Callable[[Room, Connection, dict[str, Any], int | None], None]] = {
    "prediction": _prediction_rule, "moment_open": _open_rule, "moment_lock": _lock_rule,
    "moment_reveal": _reveal_rule, "scenario": _scenario_rule, "round_open": _round_open_rule,
    "round_lock": _round_lock_rule, "round_reveal": _round_reveal_rule,
}


# --------------------------------------------------------------------------- helpers


def _fresh_key() -> str:
    return uuid.uuid4().hex


def _idempotency_key(key: str | None) -> str:
    if key is None:
        return _fresh_key()
    if not isinstance(key, str) or not _IDEMPOTENCY_KEY.match(key):
        raise RoomError(f"key: {key!r} is not allowed; 1 to 100 letters, digits, '_', '.', ':' "
                        "and '-'")
    return key


def _title(title: Any) -> str:
    if not isinstance(title, str) or len(title.strip()) > MAX_TITLE_CHARS or any(
            unicodedata.category(c) in REFUSED_CATEGORIES for c in title.strip()):
        raise RoomError(f"title: {title!r} is not allowed; text on one line of at most "
                        f"{MAX_TITLE_CHARS} characters")
    return title.strip()


def _is_code(text: str) -> bool:
    try:
        return normalise_code(text) == text
    except RoomError:
        return False


def _utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds")


def _exported(event: Event, teams: Mapping[int, Any]) -> dict[str, Any]:
    team = teams.get(event.team_id) if event.team_id is not None else None
    return {"id": event.id, "at_utc": _utc(event.at_s), "at_s": event.at_s,
            "team_id": event.team_id, "team": team.name if team else "",
            "bot": bool(team.bot) if team else "", "by": event.by, "kind": event.kind,
            "payload": dict(event.payload)}


