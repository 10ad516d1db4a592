"""Chart builders: each takes a tidy frame from the model and returns an altair chart.

No model arithmetic here: every number drawn comes from the engine. One colour per kind
of organisation (colour-blind safe), £m in every money axis title, and a one-sentence
summary on every chart (``summary_of(chart)``) for screen readers.
"""

from .behaviours import (
                         contracting_chart,
                         contracting_figure,
                         gain_share_chart,
                         gain_share_figure,
                         shift_by_rule_chart,
                         shift_by_rule_figure,
)
from .bridge import bridge_chart, bridge_figure
from .compare import (
                         team_outcomes_chart,
                         team_outcomes_figure,
                         team_positions_chart,
                         team_positions_figure,
)
from .distribution import distribution_chart, distribution_figure, spread_chart, spread_figure
from .electives import shortfall_chart, shortfall_figure
from .incentive import incentive_chart, incentive_figure
from .place import (
                         boundary_chart,
                         boundary_figure,
                         organisation_change_chart,
                         organisation_change_figure,
                         vcs_test_chart,
                         vcs_test_figure,
)
from .positions import (
                         flows_chart,
                         flows_figure,
                         income_cost_chart,
                         income_cost_figure,
                         positions_chart,
                         positions_figure,
)
from .priorities import (
                         leadership_load_chart,
                         leadership_load_figure,
                         portfolio_size_chart,
                         portfolio_size_figure,
                         who_gains_chart,
                         who_gains_figure,
)
from .reserves import reserves_chart, reserves_figure
from .sandbox import ab_positions_chart, ab_positions_figure, ab_years_chart, ab_years_figure
from .style import (
                         KIND_COLOURS,
                         KIND_LABELS,
                         LABELS,
                         Figure,
                         LiveSpec,
                         money,
                         summary_of,
                         title,
                         use_offline_renderer,
)
from .years import holders_chart, holders_figure, years_chart, years_figure

__all__ = [
    "KIND_COLOURS", "KIND_LABELS", "LABELS", "Figure", "LiveSpec", "bridge_chart", "bridge_figure",
    "flows_chart", "flows_figure", "incentive_chart", "incentive_figure", "income_cost_chart",
    "income_cost_figure", "money", "positions_chart", "positions_figure", "reserves_chart",
    "reserves_figure", "summary_of", "title", "use_offline_renderer",
    "leadership_load_chart", "leadership_load_figure", "portfolio_size_chart",
    "portfolio_size_figure", "who_gains_chart", "who_gains_figure",
    "contracting_chart", "contracting_figure", "gain_share_chart", "gain_share_figure",
    "shift_by_rule_chart", "shift_by_rule_figure",
    "distribution_chart", "distribution_figure", "spread_chart", "spread_figure",
    "shortfall_chart", "shortfall_figure", "holders_chart", "holders_figure", "years_chart",
    "years_figure",
    "team_outcomes_chart", "team_outcomes_figure", "team_positions_chart", "team_positions_figure",
    "boundary_chart", "boundary_figure", "organisation_change_chart", "organisation_change_figure",
    "vcs_test_chart", "vcs_test_figure",
    "ab_positions_chart", "ab_positions_figure", "ab_years_chart", "ab_years_figure",
]
