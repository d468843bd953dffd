"""Surveys (« recensements ») as tables: reading, validating and writing them.

A dataset may hold a third table beside structures and links: ``surveys.csv`` in a
dataset folder, a sheet ``recensements`` (or ``surveys``) in a workbook, a list
``surveys`` in JSON. Each row is a :class:`~fresque.model.Survey`: someone attests that
the offer of a territory was checked, for one dispositif, one stage or everything. Rows are
validated like the other tables: every problem with its file, sheet, row, column and
value, and nothing is returned when there is one.

Columns (French headers are accepted, case and accents aside):

============== ========================================= ==============================
column         meaning                                    also read from
============== ========================================= ==============================
id             stable identifier (made from the rest      identifiant
               when empty)
territory_level région, département or EPCI               échelon, niveau
territory_code INSEE code (SIREN for an EPCI), or a name  territoire, code
scope          ``all``, a dispositif or a stage           périmètre, portée, objet
attested_by    who attests it                             attesté par, auteur, qui
date           when (AAAA-MM-JJ or JJ/MM/AAAA)            date du recensement
source         a URL or the name of a document            sources, document
note           free text                                  remarque, commentaire
valid_months   validity in months (default 24)            validité (mois), durée
============== ========================================= ==============================

Examples
--------
>>> from fresque.geo.territories import Territories
>>> from fresque.io.validate import RawTable
>>> table = RawTable("surveys.csv", "", SURVEYS,
...     ["Échelon", "Territoire", "Périmètre", "Attesté par", "Date", "Source"],
...     1, [(2, ["département", "29", "étape:Création", "CRESS Bretagne", "01/03/2026",
...              "Annuaire CRESS 2026"])])
>>> surveys, problems = validate_survey_tables(
...     [table], Territories.load("tests/data/geo_mini"))
>>> surveys[0].id, surveys[0].scope, problems
('rec_departement_29_stage_creation_2026_03_01', 'stage:creation', [])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from fresque.geo.territories import Territories
from fresque.i18n import normalize_key
from fresque.io.validate import (
    Problem,
    RawTable,
    _Checker,
    _level,
    _pydantic_message,
    cell_text,
    parse_date,
)
from fresque.model import SCOPE_ALL, SURVEY_LEVELS, Survey, parse_scope, slugify

__all__ = [
    "SURVEYS",
    "SURVEY_COLUMNS",
    "SURVEY_SHEETS",
    "survey_field",
    "validate_survey_tables",
]

#: Kind of a :class:`~fresque.io.validate.RawTable` of surveys.
SURVEYS = "surveys"

#: Columns of ``surveys.csv``, in order.
SURVEY_COLUMNS: tuple[str, ...] = tuple(Survey.model_fields)

#: Sheet, file or JSON key names of the surveys table (compared without case or accents).
SURVEY_SHEETS = frozenset({"surveys", "survey", "recensements", "recensement"})

_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "identifiant"),
    "territory_level": ("territory_level", "echelon", "niveau", "level"),
    "territory_code": ("territory_code", "territoire", "code", "code territoire", "territory"),
    "scope": ("scope", "perimetre", "portee", "objet", "champ"),
    "attested_by": ("attested_by", "atteste par", "auteur", "qui", "par", "attested by"),
    "date": ("date", "date du recensement", "recense le", "surveyed on"),
    "source": ("source", "sources", "document", "source_url", "source_urls"),
    "note": ("note", "notes", "remarque", "commentaire", "description"),
    "valid_months": ("valid_months", "validite", "validite (mois)", "duree", "duree (mois)"),
}
_INDEX = {normalize_key(alias): name for name, aliases in _ALIASES.items() for alias in aliases}


def survey_field(header: str) -> str | None:
    """Return the field a column header of a surveys table stands for, if any.

    Examples
    --------
    >>> survey_field("Attesté par"), survey_field("Couleur") is None
    ('attested_by', True)
    """
    return _INDEX.get(normalize_key(header)) if header else None


_REQUIRED = ("territory_level", "territory_code", "attested_by", "date", "source")


def _default_id(values: dict[str, Any]) -> str:
    parts = [
        "rec",
        str(values.get("territory_level", "")),
        str(values.get("territory_code", "")),
        str(values.get("scope", "all")).replace(":", "_"),
        str(values.get("date", "")),
    ]
    return slugify("_".join(p for p in parts if p))


def validate_survey_tables(
    tables: Iterable[RawTable], territories: Territories | None = None
) -> tuple[list[Survey], list[Problem]]:
    """Validate tables of surveys into records, collecting every problem.

    Parameters
    ----------
    tables
        Raw tables of kind :data:`SURVEYS`.
    territories
        The reference geography the territories are checked against.

    Returns
    -------
    surveys : list of Survey
        The valid rows, in file order.
    problems : list of Problem
        Every problem found; the caller keeps nothing when there is one.
    """
    checker = _Checker(territories)
    surveys: list[Survey] = []
    seen: dict[str, tuple[RawTable, int]] = {}
    for table in tables:
        position: dict[str, int] = {}
        header_of: dict[str, str] = {}
        for i, header in enumerate(table.headers):
            name = _INDEX.get(normalize_key(header)) if header else None
            if name is None:
                if header:
                    checker.add(
                        table,
                        table.header_row or None,
                        header,
                        header,
                        f"colonne inconnue « {header} » dans les recensements : elle est "
                        "ignorée (colonnes attendues : " + ", ".join(SURVEY_COLUMNS) + ")",
                    )
                continue
            if name not in position:
                position[name] = i
                header_of[name] = header
        missing = [name for name in _REQUIRED if name not in position]
        for name in missing:
            checker.add(
                table,
                table.header_row or None,
                name,
                "",
                f"colonne obligatoire absente des recensements : « {name} » "
                f"(ou « {_ALIASES[name][1]} »)",
            )
        if missing:
            continue
        for row, cells in table.rows:
            texts = {
                name: cell_text(cells[i]) if i < len(cells) else "" for name, i in position.items()
            }
            if not any(texts.values()):
                continue
            survey = _survey(table, row, texts, header_of, checker)
            if survey is None:
                continue
            if survey.id in seen:
                first_table, first_row = seen[survey.id]
                where = f"ligne {first_row}" + (
                    f" de {first_table.file}" if first_table is not table else ""
                )
                checker.add(
                    table,
                    row,
                    header_of.get("id", "id"),
                    survey.id,
                    f"recensement en double : l’identifiant « {survey.id} » est déjà "
                    f"utilisé {where}",
                )
                continue
            seen[survey.id] = (table, row)
            surveys.append(survey)
    return surveys, checker.problems


def _survey(
    table: RawTable,
    row: int,
    texts: dict[str, str],
    header_of: dict[str, str],
    checker: _Checker,
) -> Survey | None:
    values: dict[str, Any] = {}
    bad = False

    def problem(name: str, value: str, message: str) -> None:
        nonlocal bad
        bad = True
        checker.add(table, row, header_of.get(name, name), value, message)

    level_text = texts.get("territory_level", "")
    try:
        level = _level(level_text) if level_text else None
    except ValueError:  # unknown word: said below with the levels a survey may have
        level = None
    if level is None or level not in SURVEY_LEVELS:
        problem(
            "territory_level",
            level_text,
            "échelon de recensement inconnu : « région », « département » ou « epci »",
        )
    else:
        values["territory_level"] = level
        token = texts.get("territory_code", "")
        if not token:
            problem("territory_code", token, "territoire manquant : son code ou son nom")
        else:
            found = checker.territory(token, level)
            if found.code is None:
                problem("territory_code", token, found.error)
            else:
                values["territory_code"] = found.code
    if texts.get("date"):
        try:
            values["date"] = parse_date(texts["date"])
        except ValueError as error:
            problem("date", texts["date"], str(error))
    if texts.get("valid_months"):
        try:
            values["valid_months"] = int(float(texts["valid_months"].replace(",", ".")))
        except ValueError:
            problem("valid_months", texts["valid_months"], "nombre de mois attendu (par ex. 24)")
    for name in ("scope", "attested_by", "source", "note", "id"):
        if texts.get(name):
            values[name] = texts[name]
    if bad:
        return None
    if "id" not in values:
        try:
            scope = parse_scope(values.get("scope", SCOPE_ALL))
        except ValueError:  # reported with the record below
            scope = SCOPE_ALL
        values["id"] = _default_id({**values, "scope": scope})
    try:
        return Survey(**values)
    except ValidationError as error:
        for detail in error.errors():
            name = str(detail["loc"][0]) if detail["loc"] else ""
            header = header_of.get(name, name)
            checker.add(
                table,
                row,
                header,
                texts.get(name, ""),
                _pydantic_message(detail, header),
            )
        return None
