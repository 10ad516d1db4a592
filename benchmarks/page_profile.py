"""Where one warm lesson page's CPU goes (issue 16, item 6): Chromium by process and, from a
CDP CPU profile of the page, by script (self time), the server and its kernels, the page's
requests (bytes by kind) and its console errors.

    python benchmarks/page_profile.py [--lesson 02_no_winners_and_losers] [--profile out.cpuprofile]
                                      [--serve-option=...] [--runs 3]

The table's browser first opens the start page's dashboard (as ``room_load.py --warm``),
then the lesson; CPU is counted from asking for the lesson to every chart drawn and 2 s more.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import room_load as rl

kb = rl.kb


def chromium_cpu(root_pid: int) -> dict[str, float]:
    """CPU seconds by Chromium process kind (browser, renderer, gpu, utility...)."""
    import psutil

    out: dict[str, float] = collections.Counter()
    try:
        top = psutil.Process(root_pid)
        processes = [top, *top.children(recursive=True)]
    except psutil.Error:
        return {}
    for p in processes:
        try:
            kind = next((a.split("=", 1)[1] for a in p.cmdline() if a.startswith("--type=")),
                        "browser")
            t = p.cpu_times()
            out[kind] += t.user + t.system
        except psutil.Error:
            pass
    return dict(out)


def server_parts(server) -> dict[str, float]:
    """CPU seconds of the server's own process, its fork server, and its kernels (alive)."""
    import psutil

    top = psutil.Process(server.process.pid)
    parts = {"server": sum(top.cpu_times()[:2]), "fork server": 0.0, "kernels": 0.0}
    for p in top.children(recursive=True):
        try:
            key = "kernels" if rl._is_kernel(p) else "fork server"
            parts[key] += sum(p.cpu_times()[:2])
        except psutil.Error:
            pass
    return parts


def self_time_by_url(profile: dict) -> dict[str, float]:
    """Self time (ms) of a CDP CPU profile, by script URL (or a category for the rest)."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    counts: dict[int, int] = collections.Counter(profile.get("samples", []))
    deltas = profile.get("timeDeltas", [])
    per_sample = (sum(deltas) / len(deltas) / 1000) if deltas else 1.0
    out: dict[str, float] = collections.Counter()
    for node_id, n in counts.items():
        frame = nodes[node_id]["callFrame"]
        url = frame.get("url") or f"({frame.get('functionName') or 'anonymous'})"
        out[url.split("?")[0]] += n * per_sample
    return dict(out)


async def one(playwright, server, lesson: str, profile_path: Path | None) -> dict:
    browser = await playwright.chromium.launch(executable_path=str(kb.CHROMIUM), headless=True,
                                               args=kb.CHROMIUM_ARGS)
    try:
        page, problems = await rl.new_table(browser)
        await rl.warm(page, server.url + rl.WARM_PAGE)
        rl.wait_quiet(server)
        chromium = rl.browser_pid(browser)
        requests: list[tuple[str, str, int]] = []
        statuses: dict[int, int] = collections.Counter()

        async def on_response(r):
            try:
                body = await r.body()
            except Exception:  # noqa: BLE001 - a redirect or websocket has no body
                body = b""
            requests.append((r.request.resource_type, r.url, len(body)))
            statuses[r.status] += 1

        page.on("response", lambda r: asyncio.ensure_future(on_response(r)))
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text[:600]))
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Profiler.enable")
        await cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        await cdp.send("Profiler.start")
        await cdp.send("Performance.enable")
        metrics_before = {m["name"]: m["value"] for m in
                          (await cdp.send("Performance.getMetrics"))["metrics"]}
        own_before = server_parts(server)
        before_c = chromium_cpu(chromium)
        before_s = rl.cpu_seconds(server.process.pid)
        started = time.monotonic()
        url = server.url + f"voila/render/{lesson}.ipynb"
        ready = await rl.open_lesson(page, url, 1, started)
        await asyncio.sleep(2)
        profile = (await cdp.send("Profiler.stop"))["profile"]
        after_c = chromium_cpu(chromium)
        after_s = rl.cpu_seconds(server.process.pid)
        metrics = {m["name"]: m["value"] for m in
                   (await cdp.send("Performance.getMetrics"))["metrics"]}
        metrics = {k: v - metrics_before.get(k, 0) for k, v in metrics.items()
                   if k.endswith("Duration") or k in ("Nodes", "JSHeapUsedSize")}
        own_after = server_parts(server)
        if profile_path:
            profile_path.write_text(json.dumps(profile))
        by_url = self_time_by_url(profile)
        kinds = {k: after_c.get(k, 0) - before_c.get(k, 0) for k in after_c}
        js = [(u, b) for t, u, b in requests if t == "script"]
        return {"ready_s": ready, "chromium_cpu_s": kinds, "chromium_total_s": sum(kinds.values()),
                "server_cpu_s": after_s - before_s,
                "server_parts_s": {k: own_after.get(k, 0) - own_before.get(k, 0) for k in own_after}, "profile_ms_by_url": by_url,
                "scripts": len(js), "script_bytes": sum(b for _, b in js),
                "requests": collections.Counter(t for t, _, _ in requests),
                "script_urls": sorted({urlsplit(u).path for u, _ in js}),
                "problems": problems, "errors": errors, "metrics": metrics, "statuses": dict(statuses)}
    finally:
        await browser.close()


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        server = kb.start_voila(options=tuple(args.serve_option))
        try:
            rl.wait_quiet(server)
            results = []
            for i in range(args.runs):
                r = await one(playwright, server, args.lesson,
                              args.profile if i == args.runs - 1 else None)
                results.append(r)
                print(f"run {i + 1}: ready {r['ready_s']:.2f} s; Chromium "
                      f"{r['chromium_total_s']:.2f} s {({k: round(v, 2) for k, v in r['chromium_cpu_s'].items()})}; "
                      f"server+kernels {r['server_cpu_s']:.2f} s {({k: round(v, 2) for k, v in r['server_parts_s'].items()})}; {r['scripts']} scripts "
                      f"{r['script_bytes'] / 1e6:.1f} MB", flush=True)
        finally:
            server.stop()
    last = results[-1]
    print(f"\nmedian over {args.runs}: ready {statistics.median(r['ready_s'] for r in results):.2f} s, "
          f"Chromium {statistics.median(r['chromium_total_s'] for r in results):.2f} s CPU, "
          f"server+kernels {statistics.median(r['server_cpu_s'] for r in results):.2f} s CPU")
    print("\nrenderer main thread, self time by script (last run, ms):")
    for url, ms in sorted(last["profile_ms_by_url"].items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {ms:8.0f}  {url[-110:]}")
    print("\nscripts not Voila's own bundle:", *[u for u in last["script_urls"] if "/voila/static/" not in u], sep="\n  ")
    print("\nconsole errors:", *sorted(set(last["errors"]))[:10], sep="\n  ")
    print("\nstatuses:", last["statuses"], "\nmetrics (s):", {k: round(v, 3) for k, v in last["metrics"].items()})
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lesson", default=rl.DEFAULT_LESSON)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="write the last run's CPU profile here")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--serve-option", action="append", default=[])
    args = parser.parse_args(argv)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
