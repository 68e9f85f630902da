"""IPT knowledge as data: phases, problem areas, techniques and the adherence checklist.

Everything a clinician might want to audit sits here, once, with its source
beside it. Wording is paraphrased from the IPT manuals (Weissman, Markowitz &
Klerman 2000/2007/2018), the ISIPT and IPTUK pages and Markowitz 2006.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "ADAPTATIONS",
    "ADHERENCE_ITEMS",
    "ADHERENCE_SCALE",
    "ADHERENCE_SOURCE",
    "AFTER_ONSET_WEEKS",
    "DEATH_EVENTS",
    "DISPUTE_EVENTS",
    "DISPUTE_STAGES",
    "DISPUTE_STAGE_TACTICS",
    "MAX_FOCUS_ENTRIES",
    "MAX_PROBLEM_AREAS",
    "MEDICATION_CHANGES",
    "OLD_DEATH_WEEKS",
    "ONSET_WINDOW_WEEKS",
    "PHASES",
    "PHASE_LABELS",
    "PHASE_SOURCE",
    "PROBLEM_AREAS",
    "STANDARD_AREAS",
    "TECHNIQUES",
    "TECHNIQUES_SOURCE",
    "TRANSITION_EVENTS",
    "Adaptation",
    "AdaptationId",
    "AdherenceItem",
    "DisputeStage",
    "PhaseId",
    "ProblemArea",
    "ProblemAreaId",
    "Technique",
    "adaptation_phases",
    "adherence_items_for",
    "area_label",
    "default_phases",
    "near_onset",
    "phase_in",
]

PhaseId = Literal["initial", "middle", "termination"]
ProblemAreaId = Literal[
    "grief", "role_dispute", "role_transition", "interpersonal_deficits", "lost_healthy_self"
]  # fmt: skip
AdaptationId = Literal["standard", "ipt_a", "group", "perinatal", "ipc", "ipt_m", "ipsrt"]
DisputeStage = Literal["renegotiation", "impasse", "dissolution"]

PHASES: Final[tuple[PhaseId, ...]] = ("initial", "middle", "termination")
PHASE_LABELS: Final[dict[str, str]] = {
    "intake": "Intake",
    "initial": "Initial phase",
    "middle": "Middle phase",
    "termination": "Termination",
    "follow_up": "Follow-up",
    "maintenance": "Maintenance",
    "before_intake": "Before intake",
}
PHASE_SOURCE: Final = "IPTUK 'Stages of IPT' (16 sessions: 1-4, 5-12, 13-16); Markowitz 2006 (WMK)"


def default_phases(sessions: int) -> dict[PhaseId, tuple[int, int]]:
    """Default phase boundaries for a course of ``sessions`` weekly sessions.

    16 sessions give the UK split 1-4 / 5-12 / 13-16. Other lengths: the
    initial phase is weeks 1-3 (1-4 from 16 sessions on), termination is the
    last quarter rounded (at least 2 weeks), the middle phase lies between.
    """
    initial_last = 4 if sessions >= 16 else 3
    termination_weeks = max(2, int(sessions / 4 + 0.5))  # half rounds up
    termination_first = sessions - termination_weeks + 1
    return {
        "initial": (1, initial_last),
        "middle": (initial_last + 1, termination_first - 1),
        "termination": (termination_first, sessions),
    }


@dataclass(frozen=True, slots=True)
class ProblemArea:
    """One of IPT's focal problem areas, with its goals and strategies (IPT.md section 3)."""

    id: ProblemAreaId
    label: str
    ipt_words: str
    """How the area is named to the patient in a formulation."""
    choose_when: str
    not_when: str
    goals: tuple[str, ...]
    strategies: tuple[str, ...]
    source: str


_MANUALS = "Weissman, Markowitz & Klerman 2000/2007/2018; ISIPT key strategies; IPTUK"

PROBLEM_AREAS: Final[dict[str, ProblemArea]] = {
    area.id: area
    for area in (
        ProblemArea(
            id="grief",
            label="Grief",
            ipt_words="complicated bereavement",
            choose_when=(
                "the episode began or worsened with the death of someone important, and "
                "mourning is delayed, distorted or prolonged"
            ),
            not_when="the loss is not a death (use role transition or role dispute)",
            goals=(
                "help the patient mourn: get the stalled grieving moving",
                "help the patient rebuild interests and relationships that partly fill the gap",
            ),
            strategies=(
                "review depressive symptoms",
                "relate symptom onset to the death",
                "reconstruct the relationship with the deceased, good and bad sides",
                "go through the events before, during and after the death in detail",
                "explore feelings, including anger, guilt or relief",
                "consider ways of becoming involved with others again",
            ),
            source=_MANUALS,
        ),
        ProblemArea(
            id="role_dispute",
            label="Role dispute",
            ipt_words="role dispute",
            choose_when=(
                "the episode goes with an open or hidden struggle with someone important in "
                "which the two hold non-reciprocal expectations of the relationship"
            ),
            not_when="the conflict is minor and not linked in time to the episode",
            goals=(
                "name the dispute, the people and the issues",
                "decide on a course of action",
                "change expectations or communication so the dispute can be settled",
            ),
            strategies=(
                "review depressive symptoms",
                "relate symptom onset to the dispute",
                "determine the stage of the dispute",
                "clarify each side's expectations and where they differ",
                "identify the issues, options and resources for change",
                "look for parallels in other relationships",
                "communication analysis and role play of key conversations",
            ),
            source=_MANUALS,
        ),
        ProblemArea(
            id="role_transition",
            label="Role transition",
            ipt_words="role transition",
            choose_when=(
                "the episode goes with difficulty adapting to a change of life role: a new "
                "job or job loss, retirement, separation, parenthood, a move, an illness"
            ),
            not_when="the change is a death (use grief)",
            goals=(
                "mourn and accept the loss of the old role",
                "see the new role in a more balanced, positive light",
                "restore self-esteem through mastery of the new role's demands",
            ),
            strategies=(
                "review depressive symptoms",
                "relate symptoms to the difficulty of coping with the change",
                "review good and bad sides of the old and the new role",
                "explore feelings about what was lost",
                "explore opportunities in the new role",
                "build the support and skills the new role calls for",
            ),
            source=_MANUALS,
        ),
        ProblemArea(
            id="interpersonal_deficits",
            label="Interpersonal deficits",
            ipt_words="interpersonal deficits (interpersonal sensitivity)",
            choose_when=(
                "residual: no recent death, dispute or transition explains the episode, and "
                "the patient has a history of isolation or unfulfilling relationships"
            ),
            not_when="a death, dispute or transition lies near the onset",
            goals=("lessen the patient's isolation", "help the patient build new relationships"),
            strategies=(
                "review depressive symptoms",
                "relate symptoms to isolation or lack of fulfilment",
                "review past important relationships",
                "explore repeating patterns in relationships",
                "use the relationship with the therapist as a model",
                "role play and graded social tasks",
            ),
            source="Markowitz & Weissman 2004; Weissman et al. 2007; IPTUK (interpersonal sensitivity)",
        ),
        ProblemArea(
            id="lost_healthy_self",
            label="Grief for the lost healthy self",
            ipt_words="grief for the healthy self that the illness took",
            choose_when=(
                "IPSRT only: the patient mourns the life and self they had, or hoped for, before a "
                "chronic mood illness such as bipolar disorder"
            ),
            not_when="outside IPSRT, or the loss is a death (grief) or a change of role (transition)",
            goals=(
                "help the patient mourn the lost healthy self",
                "help the patient accept the illness and build a life with it",
            ),
            strategies=(
                "review the life before the illness and what it took",
                "encourage the expression of sadness and anger about the losses",
                "identify what is still possible, and new goals that fit the illness",
                "link regular social rhythms to the new goals",
            ),
            source="Frank 2005, Treating Bipolar Disorder (IPSRT); IPT.md section 7",
        ),
    )
}
STANDARD_AREAS: Final = ("grief", "role_dispute", "role_transition", "interpersonal_deficits")


@dataclass(frozen=True, slots=True)
class Adaptation:
    """One IPT format (IPT.md section 7): what it allows and how it names things."""

    id: AdaptationId
    label: str
    sessions: tuple[int, int]
    """Allowed ``plan.sessions``, first and last."""
    source: str
    phases: dict[int, dict[PhaseId, tuple[int, int]]] | None = None
    """Default phases for a course length, where the adaptation's manual gives them."""
    area_labels: dict[str, str] | None = None
    """How the problem areas are named in this format."""
    extra_areas: tuple[str, ...] = ()


ADAPTATIONS: Final[dict[str, Adaptation]] = {
    a.id: a
    for a in (
        Adaptation("standard", "IPT", (6, 24), _MANUALS),
        Adaptation(
            "ipt_a", "IPT-A (adolescents)", (6, 24), "Mufson et al. 2004 (12 sessions: 1-4 / 5-8 / 9-12)",
            phases={12: {"initial": (1, 4), "middle": (5, 8), "termination": (9, 12)}},
        ),
        Adaptation(
            "group", "Group IPT (WHO)", (6, 24),
            "WHO 2016, Group Interpersonal Therapy (IPT) for Depression (WHO/MSD/MER/16.4): 8 group "
            "sessions after an individual pre-group meeting (week 0). UNCERTAIN in IPT.md: session 1 "
            "initial, 2-7 middle, 8 termination is the kit's reading of the manual",
            phases={8: {"initial": (1, 1), "middle": (2, 7), "termination": (8, 8)}},
            area_labels={
                "grief": "Grief", "role_dispute": "Disputes", "role_transition": "Life changes",
                "interpersonal_deficits": "Loneliness and social isolation",
            },
        ),
        Adaptation("perinatal", "Perinatal IPT", (6, 24), "Spinelli & Endicott 2003; O'Hara et al. 2000"),
        Adaptation(
            "ipc", "Interpersonal Counselling (IPC)", (1, 6),
            "Klerman et al. 1987; Weissman et al. 2014, Am J Psychother 68:359 (up to 6 sessions)",
        ),
        Adaptation("ipt_m", "Maintenance IPT (IPT-M)", (6, 24), "Frank et al. 1990 (monthly maintenance)"),
        Adaptation(
            "ipsrt", "IPSRT", (6, 24), "Frank 2005 (adds grief for the lost healthy self)",
            extra_areas=("lost_healthy_self",),
        ),
    )
}  # fmt: skip


def adaptation_phases(adaptation: str, sessions: int) -> dict[PhaseId, tuple[int, int]]:
    """Default phases for a course: the adaptation's own where its manual gives them, else
    :func:`default_phases`. IPC's brief courses: session 1 initial, the last termination, any
    between middle (a one-session course has only an initial phase)."""
    given = ADAPTATIONS[adaptation].phases or {}
    if sessions in given:
        return dict(given[sessions])
    if sessions < 6:
        spans: dict[PhaseId, tuple[int, int]] = {"initial": (1, 1)}
        if sessions > 2:
            spans["middle"] = (2, sessions - 1)
        if sessions > 1:
            spans["termination"] = (sessions, sessions)
        return spans
    return default_phases(sessions)


def area_label(area: str, adaptation: str = "standard") -> str:
    """The problem area's name as the case's format says it (WHO group IPT: "Life changes")."""
    labels = ADAPTATIONS[adaptation].area_labels or {}
    return labels.get(area, PROBLEM_AREAS[area].label)


DISPUTE_STAGES: Final[dict[str, str]] = {
    "renegotiation": "both know they differ and are actively, if unsuccessfully, trying to change things",
    "impasse": "discussion has stopped; smouldering resentment, no attempt to resolve",
    "dissolution": "the relationship is broken beyond repair or one side wants to end it",
}
DISPUTE_STAGE_TACTICS: Final[dict[str, str]] = {
    "renegotiation": "calm the parties and help them reach a workable resolution",
    "impasse": "bring the disagreement into the open to restart negotiation",
    "dissolution": "help the patient end the relationship and mourn it",
}

MAX_PROBLEM_AREAS: Final = 2
"""Problem areas in focus at any one week (a revised focus adds entries with from/until weeks)."""
MAX_FOCUS_ENTRIES: Final = 6
ONSET_WINDOW_WEEKS: Final = 26
"""An event up to this many weeks before the episode's onset counts as near it (CASE-FORMAT, focus)."""
AFTER_ONSET_WEEKS: Final = 4
"""Events up to this many weeks after onset still count as near it (kit heuristic: an episode's
onset is dated in retrospect, to within a month)."""
OLD_DEATH_WEEKS: Final = 104
"""A death more than two years (104 weeks) before onset makes grief a warning (CASE-FORMAT,
'Additions': the loss may be a transition, or the grief may not be the current focus)."""


def near_onset(event_week: int, onset_week: int | None) -> bool:
    """Whether an event lies near the episode's onset: one window for the rules and the evidence panel.

    Without a recorded onset, the window is the ``ONSET_WINDOW_WEEKS`` before intake (week 0).
    """
    if onset_week is None:
        return -ONSET_WINDOW_WEEKS <= event_week <= 0
    return onset_week - ONSET_WINDOW_WEEKS <= event_week <= onset_week + AFTER_ONSET_WEEKS


"""Events this many weeks before onset count as 'near onset' (kit heuristic, IPT.md 3.4: ~6 months)."""

DEATH_EVENTS: Final = frozenset({"death"})
DISPUTE_EVENTS: Final = frozenset({"conflict"})
TRANSITION_EVENTS: Final = frozenset(
    {
        "separation",
        "relationship_start",
        "move",
        "job_start",
        "job_loss",
        "retirement",
        "illness",
        "birth",
        "pregnancy",
        "school_change",
    }
)


MEDICATION_CHANGES: Final = ("start", "increase", "decrease", "switch", "stop")


@dataclass(frozen=True, slots=True)
class Technique:
    """An IPT technique a session can record (``techniques``), with its source."""

    id: str
    name: str
    what: str


TECHNIQUES_SOURCE: Final = "Weissman, Markowitz & Klerman 2018, ch. 10; Stuart & Robertson 2012"
TECHNIQUES: Final[dict[str, Technique]] = {
    t.id: t
    for t in (
        Technique(
            "TQ_explore_nondirective",
            "Nondirective exploration",
            "open prompts that let the patient bring up material",
        ),
        Technique("TQ_explore_direct", "Direct elicitation", "focused questions for specific information"),
        Technique("TQ_affect", "Encouragement of affect", "help the patient express and use feelings"),
        Technique("TQ_clarification", "Clarification", "restate, highlight contradictions and patterns"),
        Technique(
            "TQ_communication_analysis",
            "Communication analysis",
            "reconstruct an important conversation step by step",
        ),
        Technique(
            "TQ_decision_analysis",
            "Decision analysis",
            "generate and weigh options, choose one to try",
        ),
        Technique("TQ_role_play", "Role play", "rehearse a difficult interaction with the therapist"),
        Technique(
            "TQ_therapeutic_relationship",
            "Use of the therapeutic relationship",
            "here-and-now feedback as a model of other relationships",
        ),
        Technique(
            "TQ_behaviour_change_directive",
            "Directive techniques",
            "advice, suggestion, limit setting, education",
        ),
        Technique(
            "TQ_between_session_tasks",
            "Between-session tasks",
            "agreed interpersonal actions before the next session",
        ),
        Technique(
            "TQ_interpersonal_incidents",
            "Interpersonal incidents",
            "elicit recent interactions in detail",
        ),
        Technique(
            "TQ_mood_event_link",
            "Linking mood and events",
            "connect the week's mood changes to events",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class AdherenceItem:
    """One task of the adherence checklist, with the phase it belongs to."""

    id: str
    phase: PhaseId
    task: str


ADHERENCE_SOURCE: Final = (
    "paraphrased from Weissman, Markowitz & Klerman 2000/2018; Markowitz 2006; IPTUK; ISIPT "
    "(kit ids; not a validated adherence scale)"
)
ADHERENCE_SCALE: Final[dict[str, str]] = {
    "0": "not done",
    "1": "partly done",
    "2": "done adequately",
    "na": "not applicable this session",
}
_ADHERENCE_ROWS: Final[tuple[tuple[str, PhaseId, str], ...]] = (
    ("I01_symptom_review", "initial", "Reviews current depressive symptoms systematically."),
    ("I02_diagnosis_named", "initial", "Names the syndrome explicitly to the patient."),
    ("I03_severity_score", "initial", "Administers a severity measure and shares the score."),
    ("I04_psychoeducation", "initial", "Explains depression as a common, treatable illness."),
    ("I05_sick_role", "initial", "Assigns the sick role."),
    ("I06_medication_need", "initial", "Evaluates the need for medication or medical work-up."),
    ("I07_risk_assessment", "initial", "Assesses suicide risk and safety."),
    ("I08_interpersonal_inventory", "initial", "Completes the interpersonal inventory."),
    ("I09_timeline", "initial", "Links the onset in time to interpersonal events."),
    ("I10_problem_area_selected", "initial", "Identifies the problem area(s); sets goals."),
    ("I11_formulation_delivered", "initial", "Presents the interpersonal formulation."),
    ("I12_patient_agreement", "initial", "Obtains the patient's agreement with the focus."),
    ("I13_contract", "initial", "Agrees the treatment contract."),
    ("I14_hope", "initial", "Instils realistic hope."),
    ("M01_opening_question", "middle", "Opens with an interval question on mood and events."),
    ("M02_weekly_measure", "middle", "Re-administers the symptom measure and reviews change."),
    ("M03_mood_event_link", "middle", "Links mood changes to the week's interpersonal events."),
    ("M04_stays_on_focus", "middle", "Keeps work on the agreed problem area."),
    ("M05_problem_area_strategies", "middle", "Uses the strategies of the chosen problem area."),
    ("M06_affect", "middle", "Encourages expression and understanding of affect."),
    ("M07_options_generated", "middle", "Helps generate and evaluate options."),
    ("M08_rehearsal", "middle", "Rehearses new interpersonal behaviour."),
    ("M09_between_session_action", "middle", "Agrees concrete actions before the next session."),
    ("M10_success_attribution", "middle", "Credits improvements to the patient."),
    ("M11_time_reminder", "middle", "Reminds the patient how many sessions remain."),
    ("M12_sick_role_update", "middle", "Reduces the sick role as symptoms improve."),
    ("T01_end_named_early", "termination", "Raises the end of treatment several sessions ahead."),
    ("T02_progress_review", "termination", "Reviews symptom change and problem-area progress."),
    ("T03_competence", "termination", "Emphasises the patient's independent competence."),
    ("T04_feelings_about_ending", "termination", "Explores feelings about ending."),
    ("T05_relapse_signs", "termination", "Identifies early-warning symptoms and triggers."),
    ("T06_relapse_plan", "termination", "Agrees what to do if symptoms recur."),
    (
        "T07_nonresponse_plan",
        "termination",
        "If response is inadequate, blames the treatment and discusses alternatives.",
    ),
    ("T08_maintenance_decision", "termination", "Decides on continuation or maintenance."),
    ("T09_remaining_issues", "termination", "Names remaining interpersonal issues."),
)
ADHERENCE_ITEMS: Final[dict[str, AdherenceItem]] = {row[0]: AdherenceItem(*row) for row in _ADHERENCE_ROWS}


def adherence_items_for(phase: str) -> list[AdherenceItem]:
    """The checklist items a supervisor rates in a session of ``phase``."""
    return [item for item in ADHERENCE_ITEMS.values() if item.phase == phase]


def phase_in(spans: dict[PhaseId, tuple[int, int]], week: int) -> str:
    """The phase ``week`` lies in, given a plan's phase spans (``Plan.phase_spans``).

    ``Case.phase_of`` works the spans out on each call; a loop over many weeks works them out once
    and calls this.
    """
    if week < 0:
        return "before_intake"
    if week == 0:
        return "intake"
    for phase, (first, last) in spans.items():
        if first <= week <= last:
            return phase
    return "follow_up"
