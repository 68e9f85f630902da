"""Outcome maths over a case: baseline and end scores, response, remission, reliable change,
NHS Talking Therapies caseness and recovery, risk, and measurement-based-care alerts.

Pure functions of a :class:`~ipt_nb.model.Case`; nothing here draws or writes.
Every threshold comes from :mod:`ipt_nb.instruments` through an
:class:`OutcomeConfig` that a site may change, and the summary carries the
parameters it used so a report can print them.

Each yes/no here can also be "not applicable" (the definition does not apply,
such as response for a baseline already in remission) or "not assessable" (it
applies but the data to judge it are missing). The boolean fields are ``None``
in both cases; ``verdicts`` says which, and why.

Sessions are not weeks: the acute course is the attended sessions of weeks
1..``plan.acute_sessions`` (``plan.extended_to`` when the course was
re-contracted); its last scored session is the end of acute treatment;
response and remission are looked for within it, and later sessions are
reported as follow-up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ._alerts import ALERT_SEVERITY, ALERT_TEXT, Alert, RiskGap, compute_alerts, risk_alerts, risk_gaps
from ._outcome_text import format_table, one_line, threshold_lines
from .instruments import (
    HAMD_BAND_SCHEMES,
    INSTRUMENTS,
    MAIN_MEASURE_ORDER,
    RESPONSE_FRACTION,
    Band,
    MeasureId,
    measure_id,
)
from .model import Case

__all__ = [
    "ALERT_SEVERITY",
    "ALERT_TEXT",
    "NHS_MEASURES",
    "Alert",
    "MeasureOutcome",
    "OutcomeConfig",
    "OutcomeSummary",
    "RiskGap",
    "ScorePoint",
    "Verdict",
    "alerts",
    "format_table",
    "improvement",
    "main_measure",
    "measure_outcome",
    "not_applicable_reason",
    "risk_alerts",
    "summarize",
    "summary_line",
    "threshold_lines",
]

NHS_MEASURES: tuple[MeasureId, ...] = ("phq9", "gad7")
"""Measures NHS Talking Therapies uses for caseness, recovery and reliable improvement."""
NHS_SOURCE = (
    "NHS Talking Therapies for anxiety and depression Manual, v7 (2024), and the NHS Talking "
    "Therapies data set (IAPT v2.1) outcome definitions"
)
NHS_FINISHED_MIN_SESSIONS = 2
"""A finished course of treatment has at least two treatment sessions (NHS_SOURCE)."""


class OutcomeConfig(BaseModel):
    """Thresholds for outcomes and alerts; defaults follow IPT.md sections 8.2-8.4."""

    model_config = ConfigDict(frozen=True)

    response_fraction: float = Field(default=RESPONSE_FRACTION, gt=0, le=1)
    remission_max: dict[str, Annotated[int, Field(ge=0, strict=True)]] = Field(
        default_factory=lambda: {str(m): i.remission_max for m, i in INSTRUMENTS.items()}
    )
    """Per measure; measures left out keep the kit's value."""
    reliable_change_points: dict[str, Annotated[float, Field(gt=0, allow_inf_nan=False)]] = Field(
        default_factory=lambda: {str(m): i.reliable_change.points for m, i in INSTRUMENTS.items()}
    )
    """Per measure; measures left out keep the kit's value."""
    early_review_week: Annotated[int, Field(ge=1)] | None = None
    """A3 review point; ``None`` scales it with the course: ``ceil(early_review_fraction * sessions)``."""
    early_review_fraction: float = Field(default=6 / 16, gt=0, le=1)
    """Week 6 of 16 (IPT.md 8.4: a review after the initial phase, when ~20% improvement is due; an
    UNCERTAIN heuristic from the early-improvement literature). Scaled, it keeps the review after
    the initial phase of shorter courses."""
    early_min_improvement: float = Field(default=0.20, gt=0, le=1)
    mid_review_week: Annotated[int, Field(ge=1)] | None = None
    """A4 review point; ``None`` scales it with the course: ``ceil(mid_review_fraction * sessions)``."""
    mid_review_fraction: float = Field(default=8 / 16, gt=0, le=1)
    """Week 8 of 16: mid-treatment (IPT.md 8.4, A4)."""
    mid_min_improvement: float = Field(default=0.25, gt=0, le=1)
    remission_alert_measures: tuple[str, ...] | None = None
    """A6 watches these; ``None``: the case's depression measures (PHQ-9, EPDS, HAM-D-17, BDI-II)."""
    hamd_bands: Literal["zimmerman_2013", "rush_2003"] = "zimmerman_2013"
    """HAM-D-17 severity bands: Zimmerman et al. 2013 or the Rush et al. 2003 conversion."""
    sustained_remission_weeks: Annotated[int, Field(ge=2, le=26)] | None = None
    """Off by default. When set, remission needs this many consecutive scored weeks at or below
    the remission score (Frank et al. 1991 define remission by severity and duration)."""

    @field_validator("remission_max", "reliable_change_points")
    @classmethod
    def _per_known_measure_within_its_scale(cls, values: dict[str, Any], info: ValidationInfo) -> Any:
        unknown = sorted(set(values) - set(INSTRUMENTS))
        if unknown:
            raise ValueError(f"unknown measure(s) {', '.join(unknown)}; use {', '.join(INSTRUMENTS)}")
        for measure, value in values.items():
            if value > (top := INSTRUMENTS[measure_id(measure)].total_max):
                raise ValueError(f"{measure}: {value} is above the scale's maximum, {top}")
        assert info.field_name is not None  # a field validator always knows its field
        default = cls.model_fields[info.field_name].get_default(call_default_factory=True)
        return {**default, **values}

    @field_validator("remission_alert_measures")
    @classmethod
    def _known_measures(cls, values: tuple[str, ...] | None) -> tuple[str, ...] | None:
        unknown = sorted(set(values or ()) - set(INSTRUMENTS))
        if unknown:
            raise ValueError(f"unknown measure(s) {', '.join(unknown)}; use {', '.join(INSTRUMENTS)}")
        return values

    def review_weeks(self, sessions: int) -> tuple[int, int]:
        """The A3 and A4 review points of a course of ``sessions``: 6 and 8 for 16 sessions."""
        early = self.early_review_week or math.ceil(self.early_review_fraction * sessions - 1e-9)
        mid = self.mid_review_week or math.ceil(self.mid_review_fraction * sessions - 1e-9)
        return early, mid

    def bands(self, measure: MeasureId) -> tuple[str, tuple[Band, ...]]:
        """The band scheme's name and bands used for ``measure``."""
        if measure == "hamd17":
            return HAMD_BAND_SCHEMES[self.hamd_bands]
        instrument = INSTRUMENTS[measure]
        return instrument.band_scheme, instrument.bands

    def band(self, measure: MeasureId, score: int) -> str:
        """The band of ``score`` on ``measure``, with the HAM-D scheme chosen here."""
        for band in self.bands(measure)[1]:
            if band.contains(score):
                return band.label
        raise ValueError(f"{score} is outside {INSTRUMENTS[measure].short}'s range")


VerdictValue = Literal["yes", "no", "not_applicable", "not_assessable"]


class Verdict(BaseModel):
    """One outcome judged: yes or no, or why it cannot be (``reason`` is empty for a plain yes/no)."""

    value: VerdictValue
    reason: str = ""

    @property
    def flag(self) -> bool | None:
        """The verdict as ``True``, ``False`` or ``None`` (not applicable or not assessable)."""
        return {"yes": True, "no": False}.get(self.value)

    def text(self) -> str:
        """The verdict in words, with its reason when it has one."""
        words = self.value.replace("_", " ")
        return f"{words} ({self.reason})" if self.reason else words


def _yes_no(value: bool, reason: str = "") -> Verdict:
    return Verdict(value="yes" if value else "no", reason=reason)


class ScorePoint(BaseModel):
    """One scored week of a measure: score, band, phase and change from baseline."""

    week: int
    score: int
    band: str
    phase: str
    change: int
    """Change from baseline (negative is better)."""


class MeasureOutcome(BaseModel):
    """Everything the kit concludes about one measure of a case: baseline, end, response, remission,
    reliable change and the points."""

    measure: MeasureId
    name: str
    band_scheme: str
    scores: list[ScorePoint]
    baseline: int
    baseline_week: int
    baseline_band: str
    end: int | None
    """Score at the last attended session of the acute course that scored this measure."""
    end_week: int | None
    end_band: str | None
    change: int | None
    percent_change: float | None
    """None when there is no end score, or the baseline is 0 or already at remission."""
    response: bool | None
    response_week: int | None
    """First week of the acute course with a reduction of at least the response fraction."""
    remission: bool | None
    remission_week: int | None
    remission_at_follow_up: bool | None
    follow_up: list[ScorePoint]
    reliable_change_points: float
    reliable_change_method: str
    reliable_improvement: bool | None
    reliable_deterioration: bool | None
    verdicts: dict[str, Verdict] = {}
    """``response``, ``remission``, ``reliable_improvement``, ``reliable_deterioration``."""


class OutcomeSummary(BaseModel):
    """A case's outcomes: each measure's, the NHS Talking Therapies flags, alerts and risk gaps."""

    case_id: str
    measures: dict[MeasureId, MeasureOutcome]
    caseness: bool | None
    """NHS Talking Therapies: PHQ-9 >= 10 or GAD-7 >= 8 at baseline (None when it cannot be judged)."""
    recovery: bool | None
    reliable_improvement: bool | None
    reliable_recovery: bool | None
    reliable_deterioration: bool | None
    alerts: list[Alert]
    config: OutcomeConfig
    verdicts: dict[str, Verdict] = {}
    """NHS flags: ``caseness``, ``recovery``, ``reliable_improvement``, ``reliable_recovery``,
    ``reliable_deterioration``, each with its reason when it is not a plain yes/no."""
    risk_not_recorded: list[RiskGap] = []
    """Measures with a risk item recorded as totals that do not settle it, with the weeks."""
    unreviewed_risk: list[Alert] = []
    """A1 alerts with no risk review (``risk.assessed``) recorded that week."""
    acute_sessions: int = 0
    """Planned length of the acute course (``plan.extended_to`` when re-contracted)."""
    planned_sessions: int = 0
    """``plan.sessions``: the course first contracted, on which the A3/A4 reviews fall."""
    treatment_sessions: int = 0
    """Attended sessions of the acute course."""
    missed_weeks: list[int] = []

    def main_outcome(self) -> MeasureOutcome | None:
        """The outcome a one-line view shows (:func:`main_measure`), or ``None`` with no measures."""
        measure = main_measure(self.measures)
        return self.measures[measure] if measure is not None else None


def summarize(case: Case, config: OutcomeConfig | None = None) -> OutcomeSummary:
    """Outcomes of every measure present in ``case``, and the case-level NHS Talking Therapies flags."""
    config = config or OutcomeConfig()
    measures = {m: measure_outcome(case, m, config) for m in case.measures_present()}
    found = compute_alerts(case, config, measures)
    nhs = _nhs_verdicts(case, measures, config)
    return OutcomeSummary(
        case_id=case.id,
        measures=measures,
        caseness=nhs["caseness"].flag,
        recovery=nhs["recovery"].flag,
        reliable_improvement=nhs["reliable_improvement"].flag,
        reliable_recovery=nhs["reliable_recovery"].flag,
        reliable_deterioration=nhs["reliable_deterioration"].flag,
        alerts=found,
        config=config,
        verdicts=nhs,
        risk_not_recorded=risk_gaps(case),
        unreviewed_risk=[a for a in found if a.reviewed is False],
        acute_sessions=case.plan.acute_sessions,
        planned_sessions=case.plan.sessions,
        treatment_sessions=len(case.treatment_sessions()),
        missed_weeks=case.missed_weeks(),
    )


def alerts(case: Case, config: OutcomeConfig | None = None) -> list[Alert]:
    """Every alert with the week it fires, in week order (IPT.md 8.4, rules A1-A4 and A6)."""
    config = config or OutcomeConfig()
    measures = {m: measure_outcome(case, m, config) for m in case.measures_present()}
    return compute_alerts(case, config, measures)


def main_measure(measures: Mapping[MeasureId, Any]) -> MeasureId | None:
    """The measure a one-line view of these outcomes shows: the rule of
    :meth:`ipt_nb.model.Case.primary_measure`, for a mapping of measure ids."""
    for measure in (*MAIN_MEASURE_ORDER, *measures):
        if measure in measures:
            return measure
    return None


def _is_case(measure: MeasureId, score: int) -> bool:
    threshold = INSTRUMENTS[measure].caseness_min
    return threshold is not None and score >= threshold


def improvement(baseline: int, score: int) -> float:
    """Fraction of the baseline score that has gone (0 when the baseline is 0)."""
    return (baseline - score) / baseline if baseline else 0.0


def not_applicable_reason(measure: MeasureId, baseline: int, config: OutcomeConfig) -> str:
    """Why response, remission and percent change do not apply to this baseline ('' when they do)."""
    remission_max = config.remission_max[measure]
    if baseline == 0:
        return "baseline is 0"
    if baseline <= remission_max:
        return f"baseline {baseline} is already at or below remission (<= {remission_max})"
    return ""


def _first_remission_week(points: list[ScorePoint], remission_max: int, run: int) -> int | None:
    """First week of the first ``run`` consecutive scored points at or below ``remission_max``."""
    streak: list[int] = []
    for point in points:
        streak = [*streak, point.week] if point.score <= remission_max else []
        if len(streak) >= run:
            return streak[0]
    return None


def measure_outcome(case: Case, measure: MeasureId, config: OutcomeConfig | None = None) -> MeasureOutcome:
    """The outcome of one measure of ``case`` under ``config``; ``ValueError`` if the case has no scores on
    it."""
    config = config or OutcomeConfig()
    instrument = INSTRUMENTS[measure]
    scores = case.scores(measure)
    if not scores:
        raise ValueError(f"case {case.id!r} has no {instrument.short} scores")
    baseline_week, baseline = next(((w, s) for w, s in scores if w == 0), scores[0])
    remission_max = config.remission_max[measure]
    acute_weeks = {s.week for s in case.treatment_sessions()}
    points = [
        ScorePoint(week=w, score=s, band=config.band(measure, s), phase=case.phase_of(w), change=s - baseline)
        for w, s in scores
    ]
    after = [p for p in points if p.week > baseline_week]
    acute = [p for p in after if p.week in acute_weeks]
    follow_up = [p for p in after if p.week > case.plan.acute_sessions]
    end = acute[-1] if acute else None
    threshold = config.reliable_change_points[measure]
    run = config.sustained_remission_weeks or 1
    unscorable = (
        not_applicable_reason(measure, baseline, config)
        if instrument.outcome_maths
        else f"{instrument.short} is a rating with no response, remission or reliable-change maths"
    )
    responded = [p for p in acute if improvement(baseline, p.score) >= config.response_fraction]
    remission_week = _first_remission_week(acute, remission_max, run)
    verdicts = _measure_verdicts(
        end,
        baseline,
        unscorable=unscorable,
        remitted_at_end=remission_week is not None and _held_to_end(acute, remission_max, run),
        threshold=threshold,
        response_fraction=config.response_fraction,
        change_maths=instrument.outcome_maths,
    )
    return MeasureOutcome(
        measure=measure,
        name=instrument.short,
        band_scheme=config.bands(measure)[0],
        scores=points,
        baseline=baseline,
        baseline_week=baseline_week,
        baseline_band=config.band(measure, baseline),
        end=end.score if end else None,
        end_week=end.week if end else None,
        end_band=end.band if end else None,
        change=end.change if end else None,
        percent_change=round(100 * end.change / baseline, 1) if end and not unscorable else None,
        response=verdicts["response"].flag,
        response_week=responded[0].week if responded and not unscorable else None,
        remission=verdicts["remission"].flag,
        remission_week=remission_week if not unscorable else None,
        remission_at_follow_up=follow_up[-1].score <= remission_max if follow_up and not unscorable else None,
        follow_up=follow_up,
        reliable_change_points=threshold,
        reliable_change_method=(
            instrument.reliable_change.describe()
            if threshold == instrument.reliable_change.points
            else f"change of {threshold:g} points or more (set locally)"
        ),
        reliable_improvement=verdicts["reliable_improvement"].flag,
        reliable_deterioration=verdicts["reliable_deterioration"].flag,
        verdicts=verdicts,
    )


def _held_to_end(acute: list[ScorePoint], remission_max: int, run: int) -> bool:
    """Remission at the end of acute treatment: the last ``run`` scored sessions all in remission."""
    tail = acute[-run:]
    return len(tail) == run and all(p.score <= remission_max for p in tail)


def _measure_verdicts(
    end: ScorePoint | None,
    baseline: int,
    *,
    unscorable: str,
    remitted_at_end: bool,
    threshold: float,
    response_fraction: float,
    change_maths: bool = True,
) -> dict[str, Verdict]:
    if end is None:
        missing = Verdict(value="not_assessable", reason="no score in the acute course after baseline")
        return dict.fromkeys(
            ("response", "remission", "reliable_improvement", "reliable_deterioration"), missing
        )
    na = Verdict(value="not_applicable", reason=unscorable)
    if not change_maths:
        return dict.fromkeys(("response", "remission", "reliable_improvement", "reliable_deterioration"), na)
    return {
        "response": na if unscorable else _yes_no(improvement(baseline, end.score) >= response_fraction),
        "remission": na if unscorable else _yes_no(remitted_at_end),
        "reliable_improvement": _yes_no(baseline - end.score >= threshold),
        "reliable_deterioration": _yes_no(end.score - baseline >= threshold),
    }


def _nhs_verdicts(
    case: Case, measures: dict[MeasureId, MeasureOutcome], config: OutcomeConfig
) -> dict[str, Verdict]:
    """NHS Talking Therapies caseness, recovery and reliable change, exactly as NHS_SOURCE defines them.

    Caseness: PHQ-9 >= 10 or GAD-7 >= 8 at the first score. The other four need a finished course
    (at least two treatment sessions) and paired first and last scores on both measures; recovery
    and reliable recovery apply only to a case at baseline.
    """
    at_start = {m: o for m, o in measures.items() if o.baseline_week <= case.plan.acute_sessions}
    phq, gad = at_start.get("phq9"), at_start.get("gad7")
    recorded = [o for o in (phq, gad) if o is not None]
    if any(_is_case(o.measure, o.baseline) for o in recorded):
        caseness = Verdict(value="yes")
    elif len(recorded) == 2:
        caseness = Verdict(value="no")
    else:
        missing = " and ".join(INSTRUMENTS[m].short for m in NHS_MEASURES if m not in at_start)
        caseness = Verdict(value="not_assessable", reason=f"no {missing} at baseline")
    verdicts = {"caseness": caseness}
    sessions = len(case.treatment_sessions())
    unpaired = [INSTRUMENTS[m].short for m in NHS_MEASURES if m not in at_start or at_start[m].end is None]
    blocker: Verdict | None = None
    if sessions < NHS_FINISHED_MIN_SESSIONS:
        blocker = Verdict(
            value="not_applicable",
            reason=f"course not finished: {sessions} treatment session(s), a finished course has "
            f"at least {NHS_FINISHED_MIN_SESSIONS}",
        )
    elif unpaired:
        blocker = Verdict(
            value="not_assessable", reason=f"no paired first and last {' and '.join(unpaired)} scores"
        )
    if blocker is not None:
        verdicts.update(dict.fromkeys(("reliable_improvement", "reliable_deterioration"), blocker))
    else:
        assert phq is not None and gad is not None and phq.end is not None and gad.end is not None
        improved = [
            o
            for o in (phq, gad)
            if o.baseline - o.end >= config.reliable_change_points[o.measure]  # type: ignore[operator]
        ]
        worse = [
            o
            for o in (phq, gad)
            if o.end - o.baseline >= config.reliable_change_points[o.measure]  # type: ignore[operator]
        ]
        verdicts["reliable_improvement"] = _yes_no(bool(improved) and not worse)
        verdicts["reliable_deterioration"] = _yes_no(bool(worse))
    if caseness.value != "yes":
        reason = "not a case at baseline" if caseness.value == "no" else caseness.reason
        value: VerdictValue = "not_applicable" if caseness.value == "no" else "not_assessable"
        verdicts.update(dict.fromkeys(("recovery", "reliable_recovery"), Verdict(value=value, reason=reason)))
    elif blocker is not None:
        verdicts.update(dict.fromkeys(("recovery", "reliable_recovery"), blocker))
    else:
        recovered = not any(
            _is_case(o.measure, o.end) for o in (phq, gad) if o is not None and o.end is not None
        )
        verdicts["recovery"] = _yes_no(recovered)
        verdicts["reliable_recovery"] = _yes_no(recovered and verdicts["reliable_improvement"].value == "yes")
    return verdicts


def summary_line(case: Case, config: OutcomeConfig | None = None) -> str:
    """One line per case for terminals: focus, each measure from baseline to end, flags, alerts."""
    return one_line(case, summarize(case, config))
