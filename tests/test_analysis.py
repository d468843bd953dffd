"""Network analysis: values on hand-made graphs, worked out by hand in the comments."""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd
import pytest

from fresque import analysis as A
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.geo.territories import Territories
from fresque.model import Link, Structure

# The hand-made ecosystem (fresque.analysis.example_ecosystem), undirected:
#
#     a ─┐
#     b ─┼─ hub ── x ── y      (x, y, z: a triangle; x—y carries two links)
#     c ─┘         └ z ┘
#                                  alone (no link)
#
# n = 8 structures, 7 linked pairs, 8 links.


@pytest.fixture(scope="module")
def star() -> Ecosystem:
    return A.example_ecosystem(Territories.load("tests/data/geo_mini"))


@pytest.fixture(scope="module")
def geo_coverage() -> Territories:
    return Territories.load("tests/data/geo_coverage")


@pytest.fixture(scope="module")
def fictive(geo_coverage) -> Ecosystem:
    """Région 99 (départements 91, 92, 93) and its neighbour 98 (département 94).

    inc_91: incubateur (stages émergence, création) serving 91, located at Alpha 91001;
    fab_92: Fabrique (idéation, émergence) serving the EPCI of Delta, located at Delta
    (stages spelled out: fresque.access reads the listed stages only);
    dla_93: expected DLA of 93; nat: national network funding inc_91; nat_far: national,
    unlinked. inc_91 and fab_92 are partners.
    """
    structures = [
        Structure(id="inc_91", name="Incubateur 91", kind="support_structure",
                  dispositifs=["incubateur"], stages=["emergence", "creation"],
                  territory_level="departement", territory_codes=["91"], commune_code="91001"),
        Structure(id="fab_92", name="Fabrique 92", kind="support_structure",
                  dispositifs=["fabrique_a_initiatives"], stages=["ideation", "emergence"],
                  territory_level="epci", territory_codes=["200000021"], commune_code="92001"),
        Structure(id="dla_93", name="DLA 93", kind="support_structure",
                  dispositifs=["dla_departemental"], territory_level="departement",
                  territory_codes=["93"], status="expected"),
        Structure(id="nat", name="Réseau national", kind="network", territory_level="country"),
        Structure(id="nat_far", name="Autre national", kind="funder", territory_level="country"),
    ]  # fmt: skip
    links = [
        Link(source="inc_91", target="fab_92", relation="partners_with"),
        Link(source="nat", target="inc_91", relation="funds"),
    ]
    return Ecosystem(structures, links, territories=geo_coverage)


# --------------------------------------------------------------------------------------
# Projections
# --------------------------------------------------------------------------------------


def test_undirected_projection_merges_directions_and_relations(star):
    graph = A.undirected_graph(star)
    assert isinstance(graph, nx.Graph) and not graph.is_directed()
    assert graph.number_of_nodes() == 8 and graph.number_of_edges() == 7
    assert graph.edges["x", "y"]["weight"] == 2  # partners_with + funds
    assert graph.edges["x", "y"]["relations"] == ["funds", "partners_with"]
    assert graph.edges["hub", "a"]["weight"] == 1
    assert graph.nodes["hub"]["kind"] == "network"


def test_directed_projection_reads_partnerships_both_ways(star):
    graph = A.directed_graph(star)
    # a→hub, b→hub, c→hub, hub→x, x→y (funds and partners), y→x (partners), y→z, z→x.
    assert graph.number_of_edges() == 8
    assert graph.edges["x", "y"]["weight"] == 2 and graph.edges["y", "x"]["weight"] == 1
    assert not graph.has_edge("hub", "a")


# --------------------------------------------------------------------------------------
# Centrality
# --------------------------------------------------------------------------------------


def test_degrees_by_hand(star):
    table = A.centrality(star)
    expected = {
        # id: (degree, in_degree, out_degree, links)
        "hub": (4, 3, 1, 4),
        "a": (1, 0, 1, 1),
        "x": (3, 3, 1, 4),  # from hub, y (partners), z; to y; links hub, y ×2, z
        "y": (2, 1, 2, 3),  # from x (partners); to x (partners), z
        "z": (2, 1, 1, 2),
        "alone": (0, 0, 0, 0),
    }
    for sid, values in expected.items():
        assert tuple(table.loc[sid, ["degree", "in_degree", "out_degree", "links"]]) == values


def test_betweenness_by_hand(star):
    # Pairs of the 7 linked structures whose shortest paths cross a structure:
    # hub: a-b, a-c, b-c and {a,b,c} × {x,y,z} = 3 + 9 = 12; x: {a,b,c,hub} × {y,z} = 8.
    # Normalised by (n-1)(n-2)/2 = 7·6/2 = 21 with n = 8 (the isolated one counts).
    table = A.centrality(star)
    assert table.loc["hub", "betweenness"] == pytest.approx(12 / 21)
    assert table.loc["x", "betweenness"] == pytest.approx(8 / 21)
    for sid in ("a", "b", "c", "y", "z", "alone"):
        assert table.loc[sid, "betweenness"] == 0
    assert table.index[:2].tolist() == ["hub", "x"]  # sorted by betweenness


def test_closeness_by_hand(star):
    # Wasserman–Faust: (r/(n-1)) · (r/Σd), r = 6 structures reached, n - 1 = 7.
    # hub: distances 1,1,1,1,2,2 → Σ 8; x: 1,1,1,2,2,2 → 9; y: 1,1,2,3,3,3 → 13;
    # a: 1,2,2,2,3,3 → 13.
    table = A.centrality(star)
    factor = 6 / 7
    assert table.loc["hub", "closeness"] == pytest.approx(factor * 6 / 8)
    assert table.loc["x", "closeness"] == pytest.approx(factor * 6 / 9)
    assert table.loc["y", "closeness"] == pytest.approx(factor * 6 / 13)
    assert table.loc["a", "closeness"] == pytest.approx(factor * 6 / 13)
    assert table.loc["alone", "closeness"] == 0


def test_pagerank_of_one_arc_by_hand():
    # a → b, damping α = 0.85; b has no out-arc, so its rank is spread over both:
    # p_a = (1-α)/2 + α p_b/2, p_a + p_b = 1  ⇒  p_a = 0.5 / 1.425.
    territories = Territories.load("tests/data/geo_mini")
    eco = Ecosystem(
        [Structure(id=i, name=i, kind="network", territory_level="country") for i in "ab"],
        [Link(source="a", target="b", relation="member_of")],
        territories=territories,
    )
    table = A.centrality(eco)
    assert table.loc["a", "pagerank"] == pytest.approx(0.5 / 1.425, abs=1e-6)
    assert table.loc["b", "pagerank"] == pytest.approx(1 - 0.5 / 1.425, abs=1e-6)


def test_pagerank_sums_to_one_and_favours_the_target_of_many(star):
    pagerank = A.centrality(star)["pagerank"]
    assert pagerank.sum() == pytest.approx(1.0)
    assert pagerank["hub"] > pagerank["a"]


# --------------------------------------------------------------------------------------
# Brokers
# --------------------------------------------------------------------------------------


def test_brokers_between_kinds_by_hand(star):
    # hub (network): neighbours a, b, c (support) and x (funder): pairs (a,x), (b,x), (c,x)
    # are of different kinds and unlinked → 3. x (funder): hub (network), y (public body),
    # z (funder): (hub,y) and (hub,z) unlinked and of different kinds; y—z are linked → 2.
    # z (funder): x (funder), y (public body): of different kinds but linked → 0.
    table = A.brokers(star, by="kind")
    assert table.index.tolist() == ["hub", "x"]
    assert table.loc["hub", ["groups_reached", "external_links", "brokered_pairs"]].tolist() == [
        2,
        4,
        3,
    ]
    assert table.loc["x", ["groups_reached", "external_links", "brokered_pairs"]].tolist() == [
        2,
        2,
        2,
    ]
    assert table.loc["x", "external_share"] == pytest.approx(2 / 3)
    everyone = A.brokers(star, by="kind", all_structures=True)
    assert len(everyone) == 8 and everyone.loc["z", "brokered_pairs"] == 0


def test_brokers_with_groups_given(star):
    groups = {"a": "W", "b": "W", "c": "E", "hub": "W", "x": "E", "y": "E", "z": "E", "alone": "W"}
    table = A.brokers(star, by=groups)
    # hub (W): neighbours a, b (W), c, x (E): pairs (a,c), (a,x), (b,c), (b,x) → 4;
    # (c,x) are both E. x (E): hub (W) with y and z (E) → 2.
    assert table["brokered_pairs"].to_dict() == {"hub": 4, "x": 2}


def test_brokers_between_regions_on_the_national_dataset():
    table = A.brokers(load_ecosystem(), by="region")
    assert table.iloc[0]["group"] == "FR"  # a national actor links the most régions
    assert (table["brokered_pairs"] > 0).all()
    assert table["groups_reached"].max() <= 18


# --------------------------------------------------------------------------------------
# Communities
# --------------------------------------------------------------------------------------


def test_communities_by_hand_and_reproducible(star):
    table = A.communities(star, seed=1)
    groups = {k: sorted(v) for k, v in table.groupby("community").groups.items()}
    assert groups == {0: ["a", "b", "c", "hub"], 1: ["x", "y", "z"], 2: ["alone"]}
    # Modularity Σ_c [L_c/m − (d_c/2m)²], m = 8 (weights): star L = 3, d = 7;
    # triangle L = 2 + 1 + 1 = 4, d = 4 + 3 + 2 = 9; alone 0.
    assert table.attrs["modularity"] == pytest.approx(3 / 8 - (7 / 16) ** 2 + 4 / 8 - (9 / 16) ** 2)
    again = A.communities(star, seed=1)
    pd.testing.assert_frame_equal(table, again)
    assert table.loc["hub", "community_size"] == 4


def test_louvain_is_seeded_on_the_national_dataset():
    eco = load_ecosystem()
    first = A.communities(eco, seed=7)
    second = A.communities(eco, seed=7)
    pd.testing.assert_series_equal(first["community"], second["community"])
    assert first["community_size"].max() < len(eco)


def test_community_summary(star):
    summary = A.community_summary(star)
    assert summary["size"].tolist() == [4, 3, 1]
    assert summary["links_inside"].tolist() == [3, 3, 0]
    assert summary["links_outside"].tolist() == [1, 1, 0]  # the bridge hub — x
    assert summary.loc[0, "main_kind"] == "Structure d’accompagnement"
    assert summary.loc[0, "members"].startswith("Hub")


# --------------------------------------------------------------------------------------
# Cuts
# --------------------------------------------------------------------------------------


def test_articulation_points_by_hand(star):
    table = A.articulation_points(star)
    # Without hub: {x, y, z}, {a}, {b}, {c} → 4 pieces, a, b, c cut off.
    # Without x: {hub, a, b, c} and {y, z} → y and z cut off.
    assert table.index.tolist() == ["hub", "x"]
    assert table.loc["hub", ["components_after", "cut_off"]].tolist() == [4, 3]
    assert table.loc["hub", "cut_off_names"] == "A, B, C"
    assert table.loc["x", ["components_after", "cut_off"]].tolist() == [2, 2]
    assert table.loc["x", "cut_off_names"] == "Y, Z"


def test_bridges_by_hand(star):
    table = A.bridges(star)
    pairs = list(zip(table["source"], table["target"], table["cut_off"], strict=True))
    assert pairs == [("hub", "x", 3), ("a", "hub", 1), ("b", "hub", 1), ("c", "hub", 1)]
    assert table.loc[0, "relations"] == "funds"


def test_no_bridge_in_a_triangle(star):
    triangle = A.network_scope(star)  # whole
    assert all("y" not in pair for pair in zip(A.bridges(triangle)["source"], strict=True))


def test_weakly_linked(star):
    table = A.weakly_linked(star)
    assert table["reason"].to_dict() == {
        "alone": "isolated",
        "a": "single_link",
        "b": "single_link",
        "c": "single_link",
    }
    assert table.loc["alone", "component_size"] == 1
    assert not table.loc["alone", "in_main_component"]
    assert table.loc["a", "reason_label"] == "un seul lien"


def test_outside_main_component(fictive):
    table = A.weakly_linked(fictive)
    # Main component {inc_91, fab_92, nat}: fab_92 and nat have one link each.
    assert table["reason"].to_dict() == {
        "dla_93": "isolated",
        "nat_far": "isolated",
        "fab_92": "single_link",
        "nat": "single_link",
    }


# --------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------


def test_network_summary_by_hand(star):
    summary = A.network_summary(star)
    assert summary["structures"] == 8
    assert summary["links"] == 8
    assert summary["pairs"] == 7
    assert summary["density"] == pytest.approx(7 / 28)
    assert summary["mean_degree"] == pytest.approx(2 * 7 / 8)
    assert summary["components"] == 2
    assert summary["largest_component"] == 7
    assert summary["largest_share"] == pytest.approx(7 / 8)
    assert summary["isolated"] == 1
    # 8 arcs, of which x→y and y→x are reciprocated.
    assert summary["reciprocity"] == pytest.approx(2 / 8)
    # One triangle; connected triples: hub C(4,2)=6, x C(3,2)=3, y 1, z 1 → 3·1/11.
    assert summary["transitivity"] == pytest.approx(3 / 11)
    assert summary["articulation_points"] == 2
    assert summary["bridges"] == 4
    assert summary["communities"] == 3
    assert summary["modularity"] == pytest.approx(3 / 8 - (7 / 16) ** 2 + 4 / 8 - (9 / 16) ** 2)


def test_network_scope_of_a_region(fictive):
    linked = A.network_scope(fictive, "99")
    assert sorted(linked.structures.index) == ["dla_93", "fab_92", "inc_91", "nat"]
    everyone = A.network_scope(fictive, "99", national="all")
    assert "nat_far" in everyone
    local = A.network_scope(fictive, "99", national="none")
    assert sorted(local.structures.index) == ["dla_93", "fab_92", "inc_91"]
    assert A.network_scope(fictive, "98").structures.empty  # nothing local: no anchor
    with pytest.raises(ValueError, match="national"):
        A.network_scope(fictive, "99", national="some")


def test_home_regions(geo_coverage):
    structures = [
        # located in Theta (région 98) though it serves région 99: where it sits wins
        Structure(id="sits", name="S", kind="network", territory_level="region",
                  territory_codes=["99"], commune_code="94001"),
        # unlocated, one région
        Structure(id="one", name="O", kind="network", territory_level="departement",
                  territory_codes=["92"]),
        # unlocated, two régions: 93 (4 500 inhabitants, région 99) and 94 (4 000, 98)
        Structure(id="two", name="T", kind="network", territory_level="departement",
                  territory_codes=["93", "94"]),
        Structure(id="nat", name="N", kind="network", territory_level="country"),
    ]  # fmt: skip
    eco = Ecosystem(structures, territories=geo_coverage)
    assert A.home_regions(eco).to_dict() == {"nat": "FR", "one": "99", "sits": "98", "two": "99"}


def test_summary_by_region(fictive):
    table = A.summary_by_region(fictive)
    assert table.index.tolist() == ["98", "99", "FR"]
    assert table.loc["99", "structures"] == 4 and table.loc["98", "structures"] == 0
    assert table.loc["FR", "structures"] == 5


# --------------------------------------------------------------------------------------
# Comparison of régions
# --------------------------------------------------------------------------------------


def test_compare_regions_by_hand(fictive):
    table = A.compare_regions(fictive, keys=["emergence"], thresholds=(10, 30))
    r99, r98 = table.loc["99"], table.loc["98"]
    assert r99["name"] == "Région Fictive" and r99["population"] == 23000
    # Émergence: inc_91 (91) and fab_92 (Delta) serve the région.
    assert r99["offers"] == 2
    assert r99["offers_per_100k"] == pytest.approx(2e5 / 23000)
    # Covered: Alpha, Beta, Gamma (91) and Delta = 10 000 + 2 000 + 1 000 + 5 000.
    assert r99["covered_emergence"] == pytest.approx(18000 / 23000)
    # Départements: 91 single, 92 single (Delta only, partly), 93 without any offer, and
    # nobody surveyed it: no offer recorded, not a confirmed gap.
    assert (r99["gap"], r99["none_known"], r99["single"], r99["covered"]) == (0, 1, 2, 0)
    assert (r98["gap"], r98["none_known"], r98["offers"]) == (0, 1, 0)
    assert r98["covered_emergence"] == 0.0
    # Beyond 10 km of Alpha (400, 6800) or Delta (400, 6789) km: Gamma (14 km), Epsilon
    # (14), Zeta (11), Eta (√(7² + 11²) = 13.04): 1 000 + 500 + 3 000 + 1 500 = 6 000.
    assert r99["share_beyond_10km"] == pytest.approx(6000 / 23000)
    assert r99["share_beyond_30km"] == 0
    assert r98["share_beyond_30km"] == 1  # Theta is 74.8 km from Delta
    # Network of 99: inc_91, fab_92, dla_93 and nat (linked to inc_91).
    assert r99["structures"] == 4 and r99["links"] == 2
    assert r99["density"] == pytest.approx(2 / 6)
    assert r99["components"] == 2 and r99["largest_share"] == pytest.approx(3 / 4)
    assert r99["articulation_points"] == 1
    # Arcs inc→fab, fab→inc (partners), nat→inc: two reciprocated out of three.
    assert r99["reciprocity"] == pytest.approx(2 / 3)


def test_compare_regions_mixes_dispositifs_and_stages(fictive):
    table = A.compare_regions(fictive, keys=["dla_departemental", "ideation"])
    r99 = table.loc["99"]
    # dla_93 (expected) and fab_92 (idéation).
    assert r99["offers"] == 2
    assert r99["unknown"] == 1  # 93 × DLA
    assert math.isclose(r99["covered_ideation"], 5000 / 23000)


def test_compare_regions_counts_unknown_distances_of_every_facet(fictive):
    """The expected DLA of 93 has no place: for the consolidation stage, the 93 may have
    it next door, even though the incubator key (first facet) has no unlocated offer."""
    table = A.compare_regions(fictive, keys=["incubateur", "consolidation"], thresholds=(10,))
    r99 = table.loc["99"]
    # Unknown: Zeta and Eta (93), 22 and 23 km from inc_91 = 3 000 + 1 500.
    assert r99["share_unknown_10km"] == pytest.approx(4500 / 23000)
    # Beyond 10 km for sure: Gamma (14 km), Delta (11), Epsilon (17.8), all farther than
    # 10 km from the 93 = 1 000 + 5 000 + 500.
    assert r99["share_beyond_10km"] == pytest.approx(6500 / 23000)
    assert A.labelled(table[["share_unknown_10km"]]).columns.tolist() == [
        "part à distance inconnue (seuil de 10 km)"
    ]


def test_compare_regions_on_the_national_dataset():
    table = A.compare_regions(load_ecosystem())
    assert len(table) == 18
    assert {"covered_emergence", "share_beyond_30km", "density"} <= set(table.columns)
    assert (table["offers_per_100k"] > 0).all()
    assert table["share_beyond_30km"].between(0, 1).all()
    labelled = A.labelled(table)
    assert "offres pour 100 000 hab." in labelled.columns
    assert "part à plus de 30 km" in labelled.columns


# --------------------------------------------------------------------------------------
# Removing a structure
# --------------------------------------------------------------------------------------


def test_removal_impact_by_hand(fictive):
    impact = A.removal_impact(fictive, "inc_91")
    gaps = impact.new_gaps
    assert sorted(zip(gaps["code"], gaps["key"], strict=True)) == [
        ("91", "creation"),
        ("91", "emergence"),
        ("91", "incubateur"),
    ]
    assert (gaps["population_gap_after"] == 13000).all()
    assert (gaps["population_gap_before"] == 0).all()
    assert (gaps["status_before"] == "single").all()
    # Nobody surveyed the 91: what is left is "no offer recorded", not a confirmed gap.
    assert (gaps["status_after"] == "none_known").all()
    # fab_92 and nat were linked through inc_91 only.
    assert impact.cut_off == ("fab_92", "nat")
    assert impact.network.loc["structures"].tolist() == [5, 4]
    assert impact.network.loc["links", "after"] == 0


def test_removal_of_a_hub_cuts_its_members(star):
    impact = A.removal_impact(star, "hub")
    assert impact.cut_off == ("a", "b", "c")
    assert impact.coverage.empty  # national structures change no local status


def test_without_unknown_id(star):
    with pytest.raises(KeyError):
        A.without(star, "nobody")


def test_region_analysis_on_the_national_dataset():
    eco = load_ecosystem()
    table = A.centrality(eco, "53")
    assert {"tag29", "tag35", "cress_bre"} <= set(table.index)
    assert "avise" not in table.index  # national, no link to a Breton structure
    assert table["betweenness"].between(0, 1).all()
    cuts = A.articulation_points(eco, "53")
    assert "fai_bretagne" in cuts.index  # the TAg of the four départements meet there
