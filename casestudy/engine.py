"""One year of money: the one place where money moves between organisations.

A provider's cost is ``[(cost base - matched) x (fixed + semi x (1 - flex) + (variable +
semi x flex) x activity index) + matched] x (1 + cost_inflation + cost_pressure) - savings``:
``matched`` is the part of the cost base its other income pays for (it does not move with
the activity commissioned here), ``cost_pressure`` (the pressures above the uplift) and the
savings programme apply to NHS providers only, and the programme is the one efficiency ask
that covers the tariff's efficiency factor and those pressures (``data/README.md``, "Costs,
savings and growth over the years").

The arithmetic works on arrays with a leading axis of draws, so the same code serves one
certain year (``run_year``), ten thousand uncertain ones (``risk.simulate``) and every
subset of schemes at once (``priorities``). Pure numpy and pandas: no widgets, no charts.

>>> import casestudy as cs
>>> year = cs.run_year(cs.load_system(), cs.Scenario.preset("fixed_income"))
>>> paid = year.flows.query("kind == 'contract'").amount_gbp_m.sum()
>>> received = year.organisations.contract_income_gbp_m.sum()
>>> bool(abs(paid - received) < 1e-9)
True
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from .contracts import Rule
from .errors import DataError, ScenarioError
from .scenario import Scenario
from .schema import SERVICES
from .system import System

_INPUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
GBP_PER_M = 1e6
TOLERANCE_GBP_M = 1e-9  # a position this close to the control total has met it
# Sums by organisation: a [lines, organisations] 0/1 matrix product is the fastest way for a
# system of a few dozen organisations (one BLAS call), but it costs lines x organisations in
# memory and in arithmetic per draw; from about 128 organisations np.bincount on the line's
# organisation index is as fast, and it needs no matrix. Dense up to 64 organisations (and a
# matrix of at most 2**21 cells, 16 MB), sparse index arithmetic beyond (measured: 10,000
# draws x 27 lines x 10 organisations, matmul 0.17 ms, bincount 0.79 ms; 256 draws x
# 20,000 lines x 128 organisations, 18.9 ms and 18.6 ms).
DENSE_MAX_ORGS = 64
DENSE_MAX_CELLS = 2**21
# Working memory of one engine call (the demand noise drawn for it included), per row of its
# leading axis (a draw, a subset of schemes), in values of 8 bytes: measured with tracemalloc
# at 5.1 per service line plus 3 per organisation (20,000 lines x 300 or 500 organisations,
# 5,000 x 1,000), 7.3 per line for the bundled 27 lines; 8 and 8 leave a margin.
LINE_ARRAYS_PER_ROW = 8
ORG_ARRAYS_PER_ROW = 8
CHUNK_BUDGET_BYTES = 256 * 2**20  # the engine's working memory per call, whatever the size
# Bigger chunks are no faster (simulate of 100,000 draws of the bundled system: 153-159 ms in
# chunks of 4,096 to 10,000 draws, 209 ms in chunks of 50,000).
MAX_CHUNK_ROWS = 2**13


@dataclass(frozen=True, eq=False)
class LineOwner:
    """Which organisation each service line belongs to (its provider, or its payer).

    ``sum`` adds values of the lines up by organisation: ``[..., lines] -> [..., orgs]``.

    >>> owner = LineOwner.of(np.array([1, 0, 1]), 3)
    >>> owner.sum(np.array([[1.0, 2.0, 4.0]])).tolist()
    [[2.0, 5.0, 0.0]]
    """

    index: np.ndarray  # [l] the organisation of each line
    count: int  # organisations
    dense: np.ndarray | None  # [l, n] 0/1 for a small system, else None

    @classmethod
    def of(cls, index: np.ndarray, count: int) -> LineOwner:
        index = np.asarray(index, dtype=np.intp)
        dense = None
        if count <= DENSE_MAX_ORGS and len(index) * count <= DENSE_MAX_CELLS:
            dense = np.zeros((len(index), count))
            dense[np.arange(len(index)), index] = 1.0
            dense.flags.writeable = False
        index.flags.writeable = False
        return cls(index=index, count=count, dense=dense)

    @property
    def matrix(self) -> np.ndarray:
        """[l, n] 0/1: line l belongs to organisation n (built on demand for a big system)."""
        if self.dense is not None:
            return self.dense
        matrix = np.zeros((len(self.index), self.count))
        matrix[np.arange(len(self.index)), self.index] = 1.0
        return matrix

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Each organisation's sum of its lines' values, over the last axis."""
        values = np.asarray(values, dtype=float)
        if self.dense is not None:
            return values @ self.dense
        if values.ndim == 1:
            return np.bincount(self.index, weights=values, minlength=self.count)
        rows = values.reshape(-1, values.shape[-1])
        slots = (np.arange(len(rows))[:, None] * self.count + self.index).ravel()
        out = np.bincount(slots, weights=rows.ravel(), minlength=len(rows) * self.count)
        return out.reshape(*values.shape[:-1], self.count)

    def growth(self, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        """Each organisation's growth of its lines' summed values, ``after / before - 1``
        (0 where it has no lines): a price-weighted growth when the values are money.

        >>> owner = LineOwner.of(np.array([0, 0, 1]), 3)
        >>> owner.growth(np.array([1.0, 3.0, 2.0]), np.array([2.0, 3.0, 1.0])).tolist()
        [0.25, -0.5, 0.0]
        """
        was, now = self.sum(before), self.sum(after)
        return np.where(was > 0, now / np.where(was > 0, was, 1.0) - 1.0, 0.0)


@dataclass(frozen=True)
class YearInputs:
    """Everything the engine needs about the system for one year, as arrays.

    ``project`` rolls these forward year by year; ``run_year`` builds them from the data.
    Organisations are indexed ``n``, service lines ``l``, schemes ``s``.
    """

    org_ids: tuple[str, ...]
    allocation: np.ndarray  # [n] £m
    other_spend: np.ndarray
    other_income: np.ndarray
    cost_base: np.ndarray  # [n] £m: cost of the planned activity at last year's prices
    fixed_share: np.ndarray
    semi_fixed_share: np.ndarray
    variable_share: np.ndarray
    control_total: np.ndarray
    incentive_fund: np.ndarray
    in_nhs: np.ndarray  # [n] bool
    is_acute: np.ndarray
    is_council: np.ndarray
    provider: LineOwner  # line l's provider, and sums by provider
    payer: LineOwner  # line l's payer
    line_service: tuple[str, ...]
    line_service_code: np.ndarray  # [l] index of the line's service in schema.SERVICES
    planned: np.ndarray  # [l] activity the cost base is planned for
    contract_planned: np.ndarray  # [l] activity the contract's fixed element is set from
    price_gbp: np.ndarray  # [l] this year's unit price
    demand_cv: np.ndarray
    is_non_elective: np.ndarray  # [l] bool
    is_council_social_care: np.ndarray  # [l] bool: social care the council pays for
    scheme_ids: tuple[str, ...]
    scheme_effect: np.ndarray  # [s, l] fractional activity change at full effect
    scheme_cost: np.ndarray  # [s] £m a year
    funder_of: np.ndarray  # [s, n]
    deliverer_of: np.ndarray  # [s, n]
    scheme_probability: np.ndarray  # [s]
    scheme_load: np.ndarray  # [s]
    scheme_ramp: np.ndarray  # [s] share of full effect reached this year

    @property
    def provider_of(self) -> np.ndarray:
        """[l, n] 0/1: line l's provider is n (the engine sums with ``provider.sum``)."""
        return self.provider.matrix

    @property
    def payer_of(self) -> np.ndarray:
        """[l, n] 0/1: line l's payer is n."""
        return self.payer.matrix

    @cached_property
    def risk_weight(self) -> np.ndarray:
        """Each NHS organisation's share of the system variance: by size (turnover)."""
        size = (self.allocation + self.cost_base) * self.in_nhs
        total = size.sum(axis=-1, keepdims=True)  # a cost base per row ([d, n]) has one a row
        equal = self.in_nhs / max(self.in_nhs.sum(), 1)
        return np.where(total > 0, size / np.where(total > 0, total, 1.0), equal)


@dataclass(frozen=True, kw_only=True, eq=False)
class Overrides:
    """Decisions that single organisations and contracts take, where a ``Scenario`` sets one
    value for everyone: the system game's per-contract payment rules, efficiency plans,
    risk-share membership, linkage of funds and the council's social care spending.

    Passed alongside the scenario (``compute_year(inputs, scenario, overrides=...)``,
    ``run_year(system, scenario, overrides)``); a field left ``None`` keeps the scenario's
    value, so ``Overrides()`` changes nothing. Arrays are in the engine's order
    (organisations ``n``, service lines ``l``) and may carry a leading axis of rows, one per
    draw or per set of decisions evaluated at once, like ``demand_noise``'s: ``[n]`` or
    ``[d, n]``, ``[l]`` or ``[d, l]``, a number or ``[d]``. ``casestudy.game`` builds them
    from organisation ids; nothing here knows a game.

    - ``rules`` and ``line_rule`` [l]: line ``l`` is paid by ``rules[line_rule[l]]``, or by
      the scenario's rule for its service where ``line_rule`` is -1 (a contract between one
      payer and one provider under its own rule).
    - ``payment_scale`` [l]: multiplies the line's payment; fixed income at a value is
      ``FixedIncome`` with the value's share of planned income here (0.98: 2% below plan).
    - ``efficiency_required``, ``efficiency_delivered_share``, ``recurrent_share`` [n]: each
      NHS provider's own savings programme (share of its cost base, share delivered, share
      of what is delivered that recurs).
    - ``risk_members`` [n] bool and ``risk_share`` (the fraction lambda): only members pool,
      with weights by size among them; transfers sum to zero among the members. Default:
      the NHS organisations, at the scenario's ``risk_share``.
    - ``system_linkage`` [n]: each organisation's share of its incentive fund paid only if
      the NHS system meets its control total.
    - ``social_care_change``: the councils' change in the social care packages they buy
      (their decision: a cut is what they no longer spend, as the scenario's
      ``social_care_budget_change``): one number for every council, or [n] (or [d, n]), each
      council's own (other organisations' entries are not read); emergency admissions
      follow the share of all councils' packages lost.
    - ``allocation_change_gbp_m`` [n] or [d, n]: added to allocations (a council's funding cut by
      government, an event of the game).
    """

    rules: tuple[Rule, ...] = ()
    line_rule: np.ndarray | None = None
    payment_scale: np.ndarray | None = None
    efficiency_required: np.ndarray | None = None
    efficiency_delivered_share: np.ndarray | None = None
    recurrent_share: np.ndarray | None = None
    risk_members: np.ndarray | None = None
    risk_share: np.ndarray | float | None = None
    system_linkage: np.ndarray | float | None = None
    social_care_change: np.ndarray | float | None = None
    allocation_change_gbp_m: np.ndarray | None = None

    def rows(self) -> int:
        """The length of the leading axis of rows its arrays carry (1 if none)."""
        rows = 1
        for name, per in (("line_rule", 2), ("payment_scale", 2), ("efficiency_required", 2),
                          ("efficiency_delivered_share", 2), ("recurrent_share", 2),
                          ("risk_members", 2), ("system_linkage", 2), ("risk_share", 1),
                          ("social_care_change", 2), ("allocation_change_gbp_m", 2)):
            value = getattr(self, name)
            if value is not None and np.ndim(value) == per:
                rows = max(rows, np.shape(value)[0])
        return rows


def _per_row(value: np.ndarray | float) -> np.ndarray | float:
    """A number or a [d] array of one value per row, as a column that broadcasts over [d, x]."""
    return value[:, None] if np.ndim(value) == 1 else value


def matched_cost(inputs: YearInputs) -> np.ndarray:
    """[n] £m of each provider's cost base paid for by its other income (up to the cost base):
    the part that does not move with the activity the modelled contracts commission."""
    return np.minimum(inputs.other_income, inputs.cost_base) * (inputs.cost_base > 0)


def inputs_for(system: System, scenario: Scenario) -> YearInputs:
    """The arrays of one year from the data, with this year's prices."""
    cached = _INPUTS.get(system)
    if cached is None:
        cached = _INPUTS[system] = _base_inputs(system)
    price = cached.price_gbp * (1 + scenario.price_uplift - scenario.efficiency_factor)
    return replace(cached, price_gbp=price)


def _base_inputs(system: System) -> YearInputs:
    a = system.arrays
    orgs = system.organisations
    n = len(orgs)
    funder_of = np.zeros((len(a.scheme_ids), n))
    funder_of[np.arange(len(a.scheme_ids)), a.scheme_funder] = 1.0
    deliverer_of = np.zeros_like(funder_of)
    deliverer_of[np.arange(len(a.scheme_ids)), a.scheme_deliverer] = 1.0
    kind = orgs.kind.to_numpy()
    service = np.array(a.line_service)

    def col(name: str) -> np.ndarray:
        return orgs[name].to_numpy(dtype=float)

    return YearInputs(
        org_ids=a.org_ids,
        allocation=col("allocation_gbp_m"), other_spend=col("other_spend_gbp_m"),
        other_income=col("other_income_gbp_m"), cost_base=col("cost_base_gbp_m"),
        fixed_share=col("fixed_share"), semi_fixed_share=col("semi_fixed_share"),
        variable_share=col("variable_share"), control_total=col("control_total_gbp_m"),
        incentive_fund=col("incentive_fund_gbp_m"),
        in_nhs=orgs.in_nhs_control_total.to_numpy(dtype=bool),
        is_acute=kind == "acute", is_council=kind == "local_authority",
        provider=LineOwner.of(a.line_provider, n), payer=LineOwner.of(a.line_payer, n),
        line_service=a.line_service,
        line_service_code=np.array([SERVICES.index(v) for v in a.line_service], dtype=np.intp),
        planned=a.line_planned, contract_planned=a.line_planned, price_gbp=a.line_price_gbp,
        demand_cv=a.line_cv, is_non_elective=service == "non_elective",
        is_council_social_care=(service == "social_care") & (kind[a.line_payer] == "local_authority"),
        scheme_ids=a.scheme_ids, scheme_effect=a.scheme_effect, scheme_cost=a.scheme_cost_gbp_m,
        funder_of=funder_of, deliverer_of=deliverer_of, scheme_probability=a.scheme_probability,
        scheme_load=a.scheme_load, scheme_ramp=np.ones(len(a.scheme_ids)),
    )


def rows_per_chunk(inputs: YearInputs, budget_bytes: int | None = None) -> int:
    """Rows of the engine's leading axis (draws, subsets) one call may take within the budget.

    Set from the system's size, lines and organisations, not a fixed number of draws: at
    most ``MAX_CHUNK_ROWS`` (8,192) rows of the bundled system (27 lines, 10 organisations),
    about 200 of a system of 20,000 lines and 500 organisations, within
    ``CHUNK_BUDGET_BYTES`` (256 MiB) whatever the size.

    >>> import casestudy as cs
    >>> rows_per_chunk(inputs_for(cs.load_system(), cs.Scenario()))
    8192
    """
    budget = CHUNK_BUDGET_BYTES if budget_bytes is None else budget_bytes
    per_row = 8 * (LINE_ARRAYS_PER_ROW * len(inputs.planned)
                   + ORG_ARRAYS_PER_ROW * len(inputs.org_ids) + 4 * len(inputs.scheme_ids))
    return int(max(1, min(MAX_CHUNK_ROWS, budget // per_row)))


def chosen_schemes(inputs: YearInputs, scenario: Scenario) -> np.ndarray:
    """A 0/1 vector over the system's schemes; unknown ids raise ``ScenarioError``."""
    unknown = [s for s in scenario.schemes if s not in inputs.scheme_ids]
    if unknown:
        raise ScenarioError(f"schemes: {unknown} not in this system; its schemes are "
                            f"{', '.join(inputs.scheme_ids)}")
    return np.array([s in scenario.schemes for s in inputs.scheme_ids], dtype=float)


# Step 2 of run_year, the schemes' effect on activity: leadership capacity limits delivery
# (the model and its reasons: casestudy/priorities.py, data/README.md "Leadership capacity").
# Assumption: 1.5 makes a portfolio at twice its capacity deliver 0.5 ** 1.5 = 35% of each
# scheme's chance, so spreading thin loses overall.
OVERLOAD_ELASTICITY = 1.5


def delivery_share(chosen: np.ndarray, load: np.ndarray, probability: np.ndarray,
                   capacity: float) -> np.ndarray:
    """Expected share of each scheme's effect delivered; ``chosen`` is [s] or [d, s] of 0/1."""
    total = (chosen * load).sum(axis=-1, keepdims=True)
    # min(1, capacity / total), written so that a tiny load cannot overflow the division:
    # the same number (capacity / capacity is exactly 1 where the portfolio fits).
    strain = (capacity / np.maximum(np.where(total > 0, total, 1.0), capacity)
              ) ** OVERLOAD_ELASTICITY
    return probability * np.where(total > 0, strain, 1.0)


def expected_delivery(inputs: YearInputs, scenario: Scenario, chosen: np.ndarray) -> np.ndarray:
    """Expected share of each chosen scheme's effect that is delivered (leadership-limited)."""
    return chosen * delivery_share(chosen, inputs.scheme_load, inputs.scheme_probability,
                                   scenario.leadership_capacity)


# --------------------------------------------------------------------------- the year


@dataclass(frozen=True)
class Money:
    """The engine's raw result: arrays with a leading draws axis."""

    actual: np.ndarray  # [d, l]
    payment: np.ndarray  # [d, l] £m
    contract_income: np.ndarray  # [d, n] £m
    contract_payments: np.ndarray
    scheme_income: np.ndarray
    scheme_spend: np.ndarray  # funding paid plus delivery cost
    provision_cost: np.ndarray
    delayed_discharge_cost: np.ndarray
    delayed_bed_days: np.ndarray  # [n] bed days waiting for social care packages not bought
    non_recurrent_support: np.ndarray  # [n]
    non_recurrent_saving: np.ndarray  # [n]
    efficiency_saving: np.ndarray  # [n] savings delivered, recurrent and not (project carries them)
    incentive: np.ndarray  # [d, n]
    risk_share: np.ndarray  # [d, n]
    position: np.ndarray  # [d, n], after risk share and incentive fund
    underlying: np.ndarray  # [d, n]
    met: np.ndarray  # [d, n] bool
    system_met: np.ndarray  # [d] bool
    activity_index: np.ndarray  # [d, n]
    scheme_paid: np.ndarray  # [d, s] £m

    fixed_receipts: np.ndarray  # [n] allocation, other income and one-off support
    other_spend: np.ndarray  # [n]

    @property
    def income(self) -> np.ndarray:
        return self.contract_income + self.scheme_income + self.incentive + self.fixed_receipts

    @property
    def cost(self) -> np.ndarray:
        return self.contract_payments + self.scheme_spend + self.provision_cost + self.other_spend


# numpy's warnings (overflow, invalid values) are silenced here: _check_finite turns any
# non-finite result into one clear error instead of a warning and a NaN on a chart.
@np.errstate(all="ignore")
def compute_year(inputs: YearInputs, scenario: Scenario, *,
                 demand_noise: np.ndarray | None = None,
                 delivered: np.ndarray | None = None,
                 funded: np.ndarray | None = None,
                 overrides: Overrides | None = None) -> Money:
    """The year's money for every draw.

    ``demand_noise`` [d, l] adds to the scenario's demand shock (``None``: one certain draw).
    ``delivered`` and ``funded`` [d, s] or [s] override which schemes run and how much of
    their effect is delivered (``None``: the scenario's schemes, at their expected delivery).
    ``overrides`` (:class:`Overrides`) sets decisions per organisation and per contract.
    ``inputs.cost_base`` may be [d, n] (one cost base per row: ``casestudy.game`` carries
    each set of decisions' savings into the next year this way).
    """
    s = scenario
    o = overrides if overrides is not None else _NO_OVERRIDES
    if funded is None:
        funded = chosen_schemes(inputs, s)
    if delivered is None:
        delivered = expected_delivery(inputs, s, funded)
    delivered = np.atleast_2d(delivered)
    funded = np.atleast_2d(funded)
    noise = np.zeros((1, len(inputs.planned))) if demand_noise is None else demand_noise
    draws = max(noise.shape[0], delivered.shape[0], funded.shape[0], o.rows(),
                np.shape(inputs.cost_base)[0] if np.ndim(inputs.cost_base) == 2 else 1)

    # 1-2. Activity: plan x demand x schemes x the knock-on of social care funding.
    scheme_change = (delivered * inputs.scheme_ramp) @ inputs.scheme_effect  # [d, l]
    if o.social_care_change is None or np.ndim(o.social_care_change) == 0:
        care = (s.social_care_budget_change if o.social_care_change is None
                else float(o.social_care_change))  # every council alike
        care_change = np.where(inputs.is_council_social_care, care, 0.0)
        care_change = care_change + np.where(inputs.is_non_elective, -s.social_care_knock_on * care, 0.0)
        lost_packages = -(care * inputs.planned * inputs.is_council_social_care).sum(
            axis=-1, keepdims=True)
    else:  # each council its own change ([n] or [d, n]); the knock-on follows the packages lost
        by_council = np.asarray(o.social_care_change, dtype=float)
        care_line = np.where(inputs.is_council_social_care, by_council[..., inputs.payer.index], 0.0)
        packages = inputs.planned * inputs.is_council_social_care
        lost_packages = -(care_line * packages).sum(axis=-1, keepdims=True)
        bought = packages.sum()
        care_share = -lost_packages / bought if bought > 0 else lost_packages * 0.0
        care_change = care_line + np.where(inputs.is_non_elective,
                                           -s.social_care_knock_on * care_share, 0.0)
    actual = inputs.planned * (1 + s.demand_shock + noise) * (1 + scheme_change) * (1 + care_change)
    actual = np.maximum(actual, 0.0)
    actual = np.broadcast_to(actual, (draws, len(inputs.planned)))

    # 3. Payments, each service line by its own rule: commissioners pay, providers receive.
    payment = np.empty_like(actual)
    rules = s.rules_by_service()
    # Each service's rule as a number, then each line's by its service code: no Python loop
    # over lines (20,000 of them in a big system), and no np.isin (70 us a rule here).
    number: dict = {}
    rule_of_service = np.array([number.setdefault(rules[service], len(number))
                                for service in SERVICES])
    line_rule = rule_of_service[inputs.line_service_code]
    if o.line_rule is not None and o.rules:
        # A contract's own rule, where one is set (-1 keeps the service's): [l] or [d, l].
        codes = np.array([number.setdefault(rule, len(number)) for rule in o.rules])
        chosen = np.asarray(o.line_rule)
        line_rule = np.where(chosen >= 0, codes[np.clip(chosen, 0, len(codes) - 1)], line_rule)
    for rule, k in number.items():
        lines = line_rule == k
        if not lines.any():
            continue
        if lines.ndim == 1:
            payment[:, lines] = rule.payment(
                inputs.contract_planned[lines], actual[:, lines], inputs.price_gbp[lines]
            ) / GBP_PER_M
        else:  # a rule per row and line: paid where chosen, on the lines any row chose it for
            cols = lines.any(axis=0)
            paid = rule.payment(inputs.contract_planned[cols], actual[:, cols],
                                inputs.price_gbp[cols]) / GBP_PER_M
            payment[:, cols] = np.where(lines[:, cols], paid, payment[:, cols])
    if o.payment_scale is not None:
        payment = payment * o.payment_scale
    contract_income = inputs.provider.sum(payment)
    contract_payments = inputs.payer.sum(payment)

    # 4. Cost: fixed + semi-fixed (flexed in part) + variable, moved by price-weighted activity.
    weighted_plan = inputs.provider.sum(inputs.planned * inputs.price_gbp)  # [n]
    weighted_actual = inputs.provider.sum(actual * inputs.price_gbp)  # [d, n]
    has_lines = weighted_plan > 0
    activity_index = np.where(has_lines, weighted_actual / np.where(has_lines, weighted_plan, 1), 1.0)
    marginal = inputs.variable_share + inputs.semi_fixed_share * s.flex
    unmoving = inputs.fixed_share + inputs.semi_fixed_share * (1 - s.flex)
    nhs_provider = inputs.in_nhs & (inputs.cost_base > 0)
    # One efficiency ask: prices rise by the uplift less the efficiency factor, NHS providers'
    # costs by inflation (the uplift) plus the pressures above it, and their savings
    # programme (efficiency required x delivered) is what covers the gap.
    growth = 1 + s.cost_inflation + s.cost_pressure * nhs_provider
    required = s.efficiency_required if o.efficiency_required is None else o.efficiency_required
    delivered_share = (s.efficiency_delivered_share if o.efficiency_delivered_share is None
                       else o.efficiency_delivered_share)
    recurrent = s.recurrent_share if o.recurrent_share is None else o.recurrent_share
    saving = inputs.cost_base * required * delivered_share * nhs_provider
    # Costs paid for by other income (education and training, specialised services, self-
    # funders' fees, grants) do not move with the activity commissioned here.
    matched = matched_cost(inputs)
    non_recurrent_saving = saving * (1 - recurrent)
    nel_planned = inputs.provider.sum(inputs.planned * inputs.is_non_elective)
    acute_nel = nel_planned * inputs.is_acute
    delayed_share = acute_nel / acute_nel.sum() if acute_nel.sum() > 0 else acute_nel
    delayed_days = lost_packages * s.delayed_days_per_lost_package * delayed_share  # [n]
    delayed_cost = delayed_days * s.delayed_day_cost_gbp / GBP_PER_M
    provision_cost = (((inputs.cost_base - matched) * (unmoving + marginal * activity_index) + matched)
                      * growth - saving + delayed_cost)

    # Schemes: the funder pays the deliverer, who spends it; one organisation doing both pays once.
    scheme_paid = funded * inputs.scheme_cost  # [d, s]
    transfer = inputs.funder_of - inputs.deliverer_of  # zero rows where funder == deliverer
    external = np.abs(transfer).sum(axis=1) > 0
    scheme_income = (scheme_paid * external) @ inputs.deliverer_of
    scheme_spend = (scheme_paid * external) @ inputs.funder_of + scheme_paid @ inputs.deliverer_of

    # One-off support to NHS providers, shared by cost base.
    base = inputs.cost_base * nhs_provider
    base_total = base.sum(axis=-1, keepdims=True)
    support = np.where(base_total > 0, s.non_recurrent_support_gbp_m * base
                       / np.where(base_total > 0, base_total, 1.0), base * 0)

    # 5. Positions before risk share and incentive funds; underlying leaves out one-offs.
    # A change to social care spending is the council's own decision: its budget (the
    # allocation) stays, and the packages it no longer buys (above) are its saving, which
    # comes back as emergency admissions and delayed days in the NHS. A change to the
    # budget itself (a cut by government) is an allocation change.
    allocation = inputs.allocation
    if o.allocation_change_gbp_m is not None:
        allocation = allocation + o.allocation_change_gbp_m
    fixed_income = allocation + inputs.other_income + support
    other_spend = inputs.other_spend
    before = (fixed_income + contract_income + scheme_income
              - contract_payments - other_spend - provision_cost - scheme_spend)
    underlying = before - support - non_recurrent_saving

    # 7. Risk share among its members (the NHS organisations unless overridden): each
    # receives lambda x [(control total - position) + its weight of the members' gap], so
    # the transfers sum to zero among the members.
    nhs = inputs.in_nhs
    gap = (before * nhs).sum(axis=-1, keepdims=True) - (inputs.control_total * nhs).sum(
        axis=-1, keepdims=True)
    pool_share = s.risk_share if o.risk_share is None else _per_row(np.asarray(o.risk_share, dtype=float))
    if o.risk_members is None:
        members, weight, pool_gap = nhs, inputs.risk_weight, gap
    else:
        members = np.asarray(o.risk_members, dtype=bool)
        size = (inputs.allocation + inputs.cost_base) * members
        size_total = size.sum(axis=-1, keepdims=True)
        weight = np.where(size_total > 0, size / np.where(size_total > 0, size_total, 1.0), 0.0)
        pool_gap = ((before * members).sum(axis=-1, keepdims=True)
                    - (inputs.control_total * members).sum(axis=-1, keepdims=True))
    risk_share = pool_share * ((inputs.control_total - before) + weight * pool_gap) * members
    after_share = before + risk_share

    # 6. Incentive fund: own control total, or the NHS system's, mixed by the linkage.
    met = after_share >= inputs.control_total - TOLERANCE_GBP_M
    system_met = gap[:, 0] >= -TOLERANCE_GBP_M
    fund = inputs.incentive_fund * s.incentive_fund_scale
    linkage = s.system_linkage if o.system_linkage is None else o.system_linkage
    incentive = fund * ((1 - linkage) * met + linkage * system_met[:, None])
    position = after_share + incentive

    # Every other result is a part of the position (a line's payment, through its provider's
    # contract income; activity, through cost): a NaN or an infinity in any part makes the
    # position one (0 x inf is NaN too), so checking these two covers the frames built here.
    _check_finite(inputs, {"position": position, "underlying position": underlying})
    return Money(
        actual=actual, payment=payment, contract_income=contract_income,
        contract_payments=contract_payments, scheme_income=scheme_income,
        scheme_spend=scheme_spend, provision_cost=provision_cost,
        delayed_discharge_cost=delayed_cost, delayed_bed_days=delayed_days,
        non_recurrent_support=support,
        non_recurrent_saving=non_recurrent_saving, efficiency_saving=saving,
        incentive=incentive, risk_share=risk_share,
        position=position, underlying=underlying, met=met, system_met=system_met,
        activity_index=activity_index, scheme_paid=scheme_paid,
        fixed_receipts=fixed_income, other_spend=other_spend,
    )


_NO_OVERRIDES = Overrides()


def _check_finite(inputs: YearInputs, results: dict[str, np.ndarray]) -> None:
    """The engine's output boundary: no NaN or infinity leaves it for a chart or a table.

    The loader's limits keep every figure of a loaded system far from overflow; this is the
    guard for what gets past them (a system built by hand, a value at an edge no one tried).
    """
    # One sum first (a NaN or an infinity anywhere makes it one), the search only on failure.
    if np.isfinite(sum(values.sum() for values in results.values())):
        return
    for what, values in results.items():
        bad = ~np.isfinite(values)
        if bad.any():
            org = inputs.org_ids[int(np.argwhere(bad)[0][-1])]
            raise DataError([(
                f"the model's {what} of {org} is not a finite number: the system's figures are "
                "too large to compute with; check each figure's unit (money in £ million, prices "
                "in pounds) and that it is within the limits of the data dictionary "
                "(data/README.md)")])
    raise DataError([("the model's positions are too large to add up: check each figure's unit "
                      "(money in £ million, prices in pounds) and the limits of the data "
                      "dictionary (data/README.md)")])


# --------------------------------------------------------------------------- results


def organisation_columns(system: System, inputs: YearInputs, money: Money) -> dict[str, np.ndarray]:
    """The columns of ``YearResult.organisations`` (first draw) as arrays, one per organisation.

    One definition for the one-year frame and for ``project``, which stacks a year's columns
    after another and builds a single frame (a frame a year was most of its time).
    """
    m, i, arrays = money, inputs, system.arrays
    return {
        "name": arrays.org_names,  # kept with the system's arrays: looking the columns up
        "kind": arrays.org_kinds,  # every year took a seventh of project's time
        "in_nhs_control_total": i.in_nhs,
        "income_gbp_m": m.income[0],
        "cost_gbp_m": m.cost[0],
        "contract_income_gbp_m": m.contract_income[0],
        "contract_payments_gbp_m": m.contract_payments[0],
        "incentive_fund_gbp_m": m.incentive[0],
        "risk_share_gbp_m": m.risk_share[0],
        "non_recurrent_gbp_m": m.non_recurrent_support + m.non_recurrent_saving + m.incentive[0],
        "position_before_incentive_gbp_m": m.position[0] - m.incentive[0],
        "position_gbp_m": m.position[0],
        "underlying_position_gbp_m": m.underlying[0],
        "control_total_gbp_m": i.control_total,
        "met_control_total": m.met[0],
        "activity_index": m.activity_index[0],
    }


@dataclass(frozen=True)
class YearResult:
    """One year's results as tidy frames: ``organisations``, ``system``, ``flows``, ``lines``."""

    system_data: System
    scenario: Scenario
    inputs: YearInputs
    money: Money

    @cached_property
    def organisations(self) -> pd.DataFrame:
        columns = organisation_columns(self.system_data, self.inputs, self.money)
        return pd.DataFrame(columns, index=pd.Index(self.inputs.org_ids, name="org_id"))

    @cached_property
    def system(self) -> pd.DataFrame:
        """Totals for the NHS control total and for the whole place (council and VCS too)."""
        orgs = self.organisations
        rows = {}
        for boundary, mask in (("nhs", orgs.in_nhs_control_total), ("place", orgs.index == orgs.index)):
            part = orgs[mask]
            position = part.position_gbp_m.sum()
            before_funds = (part.position_gbp_m - part.incentive_fund_gbp_m).sum()
            control = part.control_total_gbp_m.sum()
            rows[boundary] = {
                "position_gbp_m": position,
                "underlying_position_gbp_m": part.underlying_position_gbp_m.sum(),
                "control_total_gbp_m": control,
                "met_control_total": bool(before_funds >= control - TOLERANCE_GBP_M),
                "incentive_fund_gbp_m": part.incentive_fund_gbp_m.sum(),
            }
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "boundary"
        return frame

    @cached_property
    def lines(self) -> pd.DataFrame:
        """One row per service line: planned and actual activity, payment."""
        data = self.system_data.service_lines[["provider_id", "payer_id", "service"]].copy()
        data["planned_activity"] = self.inputs.planned
        data["actual_activity"] = self.money.actual[0]
        data["unit_price_gbp"] = self.inputs.price_gbp
        data["payment_gbp_m"] = self.money.payment[0]
        return data

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Money between organisations: ``payer_id, payee_id, service, kind, amount_gbp_m``."""
        contract = self.lines.groupby(["payer_id", "provider_id", "service"], as_index=False,
                                      sort=False).payment_gbp_m.sum()
        contract = contract.rename(columns={"provider_id": "payee_id", "payment_gbp_m": "amount_gbp_m"})
        contract["kind"] = "contract"
        schemes = self.system_data.schemes
        paid = self.money.scheme_paid[0]
        rows = [
            {"payer_id": schemes.funder_id.iloc[k], "payee_id": schemes.deliverer_id.iloc[k],
             "service": f"scheme: {schemes.name.iloc[k]}", "kind": "scheme", "amount_gbp_m": paid[k]}
            for k in range(len(schemes))
            if paid[k] > 0 and schemes.funder_id.iloc[k] != schemes.deliverer_id.iloc[k]
        ]
        frame = pd.concat([contract, pd.DataFrame(rows, columns=contract.columns)], ignore_index=True)
        # With no scheme rows the concat makes the amounts objects; keep them numbers.
        frame["amount_gbp_m"] = frame["amount_gbp_m"].astype(float)
        return frame[["payer_id", "payee_id", "service", "kind", "amount_gbp_m"]]


def run_year(system: System, scenario: Scenario,
             overrides: Overrides | None = None) -> YearResult:
    """One certain year: every organisation's income, cost and position.

    Schemes count at full effect, weighted by their expected delivery. ``overrides`` sets
    decisions per organisation and contract (:class:`Overrides`; arrays of one row).
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    if overrides is not None and not isinstance(overrides, Overrides):
        raise ScenarioError(f"overrides must be an Overrides, not {type(overrides).__name__}")
    inputs = inputs_for(system, scenario)
    return YearResult(system, scenario, inputs,
                      compute_year(inputs, scenario, overrides=overrides))
