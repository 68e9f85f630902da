"""What a class chose, for the educator's screen and the projector.

:func:`collect` reads an answers folder (and the cases, for their teaching
answers) into a :class:`ClassReport`; the rest draws it: a bar chart of the
first choices with the teaching answer marked, the dispute stages chosen, the
share of the class whose formulation covers each element F1-F6, trajectory
reading accuracy and attempts. Pseudonyms are hidden unless asked for (a
projector view must not put a struggling student's name on the wall); files
that do not follow the schema are listed with the reason, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go

from ._html import STYLE, Safe, bullet_list, join, table, tag, text
from .casefile import case_files, check_file
from .catalog import PROBLEM_AREAS
from .charts._style import OKABE_ITO, escape
from .classroom import area_name, class_results, read_answers
from .disclosure import expected_answer
from .display import figure_bundle, html_bundle
from .formulation import ELEMENTS
from .model import Case


@dataclass
class ClassReport:
    """Every case's results, the files skipped with why, and who handed in what."""

    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    students: dict[str, list[str]] = field(default_factory=dict)
    """Case id -> the pseudonyms that handed in, in file order (shown only when asked)."""

    def as_json(self) -> dict[str, Any]:
        """The class's results as ``class results --json`` prints them."""
        return {"cases": self.cases, "skipped": self.skipped}


def teaching_cases(cases_dir: Path | None) -> dict[str, Case]:
    """The valid cases of ``cases_dir`` by id (an invalid file has no answer to compare with)."""
    if cases_dir is None or not Path(cases_dir).is_dir():
        return {}
    reports = [check_file(path) for path in case_files([Path(cases_dir)])]
    return {r.case.id: r.case for r in reports if r.case is not None}


def collect(
    answers_dir: str | Path, cases_dir: str | Path | None = None, case_id: str | None = None
) -> ClassReport:
    """Read ``answers_dir`` (one case's answers, if ``case_id``) against the cases in ``cases_dir``."""
    records, skipped = read_answers(answers_dir, case_id)
    cases = teaching_cases(Path(cases_dir) if cases_dir else None)
    report = ClassReport(skipped=skipped)
    for cid in sorted({r.case_id for r in records}):
        mine = [r for r in records if r.case_id == cid]
        case = cases.get(cid)
        report.cases[cid] = class_results(mine, expected_answer(case).area if case else None)
        report.students[cid] = [r.student for r in mine]
    return report


def first_choice_chart(case_id: str, result: dict[str, Any], *, large: bool = False) -> go.Figure:
    """How many chose each problem area first; the teaching answer's bar is marked."""
    areas = list(PROBLEM_AREAS)
    counts = [result["first_choice"].get(a, 0) for a in areas]
    answer = result.get("answer")
    colors = [OKABE_ITO["green"] if a == answer else OKABE_ITO["blue"] for a in areas]
    labels = [PROBLEM_AREAS[a].label + (" (teaching answer)" if a == answer else "") for a in areas]
    fig = go.Figure(go.Bar(x=labels, y=counts, marker={"color": colors}, text=counts, textposition="outside"))
    fig.update_layout(
        title=escape(f"First choices: {case_id} ({result['handed_in']} handed in)"),
        yaxis={"title": "students", "rangemode": "tozero", "dtick": 1},
        template="simple_white",
        height=420,
        margin={"t": 60, "b": 80},
        font={"size": 20 if large else 14},
    )
    return fig


def _share(count: int, total: int) -> str:
    return f"{count} of {total} ({count / total:.0%})" if total else "-"


def case_html(case_id: str, result: dict[str, Any], students: list[str], *, show_names: bool) -> Safe:
    """The tables of one case: elements covered, stages, trajectory reading, attempts."""
    total = result["handed_in"]
    answer = result.get("answer")
    parts: list[object] = [tag("h2", f"Case {case_id}")]
    if answer:
        parts.append(
            tag(
                "p",
                f"Teaching answer: {area_name(answer)}. "
                f"Chose it first: {_share(result['first_choice_correct'], total)}.",
            )
        )
    else:
        parts.append(tag("p", "This case has no teaching answer in the cases folder.", cls="ipt-hidden"))
    stages = result["stages"]
    if stages:
        parts += [tag("h3", "Dispute stages chosen"), table(["stage", "students"], sorted(stages.items()))]
    element_rows = [(e.id, e.name, _share(result["elements"].get(e.id, 0), total)) for e in ELEMENTS]
    parts += [
        tag("h3", "Formulation elements covered"),
        table(["", "element", "share of the class"], element_rows),
    ]
    parts += [
        tag("h3", "Trajectory reading"),
        tag("p", f"Correct readings: {_share(result['trajectory_correct'], result['trajectory_answers'])}."),
    ]
    attempts = result["attempts"]
    names = students if show_names else [f"student {n}" for n in range(1, len(students) + 1)]
    rows = [(name, attempts.get(student, 0)) for name, student in zip(names, students, strict=True)]
    parts += [
        tag("h3", "Attempts"),
        tag("p", f"Changed their answer after the feedback: {result['changed_after_feedback']}."),
        table(["student" if show_names else "student (names hidden)", "problem-area attempts"], rows),
    ]
    return join(parts)


def skipped_html(skipped: dict[str, str]) -> Safe:
    """The answer files that could not be read, with the reason each."""
    if not skipped:
        return Safe("")
    return join([tag("h2", "Files skipped"), bullet_list(f"{name}: {why}" for name, why in skipped.items())])


def report_html(report: ClassReport, *, show_names: bool = False) -> Safe:
    """Every case's tables (charts are drawn beside them by the caller), then the skipped files."""
    if not report.cases:
        body = [tag("p", "No answers handed in yet.")]
    else:
        body = [
            case_html(cid, result, report.students.get(cid, []), show_names=show_names)
            for cid, result in report.cases.items()
        ]
    return join([STYLE, tag("div", *body, skipped_html(report.skipped), cls="ipt-report")])


def results_page(report: ClassReport, *, show_names: bool = False) -> str:
    """``ipt-nb class results --out``: one offline page with the charts and the tables."""
    from ._assets import plotly_js  # noqa: PLC0415 (the heavy asset, only for a page)

    sections = []
    for number, (cid, result) in enumerate(report.cases.items(), start=1):
        chart = first_choice_chart(cid, result).to_html(  # the id is ours: a case id is file data
            full_html=False, include_plotlyjs=False, div_id=f"chart-{number}", config={"displaylogo": False}
        )
        sections.append(chart + case_html(cid, result, report.students.get(cid, []), show_names=show_names))
    body = "".join(sections) or str(tag("p", "No answers handed in yet."))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text('Class results')}</title>{STYLE}<script>{plotly_js()}</script></head>"
        f'<body><main class="ipt-report" style="margin: 1rem 2rem">'
        f"<h1>Class results</h1>{body}{skipped_html(report.skipped)}</main></body></html>\n"
    )


class ResultsBoard:
    """The educator's live view: Refresh re-reads the folder; names stay hidden unless shown."""

    def __init__(
        self, answers_dir: str | Path, cases_dir: str | Path | None = None, *, show_names: bool = False
    ) -> None:
        self.answers_dir = Path(answers_dir)
        self.cases_dir = Path(cases_dir) if cases_dir else None
        self.show_names = show_names

    def report(self) -> ClassReport:
        """The results of the answers folder as it is now."""
        return collect(self.answers_dir, self.cases_dir)

    def outputs(self, report: ClassReport) -> tuple[dict[str, object], ...]:
        """The results page as notebook outputs."""
        bundles = [figure_bundle(first_choice_chart(cid, r, large=True)) for cid, r in report.cases.items()]
        return tuple(
            {"output_type": "display_data", "data": b, "metadata": {}}
            for b in [*bundles, html_bundle(report_html(report, show_names=self.show_names))]
        )

    def widget(self) -> widgets.VBox:
        """The board: Refresh and the results."""
        refresh = widgets.Button(
            description="Refresh", icon="refresh", tooltip="read the answers folder again"
        )
        names = widgets.ToggleButton(
            value=self.show_names, description="Show names", tooltip="pseudonyms on screen"
        )
        status = widgets.HTML()
        board = widgets.Output()

        def draw(*_: object) -> None:
            self.show_names = names.value
            report = self.report()  # the folder is read once per refresh
            board.outputs = self.outputs(report)
            count = sum(r["handed_in"] for r in report.cases.values())
            status.value = str(tag("span", f"{count} committed answer(s) in {self.answers_dir}"))

        refresh.on_click(draw)
        names.observe(draw, names="value")
        draw()
        return widgets.VBox([widgets.HBox([refresh, names, status]), board])


__all__ = [
    "ClassReport",
    "ResultsBoard",
    "case_html",
    "collect",
    "first_choice_chart",
    "report_html",
    "results_page",
    "skipped_html",
    "teaching_cases",
]
