"""How long each notebook takes to run top to bottom in a fresh kernel (``make bench``).

Runs every notebook the kit ships (the lessons, the sandbox, the facilitator's pages) with
nbclient, as nbval and Voila do, a fresh kernel each, and prints the seconds from asking for
the kernel to the last cell done, and the slowest cell. Nothing is saved.

Run it on a quiet machine: a kernel and its notebook share the machine's cores with
everything else. The first run on a machine also compiles each chart shape once
(``casestudy.charts.compiled``); later runs read them from the cache.

    python benchmarks/notebook_times.py [--only 04_fixed_income] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def notebooks() -> list[Path]:
    found = sorted(NOTEBOOKS.glob("*.ipynb")) + sorted(NOTEBOOKS.glob("*/*.ipynb"))
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def run(path: Path) -> dict:
    """Run one notebook; the total seconds, and the slowest code cell's number and seconds."""
    book = nbformat.read(path, as_version=4)
    cells: list[tuple[int, float]] = []
    client = NotebookClient(book, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    # The kernel's own stderr (a warning about its local TCP transport) is not a result.
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        for index, cell in enumerate(book.cells):
            if cell.cell_type != "code":
                continue
            at = time.perf_counter()
            client.execute_cell(cell, index)
            cells.append((index, time.perf_counter() - at))
    total = time.perf_counter() - started
    slowest = max(cells, key=lambda c: c[1]) if cells else (None, 0.0)
    return {"total_s": total, "code_cells": len(cells), "slowest_cell": slowest[0],
            "slowest_cell_s": slowest[1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[],
                        help="a notebook's name (without .ipynb); repeat for more")
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook (median shown)")
    args = parser.parse_args(argv)
    chosen = [p for p in notebooks() if not args.only or p.stem in args.only]
    print(f"\nNotebook run time, top to bottom in a fresh kernel (nbclient), "
          f"median of {args.repeat}\n")
    print(f"{'Notebook':40} {'code cells':>10} {'total s':>8} {'slowest cell':>13} {'its s':>6}")
    for path in chosen:
        runs = [run(path) for _ in range(args.repeat)]
        middle = sorted(runs, key=lambda r: r["total_s"])[len(runs) // 2]
        name = path.relative_to(NOTEBOOKS).as_posix()
        print(f"{name:40} {middle['code_cells']:>10} "
              f"{statistics.median(r['total_s'] for r in runs):>8.1f} "
              f"{'cell ' + str(middle['slowest_cell']):>13} {middle['slowest_cell_s']:>6.1f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
