"""Surveys (« recensements »): the record, its files, and what they change in coverage.

The geography is ``tests/data/geo_coverage`` (see ``tests/test_coverage.py``): région 99
holds départements 91, 92, 93; région 98 holds the 94. One incubator serves the 91.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from fresque.coverage import compute_coverage, gap_report
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.geo.territories import Territories
from fresque.io import DatasetValidationError
from fresque.io.tables import read_records, write_records
from fresque.io.validate import Records
from fresque.model import Structure, Survey, add_months, is_stale, parse_scope
from fresque.views.coverage_map import (
    STATUS_COLORS,
    indicator_style,
    legend_entries,
    status_category,
    territory_detail,
)

GEO = Path(__file__).parent / "data" / "geo_coverage"
AS_OF = date(2026, 12, 7)


@pytest.fixture(scope="module")
def geo() -> Territories:
    return Territories.load(GEO)


def incubator() -> Structure:
    return Structure(
        id="incub_91",
        name="Incubateur 91",
        kind="support_structure",
        dispositifs=["incubateur"],
        territory_level="departement",
        territory_codes=["91"],
    )


def survey(code: str = "92", level: str = "departement", **fields) -> Survey:
    values = {
        "id": f"rec_{code}",
        "territory_level": level,
        "territory_code": code,
        "attested_by": "CRESS Test",
        "date": date(2026, 3, 1),
        "source": "https://example.org/annuaire",
    } | fields
    return Survey(**values)


# --- the record ------------------------------------------------------------------------


def test_scope_reads_labels_and_prefixes() -> None:
    assert parse_scope("toutes") == "all"
    assert parse_scope("Étape : Changement d'échelle") == "stage:scaling"
    assert parse_scope("dispositif:Fabrique à initiatives") == "dispositif:fabrique_a_initiatives"
    with pytest.raises(ValueError, match="ni un dispositif ni une étape"):
        parse_scope("cuisine")


def test_survey_expires_after_its_months() -> None:
    s = survey(date=date(2024, 12, 8))
    assert s.expires == date(2026, 12, 8)
    assert s.is_valid(date(2026, 12, 7)) and not s.is_valid(date(2026, 12, 8))
    assert not s.is_valid(date(2024, 12, 7))  # not made yet
    assert survey(date=date(2024, 12, 8), valid_months=6).expires == date(2025, 6, 8)
    assert not s.is_valid(date(2026, 1, 1), months=12)  # a shorter default
    assert add_months(date(2025, 10, 31), -8) == date(2025, 2, 28)


def test_a_survey_of_a_commune_is_refused() -> None:
    with pytest.raises(ValueError, match="région, un département ou un EPCI"):
        survey("91001", level="commune")


def test_stale_facts() -> None:
    assert is_stale(date(2023, 12, 6), AS_OF) and not is_stale(date(2023, 12, 7), AS_OF)


# --- files -----------------------------------------------------------------------------


def write(folder: Path, surveys_text: str) -> Path:
    folder.mkdir()
    (folder / "structures.csv").write_text(
        "id,name,kind,dispositifs,territory_level,territory_codes\n"
        "incub_91,Incubateur 91,support_structure,incubateur,departement,91\n",
        encoding="utf-8",
    )
    (folder / "surveys.csv").write_bytes(surveys_text.encode("cp1252"))
    return folder


def test_surveys_csv_as_a_coordinator_writes_it(tmp_path: Path, geo: Territories) -> None:
    folder = write(
        tmp_path / "ds",
        "Échelon;Territoire;Périmètre;Attesté par;Date;Source;Remarque\r\n"
        "Département;92;Étape:Création;CRESS Test;01/03/2026;Annuaire 2026;\r\n"
        "région;Région Voisine;tout;DLA régional;2026-02-01;https://example.org;ok\r\n",
    )
    records = read_records(folder, territories=geo)
    assert [(s.territory_level.value, s.territory_code, s.scope) for s in records.surveys] == [
        ("departement", "92", "stage:creation"),
        ("region", "98", "all"),
    ]
    assert records.surveys[0].id == "rec_departement_92_stage_creation_2026_03_01"


def test_bad_surveys_are_reported_where_they_are_and_nothing_is_read(
    tmp_path: Path, geo: Territories
) -> None:
    folder = write(
        tmp_path / "ds",
        "id,territory_level,territory_code,scope,attested_by,date,source\n"
        "a,commune,91001,all,X,2026-01-01,doc\n"
        "b,departement,77,all,X,2026-01-01,doc\n"
        "c,departement,91,cuisine,X,2026-01-01,doc\n"
        "d,departement,91,all,X,31/02/2026,doc\n"
        "e,departement,91,all,,2026-01-01,doc\n"
        "f,departement,91,all,X,2026-01-01,doc\n"
        "f,departement,92,all,X,2026-01-01,doc\n",
    )
    with pytest.raises(DatasetValidationError) as caught:
        read_records(folder, territories=geo)
    places = [(p.file, p.row, p.column, p.value) for p in caught.value.problems]
    assert places == [
        ("surveys.csv", 2, "territory_level", "commune"),
        ("surveys.csv", 3, "territory_code", "77"),
        ("surveys.csv", 4, "scope", "cuisine"),
        ("surveys.csv", 5, "date", "31/02/2026"),
        ("surveys.csv", 6, "attested_by", ""),
        ("surveys.csv", 8, "id", "f"),
    ]
    messages = [p.message for p in caught.value.problems]
    assert "« région », « département » ou « epci »" in messages[0]
    assert "recensement en double" in messages[-1]


def test_missing_survey_columns_are_named(tmp_path: Path, geo: Territories) -> None:
    folder = write(tmp_path / "ds", "territoire,date\n91,2026-01-01\n")
    with pytest.raises(DatasetValidationError) as caught:
        read_records(folder, territories=geo)
    missing = sorted(p.column for p in caught.value.problems)
    assert missing == ["attested_by", "source", "territory_level"]


@pytest.mark.parametrize("fmt, name", [("csv", "out"), ("xlsx", "out.xlsx"), ("json", "out.json")])
def test_surveys_are_exported_with_the_other_tables(
    fmt: str, name: str, tmp_path: Path, geo: Territories
) -> None:
    records = Records([incubator()], [], [survey(), survey("98", "region", scope="incubateur")])
    path = write_records(records, tmp_path / name, fmt)
    assert read_records(path, territories=geo).sorted() == records.sorted()
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(path)["recensements"]
        assert [c.value for c in sheet[1]][:4] == [
            "id",
            "territory_level",
            "territory_code",
            "scope",
        ]
        assert sheet["C2"].value == "92" and sheet["C2"].number_format == "@"
    if fmt == "json":
        assert [s["id"] for s in json.loads(path.read_text())["surveys"]] == ["rec_92", "rec_98"]


def test_surveys_with_a_formula_are_neutralised_in_xlsx(tmp_path: Path, geo: Territories) -> None:
    records = Records([incubator()], [], [survey(note='=HYPERLINK("x")', attested_by="+33")])
    path = write_records(records, tmp_path / "out.xlsx", "xlsx")
    row = [c.value for c in openpyxl.load_workbook(path)["recensements"][2]]
    assert '\'=HYPERLINK("x")' in row and "'+33" in row
    assert read_records(path, territories=geo).surveys == records.surveys


def test_surveys_with_a_formula_are_neutralised_in_csv(tmp_path: Path, geo: Territories) -> None:
    """surveys.csv is written like structures.csv: a formula never runs in a spreadsheet."""
    records = Records([incubator()], [], [survey(note='=HYPERLINK("x")', attested_by="+33")])
    folder = write_records(records, tmp_path / "out", "csv")
    text = (folder / "surveys.csv").read_text("utf-8")
    assert "'+33" in text and '"\'=HYPERLINK(""x"")"' in text
    assert read_records(folder, territories=geo).surveys == records.surveys


def test_the_national_dataset_exposes_its_surveys() -> None:
    eco = load_ecosystem()
    assert [s.id for s in eco.surveys] == ["rec_28_cress_2025"]
    assert eco.subset(["avise"]).surveys == eco.surveys
    assert eco.records.surveys == list(eco.surveys)


# --- coverage --------------------------------------------------------------------------


def test_gap_only_where_a_valid_survey_covers_the_key(geo: Territories) -> None:
    surveys = [
        survey("92", scope="incubateur"),  # 92: incubators checked
        survey("93", scope="stage:ideation"),  # 93: another key only
        survey("98", "region", date=date(2023, 1, 1)),  # expired in 2025
    ]
    eco = Ecosystem([incubator()], territories=geo, surveys=surveys)
    coverage = compute_coverage(eco, as_of=AS_OF)
    table = coverage.table("departement", "incubateur").set_index("code")["status"]
    assert table.to_dict() == {
        "91": "single",
        "92": "gap",
        "93": "none_known",
        "94": "none_known",
    }
    assert [s.id for s in coverage.surveys] == ["rec_92", "rec_93"]
    assert [s.id for s in coverage.expired] == ["rec_98"]
    # The région holds a confirmed gap (92) and an unsurveyed one (93): not confirmed.
    region = coverage.table("region", "incubateur", region="99").iloc[0]
    assert (region["status"], region["min_status"], bool(region["partial"])) == (
        "single",
        "gap",
        True,
    )
    assert region["population_gap"] == 5_500 and region["population_none_known"] == 4_500
    assert region["surveyed"] == pytest.approx(5_500 / 23_000)


def test_cli_ranks_confirmed_gaps_then_none_known_by_population(geo: Territories) -> None:
    eco = Ecosystem([incubator()], territories=geo, surveys=[survey("93", scope="creation")])
    report = gap_report(compute_coverage(eco, as_of=AS_OF), "departement", stage="creation")
    ranked = report[["region", "rank", "code", "status", "status_label"]].values.tolist()
    assert ranked == [
        # 93 (4 500 inhabitants) is confirmed: first, though others are larger.
        ["99", 1, "93", "gap", "Manque confirmé"],
        # Then where nothing is recorded, the most inhabitants first: 92 (5 500), 94 (4 000).
        ["99", 2, "92", "none_known", "Aucune offre recensée"],
        ["98", 3, "94", "none_known", "Aucune offre recensée"],
        ["99", 4, "91", "single", "Un seul acteur"],
    ]


def test_one_organisation_counts_once(geo: Territories) -> None:
    carried = Structure(
        id="incub_91_b",
        name="Antenne",
        kind="support_structure",
        dispositifs=["incubateur"],
        territory_level="departement",
        territory_codes=["91"],
        carrier_id="incub_91",
    )
    other = carried.model_copy(update={"id": "other", "carrier_id": None})
    one = compute_coverage(Ecosystem([incubator(), carried], territories=geo))
    row = one.table("departement", "incubateur").set_index("code").loc["91"]
    assert (row["status"], row["n_offers"], row["n_organisations"]) == ("single", 2, 1)
    two = compute_coverage(Ecosystem([incubator(), carried, other], territories=geo))
    row = two.table("departement", "incubateur").set_index("code").loc["91"]
    assert (row["status"], row["n_offers"], row["n_organisations"]) == ("covered", 3, 2)


def test_national_dataset_shows_no_confirmed_gap_without_a_survey() -> None:
    eco = load_ecosystem()
    coverage = compute_coverage(eco, as_of=AS_OF)
    for level in ("region", "departement", "epci"):
        table = coverage.table(level)
        gaps = table[table["status"] == "gap"]
        # The one survey: CRESS Normandie, liquidated in July 2025.
        assert set(zip(gaps["key"].astype(str), gaps["region"], strict=True)) <= {
            ("cress", "28")
        }, level
    bretagne = coverage.table("departement", "creation", region="53")
    assert "gap" not in set(bretagne["status"])


# --- the map's words and colours --------------------------------------------------------


@pytest.mark.parametrize(
    "lang, gap, none_known",
    [
        ("fr", "Manque confirmé", "Aucune offre recensée"),
        ("en", "Confirmed gap", "No offer recorded"),
    ],
)
def test_map_colours_legend_and_panel(geo: Territories, lang, gap, none_known) -> None:
    eco = Ecosystem([incubator()], territories=geo, surveys=[survey("92", scope="all")])
    coverage = compute_coverage(eco, as_of=AS_OF)
    table = coverage.table("departement", "incubateur")
    style = indicator_style(["91", "92", "93"], {}, table, "status", "incubateur", lang)
    z = style["z"]
    assert z == [status_category("single", False), 0.0, 1.0]
    scale = dict((round(pos, 6), color) for pos, color in style["colorscale"])
    n = style["zmax"] + 0.5
    assert scale[round(0 / n, 6)] == STATUS_COLORS["gap"] == "#D55E00"
    assert scale[round(1 / n, 6)] == STATUS_COLORS["none_known"]
    assert STATUS_COLORS["none_known"] != STATUS_COLORS["gap"]
    assert gap in style["customdata"][1][1] and none_known in style["customdata"][2][1]
    legend = [row["label"] for row in legend_entries("status", lang)["statuses"]]
    assert legend[:2] == [gap, none_known]
    rows = coverage.table("departement", None)
    detail92 = territory_detail(rows[rows["code"] == "92"], {}, "incubateur", lang)
    detail93 = territory_detail(rows[rows["code"] == "93"], {}, "incubateur", lang)
    assert len(detail92["confirmed"]) == 6 and detail92["not_recorded"] == []
    assert detail93["confirmed"] == [] and len(detail93["not_recorded"]) == 6
    assert detail93["missing_by_status"] == [(none_known, detail93["not_recorded"])]


def test_cli_coverage_of_creation_says_what_is_confirmed(capsys, tmp_path: Path) -> None:
    """``fresque coverage --level departement --stage creation`` on the national data with
    one more survey: the confirmed gap comes first, then the départements where nothing is
    recorded, by inhabitants without a known offer; the columns say which is which."""
    import csv
    import io
    import shutil

    from fresque.cli import main
    from fresque.paths import data_dir

    folder = tmp_path / "ecosystem"
    shutil.copytree(data_dir() / "ecosystem", folder)
    with (folder / "surveys.csv").open("a", encoding="utf-8") as handle:
        handle.write(
            f"rec_973,departement,973,stage:creation,Test,{date.today().isoformat()},doc,,\n"
        )
    argv = ["coverage", "--level", "departement", "--stage", "creation", "--from", str(folder)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    statuses = [r["status"] for r in rows]
    assert rows[0]["code"] == "973" and rows[0]["status_label"] == "Manque confirmé"
    assert statuses.count("gap") == 1
    none_known = [r for r in rows if r["status"] == "none_known"]
    assert none_known and statuses[1 : 1 + len(none_known)] == ["none_known"] * len(none_known)
    without = [int(r["population_none_known"]) for r in none_known]
    assert without == sorted(without, reverse=True)
    assert {r["status_label"] for r in none_known} == {"Aucune offre recensée"}
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    assert "manque confirmé 1, aucune offre recensée" in err


def test_any_survey_text_stays_in_its_cell_of_the_data_report(geo: Territories) -> None:
    """A pipe or a line break in a stored text never breaks the report's Markdown table."""
    hostile = survey(attested_by="CRESS | Bretagne\nligne 2 東京", note="a|b")
    report = Ecosystem([incubator()], territories=geo, surveys=[hostile]).report()
    section = report[report.index("### Recensements") :].splitlines()
    rows = [line for line in section if line.startswith("| rec_92")]
    assert len(rows) == 1
    row = rows[0]
    unescaped = row.replace("\\|", "")
    assert unescaped.count("|") == 7  # six cells
    assert "CRESS \\| Bretagne ligne 2" in row and "東京" in row
