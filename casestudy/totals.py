"""The one vocabulary of total rows: the ids of the rows that lesson models and the core add
to their tidy frames, and the marker column that says a row is a total.

A total row sums organisations; its ``org_id`` says which, and it carries ``is_total =
True`` (every organisation's row ``False``), so a chart or a sentence finds totals by the
marker (its ``kind`` is always :data:`TOTAL_KIND`, ``"total"``). Two sums, two ids (and one more, kept because the public
``cs.bridge(system, scenario, "nhs_system")`` names it):

- :data:`NHS_ID` ``"nhs"``: the organisations inside the NHS control total, summed
  (``run_year(...).system``, ``project``, ``risk_by_preset``, ``elective_shortfall``).
- :data:`PLACE_ID` ``"place"``: every organisation in the place, summed (``run_year``, lesson
  2's deal and shift, lesson 5's boundaries).
- :data:`NHS_SYSTEM_ID` ``"nhs_system"``: the NHS sum in the bridge and the scheme table.

>>> NHS_ID, PLACE_ID, IS_TOTAL
('nhs', 'place', 'is_total')
"""

NHS_ID = "nhs"  # the organisations inside the NHS control total, summed
PLACE_ID = "place"  # every organisation in the place, summed
NHS_SYSTEM_ID = "nhs_system"  # the NHS sum as the bridge and the scheme table name it
IS_TOTAL = "is_total"  # the marker column: True on a total row
TOTAL_KIND = "total"  # the kind a total row carries: one word, not the sum's name
