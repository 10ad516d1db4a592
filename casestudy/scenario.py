"""The learner's knobs: a frozen, validated ``Scenario`` that travels as JSON.

Each field carries its label, unit, range, help text and source in its metadata, so the
widgets, the error messages and the documentation read them from one place.

>>> base = Scenario.preset("fixed_income")
>>> Scenario.from_json(base.to_json()) == base
True
>>> Scenario(risk_share=1.5)
Traceback (most recent call last):
...
casestudy.errors.ScenarioError: risk_share = 1.5 is outside the allowed range 0 to 1 (Share of each organisation's variance (its gap from its control total) pooled and shared)
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .contracts import (
    ActivityBased,
    Blended,
    FixedIncome,
    MarginalRate,
    Rule,
    rule_from_dict,
    rule_to_dict,
)
from .errors import ScenarioError
from .formats import number, percent
from .jsontext import parse, shown
from .schema import MAX_ID_CHARS, MAX_SCHEMES, SERVICES

KIT_VERSION = "0.1"
# A scenario is about 1 kB of JSON; a custom payment mapping and every scheme of the largest
# system the loader takes (200 ids) stay far below this.
MAX_SCENARIO_JSON_CHARS = 100_000


@dataclass(frozen=True, kw_only=True)
class PresetInfo:
    """What a payment preset stands for: its label (with its years), its years, its era
    and the rule for each group of services, in words, with the sources in
    ``data/README.md``."""

    name: str
    label: str  # as a dropdown or a chart legend shows it; its years in brackets
    short: str  # for a chart's narrow column headers
    years: str
    era: str  # "bradford" (the rules of 2016/17-2019/20), "teaching" or "later"
    rules: Mapping[str, str]  # group of services -> the rule in words
    sources: str


# In the order of a dropdown: the teaching extreme, the rules of the Bradford years, then
# the rules that came after (data/README.md, "Payment presets", gives each rule's sources).
PRESET_INFO: dict[str, PresetInfo] = {p.name: p for p in (
    PresetInfo(
        name="payment_by_results", label="Pure payment by results (a teaching extreme)",
        short="Pure PbR", years="none: a teaching extreme", era="teaching",
        rules={"acute": "every unit at full price (elective, emergency, outpatient, A&E)"},
        sources="R31, R33; never the whole rule for emergency care 2010/11-2018/19 (R49, R54)"),
    PresetInfo(
        name="pbr_mret", label="Payment by results + MRET (2016/17-2018/19)",
        short="PbR + MRET", years="2016/17-2018/19", era="bradford",
        rules={"elective, outpatient, A&E": "every unit at full price (national tariff)",
               "emergency admissions": "full price up to a baseline (mret_baseline_share of "
                                       "plan), mret_rate_above_baseline (70%) of price above it"},
        sources="R33, R36, R49, R50, R51, R52, R53, R54"),
    PresetInfo(
        name="fixed_income", label="Fixed income (Bradford, to 2019/20)",
        short="Fixed income", years="Bradford's contracts, in use by 2019/20", era="bradford",
        rules={"acute": "price x planned activity, whatever happens"},
        sources="R1, R2"),
    PresetInfo(
        name="blended", label="Blended (2019/20)", short="Blended 2019/20", years="2019/20",
        era="bradford",
        rules={"elective, outpatient": "every unit at full price (national tariff)",
               "emergency admissions, A&E": "plan plus 20% of price for each unit above or "
                                            "below plan (the blended rates)"},
        sources="R56, R61, R62"),
    PresetInfo(
        name="api_2022", label="Aligned payment and incentive (2022/23)", short="API 2022/23",
        years="2022/23", era="later",
        rules={"elective": "plan plus 75% of price for each unit above plan; nothing taken "
                           "back below plan",
               "outpatient, emergency admissions, A&E": "fixed element at plan"},
        sources="R67, R68, R69, R145"),
    PresetInfo(
        name="api_2023", label="Aligned payment and incentive (2023/24-2025/26)",
        short="API 2023/24-", years="2023/24-2025/26", era="later",
        rules={"elective": "every unit at the elective variable rate (100%) of price, both ways",
               "outpatient": "follow-ups (outpatient_follow_up_share) in the fixed element; "
                             "the rest at unit prices",
               "emergency admissions, A&E": "fixed element at plan"},
        sources="R68, R69, R70, R71, R72, R140"),
    PresetInfo(
        name="nhsps_2026", label="NHS Payment Scheme (2026/27, as consulted)",
        short="NHSPS 2026/27", years="2026/27, following the consultation and the draft "
                                      "contract, not the final scheme", era="later",
        rules={"elective": "unit prices up to the contracted plan, nothing above it; below "
                           "plan the elective variable rate (100%) taken back",
               "outpatient": "follow-ups in the fixed element; the rest as elective",
               "emergency admissions, A&E": "plan plus the blended rates (20%) of price for "
                                            "each unit above or below plan"},
        sources="R71, R140, R141, R142, R143, R144"),
)}
PRESETS = tuple(PRESET_INFO)
PRESET_LABELS = {name: info.label for name, info in PRESET_INFO.items()}
# The rules of the Bradford years (2016/17-2019/20), which lessons 1 to 5 compare: the
# national rule for emergency care to 2018/19, Bradford's own, and the 2019/20 national rule.
BRADFORD_PRESETS = ("pbr_mret", "fixed_income", "blended")
# The activity-based rule of those years, which the lessons set against fixed income: the
# national tariff, with the marginal rate for emergency admissions above a baseline.
BRADFORD_ACTIVITY_PRESET = "pbr_mret"
# Old preset names that saved scenario files and codes still carry.
PRESET_ALIASES = {"aligned_payment_and_incentive": "api_2023"}
# Aligned payment and incentive in 2022/23: 75% of price for elective activity above plan,
# nothing taken back below it (the proposed clawback was not implemented: R67, R69).
API_2022_ELECTIVE_RATE_ABOVE_PLAN = 0.75
API_2022_ELECTIVE_RATE_BELOW_PLAN = 0.0
# The rates each preset reads (rules_by_service); the other presets read none of them.
RATES_USED = {
    "pbr_mret": ("mret_baseline_share", "mret_rate_above_baseline"),
    "blended": ("blended_rate_above_plan", "blended_rate_below_plan"),
    "api_2023": ("elective_variable_rate", "outpatient_follow_up_share"),
    "nhsps_2026": ("blended_rate_above_plan", "blended_rate_below_plan",
                   "elective_variable_rate", "outpatient_follow_up_share"),
}
ALL_RATES = ("blended_rate_above_plan", "blended_rate_below_plan", "mret_baseline_share",
             "mret_rate_above_baseline", "elective_variable_rate", "outpatient_follow_up_share")
# The cost of a delayed bed day is a range: the default £75 (R131: £173m for 2.3 million days
# in providers' audited accounts, 2016/17) is a floor; Age UK put a hospital bed at about
# £1,900 a week (R146), about £270 a day.
DELAYED_DAY_FLOOR_GBP = 173e6 / 2.3e6  # £75.2
BED_WEEK_GBP = 1_900.0
DELAYED_DAY_HIGH_GBP = BED_WEEK_GBP / 7  # £271
ACUTE_SERVICES = ("elective", "non_elective", "outpatient", "a_and_e")
EMERGENCY_SERVICES = ("non_elective", "a_and_e")


def check_presets(presets: object) -> tuple[str, ...]:
    """Preset names as a tuple, old names mapped to new ones; refuses anything else."""
    if isinstance(presets, str) or not isinstance(presets, (list, tuple)) or not presets:
        raise ScenarioError(f"presets = {presets!r} must be a list of preset names, from "
                            f"{', '.join(PRESETS)}")
    names = tuple(PRESET_ALIASES.get(p, p) if isinstance(p, str) else p for p in presets)
    unknown = [p for p in names if p not in PRESETS]
    if unknown:
        raise ScenarioError(f"presets: {unknown} are not presets; presets are {', '.join(PRESETS)}")
    if len(set(names)) != len(names):
        raise ScenarioError(f"presets = {list(presets)!r} names a preset twice")
    return names


def preset_phrase(name: str) -> str:
    """A preset's label for the middle of a sentence: its first letter in lower case unless
    it starts an acronym ("NHS Payment Scheme ...").

    >>> preset_phrase("pbr_mret")
    'payment by results + MRET (2016/17-2018/19)'
    >>> preset_phrase("nhsps_2026")
    'NHS Payment Scheme (2026/27, as consulted)'
    """
    return mid_sentence(PRESET_LABELS[name])


def mid_sentence(label: str) -> str:
    """A label for the middle of a sentence: first letter lowered unless it starts an
    acronym (``"NHS ..."``, ``"MRET ..."``)."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def knob(default: Any, *, label: str, unit: str, low: float, high: float, help: str,
         source: str, step: float | None = None, group: str = "contracts") -> Any:
    """A numeric scenario field with everything a widget or an error message needs."""
    return field(default=default, metadata={
        "label": label, "unit": unit, "min": low, "max": high, "help": help, "source": source,
        "step": step if step is not None else (1 if isinstance(default, int) else 0.01),
        "group": group,
    })


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """One setting of every knob. Vary it with ``dataclasses.replace``."""

    payment: str | Mapping[str, Any] = field(default="fixed_income", metadata={
        "label": "Payment rule", "unit": "", "group": "contracts",
        "help": "The payment rule for every contract: a preset, named with the years it applied",
        "source": "presets: R31-R72 in data/README.md"})
    blended_rate_above_plan: float = knob(
        0.2, label="Blended rate above plan", unit="share of price", low=0, high=1,
        help="Share of price paid for each emergency unit above plan under the blended rule",
        source="R62: 2019/20 blended payment, 20% both ways")
    blended_rate_below_plan: float = knob(
        0.2, label="Blended rate below plan", unit="share of price", low=0, high=1,
        help="Share of price refunded for each emergency unit below plan under the blended rule",
        source="R62: 2019/20 blended payment, 20% both ways")
    mret_baseline_share: float = knob(
        0.94, label="MRET baseline", unit="share of planned emergency activity", low=0.5,
        high=1.2, group="contracts",
        help="Emergency activity paid at full price under the marginal rate, as a share of plan "
             "(a baseline set years before, not this year's plan)",
        source="R54, R109, DERIVED: MRET cost providers £312m in 2017/18, 30% of about £1.04bn "
               "above baseline, about 6% of £17.0bn of emergency admissions: 1 - 0.06 = 0.94")
    mret_rate_above_baseline: float = knob(
        0.7, label="MRET rate above baseline", unit="share of price", low=0, high=1,
        help="Share of price paid for each emergency admission above the baseline under the "
             "marginal rate emergency tariff",
        source="R36, R52, R53: 70% in 2016/17-2018/19 (R49: 30% in 2010/11-2014/15)")
    elective_variable_rate: float = knob(
        1.0, label="Elective variable rate", unit="share of price", low=0, high=1,
        help="Share of price paid or taken back for each elective unit off plan under aligned "
             "payment and incentive from 2023/24 (below plan only under the 2026/27 scheme)",
        source="R68, R69, R71: 100% of unit prices from 2023/24 (75%, above plan only, in "
               "2022/23)")
    outpatient_follow_up_share: float = knob(
        0.5, label="Outpatient follow-up share", unit="share of outpatient value", low=0,
        high=1, group="contracts",
        help="Share of outpatient activity (by value) that is follow-ups, paid in the fixed "
             "element from 2023/24; the rest is paid at unit prices",
        source="R69, R140, DERIVED with an assumption: follow-ups were 68% of attendances in "
               "2019/20, priced at about half a first attendance (assumption): about 0.5")
    demand_shock: float = knob(
        0.0, label="Demand against plan", unit="fraction", low=-0.2, high=0.3, group="demand",
        help="Actual activity above (+) or below (-) plan on every service line",
        source="setting; R110: emergency admissions grew 1.5-4.8% a year")
    winter_correlation: float = knob(
        0.5, label="Winter correlation", unit="share 0-1", low=0, high=1, group="demand",
        help="How much of each line's demand shock comes from one shared winter factor",
        source="assumption: emergency pressures move together in winter")
    cost_inflation: float = knob(
        0.038, label="Cost inflation", unit="fraction a year", low=0, high=0.15, step=0.001,
        group="money", help="Rise in providers' input costs this year",
        source="R38: 2019/20 tariff cost uplift 3.8%")
    price_uplift: float = knob(
        0.038, label="Price uplift", unit="fraction a year", low=0, high=0.15, step=0.001,
        group="money", help="Tariff cost uplift applied to prices",
        source="R38: 2019/20 tariff cost uplift 3.8%")
    efficiency_factor: float = knob(
        0.011, label="Tariff efficiency factor", unit="fraction a year", low=0, high=0.1,
        step=0.001, group="money", help="Efficiency deducted from prices",
        source="R38: 2019/20 efficiency factor 1.1%")
    cost_pressure: float = knob(
        0.03, label="Cost pressures above the uplift", unit="fraction a year", low=0, high=0.1,
        step=0.001, group="money",
        help="Rise in NHS providers' costs beyond the price uplift (pay drift, drugs, "
             "demand the tariff does not fund), which their savings must also cover",
        source="R106, R38, DERIVED: CIP plans of 4.1% cover the 1.1% efficiency factor and "
               "pressures above the uplift: 4.1 - 1.1 = 3.0%")
    efficiency_required: float = knob(
        0.041, label="Efficiency required", unit="share of cost base", low=0, high=0.1,
        step=0.001, group="money",
        help="Cost improvement each NHS provider plans this year: one ask, covering the "
             "tariff efficiency factor and the cost pressures above the uplift",
        source="R106: 2018/19 provider CIP plans 4.1% of spending")
    efficiency_delivered_share: float = knob(
        0.9, label="Efficiency delivered", unit="share of plan", low=0, high=1, group="money",
        help="Share of the planned cost improvement actually delivered",
        source="R106, DERIVED: Q1 2018/19 delivered 2.3% of 2.5% planned = 0.92")
    recurrent_share: float = knob(
        0.7, label="Recurrent share of savings", unit="share 0-1", low=0, high=1, group="money",
        help="Share of delivered savings that recur next year (the rest are one-off)",
        source="assumption; R106: recurrent shortfalls were made good non-recurrently")
    non_recurrent_support_gbp_m: float = knob(
        10.0, label="One-off support", unit="£m", low=0, high=100, step=0.5, group="money",
        help="Non-recurrent support to NHS providers this year, shared by cost base",
        source="assumption, of the order of the FRF/PSF shares R64, R22")
    flex: float = knob(
        0.25, label="Capacity flex", unit="share 0-1", low=0, high=1, group="money",
        help="How much semi-fixed capacity (wards, rotas) can be added or taken out this year",
        source="assumption: most semi-fixed capacity is fixed within a year (R100)")
    schemes: tuple[str, ...] = field(default=(), metadata={
        "label": "Shared schemes", "unit": "", "group": "priorities",
        "help": "Ids of the schemes the partners invest in", "source": "data: schemes.csv"})
    leadership_capacity: float = knob(
        6.0, label="Leadership capacity", unit="units of leadership time (each scheme takes its leadership load)",
        low=0, high=30, step=0.5,
        group="priorities",
        help="Senior leadership time the partners can give to shared schemes",
        source="assumption; see data/README.md, leadership capacity")
    incentive_fund_scale: float = knob(
        1.0, label="Incentive fund size", unit="x the funds in the data", low=0, high=2,
        group="governance", help="Scale of the incentive (sustainability) funds",
        source="data: incentive_fund_gbp_m; R22, R91")
    system_linkage: float = knob(
        0.0, label="System linkage", unit="share 0-1", low=0, high=1, group="governance",
        help="Share of each incentive fund paid only if the whole system meets its control total",
        source="R94: at least 0.5 of FRF in 2020/21; R98: Dorset linked all of it")
    risk_share: float = knob(
        0.0, label="Risk share", unit="share 0-1", low=0, high=1, group="governance",
        help="Share of each organisation's variance (its gap from its control total) pooled and shared",
        source="assumption on form (R75, R77); the case's own rule was not published")
    social_care_budget_change: float = knob(
        0.0, label="Social care budget change", unit="fraction", low=-0.3, high=0.3,
        group="place",
        help="Change to what the council spends on adult social care packages (its decision: "
             "a cut is a saving to it, and comes back as NHS demand and delayed days)",
        source="setting; R29: council spending power halved 2010-2020")
    social_care_knock_on: float = knob(
        0.1, label="Knock-on to emergency admissions", unit="elasticity", low=0, high=1,
        group="place",
        help="Rise in emergency admissions for each 1% fewer social care packages (0.1 = 0.1%)",
        source="assumption; evidence contested: R134 vs R135 (no significant link)")
    delayed_days_per_lost_package: float = knob(
        5.0, label="Delayed days per lost package", unit="bed days", low=0, high=60,
        step=0.5, group="place",
        help="Hospital bed days spent waiting for each social care package not provided",
        source="assumption")
    delayed_day_cost_gbp: float = knob(
        75.0, label="Cost of a delayed day", unit="£ per bed day", low=0, high=1000, step=5,
        group="place",
        help="Cost to the hospital of one delayed bed day. £75 is a floor: £173m in providers' "
             "audited accounts for 2.3 million delayed days in England in 2016/17 (the full "
             "cost is much higher); Age UK put a hospital bed at about £270 a day",
        source="R131, DERIVED: £173m for 2.3 million delayed days in 2016/17 = £75, a floor; "
               "R146: about £1,900 a week, £270 a day")
    allocation_growth: float = knob(
        0.052, label="Allocation growth", unit="fraction a year", low=-0.05, high=0.15,
        step=0.001, group="years",
        help="Yearly growth of commissioners' allocations and the council's budget (and of "
             "providers' other income)",
        source="R38, R114, DERIVED: prices up 3.8% - 1.1% = 2.7% a year, and funding for about "
               "2.4% more care a year (against a 3% trend): 1.027 x 1.024 - 1 = 5.2%; the "
               "council's budget growing with it is an assumption")
    rebase_fixed_income: bool = field(default=False, metadata={
        "label": "Rebase fixed income yearly", "unit": "", "group": "years",
        "help": "Set next year's fixed income from this year's actual activity",
        "source": "setting; R2: the fixed amount relates to changes in demand"})
    years: int = knob(5, label="Years", unit="years", low=1, high=15, group="years",
                      help="Years to project", source="setting")
    draws: int = knob(10_000, label="Draws", unit="draws", low=1, high=1_000_000,
                      group="uncertainty", help="Monte Carlo draws of demand", source="setting")
    seed: int = knob(0, label="Seed", unit="", low=0, high=2**32 - 1, group="uncertainty",
                     help="Seed of the random draws: the same seed gives the same numbers",
                     source="setting")

    # ------------------------------------------------------------------ validation
    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "payment":
                object.__setattr__(self, "payment", _normalise_payment(value))
            elif f.name == "schemes":
                object.__setattr__(self, "schemes", _normalise_schemes(value))
            elif f.name == "rebase_fixed_income":
                if not isinstance(value, bool):
                    raise ScenarioError(f"rebase_fixed_income = {shown(value)} must be true or "
                                        "false")
            else:
                _check_number(f, value)
        # Rules are built here so a bad rate fails now, naming the field.
        self.rules_by_service()

    # ------------------------------------------------------------------ presets and rules
    @classmethod
    def preset(cls, name: str, **changes: Any) -> Scenario:
        """A scenario with every service paid by one of the presets."""
        name = PRESET_ALIASES.get(name, name) if isinstance(name, str) else name
        if name not in PRESETS:
            raise ScenarioError(f"preset = {name!r} is not one of {', '.join(PRESETS)}")
        return cls(payment=name, **changes)

    def rules_by_service(self) -> dict[str, Rule]:
        """The payment rule for each service, resolved from the preset or the mapping."""
        # Community, mental health and voluntary services had no national tariff: block.
        rules: dict[str, Rule] = dict.fromkeys(SERVICES, FixedIncome())
        # Social care packages are bought one by one (spot purchase) under every NHS preset.
        rules["social_care"] = ActivityBased()
        if isinstance(self.payment, str):
            rules.update(self._preset_rules(self.payment))
            return rules
        for service, spec in self.payment.items():
            rules[service] = rule_from_dict(spec, where=f"payment[{service!r}]")
        return rules

    def _preset_rules(self, preset: str) -> dict[str, Rule]:
        """The acute services' rules under a preset (PRESET_INFO says each in words)."""
        full = ActivityBased()
        blended = Blended(rate_above_plan=self.blended_rate_above_plan,
                          rate_below_plan=self.blended_rate_below_plan)
        # The outpatient follow-ups' share of value sits in the fixed element; the rest
        # moves with activity: price x [share x plan + (1 - share) x actual].
        moving = 1 - self.outpatient_follow_up_share
        elective = self.elective_variable_rate
        if preset == "payment_by_results":
            return dict.fromkeys(ACUTE_SERVICES, full)
        if preset == "pbr_mret":
            return {"elective": full, "outpatient": full, "a_and_e": full,
                    "non_elective": MarginalRate(baseline_share=self.mret_baseline_share,
                                                 rate_above_baseline=self.mret_rate_above_baseline)}
        if preset == "blended":
            return {"elective": full, "outpatient": full, "non_elective": blended,
                    "a_and_e": blended}
        if preset == "api_2022":
            return {"elective": Blended(rate_above_plan=API_2022_ELECTIVE_RATE_ABOVE_PLAN,
                                        rate_below_plan=API_2022_ELECTIVE_RATE_BELOW_PLAN)}
        if preset == "api_2023":
            return {"elective": Blended(rate_above_plan=elective, rate_below_plan=elective),
                    "outpatient": Blended(rate_above_plan=moving, rate_below_plan=moving)}
        if preset == "nhsps_2026":
            # Elective paid up to the contracted plan and no further (Indicative Activity
            # Plans, R143); urgent and emergency care blended (R141, R142).
            return {"elective": Blended(rate_above_plan=0.0, rate_below_plan=elective),
                    "outpatient": Blended(rate_above_plan=0.0, rate_below_plan=moving * elective),
                    "non_elective": blended, "a_and_e": blended}
        return {}  # fixed_income: every service at plan

    def unused_rates(self) -> tuple[str, ...]:
        """The contract rates this payment rule ignores (``RATES_USED`` lists those each
        preset reads; a custom mapping carries its own rates and reads none). Moving one
        changes nothing, so a panel greys it out.

        >>> Scenario.preset("blended").unused_rates()
        ('mret_baseline_share', 'mret_rate_above_baseline', 'elective_variable_rate', 'outpatient_follow_up_share')
        """
        used = RATES_USED.get(self.payment, ()) if isinstance(self.payment, str) else ()
        return tuple(name for name in ALL_RATES if name not in used)

    @property
    def payment_label(self) -> str:
        if isinstance(self.payment, str):
            return PRESET_LABELS[self.payment]
        return "Custom: " + ", ".join(f"{s} {d['rule']}" for s, d in self.payment.items())

    @property
    def payment_phrase(self) -> str:
        """The payment rule for the middle of a sentence (see :func:`preset_phrase`)."""
        return mid_sentence(self.payment_label)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["schemes"] = list(self.schemes)
        if not isinstance(self.payment, str):
            data["payment"] = {s: dict(r) for s, r in self.payment.items()}
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """A scenario from plain data; anything malformed raises ``ScenarioError`` saying why."""
        if not isinstance(data, Mapping):
            raise ScenarioError(f"a scenario must be a JSON object, not {type(data).__name__}")
        names = {f.name for f in fields(cls)}
        not_text = [key for key in data if not isinstance(key, str)]
        if not_text:
            raise ScenarioError(f"scenario field names are text, not {shown(not_text[0])}")
        unknown = sorted(set(data) - names)
        if unknown:
            listed = ", ".join(shown(name) for name in unknown[:5])
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            raise ScenarioError(f"unknown scenario field(s) {listed}{more}; "
                                f"fields are {', '.join(sorted(names))}")
        try:
            return cls(**dict(data))
        except ScenarioError:
            raise
        except (TypeError, ValueError, RecursionError) as exc:  # a check not foreseen
            raise ScenarioError(f"a scenario field has the wrong type or value "
                                f"({type(exc).__name__}: {shown(str(exc))})") from None

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        """A scenario from its JSON (``to_json``), read within ``jsontext``'s bounds."""
        data = parse(text, max_chars=MAX_SCENARIO_JSON_CHARS, what="the scenario")
        return cls.from_dict(data)

    # ------------------------------------------------------------------ for people
    def changes_from(self, baseline: Scenario,
                     scheme_names: Mapping[str, str] | None = None) -> list[str]:
        """What differs from a baseline, in words: ``['Risk share 50% instead of 0%']``.

        Schemes are named by ``scheme_names`` (id to name) where given, else by id.
        """
        out = []
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(baseline, f.name)
            if mine != theirs:
                out.append(f"{f.metadata['label']} {_show(f.name, mine, scheme_names)} instead of "
                           f"{_show(f.name, theirs, scheme_names)}")
        return out


def field_info(name: str) -> dict[str, Any]:
    """Label, unit, range, help and source of one scenario field."""
    for f in fields(Scenario):
        if f.name == name:
            return {"name": name, "default": f.default, **f.metadata}
    raise KeyError(name)


def _show(name: str, value: Any, scheme_names: Mapping[str, str] | None = None) -> str:
    if name == "payment":
        return PRESET_LABELS.get(value, "custom rules") if isinstance(value, str) else "custom rules"
    if name == "schemes":
        names = scheme_names or {}
        return ", ".join(names.get(s, s) for s in value) if value else "none"
    if isinstance(value, bool):  # before numbers: a bool is an int
        return "on" if value else "off"
    if isinstance(value, float):
        if field_info(name)["unit"].startswith(("fraction", "share")):
            return percent(value, 2)  # as the sliders read: 4%, not 0.04
        return number(value)
    return str(value)


def _check_number(f: dataclasses.Field, value: Any) -> None:
    meta = f.metadata
    integral = isinstance(f.default, int)
    ok_type = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok_type and integral and isinstance(value, float) and value.is_integer():
        ok_type = True
    elif ok_type and integral and not isinstance(value, int):
        ok_type = False
    if not ok_type or (isinstance(value, float) and not math.isfinite(value)):
        kind = "a whole number" if integral else "a number"
        raise ScenarioError(f"{f.name} = {shown(value)} is not {kind}; allowed range "
                            f"{_bound(meta['min'])} to {_bound(meta['max'])} ({meta['help']})")
    if not meta["min"] <= value <= meta["max"]:
        raise ScenarioError(f"{f.name} = {shown(value)} is outside the allowed range "
                            f"{_bound(meta['min'])} to {_bound(meta['max'])} ({meta['help']})")


def _bound(limit: float) -> str:
    """A range limit in full: ``:g`` alone would show the seed's 4294967295 as 4.29497e+09."""
    return str(int(limit)) if float(limit).is_integer() else f"{limit:g}"


def _normalise_payment(value: Any) -> str | Mapping[str, Any]:
    if isinstance(value, str):
        value = PRESET_ALIASES.get(value, value)
        if value not in PRESETS:
            raise ScenarioError(f"payment = {shown(value)} is not one of {', '.join(PRESETS)} "
                                "(or a mapping from service to rule)")
        return value
    if not isinstance(value, Mapping) or not value:
        raise ScenarioError(f"payment = {shown(value)} must be a preset name or a mapping "
                            "from service to rule")
    out = {}
    for service, spec in value.items():
        if not isinstance(service, str) or service not in SERVICES:
            raise ScenarioError(f"payment: {shown(service)} is not a service; services are "
                                f"{', '.join(SERVICES)}")
        out[service] = rule_to_dict(rule_from_dict(spec, where=f"payment[{service!r}]"))
    return _FrozenMapping(sorted(out.items()))


def _normalise_schemes(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ScenarioError(f"schemes = {shown(value)} must be a list of scheme ids")
    if not all(isinstance(v, str) for v in value):
        raise ScenarioError(f"schemes = {shown(value)} must hold scheme ids (text)")
    too_long = next((v for v in value if len(v) > MAX_ID_CHARS), None)
    if too_long is not None:
        raise ScenarioError(f"schemes: {shown(too_long)} is not a scheme id (at most "
                            f"{MAX_ID_CHARS} characters)")
    if len(value) > MAX_SCHEMES:
        raise ScenarioError(f"schemes names {len(value):,} schemes; a system has at most "
                            f"{MAX_SCHEMES}")
    if len(set(value)) != len(value):
        twice = next(v for v in value if value.count(v) > 1)
        raise ScenarioError(f"schemes = {shown(list(value))} names a scheme twice "
                            f"({shown(twice)})")
    return tuple(value)


class _FrozenMapping(dict):
    """A read-only, hashable dict (keeps ``Scenario`` frozen and usable as a key)."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(json.dumps(self, sort_keys=True))

    def _readonly(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a scenario's payment mapping is read-only; use dataclasses.replace")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _readonly  # type: ignore
