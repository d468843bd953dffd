"""The readable coverage sheet: coverage rows in words, for people who open a spreadsheet.

:meth:`fresque.coverage.Coverage.table` and :func:`fresque.coverage.gap_report` speak in
codes (``covered``, ``29``, ``tag29|urscop_ouest``), which scripts want and people do not.
:func:`coverage_sheet` turns their rows into a sheet with headers in the user's language,
the names of the territory, its département and its région, the status in the words of the
map's legend, the share of inhabitants covered, the offers by name; the stable codes follow
in the last columns, so that the sheet can still be joined to other data.

The Carte page's "Exporter" buttons and ``fresque coverage`` (``--lisible``, and XLSX by
default) both write this sheet, as CSV (:func:`sheet_csv`) or XLSX (:func:`sheet_xlsx`).

Examples
--------
>>> from fresque.coverage import compute_coverage
>>> from fresque.ecosystem import Ecosystem
>>> from fresque.geo.territories import Territories
>>> from fresque.model import Structure
>>> eco = Ecosystem(
...     [Structure(id="tag29", name="TAg29", kind="support_structure",
...                dispositifs=["incubateur"], territory_level="departement",
...                territory_codes=["29"])],
...     territories=Territories.load("tests/data/geo_mini"))
>>> table = compute_coverage(eco).table("departement", keys="incubateur")
>>> sheet = coverage_sheet(table, eco.territories, {"tag29": "TAg29"})
>>> sheet.iloc[1][["Territoire", "Région", "Statut", "Offres locales (noms)"]].tolist()
['Finistère', 'Bretagne', 'Un seul acteur', 'TAg29']
>>> sheet.iloc[1][["Code territoire", "Code statut", "Identifiants des offres"]].tolist()
['29', 'single', 'tag29']
>>> status_summary(table["status"])
'aucune offre recensée 2, un seul acteur 1'
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from fresque.coverage import STATUS_ORDER
from fresque.i18n import DEFAULT_LANGUAGE, label, t
from fresque.model import CoverageStatus, Dispositif, Level, Stage

if TYPE_CHECKING:
    from fresque.geo.territories import Territories

__all__ = [
    "CODE_COLUMNS",
    "SHEET_COLUMNS",
    "SHEET_FORMATS",
    "coverage_sheet",
    "sheet_csv",
    "sheet_headers",
    "sheet_xlsx",
    "status_summary",
    "write_sheet",
]

#: The sheet's columns, by their key (headers: ``coverage_sheet.column.<key>`` in
#: :mod:`fresque.i18n`); ``rank`` only for a gap report, ``beyond30`` only when given.
SHEET_COLUMNS: tuple[str, ...] = (
    "region",
    "departement",
    "territory",
    "level",
    "key",
    "rank",
    "status",
    "partial",
    "share_covered",
    "population",
    "population_gap",
    "population_none_known",
    "n_offers",
    "n_organisations",
    "offers",
    "offers_per_100k",
    "beyond30",
    "national",
    "region_code",
    "departement_code",
    "code",
    "level_code",
    "key_type_code",
    "key_code",
    "status_code",
    "offer_ids",
    "national_ids",
)

#: The columns holding stable codes (text cells in XLSX: leading zeros stay).
CODE_COLUMNS: tuple[str, ...] = (
    "region_code",
    "departement_code",
    "code",
    "level_code",
    "key_type_code",
    "key_code",
    "status_code",
    "offer_ids",
    "national_ids",
)

#: Formats of the sheet, with their media types.
SHEET_FORMATS: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

#: Joins names and ids within a cell.
_JOIN = " ; "


def sheet_headers(lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Column key -> header in ``lang``.

    Examples
    --------
    >>> sheet_headers("fr")["share_covered"], sheet_headers("en")["status"]
    ('Habitants couverts (%)', 'Status')
    """
    return {key: t(f"coverage_sheet.column.{key}", lang) for key in SHEET_COLUMNS}


def _ids(cell: object) -> list[str]:
    return [part for part in str(cell or "").split("|") if part and part != "nan"]


def _by_name(
    ids: list[str], names: Mapping[str, str], marked: Collection[str] = (), mark: str = ""
) -> tuple[str, str]:
    """Names and ids of ``ids``, sorted by name, each joined; the names of ``marked`` ids
    followed by `` (mark)``."""
    pairs = sorted(((str(names.get(i, i)), i) for i in ids), key=lambda p: p[0].casefold())
    shown = [f"{n} ({mark})" if i in marked else n for n, i in pairs]
    return _JOIN.join(shown), _JOIN.join(i for _, i in pairs)


def _key_label(key_type: str, key: str, lang: str) -> str:
    enum_cls = Stage if key_type == "stage" else Dispositif
    kind = t(f"carte.key.{key_type}", lang)
    return kind + t("punct.colon", lang) + label(enum_cls(key), lang)


def coverage_sheet(
    table: pd.DataFrame,
    territories: Territories,
    names: Mapping[str, str],
    lang: str = DEFAULT_LANGUAGE,
    *,
    beyond: Mapping[str, float] | pd.Series | None = None,
    stale: Collection[str] = (),
) -> pd.DataFrame:
    """The readable sheet of coverage rows: one row per row of ``table``, in order.

    Parameters
    ----------
    table
        :meth:`fresque.coverage.Coverage.table` or :func:`fresque.coverage.gap_report`
        rows (any level, any keys).
    territories
        For the names of the départements and régions.
    names
        Structure id -> name (offers and national actors are listed by name).
    lang
        Language of the headers and of the words in the cells.
    beyond
        Share of the population beyond 30 km of an offer, by territory code
        (:func:`fresque.access.population_beyond`): adds that column.
    stale
        Ids of the offers to check again (:func:`fresque.quality.stale_offers`): their
        names are followed by « à vérifier ».

    Returns
    -------
    pandas.DataFrame
        Headers in ``lang`` (:func:`sheet_headers`), in the order of
        :data:`SHEET_COLUMNS`: names first (région, département, territory, level, key),
        the status in the words of the map's legend (``fresque.i18n.label`` of the
        :class:`~fresque.model.CoverageStatus`), whether it is partial (yes / no), the
        share of inhabitants covered (a percentage), populations, offers by name, offers
        per 100,000 inhabitants, national actors by name; then the stable codes
        (:data:`CODE_COLUMNS`). Offer names and their ids are in the same order.
    """
    headers = sheet_headers(lang)
    tables = territories.table
    region_names = tables.loc[tables["level"] == "region"].set_index("code")["name"].to_dict()
    departements = tables.loc[tables["level"] == "departement"].set_index("code")["name"]
    departement_names = departements.to_dict()
    epci_parent = tables.loc[tables["level"] == "epci"].set_index("code")["parent"].to_dict()
    yes, no = t("coverage_sheet.yes", lang), t("coverage_sheet.no", lang)
    to_check = t("carte.detail.stale", lang)
    level_words = {level.value: label(level, lang) for level in Level}
    status_words = {status.value: label(status, lang) for status in CoverageStatus}

    def departement_of(level: str, code: str) -> str:
        if level == Level.DEPARTEMENT.value:
            return code
        if level == Level.EPCI.value:
            return str(epci_parent.get(code) or "")
        if level == Level.COMMUNE.value:
            return code[:3] if code.startswith("97") else code[:2]
        return ""

    rows = []
    for row in pd.DataFrame(table).itertuples(index=False):
        level, code = str(row.level), str(row.code)
        region = str(row.region or "")
        departement = departement_of(level, code)
        status = str(row.status)
        offers, offer_ids = _by_name(_ids(row.offers), names, stale, to_check)
        national, national_ids = _by_name(_ids(row.national), names)
        share = float(row.share_covered)
        per100k = row.offers_per_100k
        cells = {
            "region": region_names.get(region, ""),
            "departement": departement_names.get(departement, ""),
            "territory": str(row.name),
            "level": level_words.get(level, level),
            "key": _key_label(str(row.key_type), str(row.key), lang),
            "rank": int(row.rank) if hasattr(row, "rank") else None,
            "status": status_words[status],
            "partial": yes if bool(row.partial) else no,
            "share_covered": round(100 * share, 1),
            "population": int(row.population),
            "population_gap": int(row.population_gap),
            "population_none_known": int(row.population_none_known),
            "n_offers": int(row.n_offers),
            "n_organisations": int(row.n_organisations),
            "offers": offers,
            "offers_per_100k": None if pd.isna(per100k) else round(float(per100k), 2),
            "beyond30": None,
            "national": national,
            "region_code": region,
            "departement_code": departement,
            "code": code,
            "level_code": level,
            "key_type_code": str(row.key_type),
            "key_code": str(row.key),
            "status_code": status,
            "offer_ids": offer_ids,
            "national_ids": national_ids,
        }
        if beyond is not None:
            value = beyond.get(code)
            cells["beyond30"] = None if value is None or pd.isna(value) else round(100 * value, 1)
        rows.append(cells)
    keep = [
        key
        for key in SHEET_COLUMNS
        if (key != "rank" or "rank" in table.columns) and (key != "beyond30" or beyond is not None)
    ]
    frame = pd.DataFrame(rows, columns=list(SHEET_COLUMNS))[keep]
    return frame.rename(columns=headers)


def status_summary(statuses: Iterable[str], lang: str = DEFAULT_LANGUAGE) -> str:
    """How many rows have each status, in words, in the order of the statuses.

    Examples
    --------
    >>> status_summary(["covered", "gap", "covered"], "fr")
    'manque confirmé 1, couvert 2'
    """
    counts: dict[str, int] = {}
    for status in statuses:
        counts[str(status)] = counts.get(str(status), 0) + 1
    parts = []
    for status in STATUS_ORDER:
        if counts.get(status.value):
            words = label(status, lang)
            parts.append(f"{words[:1].lower()}{words[1:]} {counts[status.value]}")
    return ", ".join(parts)


def _safe(value: object) -> object:
    from fresque.io.tables import neutralize_formula

    return neutralize_formula(value) if isinstance(value, str) else value


def sheet_csv(sheet: pd.DataFrame) -> bytes:
    """The sheet as CSV: UTF-8 with a BOM (spreadsheets read the accents), ``,``-separated,
    text a spreadsheet would run as a formula neutralised (a leading apostrophe).

    Examples
    --------
    >>> sheet_csv(pd.DataFrame({"Territoire": ["=1+1"], "Habitants": [12]}))
    b"\\xef\\xbb\\xbfTerritoire,Habitants\\n'=1+1,12\\n"
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([str(c) for c in sheet.columns])
    for row in sheet.itertuples(index=False, name=None):
        writer.writerow(["" if _missing(v) else _safe(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def sheet_xlsx(sheet: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """The sheet as a one-sheet workbook (codes as text cells, formulas neutralised)."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_sheet(sheet, Path(folder) / "sheet.xlsx", "xlsx", lang)
        return path.read_bytes()


def write_sheet(
    sheet: pd.DataFrame, path: str | Path, fmt: str, lang: str = DEFAULT_LANGUAGE
) -> Path:
    """Write the sheet as ``csv`` or ``xlsx``, atomically (nothing half-written)."""
    from fresque.io.tables import atomic_write, write_sheets

    path = Path(path)
    if fmt not in SHEET_FORMATS:
        raise ValueError(f"format inconnu « {fmt} » : formats possibles csv, xlsx")
    if fmt == "csv":
        with atomic_write(path, "wb") as handle:
            handle.write(sheet_csv(sheet))
        return path
    headers = sheet_headers(lang)
    texts = tuple(headers[key] for key in CODE_COLUMNS)
    return write_sheets(path, {t("coverage_sheet.title", lang): sheet}, text_columns=texts)
