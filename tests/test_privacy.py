"""The identifier lint on real files: every planted identifier class is found at its line, and the
sample casebook is clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipt_nb.cli import main
from ipt_nb.privacy import lint_file

from .conftest import CASES, ROOT

PLANTED = ROOT / "tests" / "data" / "identifiers.yaml"
EXPECTED = {
    ("e-mail address", "trainer@example.org"),
    ("phone number", "0161 496 0732"),
    ("fax number", "fax: 020 7946 0991"),
    ("street address", "42 Elm Street"),
    ("social security number", "123-45-6789"),
    ("ID number", "MRN 00412233"),
    ("URL", "https://example.org/family"),
    ("IP address", "192.168.10.21"),
    ("ZIP or post code", "90210"),
    ("calendar date", "03/14/2023"),
    ("date in words", "March 14th"),
    ("year", "1998"),
    ("age over 89", "94 years"),
    ("vehicle plate", "plate ABC 1234"),
    ("name", "Margaret"),
    ("long number", "123456789"),
}


def test_every_planted_identifier_is_found_on_its_line() -> None:
    findings = lint_file(PLANTED)
    found = {(f.kind, f.text) for f in findings}
    assert found >= EXPECTED, EXPECTED - found
    lines = PLANTED.read_text().splitlines()
    for finding in findings:
        assert finding.text in lines[finding.line - 1], finding.format()
        assert lines[finding.line - 1][finding.column - 1 :].startswith(finding.text), finding.format()
    assert found - EXPECTED == set(), found - EXPECTED  # nothing else: no false positives


@pytest.mark.parametrize("path", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_sample_casebook_is_clean(path: Path) -> None:
    assert lint_file(path) == []


def test_a_name_the_file_uses_mid_sentence_is_found_at_sentence_starts_too(tmp_path: Path) -> None:
    case = tmp_path / "c.yaml"
    case.write_text(
        "format: ipt-case/1\nid: a1\ntitle: t\nprovenance: invented\npatient: {label: Pat}\n"
        "diagnosis: {label: MDD}\nplan: {sessions: 12}\n"
        "people:\n  - {id: f, label: Friend, relationship: friend, ring: 2,\n"
        '     notes: "She met Rowan at work. Rowan left soon after. Quinn phoned."}\n'
        "sessions: []\n"
    )
    findings = lint_file(case)
    line = case.read_text().splitlines()[9]
    assert [(f.text, f.line) for f in findings] == [("Rowan", 10), ("Rowan", 10)]
    assert [line[f.column - 1 :].split()[0] for f in findings] == ["Rowan", "Rowan"]
    assert findings[0].column < findings[1].column  # each place, not the first one twice
    # A word seen only at sentence starts ("Quinn", "She") stays a documented blind spot.


def test_each_place_of_a_name_in_a_folded_text_is_located(tmp_path: Path) -> None:
    case = tmp_path / "c.yaml"
    case.write_text(
        "format: ipt-case/1\nid: a1\ntitle: t\nprovenance: invented\npatient: {label: Pat}\n"
        "diagnosis: {label: MDD}\nplan: {sessions: 12}\n"
        "people:\n  - id: f\n    label: Friend\n    relationship: friend\n    ring: 2\n    notes: >-\n"
        "      She saw Carl at work,\n      then Carl again, and Carl's car.\nsessions: []\n"
    )
    assert [(f.line, f.column) for f in lint_file(case)] == [(14, 15), (15, 12), (15, 28)]


def test_a_comment_after_a_block_scalar_header_is_scanned(tmp_path: Path) -> None:
    case = tmp_path / "c.yaml"
    case.write_text(
        "format: ipt-case/1\nid: a1\ntitle: t\nprovenance: invented\npatient: {label: Pat}\n"
        "diagnosis: {label: MDD}\nplan: {sessions: 12}\n"
        "people:\n  - id: f\n    label: Friend\n    relationship: friend\n    ring: 2\n"
        "    notes: |  # call 0161 496 0732 first\n      We saw Ann today, and Ann stayed.\nsessions: []\n"
    )
    found = [(f.kind, f.line, f.column) for f in lint_file(case)]
    assert found == [("phone number", 13, 22), ("name", 14, 14), ("name", 14, 29)]


def test_structural_values_are_not_scanned(tmp_path: Path) -> None:
    case = tmp_path / "c.yaml"
    case.write_text(
        "format: ipt-case/1\nid: a1\ntitle: t\nprovenance: invented\npatient: {label: Pat}\n"
        "diagnosis: {label: MDD, system: DSM-5-TR, code: F32.1}\nplan: {sessions: 12}\npeople: []\n"
        "sessions:\n  - {week: 0, measures: {phq9: 19}}\n"
    )
    assert lint_file(case) == []


def test_real_cases_need_a_consent_reference(tmp_path: Path) -> None:
    case = tmp_path / "real.yaml"
    case.write_text("format: ipt-case/1\nid: r\ntitle: t\nprovenance: real_with_consent\npeople: []\n")
    assert [f.kind for f in lint_file(case)] == ["consent"]


def test_lint_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(CASES)]) == 0
    assert main(["lint", str(PLANTED)]) == 1
    out = capsys.readouterr().out
    assert f"{PLANTED}:12:17: phone number: 0161 496 0732 (remove it)" in out


def test_sharing_refuses_identifiers_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scores.csv"
    assert main(["scores", "export", str(PLANTED), "--out", str(out)]) == 1
    assert "identifier(s) found" in capsys.readouterr().err and not out.exists()
    assert main(["scores", "export", str(PLANTED), "--out", str(out), "--allow-identifiers"]) == 0
    assert out.exists()


@pytest.mark.slow
def test_render_skips_a_case_with_identifiers(tmp_path: Path) -> None:
    from ipt_nb.render import render_casebook

    summary = render_casebook([PLANTED], tmp_path / "out", workers=1, progress=False)
    assert not summary.ok and "identifier(s) found" in summary.invalid[str(PLANTED)]
    assert not (tmp_path / "out" / "planted.html").exists()
    index = (tmp_path / "out" / "index.html").read_text()
    assert "planted.html" not in index and "line 12: phone number" in index
    assert not any(text in index for _, text in EXPECTED), "the index must not repeat identifiers"


def test_lint_reports_bad_files_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: ipt-case/1\npeople: 5\ntitle: [unclosed\n")
    assert main(["lint", str(broken)]) == 1
    assert "not valid YAML" in capsys.readouterr().err
    odd = tmp_path / "odd.yaml"
    odd.write_text("format: ipt-case/1\npeople: 5\npatient: 3\n")
    assert lint_file(odd) == []
