"""A CRESS spreadsheet as coordinators write it, checked row by row (issue #12 §4 and §6).

``tests/data/cress/make_cress.py`` wrote the fixture twice: an XLSX workbook as Excel
saves it and a ``;``-separated cp1252 CSV. Both must give the same outcome: three errors
(two organisations the national dataset already has, a commune still ambiguous), and
warnings that do not block the import.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fresque.cli import main
from fresque.io import DatasetValidationError, read_records
from fresque.io.validate import Problem, Severity
from fresque.model import Dispositif, Kind, Level, Stage
from fresque.paths import data_dir

CRESS = Path(__file__).parent / "data" / "cress"
FILES = ["cress_bretagne.xlsx", "cress_bretagne.csv"]


@pytest.fixture(scope="module")
def national():
    """The national dataset the CRESS file is imported into."""
    return read_records(data_dir() / "ecosystem")


def _outcome(name: str, national) -> list[Problem]:
    with pytest.raises(DatasetValidationError) as caught:
        read_records(CRESS / name, existing=national.structures)
    return caught.value.problems


@pytest.mark.parametrize("name", FILES)
def test_the_outcome_row_by_row(name: str, national) -> None:
    problems = _outcome(name, national)
    by_row = {}
    for p in problems:
        by_row.setdefault(p.row, []).append((p.severity, p.column))
    assert by_row == {
        1: [(Severity.WARNING, "Contact")],  # unknown column: said, not silent
        2: [(Severity.ERROR, "Nom de la structure")],  # France Active Bretagne
        3: [(Severity.ERROR, "Nom de la structure"), (Severity.WARNING, "Type")],  # TAG 29
        4: [(Severity.WARNING, "Territoire d'intervention")],  # EPCI written short
        5: [(Severity.WARNING, "Type")],  # Asso
        6: [(Severity.WARNING, "Type")],  # Association
        8: [(Severity.ERROR, "Commune")],  # Plouhinec, still two communes
        12: [(Severity.WARNING, "Territoire d'intervention")],  # régional chamber, département
        14: [(Severity.WARNING, "Type")],  # Asso
        15: [(Severity.WARNING, "Nom de la structure")],  # its id is urscop_ouest's
    }


@pytest.mark.parametrize("name", FILES)
def test_probable_duplicates_name_the_id_to_merge_into(name: str, national) -> None:
    problems = {(p.row, p.severity): p for p in _outcome(name, national)}
    france_active = problems[(2, Severity.ERROR)]
    assert france_active.value == "France Active Bretagne"
    assert "identifiant « fa_bretagne »" in france_active.message
    assert "indiquez « fa_bretagne » dans une colonne « id »" in france_active.message
    tag = problems[(3, Severity.ERROR)]
    assert tag.value == "TAG 29"
    assert "« TAg29 »" in tag.message and "indiquez « tag29 »" in tag.message


@pytest.mark.parametrize("name", FILES)
def test_the_warnings_say_what_was_understood(name: str, national) -> None:
    problems = {(p.row, p.column): p for p in _outcome(name, national) if p.is_warning}
    assert "colonne « Contact » ignorée" in problems[(1, "Contact")].message
    assert problems[(3, "Type")].value == "Asso"
    assert "lu comme « Structure d’accompagnement »" in problems[(3, "Type")].message
    epci = problems[(4, "Territoire d'intervention")]
    assert epci.value == "Guingamp-Paimpol Agglomération"
    assert "EPCI 200067981" in epci.message
    urscop = problems[(15, "Nom de la structure")]
    assert "« urscop_ouest », est celui de « Les Scop de l'Ouest" in urscop.message
    chamber = problems[(12, "Territoire d'intervention")]
    assert (
        "structure régionale" in chamber.message and "la région Bretagne (53) ?" in chamber.message
    )


@pytest.mark.parametrize("name", FILES)
def test_the_ambiguous_commune_lists_its_candidates(name: str, national) -> None:
    [plouhinec] = [p for p in _outcome(name, national) if p.row == 8]
    assert plouhinec.value == "Plouhinec"
    assert "Plouhinec (29), Plouhinec (56)" in plouhinec.message
    assert "Bretagne (région 53)" in plouhinec.message  # what the row said, not enough


def _fixed(name: str, tmp_path: Path) -> Path:
    """The CRESS file once its coordinator followed the messages: the ids of the two
    organisations the dataset has, and the postal code of Plouhinec (29)."""
    ids = {2: "fa_bretagne", 3: "tag29"}
    if name.endswith(".xlsx"):
        book = load_workbook(CRESS / name)
        sheet = book.active
        sheet.insert_cols(1)
        sheet.cell(1, 1, "id")
        for row, ident in ids.items():
            sheet.cell(row, 1, ident)
        postal = [c.value for c in sheet[1]].index("Code postal") + 1
        sheet.cell(8, postal, 29780)
        path = tmp_path / name
        book.save(path)
        return path
    lines = (CRESS / name).read_bytes().decode("cp1252").split("\r\n")
    lines[0] = "id;" + lines[0]
    for number in range(1, len(lines)):
        if lines[number]:
            lines[number] = ids.get(number + 1, "") + ";" + lines[number]
    lines[7] = lines[7].replace(";Plouhinec;;", ";Plouhinec;29780;")
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    return path


@pytest.mark.parametrize("name", FILES)
def test_once_fixed_the_rows_read_as_meant(name: str, tmp_path: Path, national) -> None:
    records = read_records(_fixed(name, tmp_path), existing=national.structures)
    by_name = {s.name: s for s in records.structures}
    assert len(by_name) == 15
    assert by_name["France Active Bretagne"].id == "fa_bretagne"
    tag = by_name["TAG 29"]
    assert tag.id == "tag29" and tag.kind is Kind.SUPPORT_STRUCTURE  # "Asso"
    assert tag.stages == [Stage.IDEATION, Stage.EMERGENCE]  # "Idéation / Émergence"
    assert tag.territory_level is Level.DEPARTEMENT and tag.territory_codes == ["29"]
    assert tag.commune_code == "29151"
    assert by_name["Pôle ESS du Pays de Guingamp"].territory_codes == ["200067981"]
    assert by_name["Rés'ESS Pays de Saint-Brieuc"].stages == [Stage.IDEATION, Stage.EMERGENCE]
    assert by_name["Elan Créateur"].stages == [Stage.CREATION, Stage.CONSOLIDATION]
    assert by_name["Pôle ESS Pays de Ploërmel"].stages == [Stage.IDEATION, Stage.EMERGENCE]
    # communes told apart with the row's other columns
    assert by_name["Cap Sizun Entreprendre"].commune_code == "29197"  # postal code 29780
    assert by_name["Ria d'Étel Initiatives"].commune_code == "56169"  # Morbihan, 56680
    assert by_name["Champs Communs"].commune_code == "35275"  # Ille-et-Vilaine
    assert by_name["Initiative Pays de Morlaix"].commune_code == "29254"  # Morlaix Communauté
    assert by_name["Pôle ESS du Pays de Vitré"].commune_code == "35360"
    # territories by name: their level from the name
    assert (by_name["URSCOP Ouest"].territory_level, by_name["URSCOP Ouest"].territory_codes) == (
        Level.REGION,
        ["53"],
    )
    assert by_name["URSCOP Ouest"].dispositifs == [Dispositif.SCOP_SCIC]
    assert by_name["Lannion-Trégor Communauté"].kind is Kind.PUBLIC_BODY
    # the warnings are still there, with the records
    assert {p.row for p in records.warnings} == {1, 3, 4, 5, 6, 12, 14, 15}


@pytest.mark.parametrize("name", FILES)
def test_import_stops_then_merges_into_the_existing_records(
    name: str, tmp_path: Path, capsys
) -> None:
    dataset = tmp_path / "ecosystem"
    shutil.copytree(data_dir() / "ecosystem", dataset)
    before = {p.name: p.read_bytes() for p in dataset.iterdir()}
    assert main(["import", str(CRESS / name), "--into", str(dataset)]) == 1
    out, err = capsys.readouterr()
    assert "fa_bretagne" in out and "tag29" in out and "avertissement" in out
    assert "3 problèmes (et 8 avertissements) : rien n’a été importé." in err
    assert {p.name: p.read_bytes() for p in dataset.iterdir()} == before

    ids_before = {s.id for s in read_records(dataset).structures}
    fixed = _fixed(name, tmp_path / "fixed")
    assert main(["import", str(fixed), "--into", str(dataset)]) == 0
    out = capsys.readouterr().out
    assert "8 avertissements" in out  # shown, and not blocking
    assert "~ structure modifiée : fa_bretagne" in out
    assert "~ structure modifiée : tag29" in out
    after = read_records(dataset).structures
    added = {s.id for s in after} - ids_before
    assert len(added) == 12  # 15 rows: fa_bretagne, tag29 and urscop_ouest updated
    assert "~ structure modifiée : urscop_ouest" in out
    assert not {s.id for s in after if s.name in ("France Active Bretagne", "TAG 29")} - {
        "fa_bretagne",
        "tag29",
    }


@pytest.fixture(autouse=True)
def _fixed_folder(tmp_path: Path) -> None:
    (tmp_path / "fixed").mkdir()
