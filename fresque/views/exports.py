"""Exports of the current selection: CSV, XLSX, a stand-alone network page (bytes).

Pure builders: an :class:`~fresque.ecosystem.Ecosystem` (already filtered the way the view
shows it) in, the bytes of a file out; the app sends them with ``dcc.Download``.

* **CSV** — the structures of the selection, in the canonical columns of
  ``structures.csv`` (:func:`fresque.io.tables.structure_to_row`), UTF-8 with a BOM so
  that spreadsheets read the accents; every cell a spreadsheet would run as a formula is
  neutralised (a leading apostrophe, which :func:`fresque.io.tables.read_records` drops).
  :func:`links_csv` gives the links the same way.
* **XLSX** — two sheets, ``structures`` and ``links``, through
  :func:`fresque.io.tables.write_sheets` (formulas neutralised, codes as text).
* **HTML** — :func:`fresque.views.pyvis_export.network_html`: one file that opens offline,
  every name and description escaped.

Examples
--------
>>> from fresque.analysis import example_ecosystem
>>> eco = example_ecosystem()
>>> data = selection_csv(eco)
>>> data[:3] == b"\\xef\\xbb\\xbf", data.count(b"\\n") == len(eco) + 1
(True, True)
>>> selection_xlsx(eco)[:2]
b'PK'
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fresque.i18n import DEFAULT_LANGUAGE
from fresque.io.tables import (
    LINK_COLUMNS,
    STRUCTURE_COLUMNS,
    link_to_row,
    structure_to_row,
    write_sheets,
)

if TYPE_CHECKING:
    from fresque.ecosystem import Ecosystem

__all__ = [
    "EXPORT_FORMATS",
    "export_filename",
    "links_csv",
    "selection_csv",
    "selection_html",
    "selection_tables",
    "selection_xlsx",
    "with_relations",
]

#: Formats of :func:`export_filename`, with their media types.
EXPORT_FORMATS: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html",
}


def with_relations(eco: Ecosystem, relations: Iterable[str] | None) -> Ecosystem:
    """The same structures with only the links of ``relations`` (all when empty).

    Examples
    --------
    >>> from fresque.analysis import example_ecosystem
    >>> eco = example_ecosystem()
    >>> only = with_relations(eco, ["funds"])
    >>> len(only) == len(eco), set(only.links["relation"]) <= {"funds"}
    (True, True)
    """
    wanted = set(relations or ())
    if not wanted:
        return eco
    keep_links = eco.links["relation"].isin(wanted).to_numpy(dtype=bool)
    # Slices the tables (no recomputation of the commune matrix).
    return eco._subset(np.ones(len(eco), dtype=bool), keep_links)


def selection_tables(eco: Ecosystem) -> dict[str, pd.DataFrame]:
    """The structures and links of ``eco`` as canonical text tables (formulas neutralised).

    Examples
    --------
    >>> from fresque.analysis import example_ecosystem
    >>> tables = selection_tables(example_ecosystem())
    >>> list(tables), tables["structures"].columns[0]
    (['structures', 'links'], 'id')
    """
    records = eco.records.sorted()
    structures = pd.DataFrame(
        [structure_to_row(s) for s in records.structures], columns=list(STRUCTURE_COLUMNS)
    )
    links = pd.DataFrame([link_to_row(k) for k in records.links], columns=list(LINK_COLUMNS))
    return {"structures": structures, "links": links}


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    writer.writerows(frame.itertuples(index=False, name=None))
    return buffer.getvalue().encode("utf-8-sig")


def selection_csv(eco: Ecosystem) -> bytes:
    """The structures of ``eco`` as a CSV file (UTF-8 with BOM, canonical columns)."""
    return _csv_bytes(selection_tables(eco)["structures"])


def links_csv(eco: Ecosystem) -> bytes:
    """The links of ``eco`` as a CSV file (UTF-8 with BOM, canonical columns)."""
    return _csv_bytes(selection_tables(eco)["links"])


def selection_xlsx(eco: Ecosystem) -> bytes:
    """The structures and links of ``eco`` as a workbook (two sheets)."""
    tables = selection_tables(eco)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "selection.xlsx"
        write_sheets(
            path,
            tables,
            text_columns=("id", "territory_codes", "commune_code", "source", "target"),
        )
        return path.read_bytes()


def selection_html(
    eco: Ecosystem,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    layout: str = "board",
    lang: str = DEFAULT_LANGUAGE,
) -> bytes:
    """A stand-alone page of the network of ``eco`` (opens offline, text escaped).

    ``layout`` is one of the app's (``board``, ``force``, ``concentric``): the force
    layout, computed by the browser in the app, is a seeded spring layout here.

    Examples
    --------
    >>> from fresque.analysis import example_ecosystem
    >>> page = selection_html(example_ecosystem(), title="<b>x</b>")
    >>> b"&lt;b&gt;x&lt;/b&gt;" in page, b"cdn.jsdelivr" in page
    (True, False)
    """
    from fresque.views.pyvis_export import network_html

    pyvis_layout = {"board": "board", "concentric": "concentric"}.get(layout, "spring")
    page = network_html(eco, title=title, subtitle=subtitle, layout=pyvis_layout, lang=lang)
    return page.encode("utf-8")


def export_filename(fmt: str, region: str | None = None, departement: str | None = None) -> str:
    """A file name for an export: ``fresque-selection[-dep29].csv``.

    Examples
    --------
    >>> export_filename("csv", departement="29"), export_filename("html")
    ('fresque-selection-dep29.csv', 'fresque-selection.html')
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"format inconnu : {fmt}")
    where = f"-dep{departement}" if departement else f"-reg{region}" if region else ""
    return f"fresque-selection{where}.{fmt}"
