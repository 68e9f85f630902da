"""Batch rendering of case reports: ``BatchRenderer`` and ``render_casebook``."""

from .batch import BatchRenderer, RenderSummary, render_casebook
from .options import RenderOptions

__all__ = ["BatchRenderer", "RenderOptions", "RenderSummary", "render_casebook"]
