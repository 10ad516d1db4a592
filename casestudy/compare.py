"""Every table's deal side by side, judged on the quantities that are drawn.

A team round asks each table for a deal: a ``Scenario`` built on the round's baseline (the
contracts as they stand, under the round's demand), with its stated reason. Each deal goes
through ``run_year`` (the engine; nothing is recomputed here) and is read three ways, each
against the control total, for each organisation and for the NHS system:

- **underlying**: leaving out everything non-recurrent (one-off support and savings,
  incentive funds);
- **before incentive funds**: the test the control-total regime applies (an organisation
  that meets its control total on this measure earns its incentive fund);
- **after incentive funds**: what the accounts report.

The charts draw the same three, coloured by the same test, so a table is never drawn
"above" a line it is said to miss. Teams are ranked by the regime's test, before funds:
incentive funds paid because each provider met its own control total while the system
missed are shown as what they are, not as a better deal.

Two more things a debrief needs, both computed here:

- ``signatures(system, deal, baseline)``: would each organisation sign the deal? It would if
  its reported position is no worse than under the baseline (a change that rounds to £0.0m
  counts as none). A deal every organisation signs leaves no winners and losers.
- ``lever_effects(system, base)``: which levers change what the system spends and earns,
  which only change the incentive funds it receives, and which only move money between
  organisations, under the round's conditions (moved across their range and measured).

Scenarios come from the room's store (``casestudy.room``: each table's last scenario of a
round, with its reason), or from files and pasted codes (``compare_teams``). A table's file
and its pasted code are one team; example teams are marked and never merge with real ones;
a code that cannot be used names the table it came from where the text says so.

>>> import casestudy as cs
>>> system = cs.load_system()
>>> base = cs.Scenario(demand_shock=0.03)
>>> red = dataclasses.replace(base, risk_share=0.5)
>>> codes = "Red: " + cs.scenario_code(red, team="Red") + "\\nBlue: BK1-oops"
>>> result = compare_teams(system, codes=codes, baseline=base)
>>> list(result.teams.team)
['Baseline', 'Red']
>>> result.teams.set_index("team").loc["Red", "changes"]
'Risk share 50% instead of 0%'
>>> list(result.refused.name)
["Blue's code (code 2 in the pasted text)"]
>>> signatures(system, red, base).all_sign
False
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .engine import YearResult, run_year
from .errors import ScenarioError
from .scenario import PRESETS, Scenario, _show, field_info
from .system import System
from .workshop import (
    CODE_PREFIX,
    SavedScenario,
    UnreadableScenario,
    decode_code,
    load_saved,
    scenario_code,
)

BASELINE_TEAM = "Baseline"
# A change in position smaller than this is no change: the pages show £m to one decimal, so
# a change that rounds to £0.0m (under £50,000) does not make an organisation refuse a deal.
SIGN_TOLERANCE_GBP_M = 0.05
# The three measures, in the order they are read: what the year earns without one-offs,
# the regime's test, what the accounts report.
MEASURES = {
    "underlying_position_gbp_m": "Underlying",
    "position_before_incentive_gbp_m": "Before incentive funds",
    "position_gbp_m": "After incentive funds",
}
REGIME_TEST = "position_before_incentive_gbp_m"
# The levers a table pulls in the team round, in the order the page shows them.
LEVER_FIELDS = ("schemes", "flex", "social_care_budget_change", "elective_variable_rate",
                "payment", "risk_share", "system_linkage")
EFFECTS = {
    "system": "changes what the system spends and earns",
    "funds": "changes only the incentive funds paid to the system",
    "money": "moves money between organisations only",
    "none": "changes nothing under this round's conditions",
}
_CODE_PATTERN = re.compile(r"BK\d+-[A-Za-z0-9_\-]*")
_NOT_CHOICES = ("draws", "seed", "years")  # settings of the run, not a team's policy choice
_EXAMPLE_LETTERS = "ABCDE"


# --------------------------------------------------------------------------- signatures


@dataclass(frozen=True)
class Signature:
    """One organisation's answer to a deal: its reported position under the baseline and
    under the deal, and whether it would sign (no worse off, within the tolerance)."""

    org_id: str
    name: str
    baseline_gbp_m: float
    deal_gbp_m: float
    signs: bool

    @property
    def change_gbp_m(self) -> float:
        return self.deal_gbp_m - self.baseline_gbp_m


@dataclass(frozen=True)
class Signatures:
    """Every organisation's answer to one deal, in the system's order."""

    organisations: tuple[Signature, ...]
    tolerance_gbp_m: float = SIGN_TOLERANCE_GBP_M

    @property
    def all_sign(self) -> bool:
        return all(s.signs for s in self.organisations)

    @property
    def refusers(self) -> tuple[Signature, ...]:
        """Those who would not sign, the largest loss first."""
        return tuple(sorted((s for s in self.organisations if not s.signs),
                            key=lambda s: s.change_gbp_m))

    def __getitem__(self, org_id: str) -> Signature:
        for one in self.organisations:
            if one.org_id == org_id:
                return one
        raise KeyError(org_id)


def signatures_from(baseline: pd.DataFrame, deal: pd.DataFrame, *,
                    tolerance: float = SIGN_TOLERANCE_GBP_M) -> Signatures:
    """The signatures from two ``YearResult.organisations`` frames (baseline, deal): each
    organisation signs if its reported position (``position_gbp_m``, after risk share and
    incentive funds) falls by less than ``tolerance``."""
    if not isinstance(tolerance, (int, float)) or isinstance(tolerance, bool) or tolerance < 0:
        raise ScenarioError(f"tolerance = {tolerance!r} must be a number of £m, 0 or more")
    if list(baseline.index) != list(deal.index):
        raise ScenarioError("the baseline and the deal must be for the same organisations")
    before = baseline["position_gbp_m"].to_numpy(dtype=float)
    after = deal["position_gbp_m"].to_numpy(dtype=float)
    signs = after - before >= -tolerance
    return Signatures(tuple(
        Signature(str(org), str(name), float(b), float(a), bool(ok))
        for org, name, b, a, ok in zip(deal.index, deal["name"], before, after, signs)),
        float(tolerance))


def signatures(system: System, deal: Scenario, baseline: Scenario, *,
               tolerance: float = SIGN_TOLERANCE_GBP_M) -> Signatures:
    """Would each organisation sign ``deal`` rather than stay with ``baseline``?"""
    return signatures_from(run_year(system, baseline).organisations,
                           run_year(system, deal).organisations, tolerance=tolerance)


# --------------------------------------------------------------------------- levers


@dataclass(frozen=True)
class Lever:
    """What moving one lever does, measured: ``effect`` is a key of ``EFFECTS``."""

    field: str
    label: str
    effect: str
    system_change_gbp_m: float  # the largest change in the NHS or the place position before funds
    funds_change_gbp_m: float  # the largest change in the incentive funds the NHS receives
    money_moved_gbp_m: float  # the largest change in any one organisation's position

    @property
    def words(self) -> str:
        return EFFECTS[self.effect]


def lever_trials(system: System, name: str) -> list[object]:
    """The values a lever is tried at: each preset, each scheme on its own, or the ends and
    the middle of a slider's range."""
    if name == "payment":
        return list(PRESETS)
    if name == "schemes":
        return [(scheme,) for scheme in system.schemes.index]
    info = field_info(name)
    low, high = info["min"], info["max"]
    return [low, (low + high) / 2, high]


def _outcome(system: System, scenario: Scenario) -> tuple[float, float, float, np.ndarray]:
    """NHS and place positions before incentive funds, the NHS's funds, each organisation's
    position: from the engine's arrays (a frame per trial would take ten times as long)."""
    year = run_year(system, scenario)
    position, funds = year.money.position[0], year.money.incentive[0]
    nhs = year.inputs.in_nhs
    before = position - funds
    return (float(before[nhs].sum()), float(before.sum()), float(funds[nhs].sum()), position)


def lever_effects(system: System, base: Scenario,
                  fields: Sequence[str] = LEVER_FIELDS) -> tuple[Lever, ...]:
    """Move each lever across its range and measure what changes: the NHS and place
    positions before incentive funds (the system), the incentive funds, and each
    organisation's position. The first that moves by more than the signing tolerance names
    the lever's effect.

    A lever's effect can hang on the others (the system linkage moves funds only when some
    organisation earns one; the elective variable rate is read by some payment rules only),
    so every lever but the payment rule is moved from ``base`` under each payment preset in
    turn, and its largest effect counts.
    """
    contexts = [base] + [dataclasses.replace(base, payment=p) for p in PRESETS
                         if p != base.payment]
    starts = {id(c): _outcome(system, c) for c in contexts}
    levers = []
    for name in fields:
        system_change = funds_change = moved = 0.0
        for context in (contexts[:1] if name == "payment" else contexts):
            nhs0, place0, funds0, orgs0 = starts[id(context)]
            for value in lever_trials(system, name):
                nhs, place, funds, orgs = _outcome(system, dataclasses.replace(context, **{name: value}))
                system_change = max(system_change, abs(nhs - nhs0), abs(place - place0))
                funds_change = max(funds_change, abs(funds - funds0))
                moved = max(moved, float(np.abs(orgs - orgs0).max()))
        effect = ("system" if system_change > SIGN_TOLERANCE_GBP_M else
                  "funds" if funds_change > SIGN_TOLERANCE_GBP_M else
                  "money" if moved > SIGN_TOLERANCE_GBP_M else "none")
        levers.append(Lever(name, field_info(name)["label"], effect, system_change,
                            funds_change, moved))
    return tuple(levers)


# --------------------------------------------------------------------------- teams


def round_baseline(demand_shock: float) -> Scenario:
    """A team round's baseline: the contracts as they stand (the default scenario), under
    the round's demand against plan. Every deal of the round is set against it."""
    return Scenario(demand_shock=demand_shock)


@dataclass(frozen=True, kw_only=True)
class TeamEntry:
    """One table's deal, from wherever it came: the room, a file or a pasted code."""

    team: str
    scenario: Scenario
    source: str = ""  # "room", "file Table-3.json", "code 2", "file x.json and code 1"
    reason: str = ""
    example: bool = False  # an example or bot table: marked, never merged with a real one
    note: str = ""
    system_name: str = ""  # the system it was saved for, if it says
    saved_at: str = ""


@dataclass(frozen=True, kw_only=True)
class Refused:
    """A file or code that could not be used, and why; ``name`` says whose it was."""

    name: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class TeamComparison:
    """The teams side by side, as tidy frames.

    - ``teams``: one row per team (the baseline first): ``team``, ``source``,
      ``is_baseline``, ``example``, ``reason``, ``changes`` (in words), ``changed_count``,
      ``payment``; for the NHS system ``nhs_underlying_position_gbp_m``,
      ``nhs_position_before_incentive_gbp_m``, ``nhs_position_gbp_m``,
      ``nhs_incentive_fund_gbp_m``, ``nhs_control_total_gbp_m`` and
      ``nhs_met_control_total`` (the regime's test: before incentive funds); the place's
      ``place_position_before_incentive_gbp_m`` and ``place_position_gbp_m``;
      ``nhs_orgs_met`` of ``nhs_orgs``, ``orgs_missed`` (names); ``all_sign``,
      ``refusers`` (names joined by "; ", the largest loss first) and ``refuser_count``;
      ``note``.
    - ``positions``: one row per team x organisation: ``team``, ``org_id``, ``name``,
      ``kind``, ``in_nhs_control_total``, the three measures, ``incentive_fund_gbp_m``,
      ``control_total_gbp_m``, ``met_control_total`` (the engine's test, before funds),
      ``baseline_position_gbp_m``, ``change_gbp_m`` (reported, against the baseline) and
      ``signs``.
    - ``system``: one row per team x measure, for the chart: ``team``, ``measure``
      (``MEASURES``' words), ``value_gbp_m``, ``control_total_gbp_m``, ``at_or_above`` (the
      same value against the same control total), ``is_baseline``, ``example``.
    - ``choices``: one row per team x field any team changed: ``team``, ``field``,
      ``label``, ``value`` (as the sliders read it), ``changed``.
    - ``refused``: ``name``, ``reason``.
    """

    teams: pd.DataFrame
    positions: pd.DataFrame
    system: pd.DataFrame
    choices: pd.DataFrame
    refused: pd.DataFrame
    baseline: Scenario
    system_name: str

    def summary(self) -> str:
        """Two sentences for the facilitator, every figure from the frames."""
        every = self.teams[~self.teams.is_baseline]
        real = every[~every.example]
        examples = len(every) - len(real)
        teams = real if len(real) else every  # the examples count only when alone
        if teams.empty:
            read = "No team's deal has been read yet."
        else:
            met = int(teams.nhs_met_control_total.sum())
            signed = int(teams.all_sign.sum())
            count = len(teams)
            what = "team deal" if len(real) else "example deal"
            read = (f"{count} {what}{'s' if count != 1 else ''}: {met} "
                    f"meet{'s' if met == 1 else ''} the NHS system control total before "
                    f"incentive funds (the regime's test), and {signed} "
                    f"{'is' if signed == 1 else 'are'} a deal every organisation would sign.")
            if len(real) and examples:
                read += (f" Besides, {examples} example or bot deal{'s' if examples != 1 else ''}, "
                         "not counted here.")
        if len(self.refused):
            read += (f" {len(self.refused)} could not be used: "
                     + ", ".join(self.refused.name) + " (reasons below).")
        return read


_TEAM_COLUMNS = [
    "team", "source", "is_baseline", "example", "reason", "changes", "changed_count", "payment",
    "nhs_underlying_position_gbp_m", "nhs_position_before_incentive_gbp_m",
    "nhs_position_gbp_m", "nhs_incentive_fund_gbp_m", "nhs_control_total_gbp_m",
    "nhs_met_control_total", "place_position_before_incentive_gbp_m", "place_position_gbp_m",
    "nhs_orgs_met", "nhs_orgs", "orgs_missed", "all_sign", "refusers", "refuser_count", "note",
    "saved_at",
]
_POSITION_COLUMNS = [
    "team", "org_id", "name", "kind", "in_nhs_control_total", *MEASURES,
    "incentive_fund_gbp_m", "control_total_gbp_m", "met_control_total",
    "baseline_position_gbp_m", "change_gbp_m", "signs",
]


def compare_entries(system: System, entries: Sequence[TeamEntry],
                    refused: Iterable[Refused] = (), *, baseline: Scenario | None = None
                    ) -> TeamComparison:
    """Run each team's deal for one year and set it against the baseline."""
    baseline = baseline if baseline is not None else Scenario()
    refused = list(refused)
    base_year = _baseline_year(system, baseline)
    rows: list[tuple[TeamEntry | None, YearResult]] = [(None, base_year)]
    for entry in entries:
        try:
            rows.append((entry, run_year(system, entry.scenario)))
        except ValueError as exc:  # a scheme this system does not have; a figure not finite
            refused.append(Refused(name=_whose(entry), reason=str(exc)))
    scheme_names = dict(zip(system.schemes.index, system.schemes["name"]))
    changed_fields = _changed_fields([entry.scenario for entry, _ in rows if entry], baseline)
    base_orgs = base_year.organisations
    team_rows, position_frames, system_rows, choice_rows = [], [], [], []
    used = {BASELINE_TEAM.casefold()}
    for entry, year in rows:
        scenario = entry.scenario if entry else baseline
        label = BASELINE_TEAM if entry is None else _unique(entry, used)
        orgs = year.organisations
        totals = year.system
        nhs, place = totals.loc["nhs"], totals.loc["place"]
        in_nhs = orgs[orgs.in_nhs_control_total]
        missed = in_nhs.loc[~in_nhs.met_control_total.astype(bool), "name"]
        signed = signatures_from(base_orgs, orgs)
        changes = scenario.changes_from(baseline, scheme_names)
        notes = [entry.note] if entry and entry.note else []
        if entry and entry.system_name and entry.system_name != system.name:
            notes.append(f"saved for the system {entry.system_name!r}, shown on {system.name!r}")
        if entry and scenario.demand_shock != baseline.demand_shock:
            notes.append(f"demand against plan {_show('demand_shock', scenario.demand_shock)}, "
                         f"not the round's {_show('demand_shock', baseline.demand_shock)}")
        note = "; ".join(notes)
        nhs_before = float(nhs.position_gbp_m - nhs.incentive_fund_gbp_m)
        team_rows.append({
            "team": label, "source": entry.source if entry else "", "is_baseline": entry is None,
            "example": bool(entry and entry.example), "reason": entry.reason if entry else "",
            "changes": "; ".join(changes) if changes else "no change",
            "changed_count": len(changes), "payment": scenario.payment_label,
            "nhs_underlying_position_gbp_m": float(nhs.underlying_position_gbp_m),
            "nhs_position_before_incentive_gbp_m": nhs_before,
            "nhs_position_gbp_m": float(nhs.position_gbp_m),
            "nhs_incentive_fund_gbp_m": float(nhs.incentive_fund_gbp_m),
            "nhs_control_total_gbp_m": float(nhs.control_total_gbp_m),
            "nhs_met_control_total": bool(nhs.met_control_total),
            "place_position_before_incentive_gbp_m":
                float(place.position_gbp_m - place.incentive_fund_gbp_m),
            "place_position_gbp_m": float(place.position_gbp_m),
            "nhs_orgs_met": int(in_nhs.met_control_total.sum()), "nhs_orgs": len(in_nhs),
            "orgs_missed": "; ".join(missed), "all_sign": signed.all_sign,
            "refuser_count": len(signed.refusers),
            "refusers": "; ".join(s.name for s in signed.refusers), "note": note,
            "saved_at": entry.saved_at if entry else "",
        })
        frame = orgs.reset_index()[["org_id", "name", "kind", "in_nhs_control_total",
                                    *MEASURES, "incentive_fund_gbp_m", "control_total_gbp_m",
                                    "met_control_total"]]
        frame.insert(0, "team", label)
        frame["baseline_position_gbp_m"] = base_orgs.position_gbp_m.to_numpy()
        frame["change_gbp_m"] = frame.position_gbp_m - frame.baseline_position_gbp_m
        frame["signs"] = [s.signs for s in signed.organisations]
        position_frames.append(frame)
        control = float(nhs.control_total_gbp_m)
        values = {"underlying_position_gbp_m": float(nhs.underlying_position_gbp_m),
                  "position_before_incentive_gbp_m": nhs_before,
                  "position_gbp_m": float(nhs.position_gbp_m)}
        for column, words in MEASURES.items():
            system_rows.append({
                "team": label, "measure": words, "value_gbp_m": values[column],
                "control_total_gbp_m": control,
                # The same test as the engine's, on the value drawn (1e-9: rounding only).
                "at_or_above": values[column] >= control - 1e-9,
                "is_baseline": entry is None, "example": bool(entry and entry.example)})
        for name in changed_fields:
            value = getattr(scenario, name)
            choice_rows.append({"team": label, "field": name, "label": field_info(name)["label"],
                                "value": _show(name, value, scheme_names),
                                "changed": value != getattr(baseline, name)})
    return TeamComparison(
        teams=pd.DataFrame(team_rows, columns=_TEAM_COLUMNS),
        positions=pd.concat(position_frames, ignore_index=True)[_POSITION_COLUMNS],
        system=pd.DataFrame(system_rows),
        choices=pd.DataFrame(choice_rows, columns=["team", "field", "label", "value", "changed"]),
        refused=pd.DataFrame([dataclasses.asdict(r) for r in refused], columns=["name", "reason"]),
        baseline=baseline, system_name=system.name)


_BASELINES: dict[tuple[int, Scenario], tuple[System, YearResult]] = {}


def _baseline_year(system: System, baseline: Scenario) -> YearResult:
    """The baseline's year, run once per system and baseline: a team round's page compares
    every move of a slider against the same baseline (a few kept; the system is held so
    that its id is not reused)."""
    key = (id(system), baseline)
    if key not in _BASELINES:
        if len(_BASELINES) >= 8:
            _BASELINES.pop(next(iter(_BASELINES)))
        _BASELINES[key] = (system, run_year(system, baseline))
    return _BASELINES[key][1]


def team_order(teams: pd.DataFrame) -> list[str]:
    """The baseline first, then the real teams from the best NHS position before incentive
    funds (the regime's test) to the worst, then the examples in the same order."""
    base = teams[teams.is_baseline]
    rest = teams[~teams.is_baseline].sort_values(
        ["example", "nhs_position_before_incentive_gbp_m"], ascending=[True, False],
        kind="stable")
    return list(base.team) + list(rest.team)


def rounds_side_by_side(comparisons: Mapping[int, TeamComparison]) -> pd.DataFrame:
    """Each team's rounds side by side: one row per team (in the order of the last round),
    and for each round ``before_funds_r{n}``, ``met_r{n}``, ``all_sign_r{n}``,
    ``refusers_r{n}``, ``reason_r{n}`` (empty where the team sent nothing that round)."""
    frames = []
    for number, comparison in sorted(comparisons.items()):
        teams = comparison.teams.set_index("team")
        frames.append(pd.DataFrame({
            f"before_funds_r{number}": teams.nhs_position_before_incentive_gbp_m,
            f"met_r{number}": teams.nhs_met_control_total,
            f"all_sign_r{number}": teams.all_sign,
            f"refusers_r{number}": teams.refusers,
            f"reason_r{number}": teams.reason}))
    if not frames:
        return pd.DataFrame()
    order: list[str] = []
    for number, comparison in sorted(comparisons.items(), reverse=True):
        order += [t for t in team_order(comparison.teams) if t not in order]
    joined = pd.concat(frames, axis=1).reindex(order)
    joined.index.name = "team"
    return joined.reset_index()


# --------------------------------------------------------------------------- files and codes


def read_folder(folder: str | os.PathLike) -> tuple[list[SavedScenario], list[Refused]]:
    """Every ``.json`` scenario file in a folder, in name order, and those refused (why).

    Hidden files (``.DS_Store``, ``._x.json`` left by a Mac on a USB stick) are skipped;
    any other file that is not ``.json`` is listed as refused, so nothing vanishes silently.
    """
    try:
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            reason = "no such folder" if not folder.exists() else "not a folder"
            return [], [Refused(name=str(folder), reason=reason)]
        paths = sorted(folder.iterdir(), key=lambda p: p.name.lower())
    except (OSError, ValueError, RuntimeError) as exc:  # unreadable, a NUL, an unknown ~user
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return [], [Refused(name=str(folder), reason=f"could not be read ({reason})")]
    saved: list[SavedScenario] = []
    refused: list[Refused] = []
    for path in paths:
        try:
            if path.name.startswith(".") or path.is_dir():
                continue
            if path.suffix.lower() != ".json":
                refused.append(Refused(name=path.name, reason="not a .json scenario file"))
                continue
            saved.append(load_saved(path))
        except UnreadableScenario as exc:
            refused.append(Refused(name=path.name, reason=exc.reason))
        except (OSError, ValueError) as exc:  # one file's trouble never stops the others
            reason = getattr(exc, "strerror", None) or str(exc)
            refused.append(Refused(name=path.name, reason=f"could not be read ({reason})"))
    return saved, refused


def read_codes(text: str) -> tuple[list[SavedScenario], list[Refused]]:
    """Every code in a pasted text (a chat log is fine: the codes are picked out of it).

    A code that cannot be used is named by its table: the team name it carries, if it can
    still be unpacked, else the words before it on its line of the chat ("[10:04] Green:").
    """
    saved: list[SavedScenario] = []
    refused: list[Refused] = []
    if not isinstance(text, str):
        return saved, [Refused(name="codes", reason="the codes must be text")]
    for number, match in enumerate(_CODE_PATTERN.finditer(text), start=1):
        code = match.group(0)
        try:
            one = decode_code(code)
        except UnreadableScenario as exc:
            line = text.count("\n", 0, match.start()) + 1
            who = _team_in_code(code) or _chat_speaker(text, match.start())
            name = (f"{who}'s code (code {number} in the pasted text)" if who else
                    f"code {number} (line {line} of the pasted text)")
            refused.append(Refused(name=name, reason=exc.reason))
            continue
        saved.append(dataclasses.replace(one, source=f"code {number}"))
    return saved, refused


def _team_in_code(code: str) -> str:
    """The team name a code carries, read without its checksum (so a code whose check
    letters were mistyped still says whose it is); empty if it cannot be unpacked."""
    try:
        body = code[len(CODE_PREFIX):].rsplit("-", 1)[0]
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        from .workshop import _ZDICT  # the format's own dictionary

        raw = zlib.decompressobj(wbits=-15, zdict=_ZDICT).decompress(packed, 100_000)
        team = json.loads(raw.decode("utf-8")).get("t", "")
    except Exception:  # noqa: BLE001 - any damage: no name from the code itself
        return ""
    return " ".join(team.split())[:60] if isinstance(team, str) else ""


_SPEAKER = re.compile(r"^\s*(?:\[[^\]]{1,20}\]\s*)?(?:\d{1,2}:\d{2}(?::\d{2})?\s*)?"
                      r"(?P<who>[^:\n]{1,60}?)\s*:\s*")


def _chat_speaker(text: str, at: int) -> str:
    """Who wrote the line a code sits on, as a chat shows it: "[10:04] Green: BK1-...";
    empty if the line does not say."""
    start = text.rfind("\n", 0, at) + 1
    match = _SPEAKER.match(text[start:at])
    return match.group("who").strip() if match else ""


def entries_from_saved(saved: Sequence[SavedScenario]) -> tuple[list[TeamEntry], list[str]]:
    """One entry per team from files and codes: a table's file and its pasted code (the same
    team name, ignoring case and spacing) are one team. When they differ, the one saved
    last counts and the note says what was set aside. Returns the entries and those notes."""
    groups: dict[str, list[SavedScenario]] = {}
    for number, one in enumerate(saved, start=1):
        team = one.team or Path(one.source).stem or f"team {number}"
        groups.setdefault(" ".join(team.casefold().split()), []).append(
            dataclasses.replace(one, team=team))
    entries, notes = [], []
    for group in groups.values():
        # The last saved counts; codes carry no time, so a file's time decides among files
        # (to the second, as written in it; then to the nanosecond, as the disk has it).
        ranked = sorted(group, key=lambda s: (s.saved_at, _modified_ns(s.source)))
        chosen = ranked[-1]
        sources = [_source(s) for s in group]
        same = all(s.scenario == chosen.scenario for s in group)
        note = ""
        if len(group) > 1 and not same:
            others = ", ".join(_source(s) for s in group if s is not chosen)
            note = f"differs from {others}: the one saved last ({_source(chosen)}) is shown"
            notes.append(f"{chosen.team}: {note}")
        entries.append(TeamEntry(team=chosen.team, scenario=chosen.scenario,
                                 source=" and ".join(dict.fromkeys(sources)), note=note,
                                 system_name=chosen.system_name, saved_at=chosen.saved_at))
    return entries, notes


def _modified_ns(source: str) -> int:
    try:
        return Path(source).stat().st_mtime_ns if source and not source.startswith("code") else 0
    except OSError:
        return 0


def _source(one: SavedScenario) -> str:
    return one.source if one.source.startswith("code") else f"file {Path(one.source).name}"


def compare_teams(system: System, *, folder: str | os.PathLike | None = None, codes: str = "",
                  baseline: Scenario | None = None, examples: bool = False) -> TeamComparison:
    """Read a folder of scenario files and/or pasted codes and put the teams side by side
    (with ``examples``, five example teams too, marked as such)."""
    saved: list[SavedScenario] = []
    refused: list[Refused] = []
    if folder is not None and str(folder).strip():
        more, bad = read_folder(folder)
        saved += more
        refused += bad
    if codes and codes.strip():
        more, bad = read_codes(codes)
        saved += more
        refused += bad
    entries, _ = entries_from_saved(saved)
    baseline = baseline if baseline is not None else Scenario()
    if examples:
        entries += example_entries(baseline)
    return compare_entries(system, entries, refused, baseline=baseline)


def compare_saved(system: System, saved: Sequence[SavedScenario],
                  refused: Iterable[Refused] = (), *, baseline: Scenario | None = None
                  ) -> TeamComparison:
    """Compare scenarios already read (files or codes), one team per team name."""
    entries, _ = entries_from_saved(saved)
    return compare_entries(system, entries, refused, baseline=baseline)


def example_entries(baseline: Scenario | None = None) -> list[TeamEntry]:
    """Five example teams on the baseline, for rehearsing: two pull only levers that move
    money, three pull levers that move the system. Marked as examples."""
    base = baseline if baseline is not None else Scenario()
    choices = [
        ({"payment": "pbr_mret"}, "Pay the hospitals for what they do, as the tariff did."),
        ({"risk_share": 0.5, "system_linkage": 1.0},
         "Pool half the risk; tie the funds to the system."),
        ({"flex": 0.0, "risk_share": 0.5},
         "Do not add ward capacity for the extra demand; pool half the risk."),
        ({"social_care_budget_change": 0.1, "system_linkage": 1.0},
         "Fund social care to keep people out of hospital."),
        ({"schemes": ("frailty", "discharge_to_assess"), "payment": "blended"},
         "Back two schemes that keep people out of hospital; blend the emergency tariff."),
    ]
    out = []
    for letter, (changes, reason) in zip(_EXAMPLE_LETTERS, choices):
        if "payment" in changes and changes["payment"] not in PRESETS:  # pragma: no cover
            changes = {k: v for k, v in changes.items() if k != "payment"}
        out.append(TeamEntry(team=f"Example {letter}", scenario=dataclasses.replace(base, **changes),
                             source="example", reason=reason, example=True))
    return out


def example_codes(system: System | None = None, baseline: Scenario | None = None) -> str:
    """The example teams' codes, as a chat would show them: for rehearsing the paste box.

    >>> example_codes().count("BK1-")
    5
    """
    return "\n".join(f"{e.team}: {scenario_code(e.scenario, team=e.team, system=system)}"
                     for e in example_entries(baseline))


# --------------------------------------------------------------------------- helpers


def _changed_fields(scenarios: Sequence[Scenario], baseline: Scenario) -> list[str]:
    """The fields any team changed, in the scenario's own order (policy choices only)."""
    names = [f.name for f in dataclasses.fields(Scenario) if f.name not in _NOT_CHOICES]
    return [n for n in names if any(getattr(s, n) != getattr(baseline, n) for s in scenarios)]


def _unique(entry: TeamEntry, used: set[str]) -> str:
    """The team's label, unique on the page: an example never takes a real table's name."""
    label = entry.team
    if label.casefold() in used:
        label = f"{entry.team} ({'example' if entry.example else 'table'})"
    number = 2
    while label.casefold() in used:
        label, number = f"{entry.team} ({number})", number + 1
    used.add(label.casefold())
    return label


def _whose(entry: TeamEntry) -> str:
    return f"{entry.team} ({entry.source})" if entry.source else entry.team
