"""Lesson 1's model questions: who pays for a portfolio of shared schemes, who gains, and
the memorandum the partners agree.

Both call the engine once with two rows on its leading axis (without the schemes, with
them at their expected delivery given the portfolio's leadership load), as
:func:`casestudy.priorities.portfolio` does, but for the scenario's own payment rule
only, so a panel can ask it on every click. Benefits are positions **before incentive
funds** (an incentive fund flips at a control total and would make a scheme's value
depend on where an organisation happened to stand), one year at full effect.

>>> import casestudy as cs
>>> table = portfolio_by_organisation(cs.load_system(), cs.Scenario(schemes=["frailty"]))
>>> round(float(table.loc["bd_ccg", "pays_gbp_m"]), 6)  # the frailty service's funder
1.2
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .engine import YearInputs, chosen_schemes, compute_year, expected_delivery, inputs_for
from .errors import ScenarioError
from .priorities import best_portfolios
from .scenario import Scenario
from .system import System


def _check(system: System, scenario: Scenario) -> None:
    if not isinstance(system, System):
        raise ScenarioError(f"system must be a System, not {type(system).__name__}")
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")


def _with_and_without(system: System, scenario: Scenario) -> tuple[YearInputs, np.ndarray, object]:
    """The inputs, the chosen 0/1 vector and the engine's money for [without, with]."""
    inputs = inputs_for(system, scenario)
    chosen = chosen_schemes(inputs, scenario)  # unknown ids raise ScenarioError, naming them
    funded = np.vstack([np.zeros_like(chosen), chosen])
    delivered = expected_delivery(inputs, scenario, funded)
    return inputs, chosen, compute_year(inputs, scenario, funded=funded, delivered=delivered)


def _benefits(system: System, scenario: Scenario) -> tuple[YearInputs, np.ndarray, np.ndarray,
                                                            np.ndarray]:
    """Inputs, chosen 0/1 vector, each organisation's benefit and what it pays for the schemes."""
    _check(system, scenario)
    inputs, chosen, money = _with_and_without(system, scenario)
    before_funds = money.position - money.incentive
    benefit = before_funds[1] - before_funds[0]
    net_scheme_spend = money.scheme_spend - money.scheme_income
    pays = net_scheme_spend[1] - net_scheme_spend[0]
    return inputs, chosen, benefit, pays


def _organisations(system: System, inputs: YearInputs, benefit: np.ndarray,
                   pays: np.ndarray) -> pd.DataFrame:
    orgs = system.organisations
    return pd.DataFrame({
        "name": orgs["name"].to_numpy(),
        "kind": orgs["kind"].to_numpy(),
        "in_nhs_control_total": inputs.in_nhs,
        "pays_gbp_m": pays,
        "benefit_gbp_m": benefit,
        "activity_effect_gbp_m": benefit + pays,
    }, index=pd.Index(inputs.org_ids, name="org_id"))


def portfolio_by_organisation(system: System, scenario: Scenario) -> pd.DataFrame:
    """Who pays for the scenario's schemes and who gains from them, under its payment rule.

    One row per organisation, indexed by ``org_id``: ``name, kind, in_nhs_control_total``,
    ``pays_gbp_m`` (what it spends on the schemes net of what it is paid to run them: the
    funders' bill; a deliverer paid by someone else nets to zero), ``benefit_gbp_m``
    (its position with the schemes minus without, the cost included) and
    ``activity_effect_gbp_m`` (the rest of that change: income and cost moved by the
    activity the schemes change, so ``benefit = activity_effect - pays``).
    """
    inputs, _, benefit, pays = _benefits(system, scenario)
    return _organisations(system, inputs, benefit, pays)


_SCHEME_COLUMNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _scheme_columns(system: System) -> dict[str, np.ndarray]:
    """The schemes' names and who funds and leads each: fixed for a system, built once
    (as arrays: a panel asks for the memorandum on every click)."""
    columns = _SCHEME_COLUMNS.get(system)
    if columns is None:
        schemes = system.schemes
        names = system.organisations["name"]
        columns = _SCHEME_COLUMNS[system] = {
            "scheme_id": schemes.index.to_numpy(),
            "name": schemes["name"].to_numpy(),
            "lead_id": schemes.deliverer_id.to_numpy(),
            "lead": schemes.deliverer_id.map(names).to_numpy(),
            "funder_id": schemes.funder_id.to_numpy(),
            "funder": schemes.funder_id.map(names).to_numpy(),
            "evidence": schemes.evidence.to_numpy(),
        }
    return columns


@dataclass(frozen=True, kw_only=True)
class Memorandum:
    """The chosen few: what the partners agree to lead, fund and expect together, and
    what each organisation pays and gains (``organisations``, as
    :func:`portfolio_by_organisation`)."""

    schemes: pd.DataFrame = field(repr=False)  # one row per chosen scheme
    organisations: pd.DataFrame = field(repr=False)
    nhs_benefit_gbp_m: float
    place_benefit_gbp_m: float
    cost_gbp_m: float
    load: float
    capacity: float
    payment_label: str

    @property
    def over_capacity(self) -> bool:
        return self.load > self.capacity


def memorandum(system: System, scenario: Scenario) -> Memorandum:
    """The memorandum of the scenario's schemes.

    ``schemes`` has one row per chosen scheme, in the system's order: ``scheme_id, name,
    lead_id, lead`` (the organisation that runs it), ``funder_id, funder, evidence,
    cost_gbp_m, leadership_load, delivery_probability`` and ``expected_delivery_share``
    (its chance of delivering, cut if the portfolio's load exceeds the capacity).
    The benefits are the portfolio's, to the NHS organisations and to the whole place.

    >>> import casestudy as cs
    >>> memo = memorandum(cs.load_system(), cs.Scenario(schemes=["falls"]))
    >>> memo.schemes[["name", "lead"]].values.tolist()
    [['Falls prevention', 'Bradford District Care NHS FT']]
    """
    inputs, chosen, benefit, pays = _benefits(system, scenario)
    share = expected_delivery(inputs, scenario, chosen)
    picked = chosen > 0
    columns = {name: values[picked] for name, values in _scheme_columns(system).items()}
    table = pd.DataFrame({
        **columns,
        "cost_gbp_m": inputs.scheme_cost[picked],
        "leadership_load": inputs.scheme_load[picked],
        "delivery_probability": inputs.scheme_probability[picked],
        "expected_delivery_share": share[picked],
    })
    return Memorandum(
        schemes=table,
        organisations=_organisations(system, inputs, benefit, pays),
        nhs_benefit_gbp_m=float(benefit[inputs.in_nhs].sum()),
        place_benefit_gbp_m=float(benefit.sum()),
        cost_gbp_m=float(inputs.scheme_cost[picked].sum()),
        load=float(inputs.scheme_load[picked].sum()),
        capacity=float(scenario.leadership_capacity),
        payment_label=scenario.payment_label,
    )


def largest_provider(system: System) -> str:
    """The acute trust with the largest cost base; in a system without one, the largest
    provider of any kind (the organisation whose activity the schemes mostly cut)."""
    return str(system.largest("acute") or system.largest())


@dataclass(frozen=True, kw_only=True)
class BestFew:
    """Lesson 1's facts at one leadership capacity: the best portfolio against every scheme
    at once (benefits to the NHS system, before incentive funds), and what the best few do
    to the largest provider and to the NHS system under each payment rule compared."""

    best_size: int
    best_names: str  # the best portfolio's scheme names, comma-separated
    best_schemes: tuple[str, ...]
    best_gbp_m: float
    every_size: int
    every_gbp_m: float
    provider_id: str
    provider_gbp_m: dict[str, float]  # the provider's benefit from the best few, by preset
    nhs_gbp_m: dict[str, float]  # the NHS system's benefit from the best few, by preset

    @property
    def spread_gbp_m(self) -> float:
        """Every scheme at once less the best few: negative when spreading costs benefit."""
        return self.every_gbp_m - self.best_gbp_m


def best_few(system: System, scenario: Scenario, presets: tuple[str, ...]) -> BestFew:
    """The best portfolio at the scenario's capacity, every scheme at once, and the best
    few under each of ``presets`` (:class:`BestFew`).

    >>> import casestudy as cs
    >>> facts = best_few(cs.load_system(), cs.Scenario(), ("fixed_income",))
    >>> facts.best_size < facts.every_size and facts.spread_gbp_m < 0
    True
    """
    best = best_portfolios(system, scenario)
    top, every = best.loc[best["nhs_benefit_gbp_m"].idxmax()], best.iloc[-1]
    provider = largest_provider(system)
    tables = {p: portfolio_by_organisation(system, Scenario.preset(p, schemes=top.schemes))
              for p in presets}
    return BestFew(
        best_size=int(top["size"]), best_names=str(top["names"]),
        best_schemes=tuple(top.schemes), best_gbp_m=float(top.nhs_benefit_gbp_m),
        every_size=int(every["size"]), every_gbp_m=float(every.nhs_benefit_gbp_m),
        provider_id=provider,
        provider_gbp_m={p: float(t.loc[provider, "benefit_gbp_m"]) for p, t in tables.items()},
        nhs_gbp_m={p: float(t.loc[t.in_nhs_control_total, "benefit_gbp_m"].sum())
                   for p, t in tables.items()})
