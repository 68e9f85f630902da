"""One family of errors, each carrying the exit code the command line uses.

Messages name the file, the line and the field, and say what would be valid, so
that a clinician editing a case by hand can fix it without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CaseFileError",
    "IdentifiersFoundError",
    "IptNbError",
    "Issue",
    "ParameterError",
    "SaveError",
    "StaleFileError",
    "TargetExistsError",
    "UsageError",
]


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding about a case file: an error or a warning, with its place."""

    path: str
    """The field path, e.g. ``people[1].ring``; empty for the whole file."""
    message: str
    line: int | None = None
    """1-based line in the file, when known."""
    column: int | None = None
    """1-based column in the file, when known."""
    severity: str = "error"
    """``error`` (the file is refused) or ``warning`` (shown, not refused)."""

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
        return "\n".join(lines) if lines else f"{self.source}: invalid case file"


class StaleFileError(IptNbError, RuntimeError):
    """The file changed on disk since it was opened; saving would overwrite someone's work."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"{path}: the file changed on disk since it was opened; "
            "reload it, save to another file, or overwrite on purpose (force=True / --force)"
        )


class SaveError(IptNbError, RuntimeError):
    """A save could not be completed; nothing was replaced (the message says why and where)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: not saved: {reason}")


class TargetExistsError(SaveError):
    """Save-as onto a file that exists: choose another name, or overwrite on purpose."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "a file with this name exists; choose another name or overwrite on purpose")


class ParameterError(IptNbError, ValueError):
    """A notebook parameter is missing, unknown, of the wrong type, or names a bad file."""


class IdentifiersFoundError(IptNbError, ValueError):
    """A case about to be shared still holds identifiers (the message lists where)."""
