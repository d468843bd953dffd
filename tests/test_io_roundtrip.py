"""Round trips: reading what was written gives the same records, for every format that
carries everything (CSV folder, XLSX, JSON, Kumu XLSX, GraphML, GEXF)."""

from __future__ import annotations

import filecmp
from datetime import date
from pathlib import Path

import pytest

from fresque.io import Records, read_records, write_csv_dir, write_records
from fresque.model import Link, Structure
from fresque.paths import data_dir

FULL_FORMATS = {
    "csv": "dataset",
    "xlsx": "dataset.xlsx",
    "json": "dataset.json",
    "kumu": "kumu.xlsx",
    "graphml": "dataset.graphml",
    "gexf": "dataset.gexf",
}

#: The formats that hold the surveys beside structures and links.
SURVEY_FORMATS = ("csv", "xlsx", "json")


def sample() -> Records:
    """Every field used, with the values that break naive writers."""
    return Records(
        [
            Structure(
                id="tag29",
                name="=TAg29 « Finistère »",
                kind="support_structure",
                dispositifs=["incubateur", "scop_scic", "fabrique_a_initiatives"],
                stages=["emergence", "creation"],
                themes=["innovation_sociale", "emploi"],
                territory_level="departement",
                territory_codes=["29", "01", "2A"],
                commune_code="29151",
                website="https://www.tag29.org/?a=1&b=2",
                status="active",
                source_urls=["https://a.fr/x,y", "https://b.fr/p;q"],
                confidence="high",
                last_verified=date(2024, 3, 1),
                description='- une liste\n- sur deux lignes ; avec | et , et "guillemets"',
            ),
            Structure(
                id="cress_bre",
                name="CRESS Bretagne",
                kind="chamber",
                dispositifs=["cress"],
                territory_level="region",
                territory_codes=["53"],
                carrier_id="tag29",
                status="expected",
                confidence="medium",
            ),
            Structure(id="avise", name="@Avise", kind="network", territory_level="national"),
            Structure(
                id="cc-morlaix",
                name="+ Morlaix Communauté",
                kind="public_body",
                territory_level="epci",
                territory_codes=["242900835"],
                status="defunct",
            ),
        ],
        [
            Link(
                source="tag29",
                target="cress_bre",
                relation="member_of",
                since=date(2020, 1, 1),
                until=date(2021, 12, 31),
                source_urls=["https://x.fr"],
                description="=1+1",
                confidence="medium",
            ),
            Link(source="avise", target="tag29", relation="partners_with"),
            Link(source="avise", target="tag29", relation="animates", confidence="high"),
            Link(source="cc-morlaix", target="tag29", relation="funds"),
        ],
    ).sorted()


@pytest.mark.parametrize("fmt", list(FULL_FORMATS))
def test_import_of_export_is_identity(fmt: str, tmp_path: Path) -> None:
    records = sample()
    path = write_records(records, tmp_path / FULL_FORMATS[fmt], fmt)
    assert read_records(path).sorted() == records


@pytest.mark.parametrize("fmt", list(FULL_FORMATS))
def test_export_of_import_of_export_is_byte_stable(fmt: str, tmp_path: Path) -> None:
    """Writing what was read back gives the same file (up to the tools' timestamps)."""
    first = write_records(sample(), tmp_path / "a" / FULL_FORMATS[fmt], fmt)
    second = write_records(read_records(first), tmp_path / "b" / FULL_FORMATS[fmt], fmt)
    if fmt == "csv":
        for name in ("structures.csv", "links.csv"):
            assert filecmp.cmp(first / name, second / name, shallow=False)
    elif fmt in ("json", "graphml"):
        assert first.read_bytes() == second.read_bytes()


def test_canonical_csv_is_exactly_specified(tmp_path: Path) -> None:
    write_csv_dir(sample(), tmp_path)
    structures = (tmp_path / "structures.csv").read_bytes()
    links = (tmp_path / "links.csv").read_bytes()
    assert not structures.startswith(b"\xef\xbb\xbf") and b"\r\n" not in structures
    assert structures.decode("utf-8").split("\n")[0] == (
        "id,name,kind,dispositifs,stages,themes,territory_level,territory_codes,"
        "commune_code,website,carrier_id,status,source_urls,confidence,last_verified,"
        "description"
    )
    assert links.decode().split("\n")[0] == (
        "source,target,relation,description,source_urls,confidence,since,until"
    )
    lines = structures.decode().split("\n")
    assert [line.split(",")[0] for line in lines[1:4]] == ["avise", "cc-morlaix", "cress_bre"]
    assert "incubateur|scop_scic|fabrique_a_initiatives" in structures.decode()
    assert [line.split(",")[:3] for line in links.decode().split("\n")[1:3]] == [
        ["avise", "tag29", "animates"],
        ["avise", "tag29", "partners_with"],
    ]


def test_the_order_of_records_does_not_change_the_bytes(tmp_path: Path) -> None:
    records = sample()
    shuffled = Records(records.structures[::-1], records.links[::-1])
    write_csv_dir(records, tmp_path / "a")
    write_csv_dir(shuffled, tmp_path / "b")
    for name in ("structures.csv", "links.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


NATIONAL = data_dir() / "ecosystem"


@pytest.mark.skipif(not (NATIONAL / "structures.csv").exists(), reason="no national dataset")
@pytest.mark.parametrize("fmt", list(FULL_FORMATS))
def test_national_dataset_round_trips(fmt: str, tmp_path: Path) -> None:
    records = read_records(NATIONAL).sorted()
    assert records.surveys, "the national dataset holds at least one survey"
    path = write_records(records, tmp_path / FULL_FORMATS[fmt], fmt)
    back = read_records(path).sorted()
    if fmt in SURVEY_FORMATS:
        assert back == records
    else:  # a graph holds structures and links only
        assert (back.structures, back.links, back.surveys) == (
            records.structures,
            records.links,
            [],
        )


@pytest.mark.skipif(not (NATIONAL / "structures.csv").exists(), reason="no national dataset")
def test_national_dataset_is_written_canonically(tmp_path: Path) -> None:
    """data/ecosystem is exactly what write_csv_dir writes for its records."""
    write_csv_dir(read_records(NATIONAL), tmp_path)
    for name in ("structures.csv", "links.csv", "surveys.csv"):
        assert (tmp_path / name).read_bytes() == (NATIONAL / name).read_bytes(), name
