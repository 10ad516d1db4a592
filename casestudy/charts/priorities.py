"""Lesson 1's charts: who pays for a portfolio of shared schemes and who gains; the best
portfolio against the number of priorities; the leadership load against capacity.

Each comes as a ``*_figure`` (data, summary and how to draw them; what panels use) and a
``*_chart`` (the altair chart itself). No model arithmetic: every number comes from
:mod:`casestudy.fundamentals` or :mod:`casestudy.priorities`.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..scenario import mid_sentence
from .style import (
    KIND_COLOURS,
    KIND_LABELS,
    LABELS,
    SERIES_COLOURS,
    WIDTH,
    Figure,
    kind_colour,
    money,
)

PAYS = "Pays for the schemes"
ACTIVITY = "Gains or loses as activity changes"
BEST = "Best portfolio of each size"
YOURS = "Your choice"


def who_gains_figure(table: pd.DataFrame, payment_label: str,
                     chart_title: str | None = None) -> Figure:
    """Each organisation's expected net benefit from the chosen schemes, split in two.

    ``table`` is :func:`casestudy.fundamentals.portfolio_by_organisation`. The lighter bar
    is what the organisation pays for the schemes (below zero), the darker one what it
    gains or loses as the activity changes; the black tick is its net benefit.
    """
    # Plain numpy and lists: this runs on every click, and pandas' reshaping costs milliseconds.
    names = table["name"].to_numpy()
    kinds = table["kind"].to_numpy()
    benefit = table["benefit_gbp_m"].to_numpy()
    paid = table["pays_gbp_m"].to_numpy()
    count = len(table)
    labels = [KIND_LABELS[k] for k in kinds]
    long = pd.DataFrame({
        "org_id": np.concatenate([table.index.to_numpy()] * 2),
        "name": np.concatenate([names] * 2),
        "kind": np.concatenate([kinds] * 2),
        "kind_label": labels * 2,
        "benefit_gbp_m": np.concatenate([benefit] * 2),
        "part": [PAYS] * count + [ACTIVITY] * count,
        # What an organisation pays is a cost: drawn below zero (a sign flip for the picture).
        "value_gbp_m": np.concatenate([-paid, table["activity_effect_gbp_m"].to_numpy()]),
    })
    payers = [i for i in np.argsort(-paid) if paid[i] > 1e-9]
    winner, loser = int(np.argmax(benefit)), int(np.argmin(benefit))
    if not payers:
        summary = "No schemes are chosen, so nobody pays and nobody gains."
    else:
        summary = (f"Under {mid_sentence(payment_label)}, "
                   + ", ".join(f"{names[i]} pays {money(paid[i])}" for i in payers)
                   + f"; {names[winner]} gains most ({money(benefit[winner])} net)"
                   + (f" and {names[loser]} loses most ({money(benefit[loser])} net)."
                      if benefit[loser] < -1e-9 else "; nobody loses."))
    shape = (tuple(names), tuple(dict.fromkeys(kinds)))

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("name:N", sort=list(shape[0]), title=None)
        # What it pays is outlined with a pale fill (a faded colour would pass for another
        # kind's: faded dark blue looks like the community trusts' sky blue).
        bars = alt.Chart().mark_bar(height=16, strokeWidth=1.5).encode(
            y=y,
            x=alt.X("value_gbp_m:Q", title=LABELS["benefit_gbp_m"], stack="zero"),
            color=kind_colour(kinds=list(shape[1])),
            stroke=kind_colour(legend=False, kinds=list(shape[1])),
            fillOpacity=alt.FillOpacity(
                "part:N", scale=alt.Scale(domain=[ACTIVITY, PAYS], range=[1.0, 0.12]),
                title="Bar", legend=alt.Legend(orient="bottom", columns=1)),
            order=alt.Order("part:N", sort="descending"),
            tooltip=[alt.Tooltip("name:N", title="Organisation"), alt.Tooltip("part:N", title="Part"),
                     alt.Tooltip("value_gbp_m:Q", title="£m", format=",.2f"),
                     alt.Tooltip("benefit_gbp_m:Q", title="Net benefit (£m)", format=",.2f")],
        )
        net = alt.Chart().mark_tick(color="black", thickness=3, size=22).encode(
            y=y, x="benefit_gbp_m:Q")
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        return alt.layer(bars, net, zero, data=data).properties(
            width=WIDTH, height=max(160, 26 * len(shape[0])))

    key = "Black tick: net benefit. Outlined bar: what it pays for the schemes."
    # With nothing chosen every bar is zero: say so, or the chart looks broken.
    return Figure(long, summary, draw, shape, chart_title,
                  key if payers else "No schemes chosen yet, so every organisation is at "
                                     "zero. " + key)


def who_gains_chart(table: pd.DataFrame, payment_label: str,
                    chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`who_gains_figure`."""
    return who_gains_figure(table, payment_label, chart_title).chart()


def portfolio_size_figure(best: pd.DataFrame, chosen_size: int, chosen_benefit_gbp_m: float,
                          chosen_names: str = "", chart_title: str | None = None) -> Figure:
    """The best portfolio's expected NHS benefit against the number of priorities, with the
    learner's own choice marked.

    ``best`` is :func:`casestudy.priorities.best_portfolios` (one row per size).
    """
    curve = pd.DataFrame({
        "size": best["size"].to_numpy(),
        "nhs_benefit_gbp_m": best["nhs_benefit_gbp_m"].to_numpy(),
        "names": best["names"].to_numpy(),
        "load": best["load"].to_numpy(),
        "delivery_share": best["delivery_share"].to_numpy(),
        "series": BEST,
    })
    mine = pd.DataFrame({"size": [chosen_size], "nhs_benefit_gbp_m": [chosen_benefit_gbp_m],
                         "names": [chosen_names or "none"], "load": [float("nan")],
                         "delivery_share": [float("nan")], "series": [YOURS]})
    data = pd.concat([curve, mine], ignore_index=True)
    top = best.loc[best["nhs_benefit_gbp_m"].idxmax()]
    everything = best.iloc[-1]
    summary = (f"The best portfolio has {int(top['size'])} schemes ({top['names']}), expected to "
               f"benefit the NHS system by {money(top.nhs_benefit_gbp_m)}; the best of "
               f"{int(everything['size'])} schemes gives {money(everything.nhs_benefit_gbp_m)}. "
               f"Your {chosen_size} scheme{'s' if chosen_size != 1 else ''} give "
               f"{money(chosen_benefit_gbp_m)}.")
    shape = (len(best),)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        colour = alt.Color("series:N", title=None,
                           scale=alt.Scale(domain=[BEST, YOURS],
                                           range=[SERIES_COLOURS["best"], SERIES_COLOURS["chosen"]]),
                           legend=alt.Legend(orient="bottom"))
        x = alt.X("size:Q", title=LABELS["size"], scale=alt.Scale(domain=[0, shape[0]]),
                  axis=alt.Axis(tickMinStep=1, format="d"))
        y = alt.Y("nhs_benefit_gbp_m:Q", title=LABELS["nhs_benefit_gbp_m"])
        tooltip = [alt.Tooltip("series:N", title=" "), alt.Tooltip("size:Q", title="Schemes"),
                   alt.Tooltip("names:N", title="Which"),
                   alt.Tooltip("nhs_benefit_gbp_m:Q", title="£m", format=",.2f"),
                   alt.Tooltip("load:Q", title="Leadership load", format=",.1f")]
        line = alt.Chart().mark_line(point=True, strokeWidth=2).encode(
            x=x, y=y, color=colour, tooltip=tooltip).transform_filter(alt.datum.series == BEST)
        yours = alt.Chart().mark_point(shape="diamond", size=260, filled=True, opacity=1).encode(
            x=x, y=y, color=colour, tooltip=tooltip).transform_filter(alt.datum.series == YOURS)
        zero = alt.Chart().mark_rule(color="#333333").encode(y=alt.datum(0))
        return alt.layer(zero, line, yours, data=data).properties(width=WIDTH, height=240)

    return Figure(data, summary, draw, shape, chart_title)


def portfolio_size_chart(best: pd.DataFrame, chosen_size: int, chosen_benefit_gbp_m: float,
                         chosen_names: str = "", chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`portfolio_size_figure`."""
    return portfolio_size_figure(best, chosen_size, chosen_benefit_gbp_m, chosen_names,
                                 chart_title).chart()


def leadership_load_figure(schemes: pd.DataFrame, capacity: float, lead_kinds: list[str],
                           chart_title: str | None = None) -> Figure:
    """The chosen schemes' leadership load, stacked, against the partners' capacity.

    ``schemes`` is :attr:`casestudy.fundamentals.Memorandum.schemes` joined to the kind of
    each scheme's lead (column ``kind``); ``lead_kinds`` fixes the colour legend (the kinds
    of every scheme's lead in the system), so the chart keeps its shape as schemes change.
    """
    if len(schemes):
        names = list(schemes["name"])
        loads = schemes["leadership_load"].to_numpy(dtype=float)
        row_kinds = list(schemes["kind"])
    else:
        names, loads, row_kinds = ["none chosen"], np.zeros(1), [lead_kinds[0]]
    data = pd.DataFrame({"name": names, "load": loads, "kind": row_kinds,
                         "kind_label": [KIND_LABELS[k] for k in row_kinds], "row": "Your schemes",
                         "capacity": float(capacity)})
    total = float(loads.sum())
    verdict = ("within" if total <= capacity else "over")
    summary = (f"The chosen schemes need {total:g} units of leadership against a capacity of "
               f"{capacity:g}: {verdict} capacity.")
    kinds = list(lead_kinds)
    shape = tuple(kinds)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("row:N", title=None)
        bars = alt.Chart().mark_bar(height=28, stroke="white", strokeWidth=1).encode(
            y=y, x=alt.X("load:Q", title=LABELS["load"], stack="zero"),
            color=alt.Color("kind_label:N", title="Led by",
                            scale=alt.Scale(domain=[KIND_LABELS[k] for k in kinds],
                                            range=[KIND_COLOURS[k] for k in kinds]),
                            legend=alt.Legend(orient="bottom", columns=3)),
            tooltip=[alt.Tooltip("name:N", title="Scheme"), alt.Tooltip("load:Q", title="Load"),
                     alt.Tooltip("kind_label:N", title="Led by")])
        limit = alt.Chart().mark_rule(color="black", strokeWidth=3).encode(
            x=alt.X("max(capacity):Q"), tooltip=[alt.Tooltip("max(capacity):Q", title="Capacity")])
        label = alt.Chart().mark_text(align="left", dx=5, dy=-24, fontSize=13).encode(
            x="max(capacity):Q", text=alt.value("capacity"))
        return alt.layer(bars, limit, label, data=data).properties(width=WIDTH, height=60)

    return Figure(data, summary, draw, shape, chart_title,
                  "Black line: the partners' leadership capacity.")


def leadership_load_chart(schemes: pd.DataFrame, capacity: float, lead_kinds: list[str],
                          chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`leadership_load_figure`."""
    return leadership_load_figure(schemes, capacity, lead_kinds, chart_title).chart()

