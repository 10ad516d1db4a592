"""The health and care system: organisations, service lines and schemes, loaded and validated.

A system is a folder of four CSV files or one Excel workbook with a sheet per table (the
columns are defined once, in :mod:`casestudy.schema`). Loading reports **every** problem at
once, each with its place: the file or sheet, the row as a spreadsheet numbers it (the header
is row 1), the column, what is wrong and what is allowed. What is legal but odd comes back as
warnings on ``System.warnings``.

>>> system = load_system()
>>> system.organisations.loc["bthft", "kind"]
'acute'
>>> len(system.schemes) >= 8
True
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError
from .schema import COST_SHARES, MAX_ID_CHARS, PAYER_KINDS, TABLES, Column, Table

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BUNDLED = DATA_DIR / "bradford"
SYSTEM_ENV = "CASESTUDY_SYSTEM"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_ID = re.compile(rf"^[a-z][a-z0-9_]{{0,{MAX_ID_CHARS - 1}}}$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
SHARE_TOLERANCE = 1e-6
# Warnings, not errors. A price more than this factor away from the bundled system's median
# for its service is more often a typo (pounds for thousands, a missing zero) than a real price.
PRICE_RANGE_FACTOR = 3.0
# A control total is a small surplus or agreed deficit: one beyond this share of the
# organisation's turnover is more often a sign error or a figure in the wrong unit.
CONTROL_TOTAL_TURNOVER_SHARE = 0.10
GBP_PER_M = 1e6
# A file bigger than this is not a system's table (50,000 service lines are about 3 MB of
# CSV): refused before it is read, so a wrong or hostile file cannot fill the memory.
MAX_FILE_BYTES = 32 * 2**20
# Byte-order marks, longest first (UTF-32's little-endian mark starts with UTF-16's).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SAVE_AS_CSV = "save it from Excel as 'CSV UTF-8 (Comma delimited) (*.csv)'"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or odd) in a data file, with where it is.

    >>> str(Problem("schemes.csv", 4, "cost_gbp_m", "-1 is negative; expected a number of at least 0"))
    "schemes.csv, row 4, column 'cost_gbp_m': -1 is negative; expected a number of at least 0"
    """

    place: str  # file, or "workbook.xlsx, sheet 'name'"
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
    org_names: np.ndarray  # read-only: every year of every projection shares them
    org_kinds: np.ndarray
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
        # A scheme's effect on a provider's service applies to every payer's line of it.
        lines_of = lines.groupby(["provider_id", "service"], sort=False).indices
        effects = self.scheme_effects
        for scheme, provider, service, change in zip(effects.scheme_id, effects.provider_id,
                                                     effects.service, effects.activity_change):
            at = lines_of.get((provider, service))
            if at is not None:
                effect[schemes.index.get_loc(scheme), at] += change
        names, kinds = orgs["name"].to_numpy(copy=True), orgs["kind"].to_numpy(copy=True)
        names.flags.writeable = kinds.flags.writeable = False
        return Engine(
            org_ids=tuple(orgs.index),
            org_names=names,
            org_kinds=kinds,
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

    def largest(self, *kinds: str) -> str | None:
        """The organisation of one of ``kinds`` (of any kind when none is named) with the
        largest cost base, or ``None`` if the system has none: the one place the kit picks
        "the largest acute trust" (lessons 1, 2, 4, then and now).

        >>> system = load_system()
        >>> system.largest("acute"), system.largest("local_authority")
        ('bthft', 'council')
        """
        orgs = self.organisations
        chosen = orgs[orgs.kind.isin(kinds)] if kinds else orgs
        return None if chosen.empty else str(chosen.cost_base_gbp_m.idxmax())

    def main_payer(self, provider_id: str | None, service: str | None = None,
                   kind: str = "commissioner") -> str | None:
        """The payer of ``kind`` that pays ``provider_id`` most at plan (for ``service`` only,
        when named), or ``None`` if none does: the one place the kit picks a trust's "main
        commissioner".

        >>> system = load_system()
        >>> system.main_payer("bthft"), system.main_payer("bthft", service="non_elective")
        ('bd_ccg', 'bd_ccg')
        """
        if provider_id is None:
            return None
        lines = self.service_lines
        mine = lines[(lines.provider_id == provider_id)
                     & (lines.payer_id.map(self.organisations.kind) == kind)]
        if service is not None:
            mine = mine[mine.service == service]
        if mine.empty:
            return None
        planned_value = (mine.planned_activity * mine.unit_price_gbp).groupby(mine.payer_id).sum()
        return str(planned_value.idxmax())

    def trust_and_payer(self) -> tuple[str, ...]:
        """The two organisations the volume-risk pages follow: the largest acute trust and
        the commissioner that pays it most; failing those, the largest NHS organisations by
        planned income (two at most, fewer only in a system of one).

        >>> load_system().trust_and_payer()
        ('bthft', 'bd_ccg')
        """
        provider = self.largest("acute")
        shown = [o for o in (provider, self.main_payer(provider)) if o is not None]
        if len(shown) < 2:
            orgs = self.organisations
            turnover = self.turnover_gbp_m()[orgs.in_nhs_control_total.astype(bool)]
            shown += [o for o in turnover.sort_values(ascending=False).index if o not in shown]
        return tuple(shown[:2])

    def turnover_gbp_m(self) -> pd.Series:
        """Each organisation's planned income: allocation, other income and contracts at plan.

        >>> system = load_system()
        >>> bool(system.turnover_gbp_m()["bd_ccg"] == system.organisations.allocation_gbp_m["bd_ccg"])
        True
        """
        lines = self.service_lines
        contracts = (lines.planned_activity * lines.unit_price_gbp / GBP_PER_M).groupby(
            lines.provider_id).sum()
        orgs = self.organisations
        return (orgs.allocation_gbp_m + orgs.other_income_gbp_m
                + contracts.reindex(orgs.index, fill_value=0.0)).rename("turnover_gbp_m")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The four tables with the schema's columns, in the schema's order, ids as columns.

        What ``casestudy.template.write_workbook`` writes; loading it back gives equal tables.
        """
        frames = {
            "organisations": self.organisations.reset_index(),
            "service_lines": self.service_lines,
            "schemes": self.schemes.reset_index(),
            "scheme_effects": self.scheme_effects,
        }
        return {name: frames[name][list(TABLES[name].names)].reset_index(drop=True)
                for name in TABLES}

    def __hash__(self) -> int:  # systems are used as cache keys by identity
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


@dataclass(frozen=True)
class Report:
    """What checking a system found: the system (when it loads), problems and warnings."""

    source: str
    system: System | None
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


# --------------------------------------------------------------------------- reading


def default_system_path() -> Path:
    """The system the kit uses: ``$CASESTUDY_SYSTEM`` if set, else the bundled one.

    A relative path is read from the current folder, or failing that from the kit's folder
    (so ``CASESTUDY_SYSTEM=data/examples/northvale`` works from a notebook's folder too).
    """
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
    Bradford-like system. Every problem is reported at once in one ``DataError``, whose
    ``problems`` list each problem's place; warnings are kept on ``System.warnings``.
    """
    report = check_system(path)
    if report.problems or report.system is None:
        raise DataError(report.problems)
    return report.system


def check_system(path: str | os.PathLike | None = None) -> Report:
    """Read and validate a system without raising: the checker's report.

    >>> report = check_system(DATA_DIR / "no_such_folder")
    >>> report.ok, str(report.problems[0]).endswith("no such file or folder")
    (False, True)
    """
    where = Path(path) if path is not None else default_system_path()
    raw, problems = _read_tables(where)
    system, more, warnings = _validate(raw, where)
    problems = _in_reading_order(problems + more)
    return Report(source=str(where), system=None if problems else system,
                  problems=tuple(problems), warnings=tuple(_in_reading_order(warnings)))


def _in_reading_order(problems: list[Problem]) -> list[Problem]:
    """Whole-file problems first, then table by table (in the schema's order), row by row."""
    def table_index(place: str) -> int:
        for i, table in enumerate(TABLES.values()):
            if place == table.file or place.endswith(f"sheet '{table.name}'"):
                return i
        return -1

    return sorted(problems, key=lambda p: (table_index(p.place), p.row or 0))


def _read_tables(path: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Each table as a frame of raw cells, indexed by spreadsheet row number."""
    if not path.exists():
        return {}, [Problem(str(path), None, None, "no such file or folder")]
    if path.is_file() and path.suffix.lower() in WORKBOOK_SUFFIXES:
        if path.stat().st_size > MAX_FILE_BYTES:
            return {}, [Problem(path.name, None, None, _too_big(path.stat().st_size))]
        return _read_workbook(path)
    if path.is_dir():
        return _read_folder(path)
    expected = ("expected a folder holding " + ", ".join(t.file for t in TABLES.values())
                + ", or an Excel workbook (.xlsx)")
    if path.suffix.lower() == ".xls":
        return {}, [Problem(path.name, None, None, "is an old .xls workbook; save it as .xlsx "
                            "(Excel: File, Save As, Excel Workbook)")]
    return {}, [Problem(str(path), None, None, f"is neither a folder of CSV files nor a .xlsx "
                        f"workbook; {expected}")]


def _read_workbook(path: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    import openpyxl  # only needed for workbooks

    problems: list[Problem] = []
    raw: dict[str, pd.DataFrame] = {}
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 (a corrupt or locked file: say so, with the reason)
        return raw, [Problem(path.name, None, None, f"cannot be read as a workbook ({exc})")]
    try:
        sheets = {name.strip().lower(): name for name in book.sheetnames}
        for table in TABLES.values():
            sheet = sheets.get(table.name)
            if sheet is None:
                problems.append(Problem(path.name, None, None,
                                        f"has no sheet named '{table.name}'; expected sheets "
                                        + ", ".join(f"'{t}'" for t in TABLES)))
                continue
            place = f"{path.name}, sheet '{sheet}'"
            try:
                worksheet = book[sheet]
                # Some writers store a wrong sheet size, which read-only mode would trust.
                worksheet.reset_dimensions()
                rows = []
                for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                    if number > _row_cap(table):
                        break
                    rows.append((number, tuple(values)))
            except Exception as exc:  # noqa: BLE001 (a damaged sheet: say so)
                problems.append(Problem(place, None, None, f"cannot be read ({exc})"))
                continue
            if len(rows) >= _row_cap(table):
                problems.append(Problem(place, None, None, _too_long(table)))
                continue
            raw[table.name] = _frame_from_rows(rows, table, place, "column", problems)
    finally:
        book.close()
    return raw, problems


def _read_folder(path: Path) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    problems: list[Problem] = []
    raw: dict[str, pd.DataFrame] = {}
    for table in TABLES.values():
        file = path / table.file
        if not file.is_file():
            near = [p.name for p in path.glob("*") if p.name.lower() == table.file]
            hint = f" (found '{near[0]}': rename it)" if near else ""
            problems.append(Problem(table.file, None, None, f"missing from {path}{hint}; expected "
                                    f"a CSV file of {table.help[0].lower()}{table.help[1:]}"))
            continue
        try:
            size = file.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(Problem(file.name, None, None, _too_big(size)))
                continue
            text = _decode(file.read_bytes())
            records = []
            for record in csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text)):
                records.append(record)
                if len(records) >= _row_cap(table):
                    break
        except _Unreadable as exc:
            problems.append(Problem(file.name, None, None, str(exc)))
            continue
        except (OSError, csv.Error) as exc:
            problems.append(Problem(file.name, None, None, f"cannot be read as CSV ({exc})"))
            continue
        if len(records) >= _row_cap(table):
            problems.append(Problem(file.name, None, None, _too_long(table)))
            continue
        # A spreadsheet numbers records (a quoted cell may hold a line break), from 1.
        rows = [(number, tuple(values)) for number, values in enumerate(records, start=1)]
        raw[table.name] = _frame_from_rows(rows, table, file.name, "field", problems)
    return raw, problems


class _Unreadable(ValueError):
    """A file that is not text the loader can read; the message says so in one line."""


def _row_cap(table: Table) -> int:
    """Rows read before a table is refused as too long: its limit, a header, as many blanks."""
    return 2 * table.max_rows + 2


def _too_long(table: Table) -> str:
    return (f"has more than {_row_cap(table) - 1:,} rows; expected at most {table.max_rows:,} "
            f"rows of {table.help[0].lower()}{table.help[1:].rstrip('.')}")


def _too_big(size: int) -> str:
    return (f"is {size / 2**20:,.0f} MB, far too big for a system's table (at most "
            f"{MAX_FILE_BYTES // 2**20} MB); is it the right file?")


def _decode(data: bytes) -> str:
    """The text of a CSV file, whatever Excel saved it as; ``_Unreadable`` if it is not text.

    A byte-order mark says which Unicode encoding it is: UTF-8 ("CSV UTF-8"), UTF-16
    ("Unicode text", tab-separated) or UTF-32. Without one: UTF-16 if every other byte is
    zero, else UTF-8, else Windows' Western encoding (cp1252: Excel's plain "CSV" on Windows).

    >>> _decode("scheme_id,name".encode("utf-16"))
    'scheme_id,name'
    >>> _decode("Équipe".encode("cp1252"))
    'Équipe'
    """
    if data[:4] == b"PK\x03\x04":
        raise _Unreadable("is a workbook (a zip file) with a .csv name: name it .xlsx, or "
                          + SAVE_AS_CSV)
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data[:1000]:
        sample = data[:1000]
        zeros_even, zeros_odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(zeros_even, zeros_odd) > len(sample) // 4:
            encoding = "utf-16-be" if zeros_even > zeros_odd else "utf-16-le"
    try:
        if encoding is not None:
            text = data.decode(encoding)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise _Unreadable("is not text in an encoding the kit reads (UTF-8, UTF-16 or Windows' "
                          f"Western); {SAVE_AS_CSV}") from None
    # A NUL, or control characters by the dozen, are binary data: a stray one in a cell is not.
    if "\x00" in text or len(_CONTROL.findall(text)) > max(10, len(text) // 100):
        raise _Unreadable("holds bytes that are not text (is it a CSV file?); " + SAVE_AS_CSV)
    return text


def _dialect(text: str) -> type[csv.Dialect]:
    """Commas, or the semicolons or tabs that some locales' Excel writes."""
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    sep = max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","

    class Dialect(csv.excel):
        delimiter = sep

    return Dialect


def _normal_header(value: object) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", "_", str(value).strip().lower())


def _letter(position: int) -> str:
    """A spreadsheet's column letter for a 0-based position: 0 -> A, 27 -> AB."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _frame_from_rows(rows: Sequence[tuple[int, tuple]], table: Table, place: str,
                     cell_word: str, problems: list[Problem]) -> pd.DataFrame:
    """Raw cells as a frame indexed by row number; the first non-blank row is the header."""
    rows = [(n, values) for n, values in rows if not all(_is_blank(v) for v in values)]
    if not rows:
        frame = pd.DataFrame()
        frame.attrs.update(place=place, header_row=1)
        return frame
    header_row, header = rows[0]
    body = rows[1:]
    width = max(len(values) for _, values in rows)
    names = [_normal_header(header[i]) if i < len(header) else "" for i in range(width)]
    columns: dict[str, list] = {}
    first_seen: dict[str, int] = {}
    for i, name in enumerate(names):
        cells = [values[i] if i < len(values) else None for _, values in body]
        if not name:
            filled = [n for (n, _), v in zip(body, cells) if not _is_blank(v)]
            if filled:
                problems.append(Problem(place, filled[0], None,
                                        f"{cell_word} {_letter(i)} holds a value but its column "
                                        f"has no header in row {header_row}; expected one of "
                                        + ", ".join(table.names)))
            continue
        if name in first_seen:
            problems.append(Problem(place, header_row, name,
                                    f"appears twice (columns {_letter(first_seen[name])} and "
                                    f"{_letter(i)}); expected each column once"))
            continue
        first_seen[name] = i
        columns[name] = cells
    frame = pd.DataFrame(columns, index=pd.Index([n for n, _ in body], dtype=int), dtype=object)
    if not columns:
        frame = pd.DataFrame(index=pd.Index([n for n, _ in body], dtype=int))
    frame.attrs.update(place=place, header_row=header_row)
    return frame


# --------------------------------------------------------------------------- cells


def _suggest(text: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(text, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _to_number(value: object, col: Column) -> float | str:
    """The cell as a float, or the reason it is not one."""
    if isinstance(value, (bool, datetime, date, time)):
        return f"'{value}' is not a number"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = str(value).strip()
    percent = text.endswith("%")
    core = text[:-1].strip() if percent else text
    if core.startswith("£") and "£" in col.unit:
        core = core[1:].strip()
    if _THOUSANDS.match(core):
        core = core.replace(",", "")
    try:
        number = float(core)
    except ValueError:
        return f"'{text}' is not a number"
    if percent:
        # 35% means 0.35 only in a column of fractions; elsewhere the unit is ambiguous.
        if col.kind != "share" and "fraction" not in col.unit:
            return f"'{text}' is a percentage but this column is in {col.unit or 'numbers'}"
        number /= 100
    return number


def _parse_column(frame: pd.DataFrame, col: Column, place: str,
                  problems: list[Problem]) -> pd.Series:
    """Convert one column to its type, recording every cell that does not fit."""
    out: list[object] = []
    for row, value in zip(frame.index, frame[col.name]):
        row = int(row)
        if _is_blank(value):
            if col.required:
                problems.append(Problem(place, row, col.name,
                                        f"is empty; expected {col.allowed()}"))
            out.append(None)
            continue
        text = str(value).strip()
        if col.kind in ("number", "share"):
            number = _to_number(value, col)
            if isinstance(number, str):
                problems.append(Problem(place, row, col.name,
                                        f"{number}; expected {col.allowed()}"))
                out.append(None)
            elif not math.isfinite(number):
                problems.append(Problem(place, row, col.name,
                                        f"{text} is not finite; expected {col.allowed()}"))
                out.append(None)
            elif (col.minimum is not None and number < col.minimum) or (
                col.maximum is not None and number > col.maximum
            ):
                if col.minimum == 0 and number < 0:
                    what = "negative"
                elif col.maximum is not None and number > col.maximum and col.unit and (
                        "£" in col.unit or "units" in col.unit):
                    # The limits on money and activity are beyond any real system's figures.
                    what = f"above the limit for any real system (check the unit: {col.unit})"
                else:
                    what = "out of range"
                problems.append(Problem(place, row, col.name,
                                        f"{number:g} is {what}; expected {col.allowed()}"))
                out.append(None)
            else:
                out.append(number)
        elif col.kind == "bool":
            low = text.lower()
            if low in ("true", "1", "yes", "y", "1.0"):
                out.append(True)
            elif low in ("false", "0", "no", "n", "0.0"):
                out.append(False)
            else:
                problems.append(Problem(place, row, col.name,
                                        f"'{text}' is not true or false; expected {col.allowed()}"))
                out.append(None)
        elif col.kind == "choice":
            # Forgiving about case and spaces: "Non elective" is non_elective.
            choice = re.sub(r"[\s-]+", "_", text.lower())
            if choice in col.choices:
                out.append(choice)
            else:
                problems.append(Problem(place, row, col.name,
                                        f"'{text}' is not allowed{_suggest(choice, col.choices)}; "
                                        f"expected {col.allowed()}"))
                out.append(None)
        elif col.kind in ("id", "ref"):
            if _ID.match(text):
                out.append(text)
            else:
                hint = (" (use lowercase letters)" if _ID.match(text.lower()) else
                        f" ({len(text):,} characters)" if len(text) > MAX_ID_CHARS else "")
                problems.append(Problem(place, row, col.name,
                                        f"'{text}' is not an identifier{hint}; expected "
                                        f"{col.allowed()}"))
                out.append(None)
        else:
            out.append(text)
    return pd.Series(out, index=frame.index, dtype=object)


def _typed(raw: pd.DataFrame, table: Table, problems: list[Problem]) -> pd.DataFrame:
    """The table with each column converted to its type; bad cells become ``None``."""
    place = raw.attrs.get("place", table.file)
    header_row = raw.attrs.get("header_row", 1)
    for col in table.columns:
        if col.name not in raw.columns and col.required:
            hint = _suggest(col.name, [c for c in raw.columns if c not in table.names])
            problems.append(Problem(place, header_row, col.name,
                                    f"column is missing{hint}; expected a column headed "
                                    f"'{col.name}' ({col.help})"))
    for name in raw.columns:
        if name not in table.names:
            problems.append(Problem(place, header_row, name,
                                    f"is not a column of this table{_suggest(name, table.names)}; "
                                    f"expected only {', '.join(table.names)}"))
    frame = pd.DataFrame(index=raw.index)
    for col in table.columns:
        if col.name in raw.columns:
            frame[col.name] = _parse_column(raw, col, place, problems)
        else:
            frame[col.name] = pd.Series([None] * len(raw), index=raw.index, dtype=object)
    frame.attrs.update(place=place, header_row=header_row)
    return frame


# --------------------------------------------------------------------------- validation


@lru_cache(maxsize=1)
def bundled_median_prices_gbp() -> dict[str, float]:
    """Median unit price of each service in the bundled illustrative system, in pounds.

    The yardstick for the price warning (data, not hard-coded prices).

    >>> bundled_median_prices_gbp()["non_elective"]
    2600.0
    """
    raw, problems = _read_folder(BUNDLED)
    if "service_lines" not in raw:
        return {}
    lines = _typed(raw["service_lines"], TABLES["service_lines"], problems)
    lines = lines.dropna(subset=["service", "unit_price_gbp"])
    return {str(s): float(np.median(g.unit_price_gbp.astype(float)))
            for s, g in lines.groupby("service")}


def _ids_list(ids: Iterable[str], limit: int = 12) -> str:
    ids = sorted(ids)
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "") if ids else "none"


def _validate(raw: dict[str, pd.DataFrame], path: Path
              ) -> tuple[System | None, list[Problem], list[Problem]]:
    problems: list[Problem] = []
    t = {name: _typed(raw[name], TABLES[name], problems) for name in TABLES if name in raw}
    if not raw:
        return None, problems, []

    def place(name: str) -> str:
        return t[name].attrs["place"]

    # Ids unique: other tables name them.
    for name, table in TABLES.items():
        if name not in t or not table.key:
            continue
        seen: dict[str, int] = {}
        for row, value in t[name][table.key].items():
            if value is None:
                continue
            if value in seen:
                problems.append(Problem(place(name), row, table.key,
                                        f"'{value}' is a duplicate of row {seen[value]}; "
                                        f"expected each {table.key} once"))
            else:
                seen[value] = row
    # Rows that repeat the same combination (the engine would count them twice).
    for name, table in TABLES.items():
        if name not in t or not table.unique_together:
            continue
        first: dict[tuple, int] = {}
        words = ", ".join(c.replace("_id", "") for c in table.unique_together[:-1])
        words += " and " + table.unique_together[-1].replace("_id", "")
        for row, key in zip(t[name].index, zip(*(t[name][c] for c in table.unique_together))):
            if None in key:
                continue
            if key in first:
                problems.append(Problem(place(name), row, table.unique_together[-1],
                                        f"duplicate of row {first[key]} (same {words}); "
                                        "expected each combination once"))
            else:
                first[key] = row

    orgs = t.get("organisations")
    lines = t.get("service_lines")
    schemes = t.get("schemes")
    effects = t.get("scheme_effects")
    kinds: dict[str, str] = {}
    if orgs is not None:
        kinds = {o: k for o, k in zip(orgs.org_id, orgs.kind) if o is not None}
        # A share already reported as bad is not "empty": say one thing about each cell.
        bad = {(q.row, q.column) for q in problems if q.place == place("organisations")}
        for row, o in orgs.iterrows():
            _check_cost_shares(o, row, place("organisations"), bad, problems)
        if not len(orgs):
            problems.append(Problem(place("organisations"), None, None,
                                    "has no organisations; expected one row per organisation"))
        elif not problems and not any(k in PAYER_KINDS for k in kinds.values()):
            problems.append(Problem(place("organisations"), None, "kind",
                                    "no commissioner: expected at least one organisation of kind "
                                    + " or ".join(PAYER_KINDS)))

    def check_ref(name: str, col: str, target: str) -> None:
        if name not in t or target not in t:
            return
        key = TABLES[target].key
        what = "an organisation" if target == "organisations" else "a scheme"
        valid = {v for v in t[target][key] if v is not None}
        for row, value in t[name][col].items():
            if value is not None and value not in valid:
                problems.append(Problem(place(name), row, col,
                                        f"'{value}' is not {what} id in {place(target)}"
                                        f"{_suggest(value, valid)}; expected one of "
                                        f"{_ids_list(valid)}"))

    for name, col, target in (("service_lines", "provider_id", "organisations"),
                              ("service_lines", "payer_id", "organisations"),
                              ("schemes", "funder_id", "organisations"),
                              ("schemes", "deliverer_id", "organisations"),
                              ("scheme_effects", "scheme_id", "schemes"),
                              ("scheme_effects", "provider_id", "organisations")):
        check_ref(name, col, target)

    if lines is not None:
        if not len(lines):
            problems.append(Problem(place("service_lines"), None, None,
                                    "has no service lines; expected one row per provider, "
                                    "payer and service"))
        # Columns zipped, not iterrows: a Series a row is most of the time of 50,000 lines.
        for row, provider_id, payer_id in zip(lines.index, lines.provider_id, lines.payer_id):
            payer_kind = kinds.get(payer_id)
            if payer_kind is not None and payer_kind not in PAYER_KINDS:
                problems.append(Problem(place("service_lines"), row, "payer_id",
                                        f"'{payer_id}' is of kind {payer_kind}, not a "
                                        "commissioner; expected an organisation of kind "
                                        + " or ".join(PAYER_KINDS)))
            if provider_id is not None and provider_id == payer_id:
                problems.append(Problem(place("service_lines"), row, "payer_id",
                                        "an organisation cannot pay itself; expected a payer "
                                        "other than the provider"))
    if lines is not None and effects is not None:
        existing = {(p, s) for p, s in zip(lines.provider_id, lines.service)}
        for row, eff in effects.iterrows():
            if (eff.provider_id in kinds and eff.service is not None
                    and (eff.provider_id, eff.service) not in existing):
                problems.append(Problem(place("scheme_effects"), row, "service",
                                        f"scheme targets {eff.provider_id} {eff.service}, a "
                                        "service line that does not exist in service_lines; "
                                        "expected a provider and service that appear together "
                                        f"in {place('service_lines')}"))
    # Warnings too when there are problems, so that one run of the checker shows everything.
    warnings = _warnings(t, place) if {"organisations", "service_lines", "schemes"} <= set(t) \
        else []
    if problems or len(t) < len(TABLES):
        return None, problems, warnings

    orgs = orgs.set_index("org_id")
    for c in COST_SHARES + ("incentive_fund_gbp_m",):
        orgs[c] = orgs[c].fillna(0.0)
    orgs = orgs.astype({
        c.name: float for c in TABLES["organisations"].columns if c.kind in ("number", "share")
    }).astype({"in_nhs_control_total": bool, "name": str, "kind": str})
    lines = lines.astype({
        c.name: float for c in TABLES["service_lines"].columns if c.kind in ("number", "share")
    }).reset_index(drop=True)
    schemes = schemes.set_index("scheme_id").astype({
        c.name: float for c in TABLES["schemes"].columns if c.kind in ("number", "share")
    })
    effects = effects.astype({"activity_change": float}).reset_index(drop=True)
    for frame in (orgs, lines, schemes, effects):
        frame.attrs.clear()
    system = System(
        organisations=orgs, service_lines=lines, schemes=schemes, scheme_effects=effects,
        name=path.stem if path.is_file() else path.name, source=str(path),
        warnings=tuple(str(w) for w in warnings),
    )
    return system, problems, warnings


def _check_cost_shares(o: pd.Series, row: int, place: str, bad: set[tuple[int, str]],
                       problems: list[Problem]) -> None:
    """A provider's cost base splits into fixed, semi-fixed and variable shares summing to 1."""
    shares = [o[c] for c in COST_SHARES]
    if o.cost_base_gbp_m is None or o.cost_base_gbp_m <= 0:
        return
    blank = [c for c, s in zip(COST_SHARES, shares) if s is None]
    for c in blank:
        if (row, c) in bad:
            continue
        problems.append(Problem(place, row, c, "is empty but the organisation has a cost base; "
                                "expected a number from 0 to 1"))
    if not blank and abs(sum(shares) - 1) > SHARE_TOLERANCE:
        problems.append(Problem(place, row, "fixed_share",
                                f"fixed_share + semi_fixed_share + variable_share = "
                                f"{sum(shares):.4g}; they must sum to 1; expected three shares "
                                "that add up to 1"))


def _warnings(t: dict[str, pd.DataFrame], place) -> list[Problem]:
    """What is legal but odd. Cells already reported as problems (``None``) are skipped."""
    orgs, lines, schemes = t["organisations"], t["service_lines"], t["schemes"]
    out: list[Problem] = []
    providers = set(lines.provider_id)
    payers = set(lines.payer_id)
    contract_gbp_m = (lines.planned_activity.astype(float) * lines.unit_price_gbp.astype(float)
                      / GBP_PER_M).groupby(lines.provider_id).sum()
    for row, o in orgs.iterrows():
        where = place("organisations")
        if o.org_id is None or o.kind is None:
            continue  # already a problem: nothing odd to add about it
        if o.kind in PAYER_KINDS:
            if o.org_id not in payers and o.org_id not in providers:
                out.append(Problem(where, row, "org_id", f"{o.org_id} pays for no service lines; "
                                   "its spending is all in other_spend_gbp_m"))
        elif o.org_id not in providers:
            out.append(Problem(where, row, "org_id", f"{o.org_id} has no service lines; its "
                               "cost does not move with activity"))
        if o.org_id in providers and not (o.cost_base_gbp_m or 0) > 0:
            out.append(Problem(where, row, "cost_base_gbp_m", f"{o.org_id} provides service "
                               "lines but has no cost base; its contract income carries no cost"))
        if not (o.cost_base_gbp_m or 0) > 0:
            present = [c for c in COST_SHARES if o[c] is not None and o[c] != 0]
            if present:
                out.append(Problem(where, row, present[0], "cost shares are filled in but the "
                                   "organisation has no cost base; they are ignored"))
        turnover = ((o.allocation_gbp_m or 0) + (o.other_income_gbp_m or 0)
                    + float(contract_gbp_m.get(o.org_id, 0.0)))
        control = o.control_total_gbp_m or 0
        if abs(control) > CONTROL_TOTAL_TURNOVER_SHARE * turnover:
            out.append(Problem(where, row, "control_total_gbp_m",
                               f"a control total of £{control:g}m is more than "
                               f"{CONTROL_TOTAL_TURNOVER_SHARE:.0%} of the organisation's "
                               f"turnover (£{turnover:.4g}m); check the sign and the unit "
                               "(£ million)"))
    medians = bundled_median_prices_gbp()
    for row, service, price in zip(lines.index, lines.service, lines.unit_price_gbp):
        median = medians.get(service)
        if not median or price is None:
            continue
        low, high = median / PRICE_RANGE_FACTOR, median * PRICE_RANGE_FACTOR
        if not low <= price <= high:
            out.append(Problem(place("service_lines"), row, "unit_price_gbp",
                               f"£{price:,.6g} is far from the median "
                               f"{service} price in the bundled illustrative system "
                               f"(£{median:,.6g}); expected about £{low:,.0f} to £{high:,.0f}: "
                               "check the unit (pounds per unit of activity)"))
    if not len(schemes):
        out.append(Problem(place("schemes"), None, None, "has no schemes; the lesson on shared "
                           "priorities will have nothing to choose from"))
    return out
