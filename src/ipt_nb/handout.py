"""``ipt-nb handout``: the walkthrough of one week as a page for the projector or the printer.

The supervision notebook is rendered for the week by the batch renderer (so the
handout holds exactly what the walkthrough shows at that week, charts included,
and nothing hidden unless ``reveal``), as one self-contained HTML file. A PDF is
printed from that page by the Chromium the kit already uses for images, driven
by Playwright: A4 with margins, charts and tables kept whole, and a footer with
the case id, the week and the page number.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .app import find_notebook
from .casefile import load_case
from .errors import IptNbError, UsageError
from .images import find_browser

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
@media print {
  .ipt-table, .js-plotly-plot, .plotly-graph-div, figure, .ipt-risk { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .ipt-report { max-width: none; }
}
"""
"""Page margins and break rules: no chart or table split across pages, no heading left alone."""


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
        html = page.read_text(encoding="utf-8").replace("</head>", f"<style>{PRINT_CSS}</style></head>", 1)
        page.write_text(html, encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".html":
            shutil.copyfile(page, out)
        else:
            print_pdf(page, out, footer=f"{case.id} - week {week}")
    return out


def _local_only(route: object) -> None:
    """The page is self-contained: a request for anything but itself is refused."""
    url = route.request.url  # type: ignore[attr-defined]
    if url.startswith(("file:", "data:", "blob:")):
        route.continue_()  # type: ignore[attr-defined]
    else:
        route.abort()  # type: ignore[attr-defined]


def print_pdf(page: Path, out: Path, *, footer: str) -> None:
    """Print an HTML page to PDF in headless Chromium, every request off this machine refused."""
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 (optional: the pdf extra)
    except ImportError as exc:
        raise IptNbError(
            "PDF handouts need Playwright: pip install 'ipt-nb[pdf]' (an .html handout works without)"
        ) from exc
    template = (
        '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
        f"{footer} - page <span class='pageNumber'></span> of <span class='totalPages'></span></div>"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=find_browser(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        try:
            tab = browser.new_page()
            tab.route("**/*", _local_only)
            tab.goto(page.as_uri())
            tab.wait_for_load_state("networkidle")
            tab.emulate_media(media="print")
            tab.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=template,
                margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
            )
        finally:
            browser.close()
