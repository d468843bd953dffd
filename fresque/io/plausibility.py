"""Records whose name and territory disagree in an obvious way.

A régional chamber given a département, a ``… départemental`` structure given a région,
``France Active Bretagne`` given a territory outside Bretagne: the record may be right,
but it is worth a look. An import reports these as warnings, never as errors.

Examples
--------
>>> from fresque.geo.territories import default_territories
>>> from fresque.model import Structure
>>> cress = Structure(id="cress_bre", name="CRESS Bretagne", kind="chamber",
...                   territory_level="departement", territory_codes=["29"])
>>> print(name_territory_disagreement(cress, default_territories()))
... # doctest: +NORMALIZE_WHITESPACE
« CRESS Bretagne » est une structure régionale (son nom, son type), mais son territoire
est à l’échelon département (Finistère (département 29)) : vérifiez l’échelon et le
territoire (la région Bretagne (53) ?).
"""

from __future__ import annotations

import functools
import re

from fresque.geo.territories import Territories, Territory, normalize_name
from fresque.model import Dispositif, Kind, Level, Structure

__all__ = ["name_territory_disagreement"]

_REGIONAL_WORDS = re.compile(r"\b(?:cress|regional|regionale|regionaux|regionales)\b")
_DEPARTMENTAL_WORDS = re.compile(
    r"\b(?:departemental|departementale|departementaux|departementales)\b"
)
_REGIONAL_DISPOSITIFS = frozenset({Dispositif.CRESS, Dispositif.DLA_REGIONAL})
_BELOW_REGION = frozenset({Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE})
_ABOVE_DEPARTEMENT = frozenset({Level.REGION, Level.COUNTRY})
_LEVEL_NOUNS = {
    Level.COUNTRY: "national",
    Level.REGION: "région",
    Level.DEPARTEMENT: "département",
    Level.EPCI: "EPCI",
    Level.COMMUNE: "commune",
}


@functools.cache
def _region_keys(territories: Territories) -> tuple[tuple[str, Territory], ...]:
    """The régions with the key of their name, longest first."""
    regions = territories.children("FR", Level.REGION)
    keys = [(f" {normalize_name(r.name)} ", r) for r in regions]
    return tuple(sorted(keys, key=lambda pair: -len(pair[0])))


def _served(structure: Structure, territories: Territories) -> list[Territory]:
    return [territories[(structure.territory_level.value, c)] for c in structure.territory_codes]


def name_territory_disagreement(structure: Structure, territories: Territories) -> str | None:
    """Say, in French, how the name of ``structure`` disagrees with its territory, if it
    obviously does; ``None`` otherwise.

    Three signs count: a régional structure (``CRESS`` or ``régional`` in its name, the
    kind chamber, the dispositifs CRESS or DLA régional) serving a département or less;
    a ``départemental`` name serving a région or more; a région named in the name that
    the territory does not touch.

    Examples
    --------
    >>> from fresque.geo.territories import default_territories
    >>> fab = Structure(id="fab", name="France Active Bretagne", kind="funder",
    ...                 territory_level="region", territory_codes=["76"])
    >>> print(name_territory_disagreement(fab, default_territories()))
    ... # doctest: +NORMALIZE_WHITESPACE
    « France Active Bretagne » cite la région Bretagne dans son nom, mais son
    territoire n’y est pas (Occitanie (région 76)) : vérifiez le territoire.
    >>> fab2 = Structure(id="fab", name="France Active Bretagne", kind="funder",
    ...                  territory_level="departement", territory_codes=["29"])
    >>> name_territory_disagreement(fab2, default_territories()) is None
    True
    """
    key = f" {normalize_name(structure.name)} "
    level = structure.territory_level
    named_region = None
    rest = key
    for region_key, region in _region_keys(territories):
        if region_key in rest:
            named_region = named_region or region
            rest = rest.replace(region_key, " ")
    try:
        served = _served(structure, territories)
    except KeyError:
        return None
    shown = ", ".join(t.label for t in served[:3]) + ("…" if len(served) > 3 else "")

    signs = []
    if _REGIONAL_WORDS.search(key):
        signs.append("son nom")
    if structure.kind is Kind.CHAMBER:
        signs.append("son type")
    if _REGIONAL_DISPOSITIFS & set(structure.dispositifs):
        signs.append("ses dispositifs")
    if signs and level in _BELOW_REGION:
        hint = ""
        if named_region is not None:
            hint = f" (la région {named_region.name} ({named_region.code}) ?)"
        return (
            f"« {structure.name} » est une structure régionale ({', '.join(signs)}), mais son "
            f"territoire est à l’échelon {_LEVEL_NOUNS[level]} ({shown}) : vérifiez l’échelon "
            f"et le territoire{hint}."
        )
    if _DEPARTMENTAL_WORDS.search(key) and level in _ABOVE_DEPARTEMENT:
        return (
            f"« {structure.name} » est une structure départementale (son nom), mais son "
            f"territoire est à l’échelon {_LEVEL_NOUNS[level]} ({shown}) : vérifiez l’échelon "
            "et le territoire."
        )
    if named_region is not None and not territories.share_communes(
        [named_region], [(level.value, c) for c in structure.territory_codes]
    ):
        return (
            f"« {structure.name} » cite la région {named_region.name} dans son nom, mais son "
            f"territoire n’y est pas ({shown}) : vérifiez le territoire."
        )
    return None
