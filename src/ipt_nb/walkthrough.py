"""Walk a case week by week in group supervision, with the answer hidden until revealed.

:class:`Walkthrough` shows what was known at week k and nothing later: every view
is drawn from :func:`ipt_nb.disclosure.known_case` (sessions, scores, ratings and
events up to k, a dispute stage only once assessed, week-tagged questions from
their week). The focal problem area, its rationale, the formulation and the
after-reveal questions stay hidden until ``reveal`` (or the Reveal toggle), and
hide again when the week changes.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import ipywidgets as widgets
import plotly.graph_objects as go
from IPython.display import display

from . import charts
from ._after_paint import AfterPaint
from ._html import STYLE, Safe, badge, bullet_list, join, table, tag
from .catalog import PHASE_LABELS, PHASES, PROBLEM_AREAS, TECHNIQUES, adherence_items_for
from .disclosure import expected_answer, known_case, visible_questions
from .display import figure_bundle, html_bundle, show, show_html
from .model import Case, Event, Session
from .outcomes import risk_alerts

__all__ = [
    "CONTROLS_CSS",
    "KEYS_JS",
    "LARGE_FONT",
    "Walkthrough",
    "WeekState",
    "attendance_text",
    "enlarge",
]

LARGE_FONT = 22
"""Chart text size in large-text mode: readable from the back of a supervision room."""

CONTROLS_CSS = """<style>
.ipt-walk-root, .jp-OutputArea-output:has(.ipt-walk-root), .jp-OutputArea-child:has(.ipt-walk-root),
.jp-OutputArea:has(.ipt-walk-root) { overflow: visible !important; }
.ipt-walk-controls { position: sticky; top: 0; z-index: 20; background: #fff;
  padding: 4px 0; border-bottom: 1px solid #ccc; }
.ipt-walk-controls .widget-slider { width: 26em; }
.ipt-walk-controls .ipt-reveal { background: #9c4d00; color: #fff; font-weight: 600; }
</style>"""
"""Keeps the week controls and the Reveal toggle in view while the group looks at a chart."""

KEYS_JS = """
if (!window.iptWalkKeys) {
  window.iptWalkKeys = true;
  // the slider's handle is drawn by noUiSlider without a name: a screen reader would say "slider"
  const name = () => document.querySelectorAll(".ipt-walk-controls .noUi-handle:not([aria-label])")
    .forEach((handle) => handle.setAttribute("aria-label", "Week"));
  new MutationObserver(name).observe(document.body, {childList: true, subtree: true});
  name();
  document.addEventListener("keydown", (event) => {
    if (event.target.closest && event.target.closest("input, textarea, select, .widget-slider")) return;
    const press = (pattern) => {
      const button = [...document.querySelectorAll(".ipt-walk-controls button")]
        .find((b) => pattern.test(b.textContent.trim()));
      if (button) { button.click(); event.preventDefault(); }
    };
    if (event.key === "ArrowRight") press(/^Next$/);
    else if (event.key === "ArrowLeft") press(/^Previous$/);
    else if (event.key === "r" || event.key === "R") press(/^(Reveal|Hide) answer$/);
  });
}
"""
"""Left/right arrows move a week, R reveals or hides (ignored while typing in a field); the week
slider's handle gets its name."""


def attendance_text(case: Case, session: Session) -> str:
    """How the session was held: its mode, who else was in the room, an interpreter."""
    parts: list[str] = [] if session.mode == "in_person" else [session.mode]
    labels = {p.id: p.label for p in case.people}
    if session.attendees:
        parts.append("with " + ", ".join(labels.get(a, a) for a in session.attendees))
    if session.interpreter:
        parts.append("interpreter")
    return "; ".join(parts) or "-"


def enlarge(fig: go.Figure) -> None:
    """Every text of a chart in large type, markers bigger: for a projector."""
    fig.update_layout(font={"size": LARGE_FONT}, title={"font": {"size": LARGE_FONT + 6}})
    fig.update_annotations(font={"size": LARGE_FONT - 2})
    for trace in fig.data:
        if "textfont" in trace:
            trace.textfont.size = LARGE_FONT
        marker = getattr(trace, "marker", None)
        if marker is not None and isinstance(marker.size, int | float):
            marker.size = marker.size * 1.4


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
    """A case week by week for group supervision: only what was known by the chosen week is shown, and the
    answer only when revealed."""

    def __init__(
        self,
        case: Case,
        week: int = 0,
        *,
        reveal: bool = False,
        large_text: bool = False,
        source: str | None = None,
    ) -> None:
        self.case = case
        self.source = source
        """The case file's path, for the handout command offered on the page."""
        self.last_week = max([case.plan.acute_sessions, *(s.week for s in case.sessions)])
        self.week = min(max(week, 0), self.last_week)
        self.reveal = reveal
        self.large_text = large_text

    # -- what is known --------------------------------------------------------------------

    def known(self, week: int | None = None) -> Case:
        """The case as known at ``week`` (with the answer only when revealed)."""
        return known_case(self.case, self.week if week is None else week, reveal=self.reveal)

    def state(self, week: int | None = None) -> WeekState:
        """What is known at the current week (sessions, events, phase)."""
        week = self.week if week is None else week
        known = self.known(week)
        return WeekState(
            week=week, phase=self.case.phase_of(week), sessions=known.sessions, events=known.timeline
        )

    def figures(self, week: int | None = None) -> dict[str, go.Figure]:
        """The charts of the current week, drawn from what was known by then."""
        week = self.week if week is None else week
        known = self.known(week)
        figures = {
            "trajectory": charts.trajectory(known, upto_week=week),
            "circle": charts.closeness_circle(known, week=week),
        }
        if self.large_text:
            for fig in figures.values():
                enlarge(fig)
        return figures

    # -- HTML ------------------------------------------------------------------------------

    def week_html(self, week: int | None = None) -> Safe:
        """The current week's page, without the hidden answer unless revealed."""
        state = self.state(week)
        phase = PHASE_LABELS.get(state.phase, state.phase)
        heading = tag(
            "h2", f"{self.case.patient.label}: week {state.week} of {self.case.plan.acute_sessions} ({phase})"
        )
        parts = (
            heading,
            self.risk_html(state),
            self.tasks_html(state),
            self._sessions(state),
            self._events(state),
            self._medication(state),
            self._questions(state),
            self._handout_command(state),
        )
        return self._wrap(*parts)

    def _wrap(self, *parts: object) -> Safe:
        """A walkthrough block: the full width of the screen, every text enlarged in large-text mode."""
        size = "ipt-large" if self.large_text else "ipt-normal"
        return join([STYLE, tag("div", *parts, cls=f"ipt-report ipt-walk {size}")])

    def tasks_html(self, state: WeekState) -> Safe:
        """The phase's adherence items with the ratings given so far (the deck's speaker notes)."""
        if state.phase not in PHASES:
            return tag("p", f"{PHASE_LABELS.get(state.phase, state.phase)}: no phase tasks.")
        pairs = self.case.adherence_ratings(state.phase, state.sessions)
        rated = {item: [f"wk {week}: {value}" for week, value in ratings] for item, ratings in pairs.items()}
        rows = [
            (tag("span", i.task, title=i.id), ", ".join(rated.get(i.id, [])) or "-")
            for i in adherence_items_for(state.phase)
        ]
        return join([tag("h3", "Tasks of this phase and ratings so far"), table(["task", "rated"], rows)])

    def risk_html(self, state: WeekState) -> Safe:
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
        return join([tag("h3", "Sessions so far"), self.session_table(state.sessions)])

    def session_table(self, sessions: list[Session]) -> Safe:
        """One row per session: scores (or "missed"), how it was held, techniques, events, note."""
        rows = [
            (
                s.week,
                "missed"
                if not s.attended
                else "; ".join(f"{m} {score.score}" for m, score in s.measures.items()) or "-",
                attendance_text(self.case, s),
                join([tag("span", TECHNIQUES[t].name, title=t) for t in s.techniques], ", ") or "-",
                "; ".join(s.events) or "-",
                s.note or "",
            )
            for s in sessions
        ]
        return table(["week", "scores", "held", "techniques", "events", "note"], rows)

    def _handout_command(self, state: WeekState) -> Safe:
        source = shlex.quote(self.source) if self.source else "CASE.yaml"
        command = f"ipt-nb handout {source} --week {state.week} --out week{state.week}.pdf"
        return tag("p", "Handout of this week: ", tag("code", command), cls="ipt-hidden")

    def _medication(self, state: WeekState) -> Safe:
        changes = [c for c in self.case.medication if c.week <= state.week]
        if not changes:
            return Safe("")
        items = [f"week {c.week}: {c.change}" + (f" - {c.text}" if c.text else "") for c in changes]
        return join([tag("h3", "Medication"), bullet_list(items)])

    def _events(self, state: WeekState) -> Safe:
        items = [
            f"week {e.week}: {e.kind.replace('_', ' ')}" + (f" - {e.text}" if e.text else "")
            for e in state.events
        ]
        return join([tag("h3", "Timeline so far"), bullet_list(items)])

    def _questions(self, state: WeekState) -> Safe:
        questions = visible_questions(self.case, state.week, reveal=self.reveal)
        return join([tag("h3", "For discussion"), bullet_list(questions or ["(no questions for this week)"])])

    def answer_html(self) -> Safe:
        """The expected answer, with its rationale and any revision, for after the reveal."""
        return self._wrap(self.answer_parts())

    def answer_parts(self) -> Safe:
        """The teaching answer (or the primary focus), its rationale, and any focus chosen otherwise."""
        expected = expected_answer(self.case)
        area, stage, rationale = expected.area, expected.stage, expected.rationale
        if area is None:
            return tag("p", "No answer recorded for this case.")
        parts = [tag("h3", f"Problem area: {PROBLEM_AREAS[area].label}" + (f" ({stage})" if stage else ""))]
        parts.append(tag("p", rationale, cls="ipt-quote"))
        for chosen in self.case.problem_areas:
            if chosen.rationale and chosen.rationale != rationale:
                heading = f"As chosen in treatment: {PROBLEM_AREAS[chosen.area].label} ({chosen.focus})"
                parts += [tag("h4", heading), tag("p", chosen.rationale, cls="ipt-quote")]
            if chosen.revision_reason:
                heading = f"Focus revised in week {chosen.from_week}: {PROBLEM_AREAS[chosen.area].label}"
                parts += [tag("h4", heading), tag("p", chosen.revision_reason, cls="ipt-quote")]
        return join(parts)

    def formulation_html(self) -> Safe:
        """The formulation as given, shown only after the reveal."""
        return self._wrap(self.formulation_parts())

    def formulation_parts(self) -> Safe:
        """The formulation's blocks, for the deck."""
        text = self.case.formulation.text if self.case.formulation else None
        return join([tag("h3", "Formulation"), tag("p", text or "No formulation recorded.", cls="ipt-quote")])

    def hidden_html(self) -> Safe:
        """Everything the reveal shows: answer, formulation and the after-reveal questions."""
        return self._wrap(tag("p", "The problem area, its rationale and the formulation are hidden: "
                                   "discuss first, then reveal (R).", cls="ipt-hidden"))  # fmt: skip

    # -- display ---------------------------------------------------------------------------

    def show_static(self) -> None:
        """The state at ``self.week`` as plain output: a handout for printing or a report."""
        show_html(self.week_html())
        for name, fig in self.figures().items():
            show(fig, f"walkthrough-{name}-week{self.week}")
        show_html(self.revealed_html())

    def revealed_html(self) -> Safe:
        """The answer and the formulation when revealed, else the note that they are hidden."""
        if not self.reveal:
            return self.hidden_html()
        return join([self.answer_html(), self.formulation_html()])

    def widget(self) -> widgets.VBox:
        """Week controls (previous/next, slider) with the Reveal toggle beside them, then the week.

        The week's charts follow once the browser shows the controls (``AfterPaint``), so that
        drawing them does not hold the page back."""
        slider = widgets.IntSlider(value=self.week, min=0, max=self.last_week, description="Week")
        previous = widgets.Button(description="Previous", icon="arrow-left")
        following = widgets.Button(description="Next", icon="arrow-right")
        large = widgets.ToggleButton(value=self.large_text, description="Large text")
        reveal = widgets.ToggleButton(value=self.reveal, description="Reveal answer", icon="eye")
        reveal.add_class("ipt-reveal")  # amber that white text can be read on (the "warning" style cannot)
        body = widgets.Output()
        revealed = widgets.Output()

        def draw_answer() -> None:
            reveal.description = "Hide answer" if self.reveal else "Reveal answer"
            revealed.outputs = (_display_data(html_bundle(self.revealed_html())),)

        def redraw(*_: object) -> None:
            self.large_text = large.value
            figures = [figure_bundle(fig) for fig in self.figures().values()] if deferred.due else []
            body.outputs = tuple(_display_data(b) for b in [html_bundle(self.week_html()), *figures])
            draw_answer()

        def changed(*_: object) -> None:
            deferred.due = True  # a first change draws the charts too, where no script pressed for them
            redraw()

        deferred = AfterPaint(redraw, ready=".ipt-walk-controls button")

        def on_week(change: dict[str, object]) -> None:
            self.week = int(change["new"])  # type: ignore[call-overload]
            if reveal.value:
                reveal.value = False  # a new week starts hidden; this redraws
            else:
                changed()

        def on_reveal(change: dict[str, object]) -> None:
            self.reveal = bool(change["new"])
            changed()

        previous.on_click(lambda _: setattr(slider, "value", max(slider.min, slider.value - 1)))
        following.on_click(lambda _: setattr(slider, "value", min(slider.max, slider.value + 1)))
        slider.observe(on_week, names="value")
        large.observe(changed, names="value")
        reveal.observe(on_reveal, names="value")
        redraw()
        controls = widgets.HBox([previous, slider, following, reveal, large])
        controls.add_class("ipt-walk-controls")
        keys = widgets.Output()
        keys.outputs = (_display_data({"application/javascript": KEYS_JS, "text/plain": ""}),)
        root = widgets.VBox([widgets.HTML(CONTROLS_CSS), controls, revealed, body, keys, deferred.trigger])
        root.add_class("ipt-walk-root")
        return root

    def display(self) -> None:
        """Show the walkthrough in a notebook: the week slider, Reveal and the week's page."""
        display(self.widget())
