"""The template for one's own system, in both forms, written from the one schema.

``data/template/`` holds the four CSV files (headers plus example rows) and
``data/template.xlsx`` the same as a workbook: a "Read me" sheet, one sheet per table, a
note on each header (meaning, unit, allowed values) and data validation where Excel allows
it. Both come from :mod:`casestudy.schema`, the definitions the loader validates against, so
the template and the loader cannot drift apart (a test regenerates both and compares).

``write_workbook(system, path)`` writes a loaded system back as a workbook: a good start
for an analyst is the bundled system in Excel, changed figure by figure.

>>> import tempfile, pathlib
>>> from casestudy.system import load_system
>>> with tempfile.TemporaryDirectory() as tmp:
...     book = write_workbook(load_system(), pathlib.Path(tmp) / "bradford.xlsx")
...     len(load_system(book).organisations) == len(load_system().organisations)
True

Regenerate the committed template with ``python -m casestudy.template``.
"""

from __future__ import annotations

import csv
import math
import textwrap
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from .schema import COST_SHARES, TABLES, Column
from .system import DATA_DIR, WORKBOOK_SUFFIXES, System

TEMPLATE_FOLDER = DATA_DIR / "template"
TEMPLATE_WORKBOOK = DATA_DIR / "template.xlsx"
README_SHEET = "Read me"
README_WIDTH = 100  # characters on one line of the "Read me" sheet
# Data validation covers this many rows below the header: room for a large system.
VALIDATED_ROWS = 1000
HEADER_FILL = "DCE6F1"
# Excel shows a TRUE/FALSE cell as TRUE/FALSE; LibreOffice shows 1/0 unless told this.
BOOL_FORMAT = '"TRUE";"TRUE";"FALSE"'

OPTIONAL_FILL = "EEEEEE"
# A fixed creation date keeps the regenerated workbook's properties the same each time.
CREATED = datetime(2024, 1, 1)

Tables = Mapping[str, pd.DataFrame]


# --------------------------------------------------------------------------- tables


def template_tables() -> dict[str, pd.DataFrame]:
    """The template's tables: the schema's columns and example rows.

    >>> template_tables()["service_lines"].columns[:3].tolist()
    ['provider_id', 'payer_id', 'service']
    """
    return {name: pd.DataFrame(table.example_rows(), columns=list(table.names), dtype=object)
            for name, table in TABLES.items()}


def system_tables(system: System) -> dict[str, pd.DataFrame]:
    """A loaded system's tables as the template lays them out.

    Cost shares left blank in the data (organisations with no cost base) are written blank
    again, so that a system written back loads with the same warnings as the original.
    """
    tables = {name: frame.astype(object) for name, frame in system.tables().items()}
    orgs = tables["organisations"]
    no_base = orgs.cost_base_gbp_m.astype(float) <= 0
    no_shares = (orgs[list(COST_SHARES)].astype(float) == 0).all(axis=1)
    orgs.loc[no_base & no_shares, list(COST_SHARES)] = None
    return tables


def _plain(value: object) -> object:
    """A cell value as plain Python: None for blank, int for a whole float, no numpy types."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return None
        return int(number) if number.is_integer() and abs(number) < 1e15 else number
    return value


def _csv_text(value: object) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)  # str(float) is the shortest text that reads back to the same number


# --------------------------------------------------------------------------- CSV


def write_csv(tables: Tables, folder: str | Path) -> Path:
    """Write tables (name -> frame) as the loader's CSV files in ``folder``; return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        with open(folder / TABLES[name].file, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([str(c) for c in frame.columns])
            for values in frame.itertuples(index=False, name=None):
                writer.writerow([_csv_text(v) for v in values])
    return folder


# --------------------------------------------------------------------------- workbook


def _readme_rows() -> list[tuple[str, ...]]:
    """The "Read me" sheet: what to fill in, the units, how to check it; then every column."""
    tables = ", ".join(f"'{name}'" for name in TABLES)
    rows: list[tuple[str, ...]] = [
        ("Your own system: the template",),
        (("Fill in this workbook with your system's figures, and every lesson and dashboard of "
         "the kit runs on them."),),
        ("",),
        ("What to fill in",),
        ((f"1. One sheet per table: {tables}. Each row of a sheet is one organisation, service "
         "line, scheme or scheme effect. Replace the example rows with your own."),),
        (("2. Keep the header row (row 1) as it is. Point at a header to read its note: what "
         "the column means, its unit and what is allowed."),),
        (("3. Identifiers are short lowercase names (letters, digits and _), such as acute_a. "
         "Service lines, schemes and scheme effects name organisations and schemes by them."),),
        (("4. Every service line's payer must be a commissioner or a council; a scheme effect "
         "must change a provider's service that has a service line."),),
        (("To start from a whole example system instead of these rows, in a terminal in the "
          "kit's folder:"),),
        ("    python -m casestudy template my_system.xlsx --from data/examples/northvale",),
        ("",),
        ("Units",),
        (("Money in £ million (columns ending _gbp_m); a unit price in pounds "
         "(unit_price_gbp); activity in units a year (spells, attendances, contacts, "
         "packages)."),),
        (("Shares and rates as fractions: 0.35, not 35%. A provider's fixed, semi-fixed and "
         "variable shares must add up to 1."),),
        (("A position is income minus spending: a control total of -2 is an agreed deficit of "
         "£2 million."),),
        ("",),
        ("How to check it",),
        ("Save the workbook as .xlsx, then in a terminal in the kit's folder run:",),
        ("    python -m casestudy check PATH/TO/WORKBOOK.xlsx",),
        (("It lists every problem with its sheet, row and column, then warnings (legal but odd "
         "figures), then a summary of the system. Fix what it reports and run it again."),),
        ("",),
        ("How to use it",),
        (("Set the environment variable CASESTUDY_SYSTEM to the workbook's path before "
         "opening the kit, for example:"),),
        ("    CASESTUDY_SYSTEM=PATH/TO/WORKBOOK.xlsx make lab",),
        ("",),
        ("The tables",),
        ("Sheet", "One row per"),
    ]
    rows = _wrapped(rows)
    rows += [(table.name, table.help) for table in TABLES.values()]
    rows += [("",), ("The columns",), ("Sheet", "Column", "Unit", "Required", "Allowed",
                                       "Meaning")]
    for table in TABLES.values():
        for col in table.columns:
            rows.append((table.name, col.name, col.unit, "yes" if col.required else "no",
                         col.allowed(), col.help))
    return rows


def _wrapped(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Prose rows cut into lines of at most ``README_WIDTH`` characters, one line per row, so
    that none runs off the screen; a numbered step's later lines are indented."""
    out: list[tuple[str, ...]] = []
    for row in rows:
        text = row[0]
        if len(row) > 1 or len(text) <= README_WIDTH or text.startswith(" "):
            out.append(row)
            continue
        indent = "   " if text[:1].isdigit() else ""
        out += [(line,) for line in textwrap.wrap(text, README_WIDTH, subsequent_indent=indent)]
    return out


def _validation(col: Column, keys: Mapping[str, str]):
    """Excel's data validation for a column, or None where Excel cannot express the rule."""
    from openpyxl.worksheet.datavalidation import DataValidation

    common = {"allow_blank": not col.required, "showErrorMessage": True,
              "errorTitle": f"{col.name}"[:32], "error": f"Expected {col.allowed()}."[:225]}
    if col.kind == "choice":
        listed = ",".join(col.choices)
        if len(listed) > 255:  # Excel's limit on a typed-in list
            return None
        return DataValidation(type="list", formula1=f'"{listed}"', **common)
    if col.kind == "bool":
        return DataValidation(type="list", formula1='"TRUE,FALSE"', **common)
    if col.kind == "ref" and col.refers_to in keys:
        # A drop-down of the ids in the table the column names.
        return DataValidation(type="list", formula1=keys[col.refers_to], **common)
    if col.kind in ("number", "share"):
        # In full (1000000000, not 1e+09): a plain number is what every spreadsheet reads.
        if col.minimum is not None and col.maximum is not None:
            return DataValidation(type="decimal", operator="between",
                                  formula1=f"{col.minimum:.15g}", formula2=f"{col.maximum:.15g}",
                                  **common)
        if col.minimum is not None:
            return DataValidation(type="decimal", operator="greaterThanOrEqual",
                                  formula1=f"{col.minimum:.15g}", **common)
        return DataValidation(type="decimal", operator="between", formula1="-1E+300",
                              formula2="1E+300", **common)
    return None


def _width(header: str, values: list[object]) -> float:
    longest = max([len(header)] + [len(_csv_text(v)) for v in values])
    return float(min(max(longest + 3, 10), 48))


def write_xlsx(tables: Tables, path: str | Path, *, readme: bool = True) -> Path:
    """Write tables (name -> frame) as a workbook with notes and validation; return the path.

    Columns of the schema get a note and validation; any other column is written as it is
    (the fuzz tests write broken tables this way).
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.properties.creator = "casestudy"
    book.properties.created = CREATED
    first = book.active
    if readme:
        sheet = first
        sheet.title = README_SHEET
        for row in _readme_rows():
            sheet.append(list(row))
        headings = {"What to fill in", "Units", "How to check it", "How to use it",
                    "The tables", "The columns"}
        for cells in sheet.iter_rows():
            text = cells[0].value or ""
            if cells[0].row == 1:
                cells[0].font = Font(bold=True, size=14)
            elif text in headings or text == "Sheet":
                for cell in cells:
                    cell.font = Font(bold=True)
        widths = dict(zip("ABCDEF", (16, 24, 26, 10, 52, 80)))
        for letter, width in widths.items():
            sheet.column_dimensions[letter].width = width
        for cells in sheet.iter_rows():
            if len([c for c in cells if c.value]) < 3:
                continue  # prose runs on to the right; only the table of columns wraps
            lines = 1
            for cell in cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                width = widths.get(cell.column_letter, 10)
                lines = max(lines, math.ceil(len(str(cell.value or "")) / (width - 2)))
            # Spreadsheets do not all fit a wrapped row's height on opening: set it.
            sheet.row_dimensions[cells[0].row].height = 15 * lines
        _print_across_one_page(sheet)
        sheet.print_title_rows = None
    else:
        book.remove(first)

    # Where each table's ids are, for drop-downs in the columns that name them.
    keys: dict[str, str] = {}
    for name, frame in tables.items():
        key = TABLES[name].key
        if key and key in list(frame.columns):
            letter = _column_letter(list(frame.columns).index(key))
            keys[name] = f"'{name}'!${letter}$2:${letter}${VALIDATED_ROWS + 1}"

    for name, frame in tables.items():
        table = TABLES[name]
        sheet = book.create_sheet(name)
        headers = [str(c) for c in frame.columns]
        sheet.append(headers)
        for values in frame.itertuples(index=False, name=None):
            sheet.append([_plain(v) for v in values])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, not a formula
                elif isinstance(cell.value, bool):
                    cell.number_format = BOOL_FORMAT
        for i, header in enumerate(headers):
            letter = _column_letter(i)
            cell = sheet.cell(row=1, column=i + 1)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=False)
            sheet.column_dimensions[letter].width = _width(header, list(frame.iloc[:, i]))
            col = next((c for c in table.columns if c.name == header), None)
            if col is None:
                continue
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL if col.required
                                    else OPTIONAL_FILL)
            note = Comment(col.note(), "casestudy")
            note.width, note.height = 320, 140
            cell.comment = note
            rule = _validation(col, keys)
            if rule is not None:
                sheet.add_data_validation(rule)
                rule.add(f"{letter}2:{letter}{VALIDATED_ROWS + 1}")
        sheet.freeze_panes = "A2"
        _print_across_one_page(sheet)
    book.active = 0
    book.save(path)
    return path


def _print_across_one_page(sheet) -> None:
    """Printed, a table is as wide as the page, landscape, with its header on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"


def _column_letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)


# --------------------------------------------------------------------------- the public verbs


def write_template(out: str | Path) -> Path:
    """A fresh template: a workbook if ``out`` ends in .xlsx, else a folder of CSV files."""
    out = Path(out)
    if out.suffix.lower() in WORKBOOK_SUFFIXES:
        return write_xlsx(template_tables(), out)
    return write_csv(template_tables(), out)


def write_workbook(system: System, path: str | Path) -> Path:
    """Write a loaded system as a workbook in the template's layout; return the path."""
    return write_xlsx(system_tables(system), path)


def write_folder(system: System, folder: str | Path) -> Path:
    """Write a loaded system as a folder of CSV files; return the folder."""
    return write_csv(system_tables(system), folder)


def regenerate(data_dir: str | Path = DATA_DIR) -> tuple[Path, Path]:
    """Write ``template/`` and ``template.xlsx`` into ``data_dir`` (the committed ones by default)."""
    data_dir = Path(data_dir)
    return write_template(data_dir / "template"), write_template(data_dir / "template.xlsx")


if __name__ == "__main__":
    for written in regenerate():
        print(f"wrote {written}")
