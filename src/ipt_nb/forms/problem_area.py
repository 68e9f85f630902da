"""Choosing the focal problem area, with the case's evidence beside the choice.

The evidence panel says which areas fit and why (``ipt_nb.selection``); the
clinician chooses a primary area (a stage for a dispute, the roles for a
transition), optionally a secondary one. Choices that break the rules are
explained beside the field, not blocked. Entries are found by their ``focus``,
not by their place in the list, which the format leaves free.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from ..catalog import PROBLEM_AREAS
from ..selection import evidence
from ._fields import Fields
from .state import REMOVE, FormState

__all__ = [
    "AREAS",
    "STAGES",
    "ProblemAreaPicker",
]

AREAS = [(a.label, a.id) for a in PROBLEM_AREAS.values()]
STAGES = [
    ("-", None),
    ("renegotiation", "renegotiation"),
    ("impasse", "impasse"),
    ("dissolution", "dissolution"),
]


def _index(areas: list[Any], secondary: bool) -> int | None:
    for index, entry in enumerate(areas):
        if isinstance(entry, dict) and (entry.get("focus") == "secondary") == secondary:
            return index
    return None


class ProblemAreaPicker:
    """The problem-area form: the evidence from the working copy beside the choice of primary and secondary
    area."""

    def __init__(self, state: FormState) -> None:
        self.state = state
        self.fields = Fields(state)
        self.evidence = widgets.HTML()
        self.paused = widgets.HTML()
        self.catalogue = widgets.HTML()
        self.box = widgets.VBox()
        self.rebuild()
        state.on_change(self.refresh)  # the evidence follows every edit of the working copy

    def rebuild(self) -> None:
        """(Re)bind the fields to the primary entry, wherever it is in the list."""
        self.fields.rows.clear()
        areas = self.state.get(("problem_areas",)) or []
        primary = _index(areas, secondary=False)
        at = ("problem_areas", primary if primary is not None else len(areas))
        self.area = self.fields.choice((*at, "area"), "primary area", [("choose...", None), *AREAS])
        self.stage = self.fields.choice((*at, "stage"), "stage of the dispute", STAGES)
        self.from_role = self.fields.text((*at, "from_role"), "from role")
        self.to_role = self.fields.text((*at, "to_role"), "to role")
        self.rationale = self.fields.text((*at, "rationale"), "rationale", multiline=True)
        secondary_at = _index(areas, secondary=True)
        current = areas[secondary_at].get("area") if secondary_at is not None else None
        self.secondary = widgets.Dropdown(
            options=[("none", REMOVE), *AREAS], value=current or REMOVE, description="secondary area"
        )
        self.secondary.style = self.fields.shared.style(widgets.Dropdown)
        self.secondary.observe(lambda change: self._set_secondary(change["new"]), names="value")
        self.area.widget.observe(lambda _: self.refresh(), names="value")
        rows = [self.area, self.stage, self.from_role, self.to_role, self.rationale]
        self.box.children = [
            self.evidence, self.paused, *(r.box for r in rows), self.secondary, self.catalogue
        ]  # fmt: skip
        self.refresh()

    def _set_secondary(self, area: str) -> None:
        """Replace, add or remove the secondary entry only; the primary and its text stay as they are."""
        areas = list(self.state.get(("problem_areas",)) or [])
        index = _index(areas, secondary=True)
        if area == REMOVE:
            if index is not None:
                del areas[index]
        elif index is not None:
            areas[index] = {**areas[index], "area": area}
        else:
            areas.append({"area": area, "focus": "secondary"})
        self.state.set(("problem_areas",), areas)
        self.rebuild()

    def refresh(self) -> None:
        """Evidence from the case as typed so far (kept, and said to be paused, while it is invalid)."""
        case = self.state.validate()
        self.paused.value = self.state.paused_note() if case is None else ""
        if case is not None:
            rows = "".join(
                f"<tr><td><b>{html.escape(e.label)}</b></td><td>{'fits' if e.fits else 'does not fit'}</td>"
                f"<td>{'<br>'.join(html.escape(r) for r in e.reasons)}</td></tr>"
                for e in evidence(case)
            )
            self.evidence.value = f"<h4>Evidence from the case</h4><table>{rows}</table>"
        chosen = PROBLEM_AREAS.get(self.area.widget.value)
        self.catalogue.value = ""
        if chosen is not None:
            goals = "".join(f"<li>{html.escape(g)}</li>" for g in chosen.goals)
            strategies = "".join(f"<li>{html.escape(s)}</li>" for s in chosen.strategies)
            self.catalogue.value = (
                f"<h4>{html.escape(chosen.label)}</h4><p>Fits when {html.escape(chosen.choose_when)}.</p>"
                f"<b>Goals</b><ul>{goals}</ul><b>Strategies</b><ul>{strategies}</ul>"
            )
        self.stage.show(self.area.widget.value == "role_dispute")
        for row in (self.from_role, self.to_role):
            row.show(self.area.widget.value == "role_transition")

    def widget(self) -> widgets.Widget:
        """The form: evidence, choices and the catalogue's goals and strategies."""
        return self.box
