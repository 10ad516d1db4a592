"""The one definition of the data tables: columns, types, units and allowed values.

The loader validates against it, and the CSV and Excel templates are written from it,
so the two can never drift apart.

>>> [c.name for c in TABLES["organisations"].columns][:3]
['org_id', 'name', 'kind']
>>> TABLES["service_lines"].column("demand_growth").allowed()
'a number from -0.5 to 0.5'
>>> TABLES["organisations"].column("cost_base_gbp_m").allowed()
'a number from 0 to 100,000'
>>> [row["org_id"] for row in TABLES["organisations"].example_rows()]
['acute_a', 'icb']
"""

from __future__ import annotations

from dataclasses import dataclass, field

ORG_KINDS = (
    "commissioner",
    "acute",
    "community_mental_health",
    "primary_care",
    "local_authority",
    "voluntary",
    "care_provider",
)
# Kinds that may pay for a service line: NHS commissioners, and councils (adult social care, VCS grants).
PAYER_KINDS = ("commissioner", "local_authority")
SERVICES = (
    "elective",
    "non_elective",
    "outpatient",
    "a_and_e",
    "community",
    "mental_health",
    "social_care",
    "voluntary_support",
)
EVIDENCE_LEVELS = ("strong", "moderate", "weak")

# Limits no real figure reaches (assumptions, stated in data/README.md): they catch a figure
# in the wrong unit, and they keep every sum the engine makes finite. A whole integrated care
# system spends about £5.5bn a year (West Yorkshire and Harrogate, 2020: R12); no organisation's
# money comes near £100bn (£100,000m). The largest line payment is then £10m x 1bn units =
# £1e16, and 50,000 lines sum to about 1e21 pounds: far inside a float's 1e308.
MAX_MONEY_GBP_M = 100_000.0
MAX_UNIT_PRICE_GBP = 10_000_000.0  # £10m for one unit of activity
MAX_ACTIVITY = 1_000_000_000.0  # a billion units a year
# Rows a table may hold: about 4 times the largest system tried (500 organisations, 20,000
# service lines); beyond, a file is more likely a wrong one (or a hostile one) than a system.
MAX_ID_CHARS = 64  # an identifier is a short name: a longer one is a mistake (or a payload)
MAX_ORGANISATIONS = 2_000
MAX_SERVICE_LINES = 50_000
MAX_SCHEMES = 200
MAX_SCHEME_EFFECTS = 5_000


@dataclass(frozen=True, kw_only=True)
class Column:
    """One column of a data table."""

    name: str
    kind: str  # "id", "text", "number", "share", "bool", "choice", "ref"
    unit: str = ""
    help: str = ""
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    refers_to: str = ""  # for "ref": the table whose id this names
    example: object = None

    def allowed(self) -> str:
        """The allowed values, in words, for error messages and the template's notes."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "TRUE or FALSE"
        if self.kind in ("id", "ref"):
            extra = f" naming a row of {self.refers_to}" if self.refers_to else ""
            return (f"a lowercase identifier (letters, digits, _; at most {MAX_ID_CHARS} "
                    "characters)" + extra)
        if self.kind in ("number", "share"):
            low = "" if self.minimum is None else _number(self.minimum)
            high = "" if self.maximum is None else _number(self.maximum)
            if low and high:
                return f"a number from {low} to {high}"
            if low:
                return f"a number of at least {low}"
            if high:
                return f"a number of at most {high}"
            return "a number"
        return "text"

    def note(self) -> str:
        """The column's note for a spreadsheet user: meaning, unit, allowed values.

        >>> print(TABLES["schemes"].column("evidence").note())
        Strength of evidence that it changes activity.
        Allowed: one of strong, moderate, weak.
        Required.
        """
        lines = [self.help.rstrip(".") + "."] if self.help else []
        if self.unit:
            lines.append(f"Unit: {self.unit}.")
        lines.append(f"Allowed: {self.allowed()}.")
        lines.append("Required." if self.required else "Optional: may be left blank.")
        return "\n".join(lines)


@dataclass(frozen=True, kw_only=True)
class Table:
    name: str
    file: str
    help: str
    columns: tuple[Column, ...] = field(default_factory=tuple)
    key: str = ""  # the column whose values must be unique (an id other tables name)
    unique_together: tuple[str, ...] = ()  # columns that may not repeat together in two rows
    # Further example rows for the template, beyond the one built from the columns' examples,
    # so that the template is a small system that loads (a payer needs a row of its own).
    more_examples: tuple[dict[str, object], ...] = ()
    max_rows: int = 1_000  # more rows than this are refused (a file this long is not a system)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def example_rows(self) -> list[dict[str, object]]:
        """The template's example rows: the columns' examples, then ``more_examples``."""
        first = {c.name: c.example for c in self.columns}
        return [first] + [{c.name: row.get(c.name) for c in self.columns}
                          for row in self.more_examples]


def _number(value: float) -> str:
    """A limit as a reader writes it: 100,000 and 1,000,000,000, not 1e+05; 0.5 as 0.5."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _money(name: str, help: str, example: float, required: bool = True) -> Column:
    return Column(
        name=name, kind="number", unit="£ million", help=help, minimum=0.0,
        maximum=MAX_MONEY_GBP_M, required=required, example=example,
    )


def _share(name: str, help: str, example: float, required: bool = True) -> Column:
    return Column(
        name=name, kind="share", unit="fraction 0-1", help=help, minimum=0.0, maximum=1.0,
        required=required, example=example,
    )


ORGANISATIONS = Table(
    name="organisations",
    file="organisations.csv",
    key="org_id",
    max_rows=MAX_ORGANISATIONS,
    help="One row per organisation: NHS commissioners and providers, the council, the voluntary sector.",
    columns=(
        Column(name="org_id", kind="id", help="Short lowercase identifier", example="acute_a"),
        Column(name="name", kind="text", help="Name shown to learners", example="Example Hospitals NHS FT"),
        Column(name="kind", kind="choice", choices=ORG_KINDS, help="What sort of organisation",
               example="acute"),
        Column(name="in_nhs_control_total", kind="bool",
               help="TRUE if the organisation counts towards the NHS system control total",
               example=True),
        _money("allocation_gbp_m", "Funding received outside the modelled contracts "
               "(a commissioner's allocation, a council's social care budget)", 0.0),
        _money("other_spend_gbp_m", "Spending outside the modelled contracts "
               "(prescribing, primary care, continuing care, running costs)", 0.0),
        _money("cost_base_gbp_m", "Cost of delivering the planned activity at last year's prices", 130.0),
        _share("fixed_share", "Share of the cost base that does not move with activity "
               "(estate, equipment, overheads)", 0.35, required=False),
        _share("semi_fixed_share", "Share that moves only when capacity (wards, rotas) is "
               "added or taken out", 0.40, required=False),
        _share("variable_share", "Share that moves with each unit of activity "
               "(drugs, consumables)", 0.25, required=False),
        _money("other_income_gbp_m", "Income outside the modelled contracts (specialised "
               "commissioning, education and training, grants)", 10.5),
        Column(name="control_total_gbp_m", kind="number", unit="£ million",
               minimum=-MAX_MONEY_GBP_M, maximum=MAX_MONEY_GBP_M, help="The position (income minus spending, before incentive funds) the "
                    "organisation has agreed to reach; negative is an agreed deficit",
               example=0.0),
        _money("incentive_fund_gbp_m", "Incentive (sustainability) fund the organisation can "
               "earn by meeting its control total", 0.0, required=False),
    ),
    more_examples=(
        {"org_id": "icb", "name": "Example Integrated Care Board", "kind": "commissioner",
         "in_nhs_control_total": True, "allocation_gbp_m": 140.0, "other_spend_gbp_m": 29.5,
         "cost_base_gbp_m": 0.0, "other_income_gbp_m": 0.0, "control_total_gbp_m": 0.0,
         "incentive_fund_gbp_m": 0.0},
    ),
)

SERVICE_LINES = Table(
    name="service_lines",
    file="service_lines.csv",
    help="One row per provider, payer and service: the activity a commissioner buys.",
    unique_together=("provider_id", "payer_id", "service"),
    max_rows=MAX_SERVICE_LINES,
    columns=(
        Column(name="provider_id", kind="ref", refers_to="organisations", help="Who delivers",
               example="acute_a"),
        Column(name="payer_id", kind="ref", refers_to="organisations",
               help="Who pays: a commissioner or a council", example="icb"),
        Column(name="service", kind="choice", choices=SERVICES, help="Point of delivery",
               example="non_elective"),
        Column(name="planned_activity", kind="number", unit="units a year", minimum=0.0,
               maximum=MAX_ACTIVITY,
               help="Last year's activity, before this year's demand growth "
                    "(spells, attendances, contacts, packages)", example=40000),
        Column(name="unit_price_gbp", kind="number", unit="£ per unit", minimum=0.0,
               maximum=MAX_UNIT_PRICE_GBP,
               help="Price of one unit last year (tariff or local price)", example=2600),
        Column(name="demand_growth", kind="number", unit="fraction a year", minimum=-0.5,
               maximum=0.5, help="Planned growth in demand this year (0.03 = 3%)", example=0.03),
        Column(name="demand_cv", kind="number", unit="fraction", minimum=0.0, maximum=1.0,
               help="Spread of actual demand around plan (coefficient of variation)",
               example=0.04),
    ),
)

SCHEMES = Table(
    name="schemes",
    file="schemes.csv",
    key="scheme_id",
    max_rows=MAX_SCHEMES,
    help="One row per shared change the partners may invest in.",
    columns=(
        Column(name="scheme_id", kind="id", help="Short lowercase identifier", example="frailty"),
        Column(name="name", kind="text", help="Name shown to learners", example="Frailty service"),
        Column(name="funder_id", kind="ref", refers_to="organisations",
               help="Who pays for the scheme", example="icb"),
        Column(name="deliverer_id", kind="ref", refers_to="organisations",
               help="Who runs the scheme (and spends its cost)", example="acute_a"),
        _money("cost_gbp_m", "Recurrent cost a year at full running", 1.0),
        Column(name="years_to_full_effect", kind="number", unit="years", minimum=1.0,
               maximum=10.0, help="Years until the scheme reaches its full effect", example=2),
        Column(name="evidence", kind="choice", choices=EVIDENCE_LEVELS,
               help="Strength of evidence that it changes activity", example="moderate"),
        _share("delivery_probability", "Chance the scheme delivers its effect when it has "
               "the leadership it needs", 0.6),
        Column(name="leadership_load", kind="number", unit="units of leadership capacity",
               minimum=0.0, maximum=20.0,
               help="How much senior leadership time it takes", example=2),
    ),
)

SCHEME_EFFECTS = Table(
    name="scheme_effects",
    file="scheme_effects.csv",
    help="One row per scheme and service line it changes.",
    unique_together=("scheme_id", "provider_id", "service"),
    max_rows=MAX_SCHEME_EFFECTS,
    columns=(
        Column(name="scheme_id", kind="ref", refers_to="schemes", help="The scheme",
               example="frailty"),
        Column(name="provider_id", kind="ref", refers_to="organisations",
               help="Provider whose activity changes", example="acute_a"),
        Column(name="service", kind="choice", choices=SERVICES, help="Service whose activity changes",
               example="non_elective"),
        Column(name="activity_change", kind="number", unit="fraction of planned activity",
               minimum=-1.0, maximum=1.0,
               help="Change at full effect (-0.03 = 3% fewer units)", example=-0.03),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (ORGANISATIONS, SERVICE_LINES, SCHEMES, SCHEME_EFFECTS)
}
COST_SHARES = ("fixed_share", "semi_fixed_share", "variable_share")
