"""The Carte page tells a confirmed gap from a territory nobody surveyed, in the browser.

A small ecosystem over the national geography: one incubator in the Finistère (29), and a
survey of the Côtes-d'Armor (22) made this year for every key. For incubators in Bretagne:
the 29 is served by one organisation, the 22 is a confirmed gap (the survey says so), the
35 and the 56 have no offer recorded and nobody surveyed them. Each status is checked by
its fill on the map, its words in the legend and in the territory's panel, in French and
in English. Expected values come from the core (``compute_coverage``).
"""

from __future__ import annotations

from datetime import date

import pytest

from browser.carte_pages import FILLS, click_territory, detail_title
from browser.servers import serve
from fresque.coverage import compute_coverage
from fresque.ecosystem import Ecosystem
from fresque.geo.territories import default_territories
from fresque.i18n import label
from fresque.model import CoverageStatus, Structure, Survey

pytestmark = pytest.mark.browser


def rgb(color: str) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture(scope="module")
def small() -> Ecosystem:
    today = date.today()
    incubator = Structure(
        id="incub_29",
        name="Incubateur du Finistère",
        kind="support_structure",
        dispositifs=["incubateur"],
        territory_level="departement",
        territory_codes=["29"],
        commune_code="29019",
        confidence="high",
        source_urls=["https://example.org/incubateur"],
        last_verified=today,
    )
    survey = Survey(
        id="rec_22",
        territory_level="departement",
        territory_code="22",
        attested_by="CRESS Bretagne (test)",
        date=date(today.year, 1, 1),
        source="https://example.org/recensement-22",
    )
    return Ecosystem([incubator], territories=default_territories(), surveys=[survey])


@pytest.fixture(scope="module")
def small_url(small: Ecosystem):
    """The app over the small ecosystem, on its own loopback port."""
    from fresque.app import create_app

    with serve(create_app(small)) as url:
        yield url


def wait_for_fills(page, expected: dict[str, str]) -> dict[str, str]:
    """Wait until the map paints ``expected`` (code -> css rgb), then return every fill."""
    page.wait_for_function(
        """(expected) => { const fills = Object.fromEntries(
             [...document.querySelectorAll('path.choroplethlocation')]
               .map(p => [p.__data__.loc, getComputedStyle(p).fill]));
           return Object.entries(expected).every(([code, fill]) => fills[code] === fill); }""",
        arg=expected,
        timeout=30_000,
    )
    return page.evaluate(FILLS)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_status_in_map_legend_and_panel(page, page_log, small_url, small, lang):
    from fresque.views.coverage_map import STATUS_COLORS

    table = compute_coverage(small).table("departement", "incubateur", region="53")
    status = dict(zip(table["code"], table["status"].astype(str), strict=True))
    assert status == {"22": "gap", "29": "single", "35": "none_known", "56": "none_known"}

    page.goto(f"{small_url}/carte?lang={lang}&region=53&key=incubateur")
    fills = wait_for_fills(page, {code: rgb(STATUS_COLORS[s]) for code, s in status.items()})
    # Only the surveyed département takes the alarm colour.
    alarm = {code for code, fill in fills.items() if fill == rgb(STATUS_COLORS["gap"])}
    assert alarm == {"22"}
    legend = page.locator("#map-legend").inner_text()
    gap, none_known = label(CoverageStatus.GAP, lang), label(CoverageStatus.NONE_KNOWN, lang)
    assert gap in legend and none_known in legend

    colon = "\u00a0:" if lang == "fr" else ":"
    click_territory(page, "22")
    detail_title(page, "Côtes-d'Armor (22)")
    panel = page.locator("#map-detail").inner_text()
    assert gap + colon in panel and none_known + colon not in panel
    survey = page.locator("#map-detail-surveys").inner_text()
    assert "CRESS Bretagne (test)" in survey and "https://example.org/recensement-22" in survey

    click_territory(page, "35")
    detail_title(page, "Ille-et-Vilaine (35)")
    panel = page.locator("#map-detail").inner_text()
    assert none_known + colon in panel and gap + colon not in panel
    words = {"fr": "n’est pas un manque", "en": "is not a gap"}[lang]
    assert words in panel
    assert (
        page.locator("#map-detail-surveys")
        .inner_text()
        .startswith({"fr": "Aucun recensement valide", "en": "No valid survey"}[lang])
    )
    assert page_log.foreign_hosts() == set(), page_log.requests
    assert page_log.errors == []
