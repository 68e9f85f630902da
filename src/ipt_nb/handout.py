"""``ipt-nb handout``: the walkthrough of one week as a page for the projector or the printer.

The supervision notebook is rendered for the week by the batch renderer (so the
handout holds exactly what the walkthrough shows at that week, charts included,
and nothing hidden unless ``reveal``), as one self-contained HTML file. A PDF is
printed from that page by the Chromium the kit already uses for images, driven
by Playwright (:mod:`ipt_nb.printing`): A4 with the page stylesheet's margins,
charts kept whole, and a footer with the case id, the week and the page number.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .app import find_notebook
from .casefile import load_case
from .errors import IptNbError, UsageError
from .printing import print_pdf

__all__ = [
    "write_handout",
]


def write_handout(case_path: Path, week: int, out: Path, *, reveal: bool = False) -> Path:
    """Write the handout of ``week`` to ``out`` (``.html`` or ``.pdf``); returns ``out``."""
    from .render import BatchRenderer, RenderOptions  # noqa: PLC0415 (heavy: only when rendering)

    if out.suffix.lower() not in (".html", ".pdf"):
        raise UsageError(f"--out {out}: give a .html or .pdf file")
    if out.resolve() == case_path.resolve():
        raise UsageError(f"--out {out} is the case file; writing it would destroy the case")
    case = load_case(case_path)
    with tempfile.TemporaryDirectory(prefix="ipt-nb-handout-") as scratch:
        options = RenderOptions(
            paths=[case_path],
            out=Path(scratch),
            template=find_notebook("supervision"),
            parameters={"week": week, "reveal": reveal},
            self_contained=True,
            workers=1,
            progress=False,
        )
        summary = BatchRenderer(options).run()
        if not summary.ok:
            reasons = "; ".join([*summary.failed.values(), *summary.invalid.values()])
            raise IptNbError(f"{case_path}: the handout could not be rendered: {reasons}")
        page = Path(scratch) / f"{case.id}.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".html":
            shutil.copyfile(page, out)
        else:
            print_pdf(page, out, footer=f"{case.id} - week {week}")
    return out
