"""A phone's save sent twice (its answer was lost, the participant taps "Réessayer"):
the submission key makes the second send return the first one's result, never a second
card; on SQLite and PostgreSQL. And a conflict's words: who, without version numbers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fresque.store import ConflictError, InvalidInput
from fresque.store.replay import ADD_STRUCTURE, EDIT_STRUCTURE
from fresque.store.schema import events, structures

CARD = {
    "name": "Incubateur Ti Kreiz",
    "kind": "support_structure",
    "territory_level": "departement",
    "territory_codes": ["29"],
}
KEY = "0f8b6c2e-4d1a-4e7b-9c3f-5a6d7e8f9a0b"


@pytest.fixture
def workshop(service):
    ws, facilitator = service.create_workshop("Envois", base="vide")
    return ws, facilitator, service.join(ws.code, "Alice")


def count(service, table, workshop_id, **where) -> int:
    """Rows of ``table`` in this workshop (the PostgreSQL database is shared by the run)."""
    query = select(func.count()).select_from(table).where(table.c.workshop_id == workshop_id)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with service.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def test_same_key_twice_makes_one_card_and_the_same_answer(service, workshop):
    ws, facilitator, alice = workshop
    first = service.add_structure(alice, CARD, submission=KEY)
    again = service.add_structure(alice, CARD, submission=KEY)
    assert again == first
    assert [c.structure.name for c in service.cards(facilitator)] == ["Incubateur Ti Kreiz"]
    assert count(service, events, ws.id, kind=ADD_STRUCTURE) == 1
    assert count(service, structures, ws.id) == 1
    # Another submission of the same form is another card (the key is the only guard).
    other = service.add_structure(alice, CARD, submission=KEY[:-1] + "c")
    assert other.structure.id == "incubateur_ti_kreiz_2"


def test_the_first_answer_comes_back_even_once_the_workshop_is_closed(service, workshop):
    _ws, facilitator, alice = workshop
    first = service.add_structure(alice, CARD, submission=KEY)
    service.close(facilitator)
    assert service.add_structure(alice, CARD, submission=KEY) == first


def test_a_key_belongs_to_its_member(service, workshop):
    ws, facilitator, alice = workshop
    bob = service.join(ws.code, "Bob")
    mine = service.add_structure(alice, CARD, submission=KEY)
    theirs = service.add_structure(bob, {**CARD, "name": "Pôle Bob"}, submission=KEY)
    assert theirs.structure.name == "Pôle Bob" and theirs.structure.id != mine.structure.id
    assert len(service.cards(facilitator)) == 2


def test_a_refused_save_leaves_its_key_free(service, workshop):
    _ws, _facilitator, alice = workshop
    with pytest.raises(InvalidInput):
        service.add_structure(alice, {**CARD, "kind": "licorne"}, submission=KEY)
    card = service.add_structure(alice, CARD, submission=KEY)
    assert card.structure.kind.value == "support_structure"


def test_an_edit_sent_twice_is_one_edit_not_a_conflict_with_oneself(service, workshop):
    ws, facilitator, alice = workshop
    sid = service.add_structure(facilitator, CARD).structure.id
    first = service.edit_structure(alice, sid, {"description": "Brest"}, 1, submission=KEY)
    again = service.edit_structure(alice, sid, {"description": "Brest"}, 1, submission=KEY)
    assert again == first and first.version == 2
    assert count(service, events, ws.id, kind=EDIT_STRUCTURE) == 1
    assert service.get_structure(facilitator, sid).version == 2


@pytest.mark.parametrize("key", ["", "x" * 65, "clé avec espaces", 42])
def test_a_malformed_key_is_refused(service, workshop, key):
    _ws, facilitator, alice = workshop
    with pytest.raises(InvalidInput, match="envoi"):
        service.add_structure(alice, CARD, submission=key)
    assert service.cards(facilitator) == []


def test_a_conflict_names_who_and_shows_no_version_number(service, workshop):
    ws, facilitator, alice = workshop
    bob = service.join(ws.code, "Bob")
    sid = service.add_structure(facilitator, CARD).structure.id
    service.edit_structure(alice, sid, {"name": "Incubateur de Brest"}, 1)
    with pytest.raises(ConflictError) as caught:
        service.edit_structure(bob, sid, {"description": "Brest"}, 1)
    error = caught.value
    assert error.author == "Alice" and error.version == 2
    assert error.current.name == "Incubateur de Brest"
    assert "version" not in str(error) and "Alice" in str(error)
