"""Batch rendering on the real casebook: reports, index, determinism, failures, increments, kills."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from ipt_nb import Case, load_case, save_case
from ipt_nb.cli import main
from ipt_nb.render import RenderOptions, render_casebook

from .conftest import CASES, GROUP_FOLDERS, ROOT, SAMPLE_IDS, TEACHING_FILES

pytestmark = pytest.mark.slow


def report_with(path: Path, *cells: str | nbformat.NotebookNode) -> Path:
    """The casebook's report notebook with ``cells`` (code given as text) appended, written to ``path``."""
    template = nbformat.read(ROOT / "casebook" / "report.ipynb", as_version=4)
    template.cells += [nbformat.v4.new_code_cell(cell) if isinstance(cell, str) else cell for cell in cells]
    nbformat.write(template, path)
    return path


def copies(folder: Path, count: int) -> Path:
    """``count`` sample cases, in turn, saved in ``folder`` under the ids case0, case1, ..."""
    folder.mkdir()
    for n in range(count):
        data = load_case(CASES / f"{SAMPLE_IDS[n % 4]}.yaml").model_dump(mode="json", exclude_unset=True)
        data["id"] = f"case{n}"
        save_case(Case.model_validate(data), folder / f"case{n}.yaml")
    return folder


def use_python3_kernel(jupyter: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Make "python3" run ``argv``, for this process and the workers it starts (they inherit JUPYTER_PATH)."""
    spec = jupyter / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "test", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


SAMPLES = [CASES / f"{case_id}.yaml" for case_id in SAMPLE_IDS]
"""The four full-length cases: what the renderer's own tests render."""


def copy_samples(folder: Path) -> Path:
    folder.mkdir()
    for path in SAMPLES:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    summary = render_casebook(SAMPLES, out, workers=2, progress=False)
    assert summary.ok and summary.rendered == sorted(SAMPLE_IDS)
    return out


def test_every_case_of_the_casebook_renders(tmp_path: Path) -> None:
    summary = render_casebook([CASES, *GROUP_FOLDERS], tmp_path, workers=2, progress=False)
    assert summary.ok and summary.rendered == sorted(load_case(p).id for p in TEACHING_FILES)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Group IPT (WHO)" in index and "Loneliness and social isolation" in index


def test_one_offline_report_per_case_and_an_index(rendered: Path) -> None:
    files = sorted(p.name for p in rendered.glob("*.html"))
    assert files == sorted([*(f"{c}.html" for c in SAMPLE_IDS), "index.html"])
    assert (rendered / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    for case_id in SAMPLE_IDS:
        html = (rendered / f"{case_id}.html").read_text()
        assert load_case(CASES / f"{case_id}.yaml").title.split(":")[0] in html
        assert '<script src="assets/plotly.min.js"></script>' in html
        assert "http://" not in html.split("<body>")[0] and "https://" not in html.split("<body>")[0]
        assert f'id="{case_id}-trajectory"' in html and f'id="{case_id}-circle-intake"' in html
        assert "check_parameters" not in html and "case_path" not in html  # no code, no parameters
        assert (rendered / f"{case_id}.html").stat().st_size < 300_000
    index = (rendered / "index.html").read_text()
    assert all(f'href="{c}.html"' in index for c in SAMPLE_IDS)
    assert "Interpersonal deficits" in index and "A3 wk 6" in index


def test_a_second_render_is_byte_identical(rendered: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    render_casebook(SAMPLES, again, workers=1, progress=False)
    assert snapshot(again) == snapshot(rendered)


def test_a_broken_case_is_skipped_and_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = copy_samples(tmp_path / "cases")
    (cases / "zz-broken.yaml").write_text((CASES / "joy.yaml").read_text().replace("ring: 2", "ring: 7", 1))
    code = main(["render", str(cases), "--out", str(tmp_path / "out"), "--workers", "2", "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    assert "zz-broken.yaml was skipped: 1 error(s)" in captured.err
    assert sorted(p.stem for p in (tmp_path / "out").glob("*.html")) == sorted([*SAMPLE_IDS, "index"])
    index = (tmp_path / "out" / "index.html").read_text()
    assert "zz-broken.yaml" in index and "people[0].ring" in index
    assert "is not a ring" not in index  # places only: messages may repeat what was typed


def test_a_failing_case_keeps_its_notebook_and_the_others_render(tmp_path: Path) -> None:
    broken_template = report_with(
        tmp_path / "failing.ipynb", 'if case.id == "tobias":\n    raise RuntimeError("boom")'
    )
    out = tmp_path / "out"
    options = RenderOptions(paths=SAMPLES, out=out, template=broken_template, workers=2, progress=False)
    from ipt_nb.render import BatchRenderer

    summary = BatchRenderer(options).run()
    assert not summary.ok and list(summary.failed) == ["tobias"]
    assert "RuntimeError: boom" in summary.failed["tobias"]
    assert sorted(summary.rendered) == ["amara", "joy", "margit"]
    assert not (out / "tobias.html").exists()
    assert (out / "_failed" / "tobias.ipynb").exists()
    assert "boom" in (out / "_failed" / "tobias.txt").read_text()


def test_one_worker_forgets_each_case_and_recovers_from_errors_and_timeouts(tmp_path: Path) -> None:
    """Cases share a worker: each starts from an empty namespace, and neither a raising
    case nor a stuck one (the kernel is still busy after the timeout) spoils the next."""
    report_with(
        tmp_path / "report.ipynb",
        'assert "previous_case" not in globals(), previous_case\n'
        "previous_case = case.id\n"
        'if case.id == "joy":\n    raise RuntimeError("boom")\n'
        'if case.id == "margit":\n    import time\n    time.sleep(120)',
    )
    summary = render_casebook(
        SAMPLES,
        tmp_path / "out",
        template=tmp_path / "report.ipynb",
        workers=1,
        progress=False,
        cell_timeout=3,
    )
    assert sorted(summary.failed) == ["joy", "margit"]
    assert "RuntimeError: boom" in summary.failed["joy"]
    assert "timed out" in summary.failed["margit"]
    assert summary.rendered == ["amara", "tobias"]  # amara and tobias ran before and after the failures


MUTATE_MODULE_STATE = """\
import json
import plotly.io as pio
import ipt_nb.charts._style as style
seen = {"template": pio.templates.default, "font": style.FONT["family"], "mark": getattr(style, "mark", None)}
print("SEEN " + json.dumps(seen))
pio.templates.default = "plotly_dark"
style.FONT["family"] = case.id
style.mark = case.id
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_no_case_sees_module_state_another_case_changed(tmp_path: Path, workers: int) -> None:
    """Each case changes plotly's default template and a kit module's global; every case still
    starts from the state a new kernel has (a reset namespace alone would carry these over)."""
    import plotly.io as pio

    from ipt_nb.charts import _style

    fresh = {"template": pio.templates.default, "font": _style.FONT["family"], "mark": None}
    assert fresh["template"] != "plotly_dark" and fresh["font"] not in SAMPLE_IDS
    template = report_with(tmp_path / "report.ipynb", MUTATE_MODULE_STATE)
    cases = copies(tmp_path / "cases", 6)
    out = tmp_path / "out"
    summary = render_casebook(
        [cases], out, template=template, workers=workers, keep_notebooks=True, progress=False
    )
    assert summary.ok and len(summary.rendered) == 6, summary.failed
    for case_id in summary.rendered:
        executed = nbformat.read(out / "notebooks" / f"{case_id}.ipynb", as_version=4)
        printed = [
            o["text"] for cell in executed.cells for o in cell.get("outputs", []) if o.get("name") == "stdout"
        ]
        seen = [
            json.loads(line[5:]) for text in printed for line in text.splitlines() if line.startswith("SEEN ")
        ]
        assert seen == [fresh], (case_id, seen)


def test_batch_kernels_keep_no_input_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An interactive kernel writes every cell, injected case paths included, to IPython's history file."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    summary = render_casebook([CASES / "joy.yaml"], tmp_path / "out", workers=1, progress=False)
    assert summary.ok
    history = tmp_path / "ipython" / "profile_default" / "history.sqlite"
    assert not history.exists() or b"joy.yaml" not in history.read_bytes()


def test_rendering_in_the_callers_process_leaves_its_imports_alone(tmp_path: Path) -> None:
    """Workers skip jsonschema's slow optional import; a library caller's own process keeps it."""
    script = (
        "import sys\n"
        "from ipt_nb.render import render_casebook\n"
        f"summary = render_casebook([{str(CASES / 'joy.yaml')!r}], {str(tmp_path)!r}, workers=1, progress=False)\n"
        "assert summary.ok\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent') is not None)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def test_custom_templates_may_hide_or_repeat_figures(tmp_path: Path) -> None:
    hidden = nbformat.v4.new_code_cell('show(charts.timeline(case), "hidden-timeline")')
    hidden.metadata["tags"] = ["report-hide"]
    report_with(tmp_path / "report.ipynb", 'show(charts.trajectory(case), "trajectory")', hidden)
    out = tmp_path / "out"
    summary = render_casebook([CASES / "amara.yaml"], out, template=tmp_path / "report.ipynb", progress=False)
    assert summary.ok, summary.failed
    html = (out / "amara.html").read_text()
    assert (
        'id="amara-trajectory"' in html and 'id="amara-trajectory-2"' in html
    )  # a repeated name is numbered
    assert "hidden-timeline" not in html and "-slot" not in html


def test_exporting_leaves_the_executed_notebook_as_it_was() -> None:
    """A case that fails at export keeps its notebook with the figures, as executed."""
    from ipt_nb.render._export import page

    executed = nbformat.read(ROOT / "tests" / "golden" / "report-joy.ipynb", as_version=4)
    before = nbformat.writes(executed)
    assert "application/vnd.plotly.v1+json" in before
    page(executed, case_id="joy", title="Joy", self_contained=False)
    assert nbformat.writes(executed) == before


def test_changed_only_rerenders_exactly_the_changed_case(tmp_path: Path) -> None:
    cases = copy_samples(tmp_path / "cases")
    out = tmp_path / "out"
    render_casebook([cases], out, workers=2, progress=False, changed_only=True)
    before = snapshot(out)
    case = load_case(cases / "margit.yaml")
    save_case(
        case.model_copy(update={"title": "Margit: grief, retitled"}), cases / "margit.yaml", overwrite=True
    )
    summary = render_casebook([cases], out, workers=2, progress=False, changed_only=True)
    others = sorted(c for c in SAMPLE_IDS if c != "margit")
    assert summary.rendered == ["margit"] and sorted(summary.unchanged) == others
    after = snapshot(out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"margit.html", "index.html", "manifest.json"}


def test_self_contained_reports_inline_plotly(tmp_path: Path) -> None:
    summary = render_casebook([CASES / "joy.yaml"], tmp_path, workers=1, progress=False, self_contained=True)
    html = (tmp_path / "joy.html").read_text()
    assert summary.ok and "assets/plotly.min.js" not in html and len(html) > 4_000_000
    assert not (tmp_path / "assets").exists()


def test_case_text_is_escaped_in_reports(tmp_path: Path) -> None:
    data = load_case(CASES / "joy.yaml").model_dump(mode="json", exclude_unset=True)
    data["title"] = "Hostile <script>alert('title')</script>"
    data["patient"]["presenting_problem"] = (
        '<img src=x onerror="alert(1)"> [link](javascript:alert(2)) {{ 7*7 }}'
    )
    data["people"][0]["label"] = "<b>Laura</b>"
    path = save_case(Case.model_validate(data), tmp_path / "hostile.yaml")
    render_casebook([path], tmp_path / "out", workers=1, progress=False, allow_identifiers=True)
    html = (tmp_path / "out" / "joy.html").read_text()
    assert "<script>alert(" not in html and "<img src=x" not in html and "<b>Laura</b>" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=" in html
    assert "{{ 7*7 }}" in html and "49" not in html.split("{{ 7*7 }}")[0][-20:]


def test_a_killed_render_leaves_no_partial_report_and_the_next_run_completes(tmp_path: Path) -> None:
    cases = copies(tmp_path / "cases", 6)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "ipt_nb",
        "render",
        str(cases),
        "--out",
        str(out),
        "--workers",
        "2",
        "--no-progress",
    ]
    process = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob("case*.html")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for report in out.glob("*.html"):
        assert report.read_text().rstrip().endswith("</html>"), report.name
    summary = render_casebook([cases], out, workers=2, progress=False)
    assert summary.ok and sorted(summary.rendered) == [f"case{n}" for n in range(6)]
    assert not list(out.glob(".*.tmp")) and not (out / "_work").exists()
    assert json.loads((out / "manifest.json").read_text())["cases"].keys() == {f"case{n}" for n in range(6)}


def test_the_dask_executor_gives_the_same_files(rendered: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    summary = render_casebook(SAMPLES, tmp_path / "dask", workers=2, progress=False, executor="dask")
    assert summary.ok and summary.rendered == sorted(SAMPLE_IDS)
    assert snapshot(tmp_path / "dask") == snapshot(rendered)


def test_a_shared_dask_cluster_with_threaded_workers_gives_the_same_files(
    rendered: Path, tmp_path: Path
) -> None:
    """A cluster someone else started: two cases at once in one worker process, each in its own kernel."""
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as cluster:
        summary = render_casebook(
            SAMPLES, tmp_path / "dask", progress=False, executor="dask", scheduler=cluster.scheduler_address
        )
        with distributed.Client(cluster) as client:
            kernels_left = client.run(_kernels_in_this_process)
    assert summary.ok and summary.rendered == sorted(SAMPLE_IDS)
    assert snapshot(tmp_path / "dask") == snapshot(rendered)
    assert list(kernels_left.values()) == [0]  # the batch shut down the kernels it started there


def _kernels_in_this_process() -> int:
    from ipt_nb.render import _worker

    return _worker.runners_alive()


def _descendants(pid: int) -> set[int]:
    """Every living process below ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f"/proc/{pid}").exists() and "(Z)" not in _state(pid)}


def _state(pid: int) -> str:
    try:
        return "(" + Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] + ")"
    except OSError:
        return "(Z)"


def _slow_template(folder: Path, seconds: int) -> Path:
    return report_with(folder / "slow.ipynb", f"import time\ntime.sleep({seconds})")


def test_workers_and_their_kernels_do_not_outlive_a_killed_render(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "ipt_nb", "render", str(CASES), "--out", str(tmp_path / "out"),
               "--workers", "2", "--no-progress", "--template", str(_slow_template(tmp_path, 60))]  # fmt: skip
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        below: set[int] = set()
        while time.monotonic() < deadline and len(below) < 6:  # two workers, their zygotes and kernels
            time.sleep(0.2)
            below = _render_processes(process.pid)
        assert len(below) >= 6, "the workers and kernels did not start"
        process.kill()  # the parent alone: no chance to shut its pool down
        process.wait()
        deadline = time.monotonic() + 30
        while _alive(below) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(below), f"left running: {[_cmdline(p)[:80] for p in _alive(below)]}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _render_processes(pid: int) -> set[int]:
    """The pool workers, zygotes and kernels below ``pid`` (a forked kernel has its zygote's command)."""
    return {
        p for p in _descendants(pid) if any(part in _cmdline(p) for part in ("ipykernel", "spawn", "_zygote"))
    }


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_the_cases_of_a_worker_that_dies_run_again_in_a_fresh_pool(tmp_path: Path) -> None:
    import multiprocessing

    out = tmp_path / "out"
    options = RenderOptions(
        paths=SAMPLES, out=out, template=_slow_template(tmp_path, 3), workers=2, progress=False
    )
    from ipt_nb.render import BatchRenderer

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            workers = multiprocessing.active_children()
            if len(workers) == 2 and list(out.glob("*.html")) == []:
                time.sleep(3)  # let both boot and start a case
                os.kill(workers[0].pid, signal.SIGKILL)  # type: ignore[arg-type]
                killed.append(len(list(out.glob("*.html"))))
                return
            time.sleep(0.1)

    killed: list[int] = []
    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    summary = BatchRenderer(options).run()
    killer.join()
    assert killed and killed[0] < len(SAMPLE_IDS), "the worker was not killed while cases were left"
    assert summary.ok and summary.rendered == sorted(SAMPLE_IDS), summary.failed
    assert (out / "index.html").exists() and not (out / "_failed").exists()


@pytest.mark.parametrize("to", ["group", "parent"])
def test_ctrl_c_stops_a_render_at_once_and_leaves_nothing_running(tmp_path: Path, to: str) -> None:
    """SIGINT to the whole group (Ctrl-C in a terminal) or to the command alone (kill -INT, a supervisor)."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "ipt_nb", "render", str(CASES), "--out", str(out), "--workers", "2",
               "--no-progress", "--template", str(_slow_template(tmp_path, 60))]  # fmt: skip
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        below: set[int] = set()
        while time.monotonic() < deadline and len(below) < 6:
            time.sleep(0.2)
            below = _render_processes(process.pid)
        time.sleep(1)  # the cases are now sleeping in their kernels
        started = time.monotonic()
        if to == "group":
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        else:
            process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
        assert time.monotonic() - started < 15
        deadline = time.monotonic() + 15
        while _alive(below) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(below)
        assert not list(out.glob("*.html")) or all(
            p.read_text().rstrip().endswith("</html>") for p in out.glob("*.html")
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def test_a_template_edited_between_renders_in_one_process_is_read_again(tmp_path: Path) -> None:
    template = nbformat.read(ROOT / "casebook" / "report.ipynb", as_version=4)
    path = tmp_path / "report.ipynb"
    for marker in ("first edition", "second edition"):
        template.cells.append(nbformat.v4.new_markdown_cell(marker))
        nbformat.write(template, path)
        out = tmp_path / marker.replace(" ", "-")
        assert render_casebook([CASES / "joy.yaml"], out, template=path, progress=False).ok
        assert marker in (out / "joy.html").read_text()


def test_two_batches_in_one_process_each_stop_only_their_own_kernels(tmp_path: Path) -> None:
    """A notebook may render two casebooks at once in threads: the first to finish must not end the other."""
    slow = _slow_template(tmp_path, 4)
    results: dict[str, bool] = {}

    def run(name: str, template: Path) -> None:
        from jupyter_core.utils import ensure_event_loop

        summary = render_casebook([CASES / "joy.yaml"], tmp_path / name, template=template, progress=False)
        results[name] = summary.ok
        ensure_event_loop().close()  # jupyter_core's loop for this thread; it is never closed for us

    threads = [
        threading.Thread(target=run, args=("slow", slow)),
        threading.Thread(target=run, args=("quick", ROOT / "casebook" / "report.ipynb")),
    ]
    threads[0].start()
    time.sleep(2)  # the slow one is running its case when the quick one starts, ends and cleans up
    threads[1].start()
    for thread in threads:
        thread.join()
    assert results == {"slow": True, "quick": True}


@pytest.mark.parametrize("workers", [1, 2])
def test_without_a_working_kernel_each_case_fails_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    argv = [str(tmp_path / "no-such-python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    use_python3_kernel(tmp_path / "jupyter", argv, monkeypatch)
    started = time.monotonic()
    summary = render_casebook(
        [CASES / "joy.yaml", CASES / "amara.yaml"], tmp_path / "out", workers=workers, progress=False
    )
    assert sorted(summary.failed) == ["amara", "joy"]
    assert all("no-such-python" in why for why in summary.failed.values()), summary.failed
    assert (tmp_path / "out" / "index.html").exists() and (tmp_path / "out" / "_failed" / "joy.txt").exists()
    assert time.monotonic() - started < 30  # a launch that cannot work is not tried again and again


def test_a_case_that_renders_again_clears_its_earlier_failure(tmp_path: Path) -> None:
    report_with(tmp_path / "failing.ipynb", 'raise RuntimeError("not yet")')
    out = tmp_path / "out"
    assert not render_casebook(
        [CASES / "joy.yaml"], out, template=tmp_path / "failing.ipynb", progress=False
    ).ok
    assert (out / "_failed" / "joy.txt").exists() and (out / "_failed" / "joy.ipynb").exists()
    assert render_casebook([CASES / "joy.yaml"], out, progress=False).ok
    assert not list((out / "_failed").iterdir()) and (out / "joy.html").exists()


FLAKY_KERNEL = """\
import os, sys
state = sys.argv[1]
claim = os.path.join(state, "unlucky")
try:  # the first worker to launch a kernel is the unlucky one
    descriptor = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    os.write(descriptor, str(os.getppid()).encode())
    os.close(descriptor)
except FileExistsError:
    pass
with open(claim) as unlucky:
    is_unlucky = unlucky.read() == str(os.getppid())
failures = [name for name in os.listdir(state) if name.startswith("fail-")]
if is_unlucky and len(failures) < 3:  # each of its first start's launch attempts dies
    open(os.path.join(state, f"fail-{os.getpid()}"), "w").close()
    sys.exit(1)
os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *sys.argv[2:]])
"""


def test_a_worker_whose_kernel_would_not_start_tries_again_for_its_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (tmp_path / "flaky.py").write_text(FLAKY_KERNEL)
    argv = [sys.executable, str(tmp_path / "flaky.py"), str(state), "-f", "{connection_file}"]
    use_python3_kernel(tmp_path / "jupyter", argv, monkeypatch)
    cases = copies(tmp_path / "cases", 12)
    # slow cases: the healthy worker is still busy when the unlucky one is ready
    template = _slow_template(tmp_path, 1)
    summary = render_casebook([cases], tmp_path / "out", template=template, workers=2, progress=False)
    assert len(list(state.glob("fail-*"))) == 3  # the unlucky worker's start did fail
    assert summary.ok and len(summary.rendered) == 12, summary.failed
