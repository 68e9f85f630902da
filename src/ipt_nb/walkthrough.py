"""Walk a case week by week in group supervision, with the answer hidden until revealed.

:class:`Walkthrough` knows what was known at week k: the sessions and scores
up to k, the circle as rated at k, the timeline up to k, the phase's tasks with
the adherence ratings so far. The focal problem area, its rationale and the
formulation stay hidden until ``reveal`` (or a click on a reveal button).
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import plotly.graph_objects as go
from IPython.display import display

from . import charts
from ._html import Safe, badge, bullet_list, join, table, tag
from .catalog import PHASE_LABELS, PROBLEM_AREAS, adherence_items_for
from .model import Case, Event, Session
from .notebook import figure_bundle, html_bundle, show, show_html
from .outcomes import risk_alerts
from .report import wrap


def _display_data(bundle: dict[str, object]) -> dict[str, object]:
    """An output for an ``Output`` widget's ``outputs``: set directly, so no output capture is involved
    (capturing into an Output widget while a headless client executes the cell can hang it)."""
    return {"output_type": "display_data", "data": bundle, "metadata": {}}


@dataclass(frozen=True)
class WeekState:
    """Everything the walkthrough may show at one week, and nothing later."""

    week: int
    phase: str
    sessions: list[Session]
    events: list[Event]


class Walkthrough:
    def __init__(self, case: Case, week: int = 0, *, reveal: bool = False, large_text: bool = False) -> None:
        self.case = case
        self.last_week = max([case.plan.sessions, *(s.week for s in case.sessions)])
        self.week = min(max(week, 0), self.last_week)
        self.reveal = reveal
        self.large_text = large_text

    # -- what is known --------------------------------------------------------------------

    def state(self, week: int | None = None) -> WeekState:
        week = self.week if week is None else week
        return WeekState(
            week=week,
            phase=self.case.phase_of(week),
            sessions=[s for s in self.case.sessions if s.week <= week],
            events=[e for e in self.case.timeline if e.week <= week],
        )

    def figures(self, week: int | None = None) -> dict[str, go.Figure]:
        week = self.week if week is None else week
        figures = {
            "trajectory": charts.trajectory(self.case, upto_week=week),
            "circle": charts.closeness_circle(self.case, week=week),
        }
        if self.large_text:
            for fig in figures.values():
                fig.update_layout(font={"size": 20}, title={"font": {"size": 26}})
        return figures

    # -- HTML ------------------------------------------------------------------------------

    def week_html(self, week: int | None = None) -> Safe:
        state = self.state(week)
        phase = PHASE_LABELS.get(state.phase, state.phase)
        heading = tag(
            "h2", f"{self.case.patient.label}: week {state.week} of {self.case.plan.sessions} ({phase})"
        )
        parts = (
            heading,
            self._risk(state),
            self._tasks(state),
            self._sessions(state),
            self._events(state),
            self._questions(),
        )
        return wrap(tag("div", *parts, cls="ipt-large" if self.large_text else "ipt-normal"))

    def _tasks(self, state: WeekState) -> Safe:
        if state.phase not in ("initial", "middle", "termination"):
            return tag("p", f"{PHASE_LABELS.get(state.phase, state.phase)}: no phase tasks.")
        rated: dict[str, list[str]] = {}
        for session in state.sessions:
            if self.case.phase_of(session.week) == state.phase:
                for item, value in session.adherence.items():
                    rated.setdefault(item, []).append(f"wk {session.week}: {value}")
        rows = [
            (i.id, i.task, ", ".join(rated.get(i.id, [])) or "-") for i in adherence_items_for(state.phase)
        ]
        return join(
            [tag("h3", "Tasks of this phase and ratings so far"), table(["item", "task", "rated"], rows)]
        )

    def _risk(self, state: WeekState) -> Safe:
        """Risk alerts so far, each saying whether that week's session records a risk review."""
        found = [a for a in risk_alerts(self.case) if a.week <= state.week]
        if not found:
            return Safe("")
        lines = [
            tag(
                "p",
                badge("risk", "urgent"),
                f" week {a.week}: {a.message}",
                " - risk review recorded" if a.reviewed else " - NO RISK REVIEW RECORDED",
            )
            for a in found
        ]
        return tag("div", *lines, cls="ipt-risk")

    def _sessions(self, state: WeekState) -> Safe:
        rows = [
            (
                s.week,
                "missed"
                if not s.attended
                else "; ".join(f"{m} {score.score}" for m, score in s.measures.items()) or "-",
                ", ".join(s.techniques) or "-",
                "; ".join(s.events) or "-",
                s.note or "",
            )
            for s in state.sessions
        ]
        return join(
            [tag("h3", "Sessions so far"), table(["week", "scores", "techniques", "events", "note"], rows)]
        )

    def _events(self, state: WeekState) -> Safe:
        items = [
            f"week {e.week}: {e.kind.replace('_', ' ')}" + (f" - {e.text}" if e.text else "")
            for e in state.events
        ]
        return join([tag("h3", "Timeline so far"), bullet_list(items)])

    def _questions(self) -> Safe:
        questions = self.case.teaching.discussion_questions if self.case.teaching else []
        return join([tag("h3", "For discussion"), bullet_list(questions or ["(no questions recorded)"])])

    def answer_html(self) -> Safe:
        answer = self.case.teaching.answer if self.case.teaching else None
        focus = self.case.primary_focus()
        area = answer.problem_area if answer else (focus.area if focus else None)
        if area is None:
            return wrap(tag("p", "No answer recorded for this case."))
        stage = answer.stage if answer and answer.stage else (focus.stage if focus else None)
        rationale = (answer.rationale if answer else None) or (focus.rationale if focus else None) or ""
        parts = [tag("h3", f"Problem area: {PROBLEM_AREAS[area].label}" + (f" ({stage})" if stage else ""))]
        parts.append(tag("p", rationale, cls="ipt-quote"))
        return wrap(*parts)

    def formulation_html(self) -> Safe:
        text = self.case.formulation.text if self.case.formulation else None
        return wrap(tag("h3", "Formulation"), tag("p", text or "No formulation recorded.", cls="ipt-quote"))

    def hidden_html(self) -> Safe:
        return wrap(tag("p", "The problem area, its rationale and the formulation are hidden: "
                             "discuss first, then reveal.", cls="ipt-hidden"))  # fmt: skip

    # -- display ---------------------------------------------------------------------------

    def show_static(self) -> None:
        """The state at ``self.week`` as plain output: a handout for printing or a report."""
        show_html(self.week_html())
        for name, fig in self.figures().items():
            show(fig, f"walkthrough-{name}-week{self.week}")
        if self.reveal:
            show_html(self.answer_html())
            show_html(self.formulation_html())
        else:
            show_html(self.hidden_html())

    def widget(self) -> widgets.VBox:
        """Previous/next buttons and a week slider; reveal buttons for the answer and the formulation."""
        slider = widgets.IntSlider(value=self.week, min=0, max=self.last_week, description="Week")
        previous = widgets.Button(description="Previous", icon="arrow-left")
        following = widgets.Button(description="Next", icon="arrow-right")
        large = widgets.ToggleButton(value=self.large_text, description="Large text")
        body = widgets.Output()
        reveal_answer = widgets.Button(description="Reveal problem area", button_style="warning")
        reveal_formulation = widgets.Button(description="Reveal formulation", button_style="warning")
        revealed = widgets.Output()

        def redraw(*_: object) -> None:
            self.week, self.large_text = slider.value, large.value
            figures = [figure_bundle(fig) for fig in self.figures().values()]
            body.outputs = tuple(_display_data(b) for b in [html_bundle(self.week_html()), *figures])

        def on_reveal(html: Safe) -> None:
            revealed.outputs = (*revealed.outputs, _display_data(html_bundle(html)))

        previous.on_click(lambda _: setattr(slider, "value", max(slider.min, slider.value - 1)))
        following.on_click(lambda _: setattr(slider, "value", min(slider.max, slider.value + 1)))
        slider.observe(redraw, names="value")
        large.observe(redraw, names="value")
        reveal_answer.on_click(lambda _: on_reveal(self.answer_html()))
        reveal_formulation.on_click(lambda _: on_reveal(self.formulation_html()))
        redraw()
        if self.reveal:
            on_reveal(self.answer_html())
            on_reveal(self.formulation_html())
        controls = widgets.HBox([previous, slider, following, large])
        return widgets.VBox([controls, body, widgets.HBox([reveal_answer, reveal_formulation]), revealed])

    def display(self) -> None:
        display(self.widget())
