"""The first cell of every notebook: its parameters checked, and the case a parameter names loaded.

A wrong parameter fails there, with a message naming it, instead of as a traceback deep in a
chart; papermill's raw strings (``-r week 6``) are accepted for numbers and booleans.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from IPython import get_ipython

from .casefile import load_case
from .errors import CaseFileError, ParameterError
from .model import Case

__all__ = ["ParameterError", "check_parameters", "load_parameter_case"]

IPYTHON_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython", "open"})


def _coerce(name: str, value: Any, kind: type) -> Any:
    """Accept papermill's raw strings (``-r week 6``) for numbers and booleans."""
    if kind is bool and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind is int and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if kind is int and isinstance(value, bool):
        raise ParameterError(f"parameter {name!r} must be a whole number, not {value!r}")
    if not isinstance(value, kind):
        raise ParameterError(
            f"parameter {name!r} must be {kind.__name__}, got {type(value).__name__} {value!r}"
        )
    return value


OWN_NAMES = "_ipt_nb_own_names"
"""Names the notebook's own cells defined after its parameter check (kept in the namespace)."""


def _record_own_names(namespace: dict[str, Any]) -> None:
    """After each cell, remember the names the notebook defined since its check, so that Run All a
    second time in the same kernel does not take them for unknown parameters. The record lives in
    the namespace, so a ``%reset`` clears it and the next injected parameters are checked afresh."""
    shell = get_ipython()
    if shell is None or shell.user_ns is not namespace or getattr(shell, "_ipt_nb_recording", False):
        return

    def record(*_: object) -> None:
        own = shell.user_ns.get(OWN_NAMES)
        if isinstance(own, set):
            own.update(name for name in shell.user_ns if not name.startswith("_"))

    shell.events.register("post_run_cell", record)
    shell._ipt_nb_recording = True


def check_parameters(namespace: dict[str, Any], **expected: type) -> dict[str, Any]:
    """Check the notebook's parameters: all present, none unknown, each of its type.

    ``namespace`` is the notebook's ``globals()`` after the parameters (and
    papermill's injected parameters) ran; returns the checked values. Names the
    notebook itself defined in an earlier run in this kernel are not parameters.
    """
    defined = {
        name
        for name, value in namespace.items()
        if not name.startswith("_")
        and name not in IPYTHON_NAMES
        and not isinstance(value, ModuleType)
        and not callable(value)
    }
    own = namespace.get(OWN_NAMES)
    unknown = sorted(defined - set(expected) - (own if isinstance(own, set) else set()))
    if unknown:
        raise ParameterError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))}; this notebook takes {', '.join(expected)}"
        )
    missing = [name for name in expected if name not in namespace]
    if missing:
        raise ParameterError(f"missing parameter(s): {', '.join(missing)}")
    checked = {name: _coerce(name, namespace[name], kind) for name, kind in expected.items()}
    if not isinstance(own, set):
        namespace[OWN_NAMES] = set()
        _record_own_names(namespace)
    return checked


def load_parameter_case(case_path: str | Path, name: str = "case_path") -> Case:
    """Load the case a notebook parameter names, with an error that names the parameter."""
    path = Path(case_path)
    if not path.is_file():
        raise ParameterError(
            f"parameter {name}: no case file at {str(path)!r} (relative to {Path.cwd().name}/)"
        )
    try:
        return load_case(path)
    except CaseFileError as exc:
        raise ParameterError(f"parameter {name}: {path} is not a valid case:\n{exc}") from exc
