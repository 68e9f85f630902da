"""Each rule of the ipt-case/1 contract, broken in a real YAML file.

Every case starts from a small valid file, breaks one thing, and asserts the
exact field path, the line of the broken text, and the remedy in the message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ipt_nb.casefile import check_file
from ipt_nb.errors import Issue

from .conftest import MINIMAL


def line_of(text: str, marker: str) -> int:
    """1-based line of the first line containing ``marker``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in the test file")


# (name, text to replace in MINIMAL, replacement, expected path, marker of the expected line, fragment)
# fmt: off
BROKEN = [
    ("unknown key", "ring: 1, closeness: 6}", "ringg: 1, ring: 1, closeness: 6}",
     "people[0].ringg", "ringg", "did you mean 'ring'"),
    ("ring out of range", "friend, ring: 3}", "friend, ring: 4}",
     "people[1].ring", "ring: 4", "4 is not a ring; use 1 (inner), 2 (middle), 3 (outer) or null"),
    ("closeness out of range", "closeness: 6}", "closeness: 11}",
     "people[0].closeness", "closeness: 11", "out of range"),
    ("enum typo", "relationship: partner", "relationship: partnr",
     "people[0].relationship", "partnr", "did you mean 'partner'"),
    ("person id not a slug", "{id: alex,", "{id: Alex B,",
     "people[0].id", "Alex B", "not a valid id"),
    ("duplicate person id", "{id: sam,", "{id: alex,",
     "people[1].id", "{id: alex, label: Sam", "ids must be unique"),
    ("case id not a slug", "id: mini", "id: Mini Case",
     "id", "Mini Case", "lowercase letters"),
    ("missing required field", "patient: {label: Pat, age: 40}", "patient: {age: 40}",
     "patient.label", "patient:", "required field 'label' is missing"),
    ("age over 89", "age: 40}", "age: 95}",
     "patient.age", "age: 95", '"90+"'),
    ("age and age band", "age: 40}", 'age: 40, age_band: "40-44"}',
     "patient.age_band", "age_band", "not both"),
    ("age band reversed", "age: 40}", 'age_band: "50-40"}',
     "patient.age_band", "age_band", "is not a band"),
    ("consent reference", "provenance: invented", "provenance: real_with_consent",
     "provenance", "provenance:", "consent_reference"),
    ("sessions out of range", "plan: {sessions: 12,", "plan: {sessions: 30,",
     "plan.sessions", "sessions: 30", "<= 24"),
    ("phases with a gap", "plan: {sessions: 12,",
     "plan: {sessions: 12, phases: {initial: [1, 3], middle: [5, 9], termination: [10, 12]},",
     "plan.phases.middle", "phases:", "should start in week 4"),
    ("phases short of the course", "plan: {sessions: 12,",
     "plan: {sessions: 12, phases: {termination: [10, 11]},",
     "plan.phases.termination", "phases:", "must end in week 12"),
    ("follow-up inside the course", "follow_up_weeks: [20]", "follow_up_weeks: [10]",
     "plan.follow_up_weeks[0]", "follow_up_weeks", "inside the acute course"),
    ("problem area names an unknown person", "sessions:\n",
     "problem_areas:\n  - {area: role_dispute, stage: impasse, people: [bob]}\nsessions:\n",
     "problem_areas[0].people[0]", "people: [bob]", "'bob' is not a person of this case"),
    ("timeline names an unknown person", "sessions:\n",
     "timeline:\n  - {week: -10, kind: move, people: [kim]}\nsessions:\n",
     "timeline[0].people[0]", "people: [kim]", "'kim' is not a person"),
    ("rating of an unknown person", "ratings: {sam:", "ratings: {bob:",
     "sessions[1].ratings.bob", "ratings: {bob", "'bob' is not a person"),
    ("two primary areas", "sessions:\n",
     "problem_areas:\n  - {area: role_transition}\n  - {area: role_dispute, stage: impasse}\nsessions:\n",
     "problem_areas[1].focus", "role_dispute, stage", "exactly one problem area must be primary; found 2"),
    ("three areas", "sessions:\n",
     "problem_areas:\n  - {area: role_transition}\n  - {area: role_dispute, focus: secondary, stage: impasse}\n"
     "  - {area: grief, focus: secondary}\nsessions:\n",
     "problem_areas[2]", "{area: grief", "at most 2"),
    ("dispute without stage", "sessions:\n",
     "problem_areas:\n  - {area: role_dispute, people: [alex]}\nsessions:\n",
     "problem_areas[0].stage", "area: role_dispute", "needs its stage"),
    ("stage on a transition", "sessions:\n",
     "problem_areas:\n  - {area: role_transition, stage: impasse}\nsessions:\n",
     "problem_areas[0].stage", "stage: impasse", "only to a role_dispute"),
    ("grief without a death", "sessions:\n",
     "problem_areas:\n  - {area: grief}\nsessions:\n",
     "problem_areas[0].area", "area: grief", "needs the death of a significant person"),
    ("agreed formulation without a focus", "sessions:\n",
     "formulation: {week: 3, agreed: agreed}\nsessions:\n",
     "formulation.agreed", "agreed: agreed", "problem_areas"),
    ("duplicate session week", "{week: 4, measures", "{week: 0, measures",
     "sessions[1].week", "{week: 0, measures: {phq9: 12}", "earlier session"),
    ("sessions out of order", "  - {week: 0, measures: {phq9: 15}}\n",
     "  - {week: 6, measures: {phq9: 15}}\n",
     "sessions[1].week", "{week: 4", "keep sessions in week order"),
    ("session kind outside the course", "{week: 4, measures", "{week: 14, kind: session, measures",
     "sessions[1].kind", "kind: session", "outside the acute course"),
    ("intake not in week 0", "{week: 4, measures", "{week: 4, kind: intake, measures",
     "sessions[1].kind", "kind: intake", "an intake is week 0"),
    ("total out of range", "phq9: 15}", "phq9: 30}",
     "sessions[0].measures.phq9", "phq9: 30", "outside PHQ-9's range 0-27"),
    ("wrong number of items", "phq9: 15}", "phq9: {items: [1, 2, 3]}}",
     "sessions[0].measures.phq9.items", "items:", "PHQ-9 has 9 items; 3 given"),
    ("item out of range", "phq9: 15}", "phq9: {items: [4, 2, 2, 2, 2, 1, 1, 1, 0]}}",
     "sessions[0].measures.phq9.items[0]", "items:", "items score 0-3"),
    ("total disagrees with items", "phq9: 15}", "phq9: {total: 15, items: [1, 1, 1, 1, 1, 1, 1, 1, 0]}}",
     "sessions[0].measures.phq9.total", "total: 15", "add up to 8"),
    ("HAM-D item scored 0-2", "phq9: 15}",
     "hamd17: {items: [2, 2, 2, 3, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1, 2, 1, 1]}}",
     "sessions[0].measures.hamd17.items[3]", "hamd17", "items score 0-2"),
    ("unknown measure", "phq9: 15}", "phq10: 15}",
     "sessions[0].measures.phq10", "phq10", "did you mean 'phq9'"),
    ("adherence rating 3", "{week: 4, measures", "{week: 4, adherence: {M03_mood_event_link: 3}, measures",
     "sessions[1].adherence.M03_mood_event_link", "adherence", "not allowed"),
    ("unknown adherence item", "{week: 4, measures", "{week: 4, adherence: {M03_mood_link: 2}, measures",
     "sessions[1].adherence.M03_mood_link", "adherence", "did you mean 'M03_mood_event_link'"),
    ("unknown technique", "{week: 4, measures", "{week: 4, techniques: [TQ_role_ply], measures",
     "sessions[1].techniques[0]", "techniques", "did you mean 'TQ_role_play'"),
    ("mood out of range", "sessions:\n", "timeline:\n  - {week: -3, kind: move, mood: 5}\nsessions:\n",
     "timeline[0].mood", "mood: 5", "out of range"),
    ("yes is not a bool", "ring: 1, closeness: 6}", "ring: 1, closeness: 6, confidant: yes}",
     "people[0].confidant", "confidant", "write true or false"),
    ("quoted number", "closeness: 6}", 'closeness: "6"}',
     "people[0].closeness", "closeness", "write 6 without quotes"),
    ("week not an integer", "{week: 4, measures", "{week: 4.5, measures",
     "sessions[1].week", "week: 4.5", "whole number"),
    ("list where a mapping belongs", "diagnosis: {label: MDD}", "diagnosis: [MDD]",
     "diagnosis", "diagnosis:", "a mapping"),
]


# fmt: on


@pytest.mark.parametrize(
    ("old", "new", "path", "marker", "fragment"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_each_broken_rule_is_reported_at_its_field_and_line(
    write_case: Callable[..., Path], old: str, new: str, path: str, marker: str, fragment: str
) -> None:
    assert old in MINIMAL
    text = MINIMAL.replace(old, new, 1)
    report = check_file(write_case(text))
    assert not report.ok
    expected_line = line_of(text, marker)
    matching = [i for i in report.errors if i.path == path]
    assert matching, f"no error at {path}; got {[i.format() for i in report.errors]}"
    issue = matching[0]
    assert issue.line == expected_line, issue.format()
    assert fragment in issue.message, issue.message
    assert issue.column is not None and issue.column >= 1


def test_the_minimal_file_is_valid(write_case: Callable[..., Path]) -> None:
    report = check_file(write_case(MINIMAL))
    assert report.ok and not report.warnings, [i.format() for i in report.errors + report.warnings]


def test_all_errors_of_a_file_come_at_once(write_case: Callable[..., Path]) -> None:
    text = (
        MINIMAL.replace("friend, ring: 3}", "friend, ringg: 3}")
        .replace("age: 40}", "age: 95}")
        .replace("phq9: 15}", "phq9: 31}")
        .replace("follow_up_weeks: [20]", "follow_up_weeks: [3]")
    )
    report = check_file(write_case(text))
    paths = {i.path for i in report.errors}
    assert {"people[1].ringg", "patient.age", "sessions[0].measures.phq9", "plan.follow_up_weeks[0]"} <= paths
    assert [i.line for i in report.errors] == sorted(i.line or 0 for i in report.errors)


def test_error_lines_name_file_line_column_and_field(write_case: Callable[..., Path]) -> None:
    text = MINIMAL.replace("friend, ring: 3}", "friend, ring: 4}")
    path = write_case(text)
    issue = check_file(path).errors[0]
    column = text.splitlines()[10].index("ring: 4") + len("ring: ") + 1
    assert issue.format(path) == (
        f"{path}:11:{column}: people[1].ring: 4 is not a ring; use 1 (inner), 2 (middle), 3 (outer) "
        "or null (outside the circle)"
    )


# fmt: off
WARNINGS = [
    ("deficits near onset",
     "episode: {onset_week: -20}\ntimeline:\n  - {week: -30, kind: job_loss}\n"
     "problem_areas:\n  - {area: interpersonal_deficits}\n",
     "problem_areas[0].area", "from 26 weeks before to 4 after"),
    ("deficits beside another area",
     "problem_areas:\n  - {area: role_transition, from_role: a, to_role: b}\n"
     "  - {area: interpersonal_deficits, focus: secondary}\n",
     "problem_areas[1].area", "residual area"),
    ("transition without roles", "problem_areas:\n  - {area: role_transition}\n",
     "problem_areas[0]", "from_role and to_role"),
]


# fmt: on


@pytest.mark.parametrize(
    ("insert", "path", "fragment"), [w[1:] for w in WARNINGS], ids=[w[0] for w in WARNINGS]
)
def test_soft_findings_are_warnings_not_errors(
    write_case: Callable[..., Path], insert: str, path: str, fragment: str
) -> None:
    report = check_file(write_case(MINIMAL.replace("sessions:\n", insert + "sessions:\n", 1)))
    assert report.ok, [i.format() for i in report.errors]
    found: list[Issue] = [w for w in report.warnings if w.path == path]
    assert found and fragment in found[0].message
    assert found[0].severity == "warning" and found[0].line is not None


def test_deficits_with_no_event_near_onset_is_not_warned(write_case: Callable[..., Path]) -> None:
    insert = (
        "episode: {onset_week: -20}\ntimeline:\n  - {week: -47, kind: move}\n"
        "problem_areas:\n  - {area: interpersonal_deficits}\n"
    )
    report = check_file(write_case(MINIMAL.replace("sessions:\n", insert + "sessions:\n", 1)))
    assert report.ok and report.warnings == []


def test_adherence_item_of_another_phase_is_a_warning(write_case: Callable[..., Path]) -> None:
    text = MINIMAL.replace("{week: 4, measures", "{week: 4, adherence: {T05_relapse_signs: 2}, measures")
    report = check_file(write_case(text))
    assert report.ok
    assert [w.path for w in report.warnings] == ["sessions[1].adherence.T05_relapse_signs"]
    assert "termination-phase item but week 4 is in the middle phase" in report.warnings[0].message


def test_true_is_not_a_ring_or_a_rating(write_case: Callable[..., Path]) -> None:
    text = MINIMAL.replace("ring: 1,", "ring: true,").replace(
        "{week: 4, measures", "{week: 4, adherence: {M03_mood_event_link: true}, measures"
    )
    paths = {i.path for i in check_file(write_case(text)).errors}
    assert {"people[0].ring", "sessions[1].adherence.M03_mood_event_link"} <= paths
