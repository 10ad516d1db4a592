"""The kit's notebooks in the order of a session: the one list of lessons.

The start page (``ui.start.lessons``), Voila's start page (``share/voila/voila.py``), the
handouts and the tests read it; ``tests/test_lessons_listed.py`` checks it against the
notebooks' first headings and the README's table. A lesson's words are in its notebook
(``notebooks/<stem>.md``, paired with the ``.ipynb``); only its name and length are here.

>>> LESSONS[1].notebook, LESSONS[1].label
('02_no_winners_and_losers.ipynb', '2. Contract as a group: no winners and losers')
>>> sum(lesson.minutes for lesson in LESSONS)
140
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True, kw_only=True)
class Lesson:
    """One notebook of the session, ``notebooks/<number>_<slug>.ipynb``."""

    number: int  # its place in the session; 0 is the start page
    slug: str  # the notebook's name after the number, and the handouts' key for it
    title: str  # its name on every list of the lessons
    minutes: int | None  # about how long it takes (None: the start page, read in passing)
    what: str  # what the learner does, in a sentence

    @property
    def stem(self) -> str:
        return f"{self.number:02d}_{self.slug}"

    @property
    def notebook(self) -> str:
        """The notebook's file name in ``notebooks/`` (its MyST source: ``stem + ".md"``)."""
        return f"{self.stem}.ipynb"

    @property
    def label(self) -> str:
        """Its name with its number, as a list of pages shows it."""
        return f"{self.number}. {self.title}" if self.number else self.title


START = Lesson(number=0, slug="start_here", title="Start here", minutes=None,
               what="The system at a glance; how to use the kit.")

LESSONS = (
    Lesson(number=1, slug="system_fundamentals", title="Get the system fundamentals right",
           minutes=20,
           what="Choose a few shared priorities within the partners' leadership capacity."),
    Lesson(number=2, slug="no_winners_and_losers",
           title="Contract as a group: no winners and losers", minutes=25,
           what=("Move care out of hospital and see who gains and who loses under each payment "
                 "rule.")),
    Lesson(number=3, slug="shared_governance", title="Shared governance, shared data",
           minutes=20,
           what="Build the shared financial picture; pool risk; tie incentives to the system."),
    Lesson(number=4, slug="fixed_income", title="Fixed-income contracts: benefits and limits",
           minutes=25,
           what="See what a fixed-income contract changes, and the underlying deficit it leaves."),
    Lesson(number=5, slug="beyond_the_nhs", title="Beyond the NHS: council and voluntary sector",
           minutes=20,
           what="Follow a social care budget change into hospital demand and delayed discharges."),
    Lesson(number=6, slug="sandbox", title="Sandbox", minutes=15,
           what="Every knob, two scenarios side by side; save and load your scenarios."),
    Lesson(number=7, slug="then_and_now",
           title="Then and now: Bradford's lessons under today's rules", minutes=15,
           what=("From CCGs and the tariff to ICBs and the NHS Payment Scheme; the same system "
                 "under every payment rule, year by year: who wins, who loses.")),
)

NOTEBOOK_ORDER = (START, *LESSONS)  # every numbered notebook, the start page first


def by_notebook(name: str) -> Lesson | None:
    """The lesson whose notebook has this file name, or None.

    >>> by_notebook("07_then_and_now.ipynb").title
    "Then and now: Bradford's lessons under today's rules"
    >>> by_notebook("compare_teams.ipynb") is None
    True
    """
    return next((lesson for lesson in NOTEBOOK_ORDER if lesson.notebook == name), None)
