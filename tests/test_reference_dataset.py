"""The curated national dataset (data/ecosystem) against the reference facts it is built from.

Counts are measured on ``data/reference`` rather than written down, so a new sourced
row changes the expectations with it; where the reference README states a figure (29 of
101 départements with a sourced DLA operator…), the test checks that figure too.
"""

from __future__ import annotations

import csv
import filecmp
import os
from pathlib import Path

import pytest

from fresque import load_ecosystem
from fresque.cli import main
from fresque.ecosystem import Ecosystem, ecosystem_dir
from fresque.geo.territories import default_territories
from fresque.model import (
    DEFAULT_STAGES,
    DEFAULT_THEMES,
    REFERENCE_DISPOSITIF_THEMES,
    REFERENCE_DISPOSITIFS,
    UNIQUE_BY_DESIGN,
    Dispositif,
    Kind,
    Level,
    Status,
    Structure,
    Theme,
)
from fresque.reference import (
    EXPECTED_RULES,
    OVERRIDES,
    REFERENCE_GATHERED,
    build_reference,
    expected_id,
    reference_dir,
    write_dataset,
)

REFERENCE_DIR = reference_dir()


def reference_rows(name: str) -> list[dict[str, str]]:
    """Rows of a reference CSV; skip locally when absent, fail under CI."""
    path = REFERENCE_DIR / name
    if not path.exists():
        message = f"reference file missing: {path}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def split(cell: str, separator: str = "|") -> list[str]:
    return [part.strip() for part in cell.split(separator) if part.strip()]


@pytest.fixture(scope="module")
def eco() -> Ecosystem:
    return load_ecosystem()


@pytest.fixture(scope="module")
def ref_structures() -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in reference_rows("structures.csv")}


@pytest.fixture(scope="module")
def ref_links() -> list[dict[str, str]]:
    return reference_rows("relations.csv")


def sourced(eco: Ecosystem) -> list[Structure]:
    return [s for s in eco.records.structures if s.status is not Status.EXPECTED]


def expected(eco: Ecosystem) -> list[Structure]:
    return [s for s in eco.records.structures if s.status is Status.EXPECTED]


def reference_codes(rows: dict[str, dict[str, str]], value: str) -> set[str]:
    """Territory codes of the reference rows carrying a dispositif value."""
    return {
        code
        for row in rows.values()
        if value in split(row["dispositif"])
        for code in split(row["territory_codes"])
    }


# --- the files ---------------------------------------------------------------------------


def test_committed_dataset_is_what_the_reference_builds(tmp_path: Path) -> None:
    """data/ecosystem is up to date: rebuilding it changes no byte."""
    reference_rows("structures.csv")
    build = build_reference()
    out = tmp_path / "ecosystem"
    out.mkdir()
    for name in ("README.md", "surveys.csv"):  # written by hand, kept by the build
        (out / name).write_text((ecosystem_dir() / name).read_text("utf-8"), "utf-8")
    write_dataset(build, out)
    for name in ("structures.csv", "links.csv", "README.md", "surveys.csv"):
        assert filecmp.cmp(out / name, ecosystem_dir() / name, shallow=False), (
            f"{name} is stale: run `fresque data build`"
        )


def test_readme_carries_the_report(eco: Ecosystem) -> None:
    readme = (ecosystem_dir() / "README.md").read_text("utf-8")
    assert eco.report().strip() in readme
    for section in ("## Schéma", "## Contribuer", "OVERRIDES", "last_verified"):
        assert section in readme


# --- counts ----------------------------------------------------------------------------


def test_every_reference_actor_and_link_is_there(eco, ref_structures, ref_links) -> None:
    assert len(ref_structures) == 250  # what the reference README announces
    assert len(ref_links) == 310
    assert {s.id for s in sourced(eco)} == set(ref_structures)
    assert len(eco) == len(ref_structures) + len(expected(eco))
    reference_keys = {(r["source_id"], r["target_id"], r["relation"]) for r in ref_links}
    assert len(reference_keys) == len(ref_links)  # no duplicate in the reference
    expected_ids = {s.id for s in expected(eco)}
    dataset_keys = {
        (k.source, k.target, k.relation.value)
        for k in eco.records.links
        if k.source not in expected_ids and k.target not in expected_ids
    }
    assert dataset_keys == reference_keys


def test_expected_count_is_the_territories_without_a_sourced_operator(eco, ref_structures) -> None:
    territories = default_territories()
    wanted = 0
    for dispositif, level in UNIQUE_BY_DESIGN.items():
        value = next(k for k, v in REFERENCE_DISPOSITIFS.items() if v is dispositif)
        known = reference_codes(ref_structures, value)
        wanted += sum(1 for t in territories.children("FR", level) if t.code not in known)
    assert len(expected(eco)) == wanted == 72 + 9


@pytest.mark.parametrize(
    ("dispositif", "territory_count", "known_count"),
    [
        # Reference README: DLA operators sourced for 29 of 101 départements; regional
        # carriers for 6 of 17 (régions: 18), and 3 more DLA régionaux sourced as existing
        # with their carrier unknown (27, 28, 94); CRESS: all 18 régions.
        (Dispositif.DLA_DEPARTEMENTAL, 101, 29),
        (Dispositif.DLA_REGIONAL, 18, 6 + 3),
        (Dispositif.CRESS, 18, 18),
    ],
)
def test_one_structure_per_territory_for_unique_dispositifs(
    eco, ref_structures, dispositif, territory_count, known_count
) -> None:
    level = UNIQUE_BY_DESIGN[dispositif]
    territories = default_territories().children("FR", level)
    assert len(territories) == territory_count
    holders: dict[str, list[Structure]] = {t.code: [] for t in territories}
    for s in eco.records.structures:
        if dispositif in s.dispositifs:
            assert s.territory_level is level
            for code in s.territory_codes:
                holders[code].append(s)
    assert all(len(found) == 1 for found in holders.values()), {
        code: [s.id for s in found] for code, found in holders.items() if len(found) != 1
    }
    known = {code for code, found in holders.items() if found[0].status is not Status.EXPECTED}
    value = next(k for k, v in REFERENCE_DISPOSITIFS.items() if v is dispositif)
    assert known == reference_codes(ref_structures, value)
    assert len(known) == known_count
    for code, (found,) in holders.items():
        if found.status is Status.EXPECTED:
            assert found.id == expected_id(dispositif, code)


def test_no_sourced_dla_is_duplicated_by_an_expected_one(eco) -> None:
    assert "dla_22_expected" in eco and "dla_01_expected" not in eco
    assert "dla_25_expected" not in eco and "dla_90_expected" not in eco  # dla_25_90
    # The second pass of the reference sourced these: their placeholders are gone.
    for code in ("29", "30", "35", "48", "51", "81"):
        assert f"dla_{code}" in eco and f"dla_{code}_expected" not in eco, code
    for code in ("27", "28", "94"):
        assert f"dla_r_{code}" in eco and f"dla_r_{code}_expected" not in eco, code


def test_dla_sourced_without_a_carrier_stays_active(eco, ref_links) -> None:
    """A DLA régional the sources attest is an existing offer, carrier known or not."""
    regional = {s.id: s for s in sourced(eco) if Dispositif.DLA_REGIONAL in s.dispositifs}
    carried = {r["target_id"] for r in ref_links if r["relation"] == "carries"}
    with_carrier = sorted(c for i, s in regional.items() if i in carried for c in s.territory_codes)
    without = sorted(c for i, s in regional.items() if i not in carried for c in s.territory_codes)
    # Reference README: regional carrier known for 6 régions; BFC and Corse (and Normandie)
    # sourced as existing, carrier unknown.
    assert with_carrier == ["11", "24", "32", "44", "75", "76"]
    assert without == ["27", "28", "94"]
    for code in without:
        dla = eco.get(f"dla_r_{code}")
        assert dla.status is Status.ACTIVE and dla.source_urls
        assert "non sourcé" not in dla.name
        assert eco.neighbors(dla.id, relation="carries", direction="in") == []
    assert eco.get("dla_r_27").confidence == "high"  # as the reference gives it
    assert eco.get("dla_r_28").confidence == "medium"
    # Every DLA départemental sourced so far names its carrier.
    departmental = [s for s in sourced(eco) if Dispositif.DLA_DEPARTEMENTAL in s.dispositifs]
    assert all(s.id in carried for s in departmental)


def test_cress_normandie_is_defunct_and_not_replaced(eco) -> None:
    normandie = eco.get("cress_nor")
    assert normandie.status is Status.DEFUNCT
    assert "liquidation" in " ".join(normandie.source_urls)
    assert "cress_28_expected" not in eco
    caen = eco.serving("14118")  # Caen: no active CRESS serves it, and none is expected
    assert [sid for sid in caen.local.index if "cress" in eco.get(sid).dispositifs] == []


def test_statuses(eco) -> None:
    defunct = sorted(s.id for s in eco.records.structures if s.status is Status.DEFUNCT)
    assert defunct == sorted(i for i, o in OVERRIDES.items() if o.status is Status.DEFUNCT)
    assert defunct == ["atelier_idf", "cncress", "cress_nor"]


# --- each record -------------------------------------------------------------------------


def test_every_record_keeps_its_sources_and_confidence(eco, ref_structures, ref_links) -> None:
    for s in sourced(eco):
        row = ref_structures[s.id]
        override = OVERRIDES.get(s.id)
        extra = list(override.extra_source_urls) if override else []
        assert s.source_urls == split(row["source_url"], " ; ") + extra, s.id
        assert s.source_urls, s.id
        wanted = override.confidence if override and override.confidence else row["confidence"]
        assert s.confidence == wanted, s.id
        assert s.last_verified == REFERENCE_GATHERED
        assert s.name == row["name"] and s.description == row["description"].strip()
    links = {k.key: k for k in eco.records.links}
    for row in ref_links:
        link = links[(row["source_id"], row["target_id"], row["relation"])]
        assert link.source_urls == split(row["source_url"], " ; ")
        assert link.confidence == row["confidence"]


def test_expected_records_cite_the_by_design_sources(eco) -> None:
    for s in expected(eco):
        (dispositif,) = s.dispositifs
        rule = EXPECTED_RULES[dispositif]
        assert s.source_urls == list(rule.source_urls)
        assert s.confidence == "high" and s.commune_code is None
        assert s.last_verified == REFERENCE_GATHERED
        assert "non sourcé" in s.name
        assert eco.neighbors(s.id, relation="member_of", direction="out") == [rule.member_of]
        if dispositif is Dispositif.DLA_DEPARTEMENTAL:
            assert eco.neighbors(s.id, relation="funds", direction="in") == [
                "banque_territoires",
                "etat_ess",
            ]
            (animator,) = eco.neighbors(s.id, relation="animates", direction="in")
            assert Dispositif.DLA_REGIONAL in eco.get(animator).dispositifs
    name = eco.get("dla_22_expected").name
    assert name == "DLA 22 – Côtes-d'Armor (opérateur non sourcé)"
    assert eco.neighbors("dla_22_expected", relation="animates") == ["dla_r_53_expected"]
    assert "dla_r_44" in eco.neighbors("dla_08_expected", relation="animates")


def test_stages_and_themes_follow_the_documented_rule(eco, ref_structures) -> None:
    for s in sourced(eco):
        values = split(ref_structures[s.id]["dispositif"])
        override = OVERRIDES.get(s.id)
        stages = {st for d in s.dispositifs for st in DEFAULT_STAGES[d]}
        themes = {t for d in s.dispositifs for t in DEFAULT_THEMES[d]}
        themes |= {t for v in values for t in REFERENCE_DISPOSITIF_THEMES.get(v, ())}
        if s.kind is Kind.FUNDER and not themes:
            themes.add(Theme.FINANCEMENT)
        if override:
            stages = set(override.stages) if override.stages is not None else stages
            themes = set(override.themes) if override.themes is not None else themes
            themes |= set(override.extra_themes)
        assert set(s.stages) == stages, s.id
        assert set(s.themes) == themes, s.id
        assert s.dispositifs == list(dict.fromkeys(REFERENCE_DISPOSITIFS[v] for v in values))
    assert Theme.NUMERIQUE in eco.get("crdla_num").themes


def test_reference_problems_are_fixed_by_documented_overrides(eco, ref_structures) -> None:
    assert all(o.reason for o in OVERRIDES.values())
    assert set(OVERRIDES) <= set(ref_structures)
    # The reference's defects, as reported when the model was written.
    assert ref_structures["crp_consulting"]["territory_level"] == "epci"
    assert ref_structures["crp_consulting"]["territory_codes"] == "31"
    crp = eco.get("crp_consulting")
    assert (crp.territory_level, crp.territory_codes) == (Level.EPCI, ["243100518"])
    no_level = sorted(i for i, row in ref_structures.items() if not row["territory_level"])
    assert no_level == ["adefpat", "fai_adefpat", "la_ruche"]
    assert all(i in OVERRIDES for i in no_level)
    assert eco.get("la_ruche").territory_level is Level.COUNTRY
    assert eco.get("adefpat").territory_codes == ["12", "46", "48", "81", "82"]
    # EPCI rows without a code take the EPCI of their town (rule 3).
    assert eco.get("adess_morlaix").territory_codes == ["242900835"]  # Morlaix Communauté
    assert eco.get("ml_alencon").territory_codes == ["246100663"]  # CU d'Alençon
    for s in sourced(eco):
        assert s.territory_codes, s.id


def test_structures_are_located_only_where_the_sources_say(eco, ref_structures) -> None:
    territories = default_territories()
    with_city = {
        i
        for i, row in ref_structures.items()
        if row["city"].strip() or (i in OVERRIDES and OVERRIDES[i].city)
    }
    located = {s.id for s in eco.records.structures if s.commune_code}
    assert located == with_city
    assert len(ref_structures) - len(located) == 187
    for sid in located:
        city = OVERRIDES[sid].city if sid in OVERRIDES and OVERRIDES[sid].city else None
        city = city or ref_structures[sid]["city"]
        commune = territories[(Level.COMMUNE, eco.get(sid).commune_code)]
        assert commune.name == city, sid
    assert eco.get("tag29").commune_code == "29151"
    geometry = eco.structures["geometry"]
    assert (geometry.notna() & ~geometry.is_empty).sum() == len(located)


def test_graph_carries_the_dataset(eco) -> None:
    assert eco.graph.number_of_nodes() == len(eco)
    assert eco.graph.number_of_edges() == len(eco.links)
    node = eco.graph.nodes["cress_nor"]
    assert node["status"] == "defunct" and node["source_urls"]
    edge = eco.graph.edges["aglca", "dla_01", "carries"]
    assert edge["confidence"] == "high" and edge["source_urls"]


# --- queries on the national dataset -------------------------------------------------------


def test_serving_morlaix(eco) -> None:
    found = eco.serving("29151", level="commune")
    dla = [
        sid for sid in found.contains if Dispositif.DLA_DEPARTEMENTAL in eco.get(sid).dispositifs
    ]
    assert dla == ["dla_29"]  # sourced in the second pass, with its two carriers
    assert eco.neighbors("dla_29", relation="carries", direction="in") == [
        "espace_associatif_quimper",
        "fa_bretagne",
    ]
    assert "cress_bre" in found.contains
    assert found.overlaps == []
    national = set(found.national.index)
    assert national == {
        s.id
        for s in eco.records.structures
        if s.territory_level is Level.COUNTRY and s.status is not Status.DEFUNCT
    }
    assert national.isdisjoint(found.local.index)
    assert {"avise", "dla_national", "ess_france"} <= national
    assert "cncress" not in national  # defunct


def test_data_report_command(capsys) -> None:
    assert main(["data", "report"]) == 0
    out = capsys.readouterr().out
    unique = out.split("### Dispositifs uniques par territoire")[1].split("###")[0]
    row = next(line for line in unique.splitlines() if line.startswith("| DLA départemental "))
    # territories, sourced, of which carrier unknown, expected, closed, nothing
    assert [c.strip() for c in row.strip("|").split("|")][:7] == [
        "DLA départemental",
        "101",
        "29",
        "0",
        "72",
        "0",
        "0",
    ]
    row = next(line for line in unique.splitlines() if line.startswith("| DLA régional "))
    assert [c.strip() for c in row.strip("|").split("|")][:7] == [
        "DLA régional",
        "18",
        "9",
        "3",
        "9",
        "0",
        "0",
    ]
    assert "- DLA régional sans porteur sourcé : Bourgogne-Franche-Comté, Normandie, Corse." in out
    row = next(line for line in unique.splitlines() if line.startswith("| CRESS "))
    assert [c.strip() for c in row.strip("|").split("|")] == [
        "CRESS (chambre régionale de l’ESS)",
        "18",
        "17",
        "–",
        "0",
        "1",
        "0",
        "Normandie",
    ]
