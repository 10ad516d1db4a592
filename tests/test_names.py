"""``casestudy.names``: a name put into HTML, Markdown, a script or a CSV file shows as the
characters it holds, and never as markup, script or a spreadsheet formula.

Each helper is checked on the hostile names (``hostile.py``) and, with Hypothesis, on any
text: rendered the way its reader renders it, the text comes back unchanged.
"""

from __future__ import annotations

import csv
import io
import json

import mistune
import pandas as pd
import pytest
from hostile import HOSTILE_NAMES, HOSTILE_TEAMS, scan_html
from hypothesis import given, settings
from hypothesis import strategies as st

from casestudy.names import (
    FORMULA_START,
    csv_cell,
    csv_safe,
    html_label,
    html_text,
    markdown_code,
    markdown_list,
    markdown_text,
    script_json,
    write_csv,
)

NAMES = HOSTILE_NAMES + HOSTILE_TEAMS
# Markdown as JupyterLab and Voila render it: raw HTML passed through, GitHub's tables,
# strikethrough and bare-URL links (marked's defaults), links of any protocol.
PERMISSIVE = mistune.create_markdown(
    renderer=mistune.HTMLRenderer(escape=False, allow_harmful_protocols=True),
    plugins=["table", "strikethrough", "url"])
# Text as a learner might type it: letters, digits, every ASCII punctuation mark, spaces,
# tabs and line breaks, accented letters, an emoji, a right-to-left mark.
TEXT = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"))
               | st.sampled_from("\t\n\r\u200f🏥"), max_size=40)
PROPERTY = settings(max_examples=300, deadline=None, derandomize=True)


def shown(fragment: str) -> str:
    """The text a reader sees in an HTML fragment, failing on any markup a name made."""
    markup, text = scan_html(fragment)
    assert markup == [], markup
    return text


def one_line(text: str) -> str:
    return " ".join(text.replace("\r", "\n").split("\n"))


# --------------------------------------------------------------------------- HTML


@pytest.mark.parametrize("name", NAMES)
def test_html_text_shows_each_hostile_name_as_itself(name):
    # In an element and in a quoted attribute, as the kit's widgets use it.
    assert shown(f"<p><b>{html_text(name)}</b></p>") == name
    assert shown(f'<div class="cs-help" title="{html_text(name)}">x</div>') == "x"


def test_html_label_is_escaped_and_out_of_mathjax_reach():
    for name in NAMES:
        label = html_label(name)
        assert shown(label) == name
        assert label.startswith('<span class="mathjax_ignore">') and label.count("<") == 2


@PROPERTY
@given(TEXT)
def test_html_text_round_trips_any_text(text):
    assert shown(f"<td>{html_text(text)}</td>") == text


# --------------------------------------------------------------------------- Markdown


@pytest.mark.parametrize("name", NAMES)
def test_markdown_text_shows_each_hostile_name_as_itself(name):
    # Bold around it (as the lessons write **name**), at the start of a line, in a list.
    for source in (f"Paid by **{markdown_text(name)}**, a partner.",
                   f"{markdown_text(name)} changes by £1.0m.",
                   f"- **The incentive**: {markdown_text(name)}\n- next"):
        html = PERMISSIVE(source)
        assert name in shown(html), (source, html)
        assert "<em>" not in html and "<h" not in html and "<code>" not in html
    # JupyterLab reads $...$ as maths in the Markdown and again in the page it renders: a
    # name that could start maths is in a span MathJax skips.
    assert "$" not in markdown_text(name)
    maths = "$" in name or "\\" in name
    assert markdown_text(name).startswith('<span class="mathjax_ignore">') == maths


def test_markdown_text_leaves_ordinary_names_as_they_are():
    # The bundled system's names read the same in a notebook's Markdown source.
    for name in ["NHS Airedale, Wharfedale and Craven CCG", "Bradford Care Alliance (GP federation)",
                 "Two-hour urgent community response", "St. Luke's Hospice", "Ærø"]:
        assert markdown_text(name) == name
    assert markdown_text("- x") == "&#45; x"  # a list, had it begun a line
    assert markdown_text("1. x") == "1&#46; x"
    assert markdown_text("see www.x.org") == "see www&#46;x.org"  # no autolink
    assert markdown_text("a\nb\r\nc") == "a b  c"  # a line break would end a paragraph


@PROPERTY
@given(TEXT)
def test_markdown_text_round_trips_any_text(text):
    html = PERMISSIVE(f"Before {markdown_text(text)} after.")
    assert shown(html).strip() == f"Before {one_line(text)} after.".strip()


def test_markdown_list_and_code_span():
    assert markdown_list(["A", "<b>", "C"], " and ") == "A and &#60;b&#62; and C"
    for path in ["/srv/my_scenarios", "/tmp/a`b``c/<img src=x onerror=alert(1)>", "`x`", " x "]:
        html = PERMISSIVE(f"Saved to {markdown_code(path)} here.")
        assert shown(html).strip() == f"Saved to {path} here.", (path, html)
        assert html.count("<code>") == 1


# --------------------------------------------------------------------------- scripts


@pytest.mark.parametrize("name", NAMES + ("\u2028\u2029", "<!--", "]]>", "<\\/script>"))
def test_script_json_cannot_end_its_script_and_parses_back(name):
    value = {"data": [{"name": name, "gbp_m": -1.5}], "title": name}
    text = script_json(value)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == value
    # Embedded in a page, the script element holds the whole JSON and nothing else.
    page = f"<script>var spec = {text};</script><p>after</p>"
    assert page.count("</script>") == 1


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("value, written", [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("  =1+1", "'  =1+1"),  # spaces in front do not hide a formula
    # A name that only looks like a number is text: neutralised like any other (OWASP).
    ("-1", "'-1"),
    ("-2+3 scheme", "'-2+3 scheme"),
    # Ordinary text and numbers as they are.
    ("Airedale NHS FT", "Airedale NHS FT"),
    ("A-E = 1", "A-E = 1"),
    (-1.5, -1.5),
    (3, 3),
    (True, True),
    (None, None),
])
def test_csv_cell_neutralises_formulas_as_owasp_advises(value, written):
    assert csv_cell(value) == written


def test_csv_file_quotes_text_and_keeps_numbers(tmp_path):
    frame = pd.DataFrame({"name": list(NAMES) + ["-1", "plain"],
                          "position_gbp_m": [-1.25] * (len(NAMES) + 2),
                          "met": [True] * (len(NAMES) + 2)})
    frame["=formula column"] = "x"
    path = tmp_path / "table.csv"
    write_csv(frame, path, index=False)
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "'=formula column"
    for row, name in zip(rows[1:], frame.name):
        # No cell a spreadsheet would read as a formula; each name whole, the quote in front
        # only when it needed one.
        assert not any(cell.lstrip(" ").startswith(FORMULA_START) for cell in row[:1]), row
        assert row[0] == (("'" + name) if name.lstrip(" ").startswith(FORMULA_START) else name)
        assert row[1] == "-1.25"  # a number stays a number: negative money is not a formula
    # Text fields are quoted (a comma or line break in a name cannot start a new cell).
    assert text.splitlines()[1].startswith('"')
    back = pd.read_csv(path)
    assert back.position_gbp_m.tolist() == frame.position_gbp_m.tolist()
    assert csv_safe(frame).shape == frame.shape


# --------------------------------------------------------------------------- the formatter


def test_money_worked_by_hand():
    from casestudy.formats import MINUS, money
    # £m to one decimal; a minus joined to its figure; no sign on what shows as nothing.
    assert money(1234.56) == "£1,234.6m"
    assert money(-2.54) == MINUS + "£2.5m"
    assert money(-0.04) == "£0.0m" and money(0.04, signed=True) == "£0.0m"
    assert money(0.06, signed=True) == "+£0.1m"
    # fine: 0.0123 £m = £12,300 -> £12k; below £500 is nothing.
    assert money(0.0123, fine=True) == "£12k" and money(-0.0123, fine=True) == MINUS + "£12k"
    assert money(0.0004, fine=True, signed=True) == "£0.0m"
    assert money(0.954, places=2) == "£0.95m"
    assert money(-1.0, minus="-") == "-£1.0m"
    assert money(float("nan")) == "n/a"


def test_percent_and_names_worked_by_hand():
    from casestudy.formats import names, percent
    assert [percent(x) for x in (0.05, 0.025, 0.413, -0.03, 0.0)] == ["5%", "2.5%", "41%", "-3%", "0%"]
    assert percent(0.125, 1) == "12.5%" and percent(0.0375, 2) == "3.75%" and percent(0.03, 1) == "3%"
    assert names(["A", "B"]) == "A and B" and names([], empty="none") == "none"
