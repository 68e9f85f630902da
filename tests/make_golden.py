"""Execute every casebook notebook for every sample case into ``tests/golden`` (``make golden``).

The golden notebooks keep their outputs on purpose: ``pytest --nbval`` re-executes
them and compares, so a change to the outcome maths or a chart shows up as a
failing test until this script is run again and the new outputs are reviewed.
Timings, papermill's metadata and widget state are stripped so that the files
are deterministic and small.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
import papermill

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
CASEBOOK = ROOT / "casebook"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REPRESENTATIVE = ("amara", "joy", "kayla", "lena", "margit", "tobias")
"""Cases whose golden notebooks ``make test`` checks (the four full-length cases, IPT-A, and the
high-risk non-responder); the others' are in ``tests/golden/full`` for ``make test-casebook``."""
CASE_IDS = tuple(sorted(p.stem for p in (CASEBOOK / "cases").glob("*.yaml")))
GROUPS = tuple(sorted(p.name for p in (CASEBOOK / "cases").iterdir() if p.is_dir()))
PER_CASE: dict[str, dict[str, Any]] = {
    "report": {},
    "supervision": {"week": 6},
    "exercise_problem_area": {},
}


def jobs() -> list[tuple[str, str, dict[str, Any]]]:
    """(template, golden file name, parameters) for every golden notebook: every template for every
    case, the group view for every group, the cohort. Paths are relative to the golden file's folder
    (nbval runs a notebook there)."""
    planned = []
    for case in CASE_IDS:
        folder, up = ("", "../..") if case in REPRESENTATIVE else ("full/", "../../..")
        planned += [
            (
                template,
                f"{folder}{template}-{case}.ipynb",
                {"case_path": f"{up}/casebook/cases/{case}.yaml", **extra},
            )
            for template, extra in PER_CASE.items()
        ]
    planned += [
        (
            "group",
            f"group-{group.removeprefix('group-')}.ipynb",
            {"group_dir": f"../../casebook/cases/{group}", "group_id": ""},
        )
        for group in GROUPS
    ]
    planned.append(("cohort", "cohort-casebook.ipynb", {"casebook_dir": "../../casebook/cases"}))
    return planned


def clean(path: Path, template: Path) -> None:
    """Keep outputs; drop timings, papermill metadata and widget state. The cell papermill injects
    gets an id from the file's name instead of a random one, and so do the widget views, so
    re-running changes nothing."""
    book = nbformat.read(path, as_version=4)
    book.metadata = nbformat.read(template, as_version=4).metadata
    widgets = itertools.count()
    for cell in book.cells:
        tags = cell.metadata.get("tags")
        cell.metadata = {"tags": tags} if tags else {}
        if "injected-parameters" in (tags or []):
            cell.id = hashlib.sha256(path.name.encode()).hexdigest()[:8]
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:  # random per run; the file's name and a count are stable
                view["model_id"] = hashlib.sha256(f"{path.name} {next(widgets)}".encode()).hexdigest()[:32]
    nbformat.write(book, path)


def execute(job: tuple[str, str, dict[str, Any]]) -> str:
    template, name, parameters = job
    source, target = CASEBOOK / f"{template}.ipynb", GOLDEN / name
    papermill.execute_notebook(
        source,
        target,
        parameters=parameters,
        cwd=target.parent,
        kernel_name="python3",
        progress_bar=False,
        execution_timeout=120,
    )
    clean(target, source)
    return name


def main() -> int:
    (GOLDEN / "full").mkdir(parents=True, exist_ok=True)
    # spawn, not fork: a forked child inherits the parent's ZeroMQ state and can hang on its kernel
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        for name in pool.map(execute, jobs()):
            print(f"wrote tests/golden/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
