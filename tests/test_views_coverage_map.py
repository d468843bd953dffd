"""Coverage map builders: categories and colours, indicator styles, points in insets,
outlines, legend in words, territory detail; the Carte page's figure and payload."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest
import shapely
from shapely.geometry import shape

from fresque.coverage import STATUS_ORDER, compute_coverage
from fresque.ecosystem import load_ecosystem
from fresque.i18n import label
from fresque.model import CoverageStatus, Kind, Stage
from fresque.views.coverage_map import (
    CATEGORIES,
    NO_OFFER_COLOR,
    REGION_MARGIN,
    STATUS_COLORS,
    TRACE,
    base_figure,
    category_color,
    coverage_key,
    feature_names,
    features_of,
    indicator_style,
    key_options,
    legend_entries,
    offers_nothing,
    outline_coordinates,
    points_style,
    scale_top,
    status_category,
    territory_detail,
    view_of,
)
from fresque.views.maps import _to_plane, inset_points, map_geojson, range_box_plane


@pytest.fixture(scope="module")
def eco():
    return load_ecosystem()


@pytest.fixture(scope="module")
def coverage(eco):
    return compute_coverage(eco)


@pytest.fixture(scope="module")
def departements():
    return map_geojson("departements")


@pytest.fixture(scope="module")
def epci():
    return map_geojson("epci")


def _luminance(color: str) -> float:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_categories_cover_every_status_and_partial_is_lighter_the_less_is_covered():
    assert {status for status, _ in CATEGORIES} == {s.value for s in CoverageStatus}
    assert [s for s, _ in CATEGORIES] == sorted(
        (s for s, _ in CATEGORIES), key=lambda s: STATUS_ORDER.index(CoverageStatus(s))
    )
    assert status_category("gap", True, 0.3) == status_category("gap", False) == 0
    for status in STATUS_ORDER:
        if offers_nothing(status):  # never partial: one colour
            assert [b for s, b in CATEGORIES if s == status.value] == ["full"]
            continue
        full = category_color(status.value, "full")
        most = CATEGORIES[status_category(status.value, True, 0.5)]
        few = CATEGORIES[status_category(status.value, True, 0.019)]
        assert (most, few) == ((status.value, "most"), (status.value, "few"))
        assert full == STATUS_COLORS[status.value]
        lum = [_luminance(category_color(*c)) for c in ((status.value, "full"), most, few)]
        assert lum[0] + 30 < lum[1] < lum[2] - 20, status
    # Every category has its own colour.
    colors = {category_color(s, b) for s, b in CATEGORIES}
    assert len(colors) == len(CATEGORIES)


def test_share_covered_is_as_prominent_as_the_status(epci, coverage, eco):
    """The issue's EPCI: CC Maine Saosnois (Pays de la Loire), "Couvert (partiel)" with
    1.9 % of its people covered by two communes served from Normandy. Its colour is the
    palest of its status, the share is on the status line of the hover, and in the panel
    next to the status. Its two offers (ADRESS Normandie and the Katapult incubator it
    carries) are one organisation: "Un seul acteur", not "Couvert"."""
    code = "200072676"
    codes = [str(f["id"]) for f in epci["features"]]
    table = coverage.table("epci", keys=[coverage_key("incubateur")])
    row = table.set_index("code").loc[code]
    assert row["status"] == "single" and bool(row["partial"])
    assert (row["n_offers"], row["n_organisations"]) == (2, 1)
    assert row["share_covered"] == pytest.approx(0.0193, abs=1e-4)
    style = indicator_style(codes, feature_names(epci), table, "status", "incubateur", "fr")
    i = codes.index(code)
    assert CATEGORIES[int(style["z"][i])] == ("single", "few")
    status_line = style["customdata"][i][1].split("<br>")[1]
    assert status_line == "Un seul acteur (partiel) — <b>1,9\u00a0% des habitants couverts</b>"
    # A département fully covered keeps its plain status and says no share.
    rows = table.set_index("code")
    full = next(
        c for c in codes if rows.loc[c, "status"] == "covered" and not rows.loc[c, "partial"]
    )
    assert "habitants couverts" not in style["customdata"][codes.index(full)][1]
    # The panel: the share next to the status, for the key and for each partial stage.
    keys = [("stage", s.value) for s in Stage] + [coverage_key("incubateur")]
    mine = coverage.table("epci", keys=keys)
    detail = territory_detail(
        mine[mine["code"] == code], eco.structures["name"].to_dict(), "incubateur", "fr"
    )
    assert detail["key"]["status_label"] == "Un seul acteur (partiel)"
    assert detail["key"]["share_text"] == "1,9\u00a0% des habitants couverts"
    assert detail["key"]["color"] == category_color("single", "few")
    for stage in detail["stages"]:
        assert bool(stage["share_text"]) == stage["partial"]


def test_panel_buttons_have_distinct_ids_when_a_structure_serves_several_stages(app, eco):
    """TAg29 is listed under Émergence and Création in the Finistère: each of its buttons
    needs its own id (two components with one id: Dash answers a click with 204)."""
    from fresque.app import ids
    from fresque.app.pages import carte
    from fresque.app.state import parse_url

    with app.server.test_request_context("/"):
        state = carte._sanitize(parse_url("/carte", "?region=53&dep=29&key=incubateur"))
        tree = json.dumps(carte.render_detail(state), cls=_Encoder())
    picks = [
        json.dumps(c["props"]["id"], sort_keys=True)
        for c in _components(json.loads(tree))
        if isinstance(c["props"].get("id"), dict) and c["props"]["id"]["type"] == ids.MAP_PICK
    ]
    tag29 = [p for p in picks if '"id": "tag29"' in p]
    assert len(tag29) >= 3  # the map's key (incubateur), Émergence, Création
    assert len(set(picks)) == len(picks)


def _components(node):
    """Every component of a serialised Dash tree."""
    if isinstance(node, list):
        for child in node:
            yield from _components(child)
    elif isinstance(node, dict) and "props" in node:
        yield node
        yield from _components(node["props"].get("children"))


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
        partial = bool(row["partial"])
        band = "full" if not partial else "most" if row["share_covered"] >= 0.5 else "few"
        assert CATEGORIES[int(z)] == (row["status"], band)
        assert label(CoverageStatus(row["status"]), "fr") in text
        assert ("partiel" in text) == partial
        assert ("des habitants couverts" in text) == partial
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


def _color_at(colorscale, fraction):
    """The colour plotly gives to ``fraction`` of a scale (the stop at or below it)."""
    return [c for stop, c in colorscale if stop <= fraction][-1]


def test_colour_scales_fit_the_data(epci, coverage):
    """At EPCI level a few small EPCI reach 74 incubators per 100,000: the scale stops
    near the 95th percentile, so that 0.5 per 100,000 is not painted as none; a territory
    without any offer has its own grey; the scale's top says "≥" when values pass it."""
    codes = [str(f["id"]) for f in epci["features"]]
    table = coverage.table("epci", keys=[coverage_key("incubateur")])
    style = indicator_style(codes, {}, table, "per100k", "incubateur", "fr")
    values = [v for v in style["z"] if v is not None]
    positive = sorted(v for v in values if v > 0)
    assert max(values) > 70
    assert style["zmin"] == 0 and style["zmax"] < max(values) / 1.4
    assert style["zmax"] >= positive[int(0.95 * (len(positive) - 1))]
    assert (style["zmax"], True) == scale_top(values, "per100k")
    assert style["colorbar"]["ticktext"][-1].startswith("≥")
    assert style["colorbar"]["ticktext"][0] == "0"
    scale = style["colorscale"]
    zero, smallest = _color_at(scale, 0.0), _color_at(scale, positive[0] / style["zmax"])
    assert zero == NO_OFFER_COLOR != smallest
    # Distances: a share scale stops where the shares do, never above 100 %.
    beyond = pd.Series(np.linspace(0, 0.18, len(codes)), index=codes)
    far = indicator_style(codes, {}, table, "beyond30", "incubateur", "fr", beyond)
    assert far["zmax"] == 0.2
    percent = ["0", "5", "10", "15", "20"]
    assert far["colorbar"]["ticktext"] == [f"{p}\u00a0%" for p in percent]


def test_colour_bar_title_is_readable(departements, coverage):
    codes = [str(f["id"]) for f in departements["features"]]
    table = coverage.table("departement", keys=[coverage_key("creation")])
    bar = indicator_style(codes, {}, table, "per100k", "creation", "fr")["colorbar"]
    assert bar["title"]["font"]["size"] >= 13 and bar["tickfont"]["size"] >= 12
    assert bar["title"]["side"] == "top"
    # On a light, nearly opaque background: readable over the territories it covers.
    assert bar["bgcolor"].startswith("rgba(255,255,255,") and float(bar["bgcolor"][17:-1]) > 0.8
    assert bar["ticktext"][0] == "0" and bar["ticktext"][-1].startswith("≥\u00a0")
    numbers = [text.removeprefix("≥\u00a0") for text in bar["ticktext"]]
    assert all(n.replace(",", "").isdigit() and "." not in n for n in numbers)  # French


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
    whole, finistere = _window(view_of(departements)), _window(view_of(departements, ["29"]))
    assert finistere[2] - finistere[0] < 200_000 < 1_000_000 < whole[2] - whole[0]


@pytest.fixture(scope="module")
def regions():
    return map_geojson("regions")


def _box(view):
    (lon0, lon1), (lat0, lat1) = view["lonaxis"]["range"], view["lataxis"]["range"]
    return lon0, lat0, lon1, lat1


def _window(view):
    """What plotly shows of ``view``, in the map's plane: the bounds of the ranges' box,
    divided by the zoom (``projection.scale``), centred on ``center``."""
    x0, y0, x1, y1 = range_box_plane(view["lonaxis"]["range"], view["lataxis"]["range"])
    zoom = view["projection"].get("scale", 1)
    ((x, y),) = _to_plane(np.array([[view["center"]["lon"], view["center"]["lat"]]]))
    w, h = (x1 - x0) / zoom / 2, (y1 - y0) / zoom / 2
    return x - w, y - h, x + w, y + h


def _plane(geometry):
    return shapely.transform(geometry, _to_plane).bounds


def _contains(box, bounds, slack=1.0):
    x0, y0, x1, y1 = box
    a0, b0, a1, b1 = bounds
    return x0 - slack <= a0 and a1 <= x1 + slack and y0 - slack <= b0 and b1 <= y1 + slack


def _overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_every_region_is_framed_whole_large_and_clear_of_the_insets(regions):
    """Each région is seen whole and fills the plot in one direction (REGION_MARGIN
    around it); no overseas inset overlaps it (a zoomed Pays de la Loire had the Bay of
    Biscay's insets on its coast); a DROM is framed on its inset, without its neighbours.
    The ranges stay those of the whole map: only the centre and the zoom move."""
    whole = view_of(regions)
    assert whole["projection"]["scale"] >= 1
    boxes = {inset["territory"]: inset["box"] for inset in regions["insets"]}
    drom = 0
    for feature in regions["features"]:
        code = str(feature["id"])
        view = view_of(regions, [code])
        assert _box(view) == _box(whole), code
        window = _window(view)
        bounds = _plane(shape(feature["geometry"]))
        assert _contains(window, bounds), code
        fill = max(
            (bounds[2] - bounds[0]) / (window[2] - window[0]),
            (bounds[3] - bounds[1]) / (window[3] - window[1]),
        )
        assert fill == pytest.approx(1 / (1 + 2 * REGION_MARGIN), abs=0.02), code
        own = (feature.get("properties") or {}).get("inset")
        drom += own is not None
        for territory, box in boxes.items():
            if territory != own:
                assert not _overlaps(window, box), (code, territory)
        assert all(isinstance(v, float) for v in view["center"].values())  # plain JSON
    assert drom == 5  # Guadeloupe, Martinique, Guyane, La Réunion, Mayotte


def test_the_chosen_territory_stays_in_the_frame(regions):
    """An EPCI across the région's border widens the frame to hold it."""
    from fresque.geo.territories import default_territories

    epci = map_geojson("epci")
    table = default_territories().table
    dep_region = table[table["level"] == "departement"].set_index("code")["region"]
    across = [
        (str(row.code), str(row.departements))
        for row in table[table["level"] == "epci"].itertuples()
        if len({dep_region.get(d) for d in str(row.departements).split("|")}) > 1
    ]
    assert across, "no EPCI crosses a région border in the reference geography"
    code, listed = across[0]
    region = str(dep_region[listed.split("|")[1]])  # a région that is not its main one
    (region_feature,) = features_of(regions, [region])
    (feature,) = features_of(epci, [code])
    both = _window(view_of(regions, [region], also=[feature]))
    assert _contains(both, _plane(shape(feature["geometry"])))
    assert _contains(both, _plane(shape(region_feature["geometry"])))
    assert view_of(regions, ["53"], also=[]) == view_of(regions, ["53"])
    assert features_of(regions, ["nope"]) == [] and view_of(regions, ["nope"]) == view_of(regions)


def test_zoom_window_moves_off_an_inset_or_zooms_in():
    from fresque.views.maps import zoom_window

    shown = (0.0, 0.0, 1000.0, 1000.0)
    # A box at the lower left of the target: the window moves up and keeps the target.
    x, y, zoom = zoom_window(shown, (100, 100, 300, 300), [(0, 0, 130, 80)], margin=0.2)
    half = 500 / zoom
    assert (x - half, y - half) >= (0, 80) and y - half == pytest.approx(80, abs=0.2)
    assert x + half >= 300 and y + half >= 300
    # Boxes on both sides of the target: closer in, between them.
    x, y, zoom = zoom_window(
        shown, (100, 100, 300, 300), [(0, 0, 95, 1000), (305, 0, 1000, 1000)], margin=0.2
    )
    assert x - 500 / zoom >= 95 and x + 500 / zoom <= 305
    # No way around: the target is still shown whole.
    x, y, zoom = zoom_window(shown, (100, 100, 300, 300), [(0, 0, 1000, 99.0)], margin=0.5)
    assert y - 500 / zoom <= 100 and y + 500 / zoom >= 300


def test_legend_is_in_words():
    fr = legend_entries("status", "fr")
    assert [s["label"] for s in fr["statuses"]] == [label(s, "fr") for s in STATUS_ORDER]
    assert [b["band"] for b in fr["bands"]] == ["full", "most", "few"]
    assert fr["statuses"][0]["colors"]["few"] is None  # a gap is never partial
    en = legend_entries("per100k", "en", (2.5, True))
    assert en["statuses"] == [] and "100,000" in en["scale"]
    assert en["stop"] == "The scale stops at 2.5: above, the darkest colour."
    assert en["no_offer"]["color"] == NO_OFFER_COLOR
    assert legend_entries("per100k", "fr", (2.0, False))["stop"] is None


def test_the_legend_says_partial_once_and_not_legend_twice(app):
    from fresque.app.pages import carte
    from fresque.app.state import parse_url
    from fresque.i18n import t

    with app.server.test_request_context("/"):
        state = carte._sanitize(parse_url("/carte", ""))
        tree = json.loads(json.dumps(carte.render_legend(state), cls=_Encoder()))
    text = " ".join(_texts(tree))
    assert text.lower().count("partiel") == 1, text
    assert t("carte.legend.heading", "fr") not in text  # already the panel's title
    for status in STATUS_ORDER:
        assert label(status, "fr") in text


def _texts(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for child in node:
            yield from _texts(child)
    elif isinstance(node, dict) and "props" in node:
        yield from _texts(node["props"].get("children"))


def test_territory_detail_lists_offers_per_stage_and_what_is_missing(eco, coverage):
    keys = [("stage", s.value) for s in Stage] + [coverage_key("incubateur")]
    table = coverage.table("departement", keys=keys, region="53")
    rows = table[table["code"] == "29"]
    detail = territory_detail(rows, eco.structures["name"].to_dict(), "incubateur", "fr")
    assert detail["name"] == "Finistère"
    assert [s["value"] for s in detail["stages"]] == [s.value for s in Stage]
    assert detail["key"]["value"] == "incubateur"
    assert ("tag29", eco.get("tag29").name) in detail["key"]["offers"]
    # Nobody surveyed the Finistère: its stages without offer are "none known", not gaps.
    gaps = [s["label"] for s in detail["stages"] if s["status"] == "none_known"]
    assert gaps and detail["missing"] == gaps == detail["not_recorded"]
    assert detail["confirmed"] == []
    # Said under the words of their status (the legend's).
    assert detail["missing_by_status"] == [(label(CoverageStatus.NONE_KNOWN, "fr"), gaps)]
    for stage in detail["stages"]:
        row = rows[rows["key"] == stage["value"]].iloc[0]
        assert len(stage["offers"]) == row["n_offers"]


def test_the_export_sheet_is_the_territories_shown_in_words(app, eco, coverage):
    """The Carte page's export: the map's level and key, the chosen région's territories,
    headers in French, names of territories, départements and offers, the legend's words."""
    from fresque.app.pages import carte
    from fresque.app.state import parse_url

    with app.server.test_request_context("/"):
        state = carte._sanitize(parse_url("/carte", "?region=52&level=epci&key=incubateur"))
        sheet = carte.export_sheet(state)
        name = carte.export_filename(state, "xlsx")
    assert name == "fresque-couverture-incubateur-epci-reg52.xlsx"
    from fresque.coverage import gap_report

    # Ranked as the gap report ranks them: confirmed gaps, then nothing recorded, ...
    table = gap_report(coverage, "epci", dispositif="incubateur", region="52")
    assert len(sheet) == len(table) > 50
    assert list(sheet["Code territoire"]) == list(table["code"].astype(str))
    assert list(sheet["Priorité (1 = à regarder d’abord)"]) == list(range(1, len(table) + 1))
    assert set(sheet["Région"]) == {"Pays de la Loire"}
    assert set(sheet["Statut"]) <= {label(s, "fr") for s in CoverageStatus}
    maine = sheet[sheet["Code territoire"] == "200072676"].iloc[0]
    assert maine["Territoire"] == "CC Maine Saosnois" and maine["Département"] == "Sarthe"
    assert maine["Statut"] == "Un seul acteur"
    assert maine["Partiel (des communes sans offre connue)"] == "oui"
    assert maine["Habitants couverts (%)"] == 1.9
    assert maine["Offres locales (noms)"] == " ; ".join(
        sorted((eco.get(i).name for i in ("adress_normandie", "katapult")), key=str.casefold)
    )


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


def test_callback_work_is_all_cached_once_warm(app, monkeypatch):
    """Going back to a view (selection, filters, indicator, EPCI) rebuilds nothing: every
    piece comes from the caches (their speed is measured in ``benchmarks/carte.py``)."""
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
        "?region=28&epci=200067205&level=epci",
        "?kind=network&region=53&dep=29",
        "?kind=network&show=beyond30",
        "?region=53&dep=29&show=quality",
        "?region=28&epci=200067205&level=epci&show=quality&confidence=high",
    ]
    with app.server.test_request_context("/"):
        for search in searches:  # warm the caches (coverage, distances, figures)
            state = carte._sanitize(parse_url("/carte", search))
            carte.patch_for(state)
            carte.render_detail(state)
            carte.render_dock(state)
        built: list = []
        cached = carte._cached
        main = threading.current_thread()

        def counting(key, build, *args, **kwargs):
            def counted():
                if threading.current_thread() is main:  # not the page's warm-up thread
                    built.append(key)
                return build()

            return cached(key, counted, *args, **kwargs)

        monkeypatch.setattr(carte, "_cached", counting)
        for search in searches:
            state = carte._sanitize(parse_url("/carte", search))
            to_json([carte.patch_for(state).to_plotly_json(), carte.render_detail(state)])
            carte.render_dock(state)
    assert built == []


# ---------------------------------------------- the page: EPCI, région framing, filters


def test_the_page_frames_the_chosen_region_at_every_level_but_regions(app, regions):
    from fresque.app.pages import carte
    from fresque.app.state import parse_url

    departements = map_geojson("departements")
    with app.server.test_request_context("/"):
        for search, also in (
            ("?region=53", []),
            ("?region=53&dep=29", features_of(departements, ["29"])),
            ("?region=01&level=epci", []),  # Guadeloupe: its inset
        ):
            state = carte._sanitize(parse_url("/carte", search))
            region = state.region
            expected = view_of(regions, [region], also=also)
            geo = carte.figure_for(state)["layout"]["geo"]
            assert {name: geo[name] for name in expected} == expected, search
            patched = carte.patch_for(state).to_plotly_json()["operations"]
            framed = {
                tuple(op["location"][-1:]): op["params"]["value"]
                for op in patched
                if op["location"][:2] == ["layout", "geo"]
            }
            assert framed == {(name,): value for name, value in expected.items()}
        # At région level the whole map stays, to pick another région.
        geo = carte.figure_for(parse_url("/carte", "?region=53&level=regions"))["layout"]["geo"]
        assert _box(geo) == _box(view_of(regions))


def test_selecting_an_epci_fills_the_panel_outlines_it_and_filters_the_network(app, eco):
    from fresque.app.pages import carte
    from fresque.app.state import filter_arguments, parse_url, to_search

    epci = map_geojson("epci")
    code = "200067205"  # CA du Cotentin (Manche, Normandie)
    territory = eco.territories[("epci", code)]
    with app.server.test_request_context("/"):
        state = carte._sanitize(parse_url("/carte", "?level=epci&region=28&dep=50"))
        chosen = carte._select_territory(state, "epci", code)
        assert (chosen.epci, chosen.departement, chosen.region) == (code, "50", "28")
        assert to_search(chosen) == f"?region=28&dep=50&epci={code}&level=epci"
        assert filter_arguments(chosen)["territory"] == ("epci", code)
        # An EPCI elsewhere: the département gives way, the région follows.
        other = carte._select_territory(chosen, "epci", "242900314")  # Brest Métropole
        assert (other.epci, other.departement, other.region) == ("242900314", None, "53")
        assert carte._select_territory(chosen, "epci", "999999999") == chosen
        # Clicking a département at its level replaces the EPCI.
        back = carte._select_territory(chosen, "departements", "50")
        assert (back.epci, back.departement) == (None, "50")

        figure = carte.figure_for(chosen)
        outline = figure["data"][TRACE["selected"]]
        ring = [
            (x, y) for x, y in zip(outline["lon"], outline["lat"], strict=True) if x is not None
        ]
        (feature,) = features_of(epci, [code])
        assert shapely.MultiPoint(ring).within(shape(feature["geometry"]).buffer(0.01))
        text = str(carte.render_detail(chosen))
        assert f"{territory.name} ({code})" in text
        assert f"epci={code}" in text  # the Réseau link carries it
        rows = compute_coverage(eco).table("epci", keys=[("stage", s.value) for s in Stage])
        rows = rows[rows["code"].astype(str) == code]
        names = eco.structures["name"]
        for offers in rows["offers"]:
            for sid in filter(None, str(offers).split("|")):
                assert names[sid] in text
        for value in rows.loc[rows["status"] == "gap", "key"]:
            assert label(Stage(value), "fr") in text
        # The EPCI list of the territory selector, within the chosen département.
        options = carte._territory_options("epci", chosen)
        assert {"label": f"{territory.name} (50)", "value": code} in options
        assert all(carte.epci_fits(eco.territories, o["value"], "50", "28") for o in options)


def test_the_networks_value_filters_apply_to_the_map(app, eco, coverage):
    from fresque.app.pages import carte
    from fresque.app.state import parse_url

    kinds = ("network",)
    filtered = compute_coverage(eco.filter(kinds=kinds))
    with app.server.test_request_context("/"):
        plain = carte._sanitize(parse_url("/carte", "?key=creation"))
        state = carte._sanitize(parse_url("/carte", "?kind=network&key=creation"))
        z_plain = carte.figure_for(plain)["data"][TRACE["territories"]]["z"]
        z_filtered = carte.figure_for(state)["data"][TRACE["territories"]]["z"]
        codes = carte._base("departements", "fr")["data"][TRACE["territories"]]["locations"]
        table = filtered.table("departement", keys=[("stage", "creation")]).set_index("code")
        for code, z in zip(codes, z_filtered, strict=True):
            row = table.loc[code]
            assert CATEGORIES[int(z)][0] == row["status"], code
        assert z_filtered != z_plain  # networks alone cover less
        # The points are the filtered ecosystem's offers only.
        points = carte.figure_for(state)["data"][TRACE["points"]]["customdata"]
        assert points and set(points) <= set(eco.filter(kinds=kinds).structures.index)
        # Chips name each filter; a click on one removes it, "clear" removes them all.
        # The minimum confidence has its own control on the page: no chip.
        many = carte._sanitize(parse_url("/carte", "?kind=network,funder&confidence=high&dep=29"))
        chips = [c for c in carte.render_filters(many)[1].children]
        assert [c.id["value"] for c in chips] == ["network", "funder"]
        assert label("network", "fr", Kind) in str(chips[0])
        fewer = carte._without_filter(many, "kinds", "funder")
        assert (fewer.kinds, fewer.min_confidence) == (("network",), "high")
        cleared = carte._without_filter(many, "*", "")
        assert cleared.kinds == () and cleared.min_confidence == "high"
        assert cleared.departement == "29"  # the map's territory is not a Réseau filter
        assert carte.render_filters(cleared) == []
        # The relation filter only concerns links: the map says nothing of it.
        assert carte.render_filters(replace(cleared, relations=("funds",))) == []


def test_a_selection_patch_leaves_unchanged_colours_and_points_out(app):
    from fresque.app.pages import carte
    from fresque.app.state import parse_url

    def patched(state, shown=None):
        operations = carte.patch_for(state, shown).to_plotly_json()["operations"]
        return {tuple(op["location"][:3]) for op in operations}

    territories = ("data", TRACE["territories"], "z")
    points = ("data", TRACE["points"], "lon")
    with app.server.test_request_context("/"):
        shown = carte._sanitize(parse_url("/carte", "?region=53&level=epci"))
        picked = carte._sanitize(parse_url("/carte", "?region=53&level=epci&epci=242900314"))
        assert territories in patched(picked) and points in patched(picked)
        selection = patched(picked, shown)
        assert territories not in selection and points not in selection
        assert ("data", TRACE["selected"], "lon") in selection
        # A new key, indicator or filter recolours; a chosen structure redraws the points.
        for search in ("&key=incubateur", "&show=per100k", "&kind=network"):
            other = carte._sanitize(parse_url("/carte", "?region=53&level=epci" + search))
            assert territories in patched(other, shown), search
        chosen = carte._sanitize(parse_url("/carte", "?region=53&level=epci&sel=tag29"))
        assert points in patched(chosen, shown)
