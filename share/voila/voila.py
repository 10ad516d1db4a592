"""Voila configuration for the workshop (``make workshop``, which runs
``python -m casestudy.serve``; read through ``--Voila.config_file_paths=share/voila``).

It picks the kit's template (``share/jupyter/voila/templates/bradford``: the light theme,
large type, no Font Awesome from a CDN) and gives the start page each notebook's title, so a
facilitator sees the lessons by name, in order: a lesson's number and name from the registry
(``casestudy.lessons``), any other notebook's first Markdown heading.
It also sets how many pages may run at once and when a page's kernel ends (below).
"""

import json
import os
from pathlib import Path

from casestudy.lessons import by_notebook
from casestudy.serving.kernels import default_max_kernels

c = get_config()  # noqa: F821 (traitlets defines get_config in a config file)

c.VoilaConfiguration.template = "bradford"
c.VoilaConfiguration.theme = "light"
c.VoilaConfiguration.classic_tree = True  # the template's tree.html: titles, no script
c.VoilaConfiguration.show_tracebacks = False  # a room sees a short message, not a traceback
# Show the page's text at once and fill in each output as its cell runs (through the page's
# own websocket). Measured here: text on screen after about 3 s instead of a spinner for
# about 10 s; and the classic mode, which streams the page while the server runs the cells,
# stalled at random ("Executing 11 of 20", kernel idle) on 1 page load in 4 in Chromium.
c.VoilaConfiguration.progressive_rendering = True
# Voila's executor waits this long for a cell's outputs after the kernel says the cell is
# done. nbclient's default, 4 s, was too short for a room: with 12 pages opening at once on
# this 2-core machine, outputs came later, the executor stopped waiting, and the page never
# showed that cell's panel (12 of 12 pages, one run; 4 of 12 in another). Normally the
# outputs come within milliseconds, so a long wait costs nothing.
c.VoilaExecutor.iopub_timeout = 60
# The JupyterLab extensions a dashboard page loads: only the widgets' (Voila's own widget
# manager and the controls it draws). Voila loads every extension installed in the
# environment by default, and the kit's environment has JupyterLab's too: jupytext's (which
# asks for JupyterLab's document manager, absent from a dashboard, so every page logged
# "The getter for the shared module is not a function", #RUNTIME-012) and pygments' colours
# for code a dashboard never shows. An extension a lesson comes to need (a new widget
# library) goes here, or its widgets are not drawn.
c.VoilaConfiguration.extension_allowlist = [
    "@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8"]

# Kernels: every dashboard page runs one (about 130-150 MiB). A page closed in the browser
# ends its kernel at once (casestudy/serving/app.py); a kernel no browser has been connected
# to for cull_idle_timeout seconds (a laptop asleep, a browser that crashed) is ended too,
# checked every cull_interval seconds. A page still open keeps its kernel however long it
# sits idle (cull_connected False): a table looking at a page never loses it.
c.VoilaConfiguration.multi_kernel_manager_class = "casestudy.serving.kernels.KitKernelManager"
c.MappingKernelManager.cull_idle_timeout = 600
c.MappingKernelManager.cull_interval = 60
c.MappingKernelManager.cull_connected = False
c.MappingKernelManager.cull_busy = False
# A page's kernel is a fork of a process that has already imported the kit
# (casestudy/serving/forkserver.py): it starts in milliseconds instead of 2 s of CPU, and
# shares that memory with the other kernels. `python -m casestudy.serve --kernels fresh`
# starts each one as a new Python instead, as Voila does.
c.KernelProvisionerFactory.default_provisioner_name = "kit-fork-provisioner"
# At most this many pages at once (half the machine's memory at 150 MiB a page, 4 to 60);
# beyond it a table is told to wait. `python -m casestudy.serve --max-pages N` overrides it.
c.KitKernelManager.max_kernels = default_max_kernels()

SECTIONS = {"": "Lessons", "facilitator": "For the facilitator",
            "room": "A live workshop: for the tables"}  # in the start page's order


def notebook_title(path: Path) -> str:
    """The first Markdown heading of a notebook, or its file name when it has none."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return path.name
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        lines = (source if isinstance(source, str) else "".join(source)).splitlines()
        for line in lines:
            if line.startswith("#"):
                return line.lstrip("#").strip() or path.name
    return path.name


def kit_sections(root: Path, folder: str = "") -> list[dict]:
    """The notebooks in ``folder`` and its sub-folders (one level), with their titles, as
    sections in order: the folder's own notebooks first, then each sub-folder's."""
    base = root / folder
    sections = []
    for sub in ["", *sorted(p.name for p in base.iterdir() if p.is_dir())]:
        if sub.startswith((".", "_")):
            continue
        pages = [{"path": notebook.relative_to(root).as_posix(),
                  "title": _lesson_label(notebook, sub) or notebook_title(notebook)}
                 for notebook in sorted((base / sub).glob("*.ipynb"))]
        name = sub or folder
        if pages:
            sections.append({"title": SECTIONS.get(name, name.replace("_", " ").capitalize()),
                             "pages": pages})
    return sections


def _lesson_label(notebook: Path, sub: str) -> str:
    lesson = None if sub else by_notebook(notebook.name)  # lessons sit at the folder's top
    return lesson.label if lesson else ""


def page_config_hook(page_config, **kwargs):
    """Add the notebooks' titles to the page config that tree.html reads."""
    settings = kwargs.get("settings") or {}
    # Voila's own server sets server_root_dir to "/"; the contents manager knows the real root.
    root = getattr(settings.get("contents_manager"), "root_dir", None) or settings.get("server_root_dir")
    folder = (kwargs.get("notebook_path") or "").strip("/")
    if root and (Path(os.path.expanduser(root)) / folder).is_dir():
        page_config["kitSections"] = kit_sections(Path(os.path.expanduser(root)), folder)
        page_config["kitTitle"] = "The Bradford kit: workshop"
    return page_config


c.VoilaConfiguration.page_config_hook = page_config_hook
