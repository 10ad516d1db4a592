"""The start page: the system at a glance and the lessons to come.

>>> "organisations" in system_at_a_glance(default_system()).data
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from IPython.display import Markdown

from ..charts import KIND_LABELS, income_cost_chart
from ..engine import run_year
from ..formats import money
from ..lessons import LESSONS
from ..names import markdown_text
from ..scenario import Scenario
from ..system import System
from .common import people_table
from .default import default_system

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler


def baseline_year(system: System | None = None):
    system = system if system is not None else default_system()
    return run_year(system, Scenario.preset("fixed_income"))


def system_at_a_glance(system: System | None = None) -> Markdown:
    """A paragraph about the loaded system, every figure computed from its data."""
    system = system if system is not None else default_system()
    orgs = system.organisations
    year = baseline_year(system)
    nhs = year.system.loc["nhs"]
    counts = orgs.kind.map(KIND_LABELS).value_counts()
    listing = ", ".join(f"{n} {k.lower()}{'s' if n > 1 else ''}" for k, n in counts.items())
    commissioners = orgs[orgs.kind == "commissioner"]
    contracts = year.flows.loc[year.flows.kind == "contract", "amount_gbp_m"].sum()
    funds = float(nhs.incentive_fund_gbp_m)  # received in the plan: part of what they report
    text = (
        f"**The system: {markdown_text(system.name.replace('_', ' ').title())}.** "
        f"It has {len(orgs)} organisations: {listing}. "
        f"Its commissioners hold {money(commissioners.allocation_gbp_m.sum())} of allocations, and "
        f"{len(system.service_lines)} service lines carry "
        f"{money(contracts)} of contracts a year. "
        f"In the baseline plan (fixed-income contracts, demand on plan) the NHS organisations together "
        f"report {money(nhs.position_gbp_m)} against a system control total of "
        f"{money(nhs.control_total_gbp_m)}"
        + (f", but {money(funds)} of that is incentive funds: "
           f"{money(nhs.position_gbp_m - funds)} before them" if abs(funds) >= 0.05 else "")
        + f". Their **underlying** position, without one-off money (incentive funds, one-off "
        f"support and non-recurrent savings), is {money(nhs.underlying_position_gbp_m)}."
    )
    return Markdown(text)


def system_table(system: System | None = None) -> Styler:
    """Each organisation's planned income, spending and position (£m, one decimal; the
    frame is its ``.data``)."""
    orgs = baseline_year(system).organisations
    table = orgs[["name", "kind", "income_gbp_m", "cost_gbp_m", "position_gbp_m",
                  "underlying_position_gbp_m", "control_total_gbp_m"]].copy()
    table["kind"] = table.kind.map(KIND_LABELS)
    table = table.rename(columns={
        "name": "Organisation", "kind": "Kind", "income_gbp_m": "Income (£m)",
        "cost_gbp_m": "Spending (£m)", "position_gbp_m": "Position (£m)",
        "underlying_position_gbp_m": "Underlying position (£m)",
        "control_total_gbp_m": "Control total (£m)"})
    return people_table(table.reset_index(drop=True).round(1))


def system_chart(system: System | None = None):
    return income_cost_chart(baseline_year(system).organisations,
                             chart_title="Planned income and spending of each organisation")


def lessons() -> Markdown:
    """The table of lessons, from the registry (``casestudy.lessons``)."""
    rows = "\n".join(f"| {lesson.number} | [{lesson.title}]({lesson.notebook}) | "
                     f"{lesson.minutes} min | {lesson.what} |" for lesson in LESSONS)
    total = sum(lesson.minutes for lesson in LESSONS)
    return Markdown("| | Lesson | Time | What you do |\n|---|---|---|---|\n" + rows
                    + f"\n\nAll {len(LESSONS)} notebooks (the case study's five lessons, the "
                      "sandbox, and then and now) take about "
                      f"{total // 60} hours {total % 60} minutes; "
                      "each stands on its own.")
