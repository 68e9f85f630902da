"""One family of errors, each carrying the exit code the command line uses.

Messages name the file, the line and the field, and say what would be valid, so
that a clinician editing a case by hand can fix it without reading code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BrowserNotFoundError",
    "CaseFileError",
    "IdentifiersFoundError",
    "IptNbError",
    "Issue",
    "Location",
    "ParameterError",
    "SaveError",
    "ServerError",
    "StaleFileError",
    "TargetExistsError",
    "UsageError",
    "format_location",
]

Location = tuple[str | int, ...]
"""Where a value sits in a case: ``("people", 1, "ring")``; ``()`` is the whole file.

Locations travel as tuples and become text only where a person reads them (the command line, a
report, a form), through :func:`format_location`.
"""

STALE_FILE = (
    "the file changed on disk since it was opened; "
    "reload it, save to another file, or overwrite on purpose (force=True / --force)"
)
TARGET_EXISTS = "a file with this name exists; choose another name or overwrite on purpose"
INVALID_CASE_FILE = "invalid case file"


def format_location(loc: Location) -> str:
    """``("people", 1, "ring")`` -> ``people[1].ring``; ``()`` -> ``""``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def _location_from_text(path: str) -> Location:
    """Read a written field path back into a location, for callers that still pass one as text."""
    return tuple(int(index) if index else key for index, key in _PART.findall(path))


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding about a case file: an error or a warning, with its place."""

    loc: Location
    """Where in the case, e.g. ``("people", 1, "ring")``; ``()`` for the whole file. (Text such as
    ``"people[1].ring"`` is accepted too and read into a location once.)"""
    message: str
    line: int | None = None
    """1-based line in the file, when known."""
    column: int | None = None
    """1-based column in the file, when known."""
    severity: str = "error"
    """``error`` (the file is refused) or ``warning`` (shown, not refused)."""

    def __post_init__(self) -> None:
        if isinstance(self.loc, str):
            object.__setattr__(self, "loc", _location_from_text(self.loc))

    @property
    def path(self) -> str:
        """The location as people write it, e.g. ``people[1].ring``; empty for the whole file."""
        return format_location(self.loc)

    def format(self, source: str | Path | None = None) -> str:
        """``file:line:col: field.path: message``, leaving out the parts that are unknown."""
        where = [str(source)] if source is not None else []
        if self.line is not None:
            where.append(str(self.line))
            if self.column is not None:
                where.append(str(self.column))
        prefix = ":".join(where)
        field = f"{self.path}: " if self.path else ""
        label = "warning: " if self.severity == "warning" else ""
        return f"{prefix + ': ' if prefix else ''}{label}{field}{self.message}"

    def as_dict(self) -> dict[str, object]:
        """The issue as the JSON output of ``validate --json`` holds it."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
        }


class IptNbError(Exception):
    """Base of every error the kit raises on purpose."""

    exit_code = 1


class UsageError(IptNbError, ValueError):
    """The command was called wrongly (exit code 2)."""

    exit_code = 2


class CaseFileError(IptNbError, ValueError):
    """A case file cannot be read as a valid ``ipt-case/1`` case.

    Carries every issue of the file at once, not only the first.
    """

    def __init__(self, source: str | Path | None, issues: list[Issue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__(self._summary())

    def _summary(self) -> str:
        lines = [issue.format(self.source) for issue in self.issues]
        return "\n".join(lines) if lines else f"{self.source}: {INVALID_CASE_FILE}"


class StaleFileError(IptNbError, RuntimeError):
    """The file changed on disk since it was opened; saving would overwrite someone's work."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path}: {STALE_FILE}")


class SaveError(IptNbError, RuntimeError):
    """A save could not be completed; nothing was replaced (the message says why and where)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: not saved: {reason}")


class TargetExistsError(SaveError):
    """Save-as onto a file that exists: choose another name, or overwrite on purpose."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, TARGET_EXISTS)


class ParameterError(IptNbError, ValueError):
    """A notebook parameter is missing, unknown, of the wrong type, or names a bad file."""


class IdentifiersFoundError(IptNbError, ValueError):
    """A case about to be shared still holds identifiers (the message lists where)."""


class BrowserNotFoundError(IptNbError, RuntimeError):
    """No Chromium-family browser to print with: install one, or set ``BROWSER_PATH``."""


class ServerError(IptNbError, RuntimeError):
    """A server the kit started (the app's or the class's Voila) stopped or never listened."""
