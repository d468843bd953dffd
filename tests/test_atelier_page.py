"""The Atelier page without a browser: who may create a workshop, what a URL renders,
how the service's problems are worded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dash_components import nodes_in, sent, texts_in

from fresque.app import create_app
from fresque.app.pages import atelier
from fresque.geo.territories import Territories
from fresque.store import WorkshopService
from fresque.store.db import make_engine
from fresque.views.workshop import CARD_OPTIONS_LIMIT, format_code

GEO_MINI = Path(__file__).resolve().parent / "data" / "geo_mini"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app()
    folder = tmp_path_factory.mktemp("atelier")
    service = WorkshopService(
        make_engine(f"sqlite:///{folder / 'atelier.db'}"), territories=Territories.load(GEO_MINI)
    )
    atelier.install_service(app.server, service)
    return app


def ids_in(component) -> set[str]:
    found = set()

    def walk(node):
        if isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
            return
        if not hasattr(node, "to_plotly_json"):
            return
        if isinstance(getattr(node, "id", None), str):
            found.add(node.id)
        walk(getattr(node, "children", None))

    walk(component)
    return found


@pytest.mark.parametrize(
    ("address", "key", "env", "allowed"),
    [
        ("127.0.0.1", None, None, True),
        ("::1", None, None, True),
        ("192.168.1.20", None, None, False),
        ("192.168.1.20", "secret", None, False),
        ("192.168.1.20", "secret", "secret", True),
        ("192.168.1.20", "wrong", "secret", False),
    ],
)
def test_creating_a_workshop_is_gated(app, monkeypatch, address, key, env, allowed):
    monkeypatch.delenv("FRESQUE_TRUSTED_PROXIES", raising=False)
    if env is None:
        monkeypatch.delenv("FRESQUE_FACILITATOR_KEY", raising=False)
    else:
        monkeypatch.setenv("FRESQUE_FACILITATOR_KEY", env)
    with app.server.test_request_context("/", environ_base={"REMOTE_ADDR": address}):
        assert atelier._may_create(key) is allowed


def as_device(app, *, member=None, screen=None):
    """A request context of a device whose cookies hold these tokens."""
    cookies = {"fresque_atelier": member, "fresque_ecran": screen}
    header = "; ".join(f"{name}={value}" for name, value in cookies.items() if value)
    return app.server.test_request_context("/", headers={"Cookie": header} if header else {})


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_role_gets_its_view(app, lang):
    with app.server.test_request_context("/"):
        service = atelier.service()
        ws, token = service.create_workshop("Vues", base="vide")
        alice = service.join(ws.code, "Alice")
        viewer = service.create_viewer_link(token)
        screen = service.create_screen_link(token)

    def view(search, **cookies):
        with as_device(app, **cookies):
            return ids_in(atelier.render(search, lang))

    assert atelier.JOIN_CODE in view("")
    assert atelier.JOIN_CODE in view("", member="unknown-token")  # the service's message
    assert atelier.JOIN_CODE in view(f"?t={alice}")  # a token in the address: never read
    assert atelier.FIELD_ID["name"] in view("", member=alice)
    assert atelier.F_PENDING in view("", member=token)
    assert atelier.B_GRAPH in view("?vue=tableau", member=token)
    shown = view("", member=viewer)
    assert atelier.B_GRAPH in shown and atelier.FIELD_ID["name"] not in shown
    # A read-only link shows the board without the join code: only a screen shows it.
    assert "atl-b-code" not in shown and "atl-b-qr" not in shown
    with as_device(app, member=viewer):
        text = str(atelier.render("", lang))
    assert ws.code not in text and format_code(ws.code) not in text
    # The screen token shows the board with the join code, on the board's address only;
    # the facilitator's laptop holds both cookies: panel at /atelier, board at ?vue=tableau.
    assert {atelier.B_GRAPH, "atl-b-code"} <= view("?vue=tableau", screen=screen)
    assert atelier.F_PENDING not in view("", screen=screen)
    assert atelier.F_PENDING in view("", member=token, screen=screen)
    both = view("?vue=tableau", member=token, screen=screen)
    assert atelier.B_GRAPH in both and atelier.F_PENDING not in both


def test_unknown_token_says_why(app):
    with as_device(app, member="nope"):
        content = atelier.render("", "fr")
    texts = []

    def walk(node):
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
        elif hasattr(node, "to_plotly_json"):
            walk(getattr(node, "children", None))

    walk(content)
    assert any("Lien d’atelier inconnu" in text for text in texts)


def test_field_errors_are_worded_for_a_form():
    fields = {
        "kind": ["colonne obligatoire absente : « kind » (ou « type »)"],
        "territory_level": ["aucun territoire servi : indiquez au moins un code"],
        "name": ["trop long"],
    }
    out = atelier.field_errors(fields, "fr")
    assert out["kind"] == ["Valeur obligatoire : choisissez-en une."]
    assert out["territory_codes"] == ["aucun territoire servi : indiquez au moins un code"]
    assert out["name"] == ["trop long"]
    assert atelier.field_errors(fields, "en")["kind"] == ["Required: pick a value."]


def test_pre_moderation_hides_others_pending_cards_from_participants(app):
    with app.server.test_request_context("/"):
        service = atelier.service()
        ws, token = service.create_workshop("Avant", base="vide", moderation="pre")
        alice = service.join(ws.code, "Alice")
        bruno = service.join(ws.code, "Bruno")
        card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
        added = service.add_structure(alice, {"name": "Réseau d’Alice", **card})

        def names(who):
            return texts_in(atelier._card_list(who, "fr"))

        assert "Réseau d’Alice" in names(alice)
        assert "Réseau d’Alice" not in names(bruno)
        service.moderate(token, added.seq, "accepted")
        assert "Réseau d’Alice" in names(bruno)


def buttons_in(component) -> list[dict]:
    """The pattern-matched ids of the buttons in ``component``."""
    return [n["props"]["id"] for n in nodes_in(component) if isinstance(n["props"].get("id"), dict)]


def test_skeleton_names_every_new_component():
    from fresque.app.pages.atelier import ids

    shown = ids_in(atelier.layout(None))
    members = [getattr(ids, n) for n in dir(ids) if n.startswith("M_") and n != "M_ACTION"]
    assert len(members) == 11 and not set(members) - shown
    for cid in (
        atelier.P_CONFIRM,
        atelier.P_CONFIRM_YES,
        atelier.P_CONFIRM_NO,
        atelier.P_ASKED,
        atelier.P_REMOVED,
        atelier.L_MINE,
        atelier.L_CANCEL,
        atelier.L_DETAILS,
        atelier.L_EDITING,
        atelier.L_LOAD,
        atelier.F_MERGE_PREVIEW,
        atelier.F_MERGE_CONFIRM,
        atelier.F_MERGE_DIFF,
        atelier.F_MERGE_SEEN,
    ):
        assert cid in shown, cid


def test_remove_buttons_only_on_ones_own_cards_and_links(app):
    with app.server.test_request_context("/"):
        service = atelier.service()
        ws, _token = service.create_workshop("Boutons", base="vide")
        alice = service.join(ws.code, "Alice")
        bob = service.join(ws.code, "Bob")
        card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
        a = service.add_structure(alice, {"name": "Carte d’Alice", **card}).structure.id
        b = service.add_structure(bob, {"name": "Carte de Bob", **card}).structure.id
        link = service.add_link(alice, {"source": a, "target": b, "relation": "animates"})
        service.add_link(bob, {"source": b, "target": a, "relation": "funds"})
        removes = [
            i for i in buttons_in(atelier._card_list(alice, "fr")) if i["type"] == atelier.P_REMOVE
        ]
        assert removes == [{"type": atelier.P_REMOVE, "what": "card", "id": a, "version": 1}]
        mine = atelier._my_links(alice, "fr")
        assert {(i["type"], i["id"]) for i in buttons_in(mine)} == {
            (atelier.L_EDIT, link.id),
            (atelier.P_REMOVE, link.id),
        }
        assert "« Carte d’Alice » → « Carte de Bob » (anime)" in texts_in(mine)
        assert atelier.removal_question(alice, {"what": "card", "id": a}, "fr") == (
            "Retirer « Carte d’Alice » de l’atelier ? Ses liens partent avec elle."
        )
        assert "« Carte d’Alice » → « Carte de Bob »" in atelier.removal_question(
            alice, {"what": "link", "id": link.id}, "fr"
        )


def test_a_removal_conflict_shows_the_current_value(app):
    from fresque.store import ConflictError

    with app.server.test_request_context("/"):
        service = atelier.service()
        ws, token = service.create_workshop("Conflit de retrait", base="vide")
        alice = service.join(ws.code, "Alice")
        card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
        sid = service.add_structure(alice, {"name": "Réseau <i>x</i>", **card}).structure.id
        service.edit_structure(token, sid, {"website": "https://reseau.fr"}, 1)
        with pytest.raises(ConflictError) as caught:
            service.remove_structure(alice, sid, 1)
        shown = texts_in(atelier.removal_conflict(caught.value, "card", alice, "fr"))
        assert "pendant que vous la retiriez : voici sa valeur actuelle" in shown
        assert "(version" not in shown
        assert "Site web : https://reseau.fr" in shown and "Nom : Réseau <i>x</i>" in shown
        assert "Retirer quand même cette version ?" in shown
        assert caught.value.version == 2
        service.remove_structure(alice, sid, caught.value.version)
        assert sid not in {c.structure.id for c in service.cards(token)}


def test_the_dataset_diff_view_and_its_fingerprint(app, tmp_path):
    from fresque.io.tables import Records, write_csv_dir

    with app.server.test_request_context("/"):
        service = atelier.service()
        service.dataset_dir = tmp_path / "ecosystem"
        write_csv_dir(Records([], []), service.dataset_dir)
        try:
            _ws, token = service.create_workshop("Diff", base="vide")
            card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
            service.add_structure(token, {"name": "Réseau Un", **card})
            service.close(token)
            first = service.merge_into_dataset(token)
            shown = texts_in(atelier.diff_view(first, "fr"))
            assert "1 ajout, 0 modification, 0 retrait." in shown
            assert "Structures ajoutées" in shown and "« Réseau Un » (reseau_un)" in shown
            assert str(service.dataset_dir) in shown
            again = service.merge_into_dataset(token)
            assert atelier.merge_fingerprint(first) == atelier.merge_fingerprint(again)
            service.reopen(token)
            service.add_structure(token, {"name": "Réseau Deux", **card})
            service.close(token)
            later = service.merge_into_dataset(token)
            assert atelier.merge_fingerprint(later) != atelier.merge_fingerprint(first)
            english = texts_in(atelier.diff_view(later, "en"))
            assert "2 additions, 0 changes" in english and "“Réseau Deux” (reseau_deux)" in english
        finally:
            service.dataset_dir = None


def live_redraw(client, callback, token: str, store: str, version: int, **kept) -> dict:
    """Post a screen's live redraw as its browser does (``store``: its version store;
    ``kept``: ``search``, ``lang`` and what its ``dcc.Store``s hold, by id) and return
    the response's outputs."""
    values = {
        "atl-url.search": kept.pop("search", ""),
        "atl-url.pathname": "/atelier",
        "atl-lang.data": kept.pop("lang", "fr"),
        f"{store}.data": [version, 0],
        **{f"{store_id}.data": data for store_id, data in kept.pop("stores", {}).items()},
    }
    assert not kept, kept
    client.set_cookie("fresque_atelier", token)
    reply = client.post(
        "/_dash-update-component",
        json=callback.body(values, [f"{store}.data"]),
        headers={"Origin": "http://localhost"},
    )
    assert reply.status_code == 200
    return reply.get_json()["response"]


def live_screen(app, kind: str, shown_store: str):
    """A new empty workshop with Alice in it, and ``post(shown, lang)``: the live redraw
    of its facilitator's ``kind`` screen (``board`` or ``facilitator``) as the browser
    posts it, with what the screen's ``shown_store`` keeps; returns the service, the
    workshop, Alice's token and ``post``."""
    from benchmarks.workshop_load import find_callbacks

    client = app.server.test_client()
    callback = find_callbacks(client.get("/_dash-dependencies").get_json())[kind]
    with app.server.test_request_context("/"):
        service = atelier.service()
        ws, token = service.create_workshop(kind, base="vide", rate_limit=1000)
        alice = service.join(ws.code, "Alice")
    store = "atl-b-version" if kind == "board" else "atl-fa-version"
    search = "?vue=tableau" if kind == "board" else ""

    def post(shown, lang="fr"):
        version = service.workshop(token).version
        stores = {shown_store: shown}
        return live_redraw(
            client, callback, token, store, version, search=search, lang=lang, stores=stores
        )

    return service, ws, alice, post


def applied(shown, update):
    """What a phone shows after ``update`` (a full value, ``no_update`` or a Patch)."""
    from dash import Patch, no_update

    if update is no_update:
        return shown
    if not isinstance(update, Patch):
        return sent(update)
    shown = json.loads(json.dumps(shown))
    for op in update.to_plotly_json()["operations"]:
        *path, last = op["location"]
        node = shown
        for step in path:
            node = node[step]
        if op["operation"] == "Insert":
            node[last].insert(op["params"]["index"], sent(op["params"]["value"]))
        elif op["operation"] == "Delete":
            del node[last]
        else:
            raise AssertionError(op)
    return shown


def test_a_phone_redraw_shows_each_edit_and_refuses_a_blocked_member(app):
    from dash import Patch, no_update

    with app.server.test_request_context("/"):
        service = atelier.service()
        ws, token = service.create_workshop("Redessin", base="vide", rate_limit=1000)
        alice = service.join(ws.code, "Alice")
        bob = service.join(ws.code, "Bob")
        card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
        added = service.add_structure(bob, {"name": "Réseau de Bob", **card})
        cards, head, kinds, _links, state = atelier.participant_redraw(alice, "fr")
        assert "Réseau de Bob" in texts_in(cards) and "Alice" in texts_in(head)
        assert {o["value"] for o in kinds} == {k.value for k in atelier.Kind}
        screen = sent(cards)
        # Same version, the phone's state given: nothing to send.
        assert atelier.participant_redraw(alice, "fr", state)[:4] == (no_update,) * 4
        for n in range(45):  # more cards than the list shows
            service.add_structure(bob, {"name": f"Carte {n:02d}", **card})
        service.edit_structure(bob, added.structure.id, {"name": "Réseau renommé"}, 1)
        update, _h, _k, _l, state = atelier.participant_redraw(alice, "fr", state)
        assert isinstance(update, Patch)  # only the rows that moved
        screen = applied(screen, update)
        assert screen == sent(atelier._card_list(alice, "fr"))  # as a full redraw
        assert "Réseau renommé" in texts_in(screen) and "Réseau de Bob" not in texts_in(screen)
        mine = service.add_structure(alice, {"name": "Carte d’Alice", **card})
        update, *_rest, state = atelier.participant_redraw(alice, "fr", state)
        screen = applied(screen, update)  # her undo button appears: the whole list
        assert screen == sent(atelier._card_list(alice, "fr"))
        service.remove_structure(alice, mine.structure.id, 1)
        screen = applied(screen, atelier.participant_redraw(alice, "fr", state)[0])
        assert screen == sent(atelier._card_list(alice, "fr"))
        names = [
            n["props"]["children"]
            for n in nodes_in(screen)
            if n["props"].get("className") == "card-name"
        ]
        assert len(names) == 40 and "Carte d’Alice" not in names and "Carte 44" in names
        alice_id = next(m.id for m in service.members(token) if m.nickname == "Alice")
        service.block(token, alice_id)
        with pytest.raises(atelier.PreventUpdate), atelier._store_refusals_change_nothing():
            atelier.participant_redraw(alice, "fr", state)


def test_a_phone_redraw_is_sent_as_plain_json(app, monkeypatch):
    """The live callback answers with plain values, so that Dash's orjson encoder takes
    them as they are: plotly's slow walk of the response (7 ms for a list of 40 cards)
    is never called. The phone gets its new card in the patch all the same."""
    import plotly.io._json as plotly_json

    from benchmarks.workshop_load import find_callbacks

    client = app.server.test_client()
    render = find_callbacks(client.get("/_dash-dependencies").get_json())["render"]
    with app.server.test_request_context("/"):
        service = atelier.service()
        ws, _token = service.create_workshop("Réponse", base="vide", rate_limit=1000)
        alice = service.join(ws.code, "Alice")
        bob = service.join(ws.code, "Bob")
    card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
    walked = []
    real_walk = plotly_json.clean_to_json_compatible
    monkeypatch.setattr(
        plotly_json,
        "clean_to_json_compatible",
        lambda *a, **k: walked.append(1) or real_walk(*a, **k),
    )
    shown = None
    for n in range(3):
        added = service.add_structure(bob, {"name": f"Réseau n° {n}", **card})
        response = live_redraw(
            client, render, alice, "atl-p-version", added.seq, stores={"atl-p-shown": shown}
        )
        shown = response["atl-p-shown"]["data"]
        cards = response["atl-p-cards"]["children"]
        assert f"Réseau n° {n}" in json.dumps(cards, ensure_ascii=False)
        if n:  # after the first full list, a patch: one row inserted
            assert cards["__dash_patch_update"] == "__dash_patch_update"
    assert walked == []


def test_the_board_map_is_resent_only_when_its_values_change(app):
    """The projector's map (stages offered per département) is worked out per version,
    but sent only when a count changed, and then as its new values alone (a patch of a
    few KB, not the 400 KB of the map): a new incubateur in the Finistère recolours it, a
    new description sends nothing, another language sends the whole map."""
    service, _ws, alice, post = live_screen(app, "board", "atl-b-map-shown")

    def redraw(shown, lang="fr"):
        response = post(shown, lang)
        assert "atl-b-graph" in response  # the network is redrawn at every version
        if "atl-b-map" not in response:
            return None
        return response["atl-b-map-shown"]["data"], response["atl-b-map"]["figure"]

    def finistere(figure):
        trace = figure["data"][0]
        return dict(zip(trace["locations"], trace["z"], strict=True))["29"]

    first, figure = redraw(None)
    assert finistere(figure) == 0
    assert redraw(first) is None  # nothing moved
    card = service.add_structure(
        alice,
        {
            "name": "Incubateur du Finistère",
            "kind": "support_structure",
            "dispositifs": ["incubateur"],
            "territory_level": "departement",
            "territory_codes": ["29"],
        },
    )
    second, patch = redraw(first)
    assert second != first and patch["__dash_patch_update"] == "__dash_patch_update"
    assert len(json.dumps(patch)) < len(json.dumps(figure)) / 10
    for operation in patch["operations"]:  # the new values, assigned in the shown map
        assert operation["operation"] == "Assign"
        place, (data, index, prop) = figure, operation["location"]
        place[data][index][prop] = operation["params"]["value"]
    assert finistere(figure) >= 2  # émergence, création…
    service.edit_structure(alice, card.structure.id, {"description": "Brest"}, 1)
    assert redraw(second) is None  # a new version, the same counts: nothing sent
    english, whole = redraw(second, lang="en")
    assert english["frame"] != second["frame"] and finistere(whole) == finistere(figure)
    assert whole["data"][0]["z"] == figure["data"][0]["z"]
    assert whole["data"][0]["customdata"] == figure["data"][0]["customdata"]


def test_link_ends_fill_as_one_types(app):
    with app.server.test_request_context("/"):
        service = atelier.service()
        ws, _token = service.create_workshop("Liens", base="vide", rate_limit=1000)
        alice = service.join(ws.code, "Alice")
        card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
        ids = [
            service.add_structure(alice, {"name": f"Réseau {n:03d}", **card}).structure.id
            for n in range(80)
        ]
        service.add_structure(alice, {"name": "Étoile du Finistère", **card})
        first = atelier._link_options(alice)
        assert len(first) == CARD_OPTIONS_LIMIT < 81  # never every card
        assert [o["label"] for o in atelier._link_options(alice, "etoile")] == [
            "Étoile du Finistère"
        ]
        chosen = atelier._link_options(alice, "etoile", ids[70])
        assert chosen[0] == {"label": "Réseau 070", "value": ids[70]}


def test_screens_poll_a_bare_version_route(app):
    """Each screen polls ``/_atelier/version`` (from the browser): the workshop's version
    for the device's token (its cookie) the store accepts, whatever its role; a refusal in
    words otherwise; a token in the address is never read."""
    client = app.server.test_client()
    with app.server.test_request_context("/"):
        service = atelier.service()
        ws, token = service.create_workshop("Sondage", base="vide")
        alice = service.join(ws.code, "Alice")
        viewer = service.create_viewer_link(token)
        screen = service.create_screen_link(token)
    before = service.workshop(token).version

    def poll(search: str, member: str | None = None, screen: str | None = None):
        client.delete_cookie("fresque_atelier")
        client.delete_cookie("fresque_ecran")
        if member:
            client.set_cookie("fresque_atelier", member)
        if screen:
            client.set_cookie("fresque_ecran", screen)
        reply = client.get(atelier.VERSION_PATH + search)
        assert reply.headers["Cache-Control"] == "no-store"
        return reply.status_code, reply.get_json()

    for who in (token, alice, viewer):
        assert poll("", member=who) == (200, {"version": before})
    assert poll("?vue=tableau", screen=screen) == (200, {"version": before})
    assert poll(f"?t={alice}")[0] == 400
    service.add_structure(
        alice,
        {
            "name": "Tiers-lieu de Plougastel",
            "kind": "support_structure",
            "territory_level": "departement",
            "territory_codes": ["29"],
        },
    )
    moved = service.workshop(token).version
    assert moved > before
    assert poll("", member=viewer) == (200, {"version": moved})
    status, body = poll("", member="jeton-inconnu")
    assert status == 403 and "atelier" in body["error"].lower()
    status, body = poll("")
    assert status == 400 and "Aucun atelier ouvert sur cet appareil" in body["error"]
    assert client.post(atelier.VERSION_PATH).status_code == 405
    other = client.get("/_atelier/versions")  # another path: Flask's (a page)
    assert other.mimetype == "text/html" and b"version" not in other.data[:20]


def test_the_poll_runs_in_the_browser_against_that_route(app):
    """The three screens' polls are clientside callbacks that fetch the route (no Dash
    request per poll)."""
    stores = {
        f"{store}.data" for store in (atelier.P_VERSION, atelier.B_VERSION, atelier.F_VERSION)
    }
    polls = [c for c in app._callback_list if stores & set(c["output"].strip(".").split("..."))]
    assert len(polls) == 3
    # Each also shows or hides the "connection lost" notice.
    assert all("atl-offline.hidden" in c["output"] for c in polls)
    assert all(c.get("clientside_function") for c in polls)  # not server callbacks
    scripts = [c for c in app._inline_scripts if app.get_relative_path(atelier.VERSION_PATH) in c]
    assert len(scripts) == 3


def test_the_panel_resends_a_list_only_when_it_changed(app):
    """The facilitator's panel keeps a fingerprint of each live list: a new card changes
    the pending edits and the log, not the participants (three hundred of them would be
    resent at every change); a newcomer changes the participants."""
    service, ws, alice, post = live_screen(app, "facilitator", "atl-fa-shown")

    def redraw(shown, lang="fr"):
        response = post(shown, lang)
        return response, response["atl-fa-shown"]["data"]

    response, shown = redraw(None)
    counts = json.dumps(response["atl-fa-members"], ensure_ascii=False)
    assert "Actifs : 1 ·" in counts and "places : 2\u00a0000" in counts
    assert redraw(shown)[0].keys() == {"atl-fa-shown", "atl-fa-state", "atl-fa-status"}
    card = {"kind": "network", "territory_level": "departement", "territory_codes": ["29"]}
    service.add_structure(alice, {**card, "name": "Tiers-lieu de Kerpen"})
    response, shown = redraw(shown)
    assert "atl-fa-members" not in response and "atl-fa-duplicates" not in response
    assert "Tiers-lieu de Kerpen" in json.dumps(response["atl-fa-log"], ensure_ascii=False)
    # without pre-moderation, how many edits the merge would leave out
    unaccepted = "1 modification de participant pas encore acceptée"
    assert unaccepted in json.dumps(response["atl-fa-pending"], ensure_ascii=False)
    service.join(ws.code, "Bruno")
    response, shown = redraw(shown)
    assert "Actifs : 2 ·" in json.dumps(response["atl-fa-members"], ensure_ascii=False)
    # The same lists in another language are new lists.
    assert "atl-fa-members" in redraw(shown, lang="en")[0]


def test_the_panel_removes_ticked_members_after_a_confirmation(app):
    """The members part of the panel (issue 13): the tick list names the participants
    by arrival, "since" ticks a flood's tail, and the action removes only the ticked."""
    from fresque.app.pages.atelier import members
    from fresque.app.pages.atelier.ids import M_AFTER, M_PICK

    with app.server.test_request_context("/"):
        service = atelier.service()
        ws, token = service.create_workshop("Portes", base="vide")
        for name in ("Alice", "robot1", "robot2"):
            service.join(ws.code, name)
        view = members.members_section([], token, "fr")
        picks = next(n["props"] for n in nodes_in(view) if n["props"].get("id") == M_PICK)
        labels = [o["label"] for o in picks["options"]]
        assert [label.split(" · ")[0] for label in labels] == ["Alice", "robot1", "robot2"]
        since = next(n["props"] for n in nodes_in(view) if n["props"].get("id") == M_AFTER)
        since = since["options"]
        assert since[0]["label"].endswith("(robot2 seulement)")
        assert since[1]["label"].endswith("(robot1 puis 1 autre)")
        assert since[2]["label"].endswith("(Alice puis 2 autres)")
        ids = [o["value"] for o in picks["options"]][1:]
        text = members.confirmation("remove", ["robot1", "robot2"], "fr")
        assert text.startswith("Retirer ces participants (2 en tout : robot1, robot2) ?")
        assert members.act(token, "remove", ids) == 2
        assert service.member_counts(token).removed == 2
        assert [m.nickname for m in service.members(token) if not m.removed][-1] == "Alice"
