"""Deliberate display of the kit's HTML and figures in a notebook, and the output bundles behind it.

Figures are displayed as plotly's JSON mimetype only (no ``fig.show()``):
small, deterministic, drawn by JupyterLab and Voila, turned into HTML by the
report exporter. ``fig.show()`` would also import nbformat and jsonschema in
every kernel, which costs more than the rest of a report.
"""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
from IPython.display import display

from ._html import Safe

__all__ = ["PLOTLY_CONFIG", "PLOTLY_MIME", "figure_bundle", "html_bundle", "show", "show_html"]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def figure_bundle(fig: go.Figure) -> dict[str, Any]:
    """A plotly figure as a notebook output bundle: the plotly JSON and a text fallback."""
    payload = json.loads(fig.to_json())
    payload["config"] = PLOTLY_CONFIG
    return {PLOTLY_MIME: payload, "text/plain": f"<plotly figure: {fig.layout.title.text or 'chart'}>"}


def show(fig: go.Figure, name: str) -> None:
    """Display a figure as plotly's JSON mimetype; ``name`` gives it a stable id in exported reports."""
    display(figure_bundle(fig), raw=True, metadata={"ipt_nb": {"figure": name}})


def html_bundle(fragment: Safe) -> dict[str, Any]:
    """Escaped HTML as a notebook output bundle."""
    return {"text/html": str(fragment), "text/plain": "<ipt-nb section>"}


def show_html(fragment: Safe) -> None:
    """Display an escaped HTML fragment built by the kit."""
    display(html_bundle(fragment), raw=True)
