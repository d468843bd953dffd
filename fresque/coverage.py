"""Territorial coverage: who serves which territory, for every dispositif and every stage.

Coverage is computed once at commune level, for every *key* — each dispositif and each
stage — then aggregated to EPCI, département, région (and the country) with population
weights (see docs/architecture.md, « Coverage »). Everything is a sparse-matrix product: no
loop over territories.

Offers of a commune
-------------------

The offers of a commune for a key are the **local** structures whose territory contains
the commune (a structure serving a région serves all its communes; see
:attr:`fresque.ecosystem.Ecosystem.commune_matrix`) and that carry the key:

* a dispositif key: the structure lists the dispositif;
* a stage key: the structure lists the stage, or, when it names no stage at all, one of
  its dispositifs serves it by :data:`fresque.model.DEFAULT_STAGES`.

``defunct`` structures are never offers. ``expected`` ones are (the offer exists, its
operator is not known). **National** structures (level ``country``) are counted apart, in
the ``n_national`` and ``national`` columns, and change no status: they never hide a
local gap.

Status of a commune × key, from its ``n_active`` and ``n_expected`` offers
(``n_offers = n_active + n_expected``), the *organisations* behind them, and the surveys:

``gap`` (« Manque confirmé »)
    no offer, and a valid survey (:class:`~fresque.model.Survey`) of a territory holding
    the commune covers the key: someone checked, and there is nothing.
``none_known`` (« Aucune offre recensée »)
    no offer, and no valid survey covers it: nothing is *recorded*, which may only mean
    that nobody has listed what exists. Never shown as a gap.
``unknown``
    only ``expected`` offers (``n_active == 0``): a *data* gap, not a coverage gap.
``single``
    the offers all belong to one organisation: fragile, since everything stops if it
    does.
``covered``
    offers from two organisations or more, not an overlap.
``overlap``
    at least one known offer, and two offers or more for a dispositif unique by design
    (:data:`fresque.model.UNIQUE_BY_DESIGN`: two DLA départementaux on one commune are an
    anomaly to show), or more than ``overlap_threshold`` organisations for any other key.

**Organisations.** Fragility is about what remains if one organisation stops, so
``single`` and ``covered`` count distinct organisations, not offers: an offer carried by
another structure (its ``carrier_id``, or the source of a ``carries`` link to it) belongs
to its carrier's organisation, up the chain (:func:`organisations`). A regional
incubator and a local incubator it carries are one organisation.

**Surveys.** A survey counts from its date for ``valid_months`` (default 24,
:data:`fresque.model.DEFAULT_SURVEY_MONTHS`): ``compute_coverage(eco, as_of=...)`` uses
the surveys valid on that day (today by default). An expired survey no longer confirms a
gap: the territory is "to recheck" (:attr:`Coverage.expired`).

The statuses are ordered by how much is known to be offered: ``gap < none_known <
unknown < single < covered < overlap`` (:data:`STATUS_ORDER`).

Aggregation to a territory
--------------------------

An EPCI, a département, a région (or ``FR``) holds communes; for each key:

``status``
    the highest status among its communes: what exists *somewhere* in the territory.
    ``gap`` means no commune has any offer *and* every commune's gap is confirmed by a
    survey; ``none_known`` that no commune has any offer, and some are not surveyed.
``min_status``
    the lowest status among its communes: what the least served commune has.
``partial``
    ``True`` when the territory has an offer somewhere but some of its communes have none
    (``status`` above ``none_known`` and ``min_status`` ``gap`` or ``none_known``): a
    territory partly covered is never shown as simply covered. How much is missing is in
    the population columns.
``n_offers``, ``n_active``, ``n_expected``, ``offers``
    the distinct local offers serving at least one of its communes (``offers``: their
    ids, sorted, joined with ``|``).
``n_organisations``
    the distinct organisations behind those offers (see **Organisations**).
``population``
    sum of its communes' populations (population municipale; unknown counts as 0).
``population_covered``, ``population_gap``, ``population_none_known``
    population of its communes with at least one offer (known or expected), without any
    (gap confirmed by a survey), and without any recorded (not surveyed); they add up to
    ``population``. ``share_covered`` is the covered share.
``surveyed``
    the share of its population in communes where a valid survey covers the key.
``population_unknown``, ``population_single``
    population of its communes whose status is ``unknown``, ``single``.
``offers_per_100k``
    ``n_offers`` per 100,000 inhabitants (NaN for an empty population).

Population is conserved: the populations of the communes add up to each territory's, the
départements' to their région's. A commune belongs to the EPCI, département and région of
``communes.csv`` (an EPCI spanning two départements counts once, at EPCI level; the four
island communes without EPCI appear in no EPCI row).

These rules make coverage monotone: adding a local offer of a new organisation never lowers
any count, share or status of any territory; removing the only offer of a territory turns
it into ``gap`` where it was surveyed, ``none_known`` elsewhere; adding a survey only turns
``none_known`` into ``gap``.

Examples
--------
>>> from fresque.ecosystem import Ecosystem
>>> from fresque.geo.territories import Territories
>>> from fresque.model import Structure
>>> mini = Territories.load("tests/data/geo_mini")
>>> eco = Ecosystem(
...     [Structure(id="dla_29", name="DLA 29", kind="support_structure",
...                dispositifs=["dla_departemental"], territory_level="departement",
...                territory_codes=["29"]),
...      Structure(id="dla_22", name="DLA 22", kind="support_structure",
...                dispositifs=["dla_departemental"], territory_level="departement",
...                territory_codes=["22"], status="expected"),
...      Structure(id="adess", name="Adess", kind="support_structure",
...                dispositifs=["pole_ess"], territory_level="epci",
...                territory_codes=["242900835"]),
...      Structure(id="avise", name="Avise", kind="network", dispositifs=["pole_ess"],
...                territory_level="country")],
...     territories=mini)
>>> from fresque.model import Survey
>>> survey = Survey(id="rec_53", territory_level="departement", territory_code="53",
...                 attested_by="CRESS Pays de la Loire", date="2026-03-01",
...                 source="Annuaire des DLA 2026", scope="DLA départemental")
>>> coverage = compute_coverage(eco, surveys=[survey], as_of=date(2026, 12, 7))
>>> dla = coverage.table("departement", keys="dla_departemental")
>>> print(dla[["code", "status", "offers", "population"]].to_string(index=False))
code  status offers  population
  22 unknown dla_22        1189
  29  single dla_29       34692
  53     gap              14098
>>> compute_coverage(eco, as_of=date(2026, 12, 7)).table(
...     "departement", keys="dla_departemental")["status"].tolist()
['unknown', 'single', 'none_known']
>>> row = coverage.table("departement", keys="pole_ess", region="53").iloc[1]
>>> row["status"], bool(row["partial"]), int(row["population_covered"]), row["national"]
('single', True, 26233, 'avise')
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fresque.geo.codes import normalize_code, parse_level
from fresque.i18n import label, parse_enum, t_count
from fresque.model import (
    UNIQUE_BY_DESIGN,
    CoverageStatus,
    Dispositif,
    Level,
    Relation,
    Stage,
    Status,
    Structure,
    Survey,
    stages_served,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from fresque.ecosystem import Ecosystem
    from fresque.geo.territories import Territories

__all__ = [
    "ATTENTION",
    "DEFAULT_OVERLAP_THRESHOLD",
    "KEY_TYPES",
    "NO_OFFER",
    "OFFERED",
    "REPORT_FORMATS",
    "STATUS_ORDER",
    "TABLE_COLUMNS",
    "Coverage",
    "CoverageStatus",
    "Selection",
    "by_attention",
    "compute_coverage",
    "coverage_table",
    "gap_report",
    "organisations",
    "report_csv",
    "stages_offered_from_structures",
    "to_geodataframe",
    "write_report",
]


#: Statuses from the least to the most offered; codes in arrays are positions here.
STATUS_ORDER: tuple[CoverageStatus, ...] = (
    CoverageStatus.GAP,
    CoverageStatus.NONE_KNOWN,
    CoverageStatus.UNKNOWN,
    CoverageStatus.SINGLE,
    CoverageStatus.COVERED,
    CoverageStatus.OVERLAP,
)
_GAP, _NONE_KNOWN, _UNKNOWN, _SINGLE, _COVERED, _OVERLAP = range(6)

#: Statuses where no offer at all is known (confirmed or not).
NO_OFFER: frozenset[CoverageStatus] = frozenset({CoverageStatus.GAP, CoverageStatus.NONE_KNOWN})

#: Statuses where a local offer with a known operator exists.
OFFERED: frozenset[CoverageStatus] = frozenset(
    {CoverageStatus.SINGLE, CoverageStatus.COVERED, CoverageStatus.OVERLAP}
)

#: The two kinds of key: each dispositif, each stage.
KEY_TYPES: tuple[str, ...] = ("dispositif", "stage")

#: A key that is not unique by design is an ``overlap`` above this many offers.
DEFAULT_OVERLAP_THRESHOLD = 5

#: Columns of :meth:`Coverage.table`, in order.
TABLE_COLUMNS: tuple[str, ...] = (
    "level",
    "code",
    "name",
    "region",
    "key_type",
    "key",
    "status",
    "min_status",
    "partial",
    "n_offers",
    "n_active",
    "n_expected",
    "n_organisations",
    "offers",
    "population",
    "population_covered",
    "population_gap",
    "population_none_known",
    "population_unknown",
    "population_single",
    "share_covered",
    "surveyed",
    "offers_per_100k",
    "n_national",
    "national",
)

#: Formats :func:`write_report` writes.
REPORT_FORMATS: dict[str, str] = {
    "csv": "CSV (UTF-8, séparateur ,)",
    "xlsx": "classeur Excel",
    "geojson": "GeoJSON (polygones des territoires, points des communes)",
}

_LEVEL_FILES = {Level.REGION: "regions", Level.DEPARTEMENT: "departements", Level.EPCI: "epci"}
_HASH_SEED = 20261126
_MIX = np.uint64(0x9E3779B97F4A7C15)
#: Order of attention in the gap report: confirmed gaps, then territories where nothing is
#: recorded (where to survey next), then data gaps, then anomalies.
ATTENTION: dict[CoverageStatus, int] = {
    CoverageStatus.GAP: 0,
    CoverageStatus.NONE_KNOWN: 1,
    CoverageStatus.UNKNOWN: 2,
    CoverageStatus.OVERLAP: 3,
    CoverageStatus.SINGLE: 4,
    CoverageStatus.COVERED: 5,
}

Key = tuple[str, str]
KeyRef = Dispositif | Stage | str | tuple[str, str]


def _all_keys() -> tuple[Key, ...]:
    return tuple(("dispositif", d.value) for d in Dispositif) + tuple(
        ("stage", s.value) for s in Stage
    )


def _parse_key(ref: KeyRef) -> Key:
    """A key from a member, a ``(key_type, value)`` pair, or a value or label."""
    if isinstance(ref, Dispositif):
        return ("dispositif", ref.value)
    if isinstance(ref, Stage):
        return ("stage", ref.value)
    if isinstance(ref, tuple):
        kind, value = ref
        if kind not in KEY_TYPES:
            raise ValueError(f"type de clé inconnu « {kind} » : {', '.join(KEY_TYPES)}")
        enum_cls = Dispositif if kind == "dispositif" else Stage
        return (kind, parse_enum(enum_cls, value).value)
    if ref in Dispositif.__members__.values():
        return ("dispositif", Dispositif(ref).value)
    if ref in Stage.__members__.values():
        return ("stage", Stage(ref).value)
    try:
        return ("dispositif", parse_enum(Dispositif, ref).value)
    except ValueError:
        return ("stage", parse_enum(Stage, ref).value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | tuple | StrEnum):
        return [value]
    return list(value)


@dataclass(frozen=True, eq=False)
class _Level:
    """Communes grouped into the territories of one level."""

    level: Level
    codes: np.ndarray  # territory codes (object)
    names: np.ndarray
    regions: np.ndarray
    group: np.ndarray  # per commune: its territory's position, or -1


@dataclass(frozen=True, eq=False)
class Selection:
    """Territories of one level and their communes (see :meth:`Coverage.selection`).

    Attributes
    ----------
    level
        The level.
    positions, codes, names, regions
        The territories: positions among the level's territories, codes, names, régions.
    communes
        Positions of their communes (in ``territories.communes``), ordered by territory.
    territory_of
        For each of ``communes``, the position of its territory in ``codes``.
    """

    level: Level
    positions: np.ndarray
    codes: np.ndarray
    names: np.ndarray
    regions: np.ndarray
    communes: np.ndarray
    territory_of: np.ndarray


@dataclass(frozen=True, eq=False)
class Coverage:
    """Commune-level coverage of every dispositif and stage, ready to aggregate.

    Build it with :func:`compute_coverage`. Arrays are read-only; rows follow
    ``territories.communes``, columns follow :attr:`keys`.

    Attributes
    ----------
    territories
        The reference geography.
    ids
        Structure ids, in the order of the ecosystem's rows.
    keys
        ``(key_type, value)`` of each column: every dispositif, then every stage.
    unique
        Whether each key is unique by design.
    thresholds
        Above how many offers each key is an ``overlap`` (1 for unique keys).
    served
        Structures × communes incidence (``commune_matrix``), CSC.
    offer_keys, active_keys
        Structures × keys: local, non-defunct offers of the key; the known (active) ones.
    active, expected
        Communes × keys: number of active and of expected local offers.
    organisations
        Communes × keys: number of distinct organisations behind those offers.
    surveyed
        Communes × keys: whether a valid survey covers the commune and the key.
    status
        Communes × keys: status codes (positions in :data:`STATUS_ORDER`).
    population
        Population of each commune (unknown: 0).
    national
        Per key, the ids of the national, non-defunct structures carrying it.
    groups
        The organisations of two structures or more (row positions of their members):
        the only ones whose offers may be counted once for several.
    as_of
        The day the surveys were judged valid on.
    surveys, expired
        The surveys valid on ``as_of`` and those that expired before it ("to recheck").
    """

    territories: Territories
    ids: np.ndarray
    keys: tuple[Key, ...]
    unique: np.ndarray
    thresholds: np.ndarray
    served: sp.csc_array
    offer_keys: np.ndarray
    active_keys: np.ndarray
    active: np.ndarray
    expected: np.ndarray
    organisations: np.ndarray
    surveyed: np.ndarray
    status: np.ndarray
    population: np.ndarray
    national: tuple[tuple[str, ...], ...]
    groups: tuple[np.ndarray, ...] = ()
    as_of: date | None = None
    surveys: tuple[Survey, ...] = ()
    expired: tuple[Survey, ...] = ()
    _levels: dict[Level, _Level] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        counts = np.bincount(self.status.ravel(), minlength=len(STATUS_ORDER))
        shown = ", ".join(f"{s.value} {n}" for s, n in zip(STATUS_ORDER, counts, strict=True))
        return (
            f"<Coverage: {t_count('count.structures', len(self.ids), 'en')}, "
            f"{self.status.shape[0]} communes × "
            f"{len(self.keys)} keys ({shown})>"
        )

    # --- keys ---------------------------------------------------------------------------

    def key_positions(self, keys: KeyRef | Iterable[KeyRef] | None = None) -> np.ndarray:
        """Return the column positions of ``keys`` (all keys when ``None``).

        A key is a :class:`~fresque.model.Dispositif` or :class:`~fresque.model.Stage`
        member, a ``(key_type, value)`` pair, or a value or label (a dispositif first).

        Examples
        --------
        >>> from fresque.ecosystem import Ecosystem
        >>> from fresque.geo.territories import Territories
        >>> coverage = compute_coverage(
        ...     Ecosystem([], territories=Territories.load("tests/data/geo_mini")))
        >>> [coverage.keys[i] for i in coverage.key_positions(["Émergence", "cress"])]
        [('stage', 'emergence'), ('dispositif', 'cress')]
        """
        if keys is None:
            return np.arange(len(self.keys))
        wanted = [_parse_key(k) for k in _as_list(keys)]
        where = {key: i for i, key in enumerate(self.keys)}
        return np.array([where[k] for k in dict.fromkeys(wanted)], dtype=np.intp)

    @property
    def national_table(self) -> pd.DataFrame:
        """National actors per key: ``key_type``, ``key``, ``n_national``, ``national``.

        They serve every territory and are counted apart: they change no status.
        """
        return pd.DataFrame(
            {
                "key_type": [k[0] for k in self.keys],
                "key": [k[1] for k in self.keys],
                "n_national": [len(ids) for ids in self.national],
                "national": ["|".join(ids) for ids in self.national],
            }
        )

    # --- levels -------------------------------------------------------------------------

    def _level(self, level: Level) -> _Level:
        found = self._levels.get(level)
        if found is not None:
            return found
        communes = self.territories.communes
        if level is Level.COMMUNE:
            codes = communes["code"].to_numpy(dtype=object)
            found = _Level(
                level,
                codes,
                communes["name"].to_numpy(dtype=object),
                communes["region"].to_numpy(dtype=object),
                np.arange(len(codes)),
            )
        else:
            table = self.territories.table
            rows = table[table["level"] == level.value]
            codes = rows["code"].to_numpy(dtype=object)
            if level is Level.COUNTRY:
                group = np.zeros(len(communes), dtype=np.intp)
                regions = np.full(len(codes), "", dtype=object)
            else:
                column = communes[level.value].to_numpy(dtype=object)
                group = pd.Index(codes).get_indexer(column)
                regions = codes if level is Level.REGION else rows["region"].to_numpy(dtype=object)
            found = _Level(level, codes, rows["name"].to_numpy(dtype=object), regions, group)
        self._levels[level] = found
        return found

    # --- tables -------------------------------------------------------------------------

    def stages_offered(
        self, level: Level | str = Level.DEPARTEMENT, region: str | int | None = None
    ) -> pd.Series:
        """How many stages of a project's life (0 to 6) have a local offer in each
        territory of ``level``: ``single``, ``covered`` or ``overlap`` (what the
        workshop's board colours).

        Examples
        --------
        >>> from fresque.ecosystem import load_ecosystem
        >>> offered = compute_coverage(load_ecosystem()).stages_offered(region="53")
        >>> sorted(offered.index)
        ['22', '29', '35', '56']
        >>> bool(offered.between(0, len(Stage)).all())
        True
        """
        table = self.table(level, [("stage", s.value) for s in Stage], region)
        offered = table["status"].isin(OFFERED)
        counts = table[offered].groupby("code", observed=True)["key"].nunique()
        codes = pd.unique(table["code"])
        return counts.reindex(codes).fillna(0).astype(int).rename("stages")

    def selection(self, level: Level | str, region: str | int | None = None) -> Selection:
        """The territories of ``level`` (of ``region``) that hold communes, and their
        communes, ordered by territory: the rows every per-territory table has.

        Examples
        --------
        >>> from fresque.ecosystem import load_ecosystem
        >>> chosen = compute_coverage(load_ecosystem()).selection("departement", "53")
        >>> chosen.codes.tolist(), len(chosen.communes) == len(chosen.territory_of)
        (['22', '29', '35', '56'], True)
        """
        lvl = parse_level(level)
        info = self._level(lvl)
        selected = np.arange(len(info.codes))
        if region is not None:
            code = normalize_code(region, Level.REGION)
            self.territories[(Level.REGION, code)]  # raises on an unknown région
            selected = selected[info.regions == code]
        if lvl is Level.COMMUNE:
            communes = territory_of = selected
        else:
            keep = np.isin(info.group, selected) if region is not None else info.group >= 0
            communes = np.flatnonzero(keep)
            communes = communes[np.argsort(info.group[communes], kind="stable")]
            territory_of = info.group[communes]
            present = np.unique(territory_of)
            selected = present  # territories without communes have no row
            territory_of = np.searchsorted(present, territory_of)
        return Selection(
            lvl,
            selected,
            info.codes[selected],
            info.names[selected],
            info.regions[selected],
            communes,
            territory_of,
        )

    def surveys_of(
        self, level: Level | str, code: str
    ) -> tuple[tuple[Survey, ...], tuple[Survey, ...]]:
        """The surveys that touch a territory: those valid on :attr:`as_of`, and those
        expired ("to recheck"), each sorted by date, newest first.

        A survey touches a territory when they share a commune (a région's survey touches
        its départements; an EPCI's survey touches its département).

        Examples
        --------
        >>> from datetime import date
        >>> from fresque.ecosystem import load_ecosystem
        >>> coverage = compute_coverage(load_ecosystem(), as_of=date(2026, 12, 7))
        >>> valid, expired = coverage.surveys_of("departement", "14")
        >>> [s.id for s in valid], expired
        (['rec_28_cress_2025'], ())
        """
        lvl = parse_level(level)
        wanted = set(self.territories.commune_positions((lvl, normalize_code(code, lvl))).tolist())

        def touching(surveys: tuple[Survey, ...]) -> tuple[Survey, ...]:
            found = [
                s
                for s in surveys
                if wanted.intersection(
                    self.territories.commune_positions(
                        (s.territory_level, s.territory_code)
                    ).tolist()
                )
            ]
            return tuple(sorted(found, key=lambda s: (s.date, s.id), reverse=True))

        return touching(self.surveys), touching(self.expired)

    def incidence(self, selection: Selection) -> sp.csc_array:
        """Structures × territories of ``selection``: 1 where the structure serves at
        least one commune of the territory."""
        served = self.served[:, selection.communes]
        if selection.level is Level.COMMUNE:
            return served.tocsc()
        grouping = sp.csr_array(
            (
                np.ones(len(selection.communes), dtype=np.int32),
                (np.arange(len(selection.communes)), selection.territory_of),
            ),
            shape=(len(selection.communes), len(selection.positions)),
        )
        incidence = (served.astype(np.int32) @ grouping).tocsc()
        incidence.data[:] = 1
        return incidence

    def table(
        self,
        level: Level | str = Level.COMMUNE,
        keys: KeyRef | Iterable[KeyRef] | None = None,
        region: str | int | None = None,
    ) -> pd.DataFrame:
        """Return the tidy coverage table: one row per territory × key.

        Parameters
        ----------
        level
            ``commune``, ``epci``, ``departement``, ``region`` or ``country``.
        keys
            Keep these keys (see :meth:`key_positions`); all when ``None``.
        region
            Keep the territories of this région (its code); an EPCI counts in the région
            of its main département.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`TABLE_COLUMNS` (see the module docstring), rows sorted by
            territory code then key (dispositifs, then stages, in enum order).
            ``level``, ``key_type``, ``key``, ``status`` and ``min_status`` are
            categoricals (statuses ordered as :data:`STATUS_ORDER`).

        Examples
        --------
        >>> from fresque.ecosystem import Ecosystem
        >>> from fresque.geo.territories import Territories
        >>> from fresque.model import Structure
        >>> eco = Ecosystem(
        ...     [Structure(id="tag29", name="TAg29", kind="support_structure",
        ...                dispositifs=["incubateur"], territory_level="departement",
        ...                territory_codes=["29"])],
        ...     territories=Territories.load("tests/data/geo_mini"))
        >>> table = compute_coverage(eco).table("region", keys="creation")
        >>> columns = ["code", "status", "partial", "share_covered"]
        >>> print(table[columns].round(3).to_string(index=False))
        code     status  partial  share_covered
          52 none_known    False          0.000
          53     single     True          0.967
        """
        chosen = self.selection(level, region)
        lvl, communes, territory_of = chosen.level, chosen.communes, chosen.territory_of
        kidx = self.key_positions(keys)
        n_territories = len(chosen.codes)
        n_keys = len(kidx)

        status = self.status[np.ix_(communes, kidx)]
        active = self.active[np.ix_(communes, kidx)]
        expected = self.expected[np.ix_(communes, kidx)]
        surveyed = self.surveyed[np.ix_(communes, kidx)]
        population = self.population[communes]

        def weighted(mask: np.ndarray) -> np.ndarray:
            return np.where(mask, population[:, None], 0)

        if lvl is Level.COMMUNE:
            top = low = status
            territory_population = population
            pop_gap = weighted(status == _GAP)
            pop_none = weighted(status == _NONE_KNOWN)
            pop_unknown = weighted(status == _UNKNOWN)
            pop_single = weighted(status == _SINGLE)
            pop_surveyed = weighted(surveyed)
            n_active, n_expected = active, expected
            n_orgs = self.organisations[np.ix_(communes, kidx)]
            incidence = self.incidence(chosen)
        else:
            starts = np.flatnonzero(np.r_[True, territory_of[1:] != territory_of[:-1]])
            if len(communes) == 0:
                starts = np.empty(0, dtype=np.intp)

            def total(values: np.ndarray) -> np.ndarray:
                if not len(starts):
                    return np.zeros((0, *values.shape[1:]), dtype=values.dtype)
                return np.add.reduceat(values, starts, axis=0)

            top = np.maximum.reduceat(status, starts, axis=0) if len(starts) else status[:0]
            low = np.minimum.reduceat(status, starts, axis=0) if len(starts) else status[:0]
            territory_population = total(population)
            pop_gap = total(weighted(status == _GAP))
            pop_none = total(weighted(status == _NONE_KNOWN))
            pop_unknown = total(weighted(status == _UNKNOWN))
            pop_single = total(weighted(status == _SINGLE))
            pop_surveyed = total(weighted(surveyed))
            incidence = self.incidence(chosen)
            offer_mask = self.offer_keys[:, kidx].astype(np.int32)
            active_mask = self.active_keys[:, kidx].astype(np.int32)
            n_offers_all = np.asarray(incidence.T @ offer_mask)
            n_active = np.asarray(incidence.T @ active_mask)
            n_expected = n_offers_all - n_active
            n_orgs = n_offers_all - _excess(incidence, self.offer_keys[:, kidx], self.groups)
        n_offers = n_active + n_expected
        offers = _offer_strings(incidence, self.offer_keys[:, kidx], n_offers, self.ids)

        flat_population = np.repeat(territory_population, n_keys).astype(np.int64)
        covered = flat_population - pop_gap.ravel() - pop_none.ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(flat_population > 0, covered / flat_population, np.nan)
            share_surveyed = np.where(
                flat_population > 0, pop_surveyed.ravel() / flat_population, np.nan
            )
            per_100k = np.where(
                flat_population > 0, n_offers.ravel() * 1e5 / flat_population, np.nan
            )
        national = [self.national[i] for i in kidx]
        n_rows = n_territories * n_keys
        frame = pd.DataFrame(
            {
                "level": _constant(lvl.value, n_rows, [lv.value for lv in Level]),
                "code": np.repeat(chosen.codes, n_keys),
                "name": np.repeat(chosen.names, n_keys),
                "region": np.repeat(chosen.regions, n_keys),
                "key_type": pd.Categorical.from_codes(
                    np.tile([KEY_TYPES.index(self.keys[i][0]) for i in kidx], n_territories),
                    dtype=pd.CategoricalDtype(list(KEY_TYPES)),
                ),
                "key": pd.Categorical.from_codes(
                    np.tile(kidx, n_territories),
                    dtype=pd.CategoricalDtype([k[1] for k in self.keys]),
                ),
                "status": _status_column(top),
                "min_status": _status_column(low),
                "partial": ((top > _NONE_KNOWN) & (low <= _NONE_KNOWN)).ravel(),
                "n_offers": n_offers.ravel().astype(np.int64),
                "n_active": n_active.ravel().astype(np.int64),
                "n_expected": n_expected.ravel().astype(np.int64),
                "n_organisations": n_orgs.ravel().astype(np.int64),
                "offers": offers.ravel(),
                "population": flat_population,
                "population_covered": covered.astype(np.int64),
                "population_gap": pop_gap.ravel().astype(np.int64),
                "population_none_known": pop_none.ravel().astype(np.int64),
                "population_unknown": pop_unknown.ravel().astype(np.int64),
                "population_single": pop_single.ravel().astype(np.int64),
                "share_covered": share,
                "surveyed": share_surveyed,
                "offers_per_100k": per_100k,
                "n_national": np.tile([len(ids) for ids in national], n_territories),
                "national": np.tile(
                    np.array(["|".join(ids) for ids in national], dtype=object), n_territories
                ),
            },
            columns=list(TABLE_COLUMNS),
        )
        return frame


def _constant(value: str, n: int, categories: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(
        np.full(n, categories.index(value), dtype=np.int8),
        dtype=pd.CategoricalDtype(categories),
    )


def _status_column(codes: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(
        codes.ravel().astype(np.int8),
        dtype=pd.CategoricalDtype([s.value for s in STATUS_ORDER], ordered=True),
    )


def _offer_strings(
    incidence: sp.csc_array, offer_mask: np.ndarray, counts: np.ndarray, ids: np.ndarray
) -> np.ndarray:
    """Per territory × key, the ids of the offers joined with ``|`` (``""`` when none).

    Cells whose offer sets are equal share one string: the sets are told apart by two
    random integer fingerprints summed over their members (exact integer sums), and each
    distinct set is spelled once, from its first cell. A cell whose fingerprint matched a
    set of another size (a collision, never seen) is spelled on its own.
    """
    n_structures, n_cells_t = incidence.shape
    n_keys = offer_mask.shape[1]
    out = np.full(n_cells_t * n_keys, "", dtype=object)
    if not n_cells_t or not n_keys or not n_structures:
        return out.reshape(n_cells_t, n_keys)
    incidence = incidence.copy()
    incidence.sort_indices()
    rng = np.random.default_rng(_HASH_SEED)
    bound = max(2, (1 << 62) // n_structures)
    weights = rng.integers(1, bound, size=(n_structures, 2), dtype=np.int64)
    stacked = np.concatenate(
        [offer_mask * weights[:, [0]], offer_mask * weights[:, [1]]], axis=1
    ).astype(np.int64)
    sums = np.asarray(incidence.T @ stacked)
    first = sums[:, :n_keys].astype(np.uint64).ravel()
    second = sums[:, n_keys:].astype(np.uint64).ravel()
    flat_counts = counts.ravel()
    cells = np.flatnonzero(flat_counts > 0)
    if not len(cells):
        return out.reshape(n_cells_t, n_keys)
    with np.errstate(over="ignore"):
        fingerprint = (first[cells] * _MIX) ^ second[cells]
    codes, uniques = pd.factorize(fingerprint)
    representative = np.empty(len(uniques), dtype=np.intp)
    representative[codes[::-1]] = cells[::-1]
    indptr, indices = incidence.indptr, incidence.indices

    def spell(cell: int) -> str:
        territory, key = divmod(int(cell), n_keys)
        members = indices[indptr[territory] : indptr[territory + 1]]
        return "|".join(ids[members[offer_mask[members, key]]].tolist())

    spelled = np.array([spell(c) for c in representative], dtype=object)
    out[cells] = spelled[codes]
    clash = flat_counts[cells] != flat_counts[representative[codes]]
    for cell in cells[clash]:
        out[cell] = spell(cell)
    return out.reshape(n_cells_t, n_keys)


# --------------------------------------------------------------------------------------
# Computing
# --------------------------------------------------------------------------------------


def _thresholds(keys: Sequence[Key], overlap_threshold: int | Mapping[Any, int]) -> np.ndarray:
    default = DEFAULT_OVERLAP_THRESHOLD
    specific: dict[Key, int] = {}
    if isinstance(overlap_threshold, Mapping):
        for ref, value in overlap_threshold.items():
            specific[_parse_key(ref)] = int(value)
    else:
        default = int(overlap_threshold)
    values = np.array([specific.get(k, default) for k in keys], dtype=np.int64)
    if (values < 1).any():
        raise ValueError("overlap_threshold doit valoir au moins 1")
    return values


def compute_coverage(
    eco: Ecosystem,
    *,
    overlap_threshold: int | Mapping[Any, int] = DEFAULT_OVERLAP_THRESHOLD,
    surveys: Iterable[Survey] | None = None,
    as_of: date | None = None,
    survey_months: int | None = None,
) -> Coverage:
    """Compute the commune-level coverage of every dispositif and every stage.

    One pass: two sparse products (structures × communes by structures × keys) give the
    active and expected offers of every commune for every key; the few organisations of
    several structures correct the count of organisations where their members meet; the
    valid surveys mark the communes and keys whose absence of offer is confirmed.

    Parameters
    ----------
    eco
        The ecosystem (filter it first to compute the coverage of a subset, e.g.
        ``eco.filter(min_confidence="medium")``).
    overlap_threshold
        A key that is not unique by design is an ``overlap`` where *more* than this many
        offers serve a commune. An int for every key, or a mapping from keys
        (dispositif or stage, value or member) to their threshold, the others keeping
        :data:`DEFAULT_OVERLAP_THRESHOLD`.
    surveys
        The surveys to judge gaps by (default: the ecosystem's, ``eco.surveys``).
    as_of
        The day surveys must be valid on (default: today).
    survey_months
        How long a survey that names no validity counts (default:
        :data:`fresque.model.DEFAULT_SURVEY_MONTHS`).

    Returns
    -------
    Coverage
        Aggregate it with :meth:`Coverage.table`.

    Examples
    --------
    >>> from fresque.ecosystem import Ecosystem
    >>> from fresque.geo.territories import Territories
    >>> from fresque.model import Structure
    >>> eco = Ecosystem(
    ...     [Structure(id=f"incub_{i}", name=f"Incubateur {i}", kind="support_structure",
    ...                dispositifs=["incubateur"], territory_level="departement",
    ...                territory_codes=["29"]) for i in range(3)],
    ...     territories=Territories.load("tests/data/geo_mini"))
    >>> compute_coverage(eco).table("departement", "incubateur")["status"].tolist()
    ['none_known', 'covered', 'none_known']
    >>> compute_coverage(eco, overlap_threshold={"incubateur": 2}).table(
    ...     "departement", "incubateur")["status"].tolist()
    ['none_known', 'overlap', 'none_known']
    """
    keys = _all_keys()
    where = {key: i for i, key in enumerate(keys)}
    table = eco.structures
    n_structures = len(table)
    membership = np.zeros((n_structures, len(keys)), dtype=bool)
    for i, (dispositifs, stages) in enumerate(
        zip(table["dispositifs"].tolist(), table["stages"].tolist(), strict=True)
    ):
        for value in dispositifs:
            membership[i, where[("dispositif", value)]] = True
        for value in stages_served(stages, dispositifs):
            membership[i, where[("stage", value)]] = True

    status = table["status"].to_numpy(dtype=object)
    national = eco.national.to_numpy(dtype=bool)
    is_active = status == Status.ACTIVE.value
    is_expected = status == Status.EXPECTED.value
    offer_keys = membership & ((is_active | is_expected) & ~national)[:, None]
    active_keys = membership & (is_active & ~national)[:, None]
    national_keys = membership & ((is_active | is_expected) & national)[:, None]

    matrix = eco.commune_matrix
    stacked = np.concatenate([active_keys, offer_keys & ~active_keys], axis=1).astype(np.int32)
    counts = np.asarray(matrix.T @ stacked)
    n_keys = len(keys)
    active = np.ascontiguousarray(counts[:, :n_keys], dtype=np.int32)
    expected = np.ascontiguousarray(counts[:, n_keys:], dtype=np.int32)
    ids = table.index.to_numpy(dtype=object)
    groups = _groups(organisations(eco), ids, offer_keys)
    orgs = active + expected - _excess(matrix, offer_keys, groups)

    as_of = as_of if as_of is not None else date.today()
    chosen = tuple(eco.surveys if surveys is None else surveys)
    valid = tuple(s for s in chosen if s.is_valid(as_of, survey_months))
    valid_ids = {s.id for s in valid}
    expired = tuple(s for s in chosen if s.id not in valid_ids and s.date <= as_of)
    surveyed = _surveyed(eco.territories, valid, where, len(keys))

    unique = np.array(
        [kind == "dispositif" and Dispositif(value) in UNIQUE_BY_DESIGN for kind, value in keys]
    )
    thresholds = np.where(unique, 1, _thresholds(keys, overlap_threshold))
    codes = _commune_status(active, expected, orgs, surveyed, unique, thresholds)

    population = eco.territories.communes["population"].to_numpy(dtype=np.int64, na_value=0)
    national_ids = tuple(tuple(ids[national_keys[:, j]].tolist()) for j in range(n_keys))
    for array in (active, expected, orgs, surveyed, codes, offer_keys, active_keys, population):
        array.flags.writeable = False
    return Coverage(
        territories=eco.territories,
        ids=ids,
        keys=keys,
        unique=unique,
        thresholds=thresholds,
        served=matrix.tocsc(),
        offer_keys=offer_keys,
        active_keys=active_keys,
        active=active,
        expected=expected,
        organisations=orgs,
        surveyed=surveyed,
        status=codes,
        population=population,
        national=national_ids,
        groups=groups,
        as_of=as_of,
        surveys=valid,
        expired=expired,
    )


_departements_of: weakref.WeakKeyDictionary[Territories, dict[Any, frozenset[str]]] = (
    weakref.WeakKeyDictionary()
)


def _departements_touched(territories: Territories, level: Level, code: str) -> frozenset[str]:
    """The départements that hold at least one commune of a territory (cached)."""
    known = _departements_of.setdefault(territories, {})
    found = known.get((level, code))
    if found is None:
        positions = territories.commune_positions((level, code))
        column = territories.communes["departement"].to_numpy(dtype=object)
        found = frozenset(column[positions].tolist())
        known[(level, code)] = found
    return found


def _departement_codes(territories: Territories, region: str | None) -> tuple[str, ...]:
    """The départements holding communes (of ``region``), in the order of the
    territories' table (cached)."""
    known = _departements_of.setdefault(territories, {})
    found = known.get(("codes", region))
    if found is None:
        table = territories.table
        rows = table[table["level"] == Level.DEPARTEMENT.value]
        if region is not None:
            rows = rows[rows["region"] == region]
        with_communes = set(territories.communes["departement"].dropna())
        found = tuple(c for c in rows["code"] if c in with_communes)
        known[("codes", region)] = found
    return found


def stages_offered_from_structures(
    structures: Iterable[Structure],
    territories: Territories | None = None,
    region: str | int | None = None,
) -> pd.Series:
    """The départements' :meth:`Coverage.stages_offered`, from the structures alone.

    A stage is offered in a département when an active local structure serving it
    (:func:`fresque.model.stages_served`) serves one of its communes: that commune is
    ``single``, ``covered`` or ``overlap``, so the département's status is too. This
    needs no commune matrix: the live board redraws it at every change of a workshop
    (a thousandth of :func:`compute_coverage`'s time; the tests compare both).

    Parameters
    ----------
    structures
        The structures (validated records).
    territories
        The reference geography (default: :func:`~fresque.geo.territories.default_territories`).
    region
        Keep the départements of this région (its code).

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> eco = load_ecosystem()
    >>> fast = stages_offered_from_structures(eco.records.structures, region="53")
    >>> fast.equals(compute_coverage(eco).stages_offered(region="53"))
    True
    """
    from fresque.geo.territories import default_territories

    territories = territories if territories is not None else default_territories()
    if region is not None:
        region = normalize_code(region, Level.REGION)
        territories[(Level.REGION, region)]  # raises on an unknown région
    codes = _departement_codes(territories, region)
    offered: dict[str, set[str]] = {c: set() for c in codes}
    for s in structures:
        if s.status is not Status.ACTIVE or s.territory_level is Level.COUNTRY:
            continue
        served = stages_served(s.stages, s.dispositifs)
        if not served:
            continue
        for code in s.territory_codes:
            for departement in _departements_touched(territories, s.territory_level, code):
                found = offered.get(departement)
                if found is not None:
                    found.update(served)
    counts = [len(offered[c]) for c in codes]
    index = pd.Index(codes, name="code")
    return pd.Series(counts, index=index, dtype=int, name="stages")


def _commune_status(
    active: np.ndarray,
    expected: np.ndarray,
    orgs: np.ndarray,
    surveyed: np.ndarray,
    unique: np.ndarray,
    thresholds: np.ndarray,
) -> np.ndarray:
    """Status codes from the counts of offers and organisations (module docstring)."""
    offers = active + expected
    crowded = np.where(unique[None, :], offers, orgs) > thresholds[None, :]
    codes = np.where(crowded, np.int8(_OVERLAP), np.int8(_COVERED) - (orgs == 1))
    codes = np.where(active == 0, np.int8(_UNKNOWN), codes)
    nothing = np.where(surveyed, np.int8(_GAP), np.int8(_NONE_KNOWN))
    return np.where(offers == 0, nothing, codes).astype(np.int8, copy=False)


def organisations(eco: Ecosystem) -> pd.Series:
    """The organisation each structure belongs to, for counting offers by organisation.

    A carrier and what it carries are one organisation: structures joined by a current
    ``carries`` link (one without ``until``) or a ``carrier_id``, directly or through a
    chain, are one family, named after its first id. Several carriers of one programme
    (the four Breton TAg co-carrying the Fabrique à initiatives) join one family: if the
    family stops, so does the programme. Defunct structures join nothing.

    Examples
    --------
    >>> from fresque.ecosystem import Ecosystem
    >>> from fresque.geo.territories import Territories
    >>> from fresque.model import Link, Structure
    >>> def incubator(sid, carrier=None):
    ...     return Structure(id=sid, name=sid, kind="support_structure",
    ...                      dispositifs=["incubateur"], territory_level="departement",
    ...                      territory_codes=["29"], carrier_id=carrier)
    >>> eco = Ecosystem([incubator("tag_bzh"), incubator("tag29", "tag_bzh"),
    ...                  incubator("adess"), incubator("fai"), incubator("other")],
    ...                 [Link(source="adess", target="fai", relation="carries")],
    ...                 territories=Territories.load("tests/data/geo_mini"))
    >>> organisations(eco).to_dict()
    {'adess': 'adess', 'fai': 'adess', 'other': 'other', 'tag29': 'tag29', 'tag_bzh': 'tag29'}
    """
    table = eco.structures
    ids = table.index.tolist()
    alive = {sid for sid, status in zip(ids, table["status"], strict=True) if status != "defunct"}
    parent = {sid: sid for sid in ids}

    def find(sid: str) -> str:
        while parent[sid] != sid:
            parent[sid] = parent[parent[sid]]
            sid = parent[sid]
        return sid

    def join(a: str, b: str) -> None:
        if a in alive and b in alive and a != b:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

    for sid, carrier in zip(ids, table["carrier_id"].tolist(), strict=True):
        if isinstance(carrier, str) and carrier in parent:
            join(sid, carrier)
    links = eco.links
    if len(links):
        current = links[(links["relation"] == Relation.CARRIES.value) & links["until"].isna()]
        for source, target in zip(current["source"], current["target"], strict=True):
            join(source, target)
    return pd.Series([find(sid) for sid in ids], index=table.index, name="organisation")


def _groups(
    organisation: pd.Series, ids: np.ndarray, offer_keys: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Row positions of the members of each organisation with two offers or more."""
    offering = offer_keys.any(axis=1)
    codes, _ = pd.factorize(organisation.to_numpy(dtype=object))
    codes = np.where(offering, codes, -1)
    sizes = np.bincount(codes[codes >= 0], minlength=1)
    shared = np.flatnonzero(sizes > 1)
    return tuple(np.flatnonzero(codes == g) for g in shared)


def _excess(
    incidence: sp.sparray, offer_mask: np.ndarray, groups: tuple[np.ndarray, ...]
) -> np.ndarray:
    """Per column of ``incidence`` (structures × territories) and key, how many offers
    are counted again for an organisation already counted: the offers minus the
    organisations. Only organisations of several members can add any.

    One sparse product for every organisation and key at once: (organisation, key) ×
    members, times members × columns, gives how many members of each organisation offer
    each key in each column; what is above one is counted again.
    """
    n_columns, n_keys = incidence.shape[1], offer_mask.shape[1]
    excess = np.zeros((n_columns, n_keys), dtype=np.int32)
    if not groups:
        return excess
    members = np.concatenate(groups)
    group_of = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    member_row, key = np.nonzero(offer_mask[members])
    if not len(member_row):
        return excess
    pick = sp.csr_array(
        (
            np.ones(len(member_row), dtype=np.int32),
            (group_of[member_row] * n_keys + key, member_row),
        ),
        shape=(len(groups) * n_keys, len(members)),
    )
    served = incidence.tocsr()[members].astype(np.int32)
    counts = (pick @ served).tocoo()
    extra = counts.data - 1
    keep = extra > 0
    cells = counts.col[keep].astype(np.int64) * n_keys + counts.row[keep] % n_keys
    total = np.bincount(cells, weights=extra[keep], minlength=n_columns * n_keys)
    return total.reshape(n_columns, n_keys).astype(np.int32)


def _surveyed(
    territories: Territories, surveys: Iterable[Survey], where: Mapping[Key, int], n_keys: int
) -> np.ndarray:
    """Communes × keys: whether a valid survey covers the commune and the key."""
    surveyed = np.zeros((len(territories.communes), n_keys), dtype=bool)
    for survey in surveys:
        try:
            positions = territories.commune_positions(
                (survey.territory_level, survey.territory_code)
            )
        except Exception as error:  # an unknown territory: say which survey names it
            raise ValueError(f"recensement {survey.id} : {error}") from error
        key = survey.key
        if key is None:
            surveyed[positions] = True
        elif key in where:
            surveyed[positions, where[key]] = True
    return surveyed


def coverage_table(
    eco: Ecosystem,
    level: Level | str = Level.DEPARTEMENT,
    keys: KeyRef | Iterable[KeyRef] | None = None,
    region: str | int | None = None,
    *,
    overlap_threshold: int | Mapping[Any, int] = DEFAULT_OVERLAP_THRESHOLD,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Return ``compute_coverage(eco, ...).table(level, keys, region)`` in one call.

    Examples
    --------
    The national dataset's one survey attests that Normandie has no CRESS since July 2025:

    >>> from fresque.ecosystem import load_ecosystem
    >>> table = coverage_table(load_ecosystem(), "region", "cress", as_of=date(2026, 12, 7))
    >>> table.loc[table["status"] == "gap", "name"].tolist()
    ['Normandie']
    >>> table = coverage_table(load_ecosystem(), "region", "cress", as_of=date(2027, 8, 1))
    >>> table.loc[table["name"] == "Normandie", "status"].tolist()  # the survey expired
    ['none_known']
    """
    coverage = compute_coverage(eco, overlap_threshold=overlap_threshold, as_of=as_of)
    return coverage.table(level, keys, region)


# --------------------------------------------------------------------------------------
# Gap report
# --------------------------------------------------------------------------------------

#: Columns of :func:`gap_report`, in order.
REPORT_COLUMNS: tuple[str, ...] = (
    "region",
    "region_name",
    "rank",
    "level",
    "code",
    "name",
    "key_type",
    "key",
    "key_label",
    "status",
    "status_label",
    "partial",
    "population",
    "population_gap",
    "population_none_known",
    "share_covered",
    "surveyed",
    "n_offers",
    "n_organisations",
    "n_active",
    "n_expected",
    "offers",
    "offers_per_100k",
    "n_national",
    "national",
)


def by_attention(
    table: pd.DataFrame, first: Sequence[str] = (), then: Sequence[str] = ("code",)
) -> pd.DataFrame:
    """Rows of a coverage table in order of attention: grouped by the ``first`` columns,
    then confirmed gaps, territories where nothing is recorded, and the other statuses
    (:data:`ATTENTION`), each by inhabitants without a known offer (``population_gap +
    population_none_known``), then by population, then by the ``then`` columns.

    Examples
    --------
    >>> rows = pd.DataFrame({"code": ["a", "b", "c"], "status": ["single", "none_known", "gap"],
    ...     "population_gap": [0, 0, 10], "population_none_known": [0, 500, 0],
    ...     "population": [900, 500, 10]})
    >>> by_attention(rows)["code"].tolist()
    ['c', 'b', 'a']
    """
    attention = table["status"].astype(str).map({s.value: i for s, i in ATTENTION.items()})
    without = table["population_gap"] + table["population_none_known"]
    ordered = table.assign(_attention=attention, _without=without).sort_values(
        [*first, "_attention", "_without", "population", *then],
        ascending=[*([True] * len(first)), True, False, False, *([True] * len(then))],
        kind="stable",
    )
    return ordered.drop(columns=["_attention", "_without"])


def gap_report(
    coverage: Coverage,
    level: Level | str = Level.DEPARTEMENT,
    *,
    dispositif: Dispositif | str | Iterable[Dispositif | str] | None = None,
    stage: Stage | str | Iterable[Stage | str] | None = None,
    region: str | int | None = None,
    lang: str = "fr",
    by_region: bool = False,
) -> pd.DataFrame:
    """Return the gap report: confirmed gaps first, then where to survey next.

    One row per territory × key, grouped by key, ranked within each by status in order
    of attention (:data:`ATTENTION`: ``gap`` confirmed by a survey, then ``none_known``
    where nothing is recorded, ``unknown``, ``overlap``, ``single``, ``covered``), then by
    the population without any known offer (``population_gap + population_none_known``,
    largest first), then by population. ``rank`` starts at 1 for each key: over the whole
    country, or within each région with ``by_region``.

    Parameters
    ----------
    coverage
        From :func:`compute_coverage`.
    level
        ``commune``, ``epci``, ``departement`` or ``region``.
    dispositif, stage
        The keys reported (one or several of each; at least one).
    region
        Keep one région (its code).
    lang
        Language of ``key_label`` and ``status_label``.
    by_region
        Group the rows by région first and rank them within each.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`REPORT_COLUMNS`.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> report = gap_report(compute_coverage(load_ecosystem()), "departement",
    ...                     dispositif="dla_departemental", region="53")
    >>> print(report[["rank", "code", "status", "offers"]].to_string(index=False))
     rank code  status          offers
        1   56 unknown dla_56_expected
        2   22 unknown dla_22_expected
        3   35  single          dla_35
        4   29  single          dla_29
    """
    keys: list[KeyRef] = [
        ("dispositif", parse_enum(Dispositif, d).value) for d in _as_list(dispositif)
    ]
    keys += [("stage", parse_enum(Stage, s).value) for s in _as_list(stage)]
    if not keys:
        raise ValueError("gap_report : précisez au moins un dispositif ou une étape")
    lvl = parse_level(level)
    table = coverage.table(lvl, keys, region)
    regions = coverage.territories.table
    region_names = dict(
        zip(
            regions.loc[regions["level"] == "region", "code"],
            regions.loc[regions["level"] == "region", "name"],
            strict=True,
        )
    )
    table = table.assign(_key_order=table["key"].cat.codes)
    group = ["region", "_key_order"] if by_region else ["_key_order"]
    table = by_attention(table, first=group)
    table["rank"] = table.groupby(group, sort=False).cumcount() + 1
    table["region_name"] = table["region"].map(region_names).fillna("")
    key_labels = {
        k: label(Dispositif(k) if t == "dispositif" else Stage(k), lang) for t, k in coverage.keys
    }
    table["key_label"] = table["key"].astype(str).map(key_labels)
    table["status_label"] = (
        table["status"].astype(str).map(lambda s: label(CoverageStatus(s), lang))
    )
    return table[list(REPORT_COLUMNS)].reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Maps and files
# --------------------------------------------------------------------------------------


def to_geodataframe(
    table: pd.DataFrame,
    territories: Territories | None = None,
    geo_dir: str | Path | None = None,
) -> gpd.GeoDataFrame:
    """Join a coverage table (or gap report) to the shapes of its territories.

    Régions, départements and EPCI get their polygons from ``data/geo``
    (``regions.geojson``, ``departements.geojson``, ``epci.geojson``); communes get their
    representative point. Every row of ``table`` is kept, in order (geometry missing when
    a shape is not found).

    Parameters
    ----------
    table
        A :meth:`Coverage.table` or :func:`gap_report` frame, of one level.
    territories
        For communes' points (default: :func:`~fresque.geo.territories.default_territories`).
    geo_dir
        Folder of the GeoJSON files (default: :func:`fresque.paths.geo_dir`).

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> table = coverage_table(load_ecosystem(), "region", "cress")
    >>> shapes = to_geodataframe(table)
    >>> len(shapes) == len(table), shapes.crs.to_epsg(), shapes.geometry.isna().sum()
    (True, 4326, np.int64(0))
    """
    import geopandas as gpd
    from shapely.geometry import Point

    from fresque.paths import geo_dir as default_geo_dir

    levels = set(table["level"].astype(str)) if len(table) else set()
    if len(levels) > 1:
        raise ValueError("to_geodataframe : une table d’un seul niveau à la fois")
    level = Level(levels.pop()) if levels else Level.REGION
    frame = pd.DataFrame(table).copy()
    if level is Level.COMMUNE:
        if territories is None:
            from fresque.geo.territories import default_territories

            territories = default_territories()
        communes = territories.communes.set_index("code")
        lon = frame["code"].map(communes["lon"])
        lat = frame["code"].map(communes["lat"])
        geometry = [
            None if np.isnan(x) or np.isnan(y) else Point(x, y)
            for x, y in zip(lon.to_numpy(float), lat.to_numpy(float), strict=True)
        ]
        return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
    if level not in _LEVEL_FILES:
        raise ValueError(f"aucune forme pour le niveau « {level.value} »")
    folder = Path(geo_dir) if geo_dir is not None else default_geo_dir()
    shapes = gpd.read_file(folder / f"{_LEVEL_FILES[level]}.geojson")
    shapes = shapes.set_index(shapes["code"].astype(str))["geometry"]
    geometry = gpd.GeoSeries(frame["code"].map(shapes).to_numpy(), crs=shapes.crs)
    return gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs="EPSG:4326")


def _plain_frame(frame: pd.DataFrame, neutralize: bool = True) -> pd.DataFrame:
    """Categoricals as text; with ``neutralize``, text cells made safe for spreadsheets."""
    from fresque.io.tables import neutralize_formula

    out = pd.DataFrame(frame).copy()
    for column in out.columns:
        if column == "geometry":
            continue
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(str)
        if neutralize and pd.api.types.is_string_dtype(series.dtype):
            series = series.map(lambda v: neutralize_formula(v) if isinstance(v, str) else v)
        out[column] = series
    return out


def report_csv(frame: pd.DataFrame) -> str:
    """Return a coverage table or gap report as CSV text (UTF-8, ``,``, ``\\n``).

    Text a spreadsheet would run as a formula is neutralised (a leading apostrophe), as
    every export of :mod:`fresque.io` does.

    Examples
    --------
    >>> print(report_csv(pd.DataFrame({"code": ["29"], "name": ["=1+1"]})), end="")
    code,name
    29,'=1+1
    """
    return _plain_frame(frame).to_csv(index=False, lineterminator="\n")


def write_report(
    frame: pd.DataFrame,
    path: str | Path,
    format: str | None = None,
    *,
    territories: Territories | None = None,
    geo_dir: str | Path | None = None,
) -> Path:
    """Write a coverage table or gap report as CSV, XLSX or GeoJSON.

    Written atomically (:func:`fresque.io.tables.atomic_write`); text cells are
    neutralised against formula injection in CSV and XLSX; codes stay text in XLSX.

    Parameters
    ----------
    frame
        A :meth:`Coverage.table` or :func:`gap_report` frame.
    path
        The file.
    format
        ``csv``, ``xlsx`` or ``geojson`` (:data:`REPORT_FORMATS`); by default from the
        extension.
    territories, geo_dir
        For the GeoJSON shapes (see :func:`to_geodataframe`).

    Returns
    -------
    Path
        ``path``.
    """
    from fresque.io.tables import atomic_write, write_sheets

    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt not in REPORT_FORMATS:
        raise ValueError(
            f"format inconnu « {fmt} » : formats possibles {', '.join(REPORT_FORMATS)}"
        )
    if fmt == "csv":
        with atomic_write(path) as handle:
            handle.write(report_csv(frame))
    elif fmt == "xlsx":
        write_sheets(path, {"couverture": _plain_frame(frame)})
    else:
        shapes = to_geodataframe(frame, territories=territories, geo_dir=geo_dir)
        plain = _plain_frame(shapes.drop(columns="geometry"), neutralize=False)
        document = json.loads(
            shapes[["geometry"]].join(plain).to_json(na="null", drop_id=True, to_wgs84=True)
        )
        for feature, code in zip(document["features"], frame["code"], strict=True):
            feature["id"] = code
        with atomic_write(path) as handle:
            json.dump(document, handle, ensure_ascii=False)
            handle.write("\n")
    return path
