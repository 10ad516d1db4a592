"""Lesson 3's arithmetic: the shared financial picture, reserves alone or pooled, and the
incentive fund tied to the system.

Nothing here re-implements the engine: every figure is a position the engine computed.

**The bridge.** From last year's underlying position to this year's reported plan, one
factor switched on at a time, each step the change in the engine's position:

1. *Last year* (a total): the plan with prices, inflation, efficiency, schemes, one-offs
   and social care change all off, and the year's data rolled back one year the way
   ``project`` rolls it forward: allocations and providers' other income divided by
   ``1 + allocation_growth``; payers' other spending by ``1 + cost_inflation`` and by the
   price-weighted demand growth of the lines they buy; every service line at last year's
   activity (its plan before this year's demand growth), and each provider's cost base
   sized for it (divided by the price-weighted growth of its lines).
2. *Allocation growth*: allocations and other income at this year's level.
3. *Price uplift less efficiency factor*: prices move by ``price_uplift - efficiency_factor``.
4. *Cost inflation*: providers' costs and payers' other spending rise by ``cost_inflation``.
5. *Cost pressures above the uplift*: NHS providers' costs rise by ``cost_pressure`` too
   (their savings programme, step 8, is the one ask that covers these and the efficiency
   factor).
6. *Demand growth*: activity, contracts, cost bases (the part that moves with commissioned
   activity) and other spending at this year's plan.
7. *Social care funding change* (only when the scenario changes it).
8. *Recurrent efficiency savings*: the cost improvement asked for and delivered, of which
   the recurrent share counts in the underlying position.
9. *Shared schemes*: the chosen schemes at their expected delivery.
10. *Underlying plan* (a total), then the non-recurrent items down to the reported plan:
   *non-recurrent savings*, *one-off support*, *risk share* (only when the scenario pools
   risk) and *incentive fund*; *Reported plan* (a total).

The plan has demand on plan (``demand_shock = 0``): the bridge explains the plan, not the
outturn. Steps 1-9 read the engine's underlying position and steps 9 onwards its reported
position, so each step's end is the next step's start and the totals are the engine's own
numbers. The order matters for the split (price uplift applies to last year's activity,
demand growth is priced at this year's prices); the totals do not depend on it.

>>> import casestudy as cs
>>> frame = bridge(cs.load_system(), cs.Scenario())
>>> frame.step.iloc[[0, -1]].tolist()
['Last year underlying', 'Reported plan']
>>> frame.kind.iloc[0]
'total'
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .engine import Money, compute_year, inputs_for, matched_cost
from .errors import ScenarioError
from .risk import POOLED_ID, reserves_from_positions, simulate
from .scenario import Scenario, field_info
from .system import System
from .totals import NHS_SYSTEM_ID

BRIDGE_COLUMNS = ("entity", "name", "order", "step", "start_gbp_m", "end_gbp_m",
                  "change_gbp_m", "kind", "control_total_gbp_m")
NHS_SYSTEM_NAME = "NHS system"
RESERVE_DRAWS = 10_000  # 1% of draws beyond the 99th percentile is still 100 draws
# Lesson 3's one knob that is not a scenario field, described once like a field.
CONFIDENCE = {
    "name": "confidence",
    "label": "Confidence",
    "unit": "share of years",
    "default": 0.9, "min": 0.5, "max": 0.99, "step": 0.01,
    "help": "Share of years in which the reserve is enough to meet the control total "
            "(90% = nine years in ten)",
    "source": "setting (assumption): the share of years a finance director would want covered",
}
SUM_ALONE_ID = "sum_alone"


# --------------------------------------------------------------------------- the bridge


@dataclass(frozen=True, kw_only=True)
class _Stage:
    """One state of the bridge: a scenario, which parts of the year's data are still at
    last year's level, and which position (underlying or reported) the step reads."""

    step: str
    scenario: Scenario
    last_year_allocation: bool = False
    last_year_other_spend_prices: bool = False
    last_year_activity: bool = False
    reported: bool = False


def _stages(scenario: Scenario) -> list[_Stage]:
    plan = replace(scenario, demand_shock=0.0)
    state = replace(plan, price_uplift=0.0, efficiency_factor=0.0, cost_inflation=0.0,
                    cost_pressure=0.0, efficiency_required=0.0, schemes=(), social_care_budget_change=0.0,
                    non_recurrent_support_gbp_m=0.0, incentive_fund_scale=0.0, risk_share=0.0)
    last_year = {"last_year_other_spend_prices": True, "last_year_activity": True}
    stages = [_Stage(step="Last year underlying", scenario=state, last_year_allocation=True,
                     **last_year),
              _Stage(step="Allocation and other income growth", scenario=state, **last_year)]
    state = replace(state, price_uplift=plan.price_uplift, efficiency_factor=plan.efficiency_factor)
    stages.append(_Stage(step="Price uplift less efficiency factor", scenario=state, **last_year))
    state = replace(state, cost_inflation=plan.cost_inflation)
    stages.append(_Stage(step="Cost inflation", scenario=state, last_year_activity=True))
    state = replace(state, cost_pressure=plan.cost_pressure)
    stages.append(_Stage(step="Cost pressures above the uplift", scenario=state,
                         last_year_activity=True))
    stages.append(_Stage(step="Demand growth", scenario=state))
    if plan.social_care_budget_change != 0:
        state = replace(state, social_care_budget_change=plan.social_care_budget_change)
        stages.append(_Stage(step="Social care funding change", scenario=state))
    state = replace(state, efficiency_required=plan.efficiency_required)
    stages.append(_Stage(step="Recurrent efficiency savings", scenario=state))
    state = replace(state, schemes=plan.schemes)
    stages.append(_Stage(step="Shared schemes", scenario=state))
    stages.append(_Stage(step="Non-recurrent savings", scenario=state, reported=True))
    state = replace(state, non_recurrent_support_gbp_m=plan.non_recurrent_support_gbp_m)
    stages.append(_Stage(step="One-off support", scenario=state, reported=True))
    if plan.risk_share > 0:
        state = replace(state, risk_share=plan.risk_share)
        stages.append(_Stage(step="Risk share", scenario=state, reported=True))
    state = replace(state, incentive_fund_scale=plan.incentive_fund_scale)
    stages.append(_Stage(step="Incentive fund", scenario=state, reported=True))
    if state != plan:  # every factor of the plan must have been switched on by now
        raise AssertionError(f"the bridge missed {state.changes_from(plan)}")  # a bug, not input
    return stages


def _stage_money(system: System, stage: _Stage, plan: Scenario) -> Money:
    """The engine's money for one stage, the year's arrays rolled back where asked.

    The roll-back undoes ``projection.next_year``'s roll-forward, with its growth rates.
    """
    inputs = inputs_for(system, stage.scenario)
    # The costs this year's other income pays for, which did not grow with demand (taken
    # before other income is rolled back, so every stage rolls the cost base back alike).
    matched = matched_cost(inputs)
    if stage.last_year_allocation:
        growth = 1 + plan.allocation_growth
        inputs = replace(inputs, allocation=inputs.allocation / growth,
                         other_income=inputs.other_income / growth)
    if stage.last_year_other_spend_prices:
        inputs = replace(inputs, other_spend=inputs.other_spend / (1 + plan.cost_inflation))
    if stage.last_year_activity:
        last_year = system.service_lines.planned_activity.to_numpy(dtype=float)
        before, after = last_year * inputs.price_gbp, inputs.planned * inputs.price_gbp
        # The roll-forward's own growth rates (projection.next_year), undone here.
        provider_growth = inputs.provider.growth(before, after)
        payer_growth = inputs.payer.growth(before, after)
        # Only the part of the cost base that moves with commissioned activity grew with it.
        inputs = replace(inputs, planned=last_year, contract_planned=last_year,
                         cost_base=matched + (inputs.cost_base - matched) / (1 + provider_growth),
                         other_spend=inputs.other_spend / (1 + payer_growth))
    return compute_year(inputs, stage.scenario)


def bridge_table(system: System, scenario: Scenario) -> pd.DataFrame:
    """The bridge of every organisation and of the NHS system, in one long frame.

    One row per entity x step, entities being the organisations (``org_id``) and
    ``"nhs_system"`` (the organisations inside the NHS control total, summed). Columns
    ``entity, name, order, step, start_gbp_m, end_gbp_m, change_gbp_m, kind,
    control_total_gbp_m``; ``kind`` is ``total`` (a bar from zero: last year, the
    underlying plan, the reported plan), ``increase`` or ``decrease``. Rows come entity by
    entity (the organisations in the system's order, then the NHS system), each entity's
    steps together and in order.
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    stages = _stages(scenario)
    plan = replace(scenario, demand_shock=0.0)
    moneys = [_stage_money(system, stage, plan) for stage in stages]
    orgs = system.organisations
    nhs = orgs.in_nhs_control_total.to_numpy(dtype=bool)
    # [stages, entities]: the position each stage reads, the NHS system summed as a column.
    levels = np.array([(m.position[0] if st.reported else m.underlying[0])
                       for st, m in zip(stages, moneys)])
    levels = np.hstack([levels, levels[:, nhs].sum(axis=1, keepdims=True)])
    final = moneys[-1].position[0]
    final = np.append(final, final[nhs].sum())
    underlying_stage = next(i for i, st in enumerate(stages) if st.reported) - 1
    control = orgs.control_total_gbp_m.to_numpy(dtype=float)
    control = np.append(control, control[nhs].sum())

    # Columns of the bridge: each stage's step, with the underlying plan after the last
    # underlying stage; each step runs from the previous level to its own.
    steps = [st.step for st in stages]
    start = np.vstack([np.zeros_like(levels[0]), levels[:-1]])
    end = levels.copy()
    steps.insert(underlying_stage + 1, "Underlying plan")
    start = np.insert(start, underlying_stage + 1, 0.0, axis=0)
    end = np.insert(end, underlying_stage + 1, levels[underlying_stage], axis=0)
    steps.append("Reported plan")
    start = np.vstack([start, np.zeros_like(final)])
    end = np.vstack([end, final])
    start[0] = 0.0  # last year is a total, from zero

    entities = [*orgs.index, NHS_SYSTEM_ID]
    names = [*orgs["name"], NHS_SYSTEM_NAME]
    count, width = len(steps), len(entities)
    totals = np.isin(steps, ["Last year underlying", "Underlying plan", "Reported plan"])
    change = (end - start).T.ravel()
    data = pd.DataFrame({
        "entity": np.repeat(entities, count),
        "name": np.repeat(names, count),
        "order": np.tile(np.arange(count), width),
        "step": np.tile(steps, width),
        "start_gbp_m": start.T.ravel(),
        "end_gbp_m": end.T.ravel(),
        "change_gbp_m": change,
        "kind": np.where(np.tile(totals, width), "total",
                         np.where(change >= 0, "increase", "decrease")),
        "control_total_gbp_m": np.repeat(control, count),
    })
    return data[list(BRIDGE_COLUMNS)]


def bridge(system: System, scenario: Scenario, entity: str = NHS_SYSTEM_ID) -> pd.DataFrame:
    """One entity's bridge (an ``org_id`` or ``"nhs_system"``); see :func:`bridge_table`."""
    return bridge_of(bridge_table(system, scenario), entity)


def bridge_of(table: pd.DataFrame, entity: str) -> pd.DataFrame:
    """One entity's rows of a :func:`bridge_table` (cheap: what a picker calls)."""
    part = table[table.entity == entity]
    if part.empty:
        known = ", ".join(dict.fromkeys(table.entity))
        raise ScenarioError(f"bridge: {entity!r} is not an organisation of this system "
                            f"nor {NHS_SYSTEM_ID!r}; choose one of {known}")
    return part.reset_index(drop=True)


def bridge_entities(system: System) -> list[tuple[str, str]]:
    """(name, id) for a picker: the NHS system, its organisations, then the others."""
    orgs = system.organisations
    nhs = orgs[orgs.in_nhs_control_total]
    others = orgs[~orgs.in_nhs_control_total]
    return ([(NHS_SYSTEM_NAME, NHS_SYSTEM_ID)] + list(zip(nhs["name"], nhs.index))
            + list(zip(others["name"], others.index)))


# --------------------------------------------------------------------------- reserves


@dataclass(frozen=True)
class ReserveDraws:
    """Simulated NHS positions (before incentive funds, no risk share) for one scenario,
    computed once so that a change of confidence only takes quantiles."""

    org_ids: tuple[str, ...]
    position: np.ndarray  # [draws, NHS organisations] £m
    control_total: np.ndarray  # [NHS organisations] £m
    names: tuple[str, ...]
    kinds: tuple[str, ...]

    def reserves(self, confidence: float) -> pd.DataFrame:
        """Each NHS organisation's reserve alone, their sum, and the pooled reserve.

        Columns ``org_id, name, kind, arrangement ("alone" / "sum" / "pooled"),
        reserve_gbp_m``; the ``sum`` row is the sum of the ``alone`` rows.
        """
        table = reserves_from_positions(self.position, self.control_total, self.org_ids,
                                        confidence)
        # Its rows are the organisations in order, then the pooled row (a slider moves
        # this, so plain arrays rather than pandas look-ups).
        reserve = table.reserve_gbp_m.to_numpy()
        alone, pooled = reserve[:-1], reserve[-1]
        count = len(self.org_ids)
        return pd.DataFrame({
            "org_id": [*self.org_ids, SUM_ALONE_ID, POOLED_ID],
            "name": [*self.names, "Sum held alone", "Pooled across the system"],
            "kind": [*self.kinds, "total", "total"],
            "arrangement": ["alone"] * count + ["sum", "pooled"],
            "reserve_gbp_m": [*alone, alone.sum(), pooled],
            "is_total": [False] * count + [True, True],
        })

    def facts(self, confidence: float) -> Reserves:
        """Lesson 3's reserve facts at this confidence (see :class:`Reserves`)."""
        table = self.reserves(confidence)
        reserve = table.reserve_gbp_m.to_numpy()
        commissioner = np.array([k == "commissioner" for k in self.kinds])
        # Across the draws: the commissioners' summed position against the providers'. Under
        # payment by results a busy year costs the commissioners what it earns the
        # providers, so the two move in opposite directions and offset when pooled.
        theirs = self.position[:, commissioner].sum(axis=1)
        others = self.position[:, ~commissioner].sum(axis=1)
        spread = theirs.std() * others.std()
        offset = float(np.corrcoef(theirs, others)[0, 1]) if spread > 1e-12 else 0.0
        alone = reserve[:-2]
        held = float(alone.sum())
        return Reserves(confidence=float(confidence), table=table,
                        sum_alone_gbp_m=held, pooled_gbp_m=float(reserve[-1]),
                        largest_id=self.org_ids[int(alone.argmax())],
                        largest_name=self.names[int(alone.argmax())],
                        largest_gbp_m=float(alone.max()),
                        commissioners_share=(float(alone[commissioner].sum()) / held
                                             if held > 0 else 0.0),
                        offset_correlation=offset)


@dataclass(frozen=True, kw_only=True)
class Reserves:
    """Lesson 3's reserve facts, computed once for the panel, the prose, the checks and the
    chart: the reserve each NHS organisation needs alone, their sum, the pooled reserve,
    and why pooling releases what it does.

    ``commissioners_share`` is the share of the sum held alone that the commissioners
    hold; ``offset_correlation`` the correlation, across the draws, of the commissioners'
    summed position with the providers' (near -1: their bad years are each other's good
    years, and pooled they cancel; near 0 or above: little to offset). ``table`` is
    :meth:`ReserveDraws.reserves` (the sum and pooled rows marked ``is_total``).
    """

    confidence: float
    table: pd.DataFrame = field(repr=False)
    sum_alone_gbp_m: float
    pooled_gbp_m: float
    largest_id: str
    largest_name: str
    largest_gbp_m: float
    commissioners_share: float
    offset_correlation: float

    @property
    def released_gbp_m(self) -> float:
        """What pooling releases: the sum held alone less the pooled reserve."""
        return self.sum_alone_gbp_m - self.pooled_gbp_m

    @property
    def released_share(self) -> float | None:
        """The released share of the sum held alone (``None`` when nothing is held alone)."""
        return self.released_gbp_m / self.sum_alone_gbp_m if self.sum_alone_gbp_m > 0 else None

    @property
    def organisations(self) -> int:
        return int((~self.table.is_total).sum())


def reserve_draws(system: System, scenario: Scenario, draws: int = RESERVE_DRAWS,
                  seed: int | None = None) -> ReserveDraws:
    """The draws behind :func:`casestudy.contingency_reserves`, kept for many confidences.

    The same draws (same seed, no risk share), so ``reserve_draws(...).reserves(c)`` gives
    the reserves ``contingency_reserves(system, scenario, c, draws, seed)`` gives.
    """
    alone = replace(scenario, risk_share=0.0)
    frame = simulate(system, alone, draws=draws, seed=seed)
    orgs = system.organisations
    nhs = orgs[orgs.in_nhs_control_total]
    width = len(orgs)
    position = frame.position_before_incentive_gbp_m.to_numpy().reshape(-1, width)
    keep = orgs.in_nhs_control_total.to_numpy(dtype=bool)
    return ReserveDraws(
        org_ids=tuple(nhs.index), position=position[:, keep],
        control_total=nhs.control_total_gbp_m.to_numpy(dtype=float),
        names=tuple(nhs["name"]), kinds=tuple(nhs["kind"]),
    )


# --------------------------------------------------------------------------- incentive fund


INCENTIVE_COLUMNS = (
    "org_id", "name", "kind", "fund_available_gbp_m", "fund_received_gbp_m",
    "fund_if_own_gbp_m", "fund_lost_to_linkage_gbp_m", "position_gbp_m",
    "position_before_fund_gbp_m", "control_total_gbp_m", "met_control_total", "system_met",
    "risk_share_gbp_m",
)


def incentive_linkage(system: System, scenario: Scenario) -> pd.DataFrame:
    """Each NHS organisation's incentive fund under the scenario's system linkage.

    One row per NHS organisation: the fund it could earn (``incentive_fund_gbp_m`` x the
    scenario's scale), what it receives, what it would receive with the fund paid on its
    own control total alone (linkage 0, all else equal), what the linkage cost it
    (positive: it met its own control total but the system did not), its position, its
    position before funds, its control total, whether it met it, and whether the system met
    the system control total.

    >>> import casestudy as cs
    >>> table = incentive_linkage(cs.load_system(), cs.Scenario(system_linkage=1.0))
    >>> bool((table.fund_received_gbp_m <= table.fund_available_gbp_m + 1e-12).all())
    True
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(scenario).__name__}")
    # The engine's arrays directly: this runs on every slider move, and the tidy frames of
    # ``run_year`` would cost more than the year itself.
    inputs = inputs_for(system, scenario)
    money = compute_year(inputs, scenario)
    own = compute_year(inputs, replace(scenario, system_linkage=0.0))
    nhs = inputs.in_nhs
    orgs = system.organisations
    position = money.position[0][nhs]
    frame = pd.DataFrame({
        "org_id": np.array(inputs.org_ids)[nhs],
        "name": orgs["name"].to_numpy()[nhs],
        "kind": orgs["kind"].to_numpy()[nhs],
        "fund_available_gbp_m": inputs.incentive_fund[nhs] * scenario.incentive_fund_scale,
        "fund_received_gbp_m": money.incentive[0][nhs],
        "fund_if_own_gbp_m": own.incentive[0][nhs],
        "position_gbp_m": position,
        "position_before_fund_gbp_m": position - money.incentive[0][nhs],
        "control_total_gbp_m": inputs.control_total[nhs],
        "met_control_total": money.met[0][nhs],
        "system_met": bool(money.system_met[0]),
        "risk_share_gbp_m": money.risk_share[0][nhs],
    })
    frame["fund_lost_to_linkage_gbp_m"] = frame.fund_if_own_gbp_m - frame.fund_received_gbp_m
    return frame[list(INCENTIVE_COLUMNS)]


TOLERANCE_GBP_M = 0.005  # half of the last digit the lesson shows (£0.01m)


@dataclass(frozen=True, kw_only=True)
class Linkage:
    """Lesson 3's incentive-fund facts for one scenario, computed once for the panel, the
    prose, the checks and the chart: :func:`incentive_linkage`'s table and its sums.

    ``lost_gbp_m``: fund lost by partners that met their own control total because the
    system missed (the fund lost to linkage); ``gained_gbp_m``: fund received by partners
    that missed theirs but share in the system's success; ``gap_gbp_m``: the NHS system's
    position before funds less its control total (negative: it misses); ``transfers``: the
    risk share's transfers by organisation (they sum to zero).
    """

    scenario: Scenario
    table: pd.DataFrame = field(repr=False)
    lost_gbp_m: float
    gained_gbp_m: float
    received_gbp_m: float
    available_gbp_m: float
    gap_gbp_m: float
    system_met: bool
    missed: tuple[str, ...]

    @property
    def everyone_misses(self) -> bool:
        return len(self.missed) == len(self.table)

    @classmethod
    def of(cls, table: pd.DataFrame, scenario: Scenario) -> Linkage:
        """The facts of an :func:`incentive_linkage` table (a hand-made one in a test)."""
        lost = table.fund_lost_to_linkage_gbp_m.to_numpy()
        tested = table.position_before_fund_gbp_m.to_numpy()
        return cls(
            scenario=scenario, table=table,
            lost_gbp_m=float(lost[lost > TOLERANCE_GBP_M].sum()),
            gained_gbp_m=float(-lost[lost < -TOLERANCE_GBP_M].sum()),
            received_gbp_m=float(table.fund_received_gbp_m.sum()),
            available_gbp_m=float(table.fund_available_gbp_m.sum()),
            gap_gbp_m=float(tested.sum() - table.control_total_gbp_m.sum()),
            system_met=bool(table.system_met.iloc[0]),
            missed=tuple(table.org_id[~table.met_control_total.to_numpy(dtype=bool)]))


def linkage(system: System, scenario: Scenario) -> Linkage:
    """Lesson 3's incentive-fund facts (see :class:`Linkage`).

    >>> import casestudy as cs
    >>> facts = linkage(cs.load_system(), cs.Scenario(risk_share=1.0, demand_shock=0.05))
    >>> facts.system_met, facts.everyone_misses  # a full risk share: all miss together
    (False, True)
    """
    return Linkage.of(incentive_linkage(system, scenario), scenario)


def money_nhs(system: System) -> np.ndarray:
    """[n] True for the organisations inside the NHS control total, in the engine's order."""
    return system.organisations.in_nhs_control_total.to_numpy(dtype=bool)


def first_miss_shock(system: System, scenario: Scenario,
                     shocks: Sequence[float] | None = None) -> float | None:
    """The smallest demand shock (on the slider's grid, 0 upwards) at which some NHS
    organisation misses its own control total; ``None`` if none on the grid does.

    >>> import casestudy as cs
    >>> shock = first_miss_shock(cs.load_system(), cs.Scenario())
    >>> shock is None or 0 <= shock <= 0.3
    True
    """
    if shocks is None:
        info = field_info("demand_shock")
        steps = round(info["max"] / info["step"])
        shocks = [round(k * info["step"], 10) for k in range(steps + 1)]
    for shock in shocks:
        if not isinstance(shock, numbers.Real):
            raise ScenarioError(f"shocks: {shock!r} is not a number")
        shocked = replace(scenario, demand_shock=float(shock))
        money = compute_year(inputs_for(system, shocked), shocked)
        if (~money.met[0][money_nhs(system)]).any():
            return float(shock)
    return None
