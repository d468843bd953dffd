"""Territory codes as spreadsheets break them: fresque.geo.codes."""

from __future__ import annotations

import doctest
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fresque.geo import codes
from fresque.geo.codes import (
    InvalidCodeError,
    level_label,
    levels_of_code,
    normalize_code,
    parse_level,
    territory_level_of_code,
)
from fresque.model import Level


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # départements and régions lose their leading zero in spreadsheets
        (1, "01"),
        ("1", "01"),
        ("01", "01"),
        (" 29 ", "29"),
        (29.0, "29"),
        ("29.0", "29"),
        ("29,0", "29"),
        (np.int64(29), "29"),
        (np.float64(1.0), "01"),
        (Decimal("6"), "06"),
        # Corsica's letters come back in upper case
        ("2a", "2A"),
        ("2B", "2B"),
        ("2a004", "2A004"),
        # DROM départements have three digits
        ("971", "971"),
        (976, "976"),
        # communes: five characters; four digits are a commune that lost its leading zero
        (1001, "01001"),
        ("1001", "01001"),
        (1001.0, "01001"),
        ("29151", "29151"),
        (97411, "97411"),
        # EPCI SIREN, with the thousands spaces (also non-breaking) some sheets add
        ("242900835", "242900835"),
        (242900835, "242900835"),
        ("242 900 835", "242900835"),
        ("242\u00a0900\u00a0835", "242900835"),
        (242900835.0, "242900835"),
        # the country
        ("FR", "FR"),
        ("fr", "FR"),
        ("France", "FR"),
        (" FRANCE ", "FR"),
        ("FRA", "FR"),
    ],
)
def test_normalize_code_mends_what_spreadsheets_break(value, expected):
    assert normalize_code(value) == expected


@pytest.mark.parametrize(
    ("value", "level", "expected"),
    [
        (1, "region", "01"),
        (1, Level.DEPARTEMENT, "01"),
        ("53", "région", "53"),
        ("2a", "département", "2A"),
        ("974", "departement", "974"),
        (1001, "commune", "01001"),
        ("242900835", "epci", "242900835"),
        ("France", "country", "FR"),
    ],
)
def test_normalize_code_accepts_a_code_of_the_level_it_is_given(value, level, expected):
    assert normalize_code(value, level=level) == expected


@pytest.mark.parametrize(
    ("value", "level", "words"),
    [
        ("29", "commune", "n’est pas un code de commune"),
        (1001, "departement", "n’est pas un code de département"),
        ("2A", "region", "n’est pas un code de région"),
        ("971", "region", "n’est pas un code de région"),
        ("29151", "epci", "n’est pas un code d"),
        ("242900835", "commune", "n’est pas un code de commune"),
        ("29", "country", "n’est pas un code de pays"),
    ],
)
def test_normalize_code_refuses_a_code_of_another_level(value, level, words):
    with pytest.raises(InvalidCodeError) as caught:
        normalize_code(value, level=level)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "vide"),
        ("   ", "vide"),
        (None, "n’est pas un code"),
        (float("nan"), "manquant"),
        (np.nan, "manquant"),
        (True, "n’est pas un code"),
        (-29, "négatif"),
        (29.5, "n’est pas un code"),
        ("29.5", "n’est pas un code"),
        ("Finistère", "n’est pas un code"),
        ("29-600", "n’est pas un code"),
        ("123", "n’est pas un code"),  # three digits are only the DROM (971–976)
        ("123456", "6 chiffres"),
        ("12345678", "8 chiffres"),
        ("2C", "n’est pas un code"),
        ("2A04", "n’est pas un code"),
        ([29], "texte ou nombre attendu"),
    ],
)
def test_normalize_code_rejects_junk_with_a_french_message(value, words):
    with pytest.raises(InvalidCodeError) as caught:
        normalize_code(value)
    assert isinstance(caught.value, ValueError)
    assert words in str(caught.value)


def test_a_siret_is_recognised_and_its_siren_given():
    with pytest.raises(InvalidCodeError) as caught:
        normalize_code("24290083500019")
    message = str(caught.value)
    assert "SIRET" in message
    assert "242900835" in message


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("FR", Level.COUNTRY),
        ("France", Level.COUNTRY),
        (29, Level.DEPARTEMENT),
        ("53", Level.DEPARTEMENT),  # also a région code: the département is the guess
        ("2A", Level.DEPARTEMENT),
        ("971", Level.DEPARTEMENT),
        (1001, Level.COMMUNE),
        ("2A004", Level.COMMUNE),
        ("29151", Level.COMMUNE),
        ("242900835", Level.EPCI),
    ],
)
def test_territory_level_of_code_guesses_from_the_shape(value, level):
    assert territory_level_of_code(value) is level


def test_territory_level_of_code_rejects_junk():
    with pytest.raises(InvalidCodeError):
        territory_level_of_code("Morlaix")


def test_two_digit_codes_may_be_regions_but_corsica_may_not():
    assert levels_of_code("53") == (Level.DEPARTEMENT, Level.REGION)
    assert levels_of_code("2B") == (Level.DEPARTEMENT,)
    assert levels_of_code("974") == (Level.DEPARTEMENT,)


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (Level.EPCI, Level.EPCI),
        ("departement", Level.DEPARTEMENT),
        ("Département", Level.DEPARTEMENT),
        ("RÉGION", Level.REGION),
        ("pays", Level.COUNTRY),
        (" commune ", Level.COMMUNE),
        ("EPCI", Level.EPCI),
    ],
)
def test_parse_level_reads_french_spellings(value, level):
    assert parse_level(value) is level


def test_parse_level_rejects_an_unknown_level_in_french():
    with pytest.raises(InvalidCodeError) as caught:
        parse_level("canton")
    assert "Niveau de territoire inconnu" in str(caught.value)
    assert "canton" in str(caught.value)


def test_level_labels_are_french():
    assert [level_label(level) for level in Level] == [
        "pays",
        "région",
        "département",
        "EPCI",
        "commune",
    ]


@given(st.integers(min_value=1, max_value=95))
def test_any_metropolitan_departement_number_gets_two_digits(number):
    code = normalize_code(number)
    assert code == f"{number:02d}"
    assert normalize_code(float(number)) == code
    assert normalize_code(f" {number}.0 ") == code


@given(st.integers(min_value=1001, max_value=9999))
def test_any_four_digit_number_is_a_commune_that_lost_its_zero(number):
    assert normalize_code(number) == f"0{number}"
    assert normalize_code(number, level=Level.COMMUNE) == f"0{number}"


@given(
    st.one_of(
        st.integers(min_value=0, max_value=10**10),
        st.text(alphabet="0123456789ABab.,  ", max_size=12),
        st.sampled_from(["FR", "France", "2a", "2B004", "971", "242 900 835"]),
    )
)
def test_normalize_code_is_idempotent_and_canonical(value):
    try:
        code = normalize_code(value)
    except InvalidCodeError:
        return
    assert normalize_code(code) == code
    assert code == code.strip().upper()
    assert len(code) in (2, 3, 5, 9)
    assert territory_level_of_code(code) in levels_of_code(code)


def test_docstring_examples_run():
    result = doctest.testmod(codes, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0
