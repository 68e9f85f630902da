"""Bad input never crashes: arbitrary YAML documents, mutated sample cases and raw bytes give a
valid case or a clean error with a location, never a traceback or a hang."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest
import yaml as pyyaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipt_nb.casefile import CaseFileError, check_file, parse_case_text
from ipt_nb.cli import main

from .conftest import CASES, SAMPLE_IDS

SCALE = int(os.environ.get("IPT_FUZZ_SCALE", "1"))
"""``make fuzz`` multiplies every strategy's number of inputs (IPT_FUZZ_SCALE=30)."""
SAMPLES = {case_id: (CASES / f"{case_id}.yaml").read_text() for case_id in SAMPLE_IDS}
KEYS = ["format", "id", "title", "people", "ring", "sessions", "week", "measures", "phq9", "items", "label",
        "plan", "patient", "problem_areas", "area", "stage", "ratings", "timeline", "kind", "x"]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(
        ["ipt-case/1", "no", "yes", "~", "1e3", "0o17", "2024-01-01", "!!binary aGk=", "*x", "&a"]
    ),
)
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=40,
)


def assert_clean(text: str) -> None:
    """Either a case or a CaseFileError whose every issue has a message (and a line when it has a path)."""
    try:
        parse_case_text(text, "fuzz.yaml")
    except CaseFileError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.message
            assert issue.line is not None or issue.path == "" or issue.message.startswith("...")


@given(documents)
@settings(max_examples=150 * SCALE)
def test_arbitrary_documents(document: object) -> None:
    text = pyyaml.safe_dump(
        {"format": "ipt-case/1", "data": document} if isinstance(document, list) else document
    )
    assert_clean(text)
    if isinstance(document, dict):
        assert_clean(pyyaml.safe_dump({"format": "ipt-case/1", **{str(k): v for k, v in document.items()}}))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = SAMPLES[draw(st.sampled_from(SAMPLE_IDS))].splitlines()
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "indent", "dedent", "garble", "value", "swap"]))
        line = lines[index]
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "indent":
            lines[index] = "  " + line
        elif action == "dedent":
            lines[index] = line[2:]
        elif action == "garble":
            at = draw(st.integers(0, len(line)))
            lines[index] = (
                line[:at] + draw(st.text(alphabet=":-[]{}&*!|>'\"#%@`, \t\\", max_size=3)) + line[at:]
            )
        elif action == "value" and ":" in line:
            head = line.split(":", 1)[0]
            replacement = draw(st.sampled_from(["-1", "99", "null", "[]", "{}", "x", "3.5", "''"]))
            lines[index] = f"{head}: {replacement}"
        elif action == "swap" and index + 1 < len(lines):
            lines[index], lines[index + 1] = lines[index + 1], line
    return "\n".join(lines) + "\n"


@given(mutated())
@settings(max_examples=200 * SCALE)
def test_mutated_sample_cases(text: str) -> None:
    assert_clean(text)


@given(st.binary(max_size=400))
@settings(max_examples=100 * SCALE)
def test_random_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "case.yaml"
    path.write_bytes(data)
    report = check_file(path)
    assert report.ok or report.errors


@given(mutated())
@settings(max_examples=40 * SCALE, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_cli_never_raises_on_bad_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(text)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["validate", "--json", str(path)])
    assert code in (0, 1)
    assert "Traceback" not in stdout.getvalue() + stderr.getvalue()


def test_ten_thousand_sessions_are_refused_within_limits() -> None:
    head = SAMPLES["tobias"].split("sessions:\n")[0]
    sessions = "".join(f"  - {{week: {w}, measures: {{phq9: {w % 27}}}}}\n" for w in range(10_000))
    with pytest.raises(CaseFileError) as caught:
        parse_case_text(head + "sessions:\n" + sessions, "big.yaml")
    assert len(caught.value.issues) == 101 and "more errors not shown" in caught.value.issues[-1].message
    assert caught.value.issues[0].line is not None


HOSTILE_INPUTS = (
    "valid",
    "huge-int",
    "not-a-case",
    "missing",
    "folder",
    "fifo",
    "/dev/zero",
    "binary",
    "mutated",
)


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "valid.yaml").write_text(SAMPLES["joy"], encoding="utf-8")
    (folder / "huge.yaml").write_text(SAMPLES["tobias"].replace("age: ", "age: " + "9" * 5000 + " #", 1))
    (folder / "other.yaml").write_text("shopping: [milk]\n")
    (folder / "binary.yaml").write_bytes(bytes(range(256)))
    os.mkfifo(folder / "pipe.yaml")
    return {
        "valid": str(folder / "valid.yaml"), "huge-int": str(folder / "huge.yaml"),
        "not-a-case": str(folder / "other.yaml"), "missing": str(folder / "nothing.yaml"),
        "folder": str(folder), "fifo": str(folder / "pipe.yaml"), "/dev/zero": "/dev/zero",
        "binary": str(folder / "binary.yaml"),
    }  # fmt: skip


@given(
    command=st.sampled_from(
        ["validate", "lint", "outcomes", "summary", "validate --json", "validate --strict"]
    ),
    inputs=st.lists(st.sampled_from(HOSTILE_INPUTS), min_size=1, max_size=3),
    text=mutated(),
)
@settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_cli_mixes_valid_cases_and_failure_modes_without_a_traceback(
    hostile_files: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    command: str,
    inputs: list[str],
    text: str,
) -> None:
    mutated_path = tmp_path_factory.mktemp("mutated") / "case.yaml"
    mutated_path.write_text(text)
    paths = [str(mutated_path) if name == "mutated" else hostile_files[name] for name in inputs]
    if command == "outcomes":
        paths = paths[:1]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main([*command.split(), *paths])
    assert code in (0, 1, 2)
    assert "Traceback" not in stdout.getvalue() + stderr.getvalue()
