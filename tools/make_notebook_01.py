"""Write notebooks/01_system_fundamentals.ipynb (kept as a script so the notebook's source is
reviewable). Run from the kit's root: ``.venv/bin/python tools/make_notebook_01.py``."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell("""# Lesson 1. Get the system fundamentals right: focus on a few shared priorities

About 20 minutes. You choose the shared schemes a partnership backs, within the senior leadership
time it has, and see who pays, who gains, and what spreading effort too thin costs. Then you write
the chosen few down as a memorandum.

The figures are **illustrative**: sized like Bradford's organisations where a public source exists,
and assumptions elsewhere (see [`data/README.md`](../data/README.md)). They are not Bradford's accounts."""),
    new_markdown_cell("""## What you will learn

- Why a partnership that takes on every promising scheme at once can deliver less than one that
  picks a few.
- Who pays for a shared scheme, who gains from it, and how the payment rule moves the gain between
  organisations without changing what the system as a whole gains.
- How to write the chosen few down as a memorandum that says who leads each one."""),
    new_code_cell("from casestudy.ui import lesson1"),
    new_markdown_cell("""## The situation in Bradford

The first of the case study's five lessons is to get the system fundamentals right: strengthen local
partnerships, set and show a new culture, **focus on a small number of shared priorities**, and
develop an agreed **[memorandum of understanding](glossary.md#memorandum-of-understanding)**: a
written agreement that binds no one in law but says what the partners will do together. The West
Yorkshire and Harrogate partners adopted one; Bradford's own partners later signed a
**[strategic partnering agreement](glossary.md#strategic-partnering-agreement)** that works "rather
like a club".

The partners are a **[commissioner](glossary.md#commissioner)** (in the case study's years, three
[clinical commissioning groups](glossary.md#clinical-commissioning-group) sharing one staff team),
the NHS trusts that are its **[providers](glossary.md#provider)**, the council and the voluntary
sector. Here is the choice in front of the partners in the system this kit has loaded:"""),
    new_code_cell("lesson1.situation()"),
    new_markdown_cell("## The model in one paragraph"),
    new_code_cell("lesson1.model_in_one_paragraph()"),
    new_markdown_cell("""Who gains depends on the contract. Under
**[payment by results](glossary.md#payment-by-results)** a hospital is paid a price for every
planned admission and, in the Bradford years (to 2018/19), only part of the price for each
emergency admission above a baseline (the
**[marginal rate](glossary.md#marginal-rate-emergency-tariff)**). So an admission avoided costs it
the price, or that share of it, but saves only its
**[marginal cost](glossary.md#marginal-cost)**; the rest, the wards and staff it still has, is
**[stranded cost](glossary.md#stranded-cost)**. Under a
**[fixed-income contract](glossary.md#fixed-income-contract)** the hospital's income does not move,
so it keeps what it saves, and the commissioner that paid for the scheme saves nothing. Either way,
the system as a whole gains the same: the rule only decides where the gain lands."""),
    new_markdown_cell("""## Explore

The schemes on offer, with who pays for each, who leads it and how much leadership it needs:"""),
    new_code_cell("lesson1.scheme_menu()"),
    new_markdown_cell("""Try this with the panel below:

1. Tick the two or three schemes you would back first. The top chart shows what each organisation
   pays and what it gains; the middle one marks your choice (the diamond) against the best
   portfolio of each size.
2. Keep ticking. When the bar in the bottom chart passes the black capacity line, watch the
   diamond fall: every scheme's chance of delivering is cut.
3. Move **Leadership capacity**, then switch the **Payment rule**: the bars move between
   organisations, the system's total does not.
4. When you are happy with your few, press **Agree the memorandum**. It is saved as a scenario
   file under `my_scenarios/` for the workshop, and shown below the panel."""),
    new_code_cell("lesson1.PortfolioPanel()"),
    new_markdown_cell("## What this means for your system"),
    new_code_cell("lesson1.what_this_means()"),
    new_markdown_cell("""A short list is not timidity: it is how a partnership makes sure the schemes it backs get the
senior time they need to work. The memorandum also settles who leads and who pays before anyone
has to argue about who gains; lesson 2 takes up that argument."""),
    new_markdown_cell("""## Check your understanding

Make your prediction, then press the button to see what the model says."""),
    new_code_cell("checks = lesson1.checks()\nchecks[0]"),
    new_code_cell("checks[1]"),
    new_code_cell("checks[2]"),
    new_markdown_cell("""## Going further

- Halve the leadership capacity, then double it: how many schemes does the best portfolio hold
  each time?
- Find a scheme that the NHS system gains from but the council pays for. Who would have to agree
  to it, and what would they want in return?
- Compare memoranda: each table saves its own; the facilitator's notebook lays them side by side.
- Next: [lesson 2, no winners and losers](02_no_winners_and_losers.ipynb), where one shift of care
  out of hospital is followed under each payment rule, and the partners look for a gain share
  that leaves nobody worse off."""),
]
for number, cell in enumerate(cells):
    cell.id = f"lesson01-{number:02d}"  # stable ids: regenerating changes only what changed
nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
nbformat.write(nb, "notebooks/01_system_fundamentals.ipynb")
