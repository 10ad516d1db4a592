"""Large invented systems, for the tests and benchmarks of size (an ordinary module).

``big_tables(orgs, lines)`` makes the four tables of a valid system of that many
organisations and service lines: a tenth of the organisations (at least two) are
commissioners, one is a council, the rest are providers of every kind; the lines are
distinct (provider, payer, service) triples, each provider's cost base is its planned
contract income plus a margin, so the system is of a plausible shape (not Bradford's).
``write_big`` writes them as the loader's CSV files; ``big_system`` loads them.

>>> tables = big_tables(orgs=130, lines=400)
>>> len(tables["organisations"]), len(tables["service_lines"])
(130, 400)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from casestudy import System, load_system
from casestudy.schema import SERVICES
from casestudy.template import write_csv

PROVIDER_KINDS = ("acute", "community_mental_health", "primary_care", "voluntary",
                  "care_provider")
# A plausible unit price per service (£), as in the bundled system's order of magnitude.
PRICES = {"elective": 1900, "non_elective": 2600, "outpatient": 140, "a_and_e": 160,
          "community": 120, "mental_health": 350, "social_care": 10_000,
          "voluntary_support": 80}


def big_tables(orgs: int = 500, lines: int = 20_000, schemes: int = 10,
               seed: int = 0) -> dict[str, pd.DataFrame]:
    """The tables of a valid system of ``orgs`` organisations and ``lines`` service lines."""
    rng = np.random.default_rng(seed)
    commissioners = max(2, orgs // 10)
    providers = orgs - commissioners - 1
    if providers < 1:
        raise ValueError("a big system needs at least 4 organisations")
    payer_ids = [f"ccg_{k}" for k in range(commissioners)] + ["council"]
    provider_ids = [f"p_{k}" for k in range(providers)]
    kinds = [PROVIDER_KINDS[k % len(PROVIDER_KINDS)] for k in range(providers)]

    # Distinct (provider, payer, service) triples; social care is bought by the council.
    combos = providers * len(payer_ids) * len(SERVICES)
    if lines > combos:
        raise ValueError(f"{orgs} organisations allow at most {combos} distinct lines")
    picked = rng.choice(combos, size=lines, replace=False)
    provider = picked // (len(payer_ids) * len(SERVICES))
    payer = picked // len(SERVICES) % len(payer_ids)
    service = np.array(SERVICES)[picked % len(SERVICES)]
    # Every provider gets at least one line, so each has a cost that moves with activity.
    provider[:min(providers, lines)] = np.arange(min(providers, lines))
    frame = pd.DataFrame({"provider": provider, "payer": payer, "service": service})
    frame = frame.drop_duplicates().reset_index(drop=True)
    while len(frame) < lines:  # the forced first lines can collide: top up
        extra = rng.choice(combos, size=lines - len(frame))
        more = pd.DataFrame({"provider": extra // (len(payer_ids) * len(SERVICES)),
                             "payer": extra // len(SERVICES) % len(payer_ids),
                             "service": np.array(SERVICES)[extra % len(SERVICES)]})
        frame = pd.concat([frame, more]).drop_duplicates().reset_index(drop=True)[:lines]
    units = rng.integers(50, 20_000, size=lines).astype(float)
    price = np.array([PRICES[s] for s in frame.service]) * rng.uniform(0.7, 1.3, size=lines)
    service_lines = pd.DataFrame({
        "provider_id": [provider_ids[k] for k in frame.provider],
        "payer_id": [payer_ids[k] for k in frame.payer],
        "service": frame.service,
        "planned_activity": units,
        "unit_price_gbp": price.round(2),
        "demand_growth": rng.uniform(0.0, 0.04, size=lines).round(4),
        "demand_cv": rng.uniform(0.02, 0.08, size=lines).round(4),
    })

    income = (service_lines.planned_activity * service_lines.unit_price_gbp / 1e6).groupby(
        service_lines.provider_id).sum().reindex(provider_ids, fill_value=0.0)
    spend = (service_lines.planned_activity * service_lines.unit_price_gbp / 1e6).groupby(
        service_lines.payer_id).sum().reindex(payer_ids, fill_value=0.0)
    rows = []
    for org, paid in zip(payer_ids, spend):
        rows.append({"org_id": org, "name": org.replace("_", " ").title(),
                     "kind": "local_authority" if org == "council" else "commissioner",
                     "in_nhs_control_total": org != "council",
                     "allocation_gbp_m": round(paid * 1.05 + 1, 3),
                     "other_spend_gbp_m": round(paid * 0.05 + 1, 3), "cost_base_gbp_m": 0.0,
                     "fixed_share": None, "semi_fixed_share": None, "variable_share": None,
                     "other_income_gbp_m": 0.0, "control_total_gbp_m": 0.0,
                     "incentive_fund_gbp_m": 0.0})
    for org, kind, earned in zip(provider_ids, kinds, income):
        rows.append({"org_id": org, "name": f"Provider {org[2:]}", "kind": kind,
                     "in_nhs_control_total": kind in ("acute", "community_mental_health",
                                                      "primary_care"),
                     "allocation_gbp_m": 0.0, "other_spend_gbp_m": 0.0,
                     "cost_base_gbp_m": round(earned * 1.01 + 0.5, 3),
                     "fixed_share": 0.35, "semi_fixed_share": 0.4, "variable_share": 0.25,
                     "other_income_gbp_m": 0.5, "control_total_gbp_m": 0.0,
                     "incentive_fund_gbp_m": 0.1})
    organisations = pd.DataFrame(rows)

    scheme_rows, effect_rows = [], []
    nel = service_lines[service_lines.service == "non_elective"]
    targets = nel.drop_duplicates("provider_id").provider_id.tolist()
    for k in range(min(schemes, len(targets))):
        scheme_rows.append({"scheme_id": f"scheme_{k}", "name": f"Scheme {k}",
                            "funder_id": payer_ids[k % commissioners],
                            "deliverer_id": provider_ids[k % providers], "cost_gbp_m": 0.2,
                            "years_to_full_effect": 2, "evidence": "moderate",
                            "delivery_probability": 0.6, "leadership_load": 1})
        effect_rows.append({"scheme_id": f"scheme_{k}", "provider_id": targets[k],
                            "service": "non_elective", "activity_change": -0.03})
    schemes_frame = pd.DataFrame(scheme_rows, columns=["scheme_id", "name", "funder_id",
                                                       "deliverer_id", "cost_gbp_m",
                                                       "years_to_full_effect", "evidence",
                                                       "delivery_probability",
                                                       "leadership_load"])
    effects = pd.DataFrame(effect_rows, columns=["scheme_id", "provider_id", "service",
                                                 "activity_change"])
    return {"organisations": organisations.astype(object), "service_lines": service_lines,
            "schemes": schemes_frame, "scheme_effects": effects}


def write_big(folder: Path, **size: int) -> Path:
    """``big_tables(**size)`` written as the loader's CSV files in ``folder``."""
    return write_csv(big_tables(**size), folder)


def big_system(folder: Path, **size: int) -> System:
    """A big system, written to ``folder`` and loaded (validated) as a learner's would be."""
    return load_system(write_big(folder, **size))
