"""A row read as a whole: communes told apart with the row's other columns, names that
disagree with their territory, probable duplicates of the dataset, and the warnings that
say what was read without blocking the import (issue #12 §4 and §6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fresque.cli import main
from fresque.io import DatasetValidationError, Records, read_records, write_csv_dir
from fresque.io.validate import Problem, Severity, format_problems
from fresque.model import Kind, Level, Stage, Structure


def _csv(tmp_path: Path, text: str, name: str = "acteurs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _errors(path: Path, **kwargs) -> list[Problem]:
    with pytest.raises(DatasetValidationError) as caught:
        read_records(path, **kwargs)
    return caught.value.errors


# --- §4: a commune by name, with the row's département, postal code, région -----------


def test_valence_with_departement_26_is_valence_26(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;commune;département\nDLA 26;réseau;Valence;26\n")
    [structure] = read_records(path).structures
    assert structure.commune_code == "26362"
    assert (structure.territory_level, structure.territory_codes) == (Level.DEPARTEMENT, ["26"])


def test_valence_with_its_postal_code_is_valence_82(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "nom;type;commune;code postal;échelon;territoires\n"
        "Pôle ESS;réseau;Valence;82400;région;Occitanie\n",
    )
    [structure] = read_records(path).structures
    assert structure.commune_code == "82186"


def test_a_postal_code_that_lost_its_leading_zero_still_locates(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;commune;cp;département\nX;réseau;Bourg-en-Bresse;1000;01\n")
    [structure] = read_records(path).structures
    assert structure.commune_code == "01053"


def test_a_commune_still_ambiguous_after_departement_and_postal_code_lists_them(
    tmp_path: Path,
) -> None:
    path = _csv(
        tmp_path,
        "nom;type;commune;code postal;département\n"
        "DLA Charente et Tarn-et-Garonne;réseau;Valence;;16|82\n",
    )
    [problem] = _errors(path)
    assert (problem.row, problem.column, problem.value) == (2, "commune", "Valence")
    assert "Valence (16), Valence (82)" in problem.message
    assert "Valence (26)" not in problem.message  # the département ruled it out
    assert "code postal" in problem.message  # what to add


def test_a_commune_and_a_postal_code_that_disagree_is_an_error(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;commune;code postal;département\nX;réseau;Valence;29600;26\n")
    [problem] = _errors(path)
    assert problem.column == "commune"
    assert "n’a pas le code postal 29600" in problem.message
    assert "Valence (26) : 26000" in problem.message


def test_a_postal_code_alone_gives_the_commune_or_lists_them(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "nom;type;code postal;département\nA;réseau;29780;29\nB;réseau;82400;82\n",
    )
    [problem] = _errors(path)
    assert (problem.row, problem.column) == (3, "code postal")
    assert "couvre 12 communes : Castelsagrat (82), Espalais (82)" in problem.message


def test_communes_served_by_name_are_told_apart_by_the_departement(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "nom;type;communes servies;département\nMairie;collectivité;Plouhinec|Audierne;29\n",
    )
    [structure] = read_records(path).structures
    assert structure.territory_level is Level.COMMUNE
    assert structure.territory_codes == ["29197", "29003"]


# --- §4: a name that disagrees with its territory -------------------------------------


def test_a_regional_chamber_given_a_departement_is_a_warning(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;département\nCRESS Occitanie;chambre;31\n")
    records = read_records(path)
    assert [s.territory_codes for s in records.structures] == [["31"]]  # imported
    [warning] = records.warnings
    assert (warning.row, warning.column, warning.value) == (2, "département", "31")
    assert warning.severity is Severity.WARNING
    assert "structure régionale" in warning.message and "Occitanie (76)" in warning.message


def test_a_name_naming_another_region_is_a_warning(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;région\nFrance Active Bretagne;financeur;Occitanie\n")
    [warning] = read_records(path).warnings
    assert "cite la région Bretagne" in warning.message


def test_names_that_agree_with_their_territory_give_no_warning(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "nom;type;dispositifs;territoire d'intervention\n"
        "CRESS Bretagne;chambre;CRESS;Bretagne\n"
        "DLA départemental du Finistère;réseau;DLA départemental;Finistère\n"
        "France Active Pays de la Loire;financeur;;Loire-Atlantique\n",
    )
    assert read_records(path).warnings == ()


# --- §6: headers, values and separators as people type them ---------------------------


def test_territoire_d_intervention_names_the_territories_and_their_level(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Nom;Type;Territoire d'intervention\n"
        "A;réseau;Bretagne\nB;réseau;Finistère / Morbihan\nC;réseau;Morlaix Communauté\n",
    )
    records = read_records(path)
    assert [(s.territory_level, s.territory_codes) for s in records.structures] == [
        (Level.REGION, ["53"]),  # the région, not the communes named Bretagne (36, 90)
        (Level.DEPARTEMENT, ["29", "56"]),
        (Level.EPCI, ["242900835"]),
    ]
    assert records.warnings == ()


def test_territories_of_different_levels_ask_for_the_level(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Nom;Type;Territoire d'intervention\nA;réseau;Bretagne, Morlaix\n")
    [problem] = _errors(path)
    assert "pas tous du même échelon" in problem.message


@pytest.mark.parametrize(
    "cell",
    [
        "Idéation / Émergence",
        "Idéation/Émergence",
        "Idéation - Émergence",
        "Idéation + Émergence",
        "Idéation & Émergence",
        "Idéation et Émergence",
        "Idéation, Émergence",
        "Idéation ; Émergence",
        "Idéation\nÉmergence",
        "• Idéation • Émergence",
    ],
)
def test_every_usual_separator_splits_a_list_cell(cell: str, tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Nom", "Type", "Étapes accompagnées", "Région"])
    book.active.append(["A", "Réseau", cell, "53"])
    book.save(path)
    [structure] = read_records(path).structures
    assert structure.stages == [Stage.IDEATION, Stage.EMERGENCE]


def test_labels_holding_a_separator_stay_whole(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "nom;type;dispositifs;région\n"
        "A;réseau;Accompagnement des Scop et Scic / ESS et ruralités;53\n",
    )
    [structure] = read_records(path).structures
    assert [d.value for d in structure.dispositifs] == ["scop_scic", "ess_ruralites"]


def test_asso_is_read_as_a_support_organisation_with_a_warning(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;région\nA;Asso;53\nB;Collectivité locale;53\n")
    records = read_records(path)
    assert [s.kind for s in records.structures] == [Kind.SUPPORT_STRUCTURE, Kind.PUBLIC_BODY]
    [warning] = records.warnings  # "Collectivité locale" is certain: no warning
    assert (warning.row, warning.column, warning.value) == (2, "type", "Asso")
    assert "Réseau" in warning.message  # the other values, to correct it


def test_an_epci_written_short_is_read_with_a_warning(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;epci\nA;réseau;Guingamp-Paimpol Agglomération\n")
    records = read_records(path)
    assert records.structures[0].territory_codes == ["200067981"]
    [warning] = records.warnings
    assert "lu comme CA Guingamp-Paimpol Agglomération de l'Armor" in warning.message


def test_a_misspelt_epci_suggests_the_close_ones(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;epci\nA;réseau;Guingam-Paimpol Agglomération\n")
    [problem] = _errors(path)
    assert "Vouliez-vous dire" in problem.message and "200067981" in problem.message


def test_an_unknown_column_is_reported_as_ignored(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;région;Contact\nA;réseau;53;a@b.fr\n")
    records = read_records(path)
    assert len(records.structures) == 1
    [warning] = records.warnings
    assert (warning.row, warning.column, warning.severity) == (1, "Contact", Severity.WARNING)
    assert "ignorée" in warning.message


# --- §6: probable duplicates of the dataset --------------------------------------------

TAG29 = Structure(
    id="tag29",
    name="TAg29",
    kind="support_structure",
    territory_level="departement",
    territory_codes=["29"],
)


def test_a_probable_duplicate_is_an_error_naming_the_id_to_merge_into(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;territoire d'intervention\nTAG 29;Asso;Morlaix Communauté\n")
    [problem] = _errors(path, existing=[TAG29])
    assert (problem.row, problem.column, problem.value) == (2, "nom", "TAG 29")
    assert "« tag29 »" in problem.message and "colonne « id »" in problem.message


def test_the_same_name_elsewhere_is_no_duplicate(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;département\nTAG 29;réseau;22\n")
    [structure] = read_records(path, existing=[TAG29]).structures
    assert structure.id == "tag_29"


def test_the_existing_id_merges(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id;nom;type;département\ntag29;TAG 29;réseau;29\n")
    [structure] = read_records(path, existing=[TAG29]).structures
    assert structure.id == "tag29"


def test_two_rows_of_the_file_for_one_organisation_are_a_warning(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;département\nTAG 29;réseau;29\nTAg29;réseau;29\n")
    records = read_records(path)
    [warning] = records.warnings
    assert (warning.row, warning.column) == (3, "nom")
    assert "doublon probable de la ligne 2" in warning.message


# --- warnings are shown wherever problems are ----------------------------------------


def test_warnings_are_marked_in_the_table_and_in_the_count() -> None:
    warning = Problem("a.csv", "", 1, "Contact", "", "colonne ignorée", Severity.WARNING)
    error = Problem("a.csv", "", 2, "type", "x", "Valeur inconnue.")
    table = format_problems([warning, error])
    assert "avertissement : colonne ignorée" in table
    assert "a.csv             2      type     x       Valeur inconnue." in table
    message = str(DatasetValidationError([warning, error]))
    assert message.startswith("1 problème (et 1 avertissement) dans le jeu de données")


def test_validate_shows_the_warnings_and_succeeds(capsys, tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;région;Contact\nA;Asso;53;a@b.fr\n")
    assert main(["validate", str(path), "--alone"]) == 0
    out = capsys.readouterr().out
    assert out.count("avertissement :") == 2
    assert "2 avertissements : à relire, ils n’empêchent pas l’import." in out
    assert "Aucune erreur : 1 structure et 0 lien valides." in out


def test_import_stops_on_a_duplicate_and_writes_nothing(capsys, tmp_path: Path) -> None:
    folder = tmp_path / "ecosystem"
    write_csv_dir(Records([TAG29]), folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    path = _csv(tmp_path, "nom;type;département\nTAG 29;réseau;29\n")
    assert main(["import", str(path), "--into", str(folder)]) == 1
    assert "tag29" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_the_source_of_the_information_is_read_as_the_sources(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "source,cible,relation,source de l'information\na,b,partenaire,https://ex.org/p\n",
        "liens.csv",
    )
    records = read_records(path, known_ids={"a", "b"})
    assert records.links[0].source_urls == ["https://ex.org/p"]
    assert records.warnings == ()


def test_a_bad_locating_column_is_a_warning_not_silence(tmp_path: Path) -> None:
    path = _csv(tmp_path, "nom;type;territoire d'intervention;département\nA;réseau;Bretagne;2c\n")
    records = read_records(path)
    assert records.structures[0].territory_codes == ["53"]  # served: the région
    [warning] = records.warnings
    assert (warning.row, warning.column, warning.value) == (2, "département", "2c")
    assert "n’aide donc pas à situer la ligne" in warning.message
