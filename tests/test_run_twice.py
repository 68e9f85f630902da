"""Every notebook runs twice in one kernel, as Run All pressed twice in JupyterLab does."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import ROOT

NOTEBOOKS = sorted([*ROOT.glob("casebook/*.ipynb"), *ROOT.glob("widgets/*.ipynb")])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_run_all_twice_in_one_kernel(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells = [*notebook.cells, *copy.deepcopy(notebook.cells)]
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError, with the traceback, if any cell fails
    errors = [
        o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert errors == []
