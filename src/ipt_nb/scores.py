"""Scores to and from a spreadsheet (CSV): one row per week and measure.

Import is all or nothing: every row is checked first, each bad row is reported
with its line number, and the case file is written (through
:class:`~ipt_nb.casefile.CaseDocument`: atomic, comments kept) only when every
row is good and the merged case is valid.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ._messages import case_errors
from .casefile import CaseDocument
from .errors import CaseFileError, Issue
from .instruments import MEASURE_IDS, MeasureId, measure_id
from .model import Case, MeasureScore, Session

__all__ = [
    "COLUMNS",
    "ITEM_SEPARATOR",
    "ScoreRow",
    "export_csv",
    "export_rows",
    "import_csv",
    "merge_scores",
    "parse_csv",
]

COLUMNS = ("week", "measure", "total", "items")
ITEM_SEPARATOR = " "


@dataclass(frozen=True)
class ScoreRow:
    """One row of a scores CSV: its line, week, measure, total and items."""

    line: int
    week: int
    measure: MeasureId
    total: int | None
    items: list[int] | None


def export_rows(case: Case) -> list[dict[str, str]]:
    """Every score of a case as CSV rows (week, measure, total, items)."""
    rows = []
    for session in case.sessions:
        for measure, score in session.measures.items():
            rows.append(
                {
                    "week": str(session.week),
                    "measure": measure,
                    "total": str(score.score),
                    "items": ITEM_SEPARATOR.join(map(str, score.items)) if score.items else "",
                }
            )
    return rows


def export_csv(case: Case) -> str:
    """Every score of a case as CSV text, which ``import-scores`` reads back."""
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(export_rows(case))
    return stream.getvalue()


def _int(text: str, field: str, line: int, issues: list[Issue]) -> int | None:
    """A whole number in ASCII digits only: Python's ``int`` would also read "١٢" as 12."""
    value = text.strip()
    if re.fullmatch(r"-?[0-9]{1,9}", value):
        return int(value)
    issues.append(Issue((field,), f"{value!r} is not a whole number (digits 0-9)", line))
    return None


def parse_csv(text: str, source: str | Path = "<csv>") -> list[ScoreRow]:
    """Rows of a scores CSV; raises ``CaseFileError`` listing every bad row with its line."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("week", "measure") if c not in (reader.fieldnames or [])]
    if missing:
        raise CaseFileError(source, [Issue((), f"the header needs the columns {', '.join(COLUMNS)}", 1)])
    issues: list[Issue] = []
    rows: list[ScoreRow] = []
    seen: dict[tuple[int, str], int] = {}
    for record in reader:
        line = reader.line_num
        week = _int(record.get("week") or "", "week", line, issues)
        measure = (record.get("measure") or "").strip().lower()
        if measure not in MEASURE_IDS:
            close = difflib.get_close_matches(measure, MEASURE_IDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; use one of {', '.join(MEASURE_IDS)}"
            issues.append(Issue(("measure",), f"{measure!r} is not a measure{hint}", line))
        total_text = (record.get("total") or "").strip()
        total = _int(total_text, "total", line, issues) if total_text else None
        items_text = (record.get("items") or "").strip()
        items = (
            [_int(part, "items", line, issues) for part in items_text.replace(";", " ").split()]
            if items_text
            else None
        )
        if total is None and not items:
            issues.append(Issue(("total",), "give a total or the items", line))
        if week is not None and week < 0:
            issues.append(Issue(("week",), f"week {week} is before intake; scores start at week 0", line))
        if week is not None and measure in MEASURE_IDS:
            if (week, measure) in seen:
                issues.append(
                    Issue(("week",), f"week {week} {measure} is also on line {seen[week, measure]}", line)
                )
            seen[week, measure] = line
        if measure not in MEASURE_IDS:
            continue  # reported above; its other fields cannot be checked against a scale
        kept_items = [i for i in items if i is not None] if items else None
        row = ScoreRow(line, week or 0, measure_id(measure), total, kept_items)
        if not issues or issues[-1].line != line:
            issues += _range_issues(row)
        rows.append(row)
    if issues:
        raise CaseFileError(source, issues)
    return rows


def _score(row: ScoreRow) -> dict[str, object]:
    return {k: v for k, v in (("total", row.total), ("items", row.items)) if v is not None}


def _range_issues(row: ScoreRow) -> list[Issue]:
    """The instrument's own checks (range, item count, total agreeing with items) for one row."""
    try:
        Session.model_validate({"week": row.week, "measures": {row.measure: _score(row)}})
    except ValidationError as exc:
        return [Issue((row.measure,), message, row.line) for _, message, _ in case_errors(exc)]
    return []


def merge_scores(case: Case, rows: list[ScoreRow]) -> Case:
    """The case with each row's score set in its week's session (new sessions in week order)."""
    sessions = {s.week: s for s in case.sessions}
    for row in rows:
        session = sessions.get(row.week) or Session(week=row.week)
        score = MeasureScore.model_validate(_score(row))
        if score.items is not None and score.total == sum(score.items):
            score = MeasureScore(items=score.items)  # the total is derived: write the items alone
        existing = session.measures.get(row.measure)
        if existing is not None and (existing.score, existing.items) == (score.score, score.items):
            continue  # unchanged: keep it exactly as written
        sessions[row.week] = session.model_copy(update={"measures": {**session.measures, row.measure: score}})
    ordered = [sessions[w] for w in sorted(sessions)]
    return case.model_copy(update={"sessions": ordered})


def import_csv(case_path: str | Path, csv_path: str | Path, *, force: bool = False) -> tuple[Path, int]:
    """Merge a scores CSV into a case file; returns the path and the number of scores imported."""
    csv_path = Path(csv_path)
    rows = parse_csv(csv_path.read_text(encoding="utf-8-sig"), csv_path)
    document = CaseDocument.open(case_path)
    merged = merge_scores(document.case, rows)
    try:
        return document.save(merged, force=force), len(rows)
    except CaseFileError as exc:  # e.g. a total outside the instrument's range
        raise CaseFileError(csv_path, [_row_issue(i, merged, rows) for i in exc.issues]) from exc


def _row_issue(issue: Issue, case: Case, rows: list[ScoreRow]) -> Issue:
    """Point a case-level error about a score back at the CSV row it came from, when it did."""
    match issue.loc:
        case ("sessions", int(index), "measures", str(measure), *_):
            week = case.sessions[index].week
            for row in rows:
                if row.week == week and row.measure == measure:
                    return Issue((measure,), f"week {week}: {issue.message}", row.line)
    return issue
