"""The sections of a case report as escaped HTML fragments (figures come from ``charts``).

Each function takes a case (or an outcome summary) and returns :class:`Safe`
HTML in which every piece of case text is escaped; notebooks display them.
"""

from __future__ import annotations

from statistics import mean

from ._html import Safe, badge, block, bullet_list, join, table, tag
from ._outcome_text import course_line, risk_lines
from .catalog import (
    ADAPTATIONS,
    DISPUTE_STAGE_TACTICS,
    PHASE_LABELS,
    PHASES,
    PROBLEM_AREAS,
    adherence_items_for,
)
from .formulation import ELEMENTS, covered_elements
from .instruments import INSTRUMENTS
from .model import Case
from .outcomes import OutcomeSummary, Verdict, main_measure, summarize, threshold_lines

__all__ = [
    "FOOTER",
    "PROVENANCE",
    "adherence",
    "cohort_rates",
    "cohort_table",
    "formulation",
    "inventory",
    "outcomes",
    "overview",
    "problem_areas",
    "risk_block",
    "summary",
    "termination",
    "wrap",
]

PROVENANCE = {
    "invented": "Fictional teaching case, invented for this casebook.",
    "composite": "Composite teaching case: details from several people, recombined and altered.",
    "disguised_published_case": (
        "Teaching case structured after a disguised published case; every score and detail here is invented."
    ),
    "real_with_consent": "Case shared with the patient's documented consent.",
}
FOOTER = "Fictional teaching case. Any resemblance to real persons is coincidental."


wrap = block
"""The older name of :func:`ipt_nb._html.block` (a report block with the shared stylesheet)."""


def summary(case: Case) -> Safe:
    """The older name of :func:`overview`, kept for notebooks written against it."""
    return overview(case)


def _yes_no(value: bool | None) -> Safe:
    if value is None:
        return badge("n/a", "no")
    return badge("yes", "yes") if value else badge("no", "no")


def _verdict(verdict: Verdict, week: int | None = None) -> Safe:
    """A yes/no badge, or "not applicable" / "not assessable" with the reason beside it."""
    if verdict.value in ("yes", "no"):
        return join([_yes_no(verdict.value == "yes"), f" week {week}" if week is not None else ""])
    return join([badge(verdict.value.replace("_", " "), "no"), tag("small", f" {verdict.reason}")])


def risk_block(summary: OutcomeSummary) -> Safe:
    """Unreviewed risk and unrecorded risk items, shown first and styled as alerts (empty when none)."""
    lines = risk_lines(summary)
    if not lines:
        return Safe("")
    return tag("div", *(tag("p", badge("risk", "urgent"), " ", line) for line in lines), cls="ipt-risk")


def overview(case: Case) -> Safe:
    """The report's opening block: the patient, the problem area, measures from baseline to end,
    alerts. (Named apart from :class:`~ipt_nb.outcomes.OutcomeSummary`, the numbers it shows.)"""
    patient = case.patient
    age = f"{patient.age}" if patient.age is not None else (patient.age_band or "not given")
    diagnosis = " ".join(x for x in (case.diagnosis.label, case.diagnosis.system, case.diagnosis.code) if x)
    rows = [
        ("Patient", patient.label),
        ("Age", age),
        ("Gender", patient.gender or "not given"),
        ("Occupation", patient.occupation or "not given"),
        ("Diagnosis", diagnosis),
        ("Format", ADAPTATIONS[case.adaptation].label),
        ("Medical context", "; ".join(case.medical_context) or "none recorded"),
        (
            "Plan",
            f"{case.plan.sessions} weekly sessions"
            + (f" (extended to {case.plan.extended_to})" if case.plan.extended_to else "")
            + "; follow-up in week(s) "
            f"{', '.join(map(str, case.plan.follow_up_weeks)) or 'none'}; "
            f"maintenance: {case.plan.maintenance}",
        ),
    ]
    return block(
        tag("h2", case.title),
        tag("p", tag("em", PROVENANCE[case.provenance])),
        table(["", ""], rows),
        tag("h3", "Presenting problem"),
        tag("p", case.patient.presenting_problem or "not recorded", cls="ipt-quote"),
    )


def formulation(case: Case) -> Safe:
    """The formulation as given, with its week and the patient's agreement."""
    given = case.formulation
    if given is None or not given.text:
        return block(tag("h2", "Formulation"), tag("p", "No formulation recorded yet.", cls="ipt-hidden"))
    covered = covered_elements(given.text, case)
    checklist = table(
        ["element", "covered", "looked for"],
        [(f"{e.id} {e.name}", _yes_no(covered[e.id]), e.looks_for) for e in ELEMENTS],
    )
    when = f"given in week {given.week}" if given.week is not None else "week not recorded"
    agreed = (given.agreed or "not recorded").replace("_", " ")
    return block(
        tag("h2", "Formulation"),
        tag("p", f"{when}; patient agreement: {agreed}"),
        tag("p", given.text, cls="ipt-quote"),
        tag("h3", "Elements of an IPT formulation"),
        checklist,
    )


def _ring(ring: int | None) -> str:
    return {1: "inner", 2: "middle", 3: "outer"}.get(ring or 0, "outside")


def inventory(case: Case) -> Safe:
    """The interpersonal inventory: each person, ring, closeness, expectations and notes."""
    end = case.plan.acute_sessions
    rows = []
    for person in case.people:
        start, last = case.rating_at(person.id, 0), case.rating_at(person.id, end)
        closeness = f"{start.closeness if start.closeness is not None else '-'} -> "
        closeness += f"{last.closeness if last.closeness is not None else '-'}"
        rows.append(
            (
                person.label,
                person.relationship.replace("_", " ")
                + ("" if person.status == "current" else f" ({person.status})"),
                (person.contact or "-").replace("_", " "),
                f"{_ring(start.ring)} -> {_ring(last.ring)}",
                closeness,
                {True: "yes", False: "no"}.get(person.confidant, "-")
                if person.confidant is not None
                else "-",
                person.conflict,
                ", ".join(person.support) or "-",
            )
        )
    header = [
        "person",
        "relationship",
        "contact",
        f"ring (intake -> week {end})",
        "closeness",
        "confidant",
        "dispute",
        "support",
    ]
    details = [
        tag(
            "li",
            tag("strong", person.label),
            ": ",
            join(
                [
                    *(f"satisfying: {x}; " for x in person.satisfying),
                    *(f"unsatisfying: {x}; " for x in person.unsatisfying),
                    *(
                        f"expects ({e.held_by}): {e.text} [{e.met or 'unrated'}]; "
                        for e in person.expectations
                    ),
                    *(
                        f"wished change ({w.locus or 'unspecified'}): {w.text}; "
                        for w in person.wished_changes
                    ),
                ]
            ),
        )
        for person in case.people
        if person.satisfying or person.unsatisfying or person.expectations or person.wished_changes
    ]
    return block(tag("h2", "Interpersonal inventory"), table(header, rows), tag("ul", *details))


def _from_week(week: int | None) -> str:
    return f" in week {week}" if week is not None else ""


def problem_areas(case: Case) -> Safe:
    """The foci chosen, with their weeks, rationale and any revision."""
    if not case.problem_areas:
        return block(tag("h2", "Problem area"), tag("p", "No problem area chosen yet.", cls="ipt-hidden"))
    blocks: list[object] = [tag("h2", "Problem area")]
    for focus in case.problem_areas:
        area = PROBLEM_AREAS[focus.area]
        people = ", ".join(case.person(p).label for p in focus.people)
        facts = [f"{focus.focus} focus"]
        if people:
            facts.append(f"with {people}")
        if focus.stage:
            facts.append(f"stage: {focus.stage} ({DISPUTE_STAGE_TACTICS[focus.stage]})")
        if focus.from_role or focus.to_role:
            facts.append(f"from {focus.from_role or '?'} to {focus.to_role or '?'}")
        if focus.from_week is not None or focus.until_week is not None:
            facts.append(f"in force weeks {focus.from_week or 0} to {focus.until_week or 'the end'}")
        revised = (
            [tag("p", tag("strong", f"Revised{_from_week(focus.from_week)}: "), focus.revision_reason)]
            if focus.revision_reason
            else []
        )
        blocks += [
            tag("h3", area.label),
            tag("p", "; ".join(facts)),
            *revised,
            tag("p", focus.rationale or "No rationale recorded.", cls="ipt-quote"),
            tag("p", tag("strong", "Goals"), bullet_list(area.goals)),
            tag("p", tag("strong", "Strategies"), bullet_list(area.strategies)),
        ]
    return block(*blocks)


def outcomes(summary: OutcomeSummary) -> Safe:
    """Each measure's outcome, the NHS flags, alerts and the thresholds used."""
    rows = []
    for o in summary.measures.values():
        band = (o.end_band or "").replace("_", " ")
        end = f"{o.end} (week {o.end_week}, {band})" if o.end is not None else "-"
        percent = f" ({o.percent_change:+.0f}%)" if o.percent_change is not None else ""
        reliable = o.verdicts["reliable_improvement"]
        rows.append(
            (
                o.name,
                f"{o.baseline} ({o.baseline_band.replace('_', ' ')})",
                end,
                f"{o.change:+d}{percent}" if o.change is not None else "-",
                _verdict(o.verdicts["response"], o.response_week),
                _verdict(o.verdicts["remission"], o.remission_week),
                badge("improved", "yes")
                if o.reliable_improvement
                else badge("deteriorated", "high")
                if o.reliable_deterioration
                else _verdict(reliable)
                if reliable.value != "no"
                else badge("no", "no"),
                ", ".join(f"week {p.week}: {p.score}" for p in o.follow_up) or "-",
            )
        )
    nhs = ("caseness", "recovery", "reliable_improvement", "reliable_recovery", "reliable_deterioration")
    flags = table(
        [
            "caseness at intake",
            "recovery",
            "reliable improvement",
            "reliable recovery",
            "reliable deterioration",
        ],
        [[_verdict(summary.verdicts[key]) for key in nhs]],
    )
    alerts = (
        tag(
            "ul",
            *(
                tag(
                    "li",
                    badge(a.severity, a.severity),
                    f"week {a.weeks_text()}, {INSTRUMENTS[a.measure].short}: {a.id} - {a.message}",
                    *([" ", badge("unreviewed", "urgent")] if a.reviewed is False else []),
                )
                for a in summary.alerts
            ),
        )
        if summary.alerts
        else tag("p", "No alerts.")
    )
    thresholds = bullet_list(threshold_lines(summary))
    header = [
        "measure",
        "baseline",
        "end of acute",
        "change",
        "response",
        "remission",
        "reliable change",
        "follow-up",
    ]
    return block(
        tag("h2", "Outcomes"),
        risk_block(summary),
        tag("p", course_line(summary)),
        table(header, rows),
        tag("h3", "NHS Talking Therapies (PHQ-9 / GAD-7)"),
        flags,
        tag("h3", "Alerts"),
        alerts,
        tag("h3", "Thresholds used"),
        thresholds,
    )


def adherence(case: Case) -> Safe:
    """The adherence ratings by phase: how often each task was rated and its mean."""
    blocks: list[object] = [tag("h2", "Adherence to the IPT model, by phase")]
    for phase in PHASES:
        ratings = {
            item: [value for _, value in pairs] for item, pairs in case.adherence_ratings(phase).items()
        }
        if not ratings:
            blocks += [tag("h3", PHASE_LABELS[phase]), tag("p", "No adherence ratings.", cls="ipt-hidden")]
            continue
        rows = []
        for item in adherence_items_for(phase):
            values = ratings.get(item.id)
            if not values:
                continue
            numbers = [v for v in values if isinstance(v, int)]
            average = f"{mean(numbers):.1f}" if numbers else "-"
            rows.append((item.id, item.task, len(values), average))
        blocks += [
            tag("h3", PHASE_LABELS[phase]),
            table(["item", "task", "times rated", "mean (0-2)"], rows),
        ]
    return block(*blocks)


def termination(case: Case) -> Safe:
    """The ending: warning signs, the plan for them and the maintenance decision."""
    plan = case.termination
    if plan is None:
        return block(
            tag("h2", "Termination and relapse prevention"), tag("p", "Not recorded.", cls="ipt-hidden")
        )
    return block(
        tag("h2", "Termination and relapse prevention"),
        tag("h3", "Warning signs"),
        bullet_list(plan.warning_signs),
        tag("h3", "Plan"),
        bullet_list(plan.plan),
        tag("h3", "Maintenance"),
        tag("p", plan.maintenance_decision or f"maintenance: {case.plan.maintenance}"),
        tag("p", tag("em", FOOTER)),
    )


def _rate(flags: list[bool | None]) -> str:
    known = [f for f in flags if f is not None]
    return f"{sum(known)}/{len(known)} ({100 * sum(known) / len(known):.0f}%)" if known else "-"


def cohort_table(cases: list[Case]) -> Safe:
    """Every case with its focus, main measure from baseline to end, flags and alert badges."""
    rows = []
    for case in cases:
        summary = summarize(case)
        focus = case.primary_focus()
        measure = main_measure(summary.measures)
        outcome = summary.measures.get(measure) if measure else None
        scores = (
            f"{outcome.name} {outcome.baseline} -> {outcome.end if outcome.end is not None else '-'}"
            if outcome
            else "-"
        )
        alerts = join(badge(f"{a.code} wk {a.weeks_text()}", a.severity) for a in summary.alerts) or "-"
        rows.append(
            (
                case.id,
                case.title,
                PROBLEM_AREAS[focus.area].label if focus else "-",
                scores,
                _yes_no(outcome.response if outcome else None),
                _yes_no(outcome.remission if outcome else None),
                _yes_no(summary.recovery),
                alerts,
            )
        )
    header = ["id", "title", "problem area", "main measure", "response", "remission", "recovery", "alerts"]
    return block(tag("h2", f"Cases ({len(cases)})"), table(header, rows))


def cohort_rates(cases: list[Case]) -> Safe:
    """Response, remission and recovery rates per primary problem area."""
    groups: dict[str, list[Case]] = {}
    for case in cases:
        focus = case.primary_focus()
        groups.setdefault(focus.area if focus else "none", []).append(case)
    rows = []
    for area, members in groups.items():
        summaries = [summarize(c) for c in members]
        main = [s.main_outcome() for s in summaries]
        rows.append(
            (
                PROBLEM_AREAS[area].label if area in PROBLEM_AREAS else "no focus",
                len(members),
                _rate([m.response if m else None for m in main]),
                _rate([m.remission if m else None for m in main]),
                _rate([s.recovery for s in summaries]),
            )
        )
    return block(
        tag("h2", "Rates by problem area"),
        table(["problem area", "cases", "response", "remission", "recovery"], rows),
    )
