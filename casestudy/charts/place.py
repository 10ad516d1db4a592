"""Beyond the NHS: the change in position inside and outside the NHS control total, each
organisation's change, and voluntary-sector schemes tested against the system.

The frames come from :mod:`casestudy.place`; the charts compute nothing.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..formats import money
from .bridge import change_colour
from .style import LABELS, WIDTH, Figure, kind_colour, with_kind_label

CHANGE_AXIS = "Change in position (£m)"
# Six ticks at most: at the default (one per 40 px) Vega hid every other label to stop them
# overlapping, which left ticks on half steps (-6.5, -5.5 ... -0.5) and no label at zero.
CHANGE_TICKS = alt.Axis(tickCount=6)
BOUNDARY_COLOURS = {"NHS organisations": "#0072B2", "Whole place": "#333333"}


def boundary_figure(frame: pd.DataFrame, chart_title: str | None = None,
                    subtitle: str | None = None) -> Figure:
    """One bar per boundary (NHS organisations, council, care providers, voluntary sector,
    other partners) and a grey bar for the whole place, their sum.

    ``frame`` is :func:`casestudy.place.boundary_change`'s: ``boundary, label,
    change_gbp_m`` (and the positions).
    """
    change = frame.change_gbp_m.to_numpy()
    labels = frame.label.tolist()
    place = [b == "place" for b in frame.boundary]
    data = pd.DataFrame({
        "label": labels,
        "change_gbp_m": change,
        "kind_label": ["Total" if p else "Increase" if c >= 0 else "Decrease"
                       for p, c in zip(place, change)],
        "text": [money(c, signed=True, fine=True) for c in change],
        # Labels just right of the bar, or of the zero line for a loss (never on the bar).
        "text_at_gbp_m": change.clip(min=0),
        "position_gbp_m": frame.position_gbp_m.to_numpy(),
    })
    parts = "; ".join(f"{label} {money(c, signed=True, fine=True)}"
                      for label, c, p in zip(labels, change, place) if not p)
    # The model's own whole-place row (boundary_change always has it): no sum here.
    summary = (f"Change in position by boundary: {parts}; the whole place "
               f"{money(change[place.index(True)], signed=True, fine=True)}.")
    shape = (tuple(labels),)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("label:N", sort=list(shape[0]), title=None)
        bars = alt.Chart().mark_bar(height=20).encode(
            y=y, x=alt.X("change_gbp_m:Q", title=CHANGE_AXIS, axis=CHANGE_TICKS),
            color=change_colour(title="Change"),
            tooltip=[alt.Tooltip("label:N", title="Who"),
                     alt.Tooltip("change_gbp_m:Q", title=CHANGE_AXIS, format="+,.2f"),
                     alt.Tooltip("position_gbp_m:Q", title=LABELS["position_gbp_m"], format=",.2f")])
        text = alt.Chart().mark_text(align="left", dx=4, fontSize=13).encode(
            y=y, x="text_at_gbp_m:Q", text="text:N")
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        return alt.layer(bars, text, zero, data=data).properties(
            width=WIDTH - 120, height=34 * len(shape[0]))

    return Figure(data, summary, draw, shape, chart_title or "Who gains and who loses",
                  subtitle or "Change in position before incentive funds. Grey: the whole "
                              "place, the sum of the bars above it.")


def boundary_chart(frame: pd.DataFrame, chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`boundary_figure`."""
    return boundary_figure(frame, chart_title).chart()


def organisation_change_figure(frame: pd.DataFrame, chart_title: str | None = None) -> Figure:
    """Each organisation's change in position, coloured by kind.

    ``frame`` is :func:`casestudy.place.organisation_change`'s.
    """
    data = with_kind_label(frame[["org_id", "name", "kind", "change_gbp_m"]])
    data["text"] = [money(c, signed=True, fine=True) if abs(c) >= 0.0005 else "" for c in data.change_gbp_m]
    data["text_at_gbp_m"] = data.change_gbp_m.clip(lower=0)
    ordered = data.sort_values("change_gbp_m")
    summary = ("Change in position of each organisation: largest loss "
               f"{ordered.name.iloc[0]} {money(ordered.change_gbp_m.iloc[0], signed=True, fine=True)}, "
               f"largest gain {ordered.name.iloc[-1]} "
               f"{money(ordered.change_gbp_m.iloc[-1], signed=True, fine=True)}.")
    shape = (tuple(data.name), tuple(dict.fromkeys(data.kind)))

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("name:N", sort=list(shape[0]), title=None)
        bars = alt.Chart().mark_bar(height=14).encode(
            y=y, x=alt.X("change_gbp_m:Q", title=CHANGE_AXIS, axis=CHANGE_TICKS),
            color=kind_colour(kinds=list(shape[1])),
            tooltip=[alt.Tooltip("name:N", title="Organisation"),
                     alt.Tooltip("change_gbp_m:Q", title=CHANGE_AXIS, format="+,.2f")])
        text = alt.Chart().mark_text(align="left", dx=4, fontSize=13).encode(
            y=y, x="text_at_gbp_m:Q", text="text:N")
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        return alt.layer(bars, text, zero, data=data).properties(
            width=WIDTH - 160, height=24 * len(shape[0]))

    return Figure(data, summary, draw, shape, chart_title or "Each organisation's change",
                  "Before incentive funds.")


def organisation_change_chart(frame: pd.DataFrame, chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`organisation_change_figure`."""
    return organisation_change_figure(frame, chart_title).chart()


def vcs_test_figure(frame: pd.DataFrame, chosen: tuple[str, ...] = (),
                    chart_title: str | None = None) -> Figure:
    """Each voluntary-sector scheme on its own: the change to the NHS organisations'
    position and to the whole place's, side by side; chosen schemes marked.

    ``frame`` is :func:`casestudy.place.vcs_test`'s.
    """
    names = frame["name"].tolist()
    picked = ["Chosen" if s in chosen else "Not chosen" for s in frame.scheme_id]
    long = pd.DataFrame({
        "scheme": names * 2,
        "chosen": picked * 2,
        "boundary": ["NHS organisations"] * len(frame) + ["Whole place"] * len(frame),
        "change_gbp_m": [*frame.nhs_change_gbp_m, *frame.place_change_gbp_m],
        "cost_gbp_m": [*frame.cost_gbp_m] * 2,
        "funder": [*frame.funder] * 2,
    })
    long["text"] = [money(c, signed=True, fine=True) for c in long.change_gbp_m]
    long["text_at_gbp_m"] = long.change_gbp_m.clip(lower=0)
    pays = [n for n, c in zip(frame["name"], frame.place_change_gbp_m) if c > 0]
    summary = (f"{len(frame)} voluntary-sector schemes, each on its own; "
               + (f"{len(pays)} improve the whole place's position in the year ({', '.join(pays)})."
                  if pays else "none improves the whole place's position in the year."))
    shape = (tuple(names),)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("scheme:N", sort=list(shape[0]), title=None, axis=alt.Axis(labelLimit=360))
        offset = alt.YOffset("boundary:N", sort=list(BOUNDARY_COLOURS))
        bars = alt.Chart().mark_bar(height=12).encode(
            y=y, yOffset=offset, x=alt.X("change_gbp_m:Q", title=CHANGE_AXIS, axis=CHANGE_TICKS),
            color=alt.Color("boundary:N", title=None,
                            scale=alt.Scale(domain=list(BOUNDARY_COLOURS),
                                            range=list(BOUNDARY_COLOURS.values())),
                            legend=alt.Legend(orient="bottom")),
            # No legend of its own: its swatches (grey and black) matched no bar; the key
            # above the chart says it in words.
            opacity=alt.Opacity("chosen:N", title=None,
                                scale=alt.Scale(domain=["Chosen", "Not chosen"], range=[1.0, 0.3]),
                                legend=None),
            tooltip=[alt.Tooltip("scheme:N", title="Scheme"),
                     alt.Tooltip("funder:N", title="Paid for by"),
                     alt.Tooltip("cost_gbp_m:Q", title="Cost (£m a year)", format=",.2f"),
                     alt.Tooltip("boundary:N", title="Change for"),
                     alt.Tooltip("change_gbp_m:Q", title=CHANGE_AXIS, format="+,.2f")])
        text = alt.Chart().mark_text(align="left", dx=4, fontSize=13).encode(
            y=y, yOffset=offset, x="text_at_gbp_m:Q", text="text:N")
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        return alt.layer(bars, text, zero, data=data).properties(
            width=WIDTH - 220, height=max(90, 46 * len(shape[0])))

    return Figure(long, summary, draw, shape,
                  chart_title or "Each voluntary-sector scheme on its own",
                  "Change in position in the year, before incentive funds. Full colour: a "
                  "scheme you chose; pale: one you did not.")


def vcs_test_chart(frame: pd.DataFrame, chosen: tuple[str, ...] = (),
                   chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`vcs_test_figure`."""
    return vcs_test_figure(frame, chosen, chart_title).chart()
