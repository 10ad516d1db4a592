"""Lesson 5's arithmetic: the NHS boundary against the whole place.

A change to what the council spends on social care (its own decision: a cut is a saving to
it) moves activity (packages of care, emergency admissions, delayed discharges) and money
across the NHS boundary. The NHS control total
sees only the NHS side; the place sees it all. Every figure here is a difference between
two runs of the engine; nothing re-implements its arithmetic.

Positions are compared **before incentive funds**, as in ``priorities`` and ``risk``: a
fund is all or nothing at a control total, and a small knock-on that tipped an
organisation below its control total would otherwise show as the whole fund lost.

Boundaries: the organisations inside the NHS control total (``nhs``); outside it, the
councils (``council``), the care providers (``care_provider``), the voluntary sector
(``voluntary``) and any other partner (``other``, e.g. a GP federation); and the whole
place (``place``), everyone together.

>>> import casestudy as cs
>>> frame = boundary_change(cs.load_system(), cs.Scenario(social_care_budget_change=-0.1),
...                         cs.Scenario())
>>> frame.boundary.tolist()[-1]
'place'
>>> bool(abs(frame.change_gbp_m.iloc[:-1].sum() - frame.change_gbp_m.iloc[-1]) < 1e-9)
True
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .engine import Money, YearInputs, chosen_schemes, compute_year, expected_delivery, inputs_for
from .errors import ScenarioError
from .scenario import Scenario
from .system import System

BOUNDARIES = ("nhs", "council", "care_provider", "voluntary", "other", "place")
BOUNDARY_LABELS = {
    "nhs": "NHS organisations",
    "council": "Council",
    "care_provider": "Care providers",
    "voluntary": "Voluntary sector",
    "other": "Other partners",
    "place": "Whole place",
}
BOUNDARY_COLUMNS = ("boundary", "label", "position_gbp_m", "baseline_position_gbp_m",
                    "change_gbp_m", "organisations")
_BOUNDARIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_OUTSIDE_KINDS = {"local_authority": "council", "care_provider": "care_provider",
                  "voluntary": "voluntary"}


def boundary_of(system: System) -> pd.Series:
    """Each organisation's boundary (``nhs``, ``council``, ``care_provider``, ``voluntary``
    or ``other``), indexed by ``org_id``; the NHS control total decides first.

    >>> import casestudy as cs
    >>> boundary_of(cs.load_system())["council"]
    'council'
    """
    return pd.Series(_boundaries(system), index=system.organisations.index, name="boundary")


def _boundaries(system: System) -> np.ndarray:
    """[n] each organisation's boundary, in the engine's order (kept: panels ask often)."""
    cached = _BOUNDARIES.get(system)
    if cached is None:
        orgs = system.organisations
        outside = [_OUTSIDE_KINDS.get(kind, "other") for kind in orgs.kind]
        cached = np.where(orgs.in_nhs_control_total.to_numpy(dtype=bool), "nhs", outside)
        _BOUNDARIES[system] = cached
    return cached


def _check(scenario: object, name: str = "scenario") -> Scenario:
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"{name} must be a Scenario, not {type(scenario).__name__}")
    return scenario


def _money(system: System, scenario: Scenario) -> tuple[YearInputs, Money]:
    inputs = inputs_for(system, scenario)
    return inputs, compute_year(inputs, scenario)


def _before_funds(money: Money) -> np.ndarray:
    """[n] each organisation's position before incentive funds (after any risk share)."""
    return money.position[0] - money.incentive[0]


def boundary_totals(system: System, position_gbp_m: np.ndarray) -> dict[str, float]:
    """Sum an [n] array of positions (in the engine's organisation order) by boundary."""
    groups = _boundaries(system)
    totals = {b: float(position_gbp_m[groups == b].sum()) for b in BOUNDARIES[:-1]}
    totals["place"] = float(position_gbp_m.sum())
    return totals


def boundary_change(system: System, scenario: Scenario, baseline: Scenario) -> pd.DataFrame:
    """The change in position of each boundary, ``scenario`` against ``baseline``.

    One row per boundary that has organisations in this system, in the order of
    ``BOUNDARIES``, the whole place last. Columns ``boundary, label, position_gbp_m,
    baseline_position_gbp_m, change_gbp_m, organisations`` (how many organisations). The
    parts add up to the place. Positions are before incentive funds (module docstring).
    """
    return boundary_frame(system, *_positions(system, scenario, baseline))


def _positions(system: System, scenario: Scenario,
               baseline: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Each organisation's position before incentive funds under ``scenario`` and under
    ``baseline`` (both checked first)."""
    _check(scenario), _check(baseline, "baseline")
    return (_before_funds(_money(system, scenario)[1]),
            _before_funds(_money(system, baseline)[1]))


def boundary_frame(system: System, position_gbp_m: np.ndarray,
                   baseline_position_gbp_m: np.ndarray) -> pd.DataFrame:
    """:func:`boundary_change` from two [n] arrays of positions already computed."""
    groups = _boundaries(system)
    counts = {b: int((groups == b).sum()) for b in BOUNDARIES[:-1]}
    now = boundary_totals(system, position_gbp_m)
    before = boundary_totals(system, baseline_position_gbp_m)
    shown = [b for b in BOUNDARIES[:-1] if counts.get(b, 0) > 0] + ["place"]
    councils = int(counts.get("council", 0))
    labels = dict(BOUNDARY_LABELS, council="Councils" if councils > 1 else "Council")
    return pd.DataFrame({
        "boundary": shown,
        "label": [labels[b] for b in shown],
        "position_gbp_m": [now[b] for b in shown],
        "baseline_position_gbp_m": [before[b] for b in shown],
        "change_gbp_m": [now[b] - before[b] for b in shown],
        "organisations": [int(counts.get(b, len(groups))) if b != "place" else len(groups)
                          for b in shown],
    })


# --------------------------------------------------------------------------- social care


@dataclass(frozen=True, kw_only=True)
class KnockOn:
    """What a change to social care funding does, against no change (all else equal).

    Activity: ``packages_change`` (council-funded packages of care; negative = fewer),
    ``emergency_admissions_change`` (non-elective spells, every provider), and
    ``delayed_bed_days`` (hospital bed days waiting for the packages not bought). Money
    (£m): ``council_budget_change_gbp_m`` (the councils' budgets: zero, since a change to
    social care spending is the council's own decision and leaves its budget as it is),
    ``council_spending_change_gbp_m`` (what the councils pay for packages of care; negative =
    they spend less, which is their saving),
    ``delayed_discharge_cost_gbp_m`` (a cost to the acute trusts, inside the NHS change), and
    each boundary's change in position (before incentive funds) in ``changes`` and each
    organisation's in ``organisations`` (:func:`organisation_change`'s columns).
    """

    packages_change: float
    emergency_admissions_change: float
    delayed_bed_days: float
    council_budget_change_gbp_m: float
    council_spending_change_gbp_m: float
    delayed_discharge_cost_gbp_m: float
    changes: pd.DataFrame  # boundary_change's frame
    organisations: pd.DataFrame  # organisation_change's frame

    def change(self, boundary: str) -> float:
        """One boundary's change in position (0 if the system has no such organisation)."""
        changes = dict(zip(self.changes.boundary.tolist(), self.changes.change_gbp_m.tolist()))
        return float(changes.get(boundary, 0.0))

    @property
    def council_saving_gbp_m(self) -> float:
        """What the councils no longer spend on packages of care (negative: they spend more)."""
        return -self.council_spending_change_gbp_m

    @property
    def nhs_cost_gbp_m(self) -> float:
        """What the NHS organisations lose (negative: they gain), before incentive funds."""
        return -self.change("nhs")

    @property
    def admissions_cost_gbp_m(self) -> float:
        """The part of the NHS cost that is not delayed discharge: the extra emergency
        admissions, at what they cost the NHS organisations less what they are paid for
        them between them (negative: a saving)."""
        return self.nhs_cost_gbp_m - self.delayed_discharge_cost_gbp_m

    def nhs_most_changed(self) -> tuple[str, float] | None:
        """The NHS organisation that loses most, or, when none loses more than rounding,
        the one that gains most: ``(name, change_gbp_m)``; ``None`` if nothing moves."""
        nhs = self.organisations[self.organisations.boundary == "nhs"]
        if nhs.empty or nhs.change_gbp_m.abs().max() <= 0.0005:
            return None
        row = nhs.loc[nhs.change_gbp_m.idxmin()]
        if row.change_gbp_m >= -0.0005:
            row = nhs.loc[nhs.change_gbp_m.idxmax()]
        return str(row["name"]), float(row.change_gbp_m)

    @property
    def share_reappearing(self) -> float:
        """Share of the councils' saving on packages that reappears as NHS cost (NaN
        without a saving).

        >>> import casestudy as cs
        >>> cut = social_care_knock_on(cs.load_system(), cs.Scenario(social_care_budget_change=-0.1))
        >>> 0 < cut.share_reappearing < 1
        True
        """
        saving = self.council_saving_gbp_m
        return self.nhs_cost_gbp_m / saving if saving > 1e-12 else float("nan")


def social_care_knock_on(system: System, scenario: Scenario) -> KnockOn:
    """The scenario's social care funding change against none, everything else the same."""
    _check(scenario)
    inputs, now = _money(system, scenario)
    _, before = _money(system, replace(scenario, social_care_budget_change=0.0))
    actual = now.actual[0] - before.actual[0]
    council = inputs.is_council
    return KnockOn(
        packages_change=float(actual[inputs.is_council_social_care].sum()),
        emergency_admissions_change=float(actual[inputs.is_non_elective].sum()),
        delayed_bed_days=float(now.delayed_bed_days.sum() - before.delayed_bed_days.sum()),
        council_budget_change_gbp_m=float((now.fixed_receipts - before.fixed_receipts)[council].sum()),
        council_spending_change_gbp_m=float(
            (now.contract_payments[0] - before.contract_payments[0])[council].sum()),
        delayed_discharge_cost_gbp_m=float(now.delayed_discharge_cost.sum()
                                           - before.delayed_discharge_cost.sum()),
        changes=boundary_frame(system, _before_funds(now), _before_funds(before)),
        organisations=organisation_frame(system, _before_funds(now), _before_funds(before)),
    )


def organisation_change(system: System, scenario: Scenario, baseline: Scenario) -> pd.DataFrame:
    """Each organisation's change in position, ``scenario`` against ``baseline``.

    Columns ``org_id, name, kind, boundary, position_gbp_m, baseline_position_gbp_m,
    change_gbp_m``, one row per organisation in the system's order.
    """
    return organisation_frame(system, *_positions(system, scenario, baseline))


def organisation_frame(system: System, position_gbp_m: np.ndarray,
                       baseline_position_gbp_m: np.ndarray) -> pd.DataFrame:
    """:func:`organisation_change` from two [n] arrays of positions already computed."""
    now, before = position_gbp_m, baseline_position_gbp_m
    orgs = system.organisations
    return pd.DataFrame({
        "org_id": orgs.index.to_numpy(), "name": orgs["name"].to_numpy(),
        "kind": orgs["kind"].to_numpy(), "boundary": _boundaries(system),
        "position_gbp_m": now, "baseline_position_gbp_m": before, "change_gbp_m": now - before,
    })


# --------------------------------------------------------------------------- voluntary sector


def vcs_schemes(system: System) -> list[str]:
    """The schemes the voluntary sector delivers (deliverer of kind ``voluntary``).

    >>> import casestudy as cs
    >>> "mh_crisis" in vcs_schemes(cs.load_system())
    True
    """
    kinds = system.organisations.kind
    deliverer = system.schemes.deliverer_id
    return [str(s) for s in system.schemes.index[deliverer.map(kinds).eq("voluntary").to_numpy()]]


def vcs_test(system: System, scenario: Scenario,
             schemes: Sequence[str] | None = None) -> pd.DataFrame:
    """Each voluntary-sector scheme on its own, tested against the system's position.

    One row per scheme (``schemes``, default every VCS scheme): the scenario with that
    scheme added to the scenario's own schemes, against the scenario without it. Columns
    ``scheme_id, name, funder, cost_gbp_m, nhs_change_gbp_m, place_change_gbp_m,
    vcs_change_gbp_m``; schemes count at their expected delivery, as in ``run_year``.
    """
    _check(scenario)
    schemes = vcs_schemes(system) if schemes is None else list(schemes)
    unknown = [s for s in schemes if s not in system.schemes.index]
    if unknown:
        raise ScenarioError(f"schemes: {unknown} not in this system; its schemes are "
                            f"{', '.join(system.schemes.index)}")
    groups = _boundaries(system)
    # One engine call for every scheme: rows 2k and 2k+1 fund the scenario's schemes without
    # and with scheme k (the engine's leading axis, as ``priorities`` uses it).
    inputs = inputs_for(system, scenario)
    base = chosen_schemes(inputs, scenario)
    funded = np.repeat(base[None, :], 2 * len(schemes), axis=0)
    for k, scheme in enumerate(schemes):
        column = inputs.scheme_ids.index(scheme)
        funded[2 * k, column], funded[2 * k + 1, column] = 0.0, 1.0
    rows = []
    if schemes:
        money = compute_year(inputs, scenario, funded=funded,
                             delivered=expected_delivery(inputs, scenario, funded))
        before_funds = money.position - money.incentive
        changes = before_funds[1::2] - before_funds[0::2]
    for k, scheme in enumerate(schemes):
        change = changes[k]
        row = system.schemes.loc[scheme]
        rows.append({
            "scheme_id": scheme, "name": row["name"],
            "funder": system.org_name(row.funder_id), "cost_gbp_m": float(row.cost_gbp_m),
            "nhs_change_gbp_m": float(change[groups == "nhs"].sum()),
            "place_change_gbp_m": float(change.sum()),
            "vcs_change_gbp_m": float(change[groups == "voluntary"].sum()),
        })
    return pd.DataFrame(rows, columns=["scheme_id", "name", "funder", "cost_gbp_m",
                                       "nhs_change_gbp_m", "place_change_gbp_m",
                                       "vcs_change_gbp_m"])
