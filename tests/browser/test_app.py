"""The forms as a local Voila app, driven in a real browser; the case file on disk is checked."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ipt_nb import Case, load_case, save_case
from ipt_nb.app import _redirect_page
from ipt_nb.disclosure import hidden_texts

from ..conftest import CASES, ROOT
from .conftest import axe_violations, keep

pytestmark = pytest.mark.slow
WIDGETS_READY = 60_000


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Any]:
    """Start ``ipt-nb app`` for a scratch copy of a case; the server group is always stopped."""
    started: list[subprocess.Popen[str]] = []

    def start(
        case_id: str = "joy", notebook: str = "workbench", case: Path | None = None
    ) -> tuple[str, Path]:
        case = case or Path(shutil.copy(CASES / f"{case_id}.yaml", tmp_path / f"{case_id}.yaml"))
        process = subprocess.Popen(
            [sys.executable, "-m", "ipt_nb", "app", str(case), "--no-browser", "--notebook", notebook],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
        )  # fmt: skip
        started.append(process)
        assert process.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            found = re.search(r"at (http://127\.0\.0\.1:\d+/\?token=[\w-]+)", line)
            if found:
                return found.group(1), case
        raise AssertionError("the app did not start")

    yield start
    for process in started:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
        if process.stdout:
            process.stdout.close()


def button(page: Any, title: str) -> Any:
    """A widget button by its exact title (icon glyphs make accessible names fuzzy)."""
    return page.locator(f"button[title='{title}']:visible")


def field(page: Any, label: str, kind: str = "input") -> Any:
    return page.locator(f".widget-inline-hbox:has(> label:text-is('{label}'))").last.locator(kind)


def unseen_case(folder: Path) -> Path:
    """A case the casebook has never seen: new id, new people."""
    data = load_case(CASES / "tobias.yaml").model_dump(mode="json", exclude_unset=True)
    data.update(id="unseen", title="Unseen: a case from outside the casebook")
    for number, person in enumerate(data["people"]):
        person["label"] = f"Visitor {number + 1}"
    path = save_case(Case.model_validate(data), folder / "unseen.yaml")
    path.write_text(
        "# An unseen case: this comment must survive a save from the browser.\n" + path.read_text()
    )
    return path


def test_inventory_add_a_person_and_save(app: Any, page: Any, tmp_path: Path) -> None:
    url, case = app(case=unseen_case(tmp_path))
    page.goto(url)
    button(page, "Add person").wait_for(timeout=WIDGETS_READY)
    labels = page.locator(".widget-inline-hbox:has(> label:text-is('label (pseudonym or role)')) input")
    expect(labels).to_have_count(len(load_case(case).people))
    shown = {labels.nth(i).input_value() for i in range(labels.count())}
    assert shown == {p.label for p in load_case(case).people}  # every person of the inventory is visible
    before = case.read_text()
    ids = page.locator(".widget-inline-hbox:has(> label:text-is('id')) input")
    people = ids.count()
    button(page, "Add person").click()
    expect(ids).to_have_count(people + 1)
    expect(ids.last).to_have_value(f"person-{people + 1}")
    field(page, "id").fill("neighbour")
    field(page, "id").press("Tab")
    field(page, "label (pseudonym or role)").fill("Neighbour")
    field(page, "label (pseudonym or role)").press("Tab")
    field(page, "relationship", "select").select_option(label="neighbour")
    field(page, "ring at intake", "select").select_option(label="2 middle")
    page.wait_for_function("document.body.innerText.includes('unsaved changes')")
    button(page, "Save").click()
    page.wait_for_function("document.body.innerText.includes('Saved to')", timeout=20_000)
    saved = load_case(case)
    assert saved.person("neighbour").label == "Neighbour" and saved.person("neighbour").ring == 2
    assert case.read_text().startswith("# An unseen case: this comment must survive")
    assert case.read_text().splitlines()[:8] == before.splitlines()[:8]  # the file's start is untouched
    preview = page.locator(".js-plotly-plot text", has_text="Neighbour")
    expect(preview.first).to_be_visible()  # the closeness preview shows the new person
    page.screenshot(path=str(tmp_path / "inventory.png"), full_page=True)
    keep(tmp_path / "inventory.png", "app-inventory.png")


def test_the_app_needs_its_token(app: Any) -> None:
    """Loopback is shared by every user of a machine: without the printed token, only a login page."""

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *_: Any) -> None:
            return None

    opener = urllib.request.build_opener(Stay)
    url, _ = app("joy")
    bare = url.split("?")[0]
    for address in (bare, bare + "?token=wrong"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(address, timeout=30)
        assert refused.value.code == 302 and "/login" in refused.value.headers["Location"]
    with opener.open(url, timeout=60) as response:
        assert response.status == 200


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def is_zygote(pid: int) -> bool:
    """Whether ``pid`` is a process that kernels are forked from (``ipt_nb._zygote``)."""
    with contextlib.suppress(OSError):
        return b"ipt_nb._zygote import serve" in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False


def kernels(server: int) -> list[int]:
    """The server's kernels: forked ones are children of its zygote, launched ones its own."""
    found = []
    for child in children(server):
        found.extend(children(child) if is_zygote(child) else [child])
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):  # a zombie is dead
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


def start_app(*extra: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ipt_nb", "app", str(CASES / "joy.yaml"), "--no-browser", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    for _ in range(5):
        line = process.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:\d+/\?token=[\w-]+)", line)
        if found:
            return process, found.group(1)
    process.stdout.close()
    raise AssertionError("the app printed no address")


def test_a_killed_command_leaves_no_server_kernel_or_port_behind() -> None:
    process, url = start_app()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # loading the page starts a kernel
            assert response.status == 200
        (server,) = children(process.pid)
        page_kernels = kernels(server)
        assert page_kernels, "the page started a kernel"
        assert all(is_zygote(int(Path(f"/proc/{k}/stat").read_text().rsplit(")", 1)[1].split()[1]))
                   for k in page_kernels), "the app's kernels are forked from its zygote"  # fmt: skip
        everything = [server, *children(server), *page_kernels]  # the zygote too
        port = int(url.split(":")[2].split("/")[0])
        process.kill()  # SIGKILL: the command gets no chance to clean up
        process.wait(timeout=5)
        process.stdout.close()  # type: ignore[union-attr]

        def listening() -> bool:
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (any(alive(p) for p in everything) or listening()):
            time.sleep(0.1)
        assert not any(alive(p) for p in everything), "Voila or a kernel outlived kill -9"
        assert not listening(), "the app's port is still open"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def test_a_taken_port_is_not_printed_the_address_printed_is_voila(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        process, url = start_app("--port", str(taken))
        try:
            assert f":{taken}/" not in url
            with urllib.request.urlopen(url, timeout=60) as response:
                assert response.status == 200 and "voila" in response.read().decode().lower()
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
            process.stdout.close()  # type: ignore[union-attr]


def test_closed_pages_release_their_kernels_and_nothing_leaves_the_machine(app: Any, browser: Any) -> None:
    url, case = app("joy", notebook="supervision")
    left: list[str] = []  # requests off the machine that were not stopped by the page's policy
    for _ in range(10):
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        page.on("requestfinished", lambda r: left.append(r.url) if not r.url.startswith(LOCAL) else None)
        page.on(
            "requestfailed",
            lambda r: (
                left.append(f"{r.url} {r.failure}")
                if not r.url.startswith(LOCAL) and "csp" not in str(r.failure).lower()
                else None
            ),
        )
        page.goto(url)
        _wait_for_widgets(page, "Next")
        page.close(run_before_unload=True)  # as a tab is closed: the page asks for its kernel's end
        context.close()
    (server,) = [c for p in _app_processes(str(case)) for c in children(p)]
    deadline = time.monotonic() + 120  # culled 10 s after their page closed, checked every 5 s
    while time.monotonic() < deadline and len(kernels(server)) > 1:
        time.sleep(1)
    assert len(kernels(server)) <= 1
    assert left == []


LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")


def _wait_for_widgets(page: Any, title: str) -> None:
    """Wait for the page's widgets; reload once if the widget manager reports a model it has not
    received ("Error displaying widget: model not found"), a race in Voila's widget manager seen
    here while the server culls other pages' kernels, which a reload resolves."""
    ready = button(page, title)
    broken = page.get_by_text("Error displaying widget: model not found")
    for attempt in range(2):
        ready.or_(broken).first.wait_for(timeout=WIDGETS_READY)
        if ready.count():
            return
        if attempt == 0:
            page.reload()
    ready.wait_for(timeout=WIDGETS_READY)


def _app_processes(case: str) -> list[int]:
    """The ``ipt-nb app`` command serving ``case`` (a test's own scratch copy)."""
    mine = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            words = cmdline.read_bytes()
            if b"ipt_nb\x00app" in words and case.encode() in words:
                mine.append(int(cmdline.parent.name))
    return mine


def test_a_page_on_another_local_port_cannot_start_kernels_with_the_login_cookie(
    app: Any, browser: Any, tmp_path: Path
) -> None:
    """The user has the app open (the login cookie is set); a page from another 127.0.0.1 port, in
    the same browser, loads the app blind five times. No kernel may start; the user's page still
    works, and closing it shuts its kernel down at once (its shutdown request passes the XSRF check)."""
    url, case = app("joy", notebook="supervision")
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(url)
    _wait_for_widgets(page, "Next")
    (server,) = [c for p in _app_processes(str(case)) for c in children(p)]
    running = len(kernels(server))  # the page's kernel and the spare started for the next page
    bare = url.split("?")[0]
    (tmp_path / "evil.html").write_text(
        "<!DOCTYPE html><title>elsewhere</title><script>"
        f"Promise.all([1,2,3,4,5].map(() => fetch({bare!r}, {{mode: 'no-cors', credentials: 'include'}})))"
        ".then(() => { document.title = 'sent'; });</script>"
    )
    evil = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "0"], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert evil.stdout is not None
        evil_port = re.search(r"port (\d+)", evil.stdout.readline()).group(1)  # type: ignore[union-attr]
        other = context.new_page()
        other.goto(f"http://127.0.0.1:{evil_port}/evil.html")
        other.wait_for_function("document.title === 'sent'", timeout=60_000)
        time.sleep(3)  # a kernel started by those loads would be a child of the server by now
        assert len(kernels(server)) == running, "a page on another port started kernels"
        other.close()
    finally:
        evil.terminate()
        evil.wait(timeout=10)
        evil.stdout.close()  # type: ignore[union-attr]
    button(page, "Next").click()  # the user's own page still answers
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 8  # culling would take at least 10 s of idleness
    while time.monotonic() < deadline and len(kernels(server)) >= running:
        time.sleep(0.2)
    assert len(kernels(server)) == running - 1, "the closed page's kernel was not shut down on its request"
    context.close()


def test_pages_beyond_the_cap_are_refused_with_a_reason(app: Any) -> None:
    """Each page load starts a kernel; the fifth open page is told to close one, and no kernel
    starts for it (four pages' kernels and the one spare)."""
    url, case = app("joy", notebook="supervision")
    for _ in range(4):
        with urllib.request.urlopen(url, timeout=60) as response:
            assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=60)
    assert refused.value.code == 503 and "close one" in refused.value.read().decode()
    (server,) = [c for p in _app_processes(str(case)) for c in children(p)]
    assert len(kernels(server)) == 4 + 1


def test_the_command_prints_only_its_own_lines() -> None:
    """Voila's log (startup, kernels, requests) stays in the app's scratch folder."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ipt_nb", "app", str(CASES / "joy.yaml"), "--no-browser"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()
    url = re.search(r"at (http://127\.0\.0\.1:\d+/\?token=[\w-]+)", first)
    assert url, first
    with urllib.request.urlopen(url.group(1), timeout=60) as response:  # starts and runs a kernel
        assert response.status == 200
    os.killpg(process.pid, signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert (out, err) == ("stopping\n", "")


def test_a_terminated_command_stops_its_server(tmp_path: Path) -> None:
    """The server runs in its own session: SIGTERM or SIGHUP to the command must reach it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ipt_nb", "app", str(CASES / "joy.yaml"), "--no-browser"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        port = int(re.search(r"127\.0\.0\.1:(\d+)/", process.stdout.readline()).group(1))  # type: ignore[union-attr]
        process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        process.send_signal(signal.SIGHUP)  # a closing terminal often sends more than one: stopping goes on
        assert process.wait(timeout=30) == 0
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, "the server outlived its command"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        if process.stdout:
            process.stdout.close()


def test_the_browser_is_opened_on_a_private_page_not_on_the_token(tmp_path: Path) -> None:
    url = "http://127.0.0.1:8866/?token=abc<&>"
    page = _redirect_page(tmp_path, url)
    assert page.stat().st_mode & 0o777 == 0o600
    text = page.read_text()
    assert "abc&lt;&amp;&gt;" in text and "abc<&>" not in text


def test_an_invalid_value_is_shown_beside_the_field_and_nothing_is_written(app: Any, page: Any) -> None:
    url, case = app("joy")
    before = case.read_bytes()
    page.goto(url)
    button(page, "Add person").wait_for(timeout=WIDGETS_READY)
    page.get_by_role("tab", name="Problem area").click()
    field(page, "stage of the dispute", "select").select_option(label="-")
    button(page, "Save").click()
    page.wait_for_function("document.body.innerText.includes('Not saved')", timeout=20_000)
    beside = page.locator(".widget-hbox:has(label:text-is('stage of the dispute'))").first.inner_text()
    assert "needs its stage" in beside
    assert case.read_bytes() == before


def test_case_details_an_event_reaches_the_evidence_and_the_file(app: Any, page: Any) -> None:
    """The rest of the case in the browser: a new event near the onset shows in the problem-area
    evidence before saving and is in the file after Save; an expectation is typed part by part."""
    url, case = app("joy")
    before = load_case(case)
    page.goto(url)
    button(page, "Add person").wait_for(timeout=WIDGETS_READY)
    boxes = page.locator(".widget-inline-hbox:has(> label:text-is('expectation')) input")
    total = sum(len(p.expectations) for p in before.people)
    expect(boxes).to_have_count(total)
    button(page, "Add expectation").first.click()
    expect(boxes).to_have_count(total + 1)  # the cards are drawn again with the new entry
    text_box = boxes.nth(len(before.people[0].expectations))
    text_box.fill("to be asked | not told")
    text_box.press("Tab")
    page.get_by_role("tab", name="Case details").click()
    count = len(before.timeline)
    weeks = page.locator(".widget-inline-hbox:has(> label:text-is('week')) input")
    button(page, "Add event").click()
    expect(weeks).to_have_count(count + 1 + len(before.medication))
    onset = before.episode.onset_week  # type: ignore[union-attr]
    weeks.nth(count).fill(str(onset - 1))
    weeks.nth(count).press("Tab")
    page.locator(".widget-inline-hbox:has(> label:text-is('kind')) select").nth(count).select_option("move")
    happened = page.locator(".widget-inline-hbox:has(> label:text-is('what happened')) input").nth(count)
    happened.fill("Moves across town")
    happened.press("Tab")
    for phase, span in (("middle", "4, 11"), ("termination", "12, 16")):  # the spans must meet
        box = field(page, f"{phase} phase: first, last week")
        box.fill(span)
        box.press("Tab")
    page.get_by_role("tab", name="Problem area").click()
    page.wait_for_function("document.body.innerText.includes('Moves across town')", timeout=20_000)
    button(page, "Save").click()
    page.wait_for_function("document.body.innerText.includes('Saved to')", timeout=20_000)
    saved = load_case(case)
    assert (saved.timeline[-1].week, saved.timeline[-1].kind, saved.timeline[-1].text) == (
        onset - 1,
        "move",
        "Moves across town",
    )
    assert saved.people[0].expectations[-1].text == "to be asked | not told"
    assert saved.plan.phases is not None and (saved.plan.phases.middle, saved.plan.phases.termination) == (
        [4, 11],
        [12, 16],
    )


def test_session_log_phq9_items_for_a_new_week(app: Any, page: Any, tmp_path: Path) -> None:
    url, case = app("joy")
    page.goto(url)
    button(page, "Add person").wait_for(timeout=WIDGETS_READY)
    page.get_by_role("tab", name="Session log").click()
    field(page, "Week", "select").select_option(label="17")
    page.wait_for_function("document.body.innerText.includes('Follow-up')")  # the log now shows week 17
    expect(page.locator("label:text-is('I01_symptom_review')")).to_have_count(0)  # week 1's fields are gone
    expect(field(page, "PHQ-9 item 1")).to_have_value("")
    for number, value in enumerate([2, 2, 2, 1, 1, 1, 1, 0, 0], start=1):
        box = field(page, f"PHQ-9 item {number}")
        box.fill(str(value))
        box.press("Tab")
    expect(page.get_by_text("PHQ-9 total 10: moderate")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(tmp_path / "session-log.png"), full_page=True)
    button(page, "Save").click()
    page.wait_for_function("document.body.innerText.includes('Saved to')", timeout=20_000)
    session = load_case(case).session(17)
    assert session is not None and session.measures["phq9"].score == 10
    keep(tmp_path / "session-log.png", "app-session-log.png")


def test_supervision_walkthrough_on_a_projector(app: Any, browser: Any, tmp_path: Path) -> None:
    """A supervisor at 1280x720: arrows step the weeks, R reveals and hides, nothing hidden shows
    before reveal, the controls stay in view, large text enlarges tables and charts."""
    url, _ = app("joy", notebook="supervision")
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(url)
    button(page, "Next").wait_for(timeout=WIDGETS_READY)
    case = load_case(CASES / "joy.yaml")
    hidden = [text[:50] for text in hidden_texts(case)]

    def body() -> str:
        return page.inner_text("body")

    assert not any(text in body() for text in hidden)
    page.locator("body").click(position={"x": 5, "y": 700})  # focus the page, not a field
    for week in range(1, 4):
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"document.body.innerText.includes('week {week} of 16')", timeout=20_000)
    later_notes = [s.note[:40] for s in case.sessions if s.week > 3 and s.note]
    assert not any(note in body() for note in later_notes)
    assert not any(text in body() for text in hidden)
    page.keyboard.press("r")
    page.wait_for_function("document.body.innerText.includes('Problem area: Role dispute')", timeout=20_000)
    assert "Hide answer" in body()
    page.mouse.wheel(0, 1800)
    time.sleep(0.5)
    controls = page.locator(".ipt-walk-controls").bounding_box()
    assert controls is not None and 0 <= controls["y"] < 80  # still in view after scrolling
    assert page.locator(".ipt-walk").first.bounding_box()["width"] > 1100  # the screen's width
    page.screenshot(path=str(tmp_path / "supervision.png"))
    keep(tmp_path / "supervision.png", "app-supervision.png")
    page.keyboard.press("r")
    page.wait_for_function("!document.body.innerText.includes('Problem area: Role dispute')", timeout=20_000)
    page.keyboard.press("r")
    page.wait_for_function("document.body.innerText.includes('Problem area: Role dispute')", timeout=20_000)
    assert body().count("Problem area: Role dispute") == 1  # no duplicate block
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.innerText.includes('week 4 of 16')", timeout=20_000)
    page.wait_for_function("!document.body.innerText.includes('Problem area: Role dispute')", timeout=20_000)

    def sizes() -> tuple[float, float]:
        cell = page.locator(".ipt-walk td").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        tick = page.locator(".js-plotly-plot .xtick text").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        return cell, tick

    before = sizes()
    page.locator("button:has-text('Large text')").click()
    page.wait_for_function("document.querySelector('.ipt-large') !== null", timeout=20_000)
    time.sleep(1)
    after = sizes()
    assert after[0] >= 1.3 * before[0] and after[1] >= 1.3 * before[1], (before, after)
    assert axe_violations(page) == []
    context.close()
