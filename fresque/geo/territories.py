"""The French territories: find them by code, name or postal code, and walk their hierarchy.

:class:`Territories` loads the reference geography built by ``fresque geo build`` (see
``data/geo/SCHEMA.md``) and answers the questions every other module asks: which
territory does this cell of a spreadsheet mean, which communes does it hold, what lies
above it.

How text is read, in order:

1. **Codes** (:func:`fresque.geo.codes.normalize_code` mends them first): ``FR``, ``53``,
   ``29``, ``2A``, ``971``, ``29151``, ``242900835``. A two-character code is a
   département unless ``level="region"`` says otherwise (the two share their codes).
2. **Postal codes**: a five-digit text that is no commune code gives the communes it
   serves. A commune code wins over a postal code with the same digits: ``53100`` is the
   code of a commune *and* the postal code of Mayenne, and means the commune. Pass the
   postal code in a qualifier to mean its communes: ``"Mayenne (53100)"``.
3. **Names**, compared without accents, case or punctuation, with ``St``/``Ste`` read as
   ``Saint``/``Sainte`` and ``CC``/``CA``/``CU`` as the kinds of EPCI. A trailing
   qualifier in parentheses narrows homonyms down: ``"Saint-Denis (93)"``,
   ``"Saint-Denis (La Réunion)"``, ``"Morlaix (29600)"``; an article in parentheses is
   put back in front (``"Havre (Le)"``). A name missing its article is found too
   (``"Abergement-Clémenciat"``), and so is an EPCI without its kind or by its acronym
   (``"Morlaix Communauté"`` for ``CA Morlaix Communauté``, ``"CARENE"``).

A label (:attr:`Territory.label`: ``"Saint-Denis (93)"``, ``"Mayenne (département 53)"``)
always reads back as its territory.

Examples
--------
>>> from fresque.geo.territories import default_territories
>>> territories = default_territories()
>>> territories.get("finistere").label
'Finistère (département 29)'
>>> [t.label for t in territories.parents("29151")]  # doctest: +NORMALIZE_WHITESPACE
['CA Morlaix Communauté (EPCI 242900835)', 'Finistère (département 29)',
 'Bretagne (région 53)', 'France']
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fresque.geo.codes import (
    InvalidCodeError,
    level_label,
    levels_of_code,
    normalize_code,
    parse_level,
)
from fresque.model import Level
from fresque.paths import geo_dir

__all__ = [
    "AmbiguousTerritoryError",
    "Territories",
    "Territory",
    "TerritoryError",
    "TerritoryRef",
    "UnknownTerritoryError",
    "default_territories",
    "normalize_name",
    "normalize_names",
]

#: Levels from the widest to the narrowest.
LEVEL_ORDER: tuple[Level, ...] = (
    Level.COUNTRY,
    Level.REGION,
    Level.DEPARTEMENT,
    Level.EPCI,
    Level.COMMUNE,
)
_RANK = {level: rank for rank, level in enumerate(LEVEL_ORDER)}

COMMUNE_COLUMNS = ("code", "name", "population", "epci", "departement", "region")
TABLE_COLUMNS = ("level", "code", "name", "parent", "departements", "region", "population")
POSTAL_COLUMNS = ("postal_code", "commune")
_COMMUNE_NUMBERS = ("population", "lon", "lat", "x", "y", "area_km2")
_TABLE_NUMBERS = ("population", "area_km2", "lon", "lat")
_MAX_LISTED = 10
_NONE_OF = {
    Level.COUNTRY: "Aucun pays",
    Level.REGION: "Aucune région",
    Level.DEPARTEMENT: "Aucun département",
    Level.EPCI: "Aucun EPCI",
    Level.COMMUNE: "Aucune commune",
}
_NAMED = {Level.REGION: "nommée", Level.COMMUNE: "nommée"}


class TerritoryError(ValueError):
    """A text or code that does not designate one territory (its message is in French)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownTerritoryError(TerritoryError, KeyError):
    """No territory matches. ``suggestions`` holds close matches, best first.

    It is also a :class:`KeyError`, so ``territories[code]`` behaves like a mapping.
    """

    def __init__(self, message: str, query: object = None, suggestions: Iterable[Territory] = ()):
        super().__init__(message)
        self.query = query
        self.suggestions: list[Territory] = list(suggestions)


class AmbiguousTerritoryError(TerritoryError):
    """Several territories match where one was expected; ``candidates`` lists them."""

    def __init__(self, message: str, query: object = None, candidates: Iterable[Territory] = ()):
        super().__init__(message)
        self.query = query
        self.candidates: list[Territory] = list(candidates)


@dataclass(frozen=True, slots=True)
class Territory:
    """One territory: a commune, an EPCI, a département, a région or the country.

    Attributes
    ----------
    level
        Its administrative level.
    code
        Its INSEE code (SIREN for an EPCI, ``FR`` for the country).
    name
        Its official name, with article and accents (``L'Abergement-Clémenciat``).
    population
        Population municipale (summed for groupings), ``None`` when unknown.
    parent
        Code of the territory right above it: for a commune its EPCI (its département for
        the four island communes outside any EPCI), for an EPCI the département holding
        most of its population, for a département its région, for a région ``FR``;
        ``None`` for the country.
    """

    level: Level
    code: str
    name: str
    population: int | None
    parent: str | None

    @property
    def departement(self) -> str | None:
        """Code of the département it lies in (an EPCI's main one); ``None`` above."""
        if self.level is Level.COMMUNE:
            return self.code[:3] if self.code.startswith("97") else self.code[:2]
        if self.level is Level.DEPARTEMENT:
            return self.code
        if self.level is Level.EPCI:
            return self.parent
        return None

    @property
    def label(self) -> str:
        """Name and what tells it apart: ``Saint-Denis (93)``, ``Finistère (département 29)``."""
        if self.level is Level.COMMUNE:
            return f"{self.name} ({self.departement})"
        if self.level is Level.COUNTRY:
            return self.name
        return f"{self.name} ({level_label(self.level)} {self.code})"

    def __str__(self) -> str:
        return self.label


#: What the lookup methods accept: a Territory, a code, or a ``(level, code)`` pair.
TerritoryRef = Territory | str | int | tuple[Level | str, object]


# --- name normalisation -------------------------------------------------------------------

# Letters NFKD does not decompose, and punctuation outside ASCII that separates words.
_SPECIAL_CHARACTERS = {
    "œ": "oe",
    "Œ": "oe",
    "æ": "ae",
    "Æ": "ae",
    "ß": "ss",
    "ø": "o",
    "Ø": "o",
    "đ": "d",
    "Đ": "d",
    "ł": "l",
    "Ł": "l",
    "ı": "i",
    "’": " ",
    "‘": " ",
    "´": " ",
    "‐": " ",
    "‑": " ",
    "‒": " ",
    "–": " ",
    "—": " ",
    "«": " ",
    "»": " ",
    "“": " ",
    "”": " ",
}
_WORD_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789\n"
# ASCII bytes: letters lowercased, digits and line breaks kept, anything else a space.
_BYTE_TABLE = bytes(
    byte if byte in _WORD_BYTES else byte + 32 if 65 <= byte <= 90 else 32 for byte in range(256)
)
_SPACES = re.compile(rb" {2,}")
_SUR = re.compile(r"\bs/", re.IGNORECASE)
_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "stes": "saintes",
    "cc": "communaute de communes",
    "ca": "communaute d agglomeration",
    "cu": "communaute urbaine",
}
_ABBREVIATION_BYTES = [
    (f" {short} ".encode(), f" {long} ".encode()) for short, long in _ABBREVIATIONS.items()
]
_ARTICLES = frozenset({"le", "la", "les", "l"})
_QUALIFIER = re.compile(r"^(?P<name>.*\S)\s*\((?P<qualifier>[^()]*)\)\s*$")
_LEVEL_WORD = re.compile(r"^(?P<level>commune|epci|departement|region|dep|dept)\s+(?P<rest>.+)$")


def normalize_name(text: str) -> str:
    """Return the comparison key of a place name: lowercase ASCII words, abbreviations spelled out.

    Accents, case, hyphens, apostrophes and punctuation do not count; ``St``, ``Ste``,
    ``s/`` read as ``saint``, ``sainte``, ``sur``; ``CC``, ``CA``, ``CU`` as the kinds of
    EPCI.

    Parameters
    ----------
    text
        A name as typed or as written in a file.

    Returns
    -------
    str
        The key, words separated by single spaces.

    Examples
    --------
    >>> normalize_name("St-Étienne")
    'saint etienne'
    >>> normalize_name("  L’ABERGEMENT-CLÉMENCIAT ")
    'l abergement clemenciat'
    >>> normalize_name("Châlons s/ Marne") == normalize_name("Châlons-sur-Marne")
    True
    """
    return normalize_names([text.replace("\n", " ")])[0]


def normalize_names(texts: Sequence[str]) -> list[str]:
    """Return :func:`normalize_name` of each text (no text may hold a line break).

    Works on all texts at once, about ten times faster than one by one.

    Examples
    --------
    >>> normalize_names(["Ste-Sève", "MORLAIX"])
    ['sainte seve', 'morlaix']
    """
    blob = "\n".join(texts)
    if "/" in blob:
        blob = _SUR.sub(" sur ", blob)
    if not blob.isascii():
        for char, replacement in _SPECIAL_CHARACTERS.items():
            if char in blob:
                blob = blob.replace(char, replacement)
        blob = unicodedata.normalize("NFKD", blob)
    data = blob.encode("ascii", "ignore").translate(_BYTE_TABLE)
    data = _SPACES.sub(b" ", b" " + data.replace(b"\n", b" \n ") + b" ")
    for short, long in _ABBREVIATION_BYTES:
        if short in data:
            data = data.replace(short, long).replace(short, long)
    keys = [key.strip() for key in data.decode("ascii").split("\n")]
    if len(keys) != len(texts):
        raise ValueError("normalize_names: a text holds a line break.")
    return keys


_ARTICLE_START = re.compile(r"^(?:le|la|les|l) (?=.)", re.MULTILINE)


def _without_article(key: str) -> str:
    return _ARTICLE_START.sub("", key, count=1)


_EPCI_KIND = re.compile(
    r"^(?:communaute (?:de communes|d agglomeration|urbaine)|metropole) "
    r"(?:(?:du|de la|de l|des|de|d) )?(?=.)",
    re.MULTILINE,
)


def _epci_variants(names: Sequence[str]) -> list[tuple[int, str]]:
    """Other keys of EPCI names: without their kind (``CA``…) or acronym, and the acronym.

    Returns ``(index in names, key)`` pairs.
    """
    indices: list[int] = []
    texts: list[str] = []
    for i, name in enumerate(names):
        match = _QUALIFIER.match(name)
        parts = (name, match.group("name"), match.group("qualifier")) if match else (name,)
        indices += [i] * len(parts)
        texts += parts
    keys = normalize_names(texts)
    shorter = _EPCI_KIND.sub("", "\n".join(keys)).split("\n")
    return [*zip(indices, keys, strict=True), *zip(indices, shorter, strict=True)]


# --- loading ------------------------------------------------------------------------------


def _read_csv(path: Path, columns: tuple[str, ...], numbers: tuple[str, ...]) -> pd.DataFrame:
    if not path.exists():
        raise FileNotFoundError(
            f"Géographie de référence introuvable : {path} n’existe pas. "
            "Lancez « fresque geo build » pour la construire."
        )
    header = pd.read_csv(path, nrows=0).columns
    missing = [c for c in columns if c not in header]
    if missing:
        raise TerritoryError(f"{path.name} : colonnes manquantes : {', '.join(missing)}.")
    numeric = [c for c in numbers if c in header]
    frame = pd.read_csv(
        path,
        dtype={c: str for c in header if c not in numeric},
        keep_default_na=False,
        na_values={c: [""] for c in numeric},
    )
    if "population" in frame.columns:
        frame["population"] = frame["population"].astype("Int64")
    return frame


class _Groups:
    """Row positions grouped by value, built with one hash pass and one integer sort."""

    __slots__ = ("_bounds", "_index", "_order")

    def __init__(self, values: Sequence[str] | np.ndarray) -> None:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        self._order = np.argsort(codes, kind="stable")
        self._order.flags.writeable = False
        self._bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=len(uniques)))]
        self._index = dict(zip(uniques.tolist(), range(len(uniques)), strict=True))

    def get(self, key: str) -> np.ndarray | None:
        """Ascending, read-only positions of the rows holding ``key``; ``None`` if none."""
        i = self._index.get(key)
        return None if i is None else self._order[self._bounds[i] : self._bounds[i + 1]]

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def keys(self) -> list[str]:
        """The distinct values."""
        return list(self._index)


class Territories:
    """The French territories, with their codes, names, postal codes and hierarchy.

    Build it with :meth:`load` (or :func:`default_territories` for the shared instance).

    Parameters
    ----------
    communes, table, postal_codes
        The three tables of ``SCHEMA.md``: ``communes.csv``, ``territories.csv``,
        ``postal_codes.csv``, with codes as text.

    Attributes
    ----------
    communes : pandas.DataFrame
        One row per commune, sorted by code (``communes.csv``).
    table : pandas.DataFrame
        Country, régions, départements and EPCI (``territories.csv``).
    postal_codes : pandas.DataFrame
        ``postal_code``, ``commune`` pairs.

    The indexes are built from these tables once: treat them as read-only.

    Examples
    --------
    >>> territories = default_territories()
    >>> "29" in territories, "99" in territories
    (True, False)
    >>> territories["2a"].name
    'Corse-du-Sud'
    >>> territories.get("St Etienne").code
    '42218'
    >>> sorted(t.code for t in territories.resolve("Saint-Denis"))[-2:]
    ['93066', '97411']
    >>> territories.get("Saint-Denis (93)").code
    '93066'
    >>> territories.level_of("242900835")
    <Level.EPCI: 'epci'>
    >>> "29151" in territories.communes_of("242900835")
    True
    """

    def __init__(
        self, communes: pd.DataFrame, table: pd.DataFrame, postal_codes: pd.DataFrame
    ) -> None:
        self.communes = communes
        self.table = table
        self.postal_codes = postal_codes

        self._commune_codes = communes["code"].to_numpy(dtype=object)
        self._commune_epci = communes["epci"].to_numpy(dtype=object)
        self._commune_departement = communes["departement"].to_numpy(dtype=object)
        self._commune_position = dict(
            zip(self._commune_codes.tolist(), range(len(communes)), strict=True)
        )
        self._all_communes = np.arange(len(communes))
        self._all_communes.flags.writeable = False
        self._members = {
            Level.EPCI: _Groups(self._commune_epci),
            Level.DEPARTEMENT: _Groups(self._commune_departement),
            Level.REGION: _Groups(communes["region"].to_numpy(dtype=object)),
        }

        self._row_level = [Level(value) for value in table["level"]]
        self._row_code = table["code"].to_numpy(dtype=object)
        self._row_parent = table["parent"].to_numpy(dtype=object)
        pairs = zip(self._row_level, self._row_code.tolist(), strict=True)
        self._row_position = {pair: i for i, pair in enumerate(pairs)}

        # A "place" is a commune (positions 0..n-1) or a row of the table (n and after).
        self._place_level = [Level.COMMUNE] * len(communes) + self._row_level
        self._place_code = np.concatenate([self._commune_codes, self._row_code])
        self._place_name = np.concatenate(
            [communes["name"].to_numpy(dtype=object), table["name"].to_numpy(dtype=object)]
        )
        self._place_population = np.concatenate(
            [
                communes["population"].to_numpy(dtype=object, na_value=None),
                table["population"].to_numpy(dtype=object, na_value=None),
            ]
        )
        self._place_parent = np.concatenate(
            [
                np.where(self._commune_epci != "", self._commune_epci, self._commune_departement),
                self._row_parent,
            ]
        )
        self._build_name_index()

        postal_communes = pd.Index(communes["code"]).get_indexer(postal_codes["commune"])
        known = postal_communes >= 0
        by_commune = np.argsort(postal_communes[known], kind="stable")
        self._postal_communes = postal_communes[known][by_commune]
        self._postal_values = postal_codes["postal_code"].to_numpy(dtype=object)[known][by_commune]
        self._postal = _Groups(self._postal_values)

    def _build_name_index(self) -> None:
        names = self._place_name.tolist()
        keys = normalize_names(names)
        self._exact = _Groups(keys)
        without_article = _ARTICLE_START.sub("", "\n".join(keys)).split("\n")
        bare_places = [i for i, key in enumerate(keys) if without_article[i] != key]
        bare_keys = [without_article[i] for i in bare_places]
        epci_places = [i for i, level in enumerate(self._place_level) if level is Level.EPCI]
        for j, key in _epci_variants([names[i] for i in epci_places]):
            if key and key != keys[epci_places[j]]:
                bare_places.append(epci_places[j])
                bare_keys.append(key)
        self._bare_places = np.array(bare_places, dtype=np.intp)
        self._bare = _Groups(bare_keys)
        ranks = np.array([_RANK[level] for level in self._place_level])
        key_array = np.array(keys, dtype=object)
        bare_array = np.array(bare_keys, dtype=object)
        bare_ranks = ranks[self._bare_places]
        self._keys_by_level: dict[Level | None, list[str]] = {
            None: pd.unique(np.concatenate([key_array, bare_array])).tolist()
        }
        for level in LEVEL_ORDER:
            self._keys_by_level[level] = pd.unique(
                np.concatenate(
                    [key_array[ranks == _RANK[level]], bare_array[bare_ranks == _RANK[level]]]
                )
            ).tolist()

    def __repr__(self) -> str:
        counts = pd.Series(self._place_level).value_counts()
        parts = [f"{counts.get(level, 0)} {level.value}" for level in LEVEL_ORDER[1:]]
        return f"<Territories: {', '.join(parts)}>"

    # --- construction -------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path | None = None) -> Territories:
        """Read the reference geography from ``path`` (default: ``data/geo``).

        Parameters
        ----------
        path
            Folder holding ``communes.csv``, ``territories.csv`` and ``postal_codes.csv``.

        Returns
        -------
        Territories
            A fresh instance (use :func:`default_territories` to share one).

        Raises
        ------
        FileNotFoundError
            When a file is missing: run ``fresque geo build``.
        TerritoryError
            When a file lacks a column of the contract.
        """
        folder = Path(path) if path is not None else geo_dir()
        communes = _read_csv(folder / "communes.csv", COMMUNE_COLUMNS, _COMMUNE_NUMBERS)
        table = _read_csv(folder / "territories.csv", TABLE_COLUMNS, _TABLE_NUMBERS)
        postal = _read_csv(folder / "postal_codes.csv", POSTAL_COLUMNS, ())
        return cls(communes, table, postal)

    # --- single territories -------------------------------------------------------------

    def _place(self, level: Level, code: str) -> int | None:
        if level is Level.COMMUNE:
            return self._commune_position.get(code)
        i = self._row_position.get((level, code))
        return None if i is None else len(self._commune_codes) + i

    def _exists(self, level: Level, code: str) -> bool:
        return self._place(level, code) is not None

    def _make_place(self, i: int) -> Territory:
        population = self._place_population[i]
        return Territory(
            self._place_level[i],
            self._place_code[i],
            self._place_name[i],
            None if population is None else int(population),
            self._place_parent[i] or None,
        )

    def _make(self, level: Level, code: str) -> Territory:
        i = self._place(level, code)
        if i is None:
            raise self._unknown_code(code, level, code)
        return self._make_place(i)

    def _unknown_code(self, code: str, level: Level | None, query: object) -> UnknownTerritoryError:
        message = f"{_NONE_OF[level] if level else 'Aucun territoire'} de code « {code} »."
        suggestions: list[Territory] = []
        if code == "20":
            suggestions = [
                self._make(Level.DEPARTEMENT, c)
                for c in ("2A", "2B")
                if self._exists(Level.DEPARTEMENT, c)
            ]
            message += " La Corse a deux départements depuis 1976 : 2A et 2B."
        elif len(code) == 5 and level in (None, Level.COMMUNE):
            message = (
                f"Aucune commune ni aucun code postal « {code} ». Le code INSEE d’une "
                "commune fusionnée n’est plus valable : prenez celui de la commune nouvelle."
            )
        if suggestions:
            message += f" Vouliez-vous dire : {self._listing(suggestions)} ?"
        return UnknownTerritoryError(message, query, suggestions)

    def _territory(self, ref: TerritoryRef) -> Territory:
        if isinstance(ref, Territory):
            if not self._exists(ref.level, ref.code):
                raise self._unknown_code(ref.code, ref.level, ref)
            return ref
        level: Level | None = None
        value: object = ref
        if isinstance(ref, tuple):
            if len(ref) != 2:
                raise UnknownTerritoryError(
                    f"Référence de territoire invalide : {ref!r} (attendu : (niveau, code)).", ref
                )
            try:
                level = parse_level(ref[0])
            except InvalidCodeError as error:
                raise UnknownTerritoryError(str(error), ref) from error
            value = ref[1]
        try:
            code = normalize_code(value, level)
        except InvalidCodeError as error:
            raise UnknownTerritoryError(str(error), ref) from error
        for candidate in (level,) if level else levels_of_code(code):
            if self._exists(candidate, code):
                return self._make(candidate, code)
        raise self._unknown_code(code, level, ref)

    def __getitem__(self, ref: TerritoryRef) -> Territory:
        """Return the territory of a code (``"29"``, ``1``, ``("region", "53")``).

        Raises
        ------
        UnknownTerritoryError
            (also a ``KeyError``) when no territory has that code.
        """
        return self._territory(ref)

    def __contains__(self, ref: object) -> bool:
        """Whether ``ref`` is the code of a territory (names and postal codes are not)."""
        try:
            self._territory(ref)  # type: ignore[arg-type]
        except TerritoryError:
            return False
        return True

    def level_of(self, ref: TerritoryRef) -> Level:
        """Return the level of an existing code (a two-character code is a département).

        Examples
        --------
        >>> default_territories().level_of("971")
        <Level.DEPARTEMENT: 'departement'>
        """
        return self._territory(ref).level

    # --- hierarchy ----------------------------------------------------------------------

    def parents(self, ref: TerritoryRef) -> list[Territory]:
        """Return the territories above ``ref``, nearest first, up to ``FR``.

        A commune gives its EPCI (when it has one), its département, its région and
        ``FR``; an EPCI gives the département holding most of its population, then that
        département's région and ``FR``.

        Examples
        --------
        >>> [t.code for t in default_territories().parents("242900835")]
        ['29', '53', 'FR']
        """
        territory = self._territory(ref)
        chain: list[Territory] = []
        if territory.level is Level.COMMUNE:
            i = self._commune_position[territory.code]
            if self._commune_epci[i]:
                chain.append(self._make(Level.EPCI, self._commune_epci[i]))
            chain.append(self._make(Level.DEPARTEMENT, self._commune_departement[i]))
            territory = chain[-1]
        above = {
            Level.EPCI: Level.DEPARTEMENT,
            Level.DEPARTEMENT: Level.REGION,
            Level.REGION: Level.COUNTRY,
        }
        while territory.level in above and territory.parent:
            territory = self._make(above[territory.level], territory.parent)
            chain.append(territory)
        return chain

    def children(self, ref: TerritoryRef, level: Level | str) -> list[Territory]:
        """Return the territories of ``level`` inside ``ref``, sorted by code.

        Communes are inside their EPCI, département, région. An EPCI counts under the
        département holding most of its population (the one :meth:`parents` gives), so
        the EPCI of a département never repeat in its neighbour.

        Parameters
        ----------
        ref
            The territory above (``"FR"``, ``("region", "53")``, ``"29"``…).
        level
            The level of the territories wanted, below ``ref``'s.

        Raises
        ------
        TerritoryError
            When ``level`` is not below ``ref``'s level.

        Examples
        --------
        >>> territories = default_territories()
        >>> [t.name for t in territories.children(("region", "53"), "departement")]
        ["Côtes-d'Armor", 'Finistère', 'Ille-et-Vilaine', 'Morbihan']
        >>> len(territories.children("FR", "region"))
        18
        """
        territory = self._territory(ref)
        wanted = parse_level(level)
        if _RANK[wanted] <= _RANK[territory.level]:
            hint = ""
            if territory.level is Level.DEPARTEMENT and wanted is Level.DEPARTEMENT:
                hint = (
                    f" Pour la région de code {territory.code}, passez "
                    f'("region", "{territory.code}").'
                )
            raise TerritoryError(
                f"Pas de {level_label(wanted)} sous {territory.label} : "
                f"le niveau demandé doit être plus fin.{hint}"
            )
        if wanted is Level.COMMUNE:
            return [self._make_place(int(i)) for i in self.commune_positions(territory)]
        rows = [i for i, row_level in enumerate(self._row_level) if row_level is wanted]
        if territory.level is not Level.COUNTRY:
            rows = [i for i in rows if self._is_under(wanted, i, territory)]
        return sorted((self._make(wanted, self._row_code[i]) for i in rows), key=lambda t: t.code)

    def _is_under(self, level: Level, row: int, territory: Territory) -> bool:
        parent = self._row_parent[row]
        if level is Level.DEPARTEMENT:
            return parent == territory.code
        if territory.level is Level.DEPARTEMENT:
            return parent == territory.code
        return self._make(Level.DEPARTEMENT, parent).parent == territory.code

    def commune_positions(self, ref: TerritoryRef) -> np.ndarray:
        """Return the row positions in :attr:`communes` of the communes inside ``ref``.

        Precomputed, read-only and sorted: the fast path for coverage computations.
        """
        territory = self._territory(ref)
        if territory.level is Level.COUNTRY:
            return self._all_communes
        if territory.level is Level.COMMUNE:
            return np.array([self._commune_position[territory.code]])
        positions = self._members[territory.level].get(territory.code)
        return np.empty(0, dtype=np.intp) if positions is None else positions

    def communes_of(self, ref: TerritoryRef) -> list[str]:
        """Return the codes of the communes inside ``ref``, sorted.

        Examples
        --------
        >>> len(default_territories().communes_of("FR"))
        34875
        """
        return self._commune_codes[self.commune_positions(ref)].tolist()

    def postal_codes_of(self, ref: TerritoryRef) -> list[str]:
        """Return the postal codes of a commune, sorted.

        Examples
        --------
        >>> default_territories().postal_codes_of("29151")
        ['29600']
        """
        territory = self._territory(ref)
        if territory.level is not Level.COMMUNE:
            raise TerritoryError(f"{territory.label} n’est pas une commune.")
        i = self._commune_position[territory.code]
        start, end = np.searchsorted(self._postal_communes, [i, i + 1])
        return sorted(set(self._postal_values[start:end].tolist()))

    def communes_of_postal_code(self, code: str | int) -> list[Territory]:
        """Return the communes a postal code serves, sorted by code (none if unknown).

        Unlike :meth:`resolve`, five digits here are always a postal code, even when a
        commune has the same code. A postal code that lost its leading zero in a
        spreadsheet (``1000`` for ``01000``) is mended.

        Examples
        --------
        >>> [t.label for t in default_territories().communes_of_postal_code("82400")][:2]
        ['Castelsagrat (82)', 'Espalais (82)']
        """
        text = str(code).strip()
        if text.endswith(".0"):
            text = text[:-2]
        if text.isdigit() and len(text) == 4:
            text = "0" + text
        positions = self._postal.get(text)
        if positions is None:
            return []
        return [self._make_place(int(i)) for i in sorted(set(self._postal_communes[positions]))]

    # --- resolution ---------------------------------------------------------------------

    def resolve(
        self,
        text: str | int | float,
        level: Level | str | None = None,
        within: TerritoryRef | None = None,
    ) -> list[Territory]:
        """Return every territory ``text`` may designate, sorted by level then code.

        Parameters
        ----------
        text
            A code (``"29"``, ``1``, ``"2a"``, ``"971"``, ``"29151"``, ``"242900835"``,
            ``"FR"``), a postal code (``"29600"``: its communes) or a name (``"Finistère"``,
            ``"finistere"``, ``"St Etienne"``, ``"Saint-Denis (93)"``).
            A five-digit text that is a commune code means that commune, never the postal
            code with the same digits.
        level
            Keep only territories of this level (and read two-digit codes as régions
            with ``level="region"``).
        within
            Keep only territories lying at least partly in this one (a code, a name, a
            :class:`Territory`); a territory inside it comes before the territory itself.

        Returns
        -------
        list of Territory
            One or more territories; homonyms are all returned.

        Raises
        ------
        UnknownTerritoryError
            When nothing matches; its message and ``suggestions`` name close matches.

        Examples
        --------
        >>> territories = default_territories()
        >>> [t.code for t in territories.resolve(29)]
        ['29']
        >>> [t.code for t in territories.resolve("53", level="region")]
        ['53']
        >>> "29151" in [t.code for t in territories.resolve("29600")]
        True
        >>> [t.code for t in territories.resolve("Saint-Denis", within="974")]
        ['97411']
        """
        wanted = parse_level(level) if level is not None else None
        found = self._match(text, wanted)
        if within is not None:
            found = self._narrow(found, self._scope(within), text, within)
        return found

    def get(
        self,
        text: str | int | float,
        level: Level | str | None = None,
        within: TerritoryRef | None = None,
    ) -> Territory:
        """Return the one territory ``text`` designates.

        Same reading as :meth:`resolve`.

        Raises
        ------
        UnknownTerritoryError
            When nothing matches.
        AmbiguousTerritoryError
            When several territories match; the message lists them with their
            département (``Saint-Denis (93), Saint-Denis (974)…``) and ``candidates``
            holds them.

        Examples
        --------
        >>> territories = default_territories()
        >>> territories.get("Saint-Denis (974)").code
        '97411'
        >>> territories.get("Saint-Denis", within="La Réunion").code
        '97411'
        """
        found = self.resolve(text, level=level, within=within)
        if len(found) == 1:
            return found[0]
        raise AmbiguousTerritoryError(self._ambiguity_message(text, found), text, found)

    def _ambiguity_message(self, text: object, found: list[Territory]) -> str:
        listing = self._listing(found)
        if all(t.level is Level.COMMUNE for t in found) and _looks_postal(text):
            return (
                f"Le code postal {text} couvre {len(found)} communes : {listing}. "
                "Précisez la commune par son nom ou son code INSEE."
            )
        example = next((t.label for t in found if t.level is Level.COMMUNE), None)
        advice = (
            f"Précisez le département entre parenthèses (ex. « {example} »)"
            if example
            else "Précisez le code"
        )
        levels = {t.level for t in found}
        if len(levels) > 1:
            advice += ", ou le niveau (level=…)"
        return (
            f"« {text} » désigne {len(found)} territoires : {listing}. "
            f"{advice}, ou passez within=…."
        )

    @staticmethod
    def _listing(territories: list[Territory]) -> str:
        labels = [t.label for t in territories[:_MAX_LISTED]]
        listing = ", ".join(labels)
        if len(territories) > _MAX_LISTED:
            listing += f"… ({len(territories)} au total)"
        return listing

    def _match(self, text: object, level: Level | None) -> list[Territory]:
        if isinstance(text, Territory):
            return [self._territory(text)]
        if not isinstance(text, str):
            return self._match_code(text, level)
        if not text.strip():
            raise UnknownTerritoryError("Territoire vide : rien à chercher.", text)
        try:
            normalize_code(text)
        except InvalidCodeError:
            return self._match_name(text, level)
        return self._match_code(text, level)

    def _match_code(self, value: object, level: Level | None) -> list[Territory]:
        try:
            code = normalize_code(value, level)
        except InvalidCodeError as error:
            raise UnknownTerritoryError(str(error), value) from error
        for candidate in (level,) if level else levels_of_code(code):
            if self._exists(candidate, code):
                return [self._make(candidate, code)]
        postal = self._postal.get(code) if level in (None, Level.COMMUNE) else None
        if postal is not None:
            return [self._make_place(i) for i in self._postal_communes[postal]]
        raise self._unknown_code(code, level, value)

    def _places_named(self, key: str, level: Level | None) -> list[int]:
        """Places whose name has ``key``; failing that, those known without an article."""
        exact = self._exact.get(key)
        bare = self._bare.get(key)
        stripped = _without_article(key)
        bare_stripped = self._bare.get(stripped) if stripped != key else None
        for places in (
            exact,
            None if bare is None else self._bare_places[bare],
            None if bare_stripped is None else self._bare_places[bare_stripped],
        ):
            if places is None:
                continue
            found = [int(i) for i in places if level is None or self._place_level[i] is level]
            if found:
                return list(dict.fromkeys(found))
        return []

    def _lookup(self, key: str, level: Level | None) -> list[Territory]:
        found = [self._make_place(i) for i in self._places_named(key, level)]
        return sorted(found, key=_sort_key)

    def _match_name(self, text: str, level: Level | None) -> list[Territory]:
        found = self._lookup(normalize_name(text), level)
        if found:
            return found
        match = _QUALIFIER.match(text)
        if match:
            name, qualifier = match.group("name"), match.group("qualifier").strip()
            qualifier_key = normalize_name(qualifier)
            if qualifier_key in _ARTICLES:
                found = self._lookup(f"{qualifier_key} {normalize_name(name)}", level)
                if found:
                    return found
            else:
                found = self._lookup(normalize_name(name), level)
                if found:
                    try:
                        scope = self._scope(qualifier)
                    except UnknownTerritoryError as error:
                        raise UnknownTerritoryError(
                            f"« {text.strip()} » : la précision entre parenthèses n’est pas "
                            f"reconnue. {error}",
                            text,
                            error.suggestions,
                        ) from error
                    explicit = _LEVEL_WORD.match(qualifier_key) is not None
                    return self._narrow(found, scope, name.strip(), qualifier, explicit)
        raise self._unknown_name(text, level)

    def _unknown_name(self, text: str, level: Level | None) -> UnknownTerritoryError:
        suggestions = self.suggest(text, level)
        if level:
            message = f"{_NONE_OF[level]} {_NAMED.get(level, 'nommé')} « {text.strip()} »."
        else:
            message = f"Aucun territoire nommé « {text.strip()} »."
        if suggestions:
            message += f" Vouliez-vous dire : {self._listing(suggestions)} ?"
        return UnknownTerritoryError(message, text, suggestions)

    def suggest(self, text: str, level: Level | str | None = None, n: int = 5) -> list[Territory]:
        """Return up to about ``n`` territories whose names are close to ``text``, best first.

        Names are compared on their :func:`normalize_name` keys with :mod:`difflib`.

        Examples
        --------
        >>> [t.label for t in default_territories().suggest("Finistre")][:1]
        ['Finistère (département 29)']
        """
        wanted = parse_level(level) if level is not None else None
        key = normalize_name(text)
        if not key:
            return []
        slack = max(2, len(key) // 3)
        nearby = [k for k in self._keys_by_level[wanted] if abs(len(k) - len(key)) <= slack]
        found: list[Territory] = []
        for match in difflib.get_close_matches(key, nearby, n=n, cutoff=0.75):
            found += self._lookup(match, wanted)
        if wanted in (None, Level.EPCI):
            found += [t for t in self._epci_sharing_words(text) if t not in found]
        return found[:n]

    # --- EPCI named loosely -------------------------------------------------------------

    @functools.cached_property
    def _epci_words(self) -> list[tuple[Territory, frozenset[str]]]:
        """Each EPCI with the distinctive words of its name."""
        epci = [i for i, level in enumerate(self._place_level) if level is Level.EPCI]
        keys = normalize_names([self._place_name[i] for i in epci])
        return [
            (self._make_place(i), frozenset(_distinctive_words(key)))
            for i, key in zip(epci, keys, strict=True)
        ]

    def resolve_loosely(self, text: str) -> list[Territory]:
        """Return the EPCI whose name holds every distinctive word of ``text``.

        For names written short or in another order: ``"Guingamp-Paimpol Agglomération"``
        for ``CA Guingamp-Paimpol Agglomération de l'Armor à l'Argoat``. The kinds of EPCI
        (``communauté de communes``, ``agglomération``, ``CA``…) and articles do not
        count; at least one word must be left. Unlike :meth:`resolve`, a match is a guess:
        callers should say what they understood.

        Examples
        --------
        >>> [t.code for t in default_territories().resolve_loosely("Guingamp-Paimpol Agglo")]
        ['200067981']
        >>> default_territories().resolve_loosely("Communauté de communes")
        []
        """
        wanted = set(_distinctive_words(normalize_name(text)))
        if not wanted:
            return []
        found = [t for t, words in self._epci_words if wanted <= words]
        return sorted(found, key=_sort_key)

    def _epci_sharing_words(self, text: str, n: int = 5) -> list[Territory]:
        """EPCI whose names hold at least half the distinctive words of ``text``, most first."""
        wanted = set(_distinctive_words(normalize_name(text)))
        if not wanted:
            return []
        scored = [
            (len(wanted & words), t) for t, words in self._epci_words if len(wanted & words) > 0
        ]
        scored = [(k, t) for k, t in scored if 2 * k >= len(wanted)]
        scored.sort(key=lambda pair: (-pair[0], pair[1].code))
        return [t for _, t in scored[:n]]

    def within(self, found: Iterable[Territory], places: Iterable[Territory]) -> list[Territory]:
        """Keep the territories of ``found`` that are one of ``places`` or lie in one of them.

        An EPCI lies in a place when some of its communes do. Used to choose between
        homonyms with what else a row says (its département, its région…).

        Examples
        --------
        >>> territories = default_territories()
        >>> valences = territories.resolve("Valence", level="commune")
        >>> [t.label for t in territories.within(valences, [territories["26"]])]
        ['Valence (26)']
        """
        places = list(places)
        return [t for t in found if any(t == p or self._inside(t, p) for p in places)]

    def share_communes(self, first: Iterable[TerritoryRef], second: Iterable[TerritoryRef]) -> bool:
        """Whether two lists of territories have a commune in common (``FR`` meets all).

        Examples
        --------
        >>> territories = default_territories()
        >>> territories.share_communes(["29"], [("region", "53")])
        True
        >>> territories.share_communes(["29"], ["22"])
        False
        """
        a = [self._territory(ref) for ref in first]
        b = [self._territory(ref) for ref in second]
        if not a or not b:
            return False
        if any(t.level is Level.COUNTRY for t in (*a, *b)):
            return True
        inner = np.concatenate([self.commune_positions(t) for t in a])
        outer = np.unique(np.concatenate([self.commune_positions(t) for t in b]))
        return bool(np.isin(inner, outer, assume_unique=False).any())

    # --- within -------------------------------------------------------------------------

    def _scope(self, within: TerritoryRef | str) -> list[Territory]:
        """The territories ``within`` names.

        Five digits name both the commune with that code and the communes of that postal
        code: in ``"Morlaix (29600)"`` they are the postal code, in ``"Morlaix (29151)"``
        the commune.
        """
        if isinstance(within, Territory | tuple):
            return [self._territory(within)]
        text = within.strip() if isinstance(within, str) else within
        level = None
        if isinstance(text, str):
            level_match = _LEVEL_WORD.match(normalize_name(text))
            if level_match:
                level = parse_level(level_match.group("level"))
                text = text.split(None, 1)[1]
        places = self._postal_scope(text) if level in (None, Level.COMMUNE) else []
        return places or self.resolve(text, level=level)

    def _postal_scope(self, text: object) -> list[Territory]:
        try:
            code = normalize_code(text, Level.COMMUNE)
        except InvalidCodeError:
            return []
        postal = self._postal.get(code)
        positions = [] if postal is None else self._postal_communes[postal].tolist()
        if code in self._commune_position:
            positions.append(self._commune_position[code])
        return [self._make_place(int(i)) for i in sorted(set(positions))]

    def _inside(self, territory: Territory, place: Territory) -> bool:
        """Whether ``territory`` is finer than ``place`` and lies in it (an EPCI: partly)."""
        if _RANK[territory.level] <= _RANK[place.level]:
            return False
        if place.level is Level.COUNTRY:
            return True
        inner = self.commune_positions(territory)
        outer = self.commune_positions(place)
        if not inner.size or not outer.size:
            return False
        found = np.searchsorted(outer, inner).clip(max=outer.size - 1)
        hits = outer[found] == inner
        return bool(hits.all() or (territory.level is Level.EPCI and hits.any()))

    def _narrow(
        self,
        found: list[Territory],
        places: list[Territory],
        name: object,
        within: object,
        prefer_scope: bool = False,
    ) -> list[Territory]:
        """Keep what lies inside ``places``; failing that, ``places`` themselves.

        Several places (a postal code's communes) count as one area, so that each of them
        is inside it. With ``prefer_scope`` (a qualifier naming its level, as in the labels
        ``"Mayenne (département 53)"``), the place itself comes first.
        """
        inside = [
            t
            for t in found
            if (len(places) > 1 and t in places) or any(self._inside(t, p) for p in places)
        ]
        same = [t for t in found if len(places) == 1 and t == places[0]]
        narrowed = (same or inside) if prefer_scope else (inside or same)
        if not narrowed:
            where = places[0].label if len(places) == 1 else f"« {within} »"
            raise UnknownTerritoryError(
                f"« {name} » existe, mais pas dans {where} : {self._listing(found)}.",
                name,
                found,
            )
        return narrowed


#: Words that say what kind of EPCI a name is, or glue words: not distinctive.
_EPCI_FILLER = frozenset(
    {
        *("communaute", "communautes", "communes", "agglomeration", "agglo", "urbaine"),
        *("metropole", "cc", "ca", "cu", "epci", "intercommunalite", "interco"),
        *("de", "du", "des", "d", "la", "le", "les", "l", "a", "au", "aux", "et", "en"),
    }
)


def _distinctive_words(key: str) -> list[str]:
    return [w for w in key.split() if w not in _EPCI_FILLER]


def _sort_key(territory: Territory) -> tuple[int, str]:
    return _RANK[territory.level], territory.code


def _looks_postal(text: object) -> bool:
    try:
        return len(normalize_code(text)) == 5
    except InvalidCodeError:
        return False


@functools.cache
def default_territories() -> Territories:
    """Return the shared :class:`Territories` of ``data/geo``, loaded on first call.

    Examples
    --------
    >>> default_territories() is default_territories()
    True
    """
    return Territories.load()
