"""Write notebooks/05_beyond_the_nhs.ipynb (a script, so the notebook's source is reviewable).

Run from the repository root: ``python tools/make_notebook_05.py``. The notebook is written
without outputs; every figure in it comes from a code cell.
"""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

md, code = new_markdown_cell, new_code_cell

cells = [
    md("""# Lesson 5. The NHS alone lacks the levers

*The local authority and the voluntary sector.*

Bradford's partners recognised "that the NHS, on its own, does not have the scope or the
levers" to achieve their ambition, and set out to work "more closely with local authority and
voluntary sector in the development of future financial mechanisms". This lesson follows money
and patients across the boundary of the NHS: a change to the council's social care funding,
and investment in the voluntary sector.

The figures are **illustrative**: sized like Bradford's organisations where a public source
exists, assumptions elsewhere (see [`data/README.md`](../data/README.md)). About 20 minutes."""),
    md("""## What you will learn

- How a change to social care funding shows up in hospital: extra emergency admissions and
  **[delayed transfers of care](glossary.md#delayed-transfer-of-care)** (delayed discharges).
- Why cost moved across the NHS boundary is invisible to the NHS control total but not to the
  place, and who inside the NHS ends up paying.
- How to test an investment in the voluntary sector against the system's position, and what
  has to be true for it to pay."""),
    md("## The situation in Bradford"),
    code("from casestudy.ui import lesson5"),
    code("lesson5.situation()"),
    md("""The **[system control total](glossary.md#system-control-total)** counts the NHS
organisations only: the **[commissioners](glossary.md#commissioner)** and the NHS
**[providers](glossary.md#provider)**. The council's social care budget, the care homes and home
care agencies it buys from, and the voluntary sector are outside it. Councils and the NHS can
pool money through the **[Better Care Fund](glossary.md#better-care-fund)** (a
[section 75](glossary.md#section-75) agreement), but pooling money is not the same as sharing
the risk."""),
    md("## The model in one paragraph"),
    code("lesson5.model_in_one_paragraph()"),
    md("""A hospital that admits more patients spends more only on what moves with activity: its
**[marginal cost](glossary.md#marginal-cost)**. When activity falls, the rest of its cost stays,
a **[stranded cost](glossary.md#stranded-cost)**, unless wards and rotas are taken out. The
same is true of a care provider that loses packages. Positions here are compared before
incentive funds, so that a small knock-on is not shown as a whole fund lost."""),
    md("""## Explore

### 1. A change to social care funding

The panel starts from a cut to the council's social care budget, against the baseline of no
change. The first chart is the lesson: the change in position of the NHS organisations, the
council, the care providers and the others, and of the whole
**[place](glossary.md#place)** (grey), their sum."""),
    code("lesson5.SocialCarePanel()"),
    md("""Try this:

- Move the **knock-on to emergency admissions** from its default towards 1. The evidence on
  this link is contested; see how much of the council's saving reappears as NHS cost as you
  move it.
- Change the **payment rule**. The NHS total does not move; which NHS organisation carries it
  does.
- Turn the cut into a rise: the council spends more, and the hospitals gain."""),
    md("""### 2. Investing in the voluntary sector

Tick the schemes the voluntary sector could deliver. The first chart compares the year with
your schemes against the same year without them; the second tests each scheme on its own."""),
    code("lesson5.VoluntaryPanel()"),
    md("""Try this: raise the **[capacity flex](glossary.md#capacity-flex)**. Admissions avoided release more of the hospitals'
cost when wards and rotas can be taken out within the year, and the schemes come closer to
paying for themselves."""),
    md("## What this means for your system"),
    code("lesson5.what_this_means()"),
    md("""The NHS control total draws a line through the middle of a single system of care. A
saving on one side can be a cost on the other, and the only place where both show is a shared
view of the whole place: the same open books, pooled budgets and shared risk that lesson 3
built for the NHS organisations, extended to the council and the voluntary sector."""),
    md("""## Check your understanding

Predict first, then press the button: the model gives the answer."""),
    code("checks = lesson5.checks()"),
    code("checks[0]"),
    code("checks[1]"),
    code("checks[2]"),
    code("checks[3]"),
    md("""## Going further

- **The glossary**: [delayed transfer of care](glossary.md#delayed-transfer-of-care),
  [Better Care Fund](glossary.md#better-care-fund), [section 75](glossary.md#section-75),
  [marginal cost](glossary.md#marginal-cost), [stranded cost](glossary.md#stranded-cost).
- **The shared picture**: lesson 3 builds the bridge and pools the reserves of the NHS
  organisations; try it with a social care cut set in the sandbox.
- **Your own figures**: `cs.social_care_knock_on(cs.load_system(), cs.Scenario(social_care_budget_change=-0.1))`
  gives the knock-on as numbers, and `cs.vcs_test(...)` tests the voluntary-sector schemes;
  the arithmetic is in `casestudy/place.py`, every figure a difference between two runs of the
  one engine."""),
]

for number, cell in enumerate(cells):  # stable ids, so a regenerated notebook diffs cleanly
    cell["id"] = f"l05-{number:02d}"
# In a live workshop the page shows its table and room, with links to the table's
# other pages (casestudy.ui.live); for a learner alone the cell shows nothing.
cells.insert(0, new_code_cell('from casestudy.ui import live\nlive.banner()', id="lesson05-room"))
nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
nbformat.write(nb, "notebooks/05_beyond_the_nhs.ipynb")
