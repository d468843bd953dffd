"""Choropleth maps of France, drawn offline with plotly's ``go.Choropleth`` (d3, SVG).

The builders here are pure: they take GeoJSON and values and return a figure. They never
fetch tiles: the base map is hidden and plotly's world topojson, which it loads anyway,
must be served by the app (see :func:`map_graph_config`).

The overseas départements (DROM) are far from metropolitan France; like INSEE maps, the
figures show them in small boxes at the lower left of the map (:func:`inset_overseas`).

Examples
--------
>>> geojson = inset_overseas(load_geojson("departements"))  # doctest: +SKIP
>>> fig = choropleth_figure(geojson, territory_values("departements"), log_scale=True)
... # doctest: +SKIP
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely import affinity
from shapely.geometry import mapping, shape

from fresque import paths
from fresque.i18n import DEFAULT_LANGUAGE, t

#: GeoJSON levels available under ``data/geo`` (``{level}.geojson``).
LEVELS = ("regions", "departements", "epci")

#: ``territories.csv`` names the level of each row in the singular.
TERRITORY_LEVEL = {"regions": "region", "departements": "departement", "epci": "epci"}

#: Colour-blind-safe sequential scale (viridis reversed: light = few, dark = many).
COLORSCALE = "Viridis_r"

#: Fill of the territories without a value.
MISSING_COLOR = "#d9d9d9"

#: Decimals kept in the coordinates of moved features (as in ``data/geo``).
COORDINATE_DECIMALS = 5

NBSP = "\u00a0"

#: Lon/lat windows that hold each overseas département (DROM), keyed by département code.
#: A feature belongs to a DROM when its representative point falls in the window, so the
#: same rule works at every level (région, département, EPCI).
OVERSEAS_WINDOWS: dict[str, tuple[float, float, float, float]] = {
    "971": (-62.0, 15.7, -60.8, 16.7),  # Guadeloupe (with Marie-Galante, Les Saintes)
    "972": (-61.4, 14.2, -60.7, 15.0),  # Martinique
    "973": (-54.8, 2.0, -51.4, 6.0),  # Guyane
    "974": (55.1, -21.5, 56.0, -20.7),  # La Réunion
    "976": (44.9, -13.1, 45.4, -12.5),  # Mayotte
}

#: Radius of the sphere d3 projects on, in metres (the scale is irrelevant to plotly).
EARTH_RADIUS = 6_371_008.8

#: The map projection: Lambert conformal conic with Lambert-93's parallels and central
#: meridian, on a sphere, as plotly's ``conic conformal`` draws it.
FRANCE_PROJ4 = (
    f"+proj=lcc +lat_1=44 +lat_2=49 +lat_0=46.5 +lon_0=3 +R={EARTH_RADIUS} +units=m +no_defs"
)

#: The same projection in plotly's terms (``layout.geo.projection``).
FRANCE_PROJECTION: dict[str, Any] = {
    "type": "conic conformal",
    "parallels": [44, 49],
    "rotation": {"lon": 3},
}


def _inset_grid(
    order: Sequence[Sequence[str | None]] = (("971", "972"), ("973", "974"), ("976", None)),
    *,
    right: float = -430e3,
    bottom: float = -553e3,
    size: float = 180e3,
    gap: float = 20e3,
) -> dict[str, tuple[float, float, float, float]]:
    """Lay out square inset boxes in a grid whose lower-right corner is ``(right, bottom)``.

    Coordinates and sizes are metres in the map's plane (:data:`FRANCE_PROJ4`, origin at
    46.5° N, 3° E), so the boxes are upright squares on screen.
    """
    rows = len(order)
    columns = max(len(row) for row in order)
    boxes = {}
    for i, row in enumerate(order):
        y0 = bottom + (rows - 1 - i) * (size + gap)
        for j, code in enumerate(row):
            if code is None:
                continue
            x1 = right - (columns - 1 - j) * (size + gap)
            boxes[code] = (x1 - size, y0, x1, y0 + size)
    return boxes


#: Where each DROM is drawn: ``(x0, y0, x1, y1)`` in metres in the map's plane. A grid of
#: squares in the Bay of Biscay, at the lower left of metropolitan France (which spans
#: x -599…541 km, y -553…510 km): Guadeloupe, Martinique / Guyane, La Réunion / Mayotte.
INSET_BOXES: dict[str, tuple[float, float, float, float]] = _inset_grid()


@lru_cache(maxsize=1)
def _france_plane():
    import pyproj

    return pyproj.Proj(FRANCE_PROJ4)


def _from_plane(coords: np.ndarray) -> np.ndarray:
    """Map's plane (metres) -> lon/lat."""
    lon, lat = _france_plane()(coords[:, 0], coords[:, 1], inverse=True)
    return np.column_stack([lon, lat])


def _to_plane(coords: np.ndarray) -> np.ndarray:
    """Lon/lat -> map's plane (metres)."""
    x, y = _france_plane()(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


# --------------------------------------------------------------------------- reading data


def _geo_path(name: str, geo_dir: Path | None) -> Path:
    path = (Path(geo_dir) if geo_dir is not None else paths.geo_dir()) / name
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: build the reference geography with `fresque geo build`."
        )
    return path


@lru_cache(maxsize=8)
def _read_json(path: str, mtime_ns: int) -> dict:
    import json

    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_geojson(level: str, geo_dir: Path | None = None) -> dict:
    """Return the GeoJSON FeatureCollection of ``level`` from ``data/geo``.

    Parameters
    ----------
    level : {"regions", "departements", "epci"}
        Which layer to read (``{level}.geojson``).
    geo_dir : Path, optional
        Folder to read from; default :func:`fresque.paths.geo_dir`.

    Returns
    -------
    dict
        The parsed FeatureCollection (``id`` = INSEE code). It is cached and shared
        between callers (until the file changes): treat it as read-only.

    Raises
    ------
    ValueError
        When ``level`` is not one of :data:`LEVELS`.
    FileNotFoundError
        When the reference geography has not been built.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown map level {level!r}; expected one of {', '.join(LEVELS)}")
    path = _geo_path(f"{level}.geojson", geo_dir)
    return _read_json(str(path), path.stat().st_mtime_ns)


def load_territories(geo_dir: Path | None = None) -> pd.DataFrame:
    """Return the table of régions, départements and EPCI (``territories.csv``).

    It is :attr:`fresque.geo.territories.Territories.table` (codes as text), from the
    shared :func:`~fresque.geo.territories.default_territories` unless ``geo_dir`` is
    given. Shared: copy it before modifying it.
    """
    from fresque.geo.territories import Territories, default_territories

    territories = default_territories() if geo_dir is None else Territories.load(geo_dir)
    return territories.table


def territory_values(
    level: str, column: str = "population", geo_dir: Path | None = None
) -> pd.Series:
    """Return one column of ``territories.csv`` for the territories of a map level.

    Parameters
    ----------
    level : {"regions", "departements", "epci"}
        Map level, named as the GeoJSON files are.
    column : str
        Column to return (``population``, ``area_km2``, ``name``…).
    geo_dir : Path, optional
        Folder to read from; default :func:`fresque.paths.geo_dir`.

    Returns
    -------
    pandas.Series
        Indexed by INSEE code, named ``column``.
    """
    if level not in TERRITORY_LEVEL:
        raise ValueError(f"unknown map level {level!r}; expected one of {', '.join(LEVELS)}")
    table = load_territories(geo_dir)
    rows = table[table["level"] == TERRITORY_LEVEL[level]]
    return rows.set_index("code")[column].rename(column)


# ---------------------------------------------------------------------- overseas insets


def overseas_departement(geometry: shapely.Geometry) -> str | None:
    """Return the DROM code (``971``…``976``) whose window holds ``geometry``, else None."""
    point = geometry.representative_point()
    for code, (lon0, lat0, lon1, lat1) in OVERSEAS_WINDOWS.items():
        if lon0 <= point.x <= lon1 and lat0 <= point.y <= lat1:
            return code
    return None


def _fit_matrix(
    bounds: Sequence[float], box: Sequence[float], fill: float
) -> tuple[float, float, float, float, float, float]:
    """Affine matrix (shapely's order) that scales ``bounds`` into the centre of ``box``."""
    x0, y0, x1, y1 = bounds
    bx0, by0, bx1, by1 = box
    scale = fill * min((bx1 - bx0) / max(x1 - x0, 1e-9), (by1 - by0) / max(y1 - y0, 1e-9))
    dx = (bx0 + bx1) / 2 - scale * (x0 + x1) / 2
    dy = (by0 + by1) / 2 - scale * (y0 + y1) / 2
    return (scale, 0.0, 0.0, scale, dx, dy)


def _local_plane(center_lon: float, center_lat: float):
    """Lon/lat -> metres on a plane tangent at the centre (fine for an island's extent)."""
    k = EARTH_RADIUS * math.pi / 180
    cos_lat = math.cos(math.radians(center_lat))

    def project(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [(coords[:, 0] - center_lon) * k * cos_lat, (coords[:, 1] - center_lat) * k]
        )

    return project


def _frame(box: Sequence[float], points_per_side: int = 12) -> list[list[float]]:
    """The outline of ``box`` (map's plane) as a lon/lat line, dense enough to look straight.

    plotly joins line points by great-circle arcs, which a conic projection bends.
    """
    x0, y0, x1, y1 = box
    steps = np.linspace(0.0, 1.0, points_per_side, endpoint=False)
    sides = [
        np.column_stack([x0 + (x1 - x0) * steps, np.full_like(steps, y0)]),
        np.column_stack([np.full_like(steps, x1), y0 + (y1 - y0) * steps]),
        np.column_stack([x1 - (x1 - x0) * steps, np.full_like(steps, y1)]),
        np.column_stack([np.full_like(steps, x0), y1 - (y1 - y0) * steps]),
        np.array([[x0, y0]]),
    ]
    lonlat = np.round(_from_plane(np.vstack(sides)), COORDINATE_DECIMALS)
    return lonlat.tolist()


def _round_coordinates(geometry: shapely.Geometry, decimals: int) -> shapely.Geometry:
    return shapely.transform(geometry, lambda coords: np.round(coords, decimals))


def _as_lists(value: Any) -> Any:
    """Turn the nested tuples of ``shapely.geometry.mapping`` into JSON-friendly lists."""
    if isinstance(value, tuple | list):
        return [_as_lists(item) for item in value]
    return value


def _geometry_json(geometry: shapely.Geometry) -> dict:
    data = mapping(geometry)
    return {"type": data["type"], "coordinates": _as_lists(data["coordinates"])}


def inset_overseas(
    geojson: Mapping[str, Any],
    *,
    boxes: Mapping[str, Sequence[float]] | None = None,
    fill: float = 0.9,
) -> dict:
    """Move the overseas features into boxes at the lower left of metropolitan France.

    Each DROM (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte — whatever the level:
    région, département or EPCI) is laid flat on a plane tangent at its centre, scaled
    (a shapely affine transform) to fit its box in the map's plane and centred in it, then
    brought back to lon/lat through the map's projection (:data:`FRANCE_PROJ4`). Drawn
    with :data:`FRANCE_PROJECTION`, it is therefore upright and undistorted, in an upright
    square box, whatever its distance to the central meridian. Every polygon of the result
    has clockwise exterior rings, as plotly's d3 geo needs (a counter-clockwise ring
    paints the whole globe).

    Parameters
    ----------
    geojson : mapping
        FeatureCollection in WGS84 lon/lat, true positions.
    boxes : mapping, optional
        DROM code -> ``(x0, y0, x1, y1)`` box in metres in the map's plane; default
        :data:`INSET_BOXES`. DROM without a box keep their true position.
    fill : float
        Share of the box the territory may fill (a margin keeps it off the frame).

    Returns
    -------
    dict
        A new FeatureCollection (the input is not modified). Moved features carry the
        property ``inset`` (the DROM code); the top-level member ``insets`` lists the
        boxes used, ``[{"territory": "971", "box": [x0, y0, x1, y1], "frame": [[lon,
        lat], …]}, …]``, ``frame`` being the box's outline in lon/lat.
    """
    boxes = INSET_BOXES if boxes is None else boxes
    features = list(geojson["features"])
    geometries = [
        shape(feature["geometry"]) if feature.get("geometry") else None for feature in features
    ]
    zones = [
        overseas_departement(g) if g is not None and not g.is_empty else None for g in geometries
    ]

    movers = {}
    centers: dict[str, tuple[float, float]] = {}
    for code, box in boxes.items():
        members = [g for g, zone in zip(geometries, zones, strict=True) if zone == code]
        if not members:
            continue
        lon0, lat0, lon1, lat1 = shapely.total_bounds(np.array(members, dtype=object))
        flatten = _local_plane((lon0 + lon1) / 2, (lat0 + lat1) / 2)
        flat = [shapely.transform(g, flatten) for g in members]
        matrix = _fit_matrix(shapely.total_bounds(np.array(flat, dtype=object)), box, fill)
        movers[code] = (flatten, matrix)
        centers[code] = ((lon0 + lon1) / 2, (lat0 + lat1) / 2)

    out_features = []
    for feature, geometry, zone in zip(features, geometries, zones, strict=True):
        new = dict(feature)
        if geometry is not None:
            if zone in movers:
                flatten, matrix = movers[zone]
                geometry = shapely.transform(geometry, flatten)
                geometry = affinity.affine_transform(geometry, matrix)
                geometry = shapely.transform(geometry, _from_plane)
                geometry = _round_coordinates(geometry, COORDINATE_DECIMALS)
                new["properties"] = {**(feature.get("properties") or {}), "inset": zone}
            geometry = shapely.orient_polygons(geometry, exterior_cw=True)
            new["geometry"] = _geometry_json(geometry)
        out_features.append(new)

    result = {key: value for key, value in geojson.items() if key != "features"}
    result["features"] = out_features
    result["insets"] = [
        {
            "territory": code,
            "box": [float(v) for v in boxes[code]],
            "frame": _frame(boxes[code]),
            "center": [float(v) for v in centers[code]],
            "matrix": [float(v) for v in movers[code][1]],
        }
        for code in boxes
        if code in movers
    ]
    return result


def inset_points(
    lon: Sequence[float] | np.ndarray,
    lat: Sequence[float] | np.ndarray,
    insets: Sequence[Mapping[str, Any]],
) -> tuple[np.ndarray, np.ndarray]:
    """Move points (structures, communes) as :func:`inset_overseas` moved the polygons.

    A point in the window of a DROM (:data:`OVERSEAS_WINDOWS`) that has an inset goes
    through the same transform as that DROM's features (the ``center`` and ``matrix``
    :func:`inset_overseas` records in each inset), so it lands on its territory in the
    box; other points, and NaN, are returned as they are.

    Examples
    --------
    >>> geojson = map_geojson("departements")  # doctest: +SKIP
    >>> inset_points([-52.33], [4.94], geojson["insets"])  # Cayenne  # doctest: +SKIP
    """
    lons = np.asarray(lon, dtype=float).copy()
    lats = np.asarray(lat, dtype=float).copy()
    for inset in insets:
        if "matrix" not in inset:
            continue
        lon0, lat0, lon1, lat1 = OVERSEAS_WINDOWS[inset["territory"]]
        inside = (lons >= lon0) & (lons <= lon1) & (lats >= lat0) & (lats <= lat1)
        if not inside.any():
            continue
        flat = _local_plane(*inset["center"])(np.column_stack([lons[inside], lats[inside]]))
        a, b, d, e, xoff, yoff = inset["matrix"]
        moved = np.column_stack(
            [a * flat[:, 0] + b * flat[:, 1] + xoff, d * flat[:, 0] + e * flat[:, 1] + yoff]
        )
        moved = np.round(_from_plane(moved), COORDINATE_DECIMALS)
        lons[inside], lats[inside] = moved[:, 0], moved[:, 1]
    return lons, lats


# ------------------------------------------------------------------------------ figures


def format_number_fr(value: float | None, decimals: int = 0) -> str:
    """Format a number the French way: no-break spaces between thousands, decimal comma.

    Examples
    --------
    >>> format_number_fr(2604361)
    '2\\xa0604\\xa0361'
    >>> format_number_fr(1234.5, 1)
    '1\\xa0234,5'
    >>> format_number_fr(float("nan"))
    ''
    """
    if value is None or pd.isna(value):
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def _log_ticks(low: float, high: float) -> list[float]:
    """Return 1-2-5 ticks between ``low`` and ``high`` (both > 0)."""
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for mantissa in (1, 2, 5):
            tick = mantissa * 10.0**exponent
            if low <= tick <= high:
                ticks.append(tick)
    if len(ticks) > 7:  # a wide range: keep the powers of ten
        ticks = [tick for tick in ticks if math.log10(tick).is_integer()] or ticks
    return ticks or [low, high]


def _inset_frames(insets: Sequence[Mapping[str, Any]]) -> go.Scattergeo:
    lons: list[float | None] = []
    lats: list[float | None] = []
    for inset in insets:
        for lon, lat in inset["frame"]:
            lons.append(lon)
            lats.append(lat)
        lons.append(None)
        lats.append(None)
    return go.Scattergeo(
        lon=lons,
        lat=lats,
        mode="lines",
        line={"color": "#9a9a9a", "width": 0.8},
        hoverinfo="skip",
        showlegend=False,
        name="insets",
    )


def _plane_bounds(geometries: Sequence[shapely.Geometry]) -> tuple[float, float, float, float]:
    """Bounds of lon/lat geometries in the map's plane (metres)."""
    collection = np.array(list(geometries), dtype=object)
    x0, y0, x1, y1 = shapely.total_bounds(shapely.transform(collection, _to_plane))
    return float(x0), float(y0), float(x1), float(y1)


def range_box_plane(
    lon_range: Sequence[float], lat_range: Sequence[float], points_per_side: int = 64
) -> tuple[float, float, float, float]:
    """Bounds, in the map's plane, of the lon/lat box ``lon_range`` × ``lat_range``.

    This is what plotly shows of a ``geo`` subplot: it fits the box's projection into the
    plot, clips everything outside the box's bounds and puts ``center`` in their middle.
    A conic projection bends the box's sides, so they are followed point by point.

    Examples
    --------
    >>> x0, y0, x1, y1 = range_box_plane([-5.0, 9.0], [41.0, 51.5])
    >>> round((x1 - x0) / 1000), round((y1 - y0) / 1000)  # km
    (1177, 1196)
    """
    (lon0, lon1), (lat0, lat1) = lon_range, lat_range
    lons = np.linspace(lon0, lon1, points_per_side)
    lats = np.linspace(lat0, lat1, points_per_side)
    sides = np.vstack(
        [
            np.column_stack([lons, np.full_like(lons, lat0)]),
            np.column_stack([lons, np.full_like(lons, lat1)]),
            np.column_stack([np.full_like(lats, lon0), lats]),
            np.column_stack([np.full_like(lats, lon1), lats]),
        ]
    )
    xy = _to_plane(sides)
    return (
        float(xy[:, 0].min()),
        float(xy[:, 1].min()),
        float(xy[:, 0].max()),
        float(xy[:, 1].max()),
    )


def _overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _holds(outer: Sequence[float], inner: Sequence[float], slack: float = 1.0) -> bool:
    return (
        outer[0] <= inner[0] + slack
        and outer[1] <= inner[1] + slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def zoom_window(
    shown: Sequence[float],
    target: Sequence[float],
    avoid: Sequence[Sequence[float]] = (),
    margin: float = 0.05,
) -> tuple[float, float, float]:
    """Centre and zoom that show ``target`` whole, as large as fits, without ``avoid``.

    Everything is a box ``(x0, y0, x1, y1)`` in the map's plane. plotly shows a window
    of the size of ``shown`` (the bounds of the lon/lat ranges, :func:`range_box_plane`)
    divided by the zoom, centred on ``center``.

    Parameters
    ----------
    shown
        The window at zoom 1.
    target
        What must be seen whole (a région and the territory chosen in it).
    avoid
        Boxes that must stay out of the window (the overseas insets, which sit in the
        Bay of Biscay and would cover a zoomed Bretagne). The window is moved off them,
        or zoomed in, as long as it still holds ``target``; else they stay.
    margin
        Room around ``target``, as a share of its larger side.

    Returns
    -------
    tuple
        ``(x, y, zoom)``: the window's centre in the plane and the zoom (``>= 1``).

    Examples
    --------
    >>> zoom_window((0, 0, 1000, 1000), (100, 100, 300, 300), margin=0)
    (200.0, 200.0, 5.0)
    >>> zoom_window((0, 0, 1000, 1000), (100, 100, 300, 300), [(0, 0, 90, 290)], margin=0)
    (200.0, 200.0, 5.0)
    >>> zoom_window((0, 0, 1000, 1000), (100, 100, 300, 300), [(0, 0, 130, 80)], margin=0.2)
    (200.0, 220.0, 3.5714)
    >>> zoom_window((0, 0, 1000, 1000), (100, 100, 300, 300), [(0, 0, 95, 1000)], margin=0.2)
    (235.0, 200.0, 3.5714)
    """
    width, height = shown[2] - shown[0], shown[3] - shown[1]
    pad = margin * max(target[2] - target[0], target[3] - target[1])
    padded = (target[0] - pad, target[1] - pad, target[2] + pad, target[3] + pad)
    zoom = max(
        1.0,
        min(
            width / max(padded[2] - padded[0], 1e-9),
            height / max(padded[3] - padded[1], 1e-9),
        ),
    )
    preferred = ((padded[0] + padded[2]) / 2, (padded[1] + padded[3]) / 2)
    fallback = (*preferred, zoom)
    blocking = [box for box in avoid if not _overlaps(box, target)]
    found = None
    while found is None:
        w, h = width / zoom / 2, height / zoom / 2
        # Centres whose window holds the target, and those whose window meets a box.
        allowed = (target[2] - w, target[3] - h, target[0] + w, target[1] + h)
        if allowed[0] > allowed[2] or allowed[1] > allowed[3]:
            break  # closer in, the target would be cut: keep the boxes
        banned = [(b[0] - w, b[1] - h, b[2] + w, b[3] + h) for b in blocking]
        xs = {preferred[0], allowed[0], allowed[2], *(b[0] for b in banned)}
        xs |= {b[2] for b in banned}
        ys = {preferred[1], allowed[1], allowed[3], *(b[1] for b in banned)}
        ys |= {b[3] for b in banned}
        candidates = [
            (abs(x - preferred[0]) + abs(y - preferred[1]), x, y)
            for x in xs
            for y in ys
            if allowed[0] - 1e-6 <= x <= allowed[2] + 1e-6
            and allowed[1] - 1e-6 <= y <= allowed[3] + 1e-6
            and not any(b[0] < x < b[2] and b[1] < y < b[3] for b in banned)
        ]
        if candidates:
            _, x, y = min(candidates)
            found = (x, y, zoom)
        else:
            zoom *= 1.02  # closer in, the window may pass between the boxes
    x, y, zoom = fallback if found is None else found
    return round(float(x), 1), round(float(y), 1), round(float(zoom), 4)


def _view(
    features: Sequence[Mapping[str, Any]],
    insets: Sequence[Mapping[str, Any]],
    margin: float,
    target: Sequence[Mapping[str, Any]] | None = None,
    avoid: Sequence[Sequence[float]] = (),
    target_margin: float = 0.01,
) -> dict[str, Any]:
    """``geo`` settings: the ranges hold ``features`` and the inset frames, the centre and
    zoom show ``target`` (default: all of them) whole, as large as fits, off ``avoid``.

    plotly shows the bounds of the ranges' box, in the map's plane, with ``center`` in
    their middle, zoomed by ``projection.scale``. Keeping the ranges of the whole map and
    moving only the centre and the zoom keeps the plot's shape when one zooms on a
    région, and makes what is seen a plain rectangle of the plane (:func:`zoom_window`).
    """
    geometries = [shape(f["geometry"]) for f in features]
    geometries += [shapely.LineString(inset["frame"]) for inset in insets]
    collection = np.array(geometries, dtype=object)
    lon0, lat0, lon1, lat1 = shapely.total_bounds(collection)
    dlon, dlat = (lon1 - lon0) * margin, (lat1 - lat0) * margin
    lon_range = [round(float(lon0 - dlon), 4), round(float(lon1 + dlon), 4)]
    lat_range = [round(float(lat0 - dlat), 4), round(float(lat1 + dlat), 4)]
    shown = range_box_plane(lon_range, lat_range)
    wanted = geometries if target is None else [shape(f["geometry"]) for f in target]
    x, y, zoom = zoom_window(shown, _plane_bounds(wanted), avoid, target_margin)
    ((center_lon, center_lat),) = _from_plane(np.array([[x, y]]))
    return {
        "lonaxis": {"range": lon_range},
        "lataxis": {"range": lat_range},
        "center": {"lon": round(float(center_lon), 4), "lat": round(float(center_lat), 4)},
        "projection": {**FRANCE_PROJECTION, "scale": zoom},
    }


def choropleth_figure(
    geojson: Mapping[str, Any],
    values: pd.Series,
    *,
    title: str | None = None,
    colorbar_title: str | None = None,
    value_label: str | None = None,
    names: Mapping[str, str] | pd.Series | None = None,
    log_scale: bool = False,
    decimals: int = 0,
    colorscale: str | list = COLORSCALE,
    lang: str = DEFAULT_LANGUAGE,
) -> go.Figure:
    """Build a choropleth of ``values`` over the features of ``geojson`` (no tiles).

    Parameters
    ----------
    geojson : mapping
        FeatureCollection whose features have ``id`` = territory code; usually the output
        of :func:`inset_overseas` (its ``insets`` boxes are drawn as thin frames).
    values : pandas.Series
        Values indexed by territory code. Features without a value are drawn in grey.
    title : str, optional
        Figure title.
    colorbar_title : str, optional
        Title of the colour bar.
    value_label : str, optional
        Name of the value in the hover label; default ``colorbar_title`` or
        ``values.name``.
    names : mapping or pandas.Series, optional
        Code -> name shown in the hover label; default the features' ``name`` property.
    log_scale : bool
        Colour by ``log10(value)`` (for skewed, positive values such as populations);
        the colour bar is labelled with the values themselves.
    decimals : int
        Decimals shown in the hover label and colour bar.
    colorscale : str or list
        Plotly colour scale; default a colour-blind-safe sequential scale.
    lang : str
        Language of the few labels the figure writes itself.

    Returns
    -------
    plotly.graph_objects.Figure
        A figure on a hidden ``geo`` base map in :data:`FRANCE_PROJECTION`, framed on
        the features, with French number formatting (``separators`` and hover text).
    """
    features = [f for f in geojson["features"] if f.get("geometry")]
    codes = [str(f["id"]) for f in features]
    feature_names = {str(f["id"]): (f.get("properties") or {}).get("name") for f in features}
    if names is not None:
        feature_names.update({str(k): v for k, v in dict(names).items()})
    label = value_label or colorbar_title or (str(values.name) if values.name else "")

    series = pd.to_numeric(pd.Series(values), errors="coerce")
    series.index = series.index.astype(str)
    series = series[~series.index.duplicated()].reindex(codes)
    usable = series.notna() & (series > 0 if log_scale else True)
    present = [code for code in codes if usable[code]]
    missing = [code for code in codes if not usable[code]]

    # Send each geometry once, with nothing but its id: properties would only add weight.
    light = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": str(f["id"]), "geometry": f["geometry"]} for f in features
        ],
    }

    def hover_data(selection: list[str], shown: list[str]) -> list[list[str]]:
        return [
            [html.escape(str(feature_names.get(code) or code), quote=False), text]
            for code, text in zip(selection, shown, strict=True)
        ]

    hovertemplate = (
        "<b>%{customdata[0]}</b><br>"
        + html.escape(label, quote=False)
        + NBSP
        + ": %{customdata[1]}<extra></extra>"
    )
    figure = go.Figure()
    if present:
        raw = series[present].astype(float)
        z = np.log10(raw) if log_scale else raw
        colorbar: dict[str, Any] = {
            "title": {"text": colorbar_title or ""},
            "thickness": 14,
            "len": 0.75,
            "outlinewidth": 0,
        }
        if log_scale:
            ticks = _log_ticks(float(raw.min()), float(raw.max()))
            colorbar["tickvals"] = [math.log10(tick) for tick in ticks]
            colorbar["ticktext"] = [format_number_fr(tick) for tick in ticks]
        else:
            colorbar["tickformat"] = f",.{decimals}f"
        figure.add_trace(
            go.Choropleth(
                geojson=light,
                featureidkey="id",
                locations=present,
                z=z.round(6).tolist(),
                colorscale=colorscale,
                colorbar=colorbar,
                marker={"line": {"color": "white", "width": 0.5}},
                customdata=hover_data(present, [format_number_fr(v, decimals) for v in raw]),
                hovertemplate=hovertemplate,
                name=label,
            )
        )
    if missing:
        figure.add_trace(
            go.Choropleth(
                geojson=light,
                featureidkey="id",
                locations=missing,
                z=[0] * len(missing),
                colorscale=[[0, MISSING_COLOR], [1, MISSING_COLOR]],
                showscale=False,
                marker={"line": {"color": "white", "width": 0.5}},
                customdata=hover_data(missing, [t("map.missing", lang)] * len(missing)),
                hovertemplate=hovertemplate,
                name=t("map.missing", lang),
            )
        )
    insets = geojson.get("insets") or []
    if insets:
        figure.add_trace(_inset_frames(insets))

    figure.update_layout(
        title={"text": title or "", "x": 0.02, "xanchor": "left"},
        separators="," + NBSP,
        margin={"l": 0, "r": 0, "t": 48 if title else 8, "b": 0},
        paper_bgcolor="white",
        hoverlabel={"bgcolor": "white", "font": {"size": 13}},
        dragmode=False,
        geo={
            "visible": False,
            # Lambert conformal conic (Lambert-93's parameters), the projection the insets
            # were laid out in. Giving a rotation turns plotly's ``fitbounds`` off, so the
            # view is framed by explicit lon/lat ranges.
            "fitbounds": False,
            "projection": FRANCE_PROJECTION,
            "bgcolor": "rgba(0,0,0,0)",
            **_view(features, insets, margin=0.01),
        },
    )
    return figure


#: Where the app serves plotly's world topojson stub (relative to the site root).
DEFAULT_TOPOJSON_URL = "/assets/topojson/"


def map_graph_config(topojson_url: str = DEFAULT_TOPOJSON_URL) -> dict:
    """Return the plotly config of a map graph, with the topojson served locally.

    plotly's geo subplot fetches ``world_110m.json`` from ``topojsonURL`` even when the
    base map is hidden; its default is a CDN, so an offline page must point it at a file
    served by the app (an empty-layers stub is enough). The Plotly Cloud share button is
    removed: nothing leaves the machine.

    Parameters
    ----------
    topojson_url : str
        Folder URL served by the app that holds ``world_110m.json`` (in Dash:
        ``app.get_asset_url("topojson/")``).
    """
    if "://" in topojson_url or topojson_url.startswith("//"):
        raise ValueError(f"topojsonURL must be served by the app, not {topojson_url!r}")
    return {
        "topojsonURL": topojson_url,
        "displaylogo": False,
        # plotly.js 4 offers to upload the chart to Plotly Cloud: never, for workshop data.
        "showSendToCloud": False,
        "scrollZoom": False,
        "modeBarButtonsToRemove": ["sendChartToCloud", "select2d", "lasso2d"],
    }


@lru_cache(maxsize=8)
def _inset_geojson(level: str, path: str, mtime_ns: int) -> dict:
    return inset_overseas(_read_json(path, mtime_ns))


def map_geojson(level: str, geo_dir: Path | None = None) -> dict:
    """Return the GeoJSON of ``level`` with the DROM moved into insets (cached, read-only).

    See :func:`load_geojson` and :func:`inset_overseas`.
    """
    load_geojson(level, geo_dir)  # validates the level, says how to build missing files
    path = _geo_path(f"{level}.geojson", geo_dir)
    return _inset_geojson(level, str(path), path.stat().st_mtime_ns)


def population_map(
    level: str, lang: str = DEFAULT_LANGUAGE, geo_dir: Path | None = None
) -> go.Figure:
    """Return the map of France by ``level`` coloured by population (log scale).

    Parameters
    ----------
    level : {"regions", "departements", "epci"}
        Territories drawn.
    lang : str
        Language of the labels.
    geo_dir : Path, optional
        Folder of the reference geography; default :func:`fresque.paths.geo_dir`.
    """
    values = territory_values(level, "population", geo_dir)
    names = territory_values(level, "name", geo_dir)
    return choropleth_figure(
        map_geojson(level, geo_dir),
        values,
        title=t(f"map.title.{level}", lang),
        colorbar_title=t("map.colorbar.population", lang),
        value_label=t("map.population", lang),
        names=names,
        log_scale=True,
        lang=lang,
    )
