"""One save at a time per folder: the changed-on-disk check and the rename form one critical section.

Two editors of one case (two browser tabs, two kernels) that press Save at the
same moment must not both succeed: the second must see the first one's file and
be told it changed. An exclusive ``flock`` on the case's folder serialises the
check, the write and the rename across processes. It leaves no lock file behind
and is released by the kernel if the process dies. Where ``fcntl`` is missing
(Windows) saves are not serialised and the changed-on-disk check alone guards.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import SaveError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

WAIT_SECONDS = 10.0
"""How long a save waits for another save of the same folder before giving up with a message."""


@contextlib.contextmanager
def folder_locked(path: Path, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s folder for the duration of the block."""
    if fcntl is None:
        yield
        return
    folder = path.parent
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise SaveError(path, f"cannot open the folder {folder} ({exc.strerror})") from exc
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SaveError(
                        path, f"another save in {folder} has not finished after {wait:g} s; try again"
                    ) from None
                time.sleep(0.005)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
