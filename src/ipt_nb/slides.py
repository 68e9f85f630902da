"""``ipt-nb slides``: the supervision walkthrough as one offline HTML deck for a projector.

Supervision rooms often have a projector and no Python, and nbconvert's own
slides fetch reveal.js from a CDN (a blank page offline). The deck is one file:
the page, plotly.js and the figures inline, and a small script of its own for
the keys. Each week has a slide of its facts and one per chart, all drawn
from :func:`ipt_nb.disclosure.known_case` exactly as the walkthrough draws them.
The answer, the formulation and the after-reveal questions are a hidden block on
each week's facts slide: in the file, but shown only when the presenter presses R
(or the Reveal button), never by moving on, and hidden again when the deck moves.
The phase's adherence checklist is in speaker notes (key N). A content security
policy forbids every request, so the file works from ``file://`` with the network
off.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go

from ._assets import plotly_js
from ._html import STYLE, Safe, bullet_list, tag, text
from .catalog import PHASE_LABELS
from .disclosure import visible_questions
from .model import Case
from .walkthrough import Walkthrough

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'"
)
"""No request leaves the file: scripts and styles are inline, images are data URIs."""

CHART_TITLES = {"trajectory": "Symptom scores", "circle": "Closeness circle"}

DECK_CSS = """
html, body { margin: 0; height: 100%; background: #fff; }
.ipt-deck { height: 100vh; }
.ipt-slide { box-sizing: border-box; height: 100vh; overflow: auto; padding: .6rem 3rem 3.4rem; }
.ipt-slide .ipt-report h2 { margin-top: .3em; }
.ipt-slide[hidden] { display: none; }
.ipt-slide h1 { font-size: 44px; margin: 3rem 0 1rem; }
.ipt-slide .ipt-report { font-size: 22px; }
.ipt-deck-figure { width: 100%; height: calc(100vh - 8.5rem); min-height: 300px; }
.fragment { display: none; }
.fragment.visible { display: block; border-top: 3px solid #E69F00; margin-top: 1rem; }
.ipt-deck-bar { position: fixed; bottom: 0; left: 0; right: 0; display: flex; gap: .6rem; align-items: center;
  padding: .35rem 1rem; background: #f3f3f3; border-top: 1px solid #ccc; font: 18px Arial, sans-serif; }
.ipt-deck-bar button { font-size: 16px; padding: .2rem .8rem; }
.ipt-deck-counter { font-weight: 700; margin-right: auto; }
#ipt-deck-notes { position: fixed; bottom: 2.6rem; right: 1rem; width: 44rem; max-height: 60vh;
  overflow: auto; background: #fffbe8; border: 2px solid #E69F00; padding: .5rem 1rem;
  font: 16px Arial, sans-serif; }
aside.notes { display: none; }
"""

DECK_JS = """
(() => {
  const slides = [...document.querySelectorAll(".ipt-slide")];
  const figures = JSON.parse(document.getElementById("ipt-deck-figures").textContent);
  const counter = document.querySelector(".ipt-deck-counter");
  const notes = document.getElementById("ipt-deck-notes");
  let current = 0;

  function draw(slide) {
    for (const div of slide.querySelectorAll(".ipt-deck-figure:not([data-drawn])")) {
      const figure = figures[div.dataset.figure];
      div.dataset.drawn = "true";
      Plotly.newPlot(div, figure.data, figure.layout, {displayModeBar: false, responsive: true});
    }
  }
  function show(index) {
    current = Math.max(0, Math.min(slides.length - 1, index));
    for (const shown of document.querySelectorAll(".fragment.visible")) shown.classList.remove("visible");
    slides.forEach((slide, i) => { slide.hidden = i !== current; });
    const slide = slides[current];
    draw(slide);
    slide.focus({preventScroll: true});  // up/down arrows scroll a long slide
    counter.textContent = slide.dataset.label;
    const aside = slide.querySelector("aside.notes");
    notes.replaceChildren(...(aside ? [...aside.cloneNode(true).childNodes] : []));
    if (!aside) notes.append("No notes for this slide.");
    try { history.replaceState(null, "", "#" + current); } catch (error) { /* file:// in some browsers */ }
  }
  function next() { show(current + 1); }
  function previous() { show(current - 1); }
  function toggleAnswer() {
    // only R or the Reveal button shows the answer: moving on never does
    const answer = slides[current].querySelector(".ipt-deck-answer");
    if (answer) answer.classList.toggle("visible");
  }
  function toggleNotes() { notes.hidden = !notes.hidden; }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const actions = {
      ArrowRight: next, PageDown: next, " ": next, ArrowLeft: previous, PageUp: previous,
      Home: () => show(0), End: () => show(slides.length - 1), n: toggleNotes, N: toggleNotes,
      r: toggleAnswer, R: toggleAnswer,
    };
    const action = actions[event.key];
    if (action) { action(); event.preventDefault(); }
  });
  document.getElementById("ipt-deck-next").addEventListener("click", next);
  document.getElementById("ipt-deck-previous").addEventListener("click", previous);
  document.getElementById("ipt-deck-notes-toggle").addEventListener("click", toggleNotes);
  document.getElementById("ipt-deck-reveal").addEventListener("click", toggleAnswer);
  show(parseInt(location.hash.slice(1), 10) || 0);
})();
"""
"""Right / PageDown / space: the next slide; left / PageUp: back; R: reveal or hide the answer; N: notes."""


def _script_json(value: object) -> str:
    """JSON safe inside ``<script>``: no ``</script>``, ``<!--`` or ``&`` can end or bend the element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _figure_json(fig: go.Figure) -> object:
    fig.update_layout(width=None, height=None, autosize=True, margin={"l": 60, "r": 20, "t": 70, "b": 60})
    return json.loads(fig.to_json())


class Deck:
    """The slides of one case: a title slide, then the facts and the charts of every week."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.walk = Walkthrough(case, large_text=True)
        self.figures: dict[str, object] = {}
        self.slides: list[Safe] = []

    def html(self) -> str:
        """The whole deck as one offline HTML page."""
        self.slides = [self._title_slide()]
        for week in range(self.walk.last_week + 1):
            self.walk.week = week
            self.slides += [self._facts_slide(week), *self._chart_slides(week)]
        label = self.case.patient.label
        return "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{text(f'Supervision deck: {label}')}</title>",
                STYLE,
                f"<style>{DECK_CSS}</style></head><body>",
                '<main class="ipt-deck">',
                *self.slides,
                "</main>",
                '<nav class="ipt-deck-bar" aria-label="Deck controls">'
                '<span class="ipt-deck-counter" aria-live="polite"></span>'
                '<button type="button" id="ipt-deck-previous">Back (left arrow)</button>'
                '<button type="button" id="ipt-deck-next">Next (right arrow)</button>'
                '<button type="button" id="ipt-deck-reveal">Reveal or hide the answer (R)</button>'
                '<button type="button" id="ipt-deck-notes-toggle">Notes (N)</button></nav>',
                '<aside id="ipt-deck-notes" aria-label="Speaker notes" hidden></aside>',
                f"<script>{plotly_js()}</script>",
                '<script type="application/json" id="ipt-deck-figures">',
                _script_json(self.figures),
                "</script>",
                f"<script>{DECK_JS}</script>",
                "</body></html>",
            ]
        )

    # -- slides ----------------------------------------------------------------------------

    def _slide(self, label: str, *parts: object, notes: Safe | None = None) -> Safe:
        aside = [tag("aside", notes, cls="notes")] if notes is not None else []
        body = tag("div", *parts, cls="ipt-report ipt-walk ipt-large")
        return tag(
            "section",
            body,
            *aside,
            cls="ipt-slide",
            data_label=label,
            aria_label=label,
            tabindex="0",
            hidden="",
        )

    def _title_slide(self) -> Safe:
        plan = self.case.plan
        course = f"IPT, {plan.acute_sessions} sessions"
        if self.case.adaptation is not None:
            course += f" ({self.case.adaptation.replace('_', ' ')})"
        keys = [
            "Right arrow, PageDown or space: the next slide",
            "Left arrow or PageUp: back",
            "R: reveal or hide the answer on a week's facts slide (moving on never shows it)",
            "N: speaker notes (the phase's adherence checklist)",
        ]
        return self._slide(
            "Start",
            tag("h1", self.case.patient.label),
            tag("p", course),
            tag("h3", "Keys"),
            bullet_list(keys),
        )

    def _heading(self, week: int) -> Safe:
        phase = self.case.phase_of(week)
        return tag(
            "h2",
            f"{self.case.patient.label}: week {week} of {self.case.plan.acute_sessions} "
            f"({PHASE_LABELS.get(phase, phase)})",
        )

    def _facts_slide(self, week: int) -> Safe:
        state = self.walk.state(week)
        this_week = [s for s in state.sessions if s.week == week]
        events = [e for e in state.events if e.week == week]
        medication = [m for m in self.case.medication if m.week == week]
        parts: list[object] = [self._heading(week), self.walk.risk_html(state)]
        if this_week:
            parts += [tag("h3", "This week"), self.walk.session_table(this_week)]
        else:
            parts.append(tag("p", f"No session recorded for week {week}.", cls="ipt-hidden"))
        if events:
            parts += [
                tag("h3", "Events"),
                bullet_list(e.kind.replace("_", " ") + (f" - {e.text}" if e.text else "") for e in events),
            ]
        if medication:
            parts += [
                tag("h3", "Medication"),
                bullet_list(m.change + (f" - {m.text}" if m.text else "") for m in medication),
            ]
        before = set(visible_questions(self.case, week - 1, reveal=False)) if week else set()
        new = [q for q in visible_questions(self.case, week, reveal=False) if q not in before]
        parts += [tag("h3", "For discussion"), bullet_list(new or ["(no new questions this week)"])]
        parts.append(self._answer_fragment(week))
        return self._slide(f"Week {week} of {self.case.plan.acute_sessions}: facts", *parts,
                           notes=self.walk.tasks_html(state))  # fmt: skip

    def _answer_fragment(self, week: int) -> Safe:
        hidden_before = set(visible_questions(self.case, week, reveal=False))
        after = [q for q in visible_questions(self.case, week, reveal=True) if q not in hidden_before]
        parts = [self.walk.answer_parts(), self.walk.formulation_parts()]
        if after:
            parts += [tag("h3", "After the reveal"), bullet_list(after)]
        return tag("div", *parts, cls="fragment ipt-deck-answer")

    def _chart_slides(self, week: int) -> list[Safe]:
        """One chart per slide, the full width of the screen: readable from the back of the room."""
        slides = []
        for name, fig in self.walk.figures(week).items():
            key = f"week{week}-{name}"
            self.figures[key] = _figure_json(fig)
            title = CHART_TITLES.get(name, name)
            figure = tag("div", cls="ipt-deck-figure", data_figure=key, role="img", aria_label=title)
            label = f"Week {week} of {self.case.plan.acute_sessions}: {title.lower()}"
            slides.append(self._slide(label, self._heading(week), figure))
        return slides


def write_deck(case: Case, out: Path) -> Path:
    """Write the deck of ``case`` to ``out`` (one self-contained HTML file); returns ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(Deck(case).html(), encoding="utf-8")
    partial.replace(out)
    return out


__all__ = ["Deck", "write_deck"]
