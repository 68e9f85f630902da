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


@pytest.mark.skipif(not (shutil.which("pdftotext") and Path("/usr/bin/chromium").exists()),
                    reason="needs Debian's chromium and poppler-utils (.ci/run installs them)")  # fmt: skip
def test_render_pdf_prints_every_report_and_the_index_links_both(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    command = [
        sys.executable,
        "-m",
        "ipt_nb",
        "render",
        str(CASES / "margit.yaml"),
        str(CASES / "tobias.yaml"),
    ]
    done = subprocess.run(
        [*command, "--out", str(out), "--pdf", "--workers", "1", "--no-progress"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    for case_id in ("margit", "tobias"):
        assert f'href="{case_id}.html"' in index and f'href="{case_id}.pdf"' in index
        pdftotext = ["pdftotext", str(out / f"{case_id}.pdf"), "-"]
        text = words(subprocess.run(pdftotext, capture_output=True, text=True, check=True).stdout)
        title = load_case(CASES / f"{case_id}.yaml").title
        assert words(title) in text and f"{case_id} - page 1 of" in text
    # rendered again without --pdf: the old PDF would be stale, so it goes, and so does its link
    again = subprocess.run(
        [*command, "--out", str(out), "--workers", "1", "--no-progress"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=300,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert not (out / "margit.pdf").exists() and 'href="margit.pdf"' not in (out / "index.html").read_text()
