"""What the room refuses. Every one is a ``ValueError`` whose message a page can show as is."""

from __future__ import annotations


class RoomError(ValueError):
    """A room code, team name, key, token, argument or request the room cannot accept."""


class PayloadError(RoomError):
    """An event's payload that fails its kind's validation; ``kind`` and ``field`` say where."""

    def __init__(self, kind: str, field: str, problem: str) -> None:
        self.kind, self.field, self.problem = kind, field, problem
        where = f"{kind}.{field}" if field else kind
        super().__init__(f"{where}: {problem}")


class AccessRefused(RoomError):
    """A wrong facilitator key or an unknown table token: nothing was read or changed."""


class Unavailable(RoomError):
    """The room's database does not answer (a server down, a file locked too long); the
    write was not made, or was made once: retry it with the same idempotency key."""
