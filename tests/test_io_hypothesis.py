"""Whatever the cells, reading gives a valid Ecosystem or a validation error, nothing else.

Tables are drawn from the column names people use (canonical, French, Kumu's) and from
cells mixing good values (codes, names, labels, URLs, dates), the numbers spreadsheets
produce (``29.0``, ``1``, NaN…) and arbitrary text; they are written as CSV (``,`` or
``;``, UTF-8, UTF-8 with BOM or cp1252), XLSX or JSON, then read back.
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from fresque.ecosystem import Ecosystem
from fresque.geo.territories import default_territories
from fresque.io import DatasetValidationError, Problem, read_records

STRUCTURE_HEADERS = [
    "id",
    "name",
    "kind",
    "dispositifs",
    "stages",
    "themes",
    "territory_level",
    "territory_codes",
    "commune_code",
    "website",
    "carrier_id",
    "status",
    "source_urls",
    "confidence",
    "last_verified",
    "description",
    "nom",
    "type",
    "département",
    "région",
    "epci",
    "commune",
    "Label",
    "Type",
    "Tags",
    "porteur",
    "vérifié le",
    "dispositfs",
    "",
]
LINK_HEADERS = [
    "source",
    "target",
    "relation",
    "description",
    "source_urls",
    "confidence",
    "since",
    "until",
    "From",
    "To",
    "Type",
    "de",
    "vers",
    "début",
    "fin",
    "Direction",
]
GOOD_TEXT = [
    "tag29",
    "avise",
    "cress_bre",
    "TAg29",
    "Avise",
    "network",
    "Réseau",
    "chamber",
    "support_structure",
    "funder",
    "incubateur",
    "Incubateur|CAE",
    "dla_departemental",
    "DLA départemental",
    "emergence",
    "Création",
    "emploi",
    "national",
    "departement",
    "Département",
    "region",
    "epci",
    "commune",
    "FR",
    "29",
    "1",
    "2a",
    "2A",
    "971",
    "53",
    "Finistère",
    "Bretagne",
    "Saint-Denis",
    "Morlaix",
    "29151",
    "29600",
    "242900835",
    "https://avise.org",
    "www.avise.org",
    "active",
    "expected",
    "defunct",
    "high",
    "Faible",
    "funds",
    "anime",
    "partenaire de",
    "2024-03-01",
    "01/03/2024",
    "31/02/2024",
    "29,0",
    "'=1+1",
    "=1+1",
    "-",
    "|",
    ";",
    ",",
    " ",
    "tag29|avise",
]
cells = st.one_of(
    st.sampled_from(GOOD_TEXT),
    st.none(),
    st.integers(-5, 100_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),
)


@st.composite
def tables(draw: st.DrawFn, headers: list[str], max_rows: int) -> list[list[object]]:
    head = draw(st.lists(st.sampled_from(headers), min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=len(head) + 1), max_size=max_rows))
    return [list(head), *rows]


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value.isoformat() if isinstance(value, date) else str(value)


def write(
    folder: Path, how: str, structures: list[list[object]], links: list[list[object]]
) -> Path:
    if how == "xlsx":
        workbook = Workbook()
        workbook.remove(workbook.active)
        for title, rows in (("structures", structures), ("links", links)):
            ws = workbook.create_sheet(title)
            for row in rows:
                ws.append(
                    [v if not isinstance(v, float) or math.isfinite(v) else str(v) for v in row]
                )
        path = folder / "data.xlsx"
        workbook.save(path)
        return path
    if how == "json":

        def item(head: list[object], row: list[object]) -> dict[str, object]:
            return {
                str(h): text(v) if isinstance(v, date | float) else v
                for h, v in zip(head, row, strict=False)
            }

        document = {
            "structures": [item(structures[0], r) for r in structures[1:]],
            "links": [item(links[0], r) for r in links[1:]],
        }
        path = folder / "data.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return path
    separator, encoding = {
        "csv": (",", "utf-8"),
        "csv-bom": (";", "utf-8-sig"),
        "csv-cp1252": (";", "cp1252"),
    }[how]
    folder.mkdir(exist_ok=True)
    for name, rows in (("structures.csv", structures), ("links.csv", links)):
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=separator).writerows([[text(v) for v in r] for r in rows])
        (folder / name).write_bytes(buffer.getvalue().encode(encoding, errors="replace"))
    return folder


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    structures=tables(STRUCTURE_HEADERS, 6),
    links=tables(LINK_HEADERS, 4),
    how=st.sampled_from(["csv", "csv-bom", "csv-cp1252", "xlsx", "json"]),
)
def test_arbitrary_cells_give_an_ecosystem_or_problems(
    structures: list[list[object]], links: list[list[object]], how: str
) -> None:
    territories = default_territories()
    with TemporaryDirectory() as tmp:
        path = (
            write(Path(tmp) / "data", how, structures, links)
            if how.startswith("csv")
            else write(Path(tmp), how, structures, links)
        )
        try:
            records = read_records(path, territories=territories)
        except DatasetValidationError as error:
            event("validation error")
            assert error.problems
            assert all(isinstance(p, Problem) and p.message for p in error.problems)
            return
    event("valid ecosystem")
    Ecosystem(records.structures, records.links, territories=territories)


def test_datetime_cells_are_dates(tmp_path: Path) -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "structures"
    ws.append(["id", "name", "kind", "territory_level", "vérifié le"])
    ws.append(["a", "A", "network", "national", datetime(2024, 3, 1)])
    workbook.save(tmp_path / "d.xlsx")
    [structure] = read_records(tmp_path / "d.xlsx").structures
    assert structure.last_verified == date(2024, 3, 1)


def mostly(good: list[object], bad: list[object], clean: bool) -> st.SearchStrategy[object]:
    """Good values only in a clean file, else good ones four times out of five."""
    if clean:
        return st.sampled_from(good)
    return st.one_of(*([st.sampled_from(good)] * 4), st.sampled_from(bad))


TERRITORIES = [
    ("national", ""),
    ("departement", "29"),
    ("departement", "1"),
    ("departement", "2a"),
    ("departement", "29.0"),
    ("Département", "Finistère"),
    ("region", "53"),
    ("Région", "Bretagne"),
    ("epci", "242900835"),
    ("commune", "29151"),
    ("commune", "Morlaix"),
    ("", "FR"),
    ("departement", "29|56"),
]
BAD_TERRITORIES = [
    ("", "53"),
    ("commune", "29"),
    ("departement", "20"),
    ("canton", "29"),
    ("region", "Finistère"),
    ("departement", "Saint-Denis"),
]


@st.composite
def structure_row(draw: st.DrawFn, index: int, clean: bool) -> list[object]:
    level, codes = draw(mostly(TERRITORIES, BAD_TERRITORIES, clean))
    return [
        draw(mostly([f"s{index}"], ["", "DLA 29", "s0"], clean)),
        draw(mostly([f"Structure {index}", "=formule", "Saint-Denis"], ["", "x" * 201], clean)),
        draw(mostly(["network", "Réseau", "chamber", "financeur", "public_body"], ["x"], clean)),
        draw(mostly(["", "incubateur", "Incubateur, CAE", "cress|dla_regional"], ["incub"], clean)),
        level,
        codes,
        draw(mostly(["", "29151", "Brest", 29019, "1053"], ["Saint-Denis", "99999"], clean)),
        draw(mostly(["", *[f"s{j}" for j in range(index)]], ["inconnu", f"s{index}"], clean)),
        draw(mostly(["", "2024-03-01", "01/03/2024", date(2024, 3, 1)], ["hier"], clean)),
    ]


STRUCTURE_HEAD = [
    "id",
    "nom",
    "type",
    "dispositifs",
    "échelon",
    "territoires",
    "commune",
    "porteur",
    "vérifié le",
]
LINK_HEAD = ["source", "cible", "relation", "début", "fin"]


@st.composite
def link_row(draw: st.DrawFn, count: int, clean: bool) -> list[object]:
    ends = [f"s{i}" for i in range(count)] + [f"Structure {i}" for i in range(count)]
    return [
        draw(mostly(ends or ["s0"], ["x"], clean)),
        draw(mostly(ends or ["s0"], ["y", "s0|s1"], clean)),
        draw(mostly(["funds", "anime", "partenaire de", "member_of"], ["aime"], clean)),
        draw(mostly(["", "2020-01-01"], ["2022-13-01"], clean)),
        draw(mostly(["", "2021-01-01"], ["2019-01-01"], clean)),
    ]


@st.composite
def plausible(draw: st.DrawFn) -> tuple[list[list[object]], list[list[object]]]:
    count = draw(st.integers(0, 6))
    clean = draw(st.booleans())
    rows = [draw(structure_row(i, clean)) for i in range(count)]
    links = draw(st.lists(link_row(count, clean), max_size=5))
    return [STRUCTURE_HEAD, *rows], [LINK_HEAD, *links]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=plausible(), how=st.sampled_from(["csv", "csv-cp1252", "xlsx", "json"]))
def test_plausible_rows_give_an_ecosystem_or_problems(
    tables: tuple[list[list[object]], list[list[object]]], how: str
) -> None:
    structures, links = tables
    test_arbitrary_cells_give_an_ecosystem_or_problems.hypothesis.inner_test(structures, links, how)
