"""The kernels of the workshop's pages: how many may run at once, and how they start.

Every dashboard page runs in a kernel of its own (130-150 MiB each when started as a fresh
Python). ``KitKernelManager`` is Voila's kernel manager with a limit, ``max_kernels``: a page
asked for when that many kernels run (or are starting) gets a short page saying so (see
``app.py``) instead of a kernel, so a room cannot run the laptop out of memory by opening
pages. Kernels no page is connected to are culled by jupyter_server's own settings
(``MappingKernelManager.cull_idle_timeout``; the kit's values are in ``share/voila/voila.py``).

A page asks for its kernel inside the request, so the limit counts the pages being opened
as well as the kernels running: a page reserves a place (``reserve``) before its kernel is
started, and the place becomes the kernel's when it starts (or is given back if the page
fails first). Everything runs on the server's one event loop, so counting needs no lock.
"""

from __future__ import annotations

import contextvars
import os
from dataclasses import dataclass

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Integer

KERNEL_MIB = 150  # what one lesson's kernel holds, resident, when started as a fresh Python
MIN_PAGES, MAX_PAGES = 4, 60


def default_max_kernels(memory_bytes: int | None = None) -> int:
    """How many pages may be open at once on this machine: half its memory at
    ``KERNEL_MIB`` a page, between 4 and 60.

    >>> default_max_kernels(8 * 2**30), default_max_kernels(24 * 2**30), default_max_kernels(2**30)
    (27, 60, 4)
    """
    if memory_bytes is None:
        try:
            memory_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):  # not a POSIX system
            memory_bytes = 8 * 2**30
    pages = int(memory_bytes / 2 / (KERNEL_MIB * 2**20))
    return max(MIN_PAGES, min(MAX_PAGES, pages))


class KernelLimitReached(RuntimeError):
    """Raised instead of starting a kernel when ``max_kernels`` kernels run already."""


@dataclass
class Reservation:
    """A page's place among the kernels, from its request until its kernel has started."""

    manager: KitKernelManager
    held: bool = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self.manager._reserved -= 1


_reservation: contextvars.ContextVar[Reservation | None] = contextvars.ContextVar(
    "kit_kernel_reservation", default=None)


class KitKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager with a limit on kernels running at once."""

    max_kernels = Integer(0, config=True, help="Most kernels running or starting at once "
                          "(0: no limit). A page asked for beyond it is told to wait.")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._reserved = 0

    def in_use(self) -> int:
        """Kernels running, plus pages that have a place and are starting their kernel."""
        return len(self.list_kernel_ids()) + self._reserved

    def reserve(self) -> Reservation | None:
        """A place for one page's kernel, or None when the limit is reached. The caller
        makes it current (``activate``) while it asks for the kernel, and releases it after."""
        if self.max_kernels and self.in_use() >= self.max_kernels:
            return None
        self._reserved += 1
        return Reservation(self)

    @staticmethod
    def activate(reservation: Reservation) -> contextvars.Token:
        return _reservation.set(reservation)

    @staticmethod
    def deactivate(token: contextvars.Token) -> None:
        _reservation.reset(token)

    async def start_kernel(self, *args, **kwargs) -> str:
        reservation = _reservation.get()
        if reservation is None or not reservation.held:
            # Not for a page that holds a place (e.g. a kernel pool filling up): it may
            # only take a free place.
            if self.max_kernels and self.in_use() >= self.max_kernels:
                raise KernelLimitReached(f"{self.max_kernels} kernels are running")
            return await super().start_kernel(*args, **kwargs)
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            reservation.release()  # the kernel now counts itself (or it failed to start)
