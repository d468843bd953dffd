"""Small interface pieces shared by the pages."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

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


def labelled(
    label_text: str,
    control,
    control_id: str,
    error_id: dict[str, str] | None = None,
    *,
    group: bool = False,
) -> html.Div:
    """A labelled control.

    ``group`` makes it a fieldset-like group labelled by its text (for radios and
    checklists, which a ``<label for>`` cannot name); ``error_id`` adds an empty line
    under the control where a callback writes the field's problem.
    """
    if group:
        head = html.Span(label_text, className="field-label", id=f"{control_id}-label")
        children = [head, control]
        extra = {"role": "group", "aria-labelledby": f"{control_id}-label"}
    else:
        children = [html.Label(label_text, htmlFor=control_id, className="field-label"), control]
        extra = {}
    if error_id:
        children.append(
            html.P(
                "",
                id=error_id,
                className=f"field-error error-{error_id['field']}",
                role="alert",
            )
        )
    return html.Div(className="field", children=children, **extra)


def filter_dropdown(
    label_text: str,
    control_id: str,
    options: list[dict[str, Any]],
    value: Any,
    lang: str = DEFAULT_LANGUAGE,
    *,
    multi: bool = False,
) -> html.Div:
    """A labelled filter list: French (or English) texts, "Tous" when nothing is chosen,
    clearable; ``multi`` for a filter that keeps several values.

    Examples
    --------
    >>> field = filter_dropdown("Région", "region", [{"label": "Bretagne", "value": "53"}], "53")
    >>> dropdown = field.children[1]
    >>> dropdown.id, dropdown.value, dropdown.placeholder, dropdown.clearable
    ('region', '53', 'Tous', True)
    """
    return labelled(
        label_text,
        dcc.Dropdown(
            labels=dropdown_labels(lang),
            id=control_id,
            options=options,
            value=value,
            multi=multi,
            placeholder=t("filters.any", lang),
            clearable=True,
        ),
        control_id,
    )
