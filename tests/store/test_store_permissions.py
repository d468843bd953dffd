"""Every write is checked on the server against the role: one test per refusal.

The refused calls leave the workshop as it was, so the refusals share one workshop per
backend (module-scoped), and a last test checks nothing was written by them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from fresque.io.tables import write_csv_dir
from fresque.store import InvalidToken, PermissionDenied, WorkshopService
from fresque.store.db import make_engine
from store.store_helpers import (
    BACKENDS,
    FakeClock,
    base_records,
    create_database,
    drop_database,
    postgres_server_url,
)

CARD = {
    "name": "Pôle ESS du Pays de Morlaix",
    "kind": "network",
    "dispositifs": ["pole_ess"],
    "territory_level": "epci",
    "territory_codes": ["242900835"],
}


@dataclass
class Env:
    service: WorkshopService
    tokens: dict[str, str]
    card: str  # a card added by Alice
    link: int  # a link added by Alice
    alice_seq: int  # an edit by Alice
    facilitator_seq: int  # an edit by the facilitator
    version: int  # the workshop's version after the setup
    bob_id: int


@pytest.fixture(scope="module", params=BACKENDS)
def env(request, tmp_path_factory, territories) -> Env:
    folder: Path = tmp_path_factory.mktemp("permissions")
    if request.param == "sqlite":
        url, server = f"sqlite:///{folder / 'fresque.db'}", None
    else:
        request.getfixturevalue("postgres_server")
        server = postgres_server_url()
        url = create_database(server)
    engine = make_engine(url)
    write_csv_dir(base_records(), folder / "ecosystem")
    service = WorkshopService(
        engine, territories=territories, dataset_dir=folder / "ecosystem", clock=FakeClock()
    )
    workshop, facilitator = service.create_workshop("Droits", base="national")
    alice = service.join(workshop.code, "Alice")
    bob = service.join(workshop.code, "Bob")
    viewer = service.create_viewer_link(facilitator)
    screen = service.create_screen_link(facilitator)
    card = service.add_structure(alice, CARD)
    link = service.add_link(
        alice, {"source": card.structure.id, "target": "tag29", "relation": "partners_with"}
    )
    own = service.edit_structure(alice, "tag29", {"description": "par Alice"}, 1)
    fac = service.edit_structure(facilitator, "dla_29", {"description": "par l’animation"}, 1)
    bob_id = service.me(bob).id
    yield Env(
        service,
        {
            "facilitator": facilitator,
            "participant": bob,
            "alice": alice,
            "viewer": viewer,
            "screen": screen,
        },
        card.structure.id,
        link.id,
        own.seq,
        fac.seq,
        service.workshop(facilitator).version,
        bob_id,
    )
    engine.dispose()
    if server:
        drop_database(server, url)


Action = Callable[[Env, str], object]

#: (name, call, roles that may do it). "participant" is Bob: the card, the link and
#: the edit of the setup belong to Alice.
ACTIONS: list[tuple[str, Action, set[str]]] = [
    (
        "add_structure",
        lambda e, t: e.service.add_structure(t, CARD),
        {"facilitator", "participant"},
    ),
    (
        "edit_structure",
        lambda e, t: e.service.edit_structure(t, "avise", {"description": "x"}, 1),
        {"facilitator", "participant"},
    ),
    (
        "remove someone else's card",
        lambda e, t: e.service.remove_structure(t, e.card, 1),
        {"facilitator"},
    ),
    (
        "add_link",
        lambda e, t: e.service.add_link(
            t, {"source": "avise", "target": "dla_29", "relation": "animates"}
        ),
        {"facilitator", "participant"},
    ),
    (
        "edit_link",
        lambda e, t: e.service.edit_link(t, e.link, {"description": "x"}, 1),
        {"facilitator", "participant"},
    ),
    (
        "remove someone else's link",
        lambda e, t: e.service.remove_link(t, e.link, 1),
        {"facilitator"},
    ),
    (
        "remove someone else's card, naming a stale version",
        lambda e, t: e.service.remove_structure(t, e.card, 99),
        {"facilitator"},
    ),
    (
        "remove someone else's link, naming a stale version",
        lambda e, t: e.service.remove_link(t, e.link, 99),
        {"facilitator"},
    ),
    (
        "undo someone else's edit",
        lambda e, t: e.service.undo(t, e.alice_seq),
        {"facilitator"},
    ),
    (
        "undo the facilitator's edit",
        lambda e, t: e.service.undo(t, e.facilitator_seq),
        {"facilitator"},
    ),
    ("moderate", lambda e, t: e.service.moderate(t, [e.alice_seq], "rejected"), {"facilitator"}),
    (
        "merge_structures",
        lambda e, t: e.service.merge_structures(t, "tag29", "dla_29"),
        {"facilitator"},
    ),
    ("set_phase", lambda e, t: e.service.set_phase(t, "x", ["network"]), {"facilitator"}),
    ("close", lambda e, t: e.service.close(t), {"facilitator"}),
    ("reopen", lambda e, t: e.service.reopen(t), {"facilitator"}),
    ("block", lambda e, t: e.service.block(t, e.bob_id), {"facilitator"}),
    ("create_viewer_link", lambda e, t: e.service.create_viewer_link(t), {"facilitator"}),
    ("create_screen_link", lambda e, t: e.service.create_screen_link(t), {"facilitator"}),
    ("export", lambda e, t: e.service.export(t, "/tmp/never-written.json"), {"facilitator"}),
    ("records", lambda e, t: e.service.records(t), {"facilitator"}),
    ("audit_log", lambda e, t: e.service.audit_log(t), {"facilitator"}),
    ("pending", lambda e, t: e.service.pending(t), {"facilitator"}),
    ("members", lambda e, t: e.service.members(t), {"facilitator"}),
    ("duplicate_suggestions", lambda e, t: e.service.duplicate_suggestions(t), {"facilitator"}),
    ("merge_into_dataset", lambda e, t: e.service.merge_into_dataset(t), {"facilitator"}),
]

REFUSALS = [
    pytest.param(name, action, role, id=f"{role}-{name}")
    for name, action, allowed in ACTIONS
    for role in ("participant", "viewer", "screen")
    if role not in allowed
]


@pytest.mark.parametrize(("name", "action", "role"), REFUSALS)
def test_refused(env: Env, name: str, action: Action, role: str):
    with pytest.raises(PermissionDenied, match="Refusé") as caught:
        action(env, env.tokens[role])
    message = str(caught.value)
    assert "vous êtes" in message or "participant" in message, message


@pytest.mark.parametrize(("name", "action"), [(n, a) for n, a, _ in ACTIONS])
def test_unknown_token_is_refused(env: Env, name: str, action: Action):
    with pytest.raises(InvalidToken, match="Lien d’atelier"):
        action(env, "pas-un-vrai-jeton")
    with pytest.raises(InvalidToken):
        action(env, "")


@pytest.mark.parametrize(
    "read",
    [
        lambda s, t: s.current_ecosystem(t),
        lambda s, t: s.changes_since(t, 0),
        lambda s, t: s.workshop(t),
        lambda s, t: s.cards(t),
        lambda s, t: s.history(t, "tag29"),
    ],
)
def test_reads_need_a_token(env: Env, read):
    with pytest.raises(InvalidToken):
        read(env.service, "x" * 32)
    for token in env.tokens.values():
        read(env.service, token)


def test_refusals_wrote_nothing(env: Env):
    assert env.service.workshop(env.tokens["viewer"]).version == env.version


def test_allowed_roles_may(service: WorkshopService):
    workshop, facilitator = service.create_workshop("Permis", base="national")
    alice = service.join(workshop.code, "Alice")
    card = service.add_structure(alice, CARD)
    link = service.add_link(
        alice, {"source": card.structure.id, "target": "tag29", "relation": "partners_with"}
    )
    edit = service.edit_structure(alice, "tag29", {"description": "par Alice"}, 1)
    service.undo(alice, edit.seq)  # her own edit
    service.remove_link(alice, link.id, 1)  # her own link
    service.remove_structure(alice, card.structure.id, 1)  # her own card
    assert card.structure.id not in service.current_ecosystem(facilitator).structures.index


def test_blocked_participant_is_refused(service: WorkshopService):
    workshop, facilitator = service.create_workshop("Bloc", base="national")
    alice = service.join(workshop.code, "Alice")
    service.block(facilitator, service.me(alice).id)
    with pytest.raises(PermissionDenied, match="suspendu"):
        service.add_structure(alice, CARD)
    with pytest.raises(PermissionDenied, match="suspendu"):
        service.current_ecosystem(alice)
    service.block(facilitator, service.me(facilitator).id + 1, blocked=False)
    service.add_structure(alice, CARD)


def test_pending_edits_of_a_pre_workshop_are_for_the_facilitator(service: WorkshopService):
    workshop, facilitator = service.create_workshop("Pré", base="vide", moderation="pre")
    alice = service.join(workshop.code, "Alice")
    viewer = service.create_viewer_link(facilitator)
    for token in (alice, viewer):
        with pytest.raises(PermissionDenied, match="en attente de modération"):
            service.current_ecosystem(token, include_pending=True)
    service.current_ecosystem(facilitator, include_pending=True)


def _phase_setup(service: WorkshopService):
    """A workshop where Alice added a network card and a link from it to a support
    structure, then the facilitator opened a phase."""
    workshop, facilitator = service.create_workshop("Phases", base="national")
    alice = service.join(workshop.code, "Alice")
    card = service.add_structure(alice, CARD)  # a network
    link = service.add_link(
        alice, {"source": card.structure.id, "target": "tag29", "relation": "partners_with"}
    )
    return facilitator, alice, card, link


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda s, t, c, k: s.add_link(
                t, {"source": c.structure.id, "target": "avise", "relation": "member_of"}
            ),
            id="add_link",
        ),
        pytest.param(
            lambda s, t, c, k: s.edit_link(t, k.id, {"description": "x"}, 1), id="edit_link"
        ),
        pytest.param(lambda s, t, c, k: s.remove_link(t, k.id, 1), id="remove_link"),
    ],
)
def test_links_closed_by_the_phase_refuse_every_link_write(service: WorkshopService, write):
    facilitator, alice, card, link = _phase_setup(service)
    service.set_phase(facilitator, "Les cartes d’abord", None, links_open=False)
    version = service.workshop(facilitator).version
    with pytest.raises(PermissionDenied, match="liens ne sont pas encore ouverts"):
        write(service, alice, card, link)
    assert service.workshop(facilitator).version == version  # nothing written
    write(service, facilitator, card, link)  # the facilitator is not bound by phases


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda s, t, c, k: s.edit_link(t, k.id, {"description": "x"}, 1),
            id="edit_link-its-ends",
        ),
        pytest.param(lambda s, t, c, k: s.remove_link(t, k.id, 1), id="remove_link"),
        pytest.param(
            lambda s, t, c, k: s.remove_structure(t, c.structure.id, 1), id="remove_structure"
        ),
    ],
)
def test_kinds_closed_by_the_phase_refuse_link_and_card_writes(service: WorkshopService, write):
    facilitator, alice, card, link = _phase_setup(service)
    # Links open, but support structures (the link's target) and networks are not.
    service.set_phase(facilitator, "Les financeurs", ["funder"], links_open=True)
    version = service.workshop(facilitator).version
    with pytest.raises(PermissionDenied, match="n’ouvre pas les cartes"):
        write(service, alice, card, link)
    assert service.workshop(facilitator).version == version
    write(service, facilitator, card, link)


def test_a_link_edit_may_not_move_an_end_onto_a_closed_kind(service: WorkshopService):
    facilitator, alice, _card, link = _phase_setup(service)
    # Networks only: the link's target (a support structure) is closed, so the link may
    # not move off it either.
    service.set_phase(facilitator, "Les réseaux", ["network"])
    with pytest.raises(PermissionDenied, match="« Structure d’accompagnement »"):
        service.edit_link(alice, link.id, {"target": "avise"}, 1)
    # Networks and support structures open: the link may change, but not point at a
    # funder.
    service.set_phase(facilitator, "Sans financeurs", ["network", "support_structure"])
    with pytest.raises(PermissionDenied, match="« Financeur »"):
        service.edit_link(alice, link.id, {"target": "initiative_mayenne"}, 1)
    edited = service.edit_link(alice, link.id, {"description": "voisins"}, 1)
    assert edited.version == 2 and edited.link.description == "voisins"
    assert service.remove_link(alice, link.id, 2) > 0
