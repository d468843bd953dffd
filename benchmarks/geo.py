"""Measure the reference geography: Territories load time, resolve throughput, GeoJSON sizes.

Run ``python benchmarks/geo.py`` from the repository root once ``data/geo`` is built.
Throughput is compared with a naive baseline run on the same queries: a linear scan of
every code, name or postal code with the same normalisation, which is what a resolver
without indexes does. Figures only, no assertions.
"""

from __future__ import annotations

import contextlib
import gzip
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from fresque.geo.codes import InvalidCodeError, normalize_code
from fresque.geo.territories import Territories, TerritoryError, normalize_name
from fresque.paths import geo_dir

RUNS = 7
QUERIES = 2_000
BASELINE_QUERIES = 200
SEED = 2026


def median_seconds(action: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of ``runs`` calls of ``action``."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def cold_start_seconds(runs: int = 3) -> float:
    """Median time of a new Python process that imports the module and loads the data."""
    code = (
        "import time; start = time.perf_counter();"
        "from fresque.geo.territories import Territories; Territories.load();"
        "print(time.perf_counter() - start)"
    )
    timings = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(timings)


def per_second(resolve: Callable[[str], object], queries: Sequence[str]) -> float:
    """Queries answered per second (a query that raises counts as answered)."""
    start = time.perf_counter()
    for query in queries:
        with contextlib.suppress(TerritoryError):
            resolve(query)
    return len(queries) / (time.perf_counter() - start)


class NaiveResolver:
    """Linear scans over plain lists: the baseline a resolver without indexes would be."""

    def __init__(self, territories: Territories) -> None:
        communes = territories.communes
        table = territories.table
        self.places = [("commune", c) for c in communes["code"]] + list(
            zip(table["level"], table["code"], strict=True)
        )
        names = list(communes["name"]) + list(table["name"])
        self.names = [normalize_name(name) for name in names]
        self.postal = list(
            zip(
                territories.postal_codes["postal_code"],
                territories.postal_codes["commune"],
                strict=True,
            )
        )

    def by_code(self, text: str) -> list[tuple[str, str]]:
        try:
            code = normalize_code(text)
        except InvalidCodeError:
            return []
        return [place for place in self.places if place[1] == code]

    def by_name(self, text: str) -> list[tuple[str, str]]:
        key = normalize_name(text)
        return [place for place, name in zip(self.places, self.names, strict=True) if name == key]

    def by_postal_code(self, text: str) -> list[str]:
        return [commune for postal, commune in self.postal if postal == text]


def make_queries(territories: Territories, rng: random.Random) -> dict[str, list[str]]:
    """Realistic inputs: codes as sheets spoil them, names as people type them."""
    communes = territories.communes
    table = territories.table
    code_pool = list(communes["code"]) + list(table.loc[table["level"] == "epci", "code"])
    codes = [rng.choice(code_pool) for _ in range(QUERIES)]
    codes = [code.lstrip("0") if rng.random() < 0.3 else code for code in codes]
    names = []
    for name in rng.choices(list(communes["name"]), k=QUERIES):
        spoiled = name.replace("Saint-", "St ") if rng.random() < 0.5 else name
        names.append(spoiled.lower() if rng.random() < 0.5 else spoiled)
    postal = rng.choices(sorted(set(territories.postal_codes["postal_code"])), k=QUERIES)
    return {"codes": codes, "names": names, "postal codes": postal}


def geojson_sizes() -> list[tuple[str, int, int]]:
    """Raw and gzip sizes of each data/geo/*.geojson, in bytes."""
    sizes = []
    for path in sorted(geo_dir().glob("*.geojson")):
        raw = path.read_bytes()
        sizes.append((path.name, len(raw), len(gzip.compress(raw, compresslevel=6))))
    return sizes


def main() -> None:
    rng = random.Random(SEED)
    print(f"data: {geo_dir()}")

    load = median_seconds(Territories.load)
    print(
        f"\nTerritories.load(), median of {RUNS} fresh loads in one process: {load * 1000:.0f} ms"
    )
    print(f"new process, import + load, median of 3: {cold_start_seconds() * 1000:.0f} ms")

    territories = Territories.load()
    naive_start = time.perf_counter()
    naive = NaiveResolver(territories)
    naive_build = time.perf_counter() - naive_start
    print(f"naive baseline set-up (normalising every name once): {naive_build * 1000:.0f} ms")

    queries = make_queries(territories, rng)
    baselines = {
        "codes": naive.by_code,
        "names": naive.by_name,
        "postal codes": naive.by_postal_code,
    }
    print(f"\nresolve throughput ({QUERIES} queries; baseline on the first {BASELINE_QUERIES})")
    print(f"{'input':<14}{'Territories /s':>16}{'naive scan /s':>16}{'ratio':>10}")
    for kind, sample in queries.items():
        fast = per_second(territories.resolve, sample)
        slow = per_second(baselines[kind], sample[:BASELINE_QUERIES])
        print(f"{kind:<14}{fast:>16,.0f}{slow:>16,.0f}{fast / slow:>9,.0f}×")

    typo = ["Finistre", "Morlai", "Sainte-Seve-la-Grande", "Brestt", "Quimpre"]
    suggest = median_seconds(lambda: [territories.suggest(text) for text in typo], runs=3)
    print(f"\nunknown name with suggestions (difflib): {suggest / len(typo) * 1000:.0f} ms each")

    print("\nGeoJSON sizes")
    print(f"{'file':<24}{'raw KB':>10}{'gzip KB':>10}{'gzip/raw':>10}")
    for name, raw, zipped in geojson_sizes():
        print(f"{name:<24}{raw / 1024:>10,.0f}{zipped / 1024:>10,.0f}{zipped / raw:>10.0%}")


if __name__ == "__main__":
    main()
