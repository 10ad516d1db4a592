"""Names are data, never markup: the kit's one place for putting text from a loaded system,
a team or a file into HTML, Markdown, a script or a CSV file.

An organisation or scheme name, a team's name or a file's path can hold anything an
analyst or a room visitor typed: ``<img src=x onerror=alert(1)>``, ``</script>``,
``**bold**``, ``=HYPERLINK(...)``. Each function below makes such text show as the very
characters it holds, in the one context it is for:

- :func:`html_text` for HTML, in text or in a quoted attribute (ipywidgets' ``HTML``,
  handout pages), and :func:`html_label` for HTML that JupyterLab and Voila typeset as
  maths (an HTML output, a widget's label): there a name's ``$...$`` would become maths;
- :func:`markdown_text` (and :func:`markdown_list`, :func:`markdown_code` for a path) for
  Markdown, which JupyterLab and Voila render with raw HTML allowed, then typeset (and
  Markdown's own syntax, links and autolinks);
- :func:`script_json` for JSON inside a ``<script>`` element (a handout's chart spec);
- :func:`csv_cell`, :func:`csv_safe` and :func:`write_csv` for CSV files a spreadsheet
  opens (OWASP's advice on CSV injection).

Text the kit writes itself (its labels and sentences) needs none of this; a value that came
from outside needs it at the point it joins markup, in the form that markup needs.

>>> html_text('<b onmouseover=alert(3)>x</b>')
'&lt;b onmouseover=alert(3)&gt;x&lt;/b&gt;'
>>> markdown_text("**bold** <i>")
'&#42;&#42;bold&#42;&#42; &#60;i&#62;'
>>> csv_cell('=HYPERLINK("http://x")')
'\\'=HYPERLINK("http://x")'
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

# Markdown (CommonMark and GitHub's, as JupyterLab's marked and the handouts' mistune read
# it), raw HTML, maths ($...$ in JupyterLab) and autolinks (``http:``, ``www.``, ``a@b``):
# each of these characters in a name is written as a numeric character reference, which
# every Markdown renderer shows as the character itself and never reads as syntax.
_MARKDOWN_SPECIAL = frozenset('\\`*_{}[]<>()#!|~$&"\':@.^=+-\t ')
# Inside a name (not at its start, where they could begin a list, a heading or a code
# block) these make no syntax, so they stay as typed: names read the same in the source.
_KEEP_INSIDE = frozenset("'.-()+= ")
# The class MathJax 3 (JupyterLab's and Voila's maths) skips, with all it holds.
MATHJAX_IGNORE = "mathjax_ignore"
# What starts maths for MathJax as JupyterLab configures it: $...$, $$...$$, \(...\),
# \[...\] and \begin{...}. A name with neither character cannot become maths.
_MATHS = ("$", "\\")
# A cell a spreadsheet reads as a formula (OWASP, CSV injection): these first characters.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def html_text(value: Any) -> str:
    """``value`` as text for HTML: ``& < > " '`` as entities, fit for an element's text or a
    quoted attribute.

    >>> html_text('"><svg onload=alert(5)>')
    '&quot;&gt;&lt;svg onload=alert(5)&gt;'
    """
    return html.escape(str(value), quote=True)


def html_label(value: Any) -> str:
    """``value`` as HTML that MathJax leaves alone: escaped, in a ``<span>`` of class
    ``mathjax_ignore`` (for a widget's label with ``description_allow_html``, where
    JupyterLab and Voila typeset ``$x$`` as maths).

    >>> html_label("$x$ & co")
    '<span class="mathjax_ignore">$x$ &amp; co</span>'
    """
    return f'<span class="{MATHJAX_IGNORE}">{html_text(value)}</span>'


def markdown_text(value: Any) -> str:
    """``value`` as literal text inside Markdown: shown as its own characters, never as
    emphasis, a link, a heading, raw HTML or maths, and never breaking its line.

    Markdown's special characters become numeric character references (``*`` -> ``&#42;``),
    which every renderer shows as the character itself. Spaces, brackets, hyphens,
    apostrophes and full stops inside a name stay as typed, so ordinary names read the same
    in the source: without ``[`` and ``]`` a bracket makes no link, and the two full stops
    that could make syntax (``1.`` and ``www.``) are escaped. A line break becomes a space.
    JupyterLab and Voila typeset the rendered text as maths, where a ``$`` or ``\\`` written
    as a reference is a ``$`` again: a name holding either is put in a ``<span>`` that
    MathJax skips (the handouts' renderer lets that one span through).

    >>> markdown_text("Bradford Care Alliance (GP federation)")
    'Bradford Care Alliance (GP federation)'
    >>> markdown_text("[link](javascript:alert(9))")
    '&#91;link&#93;(javascript&#58;alert(9))'
    >>> markdown_text("- 1. www.x")
    '&#45; 1&#46; www&#46;x'
    >>> markdown_text("$x$")
    '<span class="mathjax_ignore">&#36;x&#36;</span>'
    """
    text = " ".join(str(value).replace("\r", "\n").split("\n"))
    out = []
    for position, char in enumerate(text):
        special = char in _MARKDOWN_SPECIAL and (
            position == 0 or char not in _KEEP_INSIDE or _joins(text, position))
        out.append(f"&#{ord(char)};" if special else char)
    escaped = "".join(out)
    if any(char in text for char in _MATHS):
        return f'<span class="{MATHJAX_IGNORE}">{escaped}</span>'
    return escaped


def _joins(text: str, position: int) -> bool:
    """Whether a full stop kept inside a name could still make syntax: after a number
    (``1.`` starts a list if a name begins a line) or after ``www`` (an autolink)."""
    before = text[:position]
    return text[position] == "." and (before[-1:].isdigit() or before.lower().endswith("www"))


def markdown_list(values: Iterable[Any], sep: str = ", ") -> str:
    """Several names for Markdown, joined by ``sep`` (the kit's own words, not escaped).

    >>> markdown_list(["A & B", "<C>"])
    'A &#38; B, &#60;C&#62;'
    """
    return sep.join(markdown_text(v) for v in values)


def markdown_code(value: Any) -> str:
    """``value`` as a Markdown code span (a path, a file name), whatever backticks it holds:
    the span's fence is one backtick longer than the longest run inside it, and a code span
    shows its content as written (no HTML, no entities, no maths).

    >>> markdown_code("my_scenarios"), markdown_code("a`b")
    ('`my_scenarios`', '``a`b``')
    """
    text = " ".join(str(value).replace("\r", "\n").split("\n"))
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def script_json(value: Any) -> str:
    """``value`` as JSON to embed in a ``<script>`` element: it cannot close the element or
    start a comment or a CDATA section, whatever its strings hold (``<``, ``>`` and ``&`` as
    ``\\u003c``, ``\\u003e``, ``\\u0026``, and U+2028 and U+2029, which end a line in
    older JavaScript, escaped too). The same value when parsed.

    >>> script_json({"name": "</script><script>alert(4)</script>"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(4)\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def csv_cell(value: Any) -> Any:
    """A text value a spreadsheet would read as a formula, neutralised as OWASP advises:
    a single quote in front (the spreadsheet then shows text). Anything else is returned
    unchanged (numbers stay numbers).

    Every text value that starts with ``= + - @``, a tab or a carriage return is prefixed,
    also one that looks like a number (a scheme named ``-1``): it is text in the kit, and
    telling a harmless ``-1`` from ``-1+cmd|' /C calc'!A0`` is the guessing OWASP advises
    against. Numbers themselves (a negative position in a numeric column) are not text and
    are written as numbers. Leading spaces do not hide a formula from some spreadsheets, so
    they are looked through.

    >>> csv_cell("-1"), csv_cell(-1.5), csv_cell("Airedale NHS FT"), csv_cell(" @SUM(A1)")
    ("'-1", -1.5, 'Airedale NHS FT', "' @SUM(A1)")
    """
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_START):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name passed through
    :func:`csv_cell`; numeric and boolean columns untouched.

    >>> csv_safe(pd.DataFrame({"name": ["=1+1", "A"], "gbp_m": [-1.0, 2.0]})).name.tolist()
    ["'=1+1", 'A']
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            out[column] = values.map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | os.PathLike, **kwargs: Any) -> None:
    """Write ``frame`` as a CSV file a spreadsheet can open safely: :func:`csv_safe`, and
    every text field in double quotes (so a comma or a line break inside a name cannot
    start a new cell), numbers bare."""
    csv_safe(frame).to_csv(path, quoting=csv.QUOTE_NONNUMERIC, **kwargs)
