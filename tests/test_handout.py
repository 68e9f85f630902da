"""``ipt-nb handout``: the week's facts and charts, and nothing hidden unless revealed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ipt_nb import load_case
from ipt_nb.disclosure import hidden_texts

from .conftest import CASES, ROOT

pytestmark = pytest.mark.slow


def handout(*argv: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ipt_nb", "handout", *argv]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False, timeout=180)


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.skipif(not (shutil.which("pdftotext") and Path("/usr/bin/chromium").exists()),
                    reason="needs Debian's chromium and poppler-utils (.ci/run installs them)")  # fmt: skip
def test_a_pdf_handout_holds_the_week_and_none_of_the_answer(tmp_path: Path) -> None:
    case = load_case(CASES / "joy.yaml")
    out = tmp_path / "week3.pdf"
    done = handout(str(CASES / "joy.yaml"), "--week", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = words(
        subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    )
    assert "week 3 of 16" in text and "Symptom scores across treatment" in text
    assert "joy - week 3 - page 1 of" in text  # the footer
    later = [s.note for s in case.sessions if s.week > 3 and s.note]
    for hidden in [*hidden_texts(case), *later]:
        assert words(hidden)[:40] not in text
    assert "Problem area: Role dispute" not in text


def test_a_revealed_html_handout_holds_the_answer(tmp_path: Path) -> None:
    out = tmp_path / "week6.html"
    assert handout(str(CASES / "joy.yaml"), "--week", "6", "--reveal", "--out", str(out)).returncode == 0
    page = out.read_text(encoding="utf-8")
    assert "Problem area: Role dispute (impasse)" in page and "week 6 of 16" in page
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title == "Joy: case joy"  # the case's title names its problem area: never in a handout's tab
    assert '<script src="http' not in page  # self-contained


def test_a_handout_needs_an_html_or_pdf_name(tmp_path: Path) -> None:
    done = handout(str(CASES / "joy.yaml"), "--week", "6", "--out", str(tmp_path / "x.txt"))
    assert done.returncode == 2 and ".html or .pdf" in done.stderr
