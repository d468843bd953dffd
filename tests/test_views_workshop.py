"""The workshop view builders: join URL and QR code, "just added" marks, card and log rows."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from types import SimpleNamespace
from urllib.parse import unquote

import pytest

from fresque.i18n import t
from fresque.io.validate import FieldChange, MergeReport, RecordChange
from fresque.model import Link, Structure
from fresque.views.workshop import (
    JUST_ADDED_CLASS,
    card_rows,
    dataset_diff,
    event_rows,
    field_change_words,
    format_code,
    join_url,
    just_added,
    just_added_style,
    link_rows,
    link_words,
    mark_just_added,
    qr_svg_data_uri,
    structure_words,
    value_words,
)

NOW = datetime(2026, 11, 26, 12, 0, 0)


def event(seq, kind="add_structure", target="a", seconds_ago=1, active=True, **extra):
    values = {
        "seq": seq,
        "kind": kind,
        "target": target,
        "created_at": NOW - timedelta(seconds=seconds_ago),
        "active": active,
        "author": "Alice",
        "summary": f"a fait {kind}",
        "status": "pending",
        "undone_by": None if active else seq + 1,
    }
    values.update(extra)
    return SimpleNamespace(**values)


def card(sid, name, seq, version=1, **fields):
    structure = Structure(
        id=sid,
        name=name,
        kind=fields.pop("kind", "support_structure"),
        territory_level="departement",
        territory_codes=["29"],
        **fields,
    )
    return SimpleNamespace(structure=structure, version=version, seq=seq)


def test_join_url_and_code():
    assert join_url("http://h:8050/", "ABC234") == "http://h:8050/atelier?code=ABC234"
    assert format_code("ABC234") == "ABC 234"
    assert format_code("AB") == "AB"


def test_qr_code_is_an_svg_data_uri_of_the_url():
    uri = qr_svg_data_uri("http://127.0.0.1:8050/atelier?code=ABC234")
    assert uri.startswith("data:image/svg+xml")
    payload = uri.split(",", 1)[1]
    svg = base64.b64decode(payload).decode() if ";base64" in uri else unquote(payload)
    assert svg.lstrip().startswith("<svg") or "<svg" in svg
    assert "<script" not in svg
    # The same text gives the same code; another text another one.
    assert uri == qr_svg_data_uri("http://127.0.0.1:8050/atelier?code=ABC234")
    assert uri != qr_svg_data_uri("http://127.0.0.1:8050/atelier?code=ABC235")


def test_qr_code_of_a_join_url_stays_small_and_robust():
    segno = pytest.importorskip("segno")
    qr = segno.make("https://fresque.example.org/atelier?code=ABC234", error="m", micro=False)
    version, error = qr.designator.split("-")
    assert int(version) <= 4  # big modules: readable from the back of the room
    assert error in ("M", "Q", "H")


def test_just_added_keeps_recent_active_card_events():
    events = [
        event(1, seconds_ago=120),
        event(2, target="b"),
        event(3, target="b", kind="edit_structure"),
        event(4, target="c", active=False),
        event(5, kind="join", target=None),
        event(6, kind="add_link", target="a"),
        event(7, kind="merge", target="d"),
    ]
    assert just_added(events, NOW) == {"b": 3, "d": 7}
    assert just_added(events, NOW, seconds=600) == {"a": 1, "b": 3, "d": 7}


def test_mark_just_added_marks_nodes_only_and_copies():
    elements = [
        {"data": {"id": "a"}, "classes": "structure"},
        {"data": {"id": "b"}, "classes": "structure"},
        {"data": {"id": "a->b:funds", "source": "a", "target": "b"}, "classes": "link"},
    ]
    out = mark_just_added(elements, {"a", "a->b:funds"})
    assert out[0]["classes"] == f"structure {JUST_ADDED_CLASS}"
    assert out[1] is elements[1]
    assert out[2]["classes"] == "link"
    assert elements[0]["classes"] == "structure"  # the cached elements stay untouched
    assert any(JUST_ADDED_CLASS in rule["selector"] for rule in just_added_style())


def test_card_rows_recent_first_with_labels():
    cards = [
        card("old", "Ancienne", seq=2),
        card("new", "Nouvelle", seq=9, dispositifs=["incubateur"], stages=["emergence"]),
        card("mid", "Milieu", seq=5),
    ]
    rows = card_rows(cards, recent={"mid": 5})
    assert [r["id"] for r in rows] == ["mid", "new", "old"]
    assert rows[1]["details"] == "Incubateur, Émergence"
    assert rows[0]["kind"] == "Structure d’accompagnement"
    assert card_rows(cards, lang="en")[0]["kind"] == "Support organisation"
    assert len(card_rows(cards, limit=2)) == 2
    assert card_rows(cards, mine={"old"})[0]["id"] == "old"


def test_card_rows_keep_names_as_text():
    name = '<img src=x onerror="alert(1)">'
    assert card_rows([card("x", name, seq=1)])[0]["name"] == name


def test_event_rows_newest_first_with_undo():
    events = [
        event(1, kind="create", target=None),
        event(2),
        event(3, kind="undo"),
        event(4, active=False),
    ]
    rows = event_rows(events)
    assert [r["seq"] for r in rows] == [4, 3, 2, 1]
    assert [r["undoable"] for r in rows] == [False, True, True, False]
    assert rows[0]["undone"] is True
    assert re.fullmatch(r"\d\d:\d\d:\d\d", rows[0]["time"])
    assert len(event_rows(events, limit=2)) == 2


def plain(text: str) -> str:
    return text.replace("\xa0", " ")


def test_card_rows_removable_only_for_the_one_who_added_it():
    cards = [
        SimpleNamespace(**{**vars(card("a", "A", seq=1)), "created_by": 7}),
        SimpleNamespace(**{**vars(card("b", "B", seq=2)), "created_by": 8}),
        card("c", "C (jeu de base)", seq=3),  # no created_by: the base dataset's
    ]
    rows = {r["id"]: r["removable"] for r in card_rows(cards, owner=7)}
    assert rows == {"a": True, "b": False, "c": False}
    assert not any(r["removable"] for r in card_rows(cards))  # no reader, no button


@pytest.mark.parametrize(
    ("field", "value", "fr", "en"),
    [
        ("kind", "funder", "Financeur", "Funder"),
        ("stages", ["ideation", "creation"], "Idéation, Création", None),
        ("territory_codes", ["29", "22"], "29, 22", "29, 22"),
        ("website", None, "(vide)", "(empty)"),
        ("dispositifs", [], "(vide)", "(empty)"),
        ("name", '<b>"Café"</b> 🌱', '<b>"Café"</b> 🌱', '<b>"Café"</b> 🌱'),
    ],
)
def test_value_words(field, value, fr, en):
    assert value_words(field, value, "fr") == fr
    if en is not None:
        assert value_words(field, value, "en") == en


def test_field_changes_and_cards_in_words():
    assert plain(field_change_words("name", "A", "B")) == "Nom : « A » → « B »"
    assert plain(field_change_words("website", None, "https://x.fr", "en")) == (
        "Website: “(empty)” → “https://x.fr”"
    )
    s = Structure(
        id="a",
        name="TAg29",
        kind="support_structure",
        dispositifs=["incubateur"],
        territory_level="departement",
        territory_codes=["29"],
    )
    lines = [plain(line) for line in structure_words(s)]
    assert lines[0] == "Nom : TAg29" and "Dispositifs : Incubateur" in lines
    assert not any(line.startswith("Site web") for line in lines)  # empty fields left out


def test_link_rows_are_the_readers_own_links_newest_first_by_name():
    def link_card(lid, seq, owner, relation="animates"):
        link = Link(source="a", target="b", relation=relation)
        return SimpleNamespace(id=lid, link=link, version=seq, seq=seq, created_by=owner)

    names = {"a": "Réseau <A>", "b": "Pôle « B »"}
    rows = link_rows(
        [link_card(1, 3, 7), link_card(2, 9, 7, "funds"), link_card(3, 5, 8)], names, owner=7
    )
    assert [(r["id"], r["version"]) for r in rows] == [(2, 9), (1, 3)]
    assert rows[0]["text"] == "« Réseau <A> » → « Pôle « B » » (finance)"
    assert link_rows([link_card(1, 3, 7)], names, owner=None) == []
    assert link_words("x", "y", "refers_to", {}, "en").startswith("“x” → “y” (")


def test_dataset_diff_in_words_field_by_field():
    report = MergeReport(
        added_structures=("pole",),
        changed_structures=(RecordChange("tag29", (FieldChange("name", "TAg29", "TAg 29"),)),),
        unchanged_structures=4,
        added_links=("pole → tag29 (partners_with)",),
        changed_links=(
            RecordChange("a → tag29 (funds)", (FieldChange("description", "", "depuis 2020"),)),
        ),
    )
    merge = SimpleNamespace(
        report=report,
        removed_structures=("dla_29",),
        removed_links=("dla_29 → tag29 (animates)", "pas une clé"),
        names={"pole": "Pôle ESS", "tag29": "TAg 29", "dla_29": "DLA 29"},
    )
    diff = dataset_diff(merge)
    assert (diff["added"], diff["changed"], diff["removed"]) == (2, 2, 3)
    sections = {s["key"]: s for s in diff["sections"]}
    assert list(sections) == [
        "added_structures",
        "changed_structures",
        "removed_structures",
        "added_links",
        "changed_links",
        "removed_links",
    ]
    assert sections["added_structures"]["title"] == t("atelier.merge.added_structures")
    assert sections["added_structures"]["items"][0]["text"] == "« Pôle ESS » (pole)"
    changed = sections["changed_structures"]["items"][0]
    assert [plain(c) for c in changed["changes"]] == ["Nom : « TAg29 » → « TAg 29 »"]
    assert sections["added_links"]["items"][0]["text"].startswith("« Pôle ESS » → « TAg 29 » (")
    assert [plain(c) for c in sections["changed_links"]["items"][0]["changes"]] == [
        "Description : « (vide) » → « depuis 2020 »"
    ]
    removed = [i["text"] for i in sections["removed_links"]["items"]]
    assert removed[0].startswith("« DLA 29 » → « TAg 29 » (") and removed[1] == "pas une clé"
    empty = SimpleNamespace(report=MergeReport(), removed_structures=(), removed_links=())
    assert dataset_diff(empty, "en") == {"added": 0, "changed": 0, "removed": 0, "sections": []}


@pytest.mark.parametrize("seed", range(5))
def test_list_candidates_give_the_same_list_as_sorting_every_card(seed):
    import random
    from types import SimpleNamespace

    from fresque.model import Structure
    from fresque.views.workshop import list_candidates

    rng = random.Random(seed)
    cards = []
    for n in range(300):
        structure = Structure(
            id=f"s{n}",
            name=rng.choice(["Alpha", "beta", "Gamma", "delta"]) + f" {rng.randint(0, 50)}",
            kind="network",
            territory_level="departement",
            territory_codes=["29"],
        )
        seq = rng.choice([0, rng.randint(1, 400)])
        cards.append(SimpleNamespace(structure=structure, version=1, seq=seq, created_by=None))
    by_id = {c.structure.id: c for c in cards}
    latest = sorted(
        (c for c in cards if c.seq > 0), key=lambda c: (-c.seq, c.structure.name.casefold())
    )
    mine = set(rng.sample(sorted(by_id), 30))
    recent = {sid: 1 for sid in rng.sample(sorted(by_id), 25)}
    hidden = set(rng.sample(sorted(by_id), 60)) - mine
    shown = lambda sid: sid not in hidden  # noqa: E731
    everyone = card_rows(
        [c for c in cards if c.seq > 0 and (shown(c.structure.id) or c.structure.id in mine)],
        mine=mine,
        recent=recent,
        limit=40,
    )
    picked = list_candidates(latest, by_id, mine=mine, recent=recent, shown=shown, limit=40)
    assert len(picked) <= 40
    assert card_rows(picked, mine=mine, recent=recent, limit=40) == everyone


@pytest.mark.parametrize(("region", "lang"), [(None, "fr"), ("53", "fr"), ("04", "en")])
def test_the_board_map_is_its_frame_with_new_values(region, lang):
    """The board's map keeps its geometry per set of départements and changes only its
    values: for any counts it is the map drawn in full by ``choropleth_figure``."""
    import json
    import random

    from fresque.coverage import stages_offered_from_structures
    from fresque.ecosystem import load_ecosystem
    from fresque.views.workshop import _board_map_drawn, board_map_figure

    codes = stages_offered_from_structures(load_ecosystem().records.structures, region=region)
    pick = random.Random(len(codes))
    for _ in range(3):
        offered = {code: pick.randint(0, 6) for code in codes.index}
        quick = board_map_figure(offered, region, lang)
        drawn = _board_map_drawn(offered, region, lang)
        assert json.dumps(quick, sort_keys=True, default=str) == json.dumps(
            drawn, sort_keys=True, default=str
        )
        z = dict(zip(quick["data"][0]["locations"], quick["data"][0]["z"], strict=True))
        assert z == {code: float(n) for code, n in offered.items()}


def test_log_times_are_the_rooms_clock(monkeypatch):
    """The store keeps naive UTC; a room reads its own clock (FRESQUE_TIMEZONE)."""
    from fresque.views.workshop import event_rows

    event = SimpleNamespace(
        seq=1,
        kind="join",
        author="Alice",
        summary="a rejoint l’atelier",
        status=None,
        undone_by=None,
        active=True,
        created_at=datetime(2026, 12, 7, 23, 15, 27),
    )
    monkeypatch.delenv("FRESQUE_TIMEZONE", raising=False)
    assert event_rows([event])[0]["time"] == "00:15:27"  # Paris, winter: UTC+1
    monkeypatch.setenv("FRESQUE_TIMEZONE", "America/Cayenne")
    assert event_rows([event])[0]["time"] == "20:15:27"
    monkeypatch.setenv("FRESQUE_TIMEZONE", "Europe/Brest")
    with pytest.raises(ValueError, match="fuseau horaire inconnu « Europe/Brest »"):
        event_rows([event])
