"""ipt-nb: case files, forms, charts and reports for Interpersonal Psychotherapy casework.

This is the API the notebooks use: ``from ipt_nb import check_parameters, load_parameter_case,
show``. Every name is imported on first use (PEP 562): ``import ipt_nb`` (every command line
call) does not pay for ipywidgets and plotly until a notebook or form asks for them, and a
process that needs only a small part of the kit (the app's server, which loads its kernel
manager from here) does not pay for pydantic and the case model either.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import charts, exercises, group_view, report
    from .casefile import CaseDocument, load_case, load_cases, save_case
    from .class_view import ResultsBoard
    from .display import show, show_html
    from .errors import CaseFileError, IptNbError, Issue, ParameterError, StaleFileError
    from .forms import Workbench, editable_path
    from .model import Case
    from .outcomes import summarize
    from .parameters import check_parameters, load_parameter_case
    from .walkthrough import Walkthrough

__version__ = "0.1.0"

_LAZY = {
    "Case": "model",
    "CaseDocument": "casefile",
    "load_case": "casefile",
    "load_cases": "casefile",
    "save_case": "casefile",
    "CaseFileError": "errors",
    "IptNbError": "errors",
    "Issue": "errors",
    "ParameterError": "errors",
    "StaleFileError": "errors",
    "check_parameters": "parameters",
    "load_parameter_case": "parameters",
    "show": "display",
    "show_html": "display",
    "summarize": "outcomes",
    "Walkthrough": "walkthrough",
    "Workbench": "forms",
    "editable_path": "forms",
    "ResultsBoard": "class_view",
}
"""Name -> the module that defines it, imported when the name is first used."""
_SUBMODULES = frozenset({"charts", "exercises", "group_view", "report"})
"""Modules the notebooks use as a whole (``from ipt_nb import charts``)."""

__all__ = [
    "Case",
    "CaseDocument",
    "CaseFileError",
    "IptNbError",
    "Issue",
    "ParameterError",
    "ResultsBoard",
    "StaleFileError",
    "Walkthrough",
    "Workbench",
    "__version__",
    "charts",
    "check_parameters",
    "editable_path",
    "exercises",
    "group_view",
    "load_case",
    "load_cases",
    "load_parameter_case",
    "report",
    "save_case",
    "show",
    "show_html",
    "summarize",
]


def _module_of(name: str) -> str | None:
    """The module behind a public name (``show`` -> ``ipt_nb.display``): what a kernel imports ahead
    of a notebook that does ``from ipt_nb import show``; ``None`` for a name defined here."""
    if name in _SUBMODULES:
        return f"{__name__}.{name}"
    return f"{__name__}.{_LAZY[name]}" if name in _LAZY else None


def __getattr__(name: str) -> Any:
    """Import a public name's module the first time the name is asked for."""
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
