"""Field widgets bound to a path of the form state, each with its error shown beside it."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ipywidgets as widgets

from ..errors import Location
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
        self.entry = widgets.Layout(border_left="3px solid #ccc", padding="0 0 0 0.5em", margin="0.2em 0")
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


@dataclass(frozen=True)
class Column:
    """One part of a list entry: its key, its label and, for a choice, its options."""

    key: str
    label: str
    options: Sequence[tuple[str, Any]] | None = None
    """A dropdown's choices, the first a new entry's value; ``None`` for the other kinds."""
    placeholder: str = ""
    noun: str = "entry"
    """What the Add button adds (read from the first column)."""
    kind: Literal["text", "choice", "number", "flag", "ids"] | None = None
    """``None``: a choice when there are options, else text; ``ids``: a comma-separated list."""

    @property
    def widget_kind(self) -> str:
        return self.kind or ("choice" if self.options is not None else "text")


def _new_entry(columns: Sequence[Column]) -> dict[str, Any]:
    """A new entry: empty text (an error beside it until filled) and each choice's first option."""
    entry: dict[str, Any] = {}
    for column in columns:
        if column.widget_kind == "text" and column is columns[0]:
            entry[column.key] = ""
        elif column.options is not None and column.options[0][1] is not None:
            entry[column.key] = column.options[0][1]
        elif column.widget_kind == "number" and column is columns[0]:
            entry[column.key] = 0
    return entry


class FieldRow:
    """One editable value: its widget, its path in the case, and the error line beside it."""

    def __init__(self, path: Path_, widget: widgets.Widget, label: str, shared: Shared) -> None:
        self.path = path
        self.widget = widget
        self.shared = shared
        self._error: widgets.HTML | None = None
        self.holds_text = False
        """Whether the widget's text is the value itself (a text field), not parsed from it."""
        if widget.description != label:  # the field methods pass it at creation: one message less
            widget.description = label
        self.box = widgets.HBox([widget], layout=shared.row)

    @property
    def error(self) -> widgets.HTML:
        """The error line, put at the end of the row the first time it is asked for: most fields
        never have an error, and each widget is one more model for the page to load (a
        workbench has about 300 fields)."""
        if self._error is None:
            self._error = widgets.HTML(layout=self.shared.error, style=self.shared.style(widgets.HTML))
            self.box.children = (*self.box.children, self._error)
        return self._error

    def show(self, visible: bool) -> None:
        self.box.layout = self.shared.row if visible else self.shared.hidden

    def show_error(self, message: str | None) -> None:
        if message is None and self._error is None:
            return
        self.error.value = f'<span style="{ERROR_STYLE}">{html.escape(message)}</span>' if message else ""


class Fields:
    """The rows of one form; binds widgets to the state and shows errors by path."""

    def __init__(self, state: FormState) -> None:
        self.state = state
        self.rows: dict[Location, FieldRow] = {}
        self.shared = Shared()

    def _make(self, kind: type[widgets.Widget], layout: widgets.Layout | None = None, **traits: Any) -> Any:
        return kind(style=self.shared.style(kind), layout=layout or self.shared.plain, **traits)

    def _row(self, path: Path_, widget: widgets.Widget, label: str) -> FieldRow:
        return FieldRow(path, widget, label, self.shared)

    def _bind(self, row: FieldRow, to_value: Callable[[Any], Any]) -> FieldRow:
        self.rows[row.path] = row
        row.widget.observe(lambda change: self.state.set(row.path, to_value(change["new"])), names="value")
        return row

    def text(self, path: Path_, label: str, *, multiline: bool = False) -> FieldRow:
        value = self.state.get(path)
        kind = widgets.Textarea if multiline else widgets.Text
        widget = self._make(
            kind, self.shared.wide, description=label, value="" if value is None else str(value)
        )
        row = self._bind(
            self._row(path, widget, label), lambda v: v if v != "" or path[-1] == "label" else None
        )
        row.holds_text = True
        return row

    def lines(self, path: Path_, label: str) -> FieldRow:
        """A list of short texts, one per line."""
        value = self.state.get(path) or []
        widget = self._make(
            widgets.Textarea, self.shared.wide, description=label, value="\n".join(map(str, value))
        )
        return self._bind(
            self._row(path, widget, label), lambda v: [x.strip() for x in v.splitlines() if x.strip()]
        )

    def entries(
        self,
        path: Path_,
        label: str,
        columns: Sequence[Column],
        *,
        on_structure: Callable[[], None],
    ) -> widgets.VBox:
        """A list of small mappings (expectations, wished changes), a field per part of each entry.

        Each part is its own bound row, so an error shows beside the entry and part that hold it;
        errors about the list as a whole show beside its heading. Add and Remove are undo-able
        edits of the state; ``on_structure`` redraws the form after one.
        """
        heading = FieldRow(path, widgets.HTML(), label, self.shared)
        self.rows[path] = heading
        boxes: list[widgets.Widget] = [heading.box]
        for index, entry in enumerate(self.state.get(path) or []):
            parts: list[widgets.Widget] = []
            if isinstance(entry, str):  # a plain-text entry (a question shown only after reveal)
                parts.append(self.text((*path, index), f"{columns[0].label} (after reveal)").box)
            elif isinstance(entry, dict):
                parts.extend(self._part((*path, index, column.key), column).box for column in columns)
            else:
                continue
            remove = self._make(
                widgets.Button, description="Remove", icon="trash", tooltip=f"remove entry {index + 1}"
            )
            remove.on_click(self._remover(path, index, on_structure))
            boxes.append(widgets.VBox([*parts, remove], layout=self.shared.entry))
        add = self._make(widgets.Button, description=f"Add {columns[0].noun}", icon="plus")
        add.on_click(self._adder(path, columns, on_structure))
        boxes.append(add)
        return widgets.VBox(boxes)

    def _part(self, at: Path_, column: Column) -> FieldRow:
        kind = column.widget_kind
        if kind == "choice":
            return self.choice(at, column.label, column.options or [("-", None)])
        if kind == "number":
            return self.number(at, column.label)
        if kind == "flag":
            return self.flag(at, column.label)
        row = self.ids(at, column.label) if kind == "ids" else self.text(at, column.label)
        row.widget.placeholder = column.placeholder
        return row

    def _remover(self, path: Path_, index: int, redraw: Callable[[], None]) -> Callable[[object], None]:
        def remove(_: object) -> None:
            self.state.remove_entry(path, index)
            redraw()

        return remove

    def _adder(
        self, path: Path_, columns: Sequence[Column], redraw: Callable[[], None]
    ) -> Callable[[object], None]:
        def add(_: object) -> None:
            self.state.add_entry(path, _new_entry(columns))
            redraw()

        return add

    def choice(self, path: Path_, label: str, options: Sequence[tuple[str, Any]]) -> FieldRow:
        value = self.state.get(path)
        known = [v for _, v in options]
        widget = self._make(
            widgets.Dropdown,
            description=label,
            options=list(options),
            value=value if value in known else known[0],
        )
        return self._bind(self._row(path, widget, label), lambda v: v)

    def number(self, path: Path_, label: str, **traits: Any) -> FieldRow:
        """A whole number that may be left empty; what is typed is kept even when out of range.
        ``traits`` are the widget's own (a placeholder, a tooltip)."""
        value = self.state.get(path)
        text = "" if value is None else str(value)
        widget = self._make(widgets.Text, self.shared.narrow, description=label, value=text, **traits)
        return self._bind(self._row(path, widget, label), _int_or_text)

    def numbers(self, path: Path_, label: str) -> FieldRow:
        """Whole numbers separated by commas or spaces; a part that is not one is kept as typed."""
        value = self.state.get(path) or []
        widget = self._make(
            widgets.Text, self.shared.narrow, description=label, value=", ".join(map(str, value))
        )
        return self._bind(self._row(path, widget, label), _numbers)

    def ids(self, path: Path_, label: str) -> FieldRow:
        """Ids (of people) separated by commas or spaces."""
        value = self.state.get(path) or []
        widget = self._make(
            widgets.Text, self.shared.wide, description=label, value=", ".join(map(str, value))
        )
        return self._bind(self._row(path, widget, label), lambda v: _parts(v) or None)

    def flag(self, path: Path_, label: str) -> FieldRow:
        widget = self._make(
            widgets.Checkbox, description=label, value=bool(self.state.get(path)), indent=False
        )
        return self._bind(self._row(path, widget, label), bool)

    def many(self, path: Path_, label: str, options: Sequence[str]) -> FieldRow:
        value = [v for v in (self.state.get(path) or []) if v in options]
        widget = self._make(
            widgets.SelectMultiple,
            description=label,
            options=list(options),
            value=value,
            rows=min(len(options), 6),
        )
        return self._bind(self._row(path, widget, label), list)

    def show_errors(self, errors: dict[Location, str]) -> list[Location]:
        """Put each error beside the most specific field that holds it (an entry's own part, else
        the list field, with the entry named); returns the locations that have no field here."""
        beside: dict[Location, list[str]] = {loc: [] for loc in self.rows}
        unshown = []
        for error_loc, message in errors.items():
            holder = max(
                (loc for loc in self.rows if error_loc[: len(loc)] == loc),
                key=len,
                default=None,
            )
            if holder is None:
                unshown.append(error_loc)
            elif holder == error_loc:
                beside[holder].append(message)
            else:
                beside[holder].append(f"{_entry(error_loc[len(holder) :])}: {message}")
        for loc, row in self.rows.items():
            row.show_error("; ".join(beside[loc]) or None)
        return unshown


def _entry(rest: Location) -> str:
    """``(4, "held_by")`` -> ``line 5, held_by``: where in a list field an error is."""
    head, *tail = rest
    where = f"line {head + 1}" if isinstance(head, int) else head
    return where + (", " + ".".join(map(str, tail)) if tail else "")


def _parts(value: str) -> list[str]:
    return [part for part in value.replace(",", " ").split() if part]


def _numbers(value: str) -> list[Any] | None:
    return [_int_or_text(part) for part in _parts(value)] or None


def _int_or_text(value: str) -> Any:
    text = value.strip()
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        return text  # kept as typed; validation says what is wrong beside the field
