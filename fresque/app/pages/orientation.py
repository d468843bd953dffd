"""Qui peut m'accompagner ? A commune or postal code, a stage, a theme → ranked offers.

The page follows its URL (``/orientation?q=29600&commune=29151&stage=emergence&theme=…``):
a copied link reproduces the answer, the back button restores the previous one. One
callback reads the controls (or the URL), asks :mod:`fresque.orientation` and renders the
answer: a list of communes to choose from, suggestions, or the offers ranked with their
reasons, contact and place in the network; national offers after the local ones.

Every text from the data is rendered as text (Dash escapes children); links to websites
open in a new tab without opener.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import dash
from dash import ALL, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app import context, ids
from fresque.app.state import ViewState, page_from_path, to_href
from fresque.app.widgets import dropdown_labels
from fresque.geo.territories import TerritoryError
from fresque.i18n import DEFAULT_LANGUAGE, LANGUAGES, enum_choices, label, t
from fresque.model import Kind, Stage, Theme
from fresque.orientation import Offer, find_commune, orient

PAGE = "orientation"
_STAGES = {s.value for s in Stage}
_THEMES = {s.value for s in Theme}


# --------------------------------------------------------------------------------------
# URL <-> query
# --------------------------------------------------------------------------------------


def parse_search(search: str | None) -> dict[str, str | None]:
    """The page's parameters: ``q`` (typed text), ``commune``, ``stage``, ``theme``, ``lang``.

    Values that do not fit are dropped.

    Examples
    --------
    >>> parse_search("?q=29600&commune=29151&stage=emergence&theme=nope")
    {'q': '29600', 'commune': '29151', 'stage': 'emergence', 'theme': None, 'lang': 'fr'}
    """
    raw = dict(parse_qsl((search or "").lstrip("?")))
    q = (raw.get("q") or "").strip()[:120] or None
    commune = (raw.get("commune") or "").strip().upper()
    stage = raw.get("stage", "").split(",")[0]
    theme = raw.get("theme", "").split(",")[0]
    lang = raw.get("lang")
    return {
        "q": q,
        "commune": commune if len(commune) == 5 and commune.isalnum() else None,
        "stage": stage if stage in _STAGES else None,
        "theme": theme if theme in _THEMES else None,
        "lang": lang if lang in LANGUAGES else DEFAULT_LANGUAGE,
    }


def to_search(params: dict[str, str | None]) -> str:
    """The query string of the page's parameters (language first, empty ones left out).

    Examples
    --------
    >>> to_search({"q": "Morlaix", "commune": None, "stage": "emergence", "lang": "fr"})
    '?q=Morlaix&stage=emergence'
    """
    pairs = []
    if params.get("lang") and params["lang"] != DEFAULT_LANGUAGE:
        pairs.append(("lang", params["lang"]))
    for key in ("q", "commune", "stage", "theme"):
        if params.get(key):
            pairs.append((key, params[key]))
    return "?" + urlencode(pairs) if pairs else ""


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def _network_href(sid: str, lang: str) -> str:
    href = to_href(ViewState(page="reseau", lang=lang, selected=sid, focus=1))
    try:
        return dash.get_relative_path(href)
    except Exception:  # outside an app (tests of the builders)
        return href


def _link(url: str) -> html.A:
    return html.A(url, href=url, target="_blank", rel="noopener noreferrer")


def _names(items: list[tuple[str, str]], lang: str) -> list:
    out: list = []
    for i, (sid, name) in enumerate(items):
        if i:
            out.append(", ")
        out.append(dcc.Link(name, href=_network_href(sid, lang)))
    return out


def render_offer(offer: Offer, rank: int | None, lang: str) -> html.Article:
    """One offer: name, kind, reasons, contact, place in the network."""
    head = [
        html.H4(
            [html.Span(f"{rank}. ", className="offer-rank") if rank else None, offer.name],
            className="offer-name",
        ),
        html.Span(label(Kind(offer.kind), lang), className="offer-kind"),
    ]
    if offer.status == "expected":
        head.append(html.Span(t("orientation.status.expected", lang), className="offer-badge"))
    body: list = [
        html.Div(className="offer-head", children=head),
        html.Ul([html.Li(reason) for reason in offer.reasons], className="offer-reasons"),
    ]
    contact: list = []
    if offer.website:
        contact += [html.Dt(t("orientation.website", lang)), html.Dd(_link(offer.website))]
    if offer.sources:
        key = "orientation.expected.source" if offer.status == "expected" else "orientation.sources"
        contact += [
            html.Dt(t(key, lang)),
            html.Dd(html.Ul([html.Li(_link(url)) for url in offer.sources[:3]])),
        ]
    if offer.carrier:
        contact += [
            html.Dt(t("orientation.carrier", lang)),
            html.Dd(_names([offer.carrier], lang)),
        ]
    if offer.networks:
        contact += [html.Dt(t("orientation.networks", lang)), html.Dd(_names(offer.networks, lang))]
    if offer.funders:
        contact += [html.Dt(t("orientation.funders", lang)), html.Dd(_names(offer.funders, lang))]
    if contact:
        body.append(html.Dl(contact, className="offer-facts"))
    body.append(
        dcc.Link(
            t("orientation.see_network", lang),
            href=_network_href(offer.id, lang),
            className="offer-network-link",
        )
    )
    return html.Article(
        className=f"offer status-{offer.status}" + (" national" if offer.national else ""),
        children=body,
        **{"data-id": offer.id},
    )


def _section(title: str, offers: list[Offer], lang: str, cls: str, empty: str | None = None):
    children: list = [html.H3(f"{title} ({len(offers)})")]
    if not offers and empty:
        children.append(html.P(empty, className="notice"))
    children += [render_offer(o, i + 1, lang) for i, o in enumerate(offers)]
    return html.Section(className=f"offers {cls}", children=children)


def render_results(params: dict[str, str | None], lang: str) -> list:
    """What the page shows for its parameters."""
    eco = context.current().ecosystem
    if eco is None:
        return [html.P(context.current().error or "", className="map-message")]
    q, code = params.get("q"), params.get("commune")
    if not q and not code:
        return [html.P(t("orientation.hint", lang), className="orientation-hint")]
    commune = None
    if code:
        try:
            commune = eco.territories[("commune", code)]
        except (KeyError, TerritoryError):
            commune = None
    if commune is None:
        lookup = find_commune(eco.territories, q, lang)
        commune = lookup.commune
        if commune is None:
            children: list = [html.P(lookup.message, className="notice", role="alert")]
            places = lookup.choices or lookup.suggestions
            if lookup.suggestions and not lookup.choices:
                children.append(html.P(t("orientation.suggest", lang)))
            if places:
                children.append(
                    html.Ul(
                        className="commune-choices",
                        children=[
                            html.Li(
                                html.Button(
                                    place.label,
                                    id={"type": ids.ORI_PICK, "code": place.code},
                                    className="link-button",
                                    n_clicks=0,
                                )
                            )
                            for place in places[:40]
                        ],
                    )
                )
            return children
    found = context.current().cached(
        ("orientation", commune.code, params.get("stage"), params.get("theme"), lang),
        lambda: orient(eco, commune, params.get("stage"), params.get("theme"), lang),
    )
    title = t("orientation.for", lang).format(commune=commune.label)
    return [
        html.H3(title, className="orientation-for", id=ids.ORI_FOR, tabIndex="-1"),
        _section(
            t("orientation.local", lang),
            found.local,
            lang,
            "local",
            t("orientation.none_local", lang),
        ),
        _section(t("orientation.national", lang), found.national, lang, "national"),
        html.Details(
            className="offers others",
            children=[
                html.Summary(f"{t('orientation.others', lang)} ({len(found.others)})"),
                *[render_offer(o, None, lang) for o in found.others],
            ],
        ),
    ]


def layout(state: ViewState | None, lang: str = DEFAULT_LANGUAGE) -> html.Div:
    """The page for the URL's parameters; ``None`` gives the light skeleton (no data)."""
    skeleton = state is None
    params: dict[str, str | None] = {"lang": lang}
    if not skeleton:
        try:  # rendered by the shell's routing callback, which reads the URL
            search = dash.ctx.inputs.get(f"{ids.URL}.search")
        except Exception:  # outside a callback
            search = None
        params = parse_search(search) | {"lang": lang}
    results = [] if skeleton else render_results(params, lang)
    # The skeleton (embedded in every HTML page for Dash's validation) stays light.
    stage_options = (
        []
        if skeleton
        else [{"label": t("orientation.stage.any", lang), "value": ""}]
        + [{"label": o["label"], "value": o["value"]} for o in enum_choices(Stage, lang)]
    )
    form = html.Div(
        className="orientation-form panel",
        role="search",
        children=[
            html.Div(
                className="field",
                children=[
                    html.Label(
                        t("orientation.query.label", lang),
                        htmlFor=ids.ORI_QUERY,
                        className="field-label",
                    ),
                    html.Div(
                        className="query-row",
                        children=[
                            dcc.Input(
                                id=ids.ORI_QUERY,
                                type="search",
                                value=params.get("q") or "",
                                placeholder=t("orientation.query.placeholder", lang),
                                debounce=True,
                                autoComplete="off",
                                className="text-input",
                            ),
                            html.Button(
                                t("orientation.go", lang),
                                id=ids.ORI_GO,
                                className="button",
                                n_clicks=0,
                            ),
                        ],
                    ),
                ],
            ),
            html.Div(
                className="field",
                role="group",
                children=[
                    html.Span(
                        t("orientation.stage.label", lang),
                        className="field-label",
                        id=f"{ids.ORI_STAGE}-label",
                    ),
                    dcc.RadioItems(
                        id=ids.ORI_STAGE,
                        options=stage_options,
                        value=params.get("stage") or "",
                        className="choice-list",
                    ),
                ],
                **{"aria-labelledby": f"{ids.ORI_STAGE}-label"},
            ),
            html.Div(
                className="field",
                children=[
                    html.Label(
                        t("orientation.theme.label", lang),
                        htmlFor=ids.ORI_THEME,
                        className="field-label",
                    ),
                    dcc.Dropdown(
                        labels=dropdown_labels(lang),
                        id=ids.ORI_THEME,
                        options=[] if skeleton else enum_choices(Theme, lang),
                        value=params.get("theme"),
                        placeholder=t("filters.any", lang),
                        clearable=True,
                    ),
                ],
            ),
        ],
    )
    return html.Div(
        className="orientation",
        children=[
            dcc.Location(id=ids.ORI_URL, refresh="callback-nav", search=to_search(params)),
            dcc.Store(id=ids.ORI_LANG, data=lang),
            html.H2(t("orientation.heading", lang)),
            html.P(t("orientation.intro", lang), className="orientation-intro"),
            form,
            html.Div(
                id=ids.ORI_RESULTS,
                className="orientation-results",
                children=results,
                **{"aria-live": "polite", "aria-label": t("orientation.results", lang)},
            ),
        ],
    )


# --------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------


def register_callbacks(app: dash.Dash) -> None:
    """Attach the page's callback to ``app``."""

    @app.callback(
        Output(ids.ORI_URL, "search"),
        Output(ids.ORI_QUERY, "value"),
        Output(ids.ORI_STAGE, "value"),
        Output(ids.ORI_THEME, "value"),
        Output(ids.ORI_RESULTS, "children"),
        Input(ids.ORI_URL, "search"),
        Input(ids.ORI_GO, "n_clicks"),
        Input(ids.ORI_QUERY, "n_submit"),
        Input(ids.ORI_QUERY, "value"),
        Input(ids.ORI_STAGE, "value"),
        Input(ids.ORI_THEME, "value"),
        Input({"type": ids.ORI_PICK, "code": ALL}, "n_clicks"),
        State(ids.ORI_URL, "pathname"),
        State(ids.ORI_LANG, "data"),
        prevent_initial_call=True,  # the layout already holds the first answer
    )
    def update(search, _go, _submit, query, stage, theme, _picks, pathname, page_lang):
        if page_from_path(app.strip_relative_path(pathname or "/") or "") != PAGE:
            raise PreventUpdate
        before = parse_search(search)
        if before["lang"] != page_lang:
            raise PreventUpdate
        trigger = dash.ctx.triggered_id
        if trigger == ids.ORI_URL or trigger is None:
            params = before
        else:
            params = dict(before)
            params["stage"] = stage or None
            params["theme"] = theme or None
            if isinstance(trigger, dict):  # a commune picked among several
                if not dash.ctx.triggered[0]["value"]:
                    raise PreventUpdate
                params["commune"] = trigger["code"]
            elif trigger in (ids.ORI_GO, ids.ORI_QUERY):
                text = (query or "").strip()[:120] or None
                if text != before["q"]:
                    params["q"], params["commune"] = text, None
        from_url = trigger == ids.ORI_URL or trigger is None
        new_search = to_search(params)
        return (
            no_update if from_url or new_search == (search or "") else new_search,
            (params["q"] or "") if from_url else no_update,
            (params["stage"] or "") if from_url else no_update,
            params["theme"] if from_url else no_update,
            render_results(params, page_lang),
        )


def results_for(params: dict[str, Any], lang: str = DEFAULT_LANGUAGE) -> list:
    """:func:`render_results` (for benchmarks and tests inside an app context)."""
    return render_results(params, lang)
