"""Importer edges (issue #13, finding 6): empty files and sheets, formula cells.

* An empty file (0 bytes, blank lines only), an empty sheet, or a structures table with
  only its header is an error naming its place; ``fresque validate`` exits non-zero and
  ``fresque import`` writes nothing. A links table with only its header beside
  structures is legitimate (a dataset without links).
* An XLSX cell holding a formula that was never computed (a file written by a program,
  never opened in a spreadsheet) is reported as such: its address (``Structures!B3``),
  its formula text, and what to do. A formula whose value the spreadsheet saved reads
  as that value, an empty one included.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from fresque.cli import main
from fresque.io import DatasetValidationError, Records, read_records, write_csv_dir
from fresque.model import Structure

HEADER = "id,name,kind,territory_level,territory_codes"
ROWS = "tag29,TAg29,support_structure,departement,29\navise,Avise,network,national,\n"


def problems_of(path: Path) -> list:
    with pytest.raises(DatasetValidationError) as caught:
        read_records(path)
    return caught.value.errors


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "ecosystem"
    write_csv_dir(
        Records([Structure(id="avise", name="Avise", kind="network", territory_level="national")]),
        folder,
    )
    return folder


# ---------------------------------------------------------------------------------------
# Empty files and sheets
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("vide.csv", b""),
        ("blancs.csv", b"\n\n   \r\n\t\n"),
        ("bom.csv", b"\xef\xbb\xbf\n"),
        ("vide.xlsx", b""),
        ("vide.json", b"  \n"),
    ],
)
def test_an_empty_file_is_an_error_naming_it(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    [problem] = problems_of(path)
    assert (problem.file, problem.sheet, problem.row) == (name, "", None)
    assert "fichier vide" in problem.message


def test_a_structures_csv_with_only_its_header_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "structures.csv"
    path.write_text(HEADER + "\n")
    [problem] = problems_of(path)
    assert (problem.file, problem.row) == ("structures.csv", 1)
    assert "aucune structure" in problem.message


def test_a_links_csv_alone_with_only_its_header_has_nothing_to_import(tmp_path: Path) -> None:
    path = tmp_path / "liens.csv"
    path.write_text("source,target,relation\n")
    [problem] = problems_of(path)
    assert (problem.file, problem.row) == ("liens.csv", 1)
    assert "aucun lien" in problem.message


def test_a_folder_whose_links_csv_has_only_its_header_is_a_dataset_without_links(
    tmp_path: Path,
) -> None:
    (tmp_path / "structures.csv").write_text(HEADER + "\n" + ROWS)
    (tmp_path / "links.csv").write_text("source,target,relation\n")
    records = read_records(tmp_path)
    assert sorted(records.structure_ids) == ["avise", "tag29"]
    assert records.links == []


@pytest.mark.parametrize(
    ("structures", "reason", "row"),
    [(HEADER + "\n", "aucune structure", 1), ("", "fichier vide", None)],
)
def test_a_folder_whose_structures_csv_is_empty_is_an_error(
    tmp_path: Path, structures: str, reason: str, row: int | None
) -> None:
    (tmp_path / "structures.csv").write_text(structures)
    (tmp_path / "links.csv").write_text("source,target,relation\n")
    [problem] = problems_of(tmp_path)
    assert (problem.file, problem.row) == ("structures.csv", row)
    assert reason in problem.message


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


STRUCTURE_ROWS = [HEADER.split(","), *[line.split(",") for line in ROWS.splitlines()]]


def test_an_empty_sheet_is_an_error_naming_the_file_and_the_sheet(tmp_path: Path) -> None:
    path = workbook(tmp_path / "atelier.xlsx", {"structures": STRUCTURE_ROWS, "links": []})
    [problem] = problems_of(path)
    assert (problem.file, problem.sheet, problem.row) == ("atelier.xlsx", "links", None)
    assert "feuille vide" in problem.message


def test_a_structures_sheet_with_only_its_header_is_an_error(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "atelier.xlsx",
        {"structures": [STRUCTURE_ROWS[0]], "links": [["source", "target", "relation"]]},
    )
    [problem] = problems_of(path)
    assert (problem.file, problem.sheet, problem.row) == ("atelier.xlsx", "structures", 1)
    assert "aucune structure" in problem.message


def test_a_links_sheet_with_only_its_header_is_legitimate(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "atelier.xlsx",
        {"structures": STRUCTURE_ROWS, "links": [["source", "target", "relation"]]},
    )
    assert len(read_records(path).structures) == 2


def test_an_empty_json_structures_list_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "atelier.json"
    path.write_text('{"structures": [], "links": []}')
    [problem] = problems_of(path)
    assert (problem.file, problem.sheet) == ("atelier.json", "structures")
    assert "aucune structure" in problem.message


def test_validate_an_empty_csv_exits_non_zero(tmp_path: Path, capsys) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert main(["validate", str(path), "--alone"]) == 1
    out, err = capsys.readouterr()
    assert "empty.csv" in out and "fichier vide" in out
    assert "Aucun problème" not in out
    assert "1 problème" in err


def test_import_of_an_empty_file_writes_nothing(tmp_path: Path, dataset: Path, capsys) -> None:
    before = {p.name: p.read_bytes() for p in dataset.iterdir()}
    for name, content in (("empty.csv", ""), ("structures.csv", HEADER + "\n")):
        path = tmp_path / name
        path.write_text(content)
        assert main(["import", str(path), "--into", str(dataset)]) == 1
        assert "rien n’a été importé" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in dataset.iterdir()} == before


# ---------------------------------------------------------------------------------------
# Formula cells
# ---------------------------------------------------------------------------------------

FORMULA = '=CONCAT("Incubateur ",D3)'


def formula_workbook(path: Path) -> Path:
    """Row 3's name is a formula, and so is row 2's website (an optional column), as
    openpyxl writes them: no computed value."""
    return workbook(
        path,
        {
            "Structures": [
                ["id", "name", "kind", "territory_level", "territory_codes", "website"],
                ["tag29", "TAg29", "support_structure", "departement", "29", '=IF(1=1,"","x")'],
                ["tag22", FORMULA, "support_structure", "departement", "22", None],
            ]
        },
    )


def with_cached_values(path: Path, values: dict[str, str]) -> Path:
    """Write a computed value into the formula cells ``values`` names (address → text),
    as Excel or LibreOffice save it: ``<c r="B3" t="str"><f>…</f><v>text</v></c>``."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for address, text in values.items():
        sheet, count = re.subn(
            rf'<c r="{address}"([^>]*)><f>(.*?)</f><v\s*/>',
            rf'<c r="{address}"\1 t="str"><f>\2</f><v>{text}</v>',
            sheet,
        )
        assert count == 1, address
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_formula_without_value_is_reported_as_a_formula(tmp_path: Path) -> None:
    path = formula_workbook(tmp_path / "atelier.xlsx")
    problems = problems_of(path)
    assert len(problems) == 2, [str(p) for p in problems]
    website, name = problems  # in row order
    assert (name.file, name.sheet, name.row, name.column) == (
        "atelier.xlsx",
        "Structures",
        3,
        "name",
    )
    assert name.value == FORMULA
    assert "Structures!B3" in name.message and "formule" in name.message
    assert "LibreOffice" in name.message and "valeurs" in name.message
    assert (website.row, website.column, website.value) == (2, "website", '=IF(1=1,"","x")')
    assert "Structures!F2" in website.message
    assert not any("doit être remplie" in p.message or "obligatoire" in p.message for p in problems)


def test_a_sheet_name_with_spaces_is_quoted_in_the_address(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "Mes structures": [
                ["id", "name", "kind", "territory_level"],
                ["x", "=A2", "network", "national"],
            ]
        },
    )
    [problem] = problems_of(path)
    assert "'Mes structures'!B2" in problem.message


def test_a_formula_with_its_saved_value_reads_the_value(tmp_path: Path) -> None:
    path = with_cached_values(
        formula_workbook(tmp_path / "atelier.xlsx"), {"B3": "Incubateur 22", "F2": ""}
    )
    records = read_records(path)
    tag22 = next(s for s in records.structures if s.id == "tag22")
    assert tag22.name == "Incubateur 22"
    assert next(s for s in records.structures if s.id == "tag29").website is None


def test_a_surveys_csv_with_only_its_header_is_a_template_not_filled_yet(tmp_path: Path) -> None:
    path = tmp_path / "surveys.csv"
    path.write_text("id,territory_level,territory_code,scope,attested_by,date,source\n")
    assert read_records(path).surveys == []


def test_a_dataset_of_ones_own_may_be_empty_yet(tmp_path: Path, capsys) -> None:
    """The target of an import (or of a workshop's merge) may hold no structure yet."""
    dataset = tmp_path / "ecosystem"
    write_csv_dir(Records(), dataset)
    assert read_records(dataset, allow_empty=True) == Records()
    incoming = tmp_path / "nouvelles.csv"
    incoming.write_text(HEADER + "\n" + ROWS)
    assert main(["import", str(incoming), "--into", str(dataset)]) == 0, capsys.readouterr()
    assert sorted(read_records(dataset).structure_ids) == ["avise", "tag29"]
