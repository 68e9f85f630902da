"""The working copy a form edits: plain data, undo, validation by field path, explicit save.

Widgets write into :class:`FormState`; nothing is written to disk until
:meth:`FormState.save`, which validates the whole case first. On errors the
data stays as typed and each message is keyed by its field path, so the form
can show it beside the field.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._messages import case_errors
from ..casefile import CaseDocument, case_data
from ..errors import CaseFileError, Location, SaveError, StaleFileError, TargetExistsError, format_location
from ..model import Case

__all__ = [
    "REMOVE",
    "REQUIRED_NULLABLE",
    "UNDO_DEPTH",
    "FormState",
    "Path_",
    "SaveResult",
]

Path_ = Location
"""A field's place in the case (the kit's :data:`~ipt_nb.errors.Location`)."""
UNDO_DEPTH = 50


@dataclass
class SaveResult:
    """What a save did: its status, the errors by field path, where it wrote, and why it did not."""

    status: str
    """``saved``; ``invalid`` (nothing written, ``errors`` by field); ``stale`` (the file changed on
    disk); ``exists`` (save-as onto a file that exists) or ``failed`` (the disk refused: ``message``)."""
    errors: dict[Location, str] = field(default_factory=dict)
    """Each problem's message by its location, e.g. ``("people", 0, "notes")``."""
    path: Path | None = None
    message: str = ""


class FormState:
    """The working copy all forms of one case edit: plain data, undo, validation by path and the only way to
    save."""

    def __init__(self, document: CaseDocument) -> None:
        self.document = document
        self.data: dict[str, Any] = case_data(document.case)
        self.errors: dict[Location, str] = {}
        self.dirty = False
        self._undo: list[dict[str, Any]] = []
        self._listeners: list[Callable[[], None]] = []

    @classmethod
    def open(cls, path: str | Path) -> FormState:
        """The working copy of the case file at ``path``."""
        return cls(CaseDocument.open(path))

    # -- observers -------------------------------------------------------------------------

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every change of the working copy (live previews)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        self.dirty = True
        for listener in self._listeners:
            listener()

    # -- reading and writing values ---------------------------------------------------------

    def get(self, path: Path_, default: Any = None) -> Any:
        """The value at ``path`` in the working copy, or ``default`` where there is none."""
        node: Any = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return default
        return node

    def set(self, path: Path_, value: Any) -> None:
        """Set a value, creating mappings and lists on the way; ``None`` removes an optional key.

        A mapping held by a key that the removal leaves empty goes too, and so on up (clearing the
        last phase span leaves no ``phases: {}``); list entries and mappings that were already
        empty are left as they are.
        """
        removing = value is None and path[-1] not in REQUIRED_NULLABLE
        if removing and len(path) > 1 and isinstance(path[-2], str):
            parent = self.get(path[:-1])
            if isinstance(parent, dict) and set(parent) == {path[-1]}:
                self.set(path[:-1], None)
                return
        node: Any = self.data
        for part, following in pairwise(path):
            empty: Any = [] if isinstance(following, int) else {}
            if isinstance(node, dict):
                if not isinstance(node.get(part), dict | list):
                    node[part] = empty
                node = node[part]
            else:
                _grow(node, part)
                if not isinstance(node[part], dict | list):
                    node[part] = empty
                node = node[part]
        last = path[-1]
        if value == REMOVE and isinstance(node, dict):
            node.pop(last, None)
        elif isinstance(node, list) and isinstance(last, int):
            _grow(node, last)
            node[last] = value
        elif value is None and last not in REQUIRED_NULLABLE:
            node.pop(last, None)
        else:
            node[last] = value
        self._changed()

    def remember(self) -> None:
        """Keep the current data for :meth:`undo` (called before structural edits)."""
        self._undo.append(copy.deepcopy(self.data))
        del self._undo[:-UNDO_DEPTH]

    def undo(self) -> bool:
        """Go back to the copy kept before the last structural edit; ``False`` when there is none."""
        if not self._undo:
            return False
        self.data = self._undo.pop()
        self._changed()
        return True

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` has something to take back."""
        return bool(self._undo)

    # -- structural edits --------------------------------------------------------------------

    def add_person(self) -> int:
        """Add a person (a fresh id, ring 3) at the end; undo-able. Returns the index."""
        self.remember()
        people = self.data.setdefault("people", [])
        taken = {p.get("id") for p in people}
        number = len(people) + 1
        while f"person-{number}" in taken:
            number += 1
        people.append({"id": f"person-{number}", "label": "", "relationship": "friend", "ring": 3})
        self._changed()
        return len(people) - 1

    def duplicate_person(self, index: int) -> int:
        """Insert a copy of person ``index`` after it, with an id of its own; undo-able."""
        self.remember()
        people = self.data["people"]
        twin = copy.deepcopy(people[index])
        twin["id"] = f"{twin.get('id', 'person')}-copy"
        people.insert(index + 1, twin)
        self._changed()
        return index + 1

    def remove_person(self, index: int) -> None:
        """Remove person ``index``; undo-able."""
        self.remember()
        del self.data["people"][index]
        self._changed()

    def add_entry(self, path: Path_, entry: dict[str, Any]) -> int:
        """Append ``entry`` to the list at ``path`` (made if missing); undo-able. Returns its index."""
        self.remember()
        items = self.get(path)
        if not isinstance(items, list):
            self.set(path, [])
            items = self.get(path)
        items.append(entry)
        self._changed()
        return len(items) - 1

    def remove_entry(self, path: Path_, index: int) -> None:
        """Remove entry ``index`` of the list at ``path``; undo-able. An emptied list is left out."""
        items = self.get(path)
        if not isinstance(items, list) or not 0 <= index < len(items):
            return
        self.remember()
        del items[index]
        if not items:
            self.set(path, None)
        self._changed()

    def session_index(self, week: int, *, create: bool = False) -> int | None:
        """Index of the session of ``week``; with ``create``, a new one is inserted in week order."""
        sessions = self.data.setdefault("sessions", [])
        for index, session in enumerate(sessions):
            if session.get("week") == week:
                return index
        if not create:
            return None
        position = sum(1 for s in sessions if isinstance(s.get("week"), int) and s["week"] < week)
        sessions.insert(position, {"week": week})
        return position

    # -- validation and saving --------------------------------------------------------------

    def validate(self) -> Case | None:
        """The case if the data is valid; else ``None`` with :attr:`errors` keyed by field path."""
        try:
            case = Case.model_validate(self._without_empty_sessions())
        except ValidationError as exc:
            self.errors = {}
            for loc, message, _ in case_errors(exc):
                self.errors.setdefault(loc, message)
            return None
        self.errors = {}
        return case

    def paused_note(self) -> str:
        """Why a live view shows the last valid state: the first field to fix (escaped HTML)."""
        if not self.errors:
            return ""
        loc, message = next(iter(self.errors.items()))
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        where = html.escape(format_location(loc))
        return f"<i>Preview paused: fix <code>{where}</code>: {html.escape(message)}{more}</i>"

    def _without_empty_sessions(self) -> dict[str, Any]:
        """A copy of the data without sessions that a form opened but nobody filled in."""
        data = copy.deepcopy(self.data)
        known = {s.week for s in self.document.case.sessions}
        sessions = data.get("sessions")
        if isinstance(sessions, list):
            data["sessions"] = [
                s
                for s in sessions
                if not (isinstance(s, dict) and set(s) == {"week"} and s["week"] not in known)
            ]
        return data

    def save(self, *, force: bool = False, path: str | Path | None = None) -> SaveResult:
        """Validate the whole working copy and save it, proven by reading it back; nothing is written on any
        error, and the result says why."""
        case = self.validate()
        if case is None:
            return SaveResult("invalid", dict(self.errors))
        target = self.document.resolve(path)
        try:
            written = self.document.save(case, force=force, path=path)
        except StaleFileError:
            return SaveResult("stale", path=self.document.path)
        except CaseFileError as exc:
            self.errors = {issue.loc: issue.message for issue in exc.issues}
            return SaveResult("invalid", dict(self.errors), path=target)
        except TargetExistsError as exc:
            return SaveResult("exists", path=target, message=str(exc))
        except (SaveError, OSError) as exc:
            return SaveResult("failed", path=target, message=str(exc))
        self.dirty = False
        return SaveResult("saved", path=written)

    def reload(self) -> None:
        """Drop the edits and read the file again."""
        self.document.reload()
        self.data = case_data(self.document.case)
        self.errors, self._undo = {}, []
        self._changed()
        self.dirty = False


def _grow(items: list[Any], index: Any) -> None:
    """Extend a list with ``None`` so that ``index`` exists (item-by-item entry fills lists in any order)."""
    if isinstance(index, int) and index >= len(items):
        items.extend([None] * (index + 1 - len(items)))


REMOVE = "__remove__"
"""A choice that removes its key (a rating's "not re-rated", as opposed to ``ring: null``)."""
REQUIRED_NULLABLE = frozenset({"ring"})
"""Keys that must stay present when their value is null (``ring: null`` means outside the circle)."""
