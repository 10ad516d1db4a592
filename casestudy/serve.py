"""Serve every notebook as a dashboard with no code: ``make workshop``.

Voilà runs each notebook in a kernel of its own and shows its text, controls and charts,
never its code. The kit's Voilà settings (``share/voila/voila.py``) pick its template
(``share/jupyter/voila/templates/bradford``: large type for a projector, no stylesheet
from a CDN) and give the start page every lesson by its title.

It listens on 127.0.0.1 unless told otherwise: ``--host 0.0.0.0`` lets the tables of a room
connect to one laptop (Voilà asks for no password; use it on a network you trust).

>>> command = voila_command(port=8866)
>>> command[-1].endswith("notebooks"), "--Voila.ip=127.0.0.1" in command
(True, True)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CONFIG = ROOT / "share" / "voila"  # voila.py: template, theme, the start page's titles
TEMPLATES = ROOT / "share" / "jupyter"  # found through JUPYTER_PATH
DEFAULT_PORT = 8866


def voila_command(port: int = DEFAULT_PORT, host: str = "127.0.0.1", root: Path = NOTEBOOKS,
                  open_browser: bool = False) -> list[str]:
    """The Voilà command line for the workshop (the browser tests run the same one)."""
    voila = Path(sys.executable).with_name("voila")
    return [str(voila) if voila.exists() else "voila",
            *([] if open_browser else ["--no-browser"]),
            f"--Voila.ip={host}", f"--port={port}", f"--Voila.config_file_paths={CONFIG}",
            str(root)]


def voila_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for Voilà: the kit's template folder first on JUPYTER_PATH."""
    environ = dict(os.environ if environ is None else environ)
    paths = [str(TEMPLATES), *filter(None, environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    return {**environ, "JUPYTER_PATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m casestudy.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this laptop only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8866)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--room", default="", metavar="CODE",
                        help="the live room: a room's code, 'new' for a new one, 'none' for no "
                             "room (default: the newest made in the last 12 hours, else new)")
    args = parser.parse_args(argv)
    command = voila_command(args.port, args.host, open_browser=not args.no_browser)
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    if args.room.lower() != "none":  # the live room: its code, key and addresses
        from .room import RoomError
        from .room.session import announce, prepare

        try:
            workshop = prepare(code=args.room if args.room.lower() not in ("", "new") else None,
                               new=args.room.lower() == "new")
            print(announce(workshop, host=args.host, port=args.port), flush=True)
        except RoomError as exc:
            print(f"The workshop's room could not be made or opened: {exc}", flush=True)
    print(f"The workshop's start page: http://{shown}:{args.port}/  (Ctrl+C to stop)", flush=True)
    os.execvpe(command[0], command, voila_env())


if __name__ == "__main__":  # pragma: no cover - exec replaces the process
    main()
