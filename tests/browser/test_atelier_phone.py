"""The participant's phone says what happened to a save: the form resets its warnings
after a save; a save whose answer never comes shows "Non enregistré" with a retry that
never makes the card twice; a conflict keeps the participant's own text beside the
current value; the live poll says when the connection is lost, and recovers by itself.

The app runs on its own loopback server with a workshop store in a temporary SQLite
file and the small test geography; screens are opened by joining through the page.
Screenshots of each state go to ``/tmp/atelier_phone_*.png`` (390×844).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from browser.atelier_pages import PHONE, atelier_app, devices, join
from browser.dropdowns import choose

pytestmark = pytest.mark.browser

SAVE_REQUEST = "atl-p-ack"  # an output of the card form's save only
NO_BANNER = (
    "() => !document.querySelector('.atelier-message.success')"
    " || !document.querySelector('.atelier-message.success').offsetParent"
)
CARD = {"kind": "support_structure", "territory_level": "departement", "territory_codes": ["29"]}


@pytest.fixture(scope="module")
def atelier(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """The app on a free port with a fresh workshop store; yields (base URL, service)."""
    with atelier_app(tmp_path_factory.mktemp("atelier_phone")) as found:
        yield found


@pytest.fixture
def phones(browser):
    """Opens phones (390×844), each in a context of its own, with its script errors (a
    request cut on purpose writes a console error: those are not collected)."""
    with devices(browser, PHONE, console=False) as new:
        yield new


def fill_card(page, name: str) -> None:
    page.fill("#atl-f-name", name)
    choose(page, "atl-f-kind", "Structure d’accompagnement")
    choose(page, "atl-f-dispositifs", "Incubateur")
    choose(page, "atl-f-territories", "Finist")


def names(service, token: str, name: str) -> list[str]:
    return [c.structure.name for c in service.cards(token) if c.structure.name == name]


def test_a_save_resets_the_forms_warnings(atelier, phones):
    base, service = atelier
    ws, token = service.create_workshop("Doublons", base="vide")
    service.add_structure(token, {"name": "Pépinière Brest", **CARD})
    alice = phones()
    join(alice, base, ws.code, "Alice")
    alice.fill("#atl-f-name", "Pepiniere de Brest")
    alice.press("#atl-f-name", "Tab")
    alice.wait_for_selector("#atl-p-similar >> text=Existe peut-être déjà", timeout=5_000)
    fill_card(alice, "Pepiniere de Brest")
    alice.click("#atl-p-save")
    alice.wait_for_selector("text=« Pepiniere de Brest » est ajoutée.", timeout=10_000)
    # The form is empty, and no warning about the name it held remains.
    assert alice.input_value("#atl-f-name") == ""
    alice.wait_for_function(
        "() => document.getElementById('atl-p-similar').innerText.trim() === ''", timeout=5_000
    )
    assert not alice.locator("#atl-p-similar").is_visible()
    alice.locator("#atl-p-message").scroll_into_view_if_needed()
    alice.screenshot(path="/tmp/atelier_phone_saved.png")
    assert not alice.errors


@pytest.mark.parametrize("lost", ["request", "answer"])
def test_a_save_without_answer_says_so_and_its_retry_makes_one_card(atelier, phones, lost):
    base, service = atelier
    ws, token = service.create_workshop(f"Coupures {lost}", base="vide")
    alice = phones()
    join(alice, base, ws.code, "Alice")
    fill_card(alice, "Pôle Un")
    alice.click("#atl-p-save")
    alice.wait_for_selector("text=« Pôle Un » est ajoutée.", timeout=10_000)

    # The next save gets no answer: its request is cut, or it reaches the server (which
    # writes the card) and its answer is lost on the way back.
    cut = []

    def once(route):
        if SAVE_REQUEST not in (route.request.post_data or "") or cut:
            route.continue_()
            return
        cut.append(route.request.url)
        if lost == "request":
            route.abort("connectionreset")
        else:
            route.fetch()
            route.fulfill(status=502, body="Bad Gateway")

    alice.route("**/_dash-update-component*", once)
    fill_card(alice, "Pôle Deux")
    alice.click("#atl-p-save")
    unsaved = alice.locator("#atl-p-unsaved")
    unsaved.wait_for(state="visible", timeout=10_000)
    assert cut
    assert "Non enregistré" in unsaved.inner_text()
    assert alice.input_value("#atl-f-name") == "Pôle Deux"  # the form is kept
    alice.wait_for_function(NO_BANNER, timeout=2_000)  # no "« Pôle Un » est ajoutée"
    assert "Pôle Un" not in alice.inner_text("#atl-p-message")
    if lost == "request":
        alice.locator("#atl-p-unsaved").scroll_into_view_if_needed()
        alice.screenshot(path="/tmp/atelier_phone_not_saved.png")
    assert names(service, token, "Pôle Deux") == ([] if lost == "request" else ["Pôle Deux"])

    alice.click("#atl-p-retry")
    alice.wait_for_selector("text=« Pôle Deux » est ajoutée.", timeout=10_000)
    assert unsaved.is_hidden()
    assert alice.input_value("#atl-f-name") == ""
    assert names(service, token, "Pôle Deux") == ["Pôle Deux"]
    assert len(service.cards(token)) == 2
    assert not alice.errors


def test_a_conflict_keeps_the_participants_text_beside_the_current_value(atelier, phones):
    base, service = atelier
    ws, token = service.create_workshop("Conflit", base="vide")
    sid = service.add_structure(token, {"name": "Pépinière Brest", **CARD}).structure.id
    alice, bruno = phones(), phones()
    join(alice, base, ws.code, "Alice")
    join(bruno, base, ws.code, "Bruno")
    for page in (alice, bruno):
        page.click("button[aria-label='Modifier Pépinière Brest']")
        page.wait_for_function(
            "() => document.getElementById('atl-f-name').value === 'Pépinière Brest'"
        )
    alice.fill("#atl-f-name", "Pépinière de Brest")
    alice.fill("#atl-f-website", "https://pepiniere.example.org")
    alice.click("#atl-p-save")
    alice.wait_for_selector("text=« Pépinière de Brest » est enregistrée.", timeout=10_000)

    mine = "Accompagne les projets d’ESS du pays de Brest"
    bruno.fill("#atl-f-name", "Pépinière Brest Métropole")
    bruno.fill("#atl-f-description", mine)
    bruno.click("#atl-p-save")
    conflict = bruno.locator("#atl-p-conflict")
    conflict.wait_for(state="visible", timeout=10_000)
    text = conflict.inner_text()
    assert "Alice a modifié cette fiche pendant que vous l’écriviez" in text
    assert "Pépinière de Brest" in text and "https://pepiniere.example.org" in text
    assert not re.search(r"version\W*\d", bruno.inner_text("#atl-content"), re.IGNORECASE)
    # Bruno's own typing is still in the form; what he did not touch is Alice's now.
    assert bruno.input_value("#atl-f-name") == "Pépinière Brest Métropole"
    assert bruno.input_value("#atl-f-description") == mine
    assert bruno.input_value("#atl-f-website") == "https://pepiniere.example.org"
    conflict.scroll_into_view_if_needed()
    bruno.screenshot(path="/tmp/atelier_phone_conflict.png")

    # One tap saves his on the current version: his changes and Alice's other one.
    bruno.click("#atl-p-keep-mine")
    bruno.wait_for_selector("text=« Pépinière Brest Métropole » est enregistrée.", timeout=10_000)
    assert conflict.is_hidden()
    card = service.get_structure(token, sid)
    assert card.version == 3
    assert (card.structure.name, card.structure.description, str(card.structure.website)) == (
        "Pépinière Brest Métropole",
        mine,
        "https://pepiniere.example.org",
    )
    assert not bruno.errors and not alice.errors


def test_the_poll_says_the_connection_is_lost_and_recovers(atelier, phones):
    base, service = atelier
    ws, token = service.create_workshop("Réseau coupé", base="vide")
    alice = phones()
    join(alice, base, ws.code, "Alice")
    notice = alice.locator("#atl-offline")
    assert notice.is_hidden()
    alice.route("**/_atelier/version**", lambda route: route.abort("internetdisconnected"))
    notice.wait_for(state="visible", timeout=10_000)
    assert notice.inner_text() == "Connexion perdue, nouvel essai…"
    alice.screenshot(path="/tmp/atelier_phone_offline.png")
    # Meanwhile a card is added: once the connection is back, the phone shows it.
    service.add_structure(token, {"name": "Réseau Breton", **CARD})
    alice.unroute("**/_atelier/version**")
    notice.wait_for(state="hidden", timeout=20_000)
    alice.wait_for_selector("#atl-p-cards >> text=Réseau Breton", timeout=5_000)
    assert not alice.errors
