"""The resolver of French territories: fresque.geo.territories.

Two parts: the logic on a tiny real subset (tests/data/geo_mini, described in its README),
then the real built geography (data/geo) against published facts.
"""

from __future__ import annotations

import doctest
import os
import shutil
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fresque.geo import territories as territories_module
from fresque.geo.territories import (
    AmbiguousTerritoryError,
    Territories,
    Territory,
    TerritoryError,
    UnknownTerritoryError,
    default_territories,
    normalize_name,
    normalize_names,
)
from fresque.model import Level
from fresque.paths import geo_dir

MINI = Path(__file__).parent / "data" / "geo_mini"


@pytest.fixture(scope="module")
def mini() -> Territories:
    return Territories.load(MINI)


def codes(found: list[Territory]) -> list[str]:
    return [t.code for t in found]


# --- name keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Finistère", "finistere"),
        ("FINISTÈRE", "finistere"),
        ("  finistere ", "finistere"),
        ("Saint-Étienne", "saint etienne"),
        ("St Etienne", "saint etienne"),
        ("ST-ÉTIENNE", "saint etienne"),
        ("St.Etienne", "saint etienne"),
        ("Ste-Sève", "sainte seve"),
        ("L'Abergement-Clémenciat", "l abergement clemenciat"),
        ("L’Abergement–Clémenciat", "l abergement clemenciat"),
        ("Châlons s/ Marne", "chalons sur marne"),
        ("Œuilly", "oeuilly"),
        ("CC du Pays de Landivisiau", "communaute de communes du pays de landivisiau"),
        (
            "Communauté de communes du Pays de Landivisiau",
            "communaute de communes du pays de landivisiau",
        ),
        ("CA Morlaix Communauté", "communaute d agglomeration morlaix communaute"),
        ("Line\nbreak", "line break"),
        ("", ""),
    ],
)
def test_normalize_name_ignores_accents_case_punctuation_and_abbreviations(text, key):
    assert normalize_name(text) == key


def test_normalize_names_agrees_with_normalize_name():
    names = ["Saint-Denis", "Ste-Sève", "L'Île-d'Yeu", "Œuilly", "", "St st", "A / B"]
    assert normalize_names(names) == [normalize_name(name) for name in names]
    with pytest.raises(ValueError):
        normalize_names(["two\nlines"])


# --- loading ------------------------------------------------------------------------------


def test_load_reads_the_three_files_with_codes_as_text(mini):
    assert len(mini.communes) == 12
    assert mini.communes["code"].tolist() == sorted(mini.communes["code"])
    assert mini.communes["departement"].tolist().count("29") == 8
    assert str(mini.communes["code"].dtype) in ("str", "object", "string")
    assert mini.communes["population"].dtype == "Int64"
    assert set(mini.table["level"]) == {"country", "region", "departement", "epci"}
    assert len(mini.postal_codes) == 12
    assert repr(mini) == "<Territories: 2 region, 3 departement, 6 epci, 12 commune>"


def test_load_accepts_a_path_as_text(mini):
    assert Territories.load(str(MINI))["29151"] == mini["29151"]


def test_load_without_the_files_says_how_to_build_them(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        Territories.load(tmp_path)
    assert "fresque geo build" in str(caught.value)


def test_load_names_a_missing_column(tmp_path):
    for name in ("communes.csv", "territories.csv", "postal_codes.csv"):
        shutil.copy(MINI / name, tmp_path / name)
    table = pd.read_csv(tmp_path / "territories.csv", dtype=str, keep_default_na=False)
    table.drop(columns="parent").to_csv(tmp_path / "territories.csv", index=False)
    with pytest.raises(TerritoryError) as caught:
        Territories.load(tmp_path)
    assert "territories.csv" in str(caught.value)
    assert "parent" in str(caught.value)


# --- codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level", "code"),
    [
        ("29", Level.DEPARTEMENT, "29"),
        (29, Level.DEPARTEMENT, "29"),
        (29.0, Level.DEPARTEMENT, "29"),
        (" 22 ", Level.DEPARTEMENT, "22"),
        ("FR", Level.COUNTRY, "FR"),
        ("France", Level.COUNTRY, "FR"),
        ("242900835", Level.EPCI, "242900835"),
        ("242 900 835", Level.EPCI, "242900835"),
        ("29151", Level.COMMUNE, "29151"),
        (29151, Level.COMMUNE, "29151"),
    ],
)
def test_resolve_reads_codes(mini, text, level, code):
    (found,) = mini.resolve(text)
    assert (found.level, found.code) == (level, code)


def test_a_two_digit_code_is_a_departement_unless_the_region_is_asked_for(mini):
    # 53 is both the Mayenne (département) and Bretagne (région).
    assert mini.get("53").name == "Mayenne"
    assert mini.level_of("53") is Level.DEPARTEMENT
    assert mini.get("53", level="region").name == "Bretagne"
    assert mini[("region", "53")].name == "Bretagne"
    assert mini[(Level.REGION, 53)].name == "Bretagne"


def test_a_two_digit_code_falls_back_to_the_region_when_no_departement_has_it(mini):
    # No département 52 in the fixture: 52 can only be the Pays de la Loire here.
    assert mini.get("52").name == "Pays de la Loire"
    assert mini.level_of("52") is Level.REGION


def test_a_code_of_the_wrong_shape_for_the_level_is_unknown(mini):
    with pytest.raises(UnknownTerritoryError) as caught:
        mini.resolve("29", level="commune")
    assert "n’est pas un code de commune" in str(caught.value)


def test_an_unknown_code_is_named_in_the_error(mini):
    with pytest.raises(UnknownTerritoryError) as caught:
        mini.get("35")
    assert "Aucun territoire de code « 35 »" in str(caught.value)
    with pytest.raises(UnknownTerritoryError) as caught:
        mini.get("29999")
    assert "Aucune commune ni aucun code postal « 29999 »" in str(caught.value)


# --- postal codes -------------------------------------------------------------------------


def test_a_postal_code_gives_all_its_communes(mini):
    assert codes(mini.resolve("29600")) == ["29151", "29207", "29254", "29265"]
    assert all(t.level is Level.COMMUNE for t in mini.resolve("29600"))
    assert codes(mini.resolve("29600", within="242900835")) == [
        "29151",
        "29207",
        "29254",
        "29265",
    ]


def test_get_on_a_shared_postal_code_lists_its_communes(mini):
    with pytest.raises(AmbiguousTerritoryError) as caught:
        mini.get("29600")
    message = str(caught.value)
    assert "code postal 29600 couvre 4 communes" in message
    assert "Morlaix (29)" in message
    assert codes(caught.value.candidates) == ["29151", "29207", "29254", "29265"]


def test_a_commune_code_wins_over_the_same_postal_code(mini):
    # 53100 is the INSEE code of Fougerolles-du-Plessis and the postal code of Mayenne.
    assert codes(mini.resolve("53100")) == ["53100"]
    assert mini.get("53100").name == "Fougerolles-du-Plessis"
    # in a qualifier, five digits are the commune and the postal code's communes
    assert mini.get("Mayenne (53100)").code == "53147"
    assert mini.get("Fougerolles-du-Plessis (53100)").code == "53100"


def test_postal_codes_of_a_commune(mini):
    assert mini.postal_codes_of("29151") == ["29600"]
    assert mini.postal_codes_of("53147") == ["53100"]
    with pytest.raises(TerritoryError):
        mini.postal_codes_of("29")


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Finistère", "29"),
        ("finistere", "29"),
        ("FINISTÈRE", "29"),
        ("Finistére", "29"),  # a wrong accent is still the same key
        ("Côtes-d’Armor", "22"),
        ("cotes d armor", "22"),
        ("Bretagne", "53"),
        ("Morlaix", "29151"),
        ("St Martin des Champs", "29254"),
        ("SAINT-MARTIN-DES-CHAMPS", "29254"),
        ("Ste Sève", "29265"),
        ("Cloître-Saint-Thégonnec", "29034"),  # its article left out
        ("Cloître-Saint-Thégonnec (Le)", "29034"),  # the article after the name
        ("Île de Sein", "29083"),
        ("CA Morlaix Communauté", "242900835"),
        ("Morlaix Communauté", "242900835"),  # without the kind of EPCI
        ("Communauté d’agglomération Morlaix Communauté", "242900835"),
        ("Poher Communauté", "242900744"),
        ("Pays de Landivisiau", "242900751"),
    ],
)
def test_get_reads_names_however_they_are_typed(mini, text, code):
    assert mini.get(text).code == code


def test_homonyms_are_all_returned(mini):
    found = mini.resolve("Saint-Servais")
    assert codes(found) == ["22328", "29264"]
    assert [t.label for t in found] == ["Saint-Servais (22)", "Saint-Servais (29)"]


def test_get_on_homonyms_lists_them_with_their_departement(mini):
    with pytest.raises(AmbiguousTerritoryError) as caught:
        mini.get("Saint-Servais")
    message = str(caught.value)
    assert "Saint-Servais (22), Saint-Servais (29)" in message
    assert "« Saint-Servais (22) »" in message  # how to say which one
    assert codes(caught.value.candidates) == ["22328", "29264"]
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("text", "within", "code"),
    [
        ("Saint-Servais (29)", None, "29264"),
        ("Saint-Servais (22)", None, "22328"),
        ("Saint Servais (Finistère)", None, "29264"),
        ("Saint-Servais (département 22)", None, "22328"),
        ("Saint-Servais (29400)", None, "29264"),  # its postal code
        ("Saint-Servais", "29", "29264"),
        ("Saint-Servais", "Côtes-d'Armor", "22328"),
        ("Saint-Servais", ("departement", "22"), "22328"),
        ("Saint-Servais", "200067981", "22328"),  # its EPCI
        ("Morlaix (29600)", None, "29151"),
        ("Morlaix (29151)", None, "29151"),
    ],
)
def test_a_qualifier_or_within_tells_homonyms_apart(mini, text, within, code):
    assert mini.get(text, within=within).code == code


def test_within_accepts_a_territory(mini):
    assert mini.get("Saint-Servais", within=mini["29"]).code == "29264"
    assert codes(mini.resolve("Saint-Servais", within=mini[("region", "53")])) == [
        "22328",
        "29264",
    ]


def test_a_name_shared_across_levels_needs_a_level(mini):
    # Mayenne is a département (53) and a commune (53147).
    found = mini.resolve("Mayenne")
    assert [(t.level, t.code) for t in found] == [
        (Level.DEPARTEMENT, "53"),
        (Level.COMMUNE, "53147"),
    ]
    with pytest.raises(AmbiguousTerritoryError) as caught:
        mini.get("Mayenne")
    assert "level" in str(caught.value)
    assert mini.get("Mayenne", level="commune").code == "53147"
    assert mini.get("Mayenne", level=Level.DEPARTEMENT).code == "53"


def test_a_departement_code_qualifier_means_the_commune_and_a_level_word_the_territory(mini):
    assert mini.get("Mayenne (53)").level is Level.COMMUNE
    assert mini.get("Mayenne (département 53)").level is Level.DEPARTEMENT


def test_every_label_resolves_back_to_its_territory(mini):
    everything = [mini[code] for code in mini.communes["code"]]
    everything += [mini[(level, code)] for level, code in mini.table[["level", "code"]].values]
    assert len(everything) == 24
    for territory in everything:
        assert mini.get(territory.label) == territory


def test_within_that_excludes_every_homonym_says_where_they_are(mini):
    with pytest.raises(UnknownTerritoryError) as caught:
        mini.get("Saint-Servais", within="53")
    message = str(caught.value)
    assert "« Saint-Servais » existe, mais pas dans Mayenne (département 53)" in message
    assert codes(caught.value.suggestions) == ["22328", "29264"]


def test_an_unknown_qualifier_is_reported(mini):
    with pytest.raises(UnknownTerritoryError) as caught:
        mini.get("Saint-Servais (Morbihan)")
    assert "précision entre parenthèses" in str(caught.value)


def test_an_unknown_name_suggests_close_names(mini):
    with pytest.raises(UnknownTerritoryError) as caught:
        mini.get("Finistre")
    error = caught.value
    assert error.suggestions[0].code == "29"
    assert "Vouliez-vous dire : Finistère (département 29)" in str(error)
    assert error.query == "Finistre"
    assert isinstance(error, ValueError)


def test_suggestions_respect_the_level(mini):
    assert codes(mini.suggest("Morlai")) == ["29151"]
    assert codes(mini.suggest("Morlaix Comunaute", level="epci")) == ["242900835"]
    assert mini.suggest("Morlai", level="departement") == []
    assert mini.suggest("") == []


def test_nothing_like_it_gives_no_suggestion(mini):
    with pytest.raises(UnknownTerritoryError) as caught:
        mini.get("Zzyzx")
    assert caught.value.suggestions == []
    assert str(caught.value) == "Aucun territoire nommé « Zzyzx »."


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_text_is_unknown(mini, text):
    with pytest.raises(UnknownTerritoryError):
        mini.resolve(text)


def test_a_level_filter_without_match_is_unknown_and_says_the_level(mini):
    with pytest.raises(UnknownTerritoryError) as caught:
        mini.get("Morlaix", level="departement")
    assert "Aucun département nommé « Morlaix »" in str(caught.value)


# --- mapping protocol ---------------------------------------------------------------------


def test_getitem_and_contains_take_codes_only(mini):
    assert mini["29151"].name == "Morlaix"
    assert mini[29] == mini["29"]
    assert "29" in mini
    assert 29151 in mini
    assert ("region", "52") in mini
    assert "35" not in mini
    assert "Finistère" not in mini  # a name, not a code
    assert "29600" not in mini  # a postal code, not a code of territory
    assert None not in mini
    assert ("canton", "29") not in mini
    assert ("region",) not in mini


def test_an_unknown_code_is_a_key_error_too(mini):
    with pytest.raises(KeyError):
        mini["35"]
    with pytest.raises(UnknownTerritoryError) as caught:
        mini["35"]
    assert str(caught.value) == "Aucun territoire de code « 35 »."
    with pytest.raises(UnknownTerritoryError):
        mini[Territory(Level.COMMUNE, "35238", "Rennes", 225081, "243500139")]


# --- territories --------------------------------------------------------------------------


def test_territory_fields(mini):
    morlaix = mini["29151"]
    assert morlaix == Territory(Level.COMMUNE, "29151", "Morlaix", 15194, "242900835")
    assert morlaix.departement == "29"
    assert mini["29083"].parent == "29"  # Île-de-Sein has no EPCI
    assert mini["242900835"].parent == "29"
    assert mini["242900835"].departement == "29"
    assert mini["29"].parent == "53"
    assert mini[("region", "53")].parent == "FR"
    assert mini["FR"].parent is None
    assert mini["FR"].departement is None
    assert mini["29"].population == 34692  # the subset's sum (see the fixture's README)
    with pytest.raises(AttributeError):
        morlaix.name = "Montroulez"  # type: ignore[misc]
    assert len({morlaix, mini["29151"]}) == 1


def test_labels_tell_levels_apart(mini):
    assert mini["29151"].label == "Morlaix (29)"
    assert str(mini["29151"]) == "Morlaix (29)"
    assert mini["29"].label == "Finistère (département 29)"
    assert mini[("region", "53")].label == "Bretagne (région 53)"
    assert mini["242900835"].label == "CA Morlaix Communauté (EPCI 242900835)"
    assert mini["FR"].label == "France"


# --- hierarchy ----------------------------------------------------------------------------


def chain(found: list[Territory]) -> list[tuple[str, str]]:
    return [(t.level.value, t.code) for t in found]


def test_parents_of_a_commune_nearest_first(mini):
    assert chain(mini.parents("29151")) == [
        ("epci", "242900835"),
        ("departement", "29"),
        ("region", "53"),
        ("country", "FR"),
    ]


def test_parents_of_a_commune_give_its_own_departement_even_if_its_epci_lies_mostly_elsewhere(
    mini,
):
    # Plévin (22) belongs to Poher Communauté, whose main département is the Finistère.
    assert chain(mini.parents("22202")) == [
        ("epci", "242900744"),
        ("departement", "22"),
        ("region", "53"),
        ("country", "FR"),
    ]
    assert chain(mini.parents("242900744")) == [
        ("departement", "29"),
        ("region", "53"),
        ("country", "FR"),
    ]


def test_parents_of_a_commune_outside_any_epci(mini):
    assert chain(mini.parents("29083")) == [
        ("departement", "29"),
        ("region", "53"),
        ("country", "FR"),
    ]


def test_parents_above_the_commune(mini):
    assert chain(mini.parents("53")) == [("region", "52"), ("country", "FR")]
    assert chain(mini.parents(("region", "53"))) == [("country", "FR")]
    assert mini.parents("FR") == []
    assert chain(mini.parents(mini["29"])) == [("region", "53"), ("country", "FR")]


def test_children(mini):
    assert codes(mini.children("FR", "region")) == ["52", "53"]
    assert codes(mini.children("FR", Level.DEPARTEMENT)) == ["22", "29", "53"]
    assert codes(mini.children(("region", "53"), "departement")) == ["22", "29"]
    assert codes(mini.children("29", "epci")) == ["242900744", "242900751", "242900835"]
    # Poher Communauté spans the Côtes-d'Armor but counts under the Finistère only
    assert codes(mini.children("22", "epci")) == ["200067981"]
    assert codes(mini.children(("region", "53"), "epci")) == [
        "200067981",
        "242900744",
        "242900751",
        "242900835",
    ]
    assert codes(mini.children("242900835", "commune")) == [
        "29034",
        "29151",
        "29207",
        "29254",
        "29265",
    ]
    assert codes(mini.children("22", "commune")) == ["22202", "22328"]


def test_children_must_be_below(mini):
    with pytest.raises(TerritoryError) as caught:
        mini.children("53", "departement")
    assert '("region", "53")' in str(caught.value)  # the hint for the région
    with pytest.raises(TerritoryError):
        mini.children("29151", "commune")
    with pytest.raises(TerritoryError):
        mini.children("242900835", "departement")


def test_communes_of(mini):
    assert mini.communes_of("FR") == sorted(mini.communes["code"])
    assert mini.communes_of("242900744") == ["22202", "29024"]
    assert mini.communes_of(("region", "52")) == ["53100", "53147"]
    assert mini.communes_of("53") == ["53100", "53147"]
    assert mini.communes_of("29151") == ["29151"]
    assert mini.communes_of(("region", "53")) == sorted(
        mini.communes.loc[mini.communes["region"] == "53", "code"]
    )
    for departement in ("22", "29", "53"):
        expected = mini.communes.loc[mini.communes["departement"] == departement, "code"]
        assert mini.communes_of(departement) == expected.tolist()


def test_commune_positions_are_read_only_rows_of_the_communes_table(mini):
    positions = mini.commune_positions("242900744")
    assert mini.communes["code"].to_numpy()[positions].tolist() == ["22202", "29024"]
    with pytest.raises(ValueError):
        positions[0] = 0
    with pytest.raises(ValueError):
        mini.commune_positions("FR")[0] = 1


# --- the real geography (data/geo) --------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> Territories:
    if not (geo_dir() / "communes.csv").exists():
        reason = f"{geo_dir()}/communes.csv is missing: run `fresque geo build`"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test the real geography, but {reason}")
        pytest.skip(reason)
    default_territories.cache_clear()  # another test may have cached a different data dir
    return default_territories()


def test_real_counts(real):
    # INSEE, Code officiel géographique au 1er janvier 2026: 18 régions, 101 départements,
    # 34 875 communes (the same as on 1 January 2025: DGCL, Bulletin d'information
    # statistique n° 195, "34 875 communes au 1er janvier 2025").
    assert len(real.children("FR", "region")) == 18
    assert len(real.children("FR", "departement")) == 101
    assert len(real.communes_of("FR")) == 34_875
    # DGCL, BIS n° 195: 1 254 EPCI à fiscalité propre on 1 January 2025, "stable since
    # 2022"; the Métropole de Lyon (SIREN 200046977), a collectivité with a special status
    # rather than an EPCI, is listed with them in the data.
    epci = codes(real.children("FR", "epci"))
    assert "200046977" in epci
    assert len(epci) - 1 == 1_254


def test_real_morlaix_chain(real):
    # Morlaix (INSEE 29151) → Morlaix Communauté (SIREN 242900835, Wikipédia
    # "Morlaix Communauté": communauté d'agglomération, 26 communes) → Finistère (29)
    # → Bretagne (53).
    assert real.get("Morlaix").code == "29151"
    assert chain(real.parents("29151")) == [
        ("epci", "242900835"),
        ("departement", "29"),
        ("region", "53"),
        ("country", "FR"),
    ]
    assert real["242900835"].name == "CA Morlaix Communauté"
    assert len(real.communes_of("242900835")) == 26
    assert real[("region", "53")].name == "Bretagne"


def test_real_postal_code_of_morlaix(real):
    # La Poste: 29600 serves Morlaix, Plourin-lès-Morlaix, Saint-Martin-des-Champs and
    # Sainte-Sève.
    assert "29151" in codes(real.resolve("29600"))
    assert real.postal_codes_of("29151") == ["29600"]


def test_real_names(real):
    assert real.get("St Etienne").code == "42218"  # Saint-Étienne, Loire
    assert real.get("finistere").code == "29"
    assert real.get("Finistère").code == "29"
    assert real.get("Le Havre").code == "76351"
    assert real.get("Havre (Le)").code == "76351"


def test_real_saint_denis_is_ambiguous(real):
    with pytest.raises(AmbiguousTerritoryError) as caught:
        real.get("Saint-Denis")
    found = codes(caught.value.candidates)
    assert {"93066", "97411"} <= set(found)  # Seine-Saint-Denis, La Réunion
    assert "Saint-Denis (93)" in str(caught.value)
    assert "Saint-Denis (974)" in str(caught.value)
    assert real.get("Saint-Denis (93)").code == "93066"
    assert real.get("Saint-Denis", within="974").code == "97411"
    assert real.get("Saint-Denis (La Réunion)").code == "97411"


def test_real_unknown_name_suggests_finistere(real):
    with pytest.raises(UnknownTerritoryError) as caught:
        real.get("Finistre")
    assert caught.value.suggestions[0].code == "29"
    assert "Finistère (département 29)" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "code", "name"),
    [
        ("1", "01", "Ain"),
        (1, "01", "Ain"),
        ("2a", "2A", "Corse-du-Sud"),
        ("2B", "2B", "Haute-Corse"),
        ("971", "971", "Guadeloupe"),
        ("976", "976", "Mayotte"),
        (1001, "01001", "L'Abergement-Clémenciat"),
        ("2A004", "2A004", "Ajaccio"),
        ("FR", "FR", "France"),
    ],
)
def test_real_codes(real, value, code, name):
    territory = real.get(value)
    assert (territory.code, territory.name) == (code, name)


def test_real_corsica_has_no_20_and_says_so(real):
    with pytest.raises(UnknownTerritoryError) as caught:
        real.get("20")
    assert codes(caught.value.suggestions) == ["2A", "2B"]


def test_real_every_commune_is_in_one_departement_and_islands_in_no_epci(real):
    by_departement = [real.communes_of(t) for t in real.children("FR", "departement")]
    assert sum(map(len, by_departement)) == 34_875
    assert len(set().union(*by_departement)) == 34_875
    in_epci = set().union(*(real.communes_of(t) for t in real.children("FR", "epci")))
    # Île-de-Bréhat, Île-de-Sein, Ouessant and L'Île-d'Yeu belong to no EPCI.
    assert set(real.communes_of("FR")) - in_epci == {"22016", "29083", "29155", "85113"}


def test_real_every_label_resolves_back(real):
    table = [real[(level, code)] for level, code in real.table[["level", "code"]].values]
    for territory in table:
        assert real.get(territory.label) == territory
    sample = real.communes["code"].to_numpy()[::97]
    for code in sample:
        assert real.get(real[code].label).code == code


def test_real_load_is_well_under_a_second(real):
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        Territories.load()
        timings.append(time.perf_counter() - start)
    assert min(timings) < 1.0, f"Territories.load() took {statistics.median(timings):.2f} s"


def test_real_default_instance_is_shared(real):
    assert default_territories() is default_territories()
    assert real is default_territories()


def test_real_docstring_examples_run(real):
    result = doctest.testmod(
        territories_module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 20
    assert result.failed == 0


def test_real_numbers_are_numbers(real):
    assert real.communes["population"].dtype == "Int64"
    assert real.communes["lon"].dtype == np.float64
    assert real["75056"].population > 2_000_000  # Paris
