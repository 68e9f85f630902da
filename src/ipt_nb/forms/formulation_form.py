"""The formulation builder: a draft from the case, the clinician's edits, the six elements checked
as they type, and the patient's agreement."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..formulation import ELEMENTS, covered_elements, draft
from ..model import Case
from ._fields import Fields
from .state import FormState

__all__ = [
    "AGREEMENT",
    "FormulationBuilder",
    "checklist_html",
]

AGREEMENT = [("-", None), ("pending", "pending"), ("agreed", "agreed"),
             ("agreed with changes", "agreed_with_changes"), ("not agreed", "not_agreed")]  # fmt: skip


def checklist_html(text: str, case: Case | None = None) -> str:
    """The six elements, ticked as the text covers them (the time limit checked against the plan)."""
    covered = covered_elements(text, case)
    items = "".join(
        f"<li>{'&#10003;' if covered[e.id] else '&#10007;'} {e.id} {html.escape(e.name)}"
        f"{'' if covered[e.id] else ' <i>(add ' + html.escape(e.looks_for) + ')</i>'}</li>"
        for e in ELEMENTS
    )
    return f"<b>{sum(covered.values())} of {len(ELEMENTS)} elements</b><ul>{items}</ul>"


class FormulationBuilder:
    """The formulation form: a draft from the case, the text, its week and the patient's agreement, with the
    six-element checklist."""

    def __init__(self, state: FormState) -> None:
        self.state = state
        self.fields = Fields(state)
        self.text = self.fields.text(("formulation", "text"), "formulation", multiline=True)
        self.text.widget.layout = widgets.Layout(width="46em", height="14em")
        self.week = self.fields.number(("formulation", "week"), "given in week")
        self.agreed = self.fields.choice(("formulation", "agreed"), "patient agreement", AGREEMENT)
        self.draft = widgets.Button(description="Draft from the case", icon="magic")
        self.checklist = widgets.HTML(checklist_html(self.text.widget.value, state.document.case))
        self.draft.on_click(lambda _: self.use_draft())
        self.text.widget.observe(self._recheck, "value")

    def _recheck(self, change: dict[str, object]) -> None:
        self.checklist.value = checklist_html(str(change["new"]), self.state.document.case)

    def rebuild(self) -> None:
        """Show the state's values again (after a reload from disk)."""
        formulation = self.state.get(("formulation",)) or {}
        self.text.widget.value = formulation.get("text") or ""
        week = formulation.get("week")
        self.week.widget.value = "" if week is None else str(week)
        self.agreed.widget.value = formulation.get("agreed")

    def use_draft(self) -> None:
        """Replace the text with a draft from the case as saved (the clinician then edits it)."""
        self.text.widget.value = draft(self.state.document.case)

    def widget(self) -> widgets.Widget:
        """The form, with the checklist below the text."""
        left = widgets.VBox([self.draft, self.text.box, self.week.box, self.agreed.box])
        return widgets.VBox([left, self.checklist])
