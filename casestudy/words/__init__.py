"""The lessons' computed prose, one module a lesson: a writer finds every sentence the kit
computes for lesson N in ``casestudy/words/lessonN.py`` (the static prose stays in
``notebooks/NN_*.md``).

Each function reads a lesson's facts (the small frozen results of the model layer:
``behaviours.Deal``, ``governance.Reserves`` ...) and returns Markdown: names escaped with
:func:`casestudy.names.markdown_text`, figures written by :mod:`casestudy.formats`. The words
import no widget, chart or room code (an import contract says so), so a notebook, a panel, a
handout or a test reads the same sentence. A panel turns the Markdown into HTML once, with
:func:`to_html`.

>>> to_html("**£1.2m** for <b>x</b>")
'<p><strong>£1.2m</strong> for &lt;b&gt;x&lt;/b&gt;</p>\\n'
"""

from __future__ import annotations

import html

import mistune

from ..names import MATHJAX_IGNORE


class SafeRenderer(mistune.HTMLRenderer):
    """Markdown to HTML in which raw HTML shows as text, never passes through.

    The kit's Markdown has no HTML of its own, and a name that reached it unescaped must not
    become markup. The one exception is the span :func:`casestudy.names.markdown_text` puts
    around a name MathJax would read, passed through as it is. Character references
    (``&#60;``, which ``markdown_text`` writes) still show as their character: mistune's own
    ``escape=True`` would show them as typed.
    """

    _KEPT = (f'<span class="{MATHJAX_IGNORE}">', "</span>")

    def __init__(self) -> None:
        super().__init__(escape=False)

    def inline_html(self, html_text: str) -> str:
        return html_text if html_text in self._KEPT else html.escape(html_text, quote=False)

    def block_html(self, html_text: str) -> str:
        return "<p>" + html.escape(html_text.strip(), quote=False) + "</p>\n"


_MARKDOWN = mistune.create_markdown(renderer=SafeRenderer())


def to_html(markdown: str) -> str:
    """A lesson's computed Markdown as the HTML a panel shows."""
    return str(_MARKDOWN(markdown))


def paragraphs(*parts: str) -> str:
    """Paragraphs of Markdown, the empty ones left out."""
    return "\n\n".join(p for p in parts if p)
