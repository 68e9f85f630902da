"""The commented draft that ``ipt-nb new`` writes: a valid case to fill in."""

from __future__ import annotations

from .catalog import ADAPTATIONS

DRAFT = """\
# A new IPT case (format ipt-case/1). Fill it in, then check it with:
#   ipt-nb validate {filename}
# Privacy: use pseudonyms or role labels, weeks relative to intake, no calendar dates.
format: ipt-case/1
id: {case_id}
title: "{case_id}: a new case"
provenance: invented          # invented | composite | disguised_published_case | real_with_consent
{adaptation_line}
patient:
  label: Patient              # a pseudonym or a role label, never a real name
  age_band: "30-34"           # or age: 32; ages over 89 are written "90+"
  presenting_problem: ""

diagnosis:
  label: Major depressive disorder, single episode, moderate
  system: DSM-5-TR

plan:
  sessions: {sessions:<18}# planned acute sessions ({range_note})
  follow_up_weeks: []
  maintenance: none           # none | monthly | biweekly | weekly

# The interpersonal inventory: one entry per significant person.
people:
  - id: partner
    label: Partner
    relationship: partner     # partner, spouse, ex_partner, child, parent, sibling, friend, ...
    ring: 1                   # closeness circle: 1 inner, 2 middle, 3 outer, null outside
    closeness: 5              # 0-10

timeline: []                  # events: {{week: -8, kind: move, text: ..., people: [partner]}}

sessions:
  - week: 0                   # intake
    measures: {{}}              # e.g. phq9: 17, or phq9: {{items: [2, 2, 2, 2, 2, 2, 2, 3, 0]}}
"""


DRAFT_SESSIONS = {
    "standard": 16,
    "ipt_a": 12,
    "group": 8,
    "perinatal": 12,
    "ipc": 4,
    "ipt_m": 12,
    "ipsrt": 16,
}
"""The course each adaptation's draft plans (IPT.md section 7; perinatal: the postpartum 12)."""


def draft(case_id: str, filename: str, adaptation: str = "standard") -> str:
    """The draft for ``adaptation``: its course length, with its allowed range named."""
    chosen = ADAPTATIONS[adaptation]
    low, high = chosen.sessions
    line = "" if adaptation == "standard" else f"adaptation: {adaptation:<16}# {chosen.label}\n"
    if adaptation == "group":
        line += "group: {id: my-group}        # the case files of one group share this id\n"
    return DRAFT.format(
        case_id=case_id,
        filename=filename,
        adaptation_line=line,
        sessions=DRAFT_SESSIONS[adaptation],
        range_note=f"{chosen.label}: {low}-{high}" + ("; IPT's classic range is 12-16" if high > 6 else ""),
    )
