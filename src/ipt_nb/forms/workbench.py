"""All five forms in tabs for one case file, with an unsaved marker and a safe Save.

Save validates the whole case; on errors nothing is written, each message
appears beside its field and in a summary, and all input stays. If the file
changed on disk since it was opened, the workbench says so and offers reload,
overwrite or save-as; it never overwrites silently.

A form is made when its tab is first opened (or its fields are first asked
for): the five together are about a thousand widgets, and each is a message
the page waits for. A save that finds errors makes every form, so that each
message can go beside its field.
"""

from __future__ import annotations

import html
import shutil
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..errors import UsageError, format_location
from .case_details import CaseDetailsForm
from .formulation_form import FormulationBuilder
from .inventory import InventoryEditor
from .problem_area import ProblemAreaPicker
from .session_log import SessionLog
from .state import FormState, SaveResult

__all__ = [
    "TITLES",
    "Workbench",
    "editable_path",
]

TITLES = {"inventory": "Inventory", "problem_area": "Problem area", "formulation": "Formulation",
          "session_log": "Session log", "case": "Case details"}  # fmt: skip


def editable_path(case_path: str, sample: str | Path) -> Path:
    """The file a form notebook edits: ``case_path``, or a scratch copy of ``sample`` when it is empty,
    so that trying a form never changes a committed sample case."""
    if case_path:
        return Path(case_path)
    scratch = Path(tempfile.mkdtemp(prefix="ipt-nb-")) / Path(sample).name
    shutil.copyfile(sample, scratch)
    return scratch


class Workbench:
    """Every form of one case file in tabs, with one Save for all of them, an unsaved marker, and reload,
    overwrite and save-as when the file changed on disk."""

    def __init__(self, path: str | Path, *, week: int = 1, tabs: tuple[str, ...] = tuple(TITLES)) -> None:
        self.state = FormState.open(path)
        weeks = SessionLog.weeks(self.state)
        if week not in weeks:  # said now, not when the Session log tab is first opened
            raise UsageError(f"week {week} is not one the session log offers ({weeks[0]}-{weeks[-1]})")
        unknown = [name for name in tabs if name not in TITLES]
        if unknown:
            raise UsageError(f"no such tab {', '.join(unknown)}; the tabs are {', '.join(TITLES)}")
        self.week = week
        self.tabs = tabs
        self.marker = widgets.HTML()
        self.summary = widgets.HTML()
        self.save_button = widgets.Button(description="Save", icon="save", button_style="primary")
        self.reload_button = widgets.Button(description="Reload from disk", icon="refresh")
        self.overwrite_button = widgets.Button(
            description="Overwrite", icon="exclamation-triangle", button_style="danger"
        )
        self.save_as_path = widgets.Text(
            placeholder="other-file.yaml (beside the case file)", description="Save as"
        )
        self.save_as_target = widgets.HTML()
        self.save_as_path.observe(self._show_target, names="value")
        self.save_as_button = widgets.Button(description="Save as", icon="copy")
        self.stale_box = widgets.HBox(
            [
                self.reload_button,
                self.overwrite_button,
                self.save_as_path,
                self.save_as_button,
                self.save_as_target,
            ]
        )
        self.stale_box.layout.display = "none"
        self.save_button.on_click(lambda _: self.save())
        self.overwrite_button.on_click(lambda _: self.save(force=True))
        self.reload_button.on_click(lambda _: self.reload())
        self.save_as_button.on_click(lambda _: self.save(path=self.save_as_path.value))
        self.state.on_change(self._mark)
        self._mark()

    @cached_property
    def inventory(self) -> InventoryEditor:
        """The Inventory tab's form."""
        return InventoryEditor(self.state)

    @cached_property
    def problem_area(self) -> ProblemAreaPicker:
        """The Problem area tab's form."""
        return ProblemAreaPicker(self.state)

    @cached_property
    def formulation(self) -> FormulationBuilder:
        """The Formulation tab's form."""
        return FormulationBuilder(self.state)

    @cached_property
    def session_log(self) -> SessionLog:
        """The Session log tab's form, at the week asked for."""
        return SessionLog(self.state, week=self.week)

    @cached_property
    def case(self) -> CaseDetailsForm:
        """The Case details tab's form."""
        return CaseDetailsForm(self.state)

    @property
    def forms(self) -> list[Any]:
        """Every form, in tab order (made now if not yet)."""
        return [getattr(self, name) for name in TITLES]

    def _made_forms(self) -> list[Any]:
        return [getattr(self, name) for name in TITLES if name in self.__dict__]

    def _show_target(self, _: object = None) -> None:
        """The full path a save-as will write, shown before anything is written."""
        value = self.save_as_path.value.strip()
        target = self.state.document.resolve(value) if value else None
        self.save_as_target.value = f"writes <code>{html.escape(str(target))}</code>" if target else ""

    def _mark(self) -> None:
        name = html.escape(self.state.document.path.name)
        self.marker.value = f"<b>{name}</b>" + (
            " &#9679; unsaved changes" if self.state.dirty else " (saved)"
        )

    def save(self, *, force: bool = False, path: str | None = None) -> SaveResult:
        """Save the working copy (``force``: over a file changed on disk; ``path``: to another file) and
        show the outcome beside the fields and in the summary."""
        result = self.state.save(force=force, path=path or None)
        unplaced = set(result.errors)
        for form in self.forms if result.errors else self._made_forms():  # errors: beside their fields
            unplaced &= set(form.fields.show_errors(result.errors))
        self.stale_box.layout.display = "" if result.status == "stale" else "none"
        if result.status == "saved":
            self.summary.value = f"Saved to {html.escape(str(result.path))}."
        elif result.status == "stale":
            self.summary.value = (
                "<b>The file changed on disk since it was opened.</b> Nothing was written. "
                "Reload it (your edits here are dropped), overwrite it, or save to another file."
            )
        elif result.status in ("exists", "failed"):
            self.summary.value = f"<b>Not saved.</b> {html.escape(result.message)} Your edits are still here."
        else:
            items = "".join(
                f"<li><code>{html.escape(format_location(loc))}</code>: {html.escape(message)}</li>"
                for loc, message in result.errors.items()
            )
            note = f" ({len(unplaced)} not shown in a form)" if unplaced else ""
            self.summary.value = f"<b>Not saved: {len(result.errors)} problem(s){note}.</b><ul>{items}</ul>"
        self._mark()
        return result

    def reload(self) -> None:
        """Drop the edits, read the file again and show it in every form."""
        self.state.reload()
        for form in self._made_forms():  # the others read the state when they are made
            form.rebuild()
        self.state.dirty = False
        self.stale_box.layout.display = "none"
        self.summary.value = "Reloaded from disk."
        self._mark()

    def widget(self) -> widgets.Widget:
        """The tabs (the first one's form made now, each other one's when it is opened), the Save
        button, the stale-file choices and the summary."""
        pages = [widgets.VBox() for _ in self.tabs]

        def open_tab(index: int | None) -> None:
            if index is not None and not pages[index].children:
                pages[index].children = [getattr(self, self.tabs[index]).widget()]

        open_tab(0 if pages else None)
        tabs = widgets.Tab(children=pages, titles=[TITLES[name] for name in self.tabs])
        tabs.observe(lambda change: open_tab(change["new"]), names="selected_index")
        return widgets.VBox(
            [self.marker, tabs, widgets.HBox([self.save_button]), self.stale_box, self.summary]
        )
