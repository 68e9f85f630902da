"""The outcome rules at their edges, on small real case files.

Every expected value is worked out by hand in the test (the arithmetic is in
the comments), never by calling the code under test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipt_nb import charts, report
from ipt_nb.casefile import check_file, load_case
from ipt_nb.instruments import INSTRUMENTS
from ipt_nb.model import Case
from ipt_nb.outcomes import OutcomeConfig, format_table, summarize, summary_line

HEAD = """\
format: ipt-case/1
id: edge
title: "Edge: a hand-computed case"
provenance: invented
patient: {label: Pat, age: 40}
diagnosis: {label: MDD}
people: []
"""


@pytest.fixture
def case_of(write_case: Callable[[str, str], Path]) -> Callable[..., Case]:
    """A case from a plan line and session lines, written to a real YAML file and loaded."""

    def build(sessions: str, plan: str = "plan: {sessions: 16}", extra: str = "") -> Case:
        text = HEAD + plan + "\n" + extra + "sessions:\n" + sessions
        return load_case(write_case(text, "edge.yaml"))

    return build


def ids_weeks(case: Case, config: OutcomeConfig | None = None) -> list[tuple[str, int, int | None]]:
    return [(a.code, a.week, a.until_week) for a in summarize(case, config).alerts]


# -- risk ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "total", "least"),
    [
        ("phq9", 27, 3),  # the other 8 items reach 8 * 3 = 24; 27 - 24 = 3
        ("phq9", 25, 1),  # 25 - 24 = 1
        ("epds", 30, 3),  # the other 9 items reach 27; 30 - 27 = 3
        ("epds", 28, 1),  # 28 - 27 = 1
        ("bdi2", 61, 1),  # the other 20 items reach 60
        ("hamd17", 49, 1),  # 52 in all, item 3 scores up to 4: the others reach 48
    ],
)
def test_a_total_that_forces_the_risk_item_raises_a1(
    case_of: Callable[..., Case], measure: str, total: int, least: int
) -> None:
    case = case_of(f"  - {{week: 0, measures: {{{measure}: {total}}}}}\n")
    (alert,) = summarize(case).alerts
    item = {"phq9": 9, "epds": 10, "bdi2": 9, "hamd17": 3}[measure]
    assert (alert.id, alert.week, alert.measure) == ("A1_risk_item", 0, measure)
    assert f"total {total}: item {item} must be at least {least}" in alert.message


@pytest.mark.parametrize(("measure", "total"), [("phq9", 24), ("epds", 27), ("hamd17", 48)])
def test_a_total_just_below_forcing_raises_no_a1_but_says_risk_was_not_recorded(
    case_of: Callable[..., Case], measure: str, total: int
) -> None:
    case = case_of(
        f"  - {{week: 0, measures: {{{measure}: {total}}}}}\n  - {{week: 1, measures: {{{measure}: 5}}}}\n"
    )
    summary = summarize(case)
    assert [a for a in summary.alerts if a.code == "A1"] == []
    (gap,) = summary.risk_not_recorded
    assert (gap.measure, gap.weeks) == (measure, [0, 1])
    assert format_table(summary).count("risk item not recorded") == 1


def test_hamd_item_3_is_a_risk_item(case_of: Callable[..., Case]) -> None:
    items = [2, 2, 3, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]  # item 3 (suicide) scored 3
    case = case_of(f"  - {{week: 0, measures: {{hamd17: {{items: {items}}}}}}}\n")
    (alert,) = summarize(case).alerts
    assert alert.code == "A1" and "HAM-D-17 item 3 is 3" in alert.message
    assert summarize(case).risk_not_recorded == []  # items settle the question


def test_an_a1_without_a_risk_review_that_week_is_unreviewed(case_of: Callable[..., Case]) -> None:
    reviewed = "risk: {assessed: true, level: low, safety_plan: call the crisis line}"
    case = case_of(
        "  - {week: 0, measures: {phq9: {items: [2, 2, 2, 2, 2, 2, 2, 2, 1]}}, " + reviewed + "}\n"
        "  - {week: 1, measures: {phq9: {items: [2, 2, 2, 2, 2, 2, 2, 2, 2]}}}\n"
    )
    summary = summarize(case)
    assert [(a.week, a.reviewed) for a in summary.alerts if a.code == "A1"] == [(0, True), (1, False)]
    assert [a.week for a in summary.unreviewed_risk] == [1]
    table = format_table(summary)
    assert table.index("RISK UNREVIEWED: week 1") < table.index("measure")  # before the table
    assert "RISK UNREVIEWED wk 1" in summary_line(case)
    assert "unreviewed" in str(report.outcomes(summary))


def test_a_missing_item_is_a_located_error_never_a_zero(write_case: Callable[[str, str], Path]) -> None:
    text = (
        HEAD
        + "plan: {sessions: 16}\nsessions:\n  - {week: 0, measures: {phq9: {items: [1, 1, 1, 1, 1, 1, 1, 1, null]}}}\n"
    )
    (issue,) = check_file(write_case(text, "missing.yaml")).errors
    assert issue.path == "sessions[0].measures.phq9.items"
    assert "item 9 is missing" in issue.message and "does not prorate" in issue.message
    assert issue.line == text.splitlines().index(text.splitlines()[-1]) + 1


# -- defined everywhere ----------------------------------------------------------------------------


def test_a_zero_baseline_makes_response_and_remission_not_applicable(case_of: Callable[..., Case]) -> None:
    case = case_of(
        "  - {week: 0, measures: {phq9: 0}}\n  - {week: 8, measures: {phq9: 3}}\n"
        "  - {week: 16, measures: {phq9: 2}}\n"
    )
    summary = summarize(case)
    phq9 = summary.measures["phq9"]
    assert phq9.percent_change is None and phq9.response is None and phq9.remission is None
    assert phq9.verdicts["response"].value == "not_applicable"
    assert phq9.verdicts["response"].reason == "baseline is 0"
    assert phq9.remission_week is None and phq9.response_week is None
    assert phq9.change == 2 and phq9.reliable_deterioration is False  # 2 - 0 = 2 < 6
    assert [a for a in summary.alerts if a.code in ("A3", "A4", "A6")] == []
    assert "n/a" in format_table(summary) and "PHQ-9 0->2" in summary_line(case)
    assert "not applicable" in str(report.outcomes(summary))


def test_a_baseline_already_in_remission_is_not_applicable_but_deterioration_still_counts(
    case_of: Callable[..., Case],
) -> None:
    case = case_of("  - {week: 0, measures: {phq9: 4}}\n  - {week: 16, measures: {phq9: 11}}\n")
    summary = summarize(case)
    phq9 = summary.measures["phq9"]
    assert phq9.verdicts["remission"].value == "not_applicable"
    assert "already at or below remission (<= 4)" in phq9.verdicts["remission"].reason
    assert phq9.reliable_deterioration is True  # 11 - 4 = 7 >= 6
    assert [(a.code, a.week) for a in summary.alerts] == [("A2", 16)]


# -- NHS Talking Therapies ---------------------------------------------------------------------------


def test_a_non_case_at_baseline_makes_recovery_not_applicable(case_of: Callable[..., Case]) -> None:
    # PHQ-9 8 < 10 and GAD-7 6 < 8: not a case
    case = case_of(
        "  - {week: 0, measures: {phq9: 8, gad7: 6}}\n  - {week: 1, measures: {phq9: 7, gad7: 6}}\n"
        "  - {week: 16, measures: {phq9: 2, gad7: 1}}\n"
    )
    summary = summarize(case)
    assert summary.caseness is False and summary.recovery is None
    assert summary.verdicts["recovery"].value == "not_applicable"
    assert summary.verdicts["recovery"].reason == "not a case at baseline"
    assert summary.reliable_improvement is True  # PHQ-9 8 - 2 = 6 >= 6, no deterioration


def test_a_missing_gad7_end_score_makes_recovery_not_assessable(case_of: Callable[..., Case]) -> None:
    case = case_of(
        "  - {week: 0, measures: {phq9: 15, gad7: 12}}\n  - {week: 1, measures: {phq9: 13}}\n"
        "  - {week: 16, measures: {phq9: 4}}\n"
    )
    summary = summarize(case)
    assert summary.caseness is True
    assert summary.recovery is None and summary.reliable_recovery is None
    assert summary.verdicts["recovery"].value == "not_assessable"
    assert "GAD-7" in summary.verdicts["recovery"].reason


def test_a_single_treatment_session_is_not_a_finished_course(case_of: Callable[..., Case]) -> None:
    case = case_of(
        "  - {week: 0, measures: {phq9: 15, gad7: 12}}\n  - {week: 1, measures: {phq9: 3, gad7: 2}}\n"
    )
    summary = summarize(case)
    assert summary.recovery is None and summary.reliable_improvement is None
    assert summary.verdicts["recovery"].value == "not_applicable"
    assert "1 treatment session" in summary.verdicts["recovery"].reason


def test_nhs_recovery_needs_both_measures_below_caseness(case_of: Callable[..., Case]) -> None:
    # PHQ-9 15 -> 8 (below 10, drop 7 >= 6); GAD-7 10 -> 9 (still >= 8, drop 1 < 4)
    case = case_of(
        "  - {week: 0, measures: {phq9: 15, gad7: 10}}\n  - {week: 1, measures: {phq9: 14, gad7: 10}}\n"
        "  - {week: 16, measures: {phq9: 8, gad7: 9}}\n"
    )
    summary = summarize(case)
    assert (summary.caseness, summary.recovery, summary.reliable_improvement) == (True, False, True)
    assert (summary.reliable_recovery, summary.reliable_deterioration) == (False, False)


# -- sessions are not weeks --------------------------------------------------------------------------


def test_missed_sessions_end_acute_treatment_at_the_last_attended_one(case_of: Callable[..., Case]) -> None:
    case = case_of(
        "  - {week: 0, measures: {phq9: 20}}\n  - {week: 10, measures: {phq9: 12}}\n"
        "  - {week: 11, attended: false}\n  - {week: 12, attended: false}\n"
        "  - {week: 20, measures: {phq9: 4}}\n",
        plan="plan: {sessions: 12, follow_up_weeks: [20]}",
    )
    summary = summarize(case)
    phq9 = summary.measures["phq9"]
    assert (phq9.end, phq9.end_week) == (12, 10)  # not the follow-up's 4
    assert phq9.response is False and phq9.response_week is None  # 12 is 40% below 20; week 20 is follow-up
    assert phq9.remission_week is None and [p.week for p in phq9.follow_up] == [20]
    assert (summary.missed_weeks, summary.treatment_sessions) == ([11, 12], 1)
    assert "missed week(s) 11, 12" in format_table(summary)


def test_an_extended_course_ends_at_its_new_length(case_of: Callable[..., Case]) -> None:
    case = case_of(
        "  - {week: 0, measures: {phq9: 20}}\n  - {week: 12, measures: {phq9: 12}}\n"
        "  - {week: 14, measures: {phq9: 9}}\n",
        plan="plan: {sessions: 12, extended_to: 14, recontracted_week: 10}",
    )
    phq9 = summarize(case).measures["phq9"]
    assert (phq9.end_week, phq9.response, phq9.response_week) == (14, True, 14)  # 9 <= 20 * 0.5


# -- alerts that fit the course ----------------------------------------------------------------------


def test_exactly_twenty_percent_at_the_early_review_is_on_track(case_of: Callable[..., Case]) -> None:
    on_track = case_of("  - {week: 0, measures: {phq9: 20}}\n  - {week: 6, measures: {phq9: 16}}\n")
    assert ids_weeks(on_track) == []  # (20 - 16) / 20 = 0.20, not below 0.20
    behind = case_of("  - {week: 0, measures: {phq9: 20}}\n  - {week: 6, measures: {phq9: 17}}\n")
    assert ids_weeks(behind) == [("A3", 6, 6)]  # 3 / 20 = 0.15


def test_a_persisting_alert_is_one_run(case_of: Callable[..., Case]) -> None:
    case = case_of(
        "  - {week: 0, measures: {phq9: 20}}\n  - {week: 6, measures: {phq9: 18}}\n"
        "  - {week: 7, measures: {phq9: 18}}\n  - {week: 8, measures: {phq9: 17}}\n"
        "  - {week: 9, measures: {phq9: 14}}\n"
    )
    # A3 from week 6: 10%, 10%, 15% below 20%; week 9 is 30%. A4 from week 8: 15% < 25%; 30% is not.
    assert ids_weeks(case) == [("A3", 6, 8), ("A4", 8, 8)]
    assert "A3@wk6-8" in summary_line(case)


@pytest.mark.parametrize(("sessions", "early", "mid"), [(8, 3, 4), (12, 5, 6), (16, 6, 8)])
def test_review_points_scale_with_the_course(
    case_of: Callable[..., Case], sessions: int, early: int, mid: int
) -> None:
    # early = ceil(6 / 16 * sessions), mid = ceil(8 / 16 * sessions): 8 -> 3, 4; 12 -> 4.5 -> 5, 6
    lines = "".join(f"  - {{week: {w}, measures: {{phq9: 20}}}}\n" for w in range(sessions + 1))
    case = case_of(lines, plan=f"plan: {{sessions: {sessions}}}")
    assert ids_weeks(case) == [("A3", early, sessions), ("A4", mid, sessions)]
    assert f"A3: from week {early} of {sessions}" in format_table(summarize(case))


def test_remission_alert_watches_an_epds_only_case(case_of: Callable[..., Case]) -> None:
    case = case_of(
        "  - {week: 0, measures: {epds: 15}}\n  - {week: 5, measures: {epds: 9}}\n",
        plan="plan: {sessions: 12}",
    )
    assert [(a.code, a.week, a.measure) for a in summarize(case).alerts] == [("A6", 5, "epds")]  # 9 <= 9


def test_sustained_remission_needs_consecutive_scored_weeks(case_of: Callable[..., Case]) -> None:
    case = case_of(
        "  - {week: 0, measures: {phq9: 20}}\n  - {week: 10, measures: {phq9: 4}}\n"
        "  - {week: 11, measures: {phq9: 6}}\n  - {week: 12, measures: {phq9: 4}}\n",
        plan="plan: {sessions: 12}",
    )
    once = summarize(case).measures["phq9"]
    assert (once.remission, once.remission_week) == (True, 10)
    held = summarize(case, OutcomeConfig(sustained_remission_weeks=2))
    assert (held.measures["phq9"].remission, held.measures["phq9"].remission_week) == (False, None)
    assert "remission held for 2 consecutive scored weeks" in format_table(held)


# -- sources and options -----------------------------------------------------------------------------


def test_epds_reliable_change_uses_matthey_2004() -> None:
    # 1.96 * sqrt(2) * SD * sqrt(1 - r) with SD 4 and r 0.87: 1.96 * 1.41421 * 4 * 0.36056 = 3.998
    assert INSTRUMENTS["epds"].reliable_change.points == pytest.approx(
        round(1.96 * math.sqrt(2) * 4 * math.sqrt(1 - 0.87), 2)
    )
    assert "Matthey 2004" in INSTRUMENTS["epds"].reliable_change.source


def test_hamd_band_scheme_is_selectable(case_of: Callable[..., Case]) -> None:
    case = case_of("  - {week: 0, measures: {hamd17: 15}}\n")
    assert summarize(case).measures["hamd17"].baseline_band == "mild"  # Zimmerman 8-16
    rush = summarize(case, OutcomeConfig(hamd_bands="rush_2003")).measures["hamd17"]
    assert rush.baseline_band == "moderate" and "Rush" in rush.band_scheme  # Rush 14-19


def test_epds_reverse_scored_items_are_named() -> None:
    assert INSTRUMENTS["epds"].reverse_scored_items == (3, 5, 6, 7, 8, 9, 10)


# -- decision support ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("death_week", "warned"), [(-200, True), (-124, False), (-30, False)])
def test_grief_for_a_death_long_before_onset_is_a_warning(
    write_case: Callable[[str, str], Path], death_week: int, warned: bool
) -> None:
    # onset -20: a death more than 104 weeks earlier (before week -124) is warned about
    text = (
        HEAD.replace(
            "people: []\n",
            "people:\n  - {id: gran, label: Gran, relationship: other_family, "
            "status: deceased, ring: null}\n",
        )
        + "plan: {sessions: 16}\nepisode: {onset_week: -20}\n"
        + f"timeline:\n  - {{week: {death_week}, kind: death, people: [gran]}}\n"
        + "problem_areas:\n  - {area: grief, people: [gran]}\n"
    )
    report_ = check_file(write_case(text, "grief.yaml"))
    assert report_.ok
    assert any("more than two years" in w.message for w in report_.warnings) is warned


# -- never raises -------------------------------------------------------------------------------------


def _session(week: int, scores: dict[str, int], attended: bool) -> dict[str, object]:
    if not attended:
        return {"week": week, "attended": False}
    return {"week": week, "measures": scores}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    sessions_planned = draw(st.integers(6, 24))
    weeks = sorted(draw(st.sets(st.integers(0, sessions_planned + 12), min_size=1, max_size=20)))
    measures = draw(st.lists(st.sampled_from(sorted(INSTRUMENTS)), min_size=1, max_size=5, unique=True))
    sessions = []
    for week in weeks:
        scores = {
            m: draw(st.integers(INSTRUMENTS[m].total_min, INSTRUMENTS[m].total_max))
            for m in measures
            if draw(st.booleans()) or week == weeks[0]
        }
        sessions.append(_session(week, scores, week == 0 or draw(st.integers(0, 5)) > 0))
    follow = [w for w in weeks if w > sessions_planned]
    data = {
        "format": "ipt-case/1",
        "id": "gen",
        "title": "generated",
        "provenance": "invented",
        "patient": {"label": "Pat"},
        "diagnosis": {"label": "MDD"},
        "plan": {"sessions": sessions_planned, "follow_up_weeks": follow},
        "people": [],
        "sessions": sessions,
    }
    return Case.model_validate(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_outcomes_never_raise_on_a_valid_case(case: Case) -> None:
    summary = summarize(case)
    summary.model_dump_json()
    format_table(summary)
    summary_line(case)
    str(report.outcomes(summary))
    charts.trajectory(case)
    charts.trajectory(case, view="percent")
    charts.cohort([case])
    for outcome in summary.measures.values():
        for verdict in outcome.verdicts.values():
            assert (verdict.value in ("yes", "no")) == (verdict.reason == "")


def test_the_time_limit_element_reads_the_plan(case_of: Callable[..., Case]) -> None:
    from ipt_nb.formulation import covered_elements

    case = case_of("  - {week: 0, measures: {phq9: 15}}\n")  # plan: 16 sessions
    assert covered_elements("We will meet for 16 weekly sessions.", case)["F4"] is True
    assert covered_elements("We will meet for twelve weekly sessions.", case)["F4"] is False
    assert covered_elements("We will meet for 12 weekly sessions.")["F4"] is True  # without the plan
    extended = case_of("  - {week: 0}\n", plan="plan: {sessions: 12, extended_to: 14}")
    assert covered_elements("Now 14 sessions in all.", extended)["F4"] is True
