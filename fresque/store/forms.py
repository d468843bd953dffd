"""What a workshop form may hold: checked like an import, with tighter limits.

A card or a link typed on a phone goes through the same validation as a spreadsheet row
(:func:`fresque.io.validate.validate_tables`): kinds, dispositifs, stages and themes by
value or French label, territories by code, name or postal code (resolved against
:class:`~fresque.geo.territories.Territories`), links only between known cards. On top of
that, texts and lists are shorter than in the curated dataset, so that a workshop stays
readable on a projector and cheap to store.

The pick lists and the territory autocomplete that the forms offer are here too
(:func:`choices`, :func:`territory_options`).
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from fresque.geo.territories import Territories, TerritoryError, normalize_name, normalize_names
from fresque.i18n import enum_choices, parse_enum
from fresque.io.validate import (
    LINKS,
    STRUCTURES,
    DatasetValidationError,
    Problem,
    RawTable,
    validate_tables,
)
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
    Theme,
    slugify,
)
from fresque.store.errors import InvalidInput

__all__ = [
    "FIELD_LABELS",
    "LINK_FIELDS",
    "MAX_ITEMS",
    "STRUCTURE_FIELDS",
    "TEXT_LIMITS",
    "check_link",
    "check_nickname",
    "check_shape",
    "check_structure",
    "choices",
    "territory_options",
    "unique_slug",
]

#: Fields a participant fills for a card (the identifier is made from the name).
STRUCTURE_FIELDS: tuple[str, ...] = tuple(f for f in Structure.model_fields if f != "id")
#: Fields of a link.
LINK_FIELDS: tuple[str, ...] = tuple(Link.model_fields)

#: Longest text accepted per field in a workshop (characters).
TEXT_LIMITS: dict[str, int] = {
    "name": 120,
    "description": 1000,
    "website": 300,
    "carrier_id": 64,
    "commune_code": 120,
    "territory_level": 40,
    "kind": 60,
    "status": 40,
    "confidence": 40,
    "relation": 60,
    "source": 120,
    "target": 120,
    "last_verified": 40,
    "since": 40,
    "until": 40,
}
#: Longest text of one item of a list field, and most items in a list field.
ITEM_LIMIT = 300
MAX_ITEMS = 20
NICKNAME_MAX = 40

#: French names of the fields, for messages and the audit log.
FIELD_LABELS: dict[str, str] = {
    "id": "identifiant",
    "name": "nom",
    "kind": "type d’acteur",
    "dispositifs": "dispositifs",
    "stages": "étapes",
    "themes": "thèmes",
    "territory_level": "échelon",
    "territory_codes": "territoires servis",
    "commune_code": "commune",
    "website": "site web",
    "carrier_id": "structure porteuse",
    "status": "statut",
    "source_urls": "sources",
    "confidence": "confiance",
    "last_verified": "vérifié le",
    "description": "description",
    "source": "source",
    "target": "cible",
    "relation": "relation",
    "since": "début",
    "until": "fin",
}


def _problem(field: str, value: Any, message: str) -> Problem:
    shown = value if isinstance(value, str) else ("" if value is None else str(value))
    if len(shown) > 60:
        shown = shown[:59] + "…"
    return Problem("", "", None, field, shown, message)


def check_shape(values: Mapping[str, Any], allowed: Iterable[str]) -> list[Problem]:
    """Unknown fields, texts too long, lists too long: checked before any parsing."""
    allowed = tuple(allowed)
    if len(values) > 2 * len(allowed):
        return [_problem("", "", f"formulaire trop grand : {len(allowed)} champs au plus")]
    problems = []
    for name, value in values.items():
        if name not in allowed:
            problems.append(
                _problem(
                    str(name)[:40],
                    "",
                    "champ inconnu ; champs possibles : " + ", ".join(allowed),
                )
            )
            continue
        items = value if isinstance(value, list | tuple) else [value]
        if isinstance(value, list | tuple) and len(items) > MAX_ITEMS:
            problems.append(_problem(name, "", f"{MAX_ITEMS} éléments au plus"))
            continue
        limit = TEXT_LIMITS.get(name, ITEM_LIMIT)
        for item in items:
            if item is not None and not isinstance(item, str | int | float | bool):
                problems.append(_problem(name, "", "valeur d’un type inattendu"))
            elif isinstance(item, str) and len(item.strip()) > limit:
                problems.append(
                    _problem(name, item, f"texte trop long : {limit} caractères au plus")
                )
    return problems


def _as_form_problems(error: DatasetValidationError) -> list[Problem]:
    """The errors, each under its field (a form shows no import warnings)."""
    return [Problem("", "", None, p.column, p.value, p.message) for p in error.errors]


def check_structure(
    values: Mapping[str, Any],
    *,
    territories: Territories,
    known_ids: Iterable[str] = (),
    sid: str,
) -> Structure:
    """Validate a card typed in a form; return the record with identifier ``sid``.

    Parameters
    ----------
    values
        Field → value (text, or a list for the list fields). Enum fields take values or
        French labels; ``territory_codes`` takes codes, names or postal codes of the
        ``territory_level``; ``commune_code`` a commune's code, name or postal code.
    territories
        The reference geography.
    known_ids
        Cards that ``carrier_id`` may name.
    sid
        The card's identifier.

    Raises
    ------
    InvalidInput
        With every problem, ``column`` naming the field.

    Examples
    --------
    >>> mini = Territories.load("tests/data/geo_mini")
    >>> card = check_structure({"name": "TAg29", "kind": "Structure d'accompagnement",
    ...     "dispositifs": ["Incubateur"], "territory_level": "département",
    ...     "territory_codes": ["Finistère"]}, territories=mini, sid="tag29")
    >>> card.kind.value, card.territory_codes
    ('support_structure', ['29'])
    >>> check_structure({"name": "X", "kind": "réseau", "territory_level": "departement",
    ...     "territory_codes": ["Atlantide"]}, territories=mini, sid="x")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fresque.store.errors.InvalidInput: territory_codes : Aucun département nommé « Atlantide »...
    """
    problems = check_shape(values, STRUCTURE_FIELDS)
    if problems:
        raise InvalidInput(problems)
    cells = {"id": sid, **{k: v for k, v in values.items() if v is not None}}
    table = RawTable("", "", STRUCTURES, list(cells), 0, [(1, list(cells.values()))])
    try:
        records = validate_tables([table], territories=territories, known_ids=known_ids)
    except DatasetValidationError as error:
        raise InvalidInput(_as_form_problems(error)) from None
    return records.structures[0]


def check_link(
    values: Mapping[str, Any], *, territories: Territories, known_ids: Iterable[str]
) -> Link:
    """Validate a link typed in a form, between two of the ``known_ids`` cards.

    Raises
    ------
    InvalidInput
        With every problem, ``column`` naming the field.
    """
    problems = check_shape(values, LINK_FIELDS)
    for name in ("source", "target", "relation"):
        if not values.get(name):
            problems.append(_problem(name, "", "valeur obligatoire"))
    if problems:
        raise InvalidInput(problems)
    cells = {k: v for k, v in values.items() if v is not None}
    table = RawTable("", "", LINKS, list(cells), 0, [(1, list(cells.values()))])
    try:
        records = validate_tables([table], territories=territories, known_ids=known_ids)
    except DatasetValidationError as error:
        raise InvalidInput(_as_form_problems(error)) from None
    if len(records.links) != 1:
        raise InvalidInput("un lien relie une structure source à une structure cible")
    return records.links[0]


def check_nickname(nickname: str) -> str:
    """Return the nickname tidied (spaces collapsed), or raise :class:`InvalidInput`.

    Examples
    --------
    >>> check_nickname("  Anne   M. ")
    'Anne M.'
    """
    if not isinstance(nickname, str):
        raise InvalidInput([_problem("nickname", "", "pseudo manquant")])
    tidy = " ".join(nickname.split())
    if not tidy:
        raise InvalidInput([_problem("nickname", "", "choisissez un pseudo")])
    if len(tidy) > NICKNAME_MAX:
        raise InvalidInput(
            [_problem("nickname", tidy, f"pseudo trop long : {NICKNAME_MAX} caractères au plus")]
        )
    if not any(c.isalnum() for c in tidy) or not all(c.isprintable() for c in tidy):
        raise InvalidInput(
            [_problem("nickname", tidy, "le pseudo doit contenir des lettres ou des chiffres")]
        )
    return tidy


def unique_slug(name: str, taken: Iterable[str]) -> str:
    """An identifier made from ``name``, with ``_2``, ``_3``… when it is taken.

    Raises
    ------
    InvalidInput
        When the name holds no letter or digit.

    Examples
    --------
    >>> unique_slug("TAg 29", {"tag_29", "tag_29_2"})
    'tag_29_3'
    """
    try:
        base = slugify(str(name), max_length=56)
    except ValueError:
        raise InvalidInput(
            [_problem("name", name, "le nom doit contenir au moins une lettre ou un chiffre")]
        ) from None
    taken = set(taken)
    if base not in taken:
        return base
    n = 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def choices(lang: str = "fr") -> dict[str, list[dict[str, str]]]:
    """The pick lists of the forms: ``{field: [{"label": …, "value": …}, …]}``.

    Examples
    --------
    >>> choices()["kind"][0]
    {'label': 'Structure d’accompagnement', 'value': 'support_structure'}
    >>> sorted(choices())[:3]
    ['confidence', 'dispositifs', 'kind']
    """
    return {
        "kind": enum_choices(Kind, lang),
        "dispositifs": enum_choices(Dispositif, lang),
        "stages": enum_choices(Stage, lang),
        "themes": enum_choices(Theme, lang),
        "territory_level": enum_choices(Level, lang),
        "status": enum_choices(Status, lang),
        "confidence": enum_choices(Confidence, lang),
        "relation": enum_choices(Relation, lang),
    }


class _PrefixIndex:
    """Every word-start of every territory name, sorted, for prefix lookups."""

    _LEVEL_RANK: ClassVar[dict[Level, int]] = {
        Level.COUNTRY: 0,
        Level.REGION: 1,
        Level.DEPARTEMENT: 2,
        Level.EPCI: 3,
        Level.COMMUNE: 4,
    }

    def __init__(self, territories: Territories) -> None:
        table, communes = territories.table, territories.communes
        levels = [Level(v) for v in table["level"]] + [Level.COMMUNE] * len(communes)
        codes = table["code"].tolist() + communes["code"].tolist()
        names = table["name"].tolist() + communes["name"].tolist()
        populations = table["population"].tolist() + communes["population"].tolist()
        keys = normalize_names([str(n) for n in names])
        entries = []
        for i, key in enumerate(keys):
            start = 0
            while True:
                entries.append((key[start:], i))
                start = key.find(" ", start) + 1
                if start == 0:
                    break
        entries.sort()
        self.keys = [k for k, _ in entries]
        self.places = [i for _, i in entries]
        self.levels, self.codes = levels, codes
        self.populations = [p if isinstance(p, int | float) and p == p else 0 for p in populations]

    def search(self, text: str, level: Level | None, n: int) -> list[tuple[Level, str]]:
        prefix = normalize_name(text)
        if not prefix:
            return []
        found: dict[int, None] = {}
        i = bisect.bisect_left(self.keys, prefix)
        while i < len(self.keys) and self.keys[i].startswith(prefix) and len(found) < 2000:
            place = self.places[i]
            if level is None or self.levels[place] is level:
                found[place] = None
            i += 1
        ranked = sorted(
            found,
            key=lambda p: (self._LEVEL_RANK[self.levels[p]], -self.populations[p], self.codes[p]),
        )
        return [(self.levels[p], self.codes[p]) for p in ranked[:n]]


_PREFIX_INDEXES: weakref.WeakKeyDictionary[Territories, _PrefixIndex] = weakref.WeakKeyDictionary()
_PREFIX_LOCK = threading.Lock()


def _prefix_index(territories: Territories) -> _PrefixIndex:
    with _PREFIX_LOCK:
        index = _PREFIX_INDEXES.get(territories)
        if index is None:
            index = _PREFIX_INDEXES[territories] = _PrefixIndex(territories)
        return index


def territory_options(
    territories: Territories, text: str, level: Level | str | None = None, n: int = 10
) -> list[dict[str, str]]:
    """Territories a text may designate, for an autocomplete: ``{"label", "value", "level"}``.

    Codes, names and postal codes that match exactly come first, then names with a word
    starting with the text (larger territories and more populated places first), then
    close names (typos).

    Examples
    --------
    >>> mini = Territories.load("tests/data/geo_mini")
    >>> territory_options(mini, "finistere")[0]
    {'label': 'Finistère (département 29)', 'value': '29', 'level': 'departement'}
    >>> [o["value"] for o in territory_options(mini, "Morlai", level="epci")]
    ['242900835']
    >>> [o["label"] for o in territory_options(mini, "Finistre")]
    ['Finistère (département 29)']
    """
    text = (text or "").strip()[:120]
    wanted = parse_enum(Level, level) if isinstance(level, str) else level
    if not text:
        return []
    try:
        found = territories.resolve(text, level=wanted)
    except (TerritoryError, ValueError):
        found = []
    seen = {(t.level, t.code) for t in found}
    for ref in _prefix_index(territories).search(text, wanted, n):
        if ref not in seen and len(found) < n:
            seen.add(ref)
            found.append(territories[ref])
    if len(found) < n:
        for close in territories.suggest(text, level=wanted, n=n):
            if (close.level, close.code) not in seen:
                seen.add((close.level, close.code))
                found.append(close)
    return [{"label": t.label, "value": t.code, "level": t.level.value} for t in found[:n]]
