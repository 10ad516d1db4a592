"""The template: one schema, two forms, committed as generated; and the round trip.

The one schema rule: ``data/template/`` and ``data/template.xlsx`` are what
``casestudy.template`` writes from ``casestudy.schema``. A test regenerates both and compares
their content (cell values, headers, notes, validation; not bytes, which carry timestamps).
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from systems import EXAMPLE_IDS, EXAMPLE_SYSTEMS, ROOT

from casestudy import load_system
from casestudy.schema import TABLES, Column, Table
from casestudy.template import (
    README_SHEET,
    VALIDATED_ROWS,
    regenerate,
    template_tables,
    write_folder,
    write_template,
    write_workbook,
)

COMMITTED_FOLDER = ROOT / "data" / "template"
COMMITTED_BOOK = ROOT / "data" / "template.xlsx"


def csv_content(folder: Path) -> dict[str, list[list[str]]]:
    out = {}
    for path in sorted(folder.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            out[path.name] = list(csv.reader(handle))
    return out


def workbook_content(path: Path) -> dict[str, dict]:
    """What a person sees in each sheet: values, notes, validation, frozen panes."""
    book = openpyxl.load_workbook(path)
    out = {}
    for sheet in book.worksheets:
        out[sheet.title] = {
            "cells": [[cell.value for cell in row] for row in sheet.iter_rows()],
            "notes": {cell.coordinate: cell.comment.text for row in sheet.iter_rows()
                      for cell in row if cell.comment},
            "validation": sorted((dv.type, dv.operator or "", dv.formula1 or "",
                                  dv.formula2 or "", str(dv.sqref))
                                 for dv in sheet.data_validations.dataValidation),
            "frozen": sheet.freeze_panes,
        }
    return out


def differences(data_dir: Path, fresh_dir: Path) -> list[str]:
    """Where the template in ``data_dir`` differs from a fresh one in ``fresh_dir``."""
    found = []
    committed, fresh = csv_content(data_dir / "template"), csv_content(fresh_dir / "template")
    for name in sorted(set(committed) | set(fresh)):
        if committed.get(name) != fresh.get(name):
            found.append(f"template/{name}")
    committed_book = workbook_content(data_dir / "template.xlsx")
    fresh_book = workbook_content(fresh_dir / "template.xlsx")
    if list(committed_book) != list(fresh_book):
        found.append(f"template.xlsx sheets {list(committed_book)} != {list(fresh_book)}")
    for sheet in fresh_book:
        for part in ("cells", "notes", "validation", "frozen"):
            if committed_book.get(sheet, {}).get(part) != fresh_book[sheet][part]:
                found.append(f"template.xlsx sheet '{sheet}' {part}")
    return found


# --------------------------------------------------------------------------- the one schema rule


def test_committed_template_is_what_the_schema_writes(tmp_path: Path) -> None:
    regenerate(tmp_path)
    assert differences(ROOT / "data", tmp_path) == [], (
        "the committed template is out of date: run `python -m casestudy.template`")


def test_a_schema_change_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule above can fail: add a column to the schema and the committed files differ."""
    schemes = TABLES["schemes"]
    extra = Column(name="owner", kind="text", help="Senior responsible owner", example="ICB",
                   required=False)
    monkeypatch.setitem(TABLES, "schemes", Table(
        name=schemes.name, file=schemes.file, help=schemes.help, key=schemes.key,
        columns=(*schemes.columns, extra)))
    regenerate(tmp_path)
    found = differences(ROOT / "data", tmp_path)
    assert "template/schemes.csv" in found
    assert "template.xlsx sheet 'schemes' cells" in found
    assert "template.xlsx sheet 'Read me' cells" in found  # the column dictionary


def test_csv_template_has_the_schema_headers_and_example_rows() -> None:
    content = csv_content(COMMITTED_FOLDER)
    assert sorted(content) == sorted(t.file for t in TABLES.values())
    for table in TABLES.values():
        header, *rows = content[table.file]
        assert header == list(table.names)
        assert len(rows) == len(table.example_rows())
        first = dict(zip(header, rows[0]))
        for col in table.columns:  # the first row is the columns' own examples
            example = col.example
            if isinstance(example, bool):
                assert first[col.name] == ("TRUE" if example else "FALSE")
            elif isinstance(example, (int, float)):
                assert float(first[col.name]) == example
            else:
                assert first[col.name] == example


def test_workbook_sheets_headers_notes_and_frozen_rows() -> None:
    book = openpyxl.load_workbook(COMMITTED_BOOK)
    assert book.sheetnames == [README_SHEET, *TABLES]
    for table in TABLES.values():
        sheet = book[table.name]
        assert [cell.value for cell in sheet[1]] == list(table.names)
        assert sheet.freeze_panes == "A2"
        for cell, col in zip(sheet[1], table.columns):
            note = cell.comment.text
            assert note == col.note()
            assert col.allowed() in note
            if col.unit:
                assert col.unit in note
            width = sheet.column_dimensions[cell.column_letter].width
            assert width >= len(col.name)


def rules_of(sheet) -> dict[str, tuple]:
    """The data validation of each column letter: (type, operator, formula1, formula2)."""
    out = {}
    for dv in sheet.data_validations.dataValidation:
        for cells in str(dv.sqref).split():
            letter = "".join(ch for ch in cells.split(":")[0] if ch.isalpha())
            assert cells == f"{letter}2:{letter}{VALIDATED_ROWS + 1}"
            out[letter] = (dv.type, dv.operator, dv.formula1, dv.formula2)
    return out


def test_workbook_validation_follows_the_schema() -> None:
    book = openpyxl.load_workbook(COMMITTED_BOOK)
    for table in TABLES.values():
        sheet = book[table.name]
        rules = rules_of(sheet)
        for cell, col in zip(sheet[1], table.columns):
            rule = rules.get(cell.column_letter)
            if col.kind == "choice":
                assert rule[0] == "list"
                assert rule[2].strip('"').split(",") == list(col.choices)
            elif col.kind == "bool":
                assert rule[:3] == ("list", None, '"TRUE,FALSE"')
            elif col.kind == "share":
                assert rule == ("decimal", "between", "0", "1")
            elif col.kind == "number" and col.maximum is not None:
                assert rule[0] == "decimal"
                assert (float(rule[2]), float(rule[3])) == (col.minimum, col.maximum)
            elif col.kind == "number" and col.minimum is not None:
                assert rule == ("decimal", "greaterThanOrEqual", f"{col.minimum:g}", None)
            elif col.kind == "ref":
                target = TABLES[col.refers_to]
                letter = openpyxl.utils.get_column_letter(target.names.index(target.key) + 1)
                ids = f"'{target.name}'!${letter}$2:${letter}${VALIDATED_ROWS + 1}"
                assert rule[:3] == ("list", None, ids)
            elif col.kind in ("text", "id"):
                assert rule is None


def test_read_me_says_what_to_fill_in_and_how_to_check() -> None:
    sheet = openpyxl.load_workbook(COMMITTED_BOOK)[README_SHEET]
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    text = "\n".join(" | ".join(str(c) for c in row) for row in rows)
    assert "python -m casestudy check" in text
    assert "£ million" in text and "fractions" in text
    for table in TABLES.values():
        for col in table.columns:  # every column in the dictionary, with its allowed values
            assert any(r[:2] == [table.name, col.name] and col.allowed() in r for r in rows)


@pytest.mark.parametrize("path", [COMMITTED_FOLDER, COMMITTED_BOOK], ids=["csv", "xlsx"])
def test_template_loads_without_problems_or_warnings(path: Path) -> None:
    system = load_system(path)
    assert system.warnings == ()
    acute = TABLES["organisations"].column("org_id").example
    for col in TABLES["organisations"].columns:
        if col.kind in ("number", "share"):
            assert system.organisations.loc[acute, col.name] == col.example


def test_write_template_chooses_the_form_by_name(tmp_path: Path) -> None:
    folder = write_template(tmp_path / "mine")
    book = write_template(tmp_path / "mine.xlsx")
    assert folder.is_dir() and book.is_file()
    for name, frame in template_tables().items():
        assert list(frame.columns) == list(TABLES[name].names)
    assert csv_content(folder) == csv_content(COMMITTED_FOLDER)


# --------------------------------------------------------------------------- the round trip


def assert_same_tables(a, b) -> None:
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name], check_exact=True)


@pytest.mark.parametrize("path", [*EXAMPLE_SYSTEMS, COMMITTED_BOOK],
                         ids=[*EXAMPLE_IDS, "template"])
def test_round_trip_workbook_system_workbook(tmp_path: Path, path: Path) -> None:
    original = load_system(path)
    first = write_workbook(original, tmp_path / "first.xlsx")
    again = load_system(first)
    assert_same_tables(original, again)
    assert again.warnings == original.warnings
    second = write_workbook(again, tmp_path / "second.xlsx")
    assert workbook_content(first) == workbook_content(second)
    assert_same_tables(original, load_system(second))


@pytest.mark.parametrize("path", EXAMPLE_SYSTEMS, ids=EXAMPLE_IDS)
def test_round_trip_through_csv(tmp_path: Path, path: Path) -> None:
    original = load_system(path)
    folder = write_folder(original, tmp_path / "copy")
    assert_same_tables(original, load_system(folder))
    # Written back, the CSV files hold the same cells as the originals (blank stays blank).
    for table in TABLES.values():
        mine = pd.read_csv(folder / table.file, dtype=str, keep_default_na=False)
        theirs = pd.read_csv(path / table.file, dtype=str, keep_default_na=False)
        for col in mine.columns:
            pd.testing.assert_series_equal(
                mine[col].map(lambda v: float(v) if _is_number(v) else v),
                theirs[col].map(lambda v: float(v) if _is_number(v) else v), check_names=False)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_an_edited_workbook_is_read_as_edited(tmp_path: Path) -> None:
    """What an analyst does: open the template, change a figure, save, load."""
    book = write_template(tmp_path / "mine.xlsx")
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["service_lines"]
    column = list(TABLES["service_lines"].names).index("planned_activity") + 1
    sheet.cell(row=2, column=column).value = 41234
    workbook.save(book)
    assert load_system(book).service_lines.planned_activity[0] == 41234
