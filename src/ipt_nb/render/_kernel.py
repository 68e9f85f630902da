"""A fresh kernel for every notebook a worker renders, booted while the notebook before it runs.

Where the kernel spec is ipykernel's own (the usual ``python3``), kernels are
forked from a :class:`~ipt_nb._zygote.Zygote` that has imported the kit; otherwise
each is launched as the spec says. Either way no case runs in a kernel another
case has touched, and the next kernel boots while this one runs its notebook
and the worker turns it into HTML. Papermill prepares each notebook and nbclient runs it on
the client connected while the kernel booted; see :meth:`KernelRunner.execute`.

jupyter_client and the zygote are imported only when a kernel is started: the
planning process imports this module too, and should not pay for them.
"""

from __future__ import annotations

import ast
import contextlib
import os
import signal
import socket
import sys
import time
import uuid
from dataclasses import dataclass
from multiprocessing.util import Finalize
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import nbformat

    from .._zygote import Zygote

__all__ = [
    "KERNEL_ARGUMENTS",
    "LAUNCH_ATTEMPTS",
    "REPORT_MODULES",
    "KernelRunner",
    "ipc_transport",
    "kit_imports",
]

LAUNCH_ATTEMPTS = 3
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]
"""A batch kernel keeps no input history: no SQLite write per cell, no case paths in the history file."""
REPORT_MODULES = ("ipt_nb.report", "ipt_nb.charts:warm_up")
"""Imported (and warmed up) ahead for any template: what a case report is built with."""
READY_TIMEOUT = 60


@dataclass
class Kernel:
    """One kernel for one notebook: its manager and a connected client."""

    km: Any
    client: Any
    ready: bool = False


class KernelRunner:
    """Runs notebooks in ``template``'s folder, each in a kernel of its own.

    An asynchronous kernel manager, as nbclient expects: with a blocking one
    each cell costs about a third more in message round trips. The next
    kernel's client is connected while it boots, so its first message finds
    the subscription ready (see :func:`_connected_client`).
    """

    def __init__(self, template: Path) -> None:
        self.template = template
        self.cwd = template.parent
        self.zygote: Zygote | None = None
        self.spec_checked = False
        self.next: Kernel | None = None
        self.running: Kernel | None = None
        self._at_exit: Finalize | None = None

    def start(self) -> None:
        """Begin starting what the first notebook needs; returns without waiting for it."""
        if self.zygote is not None and self.zygote.process.poll() is not None:  # it died: another one
            self.zygote.kill()
            self.zygote, self.spec_checked = None, False
        if self.spec_checked:
            return
        from jupyter_client.manager import AsyncKernelManager

        from .._zygote import Zygote, forks_from

        spec = AsyncKernelManager(kernel_name="python3").kernel_spec  # raises if there is no python3
        if spec is None:
            raise RuntimeError("no python3 kernel spec")
        self.spec_checked = True
        if self._at_exit is None:  # when the worker exits
            self._at_exit = Finalize(None, self.shutdown, exitpriority=10)
        python = forks_from(spec.argv)
        if python is not None:
            modules = [*kit_imports(self.template), *REPORT_MODULES]
            self.zygote = Zygote(python, self.cwd, list(dict.fromkeys(modules)), dict(spec.env))

    def prepare(self, *, ready: bool = False) -> None:
        """Have the next notebook's kernel booting, its client connected; with ``ready``, wait for it.

        A kernel that dies while it starts is replaced, up to
        ``LAUNCH_ATTEMPTS`` kernels; a launch that fails outright (no such
        Python, a kit module that cannot be imported) is not tried again.
        """
        from jupyter_core.utils import run_sync

        for attempt in range(1, LAUNCH_ATTEMPTS + 1):
            if self.next is None:
                self.start()
                if self.zygote is not None:
                    self.zygote.wait_ready()
                self.next = self._launch()
            if not ready or self.next.ready:
                return
            try:
                run_sync(wait_until_ready)(self.next, READY_TIMEOUT)
                self.next.ready = True
                return
            except Exception:
                kernel, self.next = self.next, None
                died = not run_sync(kernel.km.is_alive)()
                self.discard(kernel)
                if attempt == LAUNCH_ATTEMPTS or not died:
                    raise

    def _launch(self) -> Kernel:
        """A new kernel manager and kernel (a manager is not reused: shutting down closes its context).

        Two kernels launched at the same moment (two workers starting) on TCP
        can be given the same free port, since jupyter_client picks ports
        before the kernel binds them; the loser dies at start, and
        :meth:`prepare` tries once more.
        """
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        km = AsyncKernelManager(kernel_name="python3", **ipc_transport())
        kernel_id = str(uuid.uuid4())
        if self.zygote is not None:
            from .._zygote import ForkingProvisioner

            km.provisioner = ForkingProvisioner(kernel_id=kernel_id, kernel_spec=km.kernel_spec, parent=km)
            km.provisioner.zygote = self.zygote
        try:
            run_sync(km.start_kernel)(
                cwd=str(self.cwd), extra_arguments=KERNEL_ARGUMENTS, kernel_id=kernel_id
            )
            client = km.client()
            client.start_channels()
        except BaseException:
            with contextlib.suppress(Exception):
                run_sync(km.shutdown_kernel)(now=True)
            raise
        return Kernel(km, client)

    def take(self) -> Kernel:
        """The kernel for the next notebook, ready for its first cell; the runner forgets it.

        The kernel after it starts booting at once, so it is ready by the time
        this notebook has run and been exported.
        """
        self.prepare(ready=True)
        kernel, self.next = self.next, None
        assert kernel is not None
        with contextlib.suppress(Exception):  # if it cannot start, the next notebook reports why
            self.prepare()
        return kernel

    @staticmethod
    def discard(kernel: Kernel) -> None:
        """Stop a kernel at once: nothing it holds is needed after its notebook."""
        from jupyter_core.utils import run_sync

        kernel.client.stop_channels()
        with contextlib.suppress(Exception):  # a kernel that died on its own has nothing left to stop
            run_sync(kernel.km.shutdown_kernel)(now=True)

    def execute(
        self, nb: nbformat.NotebookNode, parameters: dict[str, Any], timeout: int
    ) -> tuple[nbformat.NotebookNode | None, BaseException | None]:
        """The executed notebook (partial when it failed), and the error if it failed.

        Papermill parameterises the notebook (``prepare_only``) and names a failing cell's error
        (``raise_for_execution_errors``, which also puts its notice at the top); nbclient runs the
        cells on this runner's kernel. Papermill's ``execute_notebook`` is not used end to end: it
        would connect a second client and wait 0.2 s for it, and serialize the executed notebook
        (about 40 ms here) even when told to write nothing. The kernel is discarded afterwards,
        whatever happened.
        """
        import papermill
        from nbclient.exceptions import CellExecutionError
        from papermill.execute import raise_for_execution_errors

        prepared = papermill.execute_notebook(
            nb, None, parameters=parameters, kernel_name="python3", prepare_only=True, progress_bar=False
        )
        kernel = self.running = self.take()
        try:
            _run_cells(_connected_client(prepared, kernel, cwd=self.cwd, timeout=timeout))
        except CellExecutionError:
            pass  # the cell holds its error output, which papermill's check below names
        except Exception as exc:  # a timeout, a dead kernel: the case says why
            return prepared, exc
        finally:
            self.running = None
            self.discard(kernel)
        try:
            raise_for_execution_errors(prepared, None)
        except Exception as exc:
            return prepared, exc
        return prepared, None

    def kill(self) -> None:
        """Stop every process of this runner now, from a signal handler: signals, no messages."""
        for kernel in (self.running, self.next):
            group = getattr(getattr(kernel.km, "provisioner", None), "pgid", None) if kernel else None
            if group and group != os.getpgrp():  # a kernel has its own session; never our own group
                with contextlib.suppress(OSError):
                    os.killpg(group, signal.SIGKILL)
        if self.zygote is not None:
            self.zygote.kill()

    def shutdown(self) -> None:
        """Stop the waiting kernel and the zygote (whose end stops any kernel it forked)."""
        if self._at_exit is not None:
            self._at_exit.cancel()
            self._at_exit = None
        kernel, self.next = self.next, None
        if kernel is not None:
            self.discard(kernel)
        zygote, self.zygote = self.zygote, None
        if zygote is not None:
            zygote.close()
        self.spec_checked = False


def _connected_client(nb: nbformat.NotebookNode, kernel: Kernel, *, cwd: Path, timeout: int) -> Any:
    """An nbclient client for ``nb`` on ``kernel``, using the kernel client connected while it booted.

    nbclient's hook for a new kernel client would connect another and wait 0.2 s for it; this one
    hands over the connected client (the kernel manager is ours, so nbclient leaves both open).
    """
    from nbclient import NotebookClient
    from nbclient.util import run_hook

    class ConnectedClient(NotebookClient):
        async def async_start_new_kernel_client(self) -> Any:
            self.kc = kernel.client
            self.kc.allow_stdin = False
            await run_hook(self.on_notebook_start, notebook=self.nb)
            return self.kc

    return ConnectedClient(
        nb, km=kernel.km, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )


def _run_cells(client: Any) -> None:
    """Run the notebook's cells as nbclient's ``execute`` does, in one event loop run.

    nbclient's ``execute`` also sets up the kernel, which installs its own SIGINT and SIGTERM
    handlers in place of the process's while it runs; a pool worker told to stop would then finish
    (and record) its case instead of stopping. The kernel is ours and running, so this skips that
    step and asks the client for its kernel client directly. (nbclient's blocking per-cell calls
    would leave the handlers alone too, but cost about 0.2 s more per report.)
    """
    from jupyter_core.utils import ensure_async, run_sync

    async def run() -> None:
        client.reset_execution_trackers()
        kernel_client = await client.async_start_new_kernel_client()
        info = await client.async_wait_for_reply(await ensure_async(kernel_client.kernel_info()))
        client.nb.metadata["language_info"] = info["content"]["language_info"]
        for index, cell in enumerate(client.nb.cells):
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        client.set_widgets_metadata()

    run_sync(run)()


async def wait_until_ready(kernel: Kernel, timeout: float) -> None:
    """Wait until the kernel answers on its shell channel and its IOPub messages reach us.

    jupyter_client's ``wait_for_ready`` does the same but always waits 0.2 s
    more for IOPub, a third of a report here, paid once per kernel. This asks
    for the kernel's info until the reply and the kernel's idle status for that
    request both arrive; a status lost before the subscription took effect
    means asking again.
    """
    client = kernel.client
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request = client.kernel_info()
        with contextlib.suppress(Empty):
            if await _reply(client.get_shell_msg, request, timeout=1.0):
                with contextlib.suppress(Empty):
                    if await _reply(client.get_iopub_msg, request, timeout=0.25, state="idle"):
                        return
        if not await kernel.km.is_alive():
            raise RuntimeError("the kernel died before replying to kernel_info")
    raise RuntimeError(f"the kernel did not answer in {timeout:.0f} s")


async def _reply(receive: Any, request: str, *, timeout: float, state: str | None = None) -> bool:
    """Whether a message answering ``request`` (in ``state``, for a status) arrives within ``timeout``."""
    end = time.monotonic() + timeout
    while (left := end - time.monotonic()) > 0:
        message = await receive(timeout=left)
        if message["parent_header"].get("msg_id") == request and (
            state is None or message["content"].get("execution_state") == state
        ):
            return True
    return False


def kit_imports(notebook: Path) -> list[str]:
    """The ``ipt_nb`` modules that the notebook's code cells import, in order of first use; for
    ``from ipt_nb import show``, also the module that defines ``show``."""
    import nbformat

    from .. import _module_of

    found: dict[str, None] = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # a magic or a shell line: nothing to learn from it
            continue
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
                if node.module == "ipt_nb":
                    names += [m for a in node.names if (m := _module_of(a.name))]
            found.update(dict.fromkeys(n for n in names if n.split(".")[0] == "ipt_nb"))
    return list(found)


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
