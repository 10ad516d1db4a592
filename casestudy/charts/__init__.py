"""Chart builders: each takes a tidy frame from the model and returns an altair chart.

No model arithmetic here: every number drawn comes from the engine. One colour per kind
of organisation (colour-blind safe), £m in every money axis title, and a one-sentence
summary on every chart (``summary_of(chart)``) for screen readers.
"""

from .positions import (flows_chart, flows_figure, income_cost_chart, income_cost_figure,
                        positions_chart, positions_figure)
from .priorities import (leadership_load_chart, leadership_load_figure, portfolio_size_chart,
                         portfolio_size_figure, who_gains_chart, who_gains_figure)
from .style import (KIND_COLOURS, KIND_LABELS, LABELS, Figure, LiveSpec, money, summary_of,
                    title, use_offline_renderer)

__all__ = [
    "KIND_COLOURS", "KIND_LABELS", "LABELS", "Figure", "LiveSpec", "flows_chart", "flows_figure",
    "income_cost_chart", "income_cost_figure", "money", "positions_chart", "positions_figure",
    "summary_of", "title", "use_offline_renderer",
    "leadership_load_chart", "leadership_load_figure", "portfolio_size_chart",
    "portfolio_size_figure", "who_gains_chart", "who_gains_figure",
]
