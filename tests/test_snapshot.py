"""Snapshot of the reference scenarios' organisation table on the bundled system.

A snapshot is the one place where stored output is the point: it guards against an unintended
change anywhere in the data, the scenario defaults or the engine. When a change is intended,
rewrite it and review the diff of the CSV in the commit:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_snapshot.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from casestudy import Scenario, run_year

SNAPSHOT = Path(__file__).parent / "snapshots" / "reference_organisations.csv"
DECIMALS = 6
REFERENCE = {
    "fixed_income": Scenario.preset("fixed_income"),
    "shock_3pc_frailty_falls": Scenario.preset("fixed_income", demand_shock=0.03,
                                               schemes=("frailty", "falls")),
}


def current_table(system) -> pd.DataFrame:
    frames = []
    for name, scenario in REFERENCE.items():
        frame = run_year(system, scenario).organisations.reset_index()
        frame.insert(0, "scenario", name)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    numbers = table.select_dtypes("number").columns
    table[numbers] = table[numbers].round(DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return table


def test_reference_organisation_table_matches_the_snapshot(bundled_system):
    table = current_table(bundled_system)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        table.to_csv(SNAPSHOT, index=False, float_format=f"%.{DECIMALS}f", lineterminator="\n")
        if os.environ.get("UPDATE_SNAPSHOTS") != "1":
            pytest.fail(f"{SNAPSHOT} did not exist; written now: review and commit it")
        pytest.skip(f"snapshot rewritten: {SNAPSHOT}")
    stored = pd.read_csv(SNAPSHOT)
    assert list(stored.columns) == list(table.columns), "columns changed"
    assert list(zip(stored.scenario, stored.org_id)) == list(zip(table.scenario, table.org_id))
    numbers = table.select_dtypes("number").columns
    others = [c for c in table.columns if c not in numbers]
    pd.testing.assert_frame_equal(stored[others].astype(str), table[others].astype(str))
    # Half a unit in the last stored decimal either way: rounding may differ by one on another
    # machine's floating point, never by more.
    difference = (stored[numbers] - table[numbers]).abs()
    changed = difference > 1.01 * 10.0 ** -DECIMALS
    if changed.any().any():
        rows, cols = changed.to_numpy().nonzero()
        detail = "\n".join(
            f"  {table.scenario[r]} {table.org_id[r]} {numbers[c]}: "
            f"stored {stored[numbers[c]][r]}, now {table[numbers[c]][r]}"
            for r, c in zip(rows[:20], cols[:20]))
        pytest.fail(f"the reference table changed ({changed.to_numpy().sum()} cells):\n{detail}\n"
                    "If intended: UPDATE_SNAPSHOTS=1 and commit the reviewed CSV.")


def test_the_snapshot_scenarios_differ(bundled_system):
    # Guards the snapshot itself: the second scenario must move money, or it checks nothing new.
    table = current_table(bundled_system).set_index(["scenario", "org_id"]).position_gbp_m
    assert (table["fixed_income"] - table["shock_3pc_frailty_falls"]).abs().max() > 0.1
