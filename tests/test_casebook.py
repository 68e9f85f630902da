"""The sample casebook: valid with no warnings, valid against the exported JSON Schema, and its
outcomes match the expected derivations written beside each case in IPT.md section 11."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ipt_nb import load_case
from ipt_nb.casefile import check_file, json_schema, read_text
from ipt_nb.cli import main
from ipt_nb.model import Question
from ipt_nb.outcomes import summarize
from ipt_nb.privacy import lint_file

from .conftest import CASES, GROUP_FOLDERS, SAMPLE_IDS, TEACHING_FILES


def test_the_casebook_holds_sixteen_teaching_cases_with_the_group_in_a_folder_of_its_own() -> None:
    individual = sorted(p.stem for p in CASES.glob("*.yaml"))
    assert set(SAMPLE_IDS) <= set(individual)
    assert len(individual) + len(GROUP_FOLDERS) == 16
    (group,) = GROUP_FOLDERS
    members = [load_case(p) for p in sorted(group.glob("*.yaml"))]
    assert len(members) >= 5
    assert {m.adaptation for m in members} == {"group"}
    assert len({m.group.id for m in members if m.group}) == 1


@pytest.mark.parametrize("path", TEACHING_FILES, ids=lambda p: p.stem)
def test_every_teaching_case_is_valid_lint_clean_and_has_a_week_tagged_answer(path: Path) -> None:
    report = check_file(path)
    assert report.ok and report.warnings == [], [i.format() for i in report.errors + report.warnings]
    assert lint_file(path) == []
    case = load_case(path)
    assert case.teaching and case.teaching.answer, "a teaching answer"
    questions = case.teaching.discussion_questions
    assert questions and all(isinstance(q, Question) for q in questions), "week-tagged questions"
    areas = {f.area for f in case.problem_areas}
    assert case.teaching.answer.problem_area in areas


def test_the_casebook_covers_what_a_course_needs() -> None:
    cases = [load_case(p) for p in TEACHING_FILES]
    adaptations = {c.adaptation for c in cases}
    assert {"standard", "ipt_a", "group", "perinatal", "ipc", "ipt_m"} <= adaptations
    stages = {s.stage for c in cases for s in c.sessions if s.stage} | {
        f.stage for c in cases for f in c.problem_areas if f.stage
    }
    assert {"renegotiation", "impasse", "dissolution"} <= stages
    assert any(not s.attended for c in cases for s in c.sessions), "missed sessions"
    assert any(c.medication for c in cases), "medication alongside IPT"
    assert any(f.from_week is not None for c in cases for f in c.problem_areas), "a revised focus"
    assert any(s.interpreter for c in cases for s in c.sessions) and any(
        s.mode == "phone" for c in cases for s in c.sessions
    )
    assert any("mood10" in s.measures for c in cases for s in c.sessions)
    assert any(s.attendees for c in cases if c.adaptation == "ipt_a" for s in c.sessions)
    assert any(not c.diagnosis.label.lower().startswith("major depressive") for c in cases), "a non-mood use"
    dropout = [c for c in cases if c.termination is None and c.adaptation == "standard"]
    assert dropout, "a case that ends in dropout"


def test_each_sample_is_valid_without_warnings(sample_path: Path) -> None:
    report = check_file(sample_path)
    assert report.ok and report.warnings == [], [i.format() for i in report.errors + report.warnings]


def test_each_sample_is_complete(sample_path: Path) -> None:
    case = load_case(sample_path)
    assert 4 <= len(case.people) <= 7
    assert case.timeline and case.problem_areas and case.goals and case.termination and case.teaching
    assert case.formulation and case.formulation.agreed == "agreed"
    weeks = [s.week for s in case.sessions]
    assert weeks == [*range(case.plan.sessions + 1), *case.plan.follow_up_weeks]
    acute = [s for s in case.sessions if 1 <= s.week <= case.plan.sessions]
    assert all(s.techniques and s.adherence for s in acute)
    assert any(s.ratings for s in case.sessions)
    assert case.teaching.answer and case.teaching.answer.problem_area == case.primary_focus().area  # type: ignore[union-attr]


def test_samples_validate_against_the_exported_schema(sample_path: Path) -> None:
    from ipt_nb._yaml import parse_fast

    validator = jsonschema.Draft202012Validator(json_schema())
    errors = list(validator.iter_errors(parse_fast(read_text(sample_path))))
    assert errors == []


def test_the_schema_rejects_what_the_model_rejects() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    case = json.loads(load_case(CASES / "joy.yaml").model_dump_json(exclude_unset=True))
    case["people"][0]["ringg"] = 2
    case["people"][1]["ring"] = 4
    messages = [e.message for e in validator.iter_errors(case)]
    assert any("ringg" in m for m in messages) and any("4" in m for m in messages)


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["title"] == "ipt-case/1"


def alerts_of(case_id: str) -> list[tuple[str, int]]:
    return [(a.id, a.week) for a in summarize(load_case(CASES / f"{case_id}.yaml")).alerts]


def test_joy_expected_derivations() -> None:
    summary = summarize(load_case(CASES / "joy.yaml"))
    phq9, hamd = summary.measures["phq9"], summary.measures["hamd17"]
    assert phq9.baseline_band == "moderately_severe"
    assert phq9.response_week == 10
    assert phq9.remission_week == 15
    assert phq9.reliable_improvement and phq9.change == -15
    assert hamd.end_week == 16 and hamd.end == 6 and hamd.remission
    assert phq9.remission_at_follow_up is True
    assert alerts_of("joy") == [("A6_remission_reached", 15)]


def test_margit_expected_derivations() -> None:
    summary = summarize(load_case(CASES / "margit.yaml"))
    hamd = summary.measures["hamd17"]
    assert hamd.baseline_band == "moderate" and "Zimmerman" in hamd.band_scheme
    assert hamd.response_week == 12
    assert hamd.remission_week == 16
    week9 = next(p for p in hamd.scores if p.week == 9)
    assert week9.score == 16 and week9.change == -6 and not hamd.reliable_deterioration
    # PHQ-9 item 9 is 1 at intake (a passive wish to join her husband), reviewed that week
    assert alerts_of("margit") == [("A1_risk_item", 0), ("A6_remission_reached", 16)]
    assert summary.unreviewed_risk == []


def test_amara_expected_derivations() -> None:
    summary = summarize(load_case(CASES / "amara.yaml"))
    epds, phq9 = summary.measures["epds"], summary.measures["phq9"]
    assert epds.baseline >= 13 and epds.baseline_band == "probable_depression"
    assert epds.remission_week == 9
    assert phq9.response and phq9.end_week == 12 and phq9.percent_change == pytest.approx(-68.8)
    # EPDS item 10 and PHQ-9 item 9 are 1 at intake; EPDS 9 <= 9 in week 9 is remission (A6)
    assert alerts_of("amara") == [("A1_risk_item", 0), ("A1_risk_item", 0), ("A6_remission_reached", 9)]
    assert summary.unreviewed_risk == []  # the intake records its risk review


def test_tobias_expected_derivations() -> None:
    summary = summarize(load_case(CASES / "tobias.yaml"))
    phq9 = summary.measures["phq9"]
    assert phq9.change == -8 and phq9.reliable_improvement and phq9.response and not phq9.remission
    # NHS recovery needs GAD-7 too, which Tobias's sessions do not record
    assert summary.caseness and summary.recovery is None and summary.reliable_recovery is None
    assert summary.verdicts["recovery"].value == "not_assessable"
    # PHQ-9 16 -> 16, 15, 14 in weeks 6-8: 0%, 6%, 12.5% improvement, below 20%: one A3 run;
    # week 9 (12) is 25%, which ends the A3 run and is not below the 25% of A4
    assert [(a.id, a.week, a.until_week) for a in summary.alerts] == [
        ("A3_not_on_track_early", 6, 8),
        ("A4_no_response_mid", 8, 8),
    ]


def test_recovery_needs_an_end_score_for_every_measure_at_caseness(tmp_path: Path) -> None:
    from ipt_nb import Case

    data = load_case(CASES / "amara.yaml").model_dump(mode="json", exclude_unset=True)
    for session in data["sessions"]:
        if session["week"] > 0:
            session.get("measures", {}).pop("gad7", None)  # GAD-7 at caseness at intake, never again
    summary = summarize(Case.model_validate(data))
    assert summary.caseness is True and summary.recovery is None and summary.reliable_recovery is None
