"""What each payment rule gives each side: who carries the volume risk, and what a provider
gains by doing less planned care than it was paid for.

Lesson 4 needs two things beyond ``run_year``, ``simulate`` and ``project``:

- :class:`PresetDraws`: the simulated positions of every organisation under each payment
  preset, drawn **once** (``simulate``) and then moved with the demand shock by the engine's
  own certain-year change. Positions are affine in activity under every rule whose payment is
  linear in activity (payment by results, fixed income, blended with the same rate both ways),
  so a demand shock moves every draw by the same amount, exactly what ``compute_year`` says the
  shock does to the certain year. For any other rule the draws are simulated again.
- :func:`elective_shortfall`: each organisation's gain when a provider does a share of its
  planned elective activity less, under each preset, by running the engine with that activity
  taken off the provider's elective lines (``demand_noise``).

Pure numpy and pandas; every money figure comes from the engine.

>>> import casestudy as cs
>>> system = cs.load_system()
>>> gains = elective_shortfall(system, cs.Scenario(), 0.05)
>>> trust = largest_acute_trust(system)
>>> fixed = gains.query("payment == 'fixed_income' and org_id == @trust").gain_gbp_m.item()
>>> by_results = gains.query("payment == 'payment_by_results' and org_id == @trust").gain_gbp_m.item()
>>> bool(fixed > 0 > by_results)
True
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .contracts import ActivityBased, Blended, FixedIncome
from .engine import TOLERANCE_GBP_M, compute_year, inputs_for, run_year
from .errors import ScenarioError
from .risk import draws_of_demand
from .scenario import PRESETS, Scenario, check_presets, field_info
from .system import System
from .totals import IS_TOTAL, NHS_ID, TOTAL_KIND

ELECTIVE = "elective"
SYSTEM_ID = NHS_ID  # the NHS organisations summed, in PresetDraws.spread
PAYERS_ID = "payers"  # the row of the commissioners of the provider's electives together
PAYERS_NAME = "Commissioners of its electives"
DEFAULT_DRAWS = 3_000
DEFAULT_SEED = 4  # any fixed seed: the same numbers on every machine
HISTOGRAM_BINS = 40
BREAK_EVEN_PRESET = "api_2023"  # the preset whose elective rate applies both ways
# Lesson 4's knob (not a scenario field), described as a field is so that its slider is
# built from it (casestudy.ui.common.knob).
SHORTFALL = {
    "name": "shortfall_share",
    "label": "Electives not done (share of plan)",
    "unit": "share of plan",
    "default": 0.05, "min": 0.0, "max": 0.2, "step": 0.01,
    "help": "Share of the trust's planned elective activity not done this year",
    "source": "setting (assumption): 5% of plan, a shortfall a trust could run to in a year",
}


# --------------------------------------------------------------------------- roles


def largest_acute_trust(system: System) -> str | None:
    """The acute trust with the largest cost base, or ``None`` if the system has none
    (:meth:`System.largest`, kept as a public name).

    >>> import casestudy as cs
    >>> largest_acute_trust(cs.load_system())
    'bthft'
    """
    return system.largest("acute")


def main_commissioner(system: System, provider_id: str | None) -> str | None:
    """The commissioner that pays ``provider_id`` most at plan, or ``None`` if none does
    (:meth:`System.main_payer`, kept as a public name).

    >>> import casestudy as cs
    >>> main_commissioner(cs.load_system(), "bthft")
    'bd_ccg'
    """
    return system.main_payer(provider_id)


# --------------------------------------------------------------------------- volume risk


def _linear_in_activity(scenario: Scenario) -> bool:
    """True when every service's payment is linear in actual activity (no kink at plan)."""
    for rule in scenario.rules_by_service().values():
        if isinstance(rule, (ActivityBased, FixedIncome)):
            continue
        if isinstance(rule, Blended) and rule.rate_above_plan == rule.rate_below_plan:
            continue
        return False
    return True


def _certain_before_incentive(system: System, scenario: Scenario) -> np.ndarray:
    """[n] positions before incentive funds in the certain year (as ``simulate`` measures them)."""
    money = compute_year(inputs_for(system, scenario), scenario)
    return (money.position - money.incentive)[0]


def _check_draws(draws: object, seed: object) -> tuple[int, int]:
    info = field_info("draws")
    ok = isinstance(draws, numbers.Integral) and not isinstance(draws, bool)
    if not ok or not 2 <= draws <= info["max"]:
        raise ScenarioError(f"draws = {draws!r} is outside the allowed range 2 to "
                            f"{int(info['max'])} (Monte Carlo draws of demand)")
    ok = isinstance(seed, numbers.Integral) and not isinstance(seed, bool)
    if not ok or not 0 <= seed <= field_info("seed")["max"]:
        raise ScenarioError(f"seed = {seed!r} is outside the allowed range 0 to "
                            f"{int(field_info('seed')['max'])}")
    return int(draws), int(seed)


@dataclass(frozen=True)
class PresetDraws:
    """Simulated positions of every organisation under each payment preset, drawn once.

    ``presets`` (default all) are drawn. ``positions(scenario)`` gives
    ``{preset: [draws, organisations]}`` positions before
    incentive funds (as ``risk.simulate`` and ``risk.risk_by_preset`` measure risk). When
    ``scenario`` differs from the one drawn only in its demand shock and every rule is linear
    in activity, the draws are moved by the engine's certain-year change (cheap, and exact up
    to rounding); otherwise they are simulated again and kept.

    >>> import casestudy as cs
    >>> draws = PresetDraws.build(cs.load_system(), cs.Scenario(), draws=200)
    >>> sorted(draws.positions(cs.Scenario(demand_shock=0.03))) == sorted(cs.PRESETS)
    True
    """

    system: System
    scenario: Scenario
    draws: int
    seed: int
    drawn: dict = field(repr=False)  # Scenario -> [draws, n]
    org_ids: tuple[str, ...] = ()
    certain: dict = field(default_factory=dict, repr=False)  # drawn Scenario -> [n]
    presets: tuple[str, ...] = PRESETS  # the presets drawn, in order
    noise: dict = field(default_factory=dict, repr=False)  # winter correlation -> [draws, l]

    @classmethod
    def build(cls, system: System, scenario: Scenario, draws: int = DEFAULT_DRAWS,
              seed: int = DEFAULT_SEED, presets: Sequence[str] = PRESETS) -> PresetDraws:
        draws, seed = _check_draws(draws, seed)
        made = cls(system, scenario, draws, seed, {}, tuple(system.organisations.index),
                   presets=check_presets(presets))
        for preset in made.presets:
            made._simulated(replace(scenario, payment=preset))
        return made

    def _simulated(self, scenario: Scenario) -> np.ndarray:
        if scenario not in self.drawn:
            # The same draws of demand as simulate(seed): drawn once per winter correlation
            # and kept, so a rule that is not linear in activity (the marginal rate's kink
            # at its baseline, a rate only above plan) costs one engine run, not a simulate.
            inputs = inputs_for(self.system, scenario)
            key = scenario.winter_correlation
            if key not in self.noise:
                self.noise[key] = draws_of_demand(inputs, scenario, self.draws, self.seed)
            money = compute_year(inputs, scenario, demand_noise=self.noise[key])
            self.drawn[scenario] = money.position - money.incentive
        return self.drawn[scenario]

    def positions(self, scenario: Scenario) -> dict[str, np.ndarray]:
        """``{preset: [draws, n]}`` positions before incentive funds under ``scenario``."""
        out = {}
        for preset in self.presets:
            wanted = replace(scenario, payment=preset)
            drawn = replace(wanted, demand_shock=self.scenario.demand_shock)
            if drawn in self.drawn and _linear_in_activity(wanted):
                if drawn not in self.certain:
                    self.certain[drawn] = _certain_before_incentive(self.system, drawn)
                shift = _certain_before_incentive(self.system, wanted) - self.certain[drawn]
                out[preset] = self.drawn[drawn] + shift
            else:
                out[preset] = self._simulated(wanted)
        return out

    def frame(self, positions: dict[str, np.ndarray], org_ids: Sequence[str]) -> pd.DataFrame:
        """Tidy draws of ``org_ids`` from :meth:`positions`: ``payment, org_id, draw,
        position_gbp_m, control_total_gbp_m`` (positions before incentive funds)."""
        control = self.system.organisations.control_total_gbp_m
        columns = [self.org_ids.index(org) for org in org_ids]
        frames = []
        for preset, position in positions.items():
            for org, col in zip(org_ids, columns):
                frames.append(pd.DataFrame({
                    "payment": preset, "org_id": org, "draw": np.arange(self.draws),
                    "position_gbp_m": position[:, col],
                    "control_total_gbp_m": float(control[org]),
                }))
        return pd.concat(frames, ignore_index=True)

    def histogram(self, positions: dict[str, np.ndarray], org_ids: Sequence[str],
                  bins: int = HISTOGRAM_BINS) -> pd.DataFrame:
        """Share of draws in each bin of position minus control total, per preset and
        organisation, with the same edges for all (so spreads compare); empty bins left out.
        Columns ``payment, org_id, bin_start_gbp_m, bin_end_gbp_m, share``: a few hundred
        rows, whatever the draws.
        """
        control = self.system.organisations.control_total_gbp_m
        gaps = {(preset, org): position[:, self.org_ids.index(org)] - float(control[org])
                for preset, position in positions.items() for org in org_ids}
        low = min(float(g.min()) for g in gaps.values())
        high = max(float(g.max()) for g in gaps.values())
        if high - low < 1e-9:  # every draw the same: one bin around it
            low, high = low - 0.5, high + 0.5
        edges = np.linspace(low, high, bins + 1)
        parts = {"payment": [], "org_id": [], "bin": [], "share": []}
        for (preset, org), gap in gaps.items():
            counts = np.histogram(gap, edges)[0]
            used = np.flatnonzero(counts)
            parts["payment"] += [preset] * len(used)
            parts["org_id"] += [org] * len(used)
            parts["bin"].append(used)
            parts["share"].append(counts[used] / len(gap))
        index = np.concatenate(parts["bin"])
        return pd.DataFrame({
            "payment": parts["payment"], "org_id": parts["org_id"],
            "bin_start_gbp_m": edges[index], "bin_end_gbp_m": edges[index + 1],
            "share": np.concatenate(parts["share"]),
        })

    def summary(self, positions: dict[str, np.ndarray]) -> pd.DataFrame:
        """Chance of meeting the control total, mean and standard deviation of each position
        in :meth:`positions`, with the columns of ``risk.risk_by_preset`` (including the NHS
        ``system`` row)."""
        orgs = self.system.organisations
        control = orgs.control_total_gbp_m.to_numpy(dtype=float)
        nhs = orgs.in_nhs_control_total.to_numpy(dtype=bool)
        target = np.append(control, control[nhs].sum())
        every = np.stack([np.hstack([position, position[:, nhs].sum(axis=1, keepdims=True)])
                          for position in positions.values()])  # [presets, draws, n + 1]
        width = len(target)
        return pd.DataFrame({
            "payment": np.repeat(list(positions), width),
            "org_id": [*self.org_ids, SYSTEM_ID] * len(positions),
            IS_TOTAL: ([False] * len(self.org_ids) + [True]) * len(positions),
            "chance_met": (every >= target - TOLERANCE_GBP_M).mean(axis=1).ravel(),
            "mean_position_gbp_m": every.mean(axis=1).ravel(),
            "sd_position_gbp_m": every.std(axis=1, ddof=1).ravel(),
            "control_total_gbp_m": np.tile(target, len(positions)),
        })


# --------------------------------------------------------------------------- less planned care


def _check_shortfall(shortfall_share: object) -> float:
    ok = isinstance(shortfall_share, numbers.Real) and not isinstance(shortfall_share, bool)
    if not ok or not 0 <= float(shortfall_share) <= 1:
        raise ScenarioError(f"shortfall_share = {shortfall_share!r} is outside the allowed range "
                            "0 to 1 (share of planned elective activity not done)")
    return float(shortfall_share)


def _elective_payers(system: System, provider_id: str) -> list[str]:
    """Who pays for the provider's elective lines, in table order."""
    lines = system.service_lines
    mine = lines[(lines.provider_id == provider_id) & (lines.service == ELECTIVE)]
    return list(dict.fromkeys(mine.payer_id))


def _elective_cut(system: System, provider_id: str, shortfall_share: float) -> np.ndarray:
    """[1, lines] demand noise that takes ``shortfall_share`` of plan off the provider's electives."""
    lines = system.service_lines
    mine = ((lines.provider_id == provider_id) & (lines.service == ELECTIVE)).to_numpy()
    return np.where(mine, -shortfall_share, 0.0)[None, :]


def _gains(system: System, scenario: Scenario, cut: np.ndarray) -> dict[str, np.ndarray]:
    """[n] changes in income, spending and position (before incentive funds) from ``cut``."""
    inputs = inputs_for(system, scenario)
    before = compute_year(inputs, scenario)
    after = compute_year(inputs, scenario, demand_noise=cut)
    return {
        "income": (after.income - after.incentive - before.income + before.incentive)[0],
        "cost": (after.cost - before.cost)[0],
        "gain": ((after.position - after.incentive) - (before.position - before.incentive))[0],
        "not_done": (before.actual - after.actual)[0].sum(),
    }


def _provider(system: System, provider_id: str | None) -> str:
    provider_id = largest_acute_trust(system) if provider_id is None else provider_id
    orgs = system.organisations
    if provider_id is None or provider_id not in orgs.index:
        raise ScenarioError(f"provider_id = {provider_id!r} is not an organisation of this system; "
                            f"its organisations are {', '.join(orgs.index)}")
    return provider_id


def elective_shortfall(system: System, scenario: Scenario, shortfall_share: float,
                       provider_id: str | None = None,
                       presets: Sequence[str] = PRESETS) -> pd.DataFrame:
    """Each organisation's gain when ``provider_id`` does ``shortfall_share`` of its planned
    elective activity less (0.05 = 5% of plan), under each payment preset.

    The engine runs the scenario twice per preset, once as it is and once with that activity
    taken off the provider's elective lines (every payer's), and the gain is the change in
    position before incentive funds (after any risk share), as ``simulate`` measures risk.
    ``provider_id`` defaults to the largest acute trust. One row per preset x organisation,
    plus ``org_id = "payers"`` (those who pay for the provider's electives, together) and
    ``org_id = "nhs"`` (the NHS organisations together). Columns: ``payment, org_id, name,
    kind, in_nhs_control_total, income_change_gbp_m, cost_change_gbp_m, gain_gbp_m,
    electives_not_done``.

    Under fixed income the provider keeps its income and saves the marginal cost of the work
    not done; under payment by results it loses the price and saves the same marginal cost.
    Rules move money between payer and provider, so the NHS total gains the same under every
    preset: the marginal cost released.
    """
    shortfall_share = _check_shortfall(shortfall_share)
    provider_id = _provider(system, provider_id)
    presets = check_presets(presets)
    orgs = system.organisations
    cut = _elective_cut(system, provider_id, shortfall_share)
    nhs = orgs.in_nhs_control_total.to_numpy(dtype=bool)
    payers = orgs.index.isin(_elective_payers(system, provider_id))
    columns: dict[str, list] = {"income": [], "cost": [], "gain": [], "not_done": []}
    for preset in presets:
        gains = _gains(system, replace(scenario, payment=preset), cut)
        for key in ("income", "cost", "gain"):
            columns[key].append(np.concatenate([gains[key], [gains[key][payers].sum(),
                                                             gains[key][nhs].sum()]]))
        columns["not_done"].append(np.full(len(nhs) + 2, gains["not_done"]))
    width = len(nhs) + 2
    return pd.DataFrame({
        "payment": np.repeat(list(presets), width),
        "org_id": [*orgs.index, PAYERS_ID, NHS_ID] * len(presets),
        "name": [*orgs.name, PAYERS_NAME, "NHS organisations together"] * len(presets),
        "kind": [*orgs.kind, "commissioner", TOTAL_KIND] * len(presets),
        IS_TOTAL: ([False] * (len(orgs) + 1) + [True]) * len(presets),
        "in_nhs_control_total": [*nhs, bool(nhs[payers].all()), True] * len(presets),
        "income_change_gbp_m": np.concatenate(columns["income"]),
        "cost_change_gbp_m": np.concatenate(columns["cost"]),
        "gain_gbp_m": np.concatenate(columns["gain"]),
        "electives_not_done": np.concatenate(columns["not_done"]),
    })


def break_even_elective_rate(system: System, scenario: Scenario, shortfall_share: float,
                             provider_id: str | None = None) -> float | None:
    """The elective variable rate (aligned payment and incentive from 2023/24, which pays it
    both ways) at which doing less planned
    elective care neither gains nor loses the provider anything, or ``None`` if no rate from
    0 to 1 does it (or the provider does no electives).

    A blended payment is linear in its rate for given activity, and cost does not depend on
    the rate, so the provider's gain is linear in the rate: the engine is run at rates 0 and 1
    and the zero found between them.

    >>> import casestudy as cs
    >>> rate = break_even_elective_rate(cs.load_system(), cs.Scenario(), 0.05)
    >>> bool(0 < rate < 1)
    True
    """
    shortfall_share = _check_shortfall(shortfall_share)
    provider_id = _provider(system, provider_id)
    column = list(system.organisations.index).index(provider_id)
    cut = _elective_cut(system, provider_id, shortfall_share)
    at_zero, at_one = (
        _gains(system, replace(scenario, payment=BREAK_EVEN_PRESET, elective_variable_rate=rate),
               cut)["gain"][column]
        for rate in (0.0, 1.0))
    if shortfall_share == 0 or at_zero == at_one or at_zero * at_one > 0:
        return None
    return float(at_zero / (at_zero - at_one))


@dataclass(frozen=True, kw_only=True)
class LessPlannedCare:
    """Lesson 4's facts on doing less planned care: what ``provider_id`` doing
    ``shortfall_share`` of its planned electives less gives it, the commissioners of its
    electives and the NHS organisations under each preset (``table``: the rows of
    :func:`elective_shortfall`), and the elective variable rate that removes its gain."""

    provider_id: str
    shortfall_share: float
    table: pd.DataFrame = field(repr=False)
    electives_not_done: float
    gain_gbp_m: dict[str, float]  # the provider's gain, by preset
    income_change_gbp_m: dict[str, float]  # the provider's income, by preset
    cost_change_gbp_m: dict[str, float]  # the provider's spending, by preset
    payers_gain_gbp_m: dict[str, float]  # its electives' commissioners together, by preset
    nhs_gain_gbp_m: dict[str, float]  # the NHS organisations together: the same under every rule
    break_even_rate: float | None  # break_even_elective_rate, when asked for

    def marginal_cost_share(self, full_price: str) -> float | None:
        """The cost the provider saves (the same under every rule) as a share of the price
        of the work not done, as ``full_price`` (a preset paying the full price of electives)
        takes it away; ``None`` when there is no price."""
        price = -self.income_change_gbp_m[full_price]
        return -self.cost_change_gbp_m[full_price] / price if price > 0 else None


def less_planned_care(system: System, scenario: Scenario, shortfall_share: float,
                      provider_id: str | None = None, presets: Sequence[str] = PRESETS,
                      break_even: bool = False) -> LessPlannedCare:
    """:class:`LessPlannedCare` from :func:`elective_shortfall` (and, with ``break_even``,
    :func:`break_even_elective_rate`).

    >>> import casestudy as cs
    >>> facts = less_planned_care(cs.load_system(), cs.Scenario(), 0.05,
    ...                           presets=("fixed_income", "payment_by_results"))
    >>> bool(facts.gain_gbp_m["fixed_income"] > 0 > facts.gain_gbp_m["payment_by_results"])
    True
    """
    provider_id = _provider(system, provider_id)
    table = elective_shortfall(system, scenario, shortfall_share, provider_id, presets)
    keys = list(zip(table.payment.tolist(), table.org_id.tolist()))

    def column(name: str, org_id: str) -> dict[str, float]:
        return {p: float(v) for (p, o), v in zip(keys, table[name].tolist()) if o == org_id}

    rate = (break_even_elective_rate(system, scenario, shortfall_share, provider_id)
            if break_even else None)
    return LessPlannedCare(
        provider_id=provider_id, shortfall_share=float(shortfall_share), table=table,
        electives_not_done=float(table.electives_not_done.iloc[0]),
        gain_gbp_m=column("gain_gbp_m", provider_id),
        income_change_gbp_m=column("income_change_gbp_m", provider_id),
        cost_change_gbp_m=column("cost_change_gbp_m", provider_id),
        payers_gain_gbp_m=column("gain_gbp_m", PAYERS_ID),
        nhs_gain_gbp_m=column("gain_gbp_m", NHS_ID), break_even_rate=rate)


@dataclass(frozen=True, kw_only=True)
class FundCliff:
    """Where an organisation's incentive fund falls away as demand rises above plan: the
    smallest demand shock on the slider's grid at which it misses its control total under
    ``payment`` (``None`` if none on the grid does), and the fund it then loses (a fund is
    all or nothing: met, or lost whole)."""

    org_id: str
    payment: str
    shock: float | None
    fund_lost_gbp_m: float


def fund_cliffs(system: System, scenario: Scenario, org_ids: Sequence[str],
                shocks: Sequence[float] | None = None) -> tuple[FundCliff, ...]:
    """:class:`FundCliff` for each of ``org_ids`` under ``scenario``'s rule, demand raised
    step by step from plan (``shocks``: by default the demand slider's grid, 0 upwards).

    >>> import casestudy as cs
    >>> system = cs.load_system()
    >>> trust = system.largest("acute")
    >>> cliff, = fund_cliffs(system, cs.Scenario.preset("fixed_income"), [trust])
    >>> cliff.shock is None or (0 <= cliff.shock <= 0.3 and cliff.fund_lost_gbp_m >= 0)
    True
    """
    if shocks is None:
        info = field_info("demand_shock")
        shocks = [round(k * info["step"], 10) for k in range(round(info["max"] / info["step"]) + 1)]
    unknown = [o for o in org_ids if o not in system.organisations.index]
    if unknown:
        raise ScenarioError(f"org_ids: {unknown[0]!r} is not an organisation of this system")
    orgs = run_year(system, replace(scenario, demand_shock=0.0)).organisations
    fund_at_plan = orgs.incentive_fund_gbp_m
    found: dict[str, FundCliff] = {}
    for shock in shocks:
        if not isinstance(shock, numbers.Real):
            raise ScenarioError(f"shocks: {shock!r} is not a number")
        orgs = run_year(system, replace(scenario, demand_shock=float(shock))).organisations
        for org in org_ids:
            if org not in found and not bool(orgs.met_control_total[org]):
                found[org] = FundCliff(
                    org_id=org, payment=scenario.payment, shock=float(shock),
                    fund_lost_gbp_m=float(fund_at_plan[org] - orgs.incentive_fund_gbp_m[org]))
        if len(found) == len(org_ids):
            break
    return tuple(found.get(o, FundCliff(org_id=o, payment=scenario.payment, shock=None,
                                        fund_lost_gbp_m=0.0)) for o in org_ids)
