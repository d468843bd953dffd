"""The projector board drawn version after version (:class:`fresque.views.board.BoardDrawing`):
the same elements as :func:`~fresque.views.network.network_elements` of the ecosystem after
every kind of change, while only the cards that changed are worked out again."""

from __future__ import annotations

import random

import pytest

import fresque.views.board
from fresque.ecosystem import Ecosystem, load_ecosystem
from fresque.model import Dispositif, Kind, Link, Relation, Stage, Status, Structure
from fresque.views.board import BoardDrawing
from fresque.views.network import network_elements


@pytest.fixture(scope="module")
def national():
    return load_ecosystem().records


def expected(structures, links, lang="fr"):
    ids = {s.id for s in structures}
    links = [k for k in links if k.source in ids and k.target in ids]
    return network_elements(Ecosystem(structures, links), layout="board", lang=lang)


def new_card(pick: random.Random, n: int) -> Structure:
    return Structure(
        id=f"atelier-{n}",
        name=f"Carte {pick.choice(['Kerpen', 'Aber', 'Lann'])} {n}",
        kind=pick.choice(list(Kind)),
        dispositifs=pick.sample(list(Dispositif), pick.randint(0, 2)),
        stages=pick.sample(list(Stage), pick.randint(0, 2)),
        territory_level="departement",
        territory_codes=[pick.choice(["29", "35", "974"])],
        status=pick.choice([Status.ACTIVE, Status.ACTIVE, Status.EXPECTED, Status.DEFUNCT]),
    )


def edited(pick: random.Random, card: Structure) -> Structure:
    """The card with one field changed, as a participant's edit makes it (a new object)."""
    field = pick.choice(["name", "kind", "stages", "dispositifs", "status"])
    value = {
        "name": f"{card.name} bis",
        "kind": pick.choice(list(Kind)),
        "stages": pick.sample(list(Stage), pick.randint(0, 3)),
        "dispositifs": pick.sample(list(Dispositif), pick.randint(0, 2)),
        "status": pick.choice(list(Status)),
    }[field]
    return Structure.model_validate({**card.model_dump(), field: value})


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_drawing_follows_every_change_as_a_new_ecosystem_would(national, lang):
    """Adds, edits of every field that moves or restyles a node, removals, new and removed
    links (which resize nodes), a link to a removed card: after each, the elements equal
    those of the ecosystem drawn from scratch."""
    pick = random.Random(6)
    structures = {s.id: s for s in national.structures}
    links = {k.key: k for k in national.links}
    drawing = BoardDrawing(lang)
    assert drawing.elements(structures.values(), links.values()) == expected(
        list(structures.values()), list(links.values()), lang
    )
    for step in range(40):
        move = step % 5
        if move == 0:  # a card added, linked to an existing structure
            card = new_card(pick, step)
            structures[card.id] = card
            target = pick.choice(sorted(set(structures) - {card.id}))
            link = Link(source=card.id, target=target, relation="partners_with")
            links[link.key] = link
        elif move in (1, 2):  # an edit of one field
            sid = pick.choice(sorted(structures))
            structures[sid] = edited(pick, structures[sid])
        elif move == 3:  # a card removed: its links go (the board must drop them)
            sid = pick.choice(sorted(s for s in structures if s.startswith("atelier-")) or [""])
            structures.pop(sid, None)
        else:  # a link removed, another added between two structures
            links.pop(pick.choice(sorted(links)))
            source, target = pick.sample(sorted(structures), 2)
            link = Link(source=source, target=target, relation=pick.choice(list(Relation)))
            links[link.key] = link
        found = drawing.elements(structures.values(), links.values())
        want = expected(list(structures.values()), list(links.values()), lang)
        assert found == want, f"step {step}"


def test_a_redraw_works_out_only_the_cards_that_changed(national, monkeypatch):
    """With the same record objects (as the store's snapshots hand them), one added card
    is one tooltip worked out, not one per structure."""
    drawing = BoardDrawing()
    structures = list(national.structures)
    drawing.elements(structures, national.links)
    calls = []
    original = fresque.views.board._tooltip
    monkeypatch.setattr(
        fresque.views.board,
        "_tooltip",
        lambda row, lang: calls.append(row.Index) or original(row, lang),
    )
    card = new_card(random.Random(1), 1)
    elements = drawing.elements([*structures, card], national.links)
    assert calls == [card.id]
    assert any(e["data"]["id"] == card.id for e in elements)
    # An equal record built again (as a replay builds them) is not worked out either.
    again = Structure.model_validate(card.model_dump())
    drawing.elements([*structures, again], national.links)
    assert calls == [card.id]


def test_links_to_structures_not_drawn_are_left_out(national):
    """A phase that hides some kinds leaves the links of the hidden structures out,
    as :meth:`Ecosystem.filter` does."""
    kept = [s for s in national.structures if s.kind is not Kind.FUNDER]
    elements = BoardDrawing().elements(kept, national.links)
    eco = Ecosystem(national.structures, national.links).filter(
        kinds=[k for k in Kind if k is not Kind.FUNDER]
    )
    assert elements == network_elements(eco, layout="board")
    drawn = {e["data"]["id"] for e in elements}
    assert not any(
        e["data"].get("source") not in drawn or e["data"].get("target") not in drawn
        for e in elements
        if "source" in e["data"]
    )
