"""The per-case work of a batch render, run in worker processes (or in the caller with one worker).

Each worker keeps one kernel and one client alive and resets the kernel's
namespace between cases, so a case pays for executing the report, not for
starting Python and importing plotly again. The worker's kernel is shut down
when the worker exits.

This module imports nbformat, papermill and nbconvert only inside functions:
the planning process imports it to name the jobs, and should not pay for them.
"""

from __future__ import annotations

import copy
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing.util import Finalize
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any

from ..casefile import atomic_write

if TYPE_CHECKING:
    import nbformat

RESET_CELL = "%reset -f"
WARM_UP = "import ipt_nb.charts, ipt_nb.notebook, ipt_nb.outcomes, ipt_nb.report"
"""Run once in each new kernel, while the worker builds its exporter: the kit's report modules."""


def skip_slow_imports() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax`` in this process.

    jsonschema imports it (when installed) only to check the "iri" string
    format, and compiling its grammar costs about a second per process; case
    notebooks never use that format. Only this worker process is affected;
    nothing is uninstalled and a user's own sessions keep the check.
    """
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Job:
    case_id: str
    case_path: str
    title: str
    template: str
    out: str
    parameters: dict[str, Any] = field(default_factory=dict)
    self_contained: bool = False
    keep_notebooks: bool = False
    cell_timeout: int = 120

    @property
    def report_name(self) -> str:
        return f"{self.case_id}.html"


@dataclass(frozen=True)
class JobResult:
    case_id: str
    ok: bool
    seconds: float
    message: str = ""


class KernelRunner:
    """One long-lived kernel and client, started in the template's folder, reset between notebooks.

    An asynchronous kernel manager, as nbclient expects: with a blocking one each
    cell costs about a third more in message round trips. The client is kept
    too (see ``_engine``); after a failed notebook both are checked, and the
    client is replaced, so a stray reply cannot leak into the next case.
    """

    def __init__(self, cwd: Path) -> None:
        from jupyter_client.manager import AsyncKernelManager

        self.cwd = cwd
        self.km = AsyncKernelManager(kernel_name="python3")
        self.client: Any = None
        self._at_exit = Finalize(None, self.shutdown, exitpriority=10)  # when the worker exits

    def ensure_started(self) -> None:
        """Launch the kernel if it is not running, and connect a client once it is ready."""
        from jupyter_core.utils import run_sync

        if not (self.km.has_kernel and run_sync(self.km.is_alive)()):
            self._drop_client()
            run_sync(self.km.start_kernel)(cwd=str(self.cwd))
        if self.client is None:
            client = self.km.client()
            client.start_channels()
            run_sync(client.wait_for_ready)(timeout=60)
            self.client = client

    def _drop_client(self) -> None:
        if self.client is not None:
            self.client.stop_channels()
            self.client = None

    def send_warm_up(self) -> str:
        """Start importing the kit in the kernel; returns the request id for :meth:`wait_for`."""
        self.ensure_started()
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

        self._at_exit.cancel()
        self._drop_client()
        if self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)

    def execute(
        self, nb: nbformat.NotebookNode, parameters: dict[str, Any], timeout: int
    ) -> tuple[nbformat.NotebookNode | None, BaseException | None]:
        """The executed notebook (partial when it failed), and the error if it failed."""
        import nbformat
        import papermill

        from ._engine import ENGINE_NAME, Execution

        self.ensure_started()
        nb = copy.deepcopy(nb)
        reset = nbformat.v4.new_code_cell(RESET_CELL, id="ipt-nb-reset", metadata={"tags": ["ipt-nb-reset"]})
        nb.cells.insert(0, reset)
        execution = Execution(self.client)
        try:
            papermill.execute_notebook(
                nb,
                None,  # nothing is written unless it is kept: a failure, or --keep-notebooks
                parameters=parameters,
                engine_name=ENGINE_NAME,
                kernel_name="python3",
                progress_bar=False,
                execution_timeout=timeout,
                km=self.km,
                execution=execution,
            )
        except Exception as exc:
            self._drop_client()
            return execution.notebook, exc
        return execution.notebook, None


_RUNNERS: dict[str, KernelRunner] = {}


def _runner(cwd: str) -> KernelRunner:
    if cwd not in _RUNNERS:
        _RUNNERS[cwd] = KernelRunner(Path(cwd))
    return _RUNNERS[cwd]


def shutdown_runners() -> None:
    """Stop the kernels this process started (the in-process path calls this after its batch)."""
    for runner in _RUNNERS.values():
        runner.shutdown()
    _RUNNERS.clear()


@lru_cache(maxsize=4)
def _template(path: str) -> nbformat.NotebookNode:
    import nbformat

    return nbformat.read(path, as_version=4)


def init_worker(template: str | None = None) -> None:
    """Prepare a worker: skip the slow import, boot the kernel, and warm both sides.

    The kernel imports the kit while this process builds its exporter, so the
    first case costs what every other case costs.
    """
    skip_slow_imports()
    if template is None:
        return
    runner = _runner(str(Path(template).parent))
    request = runner.send_warm_up()
    from ._export import warm_up

    warm_up()
    runner.wait_for(request)


def ready() -> bool:
    """A no-op job: submitting one per worker starts every worker (and its kernel) at once."""
    return True


def render(job: Job) -> JobResult:
    """Execute the template for one case and write its report atomically; never raises for a case."""
    from ._export import page

    start = time.perf_counter()
    out = Path(job.out)
    template = Path(job.template)
    executed: nbformat.NotebookNode | None = None
    try:
        runner = _runner(str(template.parent))
        parameters = {"case_path": job.case_path, **job.parameters}
        executed, error = runner.execute(_template(str(template)), parameters, job.cell_timeout)
        if error is not None:
            raise error
        assert executed is not None
        if job.keep_notebooks:  # before the export, which turns figures into HTML in place
            _write_notebook(executed, out / "notebooks" / f"{job.case_id}.ipynb")
        html = page(executed, case_id=job.case_id, title=job.title, self_contained=job.self_contained)
        atomic_write(out / job.report_name, html.encode("utf-8"))
    except Exception as exc:  # a failing case must not stop the batch: keep its notebook and the error
        failed = out / "_failed"
        if executed is not None:
            _write_notebook(executed, failed / f"{job.case_id}.ipynb")
        message = _describe(exc)
        failed.mkdir(exist_ok=True)
        atomic_write(failed / f"{job.case_id}.txt", (message + "\n").encode("utf-8"))
        return JobResult(job.case_id, False, time.perf_counter() - start, message)
    return JobResult(job.case_id, True, time.perf_counter() - start)


def _write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, nbformat.writes(nb).encode("utf-8"))


def _describe(exc: BaseException) -> str:
    """A short reason: the exception's last line (papermill's messages end with the cell's error)."""
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    name = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    return f"{name}: {evalue}" if evalue else f"{name}: {last}"
