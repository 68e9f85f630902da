"""The older home of the notebook helpers, kept so that notebooks written against it still run.

New code imports them from the package (``from ipt_nb import check_parameters, show``), or from
:mod:`ipt_nb.parameters` and :mod:`ipt_nb.display`, where they live.
"""

from __future__ import annotations

from .display import PLOTLY_CONFIG, PLOTLY_MIME, figure_bundle, html_bundle, show, show_html
from .parameters import ParameterError, check_parameters, load_parameter_case

__all__ = [
    "PLOTLY_CONFIG",
    "PLOTLY_MIME",
    "ParameterError",
    "check_parameters",
    "figure_bundle",
    "html_bundle",
    "load_parameter_case",
    "show",
    "show_html",
]
