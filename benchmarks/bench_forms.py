"""How fast the forms answer (median; ``make bench``), each against a baseline in the same run:

- a value change to the updated closeness-circle preview, for a 20-person inventory, against
  building the same circle from a loaded case alone;
- a keystroke in the inventory to the updated problem-area evidence, against computing the
  evidence from a loaded case alone;
- ``ipt-nb app`` from its start to an interactive page in Chromium (its controls on screen), for the
  supervision walkthrough and for the forms, against the start until its server listens; the time
  until the page's charts are drawn is printed beside it (skipped without Debian's Chromium).
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ipt_nb import Case, load_case, save_case
from ipt_nb.charts import closeness_circle
from ipt_nb.forms import Workbench
from ipt_nb.selection import evidence

ROOT = Path(__file__).resolve().parent.parent


def twenty_people(folder: Path) -> Path:
    data = load_case(ROOT / "casebook" / "cases" / "tobias.yaml").model_dump(mode="json", exclude_unset=True)
    data["people"] = [
        {
            "id": f"p{i:02d}",
            "label": f"Person {i:02d}",
            "relationship": "friend",
            "ring": 1 + i % 3,
            "closeness": i % 11,
        }
        for i in range(20)
    ]
    for key in ("problem_areas", "timeline", "formulation", "teaching"):
        data.pop(key, None)
    for session in data["sessions"]:
        session.pop("ratings", None)
    return save_case(Case.model_validate(data), folder / "crowded.yaml")


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        path = twenty_people(Path(scratch))
        bench = Workbench(path)
        bench.widget()
        closeness = bench.inventory.fields.rows[("people", 5, "closeness")].widget
        times = []
        for value in list(range(11)) * 3:
            start = time.perf_counter()
            closeness.value = value  # observers update the state, validate and redraw the preview
            times.append(time.perf_counter() - start)
        case = load_case(path)
        drawing = []
        for _ in range(30):
            start = time.perf_counter()
            closeness_circle(case)
            drawing.append(time.perf_counter() - start)
        baseline = statistics.median(drawing)
        shutil.rmtree(scratch, ignore_errors=True)
    median = statistics.median(times)
    print(f"value change -> updated preview, 20 people   {median * 1000:7.1f} ms   (target < 50 ms)")
    print(
        f"baseline: closeness_circle alone             {baseline * 1000:7.1f} ms   -> the form adds {median / baseline:.1f}x"
    )
    keystroke_to_evidence()
    page = app_to_interactive()
    return 0 if median < 0.05 and (page is None or page < 5) else 1


def keystroke_to_evidence() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(shutil.copy(ROOT / "casebook" / "cases" / "joy.yaml", Path(scratch) / "joy.yaml"))
        bench = Workbench(path)
        panel = bench.problem_area.evidence  # the tab is made when opened: open it, as a user would
        status = bench.inventory.fields.rows[("people", 4, "status")].widget
        times = []
        for value in ["deceased", "current"] * 15:
            start = time.perf_counter()
            status.value = value  # the evidence panel is redrawn by the change itself
            times.append(time.perf_counter() - start)
        assert "Father has died" not in panel.value
        case = load_case(path)
        alone = []
        for _ in range(30):
            start = time.perf_counter()
            evidence(case)
            alone.append(time.perf_counter() - start)
    median, baseline = statistics.median(times), statistics.median(alone)
    print(f"keystroke -> updated evidence panel          {median * 1000:7.1f} ms")
    print(
        f"baseline: evidence(case) alone               {baseline * 1000:7.1f} ms   -> {median / baseline:.0f}x"
    )


PAGES = {
    "supervision": (".ipt-walk-controls button", 2),  # the week controls; the week's two charts
    "workbench": (".ipt-inventory-add", 1),  # the Inventory tab's buttons; the closeness circle
}
"""Each app page: a CSS selector of its controls, and how many charts it draws."""
TIMES_JS = """
const [controls, charts] = %s;
const stamp = (name) => requestAnimationFrame(() => {  // the frame that shows it, once painted
  window[name] = window[name] || performance.timeOrigin + performance.now();
});
new MutationObserver(() => {
  if (document.querySelector(controls)) stamp("iptShown");
  if (document.querySelectorAll(".js-plotly-plot .main-svg").length >= charts) stamp("iptCharts");
}).observe(document, {childList: true, subtree: true});
"""
"""Wall-clock times (ms) at which the page first showed its controls, and then all its charts: taken in
the page itself, since a check from outside waits while the page's main thread draws a chart."""


def app_to_interactive() -> float | None:
    """Seconds from ``ipt-nb app`` start to an interactive page (``None`` without Chromium): the slower
    of the two app pages, each the median of three starts."""
    if not Path("/usr/bin/chromium").exists():
        print("app start -> interactive page: skipped (no /usr/bin/chromium)")
        return None
    from playwright.sync_api import sync_playwright

    slowest = 0.0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for kind, (controls, charts) in PAGES.items():
            times: dict[str, list[float]] = {"listening": [], "shown": [], "charts": []}
            for _ in range(3):
                for name, seconds in zip(times, one_start(browser, kind, controls, charts), strict=True):
                    times[name].append(seconds)
            listening, shown, drawn = (statistics.median(times[name]) for name in times)
            slowest = max(slowest, shown)
            print(f"ipt-nb app start -> {kind} page interactive {shown:5.1f} s    (target < 5 s)")
            print(f"   ... and its charts drawn                  {drawn:5.1f} s")
            print(
                f"   baseline: start -> server listening       {listening:5.1f} s    -> the page adds {shown - listening:.1f} s"
            )
        browser.close()
    return slowest


def one_start(browser: Any, kind: str, controls: str, charts: int) -> tuple[float, float, float]:
    """One ``ipt-nb app`` start: seconds to the server listening, the controls shown, the charts drawn."""
    start = time.time()
    process = subprocess.Popen(
        [sys.executable, "-m", "ipt_nb", "app", str(ROOT / "casebook" / "cases" / "joy.yaml"),
         "--no-browser", "--notebook", kind],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        found = None
        while found is None:
            found = re.search(r"at (http://\S+token=[\w-]+)", process.stdout.readline())
        listening = time.time() - start
        page = browser.new_page()
        page.add_init_script(TIMES_JS % json.dumps([controls, charts]))
        page.goto(found.group(1))
        page.wait_for_function("window.iptShown && window.iptCharts", timeout=90_000)
        shown, drawn = page.evaluate("[window.iptShown, window.iptCharts]")
        page.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()
    return listening, shown / 1000 - start, drawn / 1000 - start


if __name__ == "__main__":
    sys.exit(main())
