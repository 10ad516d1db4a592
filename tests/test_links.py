"""Every link a lesson writes opens, anchors included, in the three places a lesson is read:

- on the workshop server (Voila): each relative link, followed from the dashboard's address
  ``/voila/render/<notebook>``, reaches a page the server answers (``serving.pages``) with
  an element of the linked id, or a notebook it serves;
- in the handouts: each link, as the handouts rewrite it, names a page ``make handouts``
  writes, with the linked id on it;
- in JupyterLab the links are relative file paths, which resolve in the checkout (checked
  here) and open at their heading (``tests/browser/test_lab.py`` clicks them).

These run without a browser, in well under a second; the browser tests follow the links of
every dashboard page for real.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import nbformat
import pytest

from casestudy import handouts
from casestudy.serving import pages

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MARKDOWN_FILES = [NOTEBOOKS / "glossary.md", NOTEBOOKS / "facilitator" / "guide.md",
                  ROOT / "data" / "README.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def notebook_links() -> list[tuple[Path, str]]:
    """(the file, the link) for every Markdown link in every notebook's Markdown cells and in
    the kit's Markdown files, except links to other sites."""
    found = []
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")) + sorted(NOTEBOOKS.glob("*/*.ipynb")):
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type == "markdown":
                found += [(notebook, link) for link in LINK.findall(cell.source)]
    for path in MARKDOWN_FILES:
        found += [(path, link) for link in LINK.findall(path.read_text(encoding="utf-8"))]
    return [(path, link) for path, link in found if not urlsplit(link).scheme]


LINKS = notebook_links()


def ids_in(text: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', text))


def test_the_lessons_have_links_to_check():
    targets = {link.partition("#")[0].rsplit("/", 1)[-1] for _, link in LINKS}
    assert {"glossary.md", "README.md", ""} <= targets  # "": a link within its own page
    assert len(LINKS) > 100


@pytest.mark.parametrize("where", sorted({p for p, _ in LINKS}), ids=lambda p: p.name)
def test_every_link_resolves_on_the_workshop_server(where):
    # The address of the page the link is on, as the server shows it.
    if where.suffix == ".ipynb" or where.is_relative_to(NOTEBOOKS):
        here = "/voila/render/" + where.relative_to(NOTEBOOKS).as_posix()
    else:
        here = "/voila/data/README.md"
    rendered: dict[Path, set[str]] = {}
    for _, link in [(p, link) for p, link in LINKS if p == where]:
        target, _, fragment = urljoin(here, link).partition("#")
        if target == here:
            target_file = where
        elif target.endswith(".ipynb"):
            notebook = NOTEBOOKS / target.removeprefix("/voila/render/")
            assert target.startswith("/voila/render/") and notebook.is_file(), (link, target)
            assert not fragment, f"{link}: a link into a notebook's section is not checked"
            continue
        else:
            target_file = pages.page_file(target.lstrip("/"))
            assert target_file is not None, f"{where.name}: {link} -> {target} is not served"
        if fragment and target_file.suffix == ".md":
            if target_file not in rendered:
                rendered[target_file] = ids_in(pages.markdown_body(
                    target_file.read_text(encoding="utf-8")))
            assert fragment in rendered[target_file], f"{where.name}: {link}: no #{fragment}"


def test_every_link_resolves_in_a_checkout_as_jupyterlab_opens_it():
    for where, link in LINKS:
        target = link.partition("#")[0]
        if target:
            assert (where.parent / target).resolve().is_file(), f"{where.name}: {link}"


def test_every_link_resolves_in_the_handouts():
    # The pages make handouts writes, and the ids on each (its headings as rendered there).
    written = {"glossary.html": handouts.GLOSSARY, "data.html": handouts.DATA_NOTES,
               "guide.html": handouts.GUIDE}
    ids = {name: ids_in(handouts.markdown_html(path.read_text(encoding="utf-8")))
           for name, path in written.items()}
    for notebook in handouts.lesson_notebooks(NOTEBOOKS):
        cells = nbformat.read(notebook, as_version=4).cells
        ids[f"lesson{notebook.name[:2]}.html"] = set().union(*(
            ids_in(handouts.markdown_html(c.source)) for c in cells if c.cell_type == "markdown"))
    page_of = {path: name for name, path in written.items()}
    page_of.update({nb: f"lesson{nb.name[:2]}.html" for nb in handouts.lesson_notebooks(NOTEBOOKS)})
    checked = 0
    for where, link in LINKS:
        if where not in page_of:  # the facilitator's comparison has no handout
            continue
        rewritten = re.search(r'href="([^"]+)"', handouts.markdown_html(f"[x]({link})")).group(1)
        target, _, fragment = rewritten.partition("#")
        target = target or page_of[where]
        assert target in ids, f"{where.name}: {link} -> {rewritten}: no such handout page"
        assert not fragment or fragment in ids[target], f"{where.name}: {link}: no #{fragment}"
        checked += 1
    assert checked > 100
