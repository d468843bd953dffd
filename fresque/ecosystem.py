"""The ecosystem: structures, links and the territories they serve, with queries.

An :class:`Ecosystem` holds validated records (:class:`~fresque.model.Structure`,
:class:`~fresque.model.Link`) and the reference geography
(:class:`~fresque.geo.territories.Territories`). It offers them as tables, as a graph, and
answers the questions every view asks: who is this, who is linked to it, what does this
subset look like, who serves this territory.

Territorial semantics
---------------------

A structure serves every commune of the territories it names (``territory_level`` and
``territory_codes``). Each structure's communes are computed once, when the ecosystem is
built, into a sparse structures × communes matrix (:attr:`Ecosystem.commune_matrix`), so
territorial queries are a column slice and a sum.

*National* structures (level ``country``) serve everything. They are kept apart: they
have empty rows in the matrix, :meth:`Ecosystem.serving` returns them in their own table,
and they never hide a local gap.

:meth:`Ecosystem.serving` takes a territory of any level. For a commune, the local
offers are the structures whose territory contains it. For a wider territory (EPCI,
département, région), a structure may serve all of it (``match == "contains"``) or only
part of it (``"overlaps"``: a Fabrique of one EPCI inside a département, a DLA
départemental inside a région); both are returned, with the share of the territory's
population they serve.

Naming a territory
------------------

A two-digit code is both a région and a département (``53`` is Bretagne and Mayenne), so
queries take a territory as a :class:`~fresque.geo.territories.Territory`, a
``(level, code)`` pair, or a code with ``level=``. A bare code is accepted only when it
names one territory at every level (``"29151"``, ``"29"``, ``"242900835"``); ``"53"``
without ``level=`` raises :class:`~fresque.geo.territories.AmbiguousTerritoryError`. For
a name or a postal code, resolve it first: ``eco.territories.get("Morlaix")``.

Examples
--------
>>> from fresque.geo.territories import Territories
>>> mini = Territories.load("tests/data/geo_mini")
>>> eco = Ecosystem(
...     [
...         Structure(id="cress_bre", name="CRESS Bretagne", kind="chamber",
...                   dispositifs=["cress"], territory_level="region", territory_codes=["53"]),
...         Structure(id="tag29", name="TAg29", kind="support_structure",
...                   dispositifs=["incubateur"], territory_level="departement",
...                   territory_codes=["29"], commune_code="29151"),
...         Structure(id="avise", name="Avise", kind="support_structure",
...                   territory_level="country"),
...     ],
...     [Link(source="cress_bre", target="tag29", relation="partners_with")],
...     territories=mini,
... )
>>> eco
<Ecosystem: 3 structures (0 expected, 0 defunct), 1 link>
>>> found = eco.serving("29151")
>>> found.contains, found.national.index.tolist()
(['cress_bre', 'tag29'], ['avise'])
>>> region = eco.serving("53", level="region")
>>> region.contains, region.overlaps, region.local["share"].round(2).tolist()
(['cress_bre'], ['tag29'], [1.0, 0.97])
>>> eco.neighbors("tag29")
['cress_bre']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from shapely.geometry import Point

from fresque.geo.codes import InvalidCodeError, levels_of_code, normalize_code
from fresque.geo.territories import (
    AmbiguousTerritoryError,
    Territories,
    Territory,
    TerritoryError,
    UnknownTerritoryError,
    default_territories,
)
from fresque.i18n import label, parse_enum, t_count
from fresque.io.tables import LINK_COLUMNS
from fresque.io.tables import STRUCTURE_COLUMNS as STRUCTURE_FIELDS
from fresque.io.validate import Records
from fresque.model import (
    CARRIED_BY_DESIGN,
    SYMMETRIC_RELATIONS,
    UNIQUE_BY_DESIGN,
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
    stages_served,
)
from fresque.paths import data_dir

__all__ = [
    "Ecosystem",
    "Serving",
    "ecosystem_dir",
    "load_ecosystem",
]

_E = TypeVar("_E", bound=StrEnum)

#: Columns of :attr:`Ecosystem.structures` besides the id index and the geometry.
STRUCTURE_COLUMNS = (*STRUCTURE_FIELDS[1:], "lon", "lat")
DIRECTIONS = ("out", "in", "both")


def ecosystem_dir() -> Path:
    """Return the folder of the curated dataset, ``data/ecosystem``.

    ``FRESQUE_DATA_DIR`` moves it with the rest of the data (:func:`fresque.paths.data_dir`).

    Examples
    --------
    >>> ecosystem_dir().name
    'ecosystem'
    """
    return data_dir() / "ecosystem"


def _plain(value: Any) -> Any:
    """A record value as tables and graphs hold it: enum values, lists of them, dates."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _enums(enum_cls: type[_E], values: Any) -> set[_E]:
    """Members named by one value or an iterable of values (values, labels, synonyms)."""
    if isinstance(values, str):
        values = [values]
    return {parse_enum(enum_cls, v) for v in values}


@dataclass(frozen=True)
class Serving:
    """Who serves a territory: local offers, and national actors apart.

    Attributes
    ----------
    territory
        The territory asked about.
    local
        Local structures serving at least one of its communes, with two more columns:
        ``match`` (``"contains"`` when the structure serves the whole territory,
        ``"overlaps"`` when only part of it) and ``share`` (share of the territory's
        population it serves, 0 to 1; of its communes when no population is known).
        Sorted by match (contains first), share (largest first), then id.
    national
        National structures (level ``country``) with the same filters: they serve every
        territory and are counted apart.
    """

    territory: Territory
    local: gpd.GeoDataFrame
    national: gpd.GeoDataFrame

    @property
    def contains(self) -> list[str]:
        """Ids of the local structures serving the whole territory."""
        return self.local.index[self.local["match"] == "contains"].tolist()

    @property
    def overlaps(self) -> list[str]:
        """Ids of the local structures serving part of the territory."""
        return self.local.index[self.local["match"] == "overlaps"].tolist()

    def __len__(self) -> int:
        """Number of local offers."""
        return len(self.local)


class Ecosystem:
    """Structures, links and territories, as tables, as a graph, with queries.

    Parameters
    ----------
    structures
        The structures (records, or mappings validated into records).
    links
        The links between them (records or mappings).
    territories
        The reference geography (default: :func:`default_territories`).
    surveys
        The surveys (« recensements ») of the dataset: which territories' offer was
        checked, by whom, when (:class:`~fresque.model.Survey`).

    Attributes
    ----------
    structures : geopandas.GeoDataFrame
        One row per structure, indexed by ``id`` and sorted by it; every field of
        :class:`~fresque.model.Structure` (enums as their values, lists as lists), plus
        ``lon``, ``lat`` and a point ``geometry`` (EPSG:4326) at the representative point
        of its commune; ``lon``/``lat`` are NaN and ``geometry`` is missing (``None``) when
        it is not located.
    links : pandas.DataFrame
        One row per link, every field of :class:`~fresque.model.Link`, sorted by
        (source, target, relation).
    graph : networkx.MultiDiGraph
        Nodes are structure ids carrying every column of :attr:`structures` but the
        geometry; edges go from source to target, keyed by relation, carrying every field
        of the link.
    territories : Territories
        The reference geography.
    surveys : tuple of Survey
        The surveys, sorted by id; subsets and filters keep them all (a survey is about a
        territory, not about the structures shown).

    Raises
    ------
    ValueError
        When two structures share an id, a link names an unknown structure or repeats
        another, or a structure names a territory unknown to ``territories``.
    """

    def __init__(
        self,
        structures: Iterable[Structure | dict[str, Any]],
        links: Iterable[Link | dict[str, Any]] = (),
        territories: Territories | None = None,
        surveys: Iterable[Survey | dict[str, Any]] = (),
    ) -> None:
        self.territories = territories if territories is not None else default_territories()
        self.surveys = tuple(
            sorted(
                (s if isinstance(s, Survey) else Survey.model_validate(s) for s in surveys),
                key=lambda s: s.id,
            )
        )
        records = [
            s if isinstance(s, Structure) else Structure.model_validate(s) for s in structures
        ]
        edges = [k if isinstance(k, Link) else Link.model_validate(k) for k in links]
        self._check(records, edges)
        records.sort(key=lambda s: s.id)
        edges.sort(key=lambda k: (k.source, k.target, k.relation.value))
        matrix, national = self._commune_matrix(records)
        self._init(records, edges, matrix, national)

    # --- construction -------------------------------------------------------------------

    @staticmethod
    def _check(records: list[Structure], edges: list[Link]) -> None:
        repeated = sorted(sid for sid, n in Counter(s.id for s in records).items() if n > 1)
        if repeated:
            raise ValueError(f"Identifiants en double : {', '.join(repeated)}.")
        ids = {s.id for s in records}
        dangling = sorted({end for k in edges for end in (k.source, k.target) if end not in ids})
        if dangling:
            raise ValueError(f"Liens vers des structures inconnues : {', '.join(dangling)}.")
        keys = Counter(k.key for k in edges)
        twice = sorted(key for key, n in keys.items() if n > 1)
        if twice:
            listed = ", ".join(f"{s} → {t} ({r.value})" for s, t, r in twice)
            raise ValueError(f"Liens en double : {listed}.")

    def _commune_matrix(self, records: list[Structure]) -> tuple[sp.csr_array, np.ndarray]:
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        national = np.zeros(len(records), dtype=bool)
        for i, s in enumerate(records):
            if s.territory_level is Level.COUNTRY:
                national[i] = True
                continue
            parts = []
            for code in s.territory_codes:
                try:
                    parts.append(self.territories.commune_positions((s.territory_level, code)))
                except TerritoryError as error:
                    raise ValueError(f"{s.id} : {error}") from error
            if len(parts) == 1:
                positions = parts[0]  # already sorted, without repeats
            else:
                positions = np.unique(np.concatenate(parts)) if parts else np.empty(0, np.intp)
            cols.append(positions)
            rows.append(np.full(len(positions), i))
        n_communes = len(self.territories.communes)
        row = np.concatenate(rows) if rows else np.empty(0, np.intp)
        col = np.concatenate(cols) if cols else np.empty(0, np.intp)
        matrix = sp.csr_array(
            (np.ones(len(row), dtype=np.int8), (row, col)), shape=(len(records), n_communes)
        )
        return matrix, national

    def _init(
        self,
        records: list[Structure],
        edges: list[Link],
        matrix: sp.csr_array,
        national: np.ndarray,
    ) -> None:
        self._records = {s.id: s for s in records}
        self._links = edges
        self._matrix = matrix
        self._matrix_csc = matrix.tocsc()
        self._national = national
        self._position = {sid: i for i, sid in enumerate(self._records)}
        self.structures = self._structure_table(records)
        self.links = self._link_table(edges)
        self._link_row_cache: list[dict[str, Any]] | None = None
        self.graph = self._graph()

    def _structure_table(self, records: list[Structure]) -> gpd.GeoDataFrame:
        communes = self.territories.communes
        where = pd.Series(range(len(communes)), index=communes["code"].to_numpy())
        lon = communes["lon"].to_numpy(dtype=float)
        lat = communes["lat"].to_numpy(dtype=float)
        rows = []
        geometry = []
        for s in records:
            row = {column: _plain(getattr(s, column)) for column in STRUCTURE_COLUMNS[:-2]}
            i = where.get(s.commune_code) if s.commune_code else None
            if i is None or np.isnan(lon[i]):
                row["lon"] = row["lat"] = np.nan
                geometry.append(None)
            else:
                row["lon"], row["lat"] = float(lon[i]), float(lat[i])
                geometry.append(Point(row["lon"], row["lat"]))
            rows.append(row)
        frame = pd.DataFrame(rows, columns=list(STRUCTURE_COLUMNS), dtype=object)
        frame[["lon", "lat"]] = frame[["lon", "lat"]].astype(float)
        frame.index = pd.Index([s.id for s in records], name="id", dtype=object)
        return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")

    @staticmethod
    def _link_table(edges: list[Link]) -> pd.DataFrame:
        rows = [{column: _plain(getattr(k, column)) for column in LINK_COLUMNS} for k in edges]
        return pd.DataFrame(rows, columns=list(LINK_COLUMNS), dtype=object)

    def _graph(self) -> nx.MultiDiGraph:
        graph = nx.MultiDiGraph()
        table = self.structures.drop(columns="geometry")
        for sid, row in zip(table.index, table.to_dict("records"), strict=True):
            graph.add_node(sid, id=sid, **row)
        for row in self._link_rows():
            graph.add_edge(row["source"], row["target"], key=row["relation"], **row)
        return graph

    def _subset(self, keep: np.ndarray, link_keep: np.ndarray | None = None) -> Ecosystem:
        """A new ecosystem with the structures where ``keep`` is true (no recomputation:
        rows of the tables, of the commune matrix and of the graph are taken as they are)."""
        rows = np.flatnonzero(keep)
        ids = [sid for sid, kept in zip(self._records, keep, strict=True) if kept]
        kept_ids = set(ids)
        edge_rows = [
            j
            for j, k in enumerate(self._links)
            if k.source in kept_ids and k.target in kept_ids and (link_keep is None or link_keep[j])
        ]
        new = object.__new__(Ecosystem)
        new.territories = self.territories
        new.surveys = self.surveys
        new._records = {sid: self._records[sid] for sid in ids}
        new._links = [self._links[j] for j in edge_rows]
        new._matrix = self._matrix[rows]
        new._matrix_csc = new._matrix.tocsc()
        new._national = self._national[rows]
        new._position = {sid: i for i, sid in enumerate(ids)}
        new.structures = self.structures.iloc[rows].copy()
        new.links = self.links.iloc[edge_rows].reset_index(drop=True)
        graph = nx.MultiDiGraph()
        graph.add_nodes_from((sid, self.graph.nodes[sid]) for sid in ids)
        link_rows = self._link_rows()
        for j in edge_rows:
            row = link_rows[j]
            graph.add_edge(row["source"], row["target"], key=row["relation"], **row)
        new.graph = graph
        return new

    def _link_rows(self) -> list[dict[str, Any]]:
        """The rows of :attr:`links` as dicts (the graph's edge data), made once."""
        if getattr(self, "_link_row_cache", None) is None:
            self._link_row_cache = self.links.to_dict("records")
        return self._link_row_cache

    def subset(self, ids: Iterable[str]) -> Ecosystem:
        """Return the ecosystem of the structures ``ids`` and the links between them.

        Slices the tables and the commune matrix; nothing is recomputed.

        Examples
        --------
        >>> eco = load_ecosystem()
        >>> small = eco.subset(["avise", "ess_france"])
        >>> len(small), sorted(small.structures.index)
        (2, ['avise', 'ess_france'])
        """
        wanted = set(ids)
        unknown = wanted.difference(self._records)
        if unknown:
            raise KeyError(f"structures inconnues : {', '.join(sorted(unknown))}")
        return self._subset(np.array([sid in wanted for sid in self._records], dtype=bool))

    # --- basics -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, sid: object) -> bool:
        return sid in self._records

    def __repr__(self) -> str:
        status = Counter(s.status for s in self._records.values())
        structures = t_count("count.structures", len(self), "en")
        links = t_count("count.links", len(self._links), "en")
        return (
            f"<Ecosystem: {structures} ({status[Status.EXPECTED]} expected, "
            f"{status[Status.DEFUNCT]} defunct), {links}>"
        )

    @property
    def records(self) -> Records:
        """The structures and links as records, sorted as every writer sorts them.

        Examples
        --------
        >>> eco = load_ecosystem()
        >>> len(eco.records.structures) == len(eco)
        True
        """
        return Records(list(self._records.values()), list(self._links), list(self.surveys))

    @property
    def commune_matrix(self) -> sp.csr_array:
        """Structures × communes, 1 where the structure serves the commune.

        Rows follow :attr:`structures`, columns follow ``territories.communes``. National
        structures have empty rows (they serve everything and are counted apart).

        Examples
        --------
        >>> eco = load_ecosystem()
        >>> eco.commune_matrix.shape == (len(eco), len(eco.territories.communes))
        True
        >>> int(eco.commune_matrix[[eco.structures.index.get_loc("tag29")]].sum())
        277
        """
        return self._matrix

    @property
    def national(self) -> pd.Series:
        """Whether each structure is national (level ``country``), indexed by id.

        Examples
        --------
        >>> bool(load_ecosystem().national["avise"])
        True
        """
        return pd.Series(self._national, index=self.structures.index, name="national")

    def get(self, sid: str) -> Structure:
        """Return the structure with identifier ``sid``.

        Raises
        ------
        KeyError
            When no structure has that identifier.

        Examples
        --------
        >>> from fresque.geo.territories import Territories
        >>> eco = Ecosystem([Structure(id="avise", name="Avise", kind="network",
        ...                            territory_level="country")],
        ...                 territories=Territories.load("tests/data/geo_mini"))
        >>> eco.get("avise").name
        'Avise'
        """
        try:
            return self._records[sid]
        except KeyError:
            raise KeyError(f"Aucune structure d’identifiant « {sid} ».") from None

    def communes_served(self, sid: str) -> list[str]:
        """Return the codes of the communes structure ``sid`` serves (all for a national one).

        Examples
        --------
        >>> eco = load_ecosystem()
        >>> served = eco.communes_served("tag29")  # the Finistère
        >>> len(served), served[0], "29151" in served
        (277, '29001', True)
        """
        i = self._position[self.get(sid).id]
        if self._national[i]:
            return self.territories.communes["code"].tolist()
        row = self._matrix[[i]]
        return self.territories.communes["code"].to_numpy()[row.indices].tolist()

    # --- graph queries ------------------------------------------------------------------

    def neighbors(
        self,
        sid: str,
        relation: Relation | str | Iterable[Relation | str] | None = None,
        direction: str = "both",
    ) -> list[str]:
        """Return the ids linked to ``sid``, sorted.

        Parameters
        ----------
        sid
            The structure.
        relation
            Keep only links of this relation (or these relations); all when ``None``.
        direction
            ``"out"``: targets of links from ``sid``; ``"in"``: sources of links to it;
            ``"both"``. A symmetric relation (``partners_with``) counts both ways.

        Examples
        --------
        >>> from fresque.geo.territories import Territories
        >>> eco = Ecosystem(
        ...     [Structure(id=i, name=i, kind="network", territory_level="country")
        ...      for i in ("a", "b", "c")],
        ...     [Link(source="a", target="b", relation="funds"),
        ...      Link(source="c", target="a", relation="partners_with")],
        ...     territories=Territories.load("tests/data/geo_mini"))
        >>> eco.neighbors("a", direction="out"), eco.neighbors("b", direction="out")
        (['b', 'c'], [])
        >>> eco.neighbors("a", relation="funds")
        ['b']
        """
        self.get(sid)
        if direction not in DIRECTIONS:
            raise ValueError(f"direction doit valoir {', '.join(DIRECTIONS)} : « {direction} »")
        wanted = None if relation is None else _enums(Relation, relation)
        found: set[str] = set()
        for _, target, key in self.graph.out_edges(sid, keys=True):
            if (wanted is None or key in wanted) and (
                direction != "in" or key in SYMMETRIC_RELATIONS
            ):
                found.add(target)
        for source, _, key in self.graph.in_edges(sid, keys=True):
            if (wanted is None or key in wanted) and (
                direction != "out" or key in SYMMETRIC_RELATIONS
            ):
                found.add(source)
        return sorted(found)

    def ego(self, sid: str, radius: int = 1) -> Ecosystem:
        """Return the ecosystem of the structures within ``radius`` links of ``sid``.

        Links are followed both ways; the result holds every link between the kept
        structures.

        Examples
        --------
        >>> from fresque.geo.territories import Territories
        >>> eco = Ecosystem(
        ...     [Structure(id=i, name=i, kind="network", territory_level="country")
        ...      for i in ("a", "b", "c")],
        ...     [Link(source="a", target="b", relation="funds"),
        ...      Link(source="c", target="b", relation="funds")],
        ...     territories=Territories.load("tests/data/geo_mini"))
        >>> sorted(eco.ego("a").structures.index), len(eco.ego("a", radius=2))
        (['a', 'b'], 3)
        """
        self.get(sid)
        if radius < 0:
            raise ValueError("radius doit être positif ou nul")
        kept = set(
            nx.single_source_shortest_path_length(
                self.graph.to_undirected(as_view=True), sid, cutoff=radius
            )
        )
        return self._subset(np.array([i in kept for i in self._records], dtype=bool))

    # --- filters ------------------------------------------------------------------------

    def resolve_territory(
        self,
        territory: Territory | tuple[Level | str, object] | str | int,
        level: Level | str | None = None,
    ) -> Territory:
        """Return the territory a query names (see "Naming a territory" above).

        Raises
        ------
        AmbiguousTerritoryError
            When a bare code names territories of several levels (``"53"``).
        UnknownTerritoryError
            When no territory has that code.

        Examples
        --------
        >>> from fresque.geo.territories import Territories
        >>> eco = Ecosystem([], territories=Territories.load("tests/data/geo_mini"))
        >>> eco.resolve_territory("53", level="region").name
        'Bretagne'
        >>> eco.resolve_territory("29").label
        'Finistère (département 29)'
        >>> eco.resolve_territory("53")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        fresque.geo.territories.AmbiguousTerritoryError: « 53 » est le code de plusieurs \
territoires : Mayenne (département 53), Bretagne (région 53). Précisez level=…
        """
        if isinstance(territory, Territory | tuple):
            return self.territories[territory]
        if level is not None:
            return self.territories[(level, territory)]
        try:
            code = normalize_code(territory)
        except InvalidCodeError as error:
            raise UnknownTerritoryError(str(error), territory) from error
        found = [
            self.territories[(lvl, code)]
            for lvl in levels_of_code(code)
            if (lvl, code) in self.territories
        ]
        if not found:
            return self.territories[code]  # raises UnknownTerritoryError with its message
        if len(found) > 1:
            listing = ", ".join(t.label for t in found)
            raise AmbiguousTerritoryError(
                f"« {code} » est le code de plusieurs territoires : {listing}. Précisez level=…",
                territory,
                found,
            )
        return found[0]

    def _territory_counts(self, territory: Territory) -> tuple[np.ndarray, np.ndarray, int]:
        """Per structure: communes of ``territory`` served, population served; and size."""
        positions = self.territories.commune_positions(territory)
        block = self._matrix_csc[:, positions]
        counts = np.asarray(block.sum(axis=1)).ravel()
        population = (self.territories.communes["population"].to_numpy(dtype=float, na_value=0.0))[
            positions
        ]
        served_population = block @ population
        total = population.sum()
        share = served_population / total if total > 0 else counts / max(len(positions), 1)
        return counts, share, len(positions)

    def _mask(
        self,
        kinds: Any = None,
        dispositifs: Any = None,
        stages: Any = None,
        themes: Any = None,
        min_confidence: Confidence | str | None = None,
        statuses: Any = None,
    ) -> np.ndarray:
        records = list(self._records.values())
        keep = np.ones(len(records), dtype=bool)
        tests: list[tuple[Any, type[StrEnum], str]] = [
            (kinds, Kind, "kind"),
            (statuses, Status, "status"),
        ]
        for values, enum_cls, attribute in tests:
            if values is not None:
                wanted = _enums(enum_cls, values)
                keep &= np.array([getattr(s, attribute) in wanted for s in records], dtype=bool)
        # A structure serves the stages it names, else its dispositifs' default stages.
        lists: list[tuple[Any, type[StrEnum], Callable[[Structure], Iterable[str]]]] = [
            (dispositifs, Dispositif, lambda s: s.dispositifs),
            (stages, Stage, lambda s: stages_served(s.stages, s.dispositifs)),
            (themes, Theme, lambda s: s.themes),
        ]
        for values, enum_cls, values_of in lists:
            if values is not None:
                wanted = _enums(enum_cls, values)
                keep &= np.array([not wanted.isdisjoint(values_of(s)) for s in records], dtype=bool)
        if min_confidence is not None:
            floor = parse_enum(Confidence, min_confidence)
            keep &= np.array([s.confidence >= floor for s in records], dtype=bool)
        return keep

    def filter(
        self,
        kinds: Kind | str | Iterable[Kind | str] | None = None,
        dispositifs: Dispositif | str | Iterable[Dispositif | str] | None = None,
        stages: Stage | str | Iterable[Stage | str] | None = None,
        themes: Theme | str | Iterable[Theme | str] | None = None,
        territory: Territory | tuple[Level | str, object] | str | None = None,
        min_confidence: Confidence | str | None = None,
        statuses: Status | str | Iterable[Status | str] | None = None,
        *,
        level: Level | str | None = None,
    ) -> Ecosystem:
        """Return the ecosystem of the structures that pass every given criterion.

        Each criterion takes one value or several (values, French or English labels):
        a structure passes when it has *any* of them; criteria left to ``None`` keep
        everything. Links are kept when both their ends are kept (and, with
        ``min_confidence``, when they are that sure too).

        Parameters
        ----------
        kinds, dispositifs, stages, themes, statuses
            Wanted values.
        territory
            Keep the structures serving at least one commune of this territory (whole or
            in part) and the national ones, which serve everything. See "Naming a
            territory" above; ``level`` goes with a bare code.
        min_confidence
            Keep structures (and links) at least this sure: ``"medium"`` keeps medium and
            high.

        Examples
        --------
        >>> from fresque.geo.territories import Territories
        >>> eco = Ecosystem(
        ...     [Structure(id="tag29", name="TAg29", kind="support_structure",
        ...                dispositifs=["incubateur"], territory_level="departement",
        ...                territory_codes=["29"], confidence="high"),
        ...      Structure(id="tag22", name="TAg22", kind="support_structure",
        ...                dispositifs=["incubateur"], territory_level="departement",
        ...                territory_codes=["22"], confidence="low")],
        ...     territories=Territories.load("tests/data/geo_mini"))
        >>> list(eco.filter(territory="29151").structures.index)
        ['tag29']
        >>> list(eco.filter(dispositifs="Incubateur", min_confidence="medium").structures.index)
        ['tag29']
        """
        keep = self._mask(kinds, dispositifs, stages, themes, min_confidence, statuses)
        if territory is not None:
            counts, _, _ = self._territory_counts(self.resolve_territory(territory, level))
            keep &= (counts > 0) | self._national
        link_keep = None
        if min_confidence is not None:
            floor = parse_enum(Confidence, min_confidence)
            link_keep = np.array([k.confidence >= floor for k in self._links], dtype=bool)
        return self._subset(keep, link_keep)

    def serving(
        self,
        territory: Territory | tuple[Level | str, object] | str,
        level: Level | str | None = None,
        *,
        dispositif: Dispositif | str | Iterable[Dispositif | str] | None = None,
        stage: Stage | str | Iterable[Stage | str] | None = None,
        theme: Theme | str | Iterable[Theme | str] | None = None,
        include_expected: bool = True,
    ) -> Serving:
        """Return who serves ``territory``: local offers, and national actors apart.

        Defunct structures are never offers. ``expected`` ones (a DLA whose operator is not
        sourced) are returned unless ``include_expected=False``: the offer exists, only
        its operator is unknown.

        Parameters
        ----------
        territory, level
            The territory, of any level (see "Naming a territory" above).
        dispositif, stage, theme
            Keep the structures with any of these values.
        include_expected
            Whether to return ``expected`` structures.

        Returns
        -------
        Serving
            ``local`` (with ``match`` and ``share``) and ``national`` tables.

        Examples
        --------
        >>> from fresque.geo.territories import Territories
        >>> eco = Ecosystem(
        ...     [Structure(id="dla_29", name="DLA 29", kind="support_structure",
        ...                dispositifs=["dla_departemental"], territory_level="departement",
        ...                territory_codes=["29"]),
        ...      Structure(id="adess", name="Adess", kind="support_structure",
        ...                dispositifs=["pole_ess"], territory_level="epci",
        ...                territory_codes=["242900835"])],
        ...     territories=Territories.load("tests/data/geo_mini"))
        >>> eco.serving("29151").contains
        ['adess', 'dla_29']
        >>> found = eco.serving("29")
        >>> found.contains, found.overlaps
        (['dla_29'], ['adess'])
        >>> eco.serving("29151", dispositif="dla_departemental").contains
        ['dla_29']
        """
        place = self.resolve_territory(territory, level)
        statuses = [Status.ACTIVE, Status.EXPECTED] if include_expected else [Status.ACTIVE]
        keep = self._mask(dispositifs=dispositif, stages=stage, themes=theme, statuses=statuses)
        counts, share, size = self._territory_counts(place)
        local_mask = keep & ~self._national & (counts > 0)
        local = self.structures[local_mask].copy()
        local["match"] = np.where(counts[local_mask] == size, "contains", "overlaps")
        local["share"] = share[local_mask]
        local["_order"] = (local["match"] == "overlaps").astype(int)
        local = local.sort_values(["_order", "share"], ascending=[True, False], kind="stable")
        local = local.drop(columns="_order")
        national = self.structures[keep & self._national].copy()
        return Serving(place, local, national)

    # --- report -------------------------------------------------------------------------

    def report(self, lang: str = "fr") -> str:
        """Return the dataset's counts as Markdown tables.

        Counts per kind, dispositif, status and confidence; the share of structures and
        links that rest on sources (not made ``expected`` by design); the territories of
        each dispositif unique by design with a sourced, or only an expected, structure,
        and for a DLA (:data:`~fresque.model.CARRIED_BY_DESIGN`) the sourced ones whose
        carrier no source names; and how many sourced structures are located.

        Parameters
        ----------
        lang
            Language of the value labels (``"fr"`` or ``"en"``); headings are French.

        Examples
        --------
        >>> report = load_ecosystem().report()
        >>> for line in report.splitlines()[2:6]:
        ...     print(line)
        |            | total | sourcés | part sourcée | avec ≥ 1 URL |
        |------------|------:|--------:|-------------:|-------------:|
        | Structures |   331 |     250 |         76 % |        100 % |
        | Liens      |   625 |     310 |         50 % |        100 % |
        """
        return _report(self, lang)


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A Markdown table cell: one line, its ``|`` escaped (any stored text stays a cell)."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[_cell(c) for c in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [
        all(
            r[i] == "–" or r[i].replace(" ", "").replace("%", "").replace(",", "").isdigit()
            for r in cells[1:]
        )
        and i > 0
        for i in range(len(headers))
    ]

    def line(row: list[str]) -> str:
        parts = [
            c.rjust(w) if numeric[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "| " + " | ".join(parts) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if numeric[i] else ("-" * (w + 2)) for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(cells[0]), rule, *[line(r) for r in cells[1:]]])


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


def _report(eco: Ecosystem, lang: str) -> str:
    records = list(eco._records.values())
    statuses = list(Status)
    expected_ids = {s.id for s in records if s.status is Status.EXPECTED}
    out: list[str] = []

    sourced = len(records) - len(expected_ids)
    sourced_links = sum(
        1 for k in eco._links if k.source not in expected_ids and k.target not in expected_ids
    )
    with_url = sum(1 for s in records if s.source_urls)
    out.append("### Totaux\n")
    out.append(
        _table(
            ["", "total", "sourcés", "part sourcée", "avec ≥ 1 URL"],
            [
                [
                    "Structures",
                    len(records),
                    sourced,
                    _percent(sourced, len(records)),
                    _percent(with_url, len(records)),
                ],
                [
                    "Liens",
                    len(eco._links),
                    sourced_links,
                    _percent(sourced_links, len(eco._links)),
                    _percent(sum(1 for k in eco._links if k.source_urls), len(eco._links)),
                ],
            ],
        )
    )
    out.append(
        "\n« Sourcé » : lu dans une source (structure non *attendue* ; lien dont aucune "
        "extrémité n’est attendue). Les structures attendues citent les sources qui "
        "fondent leur existence."
    )

    def by(attribute: str, enum_cls: type[StrEnum], title: str) -> None:
        counts: Counter[tuple[Any, Status]] = Counter()
        for s in records:
            values = getattr(s, attribute)
            for v in values if isinstance(values, list) else [values]:
                counts[(v, s.status)] += 1
        rows = []
        for member in enum_cls:
            row = [counts[(member, st)] for st in statuses]
            if sum(row):
                rows.append([label(member, lang), sum(row), *row])
        if attribute == "dispositifs":
            none = Counter(s.status for s in records if not s.dispositifs)
            rows.append(["(aucun)", sum(none.values()), *[none[st] for st in statuses]])
        out.append(f"\n### {title}\n")
        out.append(_table([title, "total", *[label(st, lang) for st in statuses]], rows))

    by("kind", Kind, "Type d’acteur")
    by("dispositifs", Dispositif, "Dispositif")

    status_counts = Counter(s.status for s in records)
    out.append("\n### Statut\n")
    out.append(
        _table(["Statut", "structures"], [[label(st, lang), status_counts[st]] for st in statuses])
    )

    def confidence(items: list[Any], expected: bool) -> Counter[Confidence]:
        return Counter(
            x.confidence
            for x in items
            if (
                x.status is Status.EXPECTED
                if isinstance(x, Structure)
                else x.source in expected_ids or x.target in expected_ids
            )
            == expected
        )

    columns = [
        confidence(records, False),
        confidence(records, True),
        confidence(eco._links, False),
        confidence(eco._links, True),
    ]
    out.append("\n### Confiance\n")
    out.append(
        _table(
            [
                "Confiance",
                "structures sourcées",
                "structures attendues",
                "liens sourcés",
                "liens des attendues",
            ],
            [[label(c, lang), *[column[c] for column in columns]] for c in reversed(Confidence)],
        )
    )

    out.append("\n### Dispositifs uniques par territoire\n")
    active_ids = {s.id for s in records if s.status is Status.ACTIVE}
    carried = {
        k.target for k in eco._links if k.relation is Relation.CARRIES and k.source in active_ids
    }
    rows = []
    without_carrier: list[str] = []
    for dispositif, level in UNIQUE_BY_DESIGN.items():
        territories = eco.territories.children("FR", level)
        codes: dict[Status, set[str]] = {st: set() for st in Status}
        with_carrier: set[str] = set()
        for s in records:
            if dispositif in s.dispositifs and s.territory_level is level:
                codes[s.status].update(s.territory_codes)
                if s.status is Status.ACTIVE and s.id in carried:
                    with_carrier.update(s.territory_codes)
        active = [t for t in territories if t.code in codes[Status.ACTIVE]]
        no_carrier = [
            t for t in active if dispositif in CARRIED_BY_DESIGN and t.code not in with_carrier
        ]
        expected = [
            t
            for t in territories
            if t.code in codes[Status.EXPECTED] and t.code not in codes[Status.ACTIVE]
        ]
        closed = [
            t
            for t in territories
            if t.code in codes[Status.DEFUNCT]
            and t.code not in codes[Status.ACTIVE] | codes[Status.EXPECTED]
        ]
        nothing = len(territories) - len(active) - len(expected) - len(closed)
        rows.append(
            [
                label(dispositif, lang),
                len(territories),
                len(active),
                len(no_carrier) if dispositif in CARRIED_BY_DESIGN else "–",
                len(expected),
                len(closed),
                nothing,
                ", ".join(t.name for t in closed) or "–",
            ]
        )
        if no_carrier:
            names = ", ".join(t.name for t in no_carrier)
            without_carrier.append(f"- {label(dispositif, lang)} sans porteur sourcé : {names}.")
    out.append(
        _table(
            [
                "Dispositif",
                "territoires",
                "sourcé",
                "dont porteur inconnu",
                "attendu (opérateur inconnu)",
                "fermé, sans successeur",
                "rien",
                "où",
            ],
            rows,
        )
    )
    out.append(
        "\n« Sourcé » : une source atteste l’offre dans ce territoire ; « dont porteur "
        "inconnu » : aucune source ne nomme la structure qui la porte (pas de lien "
        "« porte »). Un territoire « attendu » est un manque de données, pas de "
        "couverture ; « fermé, sans successeur » est un manque réel, attesté par les "
        "sources."
    )
    if without_carrier:
        out.append("\n" + "\n".join(without_carrier))

    located = sum(1 for s in records if s.commune_code and s.status is not Status.EXPECTED)
    out.append("\n### Localisation\n")
    out.append(
        _table(
            ["", "structures"],
            [
                ["sourcées, situées dans une commune", located],
                ["sourcées, sans commune (non situées par les sources)", sourced - located],
                ["attendues (jamais situées)", len(expected_ids)],
            ],
        )
    )

    out.append("\n### Recensements\n")
    if eco.surveys:
        rows = [
            [
                s.id,
                f"{eco.territories[(s.territory_level, s.territory_code)].name} "
                f"({s.territory_code})",
                s.scope,
                s.attested_by,
                s.date.isoformat(),
                s.expires.isoformat(),
            ]
            for s in eco.surveys
        ]
        out.append(_table(["id", "territoire", "portée", "attesté par", "date", "jusqu’au"], rows))
    else:
        out.append("Aucun recensement.")
    out.append(
        "\nUn territoire sans offre connue n’est un « manque confirmé » que là où un "
        "recensement valide le couvre ; ailleurs, c’est « aucune offre recensée »."
    )
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def load_ecosystem(
    path: str | Path | None = None, territories: Territories | None = None
) -> Ecosystem:
    """Read a dataset folder (default: ``data/ecosystem``) into an :class:`Ecosystem`.

    Parameters
    ----------
    path
        A folder in the canonical format (``structures.csv``, ``links.csv``, and
        ``surveys.csv`` when territories were surveyed), or any file
        :func:`fresque.io.tables.read_records` reads.
    territories
        The reference geography (default: :func:`default_territories`).

    Raises
    ------
    fresque.io.DatasetValidationError
        When the files hold problems (each with its file, row and column).

    Examples
    --------
    >>> eco = load_ecosystem()
    >>> eco.get("cress_nor").status
    <Status.DEFUNCT: 'defunct'>
    """
    from fresque.io.tables import read_records

    territories = territories if territories is not None else default_territories()
    folder = Path(path) if path is not None else ecosystem_dir()
    records = read_records(folder, territories=territories)
    return Ecosystem(
        records.structures, records.links, territories=territories, surveys=records.surveys
    )
