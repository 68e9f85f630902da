"""Project hygiene: the conda environment matches pyproject, knowledge tables are consistent."""

from __future__ import annotations

import re
import tomllib
from itertools import pairwise

import pytest

from ipt_nb.catalog import ADHERENCE_ITEMS, PROBLEM_AREAS, TECHNIQUES, default_phases
from ipt_nb.instruments import INSTRUMENTS, ReliableChange

from .conftest import ROOT

CONDA_NAMES = {"kaleido": "python-kaleido"}
"""PyPI names that conda-forge spells differently."""


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_lists_the_same_dependencies_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = {_name(r) for r in project["dependencies"] + extras["dev"] + extras["dask"]}
    wanted = {CONDA_NAMES.get(n, n) for n in wanted} | {
        "distributed"
    }  # dask[distributed] is two conda packages
    text = (ROOT / "environment.yml").read_text()
    dependencies = text.split("dependencies:", 1)[1]
    listed = {
        _name(line.strip()[2:])
        for line in dependencies.splitlines()
        if line.startswith(("  - ", "      - ")) and not line.strip().startswith(("- pip", "- -e"))
    }
    assert listed - {"python"} == wanted


@pytest.mark.parametrize("sessions", range(6, 25))
def test_default_phases_tile_the_course(sessions: int) -> None:
    spans = list(default_phases(sessions).values())
    assert spans[0][0] == 1 and spans[-1][1] == sessions
    assert all(a[1] + 1 == b[0] and a[0] <= a[1] for a, b in pairwise(spans))
    assert spans[2][1] - spans[2][0] + 1 >= 2


def test_uk_sixteen_session_split() -> None:
    assert default_phases(16) == {"initial": (1, 4), "middle": (5, 12), "termination": (13, 16)}


@pytest.mark.parametrize("measure", INSTRUMENTS)
def test_bands_cover_each_total_once(measure: str) -> None:
    instrument = INSTRUMENTS[measure]
    for score in range(instrument.total_min, instrument.total_max + 1):
        assert sum(b.contains(score) for b in instrument.bands) == 1
    maxima = [instrument.max_of_item(n) for n in range(1, instrument.items + 1)]
    assert sum(maxima) >= instrument.total_max or measure == "epds"


def test_jacobson_truax_matches_the_worked_example() -> None:
    # IPT.md 8.3: PHQ-9 with r = 0.84 and SD = 5.4 gives a minimum reliable change of 5.98.
    assert ReliableChange.jacobson_truax(0.84, 5.4, "").points == pytest.approx(5.98, abs=0.01)


def test_knowledge_entries_cite_sources() -> None:
    assert all(a.source for a in PROBLEM_AREAS.values())
    assert all(i.source and i.band_scheme for i in INSTRUMENTS.values())
    assert {i.phase for i in ADHERENCE_ITEMS.values()} == {"initial", "middle", "termination"}
    assert len(TECHNIQUES) == 12


def test_every_public_module_names_its_public_definitions_in_all() -> None:
    """``__all__`` in every module without a leading underscore: each public class and function it
    defines is listed, and nothing is listed that the module does not have."""
    import ast
    import importlib

    wrong = []
    for path in sorted((ROOT / "src" / "ipt_nb").rglob("*.py")):
        parts = path.relative_to(ROOT / "src").with_suffix("").parts
        if any(part.startswith("_") for part in parts[1:]):
            continue
        module = importlib.import_module(".".join(parts))
        listed = getattr(module, "__all__", None)
        if listed is None:
            wrong.append(f"{path.name}: no __all__")
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = {
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and not node.name.startswith("_")
        }
        wrong += [f"{path.name}: {name} not in __all__" for name in sorted(defined - set(listed))]
        wrong += [f"{path.name}: {name} listed but missing" for name in listed if not hasattr(module, name)]
    assert wrong == []


def test_every_public_definition_of_a_public_module_says_what_it_is_for() -> None:
    """A docstring on every public class, function and method of the modules without a leading
    underscore: the next person reads why before reading how."""
    import ast

    missing = []
    for path in sorted((ROOT / "src" / "ipt_nb").rglob("*.py")):
        parts = path.relative_to(ROOT / "src" / "ipt_nb").parts
        if any(part.startswith("_") and part != "__init__.py" for part in parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        stack: list[tuple[str, list[ast.stmt]]] = [("", tree.body)]
        while stack:
            prefix, body = stack.pop()
            for node in body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    if node.name.startswith("_"):
                        continue
                    if not ast.get_docstring(node):
                        missing.append(f"{'/'.join(parts)}:{node.lineno} {prefix}{node.name}")
                    if isinstance(node, ast.ClassDef):
                        stack.append((f"{prefix}{node.name}.", node.body))
    assert missing == []


def test_the_notebooks_use_the_package_api_and_only_it() -> None:
    """Every kit name a casebook or form notebook imports comes from ``ipt_nb`` itself and is in its
    ``__all__``; every name listed there resolves."""
    import ast
    import json

    import ipt_nb

    wrong = []
    for path in sorted([*(ROOT / "casebook").glob("*.ipynb"), *(ROOT / "widgets").glob("*.ipynb")]):
        cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
        for node in ast.walk(ast.parse("\n".join("".join(c["source"]) for c in cells))):
            if isinstance(node, ast.Import):
                wrong += [f"{path.name}: import {a.name}" for a in node.names if a.name.startswith("ipt_nb")]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ipt_nb"):
                if node.module != "ipt_nb":
                    wrong.append(f"{path.name}: from {node.module}")
                wrong += [f"{path.name}: {a.name}" for a in node.names if a.name not in ipt_nb.__all__]
    assert wrong == []
    assert [name for name in ipt_nb.__all__ if getattr(ipt_nb, name, None) is None] == []


def test_importing_the_package_leaves_widgets_and_charts_until_they_are_used() -> None:
    """Every command line call imports ``ipt_nb``; the form and chart libraries load only on use,
    and the case model too (the app's server imports the package for its kernel manager alone)."""
    import subprocess
    import sys

    code = (
        "import sys, ipt_nb, ipt_nb._kernels\n"
        "heavy = ('ipywidgets', 'plotly', 'IPython', 'pydantic', 'ipt_nb.model')\n"
        "print([m for m in heavy if m in sys.modules])\n"
        "from ipt_nb import Case, Workbench, show\n"
        "print([m for m in heavy if m not in sys.modules])\n"
    )
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert lines.splitlines() == ["[]", "[]"]
