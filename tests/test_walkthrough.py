"""The supervision walkthrough: a week shows only what was known by then, and the widget steps
through the weeks and reveals the answer on request."""

from __future__ import annotations

from ipt_nb import load_case
from ipt_nb.walkthrough import Walkthrough

from .conftest import CASES, SAMPLE_IDS


def test_walkthrough_at_week_6_shows_nothing_from_week_7_on() -> None:
    for case_id in SAMPLE_IDS:
        case = load_case(CASES / f"{case_id}.yaml")
        walk = Walkthrough(case, week=6)
        state = walk.state()
        assert max(s.week for s in state.sessions) == 6
        assert all(e.week <= 6 for e in state.events)
        for name, fig in walk.figures().items():
            for trace in fig.to_dict()["data"]:
                xs = [x for x in trace.get("x", []) if x is not None]
                if name == "trajectory":
                    assert all(x <= 6 for x in xs), trace["name"]
        html = walk.week_html()
        later_notes = [s.note for s in case.sessions if s.week > 6 and s.note]
        assert not any(note in html for note in later_notes)
        later_events = [e.text for e in case.timeline if e.week > 6 and e.text]
        assert not any(text in html for text in later_events)
        assert "Problem area:" not in html and case.formulation.text not in html  # type: ignore[union-attr]


def test_walkthrough_circle_uses_the_ratings_known_at_that_week() -> None:
    case = load_case(CASES / "amara.yaml")
    walk = Walkthrough(case, week=5)
    circle = walk.figures()["circle"].to_dict()
    shown = {pid for t in circle["data"][1:] for pid in (t.get("customdata") or [])}
    assert shown == {p.id for p in case.people}
    newcomer = next(p for p in case.people if p.ring is None)
    first_rating = min(s.week for s in case.sessions if newcomer.id in s.ratings)
    assert case.rating_at(newcomer.id, 5).ring is None and first_rating > 5


def test_walkthrough_widget_steps_and_reveals() -> None:
    walk = Walkthrough(load_case(CASES / "joy.yaml"), week=3)
    box = walk.widget()
    _, controls, revealed, *_ = box.children
    previous, slider, following, reveal, _ = controls.children
    following.click()
    assert slider.value == 4 and walk.week == 4
    previous.click()
    previous.click()
    assert walk.week == 2
    slider.value = 99
    assert walk.week == slider.max == 22
    assert "Role dispute (impasse)" not in str(revealed.outputs)
    reveal.value = True
    assert "Role dispute (impasse)" in str(revealed.outputs)
