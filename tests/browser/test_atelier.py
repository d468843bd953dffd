"""Atelier journeys: a facilitator and two participants in three browser contexts, a
card added on one phone reaches the board and the other phone within 2 s; two people
editing one card; a viewer refused on the server.

The app runs on its own loopback server with a workshop store in a temporary SQLite
file (:func:`fresque.app.pages.atelier.install_service`) and the small test geography.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from browser.atelier_pages import (
    PHONE,
    PROJECTOR,
    atelier_app,
    capture_saves,
    devices,
    join,
    open_as,
    token_of,
)
from browser.dropdowns import choose

pytestmark = pytest.mark.browser

CY = "document.getElementById('atl-b-graph')._cyreg.cy"


@pytest.fixture(scope="module")
def atelier(tmp_path_factory) -> Iterator[tuple[str, object]]:
    """The app on a free port with a fresh workshop store; yields (base URL, service)."""
    from fresque.io.tables import Records, write_csv_dir
    from fresque.model import Structure

    folder = tmp_path_factory.mktemp("atelier")
    # A small curated dataset of its own: merges never touch data/ecosystem.
    dataset = folder / "ecosystem"
    write_csv_dir(
        Records(
            [
                Structure(
                    id="tag29",
                    name="TAg29",
                    kind="support_structure",
                    dispositifs=["fabrique_a_initiatives"],
                    territory_level="departement",
                    territory_codes=["29"],
                ),
                Structure(
                    id="reseau_29",
                    name="Réseau 29",
                    kind="network",
                    territory_level="departement",
                    territory_codes=["29"],
                ),
            ],
            [],
        ),
        dataset,
    )
    with atelier_app(folder, dataset_dir=dataset) as found:
        yield found


@pytest.fixture
def contexts(browser):
    """Opens pages in contexts of their own (a phone by default). Each page's ``errors``
    list gets its script errors and console errors; at the end, every request of every
    page must have stayed on 127.0.0.1."""
    requests: list[str] = []
    with devices(browser, PHONE, requests=requests) as new:
        yield new
    foreign = {
        urlsplit(url).hostname or url
        for url in requests
        if urlsplit(url).scheme not in {"data", "blob", "about"}
        and urlsplit(url).hostname != "127.0.0.1"
    }
    assert requests and not foreign, foreign


def add_card(page, name: str) -> None:
    page.fill("#atl-f-name", name)
    choose(page, "atl-f-kind", "Structure d’accompagnement")
    choose(page, "atl-f-dispositifs", "Incubateur")
    choose(page, "atl-f-territories", "Finist")
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
    token = token_of(facilitator)
    ws = service.workshop(token)
    # The projector shows the board, the code and its QR code.
    open_as(facilitator, base, token, vue="tableau")
    facilitator.wait_for_selector("#atl-b-qr", timeout=20_000)
    assert facilitator.inner_text("#atl-b-code").replace(" ", "") == ws.code

    # Its map counts, per département, the stages of a project's life offered there.
    finistere = (
        "() => { const map = document.querySelector('#atl-b-map .js-plotly-plot');"
        " const trace = map && map.data && map.data[0];"
        " return trace ? trace.z[trace.locations.indexOf('29')] : null; }"
    )
    facilitator.wait_for_function(f"() => ({finistere})() === 0", timeout=10_000)

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
    # The new incubateur's stages now count in the Finistère (its new values patched in).
    facilitator.wait_for_function(f"() => ({finistere})() >= 2", timeout=3_000)
    alice.evaluate("window.scrollTo(0, 0)")
    alice.screenshot(path="/tmp/atelier_participant_390.png", full_page=False)
    facilitator.screenshot(path="/tmp/atelier_board_1920.png")
    # The facilitator's panel lists it in the audit log, with an undo.
    panel = contexts(PROJECTOR)
    open_as(panel, base, token)
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
    assert "Alice a modifié cette fiche" in message.inner_text()
    # The form keeps his text (Alice's value is shown beside it): saving applies it to
    # the current version.
    assert bruno.input_value("#atl-f-name") == "Pépinière Brest Métropole"
    bruno.click("#atl-p-save")
    bruno.wait_for_selector("text=« Pépinière Brest Métropole » est enregistrée.", timeout=10_000)
    assert service.get_structure(token, "pepiniere_brest").structure.name == (
        "Pépinière Brest Métropole"
    )
    # Back on the Atelier's address, the device is back on its workshop (its cookie).
    bruno.goto(f"{base}/atelier")
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
    choose(bruno, "atl-l-source", "Réseau Breton")
    choose(bruno, "atl-l-relation", "Anime")
    choose(bruno, "atl-l-target", "Pépinière Brest Métropole")
    bruno.click("#atl-l-save")
    bruno.wait_for_selector("text=Le lien est ajouté.", timeout=5_000)
    (link,) = service.link_cards(token)
    assert (link.link.source, link.link.relation.value) == ("reseau_breton", "animates")


def test_viewer_cannot_add(atelier, contexts):
    base, service = atelier
    ws, token = service.create_workshop("Lecture", base="vide")
    viewer_token = service.create_viewer_link(token)
    viewer = contexts(PROJECTOR)
    open_as(viewer, base, viewer_token)
    viewer.wait_for_selector("#atl-b-graph", timeout=20_000)
    assert viewer.locator("#atl-f-name").count() == 0  # no form for a viewer
    # The server checks the role: the participant's own request, replayed with the
    # viewer's token, is refused with the service's message and writes nothing.
    alice = contexts()
    join(alice, base, ws.code, "Alice")
    captured = capture_saves(alice)
    alice.fill("#atl-f-name", "Refusée")
    alice.click("#atl-p-save")
    alice.wait_for_selector(".atelier-message", timeout=10_000)
    assert captured
    # The form's problems show next to their field, in French.
    assert alice.inner_text(".field-error.error-kind") == "Valeur obligatoire : choisissez-en une."
    assert "territoire servi" in alice.inner_text(".field-error.error-territory_codes")
    # The request carries no token: the viewer's device sends it with its own cookie.
    assert token_of(alice) not in captured[0]
    response = viewer.request.post(
        f"{base}/_dash-update-component",
        data=captured[0],
        headers={"Content-Type": "application/json", "Origin": base},
    )
    assert response.ok
    assert "réservé à" in json.dumps(response.json(), ensure_ascii=False)
    assert all(c.structure.name != "Refusée" for c in service.cards(token))


def test_facilitator_moderates_merges_undoes_phases_exports_closes(atelier, contexts, tmp_path):
    from fresque.io import read_records

    base, service = atelier
    ws, token = service.create_workshop("Animation", base="vide", moderation="pre")
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
    open_as(panel, base, token)
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
    # Suspend a participant: tick, act, confirm (the members panel, issue 13).
    panel.locator("#atl-m-pick label", has_text="Bruno").locator("input").check()
    panel.get_by_role("button", name="Suspendre les cochés").click()
    panel.get_by_role("button", name="Oui, suspendre").click()
    panel.wait_for_selector("#atl-m-pick label >> text=suspendu", timeout=5_000)
    assert [m.nickname for m in service.members(token) if m.blocked] == ["Bruno"]
    # Close: participants can no longer write.
    panel.click("#atl-fa-status")
    panel.wait_for_selector("#atl-fa-status >> text=Rouvrir", timeout=5_000)
    assert service.workshop(token).status == "closed"
    assert not panel.errors


NODE_LABELS = f"() => {{ try {{ return {CY}.nodes('.structure').map(n => n.data('label')); }}"
NODE_LABELS += " catch (e) { return null; } }"


def test_participant_removes_own_card_after_confirming(atelier, contexts):
    base, service = atelier
    ws, token = service.create_workshop("Retraits", base="vide")
    alice = contexts()
    join(alice, base, ws.code, "Alice")
    alice_token = token_of(alice)
    bob = service.join(ws.code, "Bob")
    # A name with markup, quotes and an emoji stays text.
    odd = 'Café "Ti Kreiz" <b>gras</b> <script>alert(1)</script> 🌱'
    card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
    mine = service.add_structure(alice_token, {"name": odd, **card})
    theirs = service.add_structure(bob, {"name": "Carte de Bob", **card})
    board = contexts(PROJECTOR)
    open_as(board, base, token, vue="tableau")
    board.wait_for_function(f"() => ({NODE_LABELS})()?.length === 2", timeout=20_000)
    alice.wait_for_selector("#atl-p-cards >> text=Carte de Bob", timeout=5_000)
    rows = alice.locator("#atl-p-cards li.atelier-card-row")
    assert rows.filter(has_text="Ti Kreiz").inner_text().startswith(odd)
    assert alice.locator("#atl-p-cards b").count() == 0 and not alice.errors
    # Only her own card has a remove button.
    assert rows.filter(has_text="Carte de Bob").locator("button.danger").count() == 0
    remove = rows.filter(has_text="Ti Kreiz").locator("button.danger")
    # Asking, then changing one's mind, removes nothing.
    remove.click()
    alice.wait_for_selector("#atl-p-confirm:not([hidden])", timeout=5_000)
    assert odd in alice.inner_text("#atl-p-confirm-text")
    # The confirmation takes the focus, and is within a phone's screen.
    alice.wait_for_function("() => document.activeElement.id === 'atl-p-confirm-yes'")
    box = alice.locator("#atl-p-confirm").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"] + 1
    alice.screenshot(path="/tmp/atelier_remove_confirm_390.png")
    alice.keyboard.press("Escape")
    alice.wait_for_selector("#atl-p-confirm", state="hidden", timeout=5_000)
    remove.focus()
    alice.keyboard.press("Enter")  # opens it again, from the keyboard
    alice.wait_for_selector("#atl-p-confirm:not([hidden])", timeout=5_000)
    alice.wait_for_function("() => document.activeElement.id === 'atl-p-confirm-yes'")
    alice.keyboard.press("Tab")
    alice.keyboard.press("Enter")  # "Non, garder"
    alice.wait_for_selector("#atl-p-confirm", state="hidden", timeout=5_000)
    # The focus goes back to the button that asked.
    alice.wait_for_function(
        "() => document.activeElement && document.activeElement.classList.contains('danger')"
        " && document.activeElement.closest('li').innerText.includes('Ti Kreiz')",
        timeout=3_000,
    )
    assert {c.structure.id for c in service.cards(token)} == {
        mine.structure.id,
        theirs.structure.id,
    }
    # Someone changes the card while Alice confirms: she sees its current value.
    remove.click()
    alice.wait_for_selector("#atl-p-confirm:not([hidden])", timeout=5_000)
    service.edit_structure(token, mine.structure.id, {"name": "Café Ti Kreiz"}, 1)
    alice.click("#atl-p-confirm-yes")
    conflict = alice.locator("#atl-p-confirm .atelier-message.conflict")
    conflict.wait_for(timeout=5_000)
    assert "modifiée par Animation pendant que vous la retiriez" in conflict.inner_text()
    assert "Café Ti Kreiz" in alice.inner_text("#atl-p-confirm .current-value")
    assert service.get_structure(token, mine.structure.id).version == 2
    # Confirming again removes that version: it leaves the board.
    alice.click("#atl-p-confirm-yes")
    alice.wait_for_selector("text=« Café Ti Kreiz » est retirée de l’atelier.", timeout=5_000)
    board.wait_for_function(
        f"() => {{ const l = ({NODE_LABELS})(); return l && l.length === 1"
        " && l[0] === 'Carte de Bob'; }",
        timeout=3_000,
    )
    assert [c.structure.id for c in service.cards(token)] == [theirs.structure.id]
    assert not alice.errors and not board.errors


def test_participant_edits_and_removes_own_link(atelier, contexts):
    base, service = atelier
    ws, token = service.create_workshop("Liens", base="vide")
    alice = contexts()
    join(alice, base, ws.code, "Alice")
    alice_token = token_of(alice)
    card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
    a = service.add_structure(alice_token, {"name": "Réseau A", **card}).structure.id
    b = service.add_structure(token, {"name": "Réseau B", **card}).structure.id
    link = service.add_link(alice_token, {"source": a, "target": b, "relation": "animates"})
    service.add_link(token, {"source": b, "target": a, "relation": "partners_with"})
    alice.click("summary:has-text('Relier deux structures')")
    mine = alice.locator("#atl-l-mine li")
    mine.first.wait_for(timeout=5_000)
    assert mine.count() == 1  # the facilitator's link is not hers
    assert mine.first.inner_text().startswith("« Réseau A » → « Réseau B » (anime)")
    mine.first.locator("button", has_text="Modifier").click()
    alice.wait_for_selector("#atl-l-save >> text=Enregistrer le lien", timeout=5_000)
    alice.locator("#atl-l-details").screenshot(path="/tmp/atelier_my_links_390.png")
    assert "Réseau A" in alice.inner_text("#atl-l-source")
    choose(alice, "atl-l-relation", "Finance")
    alice.click("#atl-l-save")
    alice.wait_for_selector("text=Le lien est enregistré.", timeout=5_000)
    edited = service.get_link(token, link.id)
    assert (edited.link.relation.value, edited.version) == ("funds", 2)
    alice.wait_for_selector("#atl-l-mine >> text=(finance)", timeout=5_000)
    # A stale edit: someone changed the link since it was loaded.
    mine.first.locator("button", has_text="Modifier").click()
    alice.wait_for_selector("#atl-l-cancel:not([hidden])", timeout=5_000)
    service.edit_link(token, link.id, {"description": "depuis 2020"}, 2)
    choose(alice, "atl-l-relation", "Oriente vers")
    alice.click("#atl-l-save")
    alice.wait_for_selector("#atl-l-message .conflict", timeout=5_000)
    assert "a été modifié" in alice.inner_text("#atl-l-message")
    assert "Finance" in alice.inner_text("#atl-l-relation")  # the current value is back
    alice.click("#atl-l-cancel")
    # Removing it, after confirming (once the list shows the link's current version).
    mine.first.locator("button.danger[id*='\"version\":3']").click()
    alice.wait_for_selector("#atl-p-confirm:not([hidden])", timeout=5_000)
    assert "« Réseau A » → « Réseau B »" in alice.inner_text("#atl-p-confirm-text")
    alice.click("#atl-p-confirm-yes")
    alice.wait_for_selector("#atl-p-removed >> text=Le lien est retiré.", timeout=5_000)
    assert [k.link.source for k in service.link_cards(token)] == [b]
    alice.wait_for_selector("#atl-l-mine >> text=pas encore ajouté de lien", timeout=5_000)
    assert not alice.errors


def test_facilitator_reads_the_dataset_diff_then_confirms(atelier, contexts):
    from fresque.io import read_records
    from fresque.io.tables import Records, write_csv_dir

    base, service = atelier
    dataset = service.dataset_dir
    ws, token = service.create_workshop("Versement", base="national")
    alice = service.join(ws.code, "Alice")
    card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
    service.add_structure(alice, {"name": "Pôle ESS de Brest", **card})
    service.edit_structure(token, "tag29", {"name": "TAg 29 Finistère"}, 1)
    service.remove_structure(token, "reseau_29", 1)
    panel = contexts(PROJECTOR)
    open_as(panel, base, token)
    # While the workshop is open, the service says to close it first.
    panel.click("#atl-fa-merge-preview")
    panel.wait_for_selector("#atl-fa-merge-diff >> text=closez l’atelier", timeout=10_000)
    assert panel.locator("#atl-fa-merge-confirm").is_hidden()
    service.moderate(token, [e.seq for e in service.pending(token)], "accepted")
    service.close(token)
    panel.click("#atl-fa-merge-preview")
    diff = panel.locator("#atl-fa-merge-diff")
    diff.locator("text=Structures ajoutées").wait_for(timeout=10_000)
    text = diff.inner_text()
    assert "1 ajout, 1 modification, 1 retrait." in text
    assert "« Pôle ESS de Brest » (pole_ess_de_brest)" in text
    assert "Nom : « TAg29 » → « TAg 29 Finistère »" in text.replace("\xa0", " ")
    assert "« Réseau 29 » (reseau_29)" in diff.locator("ul.diff-removed_structures").inner_text()
    assert "TAg29" in (dataset / "structures.csv").read_text()  # nothing written yet
    panel.locator(".atelier-merge").screenshot(path="/tmp/atelier_merge_diff.png")
    # The dataset changes after the preview: the confirm shows the new diff first.
    records = read_records(dataset)
    renamed = [
        s.model_copy(update={"name": "TAg29 (curé)"}) if s.id == "tag29" else s
        for s in records.structures
    ]
    write_csv_dir(Records(renamed, []), dataset)
    panel.click("#atl-fa-merge-confirm")
    panel.wait_for_selector(
        "#atl-fa-merge-diff >> text=a changé depuis votre aperçu", timeout=5_000
    )
    assert "« TAg29 (curé) » → « TAg 29 Finistère »" in panel.inner_text("#atl-fa-merge-diff")
    assert service.workshop(token).status == "closed"
    panel.click("#atl-fa-merge-confirm")
    panel.wait_for_selector(
        "#atl-fa-merge-diff >> text=Versé dans le jeu de données", timeout=10_000
    )
    assert str(dataset) in panel.inner_text("#atl-fa-merge-diff")
    assert panel.locator("#atl-fa-merge-confirm").is_hidden()
    merged = {s.id: s.name for s in read_records(dataset).structures}
    assert merged == {"tag29": "TAg 29 Finistère", "pole_ess_de_brest": "Pôle ESS de Brest"}
    assert service.workshop(token).status == "merged"
    assert not panel.errors


def test_language_switch_keeps_the_participant_on_their_screen(atelier, contexts):
    base, service = atelier
    ws, token = service.create_workshop("Langues", base="vide")
    alice = contexts()
    join(alice, base, ws.code, "Alice")
    alice_token = token_of(alice)
    alice.wait_for_function(
        "() => (document.getElementById('lang-link').getAttribute('href') || '')"
        ".includes('lang=en')",
        timeout=5_000,
    )
    alice.click("#lang-link")
    alice.wait_for_selector("#atl-p-form-title >> text=Add a structure", timeout=10_000)
    assert alice_token not in alice.url and "lang=en" in alice.url
    assert "Alice" in alice.inner_text("#atl-p-head")
    # And back to French.
    alice.wait_for_function(
        "() => { const h = document.getElementById('lang-link').getAttribute('href') || '';"
        " return h.includes('/atelier') && !h.includes('lang=en'); }",
        timeout=5_000,
    )
    alice.click("#lang-link")
    alice.wait_for_selector("#atl-p-form-title >> text=Ajouter une structure", timeout=10_000)
    assert alice_token not in alice.url
    # The projector's board view is kept too.
    board = contexts(PROJECTOR)
    open_as(board, base, token, vue="tableau")
    board.wait_for_selector("#atl-b-qr", timeout=20_000)
    board.wait_for_function(
        "() => (document.getElementById('lang-link').getAttribute('href') || '')"
        ".includes('vue=tableau')",
        timeout=5_000,
    )
    board.click("#lang-link")
    board.wait_for_selector("#atl-b-qr", timeout=20_000)
    assert "lang=en" in board.url and "vue=tableau" in board.url
    assert not alice.errors


# --- issue 13, workshop export hygiene ----------------------------------------------------


def test_a_failed_export_says_so_beside_the_export_buttons(atelier, contexts, monkeypatch):
    """Finding 1: the panel's export answered HTTP 500 and showed nothing."""
    base, service = atelier
    _ws, token = service.create_workshop("Export en panne", base="vide")

    def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service, "export", broken)
    panel = contexts(PROJECTOR)
    open_as(panel, base, token)
    panel.wait_for_selector("#atl-fa-export-xlsx", timeout=20_000)
    panel.click("#atl-fa-export-xlsx")
    message = panel.locator("#atl-fa-export-message .atelier-message.error")
    message.wait_for(timeout=10_000)
    assert message.inner_text().startswith("L’export n’a pas pu être fait : rien n’a été")
    assert message.is_visible() and not panel.errors
