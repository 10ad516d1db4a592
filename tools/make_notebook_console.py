"""Write notebooks/facilitator/console.ipynb, the facilitator's console for a live workshop
(kept as a script so the notebook's source is reviewable). Run from the kit's root:
``.venv/bin/python tools/make_notebook_console.py``."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell("""# The facilitator's console

For the **facilitator** of a live workshop. `make workshop` prints this page's address, the
room's code and the **facilitator key**: type the key below. (Tables share the network, so
the page shows nothing of the room without the key; keep the key off the projector.)

- **Tables**: who has joined, and when each table last did something.
- **Predictions**: open a lesson's prediction moment for the room, watch the tables'
  predictions arrive, lock, then reveal: every table's page shows the answer.
- **Team round**: open the round with its demand and a timer, see who has sent a deal,
  advance the slowest (a table with no deal gets the baseline), then reveal the tables'
  deals one at a time, with two rounds side by side.
- **Record**: every event as CSV and JSON, and the one-page debrief to send after.

Rehearse alone first: `python -m casestudy.room bots --tables 6 --linger 1800` fills the room
with bot tables that predict and send deals (the guide says how)."""),
    new_code_cell("from casestudy.ui import console\nconsole.ConsolePanel()"),
]
for number, cell in enumerate(cells):
    cell.id = f"console-{number:02d}"  # stable ids: regenerating changes only what changed
out = Path("notebooks/facilitator/console.ipynb")
out.parent.mkdir(parents=True, exist_ok=True)
nbformat.write(new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}), out)
