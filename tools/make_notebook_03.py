"""Write notebooks/03_shared_governance.ipynb (a script, so the notebook's source is reviewable).

Run from the repository root: ``python tools/make_notebook_03.py``. The notebook is written
without outputs; every figure in it comes from a code cell.
"""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

md, code = new_markdown_cell, new_code_cell

cells = [
    md("""# Lesson 3. System governance

*Shared accountability, shared data, a shared picture of the finances.*

Bradford's partners learned to "use system governance to support shared accountability and
create space for joint problem-solving", starting from "sharing data … to build a shared
picture of financial issues". This lesson builds that picture, then uses it for two decisions
a system has to take together: how much to hold in reserve, and how much of each
organisation's incentive money to tie to the whole system.

The figures are **illustrative**: sized like Bradford's organisations where a public source
exists, assumptions elsewhere (see [`data/README.md`](../data/README.md)). About 20 minutes."""),
    md("""## What you will learn

- To read a **bridge** from last year's underlying position to this year's plan, and to tell
  the recurrent steps from the one-off money that flatters the reported position.
- Why a reserve held by the system as a whole can be smaller than the reserves its
  organisations would hold one by one.
- What tying an incentive fund to the system does: every partner gains a stake in every other
  partner's plan, and one organisation's miss costs them all."""),
    md("## The situation in Bradford"),
    code("from casestudy.ui import lesson3"),
    code("lesson3.situation()"),
    md("""Each organisation in the system signs up to a
**[control total](glossary.md#control-total)**: the position (income minus spending) it agrees
to reach, a surplus or an agreed deficit. The sum of them is the
**[system control total](glossary.md#system-control-total)**: introduced in the 2017-19 planning
round, held by integrated care systems such as West Yorkshire and Harrogate in 2018/19, and
given to every system from 2019/20. Meeting a control total could earn each organisation an
**[incentive fund](glossary.md#incentive-fund)** from the national
[sustainability funds](glossary.md#sustainability-funds), which is one-off money."""),
    md("""## The model in one paragraph

Each organisation's **[reported position](glossary.md#reported-position)** is what its
accounts show this year; its **[underlying position](glossary.md#underlying-position)** leaves
out everything that will not recur: one-off support, non-recurrent savings and incentive funds.
The bridge runs the model once per step, switching on one change at a time (allocation growth,
prices, cost inflation, the cost pressures above the uplift, demand growth, recurrent savings,
shared schemes, then the one-off items), so each bar is a change the model computed and the
bars add up exactly to the plan.
For the reserves the model draws many years of uncertain demand: an organisation's
**[contingency reserve](glossary.md#contingency-reserve)** is what it must hold to reach its
control total in, say, nine years out of ten; pooled, the system holds one reserve against the
sum of their positions. A **[risk share](glossary.md#risk-share)** moves money between the
organisations so that each carries part of the others' variance. The incentive fund's
**[system linkage](glossary.md#system-linkage)** is the share of each fund paid only if the
whole system meets its control total (0: each on its own; 1: all or nothing together). The kit
pays each fund all or nothing, once a year: a simplification, since the real funds were paid
quarterly, 70% for finance and 30% for performance."""),
    md("""## Explore

### 1. The shared financial picture

Start with the NHS system as a whole, then pick an organisation. The grey bars are totals:
last year's underlying position, this year's underlying plan and the reported plan. The dashed
line is the control total."""),
    code("lesson3.BridgePanel()"),
    md("""Try this:

- Raise **one-off support**. The reported plan improves; the underlying plan does not move.
- Lower the **recurrent share of savings**. The same savings are delivered, but more of them
  are one-off: the reported position stays, the underlying position falls.
- Set **cost inflation** above the **price uplift**. Providers' bridges worsen first; pick a
  commissioner to see where the money went."""),
    md("""### 2. A reserve held alone or pooled

Demand is uncertain. Each NHS organisation that carries its own risk needs a reserve to be
confident of meeting its control total. Pooled, the system needs one reserve against the sum
of their positions, and bad years at different organisations partly offset."""),
    code("lesson3.ReservePanel()"),
    md("""Try this: raise the **confidence** towards 99% and watch both reserves grow; change the
**payment rule** and see the risk (and the reserve) move between commissioners and providers."""),
    md("""### 3. Tying the incentive fund to the system

The panel starts with demand just far enough above plan for some organisations to miss their
own control total. Move the **system linkage** from 0 to 1 and watch what happens to the
partners that met theirs. Then add a **risk share**: it moves money from those above their
control totals to those below. At a risk share of 1 every variance is pooled, so each
organisation meets its control total only when the system does: every fund is then in effect
tied to the system, whatever the linkage says.

Bradford's partners pooled risk; how much they held in reserve together, and whether they tied
any incentive fund to the system, was not published, so the settings here are illustrative.
Nationally, some well-developed systems voluntarily linked a small amount of their 2019/20 funds
to the system. And a note on eras: choose a later payment rule (aligned payment and incentive,
the NHS Payment Scheme) in the reserve panel and you run it with sustainability-style funds
(and, in a Bradford-like system, with CCGs), which never coexisted with it: a thought
experiment."""),
    code("lesson3.LinkagePanel()"),
    md("## What this means for your system"),
    code("lesson3.what_this_means()"),
    md("""Governance is where these numbers are agreed: one bridge that every partner recognises,
one view of the risks the system carries together, and an incentive that rewards the
system's result as well as each organisation's. The same open books that make pooling safe
make the linkage fair."""),
    md("""## Check your understanding

Predict first, then press the button: the model gives the answer."""),
    code("checks = lesson3.checks()"),
    code("checks[0]"),
    code("checks[1]"),
    code("checks[2]"),
    code("checks[3]"),
    md("""## Going further

- **The glossary**: [control total](glossary.md#control-total),
  [underlying position](glossary.md#underlying-position),
  [risk share](glossary.md#risk-share), [system linkage](glossary.md#system-linkage).
- **Years, not one year**: lesson 4 follows the underlying position over five years and shows
  what fixed-income contracts do and do not change.
- **Beyond the NHS**: lesson 5 brings the council and the voluntary sector into the picture.
- **Your own figures**: any organisation's bridge as a table is
  `cs.bridge(cs.load_system(), cs.Scenario(), "nhs_system")` (or an organisation's id);
  the arithmetic is in `casestudy/governance.py`, and every step is a run of the one engine."""),
]

for number, cell in enumerate(cells):  # stable ids, so a regenerated notebook diffs cleanly
    cell["id"] = f"l03-{number:02d}"
nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
nbformat.write(nb, "notebooks/03_shared_governance.ipynb")
