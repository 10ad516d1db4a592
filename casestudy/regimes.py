"""Then and now: the NHS financial regime after the Bradford years, as sourced facts.

Notebook 7 carries Bradford's lessons (2016/17-2019/20) into the rules that followed: COVID
block contracts and system envelopes (2020-22), integrated care boards (1 July 2022), the
NHS Payment Scheme (April 2023), the ICB's and its partner trusts' joint financial duties,
and the 2026/27 plans. Every date and figure here carries its source keys, listed in
``data/README.md`` ("Then and now"); the figures a learner reads come from these constants,
not from text typed into a notebook.

Also here, for any panel that shows a later payment rule: :func:`era_note`, the words that
say when a preset is run on organisations and funds of another era (a thought experiment).
Pure data and words: no widgets, no charts.

>>> LVA_BLOCK_LIMIT_GBP_M
1.5
>>> era_note(None, "fixed_income") is None
True
>>> era_note(None, "api_2023").startswith("Thought experiment.")
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .formats import money, percent
from .scenario import API_2022_ELECTIVE_RATE_ABOVE_PLAN, PRESET_INFO, Scenario
from .system import System

_DEFAULTS = Scenario()
SAME_GBP_M = 0.05  # a change below this reads as none (figures are shown to £0.1m)


def cell_text(value: float) -> str:
    """A change against fixed income as the charts' cells and the words say it: ``+£3.3m``,
    ``-£1.4m`` (the minus kept with its figure), ``0`` below :data:`SAME_GBP_M`.

    >>> cell_text(3.26), cell_text(0.04)
    ('+£3.3m', '0')
    """
    if abs(value) < SAME_GBP_M:
        return "0"
    return money(value, signed=True)

# --------------------------------------------------------------------------- sourced figures

# R71: from 2025/26, a low volume activity (LVA) block for NHS provider and ICB relationships
# with an expected annual value of about £1.5m or less (£0.5m in 2023/25, R39).
LVA_BLOCK_LIMIT_GBP_M = 1.5
LVA_BLOCK_LIMIT_2023_GBP_M = 0.5
# R150: NHS England established 42 statutory ICBs on 1 July 2022.
ICBS_ESTABLISHED = 42
ICB_START = "1 July 2022"
# R151: NHS West Yorkshire ICB's places; R8: the six places of the West Yorkshire and
# Harrogate partnership in the case study's years.
WEST_YORKSHIRE_PLACES = ("Bradford District and Craven", "Calderdale", "Kirklees", "Leeds",
                         "Wakefield District")
WEST_YORKSHIRE_AND_HARROGATE_PLACES = 6
# R30: Bradford District and Craven's NHS partners, underlying deficit (May 2024), the
# forecasts before it, the extra savings West Yorkshire asked for, and the budget cut trusts
# were asked to plan for.
BRADFORD_UNDERLYING_DEFICIT_MAY_2024_GBP_M = 48.0
BRADFORD_DEFICIT_FORECAST_FEB_2024_GBP_M = (80.0, 90.0)
BRADFORD_DEFICIT_FORECAST_MAR_2024_GBP_M = 72.0
BRADFORD_EXTRA_SAVINGS_2023_24_GBP_M = (5.0, 6.0)
BRADFORD_BUDGET_CUT_ASKED_SHARE = 0.10
# R152: Airedale NHS FT's provisional overspend against its 2024/25 plan.
AIREDALE_OVERSPEND_2024_25_GBP_M = 7.5
# R159: West Yorkshire ICB's 2025/26 plan: break even with deficit support.
WEST_YORKSHIRE_DEFICIT_SUPPORT_2025_26_GBP_M = 49.2
# API in 2022/23 (R67, R69): above plan at 75% of price (the kit's preset reads this); the
# deduction proposed for activity below plan, 50% of price (R154), was not made (R69).
API_2022_PROPOSED_DEDUCTION_SHARE = 0.5


def _gbp(value: float) -> str:
    return f"£{value:g}m"


def _range(values: tuple[float, float]) -> str:
    return f"£{values[0]:g}-{values[1]:g}m"


# --------------------------------------------------------------------------- the timeline


@dataclass(frozen=True, kw_only=True)
class Milestone:
    """One dated change after the Bradford years: when, what (Markdown, glossary links
    allowed), and the keys of its sources in ``data/README.md``."""

    when: str
    what: str
    sources: tuple[str, ...]

    @property
    def source_text(self) -> str:
        return ", ".join(f"[{key}]" for key in self.sources)


TIMELINE: tuple[Milestone, ...] = (
    Milestone(
        when="March 2020",
        what="COVID-19: **[block contracts](glossary.md#covid-block-contracts)** for every NHS "
             "provider, fixed sums with contracting suspended. Fixed income went national.",
        sources=("R47",)),
    Milestone(
        when="October 2020 to March 2021",
        what="**[System funding envelopes](glossary.md#system-funding-envelope)**: each system "
             "to break even; an organisation within it could be in surplus or deficit by "
             "agreement with the others.",
        sources=("R48", "R47")),
    Milestone(
        when="2021/22",
        what="Block payments continued all year; aligned payment and incentive, first set out "
             "in October 2021, waited for April 2022.",
        sources=("R154",)),
    Milestone(
        when="April 2022",
        what="**[Aligned payment and incentive](glossary.md#aligned-payment-and-incentive)**: a "
             "fixed element for an agreed level of activity, and elective activity above plan "
             f"paid at {percent(API_2022_ELECTIVE_RATE_ABOVE_PLAN)} of price. The deduction "
             f"proposed for activity below plan ({percent(API_2022_PROPOSED_DEDUCTION_SHARE)} of "
             "price) was not made. CCGs agreed the first contracts; the new boards took them "
             "over.",
        sources=("R67", "R69", "R154", "R155")),
    Milestone(
        when=ICB_START,
        what=f"{ICBS_ESTABLISHED} **[integrated care boards](glossary.md#integrated-care-board)** "
             "replaced CCGs. NHS West Yorkshire ICB works through "
             f"{len(WEST_YORKSHIRE_PLACES)} places ({', '.join(WEST_YORKSHIRE_PLACES[:-1])} and "
             f"{WEST_YORKSHIRE_PLACES[-1]}); Harrogate, one of the "
             f"{WEST_YORKSHIRE_AND_HARROGATE_PLACES} places of the West Yorkshire and Harrogate "
             "partnership, is in Humber and North Yorkshire ICB's area. Each ICB must keep its "
             "spending within what it receives (s223GC); each ICB and its partner trusts "
             "together must keep within NHS England's limits and seek its objective of a "
             "balanced system (s223M, s223L): the "
             "**[system financial duties](glossary.md#system-financial-duties)**.",
        sources=("R150", "R151", "R8", "R152", "R153", "R156", "R157")),
    Milestone(
        when="1 April 2023",
        what="The **[NHS Payment Scheme](glossary.md#nhs-payment-scheme)** replaced the national "
             f"tariff. Elective activity paid at {percent(_DEFAULTS.elective_variable_rate)} of "
             "unit prices. ICB and system finance business rules set for several years at once.",
        sources=("R39", "R69", "R158")),
    Milestone(
        when="2025/26",
        what="Aligned payment and incentive for almost all NHS provider activity; a "
             "**[low volume activity block](glossary.md#low-volume-activity-block)** for a "
             f"relationship worth about {_gbp(LVA_BLOCK_LIMIT_GBP_M)} a year or less "
             f"({_gbp(LVA_BLOCK_LIMIT_2023_GBP_M)} in 2023/25). West Yorkshire ICB planned to "
             f"break even with {_gbp(WEST_YORKSHIRE_DEFICIT_SUPPORT_2025_26_GBP_M)} of "
             "**[deficit support](glossary.md#deficit-support)**.",
        sources=("R71", "R39", "R159")),
    Milestone(
        when="24 October 2025",
        what="The **[Medium Term Planning Framework](glossary.md#medium-term-planning-framework)** "
             "for 2026/27 to 2028/29: deficit support to ICBs and trusts to be removed. The "
             "2026/27 NHS Payment Scheme consultation proposed a blended payment for urgent and "
             f"emergency care (a summary gives its variable part as "
             f"{percent(_DEFAULTS.blended_rate_above_plan)}), and the draft contract controls "
             "elective activity through indicative activity plans.",
        sources=("R161", "R160", "R141", "R142", "R143")),
)


@dataclass(frozen=True, kw_only=True)
class Mapping:
    """What one idea of the Bradford years became: then, the bridge (2020-22), now, and what
    it means for the lessons, with source keys."""

    idea: str
    then: str
    bridge: str
    now: str
    lesson: str
    sources: tuple[str, ...]


THEN_AND_NOW: tuple[Mapping, ...] = (
    Mapping(
        idea="Who commissions",
        then="Three CCGs sharing one staff team, merged on 1 April 2020",
        bridge="CCGs agree the first contracts of 2022/23",
        now="One West Yorkshire ICB, with Bradford District and Craven as one of its places",
        lesson="The convener changed; someone still has to hold the partners' table (lesson 1)",
        sources=("R4", "R5", "R155", "R150", "R151")),
    Mapping(
        idea="How hospitals are paid",
        then="National tariff with the marginal rate for emergency admissions; Bradford's "
             "fixed-income contracts; the 2019/20 blended payment",
        bridge="Block contracts for every provider",
        now="Aligned payment and incentive: a fixed element, elective activity at unit prices; "
            "low volume blocks; a blended payment for urgent and emergency care proposed for "
            "2026/27",
        lesson="Fixed income came back as one element of the contract, not the whole of it "
               "(lessons 2 and 4)",
        sources=("R49", "R2", "R62", "R47", "R69", "R71", "R141")),
    Mapping(
        idea="The system's target",
        then="A system control total: the sum of the organisations' control totals, with "
             "sustainability funds tied to them",
        bridge="System funding envelopes: break even as a system",
        now="Statutory duties on the ICB and its partner trusts, a system financial plan, "
            "deficit support to be withdrawn",
        lesson="The target became law; the cushion is being taken away (lessons 3 and 4)",
        sources=("R95", "R94", "R48", "R156", "R157", "R158", "R160")),
    Mapping(
        idea="Sharing risk",
        then="Risk pooled by agreement: no winners and losers",
        bridge="Surpluses and deficits within a system by mutual agreement",
        now="Local risk-share agreements; no national template was found in the kit's sources",
        lesson="The partners still write their own rule: lesson 3's risk share is one shape of it",
        sources=("R1", "R48", "R75", "R77")),
)


# --------------------------------------------------------------------------- mixed eras

_CCG = re.compile(r"\bCCGs?\b|clinical commissioning group", re.IGNORECASE)


def ccg_commissioners(system: System | None) -> list[str]:
    """The names of the system's commissioners that are clinical commissioning groups (by
    name), which gave way to integrated care boards on 1 July 2022."""
    if system is None:
        return []
    orgs = system.organisations
    names = orgs.loc[orgs.kind == "commissioner", "name"].astype(str)
    return [n for n in names if _CCG.search(n)]


def era_note(system: System | None, preset: object) -> str | None:
    """Plain words saying that a preset of another era runs here as a thought experiment,
    or ``None`` for a rule of the Bradford years (and for a custom mapping).

    A later rule (``PRESET_INFO[...].era == "later"``) runs on this system's organisations
    and its incentive funds, which are shaped like the sustainability funds of 2016/17 to
    2019/20; the note names what the system holds that the rule never met. The teaching
    extreme gets a note of its own.
    """
    info = PRESET_INFO.get(preset) if isinstance(preset, str) else None
    if info is None or info.era == "bradford":
        return None
    name = re.sub(r"\s*\(.*\)\s*$", "", info.label)  # the label without its years
    if info.era == "teaching":
        return (f"A teaching extreme. {name} was never the whole rule in any year: from "
                "2010/11 to 2018/19 emergency admissions above a baseline were paid at a "
                "marginal rate.")
    held = []
    ccgs = ccg_commissioners(system)
    if ccgs:
        many = "s" if len(ccgs) > 1 else ""
        held.append(f"its commissioner{many} {'are' if many else 'is a'} clinical "
                    f"commissioning group{many}, which gave way to integrated care boards on "
                    f"{ICB_START}" + (" (three months into 2022/23)" if info.name == "api_2022"
                                      else ""))
    funds = (system is None
             or float(system.organisations.incentive_fund_gbp_m.fillna(0).sum()) > 0)
    if funds:
        held.append("its incentive funds are shaped like the sustainability funds of 2016/17 "
                    "to 2019/20, which had ended before this rule began")
    what = ("; ".join(held) if held else
            "its figures are illustrative and the rule's years are not the system's")
    return (f"Thought experiment. {name} is a rule of {info.years}. Here it runs on this "
            f"system as loaded: {what}. Read it as what the later rule would have done to "
            "this system, not as what happened.")


def lead_and_rest(note: str) -> tuple[str, str]:
    """A note's first sentence (to set in bold) and the rest.

    >>> lead_and_rest("Thought experiment. The rest.")
    ('Thought experiment.', ' The rest.')
    """
    lead, _, rest = note.partition(". ")
    return lead + ".", " " + rest if rest else ""
