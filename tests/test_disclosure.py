"""No teaching view gives the answer away: a property over every casebook case and every week.

At week w without reveal, the walkthrough (its HTML and both charts) and the
class vignette hold nothing dated after w and none of the hidden texts; the
circle shows no dispute stage before one was assessed.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest

from ipt_nb import load_case
from ipt_nb.catalog import PROBLEM_AREAS
from ipt_nb.disclosure import hidden_texts, stage_assessed_from, visible_questions
from ipt_nb.exercises import vignette_html
from ipt_nb.model import Case
from ipt_nb.walkthrough import Walkthrough

from .conftest import CASES, TEACHING_FILES


def fragments(text: str) -> list[str]:
    """How a text would appear in a page or a chart: as written, escaped for HTML, escaped in JSON."""
    piece = text.strip()[:60]
    return [piece, html.escape(piece), json.dumps(piece)[1:-1]]


def shown(walk: Walkthrough, week: int) -> tuple[str, dict[str, Any]]:
    figures = {name: json.loads(fig.to_json()) for name, fig in walk.figures(week).items()}
    walk.week = week
    page = str(walk.week_html(week)) + str(walk.revealed_html()) + json.dumps(figures)
    return page, figures


def dated_after(case: Case, week: int) -> list[str]:
    """Texts that belong to weeks after ``week``: later sessions' notes and events, later timeline events."""
    texts = [e.text for e in case.timeline if e.week > week and e.text]
    for session in case.sessions:
        if session.week > week:
            texts += [session.note or "", *session.events]
    questions = case.teaching.discussion_questions if case.teaching else []
    texts += [q.text for q in questions if not isinstance(q, str) and q.week > week]
    earlier = {e.text for e in case.timeline if e.week <= week and e.text}
    return [t for t in texts if t and t not in earlier]


@pytest.mark.parametrize("path", TEACHING_FILES, ids=lambda p: p.stem)
def test_the_walkthrough_shows_nothing_later_and_nothing_hidden_at_any_week(path: Path) -> None:
    case = load_case(path)
    case_id = case.id
    walk = Walkthrough(case)
    hidden = hidden_texts(case)
    assert hidden, "every sample case has hidden texts to protect"
    answer = case.teaching.answer if case.teaching else None
    assert answer is not None
    for week in range(walk.last_week + 1):
        page, figures = shown(walk, week)
        for text in [*hidden, *dated_after(case, week)]:
            assert not any(f in page for f in fragments(text)), (case_id, week, text[:60])
        assert f"Problem area: {PROBLEM_AREAS[answer.problem_area].label}" not in page
        scored = [x for trace in figures["trajectory"]["data"] for x in trace.get("x", [])]
        assert all(x <= week for x in scored), (case_id, week)
        if week < stage_assessed_from(case):
            assert "dispute: " not in json.dumps(figures["circle"]), (case_id, week)


@pytest.mark.parametrize("path", TEACHING_FILES, ids=lambda p: p.stem)
def test_reveal_shows_the_answer_and_the_after_reveal_questions(path: Path) -> None:
    case = load_case(path)
    last = Walkthrough(case).last_week
    walk = Walkthrough(case, last, reveal=True)
    page = str(walk.week_html()) + str(walk.revealed_html())
    for text in hidden_texts(case):
        assert any(f in page for f in fragments(text)), text[:60]
    assert len(visible_questions(case, last, reveal=True)) == len(case.teaching.discussion_questions)  # type: ignore[union-attr]


def test_a_plain_string_question_is_shown_only_after_reveal(tmp_path: Path) -> None:
    text = (CASES / "joy.yaml").read_text(encoding="utf-8")
    start = text.index("  discussion_questions:")
    end = text.index("  answer:")
    text = (
        text[:start]
        + "  discussion_questions:\n    - 'The dispute with Laura is at an impasse: why?'\n"
        + text[end:]
    )
    (tmp_path / "joy.yaml").write_text(text, encoding="utf-8")
    case = load_case(tmp_path / "joy.yaml")
    assert visible_questions(case, 16, reveal=False) == []
    assert visible_questions(case, 0, reveal=True) == ["The dispute with Laura is at an impasse: why?"]
    assert "impasse: why" not in str(Walkthrough(case, 16).week_html())


@pytest.mark.parametrize("path", TEACHING_FILES, ids=lambda p: p.stem)
def test_the_vignette_keeps_the_same_rule(path: Path) -> None:
    case = load_case(path)
    page = str(vignette_html(case))
    for text in [*hidden_texts(case), *dated_after(case, 0)]:
        assert not any(f in page for f in fragments(text)), text[:60]
    for stage in ("renegotiation", "impasse", "dissolution"):
        assert f"<td>{stage}</td>" not in page


def test_reveal_toggles_without_duplicates_and_hides_again_on_a_new_week() -> None:
    walk = Walkthrough(load_case(CASES / "joy.yaml"), 3)
    box = walk.widget()
    controls, revealed = box.children[1], box.children[2]
    slider, reveal = controls.children[1], controls.children[3]
    rationale = fragments(load_case(CASES / "joy.yaml").teaching.answer.rationale)[1]  # type: ignore[union-attr]

    def answer_text() -> str:
        return "".join(str(o["data"].get("text/html", "")) for o in revealed.outputs)

    assert rationale not in answer_text()
    reveal.value = True
    reveal.value = False
    reveal.value = True
    assert answer_text().count(rationale) == 1 and reveal.description == "Hide answer"
    slider.value = 4
    assert reveal.value is False and rationale not in answer_text()
