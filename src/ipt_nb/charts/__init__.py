"""Chart builders: each takes a case (or cases) and returns a plotly Figure; none shows or writes.

Notebooks, forms and reports decide how to display a figure.
"""

from ._style import warm_up
from .circle import circle_positions, closeness_circle, closeness_over_time
from .cohort import cohort
from .timeline import timeline
from .trajectory import trajectory

__all__ = [
    "circle_positions",
    "closeness_circle",
    "closeness_over_time",
    "cohort",
    "timeline",
    "trajectory",
    "warm_up",
]
