"""Turn pydantic's error records into messages a clinician can act on.

Each message says what is wrong and what would be valid; unknown keys and
misspelt values get a "did you mean".
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from . import model as _model
from .errors import Location, format_location
from .model import Case

FIELD_HINTS: dict[str, str] = {
    "ring": "use 1 (inner), 2 (middle), 3 (outer) or null (outside the circle)",
    "closeness": "use a whole number from 0 (not close) to 10 (closest)",
    "week": "use a whole number of weeks from intake (0); negative weeks lie before intake",
    "format": "write format: ipt-case/1",
    "id": "use lowercase letters, digits, '-' and '_', starting with a letter or digit (e.g. laura)",
    "mood": "use a whole number from -3 (much worse) to 3 (much better)",
    "sessions": "plan.sessions is the number of planned acute sessions, 6-24 (IPT's classic range is 12-16)",
}
_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list (lines starting with '- ', or [a, b])",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
}


def clean_loc(loc: tuple[Any, ...]) -> Location:
    """Drop pydantic's schema markers (``[key]``, ``function-before[...]``, a union's member such as
    ``constrained-str`` or ``Question``) from a location."""
    return tuple(part for part in loc if isinstance(part, int) or not _is_marker(str(part)))


def _is_marker(part: str) -> bool:
    return (
        part == "[key]"
        or part.startswith(("function-", "json-or-python", "lax-or-strict"))
        or _is_union_member(part)
    )


_MODEL_NAMES = frozenset(
    name for name, value in vars(_model).items() if isinstance(value, type) and issubclass(value, BaseModel)
)
_WRONG_TYPE = frozenset(
    {"int_type", "bool_type", "string_type", "list_type", "dict_type", "model_type", "model_attributes_type"}
)
"""Complaints that a value is of another kind: in a union, the members the value was not meant for."""


def _is_union_member(part: str) -> bool:
    """Whether a location part names a member of a union (``Text | Question``) rather than a field."""
    return (
        part in _MODEL_NAMES
        or part in ("str", "int", "bool", "float", "none")
        or part.startswith(("constrained-", "list[", "dict[", "literal[", "tuple["))
    )


def case_errors(exc: ValidationError) -> list[tuple[Location, str, ErrorDetails]]:
    """Each error of a validation as ``(location, message, pydantic's record)``: the one place
    pydantic's records become the kit's.

    Where a value may be one of several kinds (a question is text or a mapping), pydantic reports
    each kind's complaint; only the kind the value is meant to be is kept: the complaint that is not
    "expected another type", so a question mapping without text says "text is missing", not also
    "expected text, got a mapping".
    """
    records = exc.errors(include_url=False)
    by_union: dict[tuple[Any, ...], list[int]] = {}
    for number, record in enumerate(records):
        loc = record["loc"]
        cut = next(
            (i for i, part in enumerate(loc) if isinstance(part, str) and _is_union_member(part)), None
        )
        if cut is not None:
            by_union.setdefault(tuple(loc[:cut]), []).append(number)
    dropped: set[int] = set()
    for numbers in by_union.values():
        meant = [n for n in numbers if records[n]["type"] not in _WRONG_TYPE]
        if meant:
            dropped.update(n for n in numbers if n not in meant)
        else:
            dropped.update(numbers[1:])
    return [
        (clean_loc(record["loc"]), message_for(record), record)
        for number, record in enumerate(records)
        if number not in dropped
    ]


def first_problem(exc: ValidationError) -> str:
    """``where: what`` for the first error of a record that is not a case (an answer file, a
    hand-in), in pydantic's own words: the case hints above would not fit it."""
    record = exc.errors(include_url=False)[0]
    where = format_location(clean_loc(record["loc"]))
    return f"{where}: {record['msg']}" if where else record["msg"]


def message_for(error: ErrorDetails) -> str:
    kind = error["type"]
    loc = clean_loc(error["loc"])
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    value = error.get("input")
    hint = FIELD_HINTS.get(field, "")
    if kind == "case_rule":
        return str(error["ctx"]["message"]) if error.get("ctx") else error["msg"]
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind == "missing":
        return f"required field {field!r} is missing" + (f"; {hint}" if hint else "")
    if kind == "literal_error":
        return _bad_choice(value, str(error.get("ctx", {}).get("expected", "")), field, hint)
    if kind == "string_pattern_mismatch":
        return f"{value!r} is not a valid {field or 'value'}; " + (hint or FIELD_HINTS["id"])
    if kind in _TYPE_WORDS:
        return _wrong_type(value, _TYPE_WORDS[kind], hint)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        limits = error.get("ctx", {})
        words = {"ge": ">=", "le": "<=", "gt": ">", "lt": "<"}
        bound = " and ".join(f"{words[k]} {v}" for k, v in limits.items() if k in words)
        return f"{value} is out of range; use a value {bound}" + (f" ({hint})" if hint else "")
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long ({len(str(value)):,} characters); the limit is {error['ctx']['max_length']:,}"
    if kind == "too_long":
        return (
            f"has {error['ctx'].get('actual_length')} entries; at most {error['ctx']['max_length']} allowed"
        )
    if kind == "too_short":
        return f"needs at least {error['ctx']['min_length']} entries"
    return error["msg"]


def _wrong_type(value: Any, wanted: str, hint: str) -> str:
    shown = _describe(value)
    text = f"expected {wanted}, got {shown}"
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and wanted == "a whole number":
        text += f"; write {value.strip()} without quotes"
    elif (
        isinstance(value, str)
        and value.lower() in ("yes", "no", "on", "off", "y", "n")
        and wanted == "true or false"
    ):
        text += "; YAML 1.2 reads yes/no as text, write true or false"
    return text + (f"; {hint}" if hint else "")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, float):
        return f"the decimal {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"{type(value).__name__} {value!r}"


def _bad_choice(value: Any, expected: str, field: str, hint: str) -> str:
    choices = [c.strip().strip("'") for c in expected.replace(" or ", ", ").split(",") if c.strip()]
    if field == "ring":
        return f"{value!r} is not a ring; {hint}"
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    text = f"{value!r} is not allowed here"
    if close:
        text += f"; did you mean {close[0]!r}?"
    shown = ", ".join(choices[:14]) + (", ..." if len(choices) > 14 else "")
    return f"{text} (use one of: {shown})"


def _unknown_key(loc: Location) -> str:
    key = str(loc[-1]) if loc else ""
    allowed = allowed_keys(loc[:-1])
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    text = f"unknown key {key!r}"
    if close:
        return f"{text}; did you mean {close[0]!r}?"
    return f"{text}; keys here are: {', '.join(allowed)}" if allowed else text


def allowed_keys(loc: Location) -> list[str]:
    """The keys the format allows at ``loc`` (a path to a mapping)."""
    annotation: Any = Case
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    model = _model_in(annotation)
    return list(model.model_fields) if model else []


def _step(annotation: Any, part: str | int) -> Any:
    model = _model_in(annotation)
    if model is not None and isinstance(part, str):
        field = model.model_fields.get(part)
        return field.annotation if field else None
    for arg in _unwrap(annotation):
        origin = typing.get_origin(arg)
        if origin is list and isinstance(part, int):
            return typing.get_args(arg)[0]
        if origin is dict and isinstance(part, str):
            return typing.get_args(arg)[1]
    return None


def _unwrap(annotation: Any) -> list[Any]:
    """The alternatives of an annotation with ``Annotated`` and ``| None`` peeled off."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for arg in typing.get_args(annotation) for a in _unwrap(arg)]
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for arg in _unwrap(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None
