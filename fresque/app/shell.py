"""The shell around every page: header, navigation, language switch, and routing.

The root layout is static and light. One callback reads the URL and, when the page or
the language changes, renders the page (``layout(state, lang)`` of its module) and the
header in that language; a page module with ``SWITCHES_LANGUAGE = True`` (Réseau) is not
rendered again on a language change: it renders its own parts in the new language.
Within a page, its own callbacks follow the URL: the shell then only refreshes the
navigation links so that they carry the current state.
"""

from __future__ import annotations

import copy
from typing import Any

import dash
from dash import (
    ClientsideFunction,
    Input,
    Output,
    State,
    clientside_callback,
    dcc,
    html,
    no_update,
)
from dash.development.base_component import Component

from fresque.app import ids
from fresque.app.pages import PAGE_MODULES
from fresque.app.state import PAGES, ViewState, parse_url, replace, to_href
from fresque.i18n import DEFAULT_LANGUAGE, LANGUAGES, t


def _nav_links(app: dash.Dash, state: ViewState) -> list:
    return [
        dcc.Link(
            t(f"nav.{page}", state.lang),
            href=app.get_relative_path(to_href(replace(state, page=page))),
            className="nav-link active" if page == state.page else "nav-link",
            id=f"nav-{page}",
        )
        for page in PAGES
    ]


def _other_language(lang: str) -> str:
    return next(other for other in LANGUAGES if other != lang)


def root_layout(app: dash.Dash, lang: str = DEFAULT_LANGUAGE) -> html.Div:
    """The static page around the pages: URL, header, an empty main filled by routing."""
    state = ViewState(lang=lang)
    other = _other_language(lang)
    return html.Div(
        className="fresque",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.RENDERED, data=None),
            dcc.Store(id=ids.DOCUMENT_SINK, data=None),
            html.A(t("app.skip", lang), href="#page", className="skip-link", id=ids.SKIP_LINK),
            html.Header(
                className="fresque-header",
                children=[
                    html.Div(
                        className="brand",
                        children=[
                            html.H1(t("app.title", lang), id=ids.TITLE),
                            html.P(t("app.subtitle", lang), id=ids.SUBTITLE, className="subtitle"),
                        ],
                    ),
                    html.Nav(
                        id=ids.NAV,
                        className="app-nav",
                        children=_nav_links(app, state),
                        **{"aria-label": t("nav.label", lang)},
                    ),
                    dcc.Link(
                        t("lang.other", lang),
                        href=app.get_relative_path(to_href(replace(state, lang=other))),
                        id=ids.LANG_LINK,
                        className="lang-link",
                        title=t("lang.other.hint", lang),
                    ),
                ],
            ),
            html.Main(id=ids.PAGE, className="fresque-main", tabIndex="-1"),
        ],
    )


def validation_layout(app: dash.Dash) -> html.Div:
    """Everything callbacks refer to, light: the shell and every page's skeleton, reduced
    to the components and their ids (:func:`ids_only`). It travels in every page's HTML."""
    return ids_only(
        html.Div([root_layout(app), *(module.layout(None) for module in PAGE_MODULES.values())])
    )


def ids_only(component: Any) -> Any:
    """Return a copy of ``component`` that keeps only the components (their type and ``id``)
    and how they nest: what Dash checks callbacks against, without texts, options or
    styles.

    Examples
    --------
    >>> light = ids_only(html.Div([html.P("Bonjour", id="p", className="x"), "texte"]))
    >>> light.to_plotly_json()["props"]["children"][0].to_plotly_json()
    {'props': {'children': [], 'id': 'p'}, 'type': 'P', 'namespace': 'dash_html_components'}
    """
    light = copy.copy(component)
    for name in component._prop_names:
        if name not in ("id", "children") and name in light.__dict__:
            delattr(light, name)
    children = getattr(component, "children", None)
    if children is not None:
        if not isinstance(children, list | tuple):
            children = [children]
        light.children = [ids_only(c) for c in children if isinstance(c, Component)]
    return light


def register_callbacks(app: dash.Dash) -> None:
    """Routing: render the page and header when the page or the language changes."""

    @app.callback(
        Output(ids.PAGE, "children"),
        Output(ids.RENDERED, "data"),
        Output(ids.TITLE, "children"),
        Output(ids.SUBTITLE, "children"),
        Output(ids.NAV, "children"),
        Output(ids.NAV, "aria-label"),
        Output(ids.LANG_LINK, "children"),
        Output(ids.LANG_LINK, "href"),
        Output(ids.LANG_LINK, "title"),
        Output(ids.SKIP_LINK, "children"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
        State(ids.RENDERED, "data"),
    )
    def route(pathname: str | None, search: str | None, rendered: dict | None):
        path = app.strip_relative_path(pathname or "/") or ""
        state = parse_url(path, search)
        lang = state.lang
        current = {"page": state.page, "lang": lang, "title": t("app.title", lang)}
        # Same page, same language: the page follows the URL by itself. A page that
        # switches language in place (Réseau: its graph must stay mounted) follows a new
        # language by itself too.
        module = PAGE_MODULES[state.page]
        in_place = (
            rendered is not None
            and rendered.get("page") == state.page
            and getattr(module, "SWITCHES_LANGUAGE", False)
        )
        page = no_update if rendered == current or in_place else module.layout(state, lang)
        other = _other_language(lang)
        return (
            page,
            current,
            t("app.title", lang),
            t("app.subtitle", lang),
            _nav_links(app, state),
            t("nav.label", lang),
            t("lang.other", lang),
            app.get_relative_path(to_href(replace(state, lang=other))),
            t("lang.other.hint", lang),
            t("app.skip", lang),
        )

    # The document's language and title follow the page's (screen readers, tabs).
    clientside_callback(
        ClientsideFunction("fresque", "documentFollows"),
        Output(ids.DOCUMENT_SINK, "data"),
        Input(ids.RENDERED, "data"),
        prevent_initial_call=True,
    )
