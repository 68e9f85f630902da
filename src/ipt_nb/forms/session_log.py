"""The weekly session log: scores item by item with a live total, band and risk flag; techniques;
the adherence items of that week's phase; events, note and closeness re-ratings."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..catalog import PHASE_LABELS, PHASES, TECHNIQUES, adherence_items_for
from ..instruments import INSTRUMENTS, MeasureId
from ._fields import Fields
from .inventory import CLOSENESS, RINGS
from .state import REMOVE, FormState

__all__ = [
    "ADHERENCE",
    "ITEM_MEASURES",
    "RATING_RINGS",
    "RISK_LEVELS",
    "RISK_STYLE",
    "TOTAL_MEASURES",
    "SessionLog",
    "item_note",
    "score_summary",
]

ITEM_MEASURES: tuple[MeasureId, ...] = ("phq9", "gad7", "epds")
TOTAL_MEASURES: tuple[MeasureId, ...] = ("hamd17", "bdi2")
RATING_RINGS = [("not re-rated", REMOVE), *RINGS]
ADHERENCE = [("-", None), ("0 not done", 0), ("1 partly", 1), ("2 done", 2), ("n/a", "na")]
RISK_LEVELS = [("-", None), ("none", "none"), ("low", "low"), ("moderate", "moderate"), ("high", "high")]
RISK_STYLE = "color: #B3261E; font-weight: bold; border-left: 4px solid #D55E00; padding-left: 0.4em;"


def _item_problem(instrument: object, number: int, value: object) -> str:
    top = instrument.max_of_item(number)  # type: ignore[attr-defined]
    if not isinstance(value, int) or isinstance(value, bool):
        return f"item {number}: {str(value)!r} is not a whole number (0-{top})"
    return f"item {number}: {value} is outside 0-{top}" if not 0 <= value <= top else ""


def score_summary(measure: MeasureId, items: list[object]) -> str:
    """Live HTML for item entry: total, band and the risk alert, or what is missing or wrong."""
    instrument = INSTRUMENTS[measure]
    problems = [
        problem
        for n, value in enumerate(items, start=1)
        if value is not None and (problem := _item_problem(instrument, n, value))
    ]
    if problems:
        return f"{instrument.short}: " + html.escape("; ".join(problems), quote=False)
    numbers = [i for i in items if isinstance(i, int)]
    risk = instrument.risk_item
    alert = ""
    risk_value = items[risk - 1] if risk is not None and len(items) >= risk else None
    if isinstance(risk_value, int) and risk_value > 0:
        alert = f' <span style="{RISK_STYLE}">RISK: item {risk} is {risk_value}, review risk now</span>'
    if len(numbers) < instrument.items:
        return f"{instrument.short}: {len(numbers)} of {instrument.items} items entered{alert}"
    total = sum(numbers)
    return f"{instrument.short} total {total}: {instrument.band(total).title}{alert}"


def item_note(measure: MeasureId) -> str:
    """What the person entering items must know: reverse-scored items are entered as scored."""
    reverse = INSTRUMENTS[measure].reverse_scored_items
    if not reverse:
        return ""
    numbers = ", ".join(str(n) for n in reverse)
    return (
        f"Items {numbers} are reverse-scored on the printed form: enter each item's score (0-3), "
        "not the position of the ticked answer."
    )


class SessionLog:
    """The session log form: one week at a time, items with their wording and live totals, risk review,
    techniques, adherence, events and re-ratings."""

    def __init__(self, state: FormState, week: int = 1) -> None:
        self.state = state
        self.fields = Fields(state)
        self.week = widgets.Dropdown(options=self.weeks(state), value=week, description="Week")
        self.phase = widgets.HTML()
        self.body = widgets.VBox()
        self.totals: dict[str, widgets.HTML] = {}
        self.week.observe(lambda _: self.rebuild(), names="value")
        self.rebuild()

    @staticmethod
    def weeks(state: FormState) -> list[int]:
        """The weeks the form offers: 0 to 24, or to the last session's week if later."""
        held = [s.get("week") for s in state.get(("sessions",), []) if isinstance(s, dict)]
        return list(range(0, max([24, *(w for w in held if isinstance(w, int))]) + 1))

    def rebuild(self) -> None:
        """Show the chosen week's fields again (after a change of week, undo or reload)."""
        week = self.week.value
        index = self.state.session_index(week, create=True)
        assert index is not None  # created if missing
        at: tuple[str | int, ...] = ("sessions", index)
        phase = self._phase(week)
        self.phase.value = f"<b>{html.escape(PHASE_LABELS.get(phase, phase))}</b>"
        self.fields.rows.clear()
        parts: list[widgets.Widget] = []
        for measure in ITEM_MEASURES:
            parts.append(self._items(at, measure))
        for measure in TOTAL_MEASURES:
            parts.append(
                self.fields.number((*at, "measures", measure), f"{INSTRUMENTS[measure].short} total").box
            )
        parts += [
            widgets.HTML("<b>Risk review this week</b>"),
            self.fields.flag((*at, "risk", "assessed"), "risk assessed").box,
            self.fields.choice((*at, "risk", "level"), "risk level", RISK_LEVELS).box,
            self.fields.text((*at, "risk", "safety_plan"), "safety plan", multiline=True).box,
        ]
        parts.append(self.fields.many((*at, "techniques"), "techniques", list(TECHNIQUES)).box)
        for item in adherence_items_for(phase) if phase in PHASES else []:
            row = self.fields.choice((*at, "adherence", item.id), item.id, ADHERENCE)
            row.widget.tooltip = item.task
            parts.append(row.box)
        parts.append(self.fields.lines((*at, "events"), "events since last week").box)
        parts.append(self.fields.text((*at, "note"), "note", multiline=True).box)
        for person in self.state.get(("people",), []):
            pid = person.get("id")
            if isinstance(pid, str) and pid:
                name = person.get("label") or pid
                parts.append(
                    self.fields.choice((*at, "ratings", pid, "ring"), f"{name}: ring", RATING_RINGS).box
                )
                parts.append(
                    self.fields.choice((*at, "ratings", pid, "closeness"), "closeness", CLOSENESS).box
                )
        self.body.children = parts

    def _phase(self, week: int) -> str:
        return self.state.document.case.phase_of(week)

    def _items(self, at: tuple[str | int, ...], measure: MeasureId) -> widgets.Widget:
        instrument = INSTRUMENTS[measure]
        stored = self.state.get((*at, "measures", measure))
        items = list(stored.get("items") or []) if isinstance(stored, dict) else []
        items += [None] * (instrument.items - len(items))
        total = widgets.HTML(score_summary(measure, items))
        self.totals[measure] = total
        rows = []
        for n in range(instrument.items):
            wording = instrument.item_texts[n] if instrument.item_texts else None  # where free to reproduce
            row = self.fields.number(
                (*at, "measures", measure, "items", n),
                f"{instrument.short} item {n + 1}",
                placeholder=f"0-{instrument.max_of_item(n + 1)}",
                **({"tooltip": wording} if wording else {}),
            )
            if wording:
                row.box.children = (row.widget, widgets.HTML(f"<small>{html.escape(wording)}</small>"))
            row.widget.observe(lambda _, m=measure, a=at: self._update_total(a, m), names="value")
            rows.append(row.box)
        note = item_note(measure)
        heading = widgets.HTML(
            f"<b>{instrument.name}</b>" + (f"<br><small>{html.escape(note)}</small>" if note else "")
        )
        return widgets.VBox([heading, *rows, total])

    def _update_total(self, at: tuple[str | int, ...], measure: MeasureId) -> None:
        values = self.state.get((*at, "measures", measure, "items")) or []
        self.totals[measure].value = score_summary(measure, list(values))

    def widget(self) -> widgets.Widget:
        """The form: the week picker, its phase and the week's fields."""
        return widgets.VBox([widgets.HBox([self.week, self.phase]), self.body])
