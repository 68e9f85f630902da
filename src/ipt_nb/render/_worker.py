"""The per-case work of a batch render, run in worker processes (or in the caller with one worker).

Each worker keeps one kernel alive and resets its namespace between cases, so
a case pays for executing the report, not for starting Python and importing
plotly again. The worker's kernel is shut down when the worker exits.
"""

from __future__ import annotations

import copy
import shutil
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any

import nbformat

from ..casefile import atomic_write
from ._export import page

RESET_CELL = "%reset -f"


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
    """One long-lived kernel, started in the template's folder, reset between notebooks.

    An asynchronous kernel manager, as nbclient expects: with a blocking one each
    cell costs about a third more in message round trips.
    """

    def __init__(self, cwd: Path) -> None:
        from jupyter_client.manager import AsyncKernelManager

        self.cwd = cwd
        self.km = AsyncKernelManager(kernel_name="python3")
        Finalize(self, KernelRunner.shutdown, args=(self.km,), exitpriority=10)

    def ensure_started(self) -> None:
        """Launch the kernel if it is not running; nbclient waits for it to be ready."""
        from jupyter_core.utils import run_sync

        if self.km.has_kernel and run_sync(self.km.is_alive)():
            return
        run_sync(self.km.start_kernel)(cwd=str(self.cwd))

    @staticmethod
    def shutdown(km: Any) -> None:
        from jupyter_core.utils import run_sync

        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)

    def execute(
        self, nb: nbformat.NotebookNode, parameters: dict[str, Any], output: Path, timeout: int
    ) -> Any:
        import papermill

        self.ensure_started()
        nb = copy.deepcopy(nb)
        reset = nbformat.v4.new_code_cell(RESET_CELL, id="ipt-nb-reset", metadata={"tags": ["ipt-nb-reset"]})
        nb.cells.insert(0, reset)
        return papermill.execute_notebook(
            nb,
            output,
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            km=self.km,
        )


_RUNNERS: dict[str, KernelRunner] = {}


def _runner(cwd: str) -> KernelRunner:
    if cwd not in _RUNNERS:
        _RUNNERS[cwd] = KernelRunner(Path(cwd))
    return _RUNNERS[cwd]


def shutdown_runners() -> None:
    """Stop the kernels this process started (the in-process path calls this after its batch)."""
    for runner in _RUNNERS.values():
        KernelRunner.shutdown(runner.km)
    _RUNNERS.clear()


@lru_cache(maxsize=4)
def _template(path: str) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def init_worker(template: str | None = None) -> None:
    """Prepare a worker: skip the slow import, and boot the kernel while the rest imports."""
    skip_slow_imports()
    if template is not None:
        _runner(str(Path(template).parent)).ensure_started()


def render(job: Job) -> JobResult:
    """Execute the template for one case and write its report atomically; never raises for a case."""
    start = time.perf_counter()
    out = Path(job.out)
    work = out / "_work" / f"{job.case_id}.ipynb"
    work.parent.mkdir(parents=True, exist_ok=True)
    template = Path(job.template)
    try:
        runner = _runner(str(template.parent))
        executed = runner.execute(
            _template(str(template)), {"case_path": job.case_path, **job.parameters}, work, job.cell_timeout
        )
        html = page(executed, case_id=job.case_id, title=job.title, self_contained=job.self_contained)
        atomic_write(out / job.report_name, html.encode("utf-8"))
    except Exception as exc:  # a failing case must not stop the batch: keep its notebook and the error
        failed = out / "_failed"
        failed.mkdir(exist_ok=True)
        if work.exists():
            shutil.move(work, failed / f"{job.case_id}.ipynb")
        message = _describe(exc)
        atomic_write(failed / f"{job.case_id}.txt", (message + "\n").encode("utf-8"))
        return JobResult(job.case_id, False, time.perf_counter() - start, message)
    if job.keep_notebooks:
        kept = out / "notebooks"
        kept.mkdir(exist_ok=True)
        shutil.move(work, kept / f"{job.case_id}.ipynb")
    else:
        work.unlink(missing_ok=True)
    return JobResult(job.case_id, True, time.perf_counter() - start)


def _describe(exc: BaseException) -> str:
    """A short reason: the exception's last line (papermill's messages end with the cell's error)."""
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    name = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    return f"{name}: {evalue}" if evalue else f"{name}: {last}"
