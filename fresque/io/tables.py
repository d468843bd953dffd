"""Read and write datasets as tables: CSV folders, XLSX workbooks, JSON, Kumu workbooks.

The canonical format (what ``data/ecosystem/`` holds) is a folder with two files:

``structures.csv``
    ``id,name,kind,dispositifs,stages,themes,territory_level,territory_codes,commune_code,
    website,carrier_id,status,source_urls,confidence,last_verified,description``
``links.csv``
    ``source,target,relation,description,source_urls,confidence,since,until``

UTF-8 without BOM, ``,`` separator, ``\\n`` line ends, lists joined with ``|``, enum
values (never labels), dates as ``YYYY-MM-DD``, rows sorted by id and by (source, target,
relation): the same records always give the same bytes.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from fresque.io.validate import Records
from fresque.model import Link, Structure

__all__ = [
    "LINK_COLUMNS",
    "STRUCTURE_COLUMNS",
    "atomic_write",
    "link_to_row",
    "neutralize_formula",
    "structure_to_row",
    "write_csv_dir",
]

#: Columns of ``structures.csv``, in file order.
STRUCTURE_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "kind",
    "dispositifs",
    "stages",
    "themes",
    "territory_level",
    "territory_codes",
    "commune_code",
    "website",
    "carrier_id",
    "status",
    "source_urls",
    "confidence",
    "last_verified",
    "description",
)

#: Columns of ``links.csv``, in file order.
LINK_COLUMNS: tuple[str, ...] = (
    "source",
    "target",
    "relation",
    "description",
    "source_urls",
    "confidence",
    "since",
    "until",
)

#: Separator of the values of a list inside one cell.
LIST_SEPARATOR = "|"

#: A cell starting with one of these is a formula for Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(text: str) -> str:
    """Prefix ``text`` with an apostrophe when a spreadsheet would run it as a formula.

    Readers drop that apostrophe again (an apostrophe followed by a trigger character), so
    a neutralised export reads back to the same value.

    Examples
    --------
    >>> neutralize_formula("=HYPERLINK(\\"http://x\\")"), neutralize_formula("- liste")
    ('\\'=HYPERLINK("http://x")', "'- liste")
    >>> neutralize_formula("Avise")
    'Avise'
    """
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _cell(value: Any) -> str:
    """Text of one value in a canonical table."""
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(_cell(item) for item in value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return neutralize_formula(str(value))


def structure_to_row(structure: Structure) -> dict[str, str]:
    """Return the canonical cells of a structure, keyed by :data:`STRUCTURE_COLUMNS`.

    Examples
    --------
    >>> s = Structure(id="tag29", name="TAg29", kind="support_structure",
    ...               dispositifs=["incubateur"], territory_level="departement",
    ...               territory_codes=["29"])
    >>> row = structure_to_row(s)
    >>> row["dispositifs"], row["territory_codes"], row["status"], row["website"]
    ('incubateur', '29', 'active', '')
    """
    return {column: _cell(getattr(structure, column)) for column in STRUCTURE_COLUMNS}


def link_to_row(link: Link) -> dict[str, str]:
    """Return the canonical cells of a link, keyed by :data:`LINK_COLUMNS`."""
    return {column: _cell(getattr(link, column)) for column in LINK_COLUMNS}


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[Any]:
    """Open a temporary file beside ``path``, and move it onto ``path`` only on success.

    Readers never see a half-written file; on error the temporary file is removed and
    ``path`` is left as it was.

    Parameters
    ----------
    path
        The final file.
    mode
        ``"w"`` (text, UTF-8 and ``\\n`` unless ``kwargs`` say otherwise) or ``"wb"``.
    **kwargs
        Passed to :func:`open`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; exports are ordinary files
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _csv_text(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv_dir(records: Records, folder: str | Path) -> tuple[Path, Path]:
    """Write ``records`` in the canonical format: ``structures.csv`` and ``links.csv``.

    Output is deterministic (sorted rows, fixed columns, UTF-8 without BOM, ``\\n``).
    Both files are rendered first, then each replaces its predecessor atomically.

    Parameters
    ----------
    records
        The dataset (anything with ``structures`` and ``links`` lists works).
    folder
        The folder to write into (created when missing).

    Returns
    -------
    tuple of Path
        The paths of ``structures.csv`` and ``links.csv``.
    """
    folder = Path(folder)
    ordered = Records(list(records.structures), list(records.links)).sorted()
    texts = {
        folder / "structures.csv": _csv_text(
            STRUCTURE_COLUMNS, [structure_to_row(s) for s in ordered.structures]
        ),
        folder / "links.csv": _csv_text(LINK_COLUMNS, [link_to_row(k) for k in ordered.links]),
    }
    for path, text in texts.items():
        with atomic_write(path) as handle:
            handle.write(text)
    structures_path, links_path = texts
    return structures_path, links_path
