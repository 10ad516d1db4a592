"""A page in a room: which room and table it belongs to (from its address), the links that
keep them, and the one poller that brings the room's new events to the page.

A table joins once, on the join page; every page it opens from there carries the room's
code and the table's token in its address: ``.../02_no_winners_and_losers.ipynb?room=K7M4QX&
table=TOKEN``. Voila hands a page's query string to its kernel (``QUERY_STRING``; under
preheated kernels only once the page is requested, through ``voila.utils.wait_for_request``,
which is waited for on a thread so the notebook's cells run on meanwhile). ``page_room()``
reads it once per kernel:

>>> from casestudy.ui.live import parse_query
>>> parse_query("room=k7m-4qx&table=abc_DEF-123")
{'room': 'K7M4QX', 'table': 'abc_DEF-123'}
>>> parse_query("room=&table=")
{}

Pages share no memory: each polls the store for the events after the last it saw, twice a
second (``poll_interval``), on an asyncio task of the kernel's own loop (``Poller``), so widget updates
happen on the kernel's thread. One poller per room per kernel serves every widget of the
page; it stops when the kernel ends or when ``stop()`` is called, and a database that stops
answering is reported to the page and tried again, never raised into the loop.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import ipywidgets as widgets

from ..lessons import NOTEBOOK_ORDER, by_notebook
from ..room import AccessRefused, Room, RoomError, RoomState, Table, open_room
from ..room.names import normalise_code

log = logging.getLogger("casestudy.ui.live")
ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
RENDER = "/voila/render/"
POLL_ENV = "CASESTUDY_POLL_S"


def poll_interval(environ: dict[str, str] | None = None) -> float:
    """Seconds between a page's reads of the room: ``$CASESTUDY_POLL_S`` (0.2 to 10), else
    0.5. A reveal reaches a table's page within one interval plus the page's update: at 1 s
    that left too little of the 2 s the room is promised on a busy two-core laptop; a read
    is about 0.3 ms on SQLite and 1 ms on PostgreSQL, so twice a second costs a table next
    to nothing. A hosted event of hundreds of tables may set it to 1.

    >>> poll_interval({}), poll_interval({"CASESTUDY_POLL_S": "2"}), poll_interval({"CASESTUDY_POLL_S": "x"})
    (0.5, 2.0, 0.5)
    """
    text = (os.environ if environ is None else environ).get(POLL_ENV, "")
    try:
        value = float(text)
    except ValueError:
        return 0.5
    return min(10.0, max(0.2, value)) if math.isfinite(value) else 0.5



JOIN_PAGE = "room/join.ipynb"
TEAM_ROUND_PAGE = "room/team_round.ipynb"
GAME_PAGE = "room/game.ipynb"  # a table's page in the system game (a room with a game)
# The pages a table opens, in the session's order (the lessons from the kit's one list,
# casestudy.lessons, then the team round), with the short names the banner uses.
TABLE_PAGES = (
    *((lesson.notebook, "Start" if not lesson.number else
       "Sandbox" if lesson.slug == "sandbox" else str(lesson.number))
      for lesson in NOTEBOOK_ORDER),
    (TEAM_ROUND_PAGE, "Team round"),
)
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


# --------------------------------------------------------------------------- the address


def parse_query(query: str | None) -> dict[str, str]:
    """``room`` (normalised) and ``table`` from a query string; anything unusable left out
    (the page then says what was wrong, see ``resolve``)."""
    found = parse_qs(query or "", keep_blank_values=False)
    out: dict[str, str] = {}
    code = (found.get("room") or [""])[0].strip()
    if code:
        try:
            out["room"] = normalise_code(code)
        except RoomError:
            out["room"] = code[:20]  # kept as typed: resolve() says why it is not a code
    token = (found.get("table") or [""])[0].strip()
    if token:
        out["table"] = token[:100]
    return out


def render_base(script_name: str | None = None) -> str:
    """The address prefix of Voila's pages (``/voila/render/``, behind any hub prefix)."""
    script = os.environ.get("SCRIPT_NAME", "") if script_name is None else script_name
    at = script.find(RENDER)
    return script[:at + len(RENDER)] if at >= 0 else RENDER


def page_href(page: str, code: str = "", token: str = "", base: str | None = None) -> str:
    """The address of one of the kit's pages, carrying the room and the table if given."""
    query = urlencode({k: v for k, v in (("room", code), ("table", token)) if v})
    return (render_base() if base is None else base) + quote(page) + (f"?{query}" if query else "")


def notebook_title(page: str) -> str:
    """A page's title: its notebook's first Markdown heading (its file name if unreadable)."""
    try:
        cells = json.loads((NOTEBOOKS / page).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return page
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            for line in (source if isinstance(source, str) else "".join(source)).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip() or page
    return page


def table_links(code: str, token: str, base: str | None = None, *,
                game: bool = False) -> list[tuple[str, str, str]]:
    """Every page a table opens, as ``(title, short name, address)``, carrying its room and
    token; in a room with a game (``game``), the game's page first."""
    pages = ((GAME_PAGE, "Game"), *TABLE_PAGES) if game else TABLE_PAGES
    return [(_page_title(page), short, page_href(page, code, token, base))
            for page, short in pages]


def has_game(room: Room | None) -> bool:
    """Whether the room holds a system game (its first game event is the setup)."""
    if room is None:
        return False
    try:
        return bool(room.events(kinds=["game_setup"], limit=1))
    except RoomError:
        return False


def _page_title(page: str) -> str:
    """A lesson's name as every list of the lessons gives it; another page's heading."""
    lesson = by_notebook(page)
    return lesson.label if lesson is not None else notebook_title(page)


# --------------------------------------------------------------------------- the page's room


@dataclass
class PageRoom:
    """The room and table of this page, from its address.

    ``status``: "none" (no room in the address: a learner alone), "pending" (a preheated
    kernel waiting for its request), "ready" (``room``, and ``table`` when the address has a
    valid token) or "error" (``message`` says what was wrong, in words a table can act on).
    """

    status: str = "none"
    code: str = ""
    token: str = ""
    room: Room | None = None
    table: Table | None = None
    message: str = ""
    _listeners: list[Callable[[PageRoom], None]] = field(default_factory=list, repr=False)

    @property
    def in_room(self) -> bool:
        return self.status == "ready" and self.table is not None

    def on_ready(self, listener: Callable[[PageRoom], None]) -> None:
        """Call ``listener(self)`` once the page knows its room (now, if it does already)."""
        if self.status == "pending":
            self._listeners.append(listener)
        else:
            listener(self)

    def settle(self, other: PageRoom) -> None:
        """Take ``other``'s answer (a preheated kernel's request arrived) and tell listeners."""
        self.status, self.code, self.token = other.status, other.code, other.token
        self.room, self.table, self.message = other.room, other.table, other.message
        listeners, self._listeners = self._listeners, []
        for listener in listeners:
            try:
                listener(self)
            except Exception:  # one widget's failure must not stop the others
                log.exception("a page widget failed when the page's room became known")


def resolve(query: str | None, db: Any = None) -> PageRoom:
    """The page's room from its query string: opens the room, finds the table by its token.
    Never raises: a wrong code or token gives ``status="error"`` and a message."""
    found = parse_query(query)
    code, token = found.get("room", ""), found.get("table", "")
    if not code:
        if token:
            return PageRoom("error", message="This page's address has a table but no room "
                                             "code: open it again from the join page.")
        return PageRoom("none")
    try:
        room = open_room(code, db)
    except RoomError as exc:
        return PageRoom("error", code=code, message=f"This page's room could not be opened: {exc}.")
    if not token:
        return PageRoom("ready", code=room.code, room=room)
    if not set(token) <= _TOKEN_CHARS:
        return PageRoom("error", code=room.code, room=room,
                        message="This page's table link is damaged: open the page again from "
                                "the join page.")
    try:
        table = room.table(token)
    except AccessRefused as exc:
        return PageRoom("error", code=room.code, room=room, message=str(exc)[:1].upper()
                        + str(exc)[1:] + ".")
    except RoomError as exc:
        return PageRoom("error", code=room.code, room=room, message=f"The room could not be read: {exc}.")
    return PageRoom("ready", code=room.code, token=token, room=room, table=table)


_PAGE: PageRoom | None = None
_PAGE_LOCK = threading.Lock()


def page_room(db: Any = None) -> PageRoom:
    """This kernel's page room (one per kernel: a Voila kernel serves one page).

    Outside Voila (JupyterLab, nbval, the handouts) there is no query string: "none". Under
    a preheated kernel the request has not come yet when the cells run: the answer is
    "pending" and settles when it comes (``on_ready``)."""
    global _PAGE
    with _PAGE_LOCK:
        if _PAGE is not None:
            return _PAGE
        preheated = os.environ.get("VOILA_PREHEAT") == "True" and "QUERY_STRING" not in os.environ
        if preheated:
            _PAGE = PageRoom("pending")
            _wait_for_request(_PAGE, db)
        else:
            _PAGE = resolve(os.environ.get("QUERY_STRING"), db)
        return _PAGE


def forget_page_room() -> None:
    """Forget this kernel's page room (tests; a page that set its own)."""
    global _PAGE
    with _PAGE_LOCK:
        _PAGE = None


def _wait_for_request(page: PageRoom, db: Any) -> None:
    """On a thread: wait for Voila to send the request (preheated kernels), then settle the
    page on the kernel's loop, where widgets may be touched."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        page.settle(resolve(os.environ.get("QUERY_STRING"), db))
        return

    def wait() -> None:
        try:
            from voila.utils import wait_for_request

            wait_for_request()
        except Exception:  # no request info: the page is alone
            log.exception("the page's request did not arrive")
        answer = resolve(os.environ.get("QUERY_STRING"), db)
        loop.call_soon_threadsafe(page.settle, answer)

    threading.Thread(target=wait, name="voila-request", daemon=True).start()


# --------------------------------------------------------------------------- polling


Listener = Callable[[RoomState, bool], None]


class Poller:
    """Reads the room's new events every ``interval_s`` and tells the page's widgets.

    Each listener gets ``(state, changed)`` every tick (``changed``: new events since the
    last), so a clock on the page (a timer, "last active 12 s ago") moves even when nothing
    happens. ``tick()`` does one read by hand (tests; a button that refreshes at once).
    """

    def __init__(self, room: Room, interval_s: float | None = None) -> None:
        self.room = room
        # Read when the page starts, not at import: a kernel may be forked from a process
        # that imported the kit before the page's environment was set.
        self.interval_s = poll_interval() if interval_s is None else interval_s
        self.listeners: list[Listener] = []
        self.watchers: list[Callable[[str], None]] = []  # told of a failure, and of its end
        self.state: RoomState | None = None
        self.problem = ""  # the last read's failure, for the page to show; "" when fine
        self._task: asyncio.Task | None = None
        self._stopped = False

    def subscribe(self, listener: Listener) -> None:
        self.listeners.append(listener)
        if self.state is not None:
            listener(self.state, True)

    def watch(self, watcher: Callable[[str], None]) -> None:
        """Call ``watcher(problem)`` when a read fails, and ``watcher("")`` when reads work
        again (a banner shows it)."""
        self.watchers.append(watcher)

    def _tell(self, problem: str) -> None:
        if problem != self.problem:
            self.problem = problem
            for watcher in list(self.watchers):
                try:
                    watcher(problem)
                except Exception:  # a widget's bug must not stop the room's page
                    log.exception("room %s: a page widget failed on a problem", self.room.code)

    def tick(self) -> RoomState | None:
        """Read the new events; tell every listener. Never raises: a failure is kept in
        ``problem`` and told to the watchers (the listeners hear nothing until a read
        succeeds again)."""
        try:
            state = self.room.state()
        except RoomError as exc:
            log.warning("room %s: a page's poll failed: %s", self.room.code, exc)
            self._tell(f"The room's record cannot be read just now ({exc}); trying again. "
                       "Nothing you did is lost.")
            return None
        self._tell("")
        changed = self.state is None or state.last_event_id != self.state.last_event_id
        self.state = state
        for listener in list(self.listeners):
            try:
                listener(state, changed)
            except Exception:  # a widget's bug must not stop the room's page
                log.exception("room %s: a page widget failed on a poll", self.room.code)
        return state

    def start(self) -> bool:
        """Poll on the kernel's loop; False (and nothing started) where no loop runs."""
        if self._task is not None and not self._task.done():
            return True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._stopped = False
        self._task = loop.create_task(self._run())
        return True

    def stop(self) -> None:
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            self._task = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        try:
            while not self._stopped:
                started = time.monotonic()
                self.tick()
                await asyncio.sleep(max(0.05, self.interval_s - (time.monotonic() - started)))
        except asyncio.CancelledError:  # the kernel is ending, or stop() was called
            pass


_POLLERS: dict[str, Poller] = {}


def poller_for(room: Room) -> Poller:
    """The one poller of this kernel for ``room``, started if a loop runs."""
    poller = _POLLERS.get(room.code)
    if poller is None:
        poller = _POLLERS[room.code] = Poller(room)
    poller.start()
    return poller


def stop_pollers() -> None:
    """Stop and forget every poller of this kernel (tests)."""
    for poller in _POLLERS.values():
        poller.stop()
    _POLLERS.clear()


def alert_html(problem: str) -> str:
    """A problem as the room's pages say it: an alert (a screen reader reads it at once).

    >>> alert_html("no room <K7M4QX>")
    '<div class="cs-feedback-wrong" role="alert">no room &lt;K7M4QX&gt;</div>'
    """
    return said_html(problem, ok=False)


def said_html(text: str, *, ok: bool) -> str:
    """What a page says after an action: a status when it worked, an alert when it did not.

    >>> said_html("Recorded <3>", ok=True)
    '<div class="cs-feedback-right" role="status">Recorded &lt;3&gt;</div>'
    """
    css, role = ("cs-feedback-right", "status") if ok else ("cs-feedback-wrong", "alert")
    return f'<div class="{css}" role="{role}">{html.escape(text)}</div>'


def follow(room: Room, apply: Listener, trouble: widgets.HTML) -> Poller:
    """The room's poller (``poller_for``) telling ``apply`` every tick, and saying a read's
    failure in ``trouble`` (cleared once reads work again)."""
    poller = poller_for(room)
    poller.watch(lambda problem: setattr(trouble, "value",
                                         alert_html(problem) if problem else ""))
    poller.subscribe(apply)
    return poller


# --------------------------------------------------------------------------- the banner

BANNER_CSS = """
<style>
.cs-room-banner { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 14px;
                  background: #eef5fb; border-left: 5px solid #0072B2; padding: 6px 12px;
                  font-size: 15px; margin-bottom: 6px; }
.cs-room-banner b { font-size: 16px; }
.cs-room-banner nav a { margin-right: 10px; text-decoration: underline; }
.cs-room-banner nav a[aria-current] { font-weight: bold; text-decoration: none; }
.cs-room-problem { background: #fdf5e6; border-left: 5px solid #E69F00; padding: 6px 12px;
                   font-size: 15px; margin-bottom: 6px; }
</style>
"""


def current_page(script_name: str | None = None) -> str:
    """This page's notebook, as Voila serves it (``02_no_winners_and_losers.ipynb``)."""
    script = os.environ.get("SCRIPT_NAME", "") if script_name is None else script_name
    at = script.find(RENDER)
    return script[at + len(RENDER):] if at >= 0 else ""


def banner_html(page: PageRoom, here: str = "") -> str:
    """"Table X, room CODE" and a row of links to the table's other pages (this page's
    marked); or, for a page whose room could not be opened, the reason; empty for a learner
    alone."""
    here = here or current_page()
    if page.status == "error":
        return (BANNER_CSS + f'<div class="cs-room-problem" role="alert">{html.escape(page.message)}'
                "</div>")
    if page.status != "ready":
        return ""
    if page.table is None:
        return (BANNER_CSS + f'<div class="cs-room-banner" role="region" aria-label="Room">'
                f"<span>Room <b>{html.escape(page.code)}</b></span></div>")
    links = []
    for title, short, href in table_links(page.code, page.token, game=has_game(page.room)):
        current = ' aria-current="page"' if here and href.split("?")[0].endswith(quote(here)) else ""
        links.append(f'<a href="{html.escape(href)}" title="{html.escape(title)}"{current}>'
                     f"{html.escape(short)}</a>")
    join = page_href(JOIN_PAGE, page.code, page.token)
    return (BANNER_CSS + '<div class="cs-room-banner" role="region" aria-label="Your table and room">'
            f"<span><b>{html.escape(page.table.name)}</b>, room <b>{html.escape(page.code)}</b>"
            "</span>"
            f'<nav aria-label="This table\'s pages">{"".join(links)}'
            f'<a href="{html.escape(join)}">Join page</a></nav></div>')


def banner(here: str = "", db: Any = None) -> widgets.VBox | None:
    """The page's room banner, for a lesson's first cell: None for a learner alone (the
    cell then shows nothing), else a small widget that fills in when the room is known."""
    page = page_room(db)
    if page.status == "none":
        return None
    shown = widgets.HTML(layout=widgets.Layout(width="100%"))
    trouble = widgets.HTML()

    def ready(p: PageRoom) -> None:
        shown.value = banner_html(p, here)
        if p.in_room:
            poller_for(p.room).watch(lambda problem: setattr(trouble, "value", (
                BANNER_CSS + f'<div class="cs-room-problem" role="alert">{html.escape(problem)}'
                "</div>") if problem else ""))

    page.on_ready(ready)
    return widgets.VBox([shown, trouble])
