"""The game's reveal, as a room sees it: from the facilitator's click on **Reveal** in the
console's game view to every one of 8 table pages showing its own result (issue 17's
target: within 2 s for 8 tables on one laptop).

Serves the notebooks with Voila (``make workshop``'s command) with the room's store in a
temporary folder, makes a game of ``--rounds`` rounds (default 5, 2017/18 to 2021/22) on
the bundled system, whose 7 roles each get a table; the 8th page is the commissioners' page
opened a second time (a table on two laptops). It opens the 8 table pages and the console's
game view in one Chromium, and for each round opens the plan, locks it (the house bots
decide) and clicks **Reveal** in the console, timing every page in its own clock. Prints
the median and the maximum over every page and round and the machine's load average;
``--json FILE`` writes them.

    python benchmarks/game_reveal.py [--rounds 5] [--pages 8]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
import kit_browser as kb

VIEWPORT = {"width": 1024, "height": 768}


def run(rounds: int, pages: int) -> dict:
    from playwright.sync_api import sync_playwright

    from casestudy import room as room_store
    from casestudy.game import new_game

    folder = tempfile.mkdtemp(prefix="game-reveal-")
    server = kb.start_voila(env={"CASESTUDY_ROOM_DB": folder})
    try:
        game, key = new_game(folder, title="Reveal benchmark", seed=1, rounds=rounds)
        roles = [r.role_id for r in game.setup.roles]
        tokens = []
        for index in range(pages):
            table = game.room.join(f"Table {index + 1}")
            if index < len(roles):
                game.seat(table.token).take(roles[index])
            tokens.append(table.token if index < len(roles) else tokens[0])
        console_api = game.console(key)
        with sync_playwright() as playwright:
            browser = kb.launch(playwright)
            opened = time.perf_counter()
            tables = []
            for token in tokens:
                page, _ = kb.open_page(browser, server.url + "voila/render/room/game.ipynb"
                                       f"?room={game.code}&table={token}", viewport=VIEWPORT)
                tables.append(page)
            console, _ = kb.open_page(browser, server.url + "voila/render/facilitator/"
                                      f"game_console.ipynb?room={game.code}",
                                      viewport=VIEWPORT)
            for page in (*tables, console):
                kb.wait_for_voila(page)
            for page in tables:
                page.wait_for_selector(".cs-game-head .cs-role")
            console.fill(".cs-game-console input[type=password]", key)
            console.get_by_role("button", name="Open the game's console").click()
            console.wait_for_selector(".cs-head")
            load_s = time.perf_counter() - opened
            latencies: list[list[int]] = []
            for number in range(1, rounds + 1):
                if number > 1:
                    console_api.advance()  # the debrief of the round before
                console_api.advance(plan_seconds=600)
                console_api.advance(house_bots="cooperative")  # lock: the bots decide
                console.get_by_role("button", name=f"Reveal round {number}").wait_for()
                for page in tables:
                    page.wait_for_selector(".cs-phase >> text=Locked")
                shown = kb.reveal_round(console, tables, number, timeout_ms=30_000)
                latencies.append(shown)
                print(f"round {number}: reveal to each of {pages} pages (ms): {shown}",
                      flush=True)
            browser.close()
        slowest = [max(r) for r in latencies]
        every = [v for r in latencies for v in r]
        one, five, _ = os.getloadavg()
        return {"pages": pages, "rounds": rounds, "pages_open_s": round(load_s, 1),
                "median_ms": statistics.median(every), "max_ms": max(every),
                "median_slowest_page_ms": statistics.median(slowest),
                "per_round_ms": latencies, "load_average_1_5": [one, five],
                "cores": os.cpu_count()}
    finally:
        room_store.close_all()
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.rounds, args.pages)
    print(json.dumps({k: v for k, v in result.items() if k != "per_round_ms"}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
