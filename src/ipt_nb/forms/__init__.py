"""ipywidgets forms bound to a case file: inventory, problem area, formulation, session log, case
details, workbench.

State (``FormState``), field binding and errors (``_fields``), and each form's
layout live apart; saving always goes through the case file layer.
"""

from .case_details import CaseDetailsForm
from .formulation_form import FormulationBuilder
from .inventory import InventoryEditor
from .problem_area import ProblemAreaPicker
from .session_log import SessionLog, score_summary
from .state import FormState, SaveResult
from .workbench import Workbench, editable_path

__all__ = [
    "CaseDetailsForm",
    "FormState",
    "FormulationBuilder",
    "InventoryEditor",
    "ProblemAreaPicker",
    "SaveResult",
    "SessionLog",
    "Workbench",
    "editable_path",
    "score_summary",
]
