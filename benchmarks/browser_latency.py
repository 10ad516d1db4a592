"""Slider to chart in a real browser, per lesson, as a room sees it (``make bench``).

Serves the notebooks with Voila (the command ``make workshop`` runs), opens each lesson in
Debian's Chromium at 1366x768 with the network blocked, and measures:

- **time to first chart**: from asking for the page to the first chart drawn, and to every
  chart drawn (the kernel starts, runs the notebook, the browser draws; a lesson's
  predictions are committed first, as its panels open only then, so it includes those);
- **slider to chart**: from a key press on a slider to the last chart of its panel drawn
  again, over many moves of one slider per panel (it sweeps up to its end, then back; the
  moves back revisit values, as a learner does);
- **kernel memory**: the resident (RSS) and unique (USS) memory of the lesson's kernel after
  the moves, for planning a room on one shared server.

It prints a table, and with ``--json FILE`` writes the figures. Run it on a quiet machine:
the kernels and the browser share its cores.

    python benchmarks/browser_latency.py [--moves 30] [--only 02_no_winners_and_losers]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
import kit_browser as kb

LESSONS = [p for p in kb.notebooks() if p.name[:2].isdigit() and p.name[:2] != "00"]


def kernel_memory(server: kb.Server) -> dict[str, float]:
    """RSS and USS in MiB of the newest kernel the server started (the lesson just opened)."""
    import psutil

    kernels = [p for p in psutil.Process(server.process.pid).children(recursive=True)
               if "ipykernel" in " ".join(p.cmdline())]
    if not kernels:
        return {}
    newest = max(kernels, key=lambda p: p.create_time())
    info = newest.memory_full_info()
    return {"rss_mib": info.rss / 2**20, "uss_mib": info.uss / 2**20}


def first_chart(page, url: str) -> dict[str, float]:
    """Open ``url``; seconds to the first chart drawn and to every chart drawn."""
    started = time.monotonic()
    page.goto(url, wait_until="commit")
    kb.wait_for_voila(page)
    kb.commit_predictions(page)  # a lesson's panels open once its predictions are in
    page.wait_for_selector("svg.marks, canvas.marks", state="attached")
    first = time.monotonic() - started
    kb.wait_for_charts(page, expected_min=1, settle_ms=300)
    return {"first_chart_s": first, "all_charts_s": time.monotonic() - started}


def sweep(page, group: list, moves: int) -> list[dict]:
    """Move one slider of a panel ``moves`` times (the first that redraws its charts)."""
    tried = kb.move_until_redrawn(page, group)
    handle = group[len(tried) - 1]
    if not tried[-1]["redrawn"]:
        return []
    results = []
    direction = "ArrowRight"
    for _ in range(moves):
        if handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax"):
            direction = "ArrowLeft"
        elif handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemin"):
            direction = "ArrowRight"
        results.append(kb.move_slider(page, handle, key=direction))
    return results


def measure(browser, server: kb.Server, notebook: Path, moves: int) -> dict:
    relative = notebook.relative_to(kb.NOTEBOOKS).as_posix()
    page, log = kb.open_page(browser)
    try:
        figures = first_chart(page, server.url + "voila/render/" + relative)
        panels = []
        for group in kb.slider_groups(page):
            done = sweep(page, group, moves)
            times = [m["latency_ms"] for m in done if m["latency_ms"] is not None]
            if times:
                panels.append({"label": done[0]["label"], "latency_ms": times,
                               "answer_ms": [m["answer_ms"] for m in done if m["answer_ms"]],
                               "missed": len(done) - len(times)})
        figures["memory"] = kernel_memory(server)
        figures["panels"] = panels
        figures["problems"] = kb.problems(log)
    finally:
        page.context.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=30, help="moves per panel (default 30)")
    parser.add_argument("--only", action="append", default=[],
                        help="a notebook's name (without .ipynb); repeat for more")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    lessons = [p for p in LESSONS if not args.only or p.stem in args.only]

    from playwright.sync_api import sync_playwright

    results = {}
    server = kb.start_voila()
    try:
        with sync_playwright() as playwright:
            browser = kb.launch(playwright)
            for notebook in lessons:
                results[notebook.stem] = measure(browser, server, notebook, args.moves)
                print(f"measured {notebook.stem}", file=sys.stderr, flush=True)
            browser.close()
    finally:
        server.stop()

    print(f"\nSlider to redrawn chart in Voila, Chromium 1366x768, {args.moves} moves per panel\n")
    print(f"{'Lesson':32} {'panels':>6} {'moves':>6} {'median ms':>10} {'p95 ms':>8} "
          f"{'kernel answer ms':>17} {'first chart s':>14} {'all charts s':>13} {'kernel RSS MiB':>15} {'USS MiB':>8}")
    for name, r in results.items():
        times = [t for p in r["panels"] for t in p["latency_ms"]]
        answers = [t for p in r["panels"] for t in p["answer_ms"]]
        row = (f"{name:32} {len(r['panels']):>6} {len(times):>6} "
               + (f"{statistics.median(times):>10.0f} {kb.percentile(times, 95):>8.0f} "
                  f"{statistics.median(answers):>17.0f} " if times else f"{'-':>10} {'-':>8} {'-':>17} ")
               + f"{r['first_chart_s']:>14.1f} {r['all_charts_s']:>13.1f} "
               + f"{r['memory'].get('rss_mib', float('nan')):>15.0f} {r['memory'].get('uss_mib', float('nan')):>8.0f}")
        print(row)
        for p in r["panels"]:
            print(f"    {p['label'][:60]:60} median {statistics.median(p['latency_ms']):5.0f} ms, "
                  f"p95 {kb.percentile(p['latency_ms'], 95):5.0f} ms"
                  + (f", {p['missed']} moves with no redraw" if p["missed"] else ""))
        if r["problems"]:
            print(f"    problems on the page: {r['problems']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
