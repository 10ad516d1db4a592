"""The health and care system: organisations, service lines and schemes, loaded and validated.

>>> system = load_system()
>>> system.organisations.loc["bthft", "kind"]
'acute'
>>> len(system.schemes) >= 8
True
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError
from .schema import COST_SHARES, PAYER_KINDS, TABLES, Column, Table

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BUNDLED = DATA_DIR / "bradford"
SYSTEM_ENV = "CASESTUDY_SYSTEM"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file, with where it is."""

    place: str  # file or sheet
    row: int | None  # as a spreadsheet numbers it: the header is row 1
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.place
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Engine:
    """The system as arrays, in the order the engine uses them (built once per system)."""

    org_ids: tuple[str, ...]
    line_provider: np.ndarray  # index of the provider of each service line
    line_payer: np.ndarray
    line_service: tuple[str, ...]
    line_planned: np.ndarray  # planned activity this year = last year x (1 + demand_growth)
    line_price_gbp: np.ndarray  # last year's unit price
    line_cv: np.ndarray
    scheme_ids: tuple[str, ...]
    scheme_effect: np.ndarray  # [schemes, lines]: fractional change in activity at full effect
    scheme_cost_gbp_m: np.ndarray
    scheme_funder: np.ndarray
    scheme_deliverer: np.ndarray
    scheme_years: np.ndarray
    scheme_probability: np.ndarray
    scheme_load: np.ndarray


@dataclass(frozen=True)
class System:
    """A system's organisations, service lines, schemes and scheme effects, validated."""

    organisations: pd.DataFrame
    service_lines: pd.DataFrame
    schemes: pd.DataFrame
    scheme_effects: pd.DataFrame
    name: str = "system"
    source: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @cached_property
    def arrays(self) -> Engine:
        """The arrays the engine reads; computed once."""
        orgs = self.organisations
        index = {org: i for i, org in enumerate(orgs.index)}
        lines = self.service_lines
        schemes = self.schemes
        effect = np.zeros((len(schemes), len(lines)))
        for _, row in self.scheme_effects.iterrows():
            s = schemes.index.get_loc(row.scheme_id)
            # A scheme's effect on a provider's service applies to every payer's line of it.
            mask = (lines.provider_id == row.provider_id) & (lines.service == row.service)
            effect[s, mask.to_numpy()] += row.activity_change
        return Engine(
            org_ids=tuple(orgs.index),
            line_provider=lines.provider_id.map(index).to_numpy(dtype=int),
            line_payer=lines.payer_id.map(index).to_numpy(dtype=int),
            line_service=tuple(lines.service),
            line_planned=(lines.planned_activity * (1 + lines.demand_growth)).to_numpy(float),
            line_price_gbp=lines.unit_price_gbp.to_numpy(float),
            line_cv=lines.demand_cv.to_numpy(float),
            scheme_ids=tuple(schemes.index),
            scheme_effect=effect,
            scheme_cost_gbp_m=schemes.cost_gbp_m.to_numpy(float),
            scheme_funder=schemes.funder_id.map(index).to_numpy(dtype=int),
            scheme_deliverer=schemes.deliverer_id.map(index).to_numpy(dtype=int),
            scheme_years=schemes.years_to_full_effect.to_numpy(float),
            scheme_probability=schemes.delivery_probability.to_numpy(float),
            scheme_load=schemes.leadership_load.to_numpy(float),
        )

    def org_name(self, org_id: str) -> str:
        return str(self.organisations.loc[org_id, "name"])

    def ids_of_kind(self, *kinds: str) -> list[str]:
        """Organisation ids of the given kinds, in table order."""
        return list(self.organisations.index[self.organisations.kind.isin(kinds)])

    def __hash__(self) -> int:  # systems are used as cache keys by identity
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


# --------------------------------------------------------------------------- reading


def default_system_path() -> Path:
    """The system the kit uses: ``$CASESTUDY_SYSTEM`` if set, else the bundled one."""
    chosen = os.environ.get(SYSTEM_ENV, "").strip()
    if not chosen:
        return BUNDLED
    path = Path(chosen).expanduser()
    if not path.is_absolute() and not path.exists():
        path = DATA_DIR.parent / path
    return path


def load_system(path: str | os.PathLike | None = None) -> System:
    """Load and validate a system from a folder of CSV files or an Excel workbook.

    With no path: ``$CASESTUDY_SYSTEM`` if it is set, otherwise the bundled illustrative
    Bradford-like system. Every problem is reported at once in one ``DataError``.
    """
    folder = Path(path) if path is not None else default_system_path()
    raw, problems = _read_tables(folder)
    if problems:
        raise DataError(problems)
    system, problems, warnings = _validate(raw, folder)
    if problems:
        raise DataError(problems)
    return system


def _read_tables(path: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    problems: list[Problem] = []
    raw: dict[str, pd.DataFrame] = {}
    if not path.exists():
        return raw, [Problem(str(path), None, None, "no such file or folder")]
    if path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype=object)
        except Exception as exc:  # a corrupt workbook: say so, with the reason
            return raw, [Problem(path.name, None, None, f"cannot be read as a workbook ({exc})")]
        for table in TABLES.values():
            if table.name not in sheets:
                problems.append(Problem(path.name, None, None,
                                        f"has no sheet named '{table.name}'"))
                continue
            raw[table.name] = _clean(sheets[table.name])
            raw[table.name].attrs["place"] = f"{path.name}, sheet '{table.name}'"
        return raw, problems
    if not path.is_dir():
        return raw, [Problem(str(path), None, None, "is neither a folder of CSV files nor a .xlsx workbook")]
    for table in TABLES.values():
        file = path / table.file
        if not file.exists():
            problems.append(Problem(str(file.name), None, None, f"missing from {path}"))
            continue
        try:
            frame = pd.read_csv(file, dtype=object, keep_default_na=False, na_values=[""])
        except Exception as exc:
            problems.append(Problem(file.name, None, None, f"cannot be read as CSV ({exc})"))
            continue
        raw[table.name] = _clean(frame)
        raw[table.name].attrs["place"] = file.name
    return raw, problems


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: str(c).strip())
    frame = frame.dropna(how="all")
    return frame


# --------------------------------------------------------------------------- validation


def _parse_column(frame: pd.DataFrame, col: Column, place: str, problems: list[Problem]) -> pd.Series:
    """Convert one column to its type, recording every cell that does not fit."""
    out = []
    for pos, value in zip(frame.index, frame[col.name]):
        row = int(pos) + 2  # header is row 1; frame index is 0-based
        blank = value is None or (isinstance(value, float) and math.isnan(value)) or (
            isinstance(value, str) and not value.strip()
        )
        if blank:
            if col.required:
                problems.append(Problem(place, row, col.name, f"is empty; expected {col.allowed()}"))
            out.append(None)
            continue
        text = str(value).strip()
        if col.kind in ("number", "share"):
            try:
                number = float(text.replace(",", "")) if isinstance(value, str) else float(value)
            except (TypeError, ValueError):
                problems.append(Problem(place, row, col.name, f"'{text}' is not a number; expected {col.allowed()}"))
                out.append(None)
                continue
            if not math.isfinite(number):
                problems.append(Problem(place, row, col.name, f"{text} is not finite; expected {col.allowed()}"))
                out.append(None)
                continue
            if (col.minimum is not None and number < col.minimum) or (
                col.maximum is not None and number > col.maximum
            ):
                what = "negative" if (col.minimum == 0 and number < 0) else "out of range"
                problems.append(Problem(place, row, col.name, f"{number:g} is {what}; expected {col.allowed()}"))
                out.append(None)
                continue
            out.append(number)
        elif col.kind == "bool":
            low = text.lower()
            if low in ("true", "1", "yes", "y", "1.0"):
                out.append(True)
            elif low in ("false", "0", "no", "n", "0.0"):
                out.append(False)
            else:
                problems.append(Problem(place, row, col.name, f"'{text}' is not {col.allowed()}"))
                out.append(None)
        elif col.kind == "choice":
            if text not in col.choices:
                problems.append(Problem(place, row, col.name, f"'{text}' is not {col.allowed()}"))
                out.append(None)
            else:
                out.append(text)
        elif col.kind in ("id", "ref"):
            if not _ID.match(text):
                problems.append(Problem(place, row, col.name, f"'{text}' is not {col.allowed()}"))
                out.append(None)
            else:
                out.append(text)
        else:
            out.append(text)
    return pd.Series(out, index=frame.index, dtype=object)


def _typed(raw: pd.DataFrame, table: Table, problems: list[Problem]) -> pd.DataFrame:
    place = raw.attrs.get("place", table.file)
    missing = [c.name for c in table.columns if c.name not in raw.columns and c.required]
    for name in missing:
        problems.append(Problem(place, 1, name, "column is missing (" + table.column(name).help + ")"))
    unknown = [c for c in raw.columns if c not in {col.name for col in table.columns}]
    for name in unknown:
        problems.append(Problem(place, 1, name, "is not a column of this table; columns are "
                                + ", ".join(c.name for c in table.columns)))
    frame = pd.DataFrame(index=raw.index)
    for col in table.columns:
        if col.name in raw.columns:
            frame[col.name] = _parse_column(raw, col, place, problems)
        else:
            frame[col.name] = None
    frame.attrs["place"] = place
    return frame


def _validate(raw: dict[str, pd.DataFrame], path: Path) -> tuple[System | None, list[Problem], list[str]]:
    problems: list[Problem] = []
    warnings: list[str] = []
    t = {name: _typed(raw[name], TABLES[name], problems) for name in TABLES}
    orgs, lines, schemes, effects = (
        t["organisations"], t["service_lines"], t["schemes"], t["scheme_effects"]
    )

    def place(frame: pd.DataFrame) -> str:
        return frame.attrs["place"]

    def row(i: int) -> int:
        return int(i) + 2

    # ids unique
    for frame, key in ((orgs, "org_id"), (schemes, "scheme_id")):
        seen: dict[str, int] = {}
        for i, value in frame[key].items():
            if value is None:
                continue
            if value in seen:
                problems.append(Problem(place(frame), row(i), key,
                                        f"'{value}' is a duplicate of row {seen[value]}"))
            else:
                seen[value] = row(i)
    kinds = dict(zip(orgs.org_id, orgs.kind))
    org_ids = {o for o in orgs.org_id if o is not None}
    scheme_ids = {s for s in schemes.scheme_id if s is not None}

    # cost shares sum to 1 where there is a cost base
    for i, o in orgs.iterrows():
        shares = [o[c] for c in COST_SHARES]
        if o.cost_base_gbp_m is not None and o.cost_base_gbp_m > 0:
            if any(s is None for s in shares):
                blank = [c for c, s in zip(COST_SHARES, shares) if s is None]
                for c in blank:
                    problems.append(Problem(place(orgs), row(i), c,
                                            "is empty but the organisation has a cost base; "
                                            "expected a number from 0 to 1"))
            elif abs(sum(shares) - 1) > SHARE_TOLERANCE:
                problems.append(Problem(place(orgs), row(i), "fixed_share",
                                        f"fixed_share + semi_fixed_share + variable_share = {sum(shares):.4g}; "
                                        "they must sum to 1"))

    def check_ref(frame: pd.DataFrame, col: str, valid: set[str], what: str) -> None:
        for i, value in frame[col].items():
            if value is not None and value not in valid:
                problems.append(Problem(place(frame), row(i), col, f"'{value}' is not an {what} id "
                                        f"in {TABLES['organisations' if what == 'organisation' else 'schemes'].file}"))

    check_ref(lines, "provider_id", org_ids, "organisation")
    check_ref(lines, "payer_id", org_ids, "organisation")
    check_ref(schemes, "funder_id", org_ids, "organisation")
    check_ref(schemes, "deliverer_id", org_ids, "organisation")
    check_ref(effects, "provider_id", org_ids, "organisation")
    check_ref(effects, "scheme_id", scheme_ids, "scheme")

    for i, line in lines.iterrows():
        payer_kind = kinds.get(line.payer_id)
        if line.payer_id in org_ids and payer_kind not in PAYER_KINDS:
            problems.append(Problem(place(lines), row(i), "payer_id",
                                    f"'{line.payer_id}' is a {payer_kind}, not a commissioner; "
                                    f"a payer must be one of: {', '.join(PAYER_KINDS)}"))
        if line.provider_id is not None and line.provider_id == line.payer_id:
            problems.append(Problem(place(lines), row(i), "payer_id",
                                    "an organisation cannot pay itself; payer and provider must differ"))
    keys = list(zip(lines.provider_id, lines.payer_id, lines.service))
    first: dict[tuple, int] = {}
    for i, key in zip(lines.index, keys):
        if None in key:
            continue
        if key in first:
            problems.append(Problem(place(lines), row(i), "service",
                                    f"duplicate of row {first[key]} (same provider, payer and service)"))
        else:
            first[key] = row(i)
    existing = {(p, s) for p, _, s in keys}
    for i, eff in effects.iterrows():
        if eff.provider_id in org_ids and eff.service is not None and (eff.provider_id, eff.service) not in existing:
            problems.append(Problem(place(effects), row(i), "service",
                                    f"scheme targets {eff.provider_id} {eff.service}, a service line "
                                    "that does not exist in service_lines"))
    if not len(orgs):
        problems.append(Problem(place(orgs), None, None, "has no organisations"))
    if not problems and not any(kinds.get(o) in PAYER_KINDS for o in org_ids):
        problems.append(Problem(place(orgs), None, "kind", "no commissioner: at least one organisation "
                                "must be of kind commissioner"))
    if problems:
        return None, problems, warnings

    for org in orgs.org_id:
        if kinds[org] not in PAYER_KINDS and org not in set(lines.provider_id):
            warnings.append(f"{place(orgs)}: {org} has no service lines; its cost does not move with activity")

    orgs = orgs.set_index("org_id")
    for c in COST_SHARES + ("incentive_fund_gbp_m",):
        orgs[c] = orgs[c].fillna(0.0)
    orgs = orgs.astype({
        c.name: float for c in TABLES["organisations"].columns if c.kind in ("number", "share")
    }).astype({"in_nhs_control_total": bool})
    lines = lines.astype({
        c.name: float for c in TABLES["service_lines"].columns if c.kind in ("number", "share")
    }).reset_index(drop=True)
    schemes = schemes.set_index("scheme_id").astype({
        c.name: float for c in TABLES["schemes"].columns if c.kind in ("number", "share")
    })
    effects = effects.astype({"activity_change": float}).reset_index(drop=True)
    system = System(
        organisations=orgs, service_lines=lines, schemes=schemes, scheme_effects=effects,
        name=path.stem if path.is_file() else path.name, source=str(path),
        warnings=tuple(warnings),
    )
    return system, problems, warnings
