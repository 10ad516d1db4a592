"""Payment rules: how much a commissioner pays a provider for a service line.

Every rule has one method, ``payment(planned, actual, unit_price)``, vectorised over numpy
arrays (any broadcastable shapes), returning money in the unit of the price.

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
    2019/20 blended payment for emergency care paid 20% both ways; the marginal rate
    emergency tariff paid 70% above baseline (2016/17-2018/19).
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
class CapAndCollar:
    """Activity-based income kept between a floor and a cap, as shares of planned income."""

    floor: float = 0.98
    cap: float = 1.02
    label = "Cap and collar (activity-based within a band)"

    def __post_init__(self) -> None:
        _check_share("CapAndCollar", "floor", self.floor, 0.0, 1.0)
        _check_share("CapAndCollar", "cap", self.cap, 1.0, 2.0)

    def payment(self, planned: np.ndarray, actual: np.ndarray, unit_price: np.ndarray) -> np.ndarray:
        planned_income = unit_price * planned
        return np.clip(unit_price * actual, self.floor * planned_income, self.cap * planned_income)


Rule = ActivityBased | FixedIncome | Blended | CapAndCollar
RULES: dict[str, type] = {
    "activity_based": ActivityBased,
    "fixed_income": FixedIncome,
    "blended": Blended,
    "cap_and_collar": CapAndCollar,
}
_NAME_OF = {cls: name for name, cls in RULES.items()}


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """A rule as plain JSON-ready data: ``{"rule": "blended", "rate_above_plan": 0.2, ...}``."""
    return {"rule": _NAME_OF[type(rule)], **asdict(rule)}


def rule_from_dict(data: Any, where: str = "payment") -> Rule:
    """The inverse of :func:`rule_to_dict`; a bare name gives the rule's defaults."""
    if isinstance(data, (ActivityBased, FixedIncome, Blended, CapAndCollar)):
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
