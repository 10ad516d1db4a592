"""Screenshots of every page of a live room, as a facilitator and a table see them, at
1024x768 and 1366x768: ``.venv/bin/python tools/room_screenshots.py [OUT]`` (default
``screenshots/room``).

It starts Voila (as ``make workshop`` does) with the room's store in a temporary folder,
fills a room with bot tables, joins one real table, and walks the session: the join page,
lesson 2's prediction before and after the reveal, the team round page, and each tab of
the console. Each page is shot whole, one screen at a time down its scroller
(``<page>_<width>_<n>.png``), so a person can look at every part of it; then axe-core
(``axe-playwright-python``, its script bundled: no network) checks the page as shown and
every violation is printed, with its impact and where. Nothing asserts (the browser test
``tests/browser/test_room.py`` fails on a serious or critical one).
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import kit_browser as kb
from playwright.sync_api import sync_playwright

from casestudy import Scenario, room
from casestudy.room.bots import round_scenario
from casestudy.system import load_system

SIZES = ({"width": 1024, "height": 768}, {"width": 1366, "height": 768})
SCROLLER = """() => {
  let best = document.scrollingElement, gap = best.scrollHeight - best.clientHeight;
  for (const e of document.querySelectorAll('*')) {
    const style = getComputedStyle(e);
    if ((style.overflowY === 'auto' || style.overflowY === 'scroll')
        && e.scrollHeight - e.clientHeight > gap) { best = e; gap = e.scrollHeight - e.clientHeight; }
  }
  window.__scroller = best; return [best.scrollHeight, best.clientHeight]; }"""


def shoot(page, out: Path, name: str) -> int:
    """The page at each size, a screen at a time from the top; returns the shots taken."""
    taken = 0
    for size in SIZES:
        page.set_viewport_size(size)
        page.wait_for_timeout(400)
        total, view = page.evaluate(SCROLLER)
        top, number = 0, 0
        while True:
            page.evaluate(f"() => {{ window.__scroller.scrollTop = {top}; }}")
            page.wait_for_timeout(200)
            page.screenshot(path=out / f"{name}_{size['width']}_{number}.png")
            number += 1
            if top + view >= total or number >= 12:
                break
            top += view - 60
        page.evaluate("() => { window.__scroller.scrollTop = 0; }")
        taken += number
    axe_report(page, name)
    return taken


def axe_report(page, name: str) -> None:
    """Print axe-core's violations on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    if page.url.startswith("file:"):
        return
    violations = Axe().run(page).response["violations"]
    print(f"{name}: {len(violations)} axe violation(s)")
    for v in violations:
        print(f"  {v['impact']}: {v['id']}: {v['help']}")
        for node in v["nodes"][:4]:
            data = [c.get("data") for c in node.get("any", []) if c.get("data")]
            print(f"    {node.get('target')} {data[:1] if data else ''}")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    folder = tempfile.mkdtemp(prefix="rooms-")
    workshop, key = room.new_room(folder, title="Screenshots")
    server = kb.start_voila(env={room.ENV: folder})
    schemes = tuple(load_system().schemes.index)
    bots = [workshop.join(f"Bot table {i}", bot=True) for i in range(1, 5)]
    console_store = workshop.console(key)
    try:
        with sync_playwright() as playwright:
            browser = kb.launch(playwright)
            base = server.url + "voila/render/"
            console, _ = kb.open_page(browser, base + f"facilitator/console.ipynb?room={workshop.code}")
            kb.wait_for_voila(console)
            shoot(console, out, "console_locked")
            console.fill(".cs-console input[type=password]", key)
            console.get_by_role("button", name="Open the console").click()
            console.wait_for_selector(".cs-head")

            table, _ = kb.open_page(browser, base + f"room/join.ipynb?room={workshop.code}")
            kb.wait_for_voila(table)
            shoot(table, out, "join_form")
            table.fill(".cs-join input >> nth=1", "Table <3> & the CCG")
            table.get_by_role("button", name="Join the room").click()
            table.wait_for_selector(".cs-pages a")
            shoot(table, out, "join_done")
            shoot(console, out, "console_tables")

            table.locator(".cs-pages a", has_text="2. Contract as a group").click()
            kb.wait_for_voila(table)
            kb.wait_for_charts(table, 1)
            console.get_by_role("tab", name="Predictions").click()
            console.get_by_role("button", name="Open for the room").click()
            console.wait_for_selector("text=Open: tables are predicting")
            rng = random.Random(1)
            for bot in bots:
                bot.predict("lesson2.shift_rule", rng.randrange(3))
            table.locator(".cs-predict .widget-radio-box input").nth(0).check()
            table.locator(".cs-predict .cs-question").scroll_into_view_if_needed()
            shoot(table, out, "lesson2_chosen")
            table.get_by_role("button", name="Commit my prediction").click()
            table.wait_for_selector("text=Sent to the room")
            console.wait_for_selector("text=1 of 1 table predicted")
            shoot(console, out, "console_predictions_open")
            console.get_by_role("button", name="Reveal the answer").click()
            table.wait_for_selector(".cs-predict .cs-outcome .cs-feedback-wrong, "
                                    ".cs-predict .cs-outcome .cs-feedback-right")
            shoot(console, out, "console_predictions_revealed")
            shoot(table, out, "lesson2_revealed")

            table.locator(".cs-room-banner a", has_text="Team round").click()
            console.get_by_role("tab", name="Team round").click()
            console.get_by_role("button", name="Open the round and start the timer").click()
            kb.wait_for_voila(table)
            kb.wait_for_charts(table, 2)
            table.wait_for_selector("text=Round 1 is open")
            demand = workshop.state().rounds[1].demand_shock
            for bot in bots[:3]:
                bot.save_scenario(round_scenario(rng, schemes, demand, 0), round=1,
                                  reason="Pool the risk, so that no partner ends the year "
                                         "worse off.")
            table.fill(".cs-panel textarea >> nth=0", "Fund social care <first>: it keeps "
                                                      "people out of hospital.")
            table.get_by_role("button", name="Send our deal to the room").click()
            table.wait_for_selector("text=Sent for round 1")
            shoot(table, out, "team_round")
            console.wait_for_selector("text=Sent a deal: 4")
            shoot(console, out, "console_round_open")
            console.get_by_role("button", name="Advance the slowest and lock").click()
            console.wait_for_selector("text=Given the baseline at the lock")
            for _ in range(3):
                console.get_by_role("button", name="Reveal the next table").click()
                console.wait_for_timeout(1500)
            shoot(console, out, "console_round_revealed")
            console_store.open_round(2, demand)
            for number, bot in enumerate(bots):
                bot.save_scenario(Scenario(demand_shock=demand, risk_share=0.25 * number),
                                  round=2, reason="Round two: share more of the risk.")
            console_store.lock_round(2, Scenario(demand_shock=demand))
            console.fill(".cs-console input[type=number] >> nth=0", "2")
            console.get_by_role("button", name="Reveal every table").click()
            console.wait_for_selector("text=The rounds side by side")
            shoot(console, out, "console_two_rounds")
            console.get_by_role("tab", name="Record").click()
            console.get_by_role("button", name="Write the record and the debrief").click()
            console.wait_for_selector("a[download$='debrief.html']")
            shoot(console, out, "console_record")
            debrief = next(Path(ROOT / "exports").glob(f"room-{workshop.code}-debrief*.html"))
            page = browser.new_page(viewport=SIZES[1])  # a file: not through open_page's filter
            page.goto(debrief.as_uri())
            shoot(page, out, "debrief")
            browser.close()
    finally:
        server.stop()
        room.close_all()
    print(f"screenshots in {out}: {len(list(out.glob('*.png')))}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots" / "room")
