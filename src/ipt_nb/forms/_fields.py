"""Field widgets bound to a path of the form state, each with its error shown beside it."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets

from .._messages import format_path
from .state import FormState, Path_

ERROR_STYLE = "color: #B3261E; font-size: 0.9em;"


class Shared:
    """Layouts and styles that every field of a form shares.

    Each widget otherwise brings a Layout and a Style model of its own: a
    six-person workbench would open over 1,300 widget models, a burst that
    slows every page load and can outlast a headless client's output timeout.
    """

    def __init__(self) -> None:
        self.row = widgets.Layout()
        self.plain = widgets.Layout()
        self.hidden = widgets.Layout(display="none")
        self.error = widgets.Layout(margin="0 0 0 1em")
        self.wide = widgets.Layout(width="38em")
        self.narrow = widgets.Layout(width="17em")
        self._styles: dict[type, widgets.Widget] = {}

    def style(self, kind: type[widgets.Widget]) -> widgets.Widget:
        """One style per widget class, with the labels' common width."""
        klass = kind.class_traits()["style"].klass
        if klass not in self._styles:
            style = klass()
            if "description_width" in style.trait_names():
                style.description_width = "11em"
            self._styles[klass] = style
        return self._styles[klass]


class FieldRow:
    """One editable value: its widget, its path in the case, and the error line beside it."""

    def __init__(self, path: Path_, widget: widgets.Widget, label: str, shared: Shared) -> None:
        self.path = path
        self.widget = widget
        self.shared = shared
        self.error = widgets.HTML(layout=shared.error, style=shared.style(widgets.HTML))
        widget.description = label
        self.box = widgets.HBox([widget, self.error], layout=shared.row)

    def show(self, visible: bool) -> None:
        self.box.layout = self.shared.row if visible else self.shared.hidden

    def show_error(self, message: str | None) -> None:
        self.error.value = f'<span style="{ERROR_STYLE}">{html.escape(message)}</span>' if message else ""


class Fields:
    """The rows of one form; binds widgets to the state and shows errors by path."""

    def __init__(self, state: FormState) -> None:
        self.state = state
        self.rows: dict[str, FieldRow] = {}
        self.shared = Shared()

    def _make(self, kind: type[widgets.Widget], layout: widgets.Layout | None = None, **traits: Any) -> Any:
        return kind(style=self.shared.style(kind), layout=layout or self.shared.plain, **traits)

    def _row(self, path: Path_, widget: widgets.Widget, label: str) -> FieldRow:
        return FieldRow(path, widget, label, self.shared)

    def _bind(self, row: FieldRow, to_value: Callable[[Any], Any]) -> FieldRow:
        self.rows[format_path(row.path)] = row
        row.widget.observe(lambda change: self.state.set(row.path, to_value(change["new"])), names="value")
        return row

    def text(self, path: Path_, label: str, *, multiline: bool = False) -> FieldRow:
        value = self.state.get(path)
        kind = widgets.Textarea if multiline else widgets.Text
        widget = self._make(kind, self.shared.wide, value="" if value is None else str(value))
        return self._bind(
            self._row(path, widget, label), lambda v: v if v != "" or path[-1] == "label" else None
        )

    def lines(self, path: Path_, label: str) -> FieldRow:
        """A list of short texts, one per line."""
        value = self.state.get(path) or []
        widget = self._make(widgets.Textarea, self.shared.wide, value="\n".join(map(str, value)))
        return self._bind(
            self._row(path, widget, label), lambda v: [x.strip() for x in v.splitlines() if x.strip()]
        )

    def records(self, path: Path_, label: str, keys: tuple[str, ...]) -> FieldRow:
        """A list of small mappings, one per line, parts separated by ``|`` (``text | patient | unmet``).

        Empty parts are left out; what cannot be a valid choice is kept as typed and the
        error appears beside the field.
        """
        value = self.state.get(path) or []
        lines = [
            " | ".join(str(entry.get(k) or "") for k in keys).rstrip(" |")
            for entry in value
            if isinstance(entry, dict)
        ]
        widget = self._make(
            widgets.Textarea, self.shared.wide, value="\n".join(lines), placeholder=" | ".join(keys)
        )
        return self._bind(self._row(path, widget, label), lambda v: _records(v, keys))

    def choice(self, path: Path_, label: str, options: Sequence[tuple[str, Any]]) -> FieldRow:
        value = self.state.get(path)
        known = [v for _, v in options]
        widget = self._make(
            widgets.Dropdown, options=list(options), value=value if value in known else known[0]
        )
        return self._bind(self._row(path, widget, label), lambda v: v)

    def number(self, path: Path_, label: str) -> FieldRow:
        """A whole number that may be left empty; what is typed is kept even when out of range."""
        value = self.state.get(path)
        widget = self._make(widgets.Text, self.shared.narrow, value="" if value is None else str(value))
        return self._bind(self._row(path, widget, label), _int_or_text)

    def flag(self, path: Path_, label: str) -> FieldRow:
        widget = self._make(widgets.Checkbox, value=bool(self.state.get(path)), indent=False)
        return self._bind(self._row(path, widget, label), bool)

    def many(self, path: Path_, label: str, options: Sequence[str]) -> FieldRow:
        value = [v for v in (self.state.get(path) or []) if v in options]
        widget = self._make(
            widgets.SelectMultiple, options=list(options), value=value, rows=min(len(options), 6)
        )
        return self._bind(self._row(path, widget, label), list)

    def show_errors(self, errors: dict[str, str]) -> list[str]:
        """Put each error beside its field (errors inside a list field beside that field, with the
        entry named); returns the paths that have no field here."""
        shown: set[str] = set()
        for path, row in self.rows.items():
            messages = []
            for error_path, message in errors.items():
                if error_path == path:
                    messages.append(message)
                elif error_path.startswith((path + "[", path + ".")):
                    messages.append(f"{_entry(error_path[len(path) :])}: {message}")
                else:
                    continue
                shown.add(error_path)
            row.show_error("; ".join(messages) or None)
        return [path for path in errors if path not in shown]


def _entry(rest: str) -> str:
    """``[4].held_by`` -> ``line 5, held_by``: where in a list field an error is."""
    if rest.startswith("["):
        index, _, tail = rest[1:].partition("]")
        where = f"line {int(index) + 1}" if index.isdigit() else index
        return where + (f", {tail.lstrip('.')}" if tail else "")
    return rest.lstrip(".")


def _records(text: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    entries = []
    for line in text.splitlines():
        parts = [part.strip() for part in line.split("|")]
        if parts and parts[0]:
            entries.append({k: v for k, v in zip(keys, parts, strict=False) if v})
    return entries


def _int_or_text(value: str) -> Any:
    text = value.strip()
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        return text  # kept as typed; validation says what is wrong beside the field
