"""Coverage map builders: categories and colours, indicator styles, points in insets,
outlines, legend in words, territory detail; the Carte page's figure and payload."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest
import shapely
from shapely.geometry import shape

from fresque.coverage import compute_coverage
from fresque.ecosystem import load_ecosystem
from fresque.i18n import label
from fresque.model import CoverageStatus, Stage
from fresque.views.coverage_map import (
    CATEGORIES,
    STATUS_COLORS,
    TRACE,
    base_figure,
    category_color,
    coverage_key,
    feature_names,
    indicator_style,
    key_options,
    legend_entries,
    outline_coordinates,
    points_style,
    status_category,
    territory_detail,
    view_of,
)
from fresque.views.maps import inset_points, map_geojson


@pytest.fixture(scope="module")
def eco():
    return load_ecosystem()


@pytest.fixture(scope="module")
def coverage(eco):
    return compute_coverage(eco)


@pytest.fixture(scope="module")
def departements():
    return map_geojson("departements")


def _luminance(color: str) -> float:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_categories_cover_every_status_and_partial_is_lighter():
    assert {status for status, _ in CATEGORIES} == {s.value for s in CoverageStatus}
    assert status_category("gap", True) == status_category("gap", False) == 0
    for status in ("unknown", "single", "covered", "overlap"):
        full, partial = category_color(status, False), category_color(status, True)
        assert full == STATUS_COLORS[status]
        assert _luminance(partial) > _luminance(full) + 30
    # Every category has its own colour.
    colors = {category_color(s, p) for s, p in CATEGORIES}
    assert len(colors) == len(CATEGORIES)


def test_keys_name_dispositifs_and_stages():
    assert coverage_key("incubateur") == ("dispositif", "incubateur")
    assert coverage_key("emergence") == ("stage", "emergence")
    with pytest.raises(ValueError):
        coverage_key("nonsense")
    values = [o["value"] for o in key_options("en")]
    assert values[: len(Stage)] == [s.value for s in Stage]
    assert key_options("en")[0]["label"] == "Stage: " + label(Stage.IDEATION, "en")


def test_base_figure_sends_each_geometry_once_with_empty_overlays(departements):
    figure = base_figure(departements)
    data = figure["data"]
    assert [d["type"] for d in data][: len(TRACE)] == [
        "choropleth",
        "scattergeo",
        "scattergeo",
        "scattergeo",
        "scattergeo",
        "scattergeo",
    ]
    territories = data[TRACE["territories"]]
    assert len(territories["locations"]) == 101
    features = territories["geojson"]["features"]
    assert all(set(f) == {"type", "id", "geometry"} for f in features)
    assert sum("geojson" in d for d in data) == 1
    assert figure["layout"]["geo"]["visible"] is False


def test_status_style_in_words_and_partial(departements, coverage):
    codes = [str(f["id"]) for f in departements["features"]]
    table = coverage.table("departement", keys=[coverage_key("incubateur")])
    style = indicator_style(codes, feature_names(departements), table, "status", "incubateur", "fr")
    assert style["showscale"] is False
    assert len(style["z"]) == len(codes)
    rows = table.set_index("code")
    for code, z, (_name, text) in zip(codes, style["z"], style["customdata"], strict=True):
        row = rows.loc[code]
        assert CATEGORIES[int(z)] == (
            row["status"],
            bool(row["partial"]) and row["status"] != "gap",
        )
        assert label(CoverageStatus(row["status"]), "fr") in text
        assert ("partiel" in text) == bool(row["partial"])
    # The discrete scale paints category i with its colour.
    scale = style["colorscale"]
    n = len(CATEGORIES)
    for i, category in enumerate(CATEGORIES):
        assert scale[2 * i][1] == category_color(*category)
        assert scale[2 * i][0] == pytest.approx(i / n)
    assert style["zmin"] == -0.5 and style["zmax"] == n - 0.5


def test_continuous_styles(departements, coverage):
    codes = [str(f["id"]) for f in departements["features"]]
    table = coverage.table("departement", keys=[coverage_key("incubateur")])
    per = indicator_style(codes, {}, table, "per100k", "incubateur", "en")
    expected = table.set_index("code").loc[codes, "offers_per_100k"].to_numpy()
    assert np.allclose(np.array(per["z"], dtype=float), expected, equal_nan=True)
    assert per["showscale"] is True
    assert isinstance(per["colorscale"], list)  # plotly.js does not know "Viridis_r"
    beyond = pd.Series(np.linspace(0, 1, len(codes)), index=codes)
    far = indicator_style(codes, {}, table, "beyond30", "incubateur", "en", beyond)
    assert far["z"] == pytest.approx(beyond.tolist())
    assert (far["zmin"], far["zmax"]) == (0.0, 1.0)
    assert "%" in far["customdata"][-1][1]
    with pytest.raises(ValueError):
        indicator_style(codes, {}, table, "nope", "incubateur")


def test_points_move_into_their_inset(departements, eco):
    insets = departements["insets"]
    features = {str(f["id"]): shape(f["geometry"]) for f in departements["features"]}
    # Cayenne, Saint-Denis de La Réunion, Quimper: each lands on its département.
    lon, lat = inset_points([-52.33, 55.45, -4.10], [4.94, -20.88, 48.0], insets)
    for code, x, y in zip(("973", "974", "29"), lon, lat, strict=True):
        assert features[code].buffer(0.02).contains(shapely.Point(x, y)), code
    located = eco.structures[eco.structures["lon"].notna() & ~eco.national]
    points = points_style(located, insets, "fr")
    assert len(points["lon"]) == len(located)
    assert points["customdata"] == located.index.tolist()
    assert all("<script" not in text for text in points["text"])


def test_outline_and_view(departements):
    outline = outline_coordinates(departements, ["29"])
    assert len(outline["lon"]) == len(outline["lat"]) > 10
    assert outline["lon"][-1] is None
    ring = [(x, y) for x, y in zip(outline["lon"], outline["lat"], strict=True) if x is not None]
    assert shapely.Polygon(ring).intersects(
        next(shape(f["geometry"]) for f in departements["features"] if f["id"] == "29")
    )
    assert outline_coordinates(departements, []) == {"lon": [], "lat": []}
    whole, finistere = view_of(departements), view_of(departements, ["29"])
    assert finistere["lonaxis"]["range"][1] - finistere["lonaxis"]["range"][0] < 4
    assert whole["lonaxis"]["range"][1] - whole["lonaxis"]["range"][0] > 10


def test_legend_is_in_words():
    fr = legend_entries("status", "fr")
    assert [s["label"] for s in fr["statuses"]] == [label(s, "fr") for s in CoverageStatus]
    assert "partiel" in fr["partial"]
    assert fr["statuses"][0]["partial_color"] is None  # a gap is never partial
    en = legend_entries("per100k", "en")
    assert en["statuses"] == [] and "100,000" in en["scale"]


def test_territory_detail_lists_offers_per_stage_and_what_is_missing(eco, coverage):
    keys = [("stage", s.value) for s in Stage] + [coverage_key("incubateur")]
    table = coverage.table("departement", keys=keys, region="53")
    rows = table[table["code"] == "29"]
    detail = territory_detail(rows, eco.structures["name"].to_dict(), "incubateur", "fr")
    assert detail["name"] == "Finistère"
    assert [s["value"] for s in detail["stages"]] == [s.value for s in Stage]
    assert detail["key"]["value"] == "incubateur"
    assert ("tag29", eco.get("tag29").name) in detail["key"]["offers"]
    gaps = [s["label"] for s in detail["stages"] if s["status"] == "gap"]
    assert detail["missing"] == gaps
    for stage in detail["stages"]:
        row = rows[rows["key"] == stage["value"]].iloc[0]
        assert len(stage["offers"]) == row["n_offers"]


# ------------------------------------------------------------------- the page's sizes


@pytest.fixture(scope="module")
def app():
    from fresque.app import create_app

    return create_app()


def test_departement_page_and_figure_sizes(app):
    """First page ≤ 2 MB and map figure ≤ 500 KB at département level (uncompressed)."""
    from fresque.app.pages import carte
    from fresque.app.state import parse_url

    with app.server.test_request_context("/"):
        state = parse_url("/carte", "?region=53&dep=29&sel=tag29")
        figure = carte.figure_for(state)
        layout = carte.layout(state, "fr")
    figure_bytes = len(pio.to_json(figure).encode())
    page_bytes = len(json.dumps(layout.to_plotly_json(), cls=_Encoder()).encode())
    assert figure_bytes <= 500_000, figure_bytes
    assert page_bytes <= 2_000_000, page_bytes


def _Encoder():
    from plotly.utils import PlotlyJSONEncoder

    return PlotlyJSONEncoder


def test_callback_work_is_fast_once_warm(app):
    """Selection and filter changes (a Patch) stay far below 100 ms per change."""
    from dash._utils import to_json

    from fresque.app.pages import carte
    from fresque.app.state import parse_url

    searches = [
        "?region=53",
        "?region=53&dep=29",
        "?region=53&dep=29&sel=tag29",
        "?region=53&dep=29&show=per100k",
        "?region=53&dep=29&show=beyond30&key=incubateur",
        "?dep=13&key=emergence",
    ]
    with app.server.test_request_context("/"):
        for search in searches:  # warm the caches (coverage, distances, figures)
            state = carte._sanitize(parse_url("/carte", search))
            carte.patch_for(state)
            carte.render_detail(state)
        timings = []
        for _ in range(5):
            for search in searches:
                start = time.perf_counter()
                state = carte._sanitize(parse_url("/carte", search))
                to_json([carte.patch_for(state).to_plotly_json(), carte.render_detail(state)])
                timings.append(time.perf_counter() - start)
    assert float(np.percentile(timings, 95)) < 0.1, timings
