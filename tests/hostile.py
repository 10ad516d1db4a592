"""A hostile system: the bundled system (``data/bradford``) with every organisation and scheme
name replaced by a different string that would run as script, become markup or a
spreadsheet formula if the kit let a name through unescaped anywhere.

``write_hostile_system(folder)`` writes it as CSV files (the ids, figures and links stay the
bundled system's, so every lesson has what it needs); load it with ``load_system(folder)``
or ``CASESTUDY_SYSTEM=folder``. Each string that would run calls ``alert(n)`` with its own
``n``, so a test that sees an alert knows which name got through.

An ordinary module, not a conftest, so the unit tests and the browser tests both import it.
"""

from __future__ import annotations

import csv
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "data" / "bradford"

# One per organisation of the bundled system, in its order (10).
HOSTILE_ORGS: tuple[str, ...] = (
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "<b onmouseover=alert(3)>x</b>",
    "</script><script>alert(4)</script>",
    '"><svg onload=alert(5)>',
    '=HYPERLINK("http://x")',
    "javascript:alert(6)",
    "Tom & Jerry's \"Care\" <Trust>",
    "Ærø Sjúkrahús – Ünïcødé ☂",
    "🏥 Emoji Health 🚑",
)
# One per scheme (12): more ways in, through Markdown, maths, templates and CSV.
HOSTILE_SCHEMES: tuple[str, ...] = (
    "<iframe src=javascript:alert(7)></iframe>",
    "'><img src=x onerror=alert(8)>",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3 scheme",
    "**bold** _it_ [link](javascript:alert(9))",
    "$\\href{javascript:alert(10)}{x}$ maths",
    "<style>body{display:none}</style>",
    "{{7*7}} ${alert(11)} template",
    '<a href="javascript:alert(12)">click</a>',
    "&lt;b&gt;pre-escaped&lt;/b&gt; &amp;",
    "日本語の計画 «guillemets»",
)
HOSTILE_NAMES: tuple[str, ...] = HOSTILE_ORGS + HOSTILE_SCHEMES
# Team names for saved scenario files (at most 60 characters, as the kit allows).
HOSTILE_TEAMS: tuple[str, ...] = (
    "<img src=x onerror=alert(21)>",
    "</script><script>alert(22)</script>",
    "=HYPERLINK(\"http://x\") & 'Table' \"3\"",
)

# A file in the scenarios folder that is not a scenario: the comparison names it, refused.
HOSTILE_FILE = "<img src=x onerror=alert(23)>.json"


def _rewrite(source: Path, target: Path, names: dict[str, str], key: str) -> None:
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0])
    for row in rows:
        row["name"] = names[row[key]]
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def hostile_names(source: Path = BUNDLED) -> dict[str, dict[str, str]]:
    """{"organisations": {org_id: name}, "schemes": {scheme_id: name}} for ``source``."""
    out = {}
    for table, key, pool in (("organisations", "org_id", HOSTILE_ORGS),
                             ("schemes", "scheme_id", HOSTILE_SCHEMES)):
        with (source / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
            ids = [row[key] for row in csv.DictReader(handle)]
        if len(ids) > len(pool):
            raise ValueError(f"{source}: {len(ids)} {table}, only {len(pool)} hostile names")
        out[table] = dict(zip(ids, pool))
    return out


def write_hostile_system(folder: Path, source: Path = BUNDLED) -> Path:
    """The bundled system with hostile names, as CSV files in ``folder``; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    names = hostile_names(source)
    for path in source.glob("*.csv"):
        target = folder / path.name
        if path.stem == "organisations":
            _rewrite(path, target, names["organisations"], "org_id")
        elif path.stem == "schemes":
            _rewrite(path, target, names["schemes"], "scheme_id")
        else:
            target.write_bytes(path.read_bytes())
    return folder


# --------------------------------------------------------------------------- judging HTML

_URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "data"}
# Elements that no fragment the kit builds from a name holds: one of these is a name that
# became markup.
_FOREIGN_TAGS = {"script", "img", "iframe", "svg", "object", "embed", "style", "a"}


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.markup: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.markup.append(f"<{tag} {name}={value!r}>: an event handler")
            if name in _URL_ATTRIBUTES and value.strip().lower().startswith(("javascript:",
                                                                            "vbscript:")):
                self.markup.append(f"<{tag} {name}={value!r}>: a script URL")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def scan_html(fragment: str, *, allowed: set[str] = frozenset()) -> tuple[list[str], str]:
    """(markup that a name could have made, the text a reader sees) for an HTML fragment the
    kit built: event handlers, script URLs and elements it never writes around a name
    (``<script>``, ``<img>``, ``<a>``... unless in ``allowed``)."""
    scan = _Scan()
    scan.feed(fragment)
    scan.close()
    found = list(scan.markup)
    found += [f"<{tag}>: an element no name should make" for tag in scan.tags
              if tag in _FOREIGN_TAGS - set(allowed)]
    return found, "".join(scan.text)


def leftovers(text: str, names=HOSTILE_NAMES + HOSTILE_TEAMS + (HOSTILE_FILE,)) -> list[str]:
    """Signs that a name was shown mangled rather than as itself: what remains of the text,
    every hostile name (and its lower case) taken out, holding an escape shown as typed
    (``&lt;``, ``&amp;``, ``&#...;``: escaped twice) or a piece of a hostile name
    (``alert(``: cut or half escaped)."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ").replace(name.lower(), " ")
    return [sign for sign in ("&lt;", "&gt;", "&amp;", "&#", "&quot;", "alert(", "onerror",
                              "<script") if sign in text]
