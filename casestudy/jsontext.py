"""JSON from outside the kit (a scenario, a saved file, a pasted code), read within bounds.

Text a learner pastes or a file someone saved is untrusted: ``parse`` refuses, with a
``ScenarioError`` that says why, whatever Python's own parser would crash or stall on:
text longer than the caller allows, nesting deeper than ``MAX_DEPTH`` (Python's parser
raises ``RecursionError`` at about 1,000), integers of more than ``MAX_INT_DIGITS`` digits
(``ValueError`` beyond 4,300), ``NaN`` and ``Infinity`` (not JSON, but Python reads them),
numbers too large for a float, and a key given twice. ``shown`` writes any value into a
message at a bounded length, so a message can never be longer than the screen or fail.

>>> parse('{"risk_share": 0.5}', max_chars=100)
{'risk_share': 0.5}
>>> parse('{"risk_share": NaN}', max_chars=100)
Traceback (most recent call last):
...
casestudy.errors.ScenarioError: NaN is not a number JSON allows; expected a number such as 0.5
>>> shown("x" * 500)
"'xxxxxxxxxxxxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxxxxxxxxxxxx' (500 characters)"
"""

from __future__ import annotations

import json
import math
import re
import reprlib
from typing import Any

from .errors import ScenarioError

MAX_DEPTH = 16  # a scenario file nests 5 deep (file, scenario, payment, service, rule)
MAX_INT_DIGITS = 30  # a seed has at most 10 digits; nothing in a scenario needs more
MAX_NUMBER_CHARS = 400  # a float written in full (17 digits and an exponent) is far shorter
MAX_SHOWN_CHARS = 120  # a value quoted in a message
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class _Refused(Exception):
    """Raised inside the parser's hooks; ``parse`` turns it into a ``ScenarioError``."""


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"a whole number of {len(text.lstrip('-')):,} digits is far too long "
                       f"(at most {MAX_INT_DIGITS} digits)")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number written with {len(text):,} characters is far too long")
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"{text} is too large for a number (it would be infinite)")
    return value


def _constant(text: str) -> float:
    raise _Refused(f"{text} is not a number JSON allows; expected a number such as 0.5")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"the key {shown(key)} appears twice in one object")
        out[key] = value
    return out


def depth(text: str) -> int:
    """How deeply the text's arrays and objects nest, brackets inside strings aside.

    >>> depth('{"a": [1, {"b": "[[["}]}')
    3
    """
    level = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        level += 1 if match.group() in "[{" else -1
        deepest = max(deepest, level)
    return deepest


def parse(text: Any, *, max_chars: int, what: str = "the text") -> Any:
    """The JSON value in ``text`` (str or UTF-8 bytes), or ``ScenarioError`` saying why not."""
    if isinstance(text, (bytes, bytearray)):
        if len(text) > 4 * max_chars:
            raise ScenarioError(_too_long(what, len(text), max_chars))
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ScenarioError(f"{what} is not UTF-8 text") from None
    if not isinstance(text, str):
        raise ScenarioError(f"{what} must be text (JSON), not {type(text).__name__}")
    if len(text) > max_chars:
        raise ScenarioError(_too_long(what, len(text), max_chars))
    nesting = depth(text)
    if nesting > MAX_DEPTH:
        raise ScenarioError(f"{what} nests {nesting:,} levels deep; a scenario needs at most "
                            f"{MAX_DEPTH}")
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_float,
                           parse_constant=_constant, object_pairs_hook=_object)
        _check_unicode(value)
        return value
    except _Refused as exc:
        raise ScenarioError(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg})") from None
    except (RecursionError, ValueError) as exc:  # a limit of Python's parser not foreseen here
        raise ScenarioError(f"{what} cannot be read as JSON ({type(exc).__name__})") from None


def _check_unicode(value: Any) -> None:
    """Refuse a lone surrogate (``"\\ud800"`` is valid JSON, but not Unicode text: it could
    not be written to a file, a page or a code). The nesting is already bounded."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _Refused("a text holds a lone surrogate (such as \\ud800): it is not valid "
                           "Unicode") from None
    elif isinstance(value, list):
        for item in value:
            _check_unicode(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_unicode(key)
            _check_unicode(item)


def _too_long(what: str, size: int, limit: int) -> str:
    return f"{what} is {size:,} characters long, far too long for a scenario (at most {limit:,})"


class _Shown(reprlib.Repr):
    """``reprlib`` with room for a field name's length, and integers of any size."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = 60
        self.maxother = 60
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = 6
        self.maxlevel = 3

    def repr_int(self, value: int, level: int) -> str:
        if value.bit_length() > 100:  # about 30 digits: say how long, never print it
            return f"<a whole number of about {int(value.bit_length() * math.log10(2)):,} digits>"
        return repr(value)


_SHOWN = _Shown()


def shown(value: Any) -> str:
    """``repr(value)`` for a message, at most ``MAX_SHOWN_CHARS`` (and a length); never fails.

    >>> shown(10**5000)
    '<a whole number of about 5,000 digits>'
    >>> shown([[[[["deep"]]]]])
    '[[[[...]]]]'
    """
    try:
        text = _SHOWN.repr(value)
    except Exception:  # noqa: BLE001 (an object whose repr fails: name its type instead)
        return f"<{type(value).__name__}>"
    if len(text) > MAX_SHOWN_CHARS:  # containers of long strings: cut the middle too
        half = (MAX_SHOWN_CHARS - 3) // 2
        text = text[:half] + "..." + text[-half:]
    if isinstance(value, str) and len(value) > _SHOWN.maxstring:
        text += f" ({len(value):,} characters)"
    return text
