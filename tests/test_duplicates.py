"""Duplicate suggestions (:func:`fresque.store.duplicates.update_duplicates`) against a
plain comparison of every pair with :mod:`difflib`, on names made to be near one another
(hypothesis): the character-count bound that skips most pairs never skips a similar one."""

from __future__ import annotations

import difflib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fresque.store.duplicates import name_key, update_duplicates

SYLLABLES = ["ker", "pen", "aber", "lann", "ti", "ess", "29", "é", "fab", "inc", "ub"]
WORDS = ["Incubateur", "La", "Fabrique", "de", "Tiers-lieu", "TAg", "l'Ouest"]


@st.composite
def names(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), max_size=2))
    made = "".join(draw(st.lists(st.sampled_from(SYLLABLES), min_size=0, max_size=4)))
    return " ".join([*words, made]).strip()


def naive(cards: dict[str, tuple[str, bool]], threshold: float) -> dict[tuple[str, str], float]:
    """Every pair with a card added, compared in full (one territory for all)."""
    found: dict[tuple[str, str], float] = {}
    for sid, (name, added) in cards.items():
        key = name_key(name)
        for other_id, (other_name, other_added) in cards.items():
            other = name_key(other_name)
            if other_id == sid or not key or not other or not (added or other_added):
                continue
            scores = [
                difflib.SequenceMatcher(None, b, a, autojunk=False).ratio()
                for a, b, a_added in ((key, other, added), (other, key, other_added))
                if a_added
            ]
            score = max(scores)
            inside = min(len(key), len(other)) >= 4 and (key in other or other in key)
            if score >= threshold or inside:
                pair = tuple(sorted((sid, other_id)))
                found[pair] = max(found.get(pair, 0), round(max(score, threshold), 3))
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(names(), st.booleans()), max_size=14),
    st.sampled_from([0.6, 0.8, 0.9]),
)
def test_the_pairs_are_those_of_a_full_comparison(cards, threshold):
    by_id = {f"c{i}": card for i, card in enumerate(cards)}
    marks = {sid: (i, added) for i, (sid, (_name, added)) in enumerate(by_id.items())}

    def read(ids):
        return {
            i: {"name": by_id[i][0], "territory_level": "departement", "territory_codes": ["29"]}
            for i in ids
        }

    state = update_duplicates(None, marks, read, lambda level, code: [29], threshold)
    found = {(d.first, d.second): d.score for d in state.suggestions()}
    assert found == naive(by_id, threshold)
