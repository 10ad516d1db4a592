"""The workshop's server (``make workshop``): Voila, with what a room needs added.

- ``app``: the Voila application the kit runs (``KitVoila``): the lessons as dashboards, the
  glossary and the data notes as pages, a limit on pages open at once, idle kernels culled.
- ``pages``: the kit's Markdown files (the glossary, the data notes, the guide) as HTML pages,
  at the addresses the notebooks' relative links reach from a dashboard.
- ``kernels``: the kernel manager with the limit, and kernels forked from a process that has
  already imported the kit (``forkserver``), so a page's kernel starts in a fraction of a second.

Nothing here is imported by the model or the lessons; the server imports the kit, never the
other way round.
"""
