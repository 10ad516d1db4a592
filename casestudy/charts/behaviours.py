"""Lesson 2's charts: one shift of care under each payment rule, the gain share that leaves
nobody worse off, and contracting one to one against contracting as a group.

Each comes as a ``*_figure`` (data, summary and how to draw them; what panels use) and a
``*_chart`` (the altair chart itself). No model arithmetic: every number comes from
:mod:`casestudy.behaviours`.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..scenario import PRESET_INFO
from ..totals import TOTAL_KIND
from .style import KIND_COLOURS, KIND_LABELS, LABELS, SERIES_COLOURS, WIDTH, Figure, money

SYSTEM_KIND = TOTAL_KIND  # a total row's kind (casestudy.totals): drawn black
SYSTEM_LABEL = "Whole system"
SYSTEM_COLOUR = "#000000"
# One bar for the partners not drawn one by one (casestudy.behaviours.shift_by_rule_shown):
# a light grey, apart from the system's black and (under deuteranopia too) every kind's colour.
OTHER_KIND = "other"
OTHER_LABEL = "Other partners"
OTHER_COLOUR = "#C4C4C4"
ZERO_GBP_M = 1e-6  # a bar closer to zero than this is not drawn, so the legend leaves it out
BEFORE = "Before the gain share"
AFTER = "After the gain share"
GOES_AHEAD = "Goes ahead"
# Short names for the rules, so four panels fit side by side at 1366 x 768.
SHORT_RULES = {info.label: info.short for info in PRESET_INFO.values()}
CHOSEN = "|(your rule)"  # a second header line: "|" splits the label (labelExpr below)
BLOCKED = "Does not happen"


_SPECIAL = {SYSTEM_KIND: (SYSTEM_LABEL, SYSTEM_COLOUR), OTHER_KIND: (OTHER_LABEL, OTHER_COLOUR)}


def _labels(kinds) -> list[str]:
    return [_SPECIAL[k][0] if k in _SPECIAL else KIND_LABELS[k] for k in kinds]


def _drawn_kinds(kinds: np.ndarray, *values: np.ndarray) -> tuple[str, ...]:
    """The kinds that have a bar to see (some value away from zero), in order of first row."""
    seen = np.zeros(len(kinds), dtype=bool)
    for value in values:
        seen |= np.abs(np.asarray(value, dtype=float)) > ZERO_GBP_M
    return tuple(dict.fromkeys(kinds[seen]))


def _colour(kinds: tuple[str, ...], legend_kinds: tuple[str, ...] | None = None,
            legend: bool = True) -> alt.Color:
    """Colour by organisation kind, as everywhere in the kit, and black for the system.

    The scale holds the kinds in the data (each in its kit colour); the legend lists only
    ``legend_kinds`` (the kinds with a bar drawn), and is left out when there are none.
    """
    shown = kinds if legend_kinds is None else legend_kinds
    return alt.Color("kind_label:N", title=LABELS["kind"],
                     scale=alt.Scale(domain=_labels(kinds),
                                     range=[_SPECIAL[k][1] if k in _SPECIAL else KIND_COLOURS[k]
                                            for k in kinds]),
                     legend=alt.Legend(orient="bottom", columns=3, values=_labels(shown))
                     if legend and shown else None)


def shift_by_rule_figure(frame: pd.DataFrame, chart_title: str | None = None) -> Figure:
    """Each organisation's change from the baseline under each payment rule, side by side.

    ``frame`` is :func:`casestudy.behaviours.shift_by_rule` (the rows to show: pass it
    through :func:`casestudy.behaviours.shift_by_rule_shown` so the bars add up to the
    system's), one panel per rule.
    """
    # numpy, not pandas filtering: this runs on every slider move.
    labels = frame["payment_label"].to_numpy()
    names_all = frame["name"].to_numpy()
    kinds_all = frame["kind"].to_numpy()
    change = frame["change_gbp_m"].to_numpy(dtype=float)
    chosen = frame["chosen"].to_numpy(dtype=bool)
    # The rule chosen on the left is named in its panel's header.
    headers = [SHORT_RULES.get(label, label) + (CHOSEN if mine else "")
               for label, mine in zip(labels, chosen)]
    data = pd.DataFrame({
        "payment_label": labels,
        "rule": headers,
        "name": names_all,
        "kind": kinds_all,
        "kind_label": _labels(kinds_all),
        "change_gbp_m": change,
        "chosen": chosen,
    })
    rules = tuple(dict.fromkeys(labels))
    columns = tuple(dict.fromkeys(headers))
    names = tuple(dict.fromkeys(names_all))
    kinds = tuple(dict.fromkeys(kinds_all))
    drawn = _drawn_kinds(kinds_all, change)
    is_system = kinds_all == SYSTEM_KIND
    parts = []
    for rule in rules:
        rows = np.flatnonzero((labels == rule) & ~is_system)
        said = rule[:1].lower() + rule[1:]  # "payment by results + MRET", not "+ mret"
        worst = rows[np.argmin(change[rows])]
        if change[worst] < -1e-6:
            parts.append(f"under {said} {names_all[worst]} loses most ({money(change[worst])})")
        else:
            parts.append(f"under {said} nobody loses")
    total = change[is_system][0] if is_system.any() else float("nan")
    summary = ("The change in each organisation's position from the shift, by payment rule: "
               + "; ".join(parts) + f". The whole system changes by {money(total)} under every rule.")
    shape = (columns, names, kinds, drawn)

    def draw(data: pd.DataFrame) -> alt.FacetChart:
        y = alt.Y("name:N", sort=list(shape[1]), title=None)
        # 125 px a panel: "-10 -5 0 5 10" would run together, so keep a gap between labels.
        axis = alt.Axis(labelOverlap="greedy", labelSeparation=6)
        bars = alt.Chart().mark_bar(height=14).encode(
            y=y,
            # Four panels: a short money title each (a long one runs into its neighbour's).
            x=alt.X("change_gbp_m:Q", title="Change (£m)", axis=axis),
            color=_colour(shape[2], shape[3]),
            tooltip=[alt.Tooltip("payment_label:N", title="Payment rule"),
                     alt.Tooltip("name:N", title="Organisation"),
                     alt.Tooltip("change_gbp_m:Q", title="Change (£m)", format=",.2f")],
        )
        # The same axis on both layers: where they differ, the merged axis loses the settings.
        zero = alt.Chart().mark_rule(color="#333333").encode(
            x=alt.X(datum=0, title="Change (£m)", axis=axis))
        return alt.layer(bars, zero).properties(width=125, height=max(120, 24 * len(shape[1]))).facet(
            column=alt.Column("rule:N", sort=list(shape[0]), title=None,
                              header=alt.Header(labelFontSize=13, labelFontWeight="bold",
                                                labelExpr="split(datum.label, '|')",
                                                labelLimit=150)),
            data=data, spacing=10)

    key = "Change from the baseline (no shift) under each rule. Black: every partner added up"
    if OTHER_KIND in kinds:
        key += "; grey: the others added up"
    return Figure(data, summary, draw, shape, chart_title, key + ".")


def shift_by_rule_chart(frame: pd.DataFrame, chart_title: str | None = None) -> alt.FacetChart:
    """The chart of :func:`shift_by_rule_figure`."""
    return shift_by_rule_figure(frame, chart_title).chart()


def gain_share_figure(table: pd.DataFrame, share_of_gains: float, possible: bool,
                      chart_title: str | None = None) -> Figure:
    """Each party's change before and after the gain share that leaves nobody worse off.

    ``table`` has ``name, kind, change_gbp_m, after_gbp_m`` (from
    :func:`casestudy.behaviours.gain_share`, with names and kinds; a ``system`` row may be
    included).
    """
    count = len(table)
    kinds = table["kind"].to_numpy()
    data = pd.DataFrame({
        "name": np.concatenate([table["name"].to_numpy()] * 2),
        "kind": np.concatenate([kinds] * 2),
        "kind_label": _labels(kinds) * 2,
        "stage": [BEFORE] * count + [AFTER] * count,
        "value_gbp_m": np.concatenate([table["change_gbp_m"].to_numpy(),
                                       table["after_gbp_m"].to_numpy()]),
    })
    if possible:
        summary = (f"Passing {share_of_gains:.0%} of the winners' gains to the losers leaves every "
                   "partner at or above where it started.")
    else:
        summary = "The system as a whole loses, so no gain share can leave every partner whole."
    shape = (tuple(table["name"]), tuple(dict.fromkeys(kinds)),
             _drawn_kinds(kinds, table["change_gbp_m"], table["after_gbp_m"]))

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("name:N", sort=list(shape[0]), title=None)
        # "Before" bars are outlined with a pale fill (a faded colour would pass for another
        # kind's: faded dark blue looks like the community trusts' sky blue).
        bars = alt.Chart().mark_bar(strokeWidth=1.5).encode(
            y=y,
            yOffset=alt.YOffset("stage:N", sort=[BEFORE, AFTER]),
            x=alt.X("value_gbp_m:Q", title=LABELS["change_gbp_m"]),
            color=_colour(shape[1], shape[2]),
            stroke=_colour(shape[1], legend=False),
            fillOpacity=alt.FillOpacity(
                "stage:N", scale=alt.Scale(domain=[BEFORE, AFTER], range=[0.12, 1.0]),
                title="Bar", legend=alt.Legend(orient="bottom", columns=1)),
            tooltip=[alt.Tooltip("name:N", title="Organisation"), alt.Tooltip("stage:N", title=" "),
                     alt.Tooltip("value_gbp_m:Q", title="£m", format=",.2f")],
        )
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        return alt.layer(bars, zero, data=data).properties(
            width=WIDTH, height=max(140, 40 * len(shape[0])))

    return Figure(data, summary, draw, shape, chart_title,
                  "Outlined bar: each partner's change on its own. Solid bar: after the gain share.")


def gain_share_chart(table: pd.DataFrame, share_of_gains: float, possible: bool,
                     chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`gain_share_figure`."""
    return gain_share_figure(table, share_of_gains, possible, chart_title).chart()


def contracting_figure(frame: pd.DataFrame, chart_title: str | None = None) -> Figure:
    """What the system gets when the partners contract one to one and as a group.

    ``frame`` is :func:`casestudy.behaviours.contracting` with a ``decision`` column in words
    (who blocks the shift, if anyone).
    """
    data = pd.DataFrame({
        "label": frame["label"].to_numpy(),
        "system_gain_gbp_m": frame["system_gain_gbp_m"].to_numpy(dtype=float),
        "outcome": [GOES_AHEAD if ok else BLOCKED for ok in frame["goes_ahead"]],
        "decision": frame["decision"].to_numpy(),
    })
    # Keeps the axis open when nothing goes ahead (every bar at zero): the picture's scale only.
    data["axis_end_gbp_m"] = max(0.5, float(data.system_gain_gbp_m.max()))
    summary = "; ".join(f"{r.label}: {r.decision.lower()}, the system gains {money(r.system_gain_gbp_m)}"
                        for r in data.itertuples()) + "."
    # The legend lists only outcomes with a bar: a deal that does not happen gets nothing,
    # and its row says so in words.
    drawn = tuple(o for o in (GOES_AHEAD, BLOCKED)
                  if (np.abs(data.system_gain_gbp_m[data.outcome == o]) > ZERO_GBP_M).any())
    shape = (tuple(data["label"]), drawn)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("label:N", sort=list(shape[0]), title=None)
        x = alt.X("system_gain_gbp_m:Q", title=LABELS["system_gain_gbp_m"],
                  scale=alt.Scale(zero=True, nice=True), axis=alt.Axis(tickCount=6))
        bars = alt.Chart().mark_bar(height=26).encode(
            y=y, x=x,
            color=alt.Color("outcome:N", title=None,
                            scale=alt.Scale(domain=[GOES_AHEAD, BLOCKED],
                                            range=[SERIES_COLOURS["goes_ahead"],
                                                   SERIES_COLOURS["blocked"]]),
                            legend=alt.Legend(orient="bottom", values=list(shape[1]))
                            if shape[1] else None),
            tooltip=[alt.Tooltip("label:N", title="Contracting"),
                     alt.Tooltip("decision:N", title="Decision"),
                     alt.Tooltip("system_gain_gbp_m:Q", title="£m", format=",.2f")])
        words = alt.Chart().mark_text(align="left", baseline="bottom", dx=2, dy=-15,
                                      fontSize=13).encode(
            y=y, x=alt.datum(0), text="decision:N")
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        end = alt.Chart().mark_point(opacity=0).encode(x="max(axis_end_gbp_m):Q")
        return alt.layer(bars, zero, words, end, data=data).properties(width=WIDTH, height=130)

    return Figure(data, summary, draw, shape, chart_title)


def contracting_chart(frame: pd.DataFrame, chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`contracting_figure`."""
    return contracting_figure(frame, chart_title).chart()
