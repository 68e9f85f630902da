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
from typing import Any, cast

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import IOLoop
from tornado.web import HTTPError
from traitlets import Integer, List, Unicode

__all__ = ["ReleasingKernelManager", "SpareKernelManager"]


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

    Starting Python and ipykernel is about a second of the time to an
    interactive page. The first spare starts with the server, in ``spare_path``;
    later ones with the arguments of the page before. (Voila's own preheating
    would run the notebook ahead too, but refuses the ``prelaunch_hook`` that
    keeps pages without the token from starting kernels.) At most
    ``max_kernels`` pages' kernels run at once; a page beyond that is refused
    with a message instead of loading a machine that has two cores.
    """

    max_kernels = Integer(4, config=True, help="kernels of open pages at most (the spare not counted)")
    spare_path = Unicode("", config=True, help="the notebook's folder: where the first spare starts")
    warm_modules = List(Unicode(), config=True, help="modules a spare imports while it waits for a page")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._spare: asyncio.Future[str] | None = None
        self._pages: set[str] = set()
        if self.spare_path:
            env = {**os.environ, "VOILA_PREHEAT": "False", "VOILA_BASE_URL": "/", "VOILA_SERVER_URL": "/"}
            IOLoop.current().add_callback(self._start_spare, {"path": self.spare_path, "env": env})

    def _start_spare(self, arguments: dict[str, Any]) -> None:
        self._spare = asyncio.ensure_future(self._warm_spare(arguments))

    async def _warm_spare(self, arguments: dict[str, Any]) -> str:
        """Start a kernel and import the notebook's modules in it, binding no names."""
        kernel_id = str(await super().start_kernel(**arguments))
        if self.warm_modules:
            client = cast(AsyncKernelClient, self.get_kernel(kernel_id).client())
            client.start_channels()
            try:
                await client.wait_for_ready(timeout=60)
                code = f"[__import__(name) for name in {list(self.warm_modules)!r}]"
                request = client.execute(code, silent=True, store_history=False)
                while (await client.get_shell_msg(timeout=60))["parent_header"].get("msg_id") != request:
                    pass
            except Exception:  # warming only saves time; the page's own cells report any failure
                self.log.warning("the spare kernel %s did not import %s", kernel_id, self.warm_modules)
            finally:
                client.stop_channels()
        return kernel_id

    async def start_kernel(self, *, kernel_name: str | None = None, **kwargs: Any) -> str:  # type: ignore[override]
        if kwargs.get("kernel_id"):  # a restart or a reconnection: not a new page
            return str(await super().start_kernel(kernel_name=kernel_name, **kwargs))
        self._pages &= set(self.list_kernel_ids())  # those shut down or culled since
        if len(self._pages) >= self.max_kernels:
            full = f"{self.max_kernels} pages of this app are open: close one and reload"
            raise HTTPError(503, reason=full)
        spare, self._spare = self._spare, None
        kernel_id = await self._take(spare, kernel_name)
        if kernel_id is None:
            kernel_id = str(await super().start_kernel(kernel_name=kernel_name, **kwargs))
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
