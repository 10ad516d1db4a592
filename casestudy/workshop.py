"""Scenarios that travel between tables: files, short codes for a chat, and their checks.

A team saves its scenario as a small JSON file (``save_scenario``) or copies a short text
code (``scenario_code``) into the room's chat; the facilitator loads them back
(``load_scenario``, ``from_code``) and gets the very same ``Scenario``, so ``run_year``
gives the very same numbers. Both forms carry the parameters, the kit version, the seed
and the team's name, and both carry a SHA-256 checksum of their content: a file or code
that is malformed, from another kit version, edited by hand (its checksum fails), or holds
an unknown field or a value out of range is refused with a ``ScenarioError`` that says why.

The checksum catches typing slips and hand edits, not a determined forger (anyone can
recompute it); that is all a workshop needs.

>>> import dataclasses
>>> mine = dataclasses.replace(Scenario(), risk_share=0.5)
>>> code = scenario_code(mine, team="Table 3")
>>> code.startswith("BK1-")
True
>>> from_code(code) == mine
True
>>> decode_code(code).changes()
['Risk share 50% instead of 0%']
>>> from_code(code[:-1] + ("0" if code[-1] != "0" else "1"))
Traceback (most recent call last):
...
casestudy.workshop.UnreadableScenario: code: its checksum does not match its content: it was mistyped, cut short or edited (copy the whole code again)
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import json
import os
import re
import tempfile
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import ScenarioError
from .jsontext import parse, shown
from .scenario import KIT_VERSION, Scenario
from .system import System

FILE_FORMAT = "bradford-kit-scenario"
CODE_PREFIX = "BK1-"
CODE_CHECK_CHARS = 8  # 32 bits of SHA-256: a mistyped code passes by chance 1 time in 4 billion
MAX_TEAM_CHARS = 60
MAX_FILE_BYTES = 1_000_000  # a scenario file is about 2 kB; anything this big is not one
MAX_CODE_JSON_BYTES = 100_000
MAX_CODE_CHARS = 200_000  # a code is about 30-300 characters; a longer one is not a code
MAX_STEM_BYTES = 120  # a file name's stem in UTF-8 bytes: file systems allow 255 in all
MAX_SAME_NAME = 10_000  # name-2.json ... name-10000.json, then the name is refused
# Windows gives these names (with any extension) to devices: CON.json cannot be a file there.
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", "conin$", "conout$",
                              *(f"com{k}" for k in "123456789¹²³"),
                              *(f"lpt{k}" for k in "123456789¹²³")})
# Joiners are letters' glue in Persian, Indic scripts and emoji sequences; every other
# invisible format character (right-to-left overrides above all) can disguise a name.
_JOINERS = {"\u200c", "\u200d"}
# The permissions a file made with open() gets (mkstemp makes its files private): read once,
# at import, as reading the mask means setting it.
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_FILE_KEYS = {"format", "kit_version", "team", "system", "seed", "saved_at", "changes",
              "scenario", "checksum"}
_CODE_KEYS = {"k", "f", "t", "s"}
# A preset dictionary for deflate: short JSON barely compresses on its own, but against
# this text every field name becomes a two-byte back-reference, so codes stay short.
# Frozen for format BK1: changing it would make old codes unreadable (make BK2 instead).
_ZDICT = (
    b'"allocation_growth":0.04,"blended_rate_above_plan":0.2,"blended_rate_below_plan":0.2,'
    b'"cost_inflation":0.038,"delayed_day_cost_gbp":75.0,"delayed_days_per_lost_package":5.0,'
    b'"demand_shock":0.0,"draws":10000,"efficiency_delivered_share":0.9,'
    b'"efficiency_factor":0.011,"efficiency_required":0.041,"elective_variable_rate":1.0,'
    b'"flex":0.25,"incentive_fund_scale":1.0,"leadership_capacity":6.0,'
    b'"non_recurrent_support_gbp_m":10.0,"payment":"fixed_income","payment_by_results",'
    b'"blended","aligned_payment_and_incentive",{"rule":"activity_based","fixed_income",'
    b'"elective","non_elective","outpatient","a_and_e","community","mental_health",'
    b'"social_care","voluntary_support","price_uplift":0.038,"rebase_fixed_income":true,'
    b'"recurrent_share":0.7,"risk_share":0.5,"schemes":["seed":0,"social_care_budget_change":'
    b'-0.1,"social_care_knock_on":0.1,"system_linkage":1.0,"winter_correlation":0.5,'
    b'"years":5,"f":{"k":"0.1","s":"bradford","t":"Table '
)


class UnreadableScenario(ScenarioError):
    """A scenario file or code that cannot be used; ``source`` says which, ``reason`` why."""

    def __init__(self, source: str, reason: str) -> None:
        self.source, self.reason = source, reason
        super().__init__(f"{source}: {reason}")


@dataclass(frozen=True, kw_only=True)
class SavedScenario:
    """A scenario with what travelled with it: team, kit version, seed, system, when saved."""

    scenario: Scenario
    team: str = ""
    kit_version: str = KIT_VERSION
    system_name: str = ""
    saved_at: str = ""
    source: str = ""  # the file's path, or "code"

    @property
    def seed(self) -> int:
        return self.scenario.seed

    def changes(self, baseline: Scenario | None = None) -> list[str]:
        """What differs from the baseline (the default scenario unless given), in words."""
        return self.scenario.changes_from(baseline if baseline is not None else Scenario())

    def code(self) -> str:
        """The same scenario as a code to paste in a chat."""
        return scenario_code(self.scenario, team=self.team, system=self.system_name or None)


# --------------------------------------------------------------------------- files


def save_scenario(scenario: Scenario, folder: str | os.PathLike, name: str, *,
                  system: System | str | None = None, team: str | None = None) -> Path:
    """Write ``scenario`` to ``folder/name.json`` and return the path; never overwrites.

    If ``name.json`` is taken, writes ``name-2.json``, ``name-3.json``... The team's name
    is ``team`` (``name`` when not given); ``system`` (a ``System`` or its name) records
    which system the numbers are for.
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    team = _clean_team(name if team is None else team)
    stem = _file_stem(name)
    document = {
        "format": FILE_FORMAT,
        "kit_version": KIT_VERSION,
        "team": team,
        "system": _system_name(system),
        "seed": scenario.seed,
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "changes": scenario.changes_from(Scenario(), _scheme_names(system)),
        "scenario": scenario.to_dict(),
    }
    document["checksum"] = checksum(document)
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return _write_new(folder, stem, text.encode("utf-8"))


def _scheme_names(system: System | str | None) -> dict[str, str] | None:
    """Scheme ids to names, so that a saved file's changes read as people's words."""
    if not isinstance(system, System):
        return None
    return dict(zip(system.schemes.index, system.schemes["name"]))


def _write_new(folder: Path, stem: str, data: bytes) -> Path:
    """Write ``data`` as ``stem.json`` (or ``stem-2.json``...) in ``folder``, atomically.

    The bytes go to a hidden temporary file in the same folder first, flushed to the disk;
    only a complete file then gets its name, by a hard link that fails if the name is taken
    (so nothing is ever overwritten, and two tables saving one name at once get two files).
    A save that fails part-way (a full disk) leaves no file with a name, half-written or
    empty. Where the file system has no hard links (a FAT USB stick), the name is reserved
    with an exclusive create and the complete file renamed over that empty reservation.
    """
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".saving-", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # readable as any saved file is, not private as a temporary
            os.fchmod(handle, 0o666 & ~_UMASK)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        for number in range(1, MAX_SAME_NAME + 1):
            path = folder / (f"{stem}.json" if number == 1 else f"{stem}-{number}.json")
            try:
                _link_new(temporary, path)
                return path
            except FileExistsError:
                continue
        raise ScenarioError(f"{MAX_SAME_NAME:,} files are already named {stem!r} in {folder}; "
                            "choose another name")
    finally:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass


def _link_new(source: str, path: Path) -> None:
    """Give the complete file ``source`` the new name ``path``; ``FileExistsError`` if taken."""
    try:
        os.link(source, path)
        return
    except FileExistsError:
        raise
    except OSError as exc:  # no hard links here: reserve the name, then rename onto it
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                             errno.EMLINK, errno.ENOSYS) and not isinstance(exc, PermissionError):
            raise
    with open(path, "x"):
        pass
    try:
        os.replace(source, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def load_saved(path: str | os.PathLike) -> SavedScenario:
    """Read a scenario file with what travelled with it; refuse it, saying why, if unusable."""
    try:
        path = Path(path)
        source = shown(path.name)[1:-1] if len(path.name) > 60 else path.name
        if not path.is_file():
            raise UnreadableScenario(source, "no such file" if not path.exists()
                                     else "not a file")
        # Read at most one byte past the limit: a file that grows meanwhile is still bounded.
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except UnreadableScenario:
        raise
    except (OSError, ValueError) as exc:  # unreadable, a name too long, a NUL in the path
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise UnreadableScenario(shown(str(path))[1:-1], f"could not be read ({reason})"
                                 ) from None
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableScenario(source, f"more than {MAX_FILE_BYTES:,} bytes is far too big "
                                         "for a scenario file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableScenario(source, "not a text file (is it a scenario file?)") from None
    return parse_saved(text, source=source, path=str(path))


def load_scenario(path: str | os.PathLike) -> Scenario:
    """The scenario in a file written by ``save_scenario``."""
    return load_saved(path).scenario


def parse_saved(text: str, *, source: str = "pasted text", path: str = "") -> SavedScenario:
    """The content of a scenario file, already read; checks it like ``load_saved``."""
    if not isinstance(text, str):
        raise UnreadableScenario(source, f"a scenario file is text, not {type(text).__name__}")
    if not text.strip():
        raise UnreadableScenario(source, "the file is empty")
    try:
        document = parse(text, max_chars=MAX_FILE_BYTES, what="the file")
    except ScenarioError as exc:
        raise UnreadableScenario(source, str(exc).replace("the file is ", "", 1)) from None
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise UnreadableScenario(source, "not a scenario file saved by the kit (it has no "
                                         f'"format": "{FILE_FORMAT}")')
    _check_version(source, document.get("kit_version"))
    try:
        matches = document.get("checksum") == checksum(document)
    except (TypeError, ValueError):  # content the kit never writes (parse refuses NaN)
        matches = False
    if not matches:
        raise UnreadableScenario(source, "its checksum does not match its content: it was "
                                         "edited by hand or damaged (save it again from the kit)")
    unknown = sorted(set(document) - _FILE_KEYS)
    if unknown:
        raise UnreadableScenario(source, f"unknown entries {_listed(unknown)}")
    scenario = _scenario_from(source, document.get("scenario"))
    if document.get("seed") != scenario.seed:
        raise UnreadableScenario(source, f"seed {shown(document.get('seed'))} does not match "
                                         f"the scenario's seed {scenario.seed}")
    return SavedScenario(scenario=scenario, team=_text(source, document, "team"),
                         kit_version=KIT_VERSION, system_name=_text(source, document, "system"),
                         saved_at=_text(source, document, "saved_at"), source=path or source)


def checksum(document: Mapping[str, Any]) -> str:
    """``sha256:`` and the hex digest of the canonical JSON of everything but the checksum.

    Canonical: keys sorted, no spaces, UTF-8, so the same content always gives the same sum.
    """
    content = {k: v for k, v in document.items() if k != "checksum"}
    return "sha256:" + hashlib.sha256(_canonical(content)).hexdigest()


# --------------------------------------------------------------------------- codes


def scenario_code(scenario: Scenario, team: str = "", *, system: System | str | None = None
                  ) -> str:
    """A short code for a chat: ``BK1-`` + the fields that differ from the defaults + a check.

    The fields (the seed always among them), the kit version, the team and the system's
    name are canonical JSON, deflated against a fixed dictionary, in URL-safe base64;
    the last part is the start of the SHA-256 of that text.

    >>> scenario_code(Scenario())
    'BK1-q4aohLq1VgeupxYA-52a314d8'
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    defaults = Scenario().to_dict()
    changed = {k: v for k, v in scenario.to_dict().items() if v != defaults[k] or k == "seed"}
    payload: dict[str, Any] = {"k": KIT_VERSION, "f": changed}
    team = _clean_team(team)
    if team:
        payload["t"] = team
    if system is not None:
        payload["s"] = _system_name(system)
    packer = zlib.compressobj(level=9, wbits=-15, zdict=_ZDICT)
    packed = packer.compress(_canonical(payload)) + packer.flush()
    body = base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")
    return f"{CODE_PREFIX}{body}-{_code_check(body)}"


def decode_code(code: str) -> SavedScenario:
    """The scenario in a code, with its team and system; refuses it, saying why, if unusable."""
    source = "code"
    if not isinstance(code, str):
        raise UnreadableScenario(source, f"a code is text, not {type(code).__name__}")
    if len(code) > MAX_CODE_CHARS:
        raise UnreadableScenario(source, f"{len(code):,} characters is far too long for a code")
    # Chats wrap long lines and people copy quotes or backticks with the code.
    text = re.sub(r"\s+", "", code).strip("\"'`<>")
    if not text:
        raise UnreadableScenario(source, "the code is empty")
    format_match = re.match(r"BK(\d+)-", text)
    if format_match and text[:len(CODE_PREFIX)] != CODE_PREFIX:
        raise UnreadableScenario(source, f"this is a BK{format_match.group(1)} code, made by "
                                         "another version of the kit; this kit reads BK1 codes")
    if not text.startswith(CODE_PREFIX) or text.count("-") < 2:
        raise UnreadableScenario(source, f"not a scenario code (a code starts with "
                                         f"{CODE_PREFIX!r} and ends with a dash and "
                                         f"{CODE_CHECK_CHARS} letters or digits)")
    body, check = text[len(CODE_PREFIX):].rsplit("-", 1)
    if check.lower() != _code_check(body):
        raise UnreadableScenario(source, "its checksum does not match its content: it was "
                                         "mistyped, cut short or edited (copy the whole code again)")
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        unpacker = zlib.decompressobj(wbits=-15, zdict=_ZDICT)
        raw = unpacker.decompress(packed, MAX_CODE_JSON_BYTES)
        if unpacker.unconsumed_tail:
            raise UnreadableScenario(source, "the code unpacks to far too much text")
        text = raw.decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, UnreadableScenario):
            raise
        raise UnreadableScenario(source, "malformed: the code does not unpack to a "
                                         "scenario") from None
    try:
        # Bounded like a file: a forged code whose checksum matches is still only text.
        payload = parse(text, max_chars=MAX_CODE_JSON_BYTES, what="the code")
    except ScenarioError as exc:
        raise UnreadableScenario(source, f"malformed: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("f"), dict):
        raise UnreadableScenario(source, "malformed: the code does not hold scenario fields")
    _check_version(source, payload.get("k"))
    unknown = sorted(set(payload) - _CODE_KEYS)
    if unknown:
        raise UnreadableScenario(source, f"unknown entries {_listed(unknown)}")
    scenario = _scenario_from(source, payload["f"])
    return SavedScenario(scenario=scenario, team=_text(source, payload, "t"),
                         system_name=_text(source, payload, "s"), source=source)


def from_code(code: str) -> Scenario:
    """The scenario in a code made by ``scenario_code``."""
    return decode_code(code).scenario


def read_any(text: str) -> SavedScenario:
    """A pasted code, a pasted scenario file's content, or the path of a scenario file."""
    if not isinstance(text, str) or not text.strip():
        raise UnreadableScenario("input", "paste a code (it starts with BK1-) or a file's path")
    stripped = text.strip().strip("\"'`")
    if re.match(r"BK\d+-", stripped):
        return decode_code(stripped)
    if stripped.startswith("{"):
        return parse_saved(stripped)
    try:
        path = Path(stripped).expanduser()
        exists = path.exists()
    except (OSError, ValueError, RuntimeError):  # a NUL, a name too long, an unknown ~user
        exists = False
    if not exists:
        raise UnreadableScenario(shown(stripped)[1:-1], "neither a code (it would start with "
                                                        "BK1-) nor an existing file")
    return load_saved(path)


# --------------------------------------------------------------------------- helpers


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _code_check(body: str) -> str:
    return hashlib.sha256(body.encode("ascii", "replace")).hexdigest()[:CODE_CHECK_CHARS]


def _listed(names: list[str]) -> str:
    """Entry names for a message: as they are when short, the first five at most."""
    shown_names = [n if len(n) <= 40 and n.isprintable() else shown(n) for n in names[:5]]
    return ", ".join(shown_names) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _check_version(source: str, version: Any) -> None:
    if version != KIT_VERSION:
        made = ("an unknown" if version is None else
                f"kit version {version}" if isinstance(version, str) and len(version) < 20
                else f"kit version {shown(version)}")
        raise UnreadableScenario(source, f"made with {made}; this is kit version {KIT_VERSION}. "
                                         "Open it with the kit version it was made with, or set "
                                         "the scenario again by hand")


def _scenario_from(source: str, data: Any) -> Scenario:
    if not isinstance(data, dict):
        raise UnreadableScenario(source, "it holds no scenario fields")
    try:
        return Scenario.from_dict(data)
    except ScenarioError as exc:
        raise UnreadableScenario(source, str(exc)) from None
    except TypeError as exc:  # e.g. a field given a list where a number belongs
        raise UnreadableScenario(source, f"a field has the wrong type ({exc})") from None


# The longest text each entry of a file or code may hold: the kit writes a team of at most
# MAX_TEAM_CHARS, a system's name (a file's or folder's name) and a time stamp.
_TEXT_LIMITS = {"team": MAX_TEAM_CHARS, "t": MAX_TEAM_CHARS, "system": 255, "s": 255,
                "saved_at": 64}


def _text(source: str, data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise UnreadableScenario(source, f"{key} = {shown(value)} must be text")
    limit = _TEXT_LIMITS.get(key)
    if limit is not None and len(value) > limit:
        raise UnreadableScenario(source, f"{key} = {shown(value)} is longer than the kit "
                                         f"writes ({limit} characters at most)")
    # As save_scenario keeps it: no control or invisible format characters (a right-to-left
    # override in a forged file's team would show the comparison a disguised name).
    return " ".join(_visible(value).split()) if key in ("team", "t") else value


def _visible(text: str) -> str:
    """NFC text without control characters or invisible format characters (joiners kept)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co")
                   or c in _JOINERS or c in "\t\n\r")


def _clean_team(team: Any) -> str:
    """A team's name as shown: any script, spaces collapsed, nothing invisible kept."""
    if not isinstance(team, str):
        raise ScenarioError(f"team = {shown(team)} must be text")
    team = " ".join(_visible(team).split())
    if len(team) > MAX_TEAM_CHARS:
        raise ScenarioError(f"team = {shown(team)} is {len(team)} characters; at most "
                            f"{MAX_TEAM_CHARS}")
    return team


def _file_stem(name: Any) -> str:
    """A safe file name from a team's name, in any script: only what is unsafe goes.

    Letters, digits and marks of every script stay, and so do emoji; spaces, punctuation,
    path separators and control characters become single dashes; a leading dot (a hidden
    file), trailing dots and dashes go; a name Windows keeps for a device (CON, NUL, COM1...)
    gets an underscore; the stem is cut to ``MAX_STEM_BYTES`` of UTF-8 on a character.

    >>> _file_stem("Table 3 / Finance!"), _file_stem("Équipe Rouge"), _file_stem("チーム赤")
    ('Table-3-Finance', 'Équipe-Rouge', 'チーム赤')
    >>> _file_stem("../.ssh/CON"), _file_stem("nul.json"), _file_stem("Team 🚀")
    ('ssh-CON', 'nul_', 'Team-🚀')
    """
    if not isinstance(name, str):
        raise ScenarioError(f"name = {shown(name)} must be text")
    text = re.sub(r"\.json$", "", _visible(name).strip(), flags=re.IGNORECASE)
    kept = "".join(c if c in "_-." or c in _JOINERS or unicodedata.category(c)[0] in "LNM"
                   or unicodedata.category(c) == "So" else "-" for c in text)
    stem = re.sub(r"-{2,}", "-", kept).strip("-_. ")
    stem = stem.encode("utf-8")[:MAX_STEM_BYTES].decode("utf-8", "ignore").rstrip("-_. ")
    if not stem:
        raise ScenarioError(f"name = {shown(name)} has no letters or digits to name a file "
                            "with")
    if stem.split(".")[0].lower() in WINDOWS_RESERVED:
        stem += "_"
    return stem


def _system_name(system: System | str | None) -> str:
    if system is None:
        return ""
    if isinstance(system, System):
        return system.name
    if isinstance(system, str):
        return system
    raise ScenarioError(f"system = {system!r} must be a System or its name")


__all__ = [
    "SavedScenario", "UnreadableScenario", "checksum", "decode_code", "from_code",
    "load_saved", "load_scenario", "parse_saved", "read_any", "save_scenario", "scenario_code",
]
