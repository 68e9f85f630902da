"""HTML pages to PDF in the Chromium the kit already uses for chart images.

Playwright drives Debian's Chromium headless: the page is laid out at the width
of an A4 page (so charts are drawn to fit it, not cut), printed with the page
stylesheet's ``@page`` margins and break rules, and a footer with the page's
label and the page number. Every request that is not the page or a file beside
it is refused: a report never fetches anything while it is printed. One
browser prints a whole batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from html import escape
from pathlib import Path
from typing import Any

from .errors import IptNbError
from .images import find_browser

A4_CONTENT_WIDTH = 720
"""CSS pixels across an A4 page inside its margins (210 mm - 28 mm at 96 px per inch, rounded up)."""

MARGINS = {"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"}
CHARTS_DRAWN = """() => [...document.querySelectorAll('.plotly-graph-div')]
    .every((div) => div.querySelector('.main-svg'))"""
CHART_WAIT_MS = 20_000


def _footer(label: str) -> str:
    return (
        '<div style="font-size:8px;width:100%;text-align:center;color:#333">'
        f"{escape(label)} - page <span class='pageNumber'></span> of <span class='totalPages'></span></div>"
    )


def _local_only(route: Any) -> None:
    """A page prints only what is on this machine: any other request is refused."""
    if route.request.url.startswith(("file:", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()


def _sync_playwright() -> Any:
    """Playwright's entry point, or the error that says how to install it (the ``pdf`` extra)."""
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 (optional: the pdf extra)
    except ImportError as exc:
        raise IptNbError(
            "PDF output needs Playwright: pip install 'ipt-nb[pdf]' (the HTML works without it)"
        ) from exc
    return sync_playwright


def check_printer() -> None:
    """Raise the error a PDF would meet, before any work: Playwright missing or no Chromium."""
    _sync_playwright()
    find_browser()


@contextmanager
def pdf_printer() -> Iterator[Callable[[Path, Path, str], None]]:
    """A function ``print(page, out, footer)`` backed by one headless Chromium, closed on exit."""
    with _sync_playwright()() as playwright:
        browser = playwright.chromium.launch(
            executable_path=find_browser(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        try:
            context = browser.new_context(viewport={"width": A4_CONTENT_WIDTH, "height": 1000})
            context.route("**/*", _local_only)

            def print_page(page: Path, out: Path, footer: str) -> None:
                tab = context.new_page()
                try:
                    tab.goto(page.resolve().as_uri())
                    tab.wait_for_function(CHARTS_DRAWN, timeout=CHART_WAIT_MS)
                    tab.emulate_media(media="print")
                    partial = out.with_name(f".{out.name}.partial")
                    tab.pdf(
                        path=str(partial),
                        format="A4",
                        print_background=True,
                        display_header_footer=True,
                        header_template="<span></span>",
                        footer_template=_footer(footer),
                        margin=MARGINS,
                        prefer_css_page_size=True,
                    )
                    partial.replace(out)
                finally:
                    tab.close()

            yield print_page
        finally:
            browser.close()


def print_pdf(page: Path, out: Path, *, footer: str) -> None:
    """Print one HTML page to ``out``."""
    with pdf_printer() as print_page:
        print_page(page, out, footer)


def print_pdfs(
    jobs: Iterable[tuple[Path, Path, str]], on_done: Callable[[Path], None] | None = None
) -> dict[Path, str]:
    """Print ``(page, out, footer)`` jobs with one browser; returns the pages that failed, with why."""
    failed: dict[Path, str] = {}
    with pdf_printer() as print_page:
        for page, out, footer in jobs:
            try:
                print_page(page, out, footer)
            except Exception as exc:
                failed[page] = (
                    f"PDF not printed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                )
            if on_done is not None:
                on_done(page)
    return failed


__all__ = ["check_printer", "pdf_printer", "print_pdf", "print_pdfs"]
