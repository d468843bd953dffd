"""The workshop view builders: join URL and QR code, "just added" marks, card and log rows."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from types import SimpleNamespace
from urllib.parse import unquote

import pytest

from fresque.model import Structure
from fresque.views.workshop import (
    JUST_ADDED_CLASS,
    card_rows,
    event_rows,
    format_code,
    join_url,
    just_added,
    just_added_style,
    mark_just_added,
    qr_svg_data_uri,
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
