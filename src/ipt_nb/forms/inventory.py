"""The interpersonal inventory editor: one card per person, add / duplicate / remove / undo,
with a live closeness-circle preview."""

from __future__ import annotations

import ipywidgets as widgets

from .. import charts
from .._after_paint import AfterPaint
from ..catalog import DISPUTE_STAGES
from ..display import figure_bundle
from ..model import Case
from ._fields import Column, Fields
from .state import FormState

__all__ = [
    "CLOSENESS",
    "CONTACTS",
    "EXPECTATION",
    "RELATIONSHIPS",
    "RINGS",
    "STAGES",
    "WISHED_CHANGE",
    "InventoryEditor",
]

RELATIONSHIPS = [
    "partner", "spouse", "ex_partner", "child", "parent", "sibling", "other_family", "friend", "coworker",
    "supervisor", "neighbour", "health_professional", "other",
]  # fmt: skip
CONTACTS = ["daily", "several_per_week", "weekly", "monthly", "less_than_monthly", "none"]
STAGES = ["none", *DISPUTE_STAGES]
RINGS = [("1 inner", 1), ("2 middle", 2), ("3 outer", 3), ("outside the circle", None)]
CLOSENESS = [("not rated", None), *((str(n), n) for n in range(11))]
EXPECTATION = (
    Column("text", "expectation", placeholder="what is expected, in a few words", noun="expectation"),
    Column("held_by", "held by", [("the patient", "patient"), ("the other person", "other")]),
    Column("met", "met?", [("-", None), ("met", "met"), ("partly", "partly"), ("unmet", "unmet")]),
)
WISHED_CHANGE = (
    Column("text", "wished change", placeholder="what would be different", noun="wished change"),
    Column(
        "locus", "who would change", [("-", None), ("self", "self"), ("other", "other"), ("both", "both")]
    ),
)


def _options(values: list[str]) -> list[tuple[str, str]]:
    return [(v.replace("_", " "), v) for v in values]


class InventoryEditor:
    """The inventory form: one card per person, add, duplicate, remove and undo, with the closeness circle
    drawn from the working copy."""

    def __init__(self, state: FormState) -> None:
        self.state = state
        self.fields = Fields(state)
        self.cards = widgets.VBox()
        self.preview = widgets.Output()
        self.paused = widgets.HTML()
        self.add = widgets.Button(description="Add person", icon="plus")
        self.undo = widgets.Button(description="Undo", icon="undo", disabled=True)
        self.add.on_click(lambda _: self._structural(self.state.add_person))
        self.undo.on_click(lambda _: self._structural(self.state.undo))
        self.add.add_class("ipt-inventory-add")
        self.drawing = AfterPaint(self._refresh_preview, ready=".ipt-inventory-add")
        """The circle is first drawn once the page shows the form (or at the first edit)."""
        state.on_change(self._edited)
        self.rebuild()

    def _edited(self) -> None:
        self.drawing.due = True
        self._refresh_preview()

    def _structural(self, action: object) -> None:
        action()  # type: ignore[operator]
        self.rebuild()

    def rebuild(self) -> None:
        """Re-create the cards from the state (after add, duplicate, remove or undo)."""
        self.fields.rows.clear()
        self.cards.children = [self._card(i) for i in range(len(self.state.get(("people",), [])))]
        self.undo.disabled = not self.state.can_undo
        self._refresh_preview()

    def _card(self, index: int) -> widgets.VBox:
        f, at = self.fields, ("people", index)
        rows = [
            f.text((*at, "id"), "id"),
            f.text((*at, "label"), "label (pseudonym or role)"),
            f.choice((*at, "relationship"), "relationship", _options(RELATIONSHIPS)),
            f.choice((*at, "status"), "status", _options(["current", "past", "deceased", "estranged"])),
            f.choice((*at, "contact"), "contact", [("-", None), *_options(CONTACTS)]),
            f.choice((*at, "ring"), "ring at intake", RINGS),
            f.choice((*at, "closeness"), "closeness 0-10", CLOSENESS),
            f.flag((*at, "confidant"), "confidant"),
            f.many((*at, "support"), "support", ["emotional", "practical", "informational"]),
            f.choice((*at, "conflict"), "dispute stage", _options(STAGES)),
            f.lines((*at, "satisfying"), "satisfying (one per line)"),
            f.lines((*at, "unsatisfying"), "unsatisfying (one per line)"),
        ]
        lists = [
            f.entries((*at, "expectations"), "expectations", EXPECTATION, on_structure=self.rebuild),
            f.entries((*at, "wished_changes"), "wished changes", WISHED_CHANGE, on_structure=self.rebuild),
        ]
        rows.append(f.text((*at, "notes"), "notes", multiline=True))
        duplicate = widgets.Button(description="Duplicate", icon="copy")
        remove = widgets.Button(description="Remove", icon="trash", button_style="danger")
        duplicate.on_click(lambda _: self._structural(lambda: self.state.duplicate_person(index)))
        remove.on_click(lambda _: self._structural(lambda: self.state.remove_person(index)))
        title = widgets.HTML(f"<b>Person {index + 1}</b>")
        frame = widgets.Layout(border="1px solid #ccc", padding="0.5em", margin="0.3em 0")
        return widgets.VBox(
            [title, *(row.box for row in rows[:-1]), *lists, rows[-1].box, widgets.HBox([duplicate, remove])],
            layout=frame,
        )

    def preview_case(self) -> Case | None:
        """The case as typed so far, if it is valid enough to draw."""
        return self.state.validate()

    def _refresh_preview(self) -> None:
        case = self.preview_case()
        self.paused.value = self.state.paused_note() if case is None else ""
        if case is None or not self.drawing.due:
            return  # not drawn yet, or the last good drawing kept while a field is fixed (and said so)
        self.preview.outputs = (
            {
                "output_type": "display_data",
                "data": figure_bundle(charts.closeness_circle(case)),
                "metadata": {},
            },
        )

    def widget(self) -> widgets.Widget:
        """The form: the circle, the paused note, the controls and the cards."""
        controls = widgets.HBox([self.add, self.undo])
        return widgets.VBox([self.preview, self.paused, controls, self.cards, self.drawing.trigger])
