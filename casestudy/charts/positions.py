"""Positions by organisation against their control totals, and the money between them.

Each chart comes as a ``*_figure`` (data, summary and how to draw them; what panels use)
and a ``*_chart`` (the altair chart itself).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from .style import LABELS, WIDTH, Figure, kind_colour, money, with_kind_label


def positions_figure(organisations: pd.DataFrame, baseline: pd.DataFrame | None = None,
                     column: str = "position_gbp_m", chart_title: str | None = None,
                     domain: tuple[float, float] | None = None) -> Figure:
    """Bars of each organisation's position, a black tick at its control total, and a
    short grey tick at the baseline's position when one is given.

    ``organisations`` is ``YearResult.organisations`` (indexed by org_id); ``domain`` fixes
    the position axis (£m), so that a move of a slider moves the bars and not the axis.
    """
    data = with_kind_label(organisations.reset_index())
    # The control total is set on the position before incentive funds, so the bar stops
    # there; the fund, when one is paid, is a thin bar from there to the final position.
    with_fund = column == "position_gbp_m" and "position_before_incentive_gbp_m" in data
    keep = ["org_id", "name", "kind", "kind_label", column, "control_total_gbp_m",
            "met_control_total", "in_nhs_control_total"]
    before = data["position_before_incentive_gbp_m"] if with_fund else data[column]
    data = data[[c for c in keep if c in data]]
    data = data.rename(columns={column: "value_gbp_m"})
    data["before_gbp_m"] = before.to_numpy()
    if baseline is not None:
        reference = ("position_before_incentive_gbp_m"
                     if with_fund and "position_before_incentive_gbp_m" in baseline else column)
        data["baseline_gbp_m"] = baseline[reference].reindex(organisations.index).to_numpy()
    nhs = data[data["in_nhs_control_total"]] if "in_nhs_control_total" in data else data
    missed = list(nhs.loc[~nhs["met_control_total"], "name"]) if "met_control_total" in nhs else []
    what = LABELS[column].replace(" (£m)", "").lower()
    summary = (f"The {what} of {len(data)} organisations; the NHS organisations together: "
               f"{money(nhs['value_gbp_m'].sum())} against a control total of "
               f"{money(nhs['control_total_gbp_m'].sum())}; "
               + (f"{len(missed)} miss their control total ({', '.join(missed)})." if missed
                  else "every NHS organisation meets its control total."))
    key = ("Black tick: control total." + (" Thin dark bar: incentive fund received, from before it to after it." if with_fund else "")
           + (" Short grey tick: baseline." if baseline is not None else ""))
    shape = (column, tuple(data["name"]), tuple(dict.fromkeys(data["kind"])), baseline is not None,
             with_fund, tuple(domain) if domain is not None else None)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("name:N", sort=list(shape[1]), title=None)
        bars = alt.Chart().mark_bar(height=16).encode(
            y=y,
            x=alt.X("before_gbp_m:Q", title=LABELS[column],
                    scale=alt.Scale(domain=list(shape[5])) if shape[5] else alt.Undefined),
            color=kind_colour(kinds=list(shape[2])),
            tooltip=[alt.Tooltip("name:N", title="Organisation"),
                     alt.Tooltip("before_gbp_m:Q", format=",.1f", title=LABELS[column]
                                 + (" before incentive fund" if shape[4] else "")),
                     alt.Tooltip("control_total_gbp_m:Q", title=LABELS["control_total_gbp_m"],
                                 format=",.1f")],
        )
        layers = [bars]
        if shape[4]:
            layers.append(alt.Chart().mark_bar(height=5, color="#333333").encode(
                y=y, x="before_gbp_m:Q", x2="value_gbp_m:Q",
                tooltip=[alt.Tooltip("name:N", title="Organisation"),
                         alt.Tooltip("value_gbp_m:Q", title="Position with incentive fund (£m)",
                                     format=",.1f")]))
        layers.append(alt.Chart().mark_tick(color="black", thickness=3, size=22).encode(
            y=y, x="control_total_gbp_m:Q"))
        if shape[3]:
            # Half the control total's height and grey: the two ticks are told apart by
            # size and shade, not by a dash pattern too short to see on a 22 px tick.
            layers.append(alt.Chart().mark_tick(color="#8c8c8c", thickness=3, size=11).encode(
                y=y, x="baseline_gbp_m:Q"))
        layers.append(alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0)))
        return alt.layer(*layers, data=data).properties(width=WIDTH, height=max(160, 26 * len(shape[1])))

    return Figure(data, summary, draw, shape, chart_title, key)


def positions_chart(organisations: pd.DataFrame, baseline: pd.DataFrame | None = None,
                    column: str = "position_gbp_m", chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`positions_figure`."""
    return positions_figure(organisations, baseline, column, chart_title).chart()


def flows_figure(flows: pd.DataFrame, names: pd.Series, chart_title: str | None = None) -> Figure:
    """A grid of money paid: one row per payer, one column per organisation paid.

    ``flows`` is ``YearResult.flows``; ``names`` maps org_id to name.
    """
    data = flows.groupby(["payer_id", "payee_id"], as_index=False).amount_gbp_m.sum()
    data["payer"] = data.payer_id.map(names)
    data["payee"] = data.payee_id.map(names)
    data["label"] = data.amount_gbp_m.map(lambda v: f"{v:,.1f}")
    data["dark"] = data.amount_gbp_m > data.amount_gbp_m.max() / 2
    largest = data.sort_values("amount_gbp_m").iloc[-1] if len(data) else None
    summary = (f"Money paid between {data.payer.nunique()} payers and {data.payee.nunique()} organisations, "
               f"{money(data.amount_gbp_m.sum())} in all"
               + (f"; the largest flow is {largest.payer} to {largest.payee}, {money(largest.amount_gbp_m)}."
                  if largest is not None else "."))
    shape = (tuple(sorted(data.payer.unique())), tuple(sorted(data.payee.unique())))

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        base = alt.Chart().encode(
            x=alt.X("payee:N", title=LABELS["payee"], axis=alt.Axis(labelAngle=-30)),
            y=alt.Y("payer:N", title=None),
        )
        cells = base.mark_rect().encode(
            color=alt.Color("amount_gbp_m:Q", title=LABELS["amount_gbp_m"],
                            scale=alt.Scale(scheme="blues"), legend=alt.Legend(orient="bottom")),
            tooltip=["payer:N", "payee:N", alt.Tooltip("amount_gbp_m:Q", format=",.1f", title="£m")],
        )
        text = base.mark_text(fontSize=13).encode(
            text="label:N",
            color=alt.condition(alt.datum.dark, alt.value("white"), alt.value("black")),
        )
        return alt.layer(cells, text, data=data).properties(width=WIDTH, height=max(120, 34 * len(shape[0])))

    return Figure(data, summary, draw, shape,
                  chart_title or "Money paid (£m): payers in rows, organisations paid in columns")


def flows_chart(flows: pd.DataFrame, names: pd.Series, chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`flows_figure`."""
    return flows_figure(flows, names, chart_title).chart()


def income_cost_figure(organisations: pd.DataFrame, chart_title: str | None = None) -> Figure:
    """Each organisation's income and spending side by side (the system at a glance)."""
    data = with_kind_label(organisations.reset_index())
    long = data.melt(id_vars=["name", "kind", "kind_label"], value_vars=["income_gbp_m", "cost_gbp_m"],
                     var_name="measure", value_name="gbp_m")
    long["measure"] = long.measure.map({"income_gbp_m": "Income", "cost_gbp_m": "Spending"})
    biggest = data.sort_values("income_gbp_m").iloc[-1]
    summary = (f"Planned income and spending of {len(data)} organisations; the largest is "
               f"{biggest['name']} with income of {money(biggest['income_gbp_m'])}.")
    shape = (tuple(data["name"]), tuple(dict.fromkeys(data["kind"])))

    def draw(data: pd.DataFrame) -> alt.Chart:
        return alt.Chart(data).mark_bar().encode(
            y=alt.Y("name:N", sort=list(shape[0]), title=None),
            yOffset=alt.YOffset("measure:N", sort=["Income", "Spending"]),
            x=alt.X("gbp_m:Q", title="Income and spending (£m)"),
            color=kind_colour(kinds=list(shape[1])),
            opacity=alt.Opacity("measure:N", scale=alt.Scale(domain=["Income", "Spending"],
                                                             range=[1.0, 0.45]),
                                title="Bar", legend=alt.Legend(orient="bottom")),
            tooltip=["name:N", "measure:N", alt.Tooltip("gbp_m:Q", format=",.1f", title="£m")],
        ).properties(width=WIDTH, height=max(200, 34 * len(shape[0])))

    return Figure(long, summary, draw, shape, chart_title)


def income_cost_chart(organisations: pd.DataFrame, chart_title: str | None = None) -> alt.Chart:
    """The chart of :func:`income_cost_figure`."""
    return income_cost_figure(organisations, chart_title).chart()
