"""Uncertainty: demand drawn at random, the same engine over a leading axis of draws.

Each service line's actual demand is its plan x (1 + demand shock + noise), where the noise
of draw ``d`` on line ``l`` is

    demand_cv[l] x (sqrt(rho) x winter[d] + sqrt(1 - rho) x own[d, l])

with ``winter`` and ``own`` independent standard normal draws and ``rho`` the scenario's
``winter_correlation``. Each line keeps its own spread (``demand_cv``); ``rho`` is the
correlation between any two lines' shocks, so with ``rho = 1`` a bad winter hits every
line at once and with ``rho = 0`` the lines' shocks are independent.

The draws go through :func:`casestudy.engine.compute_year` in chunks sized from the
system (:func:`casestudy.engine.rows_per_chunk`: 8,192 draws of the bundled system, about
200 of one with 20,000 service lines and 500 organisations): one code path for one draw and
for a million, no loop per draw, and working memory bounded by the chunk's budget (256 MiB)
whatever the size. The result itself is draws x organisations rows, refused beyond
``MAX_ROWS`` (20 million rows, about 1.3 GB) with the number of draws that would fit.

Risk is measured on the position **before incentive funds** (after any risk share). The
control total is defined on that position (the engine's ``met_control_total`` leaves the
funds out), and an incentive fund is all-or-nothing: adding it would turn a smooth spread
of demand risk into two lumps and make a reserve pay for the fund's own cliff edge.

>>> import casestudy as cs
>>> frame = simulate(cs.load_system(), cs.Scenario.preset("fixed_income"), draws=2, seed=1)
>>> list(frame.columns[:5])
['draw', 'org_id', 'position_gbp_m', 'underlying_position_gbp_m', 'met_control_total']
>>> len(frame) == 2 * len(cs.load_system().organisations)
True
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from .engine import TOLERANCE_GBP_M, Money, YearInputs, compute_year, inputs_for, rows_per_chunk
from .errors import ScenarioError
from .scenario import PRESETS, Scenario, check_presets, field_info
from .system import System
from .totals import IS_TOTAL, NHS_ID

# The scenario's own limit (1,000,000): the frame of a million draws is about 0.5 GB.
MAX_DRAWS = int(field_info("draws")["max"])
# Rows of draws x organisations that one result may hold (about 65 bytes a row in simulate's
# frame, 8 in the summaries' arrays): 10,000 draws of the largest system the loader takes
# (2,000 organisations), or a million draws of one with 20.
MAX_ROWS = 20_000_000
SYSTEM_ID = NHS_ID  # the NHS organisations summed (casestudy.totals)
POOLED_ID = "pooled"
SIMULATE_COLUMNS = (
    "draw", "org_id", "position_gbp_m", "underlying_position_gbp_m", "met_control_total",
    "income_gbp_m", "cost_gbp_m", "position_before_incentive_gbp_m",
)


# --------------------------------------------------------------------------- arguments


def _whole_number(name: str, value: object, low: int, high: int) -> int:
    """An integer argument in [low, high], or ``ScenarioError`` naming it."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok and isinstance(value, float) and value.is_integer():
        ok, value = True, int(value)
    if not ok:
        raise ScenarioError(f"{name} = {value!r} is not a whole number; allowed range "
                            f"{low:,} to {high:,}")
    if not low <= value <= high:
        raise ScenarioError(f"{name} = {value!r} is outside the allowed range {low:,} to {high:,}")
    return int(value)


def _arguments(scenario: Scenario, draws: object, seed: object) -> tuple[int, int]:
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    draws = scenario.draws if draws is None else draws
    seed = scenario.seed if seed is None else seed
    return (_whole_number("draws", draws, 1, MAX_DRAWS),
            _whole_number("seed", seed, 0, 2**63 - 1))


def _fits(inputs: YearInputs, draws: int) -> None:
    """Refuse a result of more than ``MAX_ROWS`` draws x organisations, saying what fits."""
    orgs = len(inputs.org_ids)
    if draws * orgs > MAX_ROWS:
        raise ScenarioError(f"draws = {draws:,} x {orgs:,} organisations is {draws * orgs:,} "
                            f"rows, more than a result may hold ({MAX_ROWS:,}); use at most "
                            f"{MAX_ROWS // orgs:,} draws for this system")


def _confidence(confidence: object) -> float:
    ok = isinstance(confidence, numbers.Real) and not isinstance(confidence, bool)
    if not ok or not 0 < float(confidence) < 1:
        raise ScenarioError(f"confidence = {confidence!r} is outside the allowed range: "
                            "strictly between 0 and 1 (0.9 = covered in 9 years out of 10)")
    return float(confidence)


# --------------------------------------------------------------------------- the draws


def demand_noise(demand_cv: np.ndarray, winter_correlation: float, draws: int,
                 rng: np.random.Generator) -> np.ndarray:
    """[draws, lines] shocks to demand, correlated through one shared winter factor.

    Row ``d`` depends only on the generator's state and ``d``: the first rows of a long
    run are the rows of a short run from the same seed.

    >>> rng = np.random.default_rng(0)
    >>> demand_noise(np.array([0.0, 0.1]), 1.0, 3, rng).shape
    (3, 2)
    """
    shocks = rng.standard_normal((draws, 1 + len(demand_cv)))
    winter, own = shocks[:, :1], shocks[:, 1:]
    shared = np.sqrt(winter_correlation)
    # demand_cv x (shared x winter + sqrt(1 - rho) x own), in place: the same operations in
    # the same order (the same numbers), without three temporary [draws, lines] arrays.
    own *= np.sqrt(1.0 - winter_correlation)
    own += shared * winter
    own *= demand_cv
    return own


def draws_of_demand(inputs: YearInputs, scenario: Scenario, draws: int, seed: int) -> np.ndarray:
    """[draws, lines] demand noise, the very draws :func:`simulate` makes with ``seed``."""
    rng = np.random.default_rng(seed)
    chunk = rows_per_chunk(inputs)
    return np.vstack([demand_noise(inputs.demand_cv, scenario.winter_correlation,
                                   min(chunk, draws - start), rng)
                      for start in range(0, draws, chunk)])


def _chunks(inputs: YearInputs, scenario: Scenario, draws: int,
            seed: int) -> Iterator[tuple[int, Money]]:
    """(first draw, the engine's money for the next chunk of draws), in order."""
    rng = np.random.default_rng(seed)
    chunk = rows_per_chunk(inputs)
    # Successive chunks draw on from the same generator: the draws do not depend on the chunk.
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        noise = demand_noise(inputs.demand_cv, scenario.winter_correlation, size, rng)
        yield start, compute_year(inputs, scenario, demand_noise=noise)


def simulate(system: System, scenario: Scenario, draws: int | None = None,
             seed: int | None = None) -> pd.DataFrame:
    """Monte Carlo of one year: one row per draw x organisation.

    ``draws`` and ``seed`` default to the scenario's. Columns: ``draw, org_id,
    position_gbp_m, underlying_position_gbp_m, met_control_total, income_gbp_m,
    cost_gbp_m, position_before_incentive_gbp_m`` (``org_id`` is categorical). Schemes
    count at their expected delivery, as in ``run_year``; only demand is drawn.
    """
    draws, seed = _arguments(scenario, draws, seed)
    inputs = inputs_for(system, scenario)
    _fits(inputs, draws)
    orgs = len(inputs.org_ids)
    columns = {name: np.empty(draws * orgs) for name in SIMULATE_COLUMNS[2:]}
    columns["met_control_total"] = np.empty(draws * orgs, dtype=bool)
    for start, money in _chunks(inputs, scenario, draws, seed):
        rows = slice(start * orgs, (start + len(money.position)) * orgs)
        columns["position_gbp_m"][rows] = money.position.ravel()
        columns["underlying_position_gbp_m"][rows] = money.underlying.ravel()
        columns["met_control_total"][rows] = money.met.ravel()
        columns["income_gbp_m"][rows] = money.income.ravel()
        columns["cost_gbp_m"][rows] = money.cost.ravel()
        columns["position_before_incentive_gbp_m"][rows] = (money.position - money.incentive).ravel()
    # Categorical org ids: 1 byte a row instead of a Python string, which matters at 10M rows;
    # 2 bytes from 128 organisations (a signed 8-bit code holds 127 at most), and so on.
    code_type = next(t for t in (np.int8, np.int16, np.int32, np.int64) if orgs <= np.iinfo(t).max)
    codes = np.arange(orgs, dtype=code_type)
    org_id = pd.Categorical.from_codes(np.tile(codes, draws), categories=list(inputs.org_ids))
    columns.update(draw=np.repeat(np.arange(draws), orgs), org_id=org_id)
    # copy=False keeps each column's array as it is: no second copy of a 10-million-row frame.
    return pd.DataFrame({name: columns[name] for name in SIMULATE_COLUMNS}, copy=False)


# --------------------------------------------------------------------------- summaries


def _before_incentive(inputs: YearInputs, scenario: Scenario, draws: int,
                      seed: int) -> np.ndarray:
    """[draws, n] positions before incentive funds (after any risk share)."""
    _fits(inputs, draws)
    out = np.empty((draws, len(inputs.org_ids)))
    for start, money in _chunks(inputs, scenario, draws, seed):
        out[start:start + len(money.position)] = money.position - money.incentive
    return out


def risk_by_preset(system: System, scenario: Scenario, draws: int | None = None,
                   seed: int | None = None, presets: Sequence[str] = PRESETS) -> pd.DataFrame:
    """Who carries the volume risk: each organisation's spread under each payment preset.

    Every preset (``presets``, default all) sees the same draws of demand (the same seed).
    One row per preset x
    organisation, plus ``org_id = "nhs"`` (``is_total``): the NHS organisations summed against the
    system control total. Columns ``payment, org_id, chance_met, mean_position_gbp_m,
    sd_position_gbp_m, control_total_gbp_m, is_total``; positions are before incentive funds
    (see the module docstring), after the scenario's risk share.

    >>> import casestudy as cs
    >>> table = risk_by_preset(cs.load_system(), cs.Scenario(), draws=200)
    >>> sorted(table.payment.unique()) == sorted(cs.PRESETS)
    True
    """
    draws, seed = _arguments(scenario, draws, seed)
    frames = []
    for preset in check_presets(presets):
        chosen = replace(scenario, payment=preset)
        inputs = inputs_for(system, chosen)
        position = _before_incentive(inputs, chosen, draws, seed)
        control = inputs.control_total
        nhs_position = position[:, inputs.in_nhs].sum(axis=1, keepdims=True)
        nhs_control = control[inputs.in_nhs].sum()
        every = np.hstack([position, nhs_position])
        target = np.append(control, nhs_control)
        frames.append(pd.DataFrame({
            "payment": preset,
            "org_id": [*inputs.org_ids, SYSTEM_ID],
            IS_TOTAL: [False] * len(inputs.org_ids) + [True],
            "chance_met": (every >= target - TOLERANCE_GBP_M).mean(axis=0),
            "mean_position_gbp_m": every.mean(axis=0),
            "sd_position_gbp_m": every.std(axis=0, ddof=1) if draws > 1 else np.zeros(len(target)),
            "control_total_gbp_m": target,
        }))
    return pd.concat(frames, ignore_index=True)


def contingency_reserves(system: System, scenario: Scenario, confidence: float = 0.9,
                         draws: int | None = None, seed: int | None = None) -> pd.DataFrame:
    """The reserve each NHS organisation needs alone, against the system's pooled reserve.

    Alone, organisation p needs ``max(0, control_total_p - q_p)`` where ``q_p`` is the
    ``1 - confidence`` quantile of its position: with that reserve it reaches its control
    total in ``confidence`` of the draws. Pooled, the system needs ``max(0, system control
    total - q)`` with ``q`` the same quantile of the summed NHS position. "Alone" means with
    no risk share (the scenario's ``risk_share`` is set to 0); risk-share transfers sum to
    zero, so the pooled figure does not depend on it. Positions are before incentive funds.

    Pooling needs less because bad years at different organisations partly offset. With
    demand drawn from normal distributions, as here, the pooled reserve is in theory never
    more than the sum held alone; when every risk moves with one winter the two meet, and
    sampled quantiles can then cross by sampling noise. (For lumpy, skewed risks a quantile
    need not behave so well: that is one more reason to leave incentive funds out.)
    Columns ``org_id, arrangement ("alone" / "pooled"), reserve_gbp_m``.

    >>> import casestudy as cs
    >>> table = contingency_reserves(cs.load_system(), cs.Scenario(), draws=2_000)
    >>> pooled = table.query("arrangement == 'pooled'").reserve_gbp_m.sum()
    >>> bool(pooled <= table.query("arrangement == 'alone'").reserve_gbp_m.sum())
    True
    """
    confidence = _confidence(confidence)
    draws, seed = _arguments(scenario, draws, seed)
    alone = replace(scenario, risk_share=0.0)
    inputs = inputs_for(system, alone)
    nhs = inputs.in_nhs
    position = _before_incentive(inputs, alone, draws, seed)[:, nhs]
    ids = [org for org, keep in zip(inputs.org_ids, nhs) if keep]
    return reserves_from_positions(position, inputs.control_total[nhs], ids, confidence)


def reserves_from_positions(position: np.ndarray, control_total: np.ndarray,
                            org_ids: Sequence[str], confidence: float) -> pd.DataFrame:
    """The reserves of :func:`contingency_reserves` from positions already drawn.

    ``position`` is [draws, organisations] of the NHS organisations' positions before
    incentive funds; a panel keeps it and asks again for each confidence.

    >>> reserves_from_positions(np.array([[0.0], [-2.0]]), np.array([0.0]), ["a"], 0.75
    ...                         ).reserve_gbp_m.tolist()
    [1.5, 1.5]
    """
    confidence = _confidence(confidence)
    low = 1.0 - confidence
    reserve = np.maximum(0.0, control_total - np.quantile(position, low, axis=0))
    pooled = max(0.0, control_total.sum() - np.quantile(position.sum(axis=1), low))
    ids = list(org_ids)
    return pd.DataFrame({
        "org_id": [*ids, POOLED_ID],
        "arrangement": ["alone"] * len(ids) + ["pooled"],
        "reserve_gbp_m": [*reserve, pooled],
    })

