"""What a class chose, as the educator and the projector see it; the class server's guards."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from ipt_nb._assets import plotly_js
from ipt_nb.class_server import check_answers_folder
from ipt_nb.class_view import ResultsBoard, collect, first_choice_chart, results_page
from ipt_nb.classroom import hand_in
from ipt_nb.cli import main
from ipt_nb.errors import UsageError

from .conftest import CASES


def choose(area: str, stage: str | None = None, elements: dict[str, bool] | None = None) -> dict[str, Any]:
    return {"kind": "problem_area", "problem_area": area, "stage": stage, "elements": elements or {}}


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    folder = tmp_path / "answers"
    folder.mkdir()
    hand_in(folder, "joy", "Robin", choose("role_dispute", "impasse", {"F1": True, "F4": True}))
    hand_in(folder, "joy", "<b>Sam</b>", choose("grief", None, {"F1": True}))
    hand_in(folder, "joy", "<b>Sam</b>", choose("role_dispute", "renegotiation"))
    hand_in(folder, "joy", "Kit", choose("role_transition"))
    (folder / "stray.json").write_text('{"schema": "something else"}', encoding="utf-8")
    return folder


def test_the_report_counts_first_choices_against_the_teaching_answer(answers: Path) -> None:
    report = collect(answers, CASES)
    joy = report.cases["joy"]
    assert joy["answer"] == "role_dispute"
    assert joy["first_choice"] == {"grief": 1, "role_dispute": 1, "role_transition": 1}
    assert joy["first_choice_correct"] == 1  # Robin; Sam came to it only after the feedback
    assert joy["changed_after_feedback"] == 1
    assert joy["elements"]["F1"] == 2 and joy["elements"]["F4"] == 1  # of the committed attempts
    assert joy["stages"] == {"impasse": 1}
    assert list(report.skipped) == ["stray.json"]
    chart = first_choice_chart("joy", joy)
    bars = dict(zip(chart.data[0].x, chart.data[0].y, strict=True))
    assert bars["Role dispute (teaching answer)"] == 1 and bars["Grief"] == 1 and bars["Role transition"] == 1


def test_the_page_hides_names_unless_asked_and_escapes_them(answers: Path) -> None:
    hidden = results_page(collect(answers, CASES)).replace(plotly_js(), "")  # plotly.js has "Robin"
    assert "Robin" not in hidden and "Sam" not in hidden and "student 1" in hidden
    assert "1 of 3 (33%)" in hidden  # chose the teaching answer first
    shown = results_page(collect(answers, CASES), show_names=True).replace(plotly_js(), "")
    assert "Robin" in shown and "&lt;b&gt;Sam&lt;/b&gt;" in shown and "<b>Sam</b>" not in shown
    assert "stray.json" in shown  # listed with its reason, not fatal


def test_the_board_reads_the_folder_again_on_refresh(answers: Path) -> None:
    board = ResultsBoard(answers, CASES)
    root = board.widget()
    status = root.children[0].children[2]
    assert "3 committed" in status.value
    hand_in(answers, "joy", "Lee", choose("role_dispute"))
    root.children[0].children[0].click()  # Refresh
    assert "4 committed" in status.value
    assert not any("Lee" in json.dumps(o["data"]) for o in root.children[1].outputs)
    root.children[0].children[1].value = True  # Show names
    assert any("Lee" in json.dumps(o["data"]) for o in root.children[1].outputs)


def test_an_empty_or_missing_folder_is_not_an_error(tmp_path: Path) -> None:
    assert collect(tmp_path / "nowhere").cases == {}
    assert "No answers handed in yet" in results_page(collect(tmp_path))


def test_the_command_writes_the_page_and_json(answers: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "results.html"
    code = main(["class", "results", str(answers), "--cases", str(CASES), "--json", "--out", str(out)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cases"]["joy"]["handed_in"] == 3 and "stray.json" in data["skipped"]
    assert "Robin" not in out.read_text(encoding="utf-8").replace(plotly_js(), "")


def test_answers_never_go_into_the_casebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "casebook").mkdir()
    with pytest.raises(UsageError, match="inside casebook"):
        check_answers_folder(Path("casebook") / "answers")
    assert check_answers_folder(tmp_path / "class").is_dir()  # created
    with pytest.raises(UsageError, match="does not exist"):
        check_answers_folder(tmp_path / "no" / "such")


def test_serve_refuses_bad_input_before_any_server(tmp_path: Path, capsys: Any) -> None:
    joy = str(CASES / "joy.yaml")
    assert main(["class", "serve", str(tmp_path / "missing.yaml"), "--answers", str(tmp_path)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["class", "serve", joy, "--answers", str(tmp_path), "--pool", "99"]) == 2
    assert "--pool must be 0 to 60" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        assert main(["class", "serve", joy, "--answers", str(tmp_path), "--port", str(port)]) == 2
    assert "in use" in capsys.readouterr().err
    assert main(["class", "serve", joy, joy, "--answers", str(tmp_path)]) == 2
    assert "a second case with the id 'joy'" in capsys.readouterr().err


def test_a_case_id_in_a_file_cannot_write_markup_into_the_page(answers: Path) -> None:
    record = json.loads(next(answers.glob("joy--robin-*.json")).read_text(encoding="utf-8"))
    record["case_id"] = 'x"></div><img src=x onerror=alert(1)>'
    (answers / "hostile.json").write_text(json.dumps(record), encoding="utf-8")
    page = results_page(collect(answers, CASES)).replace(plotly_js(), "")
    assert "<img src=x onerror=alert(1)>" not in page
