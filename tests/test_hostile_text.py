"""Hostile text in every free-text field of a case shows as literal text everywhere the kit shows it."""

from __future__ import annotations

import json
from typing import Any

from ipt_nb import Case, charts, load_case, report
from ipt_nb.exercises import vignette_html
from ipt_nb.outcomes import summarize
from ipt_nb.privacy import STRUCTURAL_KEYS
from ipt_nb.walkthrough import Walkthrough

from .conftest import CASES

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    "[click](javascript:alert(3))",
    "{{ 7*7 }} ${7*7} {% raw %}",
    "<b>bold</b> &amp; <a href='https://example.org'>link</a>",
]
NOT_TEXT = {"support", "techniques", "adherence", "week"}
"""Enumerations inside lists and mappings: their values are choices, not text."""


def poison(node: Any, key: str | None = None, counter: list[int] | None = None) -> Any:
    """Replace every free-text string (not ids, enumerations or codes) with a numbered payload."""
    counter = counter if counter is not None else [0]
    if key in NOT_TEXT:
        return node
    if isinstance(node, dict):
        return {k: poison(v, k, counter) for k, v in node.items()}
    if isinstance(node, list):
        return [poison(item, key, counter) for item in node]
    if isinstance(node, str) and key not in STRUCTURAL_KEYS:
        counter[0] += 1
        return f"{PAYLOADS[counter[0] % len(PAYLOADS)]} #{counter[0]}"
    return node


def hostile_case() -> tuple[Case, int]:
    counter = [0]
    data = poison(load_case(CASES / "joy.yaml").model_dump(mode="json", exclude_unset=True), counter=counter)
    return Case.model_validate(data), counter[0]


def test_every_text_field_is_escaped_in_reports_charts_and_views() -> None:
    case, count = hostile_case()
    assert count > 100  # every free-text field of the case holds a payload
    summary = summarize(case)
    html_parts = [
        report.overview(case), report.formulation(case), report.inventory(case), report.problem_areas(case),
        report.outcomes(summary), report.adherence(case), report.termination(case), report.cohort_table([case]),
        Walkthrough(case, week=16, reveal=True).week_html(), Walkthrough(case, reveal=True).answer_html(),
        Walkthrough(case).formulation_html(), vignette_html(case),
    ]  # fmt: skip
    html = "".join(html_parts)
    for raw in ("<script>", "<img", "<b>bold", "<a href"):
        assert raw not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "{{ 7*7 }} ${7*7} {% raw %}" in html  # template syntax is shown, never evaluated
    figures = [charts.trajectory(case), charts.closeness_circle(case, week=8), charts.closeness_over_time(case),
               charts.timeline(case), charts.cohort([case])]  # fmt: skip
    text = json.dumps([f.to_dict() for f in figures])
    for raw in ("<script>", "<img", "<b>bold", "<a href"):
        assert raw not in text
    assert "&lt;img src=x" in text
