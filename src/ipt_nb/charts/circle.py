"""The closeness circle of the interpersonal inventory, and how it moves across the weeks.

The patient sits at the centre; three rings (inner, middle, outer) and an
outside zone hold the people. A person's distance from the centre follows the
ring and, within it, the 0-10 closeness rating. Each person keeps one angle at
every week, so movement between weeks reads as movement inward or outward.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from ..disclosure import dispute_stage_at
from ..model import Case, Person
from ._style import OKABE_ITO, axis, base_layout, escape, figure

__all__ = [
    "CONFLICT_SYMBOLS",
    "GROUP_ORDER",
    "LABEL_CHAR_WIDTH",
    "LABEL_GAP",
    "LABEL_HEIGHT",
    "LABEL_SIDES",
    "MARKER_HALF",
    "OUTSIDE_RADIUS",
    "RELATIONSHIP_GROUPS",
    "RING_BANDS",
    "RING_LABELS",
    "RING_LABEL_POINTS",
    "SYMBOL_KEY",
    "Box",
    "circle_positions",
    "closeness_circle",
    "closeness_over_time",
    "label_box",
    "label_font_size",
]

RING_LABELS = {1: "inner", 2: "middle", 3: "outer"}
OUTSIDE_RADIUS = 3.55
RELATIONSHIP_GROUPS = {
    "partner": ("Partner", OKABE_ITO["vermillion"]),
    "spouse": ("Partner", OKABE_ITO["vermillion"]),
    "ex_partner": ("Partner", OKABE_ITO["vermillion"]),
    "child": ("Family", OKABE_ITO["blue"]),
    "parent": ("Family", OKABE_ITO["blue"]),
    "sibling": ("Family", OKABE_ITO["blue"]),
    "other_family": ("Family", OKABE_ITO["blue"]),
    "friend": ("Friends and neighbours", OKABE_ITO["green"]),
    "neighbour": ("Friends and neighbours", OKABE_ITO["green"]),
    "coworker": ("Work", OKABE_ITO["orange"]),
    "supervisor": ("Work", OKABE_ITO["orange"]),
    "health_professional": ("Care", OKABE_ITO["purple"]),
    "other": ("Other", OKABE_ITO["sky"]),
}
GROUP_ORDER = ("Partner", "Family", "Friends and neighbours", "Work", "Care", "Other")
SYMBOL_KEY = "shape = dispute stage: ● none  ◆ renegotiation  ■ impasse  ✕ dissolution; hollow = deceased"
CONFLICT_SYMBOLS = {"none": "circle", "renegotiation": "diamond", "impasse": "square", "dissolution": "x"}


RING_BANDS = {1: (0.45, 0.95), 2: (1.1, 1.9), 3: (2.1, 2.9)}
"""Inner and outer radius each ring's people are drawn between (ring 1 leaves room for the patient)."""


def _radius(ring: int | None, closeness: int | None) -> float:
    """Distance from the centre: within the ring's band, nearer the inside edge the closer the person."""
    if ring is None:
        return OUTSIDE_RADIUS
    inner, outer = RING_BANDS[ring]
    if closeness is None:
        return (inner + outer) / 2
    return outer - (outer - inner) * closeness / 10


def _angles(case: Case) -> dict[str, float]:
    """One fixed angle per person, spread evenly, starting at the top and going clockwise."""
    count = max(len(case.people), 1)
    return {p.id: math.pi / 2 - 2 * math.pi * i / count for i, p in enumerate(case.people)}


def _conflict_at(case: Case, person: Person, week: int) -> str:
    """The person's dispute stage as known at ``week`` (never before a stage was assessed)."""
    return dispute_stage_at(case, person, week)


def circle_positions(case: Case, week: int) -> list[dict[str, Any]]:
    """Where each person sits at ``week``: plain data, used by the figure and by tests."""
    angles = _angles(case)
    placed = []
    for person in case.people:
        rating = case.rating_at(person.id, week)
        radius = _radius(rating.ring, rating.closeness)
        angle = angles[person.id]
        placed.append(
            {
                "id": person.id,
                "label": person.label,
                "ring": rating.ring,
                "closeness": rating.closeness,
                "conflict": _conflict_at(case, person, week),
                "status": person.status,
                "group": RELATIONSHIP_GROUPS[person.relationship][0],
                "x": round(radius * math.cos(angle), 4),
                "y": round(radius * math.sin(angle), 4),
            }
        )
    _place_labels(placed)
    return placed


LABEL_CHAR_WIDTH = 0.094
"""Approximate width of one label character in circle units (14 px font, 900 px plot for 11.2 units)."""
LABEL_HEIGHT = 0.22
LABEL_GAP = 0.2
MARKER_HALF = 0.13
LABEL_SIDES = (
    "middle right",
    "middle left",
    "top center",
    "bottom center",
    "top right",
    "bottom right",
    "top left",
    "bottom left",
)
Box = tuple[float, float, float, float]


def label_font_size(people: int) -> int:
    """Smaller labels for crowded circles, so that twenty people still fit."""
    return 14 if people <= 12 else 11


def label_box(x: float, y: float, label: str, where: str, font_size: int = 14) -> Box:
    """The rectangle a label takes beside its marker, in circle units."""
    scale = font_size / 14
    width, height = LABEL_CHAR_WIDTH * len(label) * scale, LABEL_HEIGHT * scale
    vertical, horizontal = where.split()
    if vertical == "middle":
        bottom = y - height / 2
    else:
        gap = LABEL_GAP if horizontal == "center" else LABEL_GAP / 2
        bottom = y + gap if vertical == "top" else y - gap - height
    if horizontal == "center":
        left = x - width / 2
    else:
        gap = LABEL_GAP if vertical == "middle" else LABEL_GAP / 2
        left = x + gap if horizontal == "right" else x - gap - width
    return left, bottom, left + width, bottom + height


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(placed: list[dict[str, Any]]) -> None:
    """Choose each label's side so that no label covers another label or a marker.

    Greedy: each person tries the side pointing away from the centre first,
    then the others; the first side that collides with nothing wins.
    """
    markers = [
        (p["x"] - MARKER_HALF, p["y"] - MARKER_HALF, p["x"] + MARKER_HALF, p["y"] + MARKER_HALF)
        for p in placed
    ]
    markers.append((-0.3, -0.3, 0.3, 0.3))  # the patient
    taken: list[Box] = _ring_label_boxes()
    size = label_font_size(len(placed))
    for index, person in enumerate(placed):
        x, y = person["x"], person["y"]
        outward = (
            ("top center" if y > 0 else "bottom center")
            if abs(y) > 2 * abs(x)
            else ("middle right" if x >= 0 else "middle left")
        )
        sides = [
            outward,
            *(s for s in ("middle right", "middle left", "top center", "bottom center") if s != outward),
        ]
        others = markers[:index] + markers[index + 1 :]
        for side in sides:
            box = label_box(x, y, person["label"], side, size)
            if not any(_overlaps(box, other) for other in [*taken, *others]):
                break
        else:
            side, box = outward, label_box(x, y, person["label"], outward, size)
        person["textposition"] = side
        taken.append(box)


def _person_traces(case: Case, week: int) -> list[dict[str, Any]]:
    placed = circle_positions(case, week)
    traces = []
    for group in GROUP_ORDER:
        members = [p for p in placed if p["group"] == group]
        colour = next(c for g, c in RELATIONSHIP_GROUPS.values() if g == group)
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": group,
                "legendgroup": group,
                "x": [p["x"] for p in members],
                "y": [p["y"] for p in members],
                "customdata": [p["id"] for p in members],
                "text": [
                    escape(p["label"]) + (" (deceased)" if p["status"] == "deceased" else "") for p in members
                ],
                "textposition": [p["textposition"] for p in members],
                "textfont": {"size": label_font_size(len(case.people))},
                "marker": {
                    "size": 18,
                    "color": colour,
                    "symbol": [
                        CONFLICT_SYMBOLS[p["conflict"]] + ("-open" if p["status"] == "deceased" else "")
                        for p in members
                    ],
                    "line": {"color": colour, "width": 2.5},
                },
                "hovertext": [_hover(p) for p in members],
                "hoverinfo": "text",
                "visible": True if members else "legendonly",
                "showlegend": bool(members),
            }
        )
    return traces


def _hover(placed: dict[str, Any]) -> str:
    ring = RING_LABELS.get(placed["ring"], "outside the circle") if placed["ring"] else "outside the circle"
    parts = [f"<b>{escape(placed['label'])}</b>", f"ring: {ring}"]
    if placed["closeness"] is not None:
        parts.append(f"closeness {placed['closeness']}/10")
    if placed["conflict"] != "none":
        parts.append(f"dispute: {placed['conflict']}")
    if placed["status"] != "current":
        parts.append(placed["status"])
    return "<br>".join(parts)


def _rings() -> list[dict[str, Any]]:
    shapes = [
        {
            "type": "circle",
            "name": f"ring:{ring}",
            "xref": "x",
            "yref": "y",
            "x0": -ring,
            "y0": -ring,
            "x1": ring,
            "y1": ring,
            "layer": "below",
            "line": {"color": "#888888", "width": 1.5},
            "fillcolor": "rgba(0, 114, 178, 0.05)",
        }
        for ring in (3, 2, 1)
    ]
    shapes.append(
        {
            "type": "circle",
            "name": "outside",
            "xref": "x",
            "yref": "y",
            "x0": -4,
            "y0": -4,
            "x1": 4,
            "y1": 4,
            "layer": "below",
            "line": {"color": "#bbbbbb", "width": 1, "dash": "dot"},
        }
    )
    return shapes


RING_LABEL_POINTS = {
    "inner": (-0.52, -0.52),
    "middle": (-1.06, -1.06),
    "outer": (-1.77, -1.77),
    "outside": (-2.55, -2.55),
}
"""Where the ring names sit: on the lower-left diagonal, each inside its own band."""


def _ring_label_boxes() -> list[Box]:
    return [(x - 0.3, y - 0.12, x + 0.3, y + 0.12) for x, y in RING_LABEL_POINTS.values()]


def _ring_labels() -> list[dict[str, Any]]:
    labels = [
        {"x": x, "y": y, "text": name, "showarrow": False, "font": {"size": 11, "color": "#777777"}}
        for name, (x, y) in RING_LABEL_POINTS.items()
    ]
    labels.append(
        {"x": 0, "y": -4.55, "showarrow": False, "font": {"size": 11, "color": "#555555"}, "text": SYMBOL_KEY}
    )
    return labels


def _title(case: Case, week: int) -> str:
    when = "at intake" if week <= 0 else f"at week {week}"
    return f"Closeness circle of {escape(case.patient.label)}, {when}"


def closeness_circle(case: Case, week: int | None = None, *, animate: bool = False) -> go.Figure:
    """The circle as rated at ``week`` (default: intake); ``animate`` adds a slider over the rating weeks."""
    shown = 0 if week is None else week
    patient = {
        "type": "scatter",
        "mode": "markers+text",
        "name": escape(case.patient.label),
        "x": [0],
        "y": [0],
        "text": [escape(case.patient.label)],
        "textposition": "bottom center",
        "showlegend": False,
        "marker": {"size": 26, "color": OKABE_ITO["black"], "symbol": "circle"},
        "hoverinfo": "skip",
    }
    layout = base_layout(
        _title(case, shown),
        xaxis=axis("", range=[-5.6, 5.6], visible=False),
        yaxis=axis("", range=[-4.9, 4.4], visible=False, scaleanchor="x", scaleratio=1),
        shapes=_rings(),
        annotations=_ring_labels(),
        height=860,
        width=1000,
        legend={"orientation": "v", "x": 1.0, "y": 1.0, "xanchor": "right"},
    )
    frames: list[dict[str, Any]] = []
    if animate:
        weeks = sorted({0, *case.rating_weeks()})
        frames = [
            {
                "name": str(w),
                "data": _person_traces(case, w),
                "traces": list(range(1, 1 + len(GROUP_ORDER))),
                "layout": {"title": {"text": _title(case, w)}},
            }
            for w in weeks
        ]
        layout["sliders"] = [
            {
                "active": weeks.index(shown) if shown in weeks else 0,
                "currentvalue": {"prefix": "Rated at week "},
                "pad": {"t": 20},
                "steps": [
                    {
                        "label": str(w),
                        "method": "animate",
                        "args": [[str(w)], {"mode": "immediate", "frame": {"duration": 400, "redraw": True}}],
                    }
                    for w in weeks
                ],
            }
        ]
    return figure([patient, *_person_traces(case, shown)], layout, frames)


def closeness_over_time(case: Case) -> go.Figure:
    """Closeness (0-10) of each person across the weeks where it was rated, as step lines."""
    weeks = sorted({0, *case.rating_weeks()})
    data = []
    for person in case.people:
        values = [case.rating_at(person.id, w).closeness for w in weeks]
        colour = RELATIONSHIP_GROUPS[person.relationship][1]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": escape(person.label),
                "x": weeks,
                "y": values,
                "line": {
                    "shape": "hv",
                    "color": colour,
                    "dash": "dot" if person.status == "deceased" else "solid",
                },
                "marker": {"color": colour, "size": 7},
                "hovertemplate": f"{escape(person.label)}<br>week %{{x}}: closeness %{{y}}/10<extra></extra>",
            }
        )
    layout = base_layout(
        f"Closeness across treatment: {escape(case.patient.label)}",
        xaxis=axis("Week since intake", dtick=2),
        yaxis=axis("Closeness (0 = distant, 10 = closest)", range=[-0.5, 10.5]),
    )
    return figure(data, layout)
