"""The app server's kernel manager: kernels forked from the zygote started before Voila, and
launched as usual when there is no zygote or it could not start."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager

from ipt_nb import _kernels
from ipt_nb._kernels import SpareKernelManager, start_zygote
from ipt_nb._zygote import FORKABLE, Zygote, forks_from

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not FORKABLE, reason="forking needs Linux")]


def provisioner_of_a_page_kernel(folder: Path) -> str:
    """Start one kernel as a page would, through the manager; the kind of provisioner it had."""
    manager = SpareKernelManager(root_dir=str(folder), connection_dir=str(folder))

    async def start_and_stop() -> str:
        kernel_id = await manager.start_kernel(kernel_name="python3", path=str(folder))
        provisioner = manager.get_kernel(kernel_id).provisioner
        kind, process = type(provisioner).__name__, provisioner.process
        await manager.shutdown_all(now=True)  # the zygote too
        process.wait(timeout=10)  # reaped here, not left to the collector
        assert manager.list_kernel_ids() == []  # the spare started for the next page is gone too
        manager.context.destroy(linger=0)  # now, not whenever the collector gets to the manager
        return kind

    with ThreadPoolExecutor(1) as thread:  # a loop of its own, whatever loop the test process runs
        return thread.submit(asyncio.run, start_and_stop()).result(timeout=120)


@pytest.fixture
def no_zygote_left() -> object:
    yield
    while _kernels._ZYGOTES:
        _kernels._ZYGOTES.pop().kill()


def test_the_zygote_starts_only_for_a_server_with_a_spare_path(
    tmp_path: Path, no_zygote_left: object
) -> None:
    start_zygote(["voila", "nb.ipynb", "--SpareKernelManager.warm_modules=ipt_nb.forms"])
    assert _kernels._ZYGOTES == []
    start_zygote(
        ["voila", f"--SpareKernelManager.spare_path={tmp_path}", "--SpareKernelManager.warm_modules=json"]
    )
    (zygote,) = _kernels._ZYGOTES
    assert zygote.process.args[-2:] == ["json", "ipt_nb.charts:warm_up"]
    assert provisioner_of_a_page_kernel(tmp_path) == "ForkingProvisioner"
    assert _kernels._ZYGOTES == []  # the manager took it


def test_a_zygote_that_could_not_start_leaves_kernels_launched_as_usual(
    tmp_path: Path, no_zygote_left: object
) -> None:
    spec = KernelSpecManager().get_kernel_spec("python3")
    python = forks_from(spec.argv)
    assert python is not None
    _kernels._ZYGOTES.append(Zygote(python, tmp_path, ["no_such_module_here"], dict(spec.env)))
    assert provisioner_of_a_page_kernel(tmp_path) == "LocalProvisioner"
