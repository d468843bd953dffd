"""Counts agree with their noun in both languages ("1 structure", never "1 structures"):
every label that holds a count goes through :func:`fresque.i18n.t_count`."""

from __future__ import annotations

import re

import pytest

from fresque.i18n import LANGUAGES, UI_STRINGS, t, t_count

FORMS = ("one", "other")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: A placeholder followed by a word.
BEFORE_A_WORD = re.compile(r"\{(\w+)\}[\s\u00a0\u202f]+(\w+)")
# placeholders that hold words, never a count ("{who} changed" is not "{n} changed")
WORDS = {"who", "name", "names", "text", "title", "time", "label", "value", "kind"}


def plural_keys() -> set[str]:
    """The labels with forms (``key.one``; ``key.other`` alone may be a plain label,
    e.g. ``lang.other``)."""
    return {key.rsplit(".", 1)[0] for key in UI_STRINGS if key.endswith(".one")}


def counted_words() -> set[str]:
    """The words a count goes with, as the plural forms write them ("structures",
    "ans", "links"…), and those the app counts elsewhere."""
    words = {"participants", "communes", "structures", "liens", "links", "years", "ans"}
    for key in plural_keys():
        for form in FORMS:
            for text in UI_STRINGS[f"{key}.{form}"].values():
                words |= {m.group(2).lower() for m in BEFORE_A_WORD.finditer(text)}
    return words


@pytest.mark.parametrize("key", sorted(plural_keys()))
def test_every_plural_label_has_both_forms_in_both_languages(key):
    for form in FORMS:
        labels = UI_STRINGS.get(f"{key}.{form}")
        assert labels is not None, f"{key}.{form} is missing"
        for lang in LANGUAGES:
            assert "{n}" in labels.get(lang, ""), f"{key}.{form} [{lang}] has no {{n}}"
    for lang in LANGUAGES:
        assert set(PLACEHOLDER.findall(t(f"{key}.one", lang))) == set(
            PLACEHOLDER.findall(t(f"{key}.other", lang))
        ), f"{key} [{lang}]: both forms take the same values"
    # French makes at least one of them different (a noun or an agreed adjective)
    assert t(f"{key}.one", "fr") != t(f"{key}.other", "fr"), key


def test_a_count_followed_by_a_word_is_a_plural_label():
    """A label that is not a plural form never writes a counted word right after a
    placeholder ("{n} structures", "{years} ans"): its count goes through ``t_count``."""
    plural = {f"{key}.{form}" for key in plural_keys() for form in FORMS}
    counted = counted_words()
    assert {"structure", "structures", "lien", "liens", "an", "ans"} <= counted
    wrong = [
        (key, lang, match.group(0))
        for key, labels in UI_STRINGS.items()
        if key not in plural
        for lang, text in labels.items()
        for match in BEFORE_A_WORD.finditer(text)
        if match.group(2).lower() in counted and match.group(1) not in WORDS
    ]
    assert not wrong, wrong


def test_the_rule_finds_a_count_written_by_hand(monkeypatch):
    monkeypatch.setitem(UI_STRINGS, "demo.count", {"fr": "{count} liens", "en": "{count} links"})
    with pytest.raises(AssertionError, match=r"demo\.count"):
        test_a_count_followed_by_a_word_is_a_plural_label()


def test_no_label_writes_a_plural_by_hand():
    hand_made = [
        (key, lang)
        for key, labels in UI_STRINGS.items()
        for lang, text in labels.items()
        if re.search(r"\w\((s|e|es)\)", text)
    ]
    assert not hand_made, hand_made


@pytest.mark.parametrize(
    ("n", "fr", "en"),
    [
        (0, "0 structure", "0 structures"),
        (1, "1 structure", "1 structure"),
        (2, "2 structures", "2 structures"),
        (1500, "1500 structures", "1500 structures"),
    ],
)
def test_the_plural_rule_of_each_language(n, fr, en):
    assert t_count("count.structures", n, "fr") == fr
    assert t_count("count.structures", n, "en") == en


def test_counts_on_screens_agree():
    from fresque.app.pages.atelier.export import merge_summary

    assert merge_summary({"added": 1, "changed": 1, "removed": 0}, "fr") == (
        "1 ajout, 1 modification, 0 retrait."
    )
    assert merge_summary({"added": 2, "changed": 0, "removed": 1}, "en") == (
        "2 additions, 0 changes, 1 removal."
    )
    count = t("network.count", "fr").format(
        structures=t_count("count.structures", 1, "fr"), links=t_count("count.links", 1, "fr")
    )
    assert count == "1 structure · 1 lien"
