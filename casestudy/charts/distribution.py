"""Who carries the volume risk: simulated positions under each payment rule.

The draws come from :class:`casestudy.incentives.PresetDraws`, binned there
(``PresetDraws.histogram``) so a chart carries a few hundred rows whatever the draws.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..scenario import PRESET_LABELS, PRESETS, preset_phrase
from .style import KIND_LABELS, LABELS, WIDTH, Figure, kind_colour, money

GAP_AXIS = "Position against its control total (£m): above +, below -"
PRESET_ORDER = [PRESET_LABELS[p] for p in PRESETS]


def records(frame: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    """A small frame's rows as dicts, read column by column (``to_dict("records")`` walks
    text columns item by item, which costs milliseconds on a slider move).

    >>> records(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'y'}]
    """
    columns = list(frame.columns) if columns is None else columns
    values = [frame[c].to_numpy(dtype=object).tolist() for c in columns]
    return [dict(zip(columns, row)) for row in zip(*values)]


def _names(rows: list[dict], organisations: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A frame of ``rows`` with ``name``, ``kind``, ``kind_label`` and ``payment_label``."""
    names, kinds = organisations["name"].to_dict(), organisations["kind"].to_dict()
    data = {c: [r[c] for r in rows] for c in columns}
    data["name"] = [names[o] for o in data["org_id"]]
    data["kind"] = [kinds[o] for o in data["org_id"]]
    data["kind_label"] = [KIND_LABELS[k] for k in data["kind"]]
    data["payment_label"] = [PRESET_LABELS[p] for p in data["payment"]]
    return pd.DataFrame(data)


def distribution_figure(binned: pd.DataFrame, organisations: pd.DataFrame,
                        spread: pd.DataFrame | None = None,
                        chart_title: str | None = None) -> Figure:
    """Histograms of simulated positions against the control total: one row per payment
    rule, one column per organisation.

    ``binned`` has ``payment, org_id, bin_start_gbp_m, bin_end_gbp_m, share`` (binned draws
    of position minus control total, e.g. ``PresetDraws.histogram``); ``organisations`` maps
    org_id to ``name`` and ``kind`` (``system.organisations``); ``spread``
    (``PresetDraws.summary`` or ``risk_by_preset``) gives the summary its standard deviations.
    """
    columns = ["payment", "org_id", "bin_start_gbp_m", "bin_end_gbp_m", "share"]
    binned = _names(records(binned, columns), organisations, columns)
    names = list(dict.fromkeys(binned.name))
    kinds = list(dict.fromkeys(binned.kind))
    presets = [p for p in PRESET_ORDER if p in set(binned.payment_label)]
    if spread is not None:
        wanted = set(binned.org_id)
        shown = sorted((r for r in records(spread) if r["org_id"] in wanted),
                       key=lambda r: r["sd_position_gbp_m"])
        widest, narrowest = shown[-1], shown[0]
        summary = (f"Simulated positions of {' and '.join(names)} against their control totals "
                   f"under {len(presets)} payment rules; the widest spread is "
                   f"{organisations.loc[widest['org_id'], 'name']} under "
                   f"{preset_phrase(widest['payment'])} (standard deviation "
                   f"{money(widest['sd_position_gbp_m'])}), the narrowest "
                   f"{organisations.loc[narrowest['org_id'], 'name']} under "
                   f"{preset_phrase(narrowest['payment'])} "
                   f"({money(narrowest['sd_position_gbp_m'])}).")
    else:
        summary = (f"Simulated positions of {' and '.join(names)} against their control totals "
                   f"under {len(presets)} payment rules.")
    shape = (tuple(presets), tuple(names), tuple(kinds))

    def draw(data: pd.DataFrame) -> alt.FacetChart:
        bars = alt.Chart().mark_bar(binSpacing=0).encode(
            x=alt.X("bin_start_gbp_m:Q", bin="binned", title=None),
            x2="bin_end_gbp_m:Q",
            # Each cell has its own height scale: the width of a histogram shows the spread.
            y=alt.Y("share:Q", title=None, axis=None),
            color=kind_colour(legend=False, kinds=list(shape[2])),
            tooltip=[alt.Tooltip("name:N", title="Organisation"),
                     alt.Tooltip("payment_label:N", title="Payment rule"),
                     alt.Tooltip("bin_start_gbp_m:Q", title="From (£m)", format="+,.1f"),
                     alt.Tooltip("bin_end_gbp_m:Q", title="To (£m)", format="+,.1f"),
                     alt.Tooltip("share:Q", title=LABELS["share"], format=".1%")],
        )
        zero = alt.Chart().mark_rule(color="black", strokeWidth=2).encode(x=alt.datum(0))
        cell = alt.layer(bars, zero, data=data).properties(
            width=(WIDTH - 40) // max(1, len(shape[1])), height=56)
        return cell.facet(
            row=alt.Row("payment_label:N", sort=list(shape[0]), title=None,
                        header=alt.Header(labelAngle=0, labelAlign="left", labelOrient="top",
                                          labelAnchor="start", labelFontSize=13,
                                          labelFontStyle="italic", labelPadding=2)),
            column=alt.Column("name:N", sort=list(shape[1]), title=GAP_AXIS,
                              header=alt.Header(labelFontSize=13, labelFontWeight="bold",
                                                labelOrient="top", titleOrient="bottom",
                                                titleFontSize=14,
                                                labelLimit=(WIDTH - 40) // max(1, len(shape[1])))),
        ).resolve_scale(y="independent").properties(spacing=10)

    return Figure(binned, summary, draw, shape, chart_title,
                  "Before incentive funds. Bar height: share of the draws. Black line: the "
                  "control total; right of it, met.")


def distribution_chart(binned: pd.DataFrame, organisations: pd.DataFrame,
                       spread: pd.DataFrame | None = None,
                       chart_title: str | None = None) -> alt.FacetChart:
    """The chart of :func:`distribution_figure`."""
    return distribution_figure(binned, organisations, spread, chart_title).chart()


def spread_figure(spread: pd.DataFrame, organisations: pd.DataFrame, org_ids: list[str],
                  chart_title: str | None = None) -> Figure:
    """Two bar charts side by side: each organisation's standard deviation of position and
    its chance of meeting the control total, under each payment rule.

    ``spread`` has the columns of ``risk.risk_by_preset`` (``payment, org_id, chance_met,
    sd_position_gbp_m``); ``org_ids`` picks the organisations shown, in order.
    """
    columns = ["payment", "org_id", "chance_met", "sd_position_gbp_m"]
    rows = [r for r in records(spread, columns) if r["org_id"] in org_ids]
    data = _names(rows, organisations, columns)
    names = [organisations.loc[o, "name"] for o in org_ids]
    kinds = list(dict.fromkeys(organisations.loc[org_ids, "kind"]))
    parts = []
    for org in org_ids:
        sds = {r["payment"]: r["sd_position_gbp_m"] for r in rows if r["org_id"] == org}
        if not sds:
            continue
        low, high = min(sds, key=sds.get), max(sds, key=sds.get)
        parts.append(f"{organisations.loc[org, 'name']}: standard deviation from "
                     f"{money(sds[low])} ({preset_phrase(low)}) to "
                     f"{money(sds[high])} ({preset_phrase(high)})")
    summary = "Spread of position under each payment rule. " + "; ".join(parts) + "."
    presets = [p for p in PRESET_ORDER if p in set(data.payment_label)]
    shape = (tuple(presets), tuple(names), tuple(kinds))

    def draw(data: pd.DataFrame) -> alt.HConcatChart:
        y = alt.Y("payment_label:N", sort=list(shape[0]), title=None)
        offset = alt.YOffset("name:N", sort=list(shape[1]))
        colour = kind_colour(kinds=list(shape[2]))
        tooltip = [alt.Tooltip("name:N", title="Organisation"),
                   alt.Tooltip("payment_label:N", title="Payment rule"),
                   alt.Tooltip("sd_position_gbp_m:Q", title="Standard deviation (£m)", format=",.2f"),
                   alt.Tooltip("chance_met:Q", title=LABELS["chance_met"], format=".0%")]
        sd = alt.Chart().mark_bar().encode(
            y=y, yOffset=offset, color=colour, tooltip=tooltip,
            x=alt.X("sd_position_gbp_m:Q", title="Spread: standard deviation (£m)"),
        ).properties(width=(WIDTH - 200) // 2, height=30 * len(shape[0]) * max(1, len(shape[1])) // 2)
        chance = alt.Chart().mark_bar().encode(
            y=alt.Y("payment_label:N", sort=list(shape[0]), title=None, axis=None),
            yOffset=offset, color=colour, tooltip=tooltip,
            x=alt.X("chance_met:Q", title=LABELS["chance_met"],
                    scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        ).properties(width=(WIDTH - 200) // 2, height=30 * len(shape[0]) * max(1, len(shape[1])) // 2)
        return alt.hconcat(sd, chance, data=data, spacing=16)

    return Figure(data, summary, draw, shape, chart_title)


def spread_chart(spread: pd.DataFrame, organisations: pd.DataFrame, org_ids: list[str],
                 chart_title: str | None = None) -> alt.HConcatChart:
    """The chart of :func:`spread_figure`."""
    return spread_figure(spread, organisations, org_ids, chart_title).chart()
