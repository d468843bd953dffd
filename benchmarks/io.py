"""Measure the io layer: loading the national dataset, validating a 10,000-row spreadsheet.

Run ``python benchmarks/io.py`` from the repository root. Each figure is set beside a plain
pandas read of the same file (no validation, no territory lookup, no records), with the
ratio: what validation costs on top of merely parsing the file. Figures only, no
assertions. The geography is loaded once beforehand and not counted.
"""

from __future__ import annotations

import csv
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from fresque.geo.territories import default_territories
from fresque.io import DatasetValidationError, read_records
from fresque.paths import data_dir

RUNS = 5
ROWS = 10_000
SEED = 2026

HEADERS = [
    "Identifiant", "Nom", "Type", "Dispositifs", "Étapes", "Thèmes", "Échelon",
    "Territoires", "Commune", "Site web", "Statut", "Sources", "Confiance", "Vérifié le",
    "Description",
]  # fmt: skip


def median_seconds(action: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time of ``runs`` calls of ``action``."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def spreadsheet_rows(count: int, seed: int = SEED) -> list[list[object]]:
    """Rows as people type them: labels, French names, codes that lost their zeros."""
    territories = default_territories()
    rng = random.Random(seed)
    departements = [t for t in territories.children("FR", "departement")]
    regions = territories.children("FR", "region")
    communes = territories.communes.sample(2_000, random_state=seed)[["code", "name"]]
    commune_cells = [c.lstrip("0") if rng.random() < 0.3 else c for c in communes["code"]]
    kinds = ["Structure d’accompagnement", "Réseau", "financeur", "public_body", "chamber"]
    dispositifs = [
        "Incubateur",
        "CAE",
        "DLA départemental",
        "Fabrique à initiatives",
        "finance_solidaire",
        "Pôle ESS territorial",
        "",
    ]
    stages = ["Émergence", "création", "consolidation", "changement d’échelle", ""]
    themes = ["Emploi", "Transition écologique", "Financement", "numérique", ""]
    rows = []
    for i in range(count):
        level = rng.choice(["departement", "departement", "Région", "national", "commune"])
        if level == "departement":
            d = rng.choice(departements)
            codes = rng.choice(
                [d.code.lstrip("0") or d.code, f"{d.code}.0", d.name, d.code.lower()]
            )
            if d.code in ("2A", "2B"):
                codes = d.code.lower()
        elif level == "Région":
            codes = rng.choice(regions).name
        elif level == "commune":
            codes = rng.choice(commune_cells)
        else:
            codes = "FR"
        rows.append([
            f"s{i:05d}",
            f"Structure {i} — {rng.choice(['Le Relais', 'Ess’Or', 'Coop’Actif'])}",
            rng.choice(kinds),
            ", ".join(sorted({rng.choice(dispositifs) for _ in range(2)} - {""})),
            rng.choice(stages),
            "|".join(sorted({rng.choice(themes) for _ in range(2)} - {""})),
            level,
            codes,
            rng.choice(commune_cells) if rng.random() < 0.6 else "",
            f"https://exemple-{i}.fr" if rng.random() < 0.5 else "",
            rng.choice(["actif", "active", "attendu"]),
            f"https://source.fr/{i} ; https://autre.fr/{i}",
            rng.choice(["haute", "medium", "Faible"]),
            rng.choice(["01/03/2024", "2023-11-30", ""]),
            "Accompagne les projets ; anime le réseau local.",
        ])  # fmt: skip
    return rows


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("structures")
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    workbook.save(path)


def write_excel_csv(path: Path, rows: list[list[object]]) -> None:
    with open(path, "w", encoding="cp1252", errors="replace", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(rows)


def validate(path: Path) -> int:
    try:
        return len(read_records(path, territories=default_territories()).structures)
    except DatasetValidationError as error:  # counted, not hidden
        print(f"  ! {len(error.problems)} problèmes, par ex. {error.problems[0]}")
        return -1


def line(label: str, ours: float, baseline: float, baseline_label: str) -> None:
    print(
        f"  {label:<38} {ours * 1000:9.1f} ms   {baseline_label:<28} "
        f"{baseline * 1000:8.1f} ms   ×{ours / baseline:6.1f}"
    )


def main() -> int:
    territories = default_territories()  # loaded once, not measured
    national = data_dir() / "ecosystem"
    print(f"fresque io benchmark — Python {sys.version.split()[0]}, médiane de {RUNS} essais")
    print(f"\nJeu national ({national}) :")
    if (national / "structures.csv").exists():
        records = read_records(national, territories=territories)
        ours = median_seconds(lambda: read_records(national, territories=territories))

        def plain() -> None:
            for name in ("structures.csv", "links.csv"):
                pd.read_csv(national / name, dtype=str, keep_default_na=False)

        baseline = median_seconds(plain)
        print(f"  {len(records.structures)} structures, {len(records.links)} liens")
        line("read_records (lu + validé)", ours, baseline, "pandas.read_csv ×2")
        try:
            from fresque.ecosystem import load_ecosystem

            eco = median_seconds(lambda: load_ecosystem(national, territories=territories))
            line("load_ecosystem (+ matrice, graphe)", eco, baseline, "pandas.read_csv ×2")
        except ImportError:
            pass
    else:
        print("  absent : rien à mesurer")

    rows = spreadsheet_rows(ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = Path(tmp) / "atelier.xlsx"
        excel_csv = Path(tmp) / "atelier.csv"
        write_xlsx(xlsx, rows)
        write_excel_csv(excel_csv, rows)
        print(f"\nTableur généré de {ROWS:,} lignes × {len(HEADERS)} colonnes".replace(",", " "))
        print("  (libellés français, codes sans zéro, « 29.0 », « 2a », noms de territoires)")
        for label, path, reader, reader_label in (
            ("XLSX", xlsx, lambda p: pd.read_excel(p, sheet_name="structures", dtype=str),
             "pandas.read_excel"),
            ("CSV ; cp1252", excel_csv,
             lambda p: pd.read_csv(p, sep=";", encoding="cp1252", dtype=str),
             "pandas.read_csv"),
        ):  # fmt: skip
            count = validate(path)
            ours = median_seconds(lambda p=path: validate(p), runs=3)
            baseline = median_seconds(lambda p=path, r=reader: r(p), runs=3)
            print(f"  {label} : {count} structures valides")
            line("read_records (lu + validé)", ours, baseline, reader_label)
            print(f"  {'':<38} {ours / ROWS * 1e6:9.1f} µs par ligne")
    return 0


if __name__ == "__main__":
    sys.exit(main())
