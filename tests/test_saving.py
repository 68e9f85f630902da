"""A save is proven before it is reported, two racing saves never lose an edit, every failure is told.

All on real files: the case is saved through ``CaseDocument`` (or the forms' state),
then read back with the same loader every command uses.
"""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipt_nb import CaseDocument, load_case
from ipt_nb.casefile import case_data
from ipt_nb.errors import CaseFileError, StaleFileError, TargetExistsError
from ipt_nb.forms.state import FormState
from ipt_nb.model import Case
from ipt_nb.privacy import STRUCTURAL_KEYS

from .conftest import CASES

NOT_TEXT = {"support", "techniques", "adherence", "week", "mode", "level"}


def text_paths(node: Any, loc: tuple[Any, ...] = (), key: Any = None) -> list[tuple[Any, ...]]:
    """Every free-text field of a case's data (not ids, enumerations or codes)."""
    if key in NOT_TEXT:
        return []
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in text_paths(v, (*loc, k), k)]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in text_paths(v, (*loc, i), key)]
    if isinstance(node, str) and key not in STRUCTURAL_KEYS:
        return [loc]
    return []


def with_text(data: dict[str, Any], loc: tuple[Any, ...], text: str) -> dict[str, Any]:
    node: Any = data
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = text
    return data


def get(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        data = data[part]
    return data


@pytest.fixture
def joy(tmp_path: Path) -> Path:
    return Path(shutil.copy(CASES / "joy.yaml", tmp_path / "joy.yaml"))


JOY_PATHS = text_paths(case_data(load_case(CASES / "joy.yaml")))

HOSTILE = [
    "\tstarts with a tab",
    "form\x0cfeed",
    "nul\x00byte",
    "escape \x1b[31m red",
    "delete\x7f",
    "not a character \ufffe",
    "next line\x85here",
    "line\u2028separator",
    ".5e5",
    "+.5e5",
    "-.5E10",
    "no",
    "0x1F",
    "~",
    "null",
    "2024-01-01",
    " leading and trailing ",
    "two\n\nparagraphs\n",
    "- looks like a list",
    "key: value",
    "#not a comment",
    "carriage\rreturn",
]


def test_every_text_field_is_found() -> None:
    assert len(JOY_PATHS) > 100  # names, notes, events, expectations, questions, ...


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_block_and_plain_fields_reads_back_identically(joy: Path, text: str) -> None:
    doc = CaseDocument.open(joy)
    data = case_data(doc.case)
    targets = [("formulation", "text"), ("sessions", 3, "note"), ("timeline", 0, "text"), ("goals", 0)]
    for loc in targets:
        with_text(data, loc, text)
    doc.save(Case.model_validate(data))
    back = case_data(load_case(joy))
    assert [get(back, loc) for loc in targets] == [text] * len(targets)


def test_an_unstorable_character_is_refused_beside_its_field_and_the_file_is_unchanged(joy: Path) -> None:
    before = joy.read_bytes()
    state = FormState.open(joy)
    state.data["people"][0]["notes"] = "half a pair \ud800"  # no UTF-8 form exists
    result = state.save()
    assert result.status == "invalid" and ("people", 0, "notes") in result.errors
    assert state.data["people"][0]["notes"] == "half a pair \ud800"  # still in the form
    assert joy.read_bytes() == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(loc=st.sampled_from(JOY_PATHS), text=st.text(max_size=40))
def test_any_text_in_any_field_reads_back_or_is_refused_unchanged(joy: Path, loc: Any, text: str) -> None:
    doc = CaseDocument.open(joy)
    before = joy.read_bytes()
    data = with_text(case_data(doc.case), loc, text)
    try:
        case = Case.model_validate(data)
    except ValueError:
        return  # the model refuses it (an empty label, say): nothing to save
    try:
        doc.save(case, force=True)
    except CaseFileError:
        assert joy.read_bytes() == before
        return
    assert get(case_data(load_case(joy)), loc) == text


# -- two editors, two processes ----------------------------------------------------------------


def _save_title(path: str, title: str, barrier: Any, results: Any) -> None:
    doc = CaseDocument.open(path)
    barrier.wait()
    try:
        doc.save(doc.case.model_copy(update={"title": title}))
        results.put(("saved", title))
    except StaleFileError:
        results.put(("stale", title))


def test_of_two_racing_saves_exactly_one_wins_and_the_other_is_told(joy: Path) -> None:
    context = multiprocessing.get_context("fork")
    for round_ in range(12):
        barrier, results = context.Barrier(2), context.Queue()
        titles = [f"Joy (editor A, round {round_})", f"Joy (editor B, round {round_})"]
        workers = [context.Process(target=_save_title, args=(str(joy), t, barrier, results)) for t in titles]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        outcome = sorted(results.get(timeout=5) for _ in workers)
        saved = [title for status, title in outcome if status == "saved"]
        assert [status for status, _ in outcome].count("saved") == 1, outcome
        assert load_case(joy).title == saved[0]  # the winner's edit is the one on disk


# -- save-as and failures --------------------------------------------------------------------------


def test_save_as_a_relative_path_writes_beside_the_case(joy: Path, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path.parent)  # elsewhere, like the app's scratch folder
    state = FormState.open(joy)
    result = state.save(path="other-file.yaml")
    assert result.status == "saved" and result.path == joy.parent / "other-file.yaml"
    assert load_case(joy.parent / "other-file.yaml").id == "joy"


def test_save_as_onto_an_existing_file_is_refused_with_a_message(joy: Path) -> None:
    other = joy.parent / "taken.yaml"
    other.write_text("someone else's notes\n", encoding="utf-8")
    state = FormState.open(joy)
    result = state.save(path="taken.yaml")
    assert result.status == "exists" and "exists" in result.message
    assert other.read_text(encoding="utf-8") == "someone else's notes\n"
    with pytest.raises(TargetExistsError):
        CaseDocument.open(joy).save(load_case(joy), path=other)


@pytest.mark.parametrize("where", ["missing/folder/x.yaml", "joy.yaml/inside-a-file.yaml"])
def test_save_as_where_no_file_can_go_says_why(joy: Path, where: str) -> None:
    result = FormState.open(joy).save(path=where)
    assert result.status == "failed" and "not saved" in result.message
    assert str(joy.parent) in result.message


def saved_lines(joy: Path, edit: Any) -> tuple[list[str], list[str]]:
    """The file's lines before and after saving ``edit(data)`` through ``CaseDocument``."""
    before = joy.read_text().splitlines()
    doc = CaseDocument.open(joy)
    data = case_data(doc.case)
    edit(data)
    doc.save(Case.model_validate(data))
    return before, joy.read_text().splitlines()


def line_before(lines: list[str], key: str) -> str:
    return lines[lines.index(key) - 1]


def test_appending_to_a_list_keeps_the_blank_line_that_ends_it(joy: Path) -> None:
    before, after = saved_lines(
        joy,
        lambda d: (
            d["timeline"].append({"week": 20, "kind": "move", "text": "Moves"}),
            d["sessions"].append({"week": 30, "measures": {"phq9": 3}, "note": "two\nlines"}),
        ),
    )
    assert line_before(before, "episode:") == "" and line_before(after, "episode:") == ""
    assert line_before(after, "termination:") == ""  # after a session ending in a block scalar too
    added = after.index("    text: Moves")
    assert after[added - 3] != ""  # no blank line pushed between the old last event and the new
    assert len(after) == len(before) + 3 + 6


def test_removing_the_last_entry_keeps_the_blank_line_that_ends_the_list(joy: Path) -> None:
    _, after = saved_lines(joy, lambda d: d["termination"]["warning_signs"].pop())
    assert line_before(after, "teaching:") == ""


def test_new_entries_follow_the_style_of_their_siblings(joy: Path) -> None:
    _, after = saved_lines(
        joy,
        lambda d: (
            d["people"][0]["expectations"].append({"text": "to be asked", "held_by": "other"}),
            d["sessions"].append({"week": 30, "measures": {"phq9": {"items": [1, 1, 0, 0, 0, 0, 1, 0, 0]}}}),
        ),
    )
    assert "      - {text: to be asked, held_by: other}" in after  # its siblings are one-line mappings
    assert "        items: [1, 1, 0, 0, 0, 0, 1, 0, 0]" in after  # a short list of numbers on one line
    assert load_case(joy).person("laura").expectations[-1].text == "to be asked"


def test_a_new_entry_with_a_line_break_stays_in_block_style(joy: Path) -> None:
    """Among one-line siblings, an entry holding a line break is written as a block, which alone
    holds it faithfully, and reads back identically."""
    text = "to be asked first\nand then told"
    _, after = saved_lines(joy, lambda d: d["people"][0]["expectations"].append({"text": text}))
    assert not any(line.lstrip().startswith("- {text: to be asked first") for line in after)
    assert load_case(joy).person("laura").expectations[-1].text == text
