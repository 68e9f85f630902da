"""Planning, the manifest, the index and ``--changed-only`` of :mod:`ipt_nb.render.batch`, in
milliseconds: the executor is swapped for one that writes a placeholder page per case, so no
kernel starts. ``tests/test_render.py`` renders real reports with real kernels."""

from __future__ import annotations

import json
import shutil
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from ipt_nb.casefile import load_case, save_case
from ipt_nb.render import _worker
from ipt_nb.render.batch import MANIFEST, BatchRenderer, RenderSummary
from ipt_nb.render.options import RenderOptions

from .conftest import CASES, SAMPLE_IDS


def copy_samples(folder: Path) -> Path:
    folder.mkdir()
    for case_id in SAMPLE_IDS:
        shutil.copy(CASES / f"{case_id}.yaml", folder / f"{case_id}.yaml")
    return folder


class Placeholders:
    """An executor that writes ``<id>.html`` holding the case id, and fails the ids it is told to."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.failing = failing
        self.given: list[str] = []
        self.closed = False

    def results(self, jobs: list[_worker.Job]) -> Generator[_worker.JobResult, None, None]:
        for job in jobs:
            self.given.append(job.case_id)
            if job.case_id in self.failing:
                yield _worker.JobResult(job.case_id, ok=False, seconds=0.0, message="the template failed")
                continue
            (Path(job.out) / job.report_name).write_text(f"<p>{job.case_id}</p>", encoding="utf-8")
            yield _worker.JobResult(job.case_id, ok=True, seconds=0.0)

    def close(self) -> None:
        self.closed = True


def run(
    paths: list[Path], out: Path, executor: Placeholders, **options: Any
) -> tuple[BatchRenderer, RenderSummary]:
    chosen = RenderOptions(paths=paths, out=out, progress=False, **options)
    renderer = BatchRenderer(chosen, start_executor=lambda *_: executor)
    return renderer, renderer.run()


def test_every_valid_case_is_rendered_indexed_and_recorded(tmp_path: Path) -> None:
    cases = copy_samples(tmp_path / "cases")
    (cases / "broken.yaml").write_text("format: ipt-case/1\nid: broken\n", encoding="utf-8")
    executor = Placeholders()
    _, summary = run([cases], tmp_path / "out", executor)
    assert sorted(executor.given) == sorted(SAMPLE_IDS) and executor.closed
    assert summary.rendered == sorted(SAMPLE_IDS)
    assert list(summary.invalid) == [str(cases / "broken.yaml")]
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    for case_id in SAMPLE_IDS:
        assert f'href="{case_id}.html"' in index
    assert "broken.yaml" in index
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["cases"]) == sorted(SAMPLE_IDS)


def test_changed_only_renders_only_what_changed(tmp_path: Path) -> None:
    cases = copy_samples(tmp_path / "cases")
    out = tmp_path / "out"
    run([cases], out, Placeholders(), changed_only=True)

    again = Placeholders()
    _, summary = run([cases], out, again, changed_only=True)
    assert again.given == [] and sorted(summary.unchanged) == sorted(SAMPLE_IDS)

    case = load_case(cases / "margit.yaml")
    save_case(case.model_copy(update={"title": "Margit, retitled"}), cases / "margit.yaml", overwrite=True)
    (out / "joy.html").unlink()  # a report gone from the folder is rendered again too
    edited = Placeholders()
    run([cases], out, edited, changed_only=True)
    assert sorted(edited.given) == ["joy", "margit"]


def test_changed_only_renders_everything_for_another_template_or_parameters(tmp_path: Path) -> None:
    cases = copy_samples(tmp_path / "cases")
    out = tmp_path / "out"
    run([cases], out, Placeholders(), changed_only=True)
    other = Placeholders()
    run([cases], out, other, changed_only=True, self_contained=True)
    assert sorted(other.given) == sorted(SAMPLE_IDS)


def test_a_failed_case_is_rendered_again_next_time(tmp_path: Path) -> None:
    cases = copy_samples(tmp_path / "cases")
    out = tmp_path / "out"
    _, summary = run([cases], out, Placeholders(failing=frozenset({"tobias"})), changed_only=True)
    assert list(summary.failed) == ["tobias"]
    retry = Placeholders()
    run([cases], out, retry, changed_only=True)
    assert retry.given == ["tobias"]


def test_a_duplicate_case_id_is_refused_by_name(tmp_path: Path) -> None:
    cases = copy_samples(tmp_path / "cases")
    (cases / "copy.yaml").write_bytes((CASES / "joy.yaml").read_bytes())
    _, summary = run([cases], tmp_path / "out", Placeholders())
    assert "case id 'joy' is also used by" in summary.invalid[str(cases / "joy.yaml")]


@pytest.mark.parametrize("workers", [1, 2])
def test_no_executor_starts_when_nothing_is_to_be_done(tmp_path: Path, workers: int) -> None:
    cases = copy_samples(tmp_path / "cases")
    out = tmp_path / "out"
    run([cases], out, Placeholders(), changed_only=True, workers=workers)
    started: list[int] = []

    def start(_options: RenderOptions, jobs: int, _batch: str) -> Placeholders:
        started.append(jobs)
        return Placeholders()

    BatchRenderer(
        RenderOptions(paths=[cases], out=out, progress=False, changed_only=True, workers=workers),
        start_executor=start,
    ).run()
    assert started == []
