"""The engine gives every result it gave before the game's overrides were added.

``tests/snapshots/engine_before_overrides.json`` holds ``run_year``, ``project`` (3 years)
and ``simulate`` (6 draws, seed 5) for 24 scenarios (every preset, with shocks, schemes, a
risk share and linkage, an overloaded portfolio, a rebased contract, every money knob moved)
on the bundled system and on Northvale, as computed at commit 11fb852, before
``engine.Overrides`` existed (``tools/make_engine_snapshot.py`` wrote it, values to 12
significant figures). No scenario there changes the council's social care spending: that
one result changed on purpose (tests/test_place.py works the new figures by hand).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from systems import EXAMPLE_SYSTEMS

import casestudy as cs
from casestudy.engine import Overrides

SNAPSHOT = json.loads((Path(__file__).parent / "snapshots" / "engine_before_overrides.json")
                      .read_text())
CASES = [(label, name) for label, rows in SNAPSHOT["systems"].items() for name in rows]
SYSTEMS = dict(zip(("bradford", "northvale"), EXAMPLE_SYSTEMS))


@pytest.fixture(scope="module")
def systems() -> dict[str, cs.System]:
    return {label: cs.load_system(path) for label, path in SYSTEMS.items()}


def _same(frame, expected: dict[str, list[float]], what: str) -> None:
    for column, values in expected.items():
        np.testing.assert_allclose(frame[column].to_numpy(dtype=float), values, rtol=1e-10,
                                   atol=1e-10, err_msg=f"{what}: {column}")


def test_the_snapshot_covers_every_preset_on_both_systems():
    assert len(CASES) == 2 * (3 * len(cs.PRESETS) + 3)
    assert all(row["scenario"]["social_care_budget_change"] == 0
               for rows in SNAPSHOT["systems"].values() for row in rows.values())


@pytest.mark.parametrize(("label", "name"), CASES)
def test_run_year_project_and_simulate_are_unchanged(systems, label, name):
    expected = SNAPSHOT["systems"][label][name]
    system = systems[label]
    scenario = cs.Scenario.from_dict(expected["scenario"])
    year = cs.run_year(system, scenario)
    _same(year.organisations, expected["run_year"], f"{label} {name} run_year")
    _same(year.system, expected["system"], f"{label} {name} system")
    np.testing.assert_allclose(year.flows.amount_gbp_m, expected["flows"], rtol=1e-10, atol=1e-10)
    _same(cs.project(system, scenario, years=3), expected["project"], f"{label} {name} project")
    _same(cs.simulate(system, scenario, draws=6, seed=5), expected["simulate"],
          f"{label} {name} simulate")
    # Empty overrides change nothing, to the last bit.
    same = cs.run_year(system, scenario, Overrides())
    np.testing.assert_array_equal(same.money.position, year.money.position)
