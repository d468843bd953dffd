"""The built reference geography (data/geo) against published facts and map invariants."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from fresque.geo.build import (
    SHARED_GEOMETRY,
    build_geography,
    clean_coverage,
    commune_polygons,
    fill_holes,
)
from fresque.paths import geo_dir

GEO = geo_dir()
LEVEL_FILES = ("regions", "departements", "epci")


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    table = pd.read_csv(GEO / "communes.csv", dtype=str, keep_default_na=False)
    for column in ("population", "lon", "lat", "x", "y", "epsg"):
        table[column] = pd.to_numeric(table[column])
    table["area_km2"] = pd.to_numeric(table["area_km2"].replace("", np.nan))
    return table


@pytest.fixture(scope="module")
def territories() -> pd.DataFrame:
    table = pd.read_csv(GEO / "territories.csv", dtype=str, keep_default_na=False)
    table["population"] = table["population"].astype("int64")
    return table


@pytest.fixture(scope="module")
def layers() -> dict[str, dict]:
    return {name: json.loads((GEO / f"{name}.geojson").read_text()) for name in LEVEL_FILES}


def _shapes(collection: dict) -> np.ndarray:
    return np.array([shapely.geometry.shape(f["geometry"]) for f in collection["features"]])


def test_counts_match_the_official_geography(communes, territories):
    # INSEE, Code officiel géographique au 1er janvier 2026: 18 régions, 101 départements,
    # 34 875 communes (no commune nouvelle was created on 1 January 2026, an election year).
    levels = territories["level"].value_counts()
    assert levels["region"] == 18
    assert levels["departement"] == 101
    assert len(communes) == 34_875
    assert communes["code"].is_unique
    # DGCL: about 1 254 EPCI à fiscalité propre in 2024–2026, plus the Métropole de Lyon,
    # which the DGCL lists with them.
    assert 1_250 <= levels["epci"] <= 1_260
    assert "200046977" in set(territories.loc[territories["level"] == "epci", "code"])


def test_codes_are_normalised(communes, territories):
    assert communes["code"].str.fullmatch(r"\d{5}|2[AB]\d{3}").all()
    departements = set(territories.loc[territories["level"] == "departement", "code"])
    assert {"01", "2A", "2B", "29", "971", "976"} <= departements
    assert "20" not in departements
    epci = territories.loc[territories["level"] == "epci", "code"]
    assert epci.str.fullmatch(r"\d{9}").all()


def test_parent_chain_of_morlaix(communes, territories):
    # Morlaix (INSEE 29151) belongs to Morlaix Communauté (SIREN 242900835), Finistère (29),
    # Bretagne (53).
    morlaix = communes.set_index("code").loc["29151"]
    assert (morlaix["name"], morlaix["epci"]) == ("Morlaix", "242900835")
    assert (morlaix["departement"], morlaix["region"]) == ("29", "53")
    epci = territories[(territories["level"] == "epci") & (territories["code"] == "242900835")]
    assert epci["parent"].item() == "29"
    assert "Morlaix" in epci["name"].item()


def test_population_is_equal_across_levels(communes, territories):
    total = communes["population"].sum()
    assert territories.loc[territories["code"] == "FR", "population"].item() == total
    for level in ("region", "departement"):
        assert territories.loc[territories["level"] == level, "population"].sum() == total
    islands = communes.loc[communes["epci"] == "", "population"].sum()
    epci = territories.loc[territories["level"] == "epci", "population"].sum()
    assert epci + islands == total
    # Each département's population is the sum of its communes'.
    by_departement = communes.groupby("departement")["population"].sum()
    deps = territories[territories["level"] == "departement"].set_index("code")["population"]
    pd.testing.assert_series_equal(
        by_departement.sort_index(), deps.sort_index(), check_names=False
    )


def test_populations_and_vintages_are_documented(communes):
    # INSEE, recensement de Mayotte 2017: 256 518 habitants (no later legal population).
    assert communes.loc[communes["departement"] == "976", "population"].sum() == 256_518
    # No inhabited département is left without population.
    assert (communes.groupby("departement")["population"].sum() > 70_000).all()
    meta = json.loads((GEO / "metadata.json").read_text())
    assert "2026" in meta["vintages"]["cog"]
    assert "Mayotte" in meta["vintages"]["population"]


def test_island_communes_without_epci(communes):
    # Île-de-Bréhat, Île-de-Sein, Ouessant and L'Île-d'Yeu belong to no EPCI (DGCL).
    assert sorted(communes.loc[communes["epci"] == "", "code"]) == [
        "22016",
        "29083",
        "29155",
        "85113",
    ]


def test_postal_codes_reach_their_communes():
    postal = pd.read_csv(GEO / "postal_codes.csv", dtype=str)
    communes = set(postal.loc[postal["postal_code"] == "29600", "commune"])
    assert "29151" in communes  # Morlaix
    # Paris's 20 arrondissements have postal codes 75001–75020, all leading to Paris 75056.
    paris = postal[postal["postal_code"].str.fullmatch(r"750[01]\d|75020")]
    assert set(paris["commune"]) == {"75056"} and len(paris) == 20


def test_points_are_projected_locally(communes):
    paris = communes.set_index("code").loc["75056"]
    # IGN: Paris lies near (652 000, 6 862 000) in Lambert-93.
    assert paris["epsg"] == 2154
    assert abs(paris["x"] - 652_000) < 10_000 and abs(paris["y"] - 6_862_000) < 10_000
    epsg = communes.groupby(
        communes["departement"].where(communes["departement"].str.len() == 3, "metro")
    )["epsg"].unique()
    assert {k: list(v) for k, v in epsg.items()} == {
        "971": [5490],
        "972": [5490],
        "973": [2972],
        "974": [2975],
        "976": [4471],
        "metro": [2154],
    }


def test_area_of_metropolitan_france(communes):
    # IGN 543 940 km², cadastre 551 695 km² (INSEE, superficie de la France métropolitaine).
    metro = communes.loc[~communes["departement"].str.startswith("97"), "area_km2"].sum()
    assert 543_940 * 0.995 < metro < 551_695 * 1.005
    assert communes.loc[communes["code"].isin(SHARED_GEOMETRY), "area_km2"].isna().all()


def test_each_commune_point_lies_in_its_departement(communes, layers):
    shapes = dict(
        zip(
            [f["id"] for f in layers["departements"]["features"]],
            _shapes(layers["departements"]),
            strict=True,
        )
    )
    polygons = np.array([shapes[d] for d in communes["departement"]])
    points = shapely.points(communes["lon"], communes["lat"])
    inside = shapely.contains(polygons, points)
    # Simplified borders move by at most about the tolerance (0.01°): a commune on the
    # border may fall just outside, never far.
    assert inside.mean() > 0.995
    assert shapely.distance(polygons[~inside], points[~inside]).max() < 0.02


@pytest.mark.parametrize("name", LEVEL_FILES)
def test_polygons_form_a_clean_coverage(layers, name):
    shapes = _shapes(layers[name])
    assert shapely.is_valid(shapes).all()
    assert shapely.coverage_is_valid(shapes)  # no overlap, shared borders identical
    union = shapely.coverage_union_all(shapes)
    assert sum(len(p.interiors) for p in shapely.get_parts(union)) == 0  # no white spot
    exteriors = [p.exterior for g in shapes for p in shapely.get_parts(g)]
    assert not any(ring.is_ccw for ring in exteriors)  # clockwise, as d3 geo expects
    ids = [f["id"] for f in layers[name]["features"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


@pytest.mark.parametrize(("name", "limit"), [("departements", 500_000), ("epci", 1_500_000)])
def test_geojson_sizes(name, limit):
    assert (GEO / f"{name}.geojson").stat().st_size <= limit


def test_coordinates_have_five_decimals():
    text = (GEO / "departements.geojson").read_text()
    decimals = [len(x) for x in pd.Series(text.split(",")).str.extract(r"\.(\d+)")[0].dropna()]
    assert max(decimals) <= 5


def test_clean_coverage_keeps_missing_geometries_in_place():
    geoms = np.array([shapely.box(0, 0, 1, 1), None, shapely.box(0.9, 0, 2, 1)])
    cleaned = clean_coverage(geoms)
    assert cleaned[1] is None
    assert shapely.coverage_is_valid(cleaned[[0, 2]])
    assert cleaned[2].bounds[2] == 2


def test_fill_holes_gives_the_hole_to_the_longest_border():
    # A 3×3 square with a 1×1 hole, cut into a wide bottom part and a thin top part: the
    # bottom part shares three sides of the hole, the top one side.
    bottom = shapely.Polygon([(0, 0), (3, 0), (3, 2), (2, 2), (2, 1), (1, 1), (1, 2), (0, 2)])
    top = shapely.Polygon([(0, 2), (1, 2), (2, 2), (3, 2), (3, 3), (0, 3)])
    filled, holes = fill_holes(np.array([bottom, top]), ["bottom", "top"])
    assert [h["commune"] for h in holes] == ["bottom"]
    assert filled[0].area == pytest.approx(bottom.area + 1)
    assert filled[1].equals(top)


@pytest.mark.slow
def test_rebuild_is_byte_identical(tmp_path: Path):
    """`fresque geo build` gives back the committed files exactly (fetches pinned sources)."""
    if os.environ.get("CI") != "true" and os.environ.get("FRESQUE_SKIP_REBUILD"):
        pytest.skip("FRESQUE_SKIP_REBUILD is set")
    build_geography(tmp_path, progress=False)
    for path in sorted(GEO.glob("*")):
        if path.suffix in {".csv", ".geojson", ".json"}:
            assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.slow
def test_commune_polygons_on_demand(communes):
    polygons = commune_polygons()
    assert polygons["code"].tolist() == communes["code"].tolist()
    located = polygons[~polygons.geometry.isna()]
    assert set(polygons.loc[polygons.geometry.isna(), "code"]) == set(SHARED_GEOMETRY)
    assert shapely.coverage_is_valid(located.geometry.to_numpy())
    union = shapely.coverage_union_all(located.geometry.to_numpy())
    assert sum(len(p.interiors) for p in shapely.get_parts(union)) == 0
    # Each commune's committed point lies inside its own (unsimplified) polygon.
    points = shapely.points(communes["lon"], communes["lat"])
    inside = shapely.contains(polygons.geometry.to_numpy(), points)
    assert inside[~polygons.geometry.isna().to_numpy()].all()


def test_fill_holes_leaves_an_island_inside_the_hole_alone():
    # A commune (the island) stands inside a hole of its neighbour's ring, as 62447 does
    # in Pas-de-Calais: only the empty land around the island is filled.
    outer = shapely.Polygon(
        [(0, 0), (5, 0), (5, 5), (0, 5)], holes=[[(1, 1), (4, 1), (4, 4), (1, 4)]]
    )
    island = shapely.box(2, 2, 3, 3)
    filled, holes = fill_holes(np.array([outer, island]), ["outer", "island"])
    assert [h["commune"] for h in holes] == ["outer"]
    assert filled[0].area == pytest.approx(25 - 1)
    assert filled[1].equals(island)
    assert shapely.coverage_is_valid(filled)
