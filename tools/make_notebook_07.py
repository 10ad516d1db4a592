"""Write notebooks/07_then_and_now.ipynb (a script, so the notebook's source is reviewable).

Run from the repository root: ``.venv/bin/python tools/make_notebook_07.py``. The notebook is
written without outputs; every figure, date and rate a learner reads comes from a code cell
(``casestudy.ui.then_and_now``, and the sourced facts in ``casestudy.regimes``).
"""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

md, code = new_markdown_cell, new_code_cell

cells = [
    md("""# Then and now: Bradford's lessons under today's rules

*From CCGs, the national tariff and a system control total to integrated care boards, the NHS
Payment Scheme and the system's financial duties.*

The case study describes Bradford District and Craven in the years to 2020. Since then the NHS
has changed who commissions care, how hospitals are paid and what a system must achieve. This
notebook puts the two side by side, then runs the same system under every payment rule in the
kit, from the Bradford years to the rules proposed for 2026/27, and shows who wins and who loses
under each.

The figures are **illustrative**: sized like Bradford's organisations where a public source
exists, assumptions elsewhere (see [`data/README.md`](../data/README.md), which also lists the
source of every date and rate below). About 15 minutes."""),
    md("""## What you will learn

- What replaced each piece of the Bradford arrangement: the CCGs, the national tariff, the
  system control total and its incentive funds, and what came between (the COVID block
  contracts and system envelopes).
- Who gains and who loses, year by year, when the same system moves from Bradford's fixed
  income to each later payment rule, and why the NHS system as a whole neither gains nor loses.
- Which of Bradford's lessons still hold under today's rules, and which need a local agreement
  that the national rules no longer provide."""),
    code("from casestudy.ui import then_and_now"),
    md("""## The situation: from then to now

In the Bradford years, three **[clinical commissioning groups](glossary.md#clinical-commissioning-group)**
paid the hospitals through **[fixed-income contracts](glossary.md#fixed-income-contract)**, and the
partners were held to a **[system control total](glossary.md#system-control-total)** with
**[sustainability funds](glossary.md#sustainability-funds)** tied to it. Here is what happened
next, each change with its source:"""),
    code("then_and_now.timeline()"),
    md("""Read the table as a bridge. The COVID **[block contracts](glossary.md#covid-block-contracts)**
made fixed income national for two years, and the
**[system funding envelopes](glossary.md#system-funding-envelope)** asked every system to break
even as one. Then the rules split the two ideas apart again. Each idea of the Bradford years,
and what it became (see [then and now](glossary.md#then-and-now) in the glossary):"""),
    code("then_and_now.then_and_now_map()"),
    md("## The model in one paragraph"),
    code("then_and_now.the_model()"),
    md("""## Explore: the same system under every rule

The panel runs the loaded system under every payment preset, with the same demand against plan
every year. The first chart shows every rule in one year: each cell is an organisation's position
before incentive funds, set against the same year under fixed income (blue: it gains; vermilion: it
loses). The rule chosen on the left is outlined, and the second chart follows it year by year.
Rules marked with a star came after the Bradford years: running them on this system's CCGs and
incentive funds is a **thought experiment**, and the panel says so."""),
    code("then_and_now.RegimesPanel()"),
    md("""Try this:

- Move **demand against plan** to zero. Almost every cell turns white: on plan, most rules pay
  the plan. The marginal rate for emergency admissions (payment by results with MRET) still
  differs: the kit sets its baseline, a value fixed years before, below this year's plan.
- Move demand below plan and choose **aligned payment and incentive (2022/23)**: its column
  stays white. Nothing was taken back for elective work not done, so the hospital kept its income,
  as under fixed income.
- Move demand above plan and compare **aligned payment and incentive (2023/24-2025/26)** with the
  **NHS Payment Scheme (2026/27, as consulted)**: the first pays for every elective done above
  plan, the second pays nothing above the contracted plan and a share for emergency care.
- Raise the **years**: the gaps grow as plans and prices grow, but the **NHS system** row stays
  at zero under every rule."""),
    md("## What happened next in Bradford"),
    code("then_and_now.what_happened_next()"),
    md("## What this means for your system"),
    code("then_and_now.what_this_means()"),
    md("""The target Bradford's partners set themselves became law; the cushion of incentive funds
and deficit support did not last; and the payment rules now pull two ways, paying for planned
care as it is done while proposing a blended payment for emergency care. What the partners agree
between themselves (a **[risk share](glossary.md#risk-share)**, how a miss is shared, what each
reports) matters as much as it did in Bradford."""),
    md("""## Check your understanding

Predict first, then press the button: the model gives the answer."""),
    code("checks = then_and_now.checks()"),
    code("checks[0]"),
    code("checks[1]"),
    code("checks[2]"),
    code("checks[3]"),
    md("""## Going further

- **The glossary**: [then and now](glossary.md#then-and-now),
  [NHS Payment Scheme](glossary.md#nhs-payment-scheme),
  [system financial duties](glossary.md#system-financial-duties),
  [deficit support](glossary.md#deficit-support),
  [risk-share agreement](glossary.md#risk-share-agreement),
  [aligned payment and incentive](glossary.md#aligned-payment-and-incentive).
- **Lesson 4** ([fixed-income contracts](04_fixed_income.ipynb)) follows the underlying position
  over five years and the incentive to do less planned care under each rule.
- **The sandbox** ([notebook 6](06_sandbox.ipynb)): set one scenario to fixed income and the other
  to a later rule, and compare them on every setting.
- **Your own figures**: `cs.project_by_preset(cs.load_system(), cs.Scenario())` runs every rule
  year by year; `casestudy.projection.change_by_preset` sets each against fixed income; the
  dated facts and their sources are in `casestudy/regimes.py` and `data/README.md`."""),
]

for number, cell in enumerate(cells):  # stable ids, so a regenerated notebook diffs cleanly
    cell["id"] = f"l07-{number:02d}"
nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
nbformat.write(nb, "notebooks/07_then_and_now.ipynb")
