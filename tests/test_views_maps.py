"""Map builders: overseas insets, ring orientation, the choropleth figure, offline config."""

from __future__ import annotations

import copy
import gzip
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box, mapping, shape

from fresque import paths
from fresque.views import maps
from fresque.views.maps import (
    INSET_BOXES,
    NBSP,
    OVERSEAS_WINDOWS,
    choropleth_figure,
    format_number_fr,
    inset_overseas,
    load_geojson,
    map_graph_config,
    population_map,
    territory_values,
)

DROM = ("971", "972", "973", "974", "976")
FRENCH_INTEGER = re.compile(r"^\d{1,3}(\xa0\d{3})*$")


# ------------------------------------------------------------------------------ helpers


def polygons(geometry: dict) -> list[shapely.Polygon]:
    geom = shape(geometry)
    return list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]


def assert_rings_d3_oriented(geojson: dict) -> None:
    """Exterior rings clockwise, holes counter-clockwise (what d3-geo expects)."""
    for feature in geojson["features"]:
        for polygon in polygons(feature["geometry"]):
            assert not shapely.is_ccw(polygon.exterior), f"{feature['id']}: exterior is CCW"
            for hole in polygon.interiors:
                assert shapely.is_ccw(hole), f"{feature['id']}: hole is clockwise"


def plane(geometry: dict) -> shapely.Geometry:
    """The feature in the map's plane (metres), where the inset boxes are defined."""
    return shapely.transform(shape(geometry), maps._to_plane)


def feature(code: str, geometry: shapely.Geometry, name: str | None = None) -> dict:
    return {
        "type": "Feature",
        "id": code,
        "properties": {"code": code, "name": name or f"Territoire {code}"},
        "geometry": mapping(geometry),
    }


@pytest.fixture
def synthetic() -> dict:
    """Six metropolitan squares and the five DROM at their true places, all wound CCW.

    Guadeloupe is a MultiPolygon (two islands), one square has a hole: the orientation
    rules are checked on every kind of ring.
    """
    features = []
    for i, (lon, lat) in enumerate([(-2, 47), (0, 47), (2, 47), (4, 45), (6, 44), (2, 43)]):
        square = box(lon, lat, lon + 1.5, lat + 1.5)
        if i == 0:
            square = square.difference(box(lon + 0.5, lat + 0.5, lon + 1, lat + 1))
        features.append(feature(f"{i + 1:02d}", shapely.orient_polygons(square)))
    guadeloupe = shapely.MultiPolygon(
        [box(-61.8, 15.95, -61.2, 16.5), box(-61.35, 15.85, -61.2, 16.0).buffer(0)]
    )
    drom = {
        "971": guadeloupe,
        "972": box(-61.23, 14.39, -60.81, 14.88),
        "973": box(-54.6, 2.1, -51.6, 5.8),
        "974": box(55.2, -21.4, 55.8, -20.9),
        "976": box(44.95, -13.0, 45.3, -12.6),
    }
    for code, geometry in drom.items():
        features.append(feature(code, shapely.orient_polygons(geometry)))  # CCW: d3-wrong
    return {"type": "FeatureCollection", "features": features}


def real_file(name: str):
    path = paths.geo_dir() / name
    if not path.exists():
        pytest.skip(f"{path} not built (fresque geo build)")
    return path


@pytest.fixture(scope="module")
def departements() -> dict:
    real_file("departements.geojson")
    return load_geojson("departements")


@pytest.fixture(scope="module")
def departement_codes() -> list[str]:
    real_file("territories.csv")
    return sorted(territory_values("departements").index)


# --------------------------------------------------------------------- overseas insets


def test_synthetic_input_is_wound_the_wrong_way(synthetic):
    # Guards the fixture: otherwise the orientation test below would prove nothing.
    assert all(
        shapely.is_ccw(p.exterior) for f in synthetic["features"] for p in polygons(f["geometry"])
    )


def test_inset_moves_each_drom_inside_its_box(synthetic):
    result = inset_overseas(synthetic)
    moved = {f["id"]: f for f in result["features"] if f["id"] in DROM}
    assert set(moved) == set(DROM)
    for code, feat in moved.items():
        assert feat["properties"]["inset"] == code
        x0, y0, x1, y1 = INSET_BOXES[code]
        bx0, by0, bx1, by1 = plane(feat["geometry"]).bounds
        tolerance = 50.0  # metres: coordinates are rounded to 5 decimals (~1 m)
        assert x0 - tolerance <= bx0 and bx1 <= x1 + tolerance, code
        assert y0 - tolerance <= by0 and by1 <= y1 + tolerance, code
        # It fills the box along its longer side (fill=0.9), centred.
        size = x1 - x0
        assert max(bx1 - bx0, by1 - by0) == pytest.approx(0.9 * size, rel=0.01)
        assert (bx0 + bx1) / 2 == pytest.approx((x0 + x1) / 2, abs=200)
        assert (by0 + by1) / 2 == pytest.approx((y0 + y1) / 2, abs=200)
        # Now next to metropolitan France, no longer in the tropics.
        lon0, lat0, lon1, lat1 = shape(feat["geometry"]).bounds
        assert 40 < lat0 < lat1 < 48 and -12 < lon0 < lon1 < -1
    assert [inset["territory"] for inset in result["insets"]] == list(DROM)


def test_inset_keeps_proportions(synthetic):
    """Guyane (3° × 3.7° near the equator) keeps its width / height ratio once moved."""
    source = next(f for f in synthetic["features"] if f["id"] == "973")
    lon0, lat0, lon1, lat1 = shape(source["geometry"]).bounds
    true_ratio = (lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2)) / (lat1 - lat0)
    moved = next(f for f in inset_overseas(synthetic)["features"] if f["id"] == "973")
    x0, y0, x1, y1 = plane(moved["geometry"]).bounds
    assert (x1 - x0) / (y1 - y0) == pytest.approx(true_ratio, rel=0.01)


def test_every_exterior_ring_is_clockwise_after_insetting(synthetic):
    assert_rings_d3_oriented(inset_overseas(synthetic))


def test_inset_leaves_metropolitan_features_in_place_and_input_untouched(synthetic):
    before = copy.deepcopy(synthetic)
    result = inset_overseas(synthetic)
    assert synthetic == before
    for old, new in zip(synthetic["features"], result["features"], strict=True):
        if old["id"] in DROM:
            continue
        assert "inset" not in new["properties"]
        assert shape(new["geometry"]).equals(shape(old["geometry"]))


def test_frames_are_upright_squares_in_the_map_plane(synthetic):
    for inset in inset_overseas(synthetic)["insets"]:
        outline = shapely.transform(shapely.LineString(inset["frame"]), maps._to_plane)
        x0, y0, x1, y1 = outline.bounds
        assert [x0, y0, x1, y1] == pytest.approx(inset["box"], abs=5)
        assert x1 - x0 == pytest.approx(y1 - y0, abs=5)  # metres (5-decimal rounding)


def test_overseas_windows_are_disjoint():
    windows = [box(*w) for w in OVERSEAS_WINDOWS.values()]
    assert not any(a.intersects(b) for i, a in enumerate(windows) for b in windows[i + 1 :])


def test_real_departements_insets(departements):
    result = inset_overseas(departements)
    moved = {f["id"] for f in result["features"] if "inset" in f["properties"]}
    assert moved == set(DROM)
    assert_rings_d3_oriented(result)
    # The boxes sit in the sea: they touch no metropolitan département, nor each other.
    metropolitan = shapely.union_all(
        [shape(f["geometry"]) for f in result["features"] if f["id"] not in DROM]
    )
    frames = [shapely.Polygon(inset["frame"]) for inset in result["insets"]]
    for frame in frames:
        assert not frame.intersects(metropolitan)
    assert not any(a.intersects(b) for i, a in enumerate(frames) for b in frames[i + 1 :])
    # Each DROM lies inside its own frame.
    for inset, frame in zip(result["insets"], frames, strict=True):
        drom = next(f for f in result["features"] if f["id"] == inset["territory"])
        assert frame.buffer(1e-4).contains(shape(drom["geometry"]))


# ------------------------------------------------------------------------------ figures


def test_format_number_fr():
    assert format_number_fr(2_604_361) == f"2{NBSP}604{NBSP}361"
    assert format_number_fr(999) == "999"
    assert format_number_fr(1234.567, 2) == f"1{NBSP}234,57"
    assert format_number_fr(-1500) == f"-1{NBSP}500"
    assert format_number_fr(None) == ""
    assert format_number_fr(float("nan")) == ""


def test_choropleth_locations_values_and_missing(synthetic):
    values = pd.Series({"01": 1000, "02": 25_000, "03": 300_000, "971": 380_000}, name="pop")
    fig = choropleth_figure(inset_overseas(synthetic), values, colorbar_title="Habitants")
    main, missing, frames = fig.data
    assert list(main.locations) == ["01", "02", "03", "971"]
    assert list(main.z) == [1000, 25_000, 300_000, 380_000]
    assert main.featureidkey == "id"
    # Territories without a value are drawn, in grey, not dropped.
    assert set(missing.locations) == {"04", "05", "06", "972", "973", "974", "976"}
    assert missing.showscale is False
    assert frames.type == "scattergeo" and frames.hoverinfo == "skip"
    # The GeoJSON sent to the browser carries nothing but ids and geometries.
    assert all(set(f) == {"type", "id", "geometry"} for f in main.geojson["features"])
    assert main.geojson is missing.geojson or main.geojson == missing.geojson


def test_choropleth_hover_is_french(synthetic):
    values = pd.Series({"01": 2_604_361, "02": 75_000}, name="population")
    fig = choropleth_figure(
        synthetic, values, value_label="Population", names={"01": "Nord & <Pas>"}
    )
    trace = fig.data[0]
    assert [list(row) for row in trace.customdata] == [
        ["Nord &amp; &lt;Pas&gt;", f"2{NBSP}604{NBSP}361"],
        ["Territoire 02", f"75{NBSP}000"],
    ]
    assert f"Population{NBSP}: %{{customdata[1]}}" in trace.hovertemplate
    assert "<extra></extra>" in trace.hovertemplate
    assert fig.layout.separators == f",{NBSP}"
    missing = fig.data[1]
    assert {row[1] for row in missing.customdata} == {"Donnée manquante"}


def test_log_scale_colorbar_is_labelled_with_french_values(synthetic):
    values = pd.Series({"01": 80_000, "02": 150_000, "03": 2_600_000})
    trace = choropleth_figure(synthetic, values, log_scale=True).data[0]
    assert list(trace.z) == pytest.approx([math.log10(v) for v in values])
    ticks = [100_000, 200_000, 500_000, 1_000_000, 2_000_000]
    assert list(trace.colorbar.tickvals) == pytest.approx([math.log10(v) for v in ticks])
    assert list(trace.colorbar.ticktext) == [format_number_fr(v) for v in ticks]


def test_choropleth_view_is_offline_and_frames_everything(synthetic):
    geojson = inset_overseas(synthetic)
    geo = choropleth_figure(geojson, pd.Series({"01": 1})).layout.geo
    assert geo.visible is False
    assert geo.projection.type == "conic conformal"
    lon0, lon1 = geo.lonaxis.range
    lat0, lat1 = geo.lataxis.range
    for feat in geojson["features"]:
        flon0, flat0, flon1, flat1 = shape(feat["geometry"]).bounds
        assert lon0 < flon0 and flon1 < lon1 and lat0 < flat0 and flat1 < lat1, feat["id"]


def test_departement_map_has_one_location_per_departement(departement_codes):
    fig = population_map("departements")
    choropleths = [trace for trace in fig.data if trace.type == "choropleth"]
    assert len(choropleths) == 1, "every département has a population"
    trace = choropleths[0]
    assert len(departement_codes) == 101
    assert sorted(trace.locations) == departement_codes
    assert {f["id"] for f in trace.geojson["features"]} == set(departement_codes)
    # Populations from territories.csv, coloured on a log scale, hover in French.
    population = territory_values("departements")
    nord = list(trace.locations).index("59")
    assert trace.z[nord] == pytest.approx(math.log10(population["59"]), abs=1e-6)
    assert trace.customdata[nord][0] == "Nord"
    assert trace.customdata[nord][1] == format_number_fr(population["59"])
    assert all(FRENCH_INTEGER.match(row[1]) for row in trace.customdata)
    assert len(set(trace.z)) > 90, "colours should differ between départements"
    # The DROM are inside the map's frame, in its left half, below its upper two fifths.
    geo = fig.layout.geo
    (lon0, lon1), (lat0, lat1) = geo.lonaxis.range, geo.lataxis.range
    for feat in trace.geojson["features"]:
        if feat["id"] in DROM:
            flon0, flat0, flon1, flat1 = shape(feat["geometry"]).bounds
            assert lon0 < flon0 and flon1 < (lon0 + lon1) / 2
            assert lat0 < flat0 and flat1 < lat0 + 0.6 * (lat1 - lat0)


def test_region_map_has_eighteen_regions():
    real_file("regions.geojson")
    trace = population_map("regions").data[0]
    assert len(trace.locations) == 18
    assert trace.customdata[list(trace.locations).index("11")][0] == "Île-de-France"


def test_first_map_payload_is_bounded(departement_codes):
    """The figure JSON is dominated by the GeoJSON; keep an eye on its weight."""
    payload = population_map("departements").to_json().encode()
    assert len(payload) < 600_000
    assert len(gzip.compress(payload)) < 200_000


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="communes"):
        load_geojson("communes")


# ------------------------------------------------------------------------ offline config


def test_topojson_is_served_locally():
    config = map_graph_config()
    assert config["topojsonURL"] == "/assets/topojson/"
    assert config["showSendToCloud"] is False
    with pytest.raises(ValueError):
        map_graph_config("https://cdn.plot.ly/un/")
    with pytest.raises(ValueError):
        map_graph_config("//cdn.plot.ly/un/")


def render_page(client, path: str, search: str = "") -> str:
    """The JSON of the page the app's routing callback renders for ``path``."""
    deps = client.get("/_dash-dependencies").get_json()
    route = next(d for d in deps if d["output"].startswith("..page.children."))
    outputs = [
        dict(zip(("id", "property"), item.split("."), strict=True))
        for item in route["output"].strip(".").split("...")
    ]
    body = {
        "output": route["output"],
        "outputs": outputs,
        "inputs": [
            {"id": "url", "property": "pathname", "value": path},
            {"id": "url", "property": "search", "value": search},
        ],
        "state": [{"id": "rendered", "property": "data", "value": None}],
        "changedPropIds": ["url.pathname"],
    }
    response = client.post(
        "/_dash-update-component", json=body, headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.dumps(response.get_json()["response"]["page"]["children"])


def test_app_serves_topojson_stub_and_local_scripts_only():
    from fresque.app import create_app

    app = create_app()
    client = app.server.test_client()

    stub = client.get("/assets/topojson/world_110m.json")
    assert stub.status_code == 200
    topology = json.loads(stub.data)
    assert topology["type"] == "Topology"
    assert all(layer["geometries"] == [] for layer in topology["objects"].values())

    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page
    # The map travels once, with the Carte page: not also in the page's validation layout
    # (the map's figure alone is megabytes; the page with every view's skeleton, ~50 kB).
    assert len(page) < 100_000 and "choropleth" not in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(not re.match(r"^(https?:)?//", s) for s in sources), sources

    # The Carte page comes from the routing callback, with the map in it.
    layout = render_page(client, "/carte")
    graph_config = re.search(r'"config":\s*(\{[^{}]*"topojsonURL"[^{}]*\})', layout)
    assert graph_config, "the map graph has no topojsonURL config"
    assert json.loads(graph_config.group(1))["topojsonURL"] == "/assets/topojson/"


def test_app_gzips_large_responses():
    from fresque.app import create_app

    client = create_app().server.test_client()
    plain = client.get("/_dash-layout")
    packed = client.get("/_dash-layout", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2


def test_rounding_keeps_coordinates_short(synthetic):
    text = json.dumps(inset_overseas(synthetic)["features"][-1]["geometry"])
    decimals = [len(n.split(".")[1]) for n in re.findall(r"-?\d+\.\d+", text)]
    assert decimals and max(decimals) <= maps.COORDINATE_DECIMALS
    assert np.isfinite([float(n) for n in re.findall(r"-?\d+\.\d+", text)]).all()


def test_app_says_how_to_build_a_missing_geography(tmp_path, monkeypatch):
    from fresque.app import create_app

    monkeypatch.setenv("FRESQUE_DATA_DIR", str(tmp_path))
    layout = render_page(create_app().server.test_client(), "/carte")
    assert "fresque geo build" in layout
    assert '"hidden": false' in layout or '"hidden":false' in layout
