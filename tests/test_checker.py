"""The checker: every kind of bad template names its place, in CSV and in a workbook.

Each test starts from the invented Northvale system (tables written by the template writer),
breaks one thing, and checks the problem's place: the file or sheet, the row as a
spreadsheet numbers it (header = row 1, so the frame's position + 2) and the column. Then
warnings, the fuzz test, and the command line through a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from systems import BUNDLED, NORTHVALE, ROOT

from casestudy import DataError, Scenario, load_system, run_year
from casestudy.__main__ import main
from casestudy.schema import TABLES
from casestudy.system import Problem, check_system
from casestudy.template import system_tables, template_tables, write_csv, write_xlsx

FORMS = ("csv", "xlsx")
Tables = dict[str, pd.DataFrame]


def northvale_tables() -> Tables:
    return system_tables(load_system(NORTHVALE))


def write(tables: Tables, folder: Path, form: str) -> Path:
    if form == "csv":
        return write_csv(tables, folder / "system")
    return write_xlsx(tables, folder / "system.xlsx")


def place(form: str, table: str) -> str:
    return TABLES[table].file if form == "csv" else f"system.xlsx, sheet '{table}'"


def problems_after(change: Callable[[Tables], None], tmp_path: Path, form: str) -> list[Problem]:
    """Northvale with one change, written in the form; the problems that loading raises."""
    tables = northvale_tables()
    change(tables)
    with pytest.raises(DataError) as raised:
        load_system(write(tables, tmp_path, form))
    return raised.value.problems


def at(problems: list[Problem], where: str, row: int | None, column: str | None,
       words: str) -> Problem:
    """The one problem at this place whose message holds ``words``; fails listing them all."""
    found = [p for p in problems
             if (p.place, p.row, p.column) == (where, row, column) and words in p.message]
    assert len(found) == 1, "\n".join(str(p) for p in problems)
    text = str(found[0])
    prefix = where + (f", row {row}" if row is not None else "")
    prefix += f", column '{column}'" if column else ""
    assert text.startswith(prefix + ": "), text
    return found[0]


def row_of(tables: Tables, table: str, column: str, value: str) -> int:
    """The spreadsheet row of the first row whose ``column`` is ``value``: position + 2."""
    positions = list(tables[table][column]).index(value)
    return positions + 2


# --------------------------------------------------------------------------- one test per kind


@pytest.mark.parametrize("form", FORMS)
def test_missing_column_names_table_header_row_and_column(tmp_path: Path, form: str) -> None:
    problems = problems_after(lambda t: t["service_lines"].pop("unit_price_gbp"), tmp_path, form)
    problem = at(problems, place(form, "service_lines"), 1, "unit_price_gbp", "column is missing")
    assert "expected a column headed 'unit_price_gbp'" in problem.message


@pytest.mark.parametrize("form", FORMS)
def test_renamed_column_is_missing_and_unknown_with_a_suggestion(tmp_path: Path, form: str) -> None:
    def rename(t: Tables) -> None:
        t["schemes"] = t["schemes"].rename(columns={"cost_gbp_m": "cost_gbpm"})

    problems = problems_after(rename, tmp_path, form)
    missing = at(problems, place(form, "schemes"), 1, "cost_gbp_m", "column is missing")
    assert "did you mean 'cost_gbpm'" in missing.message
    at(problems, place(form, "schemes"), 1, "cost_gbpm", "is not a column of this table")


@pytest.mark.parametrize("form", FORMS)
def test_unknown_payer_id_names_the_row_and_the_table_of_ids(tmp_path: Path, form: str) -> None:
    tables = northvale_tables()
    row = row_of(tables, "service_lines", "service", "outpatient")

    def change(t: Tables) -> None:
        t["service_lines"].loc[row - 2, "payer_id"] = "nv_ccg"

    problem = at(problems_after(change, tmp_path, form), place(form, "service_lines"), row,
                 "payer_id", "'nv_ccg' is not an organisation id")
    assert place(form, "organisations") in problem.message
    assert "expected one of" in problem.message and "nv_icb" in problem.message


@pytest.mark.parametrize("form", FORMS)
def test_unknown_scheme_id_in_scheme_effects(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        t["scheme_effects"].loc[3, "scheme_id"] = "no_such_scheme"

    at(problems_after(change, tmp_path, form), place(form, "scheme_effects"), 5, "scheme_id",
       "'no_such_scheme' is not a scheme id")


@pytest.mark.parametrize("form", FORMS)
def test_duplicate_org_id_points_at_the_first(tmp_path: Path, form: str) -> None:
    tables = northvale_tables()
    first = row_of(tables, "organisations", "org_id", "nvh")
    duplicate = row_of(tables, "organisations", "org_id", "nv_together")

    def change(t: Tables) -> None:
        t["organisations"].loc[duplicate - 2, "org_id"] = "nvh"

    problem = at(problems_after(change, tmp_path, form), place(form, "organisations"),
                 duplicate, "org_id", "is a duplicate")
    assert f"duplicate of row {first}" in problem.message


@pytest.mark.parametrize("form", FORMS)
def test_duplicate_row_of_service_lines(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        lines = t["service_lines"]
        t["service_lines"] = pd.concat([lines, lines.iloc[[2]]], ignore_index=True)

    last = len(northvale_tables()["service_lines"]) + 2  # the appended row
    problem = at(problems_after(change, tmp_path, form), place(form, "service_lines"), last,
                 "service", "duplicate of row 4")
    assert "same provider, payer and service" in problem.message


@pytest.mark.parametrize("form", FORMS)
def test_duplicate_scheme_effect(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        effects = t["scheme_effects"]
        t["scheme_effects"] = pd.concat([effects, effects.iloc[[0]]], ignore_index=True)

    last = len(northvale_tables()["scheme_effects"]) + 2
    at(problems_after(change, tmp_path, form), place(form, "scheme_effects"), last, "service",
       "duplicate of row 2")


@pytest.mark.parametrize("form", FORMS)
def test_text_where_a_number_belongs(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        t["service_lines"].loc[4, "planned_activity"] = "lots"

    problem = at(problems_after(change, tmp_path, form), place(form, "service_lines"), 6,
                 "planned_activity", "'lots' is not a number")
    assert problem.message.endswith("expected a number from 0 to 1,000,000,000")


@pytest.mark.parametrize("form", FORMS)
def test_negative_money(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        t["schemes"].loc[0, "cost_gbp_m"] = -1.5

    at(problems_after(change, tmp_path, form), place(form, "schemes"), 2, "cost_gbp_m",
       "-1.5 is negative; expected a number from 0 to 100,000")


@pytest.mark.parametrize("form", FORMS)
def test_missing_value(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        t["organisations"].loc[1, "control_total_gbp_m"] = None

    at(problems_after(change, tmp_path, form), place(form, "organisations"), 3,
       "control_total_gbp_m", "is empty; expected a number")


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("table", "column", "value"), [
    ("schemes", "delivery_probability", 1.5),
    ("organisations", "fixed_share", -0.1),
    ("service_lines", "demand_cv", 2),
])
def test_share_outside_0_1(tmp_path: Path, form: str, table: str, column: str,
                           value: float) -> None:
    tables = northvale_tables()
    position = next(i for i, v in enumerate(tables[table][column]) if v is not None)

    def change(t: Tables) -> None:
        t[table].loc[position, column] = value

    problem = at(problems_after(change, tmp_path, form), place(form, table), position + 2,
                 column, f"{value:g} is")
    assert problem.message.endswith("expected a number from 0 to 1")


@pytest.mark.parametrize("form", FORMS)
def test_cost_shares_not_summing_to_one(tmp_path: Path, form: str) -> None:
    tables = northvale_tables()
    row = row_of(tables, "organisations", "org_id", "nv_care")

    def change(t: Tables) -> None:
        t["organisations"].loc[row - 2, "variable_share"] = 0.5  # 0.10 + 0.25 + 0.5 = 0.85

    problem = at(problems_after(change, tmp_path, form), place(form, "organisations"), row,
                 "fixed_share", "must sum to 1")
    assert "= 0.85" in problem.message


@pytest.mark.parametrize("form", FORMS)
def test_empty_cost_share_of_a_provider(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        t["organisations"].loc[1, "semi_fixed_share"] = None  # nvh has a cost base

    at(problems_after(change, tmp_path, form), place(form, "organisations"), 3,
       "semi_fixed_share", "is empty but the organisation has a cost base")


@pytest.mark.parametrize("form", FORMS)
def test_payer_that_is_not_a_commissioner(tmp_path: Path, form: str) -> None:
    tables = northvale_tables()
    row = row_of(tables, "service_lines", "provider_id", "nv_together")

    def change(t: Tables) -> None:
        t["service_lines"].loc[row - 2, "payer_id"] = "nv_care"

    problem = at(problems_after(change, tmp_path, form), place(form, "service_lines"), row,
                 "payer_id", "'nv_care' is of kind care_provider, not a commissioner")
    assert "expected an organisation of kind commissioner or local_authority" in problem.message


@pytest.mark.parametrize("form", FORMS)
def test_provider_paying_itself(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        t["service_lines"].loc[0, "payer_id"] = t["service_lines"].loc[0, "provider_id"]

    problems = problems_after(change, tmp_path, form)
    at(problems, place(form, "service_lines"), 2, "payer_id", "cannot pay itself")


@pytest.mark.parametrize("form", FORMS)
def test_scheme_effect_on_a_service_line_that_does_not_exist(tmp_path: Path, form: str) -> None:
    tables = northvale_tables()
    row = row_of(tables, "scheme_effects", "provider_id", "riverside_mh")

    def change(t: Tables) -> None:
        t["scheme_effects"].loc[row - 2, "service"] = "elective"

    problem = at(problems_after(change, tmp_path, form), place(form, "scheme_effects"), row,
                 "service", "scheme targets riverside_mh elective")
    assert "does not exist" in problem.message and place(form, "service_lines") in problem.message


@pytest.mark.parametrize("form", FORMS)
def test_choice_not_allowed_suggests_the_nearest(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        t["service_lines"].loc[1, "service"] = "non-elective-care"

    problem = at(problems_after(change, tmp_path, form), place(form, "service_lines"), 3,
                 "service", "'non-elective-care' is not allowed")
    assert "did you mean 'non_elective'" in problem.message
    assert problem.message.endswith("expected one of " + ", ".join(
        TABLES["service_lines"].column("service").choices))


@pytest.mark.parametrize("form", FORMS)
def test_bool_that_is_not_true_or_false(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        t["organisations"].loc[0, "in_nhs_control_total"] = "maybe"

    at(problems_after(change, tmp_path, form), place(form, "organisations"), 2,
       "in_nhs_control_total", "'maybe' is not true or false; expected TRUE or FALSE")


@pytest.mark.parametrize("form", FORMS)
def test_id_with_capitals(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        t["schemes"].loc[0, "scheme_id"] = "Virtual Wards"

    at(problems_after(change, tmp_path, form), place(form, "schemes"), 2, "scheme_id",
       "'Virtual Wards' is not an identifier")


@pytest.mark.parametrize("form", FORMS)
def test_every_problem_is_reported_at_once(tmp_path: Path, form: str) -> None:
    def change(t: Tables) -> None:
        t["organisations"].loc[0, "allocation_gbp_m"] = "seven hundred"
        t["service_lines"].loc[2, "unit_price_gbp"] = -150
        t["schemes"].loc[1, "evidence"] = "anecdotal"
        t["scheme_effects"].loc[0, "activity_change"] = None

    problems = problems_after(change, tmp_path, form)
    at(problems, place(form, "organisations"), 2, "allocation_gbp_m", "is not a number")
    at(problems, place(form, "service_lines"), 4, "unit_price_gbp", "is negative")
    at(problems, place(form, "schemes"), 3, "evidence", "'anecdotal' is not allowed")
    at(problems, place(form, "scheme_effects"), 2, "activity_change", "is empty")
    assert len(problems) == 4


def test_missing_csv_file_and_missing_sheet(tmp_path: Path) -> None:
    folder = write_csv(northvale_tables(), tmp_path / "system")
    (folder / "schemes.csv").unlink()
    problems = check_system(folder).problems
    assert any(str(p).startswith("schemes.csv: missing from") for p in problems)

    tables = northvale_tables()
    del tables["scheme_effects"]
    book = write_xlsx(tables, tmp_path / "system.xlsx")
    problems = check_system(book).problems
    assert [str(p) for p in problems] == [
        ("system.xlsx: has no sheet named 'scheme_effects'; expected sheets 'organisations', "
         "'service_lines', 'schemes', 'scheme_effects'")]


def test_a_missing_table_does_not_hide_problems_in_the_others(tmp_path: Path) -> None:
    tables = northvale_tables()
    tables["schemes"].loc[0, "cost_gbp_m"] = "a lot"
    folder = write_csv(tables, tmp_path / "system")
    (folder / "scheme_effects.csv").unlink()
    problems = [str(p) for p in check_system(folder).problems]
    assert any(p.startswith("scheme_effects.csv: missing") for p in problems)
    assert any(p.startswith("schemes.csv, row 2, column 'cost_gbp_m': 'a lot'") for p in problems)


def test_no_such_path_and_wrong_kind_of_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file or folder"):
        load_system(tmp_path / "nowhere")
    lone = tmp_path / "organisations.csv"
    lone.write_text("org_id\n")
    with pytest.raises(DataError, match="neither a folder of CSV files nor a .xlsx"):
        load_system(lone)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(DataError, match="broken.xlsx: cannot be read as a workbook"):
        load_system(broken)


# --------------------------------------------------------------------------- rows as Excel counts


def test_csv_rows_count_blank_lines_and_quoted_line_breaks(tmp_path: Path) -> None:
    """Row numbers are what a spreadsheet shows: blank lines count, a quoted line break not."""
    folder = write_csv(northvale_tables(), tmp_path / "system")
    orgs = folder / "organisations.csv"
    lines = orgs.read_text().splitlines()
    # Row 2 gets a name with a line break; a blank line becomes row 4; nvh (was row 3) stays
    # row 3, and the row after the blank (was row 4) becomes row 5.
    first = lines[1].split(",")
    first[1] = '"Northvale\nICB"'
    lines[1] = ",".join(first)
    lines.insert(3, "")
    fourth = lines[4].split(",")
    fourth[4] = "lots"  # allocation_gbp_m of nv_community
    lines[4] = ",".join(fourth)
    orgs.write_text("\n".join(lines) + "\n")
    problems = check_system(folder).problems
    at(list(problems), "organisations.csv", 5, "allocation_gbp_m", "'lots' is not a number")


def test_workbook_rows_count_blank_rows(tmp_path: Path) -> None:
    import openpyxl

    book = write_xlsx(northvale_tables(), tmp_path / "system.xlsx")
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["schemes"]
    sheet.insert_rows(3, amount=2)  # two blank rows after the first scheme
    sheet.cell(row=5, column=5).value = "plenty"  # the second scheme's cost, now on row 5
    workbook.save(book)
    at(list(check_system(book).problems), "system.xlsx, sheet 'schemes'", 5, "cost_gbp_m",
       "'plenty' is not a number")


def test_forgiving_about_what_excel_writes(tmp_path: Path) -> None:
    """A byte-order mark, semicolons, 35%, £2,100, 'Acute' and ' TRUE ' all read as meant."""
    tables = northvale_tables()
    folder = write_csv(tables, tmp_path / "system")
    orgs = (folder / "organisations.csv").read_text()
    orgs = orgs.replace(",acute,TRUE,0,0,420,0.38,", ",Acute, TRUE ,0,0,420,38%,")
    (folder / "organisations.csv").write_bytes(("\ufeff" + orgs.replace(",", ";")).encode())
    lines = (folder / "service_lines.csv").read_text()
    lines = lines.replace("nvh,nv_icb,elective,42000,2100,", 'nvh,nv_icb,elective,42000,"£2,100",')
    (folder / "service_lines.csv").write_text(lines)
    system = load_system(folder)
    assert system.organisations.loc["nvh", "kind"] == "acute"
    assert system.organisations.loc["nvh", "fixed_share"] == pytest.approx(0.38)
    assert system.service_lines.unit_price_gbp[0] == 2100
    assert system.organisations.in_nhs_control_total["nvh"]


def test_percent_is_refused_where_the_unit_is_not_a_fraction(tmp_path: Path) -> None:
    def change(t: Tables) -> None:
        t["schemes"].loc[0, "cost_gbp_m"] = "5%"

    at(problems_after(change, tmp_path, "csv"), "schemes.csv", 2, "cost_gbp_m",
       "'5%' is a percentage but this column is in £ million")


# --------------------------------------------------------------------------- warnings


def warnings_after(change: Callable[[Tables], None], tmp_path: Path) -> list[Problem]:
    tables = northvale_tables()
    change(tables)
    report = check_system(write_csv(tables, tmp_path / "system"))
    assert report.ok, [str(p) for p in report.problems]
    assert report.system is not None
    assert report.system.warnings == tuple(str(w) for w in report.warnings)
    return list(report.warnings)


def test_shipped_systems_and_template_have_no_warnings() -> None:
    for path in (BUNDLED, NORTHVALE, ROOT / "data" / "template", ROOT / "data" / "template.xlsx"):
        assert load_system(path).warnings == (), path


def test_warning_organisation_with_no_service_lines(tmp_path: Path) -> None:
    def change(t: Tables) -> None:
        orgs = t["organisations"]
        extra = orgs[orgs.org_id == "nv_together"].assign(org_id="hospice", name="Hospice")
        t["organisations"] = pd.concat([orgs, extra], ignore_index=True)

    row = len(northvale_tables()["organisations"]) + 2
    warning = at(warnings_after(change, tmp_path), "organisations.csv", row, "org_id",
                 "hospice has no service lines")
    assert "does not move with activity" in warning.message


def test_warning_price_far_from_the_bundled_median(tmp_path: Path) -> None:
    # The yardstick, read here straight from the bundled CSV: the median non-elective price.
    bundled = pd.read_csv(BUNDLED / "service_lines.csv")
    median = bundled[bundled.service == "non_elective"].unit_price_gbp.median()
    row = row_of(northvale_tables(), "service_lines", "service", "non_elective")

    def price(value: float) -> Callable[[Tables], None]:
        def change(t: Tables) -> None:
            t["service_lines"].loc[row - 2, "unit_price_gbp"] = value
        return change

    assert warnings_after(price(median * 2.9), tmp_path / "a") == []
    assert warnings_after(price(median / 2.9), tmp_path / "b") == []
    for value in (median * 3.1, median / 3.1, median * 1000):
        warning = at(warnings_after(price(value), tmp_path / str(value)), "service_lines.csv",
                     row, "unit_price_gbp", "is far from the median non_elective price")
        assert f"£{median:,.0f}" in warning.message


def test_warning_cost_shares_without_a_cost_base(tmp_path: Path) -> None:
    def change(t: Tables) -> None:
        t["organisations"].loc[0, "fixed_share"] = 0.3  # the ICB has no cost base

    at(warnings_after(change, tmp_path), "organisations.csv", 2, "fixed_share",
       "cost shares are filled in but the organisation has no cost base")


def test_warning_control_total_beyond_a_tenth_of_turnover(tmp_path: Path) -> None:
    # The ICB's turnover is its allocation, £700m: a tenth is £70m.
    def control(value: float) -> Callable[[Tables], None]:
        def change(t: Tables) -> None:
            t["organisations"].loc[0, "control_total_gbp_m"] = value
        return change

    assert warnings_after(control(-69.0), tmp_path / "a") == []
    warning = at(warnings_after(control(-71.0), tmp_path / "b"), "organisations.csv", 2,
                 "control_total_gbp_m", "more than 10% of the organisation's turnover")
    assert "£700m" in warning.message


def test_warnings_come_with_problems_in_reading_order(tmp_path: Path) -> None:
    """One run shows everything: problems sorted by table then row, and the warnings too."""
    tables = northvale_tables()
    tables["scheme_effects"].loc[0, "activity_change"] = "less"
    tables["service_lines"].loc[5, "planned_activity"] = -1
    tables["service_lines"].loc[1, "unit_price_gbp"] = 28  # pounds typed as hundreds
    tables["organisations"].loc[2, "kind"] = "trust"
    report = check_system(write_csv(tables, tmp_path / "system"))
    assert [(p.place, p.row) for p in report.problems] == [
        ("organisations.csv", 4), ("service_lines.csv", 7), ("scheme_effects.csv", 2)]
    assert [(w.place, w.row, w.column) for w in report.warnings] == [
        ("service_lines.csv", 3, "unit_price_gbp")]
    assert report.system is None


def test_warning_provider_without_a_cost_base(tmp_path: Path) -> None:
    def change(t: Tables) -> None:
        orgs = t["organisations"]
        orgs.loc[orgs.org_id == "nv_together", ["cost_base_gbp_m", "fixed_share",
                                                "semi_fixed_share", "variable_share"]] = 0.0

    row = row_of(northvale_tables(), "organisations", "org_id", "nv_together")
    at(warnings_after(change, tmp_path), "organisations.csv", row, "cost_base_gbp_m",
       "provides service lines but has no cost base")


# --------------------------------------------------------------------------- fuzz

CELL_VALUES = st.one_of(
    st.sampled_from(["", " ", "-1", "-0.5", "1e400", "9e300", "nan", "inf", "TRUE", "no",
                     "unknown_id", "nvh", "icb", "acute_a", "acute", "elective", "35%", "£1,234",
                     "1,234", "=1+1", "0", "1", "2", "0.25", "Acute", "x,y", '"']),
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=8),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10**20, max_value=10**20),
    st.booleans(),
    st.none(),
)
HEADERS = st.one_of(st.sampled_from([c.name for t in TABLES.values() for c in t.columns]),
                    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")),
                            max_size=8))
MUTATION = st.one_of(
    st.tuples(st.just("delete_column"), st.sampled_from(list(TABLES)), st.integers(0, 99)),
    st.tuples(st.just("rename_column"), st.sampled_from(list(TABLES)), st.integers(0, 99),
              HEADERS),
    st.tuples(st.just("set_cell"), st.sampled_from(list(TABLES)), st.integers(0, 99),
              st.integers(0, 99), CELL_VALUES),
    st.tuples(st.just("drop_row"), st.sampled_from(list(TABLES)), st.integers(0, 99)),
    st.tuples(st.just("duplicate_row"), st.sampled_from(list(TABLES)), st.integers(0, 99)),
)
BASES = {"template": template_tables, "northvale": northvale_tables}


def mutate(tables: Tables, mutation: tuple) -> None:
    """Apply one mutation; indices wrap round the table's size."""
    kind, name = mutation[0], mutation[1]
    frame = tables[name]
    if kind in ("delete_column", "rename_column", "set_cell") and frame.shape[1] == 0:
        return
    if kind == "delete_column":
        tables[name] = frame.drop(columns=frame.columns[mutation[2] % frame.shape[1]])
    elif kind == "rename_column":
        columns = list(frame.columns)
        columns[mutation[2] % len(columns)] = mutation[3]
        frame.columns = columns
    elif kind == "set_cell" and len(frame):
        frame.iat[mutation[2] % len(frame), mutation[3] % frame.shape[1]] = mutation[4]
    elif kind == "drop_row" and len(frame):
        tables[name] = frame.drop(index=frame.index[mutation[2] % len(frame)])
    elif kind == "duplicate_row" and len(frame):
        tables[name] = pd.concat([frame, frame.iloc[[mutation[2] % len(frame)]]],
                                 ignore_index=True)


def excel_safe(tables: Tables) -> Tables:
    """An Excel cell cannot hold inf or nan: a user would have typed them as text."""
    def cell(v: object) -> object:
        return str(v) if isinstance(v, float) and not np.isfinite(v) else v
    return {name: frame.map(cell) for name, frame in tables.items()}


def load_or_data_error(path: Path) -> None:
    """Loading succeeds (and the engine runs) or raises DataError; nothing else."""
    try:
        system = load_system(path)
    except DataError as error:
        assert error.problems
        assert all(isinstance(p, Problem) and p.place and str(p) for p in error.problems)
        return
    with np.errstate(all="ignore"):
        run_year(system, Scenario.preset("fixed_income"))


FUZZ = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(base=st.sampled_from(list(BASES)), mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_fuzz_csv_loads_or_raises_data_error(base: str, mutations: list[tuple]) -> None:
    tables = BASES[base]()
    for mutation in mutations:
        mutate(tables, mutation)
    with tempfile.TemporaryDirectory() as tmp:
        load_or_data_error(write_csv(tables, Path(tmp) / "system"))


@settings(FUZZ, max_examples=25)
@given(base=st.sampled_from(list(BASES)), mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_fuzz_workbook_loads_or_raises_data_error(base: str, mutations: list[tuple]) -> None:
    tables = BASES[base]()
    for mutation in mutations:
        mutate(tables, mutation)
    with tempfile.TemporaryDirectory() as tmp:
        load_or_data_error(write_xlsx(excel_safe(tables), Path(tmp) / "system.xlsx"))


@pytest.mark.parametrize("table", list(TABLES))
def test_every_required_column_deleted_is_named(tmp_path: Path, table: str) -> None:
    """Exhaustive over the template's columns: deleting a required one names it, row 1."""
    for col in TABLES[table].columns:
        tables = template_tables()
        tables[table] = tables[table].drop(columns=col.name)
        report = check_system(write_csv(tables, tmp_path / f"{table}_{col.name}"))
        named = [p for p in report.problems
                 if (p.place, p.row, p.column) == (TABLES[table].file, 1, col.name)]
        if col.required:
            assert len(named) == 1 and "column is missing" in named[0].message, col.name
        else:
            assert not named, col.name


@pytest.mark.parametrize("value", ["", "text", "-5", "1e400", "nope_id"])
def test_every_cell_of_the_template_broken_loads_or_names_its_cell(tmp_path: Path,
                                                                    value: str) -> None:
    """Exhaustive over the template's cells: each bad value either loads or names the cell."""
    for name, table in TABLES.items():
        for col in table.columns:
            tables = template_tables()
            tables[name].loc[0, col.name] = value
            report = check_system(write_csv(tables, tmp_path / f"{value or 'blank'}_{name}_{col.name}"))
            if report.ok:
                continue
            cells = {(p.place, p.row, p.column) for p in report.problems}
            # The cell itself, or (for a valid-looking id that names nothing) a row that refers
            # to it: never a problem without a place.
            assert all(p.place for p in report.problems)
            if col.kind in ("number", "share", "bool", "choice") and value != "":
                assert (table.file, 2, col.name) in cells, (col.name, value, cells)


# --------------------------------------------------------------------------- choosing the system


def test_load_system_reads_casestudy_system(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("CASESTUDY_SYSTEM", str(NORTHVALE))
    assert "nvh" in load_system().organisations.index
    # A relative path works from another folder too: it is looked up in the kit's folder.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CASESTUDY_SYSTEM", "data/examples/northvale")
    assert load_system().name == "northvale"
    monkeypatch.setenv("CASESTUDY_SYSTEM", str(write_xlsx(northvale_tables(),
                                                          tmp_path / "mine.xlsx")))
    assert load_system().name == "mine"
    monkeypatch.setenv("CASESTUDY_SYSTEM", str(tmp_path / "missing"))
    with pytest.raises(DataError, match="missing: no such file or folder"):
        load_system()
    monkeypatch.delenv("CASESTUDY_SYSTEM")
    assert "bthft" in load_system().organisations.index


# --------------------------------------------------------------------------- the command line
# A few runs through a real subprocess (the entry point, exit codes, output); the rest call
# ``main`` in this process, which is the same code without a second interpreter's start-up.


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m casestudy ARGS`` in the kit's folder; no CASESTUDY_SYSTEM unless given."""
    full_env = {k: v for k, v in os.environ.items() if k != "CASESTUDY_SYSTEM"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "casestudy", *args], capture_output=True,
                          check=False, text=True, encoding="utf-8", cwd=ROOT, env=full_env,
                          timeout=300)


def run_main(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_check_a_good_system_exits_0() -> None:
    done = run_cli("check", str(NORTHVALE))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "No problems: the system loads." in out
    assert "No warnings." in out
    orgs = load_system(NORTHVALE).organisations
    # Organisations by kind, counted here from the data.
    for kind, n in orgs.kind.value_counts().items():
        assert f"{n} {kind}" in out
    assert f"Organisations: {len(orgs)} (" in out
    for org in orgs.index:
        assert f"    {org} " in out
    assert out.index("No problems") < out.index("No warnings") < out.index("Summary of")


@pytest.mark.parametrize("form", FORMS)
def test_cli_check_a_bad_system_exits_1_naming_the_places(tmp_path: Path, form: str) -> None:
    tables = northvale_tables()
    tables["service_lines"].loc[4, "payer_id"] = "nvh"  # nv_community's community line
    tables["schemes"].loc[0, "cost_gbp_m"] = "two"
    done = run_cli("check", str(write(tables, tmp_path, form)))
    assert done.returncode == 1
    assert "2 problems: the system does not load" in done.stdout
    assert (f"{place(form, 'service_lines')}, row 6, column 'payer_id': 'nvh' is of kind "
            "acute, not a commissioner") in done.stdout
    assert f"{place(form, 'schemes')}, row 2, column 'cost_gbp_m': 'two' is not a number" \
        in done.stdout
    assert "Summary of" not in done.stdout


def test_cli_help_and_usage_errors() -> None:
    done = run_cli("--help")
    assert done.returncode == 0
    assert "check" in done.stdout and "template" in done.stdout
    done = run_cli("frobnicate")
    assert done.returncode == 2  # argparse's code for a usage error
    assert "invalid choice" in done.stderr


def test_check_help_names_the_default(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check", "--help"])
    assert exited.value.code == 0
    assert "CASESTUDY_SYSTEM" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2


def test_check_prints_warnings_and_still_exits_0(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    tables = northvale_tables()
    tables["organisations"].loc[0, "control_total_gbp_m"] = -100.0
    code, out, _ = run_main(capsys, "check", str(write_csv(tables, tmp_path / "system")))
    assert code == 0
    assert "1 warning(s)" in out
    assert "organisations.csv, row 2, column 'control_total_gbp_m'" in out
    assert out.index("warning(s)") < out.index("Summary of")


def test_check_defaults_to_casestudy_system(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("CASESTUDY_SYSTEM", str(NORTHVALE))
    code, out, _ = run_main(capsys, "check")
    assert code == 0
    assert "Summary of 'northvale'" in out
    monkeypatch.setenv("CASESTUDY_SYSTEM", "/no/such/system")
    code, out, _ = run_main(capsys, "check")
    assert code == 1
    assert "/no/such/system: no such file or folder" in out


def test_template_writes_a_workbook_and_a_folder_that_load(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    book = tmp_path / "mine.xlsx"
    code, out, _ = run_main(capsys, "template", str(book))
    assert code == 0
    assert f"python -m casestudy check {book}" in out
    assert list(load_system(book).organisations.index) == [
        row["org_id"] for row in TABLES["organisations"].example_rows()]
    code, _, err = run_main(capsys, "template", str(book))
    assert code == 1 and "--force" in err
    assert run_main(capsys, "template", str(book), "--force")[0] == 0

    folder = tmp_path / "from_northvale"
    code, _, _ = run_main(capsys, "template", str(folder), "--from", str(NORTHVALE))
    assert code == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(t.file for t in TABLES.values())
    pd.testing.assert_frame_equal(load_system(folder).service_lines,
                                  load_system(NORTHVALE).service_lines)
    code, _, err = run_main(capsys, "template", str(tmp_path / "x.xlsx"), "--from",
                            str(tmp_path / "nowhere"))
    assert code == 1 and "no such file or folder" in err
