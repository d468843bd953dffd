"""Problems found in a dataset, each with its place as a spreadsheet user sees it.

A :class:`Problem` names the file, the sheet, the row (the header is row 1, as in Excel or
LibreOffice), the column (the user's own header), the value and a plain French reason.
Readers collect every problem of a file before giving up, and raise them all at once in a
:class:`DatasetValidationError`: an import is all or nothing.

A problem is an error (nothing is imported) or a warning (:attr:`Severity.WARNING`): the
file is read, but something deserves a look — a column that is ignored, a value read as a
guess, a name that disagrees with its territory. Warnings never block an import; they
travel with the records (:attr:`Records.warnings`) and with the errors, so that whatever
prints problems shows them too.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from fresque.geo.codes import InvalidCodeError, levels_of_code, normalize_code, parse_level
from fresque.geo.territories import (
    Territories,
    Territory,
    TerritoryError,
    UnknownTerritoryError,
    default_territories,
)
from fresque.i18n import (
    GUESSED_SYNONYMS,
    UnknownValueError,
    label,
    normalize_key,
    parse_enum,
    t_count,
)
from fresque.io.duplicates import DuplicateIndex, name_key
from fresque.io.plausibility import name_territory_disagreement
from fresque.model import (
    Confidence,
    Dispositif,
    Kind,
    Level,
    Link,
    Relation,
    Stage,
    Status,
    Structure,
    Survey,
    Theme,
    slugify,
)

__all__ = [
    "LINKS",
    "STRUCTURES",
    "DatasetValidationError",
    "FieldChange",
    "MergeReport",
    "Problem",
    "RawTable",
    "RecordChange",
    "Records",
    "Severity",
    "cell_text",
    "column_field",
    "format_problems",
    "looks_like_links",
    "merge_records",
    "parse_date",
    "validate_tables",
]


@dataclass(frozen=True)
class Records:
    """A dataset as read from or written to files: structures (nodes) and links (edges).

    Attributes
    ----------
    structures : list of Structure
        The actors.
    links : list of Link
        The directed relations between them.
    surveys : list of Survey
        The territories whose offer was checked (see :mod:`fresque.io.surveys`).
    warnings : tuple of Problem
        What reading the file found worth a look without blocking it (an ignored
        column, a value read as a guess…); empty for records built in code. Not part of
        the comparison of two datasets.

    Examples
    --------
    >>> Records().structures, Records().links, Records().surveys, Records().warnings
    ([], [], [], ())
    """

    structures: list[Structure] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)
    warnings: tuple[Problem, ...] = field(default=(), compare=False)

    @property
    def structure_ids(self) -> set[str]:
        """The identifiers of the structures."""
        return {structure.id for structure in self.structures}

    def sorted(self) -> Records:
        """Return the same records, structures sorted by id, links by (source, target,
        relation) and surveys by id: the order every writer uses."""
        return Records(
            sorted(self.structures, key=lambda s: s.id),
            sorted(self.links, key=lambda link: (link.source, link.target, link.relation.value)),
            sorted(self.surveys, key=lambda s: s.id),
            self.warnings,
        )

    @classmethod
    def of(cls, records: Any) -> Records:
        """The records of anything with ``structures`` and ``links`` (and maybe
        ``surveys``) lists, sorted as every writer sorts them."""
        return cls(
            list(records.structures),
            list(records.links),
            list(getattr(records, "surveys", None) or []),
        ).sorted()


class Severity(StrEnum):
    """How serious a :class:`Problem` is."""

    ERROR = "error"
    """Nothing is imported until it is fixed."""
    WARNING = "warning"
    """Worth a look; the file is imported anyway."""

    @property
    def label(self) -> str:
        """The word shown to users: ``erreur`` or ``avertissement``."""
        from fresque.i18n import t

        return t(f"problem.severity.{self.value}")


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a dataset, where a spreadsheet user would look for it.

    Attributes
    ----------
    file : str
        Name of the file (without its folder).
    sheet : str
        Name of the sheet for a workbook, of the list for JSON (``structures``,
        ``links``…), empty for a CSV file.
    row : int or None
        Row number as the spreadsheet shows it: the header is row 1, the first data row is
        row 2. For JSON, the position of the item in its list, from 1. ``None`` when the
        problem concerns the whole file.
    column : str
        The column header as the user wrote it (``département``, ``Type``…), empty when
        the problem concerns the whole row or file.
    value : str
        The offending value as read (empty when missing).
    message : str
        Plain French reason, with the allowed values or suggestions when there are some.
    severity : Severity
        An error (the default) blocks the import; a warning does not.

    Examples
    --------
    >>> print(Problem("a.csv", "", 3, "Contact", "Contact", "colonne ignorée",
    ...               Severity.WARNING))
    a.csv, ligne 3, colonne « Contact » (valeur « Contact ») : avertissement : colonne ignorée
    """

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_warning(self) -> bool:
        """Whether the problem is only a warning."""
        return self.severity is Severity.WARNING

    @property
    def text(self) -> str:
        """The message, preceded by ``avertissement :`` for a warning."""
        return f"{self.severity.label} : {self.message}" if self.is_warning else self.message

    @property
    def place(self) -> str:
        """Where the problem is, in words: ``liens.csv, ligne 4, colonne « cible »``."""
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"feuille « {self.sheet} »")
        if self.row is not None:
            parts.append(f"ligne {self.row}")
        if self.column:
            parts.append(f"colonne « {self.column} »")
        return ", ".join(parts)

    def __str__(self) -> str:
        value = f" (valeur « {self.value} »)" if self.value else ""
        return f"{self.place}{value} : {self.text}"


_HEADERS = ("Fichier", "Feuille", "Ligne", "Colonne", "Valeur", "Problème")


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _keep_quotes(message: str) -> str:
    """One line, with « guillemets » glued to their words so wrapping never splits them."""
    return " ".join(message.split()).replace("« ", "«\u00a0").replace(" »", "\u00a0»")


def format_problems(
    problems: list[Problem], *, max_value_width: int = 30, message_width: int = 90
) -> str:
    """Return the problems as a plain-text table, one row per problem.

    Parameters
    ----------
    problems
        The problems, shown in the given order; a warning's message starts with
        ``avertissement :``.
    max_value_width
        Longer values are cut with an ellipsis.
    message_width
        Messages are wrapped at this width, never cut (continuation lines stay in the
        Problème column).

    Returns
    -------
    str
        A table with the columns Fichier, Feuille, Ligne, Colonne, Valeur, Problème.

    Examples
    --------
    >>> print(format_problems([Problem("a.csv", "", 3, "type", "foo", "Valeur inconnue.")]))
    Fichier  Feuille  Ligne  Colonne  Valeur  Problème
    -------  -------  -----  -------  ------  ----------------
    a.csv             3      type     foo     Valeur inconnue.
    """
    import textwrap

    rows = [
        (
            p.file,
            p.sheet,
            "" if p.row is None else str(p.row),
            _clip(p.column, 30),
            _clip(p.value, max_value_width),
            textwrap.wrap(_keep_quotes(p.text), message_width, break_on_hyphens=False) or [""],
        )
        for p in problems
    ]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(_HEADERS[:-1])]
    widths.append(max([len(_HEADERS[-1])] + [len(line) for r in rows for line in r[-1]]))

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(_HEADERS), line(tuple("-" * w for w in widths))]
    for *cells, message in rows:
        out.append(line((*cells, message[0])))
        out += [line(("",) * len(cells) + (more,)) for more in message[1:]]
    return "\n".join(out)


class DatasetValidationError(ValueError):
    """A dataset holds problems; nothing was imported.

    Attributes
    ----------
    problems : list of Problem
        Every problem found, in file, sheet and row order: the errors, and the warnings
        found on the way (so that they are shown with the errors).
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.errors)
        noun = "problème" if count == 1 else "problèmes"
        warnings = len(self.warnings)
        also = ""
        if warnings:
            also = f" (et {warnings} avertissement{'s' if warnings > 1 else ''})"
        super().__init__(
            f"{count} {noun}{also} dans le jeu de données, rien n’a été importé :\n"
            + format_problems(self.problems)
        )

    @property
    def errors(self) -> list[Problem]:
        """The problems that block the import."""
        return [p for p in self.problems if not p.is_warning]

    @property
    def warnings(self) -> list[Problem]:
        """The problems that are only warnings."""
        return [p for p in self.problems if p.is_warning]


# ======================================================================================
# Tables as read from files, before validation
# ======================================================================================

STRUCTURES = "structures"
LINKS = "links"


@dataclass
class RawTable:
    """The cells of one sheet (or CSV file, or JSON list) as read, before validation.

    Attributes
    ----------
    file : str
        File name shown in problems.
    sheet : str
        Sheet name shown in problems (empty for a CSV file).
    kind : str
        ``"structures"`` or ``"links"``.
    headers : list of str
        Column headers as written (an empty string for a column without header).
    header_row : int
        Row number of the headers (1 unless blank rows come first); 0 when the table has
        no header row (JSON, graphs): problems about columns then name no row.
    rows : list of tuple
        ``(row number, cells)`` for every data row; cells line up with ``headers``.
    """

    file: str
    sheet: str
    kind: str
    headers: list[str]
    header_row: int = 1
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


# ======================================================================================
# Column names: the canonical ones, French ones, Kumu's and PRSM's
# ======================================================================================

# Pseudo-fields: a column named after a level holds codes or names of that level.
_LEVEL_COLUMNS: dict[str, Level] = {
    "@region": Level.REGION,
    "@departement": Level.DEPARTEMENT,
    "@epci": Level.EPCI,
    "@commune": Level.COMMUNE,
}
#: Pseudo-field: the postal code of the structure's commune (it locates, it serves nothing).
_POSTAL_CODE = "@postal_code"

# field -> spellings, strongest first; a weaker spelling (a later group) is only used when
# no stronger one is present. Compared with normalize_key (no case, accents, spaces).
_STRUCTURE_ALIASES: dict[str, list[tuple[str, ...]]] = {
    "id": [("id", "identifiant", "identifiant unique"), ("slug", "ident")],
    "name": [
        (
            "name",
            "nom",
            "nom de la structure",
            "nom structure",
            "nom de l'organisme",
            "nom de l'acteur",
        ),
        ("label", "libellé", "intitulé", "raison sociale", "dénomination"),
        ("structure", "acteur", "organisme"),
    ],
    "kind": [
        (
            "kind",
            "type d'acteur",
            "type de structure",
            "type d'organisation",
            "type acteur",
            "type structure",
            "typologie",
        ),
        ("type", "element type"),
        ("catégorie", "category", "group label"),
    ],
    "dispositifs": [
        ("dispositifs", "dispositif"),
        ("programmes", "programme", "offre d'accompagnement", "offres d'accompagnement"),
    ],
    "stages": [
        (
            "stages",
            "stage",
            "étapes",
            "étape",
            "étapes du projet",
            "étapes accompagnées",
            "étape accompagnée",
            "étapes d'accompagnement",
            "stade du projet",
            "stades",
        ),
        ("phases", "phase", "phases du projet", "stade"),
    ],
    "themes": [
        ("themes", "theme", "thèmes", "thème", "thématiques", "thématique"),
        ("domaines d'intervention", "domaine d'intervention", "domaines", "domaine"),
    ],
    "territory_level": [
        ("territory_level", "level", "échelon", "échelon territorial", "niveau territorial"),
        ("niveau", "échelle", "scale"),
    ],
    "territory_codes": [
        (
            "territory_codes",
            "territory",
            "territories",
            "territoire",
            "territoires",
            "code territoire",
            "codes territoire",
            "codes territoires",
            "territoires servis",
            "territoire servi",
            "zone d'intervention",
            "périmètre",
            "territoire d'intervention",
            "territoires d'intervention",
            "zones d'intervention",
            "périmètre d'intervention",
            "secteur d'intervention",
            "secteurs d'intervention",
            "aire d'intervention",
            "territoire couvert",
            "territoires couverts",
            "zone géographique",
            "couverture géographique",
        ),
        ("codes", "code"),
    ],
    "@region": [("région", "régions", "code région", "region_code", "régions servies")],
    "@departement": [
        (
            "département",
            "départements",
            "code département",
            "dép",
            "dept",
            "departement_code",
            "départements servis",
        )
    ],
    "@epci": [("epci", "intercommunalité", "siren epci", "code epci", "epci servis")],
    "@commune": [("communes servies", "commune servie")],
    "commune_code": [
        (
            "commune_code",
            "commune",
            "code commune",
            "code insee",
            "commune d'implantation",
            "siège",
            "commune du siège",
            "siège social",
            "lieu d'implantation",
        ),
        ("ville", "city", "localisation", "adresse commune", "implantation"),
    ],
    _POSTAL_CODE: [("code postal", "codes postaux", "cp", "code_postal", "postal code", "zip")],
    "website": [
        ("website", "site", "site web", "site internet", "adresse web"),
        ("url", "web"),
    ],
    "carrier_id": [
        ("carrier_id", "carrier", "porteur", "structure porteuse", "porté par", "portée par")
    ],
    "status": [("status", "statut"), ("état", "state")],
    "source_urls": [
        (
            "source_urls",
            "source_url",
            "sources",
            "source",
            "url sources",
            "urls sources",
            "source de l'information",
            "sources de l'information",
        ),
        ("références", "references"),
    ],
    "confidence": [("confidence", "confiance", "fiabilité")],
    "last_verified": [
        (
            "last_verified",
            "vérifié le",
            "dernière vérification",
            "date de vérification",
            "date vérification",
            "date de mise à jour",
            "mise à jour",
            "mis à jour le",
            "mise à jour le",
        )
    ],
    "description": [
        ("description", "descriptif", "présentation"),
        ("note", "notes", "commentaire", "commentaires", "remarques", "observations"),
    ],
}

_LINK_ALIASES: dict[str, list[tuple[str, ...]]] = {
    "source": [("source", "source_id", "from", "de", "origine", "structure source")],
    "target": [
        ("target", "target_id", "to", "vers", "cible", "destination", "à", "structure cible")
    ],
    "relation": [
        ("relation", "type de lien", "type de relation", "nature du lien", "nature"),
        ("type", "lien"),
        ("label", "libellé"),
    ],
    "description": [
        ("description", "descriptif"),
        ("note", "notes", "commentaire", "commentaires"),
    ],
    "source_urls": [
        (
            "source_urls",
            "source_url",
            "sources",
            "url sources",
            "urls sources",
            "source de l'information",
            "sources de l'information",
        ),
        ("références", "references"),
    ],
    "confidence": [("confidence", "confiance", "fiabilité")],
    "since": [("since", "début", "depuis", "date de début", "start", "start date")],
    "until": [("until", "fin", "jusqu'à", "date de fin", "end", "end date")],
}

# Columns that tools add and that carry nothing of ours: never reported as unknown.
_IGNORED_COLUMNS = frozenset(
    normalize_key(name)
    for name in (
        *("tags", "image", "direction", "strength", "style", "x", "y", "color", "couleur"),
        # attributes that the graph exports derive from the fields
        *("kind_label", "confidence_rank", "national", "lon", "lat", "commune_name"),
        *("mutual", "networkx_key"),
    )
)


def _alias_index(aliases: dict[str, list[tuple[str, ...]]]) -> dict[str, tuple[str, int]]:
    index: dict[str, tuple[str, int]] = {}
    for name, groups in aliases.items():
        for rank, group in enumerate(groups):
            for spelling in group:
                key = normalize_key(spelling)
                if index.setdefault(key, (name, rank)) != (name, rank):
                    raise ValueError(f"column spelling {spelling!r} names two fields")
    return index


_STRUCTURE_INDEX = _alias_index(_STRUCTURE_ALIASES)
_LINK_INDEX = _alias_index(_LINK_ALIASES)

#: The column name a problem names when a column is missing altogether.
_EXPECTED_HEADER = {
    "name": "name",
    "kind": "kind",
    "territory_level": "territory_level",
    "source": "source",
    "target": "target",
    "relation": "relation",
}


def column_field(header: str, kind: str) -> str | None:
    """Return the field a column header stands for in a table of ``kind``, if any.

    Examples
    --------
    >>> column_field("Département", STRUCTURES), column_field("Nom", STRUCTURES)
    ('@departement', 'name')
    >>> column_field("From", LINKS), column_field("Couleur préférée", STRUCTURES) is None
    ('source', True)
    """
    index = _STRUCTURE_INDEX if kind == STRUCTURES else _LINK_INDEX
    found = index.get(normalize_key(header))
    return None if found is None else found[0]


def looks_like_links(headers: Iterable[str]) -> bool:
    """Whether a table with these headers holds links (it has a source and a target)."""
    fields = {column_field(h, LINKS) for h in headers if h}
    return {"source", "target"} <= fields


# ======================================================================================
# Cells
# ======================================================================================

_INTEGRAL_DECIMAL = re.compile(r"^\s*(\d+)[.,]0+\s*$")
_FORMULA_ESCAPE = re.compile(r"^'(?=[=+\-@\t\r])")


def cell_text(value: Any) -> str:
    """Return the text of a cell as a user would read it, tidied.

    Outer spaces (non-breaking ones too) go, ``\\r\\n`` becomes ``\\n``,
    a float with no decimals loses them (``29.0`` → ``29``), a date reads ``YYYY-MM-DD``,
    a list is joined with ``|``, and the apostrophe that neutralises a formula is dropped.

    Examples
    --------
    >>> cell_text(29.0), cell_text("  2a\\u00a0"), cell_text(["a", "b"]), cell_text(None)
    ('29', '2a', 'a|b', '')
    >>> cell_text("'=1+1")
    '=1+1'
    """
    if value is None:
        return ""
    if isinstance(value, str):
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        text = value.strip()
        return _FORMULA_ESCAPE.sub("", text) if text.startswith("'") else text
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "|".join(t for t in (cell_text(v) for v in value) if t)
    return cell_text(str(value))


_SLASH = re.compile(r"(?<!\bs)(?<!\bS)/")  # "s/" abbreviates "sur" in place names


def _split_plain(value: Any) -> list[str]:
    """Split a list cell on ``|``, else ``;``, else line breaks, else ``,``, else ``/``.

    Examples
    --------
    >>> _split_plain("22 / 29"), _split_plain("Châlons s/ Marne"), _split_plain("29,0")
    (['22', '29'], ['Châlons s/ Marne'], ['29,0'])
    """
    if isinstance(value, list | tuple):
        return [t for t in (cell_text(v) for v in value) if t]
    text = cell_text(value)
    if not text:
        return []
    if _INTEGRAL_DECIMAL.match(text):  # "29,0" from a French Excel is one number
        return [text]
    for separator in ("|", ";", "\n", ","):
        if separator in text:
            return [t.strip() for t in text.split(separator) if t.strip()]
    if _SLASH.search(text):
        return [t.strip() for t in _SLASH.split(text) if t.strip()]
    return [text]


_URL_SPLIT = re.compile(r"\s*[;,]\s*(?=https?://)|\s+")
_ONLY_SEPARATORS = re.compile(r"[;,|]*")


def _split_urls(value: Any) -> list[str]:
    """Split a cell of URLs: on ``|`` when there is one, else on spaces and on ``;`` or
    ``,`` before ``http`` (a URL may hold ``;`` or ``,`` itself)."""
    if isinstance(value, list | tuple):
        return [t for t in (cell_text(v) for v in value) if t]
    text = cell_text(value)
    tokens = text.split("|") if "|" in text else _URL_SPLIT.split(text)
    return [t.strip() for t in tokens if not _ONLY_SEPARATORS.fullmatch(t.strip())]


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%y")


def parse_date(value: Any) -> date:
    """Read a date from a cell: a date, ``2024-03-01``, ``01/03/2024`` (day first)…

    Raises
    ------
    ValueError
        With a French message when the text is no date.

    Examples
    --------
    >>> parse_date("01/03/2024"), parse_date("2024-03-01 00:00:00")
    (datetime.date(2024, 3, 1), datetime.date(2024, 3, 1))
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_date_text(cell_text(value))


@functools.lru_cache(maxsize=4096)
def _parse_date_text(text: str) -> date:
    candidates = [text, text.split(" ")[0], text.split("T")[0]]
    for candidate in candidates:
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    raise ValueError(
        f"« {text} » n’est pas une date valide (attendu AAAA-MM-JJ ou JJ/MM/AAAA, "
        "par ex. 2024-03-01 ou 01/03/2024)"
    )


@functools.lru_cache(maxsize=8192)
def _parse_one(enum_cls: type[StrEnum], text: str) -> tuple[StrEnum | None, str]:
    """``(member, "")`` or ``(None, French reason)``; cached, as cells repeat a lot."""
    try:
        return parse_enum(enum_cls, text), ""
    except UnknownValueError as error:
        return None, str(error)


#: Separators that never occur inside a value: each piece between them is read alone.
_HARD_SEPARATORS = re.compile(r"\s*[|;\n\u2022\u00b7]\s*")
#: Separators that may occur inside a label (``Accompagnement des Scop et Scic``): pieces
#: between them are joined back when the joined text names a value.
_SOFT_SEPARATORS = re.compile(r"(\s*[,/+&]\s*|\s+et\s+|\s+[-\u2013\u2014]\s+)", re.IGNORECASE)
_MAX_JOINED = 6


def _parse_many(enum_cls: type[StrEnum], value: Any) -> tuple[list[StrEnum], list[str]]:
    """Parse a list cell into members; returns the members and the French errors.

    Values are separated by ``|``, ``;``, line breaks or bullets, and by the separators
    people type between words: ``,``, ``/``, ``+``, ``&``, `` et ``, `` - ``. A label may
    hold those (``Support to cooperatives (Scop, Scic)``, ``ESS et ruralités``), so the
    longest run of pieces that names a member wins. A member named twice counts once.

    Examples
    --------
    >>> _parse_many(Stage, "Idéation / Émergence")[0]
    [<Stage.IDEATION: 'ideation'>, <Stage.EMERGENCE: 'emergence'>]
    >>> _parse_many(Dispositif, "ESS et ruralités, Incubateur")[0]
    [<Dispositif.ESS_RURALITES: 'ess_ruralites'>, <Dispositif.INCUBATEUR: 'incubateur'>]
    """
    if isinstance(value, list | tuple):
        chunks = [cell_text(v) for v in value]
    else:
        chunks = _HARD_SEPARATORS.split(cell_text(value))
    members: list[StrEnum] = []
    errors: list[str] = []
    for chunk in chunks:
        if not chunk.strip():
            continue
        parts = _SOFT_SEPARATORS.split(chunk)
        words, separators = parts[0::2], parts[1::2]
        i = 0
        while i < len(words):
            if not words[i].strip():
                i += 1
                continue
            for j in range(min(len(words), i + _MAX_JOINED), i, -1):
                text = words[i] + "".join(separators[k] + words[k + 1] for k in range(i, j - 1))
                member, _ = _parse_one(enum_cls, text.strip())
                if member is not None:
                    if member not in members:
                        members.append(member)
                    i = j
                    break
            else:
                errors.append(_parse_one(enum_cls, words[i].strip())[1])
                i += 1
    return members, errors


# ======================================================================================
# Validation
# ======================================================================================

_STRUCTURE_ENUMS: dict[str, type[StrEnum]] = {
    "kind": Kind,
    "status": Status,
    "confidence": Confidence,
}
_STRUCTURE_ENUM_LISTS: dict[str, type[StrEnum]] = {
    "dispositifs": Dispositif,
    "stages": Stage,
    "themes": Theme,
}
_LINK_ENUMS: dict[str, type[StrEnum]] = {"relation": Relation, "confidence": Confidence}
_LEVEL_ORDER = (Level.COUNTRY, Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE)
_DIGITS = re.compile(r"[\d\s.,]+")
_COUNTRY_WORDS = frozenset({"fr", "fra", "france", "national", "nationale", "pays"})


def _pydantic_message(error: dict[str, Any], header: str) -> str:
    """A French message for one pydantic error (custom errors are French already)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("slug", "url", "territory_code", "unknown_value", "inconsistent", "text"):
        return str(error["msg"])
    if kind == "missing":
        return f"valeur obligatoire manquante : la colonne « {header} » doit être remplie"
    if kind in ("string_too_short", "too_short"):
        return f"valeur obligatoire vide : la colonne « {header} » doit être remplie"
    if kind in ("string_too_long", "too_long"):
        return f"texte trop long : {ctx.get('max_length')} caractères au plus"
    if kind.startswith("date"):
        return "date invalide (attendu AAAA-MM-JJ ou JJ/MM/AAAA)"
    if kind == "extra_forbidden":
        return "colonne inattendue"
    return f"valeur invalide ({error['msg']})"


class _Checker:
    """Collects problems while rows are turned into records."""

    def __init__(self, territories: Territories | None) -> None:
        self._territories = territories
        self.problems: list[Problem] = []
        self._resolved: dict[tuple[str, Level, tuple[Territory, ...]], _Found] = {}
        self._communes: dict[tuple[str, str, tuple[Territory, ...]], _Found] = {}
        self._levels: dict[str, tuple[set[Level], str]] = {}

    @property
    def territories(self) -> Territories:
        if self._territories is None:
            self._territories = default_territories()
        return self._territories

    def add(
        self,
        table: RawTable,
        row: int | None,
        column: str,
        value: Any,
        message: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.problems.append(
            Problem(table.file, table.sheet, row, column, cell_text(value), message, severity)
        )

    def warn(self, table: RawTable, row: int | None, column: str, value: Any, message: str) -> None:
        """Add a warning: worth a look, never blocks the import."""
        self.add(table, row, column, value, message, Severity.WARNING)

    def territory(self, token: str, level: Level, within: tuple[Territory, ...] = ()) -> _Found:
        """The code of a code or name of ``level``, homonyms told apart with ``within``
        (the other places the row names); else the French reason."""
        key = (token, level, within)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(token, level, within)
        return self._resolved[key]

    def _resolve(self, token: str, level: Level, within: tuple[Territory, ...]) -> _Found:
        if level is Level.COUNTRY:
            if normalize_key(token) in _COUNTRY_WORDS:
                return _Found("FR")
            return _Found(None, f"« {token} » n’est pas un territoire national (attendu : FR)")
        if _DIGITS.fullmatch(token):
            try:
                normalize_code(token, level)
            except InvalidCodeError as error:
                return _Found(None, str(error))
        try:
            found = self.territories.resolve(token, level=level)
        except UnknownTerritoryError as error:
            if level is Level.EPCI and not _DIGITS.fullmatch(token):
                return self._loose_epci(token, within, error)
            return _Found(None, str(error))
        except (TerritoryError, InvalidCodeError) as error:
            return _Found(None, str(error))
        return self._one_of(token, found, within)

    def _one_of(
        self, token: str, found: list[Territory], within: tuple[Territory, ...], advice: str = ""
    ) -> _Found:
        """The one territory of ``found`` that lies in ``within``, else the reason."""
        if len(found) > 1 and within:
            found = self.territories.within(found, within) or found
        if len(found) == 1:
            return _Found(found[0].code)
        listing = ", ".join(t.label for t in found[:8])
        more = f"… ({len(found)} au total)" if len(found) > 8 else ""
        context = ""
        if within:
            shown = ", ".join(t.label for t in within[:4]) + ("…" if len(within) > 4 else "")
            context = f" Les autres colonnes de la ligne ({shown}) ne suffisent pas à choisir."
        advice = advice or (
            "Indiquez le code postal ou le code INSEE."
            if found[0].level is Level.COMMUNE
            else "Indiquez le code INSEE."
        )
        what = "territoires"
        if all(t.level is Level.COMMUNE for t in found):
            what = "communes"
        elif all(t.level is Level.EPCI for t in found):
            what = "EPCI"
        return _Found(
            None, f"« {token} » désigne plusieurs {what} : {listing}{more}.{context} {advice}"
        )

    def _loose_epci(
        self, token: str, within: tuple[Territory, ...], error: UnknownTerritoryError
    ) -> _Found:
        """An EPCI named short (``Guingamp-Paimpol Agglomération``): read, with a warning."""
        loose = self.territories.resolve_loosely(token)
        if not loose:
            return _Found(None, str(error))
        result = self._one_of(token, loose, within, "Écrivez son nom complet ou son code SIREN.")
        if result.code is None:
            return result
        epci = self.territories[(Level.EPCI, result.code)]
        return _Found(
            result.code,
            note=f"« {token} » n’est pas le nom exact d’un EPCI : lu comme {epci.label}. "
            "Vérifiez, ou écrivez le nom complet ou le code SIREN.",
        )

    def commune(self, text: str, postal_code: str, within: tuple[Territory, ...]) -> _Found:
        """The commune a row's commune cell and postal code designate, homonyms told
        apart with the row's other places; else the French reason (with the candidates)."""
        key = (text, postal_code, within)
        if key not in self._communes:
            self._communes[key] = self._commune(text, postal_code, within)
        return self._communes[key]

    def _commune(self, text: str, postal_code: str, within: tuple[Territory, ...]) -> _Found:
        territories = self.territories
        by_postal = territories.communes_of_postal_code(postal_code) if postal_code else []
        if postal_code and not by_postal:
            return _Found(None, f"Aucun code postal « {postal_code} ».", column=_POSTAL_CODE)
        if not text:
            if len(by_postal) > 1 and within:
                by_postal = territories.within(by_postal, within) or by_postal
            if len(by_postal) == 1:
                return _Found(by_postal[0].code)
            return _Found(
                None,
                f"Le code postal {postal_code} couvre {len(by_postal)} communes : "
                + ", ".join(t.label for t in by_postal[:8])
                + ("…" if len(by_postal) > 8 else "")
                + ". Indiquez la commune dans une colonne « commune ».",
                column=_POSTAL_CODE,
            )
        if _DIGITS.fullmatch(text):
            try:
                normalize_code(text, Level.COMMUNE)
            except InvalidCodeError as error:
                return _Found(None, str(error))
        try:
            found = territories.resolve(text, level=Level.COMMUNE)
        except (TerritoryError, InvalidCodeError) as error:
            return _Found(None, str(error))
        if by_postal:
            matching = [t for t in found if t in by_postal]
            if not matching:
                listing = ", ".join(
                    f"{t.label} : {', '.join(territories.postal_codes_of(t))}" for t in found[:4]
                )
                return _Found(
                    None,
                    f"« {text} » n’a pas le code postal {postal_code} ({listing}) : "
                    "corrigez la commune ou le code postal.",
                )
            found = matching
        return self._one_of(text, found, within)

    def levels_named(self, token: str) -> tuple[set[Level], str]:
        """The levels a territory cell may be at, from the shape of a code or from a name
        (``Finistère``: département); empty with the French reason when nothing matches,
        empty without reason for a two-digit code (région or département)."""
        if token not in self._levels:
            self._levels[token] = self._levels_named(token)
        return self._levels[token]

    def _levels_named(self, token: str) -> tuple[set[Level], str]:
        if normalize_key(token) in _COUNTRY_WORDS:
            return {Level.COUNTRY}, ""
        try:
            code = normalize_code(token)
        except InvalidCodeError:
            pass
        else:
            if len(code) == 2 and code not in ("2A", "2B"):
                return set(), ""
            return {levels_of_code(code)[0]}, ""
        try:
            return {t.level for t in self.territories.resolve(token)}, ""
        except UnknownTerritoryError as error:
            if self.territories.resolve_loosely(token):
                return {Level.EPCI}, ""
            return set(), str(error)
        except TerritoryError as error:
            return set(), str(error)


@dataclass(frozen=True)
class _Found:
    """What a territory cell was read as: a code, or an error; ``note`` is a warning."""

    code: str | None
    error: str = ""
    note: str = ""
    column: str = ""
    """The field the error is about, when it is not the cell read (the postal code)."""


class _Columns:
    """Which cell of a row holds which field, for one table."""

    def __init__(self, table: RawTable, checker: _Checker) -> None:
        index = _STRUCTURE_INDEX if table.kind == STRUCTURES else _LINK_INDEX
        best: dict[str, tuple[int, int, str]] = {}  # field -> (rank, position, header)
        known = list(index)
        for position, header in enumerate(table.headers):
            if not header:
                continue
            key = normalize_key(header)
            found = index.get(key)
            if found is None:
                if key and key not in _IGNORED_COLUMNS:
                    close = difflib.get_close_matches(key, known, n=1, cutoff=0.85)
                    if close:
                        name = index[close[0]][0]
                        checker.add(
                            table,
                            table.header_row or None,
                            header,
                            header,
                            f"colonne inconnue « {header} » : vouliez-vous dire « "
                            f"{name.lstrip('@')} » ? (sinon renommez-la, elle serait ignorée)",
                        )
                    else:
                        checker.warn(
                            table,
                            table.header_row or None,
                            header,
                            "",
                            f"colonne « {header} » ignorée : elle ne correspond à aucun champ "
                            "de Fresque, ses valeurs ne seront pas importées",
                        )
                continue
            name, rank = found
            if name in best:
                other_rank, _, other_header = best[name]
                if other_rank == rank:
                    checker.add(
                        table,
                        table.header_row or None,
                        header,
                        header,
                        f"colonne en double : « {other_header} » et « {header} » disent "
                        "la même chose ; gardez-en une seule",
                    )
                    continue
                if other_rank < rank:
                    continue
            best[name] = (rank, position, header)
        self.position = {name: position for name, (_, position, _) in best.items()}
        self.header = {name: header for name, (_, _, header) in best.items()}

    def __contains__(self, name: str) -> bool:
        return name in self.position

    def raw(self, cells: list[Any], name: str) -> Any:
        position = self.position.get(name)
        if position is None or position >= len(cells):
            return None
        return cells[position]

    def text(self, cells: list[Any], name: str) -> str:
        return cell_text(self.raw(cells, name))


def _is_blank(cells: list[Any]) -> bool:
    return all(cell_text(c) == "" for c in cells)


@dataclass
class _StructureRow:
    table: RawTable
    row: int
    cells: list[Any]
    columns: _Columns
    id: str


def validate_tables(
    tables: Iterable[RawTable],
    *,
    territories: Territories | None = None,
    known_ids: Iterable[str] = (),
    file_problems: Iterable[Problem] = (),
    existing: Iterable[Structure] = (),
) -> Records:
    """Turn raw tables into validated records, or raise every problem at once.

    Besides each cell, the rows are checked as a whole: a commune given by name is told
    apart from its homonyms with the row's département, région, EPCI and postal code; a
    name that obviously disagrees with its territory is a warning; a row that names an
    ``existing`` organisation in the same territory under another identifier is an
    error naming the identifier to use (a second record would count twice on the map),
    and two such rows of the file are a warning.

    Parameters
    ----------
    tables
        Tables of structures and of links, as read from one dataset.
    territories
        The reference geography that territory cells are checked against (default:
        :func:`fresque.geo.territories.default_territories`).
    known_ids
        Identifiers of structures outside these tables that links and ``carrier_id``
        may point to (the dataset an import merges into).
    file_problems
        Problems the reader already found (an unreadable sheet…), reported with the rest.
    existing
        The structures of the dataset an import merges into: their identifiers count as
        known, and a row naming one of them under another identifier is an error.

    Returns
    -------
    Records
        Structures and links in file order, with the warnings found
        (:attr:`Records.warnings`).

    Raises
    ------
    DatasetValidationError
        When any error was found: nothing is returned partially. Its ``problems`` hold
        the warnings too.

    Examples
    --------
    >>> table = RawTable("cress.csv", "", STRUCTURES, ["Nom", "Type", "Commune", "Département"],
    ...                  rows=[(2, ["DLA 26", "Asso", "Valence", "26"])])
    >>> records = validate_tables([table])
    >>> records.structures[0].commune_code, records.structures[0].territory_codes
    ('26362', ['26'])
    >>> [p.column for p in records.warnings]
    ['Type']
    """
    checker = _Checker(territories)
    file_problems = list(file_problems)
    checker.problems.extend(file_problems)
    tables = list(tables)
    existing = list(existing)
    known_ids = set(known_ids) | {s.id for s in existing}
    structure_tables = [t for t in tables if t.kind == STRUCTURES]
    link_tables = [t for t in tables if t.kind == LINKS]
    from fresque.io.surveys import SURVEYS, validate_survey_tables

    survey_tables = [t for t in tables if t.kind == SURVEYS]
    surveys: list[Survey] = []
    if survey_tables:
        surveys, survey_problems = validate_survey_tables(survey_tables, checker.territories)
        checker.problems.extend(survey_problems)

    # Pass 1: identifiers and names of every structure row, to resolve references.
    rows: list[_StructureRow] = []
    for table in structure_tables:
        columns = _Columns(table, checker)
        _require(table, columns, checker, ("name", "kind"))
        if not (
            {"territory_level", "territory_codes", "@region", "@departement", "@epci", "@commune"}
            & set(columns.position)
        ):
            checker.add(
                table,
                table.header_row or None,
                "territory_level",
                "",
                "colonne obligatoire absente : « territory_level » (échelon : national, "
                "region, departement, epci ou commune) avec « territory_codes », ou une "
                "colonne « région », « département » ou « epci » qui nomme les territoires "
                "servis",
            )
        for row, cells in table.rows:
            if _is_blank(cells):
                continue
            ident = columns.text(cells, "id")
            if not ident:
                name = columns.text(cells, "name")
                try:
                    ident = slugify(name) if name else ""
                except ValueError:
                    ident = ""
            rows.append(_StructureRow(table, row, cells, columns, ident))

    file_ids: dict[str, _StructureRow] = {}
    names: dict[str, str | None] = {}
    for item in rows:
        if item.id:
            file_ids.setdefault(item.id, item)
        name = normalize_key(item.columns.text(item.cells, "name"))
        if name:
            names[name] = item.id if names.get(name, item.id) == item.id else None
    all_ids = set(file_ids) | known_ids

    def reference(text: str) -> str | None:
        if text in all_ids:
            return text
        by_name = names.get(normalize_key(text))
        if by_name:
            return by_name
        try:
            slug = slugify(text)
        except ValueError:
            return None
        return slug if slug in all_ids else None

    def unknown_reference(text: str, what: str) -> str:
        key = normalize_key(text)
        if key in names and names[key] is None:
            same = sorted(
                i.id for i in rows if normalize_key(i.columns.text(i.cells, "name")) == key
            )
            return (
                f"{what} le nom « {text} » est porté par plusieurs structures ("
                + ", ".join(same)
                + ") : indiquez l’identifiant"
            )
        choices = sorted(all_ids)
        close = difflib.get_close_matches(text, choices, n=3, cutoff=0.6)
        where = "du fichier ni du jeu de données" if known_ids else "du fichier"
        message = f"{what} « {text} » n’est l’identifiant ni le nom d’aucune structure {where}"
        if close:
            message += " ; vouliez-vous dire " + ", ".join(f"« {c} »" for c in close) + " ?"
        return message

    # Pass 2: each structure row.
    structures: list[Structure] = []
    built: list[tuple[_StructureRow, Structure]] = []
    seen: dict[str, _StructureRow] = {}
    for item in rows:
        structure = _structure(item, checker, reference, unknown_reference)
        if structure is not None:
            built.append((item, structure))
        if item.id and item.id in seen:
            first = seen[item.id]
            where = f"ligne {first.row}"
            if (first.table.file, first.table.sheet) != (item.table.file, item.table.sheet):
                where += f" de {first.table.file}" + (
                    f" (feuille « {first.table.sheet} »)" if first.table.sheet else ""
                )
            checker.add(
                item.table,
                item.row,
                item.columns.header.get("id") or item.columns.header.get("name", "id"),
                item.id,
                f"identifiant en double : « {item.id} » est déjà utilisé {where} ; "
                "chaque structure doit avoir un identifiant unique",
            )
            continue
        if item.id:
            seen[item.id] = item
        if structure is not None:
            structures.append(structure)

    _check_rows(built, existing, checker)

    # Links.
    links: list[Link] = []
    seen_links: dict[tuple[str, str, str], tuple[RawTable, int]] = {}
    for table in link_tables:
        columns = _Columns(table, checker)
        _require(table, columns, checker, ("source", "target", "relation"))
        for row, cells in table.rows:
            if _is_blank(cells):
                continue
            for link in _links(table, row, cells, columns, checker, reference, unknown_reference):
                key = (link.source, link.target, link.relation.value)
                if key in seen_links:
                    first_table, first_row = seen_links[key]
                    where = f"ligne {first_row}"
                    if first_table is not table:
                        where += f" de {first_table.file}"
                    checker.add(
                        table,
                        row,
                        columns.header.get("target", "target"),
                        link.target,
                        f"lien en double : « {link.source} » → « {link.target} » "
                        f"({link.relation.value}) figure déjà {where}",
                    )
                    continue
                seen_links[key] = (table, row)
                links.append(link)

    if checker.problems:
        # A cell the reader explained (a formula without value) gets no second problem
        # (« doit être remplie ») from the checks, which only saw it empty.
        explained = {_cell_of(p) for p in file_problems if p.row is not None and p.column}
        checker.problems[len(file_problems) :] = [
            p for p in checker.problems[len(file_problems) :] if _cell_of(p) not in explained
        ]
        positions = {
            (t.file, t.sheet): {h: i for i, h in reversed(list(enumerate(t.headers)))}
            for t in tables
        }

        def order(problem: Problem) -> tuple[str, str, int, int]:
            columns = positions.get((problem.file, problem.sheet), {})
            row = -1 if problem.row is None else problem.row
            return (problem.file, problem.sheet, row, columns.get(problem.column, -1))

        ordered = sorted(checker.problems, key=order)
        if any(not p.is_warning for p in ordered):
            raise DatasetValidationError(ordered)
        return Records(structures, links, surveys, warnings=tuple(ordered))
    return Records(structures, links, surveys)


def _cell_of(problem: Problem) -> tuple[str, str, int | None, str]:
    return (problem.file, problem.sheet, problem.row, problem.column)


def _check_rows(
    built: list[tuple[_StructureRow, Structure]],
    existing: list[Structure],
    checker: _Checker,
) -> None:
    """Checks of whole rows: name against territory, probable duplicates."""
    if not built:
        return
    territories = checker.territories
    dataset = DuplicateIndex(existing, territories)
    by_id = {s.id: s for s in existing}
    earlier: DuplicateIndex[_StructureRow] = DuplicateIndex([], territories)
    for item, structure in built:
        columns = item.columns
        same_id = by_id.get(structure.id)
        if (
            same_id is not None
            and not columns.text(item.cells, "id")
            and name_key(same_id.name) != name_key(structure.name)
        ):
            checker.warn(
                item.table,
                item.row,
                columns.header.get("name", "name"),
                structure.name,
                f"l’identifiant tiré du nom, « {structure.id} », est celui de « "
                f"{same_id.name} » dans le jeu de données : cette ligne mettra cette fiche "
                "à jour (son nom compris). Si c’est une autre structure, donnez-lui un "
                "autre identifiant dans une colonne « id ».",
            )
        territory_header = _field_header(columns, "territory_codes")
        territory_cell = columns.raw(item.cells, _source_pseudo(columns, territory_header))
        disagreement = name_territory_disagreement(structure, territories)
        if disagreement:
            checker.warn(item.table, item.row, territory_header, territory_cell, disagreement)
        name_header = columns.header.get("name", "name")
        for other in dataset.matches(structure):
            where = ", ".join(
                territories[(other.territory_level.value, c)].label
                for c in other.territory_codes[:3]
            )
            checker.add(
                item.table,
                item.row,
                name_header,
                structure.name,
                f"doublon probable : le jeu de données a déjà « {other.name} » ({where}), "
                f"identifiant « {other.id} », sur le même territoire. Pour mettre cette "
                f"fiche à jour, indiquez « {other.id} » dans une colonne « id » (seules les "
                "cellules remplies la changeront) ; si c’est une autre structure, "
                "distinguez son nom. Rien n’a été importé, pour ne pas la compter deux fois.",
            )
        for first in earlier.matches(structure):
            checker.warn(
                item.table,
                item.row,
                name_header,
                structure.name,
                f"doublon probable de la ligne {first.row} (« "
                f"{first.columns.text(first.cells, 'name')} ») : même nom, même territoire, "
                "deux fiches. Gardez-en une seule, ou distinguez les noms.",
            )
        earlier.add(structure, item)


def _source_pseudo(columns: _Columns, header: str) -> str:
    """The field whose column has this header."""
    for name, shown in columns.header.items():
        if shown == header:
            return name
    return "territory_codes"


def _require(table: RawTable, columns: _Columns, checker: _Checker, names: tuple[str, ...]) -> None:
    for name in names:
        if name not in columns:
            spellings = _STRUCTURE_ALIASES if table.kind == STRUCTURES else _LINK_ALIASES
            groups = spellings[name]
            french = [s for s in groups[0] if s != name][:2] + [g[0] for g in groups[1:2]]
            also = " (ou " + ", ".join(f"« {s} »" for s in french) + ")" if french else ""
            checker.add(
                table,
                table.header_row or None,
                _EXPECTED_HEADER[name],
                "",
                f"colonne obligatoire absente : « {name} »{also}",
            )


def _enum_value(
    enum_cls: type[StrEnum], raw: Any, on_error: Callable[[str], None]
) -> StrEnum | None:
    text = cell_text(raw)
    if not text:
        return None
    member, error = _parse_one(enum_cls, text)
    if member is None:
        on_error(error)
    return member


def _guessed(enum_cls: type[StrEnum], raw: Any) -> StrEnum | None:
    """The member a word only hints at (``Asso``), from :data:`GUESSED_SYNONYMS`."""
    guesses = GUESSED_SYNONYMS.get(enum_cls)
    if not guesses:
        return None
    key = normalize_key(cell_text(raw))
    for text, member in guesses.items():
        if normalize_key(text) == key:
            return member
    return None


def _level(text: str) -> Level:
    try:
        return parse_enum(Level, text)
    except UnknownValueError:
        try:
            return parse_level(text)
        except InvalidCodeError:
            pass
        raise


def _structure(
    item: _StructureRow,
    checker: _Checker,
    reference: Callable[[str], str | None],
    unknown_reference: Callable[[str, str], str],
) -> Structure | None:
    table, row, cells, columns = item.table, item.row, item.cells, item.columns
    values: dict[str, Any] = {}
    failed: set[str] = set()  # fields already reported

    def problem(name: str, raw: Any, message: str, header: str | None = None) -> None:
        failed.add(name)
        checker.add(table, row, header or columns.header.get(name, name), raw, message)

    if item.id:
        values["id"] = item.id
    for name in ("name", "website", "description"):
        text = columns.text(cells, name)
        if text:
            values[name] = text
    for name, enum_cls in _STRUCTURE_ENUMS.items():
        raw = columns.raw(cells, name)
        guess = _guessed(enum_cls, raw)
        if guess is not None:
            values[name] = guess
            checker.warn(
                table,
                row,
                columns.header[name],
                raw,
                f"« {cell_text(raw)} » lu comme « {label(guess)} » : ce mot ne dit pas "
                "à coup sûr ce qu’est la structure ; corrigez la cellule s’il le faut "
                f"(valeurs possibles : {', '.join(label(m) for m in enum_cls)})",
            )
            continue
        member = _enum_value(enum_cls, raw, lambda m, n=name, r=raw: problem(n, r, m))
        if member is not None:
            values[name] = member
    for name, enum_cls in _STRUCTURE_ENUM_LISTS.items():
        raw = columns.raw(cells, name)
        members, errors = _parse_many(enum_cls, raw)
        for message in errors:
            problem(name, raw, message)
        if members:
            values[name] = members
    urls = _split_urls(columns.raw(cells, "source_urls"))
    if urls:
        values["source_urls"] = urls
    raw_date = columns.raw(cells, "last_verified")
    if cell_text(raw_date):
        try:
            values["last_verified"] = parse_date(raw_date)
        except ValueError as error:
            problem("last_verified", raw_date, str(error))

    carrier = columns.text(cells, "carrier_id")
    if carrier:
        found = reference(carrier)
        if found is None:
            problem("carrier_id", carrier, unknown_reference(carrier, "structure porteuse :"))
        else:
            values["carrier_id"] = found

    places = _territory_fields(item, checker, values, problem)
    if places is None:
        failed.add("territory_level")

    commune = columns.raw(cells, "commune_code")
    postal = columns.text(cells, _POSTAL_CODE)
    if cell_text(commune) or postal:
        found = checker.commune(cell_text(commune), postal, places or ())
        if found.code is None:
            if found.column and found.column in columns:
                problem(found.column, postal, found.error)
            else:
                problem("commune_code", commune, found.error)
        else:
            values["commune_code"] = found.code

    try:
        structure = Structure.model_validate(values)
    except ValidationError as error:
        for detail in error.errors():
            name = str(detail["loc"][0]) if detail["loc"] else ""
            if name in failed:
                continue
            if name == "id" and "name" not in values:
                continue  # no id because no name: the missing name says it all
            if (
                detail["type"] == "missing"
                and name not in columns.position
                and name
                in (
                    "name",
                    "kind",
                )
            ):
                continue  # the missing column is reported once, on the header row
            header = columns.header.get(name) or _field_header(columns, name)
            checker.add(
                table,
                row,
                header,
                _shown_value(detail, columns, cells, name),
                _pydantic_message(detail, header),
            )
        return None
    if failed:
        return None
    return structure


def _shown_value(detail: dict[str, Any], columns: _Columns, cells: list[Any], name: str) -> str:
    """The value a problem shows: the cell as the user typed it, else the bad item."""
    if name in columns.position:
        text = cell_text(columns.raw(cells, name))
        if text:
            return text
    if name == "territory_codes":
        return ""
    ctx = detail.get("ctx") or {}
    value = ctx.get("value", detail.get("input"))
    return "" if isinstance(value, dict) else cell_text(value)


def _field_header(columns: _Columns, name: str) -> str:
    if name == "territory_codes":
        for pseudo in ("territory_codes", "@departement", "@region", "@epci", "@commune"):
            if pseudo in columns.header:
                return columns.header[pseudo]
        return columns.header.get("territory_level", "territory_codes")
    return name


_MISSING_LEVEL = (
    "échelon territorial manquant : indiquez national, region, departement, epci ou commune"
)


def _coarsest_level(tokens: list[str], checker: _Checker) -> tuple[Level | None, str]:
    """The level of territory cells written without one: from the shape of codes
    (``2A``, ``29151``…) or from names (``Finistère``, ``Guingamp-Paimpol Agglomération``).

    A name that may be at several levels (``Bretagne``: the région and two communes) is
    read at the widest. Returns the level, or ``None`` with the French reason.
    """
    widest: set[Level] = set()
    for token in tokens:
        levels, reason = checker.levels_named(token)
        if reason:
            return None, reason
        if not levels:
            return None, (
                f"{_MISSING_LEVEL} (un code à 2 chiffres peut être une région ou un département)"
            )
        widest.add(min(levels, key=_LEVEL_ORDER.index))
    if len(widest) != 1:
        return None, f"{_MISSING_LEVEL} : ces territoires ne sont pas tous du même échelon"
    return widest.pop(), ""


def _territory_fields(
    item: _StructureRow,
    checker: _Checker,
    values: dict[str, Any],
    problem: Callable[..., None],
) -> tuple[Territory, ...] | None:
    """Fill ``territory_level`` and ``territory_codes`` from the row's territory columns.

    ``territory_level`` + ``territory_codes`` win; without a level, a filled
    ``territory_codes`` column (``Territoire d'intervention``…) gives its level by the
    shape of its codes or by its names; failing that, the finest filled column named
    after a level (``département``, ``région``…) gives both the level and the
    territories. The other level columns, and the postal code, only locate: they tell
    homonyms apart (``Valence`` with département ``26``).

    Returns the places the row names (served, then locating), to tell the commune's
    homonyms apart; ``None`` when the row has no territory column at all (reported once,
    on the header row).
    """
    cells, columns = item.cells, item.columns
    if not ({"territory_level", "territory_codes", *_LEVEL_COLUMNS} & set(columns.position)):
        return None
    level_text = columns.text(cells, "territory_level")
    level: Level | None = None
    if level_text:
        try:
            level = _level(level_text)
        except UnknownValueError as error:
            problem("territory_level", level_text, str(error))
            return ()
    by_level = {
        lvl: pseudo for pseudo, lvl in _LEVEL_COLUMNS.items() if columns.text(cells, pseudo)
    }
    source = "territory_codes"
    raw = columns.raw(cells, "territory_codes")
    if level is None:
        finest = [lvl for lvl in _LEVEL_ORDER if lvl in by_level]
        guessed, reason = None, ""
        if cell_text(raw):
            guessed, reason = _coarsest_level(_split_plain(raw), checker)
        if guessed is not None:
            level = guessed
        elif finest:
            level = finest[-1]
            source = by_level[level]
            raw = columns.raw(cells, source)
        elif cell_text(raw):
            problem(
                "territory_level",
                raw if "territory_level" not in columns else "",
                reason,
                columns.header.get("territory_level") or columns.header["territory_codes"],
            )
            return ()
        else:
            problem(
                "territory_level",
                "",
                f"{_MISSING_LEVEL}, et les territoires servis",
                columns.header.get("territory_level") or _field_header(columns, "territory_codes"),
            )
            return ()
    elif not cell_text(raw) and level in by_level:
        source = by_level[level]
        raw = columns.raw(cells, source)
    values["territory_level"] = level

    # The other level columns locate the row: read them first, to tell homonyms apart.
    places: list[Territory] = []
    for pseudo, lvl in _LEVEL_COLUMNS.items():
        if pseudo == source or lvl not in by_level:
            continue
        context_raw = columns.raw(cells, pseudo)
        for token in _split_plain(context_raw):
            found = checker.territory(token, lvl)
            if found.code is None:
                checker.warn(
                    item.table,
                    item.row,
                    columns.header[pseudo],
                    context_raw,
                    f"{found.error} Cette valeur n’aide donc pas à situer la ligne.",
                )
            else:
                places.append(checker.territories[(lvl, found.code)])
    within = tuple(places)
    if level is Level.COMMUNE:
        postal = columns.text(cells, _POSTAL_CODE)
        within += tuple(checker.territories.communes_of_postal_code(postal)) if postal else ()

    header = columns.header.get(source, source)
    codes: list[str] = []
    for token in _split_plain(raw):
        found = checker.territory(token, level, within)
        if found.code is None:
            problem("territory_codes", raw, found.error, header)
            continue
        if found.note:
            checker.warn(item.table, item.row, header, raw, found.note)
        codes.append(found.code)
    if codes:
        values["territory_codes"] = codes
        places = [checker.territories[(level, code)] for code in codes] + places
    return tuple(places)


def _links(
    table: RawTable,
    row: int,
    cells: list[Any],
    columns: _Columns,
    checker: _Checker,
    reference: Callable[[str], str | None],
    unknown_reference: Callable[[str, str], str],
) -> list[Link]:
    """The links of one row (Kumu allows several targets joined with ``|``)."""
    values: dict[str, Any] = {}
    failed: set[str] = set()

    def problem(name: str, raw: Any, message: str) -> None:
        failed.add(name)
        checker.add(table, row, columns.header.get(name, name), raw, message)

    ends: dict[str, list[str]] = {}
    for name, what in (("source", "source du lien :"), ("target", "cible du lien :")):
        raw = columns.text(cells, name)
        ends[name] = []
        for token in [t.strip() for t in raw.split("|") if t.strip()]:
            found = reference(token)
            if found is None:
                problem(name, raw, unknown_reference(token, what))
            else:
                ends[name].append(found)
    for name in ("description",):
        text = columns.text(cells, name)
        if text:
            values[name] = text
    for name, enum_cls in _LINK_ENUMS.items():
        raw = columns.raw(cells, name)
        member = _enum_value(enum_cls, raw, lambda m, n=name, r=raw: problem(n, r, m))
        if member is not None:
            values[name] = member
    urls = _split_urls(columns.raw(cells, "source_urls"))
    if urls:
        values["source_urls"] = urls
    for name in ("since", "until"):
        raw = columns.raw(cells, name)
        if cell_text(raw):
            try:
                values[name] = parse_date(raw)
            except ValueError as error:
                problem(name, raw, str(error))

    pairs = [(s, t) for s in ends["source"] or [None] for t in ends["target"] or [None]]
    links: list[Link] = []
    for source, target in pairs:
        data = dict(values)
        if source is not None:
            data["source"] = source
        if target is not None:
            data["target"] = target
        try:
            links.append(Link.model_validate(data))
        except ValidationError as error:
            for detail in error.errors():
                name = str(detail["loc"][0]) if detail["loc"] else ""
                if name in failed:
                    continue
                failed.add(name)
                if detail["type"] == "missing" and name not in columns.position:
                    continue  # the missing column is reported once, on the header row
                header = columns.header.get(name, name)
                shown = _shown_value(detail, columns, cells, name)
                checker.add(table, row, header, shown, _pydantic_message(detail, header))
    return [] if failed else links


# ======================================================================================
# Merging an import into a dataset
# ======================================================================================


@dataclass(frozen=True)
class FieldChange:
    """One field that an import changes on a record."""

    field: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.field} : « {_shown(self.old)} » → « {_shown(self.new)} »"


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(_shown(v) for v in value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class RecordChange:
    """A record that an import changes: its key and the changed fields."""

    key: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class MergeReport:
    """What :func:`merge_records` added and changed.

    Attributes
    ----------
    added_structures, added_links : tuple of str
        Identifiers of the new structures; ``source → target (relation)`` of new links.
    changed_structures, changed_links : tuple of RecordChange
        Records that existed and whose fields changed, with the field-level diff.
    unchanged_structures, unchanged_links : int
        Records of the import identical to the dataset's.
    """

    added_structures: tuple[str, ...] = ()
    changed_structures: tuple[RecordChange, ...] = ()
    unchanged_structures: int = 0
    added_links: tuple[str, ...] = ()
    changed_links: tuple[RecordChange, ...] = ()
    unchanged_links: int = 0

    @property
    def changed_anything(self) -> bool:
        """Whether the merge adds or changes at least one record."""
        return bool(
            self.added_structures
            or self.changed_structures
            or self.added_links
            or self.changed_links
        )

    def format(self) -> str:
        """Return the report in French, one line per added or changed record."""
        from fresque.i18n import t

        lines = []
        for heading, gender, added, changed, unchanged in (
            (
                "cli.import.structures",
                "f",
                self.added_structures,
                self.changed_structures,
                self.unchanged_structures,
            ),
            ("cli.import.links", "m", self.added_links, self.changed_links, self.unchanged_links),
        ):
            lines.append(
                t(heading).format(
                    added=t_count(f"count.added_{gender}", len(added)),
                    changed=t_count(f"count.changed_{gender}", len(changed)),
                    unchanged=t_count(f"count.unchanged_{gender}", unchanged),
                )
            )
        for title, added, changed in (
            ("structure ajoutée", self.added_structures, self.changed_structures),
            ("lien ajouté", self.added_links, self.changed_links),
        ):
            lines += [f"  + {title} : {key}" for key in added]
            modified = title.replace("ajouté", "modifié")
            for change in changed:
                lines.append(f"  ~ {modified} : {change.key}")
                lines += [f"      {field_change}" for field_change in change.changes]
        return "\n".join(lines)


def _link_label(link: Link) -> str:
    return f"{link.source} → {link.target} ({link.relation.value})"


_TOGETHER = frozenset({"territory_level", "territory_codes"})


def _merge_one(
    base: Any, incoming: Any, model: type[Structure] | type[Link], key_fields: tuple[str, ...]
) -> tuple[Any, tuple[FieldChange, ...]]:
    changes = []
    given = set(incoming.model_fields_set)
    if given & _TOGETHER:  # a level comes with its codes (a national row has FR by default)
        given |= _TOGETHER
    for name in sorted(given & set(model.model_fields), key=list(model.model_fields).index):
        if name in key_fields:
            continue
        old, new = getattr(base, name), getattr(incoming, name)
        if old != new:
            changes.append(FieldChange(name, old, new))
    if not changes:
        return base, ()
    data = base.model_dump()
    data.update({c.field: getattr(incoming, c.field) for c in changes})
    return model.model_validate(data), tuple(changes)


def merge_records(base: Records, incoming: Records) -> tuple[Records, MergeReport]:
    """Merge ``incoming`` into ``base`` by identifier, and report what changed.

    A structure of ``incoming`` whose id is new is added; one whose id exists updates
    only the fields its file actually gave (a cell left empty, or a column the file does
    not have, keeps the dataset's value). Links are matched on (source, target,
    relation) the same way.

    Parameters
    ----------
    base
        The dataset (left unchanged).
    incoming
        The records read from the imported file.

    Returns
    -------
    merged : Records
        The new dataset, sorted.
    report : MergeReport
        Added and changed records with a field-level diff.

    Raises
    ------
    DatasetValidationError
        When an update would leave a record inconsistent (e.g. an end date before the
        start date kept from the dataset); nothing is merged then.

    Examples
    --------
    >>> a = Structure(id="a", name="A", kind="network", territory_level="national")
    >>> renamed = Structure(id="a", name="A bis", kind="network", territory_level="national")
    >>> merged, report = merge_records(Records([a]), Records([renamed]))
    >>> merged.structures[0].name, [str(c) for c in report.changed_structures[0].changes]
    ('A bis', ['name : « A » → « A bis »'])
    """
    problems: list[Problem] = []
    structures = {s.id: s for s in base.structures}
    added_s, changed_s, same_s = [], [], 0
    for item in incoming.structures:
        if item.id not in structures:
            structures[item.id] = item
            added_s.append(item.id)
            continue
        try:
            merged, changes = _merge_one(structures[item.id], item, Structure, ("id",))
        except ValidationError as error:
            problems += _merge_problems(item.id, error)
            continue
        if changes:
            structures[item.id] = merged
            changed_s.append(RecordChange(item.id, changes))
        else:
            same_s += 1
    links = {k.key: k for k in base.links}
    added_k, changed_k, same_k = [], [], 0
    for item in incoming.links:
        if item.key not in links:
            links[item.key] = item
            added_k.append(_link_label(item))
            continue
        try:
            merged, changes = _merge_one(
                links[item.key], item, Link, ("source", "target", "relation")
            )
        except ValidationError as error:
            problems += _merge_problems(_link_label(item), error)
            continue
        if changes:
            links[item.key] = merged
            changed_k.append(RecordChange(_link_label(item), changes))
        else:
            same_k += 1
    if problems:
        raise DatasetValidationError(problems)
    report = MergeReport(
        tuple(sorted(added_s)),
        tuple(sorted(changed_s, key=lambda c: c.key)),
        same_s,
        tuple(sorted(added_k)),
        tuple(sorted(changed_k, key=lambda c: c.key)),
        same_k,
    )
    surveys = {s.id: s for s in base.surveys} | {s.id: s for s in incoming.surveys}
    merged = Records(list(structures.values()), list(links.values()), list(surveys.values()))
    return merged.sorted(), report


def _merge_problems(key: str, error: ValidationError) -> list[Problem]:
    return [
        Problem(
            "",
            "",
            None,
            str(detail["loc"][0]) if detail["loc"] else "",
            key,
            f"« {key} » : la mise à jour rendrait la fiche incohérente : "
            + _pydantic_message(detail, str(detail["loc"][0]) if detail["loc"] else ""),
        )
        for detail in error.errors()
    ]
