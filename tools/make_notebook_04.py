"""Write notebooks/04_fixed_income.ipynb (a script, so the notebook's source is reviewable).

Run from the repository root: ``python tools/make_notebook_04.py``. The notebook is written
without outputs; every figure in it comes from a code cell.
"""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

md, code = new_markdown_cell, new_code_cell

cells = [
    md("""# Lesson 4. Fixed-income contracts

*Their benefits, and their limits: they do not remove an underlying deficit.*

Bradford's partners paid their hospitals through **fixed-income contracts**: a payment agreed
in advance from planned activity, whatever activity turns out to be. The case study's advice is
to "maximise the benefits of using fixed income contracts whilst protecting against their
limitations": the approach "does not eliminate underlying deficits; rather, it encourages
partners to decide how best to use the available resources". This lesson shows both halves.

The figures are **illustrative**: sized like Bradford's organisations where a public source
exists, assumptions elsewhere (see [`data/README.md`](../data/README.md)). About 25 minutes."""),
    md("""## What you will learn

- Who carries the risk of activity above or below plan under each way of paying a hospital, and
  what certainty a fixed-income contract buys.
- Why the system's underlying deficit is the same under every payment rule, and how one-off
  money flatters the reported position year after year.
- Why a fixed income rewards a hospital for doing less planned care, and how a variable
  element for elective activity answers it."""),
    md("## The situation in Bradford"),
    code("from casestudy.ui import lesson4"),
    code("lesson4.situation()"),
    md("""A **[fixed-income contract](glossary.md#fixed-income-contract)** pays the provider the price
of its planned activity, whatever it does. Like a **[block contract](glossary.md#block-contract)**
it is fixed in advance, but Bradford's was set from planned activity rather than last year's
spend. Under **[payment by results](glossary.md#payment-by-results)** as it stood to 2018/19 the
commissioner paid the national tariff price for every planned unit actually done, and the
**[marginal rate](glossary.md#marginal-rate-emergency-tariff)** for each emergency admission above
a baseline. Between the two sits the 2019/20 **[blended payment](glossary.md#blended-payment)**
for emergency care (the plan plus a share of the price for activity off plan). After the Bradford
years came **[aligned payment and incentive](glossary.md#aligned-payment-and-incentive)**, a fixed
income with a variable element for elective activity: above plan only in 2022/23, both ways from
2023/24.

Each organisation's **[reported position](glossary.md#reported-position)** is what its accounts
show this year. Its **[underlying position](glossary.md#underlying-position)** leaves out what
will not come again: the **[non-recurrent](glossary.md#non-recurrent)** support,
savings and incentive funds."""),
    md("## The model in one paragraph"),
    code("lesson4.the_model()"),
    md("""The **[marginal cost](glossary.md#marginal-cost)** is what a unit of activity really adds to
(or, when it is not done, takes off) a hospital's spending within the year; the rest of its cost
is **[stranded](glossary.md#stranded-cost)** when activity falls. Savings come from the
**[cost improvement programme](glossary.md#cost-improvement-programme)**: the part
that recurs lowers next year's costs, the rest has to be found again."""),
    md("""## Explore

### 1. Certainty: who carries the volume risk

Each chart below holds thousands of simulated years of uncertain demand, for the largest acute
trust and the commissioner that pays it most, under each payment rule. The black line is each
organisation's **[control total](glossary.md#control-total)**: to its right, the organisation
meets it. The narrower a histogram, the more certain the position."""),
    code("lesson4.CertaintyPanel()"),
    md("""Try this:

- Move **demand against plan** above zero. Under fixed income the trust's whole distribution moves
  left and the commissioner's hardly moves; under payment by results with the marginal rate the
  commissioner moves left and the trust moves right.
- Compare the spreads in the second chart. Fixed income makes the commissioner's position almost
  certain; the trust still carries activity off plan, at its marginal cost. A
  **[risk share](glossary.md#risk-share)** (lesson 3) is another way to split that risk."""),
    md("""### 2. The limits over five years

The model now runs five years, under each payment rule, with demand a little above plan every
year. Each small chart is one payment rule: the blue line is what the NHS organisations together
report, the vermilion line their underlying position."""),
    code("lesson4.YearsPanel()"),
    md("""Try this:

- Raise **one-off support**. The blue lines rise; the vermilion ones do not move. One-off money
  flatters the reported position and leaves the deficit for next year.
- Lower **efficiency delivered** or the **recurrent share of savings**: the underlying position
  worsens year after year, under every rule.
- Switch on **rebase fixed income yearly**: each year's fixed income is then set from the year
  before's actual activity. In the second chart the trust's position under fixed income catches
  up with payment by results; in the first, the vermilion lines stay the same under every
  rule. The contract moves money between commissioner and provider; it does not make any."""),
    md("""### 3. The incentive to do less planned care

A fixed income is paid whatever happens. A hospital that does fewer planned operations than it
was paid for keeps the income and saves their marginal cost. Aligned payment and incentive in
2022/23 paid 75% of the price for electives above plan and took nothing back below it (the
deduction was proposed, not implemented), so it left this incentive in place. From 2023/24 the
elective variable element pays and takes back the price of each elective done or not done.

A note on eras: aligned payment and incentive came after the sustainability funds and after the
clinical commissioning groups (replaced by integrated care boards in July 2022), so running it
with sustainability-style incentive funds (and, in a Bradford-like system, with CCGs) is a
thought experiment.
And with every variance pooled (a risk share of 1, lesson 3), each organisation meets its
control total only when the system does: every incentive fund is then in effect tied to the
system."""),
    code("lesson4.ElectivePanel()"),
    md("""Try this: lower the **elective variable rate** from 100% until the trust's bar turns
positive. The text gives the rate at which doing less stops paying. Then raise **capacity flex**:
the more cost can be taken out within the year, the higher that rate must be."""),
    md("## What this means for your system"),
    code("lesson4.what_this_means()"),
    md("""A fixed-income contract is an agreement about who carries which risk, not a way to close
a gap. It works best when the partners agree the plan it is set from, keep the underlying
position in view next to the reported one, and keep a variable element where doing less would
otherwise pay."""),
    md("""## Check your understanding

Predict first, then press the button: the model gives the answer."""),
    code("checks = lesson4.checks()"),
    code("checks[0]"),
    code("checks[1]"),
    code("checks[2]"),
    code("checks[3]"),
    md("""## Going further

- **The glossary**: [fixed-income contract](glossary.md#fixed-income-contract),
  [underlying position](glossary.md#underlying-position),
  [marginal cost](glossary.md#marginal-cost), [control total](glossary.md#control-total).
- **Beyond the NHS**: lesson 5 follows what a cut to social care does to hospital demand, and
  to the place as a whole.
- **The sandbox** (notebook 6): every setting, two scenarios side by side.
- **Your own figures**: `cs.project(cs.load_system(), cs.Scenario())` gives each organisation's
  reported and underlying position year by year; `casestudy/incentives.py` holds the
  calculations of this lesson, each a run of the one engine."""),
]

nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
nbformat.write(nb, "notebooks/04_fixed_income.ipynb")
