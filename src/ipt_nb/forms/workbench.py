"""All five forms in tabs for one case file, with an unsaved marker and a safe Save.

Save validates the whole case; on errors nothing is written, each message
appears beside its field and in a summary, and all input stays. If the file
changed on disk since it was opened, the workbench says so and offers reload,
overwrite or save-as; it never overwrites silently.
"""

from __future__ import annotations

import html
import shutil
import tempfile
from pathlib import Path

import ipywidgets as widgets

from ..errors import format_location
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
        self.inventory = InventoryEditor(self.state)
        self.problem_area = ProblemAreaPicker(self.state)
        self.formulation = FormulationBuilder(self.state)
        self.session_log = SessionLog(self.state, week=week)
        self.case = CaseDetailsForm(self.state)
        self.tabs = tabs
        self.state.dirty = False  # building the forms is not an edit
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

    @property
    def forms(self) -> list[object]:
        """The forms, in tab order."""
        return [self.inventory, self.problem_area, self.formulation, self.session_log, self.case]

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
        for form in self.forms:
            unplaced &= set(form.fields.show_errors(result.errors))  # type: ignore[attr-defined]
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
        for form in self.forms:
            form.rebuild()  # type: ignore[attr-defined]
        self.state.dirty = False
        self.stale_box.layout.display = "none"
        self.summary.value = "Reloaded from disk."
        self._mark()

    def widget(self) -> widgets.Widget:
        """The tabs, the Save button, the stale-file choices and the summary."""
        shown = {name: getattr(self, name) for name in self.tabs}
        tabs = widgets.Tab(children=[form.widget() for form in shown.values()])
        for index, name in enumerate(shown):
            tabs.set_title(index, TITLES[name])
        return widgets.VBox(
            [self.marker, tabs, widgets.HBox([self.save_button]), self.stale_box, self.summary]
        )
