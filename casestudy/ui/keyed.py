"""What the facilitator's pages behind a room's key share: the console, the game's console
and the game's debrief.

The form's two fields (the room's code, filled from the page's address ``?room=CODE`` when
it carries one, and the key printed in the facilitator's terminal), the key taken from the
form and cleared at once (it is never kept in the page, right or wrong), and, for the two
consoles, the unlock itself: a wrong key is refused with the store's message and nothing of
the room shows; the right one hides the form, shows the page and follows the room.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..room import Console, RoomError, open_room
from ..room.store import Room
from .live import PageRoom, alert_html, follow


def unlock_console(code: str, key: str, db: Any = None) -> Console:
    """The console of room ``code`` for the right key; a ``RoomError`` (``AccessRefused``
    for a wrong key) otherwise: nothing is changed or shown."""
    return open_room(code, db).console(key)


class KeyedPage:
    """A page behind a room's key (a mixin): ``code`` and ``key`` are its form's fields.

    The consoles build their form with ``_key_form`` and open with ``_unlock``, which needs
    the page's ``db``, ``main`` (shown once open), ``trouble`` (the store not answering) and
    ``apply`` (the poller's listener)."""

    code: widgets.Text
    key: widgets.Password
    db: Any
    room: Room | None
    main: widgets.Widget
    trouble: widgets.HTML
    apply: Callable[..., None]
    unlock: Callable[..., bool]

    def _key_fields(self, code: str = "", key: str = "", *, code_width: str = "360px",
                    key_width: str = "420px") -> None:
        self.code = widgets.Text(value=code, description="Room code",
                                 style={"description_width": "110px"},
                                 layout=widgets.Layout(width=code_width))
        self.key = widgets.Password(value=key, description="Facilitator key",
                                    placeholder="printed in your terminal",
                                    style={"description_width": "110px"},
                                    layout=widgets.Layout(width=key_width))

    def _key_form(self, intro: str, button: str) -> None:
        """The consoles' form: ``intro``, the fields, ``unlock_button`` (``button``, calls
        ``self.unlock()``) and ``lock_message``."""
        self._key_fields()
        self.unlock_button = widgets.Button(description=button, button_style="info",
                                            icon="unlock")
        self.unlock_button.on_click(lambda _: self.unlock())
        self.lock_message = widgets.HTML()
        self.form = widgets.VBox([widgets.HTML(intro), self.code, self.key, self.unlock_button,
                                  self.lock_message])

    def _page_ready(self, page: PageRoom) -> None:
        """The room's code from the page's address, unless one is typed already."""
        if page.code and not self.code.value:
            self.code.value = page.code

    def _typed(self, code: str | None, key: str | None) -> tuple[str, str]:
        """The code and key to open with (those given, else those typed); the form's key is
        cleared either way."""
        code = self.code.value if code is None else code
        key = self.key.value if key is None else key
        self.key.value = ""  # never kept in the page
        return code, key

    def _unlock(self, code: str | None, key: str | None,
                take: Callable[[Console], None]) -> bool:
        """Unlock the room's console and hand it to ``take`` (which may refuse it with a
        ``RoomError``); then hide the form, show the page and follow the room."""
        code, key = self._typed(code, key)
        try:
            take(unlock_console(code, key, self.db))
        except RoomError as exc:
            self.lock_message.value = alert_html(str(exc))
            return False
        self.code.value = self.room.code
        self.form.layout.display = "none"
        self.main.layout.display = None
        self.lock_message.value = ""
        poller = follow(self.room, self.apply, self.trouble)
        if poller.state is None:
            poller.tick()
        return True
