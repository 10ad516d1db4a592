"""ipywidgets panels, one module per lesson plus shared controls (``common``).

Import the lesson you need, e.g. ``from casestudy.ui import lesson2``; this package
imports no lesson eagerly, so ``import casestudy`` stays light.
"""

from ..charts import use_offline_renderer

use_offline_renderer()  # charts drawn by JupyterLab's and Voila's bundled Vega, no network
