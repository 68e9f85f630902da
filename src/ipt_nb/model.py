"""The ``ipt-case/1`` case as pydantic models: pure data plus the rules of the contract.

Field-level rules live on the fields; rules that span fields (references,
phases tiling the course, one primary problem area, measure ranges) are checked
in :mod:`ipt_nb._rules` and raised as one ``ValidationError`` listing all of
them. Soft findings are not raised: :meth:`Case.warnings` returns them.
Derived values (phase of a week, session kind, totals from items, closeness at
a week) are computed on demand and never stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

from . import _rules
from .catalog import (
    ADHERENCE_ITEMS,
    DEATH_EVENTS,
    MAX_FOCUS_ENTRIES,
    MEDICATION_CHANGES,
    OLD_DEATH_WEEKS,
    TECHNIQUES,
    AdaptationId,
    DisputeStage,
    PhaseId,
    ProblemAreaId,
    adaptation_phases,
    phase_in,
)
from .instruments import MAIN_MEASURE_ORDER, MEASURE_IDS, MeasureId

FORMAT: Literal["ipt-case/1"] = "ipt-case/1"
SUPPORTED_FORMATS = (FORMAT,)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=500)]
"""One line of plain text (a label, a title, a list entry)."""
Text = Annotated[str, StringConstraints(max_length=20_000)]
"""Free plain text: never markup, always escaped on display."""
Week = Annotated[int, Field(ge=-2600, le=520)]
"""Weeks relative to intake (week 0); negative weeks lie before intake."""


def _empty(kind: type[list[Any]] | type[dict[Any, Any]], description: str | None = None) -> Any:
    """An empty list or mapping as a field's default, made fresh for each object.

    A plain ``= []`` default is deep-copied by pydantic for every object it fills, which was a
    third of the time to validate a case; the schema still shows the empty default.
    """
    return Field(default_factory=kind, description=description, json_schema_extra={"default": kind()})


def _no_bool(value: Any) -> Any:
    """``true`` is not a ring or a rating: Python's True == 1 must not let it through a Literal."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


Ring = Annotated[Literal[1, 2, 3] | None, BeforeValidator(_no_bool)]
"""Closeness circle: 1 inner, 2 middle, 3 outer, None outside the circle."""
Closeness = Annotated[int, Field(ge=0, le=10)]

Provenance = Literal["invented", "composite", "disguised_published_case", "real_with_consent"]
Relationship = Literal[
    "partner", "spouse", "ex_partner", "child", "parent", "sibling", "other_family", "friend",
    "coworker", "supervisor", "neighbour", "health_professional", "other",
]  # fmt: skip
EventKind = Literal[
    "death", "separation", "relationship_start", "conflict", "move", "job_start", "job_loss",
    "retirement", "illness", "birth", "pregnancy", "school_change", "other",
]  # fmt: skip
SessionKind = Literal["intake", "session", "follow_up", "maintenance"]
if TYPE_CHECKING:  # built from the catalogue at run time, which a type checker cannot follow
    TechniqueId = str
    AdherenceId = str
else:
    TechniqueId = Literal[tuple(TECHNIQUES)]
    AdherenceId = Literal[tuple(ADHERENCE_ITEMS)]

__all__ = [
    "FORMAT",
    "SUPPORTED_FORMATS",
    "AdherenceRating",
    "Answer",
    "Case",
    "Closeness",
    "Diagnosis",
    "Episode",
    "Event",
    "EventKind",
    "Expectation",
    "Focus",
    "Formulation",
    "Group",
    "Line",
    "MeasureScore",
    "MedicationChange",
    "Patient",
    "Person",
    "PhasePlan",
    "PhaseSpan",
    "Plan",
    "Provenance",
    "Question",
    "Rating",
    "Relationship",
    "Ring",
    "RiskReview",
    "Score",
    "Session",
    "SessionKind",
    "Slug",
    "Teaching",
    "Termination",
    "Text",
    "Week",
    "WishedChange",
]
AdherenceRating = Annotated[Literal[0, 1, 2, "na"], BeforeValidator(_no_bool)]


class _Model(BaseModel):
    """Strict about types (``"yes"`` is not a bool) and about unknown keys (typos lose data)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Patient(_Model):
    """Who the case is about, by pseudonym or role: never a real name."""

    label: Line = Field(description="pseudonym or role label, never a real name")
    age: Annotated[int, Field(ge=0, le=130)] | None = None
    age_band: Annotated[str, StringConstraints(pattern=r"^(\d{1,2}-\d{1,2}|90\+)$")] | None = None
    gender: Line | None = None
    occupation: Line | None = None
    presenting_problem: Text | None = None

    @model_validator(mode="after")
    def _rules(self) -> Patient:
        _rules.raise_findings(list(_rules.patient_findings(self)))
        return self


class Diagnosis(_Model):
    """The working diagnosis, with its system and code when given."""

    label: Line
    system: Line | None = None
    code: Line | None = None


PhaseSpan = Annotated[list[Annotated[int, Field(ge=1, le=30)]], Field(min_length=2, max_length=2)]


class PhasePlan(_Model):
    """Weeks of each phase when they differ from the defaults for the course's length."""

    initial: PhaseSpan | None = None
    middle: PhaseSpan | None = None
    termination: PhaseSpan | None = None


class Plan(_Model):
    """The treatment contract: acute sessions, phases, follow-up, maintenance and any re-contract."""

    sessions: Annotated[int, Field(ge=1, le=24)] = Field(
        description="planned acute sessions: 6-24 (IPT's classic range is 12-16); IPC 1-6"
    )
    phases: PhasePlan | None = None
    follow_up_weeks: list[Annotated[int, Field(ge=1, le=520)]] = _empty(list)
    maintenance: Literal["none", "monthly", "biweekly", "weekly"] = "none"
    extended_to: Annotated[int, Field(ge=7, le=30)] | None = Field(
        default=None, description="the acute course re-contracted to this many sessions"
    )
    recontracted_week: Annotated[int, Field(ge=1, le=30)] | None = Field(
        default=None, description="the week the course was re-contracted (with extended_to)"
    )

    _adaptation: str = PrivateAttr(default="standard")
    """The case's adaptation, set by the case: it chooses the default phases."""

    @property
    def acute_sessions(self) -> int:
        """Length of the acute course: the re-contracted length when the course was extended."""
        return self.extended_to if self.extended_to is not None else self.sessions

    def phase_spans(self) -> dict[PhaseId, tuple[int, int]]:
        """First and last week of each phase: the plan's own, else the defaults for the course's length."""
        spans = adaptation_phases(self._adaptation, self.acute_sessions)
        if self.phases is not None:
            for phase in spans:
                given = getattr(self.phases, phase)
                if given is not None:
                    spans[phase] = (given[0], given[1])
        return spans

    @model_validator(mode="after")
    def _rules(self) -> Plan:
        _rules.raise_findings(list(_rules.plan_findings(self)))
        return self


class Expectation(_Model):
    """What one side expects of the relationship, and whether it is met."""

    text: Line
    held_by: Literal["patient", "other"] = "patient"
    met: Literal["met", "partly", "unmet"] | None = None


class WishedChange(_Model):
    """A change the patient would like in the relationship, and who would change."""

    text: Line
    locus: Literal["self", "other", "both"] | None = None


class Person(_Model):
    """A significant person of the interpersonal inventory."""

    id: Slug
    label: Line = Field(description="pseudonym or role ('Mother'); never a real name")
    relationship: Relationship
    status: Literal["current", "past", "deceased", "estranged"] = "current"
    contact: Literal["daily", "several_per_week", "weekly", "monthly", "less_than_monthly", "none"] | None = (
        None
    )
    ring: Ring = Field(description="closeness circle at intake: 1 inner, 2 middle, 3 outer, null outside")
    closeness: Closeness | None = None
    confidant: bool | None = None
    support: list[Literal["emotional", "practical", "informational"]] = _empty(list)
    conflict: Literal["none", "renegotiation", "impasse", "dissolution"] = "none"
    satisfying: list[Line] = _empty(list)
    unsatisfying: list[Line] = _empty(list)
    expectations: list[Expectation] = _empty(list)
    wished_changes: list[WishedChange] = _empty(list)
    notes: Text | None = None


class Event(_Model):
    """A life event of the timeline, in weeks from intake."""

    week: Week
    kind: EventKind
    id: Slug | None = None
    text: Text | None = None
    people: list[Slug] = _empty(list)
    mood: Annotated[int, Field(ge=-3, le=3)] | None = None


class Episode(_Model):
    """The current depressive episode: its onset and how many came before."""

    onset_week: Week | None = None
    prior_episodes: Annotated[int, Field(ge=0)] | None = None


class Focus(_Model):
    """A problem area chosen as primary or secondary focus, possibly for a span of weeks."""

    area: ProblemAreaId
    focus: Literal["primary", "secondary"] = "primary"
    people: list[Slug] = _empty(list)
    stage: DisputeStage | None = None
    from_role: Line | None = None
    to_role: Line | None = None
    rationale: Text | None = None
    from_week: Week | None = Field(default=None, description="a revised focus: in force from this week")
    until_week: Week | None = Field(default=None, description="a revised focus: in force until this week")
    revision_reason: Text | None = None

    def active_at(self, week: int) -> bool:
        """Whether this focus is in force at ``week`` (always, unless revised)."""
        first = self.from_week if self.from_week is not None else -10_000
        last = self.until_week if self.until_week is not None else 10_000
        return first <= week <= last

    @model_validator(mode="after")
    def _rules(self) -> Focus:
        _rules.raise_findings(list(_rules.focus_findings(self)))
        return self


class Formulation(_Model):
    """The interpersonal formulation given to the patient, and their agreement."""

    text: Text | None = None
    week: Annotated[int, Field(ge=0, le=24)] | None = None
    agreed: Literal["pending", "agreed", "agreed_with_changes", "not_agreed"] | None = None


def _no_missing_items(value: Any) -> Any:
    """A skipped item must not count as 0 (a skipped risk item least of all); the kit does not prorate."""
    if isinstance(value, list):
        missing = [n for n, item in enumerate(value, start=1) if item is None]
        if missing:
            numbers = ", ".join(str(n) for n in missing)
            raise ValueError(
                f"item {numbers} is missing: ask it again, or leave the measure out for this week; "
                "the kit does not prorate, so a skipped item is never counted as 0"
            )
    return value


def _total_shorthand(value: Any) -> Any:
    """``phq9: 19`` is shorthand for ``phq9: {total: 19}``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"total": value}
    return value


class MeasureScore(_Model):
    """A measure's total, or its items (the total is then computed), or both (they must agree)."""

    total: int | None = None
    items: Annotated[list[int], BeforeValidator(_no_missing_items)] | None = None

    @property
    def score(self) -> int:
        """The total: the given one, else the sum of the items."""
        if self.total is not None:
            return self.total
        return sum(self.items or ())

    @model_validator(mode="after")
    def _total_or_items(self) -> MeasureScore:
        if self.total is None and self.items is None:
            raise ValueError("give a total, items, or both")
        return self

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> Any:
        """A total alone is written back as the ``phq9: 19`` shorthand."""
        if self.items is None:
            return self.total
        return handler(self)


Score = Annotated[MeasureScore, BeforeValidator(_total_shorthand, json_schema_input_type=int | MeasureScore)]


class Rating(_Model):
    """Closeness as re-rated in a session. A ring left out keeps the ring rated before."""

    ring: Ring = None
    closeness: Closeness | None = None


class RiskReview(_Model):
    """The week's risk review: whether risk was assessed, the level found and the safety plan."""

    assessed: bool
    level: Literal["none", "low", "moderate", "high"] | None = None
    safety_plan: Text | None = None


class Session(_Model):
    """One weekly session: attendance, measures, risk review, ratings, techniques, adherence and notes."""

    week: Annotated[int, Field(ge=0, le=520)]
    kind: SessionKind | None = None
    attended: bool = Field(default=True, description="false: a missed session, kept with no measures")
    mode: Literal["in_person", "video", "phone"] = "in_person"
    attendees: list[Slug] = _empty(list, "others in the room (person ids)")
    interpreter: bool | None = None
    risk: RiskReview | None = None
    measures: dict[MeasureId, Score] = _empty(dict)
    ratings: dict[Slug, Rating] = _empty(dict)
    stage: DisputeStage | None = None
    techniques: list[TechniqueId] = _empty(list)
    adherence: dict[AdherenceId, AdherenceRating] = _empty(dict)
    events: list[Line] = _empty(list)
    note: Text | None = None

    @model_validator(mode="after")
    def _rules(self) -> Session:
        _rules.raise_findings(list(_rules.session_findings(self)))
        return self


class Termination(_Model):
    """The ending: warning signs, the plan for them and the maintenance decision."""

    warning_signs: list[Line] = _empty(list)
    plan: list[Line] = _empty(list)
    maintenance_decision: Text | None = None


class Answer(_Model):
    """The expected answer of a teaching case, hidden until revealed."""

    problem_area: ProblemAreaId
    stage: DisputeStage | None = None
    rationale: Text | None = None
    week: Annotated[int, Field(ge=0, le=30)] | None = Field(
        default=None, description="by when the group should have reached the answer"
    )


class Question(_Model):
    """A discussion question shown from ``week`` on, and only after reveal when ``after_reveal``."""

    text: Text
    week: Annotated[int, Field(ge=0, le=520)] = 0
    after_reveal: bool = False


class Teaching(_Model):
    """Discussion questions and the expected answer of a teaching case."""

    discussion_questions: list[Text | Question] = _empty(
        list,
        "a plain string is shown only after reveal (it may name the answer); "
        "a {text, week, after_reveal} mapping from its week on",
    )
    answer: Answer | None = None


class Group(_Model):
    """The group a member case belongs to (``adaptation: group``): its case files share ``id``."""

    id: Slug
    members: Annotated[int, Field(ge=1, le=30)] | None = None


class MedicationChange(_Model):
    """A change of antidepressant medication, in weeks from intake."""

    week: Week
    change: Literal[MEDICATION_CHANGES]  # type: ignore[valid-type]
    text: Line | None = None


class Case(_Model):
    """One IPT case, exactly the ``ipt-case/1`` contract."""

    model_config = ConfigDict(title="ipt-case/1")

    format: Literal["ipt-case/1"]
    id: Slug
    title: Line
    provenance: Provenance
    consent_reference: Line | None = None
    adaptation: AdaptationId = Field(default="standard", description="the IPT format (IPT.md section 7)")
    group: Group | None = None
    patient: Patient
    diagnosis: Diagnosis
    medical_context: list[Line] = _empty(list)
    plan: Plan
    people: list[Person]
    timeline: list[Event] = _empty(list)
    episode: Episode | None = None
    problem_areas: Annotated[list[Focus], Field(max_length=MAX_FOCUS_ENTRIES)] = _empty(list)
    formulation: Formulation | None = None
    goals: list[Line] = _empty(list)
    medication: list[MedicationChange] = _empty(list)
    sessions: list[Session] = _empty(list)
    termination: Termination | None = None
    teaching: Teaching | None = None

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Case:
        self.plan._adaptation = self.adaptation
        _rules.raise_findings(list(_rules.case_findings(self)))
        return self

    # -- derived values -------------------------------------------------------------------

    def warnings(self) -> list[_rules.Finding]:
        """Soft findings: worth a look, not a reason to refuse the file."""
        return _rules.soft_findings(self)

    def phase_of(self, week: int) -> str:
        """``before_intake``, ``intake``, ``initial``, ``middle``, ``termination`` or ``follow_up``."""
        return phase_in(self.plan.phase_spans(), week)

    def kind_of(self, session: Session) -> SessionKind:
        """The session's kind: as written, else week 0 intake, 1..plan.sessions session, later follow-up."""
        if session.kind is not None:
            return session.kind
        if session.week == 0:
            return "intake"
        return "session" if session.week <= self.plan.acute_sessions else "follow_up"

    def person(self, person_id: str) -> Person:
        """The person with id ``person_id``; ``KeyError`` if there is none."""
        for person in self.people:
            if person.id == person_id:
                return person
        raise KeyError(f"no person with id {person_id!r} in case {self.id!r}")

    def session(self, week: int) -> Session | None:
        """The session of ``week``, or ``None``."""
        return next((s for s in self.sessions if s.week == week), None)

    def rating_at(self, person_id: str, week: int) -> Rating:
        """Ring and closeness of a person as last rated at or before ``week`` (intake if never re-rated)."""
        person = self.person(person_id)
        ring, closeness = person.ring, person.closeness
        for session in self.sessions:
            if session.week > week:
                break
            rating = session.ratings.get(person_id)
            if rating is None:
                continue
            if "ring" in rating.model_fields_set:
                ring = rating.ring
            if rating.closeness is not None:
                closeness = rating.closeness
        return Rating(ring=ring, closeness=closeness)

    def rating_weeks(self) -> list[int]:
        """Weeks in which any closeness was re-rated, after intake."""
        return [s.week for s in self.sessions if s.ratings]

    def scores(self, measure: MeasureId) -> list[tuple[int, int]]:
        """``(week, total)`` of one measure, in week order."""
        return [(s.week, s.measures[measure].score) for s in self.sessions if measure in s.measures]

    def measures_present(self) -> list[MeasureId]:
        """Measure ids used in any session, in the catalogue's order."""
        used = {m for s in self.sessions for m in s.measures}
        return [m for m in MEASURE_IDS if m in used]

    def adherence_ratings(
        self, phase: PhaseId, sessions: list[Session] | None = None
    ) -> dict[str, list[tuple[int, AdherenceRating]]]:
        """Each adherence item rated in ``phase``, with its ``(week, rating)`` pairs in session order
        (of ``sessions``, by default all: a walkthrough passes those known so far)."""
        spans = self.plan.phase_spans()
        rated: dict[str, list[tuple[int, AdherenceRating]]] = {}
        for session in self.sessions if sessions is None else sessions:
            if phase_in(spans, session.week) == phase:
                for item_id, value in session.adherence.items():
                    rated.setdefault(item_id, []).append((session.week, value))
        return rated

    def primary_measure(self) -> MeasureId | None:
        """The measure the case is followed by: the first depression measure present in
        ``MAIN_MEASURE_ORDER`` (PHQ-9, EPDS, HAM-D, BDI-II), else the first measure used, else ``None``."""
        present = self.measures_present()
        return next((m for m in MAIN_MEASURE_ORDER if m in present), present[0] if present else None)

    def old_deaths(self) -> list[Event]:
        """Deaths in the timeline more than two years before the episode's onset (grief is then doubtful)."""
        onset = self.episode.onset_week if self.episode else None
        if onset is None:
            return []
        return [e for e in self.timeline if e.kind in DEATH_EVENTS and e.week < onset - OLD_DEATH_WEEKS]

    def treatment_sessions(self) -> list[Session]:
        """Attended sessions of the acute course (not intake, follow-up or maintenance)."""
        return [s for s in self.sessions if s.attended and self.kind_of(s) == "session"]

    def missed_weeks(self) -> list[int]:
        """Weeks of sessions recorded as missed (``attended: false``)."""
        return [s.week for s in self.sessions if not s.attended]

    def primary_focus(self, week: int | None = None) -> Focus | None:
        """The primary problem area in force at ``week``; without a week, the latest one (a focus
        revised during treatment is followed to its last version)."""
        primaries = [f for f in self.problem_areas if f.focus == "primary"]
        if week is not None:
            return next((f for f in primaries if f.active_at(week)), None)
        return next((f for f in primaries if f.until_week is None), primaries[-1] if primaries else None)
