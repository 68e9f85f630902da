"""``ipt-nb app``'s rules that need no server: what the spare kernel imports ahead of the page."""

from __future__ import annotations

from pathlib import Path

import nbformat

from ipt_nb.app import kit_imports, prepare


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
        "ipt_nb.casefile",
    ]


def test_the_app_leaves_the_printable_week_out_of_the_walkthrough(tmp_path: Path) -> None:
    """On a projector the live walkthrough is the page: a second, static week below it is left out
    (and only in the walkthrough, which is the notebook that takes the parameter)."""
    case = Path(__file__).resolve().parent.parent / "casebook" / "cases" / "joy.yaml"

    def injected(kind: str) -> str:
        folder = tmp_path / kind
        folder.mkdir()
        cells = nbformat.read(prepare(case, kind, folder), as_version=4).cells
        return next(c.source for c in cells if "injected-parameters" in c.metadata.get("tags", []))

    assert "handout = False" in injected("supervision")
    assert "handout" not in injected("workbench")
