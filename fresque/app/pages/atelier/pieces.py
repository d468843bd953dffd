"""Small pieces the Atelier's views share: a status line, capitalised choices, the
workshop's head (name, code, phase)."""

from __future__ import annotations

from dash import html

from fresque.i18n import enum_choices, t
from fresque.model import Kind
from fresque.views.workshop import format_code


def _message(text: str, kind: str = "notice") -> html.P:
    return html.P(text, className=f"atelier-message {kind}", role="status")


def _capitalized(options: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**o, "label": o["label"][:1].upper() + o["label"][1:]} for o in options]


def _workshop_head(ws, lang: str, who: str | None = None, *, show_code: bool = True) -> html.Div:
    phase = ws.phase
    if phase.kinds is None:
        opened = t("atelier.phase.all_kinds", lang)
    else:
        labels = {o["value"]: o["label"] for o in enum_choices(Kind, lang)}
        opened = ", ".join(labels[k.value] for k in phase.kinds) or t("atelier.phase.none", lang)
    parts = [html.H2(ws.name, className="atelier-title")]
    line = []
    if show_code:
        line += [t("atelier.head.code", lang) + t("punct.colon", lang)]
        line += [html.Strong(format_code(ws.code))]
    if who:
        line += [" · "] if line else []
        line += [t("atelier.head.you", lang) + t("punct.colon", lang), html.Strong(who)]
    if line:
        parts.append(html.P(line, className="atelier-sub"))
    phase_text = (f"« {phase.name} » — " if phase.name else "") + opened
    if not phase.links_open:
        phase_text += " · " + t("atelier.phase.links_closed", lang)
    parts.append(
        html.P(
            [t("atelier.head.phase", lang) + t("punct.colon", lang), phase_text],
            className="atelier-phase",
        )
    )
    if ws.status != "open":
        parts.append(_message(t("atelier.head.closed", lang), "error"))
    return html.Div(parts, className="atelier-head")
