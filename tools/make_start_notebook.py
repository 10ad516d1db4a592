"""Write notebooks/00_start_here.ipynb (kept as a script so the notebook's source is reviewable)."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = [
    new_markdown_cell("""# The Bradford kit: start here

In 2020 the NHS Confederation published a case study of how the health and care partners of
**Bradford District and Craven** used **fixed-income contracts** and a **system control total**
to align incentives, pool risk and reach financial balance. This kit turns its five lessons into
things you can try: you move a contract setting and see at once who gains, who loses and what
happens to the whole system.

The model behind every chart is small and open (the `casestudy` package). The figures are
**illustrative**: sized like Bradford's organisations from public sources where a source is cited
in [`data/README.md`](../data/README.md), and assumptions everywhere else. They are not Bradford's accounts."""),
    new_markdown_cell("""## How to use this kit

A notebook is a page of text and small blocks of code. Run the whole page with **Run > Run All
Cells** (or press **Shift+Enter** to run one block and move to the next). The sliders and buttons
that appear below a block are live: move them and the charts redraw; nothing you do can break
the kit, and **Reset to defaults** puts every control back.

New to NHS finance words? Each lesson links the terms it uses to the [glossary](glossary.md)."""),
    new_markdown_cell("## The system at a glance"),
    new_code_cell("import casestudy as cs\nfrom casestudy.ui import start"),
    new_code_cell("start.system_at_a_glance()"),
    new_code_cell("start.system_table()"),
    new_code_cell("start.system_chart()"),
    new_markdown_cell("""Each bar pair is one organisation: the darker bar its planned income, the lighter one its
planned spending. Commissioners (the CCGs) receive allocations and pay providers; providers
receive contract income and spend on staff, wards and supplies. The lessons follow what happens
to these bars when demand, contracts and shared decisions change."""),
    new_markdown_cell("## The lessons"),
    new_code_cell("start.lessons()"),
    new_markdown_cell("""## Going further

- **Then and now** ([notebook 7](07_then_and_now.ipynb)): what replaced the CCGs, the national
  tariff and the system control total, and the same system under every payment rule since.
- **Your own system**: put your organisations' figures into `data/template.xlsx`, check them with
  `python -m casestudy check my_system.xlsx`, and set `CASESTUDY_SYSTEM=my_system.xlsx` before
  `make lab`: every lesson then runs on your figures (see the README).
- **The data and its sources**: [`data/README.md`](../data/README.md).
- **The model**: `casestudy/engine.py` is the one place where money moves between organisations."""),
]
for number, cell in enumerate(cells):  # stable ids, so a regenerated notebook diffs cleanly
    cell["id"] = f"start-{number:02d}"
nb = new_notebook(cells=cells, metadata={
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
})
nbformat.write(nb, "notebooks/00_start_here.ipynb")
