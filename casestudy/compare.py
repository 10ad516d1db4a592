"""Every table's scenario side by side: what each team changed and what it did to the system.

The facilitator collects the teams' scenario files in one folder (or their codes, pasted
from the chat) and calls ``compare_teams``. Each team's scenario goes through ``run_year``
(the engine, nothing recomputed here), giving each organisation's position, the NHS
system's position and whether the control totals were met. Files or codes that cannot be
used are listed by name with the reason, and the rest still load.

>>> import casestudy as cs
>>> codes = "Red: " + cs.scenario_code(cs.Scenario(risk_share=0.5), team="Red") + "\\nBlue: BK1-oops"
>>> result = compare_teams(cs.load_system(), codes=codes)
>>> list(result.teams.team)
['Baseline', 'Red']
>>> result.teams.set_index("team").loc["Red", "changes"]
'Risk share 50% instead of 0%'
>>> list(result.refused.reason.str.contains("not a scenario code"))
[True]
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .engine import run_year
from .scenario import Scenario, _show, field_info
from .system import System
from .workshop import SavedScenario, UnreadableScenario, decode_code, load_saved, scenario_code

BASELINE_TEAM = "Baseline"
_CODE_PATTERN = re.compile(r"BK\d+-[A-Za-z0-9_\-]*")
_NOT_CHOICES = ("draws", "seed", "years")  # settings of the run, not a team's policy choice


@dataclass(frozen=True, kw_only=True)
class Refused:
    """A file or code that could not be used, and why."""

    name: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class TeamComparison:
    """The teams side by side, as tidy frames.

    - ``teams``: one row per team (the baseline first): ``team``, ``source``, ``changes``
      (in words), ``changed_count``, ``payment``, the NHS system's ``nhs_position_gbp_m``,
      ``nhs_underlying_position_gbp_m``, ``nhs_control_total_gbp_m``,
      ``nhs_met_control_total``, ``place_position_gbp_m``, ``nhs_orgs_met`` of
      ``nhs_orgs``, ``orgs_missed`` (names), ``note`` (e.g. saved for another system).
    - ``positions``: one row per team x organisation: ``team``, ``org_id``, ``name``,
      ``kind``, ``in_nhs_control_total``, ``position_gbp_m``, ``control_total_gbp_m``,
      ``met_control_total`` (the engine's test, made before incentive funds) and
      ``against_control_total_gbp_m`` (position minus control total).
    - ``choices``: one row per team x field that any team changed: ``team``, ``field``,
      ``label``, ``value`` (as text), ``changed`` (differs from the baseline).
    - ``refused``: ``name``, ``reason`` of every file or code that could not be used.
    """

    teams: pd.DataFrame
    positions: pd.DataFrame
    choices: pd.DataFrame
    refused: pd.DataFrame
    baseline: Scenario
    system_name: str

    def summary(self) -> str:
        """Two sentences for the facilitator, every figure from the frames."""
        teams = self.teams[~self.teams.is_baseline]
        if teams.empty:
            read = "No team's scenario has been read yet."
        else:
            met = int(teams.nhs_met_control_total.sum())
            read = (f"{len(teams)} team scenario{'s' if len(teams) != 1 else ''} read; "
                    f"{met} of them meet{'s' if met == 1 else ''} the NHS system control total.")
        if len(self.refused):
            read += (f" {len(self.refused)} could not be used: "
                     + ", ".join(self.refused.name) + " (reasons below).")
        return read


# --------------------------------------------------------------------------- reading


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
    """Every code in a pasted text (a chat log is fine: the codes are picked out of it)."""
    saved: list[SavedScenario] = []
    refused: list[Refused] = []
    if not isinstance(text, str):
        return saved, [Refused(name="codes", reason="the codes must be text")]
    for number, match in enumerate(_CODE_PATTERN.finditer(text), start=1):
        code = match.group(0)
        shown = code if len(code) <= 16 else code[:12] + "..."
        try:
            one = decode_code(code)
        except UnreadableScenario as exc:
            refused.append(Refused(name=f"code {number} ({shown})", reason=exc.reason))
            continue
        saved.append(dataclasses.replace(one, source=f"code {number}"))
    return saved, refused


# --------------------------------------------------------------------------- comparing


def compare_teams(system: System, *, folder: str | os.PathLike | None = None, codes: str = "",
                  baseline: Scenario | None = None) -> TeamComparison:
    """Read a folder of scenario files and/or pasted codes and put the teams side by side."""
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
    return compare_saved(system, saved, refused, baseline=baseline)


def compare_saved(system: System, saved: Sequence[SavedScenario],
                  refused: Iterable[Refused] = (), *, baseline: Scenario | None = None
                  ) -> TeamComparison:
    """Run each team's scenario for one year and tabulate it against the baseline."""
    baseline = baseline if baseline is not None else Scenario()
    refused = list(refused)
    entries: list[tuple[str, str, SavedScenario | None, Scenario]] = [
        (BASELINE_TEAM, "", None, baseline)]
    for number, one in enumerate(saved, start=1):
        label = one.team or Path(one.source).stem or f"team {number}"
        entries.append((label, Path(one.source).name if one.source else "", one, one.scenario))
    team_rows, position_frames, choice_rows = [], [], []
    years = {}
    for index, (label, source, _, scenario) in enumerate(entries):
        try:
            year = run_year(system, scenario)
            years[index] = (year.organisations, year.system)
        except ValueError as exc:  # a scheme this system does not have; a figure not finite
            refused.append(Refused(name=source or label, reason=str(exc)))
    entries = [entry for index, entry in enumerate(entries) if index in years]
    changed_fields = _changed_fields([scenario for *_, scenario in entries], baseline)
    scheme_names = dict(zip(system.schemes.index, system.schemes["name"]))  # not internal ids
    used: set[str] = set()
    for (label, source, one, scenario), (organisations, totals) in zip(entries, years.values()):
        label = _unique(label, used)  # two files from one table are both shown, told apart
        nhs, place = totals.loc["nhs"], totals.loc["place"]
        in_nhs = organisations[organisations.in_nhs_control_total]
        missed = in_nhs.loc[~in_nhs.met_control_total.astype(bool), "name"]
        note = ""
        if one is not None and one.system_name and one.system_name != system.name:
            note = f"saved for the system {one.system_name!r}, shown on {system.name!r}"
        changes = scenario.changes_from(baseline, scheme_names)
        team_rows.append({
            "team": label, "source": source, "is_baseline": one is None,
            "changes": "; ".join(changes) if changes else "no change",
            "changed_count": len(changes), "payment": scenario.payment_label,
            "nhs_position_gbp_m": float(nhs.position_gbp_m),
            "nhs_underlying_position_gbp_m": float(nhs.underlying_position_gbp_m),
            "nhs_control_total_gbp_m": float(nhs.control_total_gbp_m),
            "nhs_met_control_total": bool(nhs.met_control_total),
            "place_position_gbp_m": float(place.position_gbp_m),
            "nhs_orgs_met": int(in_nhs.met_control_total.sum()), "nhs_orgs": len(in_nhs),
            "orgs_missed": ", ".join(missed), "seed": scenario.seed,
            "saved_at": one.saved_at if one is not None else "", "note": note,
        })
        frame = organisations.reset_index()[[
            "org_id", "name", "kind", "in_nhs_control_total", "position_gbp_m",
            "control_total_gbp_m", "met_control_total"]]
        frame.insert(0, "team", label)
        # For reading, not for judging: "met" is the engine's test, before incentive funds.
        frame["against_control_total_gbp_m"] = frame.position_gbp_m - frame.control_total_gbp_m
        position_frames.append(frame)
        for name in changed_fields:
            value = getattr(scenario, name)
            choice_rows.append({"team": label, "field": name, "label": field_info(name)["label"],
                                "value": _show(name, value),
                                "changed": value != getattr(baseline, name)})
    teams = pd.DataFrame(team_rows, columns=_TEAM_COLUMNS)
    positions = (pd.concat(position_frames, ignore_index=True) if position_frames
                 else pd.DataFrame(columns=["team", "org_id", "name", "kind", "position_gbp_m"]))
    choices = pd.DataFrame(choice_rows, columns=["team", "field", "label", "value", "changed"])
    refused_frame = pd.DataFrame([dataclasses.asdict(r) for r in refused],
                                 columns=["name", "reason"])
    return TeamComparison(teams=teams, positions=positions, choices=choices,
                          refused=refused_frame, baseline=baseline, system_name=system.name)


_TEAM_COLUMNS = [
    "team", "source", "is_baseline", "changes", "changed_count", "payment",
    "nhs_position_gbp_m", "nhs_underlying_position_gbp_m", "nhs_control_total_gbp_m",
    "nhs_met_control_total", "place_position_gbp_m", "nhs_orgs_met", "nhs_orgs",
    "orgs_missed", "seed", "saved_at", "note",
]


def example_codes(system: System | None = None) -> str:
    """A few teams' codes, as a chat would show them: for rehearsing the comparison.

    >>> example_codes().count("BK1-")
    5
    """
    examples = [
        ("Table 1", Scenario.preset("payment_by_results", demand_shock=0.05)),
        ("Table 2", Scenario.preset("fixed_income", demand_shock=0.05)),
        ("Table 3", Scenario.preset("fixed_income", demand_shock=0.05, risk_share=0.5)),
        ("Table 4", Scenario.preset("blended", demand_shock=0.05, system_linkage=1.0)),
        ("Table 5", Scenario.preset("aligned_payment_and_incentive", demand_shock=0.05,
                                    risk_share=1.0, system_linkage=0.5)),
    ]
    return "\n".join(f"{team}: {scenario_code(s, team=team, system=system)}"
                     for team, s in examples)


def _changed_fields(scenarios: Sequence[Scenario], baseline: Scenario) -> list[str]:
    """The fields any team changed, in the scenario's own order (policy choices only)."""
    names = [f.name for f in dataclasses.fields(Scenario) if f.name not in _NOT_CHOICES]
    return [n for n in names if any(getattr(s, n) != getattr(baseline, n) for s in scenarios)]


def _unique(label: str, used: set[str]) -> str:
    candidate, number = label, 2
    while candidate in used:
        candidate, number = f"{label} ({number})", number + 1
    used.add(candidate)
    return candidate
