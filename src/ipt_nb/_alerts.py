"""Measurement-based-care alerts over a case (IPT.md 8.4, rules A1-A4 and A6), and risk gaps.

A1 (risk) is raised from every source that settles it: the risk item of each
instrument that has one (PHQ-9 9, BDI-II 9, EPDS 10, HAM-D-17 3) and a total so
high that the risk item cannot be 0. A total that leaves the risk item open is
a :class:`RiskGap`: risk was not recorded that week, which is said once per
measure with its weeks. Every other alert that persists is one run
(``week`` .. ``until_week``), not one alert a week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from .instruments import DEPRESSION_MEASURES, INSTRUMENTS, MeasureId

if TYPE_CHECKING:
    from .model import Case
    from .outcomes import MeasureOutcome, OutcomeConfig

ALERT_TEXT = {
    "A1_risk_item": "risk item above 0: review risk now",
    "A2_reliable_deterioration": "reliable deterioration from baseline: review",
    "A3_not_on_track_early": "not on track: less improvement than expected by now",
    "A4_no_response_mid": "no response by mid-treatment: supervision, focus and medication review",
    "A6_remission_reached": "remission reached",
}
ALERT_SEVERITY: dict[str, Literal["urgent", "high", "medium", "info"]] = {
    "A1_risk_item": "urgent",
    "A2_reliable_deterioration": "high",
    "A3_not_on_track_early": "medium",
    "A4_no_response_mid": "medium",
    "A6_remission_reached": "info",
}


class Alert(BaseModel):
    id: str
    week: int
    """The week the alert fires (the first week of a run)."""
    measure: MeasureId
    severity: Literal["urgent", "high", "medium", "info"]
    message: str
    until_week: int | None = None
    """Last week of a run of consecutive scored weeks that kept the alert (``week`` when it is one)."""
    weeks: list[int] = []
    """Every scored week of the run."""
    reason: str = ""
    """What triggered it, e.g. ``PHQ-9 total 27: item 9 must be at least 3``."""
    reviewed: bool | None = None
    """A1 only: whether that week's session records a risk review (``risk.assessed``)."""

    @property
    def code(self) -> str:
        """The short code (``A3``) of the alert id (``A3_not_on_track_early``)."""
        return self.id.split("_", 1)[0]

    def weeks_text(self) -> str:
        """``6`` or ``6-8``."""
        last = self.until_week if self.until_week is not None else self.week
        return f"{self.week}" if last == self.week else f"{self.week}-{last}"


class RiskGap(BaseModel):
    """A measure with a risk item recorded as totals that do not settle it."""

    measure: MeasureId
    item: int
    weeks: list[int]

    def text(self) -> str:
        name = INSTRUMENTS[self.measure].short
        weeks = ", ".join(str(w) for w in self.weeks)
        return f"{name} risk item not recorded (item {self.item}; total only) in week(s) {weeks}"


def _alert(alert_id: str, weeks: list[int], measure: MeasureId, reason: str = "") -> Alert:
    message = ALERT_TEXT[alert_id]
    if alert_id == "A1_risk_item" and reason:
        message = f"{reason}: review risk now"
    return Alert(
        id=alert_id,
        week=weeks[0],
        until_week=weeks[-1],
        weeks=weeks,
        measure=measure,
        severity=ALERT_SEVERITY[alert_id],
        message=message,
        reason=reason,
    )


def compute_alerts(
    case: Case, config: OutcomeConfig, measures: dict[MeasureId, MeasureOutcome]
) -> list[Alert]:
    """Every alert with the week it fires, in week order, from the case's measure outcomes."""
    found = [
        *risk_alerts(case),
        *_trajectory_alerts(case, config, measures),
        *_remission_alert(case, config, measures),
    ]
    return sorted(found, key=lambda a: (a.week, a.id, a.measure))


def risk_alerts(case: Case) -> list[Alert]:
    """A1 for each session and measure whose risk item is, or must be, above 0."""
    found = []
    for session in case.sessions:
        reviewed = session.risk is not None and session.risk.assessed
        for measure, score in session.measures.items():
            instrument = INSTRUMENTS[measure]
            item = instrument.risk_item
            if item is None:
                continue
            if score.items is not None and len(score.items) >= item:
                value = score.items[item - 1]
                reason = f"{instrument.short} item {item} is {value}" if value > 0 else ""
            else:
                least = instrument.forced_risk_minimum(score.score)
                reason = (
                    f"{instrument.short} total {score.score}: item {item} must be at least {least}"
                    if least > 0
                    else ""
                )
            if reason:
                alert = _alert("A1_risk_item", [session.week], measure, reason)
                found.append(alert.model_copy(update={"reviewed": reviewed}))
    return found


def risk_gaps(case: Case) -> list[RiskGap]:
    """Per measure with a risk item: the weeks it was recorded as a total that leaves the item open."""
    weeks: dict[MeasureId, list[int]] = {}
    for session in case.sessions:
        if session.risk is not None and session.risk.assessed:
            continue  # the week's risk review records risk, whatever the totals leave open
        for measure, score in session.measures.items():
            instrument = INSTRUMENTS[measure]
            if instrument.risk_item is None or score.items is not None:
                continue
            if instrument.forced_risk_minimum(score.score) == 0:
                weeks.setdefault(measure, []).append(session.week)
    return [RiskGap(measure=m, item=INSTRUMENTS[m].risk_item or 0, weeks=w) for m, w in weeks.items()]


def _runs(weeks_flags: list[tuple[int, bool]]) -> list[list[int]]:
    """Consecutive flagged entries of a week-ordered list, as lists of weeks."""
    runs: list[list[int]] = []
    current: list[int] = []
    for week, flagged in weeks_flags:
        if flagged:
            current.append(week)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _trajectory_alerts(
    case: Case, config: OutcomeConfig, measures: dict[MeasureId, MeasureOutcome]
) -> list[Alert]:
    found = []
    early, mid = config.review_weeks(case.plan.sessions)  # the contract in force at the reviews
    acute_weeks = {s.week for s in case.treatment_sessions()}
    for measure, outcome in measures.items():
        if not INSTRUMENTS[measure].outcome_maths:
            continue
        baseline = outcome.baseline
        later = [p for p in outcome.scores if p.week > outcome.baseline_week]
        worse = [p.week for p in later if p.score - baseline >= outcome.reliable_change_points]
        if worse:
            found.append(_alert("A2_reliable_deterioration", worse[:1], measure))
        if outcome.verdicts["response"].value == "not_applicable":
            continue  # a baseline at or below remission cannot be "not on track"
        acute = [p for p in later if p.week in acute_weeks]
        for alert_id, review, least in (
            ("A3_not_on_track_early", early, config.early_min_improvement),
            ("A4_no_response_mid", mid, config.mid_min_improvement),
        ):
            flags = [(p.week, (baseline - p.score) / baseline < least) for p in acute if p.week >= review]
            found += [_alert(alert_id, run, measure) for run in _runs(flags)]
    return found


def _remission_alert(
    case: Case, config: OutcomeConfig, measures: dict[MeasureId, MeasureOutcome]
) -> list[Alert]:
    """A6 once, at the first week a watched measure is in remission (held for the sustained-remission
    rule's weeks when it is on: the alert fires when the last of them is scored, never before)."""
    run = config.sustained_remission_weeks or 1
    acute_weeks = {s.week for s in case.treatment_sessions()}
    reached: list[tuple[int, int, MeasureId]] = []
    for order, measure in enumerate(depression_measures(case, config)):
        outcome = measures[measure]
        if outcome.verdicts["remission"].value == "not_applicable":
            continue
        streak = 0
        for point in outcome.scores:
            if point.week <= outcome.baseline_week or point.week not in acute_weeks:
                continue
            streak = streak + 1 if point.score <= config.remission_max[measure] else 0
            if streak >= run:
                reached.append((point.week, order, measure))
                break
    if not reached:
        return []
    week, _, measure = min(reached)
    return [_alert("A6_remission_reached", [week], measure)]


def depression_measures(case: Case, config: OutcomeConfig) -> list[MeasureId]:
    """Measures A6 watches: the configured ones, else every depression measure the case uses."""
    watched = config.remission_alert_measures or DEPRESSION_MEASURES
    return [m for m in case.measures_present() if m in watched]
