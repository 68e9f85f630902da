"""Symptom trajectories across the weeks of a case.

Each measure gets its own panel on a shared week axis, so instruments with
different ranges (PHQ-9 0-27, HAM-D 0-52) stay readable and each panel can
carry its own severity bands. ``view="percent"`` puts every measure on one axis
as percent change from baseline instead.
"""

from __future__ import annotations

from typing import Any, Literal

import plotly.graph_objects as go

from ..catalog import PHASE_LABELS
from ..instruments import INSTRUMENTS
from ..model import Case
from ..outcomes import Alert, MeasureOutcome, OutcomeConfig, ScorePoint, summarize
from ._style import (
    MEASURE_COLOURS,
    OKABE_ITO,
    PHASE_FILLS,
    SEVERITY_GREYS,
    axis,
    base_layout,
    escape,
    figure,
    week_band,
    week_line,
)

__all__ = [
    "ALERT_COLOURS",
    "ALERT_SYMBOLS",
    "PANEL_GAP",
    "trajectory",
]

ALERT_COLOURS = {
    "urgent": OKABE_ITO["vermillion"],
    "high": OKABE_ITO["orange"],
    "medium": OKABE_ITO["black"],
    "info": OKABE_ITO["green"],
}
ALERT_SYMBOLS = {
    "urgent": "star-triangle-up",
    "high": "triangle-up",
    "medium": "triangle-down",
    "info": "star",
}
PANEL_GAP = 0.06


def trajectory(
    case: Case,
    *,
    view: Literal["panels", "percent"] = "panels",
    upto_week: int | None = None,
    config: OutcomeConfig | None = None,
    show_alerts: bool = True,
) -> go.Figure:
    """Scores per week with phase bands, severity bands, thresholds and alert markers.

    ``upto_week`` shows only what was known by that week (for walking a case
    week by week); the axes stay those of the whole course so nothing jumps.
    ``show_alerts=False`` leaves the alert markers out (for exercises that ask about them).
    """
    summary = summarize(case, config)
    outcomes = list(summary.measures.values())
    alerts = [
        a.model_copy(update={"week": week})
        for a in (summary.alerts if show_alerts else [])
        for week in (a.weeks or [a.week])
        if upto_week is None or week <= upto_week
    ]  # one marker per week of a run, and none after the week shown
    last_week = max([case.plan.acute_sessions, *case.plan.follow_up_weeks, *(s.week for s in case.sessions)])
    x_axis = axis(
        "Week since intake",
        range=[-0.7, last_week + 0.7],
        dtick=2,
        anchor="y" if view == "percent" or len(outcomes) < 2 else f"y{len(outcomes)}",
    )
    shapes, annotations = _phase_bands(case)
    layout = base_layout(
        f"Symptom scores across treatment: {escape(case.patient.label)}", xaxis=x_axis, hovermode="closest"
    )
    data: list[dict[str, Any]] = []
    if view == "percent":
        layout["yaxis"] = axis("Change from baseline (%)", range=[-105, 60], ticksuffix="%")
        shapes.append(_hline(-50, "y", "response:all", "dash"))
        annotations.append(_line_label(-50, "y", "response (-50%)"))
        for outcome in outcomes:
            data += _score_traces(outcome, "y", upto_week, case.plan.acute_sessions, percent=True)
    else:
        layout["height"] = 220 + 210 * len(outcomes)
        for row, outcome in enumerate(outcomes, start=1):
            ref = "y" if row == 1 else f"y{row}"
            layout["yaxis" if row == 1 else f"yaxis{row}"] = _panel_axis(outcome, row, len(outcomes))
            shapes[:0] = _severity_bands(outcome, ref)  # beneath the phase bands
            if INSTRUMENTS[outcome.measure].outcome_maths:
                shapes += _thresholds(outcome, ref, summary.config)
                annotations += _threshold_labels(outcome, ref, summary.config)
            annotations += _band_labels(outcome, ref)
            data += _score_traces(outcome, ref, upto_week, case.plan.acute_sessions, percent=False)
            data += _alert_traces(outcome, ref, [a for a in alerts if a.measure == outcome.measure])
    data += _missed_trace(case, upto_week)
    if not outcomes:
        annotations.append(
            {"text": "No scores recorded yet", "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
             "showarrow": False}
        )  # fmt: skip
    layout["shapes"] = shapes
    layout["annotations"] = annotations
    return figure(data, layout)


def _phase_bands(case: Case) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    shapes, labels = [], []
    for phase, (first, last) in case.plan.phase_spans().items():
        shapes.append(week_band(f"phase:{phase}", first, last, PHASE_FILLS[phase]))
        labels.append(
            {
                "x": (first + last) / 2,
                "y": 1.0,
                "xref": "x",
                "yref": "paper",
                "yanchor": "bottom",
                "text": PHASE_LABELS[phase],
                "showarrow": False,
                "font": {"size": 12, "color": "#555555"},
            }
        )
    shapes.append(week_line("end_of_acute", case.plan.acute_sessions + 0.5, "#777777", "dot"))
    for change in case.medication:
        shapes.append(week_line(f"medication:{change.change}", change.week, OKABE_ITO["purple"], "dashdot"))
        text = f"medication: {change.change}" + (f" ({escape(change.text)})" if change.text else "")
        labels.append(
            {"x": change.week, "y": 0.0, "xref": "x", "yref": "paper", "yanchor": "top", "text": text,
             "showarrow": False, "textangle": -90, "font": {"size": 11, "color": OKABE_ITO["purple"]}}
        )  # fmt: skip
    return shapes, labels


def _missed_trace(case: Case, upto_week: int | None) -> list[dict[str, Any]]:
    """Missed sessions as crosses on the week axis: a gap in the scores that has a reason."""
    weeks = [w for w in case.missed_weeks() if upto_week is None or w <= upto_week]
    if not weeks:
        return []
    return [
        {"type": "scatter", "mode": "markers", "name": "missed session", "x": weeks, "y": [-0.2] * len(weeks),
         "xaxis": "x", "yaxis": "y", "marker": {"symbol": "x-thin-open", "size": 12, "color": "#555555",
         "line": {"width": 2}}, "hovertext": [f"Week {w}: session missed" for w in weeks],
         "hoverinfo": "text"}
    ]  # fmt: skip


def _panel_axis(outcome: MeasureOutcome, row: int, rows: int) -> dict[str, Any]:
    instrument = INSTRUMENTS[outcome.measure]
    height = (1 - PANEL_GAP * (rows - 1)) / rows
    top = 1 - (row - 1) * (height + PANEL_GAP)
    return axis(
        f"{instrument.short} total",
        domain=[max(0.0, top - height), top],
        range=[-0.5, _axis_top(outcome)],
        anchor="x",
    )


def _axis_top(outcome: MeasureOutcome) -> float:
    """Room above the highest score for the alert markers, within the instrument's range."""
    highest = max(p.score for p in outcome.scores)
    return min(INSTRUMENTS[outcome.measure].total_max, highest + 6) + 0.5


def _severity_bands(outcome: MeasureOutcome, ref: str) -> list[dict[str, Any]]:
    instrument = INSTRUMENTS[outcome.measure]
    return [
        {
            "type": "rect",
            "name": f"band:{outcome.measure}:{band.label}",
            "xref": "paper",
            "yref": ref,
            "x0": 0,
            "x1": 1,
            "y0": band.low - 0.5 if band.low else -0.5,
            "y1": band.high + 0.5,
            "fillcolor": SEVERITY_GREYS[min(i, len(SEVERITY_GREYS) - 1)],
            "opacity": 0.5,
            "line": {"width": 0},
            "layer": "below",
        }
        for i, band in enumerate(instrument.bands)
    ]


def _band_labels(outcome: MeasureOutcome, ref: str) -> list[dict[str, Any]]:
    """Each band's name at the left edge, centred on the part of the band the axis shows."""
    top = _axis_top(outcome)
    return [
        {
            "x": 0.005,
            "xref": "paper",
            "xanchor": "left",
            "y": (band.low + min(band.high, top)) / 2,
            "yref": ref,
            "text": band.title,
            "showarrow": False,
            "font": {"size": 10, "color": "#888888"},
        }
        for band in INSTRUMENTS[outcome.measure].bands
        if band.low < top
    ]


def _hline(y: float, ref: str, name: str, dash: str) -> dict[str, Any]:
    return {
        "type": "line",
        "name": name,
        "xref": "paper",
        "yref": ref,
        "x0": 0,
        "x1": 1,
        "y0": y,
        "y1": y,
        "line": {"color": "#555555", "width": 1.2, "dash": dash},
    }


def _line_label(y: float, ref: str, text: str, *, below: bool = False) -> dict[str, Any]:
    return {
        "x": 1,
        "xref": "paper",
        "xanchor": "right",
        "y": y,
        "yref": ref,
        "yanchor": "top" if below else "bottom",
        "text": text,
        "showarrow": False,
        "font": {"size": 11, "color": "#555555"},
    }


def _thresholds(outcome: MeasureOutcome, ref: str, config: OutcomeConfig) -> list[dict[str, Any]]:
    response = outcome.baseline * (1 - config.response_fraction)
    remission = config.remission_max[outcome.measure]
    return [
        _hline(response, ref, f"response:{outcome.measure}", "dash"),
        _hline(remission, ref, f"remission:{outcome.measure}", "dot"),
    ]


def _threshold_labels(outcome: MeasureOutcome, ref: str, config: OutcomeConfig) -> list[dict[str, Any]]:
    response = outcome.baseline * (1 - config.response_fraction)
    remission = config.remission_max[outcome.measure]
    return [
        _line_label(response, ref, f"response (<= {response:g})"),
        _line_label(remission, ref, f"remission (<= {remission})", below=True),
    ]


def _hover(outcome: MeasureOutcome, point: ScorePoint) -> str:
    band = point.band.replace("_", " ")
    percent = f" ({100 * point.change / outcome.baseline:+.0f}%)" if outcome.baseline else ""
    phase = PHASE_LABELS.get(point.phase, point.phase).lower()
    return (
        f"Week {point.week} ({phase})<br>{outcome.name} {point.score}: {band}"
        f"<br>change from baseline {point.change:+d}{percent}"
    )


def _score_traces(
    outcome: MeasureOutcome, ref: str, upto_week: int | None, sessions: int, *, percent: bool
) -> list[dict[str, Any]]:
    points = [p for p in outcome.scores if upto_week is None or p.week <= upto_week]
    acute = [p for p in points if p.week <= sessions]
    later = [p for p in points if p.week > sessions]

    def y(point: ScorePoint) -> float:
        return (
            round(100 * point.change / outcome.baseline, 1) if percent and outcome.baseline else point.score
        )

    colour = MEASURE_COLOURS[outcome.measure]
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": outcome.name,
            "legendgroup": outcome.measure,
            "x": [p.week for p in acute],
            "y": [y(p) for p in acute],
            "yaxis": ref,
            "xaxis": "x",
            "line": {"color": colour, "width": 3},
            "marker": {"size": 8, "color": colour},
            "hovertext": [_hover(outcome, p) for p in acute],
            "hoverinfo": "text",
        }
    ]
    if later:
        bridge = acute[-1:] + later
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": f"{outcome.name} follow-up",
                "legendgroup": outcome.measure,
                "x": [p.week for p in bridge],
                "y": [y(p) for p in bridge],
                "yaxis": ref,
                "xaxis": "x",
                "line": {"color": colour, "width": 2, "dash": "dot"},
                "marker": {
                    "size": [0] + [10] * len(later),  # the bridge's first point is the acute end
                    "color": "white",
                    "line": {"color": colour, "width": 2},
                },
                "hovertext": [_hover(outcome, p) for p in bridge],
                "hoverinfo": "text",
            }
        )
    return traces


def _alert_traces(outcome: MeasureOutcome, ref: str, alerts: list[Alert]) -> list[dict[str, Any]]:
    if not alerts:
        return []
    score_at = {p.week: p.score for p in outcome.scores}
    heights = []
    for index, alert in enumerate(alerts):  # alerts of one week stack upwards
        stacked = sum(1 for earlier in alerts[:index] if earlier.week == alert.week)
        heights.append(score_at.get(alert.week, outcome.baseline) + 1.6 + 1.5 * stacked)
    return [
        {
            "type": "scatter",
            "mode": "markers",
            "name": f"{outcome.name} alerts",
            "legendgroup": outcome.measure,
            "x": [a.week for a in alerts],
            "y": heights,
            "yaxis": ref,
            "xaxis": "x",
            "customdata": [a.id for a in alerts],
            "marker": {
                "size": 14,
                "symbol": [ALERT_SYMBOLS[a.severity] for a in alerts],
                "color": [ALERT_COLOURS[a.severity] for a in alerts],
                "line": {"color": "white", "width": 1},
            },
            "hovertext": [f"Week {a.week}: {a.code} {a.message}" for a in alerts],
            "hoverinfo": "text",
        }
    ]
