"""The format's additions for IPT's adaptations, attendance, risk and medication, on real YAML files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ipt_nb.casefile import check_file, json_schema, load_case
from ipt_nb.catalog import area_label
from ipt_nb.outcomes import summarize

HEAD = """\
format: ipt-case/1
id: added
title: "Added: a case with the additions"
provenance: invented
patient: {label: Pat, age: 15}
diagnosis: {label: MDD}
people:
  - {id: mum, label: Mum, relationship: parent, ring: 1}
  - {id: kim, label: Kim, relationship: friend, ring: 2}
"""


@pytest.fixture
def check(write_case: Callable[[str, str], Path]) -> Callable[[str], object]:
    def run(body: str) -> object:
        return check_file(write_case(HEAD + body, "added.yaml"))

    return run


def messages(report: object, kind: str = "errors") -> dict[str, str]:
    return {i.path: i.message for i in getattr(report, kind)}


def test_ipc_allows_a_brief_course_with_its_own_phases(check: Callable[[str], object]) -> None:
    report = check("adaptation: ipc\nplan: {sessions: 4}\n")
    assert report.ok  # type: ignore[attr-defined]
    case = report.case  # type: ignore[attr-defined]
    assert [case.phase_of(w) for w in range(1, 5)] == ["initial", "middle", "middle", "termination"]
    standard = check("plan: {sessions: 4}\n")
    assert "outside IPT's range 6-24" in messages(standard)["plan.sessions"]
    too_long = check("adaptation: ipc\nplan: {sessions: 8}\n")
    assert "outside Interpersonal Counselling (IPC)'s range 1-6" in messages(too_long)["plan.sessions"]


def test_ipt_a_has_its_phases_and_asks_for_a_parent_in_the_room(check: Callable[[str], object]) -> None:
    alone = check("adaptation: ipt_a\nplan: {sessions: 12}\nsessions:\n  - {week: 1}\n  - {week: 10}\n")
    case = alone.case  # type: ignore[attr-defined]
    assert case.plan.phase_spans() == {"initial": (1, 4), "middle": (5, 8), "termination": (9, 12)}
    warned = [i.message for i in alone.warnings]  # type: ignore[attr-defined]
    assert any("parent in the initial phase" in m for m in warned)
    assert any("parent in the termination phase" in m for m in warned)
    joined = check(
        "adaptation: ipt_a\nplan: {sessions: 12}\nsessions:\n  - {week: 1, attendees: [mum]}\n"
        "  - {week: 10, attendees: [mum], mode: video}\n"
    )
    assert joined.warnings == []  # type: ignore[attr-defined]


def test_group_ipt_phases_labels_and_group_id(check: Callable[[str], object]) -> None:
    report = check("adaptation: group\nplan: {sessions: 8}\n")
    case = report.case  # type: ignore[attr-defined]
    assert case.plan.phase_spans() == {"initial": (1, 1), "middle": (2, 7), "termination": (8, 8)}
    assert any("group: {id" in i.message for i in report.warnings)  # type: ignore[attr-defined]
    assert area_label("role_transition", "group") == "Life changes"
    assert area_label("interpersonal_deficits", "group") == "Loneliness and social isolation"
    named = check("adaptation: group\ngroup: {id: tuesday-group, members: 6}\nplan: {sessions: 8}\n")
    assert named.warnings == []  # type: ignore[attr-defined]


def test_mood10_is_drawn_but_has_no_outcome_maths(check: Callable[[str], object]) -> None:
    report = check(
        "adaptation: ipt_a\nplan: {sessions: 12}\nsessions:\n"
        "  - {week: 0, measures: {mood10: 3}}\n  - {week: 6, measures: {mood10: 8}}\n"
    )
    outcome = summarize(report.case).measures["mood10"]  # type: ignore[attr-defined]
    assert outcome.response is None and outcome.verdicts["response"].value == "not_applicable"
    assert summarize(report.case).alerts == []  # type: ignore[attr-defined]
    zero = check("plan: {sessions: 12}\nsessions:\n  - {week: 0, measures: {mood10: 0}}\n")
    assert "outside Mood 1-10's range 1-10" in messages(zero)["sessions[0].measures.mood10"]


def test_lost_healthy_self_is_an_ipsrt_area(check: Callable[[str], object]) -> None:
    area = "problem_areas:\n  - {area: lost_healthy_self}\n"
    assert check("adaptation: ipsrt\nplan: {sessions: 16}\n" + area).ok  # type: ignore[attr-defined]
    plain = check("plan: {sessions: 16}\n" + area)
    assert "area of IPSRT only" in messages(plain)["problem_areas[0].area"]


def test_a_revised_focus_keeps_one_primary_at_every_week(check: Callable[[str], object]) -> None:
    revised = (
        "plan: {sessions: 16}\nproblem_areas:\n"
        "  - {area: interpersonal_deficits, until_week: 6}\n"
        "  - {area: role_dispute, people: [mum], stage: impasse, from_week: 7, "
        "revision_reason: the dispute with her mother came out in week 6}\n"
    )
    report = check(revised)
    assert report.ok and report.warnings == []  # type: ignore[attr-defined]
    case = report.case  # type: ignore[attr-defined]
    assert case.primary_focus(3).area == "interpersonal_deficits"
    assert case.primary_focus(9).area == "role_dispute" and case.primary_focus().area == "role_dispute"
    overlapping = check(revised.replace("from_week: 7", "from_week: 5"))
    assert "exactly one problem area must be primary in week 5" in " ".join(messages(overlapping).values())
    unexplained = check(
        revised.replace(", revision_reason: the dispute with her mother came out in week 6", "")
    )
    assert unexplained.ok  # type: ignore[attr-defined]
    assert "revision_reason" in messages(unexplained, "warnings")["problem_areas[1]"]


def test_medication_attendance_and_risk_fields_are_checked_where_they_are(
    check: Callable[[str], object],
) -> None:
    good = check(
        "plan: {sessions: 12, extended_to: 14, recontracted_week: 10}\n"
        "medication:\n  - {week: 4, change: start, text: sertraline 50 mg}\n"
        "sessions:\n  - {week: 0, measures: {phq9: 14}}\n  - {week: 1, attended: false}\n"
        "  - {week: 2, mode: phone, interpreter: true, attendees: [kim], "
        "risk: {assessed: true, level: low, safety_plan: crisis line}}\n"
    )
    assert good.ok  # type: ignore[attr-defined]
    bad = check(
        "plan: {sessions: 12, extended_to: 10}\n"
        "medication:\n  - {week: 4, change: begin}\n"
        "sessions:\n  - {week: 1, attended: false, measures: {phq9: 10}}\n"
        "  - {week: 2, attendees: [nobody], risk: {level: low}}\n"
    )
    found = messages(bad)
    assert "must be more than plan.sessions" in found["plan.extended_to"]
    assert "medication[0].change" in found
    assert "a missed session" in found["sessions[0].measures"]
    assert "sessions[1].risk.assessed" in found


def test_the_schema_documents_the_additions() -> None:
    schema = json_schema()
    for key in ("adaptation", "group", "medication"):
        assert key in schema["properties"]
    session = schema["$defs"]["Session"]["properties"]
    assert {"attended", "mode", "attendees", "interpreter", "risk"} <= set(session)


def test_every_sample_case_still_means_the_same_with_the_defaults() -> None:
    for case_id in ("amara", "joy", "margit", "tobias"):  # the four written before the additions
        case = load_case(Path(__file__).parent.parent / "casebook" / "cases" / f"{case_id}.yaml")
        assert case.adaptation == "standard" and all(s.attended for s in case.sessions)


@pytest.mark.parametrize("adaptation", ["standard", "ipt_a", "group", "perinatal", "ipc", "ipt_m", "ipsrt"])
def test_new_drafts_a_valid_plan_for_each_adaptation(tmp_path: Path, adaptation: str) -> None:
    from ipt_nb.cli import main

    assert main(["new", "draft", "--out", str(tmp_path), "--adaptation", adaptation]) == 0
    report = check_file(tmp_path / "draft.yaml")
    assert report.ok and report.warnings == []
    case = report.case
    assert case is not None and case.adaptation == adaptation
    expected = {"ipt_a": 12, "group": 8, "ipc": 4}.get(adaptation)
    if expected is not None:
        assert case.plan.sessions == expected


def test_edge_cases_a_review_found(check: Callable[[str], object], tmp_path: Path) -> None:
    from ipt_nb import CaseDocument
    from ipt_nb.disclosure import known_case
    from ipt_nb.walkthrough import Walkthrough

    one = check("adaptation: ipc\nplan: {sessions: 1}\nsessions:\n  - {week: 0, measures: {phq9: 12}}\n")
    assert "week 0 of 1" in str(Walkthrough(one.case).week_html(0))  # type: ignore[attr-defined]
    extended = check(
        "plan: {sessions: 12, extended_to: 16, recontracted_week: 10}\n"
        "sessions:\n  - {week: 0, measures: {phq9: 20}}\n  - {week: 5, measures: {phq9: 19}}\n"
        "  - {week: 6, measures: {phq9: 19}}\n  - {week: 7, measures: {phq9: 19}}\n"
        "  - {week: 14, measures: {phq9: 10}}\n"
    ).case  # type: ignore[attr-defined]
    assert known_case(extended, 5).plan.acute_sessions == 12  # not yet re-contracted in week 5
    assert known_case(extended, 10).plan.acute_sessions == 16
    assert "week 14 of 16" in str(Walkthrough(extended).week_html(14))
    # 19 of 20 is 5% better: A3 from the contract's week 5 and A4 from week 6 (12 sessions), not
    # from weeks 6 and 8 of the extended 16; week 14 (50% better) ends both runs
    assert [(a.code, a.week, a.until_week) for a in summarize(extended).alerts] == [
        ("A3", 5, 7),
        ("A4", 6, 7),
    ]
    late = check(
        "plan: {sessions: 12, follow_up_weeks: [22]}\nsessions:\n  - {week: 22, measures: {phq9: 15, gad7: 12}}\n"
    )
    assert summarize(late.case).verdicts["caseness"].value == "not_assessable"  # type: ignore[attr-defined]
    chosen_later = check(
        "plan: {sessions: 16}\nproblem_areas:\n  - {area: interpersonal_deficits, from_week: 3, revision_reason: chosen at the formulation}\n"
    )
    assert chosen_later.ok  # type: ignore[attr-defined]
    reviewed = check(
        "plan: {sessions: 16}\nsessions:\n  - {week: 0, measures: {phq9: 15}, risk: {assessed: true, level: none}}\n"
    )
    assert summarize(reviewed.case).risk_not_recorded == []  # type: ignore[attr-defined]
    mood = check(
        "plan: {sessions: 12, follow_up_weeks: [20]}\nsessions:\n  - {week: 0, measures: {mood10: 4}}\n  - {week: 20, measures: {mood10: 2}}\n"
    )
    assert summarize(mood.case).measures["mood10"].remission_at_follow_up is None  # type: ignore[attr-defined]
    folder = tmp_path / "cases"
    folder.mkdir()
    path = folder / "joy.yaml"
    path.write_bytes((Path(__file__).parent.parent / "casebook" / "cases" / "joy.yaml").read_bytes())
    doc = CaseDocument.open(path)
    assert (
        doc.resolve("../cases/joy.yaml") == doc.path and doc.resolve(" other.yaml ") == folder / "other.yaml"
    )
