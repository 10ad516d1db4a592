"""The tiny hand-built system with round numbers, a CSV writer for bad data, a neutral scenario.

An ordinary module that tests import by name (``from tiny import write_tables``); the
fixtures built on it are in conftest.py.

The tiny system (figures chosen so that every test can be checked with a pencil):

    organisation  kind                     NHS  allocation  other spend  cost base  shares f/s/v   other income  control  fund
    ccg_a         commissioner             yes  100         45           0          -              0             0        0
    ccg_b         commissioner             yes  50          10           0          -              0             0        0
    acute         acute                    yes  0           0            80         0.5/0.3/0.2    10            1        2
    comm          community_mental_health  yes  0           0            20         0.2/0.6/0.2    0             0        1
    council       local_authority          no   10          5            0          -              0             0        0
    vcs           voluntary                no   0           0            7          0.5/0.0/0.5    0             0        0

    service line                      baseline units  price £  growth  planned units  planned £m
    0 acute  <- ccg_a   elective        10,000        1,000    0.10    11,000         11
    1 acute  <- ccg_a   non_elective    20,000        2,000    0       20,000         40
    2 acute  <- ccg_b   non_elective    10,000        2,000    0       10,000         20
    3 comm   <- ccg_b   community      100,000          200    0      100,000         20
    4 vcs    <- council social_care      1,000        5,000    0        1,000          5
    5 vcs    <- ccg_a   social_care        400        5,000    0          400          2

    The acute trust's planned contract income is 11 + 40 + 20 = £71m.

    scheme   funder   deliverer  cost £m  probability  leadership load  effect
    frailty  ccg_a    comm       1.0      0.5          2                acute non_elective -10%
    falls    council  comm       0.5      1.0          1                acute non_elective -2%

Risk-share weights by size (allocation + cost base, NHS only): 100, 50, 80, 20 of 250, that is
0.4, 0.2, 0.32 and 0.08.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import Any

from casestudy import Scenario
from casestudy.schema import TABLES

ORG_COLUMNS = [c.name for c in TABLES["organisations"].columns]


def _org(org_id: str, kind: str, nhs: bool, allocation: float = 0.0, other_spend: float = 0.0,
         cost_base: float = 0.0, shares: tuple[Any, Any, Any] = ("", "", ""),
         other_income: float = 0.0, control: float = 0.0, fund: float = 0.0) -> dict[str, Any]:
    return {
        "org_id": org_id, "name": org_id.replace("_", " ").title(), "kind": kind,
        "in_nhs_control_total": "TRUE" if nhs else "FALSE",
        "allocation_gbp_m": allocation, "other_spend_gbp_m": other_spend,
        "cost_base_gbp_m": cost_base, "fixed_share": shares[0], "semi_fixed_share": shares[1],
        "variable_share": shares[2], "other_income_gbp_m": other_income,
        "control_total_gbp_m": control, "incentive_fund_gbp_m": fund,
    }


def _line(provider: str, payer: str, service: str, units: float, price: float,
          growth: float = 0.0, cv: float = 0.05) -> dict[str, Any]:
    return {"provider_id": provider, "payer_id": payer, "service": service,
            "planned_activity": units, "unit_price_gbp": price, "demand_growth": growth,
            "demand_cv": cv}


TINY_TABLES: dict[str, list[dict[str, Any]]] = {
    "organisations": [
        _org("ccg_a", "commissioner", True, allocation=100, other_spend=45),
        _org("ccg_b", "commissioner", True, allocation=50, other_spend=10),
        _org("acute", "acute", True, cost_base=80, shares=(0.5, 0.3, 0.2), other_income=10,
             control=1, fund=2),
        _org("comm", "community_mental_health", True, cost_base=20, shares=(0.2, 0.6, 0.2),
             fund=1),
        _org("council", "local_authority", False, allocation=10, other_spend=5),
        _org("vcs", "voluntary", False, cost_base=7, shares=(0.5, 0.0, 0.5)),
    ],
    "service_lines": [
        _line("acute", "ccg_a", "elective", 10_000, 1_000, growth=0.10),
        _line("acute", "ccg_a", "non_elective", 20_000, 2_000),
        _line("acute", "ccg_b", "non_elective", 10_000, 2_000),
        _line("comm", "ccg_b", "community", 100_000, 200),
        _line("vcs", "council", "social_care", 1_000, 5_000),
        _line("vcs", "ccg_a", "social_care", 400, 5_000),
    ],
    "schemes": [
        {"scheme_id": "frailty", "name": "Frailty service", "funder_id": "ccg_a",
         "deliverer_id": "comm", "cost_gbp_m": 1.0, "years_to_full_effect": 1,
         "evidence": "moderate", "delivery_probability": 0.5, "leadership_load": 2},
        {"scheme_id": "falls", "name": "Falls prevention", "funder_id": "council",
         "deliverer_id": "comm", "cost_gbp_m": 0.5, "years_to_full_effect": 1,
         "evidence": "strong", "delivery_probability": 1.0, "leadership_load": 1},
    ],
    "scheme_effects": [
        {"scheme_id": "frailty", "provider_id": "acute", "service": "non_elective",
         "activity_change": -0.10},
        {"scheme_id": "falls", "provider_id": "acute", "service": "non_elective",
         "activity_change": -0.02},
    ],
}


def write_tables(folder: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    """Write table dicts (name -> list of row dicts) as the loader's CSV files; return the folder.

    Columns are the union of the rows' keys in first-seen order, so a test can drop a column
    (delete the key from every row) or add an unknown one; an empty table gets the schema's header.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        columns: list[str] = [] if rows else [c.name for c in TABLES[name].columns]
        for row in rows:
            columns += [k for k in row if k not in columns]
        with open(folder / TABLES[name].file, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, restval="")
            writer.writeheader()
            writer.writerows(rows)
    return folder


# Every money knob at a neutral value, so that a test switches on only what it checks.
PLAIN = Scenario(
    payment="payment_by_results", demand_shock=0.0, cost_inflation=0.0, cost_pressure=0.0,
    price_uplift=0.0,
    efficiency_factor=0.0, efficiency_required=0.0, efficiency_delivered_share=1.0,
    recurrent_share=1.0, non_recurrent_support_gbp_m=0.0, flex=0.0, schemes=(),
    leadership_capacity=6.0, incentive_fund_scale=0.0, system_linkage=0.0, risk_share=0.0,
    social_care_budget_change=0.0, social_care_knock_on=0.0,
)


def vary(scenario: Scenario, **changes: Any) -> Scenario:
    return dataclasses.replace(scenario, **changes)
