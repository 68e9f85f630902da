"""A kernel manager for the class server, loaded by Voila by its dotted name.

Voila's own shutdown when a page closes fails its XSRF check in this version,
so the apps cull idle kernels that no browser is connected to. With kernels
pre-started for students who have not arrived yet, that rule would cull the
waiting kernels too. This manager culls only kernels that a page has been
connected to and has left: a pre-started kernel waits for its student, a
closed page's kernel is released.
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


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
