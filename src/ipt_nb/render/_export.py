"""Executed notebook -> one offline HTML report page.

Figures stay plotly JSON in the executed notebook and become HTML only here,
each with a stable div id (case id + figure name), so reports are
deterministic and small. Pages reference one shared ``assets/plotly.min.js``
(or inline it with ``self_contained``); nothing is loaded from the network.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from html import escape
from importlib import resources
from typing import Any

import nbformat
import plotly.io as pio
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from ..notebook import PLOTLY_CONFIG, PLOTLY_MIME

HIDDEN_TAGS = {"parameters", "injected-parameters", "report-hide", "ipt-nb-reset"}
PLOTLY_ASSET = "assets/plotly.min.js"
GENERATOR = "ipt-nb"


@lru_cache(maxsize=1)
def exporter() -> HTMLExporter:
    """One exporter per process: building it costs far more than using it."""
    html = HTMLExporter(
        template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    html.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS, enabled=True), enabled=True
    )
    return html


@lru_cache(maxsize=1)
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@lru_cache(maxsize=1)
def page_css() -> str:
    return resources.files("ipt_nb").joinpath("assets/page.css").read_text()


def figures_to_html(nb: nbformat.NotebookNode, case_id: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose plotly outputs are HTML divs with stable ids."""
    nb = copy.deepcopy(nb)
    count = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            figure = output.get("data", {}).get(PLOTLY_MIME)
            if figure is None:
                continue
            count += 1
            name = output.get("metadata", {}).get("ipt_nb", {}).get("figure") or f"figure{count}"
            div = pio.to_html(
                {"data": figure.get("data", []), "layout": figure.get("layout", {})},
                config=PLOTLY_CONFIG,
                full_html=False,
                include_plotlyjs=False,
                div_id=f"{case_id}-{name}",
                validate=False,
            )
            output["data"] = {"text/html": div}
    return nb


def page(nb: nbformat.NotebookNode, *, case_id: str, title: str, self_contained: bool) -> str:
    """The full HTML page of one executed notebook."""
    body, _ = exporter().from_notebook_node(figures_to_html(nb, case_id))
    script = (
        f"<script>{plotly_js()}</script>" if self_contained else f'<script src="{PLOTLY_ASSET}"></script>'
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{GENERATOR}">\n'
        f"<title>{escape(title)}</title>\n<style>\n{page_css()}</style>\n{script}\n</head>\n<body>\n"
        f'<main class="ipt-page">\n{body}\n</main>\n'
        '<footer class="ipt-footer"><a href="index.html">All cases</a></footer>\n</body>\n</html>\n'
    )


def metadata_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    title: Any = nb.metadata.get("title")
    return str(title) if title else fallback
