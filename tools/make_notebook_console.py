"""Write notebooks/facilitator/console.ipynb, the facilitator's console for a live workshop
(kept as a script so the notebook's source is reviewable). Run from the kit's root:
``.venv/bin/python tools/make_notebook_console.py``."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell("""# The facilitator's console

For the **facilitator** of a live workshop: type the key `make workshop` printed in your
terminal (the page shows nothing of the room without it; keep the key off the projector).
The tabs: **Tables** (who has joined), **Predictions** (open, lock and reveal a lesson's
moment), **Team round** (open it with a timer, advance the slowest, reveal the deals one
table at a time) and **Record** (the events and the debrief). The facilitator's guide has
the run sheets, and how to rehearse alone with bot tables."""),
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
