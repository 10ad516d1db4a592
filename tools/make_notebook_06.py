"""Write notebooks/06_sandbox.ipynb (a script, so the notebook's source is reviewable).

Run from the repository root: ``python tools/make_notebook_06.py``. The notebook is written
without outputs; every figure in it comes from a code cell.
"""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

md, code = new_markdown_cell, new_code_cell

cells = [
    md("""# Sandbox: two scenarios side by side

*Every setting of the model, for two scenarios at once; save them, load them, share them.*

The lessons each open a few settings. Here you have all of them, for two scenarios, **A** and
**B**, and you see what B changes from A: for every organisation, for the NHS system and its
**[control total](glossary.md#control-total)**, and over the years.

The figures are **illustrative**: sized like Bradford's organisations where a public source
exists, assumptions elsewhere (see [`data/README.md`](../data/README.md)). About 15 minutes,
or as long as you like."""),
    md("""## What you will learn

- To set up a question as two scenarios that differ in one setting, and read the answer.
- To tell a change that moves money between organisations from one that changes the system's
  position.
- To save a scenario to a file or a code, and load it back (your own, or another table's)."""),
    md("## The situation in Bradford"),
    code("from casestudy.ui import sandbox, start"),
    code("start.system_at_a_glance()"),
    md("""Each organisation's position is its income minus its spending; its
**[underlying position](glossary.md#underlying-position)** leaves out the
**[non-recurrent](glossary.md#non-recurrent)** money (one-off support, savings that
will not recur, incentive funds) that flatters its **[reported position](glossary.md#reported-position)**."""),
    md("## The model in one paragraph"),
    code("sandbox.how_to()"),
    md("""Each scenario runs the same engine as the lessons: one year for every organisation (the
first chart), then the years that follow (the second). The payment rules, each labelled with its
years ([payment by results](glossary.md#payment-by-results) with the
[marginal rate](glossary.md#marginal-rate-emergency-tariff) to 2018/19,
[fixed income](glossary.md#fixed-income-contract), the 2019/20 [blended](glossary.md#blended-payment)
payment, [aligned payment and incentive](glossary.md#aligned-payment-and-incentive) from 2022/23,
the [NHS Payment Scheme](glossary.md#nhs-payment-scheme) as consulted for 2026/27, and pure payment
by results as a teaching extreme), decide how money follows activity; a [risk share](glossary.md#risk-share) moves money between the NHS
organisations after the year. The settings under **Uncertainty** (draws and seed) are used by
the lessons' simulations; the sandbox shows certain years."""),
    md("""## Explore

The tabs on the left hold each scenario's settings, grouped; click a group's heading to open
it. **Copy A to B** starts B from A, so that B differs in only what you then change. Under each
scenario, **Save or load this scenario** writes a file to `my_scenarios/` (a new file every
time: nothing is overwritten) and gives a code to paste in a chat; paste a code, or a file's
path, to load it."""),
    code("sandbox.Sandbox()"),
    md("""Questions to try:

- Under B choose **payment by results + MRET** instead of fixed income, with demand above plan. Which
  organisations' positions move, and does the NHS system's?
- Raise **one-off support** under B. Compare the reported and underlying lines over the years.
- Cut the **social care budget** under B. Look at the council, the acute trusts, and the whole
  place against the NHS system alone.
- Tick two or three **shared schemes** under B, then lower the **leadership capacity**."""),
    md("## What this means for your system"),
    md("""A question about money in a system is a comparison: the same year with one thing
changed. Keep A as what you expect, change one setting at a time under B, and ask of each
difference whether it moved money between partners or changed what the system as a whole
has. Save the scenarios you agree on and share their codes: the facilitator's notebook
(`notebooks/facilitator/`) puts every table's scenarios side by side."""),
    md("""## Check your understanding

Set each question up in the sandbox above if you like; then predict, and let the model answer."""),
    code("checks = sandbox.checks()"),
    code("checks[0]"),
    code("checks[1]"),
    md("""## Going further

- **The glossary**: [control total](glossary.md#control-total),
  [underlying position](glossary.md#underlying-position),
  [risk share](glossary.md#risk-share).
- **In code**: `cs.Scenario(risk_share=0.5).changes_from(cs.Scenario())` says what differs;
  `cs.save_scenario(scenario, "my_scenarios", "table_3")` and `cs.load_scenario(path)` write and
  read the same files as the boxes above; `cs.run_year` and `cs.project` give every number
  the charts show.
- **Your own figures**: the start page says how to load your own system's figures; the
  sandbox then runs on them."""),
]

nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
nbformat.write(nb, "notebooks/06_sandbox.ipynb")
