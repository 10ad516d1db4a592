"""Kernels forked from a process that has already imported the kit.

A dashboard's kernel started as a fresh Python spends about 2 s of CPU before the lesson's
first line runs: Python and ipykernel start (about 0.5 s), then the first cell imports
pandas, altair, ipywidgets and the kit (1.1-1.8 s). With twelve tables opening a lesson at
once on a 2-core laptop, that is 25 s of CPU before any lesson is drawn. So the workshop
server starts one *fork server* beside it, a Python that imports all of that once
(``PRELOAD``), and each page's kernel is a fork of it: it starts with the imports done, in
a few milliseconds, and shares their memory with every other kernel until it writes to it.

- ``serve(socket_path)`` is the fork server (``python -m casestudy.serving.forkserver PATH``):
  it imports, then forks one kernel per request on a Unix socket (only this user can reach
  it), and reaps them. It runs no thread, so forking is safe; BLAS is told to use one thread
  per kernel (a room's kernels share two cores anyway).
- ``ForkProvisioner`` is a jupyter_client kernel provisioner (entry point
  ``kit-fork-provisioner``, chosen in ``share/voila/voila.py``): it asks the fork server for
  the kernel, and falls back to starting a fresh Python, as Jupyter does, if the fork server
  is not running or the kernel is not the kit's own Python.
- ``ForkServer`` starts the fork server with the workshop server and stops with it.

A kernel that comes from a fork is the same IPython kernel, with the same environment
variables (those Voila passes with the request included), working folder and connection
file as a fresh one; the differences: its imports are done already, and it keeps no history
of its cells (``KERNEL_OPTIONS``). It answers the request once its sockets are bound, so a
kernel that cannot start (a port another program took between the server choosing it and
the kernel binding it) is known at once: the provisioner chooses new ports and starts it
again (``PORT_TRIES``), then gives up with ``KernelStartError``, which the page shows. Linux only
(``app.py`` starts the fork server there); elsewhere every kernel starts as a fresh Python.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

# What a dashboard's kernel imports, in the order a lesson does (each is tried alone: one
# that fails to import is left for the kernel to report, as it would without a fork server).
PRELOAD = [
    "numpy", "pandas", "altair", "jsonschema", "ipywidgets", "IPython", "ipykernel.kernelapp",
    "ipykernel.ipkernel", "casestudy", "casestudy.ui", "casestudy.ui.common",
    "casestudy.ui.start", "casestudy.ui.lesson1", "casestudy.ui.lesson2", "casestudy.ui.lesson3",
    "casestudy.ui.lesson4", "casestudy.ui.lesson5", "casestudy.ui.sandbox", "casestudy.ui.compare",
    "casestudy.charts.compiled",
    # The room's and the game's pages (a game's table page paid about 0.24 s to import them).
    "casestudy.ui.live", "casestudy.ui.team_round", "casestudy.ui.game_table",
    "casestudy.ui.game_console", "casestudy.ui.game_debrief",
    # What the kernel's own start imports (its debugger, the shell's history, psutil): 0.14 s
    # of CPU in every kernel when left to it; none of them starts a thread.
    "ipykernel.debugger", "ipykernel.zmqshell", "IPython.core.history", "psutil", "sqlite3",
    "tornado.queues",
]  # not vl_convert: a chart shape compiled on no machine before loads it (+70 MiB) in the
#    kernel that needs it; kept out of the fork server, which must run no thread of its own
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
KERNEL_MODULE = "ipykernel_launcher"
CONNECT_TIMEOUT_S = 60  # a kernel asked for while the fork server is still importing waits
START_TIMEOUT_S = 60  # from the request to the kernel's sockets bound (or its error)
PORT_TRIES = 3  # a kernel whose ports another process took is started again on new ones
# A dashboard's kernel keeps no history of the cells it ran (IPython's SQLite file and the
# thread that writes it): a page never looks back at it, and 12 kernels writing one file
# at once wait on each other's locks.
KERNEL_OPTIONS = ["--HistoryManager.enabled=False"]


class KernelStartError(RuntimeError):
    """A forked kernel that did not start; ``ports_taken`` when its ports were in use."""

    def __init__(self, message: str, ports_taken: bool = False) -> None:
        super().__init__(message)
        self.ports_taken = ports_taken


# --------------------------------------------------------------------------- the fork server


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the server stops it on exit
        pass


def preload(modules: list[str] = PRELOAD) -> list[str]:
    """Import ``modules``; the ones that failed."""
    import importlib

    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the kernel will import it again and report
            failed.append(name)
    return failed


def answer_first_questions(system) -> None:
    """Keep the model's results by system and question in this process and its kernels
    (``behaviours.remember_results``), and answer here, once, what every kernel's lesson 2
    asks first: its shift and its deal under each rule on the default scenario. A room
    opening lesson 2 then computes them once, not once a table (0.1-0.15 s of each kernel's
    CPU). A system without the shift is left for the lesson to explain."""
    try:
        from casestudy import Scenario, behaviours
        from casestudy.ui.moments import LESSON2_RULES

        behaviours.remember_results()
        shift, _ = behaviours.lesson_shift(system)
        for rule in LESSON2_RULES if shift is not None else ():
            behaviours.deal(system, Scenario.preset(rule), shift)
    except Exception as exc:  # noqa: BLE001 - each kernel computes them and says what is wrong
        print(f"[fork server] lesson 2's results were not computed: {exc}", file=sys.stderr,
              flush=True)


def serve(socket_path: str) -> None:
    """Import, then fork a kernel for each request on ``socket_path`` until stopped."""
    _die_with_parent()
    for key, value in ONE_THREAD.items():  # before numpy starts its BLAS threads
        os.environ.setdefault(key, value)
    failed = preload()
    if failed:
        print(f"[fork server] could not import {', '.join(failed)}", file=sys.stderr, flush=True)
    try:  # the lessons' system, read once for every kernel (casestudy/ui/default.py)
        from casestudy.ui.default import default_system

        default_system().arrays  # noqa: B018 - built here, shared by every fork
    except Exception as exc:  # noqa: BLE001 - each kernel reads it and says what is wrong
        print(f"[fork server] the system was not read: {exc}", file=sys.stderr, flush=True)
    else:
        answer_first_questions(default_system())
    threads = _threads()
    if threads > 1:  # forking a process with threads can deadlock its children
        print(f"[fork server] {threads} threads after the imports; not forking kernels",
              file=sys.stderr, flush=True)
        return
    gc.collect()
    gc.freeze()  # the collector then leaves the imported objects (and their pages) alone
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernels are reaped by the system
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o077)
    try:
        listener.bind(socket_path)
    finally:
        os.umask(previous)
    listener.listen(64)
    print("[fork server] ready", file=sys.stderr, flush=True)
    while True:
        connection, _ = listener.accept()
        with connection:
            try:
                request = json.loads(_read_line(connection))
                pid = os.fork()
                if pid == 0:  # the kernel: it answers, once its sockets are bound
                    listener.close()
                    _run_kernel(request, connection)  # never returns
            except Exception as exc:  # noqa: BLE001 - say so and serve the next request
                _answer(connection, {"error": repr(exc)})


def _threads() -> int:
    """This process's threads, native ones included (Linux), else Python's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    import threading

    return threading.active_count()


def _read_line(connection: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode()


def _answer(connection: socket.socket | None, answer: dict) -> None:
    """Send the requester its answer (once) and hang up."""
    if connection is None:
        return
    try:
        connection.sendall((json.dumps(answer) + "\n").encode())
    except OSError:
        pass
    finally:
        connection.close()


def _run_kernel(request: dict, connection: socket.socket | None = None) -> None:
    """In the forked child: become the kernel the request describes, then exit. It answers
    on ``connection`` with its process id once its sockets are bound, or with the error
    that stopped it (the requester waits for one or the other: a kernel that cannot bind
    its ports is reported, not left for a page to wait on)."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.setsid()  # its own process group, as Jupyter starts kernels
        os.chdir(request.get("cwd") or os.getcwd())
        os.environ.clear()
        os.environ.update(request["env"])
        for key, value in ONE_THREAD.items():  # what its BLAS uses: set in the fork server
            os.environ.setdefault(key, value)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        parent = os.getppid()  # the fork server: the kernel ends if it goes
        sys.argv = [KERNEL_MODULE, *request["argv"], *KERNEL_OPTIONS,
                    f"--IPKernelApp.parent_handle={parent}"]
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        try:
            app.initialize(sys.argv[1:])  # binds the kernel's sockets
        except Exception as exc:
            import errno

            taken = getattr(exc, "errno", None) == errno.EADDRINUSE
            _answer(connection, {"error": f"{type(exc).__name__}: {exc}", "ports_taken": taken})
            connection = None
            raise
        # ipywidgets registers its comm target when imported inside a kernel; here it was
        # imported before there was one, so register it now.
        if "ipywidgets" in sys.modules:
            sys.modules["ipywidgets"]._handle_ipython()
        _answer(connection, {"pid": os.getpid()})
        connection = None
        app.start()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 0
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
    finally:
        _answer(connection, {"error": "the kernel ended before its sockets were bound"})
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


# --------------------------------------------------------------------------- the server's side


class ForkServer:
    """The fork server beside the workshop server: started once, stopped with it."""

    current: ForkServer | None = None

    def __init__(self, folder: str | None = None) -> None:
        self.folder = Path(folder or tempfile.mkdtemp(prefix="kit-forks-"))
        self.socket_path = str(self.folder / "fork.sock")
        env = {**os.environ, **{k: v for k, v in ONE_THREAD.items() if k not in os.environ}}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "casestudy.serving.forkserver", self.socket_path],
            env=env, stdin=subprocess.DEVNULL)
        ForkServer.current = self

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        try:
            os.unlink(self.socket_path)
            self.folder.rmdir()
        except OSError:
            pass
        if ForkServer.current is self:
            ForkServer.current = None

    async def fork(self, argv: list[str], env: dict[str, str], cwd: str | None,
                   timeout_s: float = START_TIMEOUT_S) -> int:
        """A kernel forked with these arguments (after ``-m ipykernel_launcher``),
        environment and working folder, its sockets bound; its process id. Raises
        ``KernelStartError`` when the kernel did not start (``ports_taken`` when another
        process had taken one of its ports) or said nothing within ``timeout_s``."""
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while True:
            try:
                reader, writer = await asyncio.open_unix_connection(self.socket_path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if not self.alive() or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)  # still importing
        try:
            writer.write((json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n").encode())
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), timeout_s)
        except asyncio.TimeoutError:
            raise KernelStartError(f"a forked kernel said nothing within {timeout_s:g} s") \
                from None
        finally:
            writer.close()
        answer = json.loads(line) if line.strip() else {
            "error": "the kernel ended before its sockets were bound"}
        if "pid" not in answer:
            raise KernelStartError(f"the kernel could not start: {answer.get('error')}",
                                   ports_taken=bool(answer.get("ports_taken")))
        return int(answer["pid"])


class ForkedProcess:
    """A kernel forked by the fork server, with the part of ``subprocess.Popen`` that
    jupyter_client uses (it is not this process's child, so it is watched through a pidfd)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):  # older Linux or Python: fall back to signal 0
            self._fd = None

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        if self._fd is not None:
            ended = bool(select.select([self._fd], [], [], 0)[0])
        else:
            try:
                os.kill(self.pid, 0)
                ended = False
            except ProcessLookupError:
                ended = True
        if ended:
            self.returncode = 0  # reaped by the fork server: its exit status is not known here
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired([str(self.pid)], timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkProvisioner(LocalProvisioner):
    """Jupyter's local provisioner, with kernels forked from the fork server when it runs."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        server = ForkServer.current
        argv = _kernel_argv(cmd)
        if server is None or argv is None or not server.alive():
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        cwd = kwargs.get("cwd")
        for attempt in range(1, PORT_TRIES + 1):
            try:
                pid = await server.fork(argv, env, str(cwd) if cwd else None)
                break
            except KernelStartError as exc:
                # Its ports were free when the server chose them and taken before the
                # kernel bound them (another program, a browser's connection): choose new
                # ones and start it again. Any other failure is the page's error to show.
                if not exc.ports_taken or attempt == PORT_TRIES:
                    self.log.error("A page's kernel did not start: %s", exc)
                    raise
                self.log.warning("A kernel's ports were taken (%s); new ports, try %d of %d",
                                 exc, attempt + 1, PORT_TRIES)
                self._new_ports(env.get("JPY_SESSION_NAME", ""))
            except Exception as exc:  # noqa: BLE001 - no fork server: start it as Jupyter does
                self.log.warning("Fork server unavailable (%s); starting a fresh kernel", exc)
                return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedProcess(pid)
        self.pid = self.pgid = pid  # the kernel leads a session of its own
        self.cwd = cwd or Path.cwd()
        return self.connection_info

    def _new_ports(self, session: str = "") -> None:
        """Choose new free ports for the kernel and write its connection file again."""
        from jupyter_client.connect import LocalPortCache

        manager = self.parent
        cache = LocalPortCache.instance()
        names = ("shell_port", "iopub_port", "stdin_port", "hb_port", "control_port")
        old = [getattr(manager, name) for name in names]
        for name in names:
            setattr(manager, name, cache.find_available_port(manager.ip))
        for port in old:  # free for a later kernel once whoever holds it lets go
            cache.return_port(port)
        manager.cleanup_connection_file()
        manager.write_connection_file(jupyter_session=session)
        self.connection_info = manager.get_connection_info()


def _kernel_argv(cmd: list[str]) -> list[str] | None:
    """The kernel's own arguments when ``cmd`` starts this Python's IPython kernel, else None
    (another kernel, or another Python: those start as Jupyter starts them)."""
    if len(cmd) < 3 or cmd[1:3] != ["-m", KERNEL_MODULE]:
        return None
    try:
        same = os.path.samefile(cmd[0], sys.executable)
    except OSError:  # not a path to a Python here (jupyter_client gives the full path)
        return None
    return list(cmd[3:]) if same else None


if __name__ == "__main__":  # pragma: no cover - the fork server's process
    serve(sys.argv[1])
