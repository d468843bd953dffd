"""Measure accessibility: nearest located offer for every commune, and population shares.

Run ``python benchmarks/access.py`` from the repository root (needs ``data/geo`` and
``data/ecosystem``). Every timing of :mod:`fresque.access` is set beside a naive baseline
run in the same process on the same offers: an exhaustive numpy search (every commune
against every offer of its zone, in blocks of communes) and ``geopandas.sjoin_nearest``
zone by zone. Results are checked equal before anything is printed. Figures only, no
assertions about time (the target of issue 4 is 50 ms for all communes).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from fresque.access import Accessibility, _Grid, population_beyond, zone_of
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.geo.territories import Territories, default_territories
from fresque.model import Dispositif, Stage, Structure

RUNS = 15
BASELINE_RUNS = 3
SEED = 2026
SYNTHETIC_SIZES = (500, 2_000)
BLOCK = 2_000


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of ``runs`` calls of ``action``, in milliseconds."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return 1000 * statistics.median(timings)


class BruteForce:
    """Every commune against every offer of its zone: what one writes without an index."""

    def __init__(self, territories: Territories) -> None:
        communes = territories.communes
        self.xy = communes[["x", "y"]].to_numpy(dtype=float)
        self.zones = communes["departement"].map(zone_of).to_numpy()
        self.by_zone = {z: np.flatnonzero(self.zones == z) for z in pd.unique(self.zones)}

    def nearest(self, offer_positions: np.ndarray) -> np.ndarray:
        distance = np.full(len(self.xy), np.nan)
        for zone, here in self.by_zone.items():
            there = offer_positions[self.zones[offer_positions] == zone]
            if not len(there):
                continue
            for start in range(0, len(here), BLOCK):
                block = here[start : start + BLOCK]
                gaps = self.xy[block, None, :] - self.xy[None, there, :]
                distance[block] = np.sqrt((gaps**2).sum(axis=2)).min(axis=1)
        return distance / 1000


class SjoinNearest:
    """``geopandas.sjoin_nearest`` per zone, on points built once (not timed)."""

    def __init__(self, territories: Territories) -> None:
        communes = territories.communes
        self.zones = communes["departement"].map(zone_of).to_numpy()
        points = gpd.points_from_xy(communes["x"], communes["y"])
        self.frames = {
            zone: gpd.GeoDataFrame(
                {"position": np.flatnonzero(self.zones == zone)},
                geometry=points[self.zones == zone],
            )
            for zone in pd.unique(self.zones)
        }
        self.points = points
        self.n = len(communes)

    def nearest(self, offer_positions: np.ndarray) -> np.ndarray:
        distance = np.full(self.n, np.nan)
        for zone, frame in self.frames.items():
            there = offer_positions[self.zones[offer_positions] == zone]
            if not len(there):
                continue
            offers = gpd.GeoDataFrame(geometry=self.points[there])
            joined = gpd.sjoin_nearest(frame, offers, distance_col="d")
            joined = joined[~joined.index.duplicated()]  # ties give several rows
            distance[joined["position"].to_numpy()] = joined["d"].to_numpy()
        return distance / 1000


def offer_positions(access: Accessibility, grid: _Grid, **query: object) -> np.ndarray:
    ids = access.offers.index[access._select(**query)]
    return grid.index.get_indexer(access.offers.loc[ids, "commune_code"])


def synthetic(territories: Territories, size: int) -> Ecosystem:
    """``size`` incubators in communes drawn at random (mainland and overseas alike)."""
    rng = np.random.default_rng(SEED)
    codes = territories.communes["code"].to_numpy()
    chosen = rng.choice(len(codes), size=size, replace=False)
    return Ecosystem(
        [
            Structure(
                id=f"s{i}",
                name=f"S{i}",
                kind="support_structure",
                dispositifs=["incubateur"],
                territory_level="commune",
                territory_codes=[codes[p]],
                commune_code=codes[p],
            )
            for i, p in enumerate(chosen)
        ],
        territories=territories,
    )


def row(label: str, ours: float, baseline: float | None, name: str = "") -> None:
    ratio = f"{baseline / ours:.1f}×" if baseline else ""
    base = f"{baseline:10.1f} ms  {name}" if baseline else ""
    print(f"{label:<48} {ours:8.2f} ms {ratio:>9}   {base}")


def main() -> int:
    territories = default_territories()
    eco = load_ecosystem(territories=territories)
    n = len(territories.communes)
    print(f"Python {sys.version.split()[0]}, {n} communes, {len(eco)} structures, median of {RUNS}")
    print(f'(baselines: median of {BASELINE_RUNS}; "nearest" rebuilds its trees every run)\n')
    print(f"{'':<48} {'fresque':>11} {'speed-up':>9}   baseline")

    grid_ms = median_ms(lambda: _Grid(territories), runs=5)
    build_ms = median_ms(lambda: Accessibility(eco))
    row("communes per zone (once per Territories)", grid_ms, None)
    row("Accessibility(eco): find located offers", build_ms, None)

    access = Accessibility(eco)
    grid = access._grid
    brute = BruteForce(territories)
    sjoin = SjoinNearest(territories)

    keys = [("dispositif", "incubateur"), ("stage", "creation"), ("dispositif", "dla_porteur")]
    for facet, key in keys:
        positions = offer_positions(access, grid, **{facet: key})
        ours = access.nearest(**{facet: key})
        np.testing.assert_allclose(ours["distance_km"], brute.nearest(positions), equal_nan=True)
        np.testing.assert_allclose(ours["distance_km"], sjoin.nearest(positions), equal_nan=True)

        def cold(facet: str = facet, key: str = key) -> None:
            access._results.clear()
            access._trees.clear()
            access.nearest(**{facet: key})

        ours_ms = median_ms(cold)
        label = f"nearest {key} ({len(positions)} offers)"
        row(
            label,
            ours_ms,
            median_ms(lambda p=positions: brute.nearest(p), BASELINE_RUNS),
            "numpy brute force",
        )
        row(
            "",
            ours_ms,
            median_ms(lambda p=positions: sjoin.nearest(p), BASELINE_RUNS),
            "sjoin_nearest",
        )
    row(
        "nearest, same query again (result cached)",
        median_ms(lambda: access.nearest(dispositif="incubateur")),
        None,
    )

    every = [
        (f, m.value) for f, enum in (("dispositif", Dispositif), ("stage", Stage)) for m in enum
    ]

    def all_keys() -> None:
        fresh = Accessibility(eco)
        fresh.nearest_all()

    def all_keys_brute() -> None:
        for facet, key in every:
            brute.nearest(offer_positions(access, grid, **{facet: key}))

    row(
        f"nearest_offers_all: {len(every)} keys, from scratch",
        median_ms(all_keys, 5),
        median_ms(all_keys_brute, BASELINE_RUNS),
        "numpy brute force, key by key",
    )

    near = access.nearest(dispositif="incubateur")
    table = access.nearest_all()
    row(
        "population_beyond, one key, départements",
        median_ms(lambda: population_beyond(near, territories=territories)),
        None,
    )
    row(
        f"population_beyond, {len(every)} keys ({len(table)} rows)",
        median_ms(lambda: population_beyond(table, territories=territories), 5),
        None,
    )

    print("\nMore offers (synthetic incubators in random communes):")
    for size in SYNTHETIC_SIZES:
        many = Accessibility(synthetic(territories, size))
        positions = offer_positions(many, grid, dispositif="incubateur")
        ours = many.nearest(dispositif="incubateur")
        np.testing.assert_allclose(ours["distance_km"], brute.nearest(positions), equal_nan=True)

        def cold_many(many: Accessibility = many) -> None:
            many._results.clear()
            many._trees.clear()
            many.nearest(dispositif="incubateur")

        ours_ms = median_ms(cold_many)
        row(
            f"nearest, {size} offers",
            ours_ms,
            median_ms(lambda p=positions: brute.nearest(p), BASELINE_RUNS),
            "numpy brute force",
        )
        row(
            "",
            ours_ms,
            median_ms(lambda p=positions: sjoin.nearest(p), BASELINE_RUNS),
            "sjoin_nearest",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
