"""Reading and writing datasets: CSV, XLSX, JSON, Kumu, PRSM; graph and map exports.

Everything read is validated: a problem is reported with its file, sheet, row and column
(:class:`Problem`), and a file with problems is not imported at all
(:class:`DatasetValidationError`).

Typical use::

    from fresque.io import read_records, write_records

    records = read_records("atelier.xlsx")      # raises DatasetValidationError
    write_records(records, "reseau.gexf")       # format from the extension
"""

from fresque.io.graphs import records_to_graph
from fresque.io.tables import (
    FORMATS,
    LINK_COLUMNS,
    STRUCTURE_COLUMNS,
    read_records,
    read_tables,
    write_csv_dir,
    write_records,
)
from fresque.io.validate import (
    DatasetValidationError,
    FieldChange,
    MergeReport,
    Problem,
    RecordChange,
    Records,
    format_problems,
    merge_records,
)

__all__ = [
    "FORMATS",
    "LINK_COLUMNS",
    "STRUCTURE_COLUMNS",
    "DatasetValidationError",
    "FieldChange",
    "MergeReport",
    "Problem",
    "RecordChange",
    "Records",
    "format_problems",
    "merge_records",
    "read_records",
    "read_tables",
    "records_to_graph",
    "write_csv_dir",
    "write_records",
]
