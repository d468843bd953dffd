"""Tokens off the projector (issue 13, finding 3): the panel's board link opens the board
on another browser with a display-only token whose address bar never shows it, and that
browser is never offered the facilitator's panel; a page of another site cannot write.

The app runs on its own loopback server with a workshop store in a temporary SQLite
file and the small test geography.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browser.atelier_pages import SCREEN_COOKIE, open_as, token_of
from browser.servers import serve

pytestmark = pytest.mark.browser

GEO_MINI = Path(__file__).resolve().parents[1] / "data" / "geo_mini"
PROJECTOR = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def atelier(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """The app on a free port with a fresh workshop store; yields (base URL, service)."""
    from fresque.app import create_app
    from fresque.app.pages.atelier import install_service
    from fresque.geo.territories import Territories
    from fresque.store import WorkshopService
    from fresque.store.db import make_engine

    folder = tmp_path_factory.mktemp("tokens")
    service = WorkshopService(
        make_engine(f"sqlite:///{folder / 'atelier.db'}"), territories=Territories.load(GEO_MINI)
    )
    app = create_app()
    install_service(app.server, service)
    with serve(app) as base:
        yield base, service


@pytest.fixture
def contexts(browser):
    """Opens a page in a browser context of its own (a device); each page records every
    address its frame showed (``page.addresses``) and its script errors."""
    made = []

    def new(viewport=PROJECTOR):
        context = browser.new_context(viewport=viewport, locale="fr-FR")
        page = context.new_page()
        page.addresses, page.errors = [], []
        page.on("framenavigated", lambda frame: page.addresses.append(frame.url))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        made.append(context)
        return page

    yield new
    for context in made:
        context.close()


def test_the_panel_board_link_opens_a_screen_never_the_panel(atelier, contexts):
    base, service = atelier
    ws, token = service.create_workshop("Tableau sans jeton", base="vide")
    panel = contexts()
    open_as(panel, base, token)
    link = panel.locator("#atl-fa-board-link")
    link.wait_for(timeout=20_000)
    href = link.get_attribute("href")
    assert token not in href and href.startswith("/atelier/entrer?vue=tableau#t=")
    panel.screenshot(path="/tmp/atelier_tokens_panel_1920.png", full_page=True)

    # The projector: a fresh browser that never saw the facilitator's token.
    projector = contexts()
    projector.goto(base + href)
    projector.wait_for_selector("#atl-b-qr", timeout=20_000)
    assert projector.inner_text("#atl-b-code").replace(" ", "") == ws.code
    screen = token_of(projector, SCREEN_COOKIE)
    assert service.me(screen).role.value == "screen"
    # Out of the entry page (whose script takes the fragment away first), the address
    # bar never held a token.
    shown = [a for a in projector.addresses if "/atelier/entrer" not in a]
    assert shown and all(screen not in a and token not in a for a in shown), shown
    assert projector.url.endswith("/atelier?vue=tableau")
    assert projector.evaluate("() => window.location.hash") == ""
    assert projector.evaluate("() => document.cookie") == ""  # HttpOnly: out of scripts' reach
    assert projector.evaluate("() => JSON.stringify(localStorage)").count(screen) == 0
    assert token not in {c["value"] for c in projector.context.cookies()}
    projector.screenshot(path="/tmp/atelier_tokens_board_1920.png")

    # Later, on the Atelier's home: the board is offered back, never the panel.
    projector.goto(f"{base}/atelier")
    resume = projector.locator("#atl-resume")
    resume.wait_for(timeout=20_000)
    assert resume.inner_text() == "Revenir au tableau"
    assert projector.locator("#atl-fa-pending").count() == 0
    assert "animation" not in projector.inner_text(".atelier-resume")
    resume.click()
    projector.wait_for_selector("#atl-b-qr", timeout=20_000)
    assert projector.locator("#atl-fa-pending").count() == 0
    assert not projector.errors and not panel.errors


def test_leaving_on_this_device_forgets_the_workshop(atelier, contexts):
    base, service = atelier
    ws, _token = service.create_workshop("Départ", base="vide")
    phone = contexts(PHONE)
    phone.goto(f"{base}/atelier?code={ws.code}")
    phone.fill("#atl-join-nick", "Alice")
    phone.click("#atl-join-go")
    phone.wait_for_selector("#atl-f-name", timeout=20_000)
    assert token_of(phone) not in phone.url
    phone.screenshot(path="/tmp/atelier_tokens_phone_390.png", full_page=True)
    phone.click("#atl-leave")
    phone.wait_for_selector("#atl-join-code", timeout=10_000)
    assert not [c for c in phone.context.cookies() if c["value"]]
    phone.goto(f"{base}/atelier")
    phone.wait_for_selector("#atl-join-code", timeout=20_000)
    assert phone.locator("#atl-resume").count() == 0
    assert not phone.errors


def test_a_forged_cross_origin_post_is_refused(atelier, contexts):
    """A page of another site posts to the Atelier with the participant's cookies: the
    server refuses it (403) and nothing is written."""
    base, service = atelier
    ws, token = service.create_workshop("Forgée", base="vide")
    alice = contexts(PHONE)
    open_as(alice, base, service.join(ws.code, "Alice"))
    alice.wait_for_selector("#atl-f-name", timeout=20_000)
    captured = []
    alice.on(
        "request",
        lambda r: (
            captured.append(r.post_data)
            if "_dash-update-component" in r.url and "atl-p-save" in (r.post_data or "")
            else None
        ),
    )
    alice.fill("#atl-f-name", "Vraie carte")
    alice.click("#atl-p-save")
    alice.wait_for_selector(".atelier-message", timeout=10_000)
    assert captured
    body = captured[0].replace("Vraie carte", "Carte forgée")
    # The same request, from another site's page (its Origin), with Alice's cookies.
    forged = alice.request.post(
        f"{base}/_dash-update-component",
        data=body,
        headers={"Content-Type": "application/json", "Origin": "https://evil.example"},
    )
    assert forged.status == 403
    assert forged.text().startswith("Requête refusée : elle vient d’une page d’un autre site")
    # A form posted by another site's page, as a browser sends it (real navigation).
    evil = contexts(PHONE)
    evil.route(
        "https://evil.example/",
        lambda route: route.fulfill(
            content_type="text/html",
            body=(
                f'<form id="f" method="post" action="{base}/_atelier/session">'
                '<input name="token" value="x"></form>'
                "<script>document.getElementById('f').submit()</script>"
            ),
        ),
    )
    with evil.expect_navigation(url=f"{base}/_atelier/session"):
        evil.goto("https://evil.example/")
    assert "Requête refusée" in evil.inner_text("body")
    assert all(c.structure.name != "Carte forgée" for c in service.cards(token))
