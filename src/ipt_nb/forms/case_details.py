"""The rest of the case in one form: title, patient, diagnosis, plan, episode, timeline,
medication, termination and teaching, with the same save rules as every other form.

Without it these could only be edited in the YAML, and the role-transition evidence, which needs
the episode's onset and the timeline, could never appear in the app.
"""

from __future__ import annotations

import typing

import ipywidgets as widgets

from ..catalog import DISPUTE_STAGES, MEDICATION_CHANGES, PHASES, PROBLEM_AREAS
from ..model import EventKind
from ._fields import Column, Fields
from .state import FormState

__all__ = ["EVENT", "MEDICATION", "QUESTION", "CaseDetailsForm"]


def _choices(values: typing.Iterable[str], *, optional: bool = False) -> list[tuple[str, object]]:
    shown: list[tuple[str, object]] = [(v.replace("_", " "), v) for v in values]
    return [("-", None), *shown] if optional else shown


MOODS = [("-", None), *((f"{n:+d}" if n else "0", n) for n in range(-3, 4))]
EVENT = (
    Column("week", "week", kind="number", noun="event"),
    Column("kind", "kind", _choices(sorted(typing.get_args(EventKind), key=lambda k: k != "other"))),
    Column("text", "what happened", placeholder="in a few words"),
    Column("people", "people (ids)", kind="ids", placeholder="e.g. laura, ben"),
    Column("mood", "mood", MOODS),
)
MEDICATION = (
    Column("week", "week", kind="number", noun="medication change"),
    Column("change", "change", _choices(MEDICATION_CHANGES)),
    Column("text", "detail", placeholder="e.g. sertraline 50 mg"),
)
QUESTION = (
    Column("text", "question", placeholder="a question for the group", noun="question"),
    Column("week", "shown from week", kind="number"),
    Column("after_reveal", "only after the answer is revealed", kind="flag"),
)
MAINTENANCE = _choices(["none", "monthly", "biweekly", "weekly"])
STAGES = _choices(DISPUTE_STAGES, optional=True)


class CaseDetailsForm:
    """Every part of the case that the other four forms do not edit."""

    def __init__(self, state: FormState) -> None:
        self.state = state
        self.fields = Fields(state)
        self.body = widgets.VBox()
        self.undo = widgets.Button(description="Undo", icon="undo", disabled=True)
        self.undo.on_click(self._undo)
        self.rebuild()

    def _undo(self, _: object = None) -> None:
        """Take back the last Add or Remove (or any other form's structural edit)."""
        self.state.undo()
        self.rebuild()

    def rebuild(self) -> None:
        """Re-create the fields from the state (after Add, Remove, undo or a reload from disk)."""
        f = self.fields
        f.rows.clear()
        heading = widgets.HTML
        parts: list[widgets.Widget] = [
            heading("<b>Case</b>"),
            f.text(("title",), "title").box,
            f.text(("patient", "label"), "patient (pseudonym)").box,
            f.number(("patient", "age"), "age").box,
            f.text(("patient", "age_band"), "age band (e.g. 30-39)").box,
            f.text(("patient", "gender"), "gender").box,
            f.text(("patient", "occupation"), "occupation").box,
            f.text(("patient", "presenting_problem"), "presenting problem", multiline=True).box,
            f.text(("diagnosis", "label"), "diagnosis").box,
            f.text(("diagnosis", "system"), "diagnostic system").box,
            f.text(("diagnosis", "code"), "code").box,
            heading("<b>Plan</b>"),
            f.number(("plan", "sessions"), "acute sessions").box,
            f.numbers(("plan", "follow_up_weeks"), "follow-up weeks").box,
            f.choice(("plan", "maintenance"), "maintenance", MAINTENANCE).box,
            *(
                f.numbers(("plan", "phases", phase), f"{phase} phase: first, last week").box
                for phase in PHASES
            ),
            f.number(("plan", "extended_to"), "re-contracted to (sessions)").box,
            f.number(("plan", "recontracted_week"), "re-contracted in week").box,
            heading("<b>Episode</b>"),
            f.number(("episode", "onset_week"), "onset week (before intake: negative)").box,
            f.number(("episode", "prior_episodes"), "prior episodes").box,
            heading("<b>Timeline</b>"),
            f.entries(("timeline",), "events", EVENT, on_structure=self.rebuild),
            heading("<b>Medication</b>"),
            f.entries(("medication",), "changes", MEDICATION, on_structure=self.rebuild),
            heading("<b>Termination</b>"),
            f.lines(("termination", "warning_signs"), "warning signs (one per line)").box,
            f.lines(("termination", "plan"), "plan (one per line)").box,
            f.text(("termination", "maintenance_decision"), "maintenance decision", multiline=True).box,
            heading("<b>Teaching</b>"),
            f.entries(("teaching", "discussion_questions"), "questions", QUESTION, on_structure=self.rebuild),
            f.choice(("teaching", "answer", "problem_area"), "answer: problem area", _area_choices()).box,
            f.choice(("teaching", "answer", "stage"), "answer: dispute stage", STAGES).box,
            f.text(("teaching", "answer", "rationale"), "answer: rationale", multiline=True).box,
            f.number(("teaching", "answer", "week"), "answer due by week").box,
        ]
        self.body.children = parts
        self.undo.disabled = not self.state.can_undo

    def widget(self) -> widgets.Widget:
        """The form: its Undo button above every section."""
        return widgets.VBox([self.undo, self.body])


def _area_choices() -> list[tuple[str, object]]:
    return [("-", None), *((area.label, area_id) for area_id, area in PROBLEM_AREAS.items())]
