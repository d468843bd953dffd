"""Coverage on a hand-made ecosystem, every expected figure worked out by hand.

The geography is ``tests/data/geo_coverage`` (made up, see its README):

=======  =======  ==========  =========  ====  ======
commune  name     population  EPCI       dep.  région
=======  =======  ==========  =========  ====  ======
91001    Alpha        10 000  …011       91    99
91002    Beta          2 000  …011       91    99
91003    Gamma         1 000  …012       91    99
92001    Delta         5 000  …021       92    99
92002    Epsilon         500  …012       92    99
93001    Zeta          3 000  …031       93    99
93002    Eta           1 500  …031       93    99
94001    Theta         4 000  …041       94    98
=======  =======  ==========  =========  ====  ======

Départements 91 = 13 000, 92 = 5 500, 93 = 4 500, 94 = 4 000; région 99 = 23 000,
région 98 = 4 000; France = 27 000. The EPCI 200000012 holds Gamma (91) and Epsilon (92).

The structures (``ECOSYSTEM``):

* ``dla_91`` (active), ``dla_92_expected`` (expected), ``dla_93_a`` and ``dla_93_b``
  (both active: an anomaly): DLA départementaux; nothing in the 94.
* ``incub_alpha`` (EPCI 200000011) and ``incub_91`` (département 91): incubateurs;
  ``incub_old`` (département 92) is defunct.
* ``fai_99``: a Fabrique à initiatives for the whole région 99.
* ``cress_99`` (active), ``cress_98`` (defunct): CRESS.
* ``pret_delta``: a prêt d'honneur for the commune 92001 only.
* ``avise`` (dla_national) and ``la_ruche`` (incubateur): national, counted apart.

Both régions were surveyed today for everything (``SURVEYS``): where no offer is known,
the gap is confirmed (``gap``). ``tests/test_coverage_surveys.py`` checks the territories
nobody surveyed (``none_known``), scopes and expiry.

Stages come from :data:`fresque.model.DEFAULT_STAGES` (no structure names its own):
DLA → consolidation; incubateur → emergence, creation; Fabrique → ideation, emergence;
prêt d'honneur → creation, consolidation.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fresque.coverage import (
    REPORT_COLUMNS,
    STATUS_ORDER,
    TABLE_COLUMNS,
    Coverage,
    CoverageStatus,
    compute_coverage,
    coverage_table,
    gap_report,
    report_csv,
    to_geodataframe,
    write_report,
)
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.geo.territories import Territories, UnknownTerritoryError
from fresque.model import UNIQUE_BY_DESIGN, Dispositif, Stage, Structure, Survey

GEO = Path(__file__).parent / "data" / "geo_coverage"


def structure(sid: str, dispositif: str, level: str, codes: list[str], **fields) -> Structure:
    return Structure(
        id=sid,
        name=sid.replace("_", " ").title(),
        kind="support_structure",
        dispositifs=[dispositif],
        territory_level=level,
        territory_codes=codes,
        **fields,
    )


STRUCTURES = [
    structure("dla_91", "dla_departemental", "departement", ["91"]),
    structure("dla_92_expected", "dla_departemental", "departement", ["92"], status="expected"),
    structure("dla_93_a", "dla_departemental", "departement", ["93"]),
    structure("dla_93_b", "dla_departemental", "departement", ["93"]),
    structure("incub_alpha", "incubateur", "epci", ["200000011"], commune_code="91001"),
    structure("incub_91", "incubateur", "departement", ["91"]),
    structure("incub_old", "incubateur", "departement", ["92"], status="defunct"),
    structure("fai_99", "fabrique_a_initiatives", "region", ["99"]),
    structure("cress_99", "cress", "region", ["99"]),
    structure("cress_98", "cress", "region", ["98"], status="defunct"),
    structure("pret_delta", "pret_d_honneur", "commune", ["92001"]),
    structure("avise", "dla_national", "country", ["FR"]),
    structure("la_ruche", "incubateur", "country", ["FR"]),
]


SURVEYS = [
    Survey(
        id=f"rec_{code}",
        territory_level="region",
        territory_code=code,
        attested_by="Test",
        date=date.today(),
        source="tests/test_coverage.py",
    )
    for code in ("98", "99")
]


@pytest.fixture(scope="module")
def geo() -> Territories:
    return Territories.load(GEO)


@pytest.fixture(scope="module")
def eco(geo: Territories) -> Ecosystem:
    return Ecosystem(STRUCTURES, territories=geo, surveys=SURVEYS)


@pytest.fixture(scope="module")
def coverage(eco: Ecosystem) -> Coverage:
    return compute_coverage(eco)


def row(table: pd.DataFrame, code: str, key: str) -> pd.Series:
    found = table[(table["code"] == code) & (table["key"] == key)]
    assert len(found) == 1, (code, key, len(found))
    return found.iloc[0]


def check(table: pd.DataFrame, code: str, key: str, **expected) -> None:
    found = row(table, code, key)
    for column, value in expected.items():
        got = found[column]
        if isinstance(value, float):
            assert got == pytest.approx(value), (code, key, column, got, value)
        else:
            assert got == value, (code, key, column, got, value)


# --- shape of the results --------------------------------------------------------------


def test_table_has_one_row_per_territory_and_key(coverage: Coverage) -> None:
    n_keys = len(Dispositif) + len(Stage)
    assert len(coverage.keys) == n_keys
    for level, n in [("commune", 8), ("epci", 5), ("departement", 4), ("region", 2)]:
        table = coverage.table(level)
        assert list(table.columns) == list(TABLE_COLUMNS)
        assert len(table) == n * n_keys
        assert not table.duplicated(["code", "key_type", "key"]).any()
        assert set(table["status"]) <= {s.value for s in STATUS_ORDER}
    country = coverage.table("country")
    assert country["code"].unique().tolist() == ["FR"]


def test_keys_are_every_dispositif_and_every_stage(coverage: Coverage) -> None:
    assert coverage.keys[: len(Dispositif)] == tuple(("dispositif", d.value) for d in Dispositif)
    assert coverage.keys[len(Dispositif) :] == tuple(("stage", s.value) for s in Stage)
    unique = {coverage.keys[i][1] for i in np.flatnonzero(coverage.unique)}
    assert unique == {d.value for d in UNIQUE_BY_DESIGN}


def test_keys_are_read_from_members_values_labels_and_pairs(coverage: Coverage) -> None:
    positions = coverage.key_positions(
        [Dispositif.CRESS, "incubateur", "Émergence", ("stage", "creation"), "cress"]
    )
    assert [coverage.keys[i] for i in positions] == [
        ("dispositif", "cress"),
        ("dispositif", "incubateur"),
        ("stage", "emergence"),
        ("stage", "creation"),
    ]
    with pytest.raises(ValueError):
        coverage.key_positions("pas un dispositif")


# --- DLA départemental: unique by design -----------------------------------------------


def test_dla_departemental_by_departement(coverage: Coverage) -> None:
    table = coverage.table("departement", "dla_departemental")
    check(
        table,
        "91",
        "dla_departemental",
        status="single",
        min_status="single",
        partial=False,
        n_offers=1,
        n_active=1,
        n_expected=0,
        offers="dla_91",
        population=13_000,
        population_covered=13_000,
        population_gap=0,
        population_single=13_000,
        share_covered=1.0,
        offers_per_100k=100_000 / 13_000,
        region="99",
    )
    # Only an expected structure: a data gap, not a coverage gap.
    check(
        table,
        "92",
        "dla_departemental",
        status="unknown",
        n_offers=1,
        n_active=0,
        n_expected=1,
        offers="dla_92_expected",
        population=5_500,
        population_covered=5_500,
        population_unknown=5_500,
        population_gap=0,
    )
    # Two DLA départementaux on one département: the anomaly is shown.
    check(
        table,
        "93",
        "dla_departemental",
        status="overlap",
        n_offers=2,
        offers="dla_93_a|dla_93_b",
        population=4_500,
    )
    check(
        table,
        "94",
        "dla_departemental",
        status="gap",
        min_status="gap",
        partial=False,
        n_offers=0,
        offers="",
        population=4_000,
        population_covered=0,
        population_gap=4_000,
        share_covered=0.0,
        offers_per_100k=0.0,
        region="98",
    )


def test_dla_departemental_by_region_and_country(coverage: Coverage) -> None:
    regions = coverage.table("region", "dla_departemental")
    check(
        regions,
        "99",
        "dla_departemental",
        status="overlap",  # the highest status among its communes (the 93)
        min_status="unknown",  # the lowest (the 92)
        partial=False,
        n_offers=4,
        n_active=3,
        n_expected=1,
        offers="dla_91|dla_92_expected|dla_93_a|dla_93_b",
        population=23_000,
        population_covered=23_000,
        population_unknown=5_500,
        population_single=13_000,
        population_gap=0,
    )
    check(regions, "98", "dla_departemental", status="gap", population_gap=4_000)
    country = coverage.table("country", "dla_departemental")
    check(
        country,
        "FR",
        "dla_departemental",
        status="overlap",
        min_status="gap",
        partial=True,  # the 94 has none
        population=27_000,
        population_gap=4_000,
        share_covered=23_000 / 27_000,
    )


def test_epci_across_two_departements(coverage: Coverage) -> None:
    epci = coverage.table("epci", "dla_departemental")
    # Gamma (91, dla_91) and Epsilon (92, only the expected DLA).
    check(
        epci,
        "200000012",
        "dla_departemental",
        status="single",
        min_status="unknown",
        partial=False,
        n_offers=2,
        n_active=1,
        n_expected=1,
        offers="dla_91|dla_92_expected",
        population=1_500,
        population_unknown=500,
        population_single=1_000,
        region="99",
    )


def test_communes(coverage: Coverage) -> None:
    communes = coverage.table("commune", "dla_departemental")
    expected = {
        "91001": "single",
        "91002": "single",
        "91003": "single",
        "92001": "unknown",
        "92002": "unknown",
        "93001": "overlap",
        "93002": "overlap",
        "94001": "gap",
    }
    assert dict(zip(communes["code"], communes["status"], strict=True)) == expected
    check(communes, "91001", "dla_departemental", name="Alpha", population=10_000, region="99")


# --- other dispositifs -----------------------------------------------------------------


def test_incubateur_partial_coverage(coverage: Coverage) -> None:
    table = coverage.table("departement", "incubateur")
    # Alpha and Beta have two incubateurs (the EPCI's and the département's), Gamma one.
    check(
        table,
        "91",
        "incubateur",
        status="covered",
        min_status="single",
        partial=False,
        n_offers=2,
        offers="incub_91|incub_alpha",
        population_single=1_000,
        population_covered=13_000,
        n_national=1,
        national="la_ruche",
    )
    # The defunct incubateur never counts; the national one never hides the gap.
    check(table, "92", "incubateur", status="gap", n_offers=0, n_national=1, national="la_ruche")
    region = coverage.table("region", "incubateur", region="99")
    check(
        region,
        "99",
        "incubateur",
        status="covered",
        min_status="gap",
        partial=True,
        population=23_000,
        population_covered=13_000,
        population_gap=10_000,
        share_covered=13_000 / 23_000,
        offers_per_100k=2 * 100_000 / 23_000,
    )
    epci = coverage.table("epci", "incubateur")
    check(epci, "200000011", "incubateur", status="covered", population_covered=12_000)
    check(
        epci,
        "200000012",
        "incubateur",
        status="single",
        partial=True,
        population_covered=1_000,
        population_gap=500,
        offers="incub_91",
    )


def test_cress_defunct_is_a_real_gap(coverage: Coverage) -> None:
    table = coverage.table("region", "cress")
    check(table, "99", "cress", status="single", offers="cress_99")
    check(table, "98", "cress", status="gap", offers="", n_offers=0)


def test_commune_level_structure(coverage: Coverage) -> None:
    table = coverage.table("departement", "pret_d_honneur")
    check(
        table,
        "92",
        "pret_d_honneur",
        status="single",
        partial=True,
        population_covered=5_000,
        population_gap=500,
    )


# --- stages ----------------------------------------------------------------------------


def test_emergence(coverage: Coverage) -> None:
    communes = coverage.table("commune", "emergence")
    # incub_alpha, incub_91, fai_99 at Alpha and Beta; incub_91 and fai_99 at Gamma.
    check(communes, "91001", "emergence", status="covered", n_offers=3)
    check(communes, "91003", "emergence", status="covered", n_offers=2)
    check(communes, "92001", "emergence", status="single", offers="fai_99")
    check(communes, "94001", "emergence", status="gap")
    departements = coverage.table("departement", "emergence")
    check(departements, "91", "emergence", status="covered", n_offers=3)
    check(departements, "92", "emergence", status="single", n_offers=1)
    check(departements, "94", "emergence", status="gap")


def test_consolidation_mixes_known_and_expected_offers(coverage: Coverage) -> None:
    table = coverage.table("departement", "consolidation")
    # Delta: dla_92_expected and pret_delta (known); Epsilon: dla_92_expected only.
    check(
        table,
        "92",
        "consolidation",
        status="covered",
        min_status="unknown",
        n_offers=2,
        n_active=1,
        n_expected=1,
        offers="dla_92_expected|pret_delta",
        population_unknown=500,
        n_national=1,
        national="avise",
    )


def test_overlap_threshold(eco: Ecosystem) -> None:
    strict = compute_coverage(eco, overlap_threshold=2)
    communes = strict.table("commune", "emergence")
    check(communes, "91001", "emergence", status="overlap")  # 3 offers > 2
    check(communes, "91003", "emergence", status="covered")  # 2 offers
    per_key = compute_coverage(eco, overlap_threshold={Stage.EMERGENCE: 1})
    check(per_key.table("commune", "emergence"), "91003", "emergence", status="overlap")
    check(per_key.table("commune", "incubateur"), "91001", "incubateur", status="covered")
    with pytest.raises(ValueError, match="au moins 1"):
        compute_coverage(eco, overlap_threshold=0)


def test_stages_named_by_a_structure_replace_the_defaults(geo: Territories) -> None:
    eco = Ecosystem(
        [structure("incub", "incubateur", "departement", ["91"], stages=["scaling"])],
        territories=geo,
        surveys=SURVEYS,
    )
    table = compute_coverage(eco).table("departement", ["emergence", "scaling"], region="99")
    check(table, "91", "emergence", status="gap")
    check(table, "91", "scaling", status="single")


def test_national_actors_are_listed_apart(coverage: Coverage) -> None:
    national = coverage.national_table.set_index("key")
    assert national.loc["dla_national", "national"] == "avise"
    assert national.loc["consolidation", "national"] == "avise"
    assert national.loc["incubateur", "national"] == "la_ruche"
    assert national.loc["cress", "n_national"] == 0
    check(coverage.table("region", "dla_national"), "99", "dla_national", status="gap")


def test_region_filter(coverage: Coverage) -> None:
    table = coverage.table("departement", "cress", region=99)
    assert table["code"].tolist() == ["91", "92", "93"]
    assert coverage.table("epci", "cress", region="98")["code"].tolist() == ["200000041"]
    assert coverage.table("commune", "cress", region="98")["code"].tolist() == ["94001"]
    with pytest.raises(UnknownTerritoryError):
        coverage.table("departement", "cress", region="52")


def test_empty_ecosystem_is_all_none_known_and_gaps_once_surveyed(geo: Territories) -> None:
    coverage = compute_coverage(Ecosystem([], territories=geo))
    table = coverage.table("departement")
    assert set(table["status"]) == {"none_known"}
    assert (table["population_none_known"] == table["population"]).all()
    assert (table["population_gap"] == 0).all()
    assert repr(coverage).startswith("<Coverage: 0 structures, 8 communes × 30 keys")
    surveyed = compute_coverage(Ecosystem([], territories=geo, surveys=SURVEYS)).table(
        "departement"
    )
    assert set(surveyed["status"]) == {"gap"}
    assert (surveyed["population_gap"] == surveyed["population"]).all()
    assert (surveyed["surveyed"] == 1.0).all()


# --- gap report ------------------------------------------------------------------------


def test_gap_report_ranks_by_population_without_offer(coverage: Coverage) -> None:
    report = gap_report(coverage, "departement", stage="emergence")
    assert list(report.columns) == list(REPORT_COLUMNS)
    shown = report[["region", "rank", "code", "status", "population_gap"]]
    assert shown.values.tolist() == [
        ["98", 1, "94", "gap", 4_000],
        # Then singles (fragile) before covered, larger population first.
        ["99", 2, "92", "single", 0],
        ["99", 3, "93", "single", 0],
        ["99", 4, "91", "covered", 0],
    ]
    assert report["region_name"].tolist() == ["Région Voisine"] + ["Région Fictive"] * 3
    by_region = gap_report(coverage, "departement", stage="emergence", by_region=True)
    assert by_region[["region", "rank"]].values.tolist() == [
        ["98", 1],
        ["99", 1],
        ["99", 2],
        ["99", 3],
    ]
    assert report["key_label"].unique().tolist() == ["Émergence"]
    assert report["status_label"].iloc[0] == "Manque confirmé"
    english = gap_report(coverage, "departement", stage="emergence", lang="en")
    assert english["key_label"].iloc[0] == "Emergence"
    assert english["status_label"].iloc[0] == "Confirmed gap"


def test_gap_report_dla(coverage: Coverage) -> None:
    report = gap_report(coverage, "departement", dispositif="dla_departemental", region="99")
    # Unknown (a data gap) first, then the overlap (an anomaly), then the single.
    assert report[["rank", "code", "status"]].values.tolist() == [
        [1, "92", "unknown"],
        [2, "93", "overlap"],
        [3, "91", "single"],
    ]


def test_gap_report_several_keys_and_errors(coverage: Coverage) -> None:
    report = gap_report(
        coverage, "region", dispositif=["cress", "incubateur"], stage=Stage.EMERGENCE
    )
    assert len(report) == 2 * 3
    assert report.groupby("key", observed=True)["rank"].max().eq(2).all()
    grouped = gap_report(
        coverage, "region", dispositif=["cress", "incubateur"], stage="emergence", by_region=True
    )
    assert grouped.groupby(["region", "key"], observed=True)["rank"].max().eq(1).all()
    with pytest.raises(ValueError, match="au moins un"):
        gap_report(coverage, "region")
    with pytest.raises(ValueError):
        gap_report(coverage, "region", dispositif="pas un dispositif")


# --- files -----------------------------------------------------------------------------


def test_csv_report_neutralises_formulas() -> None:
    frame = pd.DataFrame({"code": ["99"], "name": ["=SUM(A1)"], "n": [1]})
    assert report_csv(frame) == "code,name,n\n99,'=SUM(A1),1\n"


def test_write_csv_xlsx_geojson(coverage: Coverage, tmp_path: Path, geo: Territories) -> None:
    report = gap_report(coverage, "commune", dispositif="dla_departemental")
    csv_path = write_report(report, tmp_path / "report.csv")
    back = pd.read_csv(csv_path, dtype={"code": str, "region": str})
    assert back["code"].tolist() == report["code"].tolist()
    assert back["status"].tolist() == report["status"].astype(str).tolist()

    from openpyxl import load_workbook

    xlsx_path = write_report(report, tmp_path / "report.xlsx")
    sheet = load_workbook(xlsx_path).active
    header = [c.value for c in sheet[1]]
    assert header == list(REPORT_COLUMNS)
    code_column = header.index("code")
    first = [c.value for c in sheet[2]]
    assert first[code_column] == report["code"].iloc[0]
    assert isinstance(first[code_column], str)

    geojson_path = write_report(report, tmp_path / "report.geojson", territories=geo)
    document = json.loads(geojson_path.read_text(encoding="utf-8"))
    assert len(document["features"]) == len(report)
    feature = document["features"][0]
    assert feature["id"] == report["code"].iloc[0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["status"] == report["status"].iloc[0]

    with pytest.raises(ValueError, match="format inconnu"):
        write_report(report, tmp_path / "report.txt")


def test_geodataframe_needs_one_level(coverage: Coverage, geo: Territories) -> None:
    table = pd.concat([coverage.table("commune", "cress"), coverage.table("region", "cress")])
    with pytest.raises(ValueError, match="un seul niveau"):
        to_geodataframe(table, territories=geo)
    points = to_geodataframe(coverage.table("commune", "cress"), territories=geo)
    assert points.geometry.notna().all()
    assert points.geometry.iloc[0].x == pytest.approx(-1.0)


# --- the national dataset --------------------------------------------------------------


@pytest.fixture(scope="module")
def national() -> Ecosystem:
    return load_ecosystem()


@pytest.fixture(scope="module")
def national_coverage(national: Ecosystem) -> Coverage:
    # A fixed day: the dataset's one survey (CRESS Normandie, July 2025) is valid on it.
    return compute_coverage(national, as_of=date(2026, 12, 7))


def test_every_departement_has_a_dla(national: Ecosystem, national_coverage: Coverage) -> None:
    table = national_coverage.table("departement", "dla_departemental")
    assert len(table) == 101
    assert "gap" not in set(table["status"])
    assert not table["partial"].any()
    assert (table["population_gap"] == 0).all()
    # Known operator or unknown (expected): never a gap.
    assert set(table["status"]) <= {"single", "covered", "unknown", "overlap"}


def test_report_lists_the_unknown_dla(national: Ecosystem, national_coverage: Coverage) -> None:
    report = gap_report(national_coverage, "departement", dispositif="dla_departemental")
    unknown = set(report.loc[report["status"] == "unknown", "code"])
    structures = national.structures
    expected_dla = structures[
        (structures["status"] == "expected")
        & structures["dispositifs"].map(lambda d: "dla_departemental" in d)
    ]
    expected_codes = {code for codes in expected_dla["territory_codes"] for code in codes}
    known_codes = {
        code
        for codes in structures.loc[
            (structures["status"] == "active")
            & structures["dispositifs"].map(lambda d: "dla_departemental" in d),
            "territory_codes",
        ]
        for code in codes
    }
    assert unknown == expected_codes - known_codes
    assert len(unknown) > 0
    rows = report[report["status"] == "unknown"]
    assert rows["offers"].str.endswith("_expected").all()
    assert (rows["n_active"] == 0).all()


def test_national_cress_normandie_is_a_gap(national_coverage: Coverage) -> None:
    table = national_coverage.table("region", "cress")
    assert table.loc[table["status"] == "gap", "code"].tolist() == ["28"]


def test_national_population_is_conserved(national: Ecosystem, national_coverage: Coverage) -> None:
    total = int(national.territories.communes["population"].sum())
    key = "incubateur"
    for level in ("commune", "departement", "region", "country"):
        table = national_coverage.table(level, key)
        assert table["population"].sum() == total, level
        parts = table["population_covered"] + table["population_gap"]
        assert (parts + table["population_none_known"]).sum() == total
    epci = national_coverage.table("epci", key)
    without_epci = national.territories.communes.loc[
        national.territories.communes["epci"] == "", "population"
    ].sum()
    assert epci["population"].sum() == total - without_epci
    # The table of régions holds the same populations as territories.csv.
    regions = national_coverage.table("region", key).set_index("code")["population"]
    reference = national.territories.table.query("level == 'region'").set_index("code")
    assert regions.to_dict() == reference["population"].astype(int).to_dict()


def test_national_counts_match_serving(national: Ecosystem, national_coverage: Coverage) -> None:
    """The sparse aggregation agrees with Ecosystem.serving, territory by territory."""
    table = national_coverage.table("departement", "fabrique_a_initiatives")
    for code in ["29", "69", "75", "971", "2A"]:
        served = national.serving(code, level="departement", dispositif="fabrique_a_initiatives")
        offers = row(table, code, "fabrique_a_initiatives")["offers"]
        assert (offers.split("|") if offers else []) == sorted(served.local.index), code
        assert row(table, code, "fabrique_a_initiatives")["n_national"] == len(served.national)


def test_coverage_table_shortcut(national: Ecosystem) -> None:
    table = coverage_table(national, "region", "dla_regional")
    assert len(table) == 18
    assert set(table["status"]) <= {"single", "unknown"}


def test_national_geodataframe(national_coverage: Coverage) -> None:
    shapes = to_geodataframe(national_coverage.table("departement", "cress"))
    assert len(shapes) == 101
    assert shapes.geometry.notna().all()
    assert shapes.crs.to_epsg() == 4326


def test_statuses_are_ordered() -> None:
    assert [s.value for s in STATUS_ORDER] == [
        "gap",
        "none_known",
        "unknown",
        "single",
        "covered",
        "overlap",
    ]
    assert set(STATUS_ORDER) == set(CoverageStatus)


# --- command line ----------------------------------------------------------------------


def test_cli_coverage_csv(capsys: pytest.CaptureFixture[str]) -> None:
    from fresque.cli import main

    assert (
        main(["coverage", "--level", "departement", "--stage", "emergence", "--format", "csv"]) == 0
    )
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("region,region_name,rank,level,code,name,")
    assert len(lines) == 1 + 101
    assert "101 lignes" in err


def test_cli_coverage_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fresque.cli import main

    out = tmp_path / "dla.xlsx"
    code = main(
        ["coverage", "--dispositif", "dla_departemental", "--region", "53", "--out", str(out)]
    )
    assert code == 0 and out.exists()
    assert "4 lignes" in capsys.readouterr().out
    geo = tmp_path / "dla.geojson"
    assert main(["coverage", "--dispositif", "cress", "--level", "region", "--out", str(geo)]) == 0
    assert len(json.loads(geo.read_text(encoding="utf-8"))["features"]) == 18


def test_cli_coverage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fresque.cli import main

    assert main(["coverage", "--level", "departement"]) == 2
    assert "--dispositif" in capsys.readouterr().err
    assert main(["coverage", "--stage", "emergence", "--format", "xlsx"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["coverage", "--stage", "emergence", "--region", "99"]) == 2
    assert main(["coverage", "--stage", "pas une étape"]) == 2
    assert main(["coverage", "--stage", "emergence", "--level", "canton"]) == 2
