"""The IPT formulation: a draft from the case, and which of its six elements a text covers.

The six elements (IPT.md 5.1): F1 diagnosis with a score, F2 sick role
(a treatable illness, not the patient's fault), F3 the interpersonal link named
in IPT words, F4 the time limit, F5 the dual goal, F6 the agreement question.
The checker is a transparent keyword heuristic for teaching feedback, not a
rating instrument: it says what it looked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .instruments import INSTRUMENTS
from .model import Case

__all__ = [
    "AREA_WORDS",
    "ELEMENTS",
    "NOT_YOUR_FAULT",
    "NUMBER_VALUES",
    "NUMBER_WORDS",
    "SCORE",
    "TIME_LIMIT",
    "Element",
    "covered_elements",
    "draft",
    "stated_sessions",
]


@dataclass(frozen=True, slots=True)
class Element:
    """One of the six elements a formulation names, and what the checklist looks for."""

    id: str
    name: str
    looks_for: str
    patterns: tuple[str, ...]
    """Regular expressions; the element is covered when every one matches (case-insensitive)."""


NUMBER_WORDS = r"(\d+|six|eight|ten|twelve|fourteen|sixteen|twenty)"
SCORE = r"\b(phq-?9|ham-?d|hamilton|bdi|gad-?7|epds|score)\b.*?\d|\d+.*?\b(range|score)\b"
NOT_YOUR_FAULT = r"not (your|her|his|their) fault|no one's fault|not a (personal )?(failing|weakness)"
AREA_WORDS = (
    r"role dispute|dispute|grief|bereavement|mourning|role transition|transition"
    r"|interpersonal (deficits|sensitivity)|isolation"
)
ELEMENTS: tuple[Element, ...] = (
    Element("F1", "Diagnosis with its score", "a depression word and a score", (r"depress", SCORE)),
    Element(
        "F2",
        "Sick role",
        "'illness' or 'treatable' with 'not your fault' or similar",
        (r"\b(illness|treatable|medical|common)\b", NOT_YOUR_FAULT),
    ),
    Element(
        "F3",
        "Interpersonal link in IPT words",
        "a problem-area name (role dispute, grief, ...)",
        (AREA_WORDS,),
    ),
    Element(
        "F4",
        "Time limit",
        "a number of sessions or weeks",
        (rf"\b{NUMBER_WORDS}\b[^.]{{0,20}}\b(weekly )?(sessions|weeks|meetings)\b",),
    ),
    Element(
        "F5",
        "Dual goal",
        "that solving the problem should lift the mood",
        (r"\bmood\b|\bdepression\b|\bfeel", r"\b(improve|lift|better|ease|get well|recover)"),
    ),
    Element(
        "F6",
        "Agreement",
        "a question asking whether it fits",
        (r"(does|do|would|could) (this|that|it|you)[^?]{0,60}\?",),
    ),
)


NUMBER_VALUES = {"six": 6, "eight": 8, "ten": 10, "twelve": 12, "fourteen": 14, "sixteen": 16, "twenty": 20}
TIME_LIMIT = re.compile(rf"\b{NUMBER_WORDS}\b[^.]{{0,20}}\b(?:weekly )?(?:sessions|meetings)\b")


def stated_sessions(text: str) -> list[int]:
    """The course lengths a formulation states ("16 weekly sessions", "twelve sessions")."""
    found = []
    for match in TIME_LIMIT.finditer((text or "").lower()):
        word = match.group(1)
        found.append(int(word) if word.isdigit() else NUMBER_VALUES[word])
    return found


def covered_elements(text: str, case: Case | None = None) -> dict[str, bool]:
    """``{"F1": True, ...}``: which formulation elements the text covers.

    With the ``case``, F4 (the time limit) counts only when the number of sessions it states is the
    plan's (``plan.sessions``, or ``plan.extended_to`` for a re-contracted course): "12 weekly
    sessions" does not fit a 16-session plan.
    """
    lowered = (text or "").lower()
    covered = {e.id: all(re.search(p, lowered, flags=re.DOTALL) for p in e.patterns) for e in ELEMENTS}
    if case is not None and covered["F4"]:
        planned = {case.plan.sessions, case.plan.acute_sessions}
        stated = stated_sessions(text)
        covered["F4"] = not stated or any(n in planned for n in stated)
    return covered


def _anchor_event(case: Case) -> str | None:
    """The latest timeline event up to onset that involves the focal people (else any), in plain words."""
    focus = case.primary_focus()
    onset = case.episode.onset_week if case.episode and case.episode.onset_week is not None else 0
    people = set(focus.people) if focus else set()
    before = [e for e in case.timeline if e.week <= onset + 4]
    linked = [e for e in before if people & set(e.people)] or before
    if not linked:
        return None
    event = max(linked, key=lambda e: e.week)
    return (event.text or event.kind.replace("_", " ")).rstrip(". ")


def _focus_sentence(case: Case) -> tuple[str, str]:
    """How the symptoms link to the problem area, and what the sessions will work on."""
    focus = case.primary_focus()
    anchor = _anchor_event(case)
    if focus is None:
        return "We still need to agree on which situation to focus on.", "work on it together"
    names = ", ".join(case.person(p).label for p in focus.people) or "the person involved"
    if focus.area == "interpersonal_deficits":
        return (
            "Your depression is not tied to one recent loss, conflict or change; it has grown as you have "
            "felt more cut off from people. In IPT we call this interpersonal sensitivity.",
            "build closer, more satisfying relationships",
        )
    link = f"Your symptoms began around this event: {anchor}." if anchor else ""
    if focus.area == "grief":
        return (
            f"{link} In IPT we call this complicated bereavement.",
            "help you mourn and find your way back to people",
        )
    if focus.area == "role_dispute":
        return f"{link} In IPT we call this a role dispute.", f"work on the dispute with {names}"
    change = (
        f"from {focus.from_role} to {focus.to_role}"
        if focus.from_role and focus.to_role
        else "you are going through"
    )
    return f"{link} In IPT we call this a role transition.", f"help you adjust to the change {change}"


def draft(case: Case) -> str:
    """A plain-language formulation drafted from the case, for the clinician to edit."""
    measure = case.primary_measure()
    score_text = ""
    if measure:
        instrument = INSTRUMENTS[measure]
        baseline = case.scores(measure)[0][1]
        score_text = (
            f" Your {instrument.short} score of {baseline} is in the {instrument.band(baseline).title} range."
        )
    link, work = _focus_sentence(case)
    return (
        f"You have {case.diagnosis.label[0].lower() + case.diagnosis.label[1:]}.{score_text} Depression is a "
        f"common, treatable illness; it is not your fault. {link.strip()} I suggest we meet for "
        f"{case.plan.sessions} weekly sessions to {work}. If that situation improves, your mood should "
        "improve too. Does this fit how you see things?"
    )
