"""Bad input through the real command line: a clear one-line error, never a traceback, nothing lost.

Each test runs ``ipt-nb`` as a subprocess, as a user or a script would.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ipt_nb.casefile import load_case
from ipt_nb.privacy import lint_file
from ipt_nb.render.batch import kit_digest

from .conftest import CASES, ROOT

DATA = Path(__file__).parent / "data"


def ipt_nb(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ipt_nb", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr


@contextlib.contextmanager
def small_disk(where: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A real tmpfs of ``size`` (a full disk, or a read-only one), where the machine lets us mount."""
    where.mkdir()
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_huge_integer_is_a_located_error_everywhere(tmp_path: Path) -> None:
    big = tmp_path / "cases" / "big.yaml"
    big.parent.mkdir()
    big.write_text(
        "format: ipt-case/1\nid: big\ntitle: t\nprovenance: invented\n"
        f"patient: {{label: P, age: {'9' * 5000}}}\n",
        encoding="utf-8",
    )
    shutil.copy(CASES / "joy.yaml", big.parent / "joy.yaml")
    for command in (["validate"], ["lint"], ["outcomes"]):
        done = ipt_nb(*command, str(big))
        no_traceback(done)
        assert done.returncode == 1
    assert "big.yaml:5:" in ipt_nb("validate", str(big)).stdout
    rendered = ipt_nb(
        "render", str(big.parent), "--out", str(tmp_path / "out"), "--no-progress", "--workers", "1"
    )
    no_traceback(rendered)
    assert (tmp_path / "out" / "joy.html").exists() and (tmp_path / "out" / "index.html").exists()
    assert "big.yaml" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_devices_and_pipes_are_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        done = ipt_nb("validate", path, timeout=20)
        no_traceback(done)
        assert done.returncode == 1 and "not a regular file" in done.stdout


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x = 1; __import__('os').system('touch PWNED'); y", "is not a parameter name"),
        ("case_path", "a file parameter is set by the renderer"),
        ("wek", "declares no such parameter"),
    ],
)
def test_render_parameters_are_data_checked_before_any_kernel(
    tmp_path: Path, name: str, message: str
) -> None:
    done = ipt_nb(
        "render", str(CASES / "joy.yaml"), "--template", "casebook/supervision.ipynb",
        "-p", name, "1", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert done.returncode == 2 and message in done.stderr
    assert not (ROOT / "PWNED").exists() and not (tmp_path / "out").exists()


def test_an_export_never_overwrites_its_input(tmp_path: Path) -> None:
    case = Path(shutil.copy(CASES / "joy.yaml", tmp_path / "victim.yaml"))
    before = case.read_bytes()
    done = ipt_nb("scores", "export", str(case), "--out", str(case), "--allow-identifiers")
    assert done.returncode == 2 and "destroy the input" in done.stderr
    assert case.read_bytes() == before
    done = ipt_nb("scores", "export", str(case), "--out", str(tmp_path))
    assert done.returncode == 2 and "is a folder" in done.stderr
    no_traceback(done)


def test_workers_out_of_range_is_a_usage_error() -> None:
    done = ipt_nb("render", "--workers", "100")
    assert done.returncode == 2 and "--workers must be 1 to 64" in done.stderr
    no_traceback(done)


def test_a_full_disk_mid_render_lists_the_failed_cases_in_the_index(tmp_path: Path) -> None:
    # room for the shared plotly.js (4.8 MB) and a few reports, not for all four
    with small_disk(tmp_path / "disk", "5000k") as disk:
        done = ipt_nb(
            "render", "casebook/cases", "--out", str(disk / "out"), "--no-progress", "--workers", "1"
        )
        no_traceback(done)
        assert done.returncode == 1
        index = (disk / "out" / "index.html").read_text(encoding="utf-8")
        assert "No space left on device" in index
        assert (disk / "out" / "manifest.json").exists()


def test_new_on_a_full_or_read_only_disk_leaves_no_draft(tmp_path: Path) -> None:
    with small_disk(tmp_path / "full", "4k") as disk:
        (disk / "filler").write_bytes(b"x" * 4096)
        done = ipt_nb("new", "maria", "--out", str(disk))
        no_traceback(done)
        assert done.returncode == 1 and "No space left" in done.stderr
        assert not (disk / "maria.yaml").exists() and [p.name for p in disk.iterdir()] == ["filler"]
    with small_disk(tmp_path / "ro", "64k", read_only=True) as disk:
        done = ipt_nb("new", "maria", "--out", str(disk))
        no_traceback(done)
        assert done.returncode == 1 and "Read-only file system" in done.stderr


def test_lint_refuses_a_file_that_is_not_a_case(tmp_path: Path) -> None:
    other = tmp_path / "shopping.yaml"
    other.write_text("shopping: [milk, bread]\n", encoding="utf-8")
    done = ipt_nb("lint", str(other))
    assert done.returncode == 1 and "not a case" in done.stdout


def test_lint_finds_the_planted_identifiers_at_their_lines_and_nothing_in_the_casebook() -> None:
    text = (DATA / "planted.yaml").read_text(encoding="utf-8").splitlines()
    planted = [n for n, line in enumerate(text, start=1) if n >= text.index("    notes: |-") + 2]
    found_lines = {f.line for f in lint_file(DATA / "planted.yaml") if f.kind != "name" or f.line <= 17}
    recall = len(set(planted) & found_lines) / len(planted)
    assert len(planted) == 20 and recall == 1.0, sorted(set(planted) - found_lines)
    kinds = {f.line: f.kind for f in lint_file(DATA / "planted.yaml")}
    assert kinds[24] == "NHS number" and kinds[23] == "National Insurance number"
    assert all(lint_file(path) == [] for path in CASES.glob("*.yaml"))


def test_csv_import_reads_ascii_digits_only(tmp_path: Path) -> None:
    case = Path(shutil.copy(CASES / "joy.yaml", tmp_path / "joy.yaml"))
    before = case.read_bytes()
    sheet = tmp_path / "scores.csv"
    sheet.write_text("week,measure,total,items\n١٢,phq9,10,\n", encoding="utf-8")
    done = ipt_nb("scores", "import", str(case), str(sheet))
    assert done.returncode == 1 and "is not a whole number" in done.stderr
    assert case.read_bytes() == before
    no_traceback(done)


def test_changed_only_re_renders_when_the_kit_changes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("render", str(CASES / "joy.yaml"), "--out", str(out), "--no-progress", "--workers", "1")
    assert ipt_nb(*args).returncode == 0
    again = ipt_nb(*args, "--changed-only")
    assert "unchanged" in again.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["key"]["kit_source"] == kit_digest()
    manifest["key"]["kit_source"] = "an older kit"  # as after an upgrade with the same version number
    (out / "manifest.json").write_text(json.dumps(manifest))
    upgraded = ipt_nb(*args, "--changed-only")
    assert "rendered" in upgraded.stdout and load_case(CASES / "joy.yaml").id == "joy"


def test_render_prints_no_kernel_transport_warning(tmp_path: Path) -> None:
    done = ipt_nb(
        "render", str(CASES / "joy.yaml"), "--out", str(tmp_path / "out"), "--no-progress", "--workers", "1"
    )
    assert done.returncode == 0 and "without encryption" not in done.stderr
