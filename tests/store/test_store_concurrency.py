"""Concurrent edits lose nothing, and a SIGKILL loses no acknowledged edit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select, text

from fresque.store import ConflictError, WorkshopService
from fresque.store.db import make_engine
from fresque.store.schema import events, structures, workshops
from store.store_helpers import GEO_MINI, FakeClock

CARD = {
    "name": "Compteur",
    "kind": "network",
    "territory_level": "departement",
    "territory_codes": ["29"],
    "description": "0",
}


def _worker(db_url: str, territories) -> WorkshopService:
    """A service on its own engine: what another gunicorn worker or host would have."""
    return WorkshopService(make_engine(db_url), territories=territories, upgrade=False)


def test_two_sessions_editing_one_card(service, db_url, territories):
    workshop, facilitator = service.create_workshop("Deux sessions", base="vide")
    card = service.add_structure(facilitator, CARD)
    first, second = _worker(db_url, territories), _worker(db_url, territories)
    try:
        alice = first.join(workshop.code, "Alice")
        bob = second.join(workshop.code, "Bob")
        read_by_alice = first.get_structure(alice, card.structure.id)
        read_by_bob = second.get_structure(bob, card.structure.id)
        assert read_by_alice.version == read_by_bob.version == 1
        first.edit_structure(alice, card.structure.id, {"description": "Alice"}, 1)
        with pytest.raises(ConflictError) as caught:
            second.edit_structure(bob, card.structure.id, {"description": "Bob"}, 1)
        assert caught.value.current.description == "Alice"
        assert caught.value.version == 2
        assert "modifiée par Alice" in str(caught.value)
    finally:
        first.engine.dispose()
        second.engine.dispose()


def test_simultaneous_edits_one_wins_the_others_get_a_conflict(service, db_url, territories):
    workshop, facilitator = service.create_workshop("Course", base="vide", rate_limit=1000)
    sid = service.add_structure(facilitator, CARD).structure.id
    workers = [_worker(db_url, territories) for _ in range(6)]
    tokens = [w.join(workshop.code, f"P{i}") for i, w in enumerate(workers)]
    barrier = threading.Barrier(len(workers))
    outcomes: list[object] = [None] * len(workers)

    def edit(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = workers[i].edit_structure(tokens[i], sid, {"description": f"P{i}"}, 1)
        except ConflictError as error:
            outcomes[i] = error

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        won = [o for o in outcomes if not isinstance(o, ConflictError)]
        lost = [o for o in outcomes if isinstance(o, ConflictError)]
        assert len(won) == 1 and len(lost) == len(workers) - 1, outcomes
        final = service.get_structure(facilitator, sid)
        assert final.version == 2
        assert final.structure.description == won[0].structure.description
        assert all(e.current.description == final.structure.description for e in lost)
    finally:
        for w in workers:
            w.engine.dispose()


def test_no_lost_update_under_contention(service, db_url, territories):
    """Workers increment a counter with read-edit-retry loops: every increment lands."""
    workshop, facilitator = service.create_workshop("Compteur", base="vide", rate_limit=1000)
    sid = service.add_structure(facilitator, CARD).structure.id
    workers = [_worker(db_url, territories) for _ in range(4)]
    tokens = [w.join(workshop.code, f"P{i}") for i, w in enumerate(workers)]
    per_worker = 8
    conflicts = [0] * len(workers)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            for _ in range(per_worker):
                while True:
                    card = workers[i].get_structure(tokens[i], sid)
                    value = int(card.structure.description) + 1
                    try:
                        workers[i].edit_structure(
                            tokens[i], sid, {"description": str(value)}, card.version
                        )
                        break
                    except ConflictError:
                        conflicts[i] += 1
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for w in workers:
        w.engine.dispose()
    assert not errors, errors
    final = service.get_structure(facilitator, sid)
    assert final.structure.description == str(len(workers) * per_worker)
    assert final.version == 1 + len(workers) * per_worker


WRITER = r"""
import sys
from fresque.geo.territories import Territories
from fresque.store import WorkshopService, make_engine

url, geo, token = sys.argv[1:4]
service = WorkshopService(make_engine(url), territories=Territories.load(geo), upgrade=False)
print("ready", flush=True)
i = 0
while True:
    card = service.add_structure(token, {
        "name": f"Carte {i}", "kind": "network", "territory_level": "departement",
        "territory_codes": ["29"], "description": "x" * 200,
    })
    print(card.structure.id, card.seq, flush=True)  # acknowledged: committed
    i += 1
"""


def _run_and_kill(db_url: str, token: str, count: int, delay: float) -> list[tuple[str, int]]:
    """Start a writer, read ``count`` acknowledgements, SIGKILL it ``delay`` s later
    (in the middle of its next write); return every acknowledgement it printed."""
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, db_url, str(GEO_MINI), token],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    acknowledged: list[tuple[str, int]] = []
    try:
        assert child.stdout is not None
        deadline = time.monotonic() + 90
        first = child.stdout.readline().strip()
        assert first == "ready", first + child.stderr.read()
        while len(acknowledged) < count and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            sid, seq = line.split()
            acknowledged.append((sid, int(seq)))
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        rest, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, err
    for line in rest.splitlines():  # printed before the kill: acknowledged too
        sid, seq = line.split()
        acknowledged.append((sid, int(seq)))
    assert len(acknowledged) >= count, err
    return acknowledged


def test_sigkill_mid_run_loses_no_acknowledged_edit(service, db_url, territories):
    workshop, facilitator = service.create_workshop("Panne", base="vide")
    acknowledged: list[tuple[str, int]] = []
    for delay in (0.0, 0.002, 0.007):  # three crashes, at different points of a write
        acknowledged += _run_and_kill(db_url, facilitator, 25, delay)

    # restart: a new process (here a new engine) opens the same database
    service.engine.dispose()
    reopened = WorkshopService(
        make_engine(db_url), territories=territories, clock=FakeClock(), upgrade=True
    )
    try:
        cards = {c.structure.id: c for c in reopened.cards(facilitator)}
        missing = [sid for sid, _ in acknowledged if sid not in cards]
        assert not missing, f"acknowledged but lost: {missing}"
        assert all(cards[sid].seq == seq for sid, seq in acknowledged)
        # the store is consistent: no half transaction
        with reopened.engine.connect() as conn:
            wid = workshop.id
            version = conn.execute(
                select(workshops.c.seq).where(workshops.c.id == wid)
            ).scalar_one()
            last = conn.execute(
                select(func.max(events.c.seq)).where(events.c.workshop_id == wid)
            ).scalar_one()
            added = conn.execute(
                select(func.count()).where(
                    events.c.workshop_id == wid, events.c.kind == "add_structure"
                )
            ).scalar_one()
            rows = conn.execute(
                select(func.count()).where(structures.c.workshop_id == wid)
            ).scalar_one()
            assert version == last and added == rows >= len(acknowledged)
            if conn.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        # and it takes new edits
        reopened.add_structure(facilitator, {**CARD, "name": "Après la panne"})
    finally:
        reopened.engine.dispose()


INCREMENTER = r"""
import sys
from fresque.geo.territories import Territories
from fresque.store import ConflictError, WorkshopService, make_engine

url, geo, code, nickname, sid, count = sys.argv[1:7]
service = WorkshopService(make_engine(url), territories=Territories.load(geo), upgrade=False)
token = service.join(code, nickname)
conflicts = 0
for _ in range(int(count)):
    while True:
        card = service.get_structure(token, sid)
        try:
            service.edit_structure(
                token, sid, {"description": str(int(card.structure.description) + 1)},
                card.version,
            )
            break
        except ConflictError:
            conflicts += 1
print(conflicts, flush=True)
"""


def test_no_lost_update_across_processes(service, db_url):
    """Separate processes (gunicorn workers, hosts) increment one card: all land."""
    workshop, facilitator = service.create_workshop("Processus", base="vide", rate_limit=1000)
    sid = service.add_structure(facilitator, CARD).structure.id
    count, processes = 10, 2
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                INCREMENTER,
                db_url,
                str(GEO_MINI),
                workshop.code,
                f"P{i}",
                sid,
                str(count),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    assert all(child.returncode == 0 for child in children), [err for _, err in outputs]
    final = service.get_structure(facilitator, sid)
    assert final.structure.description == str(count * processes)
    assert final.version == 1 + count * processes
