"""The materialised rows always equal the fold of the edits that count.

Random sessions of adds, edits, removals, links, merges, undos and moderation decisions;
after each step the rows the service wrote must be what replaying the log gives, versions
never go down, and the state builds an Ecosystem.
"""

from __future__ import annotations

import random

import pytest

from fresque.ecosystem import Ecosystem
from fresque.store import ConflictError, InvalidInput, StoreError
from fresque.store.db import read_transaction
from fresque.store.replay import replay
from fresque.store.service import ACCEPTED, PENDING

KINDS = ["support_structure", "network", "funder"]
NAMES = ["Pôle ESS", "Incubateur", "Fabrique", "Réseau", "Fonds", "CAE"]
ACTIONS = [
    *("add", "add", "edit", "edit", "remove", "link", "edit_link", "unlink", "merge"),
    *("undo", "undo", "reject", "accept"),
]
PLACES = [("departement", ["29"]), ("departement", ["22"]), ("epci", ["242900835"])]


def _check(service, workshop_id, versions):
    with read_transaction(service.engine) as conn:
        srows, lrows = service._rows(conn, workshop_id)
        folded = replay(
            service._base_state(srows, lrows),
            service._events_for(conn, workshop_id, (PENDING, ACCEPTED)),
        )
    working = service._working_state(srows, lrows)
    assert working.structures == folded.structures
    assert working.links == folded.links
    assert {s: r["merged_into"] for s, r in srows.items() if r["deleted"] and r["merged_into"]} == {
        s: into for s, into in folded.merged.items() if s not in folded.structures
    }
    rows = [(("card", sid), r) for sid, r in srows.items()]
    rows += [(("link", lid), r) for lid, r in lrows.items()]
    for key, row in rows:
        assert row["version"] >= versions.get(key, 0), key
        versions[key] = row["version"]
    Ecosystem(
        list(working.structures.values()),
        list(working.links.values()),
        territories=service.territories,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_rows_equal_the_replayed_log(service, seed):
    rng = random.Random(seed)
    workshop, facilitator = service.create_workshop("Hasard", base="national", rate_limit=10_000)
    people = [facilitator] + [service.join(workshop.code, f"P{i}") for i in range(3)]
    versions: dict = {}
    done: dict[str, int] = {}
    for _step in range(45):
        who = rng.choice(people)
        cards = service.cards(facilitator)
        link_cards = service.link_cards(facilitator)
        action = rng.choice(ACTIONS)
        try:
            if action == "add":
                level, codes = rng.choice(PLACES)
                service.add_structure(
                    who,
                    {
                        "name": f"{rng.choice(NAMES)} {rng.randint(1, 3)}",
                        "kind": rng.choice(KINDS),
                        "territory_level": level,
                        "territory_codes": codes,
                    },
                )
            elif action == "edit" and cards:
                card = rng.choice(cards)
                level, codes = rng.choice(PLACES)
                changes = rng.choice(
                    [
                        {"description": f"note {rng.randint(0, 99)}"},
                        {"territory_level": level, "territory_codes": codes},
                        {"stages": rng.sample(["emergence", "creation", "scaling"], 2)},
                        {"carrier_id": rng.choice(cards).structure.id},
                    ]
                )
                service.edit_structure(who, card.structure.id, changes, card.version)
            elif action == "remove" and cards:
                card = rng.choice(cards)
                service.remove_structure(who, card.structure.id, card.version)
            elif action == "link" and len(cards) > 1:
                a, b = rng.sample(cards, 2)
                relation = rng.choice(["funds", "partners_with", "refers_to"])
                service.add_link(
                    who,
                    {"source": a.structure.id, "target": b.structure.id, "relation": relation},
                )
            elif action == "edit_link" and link_cards:
                link = rng.choice(link_cards)
                changes = rng.choice(
                    [{"description": "revu"}, {"target": rng.choice(cards).structure.id}]
                )
                service.edit_link(who, link.id, changes, link.version)
            elif action == "unlink" and link_cards:
                link = rng.choice(link_cards)
                service.remove_link(who, link.id, link.version)
            elif action == "merge" and len(cards) > 1:
                a, b = rng.sample(cards, 2)
                service.merge_structures(facilitator, a.structure.id, b.structure.id)
            elif action in ("undo", "reject", "accept"):
                log = [
                    e
                    for e in service.audit_log(facilitator)
                    if e.kind not in ("create", "join", "moderate", "viewer_link")
                ]
                if log:
                    event = rng.choice(log)
                    if action == "undo":
                        service.undo(facilitator, event.seq)
                    elif event.kind != "undo":
                        decision = "rejected" if action == "reject" else "accepted"
                        service.moderate(facilitator, [event.seq], decision)
            done[action] = done.get(action, 0) + 1
        except (ConflictError, InvalidInput, PermissionError):
            pass  # refusals are part of the game: they must leave the rows consistent
        except StoreError as error:  # pragma: no cover - anything else is a bug
            raise AssertionError(f"{action}: {error}") from error
        _check(service, workshop.id, versions)
    assert sum(done.values()) >= 25, done
    assert {"add", "edit", "link", "undo", "merge"} <= set(done), done
