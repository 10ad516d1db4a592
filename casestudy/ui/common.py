"""Shared widget pieces: controls built from the Scenario's own field metadata, the panel
skeleton (controls left, chart right, reset, change from baseline), and the checks of
understanding.

A lesson's panel subclasses :class:`Panel`, names the scenario fields it exposes and
writes one ``render`` that calls the engine and a chart builder, nothing else.
"""

from __future__ import annotations

import dataclasses
import html
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd
import traitlets
from IPython.display import Markdown, display

from ..charts import Figure, LiveSpec, use_offline_renderer
from ..charts.compiled import VEGA, to_vega
from ..names import MATHJAX_IGNORE, html_label, html_text
from ..scenario import PRESET_LABELS, PRESETS, Scenario, field_info
from ..system import System
from .default import default_system
from .scenario_io import ScenarioIO

if TYPE_CHECKING:  # pandas imports its Styler (and jinja2) when a table is first drawn
    from pandas.io.formats.style import Styler

use_offline_renderer()

VEGALITE = "application/vnd.vegalite.v5+json"  # drawn offline by JupyterLab and Voila, as is VEGA
CONTROL_WIDTH = "330px"
STACKED_BELOW_PX = 1240  # 350 px of controls + lesson 1's widest chart (about 830 px) + margins
SCHEME_COLUMN_PX = 290
SLIDER_LABEL_WIDTH = "132px"


def controls_and_charts(left: widgets.Widget, right: widgets.Widget) -> widgets.HBox:
    """Controls left, charts right; stacked when the page is too narrow for both (the charts'
    column is at least as wide as its widest chart, so it wraps rather than cut a chart off)."""
    # Basis 0: the column asks for no more than its widest chart, whatever its words.
    right.layout.flex, right.layout.min_width = "1 1 0px", "min-content"
    return widgets.HBox([left, right], layout=widgets.Layout(flex_flow="row wrap"))


PANEL_CSS = """
<style>
.cs-panel { font-size: 15px; }
.cs-panel .widget-label, .cs-panel .widget-readout { font-size: 15px; }
.cs-help { font-size: 12.5px; color: #444; margin: -4px 0 8px 4px; line-height: 1.25; }
.cs-changes { font-size: 14px; background: #f4f7fb; border-left: 4px solid #0072B2;
              padding: 4px 10px; margin-bottom: 6px; }
.cs-summary { font-size: 13px; color: #333; }
.cs-feedback-right { border-left: 4px solid #0072B2; background: #eef5fb; padding: 6px 10px; }
.cs-feedback-wrong { border-left: 4px solid #E69F00; background: #fdf5e6; padding: 6px 10px; }
/* Nothing cut off: a button as wide as its words, a long scheme name wraps under its box. */
.cs-panel .jupyter-button, .cs-check .jupyter-button { width: auto; min-width: 148px;
                                                       padding: 0 12px; }
.cs-panel .widget-checkbox { height: auto; min-height: var(--jp-widgets-inline-height, 28px); }
.cs-panel .widget-checkbox .widget-label-basic { display: flex; align-items: flex-start;
                                                 white-space: normal; overflow: visible;
                                                 height: auto; line-height: 1.3; }
.cs-panel .widget-checkbox .widget-label-basic input { margin-top: 3px; }
.cs-panel .widget-slider { height: auto; min-height: var(--jp-widgets-inline-height, 28px); }
.cs-panel .widget-slider > .widget-label { white-space: normal; overflow: visible; height: auto;
                                            line-height: 1.2; align-self: center; }
.cs-schemes .cs-help { margin-bottom: 4px; }
/* Narrower than a 350-pixel column and lesson 1's charts (about 830 px) side by side, the
   charts drop below the controls: the controls then span the page, the schemes in columns. */
@media (max-width: STACKEDpx) {
  .cs-panel .cs-controls-stack { width: auto !important; flex: 1 1 100% !important; }
}
</style>
""".replace("STACKED", str(STACKED_BELOW_PX))


def _format_for(info: dict[str, Any]) -> str:
    """The slider's readout: shares and fractions as percentages (4% rather than 0.040, as
    the lessons' words say them), whole numbers as such, the rest to the step's decimals.

    >>> _format_for(field_info("cost_inflation")), _format_for(field_info("risk_share"))
    ('.1%', '.0%')
    """
    if isinstance(info["default"], int) and not isinstance(info["default"], bool):
        return "d"
    step = info["step"]
    if info["unit"].startswith(("fraction", "share")):
        return ".1%" if step < 0.01 else ".0%"
    return ".3f" if step < 0.01 else ".2f" if step < 0.1 else ".1f"


class FloatSlider(widgets.FloatSlider):
    """A float slider whose value carries no floating-point noise from the browser.

    The browser's slider adds its steps in binary floating point and sends 7.000000000000001
    for 7.0 (lesson 1's capacity slider did so on one move in three). The kit's values are
    read back from these sliders: such a value missed lesson 1's cache of searched
    capacities (a 0.1 s search instead of a look-up) and went into a saved scenario
    as written. The value is rounded to 10 decimals, within the slider's range: a value
    set from Python that is off the slider's grid (a loaded scenario's 6.3 on a 0.5 grid)
    is kept.

    >>> slider = FloatSlider(value=6.0, min=0, max=30, step=0.5)
    >>> slider.value = 7.000000000000001
    >>> slider.value
    7.0
    """

    @traitlets.validate("value")
    def _validate_value(self, proposal: dict) -> float:
        value = min(max(proposal["value"], self.min), self.max)  # as ipywidgets clamps it
        return float(round(value, 10))


ROOM_STEP = 0.05


def room_step(info: dict[str, Any]) -> float:
    """A slider's step on screen: a share from 0% to 100% moves 5% a key press (20 presses
    end to end, 4 with Page Up, where 1% took 100), as a facilitator crosses it in front of a
    room; every other field keeps its own step (demand moves 1% at a time, to 3%).

    >>> room_step(field_info("risk_share")), room_step(field_info("demand_shock"))
    (0.05, 0.01)
    """
    if info["min"] == 0 and info["max"] == 1 and info["step"] == 0.01:
        return ROOM_STEP
    return info["step"]


def control(name: str, value: Any = None, **overrides: Any) -> widgets.Widget:
    """A widget for one scenario field, with its label, range, step and help from the field.

    >>> control("risk_share").max
    1.0
    """
    info = field_info(name)
    value = info["default"] if value is None else value
    description = info["label"] + (f" ({info['unit']})" if info["unit"] in ("£m",) else "")
    slider = not isinstance(info["default"], bool) and name != "payment"
    # Sliders share one label width (long labels wrap, see PANEL_CSS), so that every track is
    # as long as the next: a long label at its natural width squeezed a track to a dot.
    common = {"description": description, "tooltip": info["help"],
              "style": {"description_width": SLIDER_LABEL_WIDTH if slider else "initial"},
              "layout": widgets.Layout(width=CONTROL_WIDTH)}
    if name == "payment":
        options = [(PRESET_LABELS[p], p) for p in PRESETS]
        widget = widgets.Dropdown(options=options, value=value if isinstance(value, str) else "fixed_income",
                                  **common)
    elif isinstance(info["default"], bool):
        widget = widgets.Checkbox(value=bool(value), indent=False, **common)
    elif isinstance(info["default"], int):
        widget = widgets.IntSlider(value=value, min=info["min"], max=info["max"], step=info["step"],
                                   continuous_update=False, **common)
    else:
        widget = FloatSlider(value=value, min=info["min"], max=info["max"], step=room_step(info),
                             readout_format=_format_for(info), continuous_update=False, **common)
    for key, val in overrides.items():
        setattr(widget, key, val)
    return widget


def chart_outputs(specs: Sequence[dict], figures: Sequence[Figure]) -> tuple[dict, ...]:
    """The charts as an Output widget's ``outputs``, set directly.

    Capturing them with ``with output: display(...)`` makes nbclient, and so Voila, wait for
    a cell's reply that it has missed, at random (about one cell in two with an Output
    widget; nbclient issue 312): a dashboard then hangs at "Executing n of m". Setting the
    outputs sends one widget update instead, and prints nothing outside a kernel.

    The charts go as Vega, compiled in the kernel once per shape (``charts.compiled``): the
    browser then draws a chart in about a third of the time it takes from Vega-Lite.

    Each output also carries a 1x1 PNG (:data:`NO_SNAPSHOT`). The Vega renderer of JupyterLab
    and Voila, once it has drawn a chart, draws it again to a PNG and writes that PNG back
    into the output, and that write makes the output area draw the chart a second time:
    three drawings per slider move. It skips both when the output already has an
    ``image/png``. Lab and Voila never show that pixel (they rank Vega first); the chart's
    summary stays the text a reader without Vega gets.
    """
    return tuple({"output_type": "display_data", "metadata": {VEGA: {"embed_options": EMBED}},
                  "data": {VEGA: to_vega(spec), "image/png": NO_SNAPSHOT,
                           "text/plain": f"Chart: {figure.summary}"}}
                 for spec, figure in zip(specs, figures))


# How the renderer draws a chart: as SVG, which stays sharp when the page grows on a wide
# screen (the Voila template zooms it) and gives each chart a named image for a screen
# reader (its summary, the spec's description).
EMBED = {"renderer": "svg"}

# A transparent 1x1 PNG, base64: tells the Vega renderer the output has its PNG already.
NO_SNAPSHOT = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


def name_checkbox(name: str, **kwargs: Any) -> widgets.Checkbox:
    """A checkbox labelled with a name from the loaded system (a scheme), shown as its own
    characters: the label is escaped HTML in a span MathJax skips, because JupyterLab and
    Voila typeset a widget's label as maths (a scheme named ``$x$`` showed as an italic x).

    >>> name_checkbox("<b>Falls</b> $x$").description
    '<span class="mathjax_ignore">&lt;b&gt;Falls&lt;/b&gt; $x$</span>'
    """
    return widgets.Checkbox(description=html_label(name), description_allow_html=True, **kwargs)


def knob(info: dict[str, Any], value: float | None = None) -> FloatSlider:
    """A slider for a lesson's knob that is not a scenario field (lesson 2's shift, lesson
    3's confidence, lesson 4's shortfall), built from the knob's metadata as
    :func:`control` builds a field's: ``label, help, unit, default, min, max, step``.

    >>> from casestudy.behaviours import SHIFT_SHARE
    >>> knob(SHIFT_SHARE).max, knob(SHIFT_SHARE).readout_format
    (0.2, '.1%')
    """
    return FloatSlider(
        value=info["default"] if value is None else value, min=info["min"], max=info["max"],
        step=info["step"], readout_format=_format_for(info), continuous_update=False,
        description=info["label"], tooltip=info["help"],
        style={"description_width": SLIDER_LABEL_WIDTH}, layout=widgets.Layout(width=CONTROL_WIDTH))


def shown_unit(info: dict[str, Any]) -> str:
    """A field's unit as its control shows it: a share or a fraction in %, as the slider's
    readout reads (the review found "Unit: share 0-1" beside "25%").

    >>> shown_unit(field_info("risk_share")), shown_unit(field_info("cost_inflation"))
    ('%', '% a year')
    """
    unit = info["unit"]
    if unit.startswith(("fraction", "share")) and not isinstance(info["default"], bool):
        return re.sub(r"^(fraction|share)( 0-1)?", "%", unit)
    return unit


def shown_value(info: dict[str, Any], value: Any) -> str:
    """A field's value as its slider's readout shows it (for words beside the controls, and
    the handouts' settings).

    >>> shown_value(field_info("risk_share"), 0.5), shown_value(field_info("years"), 5)
    ('50%', '5')
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return format(value, _format_for(info))


def help_line(name: str | dict[str, Any]) -> widgets.HTML:
    """The help under a control: a scenario field's (by name) or a knob's (its metadata)."""
    info = field_info(name) if isinstance(name, str) else name
    unit = f" Unit: {shown_unit(info)}." if info["unit"] else ""
    return widgets.HTML(f'<div class="cs-help">{html.escape(info["help"])}.{html.escape(unit)}</div>')


class Panel:
    """Controls on the left, the chart on the right, the change from the baseline above it.

    Subclasses set ``fields`` (scenario fields shown as controls) and implement
    ``render(scenario) -> (figures, text)``: one figure or a list, and the words beside
    them (HTML). After each change ``self.figures`` holds what was drawn (their ``data``
    is what tests check), ``self.specs`` the Vega-Lite specs sent to the page, ``self.text``
    the words, and ``self.last_render_ms`` the time the kernel took.
    """

    fields: Sequence[str] = ()
    title: str = ""
    # When the charts drop below the controls (a screen narrower than STACKED_BELOW_PX), the
    # controls' column spans the page, so a picker in columns is short (SchemesPanel).
    stack_wide = False

    def __init__(self, system: System | None = None, baseline: Scenario | None = None,
                 **start: Any) -> None:
        self.system = system if system is not None else default_system()
        self.baseline = baseline if baseline is not None else Scenario.preset("fixed_income")
        first = dataclasses.replace(self.baseline, **start) if start else self.baseline
        # The scenario the controls are laid over: fields the panel does not show come from
        # here (the baseline, or the last scenario loaded), so loading loses nothing.
        self.context = first
        self.scheme_names = dict(zip(self.system.schemes.index, self.system.schemes["name"]))
        self.controls: dict[str, widgets.Widget] = {
            name: control(name, getattr(first, name)) for name in self.fields
        }
        self.extra_controls: list[widgets.Widget] = []
        self.reset_button = widgets.Button(description="Reset to defaults", icon="undo",
                                           tooltip="Put every control back to the baseline")
        self.reset_button.on_click(lambda _: self.reset())
        self.scenario_io = ScenarioIO(self)  # "Save or load this scenario", under reset
        self.changes = widgets.HTML()
        self.output = widgets.Output(layout=widgets.Layout(min_height="300px"))
        self.words = widgets.HTML()
        self.figures: list[Figure] = []
        self.specs: list[dict] = []
        self.live = LiveSpec()
        self.text = ""
        self.last_render_ms = 0.0
        self._paused = False
        for widget in self.controls.values():
            widget.observe(self.update, names="value")

    # -- the scenario the controls describe
    def scenario(self) -> Scenario:
        values = {name: w.value for name, w in self.controls.items()}
        return dataclasses.replace(self.context, **self.scenario_extras(), **values)

    def scenario_extras(self) -> dict[str, Any]:
        """Fields set by a panel's own controls (e.g. a scheme picker)."""
        return {}

    def render(self, scenario: Scenario) -> tuple[Figure | list[Figure], str]:  # pragma: no cover
        raise NotImplementedError

    # -- reacting to the learner
    def update(self, change: Any = None) -> None:
        if self._paused:
            return
        started = time.perf_counter()
        scenario = self.scenario()
        figures, text = self.render(scenario)
        self.figures = figures if isinstance(figures, list) else [figures]
        self.specs = [self.live.spec(f) for f in self.figures]
        self.text = text
        differences = scenario.changes_from(self.baseline, self.scheme_names)
        self.changes.value = '<div class="cs-changes">' + (
            "<b>Changed from the baseline:</b> " + html.escape("; ".join(differences))
            if differences else "<b>Baseline:</b> " + html.escape(self.baseline.payment_label)
        ) + "</div>"
        self.words.value = f'<div class="cs-summary">{text}</div>'
        self.output.outputs = chart_outputs(self.specs, self.figures)
        self.last_render_ms = (time.perf_counter() - started) * 1000

    def reset(self) -> None:
        """Every control back to the baseline, redrawn once."""
        self._paused = True
        self.context = self.baseline
        try:
            for name, widget in self.controls.items():
                value = getattr(self.baseline, name)
                widget.value = value if name != "payment" or isinstance(value, str) else widget.value
            self.reset_extras()
        finally:
            self._paused = False
        self.update()

    def reset_extras(self) -> None:
        """Put a panel's own controls back (override with the extra controls)."""

    def load(self, scenario: Scenario) -> list[str]:
        """Show a saved scenario: set the controls, keep the fields they do not show.

        The fields without a control here are kept on ``self.context``, so the panel's
        scenario (and a later save) is the loaded one, not the baseline with a few changes.
        Returns the fields the panel could not show as loaded (a custom payment mapping in
        the preset dropdown, or an extra control whose panel has no ``load_extras``).
        """
        self._paused = True
        self.context = scenario
        try:
            for name, widget in self.controls.items():
                value = getattr(scenario, name)
                if name != "payment" or isinstance(value, str):
                    widget.value = value
            self.load_extras(scenario)
        finally:
            self._paused = False
        self.update()
        shown = self.scenario()
        return [f.name for f in dataclasses.fields(Scenario)
                if getattr(shown, f.name) != getattr(scenario, f.name)]

    def load_extras(self, scenario: Scenario) -> None:
        """Set a panel's own controls from a loaded scenario (override with extra controls)."""

    # -- layout
    def control_column(self) -> list[widgets.Widget]:
        items: list[widgets.Widget] = []
        for name, widget in self.controls.items():
            items += [widget, help_line(name)]
        return items + self.extra_controls + [self.reset_button, self.scenario_io.widget]

    @property
    def widget(self) -> widgets.Widget:
        if getattr(self, "_widget", None) is None:
            left = widgets.VBox(self.control_column(),
                                layout=widgets.Layout(width="350px", flex="0 0 350px"))
            if self.stack_wide:
                left.add_class("cs-controls-stack")
            right = widgets.VBox([self.changes, self.output, self.words],
                                 layout=widgets.Layout(flex="1 1 auto"))
            heading = [widgets.HTML(f"<h3>{html.escape(self.title)}</h3>")] if self.title else []
            self._widget = widgets.VBox(
                [widgets.HTML(PANEL_CSS), *heading, controls_and_charts(left, right)])
            self._widget.add_class("cs-panel")
            self.update()
        return self._widget

    def _ipython_display_(self) -> None:
        display(self.widget)


# --------------------------------------------------------------------------- checks


class Quiz:
    """A multiple-choice question whose feedback explains every option.

    The question, the options and the explanations are plain text (they carry names from
    the loaded system): the widget and the handouts escape them for HTML.

    >>> q = Quiz("Who pays for extra activity under fixed income?",
    ...          ["The commissioner", "The provider"], correct=1,
    ...          explanations=["No: the payment is fixed.", "Yes: its cost rises, its income does not."])
    >>> q.choose(1)
    True
    >>> "Yes" in q.feedback.value
    True
    """

    def __init__(self, question: str, options: Sequence[str], correct: int,
                 explanations: Sequence[str]) -> None:
        if len(options) != len(explanations) or not 0 <= correct < len(options):
            raise ValueError("a quiz needs one explanation per option and a correct option among them")
        self.question, self.options, self.correct = question, list(options), correct
        self.explanations = list(explanations)
        self.choice = widgets.RadioButtons(options=[(o, i) for i, o in enumerate(options)], value=None,
                                           layout=widgets.Layout(width="auto"))
        self.button = widgets.Button(description="Check my answer", button_style="info")
        self.feedback = widgets.HTML()
        self.button.on_click(lambda _: self.choose(self.choice.value))

    def choose(self, index: int | None) -> bool | None:
        if index is None:
            self.feedback.value = "<i>Choose an answer first.</i>"
            return None
        self.choice.value = index
        right = index == self.correct
        css = "cs-feedback-right" if right else "cs-feedback-wrong"
        verdict = "Right." if right else "Not quite."
        # A wrong answer: its own explanation, then the answer and why, each said once (an
        # option whose explanation already holds the answer's is not given it twice).
        own, why = self.explanations[index], self.explanations[self.correct]
        if not right and why in own:
            own = own.replace(why, "").strip()
        answer = "" if right else f" The answer is: <b>{html_text(self.options[self.correct])}</b>. " \
                                  f"{html_text(why)}"
        self.feedback.value = (f'<div class="{css}"><b>{verdict}</b> '
                               f"{html_text(own)}{answer}</div>")
        return right

    @property
    def widget(self) -> widgets.Widget:
        box = widgets.VBox([widgets.HTML(PANEL_CSS + f"<p><b>{html.escape(self.question)}</b></p>"),
                            self.choice, self.button, self.feedback])
        box.add_class("cs-check")
        return box

    def _ipython_display_(self) -> None:
        display(self.widget)


class Prediction(Quiz):
    """Predict first, then the model reveals the answer: ``reveal()`` returns the index of
    the right option and the explanation, both computed from the model at run time."""

    def __init__(self, question: str, options: Sequence[str],
                 reveal: Callable[[], tuple[int, str]]) -> None:
        correct, explanation = reveal()
        super().__init__(question, options, correct,
                         [explanation if i == correct else "The model says otherwise. " + explanation
                          for i in range(len(options))])
        self.button.description = "Reveal what the model says"


def people_table(frame: pd.DataFrame, decimals: int = 1, percent: Sequence[str] = ()) -> Styler:
    """A table for people to read: no row numbers, words aligned left, numbers right with
    ``decimals`` places (``percent`` columns, shares 0-1, as whole percentages). The frame
    is its ``.data``. Its words and column names are escaped for HTML (they hold names), and
    MathJax, which JupyterLab and Voila run over an HTML output, leaves the table alone.

    >>> people_table(pd.DataFrame({"Scheme": ["Falls"], "Cost (£m)": [0.5]})).data.shape
    (1, 2)
    """
    words = [i for i, c in enumerate(frame.columns) if not pd.api.types.is_numeric_dtype(frame[c])]
    numbers = [c for i, c in enumerate(frame.columns) if i not in words and c not in percent]
    left = "text-align: left;"
    return (frame.style.hide(axis="index").set_table_attributes(f'class="{MATHJAX_IGNORE}"')
            .format(escape="html", subset=[frame.columns[i] for i in words])
            .format_index(escape="html", axis=1)
            .format(precision=decimals, thousands=",", subset=numbers)
            .format("{:.0%}", subset=list(percent))
            .set_table_styles([{"selector": f"td.col{i}", "props": left} for i in words]
                              + [{"selector": f"th.col{i}", "props": left} for i in words]))


def markdown(text: str) -> Markdown:
    """Prose with figures computed at run time, for a notebook cell."""
    return Markdown(text)


# --------------------------------------------------------------------------- the scheme picker


class SchemePicker:
    """One checkbox per scheme, its name shown as the loaded system wrote it (never as
    markup), and under each, when ``detail`` gives one, a short help line: the one scheme
    picker of lessons 1 and 5 and the sandbox.

    ``detail(scheme_id) -> (tooltip, line)``; ``boxes`` maps scheme id to its checkbox;
    ``rows`` are the widgets to lay out, in order, one under another; ``widget`` lays them
    out in as many columns as the width allows (one in a 350-pixel control column, three
    across a 1024-pixel projector), each scheme with its help line under it.
    """

    def __init__(self, system: System, scheme_ids: Sequence[str], chosen: Sequence[str],
                 on_change: Callable[[Any], None],
                 detail: Callable[[str], tuple[str, str]] | None = None,
                 width: str = "330px") -> None:
        self.boxes: dict[str, widgets.Checkbox] = {}
        self.rows: list[widgets.Widget] = []
        names = system.schemes["name"]
        for scheme_id in scheme_ids:
            tooltip, line = detail(scheme_id) if detail is not None else ("", "")
            box = name_checkbox(str(names[scheme_id]), value=scheme_id in chosen, indent=False,
                                tooltip=tooltip or None,
                                layout=widgets.Layout(width=width, margin="0"))
            box.observe(on_change, names="value")
            self.boxes[str(scheme_id)] = box
            self.rows.append(box)
            if line:
                title = f' title="{html.escape(tooltip)}"' if tooltip else ""
                self.rows.append(widgets.HTML(f'<div class="cs-help"{title}>'
                                              f'{html.escape(line)}</div>'))

    @property
    def widget(self) -> widgets.GridBox:
        """The schemes in columns of at least ``SCHEME_COLUMN_PX`` (CSS grid), in the system's
        order along each row; Tab still goes through them in that order."""
        if getattr(self, "_widget", None) is None:
            cells: list[widgets.Widget] = []
            for row in self.rows:
                if isinstance(row, widgets.Checkbox):
                    cells.append(widgets.VBox([row], layout=widgets.Layout(margin="0")))
                else:  # its help line goes under its box, in the same cell
                    cells[-1].children = (*cells[-1].children, row)
            for cell in cells:
                cell.children[0].layout.width = "auto"
            self._widget = widgets.GridBox(cells, layout=widgets.Layout(
                grid_template_columns=f"repeat(auto-fill, minmax({SCHEME_COLUMN_PX}px, 1fr))",
                grid_gap="0 12px", width="100%"))
            self._widget.add_class("cs-schemes")
        return self._widget

    @property
    def chosen(self) -> tuple[str, ...]:
        """The ticked schemes, in the system's order."""
        return tuple(s for s, box in self.boxes.items() if box.value)

    def unknown(self, schemes: Sequence[str]) -> list[str]:
        """Those of ``schemes`` this picker does not offer."""
        return sorted(set(schemes) - set(self.boxes))

    def show(self, schemes: Sequence[str]) -> None:
        """Tick exactly those of ``schemes`` it offers (a caller pauses its panel first)."""
        for scheme_id, box in self.boxes.items():
            box.value = scheme_id in schemes


class SchemesPanel(Panel):
    """A panel with a :class:`SchemePicker` (``self.picker``): ticking from a script."""

    picker: SchemePicker
    what = "scheme"  # how the refusal of an unknown one names them
    stack_wide = True  # stacked above the charts, the controls span the page (schemes in columns)

    def choose(self, schemes: Sequence[str]) -> None:
        """Tick exactly these schemes (for scripts and tests), redrawn once."""
        unknown = self.picker.unknown(schemes)
        if unknown:
            raise KeyError(f"no {self.what} {unknown} in this system; they are "
                           f"{', '.join(self.picker.boxes) or 'none'}")
        self._paused = True
        try:
            self.picker.show(schemes)
        finally:
            self._paused = False
        self.update()

    def load_extras(self, scenario: Scenario) -> None:
        self.picker.show(scenario.schemes)
