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
from fresque.i18n import DEFAULT_LANGUAGE, label, t
from fresque.model import CoverageStatus, Dispositif, Kind, Level, Stage, Status

if TYPE_CHECKING:
    import geopandas as gpd

    from fresque.ecosystem import Ecosystem

__all__ = [
    "STATUS_COLORS",
    "ReportData",
    "build_report",
    "component_layout",
    "report_data",
    "write_html_report",
]

#: Fill of each coverage status on the maps (colour-blind safe, ordered light → dark is
#: not needed: the legend names each colour).
STATUS_COLORS: dict[str, str] = {
    "gap": "#b2182b",
    "unknown": "#bababa",
    "single": "#f4a582",
    "covered": "#4393c3",
    "overlap": "#542788",
}
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
    """``columns``: (column, heading, formatter; ``None`` for text)."""
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
        numeric=[formatter is not None and formatter not in _TEXT for _, _, formatter in columns],
        highlight=marks,
        links=links,
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _yes(value: Any) -> str:
    return "oui" if bool(value) else ""


def _offers(value: Any) -> str:
    return str(value or "").replace("|", ", ")


#: Formatters whose column is text (left-aligned), not numbers.
_TEXT = (_text, _yes, _offers)


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


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def _status_maps(shapes: gpd.GeoDataFrame, outline: gpd.GeoDataFrame, lang: str) -> str:
    """Small multiples: one map per key, territories coloured by status."""
    from matplotlib.patches import Patch

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
        colors = [STATUS_COLORS.get(str(s), _NO_DATA) for s in part["status"]]
        part.plot(ax=ax, color=colors, edgecolor="white", linewidth=0.4)
        partial = part[part["partial"].astype(bool)]
        if len(partial):
            partial.plot(ax=ax, facecolor="none", edgecolor="#333333", linewidth=0.5, hatch="///")
        outline.boundary.plot(ax=ax, color="#333333", linewidth=0.7)
        ax.set_title(_key_label(key_type, key, lang), fontsize=11)
    handles = [
        Patch(facecolor=color, edgecolor="white", label=_status_label(status, lang))
        for status, color in STATUS_COLORS.items()
    ]
    handles.append(
        Patch(
            facecolor="white",
            edgecolor="#333333",
            hatch="///",
            label="en partie sans offre" if lang == "fr" else "partly without offer",
        )
    )
    figure.legend(handles=handles, loc="lower center", ncol=6, frameon=False, fontsize=9)
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    return _png(figure)


def _value_map(
    shapes: gpd.GeoDataFrame,
    column: str,
    title: str,
    outline: gpd.GeoDataFrame | None = None,
    highlight: gpd.GeoDataFrame | None = None,
    percent: bool = False,
) -> str:
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(7.5, 6.2))
    ax.set_axis_off()
    shown = shapes[shapes.geometry.notna()]
    shown.plot(
        ax=ax,
        column=column,
        cmap="viridis_r",
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
    from fresque.access import nearest_offers, population_beyond
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

    return ReportData(
        region=code,
        region_name=territory.name,
        population=int(territory.population or 0),
        structures=local_structures,
        kinds=kinds,
        summary=A.network_summary(scope),
        comparison=A.compare_regions(eco, coverage=coverage),
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
    )


def _ranked(report: pd.DataFrame) -> pd.DataFrame:
    """Rows needing attention (not simply covered), most population without offer first."""
    attention = {"gap": 0, "unknown": 1, "overlap": 2, "single": 3, "covered": 4}
    frame = report.copy()
    status = frame["status"].astype(str)
    frame = frame[(status != "covered") | frame["partial"].astype(bool)]
    frame = frame.assign(_attention=frame["status"].astype(str).map(attention))
    frame = frame.sort_values(
        ["population_gap", "_attention", "population", "code", "key_label"],
        ascending=[False, True, False, True, True],
        kind="stable",
    )
    return frame.drop(columns="_attention").reset_index(drop=True)


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
    access["share"] = access["code"].map(data.access_epci["share_beyond_30km"])
    figures["access"] = _value_map(
        access,
        "share",
        "Part de la population à plus de 30 km d’une offre (toutes étapes)",
        outline=departements,
        percent=True,
    )
    france, selected = _france_regions(comparison["offers_per_100k"], code)
    figures["france"] = _value_map(
        france, "value", "Offres locales pour 100 000 habitants", highlight=selected
    )
    figures["network"] = _network_picture(data.scope, lang)

    local = data.structures
    status_counts = local["status"].value_counts()
    key_figures = [
        ("Habitants", _number(data.population)),
        ("Structures locales actives", _number(status_counts.get(Status.ACTIVE.value, 0))),
        (
            "Structures attendues (opérateur à identifier)",
            _number(status_counts.get(Status.EXPECTED.value, 0)),
        ),
        ("Offres locales pour 100 000 habitants", _number(row["offers_per_100k"], 2)),
        ("Population à plus de 30 km d’une offre", _percent(row["share_beyond_30km"])),
        ("Structures du réseau régional", _number(data.summary["structures"])),
        ("Liens du réseau régional", _number(data.summary["links"])),
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

    def gap_columns(level_word: str) -> list:
        return [
            ("name", level_word, None),
            ("key_label", "Dispositif ou étape", None),
            ("status_label", "Statut", None),
            ("partial", "En partie sans offre", _yes),
            ("population_gap", "Habitants sans offre", _number),
            ("share_covered", "Part couverte", _percent),
            ("offers", "Offres", _offers),
        ]

    gaps_departement = _table(data.gaps_departement.head(25), gap_columns("Département"))
    gaps_epci = _table(data.gaps_epci.head(20), gap_columns("EPCI"))

    access_table = _table(
        data.access_departement.sort_values("share_beyond_30km", ascending=False),
        [
            ("name", "Département", None),
            ("population", "Habitants", _number),
            ("share_beyond_20km", "à plus de 20 km", _percent),
            ("share_beyond_30km", "à plus de 30 km", _percent),
            ("share_beyond_50km", "à plus de 50 km", _percent),
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
        ("gap", "Départements × étapes sans offre", _number),
        ("share_beyond_30km", "à plus de 30 km", _percent),
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
