"""The kit's Markdown files as web pages, where a dashboard's links reach them.

The notebooks link the glossary and the data notes with relative links that JupyterLab
opens as files: ``glossary.md#control-total`` and ``../data/README.md``. A Voila dashboard
lives at ``/voila/render/<notebook>``, so a browser follows those links to
``/voila/render/glossary.md`` and ``/voila/data/README.md``, which Voila itself refuses
(403: it serves no ``.md`` file) or does not know (404). The workshop server answers these
addresses with the files rendered as HTML: every Markdown file under ``notebooks/`` at
``/voila/render/<its path>`` and ``data/README.md`` at ``/voila/data/README.md``, the same
layout as the files on disk, so the links inside those pages (``../data/README.md`` from the
glossary, ``#sources``) work unchanged.

Headings get the ids the links use: lower case, punctuation dropped, spaces to hyphens (the
glossary's headings are in lower case, so JupyterLab makes the same ids); a repeated heading
gets ``-1``, ``-2``... as on GitHub.

>>> html = markdown_page("# Terms\\n\\n## control total\\n\\nSee [data](../data/README.md).", "x.md")
>>> '<h2 id="control-total">control total</h2>' in html, 'href="../data/README.md"' in html
(True, True)
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import mistune

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
# The files outside notebooks/ that the lessons link, by the address a dashboard reaches
# them at (relative to the server's base URL).
OUTSIDE_NOTEBOOKS = {"voila/data/README.md": ROOT / "data" / "README.md"}


def anchor(text: str) -> str:
    """A heading's id: lower case, tags and punctuation dropped, spaces to hyphens.

    >>> anchor("Planned positions: how other income and other spend close the books")
    'planned-positions-how-other-income-and-other-spend-close-the-books'
    >>> anchor("fixed-income contract")
    'fixed-income-contract'
    """
    plain = re.sub(r"<[^>]+>", "", html.unescape(text)).lower()
    return re.sub(r"\s+", "-", re.sub(r"[^\w\s-]", "", plain).strip())


class _Renderer(mistune.HTMLRenderer):
    """Headings with ids, unique within the page."""

    def __init__(self) -> None:
        # The kit's own files, written by its authors: inline HTML in them is kept.
        super().__init__(escape=False)
        self.seen: dict[str, int] = {}

    def heading(self, text: str, level: int, **attrs: Any) -> str:
        base = anchor(text) or "section"
        count = self.seen.get(base, 0)
        self.seen[base] = count + 1
        ident = base if count == 0 else f"{base}-{count}"
        return f'<h{level} id="{ident}">{text}</h{level}>\n'


def markdown_body(text: str) -> str:
    """Markdown to HTML, headings with ids (a fresh renderer, so ids restart per page)."""
    render = mistune.create_markdown(renderer=_Renderer(), plugins=["table", "strikethrough"])
    return render(text)


def title_of(text: str, fallback: str) -> str:
    """The first level-1 heading of a Markdown text, else ``fallback``."""
    match = re.search(r"^#\s+(.+?)\s*#*\s*$", text, flags=re.MULTILINE)
    return match.group(1).replace("`", "") if match else fallback


STYLE = """
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
         margin: 0; background: #ffffff; color: #1a1a1a; font-size: 17px; line-height: 1.5; }
  main { max-width: 920px; margin: 0 auto; padding: 16px 24px 64px 24px; }
  nav { font-size: 15px; padding: 10px 0; border-bottom: 1px solid #d0d7de; margin-bottom: 8px; }
  nav a { margin-right: 18px; }
  a { color: #0b4f8a; text-decoration: underline; }
  h1 { font-size: 32px; font-weight: 600; line-height: 1.25; }
  h2 { font-size: 24px; font-weight: 600; margin-top: 1.6em; scroll-margin-top: 12px; }
  h3, h4 { font-size: 19px; font-weight: 600; margin-top: 1.3em; scroll-margin-top: 12px; }
  h2:target, h3:target, h4:target { background: #fff4c2; }
  code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em;
         background: #f3f4f6; padding: 1px 4px; border-radius: 3px; }
  pre code { display: block; padding: 8px 10px; overflow-x: auto; }
  table { border-collapse: collapse; font-size: 15px; margin: 10px 0; display: block;
          overflow-x: auto; }
  th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
  th { background: #f6f8fa; }
"""


def markdown_page(text: str, name: str, base_url: str = "/") -> str:
    """A whole HTML page for one Markdown file: its text, the kit's look, and a way back."""
    title = title_of(text, name)
    nav = (f'<nav aria-label="Workshop"><a href="{html.escape(base_url)}">The workshop\'s '
           f'start page</a><a href="{html.escape(base_url)}voila/render/glossary.md">Glossary</a>'
           f'<a href="{html.escape(base_url)}voila/data/README.md">The data and its sources</a>'
           "</nav>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            '<link rel="icon" href="data:;base64,=">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
            f"<body>\n<main>\n{nav}\n{markdown_body(text)}</main>\n</body>\n</html>\n")


def page_file(address: str, notebooks: Path = NOTEBOOKS) -> Path | None:
    """The Markdown file served at ``address`` (relative to the base URL), or None.

    Only Markdown files under ``notebooks`` (not hidden, not reached through a link out of
    it) and the files of ``OUTSIDE_NOTEBOOKS`` are pages; anything else is None.

    >>> page_file("voila/render/glossary.md").name, page_file("voila/data/README.md").parent.name
    ('glossary.md', 'data')
    >>> [page_file(a) for a in ("voila/render/../../pyproject.toml", "voila/render/x.ipynb",
    ...                         "voila/render/../README.md", "voila/data/template/x.md")]
    [None, None, None, None]
    """
    address = address.lstrip("/")
    if address in OUTSIDE_NOTEBOOKS:
        return OUTSIDE_NOTEBOOKS[address]
    prefix = "voila/render/"
    if not address.startswith(prefix) or not address.endswith(".md"):
        return None
    relative = address[len(prefix):]
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    root = notebooks.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


class PageCache:
    """Rendered pages, kept until their file changes (checked by its modification time)."""

    def __init__(self) -> None:
        self._pages: dict[tuple[Path, str], tuple[float, str]] = {}

    def get(self, path: Path, base_url: str = "/") -> str:
        stamp = path.stat().st_mtime
        key = (path, base_url)
        cached = self._pages.get(key)
        if cached is None or cached[0] != stamp:
            text = path.read_text(encoding="utf-8")
            cached = (stamp, markdown_page(text, path.name, base_url))
            self._pages[key] = cached
        return cached[1]
