"""Rules of the ``ipt-case/1`` contract that span several fields.

Kept apart from the field declarations in :mod:`ipt_nb.model` so that each
rule reads as one small function. Hard rules raise one pydantic
``ValidationError`` listing every broken rule with its field path; soft rules
return findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .catalog import (
    ADAPTATIONS,
    ADHERENCE_ITEMS,
    AFTER_ONSET_WEEKS,
    DEATH_EVENTS,
    DISPUTE_EVENTS,
    MAX_PROBLEM_AREAS,
    OLD_DEATH_WEEKS,
    ONSET_WINDOW_WEEKS,
    STANDARD_AREAS,
    TRANSITION_EVENTS,
    near_onset,
    phase_in,
)
from .errors import Location
from .instruments import INSTRUMENTS

if TYPE_CHECKING:
    from .model import Case, Focus, Patient, Plan, Session


class Finding(NamedTuple):
    """A broken rule or a soft finding, at a field path."""

    loc: Location
    message: str


def raise_findings(errors: list[Finding]) -> None:
    """Raise one ``ValidationError`` listing ``errors`` (locations relative to the model checked)."""
    if errors:
        raise ValidationError.from_exception_data(
            "ipt-case/1",
            [
                InitErrorDetails(
                    type=PydanticCustomError("case_rule", "{message}", {"message": f.message}),
                    loc=f.loc,
                    input=None,
                )
                for f in errors
            ],
        )


def case_findings(case: Case) -> Iterator[Finding]:
    """Rules that need the whole case; each section's own rules run on its model."""
    yield from _course_length(case)
    yield from _provenance(case)
    yield from _unique_people(case)
    yield from _references(case)
    yield from _problem_areas(case)
    yield from _sessions(case)
    yield from _teaching(case)


def _course_length(case: Case) -> Iterator[Finding]:
    adaptation = ADAPTATIONS[case.adaptation]
    low, high = adaptation.sessions
    if not low <= case.plan.sessions <= high:
        yield Finding(
            ("plan", "sessions"),
            f"{case.plan.sessions} sessions is outside {adaptation.label}'s range {low}-{high}"
            + ("; IPT's classic range is 12-16" if case.adaptation != "ipc" else ""),
        )


def _provenance(case: Case) -> Iterator[Finding]:
    if case.provenance == "real_with_consent" and not case.consent_reference:
        yield Finding(
            ("provenance",),
            "a case with provenance real_with_consent needs consent_reference: "
            "where consent is recorded (never the consent itself)",
        )


def patient_findings(patient: Patient) -> Iterator[Finding]:
    if patient.age is not None and patient.age_band is not None:
        yield Finding(("age_band",), "give age or age_band, not both")
    if patient.age is not None and patient.age > 89:
        yield Finding(("age",), 'ages over 89 identify people; write age_band: "90+"')
    if patient.age_band and patient.age_band != "90+":
        low, high = (int(part) for part in patient.age_band.split("-"))
        if low > high or high > 89:
            yield Finding(
                ("age_band",),
                f'"{patient.age_band}" is not a band; use "low-high" with low <= high <= 89, or "90+"',
            )


def plan_findings(plan: Plan) -> Iterator[Finding]:
    """The plan's own rules. Phases are checked when the plan gives some (the defaults of every
    adaptation tile the course by construction)."""
    acute = plan.acute_sessions
    course = f"plan.extended_to is {acute}" if plan.extended_to is not None else f"plan.sessions is {acute}"
    spans = plan.phase_spans() if plan.phases is not None else {}
    expected_first = 1
    for phase, (first, last) in spans.items():
        loc: Location = ("phases", phase)
        if first > last:
            yield Finding(loc, f"[{first}, {last}] ends before it starts; write [first, last]")
        elif first != expected_first:
            yield Finding(
                loc,
                f"the {phase} phase starts in week {first} but should start in week "
                f"{expected_first}: phases must tile weeks 1..{acute} without gaps or overlaps",
            )
        expected_first = last + 1
    if spans and expected_first != acute + 1:
        yield Finding(
            ("phases", "termination"),
            f"the phases end in week {expected_first - 1} but {course}; termination must end in week {acute}",
        )
    yield from _extension(plan)
    seen: set[int] = set()
    for index, week in enumerate(plan.follow_up_weeks):
        loc = ("follow_up_weeks", index)
        if week <= acute:
            yield Finding(
                loc,
                f"follow-up week {week} lies inside the acute course; use a week after {acute}",
            )
        if week in seen:
            yield Finding(loc, f"week {week} is listed twice")
        seen.add(week)


def _extension(plan: Plan) -> Iterator[Finding]:
    if plan.extended_to is not None and plan.extended_to <= plan.sessions:
        yield Finding(
            ("extended_to",),
            f"extended_to ({plan.extended_to}) must be more than plan.sessions ({plan.sessions}); "
            "remove it if the course was not extended",
        )
    if plan.recontracted_week is not None:
        if plan.extended_to is None:
            yield Finding(
                ("recontracted_week",),
                "recontracted_week says when the course was extended: give extended_to too",
            )
        elif plan.recontracted_week > plan.sessions:
            yield Finding(
                ("recontracted_week",),
                f"week {plan.recontracted_week} lies after the planned course (1..{plan.sessions}); "
                "a course is re-contracted before it ends",
            )


def _unique_people(case: Case) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, person in enumerate(case.people):
        if person.id in seen:
            yield Finding(
                ("people", index, "id"),
                f"id {person.id!r} is used by an earlier person; ids must be unique",
            )
        seen.add(person.id)


def _unknown_person(person_id: str, case: Case) -> str:
    known = ", ".join(p.id for p in case.people) or "none yet"
    return f"{person_id!r} is not a person of this case; use one of the ids in people ({known})"


def _references(case: Case) -> Iterator[Finding]:
    ids = {p.id for p in case.people}
    for i, focus in enumerate(case.problem_areas):
        for j, person_id in enumerate(focus.people):
            if person_id not in ids:
                yield Finding(("problem_areas", i, "people", j), _unknown_person(person_id, case))
    for i, event in enumerate(case.timeline):
        for j, person_id in enumerate(event.people):
            if person_id not in ids:
                yield Finding(("timeline", i, "people", j), _unknown_person(person_id, case))
    for i, session in enumerate(case.sessions):
        for person_id in session.ratings:
            if person_id not in ids:
                yield Finding(("sessions", i, "ratings", person_id), _unknown_person(person_id, case))
        for j, person_id in enumerate(session.attendees):
            if person_id not in ids:
                yield Finding(("sessions", i, "attendees", j), _unknown_person(person_id, case))


def _problem_areas(case: Case) -> Iterator[Finding]:
    areas = case.problem_areas
    if case.formulation is not None and case.formulation.agreed is not None and not areas:
        yield Finding(
            ("formulation", "agreed"),
            "formulation.agreed is set, so the focal problem area must be recorded: "
            "add problem_areas with one primary area",
        )
    yield from _focus_over_time(case)
    for i, focus in enumerate(areas):
        if focus.area not in (*STANDARD_AREAS, *ADAPTATIONS[case.adaptation].extra_areas):
            yield Finding(
                ("problem_areas", i, "area"),
                f"{focus.area} is an area of IPSRT only; set adaptation: ipsrt or choose one of "
                f"{', '.join(STANDARD_AREAS)}",
            )
        if focus.area == "grief" and not _has_death(case):
            yield Finding(
                ("problem_areas", i, "area"),
                "grief needs the death of a significant person: a person with status: deceased or "
                "a timeline event of kind death; a loss that is not a death is a role_transition",
            )


def _focus_over_time(case: Case) -> Iterator[Finding]:
    """Exactly one primary, an area listed once and at most two areas, at every week in force."""
    areas = case.problem_areas
    if not areas:
        return
    changes = {f.from_week for f in areas} | {f.until_week + 1 for f in areas if f.until_week is not None}
    bounds = sorted({w for w in changes if w is not None} | {0})
    for week in bounds:
        active = [i for i, f in enumerate(areas) if f.active_at(week)]
        if not active:
            continue  # before a focus was chosen, or after the last one ended
        primaries = [i for i in active if areas[i].focus == "primary"]
        if len(primaries) != 1:
            where: Location = ("problem_areas", primaries[1], "focus") if primaries else ("problem_areas",)
            when = f" in week {week}" if len(bounds) > 1 else ""
            yield Finding(where, f"exactly one problem area must be primary{when}; found {len(primaries)}")
            return
        seen: dict[str, int] = {}
        for i in active:
            if areas[i].area in seen:
                yield Finding(("problem_areas", i, "area"), f"{areas[i].area} is listed twice")
                return
            seen[areas[i].area] = i
        if len(active) > MAX_PROBLEM_AREAS:
            yield Finding(
                ("problem_areas", active[MAX_PROBLEM_AREAS]),
                f"{len(active)} problem areas are in force in week {week}; at most {MAX_PROBLEM_AREAS}",
            )
            return
    for i, focus in enumerate(areas):
        if (
            focus.from_week is not None
            and focus.until_week is not None
            and focus.from_week > focus.until_week
        ):
            yield Finding(("problem_areas", i, "until_week"), "until_week comes before from_week")
        revised = focus.from_week is not None or focus.until_week is not None
        if revised and not focus.revision_reason:
            pass  # a soft finding: see _revision_without_reason


def focus_findings(focus: Focus) -> Iterator[Finding]:
    if focus.area == "role_dispute" and focus.stage is None:
        yield Finding(("stage",), "a role dispute needs its stage: renegotiation, impasse or dissolution")
    if focus.area != "role_dispute" and focus.stage is not None:
        yield Finding(("stage",), "stage applies only to a role_dispute; remove it")
    for key in ("from_role", "to_role"):
        if focus.area != "role_transition" and getattr(focus, key) is not None:
            yield Finding((key,), f"{key} applies only to a role_transition; remove it")


def _has_death(case: Case) -> bool:
    return any(p.status == "deceased" for p in case.people) or any(
        e.kind in DEATH_EVENTS for e in case.timeline
    )


def _sessions(case: Case) -> Iterator[Finding]:
    seen: set[int] = set()
    previous = -1
    for i, session in enumerate(case.sessions):
        loc: Location = ("sessions", i, "week")
        if session.week in seen:
            yield Finding(loc, f"week {session.week} has an earlier session; each week has one session")
        elif session.week < previous:
            yield Finding(
                loc, f"week {session.week} comes after week {previous}; keep sessions in week order"
            )
        seen.add(session.week)
        previous = max(previous, session.week)
        kind_loc: Location = ("sessions", i, "kind")
        acute = case.plan.acute_sessions
        if session.kind == "session" and not 1 <= session.week <= acute:
            yield Finding(
                kind_loc,
                f"week {session.week} is outside the acute course 1..{acute}; "
                "use kind follow_up or maintenance, or extend the course with plan.extended_to",
            )
        if session.kind in ("follow_up", "maintenance") and session.week <= acute:
            yield Finding(
                kind_loc,
                f"a {session.kind} lies after the acute course (after week {acute})",
            )


def session_findings(session: Session) -> Iterator[Finding]:
    if session.kind == "intake" and session.week != 0:
        yield Finding(("kind",), f"an intake is week 0, not week {session.week}")
    if not session.attended:
        for key in ("measures", "techniques", "adherence", "ratings"):
            if getattr(session, key):
                yield Finding(
                    (key,),
                    f"a missed session (attended: false) has no {key}; remove them or set attended: true",
                )
    for measure_id, score in session.measures.items():
        instrument = INSTRUMENTS[measure_id]
        loc: Location = ("measures", measure_id)
        if score.items is not None:
            if len(score.items) != instrument.items:
                yield Finding(
                    (*loc, "items"),
                    f"{instrument.short} has {instrument.items} items; {len(score.items)} given",
                )
            for n, value in enumerate(score.items):
                top = instrument.max_of_item(n + 1) if n < instrument.items else instrument.item_max
                if not 0 <= value <= top:
                    yield Finding(
                        (*loc, "items", n),
                        f"{value} is outside item {n + 1}'s range; {instrument.short} items score 0-{top}",
                    )
            if score.total is not None and score.total != sum(score.items):
                yield Finding(
                    (*loc, "total"),
                    f"total {score.total} does not match the items, which add up to "
                    f"{sum(score.items)}; correct one or leave the total out",
                )
        low, high = instrument.total_min, instrument.total_max
        checked = score.total is not None or low > 0  # items are range-checked one by one above
        if checked and not low <= score.score <= high:
            yield Finding(
                (*loc, "total") if score.items is not None else loc,
                f"{score.score} is outside {instrument.short}'s range {low}-{high}",
            )


def _teaching(case: Case) -> Iterator[Finding]:
    answer = case.teaching.answer if case.teaching else None
    if answer is not None and answer.stage is not None and answer.problem_area != "role_dispute":
        yield Finding(("teaching", "answer", "stage"), "stage applies only to a role_dispute answer")


# -- soft findings -----------------------------------------------------------------------------


def soft_findings(case: Case) -> list[Finding]:
    return [
        *_deficits(case),
        *_adherence_phase(case),
        *_transition_roles(case),
        *_unplanned_weeks(case),
        *_old_grief(case),
        *_adaptation_warnings(case),
        *_revision_without_reason(case),
    ]


def _adaptation_warnings(case: Case) -> Iterator[Finding]:
    if case.adaptation == "group" and case.group is None:
        yield Finding(
            ("adaptation",), "a group case names its group: add group: {id: ...} shared by its members"
        )
    if case.adaptation == "ipt_a":
        parents = {p.id for p in case.people if p.relationship == "parent"}
        for phase in ("initial", "termination"):
            held = [s for s in case.sessions if case.phase_of(s.week) == phase and s.attended]
            if held and not any(parents & set(s.attendees) for s in held):
                yield Finding(
                    ("adaptation",),
                    f"IPT-A involves a parent in the {phase} phase; no {phase}-phase session lists a "
                    "parent in attendees",
                )


def _revision_without_reason(case: Case) -> Iterator[Finding]:
    for i, focus in enumerate(case.problem_areas):
        if focus.from_week is not None and not focus.revision_reason:
            yield Finding(("problem_areas", i), "a revised focus says why: add revision_reason")


def _old_grief(case: Case) -> Iterator[Finding]:
    old = case.old_deaths()
    if not old:
        return
    for i, focus in enumerate(case.problem_areas):
        if focus.area != "grief":
            continue
        dated = [
            e
            for e in case.timeline
            if e.kind in DEATH_EVENTS and (not focus.people or set(focus.people) & set(e.people))
        ]
        if dated and all(e in old for e in dated):
            yield Finding(
                ("problem_areas", i, "area"),
                f"the death in week {dated[-1].week} lies more than two years ({OLD_DEATH_WEEKS} weeks) "
                "before onset: the loss may be a role transition, or this grief may not be the current focus",
            )


def _deficits(case: Case) -> Iterator[Finding]:
    for i, focus in enumerate(case.problem_areas):
        if focus.area != "interpersonal_deficits":
            continue
        loc: Location = ("problem_areas", i, "area")
        alongside = [
            other for other in case.problem_areas
            if other is not focus and _overlap(other, focus)
        ]  # fmt: skip
        if alongside:
            yield Finding(
                loc,
                "interpersonal deficits is a residual area; alongside another area it is usually left out",
            )
        onset = case.episode.onset_week if case.episode else None
        if onset is None:
            continue
        qualifying = DEATH_EVENTS | DISPUTE_EVENTS | TRANSITION_EVENTS
        for event in case.timeline:
            if event.kind in qualifying and near_onset(event.week, onset):
                yield Finding(
                    loc,
                    f"a {event.kind} event in week {event.week} lies near onset (week {onset}: from "
                    f"{ONSET_WINDOW_WEEKS} weeks before to {AFTER_ONSET_WEEKS} after); interpersonal "
                    "deficits is chosen only when no death, dispute or transition explains the episode",
                )


def _overlap(a: Focus, b: Focus) -> bool:
    """Whether two foci are in force in a common week."""
    low = max(x if x is not None else -10_000 for x in (a.from_week, b.from_week))
    high = min(x if x is not None else 10_000 for x in (a.until_week, b.until_week))
    return low <= high


def _adherence_phase(case: Case) -> Iterator[Finding]:
    spans = case.plan.phase_spans()
    for i, session in enumerate(case.sessions):
        if not session.adherence:
            continue
        phase = phase_in(spans, session.week)
        for item_id in session.adherence:
            item = ADHERENCE_ITEMS[item_id]
            if item.phase != phase:
                yield Finding(
                    ("sessions", i, "adherence", item_id),
                    f"{item_id} is a {item.phase}-phase item but week {session.week} is in the "
                    f"{phase.replace('_', ' ')} phase",
                )


def _transition_roles(case: Case) -> Iterator[Finding]:
    for i, focus in enumerate(case.problem_areas):
        if focus.area == "role_transition" and (focus.from_role is None or focus.to_role is None):
            yield Finding(
                ("problem_areas", i),
                "name the roles of a role transition: from_role and to_role",
            )


def _unplanned_weeks(case: Case) -> Iterator[Finding]:
    planned = set(case.plan.follow_up_weeks)
    for i, session in enumerate(case.sessions):
        if (
            session.week > case.plan.acute_sessions
            and session.week not in planned
            and session.kind != "maintenance"
        ):
            yield Finding(
                ("sessions", i, "week"),
                f"week {session.week} lies after the acute course but is not in plan.follow_up_weeks",
            )
