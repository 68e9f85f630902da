"""Case files on disk: safe loading with located errors, atomic saving that keeps comments.

``load_case`` is the fast read used by charts, notebooks and batch reports.
``check_file`` reports every error and warning of a file with its line and
column. ``CaseDocument`` is the editing path used by forms: it remembers the
person's YAML (comments, key order, quoting) and the file's content hash, so a
save writes only what changed and never overwrites a file someone else changed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml as pyyaml
from pydantic import ValidationError
from ruamel.yaml.error import YAMLError

from . import _yaml
from ._filelock import folder_locked
from ._messages import case_errors
from .errors import CaseFileError, Issue, SaveError, StaleFileError, TargetExistsError
from .model import FORMAT, SUPPORTED_FORMATS, Case

__all__ = [
    "MAX_BYTES",
    "MAX_ISSUES",
    "CaseDocument",
    "FileReport",
    "atomic_write",
    "case_data",
    "case_files",
    "check_file",
    "decode",
    "json_schema",
    "json_schema_text",
    "load_case",
    "load_cases",
    "parse_case_text",
    "parse_case_text_reference",
    "read_bytes",
    "read_text",
    "save_case",
]

MAX_BYTES = 5 * 1024 * 1024
"""Largest case file read (5 MiB); a 16-week case is about 15 KiB."""


@dataclass
class FileReport:
    """The outcome of checking one file: the case when valid, its errors and warnings."""

    source: str
    case: Case | None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the file is a valid case (warnings do not count)."""
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """The report as ``validate --json`` prints it: file, ok, errors and warnings."""
        return {
            "file": self.source,
            "valid": self.ok,
            "case_id": self.case.id if self.case else None,
            "errors": [i.as_dict() for i in self.errors],
            "warnings": [i.as_dict() for i in self.warnings],
        }


# -- reading -----------------------------------------------------------------------------------


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, refusing what no case file can be: not a regular file, too large, unreadable.

    A device or a pipe reports no size, so the read itself is bounded (at most the limit plus one
    byte) and a FIFO is refused before it is opened (opening one blocks until a writer comes).
    """
    path = Path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise CaseFileError(
                path, [Issue((), "not a regular file (a folder, device or pipe); give a case file")]
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CaseFileError(path, [Issue((), f"cannot read the file: {exc.strerror or exc}")]) from exc
    if len(data) > MAX_BYTES:
        raise CaseFileError(
            path, [Issue((), f"the file is over {MAX_BYTES:,} bytes, the limit for a case file")]
        )
    return data


def read_text(path: str | Path) -> str:
    """The file's text: :func:`read_bytes`, then UTF-8 (anything else is refused with its place)."""
    return decode(read_bytes(path), path)


def decode(raw: bytes, source: str | Path) -> str:
    """UTF-8 text of a file's bytes, without a byte-order mark; a byte that is not UTF-8 is refused with its
    line and column."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CaseFileError(
            source,
            [
                Issue(
                    (),
                    f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8",
                    line,
                    column,
                )
            ],
        ) from exc
    return text.removeprefix("\ufeff")


def parse_case_text(text: str, source: str | Path = "<text>") -> tuple[Case, list[Issue]]:
    """Validate YAML text as a case; returns the case and its warnings, raises ``CaseFileError``.

    The quick reader goes first; whatever it cannot vouch for, and every error, goes to the
    reference reader (:func:`parse_case_text_reference`), so the answer is always the reference's.
    """
    quick = _yaml.parse_quick(text)
    if isinstance(quick, dict) and quick.get("format") in SUPPORTED_FORMATS:
        try:
            if not _yaml.shape_is_bounded(text):
                _yaml.check_shape(quick)
            case = Case.model_validate(quick)
        except (_yaml.ShapeError, ValidationError):
            pass  # the reference reader reports the error, with its place
        else:
            if not case.warnings():
                return case, []
            # warnings need places, which only the reference reader's nodes know
    return parse_case_text_reference(text, source)


def parse_case_text_reference(text: str, source: str | Path = "<text>") -> tuple[Case, list[Issue]]:
    """:func:`parse_case_text` through the reference reader alone: slower, with located errors."""
    empty = Issue((), "the file is empty; start from `ipt-nb new ID`", 1, 1)
    if not text.strip():
        raise CaseFileError(source, [empty])
    try:
        data = _yaml.parse_fast(text)
    except RecursionError as exc:
        raise CaseFileError(source, [Issue((), "the document nests too deeply to be a case file")]) from exc
    except pyyaml.YAMLError as exc:
        raise CaseFileError(source, [_syntax_issue(exc)]) from exc
    if data is None:  # only comments
        raise CaseFileError(source, [empty])
    try:
        _yaml.check_shape(data)
    except _yaml.ShapeError as exc:
        raise CaseFileError(source, [Issue((), str(exc))]) from exc
    _check_format(data, text, source)
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise CaseFileError(source, _located(exc, text)) from exc
    return case, _warnings(case, text)


def _syntax_issue(exc: pyyaml.YAMLError | YAMLError) -> Issue:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    text = f"YAML syntax: {problem}" + (f" ({context})" if context else "")
    if "duplicate key" in str(exc):
        text = f"YAML syntax: {problem}; each key may appear once in a mapping"
    if mark is None:
        return Issue((), text)
    return Issue((), text, mark.line + 1, mark.column + 1)


def _check_format(data: Any, text: str, source: str | Path) -> None:
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r:.40})"
        raise CaseFileError(
            source, [Issue((), f"the top level is {kind}; a case file is a mapping of keys", 1, 1)]
        )
    found = data.get("format")
    if found in SUPPORTED_FORMATS:
        return
    supported = ", ".join(SUPPORTED_FORMATS)
    if found is None:
        missing = f"the file has no format key; add `format: {FORMAT}` as the first line"
        issue = Issue(("format",), missing, 1, 1)
    else:
        line, column = _yaml.position(_yaml.compose(text), ("format",))
        issue = Issue(
            ("format",),
            f"{found!r} is not a format this version reads ({supported}); convert the file or update ipt-nb",
            line,
            column,
        )
    raise CaseFileError(source, [issue])


MAX_ISSUES = 100
"""Errors reported per file; past that a file is far from the format and more lines would not help."""


def _located(exc: ValidationError, text: str) -> list[Issue]:
    tree = _yaml.compose(text)
    errors = case_errors(exc)
    issues = []
    for loc, message, error in errors[: MAX_ISSUES * 5]:  # locating is the costly part
        on_key = error["type"] == "extra_forbidden" or "[key]" in error["loc"]
        line, column = _yaml.position(tree, loc, key=on_key)
        issues.append(Issue(loc, message, line, column))
    issues.sort(key=lambda i: (i.line or 0, i.column or 0))
    if len(errors) > MAX_ISSUES:
        hidden = len(errors) - MAX_ISSUES
        issues = [*issues[:MAX_ISSUES], Issue((), f"... and {hidden:,} more errors not shown")]
    return issues


def _warnings(case: Case, text: str) -> list[Issue]:
    findings = case.warnings()
    if not findings:
        return []
    tree = _yaml.compose(text)
    return [Issue(f.loc, f.message, *_yaml.position(tree, f.loc), severity="warning") for f in findings]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause cyclic garbage collection while cases are parsed.

    Parsing allocates thousands of short-lived containers that form no cycles; the collector
    would rescan them (and, with hundreds of cases kept in memory, everything else) several
    times per case, which cost a quarter of loading one case and half of loading many.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_case(path: str | Path) -> Case:
    """Load and validate one case file; raises ``CaseFileError`` naming file, line and field."""
    with _collector_paused():
        case, _ = parse_case_text(read_text(path), path)
    return case


def load_cases(paths: list[str | Path]) -> list[Case]:
    """Load many case files (folders expand to their ``*.yaml``); raises on the first invalid one."""
    with _collector_paused():
        return [load_case(path) for path in case_files(paths)]


def check_file(path: str | Path) -> FileReport:
    """Every error (or the case and its warnings) of one file, never raising for a bad file."""
    try:
        case, warnings = parse_case_text(read_text(path), path)
    except CaseFileError as exc:
        return FileReport(str(path), None, errors=exc.issues)
    return FileReport(str(path), case, warnings=warnings)


def case_files(paths: list[str | Path]) -> list[Path]:
    """Expand folders to the ``*.yaml`` / ``*.yml`` files in them, sorted; keep files as given."""
    found: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            found.extend(sorted(p for p in entry.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            found.append(entry)
    return found


# -- writing -----------------------------------------------------------------------------------


def case_data(case: Case) -> dict[str, Any]:
    """The case as plain JSON-safe data, as a person would have written it (defaults left out)."""
    return case.model_dump(mode="json", exclude_unset=True)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one, never a mix.

    Temp file in the same folder, fsync, then rename over the target.
    """
    path = Path(path)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp_name).chmod(mode)
        Path(tmp_name).replace(path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where the OS allows
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class CaseDocument:
    """A case file opened for editing.

    Keeps the person's YAML document and the hash of the bytes it was read
    from. :meth:`save` validates, merges the edited case into that document
    (comments, key order and quoting stay where the values did not change),
    and refuses to overwrite a file that changed on disk since it was opened.
    """

    def __init__(self, path: Path, raw: bytes, case: Case, warnings: list[Issue]) -> None:
        self.path = path
        self.case = case
        self.warnings = warnings
        self._raw = raw
        self._digest = _digest(raw)
        self._doc = _yaml.parse_roundtrip(decode(raw, path))

    @classmethod
    def open(cls, path: str | Path) -> CaseDocument:
        """Read the file once: the case, the hash and the document all come from the same bytes."""
        path = Path(path)
        raw = read_bytes(path)
        case, warnings = parse_case_text(decode(raw, path), path)
        return cls(path, raw, case, warnings)

    def changed_on_disk(self) -> bool:
        """True when the file no longer holds the bytes this document was opened from."""
        try:
            return _digest(self.path.read_bytes()) != self._digest
        except FileNotFoundError:
            return True

    def reload(self) -> Case:
        """Read the file again, dropping this document's view of it."""
        fresh = CaseDocument.open(self.path)
        self.__dict__.update(fresh.__dict__)
        return self.case

    def render(self, case: Case) -> bytes:
        """The bytes :meth:`save` writes for an already validated ``case``."""
        data = case_data(case)
        if data == case_data(self.case):
            return self._raw
        _yaml.merge(self._doc, data)
        return _yaml.dump(self._doc).encode("utf-8")

    def resolve(self, path: str | Path | None) -> Path:
        """Where a save to ``path`` writes: a relative path is taken from the case file's folder."""
        if path is None or str(path).strip() == "":
            return self.path
        target = Path(str(path).strip()).expanduser()
        target = target if target.is_absolute() else self.path.parent / target
        same = target.exists() and self.path.exists() and target.resolve() == self.path.resolve()
        return self.path if same else target  # "../cases/joy.yaml" may name this very file

    def save(self, case: Case, *, path: str | Path | None = None, force: bool = False) -> Path:
        """Validate ``case``, write it atomically and prove it reads back the same; returns the path.

        ``path`` saves to another file (relative to this file's folder; it must not exist unless
        ``force``). Raises ``StaleFileError`` when the file changed since it was opened,
        ``CaseFileError`` for invalid or unstorable content (beside each field), ``SaveError``
        when the disk refuses (nothing is replaced then).
        """
        target = self.resolve(path)
        validated = _validated(case, target)
        data = self.render(validated)
        _prove_reads_back(data, validated, target)
        if not target.parent.is_dir():
            raise SaveError(target, f"the folder {target.parent} does not exist")
        with folder_locked(target):
            if target == self.path and not force and self.changed_on_disk():
                raise StaleFileError(self.path)
            if target != self.path and target.exists() and not force:
                raise TargetExistsError(target)
            try:
                atomic_write(target, data)
            except OSError as exc:
                raise SaveError(target, exc.strerror or str(exc)) from exc
        self.path, self.case, self._raw, self._digest = target, validated, data, _digest(data)
        return target


def _validated(case: Case, target: Path) -> Case:
    try:
        return Case.model_validate(case_data(case))
    except ValidationError as exc:
        raise CaseFileError(target, [Issue(loc, message) for loc, message, _ in case_errors(exc)]) from exc


def _differences(written: Any, wanted: Any, loc: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(written, dict) and isinstance(wanted, dict):
        keys = list(dict.fromkeys([*wanted, *written]))
        return [d for k in keys for d in _differences(written.get(k), wanted.get(k), (*loc, k))]
    if isinstance(written, list) and isinstance(wanted, list) and len(written) == len(wanted):
        return [
            d
            for i, (a, b) in enumerate(zip(written, wanted, strict=True))
            for d in _differences(a, b, (*loc, i))
        ]
    return [] if written == wanted and type(written) is type(wanted) else [loc]


def _prove_reads_back(data: bytes, case: Case, target: Path) -> None:
    """Read ``data`` as the loaders will and refuse to write it unless it gives back ``case``."""
    try:
        back, _ = parse_case_text(data.decode("utf-8"), target)
    except CaseFileError as exc:
        issues = [Issue(i.loc, f"would not read back ({i.message}); nothing was written") for i in exc.issues]
        raise CaseFileError(target, issues) from exc
    wrong = _differences(case_data(back), case_data(case))
    if wrong:
        raise CaseFileError(
            target,
            [Issue(loc, "this text would not read back as typed; nothing was written") for loc in wrong],
        )


def save_case(case: Case, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``case`` to a new file (or over an existing case file, keeping its comments)."""
    path = Path(path)
    if path.exists():
        if not overwrite:
            raise TargetExistsError(path)
        return CaseDocument.open(path).save(case)
    validated = _validated(case, path)
    data = _yaml.dump(_yaml.styled_tree(case_data(validated))).encode("utf-8")
    _prove_reads_back(data, validated, path)
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise SaveError(path, exc.strerror or str(exc)) from exc
    return path


def json_schema() -> dict[str, Any]:
    """The JSON Schema of ``ipt-case/1`` for editors and other validators."""
    schema = Case.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://ipt-nb.invalid/schema/ipt-case-1.json"
    return schema


def json_schema_text() -> str:
    """The JSON Schema of the format as indented text (``ipt-nb schema``)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
