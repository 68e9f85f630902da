"""What a process the kit starts does to itself: die with its parent, skip an import it never needs.

Kept apart from the modules that use it because a forked kernel calls it too,
and it must cost nothing to import there.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import signal
import sys

__all__ = ["PR_SET_PDEATHSIG", "die_with_parent", "skip_slow_imports"]

PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """Ask Linux to send this process ``signum`` when its parent dies, however it dies.

    Elsewhere, or without a C library to ask, nothing happens: callers keep
    their own way of noticing (a pipe that ends, a parent that stops them).
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signum)


def skip_slow_imports() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax`` in this process.

    jsonschema imports it (when installed) only to check the "iri" string
    format, and compiling its grammar costs about a second per process; case
    notebooks never use that format. Only processes of our own call this (pool
    workers, the ipt-nb command, the Voila servers of ``ipt-nb app`` and
    ``ipt-nb class serve``, and the zygotes that render and the app fork their
    kernels from, so those kernels go without the check too); nothing is
    uninstalled and a user's own sessions keep the check.
    """
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
