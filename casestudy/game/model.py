"""The system game's model: each round a financial year of the loaded system, computed by
the lessons' engine, with the tables' decisions passed to it as ``engine.Overrides``.

Pure numpy and pandas, like the engine (no room, no widgets): ``casestudy.game.state``
derives a game from the room's events and calls this; the bots evaluate their options here.

**Roles** are the system's organisations (:func:`roles_of`): every commissioner together as
"the commissioners" (when there are several), and each other organisation, except the
independent care providers (the facilitator's market). **Contracts** are between the
commissioners and each NHS provider they pay. **Rounds** are financial years, each under the
year's national payment rule (:data:`NATIONAL_RULES`), carried forward as
``projection.next_year`` carries a year: savings that recur, schemes ramping up (a scheme
reaches its full effect after ``years_to_full_effect`` rounds in a row), allocations and
prices. **Decisions** (:class:`Decisions`, keyed ``(kind, target)``):

- ``("offer", contract)``: the commissioners' offer, :class:`Terms` (a preset, or fixed
  income at a share of planned income); ``("accept", contract)``: the provider's answer.
  A contract with no offer accepted is paid by the year's national rule.
- ``("fund", scheme)`` by its funder and ``("commit", scheme)`` by its deliverer: a scheme
  runs when both say yes (one yes when one role does both, or when no role delivers it);
  the running schemes share the leadership capacity (``priorities.delivery_share``).
- ``("join", role)``: the share lambda of its variance a role will pool (0: out); with two
  or more roles in, every member pools at the smallest lambda any member named.
  ``("vote", role)``: a role with an incentive fund votes to tie the funds to the NHS
  system's control total; a majority of those roles ties every NHS fund.
- ``("efficiency", org)``: an NHS provider's savings plan, the share of it planned as
  recurrent schemes (the rest one-off measures); ``("care", council)``: the council's
  change to what it spends on social care packages.

Missing decisions take their defaults (:func:`default_value`): the status quo, which is
also each partner's **fallback** (the deal it would get by signing nothing).

**Control totals, year by year.** Round 1's are the data's. NHS Improvement set control
totals for each year (two years at a time for 2017/18 and 2018/19, R88); the kit sets each
later round's from the status-quo plan, keeping each organisation's round-1 margin against
its plan: ``control_total_r = control_total_1 + plan_r - plan_1``, where ``plan_r`` is the
position before incentive funds with every decision at its default and demand on plan
(:func:`status_quo_plan`; an assumption on method). Without it every NHS organisation
would miss from year 2, as the plan drifts with prices and pressures.

>>> import casestudy as cs
>>> setup = setup_game(cs.load_system())
>>> setup.years, setup.national
(('2017/18', '2018/19', '2019/20'), ('pbr_mret', 'pbr_mret', 'blended'))
>>> [role.role_id for role in setup.roles]
['commissioners', 'bthft', 'airedale', 'bdcft', 'bca', 'council', 'vcs']
>>> state = first_round(setup)
>>> result = play_round(setup, state, Decisions()).result
>>> round(result.system.control_total_gbp_m, 1)   # the NHS organisations' totals, summed
-4.3
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from ..contracts import FixedIncome, Rule
from ..engine import (
    TOLERANCE_GBP_M,
    Money,
    Overrides,
    YearInputs,
    compute_year,
    inputs_for,
)
from ..errors import ScenarioError
from ..priorities import delivery_share
from ..projection import next_year
from ..risk import demand_noise
from ..scenario import BRADFORD_PRESETS, PRESET_INFO, PRESETS, Scenario
from ..system import System

# --------------------------------------------------------------------------- rules of the game

# The national payment rule of each financial year (the presets' years, PRESET_INFO; 2020/21
# and 2021/22 were block payments under COVID, R47, the kit's fixed income).
NATIONAL_RULES: dict[str, str] = {
    "2016/17": "pbr_mret", "2017/18": "pbr_mret", "2018/19": "pbr_mret",
    "2019/20": "blended", "2020/21": "fixed_income", "2021/22": "fixed_income",
    "2022/23": "api_2022", "2023/24": "api_2023", "2024/25": "api_2023",
    "2025/26": "api_2023", "2026/27": "nhsps_2026",
}
FIRST_YEAR = "2017/18"
ROUNDS = 3
MAX_ROUNDS = 6
FIXED_VALUE = "fixed_value"  # Terms.rule of fixed income at a share of planned income
# Assumption (data/README.md, "The system game"): one-off measures (vacancy control,
# deferred spending, asset sales) are in a provider's gift and deliver in full in the year;
# recurrent schemes deliver the scenario's efficiency_delivered_share (90%, R106), and
# "recurrent shortfalls were made good non-recurrently" (R106).
NON_RECURRENT_DELIVERED_SHARE = 1.0
# A vote to tie the funds ties all of each NHS fund (Dorset linked all of its fund, R98).
LINKAGE_IF_AGREED = 1.0
MIN_MEMBERS = 2  # a risk share needs two partners
ROLE_OF_COMMISSIONERS = "commissioners"
# The bots' view of demand risk: the same draws in every room (the planners' shared model,
# not the room's seed, which decides the year's actual demand).
FORECAST_SEED = 20_170_401
FORECAST_DRAWS = 32
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


@dataclass(frozen=True, kw_only=True)
class Card:
    """An event card the facilitator plays in a round: a small, documented change."""

    card: str
    title: str
    text: str
    source: str


# Assumptions, each a small change (data/README.md, "The system game").
HARD_WINTER_EMERGENCY_SHARE = 0.03  # emergency demand 3% above plan (R110: 1.5-4.8% a year)
SOCIAL_CARE_CUT_SHARE = 0.05  # of the council's social care spending, cut from its funding
PAY_AWARD_PRESSURE = 0.01  # NHS providers' costs 1% above the uplift
CARDS: dict[str, Card] = {c.card: c for c in (
    Card(card="hard_winter", title="A hard winter",
         text=f"Emergency admissions and A&E attendances run "
              f"{HARD_WINTER_EMERGENCY_SHARE:.0%} above plan this year, on top of the year's "
              "own variation.",
         source="assumption; R110: emergency admissions grew 1.5-4.8% a year"),
    Card(card="social_care_cut", title="A cut to the council's funding",
         text=f"Government cuts the council's funding by {SOCIAL_CARE_CUT_SHARE:.0%} of what it "
              "spends on social care packages, from this year on. The council decides next "
              "round whether to pass it on.",
         source="assumption; R29: council spending power halved 2010-2020"),
    Card(card="pay_award", title="A pay award above the uplift",
         text=f"A pay award raises NHS providers' costs {PAY_AWARD_PRESSURE:.0%} above the "
              "price uplift, from this year on.",
         source="assumption"),
)}


def years_from(first_year: str, rounds: int) -> tuple[str, ...]:
    """``rounds`` financial years from ``first_year`` ("2017/18"), each with a national rule.

    >>> years_from("2018/19", 2)
    ('2018/19', '2019/20')
    """
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
        raise ScenarioError(f"rounds = {rounds!r} is not allowed; a whole number from 1 to "
                            f"{MAX_ROUNDS}")
    match = _YEAR.match(first_year) if isinstance(first_year, str) else None
    if match is None or first_year not in NATIONAL_RULES:
        raise ScenarioError(f"first_year = {first_year!r} is not allowed; one of "
                            f"{', '.join(NATIONAL_RULES)}")
    start = int(match.group(1))
    years = tuple(f"{y}/{(y + 1) % 100:02d}" for y in range(start, start + rounds))
    missing = [y for y in years if y not in NATIONAL_RULES]
    if missing:
        raise ScenarioError(f"rounds = {rounds}: from {first_year} the game would reach "
                            f"{missing[0]}, which has no national rule here; the last year is "
                            f"{list(NATIONAL_RULES)[-1]}")
    return years


# --------------------------------------------------------------------------- who plays


@dataclass(frozen=True)
class Role:
    """A part a table plays: one organisation, or every commissioner together."""

    role_id: str
    name: str
    org_ids: tuple[str, ...]
    kind: str  # the organisations' kind ("commissioner", "acute", ...)


@dataclass(frozen=True)
class Contract:
    """The commissioners' contract with one NHS provider: every line they pay it for."""

    contract_id: str  # "<payer role>.<provider>"
    payer_role: str
    provider: str
    provider_role: str
    lines: tuple[int, ...]  # the engine's line indices


@dataclass(frozen=True)
class SchemeInfo:
    scheme_id: str
    name: str
    funder_role: str | None  # None: no role funds it (it cannot run)
    deliverer_role: str | None  # None: no role delivers it (it runs when funded)
    years_to_full_effect: float


def roles_of(system: System, *, group_commissioners: bool = True) -> tuple[Role, ...]:
    """The roles of a system, in its organisations' order (commissioners first when grouped).

    >>> import casestudy as cs
    >>> [r.role_id for r in roles_of(cs.load_system("data/examples/northvale"))]
    ['nv_icb', 'nvh', 'nv_community', 'riverside_mh', 'nv_county', 'eastbridge', 'nv_together']
    """
    orgs = system.organisations
    commissioners = [o for o in orgs.index if orgs.kind[o] == "commissioner"]
    roles: list[Role] = []
    if group_commissioners and len(commissioners) > 1:
        role_id = ROLE_OF_COMMISSIONERS
        while role_id in orgs.index:
            role_id += "_role"
        roles.append(Role(role_id, "The commissioners", tuple(commissioners), "commissioner"))
    for org in orgs.index:
        if orgs.kind[org] == "care_provider":
            continue  # the independent care market: the facilitator's
        if group_commissioners and len(commissioners) > 1 and org in commissioners:
            continue
        roles.append(Role(str(org), str(orgs.name[org]), (str(org),), str(orgs.kind[org])))
    return tuple(roles)


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True, order=True)
class Terms:
    """A contract's terms: a payment preset, or fixed income at a share of planned income.

    >>> Terms("fixed_value", 0.99).label
    'fixed income at 99.0% of plan'
    """

    rule: str
    share: float = 1.0

    def __post_init__(self) -> None:
        if self.rule not in (*PRESETS, FIXED_VALUE):
            raise ScenarioError(f"rule = {self.rule!r} is not allowed; one of "
                                f"{', '.join((*PRESETS, FIXED_VALUE))}")
        problem = ALLOWED["fixed_share"].refusal("share", self.share)
        if problem:
            raise ScenarioError(problem)
        if self.rule != FIXED_VALUE and self.share != 1.0:
            raise ScenarioError("share: only fixed income at a value (rule 'fixed_value') "
                                "takes a share")
        object.__setattr__(self, "share", float(self.share))

    @property
    def label(self) -> str:
        if self.rule == FIXED_VALUE:
            return f"fixed income at {self.share:.1%} of plan"
        return PRESET_INFO[self.rule].label

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, **({"share": self.share} if self.rule == FIXED_VALUE else {})}


@dataclass(frozen=True)
class Allowed:
    """The values a number decision may take: from ``low`` to ``high``; a page's menu
    steps by ``step`` (any value in the range is recorded; the bots use menus of their own
    within it)."""

    low: float
    high: float
    step: float
    label: str  # what the number is, for a message or a page

    def menu(self) -> tuple[float, ...]:
        """The page's choices, ``low`` to ``high`` by ``step`` (rounded: 0.1 + 0.2 is 0.3).

        >>> ALLOWED["join"].menu()
        (0.0, 0.25, 0.5, 0.75, 1.0)
        """
        count = round((self.high - self.low) / self.step)
        return tuple(round(self.low + i * self.step, 6) for i in range(count + 1))

    def refusal(self, field: str, value: Any) -> str | None:
        """Why ``value`` is not allowed (None if it is), naming the field and the range."""
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value) or not self.low <= value <= self.high):
            return (f"{field} = {value!r} is not allowed; a number from {self.low:g} to "
                    f"{self.high:g} ({self.label})")
        return None


# The one list of what each number decision may take: the room's validation of every event
# (casestudy.game.record), Terms, and the table's page (casestudy.ui.game_table) read it.
# "fixed_share": fixed income at a value, as a share of planned income. The ranges are
# assumptions (data/README.md, "The system game"): wide enough for any deal a table argues
# for, narrow enough that no figure leaves the model's sense.
ALLOWED: dict[str, Allowed] = {
    "fixed_share": Allowed(0.8, 1.2, 0.01, "the contract's value as a share of planned income"),
    "join": Allowed(0.0, 1.0, 0.25, "the share of its variance a role pools; 0 is out"),
    "efficiency": Allowed(0.0, 1.0, 0.1, "the share of the savings plan that is recurrent"),
    "care": Allowed(-0.3, 0.3, 0.05, "the change to the council's social care spending"),
}


def offer_rules(setup: GameSetup, round: int) -> tuple[str, ...]:
    """The payment rules the commissioners may offer in a round, in the page's order: the
    presets of the year's era other than its national rule (an offer of the national rule
    changes nothing), then fixed income at a value: what the room's validation accepts, what
    a table's page offers, and what the bots' offers are drawn from.

    >>> import casestudy as cs
    >>> offer_rules(setup_game(cs.load_system()), 1)
    ('fixed_income', 'blended', 'fixed_value')
    """
    national = setup.national[round - 1]
    era = BRADFORD_PRESETS if PRESET_INFO[national].era == "bradford" else (national,)
    return (*(p for p in era if p != national), FIXED_VALUE)


Key = tuple[str, str]  # (kind, target): ("offer", "commissioners.bthft"), ("fund", "frailty")
DECISION_KINDS = ("offer", "accept", "fund", "commit", "join", "vote", "efficiency", "care")
# The deal: what partners agree with each other. A partner's efficiency plan and a council's
# care budget are its own, not part of any deal.
DEAL_KINDS = ("offer", "accept", "fund", "commit", "join", "vote")


class Decisions(Mapping):
    """A round's decisions, ``(kind, target) -> value``: immutable and hashable; missing
    ones are at their defaults. ``with_`` gives a copy with some changed (a value of
    ``None`` removes a decision: back to its default)."""

    __slots__ = ("_hash", "_items", "_map")

    def __init__(self, items: Mapping[Key, Any] | Iterable[tuple[Key, Any]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._map = {k: v for k, v in pairs if v is not None}
        self._items = tuple(sorted(self._map.items(), key=lambda kv: kv[0]))
        self._hash = hash(self._items)

    def __getitem__(self, key: Key) -> Any:
        return self._map[key]

    def get(self, key: Key, default: Any = None) -> Any:
        return self._map.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._map

    def __iter__(self) -> Iterator[Key]:
        return iter(k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Decisions) and self._items == other._items

    def __repr__(self) -> str:
        return f"Decisions({dict(self._items)!r})"

    def with_(self, changes: Mapping[Key, Any]) -> Decisions:
        merged = dict(self._map)
        for key, value in changes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return Decisions(merged)


# --------------------------------------------------------------------------- the setup


@dataclass(frozen=True, kw_only=True, eq=False)
class GameSetup:
    """Everything fixed for a whole game: the system, its years and their national rules,
    the base scenario, the roles, contracts and schemes, and each round's control totals."""

    system: System
    years: tuple[str, ...]
    national: tuple[str, ...]  # each round's national payment preset
    scenario: Scenario  # the base: its payment is replaced by each year's national rule
    roles: tuple[Role, ...]
    contracts: tuple[Contract, ...]
    schemes: tuple[SchemeInfo, ...]
    control_totals: np.ndarray  # [rounds, n]
    plan_positions: np.ndarray  # [rounds, n]: the status quo at plan, before funds
    forecast_draws: int = FORECAST_DRAWS

    @property
    def rounds(self) -> int:
        return len(self.years)

    @cached_property
    def org_ids(self) -> tuple[str, ...]:
        return self.system.arrays.org_ids

    @cached_property
    def org_index(self) -> dict[str, int]:
        return {org: i for i, org in enumerate(self.org_ids)}

    @cached_property
    def nhs(self) -> np.ndarray:
        return self.system.organisations.in_nhs_control_total.to_numpy(dtype=bool)

    @cached_property
    def role_by_id(self) -> dict[str, Role]:
        return {role.role_id: role for role in self.roles}

    @cached_property
    def role_of_org(self) -> dict[str, str]:
        return {org: role.role_id for role in self.roles for org in role.org_ids}

    @cached_property
    def contract_by_id(self) -> dict[str, Contract]:
        return {c.contract_id: c for c in self.contracts}

    @cached_property
    def scheme_by_id(self) -> dict[str, SchemeInfo]:
        return {s.scheme_id: s for s in self.schemes}

    @cached_property
    def providers(self) -> tuple[str, ...]:
        """The NHS providers, whose efficiency plans are decisions."""
        orgs = self.system.organisations
        return tuple(o for o in self.org_ids if orgs.in_nhs_control_total[o]
                     and orgs.cost_base_gbp_m[o] > 0 and o in self.role_of_org)

    @cached_property
    def councils(self) -> tuple[str, ...]:
        """The councils that buy social care packages, whose spending is a decision."""
        lines = self.system.service_lines
        buyers = set(lines.payer_id[lines.service == "social_care"])
        orgs = self.system.organisations
        return tuple(o for o in self.org_ids if orgs.kind[o] == "local_authority"
                     and o in buyers and o in self.role_of_org)

    @cached_property
    def fund_holders(self) -> tuple[str, ...]:
        """The roles with an incentive fund: they vote on tying the funds to the system."""
        funds = self.system.organisations.incentive_fund_gbp_m
        return tuple(r.role_id for r in self.roles if sum(funds[o] for o in r.org_ids) > 0)

    def scenario_of(self, round: int, cards: Sequence[str] = ()) -> Scenario:
        """The round's scenario: the base with the year's national rule (and any card)."""
        key = (round, "pay_award" in cards)
        cache = self.__dict__.setdefault("_scenario_cache", {})
        if key not in cache:
            scenario = replace(self.scenario, payment=self.national[round - 1])
            if key[1]:
                scenario = replace(scenario,
                                   cost_pressure=scenario.cost_pressure + PAY_AWARD_PRESSURE)
            cache[key] = scenario
        return cache[key]

    def owner(self, key: Key) -> str | None:
        """The role whose decision ``key`` is (None: no role may take it)."""
        kind, target = key
        if kind == "offer":
            return self.contract_by_id[target].payer_role if target in self.contract_by_id else None
        if kind == "accept":
            return (self.contract_by_id[target].provider_role
                    if target in self.contract_by_id else None)
        if kind in ("fund", "commit"):
            scheme = self.scheme_by_id.get(target)
            if scheme is None:
                return None
            return scheme.funder_role if kind == "fund" else scheme.deliverer_role
        if kind in ("join", "vote"):
            return target if target in self.role_by_id else None
        if kind in ("efficiency", "care"):
            return self.role_of_org.get(target)
        return None

    def decision_keys(self, role_id: str) -> tuple[Key, ...]:
        """Every decision a role takes, in a fixed order (its contracts, schemes, then the
        agreement, its plans)."""
        keys: list[Key] = []
        for c in self.contracts:
            if c.payer_role == role_id:
                keys.append(("offer", c.contract_id))
            if c.provider_role == role_id:
                keys.append(("accept", c.contract_id))
        for s in self.schemes:
            if s.funder_role == role_id:
                keys.append(("fund", s.scheme_id))
            if s.deliverer_role == role_id and s.funder_role not in (role_id, None):
                keys.append(("commit", s.scheme_id))
        keys.append(("join", role_id))
        if role_id in self.fund_holders:
            keys.append(("vote", role_id))
        role = self.role_by_id[role_id]
        keys += [("efficiency", o) for o in role.org_ids if o in self.providers]
        keys += [("care", o) for o in role.org_ids if o in self.councils]
        return tuple(keys)

    @cached_property
    def status_quo_recurrent_share(self) -> float:
        return self.scenario.recurrent_share


def without_deal(decisions: Decisions) -> Decisions:
    """The decisions with the deal undone (every offer, scheme, risk share and vote at its
    default), each partner's own plans as made: what "would it sign the same deal again?"
    compares with."""
    return Decisions({k: v for k, v in decisions.items() if k[0] not in DEAL_KINDS})


def default_value(setup: GameSetup, key: Key) -> Any:
    """A decision's default (the status quo): no offer, no answer, no scheme, out of the
    risk share, against linkage, the status-quo savings plan, no change to social care."""
    kind = key[0]
    if kind in ("offer",):
        return None
    if kind in ("accept", "fund", "commit", "vote"):
        return False
    if kind == "join":
        return 0.0
    if kind == "efficiency":
        return setup.status_quo_recurrent_share
    return 0.0  # care


def setup_game(system: System, *, first_year: str = FIRST_YEAR, rounds: int = ROUNDS,
               scenario: Scenario | None = None, group_commissioners: bool = True,
               forecast_draws: int = FORECAST_DRAWS) -> GameSetup:
    """A game of ``rounds`` financial years from ``first_year`` on ``system``."""
    if not isinstance(system, System):
        raise ScenarioError(f"system must be a System, not {type(system).__name__}")
    years = years_from(first_year, rounds)
    base = Scenario() if scenario is None else scenario
    if not isinstance(base, Scenario):
        raise ScenarioError(f"scenario must be a Scenario, not {type(base).__name__}")
    roles = roles_of(system, group_commissioners=group_commissioners)
    role_of = {org: r.role_id for r in roles for org in r.org_ids}
    orgs = system.organisations
    lines = system.service_lines
    contracts: list[Contract] = []
    payers = [r for r in roles if r.kind == "commissioner"]
    for payer in payers:
        for provider in orgs.index:
            if not (orgs.in_nhs_control_total[provider] and orgs.cost_base_gbp_m[provider] > 0
                    and provider in role_of):
                continue
            at = np.flatnonzero(lines.payer_id.isin(payer.org_ids).to_numpy()
                                & (lines.provider_id == provider).to_numpy())
            if len(at):
                contracts.append(Contract(f"{payer.role_id}.{provider}", payer.role_id,
                                          str(provider), role_of[provider],
                                          tuple(int(i) for i in at)))
    schemes = tuple(
        SchemeInfo(str(sid), str(row["name"]), role_of.get(row.funder_id),
                   role_of.get(row.deliverer_id), float(row.years_to_full_effect))
        for sid, row in system.schemes.iterrows())
    n_rounds = len(years)
    data_totals = orgs.control_total_gbp_m.to_numpy(dtype=float)
    setup = GameSetup(
        system=system, years=years, national=tuple(NATIONAL_RULES[y] for y in years),
        scenario=base, roles=roles, contracts=tuple(contracts), schemes=schemes,
        control_totals=np.tile(data_totals, (n_rounds, 1)),
        plan_positions=np.zeros((n_rounds, len(orgs))), forecast_draws=forecast_draws)
    plan = status_quo_plan(setup)
    totals = data_totals + plan - plan[0]
    totals.flags.writeable = plan.flags.writeable = False
    return replace(setup, control_totals=totals, plan_positions=plan)


# --------------------------------------------------------------------------- a round's state


@dataclass(frozen=True, eq=False)
class RoundState:
    """What a round starts from: its inputs (this year's prices, cost bases after last
    year's recurrent savings, its control totals) and how many rounds in a row each scheme
    has run before it."""

    round: int
    inputs: YearInputs
    runs: Mapping[str, int]
    cards_so_far: tuple[str, ...] = ()  # cards of earlier rounds (their lasting effects are in inputs)


def first_round(setup: GameSetup) -> RoundState:
    inputs = inputs_for(setup.system, setup.scenario_of(1))
    inputs = replace(inputs, scheme_ramp=np.ones(len(inputs.scheme_ids)),
                     control_total=setup.control_totals[0])
    return RoundState(1, inputs, {s.scheme_id: 0 for s in setup.schemes})


@dataclass(frozen=True, eq=False)
class Resolved:
    """Decisions as the engine needs them (one set)."""

    terms: dict[str, Terms | None]  # contract -> the terms in force (None: national rule)
    running: np.ndarray  # [s] 0/1
    recurrent_plan: np.ndarray  # [n] share of each provider's plan that is recurrent
    care: np.ndarray  # [n] each council's change to social care spending
    members: np.ndarray  # [n] bool
    pool_share: float
    pool_roles: tuple[str, ...]
    linked: bool


def resolve(setup: GameSetup, decisions: Decisions) -> Resolved:
    """Offers accepted, schemes running, the risk share agreed, the vote counted."""
    d = decisions
    terms: dict[str, Terms | None] = {}
    for c in setup.contracts:
        offer = d.get(("offer", c.contract_id))
        terms[c.contract_id] = offer if offer is not None and d.get(
            ("accept", c.contract_id), False) else None
    running = np.zeros(len(setup.schemes))
    for k, s in enumerate(setup.schemes):
        if s.funder_role is None:
            continue
        funded = bool(d.get(("fund", s.scheme_id), False))
        committed = (s.deliverer_role in (None, s.funder_role)
                     or bool(d.get(("commit", s.scheme_id), False)))
        running[k] = float(funded and committed)
    n = len(setup.org_ids)
    recurrent = np.full(n, setup.status_quo_recurrent_share)
    for org in setup.providers:
        recurrent[setup.org_index[org]] = d.get(("efficiency", org),
                                                setup.status_quo_recurrent_share)
    care = np.zeros(n)
    for org in setup.councils:
        care[setup.org_index[org]] = d.get(("care", org), 0.0)
    joined = [(r.role_id, float(d.get(("join", r.role_id), 0.0))) for r in setup.roles]
    joined = [(r, share) for r, share in joined if share > 0]
    members = np.zeros(n, dtype=bool)
    pool_share = 0.0
    pool_roles: tuple[str, ...] = ()
    if len(joined) >= MIN_MEMBERS:
        pool_roles = tuple(r for r, _ in joined)
        pool_share = min(share for _, share in joined)
        for role_id in pool_roles:
            for org in setup.role_by_id[role_id].org_ids:
                members[setup.org_index[org]] = True
    voters = setup.fund_holders
    yes = sum(bool(d.get(("vote", r), False)) for r in voters)
    return Resolved(terms, running, recurrent, care, members, pool_share, pool_roles,
                    linked=bool(voters) and 2 * yes > len(voters))


class _Rules:
    """Every rule any terms can ask for, once, and each contract's lines under each terms."""

    def __init__(self, setup: GameSetup) -> None:
        self.setup = setup
        self.rules: list[Rule] = []
        self.index: dict[Rule, int] = {}
        self._by_terms: dict[tuple[str, Terms], tuple[np.ndarray, np.ndarray, float]] = {}
        self.services = setup.system.arrays.line_service

    def _code(self, rule: Rule) -> int:
        if rule not in self.index:
            self.index[rule] = len(self.rules)
            self.rules.append(rule)
        return self.index[rule]

    def lines(self, contract: Contract, terms: Terms) -> tuple[np.ndarray, np.ndarray, float]:
        """(line indices, their rule codes, the payment scale) of a contract under terms."""
        key = (contract.contract_id, terms)
        if key not in self._by_terms:
            at = np.asarray(contract.lines)
            if terms.rule == FIXED_VALUE:
                codes = np.full(len(at), self._code(FixedIncome()))
                scale = terms.share
            else:
                by_service = replace(self.setup.scenario, payment=terms.rule).rules_by_service()
                codes = np.array([self._code(by_service[self.services[i]]) for i in at])
                scale = 1.0
            self._by_terms[key] = (at, codes, scale)
        return self._by_terms[key]


def _rules(setup: GameSetup) -> _Rules:
    cached = setup.__dict__.get("_rules_cache")
    if cached is None:
        cached = _Rules(setup)
        setup.__dict__["_rules_cache"] = cached
    return cached


def encode(setup: GameSetup, resolved: Sequence[Resolved], runs_before: Mapping[str, int],
           offset: int = 0) -> tuple[Overrides, np.ndarray, np.ndarray]:
    """The engine's overrides, funded and delivered schemes for several sets of decisions
    (one row each), ``offset`` rounds after the round whose schemes ran ``runs_before``
    times in a row before it (the bots look ahead with the same decisions held)."""
    rules = _rules(setup)
    b = len(resolved)
    lines = len(setup.system.arrays.line_service)
    line_rule = np.full((b, lines), -1, dtype=np.intp)
    scale = np.ones((b, lines))
    for row, r in enumerate(resolved):
        for contract_id, terms in r.terms.items():
            if terms is not None:
                at, codes, share = rules.lines(setup.contract_by_id[contract_id], terms)
                line_rule[row, at] = codes
                scale[row, at] = share
    recurrent_plan = np.stack([r.recurrent_plan for r in resolved])
    recurrent_delivered = setup.scenario.efficiency_delivered_share
    delivered_share = (recurrent_plan * recurrent_delivered
                       + (1 - recurrent_plan) * NON_RECURRENT_DELIVERED_SHARE)
    recurrent_share = np.where(delivered_share > 0, recurrent_plan * recurrent_delivered
                               / np.where(delivered_share > 0, delivered_share, 1.0), 0.0)
    members = np.stack([r.members for r in resolved])
    linkage = np.stack([np.where(setup.nhs & r.linked, LINKAGE_IF_AGREED,
                                 setup.scenario.system_linkage) for r in resolved])
    overrides = Overrides(
        rules=tuple(rules.rules), line_rule=line_rule, payment_scale=scale,
        efficiency_delivered_share=delivered_share, recurrent_share=recurrent_share,
        risk_members=members, risk_share=np.array([r.pool_share for r in resolved]),
        system_linkage=linkage, social_care_change=np.stack([r.care for r in resolved]))
    running = np.stack([r.running for r in resolved])
    years = np.array([s.years_to_full_effect for s in setup.schemes])
    before = np.array([runs_before.get(s.scheme_id, 0) for s in setup.schemes], dtype=float)
    # Rounds in a row at this round, for a scheme that keeps running: before + offset + 1.
    ramp = np.minimum(1.0, (before + offset + 1) / np.maximum(years, 1.0))
    arrays = setup.system.arrays
    share = delivery_share(running, arrays.scheme_load, arrays.scheme_probability,
                           setup.scenario.leadership_capacity)
    return overrides, running, running * share * ramp


def expand(overrides: Overrides, rows: int) -> Overrides:
    """Each set of decisions repeated for ``rows`` draws (profile-major rows)."""
    def rep(value: Any) -> Any:
        return None if value is None else np.repeat(np.asarray(value), rows, axis=0)
    return replace(overrides, **{name: rep(getattr(overrides, name)) for name in (
        "line_rule", "payment_scale", "efficiency_delivered_share", "recurrent_share",
        "risk_members", "risk_share", "system_linkage", "social_care_change")})


# --------------------------------------------------------------------------- results


class _Fields:
    """A result of plain fields, written out as they are."""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True)
class OrgResult(_Fields):
    """One organisation's year, as the reveal shows it (money in £m)."""

    org_id: str
    name: str
    kind: str
    role_id: str | None
    in_nhs_control_total: bool
    position_gbp_m: float  # reported: after the risk share and incentive funds
    underlying_position_gbp_m: float  # without one-offs (support, one-off savings, funds)
    control_total_gbp_m: float
    position_before_funds_gbp_m: float  # what met_control_total is judged on
    met_control_total: bool  # before incentive funds, as the engine counts it
    fund_available_gbp_m: float
    fund_won_gbp_m: float
    fund_lost_gbp_m: float
    risk_share_gbp_m: float  # received (+) or paid (-) under the risk share
    volume_risk_gbp_m: float  # what demand off plan did to its position
    one_off_savings_gbp_m: float  # non-recurrent savings: in this year's position, not next
    one_off_support_gbp_m: float  # non-recurrent support: likewise
    fallback_position_gbp_m: float  # the same year with the deal undone (own plans kept)
    would_sign_again: bool  # no worse off than its fallback


@dataclass(frozen=True, kw_only=True)
class SystemResult(_Fields):
    """The NHS system against its control total, and the whole place (money in £m)."""

    position_gbp_m: float
    underlying_position_gbp_m: float
    control_total_gbp_m: float
    position_before_funds_gbp_m: float  # what met_control_total is judged on
    met_control_total: bool
    funds_won_gbp_m: float
    funds_lost_gbp_m: float
    place_position_gbp_m: float
    place_underlying_position_gbp_m: float
    fallback_position_gbp_m: float
    place_fallback_position_gbp_m: float


@dataclass(frozen=True, kw_only=True)
class RoundResult:
    """A round's reveal: every organisation, the system, and what was agreed."""

    round: int
    year: str
    national_rule: str
    cards: tuple[str, ...]
    demand_index: float  # the year's price-weighted activity against plan, NHS providers
    organisations: tuple[OrgResult, ...]
    system: SystemResult
    terms: Mapping[str, str]  # contract -> the rule in force, in words
    schemes: Mapping[str, float]  # running scheme -> share of its full effect delivered
    risk_share_members: tuple[str, ...]  # roles
    risk_share: float
    linked: bool
    care_change: Mapping[str, float]  # council -> change to social care spending
    recurrent_plans: Mapping[str, float]  # provider -> recurrent share of its plan

    @property
    def volume_risk_carried_by(self) -> str:
        """The organisation whose position demand off plan moved most."""
        return max(self.organisations, key=lambda o: abs(o.volume_risk_gbp_m)).org_id

    def organisation(self, org_id: str) -> OrgResult:
        for org in self.organisations:
            if org.org_id == org_id:
                return org
        raise KeyError(org_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round, "year": self.year, "national_rule": self.national_rule,
            "cards": list(self.cards), "demand_index": self.demand_index,
            "system": self.system.to_dict(),
            "organisations": [o.to_dict() for o in self.organisations],
            "terms": dict(self.terms), "schemes": dict(self.schemes),
            "risk_share_members": list(self.risk_share_members), "risk_share": self.risk_share,
            "linked": self.linked, "care_change": dict(self.care_change),
            "recurrent_plans": dict(self.recurrent_plans),
            "volume_risk_carried_by": self.volume_risk_carried_by,
        }


@dataclass(frozen=True, eq=False)
class Played:
    """A round played: its result, and the state the next round starts from."""

    result: RoundResult
    next_state: RoundState | None


def year_noise(setup: GameSetup, seed: int, round: int, cards: Sequence[str] = ()) -> np.ndarray:
    """[1, l] the year's demand against plan: drawn from the room's seed and the round
    (as ``risk.simulate`` draws, one draw), plus a hard winter's emergency demand."""
    inputs = inputs_for(setup.system, setup.scenario_of(round))
    rng = np.random.default_rng([int(seed), int(round)])
    noise = demand_noise(inputs.demand_cv, setup.scenario.winter_correlation, 1, rng)
    if "hard_winter" in cards:
        services = np.array(setup.system.arrays.line_service)
        noise = noise + HARD_WINTER_EMERGENCY_SHARE * np.isin(services, ("non_elective", "a_and_e"))
    return noise


def _card_inputs(setup: GameSetup, inputs: YearInputs, cards: Sequence[str]) -> YearInputs:
    """A cut to the councils' funding lasts: it lowers their allocation from this year on."""
    if "social_care_cut" not in cards:
        return inputs
    spend = inputs.payer.sum(inputs.planned * inputs.price_gbp * inputs.is_council_social_care)
    return replace(inputs, allocation=inputs.allocation - SOCIAL_CARE_CUT_SHARE * spend / 1e6)


def play_round(setup: GameSetup, state: RoundState, decisions: Decisions, *,
               noise: np.ndarray | None = None, cards: Sequence[str] = ()) -> Played:
    """The round's year under the decisions, with ``noise`` [1, l] (default: demand on plan)
    and the cards played; and the state the next round starts from."""
    r = state.round
    scenario = setup.scenario_of(r, cards)
    inputs = replace(_card_inputs(setup, state.inputs, cards),
                     control_total=setup.control_totals[r - 1])
    lines = len(inputs.planned)
    actual = np.zeros((1, lines)) if noise is None else np.asarray(noise, dtype=float)
    chosen, fallback = resolve(setup, decisions), resolve(setup, without_deal(decisions))
    overrides, funded, delivered = encode(setup, [chosen, chosen, fallback], state.runs)
    money = compute_year(inputs, scenario, demand_noise=np.vstack([actual, np.zeros((1, lines)),
                                                                   actual]),
                         funded=funded, delivered=delivered, overrides=overrides)
    result = _result(setup, r, inputs, scenario, money, chosen, cards, delivered[0], actual)
    next_state = None
    if r < setup.rounds:
        runs = {s.scheme_id: (state.runs.get(s.scheme_id, 0) + 1) if chosen.running[k] else 0
                for k, s in enumerate(setup.schemes)}
        next_state = RoundState(r + 1, carry(setup, inputs, _row(money, 0), scenario, r + 1),
                                runs, (*state.cards_so_far, *cards))
    return Played(result, next_state)


def carry(setup: GameSetup, inputs: YearInputs, money: Money, scenario: Scenario,
          next_round: int) -> YearInputs:
    """Next round's inputs: ``projection.next_year`` (one set of decisions: one cost base),
    with that round's control totals."""
    carried = next_year(inputs, money, scenario, demand_growth=_growth(setup),
                        ramp=np.ones(len(inputs.scheme_ids)))
    cost_base = np.asarray(carried.cost_base)
    if cost_base.ndim == 2 and cost_base.shape[0] == 1:
        cost_base = cost_base[0]
    return replace(carried, cost_base=cost_base,
                   control_total=setup.control_totals[next_round - 1])


def _growth(setup: GameSetup) -> np.ndarray:
    return setup.system.service_lines.demand_growth.to_numpy(dtype=float)


def _row(money: Money, row: int) -> Money:
    """One row of the engine's money (a [d, n] array's row; [n] arrays as they are)."""
    def pick(value: np.ndarray) -> np.ndarray:
        value = np.asarray(value)
        return value[row:row + 1] if value.ndim == 2 else value
    return Money(**{name: (pick(getattr(money, name)) if name not in ("system_met",)
                           else money.system_met[row:row + 1])
                    for name in money.__dataclass_fields__})


def _result(setup: GameSetup, r: int, inputs: YearInputs, scenario: Scenario, money: Money,
            chosen: Resolved, cards: Sequence[str], delivered: np.ndarray,
            noise: np.ndarray) -> RoundResult:
    orgs = setup.system.organisations
    position, underlying = money.position, money.underlying
    fund = inputs.incentive_fund * scenario.incentive_fund_scale
    met = np.broadcast_to(money.met, position.shape)
    nhs = setup.nhs
    shape = position.shape
    rows = []
    for i, org in enumerate(setup.org_ids):
        rows.append(OrgResult(
            org_id=org, name=str(orgs.name[org]), kind=str(orgs.kind[org]),
            role_id=setup.role_of_org.get(org), in_nhs_control_total=bool(nhs[i]),
            position_gbp_m=float(position[0, i]),
            underlying_position_gbp_m=float(np.broadcast_to(underlying, position.shape)[0, i]),
            control_total_gbp_m=float(inputs.control_total[i]),
            position_before_funds_gbp_m=float(position[0, i] - money.incentive[0, i]),
            met_control_total=bool(met[0, i]),
            fund_available_gbp_m=float(fund[i]), fund_won_gbp_m=float(money.incentive[0, i]),
            fund_lost_gbp_m=float(fund[i] - money.incentive[0, i]),
            risk_share_gbp_m=float(money.risk_share[0, i]),
            volume_risk_gbp_m=float(position[0, i] - position[1, i]),
            one_off_savings_gbp_m=float(np.broadcast_to(money.non_recurrent_saving, shape)[0, i]),
            one_off_support_gbp_m=float(np.broadcast_to(money.non_recurrent_support, shape)[0, i]),
            fallback_position_gbp_m=float(position[2, i]),
            would_sign_again=bool(position[0, i] >= position[2, i] - TOLERANCE_GBP_M),
        ))
    under = np.broadcast_to(underlying, position.shape)
    system = SystemResult(
        position_gbp_m=float(position[0, nhs].sum()),
        underlying_position_gbp_m=float(under[0, nhs].sum()),
        control_total_gbp_m=float(inputs.control_total[nhs].sum()),
        position_before_funds_gbp_m=float((position[0] - money.incentive[0])[nhs].sum()),
        met_control_total=bool(money.system_met[0]),
        funds_won_gbp_m=float(money.incentive[0].sum()),
        funds_lost_gbp_m=float((fund - money.incentive[0]).sum()),
        place_position_gbp_m=float(position[0].sum()),
        place_underlying_position_gbp_m=float(under[0].sum()),
        fallback_position_gbp_m=float(position[2, nhs].sum()),
        place_fallback_position_gbp_m=float(position[2].sum()),
    )
    weights = inputs.planned * inputs.price_gbp
    nhs_lines = nhs[inputs.provider.index]
    actual = money.actual[0]
    demand_index = float((actual * inputs.price_gbp)[nhs_lines].sum() / weights[nhs_lines].sum()
                         ) if nhs_lines.any() else 1.0
    schemes = {s.scheme_id: float(delivered[k]) for k, s in enumerate(setup.schemes)
               if chosen.running[k]}
    return RoundResult(
        round=r, year=setup.years[r - 1], national_rule=setup.national[r - 1],
        cards=tuple(cards), demand_index=demand_index, organisations=tuple(rows), system=system,
        terms={c: (t.label if t is not None else f"{PRESET_INFO[setup.national[r - 1]].label} "
                   "(the national rule)") for c, t in chosen.terms.items()},
        schemes=schemes, risk_share_members=chosen.pool_roles, risk_share=chosen.pool_share,
        linked=chosen.linked,
        care_change={o: float(chosen.care[setup.org_index[o]]) for o in setup.councils},
        recurrent_plans={o: float(chosen.recurrent_plan[setup.org_index[o]])
                         for o in setup.providers},
    )


def status_quo_plan(setup: GameSetup) -> np.ndarray:
    """[rounds, n] each organisation's position before incentive funds, every decision at
    its default and demand on plan, round by round (control totals come from it)."""
    state = first_round(setup)
    default = resolve(setup, Decisions())
    out = []
    for r in range(1, setup.rounds + 1):
        scenario = setup.scenario_of(r)
        overrides, funded, delivered = encode(setup, [default], state.runs)
        money = compute_year(state.inputs, scenario, funded=funded, delivered=delivered,
                             overrides=overrides)
        out.append(money.position[0] - money.incentive[0])
        if r < setup.rounds:
            state = RoundState(r + 1, carry(setup, state.inputs, money, scenario, r + 1),
                               state.runs)
    return np.array(out)


# --------------------------------------------------------------------------- what the bots see


def forecast_noise(setup: GameSetup, round: int) -> np.ndarray:
    """[K, l] the bots' view of the year's demand risk: ``forecast_draws`` draws, the same
    in every room (seeded by :data:`FORECAST_SEED` and the round)."""
    inputs = inputs_for(setup.system, setup.scenario_of(round))
    rng = np.random.default_rng([FORECAST_SEED, int(round)])
    return demand_noise(inputs.demand_cv, setup.scenario.winter_correlation,
                        setup.forecast_draws, rng)


@dataclass(eq=False)
class Evaluator:
    """Expected positions, summed over the rounds ahead, of many sets of decisions at once.

    Both bot policies see exactly this: the same draws, the same horizon (from the round to
    ``last_round``, every decision held as it is), the same engine; only their objective
    differs (``casestudy.game.bots``). ``values(decisions)`` is [B, n] in £m.
    """

    setup: GameSetup
    state: RoundState
    last_round: int
    max_rows: int = 4096
    _cache: dict[Decisions, np.ndarray] = field(default_factory=dict)
    calls: int = 0

    def __post_init__(self) -> None:
        self.noises = [forecast_noise(self.setup, r)
                       for r in range(self.state.round, self.last_round + 1)]

    def values(self, decisions: Sequence[Decisions]) -> np.ndarray:
        todo = [d for d in dict.fromkeys(decisions) if d not in self._cache]
        k = self.setup.forecast_draws
        per_call = max(1, self.max_rows // k)
        for start in range(0, len(todo), per_call):
            chunk = todo[start:start + per_call]
            for d, value in zip(chunk, self._values(chunk)):
                self._cache[d] = value
        return np.array([self._cache[d] for d in decisions])

    def _values(self, decisions: Sequence[Decisions]) -> np.ndarray:
        self.calls += 1
        setup, k = self.setup, self.setup.forecast_draws
        resolved = [resolve(setup, d) for d in decisions]
        b, n = len(resolved), len(setup.org_ids)
        total = np.zeros((b, n))
        inputs = self.state.inputs
        for offset, noise in enumerate(self.noises):
            r = self.state.round + offset
            scenario = setup.scenario_of(r)
            inputs = replace(inputs, control_total=setup.control_totals[r - 1])
            overrides, funded, delivered = encode(setup, resolved, self.state.runs, offset)
            money = compute_year(inputs, scenario, demand_noise=np.tile(noise, (b, 1)),
                                 funded=np.repeat(funded, k, axis=0),
                                 delivered=np.repeat(delivered, k, axis=0),
                                 overrides=expand(overrides, k))
            total += money.position.reshape(b, k, n).mean(axis=1)
            if offset + 1 < len(self.noises):
                inputs = next_year(inputs, money, scenario, demand_growth=_growth(setup),
                                   ramp=np.ones(len(inputs.scheme_ids)))
        return total
