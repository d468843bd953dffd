"""Exports of the current selection: CSV, XLSX and the offline network page."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.geo.territories import Territories
from fresque.io.tables import read_records
from fresque.model import Link, Structure
from fresque.views.exports import (
    export_filename,
    links_csv,
    selection_csv,
    selection_html,
    selection_xlsx,
    with_relations,
)

EVIL = '<script>alert("x")</script> & =HYPERLINK("http://evil")'


@pytest.fixture(scope="module")
def evil_eco() -> Ecosystem:
    return Ecosystem(
        [
            Structure(
                id="evil",
                name=EVIL,
                kind="network",
                territory_level="departement",
                territory_codes=["29"],
                description="=1+1 <img src=x onerror=alert(1)>",
            ),
            Structure(
                id="plain",
                name="Plain",
                kind="funder",
                territory_level="region",
                territory_codes=["53"],
            ),
        ],
        [
            Link(source="plain", target="evil", relation="funds", description="+cmd"),
            Link(source="evil", target="plain", relation="partners_with"),
        ],
        territories=Territories.load("tests/data/geo_mini"),
    )


def rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_neutralises_formulas_and_reads_back(evil_eco, tmp_path):
    table = rows(selection_csv(evil_eco))
    assert [r["id"] for r in table] == ["evil", "plain"]
    evil = table[0]
    assert evil["name"] == EVIL  # starts with '<', not a trigger
    assert evil["description"] == "'=1+1 <img src=x onerror=alert(1)>"
    funds = next(r for r in rows(links_csv(evil_eco)) if r["relation"] == "funds")
    assert funds["description"] == "'+cmd"
    folder = tmp_path / "sel"
    folder.mkdir()
    (folder / "structures.csv").write_bytes(selection_csv(evil_eco))
    (folder / "links.csv").write_bytes(links_csv(evil_eco))
    records = read_records(folder, territories=evil_eco.territories)
    assert {s.id: s.description for s in records.structures}["evil"].startswith("=1+1")


def test_xlsx_has_both_sheets_with_neutralised_cells(evil_eco):
    book = openpyxl.load_workbook(io.BytesIO(selection_xlsx(evil_eco)))
    assert book.sheetnames == ["structures", "links"]
    sheet = book["structures"]
    header = [c.value for c in sheet[1]]
    description = header.index("description")
    assert sheet[2][description].value.startswith("'=1+1")
    assert sheet[2][header.index("territory_codes")].value == "29"
    assert book["links"].max_row == 3


def test_relations_filter_keeps_structures(evil_eco):
    only = with_relations(evil_eco, ["funds"])
    assert len(only) == 2 and only.links["relation"].tolist() == ["funds"]
    assert with_relations(evil_eco, []) is evil_eco


def test_html_escapes_names_and_has_no_remote_resource(evil_eco):
    page = selection_html(evil_eco, title="Sélection <b>", lang="fr").decode()
    assert "<script>alert" not in page
    assert "Sélection &lt;b&gt;" in page
    for remote in ("https://cdn", "http://cdn", "//cdn.", "bootstrap"):
        assert remote not in page.lower() or (remote == "bootstrap" and "bootstrap" not in page)


def test_csv_of_a_filtered_national_selection():
    eco = load_ecosystem()
    shown = eco.filter(territory=("departement", "29"), kinds=["support_structure"])
    table = rows(selection_csv(shown))
    assert [r["id"] for r in table] == sorted(shown.structures.index)
    assert {r["kind"] for r in table} == {"support_structure"}


def test_filenames():
    assert export_filename("xlsx", region="53") == "fresque-selection-reg53.xlsx"
    with pytest.raises(ValueError):
        export_filename("exe")
