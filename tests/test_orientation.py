"""Qui peut m'accompagner ? Finding the commune, ranking the offers, saying why."""

from __future__ import annotations

import csv
import io

import pytest

from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.geo.territories import Territories
from fresque.model import Link, Structure
from fresque.orientation import EXPLICIT, NONE, find_commune, haversine_km, orient


@pytest.fixture(scope="module")
def mini() -> Territories:
    return Territories.load("tests/data/geo_mini")


@pytest.fixture(scope="module")
def small(mini: Territories) -> Ecosystem:
    def s(sid: str, **fields) -> Structure:
        base = {"id": sid, "name": sid.upper(), "kind": "support_structure"}
        return Structure(**(base | fields))

    return Ecosystem(
        [
            # Explicit émergence, far away (Carhaix), serves the Finistère.
            s(
                "far_explicit",
                dispositifs=["incubateur"],
                stages=["emergence"],
                territory_level="departement",
                territory_codes=["29"],
                commune_code="29024",
                themes=["financement"],
                website="https://far.example",
            ),
            # Explicit émergence, in Morlaix, no theme: theme fit loses to far_explicit.
            s(
                "near_explicit",
                dispositifs=["incubateur"],
                stages=["emergence"],
                territory_level="departement",
                territory_codes=["29"],
                commune_code="29151",
            ),
            # Émergence by its dispositif's default, close (Saint-Martin-des-Champs).
            s(
                "near_default",
                dispositifs=["cae"],
                territory_level="epci",
                territory_codes=["242900835"],
                commune_code="29254",
            ),
            # Same fit, not located: after the located one.
            s(
                "nowhere_default",
                dispositifs=["cae"],
                territory_level="region",
                territory_codes=["53"],
            ),
            # Serves the commune but another stage.
            s(
                "dla",
                dispositifs=["dla_departemental"],
                territory_level="departement",
                territory_codes=["29"],
                status="expected",
                source_urls=["https://by-design.example/dla"],
            ),
            # Does not serve Morlaix.
            s(
                "elsewhere",
                dispositifs=["incubateur"],
                stages=["emergence"],
                territory_level="departement",
                territory_codes=["22"],
                commune_code="22202",
            ),
            s(
                "defunct",
                dispositifs=["incubateur"],
                stages=["emergence"],
                status="defunct",
                territory_level="departement",
                territory_codes=["29"],
            ),
            s("national", dispositifs=["incubateur"], territory_level="country"),
            s("funder", kind="funder", territory_level="country"),
            s("net", kind="network", territory_level="region", territory_codes=["53"]),
        ],
        [
            Link(source="funder", target="near_explicit", relation="funds"),
            Link(source="near_explicit", target="net", relation="member_of"),
        ],
        territories=mini,
    )


def test_find_commune_by_code_postal_code_and_name(mini: Territories) -> None:
    assert find_commune(mini, "29151").commune.name == "Morlaix"
    assert find_commune(mini, "Morlaix").commune.code == "29151"
    several = find_commune(mini, "29600")
    assert several.commune is None
    assert [c.code for c in several.choices] == ["29151", "29207", "29254", "29265"]
    assert "29600" in several.message and "laquelle" in several.message


def test_find_commune_homonyms_and_unknown(mini: Territories) -> None:
    homonyms = find_commune(mini, "Saint-Servais")
    assert [c.label for c in homonyms.choices] == ["Saint-Servais (22)", "Saint-Servais (29)"]
    unknown = find_commune(mini, "Morlai")
    assert unknown.commune is None and unknown.message.startswith("Aucune commune")
    assert [c.name for c in unknown.suggestions][:1] == ["Morlaix"]
    assert find_commune(mini, "  ").message.startswith("Saisissez")
    assert find_commune(mini, "Finistère").commune is None  # a département is no commune


def test_ranking_by_fit_then_distance(small: Ecosystem) -> None:
    found = orient(small, "29151", stage="emergence", theme="financement")
    assert [o.id for o in found.local] == [
        "far_explicit",  # explicit stage + theme
        "near_explicit",  # explicit stage
        "near_default",  # default stage, located
        "nowhere_default",  # default stage, not located
    ]
    assert [o.id for o in found.others] == ["net", "dla"]  # active first
    assert [o.id for o in found.national] == ["national"]
    assert found.offers[-1].national
    assert found.local[0].stage_fit == EXPLICIT and found.others[0].stage_fit == NONE
    near = found.local[1]
    assert near.distance_km == 0
    assert near.reasons == [
        "sert votre commune (département 29)",
        "accompagne l’émergence",
        "thème financement non mentionné",
        "dans votre commune",
        "information peu sûre (confiance faible)",  # the records' default confidence
    ]
    assert near.funders == [("funder", "FUNDER")] and near.networks == [("net", "NET")]
    far = found.local[0]
    assert "thème\u00a0: financement" in far.reasons
    assert f"à {round(far.distance_km)} km" in far.reasons
    assert far.website == "https://far.example"
    default = found.local[2]
    assert default.reasons[1].startswith("accompagne l’émergence (étape habituelle")
    assert found.local[3].distance_km is None


def test_expected_offer_says_the_operator_is_unknown(small: Ecosystem) -> None:
    found = orient(small, "29151", stage="consolidation")
    dla = next(o for o in found.local if o.id == "dla")
    assert dla.expected_note == (
        "un DLA existe sur votre département mais son opérateur n’est pas encore référencé"
    )
    assert dla.sources == ["https://by-design.example/dla"]
    assert found.local[-1].id == "dla"  # active offers first
    english = orient(small, "29151", stage="consolidation", lang="en")
    dla_en = next(o for o in english.local if o.id == "dla")
    assert (
        dla_en.expected_note
        == "a DLA exists for your département but its operator is not listed yet"
    )


def test_orient_refuses_what_is_not_a_commune(small: Ecosystem) -> None:
    with pytest.raises(ValueError):
        orient(small, "29", stage="emergence")


def test_national_dataset_morlaix_emergence() -> None:
    eco = load_ecosystem()
    found = orient(eco, "29151", stage="emergence")
    assert found.local and found.national
    served = set(eco.serving("29151").local.index)
    assert {o.id for o in found.local + found.others} == served - {
        sid for sid in served if eco.get(sid).status.value == "defunct"
    }
    keys = [o.sort_key() for o in found.local]
    assert keys == sorted(keys)
    assert all(not o.national for o in found.local) and all(o.national for o in found.national)


def test_haversine() -> None:
    assert haversine_km(0, 0, 0, 0) == 0
    assert round(haversine_km(0, 0, 1, 0), 1) == 111.2


# --- the app's page -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app():
    from fresque.app import create_app

    return create_app()


def _texts(node) -> list[str]:
    """Every string in a Dash component tree."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list | tuple):
        return [text for item in node for text in _texts(item)]
    children = getattr(node, "children", None)
    return _texts(children) if children is not None else []


def test_page_parameters_round_trip() -> None:
    from fresque.app.pages.orientation import parse_search, to_search

    params = parse_search("?lang=en&q=29600&commune=29151&stage=emergence&theme=financement")
    assert params == {
        "q": "29600",
        "commune": "29151",
        "stage": "emergence",
        "theme": "financement",
        "lang": "en",
    }
    assert parse_search(to_search(params)) == params
    assert parse_search("?commune=<script>&stage=x")["commune"] is None


def test_page_renders_choices_then_offers(app) -> None:
    from fresque.app.pages.orientation import render_results

    with app.server.test_request_context("/orientation"):
        choices = render_results({"q": "29600", "lang": "fr"}, "fr")
        assert "Morlaix (29)" in _texts(choices)
        offers = render_results({"q": "29600", "commune": "29151", "stage": "emergence"}, "fr")
        texts = _texts(offers)
        assert "Pour Morlaix (29)" in texts
        assert "accompagne l’émergence" in texts
        english = render_results({"q": "Morlaix", "stage": "creation"}, "en")
        assert "For Morlaix (29)" in _texts(english)


def test_export_of_the_reseau_selection(app) -> None:
    import base64

    from fresque.app.exports import build
    from fresque.app.state import ViewState

    eco = load_ecosystem()
    state = ViewState(departement="29", kinds=("network",))
    with app.server.test_request_context("/"):
        data = build("csv", state)
    assert data["filename"] == "fresque-selection-dep29.csv"
    text = base64.b64decode(data["content"]).decode("utf-8-sig")
    ids = [row["id"] for row in csv.DictReader(io.StringIO(text))]
    expected = eco.filter(territory=("departement", "29"), kinds=["network"])
    assert ids == sorted(expected.structures.index)
