"""Does playing for the system pay the system, and which mechanism carries it?

Rooms of bots play the same games (the same seeds, so the same demand each year) with
every role cooperative, or every role selfish; then each mechanism is switched off in both
rooms in turn (the decision frozen at its default, or the scenario without it), and single
partners turn selfish in a cooperative room. What a room does for the system is the NHS
system's position summed over the game's years (and against its control totals summed);
the place's is shown beside it, because the two can disagree (a council that cuts social
care saves more than the NHS loses, in money: the model prices no care forgone).

>>> [v.name for v in VARIANTS][:3]
['both', 'no_leadership_limit', 'national_rule_only']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..scenario import Scenario
from ..system import System, load_system
from .headless import Planner, play_in_memory, policies_for
from .model import FORECAST_DRAWS, RoundResult, setup_game


@dataclass(frozen=True)
class Variant:
    """One comparison: what is switched off, for which rooms."""

    name: str
    label: str
    fixed: tuple[str, ...] = ()  # decision kinds frozen at their defaults
    scenario: Mapping[str, Any] | None = None  # scenario fields changed
    group_commissioners: bool = True  # False: each commissioner its own role
    rooms: tuple[tuple[str, str, Mapping[str, str]], ...] = (
        ("cooperative", "cooperative", {}), ("selfish", "selfish", {}))


def _acute_roles(system: System) -> dict[str, str]:
    orgs = system.organisations
    return {o: "selfish" for o in orgs.index[orgs.kind == "acute"]}


VARIANTS: tuple[Variant, ...] = (
    Variant("both", "Every mechanism on"),
    Variant("no_leadership_limit", "No shared leadership limit (capacity 30, the most)",
            scenario={"leadership_capacity": 30.0}),
    Variant("national_rule_only", "Contracts at the national rule only (no offers)",
            fixed=("offer", "accept")),
    Variant("no_schemes", "No schemes backed", fixed=("fund", "commit")),
    Variant("no_risk_share", "No risk share", fixed=("join",)),
    Variant("commissioners_apart", "Each commissioner its own role (several funders share "
            "the leadership)", group_commissioners=False),
    Variant("commissioners_apart_no_limit", "Each commissioner its own role, and no shared "
            "leadership limit", group_commissioners=False,
            scenario={"leadership_capacity": 30.0}),
    Variant("no_funds", "No incentive funds (and so no linkage)",
            scenario={"incentive_fund_scale": 0.0}, fixed=("vote",)),
    Variant("care_held", "Social care spending not a decision (held)", fixed=("care",)),
    Variant("savings_as_planned", "Savings plans at the status quo", fixed=("efficiency",)),
    Variant("selfish_partner", "A cooperative room with one selfish partner", rooms=(
        ("cooperative", "cooperative", {}),
        ("selfish council", "cooperative", {"council": "selfish"}),
        ("selfish commissioners", "cooperative", {"commissioners": "selfish"}),
        ("selfish acute trusts", "cooperative", {"_acute": "selfish"}),
    )),
)


@dataclass(frozen=True)
class Distribution:
    """A figure over the seeds (£m): mean, median, 10th and 90th percentiles, range."""

    mean: float
    median: float
    p10: float
    p90: float
    low: float
    high: float

    @classmethod
    def of(cls, values: np.ndarray) -> Distribution:
        return cls(float(np.mean(values)), float(np.median(values)),
                   float(np.percentile(values, 10)), float(np.percentile(values, 90)),
                   float(np.min(values)), float(np.max(values)))

    def to_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RoomOutcome:
    """One room over the seeds."""

    label: str
    nhs_gbp_m: Distribution  # the NHS system's position, summed over the years
    nhs_against_control_gbp_m: Distribution  # that, less the control totals summed
    place_gbp_m: Distribution
    years_met_share: float  # of every year of every game, the NHS system met its total
    per_seed_nhs_gbp_m: np.ndarray
    decisions: tuple[str, ...]  # each round's decisions, in words (the same for every seed)
    # Round by round over the seeds: the NHS system's reported and underlying positions.
    by_round: tuple[tuple[Distribution, Distribution], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "nhs_gbp_m": self.nhs_gbp_m.to_dict(),
                "by_round": [{"position_gbp_m": p.to_dict(),
                              "underlying_position_gbp_m": u.to_dict()}
                             for p, u in self.by_round],
                "nhs_against_control_gbp_m": self.nhs_against_control_gbp_m.to_dict(),
                "place_gbp_m": self.place_gbp_m.to_dict(),
                "years_met_share": self.years_met_share, "decisions": list(self.decisions)}


@dataclass(frozen=True)
class VariantOutcome:
    variant: Variant
    rooms: tuple[RoomOutcome, ...]

    @property
    def gap(self) -> Distribution:
        """The first room less the second, seed by seed (the same demand): NHS system."""
        first, second = self.rooms[0], self.rooms[1]
        return Distribution.of(first.per_seed_nhs_gbp_m - second.per_seed_nhs_gbp_m)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.variant.name, "label": self.variant.label,
                "rooms": [r.to_dict() for r in self.rooms], "gap_nhs_gbp_m": self.gap.to_dict()}


@dataclass(frozen=True)
class Comparison:
    seeds: int
    years: tuple[str, ...]
    variants: tuple[VariantOutcome, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"seeds": self.seeds, "years": list(self.years),
                "variants": [v.to_dict() for v in self.variants]}


def _words(results: Sequence[RoundResult]) -> tuple[str, ...]:
    out = []
    for r in results:
        offers = [f"{c.split('.', 1)[-1]}: {t}" for c, t in r.terms.items()
                  if "national rule" not in t]
        parts = [f"contracts {'; '.join(offers) if offers else 'national rule'}",
                 f"schemes {', '.join(r.schemes) if r.schemes else 'none'}",
                 (f"risk share {', '.join(r.risk_share_members)} at {r.risk_share:g}"
                  if r.risk_share_members else "no risk share"),
                 "funds tied to the system" if r.linked else "funds on own control totals",
                 "care " + ", ".join(f"{v:+.0%}" for v in r.care_change.values()),
                 "recurrent plans " + ", ".join(f"{v:.0%}" for v in r.recurrent_plans.values())]
        out.append(f"{r.year}: " + "; ".join(parts))
    return tuple(out)


def _room(system: System, variant: Variant, label: str, policy: str,
          others: Mapping[str, str], seeds: Sequence[int], rounds: int = 3,
          forecast_draws: int = FORECAST_DRAWS) -> RoomOutcome:
    scenario = replace(Scenario(), **(variant.scenario or {}))
    setup = setup_game(system, scenario=scenario, rounds=rounds, forecast_draws=forecast_draws,
                       group_commissioners=variant.group_commissioners)
    overrides = dict(others)
    if "_acute" in overrides:
        overrides.pop("_acute")
        overrides.update({r: "selfish" for r in _acute_roles(system) if r in setup.role_by_id})
    planner = Planner(setup, policies_for(setup, policy, overrides), fixed=variant.fixed)
    nhs, against, place, met, each, under = [], [], [], [], [], []
    words: tuple[str, ...] = ()
    for seed in seeds:
        results = play_in_memory(planner, seed)
        if not words:
            words = _words(results)
        each.append([r.system.position_gbp_m for r in results])
        under.append([r.system.underlying_position_gbp_m for r in results])
        nhs.append(sum(r.system.position_gbp_m for r in results))
        against.append(sum(r.system.position_gbp_m - r.system.control_total_gbp_m
                           for r in results))
        place.append(sum(r.system.place_position_gbp_m for r in results))
        met += [r.system.met_control_total for r in results]
    per_seed = np.array(nhs)
    each_, under_ = np.array(each), np.array(under)
    by_round = tuple((Distribution.of(each_[:, r]), Distribution.of(under_[:, r]))
                     for r in range(setup.rounds))
    return RoomOutcome(label, Distribution.of(per_seed), Distribution.of(np.array(against)),
                       Distribution.of(np.array(place)), float(np.mean(met)), per_seed, words,
                       by_round)


def compare(system: System | str | None = None, *, seeds: int = 200,
            variants: Sequence[str] | None = None, rounds: int = 3,
            forecast_draws: int = FORECAST_DRAWS) -> Comparison:
    """Each variant's rooms over ``seeds`` games (seeds 0 to ``seeds - 1``); every bot of
    every room sees ``forecast_draws`` draws of the year's demand."""
    if not isinstance(system, System):
        system = load_system(system)
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"seeds: {seeds!r} is not allowed; a whole number of at least 1")
    chosen = VARIANTS if variants is None else tuple(v for v in VARIANTS if v.name in variants)
    if variants is not None and len(chosen) != len(set(variants)):
        known = ", ".join(v.name for v in VARIANTS)
        raise ValueError(f"variants: {list(variants)!r} names one that is not known; {known}")
    numbers = list(range(seeds))
    outcomes = []
    for variant in chosen:
        rooms = tuple(_room(system, variant, label, policy, others, numbers, rounds,
                            forecast_draws)
                      for label, policy, others in variant.rooms)
        outcomes.append(VariantOutcome(variant, rooms))
    years = setup_game(system, rounds=rounds).years
    return Comparison(seeds, years, tuple(outcomes))


def compare_text(comparison: Comparison) -> str:
    """The comparison as a plain-text report (£m, the NHS system over the game's years)."""
    lines = [(f"Cooperative against selfish rooms, {comparison.seeds} games each (the same "
              f"demand, seed by seed), {comparison.years[0]} to {comparison.years[-1]}."),
             ("NHS system's position summed over the years, £m: mean, median, 10th-90th "
              "percentile; the place's mean; share of years the NHS system met its control "
              "total."), ""]
    for outcome in comparison.variants:
        lines.append(f"{outcome.variant.label}")
        for room in outcome.rooms:
            d = room.nhs_gbp_m
            lines.append(f"  {room.label:<24} NHS {d.mean:+7.1f} (median {d.median:+7.1f}, "
                         f"{d.p10:+7.1f} to {d.p90:+7.1f}); place {room.place_gbp_m.mean:+7.1f}; "
                         f"met {room.years_met_share:.0%} of years")
            if outcome.variant.name == "both":
                for year, (p, u) in zip(comparison.years, room.by_round):
                    lines.append(f"    {year}: reported {p.mean:+6.1f} ({p.low:+6.1f} to "
                                 f"{p.high:+6.1f}); underlying {u.mean:+6.1f} ({u.low:+6.1f} "
                                 f"to {u.high:+6.1f})")
        gap = outcome.gap
        lines.append(f"  {outcome.rooms[0].label} less {outcome.rooms[1].label}: NHS "
                     f"{gap.mean:+.1f} (median {gap.median:+.1f}, {gap.p10:+.1f} to "
                     f"{gap.p90:+.1f})")
        lines.append("")
    both = next((o for o in comparison.variants if o.variant.name == "both"), None)
    if both is not None:
        lines.append("What each room decided (the same in every game: the bots plan on "
                     "forecasts, not on the year's draw):")
        for room in both.rooms:
            lines.append(f"  {room.label}:")
            lines += [f"    {text}" for text in room.decisions]
    return "\n".join(lines)
