"""``ipt-nb class serve`` driven as a class lives it: eight students in browser contexts of their own
on two cases, some changing their answer after the feedback; the educator's page and the results
count exactly what each chose first; closed pages release their kernels."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ipt_nb.catalog import PROBLEM_AREAS

from ..conftest import CASES, ROOT
from .conftest import axe_violations, keep

pytestmark = pytest.mark.slow
READY = 240_000  # eight kernels on two cores, half of them started on demand
POOL = 2

PLANS = {
    "joy": {
        "Robin": ["role_dispute"],
        "Sam": ["role_transition", "role_dispute"],
        "Kit": ["grief"],
        "Ana": ["role_dispute"],
    },
    "margit": {
        "ana": ["interpersonal_deficits", "grief"],
        "Lee": ["grief"],
        "Mo": ["grief"],
        "Jo": ["role_transition", "role_dispute", "grief"],
    },
}


def kernels_of(pid: int) -> int:
    """How many ipykernel processes run below ``pid``."""
    found = 0
    for stat in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = stat.read_bytes().replace(b"\0", b" ")
            status = (stat.parent / "status").read_text()
        except OSError:
            continue
        if b"ipykernel_launcher" in line and _descends(int(stat.parent.name), pid):
            found += "State:\tZ" not in status
    return found


def _descends(child: int, ancestor: int) -> bool:
    while child > 1:
        try:
            child = int(Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
        if child == ancestor:
            return True
    return False


def start_class(answers: Path) -> tuple[subprocess.Popen[str], dict[str, str], str]:
    command = [sys.executable, "-m", "ipt_nb", "class", "serve", str(CASES / "joy.yaml"),
               str(CASES / "margit.yaml"), "--answers", str(answers), "--pool", str(POOL)]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    students: dict[str, str] = {}
    for _ in range(10):
        line = process.stdout.readline()
        if found := re.search(r"students, case (\w+): (http://127\.0\.0\.1:\d+/\S+token=[\w-]+)", line):
            students[found.group(1)] = found.group(2)
        if found := re.search(r"educator .*: (http://127\.0\.0\.1:\d+/\?token=[\w-]+)", line):
            return process, students, found.group(1)
    raise AssertionError("class serve printed no educator address")


def wait_for_exercise(page: Any) -> None:
    """Wait for a student's exercise; reload once on Voila's widget-manager race ("model not
    found", see tests/browser/test_app.py), which a reload resolves, as a student would."""
    submit = page.locator("button[title='Submit']:visible")
    broken = page.get_by_text("Error displaying widget: model not found")
    submit.or_(broken).first.wait_for(timeout=READY)
    if not submit.count():
        page.reload()
        submit.wait_for(timeout=READY)


def test_a_class_of_eight_hands_in_and_nothing_is_lost_or_mixed_up(browser: Any, tmp_path: Path) -> None:
    answers = tmp_path / "answers"
    process, students, educator = start_class(answers)
    assert set(students) == {"joy", "margit"} and answers.is_dir()
    try:
        deadline = time.monotonic() + 120
        while kernels_of(process.pid) < 2 * POOL and time.monotonic() < deadline:
            time.sleep(1)  # the class arrives once the pre-started kernels are there, as in a room
        contexts, pages = {}, {}
        for case_id, plans in PLANS.items():
            for name in plans:
                contexts[name] = browser.new_context(viewport={"width": 1280, "height": 720})
                pages[name] = contexts[name].new_page()
                pages[name].goto(students[case_id], wait_until="commit", timeout=READY)
        for name, page in pages.items():
            wait_for_exercise(page)
            page.locator(".widget-inline-hbox:has(> label:text-is('Your name'))").last.locator("input").fill(
                name
            )
        plans = {name: plan for case_plans in PLANS.values() for name, plan in case_plans.items()}
        for round_ in range(3):
            for name, page in pages.items():
                if round_ >= len(plans[name]):
                    continue
                page.locator(".widget-dropdown:has(> label:text-is('Problem area')) select").select_option(
                    label=PROBLEM_AREAS[plans[name][round_]].label
                )
                page.locator("button[title='Submit']:visible").click()
                page.wait_for_function(
                    f"document.body.innerText.includes('Handed in: attempt {round_ + 1}')", timeout=60_000
                )
        assert axe_violations(pages["Robin"]) == []
        pages["Robin"].screenshot(path=str(tmp_path / "student.png"))
        keep(tmp_path / "student.png", "class-student.png")

        board = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        board.goto(educator)
        board.locator("button:has-text('Refresh')").wait_for(timeout=READY)
        board.wait_for_function("document.body.innerText.includes('8 committed answer(s)')", timeout=30_000)
        assert "Robin" not in board.inner_text("body")  # names hidden until asked for
        assert axe_violations(board) == []
        board.locator("button:has-text('Show names')").click()
        board.wait_for_function("document.body.innerText.includes('Robin')", timeout=30_000)
        board.screenshot(path=str(tmp_path / "educator.png"), full_page=True)
        keep(tmp_path / "educator.png", "class-educator.png")
        board.context.close()

        during = kernels_of(process.pid)
        for context in contexts.values():
            context.close()
        deadline = time.monotonic() + 60
        while kernels_of(process.pid) > 2 * POOL + 1 and time.monotonic() < deadline:
            time.sleep(2)
        after = kernels_of(process.pid)
        assert after <= 2 * POOL + 1 < during, (during, after)  # the pools and the educator's kernel
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()  # type: ignore[union-attr]

    done = subprocess.run(
        [sys.executable, "-m", "ipt_nb", "class", "results", str(answers), "--json",
         "--out", str(tmp_path / "results.html")],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    results = json.loads(done.stdout)["cases"]
    for case_id, case_plans in PLANS.items():
        firsts: dict[str, int] = {}
        for plan in case_plans.values():
            firsts[plan[0]] = firsts.get(plan[0], 0) + 1
        assert results[case_id]["first_choice"] == dict(sorted(firsts.items()))
        assert results[case_id]["attempts"] == {name: len(plan) for name, plan in case_plans.items()}
        changed = sum(1 for plan in case_plans.values() if len(plan) > 1 and plan[-1] != plan[0])
        assert results[case_id]["changed_after_feedback"] == changed
    assert results["joy"]["first_choice_correct"] == 2  # Robin and Ana chose role dispute first
    assert results["margit"]["first_choice_correct"] == 2  # Lee and Mo chose grief first
    assert len(list(answers.glob("*.json"))) == 8  # one file per student and case, none overwritten

    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.goto((tmp_path / "results.html").as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 2")
    assert "Robin" not in page.inner_text("body")
    assert axe_violations(page) == []
    page.context.close()
