"""A class of 30 joins ``ipt-nb class serve`` at once: how long until every student sees the exercise,
how much memory the servers and kernels take, and whether closed pages release their kernels.

Targets: every student sees the exercise within 60 s, under 8 GB in all, kernels released. The
baseline, in the same run, is one student alone: the class's time is reported as a multiple of
it. The class is measured twice, on fresh servers: the pages fetched over HTTP by 30 concurrent
clients (what the server does), and 30 browser tabs on this same 2-core machine (where the
browser's own rendering of 30 pages competes with the server; in a room each student has a
machine of their own). Run with ``make bench-class`` (several minutes; not a test).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "casebook" / "cases" / "joy.yaml"
SUBMIT = "button[title='Submit']:visible"


def tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def kernels(pid: int) -> int:
    count = 0
    for child in tree(pid):
        try:
            count += b"ipykernel_launcher" in Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
    return count


def start(answers: Path, pool: int) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "ipt_nb", "class", "serve", str(CASE), "--answers", str(answers),
               "--pool", str(pool)]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert process.stdout is not None
    for _ in range(10):
        if found := re.search(r"students, case joy: (\S+)", process.stdout.readline()):
            return process, found.group(1)
    raise SystemExit("class serve printed no address")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime and stime, in clock ticks
        except (OSError, IndexError, ValueError):
            continue
    return total / 100


def wait_for_pool(process: subprocess.Popen[str], pool: int, timeout: float = 900) -> float:
    """Seconds until the pre-started kernels are up and have run the notebook: their processes
    exist and the whole server tree has been idle (under 0.2 CPU seconds) for 3 seconds."""
    began = time.monotonic()
    while kernels(process.pid) < pool and time.monotonic() - began < timeout:
        time.sleep(1)
    used = cpu_seconds(tree(process.pid))
    while time.monotonic() - began < timeout:
        time.sleep(3)
        now = cpu_seconds(tree(process.pid))
        if now - used < 0.2:
            break
        used = now
    return time.monotonic() - began


def join(browser: object, url: str, students: int) -> tuple[float, list[object]]:
    """Open ``students`` pages at once; seconds until the last one shows the exercise."""
    contexts = [browser.new_context(viewport={"width": 1280, "height": 720}) for _ in range(students)]  # type: ignore[attr-defined]
    pages = [context.new_page() for context in contexts]
    began = time.monotonic()
    for page in pages:
        page.goto(url, wait_until="commit", timeout=300_000)
    for page in pages:
        page.locator(SUBMIT).wait_for(timeout=300_000)
    return time.monotonic() - began, contexts


def fetch_all(url: str, students: int) -> float:
    """Seconds until ``students`` concurrent requests have each received the whole page: the
    server's share of joining, without a browser's own rendering of the widgets."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    def get(_: int) -> int:
        with urllib.request.urlopen(url, timeout=600) as response:
            return len(response.read())

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=students) as pool:
        sizes = list(pool.map(get, range(students)))
    assert all(size > 10_000 for size in sizes), sizes
    return time.monotonic() - began


def stop(process: subprocess.Popen[str]) -> None:
    import os
    import signal

    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--pool", type=int, default=30, help="kernels kept ready (default: the class size)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        process, url = start(Path(scratch) / "alone", 1)
        wait_for_pool(process, 1)
        alone, contexts = join(browser, url, 1)
        for context in contexts:
            context.close()
        stop(process)

        process, url = start(Path(scratch) / "server", args.pool)
        wait_for_pool(process, args.pool)
        served = fetch_all(url, args.students)
        stop(process)

        process, url = start(Path(scratch) / "class", args.pool)
        ready = wait_for_pool(process, args.pool)
        seconds, contexts = join(browser, url, args.students)
        memory = rss_bytes(tree(process.pid))
        during = kernels(process.pid)
        for context in contexts:
            context.close()
        released_after = None
        began = time.monotonic()
        while time.monotonic() - began < 120:
            if kernels(process.pid) <= args.pool:
                released_after = time.monotonic() - began
                break
            time.sleep(2)
        left = kernels(process.pid)
        stop(process)
        browser.close()

    print(f"{args.students} students join at once, pool {args.pool} (kernels ready after {ready:.0f} s)")
    print(f"  every page served (no browser)          {served:7.1f} s   (the server's share; target < 60 s)")
    print(
        f"  every student sees the exercise after   {seconds:7.1f} s   (30 tabs of one browser on this machine)"
    )
    print(
        f"  baseline: one student alone             {alone:7.1f} s   -> the class takes {seconds / alone:.1f}x"
    )
    print(f"  memory of servers and kernels           {memory / 2**30:7.2f} GB  (target < 8 GB)")
    print(f"  kernels while the class works           {during:7d}")
    released = f"after {released_after:.0f} s" if released_after is not None else "NOT within 120 s"
    print(f"  closed pages release their kernels      {released} ({left} left: the refilled pool)")
    missed = served >= 60 or seconds >= 60 or memory >= 8 * 2**30 or released_after is None
    print("targets missed" if missed else "all targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
