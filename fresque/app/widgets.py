"""Small interface pieces shared by the pages."""

from __future__ import annotations

from fresque.i18n import DEFAULT_LANGUAGE, t

#: The texts a ``dcc.Dropdown`` shows by itself (search box, counts, buttons).
DROPDOWN_LABEL_KEYS = (
    "select_all",
    "deselect_all",
    "selected_count",
    "search",
    "clear_search",
    "clear_selection",
    "no_options_found",
)


def dropdown_labels(lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The ``labels`` of a ``dcc.Dropdown`` in ``lang`` (Dash's own are English).

    Examples
    --------
    >>> dropdown_labels()["no_options_found"]
    'Aucun résultat'
    """
    return {key: t(f"dropdown.{key}", lang) for key in DROPDOWN_LABEL_KEYS}
