"""What was known by a week of a case, and what stays hidden until the answer is revealed.

One rule for every teaching view (the supervision walkthrough, its handouts, the
class exercise's vignette, the circle drawn at a week), so that no view can give
away what the group is meant to work out:

- dated facts (sessions, scores, ratings, events, the termination plan) appear
  only from their week on;
- a dispute stage appears only once it was assessed: from the formulation's week,
  or an earlier session's ``stage``, else from the end of the initial phase;
- the problem areas, their rationales, the formulation's text and agreement, the
  teaching answer, plain-string questions and ``after_reveal`` questions appear
  only after reveal; a question mapping appears from its ``week``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Case, Formulation, Person, Question, Teaching

__all__ = [
    "ExpectedAnswer",
    "dispute_stage_at",
    "expected_answer",
    "hidden_texts",
    "known_case",
    "stage_assessed_from",
    "visible_questions",
]


@dataclass(frozen=True)
class ExpectedAnswer:
    """What a teaching view reveals and an exercise checks against: the teaching answer, each part
    falling back to the primary focus where the answer leaves it out."""

    area: str | None
    stage: str | None
    rationale: str


def expected_answer(case: Case) -> ExpectedAnswer:
    """The case's expected problem area, stage and rationale (``teaching.answer``, else the focus)."""
    answer = case.teaching.answer if case.teaching else None
    focus = case.primary_focus()
    return ExpectedAnswer(
        area=answer.problem_area if answer else (focus.area if focus else None),
        stage=(answer.stage if answer else None) or (focus.stage if focus else None),
        rationale=(answer.rationale if answer else None) or (focus.rationale if focus else None) or "",
    )


def stage_assessed_from(case: Case) -> int:
    """The first week a dispute stage was known: the formulation's week or an earlier session's
    ``stage``; without either, the end of the initial (assessment) phase."""
    weeks = [s.week for s in case.sessions if s.stage is not None]
    if case.formulation is not None and case.formulation.week is not None:
        weeks.append(case.formulation.week)
    return min(weeks, default=case.plan.phase_spans()["initial"][1])


def dispute_stage_at(case: Case, person: Person, week: int) -> str:
    """The person's dispute stage as known at ``week``: ``none`` before any stage was assessed, then
    the inventory's, updated by sessions' ``stage`` for people in a role-dispute focus."""
    if week < stage_assessed_from(case):
        return "none"
    stage = person.conflict
    disputed = {pid for f in case.problem_areas if f.area == "role_dispute" for pid in f.people}
    if person.id in disputed:
        for session in case.sessions:
            if session.week > week:
                break
            if session.stage is not None:
                stage = session.stage
    return stage


def visible_questions(case: Case, week: int, *, reveal: bool) -> list[str]:
    """The discussion questions a group may see at ``week``."""
    questions = case.teaching.discussion_questions if case.teaching else []
    shown = []
    for question in questions:
        if isinstance(question, str):
            if reveal:
                shown.append(question)
        elif question.week <= week and (reveal or not question.after_reveal):
            shown.append(question.text)
    return shown


def hidden_texts(case: Case) -> list[str]:
    """Every text of the case that must not be shown before reveal (for checks and tests)."""
    texts = [t for f in case.problem_areas for t in (f.rationale, f.revision_reason) if t]
    if case.formulation is not None and case.formulation.text:
        texts.append(case.formulation.text)
    teaching = case.teaching
    if teaching is not None:
        if teaching.answer is not None and teaching.answer.rationale:
            texts.append(teaching.answer.rationale)
        texts += [q if isinstance(q, str) else q.text for q in teaching.discussion_questions
                  if isinstance(q, str) or q.after_reveal]  # fmt: skip
    return texts


def known_case(case: Case, week: int, *, reveal: bool = False) -> Case:
    """A copy of ``case`` holding only what was known by ``week`` (and the answer only if ``reveal``).

    The copy is for display: it is not re-validated (a redacted case may lack the focus its
    formulation names), and every view given it shows nothing dated after ``week``.
    """
    people = [
        person.model_copy(update={"conflict": dispute_stage_at(case, person, week)}) for person in case.people
    ]
    acute = case.plan.acute_sessions
    termination_from = case.plan.phase_spans().get("termination", (acute, acute))[0]
    update: dict[str, object] = {
        "people": people,
        "sessions": [s for s in case.sessions if s.week <= week],
        "timeline": [e for e in case.timeline if e.week <= week],
        "medication": [m for m in case.medication if m.week <= week],
        "termination": case.termination if week >= termination_from else None,
    }
    recontracted = case.plan.recontracted_week
    if case.plan.extended_to is not None and recontracted is not None and week < recontracted:
        update["plan"] = case.plan.model_copy(update={"extended_to": None, "recontracted_week": None})
    if not reveal:
        formulation_week = case.formulation.week if case.formulation else None
        questions: list[str | Question] = [
            Question(text=t, week=0) for t in visible_questions(case, week, reveal=False)
        ]
        update |= {
            "problem_areas": [],
            "formulation": Formulation(week=formulation_week) if formulation_week is not None else None,
            "teaching": Teaching(discussion_questions=questions) if case.teaching else None,
        }
    return case.model_copy(update=update)
