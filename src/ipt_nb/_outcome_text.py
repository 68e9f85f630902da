"""Outcome summaries as plain text: the ``ipt-nb outcomes`` table, the one-line summary, thresholds.

Risk comes first and is never folded into a column: an unreviewed A1 and a risk
item that was not recorded each get their own line at the top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .catalog import ADAPTATIONS, area_label
from .instruments import INSTRUMENTS, measure_id

if TYPE_CHECKING:
    from .model import Case
    from .outcomes import MeasureOutcome, OutcomeSummary

SHORT = {"yes": "yes", "no": "no", "not_applicable": "n/a", "not_assessable": "n/k"}
"""Column words for a verdict; the reason is printed under the table."""


def risk_lines(summary: OutcomeSummary) -> list[str]:
    """Unreviewed risk alerts and unrecorded risk items, one line each, for the top of every view."""
    lines = [
        f"RISK UNREVIEWED: week {a.week}, {a.reason}; no risk review recorded that week "
        "(record sessions[].risk)"
        for a in summary.unreviewed_risk
    ]
    lines += [f"RISK NOT RECORDED: {gap.text()}" for gap in summary.risk_not_recorded]
    return lines


def course_line(summary: OutcomeSummary) -> str:
    missed = ", ".join(str(w) for w in summary.missed_weeks)
    return (
        f"Acute course: {summary.acute_sessions} planned session(s), {summary.treatment_sessions} "
        f"attended" + (f"; missed week(s) {missed}" if missed else "")
    )


def _cell(outcome: MeasureOutcome, key: str, week: int | None) -> str:
    verdict = outcome.verdicts[key]
    if verdict.value == "yes" and week is not None:
        return f"wk {week}"
    return SHORT[verdict.value]


def format_table(summary: OutcomeSummary) -> str:
    """A readable plain-text table of an outcome summary, with the thresholds used."""
    rows = [f"Outcomes of case {summary.case_id}", ""]
    if risk := risk_lines(summary):
        rows += [*risk, ""]
    rows += [course_line(summary), ""]
    header = f"{'measure':<9} {'baseline':>12} {'end':>12} {'change':>12}  response   remission  reliable"
    rows += [header, "-" * len(header)]
    notes: list[str] = []
    for o in summary.measures.values():
        end = f"{o.end} (wk {o.end_week})" if o.end is not None else "-"
        percent = f" ({o.percent_change:+.0f}%)" if o.percent_change is not None else ""
        change = f"{o.change:+d}{percent}" if o.change is not None else "-"
        reliable = (
            "improved"
            if o.reliable_improvement
            else "worse"
            if o.reliable_deterioration
            else SHORT[o.verdicts["reliable_improvement"].value]
        )
        rows.append(
            f"{o.name:<9} {o.baseline:>12} {end:>12} {change:>12}  "
            f"{_cell(o, 'response', o.response_week):<9}  {_cell(o, 'remission', o.remission_week):<9}  "
            f"{reliable}"
        )
        follow = ", ".join(f"wk {p.week}: {p.score}" for p in o.follow_up)
        if follow:
            held = "holds" if o.remission_at_follow_up else "not in remission"
            rows.append(f"{'':<9} follow-up {follow} ({held})")
        reasons = {v.text() for v in o.verdicts.values() if v.reason}
        notes += [f"{o.name}: {reason}" for reason in sorted(reasons)]
    if notes:
        rows += ["", *notes]
    rows.append("")
    labels = {
        "caseness": "caseness at baseline",
        "recovery": "recovery",
        "reliable_improvement": "reliable improvement",
        "reliable_recovery": "reliable recovery",
        "reliable_deterioration": "reliable deterioration",
    }
    rows.append("NHS Talking Therapies (PHQ-9 and GAD-7):")
    rows += [f"  {label}: {summary.verdicts[key].text()}" for key, label in labels.items()]
    rows.append("")
    rows.append("Alerts:" if summary.alerts else "Alerts: none")
    rows += [
        f"  week {a.weeks_text():>5}  {a.id:<26} {INSTRUMENTS[a.measure].short:<9} {a.message}"
        + (" (UNREVIEWED)" if a.reviewed is False else "")
        for a in summary.alerts
    ]
    rows += ["", "Thresholds:", *(f"  {line}" for line in threshold_lines(summary))]
    return "\n".join(rows)


def threshold_lines(summary: OutcomeSummary) -> list[str]:
    """One line per measure and one per rule, naming every threshold the summary used."""
    config = summary.config
    remission_rule = (
        f"; remission held for {config.sustained_remission_weeks} consecutive scored weeks "
        "(Frank et al. 1991)"
        if config.sustained_remission_weeks
        else ""
    )
    lines = [
        f"{o.name}: response >= {config.response_fraction:.0%} reduction; remission <= "
        f"{config.remission_max[o.measure]}{remission_rule}; reliable {o.reliable_change_method}; "
        f"bands: {o.band_scheme}"
        for o in summary.measures.values()
        if INSTRUMENTS[o.measure].outcome_maths
    ]
    early, mid = config.review_weeks(summary.planned_sessions or summary.acute_sessions)
    lines += [
        f"A1: a risk item above 0, or a total that forces it above 0 ({_risk_items()})",
        f"A3: from week {early} of {summary.acute_sessions}, less than "
        f"{config.early_min_improvement:.0%} improvement ("
        + (
            "set locally"
            if config.early_review_week
            else f"{config.early_review_fraction * 16:g}/16 of the course"
        )
        + ")",
        f"A4: from week {mid} of {summary.acute_sessions}, less than "
        f"{config.mid_min_improvement:.0%} improvement ("
        + (
            "set locally"
            if config.mid_review_week
            else f"{config.mid_review_fraction * 16:g}/16 of the course"
        )
        + ")",
        "A6: first week in remission on "
        + (
            ", ".join(INSTRUMENTS[measure_id(m)].short for m in config.remission_alert_measures)
            if config.remission_alert_measures
            else "the case's depression measures"
        ),
        "NHS Talking Therapies: caseness PHQ-9 >= 10 or GAD-7 >= 8; outcomes need a finished course "
        "(2+ treatment sessions) and paired first and last PHQ-9 and GAD-7 scores",
    ]
    return lines


def _risk_items() -> str:
    return ", ".join(f"{i.short} item {i.risk_item}" for i in INSTRUMENTS.values() if i.risk_item)


def one_line(case: Case, summary: OutcomeSummary) -> str:
    """Focus, each measure from baseline to end with its flags, alerts, and risk to review."""
    focus = case.primary_focus()
    area = area_label(focus.area, case.adaptation) if focus else "no focus yet"
    parts = [f"{case.id:<10} {area:<23}"]
    if case.adaptation != "standard":
        parts[0] += f" ({ADAPTATIONS[case.adaptation].label})"
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
        percent = f" ({outcome.percent_change:+.0f}%)" if outcome.percent_change is not None else ""
        parts.append(
            f"{outcome.name} {outcome.baseline}->{outcome.end}{percent}" + (f" {text}" if text else "")
        )
    if summary.alerts:
        parts.append("alerts " + " ".join(f"{a.code}@wk{a.weeks_text()}" for a in summary.alerts))
    if summary.unreviewed_risk:
        parts.append("RISK UNREVIEWED wk " + ",".join(str(a.week) for a in summary.unreviewed_risk))
    return " | ".join(parts)


__all__ = ["course_line", "format_table", "one_line", "risk_lines", "threshold_lines"]
