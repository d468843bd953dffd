"""The join door (issue 13): joins rate-limited in the database, seats for active members
only, members removed or suspended one by one or in bulk, and times from the database.

Every test runs on SQLite and on PostgreSQL (``tests/store/conftest.py``); time moves
with the fake clock, never with a sleep.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from fresque.store import service as service_module
from fresque.store.constants import (
    JOIN_FAILURES_PER_ADDRESS,
    JOIN_PER_ADDRESS,
    JOIN_PER_WORKSHOP,
    JOIN_WINDOW,
)
from fresque.store.db import make_engine
from fresque.store.errors import (
    InvalidToken,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from fresque.store.schema import join_attempts
from fresque.store.service import WorkshopService
from fresque.views.workshop import just_added

_ADDRESSES = itertools.count(1)


def _address() -> str:
    """A client address of its own (the PostgreSQL database is shared by the session's
    tests, whose fake clocks all start at the same time)."""
    return f"2001:db8:{os.getpid():x}::{next(_ADDRESSES):x}"


@pytest.fixture
def venue() -> str:
    """One venue's Wi-Fi: every phone behind one public address."""
    return _address()


@pytest.fixture
def elsewhere() -> str:
    """Someone on another network."""
    return _address()


CARD = {
    "name": "Pépinière de Morlaix",
    "kind": "accompagnement",
    "territory_level": "département",
    "territory_codes": "Finistère",
}


def _workshop(service: WorkshopService) -> tuple[str, str]:
    ws, facilitator = service.create_workshop("Rencontres ESS", base="vide")
    return ws.code, facilitator


def _participants(service: WorkshopService, facilitator: str) -> dict[str, object]:
    return {m.nickname: m for m in service.members(facilitator) if m.role.value == "participant"}


def test_a_scripted_flood_from_one_address_is_held(service, clock, venue, elsewhere):
    code, facilitator = _workshop(service)
    admitted, refused = 0, []
    for i in range(1000):
        try:
            service.join(code, f"robot{i}", address=venue)
            admitted += 1
        except RateLimited as error:
            refused.append(error)
    assert admitted == JOIN_PER_ADDRESS
    assert len(refused) == 1000 - JOIN_PER_ADDRESS
    assert len(_participants(service, facilitator)) == JOIN_PER_ADDRESS
    last = refused[-1]
    message = str(last)
    assert "complet" not in message
    wait = re.search(r"réessayez dans (\d+) s", message)
    assert wait, message
    assert int(wait.group(1)) == math.ceil(last.retry_after)
    assert 0 < last.retry_after <= JOIN_WINDOW
    # A real participant on another network still gets in during the flood.
    alice = service.join(code, "Alice", address=elsewhere)
    assert service.me(alice).nickname == "Alice"
    # Refusals are not counted: once the window has slid, the venue gets in again.
    clock.advance(last.retry_after + 0.5)
    assert service.me(service.join(code, "Bruno", address=venue)).nickname == "Bruno"


def test_300_people_from_one_venue_join_within_minutes(service, clock, venue, elsewhere):
    code, facilitator = _workshop(service)
    started = clock.now
    spacing = JOIN_WINDOW / JOIN_PER_ADDRESS  # the sustained rate the door allows
    for i in range(300):
        service.join(code, f"Personne {i}", address=venue)
        clock.advance(spacing)
    assert len(_participants(service, facilitator)) == 300
    assert clock.now - started <= timedelta(minutes=3)


def test_the_workshop_in_all_is_limited_across_addresses(service, clock):
    code, _facilitator = _workshop(service)
    for i in range(JOIN_PER_WORKSHOP):
        service.join(code, f"p{i}", address=_address())
    late = _address()
    with pytest.raises(
        RateLimited, match=r"en ce moment : attendez, puis réessayez dans \d+ s"
    ) as refused:
        service.join(code, "Zoé", address=late)
    assert "complet" not in str(refused.value)
    clock.advance(JOIN_WINDOW + 1)
    assert service.join(code, "Zoé", address=late)


def test_code_guessing_is_held_without_telling_a_right_code(service, clock, venue, elsewhere):
    code, _facilitator = _workshop(service)
    wrong = "ABCDEF" if code != "ABCDEF" else "GHJKMN"
    for _ in range(JOIN_FAILURES_PER_ADDRESS):
        with pytest.raises(NotFound):
            service.join(wrong, "Devin", address=venue)
    # Past the limit even the right code is refused from that address: no oracle.
    with pytest.raises(RateLimited, match=r"codes erronés .*réessayez dans \d+ s"):
        service.join(code, "Devin", address=venue)
    assert service.join(code, "Alice", address=elsewhere)
    clock.advance(JOIN_WINDOW + 1)
    assert service.join(code, "Devin", address=venue)


def test_attempts_are_pruned_as_they_go(service, clock, venue, elsewhere):
    code, _facilitator = _workshop(service)
    for i in range(5):
        service.join(code, f"p{i}", address=venue)
    clock.advance(3600)
    service.join(code, "tard", address=venue)
    with service.engine.connect() as conn:
        kept = conn.execute(
            select(func.count()).select_from(join_attempts).where(join_attempts.c.address == venue)
        ).scalar_one()
    assert kept == 1


def test_suspended_and_removed_members_free_their_seats(
    engine, territories, dataset_dir, clock, venue
):
    service = WorkshopService(
        engine, territories=territories, dataset_dir=dataset_dir, clock=clock, max_members=3
    )
    code, facilitator = _workshop(service)
    for name in ("Alice", "Bruno", "Chloé"):
        service.join(code, name, address=venue)
    with pytest.raises(PermissionDenied, match="complet"):
        service.join(code, "Denis", address=venue)
    people = _participants(service, facilitator)
    service.block(facilitator, people["Alice"].id)
    service.join(code, "Denis", address=venue)  # Alice's seat, freed by her suspension
    with pytest.raises(PermissionDenied, match="complet"):
        service.join(code, "Emma", address=venue)
    service.remove_members(facilitator, [people["Bruno"].id])
    service.join(code, "Emma", address=venue)
    # Restoring Alice now would make four: refused, with the reason.
    with pytest.raises(PermissionDenied, match=r"complet.*3 places"):
        service.block(facilitator, people["Alice"].id, blocked=False)
    counts = service.member_counts(facilitator)
    assert (counts.active, counts.suspended, counts.removed, counts.seats) == (3, 1, 1, 3)


def test_a_removed_members_token_is_refused_and_their_edits_stay(service, venue, elsewhere):
    code, facilitator = _workshop(service)
    alice = service.join(code, "Alice", address=venue)
    bruno = service.join(code, "Bruno", address=venue)
    card = service.add_structure(alice, CARD)
    alice_id = service.me(alice).id
    with pytest.raises(PermissionDenied, match="réservé à l’animation"):
        service.remove_members(bruno, [alice_id])
    removed = service.remove_members(facilitator, [alice_id])
    assert [m.nickname for m in removed] == ["Alice"]
    for read in (service.me, service.workshop, service.cards):
        with pytest.raises(InvalidToken, match="retiré"):
            read(alice)
    with pytest.raises(InvalidToken, match="retiré"):
        service.add_structure(alice, {**CARD, "name": "Encore moi"})
    # Her card and the log stay truthful: she added it, the facilitator removed her.
    assert service.get_structure(bruno, card.structure.id).structure.name == CARD["name"]
    log = service.audit_log(facilitator)
    added = [e for e in log if e.kind == "add_structure"]
    assert [e.author for e in added] == ["Alice"]
    removal = [e for e in log if e.kind == "remove_members"]
    assert len(removal) == 1 and removal[0].summary == "a retiré Alice"
    member = {m.id: m for m in service.members(facilitator)}[alice_id]
    assert member.removed and member.nickname == "Alice"
    # Her nickname stays hers in the log: nobody else takes it.
    with pytest.raises(Exception, match="déjà pris"):
        service.join(code, "Alice", address=elsewhere)


def test_bulk_removal_and_suspension(service, clock, venue, elsewhere):
    code, facilitator = _workshop(service)
    alice = service.join(code, "Alice", address=elsewhere)
    service.join(code, "Bruno", address=elsewhere)
    clock.advance(5)
    flood_started = max(m.joined_at for m in service.members(facilitator))
    clock.advance(5)
    for i in range(20):
        service.join(code, f"robot{i}", address=venue)
    removed = service.remove_members(facilitator, joined_after=flood_started)
    assert sorted(m.nickname for m in removed) == sorted(f"robot{i}" for i in range(20))
    assert service.me(alice).nickname == "Alice"
    log = [e for e in service.audit_log(facilitator) if e.kind == "remove_members"]
    assert len(log) == 1 and log[0].summary.startswith("a retiré 20 participants : robot0")
    counts = service.member_counts(facilitator)
    assert (counts.active, counts.suspended, counts.removed) == (2, 0, 20)
    # Removing again changes nothing and logs nothing.
    assert service.remove_members(facilitator, joined_after=flood_started) == []
    # Suspend several at once, by id; then restore them.
    people = _participants(service, facilitator)
    ids = [people["Alice"].id, people["Bruno"].id]
    assert {m.nickname for m in service.block_members(facilitator, ids)} == {"Alice", "Bruno"}
    assert service.member_counts(facilitator).suspended == 2
    with pytest.raises(PermissionDenied, match="suspendu"):
        service.add_structure(alice, CARD)
    service.block_members(facilitator, ids, blocked=False)
    assert service.member_counts(facilitator).active == 2
    summaries = [e.summary for e in service.audit_log(facilitator) if e.kind == "block"]
    assert summaries == [
        "a suspendu 2 participants : Alice, Bruno",
        "a rétabli 2 participants : Alice, Bruno",
    ]
    with pytest.raises(NotFound, match="n° 999999"):
        service.remove_members(facilitator, [999999])


def test_just_added_marks_follow_the_database_clock(
    postgres_database, territories, dataset_dir, monkeypatch
):
    """Two app servers on one PostgreSQL, one of them with its clock two hours behind:
    times are the database's, so both mark the card as just added."""
    engine = make_engine(postgres_database)
    real = service_module._utcnow
    monkeypatch.setattr(service_module, "_utcnow", lambda: real() - timedelta(hours=2))
    behind = WorkshopService(engine, territories=territories, dataset_dir=dataset_dir)
    monkeypatch.undo()
    right = WorkshopService(engine, territories=territories, dataset_dir=dataset_dir)
    try:
        ws, facilitator = right.create_workshop("Deux serveurs", base="vide")
        alice = right.join(ws.code, "Alice")
        card = behind.add_structure(alice, CARD)  # written by the server that is behind
        with engine.connect() as conn:
            db_now = conn.execute(text("SELECT timezone('UTC', now())")).scalar_one()
        added = [e for e in right.recent_events(facilitator) if e.kind == "add_structure"]
        assert abs(added[0].created_at - db_now) < timedelta(seconds=5)
        for server in (right, behind):
            assert abs(server.now() - db_now) < timedelta(seconds=5)
            marks = just_added(server.recent_events(facilitator), server.now())
            assert card.structure.id in marks
        assert abs(datetime.now(UTC).replace(tzinfo=None) - db_now) < timedelta(seconds=5)
    finally:
        engine.dispose()
