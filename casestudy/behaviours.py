"""Lesson 2's model questions: one shift of care out of hospital, who gains and who loses
under each payment rule, the gain share that leaves nobody worse off, and contracting one to
one against contracting as a group.

The shift is a one-scheme variant of the system: a community service, delivered by the
community provider and paid for by the commissioner that buys most of the largest acute
trust's emergency care, that cuts the trust's emergency admissions by a chosen share. Its
cost per admission avoided comes from the system's own data (the scheme most like it). The
year is run by the engine with two rows on its leading axis, without and with the shift, so
every number here is the engine's; this module only picks organisations, builds the variant
and shares out the result.

>>> import casestudy as cs
>>> system = cs.load_system()
>>> shift = shift_for(system, share=0.03)
>>> shift.acute_id, shift.funder_id, shift.deliverer_id
('bthft', 'bd_ccg', 'bdcft')
>>> changes = shift_changes(system, cs.Scenario.preset("fixed_income"), shift)
>>> bool(changes.loc["bthft", "change_gbp_m"] > 0)  # fixed income: it keeps what it saves
True
"""

from __future__ import annotations

import math
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .engine import Money, YearInputs, compute_year, inputs_for
from .errors import ScenarioError
from .scenario import PRESET_LABELS, PRESETS, Scenario, check_presets
from .system import System
from .totals import IS_TOTAL, PLACE_ID, TOTAL_KIND

GBP_PER_M = 1e6
TOLERANCE_GBP_M = 1e-6  # £1: changes closer to zero than this count as no change
ROUNDING_GBP_M = 0.05  # £50,000: a change the kit's £m figures (one decimal) show as £0.0m
COMMUNITY_KINDS = ("community_mental_health", "primary_care")
EMERGENCY_SERVICE = "non_elective"

# The lesson's one knob that is not a scenario field, described once like a field.
SHIFT_SHARE = {
    "name": "shift_share",
    "label": "Admissions moved out",  # short: a control's label at 1366 x 768
    "unit": "share of the trust's emergency admissions",
    "default": 0.03, "min": 0.0, "max": 0.2, "step": 0.005,
    "help": "Share of the largest acute trust's emergency admissions that a community "
            "service avoids",
    "source": "setting; the bundled frailty service cuts 3% (data/bradford/scheme_effects.csv); "
              "R105: STP plans averaged -15.7% non-elective activity by 2020/21",
}


# --------------------------------------------------------------------------- the shift


@dataclass(frozen=True, kw_only=True)
class Shift:
    """One shift of care: emergency admissions at ``acute_id`` cut by ``share``, replaced by
    a community service run by ``deliverer_id`` and paid for by ``funder_id`` at
    ``cost_per_admission_gbp`` for each admission avoided (taken from ``template_id``)."""

    acute_id: str
    funder_id: str
    deliverer_id: str
    share: float = SHIFT_SHARE["default"]
    cost_per_admission_gbp: float
    template_id: str | None = None

    def __post_init__(self) -> None:
        low, high = SHIFT_SHARE["min"], SHIFT_SHARE["max"]
        ok = isinstance(self.share, (int, float)) and not isinstance(self.share, bool)
        if not ok or not math.isfinite(self.share) or not low <= self.share <= high:
            raise ScenarioError(f"shift_share = {self.share!r} is outside the allowed range "
                                f"{low:g} to {high:g} ({SHIFT_SHARE['help']})")
        cost = self.cost_per_admission_gbp
        if not isinstance(cost, (int, float)) or not math.isfinite(cost) or cost < 0:
            raise ScenarioError(f"cost_per_admission_gbp = {cost!r} must be a number of at "
                                "least 0 (pounds for each admission avoided)")


def _template(system: System, acute_id: str) -> str | None:
    """The scheme most like the shift: it cuts the trust's emergency admissions most, run
    by a community provider if any such scheme is."""
    return _remember(system, ("template", acute_id), lambda: _find_template(system, acute_id))


def _find_template(system: System, acute_id: str) -> str | None:
    effects = system.scheme_effects
    cuts = effects[(effects.provider_id == acute_id) & (effects.service == EMERGENCY_SERVICE)
                   & (effects.activity_change < 0)]
    if cuts.empty:
        return None
    kinds = system.organisations.kind
    deliverer_kind = system.schemes.deliverer_id.map(kinds)
    cuts = cuts.assign(community=cuts.scheme_id.map(deliverer_kind).isin(COMMUNITY_KINDS))
    best = cuts.sort_values(["community", "activity_change"], ascending=[False, True]).iloc[0]
    return str(best.scheme_id)


def _cost_per_admission(system: System, scheme_id: str) -> float:
    """The template's cost over the emergency admissions it avoids at full effect (engine)."""
    return _remember(system, ("cost_per_admission", scheme_id),
                     lambda: _price_admission(system, scheme_id))


def _price_admission(system: System, scheme_id: str) -> float:
    inputs = inputs_for(system, Scenario())
    k = inputs.scheme_ids.index(scheme_id)
    one = np.zeros((2, len(inputs.scheme_ids)))
    one[1, k] = 1.0
    money = compute_year(inputs, Scenario(), funded=one, delivered=one)
    avoided = ((money.actual[0] - money.actual[1]) * inputs.is_non_elective).sum()
    if avoided <= 0:
        raise ScenarioError(f"scheme {scheme_id!r} avoids no emergency admissions, so it cannot "
                            "price a shift of them")
    return float(inputs.scheme_cost[k] * GBP_PER_M / avoided)


# Results by system and question, kept only where :func:`remember_results` turned it on:
# the workshop server's fork server (casestudy/serving/forkserver.py) asks lesson 2's
# questions once, before forking, so every page's kernel starts with them answered (12
# tables opening lesson 2 compute its deals once, not 12 times). Off elsewhere: a script or
# a test that changes the model (a mutation test patching the engine) sees its change.
# A system is never changed once loaded; a Deal is frozen and its frames only read.
REMEMBERED = 32  # questions kept per system (a slider's moves ask new ones)
_remembered: weakref.WeakKeyDictionary[System, OrderedDict] | None = None


def remember_results(on: bool = True) -> None:
    """Keep (``on``) or stop keeping this process's results by system and question."""
    global _remembered
    _remembered = weakref.WeakKeyDictionary() if on else None


def _remember(system: System, key: tuple, compute: Callable[[], object]):
    if _remembered is None:
        return compute()
    table = _remembered.setdefault(system, OrderedDict())
    if key in table:
        table.move_to_end(key)
        return table[key]
    value = compute()
    table[key] = value
    if len(table) > REMEMBERED:
        table.popitem(last=False)
    return value


def shift_for(system: System, share: float = SHIFT_SHARE["default"],
              cost_per_admission_gbp: float | None = None) -> Shift:
    """The lesson's shift in this system, its organisations picked by role.

    The acute trust is the one with the largest cost base; the funder is the commissioner
    that pays it most for emergency admissions; the deliverer runs the template scheme if
    that is a community provider, else it is the largest community provider. Raises
    ``ScenarioError`` saying what the system lacks.
    """
    orgs = system.organisations
    acute = system.largest("acute")
    if acute is None:
        raise ScenarioError("this system has no acute trust, so there are no emergency "
                            "admissions to move out of hospital")
    funder = system.main_payer(acute, service=EMERGENCY_SERVICE)
    if funder is None:
        raise ScenarioError(f"no commissioner buys emergency admissions from "
                            f"{system.org_name(acute)} in this system")
    template = _template(system, acute)
    deliverer = None
    if template is not None:
        lead = str(system.schemes.loc[template, "deliverer_id"])
        deliverer = lead if orgs.loc[lead, "kind"] in COMMUNITY_KINDS else None
    deliverer = (deliverer or system.largest(*COMMUNITY_KINDS[:1])
                 or system.largest(*COMMUNITY_KINDS))
    if deliverer is None:
        raise ScenarioError("this system has no community provider to run care out of hospital")
    if cost_per_admission_gbp is None:
        if template is None:
            raise ScenarioError(f"no scheme in this system cuts emergency admissions at "
                                f"{system.org_name(acute)}, so the kit cannot price the shift; "
                                "give cost_per_admission_gbp")
        cost_per_admission_gbp = _cost_per_admission(system, template)
    return Shift(acute_id=acute, funder_id=funder, deliverer_id=deliverer, share=share,
                 cost_per_admission_gbp=cost_per_admission_gbp, template_id=template)


def lesson_shift(system: System, share: float = SHIFT_SHARE["default"]) -> tuple[Shift | None, str]:
    """Lesson 2's shift in this system, or ``None`` and the reason it cannot be built."""
    try:
        return shift_for(system, share=share), ""
    except ScenarioError as exc:
        return None, str(exc)


def shift_inputs(system: System, scenario: Scenario, shift: Shift) -> YearInputs:
    """The year's inputs with one scheme, the shift, in place of the system's schemes."""
    inputs = inputs_for(system, scenario)
    index = {org: i for i, org in enumerate(inputs.org_ids)}
    for org in (shift.acute_id, shift.funder_id, shift.deliverer_id):
        if org not in index:
            raise ScenarioError(f"shift: organisation {org!r} is not in this system")
    acute = inputs.provider.index == index[shift.acute_id]
    lines = acute & inputs.is_non_elective
    effect = np.where(lines, -shift.share, 0.0)[None, :]
    # Paid for the admissions it plans to avoid: the contract is set before the year.
    cost_gbp_m = shift.share * inputs.planned[lines].sum() * shift.cost_per_admission_gbp / GBP_PER_M
    count = len(inputs.org_ids)
    funder = np.zeros((1, count))
    funder[0, index[shift.funder_id]] = 1.0
    deliverer = np.zeros((1, count))
    deliverer[0, index[shift.deliverer_id]] = 1.0
    return replace(inputs, scheme_ids=("shift",), scheme_effect=effect,
                   scheme_cost=np.array([cost_gbp_m]), funder_of=funder, deliverer_of=deliverer,
                   scheme_probability=np.ones(1), scheme_load=np.zeros(1),
                   scheme_ramp=np.ones(1))


_WITHOUT_WITH = np.array([[0.0], [1.0]])  # engine rows: without the shift, with it (certain)


def _money(inputs: YearInputs, scenario: Scenario) -> Money:
    return compute_year(inputs, scenario, funded=_WITHOUT_WITH, delivered=_WITHOUT_WITH)


def _change(money: Money, field_name: str) -> np.ndarray:
    values = getattr(money, field_name)
    return values[1] - values[0]


_CHANGE_COLUMNS = ("contract_income_gbp_m", "contract_payments_gbp_m", "scheme_net_gbp_m",
                   "cost_released_gbp_m", "change_gbp_m")


def _changes(inputs: YearInputs, scenario: Scenario) -> dict[str, np.ndarray]:
    """Each organisation's changes (with the shift minus without), as arrays by column."""
    money = _money(inputs, scenario)
    before_funds = money.position - money.incentive
    return {
        "contract_income_gbp_m": _change(money, "contract_income"),
        "contract_payments_gbp_m": _change(money, "contract_payments"),
        "scheme_net_gbp_m": _change(money, "scheme_income") - _change(money, "scheme_spend"),
        "cost_released_gbp_m": -_change(money, "provision_cost"),
        "change_gbp_m": before_funds[1] - before_funds[0],
    }


def shift_changes(system: System, scenario: Scenario, shift: Shift) -> pd.DataFrame:
    """Each organisation's change from the baseline (no shift) under the scenario's rule.

    One row per organisation, indexed by ``org_id``: ``name, kind, in_nhs_control_total``,
    ``contract_income_gbp_m`` and ``contract_payments_gbp_m`` (changes), ``scheme_net_gbp_m``
    (paid to run the shift minus spent on it), ``cost_released_gbp_m`` (provision cost no
    longer spent) and ``change_gbp_m``, the change in position before incentive funds
    (an incentive fund flips at a control total; the lesson is about the shift itself).
    """
    inputs = shift_inputs(system, scenario, shift)
    orgs = system.organisations
    return pd.DataFrame({
        "name": orgs["name"].to_numpy(),
        "kind": orgs["kind"].to_numpy(),
        "in_nhs_control_total": inputs.in_nhs,
        **_changes(inputs, scenario),
    }, index=pd.Index(inputs.org_ids, name="org_id"))


SYSTEM_ID = PLACE_ID  # the row of shift_by_rule that sums every organisation (casestudy.totals)
SYSTEM_NAME = "Whole system (all partners)"


def shift_by_rule(system: System, scenario: Scenario, shift: Shift,
                  presets: Sequence[str] = PRESETS) -> pd.DataFrame:
    """:func:`shift_changes` under each payment preset (``presets``, default all), long:
    one row per preset and organisation, with ``payment, payment_label`` and ``chosen``
    (the scenario's preset), plus one row per preset for the whole system
    (``org_id = "place"``, kind ``total``, ``is_total``: every organisation summed, the
    same under every rule)."""
    presets = check_presets(presets)
    # Prices and plans do not depend on the payment rule: one set of inputs serves them all.
    inputs = shift_inputs(system, scenario, shift)
    orgs = system.organisations
    count = len(inputs.org_ids) + 1
    columns: dict[str, list[np.ndarray]] = {c: [] for c in _CHANGE_COLUMNS}
    for preset in presets:
        changes = _changes(inputs, replace(scenario, payment=preset))
        for column, values in changes.items():
            columns[column].append(np.append(values, values.sum()))
    return pd.DataFrame({
        "payment": np.repeat(presets, count),
        "payment_label": np.repeat([PRESET_LABELS[p] for p in presets], count),
        "org_id": [*inputs.org_ids, SYSTEM_ID] * len(presets),
        "name": [*orgs["name"], SYSTEM_NAME] * len(presets),
        "kind": [*orgs["kind"], TOTAL_KIND] * len(presets),
        IS_TOTAL: ([False] * len(inputs.org_ids) + [True]) * len(presets),
        "in_nhs_control_total": [*inputs.in_nhs, False] * len(presets),
        **{column: np.concatenate(parts) for column, parts in columns.items()},
        "chosen": np.repeat([scenario.payment == p for p in presets], count),
    })


OTHER_ID = "other"  # the row of shift_by_rule_shown that holds the partners not drawn one by one
OTHER_NAME = "Other partners (added up)"


def shift_by_rule_shown(frame: pd.DataFrame, keep: tuple[str, ...] = (),
                        rounding: float = ROUNDING_GBP_M) -> pd.DataFrame:
    """The rows of :func:`shift_by_rule` a chart draws, so that its bars add up.

    Every organisation in ``keep`` and every one whose change moves by more than
    ``rounding`` (£m) under any rule gets its own rows, and the whole system keeps its rows.
    The rest, if they move at all under some rule, become one row per rule
    (``org_id = "other"``, kind ``other``) holding their sum, so under every rule the
    organisation rows drawn add up to the system row.

    >>> frame = pd.DataFrame({"payment": ["a"] * 4, "org_id": ["x", "y", "z", SYSTEM_ID],
    ...                       "change_gbp_m": [2.0, 0.01, 0.02, 2.03]})
    >>> shown = shift_by_rule_shown(frame)
    >>> shown.org_id.tolist(), round(float(shown.change_gbp_m.iloc[1]), 2)
    (['x', 'other', 'place'], 0.03)
    """
    org_ids = frame["org_id"].to_numpy()
    is_system = (frame[IS_TOTAL].to_numpy(dtype=bool) if IS_TOTAL in frame.columns
                 else org_ids == SYSTEM_ID)
    big = np.abs(frame["change_gbp_m"].to_numpy(dtype=float)) > rounding
    shown_ids = set(keep) | set(org_ids[big & ~is_system])
    own = np.isin(org_ids, list(shown_ids)) | is_system
    rest = frame[~own]
    columns = [c for c in _CHANGE_COLUMNS if c in frame.columns]
    sums = rest.groupby("payment", sort=False)[columns].sum()
    if sums.empty or (sums["change_gbp_m"].abs() < TOLERANCE_GBP_M).all():
        return frame[own]
    first = rest.drop_duplicates("payment").set_index("payment")  # payment_label, chosen
    other = pd.DataFrame({"payment": sums.index, "org_id": OTHER_ID}, index=range(len(sums)))
    for column in ("payment_label", "chosen"):
        if column in frame.columns:
            other[column] = first.loc[sums.index, column].to_numpy()
    if "name" in frame.columns:
        other["name"] = OTHER_NAME
    if "kind" in frame.columns:
        other["kind"] = OTHER_ID
    if "in_nhs_control_total" in frame.columns:
        other["in_nhs_control_total"] = False
    if IS_TOTAL in frame.columns:
        other[IS_TOTAL] = False  # a group of partners, not the total
    for column in columns:
        other[column] = sums[column].to_numpy()
    # Each rule's organisations, then its other partners, then its system row.
    order = {p: i for i, p in enumerate(dict.fromkeys(frame["payment"]))}
    parts = [frame[own & ~is_system].assign(_rank=0), other.assign(_rank=1),
             frame[is_system].assign(_rank=2)]
    out = pd.concat(parts, ignore_index=True)
    out = out.assign(_rule=out["payment"].map(order)).sort_values(["_rule", "_rank"],
                                                                  kind="stable")
    return out.drop(columns=["_rank", "_rule"]).reset_index(drop=True)[list(frame.columns)]


@dataclass(frozen=True, kw_only=True)
class StrandedCost:
    """The shift's size and cost, and the acute trust's side of it: income it loses against
    cost it can release."""

    admissions_avoided: float  # emergency admissions the trust no longer sees this year
    scheme_cost_gbp_m: float  # what the funder pays the community provider
    income_change_gbp_m: float  # contract income, with the shift minus without
    average_cost_gbp_m: float  # what the activity that left cost, at average cost
    cost_released_gbp_m: float  # what the trust can stop spending this year
    stranded_cost_gbp_m: float  # average cost minus released: wards and staff still there


def stranded_cost(system: System, scenario: Scenario, shift: Shift) -> StrandedCost:
    """Income lost, cost released and cost stranded at the acute trust.

    The average cost of the activity that left is what the engine releases when every cost
    of the trust moves with activity (its fixed and semi-fixed shares set to variable); the
    stranded cost is that minus what it releases with its real cost shares and ``flex``.
    """
    inputs = shift_inputs(system, scenario, shift)
    k = inputs.org_ids.index(shift.acute_id)
    actual = _money(inputs, scenario)

    def all_variable(values: np.ndarray, to: float) -> np.ndarray:
        out = values.copy()
        out[k] = to
        return out

    variable = replace(inputs, fixed_share=all_variable(inputs.fixed_share, 0.0),
                       semi_fixed_share=all_variable(inputs.semi_fixed_share, 0.0),
                       variable_share=all_variable(inputs.variable_share, 1.0))
    average = -_change(_money(variable, scenario), "provision_cost")[k]
    released = -_change(actual, "provision_cost")[k]
    avoided = ((actual.actual[0] - actual.actual[1]) * (inputs.provider.index == k)
               * inputs.is_non_elective).sum()
    return StrandedCost(admissions_avoided=float(avoided),
                        scheme_cost_gbp_m=float(inputs.scheme_cost[0]),
                        income_change_gbp_m=float(_change(actual, "contract_income")[k]),
                        average_cost_gbp_m=float(average), cost_released_gbp_m=float(released),
                        stranded_cost_gbp_m=float(average - released))


# --------------------------------------------------------------------------- gain share


@dataclass(frozen=True, kw_only=True)
class GainShare:
    """A gain share among the partners: who passes what to whom so nobody is worse off.

    ``table`` is indexed by ``org_id``: ``change_gbp_m`` (before), ``transfer_gbp_m`` and
    ``after_gbp_m``. ``share_of_gains`` is the share of the winners' gains passed to the
    losers; ``possible`` is False when the system as a whole loses (no share can then leave
    everyone whole), and the transfers are zero.
    """

    table: pd.DataFrame = field(repr=False)
    system_gain_gbp_m: float
    gains_gbp_m: float
    losses_gbp_m: float
    share_of_gains: float
    possible: bool

    @property
    def losers(self) -> list[str]:
        return list(self.table.index[self.table.change_gbp_m < -TOLERANCE_GBP_M])

    @property
    def winners(self) -> list[str]:
        return list(self.table.index[self.table.change_gbp_m > TOLERANCE_GBP_M])


def gain_share(changes: pd.Series, share: float | None = None) -> GainShare:
    """The gain share that leaves nobody worse off, if one exists.

    ``changes`` is each party's change from the baseline (£m, indexed by org_id). Every
    winner passes the same share of its gain into a pot that pays the losers in proportion
    to their losses. The least share that makes every loser whole is losses / gains; a
    larger ``share`` (up to 1) leaves the losers better off too. If losses exceed gains the
    system as a whole loses: nothing is shared and ``possible`` is False.

    >>> result = gain_share(pd.Series({"acute": -3.0, "ccg": 4.0, "community": 0.0}))
    >>> result.share_of_gains, result.table.after_gbp_m.tolist()
    (0.75, [0.0, 1.0, 0.0])
    >>> gain_share(pd.Series({"acute": -3.0, "ccg": 2.0})).possible
    False
    """
    if not isinstance(changes, pd.Series):
        raise ScenarioError(f"changes must be a pandas Series of £m by organisation, not "
                            f"{type(changes).__name__}")
    values = changes.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise ScenarioError("changes must be finite numbers (£m)")
    gains = float(values[values > TOLERANCE_GBP_M].sum())
    losses = float(-values[values < -TOLERANCE_GBP_M].sum())
    total = float(values.sum())
    possible = losses <= gains + TOLERANCE_GBP_M
    needed = losses / gains if gains > 0 else (0.0 if losses == 0 else math.inf)
    if share is not None:
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ScenarioError(f"share = {share!r} is outside the allowed range 0 to 1 "
                                "(share of the winners' gains passed to the losers)")
        if possible and share < needed - 1e-12:
            raise ScenarioError(f"share = {share:g} leaves a partner worse off; at least "
                                f"{needed:.4g} of the winners' gains is needed")
    used = (needed if share is None else float(share)) if possible and losses > 0 else 0.0
    transfer = np.zeros_like(values)
    if possible and gains > 0 and losses > 0:
        winner = values > TOLERANCE_GBP_M
        loser = values < -TOLERANCE_GBP_M
        pot = used * gains
        transfer[winner] = -used * values[winner]
        transfer[loser] = pot * -values[loser] / losses
    table = pd.DataFrame({"change_gbp_m": values, "transfer_gbp_m": transfer,
                          "after_gbp_m": values + transfer}, index=changes.index)
    return GainShare(table=table, system_gain_gbp_m=total, gains_gbp_m=gains,
                     losses_gbp_m=losses, share_of_gains=used if possible else needed,
                     possible=possible)


APPROACHES = {
    "one_to_one": "One to one: each for itself",
    "as_a_group": "As a group: one envelope",
}


def contracting(changes: pd.Series) -> pd.DataFrame:
    """Contracting one to one against contracting as a group, for one shift.

    One to one, each partner signs only if it does not lose, and nobody shares: the shift
    goes ahead only if no partner's change is negative. As a group for one envelope, the
    partners agree the shift if the system as a whole gains, and share the gain so nobody
    is worse off (:func:`gain_share`). Rows ``one_to_one`` and ``as_a_group`` with
    ``label, goes_ahead, system_gain_gbp_m`` (what the system gets: the shift's gain if it
    goes ahead, else nothing) and ``blocked_by`` (org ids that would lose, when blocked).

    >>> table = contracting(pd.Series({"acute": -3.0, "ccg": 4.0}))
    >>> table.goes_ahead.tolist(), table.system_gain_gbp_m.tolist(), table.blocked_by.tolist()
    ([False, True], [0.0, 1.0], [['acute'], []])
    """
    shared = gain_share(changes)
    losers = shared.losers
    rows = {
        "one_to_one": (not losers, losers),
        "as_a_group": (shared.possible, [] if shared.possible else losers),
    }
    frame = pd.DataFrame([
        {"approach": key, "label": APPROACHES[key], "goes_ahead": ok,
         "system_gain_gbp_m": shared.system_gain_gbp_m if ok else 0.0,
         "blocked_by": [] if ok else blockers}
        for key, (ok, blockers) in rows.items()
    ]).set_index("approach")
    return frame


# --------------------------------------------------------------------------- the deal


@dataclass(frozen=True, kw_only=True)
class Deal:
    """Lesson 2's facts for one shift under one payment rule, computed once: the panels,
    the prose (:mod:`casestudy.words.lesson2`), the checks and the charts read them.

    ``changes`` is :func:`shift_changes` (every organisation); ``parties`` the organisations
    in the deal (the shift's three and anyone else it moves by more than £1); ``share`` the
    gain share among them; ``table`` the parties' before and after, names and kinds, with a
    last row for the whole system (``is_total`` True); ``contracting`` one to one against
    as a group (:func:`contracting`); ``stranded`` the acute trust's side.
    """

    shift: Shift
    scenario: Scenario
    changes: pd.DataFrame = field(repr=False)
    parties: tuple[str, ...]
    share: GainShare = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    contracting: pd.DataFrame = field(repr=False)
    stranded: StrandedCost

    @property
    def system_change_gbp_m(self) -> float:
        """The whole system's change: every organisation's, summed (the same under any rule)."""
        return float(self.changes.change_gbp_m.sum())

    @property
    def one_to_one_goes_ahead(self) -> bool:
        return bool(self.contracting.loc["one_to_one", "goes_ahead"])

    @property
    def blockers(self) -> list[str]:
        """Who would block the shift one to one (it would lose on its own)."""
        return list(self.contracting.loc["one_to_one", "blocked_by"])

    def change(self, org_id: str) -> float:
        return float(self.changes.loc[org_id, "change_gbp_m"])

    @property
    def others_moved(self) -> list[str]:
        """Organisations outside the shift's three whose change shows at one decimal."""
        trio = (self.shift.acute_id, self.shift.funder_id, self.shift.deliverer_id)
        moved = self.changes.change_gbp_m.abs() > ROUNDING_GBP_M
        return [o for o in self.changes.index[moved] if o not in trio]


def deal_parties(changes: pd.DataFrame, shift: Shift) -> tuple[str, ...]:
    """The organisations in the deal: the shift's three, and anyone else it moves by more
    than £1, in the system's order."""
    moved = changes.index[changes.change_gbp_m.abs() > TOLERANCE_GBP_M]
    keep = {shift.acute_id, shift.funder_id, shift.deliverer_id, *moved}
    return tuple(org for org in changes.index if org in keep)


def deal(system: System, scenario: Scenario, shift: Shift) -> Deal:
    """Lesson 2's facts for ``shift`` under ``scenario`` (see :class:`Deal`); remembered
    where :func:`remember_results` is on.

    >>> import casestudy as cs
    >>> system = cs.load_system()
    >>> facts = deal(system, cs.Scenario.preset("fixed_income"), shift_for(system))
    >>> facts.parties[:1], round(facts.system_change_gbp_m - facts.share.system_gain_gbp_m, 9)
    (('bd_ccg',), 0.0)
    """
    return _remember(system, ("deal", scenario, shift), lambda: _deal(system, scenario, shift))


def _deal(system: System, scenario: Scenario, shift: Shift) -> Deal:
    changes = shift_changes(system, scenario, shift)
    parties = deal_parties(changes, shift)
    moves = changes.change_gbp_m.loc[list(parties)]
    shared = gain_share(moves)
    orgs = system.organisations
    table = shared.table.assign(name=orgs["name"].reindex(parties).to_numpy(),
                                kind=orgs["kind"].reindex(parties).to_numpy(), **{IS_TOTAL: False})
    whole = pd.DataFrame({"change_gbp_m": [shared.system_gain_gbp_m], "transfer_gbp_m": [0.0],
                          "after_gbp_m": [shared.system_gain_gbp_m], "name": [SYSTEM_NAME],
                          "kind": [TOTAL_KIND], IS_TOTAL: [True]}, index=[SYSTEM_ID])
    return Deal(shift=shift, scenario=scenario, changes=changes, parties=parties, share=shared,
                table=pd.concat([table, whole]), contracting=contracting(moves),
                stranded=stranded_cost(system, scenario, shift))
