"""Loading a system: the bundled one loads; each kind of bad data is reported with its place.

Rows are numbered as a spreadsheet numbers them: the header is row 1, so the first data row
(index 0 in the tables of tests/conftest.py) is row 2.
"""

from __future__ import annotations

import numpy as np
import pytest
from tiny import write_tables

from casestudy import DataError, System, load_system
from casestudy.schema import COST_SHARES, TABLES


def load_error(tmp_path, tables) -> DataError:
    with pytest.raises(DataError) as caught:
        load_system(write_tables(tmp_path, tables))
    return caught.value


def assert_reported(error: DataError, file: str, row: int | None, column: str | None,
                    *words: str) -> None:
    """One line of the message names the file, the row and the column (and the words)."""
    lines = str(error).splitlines()
    wanted = [file] + ([f"row {row}"] if row is not None else []) + (
        [f"column '{column}'"] if column else []) + list(words)
    matching = [line for line in lines if all(w in line for w in wanted)]
    assert matching, f"no line naming {wanted} in:\n{error}"


# --------------------------------------------------------------------------- good data


def test_the_bundled_system_loads(bundled_system):
    orgs = bundled_system.organisations
    assert isinstance(bundled_system, System)
    assert {"commissioner", "acute", "local_authority", "voluntary"} <= set(orgs.kind)
    assert len(bundled_system.schemes) >= 8
    providers = orgs[orgs.cost_base_gbp_m > 0]
    np.testing.assert_allclose(providers[list(COST_SHARES)].sum(axis=1), 1.0)
    assert set(bundled_system.service_lines.payer_id) <= set(
        bundled_system.ids_of_kind("commissioner", "local_authority"))


def test_the_tiny_system_loads_with_its_figures(tiny_system):
    assert tiny_system.org_name("acute") == "Acute"
    assert tiny_system.ids_of_kind("commissioner") == ["ccg_a", "ccg_b"]
    assert tiny_system.organisations.loc["acute", "cost_base_gbp_m"] == 80.0
    assert bool(tiny_system.organisations.loc["council", "in_nhs_control_total"]) is False
    a = tiny_system.arrays
    np.testing.assert_allclose(a.line_planned, [11_000, 20_000, 10_000, 100_000, 1_000, 400])
    # A scheme's effect on a provider's service reaches every payer's line of it.
    np.testing.assert_allclose(a.scheme_effect[0], [0, -0.1, -0.1, 0, 0, 0])


def test_systems_compare_by_identity(tiny_system, bundled_system):
    same = tiny_system
    assert same == tiny_system and tiny_system != bundled_system
    assert hash(tiny_system) == id(tiny_system)


def test_load_system_reads_the_environment_variable(tmp_path, monkeypatch, tiny_tables):
    write_tables(tmp_path, tiny_tables)
    monkeypatch.setenv("CASESTUDY_SYSTEM", str(tmp_path))
    assert list(load_system().organisations.index) == [r["org_id"] for r in
                                                        tiny_tables["organisations"]]


def test_a_workbook_loads_like_the_folder(tmp_path, tiny_tables):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("openpyxl")
    book = tmp_path / "tiny.xlsx"
    with pd.ExcelWriter(book) as writer:
        for name, rows in tiny_tables.items():
            pd.DataFrame(rows).to_excel(writer, sheet_name=name, index=False)
    system = load_system(book)
    np.testing.assert_allclose(system.arrays.line_planned,
                               [11_000, 20_000, 10_000, 100_000, 1_000, 400])


# --------------------------------------------------------------------------- each kind of problem


def test_missing_column(tmp_path, tiny_tables):
    for row in tiny_tables["service_lines"]:
        del row["unit_price_gbp"]
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "service_lines.csv", 1, "unit_price_gbp", "missing")


@pytest.mark.parametrize(("table", "index", "column", "file"), [
    ("service_lines", 2, "provider_id", "service_lines.csv"),
    ("service_lines", 4, "payer_id", "service_lines.csv"),
    ("schemes", 1, "funder_id", "schemes.csv"),
    ("schemes", 0, "deliverer_id", "schemes.csv"),
    ("scheme_effects", 1, "scheme_id", "scheme_effects.csv"),
    ("scheme_effects", 0, "provider_id", "scheme_effects.csv"),
])
def test_unknown_id(tmp_path, tiny_tables, table, index, column, file):
    tiny_tables[table][index][column] = "nobody"
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, file, index + 2, column, "'nobody'")


@pytest.mark.parametrize(("table", "key", "file"), [
    ("organisations", "org_id", "organisations.csv"),
    ("schemes", "scheme_id", "schemes.csv"),
])
def test_duplicate_id(tmp_path, tiny_tables, table, key, file):
    tiny_tables[table][1][key] = tiny_tables[table][0][key]
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, file, 3, key, "duplicate", "row 2")


def test_negative_activity(tmp_path, tiny_tables):
    tiny_tables["service_lines"][3]["planned_activity"] = -100
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "service_lines.csv", 5, "planned_activity", "negative")


@pytest.mark.parametrize("column", ["unit_price_gbp", "planned_activity"])
def test_missing_price_or_activity(tmp_path, tiny_tables, column):
    tiny_tables["service_lines"][1][column] = ""
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "service_lines.csv", 3, column, "empty")


@pytest.mark.parametrize(("table", "index", "column", "file"), [
    ("organisations", 2, "cost_base_gbp_m", "organisations.csv"),
    ("service_lines", 0, "unit_price_gbp", "service_lines.csv"),
    ("schemes", 1, "cost_gbp_m", "schemes.csv"),
    ("scheme_effects", 0, "activity_change", "scheme_effects.csv"),
])
def test_text_in_a_number_column(tmp_path, tiny_tables, table, index, column, file):
    tiny_tables[table][index][column] = "lots"
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, file, index + 2, column, "'lots' is not a number")


def test_cost_shares_not_summing_to_one(tmp_path, tiny_tables):
    tiny_tables["organisations"][2]["variable_share"] = 0.3  # 0.5 + 0.3 + 0.3 = 1.1
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "organisations.csv", 4, "fixed_share", "1.1", "sum to 1")


def test_blank_cost_shares_for_an_organisation_with_a_cost_base(tmp_path, tiny_tables):
    tiny_tables["organisations"][3]["semi_fixed_share"] = ""
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "organisations.csv", 5, "semi_fixed_share", "empty")


def test_a_payer_that_is_not_a_commissioner(tmp_path, tiny_tables):
    tiny_tables["service_lines"][3]["payer_id"] = "acute"  # the acute trust buying community care
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "service_lines.csv", 5, "payer_id", "'acute'", "not a commissioner")


def test_an_organisation_paying_itself(tmp_path, tiny_tables):
    tiny_tables["service_lines"][4]["provider_id"] = "council"
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "service_lines.csv", 6, "payer_id", "cannot pay itself")


def test_a_scheme_effect_on_a_service_line_that_does_not_exist(tmp_path, tiny_tables):
    tiny_tables["scheme_effects"][1]["service"] = "a_and_e"  # the acute trust has no A&E line
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "scheme_effects.csv", 3, "service", "acute a_and_e", "does not exist")


@pytest.mark.parametrize(("table", "index", "column", "value", "words"), [
    ("organisations", 0, "kind", "hospital", "'hospital' is not allowed"),
    ("organisations", 1, "in_nhs_control_total", "maybe", "'maybe' is not true or false"),
    ("organisations", 1, "org_id", "CCG B!", "not an identifier"),
    ("service_lines", 0, "demand_growth", 0.9, "out of range"),
    ("service_lines", 0, "unit_price_gbp", "inf", "not finite"),
    ("schemes", 0, "delivery_probability", 1.5, "out of range"),
])
def test_cells_of_the_wrong_kind(tmp_path, tiny_tables, table, index, column, value, words):
    tiny_tables[table][index][column] = value
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, TABLES[table].file, index + 2, column, words)


def test_a_duplicate_service_line(tmp_path, tiny_tables):
    tiny_tables["service_lines"].append(dict(tiny_tables["service_lines"][1]))
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "service_lines.csv", 8, "service", "duplicate of row 3")


def test_an_unknown_column(tmp_path, tiny_tables):
    tiny_tables["schemes"][0]["colour"] = "blue"
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "schemes.csv", 1, "colour", "not a column")


def test_a_missing_file_and_a_missing_folder(tmp_path, tiny_tables):
    write_tables(tmp_path, tiny_tables)
    (tmp_path / "schemes.csv").unlink()
    with pytest.raises(DataError, match="schemes.csv.*missing"):
        load_system(tmp_path)
    with pytest.raises(DataError, match="no such file or folder"):
        load_system(tmp_path / "nowhere")


def test_a_system_without_a_commissioner(tmp_path, tiny_tables):
    tiny_tables["organisations"] = [o for o in tiny_tables["organisations"]
                                    if o["kind"] not in ("commissioner", "local_authority")]
    tiny_tables["service_lines"] = []
    tiny_tables["schemes"] = tiny_tables["scheme_effects"] = []
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "organisations.csv", None, "kind", "no commissioner")
    assert_reported(error, "service_lines.csv", None, None, "no service lines")


def test_every_problem_is_reported_at_once(tmp_path, tiny_tables):
    tiny_tables["organisations"][2]["variable_share"] = 0.3
    tiny_tables["organisations"][5]["org_id"] = "ccg_a"
    tiny_tables["service_lines"][0]["planned_activity"] = -1
    tiny_tables["service_lines"][1]["unit_price_gbp"] = ""
    tiny_tables["service_lines"][3]["payer_id"] = "comm"
    tiny_tables["schemes"][0]["funder_id"] = "nobody"
    tiny_tables["scheme_effects"][1]["service"] = "a_and_e"
    error = load_error(tmp_path, tiny_tables)
    assert_reported(error, "organisations.csv", 4, "fixed_share", "sum to 1")
    assert_reported(error, "organisations.csv", 7, "org_id", "duplicate")
    assert_reported(error, "service_lines.csv", 2, "planned_activity", "negative")
    assert_reported(error, "service_lines.csv", 3, "unit_price_gbp", "empty")
    assert_reported(error, "service_lines.csv", 5, "payer_id", "not a commissioner")
    assert_reported(error, "schemes.csv", 2, "funder_id", "'nobody'")
    assert_reported(error, "scheme_effects.csv", 3, "service", "does not exist")
    assert len(error.problems) >= 7
    assert str(error).startswith(f"{len(error.problems)} problem(s)")


def test_row_numbers_count_blank_lines_as_a_spreadsheet_does(tmp_path, tiny_tables):
    tiny_tables["service_lines"][3]["planned_activity"] = -100
    write_tables(tmp_path, tiny_tables)
    path = tmp_path / "service_lines.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:2] + ["\n"] + lines[2:]))  # a blank row 3
    with pytest.raises(DataError) as caught:
        load_system(tmp_path)
    assert_reported(caught.value, "service_lines.csv", 6, "planned_activity", "negative")


# --------------------------------------------------------------------------- roles


def test_largest_and_main_payer_on_the_tiny_system(tiny_system):
    # Cost bases: acute 80, comm 20, vcs 7, the rest 0.
    assert tiny_system.largest("acute") == "acute"
    assert tiny_system.largest() == "acute"
    assert tiny_system.largest("community_mental_health", "voluntary") == "comm"
    assert tiny_system.largest("primary_care") is None
    # ccg_a pays the acute trust 10 + 40 = £50m at baseline, ccg_b 20: ccg_a overall; for
    # electives only ccg_a buys; the community line is ccg_b's alone; nobody buys the acute
    # trust's community care.
    assert tiny_system.main_payer("acute") == "ccg_a"
    assert tiny_system.main_payer("acute", service="elective") == "ccg_a"
    assert tiny_system.main_payer("comm") == "ccg_b"
    assert tiny_system.main_payer("acute", service="community") is None
    assert tiny_system.main_payer(None) is None
    # vcs: the council pays £5m, ccg_a £2m; among commissioners ccg_a is the main payer.
    assert tiny_system.main_payer("vcs", kind="local_authority") == "council"
    assert tiny_system.main_payer("vcs") == "ccg_a"
    assert tiny_system.trust_and_payer() == ("acute", "ccg_a")
