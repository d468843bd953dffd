"""Ecosystem queries on a small hand-made ecosystem, expected results worked out by hand.

The geography is ``tests/data/geo_mini`` (12 communes):

==========  ================  ==========  =====  ====  ======
commune     name              population  EPCI   dep.  région
==========  ================  ==========  =====  ====  ======
22202       Plévin                   754  Poher    22      53
22328       Saint-Servais            435  Guing.   22      53
29024       Carhaix-Plouguer        7412  Poher    29      53
29034       Le Cloître-S.-T.         641  Morlaix  29      53
29083       Île-de-Sein              263  –        29      53
29151       Morlaix                15194  Morlaix  29      53
29207       Plourin-lès-M.          4548  Morlaix  29      53
29254       Saint-Martin-d.-C.      4773  Morlaix  29      53
29264       Saint-Servais            784  Landiv.  29      53
29265       Sainte-Sève             1077  Morlaix  29      53
53100       Fougerolles-du-P.       1215  Bocage   53      52
53147       Mayenne                12883  Mayenne  53      52
==========  ================  ==========  =====  ====  ======

Poher Communauté (242900744) spans the Côtes-d'Armor (22) and the Finistère (29);
Morlaix Communauté is 242900835; the Finistère holds 34 692 inhabitants.
"""

from __future__ import annotations

import time
from pathlib import Path

import networkx as nx
import pytest
from shapely.geometry import Point

from fresque.ecosystem import Ecosystem
from fresque.geo.territories import (
    AmbiguousTerritoryError,
    Territories,
    UnknownTerritoryError,
)
from fresque.model import Level, Link, Status, Structure

MINI = Path(__file__).parent / "data" / "geo_mini"
FINISTERE_POPULATION = 7412 + 641 + 263 + 15194 + 4548 + 4773 + 784 + 1077
MORLAIX_CO_POPULATION = 641 + 15194 + 4548 + 4773 + 1077


@pytest.fixture(scope="module")
def mini() -> Territories:
    return Territories.load(MINI)


def structure(sid: str, kind: str, level: str, codes: list[str], **fields) -> Structure:
    return Structure(
        id=sid, name=sid.upper(), kind=kind, territory_level=level, territory_codes=codes, **fields
    )


STRUCTURES = [
    structure(
        "avise",
        "support_structure",
        "country",
        [],
        dispositifs=["fabrique_a_initiatives"],
        confidence="high",
        source_urls=["https://www.avise.org/"],
    ),
    structure("cress_bre", "chamber", "region", ["53"], dispositifs=["cress"], confidence="high"),
    structure(
        "cress_pdl",
        "chamber",
        "region",
        ["52"],
        dispositifs=["cress"],
        status="defunct",
        confidence="high",
    ),
    structure(
        "dla_29",
        "support_structure",
        "departement",
        ["29"],
        dispositifs=["dla_departemental"],
        stages=["consolidation"],
        themes=["emploi"],
        commune_code="29151",
        confidence="medium",
    ),
    structure(
        "dla_22_expected",
        "support_structure",
        "departement",
        ["22"],
        dispositifs=["dla_departemental"],
        stages=["consolidation"],
        status="expected",
        confidence="high",
    ),
    structure(
        "poher",
        "support_structure",
        "epci",
        ["242900744"],
        dispositifs=["incubateur"],
        stages=["emergence", "creation"],
        commune_code="29024",
        confidence="low",
    ),
    structure(
        "adess",
        "support_structure",
        "epci",
        ["242900835"],
        dispositifs=["pole_ess"],
        stages=["ideation"],
        commune_code="29151",
        confidence="high",
    ),
    structure(
        "mayenne_fund",
        "funder",
        "departement",
        ["53"],
        dispositifs=["finance_solidaire"],
        themes=["financement"],
        confidence="medium",
    ),
    structure(
        "sein",
        "support_structure",
        "commune",
        ["29083"],
        dispositifs=["accelerateur"],
        confidence="low",
    ),
    structure("region_bre", "public_body", "region", ["53"], confidence="high"),
]
LINKS = [
    Link(source="avise", target="dla_29", relation="animates", confidence="high"),
    Link(source="region_bre", target="cress_bre", relation="funds", confidence="high"),
    Link(source="region_bre", target="poher", relation="funds", confidence="medium"),
    Link(source="cress_bre", target="adess", relation="partners_with", confidence="medium"),
    Link(source="adess", target="poher", relation="refers_to", confidence="low"),
    Link(source="cress_pdl", target="mayenne_fund", relation="partners_with", confidence="low"),
]


@pytest.fixture(scope="module")
def eco(mini: Territories) -> Ecosystem:
    return Ecosystem(STRUCTURES, LINKS, territories=mini)


def ids(frame) -> list[str]:
    return list(frame.index)


# --- tables and graph -------------------------------------------------------------------


def test_tables_hold_every_field_sorted_by_id(eco: Ecosystem) -> None:
    table = eco.structures
    assert ids(table) == sorted(s.id for s in STRUCTURES)
    assert table.index.name == "id"
    assert table.crs.to_epsg() == 4326
    for field in Structure.model_fields:
        if field != "id":
            assert field in table.columns
    assert table.loc["dla_29", "dispositifs"] == ["dla_departemental"]
    assert table.loc["dla_29", "kind"] == "support_structure"
    assert table.loc["cress_pdl", "status"] == "defunct"
    assert table.loc["avise", "territory_codes"] == ["FR"]
    assert list(eco.links.columns) == list(Link.model_fields)
    assert len(eco.links) == len(LINKS)


def test_structures_are_points_at_their_commune(eco: Ecosystem, mini: Territories) -> None:
    morlaix = mini.communes.set_index("code").loc["29151"]
    assert eco.structures.loc["dla_29", "geometry"].equals(Point(morlaix.lon, morlaix.lat))
    assert eco.structures.loc["adess", "lat"] == pytest.approx(48.577660)
    unlocated = eco.structures["geometry"].isna() | eco.structures["geometry"].is_empty
    assert sorted(eco.structures.index[unlocated]) == [
        "avise",
        "cress_bre",
        "cress_pdl",
        "dla_22_expected",
        "mayenne_fund",
        "region_bre",
        "sein",
    ]


def test_graph_carries_every_attribute(eco: Ecosystem) -> None:
    graph = eco.graph
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.number_of_nodes() == len(STRUCTURES)
    assert graph.number_of_edges() == len(LINKS)
    node = graph.nodes["dla_29"]
    for field in Structure.model_fields:
        assert field in node
    assert node["stages"] == ["consolidation"] and node["commune_code"] == "29151"
    assert node["lon"] == pytest.approx(-3.828370)
    edge = graph.edges["region_bre", "poher", "funds"]
    assert edge["confidence"] == "medium" and edge["relation"] == "funds"
    assert set(Link.model_fields) <= set(edge)


def test_get_and_records(eco: Ecosystem) -> None:
    assert eco.get("sein") == STRUCTURES[8]
    with pytest.raises(KeyError, match="nope"):
        eco.get("nope")
    assert "sein" in eco and "nope" not in eco and len(eco) == 10
    records = eco.records
    assert [s.id for s in records.structures] == ids(eco.structures)
    assert {k.key for k in records.links} == {k.key for k in LINKS}
    assert repr(eco) == "<Ecosystem: 10 structures (1 expected, 1 defunct), 6 links>"


def test_construction_refuses_inconsistent_records(mini: Territories) -> None:
    one = STRUCTURES[1]
    with pytest.raises(ValueError, match="double"):
        Ecosystem([one, one], territories=mini)
    with pytest.raises(ValueError, match="inconnues : ghost"):
        Ecosystem(
            [one], [Link(source="cress_bre", target="ghost", relation="funds")], territories=mini
        )
    twice = Link(source="cress_bre", target="region_bre", relation="funds")
    with pytest.raises(ValueError, match="Liens en double"):
        Ecosystem([one, STRUCTURES[-1]], [twice, twice], territories=mini)
    paris = structure("paris", "network", "departement", ["75"])
    with pytest.raises(ValueError, match="paris"):
        Ecosystem([paris], territories=mini)


def test_mappings_are_validated_into_records(mini: Territories) -> None:
    eco = Ecosystem(
        [{"id": "x", "name": "X", "kind": "Réseau", "territory_level": "national"}],
        territories=mini,
    )
    assert eco.get("x").kind == "network"


# --- territories ------------------------------------------------------------------------


def test_commune_matrix(eco: Ecosystem) -> None:
    matrix = eco.commune_matrix
    assert matrix.shape == (10, 12)
    row = dict(zip(eco.structures.index, matrix.sum(axis=1).tolist(), strict=True))
    assert row == {
        "adess": 5,
        "avise": 0,
        "cress_bre": 10,
        "cress_pdl": 2,
        "dla_22_expected": 2,
        "dla_29": 8,
        "mayenne_fund": 2,
        "poher": 2,
        "region_bre": 10,
        "sein": 1,
    }
    assert eco.national[eco.national].index.tolist() == ["avise"]
    assert eco.communes_served("poher") == ["22202", "29024"]
    assert len(eco.communes_served("avise")) == 12


def test_territory_naming(eco: Ecosystem, mini: Territories) -> None:
    assert eco.resolve_territory("29151").level is Level.COMMUNE
    assert eco.resolve_territory("29").level is Level.DEPARTEMENT
    assert eco.resolve_territory("53", level="region").name == "Bretagne"
    assert eco.resolve_territory(("departement", "53")).name == "Mayenne"
    assert eco.resolve_territory(mini["242900835"]).code == "242900835"
    with pytest.raises(AmbiguousTerritoryError, match="level"):
        eco.resolve_territory("53")
    with pytest.raises(UnknownTerritoryError):
        eco.resolve_territory("99")
    with pytest.raises(UnknownTerritoryError):
        eco.resolve_territory("29600")  # a postal code is not a territory code


def test_serving_a_commune(eco: Ecosystem) -> None:
    found = eco.serving("29151")
    assert found.territory.name == "Morlaix"
    # Region 53, département 29, Morlaix Communauté; never the defunct CRESS of région 52.
    assert found.contains == ["adess", "cress_bre", "dla_29", "region_bre"]
    assert found.overlaps == []
    assert found.local["share"].tolist() == [1.0] * 4
    assert ids(found.national) == ["avise"]
    assert "avise" not in found.local.index
    assert eco.serving("29083").contains == ["cress_bre", "dla_29", "region_bre", "sein"]


def test_serving_a_departement_says_contains_or_overlaps(eco: Ecosystem) -> None:
    found = eco.serving("29")
    assert found.contains == ["cress_bre", "dla_29", "region_bre"]
    assert found.overlaps == ["adess", "poher", "sein"]  # largest share first
    share = found.local["share"]
    assert share["adess"] == pytest.approx(MORLAIX_CO_POPULATION / FINISTERE_POPULATION)
    assert share["poher"] == pytest.approx(7412 / FINISTERE_POPULATION)
    assert share["sein"] == pytest.approx(263 / FINISTERE_POPULATION)
    assert set(found.local["match"]) == {"contains", "overlaps"}

    cotes = eco.serving(("departement", "22"))
    assert cotes.contains == ["cress_bre", "dla_22_expected", "region_bre"]
    assert cotes.overlaps == ["poher"]
    assert cotes.local.loc["poher", "share"] == pytest.approx(754 / (754 + 435))
    assert eco.serving("22", include_expected=False).contains == ["cress_bre", "region_bre"]


def test_serving_other_levels(eco: Ecosystem) -> None:
    mayenne = eco.serving("53", level="departement")
    assert mayenne.contains == ["mayenne_fund"] and mayenne.overlaps == []  # CRESS PdL defunct
    bretagne = eco.serving("53", level="region")
    assert bretagne.contains == ["cress_bre", "region_bre"]
    assert bretagne.overlaps == ["dla_29", "adess", "poher", "dla_22_expected", "sein"]
    poher = eco.serving("242900744")
    assert poher.contains == ["cress_bre", "poher", "region_bre"]
    assert poher.overlaps == ["dla_29", "dla_22_expected"]
    assert poher.local.loc["dla_29", "share"] == pytest.approx(7412 / (7412 + 754))
    france = eco.serving("FR")
    assert france.contains == [] and len(france.overlaps) == 8
    with pytest.raises(AmbiguousTerritoryError):
        eco.serving("53")


def test_serving_filters(eco: Ecosystem) -> None:
    assert eco.serving("29151", dispositif="cress").contains == ["cress_bre"]
    assert eco.serving("29151", dispositif="CRESS (chambre régionale de l’ESS)").contains == [
        "cress_bre"
    ]
    assert eco.serving("29", stage="consolidation").contains == ["dla_29"]
    assert eco.serving("29", stage=["idéation", "création"]).overlaps == ["adess", "poher"]
    assert eco.serving("29151", theme="emploi").contains == ["dla_29"]
    fai = eco.serving("29151", dispositif="fabrique_a_initiatives")
    assert fai.contains == [] and ids(fai.national) == ["avise"]


# --- graph queries ----------------------------------------------------------------------


def test_neighbors(eco: Ecosystem) -> None:
    assert eco.neighbors("cress_bre") == ["adess", "region_bre"]
    assert eco.neighbors("cress_bre", direction="out") == ["adess"]
    assert eco.neighbors("cress_bre", direction="in") == ["adess", "region_bre"]
    # partners_with reads both ways; refers_to does not.
    assert eco.neighbors("adess", direction="out") == ["cress_bre", "poher"]
    assert eco.neighbors("adess", direction="in") == ["cress_bre"]
    assert eco.neighbors("region_bre", relation="funds") == ["cress_bre", "poher"]
    assert eco.neighbors("poher", relation=["funds", "refers_to"], direction="in") == [
        "adess",
        "region_bre",
    ]
    assert eco.neighbors("poher", relation="member_of") == []
    assert eco.neighbors("sein") == []
    with pytest.raises(KeyError):
        eco.neighbors("ghost")
    with pytest.raises(ValueError, match="direction"):
        eco.neighbors("sein", direction="up")


def test_ego(eco: Ecosystem) -> None:
    assert ids(eco.ego("cress_bre", 0).structures) == ["cress_bre"]
    one = eco.ego("cress_bre")
    assert ids(one.structures) == ["adess", "cress_bre", "region_bre"]
    assert {k.key for k in one.records.links} == {
        ("region_bre", "cress_bre", "funds"),
        ("cress_bre", "adess", "partners_with"),
    }
    assert ids(eco.ego("cress_bre", radius=2).structures) == [
        "adess",
        "cress_bre",
        "poher",
        "region_bre",
    ]
    assert len(eco.ego("sein", radius=5)) == 1


# --- filters ----------------------------------------------------------------------------


def test_filter_by_values(eco: Ecosystem) -> None:
    chambers = eco.filter(kinds="chamber")
    assert ids(chambers.structures) == ["cress_bre", "cress_pdl"]
    assert len(chambers.links) == 0
    assert ids(eco.filter(dispositifs=["incubateur", "accelerateur"]).structures) == [
        "poher",
        "sein",
    ]
    assert ids(eco.filter(statuses="expected").structures) == ["dla_22_expected"]
    assert ids(eco.filter(stages="consolidation", themes="emploi").structures) == ["dla_29"]
    assert ids(eco.filter(kinds=["Financeur", "public_body"]).structures) == [
        "mayenne_fund",
        "region_bre",
    ]


def test_filter_by_confidence_drops_structures_and_links(eco: Ecosystem) -> None:
    sure = eco.filter(min_confidence="medium")
    assert "poher" not in sure and "sein" not in sure and "dla_29" in sure
    assert {k.key for k in sure.records.links} == {
        ("avise", "dla_29", "animates"),
        ("region_bre", "cress_bre", "funds"),
        ("cress_bre", "adess", "partners_with"),
    }
    high = eco.filter(min_confidence="high")
    assert ids(high.structures) == [
        "adess",
        "avise",
        "cress_bre",
        "cress_pdl",
        "dla_22_expected",
        "region_bre",
    ]
    assert {k.key for k in high.records.links} == {("region_bre", "cress_bre", "funds")}


def test_filter_by_territory_keeps_national_actors(eco: Ecosystem) -> None:
    morlaix = eco.filter(territory="29151")
    assert ids(morlaix.structures) == ["adess", "avise", "cress_bre", "dla_29", "region_bre"]
    assert len(morlaix.links) == 3
    cotes = eco.filter(territory="22", level="departement")
    assert ids(cotes.structures) == ["avise", "cress_bre", "dla_22_expected", "poher", "region_bre"]
    # A filtered ecosystem answers territorial queries from its own rows.
    assert cotes.serving("22").overlaps == ["poher"]
    assert cotes.commune_matrix.shape == (5, 12)
    with pytest.raises(AmbiguousTerritoryError):
        eco.filter(territory="53")


def test_filters_compose(eco: Ecosystem) -> None:
    both = eco.filter(territory="29").filter(kinds="support_structure", min_confidence="medium")
    assert ids(both.structures) == ["adess", "avise", "dla_29"]
    assert both.get("dla_29").status is Status.ACTIVE


def test_report_counts(eco: Ecosystem) -> None:
    report = eco.report()
    assert "| Structures |    10 |       9 |" in report
    assert "| DLA départemental " in report


def test_territorial_queries_are_fast() -> None:
    """On the national dataset, with the full geography: serving and filter stay cheap."""
    from fresque import load_ecosystem

    eco = load_ecosystem()
    communes = eco.territories.communes["code"].tolist()[::350]  # 100 communes
    start = time.perf_counter()
    for code in communes:
        eco.serving(code)
    per_commune = (time.perf_counter() - start) / len(communes)
    start = time.perf_counter()
    for code in ("29", "75", "2A", "971"):
        eco.filter(territory=code, level="departement")
        eco.serving(code, level="departement")
    per_departement = (time.perf_counter() - start) / 4
    assert per_commune < 0.05, per_commune
    assert per_departement < 0.2, per_departement


def test_filter_by_stage_uses_the_dispositifs_defaults(eco: Ecosystem) -> None:
    # Avise names no stage; as a Fabrique à initiatives it serves idéation and émergence
    # (model.stages_served), as on the Fresque board and in coverage.
    assert eco.get("avise").stages == []
    assert "avise" in ids(eco.filter(stages="ideation").structures)
    assert "avise" not in ids(eco.filter(stages="scaling").structures)
