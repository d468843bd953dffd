"""Properties of coverage on random ecosystems over the made-up geography (hypothesis).

* adding a local structure never lowers the coverage of any territory;
* removing the only offer of a territory turns it into ``none_known`` (``gap`` where a
  survey covers it);
* adding a survey only turns ``none_known`` into ``gap``;
* national actors change no local status;
* aggregation conserves population;
* and the sparse computation agrees, cell by cell, with a plain-Python reading of the
  rules (the module docstring of :mod:`fresque.coverage`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fresque.coverage import STATUS_ORDER, compute_coverage, stages_offered_from_structures
from fresque.ecosystem import Ecosystem
from fresque.geo.territories import Territories
from fresque.model import (
    DEFAULT_STAGES,
    SCOPE_ALL,
    UNIQUE_BY_DESIGN,
    Dispositif,
    Level,
    Stage,
    Structure,
    Survey,
)

GEO = Path(__file__).parent / "data" / "geo_coverage"
TERRITORIES = Territories.load(GEO)
LEVELS = ("commune", "epci", "departement", "region", "country")
CODES = {
    "commune": TERRITORIES.communes["code"].tolist(),
    "epci": ["200000011", "200000012", "200000021", "200000031", "200000041"],
    "departement": ["91", "92", "93", "94"],
    "region": ["98", "99"],
}
DISPOSITIFS = ["dla_departemental", "cress", "incubateur", "fabrique_a_initiatives", "ptce"]
KEYS = [*DISPOSITIFS, "emergence", "consolidation", "creation"]
RANK = {s.value: i for i, s in enumerate(STATUS_ORDER)}
SETTINGS = settings(
    max_examples=30,  # 30 examples a test: about 25 s for the file on 2 cores
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


TODAY = date(2026, 12, 7)


@st.composite
def surveys(draw: st.DrawFn, max_size: int = 3) -> list[Survey]:
    """Surveys of random territories and scopes, some of them expired on ``TODAY``."""
    found = []
    for i in range(draw(st.integers(0, max_size))):
        level = draw(st.sampled_from(["epci", "departement", "region"]))
        scope = draw(
            st.sampled_from([SCOPE_ALL, *(f"dispositif:{d}" for d in DISPOSITIFS)])
            | st.sampled_from([f"stage:{k}" for k in KEYS if k not in DISPOSITIFS])
        )
        found.append(
            Survey(
                id=f"rec{i}",
                territory_level=level,
                territory_code=draw(st.sampled_from(CODES[level])),
                scope=scope,
                attested_by="test",
                date=draw(st.sampled_from([date(2026, 1, 1), date(2020, 1, 1)])),
                source="test",
            )
        )
    return found


@st.composite
def local_structures(draw: st.DrawFn, sid: str, carriers: tuple[str, ...] = ()) -> Structure:
    level = draw(st.sampled_from(list(CODES)))
    codes = draw(st.lists(st.sampled_from(CODES[level]), min_size=1, max_size=2, unique=True))
    return Structure(
        id=sid,
        name=sid,
        kind="support_structure",
        dispositifs=draw(st.lists(st.sampled_from(DISPOSITIFS), max_size=2, unique=True)),
        stages=draw(st.one_of(st.just([]), st.lists(st.sampled_from(list(Stage)), max_size=2))),
        territory_level=level,
        territory_codes=codes,
        status=draw(st.sampled_from(["active", "active", "expected", "defunct"])),
        carrier_id=draw(st.none() | st.sampled_from(carriers)) if carriers else None,
    )


@st.composite
def national_structures(draw: st.DrawFn, sid: str) -> Structure:
    return Structure(
        id=sid,
        name=sid,
        kind="network",
        dispositifs=draw(st.lists(st.sampled_from(DISPOSITIFS), min_size=1, max_size=2)),
        territory_level="country",
        status=draw(st.sampled_from(["active", "expected", "defunct"])),
    )


@st.composite
def ecosystems(draw: st.DrawFn, max_size: int = 8) -> list[Structure]:
    n = draw(st.integers(0, max_size))
    return [draw(local_structures(f"s{i}", tuple(f"s{j}" for j in range(i)))) for i in range(n)]


def tables(
    structures: list[Structure], threshold: int = 2, surveyed: list[Survey] | None = None
) -> dict[str, pd.DataFrame]:
    coverage = compute_coverage(
        Ecosystem(structures, territories=TERRITORIES, surveys=surveyed or []),
        overlap_threshold=threshold,
        as_of=TODAY,
    )
    out = {}
    for level in LEVELS:
        table = coverage.table(level, KEYS)
        table["key"] = table["key"].astype(str)
        out[level] = table.set_index(["code", "key"]).sort_index()
    return out


# --- a plain-Python reading of the rules ----------------------------------------------


def naive_tables(
    structures: list[Structure], threshold: int, surveyed: list[Survey]
) -> dict[str, pd.DataFrame]:
    communes = TERRITORIES.communes
    valid = [s for s in surveyed if s.date <= TODAY < s.expires]
    checked = {
        (c, key)
        for s in valid
        for c in TERRITORIES.communes_of((s.territory_level, s.territory_code))
        for key in KEYS
        if s.scope == SCOPE_ALL or s.scope.split(":")[1] == key
    }
    # Organisations: a carrier and what it carries, followed both ways, defunct excluded.
    alive = {s.id for s in structures if s.status != "defunct"}
    neighbours: dict[str, set[str]] = {s.id: set() for s in structures}
    for s in structures:
        if s.carrier_id and s.id in alive and s.carrier_id in alive:
            neighbours[s.id].add(s.carrier_id)
            neighbours[s.carrier_id].add(s.id)
    organisation: dict[str, str] = {}
    for s in structures:
        if s.id in organisation:
            continue
        family, todo = {s.id}, [s.id]
        while todo:
            for other in neighbours[todo.pop()] - family:
                family.add(other)
                todo.append(other)
        for member in family:
            organisation[member] = min(family)
    population = dict(zip(communes["code"], communes["population"].astype(int), strict=True))
    serves: dict[str, set[str]] = {}
    for s in structures:
        if s.territory_level is Level.COUNTRY or s.status == "defunct":
            continue
        serves[s.id] = {
            c
            for code in s.territory_codes
            for c in TERRITORIES.communes_of((s.territory_level, code))
        }

    def carries(s: Structure, key: str) -> bool:
        if key in Dispositif.__members__.values():
            return key in s.dispositifs
        stages = s.stages or [st_ for d in s.dispositifs for st_ in DEFAULT_STAGES[d]]
        return key in stages

    def commune_status(code: str, key: str) -> tuple[str, set[str]]:
        offers = {
            s.id for s in structures if s.id in serves and code in serves[s.id] and carries(s, key)
        }
        active = {s.id for s in structures if s.id in offers and s.status == "active"}
        unique = key in Dispositif.__members__.values() and Dispositif(key) in UNIQUE_BY_DESIGN
        organisations = {organisation[o] for o in offers}
        if not offers:
            return ("gap" if (code, key) in checked else "none_known"), offers
        if not active:
            return "unknown", offers
        if len(offers) >= 2 if unique else len(organisations) > threshold:
            return "overlap", offers
        return ("single" if len(organisations) == 1 else "covered"), offers

    groups = {
        "commune": {c: [c] for c in communes["code"]},
        "country": {"FR": communes["code"].tolist()},
    }
    for level in ("epci", "departement", "region"):
        groups[level] = communes.groupby(level)["code"].apply(list).to_dict()
    statuses = {(c, k): commune_status(c, k) for c in communes["code"] for k in KEYS}
    out = {}
    for level, members in groups.items():
        rows = []
        for code, codes in members.items():
            for key in KEYS:
                found = [statuses[(c, key)] for c in codes]
                ranks = [RANK[status] for status, _ in found]
                offers = set().union(*(o for _, o in found))
                pop = sum(population[c] for c in codes)
                gap = sum(
                    population[c] for c, (s, _) in zip(codes, found, strict=True) if s == "gap"
                )
                rows.append(
                    {
                        "code": code,
                        "key": key,
                        "status": STATUS_ORDER[max(ranks)].value,
                        "min_status": STATUS_ORDER[min(ranks)].value,
                        "n_offers": len(offers),
                        "offers": "|".join(sorted(offers)),
                        "population": pop,
                        "population_gap": gap,
                        "population_none_known": sum(
                            population[c]
                            for c, (s, _) in zip(codes, found, strict=True)
                            if s == "none_known"
                        ),
                        "population_unknown": sum(
                            population[c]
                            for c, (s, _) in zip(codes, found, strict=True)
                            if s == "unknown"
                        ),
                    }
                )
        out[level] = pd.DataFrame(rows).set_index(["code", "key"]).sort_index()
    return out


@SETTINGS
@given(ecosystems(), st.integers(1, 3), surveys())
def test_agrees_with_a_plain_reading_of_the_rules(structures, threshold, surveyed) -> None:
    fast = tables(structures, threshold, surveyed)
    naive = naive_tables(structures, threshold, surveyed)
    for level in LEVELS:
        got = fast[level][list(naive[level].columns)].astype({"status": str, "min_status": str})
        pd.testing.assert_frame_equal(
            got, naive[level], check_dtype=False, check_index_type=False, obj=level
        )


# --- the four properties of the issue --------------------------------------------------


@SETTINGS
@given(ecosystems(), st.data())
def test_adding_a_local_structure_never_lowers_coverage(structures, data) -> None:
    added = data.draw(local_structures("added"))
    added = added.model_copy(update={"status": data.draw(st.sampled_from(["active", "expected"]))})
    before = tables(structures)
    after = tables([*structures, added])
    for level in LEVELS:
        old, new = before[level], after[level]
        assert (new["status"].map(RANK) >= old["status"].map(RANK)).all(), level
        assert (new["min_status"].map(RANK) >= old["min_status"].map(RANK)).all(), level
        for column in ("n_offers", "n_active", "population_covered"):
            assert (new[column] >= old[column]).all(), (level, column)
        for column in ("population_gap", "population_none_known"):
            assert (new[column] <= old[column]).all(), (level, column)
        assert (new["share_covered"] >= old["share_covered"]).all(), level


@SETTINGS
@given(ecosystems(), st.data())
def test_removing_the_only_offer_leaves_nothing_recorded(structures, data) -> None:
    level = data.draw(st.sampled_from(LEVELS))
    table = tables(structures)[level]
    alone = table[table["n_offers"] == 1]
    if alone.empty:
        return
    (code, key), cell = next(
        iter(alone.sample(1, random_state=data.draw(st.integers(0, 99))).iterrows())
    )
    removed = cell["offers"]
    after = tables([s for s in structures if s.id != removed])[level].loc[(code, key)]
    assert after["status"] == "none_known"
    assert after["n_offers"] == 0
    assert after["population_covered"] == 0
    assert after["population_none_known"] == after["population"]
    assert after["population_gap"] == 0


@SETTINGS
@given(ecosystems(), surveys(), st.data())
def test_a_survey_only_confirms_what_nothing_was_recorded_for(structures, surveyed, data) -> None:
    before = tables(structures, surveyed=surveyed)
    extra = data.draw(surveys(max_size=1).filter(bool))[0].model_copy(
        update={"id": "extra", "date": date(2026, 6, 1)}
    )
    after = tables(structures, surveyed=[*surveyed, extra])
    for level in LEVELS:
        old, new = before[level], after[level]
        changed = old["status"].astype(str) != new["status"].astype(str)
        assert (old.loc[changed, "status"] == "none_known").all(), level
        assert (new.loc[changed, "status"] == "gap").all(), level
        same = [c for c in old.columns if c not in ("status", "min_status", "surveyed")]
        same = [c for c in same if not c.startswith("population_")]
        pd.testing.assert_frame_equal(old[same], new[same], obj=level)
        assert (new["surveyed"] >= old["surveyed"]).all(), level
        gone = old["population_none_known"] - new["population_none_known"]
        assert (gone == new["population_gap"] - old["population_gap"]).all(), level


@SETTINGS
@given(ecosystems(), st.data())
def test_national_actors_change_no_local_status(structures, data) -> None:
    n = data.draw(st.integers(1, 3))
    national = [data.draw(national_structures(f"national{i}")) for i in range(n)]
    before = tables(structures)
    after = tables([*structures, *national])
    for level in LEVELS:
        local = [c for c in before[level].columns if c not in ("n_national", "national")]
        pd.testing.assert_frame_equal(before[level][local], after[level][local], obj=level)
        counted = after[level]["n_national"] - before[level]["n_national"]
        assert (counted >= 0).all() and counted.max() <= n


@SETTINGS
@given(ecosystems())
def test_aggregation_conserves_population(structures) -> None:
    found = tables(structures)
    total = int(TERRITORIES.communes["population"].sum())
    sums = {}
    for level in LEVELS:
        table = found[level]
        parts = table["population_covered"] + table["population_gap"]
        assert (parts + table["population_none_known"] == table["population"]).all()
        assert (
            table["population_unknown"] + table["population_single"] <= table["population_covered"]
        ).all()
        by_key = table.groupby(level="key")[
            ["population", "population_covered", "population_gap"]
        ].sum()
        assert (by_key["population"] == total).all(), level
        sums[level] = by_key
    for level in ("commune", "epci", "departement", "region"):
        pd.testing.assert_frame_equal(sums[level], sums["country"], obj=level)
    # Départements add up to their région, key by key.
    departements = found["departement"].reset_index()
    departements["region"] = departements["code"].map(
        {"91": "99", "92": "99", "93": "99", "94": "98"}
    )
    added = departements.groupby(["region", "key"])[["population", "population_covered"]].sum()
    regions = found["region"][["population", "population_covered"]]
    regions.index = regions.index.set_names(["region", "key"])
    pd.testing.assert_frame_equal(added.sort_index(), regions.sort_index(), check_dtype=False)


def test_property_helpers_see_every_level() -> None:
    assert set(tables([])) == set(LEVELS)
    with pytest.raises(KeyError):
        tables([])["commune"].loc[("00000", "cress")]


@SETTINGS
@given(ecosystems(), st.data())
def test_stages_offered_from_structures_is_the_coverage_reading(structures, data) -> None:
    """The board's shortcut (no commune matrix) gives the stages offered per
    département that the coverage engine gives, for the whole country and each région:
    EPCI across two départements, communes, régions, statuses and national actors
    included."""
    structures = [*structures, data.draw(national_structures("n0"))]
    coverage = compute_coverage(Ecosystem(structures, territories=TERRITORIES))
    for region in (None, "98", "99"):
        expected = coverage.stages_offered(region=region)
        found = stages_offered_from_structures(structures, TERRITORIES, region=region)
        pd.testing.assert_series_equal(found, expected)
