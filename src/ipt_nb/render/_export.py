"""Executed notebook -> one offline HTML report page.

Figures stay plotly JSON in the executed notebook and become HTML only here,
each with a stable div id (case id + figure name), so reports are
deterministic and small. Pages reference one shared ``assets/plotly.min.js``
(or inline it with ``self_contained``); nothing is loaded from the network.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

import nbformat
import plotly.io as pio
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from .._assets import PLOTLY_ASSET, page_css, plotly_js
from ..display import PLOTLY_CONFIG, PLOTLY_MIME

HIDDEN_TAGS = {"parameters", "injected-parameters", "report-hide"}
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


def figures_to_slots(nb: nbformat.NotebookNode, case_id: str) -> tuple[nbformat.NotebookNode, dict[str, str]]:
    """A copy of ``nb`` whose plotly outputs are empty slots, and each slot's figure div.

    The divs (with their figure JSON, most of a report's bytes) are put in
    after nbconvert's export, which then templates and re-parses a small page:
    this halves the export time. ``nb`` itself is left as executed (a failing
    case keeps its figures). Div ids are the case id and the figure's name,
    numbered when a name repeats; cells the report hides are skipped.
    """
    divs: dict[str, str] = {}
    cells = []
    for cell in nb.cells:
        hidden = HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", []))
        if hidden or not any(PLOTLY_MIME in output.get("data", {}) for output in cell.get("outputs", [])):
            cells.append(cell)
        else:
            outputs = [_slot(output, case_id, divs) for output in cell.outputs]
            cells.append(nbformat.NotebookNode({**cell, "outputs": outputs}))
    return nbformat.NotebookNode({**nb, "cells": cells}), divs


def _slot(output: nbformat.NotebookNode, case_id: str, divs: dict[str, str]) -> nbformat.NotebookNode:
    figure = output.get("data", {}).get(PLOTLY_MIME)
    if figure is None:
        return output
    name = output.get("metadata", {}).get("ipt_nb", {}).get("figure") or f"figure{len(divs) + 1}"
    div_id, number = f"{case_id}-{name}", 1
    while f'<div id="{escape(div_id)}-slot"></div>' in divs:
        number += 1
        div_id = f"{case_id}-{name}-{number}"
    slot = f'<div id="{escape(div_id)}-slot"></div>'
    divs[slot] = pio.to_html(
        {"data": figure.get("data", []), "layout": figure.get("layout", {})},
        config=PLOTLY_CONFIG,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        validate=False,
    )
    return nbformat.NotebookNode({**output, "data": {"text/html": slot}})


def page(nb: nbformat.NotebookNode, *, case_id: str, title: str, self_contained: bool) -> str:
    """The full HTML page of one executed notebook."""
    slotted, divs = figures_to_slots(nb, case_id)
    body, _ = exporter().from_notebook_node(slotted)
    for slot, div in divs.items():
        if body.count(slot) > 1:  # case text is escaped, so it cannot spell a slot; a template could
            raise ValueError(f"figure slot {slot} appears more than once in the exported page")
        body = body.replace(slot, div)  # a slot the exporter removed is simply not there
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


def warm_up() -> None:
    """Build the exporter and compile its templates, as the first page would."""
    page(nbformat.v4.new_notebook(), case_id="warm-up", title="", self_contained=False)
