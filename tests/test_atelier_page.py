"""The Atelier page without a browser: who may create a workshop, what a URL renders,
how the service's problems are worded."""

from __future__ import annotations

from pathlib import Path

import pytest

from fresque.app import create_app
from fresque.app.pages import atelier
from fresque.geo.territories import Territories
from fresque.store import WorkshopService
from fresque.store.db import make_engine

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
    if env is None:
        monkeypatch.delenv("FRESQUE_FACILITATOR_KEY", raising=False)
    else:
        monkeypatch.setenv("FRESQUE_FACILITATOR_KEY", env)
    with app.server.test_request_context("/", environ_base={"REMOTE_ADDR": address}):
        assert atelier._may_create(key) is allowed


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_role_gets_its_view(app, lang):
    with app.server.test_request_context("/"):
        service = atelier.service()
        ws, token = service.create_workshop("Vues", base="vide")
        alice = service.join(ws.code, "Alice")
        viewer = service.create_viewer_link(token)

        def view(search):
            content, _keep = atelier.render(search, lang)
            return ids_in(content)

        assert atelier.JOIN_CODE in view("")
        assert atelier.JOIN_CODE in view("?t=unknown-token")  # with the service's message
        assert atelier.FIELD_ID["name"] in view(f"?t={alice}")
        assert atelier.F_PENDING in view(f"?t={token}")
        assert atelier.B_GRAPH in view(f"?t={token}&vue=tableau")
        shown = view(f"?t={viewer}")
        assert atelier.B_GRAPH in shown and atelier.FIELD_ID["name"] not in shown
        _content, keep = atelier.render(f"?t={alice}", "fr")
        assert keep == {"t": alice}


def test_unknown_token_says_why(app):
    with app.server.test_request_context("/"):
        content, _keep = atelier.render("?t=nope", "fr")
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
            texts = []

            def walk(node):
                if isinstance(node, str):
                    texts.append(node)
                elif isinstance(node, (list, tuple)):
                    for child in node:
                        walk(child)
                elif hasattr(node, "to_plotly_json"):
                    walk(getattr(node, "children", None))

            walk(atelier._card_list(who, "fr"))
            return " ".join(texts)

        assert "Réseau d’Alice" in names(alice)
        assert "Réseau d’Alice" not in names(bruno)
        service.moderate(token, added.seq, "accepted")
        assert "Réseau d’Alice" in names(bruno)
