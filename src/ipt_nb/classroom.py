"""Class answers that are kept: one JSON file per student and case, every attempt, the first committed.

A student hands in an answer to the problem-area exercise (and the trajectory
reading) under a name or pseudonym they type; nothing requires a real name.
Each hand-in is an :class:`Attempt` appended to the student's
:class:`AnswerRecord` for that case, so a student who saw the feedback and
tried again is still recorded with what they chose first (the exercise asks
them to commit before looking anything up). Files are written atomically, under
the folder lock that case saves use, into a folder the educator chose; two
students never share a file. :func:`read_answers` and :func:`class_results`
read a folder back, listing files that do not follow the schema instead of
failing on them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ._filelock import folder_locked
from ._messages import first_problem
from .casefile import atomic_write
from .catalog import PROBLEM_AREAS, DisputeStage, ProblemAreaId
from .errors import SaveError, UsageError
from .formulation import ELEMENTS

__all__ = [
    "CLASS_POOL",
    "SCHEMA_ID",
    "AnswerRecord",
    "Attempt",
    "Pseudonym",
    "TrajectoryAnswer",
    "answer_file",
    "answer_schema",
    "area_name",
    "class_results",
    "hand_in",
    "read_answers",
    "schema_text",
]

SCHEMA_ID: Literal["ipt-nb-answers/1"] = "ipt-nb-answers/1"
CLASS_POOL = 2
"""Kernels ``ipt-nb class serve`` keeps ready per case: each holds about 120 MB, so the default
suits a laptop; the class size gives the fastest start."""
Pseudonym = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrajectoryAnswer(_Strict):
    """A student's reading of the trajectory, as handed in."""

    question: str
    given: int | None
    expected: int | None
    correct: bool


class Attempt(_Strict):
    """One hand-in: what the student chose and wrote, and how it compared with the case."""

    number: Annotated[int, Field(ge=1)]
    handed_in: datetime
    """When it was handed in (UTC)."""
    kind: Literal["problem_area", "trajectory"] = "problem_area"
    """The problem-area choice (with its formulation) or the trajectory reading."""
    problem_area: ProblemAreaId | None = None
    stage: DisputeStage | None = None
    formulation: Annotated[str, Field(max_length=20_000)] = ""
    area_correct: bool | None = None
    elements: dict[str, bool] = {}
    """Formulation elements F1-F6 the text covers."""
    trajectory: list[TrajectoryAnswer] = []


class AnswerRecord(_Strict):
    """Every attempt of one student at one case; the first is the committed answer."""

    model_config = ConfigDict(extra="forbid", title="ipt-nb class answers")

    schema_: Literal["ipt-nb-answers/1"] = Field(default=SCHEMA_ID, alias="schema")
    case_id: str
    student: Pseudonym
    """A name or pseudonym the student typed; never required to be a real name."""
    attempts: list[Attempt] = []

    @property
    def committed(self) -> Attempt | None:
        """The first problem-area attempt: the answer committed to before any feedback."""
        return self.first("problem_area")

    def first(self, kind: str) -> Attempt | None:
        """The student's first attempt, or ``None``."""
        return next((a for a in self.attempts if a.kind == kind), None)

    def of_kind(self, kind: str) -> list[Attempt]:
        """The attempts of one exercise kind, in order."""
        return [a for a in self.attempts if a.kind == kind]

    def dumps(self) -> str:
        """The record as the JSON file written to the answers folder."""
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


def answer_schema() -> dict[str, Any]:
    """The JSON Schema of an answer file (``ipt-nb class schema``)."""
    schema = AnswerRecord.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://ipt-nb.invalid/schema/ipt-nb-answers-1.json"
    return schema


def answer_file(folder: Path, case_id: str, student: str) -> Path:
    """The student's file for a case: a readable slug plus a hash of the exact pseudonym, so that
    "Ana" and "ana" (or two pseudonyms with the same slug) never share a file."""
    slug = re.sub(r"[^a-z0-9]+", "-", student.lower()).strip("-")[:24] or "student"
    digest = hashlib.sha256(student.encode("utf-8")).hexdigest()[:8]
    return folder / f"{case_id}--{slug}-{digest}.json"


def hand_in(folder: str | Path, case_id: str, student: str, attempt: dict[str, Any]) -> AnswerRecord:
    """Append an attempt to the student's record in ``folder`` and write it atomically.

    The attempt's number and time are set here. Raises ``UsageError`` for a missing pseudonym or
    folder, ``SaveError`` when the disk refuses (nothing is replaced then).
    """
    folder = Path(folder)
    student = student.strip()
    if not student:
        raise UsageError("type a name or pseudonym first (it need not be your real name)")
    if not folder.is_dir():
        raise UsageError(f"the answers folder {folder} does not exist; the educator chooses it")
    if len(student) > 40:
        raise UsageError("a name or pseudonym of at most 40 characters, please")
    path = answer_file(folder, case_id, student)
    try:
        checked = Attempt.model_validate({**attempt, "number": 1, "handed_in": datetime.now(UTC)})
    except ValidationError as exc:
        raise UsageError(f"this answer cannot be handed in: {first_problem(exc)}") from exc
    try:
        return _append(path, case_id, student, checked)
    except OSError as exc:
        raise SaveError(path, exc.strerror or str(exc)) from exc


def _append(path: Path, case_id: str, student: str, attempt: Attempt) -> AnswerRecord:
    with folder_locked(path):
        record = _existing(path) or AnswerRecord(case_id=case_id, student=student)
        record.attempts.append(attempt.model_copy(update={"number": len(record.attempts) + 1}))
        atomic_write(path, record.dumps().encode("utf-8"))
    return record


def _existing(path: Path) -> AnswerRecord | None:
    if not path.exists():
        return None
    try:
        return AnswerRecord.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise SaveError(path, f"the existing answer file does not follow {SCHEMA_ID}; move it aside") from exc


def read_answers(folder: str | Path, case_id: str | None = None) -> tuple[list[AnswerRecord], dict[str, str]]:
    """Every answer record in ``folder`` (of one case, if given), and the files skipped with why."""
    records: list[AnswerRecord] = []
    skipped: dict[str, str] = {}
    for path in sorted(Path(folder).glob("*.json")):
        try:
            record = AnswerRecord.model_validate_json(path.read_bytes())
        except OSError as exc:
            skipped[path.name] = f"cannot be read: {exc.strerror or exc}"
            continue
        except ValidationError as exc:
            skipped[path.name] = f"not an {SCHEMA_ID} file: {first_problem(exc)}"
            continue
        if case_id is None or record.case_id == case_id:
            records.append(record)
    return records, skipped


def class_results(records: list[AnswerRecord], answer: str | None = None) -> dict[str, Any]:
    """What the class chose first, against the teaching ``answer``; elements, readings, attempts."""
    committed = [a for r in records if (a := r.committed) is not None]
    first_choice = Counter(a.problem_area or "none" for a in committed)
    readings = [t for r in records if (a := r.first("trajectory")) is not None for t in a.trajectory]
    return {
        "students": len(records),
        "handed_in": len(committed),
        "answer": answer,
        "first_choice": dict(sorted(first_choice.items())),
        "first_choice_correct": sum(1 for a in committed if answer and a.problem_area == answer),
        "stages": dict(sorted(Counter(a.stage for a in committed if a.stage).items())),
        "elements": {e.id: sum(1 for a in committed if a.elements.get(e.id)) for e in ELEMENTS},
        "trajectory_correct": sum(1 for t in readings if t.correct),
        "trajectory_answers": len(readings),
        "attempts": {r.student: len(r.of_kind("problem_area")) for r in records},
        "changed_after_feedback": sum(1 for r in records if _changed(r.of_kind("problem_area"))),
    }


def _changed(attempts: list[Attempt]) -> bool:
    return len(attempts) > 1 and attempts[-1].problem_area != attempts[0].problem_area


def area_name(area: str) -> str:
    """A problem area's display name (its id when unknown)."""
    return PROBLEM_AREAS[area].label if area in PROBLEM_AREAS else area


def schema_text() -> str:
    """The JSON Schema of an answers file, as indented text."""
    return json.dumps(answer_schema(), indent=2) + "\n"
