"""The files every page the kit writes uses: plotly.js and the page stylesheet.

Reports, the class results page and the slide deck share them. Kept apart from the exporter so
that the process that plans a render does not import nbconvert and nbformat only to copy a file.
"""

from __future__ import annotations

import pkgutil
from functools import lru_cache
from importlib import resources

PLOTLY_ASSET = "assets/plotly.min.js"


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js bundle shipped with the installed plotly (what ``plotly.offline.get_plotlyjs`` reads)."""
    data = pkgutil.get_data("plotly", "package_data/plotly.min.js")
    if data is None:
        raise FileNotFoundError("plotly's package_data/plotly.min.js is missing")
    return data.decode("utf-8")


@lru_cache(maxsize=1)
def page_css() -> str:
    return resources.files("ipt_nb").joinpath("assets/page.css").read_text()
