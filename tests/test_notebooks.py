"""The casebook notebooks: golden files match their templates, papermill runs them with any case,
bad parameters fail in the first cell, and the walkthrough's handout never shows the future."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import papermill
import pytest

from ipt_nb import load_case

from .conftest import CASES, ROOT
from .make_golden import jobs

CASEBOOK = ROOT / "casebook"
GOLDEN = ROOT / "tests" / "golden"
TEMPLATES = sorted(CASEBOOK.glob("*.ipynb"))


def sources(path: Path) -> list[str]:
    book = nbformat.read(path, as_version=4)
    return [c.source for c in book.cells if "injected-parameters" not in c.metadata.get("tags", [])]


@pytest.mark.parametrize("template, name, parameters", jobs(), ids=[j[1] for j in jobs()])
def test_golden_notebook_cells_match_their_template(
    template: str, name: str, parameters: dict[str, object]
) -> None:
    golden = GOLDEN / name
    assert golden.exists(), f"{name} is missing: run make golden"
    assert sources(golden) == sources(CASEBOOK / f"{template}.ipynb"), f"{name} drifted: run make golden"
    book = nbformat.read(golden, as_version=4)
    injected = [c for c in book.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and all(key in injected[0].source for key in parameters)


def test_golden_notebooks_are_small_and_hold_no_widget_state() -> None:
    files = list(GOLDEN.glob("*.ipynb"))
    assert sum(f.stat().st_size for f in files) < 5 * 1024 * 1024
    for path in files:
        book = json.loads(path.read_text())
        assert "widgets" not in book["metadata"] and "papermill" not in book["metadata"]
        assert any(c.get("outputs") for c in book["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.stem for t in TEMPLATES])
def test_templates_are_committed_without_outputs(template: Path) -> None:
    book = nbformat.read(template, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "check_parameters(globals()" in code[1].source


def run(template: str, tmp_path: Path, **parameters: object) -> nbformat.NotebookNode:
    output = tmp_path / f"{template}-out.ipynb"
    papermill.execute_notebook(
        CASEBOOK / f"{template}.ipynb", output, parameters=parameters, cwd=tmp_path, progress_bar=False,
        kernel_name="python3",
    )  # fmt: skip
    return nbformat.read(output, as_version=4)


def outputs_text(book: nbformat.NotebookNode) -> str:
    return json.dumps([c.get("outputs", []) for c in book.cells])


@pytest.mark.slow
def test_report_runs_for_a_case_the_casebook_has_never_seen(tmp_path: Path) -> None:
    data = load_case(CASES / "joy.yaml").model_dump(mode="json", exclude_unset=True)
    data.update(id="newcomer", title="Newcomer: an unseen case")
    data["patient"]["label"] = "Nadia <b>not bold</b>"
    from ipt_nb import Case, save_case

    case_file = save_case(Case.model_validate(data), tmp_path / "newcomer.yaml")
    book = run("report", tmp_path, case_path=str(case_file))
    text = outputs_text(book)
    assert "Newcomer: an unseen case" in text
    assert "Nadia &lt;b&gt;not bold&lt;/b&gt;" in text and "Nadia <b>" not in text
    assert "application/vnd.plotly.v1+json" in text


@pytest.mark.slow
def test_a_missing_case_path_fails_in_the_first_cell_naming_it(tmp_path: Path) -> None:
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        run("report", tmp_path, case_path="missing.yaml")
    assert "check_parameters(globals()" in caught.value.source  # the first cell after the parameters
    assert "parameter case_path: no case file at 'missing.yaml'" in str(caught.value)


@pytest.mark.slow
def test_unknown_parameters_are_an_error(tmp_path: Path) -> None:
    shutil.copy(CASES / "joy.yaml", tmp_path / "joy.yaml")
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        run("supervision", tmp_path, case_path="joy.yaml", wek=6)
    assert "unknown parameter(s) 'wek'" in str(caught.value)


def test_golden_supervision_handout_holds_no_later_scores() -> None:
    book = nbformat.read(GOLDEN / "supervision-tobias.ipynb", as_version=4)
    handout = book.cells[-1]
    figure = next(o for o in handout.outputs if "application/vnd.plotly.v1+json" in o.get("data", {}))
    xs = [x for t in figure["data"]["application/vnd.plotly.v1+json"]["data"] for x in t.get("x", [])]
    assert xs and max(xs) == 6
    assert "hidden" in outputs_text(book) and "Problem area: Interpersonal deficits" not in outputs_text(book)
