"""Cards that may be the same actor: similar names and a territory in common.

The facilitator's panel lists these pairs and redraws at every change of a busy
workshop, where comparing every card added with every card (hundreds by thousands)
took seconds. :func:`update_duplicates` keeps the pairs from one call to the next and
compares again only the cards that changed since (each with every card: a few
milliseconds), so the list costs a full comparison once per process.

A pair has at least one card added in the workshop (the base dataset's cards are not
compared with each other). Names are compared on their :func:`name_key`, with
:class:`difflib.SequenceMatcher`: a ratio of at least ``threshold``, or one name
inside the other (4 characters or more); two cards share a territory when the
communes they serve meet, or both serve the whole country, or one says nothing of its
territory.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fresque.model import Level
from fresque.store.results import Duplicate

__all__ = ["DuplicateState", "name_key", "update_duplicates"]

_SMALL_WORDS = frozenset({"de", "la", "le", "les", "du", "des", "d", "l", "et"})


def name_key(name: str) -> str:
    """A name as compared: normalised words without the small ones.

    Examples
    --------
    >>> name_key("La Fabrique à initiatives de l'Ouest")
    'fabrique a initiatives ouest'
    """
    from fresque.geo.territories import normalize_name

    return " ".join(w for w in normalize_name(str(name)).split() if w not in _SMALL_WORDS)


@dataclass(frozen=True)
class _Entry:
    name: str
    key: str
    level: str | None
    codes: tuple[str, ...]
    added: bool
    letters: np.ndarray = field(repr=False, compare=False)
    """How many times each character (code point modulo 128) occurs in ``key``."""


def _letters(key: str) -> np.ndarray:
    codes = np.frombuffer(key.encode("utf-32-le"), dtype=np.uint32) & 127
    return np.bincount(codes, minlength=128).astype(np.int32)


def _candidates(
    this: _Entry,
    keys: list[str],
    letters: np.ndarray,
    lengths: np.ndarray,
    threshold: float,
) -> list[int]:
    """Positions of the keys that may be similar to ``this.key``: a name inside the
    other, or a ratio that may reach ``threshold``. The ratio of two names is at most
    ``2 × (characters in common) / (both lengths)`` (difflib's ``quick_ratio``);
    counting characters modulo 128 can only find more in common, so this bound, worked
    out for every card at once, never drops a pair :func:`_score` would keep."""
    shared = np.minimum(letters, this.letters).sum(axis=1)
    bound = 2.0 * shared / np.maximum(lengths + len(this.key), 1)
    found = set(np.flatnonzero(bound >= threshold).tolist())
    key = this.key
    if len(key) >= 4:
        found.update(
            j for j, other in enumerate(keys) if len(other) >= 4 and (key in other or other in key)
        )
    return sorted(found)


@dataclass(frozen=True)
class DuplicateState:
    """The duplicate pairs of a workshop as last worked out, with what they came from.

    Attributes
    ----------
    marks
        Card id → ``(updated_seq, added)`` of the cards compared: a card whose mark
        differs now has changed.
    entries
        Card id → its name key and territory.
    pairs
        ``(first id, second id)`` (sorted) → the :class:`Duplicate`.
    """

    marks: Mapping[str, tuple[int, bool]] = field(default_factory=dict)
    entries: Mapping[str, _Entry] = field(default_factory=dict)
    pairs: Mapping[tuple[str, str], Duplicate] = field(default_factory=dict)

    def suggestions(self) -> list[Duplicate]:
        """The pairs, best first."""
        return sorted(self.pairs.values(), key=lambda d: (-d.score, d.first, d.second))


def update_duplicates(
    state: DuplicateState | None,
    marks: Mapping[str, tuple[int, bool]],
    read: Callable[[list[str]], Mapping[str, Mapping[str, Any]]],
    communes: Callable[[str, str], Iterable[int]],
    threshold: float = 0.8,
) -> DuplicateState:
    """The duplicate pairs of the cards ``marks`` lists, from those of ``state``.

    Parameters
    ----------
    state
        What an earlier call returned (``None``: compare everything).
    marks
        Every live card of the workshop: id → ``(updated_seq, added in the workshop)``.
    read
        Gives the data (``name``, ``territory_level``, ``territory_codes``) of the
        cards whose ids it is given: the ones new or changed since ``state``.
    communes
        ``(level, code)`` → positions of the communes that territory covers (raises
        ``LookupError`` or ``ValueError`` for one it does not know).
    threshold
        Least :class:`difflib.SequenceMatcher` ratio of two similar names.

    Examples
    --------
    >>> data = {"a": {"name": "Incubateur TAg29", "territory_level": "departement",
    ...               "territory_codes": ["29"]},
    ...         "b": {"name": "Incubateur TAg 29", "territory_level": "departement",
    ...               "territory_codes": ["29"]},
    ...         "c": {"name": "Incubateur TAg 29", "territory_level": "country",
    ...               "territory_codes": []}}
    >>> read = lambda ids: {i: data[i] for i in ids}
    >>> where = lambda level, code: [int(code)]
    >>> state = update_duplicates(None, {"a": (1, False), "b": (2, True), "c": (3, True)},
    ...                           read, where)
    >>> [(d.first, d.second) for d in state.suggestions()]
    [('a', 'b')]
    >>> data["b"] = {**data["b"], "name": "Pépinière de Brest"}
    >>> later = update_duplicates(state, {"a": (1, False), "b": (4, True), "c": (3, True)},
    ...                           read, where)
    >>> later.suggestions()
    []
    """
    old = state or DuplicateState()
    changed = [sid for sid, mark in marks.items() if old.marks.get(sid) != mark]
    touched = set(changed) | {sid for sid in old.marks if sid not in marks}
    if not touched:
        return old
    fresh = read(changed) if changed else {}
    entries = {sid: e for sid, e in old.entries.items() if sid in marks and sid not in touched}
    for sid in changed:
        data = fresh[sid]
        codes = data.get("territory_codes") or []
        key = name_key(data["name"])
        entries[sid] = _Entry(
            str(data["name"]),
            key,
            data.get("territory_level") or None,
            tuple(str(c) for c in codes),
            marks[sid][1],
            _letters(key),
        )
    pairs = {p: d for p, d in old.pairs.items() if p[0] not in touched and p[1] not in touched}
    places: dict[str, frozenset[int] | None] = {}

    def place(sid: str) -> frozenset[int] | None:
        """The communes a card serves (``None``: a territory that cannot be read)."""
        if sid not in places:
            entry = entries[sid]
            try:
                places[sid] = frozenset(
                    int(p) for code in entry.codes for p in communes(entry.level, code)
                )
            except (LookupError, ValueError):
                places[sid] = None
        return places[sid]

    def share_territory(a: str, b: str) -> bool:
        first, second = entries[a], entries[b]
        if not first.level or not second.level:
            return True  # nothing to tell them apart
        if Level.COUNTRY.value in (first.level, second.level):
            return first.level == second.level
        one, other = place(a), place(b)
        return one is not None and other is not None and not one.isdisjoint(other)

    done: set[str] = set()
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    ids = list(entries)
    keys = [entries[i].key for i in ids]
    letters = np.stack([entries[i].letters for i in ids]) if ids else np.zeros((0, 128))
    lengths = np.array([len(k) for k in keys], dtype=np.int64)
    for sid in changed:
        this = entries[sid]
        done.add(sid)
        if not this.key:
            continue
        matcher.set_seq2(this.key)
        for j in _candidates(this, keys, letters, lengths, threshold):
            other_id = ids[j]
            other = entries[other_id]
            if other_id in done or not other.key or not (this.added or other.added):
                continue
            score = _score(matcher, this, other, threshold)
            if score is None or not share_territory(sid, other_id):
                continue
            first, second = sorted((sid, other_id))
            pairs[(first, second)] = Duplicate(
                first, second, entries[first].name, entries[second].name, score
            )
    return DuplicateState(dict(marks), entries, pairs)


def _score(
    matcher: difflib.SequenceMatcher, this: _Entry, other: _Entry, threshold: float
) -> float | None:
    """The similarity of two names (``matcher`` holds ``this``'s key as its second
    sequence), or ``None`` when they are not similar. Each card added in the workshop
    is compared with the others as the second sequence, as a person looks for their
    own card among the others; a pair of two added cards keeps the better score."""
    key, other_key = this.key, other.key
    contained = min(len(key), len(other_key)) >= 4 and (key in other_key or other_key in key)
    matcher.set_seq1(other_key)
    if not contained and (
        matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold
    ):
        return None
    scores = []
    if this.added:
        scores.append(matcher.ratio())
    if other.added:
        reverse = difflib.SequenceMatcher(None, key, other_key, autojunk=False)
        scores.append(reverse.ratio())
    score = max(scores)
    if score < threshold and not contained:
        return None
    return round(max(score, threshold), 3)
