"""Writers: formula injection, atomic writes, typed graph attributes, GeoJSON."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fresque.io import Records, read_records, write_csv_dir, write_records
from fresque.io.tables import atomic_write, neutralize_formula, output_format
from fresque.model import Link, Structure

INJECTIONS = ['=HYPERLINK("http://evil","x")', "+33 1 23", "-2+3", "@SUM(A1)"]


def dangerous() -> Records:
    structures = [
        Structure(
            id=f"s{i}", name=text, kind="network", territory_level="national", description=text
        )
        for i, text in enumerate(INJECTIONS)
    ]
    links = [Link(source="s0", target="s1", relation="funds", description="=1+1")]
    return Records(structures, links)


@pytest.mark.parametrize("fmt", ["xlsx", "kumu"])
def test_workbooks_neutralise_formulas(fmt: str, tmp_path: Path) -> None:
    path = write_records(dangerous(), tmp_path / "out.xlsx", fmt)
    workbook = load_workbook(path)
    texts = [
        cell.value
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    assert all(cell.data_type != "f" for ws in workbook.worksheets for r in ws for cell in r)
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@"))]
    assert '\'=HYPERLINK("http://evil","x")' in texts


def test_csv_neutralises_formulas(tmp_path: Path) -> None:
    write_csv_dir(dangerous(), tmp_path)
    for name in ("structures.csv", "links.csv"):
        with open(tmp_path / name, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for value in row.values():
                    assert not value.startswith(("=", "+", "-", "@")), value


def test_neutralize_formula() -> None:
    assert [neutralize_formula(t)[0] for t in INJECTIONS] == ["'"] * 4
    assert neutralize_formula("Avise") == "Avise"


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(path) as handle:
        handle.write("half a new fi")
        raise RuntimeError("disk full")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_a_failing_export_leaves_no_partial_file(tmp_path: Path, monkeypatch) -> None:
    import networkx as nx

    def broken(*args, **kwargs):
        raise OSError("boom")

    monkeypatch.setattr(nx, "write_gexf", broken)
    with pytest.raises(OSError):
        write_records(dangerous(), tmp_path / "g.gexf")
    assert list(tmp_path.iterdir()) == []


def sample() -> Records:
    return Records(
        [
            Structure(
                id="tag29",
                name="TAg29",
                kind="support_structure",
                dispositifs=["incubateur"],
                territory_level="departement",
                territory_codes=["29"],
                commune_code="29151",
                confidence="high",
            ),
            Structure(id="avise", name="Avise", kind="network", territory_level="national"),
        ],
        [
            Link(source="avise", target="tag29", relation="partners_with"),
            Link(source="avise", target="tag29", relation="funds"),
        ],
    )


def test_graphml_has_typed_attributes(tmp_path: Path) -> None:
    path = write_records(sample(), tmp_path / "g.graphml")
    root = ET.parse(path).getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    types = {
        (k.get("for"), k.get("attr.name")): k.get("attr.type") for k in root.findall("g:key", ns)
    }
    assert types[("node", "lat")] == "double"
    assert types[("node", "national")] == "boolean"
    assert types[("node", "confidence_rank")] in ("int", "long")
    assert types[("node", "label")] == "string"
    assert types[("edge", "mutual")] == "boolean"
    ids = [k.get("id") for k in root.findall("g:key", ns)]
    assert len(ids) == len(set(ids))
    edges = root.findall(".//g:edge", ns)
    assert sorted(e.get("id") for e in edges) == [
        "avise--funds--tag29",
        "avise--partners_with--tag29",
    ]


def test_gexf_opens_as_a_typed_multigraph(tmp_path: Path) -> None:
    import networkx as nx

    path = write_records(sample(), tmp_path / "g.gexf")
    root = ET.parse(path).getroot()
    ns = {"x": "http://www.gexf.net/1.2draft"}
    titles = {a.get("title"): a.get("type") for a in root.findall(".//x:attribute", ns)}
    assert titles["lat"] == "double" and titles["national"] == "boolean"
    graph = nx.read_gexf(path)
    assert graph.number_of_edges() == 2
    assert graph.nodes["tag29"]["label"] == "TAg29"


def test_geojson_holds_located_structures_only(tmp_path: Path) -> None:
    path = write_records(sample(), tmp_path / "s.geojson")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["type"] == "FeatureCollection"
    [feature] = document["features"]
    lon, lat = feature["geometry"]["coordinates"]
    assert feature["id"] == "tag29" and -4.5 < lon < -3 and 48 < lat < 49
    assert feature["properties"]["commune_name"] == "Morlaix"
    assert feature["properties"]["dispositifs"] == ["incubateur"]


def test_output_format() -> None:
    assert output_format("x.geojson") == "geojson"
    assert output_format("folder") == "csv"
    with pytest.raises(ValueError, match="format inconnu"):
        output_format("x.pdf")
    with pytest.raises(ValueError, match="format inconnu"):
        output_format("x.csv", "pdf")


@pytest.mark.parametrize("extension", ["json", "xlsx"])
def test_a_dataset_without_links_round_trips(tmp_path, extension):
    # A workshop exported before anyone added a link writes an empty links table.
    records = Records([Structure(id="a", name="A", kind="network", territory_level="country")], [])
    path = tmp_path / f"seul.{extension}"
    write_records(records, path)
    back = read_records(path)
    assert [s.id for s in back.structures] == ["a"] and back.links == []
