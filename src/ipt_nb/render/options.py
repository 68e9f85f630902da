"""The options of a batch render: one object that the library takes and the CLI builds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_TEMPLATE = Path("casebook") / "report.ipynb"


class RenderOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    paths: list[Path] = Field(default_factory=lambda: [Path("casebook") / "cases"])
    """Case files or folders of them."""
    out: Path = Path("reports")
    template: Path = DEFAULT_TEMPLATE
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Extra notebook parameters, beside ``case_path``."""
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    self_contained: bool = False
    """Inline plotly.js in every report instead of one shared ``assets/plotly.min.js``."""
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
