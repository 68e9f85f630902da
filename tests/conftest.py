"""Shared fixtures: the sample casebook and small real case files written to temp folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "casebook" / "cases"
SAMPLE_IDS = ("amara", "joy", "margit", "tobias")
"""The four full-length cases (every week scored, rated and rated for adherence)."""
GROUP_FOLDERS = sorted(p for p in CASES.iterdir() if p.is_dir())
TEACHING_FILES = sorted(CASES.glob("*.yaml")) + [f for g in GROUP_FOLDERS for f in sorted(g.glob("*.yaml"))]
"""Every case file of the casebook: the individual cases and each group's members."""

MINIMAL = """\
# a small valid case
format: ipt-case/1
id: mini
title: "Mini: a small test case"
provenance: invented
patient: {label: Pat, age: 40}
diagnosis: {label: MDD}
plan: {sessions: 12, follow_up_weeks: [20]}
people:
  - {id: alex, label: Alex, relationship: partner, ring: 1, closeness: 6}
  - {id: sam, label: Sam, relationship: friend, ring: 3}
sessions:
  - {week: 0, measures: {phq9: 15}}
  - {week: 4, measures: {phq9: 12}, ratings: {sam: {ring: 2, closeness: 5}}}
"""


@pytest.fixture
def write_case(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write YAML text to a real file in a temp folder and return its path."""

    def write(text: str, name: str = "case.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(params=SAMPLE_IDS)
def sample_path(request: pytest.FixtureRequest) -> Path:
    return CASES / f"{request.param}.yaml"


def _hypothesis_profile() -> None:
    """No deadline: the first examples pay for imports and kernels' warm-up, not for slowness."""
    from hypothesis import HealthCheck, settings

    settings.register_profile("ipt-nb", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("ipt-nb")


_hypothesis_profile()
