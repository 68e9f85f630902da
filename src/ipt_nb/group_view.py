"""A WHO Group IPT group read together: attendance, each member's focus, PHQ-9 across the sessions,
and the group's response rate.

The members of one group are separate case files that share ``group.id`` (``adaptation:
group``); :func:`groups` collects them from folders (a casebook's group lives in a folder of its
own), and the rest draws one group. Labels are the WHO manual's ("Life changes", "Loneliness and
social isolation"), from :func:`ipt_nb.catalog.area_label`.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import plotly.graph_objects as go

from ._html import STYLE, Safe, join, table, tag
from .casefile import case_files, load_case
from .catalog import area_label
from .charts._style import FONT, OKABE_ITO, escape
from .model import Case
from .outcomes import MeasureOutcome, summarize


def groups(paths: list[str | Path]) -> dict[str, list[Case]]:
    """Group cases by ``group.id`` from files and folders, one level of subfolders included."""
    files: list[Path] = []
    for path in map(Path, paths):
        files += case_files([path])
        if path.is_dir():
            files += [f for sub in sorted(path.iterdir()) if sub.is_dir() for f in case_files([sub])]
    found: dict[str, list[Case]] = defaultdict(list)
    for file in files:
        case = load_case(file)
        if case.adaptation == "group" and case.group is not None:
            found[case.group.id].append(case)
    return {gid: sorted(members, key=lambda c: c.patient.label) for gid, members in sorted(found.items())}


def session_weeks(members: list[Case]) -> list[int]:
    """The group's session weeks after the individual pre-group meeting (week 0)."""
    return sorted({s.week for c in members for s in c.sessions if 0 < s.week <= c.plan.acute_sessions})


def attendance_table(members: list[Case]) -> Safe:
    """One row per member: attended (yes), missed (no) or not recorded (-) at every session."""
    weeks = session_weeks(members)
    rows = []
    for case in members:
        by_week = {s.week: s for s in case.sessions}
        marks = ["-" if w not in by_week else "yes" if by_week[w].attended else "missed" for w in weeks]
        attended = sum(1 for w in weeks if w in by_week and by_week[w].attended)
        rows.append([case.patient.label, *marks, f"{attended} of {len(weeks)}"])
    return table(["member", *(f"session {w}" for w in weeks), "attended"], rows)


def main_outcome(case: Case) -> MeasureOutcome | None:
    """The member's main measure's outcome (PHQ-9 first), or ``None`` without scores."""
    return summarize(case).main_outcome()


def focus_table(members: list[Case], outcomes: list[MeasureOutcome | None]) -> Safe:
    """Each member's focal problem area and the weeks it was in force, as an HTML table."""
    rows = []
    for case, main in zip(members, outcomes, strict=True):
        focus = case.primary_focus()
        outcome = "-"
        if main is not None:
            end = main.end if main.end is not None else "-"
            outcome = f"{main.name} {main.baseline} -> {end}" + (" (response)" if main.response else "")
        rows.append([case.patient.label, area_label(focus.area, case.adaptation) if focus else "-", outcome])
    return table(["member", "focus", "baseline -> end"], rows)


def response_rate(
    members: list[Case], outcomes: list[MeasureOutcome | None] | None = None
) -> tuple[int, int]:
    """Members with a response on their main measure, and members with a verdict (yes or no)."""
    responded = assessed = 0
    for main in outcomes if outcomes is not None else [main_outcome(c) for c in members]:
        if main is not None and main.response is not None:
            assessed += 1
            responded += bool(main.response)
    return responded, assessed


def phq9_chart(group_id: str, members: list[Case]) -> go.Figure:
    """PHQ-9 per member across the sessions (a missed session leaves a gap)."""
    colours = list(OKABE_ITO.values())
    fig = go.Figure()
    for i, case in enumerate(members):
        weeks = sorted({s.week for s in case.sessions if s.week <= case.plan.acute_sessions})
        scores = {s.week: s.measures["phq9"].score for s in case.sessions if "phq9" in s.measures}
        fig.add_trace(
            go.Scatter(
                x=weeks,
                y=[scores.get(w) for w in weeks],
                mode="lines+markers",
                name=escape(case.patient.label),
                line={"color": colours[i % len(colours)]},
                connectgaps=False,
            )
        )
    fig.update_layout(
        title=escape(f"PHQ-9 per member: group {group_id}"),
        xaxis={"title": "session (0: pre-group meeting)", "dtick": 1},
        yaxis={"title": "PHQ-9 total", "range": [0, 27]},
        template="simple_white",
        font=FONT,
        height=440,
    )
    return fig


def group_html(group_id: str, members: list[Case]) -> Safe:
    """The group's page: attendance, foci, outcomes and the response rate, escaped."""
    outcomes = [main_outcome(c) for c in members]  # one summary per member for both tables
    responded, assessed = response_rate(members, outcomes)
    rate = f"{responded} of {assessed} members ({responded / assessed:.0%})" if assessed else "-"
    expected = {c.group.members for c in members if c.group and c.group.members}
    parts = [
        tag("h2", f"Group {group_id}: {len(members)} member(s)"),
        tag("p", f"Response (50% reduction on the main measure by the last attended session): {rate}."),
    ]
    if expected and max(expected) != len(members):
        parts.append(tag("p", f"The group has {max(expected)} members; {len(members)} case file(s) found.",
                         cls="ipt-hidden"))  # fmt: skip
    parts += [tag("h3", "Each member's focus"), focus_table(members, outcomes)]
    parts += [tag("h3", "Attendance"), attendance_table(members)]
    return join([STYLE, tag("div", *parts, cls="ipt-report")])


def show_groups(paths: list[str | Path], group_id: str = "") -> None:
    """The group notebook's output: each group found (or only ``group_id``), tables then chart."""
    from .display import show, show_html  # noqa: PLC0415 (display is the notebook's concern)

    for gid, members in groups(paths).items():
        if group_id in ("", gid):
            show_html(group_html(gid, members))
            show(phq9_chart(gid, members), f"group-{gid}-phq9")


def groups_section(paths: list[str | Path]) -> Safe:
    """For the cohort overview: every group found, with its members' foci, attendance and response."""
    found = groups(paths)
    if not found:
        return Safe("")
    return join([tag("h2", "Groups"), *(group_html(gid, members) for gid, members in found.items())])


__all__ = [
    "attendance_table",
    "focus_table",
    "group_html",
    "groups",
    "groups_section",
    "main_outcome",
    "phq9_chart",
    "response_rate",
    "session_weeks",
    "show_groups",
]
