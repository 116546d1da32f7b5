"""Core's import skeleton: every file import runs on it (DESIGN rule 11, ADR 0015).

- `skeleton`: `Importer` (the steps an import defines), `Plan` and `Action` (what a row does), `Atomic` (one
  transaction per batch or per file), `run_import` (read → check → plan → write → record);
- `report`: `ImportReport` (counts per action, rejected rows with line, column, code and message);
- `rejected`: `RejectedFile` (the rejected rows in the upload's format with `line` and `reason` columns).
"""

from ..tabular import Column, Row, RowError
from .rejected import RejectedFile, rejected_file_content, rejected_format
from .report import ImportReport, reason_text
from .skeleton import Action, Atomic, Importer, Plan, run_import

__all__ = [
    "Action", "Atomic", "Column", "ImportReport", "Importer", "Plan", "RejectedFile", "Row", "RowError",
    "reason_text", "rejected_file_content", "rejected_format", "run_import",
]
