"""Where a room's events live, the tables that hold them, and the connections (SQLAlchemy Core).

``locate(db)`` reads where the rooms are: a ``postgresql://`` URL (every room in one
database, for a hosted event), a ``.sqlite`` file, or a folder that holds one SQLite file per
room, ``<folder>/<CODE>.sqlite`` (the default: ``$CASESTUDY_ROOM_DB``, else ``rooms/`` at the
kit's root). SQLite runs in WAL mode (readers never wait for the writer), with a busy timeout
(a writer waits its turn instead of failing), ``synchronous=FULL`` (a commit is on disk before
it returns) and ``BEGIN IMMEDIATE`` for writes (a writer takes the lock before it reads, so
two writers never deadlock on an upgrade).

>>> locate("postgresql://kit:secret@db.example/workshops").shown()
'postgresql+psycopg://kit:***@db.example/workshops'
>>> locate("rooms").kind, locate("rooms/friday.sqlite").kind
('folder', 'file')
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine

from .errors import RoomError, Unavailable

ENV = "CASESTUDY_ROOM_DB"
SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
BUSY_TIMEOUT_MS = 15_000  # a writer waits this long for the lock before the store retries
CONNECT_TIMEOUT_S = 10  # a PostgreSQL server that does not answer: an error, not a hang
WRITE_ATTEMPTS = 3
T = TypeVar("T")

metadata = sa.MetaData()
rooms = sa.Table(
    "room_rooms", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(6), nullable=False, unique=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("key_sha256", sa.String(64), nullable=False),
    sa.Column("created_at_s", sa.Double, nullable=False),  # seconds since 1970 (UTC)
)
teams = sa.Table(
    "room_teams", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("room_id", sa.ForeignKey("room_rooms.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),  # as typed
    sa.Column("name_key", sa.String(200), nullable=False),  # casefolded: duplicates collide
    sa.Column("bot", sa.Boolean, nullable=False),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("joined_at_s", sa.Double, nullable=False),
    sa.UniqueConstraint("room_id", "name_key", name="room_teams_one_name"),
)
events = sa.Table(
    "room_events", metadata,
    # INTEGER PRIMARY KEY AUTOINCREMENT on SQLite: ids only ever grow, never reused
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("room_id", sa.ForeignKey("room_rooms.id"), nullable=False),
    sa.Column("team_id", sa.ForeignKey("room_teams.id"), nullable=True),
    sa.Column("written_by", sa.String(10), nullable=False),  # table, console or room
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # canonical JSON (kinds.encode)
    sa.Column("at_s", sa.Double, nullable=False),
    sa.Column("idempotency_key", sa.String(100), nullable=False),
    sa.UniqueConstraint("room_id", "idempotency_key", name="room_events_once"),
    sa.Index("room_events_by_room", "room_id", "id"),
    sqlite_autoincrement=True,
)


# --------------------------------------------------------------------------- where


def default_folder() -> Path:
    """``rooms/`` at the kit's root in a checkout, else in the current folder."""
    root = Path(__file__).resolve().parents[2]
    return (root if (root / "pyproject.toml").is_file() else Path.cwd()) / "rooms"


@dataclass(frozen=True)
class Location:
    """Rooms in a folder (a SQLite file each), in one SQLite file, or at a PostgreSQL URL."""

    kind: Literal["folder", "file", "url"]
    target: str  # a path, or a SQLAlchemy URL (password included; see shown())

    def path(self, code: str) -> Path:
        """The SQLite file that holds room ``code`` (folder and file locations)."""
        return Path(self.target) / f"{code}.sqlite" if self.kind == "folder" else Path(self.target)

    def url(self, code: str | None = None) -> str:
        if self.kind == "url":
            return self.target
        if self.kind == "folder" and code is None:
            raise RoomError("a room code is needed to find a room in a folder of rooms")
        path = self.path(code or "").resolve()
        return sa.URL.create("sqlite", database=str(path)).render_as_string()

    def shown(self, code: str | None = None) -> str:
        """Where, for people: a path, or the URL with its password hidden."""
        if self.kind == "url":
            return sa.make_url(self.target).render_as_string(hide_password=True)
        return str(self.path(code)) if code and self.kind == "folder" else self.target


def locate(db: str | os.PathLike[str] | None = None) -> Location:
    """Read ``db`` (or ``$CASESTUDY_ROOM_DB``, else the default folder) as a ``Location``."""
    if db is None:
        db = os.environ.get(ENV, "").strip() or default_folder()
    text = os.fspath(db)
    if not text.strip():
        raise RoomError("database: empty; give a folder, a .sqlite file or a postgresql:// URL")
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            try:
                url = sa.make_url(text).set(drivername="postgresql+psycopg")
            except sa.exc.ArgumentError as exc:
                raise RoomError(f"database: not a usable URL ({exc})") from None
            return Location("url", url.render_as_string(hide_password=False))
        if scheme == "sqlite":
            path = sa.make_url(text).database
            if not path:
                raise RoomError("database: sqlite:// needs a file, as in sqlite:///rooms/a.sqlite")
            return Location("file", path)
        raise RoomError(f"database: {scheme}:// is not supported; give a postgresql:// URL, a "
                        ".sqlite file or a folder")
    path = Path(text).expanduser()
    if path.is_dir():
        return Location("folder", str(path))
    if path.suffix.lower() in SQLITE_SUFFIXES or path.is_file():
        return Location("file", str(path))
    return Location("folder", str(path))


# --------------------------------------------------------------------------- engines

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine(url: str) -> Engine:
    """The process's one engine for ``url``, made (with the schema) on first use."""
    with _engines_lock:
        found = _engines.get(url)
        if found is None:
            found = _engines[url] = _make_engine(url)
            try:
                retrying(lambda: _create_schema(found))
            except BaseException:
                del _engines[url]
                found.dispose()
                raise
        return found


def close_all() -> None:
    """Close every connection this process holds (a kernel shutting down; tests of restarts).
    The next call opens them again."""
    with _engines_lock:
        for found in _engines.values():
            found.dispose()
        _engines.clear()


def _after_fork() -> None:
    # A forked child must not use its parent's connections (SQLAlchemy's advice for pools).
    global _engines_lock
    _engines_lock = threading.Lock()
    for found in _engines.values():
        found.dispose(close=False)
    _engines.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        made = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        sa_event.listen(made, "connect", _sqlite_connect)
        sa_event.listen(made, "begin", _sqlite_begin)
        return made
    # pre_ping: after the database server restarts, a stale pooled connection is replaced
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                            connect_args={"connect_timeout": CONNECT_TIMEOUT_S})


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # the "begin" listener opens transactions
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    writing = connection.get_execution_options().get("casestudy_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _create_schema(made: Engine) -> None:
    with writing(made) as conn:
        if made.dialect.name == "postgresql":
            # two processes opening a fresh database at once: one creates, the other waits
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7460931)"))
        metadata.create_all(conn, checkfirst=True)


@contextmanager
def writing(made: Engine) -> Iterator[Connection]:
    """A write transaction: committed when the block ends, rolled back if it raises."""
    with made.connect() as conn:
        conn.execution_options(casestudy_write=True)
        with conn.begin():
            yield conn


@contextmanager
def reading(made: Engine) -> Iterator[Connection]:
    """A read: one snapshot on SQLite (a deferred transaction), closed at the end."""
    try:
        with made.connect() as conn:
            yield conn
    except sa.exc.DatabaseError as exc:
        if _the_databases(exc):
            raise _unavailable(exc) from None
        raise


def _the_databases(exc: sa.exc.DBAPIError) -> bool:
    """A failure of the database (down, locked, not a database), not a fault of the kit's
    (an integrity error, a bad query)."""
    return (isinstance(exc, sa.exc.OperationalError) or type(exc) is sa.exc.DatabaseError
            or exc.connection_invalidated)


def _unavailable(exc: sa.exc.DBAPIError) -> Unavailable:
    text = str(exc.orig).strip()
    first = text.splitlines()[0] if text else type(exc.orig).__name__
    return Unavailable(f"the room's database cannot be reached or read ({first}); try again "
                       "in a moment, or check --db / $CASESTUDY_ROOM_DB")


def _transient(exc: sa.exc.DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    message = str(exc.orig).lower()
    return any(word in message for word in ("locked", "busy", "connection", "server closed",
                                            "terminating"))


def retrying(attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (a whole transaction), again after a lock timeout or a lost
    connection; then, or for any other operational failure, raise ``Unavailable``. Safe for
    writes: each carries an idempotency key, so a write that did commit before its answer
    was lost is found, not doubled."""
    for number in range(WRITE_ATTEMPTS):
        try:
            return attempt()
        except sa.exc.DBAPIError as exc:
            if not _the_databases(exc):
                raise
            if number == WRITE_ATTEMPTS - 1 or not _transient(exc):
                raise _unavailable(exc) from None
            time.sleep(0.1 * 2 ** number * (1 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover

