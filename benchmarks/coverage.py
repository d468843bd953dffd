"""Measure coverage: full commune-level coverage of every dispositif and stage.

Run ``python benchmarks/coverage.py`` from the repository root (``--size N`` for another
synthetic size, ``--skip-naive`` to time the fast path only). Figures only, no assertions.

Two ecosystems: the national dataset (``data/ecosystem``) and a seeded synthetic one about
17 times larger (:func:`fresque.synthetic.generate_ecosystem`, 5,000 structures). On each:

* **fast**: :func:`fresque.coverage.compute_coverage` (sparse structures × communes
  products, every key at once), then the tidy commune-level table of every key with the
  ids of the offers behind each cell (:meth:`Coverage.table`), then every other level;
* **naive baseline**: what one would write with geopandas: dissolve each structure's
  territories into one polygon (``data/geo/*.geojson``), then for each dispositif and
  stage a spatial join (``sjoin``, ``within``) of the commune points with the polygons of
  the structures carrying it, and count and list the offers per commune.

Both ecosystems get the same made-up surveys (for timing only: every département surveyed
for one key, every other région for everything), so the confirmed gaps (``gap``) and the
territories nobody surveyed (``none_known``) are both computed. The naive baseline tells
them apart with a spatial join of the commune points with the surveyed polygons, and
counts the distinct organisations behind the offers (:func:`fresque.coverage.organisations`).

Both are checked against each other (share of commune × key statuses that agree: the
GeoJSON polygons are simplified, so a few points near a border fall on the wrong side).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import union_all

from fresque.coverage import STATUS_ORDER, Coverage, compute_coverage, organisations
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.geo.territories import default_territories
from fresque.model import DEFAULT_STAGES, UNIQUE_BY_DESIGN, Dispositif, Stage, Survey
from fresque.paths import geo_dir
from fresque.synthetic import generate_ecosystem

RUNS = 5
SEED = 0
THRESHOLD = 5
AS_OF = date(2026, 12, 7)
_FILES = {"region": "regions", "departement": "departements", "epci": "epci"}


def median_seconds(action: Callable[[], Any], runs: int = RUNS) -> tuple[float, Any]:
    """Median wall time of ``runs`` calls of ``action``, and the last result."""
    timings = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def made_up_surveys(seed: int = SEED) -> list[Survey]:
    """Surveys for timing only: each département for one random key, every other région
    for everything."""
    rng = random.Random(seed)
    table = default_territories().table
    keys = [f"dispositif:{d.value}" for d in Dispositif] + [f"stage:{s.value}" for s in Stage]
    found = []
    for level, scope_of in (("departement", lambda: rng.choice(keys)), ("region", lambda: "all")):
        codes = table.loc[table["level"] == level, "code"].tolist()
        if level == "region":
            codes = codes[::2]
        for code in codes:
            found.append(
                Survey(
                    id=f"bench_{level}_{code}".lower(),
                    territory_level=level,
                    territory_code=code,
                    scope=scope_of(),
                    attested_by="benchmark",
                    date=date(2026, 1, 1),
                    source="benchmarks/coverage.py",
                )
            )
    return found


SURVEYS = made_up_surveys()


# --- fast -----------------------------------------------------------------------------


def fast_coverage(eco: Ecosystem) -> Coverage:
    return compute_coverage(eco, overlap_threshold=THRESHOLD, surveys=SURVEYS, as_of=AS_OF)


def fast_commune_level(eco: Ecosystem) -> tuple[Coverage, pd.DataFrame]:
    coverage = fast_coverage(eco)
    return coverage, coverage.table("commune")


def fast_other_levels(coverage: Coverage) -> dict[str, pd.DataFrame]:
    return {level: coverage.table(level) for level in ("epci", "departement", "region")}


# --- naive ----------------------------------------------------------------------------


class NaiveCoverage:
    """Polygons per structure and a spatial join per key: the geopandas way."""

    def __init__(self) -> None:
        territories = default_territories()
        communes = territories.communes
        self.points = gpd.GeoDataFrame(
            {"commune": communes["code"].to_numpy(dtype=object)},
            geometry=gpd.points_from_xy(communes["lon"], communes["lat"]),
            crs="EPSG:4326",
        )
        self.shapes = {
            level: gpd.read_file(geo_dir() / f"{name}.geojson").set_index("code")["geometry"]
            for level, name in _FILES.items()
        }
        self.commune_points = self.points.set_index("commune")["geometry"]

    def surveyed(self, key: tuple[str, str]) -> pd.Index:
        """Communes inside a territory whose valid survey covers ``key``."""
        kind, value = key
        shapes = [
            self.shapes[s.territory_level.value][s.territory_code]
            for s in SURVEYS
            if s.is_valid(AS_OF) and s.scope in ("all", f"{kind}:{value}")
        ]
        if not shapes:
            return pd.Index([])
        area = gpd.GeoDataFrame(geometry=[union_all(shapes)], crs="EPSG:4326")
        inside = gpd.sjoin(self.points, area, how="inner", predicate="within")
        return pd.Index(inside["commune"].unique())

    def polygons(self, eco: Ecosystem) -> gpd.GeoDataFrame:
        """One dissolved polygon per local, non-defunct structure."""
        table = eco.structures
        local = table[(table["territory_level"] != "country") & (table["status"] != "defunct")]
        geometries = []
        for level, codes in zip(local["territory_level"], local["territory_codes"], strict=True):
            if level == "commune":
                parts = [self.commune_points[c].buffer(1e-6) for c in codes]
            else:
                parts = [self.shapes[level][c] for c in codes]
            geometries.append(union_all(parts))
        stages = [
            s or [st.value for d in ds for st in DEFAULT_STAGES[Dispositif(d)]]
            for s, ds in zip(local["stages"], local["dispositifs"], strict=True)
        ]
        return gpd.GeoDataFrame(
            {
                "id": local.index.to_numpy(dtype=object),
                "status": local["status"].to_numpy(dtype=object),
                "dispositifs": local["dispositifs"].to_numpy(dtype=object),
                "stages": stages,
            },
            geometry=geometries,
            crs="EPSG:4326",
        )

    def run(self, eco: Ecosystem) -> dict[tuple[str, str], pd.DataFrame]:
        """Per key: a commune-indexed frame of active, expected, status and offers."""
        polygons = self.polygons(eco)
        polygons["organisation"] = polygons["id"].map(organisations(eco))
        results = {}
        keys = [("dispositif", d.value) for d in Dispositif] + [("stage", s.value) for s in Stage]
        for kind, value in keys:
            column = "dispositifs" if kind == "dispositif" else "stages"
            carriers = polygons[polygons[column].map(lambda v, x=value: x in v)]
            joined = gpd.sjoin(self.points, carriers, how="inner", predicate="within")
            joined["is_active"] = joined["status"] == "active"
            joined["is_expected"] = joined["status"] == "expected"
            grouped = joined.sort_values("id").groupby("commune")
            frame = pd.DataFrame(
                {
                    "active": grouped["is_active"].sum(),
                    "expected": grouped["is_expected"].sum(),
                    "organisations": grouped["organisation"].nunique(),
                    "offers": grouped["id"].agg("|".join),
                }
            ).reindex(self.points["commune"])
            frame = frame.fillna({"active": 0, "expected": 0, "organisations": 0, "offers": ""})
            offers = frame["active"] + frame["expected"]
            orgs = frame["organisations"]
            surveyed = frame.index.isin(self.surveyed((kind, value)))
            unique = kind == "dispositif" and Dispositif(value) in UNIQUE_BY_DESIGN
            status = np.select(
                [
                    (offers == 0) & surveyed,
                    offers == 0,
                    frame["active"] == 0,
                    offers >= 2 if unique else orgs > THRESHOLD,
                    orgs == 1,
                ],
                ["gap", "none_known", "unknown", "overlap", "single"],
                "covered",
            )
            frame["status"] = status
            results[(kind, value)] = frame
        return results


def agreement(coverage: Coverage, naive: dict[tuple[str, str], pd.DataFrame]) -> float:
    """Share of commune × key statuses the two computations agree on."""
    labels = np.array([s.value for s in STATUS_ORDER], dtype=object)
    same = total = 0
    for j, key in enumerate(coverage.keys):
        fast = labels[coverage.status[:, j]]
        slow = naive[key]["status"].to_numpy(dtype=object)
        same += int((fast == slow).sum())
        total += len(fast)
    return same / total


# --- report ---------------------------------------------------------------------------


def measure(name: str, eco: Ecosystem, naive: NaiveCoverage | None, target: float) -> None:
    print(f"\n== {name}: {len(eco)} structures, {len(eco.links)} links ==")
    matrix = eco.commune_matrix
    print(f"structures × communes: {matrix.shape[0]} × {matrix.shape[1]}, {matrix.nnz:,} served")
    compute, coverage = median_seconds(lambda: fast_coverage(eco))
    full, (coverage, table) = median_seconds(lambda: fast_commune_level(eco))
    others, tables = median_seconds(lambda: fast_other_levels(coverage))
    sizes = ", ".join(f"{len(t):,} {level}" for level, t in tables.items())
    print(f"fast, median of {RUNS}:")
    print(
        f"  compute_coverage, {len(coverage.keys)} keys (counts, organisations, "
        f"{len(coverage.surveys)} surveys, statuses)  {compute * 1000:7.0f} ms"
    )
    counts = np.bincount(coverage.status.ravel(), minlength=len(STATUS_ORDER))
    print(
        "  commune × key statuses: "
        + ", ".join(f"{s.value} {n:,}" for s, n in zip(STATUS_ORDER, counts, strict=True))
    )
    print(
        f"  + tidy commune table with offer ids ({len(table):,} rows)  {full * 1000:7.0f} ms"
        f"  (target ≤ {target:.1f} s: {'met' if full <= target else 'MISSED'})"
    )
    print(f"  other levels' tables ({sizes} rows)  {others * 1000:7.0f} ms")
    if naive is None:
        return
    start = time.perf_counter()
    polygons = naive.polygons(eco)
    dissolve = time.perf_counter() - start
    start = time.perf_counter()
    slow = naive.run(eco)
    slow_seconds = time.perf_counter() - start  # includes dissolving again
    print("naive baseline (geopandas: dissolve polygons, sjoin per key), one run:")
    print(f"  dissolve {len(polygons)} structure polygons  {dissolve * 1000:7.0f} ms")
    print(f"  dissolve + sjoin of {len(slow)} keys  {slow_seconds * 1000:7.0f} ms")
    print(f"ratio naive / fast (commune level, every key): {slow_seconds / full:,.0f}×")
    print(f"commune × key statuses agreeing: {agreement(coverage, slow):.4%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000, help="synthetic structures")
    parser.add_argument("--skip-naive", action="store_true", help="time the fast path only")
    args = parser.parse_args()

    start = time.perf_counter()
    territories = default_territories()
    national = load_ecosystem(territories=territories)
    print(
        f"data: {geo_dir().parent}; national dataset loaded in {time.perf_counter() - start:.1f} s"
    )
    start = time.perf_counter()
    synthetic = generate_ecosystem(args.size, seed=SEED, territories=territories)
    print(
        f"synthetic ecosystem ({args.size} structures, seed {SEED}) generated in "
        f"{time.perf_counter() - start:.1f} s"
    )
    naive = None if args.skip_naive else NaiveCoverage()
    measure("national dataset", national, naive, target=0.5)
    measure(f"synthetic, {len(synthetic) / len(national):.0f}× larger", synthetic, naive, 2.0)


if __name__ == "__main__":
    main()
