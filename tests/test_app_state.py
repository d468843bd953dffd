"""The view state and its URL: round trips, defaults left out, bad values dropped."""

from __future__ import annotations

import doctest
from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fresque.app.state
from fresque.app.state import (
    FOCUS_RADII,
    MAP_LEVELS,
    METRICS,
    NETWORK_LAYOUTS,
    PAGES,
    QUERY_KEYS,
    ViewState,
    filter_arguments,
    page_from_path,
    parse_query,
    parse_url,
    replace,
    to_href,
    to_path,
    to_search,
)
from fresque.i18n import LANGUAGES
from fresque.model import Confidence, Dispositif, Kind, Relation, Stage, Status, Theme


def test_docstring_examples_run():
    result = doctest.testmod(fresque.app.state)
    assert result.attempted > 0 and result.failed == 0


def test_default_state_has_an_empty_query_and_opens_at_the_root():
    assert to_search(ViewState()) == ""
    assert parse_url("/", "") == ViewState()
    assert parse_url(None, None) == ViewState()
    assert to_href(ViewState()) == "/reseau"


def test_every_field_round_trips():
    state = ViewState(
        page="carte",
        lang="en",
        region="53",
        departement="2A",
        epci="200067205",
        kinds=("network", "funder"),
        dispositifs=("dla_departemental", "incubateur"),
        stages=("ideation", "scaling"),
        themes=("emploi",),
        statuses=("active", "expected"),
        relations=("funds", "partners_with"),
        min_confidence="medium",
        selected="cress_bre",
        focus=2,
        layout="force",
        metric="betweenness",
        level="regions",
        indicator="per100k",
        coverage_key="incubateur",
    )
    assert all(getattr(state, f.name) != f.default for f in fields(ViewState))
    assert parse_url(to_path(state), to_search(state)) == state
    search = to_search(state)
    assert search.startswith("?lang=en&region=53&dep=2A&epci=200067205&kind=network,funder&")
    assert "%2C" not in search  # commas stay readable


def test_lists_follow_enum_order_and_drop_repeats_and_unknowns():
    state = parse_url("/reseau", "?stage=scaling,ideation,ideation,nope&kind=funder&kind=network")
    assert state.stages == ("ideation", "scaling")
    assert state.kinds == ("network", "funder")


@pytest.mark.parametrize(
    "search",
    [
        "?region=123&dep=999&sel=Not A Slug&focus=7&layout=spring&metric=pagerank",
        "?lang=de&level=communes&confidence=certain",
        "?confidence=low",  # low is every structure: no filter
        "?kind=&stage=,,&region=",
        "?region=abc&dep=2C",
        "?focus=-1&focus=x",
        "?%ZZ=1&=&&",
    ],
)
def test_bad_values_are_dropped_never_raised(search):
    assert parse_url("/reseau", search) == ViewState()


def test_codes_are_normalised():
    state = parse_url("/", "?dep=2a&region=3")
    assert (state.departement, state.region) == ("2A", "03")  # 03: Guyane
    assert parse_url("/", "?dep=1").departement == "01"
    assert parse_url("/", "?dep=974").departement == "974"


def test_unknown_parameters_are_ignored():
    assert parse_query("?utm_source=x&fbclid=y&kind=chamber") == {"kinds": "chamber"}


@pytest.mark.parametrize(
    ("path", "page"),
    [("/carte", "carte"), ("/reseau/", "reseau"), ("/app/carte", "carte"), ("/x", "reseau")],
)
def test_page_from_path(path, page):
    assert page_from_path(path) == page


def test_filter_arguments_feed_ecosystem_filter():
    assert filter_arguments(ViewState()) == {}
    state = ViewState(
        region="53",
        kinds=("chamber",),
        stages=("creation",),
        min_confidence="high",
        relations=("funds",),
        selected="x",
    )
    assert filter_arguments(state) == {
        "kinds": ("chamber",),
        "stages": ("creation",),
        "territory": ("region", "53"),
        "min_confidence": "high",
    }


def test_epci_is_the_most_precise_territory_and_the_map_leaves_territories_out():
    state = ViewState(region="28", departement="50", epci="200067205", kinds=("network",))
    assert filter_arguments(state)["territory"] == ("epci", "200067205")
    assert filter_arguments(state, territory=False) == {"kinds": ("network",)}
    assert parse_url("/carte", "?epci=200067205").epci == "200067205"
    for bad in ("20006720", "2000672051", "CA_Cotentin", "2A0067205"):
        assert parse_url("/carte", f"?epci={bad}").epci is None
    assert state.has_filters and state.without_filters().epci is None


def test_an_epci_filter_reaches_ecosystem_filter():
    from fresque.ecosystem import load_ecosystem

    eco = load_ecosystem()
    state = ViewState(epci="200067205")
    arguments = filter_arguments(state)
    shown = eco.filter(**arguments)
    expected = eco.filter(territory=("epci", "200067205"))
    assert list(shown.structures.index) == list(expected.structures.index)
    # Narrower than its département's filter and than nothing.
    departement = eco.filter(territory=("departement", "50"))
    assert set(shown.structures.index) <= set(departement.structures.index)
    assert len(shown.structures) < len(eco.structures)


def test_without_filters_keeps_the_view():
    state = ViewState(lang="en", region="53", kinds=("network",), selected="avise", focus=1)
    cleared = state.without_filters()
    assert not cleared.has_filters and state.has_filters
    assert (cleared.lang, cleared.selected, cleared.focus) == ("en", "avise", 1)


def test_query_keys_cover_every_field_but_the_page():
    assert set(QUERY_KEYS) == {f.name for f in fields(ViewState)} - {"page"}


def _subset(values):
    return st.lists(st.sampled_from(values), unique=True).map(
        lambda chosen: tuple(v for v in values if v in chosen)
    )


states = st.builds(
    ViewState,
    page=st.sampled_from(PAGES),
    lang=st.sampled_from(LANGUAGES),
    region=st.none() | st.sampled_from(["11", "53", "94"]),
    departement=st.none() | st.sampled_from(["01", "29", "2A", "2B", "974"]),
    epci=st.none() | st.from_regex(r"[0-9]{9}", fullmatch=True),
    kinds=_subset([m.value for m in Kind]),
    dispositifs=_subset([m.value for m in Dispositif]),
    stages=_subset([m.value for m in Stage]),
    themes=_subset([m.value for m in Theme]),
    statuses=_subset([m.value for m in Status]),
    relations=_subset([m.value for m in Relation]),
    min_confidence=st.none() | st.sampled_from([Confidence.MEDIUM.value, Confidence.HIGH.value]),
    selected=st.none() | st.from_regex(r"[a-z0-9]{1,8}(_[a-z0-9]{1,8}){0,2}", fullmatch=True),
    focus=st.sampled_from(FOCUS_RADII),
    layout=st.sampled_from(NETWORK_LAYOUTS),
    metric=st.sampled_from(METRICS),
    level=st.sampled_from(MAP_LEVELS),
)


@given(states)
def test_any_state_round_trips_through_its_url(state):
    assert parse_url(to_path(state), to_search(state)) == state


@given(st.text(max_size=200))
def test_any_query_string_gives_a_state(text):
    state = parse_url("/reseau", text)
    assert parse_url(to_path(state), to_search(state)) == state


def test_replace_is_reexported():
    assert replace(ViewState(), lang="en").lang == "en"


def test_sanitize_drops_what_the_ecosystem_does_not_know():
    from fresque.app.state import sanitize
    from fresque.ecosystem import load_ecosystem

    eco = load_ecosystem()
    kept = ViewState(region="53", departement="29", selected="cress_bre")
    assert sanitize(kept, eco) == kept
    assert sanitize(ViewState(region="99"), eco).region is None
    # Finistère is not in Île-de-France: the département goes, the région stays.
    mixed = sanitize(ViewState(region="11", departement="29"), eco)
    assert (mixed.region, mixed.departement) == ("11", None)
    assert sanitize(ViewState(selected="nobody_here"), eco).selected is None
    # EPCI: kept where it lies, dropped when unknown or outside the département/région.
    cotentin = ViewState(region="28", departement="50", epci="200067205")
    assert sanitize(cotentin, eco) == cotentin
    assert sanitize(ViewState(epci="200067205"), eco).epci == "200067205"
    assert sanitize(ViewState(epci="999999999"), eco).epci is None
    assert sanitize(replace(cotentin, departement="29", region="53"), eco).epci is None
    assert sanitize(replace(cotentin, departement=None, region="53"), eco).epci is None
    # An EPCI across two départements fits both (and the région of each).
    table = eco.territories.table
    across = table[(table["level"] == "epci") & table["departements"].str.contains("[|]")]
    code, listed = str(across["code"].iloc[0]), str(across["departements"].iloc[0])
    for departement in listed.split("|"):
        assert sanitize(ViewState(departement=departement, epci=code), eco).epci == code
    # A département dropped as outside the région takes its EPCI along.
    dropped = sanitize(ViewState(region="11", departement="50", epci="200067205"), eco)
    assert (dropped.departement, dropped.epci) == (None, None)
    assert sanitize(kept, None) == kept
