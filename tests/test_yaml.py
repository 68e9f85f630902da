"""The quick reader (yaml-rs behind a screen) gives exactly what the reference reader gives.

``_yaml.parse_quick`` may answer ``None`` ("ask the reference reader") for any text; what it
must never do is answer with data the reference reader would not give. These tests compare
the two on every sample case, on every short number-like word in every place a scalar can
stand, and on generated documents, including hostile characters.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import ruamel.yaml
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ipt_nb import _yaml
from ipt_nb.casefile import CaseFileError, parse_case_text, parse_case_text_reference, read_text
from ipt_nb.errors import Issue
from ipt_nb.model import Case

from .conftest import CASES

SCALE = int(os.environ.get("IPT_FUZZ_SCALE", "1"))
ROOT = Path(__file__).resolve().parent.parent
YAML_FILES = sorted([*CASES.rglob("*.yaml"), *(ROOT / "tests" / "data").rglob("*.yaml")])


def reference(text: str) -> tuple[str, object]:
    try:
        return "data", _yaml.parse_fast(text)
    except (pyyaml.YAMLError, RecursionError, ValueError) as exc:
        return "error", type(exc).__name__


def assert_agrees(text: str) -> None:
    """Where both readers read ``text``, they read the same data.

    (Where only the quick reader reads it, as with ``:`` alone, the data is no case and the
    reference gives the error; :func:`assert_same_case` checks that at the level of cases.)
    """
    quick = _yaml.parse_quick(text)
    if quick is None:
        return
    kind, data = reference(text)
    if kind == "data":
        assert repr(quick) == repr(data), text  # repr: 1 == 1.0 == True, but not to a case file


def outcome(parse: Callable[[str, str], tuple[Case, list[Issue]]], text: str) -> tuple[str, object]:
    try:
        case, warnings = parse(text, "case.yaml")
    except CaseFileError as exc:
        return "error", exc.issues
    return "case", (case, warnings)


def assert_same_case(text: str) -> None:
    """``parse_case_text`` (quick reader first) and the reference path give the same answer."""
    assert outcome(parse_case_text, text) == outcome(parse_case_text_reference, text), text


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_sample_file_reads_the_same(path: Path) -> None:
    text = read_text(path)
    assert_agrees(text)
    assert_agrees(text.replace("\n", "\r\n"))


def test_the_casebook_takes_the_quick_path() -> None:
    """The speed is real only if ordinary cases pass the screen: all but a few must."""
    files = sorted(CASES.glob("*.yaml"))
    quick = [p.name for p in files if _yaml.parse_quick(read_text(p)) is not None]
    assert len(quick) >= len(files) - 2, quick


def test_a_case_is_the_same_case_either_way() -> None:
    for path in sorted(CASES.glob("*.yaml")):
        text = read_text(path)
        case, warnings = parse_case_text(text, path)
        assert _yaml.parse_quick(text) in (
            None,
            case.model_dump(mode="python", exclude_unset=True, by_alias=True),
        )
        # the same text with a tag in a comment line goes the reference way, to the same case
        slow_case, slow_warnings = parse_case_text("# !tag\n" + text, path)
        assert slow_case == case
        assert slow_warnings == warnings


NUMBERISH = "01.+-_eExXoObBiInNfaT"
PLACES = ("a: {}\n", "- {}\n", "[{}, x]\n", "{{k: {}}}\n", "{}: x\n", "a: [{}]\n", "a:\n  - {}\n")


def test_every_short_number_like_word_in_every_place() -> None:
    """Brute force over words of up to three characters: where yaml-rs was seen to be lenient
    (``1_000``, ``0X1F``, ``-0x1``, ``.iNf``) it reads numbers YAML 1.2 keeps as text."""
    for length in (1, 2, 3):
        for letters in itertools.product(NUMBERISH, repeat=length):
            word = "".join(letters)
            for place in PLACES:
                text = place.format(word)
                assert_agrees(text)
                if word.isalpha() or word.isdigit():
                    assert _yaml.parse_quick(text) is not None, text  # the screen is not a wall


def test_what_the_screen_sends_to_the_reference() -> None:
    for text in (
        "a: 1_000\n",
        "a: _1\n",
        "a: -0x1\n",
        "a: 0X1F\n",
        "a: .iNf\n",
        "a: +.NaN\n",
        "a: !custom x\n",
        "a: &x 1\nb: *x\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: 1\n---\nb: 2\n",
        "? [a]\n: 1\n",
        "a: x\x00y\n",
        "a: x\x85y\n",
        "a: x\u2028y\n",
        "a:\tb\n",
        "\ufeffa: 1\n",
        "a: " + "1" * 31 + "\n",
        "a: |\n  x",  # no final line break: yaml-rs adds one
        "a: >-\n\n",  # an empty block scalar at the end: yaml-rs reads a line break
    ):
        assert _yaml.parse_quick(text) is None, text
    for text in ("a: I01_symptom_review\n", "a: why? no\n", "a: 10x faster\n", "a: x*y\n", "a: e.i.\n"):
        assert _yaml.parse_quick(text) is not None, text


def test_errors_keep_their_place() -> None:
    """A file the quick reader cannot read is reported by the reference reader, with its line."""
    with pytest.raises(CaseFileError) as caught:
        parse_case_text("format: ipt-case/1\nid: x\n  bad: indent\n", "bad.yaml")
    assert caught.value.issues[0].line == 3


words = st.text(
    alphabet=st.sampled_from([*" \t\n\r:-#'\"[]{},?!&*%|>@`.+_0123456789aeEnNoxyz\\", "é", "\x85", "\x00"]),
    max_size=12,
)
lines = st.builds(
    lambda indent, key, value, item: (
        (" " * indent) + ("- " if item else "") + (f"{key}: " if key else "") + value
    ),
    st.integers(0, 6),
    st.one_of(st.none(), st.sampled_from(["a", "b", "week", "1", "no", "x_1"])),
    words,
    st.booleans(),
)


@given(st.lists(lines, min_size=1, max_size=8))
@settings(max_examples=400 * SCALE, deadline=None)
def test_generated_documents_read_the_same(document: list[str]) -> None:
    assert_agrees("\n".join(document) + "\n")
    assert_agrees("\n".join(document))


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30) + 1, max_value=10**30 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=20),
)
data = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@given(data, st.booleans(), st.booleans(), st.sampled_from([None, '"', "'", "|", ">"]), st.integers(20, 80))
@settings(max_examples=300 * SCALE, deadline=None)
def test_dumped_data_reads_the_same(
    value: object, flow: bool, unicode: bool, style: str | None, width: int
) -> None:
    """Whatever PyYAML writes, in flow or block style, quoted, folded or wrapped, both read alike."""
    text = pyyaml.safe_dump(
        {"v": value},
        default_flow_style=flow,
        default_style=style,
        allow_unicode=unicode,
        sort_keys=False,
        width=width,
    )
    assert_agrees(text)
    with contextlib.suppress(ruamel.yaml.YAMLError):  # PyYAML writes a few things ruamel cannot read
        assert_agrees(_yaml.dump(_yaml.parse_roundtrip(text)))  # and as the kit's saver writes it


SAMPLE_TEXTS = [read_text(p) for p in sorted(CASES.glob("*.yaml"))]


@given(
    st.sampled_from(SAMPLE_TEXTS),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["line", "chars"]), lines), min_size=1, max_size=3),
)
@settings(max_examples=300 * SCALE, deadline=None)
def test_edited_cases_give_the_same_answer_either_way(text: str, edits: list[tuple[float, str, str]]) -> None:
    """Sample cases with lines or characters inserted anywhere: a case, its warnings or its errors
    are the same whether the quick reader went first or not."""
    for where, how, insert in edits:
        if how == "line":
            rows = text.split("\n")
            at = int(where * len(rows))
            text = "\n".join([*rows[:at], insert, *rows[at:]])
        else:
            at = int(where * len(text))
            text = text[:at] + insert.strip() + text[at:]
    assert_same_case(text)
