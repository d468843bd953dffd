"""The state of a workshop as a fold of its edits over the base dataset.

A workshop's state is its base dataset (the cards and links copied when it was created)
with its edits applied in order. Each edit is a *patch*: adding a card gives its whole
value, editing gives only the changed fields, so leaving one edit out (undone, rejected,
or still pending when only accepted edits count) leaves a well-defined state. An edit
that no longer applies once others are left out (the edit of a card whose creation was
rejected, a link to a card that is gone) is skipped.

Values are plain JSON-ready dicts (:func:`structure_data`, :func:`link_data`), as the
database stores them.

Examples
--------
>>> state = State({}, {})
>>> apply(state, ADD_STRUCTURE, {"id": "a", "data": structure_data(Structure(
...     id="a", name="A", kind="network", territory_level="country"))})
True
>>> apply(state, EDIT_STRUCTURE, {"id": "a", "changes": {"name": "A bis"}})
True
>>> state.structures["a"]["name"]
'A bis'
>>> apply(state, EDIT_STRUCTURE, {"id": "zz", "changes": {"name": "?"}})  # no such card
False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from fresque.model import Link, Structure

__all__ = [
    "ADD_LINK",
    "ADD_STRUCTURE",
    "EDIT_LINK",
    "EDIT_STRUCTURE",
    "MERGE",
    "REMOVE_LINK",
    "REMOVE_STRUCTURE",
    "STATE_KINDS",
    "State",
    "apply",
    "link_data",
    "link_key",
    "patch_link",
    "patch_structure",
    "replay",
    "structure_data",
]

ADD_STRUCTURE = "add_structure"
EDIT_STRUCTURE = "edit_structure"
REMOVE_STRUCTURE = "remove_structure"
ADD_LINK = "add_link"
EDIT_LINK = "edit_link"
REMOVE_LINK = "remove_link"
MERGE = "merge"

#: Kinds of events that change cards or links (and are moderated).
STATE_KINDS = frozenset(
    {ADD_STRUCTURE, EDIT_STRUCTURE, REMOVE_STRUCTURE, ADD_LINK, EDIT_LINK, REMOVE_LINK, MERGE}
)


def structure_data(structure: Structure) -> dict[str, Any]:
    """The JSON-ready value of a card, as stored."""
    return structure.model_dump(mode="json")


def link_data(link: Link) -> dict[str, Any]:
    """The JSON-ready value of a link, as stored."""
    return link.model_dump(mode="json")


def link_key(data: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(source, target, relation)``: what makes a link unique in a dataset."""
    return (data["source"], data["target"], data["relation"])


def patch_structure(data: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``data`` with ``changes`` applied, validated (raises ``ValidationError``)."""
    return structure_data(Structure.model_validate({**data, **changes}))


def patch_link(data: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``data`` with ``changes`` applied, validated (raises ``ValidationError``)."""
    return link_data(Link.model_validate({**data, **changes}))


@dataclass
class State:
    """Cards by identifier, links by number, and which card was merged into which."""

    structures: dict[str, dict[str, Any]]
    links: dict[int, dict[str, Any]]
    merged: dict[str, str] = field(default_factory=dict)

    def copy(self) -> State:
        return State(dict(self.structures), dict(self.links), dict(self.merged))

    def key_taken(self, key: tuple[str, str, str], besides: int | None = None) -> bool:
        """Whether another link than ``besides`` has this key."""
        return any(lid != besides and link_key(d) == key for lid, d in self.links.items())


def _drop_structure(state: State, sid: str) -> None:
    del state.structures[sid]
    for lid in [lid for lid, d in state.links.items() if sid in (d["source"], d["target"])]:
        del state.links[lid]
    for other, data in state.structures.items():
        if data.get("carrier_id") == sid:
            state.structures[other] = {**data, "carrier_id": None}


def _link_fits(state: State, data: Mapping[str, Any], besides: int | None = None) -> bool:
    return (
        data["source"] in state.structures
        and data["target"] in state.structures
        and not state.key_taken(link_key(data), besides)
    )


def apply(state: State, kind: str, payload: Mapping[str, Any]) -> bool:
    """Apply one event to ``state`` in place; return whether it applied.

    Events that change nothing in the state (joins, phases, moderation…) return ``False``.
    """
    try:
        return _apply(state, kind, payload)
    except ValidationError:
        return False


def _apply(state: State, kind: str, payload: Mapping[str, Any]) -> bool:
    if kind == ADD_STRUCTURE:
        sid = payload["id"]
        if sid in state.structures:
            return False
        state.structures[sid] = dict(payload["data"])
        state.merged.pop(sid, None)
        return True
    if kind == EDIT_STRUCTURE:
        sid = payload["id"]
        if sid not in state.structures:
            return False
        state.structures[sid] = patch_structure(state.structures[sid], payload["changes"])
        return True
    if kind == REMOVE_STRUCTURE:
        sid = payload["id"]
        if sid not in state.structures:
            return False
        _drop_structure(state, sid)
        return True
    if kind == ADD_LINK:
        lid, data = int(payload["link"]), payload["data"]
        if lid in state.links or not _link_fits(state, data):
            return False
        state.links[lid] = dict(data)
        return True
    if kind == EDIT_LINK:
        lid = int(payload["link"])
        if lid not in state.links:
            return False
        data = patch_link(state.links[lid], payload["changes"])
        if not _link_fits(state, data, besides=lid):
            return False
        state.links[lid] = data
        return True
    if kind == REMOVE_LINK:
        lid = int(payload["link"])
        if lid not in state.links:
            return False
        del state.links[lid]
        return True
    if kind == MERGE:
        return _merge(state, payload["kept"], payload["merged"], payload.get("changes") or {})
    return False


def _merge(state: State, kept: str, merged: str, changes: Mapping[str, Any]) -> bool:
    """Merge card ``merged`` into ``kept``: its links and carried cards move to ``kept``."""
    if kept == merged or kept not in state.structures or merged not in state.structures:
        return False
    new_kept = patch_structure(state.structures[kept], changes)
    if new_kept.get("carrier_id") == merged:
        new_kept["carrier_id"] = None
    state.structures[kept] = new_kept
    for lid in sorted(state.links):
        data = state.links[lid]
        if merged not in (data["source"], data["target"]):
            continue
        moved = {
            **data,
            "source": kept if data["source"] == merged else data["source"],
            "target": kept if data["target"] == merged else data["target"],
        }
        if moved["source"] == moved["target"] or state.key_taken(link_key(moved), besides=lid):
            del state.links[lid]  # a link between the two duplicates, or already there
        else:
            state.links[lid] = moved
    for sid, data in state.structures.items():
        if data.get("carrier_id") == merged and sid != kept:
            state.structures[sid] = {**data, "carrier_id": kept}
    del state.structures[merged]
    state.merged[merged] = kept
    for old, into in state.merged.items():  # earlier merges into the merged card follow it
        if into == merged:
            state.merged[old] = kept
    return True


def replay(base: State, events: Iterable[tuple[str, Mapping[str, Any]]]) -> State:
    """Apply ``(kind, payload)`` events in order to a copy of ``base``; return the state."""
    state = base.copy()
    for kind, payload in events:
        apply(state, kind, payload)
    return state
