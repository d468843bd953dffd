"""Territory codes as spreadsheets break them, and how to mend them.

A code read from a CSV or an Excel sheet has often lost what makes it a code: the leading
zero (``1`` for the Ain, ``1001`` for L'Abergement-Clémenciat), its case (``2a``), or it
became a float (``29.0``). :func:`normalize_code` mends these without looking anything up:
it checks the *shape* of a code, and :class:`fresque.geo.territories.Territories` checks
that it exists.

Shapes (INSEE, Code officiel géographique):

========================  ===========================================  ================
level                     shape                                        example
========================  ===========================================  ================
country                   ``FR``                                       ``FR``
région                    2 digits                                     ``53``
département               2 characters, or 3 digits for the DROM       ``29``, ``2A``,
                                                                       ``971``
EPCI                      SIREN, 9 digits                              ``242900835``
commune                   5 characters                                 ``29151``,
                                                                       ``2A004``
========================  ===========================================  ================

Régions and départements share the two-digit shape (``53`` is both Bretagne and the
Mayenne): without a level, a two-character code is taken as a département.

Examples
--------
>>> normalize_code(1)
'01'
>>> normalize_code("2a")
'2A'
>>> normalize_code(29.0)
'29'
>>> normalize_code(" 29 ")
'29'
>>> normalize_code(1001)
'01001'
>>> normalize_code("242 900 835")
'242900835'
>>> normalize_code("France")
'FR'
>>> territory_level_of_code("971")
<Level.DEPARTEMENT: 'departement'>
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from decimal import Decimal

from fresque.i18n import DEFAULT_LANGUAGE, LEVEL_NOUNS, UnknownValueError, parse_enum
from fresque.model import Level

__all__ = [
    "InvalidCodeError",
    "level_label",
    "levels_of_code",
    "normalize_code",
    "parse_level",
    "territory_level_of_code",
]

_COUNTRY_NAMES = frozenset({"FR", "FRA", "FRANCE"})
_CORSICA = re.compile(r"2[AB](?:\d{3})?")
_DIGITS_WITH_ZERO_DECIMALS = re.compile(r"(\d+)(?:[.,]0*)?")

_LEVEL_SHAPES: dict[Level, str] = {
    Level.COUNTRY: "FR",
    Level.REGION: "2 chiffres, ex. 53",
    Level.DEPARTEMENT: "2 caractères ou 971 à 976, ex. 29, 2A, 974",
    Level.EPCI: "SIREN à 9 chiffres, ex. 242900835",
    Level.COMMUNE: "5 caractères, ex. 29151, 2A004",
}
_EXPECTED_SHAPES = (
    "attendu : FR, un code de région ou de département (2 caractères, ex. 29 ou 2A ; "
    "971 à 976 outre-mer), un code de commune (5 caractères, ex. 29151) "
    "ou le SIREN d’un EPCI (9 chiffres)"
)


class InvalidCodeError(ValueError):
    """A value that cannot be read as a territory code (its message is in French)."""


def _ascii_lower(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def parse_level(value: Level | str) -> Level:
    """Return the :class:`~fresque.model.Level` named by ``value``.

    Accepts the enum itself, its value (``"departement"``), and the French spellings a
    person would type (``"département"``, ``"Région"``, ``"pays"``).

    Parameters
    ----------
    value
        A level or its name.

    Returns
    -------
    Level
        The level.

    Raises
    ------
    InvalidCodeError
        When ``value`` names no level.

    Examples
    --------
    >>> parse_level("Département")
    <Level.DEPARTEMENT: 'departement'>
    >>> parse_level(Level.EPCI)
    <Level.EPCI: 'epci'>
    """
    try:
        return parse_enum(Level, value)
    except UnknownValueError as error:
        raise InvalidCodeError(f"Niveau de territoire inconnu : {error}") from None


def level_label(level: Level | str) -> str:
    """Return the French label of a level, as used in messages (``"département"``).

    Examples
    --------
    >>> level_label("region")
    'région'
    """
    return LEVEL_NOUNS[parse_level(level)][DEFAULT_LANGUAGE]


def _as_text(value: object) -> str:
    if value is None or isinstance(value, bool):
        raise InvalidCodeError(f"« {value} » n’est pas un code de territoire ({_EXPECTED_SHAPES}).")
    if isinstance(value, numbers.Integral):
        if int(value) < 0:
            raise InvalidCodeError(f"« {value} » n’est pas un code de territoire (négatif).")
        return str(int(value))
    if isinstance(value, numbers.Real | Decimal):
        number = float(value)
        if math.isnan(number):
            raise InvalidCodeError("Code de territoire manquant (cellule vide).")
        if not number.is_integer() or number < 0:
            raise InvalidCodeError(
                f"« {value} » n’est pas un code de territoire ({_EXPECTED_SHAPES})."
            )
        return str(int(number))
    if isinstance(value, str):
        return value
    raise InvalidCodeError(
        f"« {value!r} » n’est pas un code de territoire : texte ou nombre attendu."
    )


def _shape_code(text: str) -> str:
    compact = "".join(text.split())
    if not compact:
        raise InvalidCodeError("Code de territoire vide.")
    upper = compact.upper()
    if upper in _COUNTRY_NAMES or (
        not upper.isascii() and _ascii_lower(upper).upper() in _COUNTRY_NAMES
    ):
        return "FR"
    if _CORSICA.fullmatch(upper):
        return upper
    match = _DIGITS_WITH_ZERO_DECIMALS.fullmatch(compact)
    if match is None:
        raise InvalidCodeError(
            f"« {text.strip()} » n’est pas un code de territoire ({_EXPECTED_SHAPES})."
        )
    digits = match.group(1)
    if len(digits) <= 2:
        return digits.zfill(2)
    if len(digits) == 3 and digits.startswith("97"):
        return digits
    if len(digits) == 4:
        return digits.zfill(5)
    if len(digits) in (5, 9):
        return digits
    if len(digits) == 14:
        raise InvalidCodeError(
            f"« {text.strip()} » ressemble à un SIRET (14 chiffres) : le code d’un EPCI est "
            f"son SIREN, les 9 premiers chiffres ({digits[:9]})."
        )
    raise InvalidCodeError(
        f"« {text.strip()} » n’est pas un code de territoire : {len(digits)} chiffres "
        f"({_EXPECTED_SHAPES})."
    )


def _levels_of_shape(code: str) -> tuple[Level, ...]:
    if code == "FR":
        return (Level.COUNTRY,)
    if len(code) == 2:
        return (Level.DEPARTEMENT,) if code in ("2A", "2B") else (Level.DEPARTEMENT, Level.REGION)
    if len(code) == 3:
        return (Level.DEPARTEMENT,)
    if len(code) == 5:
        return (Level.COMMUNE,)
    return (Level.EPCI,)


def normalize_code(value: object, level: Level | str | None = None) -> str:
    """Return the canonical INSEE code of ``value``, mending what spreadsheets break.

    Leading zeros come back (``1`` → ``01``, ``1001`` → ``01001``), case is fixed
    (``2a`` → ``2A``), floats and their text lose their decimals (``29.0`` → ``29``),
    spaces go (``" 242 900 835 "``), and ``FR`` / ``France`` name the country. Only the
    shape is checked: whether the territory exists is for
    :class:`~fresque.geo.territories.Territories` to say.

    A four-digit number is a commune code (or a postal code) that lost its leading zero,
    since no département, région or EPCI code has four digits.

    Parameters
    ----------
    value
        A code as read from a file: text, int, float, numpy scalar.
    level
        The level the code must have, when the caller knows it. The result is checked
        against that level's shape (a région accepts ``1`` → ``01``, a commune refuses it).

    Returns
    -------
    str
        The canonical code: ``FR``, ``53``, ``2A``, ``971``, ``29151``, ``242900835``.

    Raises
    ------
    InvalidCodeError
        For an empty cell, junk text, a number of the wrong length, or a code whose shape
        does not fit ``level``. The message is in French and says what was expected.

    Examples
    --------
    >>> normalize_code("2a004")
    '2A004'
    >>> normalize_code(1, level="region")
    '01'
    >>> try:
    ...     normalize_code("29", level="commune")
    ... except InvalidCodeError as error:
    ...     print(error)
    « 29 » n’est pas un code de commune (5 caractères, ex. 29151, 2A004).
    """
    wanted = None if level is None else parse_level(level)
    text = _as_text(value)
    code = _shape_code(text)
    if wanted is not None and wanted not in _levels_of_shape(code):
        raise InvalidCodeError(
            f"« {text.strip()} » n’est pas un code de {level_label(wanted)} "
            f"({_LEVEL_SHAPES[wanted]})."
        )
    return code


def territory_level_of_code(value: object) -> Level:
    """Guess the level of a code from its shape alone.

    Two-character codes are taken as départements: région codes have the same shape
    (``53`` is the Bretagne région and the Mayenne département), and départements are
    what files name far more often. Pass ``level=`` to the resolver to mean a région.
    A five-character code is a commune here, though it may also be a postal code.

    Parameters
    ----------
    value
        A code in any form :func:`normalize_code` accepts.

    Returns
    -------
    Level
        The level a code of that shape most likely has.

    Raises
    ------
    InvalidCodeError
        When ``value`` is not a territory code.

    Examples
    --------
    >>> territory_level_of_code("FR")
    <Level.COUNTRY: 'country'>
    >>> territory_level_of_code(29)
    <Level.DEPARTEMENT: 'departement'>
    >>> territory_level_of_code("242900835")
    <Level.EPCI: 'epci'>
    >>> territory_level_of_code(29151.0)
    <Level.COMMUNE: 'commune'>
    """
    return _levels_of_shape(normalize_code(value))[0]


def levels_of_code(code: str) -> tuple[Level, ...]:
    """Return every level a canonical code's shape allows, the likeliest first.

    Examples
    --------
    >>> levels_of_code("53")
    (<Level.DEPARTEMENT: 'departement'>, <Level.REGION: 'region'>)
    >>> levels_of_code("2A")
    (<Level.DEPARTEMENT: 'departement'>,)
    """
    return _levels_of_shape(code)
