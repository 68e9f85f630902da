"""Linux's parent-death signal: a process of ours that must not outlive the one that started it.

Kept apart from the modules that use it because a forked kernel calls it too,
and it must cost nothing to import there.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import signal

__all__ = ["PR_SET_PDEATHSIG", "die_with_parent"]

PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """Ask Linux to send this process ``signum`` when its parent dies, however it dies.

    Elsewhere, or without a C library to ask, nothing happens: callers keep
    their own way of noticing (a pipe that ends, a parent that stops them).
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signum)
