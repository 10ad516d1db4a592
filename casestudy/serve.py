"""Serve every notebook as a dashboard with no code: ``make workshop``.

Voilà runs each notebook in a kernel of its own and shows its text, controls and charts,
never its code. The kit runs Voilà 0.5 in this process (``casestudy.serving.app``) with its
settings (``share/voila/voila.py``): its template (``share/jupyter/voila/templates/bradford``:
large type for a projector, no stylesheet from a CDN), the start page's lessons by title,
the glossary and the data notes as pages, a limit on pages open at once, and idle kernels
culled.

It listens on 127.0.0.1 unless told otherwise: ``--host 0.0.0.0`` lets the tables of a room
connect to one laptop (Voilà asks for no password; see the README's "Workshops" for what a
visitor can and cannot do).

>>> command = voila_command(port=8866)
>>> command[-1].endswith("notebooks"), "--host=127.0.0.1" in command
(True, True)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CONFIG = ROOT / "share" / "voila"  # voila.py: template, theme, titles, kernels
TEMPLATES = ROOT / "share" / "jupyter"  # found through JUPYTER_PATH
DEFAULT_PORT = 8866


def voila_command(port: int = DEFAULT_PORT, host: str = "127.0.0.1", root: Path = NOTEBOOKS,
                  open_browser: bool = False, options: tuple[str, ...] = (),
                  room: str = "none") -> list[str]:
    """The command line of the workshop's server (the browser tests run the same one);
    ``options`` are more of this module's options (``--max-pages 2``). ``room`` is the live
    room to announce (``--room``): none by default, so a test or a benchmark makes no room
    of the facilitator's; ``make workshop`` gives "" (the newest, else a new one)."""
    return [sys.executable, "-m", "casestudy.serve", f"--host={host}", f"--port={port}",
            *([] if open_browser else ["--no-browser"]), f"--room={room}", *options, str(root)]


def voila_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for Voilà: the kit's template folder first on JUPYTER_PATH."""
    environ = dict(os.environ if environ is None else environ)
    paths = [str(TEMPLATES), *filter(None, environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    return {**environ, "JUPYTER_PATH": os.pathsep.join(paths), "PYTHONUNBUFFERED": "1"}


def voila_argv(args: argparse.Namespace) -> list[str]:
    """Voilà's own command line for the options given to this module."""
    argv = [f"--Voila.ip={args.host}", f"--port={args.port}",
            f"--Voila.config_file_paths={CONFIG}"]
    if not args.open_browser:
        argv.append("--no-browser")
    if args.max_pages is not None:
        argv.append(f"--KitKernelManager.max_kernels={args.max_pages}")
    if args.idle_minutes is not None:
        argv.append(f"--MappingKernelManager.cull_idle_timeout={round(args.idle_minutes * 60)}")
    if args.kernels == "fresh":
        argv.append("--KitVoila.fork_kernels=False")
    if args.cull_interval is not None:
        argv.append(f"--MappingKernelManager.cull_interval={args.cull_interval}")
    return [*argv, *args.voila_option, str(args.root)]


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(prog="python -m casestudy.serve",
                                    description=__doc__.split("\n\n")[0])
    parse.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this laptop only)")
    parse.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8866)")
    parse.add_argument("--no-browser", dest="open_browser", action="store_false",
                       help="do not open a browser")
    parse.add_argument("--max-pages", type=int, default=None,
                       help="most dashboard pages open at once, each a kernel (default: "
                            "half this machine's memory at 150 MiB a page, 4 to 60)")
    parse.add_argument("--idle-minutes", type=float, default=None,
                       help="end a page's kernel when no browser has been connected to it "
                            "for this long (default in share/voila/voila.py)")
    parse.add_argument("--cull-interval", type=int, default=None,
                       help="seconds between checks for idle kernels (default in voila.py)")
    parse.add_argument("--kernels", choices=("fork", "fresh"), default="fork",
                       help="fork: each page's kernel forks from a process that has imported "
                            "the kit (default; starts in a fraction of a second); fresh: a new "
                            "Python each time, as Voila does")
    parse.add_argument("--room", default="", metavar="CODE",
                       help="the live room: a room's code, 'new' for a new one, 'none' for no "
                            "room (default: the newest made in the last 12 hours, else new)")
    parse.add_argument("--game", action="store_true",
                       help="the live room holds the system game: a new game (or the game in "
                            "--room CODE); prints the game console's and the join page's "
                            "addresses")
    parse.add_argument("--voila-option", action="append", default=[],
                       help="any other Voila setting, e.g. --voila-option=--debug")
    parse.add_argument("root", nargs="?", type=Path, default=NOTEBOOKS,
                       help="the folder of notebooks to serve (default notebooks/)")
    return parse


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    os.environ.update(voila_env())
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    if args.game:  # the system game's room: its code, key and addresses
        from .game.session import announce_game, prepare_game
        from .room import RoomError

        try:
            code = args.room if args.room.lower() not in ("", "new", "none") else None
            print(announce_game(prepare_game(code=code), host=args.host, port=args.port),
                  flush=True)
        except RoomError as exc:
            print(f"The game's room could not be made or opened: {exc}", flush=True)
    elif args.room.lower() != "none":  # the live room: its code, key and addresses
        from .room import RoomError
        from .room.session import announce, prepare

        try:
            workshop = prepare(code=args.room if args.room.lower() not in ("", "new") else None,
                               new=args.room.lower() == "new")
            print(announce(workshop, host=args.host, port=args.port), flush=True)
        except RoomError as exc:
            print(f"The workshop's room could not be made or opened: {exc}", flush=True)
    print(f"The workshop's start page: http://{shown}:{args.port}/  (Ctrl+C to stop)", flush=True)
    from .serving.app import main as run_voila  # Voila is imported only to serve

    run_voila(argv=voila_argv(args))


if __name__ == "__main__":  # pragma: no cover - runs the server until stopped
    main()
