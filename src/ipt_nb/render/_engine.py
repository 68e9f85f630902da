"""A papermill engine that runs a notebook on a kernel client connected before the notebook came.

Papermill's own ``nbclient`` engine builds a new kernel client for every
notebook, even when it is handed a running kernel, and waits for it with
jupyter_client's ``wait_for_ready``, which costs at least 0.2 s (a third of a
report here). The runner (``_kernel``) connects each kernel's client while the
kernel boots and checks it is ready in milliseconds; this engine is papermill's,
with that client passed in instead of created; parameters, metadata, error cells and
``PapermillExecutionError`` all stay papermill's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import nbformat
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import remove_args

ENGINE_NAME = "ipt-nb-warm-client"


@dataclass
class Execution:
    """One notebook run: the client to use, and the notebook as executed so far.

    The engine records the notebook here so the caller keeps the partially
    executed notebook of a failing case without papermill writing every
    notebook to disk.
    """

    client: Any
    notebook: nbformat.NotebookNode | None = None


class WarmClientEngine(NBClientEngine):  # type: ignore[misc]  # papermill ships no types
    @classmethod
    def execute_managed_notebook(  # noqa: PLR0917 (papermill's signature)
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        *,
        execution: Execution,
        **kwargs: Any,
    ) -> nbformat.NotebookNode:
        execution.notebook = nb_man.nb
        client = PapermillNotebookClient(
            nb_man,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            **remove_args(["input_path", "timeout", "startup_timeout"], **kwargs),
        )
        client.kc = execution.client  # nbclient then skips creating one, and leaves it open after the run
        executed: nbformat.NotebookNode = client.execute()
        return executed


papermill_engines.register(ENGINE_NAME, WarmClientEngine)
