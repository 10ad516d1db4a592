"""data/README.md must describe the data and the scenario as they are.

Each check returns a list of problems (empty when the README and the data agree), so a
failure names every drift at once, and the last tests show that each check does fail when
the README is changed.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, fields
from pathlib import Path

import pytest

import casestudy as cs
from casestudy.engine import OVERLOAD_ELASTICITY
from casestudy.scenario import PRESET_INFO, Scenario
from casestudy.schema import TABLES

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "data" / "README.md"
DATA = ROOT / "data" / "bradford"
KEY = re.compile(r"\bR\d+[a-z]?\b")
# Columns whose value is listed for every organisation, zero or not.
ALWAYS_LISTED = ("in_nhs_control_total", "control_total_gbp_m", "incentive_fund_gbp_m")


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, kw_only=True)
class MarkdownTable:
    section: str  # the "## " heading it sits under
    subsection: str  # the "### " heading it sits under ("" if none)
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]


def _cells(line: str) -> list[str]:
    inner = line.strip().strip("|")
    return [c.strip().replace("\\|", "|").strip("`").strip() for c in re.split(r"(?<!\\)\|", inner)]


def tables_in(text: str) -> list[MarkdownTable]:
    """Every pipe table in the text, with the headings it sits under."""
    found, section, subsection = [], "", ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section, subsection = line[3:].strip(), ""
        elif line.startswith("### "):
            subsection = line[4:].strip().strip("`")
        elif (
            line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-| :]+\|$", lines[i + 1])
        ):
            header = tuple(_cells(line))
            body = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                body.append(dict(zip(header, _cells(lines[i]), strict=True)))
                i += 1
            found.append(
                MarkdownTable(
                    section=section, subsection=subsection, header=header, rows=tuple(body)
                )
            )
            continue
        i += 1
    return found


def table_with(
    text: str, first_columns: tuple[str, ...], section: str = ""
) -> MarkdownTable | None:
    """The first table whose header starts with these columns (under a section, if given)."""
    for t in tables_in(text):
        if t.header[: len(first_columns)] == first_columns and section in t.section:
            return t
    return None


def split_sources(text: str) -> tuple[str, str]:
    """(everything before the Sources section, the Sources section)."""
    parts = re.split(r"^## Sources\s*$", text, maxsplit=1, flags=re.MULTILINE)
    return (parts[0], parts[1]) if len(parts) == 2 else (text, "")


def csv_rows(name: str) -> list[dict[str, str]]:
    with open(DATA / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def same_value(readme: str, data: str) -> bool:
    """Numbers compare as numbers (0.40 == 0.4), anything else as text."""
    try:
        return math.isclose(float(readme), float(data), rel_tol=0, abs_tol=1e-12)
    except ValueError:
        return readme.strip().lower() == data.strip().lower()


def is_zero_or_blank(value: str) -> bool:
    if value.strip() == "":
        return True
    try:
        return float(value) == 0.0
    except ValueError:
        return False


# --------------------------------------------------------------------------- checks


def column_problems(text: str) -> list[str]:
    """Every column of schema.py is in its table's dictionary, with its unit."""
    out = []
    for table in TABLES.values():
        found = next(
            (
                t
                for t in tables_in(text)
                if t.header[:3] == ("column", "kind", "unit") and t.subsection == table.file
            ),
            None,
        )
        if found is None:
            out.append(f"no column dictionary for {table.file}")
            continue
        listed = {r["column"]: r for r in found.rows}
        for column in table.columns:
            row = listed.pop(column.name, None)
            if row is None:
                out.append(f"{table.file}: column {column.name} missing")
            elif row["unit"] != (column.unit or "-"):
                out.append(
                    f"{table.file}: {column.name} unit {row['unit']!r}, schema {column.unit!r}"
                )
            elif row["allowed values"] != column.allowed():
                out.append(f"{table.file}: {column.name} allows {row['allowed values']!r}, "
                           f"schema {column.allowed()!r}")
        out += [f"{table.file}: column {name} is not in schema.py" for name in listed]
    return out


def scenario_problems(text: str) -> list[str]:
    """Every Scenario field is in the defaults table, with its current default."""
    found = table_with(text, ("field", "label", "default"), section="Scenario defaults")
    if found is None:
        return ["no Scenario defaults table"]
    listed = {r["field"]: r for r in found.rows}
    out = []
    for f in fields(Scenario):
        row = listed.pop(f.name, None)
        if row is None:
            out.append(f"Scenario field {f.name} missing")
            continue
        if row["label"] != f.metadata["label"]:
            out.append(f"{f.name}: label {row['label']!r}, field says {f.metadata['label']!r}")
        default = f.default
        if isinstance(default, bool):
            ok = row["default"] == str(default).lower()
        elif isinstance(default, (int, float)):
            ok = same_value(row["default"].replace(",", ""), str(default))
        elif isinstance(default, tuple):
            ok = (row["default"] == "none") == (default == ())
        else:
            ok = row["default"] == str(default)
        if not ok:
            out.append(f"{f.name}: README default {row['default']!r}, field default {default!r}")
    out += [f"{name} is not a Scenario field" for name in listed]
    return out


def id_problems(text: str) -> list[str]:
    out = [
        f"org_id {r['org_id']} not mentioned"
        for r in csv_rows("organisations")
        if f"`{r['org_id']}`" not in text
    ]
    out += [
        f"scheme_id {r['scheme_id']} not mentioned"
        for r in csv_rows("schemes")
        if f"`{r['scheme_id']}`" not in text
    ]
    return out


def source_problems(text: str) -> list[str]:
    """Every key cited is listed under Sources, with an address; nothing listed goes uncited."""
    body, sources = split_sources(text)
    if not sources:
        return ["no Sources section"]
    entries = dict(re.findall(r"^- \*\*\[(R\d+[a-z]?)\]\*\*\s+(.*)$", sources, flags=re.MULTILINE))
    cited = set(KEY.findall(body))
    out = [f"{key} is cited but not in Sources" for key in sorted(cited - set(entries))]
    out += [f"{key} is in Sources but never cited" for key in sorted(set(entries) - cited)]
    out += [f"{key} has no address" for key, entry in entries.items() if "<http" not in entry]
    return out


def _needs_source(value: str) -> bool:
    try:
        return float(value) != 0.0
    except ValueError:
        return False


def _source_ok(source: str) -> bool:
    return bool(KEY.search(source)) or "assumption" in source.lower()


def organisation_figure_problems(text: str) -> list[str]:
    """Every figure of organisations.csv is listed, with the data's value and a source."""
    found = table_with(text, ("org_id", "column", "value", "source"))
    if found is None:
        return ["no figure table for organisations.csv"]
    listed = {(r["org_id"], r["column"]): r for r in found.rows}
    out = []
    for row in csv_rows("organisations"):
        for column in TABLES["organisations"].columns:
            name = column.name
            if name in ("org_id", "name", "kind"):
                continue
            value = row[name]
            entry = listed.pop((row["org_id"], name), None)
            if entry is None:
                if name in ALWAYS_LISTED or not is_zero_or_blank(value):
                    out.append(f"{row['org_id']}.{name} = {value} is not listed")
                continue
            if not same_value(entry["value"], value):
                out.append(f"{row['org_id']}.{name}: README {entry['value']}, data {value}")
            if not entry["source"] or (_needs_source(value) and not _source_ok(entry["source"])):
                out.append(f"{row['org_id']}.{name}: no source key or 'assumption'")
    out += [f"{org}.{name} is listed but not in the data" for org, name in listed]
    return out


def row_figure_problems(text: str, table: str) -> list[str]:
    """Every row of a CSV appears, value for value, in the README's figure table of it."""
    columns = tuple(c.name for c in TABLES[table].columns)
    found = table_with(text, (*columns, "source"))
    if found is None:
        return [f"no figure table for {table}.csv"]
    remaining = list(found.rows)
    out = []
    for row in csv_rows(table):
        match = next((r for r in remaining if all(same_value(r[c], row[c]) for c in columns)), None)
        if match is None:
            out.append(f"{table}.csv row {[row[c] for c in columns]} is not in the README")
            continue
        remaining.remove(match)
        if not _source_ok(match["source"]):
            out.append(f"{table}.csv row {[row[c] for c in columns]}: no source or 'assumption'")
    out += [f"{table}: README row {[r[c] for c in columns]} is not in the data" for r in remaining]
    return out


def evidence_rule_problems(text: str) -> list[str]:
    """The data follow the README's rule for delivery probability by evidence grade."""
    match = re.search(r"strong (\d\.\d+), moderate (\d\.\d+), weak (\d\.\d+)", text)
    if match is None:
        return ["the README does not state the evidence rule"]
    rule = dict(zip(("strong", "moderate", "weak"), map(float, match.groups()), strict=True))
    return [
        f"{r['scheme_id']}: {r['evidence']} evidence but probability {r['delivery_probability']}"
        for r in csv_rows("schemes")
        if not math.isclose(float(r["delivery_probability"]), rule[r["evidence"]])
    ]


def planned_position_problems(text: str) -> list[str]:
    """The stated planned positions are what the engine computes (to the £0.1m shown)."""
    found = table_with(text, ("org_id", "planned position (£m)"))
    if found is None:
        return ["no planned positions table"]
    year = cs.run_year(cs.load_system(), Scenario.preset("fixed_income"))
    orgs = year.organisations
    before_funds = orgs.position_gbp_m - orgs.incentive_fund_gbp_m
    listed = {r["org_id"]: r for r in found.rows}
    out = []
    for org in orgs.index:
        row = listed.pop(org, None)
        if row is None:
            out.append(f"{org}: no planned position")
            continue
        if abs(float(row["planned position (£m)"]) - before_funds[org]) > 0.05 + 1e-9:
            out.append(
                f"{org}: README {row['planned position (£m)']}, engine {before_funds[org]:.3f}"
            )
        if not same_value(row["control total (£m)"], str(orgs.control_total_gbp_m[org])):
            out.append(f"{org}: README control total {row['control total (£m)']}")
    out += [f"{org} is not an organisation" for org in listed]
    return out


def elasticity_problems(text: str) -> list[str]:
    match = re.search(r"min\(1, leadership_capacity / load\) \*\* ([\d.]+)", text)
    if match is None:
        return ["the README does not state the delivery formula"]
    if float(match.group(1)) != OVERLOAD_ELASTICITY:
        return [f"README exponent {match.group(1)}, code {OVERLOAD_ELASTICITY}"]
    # The worked share at twice capacity must follow from the exponent.
    twice = f"{0.5**OVERLOAD_ELASTICITY:.0%}"
    return (
        []
        if f"{twice} of each scheme's chance" in text
        else [f"twice-capacity share is not {twice}"]
    )


def preset_problems(text: str) -> list[str]:
    """Every payment preset is a row of the presets table, with PRESET_INFO's label, years
    and every source key PRESET_INFO cites."""
    found = table_with(text, ("preset", "label", "years"), section="Payment presets")
    if found is None:
        return ["no payment presets table"]
    listed = {r["preset"]: r for r in found.rows}
    out = []
    for name, info in PRESET_INFO.items():
        row = listed.pop(name, None)
        if row is None:
            out.append(f"preset {name} missing")
            continue
        if row["label"] != info.label:
            out.append(f"{name}: label {row['label']!r}, code {info.label!r}")
        if row["years"] != info.years:
            out.append(f"{name}: years {row['years']!r}, code {info.years!r}")
        missing = set(KEY.findall(info.sources)) - set(KEY.findall(row["sources"]))
        if missing:
            out.append(f"{name}: sources {sorted(missing)} not in the README row")
    out += [f"{name} is not a preset" for name in listed]
    return out


CHECKS = {
    "columns": column_problems,
    "scenario": scenario_problems,
    "ids": id_problems,
    "sources": source_problems,
    "organisations": organisation_figure_problems,
    "service_lines": lambda t: row_figure_problems(t, "service_lines"),
    "schemes": lambda t: row_figure_problems(t, "schemes"),
    "scheme_effects": lambda t: row_figure_problems(t, "scheme_effects"),
    "evidence": evidence_rule_problems,
    "planned_positions": planned_position_problems,
    "elasticity": elasticity_problems,
    "presets": preset_problems,
}


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_readme_matches(readme: str, check: str) -> None:
    assert CHECKS[check](readme) == []


def test_readme_says_the_figures_are_illustrative(readme: str) -> None:
    opening = readme[:600].lower()
    assert "illustrative" in opening and "not** bradford's accounts" in opening


def test_every_table_and_field_name_appears(readme: str) -> None:
    # The plain reading of the brief, independent of the table parser above.
    names = [c.name for t in TABLES.values() for c in t.columns] + [
        f.name for f in fields(Scenario)
    ]
    assert [n for n in names if f"`{n}`" not in readme] == []


# Each mutation breaks one thing; the named check must then report a problem.
def _first_row_value(text: str, org: str, column: str, new: str) -> str:
    pattern = rf"(\| `{org}` \| `{column}` \| )[^|]+( \|)"
    changed, count = re.subn(pattern, rf"\g<1>{new}\g<2>", text, count=1)
    assert count == 1
    return changed


MUTATIONS = {
    "organisations": lambda t: _first_row_value(t, "bthft", "cost_base_gbp_m", "1.0"),
    "columns": lambda t: t.replace("| `demand_cv` |", "| `demand_spread` |", 1),
    "scenario": lambda t: re.sub(r"(\| `flex` \| [^|]+\| )[^|]+", r"\g<1>0.99 ", t, count=1),
    "ids": lambda t: t.replace("`home_first`", "`home_last`"),
    "sources": lambda t: t.replace("- **[R21]**", "- **[R21x]**", 1),
    "service_lines": lambda t: t.replace("| 42000 |", "| 42001 |", 1),
    "schemes": lambda t: t.replace("| Integrated frailty service |", "| Frailty |", 1),
    "scheme_effects": lambda t: t.replace("| -0.008 |", "| -0.009 |", 1),
    "evidence": lambda t: t.replace("strong 0.8, moderate 0.6", "strong 0.9, moderate 0.6", 1),
    "planned_positions": lambda t: re.sub(
        r"(\| `bthft` \| )[-\d.]+( \| )", r"\g<1>9.9\g<2>", t, count=1
    ),
    "elasticity": lambda t: t.replace("load) ** ", "load) ** 2", 1),
    "presets": lambda t: t.replace("| Blended (2019/20) | 2019/20 |", "| Blended | 2019/20 |", 1),
}


@pytest.mark.parametrize("check", sorted(MUTATIONS))
def test_each_check_catches_a_drift(readme: str, check: str) -> None:
    mutated = MUTATIONS[check](readme)
    assert mutated != readme
    assert CHECKS[check](mutated) != []


def test_the_column_check_catches_a_limit_that_drifted(readme: str) -> None:
    mutated = readme.replace("| a number from 0 to 10,000,000 |", "| a number of at least 0 |", 1)
    assert mutated != readme
    assert column_problems(mutated) == [(
        "service_lines.csv: unit_price_gbp allows 'a number of at least 0', "
        "schema 'a number from 0 to 10,000,000'")]
