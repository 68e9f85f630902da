"""``index.html``: every case of the render with its outcomes and a link, then what failed and why."""

from __future__ import annotations

from dataclasses import dataclass

from .._assets import page_css
from .._html import Safe, badge, join, table, tag
from ..catalog import ADAPTATIONS, area_label
from ..model import Case
from ..outcomes import summarize


@dataclass(frozen=True)
class Problem:
    source: str
    reason: str


def _flag(label: str, value: bool | None) -> Safe:
    if value is None:
        return Safe("")
    return badge(label, "yes") if value else badge(f"no {label}", "no")


def case_row(case: Case, report: str | None, pdf: str | None = None) -> list[object]:
    summary = summarize(case)
    focus = case.primary_focus()
    scores = join(
        [
            tag("div", f"{o.name} {o.baseline} -> {o.end if o.end is not None else '-'}")
            for o in summary.measures.values()
        ]
    )
    main = summary.main_outcome()
    flags = join(
        [
            _flag("response", main.response if main else None),
            _flag("remission", main.remission if main else None),
            _flag("recovery", summary.recovery),
        ]
    )
    alerts = join(badge(f"{a.code} wk {a.weeks_text()}", a.severity) for a in summary.alerts)
    if summary.unreviewed_risk:
        alerts = join([badge("risk unreviewed", "urgent"), alerts])
    link = tag("a", case.title, href=report) if report else tag("span", case.title)
    if pdf:
        link = join([link, " ", tag("a", "(PDF)", href=pdf, aria_label=f"{case.title}, PDF")])
    area = area_label(focus.area, case.adaptation) if focus else "-"
    if case.adaptation != "standard":
        area += f" ({ADAPTATIONS[case.adaptation].label})"
    return [link, case.id, area, scores, flags, alerts]


def index_page(rows: list[tuple[Case, str | None, str | None]], problems: list[Problem]) -> str:
    """The index: one row per case (its report and, when printed, its PDF), then what failed."""
    header = ["case", "id", "problem area", "baseline -> end", "outcome", "alerts"]
    body: list[object] = [
        tag("h1", "Case reports"),
        tag("p", f"{len(rows)} case(s) rendered."),
        table(header, [case_row(case, report, pdf) for case, report, pdf in rows]),
    ]
    if problems:
        body += [
            tag("h2", "Failed or skipped"),
            table(["file", "reason"], [(p.source, tag("pre", p.reason)) for p in problems]),
        ]
    content = tag("main", *body, cls="ipt-page ipt-index")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Case reports</title>\n<style>\n{page_css()}</style>\n</head>\n"
        f"<body>\n{content}\n</body>\n</html>\n"
    )
