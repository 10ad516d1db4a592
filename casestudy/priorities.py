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

import functools
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from .engine import (
    OVERLOAD_ELASTICITY,
    YearInputs,
    chosen_schemes,
    compute_year,
    delivery_share,
    expected_delivery,
    inputs_for,
    rows_per_chunk,
)
from .errors import ScenarioError
from .scenario import PRESETS, Scenario, check_presets
from .system import System
from .totals import NHS_SYSTEM_ID, PLACE_ID

__all__ = [
    # step 2 of run_year (the schemes' effect on activity), so they live in the engine;
    # re-exported here, where lesson 1 and its tests find them
    "OVERLOAD_ELASTICITY", "delivery_share",
    "scheme_table", "portfolio", "best_portfolios", "best_portfolios_by_capacity",
    "capacities_to_search", "every_subset",
    "SUBSETS_PER_CALL", "ROWS_PER_SEARCH", "MAX_SCHEMES_SEARCHED",
]

# Subsets evaluated per engine call: 8,192 x ~30 lines x 8 bytes is ~2 MB an array. Larger
# calls were slower here (61 capacities of the bundled system: 153 ms in calls of 8,192,
# 207 ms in calls of 65,536), and memory stays flat however many schemes are searched.
SUBSETS_PER_CALL = 2**13
# Engine rows one slider's search may take (about 0.15 s here): every value of lesson 1's
# capacity slider for the bundled 12 schemes (73,728 rows); for more schemes, a window.
ROWS_PER_SEARCH = 2**17
MAX_SCHEMES_SEARCHED = 22  # 4 million subsets: a minute or so; beyond, say so instead


# --------------------------------------------------------------------------- helpers


def _positions(inputs: YearInputs, scenario: Scenario, funded: np.ndarray,
               delivered: np.ndarray | None = None) -> np.ndarray:
    """[k, n] positions before incentive funds, one row per row of ``funded`` [k, s].

    ``delivered`` [k, s]: the share of each scheme's effect delivered (default: the
    scenario's leadership capacity decides it)."""
    if delivered is None:
        delivered = expected_delivery(inputs, scenario, funded)
    money = compute_year(inputs, scenario, funded=funded, delivered=delivered)
    return np.broadcast_to(money.position - money.incentive, (len(funded), len(inputs.org_ids)))


def _inputs(system: System, scenario: Scenario) -> YearInputs:
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    return inputs_for(system, scenario)


def _chosen(inputs: YearInputs, scenario: Scenario, schemes: Sequence[str] | None) -> np.ndarray:
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


def portfolio(system: System, scenario: Scenario, schemes: Sequence[str] | None = None,
              presets: Sequence[str] = PRESETS) -> pd.DataFrame:
    """Expected net benefit of a portfolio to each organisation, under each payment preset
    (``presets``, default all).

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
    for preset in check_presets(presets):
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
    capacity = getattr(scenario, "leadership_capacity", None)  # not a Scenario: refused there
    return best_portfolios_by_capacity(system, scenario, [capacity], max_size, boundary)[capacity]


def best_portfolios_by_capacity(system: System, scenario: Scenario, capacities: Sequence[float],
                                max_size: int | None = None,
                                boundary: str = "nhs") -> Mapping[float, pd.DataFrame]:
    """:func:`best_portfolios` at each leadership capacity in ``capacities``, in one search.

    Returns ``{capacity: table}``; each table equals ``best_portfolios`` with the scenario's
    ``leadership_capacity`` set to that capacity. A subset whose load is within a capacity
    keeps every scheme's own chance (``delivery_share`` is its probability), so its positions
    are the same at every capacity it fits: the engine runs each such subset once, and each
    capacity only adds the subsets over it. For the bundled 12 schemes, the 61 settings of
    lesson 1's slider take 73,728 engine rows instead of 61 x 4,096 = 249,856. The engine
    runs at once; a capacity's table is built when it is first looked up.

    >>> import casestudy as cs
    >>> tables = best_portfolios_by_capacity(cs.load_system(), cs.Scenario(), [4.0, 8.0])
    >>> sorted(tables)
    [4.0, 8.0]
    """
    if boundary not in ("nhs", "place"):
        raise ScenarioError(f"boundary = {boundary!r} is not one of 'nhs', 'place'")
    inputs = _inputs(system, scenario)
    # Each capacity is checked as the scenario checks it (a number within its range).
    capacities = sorted({replace(scenario, leadership_capacity=c).leadership_capacity
                         for c in capacities})
    count = len(inputs.scheme_ids)
    if count == 0:
        raise ScenarioError("best_portfolios: the system has no schemes to choose from")
    if count > MAX_SCHEMES_SEARCHED:
        raise ScenarioError(f"best_portfolios searches every subset; {count} schemes make "
                            f"2**{count} subsets, more than this search allows "
                            f"({MAX_SCHEMES_SEARCHED} schemes)")
    return _Search(system, inputs, scenario, capacities, _max_size(max_size, count), boundary)


@functools.lru_cache(maxsize=4)
def every_subset(count: int) -> np.ndarray:
    """[2**count, count] of 0/1: row k has scheme j when bit j of k is set (read-only, kept).

    >>> every_subset(2)
    array([[0., 0.],
           [1., 0.],
           [0., 1.],
           [1., 1.]])
    """
    codes = np.arange(2**count, dtype=np.int64)
    subsets = ((codes[:, None] >> np.arange(count)) & 1).astype(float)
    subsets.flags.writeable = False
    return subsets


def capacities_to_search(system: System, capacity: float, candidates: Sequence[float],
                         rows: int | None = None) -> list[float]:
    """``capacity`` and the ``candidates`` nearest it whose search fits in ``rows`` engine rows.

    For a slider: one :func:`best_portfolios_by_capacity` over the values returned answers
    every move among them at once. The search runs each subset within the largest capacity
    once and, per capacity, each subset over it; the nearest candidates are added while
    that count stays within ``rows`` (default ``ROWS_PER_SEARCH``; the asked capacity is
    always searched).

    >>> import casestudy as cs
    >>> len(capacities_to_search(cs.load_system(), 6.0, [k / 2 for k in range(61)]))
    61
    >>> capacities_to_search(cs.load_system(), 6.0, [k / 2 for k in range(61)], rows=12_000)
    [5.5, 6.0, 6.5]
    """
    rows = ROWS_PER_SEARCH if rows is None else rows
    load = system.schemes.leadership_load.to_numpy(dtype=float)
    loads = np.sort(every_subset(len(load)) @ load)

    def over(c: float) -> int:  # subsets whose load is above c
        return len(loads) - int(np.searchsorted(loads, c, side="right"))

    chosen = [capacity]
    spent = len(loads)  # the one capacity: every subset, once
    for c in sorted(set(candidates) - {capacity}, key=lambda c: (abs(c - capacity), c)):
        top = max(chosen + [c])
        cost = spent + over(c) + (over(max(chosen)) - over(top))  # fits(top) - fits(old top)
        if cost > rows:
            break
        chosen.append(c)
        spent = cost
    return sorted(chosen)


class _Search(Mapping):
    """Every subset's benefit at a set of capacities (one engine pass); tables on demand."""

    def __init__(self, system: System, inputs: YearInputs, scenario: Scenario,
                 capacities: list[float], max_size: int, boundary: str) -> None:
        subsets = every_subset(len(inputs.scheme_ids))
        self.subsets = subsets[subsets.sum(axis=1) <= max_size]  # row 0: the empty portfolio
        self.load = self.subsets @ inputs.scheme_load
        self.inputs, self.max_size, self.boundary = inputs, max_size, boundary
        self.names = system.schemes.name.to_numpy()
        self.capacities = capacities
        self.tables: dict[float, pd.DataFrame] = {}
        self.engine_rows = 0
        self.offsets: dict[float, int] = {}
        if not capacities:
            return
        # Blocks of engine rows: every subset that fits the largest capacity, at full delivery
        # (min(1, capacity / load) is 1 there), then for each capacity the subsets over it,
        # at the share that capacity leaves them.
        self.blocks = [(np.flatnonzero(self.load <= capacities[-1]), capacities[-1])]
        self.blocks += [(np.flatnonzero(self.load > c), c) for c in capacities]
        funded = self.subsets[np.concatenate([index for index, _ in self.blocks])]
        delivered = np.concatenate([self._shares(index, c) for index, c in self.blocks])
        self.engine_rows = len(funded)
        self.nhs_rows = np.empty(len(funded))
        self.place_rows = np.empty(len(funded))
        # At most SUBSETS_PER_CALL rows a call, fewer for a big system (its memory budget).
        step = min(SUBSETS_PER_CALL, rows_per_chunk(inputs))
        for start in range(0, len(funded), step):
            part = slice(start, start + step)
            position = _positions(inputs, scenario, funded[part], delivered[part])
            self.nhs_rows[part] = position[:, inputs.in_nhs].sum(axis=1)
            self.place_rows[part] = position.sum(axis=1)
        starts = np.cumsum([0] + [len(index) for index, _ in self.blocks])
        self.offsets = dict(zip(capacities, starts[1:-1]))

    def _shares(self, index: np.ndarray, capacity: float) -> np.ndarray:
        chosen = self.subsets[index]
        return chosen * delivery_share(chosen, self.inputs.scheme_load,
                                       self.inputs.scheme_probability, capacity)

    def __getitem__(self, capacity: float) -> pd.DataFrame:
        if capacity not in self.tables:
            self.tables[capacity] = self._table(capacity)
        return self.tables[capacity]

    def __contains__(self, capacity: object) -> bool:
        return capacity in self.offsets

    def __iter__(self):
        return iter(self.capacities)

    def __len__(self) -> int:
        return len(self.capacities)

    def _table(self, capacity: float) -> pd.DataFrame:
        if capacity not in self.offsets:
            raise KeyError(f"leadership capacity {capacity!r} was not searched; searched: "
                           f"{', '.join(f'{c:g}' for c in self.capacities)}")
        fits, _ = self.blocks[0]
        over = self.load > capacity
        start = self.offsets[capacity]
        benefits = []
        for rows in (self.nhs_rows, self.place_rows):
            benefit = np.empty(len(self.subsets))
            benefit[fits] = rows[:len(fits)]  # then the subsets over this capacity
            benefit[over] = rows[start:start + int(over.sum())]
            benefits.append(benefit - benefit[0])
        nhs_benefit, place_benefit = benefits
        objective = nhs_benefit if self.boundary == "nhs" else place_benefit
        sizes = self.subsets.sum(axis=1).astype(int)
        best = np.array([candidates[np.argmax(objective[candidates])]
                         for candidates in (np.flatnonzero(sizes == size)
                                            for size in range(1, self.max_size + 1))])
        chosen = self.subsets[best]
        picked = chosen > 0
        share = delivery_share(chosen, self.inputs.scheme_load, self.inputs.scheme_probability,
                               capacity)
        ids = np.array(self.inputs.scheme_ids)
        table = pd.DataFrame({
            "size": np.arange(1, self.max_size + 1),
            "schemes": [tuple(ids[mask]) for mask in picked],
            "names": [", ".join(self.names[mask]) for mask in picked],
            "nhs_benefit_gbp_m": nhs_benefit[best],
            "place_benefit_gbp_m": place_benefit[best],
            "cost_gbp_m": [self.inputs.scheme_cost[mask].sum() for mask in picked],
            "load": [self.inputs.scheme_load[mask].sum() for mask in picked],
            "delivery_share": [s[mask].mean() for s, mask in zip(share, picked)],
        })
        table["best_overall"] = table.index == table[f"{self.boundary}_benefit_gbp_m"].idxmax()
        return table
