"""Kernel managers for the app and class servers, loaded by Voila by their dotted names.

These run inside the Voila server process. Closed pages' kernels are culled
only once a page has connected to them and left (a kernel waiting for its page,
or for its student, is never culled); the app's manager also keeps one kernel
started ahead of the next page and caps how many run at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import IOLoop
from tornado.web import HTTPError
from traitlets import Integer, List, Unicode

from ._zygote import ForkingProvisioner, Zygote, forks_from

__all__ = ["ZYGOTE_SPEC", "ReleasingKernelManager", "SpareKernelManager", "start_zygote"]

ZYGOTE_SPEC = "python3"
"""The kernel spec the app's kernels are forked for (every notebook of the kit uses it)."""
_ZYGOTES: list[Zygote] = []
"""The zygote :func:`start_zygote` started, until the kernel manager takes it."""


def start_zygote(argv: Sequence[str]) -> None:
    """First thing in the app's server process: start the process its kernels fork from.

    It imports ipykernel and the modules named by ``--SpareKernelManager.warm_modules=``
    in ``argv`` (and warms up the charts) in ``--SpareKernelManager.spare_path=``,
    on the other core while Voila starts. Nothing happens without a spare path (a
    server that is not the app's), where kernels cannot be forked (not Linux), or
    where the python3 spec is not ipykernel's own.
    """

    def values(option: str) -> list[str]:
        return [arg.split("=", 1)[1] for arg in argv if arg.startswith(f"--SpareKernelManager.{option}=")]

    folders = values("spare_path")
    if not folders:
        return
    try:
        spec = KernelSpecManager().get_kernel_spec(ZYGOTE_SPEC)
    except Exception:  # no such spec: kernels are launched as the notebook's spec says
        return
    python = forks_from(spec.argv)
    if python is None:
        return
    modules = [*values("warm_modules"), "ipt_nb.charts:warm_up"]
    _ZYGOTES.append(Zygote(python, Path(folders[-1]), modules, dict(spec.env)))


class ReleasingKernelManager(AsyncMappingKernelManager):
    """Culls a kernel only once its page has connected and gone."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.connected_once: set[str] = set()

    def notify_connect(self, kernel_id: str) -> None:
        self.connected_once.add(kernel_id)
        super().notify_connect(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        if kernel_id in self.connected_once:
            await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(  # type: ignore[override]  # jupyter_client types the sync wrapper
        self, kernel_id: str, now: bool = False, restart: bool = False
    ) -> None:
        self.connected_once.discard(kernel_id)
        await super().shutdown_kernel(kernel_id, now=now, restart=restart)


class SpareKernelManager(ReleasingKernelManager):
    """Hands each page a kernel started before the page asked, and starts the next one.

    Starting Python, ipykernel and the kit is about a second of the time to an
    interactive page. On Linux the server forks its kernels from a zygote
    (``ipt_nb._zygote``) started before Voila itself (:func:`start_zygote`), so
    those imports run while Voila starts and each kernel is ready about 0.2 s
    after it is asked for, a fresh process every time. Elsewhere, or if the
    zygote failed, kernels are launched as usual and import the kit's modules
    while they wait for their page. The first spare starts with the server, in
    ``spare_path``; later ones with the arguments of the page before. (Voila's
    own preheating would run the notebook ahead too, but refuses the
    ``prelaunch_hook`` that keeps pages without the token from starting
    kernels.) At most ``max_kernels`` pages' kernels run at once; a page beyond
    that is refused with a message instead of loading a machine that has two
    cores. A forked kernel has the server's environment, not the one Voila
    would give a page's kernel (its request's address and port): no notebook of
    the kit reads those.
    """

    max_kernels = Integer(4, config=True, help="kernels of open pages at most (the spare not counted)")
    spare_path = Unicode("", config=True, help="the notebook's folder: where the first spare starts")
    warm_modules = List(Unicode(), config=True, help="modules a spare imports while it waits for a page")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._spare: asyncio.Future[str] | None = None
        self._pages: set[str] = set()
        self._zygote: Zygote | None = _ZYGOTES.pop() if _ZYGOTES else None
        self._zygote_ready: asyncio.Future[bool] | None = None
        self._forking = False
        if self.spare_path:
            env = {**os.environ, "VOILA_PREHEAT": "False", "VOILA_BASE_URL": "/", "VOILA_SERVER_URL": "/"}
            IOLoop.current().add_callback(self._start_spare, {"path": self.spare_path, "env": env})

    def _start_spare(self, arguments: dict[str, Any]) -> None:
        self._spare = asyncio.ensure_future(self._warm_spare(arguments))

    async def _warm_spare(self, arguments: dict[str, Any]) -> str:
        """Start a kernel; one that was not forked imports the notebook's modules, binding no names."""
        kernel_id = await self._start(**arguments)
        if self.warm_modules and not self._forking:
            client = cast(AsyncKernelClient, self.get_kernel(kernel_id).client())
            client.start_channels()
            try:
                await client.wait_for_ready(timeout=60)
                names = list(self.warm_modules)
                code = f"__import__('ipt_nb._zygote', fromlist=['warm']).warm({names!r})"
                request = client.execute(code, silent=True, store_history=False)
                while (await client.get_shell_msg(timeout=60))["parent_header"].get("msg_id") != request:
                    pass
            except Exception:  # warming only saves time; the page's own cells report any failure
                self.log.warning("the spare kernel %s did not import %s", kernel_id, self.warm_modules)
            finally:
                client.stop_channels()
        return kernel_id

    async def _start(self, **kwargs: Any) -> str:
        """Start a kernel: forked when the zygote is ready (waiting for it without blocking)."""
        zygote = self._zygote
        if zygote is not None:
            if self._zygote_ready is None:
                loop = asyncio.get_running_loop()
                self._zygote_ready = asyncio.ensure_future(loop.run_in_executor(None, self._wait_for_zygote))
            ready = await self._zygote_ready
            self._forking = ready and self._zygote is zygote and zygote.process.poll() is None
        try:
            return str(await super().start_kernel(**kwargs))
        except RuntimeError as exc:  # the zygote could not fork: launch this kernel and the next ones
            if not self._forking or self._zygote is None:
                raise
            self.log.warning("kernels are launched one by one from now on, not forked: %s", exc)
            # It is not asked again (a late answer must never be read as the next kernel's), and not
            # stopped: the kernels it forked for open pages die with it. It dies with the server.
            self._zygote, self._forking = None, False
            return str(await super().start_kernel(**kwargs))

    def _wait_for_zygote(self) -> bool:
        assert self._zygote is not None
        try:
            self._zygote.wait_ready()
        except RuntimeError as exc:
            self.log.warning("kernels are launched one by one, not forked: %s", exc)
            return False
        return True

    async def shutdown_all(self, now: bool = False) -> None:  # type: ignore[override]  # as shutdown_kernel
        """Every kernel (a spare still starting too), then the zygote (which would otherwise end
        with the server)."""
        spare, self._spare = self._spare, None
        if spare is not None:
            with contextlib.suppress(Exception):  # one that failed to start has nothing to stop
                await spare
        await super().shutdown_all(now=now)
        zygote, self._zygote = self._zygote, None
        if zygote is not None:
            zygote.close()

    def pre_start_kernel(self, kernel_name: str | None, kwargs: Any) -> tuple[Any, str, str]:
        """jupyter_client's step that makes the kernel's manager: given a forking provisioner
        when the kernel is the zygote's kind (the python3 spec)."""
        km, name, kernel_id = super().pre_start_kernel(kernel_name, kwargs)
        if self._forking and self._zygote is not None and name == ZYGOTE_SPEC:
            km.provisioner = ForkingProvisioner(kernel_id=kernel_id, kernel_spec=km.kernel_spec, parent=km)
            km.provisioner.zygote = self._zygote
        return km, name, kernel_id

    async def start_kernel(self, *, kernel_name: str | None = None, **kwargs: Any) -> str:  # type: ignore[override]
        if kwargs.get("kernel_id"):  # a restart or a reconnection: not a new page
            return await self._start(kernel_name=kernel_name, **kwargs)
        self._pages &= set(self.list_kernel_ids())  # those shut down or culled since
        if len(self._pages) >= self.max_kernels:
            full = f"{self.max_kernels} pages of this app are open: close one and reload"
            raise HTTPError(503, reason=full)
        spare, self._spare = self._spare, None
        kernel_id = await self._take(spare, kernel_name)
        if kernel_id is None:
            kernel_id = await self._start(kernel_name=kernel_name, **kwargs)
        self._pages.add(kernel_id)
        self._start_spare({"kernel_name": kernel_name, **kwargs})
        return kernel_id

    async def _take(self, spare: asyncio.Future[str] | None, kernel_name: str | None) -> str | None:
        """The spare's id if it started, is alive and runs the kernel asked for; else None."""
        if spare is None:
            return None
        try:
            kernel_id = await spare
        except Exception:  # a failed spare: the page starts its own, which reports the failure
            return None
        if kernel_id in self and kernel_name in (None, self.get_kernel(kernel_id).kernel_name):
            return kernel_id
        with contextlib.suppress(Exception):
            await self.shutdown_kernel(kernel_id, now=True)
        return None
