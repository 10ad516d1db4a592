"""Write each notebook's ``.ipynb`` from its MyST source (``make notebooks``).

A lesson is written as MyST Markdown, ``notebooks/<name>.md`` (prose, and ``{code-cell}``
blocks of a line or two); its ``.ipynb`` twin, which Voila, nbval and the handouts read, is
made from it with jupytext. So a lesson's words are changed in one way: edit the ``.md``,
then run ``make notebooks``. ``tests/test_notebook_sources.py`` fails when a pair differs.

What the ``.ipynb`` gets:

- the cells of the ``.md``, in order, with no outputs and no execution counts;
- cell ids that do not change from one run to the next: a cell that was already in the
  ``.ipynb`` (matched by jupytext on its text, or on its place when its text was edited)
  keeps its id; a new cell gets one derived from the notebook's name and the cell's text, so
  the same ``.md`` gives the same file on every machine (jupytext alone gives a new cell a
  random id on each run);
- the ``.ipynb``'s own notebook metadata (``language_info``), as jupytext keeps it.

Usage (from the kit's root)::

    .venv/bin/python tools/sync_notebooks.py             # every .md -> its .ipynb
    .venv/bin/python tools/sync_notebooks.py --check     # say which pairs differ; write nothing
    .venv/bin/python tools/sync_notebooks.py --from-ipynb notebooks/room/join.ipynb
        # write the .md from an .ipynb: a notebook made elsewhere, or one a merge changed

An ``.ipynb`` that is newer than its ``.md`` and has other cells (a merge, or an edit in a
JupyterLab without jupytext) is not overwritten: its cells would be lost. Carry them into the
``.md`` with ``--from-ipynb``, or pass ``--force`` to drop them.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import os
import sys
from pathlib import Path

import jupytext
import nbformat
from jupytext.combine import combine_inputs_with_outputs
from jupytext.config import load_jupytext_config

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PAIRING = "ipynb,md:myst"


def text_format() -> dict:
    """MyST, with the header filter of ``[tool.jupytext]`` in pyproject.toml (which
    JupyterLab's jupytext reads too): the header leaves out jupytext's version, so that an
    upgrade of jupytext does not rewrite every lesson."""
    config = load_jupytext_config(str(NOTEBOOKS))
    return {"extension": ".md", "format_name": "myst",
            "notebook_metadata_filter": config.notebook_metadata_filter}


def is_source(path: Path) -> bool:
    """A ``.md`` written by jupytext (a notebook), not a page of prose such as the glossary."""
    with path.open(encoding="utf-8") as handle:
        return handle.read(64).startswith("---\njupytext:")


def pairs(folder: Path = NOTEBOOKS) -> list[tuple[Path, Path]]:
    """Every (``.md``, ``.ipynb``) pair under ``folder``, by name; either may not exist yet."""
    stems = {p.with_suffix("") for p in folder.rglob("*.ipynb")
             if ".ipynb_checkpoints" not in p.parts}
    stems |= {p.with_suffix("") for p in folder.rglob("*.md") if is_source(p)}
    return [(s.with_suffix(".md"), s.with_suffix(".ipynb")) for s in sorted(stems)]


def cell_id(stem: str, cell: dict, taken: set[str]) -> str:
    """An id from the notebook's name and the cell's text (a second cell of the same text
    gets the next free one)."""
    for attempt in range(1000):
        seed = f"{stem}\n{cell['cell_type']}\n{cell['source']}\n{attempt}".encode()
        candidate = hashlib.sha1(seed).hexdigest()[:8]
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"{stem}: no free cell id")  # pragma: no cover


def notebook_from(md: Path, ipynb: Path) -> nbformat.NotebookNode:
    """What ``make notebooks`` writes to ``ipynb`` from ``md``."""
    source = jupytext.read(md, fmt=text_format())
    old = nbformat.read(ipynb, as_version=4) if ipynb.exists() else None
    notebook = combine_inputs_with_outputs(source, old) if old is not None else source
    notebook.nbformat, notebook.nbformat_minor = 4, max(5, notebook.nbformat_minor)
    kept = {cell.get("id") for cell in old.cells} if old is not None else set()
    taken: set[str] = set()
    for cell in notebook.cells:
        if cell.get("id") not in kept or cell.get("id") in taken:
            cell["id"] = cell_id(md.stem, cell, taken | kept)
        taken.add(cell["id"])
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    pairing = notebook.metadata.setdefault("jupytext", {})
    pairing["formats"] = PAIRING
    pairing.pop("text_representation", None)  # the .md's own header, as jupytext keeps it
    nbformat.validate(notebook)
    return notebook


def cells_of(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def source_from(ipynb: Path, md: Path) -> str:
    """The MyST text of ``ipynb`` (for ``--from-ipynb``)."""
    notebook = nbformat.read(ipynb, as_version=4)
    notebook.metadata.setdefault("jupytext", {})["formats"] = PAIRING
    return jupytext.writes(copy.deepcopy(notebook), fmt=text_format())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on a difference")
    parser.add_argument("--force", action="store_true", help="overwrite a newer .ipynb")
    parser.add_argument("--from-ipynb", nargs="+", type=Path, metavar="IPYNB",
                        help="write these notebooks' .md from their .ipynb, then sync them")
    args = parser.parse_args(argv)
    for ipynb in [p.resolve() for p in args.from_ipynb or []]:
        md = ipynb.with_suffix(".md")
        md.write_text(source_from(ipynb, md), encoding="utf-8")
        print(f"wrote {md.relative_to(ROOT)} from its .ipynb")
    problems = 0
    for md, ipynb in pairs():
        name = md.relative_to(ROOT).with_suffix("")
        if not md.exists():
            print(f"{name}: an .ipynb with no MyST source; write it once with "
                  f"--from-ipynb {ipynb.relative_to(ROOT)}")
            problems += 1
            continue
        new = nbformat.writes(notebook_from(md, ipynb))
        new += "" if new.endswith("\n") else "\n"  # as nbformat.write ends a file
        old = ipynb.read_text(encoding="utf-8") if ipynb.exists() else None
        if new == old:
            continue
        if args.check:
            print(f"{name}: the .ipynb is not what make notebooks writes from the .md")
            problems += 1
            continue
        if (old is not None and not args.force and ipynb.stat().st_mtime > md.stat().st_mtime
                and cells_of(nbformat.reads(old, as_version=4)) != cells_of(
                    jupytext.read(md, fmt=text_format()))):
            print(f"{name}: the .ipynb is newer than the .md and has other cells; carry them "
                  f"into the .md (--from-ipynb {ipynb.relative_to(ROOT)}) or pass --force")
            problems += 1
            continue
        ipynb.write_text(new, encoding="utf-8")
        # Not newer than its source: JupyterLab's jupytext warns when an .ipynb is newer than
        # its text file, and the check above reads a newer .ipynb as edited by hand.
        os.utime(ipynb, ns=(md.stat().st_atime_ns, md.stat().st_mtime_ns))
        print(f"wrote {ipynb.relative_to(ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
