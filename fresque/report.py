"""A self-contained HTML report on one région, that a coordinator can mail.

``fresque report --region 53 --out rapport.html`` writes one HTML file holding
everything: key figures, coverage maps of every stage of the value chain, the ranked gap
table, accessibility, a picture of the regional network with its brokers, articulation
points and communities, and the régions side by side. Images are PNG rendered by
matplotlib (``Agg``, no display, no network) and embedded as ``data:`` URIs; the page
loads nothing from anywhere (no script at all, no font, no stylesheet link), so it opens
the same from a mail, a USB key or an intranet, and prints.

Every text of the dataset (names, descriptions, URLs) goes through Jinja's autoescape;
only ``http(s)`` addresses become links, and they are links in the text (``<a href>``),
never resources the page loads.

From Python::

    from fresque.ecosystem import load_ecosystem
    from fresque.report import write_html_report

    write_html_report(load_ecosystem(), "53", "rapport.html")
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from fresque import __version__
from fresque.coverage import STATUS_ORDER, by_attention
from fresque.i18n import DEFAULT_LANGUAGE, label, t, t_count
from fresque.model import CoverageStatus, Dispositif, Kind, Level, Stage, Status
from fresque.views.coverage_map import (
    CATEGORIES,
    category_color,
    legend_entries,
    status_category,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from fresque.ecosystem import Ecosystem

__all__ = [
    "ReportData",
    "build_report",
    "component_layout",
    "network_counts",
    "report_data",
    "status_fills",
    "status_legend",
    "write_html_report",
]

#: Distance of the accessibility headline (km).
HEADLINE_KM = 30

_NO_DATA = "#f2f2f2"

#: Dispositifs unique by design, reported beside the stages.
REPORT_DISPOSITIFS: tuple[Dispositif, ...] = (
    Dispositif.DLA_DEPARTEMENTAL,
    Dispositif.DLA_REGIONAL,
    Dispositif.CRESS,
)

_KIND_ORDER = list(Kind)
_DPI = 110


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------


def _number(value: Any, decimals: int = 0) -> str:
    from fresque.views.maps import format_number_fr

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format_number_fr(float(value), decimals)


def _counted(key: str, value: int, lang: str) -> str:
    """A count with its noun agreed (:func:`~fresque.i18n.t_count`), written as
    :func:`_number` writes numbers."""
    return t_count(key, int(value), lang, shown=_number(value))


def _percent(value: Any, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{_number(100 * float(value), decimals)}\u00a0%"


@dataclass
class Table:
    """A table ready for the template: headings, rows of text, numeric columns."""

    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    highlight: list[bool] = field(default_factory=list)
    links: dict[tuple[int, int], str] = field(default_factory=dict)


def _table(
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str, Callable[[Any], str] | None]],
    highlight: Callable[[Any, pd.Series], bool] | None = None,
    link_column: str | None = None,
) -> Table:
    """``columns``: (column, heading, formatter; ``None`` for text). A formatter makes a
    numeric column unless it is one of ``_TEXT`` or has a ``text`` attribute."""
    rows, marks, links = [], [], {}
    for i, (index, row) in enumerate(frame.iterrows()):
        cells = []
        for j, (column, _, formatter) in enumerate(columns):
            value = index if column == "__index__" else row[column]
            if formatter is None:
                cells.append("" if value is None or value is pd.NA else str(value))
            else:
                cells.append(formatter(value))
            if link_column == column:
                url = str(row.get("website") or "")
                if url.startswith(("https://", "http://")):
                    links[(i, j)] = url
        rows.append(cells)
        marks.append(bool(highlight(index, row)) if highlight else False)
    return Table(
        headers=[heading for _, heading, _ in columns],
        rows=rows,
        numeric=[
            formatter is not None and formatter not in _TEXT and not hasattr(formatter, "text")
            for _, _, formatter in columns
        ],
        highlight=marks,
        links=links,
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _text_number(value: Any) -> str:
    """Numbers already written out (right-aligned)."""
    return "" if value is None else str(value)


def _yes(value: Any) -> str:
    return "oui" if bool(value) else ""


#: Formatters whose column is text (left-aligned), not numbers.
_TEXT = (_text, _yes)


def _png(figure: Any) -> str:
    """The figure as a ``data:image/png;base64,…`` URI (and the figure closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight", facecolor="white")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _key_label(key_type: str, key: str, lang: str) -> str:
    return label(Dispositif(key) if key_type == "dispositif" else Stage(key), lang)


def _status_label(status: str, lang: str) -> str:
    return label(CoverageStatus(status), lang)


def status_fills(
    statuses: Sequence[str],
    partial: Sequence[bool],
    shares: Sequence[float] | None = None,
) -> list[str]:
    """Fill colour of each territory, as the app's coverage map draws it.

    The palette is :data:`fresque.views.coverage_map.STATUS_COLORS`; a partly covered
    territory takes the lighter shade of its status for its share of inhabitants covered
    (:func:`fresque.views.coverage_map.band_of`); a missing status is light grey.

    Examples
    --------
    >>> from fresque.views.coverage_map import STATUS_COLORS, category_color
    >>> fills = status_fills(["single", "single", "single", None], [False, True, True, False],
    ...                      [1.0, 0.8, 0.02, 0.0])
    >>> fills == [STATUS_COLORS["single"], category_color("single", "most"),
    ...           category_color("single", "few"), "#f2f2f2"]
    True
    """
    shares = shares if shares is not None else [None] * len(statuses)
    fills = []
    for status, part, share in zip(statuses, partial, shares, strict=True):
        if status is None or pd.isna(status):
            fills.append(_NO_DATA)
            continue
        category = CATEGORIES[status_category(str(status), bool(part), share)]
        fills.append(category_color(*category))
    return fills


def status_legend(lang: str = DEFAULT_LANGUAGE) -> list[dict[str, str | None]]:
    """The statuses in the order of :data:`fresque.coverage.STATUS_ORDER`, as the app's
    legend gives them (:func:`fresque.views.coverage_map.legend_entries`): label, colour
    of a whole territory, of a partly covered one where most inhabitants are covered
    (``partial_color``) and where few are (``few_color``); ``None`` when a status is
    never partial.

    Examples
    --------
    >>> legend = status_legend()
    >>> [entry["value"] for entry in legend] == [s.value for s in STATUS_ORDER]
    True
    >>> legend[0]["partial_color"] is None  # a territory without any offer is never partial
    True
    """
    return [
        {
            "value": entry["value"],
            "label": entry["label"],
            "color": entry["color"],
            "partial_color": entry["colors"]["most"],
            "few_color": entry["colors"]["few"],
        }
        for entry in legend_entries("status", lang)["statuses"]
    ]


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def _status_maps(shapes: gpd.GeoDataFrame, outline: gpd.GeoDataFrame, lang: str) -> str:
    """Small multiples: one map per key, territories coloured by status as in the app
    (the legend is in the page: :func:`status_legend`)."""
    plt = _pyplot()
    keys = list(dict.fromkeys(zip(shapes["key_type"], shapes["key"], strict=True)))
    columns = 3
    rows = math.ceil(len(keys) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.9 * rows))
    for ax in np.ravel(axes):
        ax.set_axis_off()
    for ax, (key_type, key) in zip(np.ravel(axes), keys, strict=False):
        part = shapes[(shapes["key_type"] == key_type) & (shapes["key"] == key)]
        part = part[part.geometry.notna()]
        colors = status_fills(
            part["status"].astype(object).tolist(),
            part["partial"].astype(bool).tolist(),
            part["share_covered"].tolist(),
        )
        part.plot(ax=ax, color=colors, edgecolor="white", linewidth=0.4)
        outline.boundary.plot(ax=ax, color="#333333", linewidth=0.7)
        ax.set_title(_key_label(key_type, key, lang), fontsize=11)
    figure.tight_layout()
    return _png(figure)


def _value_map(
    shapes: gpd.GeoDataFrame,
    column: str,
    title: str,
    outline: gpd.GeoDataFrame | None = None,
    highlight: gpd.GeoDataFrame | None = None,
    percent: bool = False,
    limits: tuple[float, float] | None = None,
) -> str:
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(7.5, 6.2))
    ax.set_axis_off()
    shown = shapes[shapes.geometry.notna()]
    vmin, vmax = limits if limits is not None else (None, None)
    shown.plot(
        ax=ax,
        column=column,
        cmap="viridis_r",
        vmin=vmin,
        vmax=vmax,
        legend=True,
        edgecolor="white",
        linewidth=0.4,
        missing_kwds={"color": _NO_DATA, "edgecolor": "white"},
        legend_kwds={"shrink": 0.6, "format": "{x:.0%}" if percent else None},
    )
    if outline is not None:
        outline.boundary.plot(ax=ax, color="#333333", linewidth=0.7)
    if highlight is not None:
        highlight.boundary.plot(ax=ax, color="#e7298a", linewidth=2.2)
    ax.set_title(title, fontsize=12)
    return _png(figure)


def _short(name: str, width: int = 22, lines: int = 2) -> str:
    """A name on at most ``lines`` lines of about ``width`` characters."""
    import textwrap

    wrapped = textwrap.wrap(name, width) or [""]
    if len(wrapped) > lines:
        wrapped = [
            *wrapped[: lines - 1],
            textwrap.shorten(" ".join(wrapped[lines - 1 :]), width, placeholder="…"),
        ]
    return "\n".join(wrapped)


def component_layout(graph: Any, seed: int = 0) -> dict[str, np.ndarray]:
    """The largest component by Kamada–Kawai (spring above 300 nodes), the others in a row
    below it: a spring layout alone flings small components to the corners."""
    import networkx as nx

    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c)))
    positions: dict[str, np.ndarray] = {}
    main = graph.subgraph(components[0])
    if len(main) > 300:
        found = nx.spring_layout(main, seed=seed, k=1.8 / math.sqrt(len(main)))
    elif len(main) > 2:
        found = nx.kamada_kawai_layout(main)
    else:
        found = {sid: np.array([0.4 * i, 0.0]) for i, sid in enumerate(sorted(main))}
    positions.update({sid: np.asarray(xy, dtype=float) for sid, xy in found.items()})
    x, y = -1.0, -1.35
    for component in components[1:]:
        members = sorted(component)
        part = graph.subgraph(members)
        local = (
            nx.kamada_kawai_layout(part)
            if len(members) > 2
            else {sid: np.array([i * 1.0, 0.0]) for i, sid in enumerate(members)}
        )
        width = 0.22 * max(len(members) - 1, 1) + 0.2
        for sid, (u, v) in local.items():
            positions[sid] = np.array([x + (u + 1) * width / 2, y + v * 0.12])
        x += width + 0.35
        if x > 1.0:
            x, y = -1.0, y - 0.3
    return positions


def _network_picture(eco: Ecosystem, lang: str, seed: int = 0) -> str:
    import networkx as nx
    from matplotlib.lines import Line2D

    from fresque.analysis import undirected_graph
    from fresque.views.network import KIND_COLORS

    plt = _pyplot()
    graph = undirected_graph(eco)
    figure, ax = plt.subplots(figsize=(11, 8))
    ax.set_axis_off()
    if graph.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "Aucune structure" if lang == "fr" else "No structure", ha="center")
        return _png(figure)
    n = graph.number_of_nodes()
    positions = component_layout(graph, seed)
    degree = dict(graph.degree())
    top = max(degree.values()) or 1
    colors = [
        "#9E9E9E"
        if graph.nodes[s]["status"] == Status.DEFUNCT.value
        else KIND_COLORS[Kind(graph.nodes[s]["kind"])]
        for s in graph
    ]
    sizes = [90 + 650 * math.sqrt(degree[s] / top) for s in graph]
    nx.draw_networkx_edges(graph, positions, ax=ax, edge_color="#b0b0b0", width=0.9)
    nodes = nx.draw_networkx_nodes(
        graph, positions, ax=ax, node_color=colors, node_size=sizes, edgecolors="#333333"
    )
    nodes.set_linewidth(0.6)
    labelled = sorted(graph, key=lambda s: (-degree[s], s))[: min(n, 45)]
    names = {s: _short(str(graph.nodes[s]["name"])) for s in labelled}
    ys = [float(xy[1]) for xy in positions.values()]
    drop = 0.025 * ((max(ys) - min(ys)) or 1.0)  # labels just below their node
    below = {s: (float(xy[0]), float(xy[1]) - drop) for s, xy in positions.items()}
    nx.draw_networkx_labels(
        graph,
        below,
        labels=names,
        ax=ax,
        font_size=7,
        verticalalignment="top",
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.6, "pad": 0.5},
    )
    kinds = sorted(
        {graph.nodes[s]["kind"] for s in graph}, key=lambda k: _KIND_ORDER.index(Kind(k))
    )
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=9,
            markerfacecolor=KIND_COLORS[Kind(k)],
            markeredgecolor="#333333",
            label=label(Kind(k), lang),
        )
        for k in kinds
    ]
    figure.legend(handles=handles, loc="upper center", ncol=len(handles), frameon=False, fontsize=9)
    figure.tight_layout(rect=(0, 0, 1, 0.96))
    return _png(figure)


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


@dataclass
class ReportData:
    """Everything the report shows, computed once (tables as DataFrames)."""

    region: str
    region_name: str
    population: int
    structures: pd.DataFrame
    kinds: pd.DataFrame
    summary: pd.Series
    comparison: pd.DataFrame
    gaps_departement: pd.DataFrame
    gaps_epci: pd.DataFrame
    coverage_epci: pd.DataFrame
    access_departement: pd.DataFrame
    access_epci: pd.DataFrame
    centrality: pd.DataFrame
    brokers: pd.DataFrame
    articulation_points: pd.DataFrame
    communities: pd.DataFrame
    weakly_linked: pd.DataFrame
    scope: Any = None
    keys: list[tuple[str, str]] = field(default_factory=list)
    network: dict[str, int] = field(default_factory=dict)
    unlocated: pd.DataFrame = field(default_factory=pd.DataFrame)
    access_region: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))


def network_counts(eco: Ecosystem, region: Any) -> dict[str, int]:
    """Count the structures and links of a région two ways, to say which is which.

    * ``shown_structures``, ``shown_links``: what the app's Réseau page shows with the
      région as its only filter (:meth:`~fresque.ecosystem.Ecosystem.filter` on the
      région): the local structures and *every* national actor, with the links
      between them;
    * ``analysed_structures``, ``analysed_links``: the regional network the report
      analyses (:func:`fresque.analysis.network_scope`): the local structures and the
      national actors linked to one of them (``national_linked``); the others
      (``national_unlinked``) would only add isolated nodes and links among themselves.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> counts = network_counts(load_ecosystem(), "53")
    >>> counts["shown_structures"] == (
    ...     counts["local"] + counts["national_linked"] + counts["national_unlinked"])
    True
    >>> counts["analysed_structures"] == counts["local"] + counts["national_linked"]
    True
    """
    from fresque.analysis import network_scope

    code = eco.resolve_territory(region, level=Level.REGION).code
    shown = eco.filter(territory=(Level.REGION, code))
    analysed = network_scope(eco, code)
    national = shown.national.to_numpy(dtype=bool)
    linked = sum(1 for sid in shown.structures.index[national] if sid in analysed)
    return {
        "shown_structures": len(shown),
        "shown_links": len(shown.links),
        "analysed_structures": len(analysed),
        "analysed_links": len(analysed.links),
        "local": int((~national).sum()),
        "national_linked": linked,
        "national_unlinked": int(national.sum()) - linked,
    }


def report_data(eco: Ecosystem, region: Any, *, lang: str = DEFAULT_LANGUAGE) -> ReportData:
    """Compute the tables of the report on ``region`` (its code or a Territory).

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> data = report_data(load_ecosystem(), "53")
    >>> data.region_name, int(data.summary["structures"]) > 10
    ('Bretagne', True)
    """
    from fresque import analysis as A
    from fresque.access import Accessibility, nearest_offers, population_beyond
    from fresque.coverage import compute_coverage, gap_report

    territory = eco.resolve_territory(region, level=Level.REGION)
    code = territory.code
    coverage = compute_coverage(eco)
    stages = [("stage", s.value) for s in Stage]
    keys = stages + [("dispositif", d.value) for d in REPORT_DISPOSITIFS]

    scope = A.network_scope(eco, code)
    local = eco.filter(territory=(Level.REGION, code))
    local_structures = local.structures[~local.national.to_numpy()]
    kinds = (
        pd.crosstab(local_structures["kind"], local_structures["status"])
        .reindex(index=[k.value for k in Kind], columns=[s.value for s in Status], fill_value=0)
        .loc[lambda f: f.sum(axis=1) > 0]
    )
    kinds["total"] = kinds.sum(axis=1)

    report = gap_report(
        coverage,
        Level.DEPARTEMENT,
        dispositif=[d.value for d in REPORT_DISPOSITIFS],
        stage=[s.value for s in Stage],
        region=code,
        lang=lang,
    )
    gaps_departement = _ranked(report)
    epci = gap_report(coverage, Level.EPCI, stage=[s.value for s in Stage], region=code, lang=lang)
    gaps_epci = _ranked(epci)
    coverage_epci = coverage.table(Level.EPCI, stages, code)

    near = nearest_offers(eco, stage=[s.value for s in Stage])
    by_departement = population_beyond(near, level=Level.DEPARTEMENT, territories=eco.territories)
    departements = {t.code for t in eco.territories.children((Level.REGION, code), "departement")}
    access_departement = by_departement[by_departement.index.isin(departements)]
    by_epci = population_beyond(near, level=Level.EPCI, territories=eco.territories)
    access_epci = by_epci[by_epci.index.isin(set(coverage_epci["code"]))]
    access_region = population_beyond(near, level=Level.REGION, territories=eco.territories).loc[
        code
    ]
    # The offers of a stage serving the région whose place is not known.
    unlocated_ids = Accessibility(eco).unlocated
    unlocated_ids = unlocated_ids[unlocated_ids["stages"].map(len) > 0].index
    unlocated = local_structures.loc[
        local_structures.index.intersection(unlocated_ids), ["name", "status"]
    ].sort_values("name")

    comparison = A.compare_regions(eco, coverage=coverage)
    at_departement = coverage.table(Level.DEPARTEMENT, stages)
    without_offer = at_departement[at_departement["n_offers"] == 0].groupby("region").size()
    comparison["no_offer"] = without_offer.reindex(comparison.index).fillna(0).astype(np.int64)

    return ReportData(
        region=code,
        region_name=territory.name,
        population=int(territory.population or 0),
        structures=local_structures,
        kinds=kinds,
        summary=A.network_summary(scope),
        comparison=comparison,
        gaps_departement=gaps_departement,
        gaps_epci=gaps_epci,
        coverage_epci=coverage_epci,
        access_departement=access_departement,
        access_epci=access_epci,
        centrality=A.centrality(scope, lang=lang),
        brokers=A.brokers(scope, by="kind", lang=lang),
        articulation_points=A.articulation_points(scope, lang=lang),
        communities=A.community_summary(scope, lang=lang),
        weakly_linked=A.weakly_linked(scope, lang=lang),
        scope=scope,
        keys=keys,
        network=network_counts(eco, code),
        unlocated=unlocated,
        access_region=access_region,
    )


def _ranked(report: pd.DataFrame) -> pd.DataFrame:
    """Rows needing attention (not simply covered), in the order of
    :func:`fresque.coverage.by_attention`: confirmed gaps first, then where nothing is
    recorded, then the other statuses, each by population without a known offer."""
    status = report["status"].astype(str)
    frame = report[(status != "covered") | report["partial"].astype(bool)]
    return by_attention(frame, then=("code", "key_label")).reset_index(drop=True)


# --------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("fresque", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _shapes(table: pd.DataFrame, territories: Any) -> gpd.GeoDataFrame:
    from fresque.coverage import to_geodataframe

    return to_geodataframe(table, territories=territories)


def _departement_shapes() -> gpd.GeoDataFrame:
    import geopandas as gpd

    from fresque.views.maps import load_geojson

    features = load_geojson("departements")["features"]
    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    frame["code"] = [str(f["id"]) for f in features]
    return frame


def _france_regions(values: pd.Series, code: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The régions (DROM in insets) in the map's plane, with ``value``; and the région."""
    import geopandas as gpd

    from fresque.views.maps import FRANCE_PROJ4, inset_overseas, load_geojson

    collection = inset_overseas(load_geojson("regions"))
    frame = gpd.GeoDataFrame.from_features(collection["features"], crs="EPSG:4326")
    frame["code"] = [str(f["id"]) for f in collection["features"]]
    frame["value"] = frame["code"].map(values)
    frame = frame.to_crs(FRANCE_PROJ4)
    return frame, frame[frame["code"] == code]


def build_report(
    eco: Ecosystem,
    region: Any,
    *,
    lang: str = DEFAULT_LANGUAGE,
    generated: date | None = None,
) -> str:
    """Return the HTML report on ``region``: one self-contained page.

    Parameters
    ----------
    eco
        The ecosystem (the national dataset, or a workshop's).
    region
        The région: its INSEE code (``"53"``) or a Territory.
    lang
        Language of the labels (the prose is French).
    generated
        Date printed on the report (default: today).

    Returns
    -------
    str
        The page; images are ``data:image/png`` URIs, nothing is loaded from elsewhere.
    """
    data = report_data(eco, region, lang=lang)
    context = _context(eco, data, lang, generated or date.today())
    return _environment().get_template("report.html.j2").render(**context)


def _context(eco: Ecosystem, data: ReportData, lang: str, generated: date) -> dict[str, Any]:
    from fresque.analysis import COLUMN_LABELS, SUMMARY_FIELDS

    def heading(column: str) -> str:
        return COLUMN_LABELS[column].get(lang, COLUMN_LABELS[column]["fr"])

    code = data.region
    comparison = data.comparison
    row = comparison.loc[code]
    coverage_shapes = _shapes(data.coverage_epci, eco.territories)
    departements = _departement_shapes()
    departements = departements[departements["code"].isin(set(data.access_departement.index))]
    figures = {
        "coverage": _status_maps(coverage_shapes, departements, lang),
    }
    access = coverage_shapes.drop_duplicates("code")[["code", "name", "geometry"]].copy()
    km = HEADLINE_KM
    for what in ("beyond", "unknown"):
        access["share"] = access["code"].map(data.access_epci[f"share_{what}_{km}km"])
        figures[f"access_{what}"] = _value_map(
            access,
            "share",
            t(f"report.access.map_{what}", lang).format(km=km),
            outline=departements,
            percent=True,
            limits=(0.0, 1.0),
        )
    france, selected = _france_regions(comparison["offers_per_100k"], code)
    figures["france"] = _value_map(
        france, "value", "Offres locales pour 100 000 habitants", highlight=selected
    )
    figures["network"] = _network_picture(data.scope, lang)

    local = data.structures
    counts = data.network
    status_counts = local["status"].value_counts()
    key_figures = [
        ("Habitants", _number(data.population)),
        ("Structures locales actives", _number(status_counts.get(Status.ACTIVE.value, 0))),
        (
            "Structures attendues (opérateur à identifier)",
            _number(status_counts.get(Status.EXPECTED.value, 0)),
        ),
        ("Offres locales pour 100 000 habitants", _number(row["offers_per_100k"], 2)),
        (
            t("report.figure.beyond", lang).format(km=km),
            _percent(data.access_region[f"share_beyond_{km}km"]),
        ),
        (
            t("report.figure.unknown", lang).format(km=km),
            _percent(data.access_region[f"share_unknown_{km}km"]),
        ),
        (
            t("report.figure.network_shown", lang).format(
                region=data.region_name,
                local=_counted("count.local_structures", counts["local"], lang),
                national=_number(counts["national_linked"] + counts["national_unlinked"]),
            ),
            t("report.network.value", lang).format(
                structures=_counted("count.structures", counts["shown_structures"], lang),
                links=_counted("count.links", counts["shown_links"], lang),
            ),
        ),
        (
            t("report.figure.network_analysed", lang).format(
                local=_counted("count.local_structures", counts["local"], lang),
                linked=_counted("count.linked_national", counts["national_linked"], lang),
            ),
            t("report.network.value", lang).format(
                structures=_counted("count.structures", counts["analysed_structures"], lang),
                links=_counted("count.links", counts["analysed_links"], lang),
            ),
        ),
        ("Points d’articulation", _number(data.summary["articulation_points"])),
    ]

    kinds = data.kinds.copy()
    kinds.index = [label(Kind(k), lang) for k in kinds.index]
    kinds_table = _table(
        kinds,
        [("__index__", "Type d’acteur", None)]
        + [(s.value, label(s, lang), _number) for s in Status]
        + [("total", "Total", _number)],
    )

    names = eco.structures["name"]

    def offer_names(value: Any) -> str:
        """The offers of a ``|``-joined cell of ids, by name."""
        ids = [sid for sid in str(value or "").split("|") if sid]
        return ", ".join(str(names.get(sid, sid)) for sid in ids)

    offer_names.text = True  # type: ignore[attr-defined]  # a text column (left-aligned)

    def gap_columns(level_word: str) -> list:
        return [
            ("name", level_word, None),
            ("key_label", "Dispositif ou étape", None),
            ("status_label", "Statut", None),
            ("partial", "En partie sans offre connue", _yes),
            ("population_gap", "Habitants sans offre (manque confirmé)", _number),
            ("population_none_known", "Habitants sans offre recensée", _number),
            ("share_covered", "Part couverte", _percent),
            ("offers", t("report.offers.heading", lang), offer_names),
        ]

    gaps_departement = _table(data.gaps_departement.head(25), gap_columns("Département"))
    gaps_epci = _table(data.gaps_epci.head(20), gap_columns("EPCI"))

    from fresque.access import THRESHOLDS_KM

    # One column per threshold: "surely beyond / maybe beyond", side by side.
    access_rows = data.access_departement.sort_values("code").copy()
    for threshold in THRESHOLDS_KM:
        access_rows[f"both_{threshold:g}"] = [
            f"{_percent(beyond)} / {_percent(maybe)}"
            for beyond, maybe in zip(
                access_rows[f"share_beyond_{threshold:g}km"],
                access_rows[f"share_unknown_{threshold:g}km"],
                strict=True,
            )
        ]
    access_table = _table(
        access_rows,
        [
            ("name", "Département", None),
            ("population", "Habitants", _number),
            ("population_unknown", t("report.access.population_unknown", lang), _number),
        ]
        + [
            (
                f"both_{threshold:g}",
                t("report.access.both", lang).format(km=f"{threshold:g}"),
                _text_number,
            )
            for threshold in THRESHOLDS_KM
        ],
    )

    summary = pd.DataFrame({"value": data.summary.reindex(list(SUMMARY_FIELDS))})
    ratios = {"density", "largest_share", "reciprocity", "transitivity", "modularity"}
    summary_rows = [
        (
            heading(field_),
            _percent(value, 1)
            if field_ in {"largest_share", "reciprocity"}
            else (
                _number(value, 3) if field_ in ratios or field_ == "mean_degree" else _number(value)
            ),
        )
        for field_, value in summary["value"].items()
    ]

    centrality_table = _table(
        data.centrality.head(12),
        [
            ("name", heading("name"), None),
            ("kind_label", heading("kind_label"), None),
            ("degree", heading("degree"), _number),
            ("in_degree", heading("in_degree"), _number),
            ("out_degree", heading("out_degree"), _number),
            ("betweenness", heading("betweenness"), lambda v: _number(v, 3)),
            ("pagerank", heading("pagerank"), lambda v: _number(v, 3)),
        ],
    )
    brokers_table = _table(
        data.brokers.head(10),
        [
            ("name", heading("name"), None),
            ("kind_label", heading("kind_label"), None),
            ("groups_reached", heading("groups_reached"), _number),
            ("brokered_pairs", heading("brokered_pairs"), _number),
            ("external_share", heading("external_share"), _percent),
        ],
    )
    cuts_table = _table(
        data.articulation_points.head(12),
        [
            ("name", heading("name"), None),
            ("kind_label", heading("kind_label"), None),
            ("components_after", heading("components_after"), _number),
            ("cut_off", heading("cut_off"), _number),
            ("cut_off_names", heading("cut_off_names"), None),
        ],
    )
    communities_table = _table(
        data.communities,
        [
            ("__index__", heading("community"), lambda v: _number(int(v) + 1)),
            ("size", heading("size"), _number),
            ("links_inside", heading("links_inside"), _number),
            ("links_outside", heading("links_outside"), _number),
            ("main_kind", heading("main_kind"), None),
            ("members", heading("members"), None),
        ],
    )
    weak_table = _table(
        data.weakly_linked,
        [
            ("name", heading("name"), None),
            ("kind_label", heading("kind_label"), None),
            ("degree", heading("degree"), _number),
            ("reason_label", heading("reason"), None),
        ],
    )

    compare_columns = [
        ("name", "Région", None),
        ("population", "Habitants", _number),
        ("offers", "Offres locales", _number),
        ("offers_per_100k", "pour 100 000 hab.", lambda v: _number(v, 2)),
        ("covered_emergence", "Couvert : émergence", _percent),
        ("covered_creation", "Couvert : création", _percent),
        ("covered_consolidation", "Couvert : consolidation", _percent),
        ("no_offer", t("report.compare.no_offer", lang), _number),
        (f"share_beyond_{km}km", t("report.access.beyond", lang).format(km=km), _percent),
        (f"share_unknown_{km}km", t("report.access.unknown", lang).format(km=km), _percent),
        ("structures", "Structures du réseau", _number),
        ("density", "Densité", lambda v: _number(v, 3)),
        ("components", "Composantes", _number),
    ]
    comparison_table = _table(
        comparison, compare_columns, highlight=lambda index, _row: index == code
    )

    directory = local.assign(
        kind_label=[label(Kind(k), lang) for k in local["kind"]],
        dispositif_labels=[
            ", ".join(label(Dispositif(d), lang) for d in ds) for ds in local["dispositifs"]
        ],
        status_label=[label(Status(s), lang) for s in local["status"]],
    ).sort_values(["kind", "name"])
    directory_table = _table(
        directory,
        [
            ("name", "Structure", None),
            ("kind_label", "Type", None),
            ("dispositif_labels", "Dispositifs", None),
            ("status_label", "Statut", None),
            ("website", "Site", None),
        ],
        link_column="website",
    )

    return {
        "lang": lang,
        "title": f"{t('app.title', lang)} — {data.region_name}",
        "region_name": data.region_name,
        "region_code": code,
        "generated": generated.strftime("%d/%m/%Y"),
        "version": __version__,
        "dataset": {"structures": len(eco), "links": len(eco.links)},
        "key_figures": key_figures,
        "figures": figures,
        "legend": status_legend(lang),
        "legend_full": t("carte.legend.band.full", lang),
        "legend_partial": t("carte.legend.band.most", lang),
        "legend_few": t("carte.legend.band.few", lang),
        "statuses": [label(status, lang) for status in STATUS_ORDER],
        "network": counts,
        "headline_km": km,
        "unlocated_active": [
            str(name) for name in data.unlocated.loc[data.unlocated["status"] == "active", "name"]
        ],
        "unlocated_expected": [
            str(name) for name in data.unlocated.loc[data.unlocated["status"] == "expected", "name"]
        ],
        "kinds": kinds_table,
        "gaps_departement": gaps_departement,
        "gaps_epci": gaps_epci,
        "access": access_table,
        "summary": summary_rows,
        "centrality": centrality_table,
        "brokers": brokers_table,
        "cuts": cuts_table,
        "communities": communities_table,
        "modularity": _number(data.communities.attrs.get("modularity", 0.0), 3),
        "weak": weak_table,
        "comparison": comparison_table,
        "directory": directory_table,
    }


def write_html_report(
    eco: Ecosystem, region: Any, path: str | Path, *, lang: str = DEFAULT_LANGUAGE
) -> Path:
    """Write :func:`build_report` to ``path`` (UTF-8, atomically) and return the path."""
    from fresque.io.tables import atomic_write

    page = build_report(eco, region, lang=lang)
    path = Path(path)
    with atomic_write(path) as handle:
        handle.write(page)
    return path
