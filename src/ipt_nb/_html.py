"""Tiny HTML building helpers where every piece of case text is escaped.

Case text is data, never markup: ``text()`` escapes, and the builders accept
only already-safe fragments (``Safe``) or plain strings, which they escape.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from importlib import resources


class Safe(str):
    """A fragment of HTML built by this module (already escaped)."""

    __slots__ = ()


def text(value: object) -> Safe:
    """Escape any value for HTML; ``Safe`` fragments pass through unchanged."""
    if isinstance(value, Safe):
        return value
    return Safe(html.escape("" if value is None else str(value), quote=True))


def tag(name: str, *children: object, cls: str | None = None, **attrs: str) -> Safe:
    attributes = "".join(f' {k.rstrip("_").replace("_", "-")}="{text(v)}"' for k, v in attrs.items())
    if cls:
        attributes += f' class="{text(cls)}"'
    return Safe(f"<{name}{attributes}>{''.join(text(c) for c in children)}</{name}>")


def join(parts: Iterable[object], sep: str = "") -> Safe:
    return Safe(sep.join(text(p) for p in parts))


def bullet_list(items: Iterable[object]) -> Safe:
    return tag("ul", *(tag("li", item) for item in items))


def table(header: list[str], rows: Iterable[Iterable[object]], cls: str = "ipt-table") -> Safe:
    head = tag("thead", tag("tr", *(tag("th", h) for h in header)))
    body = tag("tbody", *(tag("tr", *(tag("td", cell) for cell in row)) for row in rows))
    return tag("table", head, body, cls=cls)


def badge(label: str, kind: str) -> Safe:
    return tag("span", label, cls=f"ipt-badge ipt-badge-{kind}")


STYLE = Safe(f"<style>\n{resources.files('ipt_nb').joinpath('assets/report.css').read_text()}</style>")
"""The report stylesheet (``assets/report.css``), print-friendly, inlined once per block."""


def block(*parts: object) -> Safe:
    """A block of a report or exercise page: the parts in one ``ipt-report`` div, with the shared
    stylesheet (repeated per block so that each notebook output stands alone in JupyterLab)."""
    return join([STYLE, tag("div", *parts, cls="ipt-report")])
