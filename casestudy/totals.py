"""The ids of the total rows that lesson models add to their tidy frames.

A total row sums organisations; its ``org_id`` says which. These two are shared by more
than one lesson model (``priorities.scheme_table``, ``governance.bridge``), so they live
here, below both, rather than in one lesson model that the other imports. (Other total rows
still carry ids of their own module: ``behaviours.SYSTEM_ID``, ``risk.SYSTEM_ID``,
``projection.SYSTEM_ID``, ``incentives.NHS_ID``; issue 13 asks for one vocabulary.)
"""

NHS_SYSTEM_ID = "nhs_system"  # the organisations inside the NHS control total, summed
PLACE_ID = "place"  # every organisation in the place, summed
