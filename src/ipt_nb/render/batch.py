"""Render a casebook to HTML reports: validated, parallel, incremental, atomic, with an index.

``BatchRenderer(options).run()`` plans the work (invalid cases are reported
and skipped, never half-rendered; unchanged cases are skipped with
``changed_only``), runs one job per case in worker processes that each keep a
warm kernel, shows progress, and writes ``index.html`` and a manifest of
content hashes. Every file is written atomically, so an interrupted run leaves
no partial report and the next run completes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from .._assets import PLOTLY_ASSET, plotly_js
from ..casefile import atomic_write, case_files, check_file
from ..errors import IptNbError, UsageError
from ..model import Case
from ..privacy import lint_file, without_text
from . import _executors, _worker
from ._index import Problem, index_page
from .options import RenderOptions, check_render_parameters, template_parameters

__all__ = [
    "KIT_SUFFIXES",
    "MANIFEST",
    "BatchRenderer",
    "Planned",
    "RenderSummary",
    "StartExecutor",
    "kit_digest",
    "render_casebook",
]

MANIFEST = "manifest.json"


@dataclass
class Planned:
    """A valid case to render: the case, its file and the digest of its bytes."""

    case: Case
    source: Path
    digest: str


@dataclass
class RenderSummary:
    """What a run did: rendered, unchanged, failed and invalid cases, and where the index is."""

    out: Path
    rendered: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    invalid: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def record(self, result: _worker.JobResult) -> None:
        """Count one case's result."""
        self.seconds[result.case_id] = result.seconds
        if result.ok:
            self.rendered.append(result.case_id)
        else:
            self.failed[result.case_id] = result.message

    @property
    def ok(self) -> bool:
        """Whether every case rendered and no file was invalid."""
        return not self.failed and not self.invalid

    @property
    def index(self) -> Path:
        """Where the index page is."""
        return self.out / "index.html"

    def table(self) -> str:
        """One line per rendered, unchanged, failed and invalid case, for the terminal."""
        rows = [f"{'case':<24} {'status':<10} {'seconds':>8}"]
        rows += [f"{c:<24} {'rendered':<10} {self.seconds.get(c, 0):8.2f}" for c in self.rendered]
        rows += [f"{c:<24} {'unchanged':<10} {'':>8}" for c in self.unchanged]
        rows += [
            f"{c:<24} {'FAILED':<10} {self.seconds.get(c, 0):8.2f}  {why}" for c, why in self.failed.items()
        ]
        rows += [
            f"{Path(c).name:<24} {'INVALID':<10} {'':>8}  {why.splitlines()[0]}"
            for c, why in self.invalid.items()
        ]
        return "\n".join(rows)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@functools.cache
def kit_digest() -> str:
    """A hash of the kit's own source and assets: an upgrade or an edit of the kit re-renders
    everything under ``--changed-only``, whatever the version number says."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in KIT_SUFFIXES):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


KIT_SUFFIXES = frozenset({".py", ".css", ".js", ".html", ".j2", ".tpl", ".json", ".yaml"})


StartExecutor = Callable[[RenderOptions, int, str], _executors.Executor]
"""``(options, number of jobs, batch id) -> executor``: :func:`ipt_nb.render._executors.start`."""


class BatchRenderer:
    """Plans, renders and indexes a batch of case reports (``ipt-nb render``).

    ``start_executor`` chooses where the per-case jobs run; the default starts warm kernels in
    this process, local worker processes or a Dask cluster, as the options ask. A test may pass
    one that writes placeholder pages, to check planning, the manifest, the index and
    ``--changed-only`` in milliseconds, without kernels.
    """

    def __init__(
        self, options: RenderOptions | None = None, *, start_executor: StartExecutor | None = None
    ) -> None:
        self.options = options or RenderOptions()
        self._start_executor = start_executor or _executors.start
        if not self.options.template.is_file():
            raise UsageError(f"no report template at {self.options.template}")
        self.template_digest = _sha(self.options.template.read_bytes())
        self._job_options = self.options.model_copy(
            update={"template": self.options.template.resolve(), "out": self.options.out.resolve()}
        )
        self._teaching: bool | None = None
        self.batch = uuid.uuid4().hex  # names this run's kernels; never written anywhere

    # -- planning --------------------------------------------------------------------------

    def _case_files(self) -> list[Path]:
        files = case_files(list(self.options.paths))
        missing = [str(f) for f in files if not f.exists()]
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        return files

    def plan(self, files: list[Path] | None = None) -> tuple[list[Planned], dict[str, str]]:
        """Valid cases to render, and invalid files with their reasons."""
        if files is None:
            files = self._case_files()
        planned: list[Planned] = []
        invalid: dict[str, str] = {}
        seen: dict[str, Path] = {}
        for path in files:
            report = check_file(path)
            if report.case is None:  # places only: messages may repeat what was typed, identifiers included
                places = ", ".join(f"line {i.line}: {i.path or 'file'}" for i in report.errors[:8])
                invalid[str(path)] = f"{len(report.errors)} error(s) ({places}); run ipt-nb validate {path}"
            elif report.case.id in seen:
                invalid[str(path)] = f"case id {report.case.id!r} is also used by {seen[report.case.id]}"
            elif not self.options.allow_identifiers and (findings := lint_file(path)):
                invalid[str(path)] = without_text(path, findings)  # the index must not repeat them
            else:
                seen[report.case.id] = path
                planned.append(Planned(report.case, path, _sha(path.read_bytes())))
        return planned, invalid

    def _manifest_key(self) -> dict[str, Any]:
        return {
            "kit": __version__,
            "kit_source": kit_digest(),
            "template": self.template_digest,
            "parameters": self.options.parameters,
            "self_contained": self.options.self_contained,
        }

    def _read_manifest(self) -> dict[str, Any]:
        try:
            manifest: dict[str, Any] = json.loads((self.options.out / MANIFEST).read_text())
        except (OSError, ValueError):
            return {}
        return manifest

    def _unchanged(self, item: Planned, manifest: dict[str, Any]) -> bool:
        if not self.options.changed_only or manifest.get("key") != self._manifest_key():
            return False
        recorded = manifest.get("cases", {}).get(item.case.id, {})
        return recorded.get("source") == item.digest and (self.options.out / f"{item.case.id}.html").exists()

    # -- running ---------------------------------------------------------------------------

    def _prepare_out(self) -> None:
        out = self.options.out
        out.mkdir(parents=True, exist_ok=True)
        ours = (out, out / "_failed", out / "notebooks", out / "assets")  # only these: --out may be "."
        for stale in (tmp for folder in ours for tmp in folder.glob(".*.tmp")):  # left by an interrupted run
            stale.unlink(missing_ok=True)
        if not self.options.self_contained:
            asset = out / PLOTLY_ASSET
            asset.parent.mkdir(exist_ok=True)
            script = plotly_js().encode("utf-8")
            if not asset.exists() or asset.read_bytes() != script:
                atomic_write(asset, script)

    def _page_title(self, case: Case) -> str:
        """The case's title, except for a teaching template (one that takes ``reveal``): the sample
        titles name the problem area, which a handout must not give away in its tab or PDF."""
        if self._teaching is None:
            self._teaching = "reveal" in template_parameters(self.options.template)
        return f"{case.patient.label}: case {case.id}" if self._teaching else case.title

    def _job(self, item: Planned) -> _worker.Job:
        return _worker.Job(
            case_id=item.case.id,
            case_path=str(item.source.resolve()),
            title=self._page_title(item.case),
            options=self._job_options,
            template_digest=self.template_digest,
            batch=self.batch,
        )

    def run(self) -> RenderSummary:
        """Render every valid case (validated and linted first) to ``options.out``, write the index
        and the manifest, and return what happened to each case."""
        check_render_parameters(self.options.template, self.options.parameters)
        if self.options.pdf:
            from ..printing import check_printer  # a missing printer is said before any rendering

            check_printer()
        files = self._case_files()
        executor = None
        if files and not self.options.changed_only:  # boot the workers while the cases are checked
            executor = self._start_executor(self.options, len(files), self.batch)
        try:
            planned, invalid = self.plan(files)
            summary = RenderSummary(self.options.out, invalid=invalid)
            manifest = self._read_manifest()
            self._prepare_out()
            unchanged = {item.case.id for item in planned if self._unchanged(item, manifest)}
            summary.unchanged = [item.case.id for item in planned if item.case.id in unchanged]
            todo = [self._job(item) for item in planned if item.case.id not in unchanged]
            if todo and executor is None:
                executor = self._start_executor(self.options, len(todo), self.batch)
            progress = _progress(len(todo), self.options.progress)
            try:
                if executor is not None and todo:
                    # closed first if interrupted between two results, so the workers stop at once
                    with contextlib.closing(executor.results(todo)) as results:
                        for result in results:
                            summary.record(result)
                            progress.update(1)
                            progress.set_postfix(failed=len(summary.failed))
            finally:
                progress.close()
        finally:
            if executor is not None:
                executor.close()
        summary.rendered.sort()
        self._print_pdfs(summary)
        try:
            self._write_manifest(planned, summary, manifest)
            self._write_index(planned, summary)
        except OSError as exc:
            failed = ", ".join(sorted(summary.failed)) or "none"
            raise IptNbError(
                f"{self.options.out}: the index and manifest could not be written "
                f"({exc.strerror or exc}); rendered: {', '.join(summary.rendered) or 'none'}; "
                f"failed: {failed}"
            ) from exc
        return summary

    def _print_pdfs(self, summary: RenderSummary) -> None:
        """``--pdf``: print every report that has no PDF as new as its HTML; without it, remove the
        PDFs of reports rendered again (a stale PDF must not sit beside a new report)."""
        out = self.options.out
        if not self.options.pdf:
            for case_id in summary.rendered:
                (out / f"{case_id}.pdf").unlink(missing_ok=True)
            return
        from ..printing import print_pdfs  # Playwright: only when asked for

        jobs = []
        for case_id in sorted([*summary.rendered, *summary.unchanged]):
            html, pdf = out / f"{case_id}.html", out / f"{case_id}.pdf"
            if not pdf.exists() or pdf.stat().st_mtime < html.stat().st_mtime:
                jobs.append((html, pdf, case_id))
        if not jobs:
            return
        progress = _progress(len(jobs), self.options.progress, "printing")
        try:
            failed = print_pdfs(jobs, on_done=lambda _: progress.update(1))
        except Exception as exc:  # the browser itself failed: the HTML reports and the index still stand
            failed = {html: f"PDF not printed: {str(exc).splitlines()[0] if str(exc) else exc!r}"
                      for html, _, _ in jobs}  # fmt: skip
        finally:
            progress.close()
        for page, reason in failed.items():
            summary.failed[page.stem] = reason

    def _write_manifest(self, planned: list[Planned], summary: RenderSummary, old: dict[str, Any]) -> None:
        cases = old.get("cases", {}) if old.get("key") == self._manifest_key() else {}
        done = set(summary.rendered) | set(summary.unchanged)
        for item in planned:
            if item.case.id in done:
                cases[item.case.id] = {"source": item.digest, "report": f"{item.case.id}.html"}
            else:
                cases.pop(item.case.id, None)
        data = {"key": self._manifest_key(), "cases": dict(sorted(cases.items()))}
        atomic_write(self.options.out / MANIFEST, (json.dumps(data, indent=2) + "\n").encode("utf-8"))

    def _write_index(self, planned: list[Planned], summary: RenderSummary) -> None:
        done = set(summary.rendered) | set(summary.unchanged)
        rows = [
            (p.case, f"{p.case.id}.html" if p.case.id in done else None, self._pdf_link(p.case.id))
            for p in planned
        ]
        rows.sort(key=lambda row: row[0].id)
        problems = [Problem(Path(src).name, why) for src, why in sorted(summary.invalid.items())]
        problems += [
            Problem(f"{cid} (see _failed/{cid}.txt)", why) for cid, why in sorted(summary.failed.items())
        ]
        atomic_write(summary.index, index_page(rows, problems).encode("utf-8"))

    def _pdf_link(self, case_id: str) -> str | None:
        """The report's PDF, when one is there and no older than its HTML."""
        html, pdf = self.options.out / f"{case_id}.html", self.options.out / f"{case_id}.pdf"
        if pdf.exists() and html.exists() and pdf.stat().st_mtime >= html.stat().st_mtime:
            return pdf.name
        return None


class _NoProgress:
    def update(self, _: int) -> None: ...
    def set_postfix(self, **_: object) -> None: ...
    def close(self) -> None: ...


def _progress(total: int, enabled: bool, what: str = "rendering") -> Any:
    """A progress bar on stderr: cases done, failures and time left."""
    if not enabled or total == 0:
        return _NoProgress()
    from tqdm import tqdm

    return tqdm(total=total, desc=what, unit="case", file=sys.stderr, dynamic_ncols=True)


def render_casebook(
    paths: list[str | Path] | None = None, out: str | Path = "reports", **options: Any
) -> RenderSummary:
    """Render case files or folders to ``out``; see :class:`RenderOptions` for the options."""
    given: dict[str, Any] = {"paths": [Path(p) for p in paths]} if paths else {}
    chosen = RenderOptions(**given, out=Path(out), **options)
    return BatchRenderer(chosen).run()
