"""Charts sent as Vega compiled once per shape: the same as compiling each spec whole, for
every chart of every panel after its controls move; cached on disk, and working without it."""

from __future__ import annotations

import json

import pytest
import vl_convert as vlc

from casestudy.charts import compiled
from casestudy.ui import lesson1, lesson2, lesson3, lesson4, lesson5, sandbox
from casestudy.ui.common import Panel


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_CACHE", str(tmp_path / "cache"))
    compiled.clear_memory()
    yield
    compiled.clear_memory()


def panels(system):
    made = []
    for module in (lesson1, lesson2, lesson3, lesson4, lesson5):
        for name in dir(module):
            kind = getattr(module, name)
            if isinstance(kind, type) and issubclass(kind, Panel) and not name.startswith("_") \
                    and kind.__module__ == module.__name__:
                made.append(kind(system))
    return made


def whole(spec: dict) -> dict:
    return vlc.vegalite_to_vega(spec, vl_version=compiled.VEGA_LITE_VERSION)


def test_every_panel_chart_compiles_per_shape_as_it_would_whole(bundled_system):
    checked = 0
    for panel in panels(bundled_system):
        panel.update()
        first = [compiled.to_vega(s) for s in panel.specs]
        # Move the panel's first numeric slider: new data, same shapes.
        sliders = [(n, w) for n, w in panel.controls.items()
                   if hasattr(w, "max") and not isinstance(w.value, bool)]
        name = "no scenario slider"
        if sliders:  # (the reserve panel's slider is its confidence, not a scenario field)
            name, widget = sliders[0]
            widget.value = widget.max if widget.value != widget.max else widget.min
        for spec in panel.specs:
            assert compiled.to_vega(spec) == whole(spec), (type(panel).__name__, name)
            checked += 1
        moved = [compiled.to_vega(s) for s in panel.specs]
        if sliders:
            assert [v["data"] for v in moved] != [v["data"] for v in first], (type(panel).__name__, name)
    assert checked >= 10


def test_the_sandbox_charts_compile_as_whole(bundled_system, tmp_path):
    box = sandbox.Sandbox(bundled_system, folder=tmp_path)
    box.update()
    box.b.controls["demand_shock"].value = 0.2
    for spec in box.specs:
        assert compiled.to_vega(spec) == whole(spec)


def test_a_shape_is_compiled_once_and_then_read_from_disk(bundled_system, tmp_path, monkeypatch):
    panel = lesson2.ShiftPanel(bundled_system)
    panel.update()
    files = sorted((tmp_path / "cache").rglob("*.json"))
    assert len(files) == len({compiled.shape_key(s) for s in panel.specs}) >= 1
    compiled.clear_memory()

    def refuse(*args, **kwargs):
        raise AssertionError("compiled again although the shape was on disk")

    monkeypatch.setattr(vlc, "vegalite_to_vega", refuse)
    assert compiled.to_vega(panel.specs[0])["data"]


def test_a_folder_that_cannot_be_written_costs_nothing_but_the_disk_copy(bundled_system, tmp_path,
                                                                          monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("CASESTUDY_CACHE", str(blocker))
    panel = lesson2.ShiftPanel(bundled_system)
    panel.update()
    vega = [output["data"][compiled.VEGA] for output in panel.output.outputs]
    assert vega == [whole(s) for s in panel.specs]


def test_a_corrupt_cache_file_is_compiled_again(bundled_system, tmp_path):
    panel = lesson2.ShiftPanel(bundled_system)
    panel.update()
    spec = panel.specs[0]
    path = compiled.cache_folder() / f"{compiled.shape_key(spec)}.json"
    path.write_text("{not json")
    compiled.clear_memory()
    assert compiled.to_vega(spec) == whole(spec)
    assert json.loads(path.read_text())  # written again, whole


def test_each_chart_output_carries_a_png_so_the_renderer_draws_it_once(bundled_system):
    """JupyterLab's and Voila's Vega renderer draws a chart, then a PNG of it, then (because
    it writes that PNG into the output) the chart again, unless the output has a PNG. The
    browser tests count the drawings; here, each output's PNG is a real, 1x1 PNG, and Vega
    and the summary are still there."""
    import base64
    import struct

    panel = lesson2.ShiftPanel(bundled_system)
    panel.update()
    assert len(panel.output.outputs) == len(panel.figures) >= 1
    for output, figure in zip(panel.output.outputs, panel.figures):
        data = output["data"]
        png = base64.b64decode(data["image/png"], validate=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
        assert struct.unpack(">II", png[16:24]) == (1, 1)
        assert data[compiled.VEGA]["description"] == figure.summary
        assert data["text/plain"] == f"Chart: {figure.summary}"
