"""Probable duplicates: records that name the same organisation in the same territory.

An import that does not give a row's identifier would otherwise add a second record
beside the one the dataset already has (``France Active Bretagne`` beside
``fa_bretagne``), and the coverage map would count an overlap that does not exist.
Two records are probable duplicates when their names have the same :func:`name_key`
(case, accents, spaces, punctuation and small words aside: ``TAG 29`` and ``TAg29``)
and their territories have a commune in common (a national record meets every other).

Examples
--------
>>> from fresque.geo.territories import default_territories
>>> from fresque.model import Structure
>>> tag = Structure(id="tag29", name="TAg29", kind="support_structure",
...                 territory_level="departement", territory_codes=["29"])
>>> index = DuplicateIndex([tag], default_territories())
>>> row = Structure(id="tag_29", name="TAG 29", kind="support_structure",
...                 territory_level="epci", territory_codes=["242900835"])
>>> [s.id for s in index.matches(row)]
['tag29']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Generic, TypeVar

from fresque.geo.territories import Territories, normalize_name
from fresque.model import Structure

__all__ = ["DuplicateIndex", "name_key"]

_SMALL_WORDS = frozenset({"de", "la", "le", "les", "du", "des", "d", "l", "et", "a", "en"})

_T = TypeVar("_T")


def name_key(name: str) -> str:
    """Return a name as duplicates are compared: lowercase letters and digits, without
    accents, spaces, punctuation or small words (``de``, ``la``, ``du``…).

    Examples
    --------
    >>> name_key("TAG 29"), name_key("TAg29")
    ('tag29', 'tag29')
    >>> name_key("ADESS Pays de Morlaix") == name_key("Adess du Pays de Morlaix")
    True
    """
    return "".join(w for w in normalize_name(name).split() if w not in _SMALL_WORDS)


class DuplicateIndex(Generic[_T]):
    """Records by name, to find the probable duplicates of another record.

    Parameters
    ----------
    structures
        The records to search.
    territories
        The reference geography (to tell whether two territories meet).
    payloads
        Something to return with each record (its row, say); the record itself if
        not given.
    """

    def __init__(
        self,
        structures: Iterable[Structure],
        territories: Territories,
        payloads: Iterable[_T] | None = None,
    ) -> None:
        self._territories = territories
        self._by_key: dict[str, list[tuple[Structure, object]]] = defaultdict(list)
        items = list(structures)
        extra = list(payloads) if payloads is not None else items
        for structure, payload in zip(items, extra, strict=True):
            self.add(structure, payload)

    def add(self, structure: Structure, payload: object = None) -> None:
        """Add a record (with what :meth:`matches` returns for it)."""
        key = name_key(structure.name)
        if key:
            self._by_key[key].append((structure, structure if payload is None else payload))

    def matches(self, structure: Structure) -> list[_T]:
        """The payloads of the records that may be ``structure`` under another id:
        same :func:`name_key`, a territory in common, a different identifier."""
        found = []
        for other, payload in self._by_key.get(name_key(structure.name), ()):
            if other.id != structure.id and self._meet(structure, other):
                found.append(payload)
        return found  # type: ignore[return-value]

    def _meet(self, first: Structure, second: Structure) -> bool:
        return self._territories.share_communes(_refs(first), _refs(second))


def _refs(structure: Structure) -> list[tuple[str, str]]:
    return [(structure.territory_level.value, code) for code in structure.territory_codes]
