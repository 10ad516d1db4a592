"""The incentive fund each NHS organisation could earn against what it receives.

The frame comes from :func:`casestudy.governance.incentive_linkage`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

if TYPE_CHECKING:
    from ..governance import Linkage

from ..formats import money
from .style import SERIES_COLOURS, WIDTH, Figure, kind_colour, with_kind_label

INCENTIVE_AXIS = "Incentive fund (£m)"


def incentive_figure(facts: Linkage, chart_title: str | None = None) -> Figure:
    """A pale bar for the fund each NHS organisation could earn, a solid bar (its kind's
    colour) for what it receives, and a note of who missed its own control total.

    ``facts`` is :func:`casestudy.governance.linkage`; the summary quotes its sums.
    """
    data = with_kind_label(facts.table[["org_id", "name", "kind", "fund_available_gbp_m",
                                        "fund_received_gbp_m", "fund_lost_to_linkage_gbp_m",
                                        "met_control_total"]])
    data["label"] = [("no fund" if a <= 0 else f"{money(r)} of {money(a)}")
                     + ("" if met else " (missed)")
                     for r, a, met in zip(data.fund_received_gbp_m, data.fund_available_gbp_m,
                                          data.met_control_total)]
    missed = list(data.loc[~data.met_control_total, "name"])
    summary = (f"Incentive funds: {money(facts.received_gbp_m)} received of "
               f"{money(facts.available_gbp_m)} available; "
               + (f"{', '.join(missed)} missed their own control total" if missed
                  else "every NHS organisation met its own control total")
               + (f"; partners that met theirs lost {money(facts.lost_gbp_m)} through the "
                  "system linkage." if facts.lost_gbp_m > 0 else "."))
    shape = (tuple(data.name), tuple(dict.fromkeys(data.kind)))

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("name:N", sort=list(shape[0]), title=None)
        available = alt.Chart().mark_bar(height=22, color=SERIES_COLOURS["baseline"],
                                         opacity=0.35).encode(
            y=y, x=alt.X("fund_available_gbp_m:Q", title=INCENTIVE_AXIS),
            tooltip=[alt.Tooltip("name:N", title="Organisation"),
                     alt.Tooltip("fund_available_gbp_m:Q", title="Could earn (£m)", format=",.2f"),
                     alt.Tooltip("fund_received_gbp_m:Q", title="Receives (£m)", format=",.2f")])
        received = alt.Chart().mark_bar(height=12).encode(
            y=y, x="fund_received_gbp_m:Q", color=kind_colour(kinds=list(shape[1])))
        labels = alt.Chart().mark_text(align="left", dx=4, fontSize=12).encode(
            y=y, x="fund_available_gbp_m:Q", text="label:N")
        return alt.layer(available, received, labels, data=data).properties(
            width=WIDTH - 160, height=max(120, 30 * len(shape[0])))

    return Figure(data, summary, draw, shape, chart_title or "Incentive fund received",
                  "Pale bar: the fund it could earn. Solid bar: what it receives. "
                  "(missed): missed its own control total.")


def incentive_chart(facts: Linkage, chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`incentive_figure`."""
    return incentive_figure(facts, chart_title).chart()

