"""The options of a batch render: one object that the library takes and the CLI builds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import UsageError

__all__ = [
    "DEFAULT_TEMPLATE",
    "FILE_PARAMETERS",
    "MAX_WORKERS",
    "RenderOptions",
    "check_render_parameters",
    "template_parameters",
]

DEFAULT_TEMPLATE = Path("casebook") / "report.ipynb"
MAX_WORKERS = 64
"""Most worker processes a render starts (each holds a kernel of about 100 MB)."""


class RenderOptions(BaseModel):
    """Everything ``ipt-nb render`` can be asked, in one object that the renderer and its workers share."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    paths: list[Path] = Field(default_factory=lambda: [Path("casebook") / "cases"])
    """Case files or folders of them."""
    out: Path = Path("reports")
    template: Path = DEFAULT_TEMPLATE
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Extra notebook parameters, beside ``case_path``."""
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=MAX_WORKERS)
    self_contained: bool = False
    """Inline plotly.js in every report instead of one shared ``assets/plotly.min.js``."""
    pdf: bool = False
    """Also print each report to ``ID.pdf`` beside its HTML (Chromium through Playwright)."""
    changed_only: bool = False
    keep_notebooks: bool = False
    progress: bool = True
    allow_identifiers: bool = False
    """Render cases even when the identifier lint finds something in them."""
    executor: Literal["local", "dask"] = "local"
    """``dask`` submits the same per-case work to a Dask cluster (the ``dask`` extra)."""
    scheduler: str | None = None
    """Address of a Dask scheduler; without one, a local cluster of ``workers`` processes is started."""
    cell_timeout: int = Field(default=120, ge=1)
    """Seconds one notebook cell may run before the case counts as failed."""


FILE_PARAMETERS = ("case_path",)
"""Parameters the renderer sets itself: ``-p`` may not point a report at another file."""


def template_parameters(template: Path) -> set[str]:
    """Names the template's ``parameters`` cell assigns (read as data, never run)."""
    import ast
    import json

    try:
        notebook = json.loads(template.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--template {template}: cannot read the notebook ({exc})") from exc
    names: set[str] = set()
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code" or "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            raise UsageError(
                f"--template {template}: the parameters cell is not valid Python ({exc})"
            ) from exc
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def check_render_parameters(template: Path, parameters: dict[str, Any]) -> None:
    """Refuse ``-p`` names before any kernel sees them: identifiers that the template declares,
    and never a file parameter (the identifier gate must apply to what is actually rendered)."""
    import keyword

    bad = [n for n in parameters if not n.isidentifier() or keyword.iskeyword(n)]
    if bad:
        raise UsageError(f"-p {bad[0]!r} is not a parameter name; use a Python identifier such as week")
    fixed = [n for n in parameters if n in FILE_PARAMETERS or n.endswith(("_path", "_dir"))]
    if fixed:
        raise UsageError(f"-p {fixed[0]}: a file parameter is set by the renderer for each case, not by -p")
    if not template.is_file():
        raise UsageError(f"--template {template}: no such notebook")
    declared = template_parameters(template)
    unknown = sorted(set(parameters) - declared)
    if unknown:
        known = ", ".join(sorted(declared - set(FILE_PARAMETERS))) or "none besides case_path"
        raise UsageError(f"-p {unknown[0]}: {template} declares no such parameter; it takes {known}")
