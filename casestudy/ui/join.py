"""The join page: a table types the room's code and its team name once, and gets the
links to every page of the session, each carrying its room and table.

``join_table(code, name)`` is the whole of it, as a plain function (what the page's button
does); ``JoinPanel`` is the page. A bad code or name (empty, too long, another table's) is
refused with the store's message, which says what to do; nothing is joined. A page opened
again from its own link (``join.ipynb?room=CODE&table=TOKEN``) shows the table's links
again, so a table that closed its tab loses nothing.
"""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from ..room import Room, RoomError, Table, open_room
from .common import PANEL_CSS
from .live import (
    JOIN_PAGE,
    PageRoom,
    has_game,
    page_href,
    page_room,
    said_html,
    table_links,
)

JOIN_CSS = """
<style>
.cs-join { max-width: 820px; font-size: 16px; }
.cs-join .widget-text input { font-size: 18px; height: 34px; }
.cs-join .widget-label { font-size: 16px; }
.cs-join .widget-button { height: 40px; font-size: 17px; }
.cs-join ul.cs-pages { font-size: 17px; line-height: 1.7; }
.cs-join ul.cs-pages a { text-decoration: underline; }
.cs-join .cs-joined { background: #eef5fb; border-left: 5px solid #0072B2; padding: 8px 14px; }
</style>
"""


@dataclass(frozen=True)
class Joined:
    """A table in its room, and the links to its pages (``(title, short name, address)``)."""

    room: Room
    table: Table
    links: list[tuple[str, str, str]]

    @property
    def join_link(self) -> str:
        return page_href(JOIN_PAGE, self.room.code, self.table.token)


def join_table(code: str, name: str, *, db: Any = None, key: str | None = None,
               base: str | None = None) -> Joined:
    """Join the room ``code`` as the team ``name``; a ``RoomError`` says what is wrong."""
    room = open_room(code, db)
    table = room.join(name, key=key)
    return Joined(room, table, table_links(room.code, table.token, base, game=has_game(room)))


def joined_html(joined: Joined) -> str:
    """The joined table's page: who and where it is, and the links to its pages."""
    items = "".join(f'<li><a href="{html.escape(href)}">{html.escape(title)}</a></li>'
                    for title, _, href in joined.links)
    return (f'<div class="cs-joined" role="status"><p>You are <b>{html.escape(joined.table.name)}'
            f"</b> in room <b>{html.escape(joined.room.code)}</b>.</p>"
            "<p>Open your pages from here: each one knows your table, so you never type "
            "your name again. Keep this page open in a tab (or bookmark "
            f'<a href="{html.escape(joined.join_link)}">its link</a>) to come back to the list.'
            "</p></div>"
            f'<ul class="cs-pages" aria-label="Your pages">{items}</ul>')


class JoinPanel:
    """The join form, or, for a page opened from a table's own link, that table's links."""

    def __init__(self, *, page: PageRoom | None = None, db: Any = None) -> None:
        self.db = db
        self.page = page if page is not None else page_room(db)
        self.code = widgets.Text(description="Room code", placeholder="on the facilitator's screen",
                                 style={"description_width": "120px"},
                                 layout=widgets.Layout(width="420px"))
        self.name = widgets.Text(description="Team name", placeholder="e.g. Table 3",
                                 style={"description_width": "120px"},
                                 layout=widgets.Layout(width="420px"))
        self.button = widgets.Button(description="Join the room", button_style="info",
                                     icon="sign-in", tooltip="Join once; then open your pages")
        self.message = widgets.HTML()
        self.result = widgets.HTML()
        self.joined: Joined | None = None
        self._key = f"join-{uuid.uuid4().hex}"  # a retried join is the same join
        self.button.on_click(lambda _: self.join())
        self.page.on_ready(self._page_ready)

    def _page_ready(self, page: PageRoom) -> None:
        if page.code and not self.code.value:
            self.code.value = page.code
        if page.in_room:
            self._show(Joined(page.room, page.table, table_links(
                page.code, page.token, game=has_game(page.room))))
        elif page.status == "error":
            self.message.value = said_html(page.message, ok=False)

    def join(self) -> Joined | None:
        """Join with what is typed; the message says what happened."""
        if self.joined is not None:
            return self.joined
        try:
            joined = join_table(self.code.value, self.name.value, db=self.db, key=self._key)
        except RoomError as exc:
            self.message.value = said_html(_sentence(str(exc)), ok=False)
            return None
        self._show(joined)
        return joined

    def _show(self, joined: Joined) -> None:
        self.joined = joined
        self.code.value, self.name.value = joined.room.code, joined.table.name
        self.code.disabled = self.name.disabled = self.button.disabled = True
        self.message.value = ""
        self.result.value = joined_html(joined)

    @property
    def widget(self) -> widgets.Widget:
        box = widgets.VBox([
            widgets.HTML(PANEL_CSS + JOIN_CSS), self.code, self.name, self.button, self.message,
            self.result])
        box.add_class("cs-join")
        box.add_class("cs-panel")
        return box

    def _ipython_display_(self) -> None:
        display(self.widget)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")

