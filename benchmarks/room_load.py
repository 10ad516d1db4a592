"""A room on one laptop: N tables open the same lesson at once, then move a slider together
(``make bench``; issue 16, item 6).

For each N (1, 6 and 12 by default) it starts a fresh workshop server (the command
``make workshop`` runs), waits until it is ready and quiet (with preheated kernels: until
their pools are full and idle), then opens the lesson in N browser pages at the same moment:
one Chromium process, one context per table (no shared cache or cookies, as N laptops), at
1366x768, with every request to another host reported. It measures:

- **time to charts**: from the moment the N pages are asked for to the moment a page shows
  every cell's output and every chart drawn (as many charts as the lesson shows alone);
- with ``--warm``, each table's browser first opens the start page's dashboard and leaves
  it, as a table that has opened a lesson before (Voila's scripts cached); without it, the
  browsers have never opened a dashboard;
- **move latency**: every page then presses an arrow key on the same slider at the same
  moment, ``--moves`` times; from a page's key press to the last chart of that panel drawn
  again (``kit_browser.move_slider``'s measure);
- **memory**: the server's kernels once the pages are open and moved: how many, the sum of
  their resident memory (RSS, which counts shared libraries in each) and of their unique
  memory (USS, what the machine would get back by ending them), and the server's own RSS.

The browsers run on the same machine as the server, as they did in the room that was
measured (and as the issue's target counts them), so a busy machine gives slow figures: say
how busy it was. ``--json FILE`` keeps every figure.

    python benchmarks/room_load.py [--tables 1 6 12] [--lesson 02_no_winners_and_losers]
                                   [--moves 5] [--warm] [--json room.json]
                                   [--serve-option=--kernels=fresh]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
import kit_browser as kb

DEFAULT_LESSON = "02_no_winners_and_losers"
FORK_SERVER = "casestudy.serving.forkserver"
WARM_PAGE = "voila/render/00_start_here.ipynb"  # the lightest dashboard: no panel
QUIET_CPU_PERCENT = 15.0  # the server and its kernels together, over a 2 s window

# A page is ready when Voila shows it with every cell's output in (no spinner, no cell still
# waiting) and at least `n` charts are on it, each drawn.
READY_JS = """(n) => {
  const c = document.getElementById('rendered_cells');
  if (!c || c.style.display === 'none' || document.getElementById('loading')
      || document.querySelector('.voila-skeleton-container')) return false;
  const CHART = '.jp-RenderedVegaCommon5, .vega-embed';
  const charts = Array.from(document.querySelectorAll(CHART)).filter(
    (e) => !(e.parentElement && e.parentElement.closest(CHART)));
  return charts.length >= n && charts.every((e) => e.querySelector('svg.marks, canvas.marks'));
}"""
# How far a page that was not ready got.
STATE_JS = """() => {
  const CHART = '.jp-RenderedVegaCommon5, .vega-embed';
  const loading = document.getElementById('loading_text');
  return {loading: loading ? loading.innerText : null,
          waiting: document.querySelectorAll('.voila-skeleton-container').length,
          charts: document.querySelectorAll(CHART).length,
          drawn: document.querySelectorAll('svg.marks, canvas.marks').length,
          errors: Array.from(document.querySelectorAll('[data-mime-type*="stderr"], .jp-OutputArea-error'))
                       .map((e) => e.innerText.slice(0, 200))};
}"""
COUNT_CHARTS_JS = """() => { const CHART = '.jp-RenderedVegaCommon5, .vega-embed';
  return Array.from(document.querySelectorAll(CHART)).filter(
    (e) => !(e.parentElement && e.parentElement.closest(CHART))).length; }"""


def summary(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "p95": None, "max": None, "n": 0}
    return {"median": statistics.median(values), "p95": kb.percentile(values, 95),
            "max": max(values), "n": len(values)}


# --------------------------------------------------------------------------- the server


def kernels_of(server: kb.Server) -> list:
    import psutil

    try:
        children = psutil.Process(server.process.pid).children(recursive=True)
    except psutil.Error:
        return []
    return [p for p in children if _is_kernel(p)]


def _is_kernel(process) -> bool:
    """A kernel started as a fresh Python (ipykernel in its command line) or forked by the
    kit's fork server (a child of it: its command line is the fork server's)."""
    import psutil

    try:
        if "ipykernel" in " ".join(process.cmdline()):
            return True
        parent = process.parent()
        return bool(parent) and FORK_SERVER in " ".join(parent.cmdline())
    except psutil.Error:
        return False


def fork_server_of(server: kb.Server):
    import psutil

    try:
        children = psutil.Process(server.process.pid).children()
        return next((p for p in children if FORK_SERVER in " ".join(p.cmdline())), None)
    except psutil.Error:
        return None


def memory(server: kb.Server) -> dict[str, float]:
    """The server's kernels: count, and the sums in MiB of their resident memory (RSS: counts
    what kernels share, such as a fork server's imports, once in each), unique memory (USS:
    what ending them gives back) and proportional memory (PSS: shared pages split between
    the processes sharing them, so kernels and fork server add up to what they cost the
    machine); the fork server's and the server's own RSS and PSS."""
    import psutil

    def sizes(process) -> tuple[float, float, float]:
        try:
            info = process.memory_full_info()
        except (psutil.Error, AttributeError):
            return 0.0, 0.0, 0.0
        return info.rss / 2**20, info.uss / 2**20, getattr(info, "pss", 0) / 2**20

    kernels = kernels_of(server)
    totals = [sum(values) for values in zip(*(sizes(k) for k in kernels))] or [0.0, 0.0, 0.0]
    fork = fork_server_of(server)
    fork_sizes = sizes(fork) if fork else (0.0, 0.0, 0.0)
    own = sizes(psutil.Process(server.process.pid))
    return {"kernels": len(kernels), "kernel_rss_mib": totals[0], "kernel_uss_mib": totals[1],
            "kernel_pss_mib": totals[2], "fork_server_rss_mib": fork_sizes[0],
            "fork_server_pss_mib": fork_sizes[2], "server_rss_mib": own[0],
            "server_pss_mib": own[2]}


def wait_quiet(server: kb.Server, timeout_s: float = 300) -> float:
    """Wait until the server and its kernels have used under QUIET_CPU_PERCENT of one core
    over 2 s and their number has stopped changing (preheated pools full); the seconds waited."""
    import psutil

    started = time.monotonic()
    top = psutil.Process(server.process.pid)
    last_count = -1
    while time.monotonic() - started < timeout_s:
        processes = [top, *top.children(recursive=True)]
        before = {}
        for p in processes:
            try:
                before[p.pid] = sum(p.cpu_times()[:2])
            except psutil.Error:
                pass
        time.sleep(2)
        used = 0.0
        for p in processes:
            try:
                used += sum(p.cpu_times()[:2]) - before.get(p.pid, 0.0)
            except psutil.Error:
                pass
        count = len(kernels_of(server))
        if used / 2 * 100 < QUIET_CPU_PERCENT and count == last_count:
            break
        last_count = count
    return time.monotonic() - started


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


# --------------------------------------------------------------------------- the pages


async def new_table(browser):
    """A page of its own context (a table's laptop). Requests to other hosts are listed as
    problems, not blocked: Playwright's blocking intercepts every request, and a request
    intercepted while a page is left (Voila's "end my kernel" beacon) is lost."""
    context = await browser.new_context(viewport=kb.VIEWPORT)
    problems: list[str] = []
    page = await context.new_page()
    page.on("request", lambda r: kb._external(r.url) and r.url.startswith("http")
            and problems.append(f"request to another host: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status} {r.url}"))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text[:200]}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {str(e)[:200]}"))
    page.set_default_timeout(kb.PAGE_TIMEOUT_S * 1000)
    return page, problems


async def open_lesson(page, url: str, charts: int, started: float) -> float | None:
    """Seconds from ``started`` (when every table asked) until this page is ready."""
    await page.goto(url, wait_until="commit")
    try:
        await page.wait_for_function(READY_JS, arg=charts, polling=100,
                                     timeout=kb.PAGE_TIMEOUT_S * 1000)
    except Exception:  # noqa: BLE001 - a page that never came is a figure, not a crash
        try:
            state = await page.evaluate(STATE_JS)
        except Exception as exc:  # noqa: BLE001
            state = str(exc)[:200]
        print(f"  a page was not ready after {kb.PAGE_TIMEOUT_S} s: {state}", file=sys.stderr)
        return None
    return time.monotonic() - started


# Something still to do before a lesson's panels open: a prediction to commit, or a gate
# still closed (its note on the page) while the next question is on its way.
PENDING_JS = f"""() => !!document.querySelector("{kb.OPEN_PREDICTION}")
  || !!document.querySelector('.cs-gate')"""


async def commit_predictions(page, timeout_s: float = kb.PAGE_TIMEOUT_S) -> None:
    """Commit the page's predictions in order (kit_browser.commit_predictions, async) until
    every gate is open: a lesson's next question arrives after the reveal before it, and
    its panels once the last is in. Waiting a fixed 500 ms for the next question (as
    before) missed it on a busy machine, left the panels shut, and counted the page as one
    with "no slider that redraws"."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        box = await page.query_selector(kb.OPEN_PREDICTION)
        if box is None:
            if not await page.evaluate(PENDING_JS):
                return  # every gate open
            await page.wait_for_timeout(200)  # the next question, or the panels, on the way
            continue
        await (await box.query_selector_all(".widget-radio-box input"))[0].check()
        await (await box.query_selector("button:has-text('Commit my prediction')")).click()
        await page.wait_for_function(kb.OUTCOME_SHOWN_JS, arg=box, timeout=60_000)


async def first_redrawing_handle(page, why: list[str] | None = None):
    """The slider the tables move: the first slider of the first panel that redraws a chart
    (a slider may rightly change nothing), found by moving it once, after the page's
    predictions are committed and the panels they open are on the page. ``why`` gets the
    reason when there is none.

    The panels a prediction opens are built by the kernel after the commit, so they reach
    the page some time after the outcome shows: under load, seconds. Looking for sliders at
    once found none on 6 of 12 pages (the benchmark's oddity, not the page's)."""
    await commit_predictions(page)
    await page.evaluate(kb.INSTRUMENT_JS)
    try:
        await page.wait_for_selector(".cs-panel .noUi-handle", state="visible",
                                     timeout=kb.PAGE_TIMEOUT_S * 1000)
        await page.wait_for_function(READY_JS, arg=1, polling=200,  # every chart drawn
                                     timeout=kb.PAGE_TIMEOUT_S * 1000)
    except Exception:  # noqa: BLE001 - reported as a page with no slider
        why is not None and why.append(f"no panel slider within {kb.PAGE_TIMEOUT_S} s")
        return None
    handles = await page.query_selector_all(".cs-panel .noUi-handle")
    for handle in handles[:6]:
        if not await handle.is_visible():
            continue
        move = await press(page, handle)
        if move["latency_ms"] is not None:
            return handle
    why is not None and why.append(f"{len(handles)} sliders, none redrew within 20 s")
    return None


async def press(page, handle, timeout_ms: int = 20_000, quiet_ms: int = 250) -> dict:
    """The key press and the redraw it causes, as ``kit_browser.move_slider`` times them."""
    at_max = (await handle.get_attribute("aria-valuenow")) == (
        await handle.get_attribute("aria-valuemax"))
    await page.evaluate("(h) => window.__kit.arm(window.__kit.chartRoot(h))", handle)
    await handle.focus()
    await page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    deadline = time.monotonic() + timeout_ms / 1000
    result = await page.evaluate("() => window.__kit.result()")
    while time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        result = await page.evaluate("() => window.__kit.result()")
        now = await page.evaluate("() => performance.now()")
        done = result["redrawn"] >= max(result["charts"], 1)
        if result["last"] is not None and (done or now - result["last"] >= 4 * quiet_ms) \
                and now - result["last"] >= quiet_ms:
            break
    await page.evaluate("() => { window.__kit.armed && window.__kit.armed.observer.disconnect(); }")
    pressed = result["keyAt"]
    latency = (result["last"] - pressed) if result["last"] is not None and pressed else None
    return {"latency_ms": latency, "redrawn": result["redrawn"], "charts": result["charts"]}


# --------------------------------------------------------------------------- one room


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process and every process under it, now alive."""
    import psutil

    total = 0.0
    try:
        top = psutil.Process(pid)
        processes = [top, *top.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for p in processes:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def browser_pid(browser) -> int | None:
    """The Chromium process playwright launched (the browser's own children are its pages)."""
    import psutil

    me = psutil.Process()
    found = [p for p in me.children(recursive=True)
             if p.name().startswith("chrom") and p.parent() and not p.parent().name().startswith("chrom")]
    return found[0].pid if found else None


async def warm(page, url: str) -> None:
    """Open ``url`` (a dashboard) in the table's browser and leave it as a learner leaves a
    page: its scripts are then in that browser's cache, as on a laptop that has opened a
    lesson before. Leaving runs the page's unload, which ends its kernel."""
    await page.goto(url, wait_until="commit")
    await page.wait_for_function(READY_JS, arg=0, polling=200, timeout=kb.PAGE_TIMEOUT_S * 1000)
    await page.goto("about:blank")


async def room(browser, url: str, tables: int, charts: int, moves: int,
               server: kb.Server, warm_url: str | None = None) -> dict:
    pages = [await new_table(browser) for _ in range(tables)]
    if warm_url:
        for page, _ in pages:
            await warm(page, warm_url)
        wait_quiet(server)
    chromium = browser_pid(browser)
    cpu_before = {"server": cpu_seconds(server.process.pid),
                  "browser": cpu_seconds(chromium) if chromium else 0.0}
    started = time.monotonic()
    ready = await asyncio.gather(*(open_lesson(page, url, charts, started)
                                   for page, _ in pages))
    # CPU seconds spent while the pages opened: the server with its kernels, and Chromium.
    # (Processes that ended on the way are not counted.)
    cpu = {"server": cpu_seconds(server.process.pid) - cpu_before["server"],
           "browser": (cpu_seconds(chromium) - cpu_before["browser"]) if chromium else None,
           "wall": time.monotonic() - started}
    opened = [t for t in ready if t is not None]
    why: list[str] = []
    handles = await asyncio.gather(*(first_redrawing_handle(page, why) for page, _ in pages))
    latencies: list[float] = []
    missed = 0
    for _ in range(moves):
        moved = await asyncio.gather(*(press(page, handle)
                                       for (page, _), handle in zip(pages, handles) if handle))
        latencies += [m["latency_ms"] for m in moved if m["latency_ms"] is not None]
        missed += sum(m["latency_ms"] is None for m in moved)
    problems = sorted({p for _, found in pages for p in found})
    return {"tables": tables, "ready_s": ready, "to_charts_s": summary(opened),
            "not_ready": tables - len(opened), "move_ms": summary(latencies),
            "moves_without_redraw": missed, "no_slider": sum(h is None for h in handles),
            "no_slider_why": why,
            "problems": problems, "pages": pages, "cpu_opening_s": cpu}


async def measure(lesson: str, counts: list[int], moves: int,
                  options: tuple[str, ...] = (), warm_first: bool = False) -> dict:
    from playwright.async_api import async_playwright

    relative = f"voila/render/{lesson}.ipynb"
    results: dict = {"lesson": lesson, "rooms": [], "server_options": list(options),
                     "warm": warm_first}
    async with async_playwright() as playwright:
        # One page alone first, on a server of its own: the charts a page shows when the
        # machine is quiet (the target for the rooms), and every chart shape compiled.
        server = kb.start_voila(options=options)
        try:
            wait_quiet(server)
            browser = await playwright.chromium.launch(executable_path=str(kb.CHROMIUM),
                                                       headless=True, args=kb.CHROMIUM_ARGS)
            page, _ = await new_table(browser)
            await open_lesson(page, server.url + relative, 1, time.monotonic())
            await asyncio.sleep(2)
            charts = await page.evaluate(COUNT_CHARTS_JS)
            await browser.close()
        finally:
            server.stop()
        results["charts"] = charts
        print(f"{lesson}: {charts} charts on the page", file=sys.stderr, flush=True)

        for count in counts:
            server = kb.start_voila(options=options)
            try:
                waited = wait_quiet(server)
                before = memory(server)
                load = machine_load()
                browser = await playwright.chromium.launch(
                    executable_path=str(kb.CHROMIUM), headless=True, args=kb.CHROMIUM_ARGS)
                warm_url = server.url + WARM_PAGE if warm_first else None
                found = await room(browser, server.url + relative, count, charts, moves, server,
                                   warm_url)
                found["memory"] = memory(server)
                found["memory_before"] = before
                found["ready_after_s"] = waited
                found["load_before"] = load
                # The tables close their tabs (as a browser does: the page's unload runs), and
                # the server should end their kernels.
                for page, _ in found.pop("pages"):
                    await page.close(run_before_unload=True)
                await asyncio.sleep(8)
                found["memory_after_close"] = memory(server)
                await browser.close()
            finally:
                server.stop()
            results["rooms"].append(found)
            charts_s, move_ms = found["to_charts_s"], found["move_ms"]
            print(f"N={count}: charts median {charts_s['median']} s, move median "
                  f"{move_ms['median']} ms; {found['memory']['kernels']} kernels", file=sys.stderr,
                  flush=True)
    return results


def report(results: dict) -> str:
    options = " ".join(results.get("server_options", [])) or "none"
    options += "; browsers warm (a dashboard opened before)" if results.get("warm") else \
        "; browsers cold (no dashboard opened before)"
    lines = [(f"\nA room opening {results['lesson']} at once ({results['charts']} charts a "
              "page), then moving one slider together; browsers on the same machine; server "
              f"options: {options}\n"),
             (f"{'tables':>6} {'charts median s':>15} {'p95 s':>6} {'max s':>6} "
              f"{'move median ms':>14} {'p95 ms':>7} {'kernels':>7} {'kernel RSS MiB':>14} "
              f"{'USS MiB':>8} {'PSS MiB':>8} {'8 s after tabs closed':>21}  load before")]
    for r in results["rooms"]:
        c, m, mem = r["to_charts_s"], r["move_ms"], r["memory"]
        fmt = (lambda v, spec: format(v, spec) if v is not None else "-")
        lines.append(
            f"{r['tables']:>6} {fmt(c['median'], '15.1f')} {fmt(c['p95'], '6.1f')} "
            f"{fmt(c['max'], '6.1f')} {fmt(m['median'], '14.0f')} {fmt(m['p95'], '7.0f')} "
            f"{mem['kernels']:>7} {mem['kernel_rss_mib']:>14.0f} {mem['kernel_uss_mib']:>8.0f} "
            f"{mem['kernel_pss_mib'] + mem['fork_server_pss_mib']:>8.0f} "
            f"{r['memory_after_close']['kernels']:>14} kernels  {r['load_before']}")
        if r["not_ready"]:
            lines.append(f"       {r['not_ready']} page(s) not ready within {kb.PAGE_TIMEOUT_S} s")
        if r["moves_without_redraw"] or r["no_slider"]:
            lines.append(f"       moves with no redraw: {r['moves_without_redraw']}; pages with "
                         f"no slider that redraws: {r['no_slider']} {r.get('no_slider_why', '')}")
        if r["problems"]:
            lines.append(f"       problems: {r['problems'][:5]}")
        cpu = r["cpu_opening_s"]
        n = r["tables"]
        lines.append(f"       CPU while opening ({cpu['wall']:.0f} s): server and kernels "
                     f"{cpu['server']:.1f} s ({cpu['server'] / n:.2f} a page), Chromium "
                     + (f"{cpu['browser']:.1f} s ({cpu['browser'] / n:.2f} a page)"
                        if cpu["browser"] is not None else "?"))
        lines.append(f"       kernels before the pages opened: {r['memory_before']['kernels']} "
                     f"({r['memory_before']['kernel_rss_mib']:.0f} MiB RSS); server RSS "
                     f"{mem['server_rss_mib']:.0f} MiB"
                     + (f"; fork server RSS {mem['fork_server_rss_mib']:.0f} MiB (PSS counted "
                        "with the kernels')" if mem["fork_server_rss_mib"] else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, nargs="+", default=[1, 6, 12],
                        help="rooms to measure, by number of tables (default 1 6 12)")
    parser.add_argument("--lesson", default=DEFAULT_LESSON,
                        help=f"the notebook every table opens (default {DEFAULT_LESSON})")
    parser.add_argument("--moves", type=int, default=5, help="slider moves per table (default 5)")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--warm", action="store_true",
                        help="each table's browser opens the start page's dashboard first and "
                             "leaves it (scripts cached, as when a table has opened a lesson "
                             "before); default: browsers that have never opened a dashboard")
    parser.add_argument("--serve-option", action="append", default=[],
                        help="an option of python -m casestudy.serve, e.g. --serve-option="
                             "--kernels=fresh (to compare)")
    args = parser.parse_args(argv)
    results = asyncio.run(measure(args.lesson, args.tables, args.moves, tuple(args.serve_option),
                                  args.warm))
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
