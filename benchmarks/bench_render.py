"""Rendering N case reports three ways, in one run (``make bench``; ``--cases N``, default 24).

(a) the naive loop: the ``papermill`` CLI, then the ``jupyter nbconvert --to html`` CLI, per case;
(b) papermill's Python API in a sequential loop with one reused HTMLExporter;
(c) ``ipt-nb render --workers 2``.
Prints seconds per report for each, the ratios, and the report sizes.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ipt_nb import Case, load_case, save_case

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TEMPLATE = ROOT / "casebook" / "report.ipynb"


def make_cases(folder: Path, count: int) -> list[Path]:
    samples = [load_case(p) for p in sorted((ROOT / "casebook" / "cases").glob("*.yaml"))]
    paths = []
    for n in range(count):
        data = samples[n % len(samples)].model_dump(mode="json", exclude_unset=True)
        data["id"] = f"{data['id']}-{n:03d}"
        paths.append(save_case(Case.model_validate(data), folder / f"{data['id']}.yaml"))
    return paths


def naive(cases: list[Path], out: Path) -> float:
    start = time.perf_counter()
    for case in cases:
        executed = out / f"{case.stem}.ipynb"
        subprocess.run(
            [BIN / "papermill", TEMPLATE, executed, "-r", "case_path", case, "--cwd", TEMPLATE.parent, "--log-level", "ERROR"],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", executed, "--output-dir", out],
            check=True, capture_output=True,
        )  # fmt: skip
    return time.perf_counter() - start


def api_loop(cases: list[Path], out: Path) -> float:
    start = time.perf_counter()
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True)
    for case in cases:
        nb = papermill.execute_notebook(
            TEMPLATE, None, parameters={"case_path": str(case)}, cwd=TEMPLATE.parent, progress_bar=False
        )
        body, _ = exporter.from_notebook_node(nbformat.from_dict(nb))
        (out / f"{case.stem}.html").write_text(body)
    return time.perf_counter() - start


def ours(cases_dir: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [BIN / "ipt-nb", "render", cases_dir, "--out", out, "--workers", "2", "--no-progress", "--template", TEMPLATE],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


def breakdown(cases: list[Path]) -> dict[str, float]:
    """Where one worker's time goes: its start (the process kernels fork from, the first kernel, the
    exporter), then per case (a fresh kernel each, booted while the case before it ran)."""
    from ipt_nb.render import _worker
    from ipt_nb.render._export import page, warm_up

    runner = _worker._runner(str(TEMPLATE), "breakdown")
    template = _worker._template(str(TEMPLATE), "")
    start = time.perf_counter()
    runner.start()
    if runner.zygote is not None:
        runner.zygote.wait_ready()
    imported = time.perf_counter()
    runner.prepare(ready=True)
    kernel = time.perf_counter()
    warm_up()
    exporter = time.perf_counter()
    execute = export = 0.0
    for case in cases:
        began = time.perf_counter()
        executed, error = runner.execute(template, {"case_path": str(case)}, 120)
        assert error is None and executed is not None, error
        ran = time.perf_counter()
        page(executed, case_id=case.stem, title=case.stem, self_contained=False)
        execute, export = execute + ran - began, export + time.perf_counter() - ran
    _worker.shutdown_runners("breakdown")
    return {
        "Python, ipykernel, kit imported (once per worker)": imported - start,
        "first kernel forked and ready (once)": kernel - imported,
        "exporter build (once)": exporter - kernel,
        "execute in a fresh kernel, per case": execute / len(cases),
        "export to HTML, per case": export / len(cases),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=24)
    parser.add_argument(
        "--skip-naive", action="store_true", help="leave out (a), the slowest, when iterating on (c)"
    )
    args = parser.parse_args()
    count = args.cases
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        cases_dir = root / "cases"
        cases_dir.mkdir()
        cases = make_cases(cases_dir, count)
        outs = {name: root / name for name in ("naive", "api", "ours")}
        for folder in outs.values():
            folder.mkdir()
        times = {
            **({} if args.skip_naive else {"naive": naive(cases, outs["naive"])}),
            "api": api_loop(cases, outs["api"]),
            "ours": ours(cases_dir, outs["ours"]),
        }
        sizes = {name: sorted(p.stat().st_size for p in folder.glob("*.html") if p.name != "index.html")
                 for name, folder in outs.items()}  # fmt: skip
        asset = outs["ours"] / "assets" / "plotly.min.js"
        print(f"{count} reports on {shutil.os.cpu_count()} CPUs")  # type: ignore[attr-defined]
        print(f"{'way':<42} {'s/report':>9} {'median KB':>10}")
        labels = {
            "naive": "(a) papermill CLI + nbconvert CLI per case",
            "api": "(b) papermill API loop, one HTMLExporter",
            "ours": "(c) ipt-nb render --workers 2",
        }
        for name, label in labels.items():
            if name in times:
                median = sizes[name][len(sizes[name]) // 2] / 1024
                print(f"{label:<42} {times[name] / count:9.2f} {median:10.0f}")
        for name, way in (("naive", "(a)"), ("api", "(b)")):
            if name in times:
                print(f"(c) is {times[name] / times['ours']:.1f}x faster than {way}")
        print(f"(c) shares one plotly.min.js of {asset.stat().st_size / 1e6:.1f} MB")
        print("where one worker's time goes (one process, no parallelism):")
        for label, seconds in breakdown(cases).items():
            print(f"  {label:<50} {seconds:6.3f} s")
        if not args.skip_naive:
            plotly_in_naive = "Plotly.newPlot" in next(outs["naive"].glob("*.html")).read_text()
            print(f"charts present in (a)'s HTML: {plotly_in_naive}")
        per_report = times["ours"] / count
        median_kb = sizes["ours"][len(sizes["ours"]) // 2] / 1024
        missed = [
            *(
                ["(c) at least 20x faster than (a)"]
                if "naive" in times and times["naive"] / times["ours"] < 20
                else []
            ),
            *(["(c) at least 5x faster than (b)"] if times["api"] / times["ours"] < 5 else []),
            *(["at most 0.5 s per report"] if per_report > 0.5 else []),
            *(["at most 300 KB per report"] if median_kb > 300 else []),
        ]
        print("targets missed: " + "; ".join(missed) if missed else "all targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
