"""A workshop from creation to export, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from fresque.coverage import compute_coverage
from fresque.io import read_records
from fresque.store import ConflictError, InvalidInput, NotFound, RateLimited, WorkshopClosed
from fresque.store.service import CODE_ALPHABET, WorkshopService

TAG22 = {
    "name": "Incubateur des Côtes-d'Armor",
    "kind": "Structure d'accompagnement",
    "dispositifs": ["Incubateur"],
    "stages": ["émergence", "création"],
    "territory_level": "département",
    "territory_codes": ["Côtes-d'Armor"],
    "commune_code": "Saint-Servais (22)",
}


@pytest.fixture
def national(service: WorkshopService):
    workshop, facilitator = service.create_workshop("Atelier Bretagne", base="national")
    return workshop, facilitator


def test_create_copies_the_base_and_gives_a_code(service, national):
    workshop, facilitator = national
    assert len(workshop.code) == 6 and set(workshop.code) <= set(CODE_ALPHABET)
    assert workshop.moderation == "post" and workshop.status == "open"
    eco = service.current_ecosystem(facilitator)
    assert sorted(eco.structures.index) == [
        "avise",
        "cress_bre",
        "dla_29",
        "initiative_mayenne",
        "tag29",
    ]
    assert len(eco.links) == 3
    log = service.audit_log(facilitator)
    assert [e.kind for e in log] == ["create"]
    assert "Atelier Bretagne" in log[0].summary


def test_region_subset_keeps_national_actors_and_carriers(service):
    workshop, facilitator = service.create_workshop("Mayenne", base="national", region="52")
    eco = service.current_ecosystem(facilitator)
    assert sorted(eco.structures.index) == ["avise", "initiative_mayenne"]
    assert workshop.region == "52"
    with pytest.raises(InvalidInput, match="région inconnue"):
        service.create_workshop("X", base="national", region="99")


def test_join_code_is_forgiving_and_nicknames_unique(service, national):
    workshop, _ = national
    code = workshop.code
    token = service.join(f" {code[:3].lower()}-{code[3:]} ", "Alice")
    assert service.me(token).nickname == "Alice"
    with pytest.raises(InvalidInput, match="déjà pris"):
        service.join(code, "  alice ")
    with pytest.raises(NotFound, match="Aucun atelier"):
        service.join("ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY", "Bob")
    with pytest.raises(NotFound, match="invalide"):
        service.join("12", "Bob")
    with pytest.raises(InvalidInput, match="pseudo"):
        service.join(code, "   ")
    with pytest.raises(InvalidInput, match="trop long"):
        service.join(code, "x" * 41)


def test_participant_adds_a_card_validated_like_an_import(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    card = service.add_structure(alice, TAG22)
    s = card.structure
    assert s.id == "incubateur_des_cotes_d_armor"
    assert (s.kind.value, s.territory_codes, s.commune_code) == (
        "support_structure",
        ["22"],
        "22328",
    )
    assert [v.value for v in s.stages] == ["emergence", "creation"]
    assert card.version == 1
    eco = service.current_ecosystem(facilitator)
    assert s.id in eco.structures.index
    # the same name again gets another identifier
    again = service.add_structure(alice, TAG22)
    assert again.structure.id == "incubateur_des_cotes_d_armor_2"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({**TAG22, "kind": "licorne"}, "kind", "Valeur inconnue"),
        ({**TAG22, "territory_codes": ["Atlantide"]}, "territory_codes", "Atlantide"),
        ({**TAG22, "dispositifs": ["incubatuer"]}, "dispositifs", "Vouliez-vous dire"),
        ({**TAG22, "name": "x" * 121}, "name", "trop long"),
        ({**TAG22, "description": "y" * 1001}, "description", "trop long"),
        ({**TAG22, "website": "www.sans-http.fr"}, "website", "adresse web"),
        ({**TAG22, "source_urls": [f"https://a.fr/{i}" for i in range(21)]}, "source_urls", "20"),
        ({**TAG22, "carrier_id": "inconnue"}, "carrier_id", "structure porteuse"),
        ({**TAG22, "couleur": "rouge"}, "couleur", "champ inconnu"),
        ({**TAG22, "name": "!!!"}, "name", "lettre"),
        ({k: v for k, v in TAG22.items() if k != "name"}, "name", "obligatoire"),
    ],
)
def test_invalid_cards_are_refused_with_the_field(service, national, values, field, message):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    with pytest.raises(InvalidInput) as caught:
        service.add_structure(alice, values)
    assert field in caught.value.fields, caught.value.fields
    assert message in str(caught.value)
    assert len(service.current_ecosystem(facilitator)) == 5  # nothing written


def test_edit_with_version_and_conflict_gives_the_current_value(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    bob = service.join(workshop.code, "Bob")
    card = service.get_structure(alice, "tag29")
    assert card.version == 1
    first = service.edit_structure(alice, "tag29", {"name": "TAg29 Finistère"}, card.version)
    assert first.version == 2
    with pytest.raises(ConflictError) as caught:
        service.edit_structure(bob, "tag29", {"description": "Incubateur ESS"}, card.version)
    error = caught.value
    assert "Alice" in str(error) and "version" not in str(error)
    assert error.current.name == "TAg29 Finistère" and error.version == 2
    # Bob retries on the current version: both edits are kept
    second = service.edit_structure(bob, "tag29", {"description": "Incubateur ESS"}, error.version)
    now = service.get_structure(facilitator, "tag29")
    assert now.version == 3 == second.version
    assert (now.structure.name, now.structure.description) == ("TAg29 Finistère", "Incubateur ESS")
    # an edit that changes nothing writes nothing
    same = service.edit_structure(bob, "tag29", {"name": "TAg29 Finistère"}, 3)
    assert same.version == 3 and same.seq is None


def test_edit_changes_territory_level_and_codes_together(service, national):
    _workshop, facilitator = national
    card = service.edit_structure(
        facilitator,
        "dla_29",
        {"territory_level": "epci", "territory_codes": ["CA Morlaix Communauté"]},
        1,
    )
    assert card.structure.territory_codes == ["242900835"]
    event = service.audit_log(facilitator)[-1]
    assert event.payload["changes"] == {
        "territory_level": "epci",
        "territory_codes": ["242900835"],
    }
    assert event.payload["before"]["territory_codes"] == ["29"]
    with pytest.raises(InvalidInput, match="identifiant"):
        service.edit_structure(facilitator, "dla_29", {"id": "autre"}, 2)
    with pytest.raises(NotFound):
        service.edit_structure(facilitator, "absente", {"name": "X"}, 1)


def test_links_add_edit_remove(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    link = service.add_link(
        alice, {"source": "dla_29", "target": "tag29", "relation": "Oriente vers"}
    )
    assert (link.link.relation.value, link.version) == ("refers_to", 1)
    with pytest.raises(InvalidInput, match="existe déjà"):
        service.add_link(alice, {"source": "dla_29", "target": "tag29", "relation": "refers_to"})
    with pytest.raises(InvalidInput, match="aucune structure"):
        service.add_link(alice, {"source": "dla_29", "target": "fantome", "relation": "funds"})
    with pytest.raises(InvalidInput, match="elle-même"):
        service.add_link(alice, {"source": "dla_29", "target": "dla_29", "relation": "funds"})
    edited = service.edit_link(alice, link.id, {"description": "orientation des porteurs"}, 1)
    assert edited.version == 2
    with pytest.raises(ConflictError) as caught:
        service.edit_link(alice, link.id, {"relation": "partners_with"}, 1)
    assert caught.value.current.description == "orientation des porteurs"
    service.remove_link(alice, link.id, 2)
    eco = service.current_ecosystem(facilitator)
    assert ("dla_29", "tag29") not in set(zip(eco.links.source, eco.links.target, strict=True))
    with pytest.raises(ConflictError, match="retiré"):
        service.edit_link(alice, link.id, {"description": "?"}, 3)


def test_remove_a_card_takes_its_links_and_carried_cards_let_go(service, national):
    _workshop, facilitator = national
    service.remove_structure(facilitator, "cress_bre", 1)
    eco = service.current_ecosystem(facilitator)
    assert "cress_bre" not in eco.structures.index
    assert eco.get("tag29").carrier_id is None
    assert "cress_bre" not in set(eco.links.source)
    # the export still reads back (no dangling carrier)
    path = service.export(facilitator, service.dataset_dir.parent / "apres.json")
    assert len(read_records(path, territories=service.territories).structures) == 4


def test_undo_any_edit_not_only_the_last(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    a = service.edit_structure(alice, "tag29", {"name": "TAg 29"}, 1)
    b = service.edit_structure(alice, "tag29", {"description": "Incubateur ESS"}, a.version)
    service.edit_structure(facilitator, "tag29", {"website": "https://tag29.fr"}, b.version)
    undo = service.undo(alice, a.seq)  # the first one, two edits later
    card = service.get_structure(facilitator, "tag29")
    assert card.structure.name == "TAg29"
    assert card.structure.description == "Incubateur ESS"
    assert card.structure.website == "https://tag29.fr"
    assert card.version == 5  # every change of the value gives a new version
    with pytest.raises(ConflictError, match="déjà annulée"):
        service.undo(alice, a.seq)
    # undoing the undo redoes
    service.undo(alice, undo)
    assert service.get_structure(facilitator, "tag29").structure.name == "TAg 29"
    log = service.audit_log(facilitator)
    assert [e.kind for e in log[-2:]] == ["undo", "undo"]
    assert next(e for e in log if e.seq == undo).undone_by is not None


def test_undo_a_creation_leaves_later_edits_without_effect(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    card = service.add_structure(alice, TAG22)
    sid = card.structure.id
    edit = service.edit_structure(alice, sid, {"description": "nouvelle"}, 1)
    link = service.add_link(alice, {"source": sid, "target": "tag29", "relation": "partners_with"})
    service.undo(facilitator, card.seq)
    eco = service.current_ecosystem(facilitator)
    assert sid not in eco.structures.index and len(eco.links) == 3
    assert service.get_structure(facilitator, sid).deleted
    assert service.get_link(facilitator, link.id).deleted
    # redo: creation, edit and link all come back
    service.undo(facilitator, service.audit_log(facilitator)[-1].seq)
    eco = service.current_ecosystem(facilitator)
    assert eco.get(sid).description == "nouvelle" and len(eco.links) == 4
    assert edit.seq < link.seq


@pytest.fixture
def worker(engine, territories, dataset_dir, clock):
    """Another gunicorn worker on the same database: ``worker(**options)`` is a
    :class:`WorkshopService` with caches of its own (``snapshot_cache=0``: none)."""

    def start(**options) -> WorkshopService:
        return WorkshopService(
            engine,
            territories=territories,
            dataset_dir=dataset_dir,
            clock=clock,
            upgrade=False,
            **options,
        )

    return start


def _duplicates_from_scratch(service, facilitator, threshold=0.8):
    """The duplicate pairs by the plain rule, every card added against every card: what
    the incremental suggestions must always equal."""
    import difflib

    from fresque.model import Level
    from fresque.store.duplicates import name_key

    cards = [c for c in service.cards(facilitator) if not c.deleted]

    def communes(structure):
        try:
            return {
                p
                for code in structure.territory_codes
                for p in service.territories.commune_positions(
                    (structure.territory_level.value, code)
                )
            }
        except (LookupError, ValueError):
            return None

    def share(a, b):
        levels = (a.territory_level.value, b.territory_level.value)
        if Level.COUNTRY.value in levels:
            return levels[0] == levels[1]
        one, other = communes(a), communes(b)
        return one is not None and other is not None and bool(one & other)

    found = {}
    for new in [c for c in cards if c.created_by is not None]:
        key = name_key(new.structure.name)
        for other in cards:
            if other is new:
                continue
            other_key = name_key(other.structure.name)
            if not key or not other_key:
                continue
            score = difflib.SequenceMatcher(None, other_key, key, autojunk=False).ratio()
            inside = min(len(key), len(other_key)) >= 4 and (key in other_key or other_key in key)
            if (score >= threshold or inside) and share(new.structure, other.structure):
                pair = tuple(sorted((new.structure.id, other.structure.id)))
                found[pair] = max(found.get(pair, 0), round(max(score, threshold), 3))
    return found


def test_duplicate_suggestions_follow_every_change_as_from_scratch(service, national, worker):
    """The pairs are kept between calls and only changed cards compared again; after
    each add, rename, move, removal, merge and undo (made by another worker) they equal
    a comparison of every card from scratch, and a fresh process's."""
    workshop, facilitator = national
    other = worker()
    alice = service.join(workshop.code, "Alice")
    card = {"kind": "support_structure", "territory_level": "departement"}
    tag = lambda: other.get_structure(alice, "tag_29")  # noqa: E731
    steps = [
        lambda: None,
        lambda: other.add_structure(alice, {**card, "name": "Tag 29", "territory_codes": ["29"]}),
        lambda: other.add_structure(
            alice, {**card, "name": "TAg 29 Finistère", "territory_codes": ["29"]}
        ),
        lambda: other.add_structure(alice, {**card, "name": "Tag 29", "territory_codes": ["53"]}),
        lambda: other.edit_structure(alice, "tag_29", {"name": "Pépinière"}, tag().version),
        lambda: other.edit_structure(alice, "tag_29", {"name": "TAg29"}, tag().version),
        lambda: other.edit_structure(alice, "tag_29", {"territory_codes": ["53"]}, tag().version),
        lambda: other.remove_structure(alice, "tag_29_finistere", 1),
        lambda: other.undo(facilitator, other.workshop(facilitator).version),
        lambda: other.merge_structures(facilitator, "tag29", "tag_29_finistere"),
    ]
    counts = []
    for step in steps:
        step()
        got = service.duplicate_suggestions(facilitator)
        assert {(d.first, d.second): d.score for d in got} == _duplicates_from_scratch(
            service, facilitator
        )
        fresh = worker()
        assert fresh.duplicate_suggestions(facilitator) == got
        counts.append(len(got))
    assert max(counts) >= 2 and counts[0] == 0  # the steps made and unmade pairs


def test_merge_duplicates_keeps_both_histories_and_moves_links(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    dup = service.add_structure(
        alice,
        {
            "name": "Tag 29",
            "kind": "support_structure",
            "territory_level": "departement",
            "territory_codes": ["29"],
            "website": "https://tag29.fr",
        },
    )
    service.edit_structure(alice, dup.structure.id, {"description": "vu en atelier"}, 1)
    service.add_link(alice, {"source": dup.structure.id, "target": "dla_29", "relation": "funds"})
    service.add_link(alice, {"source": "avise", "target": dup.structure.id, "relation": "animates"})
    suggestions = service.duplicate_suggestions(facilitator)
    assert [(d.first, d.second) for d in suggestions] == [("tag29", "tag_29")]
    merged = service.merge_structures(
        facilitator, "tag29", "tag_29", {"website": "https://tag29.fr"}
    )
    assert merged.structure.website == "https://tag29.fr"
    eco = service.current_ecosystem(facilitator)
    assert "tag_29" not in eco.structures.index
    edges = set(zip(eco.links.source, eco.links.target, eco.links.relation, strict=True))
    assert ("tag29", "dla_29", "funds") in edges  # moved
    assert ("avise", "tag29", "animates") in edges  # was there already: kept once
    assert len(eco.links) == 4
    history = service.history(facilitator, "tag29")
    kinds = [(e.kind, e.target) for e in history]
    assert ("add_structure", "tag_29") in kinds  # the duplicate's own history
    assert ("edit_structure", "tag_29") in kinds
    assert ("merge", "tag29") in kinds
    gone = service.get_structure(facilitator, "tag_29")
    assert gone.deleted and gone.merged_into == "tag29"
    # undo the merge: both cards are back as they were
    service.undo(facilitator, history[-1].seq)
    eco = service.current_ecosystem(facilitator)
    assert eco.get("tag_29").description == "vu en atelier"
    assert eco.get("tag29").website is None
    assert not service.get_structure(facilitator, "tag_29").merged_into


def test_post_moderation_shows_at_once_and_rejection_removes(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    viewer = service.create_viewer_link(facilitator)
    card = service.add_structure(alice, TAG22)
    sid = card.structure.id
    assert sid in service.current_ecosystem(viewer).structures.index
    assert [e.seq for e in service.pending(facilitator)] == [card.seq]
    service.moderate(facilitator, card.seq, "rejected")
    assert sid not in service.current_ecosystem(viewer).structures.index
    assert service.pending(facilitator) == []
    service.moderate(facilitator, [card.seq], "accepted")
    assert sid in service.current_ecosystem(viewer).structures.index
    assert service.moderate(facilitator, [card.seq], "accepted") is None  # nothing changes


def test_pre_moderation_shows_accepted_edits_only(service):
    workshop, facilitator = service.create_workshop("Pré", base="national", moderation="pre")
    alice = service.join(workshop.code, "Alice")
    bob = service.join(workshop.code, "Bob")
    viewer = service.create_viewer_link(facilitator)
    card = service.add_structure(alice, TAG22)
    sid = card.structure.id
    edit = service.edit_structure(alice, "tag29", {"name": "TAg 29"}, 1)
    for token in (viewer, bob, alice, facilitator):
        eco = service.current_ecosystem(token)
        assert sid not in eco.structures.index
        assert eco.get("tag29").name == "TAg29"
    assert sid in service.current_ecosystem(facilitator, include_pending=True).structures.index
    # others do not see pending edits in the feed; the author sees their own
    assert card.seq not in [e.seq for e in service.changes_since(bob, 0).events]
    assert card.seq in [e.seq for e in service.changes_since(alice, 0).events]
    service.moderate(facilitator, [edit.seq], "accepted")
    assert service.current_ecosystem(viewer).get("tag29").name == "TAg 29"
    assert sid not in service.current_ecosystem(viewer).structures.index
    service.moderate(facilitator, [card.seq], "accepted")
    assert sid in service.current_ecosystem(viewer).structures.index
    assert card.seq in [e.seq for e in service.changes_since(bob, 0).events]
    # the export follows the board
    records = service.records(facilitator)
    assert sid in records.structure_ids


def test_phases_reveal_kinds_and_open_links(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    viewer = service.create_viewer_link(facilitator)
    updated = service.set_phase(facilitator, "1. L’accompagnement", ["accompagnement"], False)
    assert updated.phase.kinds == ("support_structure",) and not updated.phase.links_open
    assert sorted(service.current_ecosystem(viewer).structures.index) == ["dla_29", "tag29"]
    assert len(service.current_ecosystem(facilitator)) == 5
    assert len(service.current_ecosystem(facilitator, revealed_only=True)) == 2
    service.add_structure(alice, TAG22)
    with pytest.raises(PermissionError, match="n’ouvre pas les cartes « Financeur »"):
        service.add_structure(alice, {**TAG22, "name": "Fonds", "kind": "funder"})
    with pytest.raises(PermissionError, match="n’ouvre pas"):
        service.edit_structure(alice, "avise", {"description": "x"}, 1)
    with pytest.raises(PermissionError, match="liens ne sont pas encore ouverts"):
        service.add_link(alice, {"source": "dla_29", "target": "tag29", "relation": "funds"})
    service.set_phase(facilitator, "2. Tout", None, True)
    service.add_link(alice, {"source": "dla_29", "target": "tag29", "relation": "funds"})
    assert len(service.current_ecosystem(viewer)) == 6


def test_rate_limit_per_participant_counted_in_the_database(service, clock):
    workshop, facilitator = service.create_workshop(
        "Rapide", base="vide", rate_limit=3, rate_window=10
    )
    alice = service.join(workshop.code, "Alice")
    bob = service.join(workshop.code, "Bob")
    for i in range(3):
        service.add_structure(alice, {**TAG22, "name": f"Carte {i}"})
    with pytest.raises(RateLimited) as caught:
        service.add_structure(alice, {**TAG22, "name": "Carte 3"})
    assert 0 < caught.value.retry_after <= 10
    assert "Réessayez dans" in str(caught.value)
    service.add_structure(bob, {**TAG22, "name": "Carte de Bob"})  # Bob has his own budget
    for i in range(5):  # the facilitator is not limited
        service.add_structure(facilitator, {**TAG22, "name": f"Animation {i}"})
    # another service on the same database (another worker) counts the same edits
    other = WorkshopService(
        service.engine, territories=service.territories, clock=clock, upgrade=False
    )
    with pytest.raises(RateLimited):
        other.add_structure(alice, {**TAG22, "name": "Carte 3"})
    clock.advance(11)
    service.add_structure(alice, {**TAG22, "name": "Carte 3"})


def test_closed_workshop_refuses_participants(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    service.close(facilitator)
    with pytest.raises(WorkshopClosed, match="clos"):
        service.add_structure(alice, TAG22)
    with pytest.raises(WorkshopClosed):
        service.join(workshop.code, "Bob")
    # the facilitator may still tidy up, then reopen
    service.edit_structure(facilitator, "tag29", {"name": "TAg 29"}, 1)
    service.reopen(facilitator)
    service.add_structure(alice, TAG22)


def test_changes_since_for_polling(service, national):
    workshop, facilitator = national
    viewer = service.create_viewer_link(facilitator)
    start = service.workshop(viewer).version
    assert not service.changes_since(viewer, start).changed
    alice = service.join(workshop.code, "Alice")
    card = service.add_structure(alice, TAG22)
    changes = service.changes_since(viewer, start)
    assert changes.version == card.seq
    assert [e.kind for e in changes.events] == ["join", "add_structure"]
    assert changes.events[1].author == "Alice"
    assert "Incubateur des Côtes-d'Armor" in changes.events[1].summary
    assert not service.changes_since(viewer, changes.version).changed
    with pytest.raises(InvalidInput):
        service.changes_since(viewer, changes.version + 5)
    assert service.changes_since(viewer, 0, limit=2).truncated


def test_current_ecosystem_feeds_the_coverage_engine(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    before = compute_coverage(service.current_ecosystem(facilitator))
    service.add_structure(alice, TAG22)
    after = compute_coverage(service.current_ecosystem(facilitator))
    assert type(before) is type(after)
    eco = service.current_ecosystem(facilitator)
    assert "incubateur_des_cotes_d_armor" in eco.serving("22", level="departement").contains


@pytest.mark.parametrize("suffix", [".xlsx", ".json", ""])
def test_export_round_trips_through_read_records(service, national, tmp_path, suffix):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    card = service.add_structure(alice, {**TAG22, "description": "=SOMME(A1:A2) piège"})
    service.add_link(
        alice, {"source": card.structure.id, "target": "tag29", "relation": "partners_with"}
    )
    service.edit_structure(alice, "dla_29", {"stages": ["consolidation"]}, 1)
    path = service.export(facilitator, tmp_path / f"atelier{suffix or '_csv'}")
    read = read_records(path, territories=service.territories)
    assert read.sorted() == service.records(facilitator)
    assert service.audit_log(facilitator)[-1].kind == "export"


def test_merge_into_dataset_with_a_readable_diff(service, national, dataset_dir):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    card = service.add_structure(alice, TAG22)
    edit = service.edit_structure(alice, "tag29", {"website": "https://tag29.fr"}, 1)
    service.remove_structure(facilitator, "dla_29", 1)
    pending_edit = service.edit_structure(alice, "avise", {"description": "en attente"}, 1)
    service.moderate(facilitator, [card.seq, edit.seq], "accepted")
    with pytest.raises(PermissionError, match="closez"):
        service.merge_into_dataset(facilitator)
    service.close(facilitator)
    # meanwhile the curated dataset changed a field the workshop did not touch
    curated = read_records(dataset_dir)
    tag29 = next(s for s in curated.structures if s.id == "tag29")
    tag29.description = "mis à jour hors atelier"
    from fresque.io.tables import write_csv_dir

    write_csv_dir(curated, dataset_dir)
    preview = service.merge_into_dataset(facilitator)
    text = preview.format()
    assert "+ structure ajoutée : incubateur_des_cotes_d_armor" in text
    assert "~ structure modifiée : tag29" in text and "https://tag29.fr" in text
    assert "- structure retirée : dla_29" in text
    assert "avise" not in text  # pending edits stay out
    # the names of what the diff mentions, removed cards included (for the panel)
    assert (
        preview.names["dla_29"]
        == curated.structures[[s.id for s in curated.structures].index("dla_29")].name
    )
    assert preview.names["incubateur_des_cotes_d_armor"] == TAG22["name"]
    assert not preview.written
    assert read_records(dataset_dir).structure_ids == curated.structure_ids  # not written
    done = service.merge_into_dataset(facilitator, write=True)
    assert done.written
    result = {s.id: s for s in read_records(dataset_dir).structures}
    assert "incubateur_des_cotes_d_armor" in result and "dla_29" not in result
    assert result["tag29"].website == "https://tag29.fr"
    assert result["tag29"].description == "mis à jour hors atelier"  # kept
    assert service.workshop(facilitator).status == "merged"
    with pytest.raises(WorkshopClosed):
        service.edit_structure(facilitator, "avise", {"name": "A"}, pending_edit.version)
    with pytest.raises(WorkshopClosed, match="déjà été versé"):
        service.merge_into_dataset(facilitator)


def test_similar_structures_before_adding(service, national):
    workshop, _facilitator = national
    alice = service.join(workshop.code, "Alice")
    found = service.similar_structures(
        alice, {"name": "Tag 29", "territory_level": "departement", "territory_codes": ["29"]}
    )
    assert [c.structure.id for c in found] == ["tag29"]
    assert (
        service.similar_structures(
            alice, {"name": "Tag 29", "territory_level": "departement", "territory_codes": ["53"]}
        )
        == []
    )


def test_state_is_shared_between_services(service, national, territories, clock):
    """No state in the process: a second service (another worker) sees every write."""
    workshop, facilitator = national
    other = WorkshopService(service.engine, territories=territories, clock=clock, upgrade=False)
    alice = other.join(workshop.code, "Alice")
    other.add_structure(alice, TAG22)
    assert len(service.current_ecosystem(facilitator)) == 6
    service.edit_structure(facilitator, "tag29", {"name": "TAg 29"}, 1)
    assert other.current_ecosystem(alice).get("tag29").name == "TAg 29"


def test_identifiers_from_names_never_collide(service):
    _workshop, facilitator = service.create_workshop("Noms", base="vide")
    made = [
        service.add_structure(facilitator, {**TAG22, "name": name}).structure.id
        for name in ("Fonds 1", "Fonds 1", "Fonds", "Fonds-1", "Fonds_1 2", "Fondsx1")
    ]
    assert made == ["fonds_1", "fonds_1_2", "fonds", "fonds_1_3", "fonds_1_2_2", "fondsx1"]
    service.remove_structure(facilitator, "fonds", 1)
    again = service.add_structure(facilitator, {**TAG22, "name": "Fonds"})
    assert again.structure.id == "fonds_2"  # a removed card keeps its identifier


def test_a_card_named_in_any_script_is_a_card(service):
    """Issue #13: « حاضنة مشاريع بريست » was refused: « le nom doit contenir au moins une
    lettre ou un chiffre ». A bidi override is refused with its reason; a vertical tab (what
    Word's Shift+Enter pastes) never reaches the store."""
    _workshop, facilitator = service.create_workshop("Écritures", base="vide")
    arabic = service.add_structure(facilitator, {**TAG22, "name": "حاضنة مشاريع بريست"})
    assert arabic.structure.name == "حاضنة مشاريع بريست"
    assert arabic.structure.id.startswith("s_")
    tokyo = service.add_structure(facilitator, {**TAG22, "name": "東京"})
    assert tokyo.structure.id != arabic.structure.id
    pasted = service.add_structure(
        facilitator, {**TAG22, "name": "TAg\x0b22", "description": "a\x0bb\x00c"}
    )
    assert (pasted.structure.name, pasted.structure.description) == ("TAg 22", "a\nbc")
    with pytest.raises(InvalidInput, match="sens d’écriture"):
        service.add_structure(facilitator, {**TAG22, "name": "abc\u202edef"})


def test_oversized_forms_are_refused_before_parsing(service):
    _workshop, facilitator = service.create_workshop("Gros", base="vide")
    with pytest.raises(InvalidInput, match="formulaire trop grand"):
        service.add_structure(facilitator, {f"champ{i}": "x" for i in range(1000)})
    with pytest.raises(InvalidInput, match="trop long"):
        service.add_structure(facilitator, {**TAG22, "themes": ["x" * 5000]})
    with pytest.raises(InvalidInput, match="type inattendu"):
        service.add_structure(facilitator, {**TAG22, "description": {"a": 1}})


def test_merge_refuses_a_result_that_would_not_read_back(service, national, dataset_dir):
    """The curated dataset lost a carrier the workshop still names: nothing is written."""
    _workshop, facilitator = national
    service.edit_structure(facilitator, "dla_29", {"carrier_id": "cress_bre"}, 1)
    service.close(facilitator)
    curated = read_records(dataset_dir)
    from fresque.io import Records
    from fresque.io.tables import write_csv_dir

    write_csv_dir(
        Records(
            [
                s.model_copy(update={"carrier_id": None})
                for s in curated.structures
                if s.id != "cress_bre"
            ],
            [k for k in curated.links if "cress_bre" not in (k.source, k.target)],
        ),
        dataset_dir,
    )
    with pytest.raises(ConflictError, match="porteuses absentes : dla_29"):
        service.merge_into_dataset(facilitator, write=True)
    assert service.workshop(facilitator).status == "closed"


def test_cards_and_links_say_who_added_them(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    card = service.add_structure(alice, TAG22)
    link = service.add_link(
        alice, {"source": card.structure.id, "target": "tag29", "relation": "partners_with"}
    )
    by_id = {c.structure.id: c.created_by for c in service.cards(facilitator)}
    assert by_id[card.structure.id] == service.me(alice).id
    assert by_id["tag29"] is None  # the base dataset's
    assert [k.created_by for k in service.link_cards(alice) if k.id == link.id] == [
        service.me(alice).id
    ]


def test_a_stale_removal_gets_the_current_value(service, national):
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    card = service.add_structure(alice, TAG22)
    sid = card.structure.id
    link = service.add_link(alice, {"source": sid, "target": "tag29", "relation": "funds"})
    service.edit_structure(facilitator, sid, {"website": "https://tag22.fr"}, 1)
    service.edit_link(facilitator, link.id, {"description": "depuis 2021"}, 1)
    with pytest.raises(ConflictError, match="pendant que vous la retiriez") as caught:
        service.remove_structure(alice, sid, 1)
    assert caught.value.version == 2 and caught.value.current.website == "https://tag22.fr"
    with pytest.raises(ConflictError, match="pendant que vous le retiriez") as caught_link:
        service.remove_link(alice, link.id, 1)
    assert caught_link.value.current.description == "depuis 2021"
    assert caught_link.value.version == 2
    service.remove_link(alice, link.id, 2)
    service.remove_structure(alice, sid, 2)
    with pytest.raises(ConflictError, match="retirée de l’atelier pendant que vous la retiriez"):
        service.remove_structure(alice, sid, 2)
    assert sid not in service.current_ecosystem(facilitator).structures.index


def _seen(snapshot) -> tuple[dict, dict]:
    """A snapshot's cards and links as comparable values."""
    cards = {
        sid: (c.version, c.seq, c.created_by, c.structure.model_dump())
        for sid, c in snapshot.cards_by_id.items()
    }
    links = {
        lid: (k.version, k.seq, k.link.model_dump()) for lid, k in snapshot.links_by_id.items()
    }
    return cards, links


def test_cached_snapshots_follow_every_version_across_workers(service, national, worker):
    """Two gunicorn workers: one reads (warm cache), the other writes; every read of the
    first matches what an uncached reader sees at that version."""
    workshop, facilitator = national
    other = worker()
    fresh = worker(snapshot_cache=0)
    alice = service.join(workshop.code, "Alice")
    warm = service.reader(alice)
    assert warm.snapshot is service.reader(alice).snapshot  # same version: same object
    card = other.add_structure(alice, TAG22)
    sid = card.structure.id
    steps = [
        lambda: other.edit_structure(alice, sid, {"name": "Incubateur 22"}, 1),
        lambda: other.add_link(alice, {"source": sid, "target": "tag29", "relation": "funds"}),
        lambda: other.merge_structures(facilitator, "tag29", "dla_29"),
        lambda: other.undo(facilitator, other.workshop(facilitator).version),
        lambda: other.remove_link(alice, other.link_cards(alice)[-1].id, 1),
        lambda: other.remove_structure(alice, sid, 2),
    ]
    before = service.snapshots.builds
    for step in [lambda: None, *steps]:
        step()
        version = fresh.workshop(alice).version
        got = service.reader(alice)
        assert got.workshop.version == got.snapshot.seq == version
        assert _seen(got.snapshot) == _seen(fresh.snapshot(alice))
        assert [c.structure.id for c in service.cards(alice)] == sorted(got.snapshot.cards_by_id)
        assert max(e.seq for e in got.recent_events) == version
    assert service.snapshots.builds == before  # each version came from the cached one
    assert service.snapshots.updates >= len(steps)
    names = service.snapshot(alice).names
    assert sid not in names and "dla_29" in names  # removed; the merge undone


def test_a_warm_cache_never_lets_a_blocked_or_unknown_member_read(service, national):
    from fresque.store import InvalidToken, PermissionDenied

    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    service.add_structure(alice, TAG22)
    service.reader(alice)  # the version is cached
    version = service.workshop(facilitator).version
    service.block(facilitator, _member_id(service, facilitator, "Alice"))
    reads = (service.reader, service.snapshot, service.cards, service.recent_events)
    for read in (*reads, service.version):
        with pytest.raises(PermissionDenied, match="suspendu"):
            read(alice)
    for read in (service.snapshot, service.version):
        with pytest.raises(InvalidToken):
            read("pas-un-jeton")
    service.block(facilitator, _member_id(service, facilitator, "Alice"), False)
    assert service.reader(alice).snapshot.seq == version + 2


def test_a_members_own_events_are_read_again_only_when_they_may_have_changed(service, worker):
    """A phone's own events (its undo list) come from the cache while others add and
    edit; an edit of its own, an undo or a moderation by the facilitator (which rewrite
    earlier events' rows, from another worker) make the next read fetch them again.
    Every read matches what an uncached reader sees at that version."""
    workshop, facilitator = service.create_workshop("Pré", base="national", moderation="pre")
    other = worker()
    fresh = worker(snapshot_cache=0)
    alice = service.join(workshop.code, "Alice")
    bob = service.join(workshop.code, "Bob")
    reads = []
    real = service._own_events

    def counted(*args):
        reads.append(args[2]["nickname"])
        return real(*args)

    service._own_events = counted
    sid = other.add_structure(alice, TAG22).structure.id
    steps = [
        (lambda: None, True),  # first read: nothing cached yet
        (lambda: other.add_structure(bob, {**TAG22, "name": "Pépinière 22"}), False),
        (lambda: other.edit_structure(bob, "tag29", {"name": "TAg 29"}, 1), False),
        (lambda: other.edit_structure(alice, sid, {"name": "Incubateur 22"}, 1), True),
        (lambda: other.moderate(facilitator, other.my_events(alice)[-1].seq, "accepted"), True),
        (
            lambda: other.add_link(
                bob, {"source": "tag29", "target": sid, "relation": "partners_with"}
            ),
            False,
        ),
        (lambda: other.undo(facilitator, other.my_events(alice)[-1].seq), True),
        (lambda: other.moderate(facilitator, other.my_events(bob)[-1].seq, "rejected"), True),
        (lambda: None, False),
    ]
    for step, read_again in steps:
        step()
        before = len(reads)
        got = service.reader(alice)
        assert len(reads) - before == (1 if read_again else 0), step
        expected = fresh.reader(alice)
        assert got.workshop.version == expected.workshop.version
        assert got.own_events == expected.own_events
        assert got.recent_events == expected.recent_events
    statuses = [(e.kind, e.status, e.undone_by is not None) for e in got.own_events]
    assert ("edit_structure", "accepted", True) in statuses  # moderated, then undone


def _member_id(service, facilitator, nickname):
    return next(m.id for m in service.members(facilitator) if m.nickname == nickname)


def test_accepted_ids_follow_moderation(service):
    workshop, facilitator = service.create_workshop("Avant", base="national", moderation="pre")
    alice = service.join(workshop.code, "Alice")
    card = service.add_structure(alice, TAG22)
    sid = card.structure.id

    def check() -> frozenset[str]:
        service._cache.clear()  # no board built yet: the ids come from the replay
        ids = service.accepted_ids(alice)
        eco = service.current_ecosystem(facilitator, include_pending=False)
        assert ids == frozenset(eco.structures.index)
        assert service.accepted_ids(alice) == ids  # now from the board's cache
        return ids

    assert sid not in check()
    service.moderate(facilitator, card.seq, "accepted")
    assert sid in check()
    service.undo(facilitator, card.seq)
    assert sid not in check()


def _same_records(records, eco) -> None:
    """``records`` hold what ``eco`` holds, in the order every writer uses."""
    assert records == eco.records.sorted()
    assert [s.id for s in records.structures] == sorted(s.id for s in records.structures)


def test_current_records_are_what_the_current_ecosystem_holds(service, national):
    """The board draws from :meth:`current_records`: the same structures and links as
    :meth:`current_ecosystem` for every role, once a phase hides a kind (links to hidden
    cards left out), after an edit and a removal, and in a ``pre`` workshop whose
    participants and viewers see accepted edits only."""
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    viewer = service.create_viewer_link(facilitator)
    card = service.add_structure(alice, TAG22)
    service.add_link(
        alice, {"source": card.structure.id, "target": "avise", "relation": "member_of"}
    )
    service.edit_structure(alice, "tag29", {"name": "TAg 29"}, 1)
    service.set_phase(facilitator, "Sans réseaux", ["support_structure", "chamber"])
    for token in (facilitator, alice, viewer):
        for revealed in (None, True, False):
            records = service.current_records(token, revealed_only=revealed)
            _same_records(records, service.current_ecosystem(token, revealed_only=revealed))
    to_avise = (card.structure.id, "avise")
    hidden = service.current_records(viewer)
    assert "avise" not in {s.id for s in hidden.structures}
    assert to_avise not in {(k.source, k.target) for k in hidden.links}
    assert to_avise in {(k.source, k.target) for k in service.current_records(facilitator).links}
    service.remove_structure(alice, card.structure.id, 1)
    _same_records(service.current_records(facilitator), service.current_ecosystem(facilitator))

    pre, boss = service.create_workshop("Pré", base="national", moderation="pre")
    bob = service.join(pre.code, "Bob")
    added = service.add_structure(bob, TAG22)
    for token, pending in ((bob, None), (boss, None), (boss, True)):
        records = service.current_records(token, include_pending=pending)
        _same_records(records, service.current_ecosystem(token, include_pending=pending))
        assert (added.structure.id in {s.id for s in records.structures}) is bool(pending)


def test_pending_latest_reads_only_the_newest_edits(service, national):
    """The panel lists the latest pending edits, oldest first, as the whole list ends;
    an undone edit is no longer pending."""
    workshop, facilitator = national
    alice = service.join(workshop.code, "Alice")
    for n in range(6):
        service.add_structure(alice, {**TAG22, "name": f"Incubateur n° {n}"})
    undone = service.edit_structure(alice, "tag29", {"description": "x"}, 1)
    service.undo(alice, undone.seq)
    every = service.pending(facilitator)
    assert undone.seq not in [e.seq for e in every]
    latest = service.pending(facilitator, latest=3)
    assert [e.seq for e in latest] == [e.seq for e in every[-3:]]
    assert latest[-1].summary == every[-1].summary and len(every) > 3
