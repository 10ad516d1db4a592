"""Event kinds and their payloads: a registry that the game (or any page) extends.

Each kind names its payload's fields with small checkers (``text``, ``slug``, ``integer``,
``number``, ``boolean``, ``one_of``, ``items``, ``fields``, ``optional``, ``scenario``) and
who may write it: a ``"table"`` (for itself; the console may also write it on a table's
behalf, as a default for a slow table), the ``"console"``, ``"either"`` (a table for itself,
or the console with or without a table: the game's decisions, which a house bot with no
table also makes), or the ``"room"`` (the store's own records, such as a join). A payload is refused with a ``PayloadError`` that names the
field and what is allowed; it is never stored. The game adds its kinds without touching the
store:

>>> offer = register_kind("example_offer", {
...     "to": slug(), "rule": one_of("fixed_income", "payment_by_results"),
...     "value_gbp_m": optional(number(0, 5000))}, by="table",
...     help="An example: a commissioner's contract offer")
>>> validate("example_offer", {"to": "bthft", "rule": "fixed_income", "value_gbp_m": 412.5})
{'rule': 'fixed_income', 'to': 'bthft', 'value_gbp_m': 412.5}
>>> validate("example_offer", {"to": "bthft", "rule": "fixed income"})
Traceback (most recent call last):
...
casestudy.room.errors.PayloadError: example_offer.rule: 'fixed income' is not allowed; one of 'fixed_income', 'payment_by_results'
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import ScenarioError
from ..scenario import Scenario, field_info
from .errors import PayloadError, RoomError
from .names import ALLOWED_INVISIBLE, REFUSED_CATEGORIES

MAX_PAYLOAD_BYTES = 16_384  # a saved scenario is about 0.7 kB; a game decision far less
MAX_OPTIONS = 10  # options of a prediction moment
MAX_ROUNDS = 20
Writer = Literal["table", "console", "room", "either"]
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
_KIND_NAME = re.compile(r"^[a-z][a-z0-9_.]{0,39}$")


class _Refused(Exception):
    def __init__(self, path: str, problem: str) -> None:
        self.path, self.problem = path, problem


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _refuse(path: str, value: Any, allowed: str) -> _Refused:
    return _Refused(path, f"{_shown(value)} is not allowed; {allowed}")


# --------------------------------------------------------------------------- checkers
# Frozen dataclasses, so two registrations of the same kind compare equal.


@dataclass(frozen=True)
class Check:
    def __call__(self, value: Any, path: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def allowed(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class _Text(Check):
    max_chars: int
    lines: bool

    def allowed(self) -> str:
        return f"text of 1 to {self.max_chars} characters" + ("" if self.lines else " on one line")

    def __call__(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > self.max_chars:
            raise _refuse(path, value, self.allowed())
        for char in value:
            if char == "\n" and self.lines:
                continue
            if unicodedata.category(char) in REFUSED_CATEGORIES and char not in ALLOWED_INVISIBLE:
                raise _Refused(path, f"{_shown(value)} has a control or invisible character "
                                     f"(U+{ord(char):04X}); {self.allowed()}")
        return value


@dataclass(frozen=True)
class _Slug(Check):
    max_chars: int

    def allowed(self) -> str:
        return (f"an identifier of 1 to {self.max_chars} characters: lowercase letters, "
                "digits, '_', '.' and '-', starting with a letter or digit")

    def __call__(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or len(value) > self.max_chars or not _SLUG.match(value):
            raise _refuse(path, value, self.allowed())
        return value


@dataclass(frozen=True)
class _Integer(Check):
    low: int
    high: int

    def allowed(self) -> str:
        return f"a whole number from {self.low} to {self.high}"

    def __call__(self, value: Any, path: str) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if (isinstance(value, bool) or not isinstance(value, int)
                or not self.low <= value <= self.high):
            raise _refuse(path, value, self.allowed())
        return value


@dataclass(frozen=True)
class _Number(Check):
    low: float
    high: float

    def allowed(self) -> str:
        return f"a number from {self.low:g} to {self.high:g}"

    def __call__(self, value: Any, path: str) -> float:
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value) or not self.low <= value <= self.high):
            raise _refuse(path, value, self.allowed())
        return float(value)


@dataclass(frozen=True)
class _Boolean(Check):
    def allowed(self) -> str:
        return "true or false"

    def __call__(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise _refuse(path, value, self.allowed())
        return value


@dataclass(frozen=True)
class _OneOf(Check):
    values: tuple[str, ...]

    def allowed(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)

    def __call__(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or value not in self.values:
            raise _refuse(path, value, self.allowed())
        return value


@dataclass(frozen=True)
class _Items(Check):
    each: Check
    min_items: int
    max_items: int

    def allowed(self) -> str:
        return f"a list of {self.min_items} to {self.max_items} items, each {self.each.allowed()}"

    def __call__(self, value: Any, path: str) -> list[Any]:
        if (not isinstance(value, (list, tuple))
                or not self.min_items <= len(value) <= self.max_items):
            raise _refuse(path, value, self.allowed())
        return [self.each(item, f"{path}[{i}]") for i, item in enumerate(value)]


@dataclass(frozen=True)
class _Optional(Check):
    inner: Check

    def allowed(self) -> str:
        return self.inner.allowed() + " (or left out)"

    def __call__(self, value: Any, path: str) -> Any:
        return self.inner(value, path)


@dataclass(frozen=True)
class _Fields(Check):
    spec: tuple[tuple[str, Check], ...]

    def allowed(self) -> str:
        return "an object with the fields " + ", ".join(name for name, _ in self.spec)

    def __call__(self, value: Any, path: str) -> dict[str, Any]:
        where = f"{path}." if path else ""
        if not isinstance(value, Mapping):
            raise _Refused(path, f"{_shown(value)} is not allowed; {self.allowed()}")
        names = dict(self.spec)
        unknown = sorted(str(k) for k in value if k not in names)
        if unknown:
            raise _Refused(path, f"unknown field(s) {', '.join(unknown)}; the fields are "
                                 f"{', '.join(names) or 'none'}")
        out = {}
        for name, check in self.spec:
            if name in value:
                out[name] = check(value[name], where + name)
            elif not isinstance(check, _Optional):
                raise _Refused(where + name, f"missing; {check.allowed()}")
        return out


@dataclass(frozen=True)
class _Scenario(Check):
    def allowed(self) -> str:
        return "a scenario as JSON (casestudy.Scenario.to_dict())"

    def __call__(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise _refuse(path, value, self.allowed())
        try:
            return Scenario.from_dict(value).to_dict()
        except (ScenarioError, TypeError) as exc:
            raise _Refused(path, f"not a valid scenario: {exc}") from None


def text(max_chars: int = 200, *, lines: bool = False) -> Check:
    """Text of 1 to ``max_chars`` characters (not only spaces); ``lines`` allows line breaks."""
    return _Text(max_chars, lines)


def slug(max_chars: int = 60) -> Check:
    """An identifier such as ``lesson2.pbr_acute`` or ``bthft``."""
    return _Slug(max_chars)


def integer(low: int, high: int) -> Check:
    return _Integer(low, high)


def number(low: float, high: float) -> Check:
    """A finite number from ``low`` to ``high``, stored as a float."""
    return _Number(low, high)


def boolean() -> Check:
    return _Boolean()


def one_of(*values: str) -> Check:
    return _OneOf(tuple(values))


def items(each: Check, min_items: int = 0, max_items: int = 50) -> Check:
    return _Items(each, min_items, max_items)


def optional(check: Check) -> Check:
    """A field that may be left out (it is then absent from the stored payload)."""
    return _Optional(check)


def fields(spec: Mapping[str, Check]) -> Check:
    """An object with these fields and no others (for nested payloads)."""
    return _Fields(tuple(spec.items()))


def scenario() -> Check:
    """A ``casestudy.Scenario`` as its ``to_dict()``; stored in that canonical form."""
    return _Scenario()


# --------------------------------------------------------------------------- kinds


@dataclass(frozen=True)
class EventKind:
    """One kind of event: its name, its payload's fields, who writes it, a line of help."""

    name: str
    payload: Check
    by: Writer = "table"
    help: str = ""
    check: Callable[[dict[str, Any]], None] | None = None
    # rule(room, events, payload, team_id, by) checks the write against the room's record so
    # far (``events``: every event before it, in id order), inside the write's transaction,
    # raising RoomError with a message: the game's "only in the plan phase", "not your role".
    rule: Callable[[Any, list, dict[str, Any], int | None, str], None] | None = None


_KINDS: dict[str, EventKind] = {}


def register_kind(name: str, payload: Mapping[str, Check], *, by: Writer = "table",
                  help: str = "", check: Callable[[dict[str, Any]], None] | None = None,
                  rule: Callable[[Any, list, dict[str, Any], int | None, str], None] | None = None
                  ) -> EventKind:
    """Add a kind of event. ``check`` may test the fields together, raising ``ValueError``
    with a message; ``rule(room, events, payload, team_id, by)`` may test the write against
    the room's events so far, in the write's transaction, raising ``RoomError``.
    Registering the same definition again is harmless (a module imported twice); a
    different definition under a taken name is refused."""
    if not isinstance(name, str) or not _KIND_NAME.match(name):
        raise ValueError(f"event kind {name!r}: a lowercase name of up to 40 characters "
                         "(letters, digits, '_' and '.'), starting with a letter")
    if by not in ("table", "console", "room", "either"):
        raise ValueError(f"event kind {name!r}: by = {by!r}; one of 'table', 'console', "
                         "'room', 'either'")
    new = EventKind(name, fields(payload), by, help, check, rule)
    old = _KINDS.get(name)
    if old is not None and old != new:
        raise ValueError(f"event kind {name!r} is already registered with another definition")
    _KINDS[name] = new
    return new


def kind(name: str) -> EventKind:
    """The registered kind, or a ``RoomError`` listing the kinds there are."""
    try:
        return _KINDS[name]
    except (KeyError, TypeError):
        raise RoomError(f"kind: {_shown(name)} is not a kind of event; the kinds are "
                        f"{', '.join(sorted(_KINDS))}") from None


def registered_kinds() -> tuple[str, ...]:
    """The names of every registered kind."""
    return tuple(sorted(_KINDS))


def validate(name: str, payload: Any) -> dict[str, Any]:
    """The payload checked and in its stored form, or a ``PayloadError``."""
    event_kind = kind(name)
    try:
        clean = event_kind.payload(payload, "")
        if event_kind.check is not None:
            event_kind.check(clean)
    except _Refused as refused:
        raise PayloadError(name, refused.path, refused.problem) from None
    except ValueError as exc:
        raise PayloadError(name, "", str(exc)) from None
    size = len(encode(clean).encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise PayloadError(name, "", f"{size:,} bytes of JSON; at most {MAX_PAYLOAD_BYTES:,}")
    return dict(sorted(clean.items()))


def encode(payload: Mapping[str, Any]) -> str:
    """The one JSON spelling of a payload (sorted keys, no spaces, no NaN)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


# --------------------------------------------------------------------------- the room's own kinds

MOMENT = slug()
register_kind("join", {"name": text(40), "bot": boolean()}, by="room",
              help="A table joined (written by Room.join)")
register_kind("token_reissued", {}, by="room",
              help="The facilitator gave a table a new link; its old one stopped working")
register_kind("key_reissued", {}, by="room",
              help="The room got a new facilitator key; the old one stopped working")
register_kind("prediction", {"moment": MOMENT, "choice": integer(0, MAX_OPTIONS - 1)},
              help="A table's prediction at a moment: the index of the option it chose")
register_kind("scenario", {"round": integer(1, MAX_ROUNDS), "scenario": scenario(),
                           "reason": optional(text(500, lines=True))},
              help="A table's scenario for a round, with its stated reason")
register_kind("moment_open", {"moment": MOMENT, "question": text(300),
                              "options": items(text(120), 2, MAX_OPTIONS)}, by="console",
              help="The facilitator opens a prediction moment to the room")
register_kind("moment_lock", {"moment": MOMENT}, by="console",
              help="No more predictions at this moment")
register_kind("moment_reveal", {"moment": MOMENT, "answer": integer(0, MAX_OPTIONS - 1)},
              by="console", help="The answer is shown to every table")
register_kind("phase", {"name": slug(40), "round": optional(integer(0, MAX_ROUNDS))},
              by="console", help="The session moves to a phase (of a round)")
register_kind("timer_start", {"seconds": integer(10, 4 * 3600), "label": optional(text(80))},
              by="console", help="A countdown starts for the room")
register_kind("timer_stop", {}, by="console", help="The countdown stops")
# A team round: the facilitator opens it with its conditions (the demand against plan every
# table's deal is judged under), locks it (a table with no deal gets the round's baseline,
# written by the console on its behalf, in the same transaction), then reveals the tables'
# deals to the room one at a time.
_DEMAND = field_info("demand_shock")  # the round's demand: the scenario field's own range
register_kind("round_open", {"round": integer(1, MAX_ROUNDS),
                             "demand_shock": number(_DEMAND["min"], _DEMAND["max"])},
              by="console", help="The facilitator opens a team round, with its demand against plan")
register_kind("round_lock", {"round": integer(1, MAX_ROUNDS)}, by="console",
              help="No more deals for this round; a table without one has the baseline")
register_kind("round_reveal", {"round": integer(1, MAX_ROUNDS), "team": integer(1, 2**62)},
              by="console", help="One table's deal is shown to the room")

