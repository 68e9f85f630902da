"""Choosing the focal problem area, with the case's evidence beside the choice.

The evidence panel says which areas fit and why (``ipt_nb.selection``); the
clinician chooses a primary area (a stage for a dispute, the roles for a
transition), optionally a secondary one. Choices that break the rules are
explained beside the field, not blocked.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..catalog import PROBLEM_AREAS
from ..selection import evidence
from ._fields import Fields
from .state import REMOVE, FormState

AREAS = [(a.label, a.id) for a in PROBLEM_AREAS.values()]
STAGES = [
    ("-", None),
    ("renegotiation", "renegotiation"),
    ("impasse", "impasse"),
    ("dissolution", "dissolution"),
]


class ProblemAreaPicker:
    def __init__(self, state: FormState) -> None:
        self.state = state
        self.fields = Fields(state)
        self.evidence = widgets.HTML()
        self.catalogue = widgets.HTML()
        at = ("problem_areas", 0)
        self.area = self.fields.choice((*at, "area"), "primary area", [("choose...", None), *AREAS])
        self.stage = self.fields.choice((*at, "stage"), "stage of the dispute", STAGES)
        self.from_role = self.fields.text((*at, "from_role"), "from role")
        self.to_role = self.fields.text((*at, "to_role"), "to role")
        self.rationale = self.fields.text((*at, "rationale"), "rationale", multiline=True)
        secondary = [("none", REMOVE), *AREAS]
        current = state.get(("problem_areas", 1, "area"))
        self.secondary = widgets.Dropdown(
            options=secondary, value=current or REMOVE, description="secondary area"
        )
        self.secondary.style = {"description_width": "11em"}
        self.secondary.observe(lambda change: self._set_secondary(change["new"]), names="value")
        self.area.widget.observe(lambda _: self.refresh(), names="value")
        self.refresh()

    def _set_secondary(self, area: str) -> None:
        areas = self.state.data.setdefault("problem_areas", [])
        del areas[1:]
        if area != REMOVE:
            areas.append({"area": area, "focus": "secondary"})
        self.state.set(("problem_areas",), areas)
        self.refresh()

    def refresh(self) -> None:
        case = self.state.document.case
        rows = "".join(
            f"<tr><td><b>{html.escape(e.label)}</b></td><td>{'fits' if e.fits else 'does not fit'}</td>"
            f"<td>{'<br>'.join(html.escape(r) for r in e.reasons)}</td></tr>"
            for e in evidence(case)
        )
        self.evidence.value = f"<h4>Evidence from the case</h4><table>{rows}</table>"
        chosen = PROBLEM_AREAS.get(self.area.widget.value)
        if chosen is not None:
            goals = "".join(f"<li>{html.escape(g)}</li>" for g in chosen.goals)
            strategies = "".join(f"<li>{html.escape(s)}</li>" for s in chosen.strategies)
            self.catalogue.value = (
                f"<h4>{html.escape(chosen.label)}</h4><p>Fits when {html.escape(chosen.choose_when)}.</p>"
                f"<b>Goals</b><ul>{goals}</ul><b>Strategies</b><ul>{strategies}</ul>"
            )
        self.stage.box.layout.display = "" if self.area.widget.value == "role_dispute" else "none"
        for row in (self.from_role, self.to_role):
            row.box.layout.display = "" if self.area.widget.value == "role_transition" else "none"

    def widget(self) -> widgets.Widget:
        rows = [self.area, self.stage, self.from_role, self.to_role, self.rationale]
        choice = widgets.VBox([*(r.box for r in rows), self.secondary, self.catalogue])
        return widgets.VBox([self.evidence, choice])
