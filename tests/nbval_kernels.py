"""A pytest plugin (``-p nbval_kernels``, in ``make test``): nbval's kernels start one at a
time across xdist workers.

jupyter_client picks a kernel's five TCP ports by binding and releasing them, and the kernel
binds them a moment later; with several workers starting kernels at the same instant (the
Northvale pass starts one per worker at once) two kernels can be handed the same port, and
the loser dies silently (nbval sends its stderr to /dev/null) while its client waits 60 s
("Kernel didn't respond in 60 seconds", seen in `make test` with three workers). A lock
file held from choosing the ports until the kernel answers leaves nothing to race for; a
start costs about a second, so the wait is short.
"""

from __future__ import annotations

import fcntl
import tempfile
from pathlib import Path

import nbval.kernel

LOCK = Path(tempfile.gettempdir()) / "casestudy-nbval-kernel-start.lock"


def pytest_configure(config) -> None:
    start = nbval.kernel.start_new_kernel
    if getattr(start, "one_at_a_time", False):
        return

    def one_at_a_time(*args, **kwargs):
        with open(LOCK, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                return start(*args, **kwargs)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    one_at_a_time.one_at_a_time = True
    nbval.kernel.start_new_kernel = one_at_a_time
