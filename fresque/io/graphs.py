"""Graph and map exports: GraphML and GEXF for Gephi, GeoJSON of located structures.

:func:`records_to_graph` builds the networkx graph of a dataset (structures as nodes,
links as edges, every field as an attribute, with its Python value); the writers flatten
it into typed scalar attributes, which is what GraphML and GEXF can hold: lists become
``|``-joined text, enum members their values, dates ``YYYY-MM-DD``, plus a few derived
attributes for Gephi (``label``, ``kind_label``, ``confidence_rank``, ``national``,
``lon``/``lat`` where the commune is known).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fresque.io.tables import atomic_write
from fresque.io.validate import Records
from fresque.model import SYMMETRIC_RELATIONS, Level, Link, Structure, export_text

if TYPE_CHECKING:
    import networkx as nx

    from fresque.geo.territories import Territories

__all__ = [
    "commune_points",
    "export_graph",
    "records_to_graph",
    "to_geojson",
    "write_geojson",
    "write_gexf",
    "write_graphml",
]


def records_to_graph(structures: Iterable[Structure], links: Iterable[Link]) -> nx.MultiDiGraph:
    """Return the network of a dataset: one node per structure, one edge per link.

    Nodes are keyed by structure id, edges by ``(source, target, relation value)``; the
    attributes are the records' fields with their Python values (enum members, lists,
    dates, ``None``). Links whose ends are not among ``structures`` still get their end
    nodes, without attributes.

    Parameters
    ----------
    structures
        The nodes, in any order (they are added sorted by id).
    links
        The edges (added sorted by source, target, relation).

    Returns
    -------
    networkx.MultiDiGraph
        A graph that keeps parallel links of different relations.

    Examples
    --------
    >>> a = Structure(id="a", name="A", kind="network", territory_level="national")
    >>> b = Structure(id="b", name="B", kind="funder", territory_level="national")
    >>> g = records_to_graph([a, b], [Link(source="b", target="a", relation="funds")])
    >>> g.nodes["a"]["name"], list(g.edges(keys=True))
    ('A', [('b', 'a', 'funds')])
    """
    import networkx as nx

    graph = nx.MultiDiGraph()
    for structure in sorted(structures, key=lambda s: s.id):
        attributes = structure.model_dump()
        del attributes["id"]
        graph.add_node(structure.id, **attributes)
    for link in sorted(links, key=lambda k: (k.source, k.target, k.relation.value)):
        attributes = link.model_dump()
        del attributes["source"], attributes["target"]
        graph.add_edge(link.source, link.target, key=link.relation.value, **attributes)
    return graph


def commune_points(
    codes: Iterable[str], territories: Territories | None = None
) -> dict[str, tuple[float, float, str]]:
    """Return ``{commune code: (lon, lat, name)}`` for the codes the geography knows.

    Examples
    --------
    >>> lon, lat, name = commune_points(["29151"])["29151"]
    >>> name, round(lon), round(lat)
    ('Morlaix', -4, 49)
    """
    if territories is None:
        from fresque.geo.territories import default_territories

        territories = default_territories()
    wanted = set(codes)
    communes = territories.communes
    found = communes[communes["code"].isin(wanted)]
    return {
        code: (float(lon), float(lat), str(name))
        for code, lon, lat, name in zip(
            found["code"], found["lon"], found["lat"], found["name"], strict=True
        )
    }


def _flat(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(str(_flat(v)) for v in value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return export_text(value)  # XML holds no control character
    return value


def export_graph(records: Records, territories: Territories | None = None) -> nx.MultiDiGraph:
    """Return the graph of ``records`` with typed scalar attributes, ready for GraphML/GEXF.

    Node attributes: ``label`` (the name), every field flattened (text), ``kind_label``
    (French), ``confidence_rank`` (0–2, integer), ``national`` (boolean), and ``lon``,
    ``lat``, ``commune_name`` for structures whose commune is known. Edge attributes:
    ``id`` (``source--relation--target``), ``label`` (French relation), ``relation``,
    ``mutual`` (boolean), ``confidence_rank`` and the other fields flattened.
    """
    import networkx as nx

    from fresque.i18n import label

    ordered = records.sorted()
    points = commune_points(
        [s.commune_code for s in ordered.structures if s.commune_code], territories
    )
    graph = nx.MultiDiGraph()
    for s in ordered.structures:
        attributes: dict[str, Any] = {"label": _flat(s.name)}
        for name, value in s.model_dump().items():
            if name != "id":
                attributes[name] = _flat(value)
        attributes["kind_label"] = label(s.kind)
        attributes["confidence_rank"] = s.confidence.rank
        attributes["national"] = s.territory_level is Level.COUNTRY
        if s.commune_code in points:
            lon, lat, commune = points[s.commune_code]
            attributes.update(lon=round(lon, 6), lat=round(lat, 6), commune_name=commune)
        graph.add_node(s.id, **attributes)
    for k in ordered.links:
        attributes = {
            "id": f"{k.source}--{k.relation.value}--{k.target}",
            "label": label(k.relation),
            "mutual": k.relation in SYMMETRIC_RELATIONS,
            "confidence_rank": k.confidence.rank,
        }
        for name, value in k.model_dump().items():
            if name not in ("source", "target"):
                attributes[name] = _flat(value)
        for end in (k.source, k.target):
            if end not in graph:
                graph.add_node(end, label=end)
        graph.add_edge(k.source, k.target, key=k.relation.value, **attributes)
    return graph


def write_graphml(
    records: Records, path: str | Path, *, territories: Territories | None = None
) -> Path:
    """Write the network as GraphML with typed attributes (see :func:`export_graph`).

    Opens in Gephi, yEd and Cytoscape; ``label`` is the node name.

    Returns
    -------
    Path
        The written file.
    """
    import networkx as nx

    path = Path(path)
    graph = export_graph(records, territories)
    with atomic_write(path, "wb") as handle:
        nx.write_graphml(graph, handle, encoding="utf-8", edge_id_from_attribute="id")
    return path


def write_gexf(
    records: Records, path: str | Path, *, territories: Territories | None = None
) -> Path:
    """Write the network as GEXF 1.2 with typed attributes, Gephi's own format.

    Returns
    -------
    Path
        The written file.
    """
    import networkx as nx

    path = Path(path)
    graph = export_graph(records, territories)
    with atomic_write(path, "wb") as handle:
        nx.write_gexf(graph, handle, encoding="utf-8", version="1.2draft")
    return path


def to_geojson(records: Records, territories: Territories | None = None) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection of the structures whose commune is known.

    Each feature is a Point at the commune's representative point (WGS84, 6 decimals),
    with ``id`` the structure id and as properties every field (lists as JSON arrays,
    enum values, ISO dates) plus ``commune_name``. Sorted by id.
    """
    ordered = records.sorted()
    points = commune_points(
        [s.commune_code for s in ordered.structures if s.commune_code], territories
    )
    features = []
    for s in ordered.structures:
        if s.commune_code not in points:
            continue
        lon, lat, commune = points[s.commune_code]
        properties = json.loads(s.model_dump_json())
        properties["commune_name"] = commune
        features.append(
            {
                "type": "Feature",
                "id": s.id,
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def write_geojson(
    records: Records, path: str | Path, *, territories: Territories | None = None
) -> Path:
    """Write :func:`to_geojson` to ``path`` (UTF-8, deterministic).

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    document = to_geojson(records, territories)
    with atomic_write(path) as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    return path


def read_graph_tables(path: str | Path, shown: str | None = None) -> list[Any]:
    """Read a GraphML or GEXF file written by :func:`write_graphml` / :func:`write_gexf`
    (or by Gephi after editing) as raw tables: nodes are structures, edges are links.

    Node ids become the ``id`` column; the attributes become columns named after them,
    so a graph from another tool is read like a spreadsheet (``label`` is the name,
    ``type`` the kind…). Rows are numbered by position in the file, from 1.

    Returns
    -------
    list of RawTable
        The ``nodes`` table and, when the graph has edges, the ``edges`` table.
    """
    import networkx as nx

    from fresque.io.validate import LINKS, STRUCTURES, RawTable

    path = Path(path)
    shown = shown or path.name
    graph = nx.read_gexf(path) if path.suffix.lower() == ".gexf" else nx.read_graphml(path)
    node_headers = ["id"]
    for _, data in graph.nodes(data=True):
        node_headers += [k for k in data if k not in node_headers]
    node_rows = [
        (i, [node] + [data.get(h) for h in node_headers[1:]])
        for i, (node, data) in enumerate(graph.nodes(data=True), 1)
    ]
    tables = [RawTable(shown, "nodes", STRUCTURES, node_headers, 0, node_rows)]
    edge_headers = ["source", "target"]
    edges = list(graph.edges(data=True))
    for _, _, data in edges:
        edge_headers += [k for k in data if k not in edge_headers]
    edge_rows = [
        (i, [u, v] + [data.get(h) for h in edge_headers[2:]])
        for i, (u, v, data) in enumerate(edges, 1)
    ]
    if edge_rows:
        tables.append(RawTable(shown, "edges", LINKS, edge_headers, 0, edge_rows))
    return tables
