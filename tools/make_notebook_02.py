"""Write notebooks/02_no_winners_and_losers.ipynb (kept as a script so the notebook's source is
reviewable). Run from the kit's root: ``.venv/bin/python tools/make_notebook_02.py``."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell("""# Lesson 2. No winners and losers: contract as a group

About 25 minutes. You follow one shift of care out of hospital, see who gains and who loses under
each payment rule, find the share of the gain that leaves nobody worse off, and compare
contracting one to one with contracting as a group.

The figures are **illustrative**: sized like Bradford's organisations where a public source exists,
and assumptions elsewhere (see [`data/README.md`](../data/README.md)). They are not Bradford's accounts."""),
    new_markdown_cell("""## What you will learn

- Why the same shift of care out of hospital is good news for one partner and bad news for another,
  and how the payment rule decides which.
- What stranded cost is, and why a hospital cannot match the income it loses with the cost it
  releases within a year.
- How a gain share can leave nobody worse off, and why contracting as a group lets a change happen
  that contracting one to one blocks."""),
    new_code_cell("from casestudy.ui import lesson2"),
    new_markdown_cell("""## The situation in Bradford

The case study's second lesson is about behaviour: "be authentic and honest in conversations –
contract as a group of senior leaders and stand by the
[strategic partnering agreement](glossary.md#strategic-partnering-agreement) avoiding a 'winners
and losers' approach". Bradford's agreement asks the partners to "act as one team" and describes
how shared resources are committed.

Why would partners who agree on a change still fall out over it? Because the money from a change
rarely lands where its cost falls. This lesson follows one change of the kind every
[integrated care system](glossary.md#integrated-care-system) plans: care moved out of hospital."""),
    new_code_cell("lesson2.situation()"),
    new_markdown_cell("## The model in one paragraph"),
    new_code_cell("lesson2.model_in_one_paragraph()"),
    new_markdown_cell("""A hospital's cost is partly **[fixed](glossary.md#fixed-cost)** (buildings, equipment,
overheads), partly **[semi-fixed](glossary.md#semi-fixed-cost)** (wards and rotas, which change
only when capacity is added or taken out) and partly **[variable](glossary.md#variable-cost)**
(drugs, consumables). The **[marginal cost](glossary.md#marginal-cost)** of an admission is the
variable part plus whatever share of the semi-fixed part can be flexed this year (the *capacity
flex* control); the rest is **[stranded cost](glossary.md#stranded-cost)**.

Each payment rule splits the result differently; the chart compares the rules of the Bradford
years. Under **[payment by results](glossary.md#payment-by-results)** as it stood to 2018/19, an
emergency admission above the baseline was paid at the
**[marginal rate](glossary.md#marginal-rate-emergency-tariff)** (70% of its price), so the
hospital loses that share of the price of each admission avoided and the commissioner saves it
(pure payment by results, every admission at full price, is kept in the kit as a teaching extreme).
Under a **[fixed-income contract](glossary.md#fixed-income-contract)** nobody's contract income
moves: the hospital keeps what it saves, and the commissioner that pays for the community service
saves nothing. The 2019/20 **[blended payment](glossary.md#blended-payment)** sits between the
two. Choose a later rule, such as
**[aligned payment and incentive](glossary.md#aligned-payment-and-incentive)**, which treats
emergency care as fixed, and it is drawn beside them. A **[gain share](glossary.md#gain-share)** is an agreement to pass part of the
winners' gain to the losers."""),
    new_markdown_cell("""## Explore

### Step 1: who gains and who loses under each rule

Each panel of the chart is one payment rule; the one you choose on the left is marked "your rule".

1. Start with **Fixed income**, then switch to **Payment by results + MRET**: watch the acute
   trust's bar change sign, and the commissioner's with it.
2. Check the black bar, the whole system: it does not move when the rule changes.
3. Move **Capacity flex**: the more semi-fixed cost the hospital can take out this year, the less is
   stranded and the more the system gains.
4. Make the shift bigger or smaller with its own slider."""),
    new_code_cell("lesson2.ShiftPanel()"),
    new_markdown_cell("""### Step 2: share the gain, or contract one to one

The outlined bars are each partner's change on its own; the solid bars are after a gain share in
which every winner passes the same share of its gain to the losers, just enough to make them whole.
The lower chart compares two ways of deciding:

- **One to one**: each partner signs only if it does not lose. Any loser can block the shift.
- **As a group, for one envelope** (one budget for the whole shift, shared by all the partners): the partners agree the shift if the system as a whole gains, and
  share the gain so that nobody is worse off.

Try each payment rule, and a low capacity flex: is there a setting where no gain share can work?"""),
    new_code_cell("lesson2.GainSharePanel()"),
    new_markdown_cell("## What this means for your system"),
    new_code_cell("lesson2.what_this_means()"),
    new_markdown_cell("""The payment rule does not decide whether a change is good for the system; it decides who has to
be persuaded. Agreeing up front, as a group, how gains and losses will be shared is what turns a
good idea into a signed contract. A **[risk share](glossary.md#risk-share)** does the same for
the ups and downs of demand; lesson 3 takes that on."""),
    new_markdown_cell("""## Check your understanding

Make your prediction, then press the button to see what the model says."""),
    new_code_cell("checks = lesson2.checks()\nchecks[0]"),
    new_code_cell("checks[1]"),
    new_code_cell("checks[2]"),
    new_markdown_cell("""## Going further

- Out-of-hospital care is not always cheaper: the Nuffield Trust found that only a few of the
  out-of-hospital schemes it reviewed were proven to save money. Push capacity flex to zero: does
  the shift still pay for the system?
- Under the blended payment, who blocks the shift one to one? Why is it a different partner from
  the one under payment by results with the marginal rate? And under pure payment by results?
- A gain share here is settled after the year. How would you write it into a contract in advance,
  before anyone knows how many admissions will be avoided?
- Next: [lesson 3, shared governance](03_shared_governance.ipynb), where the partners build one
  financial picture, pool their risk and tie their incentives to the system."""),
]
for number, cell in enumerate(cells):
    cell.id = f"lesson02-{number:02d}"  # stable ids: regenerating changes only what changed
nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
nbformat.write(nb, "notebooks/02_no_winners_and_losers.ipynb")
