"""The data-quality indicator, worked out by hand on the made-up geography.

``tests/data/geo_coverage``: région 99 = départements 91 (13 000 inhabitants), 92
(5 500), 93 (4 500); région 98 = département 94 (4 000).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from quality_data import made_up_ecosystem

from fresque.coverage import compute_coverage
from fresque.ecosystem import Ecosystem
from fresque.quality import QUALITY_COLUMNS, data_quality, stale_offers

GEO = Path(__file__).parent / "data" / "geo_coverage"
AS_OF = date(2026, 12, 7)


@pytest.fixture(scope="module")
def eco() -> Ecosystem:
    return made_up_ecosystem()


def test_quality_by_hand(eco: Ecosystem) -> None:
    coverage = compute_coverage(eco, as_of=AS_OF)
    table = data_quality(eco, coverage, "departement").set_index("code")
    assert ["code", *table.columns] == ["code", *(c for c in QUALITY_COLUMNS if c != "code")]
    d91, d92, d93 = table.loc["91"], table.loc["92"], table.loc["93"]
    assert (d91["n_offers"], d91["unique_known"], d91["n_sourced"]) == (2, 1.0, 1)
    assert (d91["n_unique"], d91["n_unique_known"]) == (1, 1)
    assert (d91["share_high"], d91["n_stale"], d91["share_fresh"]) == (0.5, 1, 0.5)
    assert d91["newest_verified"] == date(2026, 1, 1)
    assert d91["age_years"] == pytest.approx(340 / 365.25)
    assert not d91["has_survey"] and d91["surveyed"] == 0
    # Score: mean of unique_known 1, sourced 0.5, high 0.5, fresh 0.5, surveyed 0.
    assert d91["score"] == pytest.approx((1 + 0.5 + 0.5 + 0.5 + 0) / 5)
    assert (d92["n_offers"], d92["unique_known"], d92["n_stale"]) == (1, 0.0, 1)
    assert (d92["n_unique"], d92["n_unique_known"]) == (1, 0)
    assert d92["has_survey"] and d92["surveyed"] == 1.0
    assert d92["score"] == pytest.approx((0 + 1 + 0 + 0 + 1) / 5)
    # Nothing known in the 93: only the survey share (0) is defined.
    assert d93["n_offers"] == 0 and np.isnan(d93["unique_known"]) and np.isnan(d93["share_high"])
    assert d93["newest_verified"] is None and d93["score"] == 0


def test_quality_aggregates_to_regions_and_epci(eco: Ecosystem) -> None:
    coverage = compute_coverage(eco, as_of=AS_OF)
    regions = data_quality(eco, coverage, "region").set_index("code")
    assert regions.loc["99", "n_offers"] == 3 and regions.loc["98", "n_offers"] == 0
    assert regions.loc["99", "unique_known"] == pytest.approx(1 / 2)
    assert (regions.loc["99", "n_unique"], regions.loc["99", "n_unique_known"]) == (2, 1)
    assert regions.loc["99", "surveyed"] == pytest.approx(5_500 / 23_000)
    epci = data_quality(eco, coverage, "epci", region="99")
    # The EPCI 200000012 holds Gamma (91) and Epsilon (92): both DLA reach it.
    row = epci.set_index("code").loc["200000012"]
    assert (row["n_offers"], row["unique_known"]) == (3, 0.5)


def test_stale_offers(eco: Ecosystem) -> None:
    stale = stale_offers(eco, as_of=AS_OF)
    assert stale.to_dict() == {"dla_91": False, "dla_92": True, "incub_91": True, "old_93": True}
    assert not stale_offers(eco, as_of=AS_OF, years=7)["dla_92"]


def test_offers_to_check_are_marked_in_the_panel_and_the_export(eco: Ecosystem) -> None:
    from fresque.coverage_sheet import coverage_sheet
    from fresque.views.coverage_map import territory_detail

    coverage = compute_coverage(eco, as_of=AS_OF)
    stale = stale_offers(eco, as_of=AS_OF)
    to_check = set(stale.index[stale.to_numpy()])
    table = coverage.table("departement", "incubateur")
    names = eco.structures["name"].to_dict()
    sheet = coverage_sheet(table, eco.territories, names, "fr", stale=to_check)
    row = sheet[sheet["Code territoire"] == "91"].iloc[0]
    assert row["Offres locales (noms)"] == "incub_91 (à vérifier)"
    assert row["Identifiants des offres"] == "incub_91"  # the codes stay clean
    english = coverage_sheet(table, eco.territories, names, "en", stale=to_check)
    assert "incub_91 (to check)" in set(
        english.iloc[:, english.columns.get_loc("Local offers (names)")]
    )
    rows = coverage.table("departement", None)
    detail = territory_detail(
        rows[rows["code"] == "91"], names, "dla_departemental", stale=to_check
    )
    assert detail["key"]["stale"] == []  # dla_91 was verified this year
    creation = next(s for s in detail["stages"] if s["value"] == "creation")
    assert creation["stale"] == ["incub_91"]
