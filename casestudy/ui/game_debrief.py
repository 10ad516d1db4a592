"""The system game's debrief page, for the facilitator: a game's rounds side by side and one
chart per lesson, each with its figures in words and the guide's questions beside it.

Opened with the room's code and the facilitator's key (as the console is: nothing of a room
shows without the key, and the key is cleared from the form once used), or with the JSON a
game exported (uploaded from the facilitator's laptop: the page reads no path on the server).
The room's code may come in the page's address (``?room=CODE``). With neither, it shows a rehearsal: a room of bots it plays itself on the loaded system,
marked as such. Every figure comes from ``casestudy.game.facts`` (the game's record, played
again by the model); the charts are ``casestudy.charts.game_debrief``'s.
"""

from __future__ import annotations

import html
import tempfile
from typing import Any

import ipywidgets as widgets
from IPython.display import display

from ..charts import Figure, LiveSpec
from ..charts.game_debrief import lesson_figures
from ..errors import DataError
from ..game import open_game
from ..game.debrief import (
    debrief_questions,
    lesson_title,
    questions_for_lesson,
    tables_html,
)
from ..game.facts import GameDebrief, debrief_from_json, debrief_of
from ..game.headless import play_bots_game
from ..room import RoomError
from ..system import System, load_system
from .common import PANEL_CSS, chart_outputs
from .default import default_system
from .keyed import KeyedPage
from .live import PageRoom, alert_html, page_room

REHEARSAL_POLICY = "selfish"  # each for itself: the debrief has losers, a cut, one-offs
REHEARSAL_SEED = 1
MAX_UPLOAD_BYTES = 20_000_000

DEBRIEF_CSS = """
<style>
.cs-gdebrief { font-size: 15px; max-width: 1300px; }
.cs-gdebrief table { border-collapse: collapse; font-size: 14px; width: 100%; }
.cs-gdebrief th, .cs-gdebrief td { border: 1px solid #ccc; padding: 3px 6px; text-align: left;
                                   vertical-align: top; line-height: 1.3; }
.cs-gdebrief th { background: #f3f3f3; }
.cs-gdebrief .wide { overflow-x: auto; max-width: 100%; }
.cs-gdebrief .cs-aside { background: #f4f7fb; border-left: 4px solid #0072B2;
                         padding: 4px 12px; font-size: 14px; }
.cs-gdebrief .cs-aside h4 { margin: 4px 0; }
.cs-gdebrief .cs-rehearsal { border-left: 4px solid #E69F00; background: #fdf5e6;
                             padding: 4px 10px; }
</style>
"""

_REHEARSALS: dict[tuple, GameDebrief] = {}


def rehearsal(system: System | None = None, *, policy: str = REHEARSAL_POLICY,
              seed: int = REHEARSAL_SEED) -> GameDebrief:
    """A whole game played by bots (every role, ``policy``), in a room of its own in a
    temporary folder (never among the facilitator's rooms); played once per system."""
    system = system if system is not None else default_system()
    key = (str(system.source), policy, seed)
    if key not in _REHEARSALS:
        with tempfile.TemporaryDirectory(prefix="game-rehearsal-",
                                         ignore_cleanup_errors=True) as folder:
            game = play_bots_game(f"{folder}/rooms.sqlite", tables=0, policy=policy, seed=seed,
                                  system=system, title="A rehearsal: a room of bots")
            _REHEARSALS[key] = debrief_of(game)
    return _REHEARSALS[key]


def questions_html(lesson: int, questions: dict | None = None) -> str:
    """The guide's debrief questions that name a lesson, round by round (empty if none)."""
    asked = questions_for_lesson(debrief_questions() if questions is None else questions, lesson)
    if not asked:
        return ""
    items = "".join(f"<li><b>Round {n}.</b> {html.escape(q)}</li>" for n, q in asked)
    return (f'<div class="cs-aside" role="note"><h4>Debrief questions</h4><ul>{items}</ul>'
            "</div>")


def head_html(debrief: GameDebrief, *, rehearsal_note: bool = False) -> str:
    years = f"{debrief.years[0]} to {debrief.years[-1]}" if debrief.years else ""
    played = (f"{debrief.played} of {len(debrief.years)} rounds revealed" if debrief.years
              else "no round yet")
    note = ('<p class="cs-rehearsal" role="status">A rehearsal: no room was opened, so this is '
            f"a room of bots, each playing for itself, seed {debrief.seed}. Open a room (its "
            "code and your key) or a game's exported file above to see your own.</p>"
            if rehearsal_note else "")
    return (f"{note}<h3>{html.escape(debrief.title)}</h3>"
            f"<p>Room {html.escape(debrief.code)}; {html.escape(years)}; {played}; seed "
            f"{debrief.seed}. Figures are illustrative: the kit's model of the system, not any "
            "organisation's accounts.</p>")


class GameDebriefPage(KeyedPage):
    """The page: a form (room code and key, or an exported file), then the debrief."""

    def __init__(self, system: System | None = None, *, db: Any = None,
                 code: str = "", key: str = "", rehearse: bool = True,
                 page: PageRoom | None = None) -> None:
        self.system = system
        self.db = db
        self.debrief: GameDebrief | None = None
        self.is_rehearsal = False
        self.figures: list[Figure] = []
        self.live = LiveSpec()
        self._key_fields(code, key, code_width="320px", key_width="400px")
        self.open_button = widgets.Button(description="Open the room's debrief", icon="unlock",
                                          button_style="info")
        self.open_button.on_click(lambda _: self.open_room())
        self.upload = widgets.FileUpload(accept=".json", multiple=False,
                                         description="Open a game's file",
                                         layout=widgets.Layout(width="260px"))
        self.upload.observe(lambda _: self.open_upload(), names="value")
        self.game: Any = None  # the room's game, once opened with the key
        self.again_button = widgets.Button(description="Read the room again", icon="refresh",
                                           tooltip="After another reveal: the rounds so far",
                                           layout=widgets.Layout(display="none"))
        self.again_button.on_click(lambda _: self.refresh())
        self.message = widgets.HTML()
        self.head = widgets.HTML()
        self.tables = widgets.HTML()
        self.outputs = [widgets.Output() for _ in range(5)]
        self.asides = [widgets.HTML() for _ in range(5)]
        self.captions = [widgets.HTML() for _ in range(5)]
        self.titles = [widgets.HTML(f"<h3>{html.escape(lesson_title(n))}</h3>")
                       for n in range(1, 6)]
        self.form = widgets.VBox([
            widgets.HTML("<p>Type the room's code and the key <code>make workshop</code> "
                         "printed in your terminal, or open the JSON file a game exported "
                         "(<code>python -m casestudy.game export</code>).</p>"),
            widgets.HBox([self.code, self.key]),
            widgets.HBox([self.open_button, self.upload, self.again_button]), self.message])
        if code and key:
            self.open_room()
        elif rehearse:
            self.show(rehearsal(system), is_rehearsal=True)
        # The room's code from the page's address (?room=CODE), as the console takes it.
        (page if page is not None else page_room(db)).on_ready(self._page_ready)

    # ------------------------------------------------------------------ opening
    def open_room(self, code: str | None = None, key: str | None = None) -> bool:
        """The debrief of the room with this code, for the facilitator's key."""
        code, key = self._typed(code, key)
        try:
            game = open_game(code.strip(), self.db)
            game.console(key)  # refuses a wrong key, changes nothing
            debrief = debrief_of(game)
        except (RoomError, DataError, ValueError) as exc:
            self._refused(str(exc))
            return False
        self.game = game
        self.again_button.layout.display = None
        self.show(debrief)
        return True

    def refresh(self) -> bool:
        """The room's debrief again (after another reveal), without the key again: the page
        holds the game it opened with the key."""
        if self.game is None:
            return False
        try:
            self.show(debrief_of(self.game))
        except (RoomError, DataError, ValueError) as exc:
            self._refused(str(exc))
            return False
        return True

    def open_upload(self) -> bool:
        files = self.upload.value
        if not files:
            return False
        item = files[0]
        content = bytes(item["content"])
        if len(content) > MAX_UPLOAD_BYTES:
            self._refused(f"the file {item['name']!r} is {len(content):,} bytes; a game's "
                          f"export is smaller than {MAX_UPLOAD_BYTES:,}")
            return False
        return self.open_json(content, name=str(item["name"]))

    def open_json(self, text: str | bytes, *, name: str = "the file") -> bool:
        """The debrief of a game's exported JSON. The game's system is this page's (or the
        kit's bundled one): never a folder the file names, so an uploaded file makes the
        page read nothing else on this machine."""
        candidates = [self.system if self.system is not None else default_system()]
        candidates.append(load_system())  # the bundled system, read once
        problem = ""
        for system in candidates:
            try:
                debrief = debrief_from_json(text, system)
            except (DataError, ValueError) as exc:
                problem = problem or str(exc)
                if "game_setup" not in str(exc):
                    break  # not a question of which system: say so now
                continue
            self.show(debrief)
            return True
        self._refused(f"{name}: {problem}")
        return False

    def _refused(self, problem: str) -> None:
        self.message.value = alert_html(problem)

    # ------------------------------------------------------------------ showing
    def show(self, debrief: GameDebrief, *, is_rehearsal: bool = False) -> None:
        self.debrief, self.is_rehearsal = debrief, is_rehearsal
        if not is_rehearsal:
            self.message.value = ""
        self.head.value = head_html(debrief, rehearsal_note=is_rehearsal)
        self.tables.value = (f'<div class="wide">{tables_html(dict(debrief.record))}</div>'
                             if debrief.played else "<p>No round revealed yet.</p>")
        self.figures = lesson_figures(debrief)
        questions = debrief_questions()
        for number, (figure, output, aside, caption) in enumerate(
                zip(self.figures, self.outputs, self.asides, self.captions), start=1):
            output.outputs = chart_outputs([self.live.spec(figure)], [figure])
            caption.value = f'<p class="cs-help">{html.escape(figure.summary)}</p>'
            aside.value = questions_html(number, questions)

    @property
    def summaries(self) -> list[str]:
        """Each chart's text alternative (its figures in words)."""
        return [f.summary for f in self.figures]

    @property
    def widget(self) -> widgets.Widget:
        if getattr(self, "_widget", None) is None:
            lessons = []
            for title, output, aside, caption in zip(self.titles, self.outputs, self.asides,
                                                     self.captions):
                # The questions beside the chart where the screen is wide enough (1366),
                # under it on a 1024 projector.
                chart = widgets.VBox([output, caption],
                                     layout=widgets.Layout(flex="0 1 auto", max_width="900px"))
                aside.layout = widgets.Layout(flex="1 1 260px", min_width="260px")
                lessons += [title, widgets.Box(
                    [chart, aside], layout=widgets.Layout(flex_flow="row wrap",
                                                          align_items="flex-start"))]
            self._widget = widgets.VBox([widgets.HTML(PANEL_CSS + DEBRIEF_CSS), self.form,
                                         self.head, self.tables, *lessons])
            self._widget.add_class("cs-panel")
            self._widget.add_class("cs-gdebrief")
        return self._widget

    def _ipython_display_(self) -> None:
        display(self.widget)
