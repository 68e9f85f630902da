"""Class exercises on a case: choose the problem area and formulate; read the trajectory.

Students commit to an answer before seeing the rationale. Feedback compares
the choice with the case's ``teaching.answer`` and the catalogue's criteria,
and the formulation text with the six formulation elements. Answers can be
exported as JSON for the educator.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from . import classroom
from ._html import Safe, block, bullet_list, table, tag
from .casefile import atomic_write
from .catalog import PROBLEM_AREAS
from .disclosure import expected_answer, known_case
from .errors import IptNbError
from .formulation import ELEMENTS, covered_elements
from .model import Case
from .outcomes import main_measure, summarize

__all__ = [
    "INSTRUCTIONS",
    "NOT_CHOSEN",
    "Answers",
    "HandIn",
    "ProblemAreaExercise",
    "ProblemAreaFeedback",
    "TrajectoryCheck",
    "TrajectoryExercise",
    "export_widget",
    "instructions",
    "problem_area_feedback",
    "trajectory_checks",
    "vignette_html",
]

NOT_CHOSEN = ""


@dataclass
class ProblemAreaFeedback:
    """The feedback on a student's choice of problem area."""

    chosen_area: str
    chosen_stage: str | None
    expected_area: str | None
    expected_stage: str | None
    area_correct: bool
    stage_correct: bool | None
    elements: dict[str, bool]
    rationale: str

    def html(self) -> Safe:
        """The feedback as escaped HTML."""
        verdict = "Matches the case's answer." if self.area_correct else "Differs from the case's answer."
        expected = PROBLEM_AREAS[self.expected_area].label if self.expected_area else "not recorded"
        parts: list[object] = [tag("h3", verdict), tag("p", f"Case answer: {expected}")]
        if self.stage_correct is not None:
            parts.append(
                tag(
                    "p",
                    f"Dispute stage: {'right' if self.stage_correct else 'different'} "
                    f"(answer: {self.expected_stage})",
                )
            )
        if self.chosen_area in PROBLEM_AREAS:
            area = PROBLEM_AREAS[self.chosen_area]
            parts += [tag("p", f"{area.label} fits when {area.choose_when}; not when {area.not_when}.")]
        parts += [tag("p", self.rationale, cls="ipt-quote")]
        rows = [
            (f"{e.id} {e.name}", "yes" if self.elements[e.id] else "missing", e.looks_for) for e in ELEMENTS
        ]
        parts += [tag("h3", "Your formulation covers"), table(["element", "covered", "looked for"], rows)]
        return block(*parts)


def problem_area_feedback(
    case: Case, area: str, stage: str | None, formulation_text: str
) -> ProblemAreaFeedback:
    """Compare a student's problem-area choice with the case's expected answer."""
    expected = expected_answer(case)
    stage_correct = None
    if expected.area == "role_dispute" and area == "role_dispute":
        stage_correct = stage == expected.stage
    return ProblemAreaFeedback(
        chosen_area=area,
        chosen_stage=stage,
        expected_area=expected.area,
        expected_stage=expected.stage,
        area_correct=area == expected.area,
        stage_correct=stage_correct,
        elements=covered_elements(formulation_text, case),
        rationale=expected.rationale,
    )


@dataclass
class TrajectoryCheck:
    """A student's reading of the trajectory (response, remission weeks) against the kit's."""

    question: str
    given: int | None
    expected: int | None

    @property
    def correct(self) -> bool:
        """Whether every part of the reading matches."""
        return self.given == self.expected


def trajectory_checks(
    case: Case, response_week: int | None, remission_week: int | None, first_alert_week: int | None
) -> list[TrajectoryCheck]:
    """The student's weeks against the outcome maths (primary measure: PHQ-9 when present)."""
    summary = summarize(case)
    measure = main_measure(summary.measures)
    if measure is None:
        return []  # no scores yet: nothing to read
    outcome = summary.measures[measure]
    not_on_track = [a.week for a in summary.alerts if a.id.startswith(("A2", "A3", "A4"))]
    name = outcome.name
    return [
        TrajectoryCheck(f"First week of response on {name}", response_week, outcome.response_week),
        TrajectoryCheck(f"First week of remission on {name}", remission_week, outcome.remission_week),
        TrajectoryCheck(
            "First week the case went off track", first_alert_week, min(not_on_track, default=None)
        ),
    ]


def vignette_html(case: Case) -> Safe:
    """The case as a student first meets it, at intake: no problem area, rationale, formulation or
    dispute stage (:func:`ipt_nb.disclosure.known_case` at week 0)."""
    case = known_case(case, 0)
    people = [
        (p.label, p.relationship.replace("_", " "), p.status, "; ".join(p.unsatisfying) or "-")
        for p in case.people
    ]
    events = [
        f"week {e.week}: {e.kind.replace('_', ' ')}" + (f" - {e.text}" if e.text else "")
        for e in case.timeline
        if e.week <= 0
    ]
    onset = case.episode.onset_week if case.episode else None
    intake = case.session(0)
    scores = "; ".join(f"{m} {s.score}" for m, s in intake.measures.items()) if intake else "not recorded"
    return block(
        tag("h2", f"Vignette: {case.patient.label}"),
        tag("p", case.patient.presenting_problem or "", cls="ipt-quote"),
        tag("p", f"Diagnosis: {case.diagnosis.label}. Intake scores: {scores}."),
        tag("p", f"Episode onset: week {onset}." if onset is not None else "Episode onset not recorded."),
        tag("h3", "People"),
        table(["person", "relationship", "status", "unsatisfying"], people),
        tag("h3", "Events before intake"),
        bullet_list(events or ["none recorded"]),
    )


@dataclass
class Answers:
    """What a student answered, for the educator."""

    case_id: str
    problem_area: dict[str, Any] = field(default_factory=dict)
    trajectory: list[dict[str, Any]] = field(default_factory=list)

    def export(self, path: str | Path) -> Path:
        """Write the answers so far to the class's answers folder (one file per student, replaced
        atomically)."""
        path = Path(path)
        atomic_write(path, (json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        return path


class HandIn:
    """The student's pseudonym and where answers go: every Submit and Check is kept as an attempt.

    ``folder`` is the educator's answers folder (the notebook's ``answers_dir``); without one the
    exercise still gives feedback and says that nothing is kept.
    """

    def __init__(self, case: Case, folder: str | Path | None) -> None:
        self.case = case
        self.folder = Path(folder) if folder else None
        self.student = widgets.Text(
            description="Your name", placeholder="a name or pseudonym (need not be your real name)"
        )
        self.status = widgets.HTML(
            "" if self.folder else "<i>No answers folder is set: feedback only, nothing is kept.</i>"
        )

    def keep(self, attempt: dict[str, Any]) -> bool:
        """Hand in one attempt; ``False`` (with the reason shown) when it could not be kept."""
        if self.folder is None:
            return True
        try:
            record = classroom.hand_in(self.folder, self.case.id, self.student.value, attempt)
        except IptNbError as exc:
            self.status.value = f"<b>Not handed in:</b> {html.escape(str(exc))}"
            return False
        count = len(record.of_kind(attempt.get("kind", "problem_area")))
        first = " (your first attempt is the one counted as committed)" if count > 1 else ""
        self.status.value = f"Handed in: attempt {count}{first}."
        return True

    def widget(self) -> widgets.VBox:
        """The name field and the Hand in button."""
        return widgets.VBox([self.student, self.status])


class ProblemAreaExercise:
    """Widgets: choose the area (and a dispute's stage), write a formulation, submit for feedback."""

    def __init__(self, case: Case, hand_in: HandIn | None = None) -> None:
        self.case = case
        self.hand_in = hand_in
        self.answers = Answers(case.id)
        choices = [("choose...", NOT_CHOSEN), *((a.label, a.id) for a in PROBLEM_AREAS.values())]
        self.area = widgets.Dropdown(options=choices, value=NOT_CHOSEN, description="Problem area")
        self.stage = widgets.Dropdown(
            options=[
                ("-", None),
                ("renegotiation", "renegotiation"),
                ("impasse", "impasse"),
                ("dissolution", "dissolution"),
            ],
            description="Stage",
            disabled=True,
        )
        self.text = widgets.Textarea(
            placeholder="Your formulation, as you would say it to the patient",
            layout=widgets.Layout(width="100%", height="8em"),
        )
        self.submit = widgets.Button(description="Submit", button_style="primary")
        self.message = widgets.HTML()
        self.feedback = widgets.HTML()
        self.area.observe(
            lambda _: setattr(self.stage, "disabled", self.area.value != "role_dispute"), "value"
        )
        self.submit.on_click(lambda _: self.check())

    def check(self) -> ProblemAreaFeedback | None:
        """Check the chosen area and record the attempt."""
        if self.area.value == NOT_CHOSEN:
            self.message.value = "<b>Choose a problem area first.</b>"
            return None
        stage = self.stage.value if self.area.value == "role_dispute" else None
        result = problem_area_feedback(self.case, self.area.value, stage, self.text.value)
        attempt = {
            "kind": "problem_area",
            "problem_area": self.area.value,
            "stage": stage,
            "formulation": self.text.value,
            "area_correct": result.area_correct,
            "elements": result.elements,
        }
        if self.hand_in is not None and not self.hand_in.keep(attempt):
            self.message.value = "<b>Your answer was not handed in; see above. No feedback yet.</b>"
            return None  # feedback only once the committed answer is kept
        self.message.value = ""
        self.answers.problem_area = {
            "area": self.area.value,
            "stage": stage,
            "formulation": self.text.value,
            "area_correct": result.area_correct,
            "elements": result.elements,
        }
        self.feedback.value = str(result.html())
        return result

    def widget(self) -> widgets.VBox:
        """The exercise: the case so far, the choice, Check and the feedback."""
        return widgets.VBox([self.area, self.stage, self.text, self.submit, self.message, self.feedback])


class TrajectoryExercise:
    """Widgets: at which week did the patient respond, remit, go off track? Checked against the maths."""

    def __init__(self, case: Case, answers: Answers | None = None, hand_in: HandIn | None = None) -> None:
        self.case = case
        self.hand_in = hand_in
        self.answers = answers or Answers(case.id)
        style = {"description_width": "16em"}
        self.response = widgets.Text(description="Response week (blank: never)", style=style)
        self.remission = widgets.Text(description="Remission week (blank: never)", style=style)
        self.off_track = widgets.Text(description="Off-track week (blank: never)", style=style)
        self.submit = widgets.Button(description="Check", button_style="primary")
        self.feedback = widgets.HTML()
        self.submit.on_click(lambda _: self.check())

    @staticmethod
    def _week(text: str) -> int | None:
        text = text.strip()
        return int(text) if text.lstrip("-").isdigit() else None

    def check(self) -> list[TrajectoryCheck]:
        """Check the reading and record the attempt."""
        checks = trajectory_checks(
            self.case,
            self._week(self.response.value),
            self._week(self.remission.value),
            self._week(self.off_track.value),
        )
        if not checks:
            self.feedback.value = "<i>This case has no scores yet: there is no trajectory to read.</i>"
            return checks
        self.answers.trajectory = [{**asdict(c), "correct": c.correct} for c in checks]
        if self.hand_in is not None and not self.hand_in.keep(
            {"kind": "trajectory", "trajectory": self.answers.trajectory}
        ):
            self.feedback.value = "<b>Not handed in; see above. No feedback yet.</b>"
            return checks
        rows = [
            (
                c.question,
                c.given if c.given is not None else "never",
                "right"
                if c.correct
                else f"the maths says {c.expected if c.expected is not None else 'never'}",
            )
            for c in checks
        ]
        self.feedback.value = str(block(table(["question", "your answer", "check"], rows)))
        return checks

    def widget(self) -> widgets.VBox:
        """The exercise: the chart, the questions, Check and the feedback."""
        return widgets.VBox([self.response, self.remission, self.off_track, self.submit, self.feedback])


INSTRUCTIONS = (
    "1. Read the vignette. 2. Choose the problem area (and the stage, for a dispute) and write a short "
    "formulation. 3. Submit: the feedback compares your answer with the case and the catalogue."
)


def instructions() -> Safe:
    """What the student is asked to do, as HTML."""
    return block(tag("p", INSTRUCTIONS))


def export_widget(answers: Answers, default: str | None = None) -> widgets.HBox:
    """A file name and an Export button that writes the answers as JSON."""
    name = widgets.Text(value=default or f"answers-{answers.case_id}.json", description="File")
    button = widgets.Button(description="Export answers", icon="download")
    status = widgets.HTML()

    def export(_: object) -> None:
        path = answers.export(name.value)
        status.value = f"saved to {html.escape(str(path))}"

    button.on_click(export)
    return widgets.HBox([name, button, status])
