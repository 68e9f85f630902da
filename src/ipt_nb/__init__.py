"""ipt-nb: case files, forms, charts and reports for Interpersonal Psychotherapy casework."""

from .casefile import CaseDocument, load_case, save_case
from .errors import CaseFileError, IptNbError, Issue, StaleFileError
from .model import Case

__version__ = "0.1.0"

__all__ = [
    "Case",
    "CaseDocument",
    "CaseFileError",
    "IptNbError",
    "Issue",
    "StaleFileError",
    "__version__",
    "load_case",
    "save_case",
]
