"""One warm kernel for a worker: launched once, reset between notebooks, replaced when stuck.

Papermill prepares each notebook and executes it through the warm-client
engine (``_engine``) on this kernel; see :meth:`KernelRunner.execute`.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import time
import uuid
from multiprocessing.util import Finalize
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import nbformat

RESET_CELL = "%reset -f"
WARM_UP = """\
import ipt_nb.charts, ipt_nb.notebook, ipt_nb.outcomes, ipt_nb.report
import gc
gc.collect()
gc.freeze()
"""
"""Run once in each new kernel, while the worker builds its exporter.

It imports the kit's report modules, then freezes everything alive into the
permanent generation: modules and classes live as long as the kernel anyway,
and ``%reset`` (which collects garbage) and the collections during a case then
scan only that case's objects. That took a warm case from about 0.17 to 0.07
seconds of kernel CPU time here.
"""
LAUNCH_ATTEMPTS = 3
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]
"""A batch kernel keeps no input history: no SQLite write per cell, no case paths in the history file."""


class KernelRunner:
    """One long-lived kernel and client, started in the template's folder, reset between notebooks.

    An asynchronous kernel manager, as nbclient expects: with a blocking one each
    cell costs about a third more in message round trips. The client is kept
    too (see ``_engine``). After a cell raised, the client is replaced, so a
    stray reply cannot leak into the next case; after a timeout or a crash the
    kernel is replaced as well.
    """

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.km: Any = None
        self.client: Any = None
        self._at_exit: Finalize | None = None

    def ensure_started(self) -> bool:
        """Launch a kernel if none is running, and connect a client; True if it launched one.

        Two kernels launched at the same moment (two workers starting) can be
        given the same free port, since jupyter_client picks ports before the
        kernel binds them; the loser dies at start. So a launch is tried again,
        with fresh ports, before giving up.
        """
        from jupyter_core.utils import run_sync

        if self.km is not None and self.km.has_kernel and run_sync(self.km.is_alive)():
            if self.client is None:
                self._connect()
            return False
        for attempt in range(1, LAUNCH_ATTEMPTS + 1):
            try:
                self._launch()
                return True
            except Exception:
                died = self.km is not None and self.km.has_kernel and not run_sync(self.km.is_alive)()
                with contextlib.suppress(Exception):  # the launch's own error is the one to report
                    self.shutdown()
                if attempt == LAUNCH_ATTEMPTS or not died:  # no kernelspec, or a hang: retrying won't help
                    raise
        raise AssertionError("unreachable")

    def _launch(self) -> None:
        """A new kernel manager and kernel (a manager is not reused: shutting down closes its context)."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.shutdown()
        self.km = AsyncKernelManager(kernel_name="python3", **ipc_transport())
        run_sync(self.km.start_kernel)(cwd=str(self.cwd), extra_arguments=KERNEL_ARGUMENTS)
        self._at_exit = Finalize(None, self.shutdown, exitpriority=10)  # when the worker exits
        self._connect()

    def _connect(self) -> None:
        from jupyter_core.utils import run_sync

        client = self.km.client()
        client.start_channels()
        try:
            run_sync(client.wait_for_ready)(timeout=60)
        except BaseException:
            client.stop_channels()
            raise
        self.client = client

    def _drop_client(self) -> None:
        if self.client is not None:
            self.client.stop_channels()
            self.client = None

    def send_warm_up(self) -> str:
        """Start importing the kit in the kernel; returns the request id for :meth:`wait_for`."""
        msg_id: str = self.client.execute(WARM_UP, silent=True, store_history=False)
        return msg_id

    def wait_for(self, msg_id: str, timeout: float = 60) -> None:
        """Wait for the reply to one request, or give up after ``timeout`` seconds.

        The warm-up only saves time: a failed or slow import shows up in the
        first case's own cells instead.
        """
        from jupyter_core.utils import run_sync

        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                reply = run_sync(self.client.get_shell_msg)(timeout=left)
            except Empty:
                return
            if reply["parent_header"].get("msg_id") == msg_id:
                return

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        if self._at_exit is not None:
            self._at_exit.cancel()
            self._at_exit = None
        self._drop_client()
        if self.km is not None and self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)
        self.km = None

    def execute(
        self, nb: nbformat.NotebookNode, parameters: dict[str, Any], timeout: int
    ) -> tuple[nbformat.NotebookNode | None, BaseException | None]:
        """The executed notebook (partial when it failed), and the error if it failed.

        Papermill prepares the notebook (parameters, metadata) and runs it on the
        warm-client engine; its error check follows. Its ``execute_notebook`` is
        not used end to end because it serializes the executed notebook (about
        40 ms here, a quarter of a warm report) even when told to write nothing.
        """
        import nbformat
        import papermill
        from papermill.engines import papermill_engines
        from papermill.exceptions import PapermillExecutionError
        from papermill.execute import raise_for_execution_errors

        from ._engine import ENGINE_NAME, Execution

        if self.ensure_started():
            self.wait_for(self.send_warm_up())
        prepared = papermill.execute_notebook(
            nb, None, parameters=parameters, kernel_name="python3", prepare_only=True, progress_bar=False
        )
        reset = nbformat.v4.new_code_cell(RESET_CELL, id="ipt-nb-reset", metadata={"tags": ["ipt-nb-reset"]})
        prepared.cells.insert(0, reset)
        execution = Execution(self.client)
        try:
            papermill_engines.execute_notebook_with_engine(
                ENGINE_NAME,
                prepared,
                kernel_name="python3",
                output_path=None,
                progress_bar=False,
                execution_timeout=timeout,
                km=self.km,
                execution=execution,
            )
            raise_for_execution_errors(prepared, None)
        except PapermillExecutionError as exc:  # a cell raised: the kernel is idle, the next reset cleans up
            self._drop_client()
            return execution.notebook or prepared, exc
        except Exception as exc:  # a timeout or a dead kernel: maybe still busy; the next case starts afresh
            self.shutdown()
            return execution.notebook or prepared, exc
        return execution.notebook, None


def ipc_transport() -> dict[str, str]:
    """Kernel sockets as Unix sockets in the user's private runtime folder, where the platform has
    them: no TCP port for other local users to reach, and no "running over TCP without encryption"
    warning. Elsewhere (Windows) the default TCP transport on loopback."""
    if not hasattr(socket, "AF_UNIX") or sys.platform == "win32":
        return {}
    from jupyter_core.paths import jupyter_runtime_dir

    folder = Path(jupyter_runtime_dir())
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return {"transport": "ipc", "ip": str(folder / f"ipt-nb-{uuid.uuid4().hex[:12]}")}
