"""Accessibility on a made-up geography whose distances are worked out by hand.

The geography is ``tests/data/geo_access`` (see its README). Positions in km from the
origin; every mainland distance below is a 3-4-5 triangle or a straight line:

=======  ===========  ==========  ========  ==========
commune  name         population  zone      x, y (km)
=======  ===========  ==========  ========  ==========
01001    Centreville      10 000  mainland    0,   0
01002    Troisquatre       2 000  mainland   30,  40
01003    Sixhuit           3 000  mainland    6,   8
01004    Vieillerive       1 000  mainland    4,  −3
02001    Portbas           4 000  mainland  100,   0
02002    Longuerive        1 000  mainland  100,  25
02003    Mimont              500  mainland   70,   0
03001    Sudbourg            800  mainland    0, −21
03002    Fondval             200  mainland    0, −60
2A001    Capu              1 500  corse     −12, −16
2A002    Punta               500  corse      −3,  −4
97401    Bois-Rouge        6 000  974        36,  48
97402    Grand-Fond        1 000  974         6,   8
=======  ===========  ==========  ========  ==========

Départements 01 (16 000 inhabitants), 02 (5 500), 03 (1 000) make région 99 (22 500);
2A is 2 000, 974 is 7 000. Punta (2A002) lies 5 km from Centreville *by the numbers*, and
Grand-Fond (97402, in its own UTM projection) has the same numbers as Sixhuit: only the
zone rule keeps them apart.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod, Transformer

from fresque.access import (
    THRESHOLDS_KM,
    ZONES,
    Accessibility,
    nearest_offers,
    nearest_offers_all,
    population_beyond,
    zone_of,
)
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.geo.territories import Territories
from fresque.i18n import UnknownValueError
from fresque.model import Dispositif, Stage, Structure

GEO = Path(__file__).parent / "data" / "geo_access"


def structure(sid: str, level: str, codes: list[str], **fields) -> Structure:
    return Structure(
        id=sid,
        name=sid.replace("_", " ").title(),
        kind="support_structure",
        territory_level=level,
        territory_codes=codes,
        **fields,
    )


STRUCTURES = [
    # Incubators of the two first départements, of Corsica; none in 03 or 974.
    structure(
        "incub_centre",
        "departement",
        ["01"],
        dispositifs=["incubateur"],
        stages=["emergence", "creation"],
        commune_code="01001",
    ),
    structure(
        "incub_aval",
        "departement",
        ["02"],
        dispositifs=["incubateur"],
        stages=["emergence", "creation"],
        commune_code="02001",
    ),
    structure(
        "incub_corse",
        "departement",
        ["2A"],
        dispositifs=["incubateur"],
        stages=["emergence", "creation"],
        commune_code="2A001",
    ),
    # A national incubator sitting in Troisquatre: apart unless include_national.
    structure("incub_national", "country", [], dispositifs=["incubateur"], commune_code="01002"),
    # Never offers: a closed one in Sudbourg, an expected one in Fondval, an unlocated one.
    structure(
        "incub_ferme",
        "departement",
        ["03"],
        dispositifs=["incubateur"],
        status="defunct",
        commune_code="03001",
    ),
    structure(
        "incub_attendu",
        "departement",
        ["03"],
        dispositifs=["incubateur"],
        status="expected",
        commune_code="03002",
    ),
    structure("incub_sans_lieu", "departement", ["03"], dispositifs=["incubateur"]),
    # Shares Centreville with incub_centre; its id comes first.
    structure(
        "cae_centre",
        "departement",
        ["01"],
        dispositifs=["cae"],
        stages=["emergence"],
        commune_code="01001",
    ),
    # Serves only the 01, sits in Sixhuit.
    structure(
        "fabrique_amont",
        "departement",
        ["01"],
        dispositifs=["fabrique_a_initiatives"],
        stages=["ideation", "emergence"],
        commune_code="01003",
    ),
    structure(
        "dla_reunion",
        "departement",
        ["974"],
        dispositifs=["dla_porteur"],
        stages=["consolidation"],
        commune_code="97401",
    ),
]

ORDER = [
    "01001",
    "01002",
    "01003",
    "01004",
    "02001",
    "02002",
    "02003",
    "03001",
    "03002",
    "2A001",
    "2A002",
    "97401",
    "97402",
]
NAN = float("nan")

# Nearest incubator of each commune, national actors apart.
INCUBATEUR = {
    "01001": (0.0, "incub_centre"),
    "01002": (50.0, "incub_centre"),  # 30-40-50; incub_aval is √(70² + 40²) ≈ 80.6 km
    "01003": (10.0, "incub_centre"),  # 6-8-10
    "01004": (5.0, "incub_centre"),  # 4-3-5
    "02001": (0.0, "incub_aval"),
    "02002": (25.0, "incub_aval"),
    "02003": (30.0, "incub_aval"),  # incub_centre is 70 km west
    "03001": (21.0, "incub_centre"),  # the defunct one in Sudbourg does not count
    "03002": (60.0, "incub_centre"),  # the expected one in Fondval does not count
    "2A001": (0.0, "incub_corse"),
    "2A002": (15.0, "incub_corse"),  # 9-12-15; incub_centre is 5 km away by the numbers
    "97401": (NAN, None),
    "97402": (NAN, None),
}


@pytest.fixture(scope="module")
def geo() -> Territories:
    return Territories.load(GEO)


@pytest.fixture(scope="module")
def eco(geo: Territories) -> Ecosystem:
    return Ecosystem(STRUCTURES, territories=geo)


def check(frame: pd.DataFrame, expected: dict[str, tuple[float, str | None]]) -> None:
    """Distances (to the metre) and offer ids of ``frame`` are those of ``expected``."""
    got = frame.loc[list(expected)]
    want = np.array([d for d, _ in expected.values()])
    np.testing.assert_allclose(got["distance_km"].to_numpy(), want, atol=1e-6, equal_nan=True)
    offers = [None if pd.isna(o) else o for o in got["offer_id"]]
    assert offers == [o for _, o in expected.values()]


# --- nearest offers -------------------------------------------------------------------


def test_frame_shape_and_order(eco: Ecosystem) -> None:
    near = nearest_offers(eco, dispositif="incubateur")
    assert near.index.tolist() == ORDER
    assert near.index.name == "commune"
    assert near.columns.tolist() == [
        "distance_km",
        "offer_id",
        "zone",
        "unlocated_km",
        "unlocated_id",
        "distance_known",
    ]
    assert near["distance_km"].dtype == np.float64
    assert near["unlocated_km"].dtype == np.float64
    assert near["distance_known"].dtype == bool
    assert near["zone"].tolist() == ["metropole"] * 9 + ["corse"] * 2 + ["974"] * 2


def test_incubators_by_hand(eco: Ecosystem) -> None:
    check(nearest_offers(eco, dispositif="incubateur"), INCUBATEUR)


def test_labels_and_members_are_accepted(eco: Ecosystem) -> None:
    by_value = nearest_offers(eco, dispositif="incubateur")
    for spelled in ("Incubateur", Dispositif.INCUBATEUR, ["incubateur"]):
        pd.testing.assert_frame_equal(nearest_offers(eco, dispositif=spelled), by_value)
    with pytest.raises(UnknownValueError):
        nearest_offers(eco, dispositif="incubatuer")


def test_corsica_is_its_own_zone(eco: Ecosystem) -> None:
    near = nearest_offers(eco, dispositif="incubateur")
    # Punta is 5 km from Centreville's incubator by the numbers, but over the sea.
    assert near.loc["2A002", "offer_id"] == "incub_corse"
    assert near.loc["2A002", "distance_km"] == pytest.approx(15.0)
    # A Fabrique on the mainland only: Corsica has none.
    fabrique = nearest_offers(eco, dispositif="fabrique_a_initiatives")
    assert fabrique.loc[["2A001", "2A002"], "distance_km"].isna().all()
    # And the mainland never reaches into Corsica: without incub_centre and incub_aval,
    # Centreville (15+5 = 20 km from Capu by the numbers) still has no Corsican offer.
    corsica_only = Ecosystem([STRUCTURES[2]], territories=eco.territories)
    alone = nearest_offers(corsica_only)
    assert alone.loc[alone["zone"] == "metropole", "distance_km"].isna().all()
    assert alone.loc["2A002", "distance_km"] == pytest.approx(15.0)


def test_drom_is_never_served_from_the_mainland(eco: Ecosystem) -> None:
    fabrique = nearest_offers(eco, dispositif="fabrique_a_initiatives")
    # Grand-Fond has the same numbers as Sixhuit, where the Fabrique sits, in another
    # projection: a mixed-up implementation would say 0 km.
    check(
        fabrique,
        {
            "01003": (0.0, "fabrique_amont"),
            "01001": (10.0, "fabrique_amont"),
            # It serves only the 01 but is 29.6 km from Sudbourg: distance is physical.
            "03001": (math.hypot(6, 29), "fabrique_amont"),
            "97402": (NAN, None),
            "97401": (NAN, None),
        },
    )
    dla = nearest_offers(eco, dispositif="dla_porteur")
    check(dla, {"97401": (0.0, "dla_reunion"), "97402": (50.0, "dla_reunion")})  # 30-40-50
    assert dla.loc[dla["zone"] != "974", "distance_km"].isna().all()


def test_nan_and_zones_without_offer(eco: Ecosystem) -> None:
    near = nearest_offers(eco, dispositif="incubateur")
    assert near.attrs["zones_without_offer"] == ["974"]
    assert not np.isinf(near["distance_km"]).any()
    dla = nearest_offers(eco, dispositif="dla_porteur")
    assert dla.attrs["zones_without_offer"] == ["metropole", "corse"]
    assert dla.attrs["dispositif"] == ["dla_porteur"]
    assert dla.attrs["stage"] is None
    assert dla.attrs["include_national"] is False
    nothing = nearest_offers(eco, dispositif="cress")
    assert nothing["distance_km"].isna().all()
    assert nothing["offer_id"].isna().all()
    assert nothing.attrs["zones_without_offer"] == ["metropole", "corse", "974"]


def test_national_actors_are_apart_unless_asked(eco: Ecosystem) -> None:
    local = nearest_offers(eco, dispositif="incubateur")
    assert "incub_national" not in set(local["offer_id"].dropna())
    national = nearest_offers(eco, dispositif="incubateur", include_national=True)
    # Only Troisquatre, where it sits, gets nearer: 02002 is √(70² + 15²) ≈ 71.6 km from
    # it (25 from incub_aval), 02003 √(40² + 40²) ≈ 56.6 (30), 01003 40 (10).
    check(national, INCUBATEUR | {"01002": (0.0, "incub_national")})
    assert national.attrs["include_national"] is True
    assert Accessibility(eco).offers.index.tolist() == [
        "cae_centre",
        "dla_reunion",
        "fabrique_amont",
        "incub_aval",
        "incub_centre",
        "incub_corse",
    ]
    assert bool(Accessibility(eco, include_national=True).offers.loc["incub_national", "national"])


def test_stage_and_combined_criteria(eco: Ecosystem) -> None:
    emergence = nearest_offers(eco, stage="émergence")
    check(
        emergence,
        {
            # cae_centre and incub_centre share Centreville: the smallest id wins.
            "01001": (0.0, "cae_centre"),
            "01002": (40.0, "fabrique_amont"),  # 24-32-40 from Sixhuit, 50 from Centreville
            "01003": (0.0, "fabrique_amont"),
            "02003": (30.0, "incub_aval"),
            "2A002": (15.0, "incub_corse"),
            "97402": (NAN, None),
        },
    )
    # Both criteria must hold: no incubator works at the ideation stage.
    assert nearest_offers(eco, dispositif="incubateur", stage="ideation")["offer_id"].isna().all()
    # Several values of one criterion: any of them.
    either = nearest_offers(eco, dispositif=["incubateur", "Fabrique à initiatives"])
    check(either, {"01003": (0.0, "fabrique_amont"), "01001": (0.0, "incub_centre")})
    # No criterion: every local located active structure.
    anything = nearest_offers(eco)
    check(anything, {"01001": (0.0, "cae_centre"), "97402": (50.0, "dla_reunion")})


def test_results_are_not_shared_between_calls(eco: Ecosystem) -> None:
    first = nearest_offers(eco, dispositif="incubateur")
    first.loc["01002", "distance_km"] = -1.0
    first.loc["01002", "offer_id"] = "changed"
    again = nearest_offers(eco, dispositif="incubateur")
    check(again, {"01002": (50.0, "incub_centre")})


def test_all_keys_at_once(eco: Ecosystem) -> None:
    table = nearest_offers_all(eco)
    keys = [("dispositif", d.value) for d in Dispositif] + [("stage", s.value) for s in Stage]
    assert table.index.names == ["facet", "key", "commune"]
    assert len(table) == len(keys) * len(ORDER)
    for facet, key in [
        ("dispositif", "incubateur"),
        ("dispositif", "cress"),
        ("stage", "emergence"),
    ]:
        alone = nearest_offers(eco, **{facet: key})
        block = table.loc[(facet, key)]
        pd.testing.assert_frame_equal(block, alone, check_dtype=False)
        assert (
            table.attrs["zones_without_offer"][(facet, key)] == alone.attrs["zones_without_offer"]
        )
    assert table.loc[("dispositif", "cress"), "distance_km"].isna().all()


def test_all_keys_share_trees_and_results(eco: Ecosystem) -> None:
    access = Accessibility(eco)
    access.nearest_all()
    # Offer sets: 6 incubateur/creation/emergence-like sets at most, far fewer than keys.
    distinct = {
        access._select(**{facet: key}).tobytes()
        for facet, enum in (("dispositif", Dispositif), ("stage", Stage))
        for key in enum
    }
    assert len(access._results) == len(distinct) < len(Dispositif) + len(Stage)


def test_zone_of() -> None:
    assert [zone_of(d) for d in ("01", "2A", "2B", "971", "976", "95")] == [
        "metropole",
        "corse",
        "corse",
        "971",
        "976",
        "metropole",
    ]
    assert list(ZONES)[:2] == ["metropole", "corse"]


def test_mixed_projections_in_a_zone_are_refused(geo: Territories) -> None:
    communes = geo.communes.copy()
    communes.loc[communes["code"] == "01002", "epsg"] = "2975"
    broken = Territories(communes, geo.table, geo.postal_codes)
    with pytest.raises(ValueError, match="projections"):
        Accessibility(Ecosystem(STRUCTURES[:1], territories=broken))


# --- population beyond ----------------------------------------------------------------


def test_population_beyond_departements_by_hand(eco: Ecosystem, geo: Territories) -> None:
    table = population_beyond(nearest_offers(eco, dispositif="incubateur"), territories=geo)
    assert table.index.tolist() == ["01", "02", "03", "2A", "974"]
    assert table.index.name == "code"
    assert table.columns.tolist() == [
        "name",
        "communes",
        "population",
        "communes_no_offer",
        "population_no_offer",
        "communes_unknown",
        "population_unknown",
        "share_beyond_20km",
        "share_beyond_30km",
        "share_beyond_50km",
        "share_unknown_20km",
        "share_unknown_30km",
        "share_unknown_50km",
    ]
    assert table["name"].tolist() == ["Amont", "Aval", "Désert", "Corse-du-Sud", "La Réunion"]
    assert table["communes"].tolist() == [4, 3, 2, 2, 2]
    assert table["population"].tolist() == [16_000, 5_500, 1_000, 2_000, 7_000]
    assert table["communes_no_offer"].tolist() == [0, 0, 0, 0, 2]
    assert table["population_no_offer"].tolist() == [0, 0, 0, 0, 7_000]
    # The 03 is served by two incubators without a known place (incub_sans_lieu, and
    # the expected incub_attendu): the distance of its two communes is unknown.
    assert table["communes_unknown"].tolist() == [0, 0, 2, 0, 0]
    assert table["population_unknown"].tolist() == [0, 0, 1_000, 0, 0]
    shares = table[["share_beyond_20km", "share_beyond_30km", "share_beyond_50km"]]
    expected = [
        # 01: only Troisquatre (2 000) is beyond 20 and 30 km; at exactly 50 km it is
        # not beyond 50.
        [2_000 / 16_000, 2_000 / 16_000, 0.0],
        # 02: Longuerive (25 km) and Mimont (30 km) beyond 20; Mimont is not beyond 30.
        [1_500 / 5_500, 0.0, 0.0],
        # 03: Sudbourg (21 km) and Fondval (60 km) from the nearest located incubator,
        # but an unlocated one may be in either: nothing is known to be beyond.
        [0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
        # 974: no incubator in the zone: beyond every threshold.
        [1.0, 1.0, 1.0],
    ]
    np.testing.assert_allclose(shares.to_numpy(), expected)
    unknown = table[["share_unknown_20km", "share_unknown_30km", "share_unknown_50km"]]
    # 03: both communes unknown at 20 km; Sudbourg is within 30 km of Centreville's
    # incubator whatever the unlocated ones, Fondval (200) is unknown at 30 and 50 km.
    np.testing.assert_allclose(unknown.loc["03"].to_numpy(dtype=float), [1.0, 0.2, 0.2])
    assert (unknown.drop(index="03").to_numpy() == 0).all()


def test_population_beyond_other_levels(eco: Ecosystem, geo: Territories) -> None:
    near = nearest_offers(eco, dispositif="incubateur")
    regions = population_beyond(near, level="région", territories=geo)
    assert regions.index.tolist() == ["04", "94", "99"]
    np.testing.assert_allclose(
        regions.loc["99", ["share_beyond_20km", "share_beyond_30km", "share_beyond_50km"]].to_numpy(
            dtype=float
        ),
        # The 03 (1 000, unknown at 20 km; Fondval's 200 at 30 and 50) is left out.
        [3_500 / 22_500, 2_000 / 22_500, 0.0],
    )
    np.testing.assert_allclose(
        regions.loc[
            "99", ["share_unknown_20km", "share_unknown_30km", "share_unknown_50km"]
        ].to_numpy(dtype=float),
        [1_000 / 22_500, 200 / 22_500, 200 / 22_500],
    )
    country = population_beyond(near, level="country", territories=geo)
    assert country.index.tolist() == ["FR"]
    assert country.loc["FR", "name"] == "France"
    assert country.loc["FR", "population"] == 31_500
    np.testing.assert_allclose(
        country.loc["FR", ["share_beyond_20km", "share_beyond_30km", "share_beyond_50km"]].to_numpy(
            dtype=float
        ),
        [(3_500 + 7_000) / 31_500, (2_000 + 7_000) / 31_500, 7_000 / 31_500],
    )
    zones = population_beyond(near, level="zone", territories=geo)
    assert zones.index.tolist() == ["metropole", "corse", "974"]
    assert zones["name"].tolist() == [ZONES["metropole"], "Corse", "La Réunion"]
    assert zones["population"].tolist() == [22_500, 2_000, 7_000]
    epci = population_beyond(near, level="epci", territories=geo)
    assert epci.index.tolist() == ["200000011", "200000022", "200000033", "200000044", "249740000"]
    assert epci["name"].iloc[0] == "CC du Centre"
    with pytest.raises(ValueError, match="commune"):
        population_beyond(near, level="commune", territories=geo)


def test_population_beyond_thresholds_subsets_and_series(eco: Ecosystem, geo: Territories) -> None:
    near = nearest_offers(eco, dispositif="incubateur")
    # Longuerive is exactly 25 km away: not beyond 25; Mimont (30 km) is.
    custom = population_beyond(near, thresholds=[25, 12.5], territories=geo)
    assert custom.columns[-4:].tolist() == [
        "share_beyond_25km",
        "share_beyond_12.5km",
        "share_unknown_25km",
        "share_unknown_12.5km",
    ]
    assert custom.loc["02", "share_beyond_25km"] == pytest.approx(500 / 5_500)
    assert custom.loc["02", "share_beyond_12.5km"] == pytest.approx(1_500 / 5_500)
    assert THRESHOLDS_KM == (20, 30, 50)
    # Some communes only: Centreville and Troisquatre.
    part = population_beyond(near.loc[["01001", "01002"]], territories=geo)
    assert part.index.tolist() == ["01"]
    assert part.loc["01", "population"] == 12_000
    assert part.loc["01", "share_beyond_20km"] == pytest.approx(2_000 / 12_000)
    # The distance column alone: every distance counts as known (the 03 is beyond 20 km
    # then), the rest is the same.
    alone = population_beyond(near["distance_km"], territories=geo)
    full = population_beyond(near, territories=geo)
    assert alone.loc["03", "share_beyond_20km"] == 1.0
    assert (alone.filter(like="unknown") == 0).all().all()
    pd.testing.assert_frame_equal(alone.drop(index="03"), full.drop(index="03"))


def test_population_beyond_unknown_communes(eco: Ecosystem) -> None:
    near = nearest_offers(eco, dispositif="incubateur")
    # The fixture's codes are not all in the national geography: say so, and how to fix it.
    with pytest.raises(ValueError, match="territories="):
        population_beyond(near)


def test_population_beyond_every_key(eco: Ecosystem, geo: Territories) -> None:
    table = population_beyond(eco)  # the ecosystem's own territories
    assert table.index.names == ["facet", "key", "code"]
    assert len(table) == (len(Dispositif) + len(Stage)) * 5
    incubateur = table.loc[("dispositif", "incubateur")]
    pd.testing.assert_frame_equal(
        incubateur,
        population_beyond(nearest_offers(eco, dispositif="incubateur"), territories=geo),
        check_index_type=False,
    )
    assert table.loc[("dispositif", "cress", "01"), "communes_no_offer"] == 4
    assert table.loc[("dispositif", "cress", "01"), "share_beyond_20km"] == 1.0
    with_national = population_beyond(eco, include_national=True)
    assert with_national.loc[("dispositif", "incubateur", "01"), "share_beyond_20km"] == 0.0
    # The long table of nearest_offers_all gives the same.
    pd.testing.assert_frame_equal(
        population_beyond(nearest_offers_all(eco), territories=geo), table
    )


def test_population_zero_gives_nan(eco: Ecosystem, geo: Territories) -> None:
    communes = geo.communes.copy()
    communes.loc[communes["departement"] == "03", "population"] = pd.NA
    empty = Territories(communes, geo.table, geo.postal_codes)
    eco_empty = Ecosystem(STRUCTURES, territories=empty)
    table = population_beyond(nearest_offers(eco_empty, dispositif="incubateur"), territories=empty)
    assert table.loc["03", "population"] == 0
    assert table.loc["03", "communes"] == 2
    assert np.isnan(table.loc["03", "share_beyond_20km"])


# --- the national dataset --------------------------------------------------------------


@pytest.fixture(scope="module")
def national() -> Ecosystem:
    return load_ecosystem()


def test_morlaix_to_nantes_checked_with_pyproj(national: Ecosystem) -> None:
    """Morlaix's nearest Fabrique à initiatives is the one in Nantes, 227 km away."""
    near = nearest_offers(national, dispositif="fabrique_a_initiatives")
    assert near.loc["29151", "offer_id"] == "fai_nantes"
    structures = national.structures
    to_lambert = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    morlaix = national.territories.communes.set_index("code").loc["29151", ["lon", "lat"]]
    mx, my = to_lambert.transform(morlaix["lon"], morlaix["lat"])
    offers = structures[
        structures["dispositifs"].map(lambda d: "fabrique_a_initiatives" in d)
        & (structures["status"] == "active")
        & structures["lon"].notna()
        & ~national.national
    ]
    ox, oy = to_lambert.transform(offers["lon"].to_numpy(), offers["lat"].to_numpy())
    by_pyproj = pd.Series(np.hypot(ox - mx, oy - my) / 1000, index=offers.index)
    # The nearest, by an independent computation from the WGS84 points.
    assert by_pyproj.idxmin() == "fai_nantes"
    assert near.loc["29151", "distance_km"] == pytest.approx(by_pyproj["fai_nantes"], abs=1e-3)
    assert near.loc["29151", "distance_km"] == pytest.approx(227.35, abs=0.01)
    # And the ellipsoid agrees to 0.1 % (Lambert-93's scale error in Brittany).
    nantes = structures.loc["fai_nantes"]
    _, _, metres = Geod(ellps="GRS80").inv(morlaix["lon"], morlaix["lat"], nantes.lon, nantes.lat)
    assert near.loc["29151", "distance_km"] == pytest.approx(metres / 1000, rel=1e-3)


def test_national_dataset_matches_brute_force(national: Ecosystem) -> None:
    """The KD-tree gives the distances of the exhaustive search, zone by zone."""
    communes = national.territories.communes
    xy = communes[["x", "y"]].to_numpy(dtype=float)
    zones = communes["departement"].map(zone_of).to_numpy()
    access = Accessibility(national)
    offers = access.offers
    position = pd.Index(communes["code"]).get_indexer(offers["commune_code"])
    for facet, key in [
        ("dispositif", "incubateur"),
        ("dispositif", "dla_porteur"),
        ("stage", "creation"),
    ]:
        near = access.nearest(**{facet: key})
        column = "dispositifs" if facet == "dispositif" else "stages"
        rows = position[offers[column].map(lambda values, key=key: key in values).to_numpy()]
        expected = np.full(len(communes), np.nan)
        for zone in np.unique(zones):
            here = np.flatnonzero(zones == zone)
            there = rows[zones[rows] == zone]
            if len(there):
                gaps = xy[here, None, :] - xy[None, there, :]
                expected[here] = np.sqrt((gaps**2).sum(axis=2)).min(axis=1) / 1000
        np.testing.assert_allclose(near["distance_km"].to_numpy(), expected, equal_nan=True)


def test_national_dataset_zones(national: Ecosystem) -> None:
    table = nearest_offers_all(national)
    assert len(table) == (len(Dispositif) + len(Stage)) * 34_875
    found = table.dropna(subset=["offer_id"])
    offer_zone = Accessibility(national).offers["zone"]
    # Every offer found lies in the zone of its commune.
    assert (offer_zone.loc[found["offer_id"]].to_numpy() == found["zone"].astype(str)).all()
    # One offer only is located outside the mainland: IERD, an incubator at La Possession
    # (La Réunion). Every other commune of Corsica or overseas is NaN, for every key,
    # where a single plane would have given them Nice's or Paris's offers.
    far = table[table["zone"] != "metropole"]
    reunion = far["zone"] == "974"
    assert len(far) > 0 and far.loc[~reunion, "distance_km"].isna().all()
    assert set(far.loc[reunion, "offer_id"].dropna()) == {"ierd_reunion"}
    near = nearest_offers(national, dispositif="incubateur")
    assert near.attrs["zones_without_offer"] == ["corse", "971", "972", "973", "976"]
    beyond = population_beyond(near, level="zone")
    # Corsica's incubator (Inizià) has no known commune: its distances are unknown.
    assert beyond.loc["corse", "communes_no_offer"] == 0
    assert beyond.loc["corse", "communes_unknown"] == 360
    assert beyond.loc["974", "population"] == 889_679
    assert beyond.loc["974", "population_no_offer"] == 0
    assert near.loc["97408", ["distance_km", "offer_id"]].tolist() == [0.0, "ierd_reunion"]
    assert 0 < beyond.loc["metropole", "share_beyond_30km"] < 1


def test_national_actors_in_paris_do_not_count(national: Ecosystem) -> None:
    near = nearest_offers(national, dispositif="incubateur")
    # La Ruche is a national incubator in Paris; it only counts when asked for. Without
    # it, the nearest is SenseCube, a local incubator of Paris (sourced in the second pass).
    assert near.loc["75056", "offer_id"] == "sensecube"
    with_national = nearest_offers(national, dispositif="incubateur", include_national=True)
    assert with_national.loc["75056", "offer_id"] == "la_ruche"
    assert with_national.loc["75056", "distance_km"] == 0.0


def test_caches_do_not_keep_geographies_alive() -> None:
    import gc
    import weakref

    geo = Territories.load(GEO)
    eco = Ecosystem(STRUCTURES, territories=geo)
    nearest_offers(eco, dispositif="incubateur")
    population_beyond(eco)
    refs = weakref.ref(geo), weakref.ref(eco)
    del geo, eco
    gc.collect()
    assert refs[0]() is None and refs[1]() is None


def test_a_structure_without_stages_serves_its_dispositifs_defaults(geo: Territories) -> None:
    # The rule coverage uses too (model.stages_served): an incubator that lists no stage
    # serves émergence and création, never changement d'échelle.
    unstaged = [
        structure(
            s.id,
            s.territory_level,
            s.territory_codes,
            commune_code=s.commune_code,
            dispositifs=[str(d) for d in s.dispositifs],
        )
        if s.id == "incub_centre"
        else s
        for s in STRUCTURES
    ]
    eco = Ecosystem(unstaged, territories=geo)
    assert eco.get("incub_centre").stages == []
    creation = nearest_offers(eco, stage="creation")
    assert creation.loc["01001", "offer_id"] == "incub_centre"
    assert creation.loc["01001", "distance_km"] == 0.0
    scaling = nearest_offers(eco, stage="scaling")
    assert "incub_centre" not in set(scaling["offer_id"].dropna())


# --- offers without a known place ------------------------------------------------------


def test_unlocated_offers_make_distances_unknown(eco: Ecosystem) -> None:
    near = nearest_offers(eco, dispositif="incubateur")
    # The 03 is served by incub_attendu (expected: its operator, hence its place, is not
    # known, though the fixture gives it a commune) and incub_sans_lieu (no commune): the
    # smallest id is named. Either may sit in Sudbourg or Fondval.
    served = near.loc[["03001", "03002"]]
    assert served["unlocated_km"].tolist() == [0.0, 0.0]
    assert served["unlocated_id"].tolist() == ["incub_attendu", "incub_attendu"]
    assert not served["distance_known"].any()
    # Their nearest located incubator is unchanged, and is only an upper bound now.
    assert served["distance_km"].tolist() == pytest.approx([21.0, 60.0])
    # Outside the 03, an unlocated incubator is at least as far as the nearest commune
    # of the 03: Centreville is 21 km from Sudbourg, Vieillerive (4, −3) √(4² + 18²).
    assert near.loc["01001", "unlocated_km"] == pytest.approx(21.0)
    assert near.loc["01004", "unlocated_km"] == pytest.approx(math.hypot(4, 18))
    # Both are nearer a located incubator (0 and 5 km): their distance is known.
    others = near.drop(index=["03001", "03002"])
    assert others["distance_known"].all()
    # Never across the sea: Punta is 5 km from Centreville by the numbers.
    assert near.loc[["2A001", "2A002", "97401"], "unlocated_km"].isna().all()
    assert near.loc[["2A001", "2A002", "97401"], "unlocated_id"].isna().all()


def test_unlocated_offer_near_a_far_commune(geo: Territories) -> None:
    """Only Portbas's incubator is located; the one of the 03 is not. Centreville is
    100 km from Portbas but 21 km from the 03: its distance may be as short as 21 km."""
    located = next(s for s in STRUCTURES if s.id == "incub_aval")
    unlocated = next(s for s in STRUCTURES if s.id == "incub_sans_lieu")
    eco = Ecosystem([located, unlocated], territories=geo)
    near = nearest_offers(eco, dispositif="incubateur")
    assert near.loc["01001", "distance_km"] == pytest.approx(100.0)
    assert near.loc["01001", "unlocated_km"] == pytest.approx(21.0)
    assert near.loc["01001", "unlocated_id"] == "incub_sans_lieu"
    assert not near.loc["01001", "distance_known"]
    table = population_beyond(near.loc[["01001"]], thresholds=[20, 30], territories=geo)
    # Beyond 20 km for sure (no incubator can be within 21 km); unknown at 30 km.
    assert table.loc["01", "share_beyond_20km"] == 1.0
    assert table.loc["01", "share_unknown_20km"] == 0.0
    assert table.loc["01", "share_beyond_30km"] == 0.0
    assert table.loc["01", "share_unknown_30km"] == 1.0
    assert table.loc["01", "population_unknown"] == 10_000


def test_only_unlocated_offers_is_not_no_offer(geo: Territories) -> None:
    """A zone whose only incubator has no known place: no distance, but an offer."""
    unlocated = next(s for s in STRUCTURES if s.id == "incub_sans_lieu")
    near = nearest_offers(Ecosystem([unlocated], territories=geo), dispositif="incubateur")
    assert near.attrs["zones_without_offer"] == ["metropole", "corse", "974"]
    mainland = near[near["zone"] == "metropole"]
    assert mainland["distance_km"].isna().all()
    assert not mainland["distance_known"].any()
    # Corsica and La Réunion have no incubator at all: known, and beyond everything.
    assert near.loc[near["zone"] != "metropole", "distance_known"].all()
    table = population_beyond(near, thresholds=[30], territories=geo)
    assert table["communes_no_offer"].tolist() == [0, 0, 0, 2, 2]
    assert table["communes_unknown"].tolist() == [4, 3, 2, 0, 0]
    # The 02 (Portbas 100 km from Sudbourg, Longuerive, Mimont 73 km) is beyond 30 km
    # for sure; the 03 may have it anywhere; Vieillerive (18.4 km from Sudbourg) and
    # Centreville (21 km) may have it within 30 km, Sixhuit (29.6) too, Troisquatre
    # (68 km) not.
    assert table.loc["02", "share_beyond_30km"] == 1.0
    assert table.loc["03", "share_unknown_30km"] == 1.0
    assert table.loc["01", "share_beyond_30km"] == pytest.approx(2_000 / 16_000)
    assert table.loc["01", "share_unknown_30km"] == pytest.approx(14_000 / 16_000)
    assert table.loc["2A", "share_beyond_30km"] == 1.0


def test_unlocated_national_offers_only_when_asked(geo: Territories) -> None:
    national = structure("incub_partout", "country", [], dispositifs=["incubateur"])
    eco = Ecosystem([*STRUCTURES, national], territories=geo)
    local = nearest_offers(eco, dispositif="incubateur")
    assert "incub_partout" not in set(local["unlocated_id"].dropna())
    every = nearest_offers(eco, dispositif="incubateur", include_national=True)
    # A national incubator without a known place may be anywhere: only the communes
    # with an incubator of their own know their distance (0 km): those of INCUBATEUR,
    # and Troisquatre, where the located national incubator sits.
    assert every["unlocated_km"].tolist() == [0.0] * len(ORDER)
    known = {"01001", "01002", "02001", "2A001"}
    assert every["distance_known"].tolist() == [code in known for code in ORDER]
    assert bool(
        Accessibility(eco, include_national=True).unlocated.loc["incub_partout", "national"]
    )


def test_defunct_offers_are_never_unlocated_offers(eco: Ecosystem) -> None:
    access = Accessibility(eco)
    assert access.unlocated.index.tolist() == ["incub_attendu", "incub_sans_lieu"]
    assert access.unlocated["status"].tolist() == ["expected", "active"]


def test_population_beyond_national_unknowns(national: Ecosystem) -> None:
    """Morbihan: every incubator of Brittany but TAg29 and TAg35 lacks a commune. The
    report's "Morbihan 100 % beyond 30 km" was the ignorance of where TAg56 sits."""
    near = nearest_offers(national, dispositif="incubateur")
    assert near.loc["56260", "unlocated_id"] == "tag56"  # Vannes
    assert not near.loc["56260", "distance_known"]
    table = population_beyond(near, thresholds=[30])
    morbihan = table.loc["56"]
    assert morbihan["share_beyond_30km"] == 0.0
    assert morbihan["share_unknown_30km"] == pytest.approx(1.0)
    # The located population counts still add up: beyond + unknown + within = 1.
    within = 1 - table["share_beyond_30km"] - table["share_unknown_30km"]
    assert ((within >= -1e-12) & (within <= 1 + 1e-12))[table["population"] > 0].all()
