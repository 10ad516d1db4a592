"""Write notebooks/facilitator/compare_teams.ipynb (a script, so the notebook's source is reviewable).

Run from the kit's root: ``.venv/bin/python tools/make_notebook_compare.py``.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell("""# Compare the teams

This page is for the **facilitator**. It reads every table's saved scenario and puts the
teams side by side: what each table changed, what that does to each organisation's position,
the NHS system's position, and whether the [control totals](../glossary.md#control-total)
were met. Every figure comes from the same model the tables used, run again here from their
saved settings, so the numbers match what each table saw.

The figures are illustrative (see [`data/README.md`](../../data/README.md)): the point is
the comparison between choices, not any one number."""),
    new_code_cell("from casestudy.ui import compare"),
    new_markdown_cell("""## Collect the scenarios

Each table saves its scenario from any lesson panel: open **Save or load this scenario**
under the controls, type the team's name, press **Save**. That writes a small file and shows
a short code. Collect them in one of three ways:

- **One laptop for the room** (`make workshop` on the facilitator's laptop): every table's
  file lands in the same folder already. Nothing to do.
- **A laptop per table**: copy each table's file (the path is shown when it saves) onto a
  USB stick, then into one folder here; type that folder below.
- **The chat**: each table pastes its code into the meeting chat; copy the whole chat into
  the codes box below. Any text around the codes is ignored.

Saving never overwrites a file: a second save by the same table is a second file, shown as a
second row. A file or code that was cut short, edited by hand, made by another version of the
kit, or holds a value out of range is listed by name with the reason; the rest still load."""),
    new_code_cell("compare.where_files_go()"),
    new_markdown_cell("""## The teams side by side

Press **Compare the teams** after each round to read the folder and the codes again. To
rehearse before the session, press **Try with example teams**."""),
    new_code_cell("panel = compare.ComparePanel()"),
    new_code_cell("panel"),
    new_markdown_cell("""## Reading the charts

The first chart puts **what each team chose** (left: only the settings some team changed;
shaded where a team moved away from the baseline) beside **what it did to the NHS system**
(right: the system's position, with the system control total as a black tick; blue where the
system met it, orange where it missed). The baseline is the first row; the teams follow from
the best system position to the worst.

The second chart shows **who carries the result**: one row per team, one column per
organisation, each cell that organisation's position minus its control total. Two teams can
reach the same system position with very different winners and losers. That is the point of
lesson 2: the payment rule moves money between organisations; it does not create it."""),
    new_markdown_cell("""## Debrief questions

1. Which teams met the system control total? What did they change that the others did not?
2. Find two teams with nearly the same system position. Who carries the result in each?
   Would the organisations in orange sign up to that team's choice?
3. Which choices moved money between organisations without changing the system's position
   (payment rule, risk share)? Which changed the position itself (demand, schemes, funding)?
4. Where a team pooled risk or linked the incentive fund to the system, did every
   organisation still have a reason to manage its own costs?
5. What would your own system need to agree, and to share, to make the best team's choice
   real?"""),
]

nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
out = Path("notebooks/facilitator/compare_teams.ipynb")
out.parent.mkdir(parents=True, exist_ok=True)
nbformat.write(nb, out)
