"""The group view: members found by group id, attendance, WHO labels and the response rate, computed
by hand from the riverside group's files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ipt_nb.group_view import attendance_table, groups, groups_section, phq9_chart, response_rate

from .conftest import CASES

RIVERSIDE = CASES / "group-riverside"


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_members_are_found_from_the_casebook_folder_and_from_their_own() -> None:
    from_casebook = groups([CASES])
    from_folder = groups([RIVERSIDE])
    assert list(from_casebook) == list(from_folder) == ["riverside"]
    labels = [c.patient.label for c in from_folder["riverside"]]
    assert labels == ["Amina", "Grace", "Halima", "Joseph", "Mercy"]


def test_attendance_counts_each_member_and_session() -> None:
    members = groups([RIVERSIDE])["riverside"]
    rows = text(attendance_table(members))
    # By hand: Grace missed session 6; Joseph 4 and 5; Halima stopped after session 3.
    assert "Amina yes yes yes yes yes yes yes yes 8 of 8" in rows
    assert "Grace yes yes yes yes yes missed yes yes 7 of 8" in rows
    assert "Halima yes yes yes missed missed missed missed missed 3 of 8" in rows
    assert "Joseph yes yes yes missed missed yes yes yes 6 of 8" in rows


def test_response_rate_and_who_labels() -> None:
    members = groups([RIVERSIDE])["riverside"]
    # By hand, PHQ-9 baseline -> last attended session, response at a 50% reduction:
    # Amina 17 -> 6 (65%) yes; Grace 16 -> 7 (56%) yes; Halima 15 -> 16 no; Joseph 15 -> 9 (40%) no;
    # Mercy 14 -> 7 (50%) yes.
    assert response_rate(members) == (3, 5)
    page = text(groups_section([CASES]))
    assert "3 of 5 members (60%)" in page
    for label in ("Grief", "Disputes", "Life changes", "Loneliness and social isolation"):
        assert label in page
    fig = phq9_chart("riverside", members)
    joseph = next(trace for trace in fig.data if trace.name == "Joseph")
    assert list(joseph.y) == [15, 15, 15, 14, None, None, 12, 10, 9]  # the missed sessions are gaps


def test_a_member_file_missing_is_said(tmp_path: Path) -> None:
    folder = tmp_path / "group"
    shutil.copytree(RIVERSIDE, folder)
    (folder / "mercy.yaml").unlink()
    page = text(groups_section([folder]))
    assert "The group has 5 members; 4 case file(s) found." in page


def test_a_member_without_a_session_that_week_is_a_dash_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "group"
    shutil.copytree(RIVERSIDE, folder)
    source = (folder / "halima.yaml").read_text(encoding="utf-8")
    cut = source.index("  - {week: 4,")
    end = source.index("\nteaching:")
    (folder / "halima.yaml").write_text(source[:cut] + source[end:], encoding="utf-8")  # stopped after 3
    rows = text(attendance_table(groups([folder])["riverside"]))
    assert "Halima yes yes yes - - - - - 3 of 8" in rows
