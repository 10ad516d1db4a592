"""The portfolio of shared priorities (lesson 1): leadership capacity limits delivery.

The chance that a chosen scheme delivers its effect is its own delivery probability, cut
when the partners take on more than their leadership capacity:

    delivery = probability x min(1, capacity / load) ** OVERLOAD_ELASTICITY

where ``load`` is the summed leadership load of the chosen schemes.

Why this shape (an assumption, also in data/README.md, "Leadership capacity"): senior
leaders' time is the scarce input of system change, and it is shared by every scheme taken
on. Within capacity each scheme gets what it needs and keeps its own chance. Past capacity
each scheme gets ``capacity / load`` of the attention it needs; the elasticity says how
that shortfall turns into lost delivery. At 1, twice the schemes at half the attention
would deliver the same in total, so adding priorities would cost only their money. Above
1, attention has increasing returns (a scheme needs a critical mass of leadership to get
going), so each priority added past capacity lowers what the *whole* portfolio delivers:
"focus on a small number of shared priorities". No published estimate exists; 1.5 makes
a portfolio at twice its capacity deliver 0.5 ** 1.5 = 35% of each scheme's chance.

Benefits are measured on positions **before incentive funds** (after any risk share),
as position with the schemes minus position without, for one year at full effect.
Schemes move activity and cost; an incentive fund flips on or off at a control total and
would make a scheme's value depend on where the organisation happened to stand.

>>> import numpy as np
>>> delivery_share(np.array([1.0, 1.0]), np.array([2.0, 2.0]), np.array([0.8, 0.5]), 4.0)
array([0.8, 0.5])
>>> delivery_share(np.array([1.0, 1.0]), np.array([4.0, 4.0]), np.array([0.8, 0.5]), 4.0).round(3)
array([0.283, 0.177])
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .scenario import PRESETS, Scenario
from .system import System

if TYPE_CHECKING:  # the engine imports this module, so it is imported inside the functions
    from .engine import YearInputs

# Assumption (data/README.md, "Leadership capacity"): 1.5 makes a portfolio at twice its
# capacity deliver 0.5 ** 1.5 = 35% of each scheme's chance, so spreading thin loses overall.
OVERLOAD_ELASTICITY = 1.5
NHS_SYSTEM_ID = "nhs_system"
PLACE_ID = "place"
# Subsets evaluated per engine call: 65,536 x ~30 lines x 8 bytes is ~16 MB an array,
# so up to 16 schemes is one engine call and more stays within memory.
SUBSETS_PER_CALL = 2**16
MAX_SCHEMES_SEARCHED = 22  # 4 million subsets: a minute or so; beyond, say so instead


def delivery_share(chosen: np.ndarray, load: np.ndarray, probability: np.ndarray,
                   capacity: float) -> np.ndarray:
    """Expected share of each scheme's effect delivered; ``chosen`` is [s] or [d, s] of 0/1."""
    total = (chosen * load).sum(axis=-1, keepdims=True)
    strain = np.minimum(1.0, capacity / np.where(total > 0, total, 1.0)) ** OVERLOAD_ELASTICITY
    return probability * np.where(total > 0, strain, 1.0)


# --------------------------------------------------------------------------- helpers


def _positions(inputs: YearInputs, scenario: Scenario, funded: np.ndarray) -> np.ndarray:
    """[k, n] positions before incentive funds, one row per row of ``funded`` [k, s]."""
    from .engine import compute_year, expected_delivery

    delivered = expected_delivery(inputs, scenario, funded)
    money = compute_year(inputs, scenario, funded=funded, delivered=delivered)
    return np.broadcast_to(money.position - money.incentive, (len(funded), len(inputs.org_ids)))


def _inputs(system: System, scenario: Scenario) -> YearInputs:
    from .engine import inputs_for

    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    return inputs_for(system, scenario)


def _chosen(inputs: YearInputs, scenario: Scenario, schemes: Sequence[str] | None) -> np.ndarray:
    from .engine import chosen_schemes

    if schemes is not None:
        scenario = replace(scenario, schemes=schemes)  # validated there, naming the field
    return chosen_schemes(inputs, scenario)


# --------------------------------------------------------------------------- tables


def scheme_table(system: System, scenario: Scenario) -> pd.DataFrame:
    """One row per scheme: who funds and delivers it, and its expected net benefit alone.

    ``delivery_share`` is the expected share of its effect delivered when it is the only
    scheme chosen (its probability, cut if its own load exceeds the capacity).
    ``nhs_benefit_gbp_m`` and ``place_benefit_gbp_m``: the change in the summed position
    of the NHS organisations, and of every organisation in the place, with the scheme alone
    at full effect, its cost included.

    >>> import casestudy as cs
    >>> table = scheme_table(cs.load_system(), cs.Scenario())
    >>> "nhs_benefit_gbp_m" in table.columns and len(table) == len(cs.load_system().schemes)
    True
    """
    inputs = _inputs(system, scenario)
    count = len(inputs.scheme_ids)
    funded = np.vstack([np.zeros(count), np.eye(count)])
    position = _positions(inputs, scenario, funded)
    benefit = position[1:] - position[0]
    alone = delivery_share(np.eye(count), inputs.scheme_load, inputs.scheme_probability,
                           scenario.leadership_capacity).diagonal()
    schemes = system.schemes
    return pd.DataFrame({
        "scheme_id": list(inputs.scheme_ids),
        "name": schemes.name.to_numpy(),
        "funder_id": schemes.funder_id.to_numpy(),
        "deliverer_id": schemes.deliverer_id.to_numpy(),
        "cost_gbp_m": inputs.scheme_cost,
        "leadership_load": inputs.scheme_load,
        "evidence": schemes.evidence.to_numpy(),
        "delivery_probability": inputs.scheme_probability,
        "delivery_share": alone,
        "nhs_benefit_gbp_m": benefit[:, inputs.in_nhs].sum(axis=1),
        "place_benefit_gbp_m": benefit.sum(axis=1),
    })


def portfolio(system: System, scenario: Scenario,
              schemes: Sequence[str] | None = None) -> pd.DataFrame:
    """Expected net benefit of a portfolio to each organisation, under each payment preset.

    ``schemes`` defaults to the scenario's. Benefit is the position with the schemes minus
    the position without (before incentive funds, one year at full effect, each scheme at
    its expected delivery given the portfolio's load). Columns ``payment, org_id, name,
    kind, benefit_gbp_m``, with two more rows per preset: ``org_id = "nhs_system"`` (the
    NHS organisations summed) and ``"place"`` (every organisation). The payment rule moves
    the benefit between organisations; the NHS system's total is the same under each.

    >>> import casestudy as cs
    >>> table = portfolio(cs.load_system(), cs.Scenario(), schemes=["frailty"])
    >>> nhs = table.query("org_id == 'nhs_system'").benefit_gbp_m
    >>> bool(nhs.max() - nhs.min() < 1e-9)
    True
    """
    inputs = _inputs(system, scenario)
    chosen = _chosen(inputs, scenario, schemes)
    funded = np.vstack([np.zeros_like(chosen), chosen])
    orgs = system.organisations
    frames = []
    for preset in PRESETS:
        under = replace(scenario, payment=preset)
        position = _positions(_inputs(system, under), under, funded)
        benefit = position[1] - position[0]
        frames.append(pd.DataFrame({
            "payment": preset,
            "org_id": [*inputs.org_ids, NHS_SYSTEM_ID, PLACE_ID],
            "name": [*orgs.name, "NHS system", "Whole place"],
            "kind": [*orgs.kind, "nhs_system", "place"],
            "benefit_gbp_m": [*benefit, benefit[inputs.in_nhs].sum(), benefit.sum()],
        }))
    return pd.concat(frames, ignore_index=True)


def _max_size(value: object, count: int) -> int:
    if value is None:
        return count
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok or not 1 <= value <= count:
        raise ScenarioError(f"max_size = {value!r} is outside the allowed range 1 to {count} "
                            "(the most schemes in a portfolio; the system has "
                            f"{count} schemes)")
    return int(value)


def best_portfolios(system: System, scenario: Scenario, max_size: int | None = None,
                    boundary: str = "nhs") -> pd.DataFrame:
    """The best portfolio of each size, by exhaustive search over every subset of schemes.

    Every subset with at most ``max_size`` schemes (default: all) is one row of the
    engine's leading axis: ``funded`` is [subsets, schemes] of 0/1 and ``delivered`` is
    ``funded x delivery_share`` for every subset at once. For each size the subset with the
    largest expected benefit to the ``boundary`` wins: ``"nhs"`` (the NHS system, the
    default) or ``"place"`` (every organisation, so a scheme that saves the NHS money by
    spending the council's counts at its net value). Columns ``size, schemes`` (a tuple of ids),
    ``names, nhs_benefit_gbp_m, place_benefit_gbp_m, cost_gbp_m, load, delivery_share``
    (the mean expected delivered share of its schemes) and ``best_overall`` (the size whose
    best portfolio has the largest benefit). Past capacity, benefit falls with size.

    >>> import casestudy as cs
    >>> table = best_portfolios(cs.load_system(), cs.Scenario(), max_size=3)
    >>> table["size"].tolist()
    [1, 2, 3]
    """
    if boundary not in ("nhs", "place"):
        raise ScenarioError(f"boundary = {boundary!r} is not one of 'nhs', 'place'")
    inputs = _inputs(system, scenario)
    count = len(inputs.scheme_ids)
    if count == 0:
        raise ScenarioError("best_portfolios: the system has no schemes to choose from")
    if count > MAX_SCHEMES_SEARCHED:
        raise ScenarioError(f"best_portfolios searches every subset; {count} schemes make "
                            f"2**{count} subsets, more than this search allows "
                            f"({MAX_SCHEMES_SEARCHED} schemes)")
    max_size = _max_size(max_size, count)
    codes = np.arange(2**count, dtype=np.int64)
    subsets = ((codes[:, None] >> np.arange(count)) & 1).astype(float)  # [2^S, S]
    subsets = subsets[subsets.sum(axis=1) <= max_size]  # row 0 is the empty portfolio
    nhs_benefit = np.empty(len(subsets))
    place_benefit = np.empty(len(subsets))
    for start in range(0, len(subsets), SUBSETS_PER_CALL):
        part = subsets[start:start + SUBSETS_PER_CALL]
        position = _positions(inputs, scenario, part)
        nhs_benefit[start:start + len(part)] = position[:, inputs.in_nhs].sum(axis=1)
        place_benefit[start:start + len(part)] = position.sum(axis=1)
    nhs_benefit -= nhs_benefit[0]
    place_benefit -= place_benefit[0]
    share = delivery_share(subsets, inputs.scheme_load, inputs.scheme_probability,
                           scenario.leadership_capacity)
    sizes = subsets.sum(axis=1).astype(int)
    names = system.schemes.name.to_numpy()
    objective = nhs_benefit if boundary == "nhs" else place_benefit
    rows = []
    for size in range(1, max_size + 1):
        candidates = np.flatnonzero(sizes == size)
        best = candidates[np.argmax(objective[candidates])]
        picked = subsets[best] > 0
        rows.append({
            "size": size,
            "schemes": tuple(np.array(inputs.scheme_ids)[picked]),
            "names": ", ".join(names[picked]),
            "nhs_benefit_gbp_m": nhs_benefit[best],
            "place_benefit_gbp_m": place_benefit[best],
            "cost_gbp_m": inputs.scheme_cost[picked].sum(),
            "load": inputs.scheme_load[picked].sum(),
            "delivery_share": share[best, picked].mean(),
        })
    table = pd.DataFrame(rows)
    table["best_overall"] = table.index == table[f"{boundary}_benefit_gbp_m"].idxmax()
    return table
