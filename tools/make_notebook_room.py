"""Write the room's pages for tables: notebooks/room/join.ipynb (join once) and
notebooks/room/team_round.ipynb (the team round). Kept as a script so the notebooks' source
is reviewable. Run from the kit's root: ``.venv/bin/python tools/make_notebook_room.py``."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}

join = [
    new_markdown_cell("""# Join the room

For a **live workshop**: type the room code shown on the facilitator's screen and a name
for your table, once. You then get the links to every page of the session; each one knows
your table and room, so you never type your name again, and your predictions and your
deal reach the facilitator's console.

Choose a name the room will recognise (say, "Table 3" or "The commissioners"): up to 40
characters, different from every other table's. Working on your own? You need no room:
open the lessons from the start page."""),
    new_code_cell("from casestudy.ui import join\njoin.JoinPanel()"),
]

team_round = [
    new_code_cell("from casestudy.ui import live\nlive.banner()"),
    new_markdown_cell("""# The team round

Your table is the system's finance group for next year. Agree a **deal**: the levers on
the left, set together. The charts show what it does to the NHS system against its
[control total](../glossary.md#control-total), and whether each organisation would sign
it: an organisation signs if it is no worse off than under the baseline (the contracts as
they stand, this year's demand). A deal every partner signs leaves no winners and losers.

The levers are grouped by what the model says each does this year: some change what the
system spends and earns (they can meet the control total), some change only the
[incentive funds](../glossary.md#incentive-fund) paid to it, and some only move money
between the partners (they decide who carries the result).

In a live workshop, write one or two sentences on **why**, then press **Send our deal**:
the facilitator reveals the tables' deals one at a time. Your last deal counts until the
facilitator locks the round. The figures are illustrative (see
[`data/README.md`](../../data/README.md))."""),
    new_code_cell("from casestudy.ui import team_round\nteam_round.TeamRoundPanel()"),
    new_markdown_cell("""## Reading the charts

**The NHS system under your deal**: three measures, each against the NHS control total
(the black tick), blue where the value reaches it. The **underlying** position leaves out
everything one-off; the position **before incentive funds** is the test the control-total
regime applies; **after incentive funds** is what the accounts report.

**Who would sign**: each organisation's reported position under your deal minus under the
baseline. Orange cells are the partners worse off: each would refuse the deal as it
stands. What would you offer them?"""),
]

for name, cells, stem in (("join", join, "join"), ("team_round", team_round, "round")):
    for number, cell in enumerate(cells):
        cell.id = f"{stem}-{number:02d}"  # stable ids: regenerating changes only what changed
    out = Path(f"notebooks/room/{name}.ipynb")
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells, metadata=METADATA), out)
