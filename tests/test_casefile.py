"""The case file layer on real files: refusals, located errors, atomic and comment-keeping saves."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipt_nb import CaseDocument, CaseFileError, StaleFileError, load_case, save_case
from ipt_nb.casefile import MAX_BYTES, check_file, parse_case_text
from ipt_nb.errors import IptNbError, Issue
from ipt_nb.model import Case

from .conftest import CASES, MINIMAL

ALIAS_BOMB = "format: ipt-case/1\n" + "\n".join(
    [
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        *(
            f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]"
            for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def only_error(path: Path) -> str:
    report = check_file(path)
    assert not report.ok and len(report.errors) == 1, report.errors
    return report.errors[0].format(path)


def test_empty_file_is_refused(write_case: Callable[..., Path]) -> None:
    path = write_case("  \n# nothing\n")
    assert "the file is empty" in only_error(path)


def test_top_level_must_be_a_mapping(write_case: Callable[..., Path]) -> None:
    assert "the top level is a list" in only_error(write_case("- a\n- b\n"))


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINIMAL.replace("Pat", "P\xe9t").encode("latin-1"))
    message = only_error(path)
    assert f"{path}:6:" in message and "is not UTF-8" in message


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"format: ipt-case/1\n" + b"#" * (MAX_BYTES + 1))
    assert "the limit for a case file" in only_error(path)


def test_alias_bomb_is_refused(write_case: Callable[..., Path]) -> None:
    message = only_error(write_case(ALIAS_BOMB))
    assert "200,000 values" in message and "aliases" in message


def test_recursive_alias_is_refused(write_case: Callable[..., Path]) -> None:
    assert "recursive alias" in only_error(write_case("format: ipt-case/1\nx: &x [1, *x]\n"))


def test_deep_nesting_is_refused(write_case: Callable[..., Path]) -> None:
    message = only_error(write_case("format: ipt-case/1\nx: " + "[" * 2000 + "]" * 2000 + "\n"))
    assert "deep" in message


def test_duplicate_keys_are_refused_with_their_line(write_case: Callable[..., Path]) -> None:
    path = write_case(MINIMAL.replace("title:", "id: again\ntitle:"))
    assert f"{path}:4:1: YAML syntax: found duplicate key" in only_error(path)


def test_syntax_error_names_the_line(write_case: Callable[..., Path]) -> None:
    path = write_case(MINIMAL.replace("diagnosis: {label: MDD}", "diagnosis: {label: MDD"))
    assert "YAML syntax" in only_error(path)
    assert check_file(path).errors[0].line is not None


def test_python_tags_are_not_constructed(write_case: Callable[..., Path]) -> None:
    path = write_case(MINIMAL.replace("title:", "x: !!python/object/apply:os.system ['true']\ntitle:"))
    assert "YAML syntax" in only_error(path)


def test_unsupported_format_names_what_is_read(write_case: Callable[..., Path]) -> None:
    path = write_case(MINIMAL.replace("ipt-case/1", "ipt-case/2"))
    assert f"{path}:2:9: format: 'ipt-case/2' is not a format this version reads (ipt-case/1)" in only_error(
        path
    )


def test_yaml_1_2_keeps_no_and_on_as_text(write_case: Callable[..., Path]) -> None:
    case = load_case(
        write_case(MINIMAL.replace("label: Alex", "label: no").replace("label: Sam", "label: on"))
    )
    assert [p.label for p in case.people] == ["no", "on"]


def test_load_case_raises_with_every_issue(write_case: Callable[..., Path]) -> None:
    path = write_case(MINIMAL.replace("ring: 1,", "ring: 5,").replace("phq9: 12", "phq9: 40"))
    with pytest.raises(CaseFileError) as caught:
        load_case(path)
    assert {i.loc for i in caught.value.issues} == {
        ("people", 0, "ring"),
        ("sessions", 1, "measures", "phq9"),
    }
    assert {i.path for i in caught.value.issues} == {"people[0].ring", "sessions[1].measures.phq9"}
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_an_issue_keeps_its_location_as_a_tuple_and_writes_it_only_when_shown() -> None:
    issue = Issue(("people", 1, "expectations", 0, "held_by"), "use one of: self, other", 7, 5)
    assert issue.path == "people[1].expectations[0].held_by"
    assert (
        issue.format("joy.yaml") == "joy.yaml:7:5: people[1].expectations[0].held_by: use one of: self, other"
    )
    assert issue.as_dict()["path"] == "people[1].expectations[0].held_by"
    assert Issue((), "the file is empty").path == "" and Issue((), "x").format() == "x"
    written = Issue("sessions[12].measures.phq9.items", "nine items")  # text from older callers
    assert written.loc == ("sessions", 12, "measures", "phq9", "items")


# -- derived values ---------------------------------------------------------------------------


def test_derived_values_are_computed(write_case: Callable[..., Path]) -> None:
    text = MINIMAL.replace("phq9: 15}", "phq9: {items: [2, 2, 2, 2, 2, 2, 2, 1, 0]}}")
    case = load_case(write_case(text))
    assert case.sessions[0].measures["phq9"].score == 15
    assert [case.phase_of(w) for w in (-2, 0, 1, 3, 4, 9, 10, 12, 20)] == [
        "before_intake", "intake", "initial", "initial", "middle", "middle", "termination",
        "termination", "follow_up",
    ]  # fmt: skip
    assert [case.kind_of(s) for s in case.sessions] == ["intake", "session"]
    assert case.rating_at("sam", 3).ring == 3 and case.rating_at("sam", 3).closeness is None
    assert case.rating_at("sam", 4).ring == 2 and case.rating_at("sam", 12).closeness == 5
    assert case.rating_at("alex", 12).ring == 1


def test_a_rating_without_ring_keeps_the_earlier_ring(write_case: Callable[..., Path]) -> None:
    case = load_case(write_case(MINIMAL.replace("{ring: 2, closeness: 5}", "{closeness: 5}")))
    assert case.rating_at("sam", 4).ring == 3
    case = load_case(write_case(MINIMAL.replace("{ring: 2, closeness: 5}", "{ring: null}")))
    assert case.rating_at("sam", 4).ring is None


# -- saving -----------------------------------------------------------------------------------


@pytest.fixture
def joy_copy(tmp_path: Path) -> Path:
    return Path(shutil.copy(CASES / "joy.yaml", tmp_path / "joy.yaml"))


def test_saving_an_unmodified_case_is_byte_identical(joy_copy: Path) -> None:
    before = joy_copy.read_bytes()
    document = CaseDocument.open(joy_copy)
    document.save(document.case)
    assert joy_copy.read_bytes() == before


def test_an_edit_keeps_comments_order_and_quoting(joy_copy: Path) -> None:
    before = joy_copy.read_text()
    document = CaseDocument.open(joy_copy)
    people = [p.model_copy(update={"closeness": 5}) if p.id == "laura" else p for p in document.case.people]
    document.save(document.case.model_copy(update={"people": people}))
    after = joy_copy.read_text()
    assert load_case(joy_copy).person("laura").closeness == 5
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1].strip() == "closeness: 5"
    assert after.startswith("# Fictional teaching case")


def test_removing_a_person_keeps_the_others_comments(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(MINIMAL.replace("people:\n", "people:\n  # partner first\n") + "# end\n")
    document = CaseDocument.open(path)
    case = document.case
    document.save(case.model_copy(update={"people": case.people[:1], "sessions": case.sessions[:1]}))
    text = path.read_text()
    assert "# partner first" in text and "# a small valid case" in text and "sam" not in text
    assert [p.id for p in load_case(path).people] == ["alex"]


def test_invalid_edit_writes_nothing_and_names_the_field(joy_copy: Path) -> None:
    before = joy_copy.read_bytes()
    document = CaseDocument.open(joy_copy)
    broken = document.case.model_copy(update={"problem_areas": []})  # formulation is agreed
    with pytest.raises(CaseFileError) as caught:
        document.save(broken)
    assert [i.path for i in caught.value.issues] == ["formulation.agreed"]
    assert joy_copy.read_bytes() == before


def test_a_stale_file_is_not_overwritten(joy_copy: Path) -> None:
    document = CaseDocument.open(joy_copy)
    joy_copy.write_text(joy_copy.read_text().replace("age: 37", "age: 38"))
    edited = document.case.model_copy(update={"title": "Edited elsewhere"})
    with pytest.raises(StaleFileError, match="changed on disk since it was opened"):
        document.save(edited)
    assert load_case(joy_copy).patient.age == 38
    document.save(edited, force=True)
    assert load_case(joy_copy).title == "Edited elsewhere"


def test_save_as_refuses_an_existing_file(joy_copy: Path, tmp_path: Path) -> None:
    document = CaseDocument.open(joy_copy)
    other = tmp_path / "other.yaml"
    other.write_text("keep me")
    with pytest.raises(IptNbError, match="exists"):
        document.save(document.case, path=other)
    assert other.read_text() == "keep me"
    document.save(document.case, path=tmp_path / "copy.yaml")
    assert load_case(tmp_path / "copy.yaml") == document.case


def test_a_save_interrupted_before_the_rename_leaves_the_original(
    joy_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = joy_copy.read_bytes()
    document = CaseDocument.open(joy_copy)

    def crash(self: Path, target: Path) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        document.save(document.case.model_copy(update={"title": "half written"}))
    monkeypatch.undo()
    assert joy_copy.read_bytes() == before
    assert sorted(p.name for p in joy_copy.parent.iterdir()) == ["joy.yaml"]


def test_save_case_writes_new_files_and_refuses_to_clobber(tmp_path: Path) -> None:
    case, _ = parse_case_text(MINIMAL)
    path = save_case(case, tmp_path / "mini.yaml")
    assert load_case(path) == case
    with pytest.raises(IptNbError, match="exists"):
        save_case(case, path)


# -- property: valid cases survive load -> save -> load --------------------------------------

slugs = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
    | st.sampled_from("\n\t#:'\"-&*!%@`{}[]"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s != "")
tricky = st.sampled_from(
    ["no", "yes", "on", "null", "~", "1e3", "0o10", "010", "- a", "a: b", "#x", "'q'", "true"]
)
labels = texts | tricky


@st.composite
def cases(draw: st.DrawFn) -> dict[str, object]:
    sessions = draw(st.integers(min_value=6, max_value=24))
    ids = draw(st.lists(slugs, min_size=0, max_size=5, unique=True))
    people = [
        {
            "id": pid,
            "label": draw(labels),
            "relationship": draw(st.sampled_from(["partner", "friend", "parent", "coworker"])),
            "ring": draw(st.sampled_from([1, 2, 3, None])),
            **({"closeness": draw(st.integers(0, 10))} if draw(st.booleans()) else {}),
            **({"notes": draw(texts)} if draw(st.booleans()) else {}),
        }
        for pid in ids
    ]
    weeks = sorted(draw(st.sets(st.integers(0, sessions), max_size=6)))
    session_list = []
    for week in weeks:
        entry: dict[str, object] = {"week": week}
        if draw(st.booleans()):
            entry["measures"] = {"phq9": draw(st.integers(0, 27))}
        elif draw(st.booleans()):
            entry["measures"] = {"gad7": {"items": draw(st.lists(st.integers(0, 3), min_size=7, max_size=7))}}
        if ids and draw(st.booleans()):
            entry["ratings"] = {draw(st.sampled_from(ids)): {"ring": draw(st.sampled_from([1, 2, 3, None]))}}
        if draw(st.booleans()):
            entry["note"] = draw(texts)
        session_list.append(entry)
    return {
        "format": "ipt-case/1",
        "id": draw(slugs),
        "title": draw(labels),
        "provenance": "invented",
        "patient": {"label": draw(labels), "age": draw(st.integers(0, 89))},
        "diagnosis": {"label": draw(labels)},
        "plan": {"sessions": sessions},
        "people": people,
        "sessions": session_list,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=cases())
def test_valid_cases_survive_save_and_load(tmp_path: Path, data: dict[str, object]) -> None:
    case = Case.model_validate(data)
    path = tmp_path / "generated.yaml"
    path.unlink(missing_ok=True)
    save_case(case, path)
    reloaded = load_case(path)
    assert reloaded == case
    document = CaseDocument.open(path)
    document.save(reloaded)
    assert load_case(path) == case
