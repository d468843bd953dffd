"""The seeded synthetic ecosystems used by the benchmarks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fresque.coverage import compute_coverage
from fresque.ecosystem import Ecosystem
from fresque.geo.territories import Territories, default_territories
from fresque.synthetic import PROFILES, generate_ecosystem, generate_records, minimum_size

MINI = Path(__file__).parent / "data" / "geo_mini"


@pytest.fixture(scope="module")
def mini() -> Territories:
    return Territories.load(MINI)


@pytest.fixture(scope="module")
def national_synthetic() -> Ecosystem:
    return generate_ecosystem(600, seed=3)


def test_same_seed_same_records(mini: Territories) -> None:
    first = generate_records(80, seed=7, territories=mini)
    assert generate_records(80, seed=7, territories=mini) == first
    assert generate_records(80, seed=8, territories=mini) != first


def test_size_ids_and_sources(mini: Territories) -> None:
    eco = generate_ecosystem(120, seed=0, territories=mini)
    assert len(eco) == 120
    assert all(sid.startswith("syn") for sid in eco.structures.index)
    assert (
        eco.structures["source_urls"]
        .map(lambda urls: urls[0].startswith("https://example.org/fresque-synthetique/"))
        .all()
    )
    assert 1.5 * 120 < len(eco.links) <= 2.2 * 120


def test_too_small_is_refused(mini: Territories) -> None:
    smallest = minimum_size(mini)
    assert smallest == 4 + 2 * 3 + 3 * 2
    generate_records(smallest, seed=0, territories=mini)
    with pytest.raises(ValueError, match="au moins 16"):
        generate_records(smallest - 1, seed=0, territories=mini)
    assert minimum_size(default_territories()) == 4 + 2 * 101 + 3 * 18


def test_unique_by_design_laid_out_once_per_territory(national_synthetic: Ecosystem) -> None:
    structures = national_synthetic.structures
    for dispositif, level, count in [
        ("dla_departemental", "departement", 101),
        ("dla_regional", "region", 18),
        ("cress", "region", 18),
    ]:
        rows = structures[structures["dispositifs"].map(lambda d, x=dispositif: x in d)]
        assert (rows["territory_level"] == level).all()
        codes = Counter(code for codes in rows["territory_codes"] for code in codes)
        assert len(codes) == count and set(codes.values()) == {1}, dispositif
    coverage = compute_coverage(national_synthetic)
    dla = coverage.table("departement", "dla_departemental")
    assert set(dla["status"]) <= {"single", "unknown"}
    assert {"single", "unknown"} <= set(dla["status"])


def test_known_dla_have_their_carrier(national_synthetic: Ecosystem) -> None:
    structures = national_synthetic.structures
    links = national_synthetic.links
    known = structures[
        structures["dispositifs"].map(lambda d: "dla_departemental" in d or "dla_regional" in d)
        & (structures["status"] == "active")
    ].index
    carried = links.loc[links["relation"] == "carries", "target"]
    assert sorted(carried) == sorted(known)
    carriers = links.loc[links["relation"] == "carries", "source"]
    assert structures.loc[carriers, "dispositifs"].map(lambda d: d == ["dla_porteur"]).all()


def test_mix_looks_like_the_national_dataset(national_synthetic: Ecosystem) -> None:
    structures = national_synthetic.structures
    levels = structures["territory_level"].value_counts(normalize=True)
    assert set(levels.index) == {"country", "region", "departement", "epci", "commune"}
    assert 0.05 < levels["country"] < 0.35
    assert levels["departement"] > levels["epci"] > levels["commune"]
    dispositifs = Counter(d for ds in structures["dispositifs"] for d in ds)
    assert dispositifs["fabrique_a_initiatives"] > dispositifs["accelerateur"]
    assert dispositifs["incubateur"] > dispositifs["pepiniere"]
    # Stages follow the dispositifs, as in the curated dataset.
    incubators = structures[structures["dispositifs"].map(lambda d: d == ["incubateur"])]
    assert incubators["stages"].map(lambda s: s == ["emergence", "creation"]).all()
    assert set(structures["status"]) == {"active", "expected", "defunct"}
    relations = set(national_synthetic.links["relation"])
    assert relations >= {"funds", "member_of", "animates", "carries", "partners_with"}


def test_profiles_are_weighted_counts() -> None:
    assert all(p.weight >= 1 for p in PROFILES)
    assert len({(p.kind, p.dispositifs, p.level) for p in PROFILES}) == len(PROFILES)
