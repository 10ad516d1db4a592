"""The Bradford kit: fixed-income contracts and a system control total, as a small model.

>>> import casestudy as cs
>>> year = cs.run_year(cs.load_system(), cs.Scenario.preset("fixed_income"))
>>> sorted(year.system.index)
['nhs', 'place']
"""

import sys

# altair imports jsonschema, whose format checkers import rfc3987_syntax when it is installed
# (jupyter-events asks for it). That module compiles 38 lark grammars at import: 2 s alone,
# 8-13 s in a kernel here, on every lesson's first cell. The kit never validates an IRI, so
# jsonschema is told the module is absent, and skips only its "iri" format check.
# (python-jsonschema/jsonschema#1392 and #1521; drop this once a lazy version is released.)
if "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]

from .behaviours import (
    GainShare,
    Shift,
    contracting,
    gain_share,
    shift_by_rule,
    shift_changes,
    shift_for,
    stranded_cost,
)
from .compare import compare_teams
from .contracts import ActivityBased, Blended, CapAndCollar, FixedIncome, MarginalRate
from .engine import YearResult, run_year
from .errors import DataError, ScenarioError
from .fundamentals import Memorandum, memorandum, portfolio_by_organisation
from .governance import bridge, bridge_table, incentive_linkage, reserve_draws
from .incentives import (
    PresetDraws,
    break_even_elective_rate,
    elective_shortfall,
    largest_acute_trust,
    main_commissioner,
)
from .place import boundary_change, social_care_knock_on, vcs_schemes, vcs_test
from .priorities import best_portfolios, portfolio, scheme_table
from .projection import project, project_by_preset, system_totals
from .risk import contingency_reserves, risk_by_preset, simulate
from .scenario import BRADFORD_PRESETS, PRESET_INFO, PRESETS, Scenario, field_info
from .system import System, check_system, load_system
from .workshop import from_code, load_scenario, save_scenario, scenario_code

__version__ = "0.1.0"
__all__ = [
    "ActivityBased", "Blended", "CapAndCollar", "FixedIncome", "MarginalRate",
    "BRADFORD_PRESETS", "DataError", "PRESET_INFO", "PRESETS", "Scenario", "ScenarioError", "System", "YearResult",
    "check_system", "field_info", "load_system", "run_year",
    "contingency_reserves", "project", "project_by_preset", "risk_by_preset", "simulate", "system_totals",
    "best_portfolios", "portfolio", "scheme_table",
    "from_code", "load_scenario", "save_scenario", "scenario_code", "compare_teams",
    "bridge", "bridge_table", "incentive_linkage", "reserve_draws",
    "boundary_change", "social_care_knock_on", "vcs_schemes", "vcs_test",
    "Memorandum", "memorandum", "portfolio_by_organisation",
    "GainShare", "Shift", "contracting", "gain_share", "shift_by_rule", "shift_changes",
    "shift_for", "stranded_cost",
    "PresetDraws", "break_even_elective_rate", "elective_shortfall", "largest_acute_trust",
    "main_commissioner",
]
