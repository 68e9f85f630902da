"""``ipt-nb app``'s rules that need no server: what the spare kernel imports ahead of the page."""

from __future__ import annotations

from pathlib import Path

import nbformat

from ipt_nb.app import kit_imports


def test_the_spare_kernel_imports_the_kit_modules_the_notebook_imports(tmp_path: Path) -> None:
    cells = [
        "from ipt_nb.forms import Workbench\nimport os",
        "%matplotlib inline",  # not Python: skipped, not an error
        "import ipt_nb.walkthrough as walk, json\nfrom ipt_nb.forms import Fields",
        "from . import sibling",  # relative: not the kit
        "from ipt_nb import charts, show, load_case",  # the package API: the modules behind it
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.cells.append(nbformat.v4.new_markdown_cell("import ipt_nb.report"))
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, path)
    assert kit_imports(path) == [
        "ipt_nb.forms",
        "ipt_nb.walkthrough",
        "ipt_nb",
        "ipt_nb.charts",
        "ipt_nb.display",
    ]
