"""The ipt-nb command as an adapter: exit codes, output lines, JSON, and the installed script."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ipt_nb import __version__, load_case
from ipt_nb.cli import main

from .conftest import CASES, MINIMAL


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_a_valid_folder_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", "--strict", str(CASES))
    assert code == 0 and out == ""
    count = len(list(CASES.glob("*.yaml")))
    assert f"{count} file(s) checked: {count} passed, 0 failed" in err


def test_validate_prints_one_line_per_error_and_exits_1(
    capsys: pytest.CaptureFixture[str], write_case: Callable[..., Path]
) -> None:
    path = write_case(MINIMAL.replace("ring: 1,", "ring: 7,").replace("phq9: 12", "phq9: 99"))
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:10:") and "people[0].ring: 7 is not a ring" in lines[0]
    assert lines[1].startswith(f"{path}:14:") and "sessions[1].measures.phq9: 99 is outside" in lines[1]


def test_warnings_pass_unless_strict(
    capsys: pytest.CaptureFixture[str], write_case: Callable[..., Path]
) -> None:
    path = write_case(
        MINIMAL.replace("sessions:\n", "problem_areas:\n  - {area: role_transition}\nsessions:\n")
    )
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 0 and "warning: problem_areas[0]" in out
    code, _, _ = run(capsys, "validate", "--strict", str(path))
    assert code == 1


def test_validate_json_report(capsys: pytest.CaptureFixture[str], write_case: Callable[..., Path]) -> None:
    bad = write_case(MINIMAL.replace("ring: 1,", "ringg: 1,"), "bad.yaml")
    code, out, _ = run(capsys, "validate", "--json", str(bad), str(CASES / "joy.yaml"))
    report = json.loads(out)
    assert code == 1
    first, second = report["files"]
    assert first["valid"] is False and second["valid"] is True and second["case_id"] == "joy"
    assert {e["path"] for e in first["errors"]} == {"people[0].ringg", "people[0].ring"}
    assert all(e["line"] == 10 for e in first["errors"])


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path / "missing.yaml"))
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 2 and "no case files" in err
    with pytest.raises(SystemExit) as exited:
        main(["validate"])
    assert exited.value.code == 2
    for option in ("--workers", "--cell-timeout"):
        code, _, err = run(capsys, "render", "--out", str(tmp_path / "out"), option, "0")
        assert code == 2 and option in err and not (tmp_path / "out").exists()


def test_new_writes_a_valid_commented_draft(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "new", "maria", "--out", str(tmp_path))
    path = tmp_path / "maria.yaml"
    assert code == 0 and out.strip() == str(path)
    assert load_case(path).id == "maria"
    assert path.read_text().startswith("# A new IPT case")
    code, _, err = run(capsys, "new", "maria", "--out", str(tmp_path))
    assert code == 2 and "exists" in err
    code, _, err = run(capsys, "new", "Maria Lopez", "--out", str(tmp_path))
    assert code == 2 and "not a valid id" in err


def test_outcomes_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "outcomes", str(CASES / "tobias.yaml"), "--json")
    data = json.loads(out)
    assert code == 0
    phq9 = data["measures"]["phq9"]
    for key in ("baseline", "end", "change", "percent_change", "response", "response_week", "remission",
                "remission_week", "reliable_improvement", "reliable_deterioration"):  # fmt: skip
        assert key in phq9
    for key in ("caseness", "recovery", "reliable_recovery", "alerts"):
        assert key in data
    assert {"id", "week", "measure"} <= set(data["alerts"][0])


def test_outcomes_table_prints_thresholds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "outcomes", str(CASES / "margit.yaml"))
    assert code == 0
    assert "HAM-D-17" in out and "Zimmerman" in out and "Jacobson-Truax" in out


def test_outcome_thresholds_can_follow_local_conventions(capsys: pytest.CaptureFixture[str]) -> None:
    joy = str(CASES / "joy.yaml")

    def phq9_row(out: str) -> str:
        return next(line for line in out.splitlines() if line.startswith("PHQ-9"))

    code, out, _ = run(capsys, "outcomes", joy)
    assert code == 0 and phq9_row(out).split()[-5:] == ["wk", "10", "wk", "15", "improved"]
    code, out, _ = run(
        capsys, "outcomes", joy,
        "--response-fraction", "0.8", "--remission-max", "phq9=3", "--reliable-change", "phq9=16",
    )  # fmt: skip
    assert code == 0 and phq9_row(out).split()[-3:] == ["no", "no", "no"]
    assert (
        "response >= 80% reduction; remission <= 3; reliable change of 16 points or more (set locally)" in out
    )
    code, out, _ = run(capsys, "summary", str(CASES), "--remission-max", "phq9=3")
    joy_line = next(line for line in out.splitlines() if line.startswith("joy"))
    assert "PHQ-9 19->4 (-79%) response wk 10, reliable improvement |" in joy_line  # 4 is not 3 or less
    assert joy_line.endswith("alerts A6@wk16")  # remission now comes first on HAM-D-17, in week 16
    assert out.rstrip().endswith("thresholds set locally: phq9 remission <= 3")
    for bad, message in (
        (["--remission-max", "phq=3"], "unknown measure 'phq'; use one of phq9"),
        (["--reliable-change", "phq9=many"], "'many' is not a number"),
        (["--reliable-change", "phq9=0"], "'0' is not a number of points above 0 and at most 27"),
        (["--reliable-change", "phq9=nan"], "'nan' is not a number of points above 0"),
        (["--remission-max", "phq9=4.5"], "'4.5' is not a whole number from 0 to 27"),
        (["--remission-max", "phq9=99"], "'99' is not a whole number from 0 to 27"),
        (["--remission-max", "phq9=²"], "'²' is not a whole number"),
        (["--response-fraction", "nan"], "--response-fraction must be above 0"),
        (["--response-fraction", "1.5"], "--response-fraction must be above 0 and at most 1"),
    ):
        code, _, err = run(capsys, "outcomes", joy, *bad)
        assert code == 2 and message in err


def test_outcomes_of_an_invalid_case_exits_1(
    capsys: pytest.CaptureFixture[str], write_case: Callable[..., Path]
) -> None:
    code, _, err = run(capsys, "outcomes", str(write_case(MINIMAL.replace("ring: 1,", "ring: 9,"))))
    assert code == 1 and "people[0].ring" in err


def test_installed_script_and_module_entry_points() -> None:
    script = Path(sys.executable).with_name("ipt-nb")
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"ipt-nb {__version__}"
    helped = subprocess.run(
        [sys.executable, "-m", "ipt_nb", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("validate", "schema", "new", "outcomes", "summary", "examples:"):
        assert command in helped.stdout


needs_chromium = pytest.mark.skipif(
    not any(Path(p).exists() for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser")),
    reason="Debian's chromium is not installed (.ci/run installs it)",
)


@needs_chromium
def test_figure_writes_png_and_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png, svg = tmp_path / "circle.png", tmp_path / "trajectory.svg"
    assert (
        run(
            capsys,
            "figure",
            str(CASES / "margit.yaml"),
            "--kind",
            "circle",
            "--week",
            "16",
            "--out",
            str(png),
        )[0]
        == 0
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = (
        int.from_bytes(png.read_bytes()[16:20], "big"),
        int.from_bytes(png.read_bytes()[20:24], "big"),
    )
    assert (width, height) == (1000, 860)
    assert run(capsys, "figure", str(CASES / "joy.yaml"), "--out", str(svg))[0] == 0
    text = svg.read_text()
    assert text.startswith("<svg") and "Symptom scores across treatment: Joy" in text


def test_figure_without_a_browser_names_the_fix(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "BROWSER_PATH": str(tmp_path / "no-such-chromium"), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "ipt_nb", "figure", str(CASES / "joy.yaml"), "--out", str(tmp_path / "x.png")],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 1
    assert "apt-get install chromium" in done.stderr and "BROWSER_PATH" in done.stderr
    assert not (tmp_path / "x.png").exists()


def test_figure_refuses_an_unknown_image_suffix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "figure", str(CASES / "joy.yaml"), "--out", str(tmp_path / "chart.gif"))
    assert code == 2 and "end the name with one of" in err


@pytest.mark.parametrize(
    "bad",
    [
        {"response_fraction": 5},
        {"reliable_change_points": {"phq9": 0}},
        {"reliable_change_points": {"phq9": float("nan")}},
        {"remission_max": {"phq9": -1}},
        {"remission_max": {"phq9": 999}},
        {"remission_max": {"phq9": True}},
        {"remission_max": {"nope": 4}},
        {"reliable_change_points": {"phq9": 1e9}},
    ],
)
def test_the_library_refuses_impossible_thresholds_too(bad: dict[str, object]) -> None:
    from pydantic import ValidationError

    from ipt_nb.outcomes import OutcomeConfig

    with pytest.raises(ValidationError):
        OutcomeConfig(**bad)  # type: ignore[arg-type]


def test_thresholds_left_out_keep_the_kits_values() -> None:
    from ipt_nb.outcomes import OutcomeConfig

    config = OutcomeConfig(remission_max={"phq9": 3})
    assert config.remission_max == {**OutcomeConfig().remission_max, "phq9": 3}
