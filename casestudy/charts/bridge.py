"""The shared financial picture: a bridge (waterfall) from last year's underlying position
to this year's reported plan.

The frame comes from :func:`casestudy.governance.bridge`: each step already carries its
start and end, so the chart draws bars from one to the other and computes nothing.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .style import SERIES_COLOURS, WIDTH, Figure, money

# Increases blue, decreases vermilion, totals grey: never red against green.
CHANGE_COLOURS = {"Total": SERIES_COLOURS["baseline"], "Increase": SERIES_COLOURS["reported"],
                  "Decrease": SERIES_COLOURS["underlying"]}
KIND_NAMES = {"total": "Total", "increase": "Increase", "decrease": "Decrease"}
BRIDGE_AXIS = "Position (£m): surplus +, deficit -"


def change_colour(field: str = "kind_label:N", title: str = "Bar") -> alt.Color:
    """The colour encoding of totals, increases and decreases (shared with lesson 5)."""
    return alt.Color(field, title=title,
                     scale=alt.Scale(domain=list(CHANGE_COLOURS), range=list(CHANGE_COLOURS.values())),
                     legend=alt.Legend(orient="bottom"))


def bridge_figure(frame: pd.DataFrame, chart_title: str | None = None) -> Figure:
    """A horizontal waterfall: one bar per step from its start to its end, totals from zero,
    a dashed line at the control total.

    ``frame`` is one entity's bridge (``casestudy.governance.bridge``): columns ``name,
    order, step, start_gbp_m, end_gbp_m, change_gbp_m, kind, control_total_gbp_m``.
    """
    # Plain lists, not pandas operations: this runs on every slider move.
    steps = frame.step.tolist()
    start, end = frame.start_gbp_m.to_numpy(), frame.end_gbp_m.to_numpy()
    change, kinds = frame.change_gbp_m.to_numpy(), frame.kind.tolist()
    control = frame.control_total_gbp_m.to_numpy()
    totals = [k == "total" for k in kinds]
    data = pd.DataFrame({
        "name": frame.name.to_numpy(), "order": frame.order.to_numpy(), "step": steps,
        "start_gbp_m": start, "end_gbp_m": end, "change_gbp_m": change, "kind": kinds,
        "control_total_gbp_m": control,
        "kind_label": [KIND_NAMES[k] for k in kinds],
        "label": [money(e) if t else money(c, signed=True) for t, e, c in zip(totals, end, change)],
        # Labels sit just past the right-hand end of each bar.
        "label_at_gbp_m": np.maximum(start, end),
    })
    name = frame.name.iloc[0]
    moves = sorted(((abs(c), s, c) for s, c, t in zip(steps, change, totals) if not t), reverse=True)
    largest = "; ".join(f"{s} {money(c, signed=True)}" for _, s, c in moves[:3])
    level = dict(zip(steps, end))
    summary = (f"Bridge for {name}: last year's underlying position "
               f"{money(level.get('Last year underlying', 0.0))}; largest steps {largest}; "
               + (f"underlying plan {money(level['Underlying plan'])}; "
                  if "Underlying plan" in level else "")
               + f"reported plan {money(end[-1])} against a control total of "
               f"{money(control[-1])}.")
    shape = (tuple(steps),)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("step:N", sort=list(shape[0]), title=None)
        bars = alt.Chart().mark_bar(height=18).encode(
            y=y,
            x=alt.X("start_gbp_m:Q", title=BRIDGE_AXIS),
            x2="end_gbp_m:Q",
            color=change_colour(),
            tooltip=[alt.Tooltip("step:N", title="Step"),
                     alt.Tooltip("change_gbp_m:Q", title="Change or total (£m)", format="+,.2f"),
                     alt.Tooltip("end_gbp_m:Q", title="Position after the step (£m)", format=",.2f")],
        )
        labels = alt.Chart().mark_text(align="left", dx=4, fontSize=12).encode(
            y=y, x="label_at_gbp_m:Q", text="label:N")
        control = alt.Chart().transform_filter(alt.datum.order == 0).mark_rule(
            color="black", strokeDash=[5, 3], strokeWidth=2).encode(x="control_total_gbp_m:Q")
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        return alt.layer(bars, labels, control, zero, data=data).properties(
            width=WIDTH - 60, height=28 * len(shape[0]))

    return Figure(data, summary, draw, shape,
                  chart_title or "From last year's underlying position to this year's plan",
                  "Dashed line: the control total. Grey bars are totals; the others are steps.")


def bridge_chart(frame: pd.DataFrame, chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`bridge_figure`."""
    return bridge_figure(frame, chart_title).chart()
