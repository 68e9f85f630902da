"""Where the per-case jobs run: in this process, in local worker processes, or on a Dask cluster.

Workers are started before the cases are planned, so their kernels boot and
import the kit while the cases are validated and linted.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from ..errors import UsageError
from . import _worker
from .options import RenderOptions


class Executor(Protocol):
    def results(self, jobs: list[_worker.Job]) -> Iterator[_worker.JobResult]: ...
    def close(self) -> None: ...


class InProcess:
    """One worker: the caller's own process, its kernel started with the first job."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.started = False

    def results(self, jobs: list[_worker.Job]) -> Iterator[_worker.JobResult]:
        if not self.started:
            try:
                _worker.init_worker(self.template, own_process=False)
            except Exception as exc:  # no kernel, no reports: each case says why
                yield from (_worker.failure(job, exc) for job in jobs)
                return
            self.started = True
        for job in jobs:
            yield _worker.render(job)

    def close(self) -> None:
        _worker.shutdown_runners()


class ProcessPool:
    """Spawned worker processes (a forked child would share the parent's ZeroMQ state)."""

    def __init__(self, template: str, workers: int) -> None:
        self.pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker.init_pool_worker,
            initargs=(template,),
        )
        for _ in range(workers):  # the pool spawns a process per pending job: start them all now
            self.pool.submit(_worker.ready)

    def results(self, jobs: list[_worker.Job]) -> Iterator[_worker.JobResult]:
        futures: dict[Future[_worker.JobResult], _worker.Job] = {
            self.pool.submit(_worker.render, job): job for job in jobs
        }
        try:
            for future in as_completed(futures):
                try:
                    yield future.result()
                except BrokenProcessPool as exc:  # a worker died (or could not start): its cases failed
                    yield _worker.failure(futures[future], exc)
        except BaseException:
            self.pool.shutdown(wait=False, cancel_futures=True)
            raise

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class DaskCluster:
    """The same jobs on a Dask cluster: each worker thread keeps its own warm kernel, as locally.

    Warming up and shutting down run as ordinary tasks pinned to each worker,
    on the worker's task threads, where the cases run too (``Client.run``
    would use the worker's event-loop thread, whose kernel client the cases
    could not share).
    """

    def __init__(self, template: str, workers: int, scheduler: str | None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise UsageError("the dask executor needs the dask extra: pip install 'ipt-nb[dask]'") from exc
        self.cluster: Any = None
        if scheduler:
            self.client = Client(scheduler)
        else:
            self.cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = Client(self.cluster)
        # workers of a cluster we did not start serve others too: leave their imports alone
        own = self.cluster is not None
        self.warm_up = self._on_each_worker(_worker.init_worker, template, own_process=own)

    def _on_each_worker(self, function: Any, *args: Any, **kwargs: Any) -> list[Any]:
        pinned = {"allow_other_workers": False, "pure": False}
        return [
            self.client.submit(function, *args, **kwargs, workers=[address], **pinned)
            for address in self.client.scheduler_info()["workers"]
        ]

    def results(self, jobs: list[_worker.Job]) -> Iterator[_worker.JobResult]:
        from distributed import as_completed as dask_completed

        for future in dask_completed(self.client.map(_worker.render, jobs, pure=False)):
            yield future.result()

    def close(self) -> None:
        try:
            self.client.gather(self._on_each_worker(_worker.shutdown_runners), errors="skip")
        finally:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


def start(options: RenderOptions, jobs: int) -> Executor:
    """The executor the options ask for, with at most one worker per job."""
    template = str(options.template.resolve())
    workers = max(1, min(options.workers, jobs))
    if options.executor == "dask":
        return DaskCluster(template, workers, options.scheduler)
    if workers == 1:
        return InProcess(template)
    return ProcessPool(template, workers)
