"""The offline deck: every week, nothing dated later on a week's slides, the answer only in fragments."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ipt_nb._assets import plotly_js
from ipt_nb.casefile import load_case
from ipt_nb.cli import main
from ipt_nb.disclosure import hidden_texts
from ipt_nb.slides import Deck

from .conftest import TEACHING_FILES


class SlideText(HTMLParser):
    """The text of each slide, split into what shows at once and what is in a fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.slides: list[dict[str, str]] = []
        self._stack: list[str] = []  # "shown", "fragment", "notes" or "script" per open element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "section" and "ipt-slide" in classes:
            self.slides.append({"label": dict(attrs)["data-label"] or "", "shown": "", "fragment": ""})
        parent = self._stack[-1] if self._stack else "shown"
        kind = "fragment" if "fragment" in classes else "script" if tag in ("script", "style") else parent
        if tag not in ("br", "meta", "img", "input"):
            self._stack.append(kind)

    def handle_endtag(self, tag: str) -> None:
        if self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        kind = self._stack[-1] if self._stack else "shown"
        if self.slides and kind in ("shown", "fragment"):
            self.slides[-1][kind] += data + " "


def slides_of(html: str) -> list[dict[str, str]]:
    parser = SlideText()
    parser.feed(html)
    return parser.slides


def week_of(label: str) -> int | None:
    found = re.match(r"Week (\d+) of", label)
    return int(found.group(1)) if found else None


@pytest.mark.parametrize("path", TEACHING_FILES, ids=lambda p: p.stem)
def test_the_deck_keeps_every_secret_until_its_fragment(path: Path) -> None:
    case = load_case(path)
    slides = slides_of(Deck(case).html())
    weeks = {week_of(s["label"]) for s in slides} - {None}
    last = max([case.plan.acute_sessions, *(s.week for s in case.sessions)])
    assert weeks == set(range(last + 1))
    secrets = hidden_texts(case)
    assert secrets or case.adaptation == "group", "every case has something to hide"
    for slide in slides:
        shown = " ".join(slide["shown"].split())
        for secret in secrets:
            assert " ".join(secret.split()) not in shown, (slide["label"], secret[:40])
        week = week_of(slide["label"])
        if week is None:
            continue
        for later in (s for s in case.sessions if s.week > week and s.note):
            assert " ".join(later.note.split()) not in shown, (slide["label"], later.week)
    answer_area = case.teaching.answer.problem_area if case.teaching and case.teaching.answer else None
    if answer_area:
        fragments = " ".join(s["fragment"] for s in slides)
        assert "Problem area:" in fragments


def test_case_text_cannot_end_the_figure_script(tmp_path: Path) -> None:
    source = Path("casebook/cases/joy.yaml").read_text(encoding="utf-8")
    hostile_label = "</script><script>alert(1)</script>"
    hostile = source.replace("    label: Laura\n", f"    label: '{hostile_label}'\n", 1)
    assert hostile != source
    path = tmp_path / "joy.yaml"
    path.write_text(hostile, encoding="utf-8")
    html = Deck(load_case(path)).html()
    assert "<script>alert(1)" not in html
    data = html.split('id="ipt-deck-figures">', 1)[1].split("</script>", 1)[0]
    figures = json.loads(data)  # the whole JSON survived: the label did not end the element
    assert "alert(1)" in json.dumps(figures["week8-circle"]), "the label is drawn, as text"


def test_the_command_writes_one_file_and_refuses_other_suffixes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "deck" / "joy.html"
    assert main(["slides", "casebook/cases/joy.yaml", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    page = html.replace(plotly_js(), "")  # plotly.js itself names URLs in strings it never fetches
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the deck loads nothing"
    assert "default-src 'none'" in html
    assert main(["slides", "casebook/cases/joy.yaml", "--out", str(tmp_path / "joy.pdf")]) == 2
    assert "give an .html file" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [out.parent]
