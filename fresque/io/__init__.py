"""Reading and writing datasets: CSV, XLSX, JSON, Kumu, PRSM; graph and map exports.

Everything read is validated: a problem is reported with its file, sheet, row and column
(:class:`Problem`), and a file with problems is not imported at all
(:class:`DatasetValidationError`).
"""

from fresque.io.tables import LINK_COLUMNS, STRUCTURE_COLUMNS, write_csv_dir
from fresque.io.validate import DatasetValidationError, Problem, Records, format_problems

__all__ = [
    "LINK_COLUMNS",
    "STRUCTURE_COLUMNS",
    "DatasetValidationError",
    "Problem",
    "Records",
    "format_problems",
    "write_csv_dir",
]
