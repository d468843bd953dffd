"""Every write is checked on the server against the role: one test per refusal.

The refused calls leave the workshop as it was, so the refusals share one workshop per
backend (module-scoped), and a last test checks nothing was written by them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from store_helpers import (
    BACKENDS,
    FakeClock,
    base_records,
    create_database,
    drop_database,
    postgres_server_url,
)

from fresque.io.tables import write_csv_dir
from fresque.store import InvalidToken, PermissionDenied, WorkshopService
from fresque.store.db import make_engine

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
    card = service.add_structure(alice, CARD)
    link = service.add_link(
        alice, {"source": card.structure.id, "target": "tag29", "relation": "partners_with"}
    )
    own = service.edit_structure(alice, "tag29", {"description": "par Alice"}, 1)
    fac = service.edit_structure(facilitator, "dla_29", {"description": "par l’animation"}, 1)
    bob_id = service.me(bob).id
    yield Env(
        service,
        {"facilitator": facilitator, "participant": bob, "alice": alice, "viewer": viewer},
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
    for role in ("participant", "viewer")
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
