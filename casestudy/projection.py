"""Several years: what each year leaves to the next, and the underlying position.

``project`` builds year 1 from the data (as ``run_year`` does), then rolls the engine's
``YearInputs`` forward with ``dataclasses.replace`` and calls ``compute_year`` once a
year. Between one year and the next:

- **Demand**: each line's planned activity grows by its ``demand_growth``.
- **Prices** move by ``1 + price_uplift - efficiency_factor``.
- **Providers' cost base**: this year's cost base at this year's prices
  (``x (1 + cost_inflation)``, and for NHS providers ``+ cost_pressure``, the pressures
  above the uplift), less the **recurrent** share of this year's delivered savings, with
  the part that moves with commissioned activity (the cost base less the costs its other
  income pays for) grown by next year's planned demand growth (the provider resources the
  growth it plans for at its average cost: price-weighted growth of its lines).
  Non-recurrent savings are not carried: next year starts without them.
- **One efficiency ask**: the tariff's efficiency factor and the savings programme are the
  same ask. Prices rise by the uplift less the factor; NHS providers' costs by the uplift
  plus the pressures above it; ``efficiency_required`` (4.1%) covers the factor (1.1%) and
  the pressures (3.0%). Delivered in full and all recurrent, a provider's position moves
  with prices and no more; the defaults deliver 90%, 70% of it recurrent, so providers
  drift into deficit (``data/README.md``, "Costs, savings and growth over the years").
- **Allocations** (and the council's budget) grow by ``allocation_growth`` (5.2%: prices
  at 2.7% and funding for 2.4% more care a year, R38, R114); providers' other income
  (specialised services, education and training, grants: public money too) grows with
  them. Payers' other spending grows by ``cost_inflation`` and by the price-weighted demand
  growth of the lines they buy.
- **Fixed income**: with ``rebase_fixed_income`` next year's fixed element is set from
  this year's *actual* activity x (1 + growth); without it, it follows the plan. The cost
  plan (``planned``) follows demand either way, which is why the engine keeps both.
- **Schemes** ramp up: ``min(1, year / years_to_full_effect)`` of their full effect, at
  their full recurrent cost from year 1.
- Control totals, incentive funds, the efficiency asked for, one-off support and the
  demand shock against plan are the scenario's, every year.

Payment rules only move money between payers and providers, and none of the roll-forward
depends on what was paid, so the NHS system's **underlying** position is the same under
every payment rule; it improves only when recurrent cost falls (recurrent savings, or
schemes that take out activity and the capacity behind it).

>>> import casestudy as cs
>>> frame = project(cs.load_system(), cs.Scenario.preset("fixed_income"), years=3)
>>> frame.year.unique().tolist()
[1, 2, 3]
>>> list(system_totals(frame).columns[:3])
['year', 'position_gbp_m', 'underlying_position_gbp_m']
>>> stacked = project_by_preset(cs.load_system(), cs.Scenario(), ["pbr_mret", "fixed_income"], years=2)
>>> stacked.groupby("payment", sort=False).size().to_dict()
{'pbr_mret': 20, 'fixed_income': 20}
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .engine import (
    TOLERANCE_GBP_M,
    Money,
    YearInputs,
    compute_year,
    inputs_for,
    matched_cost,
    organisation_columns,
    run_year,
)
from .errors import ScenarioError
from .scenario import PRESETS, Scenario, check_presets, field_info
from .system import System
from .totals import IS_TOTAL, NHS_ID, TOTAL_KIND

PROJECT_COLUMNS = (
    "year", "org_id", "name", "kind", "in_nhs_control_total", "position_gbp_m",
    "underlying_position_gbp_m", "control_total_gbp_m", "met_control_total",
    "non_recurrent_gbp_m", "income_gbp_m", "cost_gbp_m", "incentive_fund_gbp_m",
)


def _years(scenario: Scenario, years: object) -> int:
    years = scenario.years if years is None else years
    info = field_info("years")
    low, high = int(info["min"]), int(info["max"])
    ok = isinstance(years, numbers.Integral) and not isinstance(years, bool)
    if not ok and isinstance(years, float) and years.is_integer():
        ok, years = True, int(years)
    if not ok or not low <= years <= high:
        raise ScenarioError(f"years = {years!r} is outside the allowed range {low} to {high} "
                            "(a whole number of years to project)")
    return int(years)


def next_year(inputs: YearInputs, money: Money, scenario: Scenario, *,
              demand_growth: np.ndarray, ramp: np.ndarray) -> YearInputs:
    """Next year's inputs from this year's inputs and money (see the module docstring)."""
    s = scenario
    planned = inputs.planned * (1 + demand_growth)
    before, after = inputs.planned * inputs.price_gbp, planned * inputs.price_gbp
    demand_cost = inputs.provider.growth(before, after)  # [n] price-weighted, by provider
    spend_growth = inputs.payer.growth(before, after)  # [n] by payer
    # The recurrent part of this year's savings stays out of next year's cost base. NHS
    # providers' costs rise by inflation and the pressures above it; only the part of the
    # cost base that moves with commissioned activity grows with its planned demand.
    recurrent_saving = money.efficiency_saving - money.non_recurrent_saving
    nhs_provider = inputs.in_nhs & (inputs.cost_base > 0)
    growth = 1 + s.cost_inflation + s.cost_pressure * nhs_provider
    activity_share = np.where(inputs.cost_base > 0, 1 - matched_cost(inputs)
                              / np.where(inputs.cost_base > 0, inputs.cost_base, 1.0), 0.0)
    cost_base = ((inputs.cost_base * growth - recurrent_saving)
                 * (1 + demand_cost * activity_share))
    if s.rebase_fixed_income:
        contract_planned = money.actual[0] * (1 + demand_growth)
    else:
        contract_planned = inputs.contract_planned * (1 + demand_growth)
    return replace(
        inputs,
        planned=planned,
        contract_planned=contract_planned,
        price_gbp=inputs.price_gbp * (1 + s.price_uplift - s.efficiency_factor),
        cost_base=np.maximum(cost_base, 0.0),
        allocation=inputs.allocation * (1 + s.allocation_growth),
        other_income=inputs.other_income * (1 + s.allocation_growth),
        other_spend=inputs.other_spend * (1 + s.cost_inflation) * (1 + spend_growth),
        scheme_ramp=ramp,
    )


def scheme_ramp(years_to_full_effect: np.ndarray, year: int) -> np.ndarray:
    """Share of each scheme's full effect reached in ``year`` (1-based).

    >>> scheme_ramp(np.array([1.0, 2.0, 3.0]), 1).round(3)
    array([1.   , 0.5  , 0.333])
    """
    return np.minimum(1.0, year / np.maximum(years_to_full_effect, 1.0))


def project(system: System, scenario: Scenario, years: int | None = None) -> pd.DataFrame:
    """One row per year x organisation: reported and underlying positions, year by year.

    ``years`` defaults to the scenario's. Columns: ``year, org_id, name, kind,
    in_nhs_control_total, position_gbp_m, underlying_position_gbp_m, control_total_gbp_m,
    met_control_total, non_recurrent_gbp_m, income_gbp_m, cost_gbp_m,
    incentive_fund_gbp_m``. Schemes count at their expected delivery, ramped up.
    """
    return pd.DataFrame(project_columns(system, scenario, years))


def project_columns(system: System, scenario: Scenario,
                    years: int | None = None) -> dict[str, np.ndarray]:
    """:func:`project`'s columns as arrays, in ``PROJECT_COLUMNS`` order. For stacking
    several projections into one frame without building a frame for each."""
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    years = _years(scenario, years)
    years_to_full = system.arrays.scheme_years
    growth = system.service_lines.demand_growth.to_numpy(dtype=float)
    inputs = replace(inputs_for(system, scenario), scheme_ramp=scheme_ramp(years_to_full, 1))
    money = compute_year(inputs, scenario)
    parts = []
    for year in range(1, years + 1):
        if year > 1:
            inputs = next_year(inputs, money, scenario, demand_growth=growth,
                               ramp=scheme_ramp(years_to_full, year))
            money = compute_year(inputs, scenario)
        parts.append(organisation_columns(system, inputs, money))
    # One frame at the end, not one a year: a frame a year was most of project's time.
    orgs = len(inputs.org_ids)
    columns = {"year": np.repeat(np.arange(1, years + 1), orgs),
               "org_id": np.tile(np.asarray(inputs.org_ids, dtype=object), years)}
    columns.update({name: np.concatenate([part[name] for part in parts])
                    for name in PROJECT_COLUMNS[2:]})
    return columns


def project_by_preset(system: System, scenario: Scenario, presets: Sequence[str] = PRESETS,
                      years: int | None = None) -> pd.DataFrame:
    """:func:`project` under each payment preset, stacked: the same system and scenario,
    year by year, with only the payment rule changed. One tidy frame, ``payment`` first and
    then :data:`PROJECT_COLUMNS`, presets in the order given (default: every preset).

    Built from each projection's arrays into one frame (a frame each and a concat cost
    1.5 ms more for four presets). :func:`system_totals` sums it per preset and year.
    """
    presets = check_presets(presets)
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    parts = [project_columns(system, replace(scenario, payment=preset), years)
             for preset in presets]
    columns = {"payment": np.repeat(np.asarray(presets, dtype=object),
                                    [len(part["year"]) for part in parts])}
    columns.update({name: np.concatenate([part[name] for part in parts]) for name in parts[0]})
    return pd.DataFrame(columns)


@dataclass(frozen=True, kw_only=True)
class Holding:
    """Who holds the underlying position at the end of a projection, and why: one
    organisation's underlying position in the first and last year (lowest and highest over
    the payment rules stacked in the frame), and how much its income and its cost grew
    between them, and its one-off money (averaged over the rules): under one rule the
    underlying change is income growth less cost growth less one-off growth, as the
    underlying position is the position (income less cost) without one-off money."""

    org_id: str
    name: str
    first_year: int
    last_year: int
    first_gbp_m: tuple[float, float]
    last_gbp_m: tuple[float, float]
    income_growth_gbp_m: float
    cost_growth_gbp_m: float
    one_off_growth_gbp_m: float


def holdings(frame: pd.DataFrame, org_ids: Sequence[str]) -> tuple[Holding, ...]:
    """:class:`Holding` for each of ``org_ids`` in a frame of :func:`project_by_preset`.

    >>> import casestudy as cs
    >>> frame = project_by_preset(cs.load_system(), cs.Scenario(), ("fixed_income",), years=3)
    >>> (held,) = holdings(frame, ["bthft"])
    >>> held.first_year, held.last_year, held.last_gbp_m[0] == held.last_gbp_m[1]
    (1, 3, True)
    """
    first, last = int(frame.year.min()), int(frame.year.max())
    out = []
    for org in org_ids:
        mine = frame[frame.org_id == org]
        start = mine[mine.year == first].set_index("payment")
        end = mine[mine.year == last].set_index("payment").loc[start.index]
        out.append(Holding(
            org_id=str(org), name=str(start["name"].iloc[0]), first_year=first, last_year=last,
            first_gbp_m=(float(start.underlying_position_gbp_m.min()),
                         float(start.underlying_position_gbp_m.max())),
            last_gbp_m=(float(end.underlying_position_gbp_m.min()),
                        float(end.underlying_position_gbp_m.max())),
            income_growth_gbp_m=float((end.income_gbp_m - start.income_gbp_m).mean()),
            cost_growth_gbp_m=float((end.cost_gbp_m - start.cost_gbp_m).mean()),
            one_off_growth_gbp_m=float((end.non_recurrent_gbp_m - start.non_recurrent_gbp_m).mean())))
    return tuple(out)


def system_totals(frame: pd.DataFrame, keys: Sequence[str] = ("payment",)) -> pd.DataFrame:
    """Per year, the NHS system's reported and underlying positions (and the place's).

    Takes a frame from :func:`project` (optionally with extra key columns such as
    ``payment`` when several projections are stacked; those present among ``keys`` are
    kept). Columns: ``year, position_gbp_m, underlying_position_gbp_m,
    control_total_gbp_m, met_control_total, non_recurrent_gbp_m,
    place_position_gbp_m, place_underlying_position_gbp_m`` (NHS unless prefixed ``place_``).
    ``met_control_total`` compares the position before incentive funds with the system
    control total, as the engine does.
    """
    missing = [c for c in PROJECT_COLUMNS if c not in frame.columns]
    if missing:
        raise ScenarioError(f"system_totals needs a frame from project(); missing columns {missing}")
    by = [k for k in keys if k in frame.columns] + ["year"]
    # Sums by group in numpy (bincount over one code per row): a fifth of the time of a
    # pandas groupby, which was a fifth of lesson 4's five-year panel.
    codes, levels = [], []
    for key in by:
        code, level = pd.factorize(frame[key].to_numpy(), sort=True)
        codes.append(code)
        levels.append(level)
    sizes = [len(level) for level in levels]
    group = np.ravel_multi_index(codes, sizes) if codes[0].size else np.zeros(0, dtype=np.intp)
    present, row_group = np.unique(group, return_inverse=True)
    keys_of = np.unravel_index(present, sizes)
    n = len(present)
    nhs = frame.in_nhs_control_total.to_numpy().astype(bool)

    def total(column: str, rows: np.ndarray | None = None) -> np.ndarray:
        values = frame[column].to_numpy(dtype=float)
        weights = values if rows is None else np.where(rows, values, 0.0)
        return np.bincount(row_group, weights=weights, minlength=n)

    before_funds = total("position_gbp_m", nhs) - total("incentive_fund_gbp_m", nhs)
    control_total = total("control_total_gbp_m", nhs)
    out = {key: level[index] for key, level, index in zip(by, levels, keys_of)}
    out.update({
        "position_gbp_m": total("position_gbp_m", nhs),
        "underlying_position_gbp_m": total("underlying_position_gbp_m", nhs),
        "control_total_gbp_m": control_total,
        "met_control_total": before_funds >= control_total - TOLERANCE_GBP_M,
        "non_recurrent_gbp_m": total("non_recurrent_gbp_m", nhs),
        "place_position_gbp_m": total("position_gbp_m"),
        "place_underlying_position_gbp_m": total("underlying_position_gbp_m"),
    })
    return pd.DataFrame(out)


SYSTEM_ID = NHS_ID  # the NHS organisations summed, in change_by_preset (casestudy.totals)
CHANGE_COLUMNS = (
    "payment", "year", "org_id", "name", "kind", "in_nhs_control_total", "rule_differs",
    "position_before_incentive_gbp_m", "incentive_fund_gbp_m", "position_gbp_m",
    "change_gbp_m", "fund_change_gbp_m", "is_total",
)


def services_whose_rule_differs(scenario: Scenario, presets: Sequence[str]) -> tuple[str, ...]:
    """The services whose payment rule is not the same under every preset in ``presets``
    (with the scenario's rates): the only lines on which changing the preset moves money.

    >>> services_whose_rule_differs(Scenario(), ["fixed_income", "blended"])
    ('elective', 'non_elective', 'outpatient', 'a_and_e')
    >>> services_whose_rule_differs(Scenario(), ["fixed_income", "api_2022"])
    ('elective',)
    """
    rules = [replace(scenario, payment=p).rules_by_service() for p in check_presets(presets)]
    return tuple(s for s in rules[0] if any(r[s] != rules[0][s] for r in rules[1:]))


def change_by_preset(system: System, scenario: Scenario, presets: Sequence[str] = PRESETS,
                     reference: str = "fixed_income", years: int | None = None) -> pd.DataFrame:
    """Who wins and who loses when only the payment rule changes: each organisation's
    position under each preset, year by year, and its change against the same year under
    ``reference`` (Bradford's fixed income by default), with the scenario's demand against
    plan and every other setting.

    One row per payment x year x organisation, then one row per payment x year for the NHS
    system (``org_id`` ``"nhs"``, ``kind`` ``"total"``, ``is_total``: the sum of the rows in the NHS
    control total; its own ``in_nhs_control_total`` is False so that summing those rows never
    counts it twice). Presets in the order given, then organisations in the system's order.
    Columns (:data:`CHANGE_COLUMNS`):

    - ``position_before_incentive_gbp_m``: the position before incentive funds, which is what
      the payment rule moves;
    - ``change_gbp_m``: that position less the same organisation's in the same year under
      ``reference``. Costs do not depend on the rule, so with no risk share it is the change in
      contract income (a provider) or the opposite of the change in contract payments (a
      payer), and it is zero for the NHS system when every line is between NHS organisations;
    - ``fund_change_gbp_m``: the incentive fund won (+) or lost (-) against ``reference``,
      since meeting a control total can turn on the rule;
    - ``rule_differs``: True for an organisation that pays or is paid on a service whose rule
      is not the same under every preset given (:func:`services_whose_rule_differs`): the
      only organisations whose position the preset can move (and the NHS system's row).

    >>> import casestudy as cs
    >>> frame = change_by_preset(cs.load_system(), cs.Scenario(demand_shock=0.03),
    ...                          ["fixed_income", "api_2023"], years=2)
    >>> round(float(frame.query("payment == 'fixed_income'").change_gbp_m.abs().max()), 9)
    0.0
    >>> year_1 = frame.query("payment == 'api_2023' and year == 1").set_index("org_id").change_gbp_m
    >>> year_1[["bthft", "bd_ccg"]].round(2).tolist(), bool(abs(year_1["nhs"]) < 1e-9)
    ([3.3, -2.65], True)
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    presets = check_presets(presets)
    (reference,) = check_presets([reference])
    computed = presets if reference in presets else (*presets, reference)
    parts = [project_columns(system, replace(scenario, payment=preset), years)
             for preset in computed]
    n_years = int(parts[0]["year"].max())
    orgs = len(parts[0]["year"]) // n_years
    shape = (n_years, orgs)

    def stacked(column: str) -> np.ndarray:
        """[presets, years, organisations] of one numeric column."""
        return np.stack([part[column].astype(float).reshape(shape) for part in parts])

    fund = stacked("incentive_fund_gbp_m")
    position = stacked("position_gbp_m")
    before = position - fund
    ref = computed.index(reference)
    change = before - before[ref]
    fund_change = fund - fund[ref]
    first = parts[0]
    in_nhs = first["in_nhs_control_total"][:orgs].astype(bool)
    ids = np.asarray(first["org_id"][:orgs], dtype=object)
    differs = set(services_whose_rule_differs(scenario, computed))
    lines = system.service_lines
    affected = set(lines.provider_id[lines.service.isin(differs)]) | set(
        lines.payer_id[lines.service.isin(differs)])

    def with_system(values: np.ndarray) -> np.ndarray:
        """[presets, years, organisations + 1]: the NHS system's total appended."""
        total = np.where(in_nhs, values, 0.0).sum(axis=2, keepdims=True)
        return np.concatenate([values, total], axis=2)

    def per_row(values: np.ndarray) -> np.ndarray:
        """An organisation's value (plus the system row's) repeated for every preset and year."""
        return np.tile(np.asarray(values, dtype=object), len(presets) * n_years)

    keep = [computed.index(p) for p in presets]  # the reference is dropped if not asked for
    rows_per_preset = n_years * (orgs + 1)
    columns = {
        "payment": np.repeat(np.asarray(presets, dtype=object), rows_per_preset),
        "year": np.tile(np.repeat(np.arange(1, n_years + 1), orgs + 1), len(presets)),
        "org_id": per_row([*ids, SYSTEM_ID]),
        "name": per_row([*first["name"][:orgs], "NHS system"]),
        "kind": per_row([*first["kind"][:orgs], TOTAL_KIND]),
        IS_TOTAL: per_row([False] * orgs + [True]).astype(bool),
        "in_nhs_control_total": per_row([*in_nhs, False]).astype(bool),
        "rule_differs": per_row([*(o in affected for o in ids), True]).astype(bool),
    }
    for name, values in (("position_before_incentive_gbp_m", before),
                         ("incentive_fund_gbp_m", fund), ("position_gbp_m", position),
                         ("change_gbp_m", change), ("fund_change_gbp_m", fund_change)):
        columns[name] = with_system(values)[keep].reshape(-1)
    return pd.DataFrame(columns, columns=list(CHANGE_COLUMNS))


def payments_by_preset(system: System, scenario: Scenario, presets: Sequence[str] = PRESETS,
                       reference: str = "fixed_income") -> pd.DataFrame:
    """Year 1's contract payments, line by line, under each preset, and each line's change
    against ``reference``: where a difference between two rules comes from.

    One row per payment x contract line (payer, payee, service), presets in the order given.
    Columns: ``payment, payer_id, payee_id, service, amount_gbp_m, change_gbp_m``. Only the
    lines whose service has a different rule (:func:`services_whose_rule_differs`) can have
    a change.

    >>> import casestudy as cs
    >>> lines = payments_by_preset(cs.load_system(), cs.Scenario(demand_shock=0.03), ["api_2022"])
    >>> lines.groupby("service").change_gbp_m.sum().round(2).to_dict()["elective"] > 0
    True
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    presets = check_presets(presets)
    (reference,) = check_presets([reference])
    keys = ["payer_id", "payee_id", "service"]

    def contracts(preset: str) -> pd.DataFrame:
        flows = run_year(system, replace(scenario, payment=preset)).flows
        return flows[flows.kind == "contract"].reset_index(drop=True)

    base = contracts(reference)
    parts = []
    for preset in presets:
        flows = base if preset == reference else contracts(preset)
        if not flows[keys].equals(base[keys]):  # pragma: no cover - the engine's line order
            raise ScenarioError("contract lines differ between presets")
        part = flows[keys].copy()
        part.insert(0, "payment", preset)
        part["amount_gbp_m"] = flows.amount_gbp_m.to_numpy()
        part["change_gbp_m"] = flows.amount_gbp_m.to_numpy() - base.amount_gbp_m.to_numpy()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
