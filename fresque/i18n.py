"""French and English labels, kept in one place.

French is the default language. Every enum value of :mod:`fresque.model` and every string
the interface shows has a label here.

Examples
--------
>>> from fresque.i18n import t
>>> t("app.title")
'Fresque de l’accompagnement de l’ESS'
>>> t("app.title", "en")
'ESS support ecosystem map'
"""

from __future__ import annotations

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

#: Interface strings: key -> {language: text}.
UI_STRINGS: dict[str, dict[str, str]] = {
    "app.title": {
        "fr": "Fresque de l’accompagnement de l’ESS",
        "en": "ESS support ecosystem map",
    },
}


def t(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return the interface string ``key`` in ``lang`` (French when the language is unknown).

    Raises
    ------
    KeyError
        When ``key`` has no label: every string the interface shows must be listed here.
    """
    labels = UI_STRINGS[key]
    return labels.get(lang) or labels[DEFAULT_LANGUAGE]
