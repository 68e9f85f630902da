"""The classroom exercises: feedback on a problem area and on a trajectory, checked against the
case's own answer and outcome maths, and answers exported to disk."""

from __future__ import annotations

import json
from pathlib import Path

from ipt_nb import load_case
from ipt_nb.exercises import (
    Answers,
    ProblemAreaExercise,
    TrajectoryExercise,
    problem_area_feedback,
    trajectory_checks,
)

from .conftest import CASES


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
