"""Atelier screens that tell the truth (issue 13, finding 5): the board's "Vient
d'arriver" follows undo and moderation, "À modérer" exists only under pre-moderation,
log lines carry a status only when it matters and one number, refusals name the roles
in correct French, and the phone's two different actions have two different names."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from dash_components import nodes_in, texts_in

from fresque.app import create_app
from fresque.app.pages import atelier
from fresque.app.pages.atelier import board, facilitator
from fresque.geo.territories import Territories
from fresque.i18n import t
from fresque.store import WorkshopService
from fresque.store.constants import Role
from fresque.store.db import make_engine
from fresque.store.errors import PermissionDenied

GEO_MINI = Path(__file__).resolve().parent / "data" / "geo_mini"
CARD = {
    "name": "TAg29",
    "kind": "support_structure",
    "dispositifs": ["incubator"],
    "territory_level": "departement",
    "territory_codes": ["29"],
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app()
    folder = tmp_path_factory.mktemp("screens")
    service = WorkshopService(
        make_engine(f"sqlite:///{folder / 'atelier.db'}"), territories=Territories.load(GEO_MINI)
    )
    atelier.install_service(app.server, service)
    with app.server.test_request_context("/"):
        yield app


def feed(token: str) -> list[str]:
    """The board's "Vient d'arriver" lines, as text."""
    return [" ".join(texts_in(item).split()) for item in board._board_parts(token, "fr")[1]]


def workshop(moderation: str):
    service = atelier.service()
    ws, token = service.create_workshop(f"Écrans {moderation}", base="vide", moderation=moderation)
    return service, ws, token, service.join(ws.code, "Alice")


@pytest.mark.parametrize("moderation", ["post", "pre"])
def test_an_undone_rename_leaves_just_arrived(app, moderation):
    service, _ws, token, alice = workshop(moderation)
    added = service.add_structure(alice, CARD)
    renamed = service.edit_structure(alice, "tag29", {"name": "TAg 29 renommé"}, 1)
    service.moderate(token, [added.seq, renamed.seq], "accepted")
    assert any("TAg 29 renommé" in line for line in feed(token))
    service.undo(alice, renamed.seq)
    lines = feed(token)
    assert not any("renommé" in line for line in lines), lines
    assert any("a ajouté la structure « TAg29 »" in line for line in lines)


def test_under_pre_moderation_only_accepted_edits_have_arrived(app):
    service, ws, token, alice = workshop("pre")
    bruno = service.join(ws.code, "Bruno")
    added = service.add_structure(alice, CARD)
    refused = service.add_structure(bruno, {**CARD, "name": "Pas pour le tableau"})
    for who in (token, service.create_viewer_link(token)):
        assert feed(who) == []
    service.moderate(token, refused.seq, "rejected")
    assert feed(token) == []
    service.moderate(token, added.seq, "accepted")
    assert [line.split(" ", 1)[1] for line in feed(token)] == [
        "Alice a ajouté la structure « TAg29 »"
    ]
    # a pending rename neither arrives nor renames the card on the board
    service.edit_structure(bruno, "tag29", {"name": "Renommée en attente"}, 1)
    elements, lines, _count = board._board_parts(token, "fr")
    assert not any("Renommée en attente" in texts_in(line) for line in lines)
    names = {e["data"].get("label") for e in elements if "source" not in e["data"]}
    assert "TAg29" in names and "Renommée en attente" not in names


def _section_of(view, list_id: str) -> dict:
    """The panel section (as sent) holding the live list ``list_id``."""
    for node in nodes_in(view):
        if node["type"] == "Section" and any(
            n["props"].get("id") == list_id for n in nodes_in(node_children(node))
        ):
            return node
    raise AssertionError(f"no section holds {list_id}")


def node_children(node: dict):
    from dash import html

    return html.Div(node["props"].get("children"))


def test_the_panel_has_no_moderation_list_without_pre_moderation(app):
    service, _ws, token, alice = workshop("post")
    service.add_structure(alice, CARD)
    ws = service.workshop(token)
    view = facilitator.facilitator_view(token, "fr", ws)
    shown = texts_in(view)
    assert t("atelier.panel.pending", "fr") not in shown
    assert "[en attente]" not in shown and "en attente" not in shown
    assert "a ajouté la structure « TAg29 »" in shown  # in the log


def test_the_panel_lists_only_edits_awaiting_moderation_under_pre(app):
    service, _ws, token, alice = workshop("pre")
    waiting = service.add_structure(alice, CARD)
    undone = service.add_structure(alice, {**CARD, "name": "Retirée aussitôt"})
    service.undo(alice, undone.seq)
    rejected = service.add_structure(alice, {**CARD, "name": "Refusée"})
    service.moderate(token, rejected.seq, "rejected")
    view = facilitator.facilitator_view(token, "fr", service.workshop(token))
    section = _section_of(view, facilitator.F_PENDING)
    assert t("atelier.panel.pending", "fr") in texts_in(node_children(section))
    items = [texts_in(n) for n in nodes_in(node_children(section)) if n["type"] == "Li"]
    assert len(items) == 1 and "TAg29" in items[0], items
    assert waiting.seq
    log = [texts_in(n) for n in nodes_in(facilitator._log_list(facilitator._log_rows(token), "fr"))]
    log_lines = [line for line in log if "a ajouté" in line]
    statuses = {line.split("« ")[1].split(" »")[0]: line for line in log_lines}
    assert "[en attente]" in statuses["TAg29"], statuses
    assert "[rejetée]" in statuses["Refusée"], statuses
    assert "[" not in statuses["Retirée aussitôt"], statuses


def test_log_lines_say_their_status_only_when_it_matters_and_are_numbered_once(app):
    service, _ws, token, alice = workshop("post")
    added = service.add_structure(alice, CARD)
    refused = service.add_structure(alice, {**CARD, "name": "Refusée"})
    service.moderate(token, refused.seq, "rejected")
    listed = facilitator._log_list(facilitator._log_rows(token), "fr")
    kinds = {n["type"] for n in nodes_in(listed)}
    assert "Ol" not in kinds  # the "n° 12" of each line is its only number
    lines = [texts_in(n) for n in nodes_in(listed) if n["type"] == "Li"]
    line = next(x for x in lines if "« TAg29 »" in x)
    assert line.startswith(f"n° {added.seq} ·") and "[" not in line
    assert "[rejetée]" in next(x for x in lines if "« Refusée »" in x)
    assert sum(x.count("[en attente]") for x in lines) == 0


def _refusal(roles: frozenset[Role], who: Role) -> str:
    with pytest.raises(PermissionDenied) as refused:
        WorkshopService._check_role({"role": who.value, "blocked": False}, roles, "agir")
    return str(refused.value)


EXPECTED_ALLOWED = {
    frozenset({Role.FACILITATOR}): "à l’animation",
    frozenset({Role.PARTICIPANT}): "aux participants",
    frozenset({Role.VIEWER}): "aux spectateurs",
    frozenset({Role.FACILITATOR, Role.PARTICIPANT}): "à l’animation ou aux participants",
    frozenset({Role.FACILITATOR, Role.VIEWER}): "à l’animation ou aux spectateurs",
    frozenset({Role.PARTICIPANT, Role.VIEWER}): "aux participants ou aux spectateurs",
    frozenset({Role.SCREEN}): "aux écrans partagés",
    frozenset({Role.FACILITATOR, Role.SCREEN}): "à l’animation ou aux écrans partagés",
    frozenset({Role.PARTICIPANT, Role.SCREEN}): "aux participants ou aux écrans partagés",
    frozenset({Role.VIEWER, Role.SCREEN}): "aux spectateurs ou aux écrans partagés",
}


@pytest.mark.parametrize(
    ("roles", "who"),
    [
        (frozenset(combo), who)
        for size in (1, 2)
        for combo in itertools.combinations(list(Role), size)
        for who in Role
        if who not in combo
    ],
)
def test_a_refusal_names_the_roles_in_correct_french(roles, who):
    message = _refusal(roles, who)
    assert f"agir est réservé {EXPECTED_ALLOWED[roles]} (vous êtes " in message, message
    assert " à les " not in message and " ou les " not in message


def test_the_phone_names_its_two_different_actions_differently():
    for lang in ("fr", "en"):
        close = t("atelier.form.cancel", lang)
        undo = t("atelier.mine.undo", lang)
        assert close != undo
        assert "Annuler" not in close + undo and "Cancel" not in close + undo
    assert t("atelier.form.cancel", "fr") == "Fermer sans enregistrer"
    assert t("atelier.link.cancel", "fr") == "Fermer sans enregistrer"
