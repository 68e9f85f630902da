"""One look for every chart: a colour-blind-safe palette, fonts, margins and helpers.

Nothing here touches plotly's global defaults (``pio.templates.default``,
``px.defaults``): two notebooks in one kernel must not disagree about a chart.
"""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go

OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
"""Okabe & Ito's palette, readable with the common colour-vision deficiencies."""

MEASURE_COLOURS = {
    "phq9": OKABE_ITO["blue"],
    "gad7": OKABE_ITO["orange"],
    "hamd17": OKABE_ITO["vermillion"],
    "bdi2": OKABE_ITO["purple"],
    "epds": OKABE_ITO["green"],
    "mood10": OKABE_ITO["sky"],
}
PHASE_FILLS = {
    "initial": "rgba(86, 180, 233, 0.16)",
    "middle": "rgba(0, 158, 115, 0.12)",
    "termination": "rgba(230, 159, 0, 0.16)",
}
SEVERITY_GREYS = ("#ffffff", "#f2f2f2", "#e6e6e6", "#d9d9d9", "#cccccc")
"""Light to dark shading of severity bands: darker is more severe, never a traffic-light hue."""

FONT = {"family": "Inter, 'Helvetica Neue', Arial, sans-serif", "size": 14, "color": "#222222"}


def escape(text: object) -> str:
    """Case text as literal text in plotly labels and hover boxes (plotly reads a subset of HTML)."""
    return html.escape(str(text), quote=False)


def base_layout(title: str, **extra: Any) -> dict[str, Any]:
    """Layout shared by every builder."""
    layout: dict[str, Any] = {
        "template": {"data": {}, "layout": {}},  # independent of the global default template, and small
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 18}},
        "font": FONT,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 70, "r": 30, "t": 70, "b": 110},
        "hoverlabel": {"font": {"size": 13}},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.14, "x": 0},
    }
    layout.update(extra)
    return layout


def axis(title: str, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "title": {"text": title},
        "showgrid": False,
        "zeroline": False,
        "linecolor": "#444444",
        "ticks": "outside",
    }
    spec.update(extra)
    return spec


def figure(
    data: list[dict[str, Any]], layout: dict[str, Any], frames: list[dict[str, Any]] | None = None
) -> go.Figure:
    """Build the figure in one step from plain dicts (far faster than many ``add_*`` calls)."""
    return go.Figure({"data": data, "layout": layout, "frames": frames or []})


def week_band(name: str, first: int, last: int, fill: str) -> dict[str, Any]:
    """A shaded band over weeks ``first``..``last`` across the whole plot height."""
    return {
        "type": "rect", "name": name, "xref": "x", "yref": "paper", "x0": first - 0.5, "x1": last + 0.5,
        "y0": 0, "y1": 1, "fillcolor": fill, "line": {"width": 0}, "layer": "below",
    }  # fmt: skip


def week_line(name: str, week: float, colour: str, dash: str, width: float = 1) -> dict[str, Any]:
    """A vertical line at ``week`` across the whole plot height."""
    return {
        "type": "line", "name": name, "xref": "x", "yref": "paper", "x0": week, "x1": week, "y0": 0, "y1": 1,
        "line": {"color": colour, "width": width, "dash": dash},
    }  # fmt: skip


def warm_up() -> None:
    """Build and serialize one small figure that touches what the chart builders use.

    plotly imports its figure classes and builds its property validators on
    first use, about 0.3 s of a first chart here. A process that forks report
    kernels calls this once, so every kernel starts with them built; the
    figure itself is thrown away and nothing global is set.
    """
    points = {"x": [1, 2], "y": [1, 2], "text": ["a", "b"], "customdata": [1, 2], "name": "a"}
    line = {"width": 1, "color": "#000000"}
    data = [
        {
            "type": "scatter", "mode": "lines+markers+text", "hovertemplate": "%{x}<extra></extra>",
            "marker": {"size": 8, "color": "#000000", "symbol": "circle", "line": line},
            "line": {"dash": "dot", "shape": "linear", **line}, "textposition": "top center",
            "textfont": {"size": 12}, "showlegend": True, "hoverinfo": "skip", "fill": "none",
            "legendgroup": "a", **points,
        },
        {"type": "scattergl", "mode": "markers", **points},
    ]  # fmt: skip
    layout = base_layout(
        "warm-up",
        xaxis=axis("week", range=[0, 16], dtick=1, tickvals=[1], ticktext=["1"], fixedrange=True),
        yaxis=axis("score", range=[0, 27], scaleanchor="x", visible=True, showticklabels=True),
        shapes=[
            week_band("band", 1, 2, SEVERITY_GREYS[1]),
            week_line("line", 3, "#000000", "dash"),
            {"type": "circle", "xref": "x", "yref": "y", "x0": -1, "x1": 1, "y0": -1, "y1": 1},
        ],
        annotations=[{"text": "a", "x": 1, "y": 1, "showarrow": False, "font": {"size": 12}, "xref": "x"}],
        sliders=[{"steps": [{"label": "1", "method": "animate", "args": [["1"]]}], "active": 0}],
        showlegend=True,
        height=400,
        width=600,
    )
    figure(data, layout, frames=[{"name": "1", "data": data, "layout": {"title": {"text": "1"}}}]).to_json()
