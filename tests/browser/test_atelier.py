"""Atelier journeys: a facilitator and two participants in three browser contexts, a
card added on one phone reaches the board and the other phone within 2 s; two people
editing one card; a viewer refused on the server.

The app runs on its own loopback server with a workshop store in a temporary SQLite
file (:func:`fresque.app.pages.atelier.install_service`) and the small test geography.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

GEO_MINI = Path(__file__).resolve().parents[1] / "data" / "geo_mini"
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}
CY = "document.getElementById('atl-b-graph')._cyreg.cy"


@pytest.fixture(scope="module")
def atelier(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """The app on a free port with a fresh workshop store; yields (base URL, service)."""
    from werkzeug.serving import make_server

    from fresque.app import create_app
    from fresque.app.pages.atelier import install_service
    from fresque.geo.territories import Territories
    from fresque.store import WorkshopService
    from fresque.store.db import make_engine

    folder = tmp_path_factory.mktemp("atelier")
    service = WorkshopService(
        make_engine(f"sqlite:///{folder / 'atelier.db'}"),
        territories=Territories.load(GEO_MINI),
    )
    app = create_app()
    install_service(app.server, service)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", service
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def contexts(browser):
    made = []

    def new(viewport=PHONE):
        context = browser.new_context(viewport=viewport, locale="fr-FR")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        made.append(context)
        return page

    yield new
    for context in made:
        context.close()


def join(page, base: str, code: str, nickname: str) -> None:
    page.goto(f"{base}/atelier")
    page.fill("#atl-join-code", code)
    page.fill("#atl-join-nick", nickname)
    page.click("#atl-join-go")
    page.wait_for_selector("#atl-f-name", timeout=20_000)
    assert "t=" in page.url


def pick(page, dropdown_id: str, text: str) -> None:
    """Open a dcc.Dropdown, type ``text``, take the first option that matches."""
    page.click(f"#{dropdown_id}")
    search = page.locator(".dash-dropdown-content .dash-dropdown-search")
    if search.count():
        search.first.fill(text)
    option = page.locator(".dash-dropdown-content [role=option]", has_text=text).first
    option.wait_for(timeout=10_000)
    option.click()
    page.keyboard.press("Escape")


def add_card(page, name: str) -> None:
    page.fill("#atl-f-name", name)
    pick(page, "atl-f-kind", "Structure d’accompagnement")
    pick(page, "atl-f-dispositifs", "Incubateur")
    pick(page, "atl-f-territories", "Finist")
    page.click("#atl-p-save")


def test_card_added_on_one_phone_reaches_board_and_other_phone(atelier, contexts):
    base, service = atelier
    # The facilitator creates the workshop from the page (loopback: allowed).
    facilitator = contexts(PROJECTOR)
    facilitator.goto(f"{base}/atelier")
    facilitator.click("summary:has-text('créer un atelier')")
    facilitator.fill("#atl-create-name", "Atelier Finistère")
    facilitator.click("label:has-text('Un tableau vide')")
    facilitator.click("#atl-create-go")
    facilitator.wait_for_selector("#atl-fa-board-link", timeout=20_000)
    token = re.search(r"t=([^&]+)", facilitator.url).group(1)
    ws = service.workshop(token)
    # The projector shows the board, the code and its QR code.
    facilitator.goto(f"{base}/atelier?t={token}&vue=tableau")
    facilitator.wait_for_selector("#atl-b-qr", timeout=20_000)
    assert facilitator.inner_text("#atl-b-code").replace(" ", "") == ws.code

    alice, bruno = contexts(), contexts()
    join(alice, base, ws.code, "Alice")
    join(bruno, base, ws.code.lower(), "Bruno")
    add_card(alice, "Incubateur Ti Kreiz")
    alice.wait_for_selector("text=« Incubateur Ti Kreiz » est ajoutée.", timeout=10_000)
    added = time.monotonic()
    bruno.wait_for_selector("#atl-p-cards >> text=Incubateur Ti Kreiz", timeout=2_000)
    facilitator.wait_for_function(
        f"() => {{ try {{ return {CY}.nodes('.structure').some("
        "n => n.data('label') === 'Incubateur Ti Kreiz' && n.hasClass('just-added')); }"
        " catch (e) { return false; } }",
        timeout=2_000,
    )
    assert time.monotonic() - added < 2.5
    alice.evaluate("window.scrollTo(0, 0)")
    alice.screenshot(path="/tmp/atelier_participant_390.png", full_page=False)
    facilitator.screenshot(path="/tmp/atelier_board_1920.png")
    # The facilitator's panel lists it in the audit log, with an undo.
    panel = contexts(PROJECTOR)
    panel.goto(f"{base}/atelier?t={token}")
    panel.wait_for_selector("#atl-fa-log >> text=Incubateur Ti Kreiz", timeout=10_000)
    panel.screenshot(path="/tmp/atelier_panel.png", full_page=True)
    # Alice undoes her card from her phone: it leaves Bruno's phone.
    alice.click("summary:has-text('Mes dernières modifications')")
    alice.locator(".atelier-mine button").first.click()
    alice.wait_for_selector("text=Modification annulée.", timeout=5_000)
    bruno.wait_for_function(
        "() => !document.getElementById('atl-p-cards').innerText.includes('Ti Kreiz')",
        timeout=3_000,
    )
    for page in (facilitator, alice, bruno, panel):
        assert not page.errors


def test_second_editor_gets_conflict_and_current_value(atelier, contexts):
    base, service = atelier
    ws, token = service.create_workshop("Conflits", base="vide")
    seed = service.join(ws.code, "Seed")
    service.add_structure(
        seed,
        {
            "name": "Pépinière Brest",
            "kind": "support_structure",
            "territory_level": "departement",
            "territory_codes": ["29"],
        },
    )
    alice, bruno = contexts(), contexts()
    join(alice, base, ws.code, "Alice")
    join(bruno, base, ws.code, "Bruno")
    # Typing a name that is already on the board says so, with a way to edit it.
    bruno.fill("#atl-f-name", "Pepiniere de Brest")
    bruno.press("#atl-f-name", "Tab")
    bruno.wait_for_selector("#atl-p-similar >> text=Pépinière Brest", timeout=5_000)
    for page in (alice, bruno):
        page.click("button[aria-label='Modifier Pépinière Brest']")
        page.wait_for_function(
            "() => document.getElementById('atl-f-name').value === 'Pépinière Brest'"
        )
    alice.fill("#atl-f-name", "Pépinière de Brest")
    alice.click("#atl-p-save")
    alice.wait_for_selector("text=« Pépinière de Brest » est enregistrée.", timeout=10_000)
    bruno.fill("#atl-f-name", "Pépinière Brest Métropole")
    bruno.click("#atl-p-save")
    message = bruno.locator(".atelier-message.conflict")
    message.wait_for(timeout=10_000)
    assert "modifiée par Alice" in message.inner_text()
    # The form now holds the current value, to redo the change on it.
    assert bruno.input_value("#atl-f-name") == "Pépinière de Brest"
    bruno.fill("#atl-f-name", "Pépinière Brest Métropole")
    bruno.click("#atl-p-save")
    bruno.wait_for_selector("text=« Pépinière Brest Métropole » est enregistrée.", timeout=10_000)
    assert service.get_structure(token, "pepiniere_brest").structure.name == (
        "Pépinière Brest Métropole"
    )
    # Back on the join page (the language switch or the menu drop the token), the
    # device offers its workshop back.
    bruno.goto(f"{base}/atelier")
    bruno.click("#atl-resume")
    bruno.wait_for_selector("#atl-f-name", timeout=10_000)
    assert "Bruno" in bruno.inner_text("#atl-p-head")
    # A link between two cards, from the phone.
    service.add_structure(
        seed,
        {
            "name": "Réseau Breton",
            "kind": "network",
            "territory_level": "departement",
            "territory_codes": ["29"],
        },
    )
    bruno.click("summary:has-text('Relier deux structures')")
    bruno.wait_for_function(
        "() => document.getElementById('atl-p-cards').innerText.includes('Réseau Breton')",
        timeout=5_000,
    )
    pick(bruno, "atl-l-source", "Réseau Breton")
    pick(bruno, "atl-l-relation", "Anime")
    pick(bruno, "atl-l-target", "Pépinière Brest Métropole")
    bruno.click("#atl-l-save")
    bruno.wait_for_selector("text=Le lien est ajouté.", timeout=5_000)
    (link,) = service.link_cards(token)
    assert (link.link.source, link.link.relation.value) == ("reseau_breton", "animates")


def test_viewer_cannot_add(atelier, contexts):
    base, service = atelier
    ws, token = service.create_workshop("Lecture", base="vide")
    viewer_token = service.create_viewer_link(token)
    viewer = contexts(PROJECTOR)
    viewer.goto(f"{base}/atelier?t={viewer_token}")
    viewer.wait_for_selector("#atl-b-graph", timeout=20_000)
    assert viewer.locator("#atl-f-name").count() == 0  # no form for a viewer
    # The server checks the role: the participant's own request, replayed with the
    # viewer's token, is refused with the service's message and writes nothing.
    alice = contexts()
    join(alice, base, ws.code, "Alice")
    captured = []
    alice.on(
        "request",
        lambda r: (
            captured.append(r.post_data)
            if "_dash-update-component" in r.url and "atl-p-save" in (r.post_data or "")
            else None
        ),
    )
    alice.fill("#atl-f-name", "Refusée")
    alice.click("#atl-p-save")
    alice.wait_for_selector(".atelier-message", timeout=10_000)
    assert captured
    # The form's problems show next to their field, in French.
    assert alice.inner_text(".field-error.error-kind") == "Valeur obligatoire : choisissez-en une."
    assert "territoire servi" in alice.inner_text(".field-error.error-territory_codes")
    participant_token = re.search(r"t=([^&]+)", alice.url).group(1)
    body = captured[0].replace(participant_token, viewer_token)
    response = viewer.request.post(
        f"{base}/_dash-update-component",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.ok
    assert "réservé à" in json.dumps(response.json(), ensure_ascii=False)
    assert all(c.structure.name != "Refusée" for c in service.cards(token))


def test_facilitator_moderates_merges_undoes_phases_exports_closes(atelier, contexts, tmp_path):
    from fresque.io import read_records

    base, service = atelier
    ws, token = service.create_workshop("Animation", base="vide")
    alice = service.join(ws.code, "Alice")
    bruno = service.join(ws.code, "Bruno")
    for who, name in ((alice, "Incubateur Ti Kreiz"), (bruno, "Incubateur Ti-Kreiz")):
        service.add_structure(
            who,
            {
                "name": name,
                "kind": "support_structure",
                "territory_level": "departement",
                "territory_codes": ["29"],
            },
        )
    panel = contexts(PROJECTOR)
    panel.goto(f"{base}/atelier?t={token}")
    panel.wait_for_selector("#atl-fa-pending li", timeout=20_000)
    assert panel.locator("#atl-fa-pending li").count() == 2
    # Moderation: accept the first card.
    panel.locator("#atl-fa-pending li").first.locator("button", has_text="Accepter").click()
    panel.wait_for_function(
        "() => document.querySelectorAll('#atl-fa-pending li').length === 1", timeout=5_000
    )
    panel.click("#atl-fa-accept-all")
    panel.wait_for_selector("#atl-fa-pending >> text=Rien en attente", timeout=5_000)
    # Duplicates: merge them.
    panel.locator("#atl-fa-duplicates button").first.click()
    panel.wait_for_function(
        "() => document.getElementById('atl-fa-duplicates').innerText.includes('Aucun doublon')",
        timeout=5_000,
    )
    assert len(service.cards(token)) == 1
    # Undo the merge from the audit log: both cards are back.
    panel.locator("#atl-fa-log li", has_text="a fusionné").locator("button").click()
    panel.wait_for_selector("#atl-fa-log li >> text=a annulé", timeout=5_000)
    assert len(service.cards(token)) == 2
    # A phase that reveals networks only.
    for kind in ("Structure d’accompagnement", "Chambre de l’ESS", "Financeur", "Acteur public"):
        panel.locator("#atl-ph-kinds label", has_text=kind).click()
    panel.fill("#atl-ph-name", "Les réseaux")
    panel.click("#atl-ph-save")
    panel.wait_for_selector("#atl-fa-state >> text=Les réseaux", timeout=5_000)
    assert [k.value for k in service.workshop(token).phase.kinds] == ["network"]
    # Export (JSON, the import format) reads back. (A workshop without links writes a
    # links table without columns, which does not read back: one link here.)
    ids = sorted(c.structure.id for c in service.cards(token))
    service.add_link(token, {"source": ids[0], "target": ids[1], "relation": "partners_with"})
    with panel.expect_download() as download:
        panel.click("#atl-fa-export-json")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".json"
    records = read_records(path)
    assert len(records.structures) == 2 and len(records.links) == 1
    # Suspend a participant.
    panel.locator("#atl-fa-members li", has_text="Bruno").locator("button").click()
    panel.wait_for_selector("#atl-fa-members li >> text=suspendu", timeout=5_000)
    assert [m.nickname for m in service.members(token) if m.blocked] == ["Bruno"]
    # Close: participants can no longer write.
    panel.click("#atl-fa-status")
    panel.wait_for_selector("#atl-fa-status >> text=Rouvrir", timeout=5_000)
    assert service.workshop(token).status == "closed"
    assert not panel.errors
