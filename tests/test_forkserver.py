"""The workshop server's kernels, forked from a process that has imported the kit
(``casestudy.serving.forkserver``): a forked kernel is a working IPython kernel with the
request's environment and folder, its imports and the lessons' system already there, the
widgets' comm target registered, no history kept, and it ends when told to; a kernel whose
port another process took is reported at once (not left for a page to wait on) and started
again on new ports. (The browser tests use forked kernels for every dashboard.) About 15 s:
one fork server, four kernels."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from casestudy.serving import forkserver
from casestudy.serving.forkserver import ForkedProcess, ForkServer, KernelStartError, _kernel_argv


def _run_async(coroutine):
    """Run a coroutine on a loop of its own (another test may have left one running here)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def fork_server():
    server = ForkServer()
    yield server
    server.stop()


def _kernel(server, tmp_path, env_extra=None):
    connection, _ = write_connection_file(str(tmp_path / "kernel.json"))
    env = {**os.environ, **(env_extra or {})}
    pid = _run_async(server.fork(["-f", connection], env, str(tmp_path)))
    client = BlockingKernelClient(connection_file=connection)
    client.load_connection_file()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return pid, client


def _run(client, code: str) -> str:
    out = []
    reply = client.execute_interactive(code, timeout=60,
                                       output_hook=lambda m: out.append(m["content"].get("text", "")))
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(out).strip()


def test_a_forked_kernel_runs_with_the_requests_env_and_folder_and_the_imports_done(
        fork_server, tmp_path):
    started = time.monotonic()
    pid, client = _kernel(fork_server, tmp_path, {"QUERY_STRING": "table=3"})
    try:
        assert time.monotonic() - started < 30
        said = _run(client, "import os, sys\n"
                            "print(os.getcwd(), os.environ['QUERY_STRING'], os.getppid(),\n"
                            "      'casestudy.ui.lesson2' in sys.modules,\n"
                            "      os.environ['OPENBLAS_NUM_THREADS'])")
        cwd, query, parent, imported, threads = said.split()
        assert (cwd, query, int(parent), imported, threads) == (
            str(tmp_path), "table=3", fork_server.process.pid, "True", "1")
        # The lessons' system came with the fork: read before, not again.
        assert _run(client, "from casestudy.ui import default\nprint(len(default._read))") == "1"
        # Lesson 2's shift and deals under its three rules came answered with the fork.
        assert _run(client, "from casestudy import behaviours\n"
                            "print(sorted({k[0] for k in behaviours._remembered["
                            "default.default_system()]}))") == \
            "['cost_per_admission', 'deal', 'template']"
        assert _run(client, "print(sum(k[0] == 'deal' for k in behaviours._remembered["
                            "default.default_system()]))") == "3"
        # ipywidgets' comm target, which a dashboard's page opens to fetch every widget.
        assert _run(client, "print('jupyter.widget.control' in "
                            "get_ipython().kernel.comm_manager.targets)") == "True"
        assert _run(client, "import casestudy as cs\nprint(len(cs.load_system().organisations))")
        # A dashboard's kernel writes no history (no SQLite file, no thread writing it).
        assert _run(client, "print(get_ipython().history_manager.enabled)") == "False"
    finally:
        client.stop_channels()
    process = ForkedProcess(pid)
    assert process.poll() is None
    process.terminate()
    process.wait(timeout=30)
    assert process.poll() == 0


def test_a_forked_kernel_ends_with_a_kill(fork_server, tmp_path):
    pid, client = _kernel(fork_server, tmp_path)
    client.stop_channels()
    process = ForkedProcess(pid)
    process.kill()
    assert process.wait(timeout=10) == 0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_only_this_pythons_ipykernel_is_forked():
    assert _kernel_argv([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"]) == ["-f", "k.json"]
    assert _kernel_argv(["/usr/bin/env", "-m", "ipykernel_launcher", "-f", "k.json"]) is None
    assert _kernel_argv(["python", "-m", "ipykernel_launcher"]) is None  # not a path: not ours
    assert _kernel_argv([sys.executable, "-m", "other_kernel", "-f", "k.json"]) is None
    assert _kernel_argv(["R", "--slave"]) is None


def test_a_stopped_fork_server_refuses_at_once(tmp_path):
    server = ForkServer(folder=str(tmp_path / "forks"))
    server.stop()
    assert not server.alive()
    with pytest.raises((FileNotFoundError, ConnectionRefusedError)):
        _run_async(server.fork(["-f", "x.json"], dict(os.environ), None))
    assert signal.SIGTERM  # (the provisioner then starts a fresh kernel instead)


def _taken(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port``, as another program holding it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    sock.listen(1)
    return sock


def test_a_kernel_whose_port_was_taken_is_reported_not_left_waiting(fork_server, tmp_path):
    connection, info = write_connection_file(str(tmp_path / "kernel.json"))
    holder = _taken(info["shell_port"])  # taken between the server's choice and the bind
    try:
        started = time.monotonic()
        with pytest.raises(KernelStartError, match="(?i)address already in use") as caught:
            _run_async(fork_server.fork(["-f", connection], dict(os.environ), str(tmp_path)))
        assert caught.value.ports_taken
        assert time.monotonic() - started < 30  # an answer, not a page "Running ..." for ever
    finally:
        holder.close()
    assert fork_server.alive()  # and the fork server serves the next request
    pid, client = _kernel(fork_server, tmp_path)
    client.stop_channels()
    ForkedProcess(pid).kill()


def test_the_provisioner_starts_a_kernel_again_on_new_ports(fork_server, tmp_path, monkeypatch):
    """jupyter_client's kernel manager with the kit's provisioner: the first fork meets a
    taken port, the provisioner chooses new ports and the kernel runs on them."""
    from jupyter_client.manager import AsyncKernelManager

    real_fork = fork_server.fork
    taken: list[tuple[int, socket.socket]] = []

    async def fork_after_someone_takes_a_port(argv, env, cwd, **kwargs):
        if not taken:  # the first time only: another program takes the shell port
            port = json.loads(Path(argv[argv.index("-f") + 1]).read_text())["shell_port"]
            taken.append((port, _taken(port)))
        return await real_fork(argv, env, cwd, **kwargs)

    monkeypatch.setattr(fork_server, "fork", fork_after_someone_takes_a_port)
    monkeypatch.setattr(ForkServer, "current", fork_server)

    async def start_and_run() -> tuple[int, int, str]:
        manager = AsyncKernelManager(kernel_name="python3",
                                     connection_file=str(tmp_path / "managed.json"))
        manager.kernel_spec.metadata["kernel_provisioner"] = {
            "provisioner_name": "kit-fork-provisioner"}
        await manager.start_kernel(cwd=str(tmp_path))
        try:
            assert isinstance(manager.provisioner, forkserver.ForkProvisioner)
            client = manager.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            reply = await client.execute_interactive("print(6 * 7)", timeout=60)
            client.stop_channels()
            return manager.shell_port, manager.provisioner.pid, reply["content"]["status"]
        finally:
            await manager.shutdown_kernel(now=True)

    try:
        shell_port, pid, status = _run_async(start_and_run())
    finally:
        for _, sock in taken:
            sock.close()
    assert taken and shell_port != taken[0][0]  # started again, on a port of its own
    assert status == "ok" and pid > 0
