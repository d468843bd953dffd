"""Network analysis of the ecosystem: tidy tables an analyst can sort, filter and plot.

Every function takes an :class:`~fresque.ecosystem.Ecosystem` and returns a
:class:`pandas.DataFrame` (one row per structure, link, community or région) or a
:class:`pandas.Series` (a summary), with English column names; :data:`COLUMN_LABELS`
gives their French (and English) headings for display (:func:`labelled`).

How the graph is read
---------------------

:attr:`Ecosystem.graph <fresque.ecosystem.Ecosystem.graph>` is a directed multigraph: a
link goes from ``source`` to ``target``, and two structures may be linked by several
relations (a funder that also animates). Each measure reads it one of two ways:

*undirected simple projection* (:func:`undirected_graph`)
    one edge per pair of linked structures, whatever the direction and the number of
    relations; its ``weight`` is the number of links between the pair. **Degree,
    betweenness, closeness, communities, articulation points, bridges, components,
    density, transitivity and brokerage** use it: who can reach whom through the
    ecosystem does not depend on who funds whom.
*directed simple projection* (:func:`directed_graph`)
    one arc per ordered pair, in the direction of the links; a symmetric relation
    (``partners_with``) reads both ways, so it gives two arcs. **In/out degree, PageRank
    and reciprocity** use it. PageRank follows the arcs: a structure ranks high when
    structures that rank high fund, animate, carry it, or join it (a network with many
    members), i.e. it measures how much the ecosystem points *to* a structure.

Betweenness is normalised by ``(n - 1)(n - 2) / 2`` pairs (``n``: all the structures,
isolated ones included), exact up to :data:`EXACT_BETWEENNESS_LIMIT` structures and
estimated from a seeded sample of sources above. Closeness is networkx's, with the
Wasserman–Faust correction for disconnected graphs: ``(r / (n - 1)) · (r / Σd)`` where
``r`` is the number of structures it reaches and ``Σd`` the sum of their distances.
Communities are Louvain's (:func:`networkx.community.louvain_communities`) on the
weighted undirected projection, with a fixed ``seed``: the same data give the same
communities.

Scope: the whole country or a région
------------------------------------

``region=None`` analyses the whole dataset. ``region="53"`` analyses the structures that
serve at least one commune of the région (:meth:`Ecosystem.filter
<fresque.ecosystem.Ecosystem.filter>`) and, for the national actors, which serve every
région, follows ``national``:

``"linked"`` (default)
    keep the national actors linked to at least one local structure of the région (the
    national anchors of the regional network);
``"all"``
    keep every national actor (they serve every territory);
``"none"``
    keep only local structures.

See :func:`network_scope`.

The région of a structure
-------------------------

Brokerage between régions needs one région per structure (:func:`home_regions`): the
région of its commune when it is located; otherwise the région of the territories it
serves, when they lie in one région; otherwise the région where it serves the largest
population. National actors get ``"FR"``.

Examples
--------
The hand-made ecosystem of :func:`example_ecosystem` is a star (a network ``hub`` and
its three members) joined by one funding link to a triangle, plus an isolated
structure:

>>> eco = example_ecosystem()
>>> table = centrality(eco)
>>> table.loc[["hub", "x", "y"], ["degree", "betweenness", "closeness"]].round(3)
... # doctest: +NORMALIZE_WHITESPACE
     degree  betweenness  closeness
id
hub       4        0.571      0.643
x         3        0.381      0.571
y         2        0.000      0.396
>>> articulation_points(eco).index.tolist()
['hub', 'x']
>>> print(network_summary(eco)[["structures", "pairs", "density", "components"]].to_string())
structures       8
pairs            7
density       0.25
components       2
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from fresque.i18n import DEFAULT_LANGUAGE, label
from fresque.model import SYMMETRIC_RELATIONS, Dispositif, Kind, Level, Stage

if TYPE_CHECKING:
    import networkx as nx

    from fresque.coverage import Coverage
    from fresque.ecosystem import Ecosystem

__all__ = [
    "COLUMN_LABELS",
    "EXACT_BETWEENNESS_LIMIT",
    "NATIONAL",
    "NATIONAL_SCOPES",
    "RemovalImpact",
    "articulation_points",
    "bridges",
    "brokers",
    "centrality",
    "communities",
    "community_summary",
    "compare_regions",
    "directed_graph",
    "example_ecosystem",
    "home_regions",
    "labelled",
    "network_scope",
    "network_summary",
    "removal_impact",
    "sampled_betweenness",
    "summary_by_region",
    "undirected_graph",
    "weakly_linked",
    "without",
]

#: Group of the national actors in :func:`home_regions`.
NATIONAL = "FR"

#: What :func:`network_scope` does with national actors in a région.
NATIONAL_SCOPES: tuple[str, ...] = ("linked", "all", "none")

#: Above this many structures, betweenness is estimated from a sample of sources.
EXACT_BETWEENNESS_LIMIT = 1000
#: Sources sampled (with a fixed seed) above :data:`EXACT_BETWEENNESS_LIMIT`.
BETWEENNESS_SAMPLE = 300

#: French and English headings of the columns the functions return.
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "id": {"fr": "identifiant", "en": "id"},
    "name": {"fr": "nom", "en": "name"},
    "kind": {"fr": "type", "en": "kind"},
    "kind_label": {"fr": "type d’acteur", "en": "kind of actor"},
    "region": {"fr": "région", "en": "region"},
    "region_name": {"fr": "région", "en": "region"},
    "status": {"fr": "statut", "en": "status"},
    "degree": {"fr": "structures liées", "en": "linked structures"},
    "in_degree": {"fr": "liens reçus", "en": "incoming"},
    "out_degree": {"fr": "liens émis", "en": "outgoing"},
    "links": {"fr": "liens", "en": "links"},
    "betweenness": {"fr": "intermédiarité", "en": "betweenness"},
    "closeness": {"fr": "proximité", "en": "closeness"},
    "pagerank": {"fr": "PageRank", "en": "PageRank"},
    "group": {"fr": "groupe", "en": "group"},
    "groups_reached": {"fr": "autres groupes atteints", "en": "other groups reached"},
    "external_links": {"fr": "voisins d’autres groupes", "en": "neighbours in other groups"},
    "external_share": {"fr": "part hors groupe", "en": "share outside group"},
    "brokered_pairs": {"fr": "paires reliées", "en": "brokered pairs"},
    "community": {"fr": "communauté", "en": "community"},
    "community_size": {"fr": "taille de la communauté", "en": "community size"},
    "size": {"fr": "structures", "en": "structures"},
    "links_inside": {"fr": "liens internes", "en": "links inside"},
    "links_outside": {"fr": "liens vers l’extérieur", "en": "links outside"},
    "main_kind": {"fr": "type dominant", "en": "main kind"},
    "main_region": {"fr": "région dominante", "en": "main region"},
    "members": {"fr": "principaux membres", "en": "main members"},
    "components_after": {"fr": "composantes après retrait", "en": "components after removal"},
    "cut_off": {"fr": "structures coupées", "en": "structures cut off"},
    "cut_off_names": {"fr": "coupées du réseau", "en": "cut off"},
    "source": {"fr": "source", "en": "source"},
    "target": {"fr": "cible", "en": "target"},
    "source_name": {"fr": "de", "en": "from"},
    "target_name": {"fr": "à", "en": "to"},
    "relations": {"fr": "relations", "en": "relations"},
    "component_size": {"fr": "taille de la composante", "en": "component size"},
    "in_main_component": {"fr": "dans le réseau principal", "en": "in main component"},
    "reason": {"fr": "motif", "en": "reason"},
    "structures": {"fr": "structures", "en": "structures"},
    "pairs": {"fr": "paires liées", "en": "linked pairs"},
    "density": {"fr": "densité", "en": "density"},
    "mean_degree": {"fr": "liens par structure", "en": "mean degree"},
    "components": {"fr": "composantes", "en": "components"},
    "largest_component": {"fr": "plus grande composante", "en": "largest component"},
    "largest_share": {"fr": "part dans la plus grande", "en": "share in largest"},
    "isolated": {"fr": "isolées", "en": "isolated"},
    "reciprocity": {"fr": "réciprocité", "en": "reciprocity"},
    "transitivity": {"fr": "transitivité", "en": "transitivity"},
    "articulation_points": {"fr": "points d’articulation", "en": "articulation points"},
    "bridges": {"fr": "ponts", "en": "bridges"},
    "communities": {"fr": "communautés", "en": "communities"},
    "modularity": {"fr": "modularité", "en": "modularity"},
    "population": {"fr": "population", "en": "population"},
    "offers": {"fr": "offres locales", "en": "local offers"},
    "offers_per_100k": {"fr": "offres pour 100 000 hab.", "en": "offers per 100,000"},
    "gap": {"fr": "manque confirmé", "en": "confirmed gap"},
    "none_known": {"fr": "aucune offre recensée", "en": "no offer recorded"},
    "unknown": {"fr": "opérateur inconnu", "en": "unknown operator"},
    "single": {"fr": "un seul acteur", "en": "single provider"},
    "covered": {"fr": "couvert", "en": "covered"},
    "overlap": {"fr": "chevauchement", "en": "overlap"},
    "key": {"fr": "dispositif ou étape", "en": "programme or stage"},
    "key_label": {"fr": "dispositif ou étape", "en": "programme or stage"},
    "code": {"fr": "code", "en": "code"},
    "level": {"fr": "niveau", "en": "level"},
    "status_before": {"fr": "avant", "en": "before"},
    "status_after": {"fr": "après", "en": "after"},
    "population_gap_before": {
        "fr": "habitants sans offre connue avant",
        "en": "inhabitants without a known offer before",
    },
    "population_gap_after": {
        "fr": "habitants sans offre connue après",
        "en": "inhabitants without a known offer after",
    },
}

_REASONS = {
    "isolated": {"fr": "aucun lien", "en": "no link"},
    "single_link": {"fr": "un seul lien", "en": "a single link"},
    "outside_main": {"fr": "hors du réseau principal", "en": "outside the main network"},
}


def labelled(frame: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return ``frame`` with its columns (and index name) headed in ``lang``.

    Columns :data:`COLUMN_LABELS` does not know keep their name; ``covered_<key>`` and
    ``share_beyond_<n>km``, ``share_unknown_<n>km`` columns of :func:`compare_regions` get
    a heading too.

    Examples
    --------
    >>> labelled(pd.DataFrame({"degree": [1], "covered_emergence": [0.5]})).columns.tolist()
    ['structures liées', 'couvert : Émergence']
    """
    return frame.rename(columns=lambda c: _heading(str(c), lang)).rename_axis(
        index=_heading(str(frame.index.name), lang) if frame.index.name else None
    )


def _heading(column: str, lang: str) -> str:
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column].get(lang, COLUMN_LABELS[column]["fr"])
    if column.startswith("covered_"):
        word = "couvert" if lang == "fr" else "covered"
        return f"{word} : {_key_label(column.removeprefix('covered_'), lang)}"
    if column.startswith("share_beyond_"):
        distance = column.removeprefix("share_beyond_").removesuffix("km")
        return f"part à plus de {distance} km" if lang == "fr" else f"share beyond {distance} km"
    if column.startswith("share_unknown_"):
        distance = column.removeprefix("share_unknown_").removesuffix("km")
        return (
            f"part à distance inconnue (seuil de {distance} km)"
            if lang == "fr"
            else f"share at an unknown distance ({distance} km threshold)"
        )
    return column


def _key_label(value: str, lang: str) -> str:
    for enum_cls in (Dispositif, Stage):
        if value in enum_cls._value2member_map_:
            return label(enum_cls(value), lang)
    return value


# --------------------------------------------------------------------------------------
# Example
# --------------------------------------------------------------------------------------


def example_ecosystem(territories: Any = None) -> Ecosystem:
    """Return the small hand-made ecosystem of the examples and tests.

    Eight national structures: a network ``hub`` whose three members ``a``, ``b``, ``c``
    (support structures) join it (``member_of``); the hub funds ``x`` (a funder), which
    partners with ``y`` (a public body) and also funds it, ``y`` animates ``z`` (a
    funder), which funds ``x``; ``alone`` has no link. Undirected, it is a star
    ``a, b, c — hub`` joined by the bridge ``hub — x`` to the triangle ``x, y, z``.

    Parameters
    ----------
    territories
        The reference geography (default: :func:`~fresque.geo.territories.default_territories`);
        every structure is national, so any geography will do.

    Examples
    --------
    >>> eco = example_ecosystem()
    >>> eco
    <Ecosystem: 8 structures (0 expected, 0 defunct), 8 links>
    """
    from fresque.ecosystem import Ecosystem
    from fresque.model import Link, Structure

    kinds = {
        "hub": "network",
        "a": "support_structure",
        "b": "support_structure",
        "c": "support_structure",
        "x": "funder",
        "y": "public_body",
        "z": "funder",
        "alone": "support_structure",
    }
    structures = [
        Structure(id=sid, name=sid.capitalize(), kind=kind, territory_level="country")
        for sid, kind in kinds.items()
    ]
    links = [
        Link(source="a", target="hub", relation="member_of"),
        Link(source="b", target="hub", relation="member_of"),
        Link(source="c", target="hub", relation="member_of"),
        Link(source="hub", target="x", relation="funds"),
        Link(source="x", target="y", relation="partners_with"),
        Link(source="x", target="y", relation="funds"),
        Link(source="y", target="z", relation="animates"),
        Link(source="z", target="x", relation="funds"),
    ]
    return Ecosystem(structures, links, territories=territories)


# --------------------------------------------------------------------------------------
# Scope and projections
# --------------------------------------------------------------------------------------


def _region_code(eco: Ecosystem, region: Any) -> str:
    return eco.resolve_territory(region, level=Level.REGION).code


def network_scope(eco: Ecosystem, region: Any = None, national: str = "linked") -> Ecosystem:
    """Return the ecosystem analysed: the whole one, or that of a région.

    Parameters
    ----------
    eco
        The ecosystem.
    region
        ``None`` for the whole country, or a région (its code, ``"53"``, or a
        :class:`~fresque.geo.territories.Territory`).
    national
        With a région: ``"linked"`` keeps the national actors linked to a local structure
        of the région, ``"all"`` keeps them all, ``"none"`` none (see the module's
        documentation).

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> eco = load_ecosystem()
    >>> bretagne = network_scope(eco, "53")
    >>> "tag29" in bretagne, "avise" in bretagne, "france_active" in bretagne
    (True, False, True)
    >>> len(network_scope(eco, "53", national="none")) < len(bretagne)
    True
    """
    if national not in NATIONAL_SCOPES:
        raise ValueError(f"national doit valoir {', '.join(NATIONAL_SCOPES)} : « {national} »")
    if region is None:
        return eco
    code = _region_code(eco, region)
    scoped = eco.filter(territory=(Level.REGION, code))
    if national == "all":
        return scoped
    is_national = scoped.national
    local = set(is_national.index[~is_national.to_numpy()])
    if national == "linked":
        graph = scoped.graph
        keep = set(local)
        for sid in is_national.index[is_national.to_numpy()]:
            if any(
                n in local for n in itertools.chain(graph.successors(sid), graph.predecessors(sid))
            ):
                keep.add(sid)
    else:
        keep = local
    if len(keep) == len(scoped):
        return scoped
    return scoped.subset(keep)


def without(eco: Ecosystem, ids: str | Iterable[str]) -> Ecosystem:
    """Return the ecosystem without the structures ``ids`` and their links.

    Examples
    --------
    >>> eco = example_ecosystem()
    >>> without(eco, "x")
    <Ecosystem: 7 structures (0 expected, 0 defunct), 4 links>
    """
    from fresque.ecosystem import Ecosystem

    removed = {ids} if isinstance(ids, str) else set(ids)
    for sid in removed:
        eco.get(sid)  # raises KeyError on an unknown id
    records = eco.records
    return Ecosystem(
        [s for s in records.structures if s.id not in removed],
        [k for k in records.links if k.source not in removed and k.target not in removed],
        territories=eco.territories,
    )


def _nodes(graph: nx.MultiDiGraph) -> Iterable[tuple[str, dict[str, Any]]]:
    return graph.nodes(data=True)


def undirected_graph(eco: Ecosystem | nx.MultiDiGraph) -> nx.Graph:
    """Return the undirected simple projection: one edge per pair of linked structures.

    Nodes keep every attribute of the ecosystem's graph. An edge's ``weight`` is the
    number of links between the pair (in either direction), ``relations`` their
    relations, sorted and without repeats.

    Examples
    --------
    >>> graph = undirected_graph(example_ecosystem())
    >>> graph.number_of_edges(), graph.edges["x", "y"]["weight"], graph.edges["x", "y"]["relations"]
    (7, 2, ['funds', 'partners_with'])
    """
    import networkx as nx

    multi = eco.graph if not isinstance(eco, nx.Graph) else eco
    graph = nx.Graph()
    graph.add_nodes_from(_nodes(multi))
    for source, target, key in multi.edges(keys=True):
        if graph.has_edge(source, target):
            data = graph.edges[source, target]
            data["weight"] += 1
            if str(key) not in data["relations"]:
                data["relations"] = sorted([*data["relations"], str(key)])
        else:
            graph.add_edge(source, target, weight=1, relations=[str(key)])
    return graph


def directed_graph(eco: Ecosystem | nx.MultiDiGraph) -> nx.DiGraph:
    """Return the directed simple projection: one arc per ordered pair of structures.

    A link gives an arc from its source to its target; a symmetric relation
    (``partners_with``) gives both arcs. ``weight`` counts the links behind an arc.

    Examples
    --------
    >>> graph = directed_graph(example_ecosystem())
    >>> graph.number_of_edges(), graph.has_edge("y", "x"), graph.edges["x", "y"]["weight"]
    (8, True, 2)
    """
    import networkx as nx

    multi = eco.graph if not isinstance(eco, nx.Graph) else eco
    graph = nx.DiGraph()
    graph.add_nodes_from(_nodes(multi))
    for source, target, key in multi.edges(keys=True):
        arcs = [(source, target)]
        if key in SYMMETRIC_RELATIONS:
            arcs.append((target, source))
        for u, v in arcs:
            if graph.has_edge(u, v):
                graph.edges[u, v]["weight"] += 1
            else:
                graph.add_edge(u, v, weight=1)
    return graph


# --------------------------------------------------------------------------------------
# Régions of structures
# --------------------------------------------------------------------------------------


def home_regions(eco: Ecosystem) -> pd.Series:
    """Return the région of each structure (see the module's documentation), by id.

    ``"FR"`` (:data:`NATIONAL`) for a national actor, ``""`` for a structure that serves
    no commune of the geography.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> regions = home_regions(load_ecosystem())
    >>> regions[["tag29", "urscop_ouest", "avise"]].tolist()
    ['53', '52', 'FR']
    """
    communes = eco.territories.communes
    commune_region = communes["region"].to_numpy(dtype=object)
    where = pd.Index(communes["code"].to_numpy(dtype=object))
    population = communes["population"].to_numpy(dtype=float, na_value=0.0)
    matrix = eco.commune_matrix.tocsr()
    national = eco.national.to_numpy(dtype=bool)
    codes = eco.structures["commune_code"].fillna("").to_numpy(dtype=object)
    located = where.get_indexer(codes)
    found: list[str] = []
    for i in range(len(codes)):
        if national[i]:
            found.append(NATIONAL)
            continue
        if located[i] >= 0:
            found.append(str(commune_region[located[i]]))
            continue
        served = matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]
        if not len(served):
            found.append("")
            continue
        weights: Counter[str] = Counter()
        for position in served:
            weights[str(commune_region[position])] += population[position] or 0.0
        # Largest population first, then the smallest code (deterministic on ties).
        found.append(min(weights, key=lambda r: (-weights[r], r)))
    return pd.Series(found, index=eco.structures.index, name="region", dtype=object)


def _region_names(eco: Ecosystem) -> dict[str, str]:
    table = eco.territories.table
    rows = table[table["level"] == Level.REGION.value]
    names = dict(zip(rows["code"], rows["name"], strict=True))
    names[NATIONAL] = "National"
    return names


def _groups(eco: Ecosystem, by: str | Mapping[str, Any] | pd.Series) -> pd.Series:
    if isinstance(by, pd.Series | Mapping):
        return pd.Series(by, dtype=object).reindex(eco.structures.index)
    if by == "region":
        return home_regions(eco)
    if by in eco.structures.columns:
        return eco.structures[by].astype(object)
    raise ValueError(f"Groupement inconnu « {by} » : kind, region ou une colonne des structures.")


# --------------------------------------------------------------------------------------
# Centrality
# --------------------------------------------------------------------------------------


def _base(eco: Ecosystem, lang: str) -> pd.DataFrame:
    table = eco.structures
    return pd.DataFrame(
        {
            "name": table["name"].astype(object),
            "kind": table["kind"].astype(object),
            "kind_label": [label(k, lang, Kind) for k in table["kind"]],
            "region": home_regions(eco),
            "status": table["status"].astype(object),
        },
        index=table.index,
    )


def sampled_betweenness(graph: nx.Graph, seed: int = 0) -> dict[str, float]:
    """Return the normalised betweenness of each node of an undirected graph.

    Exact up to :data:`EXACT_BETWEENNESS_LIMIT` nodes, estimated from
    :data:`BETWEENNESS_SAMPLE` sources (seeded) above.

    Examples
    --------
    >>> import networkx as nx
    >>> sampled_betweenness(nx.path_graph(3))
    {0: 0.0, 1: 1.0, 2: 0.0}
    """
    import networkx as nx

    n = graph.number_of_nodes()
    k = None if n <= EXACT_BETWEENNESS_LIMIT else BETWEENNESS_SAMPLE
    return nx.betweenness_centrality(graph, k=k, seed=seed, normalized=True)


def centrality(
    eco: Ecosystem,
    region: Any = None,
    *,
    national: str = "linked",
    seed: int = 0,
    lang: str = DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """Return the centrality of every structure: one row per structure.

    Parameters
    ----------
    eco
        The ecosystem.
    region, national
        The scope (see :func:`network_scope`).
    seed
        Seed of the betweenness sample (used above :data:`EXACT_BETWEENNESS_LIMIT`
        structures only).
    lang
        Language of ``kind_label``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``, sorted by betweenness then degree (largest first), then id:
        ``name``, ``kind``, ``kind_label``, ``region`` (:func:`home_regions`), ``status``;
        ``degree`` (structures linked to it), ``in_degree`` and ``out_degree`` (structures
        linking to it, linked from it: directed projection), ``links`` (links touching
        it, every relation counted), ``betweenness``, ``closeness`` (undirected
        projection) and ``pagerank`` (directed projection, damping 0.85, weighted by the
        number of links).

    Examples
    --------
    >>> table = centrality(example_ecosystem())
    >>> table.index[:2].tolist()
    ['hub', 'x']
    >>> table.loc["x", ["degree", "in_degree", "out_degree", "links"]].tolist()
    [3, 3, 1, 4]
    """
    import networkx as nx

    scoped = network_scope(eco, region, national)
    undirected = undirected_graph(scoped)
    directed = directed_graph(scoped)
    frame = _base(scoped, lang)
    index = frame.index
    links = Counter()
    for source, target in zip(scoped.links["source"], scoped.links["target"], strict=True):
        links[source] += 1
        links[target] += 1
    betweenness = sampled_betweenness(undirected, seed)
    closeness = nx.closeness_centrality(undirected)
    pagerank = nx.pagerank(directed, weight="weight") if len(directed) else {}
    frame["degree"] = [undirected.degree(sid) for sid in index]
    frame["in_degree"] = [directed.in_degree(sid) for sid in index]
    frame["out_degree"] = [directed.out_degree(sid) for sid in index]
    frame["links"] = [links[sid] for sid in index]
    frame["betweenness"] = [betweenness.get(sid, 0.0) for sid in index]
    frame["closeness"] = [closeness.get(sid, 0.0) for sid in index]
    frame["pagerank"] = [pagerank.get(sid, 0.0) for sid in index]
    for column in ("degree", "in_degree", "out_degree", "links"):
        frame[column] = frame[column].astype(np.int64)
    frame = frame.rename_axis("id")
    return _sorted(frame, ["betweenness", "degree"])


def _sorted(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    order = frame.assign(_id=frame.index).sort_values(
        [*columns, "_id"], ascending=[False] * len(columns) + [True], kind="stable"
    )
    return order.drop(columns="_id")


# --------------------------------------------------------------------------------------
# Brokers
# --------------------------------------------------------------------------------------


def brokers(
    eco: Ecosystem,
    by: str | Mapping[str, Any] | pd.Series = "kind",
    region: Any = None,
    *,
    national: str = "linked",
    seed: int = 0,
    lang: str = DEFAULT_LANGUAGE,
    all_structures: bool = False,
) -> pd.DataFrame:
    """Return the structures that link groups (kinds of actor, régions) to each other.

    A structure *brokers* a pair of its neighbours when the two belong to different
    groups and are not linked to each other: the shortest way between them goes
    through it. On the undirected projection, for each structure:

    ``group``
        its own group;
    ``groups_reached``
        the number of groups among its neighbours other than its own;
    ``external_links``, ``external_share``
        its neighbours in another group, and their share of its neighbours;
    ``brokered_pairs``
        the pairs of neighbours it brokers;
    ``betweenness``
        as in :func:`centrality`.

    Parameters
    ----------
    eco
        The ecosystem.
    by
        ``"kind"``, ``"region"`` (:func:`home_regions`: national actors form the group
        ``"FR"``), any column of :attr:`Ecosystem.structures` holding one value, or a
        mapping id → group.
    region, national
        The scope (see :func:`network_scope`).
    seed, lang
        As in :func:`centrality`.
    all_structures
        Return every structure, not only those brokering at least one pair.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``, sorted by brokered pairs, then betweenness (largest first),
        then id; also ``name`` and ``kind_label``.

    Examples
    --------
    >>> table = brokers(example_ecosystem(), by="kind")
    >>> table[["group", "groups_reached", "brokered_pairs"]]  # doctest: +NORMALIZE_WHITESPACE
           group  groups_reached  brokered_pairs
    id
    hub  network               2               3
    x     funder               2               2
    """
    scoped = network_scope(eco, region, national)
    graph = undirected_graph(scoped)
    groups = _groups(scoped, by)
    betweenness = sampled_betweenness(graph, seed)
    rows = []
    for sid in scoped.structures.index:
        own = groups[sid]
        neighbours = sorted(graph.neighbors(sid))
        other = [n for n in neighbours if groups[n] != own]
        pairs = sum(
            1
            for u, v in itertools.combinations(neighbours, 2)
            if groups[u] != groups[v] and not graph.has_edge(u, v)
        )
        rows.append(
            {
                "id": sid,
                "name": scoped.structures.at[sid, "name"],
                "kind_label": label(scoped.structures.at[sid, "kind"], lang, Kind),
                "group": own,
                "groups_reached": len({groups[n] for n in other}),
                "external_links": len(other),
                "external_share": len(other) / len(neighbours) if neighbours else 0.0,
                "brokered_pairs": pairs,
                "betweenness": betweenness.get(sid, 0.0),
            }
        )
    columns = [
        "name",
        "kind_label",
        "group",
        "groups_reached",
        "external_links",
        "external_share",
        "brokered_pairs",
        "betweenness",
    ]
    frame = pd.DataFrame(rows, columns=["id", *columns]).set_index("id")
    for column in ("groups_reached", "external_links", "brokered_pairs"):
        frame[column] = frame[column].astype(np.int64)
    if not all_structures:
        frame = frame[frame["brokered_pairs"] > 0]
    return _sorted(frame, ["brokered_pairs", "betweenness"])


# --------------------------------------------------------------------------------------
# Communities
# --------------------------------------------------------------------------------------


def _louvain(graph: nx.Graph, seed: int, resolution: float) -> list[set[str]]:
    import networkx as nx

    if graph.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(
        graph, weight="weight", resolution=resolution, seed=seed
    )
    # Largest first, then by smallest member: numbers do not depend on Louvain's order.
    return sorted((set(c) for c in found), key=lambda c: (-len(c), min(c)))


def communities(
    eco: Ecosystem,
    region: Any = None,
    *,
    national: str = "linked",
    seed: int = 0,
    resolution: float = 1.0,
) -> pd.DataFrame:
    """Return the community of every structure (Louvain, seeded).

    Louvain's method on the undirected projection weighted by the number of links
    between two structures. Communities are numbered from 0 by size (largest first,
    ties by their smallest id); an isolated structure is a community of its own. The
    modularity of the partition is in ``frame.attrs["modularity"]``.

    Parameters
    ----------
    eco
        The ecosystem.
    region, national
        The scope (see :func:`network_scope`).
    seed
        Louvain's random seed: the same seed and data give the same communities.
    resolution
        Above 1, smaller communities; below 1, larger ones.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id`` (sorted): ``name``, ``kind``, ``community``,
        ``community_size``.

    Examples
    --------
    >>> table = communities(example_ecosystem())
    >>> table.groupby("community").groups  # doctest: +ELLIPSIS
    {0: ['a', 'b', 'c', 'hub'], 1: ['x', 'y', 'z'], 2: ['alone']}
    >>> round(table.attrs["modularity"], 3)
    0.367
    """
    import networkx as nx

    scoped = network_scope(eco, region, national)
    graph = undirected_graph(scoped)
    found = _louvain(graph, seed, resolution)
    number = {sid: i for i, members in enumerate(found) for sid in members}
    sizes = [len(members) for members in found]
    index = scoped.structures.index
    frame = pd.DataFrame(
        {
            "name": scoped.structures["name"].astype(object),
            "kind": scoped.structures["kind"].astype(object),
            "community": np.array([number[sid] for sid in index], dtype=np.int64),
        },
        index=index,
    )
    frame["community_size"] = np.array([sizes[c] for c in frame["community"]], dtype=np.int64)
    frame = frame.rename_axis("id")
    modularity = (
        nx.community.modularity(graph, found, weight="weight") if graph.number_of_edges() else 0.0
    )
    frame.attrs["modularity"] = float(modularity)
    return frame


def community_summary(
    eco: Ecosystem,
    region: Any = None,
    *,
    national: str = "linked",
    seed: int = 0,
    resolution: float = 1.0,
    top: int = 5,
    lang: str = DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """Return one row per community: its size, links, dominant kind and région, members.

    Parameters
    ----------
    eco, region, national, seed, resolution
        As in :func:`communities`.
    top
        How many members to name (the most linked first).
    lang
        Language of the kind labels.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``community``: ``size``, ``links_inside`` and ``links_outside``
        (pairs of linked structures inside it, and from it to other communities),
        ``main_kind``, ``main_region`` (name), ``members`` (names of the ``top`` most
        linked members, joined with ``, ``).

    Examples
    --------
    >>> summary = community_summary(example_ecosystem(), top=2)
    >>> summary[["size", "links_inside", "links_outside", "members"]]
    ... # doctest: +NORMALIZE_WHITESPACE
               size  links_inside  links_outside   members
    community
    0             4             3              1    Hub, A
    1             3             3              1      X, Y
    2             1             0              0     Alone
    """
    scoped = network_scope(eco, region, national)
    table = communities(scoped, seed=seed, resolution=resolution)
    graph = undirected_graph(scoped)
    regions = home_regions(scoped)
    region_names = _region_names(scoped)
    rows = []
    for number, members in table.groupby("community").groups.items():
        ids = list(members)
        inside = set(ids)
        links_inside = graph.subgraph(ids).number_of_edges()
        links_outside = sum(1 for u in ids for v in graph.neighbors(u) if v not in inside)
        kinds = Counter(table.loc[ids, "kind"])
        home = Counter(regions[ids])
        ranked = sorted(ids, key=lambda sid: (-graph.degree(sid), sid))[:top]
        rows.append(
            {
                "community": number,
                "size": len(ids),
                "links_inside": links_inside,
                "links_outside": links_outside,
                "main_kind": label(_most_common(kinds), lang, Kind),
                "main_region": region_names.get(_most_common(home), _most_common(home)),
                "members": ", ".join(str(table.at[sid, "name"]) for sid in ranked),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "community",
            "size",
            "links_inside",
            "links_outside",
            "main_kind",
            "main_region",
            "members",
        ],
    ).set_index("community")
    frame.attrs["modularity"] = table.attrs["modularity"]
    return frame


def _most_common(counts: Counter) -> Any:
    """The most common value, the smallest one on ties."""
    return min(counts, key=lambda v: (-counts[v], str(v)))


# --------------------------------------------------------------------------------------
# Cuts: articulation points, bridges, weak links
# --------------------------------------------------------------------------------------


def _cut_off(graph: nx.Graph, removed: Iterable[str] = (), edge: tuple[str, str] | None = None):
    """Structures separated from the largest remaining part of their component."""
    import networkx as nx

    nodes = set(removed)
    if edge is not None:
        component = nx.node_connected_component(graph, edge[0])
        view = nx.restricted_view(graph, [], [edge])
    else:
        component = set().union(*(nx.node_connected_component(graph, n) for n in nodes))
        view = nx.restricted_view(graph, nodes, [])
    rest = component - nodes
    pieces = sorted(
        (set(c) for c in nx.connected_components(view.subgraph(rest))),
        key=lambda c: (-len(c), min(c)),
    )
    return pieces


def articulation_points(
    eco: Ecosystem,
    region: Any = None,
    *,
    national: str = "linked",
    lang: str = DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """Return the structures whose loss cuts the network in pieces.

    An articulation point is a structure whose removal splits its connected component
    (undirected projection). For each:

    ``components_after``
        the number of pieces its component falls into without it;
    ``cut_off``, ``cut_off_names``
        the structures no longer connected to the largest piece (their count, their
        names sorted).

    Parameters
    ----------
    eco, region, national
        The ecosystem and the scope (see :func:`network_scope`).
    lang
        Language of the kind labels.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``, sorted by ``cut_off`` (largest first), then id; also ``name``,
        ``kind_label``, ``degree``.

    Examples
    --------
    >>> articulation_points(example_ecosystem())[["components_after", "cut_off"]]
    ... # doctest: +NORMALIZE_WHITESPACE
         components_after  cut_off
    id
    hub                 4        3
    x                   2        2
    """
    import networkx as nx

    scoped = network_scope(eco, region, national)
    graph = undirected_graph(scoped)
    rows = []
    for sid in sorted(nx.articulation_points(graph)):
        pieces = _cut_off(graph, [sid])
        cut = sorted(set().union(*pieces[1:])) if len(pieces) > 1 else []
        rows.append(
            {
                "id": sid,
                "name": graph.nodes[sid]["name"],
                "kind_label": label(graph.nodes[sid]["kind"], lang, Kind),
                "degree": graph.degree(sid),
                "components_after": len(pieces),
                "cut_off": len(cut),
                "cut_off_names": ", ".join(sorted(str(graph.nodes[n]["name"]) for n in cut)),
            }
        )
    columns = ["name", "kind_label", "degree", "components_after", "cut_off", "cut_off_names"]
    frame = pd.DataFrame(rows, columns=["id", *columns]).set_index("id")
    for column in ("degree", "components_after", "cut_off"):
        frame[column] = frame[column].astype(np.int64)
    return _sorted(frame, ["cut_off"])


def bridges(eco: Ecosystem, region: Any = None, *, national: str = "linked") -> pd.DataFrame:
    """Return the links whose loss cuts the network in two.

    A bridge is a pair of linked structures (undirected projection, whatever the number
    of relations between them) whose link is the only path between two parts of the
    network.

    Returns
    -------
    pandas.DataFrame
        One row per bridge, ``source`` < ``target`` (ids): ``source_name``,
        ``target_name``, ``relations`` (joined with ``|``), ``cut_off`` (structures on
        the smaller side); sorted by ``cut_off`` (largest first), then ids.

    Examples
    --------
    >>> bridges(example_ecosystem())[["source", "target", "relations", "cut_off"]]
    ... # doctest: +NORMALIZE_WHITESPACE
      source target relations  cut_off
    0    hub      x     funds        3
    1      a    hub member_of        1
    2      b    hub member_of        1
    3      c    hub member_of        1
    """
    import networkx as nx

    scoped = network_scope(eco, region, national)
    graph = undirected_graph(scoped)
    rows = []
    for u, v in nx.bridges(graph):
        source, target = sorted((u, v))
        pieces = _cut_off(graph, edge=(source, target))
        rows.append(
            {
                "source": source,
                "target": target,
                "source_name": graph.nodes[source]["name"],
                "target_name": graph.nodes[target]["name"],
                "relations": "|".join(graph.edges[source, target]["relations"]),
                "cut_off": min(len(p) for p in pieces),
            }
        )
    columns = ["source", "target", "source_name", "target_name", "relations", "cut_off"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["cut_off"] = frame["cut_off"].astype(np.int64)
    frame = frame.sort_values(
        ["cut_off", "source", "target"], ascending=[False, True, True], kind="stable"
    )
    return frame.reset_index(drop=True)


def weakly_linked(
    eco: Ecosystem,
    region: Any = None,
    *,
    national: str = "linked",
    lang: str = DEFAULT_LANGUAGE,
) -> pd.DataFrame:
    """Return the isolated or weakly linked structures.

    A structure is listed when it has no link (``reason == "isolated"``), a single
    linked neighbour (``"single_link"``), or lies outside the largest connected
    component (``"outside_main"``), first reason that applies.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``id``, sorted by reason (in that order), then id: ``name``,
        ``kind_label``, ``status``, ``degree``, ``component_size``,
        ``in_main_component``, ``reason`` and ``reason_label`` (in ``lang``).

    Examples
    --------
    >>> weakly_linked(example_ecosystem())[["degree", "reason"]]
    ... # doctest: +NORMALIZE_WHITESPACE
           degree       reason
    id
    alone       0     isolated
    a           1  single_link
    b           1  single_link
    c           1  single_link
    """
    import networkx as nx

    scoped = network_scope(eco, region, national)
    graph = undirected_graph(scoped)
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    size = {sid: len(c) for c in components for sid in c}
    main = components[0] if components else set()
    rows = []
    for sid in scoped.structures.index:
        degree = graph.degree(sid)
        if degree == 0:
            reason = "isolated"
        elif degree == 1:
            reason = "single_link"
        elif sid not in main:
            reason = "outside_main"
        else:
            continue
        rows.append(
            {
                "id": sid,
                "name": graph.nodes[sid]["name"],
                "kind_label": label(graph.nodes[sid]["kind"], lang, Kind),
                "status": graph.nodes[sid]["status"],
                "degree": degree,
                "component_size": size[sid],
                "in_main_component": sid in main,
                "reason": reason,
                "reason_label": _REASONS[reason].get(lang, _REASONS[reason]["fr"]),
            }
        )
    columns = [
        "name",
        "kind_label",
        "status",
        "degree",
        "component_size",
        "in_main_component",
        "reason",
        "reason_label",
    ]
    frame = pd.DataFrame(rows, columns=["id", *columns]).set_index("id")
    frame["degree"] = frame["degree"].astype(np.int64)
    frame["component_size"] = frame["component_size"].astype(np.int64)
    frame["in_main_component"] = frame["in_main_component"].astype(bool)
    order = {reason: i for i, reason in enumerate(_REASONS)}
    frame = frame.assign(_order=frame["reason"].map(order), _id=frame.index)
    return frame.sort_values(["_order", "_id"], kind="stable").drop(columns=["_order", "_id"])


# --------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------

#: Fields of :func:`network_summary`, in order.
SUMMARY_FIELDS: tuple[str, ...] = (
    "structures",
    "links",
    "pairs",
    "density",
    "mean_degree",
    "components",
    "largest_component",
    "largest_share",
    "isolated",
    "reciprocity",
    "transitivity",
    "articulation_points",
    "bridges",
    "communities",
    "modularity",
)


def network_summary(
    eco: Ecosystem, region: Any = None, *, national: str = "linked", seed: int = 0
) -> pd.Series:
    """Return the network's counts and indicators.

    ``structures``, ``links`` (every relation counted), ``pairs`` (pairs of linked
    structures), ``density`` (pairs / possible pairs), ``mean_degree`` (2 · pairs /
    structures), ``components`` (connected components, isolated structures included),
    ``largest_component`` and ``largest_share`` (its structures, their share),
    ``isolated`` (structures without a link), ``reciprocity`` (share of the arcs of the
    directed projection whose reverse arc exists: a partnership counts as reciprocated),
    ``transitivity`` (share of closed triangles), ``articulation_points``, ``bridges``,
    ``communities`` and ``modularity`` (Louvain, ``seed``).

    Examples
    --------
    >>> summary = network_summary(example_ecosystem())
    >>> summary[["links", "largest_component", "reciprocity", "bridges"]].tolist()
    [8, 7, 0.25, 4]
    """
    import networkx as nx

    scoped = network_scope(eco, region, national)
    graph = undirected_graph(scoped)
    directed = directed_graph(scoped)
    n = graph.number_of_nodes()
    pairs = graph.number_of_edges()
    components = sorted((len(c) for c in nx.connected_components(graph)), reverse=True)
    found = _louvain(graph, seed, 1.0)
    values: dict[str, Any] = {
        "structures": n,
        "links": len(scoped.links),
        "pairs": pairs,
        "density": nx.density(graph) if n > 1 else 0.0,
        "mean_degree": 2 * pairs / n if n else 0.0,
        "components": len(components),
        "largest_component": components[0] if components else 0,
        "largest_share": components[0] / n if n else 0.0,
        "isolated": sum(1 for _, d in graph.degree() if d == 0),
        "reciprocity": nx.overall_reciprocity(directed) if directed.number_of_edges() else 0.0,
        "transitivity": nx.transitivity(graph),
        "articulation_points": sum(1 for _ in nx.articulation_points(graph)),
        "bridges": sum(1 for _ in nx.bridges(graph)),
        "communities": len(found),
        "modularity": (
            float(nx.community.modularity(graph, found, weight="weight")) if pairs else 0.0
        ),
    }
    return pd.Series(
        values,
        index=list(SUMMARY_FIELDS),
        name="FR" if region is None else str(region),
        dtype=object,
    )


def _regions(eco: Ecosystem) -> pd.DataFrame:
    table = eco.territories.table
    return table[table["level"] == Level.REGION.value].sort_values("code")


def summary_by_region(
    eco: Ecosystem, *, national: str = "linked", seed: int = 0, country: bool = True
) -> pd.DataFrame:
    """Return :func:`network_summary` for every région side by side (and the country).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code`` (régions sorted, then ``FR`` when ``country``): ``name``,
        then the fields of :func:`network_summary`.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> table = summary_by_region(load_ecosystem())
    >>> len(table), int(table.loc["FR", "structures"]), table.loc["53", "name"]
    (19, 331, 'Bretagne')
    """
    rows = []
    for code, name in zip(*(_regions(eco)[c] for c in ("code", "name")), strict=True):
        summary = network_summary(eco, code, national=national, seed=seed)
        rows.append({"code": code, "name": name, **summary.to_dict()})
    if country:
        rows.append({"code": NATIONAL, "name": "France", **network_summary(eco, seed=seed)})
    return _typed(pd.DataFrame(rows, columns=["code", "name", *SUMMARY_FIELDS]).set_index("code"))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Integer and float columns out of object ones."""
    for column in frame.columns:
        if frame[column].dtype == object:
            converted = pd.to_numeric(frame[column], errors="coerce")
            if converted.notna().all():
                frame[column] = converted
    return frame


# --------------------------------------------------------------------------------------
# Comparison of régions
# --------------------------------------------------------------------------------------

#: Network fields :func:`compare_regions` shows.
COMPARE_NETWORK_FIELDS: tuple[str, ...] = (
    "structures",
    "links",
    "density",
    "components",
    "largest_share",
    "articulation_points",
    "reciprocity",
)


def _key_pairs(keys: Any) -> list[tuple[str, str]]:
    from fresque.coverage import _parse_key

    if keys is None:
        return [("stage", s.value) for s in Stage]
    if isinstance(keys, str | tuple | Dispositif | Stage):
        keys = [keys]
    return [_parse_key(k) for k in keys]


def compare_regions(
    eco: Ecosystem,
    keys: Any = None,
    *,
    coverage: Coverage | None = None,
    thresholds: Sequence[float] = (30,),
    national: str = "linked",
    seed: int = 0,
) -> pd.DataFrame:
    """Return the régions side by side: coverage, offers, accessibility, network.

    Parameters
    ----------
    eco
        The ecosystem.
    keys
        Dispositifs and stages compared (values, labels or ``(key_type, value)``);
        default: the six stages of the value chain.
    coverage
        :func:`fresque.coverage.compute_coverage` of ``eco`` (computed when ``None``).
    thresholds
        Distances (km) of the accessibility columns.
    national, seed
        Scope of the network indicators (see :func:`network_scope`).

    Returns
    -------
    pandas.DataFrame
        One row per région, indexed by ``code``:

        - ``name``, ``population``;
        - ``offers``: distinct local offers (known or expected) of any of the keys
          serving the région, and ``offers_per_100k`` per 100,000 inhabitants;
        - ``covered_<key>``: share of the population with at least one local offer of
          the key;
        - one column per status of :data:`fresque.coverage.STATUS_ORDER` (``gap``,
          ``unknown``…): number of départements × keys of the région in that status;
        - ``share_beyond_<n>km``: share of the population known to be farther than
          ``n`` km from any offer of the keys, and ``share_unknown_<n>km``: share whose
          distance to ``n`` km is unknown (an offer without a known place may be
          nearer; :func:`fresque.access.population_beyond`);
        - the network indicators :data:`COMPARE_NETWORK_FIELDS` of the région
          (:func:`network_summary`).

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> table = compare_regions(load_ecosystem(), keys=["dla_departemental"])
    >>> columns = ["name", "offers", "unknown", "covered_dla_departemental"]
    >>> print(table.loc["53", columns].to_string())
    name                         Bretagne
    offers                              4
    unknown                             2
    covered_dla_departemental         1.0
    """
    from fresque.access import nearest_offers, population_beyond
    from fresque.coverage import STATUS_ORDER, compute_coverage

    pairs = _key_pairs(keys)
    coverage = coverage if coverage is not None else compute_coverage(eco)
    regions = _regions(eco)
    frame = pd.DataFrame(
        {"name": regions["name"].to_numpy(dtype=object)},
        index=pd.Index(regions["code"].to_numpy(dtype=object), name="code"),
    )
    at_region = coverage.table(Level.REGION, pairs)
    population = at_region.groupby("code", sort=False, observed=True)["population"].first()
    frame["population"] = population.reindex(frame.index).fillna(0).astype(np.int64)
    offers = at_region.groupby("code", sort=False, observed=True)["offers"].agg(
        lambda cells: len({sid for cell in cells for sid in str(cell).split("|") if sid})
    )
    frame["offers"] = offers.reindex(frame.index).fillna(0).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["offers_per_100k"] = np.where(
            frame["population"] > 0, frame["offers"] * 1e5 / frame["population"], np.nan
        )
    for key_type, key in pairs:
        rows = at_region[(at_region["key_type"] == key_type) & (at_region["key"] == key)]
        frame[f"covered_{key}"] = rows.set_index("code")["share_covered"].reindex(frame.index)
    at_departement = coverage.table(Level.DEPARTEMENT, pairs)
    counts = (
        at_departement.assign(status=at_departement["status"].astype(str))
        .groupby(["region", "status"])
        .size()
        .unstack(fill_value=0)
    )
    for status in (s.value for s in STATUS_ORDER):
        column = counts[status] if status in counts else pd.Series(dtype=np.int64)
        frame[status] = column.reindex(frame.index).fillna(0).astype(np.int64)

    dispositifs = [k for t, k in pairs if t == "dispositif"]
    stages = [k for t, k in pairs if t == "stage"]
    distance = None
    for facet, values in (("dispositif", dispositifs), ("stage", stages)):
        if values:
            found = nearest_offers(eco, **{facet: values})
            distance = (
                found
                if distance is None
                else distance.assign(
                    distance_km=np.fmin(distance["distance_km"], found["distance_km"]),
                    unlocated_km=np.fmin(distance["unlocated_km"], found["unlocated_km"]),
                )
            )
    if distance is not None:
        beyond = population_beyond(
            distance, thresholds, level=Level.REGION, territories=eco.territories
        )
        for threshold in thresholds:
            for what in ("beyond", "unknown"):
                column = f"share_{what}_{float(threshold):g}km"
                frame[column] = beyond[column].reindex(frame.index)

    network = pd.DataFrame(
        {code: network_summary(eco, code, national=national, seed=seed) for code in frame.index}
    ).T
    for field in COMPARE_NETWORK_FIELDS:
        frame[field] = pd.to_numeric(network[field])
    return frame


# --------------------------------------------------------------------------------------
# What if a structure disappears
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemovalImpact:
    """What changes when structures disappear (see :func:`removal_impact`).

    Attributes
    ----------
    removed
        Ids of the structures removed.
    coverage
        The territories × keys whose status changes: ``level``, ``code``, ``name``,
        ``region``, ``key_type``, ``key``, ``key_label``, ``status_before``,
        ``status_after``, ``population_gap_before``, ``population_gap_after`` (the
        population without any known offer, confirmed by a survey or not), sorted by
        population losing every offer (largest first).
    network
        Network summary before and after (two columns, ``before`` and ``after``).
    cut_off
        Ids of the structures that were connected to the largest component and are no
        longer.
    """

    removed: tuple[str, ...]
    coverage: pd.DataFrame
    network: pd.DataFrame
    cut_off: tuple[str, ...]

    @property
    def new_gaps(self) -> pd.DataFrame:
        """The rows of :attr:`coverage` left without any offer (``gap`` where a survey
        confirms it, ``none_known`` elsewhere)."""
        return self.coverage[self.coverage["status_after"].isin(["gap", "none_known"])]


def _without_offer(table: pd.DataFrame) -> pd.DataFrame:
    """``population_gap`` as the population without any known offer, confirmed or not."""
    return table.assign(population_gap=table["population_gap"] + table["population_none_known"])


def removal_impact(
    eco: Ecosystem,
    ids: str | Iterable[str],
    level: Level | str = Level.DEPARTEMENT,
    keys: Any = None,
    *,
    region: Any = None,
    lang: str = DEFAULT_LANGUAGE,
) -> RemovalImpact:
    """Return what happens to coverage and to the network if structures disappear.

    Coverage is computed with and without them (:func:`fresque.coverage.compute_coverage`)
    at ``level``; the network summary and the largest component are compared on the
    whole ecosystem.

    Parameters
    ----------
    eco
        The ecosystem.
    ids
        The structure(s) that disappear.
    level
        Level of the coverage compared (``epci``, ``departement``, ``region``…).
    keys
        Dispositifs and stages compared (default: all).
    region
        Keep the territories of this région only.
    lang
        Language of ``key_label``.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> impact = removal_impact(load_ecosystem(), "tag29", keys=["incubateur", "creation"])
    >>> impact.new_gaps[["code", "key", "status_before", "status_after"]]
    ... # doctest: +NORMALIZE_WHITESPACE
      code         key status_before status_after
    0   29  incubateur        single   none_known
    >>> impact.cut_off  # Adess carries TAg29 and has no other link
    ('adess_morlaix',)
    """
    import networkx as nx

    from fresque.coverage import compute_coverage

    removed = (ids,) if isinstance(ids, str) else tuple(dict.fromkeys(ids))
    after_eco = without(eco, removed)
    pairs = None if keys is None else _key_pairs(keys)
    before = _without_offer(compute_coverage(eco).table(level, pairs, region))
    after = _without_offer(compute_coverage(after_eco).table(level, pairs, region))
    columns = ["level", "code", "name", "region", "key_type", "key"]
    merged = before[[*columns, "status", "population_gap"]].merge(
        after[[*columns, "status", "population_gap"]],
        on=columns,
        suffixes=("_before", "_after"),
    )
    merged["status_before"] = merged["status_before"].astype(str)
    merged["status_after"] = merged["status_after"].astype(str)
    changed = merged[
        (merged["status_before"] != merged["status_after"])
        | (merged["population_gap_before"] != merged["population_gap_after"])
    ].copy()
    for column in ("level", "key_type", "key"):
        changed[column] = changed[column].astype(str)
    changed["key_label"] = [_key_label(k, lang) for k in changed["key"]]
    changed["_lost"] = changed["population_gap_after"] - changed["population_gap_before"]
    changed = changed.sort_values(["_lost", "code", "key"], ascending=[False, True, True])
    changed = changed[
        [
            *columns,
            "key_label",
            "status_before",
            "status_after",
            "population_gap_before",
            "population_gap_after",
        ]
    ].reset_index(drop=True)

    graph = undirected_graph(eco)
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    main_before = components[0] if components else set()
    rest = undirected_graph(after_eco)
    components_after = sorted(nx.connected_components(rest), key=lambda c: (-len(c), min(c)))
    main_after = components_after[0] if components_after else set()
    cut = tuple(sorted(main_before - set(removed) - main_after))
    network = pd.DataFrame({"before": network_summary(eco), "after": network_summary(after_eco)})
    return RemovalImpact(removed, changed, network, cut)
