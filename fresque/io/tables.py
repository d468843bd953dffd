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
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fresque.io.validate import (
    LINKS,
    STRUCTURES,
    Problem,
    RawTable,
    Records,
    looks_like_links,
    validate_tables,
)
from fresque.model import Link, Structure, Survey, export_text

if TYPE_CHECKING:
    import pandas as pd

    from fresque.geo.territories import Territories

__all__ = [
    "FORMATS",
    "LINK_COLUMNS",
    "STRUCTURE_COLUMNS",
    "atomic_write",
    "detect_format",
    "link_to_row",
    "neutralize_formula",
    "read_records",
    "read_tables",
    "structure_to_row",
    "write_csv_dir",
    "write_json",
    "write_kumu_xlsx",
    "write_records",
    "write_sheets",
    "write_xlsx",
]

#: Columns of ``structures.csv``, in file order: the fields of the record.
STRUCTURE_COLUMNS: tuple[str, ...] = tuple(Structure.model_fields)

#: Columns of ``links.csv``, in file order: the fields of the record.
LINK_COLUMNS: tuple[str, ...] = tuple(Link.model_fields)

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
    """Text of one value in a canonical table: safe for any format
    (:func:`fresque.model.export_text`) and never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(_cell(item) for item in value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return neutralize_formula(export_text(str(value)))


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


def survey_to_row(survey: Survey) -> dict[str, str]:
    """Return the canonical cells of a survey, keyed by
    :data:`fresque.io.surveys.SURVEY_COLUMNS`.

    Examples
    --------
    >>> s = Survey(id="rec_29", territory_level="departement", territory_code="29",
    ...            attested_by="CRESS Bretagne", date="2026-03-01", source="=Annuaire")
    >>> row = survey_to_row(s)
    >>> row["date"], row["valid_months"], row["source"]
    ('2026-03-01', '', "'=Annuaire")
    """
    from fresque.io.surveys import SURVEY_COLUMNS

    return {column: _cell(getattr(survey, column)) for column in SURVEY_COLUMNS}


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
    """Write ``records`` in the canonical format: ``structures.csv`` and ``links.csv``,
    and ``surveys.csv`` when there are surveys (an older one is left as it is otherwise).

    Output is deterministic (sorted rows, fixed columns, UTF-8 without BOM, ``\\n``).
    Every file is rendered first, then each replaces its predecessor atomically.

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
    from fresque.io.surveys import SURVEY_COLUMNS

    folder = Path(folder)
    ordered = Records.of(records)
    structures_path, links_path = folder / "structures.csv", folder / "links.csv"
    texts = {
        structures_path: _csv_text(
            STRUCTURE_COLUMNS, [structure_to_row(s) for s in ordered.structures]
        ),
        links_path: _csv_text(LINK_COLUMNS, [link_to_row(k) for k in ordered.links]),
    }
    if ordered.surveys:
        texts[folder / "surveys.csv"] = _csv_text(
            SURVEY_COLUMNS, [survey_to_row(s) for s in ordered.surveys]
        )
    for path, text in texts.items():
        with atomic_write(path) as handle:
            handle.write(text)
    return structures_path, links_path


# ======================================================================================
# Reading
# ======================================================================================

#: Sheet (or file, or JSON key) names of each table, compared without case or accents.
_STRUCTURE_SHEETS = frozenset(
    {"structures", "structure", "elements", "factors", "acteurs", "noeuds", "nodes"}
)
_LINK_SHEETS = frozenset(
    {"links", "liens", "connections", "relations", "edges", "aretes", "lien", "link"}
)


def _sheet_kind(name: str) -> str | None:
    from fresque.i18n import normalize_key
    from fresque.io.surveys import SURVEY_SHEETS, SURVEYS

    key = normalize_key(name)
    if key in _STRUCTURE_SHEETS:
        return STRUCTURES
    if key in _LINK_SHEETS:
        return LINKS
    if key in SURVEY_SHEETS:
        return SURVEYS
    return None


def detect_format(path: str | Path) -> str:
    """Return the format of a file to read: ``csv``, ``csv-dir``, ``xlsx``, ``json``,
    ``graphml`` or ``gexf``.

    The extension decides; a file without a known extension is recognised by its first
    bytes (a ZIP archive is a workbook, ``{`` or ``[`` starts JSON, anything else is CSV).

    Examples
    --------
    >>> detect_format("atelier.XLSX"), detect_format("liens.csv")
    ('xlsx', 'csv')
    """
    path = Path(path)
    if path.is_dir():
        return "csv-dir"
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".json":
        return "json"
    if suffix in (".graphml", ".gexf"):
        return suffix[1:]
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError:
        return "csv"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return "json"
    return "csv"


def _decode(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _sniff_delimiter(text: str) -> str:
    """``;``, ``,`` or tab: the one most used on the header line, outside quotes."""
    header = ""
    for line in text.split("\n"):
        if line.strip():
            header = line
            break
    header = re.sub(r'"[^"]*"', "", header)
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _table_from_rows(
    file: str, sheet: str, rows: Iterable[tuple[int, list[Any]]], kind: str | None
) -> RawTable | None:
    """Find the header (first non-empty row) and build a RawTable; ``None`` if empty."""
    from fresque.io.validate import cell_text

    iterator = iter(rows)
    for number, cells in iterator:  # noqa: B007 (number is used after the loop)
        if any(cell_text(c) for c in cells):
            headers = [cell_text(c) for c in cells]
            break
    else:
        return None
    data = [(n, list(c)) for n, c in iterator]
    if kind is None:
        kind = LINKS if looks_like_links(headers) else STRUCTURES
    return RawTable(file, sheet, kind, headers, number, data)


def _read_csv(path: Path, shown: str, kind: str | None) -> tuple[RawTable | None, list[Problem]]:
    text = _decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    rows = []
    try:
        rows = list(enumerate(reader, 1))
    except csv.Error as error:  # a cell over csv's size limit, a stray quote at the end…
        message = f"CSV illisible à partir de la ligne {reader.line_num} : {error}"
        return None, [Problem(shown, "", None, "", "", message)]
    table = _table_from_rows(shown, "", rows, kind)
    if table is None:
        return None, [Problem(shown, "", None, "", "", EMPTY_FILE)]
    return table, []


def _csv_kind(path: Path) -> str | None:
    return _sheet_kind(path.stem)


def _read_xlsx(path: Path, shown: str) -> tuple[list[RawTable], list[Problem]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    data = path.read_bytes()
    try:  # a handle, not a name: openpyxl refuses names without an .xlsx extension
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        return [], [
            Problem(
                shown,
                "",
                None,
                "",
                "",
                f"classeur illisible : ce n’est pas un fichier "
                f"XLSX valide ({type(error).__name__})",
            )
        ]
    try:
        sheets = [ws for ws in workbook.worksheets if "(ignore)" not in ws.title.lower()]
        named = [(ws, _sheet_kind(ws.title)) for ws in sheets]
        chosen = [(ws, kind) for ws, kind in named if kind is not None]
        if not chosen and len(sheets) == 1:
            chosen = [(sheets[0], None)]
        if not chosen:
            titles = ", ".join(f"« {ws.title} »" for ws in sheets)
            return [], [
                Problem(
                    shown,
                    "",
                    None,
                    "",
                    "",
                    "aucune feuille « structures » ni « links » "
                    f"(ni « Elements »/« Connections », « Factors »/« Links ») : "
                    f"feuilles trouvées {titles}",
                )
            ]
        tables = []
        problems = []
        formulas = _uncomputed_formulas(data, workbook, [ws.title for ws, _ in chosen])
        for ws, kind in chosen:
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
            rows = ((i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), 1))
            table = _table_from_rows(shown, ws.title, rows, kind)
            if table is None:
                problems.append(Problem(shown, ws.title, None, "", "", EMPTY_SHEET))
                continue
            tables.append(table)
            problems += _formula_problems(table, formulas.get(ws.title, {}))
        return tables, problems
    finally:
        workbook.close()


#: A formula element in a worksheet's XML (``<f>`` with or without a namespace prefix).
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _uncomputed_formulas(
    data: bytes, workbook: Any, titles: list[str]
) -> dict[str, dict[tuple[int, int], str]]:
    """The formula cells of the sheets ``titles`` that hold no computed value.

    A spreadsheet (Excel, LibreOffice) saves each formula with its last value; a program
    that writes a workbook (openpyxl…) saves the formula alone, and the cell then reads
    as empty. A formula saved with an empty text value (``t="str"``) was computed: its
    value is the empty text. Workbooks without any formula (most) cost a scan of their
    XML only.

    Parameters
    ----------
    data
        The bytes of the workbook.
    workbook
        The workbook already opened on ``data`` with its values (``data_only=True``).
    titles
        The sheets to look at.

    Returns
    -------
    dict
        Sheet title -> ``{(row, column): formula text}`` (row and column from 1).
    """
    import zipfile

    from openpyxl import load_workbook

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        if not any(_FORMULA_ELEMENT.search(archive.read(name)) for name in sheets):
            return {}
    formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    found: dict[str, dict[tuple[int, int], str]] = {}
    try:
        for title in titles:
            texts = {
                (cell.row, cell.column): str(getattr(cell.value, "text", cell.value))
                for row in _cells(formulas[title])
                for cell in row
                if getattr(cell, "data_type", None) == "f"
            }
            if not texts:
                continue
            found[title] = {
                (cell.row, cell.column): texts[(cell.row, cell.column)]
                for row in _cells(workbook[title])
                for cell in row
                if (getattr(cell, "row", None), getattr(cell, "column", None)) in texts
                and cell.value is None
                and cell.data_type != "str"
            }
    finally:
        formulas.close()
    return found


def _cells(ws: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of cells of a read-only sheet, with its real extent."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    return ws.iter_rows()


def _formula_problems(table: RawTable, formulas: dict[tuple[int, int], str]) -> list[Problem]:
    """One error per formula without a computed value, in a column the importer reads."""
    from openpyxl.utils import get_column_letter

    problems = []
    for (row, column), formula in sorted(formulas.items()):
        header = table.headers[column - 1] if column <= len(table.headers) else ""
        if row <= table.header_row or not _reads_column(header, table.kind):
            continue
        text = formula if formula.startswith("=") else f"={formula}"
        address = f"{cell_sheet_name(table.sheet)}!{get_column_letter(column)}{row}"
        problems.append(
            Problem(
                table.file,
                table.sheet,
                row,
                header,
                text,
                f"la cellule {address} contient une formule ({text}) sans valeur calculée : "
                "le classeur a sans doute été écrit par un programme, sans jamais être "
                "enregistré depuis un tableur. Ouvrez-le puis enregistrez-le dans Excel ou "
                "LibreOffice, ou remplacez les formules par leurs valeurs (copier, puis "
                "collage spécial : valeurs)",
            )
        )
    return problems


def cell_sheet_name(title: str) -> str:
    """A sheet's name as a spreadsheet writes it in a cell address: quoted when it holds
    anything but letters, digits and ``_``.

    Examples
    --------
    >>> cell_sheet_name("Structures"), cell_sheet_name("Mes liens"), cell_sheet_name("l'an")
    ('Structures', "'Mes liens'", "'l''an'")
    """
    if re.fullmatch(r"[^\W\d]\w*", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _reads_column(header: str, kind: str) -> bool:
    """Whether the importer reads the column ``header`` of a table of ``kind``."""
    from fresque.io.surveys import SURVEYS, survey_field
    from fresque.io.validate import column_field

    if not header:
        return False
    if kind == SURVEYS:
        return survey_field(header) is not None
    return column_field(header, kind) is not None


def _flatten_item(item: dict[str, Any]) -> dict[str, Any]:
    """Kumu's JSON nests fields under ``attributes``: bring them up."""
    flat = {k: v for k, v in item.items() if k != "attributes"}
    attributes = item.get("attributes")
    if isinstance(attributes, dict):
        for key, value in attributes.items():
            flat.setdefault(key, value)
    return flat


def _read_json(path: Path, shown: str) -> tuple[list[RawTable], list[Problem]]:
    import json

    try:
        data = json.loads(_decode(path.read_bytes()))
    except json.JSONDecodeError as error:
        return [], [
            Problem(
                shown,
                "",
                None,
                "",
                "",
                f"JSON invalide : {error.msg} (ligne {error.lineno}, colonne {error.colno})",
            )
        ]
    if isinstance(data, list):
        data = {"structures": data}
    if not isinstance(data, dict):
        return [], [
            Problem(
                shown,
                "",
                None,
                "",
                "",
                'JSON inattendu : un objet {"structures": […], "links": […]} est attendu',
            )
        ]
    tables: list[RawTable] = []
    problems: list[Problem] = []
    empty: list[tuple[str, str]] = []
    for key, items in data.items():
        kind = _sheet_kind(str(key))
        if kind is None:
            continue
        if not isinstance(items, list):
            problems.append(Problem(shown, str(key), None, "", "", "une liste est attendue"))
            continue
        if not items:  # an empty list has no columns to check, and maybe nothing to import
            empty.append((str(key), kind))
            continue
        headers: list[str] = []
        flat_items: list[dict[str, Any] | None] = []
        for item in items:
            if isinstance(item, dict):
                flat = _flatten_item(item)
                for name in flat:
                    if name not in headers:
                        headers.append(str(name))
                flat_items.append(flat)
            else:
                flat_items.append(None)
        rows = []
        for number, flat in enumerate(flat_items, 1):
            if flat is None:
                problems.append(
                    Problem(shown, str(key), number, "", "", "un objet {…} est attendu")
                )
                continue
            rows.append((number, [flat.get(h) for h in headers]))
        tables.append(RawTable(shown, str(key), kind, headers, 0, rows))
    # The same rule as for a table with only its header (see read_tables).
    alone = not (tables or problems or any(kind == STRUCTURES for _, kind in empty))
    for key, kind in empty:
        if kind == STRUCTURES or (alone and kind == LINKS):
            problems.append(Problem(shown, key, None, "", "", _EMPTY_LIST[kind]))
    if not tables and not problems:
        problems.append(
            Problem(
                shown,
                "",
                None,
                "",
                "",
                "aucune liste « structures » ni "
                "« links » (ni « elements »/« connections ») dans le JSON",
            )
        )
    return tables, problems


def read_tables(
    path: str | Path, *, allow_empty: bool = False
) -> tuple[list[RawTable], list[Problem]]:
    """Read the raw tables of a dataset file or folder, without validating them.

    What is empty, and when that is an error:

    * a file with nothing in it (0 bytes, or only blank lines) or a sheet with no cell
      (not even a header) is an error, naming the file and the sheet;
    * a table of structures with only its header (or an empty ``structures`` list in
      JSON) is an error: a dataset has structures;
    * a table of links with only its header is legitimate beside structures — a
      dataset without links, such as a folder whose ``links.csv`` holds just
      ``source,target,relation``; alone (a links file with only its header) it is an
      error: there is nothing to import;
    * a table of surveys with only its header is legitimate (a template not filled yet);
    * with ``allow_empty``, tables with only their header are all legitimate: a dataset
      of one's own (the curated dataset, the target of a merge) may hold nothing yet.

    A formula cell of a workbook that holds no computed value (a file written by a
    program and never opened in a spreadsheet) is an error in a column the importer
    reads, with its address (``Structures!B7``) and its formula; a formula saved with
    its value reads as that value.

    Parameters
    ----------
    path
        A CSV file, a folder of CSV files, an XLSX workbook or a JSON file.
    allow_empty
        Read tables with only their header as empty instead of refusing them (an empty
        file or sheet is refused all the same).

    Returns
    -------
    tables : list of RawTable
        Every table found, in file order.
    problems : list of Problem
        What prevented reading part of the input (an unreadable workbook, an empty
        file…).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "structures.csv").write_text("id,name,kind,territory_level\\n")
    29
    >>> tables, problems = read_tables(folder / "structures.csv")
    >>> print(problems[0])
    structures.csv, ligne 1 : aucune structure : le tableau n’a que sa ligne d’en-tête
    """
    path = Path(path)
    if not path.exists():
        return [], [Problem(path.name, "", None, "", "", "fichier introuvable")]
    if path.is_file() and _is_empty_file(path):
        return [], [Problem(path.name, "", None, "", "", EMPTY_FILE)]
    tables, problems = _read_any(path)
    if allow_empty:
        return tables, problems
    return tables, problems + _empty_table_problems(tables, problems)


#: Why an empty file, or an empty sheet, is refused.
EMPTY_FILE = "fichier vide : il ne contient aucune ligne, pas même celle des en-têtes"
EMPTY_SHEET = (
    "feuille vide : elle ne contient aucune ligne, pas même celle des en-têtes ; "
    "remplissez-la, ou supprimez-la si elle ne sert pas"
)
_EMPTY_TABLE = {
    STRUCTURES: "aucune structure : le tableau n’a que sa ligne d’en-tête",
    LINKS: "aucun lien : le tableau n’a que sa ligne d’en-tête, il n’y a rien à importer",
}
_EMPTY_LIST = {
    STRUCTURES: "aucune structure : la liste est vide",
    LINKS: "aucun lien : la liste est vide, il n’y a rien à importer",
}


def _is_empty_file(path: Path) -> bool:
    """Whether ``path`` holds nothing but a byte-order mark and blank characters."""
    if path.stat().st_size > 4096:
        return False
    data = path.read_bytes()
    for mark in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        data = data.removeprefix(mark)
    return not data.strip(b" \t\r\n\x0b\x0c\x00")


def _empty_table_problems(tables: list[RawTable], problems: list[Problem]) -> list[Problem]:
    """The tables with only their header that are errors (see :func:`read_tables`)."""
    from fresque.io.validate import _is_blank

    explained = {(p.file, p.sheet) for p in problems if p.row is not None}
    empty = [
        t
        for t in tables
        if (t.file, t.sheet) not in explained and all(_is_blank(cells) for _, cells in t.rows)
    ]
    # Links with only their header are an error when nothing else has a row.
    alone = len(empty) == len(tables) and not problems
    alone = alone and all(t.kind != STRUCTURES for t in tables)
    return [
        Problem(t.file, t.sheet, t.header_row or None, "", "", _EMPTY_TABLE[t.kind])
        for t in empty
        if t.kind == STRUCTURES or (alone and t.kind == LINKS)
    ]


def _read_any(path: Path) -> tuple[list[RawTable], list[Problem]]:
    """The tables of ``path`` (any format), and what prevented reading them."""
    fmt = detect_format(path)
    if fmt == "xlsx":
        return _read_xlsx(path, path.name)
    if fmt == "json":
        return _read_json(path, path.name)
    if fmt in ("graphml", "gexf"):
        from fresque.io.graphs import read_graph_tables

        try:
            return read_graph_tables(path), []
        except Exception as error:  # networkx raises many kinds on a broken graph file
            message = f"graphe {fmt.upper()} illisible : {error}"
            return [], [Problem(path.name, "", None, "", "", message)]
    if fmt == "csv":
        table, problems = _read_csv(path, path.name, _csv_kind(path))
        return ([table] if table else []), problems
    tables, problems = [], []
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".tsv", ".txt"))
    for file in files:
        kind = _csv_kind(file)
        if kind is None:
            continue
        table, trouble = _read_csv(file, file.name, kind)
        problems += trouble
        if table is not None:
            tables.append(table)
    if problems:
        return tables, problems
    if not tables:
        return [], [
            Problem(
                path.name,
                "",
                None,
                "",
                "",
                "aucun fichier structures.csv ni links.csv dans ce dossier",
            )
        ]
    return tables, []


def read_records(
    path: str | Path,
    *,
    territories: Territories | None = None,
    known_ids: Iterable[str] = (),
    existing: Iterable[Structure] = (),
    allow_empty: bool = False,
) -> Records:
    """Read and validate a dataset: all of it, or nothing.

    Parameters
    ----------
    path
        A folder holding ``structures.csv`` and ``links.csv`` (the canonical format, or
        Kumu's ``elements.csv``/``connections.csv``), a CSV file of structures or of links
        (``,`` or ``;``; UTF-8, UTF-8 with BOM or cp1252), an XLSX workbook with sheets
        ``structures``/``links`` (or Kumu's ``Elements``/``Connections``, PRSM's
        ``Factors``/``Links``), a JSON file (``{"structures": […], "links": […]}`` or
        a Kumu blueprint ``{"elements": […], "connections": […]}``), or a GraphML or
        GEXF graph (nodes are structures, edges are links).
    territories
        The reference geography territory cells are checked against (default: the
        shared :func:`~fresque.geo.territories.default_territories`).
    known_ids
        Identifiers of structures outside the file that its links may point to.
    existing
        The structures of the dataset the file is imported into: their identifiers are
        known, and a row naming one of them in the same territory under another
        identifier is an error (see :func:`~fresque.io.validate.validate_tables`).
    allow_empty
        Read a dataset of one's own, which may hold no structure yet (the curated dataset,
        the target of a merge): tables with only their header are read as empty. A file
        to import is read without it: an input with nothing to import is an error (see
        :func:`read_tables`).

    Returns
    -------
    Records
        The validated structures and links, with the warnings found
        (:attr:`Records.warnings`: ignored columns, values read as guesses…).

    Raises
    ------
    DatasetValidationError
        With every problem found (file, sheet, row, column, value, French reason),
        warnings included.
    """
    tables, problems = read_tables(path, allow_empty=allow_empty)
    return validate_tables(
        tables,
        territories=territories,
        known_ids=known_ids,
        file_problems=problems,
        existing=existing,
    )


# ======================================================================================
# Writing
# ======================================================================================

#: Formats :func:`write_records` knows, with what they hold.
FORMATS: dict[str, str] = {
    "csv": "dossier structures.csv + links.csv (format de référence)",
    "xlsx": "classeur Excel, feuilles « structures » et « links »",
    "json": "JSON {structures, links}",
    "kumu": "classeur Excel pour Kumu, feuilles « Elements » et « Connections »",
    "graphml": "graphe GraphML (Gephi, yEd, Cytoscape), attributs typés",
    "gexf": "graphe GEXF (Gephi), attributs typés",
    "geojson": "points GeoJSON des structures localisées (commune connue)",
}

_SUFFIX_FORMATS = {
    ".xlsx": "xlsx",
    ".json": "json",
    ".graphml": "graphml",
    ".gexf": "gexf",
    ".geojson": "geojson",
}

_CODE_COLUMNS = {"territory_codes", "commune_code"}
_DATE_COLUMNS = {"last_verified", "since", "until", "date"}


def _xlsx_value(value: Any) -> Any:
    """A cell for openpyxl: dates stay dates, everything else is neutralised text."""
    if isinstance(value, date):
        return value
    return _cell(value)


def _fill_sheet(ws: Any, headers: list[str], rows: list[list[Any]], text_columns: set[int]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "A2"
    for index, header in enumerate(headers, 1):
        letter = get_column_letter(index)
        width = max([len(header)] + [len(str(r[index - 1] or "")) for r in rows[:200]])
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        if index - 1 in text_columns:
            for cell in ws[letter][1:]:
                cell.number_format = "@"
        elif headers[index - 1] in _DATE_COLUMNS:
            for cell in ws[letter][1:]:
                cell.number_format = "yyyy-mm-dd"


#: One sheet to write: title, headers, rows, indices of the columns written as text.
_Sheet = tuple[str, list[str], list[list[Any]], set[int]]


def _write_workbook(path: Path, sheets: list[_Sheet]) -> Path:
    """Write ``sheets`` in this order as one workbook, atomically."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers, rows, text_columns in sheets:
        _fill_sheet(workbook.create_sheet(title), headers, rows, text_columns)
    _save_workbook(workbook, path)
    return path


def _save_workbook(workbook: Any, path: Path) -> None:
    from datetime import datetime

    fixed = datetime(2000, 1, 1)  # fixed metadata: the same records give the same sheets
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    workbook.properties.creator = "fresque"
    with atomic_write(path, "wb") as handle:
        workbook.save(handle)


def write_sheets(
    path: str | Path,
    sheets: dict[str, pd.DataFrame],
    *,
    text_columns: tuple[str, ...] = ("code", "region"),
) -> Path:
    """Write tables as one workbook, one sheet per table, atomically.

    For reports and selections (coverage tables, exports of a view). Text a spreadsheet
    would run as a formula is neutralised; ``text_columns`` are text cells, so codes keep
    their leading zeros; missing values are empty cells.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> import pandas as pd
    >>> path = Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> _ = write_sheets(path, {"gaps": pd.DataFrame({"code": ["01"], "note": ["=1+1"]})})
    >>> [c.value for c in openpyxl.load_workbook(path)["gaps"][2]]
    ['01', "'=1+1"]
    """
    tables = []
    for title, frame in sheets.items():
        headers = [str(c) for c in frame.columns]
        rows = [
            [
                None if _is_missing(v) else v if isinstance(v, int | float) else _xlsx_value(v)
                for v in row
            ]
            for row in frame.itertuples(index=False, name=None)
        ]
        wanted = {i for i, header in enumerate(headers) if header in text_columns}
        tables.append((title, headers, rows, wanted))
    return _write_workbook(Path(path), tables)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)  # NaN


def write_xlsx(records: Records, path: str | Path) -> Path:
    """Write ``records`` as a workbook with sheets ``structures`` and ``links``.

    Same columns and values as the canonical CSV; codes are text cells (leading zeros
    stay), dates are date cells, text that a spreadsheet would run as a formula is
    neutralised with a leading apostrophe. :func:`read_records` reads it back unchanged.

    Returns
    -------
    Path
        The written file.
    """
    from fresque.io.surveys import SURVEY_COLUMNS

    ordered = Records.of(records)
    codes = {i for i, c in enumerate(STRUCTURE_COLUMNS) if c in _CODE_COLUMNS}
    structures = [
        [_xlsx_value(getattr(s, c)) for c in STRUCTURE_COLUMNS] for s in ordered.structures
    ]
    links = [[_xlsx_value(getattr(k, c)) for c in LINK_COLUMNS] for k in ordered.links]
    sheets: list[_Sheet] = [
        ("structures", list(STRUCTURE_COLUMNS), structures, codes),
        ("links", list(LINK_COLUMNS), links, set()),
    ]
    if ordered.surveys:
        surveys = [
            [None if (v := getattr(s, c)) is None else _xlsx_value(v) for c in SURVEY_COLUMNS]
            for s in ordered.surveys
        ]
        sheets.append(("recensements", list(SURVEY_COLUMNS), surveys, {2}))
    return _write_workbook(Path(path), sheets)


def _json_ready(value: Any) -> Any:
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return export_text(value)
    return value


def write_json(records: Records, path: str | Path) -> Path:
    """Write ``records`` as JSON: ``{"format": "fresque", "version": 1, "structures": […],
    "links": […]}``, every field present (``null`` when unknown), sorted, UTF-8.

    Returns
    -------
    Path
        The written file.
    """
    import json

    from fresque.io.surveys import SURVEY_COLUMNS

    path = Path(path)
    ordered = Records.of(records)
    document: dict[str, Any] = {
        "format": "fresque",
        "version": 1,
        "structures": [
            {c: _json_ready(getattr(s, c)) for c in STRUCTURE_COLUMNS} for s in ordered.structures
        ],
        "links": [{c: _json_ready(getattr(k, c)) for c in LINK_COLUMNS} for k in ordered.links],
    }
    if ordered.surveys:
        document["surveys"] = [
            {c: _json_ready(getattr(s, c)) for c in SURVEY_COLUMNS} for s in ordered.surveys
        ]
    with atomic_write(path) as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    return path


#: Kumu columns of the Elements sheet: header -> field. ``Tags`` repeats the dispositifs
#: and themes so Kumu can filter on them; the reader ignores it.
KUMU_ELEMENT_COLUMNS: dict[str, str] = {
    "ID": "id",
    "Label": "name",
    "Type": "kind",
    "Description": "description",
    "Tags": "",
    "Dispositifs": "dispositifs",
    "Étapes": "stages",
    "Thèmes": "themes",
    "Échelon": "territory_level",
    "Territoires": "territory_codes",
    "Commune": "commune_code",
    "Site web": "website",
    "Porteur": "carrier_id",
    "Statut": "status",
    "Sources": "source_urls",
    "Confiance": "confidence",
    "Vérifié le": "last_verified",
}
#: Kumu columns of the Connections sheet: header -> field (``Direction`` is Kumu's own).
KUMU_CONNECTION_COLUMNS: dict[str, str] = {
    "From": "source",
    "To": "target",
    "Type": "relation",
    "Direction": "",
    "Description": "description",
    "Sources": "source_urls",
    "Confiance": "confidence",
    "Début": "since",
    "Fin": "until",
}


def _kumu_value(value: Any) -> Any:
    """French labels for enum values (Kumu shows them in legends), text otherwise."""
    from fresque.i18n import label

    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(_kumu_value(v)) for v in value)
    if isinstance(value, StrEnum):
        return label(value)
    return _xlsx_value(value)


def write_kumu_xlsx(records: Records, path: str | Path) -> Path:
    """Write a workbook that Kumu imports: sheets ``Elements`` and ``Connections``.

    Elements carry ``ID`` (connections refer to it), ``Label``, ``Type`` (the French
    label of the kind), ``Description``, ``Tags`` and one column per other field, with
    French labels for enum values; connections carry ``From``, ``To``, ``Type`` (the
    French label of the relation) and ``Direction`` (``mutual`` for partnerships).
    Every field is there, so :func:`read_records` reads it back unchanged.

    Returns
    -------
    Path
        The written file.
    """
    from fresque.i18n import label
    from fresque.model import SYMMETRIC_RELATIONS

    ordered = Records.of(records)
    elements = []
    for s in ordered.structures:
        row = []
        for header, name in KUMU_ELEMENT_COLUMNS.items():
            if header == "Tags":
                tags = [label(d) for d in s.dispositifs] + [label(t) for t in s.themes]
                row.append(LIST_SEPARATOR.join(tags))
            elif name == "territory_codes":
                row.append(_cell(s.territory_codes))
            else:
                row.append(_kumu_value(getattr(s, name)))
        elements.append(row)
    headers = list(KUMU_ELEMENT_COLUMNS)
    text_columns = {headers.index("Territoires"), headers.index("Commune")}
    connections = []
    for k in ordered.links:
        row = []
        for header, name in KUMU_CONNECTION_COLUMNS.items():
            if header == "Direction":
                row.append("mutual" if k.relation in SYMMETRIC_RELATIONS else "directed")
            elif name in ("source", "target"):
                row.append(getattr(k, name))
            else:
                row.append(_kumu_value(getattr(k, name)))
        connections.append(row)
    return _write_workbook(
        Path(path),
        [
            ("Elements", headers, elements, text_columns),
            ("Connections", list(KUMU_CONNECTION_COLUMNS), connections, set()),
        ],
    )


def output_format(path: str | Path, format: str | None = None) -> str:
    """The format to write ``path`` in: ``format`` if given, else from the extension.

    Raises
    ------
    ValueError
        For an unknown format (French message listing the known ones).

    Examples
    --------
    >>> output_format("export.gexf"), output_format("dossier"), output_format("x.xlsx", "kumu")
    ('gexf', 'csv', 'kumu')
    """
    if format is None:
        suffix = Path(path).suffix.lower()
        format = _SUFFIX_FORMATS.get(suffix, "csv" if not suffix else "")
        if not format:
            raise ValueError(
                f"format inconnu pour l’extension « {suffix} » : précisez-le parmi "
                + ", ".join(FORMATS)
            )
    format = format.lower()
    if format not in FORMATS:
        raise ValueError(f"format inconnu « {format} » : formats possibles " + ", ".join(FORMATS))
    return format


def write_records(
    records: Records,
    path: str | Path,
    format: str | None = None,
    *,
    territories: Territories | None = None,
) -> Path:
    """Write ``records`` to ``path`` in ``format`` (see :data:`FORMATS`).

    Every writer renders into a temporary file beside ``path`` and renames it: a
    failure never leaves a half-written export.

    Parameters
    ----------
    records
        The dataset.
    path
        File to write (a folder for ``csv``).
    format
        One of :data:`FORMATS`; by default guessed from the extension (a path without
        extension is a ``csv`` folder, ``.xlsx`` is the canonical workbook: pass
        ``"kumu"`` for Kumu's).
    territories
        The reference geography, for the GeoJSON export and the coordinates of graph
        exports (default: the shared instance).

    Returns
    -------
    Path
        ``path``.
    """
    from fresque.io import graphs

    path = Path(path)
    fmt = output_format(path, format)
    if fmt == "csv":
        write_csv_dir(records, path)
    elif fmt == "xlsx":
        write_xlsx(records, path)
    elif fmt == "json":
        write_json(records, path)
    elif fmt == "kumu":
        write_kumu_xlsx(records, path)
    elif fmt == "graphml":
        graphs.write_graphml(records, path, territories=territories)
    elif fmt == "gexf":
        graphs.write_gexf(records, path, territories=territories)
    else:
        graphs.write_geojson(records, path, territories=territories)
    return path
