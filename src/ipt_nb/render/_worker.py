"""The per-case work of a batch render, run in worker processes (or in the caller with one worker).

Each worker (each worker thread, on Dask) has a runner that gives every case a
kernel of its own, forked from a process that has already imported the kit
(``_kernel``, ``_zygote``): a case pays for executing the report, not for
starting Python and importing plotly again, and no case sees what another one
left behind. The batch shuts its runners down at its end, and a worker's
kernels go with it when it exits.

This module imports nbformat, papermill and nbconvert only inside functions:
the planning process imports it to name the jobs, and should not pay for them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._process import skip_slow_imports
from ..casefile import atomic_write
from ._kernel import KernelRunner
from .options import RenderOptions

if TYPE_CHECKING:
    import nbformat


@dataclass(frozen=True)
class Job:
    """One case to render: its id, its file, its page title, and the run's options."""

    case_id: str
    case_path: str
    title: str
    options: RenderOptions
    """The run's options, ``template`` and ``out`` absolute: a worker may have another folder."""
    template_digest: str = ""
    batch: str = ""
    """Names the run: its kernels are its own, even in a process another run shares."""

    @property
    def template(self) -> str:
        return str(self.options.template)

    @property
    def out(self) -> str:
        return str(self.options.out)

    @property
    def report_name(self) -> str:
        return f"{self.case_id}.html"


@dataclass(frozen=True)
class JobResult:
    case_id: str
    ok: bool
    seconds: float
    message: str = ""


_RUNNERS: dict[tuple[str, str, int], KernelRunner] = {}
_RUNNERS_LOCK = threading.Lock()


def _runner(template: str, batch: str) -> KernelRunner:
    """This thread's runner for ``template`` in ``batch``.

    One per thread: a kernel client belongs to the thread (and event loop) that
    made it, and a Dask worker may run several cases at once in its threads.
    One per batch: two batches sharing a process (threads of a notebook, a
    shared cluster) each stop only their own kernels.
    """
    key = (template, batch, threading.get_ident())
    with _RUNNERS_LOCK:
        if key not in _RUNNERS:
            _RUNNERS[key] = KernelRunner(Path(template))
        return _RUNNERS[key]


def shutdown_runners(batch: str) -> None:
    """Stop the kernels this process started for ``batch``."""
    with _RUNNERS_LOCK:
        keys = [key for key in _RUNNERS if key[1] == batch]
        runners = [_RUNNERS.pop(key) for key in keys]
    for runner in runners:
        runner.shutdown()


def runners_alive() -> int:
    """How many runners of any batch this process holds (each may hold a kernel)."""
    with _RUNNERS_LOCK:
        return len(_RUNNERS)


@lru_cache(maxsize=4)
def _template(path: str, digest: str) -> nbformat.NotebookNode:
    """The template, read once per worker; ``digest`` (of its bytes) makes an edited one be read again."""
    import nbformat

    template: nbformat.NotebookNode = nbformat.read(path, as_version=4)
    return template


def init_worker(template: str, batch: str, *, own_process: bool = True) -> None:
    """Prepare a worker: skip the slow import, start the first kernel, and warm both sides.

    The kernel's process imports the kit while this process builds its
    exporter, so the first case costs what every other case costs.
    ``own_process=False`` (the caller's process does the work) leaves the
    caller's imports alone. Raises if no kernel can start; each case then
    tries again, and fails with the reason if it cannot either.
    """
    if own_process:
        skip_slow_imports()
    from ._export import warm_up

    runner = _runner(template, batch)
    runner.start()
    warm_up()
    runner.prepare(ready=True)


def init_pool_worker(template: str, batch: str, started: Any = None) -> None:
    """A local pool worker: as :func:`init_worker`, and it never outlives the batch.

    It stops at once, its kernels too, when its parent process is gone
    (killed, or terminated before it could shut the pool down), on Ctrl-C and
    when the pool terminates it; finishing the queued cases would only make
    the user wait. Reports are written atomically, so stopping never leaves a
    partial one. (A SIGINT the parent was started to ignore stays ignored.)
    ``started``, a queue of the pool's, is told this process's id.
    """
    if started is not None:
        started.put(os.getpid())
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_stop_when_gone, args=(parent.sentinel,), daemon=True).start()
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _stop_now)
    signal.signal(signal.SIGTERM, _stop_now)
    with contextlib.suppress(Exception):  # a broken worker would break the pool; its cases say why
        init_worker(template, batch)


def _stop_when_gone(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os.kill(os.getpid(), signal.SIGTERM)  # signal handlers run in the main thread: see _stop_now


def _stop_now(signum: int, *_: object) -> None:
    """Kill this process's kernels and zygotes, then end by the signal's own default action.

    No clean-up runs after that, on purpose: the pool's worker loop would
    otherwise catch the exit as a case's error and go on with the queue.
    """
    for runner in list(_RUNNERS.values()):
        runner.kill()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


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
        runner = _runner(job.template, job.batch)
        parameters = {"case_path": job.case_path, **job.options.parameters}
        notebook = _template(str(template), job.template_digest)
        executed, error = runner.execute(notebook, parameters, job.options.cell_timeout)
        if error is not None:
            raise error
        assert executed is not None
        if job.options.keep_notebooks:
            _write_notebook(executed, out / "notebooks" / f"{job.case_id}.ipynb")
        html = page(executed, case_id=job.case_id, title=job.title, self_contained=job.options.self_contained)
        atomic_write(out / job.report_name, html.encode("utf-8"))
    except Exception as exc:  # a failing case must not stop the batch: keep its notebook and the error
        return failure(job, exc, executed, time.perf_counter() - start)
    for stale in ("txt", "ipynb"):  # an earlier run's failure of this case no longer holds
        (out / "_failed" / f"{job.case_id}.{stale}").unlink(missing_ok=True)
    return JobResult(job.case_id, True, time.perf_counter() - start)


def failure(
    job: Job, exc: BaseException, notebook: nbformat.NotebookNode | None = None, seconds: float = 0.0
) -> JobResult:
    """Record why a case failed in ``_failed/`` (with its notebook as far as it ran) and say so."""
    failed = Path(job.out) / "_failed"
    message = describe(exc)
    try:  # best effort: on a full disk the reason still reaches the index
        failed.mkdir(parents=True, exist_ok=True)
        if notebook is not None:
            _write_notebook(notebook, failed / f"{job.case_id}.ipynb")
        atomic_write(failed / f"{job.case_id}.txt", (message + "\n").encode("utf-8"))
    except OSError as kept:
        message += f" (its notebook was not kept in _failed/: {kept.strerror or kept})"
    return JobResult(job.case_id, False, seconds, message)


def _write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, nbformat.writes(nb).encode("utf-8"))


def describe(exc: BaseException) -> str:
    """A short reason: the cell's error for papermill's errors, else the message's first line.

    (A timeout's message goes on with a preview of the cell, which is case-specific code.)
    """
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    name = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    return f"{name}: {evalue}" if evalue else f"{name}: {lines[0] if lines else ''}"
