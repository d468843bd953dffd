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

from browser.atelier_pages import (
    PHONE,
    PROJECTOR,
    SCREEN_COOKIE,
    atelier_app,
    capture_saves,
    devices,
    open_as,
    token_of,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def atelier(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """The app on a free port with a fresh workshop store; yields (base URL, service)."""
    with atelier_app(tmp_path_factory.mktemp("tokens")) as found:
        yield found


@pytest.fixture
def contexts(browser):
    """Opens a page in a browser context of its own (a device); each page records every
    address its frame showed (``page.addresses``) and its script errors."""
    with devices(browser, PROJECTOR, console=False) as new:
        yield new


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


def test_the_entry_page_says_why_a_link_fails_then_takes_the_next_one(atelier, contexts):
    base, service = atelier
    _ws, token = service.create_workshop("Lien mal copié", base="vide")
    tablet = contexts(PHONE)
    tablet.goto(f"{base}/atelier/entrer#t=mal-copie")
    message = tablet.locator("#entry-message")
    message.filter(has_text="Lien d’atelier inconnu").wait_for(timeout=20_000)
    assert tablet.url == f"{base}/atelier/entrer"  # the fragment left at once
    assert not tablet.context.cookies()
    tablet.goto(f"{base}/atelier/entrer")
    message.filter(has_text="la partie après « #t= » manque").wait_for(timeout=20_000)
    # The right link, pasted in the same tab: only the fragment changes.
    tablet.goto(f"{base}/atelier/entrer#t={token}")
    tablet.wait_for_selector("#atl-fa-pending", timeout=20_000)
    assert tablet.url == f"{base}/atelier" and not tablet.errors


def test_a_forged_cross_origin_post_is_refused(atelier, contexts):
    """A page of another site posts to the Atelier with the participant's cookies: the
    server refuses it (403) and nothing is written."""
    base, service = atelier
    ws, token = service.create_workshop("Forgée", base="vide")
    alice = contexts(PHONE)
    open_as(alice, base, service.join(ws.code, "Alice"))
    alice.wait_for_selector("#atl-f-name", timeout=20_000)
    captured = capture_saves(alice)
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


@pytest.fixture
def gunicorn_app(tmp_path) -> Iterator[tuple[str, Path, object]]:
    """The app as an event serves it: gunicorn with the repository's ``gunicorn.conf.py``
    on a free loopback port, a SQLite file of its own and an access log file; yields
    (base URL, access log, the workshop store). The log is complete once the fixture
    has stopped the server."""
    import os
    import socket
    import subprocess
    import sys
    import time

    from fresque.store import WorkshopService
    from fresque.store.db import make_engine

    root = Path(__file__).resolve().parents[2]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"sqlite:///{tmp_path / 'atelier.db'}"
    access_log = tmp_path / "access.log"
    env = {**os.environ, "FRESQUE_DATABASE_URL": url, "WEB_CONCURRENCY": "1"}
    for name in ("FRESQUE_FACILITATOR_KEY", "FRESQUE_TRUSTED_PROXIES", "FRESQUE_PUBLIC_URL"):
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "gunicorn", "--config", str(root / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", str(access_log)]
    with (tmp_path / "gunicorn.out").open("w") as out:
        process = subprocess.Popen(
            [*command, "dash_app:server"], cwd=root, env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (tmp_path / "gunicorn.out").read_text()[-3000:]
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn does not answer after 120 s"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", access_log, WorkshopService(make_engine(url))
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_access_log_never_holds_a_token(gunicorn_app, contexts):
    """Finding 3: with an access log on, the token was written in every request line
    and Referer. A whole journey under gunicorn (create, the board from the panel's
    link, the panel on a second device, a participant joins and adds a card, the board
    and the panel redraw), then every token is looked for in the log."""
    import re

    from browser.dropdowns import choose

    base, access_log, service = gunicorn_app
    facilitator = contexts()
    facilitator.goto(f"{base}/atelier")
    facilitator.click("summary:has-text('créer un atelier')")
    facilitator.fill("#atl-create-name", "Atelier journalisé")
    facilitator.click("label:has-text('Un tableau vide')")
    facilitator.click("#atl-create-go")
    link = facilitator.locator("#atl-fa-board-link")
    link.wait_for(timeout=60_000)
    token = token_of(facilitator)
    ws = service.workshop(token)
    href = link.get_attribute("href")
    board_token = re.search(r"t=([^&]+)", href).group(1)
    projector = contexts()
    projector.goto(base + href if href.startswith("/") else href)
    projector.wait_for_selector("#atl-b-qr", timeout=60_000)
    tablet = contexts(PHONE)
    open_as(tablet, base, token)  # the panel on a second device
    tablet.wait_for_selector("#atl-fa-pending", timeout=60_000)
    phone = contexts(PHONE)
    phone.goto(f"{base}/atelier?code={ws.code}")
    phone.fill("#atl-join-nick", "Alice")
    phone.click("#atl-join-go")
    phone.wait_for_selector("#atl-f-name", timeout=60_000)
    alice = token_of(phone)
    phone.fill("#atl-f-name", "Incubateur du journal")
    choose(phone, "atl-f-kind", "Structure d’accompagnement")
    choose(phone, "atl-f-territories", "Finist")
    phone.click("#atl-p-save")
    phone.wait_for_selector("text=« Incubateur du journal » est ajoutée.", timeout=20_000)
    for screen in (projector, tablet, facilitator):  # their polls and redraws
        screen.wait_for_selector("text=Incubateur du journal", timeout=20_000)
    phone.click("#lang-link")
    phone.wait_for_selector("#atl-p-form-title >> text=Add a structure", timeout=20_000)
    for context in {p.context for p in (facilitator, projector, tablet, phone)}:
        context.close()  # every request sent, before the server stops

    # gunicorn writes each line of its access log as the request ends.
    lines = access_log.read_text().splitlines()
    assert any("/_dash-update-component" in line for line in lines)
    assert any("/_atelier/version" in line for line in lines)
    assert len(lines) > 30
    for secret in {token, board_token, alice}:
        leaked = [line for line in lines if secret in line]
        assert not leaked, leaked[:3]
