"""Where the per-case jobs run: in this process, in local worker processes, or on a Dask cluster.

Pool and Dask workers are started before the cases are planned, so their
kernels boot and import the kit while the cases are validated and linted; the
caller's own process (one worker) starts its kernel with the first case.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Generator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from ..errors import UsageError
from . import _worker
from .options import RenderOptions

SHUTDOWN_TIMEOUT = 30
"""Seconds a Dask close waits for workers to stop this batch's kernels."""


class Executor(Protocol):
    def results(self, jobs: list[_worker.Job]) -> Generator[_worker.JobResult, None, None]: ...
    def close(self) -> None: ...


class InProcess:
    """One worker: the caller's own process, its kernel started with the first job."""

    def __init__(self, template: str, batch: str) -> None:
        self.template = template
        self.batch = batch
        self.started = False

    def results(self, jobs: list[_worker.Job]) -> Generator[_worker.JobResult, None, None]:
        if not self.started:
            try:
                _worker.init_worker(self.template, self.batch, own_process=False)
            except Exception as exc:  # no kernel, no reports: each case says why
                yield from (_worker.failure(job, exc) for job in jobs)
                return
            self.started = True
        for job in jobs:
            yield _worker.render(job)

    def close(self) -> None:
        _worker.shutdown_runners(self.batch)


Unfinished = list[tuple[_worker.Job, BaseException]]


class ProcessPool:
    """Spawned worker processes (a forked child would share the parent's ZeroMQ state).

    A worker that dies (killed, out of memory) breaks a ``ProcessPoolExecutor``
    and every case still in it; those cases are run once more in a fresh pool,
    and fail, with the reason recorded, only if that breaks too.
    """

    def __init__(self, template: str, workers: int, batch: str) -> None:
        self.template = template
        self.workers = workers
        self.batch = batch
        self.interrupted = False
        self.context = multiprocessing.get_context("spawn")
        self.started: Any = self.context.SimpleQueue()
        """Each worker's process id, put there as it starts: who to stop when interrupted."""
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            self.workers,
            mp_context=self.context,
            initializer=_worker.init_pool_worker,
            initargs=(self.template, self.batch, self.started),
        )
        for _ in range(self.workers):  # the pool spawns a process per pending job: start them all now
            pool.submit(_worker.ready)
        return pool

    def results(self, jobs: list[_worker.Job]) -> Generator[_worker.JobResult, None, None]:
        unfinished = yield from self._run(jobs)
        if unfinished:
            self.pool.shutdown(wait=True)
            self.pool = self._start()
            unfinished = yield from self._run([job for job, _ in unfinished])
        for job, error in unfinished:
            yield _worker.failure(job, error)

    def _run(self, jobs: list[_worker.Job]) -> Generator[_worker.JobResult, None, Unfinished]:
        unfinished: Unfinished = []
        try:
            futures: dict[Future[_worker.JobResult], _worker.Job] = {}
            for job in jobs:
                try:
                    futures[self.pool.submit(_worker.render, job)] = job
                except BrokenProcessPool as exc:
                    unfinished.append((job, exc))
            for future in as_completed(futures):
                try:
                    yield future.result()
                except BrokenProcessPool as exc:
                    unfinished.append((futures[future], exc))
        except BaseException:
            self._interrupt()
            raise
        return unfinished

    def _interrupt(self) -> None:
        """Stop now, as Ctrl-C in a terminal would: drop queued cases, stop each worker and its kernel."""
        if self.interrupted:
            return
        self.interrupted = True
        workers = set()
        while not self.started.empty():
            workers.add(self.started.get())
        for pid in workers & {child.pid for child in multiprocessing.active_children()}:  # still ours
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)  # a worker answers by stopping its kernels and exiting
        self.pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        if not self.interrupted:
            self.pool.shutdown(wait=True)


class DaskCluster:
    """The same jobs on a Dask cluster: each worker thread keeps its own warm kernel, as locally.

    Warming up and shutting down run as ordinary tasks pinned to each worker,
    on the worker's task threads, where the cases run too (``Client.run``
    would use the worker's event-loop thread, whose kernel client the cases
    could not share).
    """

    def __init__(self, template: str, workers: int, scheduler: str | None, batch: str) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise UsageError("the dask executor needs the dask extra: pip install 'ipt-nb[dask]'") from exc
        self.batch = batch
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
        self.warm_up = self._on_each_worker(_worker.init_worker, template, batch, own_process=own)

    def _on_each_worker(self, function: Any, *args: Any, **kwargs: Any) -> list[Any]:
        pinned = {"allow_other_workers": False, "pure": False}
        return [
            self.client.submit(function, *args, **kwargs, workers=[address], **pinned)
            for address in self.client.scheduler_info()["workers"]
        ]

    def results(self, jobs: list[_worker.Job]) -> Generator[_worker.JobResult, None, None]:
        from distributed import as_completed as dask_completed

        for future in dask_completed(self.client.map(_worker.render, jobs, pure=False)):
            yield future.result()

    def close(self) -> None:
        """Stop this batch's kernels on each worker; a worker gone meanwhile is not waited for."""
        from distributed import wait

        stopping = self._on_each_worker(_worker.shutdown_runners, self.batch)
        try:
            with contextlib.suppress(Exception):
                wait(stopping, timeout=SHUTDOWN_TIMEOUT)
            self.client.cancel([*stopping, *self.warm_up])
        finally:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


def start(options: RenderOptions, jobs: int, batch: str) -> Executor:
    """The executor the options ask for, with at most one worker per job."""
    template = str(options.template.resolve())
    workers = max(1, min(options.workers, jobs))
    if options.executor == "dask":
        return DaskCluster(template, workers, options.scheduler, batch)
    if workers == 1:
        return InProcess(template, batch)
    return ProcessPool(template, workers, batch)
