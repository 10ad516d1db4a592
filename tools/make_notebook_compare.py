"""Write notebooks/facilitator/compare_teams.ipynb (a script, so the notebook's source is reviewable).

Run from the kit's root: ``.venv/bin/python tools/make_notebook_compare.py``.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell("""# Compare the teams

This page is for the **facilitator** when the tables are not in a live room (a laptop per
table, or handouts): it reads every table's saved deal, from files or from codes pasted
from the chat, and puts the tables side by side. (In a live workshop the console's **Team
round** tab does this for the room's deals, one table at a time.)

Each deal is set against the **baseline**, the contracts as they stand under the round's
demand, and read three ways, each against the
[control total](../glossary.md#control-total): the NHS system's
[underlying position](../glossary.md#underlying-position), its position before
[incentive funds](../glossary.md#incentive-fund) (the test the control-total regime
applies) and after them (what the accounts report). Every figure comes from the same model
the tables used, run again here from their saved settings.

The figures are illustrative (see [`data/README.md`](../../data/README.md)): the point is
the comparison between choices, not any one number."""),
    new_code_cell("from casestudy.ui import compare"),
    new_markdown_cell("""## Collect the deals

Each table saves its deal from the **Team round** page (or any lesson panel): open **Save
or load this scenario**, type the team's name, press **Save**. That writes a small file and
shows a short code. Collect them in one of two ways:

- **A laptop per table**: copy each table's file (its name is shown when it saves) onto a
  USB stick, then into one folder here; type that folder below.
- **The chat**: each table pastes its code into the meeting chat; copy the whole chat into
  the codes box below. Any text around the codes is ignored.

A table's file and its pasted code are one team, not two (the one saved last counts, and
the table says so if they differ). A file or code that was cut short, edited by hand, made
by another version of the kit, or holds a value out of range is listed with the table it
came from and the reason; the rest still load."""),
    new_code_cell("compare.where_files_go()"),
    new_markdown_cell("""## The teams side by side

Press **Compare the teams** after each round to read the folder and the codes again. To
rehearse before the session, press **Show example teams**: five examples, marked as such,
never merged with a real table."""),
    new_code_cell("panel = compare.ComparePanel()"),
    new_code_cell("panel"),
    new_markdown_cell("""## Reading the charts

**The NHS system under each team's deal**: one row per team (the baseline first, then the
tables from the best position before incentive funds to the worst), three panels: the
underlying position, the position before incentive funds, and after them, each against
the NHS control total (black tick), blue where the value reaches it. A table can be above
the line after funds and below it before: the funds were paid because each organisation met
its own control total while the system missed.

**Who would sign**: one row per team, one column per organisation, each cell the change in
that organisation's reported position against the baseline. Orange: worse off, so it would
not sign. A payment rule moves money between organisations; it does not create it."""),
    new_markdown_cell("""## Debrief questions

1. Which tables met the system control total before incentive funds? Which levers did
   they pull that the others did not?
2. Which tables' deals would every organisation sign? For the others, who refuses, and
   what would it take to bring them in?
3. Which choices moved money between organisations without changing the system's
   position (payment rule, risk share)? Which changed the position itself (schemes,
   capacity flex, the social care budget)?
4. Where a table pooled risk or linked the incentive fund to the system, did every
   organisation still have a reason to manage its own costs?
5. What would your own system need to agree, and to share, to make the best table's deal
   real?"""),
]

nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
out = Path("notebooks/facilitator/compare_teams.ipynb")
out.parent.mkdir(parents=True, exist_ok=True)
nbformat.write(nb, out)
