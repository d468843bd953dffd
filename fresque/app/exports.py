"""Export the current selection of the Réseau page: CSV, XLSX, offline HTML, PNG.

The panel sits among the Réseau controls. CSV, XLSX and HTML are built on the server by
the pure builders of :mod:`fresque.views.exports` from the page's URL state (filters,
focus, relations: exactly what the network shows) and sent with ``dcc.Download``. The
PNG is drawn by the browser (Cytoscape's ``generateImage``), so it works offline and
costs the server nothing. The map's PNG is plotly's own "download as PNG" button.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from fresque.app import context, ids
from fresque.app.state import ViewState, parse_url
from fresque.i18n import DEFAULT_LANGUAGE, t, t_count
from fresque.views.exports import (
    EXPORT_FORMATS,
    export_filename,
    selection_csv,
    selection_html,
    selection_xlsx,
    with_relations,
)

_BUTTONS = (
    (ids.EXPORT_CSV, "csv"),
    (ids.EXPORT_XLSX, "xlsx"),
    (ids.EXPORT_HTML, "html"),
)


def panel(lang: str = DEFAULT_LANGUAGE) -> html.Details:
    """The export panel: one button per format, and the download."""
    buttons = [
        html.Button(t(f"export.{fmt}", lang), id=cid, className="button", n_clicks=0)
        for cid, fmt in _BUTTONS
    ]
    buttons.append(
        html.Button(t("export.png", lang), id=ids.EXPORT_PNG, className="button", n_clicks=0)
    )
    return html.Details(
        className="panel exports",
        open=True,
        children=[
            html.Summary(t("export.heading", lang)),
            html.Div(buttons, className="export-buttons"),
            dcc.Download(id=ids.EXPORT_DOWNLOAD),
            dcc.Store(id=ids.EXPORT_SINK, data=None),
        ],
    )


def selection(state: ViewState):
    """The ecosystem the Réseau page shows for ``state`` (filters, focus, relations)."""
    from fresque.app.pages import reseau

    shown, _ = reseau._shown(reseau._sanitize(state))
    return with_relations(shown, state.relations)


def build(fmt: str, state: ViewState) -> dict:
    """The ``dcc.Download`` data of one export of ``state``'s selection."""
    shown = selection(state)
    if fmt == "csv":
        content = selection_csv(shown)
    elif fmt == "xlsx":
        content = selection_xlsx(shown)
    elif fmt == "html":
        eco = context.current().ecosystem
        subtitle = t("network.count", state.lang).format(
            structures=t_count("count.structures", len(shown), state.lang),
            links=t_count("count.links", len(shown.links), state.lang),
        )
        content = selection_html(
            shown,
            title=t("app.title", state.lang),
            subtitle=subtitle if eco is not None else None,
            layout=state.layout,
            lang=state.lang,
        )
    else:
        raise PreventUpdate
    return dcc.send_bytes(
        content,
        export_filename(fmt, state.region, state.departement),
        type=EXPORT_FORMATS[fmt],
    )


def register_callbacks(app: dash.Dash) -> None:
    """Attach the export callbacks (called by the Réseau page's)."""

    @app.callback(
        Output(ids.EXPORT_DOWNLOAD, "data"),
        *[Input(cid, "n_clicks") for cid, _ in _BUTTONS],
        State(ids.NET_URL, "search"),
        prevent_initial_call=True,
    )
    def download(*args):
        search = args[-1]
        trigger = dash.ctx.triggered_id
        fmt = dict(_BUTTONS).get(trigger)
        if fmt is None or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate
        if context.current().ecosystem is None:
            raise PreventUpdate
        return build(fmt, parse_url("reseau", search))

    # The network as a PNG, drawn by Cytoscape in the browser.
    clientside_callback(
        """function (n) {
            if (!n) { return window.dash_clientside.no_update; }
            return {type: "png", action: "download", filename: "fresque-reseau",
                    options: {full: true, scale: 2, bg: "#ffffff"}};
        }""",
        Output(ids.NET_GRAPH, "generateImage"),
        Input(ids.EXPORT_PNG, "n_clicks"),
        prevent_initial_call=True,
    )
