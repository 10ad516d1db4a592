"""The kit's command line, for someone who never opens a notebook.

    python -m casestudy check PATH       check a folder of CSV files or a workbook
    python -m casestudy template OUT     write a fresh template (OUT.xlsx or a folder)

``check`` prints every problem with its place (file or sheet, row, column), then the
warnings, then a short summary of the system; it exits 0 when the system loads and 1 when
it does not.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .formats import money
from .system import SYSTEM_ENV, Report, System, check_system, default_system_path

NAME_WIDTH = 38


def _describe(path: Path) -> str:
    if path.is_dir():
        return "a folder of CSV files"
    if path.is_file():
        return "a workbook" if path.suffix.lower() in (".xlsx", ".xlsm") else "a file"
    return "not found"


def summary(system: System) -> str:
    """A short description of a loaded system: organisations by kind, totals, positions."""
    from .engine import run_year  # the engine only when there is a system to run
    from .scenario import Scenario

    orgs = system.organisations
    lines = system.service_lines
    counts = orgs.kind.value_counts(sort=False)
    kinds = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    contract_gbp_m = float((lines.planned_activity * lines.unit_price_gbp).sum() / 1e6)
    payers = orgs.kind.isin(("commissioner", "local_authority"))
    nhs = orgs.in_nhs_control_total
    out = [
        f"Summary of '{system.name}'",
        f"  Organisations: {len(orgs)} ({kinds}); {int(nhs.sum())} inside the NHS control total",
        (f"  Service lines: {len(lines)}, worth {money(contract_gbp_m, minus='-')} at last year's "
        "activity and prices"),
        (f"  Schemes: {len(system.schemes)}, costing {money(system.schemes.cost_gbp_m.sum(), minus='-')} a "
        f"year in all, with {len(system.scheme_effects)} effects on service lines"),
        (f"  Allocations and budgets of commissioners and councils: "
        f"{money(orgs.allocation_gbp_m[payers].sum(), minus='-')}"),
        f"  Providers' cost bases: {money(orgs.cost_base_gbp_m.sum(), minus='-')}",
        f"  NHS control total: {money(orgs.control_total_gbp_m[nhs].sum(), minus='-')}",
    ]
    with np.errstate(all="ignore"):
        year = run_year(system, Scenario.preset("fixed_income"))
    result = year.organisations
    position = result.position_gbp_m - result.incentive_fund_gbp_m
    turnover = system.turnover_gbp_m()
    id_width = max(len("org_id"), *(len(o) for o in orgs.index))
    kind_width = max(len("kind"), *(len(k) for k in orgs.kind))
    out += ["", ("  Planned position of each organisation under fixed-income contracts (the "
            "default scenario,"), ("  before incentive funds), against its control total, in "
            "£ million:"), "",
            (f"    {'org_id':<{id_width}}  {'name':<{NAME_WIDTH}}  {'kind':<{kind_width}}  "
            f"{'turnover':>9}  {'position':>9}  {'control total':>13}")]
    for org in orgs.index:
        name = str(orgs.name[org])
        name = name if len(name) <= NAME_WIDTH else name[:NAME_WIDTH - 1] + "…"
        out.append(f"    {org:<{id_width}}  {name:<{NAME_WIDTH}}  {orgs.kind[org]:<{kind_width}}  "
                   f"{turnover[org]:>9,.1f}  {position[org]:>9,.1f}  "
                   f"{orgs.control_total_gbp_m[org]:>13,.1f}")
    return "\n".join(out)


def report_text(report: Report) -> str:
    """The checker's whole report as text."""
    path = Path(report.source)
    out = [f"Checking {report.source} ({_describe(path)})", ""]
    if report.problems:
        n = len(report.problems)
        out.append(f"{n} problem{'s' if n != 1 else ''}: the system does not load. Fix "
                   f"{'these' if n != 1 else 'it'} and run the check again.")
        out += [f"  {i}. {p}" for i, p in enumerate(report.problems, start=1)]
    else:
        out.append("No problems: the system loads.")
    if report.warnings:
        out += ["", f"{len(report.warnings)} warning(s): legal but odd; check these figures."]
        out += [f"  - {w}" for w in report.warnings]
    elif report.ok:
        out += ["", "No warnings."]
    if report.system is not None:
        out += ["", summary(report.system), "",
                f"To use it: {SYSTEM_ENV}={report.source} make lab"]
    return "\n".join(out)


def _check(args: argparse.Namespace) -> int:
    path = Path(args.path) if args.path else default_system_path()
    report = check_system(path)
    print(report_text(report))
    return 0 if report.ok else 1


def _template(args: argparse.Namespace) -> int:
    from .system import load_system
    from .template import system_tables, write_csv, write_template, write_workbook

    out = Path(args.out)
    if out.exists() and not args.force and (out.is_file() or any(out.iterdir())):
        print(f"{out} exists; choose another name or add --force to overwrite it",
              file=sys.stderr)
        return 1
    if args.start_from:
        system = load_system(args.start_from)  # a DataError prints its problems below
        if out.suffix.lower() in (".xlsx", ".xlsm"):
            write_workbook(system, out)
        else:
            write_csv(system_tables(system), out)
        print(f"Wrote {out}: the system from {args.start_from}, ready to edit.")
    else:
        write_template(out)
        print(f"Wrote {out}: a fresh template with example rows.")
    print(f"Fill it in, then run: python -m casestudy check {out}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m casestudy",
        description="The Bradford kit's commands: check a system's data, or write a template "
                    "to fill in with your own system's figures.")
    verbs = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = verbs.add_parser(
        "check", help="check a folder of CSV files or a workbook and print a report",
        description="Check a system's data: print every problem with its file or sheet, row "
                    "and column, then warnings, then a summary. Exits 0 when the data loads, "
                    "1 when it does not.")
    check.add_argument("path", nargs="?", default=None, metavar="PATH",
                       help=f"a folder of CSV files or an .xlsx workbook (default: "
                            f"${SYSTEM_ENV}, else the bundled system)")
    check.set_defaults(run=_check)
    template = verbs.add_parser(
        "template", help="write a fresh template to fill in",
        description="Write a template: a workbook when OUT ends in .xlsx, else a folder of CSV "
                    "files.")
    template.add_argument("out", metavar="OUT", help="where to write, e.g. my_system.xlsx")
    template.add_argument("--from", dest="start_from", metavar="PATH", default=None,
                          help="start from this system's figures instead of the example rows "
                               "(e.g. data/bradford)")
    template.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    template.set_defaults(run=_template)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # a terminal without £ still gets the report
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except ValueError as exc:  # DataError and ScenarioError: say what is wrong, not a traceback
        print(str(exc), file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader stopped early (``| head``): not an error of the data
        return 0


if __name__ == "__main__":
    sys.exit(main())
