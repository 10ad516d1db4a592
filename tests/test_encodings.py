"""CSV files as Excel and other tools save them: every encoding read, or refused in one line.

Excel's "Unicode text" is UTF-16 with a byte-order mark and tabs between cells; its plain
"CSV" on Windows is cp1252; "CSV UTF-8" has a UTF-8 mark. Each loads to the same system as
the UTF-8 original, names with accents included. A file that is not text (a workbook or a
picture with a .csv name, bytes of no encoding the kit reads) is one problem, in one line,
saying to save as CSV UTF-8: never forty "did you mean 'ÿþs c h e m e _ i d'" messages.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from casestudy import DataError, load_system
from casestudy.schema import TABLES
from casestudy.system import MAX_FILE_BYTES, check_system
from casestudy.template import template_tables, write_csv, write_xlsx

NAME = "Hôpital Général de Œste £"  # in cp1252 and Unicode both; Œ and £ differ from Latin-1


def _utf8_folder(tmp_path: Path) -> Path:
    tables = template_tables()
    tables["organisations"].loc[0, "name"] = NAME
    return write_csv(tables, tmp_path / "utf8")


def _reencode(source: Path, target: Path, encoding: str, *, tabs: bool = False) -> Path:
    target.mkdir()
    for table in TABLES.values():
        text = (source / table.file).read_text(encoding="utf-8")
        if tabs:  # Excel's "Unicode text" separates cells with tabs (no cell here holds one)
            text = "\n".join("\t".join(row) for row in
                             pd.read_csv(source / table.file, dtype=str, keep_default_na=False)
                             .pipe(lambda f: [list(f.columns)] + f.values.tolist()))
        (target / table.file).write_bytes(text.encode(encoding))
    return target


@pytest.mark.parametrize(("encoding", "tabs"), [
    ("utf-16", True),  # Excel "Unicode text": little-endian with a BOM, tab-separated
    ("utf-16", False),
    ("utf-16-le", False),  # no BOM: told apart by the zero bytes
    ("utf-16-be", True),
    ("utf-32", False),
    ("utf-8-sig", False),  # Excel "CSV UTF-8"
    ("cp1252", False),  # Excel "CSV" on Windows
])
def test_every_encoding_excel_saves_loads_the_same_system(tmp_path: Path, encoding: str,
                                                          tabs: bool) -> None:
    original = load_system(_utf8_folder(tmp_path))
    if encoding == "utf-16-be":  # with its BOM, as a big-endian writer puts it
        folder = _reencode(tmp_path / "utf8", tmp_path / "coded", "utf-16-be", tabs=tabs)
        for table in TABLES.values():
            path = folder / table.file
            path.write_bytes(b"\xfe\xff" + path.read_bytes())
    else:
        folder = _reencode(tmp_path / "utf8", tmp_path / "coded", encoding, tabs=tabs)
    system = load_system(folder)
    assert system.organisations.name.iloc[0] == NAME
    for name, frame in original.tables().items():
        pd.testing.assert_frame_equal(system.tables()[name], frame)


@pytest.mark.parametrize(("content", "words"), [
    (b"PK\x03\x04" + b"\x00" * 100, "is a workbook (a zip file) with a .csv name: name it .xlsx"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02\x03" * 50, "holds bytes that are not text"),
    ("org_id,name\nx,Caf\u00e9".encode("utf-8").replace(b"\xc3\xa9", b"\x81\x8d"),
     "is not text in an encoding the kit reads"),
])
def test_a_file_that_is_not_text_is_one_problem_in_one_line(tmp_path: Path, content: bytes,
                                                            words: str) -> None:
    folder = _utf8_folder(tmp_path)
    (folder / "organisations.csv").write_bytes(content)
    report = check_system(folder)
    mine = [p for p in report.problems if p.place == "organisations.csv"]
    assert len(mine) == 1
    assert words in mine[0].message and "save it from Excel as 'CSV UTF-8" in mine[0].message
    assert "\n" not in str(mine[0])


def test_a_file_far_too_big_is_refused_before_it_is_read(tmp_path: Path) -> None:
    folder = _utf8_folder(tmp_path)
    with open(folder / "service_lines.csv", "r+b") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk or time
    with pytest.raises(DataError, match=r"service_lines.csv: is 32 MB, far too big for a "
                                        r"system's table \(at most 32 MB\)"):
        load_system(folder)


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_a_table_with_more_rows_than_a_system_has_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    # The limit made small (3 organisations; 8 rows read at most) so the test stays cheap.
    monkeypatch.setitem(TABLES, "organisations",
                        dataclasses.replace(TABLES["organisations"], max_rows=3))
    tables = template_tables()
    orgs = tables["organisations"]
    extra = pd.concat([orgs.iloc[[0]]] * 10, ignore_index=True)
    extra["org_id"] = [f"org_{k}" for k in range(10)]
    tables["organisations"] = pd.concat([orgs, extra], ignore_index=True)
    path = (write_csv(tables, tmp_path / "system") if form == "csv"
            else write_xlsx(tables, tmp_path / "system.xlsx"))
    report = check_system(path)
    (problem,) = [p for p in report.problems if "organisations" in p.place]
    assert problem.message == ("has more than 7 rows; expected at most 3 rows of one row per "
                               "organisation: NHS commissioners and providers, the council, the "
                               "voluntary sector")
    # Three rows are fine.
    tables["organisations"] = tables["organisations"].iloc[:2]
    assert not [p for p in check_system(write_csv(tables, tmp_path / "ok")).problems
                if "organisations" in p.place and "rows" in p.message]
