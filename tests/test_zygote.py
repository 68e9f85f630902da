"""Kernels forked from a warm process: they start with the modules imported, and behave as kernels
started the usual way (widgets' comm targets included)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from ipt_nb._zygote import FORKABLE, ForkingProvisioner, Zygote, forks_from, warm

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not FORKABLE, reason="forking needs Linux")]


def run(client: Any, code: str) -> Any:
    """What ``code`` printed, read as JSON."""
    printed: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])

    reply = client.execute_interactive(code, timeout=60, output_hook=keep)
    assert reply["content"]["status"] == "ok", reply
    return json.loads("".join(printed))


def test_a_forked_kernel_has_the_zygote_modules_and_the_widget_comm_targets(tmp_path: Path) -> None:
    spec = KernelSpecManager().get_kernel_spec("python3")
    python = forks_from(spec.argv)
    assert python is not None, "the python3 spec runs ipykernel"
    zygote = Zygote(python, tmp_path, ["ipywidgets", "ipt_nb.forms"], dict(spec.env))
    km = KernelManager(kernel_name="python3")
    kernel_id = str(uuid.uuid4())
    km.provisioner = ForkingProvisioner(kernel_id=kernel_id, kernel_spec=km.kernel_spec, parent=km)
    km.provisioner.zygote = zygote
    try:
        zygote.wait_ready()
        km.start_kernel(kernel_id=kernel_id)
        client = km.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        found = run(
            client,
            "import json, os, sys\nfrom comm import get_comm_manager\n"
            "print(json.dumps({'targets': sorted(get_comm_manager().targets), 'cwd': os.getcwd(),"
            " 'imported': 'ipt_nb.forms' in sys.modules, 'parent': os.getppid()}))",
        )
        client.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
        zygote.close()
    assert found["targets"] == ["jupyter.widget", "jupyter.widget.control"]
    assert found["imported"] is True and found["parent"] == zygote.process.pid
    assert Path(str(found["cwd"])) == tmp_path


def test_warm_names_the_entry_that_failed() -> None:
    warm(["json", "ipt_nb.charts:warm_up"])
    with pytest.raises(ImportError, match="no_such_module_here"):
        warm(["json", "no_such_module_here"])
    with pytest.raises(ImportError, match=r"ipt_nb\.charts:no_such_function"):
        warm(["ipt_nb.charts:no_such_function"])
