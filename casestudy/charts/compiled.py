"""Vega-Lite compiled to Vega in the kernel, once per chart shape, so the browser does not.

Measured in Chromium here: drawing lesson 2's largest chart from Vega-Lite took 78 ms, of
which compiling to Vega was 54 ms; from Vega, 24 ms. A panel redraws its charts on every
slider move, so it sends them as Vega (``application/vnd.vega.v5+json``, drawn offline by
the same renderer in JupyterLab and Voila).

Compiling needs ``vl-convert`` (about 0.8 s and 70 MiB the first time in a process), so the
compiled Vega is kept on disk, named by a hash of the Vega-Lite spec without its data: each
shape is compiled once per machine, and a kernel that finds every shape on disk never loads
vl-convert. The folder is ``$CASESTUDY_CACHE`` or ``~/.cache/bradford-kit``; where it
cannot be written (a locked-down laptop) the kernel keeps what it compiled in memory only.

The compiled spec does not depend on the data: the data go in afterwards, into the one named
dataset the chart reads (tests compare this with compiling each new spec whole).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

VEGA = "application/vnd.vega.v5+json"
VEGA_LITE_VERSION = "v5.20"  # what altair 5.5 emits
_memory: dict[str, dict] = {}


def cache_folder() -> Path:
    root = os.environ.get("CASESTUDY_CACHE") or Path.home() / ".cache" / "bradford-kit"
    return Path(root) / f"vega-from-vega-lite-{VEGA_LITE_VERSION}"


def shape_key(spec: dict) -> str:
    """A hash of a Vega-Lite spec with its datasets emptied: the same for every draw of one
    chart shape, whatever its data."""
    bare = dict(spec, datasets={name: [] for name in spec.get("datasets", {})})
    bare.pop("description", None)
    text = json.dumps(bare, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def compile_shape(spec: dict) -> dict:
    """The Vega spec of ``spec``'s shape, with empty datasets (from memory, disk, or
    vl-convert, in that order)."""
    key = shape_key(spec)
    if key in _memory:
        return _memory[key]
    path = cache_folder() / f"{key}.json"
    try:
        vega = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        import vl_convert as vlc

        bare = dict(spec, datasets={name: [] for name in spec.get("datasets", {})})
        vega = vlc.vegalite_to_vega(bare, vl_version=VEGA_LITE_VERSION)
        _save(path, vega)
    _memory[key] = vega
    return vega


def _save(path: Path, vega: dict) -> None:
    """Write atomically (two kernels may compile the same shape); give up quietly when the
    folder cannot be written: the kernel still has the spec in memory."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(vega, out)
        os.replace(temporary, path)
    except OSError:
        pass


def to_vega(spec: dict) -> dict:
    """``spec`` (Vega-Lite, its data in one named dataset) as Vega, with the same data."""
    names = list(spec.get("datasets", {}))
    shape = compile_shape(spec)
    vega = dict(shape)
    vega["data"] = [dict(entry, values=spec["datasets"][entry["name"]])
                    if entry.get("name") in names else entry for entry in shape.get("data", [])]
    if "description" in spec:
        vega["description"] = spec["description"]
    return vega


def clear_memory() -> None:
    """Forget the shapes compiled in this process (tests use it)."""
    _memory.clear()


__all__ = ["VEGA", "cache_folder", "clear_memory", "compile_shape", "shape_key", "to_vega"]
