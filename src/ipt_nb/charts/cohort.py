"""Many cases on one chart: percent change from baseline across the weeks, grouped by problem area.

One trace per problem area (cases joined with gaps), not one per case, so a
cohort of 500 cases builds and draws quickly.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import median
from typing import Any

import plotly.graph_objects as go

from ..catalog import PROBLEM_AREAS
from ..instruments import MeasureId
from ..model import Case
from ._style import OKABE_ITO, axis, base_layout, figure

__all__ = [
    "AREA_COLOURS",
    "cohort",
    "percent_change_series",
    "primary_measure",
]

AREA_COLOURS = {
    "grief": OKABE_ITO["purple"],
    "role_dispute": OKABE_ITO["vermillion"],
    "role_transition": OKABE_ITO["blue"],
    "interpersonal_deficits": OKABE_ITO["green"],
    "none": OKABE_ITO["grey"],
}


def primary_measure(case: Case) -> MeasureId | None:
    """The case's main measure (:meth:`ipt_nb.model.Case.primary_measure`)."""
    return case.primary_measure()


def percent_change_series(case: Case) -> tuple[str, list[int], list[float]] | None:
    """``(measure, weeks, percent change from baseline)`` of the case's primary measure."""
    measure = primary_measure(case)
    if measure is None:
        return None
    scores = case.scores(measure)
    baseline = next((s for w, s in scores if w == 0), scores[0][1])
    if baseline == 0:
        return None
    return measure, [w for w, _ in scores], [round(100 * (s - baseline) / baseline, 1) for _, s in scores]


def cohort(cases: list[Case]) -> go.Figure:
    """Percent change of each case's primary measure, coloured by primary problem area, with medians."""
    lines: dict[str, dict[str, list[Any]]] = defaultdict(lambda: {"x": [], "y": [], "text": []})
    by_week: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for case in cases:
        series = percent_change_series(case)
        if series is None:
            continue
        measure, weeks, values = series
        focus = case.primary_focus()
        case_area: str = focus.area if focus else "none"
        line = lines[case_area]
        line["x"] += [*weeks, None]
        line["y"] += [*values, None]
        line["text"] += [f"{case.id} ({measure})"] * len(weeks) + [None]
        for week, value in zip(weeks, values, strict=True):
            by_week[case_area][week].append(value)
    data = []
    for area in (*PROBLEM_AREAS, "none"):
        if area not in lines:
            continue
        label = PROBLEM_AREAS[area].label if area in PROBLEM_AREAS else "No focus recorded"
        colour = AREA_COLOURS[area]
        data.append(
            {
                "type": "scattergl",
                "mode": "lines",
                "name": f"{label} (cases)",
                "legendgroup": area,
                "x": lines[area]["x"],
                "y": lines[area]["y"],
                "text": lines[area]["text"],
                "line": {"color": colour, "width": 1},
                "opacity": 0.35,
                "hoverinfo": "text+y",
            }
        )
        weeks = sorted(by_week[area])
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{label} (median)",
                "legendgroup": area,
                "x": weeks,
                "y": [median(by_week[area][w]) for w in weeks],
                "line": {"color": colour, "width": 4},
            }
        )
    layout = base_layout(
        f"Change from baseline across {len(cases)} cases, by problem area",
        xaxis=axis("Week since intake", dtick=2),
        yaxis=axis("Change from baseline (%)", ticksuffix="%", range=[-105, 60]),
        shapes=[
            {
                "type": "line",
                "name": "response",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": -50,
                "y1": -50,
                "line": {"color": "#555555", "width": 1.2, "dash": "dash"},
            }
        ],
    )
    return figure(data, layout)
