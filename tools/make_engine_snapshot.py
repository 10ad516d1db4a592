"""Write tests/snapshots/engine_before_overrides.json: run_year, project and simulate results
of many scenarios, computed by the engine before the game's overrides were added (commit
11fb852). tests/test_engine_unchanged.py checks the engine still gives them."""
import dataclasses
import json
import subprocess
from pathlib import Path

import casestudy as cs
from casestudy.scenario import PRESETS


def scenarios():
    out = {}
    for p in PRESETS:
        out[f"{p}"] = cs.Scenario.preset(p)
        out[f"{p}_shock"] = cs.Scenario.preset(p, demand_shock=0.04, schemes=("frailty", "falls", "outpatient_transformation"))
        out[f"{p}_low"] = cs.Scenario.preset(p, demand_shock=-0.05, risk_share=0.5, system_linkage=0.5)
    out["governance"] = cs.Scenario(risk_share=1.0, system_linkage=1.0, incentive_fund_scale=1.5, flex=0.6,
                                    efficiency_required=0.05, efficiency_delivered_share=0.7,
                                    recurrent_share=0.4, non_recurrent_support_gbp_m=20.0)
    out["overloaded"] = cs.Scenario.preset("blended", leadership_capacity=3.0,
                                           schemes=("frailty", "discharge_to_assess", "falls", "mh_crisis", "diabetes", "home_first"))
    out["rebase"] = cs.Scenario.preset("pbr_mret", rebase_fixed_income=True, demand_shock=0.03)
    return out

def frame_values(frame):
    return {c: [float(f"{v:.12g}") for v in frame[c].to_numpy(dtype=float)] for c in frame.columns
            if frame[c].dtype.kind in "fib"}

record = {"commit": subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip(), "systems": {}}
for label, path in (("bradford", None), ("northvale", "data/examples/northvale")):
    system = cs.load_system(path) if path else cs.load_system()
    rows = {}
    for name, sc in scenarios().items():
        if name.startswith("overloaded") and label == "northvale":
            sc = cs.Scenario.preset("blended", leadership_capacity=3.0, schemes=tuple(system.schemes.index[:5]))
        if "shock" in name and label == "northvale":
            sc = dataclasses.replace(sc, schemes=tuple(system.schemes.index[:3]))
        year = cs.run_year(system, sc)
        years = cs.project(system, sc, years=3)
        sim = cs.simulate(system, sc, draws=6, seed=5)
        rows[name] = {
            "scenario": sc.to_dict(),
            "run_year": frame_values(year.organisations),
            "system": frame_values(year.system),
            "flows": [float(f"{v:.12g}") for v in year.flows.amount_gbp_m],
            "project": frame_values(years.drop(columns=["year"])),
            "simulate": frame_values(sim.drop(columns=["draw"])),
        }
    record["systems"][label] = rows
Path("tests/snapshots/engine_before_overrides.json").write_text(json.dumps(record, separators=(",", ":")))
print("ok")
