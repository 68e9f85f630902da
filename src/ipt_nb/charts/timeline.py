"""The interpersonal timeline: life events before and during treatment on one week axis.

Events involving the people of the focal problem area are drawn larger and
darker, so the link between the episode's onset and the focal relationship is
the first thing a trainee sees.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from ..catalog import area_label
from ..model import Case, Event
from ._style import OKABE_ITO, PHASE_FILLS, axis, base_layout, escape, figure, week_band, week_line

__all__ = [
    "EVENT_ROWS",
    "ROW_ORDER",
    "timeline",
]

EVENT_ROWS = {
    "death": "Loss",
    "separation": "Loss",
    "conflict": "Conflict",
    "relationship_start": "Relationships",
    "birth": "Relationships",
    "pregnancy": "Relationships",
    "move": "Life changes",
    "job_start": "Life changes",
    "job_loss": "Life changes",
    "retirement": "Life changes",
    "school_change": "Life changes",
    "illness": "Health",
    "other": "Other",
}
ROW_ORDER = ("Sessions", "Other", "Health", "Life changes", "Relationships", "Conflict", "Loss")


def _event_hover(case: Case, event: Event) -> str:
    names = ", ".join(escape(case.person(p).label) for p in event.people)
    parts = [f"<b>Week {event.week}</b>: {event.kind.replace('_', ' ')}"]
    if event.text:
        parts.append(escape(event.text))
    if names:
        parts.append(f"with {names}")
    if event.mood is not None:
        parts.append(f"mood shift {event.mood:+d}")
    return "<br>".join(parts)


def timeline(case: Case) -> go.Figure:
    """Events by kind, the episode onset, the acute course and its sessions, on a week axis."""
    focus_people = {pid for f in case.problem_areas for pid in f.people}
    in_focus = [bool(focus_people & set(e.people)) for e in case.timeline]
    data: list[dict[str, Any]] = []
    for highlighted, name, colour, size in (
        (False, "Life event", OKABE_ITO["sky"], 13),
        (True, "Involves the focal relationship", OKABE_ITO["vermillion"], 18),
    ):
        events = [e for e, flag in zip(case.timeline, in_focus, strict=True) if flag == highlighted]
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": name,
                "x": [e.week for e in events],
                "y": [EVENT_ROWS[e.kind] for e in events],
                "customdata": [e.kind for e in events],
                "text": [e.kind.replace("_", " ") for e in events],
                "textposition": "top center",
                "textfont": {"size": 11, "color": "#444444"},
                "marker": {
                    "size": size,
                    "color": colour,
                    "symbol": "diamond",
                    "line": {"color": "white", "width": 1},
                },
                "hovertext": [_event_hover(case, e) for e in events],
                "hoverinfo": "text",
            }
        )
    weeks = [s.week for s in case.sessions]
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "name": "Session",
            "x": weeks,
            "y": ["Sessions"] * len(weeks),
            "marker": {
                "size": 7,
                "color": OKABE_ITO["black"],
                "symbol": "line-ns-open",
                "line": {"width": 2},
            },
            "hovertemplate": "session in week %{x}<extra></extra>",
        }
    )
    first, last = case.plan.phase_spans()["initial"][0], case.plan.acute_sessions
    shapes = [week_band("acute_course", first, last, PHASE_FILLS["middle"])]
    annotations = [
        {
            "x": (first + last) / 2,
            "y": 1,
            "yref": "paper",
            "yanchor": "bottom",
            "showarrow": False,
            "text": f"IPT, {case.plan.acute_sessions} weekly sessions",
            "font": {"size": 12, "color": "#555555"},
        }
    ]
    onset = case.episode.onset_week if case.episode else None
    if onset is not None:
        shapes.append(week_line("onset", onset, OKABE_ITO["vermillion"], "dash", width=2))
        annotations.append(
            {
                "x": onset,
                "y": 1,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "text": "episode onset",
                "font": {"size": 12, "color": OKABE_ITO["vermillion"]},
            }
        )
    for focus in case.problem_areas:
        if focus.from_week is None:
            continue
        shapes.append(week_line("focus_revised", focus.from_week, OKABE_ITO["purple"], "dot", width=2))
        annotations.append(
            {
                "x": focus.from_week,
                "y": 0.92,
                "yref": "paper",
                "showarrow": False,
                "xanchor": "left",
                "text": f"focus revised: {escape(area_label(focus.area, case.adaptation))}",
                "font": {"size": 12, "color": OKABE_ITO["purple"]},
            }
        )
    earliest = min([0, *(e.week for e in case.timeline), *([onset] if onset is not None else [])])
    latest = max([last, *weeks, *(e.week for e in case.timeline)])
    layout = base_layout(
        f"Interpersonal timeline: {escape(case.patient.label)}",
        xaxis=axis("Weeks before (-) and after (+) intake", range=[earliest - 4, latest + 3]),
        yaxis=axis("", type="category", categoryorder="array", categoryarray=list(ROW_ORDER)),
        shapes=shapes,
        annotations=annotations,
        height=520,
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0},
    )
    return figure(data, layout)
