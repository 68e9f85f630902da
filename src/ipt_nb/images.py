"""Static chart images (PNG, SVG, PDF) through kaleido and the system's Chromium.

Kaleido drives a headless Chromium; it finds one through ``BROWSER_PATH`` or
the usual names on ``PATH``. No browser is ever downloaded: without one, the
error says how to install it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import plotly.graph_objects as go

from .errors import BrowserNotFoundError, UsageError

__all__ = [
    "BROWSER_NAMES",
    "FORMATS",
    "NO_BROWSER",
    "find_browser",
    "write_image",
]

FORMATS = (".png", ".svg", ".pdf", ".jpg", ".jpeg", ".webp")
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
NO_BROWSER = (
    "no Chromium found for drawing images: install it (Debian: apt-get install chromium) "
    "or point BROWSER_PATH at a Chromium or Chrome executable"
)


def find_browser() -> str:
    """Path of the Chromium kaleido will use; raises with the fix when there is none."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured
        raise BrowserNotFoundError(f"BROWSER_PATH={configured} is not an executable file; {NO_BROWSER}")
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserNotFoundError(NO_BROWSER)


def write_image(
    fig: go.Figure, path: str | Path, *, width: int | None = None, height: int | None = None
) -> Path:
    """Write ``fig`` to ``path``; the suffix picks the format."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise UsageError(
            f"{path}: cannot tell the image format; end the name with one of {', '.join(FORMATS)}"
        )
    os.environ["BROWSER_PATH"] = find_browser()
    path.parent.mkdir(parents=True, exist_ok=True)
    layout = fig.layout
    fig.write_image(path, width=width or layout.width or 1000, height=height or layout.height or 600, scale=1)
    return path
