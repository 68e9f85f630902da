"""Scores to and from CSV, on real files: round trip, all-or-nothing import, line-numbered errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ipt_nb import CaseFileError, load_case
from ipt_nb.cli import main
from ipt_nb.scores import export_csv, import_csv

from .conftest import CASES


@pytest.fixture
def amara(tmp_path: Path) -> Path:
    return Path(shutil.copy(CASES / "amara.yaml", tmp_path / "amara.yaml"))


def write_csv(folder: Path, text: str) -> Path:
    path = folder / "scores.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_export_then_import_changes_nothing(amara: Path, tmp_path: Path) -> None:
    before = amara.read_bytes()
    csv_text = export_csv(load_case(amara))
    assert csv_text.splitlines()[0] == "week,measure,total,items"
    assert "0,epds,18,2 2 3 2 1 2 2 2 1 1" in csv_text.splitlines()
    import_csv(amara, write_csv(tmp_path, csv_text))
    assert amara.read_bytes() == before


def test_import_adds_a_week_and_keeps_comments(amara: Path, tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path, "week,measure,total,items\n12,gad7,,0 1 0 1 0 1 0\n20,gad7,3,\n")
    path, count = import_csv(amara, csv_path)
    case = load_case(path)
    assert count == 2
    assert case.session(12).measures["gad7"].score == 3  # type: ignore[union-attr]
    assert case.session(12).measures["gad7"].items == [0, 1, 0, 1, 0, 1, 0]  # type: ignore[union-attr]
    assert case.session(20).measures["gad7"].score == 3  # type: ignore[union-attr]
    assert amara.read_text().startswith("#")


def test_bad_rows_are_all_reported_and_nothing_is_written(amara: Path, tmp_path: Path) -> None:
    before = amara.read_bytes()
    csv_path = write_csv(
        tmp_path,
        "week,measure,total,items\n"
        "21,phq9,3,\n"
        "22,phq10,4,\n"
        "23,gad7,,1 1 1 1 1 1\n"
        "24,epds,40,\n"
        "twenty,phq9,3,\n"
        "21,phq9,4,\n",
    )
    with pytest.raises(CaseFileError) as caught:
        import_csv(amara, csv_path)
    found = [(i.line, i.path) for i in caught.value.issues]
    assert found == [(3, "measure"), (4, "gad7"), (5, "epds"), (6, "week"), (7, "week")]
    messages = [i.message for i in caught.value.issues]
    assert "did you mean 'phq9'" in messages[0]
    assert "GAD-7 has 7 items; 6 given" in messages[1]
    assert "40 is outside EPDS's range 0-30" in messages[2]
    assert "also on line 2" in messages[4]
    assert amara.read_bytes() == before


def test_scores_commands(amara: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "scores.csv"
    assert main(["scores", "export", str(amara), "--out", str(out)]) == 0
    assert out.read_text() == export_csv(load_case(amara))
    bad = write_csv(tmp_path, "week,measure,total\n3,phq9,99\n")
    assert main(["scores", "import", str(amara), str(bad)]) == 1
    assert f"{bad}:2: phq9: 99 is outside PHQ-9's range 0-27" in capsys.readouterr().err
