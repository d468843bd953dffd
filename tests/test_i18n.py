"""Labels of the vocabulary, and parsing labels back into members."""

from __future__ import annotations

import doctest
from enum import StrEnum

import pytest

import fresque.i18n
import fresque.model
from fresque.i18n import (
    ENUM_LABELS,
    ENUM_TITLES,
    LANGUAGES,
    SYNONYMS,
    UnknownValueError,
    enum_choices,
    label,
    normalize_key,
    parse_enum,
)
from fresque.model import (
    REFERENCE_DISPOSITIFS,
    Confidence,
    Dispositif,
    Kind,
    Level,
    Relation,
    Stage,
    Status,
    Theme,
)

#: Every enum of the vocabulary, found in the module so a new one cannot go unlabelled.
ENUMS: tuple[type[StrEnum], ...] = tuple(
    value
    for value in vars(fresque.model).values()
    if isinstance(value, type)
    and issubclass(value, StrEnum)
    and value.__module__ == "fresque.model"
)
MEMBERS = [member for enum_cls in ENUMS for member in enum_cls]


def member_id(member: StrEnum) -> str:
    return f"{type(member).__name__}.{member.name}"


def test_docstring_examples_run() -> None:
    result = doctest.testmod(fresque.i18n, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_every_enum_is_labelled_and_titled() -> None:
    assert set(ENUM_LABELS) == set(ENUMS)
    assert set(ENUM_TITLES) == set(ENUMS)
    for enum_cls in ENUMS:
        assert set(ENUM_LABELS[enum_cls]) == set(enum_cls), enum_cls
        assert set(ENUM_TITLES[enum_cls]) == set(LANGUAGES)


@pytest.mark.parametrize("member", MEMBERS, ids=member_id)
def test_every_value_has_a_french_and_an_english_label(member: StrEnum) -> None:
    labels = ENUM_LABELS[type(member)][member]
    assert set(labels) == set(LANGUAGES)
    for lang in LANGUAGES:
        text = labels[lang]
        assert text == text.strip() and text, (member, lang)
        assert label(member, lang) == text


@pytest.mark.parametrize("enum_cls", ENUMS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_labels_are_distinct_within_an_enum(enum_cls: type[StrEnum], lang: str) -> None:
    labels = [label(member, lang) for member in enum_cls]
    assert len(set(labels)) == len(labels), labels
    keys = [normalize_key(text) for text in labels]
    assert len(set(keys)) == len(keys), labels


@pytest.mark.parametrize("member", MEMBERS, ids=member_id)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_label_round_trips_through_parse_enum(member: StrEnum, lang: str) -> None:
    enum_cls = type(member)
    text = label(member, lang)
    assert parse_enum(enum_cls, text) is member
    assert parse_enum(enum_cls, text.upper()) is member
    assert parse_enum(enum_cls, f"  {text.lower()} ") is member
    assert parse_enum(enum_cls, member.value) is member
    assert parse_enum(enum_cls, member.value.replace("_", " ")) is member
    assert parse_enum(enum_cls, member.value.replace("_", "-")) is member
    assert parse_enum(enum_cls, member) is member


def test_label_falls_back_to_french_and_takes_plain_values() -> None:
    assert label(Stage.EMERGENCE) == "Émergence"
    assert label(Stage.EMERGENCE, "en") == "Emergence"
    assert label(Stage.EMERGENCE, "de") == "Émergence"
    assert label(Dispositif.INCUBATEUR) == "Incubateur"
    assert label(Dispositif.INCUBATEUR, "en") == "Incubator"
    assert label(Relation.FUNDS) == "finance"
    assert label(Relation.FUNDS, "en") == "funds"
    assert label("incubateur") == "Incubateur"  # a value of one enum only
    assert label("evaluation_impact", enum_cls=Theme) == "Évaluation d’impact"
    with pytest.raises(ValueError, match="several enums"):
        label("evaluation_impact")
    with pytest.raises(ValueError):
        label("nothing_like_this")


@pytest.mark.parametrize(
    ("enum_cls", "text", "expected"),
    [
        (Dispositif, "Incubateur", Dispositif.INCUBATEUR),
        (Dispositif, "Fabrique à initiatives", Dispositif.FABRIQUE_A_INITIATIVES),
        (Dispositif, "fabrique a initiatives", Dispositif.FABRIQUE_A_INITIATIVES),
        (Dispositif, "DLA départemental", Dispositif.DLA_DEPARTEMENTAL),
        (Dispositif, "dla-departemental", Dispositif.DLA_DEPARTEMENTAL),
        (Dispositif, "Prêt d'honneur", Dispositif.PRET_D_HONNEUR),
        (Dispositif, "prêt d’honneur", Dispositif.PRET_D_HONNEUR),
        (Dispositif, "PTCE", Dispositif.PTCE),
        (Dispositif, "CAE", Dispositif.CAE),
        (Dispositif, "Social Value France", Dispositif.EVALUATION_IMPACT),
        (Dispositif, "Incubator", Dispositif.INCUBATEUR),
        (Relation, "finance", Relation.FUNDS),
        (Relation, "anime", Relation.ANIMATES),
        (Relation, "coordonne", Relation.ANIMATES),
        (Relation, "porte", Relation.CARRIES),
        (Relation, "adhère à", Relation.MEMBER_OF),
        (Relation, "Adhere a", Relation.MEMBER_OF),
        (Relation, "partenaire", Relation.PARTNERS_WITH),
        (Relation, "oriente vers", Relation.REFERS_TO),
        (Relation, "member of", Relation.MEMBER_OF),
        (Stage, "émergence", Stage.EMERGENCE),
        (Stage, "EMERGENCE", Stage.EMERGENCE),
        (Stage, "changement d'échelle", Stage.SCALING),
        (Stage, "Changement d’échelle", Stage.SCALING),
        (Stage, "accélération", Stage.SCALING),
        (Stage, "lancement", Stage.CREATION),
        (Stage, "développement", Stage.CONSOLIDATION),
        (Stage, "idéation", Stage.IDEATION),
        (Stage, "impact_evaluation", Stage.IMPACT_EVALUATION),
        (Theme, "transformation écologique", Theme.TRANSITION_ECOLOGIQUE),
        (Theme, "gouvernance", Theme.GOUVERNANCE),
        (Kind, "réseau", Kind.NETWORK),
        (Kind, "tête de réseau", Kind.NETWORK),
        (Kind, "financeur", Kind.FUNDER),
        (Kind, "État", Kind.PUBLIC_BODY),
        (Level, "national", Level.COUNTRY),
        (Level, "département", Level.DEPARTEMENT),
        (Level, "EPCI", Level.EPCI),
        (Level, "intercommunalité", Level.EPCI),
        (Status, "fermée", Status.DEFUNCT),
        (Status, "à identifier", Status.EXPECTED),
        (Confidence, "élevée", Confidence.HIGH),
        (Confidence, "moyenne", Confidence.MEDIUM),
    ],
)
def test_parse_enum_accepts_labels_and_synonyms(
    enum_cls: type[StrEnum], text: str, expected: StrEnum
) -> None:
    assert parse_enum(enum_cls, text) is expected


def test_every_synonym_parses_to_its_member() -> None:
    for enum_cls, synonyms in SYNONYMS.items():
        for text, member in synonyms.items():
            assert isinstance(member, enum_cls), (text, member)
            assert parse_enum(enum_cls, text) is member, text


def test_reference_spellings_parse_except_the_ambiguous_bare_dla() -> None:
    for text, member in REFERENCE_DISPOSITIFS.items():
        if text == "DLA":
            continue
        assert parse_enum(Dispositif, text) is member, text
    with pytest.raises(UnknownValueError):
        parse_enum(Dispositif, "DLA")


def test_unknown_value_lists_the_allowed_values_and_suggests_the_closest() -> None:
    with pytest.raises(UnknownValueError) as caught:
        parse_enum(Dispositif, "incubatuer")
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.value == "incubatuer"
    assert error.enum_cls is Dispositif
    assert error.suggestion is Dispositif.INCUBATEUR
    assert error.allowed == tuple(label(member) for member in Dispositif)
    message = str(error)
    assert "« incubatuer »" in message
    assert "dispositif" in message
    for member in Dispositif:
        assert label(member) in message
    assert "Vouliez-vous dire « Incubateur » ?" in message


@pytest.mark.parametrize(
    ("enum_cls", "text", "suggestion"),
    [
        (Stage, "emergense", Stage.EMERGENCE),
        (Stage, "consolidaton", Stage.CONSOLIDATION),
        (Relation, "financ", Relation.FUNDS),
        (Relation, "partenair", Relation.PARTNERS_WITH),
        (Kind, "reseaux", Kind.NETWORK),
        (Dispositif, "fabrique a initiative", Dispositif.FABRIQUE_A_INITIATIVES),
        (Dispositif, "accélérateru", Dispositif.ACCELERATEUR),
        (Confidence, "hight", Confidence.HIGH),
    ],
)
def test_typos_get_a_suggestion(enum_cls: type[StrEnum], text: str, suggestion: StrEnum) -> None:
    with pytest.raises(UnknownValueError) as caught:
        parse_enum(enum_cls, text)
    assert caught.value.suggestion is suggestion
    assert f"Vouliez-vous dire « {label(suggestion)} » ?" in str(caught.value)


def test_far_or_empty_values_get_no_suggestion() -> None:
    with pytest.raises(UnknownValueError) as caught:
        parse_enum(Stage, "zzzz")
    assert caught.value.suggestion is None
    assert "Vouliez-vous dire" not in str(caught.value)
    assert "Valeurs possibles : Idéation, Émergence" in str(caught.value)
    with pytest.raises(UnknownValueError, match="Valeur vide pour « étape »"):
        parse_enum(Stage, "  ")


def test_parse_enum_refuses_non_strings() -> None:
    with pytest.raises(TypeError):
        parse_enum(Stage, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_enum(Stage, None)  # type: ignore[arg-type]


def test_no_spelling_names_two_members() -> None:
    # Building the lookup table raises on a spelling shared by two members of an enum.
    fresque.i18n._spellings.cache_clear()
    for enum_cls in ENUMS:
        assert fresque.i18n._spellings(enum_cls)


def test_enum_choices_for_dropdowns() -> None:
    choices = enum_choices(Stage, "en")
    assert [c["value"] for c in choices] == [s.value for s in Stage]
    assert choices[0] == {"label": "Ideation", "value": "ideation"}
