"""What one table's pages cost the server: each page's kernel, resident and unique memory
and CPU time, on Voila as ``make workshop`` runs it, with a room in a temporary folder.

    .venv/bin/python benchmarks/room_page_memory.py [--rounds 3]

For each page (the join page, lesson 2 as a table in the room, the team round page, and the
facilitator's console) it opens the page in Chromium, waits until Voila has run every cell
and drawn every chart, then reads the page's kernel process (the Voila server's new child):
RSS (resident), USS (memory no other process shares: what the kernel alone adds) and the
CPU seconds it used to draw the page. Then it leaves the page open and the next one starts,
as a table's tabs do. It also says how many kernels are alive at the end: Voila 0.5's
request to end a page's kernel when the page is left is refused (HTTP 403), so a table that
moves from page to page holds a kernel per page until the server culls idle ones.

Medians over ``--rounds`` fresh kernels per page. Nothing asserts: this is a measurement,
for ``docs/hosted-event.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import kit_browser as kb
import psutil
from playwright.sync_api import sync_playwright

from casestudy import room

MIB = 1024 * 1024


def kernels(server: kb.Server) -> dict[int, psutil.Process]:
    found = {}
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                found[child.pid] = child
        except psutil.Error:
            continue
    return found


def measure(browser, server, url: str, charts: int) -> dict:
    before = set(kernels(server))
    began = time.perf_counter()
    page, _ = kb.open_page(browser, url)
    kb.wait_for_voila(page)
    kb.wait_for_charts(page, charts, timeout_s=120)
    ready = time.perf_counter() - began
    page.wait_for_timeout(2000)  # a page in a room polls: let it settle
    fresh = [p for pid, p in kernels(server).items() if pid not in before]
    if len(fresh) != 1:
        raise RuntimeError(f"expected one new kernel for {url}, found {len(fresh)}")
    kernel = fresh[0]
    info = kernel.memory_full_info()
    cpu = kernel.cpu_times()
    return {"page": page, "ready_s": ready, "rss": info.rss / MIB, "uss": info.uss / MIB,
            "cpu_s": cpu.user + cpu.system}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="rooms-")
    server = kb.start_voila(env={room.ENV: folder})
    workshop, _ = room.new_room(folder, title="Memory")
    base = server.url + "voila/render/"
    results: dict[str, list[dict]] = {}
    try:
        with sync_playwright() as playwright:
            browser = kb.launch(playwright)
            for number in range(args.rounds):
                table = workshop.join(f"Table {number}")
                query = f"?room={workshop.code}&table={table.token}"
                pages = [("join page", f"room/join.ipynb?room={workshop.code}", 0),
                         ("lesson 2 (a table)", f"02_no_winners_and_losers.ipynb{query}", 3),
                         ("team round (a table)", f"room/team_round.ipynb{query}", 2),
                         ("console", f"facilitator/console.ipynb?room={workshop.code}", 0)]
                opened = []
                for name, path, charts in pages:
                    result = measure(browser, server, base + path, charts)
                    opened.append(result.pop("page"))
                    results.setdefault(name, []).append(result)
                alive = len(kernels(server))
                for page in opened:
                    page.context.close()
                time.sleep(3)
                print(f"round {number + 1}: {alive} kernels with four pages open, "
                      f"{len(kernels(server))} after closing them", flush=True)
            browser.close()
    finally:
        server.stop()
        room.close_all()
    print(f"\nEach page's kernel, median of {args.rounds} (machine load "
          f"{psutil.getloadavg()[0]:.1f} on {psutil.cpu_count()} cores):")
    print(f"{'page':<24}{'ready (s)':>10}{'RSS (MiB)':>11}{'USS (MiB)':>11}{'CPU (s)':>9}")
    for name, rows in results.items():
        print(f"{name:<24}{statistics.median(r['ready_s'] for r in rows):>10.1f}"
              f"{statistics.median(r['rss'] for r in rows):>11.0f}"
              f"{statistics.median(r['uss'] for r in rows):>11.0f}"
              f"{statistics.median(r['cpu_s'] for r in rows):>9.1f}")


if __name__ == "__main__":
    main()
