"""Room codes, facilitator keys, table tokens and team names: made, typed, checked.

A room code is six characters of Crockford's base32 (digits and the letters A-Z without
I, L, O and U), so a code read off a projector is typed right: case, spaces and hyphens do
not matter, and a typed O is read as 0, I and L as 1. A facilitator key is sixteen such
characters in groups of four (80 random bits). A table's token is 128 random bits in
URL-safe base64, carried in its pages' links. Keys and tokens are stored only as SHA-256
digests: they are long random strings, not passwords a person chose, so a fast hash is
enough (a slow one protects guessable secrets; these are not guessable).

>>> normalise_code(" k7m-4qx ")
'K7M4QX'
>>> normalise_code("Q0O1IL") == "Q00111"
True
>>> team_name("  Table 3 ")
('Table 3', 'table 3')
>>> team_name("TABLE   3")[1] == team_name("table 3")[1]
True
>>> team_name("Table\\n3")
Traceback (most recent call last):
...
casestudy.room.errors.RoomError: team name: 'Table\\n3' has a control or invisible character (U+000A); use letters, digits, spaces and punctuation
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

from .errors import RoomError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O or U
CODE_CHARS = 6  # 32**6 = 1.07 billion codes
KEY_CHARS = 16  # 80 bits
TOKEN_BYTES = 16  # 128 bits
MAX_TEAM_CHARS = 40  # the console lists tables in a column at 1024x768
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]+")
# zero-width non-joiner and joiner: some scripts and emoji need them
ALLOWED_INVISIBLE = frozenset({"\u200c", "\u200d"})
# control, format (bidi overrides, zero-width spaces), surrogates, line and paragraph separators
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def new_code() -> str:
    """A fresh room code (random; the store makes sure it is not taken)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))


def new_key() -> str:
    """A fresh facilitator key, in groups of four: ``7QK2-M9XD-4HTR-ZP3W``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(KEY_CHARS))
    return "-".join(raw[i:i + 4] for i in range(0, KEY_CHARS, 4))


def new_token() -> str:
    """A fresh table token, safe in a URL."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(secret: str) -> str:
    """The SHA-256 hex digest stored in place of a key or token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _typed(text: object, what: str, length: int, example: str) -> str:
    if not isinstance(text, str):
        raise RoomError(f"{what}: expected text, not {type(text).__name__}")
    cleaned = _SEPARATORS.sub("", text).upper().translate(_TYPED)
    if not cleaned:
        raise RoomError(f"{what}: empty; type the {length} characters, such as {example}")
    wrong = sorted({c for c in cleaned if c not in ALPHABET})
    if wrong:
        shown = ", ".join(repr(c) for c in wrong[:5])
        raise RoomError(f"{what}: {_short(text)} has {shown}, which no {what} has; it uses "
                        "digits and the letters A-Z except I, L, O and U")
    if len(cleaned) != length:
        raise RoomError(f"{what}: {_short(text)} has {len(cleaned)} characters; a {what} has "
                        f"{length}")
    return cleaned


def normalise_code(text: object) -> str:
    """A typed room code in its one spelling, or a ``RoomError`` saying what is wrong."""
    return _typed(text, "room code", CODE_CHARS, "K7M4QX")


def normalise_key(text: object) -> str:
    """A typed facilitator key in its one spelling (groups of four, as printed)."""
    raw = _typed(text, "facilitator key", KEY_CHARS, "7QK2-M9XD-4HTR-ZP3W")
    return "-".join(raw[i:i + 4] for i in range(0, KEY_CHARS, 4))


def team_name(text: object) -> tuple[str, str]:
    """``(name, name_key)``: the name as typed (ends trimmed) and the key that two names
    share when a person would call them the same (case, width and spacing ignored).

    Refused, with a message: not text, empty, longer than ``MAX_TEAM_CHARS``, a control or
    invisible character (a line break, a right-to-left override), or no letter or digit.
    Markup characters are allowed: a name is data, and every page escapes it.
    """
    if not isinstance(text, str):
        raise RoomError(f"team name: expected text, not {type(text).__name__}")
    name = text.strip()
    if not name:
        raise RoomError("team name: empty; type a name for your table, such as Table 3")
    for char in name:
        if unicodedata.category(char) in REFUSED_CATEGORIES and char not in ALLOWED_INVISIBLE:
            raise RoomError(f"team name: {_short(name)} has a control or invisible character "
                            f"(U+{ord(char):04X}); use letters, digits, spaces and punctuation")
    if len(name) > MAX_TEAM_CHARS:
        raise RoomError(f"team name: {len(name)} characters; at most {MAX_TEAM_CHARS}")
    if not any(unicodedata.category(c)[0] in "LN" for c in name):
        raise RoomError(f"team name: {_short(name)} has no letter or digit")
    key = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    return name, key


def _short(text: str, limit: int = 50) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
