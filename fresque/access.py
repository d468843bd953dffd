"""Accessibility: how far every commune is from the nearest located offer.

For every commune, the straight-line distance from its representative point to the
nearest *located offer* of a dispositif or a stage, the id of that offer, and, per
territory, the share of the population living beyond 20, 30 and 50 km (see
docs/architecture.md, « Distances »).

What counts as an offer
-----------------------

A structure of the ecosystem that is

* ``active`` (``defunct`` ones never count; ``expected`` ones have no known operator and
  so no location);
* *located*: its ``commune_code`` is a commune of the reference geography. Its position is
  that commune's representative point (``communes.csv``: ``x, y``), never a geocoded
  address;
* *local*: national actors (``territory_level == "country"``) are left out unless
  ``include_national=True``. Most of them sit in Paris; counting Avise or France Active's
  head office as "an offer 3 km away" for every Parisian, and as the nearest offer of half
  the Bassin parisien, would hide the local gaps that coverage and accessibility are
  meant to show (national actors are counted apart);
* and has the dispositif(s) asked for in ``dispositifs`` and the stage(s) asked for in
  ``stages`` (one value or several: any of them; both criteria: both must hold; neither:
  every local located active structure).

The distance is *physical*: the nearest offer is searched among all the offers of the
commune's zone, whether or not the territory it serves (``territory_codes``) contains the
commune. Who serves which commune is :mod:`fresque.coverage`'s question; this module asks
how far a project holder has to travel to knock on a door.

Offers without a known place: unknown distances
-----------------------------------------------

Most offers of the dataset have no known commune: active structures whose
``commune_code`` is empty (TAg56 serves the Morbihan, nobody has sourced where it sits),
and every ``expected`` one (its operator is not known). They exist, so a commune they
may be near is not "far from any offer": its distance is *unknown*, not long.

Such an *unlocated* offer lies somewhere in the territory it serves (a national one,
with ``include_national``: anywhere). Its least possible distance to a commune is 0 for
the communes it serves, and the distance to the nearest commune it serves for the
others (within the zone). For every commune, :func:`nearest_offers` gives that least
distance over the unlocated offers of the key (``unlocated_km``, one of them in
``unlocated_id``), and ``distance_known``: whether the nearest located offer
(``distance_km``) is no farther than that, so that it is surely the nearest offer.
When it is not, ``distance_km`` is only an upper bound.

:func:`population_beyond` counts what is known: a commune is *beyond* ``t`` km when its
nearest located offer is farther than ``t`` and no unlocated offer can be within ``t``;
*within* when a located offer is within ``t``; *unknown* otherwise. The shares beyond
and unknown are both given, of the whole population: the true share beyond ``t`` lies
between ``share_beyond`` and ``share_beyond + share_unknown``.

Zones: never across the sea
---------------------------

Distances are measured in the plane of each zone's projection (``communes.csv``
already holds the projected ``x, y`` in metres, so nothing is re-projected per call):

=============  ================================  ===========================
zone           communes                          projection (``epsg``)
=============  ================================  ===========================
``metropole``  mainland France (every            Lambert-93 (EPSG:2154)
               département but 2A, 2B, 97x)
``corse``      Corse-du-Sud (2A), Haute-Corse    Lambert-93 (EPSG:2154)
               (2B)
``971`` …      each overseas département on      its local UTM (971/972:
``976``        its own (971, 972, 973, 974,      EPSG:5490, 973: 2972, 974:
               976)                              2975, 976: 4471)
=============  ================================  ===========================

A commune only looks for offers in its own zone. Corsica is an island: a project holder
in Ajaccio is not served by an office in Nice, 200 km away by sea, so Corsica is a zone of
its own even though it shares the Lambert-93 plane with the mainland. The small islands
of the mainland coast (Ouessant, Sein, Bréhat, Yeu, Belle-Île…) stay in the mainland
zone: their straight-line distance understates a ferry trip. A zone with no offer of the
key gives ``NaN`` (neither 0 nor infinity) to all its communes, and
``frame.attrs["zones_without_offer"]`` names those zones; :func:`population_beyond`
reports their communes and population in ``communes_no_offer``/``population_no_offer``
(when no unlocated offer of the key is in the zone either).

Precision: Lambert-93 and UTM distort lengths by at most about 0.1 % over France, that is
50 m over 50 km; the points come with a 0.1 m precision. Ties between offers in the same
commune go to the smallest id; ties between offers in two communes at exactly the same
distance go to either.

Speed
-----

One :class:`scipy.spatial.cKDTree` per zone and per set of offers, queried with the
communes of that zone: about 8 ms for the 34 875 communes (``benchmarks/access.py``
prints the figures against a brute-force baseline). The least distances to unlocated
offers take one more tree per zone, over the communes they serve, queried with the
others: 1 to 40 ms per key on the national dataset (40 for the incubators, whose
unlocated offers serve 13 000 communes), about 0.7 s for every key at once. The
communes' coordinates, zones and groupings are computed once per
:class:`~fresque.geo.territories.Territories`; an :class:`Accessibility` is built once per
ecosystem and keeps its trees and results.

Examples
--------
The made-up geography of ``tests/data/geo_access`` puts Centreville (01001) at the
origin and Troisquatre (01002) 30 km east and 40 km north of it:

>>> from fresque.ecosystem import Ecosystem
>>> from fresque.geo.territories import Territories
>>> from fresque.model import Structure
>>> geo = Territories.load("tests/data/geo_access")
>>> eco = Ecosystem(
...     [Structure(id="incub", name="Incubateur", kind="support_structure",
...                dispositifs=["incubateur"], territory_level="departement",
...                territory_codes=["01"], commune_code="01001")],
...     territories=geo)
>>> near = nearest_offers(eco, dispositif="incubateur")
>>> near.loc[["01001", "01002", "2A002", "97402"],  # doctest: +NORMALIZE_WHITESPACE
...          ["distance_km", "offer_id", "zone", "distance_known"]]
         distance_km offer_id       zone  distance_known
commune
01001            0.0    incub  metropole            True
01002           50.0    incub  metropole            True
2A002            NaN     None      corse            True
97402            NaN     None        974            True
>>> near.attrs["zones_without_offer"]
['corse', '974']
>>> population_beyond(near, level="region", territories=geo)[  # doctest: +NORMALIZE_WHITESPACE
...     ["population", "share_beyond_20km", "share_beyond_50km", "communes_no_offer"]]
      population  share_beyond_20km  share_beyond_50km  communes_no_offer
code
04          7000           1.000000           1.000000                  2
94          2000           1.000000           1.000000                  2
99         22500           0.377778           0.253333                  0

An incubator of the département 03 whose commune is not known: the communes of the 03,
whose nearest located incubator is 21 and 60 km away, may have it next door. Their
distance is unknown, and they are no longer counted beyond 20 km:

>>> eco = Ecosystem(
...     [eco.get("incub"),
...      Structure(id="incub_03", name="Incubateur 03", kind="support_structure",
...                dispositifs=["incubateur"], territory_level="departement",
...                territory_codes=["03"])],
...     territories=geo)
>>> near = nearest_offers(eco, dispositif="incubateur")
>>> near.loc[["03001", "03002"], ["distance_km", "unlocated_km", "unlocated_id",
...                               "distance_known"]]  # doctest: +NORMALIZE_WHITESPACE
         distance_km  unlocated_km unlocated_id  distance_known
commune
03001           21.0           0.0     incub_03           False
03002           60.0           0.0     incub_03           False
>>> population_beyond(near, [20], level="region", territories=geo).loc[
...     ["99"], ["population_unknown", "share_beyond_20km", "share_unknown_20km"]
... ]  # doctest: +NORMALIZE_WHITESPACE
      population_unknown  share_beyond_20km  share_unknown_20km
code
99                  1000           0.333333            0.044444
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from fresque.geo.codes import parse_level
from fresque.geo.territories import Territories, default_territories
from fresque.i18n import parse_enum
from fresque.model import Dispositif, Level, Stage, Status, stages_served

if TYPE_CHECKING:
    from fresque.ecosystem import Ecosystem

__all__ = [
    "THRESHOLDS_KM",
    "ZONES",
    "Accessibility",
    "nearest_offers",
    "nearest_offers_all",
    "population_beyond",
    "zone_of",
]

#: The zones, in display order, with their French names. A commune only looks for offers
#: in its own zone.
ZONES: dict[str, str] = {
    "metropole": "France métropolitaine continentale",
    "corse": "Corse",
    "971": "Guadeloupe",
    "972": "Martinique",
    "973": "Guyane",
    "974": "La Réunion",
    "976": "Mayotte",
}

#: Default distance thresholds of :func:`population_beyond`, in km.
THRESHOLDS_KM: tuple[float, ...] = (20, 30, 50)

#: The two facets an offer is looked for by, and their vocabularies.
FACETS: dict[str, type[StrEnum]] = {"dispositif": Dispositif, "stage": Stage}

_CORSICA = frozenset({"2A", "2B"})
#: Results kept per Accessibility (about 0.6 MB each for the 34 875 communes).
_MAX_CACHED_RESULTS = 64
#: KD-trees kept per Accessibility (one per zone and set of offers; small).
_MAX_CACHED_TREES = 256
_E = TypeVar("_E", bound=StrEnum)


def zone_of(departement: str) -> str:
    """Return the accessibility zone of a département code.

    Parameters
    ----------
    departement
        A département code (``"29"``, ``"2A"``, ``"974"``).

    Returns
    -------
    str
        ``"corse"`` for 2A and 2B, the code itself for an overseas département (97x),
        ``"metropole"`` otherwise.

    Examples
    --------
    >>> zone_of("29"), zone_of("2B"), zone_of("973")
    ('metropole', 'corse', '973')
    """
    if departement in _CORSICA:
        return "corse"
    if departement.startswith("97"):
        return departement
    return "metropole"


# --------------------------------------------------------------------------------------
# The communes, once per Territories
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Zone:
    name: str
    positions: np.ndarray  # rows of territories.communes in this zone, with coordinates
    xy: np.ndarray  # their (x, y) in metres, C-contiguous


class _Grid:
    """What every accessibility computation needs from a Territories, computed once."""

    def __init__(self, territories: Territories) -> None:
        communes = territories.communes
        # The tables, not the Territories: a grid is the value of a weak dictionary keyed
        # by its Territories, and must not keep it alive.
        self._communes = communes
        self._table = territories.table
        self.codes = communes["code"].to_numpy(dtype=object)
        self.index = pd.Index(self.codes, name="commune", dtype=object)
        departements = communes["departement"].to_numpy(dtype=object)
        zones = np.array([zone_of(d) for d in departements], dtype=object)
        names = [z for z in ZONES if z in set(zones)] + sorted(set(zones) - set(ZONES))
        self.zone_names: list[str] = names
        self.zone_id = pd.Index(names).get_indexer(zones)
        self.zone_categorical = pd.Categorical.from_codes(self.zone_id, categories=names)
        self.xy = np.ascontiguousarray(communes[["x", "y"]].to_numpy(dtype=float))
        self.located = ~np.isnan(self.xy).any(axis=1)
        epsg = (
            pd.to_numeric(communes["epsg"], errors="coerce").to_numpy(dtype=float)
            if "epsg" in communes
            else None
        )
        self.zones: list[_Zone] = []
        for i, name in enumerate(names):
            positions = np.flatnonzero((self.zone_id == i) & self.located)
            if epsg is not None:
                projections = np.unique(epsg[positions][~np.isnan(epsg[positions])])
                if len(projections) > 1:
                    listed = ", ".join(f"EPSG:{p:.0f}" for p in projections)
                    raise ValueError(
                        f"Zone {name} : les communes mêlent plusieurs projections ({listed}) ; "
                        "leurs distances ne se comparent pas."
                    )
            self.zones.append(_Zone(name, positions, np.ascontiguousarray(self.xy[positions])))
        self.population = communes["population"].to_numpy(dtype=float, na_value=0.0)
        self._groups: dict[str, tuple[np.ndarray, list[str], list[str]]] = {}

    def groups(self, level: str) -> tuple[np.ndarray, list[str], list[str]]:
        """Per commune, the position of its territory of ``level`` (-1: none); codes; names."""
        if level not in self._groups:
            self._groups[level] = self._make_groups(level)
        return self._groups[level]

    def _make_groups(self, level: str) -> tuple[np.ndarray, list[str], list[str]]:
        n = len(self.codes)
        if level == "zone":
            return self.zone_id, self.zone_names, [ZONES.get(z, z) for z in self.zone_names]
        table = self._table
        if level == Level.COUNTRY:
            country = table.loc[table["level"] == "country", "name"]
            return np.zeros(n, dtype=np.intp), ["FR"], [country.iloc[0] if len(country) else "FR"]
        values = self._communes[level].to_numpy(dtype=object)
        codes, uniques = pd.factorize(values, sort=True)
        keep = [i for i, code in enumerate(uniques) if code]
        remap = np.full(len(uniques) + 1, -1, dtype=np.intp)
        remap[keep] = np.arange(len(keep))
        codes = remap[codes]  # -1 (factorize's missing) maps through the extra slot
        kept = [str(uniques[i]) for i in keep]
        rows = table[table["level"] == level].set_index("code")["name"]
        return codes, kept, [str(rows.get(code, code)) for code in kept]


_GRIDS: weakref.WeakKeyDictionary[Territories, _Grid] = weakref.WeakKeyDictionary()


def _grid(territories: Territories) -> _Grid:
    grid = _GRIDS.get(territories)
    if grid is None:
        grid = _GRIDS[territories] = _Grid(territories)
    return grid


# --------------------------------------------------------------------------------------
# Nearest offers
# --------------------------------------------------------------------------------------


def _values(enum_cls: type[_E], wanted: Any) -> frozenset[str] | None:
    """The values named by one member/label or several; ``None`` for no criterion."""
    if wanted is None:
        return None
    if isinstance(wanted, str):
        wanted = [wanted]
    return frozenset(parse_enum(enum_cls, value).value for value in wanted)


class Accessibility:
    """The located offers of an ecosystem, ready to answer "how far is the nearest one".

    Build it once per ecosystem (:func:`nearest_offers` keeps one per ecosystem for you):
    it finds the located offers, and keeps one KD-tree per zone and per set of offers.

    Parameters
    ----------
    eco
        The ecosystem.
    include_national
        Whether national actors (level ``country``) count as offers, at the commune where
        they sit (see "What counts as an offer" above). Default: no.

    Attributes
    ----------
    offers : pandas.DataFrame
        The candidate offers: active, located structures (national ones only with
        ``include_national``), indexed by id, with ``commune_code``, ``zone``,
        ``dispositifs``, ``stages`` and ``national``.
    unlocated : pandas.DataFrame
        The offers without a known place: active structures without a located commune
        and expected ones (national ones only with ``include_national``), indexed by
        id, with ``status``, ``dispositifs``, ``stages`` and ``national``.

    Examples
    --------
    >>> from fresque.ecosystem import Ecosystem
    >>> from fresque.geo.territories import Territories
    >>> from fresque.model import Structure
    >>> eco = Ecosystem(
    ...     [Structure(id="cae_amont", name="CAE", kind="support_structure",
    ...                dispositifs=["cae"], stages=["emergence", "creation"],
    ...                territory_level="departement", territory_codes=["01"],
    ...                commune_code="01001"),
    ...      Structure(id="ess_france", name="ESS France", kind="network",
    ...                dispositifs=["cae"], territory_level="country", commune_code="01002")],
    ...     territories=Territories.load("tests/data/geo_access"))
    >>> access = Accessibility(eco)
    >>> access.offers.index.tolist()
    ['cae_amont']
    >>> float(access.nearest(stage="émergence").loc["01002", "distance_km"])
    50.0
    >>> with_national = Accessibility(eco, include_national=True)
    >>> cae = with_national.nearest(dispositif="CAE")
    >>> cae.loc[["01001", "01002"], ["distance_km", "offer_id", "zone"]]
    ... # doctest: +NORMALIZE_WHITESPACE
             distance_km    offer_id       zone
    commune
    01001            0.0   cae_amont  metropole
    01002            0.0  ess_france  metropole
    """

    def __init__(self, eco: Ecosystem, include_national: bool = False) -> None:
        self.include_national = include_national
        self._grid = _grid(eco.territories)
        table = eco.structures
        position = self._grid.index.get_indexer(table["commune_code"].fillna("").to_numpy())
        located = position >= 0
        located[located] = self._grid.located[position[located]]
        national = eco.national.to_numpy(dtype=bool)
        keep = (table["status"].to_numpy(dtype=object) == Status.ACTIVE.value) & located
        if not include_national:
            keep &= ~national
        chosen = table[keep]
        self._ids = chosen.index.to_numpy(dtype=object)
        self._ids_or_none = np.append(self._ids, None)
        self._position = position[keep]
        self._zone = self._grid.zone_id[self._position]
        self._sets = {
            "dispositif": [frozenset(v) for v in chosen["dispositifs"]],
            "stage": [
                frozenset(stages_served(stages, dispositifs))
                for stages, dispositifs in zip(chosen["stages"], chosen["dispositifs"], strict=True)
            ],
        }
        self.offers = pd.DataFrame(
            {
                "commune_code": chosen["commune_code"].to_numpy(dtype=object),
                "zone": [self._grid.zone_names[z] for z in self._zone],
                "dispositifs": chosen["dispositifs"].to_numpy(dtype=object),
                "stages": chosen["stages"].to_numpy(dtype=object),
                "national": national[keep],
            },
            index=pd.Index(self._ids, name="id", dtype=object),
        )
        self._trees: dict[tuple[int, bytes], cKDTree] = {}
        self._results: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

        # The offers without a known place: active ones without a located commune, and
        # every expected one (its operator, hence its place, is not known). Each lies
        # somewhere in the territory it serves (a national one: anywhere).
        status = table["status"].to_numpy(dtype=object)
        unlocated = ((status == Status.ACTIVE.value) & ~located) | (status == Status.EXPECTED.value)
        if not include_national:
            unlocated &= ~national
        rows_unlocated = np.flatnonzero(unlocated)
        elsewhere = table.iloc[rows_unlocated]
        self._unlocated_ids = elsewhere.index.to_numpy(dtype=object)
        self._unlocated_ids_or_none = np.append(self._unlocated_ids, None)
        self._unlocated_national = national[rows_unlocated]
        self._unlocated_matrix = sp.csr_array(eco.commune_matrix[rows_unlocated])
        self._unlocated_sets = {
            "dispositif": [frozenset(v) for v in elsewhere["dispositifs"]],
            "stage": [
                frozenset(stages_served(stages, dispositifs))
                for stages, dispositifs in zip(
                    elsewhere["stages"], elsewhere["dispositifs"], strict=True
                )
            ],
        }
        self.unlocated = pd.DataFrame(
            {
                "status": elsewhere["status"].to_numpy(dtype=object),
                "dispositifs": elsewhere["dispositifs"].to_numpy(dtype=object),
                "stages": elsewhere["stages"].to_numpy(dtype=object),
                "national": self._unlocated_national,
            },
            index=pd.Index(self._unlocated_ids, name="id", dtype=object),
        )
        self._bounds: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

    def _select(
        self, dispositif: Any = None, stage: Any = None, *, unlocated: bool = False
    ) -> np.ndarray:
        """Rows of the offers (located, or ``unlocated``) having any of the dispositifs and
        any of the stages asked for."""
        sets = self._unlocated_sets if unlocated else self._sets
        keep = np.ones(len(self._unlocated_ids if unlocated else self._ids), dtype=bool)
        for facet, wanted in (("dispositif", dispositif), ("stage", stage)):
            values = _values(FACETS[facet], wanted)
            if values is not None:
                keep &= np.array([not values.isdisjoint(s) for s in sets[facet]], dtype=bool)
        return np.flatnonzero(keep)

    def _query(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance (km, NaN when none) and offer row (-1) of the nearest of ``rows``."""
        signature = rows.astype(np.int64).tobytes()
        cached = self._results.get(signature)
        if cached is not None:
            return cached
        n = len(self._grid.codes)
        distance = np.full(n, np.nan)
        nearest = np.full(n, -1, dtype=np.intp)
        # Offers in the same commune share a point: keep one, the smallest id (rows are
        # sorted by id, and np.unique returns the first occurrence).
        points, first = np.unique(self._position[rows], return_index=True)
        representatives = rows[first]
        point_zones = self._grid.zone_id[points]
        for z, zone in enumerate(self._grid.zones):
            here = point_zones == z
            if not here.any() or not len(zone.positions):
                continue
            key = (z, points[here].astype(np.int64).tobytes())
            tree = self._trees.get(key)
            if tree is None:
                if len(self._trees) >= _MAX_CACHED_TREES:  # forget the oldest tree
                    del self._trees[next(iter(self._trees))]
                tree = self._trees[key] = cKDTree(self._grid.xy[points[here]])
            d, j = tree.query(zone.xy)
            distance[zone.positions] = d / 1000.0
            nearest[zone.positions] = representatives[here][j]
        if len(self._results) >= _MAX_CACHED_RESULTS:  # forget the oldest query
            del self._results[next(iter(self._results))]
        self._results[signature] = (distance, nearest)
        return distance, nearest

    def _bound(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Least possible distance (km, NaN when none) to the unlocated offers ``rows``, and
        the row of the one it is measured to (-1).

        An unlocated offer lies somewhere in the territory it serves: a commune it serves
        may have it at 0 km; any other commune is at least as far as the nearest commune
        it serves (within the zone: never across the sea).
        """
        signature = rows.astype(np.int64).tobytes()
        cached = self._bounds.get(signature)
        if cached is not None:
            return cached
        grid = self._grid
        n = len(grid.codes)
        bound = np.full(n, np.nan)
        which = np.full(n, -1, dtype=np.intp)
        # Per commune, the first unlocated offer (smallest id) that serves it.
        served_by = np.full(n, -1, dtype=np.intp)
        matrix = self._unlocated_matrix
        for row in rows[::-1]:
            if self._unlocated_national[row]:
                served_by[:] = row
            else:
                served_by[matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]] = row
        for zone in grid.zones:
            is_served = served_by[zone.positions] >= 0
            served = zone.positions[is_served]
            if not len(served):
                continue
            bound[served] = 0.0
            which[served] = served_by[served]
            others = zone.positions[~is_served]
            if len(others):
                d, j = cKDTree(grid.xy[served]).query(zone.xy[~is_served])
                bound[others] = d / 1000.0
                which[others] = served_by[served[j]]
        if len(self._bounds) >= _MAX_CACHED_RESULTS:  # forget the oldest query
            del self._bounds[next(iter(self._bounds))]
        self._bounds[signature] = (bound, which)
        return bound, which

    def _zones_without(self, rows: np.ndarray) -> list[str]:
        with_offer = set(self._zone[rows].tolist())
        return [name for z, name in enumerate(self._grid.zone_names) if z not in with_offer]

    def nearest(
        self,
        dispositif: Dispositif | str | Iterable[Dispositif | str] | None = None,
        stage: Stage | str | Iterable[Stage | str] | None = None,
    ) -> pd.DataFrame:
        """Return, for every commune, its nearest offer of ``dispositif`` / ``stage``.

        Parameters
        ----------
        dispositif, stage
            One value or several (values, French or English labels): an offer needs any
            of the dispositifs and any of the stages asked for; ``None`` asks nothing.

        Returns
        -------
        pandas.DataFrame
            Indexed by commune code (``commune``), in the order of
            ``territories.communes``: ``distance_km`` (float: to the nearest *located*
            offer; NaN when the commune's zone holds none), ``offer_id`` (object: the
            id, ``None`` then), ``zone`` (categorical), ``unlocated_km`` (float: the
            least possible distance to an offer without a known place, 0 for the
            communes such an offer serves; NaN when the zone has none), ``unlocated_id``
            (the offer it is measured to, smallest id first; ``None`` then) and
            ``distance_known`` (bool: ``distance_km`` is surely the distance to the
            nearest offer, no unlocated offer can be nearer; when ``False``,
            ``distance_km`` is only an upper bound).
            ``attrs`` holds the query (``dispositif``, ``stage``, ``include_national``)
            and ``zones_without_offer``.
        """
        rows = self._select(dispositif, stage)
        distance, nearest = self._query(rows)
        bound, elsewhere = self._bound(self._select(dispositif, stage, unlocated=True))
        index = self._grid.index
        frame = pd.DataFrame(
            {
                "distance_km": distance,
                "offer_id": pd.Series(self._ids_or_none[nearest], index, object),
                "zone": self._grid.zone_categorical,
                "unlocated_km": bound,
                "unlocated_id": pd.Series(self._unlocated_ids_or_none[elsewhere], index, object),
                "distance_known": _known(distance, bound),
            },
            index=index,
        )
        frame.attrs = {
            "dispositif": _listed(_values(Dispositif, dispositif)),
            "stage": _listed(_values(Stage, stage)),
            "include_national": self.include_national,
            "zones_without_offer": self._zones_without(rows),
        }
        return frame

    def nearest_all(self, facets: Iterable[str] = tuple(FACETS)) -> pd.DataFrame:
        """Return the nearest offer of every dispositif and every stage, in one long table.

        Each key reuses the trees of any key with the same offers; keys without any
        located offer get NaN everywhere (they are kept: they are gaps too).

        Parameters
        ----------
        facets
            ``"dispositif"``, ``"stage"`` or both (default).

        Returns
        -------
        pandas.DataFrame
            Indexed by (``facet``, ``key``, ``commune``), keys in the order of their enum
            and communes in the order of ``territories.communes``; columns as
            :meth:`nearest`. ``attrs["zones_without_offer"]`` maps each ``(facet, key)``
            to its zones without an offer.
        """
        facets = list(facets)
        unknown = [f for f in facets if f not in FACETS]
        if unknown:
            raise ValueError(f"Facette inconnue : {', '.join(unknown)} (dispositif, stage).")
        keys = [(facet, member.value) for facet in facets for member in FACETS[facet]]
        distances, nearest, bounds, elsewhere, without = [], [], [], [], {}
        for facet, key in keys:
            rows = self._select(**{facet: key})
            d, j = self._query(rows)
            distances.append(d)
            nearest.append(j)
            b, u = self._bound(self._select(**{facet: key}, unlocated=True))
            bounds.append(b)
            elsewhere.append(u)
            without[(facet, key)] = self._zones_without(rows)
        n = len(self._grid.codes)
        facet_names = list(dict.fromkeys(facets))
        key_names = list(dict.fromkeys(key for _, key in keys))
        index = pd.MultiIndex(
            levels=[facet_names, key_names, self._grid.index],
            codes=[
                np.repeat([facet_names.index(f) for f, _ in keys], n),
                np.repeat([key_names.index(k) for _, k in keys], n),
                np.tile(np.arange(n), len(keys)),
            ],
            names=["facet", "key", "commune"],
        )
        zone = pd.Categorical.from_codes(
            np.tile(self._grid.zone_categorical.codes, len(keys)),
            categories=self._grid.zone_categorical.categories,
        )
        distance = np.concatenate(distances) if keys else np.empty(0)
        bound = np.concatenate(bounds) if keys else np.empty(0)
        frame = pd.DataFrame(
            {
                "distance_km": distance,
                "offer_id": pd.Series(
                    self._ids_or_none[np.concatenate(nearest)] if keys else [], index, object
                ),
                "zone": zone,
                "unlocated_km": bound,
                "unlocated_id": pd.Series(
                    self._unlocated_ids_or_none[np.concatenate(elsewhere)] if keys else [],
                    index,
                    object,
                ),
                "distance_known": _known(distance, bound),
            },
            index=index,
        )
        frame.attrs = {"include_national": self.include_national, "zones_without_offer": without}
        return frame


def _known(distance: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Whether the nearest located offer is the nearest offer: no unlocated offer of the
    key can be nearer (none at all, or none nearer than ``bound``)."""
    with np.errstate(invalid="ignore"):
        return np.isnan(bound) | (distance <= bound)


def _listed(values: frozenset[str] | None) -> list[str] | None:
    return None if values is None else sorted(values)


_ACCESS: weakref.WeakKeyDictionary[Ecosystem, dict[bool, Accessibility]] = (
    weakref.WeakKeyDictionary()
)


def _accessibility(eco: Ecosystem, include_national: bool) -> Accessibility:
    per_eco = _ACCESS.setdefault(eco, {})
    if include_national not in per_eco:
        per_eco[include_national] = Accessibility(eco, include_national=include_national)
    return per_eco[include_national]


def nearest_offers(
    eco: Ecosystem,
    dispositif: Dispositif | str | Iterable[Dispositif | str] | None = None,
    stage: Stage | str | Iterable[Stage | str] | None = None,
    include_national: bool = False,
) -> pd.DataFrame:
    """Return, for every commune, the distance to the nearest located offer and its id.

    See the module's documentation for what counts as an offer and for the zones. The
    :class:`Accessibility` of ``eco`` is built on first call and kept while ``eco`` lives.

    Parameters
    ----------
    eco
        The ecosystem.
    dispositif, stage
        One value or several (values, French or English labels): an offer needs any of
        the dispositifs and any of the stages asked for; ``None`` asks nothing.
    include_national
        Whether national actors count, at the commune where they sit. Default: no.

    Returns
    -------
    pandas.DataFrame
        Indexed by commune code: ``distance_km`` (to the nearest located offer; NaN when
        the commune's zone holds no such offer), ``offer_id``, ``zone``,
        ``unlocated_km``, ``unlocated_id``, ``distance_known`` (see
        :meth:`Accessibility.nearest`); ``attrs["zones_without_offer"]``.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> near = nearest_offers(load_ecosystem(), dispositif="incubateur")
    >>> near.loc[["29151", "56260"], ["distance_km", "offer_id", "unlocated_id",
    ...                               "distance_known"]]  # doctest: +NORMALIZE_WHITESPACE
             distance_km offer_id unlocated_id  distance_known
    commune
    29151       0.000000    tag29        tag22            True
    56260      94.467272    tag35        tag56           False
    >>> near.attrs["zones_without_offer"]
    ['corse', '971', '972', '973', '976']
    """
    return _accessibility(eco, include_national).nearest(dispositif=dispositif, stage=stage)


def nearest_offers_all(eco: Ecosystem, include_national: bool = False) -> pd.DataFrame:
    """Return the nearest offer of every dispositif and every stage, in one long table.

    See :meth:`Accessibility.nearest_all`.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> table = nearest_offers_all(load_ecosystem())
    >>> table.index.names
    FrozenList(['facet', 'key', 'commune'])
    >>> table.loc[("stage", "emergence", "29151"), "offer_id"]
    'adess_morlaix'
    """
    return _accessibility(eco, include_national).nearest_all()


# --------------------------------------------------------------------------------------
# Population beyond a distance
# --------------------------------------------------------------------------------------


def _threshold_column(threshold: float) -> str:
    return f"share_beyond_{threshold:g}km"


def _unknown_column(threshold: float) -> str:
    return f"share_unknown_{threshold:g}km"


def population_beyond(
    distances: pd.DataFrame | pd.Series | Ecosystem,
    thresholds: Iterable[float] = THRESHOLDS_KM,
    level: Level | str = "departement",
    *,
    territories: Territories | None = None,
    include_national: bool = False,
) -> pd.DataFrame:
    """Return, per territory, the share of the population beyond each distance threshold.

    Only what is known is counted. A commune is *within* ``t`` km when a located offer
    is at most ``t`` km away (a commune exactly 30 km away is within 30 km); *beyond*
    when its nearest located offer is farther and no offer without a known place can be
    within ``t`` km (``unlocated_km > t``); its distance to ``t`` is *unknown*
    otherwise: an unlocated offer serving it, or near enough, may be next door. The
    true share of the population beyond ``t`` lies between ``share_beyond_{t}km`` and
    ``share_beyond_{t}km + share_unknown_{t}km``.

    A commune whose zone holds no offer at all, located or not, counts as beyond every
    threshold, since no offer is within reach by land, and is also counted apart in
    ``communes_no_offer`` and ``population_no_offer``, so that the two cases can be told
    apart. Communes of unknown population weigh 0. Given distances without
    ``unlocated_km`` (a :class:`pandas.Series`), every distance counts as known.

    Parameters
    ----------
    distances
        What :func:`nearest_offers` returns (or its ``distance_km`` column, or a subset
        of its communes), or what :func:`nearest_offers_all` returns (the result then has
        one block per ``(facet, key)``), or an :class:`~fresque.ecosystem.Ecosystem`,
        for :func:`nearest_offers_all` of it.
    thresholds
        Distances in km.
    level
        ``"country"``, ``"zone"``, ``"region"``, ``"departement"`` (default) or
        ``"epci"``. The four island communes outside any EPCI are left out at the EPCI
        level.
    territories
        The geography the communes belong to: the ecosystem's when ``distances`` is an
        ecosystem, otherwise :func:`~fresque.geo.territories.default_territories`.
    include_national
        With an ecosystem only: whether national actors count as offers.

    Returns
    -------
    pandas.DataFrame
        One row per territory holding at least one of the communes, sorted by code (zones
        in the order of :data:`ZONES`), indexed by ``code`` (after ``facet`` and ``key``
        for a long table): ``name``, ``communes``, ``population``, ``communes_no_offer``,
        ``population_no_offer``, ``communes_unknown`` and ``population_unknown`` (whose
        nearest offer is not known: ``distance_known`` is false), then
        ``share_beyond_20km`` … and ``share_unknown_20km`` … (shares of the whole
        population, 0 to 1; NaN when the population is 0).

    Raises
    ------
    ValueError
        When a commune code is not in ``territories``, or for an unknown level.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> eco = load_ecosystem()
    >>> near = nearest_offers(eco, dispositif="incubateur")
    >>> table = population_beyond(near, level="zone")
    >>> columns = ["name", "communes_unknown", "share_beyond_50km", "share_unknown_50km"]
    >>> table.loc[["corse", "974"], columns].round(2)  # doctest: +NORMALIZE_WHITESPACE
                 name  communes_unknown  share_beyond_50km  share_unknown_50km
    code
    corse       Corse               360               0.00                 1.0
    974    La Réunion                 0               0.07                 0.0

    Corsica's one incubator (Inizià) serves the whole island but has no known commune:
    every distance there is unknown, none is known to be long.
    >>> per_key = population_beyond(eco, thresholds=[30], level="country")
    >>> float(per_key.loc[("dispositif", "incubateur", "FR"), "share_beyond_30km"]) < 1
    True
    """
    from fresque.ecosystem import Ecosystem

    if isinstance(distances, Ecosystem):
        territories = territories if territories is not None else distances.territories
        distances = nearest_offers_all(distances, include_national=include_national)
    territories = territories if territories is not None else default_territories()
    grid = _grid(territories)
    level_name = _level_name(level)
    thresholds = [float(t) for t in thresholds]

    if isinstance(distances, pd.DataFrame):
        distance = distances["distance_km"].to_numpy(dtype=float)
        bound = (
            distances["unlocated_km"].to_numpy(dtype=float)
            if "unlocated_km" in distances
            else np.full(len(distance), np.nan)
        )
    else:
        distance = distances.to_numpy(dtype=float)
        bound = np.full(len(distance), np.nan)
    index = distances.index
    outer_values: pd.Index | None = None
    outer_names: list[str] = []
    outer_id = np.zeros(len(index), dtype=np.intp)
    if isinstance(index, pd.MultiIndex):
        # Work on the level codes: a long table has a million rows but few distinct values
        # (and its levels may hold values no row uses any more).
        if "commune" not in index.names:
            raise ValueError("L'index des distances doit avoir un niveau « commune ».")
        at = index.names.index("commune")
        commune_values = index.levels[at]
        commune_codes = index.codes[at]
        others = [i for i in range(index.nlevels) if i != at]
        if others:
            outer_id, outer_values = _factorize_levels(index, others)
            outer_names = [str(index.names[i]) for i in others]
    else:
        commune_values = index
        commune_codes = np.arange(len(index))
    level_position = np.append(grid.index.get_indexer(commune_values), -1)
    position = level_position[commune_codes]  # a missing code (-1) falls on the last slot
    if (position < 0).any():
        wrong = commune_codes[position < 0]
        unknown = pd.unique(np.append(np.asarray(commune_values, dtype=object), None)[wrong])
        listed = ", ".join(map(str, unknown[:5])) + ("…" if len(unknown) > 5 else "")
        raise ValueError(
            f"Communes inconnues de la géographie de référence : {listed}. "
            "Passez territories=… (celle de l'écosystème)."
        )

    group, codes, names = grid.groups(level_name)
    territory = group[position]
    keep = territory >= 0
    n_groups = len(codes)
    n_outer = 1 if outer_values is None else len(outer_values)
    cell = (outer_id * n_groups + territory)[keep]
    size = n_outer * n_groups
    population = grid.population[position][keep]
    distance = distance[keep]
    bound = bound[keep]
    missing = np.isnan(distance) & np.isnan(bound)
    unknown = ~_known(distance, bound)

    def total(weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(cell, weights=weights, minlength=size)

    def count(mask: np.ndarray) -> np.ndarray:
        return total(mask.astype(float)).round().astype(np.int64)

    def weigh(mask: np.ndarray) -> np.ndarray:
        return total(population * mask).round().astype(np.int64)

    communes_count = total().astype(np.int64)
    population_total = total(population)
    columns: dict[str, np.ndarray] = {
        "communes": communes_count,
        "population": population_total.round().astype(np.int64),
        "communes_no_offer": count(missing),
        "population_no_offer": weigh(missing),
        "communes_unknown": count(unknown),
        "population_unknown": weigh(unknown),
    }
    shares_unknown: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for threshold in thresholds:
            within = distance <= threshold  # NaN (no located offer) is never within
            uncertain = ~within & (bound <= threshold)
            beyond = ~within & ~uncertain
            for target, column, mask in (
                (columns, _threshold_column(threshold), beyond),
                (shares_unknown, _unknown_column(threshold), uncertain),
            ):
                target[column] = np.where(
                    population_total > 0, total(population * mask) / population_total, np.nan
                )
    columns |= shares_unknown
    present = np.flatnonzero(communes_count > 0)
    territory_codes = np.array(codes, dtype=object)[present % n_groups]
    table = pd.DataFrame(
        {"name": np.array(names, dtype=object)[present % n_groups]}
        | {column: values[present] for column, values in columns.items()}
    )
    if outer_values is None:
        table.index = pd.Index(territory_codes, name="code", dtype=object)
    else:
        # Levels in order of appearance, so that the codes are sorted as the rows are
        # (keys in the order of their enum, zones in the order of ZONES) and .loc on the
        # result does not warn about its lexsort depth.
        outer_part = outer_values[present // n_groups]
        arrays = (
            [outer_part.get_level_values(i) for i in range(outer_part.nlevels)]
            if isinstance(outer_part, pd.MultiIndex)
            else [outer_part]
        )
        factorized = [pd.factorize(np.asarray(a, dtype=object)) for a in arrays]
        table.index = pd.MultiIndex(
            levels=[*[pd.Index(u, dtype=object) for _, u in factorized], codes],
            codes=[*[c for c, _ in factorized], present % n_groups],
            names=[*outer_names, "code"],
        )
    return table


def _factorize_levels(index: pd.MultiIndex, levels: list[int]) -> tuple[np.ndarray, pd.Index]:
    """Number the distinct combinations of some levels of ``index``, in order of appearance.

    Works on the level codes (one hash pass over integers), not on the values.
    """
    shape = [len(index.levels[i]) + 1 for i in levels]
    combined = np.ravel_multi_index([index.codes[i] + 1 for i in levels], shape)
    ids, uniques = pd.factorize(combined)
    parts = np.unravel_index(uniques, shape)
    values = [
        index.levels[i].take(part - 1, allow_fill=True, fill_value=None)
        for i, part in zip(levels, parts, strict=True)
    ]
    names = [index.names[i] for i in levels]
    if len(levels) == 1:
        return ids, pd.Index(values[0], name=names[0])
    return ids, pd.MultiIndex.from_arrays(values, names=names)


def _level_name(level: Level | str) -> str:
    if isinstance(level, str) and level.strip().lower() == "zone":
        return "zone"
    parsed = parse_level(level)
    if parsed is Level.COMMUNE:
        raise ValueError(
            "Niveau commune : lisez directement les distances de nearest_offers "
            "(population_beyond agrège par zone, région, département, EPCI ou pays)."
        )
    return parsed.value
