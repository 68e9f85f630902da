"""Outcome maths over a case: baseline and end scores, response, remission, reliable change,
NHS Talking Therapies caseness and recovery, and measurement-based-care alerts.

Pure functions of a :class:`~ipt_nb.model.Case`; nothing here draws or writes.
Every threshold comes from :mod:`ipt_nb.instruments` through an
:class:`OutcomeConfig` that a site may change, and the summary carries the
parameters it used so a report can print them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from .catalog import PROBLEM_AREAS
from .instruments import INSTRUMENTS, RESPONSE_FRACTION
from .model import Case

NHS_MEASURES = ("phq9", "gad7")
"""Measures NHS Talking Therapies uses for caseness, recovery and reliable improvement."""


class OutcomeConfig(BaseModel):
    """Thresholds for outcomes and alerts; defaults follow IPT.md sections 8.2-8.4."""

    model_config = ConfigDict(frozen=True)

    response_fraction: float = Field(default=RESPONSE_FRACTION, gt=0, le=1)
    remission_max: dict[str, Annotated[int, Field(ge=0, strict=True)]] = Field(
        default_factory=lambda: {m: i.remission_max for m, i in INSTRUMENTS.items()}
    )
    """Per measure; measures left out keep the kit's value."""
    reliable_change_points: dict[str, Annotated[float, Field(gt=0, allow_inf_nan=False)]] = Field(
        default_factory=lambda: {m: i.reliable_change.points for m, i in INSTRUMENTS.items()}
    )
    """Per measure; measures left out keep the kit's value."""
    early_review_week: int = 6
    """A3: from this week, less than ``early_min_improvement`` is not on track."""
    early_min_improvement: float = 0.20
    mid_review_week: int = 8
    """A4: from this week, less than ``mid_min_improvement`` is no response."""
    mid_min_improvement: float = 0.25
    remission_alert_measures: tuple[str, ...] = ("phq9", "hamd17")
    """A6 fires the first week any of these is in remission."""

    @field_validator("remission_max", "reliable_change_points")
    @classmethod
    def _per_known_measure_within_its_scale(cls, values: dict[str, Any], info: ValidationInfo) -> Any:
        unknown = sorted(set(values) - set(INSTRUMENTS))
        if unknown:
            raise ValueError(f"unknown measure(s) {', '.join(unknown)}; use {', '.join(INSTRUMENTS)}")
        for measure, value in values.items():
            if value > (top := INSTRUMENTS[measure].total_max):
                raise ValueError(f"{measure}: {value} is above the scale's maximum, {top}")
        default = cls.model_fields[info.field_name].default_factory()  # type: ignore[index,misc]
        return {**default, **values}


ALERT_TEXT = {
    "A1_risk_item": "risk item above 0: review risk now",
    "A2_reliable_deterioration": "reliable deterioration from baseline: review",
    "A3_not_on_track_early": "not on track: less improvement than expected by now",
    "A4_no_response_mid": "no response by mid-treatment: supervision, focus and medication review",
    "A6_remission_reached": "remission reached",
}
ALERT_SEVERITY = {
    "A1_risk_item": "urgent",
    "A2_reliable_deterioration": "high",
    "A3_not_on_track_early": "medium",
    "A4_no_response_mid": "medium",
    "A6_remission_reached": "info",
}


class Alert(BaseModel):
    id: str
    week: int
    measure: str
    severity: Literal["urgent", "high", "medium", "info"]
    message: str


class ScorePoint(BaseModel):
    week: int
    score: int
    band: str
    phase: str
    change: int
    """Change from baseline (negative is better)."""


class MeasureOutcome(BaseModel):
    measure: str
    name: str
    band_scheme: str
    scores: list[ScorePoint]
    baseline: int
    baseline_week: int
    baseline_band: str
    end: int | None
    end_week: int | None
    end_band: str | None
    change: int | None
    percent_change: float | None
    response: bool
    response_week: int | None
    remission: bool
    remission_week: int | None
    remission_at_follow_up: bool | None
    follow_up: list[ScorePoint]
    reliable_change_points: float
    reliable_change_method: str
    reliable_improvement: bool
    reliable_deterioration: bool


class OutcomeSummary(BaseModel):
    case_id: str
    measures: dict[str, MeasureOutcome]
    caseness: bool | None
    """NHS Talking Therapies: PHQ-9 >= 10 or GAD-7 >= 8 at baseline (None without either measure)."""
    recovery: bool | None
    reliable_improvement: bool | None
    reliable_recovery: bool | None
    reliable_deterioration: bool | None
    alerts: list[Alert]
    config: OutcomeConfig


def summarize(case: Case, config: OutcomeConfig | None = None) -> OutcomeSummary:
    """Outcomes of every measure present in ``case``, and the case-level NHS Talking Therapies flags."""
    config = config or OutcomeConfig()
    measures = {m: measure_outcome(case, m, config) for m in case.measures_present()}
    nhs = [measures[m] for m in NHS_MEASURES if m in measures]
    caseness = recovery = improvement = reliable_recovery = deterioration = None
    if nhs:
        caseness = any(_is_case(o.measure, o.baseline) for o in nhs)
        unpaired = any(o.end is None for o in nhs if _is_case(o.measure, o.baseline))
        ends = [o for o in nhs if o.end is not None]
        if unpaired or not ends:
            recovery = None  # a measure at caseness has no end score: recovery cannot be assessed
        else:
            recovery = caseness and not any(_is_case(o.measure, o.end) for o in ends)  # type: ignore[arg-type]
        deterioration = any(o.reliable_deterioration for o in nhs)
        improvement = any(o.reliable_improvement for o in nhs) and not deterioration
        reliable_recovery = None if recovery is None else recovery and improvement
    return OutcomeSummary(
        case_id=case.id,
        measures=measures,
        caseness=caseness,
        recovery=recovery,
        reliable_improvement=improvement,
        reliable_recovery=reliable_recovery,
        reliable_deterioration=deterioration,
        alerts=alerts(case, config),
        config=config,
    )


def _is_case(measure: str, score: int) -> bool:
    threshold = INSTRUMENTS[measure].caseness_min
    return threshold is not None and score >= threshold


def _improvement(baseline: int, score: int) -> float:
    """Fraction of the baseline score that has gone (0 when the baseline is 0)."""
    return (baseline - score) / baseline if baseline else 0.0


def measure_outcome(case: Case, measure: str, config: OutcomeConfig | None = None) -> MeasureOutcome:
    config = config or OutcomeConfig()
    instrument = INSTRUMENTS[measure]
    scores = case.scores(measure)
    if not scores:
        raise ValueError(f"case {case.id!r} has no {instrument.short} scores")
    baseline_week, baseline = next(((w, s) for w, s in scores if w == 0), scores[0])
    remission_max = config.remission_max[measure]
    points = [
        ScorePoint(
            week=w, score=s, band=instrument.band(s).label, phase=case.phase_of(w), change=s - baseline
        )
        for w, s in scores
    ]
    after = [p for p in points if p.week > baseline_week]
    acute = [p for p in after if p.week <= case.plan.sessions]
    follow_up = [p for p in after if p.week > case.plan.sessions]
    end = acute[-1] if acute else None
    threshold = config.reliable_change_points[measure]
    responded = [p for p in after if _improvement(baseline, p.score) >= config.response_fraction]
    remitted = [p for p in after if p.score <= remission_max]
    return MeasureOutcome(
        measure=measure,
        name=instrument.short,
        band_scheme=instrument.band_scheme,
        scores=points,
        baseline=baseline,
        baseline_week=baseline_week,
        baseline_band=instrument.band(baseline).label,
        end=end.score if end else None,
        end_week=end.week if end else None,
        end_band=end.band if end else None,
        change=end.change if end else None,
        percent_change=round(100 * end.change / baseline, 1) if end and baseline else None,
        response=bool(end) and _improvement(baseline, end.score) >= config.response_fraction,  # type: ignore[union-attr]
        response_week=responded[0].week if responded else None,
        remission=bool(end) and end.score <= remission_max,  # type: ignore[union-attr]
        remission_week=remitted[0].week if remitted else None,
        remission_at_follow_up=follow_up[-1].score <= remission_max if follow_up else None,
        follow_up=follow_up,
        reliable_change_points=threshold,
        reliable_change_method=(
            instrument.reliable_change.describe()
            if threshold == instrument.reliable_change.points
            else f"change of {threshold:g} points or more (set locally)"
        ),
        reliable_improvement=bool(end) and baseline - end.score >= threshold,  # type: ignore[union-attr]
        reliable_deterioration=bool(end) and end.score - baseline >= threshold,  # type: ignore[union-attr]
    )


def alerts(case: Case, config: OutcomeConfig | None = None) -> list[Alert]:
    """Every alert with the week it fires, in week order (IPT.md 8.4, rules A1-A4 and A6)."""
    config = config or OutcomeConfig()
    found = [*_risk_alerts(case), *_trajectory_alerts(case, config), *_remission_alert(case, config)]
    return sorted(found, key=lambda a: (a.week, a.id, a.measure))


def _alert(alert_id: str, week: int, measure: str) -> Alert:
    return Alert(
        id=alert_id,
        week=week,
        measure=measure,
        severity=ALERT_SEVERITY[alert_id],  # type: ignore[arg-type]
        message=ALERT_TEXT[alert_id],
    )


def _risk_alerts(case: Case) -> list[Alert]:
    found = []
    for session in case.sessions:
        for measure, score in session.measures.items():
            item = INSTRUMENTS[measure].risk_item
            items = score.items or []
            if item is not None and len(items) >= item and items[item - 1] > 0:
                found.append(_alert("A1_risk_item", session.week, measure))
    return found


def _trajectory_alerts(case: Case, config: OutcomeConfig) -> list[Alert]:
    found = []
    for measure in case.measures_present():
        scores = case.scores(measure)
        baseline_week, baseline = next(((w, s) for w, s in scores if w == 0), scores[0])
        deteriorated = False
        for week, score in scores:
            if week <= baseline_week:
                continue
            if not deteriorated and score - baseline >= config.reliable_change_points[measure]:
                found.append(_alert("A2_reliable_deterioration", week, measure))
                deteriorated = True
            if week > case.plan.sessions:
                continue
            improvement = _improvement(baseline, score)
            if week >= config.early_review_week and improvement < config.early_min_improvement:
                found.append(_alert("A3_not_on_track_early", week, measure))
            if week >= config.mid_review_week and improvement < config.mid_min_improvement:
                found.append(_alert("A4_no_response_mid", week, measure))
    return found


def _remission_alert(case: Case, config: OutcomeConfig) -> list[Alert]:
    for session in case.sessions:
        if session.week == 0:
            continue
        for measure in config.remission_alert_measures:
            score = session.measures.get(measure)  # type: ignore[call-overload]
            if score is not None and score.score <= config.remission_max[measure]:
                return [_alert("A6_remission_reached", session.week, measure)]
    return []


def summary_line(case: Case, config: OutcomeConfig | None = None) -> str:
    """One line per case for terminals: focus, main measure from baseline to end, flags, alerts."""
    summary = summarize(case, config)
    focus = case.primary_focus()
    area = PROBLEM_AREAS[focus.area].label if focus else "no focus yet"
    parts = [f"{case.id:<10} {area:<23}"]
    for outcome in summary.measures.values():
        if outcome.end is None:
            parts.append(f"{outcome.name} {outcome.baseline} (no end score)")
            continue
        flags = [
            f"response wk {outcome.response_week}" if outcome.response else "",
            f"remission wk {outcome.remission_week}" if outcome.remission else "",
            "reliable improvement" if outcome.reliable_improvement else "",
            "RELIABLE DETERIORATION" if outcome.reliable_deterioration else "",
        ]
        text = ", ".join(f for f in flags if f)
        parts.append(
            f"{outcome.name} {outcome.baseline}->{outcome.end} ({outcome.percent_change:+.0f}%)"
            + (f" {text}" if text else "")
        )
    urgent = [f"{a.id.split('_')[0]}@wk{a.week}" for a in summary.alerts]
    if urgent:
        parts.append("alerts " + " ".join(urgent))
    return " | ".join(parts)


def format_table(summary: OutcomeSummary) -> str:
    """A readable plain-text table of an outcome summary, with the thresholds used."""
    rows = [f"Outcomes of case {summary.case_id}", ""]
    header = f"{'measure':<9} {'baseline':>12} {'end':>12} {'change':>12}  response   remission  reliable"
    rows += [header, "-" * len(header)]
    for o in summary.measures.values():
        end = f"{o.end} (wk {o.end_week})" if o.end is not None else "-"
        change = f"{o.change:+d} ({o.percent_change:+.0f}%)" if o.change is not None else "-"
        response = f"wk {o.response_week}" if o.response else "no"
        remission = f"wk {o.remission_week}" if o.remission else "no"
        reliable = "improved" if o.reliable_improvement else "worse" if o.reliable_deterioration else "no"
        rows.append(
            f"{o.name:<9} {o.baseline:>12} {end:>12} {change:>12}  {response:<9}  {remission:<9}  {reliable}"
        )
        follow = ", ".join(f"wk {p.week}: {p.score}" for p in o.follow_up)
        if follow:
            held = "holds" if o.remission_at_follow_up else "not in remission"
            rows.append(f"{'':<9} follow-up {follow} ({held})")
    rows.append("")
    flags = {
        "caseness at baseline": summary.caseness,
        "recovery": summary.recovery,
        "reliable improvement": summary.reliable_improvement,
        "reliable recovery": summary.reliable_recovery,
        "reliable deterioration": summary.reliable_deterioration,
    }
    if summary.caseness is None:
        rows.append("NHS Talking Therapies flags: need PHQ-9 or GAD-7")
    else:
        rows.append(
            "NHS Talking Therapies: " + ", ".join(f"{k}: {'yes' if v else 'no'}" for k, v in flags.items())
        )
    rows.append("")
    rows.append("Alerts:" if summary.alerts else "Alerts: none")
    rows += [
        f"  week {a.week:>3}  {a.id:<26} {INSTRUMENTS[a.measure].short:<9} {a.message}"
        for a in summary.alerts
    ]
    rows += ["", "Thresholds:", *(f"  {line}" for line in threshold_lines(summary))]
    return "\n".join(rows)


def threshold_lines(summary: OutcomeSummary) -> list[str]:
    """One line per measure naming every threshold the summary used, for printing beside results."""
    return [
        f"{o.name}: response >= {summary.config.response_fraction:.0%} reduction; remission <= "
        f"{summary.config.remission_max[o.measure]}; reliable {o.reliable_change_method}; "
        f"bands: {o.band_scheme}"
        for o in summary.measures.values()
    ]
