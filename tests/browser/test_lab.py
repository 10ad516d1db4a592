"""The start page and the first lesson in JupyterLab, as a learner uses them: open the
notebook, Run All, wait for the widgets; then every chart is drawn, no cell shows an error,
the console is clean, nothing is asked of the internet, and a slider moved with the
keyboard redraws its charts. Lab runs on a copy of ``notebooks/`` (nothing is saved)."""

from __future__ import annotations

import re

import kit_browser as kb
import pytest

pytestmark = pytest.mark.browser

LESSONS = [p for p in kb.notebooks() if re.match(r"^0[1-9]_", p.name)]
PAGES = [kb.NOTEBOOKS / "00_start_here.ipynb", *LESSONS[:1]]

# Ready: the notebook asked for is the current tab (not a tab restored from the workspace of
# the page before), its kernel idle and its cells shown.
READY_JS = """(path) => {
  const app = window.jupyterapp; const panel = app && app.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
                 && panel.sessionContext.session.kernel;
  return !!(kernel && kernel.status === 'idle' && panel.context && panel.context.path === path
            && panel.content && panel.content.widgets.length);
}"""
DONE_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const session = panel && panel.sessionContext && panel.sessionContext.session;
  const kernel = session && session.kernel;  // null for a moment while a kernel (re)starts
  if (!kernel) return false;
  const code = panel.content.widgets.filter(c => c.model.type === 'code');
  return kernel.status === 'idle' && code.every(c => c.model.executionCount !== null);
}"""


PROGRESS_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const session = panel && panel.sessionContext && panel.sessionContext.session;
  const code = panel ? panel.content.widgets.filter(c => c.model.type === 'code') : [];
  return {kernel: session && session.kernel ? session.kernel.status : 'none',
          run: code.filter(c => c.model.executionCount !== null).length, cells: code.length,
          dialogs: Array.from(document.querySelectorAll('.jp-Dialog')).map(d => d.innerText.slice(0, 200))};
}"""


def run_all(page, stalled_png) -> None:
    """Run every cell and wait until each has run. Lab has been seen to drop a Run All asked
    for just after the kernel first went idle (no cell run; 2 runs in about 8 here): after
    90 s with no cell run, say so and ask once more. A stall after cells ran fails at once."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in (1, 2):
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            page.wait_for_function(DONE_JS, polling=200, timeout=90_000)
            return
        except PlaywrightTimeout:
            progress = page.evaluate(PROGRESS_JS)
            page.screenshot(path=stalled_png)
            if progress["run"] or attempt == 2:
                raise AssertionError(f"Run All stalled: {progress} (screenshot {stalled_png})") from None
            print(f"Run All ran no cell in 90 s ({progress}); asking again")


def follow_link(page, target: str) -> dict:
    """Click the notebook's first link to ``target`` (one with a #fragment if there is one)
    and say what Lab opened: the document's path and, for a fragment, where its heading sits
    (pixels from the top of the document's view), then go back to the notebook's tab."""
    notebook = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
    links = page.locator(f".jp-RenderedMarkdown a[href*='{target}']")
    with_fragment = page.locator(f".jp-RenderedMarkdown a[href*='{target}'][href*='#']")
    link = (with_fragment if with_fragment.count() else links).first
    href = link.get_attribute("href")
    fragment = href.split("#", 1)[1] if "#" in href else ""
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_function("(id) => window.jupyterapp.shell.currentWidget.id !== id", arg=notebook)
    page.wait_for_timeout(1500)  # the viewer renders, then scrolls to the fragment
    opened = page.evaluate("""(fragment) => {
        const w = window.jupyterapp.shell.currentWidget;
        const view = w.node.querySelector('.jp-RenderedMarkdown, .jp-RenderedHTMLCommon');
        // Lab marks a heading with data-jupyter-id (its text, spaces to hyphens).
        const entry = fragment && view && view.querySelector(
            '[id="' + fragment + '"], [data-jupyter-id="' + fragment + '"]');
        const box = view && view.closest('.jp-MarkdownViewer, .jp-DocumentWidget-content') || w.node;
        return {path: w.context ? w.context.path : null, fragment,
                entry_top: entry ? entry.getBoundingClientRect().top - box.getBoundingClientRect().top
                                 : (fragment ? -1 : null)};
    }""", fragment)
    page.evaluate("(id) => window.jupyterapp.shell.activateById(id)", notebook)
    return opened


@pytest.mark.parametrize("notebook", PAGES, ids=[p.name for p in PAGES])
def test_lab_run_all(notebook, lab, browser, screenshots):
    relative = notebook.relative_to(kb.NOTEBOOKS).as_posix()
    name = "lab_" + relative.removesuffix(".ipynb").replace("/", "_")
    # ?reset: a fresh workspace, so that Lab does not also reopen the page tested before.
    page, log = kb.open_page(browser, lab.url + "lab/tree/notebooks/" + relative + "?reset")
    try:
        page.wait_for_function(READY_JS, arg="notebooks/" + relative, polling=200)
        run_all(page, screenshots / f"{name}_stalled.png")
        kb.commit_predictions(page)  # the lesson's panel opens once its prediction is in
        charts = kb.wait_for_charts(page, expected_min=1)
        page.screenshot(path=screenshots / f"{name}.png")

        errors = page.eval_on_selector_all(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
            "els => els.map(e => e.innerText.slice(0, 400))")
        assert errors == [], "a cell shows an error or a warning"
        # With the file browser open (a fresh workspace), as a learner first sees Lab.
        assert kb.cut_off(page, ".jp-NotebookPanel .jp-WindowedPanel-outer") == {}
        undrawn = [c for c in charts if not c["drawn"]]
        assert charts and not undrawn, f"charts not drawn: {undrawn or 'none on the page'}"
        popups = page.eval_on_selector_all(".jp-toast-message, .Toastify__toast",
                                           "els => els.map(e => e.innerText)")
        assert popups == [], "a pop-up covers the notebook"

        groups = kb.slider_groups(page)
        assert groups or notebook.name.startswith("00_"), "no slider beside a chart"
        for group in groups:
            moves = kb.move_until_redrawn(page, group)
            assert all(m["value_after"] != m["value_before"] for m in moves), moves
            assert moves[-1]["redrawn"] >= 1, f"no chart redrawn after the sliders moved: {moves}"
            assert moves[-1]["drawings"] <= moves[-1]["charts"], f"a chart drawn twice: {moves[-1]}"

        # The glossary (at the entry linked) and the data notes open in Lab, as documents.
        for kind in ("glossary.md", "data/README.md"):
            opened = follow_link(page, kind)
            assert opened["path"] == ("notebooks/glossary.md" if kind == "glossary.md"
                                      else "data/README.md"), opened
            assert opened["entry_top"] is None or 0 <= opened["entry_top"] < 200, (
                f"the {kind} did not open at #{opened['fragment']}: {opened}")
    finally:
        page.context.close()
    assert kb.problems(log) == []
