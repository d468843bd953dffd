"""The projector board and the panel tell the truth (issue 13, finding 5): "Vient
d'arriver" follows an undo and, under pre-moderation, shows an edit only once accepted;
the panel has no "À modérer" without pre-moderation; the phone's two actions have two
names. Each test takes the screenshots a person would look at (/tmp/atelier_truth_*.png).

The app runs on its own loopback server with a workshop store in a temporary SQLite file
and the small test geography; screens are opened with :func:`browser.atelier_pages.open_as`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from browser.atelier_pages import PHONE, PROJECTOR, atelier_app, devices, open_as

pytestmark = pytest.mark.browser

CARD = {
    "name": "TAg29",
    "kind": "support_structure",
    "dispositifs": ["incubator"],
    "territory_level": "departement",
    "territory_codes": ["29"],
}
RECENT = "() => document.getElementById('atl-b-recent').innerText"


@pytest.fixture(scope="module")
def atelier(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """The app on a free port with a fresh workshop store; yields (base URL, service)."""
    with atelier_app(tmp_path_factory.mktemp("atelier_truth")) as found:
        yield found


@pytest.fixture
def screen(browser):
    """Opens pages (1920×1080 by default) each in a context of its own; each page's
    ``errors`` gets its script and console errors."""
    with devices(browser, PROJECTOR) as new:
        yield new


def wait_for_recent(board, condition: str, timeout: int = 10_000) -> str:
    """Wait until the board's "Vient d'arriver" text meets ``condition`` (a JS
    expression on ``text``); return the text."""
    board.wait_for_function(
        f"() => {{ const text = ({RECENT})(); return {condition}; }}", timeout=timeout
    )
    return board.evaluate(RECENT)


def test_just_arrived_follows_an_undo(atelier, screen):
    base, service = atelier
    ws, token = service.create_workshop("Tableau et annulation", base="vide")
    alice = service.join(ws.code, "Alice")
    service.add_structure(alice, CARD)
    renamed = service.edit_structure(alice, "tag29", {"name": "TAg 29 renommé"}, 1)
    board = screen()
    open_as(board, base, token, vue="tableau")
    board.wait_for_selector("#atl-b-qr", timeout=20_000)
    wait_for_recent(board, "text.includes('TAg 29 renommé')")
    service.undo(alice, renamed.seq)
    text = wait_for_recent(board, "!text.includes('renommé')")
    assert "a ajouté la structure « TAg29 »" in text
    assert board.inner_text("#atl-b-count") == "1 structure · 0 lien"
    board.screenshot(path="/tmp/atelier_truth_board_1920.png")
    assert not board.errors


def test_under_pre_moderation_nothing_pending_has_arrived(atelier, screen):
    base, service = atelier
    ws, token = service.create_workshop("Tableau modéré", base="vide", moderation="pre")
    alice = service.join(ws.code, "Alice")
    bruno = service.join(ws.code, "Bruno")
    waiting = service.add_structure(alice, CARD)
    refused = service.add_structure(bruno, {**CARD, "name": "Carte refusée"})
    board = screen()
    open_as(board, base, token, vue="tableau")
    board.wait_for_selector("#atl-b-qr", timeout=20_000)
    assert board.locator("#atl-b-recent li").count() == 0
    assert board.inner_text("#atl-b-count") == "0 structure · 0 lien"
    service.moderate(token, refused.seq, "rejected")
    service.moderate(token, waiting.seq, "accepted")
    text = wait_for_recent(board, "text.includes('TAg29')")
    assert "Carte refusée" not in text
    assert board.locator("#atl-b-recent li").count() == 1
    board.wait_for_function(
        "() => document.getElementById('atl-b-count').innerText === '1 structure · 0 lien'",
        timeout=5_000,
    )
    assert not board.errors


def test_the_panel_has_no_moderation_list_without_pre_moderation(atelier, screen):
    base, service = atelier
    ws, token = service.create_workshop("Panneau sans modération", base="vide")
    alice = service.join(ws.code, "Alice")
    service.add_structure(alice, CARD)
    panel = screen()
    open_as(panel, base, token)
    panel.wait_for_selector("#atl-fa-log >> text=TAg29", timeout=20_000)
    headings = panel.locator(".atelier-panel h3").all_inner_texts()
    assert "À modérer" not in headings
    assert "en attente" not in panel.inner_text("#atl-fa-log")
    # the log's lines carry their event's number once, in a list without numbers
    assert panel.locator("#atl-fa-log ol").count() == 0
    assert panel.locator("#atl-fa-log li").first.inner_text().startswith("n° ")
    # what only accepted edits reach, said where it matters: the merge section
    merge = panel.locator(".atelier-merge")
    assert "1 modification de participant pas encore acceptée" in merge.inner_text()
    panel.click("#atl-fa-accept-all")
    merge.locator("text=Toutes les modifications des participants sont acceptées.").wait_for(
        timeout=5_000
    )
    assert service.pending(token) == []
    panel.screenshot(path="/tmp/atelier_truth_panel_1920.png", full_page=True)
    assert not panel.errors


def test_the_phone_names_closing_and_undoing_differently(atelier, screen):
    base, service = atelier
    ws, _token = service.create_workshop("Téléphone", base="vide")
    alice = service.join(ws.code, "Alice")
    service.add_structure(alice, CARD)
    phone = screen(PHONE)
    open_as(phone, base, alice)
    row = phone.locator("#atl-p-cards li.atelier-card-row", has_text="TAg29")
    row.wait_for(timeout=20_000)
    row.locator("button", has_text="Modifier").click()
    phone.wait_for_selector("#atl-p-cancel:not([hidden])", timeout=5_000)
    assert phone.inner_text("#atl-p-cancel") == "Fermer sans enregistrer"
    phone.click("summary:has-text('Mes dernières modifications')")
    undo = phone.locator(".atelier-mine button").first
    assert undo.inner_text() == "Défaire"
    assert "a ajouté la structure « TAg29 »" in undo.get_attribute("aria-label")
    phone.locator("#atl-p-cancel").scroll_into_view_if_needed()
    phone.screenshot(path="/tmp/atelier_truth_phone_390.png")
    phone.screenshot(path="/tmp/atelier_truth_phone_390_full.png", full_page=True)
    assert not phone.errors
