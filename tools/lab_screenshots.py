"""Screenshots of every notebook in JupyterLab, as a learner sees it, for a person to look at.

Starts JupyterLab on a copy of ``notebooks/`` (tests/browser/kit_browser.py), opens each
notebook in headless Chromium at 1366x768, runs all its cells, waits for every chart, and
saves the notebook screen by screen (scrolling the notebook, not the page) under
``screenshots/lab/``. Prints, per notebook, the charts drawn and any error shown.

    python tools/lab_screenshots.py [notebook stems...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
import kit_browser as kb
from test_lab import DONE_JS, READY_JS

OUT = kb.ROOT / "screenshots" / "lab"
# The element that scrolls the notebook (JupyterLab 4: the windowed panel's outer box).
SCROLLER = ".jp-NotebookPanel .jp-WindowedPanel-outer"


def shoot(browser, lab: kb.Server, notebook: Path, most: int = 14) -> str:
    relative = notebook.relative_to(kb.NOTEBOOKS).as_posix()
    stem = relative.removesuffix(".ipynb").replace("/", "_")
    page, log = kb.open_page(browser, lab.url + "lab/tree/notebooks/" + relative + "?reset")
    try:
        page.wait_for_function(READY_JS, arg="notebooks/" + relative, polling=200)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(DONE_JS, polling=200)
        charts = kb.wait_for_charts(page, expected_min=1)
        page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
        height = page.evaluate(f"() => document.querySelector('{SCROLLER}').scrollHeight")
        view = page.evaluate(f"() => document.querySelector('{SCROLLER}').clientHeight")
        shots = 0
        for shots, top in enumerate(range(0, max(height, 1), max(view - 60, 200))):
            if shots >= most:
                break
            page.evaluate(f"(y) => document.querySelector('{SCROLLER}').scrollTo(0, y)", top)
            page.wait_for_timeout(150)
            page.screenshot(path=OUT / f"{stem}_{shots:02d}.png")
        errors = kb.stderr_outputs(page)
        undrawn = [c for c in charts if not c["drawn"]]
        return (f"{relative}: {len(charts)} charts, {len(undrawn)} not drawn, {len(errors)} errors "
                f"shown, {shots + 1} screens, problems {kb.problems(log)}")
    finally:
        page.context.close()


def main(stems: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    notebooks = [p for p in kb.notebooks() if not stems or p.stem in stems]
    lab = kb.start_lab()
    try:
        with sync_playwright() as playwright:
            browser = kb.launch(playwright)
            for notebook in notebooks:
                print(shoot(browser, lab, notebook), flush=True)
            browser.close()
    finally:
        lab.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
