"""Drive the kit's pages in a real Chromium: start Voila or JupyterLab on a free loopback
port, open a page as a learner would, and watch what it draws.

Used by the browser tests (``tests/browser``) and by ``benchmarks/browser_latency.py``.
Nothing here asserts: functions return what they saw, and the callers judge.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from casestudy import serve  # the command `make workshop` runs

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1366, "height": 768}  # a projector
VEGALITE = "application/vnd.vegalite.v5+json"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Seconds; generous because the kernels share two cores with whatever else runs.
START_TIMEOUT_S = 120
PAGE_TIMEOUT_S = 180


def notebooks(root: Path = NOTEBOOKS) -> list[Path]:
    """Every notebook the workshop serves: the lessons and one level of sub-folders."""
    found = sorted(root.glob("*.ipynb")) + sorted(root.glob("*/*.ipynb"))
    return [p for p in found if not any(part.startswith(".") for part in p.relative_to(root).parts)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- servers


@dataclass
class Server:
    """A Jupyter server started in its own process group, and how to reach it."""

    process: subprocess.Popen
    url: str
    log_path: Path
    workdir: Path | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        """Stop the server and every kernel it started (SIGTERM, then SIGKILL)."""
        children = _descendants(self.process.pid)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        for pid in children:  # kernels run in sessions of their own
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _descendants(pid: int) -> list[int]:
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        return []
    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def _die_with_parent() -> None:
    """In the server's process: receive SIGTERM when the process that started it dies, so a
    test run that is killed leaves no server (and, through Voila's own shutdown, no kernel)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the fixture's teardown still stops it
        pass


def _popen(command: list[str], *, cwd: Path, env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=_die_with_parent)  # noqa: PLW1509 (started before any thread)


def _wait_until_up(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n"
                               + log_path.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the server did not answer {url} within {START_TIMEOUT_S} s:\n"
                       + log_path.read_text(errors="replace")[-3000:])


def start_voila(root: Path = NOTEBOOKS, env: dict[str, str] | None = None,
                options: tuple[str, ...] = ()) -> Server:
    """The workshop's server (``make workshop``'s command) on every notebook under ``root``,
    with more of its ``options``; ``env`` adds to the environment (e.g. ``CASESTUDY_SYSTEM``,
    which its kernels inherit)."""
    port = free_port()
    log_path = Path(tempfile.mkstemp(prefix="voila-", suffix=".log")[1])
    with log_path.open("w") as log:
        process = _popen(serve.voila_command(port, root=root, options=options), cwd=ROOT,
                         env=serve.voila_env({**os.environ, **(env or {})}), log=log)
    server = Server(process, f"http://127.0.0.1:{port}/", log_path)
    try:
        _wait_until_up(process, server.url, log_path)
    except BaseException:
        server.stop()
        raise
    return server


# Lab settings for a test: no news or update pop-ups, no autosave, every cell in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def start_lab() -> Server:
    """JupyterLab on a copy of ``notebooks/`` in a temporary folder, so nothing it does
    (a save, a checkpoint, a trust signature) touches the repository."""
    import shutil

    workdir = Path(tempfile.mkdtemp(prefix="kit-lab-"))
    shutil.copytree(NOTEBOOKS, workdir / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # The data notes, which the lessons link as ../data/README.md (as in a checkout).
    (workdir / "data").mkdir()
    shutil.copy(ROOT / "data" / "README.md", workdir / "data" / "README.md")
    for name, values in LAB_SETTINGS.items():
        path = workdir / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = free_port()
    log_path = workdir / "lab.log"
    command = [str(BIN / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--allow-root", "--IdentityProvider.token=", "--ServerApp.password=",
               f"--ServerApp.root_dir={workdir}", f"--LabApp.user_settings_dir={workdir / 'settings'}",
               f"--LabApp.workspaces_dir={workdir / 'workspaces'}",
               "--LabApp.expose_app_in_browser=True", "--NotebookNotary.db_file=:memory:"]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(workdir / "runtime"), "PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log:
        process = _popen(command, cwd=workdir, env=env, log=log)
    server = Server(process, f"http://127.0.0.1:{port}/", log_path, workdir)
    try:
        _wait_until_up(process, server.url + "lab", log_path)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- the browser


def launch(playwright):
    """Debian's Chromium, headless, with no background traffic of its own."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)


@dataclass
class PageLog:
    """What a page said and asked for while a test used it."""

    console: list[tuple[str, str, str]] = field(default_factory=list)  # (type, text, url)
    page_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)  # requests to non-loopback hosts (blocked)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, why) on loopback
    statuses: list[tuple[int, str]] = field(default_factory=list)  # HTTP >= 400 on loopback

    def errors(self) -> list[tuple[str, str, str]]:
        return [m for m in self.console if m[0] == "error"]


def open_page(browser, url: str | None = None, viewport: dict[str, int] | None = None):
    """A fresh page at 1366x768 (or ``viewport``) whose every request to a non-loopback host
    is recorded and blocked (the room may have no internet, and CI must not pass thanks to
    a CDN); files on disk (a handout page) load."""
    context = browser.new_context(viewport=viewport or VIEWPORT)
    page = context.new_page()
    log = PageLog()

    def route(route):
        host = urlsplit(route.request.url).hostname or ""
        if host in LOOPBACK or route.request.url.startswith(("data:", "blob:", "file:")):
            route.continue_()
        else:
            log.external.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", route)
    page.on("console", lambda m: log.console.append((m.type, m.text, (m.location or {}).get("url", ""))))
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: None if _external(r.url) else log.failed.append(
        (r.url, r.failure or "")))
    page.on("response", lambda r: r.status >= 400 and not _external(r.url) and log.statuses.append(
        (r.status, r.url)))
    page.set_default_timeout(PAGE_TIMEOUT_S * 1000)
    if url:
        page.goto(url, wait_until="commit")
    return page, log


def _external(url: str) -> bool:
    return (urlsplit(url).hostname or "") not in LOOPBACK


# Page-side helpers, installed once per page.
INSTRUMENT_JS = r"""
() => {
  if (window.__kit) return;
  // Vega draws into an svg or canvas of class "marks" (the actions menu has an svg too).
  const MARKS = 'svg.marks, canvas.marks';
  // A chart: the output JupyterLab's Vega renderer makes (even when drawing failed), or a
  // vega-embed made some other way (e.g. a widget).
  const CHART = '.jp-RenderedVegaCommon5, .vega-embed';
  const kit = window.__kit = {keyAt: null, armed: null};
  const chartsIn = (root) => Array.from(root.querySelectorAll(CHART)).filter(
    (e) => !(e.parentElement && e.parentElement.closest(CHART)));
  const chartOf = (node) => {
    let found = null;
    for (let n = node; n && n.closest; n = n.parentElement) {
      const c = n.closest(CHART); if (!c) break; found = c; n = c;
    }
    return found;
  };
  // The time of the key press, taken before any widget code sees it.
  document.addEventListener('keydown', () => { kit.keyAt = performance.now(); }, true);
  // The element that holds a slider's charts: its nearest ancestor with a chart in it.
  kit.chartRoot = (el) => {
    let node = el;
    while (node && !(node.querySelector && node.querySelector(CHART))) node = node.parentElement;
    return node;
  };
  // Watch `root` for charts drawn anew: marks added, or changed in place.
  kit.arm = (root) => {
    if (kit.armed) kit.armed.observer.disconnect();
    // drawn: every marks element (one per drawing of a chart) added since the key press.
    const state = {charts: chartsIn(root).length, redrawn: new Set(), drawn: new Set(), times: [],
                   firstAny: null, observer: null};
    state.observer = new MutationObserver((records) => {
      const now = performance.now();
      for (const r of records) {
        const where = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        // The first change the kernel's answer makes (outside the slider that was moved).
        if (state.firstAny === null && kit.keyAt !== null && where &&
            !where.closest('.widget-slider, .noUi-target')) state.firstAny = now;
        let hit = null;
        for (const n of r.addedNodes) {
          if (n.nodeType !== 1) continue;
          const marks = n.matches(MARKS) ? [n] : Array.from(n.querySelectorAll(MARKS));
          if (kit.keyAt !== null) marks.forEach((m) => state.drawn.add(m));
          if (marks.length && !hit) hit = chartOf(n) || n;
        }
        if (!hit && where && where.closest('svg.marks')) hit = chartOf(where);
        if (hit && kit.keyAt !== null) { state.redrawn.add(hit); state.times.push(now); }
      }
    });
    state.observer.observe(root, {subtree: true, childList: true, attributes: true});
    kit.keyAt = null;
    kit.armed = state;
  };
  kit.result = () => {
    const s = kit.armed;
    return s ? {charts: s.charts, redrawn: s.redrawn.size, drawings: s.drawn.size, keyAt: kit.keyAt,
                firstAny: s.firstAny,
                first: s.times.length ? s.times[0] : null,
                last: s.times.length ? s.times[s.times.length - 1] : null} : null;
  };
  // Every chart on the page, and whether Vega drew it.
  kit.charts = () => chartsIn(document).map((e) => ({
    drawn: !!e.querySelector(MARKS),
    label: (e.querySelector('[aria-label]') || e).getAttribute('aria-label') || '',
    visible: e.getBoundingClientRect().width > 0,
    error: Array.from(e.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]'))
             .map((p) => p.innerText).join(' ').slice(0, 300),
  }));
}
"""


def instrument(page) -> None:
    page.evaluate(INSTRUMENT_JS)


def wait_for_voila(page, timeout_s: float = PAGE_TIMEOUT_S) -> None:
    """Until Voila has shown the page and every cell's output (its spinner and the
    placeholder of every cell gone: progressive rendering fills cells in one by one); on a
    timeout, say how far it got."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "() => { const c = document.getElementById('rendered_cells');"
            " return c && c.style.display !== 'none' && !document.getElementById('loading')"
            "        && !document.querySelector('.voila-skeleton-container'); }",
            timeout=timeout_s * 1000, polling=200)
    except PlaywrightTimeout:
        status = page.evaluate(
            "() => { const e = document.getElementById('loading_text');"
            " const waiting = document.querySelectorAll('.voila-skeleton-container').length;"
            " return e ? e.innerText : waiting + ' cells still waiting for their output'; }")
        raise AssertionError(f"Voila did not show {page.url} within {timeout_s} s: {status!r}") from None


def wait_for_charts(page, expected_min: int = 1, settle_ms: int = 1000,
                    timeout_s: float = 90) -> list[dict]:
    """Wait until at least ``expected_min`` charts are on the page, each drawn, with the
    number of charts and widgets steady for ``settle_ms``; return what ``kit.charts`` saw
    (also after ``timeout_s``, so that the caller can say which chart was not drawn)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    instrument(page)
    try:
        page.wait_for_function(
            """([n, settle]) => {
                 const all = window.__kit.charts();
                 const ready = all.length >= n && all.every(c => c.drawn);
                 const key = ready ? [all.length, document.querySelectorAll('.jupyter-widgets').length,
                                      document.querySelectorAll('.noUi-handle').length].join() : '';
                 const w = window.__kitWait = window.__kitWait || {key: '', since: 0};
                 if (!ready || key !== w.key) { w.key = key; w.since = performance.now(); return false; }
                 return performance.now() - w.since >= settle;
               }""",
            arg=[expected_min, settle_ms], polling=100, timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        pass
    page.evaluate("() => { window.__kitWait = undefined; }")
    return page.evaluate("() => window.__kit.charts()")


def slider_groups(page) -> list[list]:
    """The visible slider handles, grouped by the charts they drive (one group per panel:
    the handles whose nearest ancestor holding a chart is the same)."""
    instrument(page)
    groups: dict[str, list] = {}
    for handle in page.query_selector_all(".noUi-handle"):
        root_id = page.evaluate(
            """(h) => { const r = window.__kit.chartRoot(h); if (!r) return null;
                        r.dataset.kitRoot = r.dataset.kitRoot || String(Math.random());
                        return r.dataset.kitRoot; }""", handle)
        if root_id and handle.is_visible():
            groups.setdefault(root_id, []).append(handle)
    return list(groups.values())


def slider_handles(page) -> list:
    """One slider handle per group of charts (the first slider of each panel)."""
    return [group[0] for group in slider_groups(page)]


def move_until_redrawn(page, group: list, tries: int = 4) -> list[dict]:
    """Move the sliders of one panel in turn until one redraws its charts; return every
    move. (A slider may rightly change nothing: a blended rate under fixed income.)"""
    moves = []
    for handle in group[:tries]:
        handle.scroll_into_view_if_needed()
        moves.append(move_slider(page, handle))
        if moves[-1]["redrawn"]:
            break
    return moves


def move_slider(page, handle, timeout_ms: int = 10_000, quiet_ms: int = 250,
                key: str | None = None) -> dict:
    """Press an arrow key (``key``, else right, or left at the end) on a focused slider
    handle and time the redraw of its charts.

    Returns ``{"label", "charts", "redrawn", "drawings", "latency_ms", "answer_ms", "draw_ms",
    "value_before", "value_after"}``: latency is from the key press to the last chart drawn
    (None when nothing redrew); answer is to the first change the kernel's reply made;
    drawings counts the charts drawn (a chart drawn twice counts twice).
    """
    instrument(page)
    before = _slider_value(page, handle)
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    page.evaluate("(h) => window.__kit.arm(window.__kit.chartRoot(h))", handle)
    handle.focus()
    page.keyboard.press(key or ("ArrowLeft" if at_max else "ArrowRight"))
    deadline = time.monotonic() + timeout_ms / 1000
    result = page.evaluate("() => window.__kit.result()")
    while time.monotonic() < deadline:
        page.wait_for_timeout(20)
        result = page.evaluate("() => window.__kit.result()")
        now = page.evaluate("() => performance.now()")
        done = result["redrawn"] >= max(result["charts"], 1)
        if result["last"] is not None and (done or now - result["last"] >= 4 * quiet_ms) \
                and now - result["last"] >= quiet_ms:
            break
    page.evaluate("() => { window.__kit.armed && window.__kit.armed.observer.disconnect(); }")
    pressed = result["keyAt"]
    latency = (result["last"] - pressed) if result["last"] is not None and pressed else None
    answer = (result["firstAny"] - pressed) if result["firstAny"] is not None and pressed else None
    label = page.evaluate(
        """(h) => { const s = h.closest('.widget-slider, .widget-hslider');
                    const l = s && s.querySelector('.widget-label');
                    return l ? l.innerText : ''; }""", handle)
    return {"label": label, "charts": result["charts"], "redrawn": result["redrawn"],
            "drawings": result["drawings"], "latency_ms": latency,
            "answer_ms": answer, "draw_ms": (latency - answer) if latency and answer else None,
            "value_before": before, "value_after": _slider_value(page, handle)}


def _slider_value(page, handle) -> str:
    """The value the slider's readout shows (what the learner reads)."""
    return page.evaluate(
        """(h) => { const s = h.closest('.widget-slider, .widget-hslider');
                    const r = s && s.querySelector('.widget-readout');
                    return r ? (r.value !== undefined && r.value !== '' ? r.value : r.innerText)
                             : h.getAttribute('aria-valuenow'); }""", handle)


def stderr_outputs(page, visible_only: bool = True) -> list[str]:
    """Text of every stderr or error output on the page (Voila strips warnings, so in a
    dashboard any of these is an error the room would see). Hidden ones (the kit's Voila
    template hides one known harmless message) count only with ``visible_only=False``."""
    return page.eval_on_selector_all(
        '[data-mime-type="application/vnd.jupyter.stderr"]',
        """(els, visibleOnly) => els.filter(e => !visibleOnly || e.getClientRects().length > 0)
                                   .map(e => e.innerText.slice(0, 500))""", visible_only)


def clipped_text(page) -> list[str]:
    """Text the page cuts off: visible buttons, widget labels, dropdowns and toggle buttons
    whose words are wider than their box (ipywidgets ends them with an ellipsis). For a
    dropdown, its chosen option's words."""
    return page.eval_on_selector_all(
        ".jupyter-button, .widget-label, .widget-label-basic, .widget-dropdown select, "
        ".widget-toggle-button",
        """els => els.filter(e => e.getClientRects().length > 0 && e.clientWidth > 0
                                 && e.scrollWidth > e.clientWidth + 1)
                     .map(e => (e.tagName === 'SELECT' ? e.options[e.selectedIndex].text
                                                       : e.innerText).trim())
                     .filter(t => t)""")


def short_sliders(page, min_px: int = 100) -> list[str]:
    """The labels of visible sliders whose track is shorter than ``min_px`` (a long label
    can squeeze a track to a dot that no one can drag)."""
    return page.eval_on_selector_all(
        ".widget-slider .noUi-target",
        """(els, least) => els.filter(e => e.getClientRects().length > 0
                                           && e.getBoundingClientRect().width < least)
               .map(e => { const s = e.closest('.widget-slider');
                           const l = s && s.querySelector('.widget-label');
                           return (l ? l.innerText : '?') + ': '
                                  + Math.round(e.getBoundingClientRect().width) + ' px'; })""",
        min_px)


def charts_past(page, container: str) -> list[str]:
    """The charts (by their screen-reader label) whose drawing reaches past the right edge
    of ``container`` (a CSS selector: the notebook's scroller in JupyterLab), with by how
    many pixels."""
    return page.evaluate(
        """(sel) => { const box = document.querySelector(sel); if (!box) return ['no ' + sel];
             const edge = box.getBoundingClientRect().right;
             return Array.from(document.querySelectorAll('svg.marks, canvas.marks'))
               .filter(m => m.getClientRects().length && m.getBoundingClientRect().right > edge + 1)
               .map(m => { const c = m.closest('[aria-label]') || m;
                           return (c.getAttribute('aria-label') || '').slice(0, 80) + ': '
                                  + Math.round(m.getBoundingClientRect().right - edge) + ' px'; }); }""",
        container)


def cut_off(page, container: str) -> dict[str, list[str]]:
    """What a learner could not read or use at this size, by kind (only the kinds found):
    words clipped, sliders too short to drag, charts past the right edge of ``container``."""
    found = {"words cut off": clipped_text(page),
             "sliders too short to drag": short_sliders(page),
             "charts past the right edge": charts_past(page, container)}
    return {kind: items for kind, items in found.items() if items}


# --------------------------------------------------------------------------- judging a page

# Console errors known to be harmless, each with why.
HARMLESS_CONSOLE = [
    (re.compile(r"RUNTIME-012|getter for the shared module is not a function"),
     "Voila 0.5's module federation warns about a shared module; the page works"),
]
# Requests to other hosts that may be blocked without harm (the room may be offline).
HARMLESS_EXTERNAL = [
    (re.compile(r"^https://fonts\.(googleapis|gstatic)\.com/"), "web fonts; system fonts are used"),
]


def _harmless(text: str, rules) -> bool:
    return any(pattern.search(text) for pattern, _ in rules)


def problems(log: PageLog) -> list[str]:
    """Everything the page logged that a learner could suffer from, after the allow-list:
    console errors, uncaught exceptions, failed or refused requests to the server, and
    requests to other hosts (blocked in the tests, as in an offline room)."""
    found = []
    for kind, text, url in log.errors():
        if _external(url) and url:  # a blocked external resource: judged below, by its URL
            continue
        if not _harmless(text, HARMLESS_CONSOLE):
            found.append(f"console error: {text[:300]} ({url})")
    found += [f"uncaught exception: {e[:300]}" for e in log.page_errors
              if not _harmless(e, HARMLESS_CONSOLE)]
    found += [f"request failed: {url} ({why})" for url, why in log.failed]
    found += [f"HTTP {status}: {url}" for status, url in log.statuses]
    found += [f"request to another host: {url}" for url in log.external
              if not _harmless(url, HARMLESS_EXTERNAL)]
    return found


# --------------------------------------------------------------------------- script from names

# Installed before any page script: counts every alert, confirm and prompt (in the page and
# in any frame, whose calls are also counted in the page's list).
NO_DIALOGS_JS = r"""
(() => {
  const calls = window.__kitDialogs = [];
  const record = (kind) => function (message) {
    const text = kind + ': ' + String(message);
    calls.push(text);
    try { if (window.top !== window && window.top.__kitDialogs) window.top.__kitDialogs.push(text + ' (in a frame)'); }
    catch (e) { /* a frame of another origin */ }
    return kind === 'confirm' ? false : (kind === 'prompt' ? null : undefined);
  };
  for (const kind of ['alert', 'confirm', 'prompt']) window[kind] = record(kind);
})();
"""

# Markup that only a name let through could have made: an event handler or a script URL
# calling alert, a <script> holding only alert(n), an iframe, a style that hides the page.
INJECTED_JS = r"""
() => {
  const found = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      for (const a of Array.from(el.attributes)) {
        const name = a.name.toLowerCase(), value = a.value;
        if (name.startsWith('on') && value.includes('alert(')) found.push(`<${tag} ${name}="${value}">`);
        if (['href', 'src', 'xlink:href', 'action', 'formaction'].includes(name)
            && /^\s*javascript:/i.test(value)) found.push(`<${tag} ${name}="${value}">`);
      }
      if (tag === 'script' && /^\s*alert\(\d+\)\s*$/.test(el.textContent)) found.push(`<script>${el.textContent}</script>`);
      if (tag === 'iframe') found.push(`<iframe src="${el.getAttribute('src')}">`);
      if (tag === 'style' && /body\s*\{\s*display:\s*none/.test(el.textContent)) found.push(`<style>${el.textContent}</style>`);
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(document);
  return found;
}
"""

# The text a reader sees, charts left out (Vega shortens long axis labels with an ellipsis),
# a no-break space read as a space (ipywidgets writes a dropdown's spaces as no-break ones).
SHOWN_TEXT_JS = r"""
() => {
  const hidden = Array.from(document.querySelectorAll('svg, canvas'));
  const before = hidden.map((e) => e.style.display);
  hidden.forEach((e) => { e.style.display = 'none'; });
  const text = document.body ? document.body.innerText : '';
  hidden.forEach((e, i) => { e.style.display = before[i]; });
  return text.replace(/\u00a0/g, ' ');
}
"""


@dataclass
class ScriptWatch:
    """What a page did that only script from a name would: dialogs opened (Playwright's
    ``dialog`` event) and calls of the stubbed ``alert``/``confirm``/``prompt``."""

    dialogs: list[str] = field(default_factory=list)

    def calls(self, page) -> list[str]:
        found = []
        for frame in page.frames:
            found += _in_frame(frame, "() => window.__kitDialogs || []")
        return found

    def harmless_text(self, page, wait_ms: int) -> str:
        """The page's visible text, once an ``<img src=x>`` has had ``wait_ms`` to fail and
        run its ``onerror``, after the hostile pages' three checks: no name opened a
        dialog, ran script or became markup."""
        page.wait_for_timeout(wait_ms)
        made, calls, text = injected(page), self.calls(page), shown_text(page)
        assert self.dialogs == [], "a dialog opened"
        assert calls == [], "script from a name ran"
        assert made == [], "a name became markup"
        return text


def open_watched(browser, url: str):
    """``open_page`` with every dialog recorded (and dismissed) and ``alert``, ``confirm``
    and ``prompt`` stubbed to count their calls before any script of the page runs; returns
    (page, log, watch)."""
    page, log = open_page(browser)
    watch = ScriptWatch()

    def on_dialog(dialog) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.add_init_script(NO_DIALOGS_JS)
    page.goto(url, wait_until="commit")
    return page, log, watch


def injected(page) -> list[str]:
    """Elements and attributes of the page (and its frames) that a name made."""
    found = []
    for frame in page.frames:
        found += _in_frame(frame, INJECTED_JS)
    return found


def _in_frame(frame, script: str) -> list:
    """What ``script`` returns in ``frame``; nothing from a frame that has gone or that
    belongs to another origin (its document is not the page's to read)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return list(frame.evaluate(script))
    except PlaywrightError:
        return []


def shown_text(page) -> str:
    """The page's visible text, without its charts."""
    return page.evaluate(SHOWN_TEXT_JS)


OPEN_PREDICTION = ".cs-predict:has(.widget-radio-box input:not([disabled]))"
OUTCOME_SHOWN_JS = ("(box) => { const o = box.querySelector('.cs-outcome');"
                    " return !!o && o.offsetParent !== null; }")


def commit_predictions(page, timeout_ms: int = 60_000, option: int = 0) -> int:
    """Commit every open prediction (``.cs-predict``) on a page with no room, with its
    ``option``, one at a time and in order: a lesson's sequence shows its next question,
    and a gate its panel, only once the outcome before is out. Returns how many were
    committed."""
    done = 0
    for _ in range(20):
        page.wait_for_timeout(500)  # the next question of a sequence arrives after a reveal
        box = page.query_selector(OPEN_PREDICTION)
        if box is None:
            break
        box.scroll_into_view_if_needed()
        box.query_selector_all(".widget-radio-box input")[option].check()
        box.query_selector("button:has-text('Commit my prediction')").click()
        page.wait_for_function(OUTCOME_SHOWN_JS, arg=box, timeout=timeout_ms)
        done += 1
    return done


def reveal_checks(page, timeout_ms: int = 30_000) -> int:
    """Answer every check of understanding (``.cs-check``; not the predictions, which
    :func:`commit_predictions` commits) with its first option and show the feedback;
    returns how many were answered."""
    checks = page.query_selector_all(".cs-check:not(.cs-predict)")
    for check in checks:
        check.scroll_into_view_if_needed()
        option = check.query_selector("input[type=radio]")
        if option:
            option.check()
        check.query_selector(".jupyter-button").click()
    if checks:
        page.wait_for_function(
            "(n) => document.querySelectorAll('.cs-check:not(.cs-predict) .cs-feedback-right, "
            ".cs-check:not(.cs-predict) .cs-feedback-wrong').length >= n", arg=len(checks),
            timeout=timeout_ms)
    return len(checks)


# --------------------------------------------------------------------------- links


def links_on(page) -> list[str]:
    """Every link on the page, as the browser resolves it (absolute)."""
    return page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")


def _ids_in(text: str) -> set[str]:
    return set(re.findall(r'\s(?:id|name)="([^"]+)"', text))


class LinkChecker:
    """Follows links as a learner would, on one server, and says which are broken: an HTTP
    status of 400 or more, or a fragment (``#term``) that names no element of the page it
    leads to. Links to other hosts are not followed (a room may be offline). A link to a
    notebook is checked against the notebooks served, not fetched (fetching it would start a
    kernel); a link into a notebook's section is reported, as it cannot be checked so."""

    def __init__(self, request, server_url: str, root: Path = NOTEBOOKS) -> None:
        self.request, self.server, self.root = request, server_url, root
        self.pages: dict[str, tuple[int, str]] = {}

    def fetch(self, url: str) -> tuple[int, str]:
        if url not in self.pages:
            response = self.request.get(url)
            self.pages[url] = (response.status, response.text() if response.ok else "")
        return self.pages[url]

    def broken(self, url: str, here: str = "", here_ids: set[str] | None = None) -> str | None:
        """Why ``url`` (found on the page at ``here``, whose ids are ``here_ids``) is broken,
        or None when it works or is not ours to follow."""
        if _external(url) or not url.startswith(("http://", "https://")):
            return None
        target, _, fragment = url.partition("#")
        if target == here.partition("#")[0] and here_ids is not None:
            return None if not fragment or fragment in here_ids else f"no #{fragment} on the page"
        path = urlsplit(target).path
        if "/voila/render/" in path and path.endswith(".ipynb"):
            relative = path.split("/voila/render/", 1)[1]
            if not (self.root / relative).is_file():
                return f"no notebook {relative}"
            return f"a link into a notebook's section (#{fragment}) is not checked" if fragment else None
        status, text = self.fetch(target)
        if status >= 400:
            return f"HTTP {status}"
        if fragment and fragment not in _ids_in(text):
            return f"no #{fragment} on {path}"
        return None

    def on_page(self, page) -> dict[str, str]:
        """The broken links of a page open in the browser: {url: why}."""
        here = page.url
        ids = set(page.eval_on_selector_all("[id], a[name]",
                                           "els => els.map(e => e.id || e.getAttribute('name'))"))
        found = {}
        for url in dict.fromkeys(links_on(page)):
            why = self.broken(url, here, ids)
            if why:
                found[url] = why
        return found

    def crawl(self, start: list[str]) -> tuple[dict[str, str], list[str]]:
        """Fetch ``start`` and every page of this server they link that is not a notebook,
        and check every link on each; the broken links {url (on page): why}, and the pages
        read."""
        seen: list[str] = []
        queue = list(start)
        broken: dict[str, str] = {}
        while queue:
            url = queue.pop(0).partition("#")[0]
            if url in seen:
                continue
            seen.append(url)
            status, text = self.fetch(url)
            if status >= 400:
                broken[url] = f"HTTP {status}"
                continue
            ids = _ids_in(text)
            for href in re.findall(r'<a\s[^>]*href="([^"]+)"', text):
                link = urljoin(url, html_unescape(href))
                why = self.broken(link, url, ids)
                if why:
                    broken[f"{link} (on {urlsplit(url).path})"] = why
                elif (not _external(link) and urlsplit(link).path.endswith(".md")
                      and link.partition("#")[0] not in seen):
                    queue.append(link)
        return broken, seen


# --------------------------------------------------------------------------- accessibility

# The WCAG 2 A and AA rules of axe-core (bundled by axe-playwright-python), 2.0 and 2.1.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
_axe = None


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's WCAG 2 A/AA violations on the page of the given impacts, each as
    ``{"id", "impact", "nodes", "help", "example"}`` (nodes: how many elements)."""
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    response = _axe.run(page, options=AXE_OPTIONS).response
    return [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "help": v["help"],
             "example": (v["nodes"][0]["target"] if v["nodes"] else None),
             "why": (v["nodes"][0].get("failureSummary", "")[:300] if v["nodes"] else "")}
            for v in response["violations"] if v["impact"] in impacts]


CHART_TEXT_JS = r"""
() => Array.from(document.querySelectorAll('svg.marks')).filter(s => s.getClientRects().length)
  .map(svg => {
    const box = svg.viewBox && svg.viewBox.baseVal;
    const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
    const sizes = Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim())
      .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
    const doc = svg.closest('[role=graphics-document]');
    return {label: doc ? (doc.getAttribute('aria-label') || '') : '',
            smallest_px: sizes.length ? Math.min(...sizes) : null};
  })
"""


def chart_text(page) -> list[dict]:
    """Every visible chart's text alternative (the name a screen reader reads: the
    ``aria-label`` Vega gives the chart from its spec's description, the figure's summary)
    and the size of its smallest text on screen, in CSS pixels (with any zoom or scaling)."""
    return page.evaluate(CHART_TEXT_JS)


CONTROLS_CLIPPED_JS = r"""
() => {
  const found = [];
  const width = document.documentElement.clientWidth;
  const controls = document.querySelectorAll(
    'input, select, textarea, button, .noUi-target, .widget-readout, '
    + '.jupyter-widget-Collapse-header, .lm-TabBar-tab');
  for (const e of controls) {
    if (!e.getClientRects().length) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // The visible box: the window, narrowed by every ancestor that clips or scrolls.
    let left = 0, right = width;
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') {
        const b = a.getBoundingClientRect();
        left = Math.max(left, b.left); right = Math.min(right, b.right);
      }
    }
    if (r.right > right + 1 || r.left < left - 1) {
      const named = e.getAttribute('aria-label') || e.innerText || e.value || e.placeholder
                    || e.getAttribute('title') || e.className;
      found.push(String(named).trim().slice(0, 60) + ': ' + Math.round(Math.max(r.right - right, left - r.left)) + ' px');
    }
  }
  return found;
}
"""


def controls_clipped(page) -> list[str]:
    """The visible controls (inputs, buttons, sliders, folds, tabs) that reach past the
    window or past a box that clips or scrolls them, with by how many pixels."""
    return page.evaluate(CONTROLS_CLIPPED_JS)


def open_save_panels(page, title: str = "Save or load this scenario") -> int:
    """Unfold every closed "Save or load" fold on the page; returns how many were opened."""
    headers = [h for h in page.query_selector_all(".jupyter-widget-Collapse-header")
               if title in h.inner_text() and h.is_visible() and not h.evaluate(
                   "h => h.parentElement.classList.contains('jupyter-widget-Collapse-open')")]
    for header in headers:
        header.scroll_into_view_if_needed()
        header.click()
    page.wait_for_timeout(200)
    return len(headers)


def resize(page, width: int, height: int, settle_ms: int = 400) -> None:
    """The window at ``width`` x ``height``, and the page laid out again."""
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(settle_ms)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the nearest ranks (the benchmarks' p95).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([5.0], 95)
    (2.5, 5.0)
    """
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --------------------------------------------------------------------------- the game's reveal

GAME_RESULT_SHOWN_JS = """n => { window.__shownAt = null;
    const observer = new MutationObserver(() => {
        const r = document.querySelector('.cs-game-result h3');
        if (r && r.offsetParent !== null && r.innerText.startsWith('Round ' + n + ',')) {
            window.__shownAt = Date.now(); observer.disconnect(); } });
    observer.observe(document.body,
        {subtree: true, childList: true, attributes: true, characterData: true}); }"""


def reveal_round(console, pages, round_number: int, timeout_ms: int = 15_000) -> list[int]:
    """Click the game console's Reveal for this round; each table page's latency (ms) from
    the click to its result showing (each page notes the moment in its own clock)."""
    for page in pages:
        page.evaluate(GAME_RESULT_SHOWN_JS, round_number)
    clicked = console.evaluate("() => Date.now()")
    console.get_by_role("button", name=f"Reveal round {round_number}").click()
    latencies = []
    for page in pages:
        page.wait_for_function("() => window.__shownAt !== null", timeout=timeout_ms)
        latencies.append(page.evaluate("() => window.__shownAt") - clicked)
    return latencies
