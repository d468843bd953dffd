"""Reading the formats people actually have: Excel CSV, Kumu, PRSM, JSON blueprints."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from fresque.io import DatasetValidationError, read_records, read_tables
from fresque.io.tables import detect_format
from fresque.io.validate import cell_text, parse_date
from fresque.model import Dispositif, Kind, Level, Relation, Theme

GOOD = Path(__file__).parent / "data" / "good"


@pytest.mark.parametrize("name", ["excel_cp1252.csv", "excel_utf8_bom.csv"])
def test_excel_style_csv_is_mended(name: str) -> None:
    records = read_records(GOOD / name)
    by_id = {s.id: s for s in records.structures}
    assert list(by_id) == ["dla01", "dla29", "dla2a", "tag29"]
    ain = by_id["dla01"]
    assert ain.name == "DLA de l’Ain"  # the apostrophe survived cp1252
    assert ain.kind is Kind.SUPPORT_STRUCTURE
    assert ain.dispositifs == [Dispositif.DLA_DEPARTEMENTAL]
    assert (ain.territory_level, ain.territory_codes) == (Level.DEPARTEMENT, ["01"])
    assert ain.themes == [Theme.EMPLOI, Theme.GOUVERNANCE]  # "," inside a ";" file
    assert ain.commune_code == "01053"  # Bourg-en-Bresse, by name
    assert ain.last_verified == date(2024, 3, 1)  # day first
    assert ain.description.startswith("=somme")  # read as text, never evaluated
    assert by_id["dla29"].territory_codes == ["29"]  # 29.0
    assert by_id["dla29"].last_verified == date(2024, 3, 1)
    assert by_id["dla2a"].territory_codes == ["2A"]  # " 2a "
    assert by_id["dla2a"].description == "Ajaccio ; Porto-Vecchio"  # free text is not split
    tag = by_id["tag29"]
    assert tag.territory_codes == ["29"]  # "Finistère" at the département level
    assert tag.dispositifs == [Dispositif.INCUBATEUR, Dispositif.FABRIQUE_A_INITIATIVES]
    assert records.links == []


def test_both_encodings_read_the_same() -> None:
    assert read_records(GOOD / "excel_cp1252.csv") == read_records(GOOD / "excel_utf8_bom.csv")


def test_kumu_workbook_links_by_label_and_splits_targets() -> None:
    records = read_records(GOOD / "kumu.xlsx")
    assert [s.id for s in records.structures] == ["avise", "tag29", "cress_bretagne"]
    assert records.structures[0].territory_codes == ["FR"]
    assert records.structures[2].territory_codes == ["53"]  # "Bretagne" at région level
    keys = [(k.source, k.target, k.relation) for k in records.links]
    assert keys == [
        ("avise", "tag29", Relation.ANIMATES),
        ("avise", "cress_bretagne", Relation.ANIMATES),
        ("cress_bretagne", "tag29", Relation.PARTNERS_WITH),
    ]


def test_kumu_ignores_sheets_marked_ignore() -> None:
    tables, problems = read_tables(GOOD / "kumu.xlsx")
    assert [t.sheet for t in tables] == ["Elements", "Connections"] and not problems


def test_prsm_workbook() -> None:
    records = read_records(GOOD / "prsm.xlsx")
    assert [(s.id, s.territory_level.value) for s in records.structures] == [
        ("avise", "country"),
        ("tag29", "departement"),
        ("cress_bretagne", "region"),
    ]
    assert records.structures[0].description == "Agence"  # PRSM's Note
    assert [k.relation for k in records.links] == [Relation.ANIMATES, Relation.PARTNERS_WITH]


def test_kumu_blueprint_json_with_nested_attributes() -> None:
    records = read_records(GOOD / "kumu_blueprint.json")
    assert [s.id for s in records.structures] == ["avise", "tag29"]
    assert records.structures[0].description == "Agence nationale"
    assert records.links[0].key == ("avise", "tag29", Relation.ANIMATES)


def test_a_csv_of_links_may_point_to_known_structures(tmp_path: Path) -> None:
    path = tmp_path / "liens.csv"
    path.write_text("de;vers;type de lien\navise;tag29;finance\n", encoding="utf-8")
    with pytest.raises(DatasetValidationError) as caught:
        read_records(path)
    assert caught.value.problems[0].column == "de"
    records = read_records(path, known_ids={"avise", "tag29"})
    assert records.links[0].key == ("avise", "tag29", Relation.FUNDS)


def test_a_folder_in_the_canonical_format(tmp_path: Path) -> None:
    folder = tmp_path / "dataset"
    folder.mkdir()
    shutil.copy(GOOD / "excel_cp1252.csv", folder / "structures.csv")
    (folder / "links.csv").write_text("source,target,relation\ndla29,tag29,partners_with\n")
    (folder / "README.csv").write_text("not,a,table\n")  # unknown names are skipped
    records = read_records(folder)
    assert len(records.structures) == 4 and len(records.links) == 1


def test_lists_inside_cells_accept_the_usual_separators(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "id,name,kind,dispositifs,territory_level,territory_codes,sources\n"
        'a,A,network,"incubateur; CAE",departement,"29|56","https://a.fr, https://b.fr"\n'
        'b,B,network,"Support to cooperatives (Scop, Scic), Incubator",region,"53, 52",\n'
        "c,C,network,Pépinière\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetValidationError) as caught:
        read_records(path)
    [problem] = caught.value.problems  # c has no territory
    assert (problem.row, problem.column) == (4, "territory_level")
    path.write_text(path.read_text().replace("c,C,network,Pépinière\n", ""))
    a, b = read_records(path).structures
    assert [d.value for d in a.dispositifs] == ["incubateur", "cae"]
    assert a.territory_codes == ["29", "56"]
    assert a.source_urls == ["https://a.fr", "https://b.fr"]
    assert [d.value for d in b.dispositifs] == ["scop_scic", "incubateur"]
    assert b.territory_codes == ["53", "52"]  # régions, not départements Mayenne and Marne


def test_every_problem_of_a_file_is_collected(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "id,name,kind,territory_level,territory_codes,website\n"
        "a,A,foo,departement,29,\n"
        "b,,network,departement,99,http//x\n"
        "a,A2,network,national,,\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetValidationError) as caught:
        read_records(path)
    places = [(p.row, p.column) for p in caught.value.problems]
    assert places == [(2, "kind"), (3, "name"), (3, "territory_codes"), (3, "website"), (4, "id")]


def test_format_detection_by_content(tmp_path: Path) -> None:
    shutil.copy(GOOD / "kumu.xlsx", tmp_path / "export")
    shutil.copy(GOOD / "kumu_blueprint.json", tmp_path / "blueprint")
    assert detect_format(tmp_path / "export") == "xlsx"
    assert detect_format(tmp_path / "blueprint") == "json"
    assert len(read_records(tmp_path / "export").structures) == 3


def test_missing_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(DatasetValidationError) as caught:
        read_records(tmp_path / "nope.csv")
    assert "introuvable" in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1, "1"),
        (29.0, "29"),
        ("  2a ", "2a"),
        ("'=1+1", "=1+1"),
        ("'abc", "'abc"),
        (date(2024, 1, 2), "2024-01-02"),
        (float("nan"), ""),
        ("a\r\nb", "a\nb"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_parse_date_rejects_impossible_dates() -> None:
    with pytest.raises(ValueError, match="date valide"):
        parse_date("31/02/2024")


def test_a_link_by_an_ambiguous_name_asks_for_the_id(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "structures"
    for row in (
        ["id", "nom", "type", "échelon"],
        ["dla_a", "DLA", "réseau", "national"],
        ["dla_b", "DLA", "réseau", "national"],
        ["avise", "Avise", "réseau", "national"],
    ):
        ws.append(row)
    links = book.create_sheet("liens")
    links.append(["de", "vers", "relation"])
    links.append(["Avise", "DLA", "anime"])
    book.save(tmp_path / "x.xlsx")
    with pytest.raises(DatasetValidationError) as caught:
        read_records(tmp_path / "x.xlsx")
    [problem] = caught.value.errors
    assert (problem.sheet, problem.row, problem.column) == ("liens", 2, "vers")
    assert "dla_a, dla_b" in problem.message
    # the two national "DLA" are shown too, as probable duplicates (a warning)
    [warning] = caught.value.warnings
    assert (warning.sheet, warning.row, warning.column) == ("structures", 3, "nom")
    assert "doublon probable de la ligne 2" in warning.message


def test_an_oversized_csv_cell_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("id,name\na," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(DatasetValidationError) as caught:
        read_records(path)
    [problem] = caught.value.problems
    assert problem.row is None and "CSV illisible" in problem.message


def test_no_territory_column_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("id,name,kind\na,A,network\nb,B,network\n", encoding="utf-8")
    with pytest.raises(DatasetValidationError) as caught:
        read_records(path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "territory_level")]
