"""Decision support for choosing the problem area (IPT.md 4.1 and 4.3).

Reads the case for evidence: deaths, disputes and their stage, role
transitions near the episode's onset, and signs of isolation. It says which
areas fit and why; the clinician still chooses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalog import (
    DEATH_EVENTS,
    DISPUTE_EVENTS,
    ONSET_WINDOW_WEEKS,
    PROBLEM_AREAS,
    TRANSITION_EVENTS,
    near_onset,
)
from .model import Case, Event

__all__ = [
    "Evidence",
    "evidence",
]


@dataclass
class Evidence:
    """How well one problem area fits the case, and the facts that say so."""

    area: str
    fits: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The problem area's name."""
        return PROBLEM_AREAS[self.area].label


def _near_onset(case: Case, event: Event) -> bool:
    return near_onset(event.week, case.episode.onset_week if case.episode else None)


def _describe(case: Case, event: Event) -> str:
    names = ", ".join(case.person(p).label for p in event.people)
    text = f"week {event.week}: {event.kind.replace('_', ' ')}"
    return text + (f" ({names})" if names else "") + (f" - {event.text}" if event.text else "")


def evidence(case: Case) -> list[Evidence]:
    """One entry per problem area, in catalogue order, with the reasons it fits or not."""
    near = [e for e in case.timeline if _near_onset(case, e)]
    grief = Evidence("grief", False)
    deaths = [e for e in case.timeline if e.kind in DEATH_EVENTS]
    deceased = [p for p in case.people if p.status == "deceased"]
    for event in deaths:
        grief.reasons.append(f"death {'near onset' if _near_onset(case, event) else 'not near onset'}: "
                             f"{_describe(case, event)}")  # fmt: skip
    grief.reasons += [f"{p.label} has died" for p in deceased if not any(p.id in e.people for e in deaths)]
    old = case.old_deaths()
    grief.reasons += [
        f"the death in week {e.week} lies more than two years before onset: "
        "consider a role transition, or whether this grief is the current focus"
        for e in old
    ]
    undated = [p for p in deceased if not any(p.id in e.people for e in deaths)]
    grief.fits = bool(undated) or len(old) < len(deaths)
    if not (deceased or deaths):
        grief.reasons.append(
            "no death of a significant person: a loss that is not a death is a role transition"
        )

    dispute = Evidence("role_dispute", False)
    for person in case.people:
        if person.conflict != "none":
            dispute.reasons.append(f"dispute with {person.label} at the {person.conflict} stage")
    dispute.reasons += [
        f"conflict near onset: {_describe(case, e)}" for e in near if e.kind in DISPUTE_EVENTS
    ]
    dispute.fits = bool(dispute.reasons)
    if not dispute.fits:
        dispute.reasons.append("no dispute recorded in the inventory or the timeline")

    transition = Evidence("role_transition", False)
    transition.reasons += [
        f"change near onset: {_describe(case, e)}" for e in near if e.kind in TRANSITION_EVENTS
    ]
    transition.fits = bool(transition.reasons)
    if not transition.fits:
        transition.reasons.append(f"no role change within {ONSET_WINDOW_WEEKS} weeks before onset")

    deficits = Evidence("interpersonal_deficits", False)
    qualifying = [e for e in near if e.kind in DEATH_EVENTS | DISPUTE_EVENTS | TRANSITION_EVENTS]
    inner = [p for p in case.people if p.ring == 1 and p.status == "current"]
    confidants = [p for p in case.people if p.confidant]
    if not qualifying:
        deficits.reasons.append("no death, dispute or transition near onset (residual area)")
    else:
        deficits.reasons.append(
            f"{len(qualifying)} qualifying event(s) near onset: choose another area first"
        )
    if len(inner) <= 1:
        deficits.reasons.append(f"{len(inner)} living person in the inner circle")
    if not confidants:
        deficits.reasons.append("no confidant recorded")
    deficits.fits = not qualifying
    return [grief, dispute, transition, deficits]
