"""The offline deck on a 1280x720 projector: opened from file:// with the network off, driven by the
keys, the answer hidden until R is pressed (moving on never shows it); handouts and the deck pass
axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ipt_nb.casefile import load_case
from ipt_nb.disclosure import hidden_texts
from ipt_nb.handout import write_handout
from ipt_nb.slides import write_deck

from ..conftest import CASES
from .conftest import axe_violations, keep

pytestmark = pytest.mark.slow


@pytest.fixture
def offline_page(browser: Any) -> Any:
    """A projector-sized page with the network switched off and every non-file request refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, offline=True)
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.requests = []  # type: ignore[attr-defined]

    def guard(route: Any) -> None:
        page.requests.append(route.request.url)  # type: ignore[attr-defined]
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda error: page.problems.append(str(error)))  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda message: page.problems.append(message.text) if message.type == "error" else None,  # type: ignore[attr-defined]
    )
    yield page
    context.close()


def test_the_deck_runs_offline_on_the_keys_and_hides_the_answer(offline_page: Any, tmp_path: Path) -> None:
    page = offline_page
    case = load_case(CASES / "margit.yaml")
    deck = write_deck(case, tmp_path / "margit.html")
    page.goto(deck.as_uri())
    counter = page.locator(".ipt-deck-counter")
    assert counter.inner_text() == "Start"
    secrets = [" ".join(text.split())[:60] for text in hidden_texts(case)]

    def visible() -> str:
        return " ".join(page.inner_text("main").split())

    page.keyboard.press("ArrowRight")
    assert counter.inner_text() == "Week 0 of 16: facts"
    assert "week 0 of 16" in visible()
    assert not any(secret in visible() for secret in secrets)
    page.keyboard.press("r")  # only R shows the answer
    assert counter.inner_text() == "Week 0 of 16: facts"
    assert "Problem area: Grief" in visible()
    page.keyboard.press("r")  # and R hides it again
    assert "Problem area" not in visible()
    page.keyboard.press("r")
    page.keyboard.press("ArrowRight")  # moving on hides it
    assert counter.inner_text() == "Week 0 of 16: symptom scores"
    page.wait_for_function("document.querySelector('section:not([hidden]) .main-svg') !== null")
    assert "Problem area" not in visible()
    page.keyboard.press("ArrowLeft")
    assert counter.inner_text() == "Week 0 of 16: facts" and "Problem area" not in visible()
    page.keyboard.press("ArrowRight")
    page.screenshot(path=str(tmp_path / "deck.png"))
    keep(tmp_path / "deck.png", "deck-trajectory.png")
    for _ in range(6):  # stepping through the weeks never shows the answer
        page.keyboard.press("ArrowRight")
        assert "Problem area" not in visible()
    assert counter.inner_text().startswith("Week 2 of 16")
    assert not any(secret in visible() for secret in secrets)
    later = [s.note[:40] for s in case.sessions if s.week > 2 and s.note]
    assert not any(note in visible() for note in later)
    page.keyboard.press("n")
    assert page.locator("#ipt-deck-notes").is_visible()
    page.keyboard.press("End")
    assert counter.inner_text().startswith("Week ")
    assert page.problems == []  # no console error, no page error
    assert {url.split("#")[0] for url in page.requests} == {deck.as_uri()}
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("r")  # the answer shown, so axe checks it too
    assert axe_violations(page) == []


def test_a_handout_page_is_accessible_and_offline(offline_page: Any, tmp_path: Path) -> None:
    handout = write_handout(CASES / "joy.yaml", 6, tmp_path / "week6.html")
    page = offline_page
    page.goto(handout.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2")
    assert "week 6 of 16" in page.inner_text("body")
    assert axe_violations(page) == []
    assert page.problems == []
