"""A stand-alone, offline HTML page of the network, drawn by pyvis (vis-network).

One file that opens from a disk, a mail attachment or a notebook without any network
connection: vis-network is inlined (``cdn_resources="in_line"``) and the Bootstrap
``<link>``/``<script>`` tags pyvis 0.3.2 still points at a CDN are removed
(:func:`strip_remote_resources`); nothing else is fetched.

Safety: structure names, descriptions and every other text of the dataset may come from
a workshop. Node and edge data reach the page through Jinja's ``tojson`` (``<``, ``>``,
``&`` and quotes are escaped), labels are drawn on a canvas, and the tooltips are built
as HTML whose every piece of user text is escaped (:func:`node_tooltip`), then turned
into DOM elements once by a small script, so that they can show a bold name and line
breaks without ever interpreting user text.

Positions are always given (a seeded spring layout by default, or the Fresque board),
so the same data draw the same picture. Physics (vis-network's force simulation) is
off above :data:`PHYSICS_LIMIT` structures: with 2,000 nodes it kept a browser busy for
minutes, while fixed positions render in about a second (STACK-NOTES.md).

Examples
--------
>>> from fresque.analysis import example_ecosystem
>>> page = network_html(example_ecosystem(), title="Exemple <test>")
>>> "Exemple &lt;test&gt;" in page, "cdn.jsdelivr" in page, "vis.Network" in page
(True, False, True)
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from fresque.i18n import DEFAULT_LANGUAGE, label
from fresque.model import SYMMETRIC_RELATIONS, Dispositif, Kind, Relation, Stage, Status

if TYPE_CHECKING:
    from fresque.ecosystem import Ecosystem

__all__ = [
    "LAYOUTS",
    "PHYSICS_LIMIT",
    "network_html",
    "node_tooltip",
    "notebook_frame",
    "strip_remote_resources",
    "write_network_html",
]

#: Above this many structures, physics is off (positions stay where the layout put them).
PHYSICS_LIMIT = 150

#: Layouts :func:`network_html` computes.
LAYOUTS = ("spring", "board", "concentric")

#: Longest description shown in a tooltip (characters).
DESCRIPTION_LENGTH = 280

_SMALLEST, _LARGEST = 12, 42
_DEFUNCT = "#9E9E9E"

_REMOTE_TAG = re.compile(
    r"<(?P<tag>link|script)\b[^>]*?(?:href|src)\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>"
    r"(?:\s*</script\s*>)?",
    re.IGNORECASE | re.DOTALL,
)
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>", re.IGNORECASE)
_ANCHOR = "network = new vis.Network(container, data, options);"

#: Turns the escaped-HTML tooltips into elements (vis-network shows strings as plain text).
_TOOLTIP_SCRIPT = """
                  nodes.forEach(function (node) {
                      if (typeof node.title === "string") {
                          var tip = document.createElement("div");
                          tip.className = "fresque-tip";
                          tip.innerHTML = node.title;  // built from escaped text only
                          nodes.update({id: node.id, title: tip});
                      }
                  });
                  """

_STYLE = """
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
         color: #1a1a1a; }
  .fresque-header { padding: 12px 18px 4px; }
  .fresque-header h1 { font-size: 1.3rem; margin: 0 0 4px; }
  .fresque-header p { margin: 2px 0; font-size: 0.9rem; color: #444; }
  .fresque-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 4px 18px 8px;
                    font-size: 0.85rem; }
  .fresque-legend span::before { content: ""; display: inline-block; width: 11px;
                                 height: 11px; border-radius: 50%; margin-right: 5px;
                                 vertical-align: -1px; background: var(--c); }
  .fresque-legend .edge::before { border-radius: 0; height: 3px; vertical-align: 3px; }
  .fresque-tip { max-width: 340px; white-space: normal; font-size: 13px; line-height: 1.35; }
  #mynetwork { border: none !important; }
</style>
"""


def strip_remote_resources(page: str) -> str:
    """Remove every ``<link>`` and ``<script>`` tag that loads a remote address.

    pyvis 0.3.2 links Bootstrap from a CDN even with ``cdn_resources="in_line"``; the
    page does not need it (no Bootstrap class is used with the options set here).

    Examples
    --------
    >>> strip_remote_resources(
    ...     '<link href="https://cdn.example/b.css" rel="stylesheet"/><p>x</p>'
    ...     '<script src="//cdn.example/b.js"></script><script>var a = 1;</script>')
    '<p>x</p><script>var a = 1;</script>'
    """
    return _REMOTE_TAG.sub("", page)


def _text(value: Any) -> str:
    """Escaped text (quotes too) of a value."""
    return html.escape("" if value is None else str(value), quote=True)


def _labels(values: Any, enum_cls: type, lang: str) -> str:
    return ", ".join(label(enum_cls(v), lang) for v in values or [])


def node_tooltip(row: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE, extra: str = "") -> str:
    """Return the tooltip of a structure as HTML, every piece of its text escaped.

    Parameters
    ----------
    row
        A row of :attr:`Ecosystem.structures` as a mapping (``name``, ``kind``,
        ``dispositifs``, ``stages``, ``status``, ``description``, ``website``).
    lang
        Language of the labels.
    extra
        Text appended on its own line (escaped too).

    Examples
    --------
    >>> node_tooltip({"name": "<b>A & B</b>", "kind": "network", "dispositifs": [],
    ...               "stages": ["emergence"], "status": "active",
    ...               "description": "<script>x</script>"})
    '<b>&lt;b&gt;A &amp; B&lt;/b&gt;</b><br>Réseau<br>Étapes : Émergence<br>\
<i>&lt;script&gt;x&lt;/script&gt;</i>'
    """
    parts = [f"<b>{_text(row.get('name'))}</b>", _text(label(Kind(row["kind"]), lang))]
    if row.get("dispositifs"):
        parts.append(_text(_labels(row["dispositifs"], Dispositif, lang)))
    if row.get("stages"):
        word = "Étapes" if lang == "fr" else "Stages"
        parts.append(f"{word} : {_text(_labels(row['stages'], Stage, lang))}")
    status = row.get("status")
    if status and status != Status.ACTIVE.value:
        parts.append(f"<i>{_text(label(Status(status), lang))}</i>")
    description = str(row.get("description") or "").strip()
    if description:
        if len(description) > DESCRIPTION_LENGTH:
            description = description[: DESCRIPTION_LENGTH - 1].rstrip() + "…"
        parts.append(f"<i>{_text(description)}</i>")
    if row.get("website"):
        parts.append(_text(row["website"]))
    if extra:
        parts.append(_text(extra))
    return "<br>".join(parts)


def _positions(
    eco: Ecosystem, layout: str, seed: int, scale: float
) -> dict[str, tuple[float, float]]:
    if layout == "spring":
        from fresque.analysis import undirected_graph

        graph = undirected_graph(eco)
        n = max(graph.number_of_nodes(), 1)
        found = nx.spring_layout(graph, seed=seed, k=1.6 / n**0.5)
        size = scale * max(n, 4) ** 0.5
        return {sid: (float(x) * size, float(y) * size) for sid, (x, y) in found.items()}
    if layout == "board":
        from fresque.views.network import board_positions

        return dict(board_positions(eco.structures).positions)
    if layout == "concentric":
        from fresque.views.network import concentric_positions

        return dict(concentric_positions(eco.structures))
    raise ValueError(f"disposition inconnue « {layout} » : {', '.join(LAYOUTS)}")


def _colors() -> tuple[dict[str, str], dict[str, str]]:
    from fresque.views.network import KIND_COLORS, RELATION_COLORS

    return (
        {k.value: c for k, c in KIND_COLORS.items()},
        {r.value: c for r, c in RELATION_COLORS.items()},
    )


def network_html(
    eco: Ecosystem,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    positions: Mapping[str, tuple[float, float]] | None = None,
    layout: str = "spring",
    physics: bool | None = None,
    sizes: Mapping[str, float] | None = None,
    height: str = "720px",
    seed: int = 0,
    scale: float = 90.0,
    lang: str = DEFAULT_LANGUAGE,
) -> str:
    """Return a self-contained HTML page drawing the network of ``eco``.

    Parameters
    ----------
    eco
        The ecosystem (filter it first to draw a part).
    title, subtitle
        Heading and a line of text above the drawing (escaped).
    positions
        ``{id: (x, y)}`` in pixels; structures without one get the layout's.
    layout
        ``"spring"`` (networkx's, seeded), ``"board"`` (stages × kinds, as the app's
        Fresque board) or ``"concentric"`` (rings by kind).
    physics
        Let vis-network's forces move the nodes; default: only up to
        :data:`PHYSICS_LIMIT` structures.
    sizes
        ``{id: value}`` scaling the nodes (default: the number of linked structures).
    height
        CSS height of the drawing.
    seed, scale
        Seed and spread (pixels) of the spring layout.
    lang
        Language of the labels.

    Returns
    -------
    str
        The page: no ``<script src>`` nor ``<link href>`` to another site.

    Examples
    --------
    >>> from fresque.analysis import example_ecosystem
    >>> page = network_html(example_ecosystem(), layout="concentric")
    >>> page.count('"id": "hub"'), "physics" in page
    (1, True)
    """
    from pyvis.network import Network

    kind_colors, relation_colors = _colors()
    table = eco.structures.drop(columns="geometry")
    layout_positions = _positions(eco, layout, seed, scale)
    if positions:
        layout_positions.update({k: (float(x), float(y)) for k, (x, y) in positions.items()})
    if sizes is None:
        from fresque.analysis import undirected_graph

        graph = undirected_graph(eco)
        sizes = {sid: graph.degree(sid) for sid in graph}
    low = min(sizes.values(), default=0)
    high = max(sizes.values(), default=0)

    def size(sid: str) -> float:
        value = sizes.get(sid, low)
        if high <= low:
            return (_SMALLEST + _LARGEST) / 2
        return _SMALLEST + (_LARGEST - _SMALLEST) * ((value - low) / (high - low)) ** 0.5

    n = len(table)
    physics = n <= PHYSICS_LIMIT if physics is None else physics
    network = Network(
        height=height,
        width="100%",
        directed=True,
        cdn_resources="in_line",
        notebook=False,
    )
    for sid, row in zip(table.index, table.to_dict("records"), strict=True):
        status = row["status"]
        color = _DEFUNCT if status == Status.DEFUNCT.value else kind_colors[row["kind"]]
        x, y = layout_positions.get(sid, (0.0, 0.0))
        network.add_node(
            sid,
            label=str(row["name"]),
            title=node_tooltip(row, lang),
            x=round(x, 1),
            y=round(y, 1),
            size=round(size(sid), 1),
            color={
                "background": "#ffffff" if status == Status.EXPECTED.value else color,
                "border": color,
            },
            borderWidth=2,
            shapeProperties={"borderDashes": [4, 3] if status == Status.EXPECTED.value else False},
            font={"size": 12, "color": "#222222"},
        )
    for row in eco.links.to_dict("records"):
        relation = Relation(row["relation"])
        network.add_edge(
            row["source"],
            row["target"],
            title=label(relation, lang),
            color=relation_colors[relation.value],
            arrows="" if relation in SYMMETRIC_RELATIONS else "to",
            width=1.4,
        )
    options = {
        "physics": {
            "enabled": bool(physics),
            "solver": "forceAtlas2Based",
            "stabilization": {"iterations": 150},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False},
        "edges": {"smooth": False},
        "layout": {"improvedLayout": False},
    }
    network.set_options(json.dumps(options))
    page = network.generate_html(notebook=False)
    return _finish(page, title, subtitle, kind_colors, relation_colors, lang)


def _finish(
    page: str,
    title: str | None,
    subtitle: str | None,
    kind_colors: Mapping[str, str],
    relation_colors: Mapping[str, str],
    lang: str,
) -> str:
    page = strip_remote_resources(page)
    page = _EMPTY_HEADING.sub("", page)
    if _ANCHOR not in page:  # pragma: no cover - a pyvis template we do not know
        raise RuntimeError("Gabarit pyvis inattendu : impossible d’y ajouter les infobulles.")
    page = page.replace(_ANCHOR, _TOOLTIP_SCRIPT.strip() + "\n                  " + _ANCHOR, 1)
    heading = _text(title or ("Réseau des acteurs" if lang == "fr" else "Network of actors"))
    legend = "".join(
        f'<span style="--c:{color}">{_text(label(Kind(kind), lang))}</span>'
        for kind, color in kind_colors.items()
    ) + "".join(
        f'<span class="edge" style="--c:{color}">{_text(label(Relation(rel), lang))}</span>'
        for rel, color in relation_colors.items()
    )
    header = (
        f'<div class="fresque-header"><h1>{heading}</h1>'
        + (f"<p>{_text(subtitle)}</p>" if subtitle else "")
        + f'</div><div class="fresque-legend">{legend}</div>'
    )
    page = page.replace("<html>", f'<!DOCTYPE html>\n<html lang="{_text(lang)}">', 1)
    page = page.replace(
        '<meta charset="utf-8">',
        f'<meta charset="utf-8">\n        <title>{heading}</title>{_STYLE}',
        1,
    )
    return re.sub(r"<body>", lambda _: "<body>\n" + header, page, count=1)


def write_network_html(eco: Ecosystem, path: str | Path, **options: Any) -> Path:
    """Write :func:`network_html` of ``eco`` to ``path`` (UTF-8) and return the path.

    Examples
    --------
    >>> import tempfile
    >>> from fresque.analysis import example_ecosystem
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_network_html(example_ecosystem(), Path(folder) / "reseau.html")
    ...     path.stat().st_size > 100_000
    True
    """
    from fresque.io.tables import atomic_write

    path = Path(path)
    with atomic_write(path) as handle:
        handle.write(network_html(eco, **options))
    return path


class _Frame:
    """Shown by Jupyter as its HTML (``_repr_html_``); ``data`` holds that HTML."""

    def __init__(self, data: str) -> None:
        self.data = data

    def _repr_html_(self) -> str:
        return self.data


def notebook_frame(page: str, height: int = 760) -> Any:
    """Return an object Jupyter shows as the page in an ``<iframe srcdoc>`` (no file).

    The page runs in a sandboxed frame (scripts allowed, nothing else): its scripts
    cannot reach the notebook.

    Examples
    --------
    >>> frame = notebook_frame("<p>a & b</p>")
    >>> 'srcdoc="&lt;p&gt;a &amp; b&lt;/p&gt;"' in frame._repr_html_()
    True
    """
    return _Frame(
        f'<iframe srcdoc="{html.escape(page, quote=True)}" width="100%" height="{int(height)}" '
        'style="border:none" sandbox="allow-scripts"></iframe>'
    )
