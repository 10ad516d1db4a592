"""Payment rules: how much a commissioner pays a provider for a service line.

Every rule has one method, ``payment(planned, actual, unit_price)``, vectorised over numpy
arrays (any broadcastable shapes), returning money in the unit of the price. The engine
calls it for every service line without knowing which rule it is; the presets of
``casestudy.scenario`` say which rule pays which service in which years.

>>> import numpy as np
>>> planned, actual, price = np.array(100.0), np.array(110.0), np.array(1000.0)
>>> float(ActivityBased().payment(planned, actual, price))
110000.0
>>> float(FixedIncome().payment(planned, actual, price))
100000.0
>>> float(Blended(rate_above_plan=0.2, rate_below_plan=0.2).payment(planned, actual, price))
102000.0
>>> float(CapAndCollar(floor=0.98, cap=1.02).payment(planned, actual, price))
102000.0

The marginal rate emergency tariff pays full price up to a baseline (here 94 of the 100
planned units) and 70% of price above it: 94 x 1,000 + 0.7 x (110 - 94) x 1,000 = 105,200.

>>> float(MarginalRate(baseline_share=0.94, rate_above_baseline=0.7).payment(planned, actual, price))
105200.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from .errors import ScenarioError
from .jsontext import shown


def _check_share(rule: str, name: str, value: float, low: float = 0.0, high: float = 1.0) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise ScenarioError(f"{rule}.{name} = {shown(value)} is outside the allowed range "
                            f"{low:g} to {high:g}")


@dataclass(frozen=True, kw_only=True)
class ActivityBased:
    """Payment by results: price x actual activity (the national tariff)."""

    label = "Payment by results (price x actual)"

    def payment(self, planned: np.ndarray, actual: np.ndarray, unit_price: np.ndarray) -> np.ndarray:
        # Broadcast with planned too, so every rule returns the same shape for the same inputs.
        return np.broadcast_to(unit_price * actual, np.broadcast_shapes(
            np.shape(planned), np.shape(actual), np.shape(unit_price))).astype(float)


@dataclass(frozen=True, kw_only=True)
class FixedIncome:
    """Fixed income (block): price x planned activity, whatever happens."""

    label = "Fixed income (price x plan)"

    def payment(self, planned: np.ndarray, actual: np.ndarray, unit_price: np.ndarray) -> np.ndarray:
        return np.broadcast_to(unit_price * planned, np.broadcast_shapes(
            np.shape(planned), np.shape(actual), np.shape(unit_price))).astype(float)


@dataclass(frozen=True, kw_only=True)
class Blended:
    """Fixed payment for plan plus a share of price for each unit above or below plan.

    ``Blended(1, 1)`` is payment by results and ``Blended(0, 0)`` is fixed income. The
    2019/20 blended payment for emergency care paid 20% both ways (R62); aligned payment and
    incentive paid 75% for elective activity above plan and took nothing back below it in
    2022/23 (``Blended(0.75, 0)``, R67, R69) and 100% both ways from 2023/24 (R69). The
    marginal rate emergency tariff is **not** a setting of this rule: its baseline is not
    the plan, and below the baseline it paid full price (see :class:`MarginalRate`).
    """

    rate_above_plan: float = 0.2
    rate_below_plan: float = 0.2
    label = "Blended (plan + a share of the variance)"

    def __post_init__(self) -> None:
        _check_share("Blended", "rate_above_plan", self.rate_above_plan)
        _check_share("Blended", "rate_below_plan", self.rate_below_plan)

    def payment(self, planned: np.ndarray, actual: np.ndarray, unit_price: np.ndarray) -> np.ndarray:
        rate = np.where(actual > planned, self.rate_above_plan, self.rate_below_plan)
        # plan + rate x (actual - plan), written as a weighted mean of plan and actual: the
        # same number, without the cancellation of two large terms when rate is near 1.
        return unit_price * ((1 - rate) * planned + rate * actual)


@dataclass(frozen=True, kw_only=True)
class MarginalRate:
    """The marginal rate emergency tariff (MRET): full price for emergency admissions up to
    a baseline, and ``rate_above_baseline`` of price for each admission above it.

    From 2010/11 the rate was 30% above a 2008/09 baseline value; from 2014/15
    commissioners had to revise baselines where growth was outside the provider's control;
    in 2015/16 it was 50% by default and 70% under the Enhanced Tariff Option; from 2016/17
    to 2018/19 it was 70% (R49, R50, R51, R35, R36, R52). The baseline was a money value set
    years before, not this year's plan: ``baseline_share`` puts it at that share of each
    line's planned activity (below 1: plans had grown past it). Below the baseline each
    admission lost takes its full price with it; nothing is refunded at a rate.

    ``MarginalRate(baseline_share=1, rate_above_baseline=1)`` is payment by results.
    """

    baseline_share: float = 0.94
    rate_above_baseline: float = 0.7
    label = "Marginal rate (full price to a baseline, a share of price above it)"

    def __post_init__(self) -> None:
        _check_share("MarginalRate", "baseline_share", self.baseline_share, 0.0, 2.0)
        _check_share("MarginalRate", "rate_above_baseline", self.rate_above_baseline)

    def payment(self, planned: np.ndarray, actual: np.ndarray, unit_price: np.ndarray) -> np.ndarray:
        baseline = self.baseline_share * planned
        above = np.maximum(actual - baseline, 0.0)
        return unit_price * (actual - (1 - self.rate_above_baseline) * above)


@dataclass(frozen=True, kw_only=True)
class CapAndCollar:
    """Activity-based income kept between a floor and a cap, as shares of planned income.

    The kit applies it to each service line (each provider, payer and service) on its own,
    because a rule sees one line at a time. Leeds' floor and ceiling (£350m-£362m in
    2013/14, R74) applied across the whole contract, where one line above plan could offset
    another below it. The two are the same when every line of a contract moves by the same
    share (the kit's demand shock does); they differ when lines move apart (schemes, or the
    Monte Carlo draws), and then a per-line band binds more often than a whole-contract one.
    """

    floor: float = 0.98
    cap: float = 1.02
    label = "Cap and collar (activity-based within a band)"

    def __post_init__(self) -> None:
        _check_share("CapAndCollar", "floor", self.floor, 0.0, 1.0)
        _check_share("CapAndCollar", "cap", self.cap, 1.0, 2.0)

    def payment(self, planned: np.ndarray, actual: np.ndarray, unit_price: np.ndarray) -> np.ndarray:
        planned_income = unit_price * planned
        return np.clip(unit_price * actual, self.floor * planned_income, self.cap * planned_income)


Rule = ActivityBased | FixedIncome | Blended | MarginalRate | CapAndCollar
RULES: dict[str, type] = {
    "activity_based": ActivityBased,
    "fixed_income": FixedIncome,
    "blended": Blended,
    "marginal_rate": MarginalRate,
    "cap_and_collar": CapAndCollar,
}
_NAME_OF = {cls: name for name, cls in RULES.items()}


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """A rule as plain JSON-ready data: ``{"rule": "blended", "rate_above_plan": 0.2, ...}``."""
    return {"rule": _NAME_OF[type(rule)], **asdict(rule)}


def rule_from_dict(data: Any, where: str = "payment") -> Rule:
    """The inverse of :func:`rule_to_dict`; a bare name gives the rule's defaults."""
    if isinstance(data, tuple(RULES.values())):
        return data
    if isinstance(data, str):
        data = {"rule": data}
    # The name is checked as text first: a list or an object there is not hashable.
    name = data.get("rule") if isinstance(data, Mapping) else None
    if not isinstance(name, str) or name not in RULES:
        raise ScenarioError(
            f"{where} = {shown(data)} is not a payment rule; expected one of {', '.join(RULES)}"
        )
    cls = RULES[name]
    allowed = {f.name for f in fields(cls)}
    extra = [key for key in data if key not in allowed and key != "rule"]
    if extra:
        raise ScenarioError(f"{where}: {name} has no setting "
                            f"{', '.join(shown(key) for key in extra[:5])}; "
                            f"its settings are {sorted(allowed) or 'none'}")
    return cls(**{k: v for k, v in data.items() if k != "rule"})
