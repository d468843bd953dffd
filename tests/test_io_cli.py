"""``fresque validate``, ``fresque import``, ``fresque export`` and the readable sheet of
``fresque coverage``."""

from __future__ import annotations

from pathlib import Path

import pytest

from fresque.cli import main
from fresque.io import Records, read_records, write_csv_dir
from fresque.model import Link, Structure

BAD = Path(__file__).parent / "data" / "bad"
GOOD = Path(__file__).parent / "data" / "good"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "ecosystem"
    write_csv_dir(
        Records(
            [
                Structure(
                    id="tag29",
                    name="TAg29",
                    kind="support_structure",
                    territory_level="departement",
                    territory_codes=["29"],
                ),
                Structure(id="avise", name="Avise", kind="network", territory_level="national"),
            ],
            [Link(source="avise", target="tag29", relation="animates")],
        ),
        folder,
    )
    return folder


def test_validate_prints_the_problems_as_a_table_and_exits_1(capsys, dataset: Path) -> None:
    code = main(["validate", str(BAD / "excel_style.csv"), "--base", str(dataset)])
    out, err = capsys.readouterr()
    assert code == 1
    header, rule, row = out.splitlines()[:3]
    assert header.split() == ["Fichier", "Feuille", "Ligne", "Colonne", "Valeur", "Problème"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert row.split()[:4] == ["excel_style.csv", "5", "Département", "2c"]
    assert "1 problème" in err


def test_validate_a_good_file(capsys, dataset: Path) -> None:
    assert main(["validate", str(GOOD / "kumu.xlsx"), "--base", str(dataset)]) == 0
    assert "Aucun problème : 3 structures et 3 liens" in capsys.readouterr().out


def test_validate_links_against_the_dataset(capsys, dataset: Path, tmp_path: Path) -> None:
    links = tmp_path / "liens.csv"
    links.write_text("source,target,relation\ntag29,avise,member_of\n")
    assert main(["validate", str(links), "--base", str(dataset)]) == 0
    assert main(["validate", str(links), "--alone"]) == 1


def test_import_merges_and_lists_what_changed(capsys, dataset: Path) -> None:
    code = main(["import", str(GOOD / "kumu.xlsx"), "--into", str(dataset)])
    out = capsys.readouterr().out
    assert code == 0
    assert "+ structure ajoutée : cress_bretagne" in out
    assert "~ structure modifiée : tag29" in out
    assert "kind : « support_structure » → « network »" in out
    records = read_records(dataset)
    assert {s.id for s in records.structures} == {"avise", "tag29", "cress_bretagne"}
    assert len(records.links) == 3


def test_import_is_all_or_nothing(capsys, dataset: Path) -> None:
    before = {p.name: p.read_bytes() for p in dataset.iterdir()}
    assert main(["import", str(BAD / "duplicate_link.xlsx"), "--into", str(dataset)]) == 1
    assert {p.name: p.read_bytes() for p in dataset.iterdir()} == before


def test_import_dry_run_writes_nothing(capsys, dataset: Path) -> None:
    before = {p.name: p.read_bytes() for p in dataset.iterdir()}
    assert main(["import", str(GOOD / "prsm.xlsx"), "--into", str(dataset), "--dry-run"]) == 0
    assert "Essai" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in dataset.iterdir()} == before


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("csv", "out"),
        ("xlsx", "out.xlsx"),
        ("json", "out.json"),
        ("kumu", "kumu.xlsx"),
        ("graphml", "out.graphml"),
        ("gexf", "out.gexf"),
        ("geojson", "out.geojson"),
    ],
)
def test_export_every_format(fmt: str, name: str, capsys, dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / name
    assert main(["export", "--format", fmt, "--out", str(out), "--from", str(dataset)]) == 0
    assert out.exists()
    assert "écrit" in capsys.readouterr().out


def test_export_guesses_the_format_from_the_extension(dataset: Path, tmp_path: Path) -> None:
    assert main(["export", "--out", str(tmp_path / "r.json"), "--from", str(dataset)]) == 0
    assert read_records(tmp_path / "r.json") == read_records(dataset)
    assert main(["export", "--out", str(tmp_path / "r.pdf"), "--from", str(dataset)]) == 2


# --- fresque coverage: the readable sheet ----------------------------------------------


def test_coverage_lisible_csv_speaks_french_and_keeps_the_codes(capsys) -> None:
    """``--lisible``: French headers, names, the legend's status words, offers by name,
    then the stable codes; the summary line names the statuses in words."""
    import csv
    import io

    from fresque.coverage import compute_coverage, gap_report
    from fresque.ecosystem import load_ecosystem
    from fresque.i18n import label
    from fresque.model import CoverageStatus

    argv = ["coverage", "--stage", "creation", "--region", "53", "--lisible"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    eco = load_ecosystem()
    report = gap_report(compute_coverage(eco), "departement", stage="creation", region="53")
    assert [r["Code territoire"] for r in rows] == list(report["code"])
    assert {r["Région"] for r in rows} == {"Bretagne"}
    assert {r["Territoire"] for r in rows} == {
        "Côtes-d'Armor",
        "Finistère",
        "Ille-et-Vilaine",
        "Morbihan",
    }
    for row, (_, expected) in zip(rows, report.iterrows(), strict=True):
        assert row["Statut"] == label(CoverageStatus(expected["status"]), "fr")
        assert row["Code statut"] == expected["status"]
        ids = row["Identifiants des offres"].split(" ; ")
        assert sorted(ids) == sorted(expected["offers"].split("|"))
        assert row["Offres locales (noms)"].split(" ; ") == [eco.get(i).name for i in ids]
    words = ", ".join(
        f"{label(s, 'fr').lower()} {n}"
        for s in CoverageStatus
        if (n := int((report["status"] == s.value).sum()))
    )
    assert err.strip() == f"4 lignes ({words})"
    assert "covered" not in err


def test_coverage_xlsx_is_readable_by_default_and_raw_on_demand(tmp_path: Path, capsys) -> None:
    import openpyxl

    out = tmp_path / "dla.xlsx"
    assert (
        main(["coverage", "--dispositif", "dla_departemental", "--region", "53", "--out", str(out)])
        == 0
    )
    assert "4 lignes (" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(out).active
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Région", "Département", "Territoire"]
    assert "Statut" in headers and "Code statut" in headers
    codes = [row[headers.index("Code territoire")] for row in sheet.iter_rows(2, values_only=True)]
    assert sorted(codes) == ["22", "29", "35", "56"]  # text cells
    raw = tmp_path / "raw.xlsx"
    argv = ["coverage", "--dispositif", "dla_departemental", "--region", "53", "--brut"]
    assert main([*argv, "--out", str(raw)]) == 0
    assert [c.value for c in openpyxl.load_workbook(raw).active[1]][:3] == [
        "region",
        "region_name",
        "rank",
    ]


def test_coverage_lisible_geojson_is_refused_in_french(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.geojson"
    assert main(["coverage", "--stage", "creation", "--lisible", "--out", str(out)]) == 2
    assert "--lisible vaut pour csv et xlsx" in capsys.readouterr().err
    assert not out.exists()
