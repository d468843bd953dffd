"""Qui peut m'accompagner ? From a postal code to ranked offers, in a real browser.

Expected offers come from the core (:func:`fresque.orientation.orient`), never hard-coded.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fresque.ecosystem import load_ecosystem
from fresque.orientation import orient

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("FRESQUE_SHOTS", "/tmp/fresque-shots"))


def offer_ids(page, section: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#ori-results .offers.{section} > article.offer", "els => els.map(e => e.dataset.id)"
    )


def search(page, text: str) -> None:
    page.fill("#ori-query", text)
    page.click("#ori-go")


def test_postal_code_to_ranked_offers(page, page_log, app_url):
    eco = load_ecosystem()
    expected = orient(eco, "29151", stage="emergence")
    page.goto(f"{app_url}/orientation")
    page.wait_for_selector("#ori-query")
    assert page.locator(".nav-link.active").inner_text() == "Qui peut m’accompagner\u00a0?"
    search(page, "29600")
    # Several communes share 29600: the page asks which one.
    page.wait_for_selector(".commune-choices button")
    choices = page.locator(".commune-choices button").all_inner_texts()
    assert "Morlaix (29)" in choices and len(choices) == 4
    assert "laquelle" in page.inner_text("#ori-results")
    page.get_by_role("button", name="Morlaix (29)", exact=True).click()
    page.wait_for_selector("#ori-for")
    page.locator("#ori-stage label", has_text="Émergence").click()
    page.wait_for_function(
        "() => (new URLSearchParams(location.search)).get('stage') === 'emergence'"
        " && document.querySelectorAll('#ori-results .offers.local > article').length > 0"
        " && document.querySelector('#ori-results .offers.local article li')"
        ".innerText.includes('sert votre commune')",
        timeout=20_000,
    )
    page.wait_for_function(
        "(n) => document.querySelectorAll('#ori-results .offers.local > article').length === n",
        arg=len(expected.local),
        timeout=20_000,
    )
    assert offer_ids(page, "local") == [o.id for o in expected.local]
    assert offer_ids(page, "national") == [o.id for o in expected.national]
    assert page.inner_text("#ori-for") == "Pour Morlaix (29)"
    first = page.locator("#ori-results .offers.local > article").first
    reasons = first.locator(".offer-reasons li").all_inner_texts()
    assert reasons == expected.local[0].reasons
    assert "accompagne l’émergence" in reasons
    # Local before national, in the page's order.
    order = page.evaluate(
        "() => [...document.querySelectorAll('#ori-results section.offers')]"
        ".map(s => s.classList.contains('local') ? 'local' : 'national')"
    )
    assert order == ["local", "national"]
    # The URL reproduces the answer.
    url = page.url
    assert "commune=29151" in url and "stage=emergence" in url
    page.goto(url)
    page.wait_for_selector("#ori-for")
    assert offer_ids(page, "local") == [o.id for o in expected.local]
    assert page.input_value("#ori-query") == "29600"
    assert not page_log.errors
    assert page_log.foreign_hosts() == set()


def test_unknown_commune_gets_french_suggestions(page, app_url):
    page.goto(f"{app_url}/orientation")
    page.wait_for_selector("#ori-query")
    search(page, "Morlai")
    page.wait_for_selector(".commune-choices button")
    text = page.inner_text("#ori-results")
    assert "Aucune commune ne correspond à « Morlai »." in text
    assert "Vouliez-vous dire" in text
    assert any("Morlaix" in c for c in page.locator(".commune-choices button").all_inner_texts())


def test_phone_screenshot(browser, app_url):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="fr-FR"
    )
    page = context.new_page()
    try:
        page.goto(f"{app_url}/orientation?q=29600&commune=29151&stage=emergence")
        page.wait_for_selector("#ori-for")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "orientation-phone.png"), full_page=False)
        page.locator("#ori-results .offers.local").screenshot(
            path=str(SHOTS / "orientation-phone-offers.png")
        )
        # Nothing wider than the screen.
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
              .map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)"""
        )
        assert not wide
    finally:
        context.close()
