"""Class answers: every attempt kept, the first committed, one file per student, read back safely."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ipt_nb import load_case
from ipt_nb.classroom import AnswerRecord, answer_file, class_results, hand_in, read_answers
from ipt_nb.errors import UsageError
from ipt_nb.exercises import HandIn, ProblemAreaExercise, TrajectoryExercise

from .conftest import CASES, ROOT


def choose(area: str, stage: str | None = None) -> dict[str, Any]:
    return {"kind": "problem_area", "problem_area": area, "stage": stage, "formulation": "", "elements": {}}


def test_every_attempt_is_kept_and_the_first_is_committed(tmp_path: Path) -> None:
    hand_in(tmp_path, "joy", "Robin", choose("role_transition"))
    record = hand_in(tmp_path, "joy", "Robin", choose("role_dispute", "impasse"))
    assert [a.number for a in record.attempts] == [1, 2]
    assert record.committed is not None and record.committed.problem_area == "role_transition"
    on_disk = AnswerRecord.model_validate_json(answer_file(tmp_path, "joy", "Robin").read_bytes())
    assert [a.problem_area for a in on_disk.attempts] == ["role_transition", "role_dispute"]
    assert on_disk.attempts[0].handed_in <= on_disk.attempts[1].handed_in


def test_two_students_never_share_a_file(tmp_path: Path) -> None:
    assert answer_file(tmp_path, "joy", "Ana") != answer_file(tmp_path, "joy", "ana")
    hand_in(tmp_path, "joy", "Ana", choose("grief"))
    hand_in(tmp_path, "joy", "ana", choose("role_dispute", "impasse"))
    records, _ = read_answers(tmp_path)
    assert sorted((r.student, r.committed.problem_area) for r in records) == [  # type: ignore[union-attr]
        ("Ana", "grief"),
        ("ana", "role_dispute"),
    ]


def test_a_pseudonym_and_a_chosen_folder_are_needed(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="pseudonym"):
        hand_in(tmp_path, "joy", "   ", choose("grief"))
    with pytest.raises(UsageError, match="does not exist"):
        hand_in(tmp_path / "missing", "joy", "Robin", choose("grief"))


def test_files_that_do_not_follow_the_schema_are_listed_not_fatal(tmp_path: Path) -> None:
    hand_in(tmp_path, "joy", "Robin", choose("grief"))
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "other.json").write_text(json.dumps({"schema": "something/9"}), encoding="utf-8")
    records, skipped = read_answers(tmp_path)
    assert [r.student for r in records] == ["Robin"]
    assert set(skipped) == {"broken.json", "other.json"}
    assert all("ipt-nb-answers/1" in why for why in skipped.values())


def test_class_results_count_first_choices_against_the_answer(tmp_path: Path) -> None:
    # three students: two choose the dispute first; one changes to it after feedback
    hand_in(tmp_path, "joy", "A", choose("role_dispute", "impasse"))
    hand_in(tmp_path, "joy", "B", choose("role_dispute", "renegotiation"))
    hand_in(tmp_path, "joy", "C", choose("role_transition"))
    hand_in(tmp_path, "joy", "C", choose("role_dispute", "impasse"))
    records, _ = read_answers(tmp_path, "joy")
    result = class_results(records, "role_dispute")
    assert result["first_choice"] == {"role_dispute": 2, "role_transition": 1}
    assert result["first_choice_correct"] == 2 and result["changed_after_feedback"] == 1
    assert result["stages"] == {"impasse": 1, "renegotiation": 1}
    assert result["attempts"] == {"A": 1, "B": 1, "C": 2}


def test_the_exercise_hands_in_before_it_gives_feedback(tmp_path: Path) -> None:
    case = load_case(CASES / "joy.yaml")
    desk = HandIn(case, tmp_path)
    exercise = ProblemAreaExercise(case, desk)
    exercise.area.value = "grief"
    assert exercise.check() is None and "Not handed in" in desk.status.value  # no pseudonym yet
    assert exercise.feedback.value == "" and list(tmp_path.iterdir()) == []
    desk.student.value = "Robin"
    assert exercise.check() is not None and "attempt 1" in desk.status.value
    exercise.area.value = "role_dispute"
    exercise.stage.value = "impasse"
    exercise.check()
    assert "attempt 2" in desk.status.value
    reading = TrajectoryExercise(case, exercise.answers, desk)
    reading.response.value = "10"
    reading.check()
    (record,) = read_answers(tmp_path)[0]
    assert [a.kind for a in record.attempts] == ["problem_area", "problem_area", "trajectory"]
    assert record.committed.problem_area == "grief"  # type: ignore[union-attr]
    assert record.first("trajectory").trajectory[0].given == 10  # type: ignore[union-attr]


def _student(folder: str, name: str, areas: list[str]) -> None:
    for area in areas:
        hand_in(folder, "joy", name, choose(area, "impasse" if area == "role_dispute" else None))


def test_a_class_handing_in_at_once_loses_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    plans = {f"student-{n}": ["grief", "role_dispute"] if n % 3 == 0 else ["role_dispute"] for n in range(12)}
    workers = [context.Process(target=_student, args=(str(tmp_path), s, a)) for s, a in plans.items()]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    records, skipped = read_answers(tmp_path)
    assert skipped == {} and len(records) == 12
    assert {r.student: [a.problem_area for a in r.attempts] for r in records} == plans


def test_the_cli_prints_the_schema_and_the_results(tmp_path: Path) -> None:
    hand_in(tmp_path, "joy", "A", choose("role_dispute", "impasse"))
    hand_in(tmp_path, "joy", "B", choose("grief"))

    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "ipt_nb", "class", *argv]
        return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)

    schema = json.loads(cli("schema").stdout)
    assert schema["title"] == "ipt-nb class answers" and "attempts" in schema["properties"]
    results = json.loads(cli("results", str(tmp_path), "--json").stdout)
    joy = results["cases"]["joy"]
    assert joy["answer"] == "role_dispute" and joy["first_choice"] == {"grief": 1, "role_dispute": 1}
    assert joy["first_choice_correct"] == 1


def test_class_init_makes_a_working_folder_and_never_overwrites(tmp_path: Path) -> None:
    from ipt_nb.cli import main

    folder = tmp_path / "class"
    assert main(["class", "init", str(folder), "--case", str(CASES / "joy.yaml")]) == 0
    assert (folder / "exercise_problem_area.ipynb").is_file() and (folder / "answers").is_dir()
    assert (folder / "cases" / "joy.yaml").read_bytes() == (CASES / "joy.yaml").read_bytes()
    notebook = json.loads((folder / "exercise_problem_area.ipynb").read_text(encoding="utf-8"))
    parameters = next(c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", []))
    assert '"cases/joy.yaml"' in "".join(parameters["source"])  # runs from the working folder
    assert main(["class", "init", str(folder), "--case", str(CASES / "joy.yaml")]) == 2


def test_a_case_without_scores_has_no_trajectory_to_read() -> None:
    from ipt_nb.exercises import trajectory_checks
    from ipt_nb.model import Case

    data = load_case(CASES / "joy.yaml").model_dump(mode="json", exclude_unset=True)
    case = Case.model_validate({**data, "sessions": []})
    assert trajectory_checks(case, None, None, None) == []
    reading = TrajectoryExercise(case)
    assert reading.check() == [] and "no scores yet" in reading.feedback.value
