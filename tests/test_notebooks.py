"""The casebook notebooks: golden files match their templates, papermill runs them with any case,
bad parameters fail in the first cell, and the walkthrough never shows the future."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import papermill
import pytest

from ipt_nb import load_case
from ipt_nb.exercises import (
    Answers,
    ProblemAreaExercise,
    TrajectoryExercise,
    problem_area_feedback,
    trajectory_checks,
)
from ipt_nb.walkthrough import Walkthrough

from .conftest import CASES, ROOT, SAMPLE_IDS
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


def test_walkthrough_at_week_6_shows_nothing_from_week_7_on() -> None:
    for case_id in SAMPLE_IDS:
        case = load_case(CASES / f"{case_id}.yaml")
        walk = Walkthrough(case, week=6)
        state = walk.state()
        assert max(s.week for s in state.sessions) == 6
        assert all(e.week <= 6 for e in state.events)
        for name, fig in walk.figures().items():
            for trace in fig.to_dict()["data"]:
                xs = [x for x in trace.get("x", []) if x is not None]
                if name == "trajectory":
                    assert all(x <= 6 for x in xs), trace["name"]
        html = walk.week_html()
        later_notes = [s.note for s in case.sessions if s.week > 6 and s.note]
        assert not any(note in html for note in later_notes)
        later_events = [e.text for e in case.timeline if e.week > 6 and e.text]
        assert not any(text in html for text in later_events)
        assert "Problem area:" not in html and case.formulation.text not in html  # type: ignore[union-attr]


def test_walkthrough_circle_uses_the_ratings_known_at_that_week() -> None:
    case = load_case(CASES / "amara.yaml")
    walk = Walkthrough(case, week=5)
    circle = walk.figures()["circle"].to_dict()
    shown = {pid for t in circle["data"][1:] for pid in (t.get("customdata") or [])}
    assert shown == {p.id for p in case.people}
    newcomer = next(p for p in case.people if p.ring is None)
    first_rating = min(s.week for s in case.sessions if newcomer.id in s.ratings)
    assert case.rating_at(newcomer.id, 5).ring is None and first_rating > 5


def test_golden_supervision_handout_holds_no_later_scores() -> None:
    book = nbformat.read(GOLDEN / "supervision-tobias.ipynb", as_version=4)
    handout = book.cells[-1]
    figure = next(o for o in handout.outputs if "application/vnd.plotly.v1+json" in o.get("data", {}))
    xs = [x for t in figure["data"]["application/vnd.plotly.v1+json"]["data"] for x in t.get("x", [])]
    assert xs and max(xs) == 6
    assert "hidden" in outputs_text(book) and "Problem area: Interpersonal deficits" not in outputs_text(book)


def test_walkthrough_widget_steps_and_reveals() -> None:
    walk = Walkthrough(load_case(CASES / "joy.yaml"), week=3)
    box = walk.widget()
    _, controls, revealed, *_ = box.children
    previous, slider, following, reveal, _ = controls.children
    following.click()
    assert slider.value == 4 and walk.week == 4
    previous.click()
    previous.click()
    assert walk.week == 2
    slider.value = 99
    assert walk.week == slider.max == 22
    assert "Role dispute (impasse)" not in str(revealed.outputs)
    reveal.value = True
    assert "Role dispute (impasse)" in str(revealed.outputs)


def test_problem_area_exercise_gives_feedback_and_exports(tmp_path: Path) -> None:
    case = load_case(CASES / "joy.yaml")
    exercise = ProblemAreaExercise(case)
    exercise.submit.click()
    assert "Choose a problem area" in exercise.message.value
    exercise.area.value = "role_dispute"
    assert exercise.stage.disabled is False
    exercise.stage.value = "renegotiation"
    exercise.text.value = case.formulation.text  # type: ignore[union-attr]
    result = exercise.check()
    assert result is not None and result.area_correct and result.stage_correct is False
    assert all(result.elements.values())
    path = exercise.answers.export(tmp_path / "answers.json")
    saved = json.loads(path.read_text())
    assert saved["case_id"] == "joy" and saved["problem_area"]["area"] == "role_dispute"


def test_wrong_area_is_explained() -> None:
    case = load_case(CASES / "tobias.yaml")
    feedback = problem_area_feedback(case, "grief", None, "You seem sad.")
    assert not feedback.area_correct and feedback.expected_area == "interpersonal_deficits"
    assert "death" in feedback.html() and not any(feedback.elements.values())


def test_trajectory_exercise_checks_against_the_outcomes() -> None:
    case = load_case(CASES / "tobias.yaml")
    exercise = TrajectoryExercise(case, Answers("tobias"))
    exercise.response.value, exercise.remission.value, exercise.off_track.value = "15", "", "6"
    checks = exercise.check()
    assert [c.correct for c in checks] == [True, True, True]
    assert [c.expected for c in trajectory_checks(case, None, None, None)] == [15, None, 6]
    exercise.response.value = "12"
    assert exercise.check()[0].correct is False and "the maths says 15" in exercise.feedback.value
